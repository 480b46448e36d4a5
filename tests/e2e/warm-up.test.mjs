// The spare workers and the idle warm-up. The page starts one spare worker per logical core, and
// a page left idle trains two throwaway PCA runs in one of them. A Train anywhere ends the
// warm-up or keeps it from starting, and takes the spares before it starts new workers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage, waitForStatus } from './helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

// The page's navigator.hardwareConcurrency, and so its number of spare workers.
const CORES = 2;

// Installed before the page's scripts: gives the page CORES logical cores and logs, for every
// worker it creates, the start messages it is sent, the kinds of the messages it sends and
// whether it was terminated.
function recordWorkers(cores) {
  Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => cores });
  window.workerLog = [];
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      super(...args);
      this.entry = { starts: [], kinds: [], terminated: false };
      window.workerLog.push(this.entry);
      this.addEventListener('message', (event) => this.entry.kinds.push(event.data?.kind));
    }

    postMessage(message, transfer) {
      if (message?.type === 'start') {
        this.entry.starts.push(message.experiment);
      }
      super.postMessage(message, transfer);
    }

    terminate() {
      this.entry.terminated = true;
      super.terminate();
    }
  };
}

async function openRecorded() {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1100 } });
  await context.addInitScript(recordWorkers, CORES);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (['error', 'warning'].includes(message.type())) {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  await page.goto(server.url);
  await waitForStatus(page, ['ready']);
  return { context, page, problems };
}

const workerLog = (page) => page.evaluate(() => window.workerLog);
const warmUpIndexOf = (log) => log.findIndex((entry) => entry.starts.includes('pca'));
const warmUps = (log) => log.filter((entry) => entry.starts.includes('pca'));

test('idle page warms up once', async () => {
  const { context, page, problems } = await openRecorded();
  const warmedUp = () =>
    window.workerLog.some((entry) => entry.kinds.filter((kind) => kind === 'done').length === 2);
  await page.waitForFunction(warmedUp, null, { timeout: 15_000 });
  const log = await workerLog(page);
  assert.equal(log.length, CORES);
  const [warmUp, ...others] = warmUps(log);
  assert.deepEqual(others, []);
  assert.deepEqual(warmUp.starts, ['pca', 'pca']);
  assert.equal(warmUp.kinds.at(-1), 'done');
  assert.ok(warmUp.kinds.includes('progress'));
  assert.equal(warmUp.terminated, false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('first Train uses the spares', async () => {
  const { context, page, problems } = await openRecorded();
  const warmedUp = () =>
    window.workerLog.some((entry) => entry.kinds.filter((kind) => kind === 'done').length === 2);
  await page.waitForFunction(warmedUp, null, { timeout: 15_000 });
  const warmUpIndex = warmUpIndexOf(await workerLog(page));
  await page.click('#tab-optimization');
  await page.click('#pca-train');
  const pcaDone = () => document.querySelector('#pca-status').dataset.state === 'done';
  await page.waitForFunction(pcaDone, null, { timeout: 30_000 });
  // The PCA runs train on one worker per core, so the spares are all they need.
  const log = await workerLog(page);
  assert.equal(log.length, CORES);
  assert.ok(log.every((entry) => entry.starts.includes('pca') && !entry.terminated));
  // The warm-up's 2 runs and the Train's 8. The warm-up's worker trained some of the 8.
  assert.equal(log.flatMap((entry) => entry.starts).length, 10);
  assert.ok(log[warmUpIndex].starts.length > 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Train ends the warm-up', async () => {
  const { context, page, problems } = await openRecorded();
  const warmingUp = () => window.workerLog.some((entry) => entry.starts.includes('pca'));
  await page.waitForFunction(warmingUp, null, { timeout: 15_000 });
  await page.click('#train');
  await waitForStatus(page, ['running', 'done']);
  const [warmUp] = warmUps(await workerLog(page));
  assert.equal(warmUp.terminated, true);
  assert.equal(warmUp.kinds.includes('done'), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Train first skips the warm-up', async () => {
  const { context, page, problems } = await openRecorded();
  await page.click('#train');
  await waitForStatus(page, ['running', 'done']);
  // The warm-up would start a second after the page loaded.
  await page.waitForTimeout(3000);
  // The fit trains its 3 models on the CORES spares and one new worker.
  const log = await workerLog(page);
  assert.deepEqual(warmUps(log), []);
  assert.equal(log.length, 3);
  assert.deepEqual(problems, []);
  await context.close();
});

test('spare that fails to load is dropped', async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1100 } });
  await context.addInitScript(recordWorkers, CORES);
  let failed = 0;
  await context.route('**/worker.js', (route) => {
    failed += 1;
    return failed === 1 ? route.fulfill({ status: 500, body: 'broken' }) : route.continue();
  });
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (message) => message.type() === 'warning' && warnings.push(message.text()));
  await page.goto(server.url);
  await waitForStatus(page, ['ready']);
  const dropped = () => window.workerLog.some((entry) => entry.terminated);
  await page.waitForFunction(dropped, null, { timeout: 15_000 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
  assert.ok(failed >= 1);
  assert.ok(warnings.some((text) => text.startsWith('A spare training worker was dropped')));
  await context.close();
});
