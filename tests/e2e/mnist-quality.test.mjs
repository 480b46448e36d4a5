// The default MNIST run (10 epochs, batch 64, learning rate 0.002, seed 1, flex) on the default
// subset: the most accurate model reaches at least 97% test accuracy. It runs at a device
// pixel ratio of 2, so it also checks that the canvases stay sharp there. Ten epochs of three
// CNNs take several minutes on 2 cores.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MNIST_MODELS,
  canvasSizes,
  mnistModelStates,
  openMnist,
  readMnistAccuracies,
  saveMnistScreenshots,
  useServedPage,
  waitForMnistStatus,
} from './helpers.mjs';

const MIN_BEST_ACCURACY = 0.97;
const RUN_TIMEOUT_MS = 20 * 60_000;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Asserts that a canvas's backing store has two device pixels per CSS pixel. */
async function assertDoubleResolution(page, id) {
  const size = await canvasSizes(page, id);
  assert.ok(Math.abs(size.width - 2 * size.cssWidth) <= 2, `${id}: ${JSON.stringify(size)}`);
  assert.ok(Math.abs(size.height - 2 * size.cssHeight) <= 2, `${id}: ${JSON.stringify(size)}`);
}

test('default run reaches 97% accuracy', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
  const { context, page, problems } = await openMnist(browser, server.url, {
    deviceScaleFactor: 2,
  });
  const settings = {
    'mnist-epochs': '10',
    'mnist-batch-size': '64',
    'mnist-learning-rate': '0.002',
    'mnist-engine': 'flex',
    'mnist-seed': '1',
  };
  for (const [id, value] of Object.entries(settings)) {
    assert.equal(await page.inputValue(`#${id}`), value, `default of #${id}`);
  }
  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['running']);

  // After every model's first epoch the accuracy chart has all three series.
  await page.waitForFunction(
    () => document.querySelector('#mnist-accuracy-chart').dataset.modelSeries === '3',
    null,
    { timeout: RUN_TIMEOUT_MS },
  );
  await saveMnistScreenshots(page, 'mnist-dpr2-training');
  await waitForMnistStatus(page, ['done'], RUN_TIMEOUT_MS);
  assert.deepEqual(await mnistModelStates(page), {
    shallow: 'done',
    medium: 'done',
    deep: 'done',
  });

  const accuracies = await readMnistAccuracies(page);
  const best = MNIST_MODELS.reduce((a, b) => (accuracies[b] > accuracies[a] ? b : a));
  assert.ok(
    accuracies[best] >= MIN_BEST_ACCURACY,
    `best test accuracy ${accuracies[best]} (${best}); all: ${JSON.stringify(accuracies)}`,
  );
  await page.waitForFunction(
    () => document.querySelector('#mnist-inspection').dataset.state === 'shown',
    null,
    { timeout: 60_000 },
  );
  for (const id of ['mnist-loss-chart', 'mnist-accuracy-chart', 'mnist-digit-grid']) {
    await assertDoubleResolution(page, id);
  }
  await saveMnistScreenshots(page, 'mnist-dpr2-done');
  assert.deepEqual(problems, []);
  await context.close();
});
