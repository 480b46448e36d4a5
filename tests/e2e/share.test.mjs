// Links: the URL fragment restores every setting, follows the forms, rejects hostile values
// field by field, and Copy link and Copy embed code copy what restores the same experiment.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServedPage } from './helpers.mjs';
import {
  noticeEntries,
  openRecorded,
  runConfig,
  saveShot,
  waitForState,
  waitForSteps,
} from './share-helpers.mjs';

// Values that must never run, become markup or break the page. Each goes into a different
// parameter, so each is rejected on its own.
const HOSTILE = {
  function: '<img src=x onerror="window.__pwned.push(1);alert(1)">',
  points: '"><script>window.__pwned.push(2)</script>',
  epochs: '1e400',
  batch_size: 'NaN',
  learning_rate: 'Infinity',
  seed: '-5',
  engine: '',
  domain: `${'9'.repeat(3000)},<svg onload=alert(3)>`,
};

// The fit form's defaults for silu, as fitCatalog() gives them.
const FIT_DEFAULTS = {
  function: 'silu',
  points: '1000',
  epochs: '2000',
  'batch-size': '0',
  'learning-rate': '0.0011',
  seed: '1',
  engine: 'flex',
  'domain-low': '-6',
  'domain-high': '6',
};

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

/** Opens the main page at `hash` and waits until the fit experiment is ready. */
async function openMain(hash, options) {
  const session = await openRecorded(browser, `${server.url}${hash}`, options);
  await waitForState(session.page, 'status', ['ready']);
  return session;
}

/** Returns location.hash, which page.url() may report late after history.replaceState. */
async function locationHash(page) {
  return page.evaluate(() => window.location.hash);
}

async function value(page, id) {
  return page.locator(`#${id}`).inputValue();
}

test('fit settings restore from link', async () => {
  const hash = '#fit?function=sgn-cos&points=500&epochs=40&seed=3&learning_rate=0.002';
  const { context, page, problems } = await openMain(hash);
  assert.equal(await page.locator('#tab-fit').getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'function'), 'sgn-cos');
  assert.equal(await value(page, 'points'), '500');
  assert.equal(await value(page, 'epochs'), '40');
  assert.equal(await value(page, 'seed'), '3');
  assert.equal(await value(page, 'learning-rate'), '0.002');
  // The domain follows the function when the link does not set it.
  assert.equal(await value(page, 'domain-low'), '-1');
  assert.equal(await value(page, 'domain-high'), '1');
  assert.equal(await page.getByTestId('url-notice').isVisible(), false);

  await page.click('#train');
  await waitForState(page, 'status', ['done'], 60_000);
  const config = await runConfig(page, 'settings');
  assert.equal(config.function, 'sgn-cos');
  assert.equal(config.points, 500);
  assert.equal(config.epochs, 40);
  assert.equal(config.seed, 3);
  assert.equal(config.learning_rate, 0.002);
  assert.deepEqual(config.domain, [-1, 1]);
  assert.equal(Number(await page.locator('#step-counter').getAttribute('data-steps')), 3 * 40);
  assert.deepEqual(problems, []);
  await context.close();
});

test('optimization section restores from link', async () => {
  const hash =
    '#optimization?section=gradnorm&gradnorm.epochs=30&gradnorm.seed=4&pca.runs=2' +
    '&pca.function=sgn-cos';
  const { context, page, problems } = await openMain(hash);
  assert.equal(await page.locator('#tab-optimization').getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'gradnorm-epochs'), '30');
  assert.equal(await value(page, 'gradnorm-seed'), '4');
  assert.equal(await value(page, 'pca-runs'), '2');
  assert.equal(await value(page, 'pca-function'), 'sgn-cos');
  assert.equal(await value(page, 'pca-domain-low'), '-1');
  assert.equal(await value(page, 'share-section'), 'gradnorm');

  await page.click('#gradnorm-train');
  await waitForState(page, 'gradnorm-status', ['done'], 60_000);
  const config = await runConfig(page, 'gradnorm-settings');
  assert.equal(config.epochs, 30);
  assert.equal(config.seed, 4);
  assert.equal(Number(await page.locator('#gradnorm-step-counter').getAttribute('data-step')), 30);
  assert.deepEqual(problems, []);
  await context.close();
});

