// Views of the MNIST page besides the charts: the results table, and for the most accurate
// model a grid of test digits with its predictions and its confusion matrix.

import { watchPixelRatio } from './charts.js';
import { savePng } from './export.js';
import { cell, formatInteger, formatPercent, setNumber } from './results.js';

/** Test digits shown in the grid, at most. */
export const DIGIT_GRID_COUNT = 64;

/** Returns the text of an MNIST model's status cell. */
function statusText(model) {
  switch (model.state) {
    case 'idle':
      return 'not started';
    case 'diverged':
      return `diverged at step ${formatInteger(model.divergedStep)}`;
    case 'error':
      return 'failed';
    default:
      return model.state;
  }
}

function formatRate(value) {
  return value === null ? '–' : formatInteger(value);
}

/** Formats a cross-entropy with 3 significant digits, such as "0.0814" or "2.30". */
function formatCrossEntropy(value) {
  return value === null || value === undefined ? '–' : value.toPrecision(3);
}

export class MnistResultsView {
  /** Creates a table row for each model of the catalog. */
  constructor(tableBody, models) {
    this.cells = new Map();
    for (const model of models) {
      const row = document.createElement('tr');
      row.dataset.model = model.name;
      const name = cell('th', `mnist-name-${model.name}`);
      name.scope = 'row';
      name.textContent = model.name;
      const layers = cell('td', `mnist-layers-${model.name}`, 'widths');
      layers.textContent = model.layers;
      const parameters = cell('td', `mnist-parameters-${model.name}`, 'number');
      setNumber(parameters, model.parameters, formatInteger);
      const accuracy = cell('td', `mnist-best-accuracy-${model.name}`, 'number');
      const finalLoss = cell('td', `mnist-final-loss-${model.name}`, 'number');
      const rate = cell('td', `mnist-rate-${model.name}`, 'number');
      const status = cell('td', `mnist-status-${model.name}`, 'model-status');
      row.append(name, layers, parameters, accuracy, finalLoss, rate, status);
      tableBody.append(row);
      this.cells.set(model.name, { accuracy, finalLoss, rate, status });
    }
  }

  renderModels(models) {
    for (const model of models) {
      const { accuracy, finalLoss, rate, status } = this.cells.get(model.name);
      setNumber(accuracy, model.bestAccuracy, formatPercent);
      setNumber(finalLoss, model.finalLoss, formatCrossEntropy);
      setNumber(rate, model.imageRate === null ? null : Math.round(model.imageRate), formatRate);
      status.textContent = statusText(model);
      status.dataset.state = model.state;
      status.title = model.message ?? '';
    }
  }
}

// The digit grid's layout in CSS pixels. A digit is drawn at 2 CSS pixels per image pixel, so
// at device pixel ratios 1, 1.5, 2 and 3 every image pixel covers whole device pixels.
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const COLUMNS = 8;
const DIGIT_SIZE = 2 * SIDE;
const CELL_WIDTH = 72;
// Each cell has room for two lines under its digit: the predicted class, and for a mistake
// the true class. On one line, two neighbouring mistakes' captions ran together.
const CELL_HEIGHT = 100;
const DIGIT_TOP = 4;
const LABEL_BASELINE = DIGIT_TOP + DIGIT_SIZE + 18;
const TRUE_CLASS_BASELINE = LABEL_BASELINE + 15;
const MISTAKE_COLOUR = '#b42318';

/** Returns an ImageData of one digit, ink dark on a light background. */
function digitImage(images, index) {
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < PIXELS; i += 1) {
    const grey = 255 - images[index * PIXELS + i];
    image.data.set([grey, grey, grey, 255], 4 * i);
  }
  return image;
}

/**
 * Draws the first `count` digits of `details` in rows of 8, each with its predicted class
 * below it. A mistake gets a red frame and its true class on a second line. Sizes the canvas
 * for the current device pixel ratio and returns the indices of the mistakes.
 */
