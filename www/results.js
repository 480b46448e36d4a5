// The results table, the progress bar with its counters, and the status line.

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

// Rates are measured over the last few seconds, so a change of speed shows soon.
const RATE_WINDOW_MS = 3000;

export function formatInteger(value) {
  return integerFormat.format(value);
}

/** Formats a rate: whole from 10 up, else with two significant digits, such as "0.24". */
export function formatRate(value) {
  return value >= 10 ? formatInteger(value) : String(Number(value.toPrecision(2)));
}

export function formatLoss(value) {
  return value === null || value === undefined ? '–' : value.toExponential(3);
}

/** Formats a fraction in [0, 1] as a percentage with one decimal, such as "97.4%". */
export function formatPercent(value) {
  return value === null || value === undefined ? '–' : `${(100 * value).toFixed(1)}%`;
}

export function expectedSteps(config) {
  const stepsPerEpoch = config.batch_size > 0 ? Math.ceil(config.points / config.batch_size) : 1;
  return config.epochs * stepsPerEpoch;
}

export function sumOf(models, key) {
  return models.reduce((sum, model) => sum + model[key], 0);
}

/** Joins names as "a", "a and b" or "a, b and c". */
export function listNames(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
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

/** Steps or images per second over the last RATE_WINDOW_MS, from (time, running total) samples. */
export class RateMeter {
  constructor() {
    this.samples = [];
  }

  add(timeMs, total) {
    this.samples.push({ timeMs, total });
    while (this.samples.length > 2 && this.samples[1].timeMs < timeMs - RATE_WINDOW_MS) {
      this.samples.shift();
    }
  }

  /** Returns the rate per second, or null until two samples at least 100 ms apart exist. */
  rate() {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || last.timeMs - first.timeMs < 100) {
      return null;
    }
    return ((last.total - first.total) * 1000) / (last.timeMs - first.timeMs);
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

export function cell(tag, testId, className) {
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
export function setNumber(element, value, format) {
  element.textContent = format(value);
  element.dataset.value = value === null ? '' : String(value);
}

export class ProgressView {
  /** Finds #progress, #step-counter, #rate, #eta and #status, each id after `prefix`. */
  constructor(root, prefix = '') {
    this.bar = root.querySelector(`#${prefix}progress`);
    this.counter = root.querySelector(`#${prefix}step-counter`);
    this.rate = root.querySelector(`#${prefix}rate`);
    this.eta = root.querySelector(`#${prefix}eta`);
    this.status = root.querySelector(`#${prefix}status`);
  }

  /** Shows steps done out of `steps`, the rate, and an estimate of the time left. */
  renderSteps(step, steps, rate, running) {
    const known = running && rate !== null && rate > 0;
    const rateText = known ? `${formatRate(rate)} steps/s` : '– steps/s';
    this.renderCounters(step, steps, rateText, known ? (steps - step) / rate : null);
  }

  /**
   * Shows steps done out of `steps`, `rateText`, and `etaSeconds` unless it is null. `unit`
   * names what is counted.
   */
  renderCounters(step, steps, rateText, etaSeconds, unit = 'steps') {
    this.bar.max = Math.max(steps, 1);
    this.bar.value = step;
    this.counter.textContent = `${formatInteger(step)} / ${formatInteger(steps)} ${unit}`;
    this.counter.dataset.step = String(step);
    this.counter.dataset.steps = String(steps);
    this.rate.textContent = rateText;
    this.eta.textContent = etaSeconds === null ? 'ETA –' : `ETA ${formatDuration(etaSeconds)}`;
  }

  renderStatus(text, state) {
    // #status is a live region, and rewriting the same text can make screen readers repeat it.
    if (this.status.textContent !== text) {
      this.status.textContent = text;
    }
    this.status.dataset.state = state;
  }
}
