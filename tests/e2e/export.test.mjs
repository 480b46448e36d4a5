// Saves a run's files from the page: CSV with the command line's names and columns, each chart
// as PNG at device resolution, and the settings and results as JSON.

import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { test } from 'node:test';
import {
  MNIST_MODELS,
  MODELS,
  canvasData,
  canvasSizes,
  fillSettings,
  openMnist,
  openOptimization,
  openPage,
  useServedPage,
  waitForMnistStatus,
  waitForSectionStatus,
  waitForStatus,
} from './helpers.mjs';
import { download, parseCsv, readPngHeader, readTableView } from './export-helpers.mjs';

// The headers that src/bin/gradlab/fit.rs and mnist.rs write into loss.csv, predictions.csv,
// epochs.csv and confusion.csv.
const LOSS_HEADER = 'epoch,model,loss';
const PREDICTIONS_HEADER = 'x,target,deep,medium,shallow';
const EPOCHS_HEADER = 'epoch,model,train_loss,test_loss,test_accuracy';
const CONFUSION_HEADER =
  'true,predicted_0,predicted_1,predicted_2,predicted_3,predicted_4,predicted_5,' +
  'predicted_6,predicted_7,predicted_8,predicted_9';

// The table view prints 6 significant digits, so its numbers are within 5e-6 of the exact
// ones, relatively.
const TABLE_TOLERANCE = 1e-5;
// Points of the grid that predictions.csv covers (EVALUATION_POINTS in src/experiment/fit.rs).
const EVALUATION_POINTS = 512;
const FIT_EPOCHS = 100;

let server;
let browser;

useServedPage((session) => ({ server, browser } = session));

function assertClose(actual, expected, what) {
  const scale = Math.max(Math.abs(expected), 1e-12);
  assert.ok(
    Math.abs(actual - expected) <= TABLE_TOLERANCE * scale,
    `${what}: ${actual} is not within ${TABLE_TOLERANCE} of ${expected}`,
  );
}

async function trainFit(page, epochs = FIT_EPOCHS) {
  await fillSettings(page, { epochs });
  await page.click('#train');
  await waitForStatus(page, ['done'], 60_000);
}

async function downloadText(page, selector) {
  const { name, bytes } = await download(page, selector);
  return { name, text: bytes.toString('utf8') };
}

/** Returns the colour type and the first pixel of a PNG with 8-bit channels. */
function firstPixel(bytes) {
  const colourType = bytes[25];
  const chunks = [];
  for (let offset = 8; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    if (type === 'IDAT') {
      chunks.push(bytes.subarray(offset + 8, offset + 8 + length));
    }
    offset += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(chunks));
  // Byte 0 is the first row's filter. Every PNG filter leaves the first pixel of the first row
  // as it is, because its left and upper neighbours count as zero.
  const channels = colourType === 6 ? 4 : 3;
  return { colourType, pixel: [...pixels.subarray(1, 1 + channels)] };
}

