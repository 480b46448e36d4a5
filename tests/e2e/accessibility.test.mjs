// Uses the page by keyboard alone and checks what assistive technology gets: accessible names
// of the controls, text alternatives of the charts, focus rings and focus after a run, and
// fewer chart redraws when the user prefers reduced motion.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fillSettings,
  openPage,
  useServedPage,
  waitForMnistStatus,
  waitForStatus,
} from './helpers.mjs';
import { accessibleNames, contrastRatio, focusedElement, tabTo } from './export-helpers.mjs';

const TABS = ['fit', 'mnist', 'optimization', 'generalization'];
// Text whose colour carries meaning, as HTML placed inside an element with the given
// background: error messages, model states, and table cells marked by colour.
const MEANINGFUL_TEXT = [
  { html: '<p class="status" data-state="failed">x</p>', background: '#ffffff' },
  { html: '<p class="status" data-state="invalid">x</p>', background: '#ffffff' },
  { html: '<p class="field-error">x</p>', background: '#f6f8fa' },
  { html: '<p class="data-error">x</p>', background: '#fef3f2' },
  { html: '<p class="load-error">x</p>', background: '#fef3f2' },
  { html: '<table><tr><td class="model-status" data-state="done">x</td></tr></table>' },
  { html: '<table><tr><td class="model-status" data-state="diverged">x</td></tr></table>' },
  { html: '<table><tr><td data-reached="false">x</td></tr></table>', background: '#ddf4ff' },
  { html: '<table class="confusion"><tr><td class="number zero">0</td></tr></table>' },
  { html: '<p class="counters">x</p>', background: '#ffffff' },
];
// WCAG 2 level AA for normal text.
const MIN_TEXT_CONTRAST = 4.5;
// Redraws counted over this window while a run trains.
const WINDOW_MS = 3000;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Selects all text of the focused input and types `text` over it. */
async function typeOver(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function drawCount(page, canvasId) {
  return page.evaluate(
    (id) => Number(document.getElementById(id).dataset.drawCount ?? 0),
    canvasId,
  );
}

test('keyboard starts and stops run', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await tabTo(page, 'epochs');
  await typeOver(page, '200000');
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  await waitForStatus(page, ['running'], 5000);
  assert.equal((await focusedElement(page)).id, 'train', 'focus left Train after Enter');

  await page.keyboard.press('Tab');
  assert.equal((await focusedElement(page)).id, 'stop', 'Tab after Train did not reach Stop');
  await page.keyboard.press('Space');
  await waitForStatus(page, ['stopped'], 5000);
  await page.waitForTimeout(200);
  const focused = await focusedElement(page);
  assert.notEqual(focused.tag, 'body', 'focus fell back to <body> after Stop');
  assert.equal(focused.id, 'train');
  assert.deepEqual(problems, []);
  await context.close();
});

test('focus moves to Train at end', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await tabTo(page, 'epochs');
  await typeOver(page, '1500');
  await tabTo(page, 'train');
  await page.keyboard.press('Enter');
  await waitForStatus(page, ['running'], 5000);
  await page.keyboard.press('Tab');
  assert.equal((await focusedElement(page)).id, 'stop');
  await waitForStatus(page, ['done'], 60_000);
  await page.waitForTimeout(200);
  assert.equal((await focusedElement(page)).id, 'train', 'focus is not on Train after the run');
  assert.deepEqual(problems, []);
  await context.close();
});

test('arrow keys switch experiment tabs', async () => {
  const { context, page } = await openPage(browser, server.url);
  await tabTo(page, 'tab-fit');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused tab shows no focus ring');
  await page.keyboard.press('ArrowRight');
  assert.equal((await focusedElement(page)).id, 'tab-mnist');
  assert.equal(await page.locator('#panel-mnist').isVisible(), true);
  assert.equal(await page.locator('#panel-fit').isVisible(), false);
  await page.keyboard.press('End');
  assert.equal((await focusedElement(page)).id, 'tab-generalization');
  await page.keyboard.press('Home');
  assert.equal((await focusedElement(page)).id, 'tab-fit');
  await context.close();
});

