// The results table, the progress bar with its counters, and the status line.

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

// Rates are measured over the last few seconds, so a change of speed shows soon.
const RATE_WINDOW_MS = 3000;

export function formatInteger(value) {
  return integerFormat.format(value);
}

export function formatLoss(value) {
  return value === null || value === undefined ? '–' : value.toExponential(3);
}

/** Formats seconds as "12s", "3m05s" or "1h02m". */
export function formatDuration(seconds) {
  const whole = Math.round(seconds);
  if (whole < 60) {
    return `${whole}s`;
  }
  if (whole < 3600) {
    return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/** Steps per second over the last RATE_WINDOW_MS, from (time, total steps) samples. */
export class RateMeter {
  constructor() {
    this.samples = [];
  }

  add(timeMs, steps) {
    this.samples.push({ timeMs, steps });
    while (this.samples.length > 2 && this.samples[1].timeMs < timeMs - RATE_WINDOW_MS) {
      this.samples.shift();
    }
  }

  /** Returns steps per second, or null until two samples at least 100 ms apart exist. */
  rate() {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || last.timeMs - first.timeMs < 100) {
      return null;
    }
    return ((last.steps - first.steps) * 1000) / (last.timeMs - first.timeMs);
  }
}

/** Returns the text of a model's status cell. */
export function modelStatusText(model) {
  switch (model.state) {
    case 'idle':
      return 'not started';
    case 'diverged':
      return `diverged at epoch ${formatInteger(model.divergedEpoch)}`;
    case 'error':
      return 'failed';
    default:
      return model.state;
  }
}

function cell(tag, testId, className) {
  const element = document.createElement(tag);
  element.dataset.testid = testId;
  if (className) {
    element.className = className;
  }
  return element;
}

export class ResultsView {
  /** Creates a table row for each model of the catalog. */
  constructor(tableBody, models) {
    this.cells = new Map();
    for (const model of models) {
      const row = document.createElement('tr');
      row.dataset.model = model.name;
      const name = cell('th', `name-${model.name}`);
      name.scope = 'row';
      name.textContent = model.name;
      const widths = cell('td', `widths-${model.name}`, 'widths');
      widths.textContent = model.widths.join('-');
      const parameters = cell('td', `parameters-${model.name}`, 'number');
      parameters.textContent = formatInteger(model.parameters);
      const finalLoss = cell('td', `final-loss-${model.name}`, 'number');
      const bestLoss = cell('td', `best-loss-${model.name}`, 'number');
      const status = cell('td', `status-${model.name}`, 'model-status');
      row.append(name, widths, parameters, finalLoss, bestLoss, status);
      tableBody.append(row);
      this.cells.set(model.name, { finalLoss, bestLoss, status });
    }
  }

  renderModels(models) {
    for (const model of models) {
      const { finalLoss, bestLoss, status } = this.cells.get(model.name);
      setNumber(finalLoss, model.loss, formatLoss);
      setNumber(bestLoss, model.bestLoss, formatLoss);
      status.textContent = modelStatusText(model);
      status.dataset.state = model.state;
      status.title = model.message ?? '';
    }
  }
}

/** Shows `value` formatted, and keeps the raw number in data-value for tests. */
function setNumber(element, value, format) {
  element.textContent = format(value);
  element.dataset.value = value === null ? '' : String(value);
}

export class ProgressView {
  constructor(root) {
    this.bar = root.querySelector('#progress');
    this.counter = root.querySelector('#step-counter');
    this.rate = root.querySelector('#rate');
    this.eta = root.querySelector('#eta');
    this.status = root.querySelector('#status');
  }

  /** Shows steps done out of `steps`, the rate, and an estimate of the time left. */
  renderSteps(step, steps, rate, running) {
    this.bar.max = Math.max(steps, 1);
    this.bar.value = step;
    this.counter.textContent = `${formatInteger(step)} / ${formatInteger(steps)} steps`;
    this.counter.dataset.step = String(step);
    this.counter.dataset.steps = String(steps);
    const known = running && rate !== null && rate > 0;
    this.rate.textContent = known ? `${formatInteger(rate)} steps/s` : '– steps/s';
    this.eta.textContent = known ? `ETA ${formatDuration((steps - step) / rate)}` : 'ETA –';
  }

  renderStatus(text, state) {
    // #status is a live region, and rewriting the same text can make screen readers repeat it.
    if (this.status.textContent !== text) {
      this.status.textContent = text;
    }
    this.status.dataset.state = state;
  }
}
