// The MNIST experiment on the default subset: the tabs, settings validation, one epoch of
// training with its charts, table and test digits, Stop and a second Train, and divergence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MNIST_MODELS,
  canvasData,
  countPixels,
  fillSettings,
  mnistModelStates,
  mnistStepCount,
  openMnist,
  openPage,
  readMnistAccuracies,
  saveMnistScreenshots,
  spareWorkerCount,
  useServedPage,
  waitForMnistStatus,
} from './helpers.mjs';

// One epoch at batch 128 on 8,000 training digits reaches about 88 to 91% test accuracy.
const MIN_ONE_EPOCH_ACCURACY = 0.8;
const ONE_EPOCH_TIMEOUT_MS = 5 * 60_000;
// A loss curve 2 px wide across the plot is well over 500 px; the legend marks alone are
// about 130 px.
const MIN_CURVE_PIXELS = 500;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

function allOf(state) {
  return Object.fromEntries(MNIST_MODELS.map((model) => [model, state]));
}

/** Returns the MNIST catalog of the page's own wasm module. */
async function pageCatalog(page) {
  const json = await page.evaluate(async () => (await import('./pkg/gradlab.js')).mnistCatalog());
  return JSON.parse(json);
}

/** Waits until every model shows an images/s rate, that is, has trained a few chunks. */
async function waitForAllRates(page) {
  await page.waitForFunction(
    (models) =>
      models.every((model) => {
        const cell = document.querySelector(`[data-testid="mnist-rate-${model}"]`);
        return cell.dataset.value !== undefined && cell.dataset.value !== '';
      }),
    MNIST_MODELS,
    { timeout: 30_000 },
  );
}

async function checkTableFromCatalog(page) {
  const catalog = await pageCatalog(page);
  assert.deepEqual(
    catalog.models.map((model) => model.name),
    MNIST_MODELS,
  );
  for (const model of catalog.models) {
    const parameters = page.getByTestId(`mnist-parameters-${model.name}`);
    assert.equal(await parameters.getAttribute('data-value'), String(model.parameters));
    assert.ok(
      Math.abs(model.parameters - 25_500) < 500,
      `${model.name} has ${model.parameters} parameters`,
    );
    const layers = await page.getByTestId(`mnist-layers-${model.name}`).textContent();
    assert.equal(layers, model.layers);
  }
}

async function checkTrainingProgresses(page) {
  await waitForAllRates(page);
  assert.deepEqual(await mnistModelStates(page), allOf('running'));
  assert.ok((await mnistStepCount(page)) > 0, 'step counter did not rise');
  assert.match(await page.locator('#mnist-rate').textContent(), /^[\d,]+ images\/s$/);
  await page.waitForFunction(
    () => /^ETA \d+[smh]/.test(document.querySelector('#mnist-eta').textContent),
    null,
    { timeout: 10_000 },
  );
  assert.match(await page.locator('#mnist-status').textContent(), /^Training shallow/);
}

async function checkChartsDrawn(page, baseline) {
  const loss = await countPixels(page, 'mnist-loss-chart');
  assert.ok(
    loss.coloured > baseline.loss + MIN_CURVE_PIXELS,
    `loss chart: ${loss.coloured} coloured pixels, ${baseline.loss} before training`,
  );
  // One epoch gives each model a single accuracy point, drawn as a dot of radius 3 px.
  const accuracy = await countPixels(page, 'mnist-accuracy-chart');
  assert.ok(
    accuracy.coloured > baseline.accuracy + 3 * 15,
    `accuracy chart: ${accuracy.coloured} coloured pixels, ${baseline.accuracy} before training`,
  );
  for (const id of ['mnist-loss-chart', 'mnist-accuracy-chart']) {
    assert.equal((await canvasData(page, id)).modelSeries, '3', `${id} model series`);
  }
}

/** Reads the confusion matrix cells as {count, actual, predicted}. */
async function readConfusion(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('#mnist-confusion td[data-count]')].map((cell) => ({
      count: Number(cell.dataset.count),
      actual: Number(cell.dataset.true),
      predicted: Number(cell.dataset.predicted),
      diagonal: cell.classList.contains('diagonal'),
    })),
  );
}

