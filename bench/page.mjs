// The page's own targets, measured on the built page in headless Chromium. One is the time to
// the first chart after navigation. Another is each of the nine experiments at its default
// settings, timed, with the peak wasm memory of its workers. The last is the worker pool's
// speed-up on the 8 runs of the PCA experiment. Returns the figures for bench/run.mjs.

import { openPage } from '../tests/e2e/helpers.mjs';

// The experiments in the order of the page, with their tab, Train button and status line.
const EXPERIMENTS = [
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

/** Runs one experiment at its defaults in a fresh page, so its workers start empty. */
async function runExperiment(browser, url, experiment, cores = null) {
  const { context, page } = await open(browser, url, cores);
  try {
    await page.goto(url);
    await page.click(`#tab-${experiment.tab}`);
    const status = `#${experiment.status}`;
    await page.waitForFunction((s) => document.querySelector(s).dataset.state === 'ready', status, {
      timeout: 60_000,
    });
    const start = Date.now();
    await page.click(`#${experiment.train}`);
    await page.waitForFunction(
      (s) => ['done', 'diverged', 'error'].includes(document.querySelector(s).dataset.state),
      status,
      { timeout: EXPERIMENT_TIMEOUT_MS, polling: 250 },
    );
    const seconds = (Date.now() - start) / 1000;
    const state = await page.$eval(status, (element) => element.dataset.state);
    const peakWasmBytes = await page.evaluate(() => window.benchPeakWasmBytes);
    return { name: experiment.name, seconds, state, peakWasmBytes };
  } finally {
    await context.close();
  }
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
  const pool = {};
  for (const cores of [1, 2]) {
    pool[cores] = (await runExperiment(browser, url, pca, cores)).seconds;
    log(`pca with a pool of ${cores} worker(s): ${pool[cores].toFixed(1)} s`);
  }
  return { startupMs, experiments, pool };
}