test('fit CSV matches charted numbers', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFit(page);

  const loss = await downloadText(page, '#fit-download-loss');
  assert.equal(loss.name, 'loss.csv');
  const lossCsv = parseCsv(loss.text);
  assert.equal(lossCsv.header, LOSS_HEADER);
  assert.equal(lossCsv.rows.length, MODELS.length * FIT_EPOCHS);

  const view = await readTableView(page, 'loss-chart');
  assert.deepEqual(view.columns, ['series', 'epoch', 'MSE loss']);
  assert.equal(view.rows.length, lossCsv.rows.length, view.caption);
  const charted = new Map(view.rows.map(([model, epoch, value]) => [`${model}@${epoch}`, value]));
  for (const [epoch, model, value] of lossCsv.rows) {
    const shown = charted.get(`${model}@${epoch}`);
    assert.ok(shown !== undefined, `the table view has no loss of ${model} at epoch ${epoch}`);
    assertClose(Number(shown), Number(value), `${model} loss at epoch ${epoch}`);
  }

  // The results table keeps the exact final loss, which must equal the CSV's last row.
  for (const model of MODELS) {
    const last = lossCsv.rows.findLast((row) => row[1] === model);
    assert.equal(last[0], String(FIT_EPOCHS), `${model} last epoch`);
    const finalLoss = await page.getByTestId(`final-loss-${model}`).getAttribute('data-value');
    assert.equal(Number(last[2]), Number(finalLoss), `${model} final loss`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('predictions CSV matches fit chart', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFit(page);

  const predictions = await downloadText(page, '#fit-download-predictions');
  assert.equal(predictions.name, 'predictions.csv');
  const csv = parseCsv(predictions.text);
  assert.equal(csv.header, PREDICTIONS_HEADER);
  assert.equal(csv.rows.length, EVALUATION_POINTS);

  // The table view thins the 4 x 512 points to every stride-th point of each series and its
  // last, so its k-th row of a series is grid point k * stride.
  const view = await readTableView(page, 'fit-chart');
  const stride = Math.ceil((4 * EVALUATION_POINTS) / 300);
  const columns = csv.header.split(',');
  for (const series of ['target', ...MODELS]) {
    const rows = view.rows.filter((row) => row[0] === series);
    const lastIncluded = (EVALUATION_POINTS - 1) % stride === 0;
    const expectedRows = Math.ceil(EVALUATION_POINTS / stride) + (lastIncluded ? 0 : 1);
    assert.equal(rows.length, expectedRows, `${series} rows`);
    rows.forEach(([, x, y], k) => {
      const index = Math.min(k * stride, EVALUATION_POINTS - 1);
      const cells = csv.rows[index];
      assertClose(Number(x), Number(cells[0]), `${series} x at grid point ${index}`);
      const column = columns.indexOf(series);
      assertClose(Number(y), Number(cells[column]), `${series} y at grid point ${index}`);
    });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('exports wait for run data', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  for (const id of ['fit-download-loss', 'fit-download-predictions', 'fit-download-json']) {
    assert.equal(await page.locator(`#${id}`).isDisabled(), true, `${id} before a run`);
  }
  // The fit chart shows the target before a run, which is no data of a run.
  for (const id of ['loss-chart-png', 'fit-chart-png']) {
    assert.equal(await page.getByTestId(id).isDisabled(), true, `${id} before a run`);
  }

  await fillSettings(page, { epochs: 200000 });
  await page.click('#train');
  await page.waitForFunction(
    () => Number(document.querySelector('#loss-chart').dataset.modelPoints) > 30,
  );
  await page.click('#stop');
  await waitForStatus(page, ['stopped'], 5000);
  await page.waitForTimeout(300);
  for (const id of ['fit-download-loss', 'fit-download-predictions', 'fit-download-json']) {
    assert.equal(await page.locator(`#${id}`).isEnabled(), true, `${id} after Stop`);
  }
  for (const id of ['loss-chart-png', 'fit-chart-png']) {
    assert.equal(await page.getByTestId(id).isEnabled(), true, `${id} after Stop`);
  }

  // A stopped run's CSV has exactly the points its loss chart draws.
  const loss = await downloadText(page, '#fit-download-loss');
  const charted = Number((await canvasData(page, 'loss-chart')).modelPoints);
  assert.equal(parseCsv(loss.text).rows.length, charted);
  assert.deepEqual(problems, []);
  await context.close();
});

test('PNG is the canvas at 2x', async () => {
  const { context, page, problems } = await openPage(browser, server.url, {
    deviceScaleFactor: 2,
  });
  await trainFit(page);
  await page.waitForTimeout(300);
  for (const [canvasId, filename] of [
    ['loss-chart', 'fit-loss.png'],
    ['fit-chart', 'fit-predictions.png'],
  ]) {
    const { name, bytes } = await download(page, `[data-testid="${canvasId}-png"]`);
    assert.equal(name, filename);
    const header = readPngHeader(bytes);
    assert.equal(header.signature, true, `${filename} has no PNG signature`);
    assert.equal(header.chunkType, 'IHDR');
    const size = await canvasSizes(page, canvasId);
    assert.equal(header.width, size.width, `${filename} width`);
    assert.equal(header.height, size.height, `${filename} height`);
    assert.ok(Math.abs(header.width - 2 * size.cssWidth) <= 2, `${filename} is not at 2x`);
    const { colourType, pixel } = firstPixel(bytes);
    assert.ok([2, 6].includes(colourType), `${filename} colour type ${colourType}`);
    assert.deepEqual(pixel.slice(0, 3), [255, 255, 255], `${filename} corner is not white`);
    if (colourType === 6) {
      assert.equal(pixel[3], 255, `${filename} corner is transparent`);
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('fit JSON has config and summary', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  await trainFit(page);
  const { name, text } = await downloadText(page, '#fit-download-json');
  assert.equal(name, 'fit.json');
  const record = JSON.parse(text);
  assert.equal(record.experiment, 'fit');
  assert.ok(!Number.isNaN(Date.parse(record.created)), `created is ${record.created}`);
  assert.equal(record.config.epochs, FIT_EPOCHS);
  assert.equal(record.config.seed, 1);
  assert.equal(record.seed, 1);
  assert.equal(record.config.engine, await page.inputValue('#engine'));
  assert.equal(record.config.function, 'silu');
  assert.deepEqual(
    record.summary.models.map((model) => model.name),
    MODELS,
  );
  for (const model of record.summary.models) {
    const finalLoss = await page.getByTestId(`final-loss-${model.name}`).getAttribute('data-value');
    assert.equal(model.final_loss, Number(finalLoss), `${model.name} final_loss`);
    const parameters = await page.getByTestId(`parameters-${model.name}`).textContent();
    assert.equal(model.parameters, Number(parameters.replaceAll(',', '')));
    assert.equal(model.epochs_run, FIT_EPOCHS);
    assert.deepEqual(model.status, { state: 'done' });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('MNIST exports match results table', async () => {
  const { context, page, problems } = await openMnist(browser, server.url);
  await fillSettings(page, { 'mnist-epochs': 1, 'mnist-batch-size': 128 });
  await page.click('#mnist-train');
  await waitForMnistStatus(page, ['done'], 180_000);
  await page.waitForFunction(
    () => document.querySelector('#mnist-inspection').dataset.state === 'shown',
    null,
    { timeout: 30_000 },
  );

  const epochs = await downloadText(page, '#mnist-download-epochs');
  assert.equal(epochs.name, 'epochs.csv');
  const epochsCsv = parseCsv(epochs.text);
  assert.equal(epochsCsv.header, EPOCHS_HEADER);
  assert.deepEqual(
    epochsCsv.rows.map((row) => `${row[0]} ${row[1]}`),
    MNIST_MODELS.map((model) => `1 ${model}`),
  );
  for (const [, model, trainLoss, , accuracy] of epochsCsv.rows) {
    const best = page.getByTestId(`mnist-best-accuracy-${model}`);
    assert.equal(Number(accuracy), Number(await best.getAttribute('data-value')), model);
    const final = page.getByTestId(`mnist-final-loss-${model}`);
    assert.equal(Number(trainLoss), Number(await final.getAttribute('data-value')), model);
  }

  const confusion = await downloadText(page, '#mnist-download-confusion');
  assert.equal(confusion.name, 'confusion.csv');
  const confusionCsv = parseCsv(confusion.text);
  assert.equal(confusionCsv.header, CONFUSION_HEADER);
  assert.equal(confusionCsv.rows.length, 10);
  const total = confusionCsv.rows.flatMap((row) => row.slice(1)).reduce((a, b) => a + Number(b), 0);
  const shownTotal = await page.locator('#mnist-confusion').getAttribute('data-total');
  assert.equal(total, Number(shownTotal));

  const digits = await download(page, '[data-testid="mnist-digit-grid-png"]');
  assert.equal(digits.name, 'mnist-digits.png');
  const digitsHeader = readPngHeader(digits.bytes);
  const grid = await canvasSizes(page, 'mnist-digit-grid');
  assert.equal(digitsHeader.width, grid.width);
  assert.equal(digitsHeader.height, grid.height);

  const json = await downloadText(page, '#mnist-download-json');
  assert.equal(json.name, 'mnist.json');
  const record = JSON.parse(json.text);
  assert.equal(record.experiment, 'mnist');
  assert.equal(record.config.epochs, 1);
  assert.equal(record.config.batch_size, 128);
  assert.equal(record.config.seed, 1);
  assert.ok(record.config.engine, 'config has no engine');
  const inspected = await page.locator('#mnist-inspection').getAttribute('data-model');
  assert.equal(record.summary.best_model, inspected);
  assert.deepEqual(
    record.summary.models.map((model) => model.name),
    MNIST_MODELS,
  );
  assert.equal(record.summary.digits.source, 'default');
  assert.deepEqual(problems, []);
  await context.close();
});

test('gradient norm JSON and PNG', async () => {
  const { context, page, problems } = await openOptimization(browser, server.url);
  await page.fill('#gradnorm-epochs', '200');
  await page.click('#gradnorm-train');
  await waitForSectionStatus(page, 'gradnorm', ['done'], 60_000);

  const csv = parseCsv((await downloadText(page, '#gradnorm-download')).text);
  const json = await downloadText(page, '#gradnorm-download-json');
  assert.equal(json.name, 'gradnorm.json');
  const record = JSON.parse(json.text);
  assert.equal(record.experiment, 'gradnorm');
  assert.equal(record.config.epochs, 200);
  assert.equal(record.summary.steps_run, csv.rows.length);
  assert.deepEqual(record.summary.status, { state: 'done' });
  const lastLoss = Number(csv.rows.at(-1)[1]);
  assert.equal(record.summary.final_loss, lastLoss);

  const png = await download(page, '[data-testid="gradnorm-loss-chart-png"]');
  assert.equal(png.name, 'gradnorm-loss.png');
  assert.equal(readPngHeader(png.bytes).signature, true);
  assert.deepEqual(problems, []);
  await context.close();
});
