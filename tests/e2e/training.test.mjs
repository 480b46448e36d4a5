// Trains all three models, stops them, and trains again, watching counters, losses and charts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MODELS,
  canvasData,
  countPixels,
  fillSettings,
  modelStates,
  openPage,
  readLosses,
  saveScreenshots,
  statusState,
  stepCount,
  useServedPage,
  waitForStatus,
} from './helpers.mjs';

// A model curve 2 px wide across the plot is well over 500 px, but the legend marks alone are
// about 130 px.
const MIN_CURVE_PIXELS = 500;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Waits until every model shows a loss, that is, has finished its first chunk. */
async function waitForAllLosses(page) {
  await page.waitForFunction(
    (models) =>
      models.every((model) => {
        const cell = document.querySelector(`[data-testid="final-loss-${model}"]`);
        return cell.dataset.value !== undefined && cell.dataset.value !== '';
      }),
    MODELS,
    { timeout: 15_000 },
  );
}

async function assertCurvesDrawn(page, when) {
  for (const id of ['loss-chart', 'fit-chart']) {
    const pixels = await countPixels(page, id);
    assert.ok(
      pixels.coloured > MIN_CURVE_PIXELS,
      `${id} ${when}: ${pixels.coloured} coloured pixels, expected over ${MIN_CURVE_PIXELS}`,
    );
  }
}

async function checkTrainingProgresses(page) {
  await waitForAllLosses(page);
  const early = await readLosses(page);
  const earlySteps = await stepCount(page);
  await page.waitForTimeout(3500);
  const later = await readLosses(page);
  for (const model of MODELS) {
    assert.ok(
      later[model] < early[model],
      `${model} loss did not fall: ${early[model]} -> ${later[model]}`,
    );
  }
  assert.ok((await stepCount(page)) > earlySteps, 'step counter did not rise');
  assert.deepEqual(await modelStates(page), {
    deep: 'running',
    medium: 'running',
    shallow: 'running',
  });
  await assertCurvesDrawn(page, 'while training');
  const rate = await page.locator('#rate').textContent();
  assert.match(rate, /^[\d,]+ steps\/s$/);
  assert.match(await page.locator('#eta').textContent(), /^ETA \d+[smh]/);
}

async function checkStop(page) {
  const pointsBeforeStop = Number((await canvasData(page, 'loss-chart')).modelPoints);
  const clickedAt = Date.now();
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 3000);
  const stopMs = Date.now() - clickedAt;
  // Below the pool's 1 s timeout, so this fails when workers ignore the stop request.
  assert.ok(stopMs < 800, `stopping took ${stopMs} ms`);

  const stoppedSteps = await stepCount(page);
  await page.waitForTimeout(1000);
  assert.equal(await stepCount(page), stoppedSteps, 'step counter changed after Stop');
  assert.match(await page.locator('#status').textContent(), /Stopped/);
  assert.deepEqual(await modelStates(page), {
    deep: 'stopped',
    medium: 'stopped',
    shallow: 'stopped',
  });
  await assertCurvesDrawn(page, 'after Stop');
  return { stoppedSteps, pointsBeforeStop };
}

async function checkRestart(page, { stoppedSteps, pointsBeforeStop }) {
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  const restartSteps = await stepCount(page);
  const restartPoints = Number((await canvasData(page, 'loss-chart')).modelPoints);
  assert.ok(
    restartSteps < stoppedSteps / 2,
    `restart began at ${restartSteps} of ${stoppedSteps} steps`,
  );
  assert.ok(restartPoints < pointsBeforeStop, `loss chart kept ${restartPoints} old points`);

  await page.waitForTimeout(1500);
  assert.ok((await stepCount(page)) > restartSteps, 'step counter did not rise after restart');
  assert.equal(await statusState(page), 'running');
  assert.deepEqual(await modelStates(page), {
    deep: 'running',
    medium: 'running',
    shallow: 'running',
  });
}

test('table lists widths and parameters', async () => {
  const { context, page } = await openPage(browser, server.url);
  const counts = [];
  for (const model of MODELS) {
    const widths = (await page.getByTestId(`widths-${model}`).textContent()).split('-').map(Number);
    assert.ok(widths.length >= 3, `${model} has no hidden layer: ${widths}`);
    assert.ok(widths.every(Number.isInteger), `${model} widths are not integers: ${widths}`);
    assert.equal(widths[0], 1);
    assert.equal(widths.at(-1), 1);
    // A dense layer from a to b units has a * b weights and b biases.
    const expected = widths.slice(1).reduce((sum, units, i) => sum + widths[i] * units + units, 0);
    const cellText = await page.getByTestId(`parameters-${model}`).textContent();
    assert.equal(Number(cellText.replaceAll(',', '')), expected, `${model} parameter count`);
    counts.push(expected);
  }
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 5, `model sizes differ: ${counts}`);
  await context.close();
});

test('train, stop and train again', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, { epochs: 200000 });
  await page.click('#train');

  await checkTrainingProgresses(page);
  await saveScreenshots(page, 'training');
  const stopped = await checkStop(page);
  await saveScreenshots(page, 'stopped');
  await checkRestart(page, stopped);

  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 3000);
  assert.deepEqual(problems, []);
  await context.close();
});

test('sgn-cos run trains and draws', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await page.selectOption('#function', 'sgn-cos');
  assert.equal(await page.inputValue('#domain-low'), '-1');
  assert.equal(await page.inputValue('#domain-high'), '1');
  await fillSettings(page, { epochs: 200000 });
  await page.click('#train');
  await waitForAllLosses(page);
  await page.waitForTimeout(2500);
  await assertCurvesDrawn(page, 'on sgn-cos');
  await saveScreenshots(page, 'sgn-cos');
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 3000);
  assert.deepEqual(problems, []);
  await context.close();
});

test('stop is prompt inside a long epoch', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') {
      warnings.push(message.text());
    }
  });
  // With a batch of 1, one epoch is a million steps. Chunks count steps, not epochs, so the
  // workers still answer a stop within a chunk and none has to be terminated.
  await fillSettings(page, { points: 1000000, 'batch-size': 1, epochs: 1 });
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  await page.waitForTimeout(1000);
  const clickedAt = Date.now();
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 5000);
  const stopMs = Date.now() - clickedAt;
  assert.ok(stopMs < 1000, `stopping took ${stopMs} ms`);
  assert.deepEqual(await modelStates(page), {
    deep: 'stopped',
    medium: 'stopped',
    shallow: 'stopped',
  });
  const replaced = warnings.filter((text) => text.includes('did not stop'));
  assert.equal(replaced.length, 0, `warnings: ${JSON.stringify(warnings)}`);

  // The same workers train the next run.
  await fillSettings(page, { points: 200, 'batch-size': 0, epochs: 300 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 20_000);
  assert.deepEqual(await modelStates(page), { deep: 'done', medium: 'done', shallow: 'done' });
  assert.deepEqual(problems, []);
  await context.close();
});
