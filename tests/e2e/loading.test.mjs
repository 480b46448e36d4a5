// How the page loads the wasm module. It loads the relaxed SIMD module where the browser
// validates it, else the plain SIMD one. A wrong MIME type falls back to a plain compile, and
// a module that fails to load is reported on the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillSettings, statusState, useServedPage, waitForStatus } from './helpers.mjs';
import { waitForState } from './share-helpers.mjs';

const PLAIN = 'gradlab_bg.wasm';
const RELAXED = 'gradlab_relaxed_bg.wasm';
const NOT_FOUND = { status: 404, contentType: 'text/plain', body: 'not found' };

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/**
 * Opens the page, or `path` under the server, with each wasm request served by `fulfill` when
 * given and `initScript` run before the page's scripts. Returns the page, its console errors
 * and warnings, and the names of the wasm files it requested.
 */
async function openPage({ fulfill = null, initScript = null, path = '' } = {}) {
  const context = await browser.newContext();
  if (initScript) {
    await context.addInitScript(initScript);
  }
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    } else if (message.type() === 'warning') {
      warnings.push(message.text());
    }
  });
  const requested = [];
  await page.route('**/pkg/*.wasm', (route) => {
    requested.push(new URL(route.request().url()).pathname.split('/').pop());
    return fulfill ? fulfill(route) : route.continue();
  });
  await page.goto(`${server.url}${path}`);
  return { context, page, errors, warnings, requested };
}

/** Trains the fit experiment for one short run and returns its end state. */
async function trainShortFit(page) {
  await waitForStatus(page, ['ready']);
  await fillSettings(page, { epochs: 200 });
  await page.click('#train');
  await waitForStatus(page, ['done', 'diverged', 'error'], 30_000);
  return statusState(page);
}

/**
 * Opens the page with `options` as openPage takes them, and checks that it requests only the
 * module `file`, trains, and logs no error or warning.
 */
async function checkCleanLoad(options, file) {
  const { context, page, errors, warnings, requested } = await openPage(options);
  assert.equal(await trainShortFit(page), 'done');
  assert.deepEqual(requested, [file]);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await context.close();
}

test('Chromium loads the relaxed SIMD module', async () => {
  await checkCleanLoad({}, RELAXED);
});

test('no relaxed SIMD loads the plain module', async () => {
  // A browser without relaxed SIMD rejects the page's probe, as this validate does.
  const initScript = () => {
    WebAssembly.validate = () => false;
  };
  await checkCleanLoad({ initScript }, PLAIN);
});

/** Returns a route handler that fulfils the relaxed module's request with `response`. */
function serveRelaxedAs(response) {
  return (route) =>
    route.request().url().endsWith(RELAXED) ? route.fulfill(response) : route.continue();
}

test('failing relaxed module falls back to plain', async () => {
  const fulfill = serveRelaxedAs(NOT_FOUND);
  const { context, page, errors, warnings, requested } = await openPage({ fulfill });
  assert.equal(await trainShortFit(page), 'done');
  assert.deepEqual(requested, [RELAXED, PLAIN]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /relaxed SIMD module failed to load, so the plain one runs/);
  assert.match(warnings[0], /HTTP 404/);
  // Chromium itself logs the failed request.
  assert.equal(errors.length, 1);
  assert.match(errors[0], /Failed to load resource.*404/);
  await context.close();
});

test('relaxed module that cannot start falls back', async () => {
  // An empty module compiles, but it lacks the exports the bindings call while starting.
  const emptyModule = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const response = { status: 200, contentType: 'application/wasm', body: emptyModule };
  const fulfill = serveRelaxedAs(response);
  const { context, page, errors, warnings, requested } = await openPage({ fulfill });
  assert.equal(await trainShortFit(page), 'done');
  assert.deepEqual(requested, [RELAXED, PLAIN]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /relaxed SIMD module failed to load, so the plain one runs/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('both modules train the CNN alike', async () => {
  const { context, page } = await openPage();
  await waitForStatus(page, ['ready']);
  // Each import URL is its own instance of the bindings, so each has its own module.
  const losses = await page.evaluate(async (files) => {
    const run = async (file) => {
      const bindings = await import(`./pkg/gradlab.js?${file}`);
      const module = await WebAssembly.compileStreaming(fetch(`./pkg/${file}`));
      await bindings.default({ module_or_path: module });
      const workload = new bindings.BenchWorkload('cnn', 'flex', 1);
      const values = Array.from({ length: 5 }, () => workload.step());
      workload.free();
      return values;
    };
    return [await run(files[0]), await run(files[1])];
  }, [PLAIN, RELAXED]);
  const [plain, relaxed] = losses;
  assert.equal(plain.length, 5);
  for (const [step, value] of plain.entries()) {
    assert.ok(Number.isFinite(value), `step ${step}: plain loss ${value}`);
    assert.ok(value > 0, `step ${step}: plain loss ${value}`);
    // A fused multiply-add rounds once instead of twice, so the losses may differ in their
    // last bits and drift a little over the steps. A wrong kernel moves them far more.
    const difference = Math.abs(relaxed[step] - value);
    assert.ok(difference <= 1e-4 * value, `step ${step}: ${relaxed[step]} against ${value}`);
  }
  await context.close();
});

test('wrong wasm MIME type still loads', async () => {
  const { context, page, errors } = await openPage({
    fulfill: async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { 'content-type': 'application/octet-stream' } });
    },
  });
  await waitForStatus(page, ['ready']);
  assert.equal(await page.locator('#load-error').isHidden(), true);
  assert.equal(await page.locator('#train').isEnabled(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('missing wasm is reported', async () => {
  const { context, page, errors } = await openPage({
    fulfill: (route) => route.fulfill(NOT_FOUND),
  });
  await waitForStatus(page, ['failed']);
  const message = await page.locator('#load-error').textContent();
  assert.equal(await page.locator('#load-error').isVisible(), true);
  assert.match(message, /failed to load/);
  assert.match(message, /gradlab_bg\.wasm returned HTTP 404/);
  assert.equal(await page.locator('#train').isDisabled(), true);
  assert.ok(errors.length > 0, 'the failure was not logged to the console');
  await context.close();
});

test('missing wasm is reported in an embed', async () => {
  const { context, page } = await openPage({
    path: 'embed.html#fit?epochs=100',
    fulfill: (route) => route.fulfill(NOT_FOUND),
  });
  // The embed's status line exists only once it has copied the experiment from the page.
  await waitForState(page, 'status', ['failed']);
  assert.match(await page.locator('#load-error').textContent(), /This demo failed to load/);
  assert.match(await page.locator('#status').textContent(), /^Not available/);
  assert.notEqual(await page.title(), 'gradlab');
  // The link to the full page keeps the demo's settings.
  const link = await page.locator('#embed-open').getAttribute('href');
  assert.equal(link, 'index.html#fit?epochs=100');
  await context.close();
});
