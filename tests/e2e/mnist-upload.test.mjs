// Uploading MNIST IDX files: valid files replace the default digits, each broken file is
// rejected with a message naming it and the problem while the digits accepted before stay in
// use, and training runs on the accepted files.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  MNIST_MODELS,
  WWW_ROOT,
  fillSettings,
  launchBrowser,
  mnistModelStates,
  openMnist,
  requireBuiltPage,
  saveMnistScreenshots,
  waitForMnistStatus,
} from './helpers.mjs';
import { startServer } from './server.mjs';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const UNSIGNED_BYTE = 0x08;

/** Encodes bytes as an IDX file: 00 00, the type code, the dimension count, big-endian dims. */
function encodeIdx(dims, data, typeCode = UNSIGNED_BYTE) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/**
 * Makes `count` synthetic digits: class k is a bright 6x6 square at its own place on a 4x3
 * grid, with noise from a fixed linear congruential generator, so they can be learned.
 */
function syntheticDigits(count, seed) {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i += 1) {
    const label = i % 10;
    labels[i] = label;
    const top = 2 + 8 * Math.floor(label / 4);
    const left = 2 + 6 * (label % 4);
    for (let p = 0; p < PIXELS; p += 1) {
      const [row, column] = [Math.floor(p / SIDE), p % SIDE];
      const inside = row >= top && row < top + 6 && column >= left && column < left + 6;
      images[i * PIXELS + p] = inside ? 200 + Math.floor(55 * random()) : Math.floor(40 * random());
    }
  }
  return { images, labels };
}

const trainDigits = syntheticDigits(300, 7);
const testDigits = syntheticDigits(100, 11);
const trainImages = encodeIdx([300, SIDE, SIDE], trainDigits.images);
const trainLabels = encodeIdx([300], trainDigits.labels);
const testImages = encodeIdx([100, SIDE, SIDE], testDigits.images);
const testLabels = encodeIdx([100], testDigits.labels);

function file(name, buffer) {
  return { name, mimeType: 'application/octet-stream', buffer };
}

// The valid set: gzipped and raw files mixed.
const VALID = {
  trainImages: file('synthetic-train-images-idx3-ubyte.gz', gzipSync(trainImages)),
  trainLabels: file('synthetic-train-labels-idx1-ubyte', trainLabels),
  testImages: file('synthetic-t10k-images-idx3-ubyte', testImages),
  testLabels: file('synthetic-t10k-labels-idx1-ubyte.gz', gzipSync(testLabels)),
};

function corruptGzip() {
  const bytes = Buffer.from(gzipSync(trainImages));
  for (let i = 100; i < 120; i += 1) {
    bytes[i] ^= 0xff;
  }
  return bytes;
}

// The label at position 17, after the 8-byte header, becomes 10.
const withLabel10 = Buffer.from(trainLabels);
withLabel10[8 + 17] = 10;

const badMagic = Buffer.concat([Buffer.from([0x12, 0x34]), trainImages.subarray(2)]);
const floatImages = encodeIdx([300, SIDE, SIDE], trainDigits.images, 0x0d);
const narrowImages = encodeIdx([300, 28, 27], trainDigits.images.subarray(0, 300 * 28 * 27));
const claims400 = encodeIdx([400, SIDE, SIDE], trainDigits.images);
const cutImages = trainImages.subarray(0, trainImages.length - 100);
const shortLabels = encodeIdx([299], trainDigits.labels.subarray(1));
const floatTestImages = encodeIdx([100, SIDE, SIDE], testDigits.images, 0x0d);
const twoDigits = syntheticDigits(2, 3);

