// The idle warm-up: a page left idle trains one throwaway PCA run in a worker of its own, and a
// Train anywhere ends it or keeps it from starting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage, waitForStatus } from './helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

// Installed before the page's scripts: logs, for every worker the page creates, the start
// messages it is sent, the kinds of the messages it sends and whether it was terminated.
function recordWorkers() {
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
  await context.addInitScript(recordWorkers);
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
const warmUps = (log) => log.filter((entry) => entry.starts.includes('pca'));

test('idle page warms up once', async () => {
  const { context, page, problems } = await openRecorded();
  await page.waitForFunction(() => window.workerLog.some((entry) => entry.terminated), null, {
    timeout: 15_000,
  });
  const log = await workerLog(page);
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].starts, ['pca']);
  assert.equal(log[0].kinds.at(-1), 'done');
  assert.ok(log[0].kinds.includes('progress'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('Train ends the warm-up', async () => {
  const { context, page, problems } = await openRecorded();
  await page.waitForFunction(() => window.workerLog.length === 1, null, { timeout: 15_000 });
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
  const log = await workerLog(page);
  assert.deepEqual(warmUps(log), []);
  assert.equal(log.length, 3);
  assert.deepEqual(problems, []);
  await context.close();
});
