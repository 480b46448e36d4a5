// Saved runs: runs are kept in IndexedDB as they train and listed again after a reload, where
// they can be reopened in the experiment's own charts and table, deleted, and compared on one
// chart. A run cut off by a reload is listed as interrupted, corrupt records are skipped with a
// notice, and without storage the page shows a notice and trains as usual.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import {
  MODELS,
  SCREENSHOT_DIR,
  canvasData,
  countPixels,
  fillSettings,
  openPage,
  useServedPage,
  waitForSectionStatus,
  waitForStatus,
} from './helpers.mjs';
import {
  SAVE_INTERVAL_MS,
  clickRowButton,
  injectRecords,
  openSavedRuns,
  readValues,
  reloadPage,
  savedRows,
  storedRecords,
  waitForSavedRow,
} from './saved-runs-helpers.mjs';

// A short fit run: three models, 300 full-batch epochs on 64 points, done in a few seconds.
const SHORT_FIT = { points: 64, epochs: 300 };
// A fit run that lasts minutes, so it is always mid-run when stopped or reloaded.
const LONG_FIT = { points: 64, epochs: 1000000 };

// The fit table's cells with numbers, by data-testid.
const FIT_NUMBER_CELLS = MODELS.flatMap((model) => [`final-loss-${model}`, `best-loss-${model}`]);

// A model curve 2 px wide across the plot is well over 500 px, but the legend marks alone are
// about 130 px (training.test.mjs).
const MIN_CURVE_PIXELS = 500;

// A chart is redrawn at most every 100 ms (charts.js).
const CHART_SETTLE_MS = 300;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Trains a fit run with `settings` to the end and returns the table's numbers. */
async function trainFitToEnd(page, settings) {
  await fillSettings(page, settings);
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
  await page.waitForTimeout(CHART_SETTLE_MS);
  return readValues(page, FIT_NUMBER_CELLS);
}

/** Waits until the fit loss chart has drawn at least `count` times. */
async function waitForDrawCount(page, canvasId, count) {
  await page.waitForFunction(
    ({ id, drawn }) => Number(document.getElementById(id).dataset.drawCount ?? 0) >= drawn,
    { id: canvasId, drawn: count },
    { timeout: 5000 },
  );
}

