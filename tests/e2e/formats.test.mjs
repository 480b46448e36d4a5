// Number formats of the page's own modules. The charts' text alternatives and table views
// keep counts whole and shorten huge values, such as a diverging run's loss. Rates below one
// step a second keep their digits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableNumber, tableNumber } from '../../www/chart-text.js';
import { formatRate } from '../../www/results.js';

test('counts are written whole', () => {
  assert.equal(readableNumber(398241), '398241');
  assert.equal(tableNumber(1000000), '1000000');
});

test('huge values use exponent form', () => {
  assert.equal(readableNumber(8.441010795960385e29), '8.44e+29');
  assert.equal(tableNumber(37314763948032), '3.73148e+13');
  assert.equal(readableNumber(67400000), '6.74e+7');
});

test('fractions keep significant digits', () => {
  assert.equal(readableNumber(0.0123456), '0.0123');
  assert.equal(tableNumber(0.0123456), '0.0123456');
});

test('gaps and infinities are named', () => {
  assert.equal(readableNumber(null), 'NaN');
  assert.equal(tableNumber(-Infinity), '-Infinity');
});

test('slow rates keep two digits', () => {
  assert.equal(formatRate(0.2345), '0.23');
  assert.equal(formatRate(9.5), '9.5');
  assert.equal(formatRate(1234.5), '1,235');
});
