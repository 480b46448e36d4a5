// How the page loads the wasm module: a wrong MIME type falls back to a plain compile, and a
// module that fails to load is reported on the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage, waitForStatus } from './helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Opens the page with the wasm request served by `fulfill` and returns page and errors. */
async function openWithWasmResponse(fulfill) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  await page.route('**/pkg/gradlab_bg.wasm', fulfill);
  await page.goto(server.url);
  return { context, page, errors };
}

test('wrong wasm MIME type still loads', async () => {
  const { context, page, errors } = await openWithWasmResponse(async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { 'content-type': 'application/octet-stream' } });
  });
  await waitForStatus(page, ['ready']);
  assert.equal(await page.locator('#load-error').isHidden(), true);
  assert.equal(await page.locator('#train').isEnabled(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('missing wasm is reported', async () => {
  const { context, page, errors } = await openWithWasmResponse((route) =>
    route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }),
  );
  await waitForStatus(page, ['failed']);
  const message = await page.locator('#load-error').textContent();
  assert.equal(await page.locator('#load-error').isVisible(), true);
  assert.match(message, /failed to load/);
  assert.match(message, /HTTP 404/);
  assert.equal(await page.locator('#train').isDisabled(), true);
  assert.ok(errors.length > 0, 'the failure was not logged to the console');
  await context.close();
});
