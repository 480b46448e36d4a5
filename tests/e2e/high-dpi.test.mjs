// At a device pixel ratio of 2 the canvases keep two device pixels per CSS pixel, so charts
// stay sharp.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canvasSizes,
  countPixels,
  fillSettings,
  openPage,
  saveScreenshots,
  useServedPage,
  waitForStatus,
} from './helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

test('canvases use device pixels at 2x', async () => {
  const { context, page, problems } = await openPage(browser, server.url, { deviceScaleFactor: 2 });
  assert.equal(await page.evaluate(() => window.devicePixelRatio), 2);
  await fillSettings(page, { epochs: 800 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 30_000);
  await page.waitForTimeout(200);

  for (const id of ['loss-chart', 'fit-chart']) {
    const size = await canvasSizes(page, id);
    assert.ok(Math.abs(size.width - 2 * size.cssWidth) <= 2, `${id}: ${JSON.stringify(size)}`);
    assert.ok(Math.abs(size.height - 2 * size.cssHeight) <= 2, `${id}: ${JSON.stringify(size)}`);
    const pixels = await countPixels(page, id);
    assert.ok(pixels.coloured > 2000, `${id}: only ${pixels.coloured} coloured pixels`);
  }
  await saveScreenshots(page, 'dpr2');
  assert.deepEqual(problems, []);
  await context.close();
});
