// The link notice's sentences, on the page's own module: a rejected value is shown cut and
// cleaned, and so is the validation message, which may quote the raw value again. Many
// unknown keys list the known ones once, after the rejected values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byImportance, describeEntry, withHintsOnce } from '../../www/url-notice.js';

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

test('known keys are listed once', () => {
  const hint = 'The known parameters are seed, epochs.';
  const unknown = (parameter) => ({ kind: 'unknown', parameter, hint });
  const entries = [unknown('k0'), { kind: 'repeated', parameter: 'seed', count: 2 }, unknown('k1')];
  const sentences = withHintsOnce(entries).map(describeEntry);
  assert.equal(sentences[0], `"k0" is not a known parameter, so it was ignored. ${hint}`);
  assert.equal(sentences[2], '"k1" is not a known parameter, so it was ignored.');
  assert.equal(sentences.filter((sentence) => sentence.includes(hint)).length, 1);
});

test('different hints are each kept', () => {
  const entries = ['pca', 'gradnorm'].map((section) => ({
    kind: 'unknown',
    parameter: `${section}.x`,
    hint: `The settings of ${section} are ${section}.seed.`,
  }));
  const sentences = withHintsOnce(entries).map(describeEntry);
  assert.ok(sentences[0].endsWith('The settings of pca are pca.seed.'), sentences[0]);
  assert.ok(sentences[1].endsWith('The settings of gradnorm are gradnorm.seed.'), sentences[1]);
});

test('rejected values come before unknown keys', () => {
  const unknown = (parameter) => ({ kind: 'unknown', parameter, hint: '' });
  const invalid = { kind: 'invalid', parameter: 'epochs', value: 'abc', reason: 'x' };
  const entries = [unknown('k0'), unknown('k1'), invalid, { kind: 'autostart-skipped' }];
  const kinds = byImportance(entries).map((entry) => entry.parameter ?? entry.kind);
  assert.deepEqual(kinds, ['epochs', 'k0', 'k1', 'autostart-skipped']);
});
