// Shared set-up for the end-to-end tests: the built page, the browser, and readers of what the
// page shows.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

export const WWW_ROOT = fileURLToPath(new URL('../../www/', import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(new URL('./screenshots/', import.meta.url));
export const MODELS = ['deep', 'medium', 'shallow'];

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', // CI runs as root, where Chromium's sandbox cannot start.
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Throws with the command to run when the wasm bindings have not been built. */
export function requireBuiltPage() {
  const bindings = new URL('../../www/pkg/gradlab.js', import.meta.url);
  if (!existsSync(bindings)) {
    throw new Error(`${fileURLToPath(bindings)} is missing; run ./build.sh build first`);
  }
}

/** Launches headless Chromium, or throws with the set-up command when it is not installed. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found; run ./build.sh setup to install Chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Registers the before and after hooks of a test file: www/ served on 127.0.0.1 and a headless
 * Chromium, handed to `receive({ server, browser })` once both are up, and closed after.
 */
export function useServedPage(receive) {
  let session = null;
  before(async () => {
    requireBuiltPage();
    session = { server: await startServer(WWW_ROOT), browser: null };
    session.browser = await launchBrowser();
    receive(session);
  });
  after(async () => {
    await session?.browser?.close();
    await session?.server?.close();
  });
}

/**
 * Opens the page in a new context and waits until the wasm module has loaded. `problems`
 * collects console errors of the page and of its workers, and the page's uncaught exceptions.
 */
export async function openPage(browser, url, { deviceScaleFactor = 1, hasTouch = false } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1360, height: 1100 },
    deviceScaleFactor,
    hasTouch,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  await page.goto(url);
  await waitForStatus(page, ['ready']);
  return { context, page, problems };
}

/** Waits until #status has one of `states` in data-state. */
export async function waitForStatus(page, states, timeout = 15_000) {
  await page.waitForFunction(
    (expected) => expected.includes(document.querySelector('#status').dataset.state),
    states,
    { timeout },
  );
}

/**
 * Returns how many spare workers the page starts as it loads: one per logical core, up to 4.
 * Any worker beyond them was started for a Train.
 */
export function spareWorkerCount(page) {
  return page.evaluate(() => Math.min(navigator.hardwareConcurrency || 1, 4));
}

export async function statusState(page) {
  return page.locator('#status').getAttribute('data-state');
}

/** Fills the settings form; keys are input ids such as 'learning-rate'. */
export async function fillSettings(page, settings) {
  for (const [id, value] of Object.entries(settings)) {
    await page.fill(`#${id}`, String(value));
  }
}

export async function stepCount(page) {
  return Number(await page.locator('#step-counter').getAttribute('data-step'));
}

/** Returns each model's reported final loss, or NaN where none is shown yet. */
export async function readLosses(page) {
  const losses = {};
  for (const model of MODELS) {
    const value = await page.getByTestId(`final-loss-${model}`).getAttribute('data-value');
    losses[model] = value ? Number(value) : NaN;
  }
  return losses;
}

export async function modelStates(page) {
  const states = {};
  for (const model of MODELS) {
    states[model] = await page.getByTestId(`status-${model}`).getAttribute('data-state');
  }
  return states;
}

/**
 * Counts a canvas's pixels read back with getImageData: `drawn` are not white, `coloured`
 * have a clear hue. Axes, grid, text and the target curve are grey, so only the models'
 * curves and legend marks count as coloured.
 */
export async function countPixels(page, canvasId) {
  return page.evaluate((id) => {
    const canvas = document.getElementById(id);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 245 || g < 245 || b < 245) {
        drawn += 1;
      }
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) {
        coloured += 1;
      }
    }
    return { drawn, coloured, width: canvas.width, height: canvas.height };
  }, canvasId);
}

/** Returns a canvas's width and height attributes and its CSS size. */
export async function canvasSizes(page, canvasId) {
  return page.evaluate((id) => {
    const canvas = document.getElementById(id);
    const box = canvas.getBoundingClientRect();
    return {
      width: canvas.width,
      height: canvas.height,
      cssWidth: box.width,
      cssHeight: box.height,
    };
  }, canvasId);
}