async function saveScreenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}saved-runs-${name}.png`, fullPage: true });
}

test('finished fit run survives reload', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  const before = await trainFitToEnd(page, { ...SHORT_FIT, seed: 7 });
  await openSavedRuns(page, 'fit');
  await waitForSavedRow(page, 'fit', 'fit', 'finished');

  await reloadPage(page);
  await openSavedRuns(page, 'fit');
  const row = await waitForSavedRow(page, 'fit', 'fit', 'finished');
  assert.equal(row.cells[5], '7', 'seed column');
  assert.match(row.cells[4], /lowest final loss \d/);
  const emptyPixels = await countPixels(page, 'loss-chart');
  const drawsBefore = Number((await canvasData(page, 'loss-chart')).drawCount ?? 0);

  await clickRowButton(page, row, 'Reopen');
  await page.getByTestId('fit-saved-note').waitFor({ state: 'visible' });
  await waitForDrawCount(page, 'loss-chart', drawsBefore + 1);
  await page.waitForTimeout(CHART_SETTLE_MS);
  const lossChart = await canvasData(page, 'loss-chart');
  assert.equal(lossChart.modelSeries, '3', 'loss chart series after reopening');
  const lossPixels = await countPixels(page, 'loss-chart');
  assert.ok(
    lossPixels.coloured > emptyPixels.coloured + MIN_CURVE_PIXELS,
    `loss chart has ${lossPixels.coloured} coloured pixels, ${emptyPixels.coloured} before`,
  );
  const fitPixels = await countPixels(page, 'fit-chart');
  assert.ok(fitPixels.coloured > MIN_CURVE_PIXELS, `fit chart: ${fitPixels.coloured} pixels`);
  assert.deepEqual(await readValues(page, FIT_NUMBER_CELLS), before);
  assert.match(await page.locator('#status').textContent(), /^Saved run of .*seed 7, finished/);
  assert.match(await page.getByTestId('fit-saved-note').textContent(), /not a live one/);
  assert.equal(await page.inputValue('#seed'), '7', 'the form shows the saved seed');
  assert.equal(await page.inputValue('#epochs'), String(SHORT_FIT.epochs));
  await saveScreenshot(page, 'reopened');
  assert.deepEqual(problems, []);
  await context.close();
});

test('refused reopen note goes when training ends', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFitToEnd(page, SHORT_FIT);
  await fillSettings(page, LONG_FIT);
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  await openSavedRuns(page, 'fit');
  const row = await waitForSavedRow(page, 'fit', 'fit', 'finished');
  await clickRowButton(page, row, 'Reopen');
  const message = page.getByTestId('saved-runs-fit-message');
  assert.match(await message.textContent(), /cannot be reopened: that experiment is training/);
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 3000);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="saved-runs-fit-message"]').textContent === '',
    null,
    { timeout: SAVE_INTERVAL_MS * 4 },
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('stopped run listed as stopped', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, LONG_FIT);
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  await page.waitForTimeout(1500);
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 3000);
  await openSavedRuns(page, 'fit');
  await waitForSavedRow(page, 'fit', 'fit', 'stopped');

  await reloadPage(page);
  await openSavedRuns(page, 'fit');
  const row = await waitForSavedRow(page, 'fit', 'fit', 'stopped');
  assert.equal(row.cells[3], 'stopped');
  assert.equal((await savedRows(page, 'fit')).length, 1);
  await clickRowButton(page, row, 'Reopen');
  await page.getByTestId('fit-saved-note').waitFor({ state: 'visible' });
  // The note shows at once, and the status line at the next animation frame.
  await waitForStatus(page, ['stopped'], 3000);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'stopped');
  assert.equal(await page.getByTestId('status-deep').getAttribute('data-state'), 'stopped');
  assert.deepEqual(problems, []);
  await context.close();
});

test('reload mid-run lists interrupted', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, LONG_FIT);
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  await openSavedRuns(page, 'fit');
  await waitForSavedRow(page, 'fit', 'fit', 'running');
  // Two saves after the first progress, so the record contains loss points.
  await page.waitForTimeout(2 * SAVE_INTERVAL_MS + 500);
  const [live] = await storedRecords(page);
  assert.equal(live.status, 'running');
  const recorded = live.series.models.reduce((sum, model) => sum + model.lossPoints.length, 0);
  assert.ok(recorded > 0, 'the running record has no loss points');

  await reloadPage(page);
  await openSavedRuns(page, 'fit');
  const row = await waitForSavedRow(page, 'fit', 'fit', 'interrupted');
  const summary = await page.getByTestId('saved-runs-fit').locator(':scope > summary').textContent();
  assert.match(summary, /1 interrupted/);
  const [stored] = await storedRecords(page);
  assert.equal(stored.status, 'interrupted');
  assert.ok(stored.savedAt >= live.savedAt, 'the interrupted record is older than the live one');

  await clickRowButton(page, row, 'Reopen');
  await page.getByTestId('fit-saved-note').waitFor({ state: 'visible' });
  await page.waitForTimeout(CHART_SETTLE_MS);
  const drawn = Number((await canvasData(page, 'loss-chart')).modelPoints);
  const storedPoints = stored.series.models.reduce((sum, m) => sum + m.lossPoints.length, 0);
  // The chart adds each model's latest loss after its recorded points, three at most.
  assert.ok(drawn >= storedPoints, `loss chart drew ${drawn} of ${storedPoints} points`);
  assert.ok(drawn <= storedPoints + MODELS.length, `loss chart drew ${drawn} points`);
  assert.equal(await page.getByTestId('status-medium').getAttribute('data-state'), 'stopped');
  await saveScreenshot(page, 'interrupted');
  assert.deepEqual(problems, []);
  await context.close();
});

test('running pca record matches its charts', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await page.click('#tab-optimization');
  await fillSettings(page, { 'pca-runs': 2, 'pca-epochs': 900 });
  await page.click('#pca-train');
  await waitForSectionStatus(page, 'pca', ['running'], 3000);
  await page.waitForTimeout(2 * SAVE_INTERVAL_MS + 500);
  const [live] = await storedRecords(page);
  assert.equal(live.status, 'running');
  // Each run's progress is that of its last projected point, not the newer one in the list.
  const points = live.series.projection.whole.points;
  live.summary.items.forEach((item, index) => {
    const epochs = points.filter((point) => point.run === index).map((point) => point.epoch);
    assert.equal(item.epoch, Math.max(0, ...epochs), `run ${index + 1}`);
  });
  await page.click('#pca-stop');
  assert.deepEqual(problems, []);
  await context.close();
});

test('other tab run not interrupted', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, LONG_FIT);
  await page.click('#train');
  await waitForStatus(page, ['running'], 3000);
  await page.waitForTimeout(SAVE_INTERVAL_MS);

  const other = await context.newPage();
  await other.goto(server.url);
  await waitForStatus(other, ['ready']);
  await openSavedRuns(other, 'fit');
  const row = await waitForSavedRow(other, 'fit', 'fit', 'running');
  assert.equal(row.cells[3], 'running in another tab');
  const reopen = other.locator(`tr[data-run-id="${row.id}"] button`).first();
  assert.equal(await reopen.isDisabled(), true, 'a run training elsewhere can be reopened');

  // Closing the training tab releases its lock, and the other tab's next check sees it gone.
  await page.close();
  const interrupted = await waitForSavedRow(other, 'fit', 'fit', 'interrupted', 10_000);
  assert.equal(interrupted.id, row.id);
  assert.deepEqual(problems, []);
  await context.close();
});

test('delete removes run for good', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFitToEnd(page, SHORT_FIT);
  await openSavedRuns(page, 'fit');
  const row = await waitForSavedRow(page, 'fit', 'fit', 'finished');
  await clickRowButton(page, row, 'Delete');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="saved-runs-fit"] tbody tr').length === 0,
  );
  assert.equal((await storedRecords(page)).length, 0);

  await reloadPage(page);
  await openSavedRuns(page, 'fit');
  await page.waitForTimeout(500);
  assert.deepEqual(await savedRows(page, 'fit'), []);
  assert.equal(await page.locator('.saved-runs-empty').first().isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('two runs compared on one chart', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFitToEnd(page, { ...SHORT_FIT, seed: 1 });
  await trainFitToEnd(page, { ...SHORT_FIT, seed: 2 });
  const panel = await openSavedRuns(page, 'fit');
  await page.waitForFunction(
    () =>
      document.querySelectorAll('[data-testid="saved-runs-fit"] tr[data-status="finished"]')
        .length === 2,
  );
  const compare = page.getByTestId('saved-runs-fit-compare');
  assert.equal(await compare.isDisabled(), true, 'compare enabled with nothing ticked');
  for (const row of await savedRows(page, 'fit')) {
    await page.locator(`tr[data-run-id="${row.id}"] input[type="checkbox"]`).check();
  }
  await compare.click();
  const chartId = 'saved-runs-fit-compare-chart';
  await waitForDrawCount(page, chartId, 1);
  await page.waitForTimeout(CHART_SETTLE_MS);
  const chart = await canvasData(page, chartId);
  assert.equal(chart.modelSeries, '6', 'two runs of three models');
  const names = JSON.parse(chart.seriesNames);
  assert.deepEqual(
    names,
    ['A', 'B'].flatMap((letter) => MODELS.map((model) => `${letter} ${model}`)),
  );
  const pixels = await countPixels(page, chartId);
  assert.ok(pixels.coloured > 2 * MIN_CURVE_PIXELS, `compare chart: ${pixels.coloured} pixels`);
  const caption = await panel.locator('figcaption').textContent();
  assert.match(caption, /2 Deep vs shallow runs/);
  assert.match(caption, /A: started .*, seed 1\. B: started .*, seed 2\./);
  await panel.screenshot({ path: `${SCREENSHOT_DIR}saved-runs-compare.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test('section runs survive reload', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await page.click('#tab-optimization');
  await fillSettings(page, { 'gradnorm-epochs': 150 });
  await page.click('#gradnorm-train');
  await page.click('#tab-generalization');
  await fillSettings(page, { 'random-labels-epochs': 2, 'random-labels-train-size': 100 });
  await page.click('#random-labels-train');
  await waitForSectionStatus(page, 'gradnorm', ['done'], 60_000);
  await waitForSectionStatus(page, 'random-labels', ['done'], 60_000);
  const randomCells = ['train-loss', 'train-accuracy', 'test-loss', 'test-accuracy'].map(
    (metric) => `random-labels-${metric}-1`,
  );
  const randomValues = await readValues(page, randomCells);
  await openSavedRuns(page, 'generalization');
  await waitForSavedRow(page, 'generalization', 'random_labels', 'finished');
  // A canvas in a hidden tab is not drawn, so the gradient-norm chart is read once shown.
  await page.click('#tab-optimization');
  await page.waitForTimeout(CHART_SETTLE_MS);
  const gradnormPoints = (await canvasData(page, 'gradnorm-loss-chart')).modelPoints;
  const gradnormSteps = await page.locator('#gradnorm-step-counter').getAttribute('data-step');
  assert.equal(gradnormSteps, '150');
  await openSavedRuns(page, 'optimization');
  await waitForSavedRow(page, 'optimization', 'gradnorm', 'finished');

  await reloadPage(page);
  await page.click('#tab-optimization');
  await openSavedRuns(page, 'optimization');
  const gradnormRow = await waitForSavedRow(page, 'optimization', 'gradnorm', 'finished');
  await clickRowButton(page, gradnormRow, 'Reopen');
  await page.getByTestId('gradnorm-saved-note').waitFor({ state: 'visible' });
  await waitForDrawCount(page, 'gradnorm-loss-chart', 2);
  await page.waitForTimeout(CHART_SETTLE_MS);
  assert.equal((await canvasData(page, 'gradnorm-loss-chart')).modelPoints, gradnormPoints);
  assert.equal(
    await page.locator('#gradnorm-step-counter').getAttribute('data-step'),
    gradnormSteps,
  );

  await page.click('#tab-generalization');
  await openSavedRuns(page, 'generalization');
  const randomRow = await waitForSavedRow(page, 'generalization', 'random_labels', 'finished');
  await clickRowButton(page, randomRow, 'Reopen');
  await page.getByTestId('random-labels-saved-note').waitFor({ state: 'visible' });
  await page.waitForTimeout(CHART_SETTLE_MS);
  assert.deepEqual(await readValues(page, randomCells), randomValues);
  const accuracyChart = await canvasData(page, 'random-labels-accuracy-chart');
  assert.equal(accuracyChart.modelPoints, '4', 'two epochs of training and test accuracy');
  assert.deepEqual(problems, []);
  await context.close();
});