async function checkInspection(page, accuracies) {
  await page.waitForFunction(
    () => document.querySelector('#mnist-inspection').dataset.state === 'shown',
    null,
    { timeout: 60_000 },
  );
  const best = MNIST_MODELS.reduce((a, b) => (accuracies[b] > accuracies[a] ? b : a));
  assert.equal(await page.locator('#mnist-inspection').getAttribute('data-model'), best);
  const heading = await page.locator('#mnist-inspection-heading').textContent();
  assert.equal(heading, `Test digits of ${best}`);

  const grid = await canvasData(page, 'mnist-digit-grid');
  assert.equal(grid.digits, '64');
  const pixels = await countPixels(page, 'mnist-digit-grid');
  assert.ok(pixels.drawn > 64 * 50, `digit grid: only ${pixels.drawn} drawn pixels`);
  const caption = await page.locator('#mnist-digit-caption').textContent();
  assert.match(caption, new RegExp(`^The first 64 test digits with ${best}'s predicted class`));

  const cells = await readConfusion(page);
  assert.equal(cells.length, 100);
  const total = cells.reduce((sum, cell) => sum + cell.count, 0);
  assert.equal(total, 2000);
  assert.equal(await page.locator('#mnist-confusion').getAttribute('data-total'), '2000');
  const diagonal = cells.filter((cell) => cell.diagonal);
  assert.equal(diagonal.length, 10);
  assert.ok(diagonal.every((cell) => cell.actual === cell.predicted));
  // The run ended at an epoch end, so the matrix is that epoch's evaluation.
  const correct = diagonal.reduce((sum, cell) => sum + cell.count, 0);
  assert.ok(Math.abs(correct / total - accuracies[best]) < 1e-9, `${correct} of ${total} correct`);
}

