// The page's own targets, measured on the built page in headless Chromium. One is the time to
// the first chart after navigation. Another is each of the nine experiments at its default
// settings, timed, with the peak wasm memory of its workers. The last is the worker pool's
// speed-up on the 8 runs of the PCA experiment. Train is pressed twice in a fresh page: the
// first time V8 is still compiling the module's hot functions, the second time it is not. It
// is also pressed once in a fresh page left idle for IDLE_MS, in which the page's idle warm-up
// has run. Returns the figures for bench/run.mjs.

import { openPage } from '../tests/e2e/helpers.mjs';

// The experiments in the order of the page, with their tab, Train button and status line.
export const EXPERIMENTS = [
  ['fit', 'fit', 'train', 'status'],
  ['mnist', 'mnist', 'mnist-train', 'mnist-status'],
  ...['pca', 'gradnorm', 'minratio'].map((s) => [s, 'optimization', `${s}-train`, `${s}-status`]),
  ...['random-labels', 'capacity', 'interpolate', 'sensitivity'].map((s) => [
    s,
    'generalization',
    `${s}-train`,
    `${s}-status`,
  ]),
].map(([name, tab, train, status]) => ({ name, tab, train, status }));

const STARTUP_LOADS = 5;
const POOL_ROUNDS = 3;
// How long a page is left idle before its first Train, as a user reading the page would.
const IDLE_MS = 4000;
const EXPERIMENT_TIMEOUT_MS = 15 * 60_000;

// Installed before the page's scripts: records when a chart is first drawn, and the largest
// wasm memory any worker reports (every worker message carries wasmBytes).
function instrument() {
  window.benchPeakWasmBytes = 0;
  window.benchFirstChartMs = null;
  const observer = new MutationObserver(() => {
    window.benchFirstChartMs ??= performance.now();
    observer.disconnect();
  });
  observer.observe(document, { subtree: true, attributeFilter: ['data-draw-count'] });
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const bytes = event.data?.wasmBytes ?? 0;
        window.benchPeakWasmBytes = Math.max(window.benchPeakWasmBytes, bytes);
      });
    }
  };
}

/** Opens a fresh page with `cores` as navigator.hardwareConcurrency when given. */
async function open(browser, url, cores = null) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1100 } });
  await context.addInitScript(instrument);
  if (cores !== null) {
    await context.addInitScript((count) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => count });
    }, cores);
  }
  const page = await context.newPage();
  return { context, page };
}

async function measureStartup(browser, url) {
  const times = [];
  for (let i = 0; i < STARTUP_LOADS; i += 1) {
    const { context, page } = await open(browser, url);
    await page.goto(url);
    await page.waitForFunction(() => window.benchFirstChartMs !== null, null, { timeout: 30_000 });
    times.push(await page.evaluate(() => window.benchFirstChartMs));
    await context.close();
  }
  return times.sort((a, b) => a - b);
}

/** Opens `experiment`'s tab in a fresh page, so its workers start empty, and waits until ready. */
export async function openExperiment(browser, url, experiment, cores = null) {
  const { context, page } = await open(browser, url, cores);
  await page.goto(url);
  await page.click(`#tab-${experiment.tab}`);
  const ready = (s) => document.querySelector(s).dataset.state === 'ready';
  await page.waitForFunction(ready, `#${experiment.status}`, { timeout: 60_000 });
  return { context, page };
}

/** Runs one experiment at its defaults in a fresh page. */
async function runExperiment(browser, url, experiment) {
  const { context, page } = await openExperiment(browser, url, experiment);
  try {
    const { seconds, state } = await timeTrain(page, experiment);
    const peakWasmBytes = await page.evaluate(() => window.benchPeakWasmBytes);
    return { name: experiment.name, seconds, state, peakWasmBytes };
  } finally {
    await context.close();
  }
}

/**
 * Presses the experiment's Train button. Returns the end state its status line reaches and the
 * seconds from the button's click event until then, read with the page's own clock.
 */
