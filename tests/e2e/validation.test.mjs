// Invalid settings: Train shows a message beside the field and starts nothing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  MODELS,
  WWW_ROOT,
  canvasData,
  fillSettings,
  launchBrowser,
  modelStates,
  openPage,
  requireBuiltPage,
  spareWorkerCount,
  statusState,
  stepCount,
} from './helpers.mjs';
import { startServer } from './server.mjs';

const ERROR_IDS = [
  'function-error',
  'domain-error',
  'points-error',
  'epochs-error',
  'batch-size-error',
  'learning-rate-error',
  'engine-error',
  'seed-error',
  'config-error',
];

const CASES = [
  {
    name: 'negative learning rate',
    settings: { 'learning-rate': '-1' },
    errorId: 'learning-rate-error',
    input: 'learning-rate',
  },
  {
    name: 'learning rate abc',
    settings: { 'learning-rate': 'abc' },
    errorId: 'learning-rate-error',
    input: 'learning-rate',
    pattern: /"abc" is not a finite number/,
  },
  {
    name: 'learning rate below doubles',
    settings: { 'learning-rate': '1e-400' },
    errorId: 'learning-rate-error',
    input: 'learning-rate',
    pattern: /"1e-400" is too close to 0 to compute with; enter one such as/,
  },
  { name: 'zero epochs', settings: { epochs: '0' }, errorId: 'epochs-error', input: 'epochs' },
  {
    name: 'epochs above maximum',
    settings: { epochs: '1000001' },
    errorId: 'epochs-error',
    input: 'epochs',
  },
  { name: 'one sample point', settings: { points: '1' }, errorId: 'points-error', input: 'points' },
  {
    name: 'empty domain',
    settings: { 'domain-low': '0.5', 'domain-high': '0.5' },
    errorId: 'domain-error',
    input: 'domain-low',
  },
  {
    name: 'reversed domain',
    settings: { 'domain-low': '2', 'domain-high': '-2' },
    errorId: 'domain-error',
    input: 'domain-high',
  },
];

let server;
let browser;
let session;

before(async () => {
  requireBuiltPage();
  server = await startServer(WWW_ROOT);
  browser = await launchBrowser();
  session = await openPage(browser, server.url);
});

after(async () => {
  await session?.context.close();
  await browser?.close();
  await server?.close();
});

async function errorTexts(page) {
  const texts = {};
  for (const id of ERROR_IDS) {
    texts[id] = (await page.locator(`#${id}`).textContent()).trim();
  }
  return texts;
}

async function assertNothingStarted(page) {
  assert.equal(await statusState(page), 'invalid');
  assert.equal(await stepCount(page), 0);
  const spares = await spareWorkerCount(page);
  assert.equal(page.workers().length, spares, 'a worker beyond the spares was started');
  for (const id of ['loss-chart', 'fit-chart']) {
    assert.equal((await canvasData(page, id)).modelSeries, '0', `${id} has model series`);
  }
  const idle = Object.fromEntries(MODELS.map((model) => [model, 'idle']));
  assert.deepEqual(await modelStates(page), idle);
}

for (const { name, settings, errorId, input, pattern } of CASES) {
  test(`rejects ${name}`, async () => {
    const { page } = session;
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#status').dataset.state === 'ready');
    await fillSettings(page, settings);
    await page.click('#train');
    await page.waitForTimeout(500);

    const texts = await errorTexts(page);
    assert.notEqual(texts[errorId], '', `no message in #${errorId}`);
    if (pattern) {
      assert.match(texts[errorId], pattern);
    }
    for (const [id, text] of Object.entries(texts)) {
      if (id !== errorId) {
        assert.equal(text, '', `unexpected message in #${id}`);
      }
    }
    const besideField = await page.evaluate(
      ([inputId, messageId]) =>
        document
          .getElementById(inputId)
          .closest('.field')
          .contains(document.getElementById(messageId)),
      [input, errorId],
    );
    assert.ok(besideField, `#${errorId} is not in the field of #${input}`);
    assert.equal(await page.getAttribute(`#${input}`, 'aria-invalid'), 'true');
    await assertNothingStarted(page);
  });
}

test('no errors logged by invalid settings', () => {
  assert.deepEqual(session.problems, []);
});
