// embed.html: one experiment in an iframe of the example course page, autostart, and charts
// that follow the frame's size.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage } from './helpers.mjs';
import {
  cspViolations,
  noticeEntries,
  openRecorded,
  runConfig,
  saveShot,
  waitForState,
  waitForSteps,
} from './share-helpers.mjs';

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Returns the draw count of canvas `id` in `frame`. */
async function drawCount(frame, id) {
  return Number((await frame.locator(`#${id}`).getAttribute('data-draw-count')) ?? 0);
}

test('demo trains inside example page', async () => {
  const url = `${server.url}examples/two-demos.html`;
  const { context, page, problems, dialogs } = await openRecorded(browser, url);
  const fitFrame = page.frameLocator('[data-testid="demo-fit"]');
  const fit = page.frames().find((frame) => frame.url().includes('embed.html#fit'));
  assert.ok(fit, 'the fit demo frame is loaded');
  await waitForState(fit, 'status', ['ready']);
  const title = await fitFrame.locator('#embed-title').textContent();
  assert.equal(title, 'Deep vs shallow function fitting');
  assert.match(await fitFrame.locator('#embed-summary').textContent(), /Target function: sgn-cos/);
  const drawnBefore = await drawCount(fit, 'loss-chart');

  await fitFrame.locator('#train').click();
  await waitForSteps(fit, 'step-counter', 0);
  await fit.waitForFunction(
    (before) => Number(document.getElementById('loss-chart').dataset.drawCount) > before + 1,
    drawnBefore,
    { timeout: 30_000 },
  );
  const progress = Number(await fitFrame.locator('#progress').getAttribute('value'));
  assert.ok(progress > 0, `progress value ${progress}`);
  assert.equal((await runConfig(fit, 'settings')).function, 'sgn-cos');
  await saveShot(page, 'example-page-training');
  await fitFrame.locator('#stop').click();
  await waitForState(fit, 'status', ['stopped', 'done']);

  const gradnorm = page.frames().find((frame) => frame.url().includes('section=gradnorm'));
  await waitForState(gradnorm, 'gradnorm-status', ['ready']);
  const gradnormFrame = page.frameLocator('[data-testid="demo-gradnorm"]');
  await gradnormFrame.locator('#gradnorm-train').click();
  await waitForSteps(gradnorm, 'gradnorm-step-counter', 0);
  await gradnormFrame.locator('#gradnorm-stop').click();
  await waitForState(gradnorm, 'gradnorm-status', ['stopped', 'done']);

  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('autostart trains on load', async () => {
  const hash = '#optimization?section=gradnorm&gradnorm.epochs=40&autostart=1';
  const url = `${server.url}embed.html${hash}`;
  const { context, page, problems } = await openRecorded(browser, url);
  await waitForState(page, 'gradnorm-status', ['done'], 60_000);
  assert.equal((await runConfig(page, 'gradnorm-settings')).epochs, 40);
  assert.equal(Number(await page.locator('#gradnorm-step-counter').getAttribute('data-step')), 40);
  assert.equal(await page.getByTestId('url-notice').isVisible(), false);
  // The link to the main page keeps the settings but not autostart.
  const open = await page.locator('#embed-open').getAttribute('href');
  assert.equal(open, 'index.html#optimization?section=gradnorm&gradnorm.epochs=40');
  assert.deepEqual(problems, []);
  await context.close();
});

test('autostart waits for valid settings', async () => {
  const url = `${server.url}embed.html#fit?points=abc&autostart=1`;
  const { context, page, problems } = await openRecorded(browser, url);
  await waitForState(page, 'status', ['ready']);
  const entries = await noticeEntries(page);
  assert.equal(entries[0]?.parameter, 'points');
  assert.ok(entries.some((entry) => entry.kind === 'autostart-skipped'));
  // Autostart would have begun by now; the page stays ready instead.
  await page.waitForTimeout(1000);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'ready');
  assert.equal(await runConfig(page, 'settings'), null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('changed fragment reloads the demo', async () => {
  const { context, page, problems } = await openRecorded(browser, `${server.url}embed.html#fit`);
  await waitForState(page, 'status', ['ready']);
  await page.evaluate(() => {
    window.location.hash = '#mnist?epochs=2';
  });
  await page.getByTestId('embed-title').filter({ hasText: 'MNIST' }).waitFor();
  // The title shows as soon as the experiment's markup is in; the summary once it is ready.
  await waitForState(page, 'mnist-status', ['ready']);
  assert.match(await page.getByTestId('embed-summary').textContent(), /Epochs: 2/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('embed charts follow frame size', async () => {
  const url = `${server.url}embed.html#generalization?section=capacity`;
  const viewport = { width: 900, height: 560 };
  const { context, page, problems } = await openRecorded(browser, url, { viewport });
  await waitForState(page, 'capacity-status', ['ready']);
  await page.waitForTimeout(300);
  const sizeOf = () =>
    page.evaluate(() => {
      const canvas = document.getElementById('capacity-loss-chart');
      const box = canvas.getBoundingClientRect();
      return { width: box.width, height: box.height, bottom: box.bottom };
    });
  const wide = await sizeOf();
  // Two charts side by side, each about half the frame wide and filling its height.
  assert.ok(wide.width > 350, `chart width ${wide.width}`);
  assert.ok(wide.width < 460, `chart width ${wide.width}`);
  assert.ok(wide.bottom <= viewport.height, `chart ends at ${wide.bottom}`);
  assert.ok(wide.height > 250, `chart height ${wide.height}`);
  const scroll = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(scroll <= viewport.height, `page height ${scroll}`);
  await saveShot(page, 'embed-capacity-900');

  await page.setViewportSize({ width: 390, height: 700 });
  await page.waitForTimeout(500);
  const narrow = await sizeOf();
  assert.ok(narrow.width > 300, `narrow chart width ${narrow.width}`);
  assert.ok(narrow.width < 390, `narrow chart width ${narrow.width}`);
  const pixels = await page.locator('#capacity-loss-chart').evaluate((canvas) => canvas.width);
  assert.equal(pixels, Math.round(narrow.width));
  await saveShot(page, 'embed-capacity-390');
  assert.deepEqual(problems, []);
  await context.close();
});
