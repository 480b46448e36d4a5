// The link notice's sentences, on the page's own module: a rejected value is shown cut and
// cleaned, and so is the validation message, which may quote the raw value again.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEntry } from '../../www/url-notice.js';

const OVERRIDE = '\u202e';

function rejected(value) {
  const reason = `"${value}" is not a finite number`;
  return describeEntry({ kind: 'invalid', parameter: 'seed', value, reason, replacement: '1' });
}

test('reason drops direction overrides', () => {
  const sentence = rejected(`${OVERRIDE}${'evil'.repeat(30)}`);
  assert.ok(!sentence.includes(OVERRIDE), sentence);
  assert.ok(sentence.endsWith('It was replaced by "1".'), sentence);
});

test('reason is cut when long', () => {
  const sentence = rejected('9'.repeat(1000));
  assert.ok(sentence.length < 300, `${sentence.length} characters`);
  assert.ok(sentence.includes('…'), sentence);
});

test('control characters show as replacements', () => {
  const sentence = rejected('\u0000');
  assert.equal(sentence, '"seed" = "\ufffd" was rejected. "\ufffd" is not a finite number. It was replaced by "1".');
});