test('tabs switch with the keyboard', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  assert.equal(await page.locator('#panel-fit').isVisible(), true);
  assert.equal(await page.locator('#panel-mnist').isVisible(), false);

  await page.focus('#tab-fit');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#tab-mnist').getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-mnist');
  assert.equal(await page.locator('#panel-mnist').isVisible(), true);
  assert.equal(await page.locator('#panel-fit').isVisible(), false);
  assert.equal(new URL(page.url()).hash, '#mnist');

  await page.keyboard.press('Home');
  assert.equal(await page.locator('#tab-fit').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#panel-fit').isVisible(), true);
  await page.keyboard.press('End');
  assert.equal(await page.locator('#panel-generalization').isVisible(), true);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#panel-optimization').isVisible(), true);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#panel-mnist').isVisible(), true);
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#panel-fit').isVisible(), true, 'ArrowRight did not wrap');

  // The fragment opens MNIST directly, which loads the default digits.
  await page.goto(`${server.url}#mnist`);
  await waitForMnistStatus(page, ['ready'], 30_000);
  assert.equal(await page.locator('#panel-mnist').isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid settings start nothing', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  await fillSettings(page, {
    'mnist-epochs': '0',
    'mnist-batch-size': '5000',
    'mnist-learning-rate': 'abc',
    'mnist-seed': '-1',
  });
  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['invalid']);

  const expected = {
    'mnist-epochs': /out of range/,
    'mnist-batch-size': /out of range/,
    'mnist-learning-rate': /"abc" is not a finite number/,
    'mnist-seed': /-1 is out of range/,
  };
  for (const [input, pattern] of Object.entries(expected)) {
    const message = await page.locator(`#${input}-error`).textContent();
    assert.match(message, pattern, `#${input}-error`);
    assert.equal(await page.getAttribute(`#${input}`, 'aria-invalid'), 'true');
  }
  assert.equal(await page.locator('#mnist-engine-error').textContent(), '');
  assert.equal(await page.locator('#mnist-config-error').textContent(), '');
  assert.equal(await mnistStepCount(page), 0);
  const spares = await spareWorkerCount(page);
  assert.equal(page.workers().length, spares, 'a worker beyond the spares was started');
  assert.deepEqual(await mnistModelStates(page), allOf('idle'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('one epoch on the default subset', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  const summary = page.locator('#mnist-data-summary');
  assert.match(await summary.textContent(), /8,000 training \/ 2,000 test digits, default subset/);
  assert.equal(await summary.getAttribute('data-source'), 'default');
  assert.equal(await summary.getAttribute('data-train'), '8000');
  assert.equal(await summary.getAttribute('data-test'), '2000');
  await checkTableFromCatalog(page);
  const baseline = {
    loss: (await countPixels(page, 'mnist-loss-chart')).coloured,
    accuracy: (await countPixels(page, 'mnist-accuracy-chart')).coloured,
  };

  await fillSettings(page, { 'mnist-epochs': 1, 'mnist-batch-size': 128 });
  await page.click('#mnist-train');
  await checkTrainingProgresses(page);
  await saveMnistScreenshots(page, 'mnist-training');
  await waitForMnistStatus(page, ['done'], ONE_EPOCH_TIMEOUT_MS);

  // ceil(8,000 / 128) = 63 steps per model.
  const counter = page.locator('#mnist-step-counter');
  assert.equal(await counter.getAttribute('data-steps'), String(3 * 63));
  assert.equal(await counter.getAttribute('data-step'), String(3 * 63));
  assert.deepEqual(await mnistModelStates(page), allOf('done'));
  const accuracies = await readMnistAccuracies(page);
  for (const model of MNIST_MODELS) {
    assert.ok(
      accuracies[model] > MIN_ONE_EPOCH_ACCURACY,
      `${model} test accuracy ${accuracies[model]}`,
    );
    const rate = await page.getByTestId(`mnist-rate-${model}`).getAttribute('data-value');
    assert.ok(Number(rate) > 0, `${model} images/s: ${rate}`);
  }
  assert.match(await page.locator('#mnist-rate').textContent(), /^[\d,]+ images\/s \(average\)$/);
  assert.match(await page.locator('#mnist-status').textContent(), /^Done: every model ran 1 epoch/);
  await checkChartsDrawn(page, baseline);
  await checkInspection(page, accuracies);
  await saveMnistScreenshots(page, 'mnist-done');
  assert.deepEqual(problems, []);
  await context.close();
});

test('stop is prompt and training restarts', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') {
      warnings.push(message.text());
    }
  });
  // Batches of 1 make an epoch 8,000 steps, so that no epoch ends before the stop below.
  await fillSettings(page, { 'mnist-epochs': 3, 'mnist-batch-size': 1 });
  await page.click('#mnist-train');
  await waitForAllRates(page);
  await page.waitForFunction(
    () => document.querySelector('#mnist-loss-chart').dataset.modelSeries === '3',
    null,
    { timeout: 30_000 },
  );
  const pointsBeforeStop = Number((await canvasData(page, 'mnist-loss-chart')).modelPoints);

  // No epoch has ended yet, so no test evaluation delays the workers' responses to the stop
  // request.
  const clickedAt = Date.now();
  await page.click('#mnist-stop');
  await waitForMnistStatus(page, ['stopped'], 5000);
  const stopMs = Date.now() - clickedAt;
  assert.ok(stopMs < 1500, `stopping took ${stopMs} ms`);
  assert.deepEqual(await mnistModelStates(page), allOf('stopped'));
  const stoppedSteps = await mnistStepCount(page);
  await page.waitForTimeout(1000);
  assert.equal(await mnistStepCount(page), stoppedSteps, 'step counter changed after Stop');
  assert.match(await page.locator('#mnist-status').textContent(), /^Stopped after/);
  assert.equal(await page.locator('#mnist-inspection').getAttribute('data-state'), 'none');
  assert.match(await page.locator('#mnist-inspection-note').textContent(), /No epoch ended/);

  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['running'], 3000);
  const restartSteps = await mnistStepCount(page);
  const restartPoints = Number((await canvasData(page, 'mnist-loss-chart')).modelPoints);
  assert.ok(restartSteps < stoppedSteps / 2, `restart began at ${restartSteps} of ${stoppedSteps}`);
  assert.ok(restartPoints < pointsBeforeStop, `loss chart kept ${restartPoints} old points`);
  assert.equal(await page.locator('#mnist-inspection').isVisible(), false);
  await waitForAllRates(page);
  assert.ok((await mnistStepCount(page)) > restartSteps, 'step counter did not rise');
  assert.deepEqual(await mnistModelStates(page), allOf('running'));

  await page.click('#mnist-stop');
  await waitForMnistStatus(page, ['stopped'], 5000);
  const replaced = warnings.filter((text) => text.includes('did not stop'));
  assert.deepEqual(replaced, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('stop after an epoch shows the digits', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  // At batch 512 an epoch is 16 steps; the fastest model ends its first within seconds.
  await fillSettings(page, { 'mnist-epochs': 3, 'mnist-batch-size': 512 });
  await page.click('#mnist-train');
  await page.waitForFunction(
    () => Number(document.querySelector('#mnist-accuracy-chart').dataset.modelSeries) > 0,
    null,
    { timeout: 120_000 },
  );
  await page.click('#mnist-stop');
  await waitForMnistStatus(page, ['stopped'], 10_000);
  assert.match(await page.locator('#mnist-status').textContent(), /Highest test accuracy so far/);

  const accuracies = await readMnistAccuracies(page);
  const tested = MNIST_MODELS.filter((model) => !Number.isNaN(accuracies[model]));
  const best = tested.reduce((a, b) => (accuracies[b] > accuracies[a] ? b : a));
  await page.waitForFunction(
    () => document.querySelector('#mnist-inspection').dataset.state === 'shown',
    null,
    { timeout: 30_000 },
  );
  assert.equal(await page.locator('#mnist-inspection').getAttribute('data-model'), best);
  // The stop usually lands inside an epoch; then the digits come from the weights as they are.
  const note = await page.locator('#mnist-inspection-note').textContent();
  const when = /predictions (after epoch \d+|as training left it at step \d+, during epoch \d+)/;
  assert.match(note, when);
  assert.equal(await page.locator('#mnist-confusion').getAttribute('data-total'), '2000');
  assert.equal(await page.locator('#mnist-digit-grid').getAttribute('data-digits'), '64');
  await saveMnistScreenshots(page, 'mnist-stopped');
  assert.deepEqual(problems, []);
  await context.close();
});

