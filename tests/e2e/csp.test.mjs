// The content security policy: every page declares it, and training on every tab, the
// workers, the wasm module and the downloads raise no violation under it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage } from './helpers.mjs';
import { cspViolations, openRecorded, waitForState, waitForSteps } from './share-helpers.mjs';

const POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
  "style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'none'";
const EXAMPLE_POLICY = POLICY.replace("object-src 'none'", "frame-src 'self'; object-src 'none'");

// Settings that end within seconds, by input id, and the section's Train button.
const OPTIMIZATION_RUNS = [
  { section: 'pca', settings: { 'pca-runs': 2, 'pca-epochs': 6, 'pca-record-every': 2 } },
  { section: 'gradnorm', settings: { 'gradnorm-epochs': 30 } },
  {
    section: 'minratio',
    settings: { 'minratio-runs': 2, 'minratio-epochs': 50, 'minratio-search-steps': 10 },
  },
];

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

async function policyOf(page) {
  return page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
}

async function fill(page, settings) {
  for (const [id, value] of Object.entries(settings)) {
    await page.fill(`#${id}`, String(value));
  }
}

/** Clicks `selector` and waits for the download it starts. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return file.suggestedFilename();
}

test('pages declare the policy', async () => {
  const pages = [
    ['', POLICY],
    ['embed.html', POLICY],
    ['examples/two-demos.html', EXAMPLE_POLICY],
  ];
  for (const [path, expected] of pages) {
    const { context, page } = await openRecorded(browser, `${server.url}${path}`);
    assert.equal(await policyOf(page), expected, path);
    await context.close();
  }
});

test('main page trains without violation', async () => {
  const { context, page, problems, dialogs } = await openRecorded(
    browser,
    `${server.url}#fit?epochs=20`,
  );
  await waitForState(page, 'status', ['ready']);
  await page.click('#train');
  await waitForState(page, 'status', ['done'], 60_000);

  await page.click('#tab-mnist');
  await waitForState(page, 'mnist-status', ['ready'], 30_000);
  await page.click('#mnist-train');
  await waitForSteps(page, 'mnist-step-counter', 0);
  await page.click('#mnist-stop');
  await waitForState(page, 'mnist-status', ['stopped', 'done']);

  await page.click('#tab-optimization');
  for (const { section, settings } of OPTIMIZATION_RUNS) {
    await fill(page, settings);
    await page.click(`#${section}-train`);
    await waitForState(page, `${section}-status`, ['done'], 60_000);
  }
  assert.equal(await download(page, '#gradnorm-download'), 'gradnorm.csv');

  await page.click('#tab-generalization');
  await fill(page, { 'random-labels-epochs': 1, 'random-labels-train-size': 100 });
  await page.click('#random-labels-train');
  await waitForState(page, 'random-labels-status', ['done'], 60_000);
  assert.equal(await download(page, '#random-labels-download'), 'random-labels.csv');

  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);

  // An inline script added now is blocked and reported, so the policy and the listener work.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.head.append(script);
  });
  await page.waitForFunction(() => window.__cspViolations.length > 0);
  assert.equal(await page.evaluate(() => window.__inlineRan ?? false), false);
  assert.match((await cspViolations(page))[0], /^script-src/);
  await context.close();
});

test('embedded MNIST trains without violation', async () => {
  const url = `${server.url}embed.html#mnist?epochs=1&autostart=1`;
  const { context, page, problems, dialogs } = await openRecorded(browser, url);
  await waitForSteps(page, 'mnist-step-counter', 0, 60_000);
  await page.click('#mnist-stop');
  await waitForState(page, 'mnist-status', ['stopped', 'done']);
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await context.close();
});