export function drawDigitGrid(canvas, details, count) {
  const ratio = window.devicePixelRatio;
  const rows = Math.ceil(count / COLUMNS);
  // The CSS height follows from the width and the canvas's aspect ratio, so a narrow screen
  // scales the grid down without distorting it.
  canvas.style.width = `${COLUMNS * CELL_WIDTH}px`;
  canvas.width = Math.round(COLUMNS * CELL_WIDTH * ratio);
  canvas.height = Math.round(rows * CELL_HEIGHT * ratio);
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.fillStyle = '#fff';
  context.fillRect(0, 0, COLUMNS * CELL_WIDTH, rows * CELL_HEIGHT);
  context.imageSmoothingEnabled = false;
  context.textAlign = 'center';

  // putImageData ignores the transform, so each digit goes through a 28x28 canvas and is
  // scaled by drawImage without smoothing.
  const scratch = new OffscreenCanvas(SIDE, SIDE);
  const scratchContext = scratch.getContext('2d');
  const mistakes = [];
  for (let index = 0; index < count; index += 1) {
    scratchContext.putImageData(digitImage(details.images, index), 0, 0);
    const x = (index % COLUMNS) * CELL_WIDTH + (CELL_WIDTH - DIGIT_SIZE) / 2;
    const y = Math.floor(index / COLUMNS) * CELL_HEIGHT + DIGIT_TOP;
    context.drawImage(scratch, x, y, DIGIT_SIZE, DIGIT_SIZE);
    const predicted = details.predictions[index];
    const actual = details.labels[index];
    if (predicted !== actual) {
      mistakes.push(index);
    }
    drawDigitLabel(context, x, y, predicted, actual);
  }
  return mistakes;
}

function drawDigitLabel(context, x, y, predicted, actual) {
  const wrong = predicted !== actual;
  context.lineWidth = wrong ? 2 : 1;
  context.strokeStyle = wrong ? MISTAKE_COLOUR : '#d1d9e0';
  const inset = context.lineWidth / 2;
  context.strokeRect(x - inset, y - inset, DIGIT_SIZE + 2 * inset, DIGIT_SIZE + 2 * inset);
  context.fillStyle = wrong ? MISTAKE_COLOUR : '#1f2328';
  context.font = wrong ? '600 14px system-ui, sans-serif' : '14px system-ui, sans-serif';
  const centre = x + DIGIT_SIZE / 2;
  context.fillText(String(predicted), centre, y - DIGIT_TOP + LABEL_BASELINE);
  if (wrong) {
    context.font = '600 12px system-ui, sans-serif';
    context.fillText(`true ${actual}`, centre, y - DIGIT_TOP + TRUE_CLASS_BASELINE);
  }
}

/** Returns the caption of the digit grid: what it shows and which digits are mistakes. */
export function digitGridCaption(modelName, count, mistakes, details) {
  const lead =
    `The first ${formatInteger(count)} test digits with ${modelName}'s predicted class ` +
    'below each.';
  if (mistakes.length === 0) {
    return `${lead} All ${formatInteger(count)} are correct.`;
  }
  const listed = mistakes.map(
    (index) =>
      `${index + 1} (true ${details.labels[index]}, predicted ${details.predictions[index]})`,
  );
  const noun = mistakes.length === 1 ? 'mistake' : 'mistakes';
  const where = mistakes.length === 1 ? 'at position' : 'at positions';
  return (
    `${lead} ${formatInteger(mistakes.length)} ${noun}, framed in red with the true class, ` +
    `${where} ${listed.join(', ')}, counting row by row from 1.`
  );
}

function headerCell(text, scope, label) {
  const th = document.createElement('th');
  th.scope = scope;
  th.textContent = text;
  if (label) {
    th.setAttribute('aria-label', label);
  }
  return th;
}

/**
 * Returns a cell's background. A diagonal cell is green, darker as more of its row is
 * correct. Another cell is red, darker as its count nears the largest mistake count.
 */
function cellShade(count, rowTotal, maxMistakes, diagonal) {
  if (diagonal) {
    const share = rowTotal > 0 ? count / rowTotal : 0;
    return `rgba(26, 127, 55, ${(0.12 + 0.5 * share).toFixed(3)})`;
  }
  if (count === 0) {
    return '';
  }
  return `rgba(180, 35, 24, ${(0.1 + 0.5 * Math.sqrt(count / maxMistakes)).toFixed(3)})`;
}