// Each case replaces some of the valid files. `name` is the file the message must name.
const BROKEN = [
  {
    case: 'wrong magic number',
    files: { trainImages: file('magic.idx3', badMagic) },
    name: 'magic.idx3',
    pattern: /bad magic number 12 34 08 03/,
  },
  {
    case: 'type code 0x0D',
    files: { trainImages: file('floats.idx3', floatImages) },
    name: 'floats.idx3',
    pattern: /element type code 0x0d is not unsigned bytes/,
  },
  {
    case: 'images of 28x27 pixels',
    files: { trainImages: file('narrow.idx3', narrowImages) },
    name: 'narrow.idx3',
    pattern: /has dimensions \[300, 28, 27\], but images must be \[count, 28, 28\]/,
  },
  {
    case: 'header claiming more images',
    files: { trainImages: file('claims-400.idx3', claims400) },
    name: 'claims-400.idx3',
    pattern: /truncated: the header promises 313600 data bytes but the file has 235200/,
  },
  {
    case: 'truncated body',
    files: { trainImages: file('cut.idx3', cutImages) },
    name: 'cut.idx3',
    pattern: /truncated: the header promises 235200 data bytes but the file has 235100/,
  },
  {
    case: 'label 10',
    files: { trainLabels: file('label-ten.idx1', withLabel10) },
    name: 'label-ten.idx1',
    pattern: /label 10 at position 17 is above 9/,
  },
  {
    case: 'image and label counts differ',
    files: { trainLabels: file('short-labels.idx1', shortLabels) },
    name: 'short-labels.idx1',
    pattern: /holds 299 labels but synthetic-train-images-idx3-ubyte\.gz holds 300 images/,
  },
  {
    case: 'corrupt gzip',
    files: { trainImages: file('corrupt.idx3.gz', corruptGzip()) },
    name: 'corrupt.idx3.gz',
    pattern: /corrupt gzip data/,
  },
  {
    case: 'labels given as images',
    files: { trainImages: file('labels-as-images.idx1', trainLabels) },
    name: 'labels-as-images.idx1',
    pattern: /has dimensions \[300\], but images must be \[count, 28, 28\]; is this a label file\?/,
  },
  {
    case: 'broken test images',
    files: { testImages: file('test-floats.idx3', floatTestImages) },
    name: 'test-floats.idx3',
    pattern: /element type code 0x0d/,
  },
  {
    case: 'no training digits',
    files: {
      trainImages: file('empty-images.idx3', encodeIdx([0, SIDE, SIDE], [])),
      trainLabels: file('empty-labels.idx1', encodeIdx([0], [])),
    },
    name: 'empty-images.idx3',
    pattern: /contains no digits/,
  },
  {
    case: 'no test digits',
    files: {
      testImages: file('empty-test-images.idx3', encodeIdx([0, SIDE, SIDE], [])),
      testLabels: file('empty-test-labels.idx1', encodeIdx([0], [])),
    },
    name: 'empty-test-images.idx3',
    pattern: /contains no digits, so there is nothing to test on/,
  },
  {
    case: 'two digits without test files',
    files: {
      trainImages: file('two-images.idx3', encodeIdx([2, SIDE, SIDE], twoDigits.images)),
      trainLabels: file('two-labels.idx1', encodeIdx([2], twoDigits.labels)),
      testImages: null,
      testLabels: null,
    },
    name: 'two-images.idx3',
    pattern: /contains only 2 digits, too few to hold out 20% for testing/,
  },
  {
    case: 'no files picked',
    files: { trainImages: null, trainLabels: null, testImages: null, testLabels: null },
    name: 'No training files picked',
    pattern: /pick the training images and the training labels/,
  },
  {
    case: 'test labels missing',
    files: { testLabels: null },
    name: 'Test labels missing',
    pattern: /pick the labels file that goes with the test images/,
  },
  {
    case: 'training images missing',
    files: { trainImages: null },
    name: 'Training images missing',
    pattern: /pick the images file that goes with the training labels/,
  },
];

const INPUT_IDS = {
  trainImages: '#mnist-train-images',
  trainLabels: '#mnist-train-labels',
  testImages: '#mnist-test-images',
  testLabels: '#mnist-test-labels',
};

let server;
let browser;
let session;

before(async () => {
  requireBuiltPage();
  server = await startServer(WWW_ROOT);
  browser = await launchBrowser();
  session = await openMnist(browser, server.url);
});

after(async () => {
  await session?.context.close();
  await browser?.close();
  await server?.close();
});

/** Puts `files` into the four pickers; a null or missing entry leaves that picker empty. */
async function pickFiles(page, files) {
  for (const [key, selector] of Object.entries(INPUT_IDS)) {
    await page.setInputFiles(selector, files[key] ? [files[key]] : []);
  }
}

async function summaryOf(page) {
  const summary = page.locator('#mnist-data-summary');
  return {
    text: await summary.textContent(),
    source: await summary.getAttribute('data-source'),
    train: await summary.getAttribute('data-train'),
    test: await summary.getAttribute('data-test'),
    heldOut: await summary.getAttribute('data-held-out'),
  };
}

/** Presses "Use these files" and waits until the summary shows `expected` training digits. */
async function loadAccepted(page, files, expected) {
  await pickFiles(page, files);
  await page.click('#mnist-load-files');
  await page.waitForFunction(
    (train) => {
      const summary = document.querySelector('#mnist-data-summary');
      return summary.dataset.source === 'upload' && summary.dataset.train === train;
    },
    String(expected),
    { timeout: 15_000 },
  );
  assert.equal(await page.locator('#mnist-data-error').textContent(), '');
}