test('corrupt records skipped with notice', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFitToEnd(page, SHORT_FIT);
  await openSavedRuns(page, 'fit');
  await waitForSavedRow(page, 'fit', 'fit', 'finished');
  const [good] = await storedRecords(page);
  const markup = '<img src="x" data-injected="yes">';
  const badSeries = structuredClone(good);
  badSeries.id = 'bad-series';
  badSeries.series.models[0].lossPoints.push([markup, 1]);
  const badSeed = structuredClone(good);
  badSeed.id = 'bad-seed';
  badSeed.config.seed = markup;
  const badName = structuredClone(good);
  badName.id = 'bad-experiment';
  badName.experiment = markup;
  await injectRecords(page, [badSeries, badSeed, badName, { id: 'not-a-record', text: markup }]);

  await reloadPage(page);
  await openSavedRuns(page, 'fit');
  const notice = page.getByTestId('saved-runs-notice');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.textContent(), /4 saved runs were left out/);
  const rows = await savedRows(page, 'fit');
  assert.deepEqual(
    rows.map((row) => row.id),
    [good.id],
  );
  assert.equal(await page.locator('[data-injected]').count(), 0, 'stored markup became HTML');

  await notice.getByRole('button', { name: 'Delete them' }).click();
  await notice.waitFor({ state: 'hidden' });
  assert.deepEqual(
    (await storedRecords(page)).map((record) => record.id),
    [good.id],
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('missing storage shows one notice', async () => {
  const { context, page } = await openPage(browser, server.url);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB is disabled in this test', 'SecurityError');
    };
  });
  await reloadPage(page);
  const notice = page.getByTestId('saved-runs-notice');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.textContent(), /Runs are not saved in this browser/);
  assert.equal(await notice.locator('p').count(), 1);
  assert.equal(await page.getByTestId('saved-runs-fit').isVisible(), false);
  await trainFitToEnd(page, SHORT_FIT);
  assert.deepEqual(
    await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid^="status-"]')].map((cell) => cell.dataset.state),
    ),
    ['done', 'done', 'done'],
  );
  assert.equal(await notice.locator('p').count(), 1);
  await context.close();
});

test('full storage shows one notice', async () => {
  const { context, page } = await openPage(browser, server.url);
  await page.addInitScript(() => {
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota of this test is 0 bytes', 'QuotaExceededError');
    };
  });
  await reloadPage(page);
  await trainFitToEnd(page, SHORT_FIT);
  const notice = page.getByTestId('saved-runs-notice');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.textContent(), /storage for this page is full/);
  assert.equal(await notice.locator('p').count(), 1);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'done');
  await openSavedRuns(page, 'fit');
  assert.deepEqual(await savedRows(page, 'fit'), []);
  await context.close();
});
