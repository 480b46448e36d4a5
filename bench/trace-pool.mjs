// A CPU profile of the PCA experiment's 8 runs. Opens a fresh page with a pool of WORKERS
// workers (navigator.hardwareConcurrency, default 2) and presses Train twice. The
// second Train is traced in Chromium, or the first with --first, and the script prints each
// thread's CPU time, the CPU time of V8's optimizing wasm compiler, then the main thread's by
// kind of work. Run `./build.sh build` first, then
// `node bench/trace-pool.mjs [WORKERS] [--first]`.

import { launchBrowser, WWW_ROOT } from '../tests/e2e/helpers.mjs';
import { startServer } from '../tests/e2e/server.mjs';
import { EXPERIMENTS, openExperiment, timeTrain } from './page.mjs';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.wasm',
  'disabled-by-default-v8.wasm.detailed',
  'toplevel',
];
// The main thread's kinds of work that the report names, with what each covers on this page.
const MAIN_THREAD_KINDS = {
  HandlePostMessage: 'worker messages',
  TimerFire: 'timers (PCA projections, delayed redraws)',
  FireAnimationFrame: 'animation frames (text, tables, charts)',
  Commit: 'rendering: commit',
  Paint: 'rendering: paint',
  Layout: 'rendering: layout',
  PrePaint: 'rendering: pre-paint',
  UpdateLayoutTree: 'rendering: style',
};

function parseWorkers(text) {
  const workers = Number(text ?? 2);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new Error(`WORKERS must be a whole number from 1 to 64, not '${text}'`);
  }
  return workers;
}

/** Maps "pid:tid" to the thread's name, from the trace's metadata events. */
function threadNames(events) {
  const names = new Map();
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name') {
      names.set(`${event.pid}:${event.tid}`, event.args.name);
    }
  }
  return names;
}

/** Returns each thread's complete events, outermost first where two start together. */
function eventsByThread(events) {
  const threads = new Map();
  for (const event of events.filter((e) => e.ph === 'X' && e.dur)) {
    const key = `${event.pid}:${event.tid}`;
    if (!threads.has(key)) {
      threads.set(key, []);
    }
    threads.get(key).push(event);
  }
  for (const list of threads.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  }
  return threads;
}

/** Sums the thread CPU time (tdur, microseconds) of the events that no other event encloses. */
function topLevelCpu(list) {
  let end = -Infinity;
  let cpu = 0;
  for (const event of list) {
    if (event.ts >= end) {
      cpu += event.tdur ?? 0;
      end = event.ts + event.dur;
    }
  }
  return cpu;
}

function report(trace, seconds, workers, first) {
  const { traceEvents } = JSON.parse(trace);
  const names = threadNames(traceEvents);
  const threads = eventsByThread(traceEvents);
  const ms = (micros) => (micros / 1000).toFixed(0).padStart(6);
  const train = first ? 'first Train' : 'Train pressed again';
  console.log(`8 PCA runs on ${workers} worker(s), ${train}: ${seconds.toFixed(2)} s`);
  console.log('CPU ms by thread:');
  const rows = [...threads].map(([key, list]) => [names.get(key) ?? key, topLevelCpu(list)]);
  rows.sort((a, b) => b[1] - a[1]);
  for (const [name, cpu] of rows.filter(([, cpu]) => cpu >= 5000)) {
    console.log(`${ms(cpu)}  ${name}`);
  }
  const compiles = traceEvents.filter((e) => e.ph === 'X' && e.name === 'wasm.TopTierCompilation');
  const compileCpu = compiles.reduce((sum, e) => sum + (e.tdur ?? 0), 0);
  const tasks = `${compiles.length} tasks`;
  console.log(`${ms(compileCpu)}  of them in V8's optimizing wasm compiler (${tasks})`);
  const main = [...threads].find(([key]) => names.get(key) === 'CrRendererMain')?.[1] ?? [];
  console.log('CPU ms of the main thread by kind (nested kinds count in their parents too):');
  for (const [kind, text] of Object.entries(MAIN_THREAD_KINDS)) {
    const cpu = main.filter((e) => e.name === kind).reduce((sum, e) => sum + (e.tdur ?? 0), 0);
    console.log(`${ms(cpu)}  ${text}`);
  }
}

const first = process.argv.includes('--first');
const workers = parseWorkers(process.argv.slice(2).find((arg) => arg !== '--first'));
const pca = EXPERIMENTS.find((e) => e.name === 'pca');
const server = await startServer(WWW_ROOT);
const browser = await launchBrowser();
try {
  const { page } = await openExperiment(browser, server.url, pca, workers);
  if (!first) {
    await timeTrain(page, pca);
  }
  await browser.startTracing(page, { categories: CATEGORIES });
  const { seconds } = await timeTrain(page, pca);
  report((await browser.stopTracing()).toString(), seconds, workers, first);
} finally {
  await browser.close();
  await server.close();
}