/** Fills `table` with `matrix[true][predicted]`, keeping its caption. */
export function renderConfusion(table, matrix) {
  for (const section of table.querySelectorAll('thead, tbody')) {
    section.remove();
  }
  const head = table.createTHead();
  const headRow = head.insertRow();
  headRow.append(headerCell('true \\ predicted', 'col'));
  matrix.forEach((_, predicted) => {
    headRow.append(headerCell(String(predicted), 'col', `predicted ${predicted}`));
  });
  const offDiagonal = matrix.flatMap((row, t) => row.filter((_, p) => p !== t));
  const maxMistakes = Math.max(1, ...offDiagonal);
  const body = table.createTBody();
  let total = 0;
  matrix.forEach((row, actual) => {
    const tableRow = body.insertRow();
    tableRow.append(headerCell(String(actual), 'row', `true ${actual}`));
    const rowTotal = row.reduce((sum, count) => sum + count, 0);
    row.forEach((count, predicted) => {
      tableRow.append(confusionCell(count, actual, predicted, rowTotal, maxMistakes));
      total += count;
    });
  });
  table.dataset.total = String(total);
}

function confusionCell(count, actual, predicted, rowTotal, maxMistakes) {
  const td = document.createElement('td');
  const diagonal = actual === predicted;
  td.className = diagonal ? 'number diagonal' : 'number';
  td.textContent = formatInteger(count);
  td.dataset.count = String(count);
  td.dataset.true = String(actual);
  td.dataset.predicted = String(predicted);
  td.title = `true ${actual}, predicted ${predicted}: ${formatInteger(count)} digits`;
  td.style.backgroundColor = cellShade(count, rowTotal, maxMistakes, diagonal);
  if (count === 0) {
    td.classList.add('zero');
  }
  return td;
}

/**
 * The section below the table: a note on what it shows, the digit grid and the confusion
 * matrix of the most accurate model. The grid is redrawn when the device pixel ratio changes.
 */
export class InspectionView {
  constructor(root) {
    this.section = root.querySelector('#mnist-inspection');
    this.heading = root.querySelector('#mnist-inspection-heading');
    this.note = root.querySelector('#mnist-inspection-note');
    this.body = root.querySelector('#mnist-inspection-body');
    this.canvas = root.querySelector('#mnist-digit-grid');
    this.caption = root.querySelector('#mnist-digit-caption');
    this.table = root.querySelector('#mnist-confusion');
    this.tableCaption = root.querySelector('#mnist-confusion-caption');
    this.displayed = null;
    this.addPngButton();
    watchPixelRatio(() => this.redraw());
  }

  /** Adds a button under the digit grid's caption that saves the grid as mnist-digits.png. */
  addPngButton() {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary chart-png';
    button.dataset.testid = 'mnist-digit-grid-png';
    const hidden = (text) => {
      const span = document.createElement('span');
      span.className = 'visually-hidden';
      span.textContent = text;
      return span;
    };
    button.append(hidden('Download '), 'PNG', hidden(' of the test digits'));
    button.addEventListener('click', () => {
      savePng(this.canvas, 'mnist-digits.png').catch((error) => {
        console.error(`Saving mnist-digits.png failed: ${error.message}`);
      });
    });
    this.caption.after(button);
  }

  clear() {
    this.section.hidden = true;
    this.body.hidden = true;
    this.section.dataset.state = 'empty';
    this.displayed = null;
  }

  /** Shows `text` alone, while details are on their way or when there are none. */
  showNote(heading, text, state) {
    this.section.hidden = false;
    this.body.hidden = true;
    this.section.dataset.state = state;
    this.heading.textContent = heading;
    this.note.textContent = text;
    this.displayed = null;
  }

  /** Shows the digits and the confusion matrix in `details` of model `name`. */
  showDetails(name, details, note) {
    this.section.hidden = false;
    this.body.hidden = false;
    this.section.dataset.state = 'shown';
    this.section.dataset.model = name;
    this.heading.textContent = `Test digits of ${name}`;
    this.note.textContent = note;
    this.displayed = { name, details };
    this.redraw();
    const testCount = details.labels.length;
    this.tableCaption.textContent =
      `Confusion matrix of ${name} on the ${formatInteger(testCount)} test digits: rows are ` +
      'true classes, columns predicted classes. Green cells on the diagonal are correct, red ' +
      'cells are mistakes; the darker the cell, the more digits.';
    renderConfusion(this.table, details.confusion);
  }

  redraw() {
    if (!this.displayed) {
      return;
    }
    const { name, details } = this.displayed;
    const count = Math.min(DIGIT_GRID_COUNT, details.images.length / PIXELS);
    const mistakes = drawDigitGrid(this.canvas, details, count);
    this.canvas.dataset.digits = String(count);
    this.canvas.dataset.mistakes = String(mistakes.length);
    this.caption.textContent = digitGridCaption(name, count, mistakes, details);
  }
}
