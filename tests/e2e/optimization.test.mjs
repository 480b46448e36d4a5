// The Optimization tab: the PCA path, the gradient norm and the minimal ratio each train to
// the end with small settings, draw their charts, export CSV, reject invalid settings, and
// stop mid-run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OPTIMIZATION_SECTIONS,
  canvasData,
  canvasSizes,
  countPixels,
  downloadLines,
  fillSettings,
  openOptimization,
  saveSectionScreenshot,
  sectionStepCount,
  useServedPage,
  waitForSectionStatus,
} from './helpers.mjs';

// Settings that end within seconds, keyed by input id.
const SMALL_SETTINGS = {
  pca: { 'pca-runs': 3, 'pca-epochs': 6, 'pca-record-every': 2 },
  gradnorm: { 'gradnorm-epochs': 150 },
  minratio: { 'minratio-runs': 3, 'minratio-epochs': 100, 'minratio-search-steps': 30 },
};

// Settings that run for minutes, so Stop always comes mid-run. PCA records every 100 epochs
// to stay within the 1,000 vectors one projection takes.
const LONG_SETTINGS = {
  pca: { 'pca-runs': 8, 'pca-epochs': 5000, 'pca-record-every': 100 },
  gradnorm: { 'gradnorm-epochs': 1000000 },
  minratio: { 'minratio-runs': 8, 'minratio-epochs': 1000000 },
};

// The canvases of each section.
const CANVASES = {
  pca: ['pca-whole-chart', 'pca-first-layer-chart'],
  gradnorm: ['gradnorm-loss-chart', 'gradnorm-norm-chart'],
  minratio: ['minratio-ratio-chart', 'minratio-histogram'],
};

// A drawn chart has at least this many more coloured pixels per CSS pixel of scale than the
// chart before training, which has axes and at most a legend. Three markers of the minimal
// ratio chart, the fewest points drawn here, add about 110 at scale 1.
const MIN_NEW_COLOURED_PIXELS = 50;

// A chart is redrawn at most every 100 ms (charts.js), so its last drawing can come this long
// after the status line shows done.
const CHART_SETTLE_MS = 300;

// Three runs of 6 epochs recorded every 2 epochs: epochs 0, 2, 4 and 6 of each.
const PCA_POINTS = 12;

const PCA_HEADER = 'run,epoch,loss,whole_pc1,whole_pc2,first_layer_pc1,first_layer_pc2';
const MINRATIO_HEADER =
  'run,loss,grad_norm,minimal_ratio,positive,negative,zero,reached,search,search_steps';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Returns the coloured pixels of each canvas of `section`, by canvas id. */
async function colouredPixels(page, section) {
  const counts = {};
  for (const id of CANVASES[section]) {
    counts[id] = (await countPixels(page, id)).coloured;
  }
  return counts;
}

/** Asserts that each canvas of `section` has more coloured pixels than in `before`. */
async function assertDrawn(page, section, before, scale = 1) {
  const minimum = MIN_NEW_COLOURED_PIXELS * scale ** 2;
  const after = await colouredPixels(page, section);
  for (const id of CANVASES[section]) {
    assert.ok(
      after[id] - before[id] > minimum,
      `${id}: ${before[id]} coloured pixels before training and ${after[id]} after, ` +
        `expected over ${minimum} more`,
    );
  }
}

/** Trains `section` with SMALL_SETTINGS to the end and checks that its canvases show data. */
async function trainSmall(page, section) {
  const before = await colouredPixels(page, section);
  await fillSettings(page, SMALL_SETTINGS[section]);
  await page.click(`#${section}-train`);
  await waitForSectionStatus(page, section, ['done'], 30_000);
  await page.waitForTimeout(CHART_SETTLE_MS);
  await assertDrawn(page, section, before);
}

/** Returns the first drawn point of a scatter canvas, in CSS pixels from its top left. */
async function firstPointPosition(page, canvasId) {
  const json = await page.locator(`#${canvasId}`).getAttribute('data-point-positions');
  return JSON.parse(json).flat().find((position) => position !== null);
}