export async function timeTrain(page, experiment) {
  const ended = page.evaluate(
    ([selector, trainSelector, timeoutMs]) => {
      const status = document.querySelector(selector);
      // Set again by the click, so the time the driver takes to deliver it is left out.
      let startedAt = performance.now();
      const button = document.querySelector(trainSelector);
      const clicked = () => {
        startedAt = performance.now();
      };
      button.addEventListener('click', clicked, { capture: true, once: true });
      const seconds = () => (performance.now() - startedAt) / 1000;
      return new Promise((resolve) => {
        setTimeout(() => resolve({ seconds: seconds(), state: 'timed out' }), timeoutMs);
        // The status line of an earlier run already shows an end state; wait for it to leave.
        let left = false;
        const observer = new MutationObserver(() => {
          const ending = ['done', 'diverged', 'error', 'failed'].includes(status.dataset.state);
          left ||= !ending;
          if (left && ending) {
            observer.disconnect();
            resolve({ seconds: seconds(), state: status.dataset.state });
          }
        });
        observer.observe(status, { attributeFilter: ['data-state'] });
      });
    },
    [`#${experiment.status}`, `#${experiment.train}`, EXPERIMENT_TIMEOUT_MS],
  );
  await page.click(`#${experiment.train}`);
  return ended;
}

/** Returns the seconds of a timed Train, or throws when its runs did not finish. */
function doneSeconds({ seconds, state }) {
  if (state !== 'done') {
    throw new Error(`the PCA runs ended as ${state}, not done; see the page's status line`);
  }
  return seconds;
}

/** Presses Train twice in a fresh page; returns the seconds of the first and the second. */
async function timeTwice(browser, url, pca, cores) {
  const { context, page } = await openExperiment(browser, url, pca, cores);
  try {
    const first = doneSeconds(await timeTrain(page, pca));
    const again = doneSeconds(await timeTrain(page, pca));
    return { first, again };
  } finally {
    await context.close();
  }
}

/** Presses Train once in a fresh page left idle for IDLE_MS; returns its seconds. */
async function timeAfterIdle(browser, url, pca, cores) {
  const { context, page } = await openExperiment(browser, url, pca, cores);
  try {
    await page.waitForTimeout(IDLE_MS);
    return doneSeconds(await timeTrain(page, pca));
  } finally {
    await context.close();
  }
}

/**
 * Times the PCA runs with a pool of one and of two workers, interleaved over POOL_ROUNDS
 * rounds: `first` is the first Train of a fresh page, `again` the second, and `idle` the first
 * Train of a fresh page left idle for IDLE_MS.
 */
async function measurePool(browser, url, pca, log) {
  const pool = { first: { 1: [], 2: [] }, again: { 1: [], 2: [] }, idle: { 1: [], 2: [] } };
  for (let round = 1; round <= POOL_ROUNDS; round += 1) {
    for (const cores of [1, 2]) {
      const { first, again } = await timeTwice(browser, url, pca, cores);
      const idle = await timeAfterIdle(browser, url, pca, cores);
      pool.first[cores].push(first);
      pool.again[cores].push(again);
      pool.idle[cores].push(idle);
      const times = [`first Train ${first.toFixed(2)} s`, `again ${again.toFixed(2)} s`];
      times.push(`after ${IDLE_MS / 1000} s idle ${idle.toFixed(2)} s`);
      log(`pca round ${round}, ${cores} worker(s): ${times.join(', ')}`);
    }
  }
  for (const times of Object.values(pool)) {
    Object.values(times).forEach((list) => list.sort((a, b) => a - b));
  }
  return { ...pool, idleSeconds: IDLE_MS / 1000 };
}

/** Measures every page target; `log` prints progress. */
export async function measurePage(browser, url, log) {
  const startupMs = await measureStartup(browser, url);
  log(`first chart after navigation: ${startupMs.map((t) => t.toFixed(0)).join(', ')} ms`);
  const experiments = [];
  for (const experiment of EXPERIMENTS) {
    const result = await runExperiment(browser, url, experiment);
    experiments.push(result);
    const mb = (result.peakWasmBytes / 2 ** 20).toFixed(0);
    log(`${experiment.name}: ${result.seconds.toFixed(1)} s, ${result.state}, peak wasm ${mb} MiB`);
  }
  const pca = EXPERIMENTS.find((e) => e.name === 'pca');
  const pool = await measurePool(browser, url, pca, log);
  return { startupMs, experiments, pool };
}
