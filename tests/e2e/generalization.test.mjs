// The Generalization tab: random labels, parameter count, interpolation and sensitivity each
// train to the end on 100 digits, draw their charts, export CSV, reject invalid settings, and
// stop mid-run. The sections train at device pixel ratio 2 in a 1280-pixel-wide window and
// save screenshots.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canvasSizes,
  countPixels,
  downloadLines,
  fillSettings,
  openPage,
  saveSectionScreenshot,
  sectionStepCount,
  useServedPage,
  waitForSectionStatus,
} from './helpers.mjs';

const SECTIONS = ['random-labels', 'capacity', 'interpolate', 'sensitivity'];

// Settings that end within seconds, keyed by input id. The parameter-count experiment takes
// longest: ten CNNs, each tested on the 2,000 test digits of the default subset.
const SMALL_SETTINGS = {
  'random-labels': { 'random-labels-epochs': 2, 'random-labels-train-size': 100 },
  capacity: { 'capacity-epochs': 1, 'capacity-train-size': 100 },
  interpolate: {
    'interpolate-epochs': 1,
    'interpolate-train-size': 100,
    'interpolate-alphas': 5,
  },
  sensitivity: { 'sensitivity-epochs': 1, 'sensitivity-train-size': 100 },
};

// What each section's CSV contains after SMALL_SETTINGS: its file name, header and row count.
const EXPECTED_CSV = {
  'random-labels': {
    name: 'random-labels.csv',
    header: 'epoch,train_loss,train_accuracy,test_loss,test_accuracy',
    rows: 2,
  },
  capacity: {
    name: 'capacity.csv',
    header: 'model,parameters,train_loss,train_accuracy,test_loss,test_accuracy',
    rows: 10,
  },
  interpolate: {
    name: 'interpolate.csv',
    header: 'alpha,train_loss,train_accuracy,test_loss,test_accuracy',
    rows: 5,
  },
  sensitivity: {
    name: 'sensitivity.csv',
    header: 'batch_size,train_loss,train_accuracy,test_loss,test_accuracy,sensitivity',
    rows: 5,
  },
};

// The rows of each section's results table.
const TABLE_ROWS = { 'random-labels': 1, capacity: 10, interpolate: 2, sensitivity: 5 };

// A drawn chart has at least this many more coloured pixels per CSS pixel of scale than the
// empty chart before training, which has axes and a legend.
const MIN_NEW_COLOURED_PIXELS = 50;

// A chart is redrawn at most every 100 ms (charts.js), so its last drawing can come this long
// after the status line shows done.
const CHART_SETTLE_MS = 300;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Opens the page on the Generalization tab, at device pixel ratio `scale`. */
async function openGeneralization(scale = 1) {
  const session = await openPage(browser, `${server.url}#generalization`, {
    deviceScaleFactor: scale,
  });
  await session.page.setViewportSize({ width: 1280, height: 1000 });
  return session;
}

function canvasesOf(section) {
  return [`${section}-loss-chart`, `${section}-accuracy-chart`];
}

async function colouredPixels(page, section) {
  const counts = {};
  for (const id of canvasesOf(section)) {
    counts[id] = (await countPixels(page, id)).coloured;
  }
  return counts;
}

async function assertDrawn(page, section, before, scale) {
  const minimum = MIN_NEW_COLOURED_PIXELS * scale ** 2;
  const after = await colouredPixels(page, section);
  for (const id of canvasesOf(section)) {
    assert.ok(
      after[id] - before[id] > minimum,
      `${id}: ${before[id]} coloured pixels before training and ${after[id]} after, ` +
        `expected over ${minimum} more`,
    );
    const size = await canvasSizes(page, id);
    const text = `${id}: ${JSON.stringify(size)}`;
    assert.ok(Math.abs(size.width - scale * size.cssWidth) <= 2, text);
    assert.ok(Math.abs(size.height - scale * size.cssHeight) <= 2, text);
  }
}