async function hoverFirstPoint(page, canvasId) {
  const [x, y] = await firstPointPosition(page, canvasId);
  await page.locator(`#${canvasId}`).hover({ position: { x, y } });
  const tooltip = page.getByTestId(`${canvasId}-tooltip`);
  await tooltip.waitFor({ state: 'visible', timeout: 2000 });
  return tooltip.textContent();
}

test('tab opens from the keyboard', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await page.focus('#tab-optimization');
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#tab-fit').getAttribute('aria-selected'), 'true');
  // Optimization is the tab before the last, Generalization.
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#tab-optimization').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#panel-optimization').isVisible(), true);
  assert.equal(await page.locator('#panel-fit').isHidden(), true);
  assert.equal(new URL(page.url()).hash, '#optimization');
  for (const section of OPTIMIZATION_SECTIONS) {
    assert.equal(await page.locator(`#${section}-status`).getAttribute('data-state'), 'ready');
    assert.equal(await page.locator(`#${section}-train`).isEnabled(), true);
    assert.equal(await page.locator(`#${section}-stop`).isDisabled(), true);
    assert.equal(await page.locator(`#${section}-download`).isDisabled(), true);
  }
  assert.equal(await page.inputValue('#minratio-runs'), '16');
  assert.match(await page.getByTestId('minratio-runs-note').textContent(), /16 runs.*100/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('pca model choice shows widths', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  const options = await page.locator('#pca-model option').allTextContents();
  const widths = ['deep: 1-5-10-10-10-10-10-5-1', 'medium: 1-10-18-15-4-1', 'shallow: 1-190-1'];
  assert.deepEqual(options, widths);
  const hint = await page.locator('#pca-model-hint').textContent();
  const counts = 'Parameters: deep 571, medium 572, shallow 571.';
  assert.equal(hint, `Layer widths from input to output. ${counts}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('pca trains, draws and exports', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await trainSmall(page, 'pca');
  for (const id of CANVASES.pca) {
    assert.equal((await canvasData(page, id)).modelPoints, String(PCA_POINTS), id);
  }
  for (const run of [1, 2, 3]) {
    const entry = page.getByTestId(`pca-run-${run}`);
    assert.equal(await entry.getAttribute('data-state'), 'done');
    assert.match(await entry.textContent(), /6 \/ 6 epochs/);
  }
  assert.match(await page.locator('#pca-status').textContent(), /PC 1 and PC 2 explain/);

  const tooltip = await hoverFirstPoint(page, 'pca-whole-chart');
  assert.match(tooltip, /^Run \d+, epoch \d+\s*Loss \d\.\d{3}e[+-]\d+$/);
  await saveSectionScreenshot(page, 'pca', 'pca-done');

  const { name, lines } = await downloadLines(page, '#pca-download');
  assert.equal(name, 'pca.csv');
  assert.equal(lines[0], PCA_HEADER);
  assert.equal(lines.length - 1, PCA_POINTS);
  const rows = lines.slice(1).map((line) => line.split(',').map(Number));
  assert.deepEqual(rows.map((row) => row[0]), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  assert.deepEqual(rows.slice(0, 4).map((row) => row[1]), [0, 2, 4, 6]);
  assert.ok(rows.flat().every(Number.isFinite), 'a CSV cell is not a number');
  assert.deepEqual(problems, []);
  await context.close();
});

test('pca point shows details on a tap', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url, {
    hasTouch: true,
  });
  await trainSmall(page, 'pca');
  const [x, y] = await firstPointPosition(page, 'pca-whole-chart');
  await page.locator('#pca-whole-chart').tap({ position: { x, y } });
  const tooltip = page.getByTestId('pca-whole-chart-tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 2000 });
  assert.match(await tooltip.textContent(), /^Run \d+, epoch \d+\s*Loss /);
  assert.deepEqual(problems, []);
  await context.close();
});

test('gradnorm trains, draws and exports', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await trainSmall(page, 'gradnorm');
  assert.equal(await sectionStepCount(page, 'gradnorm'), 150);
  for (const id of CANVASES.gradnorm) {
    assert.equal((await canvasData(page, id)).modelPoints, '150', id);
  }
  assert.match(await page.locator('#gradnorm-status').textContent(), /^Done after 150 of 150/);
  await saveSectionScreenshot(page, 'gradnorm', 'gradnorm-done');

  const { name, lines } = await downloadLines(page, '#gradnorm-download');
  assert.equal(name, 'gradnorm.csv');
  assert.equal(lines[0], 'step,loss,grad_norm');
  assert.equal(lines.length - 1, 150);
  const rows = lines.slice(1).map((line) => line.split(',').map(Number));
  assert.deepEqual(rows.map((row) => row[0]), Array.from({ length: 150 }, (_, i) => i + 1));
  assert.ok(rows.every((row) => row[1] > 0 && row[2] > 0), 'a loss or norm is not positive');
  assert.deepEqual(problems, []);
  await context.close();
});

test('minratio trains, tabulates and exports', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await trainSmall(page, 'minratio');
  const rows = page.locator('#minratio-results-body tr');
  assert.equal(await rows.count(), 3);
  for (const run of [1, 2, 3]) {
    assert.equal(await page.getByTestId(`minratio-phase-${run}`).textContent(), 'finished');
    const threshold = page.getByTestId(`minratio-threshold-${run}`);
    const text = await threshold.textContent();
    if ((await threshold.getAttribute('data-reached')) === 'true') {
      assert.equal(text, 'reached');
    } else {
      assert.match(text, /^stayed above threshold \((stalled|out of steps)\)$/);
    }
    const ratioCell = page.getByTestId(`minratio-ratio-${run}`);
    const ratio = Number(await ratioCell.getAttribute('data-value'));
    assert.ok(ratio >= 0, `run ${run} minimal ratio ${ratio}`);
    assert.ok(ratio <= 1, `run ${run} minimal ratio ${ratio}`);
  }
  assert.equal((await canvasData(page, 'minratio-ratio-chart')).modelPoints, '3');
  assert.match(await hoverFirstPoint(page, 'minratio-ratio-chart'), /Minimal ratio \d\.\d{3}/);

  // Enter on a row that the histogram does not show selects that run.
  const currentRow = page.locator('#minratio-results-body tr[aria-current="true"]');
  assert.equal(await currentRow.count(), 1);
  const currentRun = await currentRow.getAttribute('data-run');
  const other = currentRun === '1' ? '2' : '1';
  const drawsBefore = Number((await canvasData(page, 'minratio-histogram')).drawCount);
  await page.focus(`#minratio-results-body tr[data-run="${other}"]`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (run) => {
      const current = document.querySelector('#minratio-results-body tr[aria-current="true"]');
      return current?.dataset.run === run;
    },
    other,
    { timeout: 2000 },
  );
  const caption = await page.getByTestId('minratio-histogram-caption').textContent();
  assert.match(caption, new RegExp(`^Run ${other} \\(picked\\)`));
  await page.waitForFunction(
    (before) => Number(document.getElementById('minratio-histogram').dataset.drawCount) > before,
    drawsBefore,
    { timeout: 2000 },
  );
  await saveSectionScreenshot(page, 'minratio', 'minratio-done');

  const { name, lines } = await downloadLines(page, '#minratio-download');
  assert.equal(name, 'minratio.csv');
  assert.equal(lines[0], MINRATIO_HEADER);
  assert.equal(lines.length - 1, 3);
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    assert.equal(cells.length, 10, line);
    assert.match(cells[7], /^(true|false)$/, line);
    assert.match(cells[8], /^(reached|stalled|out_of_steps)$/, line);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

const INVALID_CASES = [
  { section: 'pca', input: 'pca-runs', value: '0', pattern: /out of range/ },
  { section: 'minratio', input: 'minratio-threshold', value: '-1', pattern: /not a positive/ },
  {
    section: 'gradnorm',
    input: 'gradnorm-learning-rate',
    value: 'abc',
    pattern: /"abc" is not a finite number/,
  },
];

test('invalid setting starts nothing', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  for (const { section, input, value, pattern } of INVALID_CASES) {
    await page.fill(`#${input}`, value);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['invalid'], 3000);
    assert.match(await page.locator(`#${input}-error`).textContent(), pattern, input);
    assert.equal(await page.locator(`#${input}`).getAttribute('aria-invalid'), 'true', input);
    await page.waitForTimeout(300);
    assert.equal(await sectionStepCount(page, section), 0, `${section} started`);
    assert.equal(await page.locator(`#${section}-stop`).isDisabled(), true, section);
    assert.equal(await page.locator(`#${section}-train`).isEnabled(), true, section);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('diverged gradient norm is reported', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await fillSettings(page, { 'gradnorm-learning-rate': '1e30', 'gradnorm-points': 20 });
  await page.click('#gradnorm-train');
  // The run's only model diverged, so the status line's state is diverged, not done.
  await waitForSectionStatus(page, 'gradnorm', ['diverged'], 15_000);
  const status = await page.locator('#gradnorm-status').textContent();
  assert.match(status, /Diverged: deep at step \d+\./);
  assert.match(status, /Try a smaller learning rate/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('pca run that diverges at once is explained', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await fillSettings(page, { 'pca-runs': '1', 'pca-learning-rate': '1e6' });
  await page.click('#pca-train');
  await waitForSectionStatus(page, 'pca', ['diverged'], 15_000);
  const status = await page.locator('#pca-status').textContent();
  assert.match(status, /1 parameter vector recorded, and a projection needs at least 2\./);
  assert.match(status, /Diverged: run 1 at epoch 1\./);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Waits until a section has visibly progressed: steps counted, or a run's row moving. */
async function waitForProgress(page, section) {
  if (section === 'minratio') {
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="minratio-loss-1"]')?.dataset.value) > 0,
      null,
      { timeout: 10_000 },
    );
    return;
  }
  await page.waitForFunction(
    (id) => Number(document.getElementById(id).dataset.step) > 0,
    `${section}-step-counter`,
    { timeout: 10_000 },
  );
}

for (const section of OPTIMIZATION_SECTIONS) {
  test(`${section} stops mid-run and trains again`, async () => {
    const { context, page, problems } = await openOptimization(browser, server.url);
    await fillSettings(page, LONG_SETTINGS[section]);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['running'], 3000);
    assert.equal(await page.locator(`#${section}-train`).isDisabled(), true);
    await waitForProgress(page, section);
    await page.waitForTimeout(1500);
    await saveSectionScreenshot(page, section, `${section}-running`);

    const clickedAt = Date.now();
    await page.click(`#${section}-stop`);
    await waitForSectionStatus(page, section, ['stopped'], 5000);
    const stopMs = Date.now() - clickedAt;
    assert.ok(stopMs < 3000, `stopping took ${stopMs} ms`);
    const stoppedText = await page.locator(`#${section}-status`).textContent();
    assert.match(stoppedText, /^Stopped/);
    const stoppedSteps = await sectionStepCount(page, section);
    await page.waitForTimeout(1000);
    assert.equal(await sectionStepCount(page, section), stoppedSteps, 'counter moved after Stop');
    await saveSectionScreenshot(page, section, `${section}-stopped`);

    await fillSettings(page, SMALL_SETTINGS[section]);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['done'], 30_000);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('sections draw at 2x', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url, {
    deviceScaleFactor: 2,
  });
  await page.setViewportSize({ width: 1280, height: 1000 });
  // Three sections at once, so each shares the two cores with the others.
  const before = {};
  for (const section of OPTIMIZATION_SECTIONS) {
    before[section] = await colouredPixels(page, section);
    await fillSettings(page, SMALL_SETTINGS[section]);
    await page.click(`#${section}-train`);
  }
  for (const section of OPTIMIZATION_SECTIONS) {
    await waitForSectionStatus(page, section, ['done'], 60_000);
  }
  await page.waitForTimeout(CHART_SETTLE_MS);
  for (const section of OPTIMIZATION_SECTIONS) {
    for (const id of CANVASES[section]) {
      const size = await canvasSizes(page, id);
      const text = `${id}: ${JSON.stringify(size)}`;
      assert.ok(Math.abs(size.width - 2 * size.cssWidth) <= 2, text);
      assert.ok(Math.abs(size.height - 2 * size.cssHeight) <= 2, text);
    }
    await assertDrawn(page, section, before[section], 2);
    await saveSectionScreenshot(page, section, `${section}-dpr2`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