test('diverging models stop and keep their curves', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  const baseline = (await countPixels(page, 'mnist-loss-chart')).coloured;
  // At batch 1024 an epoch is 8 steps, so every step's loss is a point of the curve. A
  // learning rate of 1e30 makes every model's loss NaN or infinite at its second step.
  await fillSettings(page, {
    'mnist-learning-rate': '1e30',
    'mnist-batch-size': 1024,
    'mnist-epochs': 1,
  });
  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['done'], 60_000);

  assert.deepEqual(await mnistModelStates(page), allOf('diverged'));
  const status = await page.locator('#mnist-status').textContent();
  for (const model of MNIST_MODELS) {
    const cell = await page.getByTestId(`mnist-status-${model}`).textContent();
    assert.match(cell, /^diverged at step \d+$/);
    assert.match(status, new RegExp(`Diverged: .*${model} at step \\d+`));
  }
  assert.match(status, /NaN or infinite/);
  const chart = await canvasData(page, 'mnist-loss-chart');
  assert.equal(chart.modelSeries, '3', 'a diverged model lost its loss points');
  const pixels = await countPixels(page, 'mnist-loss-chart');
  assert.ok(pixels.coloured > baseline, 'the loss points before divergence are not drawn');
  assert.match(await page.locator('#mnist-inspection-note').textContent(), /No epoch ended/);
  await saveMnistScreenshots(page, 'mnist-diverged');
  assert.deepEqual(problems, []);
  await context.close();
});