test('tab opens from the URL and the keyboard', async () => {
  const { context, page, problems } = await openGeneralization();
  assert.equal(await page.locator('#tab-generalization').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#panel-generalization').isVisible(), true);
  await page.focus('#tab-generalization');
  await page.keyboard.press('Home');
  assert.equal(await page.locator('#panel-generalization').isHidden(), true);
  await page.keyboard.press('End');
  assert.equal(await page.locator('#panel-generalization').isVisible(), true);
  assert.equal(new URL(page.url()).hash, '#generalization');
  for (const section of SECTIONS) {
    assert.equal(await page.locator(`#${section}-status`).getAttribute('data-state'), 'ready');
    assert.equal(await page.locator(`#${section}-train`).isEnabled(), true);
    assert.equal(await page.locator(`#${section}-stop`).isDisabled(), true);
    assert.equal(await page.locator(`#${section}-download`).isDisabled(), true);
  }
  const intro = await page.locator('#random-labels-section').textContent();
  assert.match(intro, /seeded permutation/);
  assert.match(intro, /784-500-10 network \(397,510 parameters\)/);
  assert.match(intro, /1,000-digit subset/);
  assert.equal(await page.inputValue('#random-labels-train-size'), '1000');
  assert.match(await page.getByTestId('generalization-digits').textContent(), /MNIST CNNs tab/);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const section of SECTIONS) {
  test(`${section} trains, draws and exports`, async () => {
    const scale = 2;
    const { context, page, problems } = await openGeneralization(scale);
    const before = await colouredPixels(page, section);
    await fillSettings(page, SMALL_SETTINGS[section]);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['done'], 60_000);
    await page.waitForTimeout(CHART_SETTLE_MS);
    await assertDrawn(page, section, before, scale);

    const rows = page.locator(`#${section}-results-body tr`);
    assert.equal(await rows.count(), TABLE_ROWS[section]);
    for (let number = 1; number <= TABLE_ROWS[section]; number += 1) {
      const accuracy = page.getByTestId(`${section}-test-accuracy-${number}`);
      const value = Number(await accuracy.getAttribute('data-value'));
      assert.ok(value >= 0, `${section} model ${number} test accuracy ${value}`);
      assert.ok(value <= 1, `${section} model ${number} test accuracy ${value}`);
    }
    const source = page.getByTestId('generalization-digits');
    assert.equal(await source.getAttribute('data-source'), 'default');
    assert.match(await source.textContent(), /default subset/);
    await saveSectionScreenshot(page, section, `${section}-done`, 'generalization');

    const expected = EXPECTED_CSV[section];
    const { name, lines } = await downloadLines(page, `#${section}-download`);
    assert.equal(name, expected.name);
    assert.equal(lines[0], expected.header);
    assert.equal(lines.length - 1, expected.rows);
    const columns = expected.header.split(',').length;
    for (const line of lines.slice(1)) {
      assert.equal(line.split(',').length, columns, line);
    }
    if (section === 'interpolate') {
      const alphas = lines.slice(1).map((line) => Number(line.split(',')[0]));
      assert.deepEqual(alphas, [-1, -0.25, 0.5, 1.25, 2]);
    }
    if (section === 'sensitivity') {
      const batches = lines.slice(1).map((line) => Number(line.split(',')[0]));
      assert.deepEqual(batches, [16, 64, 256, 1024, 4096]);
      const sensitivities = lines.slice(1).map((line) => Number(line.split(',')[5]));
      assert.ok(sensitivities.every((value) => value > 0), `sensitivities ${sensitivities}`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}

const INVALID_CASES = [
  { section: 'random-labels', input: 'random-labels-epochs', value: '0', pattern: /out of range/ },
  { section: 'interpolate', input: 'interpolate-alphas', value: '1', pattern: /out of range/ },
  {
    section: 'sensitivity',
    input: 'sensitivity-learning-rate',
    value: 'abc',
    pattern: /"abc" is not a finite number/,
  },
];

test('invalid setting starts nothing', async () => {
  const { context, page, problems } = await openGeneralization();
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

test('diverged random labels are reported', async () => {
  const { context, page, problems } = await openGeneralization();
  await fillSettings(page, {
    'random-labels-learning-rate': '1e30',
    'random-labels-epochs': 2,
    'random-labels-train-size': 100,
  });
  await page.click('#random-labels-train');
  await waitForSectionStatus(page, 'random-labels', ['diverged'], 30_000);
  const status = await page.locator('#random-labels-status').textContent();
  assert.match(status, /Diverged: mlp-500 at step \d+\./);
  assert.match(status, /Try a smaller learning rate/);
  const progress = page.getByTestId('random-labels-progress-1');
  assert.equal(await progress.getAttribute('data-state'), 'diverged');
  assert.deepEqual(problems, []);
  await context.close();
});

// Settings that run for minutes, so Stop comes mid-run: in training, or for interpolate in
// the sweep of alphas.
const LONG_SETTINGS = {
  'random-labels': { 'random-labels-epochs': 1000, 'random-labels-train-size': 0 },
  interpolate: {
    'interpolate-epochs': 1,
    'interpolate-train-size': 100,
    'interpolate-alphas': 1001,
  },
};

for (const section of Object.keys(LONG_SETTINGS)) {
  test(`${section} stops mid-run and trains again`, async () => {
    const { context, page, problems } = await openGeneralization();
    await fillSettings(page, LONG_SETTINGS[section]);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['running'], 10_000);
    assert.equal(await page.locator(`#${section}-train`).isDisabled(), true);
    await page.waitForFunction(
      (id) => Number(document.getElementById(id).dataset.step) > 0,
      `${section}-step-counter`,
      { timeout: 20_000 },
    );
    if (section === 'interpolate') {
      await page.waitForFunction(
        () => {
          const counter = document.getElementById('interpolate-step-counter');
          return counter.textContent.includes('points evaluated');
        },
        null,
        { timeout: 20_000 },
      );
    }
    await page.click(`#${section}-stop`);
    await waitForSectionStatus(page, section, ['stopped'], 8000);
    assert.match(await page.locator(`#${section}-status`).textContent(), /^Stopped/);
    const stoppedSteps = await sectionStepCount(page, section);
    await page.waitForTimeout(1000);
    assert.equal(await sectionStepCount(page, section), stoppedSteps, 'counter moved after Stop');
    await saveSectionScreenshot(page, section, `${section}-stopped`, 'generalization');

    await fillSettings(page, SMALL_SETTINGS[section]);
    await page.click(`#${section}-train`);
    await waitForSectionStatus(page, section, ['done'], 30_000);
    const { lines } = await downloadLines(page, `#${section}-download`);
    assert.equal(lines.length - 1, EXPECTED_CSV[section].rows);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
