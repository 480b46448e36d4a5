// Shared set-up for the tests of links, embedding and the content security policy: a page
// whose content security policy violations, console errors, dialogs and injected-script traps
// are recorded from before its first script runs.

import { mkdir } from 'node:fs/promises';

export const SHOT_DIR = '/tmp/share-shots/';

// Runs in every frame before the page's scripts. Playwright adds it through the DevTools
// protocol, so the page's content security policy does not apply to it.
function installRecorders() {
  window.__cspViolations = [];
  window.__pwned = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(
      `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ` +
        `${event.sourceFile}:${event.lineNumber}`,
    );
  });
}

/**
 * Opens `url` in a new context of `browser` with the recorders installed. Returns
 * `{context, page, problems, dialogs}`: console errors and uncaught exceptions of the page and
 * its frames and workers, and every dialog (alert, confirm, prompt) any frame opened.
 * `permissions` are granted to the page's origin, for example clipboard access.
 */
export async function openRecorded(browser, url, { permissions = [], viewport } = {}) {
  const context = await browser.newContext({
    viewport: viewport ?? { width: 1360, height: 1100 },
  });
  if (permissions.length > 0) {
    await context.grantPermissions(permissions, { origin: new URL(url).origin });
  }
  await context.addInitScript(installRecorders);
  const page = await context.newPage();
  const problems = [];
  const dialogs = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  await page.goto(url);
  return { context, page, problems, dialogs };
}

/** Returns the violations recorded in the page and in each of its frames. */
export async function cspViolations(page) {
  const all = [];
  for (const frame of page.frames()) {
    all.push(...(await frame.evaluate(() => window.__cspViolations ?? [])));
  }
  return all;
}

/** Waits until the element `id` of `target` (a page or frame) has one of `states`. */
export async function waitForState(target, id, states, timeout = 30_000) {
  await target.waitForFunction(
    ({ elementId, expected }) => {
      const element = document.getElementById(elementId);
      return element !== null && expected.includes(element.dataset.state);
    },
    { elementId: id, expected: states },
    { timeout },
  );
}

/** Waits until the step counter `id` of `target` shows more than `step` steps. */
export async function waitForSteps(target, id, step = 0, timeout = 30_000) {
  await target.waitForFunction(
    ({ elementId, after }) => Number(document.getElementById(elementId)?.dataset.step) > after,
    { elementId: id, after: step },
    { timeout },
  );
}

/** Returns the config the last run of the form `formId` started with, or null. */
export async function runConfig(page, formId) {
  const json = await page.locator(`#${formId}`).getAttribute('data-run-config');
  return json === null ? null : JSON.parse(json);
}

/** Returns the entries of the URL notice: `{kind, parameter, text}` per list item. */
export async function noticeEntries(target) {
  return target.locator('[data-testid="url-notice-list"] li').evaluateAll((items) =>
    items.map((item) => ({
      kind: item.dataset.kind,
      parameter: item.dataset.parameter ?? null,
      text: item.textContent,
    })),
  );
}

/** Saves a full-page screenshot of `page` as SHOT_DIR/`name`.png. */
export async function saveShot(page, name) {
  await mkdir(SHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOT_DIR}${name}.png`, fullPage: true });
}