test('table view opens by keyboard', async () => {
  const { context, page } = await openPage(browser, server.url);
  await fillSettings(page, { epochs: 50 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
  await page.locator('#seed').focus();
  // The table view's summary follows the loss chart in the tab order.
  for (let press = 0; press < 40; press += 1) {
    await page.keyboard.press('Tab');
    const inTools = await page.evaluate(() =>
      document.activeElement.matches('#loss-chart + .chart-tools summary'),
    );
    if (inTools) {
      break;
    }
  }
  await page.keyboard.press('Enter');
  const table = page.getByTestId('loss-chart-table');
  await table.locator('tbody tr').first().waitFor();
  assert.equal(await table.locator('tbody tr').count(), 150);
  assert.match(await table.locator('caption').textContent(), /all 150 points/);
  await context.close();
});

test('controls have accessible names', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  let checked = 0;
  for (const tab of TABS) {
    await page.click(`#tab-${tab}`);
    if (tab === 'mnist') {
      await waitForMnistStatus(page, ['ready'], 30_000);
    }
    const selector =
      `nav button, #panel-${tab} button, #panel-${tab} input, #panel-${tab} select, ` +
      `#panel-${tab} summary, #panel-${tab} canvas[role="img"], #panel-${tab} progress`;
    const names = await accessibleNames(page, selector);
    for (const { description, name } of names) {
      assert.ok(name.trim().length > 0, `${description} in the ${tab} tab has no name`);
    }
    checked += names.length;
  }
  // The page has well over 100 controls and charts in its four tabs.
  assert.ok(checked > 100, `only ${checked} elements were checked`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('chart text changes after run', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  const before = await page.locator('#loss-chart').getAttribute('aria-label');
  assert.ok(before.length > 0, 'the loss chart has no text alternative');
  await fillSettings(page, { epochs: 60 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
  await page.waitForTimeout(300);
  const lossText = await page.locator('#loss-chart').getAttribute('aria-label');
  assert.notEqual(lossText, before);
  assert.match(lossText, /against epoch, log scale/);
  assert.match(lossText, /deep [\d.e-]+, medium [\d.e-]+, shallow [\d.e-]+ at epoch 60\./);
  const fitText = await page.locator('#fit-chart').getAttribute('aria-label');
  assert.match(fitText, /target .* deep .* medium .* shallow/);

  // Every chart canvas in every tab has a text alternative, also before its first run.
  const empty = await page.evaluate(() =>
    [...document.querySelectorAll('canvas[role="img"]')]
      .filter((canvas) => !canvas.getAttribute('aria-label')?.trim())
      .map((canvas) => canvas.id),
  );
  assert.deepEqual(empty, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('focus rings show on controls', async () => {
  const { context, page } = await openPage(browser, server.url);
  await fillSettings(page, { epochs: 50 });
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
  // Tab moves on from the focused element, so the loop starts after the experiment tab.
  await page.locator('#tab-fit').focus();
  const missing = [];
  let visited = 0;
  // The fit tab has fewer than 30 focusable controls, so the loop reaches the end of the page.
  for (let press = 0; press < 30; press += 1) {
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const element = document.activeElement;
      if (element === document.body) {
        return null;
      }
      const style = getComputedStyle(element);
      return {
        what: `${element.tagName.toLowerCase()}#${element.id}`,
        visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      };
    });
    if (ring === null) {
      break;
    }
    visited += 1;
    if (!ring.visible) {
      missing.push(ring.what);
    }
  }
  // 9 settings, Train, two table views, two PNG buttons and three downloads.
  assert.ok(visited >= 17, `only ${visited} controls took the focus`);
  assert.deepEqual(missing, []);
  await context.close();
});

test('reduced motion slows chart redraws', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await fillSettings(page, { epochs: 200000 });
  await page.click('#train');
  await waitForStatus(page, ['running'], 5000);
  await page.waitForTimeout(1000);

  const start = await drawCount(page, 'loss-chart');
  await page.waitForTimeout(WINDOW_MS);
  const normal = (await drawCount(page, 'loss-chart')) - start;

  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.waitForTimeout(1200);
  const reducedStart = await drawCount(page, 'loss-chart');
  await page.waitForTimeout(WINDOW_MS);
  const reduced = (await drawCount(page, 'loss-chart')) - reducedStart;

  // At most one redraw a second, plus one for a window that starts just before a redraw.
  assert.ok(reduced <= WINDOW_MS / 1000 + 1, `${reduced} redraws in ${WINDOW_MS} ms`);
  assert.ok(reduced > 0, 'the chart stopped redrawing');
  assert.ok(normal > reduced, `${normal} redraws without the preference, ${reduced} with it`);
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 5000);
  assert.deepEqual(problems, []);
  await context.close();
});

test('meaningful colours reach AA contrast', async () => {
  const { context, page } = await openPage(browser, server.url);
  for (const { html, background = '#ffffff' } of MEANINGFUL_TEXT) {
    const colours = await page.evaluate(
      ({ markup, fill }) => {
        const host = document.createElement('div');
        host.style.background = fill;
        host.innerHTML = markup;
        document.body.append(host);
        const text = host.querySelector('p, td');
        const colour = getComputedStyle(text).color;
        const own = getComputedStyle(text).backgroundColor;
        host.remove();
        // A transparent element shows the host's background.
        return { colour, background: own === 'rgba(0, 0, 0, 0)' ? fill : own };
      },
      { markup: html, fill: background },
    );
    const backgroundRgb = colours.background.startsWith('#')
      ? `rgb(${[1, 3, 5].map((i) => parseInt(colours.background.slice(i, i + 2), 16))})`
      : colours.background;
    const ratio = contrastRatio(colours.colour, backgroundRgb);
    assert.ok(
      ratio >= MIN_TEXT_CONTRAST,
      `${html}: ${colours.colour} on ${backgroundRgb} has contrast ${ratio.toFixed(2)}`,
    );
  }
  await context.close();
});