async function trainOneEpoch(page) {
  await fillSettings(page, { 'mnist-epochs': 1, 'mnist-batch-size': 64 });
  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['done'], 120_000);
  await page.waitForFunction(
    () => document.querySelector('#mnist-inspection').dataset.state === 'shown',
    null,
    { timeout: 30_000 },
  );
  assert.deepEqual(await mnistModelStates(page), {
    shallow: 'done',
    medium: 'done',
    deep: 'done',
  });
}

test('valid files are accepted', async () => {
  const { page } = session;
  await loadAccepted(page, VALID, 300);
  const summary = await summaryOf(page);
  assert.match(summary.text, /^Using 300 training \/ 100 test digits from your files/);
  for (const picked of Object.values(VALID)) {
    assert.ok(summary.text.includes(picked.name), `summary does not name ${picked.name}`);
  }
  assert.equal(summary.test, '100');
  assert.equal(summary.heldOut, 'false');
  assert.equal(await page.locator('#mnist-status').getAttribute('data-state'), 'ready');
});

for (const broken of BROKEN) {
  test(`rejects ${broken.case}`, async () => {
    const { page } = session;
    await pickFiles(page, { ...VALID, ...broken.files });
    await page.click('#mnist-load-files');
    const error = page.locator('#mnist-data-error');
    await page.waitForFunction(
      (name) => document.querySelector('#mnist-data-error').textContent.includes(name),
      broken.name,
      { timeout: 15_000 },
    );
    const message = await error.textContent();
    assert.match(message, broken.pattern);
    assert.match(message, /^Not loaded\./);
    assert.match(message, /The digits loaded before stay in use\.$/);
    // The message appears a moment before the panel settles, which a loaded machine stretches.
    await error.waitFor({ state: 'visible', timeout: 5000 });

    const summary = await summaryOf(page);
    assert.equal(summary.source, 'upload');
    assert.equal(summary.train, '300');
    assert.equal(summary.test, '100');
    assert.match(summary.text, /^Using 300 training \/ 100 test digits/);
    await page.waitForFunction(() => !document.querySelector('#mnist-train').disabled, null, {
      timeout: 5000,
    });
  });
}

test('training uses the files accepted before', async () => {
  const { page } = session;
  // The message of the last rejected case is still on show.
  await saveMnistScreenshots(page, 'mnist-upload-rejected');
  await trainOneEpoch(page);
  // ceil(300 / 64) = 5 steps per model.
  const counter = page.locator('#mnist-step-counter');
  assert.equal(await counter.getAttribute('data-step'), '15');
  assert.equal(await counter.getAttribute('data-steps'), '15');
  assert.equal(await page.locator('#mnist-confusion').getAttribute('data-total'), '100');
  assert.equal(await page.locator('#mnist-digit-grid').getAttribute('data-digits'), '64');
  for (const model of MNIST_MODELS) {
    const value = await page.getByTestId(`mnist-best-accuracy-${model}`).getAttribute('data-value');
    assert.notEqual(value, '', `${model} has no test accuracy`);
    assert.ok(Number(value) >= 0, `${model} test accuracy ${value}`);
  }
  await saveMnistScreenshots(page, 'mnist-upload');
});

test('no test files hold out a fifth', async () => {
  const { page } = session;
  await loadAccepted(page, { trainImages: VALID.trainImages, trainLabels: VALID.trainLabels }, 240);
  const summary = await summaryOf(page);
  assert.match(summary.text, /^Using 240 training \/ 60 test digits from your files/);
  assert.match(summary.text, /No test files were given, so a stratified 20% of their 300 digits/);
  assert.equal(summary.heldOut, 'true');
  await trainOneEpoch(page);
  assert.equal(await page.locator('#mnist-confusion').getAttribute('data-total'), '60');
  // ceil(240 / 64) = 4 steps per model.
  assert.equal(await page.locator('#mnist-step-counter').getAttribute('data-step'), '12');
});

test('default subset button restores it', async () => {
  const { page } = session;
  await page.click('#mnist-use-default');
  await page.waitForFunction(
    () => document.querySelector('#mnist-data-summary').dataset.source === 'default',
    null,
    { timeout: 15_000 },
  );
  const summary = await summaryOf(page);
  assert.match(summary.text, /8,000 training \/ 2,000 test digits, default subset/);
  assert.equal(summary.train, '8000');
  assert.equal(summary.test, '2000');
  const picked = await page.$eval('#mnist-train-images', (input) => input.files.length);
  assert.equal(picked, 0, 'the file pickers were not cleared');
});

test('no errors logged by uploads', () => {
  assert.deepEqual(session.problems, []);
});