test('generalization section restores from link', async () => {
  const hash =
    '#generalization?section=random-labels&random-labels.epochs=1' +
    '&random-labels.train_size=100&random-labels.seed=7&capacity.learning_rate=0.0005';
  const { context, page, problems } = await openMain(hash);
  assert.equal(await page.locator('#tab-generalization').getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'random-labels-epochs'), '1');
  assert.equal(await value(page, 'random-labels-train-size'), '100');
  assert.equal(await value(page, 'random-labels-seed'), '7');
  assert.equal(await value(page, 'capacity-learning-rate'), '0.0005');

  await page.click('#random-labels-train');
  await waitForState(page, 'random-labels-status', ['done'], 60_000);
  const config = await runConfig(page, 'random-labels-settings');
  assert.equal(config.epochs, 1);
  assert.equal(config.train_size, 100);
  assert.equal(config.seed, 7);
  assert.deepEqual(problems, []);
  await context.close();
});

test('mnist settings restore from link', async () => {
  const hash = '#mnist?epochs=3&batch_size=128&learning_rate=0.001&engine=ndarray&seed=2';
  const { context, page, problems } = await openMain(hash);
  assert.equal(await page.locator('#tab-mnist').getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'mnist-epochs'), '3');
  assert.equal(await value(page, 'mnist-batch-size'), '128');
  assert.equal(await value(page, 'mnist-learning-rate'), '0.001');
  assert.equal(await value(page, 'mnist-engine'), 'ndarray');
  assert.equal(await value(page, 'mnist-seed'), '2');
  assert.equal(await page.getByTestId('url-notice').isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('every section restores its seed', async () => {
  const sections = {
    optimization: ['pca', 'gradnorm', 'minratio'],
    generalization: ['random-labels', 'capacity', 'interpolate', 'sensitivity'],
  };
  for (const [tab, names] of Object.entries(sections)) {
    const query = names.map((name, index) => `${name}.seed=${index + 20}`).join('&');
    const { context, page, problems } = await openMain(`#${tab}?${query}`);
    for (const [index, name] of names.entries()) {
      assert.equal(await value(page, `${name}-seed`), String(index + 20), name);
    }
    assert.equal(await locationHash(page), `#${tab}?${query}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('changed fragment applies its settings', async () => {
  const { context, page, problems } = await openMain('#fit?points=600');
  await page.evaluate(() => {
    window.location.hash = '#optimization?section=minratio&minratio.runs=5';
  });
  const tab = page.locator('#tab-optimization');
  await page.waitForFunction(() => document.getElementById('minratio-runs').value === '5');
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'share-section'), 'minratio');
  // The fit form keeps its settings, since the new fragment is about another tab.
  assert.equal(await value(page, 'points'), '600');
  assert.deepEqual(problems, []);
  await context.close();
});

test('link during a run is noted', async () => {
  const { context, page, problems } = await openMain('#fit?epochs=100000');
  await page.click('#train');
  await waitForSteps(page, 'step-counter');
  await page.evaluate(() => {
    window.location.hash = '#fit?epochs=300';
  });
  await page.waitForFunction(() => document.getElementById('epochs').value === '300');
  const entries = await noticeEntries(page);
  assert.deepEqual(entries.map((entry) => entry.kind), ['changed-during-run']);
  assert.match(entries[0].text, /new settings apply from the next Train/);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'running');
  await page.click('#stop');
  await waitForState(page, 'status', ['stopped']);
  assert.equal((await noticeEntries(page)).length, 1);
  // The next Train uses the new settings, so the note goes.
  await page.click('#train');
  assert.deepEqual(await noticeEntries(page), []);
  assert.equal((await runConfig(page, 'settings')).epochs, 300);
  await page.click('#stop');
  await waitForState(page, 'status', ['stopped', 'done']);
  // With no run training, a changed link needs no note.
  await page.evaluate(() => {
    window.location.hash = '#fit?epochs=400';
  });
  await page.waitForFunction(() => document.getElementById('epochs').value === '400');
  assert.deepEqual(await noticeEntries(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('oversized parameters are ignored', async () => {
  const long = await openMain(`#fit?points=500&seed=${'7'.repeat(5000)}`);
  const longEntries = await noticeEntries(long.page);
  assert.equal(longEntries[0]?.kind, 'too-long');
  assert.equal(await value(long.page, 'points'), '1000');
  await long.context.close();

  const query = Array.from({ length: 150 }, (_, index) => `key${index}=1`).join('&');
  const many = await openMain(`#fit?${query}`);
  const manyEntries = await noticeEntries(many.page);
  assert.equal(manyEntries[0]?.kind, 'too-many');
  // One entry for the count and one per unknown key of the 100 read: 12 are listed and the
  // other 89 counted in one more item.
  assert.equal(manyEntries.length, 13);
  assert.match(manyEntries[12].text, /^89 more problems/);
  assert.deepEqual(long.problems, []);
  assert.deepEqual(many.problems, []);
  await many.context.close();
});

test('autostart trains on main page', async () => {
  const hash = '#optimization?section=gradnorm&gradnorm.epochs=20&autostart=1';
  const { context, page, problems } = await openMain(hash);
  await waitForState(page, 'gradnorm-status', ['done'], 60_000);
  assert.equal((await runConfig(page, 'gradnorm-settings')).epochs, 20);
  // The rewritten URL drops autostart, so a reload does not train again.
  assert.equal(await locationHash(page), '#optimization?section=gradnorm&gradnorm.epochs=20');
  assert.deepEqual(problems, []);
  await context.close();
});

test('hostile values rejected field by field', async () => {
  const query = Object.entries(HOSTILE)
    .map(([key, text]) => `${key}=${encodeURIComponent(text)}`)
    .join('&');
  const { context, page, problems, dialogs } = await openMain(`#fit?${query}`);
  await saveShot(page, 'hostile-notice');
  const notice = page.getByTestId('url-notice');
  assert.equal(await notice.isVisible(), true);
  const entries = await noticeEntries(page);
  for (const key of Object.keys(HOSTILE)) {
    const entry = entries.find((item) => item.parameter === key);
    assert.ok(entry, `no notice entry names ${key}: ${JSON.stringify(entries)}`);
    assert.equal(entry.kind, 'invalid', `${key}: ${entry.text}`);
    assert.match(entry.text, /replaced by/, `${key}: ${entry.text}`);
  }
  // The long value is cut in the notice.
  const domain = entries.find((item) => item.parameter === 'domain');
  assert.ok(domain.text.length < 1000, `domain entry is ${domain.text.length} characters`);
  for (const [id, expected] of Object.entries(FIT_DEFAULTS)) {
    assert.equal(await value(page, id), expected, `#${id}`);
  }
  // Nothing of the payloads became markup or ran.
  assert.equal(await page.locator('img[src="x"], svg, script:not([src])').count(), 0);
  assert.deepEqual(await page.evaluate(() => window.__pwned), []);
  assert.deepEqual(dialogs, []);

  // The page still trains.
  await page.fill('#epochs', '30');
  await page.click('#train');
  await waitForState(page, 'status', ['done'], 60_000);
  assert.equal((await runConfig(page, 'settings')).epochs, 30);
  assert.deepEqual(problems, []);
  await context.close();
});

test('invalid combination falls back', async () => {
  // Each value is valid alone, but the PCA's default batch of 50 exceeds 20 points.
  const { context, page, problems } = await openMain('#optimization?pca.points=20&pca.seed=4');
  const entries = await noticeEntries(page);
  const points = entries.find((entry) => entry.parameter === 'pca.points');
  assert.match(points?.text ?? '', /batch_size: 50 exceeds the 20 sample points/);
  assert.equal(await value(page, 'pca-points'), '1000');
  assert.equal(await value(page, 'pca-seed'), '1');
  assert.deepEqual(problems, []);
  await context.close();
});

test('unknown and prototype keys reported', async () => {
  const hash = '#fit?colour=red&__proto__=1&constructor=2&points=400&pca.seed=3';
  const { context, page, problems } = await openMain(hash);
  const entries = await noticeEntries(page);
  for (const key of ['colour', '__proto__', 'constructor', 'pca.seed']) {
    const entry = entries.find((item) => item.parameter === key);
    assert.ok(entry, `no notice entry names ${key}`);
    assert.equal(entry.kind, 'unknown');
  }
  assert.equal(await value(page, 'points'), '400');
  assert.equal(await page.evaluate(() => Object.hasOwn(Object.prototype, 'colour')), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('repeated keys and bad encoding', async () => {
  const hash = '#fit?points=300&points=400&%E0%A4%A=1&seed=%E0%A4%A&epochs=%zz';
  const { context, page, problems } = await openMain(hash);
  const entries = await noticeEntries(page);
  const repeated = entries.find((item) => item.kind === 'repeated');
  assert.equal(repeated?.parameter, 'points');
  assert.equal(entries.filter((item) => item.kind === 'encoding').length, 3);
  assert.equal(await value(page, 'points'), '300');
  assert.equal(await value(page, 'seed'), '1');
  assert.equal(await value(page, 'epochs'), '2000');
  assert.deepEqual(problems, []);
  await context.close();
});

test('unknown experiment opens fit', async () => {
  const { context, page, problems } = await openMain('#%3Cscript%3E?points=5');
  const entries = await noticeEntries(page);
  assert.equal(entries[0]?.kind, 'unknown-tab');
  assert.equal(await page.locator('#tab-fit').getAttribute('aria-selected'), 'true');
  assert.equal(await value(page, 'points'), '1000');
  assert.deepEqual(problems, []);
  await context.close();
});

test('tab name in capitals opens its tab', async () => {
  const { context, page, problems } = await openMain('#OPTIMIZATION?pca.runs=3');
  assert.deepEqual(await noticeEntries(page), []);
  assert.equal(await page.locator('#tab-optimization').getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#pca-runs').inputValue(), '3');
  assert.deepEqual(problems, []);
  await context.close();
});

test('URL follows form edits', async () => {
  const { context, page, problems } = await openMain('#fit');
  const historyLength = await page.evaluate(() => history.length);
  await page.fill('#points', '777');
  await page.selectOption('#function', 'sgn-cos');
  await page.fill('#seed', '9');
  const hash = await locationHash(page);
  assert.match(hash, /^#fit\?/);
  assert.match(hash, /points=777/);
  assert.match(hash, /function=sgn-cos/);
  assert.match(hash, /seed=9/);
  // The domain follows sgn-cos, whose default it then is, so it stays out of the URL.
  assert.doesNotMatch(hash, /domain=/);
  assert.equal(await page.evaluate(() => history.length), historyLength);

  await page.click('#tab-optimization');
  await page.fill('#minratio-runs', '3');
  const optimizationHash = await locationHash(page);
  assert.equal(optimizationHash, '#optimization?section=minratio&minratio.runs=3');
  assert.equal(await value(page, 'share-section'), 'minratio');
  assert.deepEqual(problems, []);
  await context.close();
});

test('copy link restores in new page', async () => {
  const permissions = ['clipboard-read', 'clipboard-write'];
  const { context, page, problems } = await openMain('#fit', { permissions });
  await page.click('#tab-generalization');
  await page.fill('#sensitivity-epochs', '2');
  await page.fill('#sensitivity-seed', '11');
  await page.click('#copy-link');
  await page.getByTestId('share-message').filter({ hasText: 'Link copied.' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, await page.evaluate(() => window.location.href));
  await context.close();

  const copy = await openMain(new URL(link).hash);
  const tab = copy.page.locator('#tab-generalization');
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  assert.equal(await value(copy.page, 'sensitivity-epochs'), '2');
  assert.equal(await value(copy.page, 'sensitivity-seed'), '11');
  assert.equal(await value(copy.page, 'share-section'), 'sensitivity');
  assert.equal(await copy.page.getByTestId('url-notice').isVisible(), false);
  assert.deepEqual(problems, []);
  assert.deepEqual(copy.problems, []);
  await copy.context.close();
});

test('refused clipboard shows the text', async () => {
  const { context, page, problems } = await openMain('#fit?seed=5');
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new Error('Write permission denied.'));
  });
  await page.click('#copy-link');
  const message = page.getByTestId('share-message');
  await message.filter({ hasText: 'Copying failed' }).waitFor();
  assert.equal(await message.getAttribute('data-state'), 'refused');
  const text = page.getByTestId('share-text');
  assert.equal(await text.isVisible(), true);
  const href = await page.evaluate(() => window.location.href);
  assert.equal(await text.inputValue(), href);
  assert.match(href, /seed=5/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('copy embed code gives iframe', async () => {
  const permissions = ['clipboard-read', 'clipboard-write'];
  const { context, page, problems } = await openMain('#optimization?pca.runs=2', { permissions });
  await page.fill('#gradnorm-epochs', '25');
  await page.click('#copy-embed');
  await page.getByTestId('share-message').filter({ hasText: 'Embed code copied.' }).waitFor();
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  const pattern = /^<iframe src="([^"]+)" width="(\d+)" height="(\d+)" title="([^"]+)"/;
  const match = snippet.match(pattern);
  assert.ok(match, snippet);
  const src = match[1].replaceAll('&amp;', '&');
  assert.equal(src, `${server.url}embed.html#optimization?section=gradnorm&gradnorm.epochs=25`);
  assert.match(match[4], /Gradient norm/);
  await saveShot(page, 'share-bar');
  assert.deepEqual(problems, []);
  await context.close();
});