export async function canvasData(page, canvasId) {
  return page.evaluate((id) => ({ ...document.getElementById(id).dataset }), canvasId);
}

/** Saves a screenshot of the page and of each chart canvas, named `prefix`-*.png. */
export async function saveScreenshots(page, prefix) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${prefix}-page.png`, fullPage: true });
  for (const id of ['loss-chart', 'fit-chart']) {
    await page.locator(`#${id}`).screenshot({ path: `${SCREENSHOT_DIR}${prefix}-${id}.png` });
  }
}

// The MNIST experiment, in the order of its catalog.
export const MNIST_MODELS = ['shallow', 'medium', 'deep'];

/** Waits until #mnist-status has one of `states` in data-state. */
export async function waitForMnistStatus(page, states, timeout = 15_000) {
  await page.waitForFunction(
    (expected) => expected.includes(document.querySelector('#mnist-status').dataset.state),
    states,
    { timeout },
  );
}

/**
 * Opens the page, switches to the MNIST tab and waits until the default digits are loaded.
 * Returns what openPage returns.
 */
export async function openMnist(browser, url, options) {
  const session = await openPage(browser, url, options);
  await session.page.click('#tab-mnist');
  await waitForMnistStatus(session.page, ['ready'], 30_000);
  return session;
}

export async function mnistStepCount(page) {
  return Number(await page.locator('#mnist-step-counter').getAttribute('data-step'));
}

export async function mnistModelStates(page) {
  const states = {};
  for (const model of MNIST_MODELS) {
    states[model] = await page.getByTestId(`mnist-status-${model}`).getAttribute('data-state');
  }
  return states;
}

/** Returns each model's best test accuracy as a fraction, or NaN where none is shown. */
export async function readMnistAccuracies(page) {
  const accuracies = {};
  for (const model of MNIST_MODELS) {
    const cell = page.getByTestId(`mnist-best-accuracy-${model}`);
    const value = await cell.getAttribute('data-value');
    accuracies[model] = value ? Number(value) : NaN;
  }
  return accuracies;
}

/** Saves a screenshot of the page and of each MNIST canvas on show, named `prefix`-*.png. */
export async function saveMnistScreenshots(page, prefix) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${prefix}-page.png`, fullPage: true });
  for (const id of ['mnist-loss-chart', 'mnist-accuracy-chart', 'mnist-digit-grid']) {
    const canvas = page.locator(`#${id}`);
    if (await canvas.isVisible()) {
      await canvas.screenshot({ path: `${SCREENSHOT_DIR}${prefix}-${id}.png` });
    }
  }
}

// The optimization experiments, each a section of the Optimization tab whose ids start with
// its name.
export const OPTIMIZATION_SECTIONS = ['pca', 'gradnorm', 'minratio'];

/** Opens the page, switches to the Optimization tab and returns what openPage returns. */
export async function openOptimization(browser, url, options) {
  const session = await openPage(browser, url, options);
  await session.page.click('#tab-optimization');
  return session;
}

/** Waits until #<section>-status has one of `states` in data-state. */
export async function waitForSectionStatus(page, section, states, timeout = 15_000) {
  await page.waitForFunction(
    ({ id, expected }) => expected.includes(document.getElementById(id).dataset.state),
    { id: `${section}-status`, expected: states },
    { timeout },
  );
}

export async function sectionStepCount(page, section) {
  return Number(await page.locator(`#${section}-step-counter`).getAttribute('data-step'));
}

/** Clicks `selector` and returns the downloaded file's suggested name and its lines. */
export async function downloadLines(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return { name: download.suggestedFilename(), lines: text.trimEnd().split('\n') };
}

/** Saves a screenshot of one section as `tab`-`name`.png, where `tab` defaults to optimization. */
export async function saveSectionScreenshot(page, section, name, tab = 'optimization') {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${tab}-${name}.png`;
  await page.locator(`#${section}-section`).screenshot({ path });
}
