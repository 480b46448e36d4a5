// A learning rate of 1e30 makes the loss overflow, so each model stops and the page reports
// that it diverged.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MODELS,
  canvasData,
  countPixels,
  fillSettings,
  modelStates,
  openPage,
  saveScreenshots,
  useServedPage,
  waitForStatus,
} from './helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

test('diverging run stops and reports it', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, { 'learning-rate': '1e30', points: 20, epochs: 5000 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 15_000);

  const states = await modelStates(page);
  const diverged = MODELS.filter((model) => states[model] === 'diverged');
  assert.ok(diverged.length > 0, `no model diverged: ${JSON.stringify(states)}`);
  const status = await page.locator('#status').textContent();
  for (const model of diverged) {
    assert.match(status, new RegExp(`Diverged: .*${model} at epoch \\d+`));
    const cell = await page.getByTestId(`status-${model}`).textContent();
    assert.match(cell, /^diverged at epoch \d+$/);
    const epoch = Number(cell.match(/\d+/)[0]);
    assert.ok(epoch < 5000, `${model} ran all epochs yet is marked diverged`);
  }

  const lossChart = await canvasData(page, 'loss-chart');
  assert.ok(Number(lossChart.modelPoints) > 0, 'loss chart dropped the points before divergence');
  const pixels = await countPixels(page, 'loss-chart');
  assert.ok(pixels.coloured > 0, 'loss chart has no coloured pixels');
  // A diverged model has no finite prediction to draw, and the fit chart's legend marks it NaN.
  const legend = (await canvasData(page, 'fit-chart')).legend.split('|');
  for (const model of diverged) {
    assert.ok(legend.includes(`${model}: NaN`), `fit chart legend: ${legend.join(', ')}`);
  }
  assert.ok(legend.includes('target'), legend.join(', '));
  await saveScreenshots(page, 'diverged');
  assert.deepEqual(problems, []);
  await context.close();
});
