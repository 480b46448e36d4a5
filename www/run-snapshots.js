// Adapters between live runs and saved records for the fit, MNIST and optimization
// experiments. Each adapter turns a live run into plain `series` (what the charts are drawn
// from) and `summary` (the table's numbers), and checks both when they are read back. It
// rebuilds a run object that the experiment's own page draws with its live drawing code, and
// builds the chart that overlays several saved runs. run-snapshots-generalization.js has the
// adapters of the generalization experiments.

import { envelope } from './gradnorm-section.js';
import {
  arrayOf,
  boolean,
  count,
  countOrNull,
  finite,
  finiteOrNull,
  nullable,
  oneOf,
  shape,
  text,
  textOrNull,
  tuple,
} from './record-schema.js';
import { formatInteger, formatLoss, formatPercent } from './results.js';

// Points kept per stored curve. Longer curves are thinned to evenly spaced points.
export const MAX_STORED_POINTS = 2000;

// A saved minimal-ratio run keeps the Hessian eigenvalues of at most this many finished runs,
// 97 each for the default network. The other runs keep their eigenvalue counts and ratios.
const MAX_STORED_SPECTRA = 128;

/** Returns `items` thinned to at most `max` evenly spaced ones, the first and last kept. */
export function decimate(items, max = MAX_STORED_POINTS) {
  if (items.length <= max) {
    return items.slice();
  }
  const thinned = [];
  const last = items.length - 1;
  for (let i = 0; i < max; i += 1) {
    thinned.push(items[Math.round((i * last) / (max - 1))]);
  }
  return thinned;
}

/** Returns `value` when it is a finite number, else null, which IndexedDB and JSON keep. */
export function finiteValue(value) {
  return Number.isFinite(value) ? value : null;
}

/** A stored [x, y] point whose y may be null, as a gap in the curve. */
export const pointWithGap = tuple([finite, finiteOrNull]);

function storedPoints(points) {
  return decimate(points).map(([x, y]) => [x, finiteValue(y)]);
}

/**
 * Names a saved run in a comparison legend by its letter and seed, such as "A, seed 1". The
 * legend cuts names after 12 characters, so the chart's caption gives each letter's start time.
 */
export function runLabel(record) {
  const seed = record.config.seed === undefined ? '' : `, seed ${record.config.seed}`;
  return `${record.letter}${seed}`;
}

/** Names one curve of a saved run in a comparison legend, such as "A deep" or "B test". */
export function partLabel(record, part) {
  return `${record.letter} ${part}`;
}

/**
 * Returns the state a restored model or run item shows. A record interrupted mid-run keeps
 * states such as running, which end as stopped, and queued ones as skipped.
 */
export function endedState(state, { queued = 'skipped' } = {}) {
  if (state === 'queued' || state === 'idle') {
    return queued;
  }
  const ended = ['done', 'stopped', 'diverged', 'error', 'skipped'];
  return ended.includes(state) ? state : 'stopped';
}

/** Returns a run phase from the states of its models or items, as finishRun decides it. */
export function endedPhase(states) {
  if (states.every((state) => state === 'error')) {
    return 'failed';
  }
  if (states.some((state) => state === 'stopped' || state === 'skipped')) {
    return 'stopped';
  }
  return 'done';
}

/** Throws with the wasm module's first complaint when `config` is no longer valid. */
export function requireValidConfig(problemsJson) {
  const problems = JSON.parse(problemsJson);
  if (problems.length > 0) {
    const { field, message } = problems[0];
    throw new Error(`its setting ${field} is invalid (${message})`);
  }
}

/** Throws unless the saved run has as many models or runs as the page builds. */
export function requireCount(saved, expected, noun) {
  if (saved !== expected) {
    throw new Error(`it has ${saved} ${noun}, where this page has ${expected}`);
  }
}

function lineChart(title, xLabel, yLabel, logY, series, extra = {}) {
  return { title, x_label: xLabel, y_label: yLabel, log_y: logY, series, ...extra };
}

const fitModelSummary = shape({
  name: text(),
  state: text(40),
  epoch: count,
  epochs: count,
  step: count,
  steps: count,
  loss: finiteOrNull,
  bestLoss: finiteOrNull,
  divergedEpoch: countOrNull,
  message: textOrNull(),
});

const fitModelSeries = shape({
  name: text(),
  lossPoints: arrayOf(pointWithGap, MAX_STORED_POINTS),
  predictions: nullable(arrayOf(finiteOrNull, 100_000)),
});

/** Returns one line series per model of every record, labelled by run and model, from `key`. */
function perModelSeries(records, key) {
  return records.flatMap((record) =>
    record.series.models.map((model) => ({
      name: partLabel(record, model.name),
      points: model[key],
    })),
  );
}

/** Finds the saved entry of model `name`, or throws when the record lacks it. */
function savedModel(entries, name) {
  const entry = entries.find((candidate) => candidate.name === name);
  if (!entry) {
    throw new Error(`it has no model named ${name}`);
  }
  return entry;
}

const fit = {
  experiment: 'fit',
  title: 'Deep vs shallow',

  snapshot(page, run) {
    const series = run.models.map((model) => ({
      name: model.name,
      lossPoints: storedPoints(model.lossPoints),
      predictions: model.predictions ? Array.from(model.predictions, finiteValue) : null,
    }));
    const summary = run.models.map((model) => ({
      name: model.name,
      state: model.state,
      epoch: model.epoch,
      epochs: model.epochs,
      step: model.step,
      steps: model.steps,
      loss: finiteValue(model.loss),
      bestLoss: finiteValue(model.bestLoss),
      divergedEpoch: model.divergedEpoch,
      message: model.message,
    }));
    return { series: { models: series }, summary: { models: summary }, reduced: null };
  },

  valid(record) {
    return (
      shape({ models: arrayOf(fitModelSeries, 20) })(record.series) &&
      shape({ models: arrayOf(fitModelSummary, 20) })(record.summary)
    );
  },

  restore(page, record) {
    requireValidConfig(page.bindings.validateFitConfig(JSON.stringify(record.config)));
    const run = page.createRun(page.run.id + 1, record.config, 'done');
    for (const model of run.models) {
      const saved = savedModel(record.summary.models, model.name);
      const { lossPoints, predictions } = savedModel(record.series.models, model.name);
      Object.assign(model, saved, { state: endedState(saved.state), lossPoints, predictions });
    }
    run.phase = endedPhase(run.models.map((model) => model.state));
    return run;
  },

  keyFigure(record) {
    const ended = record.summary.models.filter((model) => model.loss !== null);
    if (ended.length === 0) {
      return 'no loss yet';
    }
    const lowest = ended.reduce((best, model) => (model.loss < best.loss ? model : best));
    return `lowest final loss ${formatLoss(lowest.loss)} (${lowest.name})`;
  },

  comparison(records) {
    const series = perModelSeries(records, 'lossPoints');
    const title = 'Training loss of the saved runs';
    const chart = lineChart(title, 'epoch', 'MSE loss (log scale)', true, series);
    return { kind: 'line', chart };
  },
};

const mnistModelSummary = shape({
  name: text(),
  state: text(40),
  epoch: count,
  epochs: count,
  step: count,
  steps: count,
  images: count,
  bestAccuracy: finiteOrNull,
  finalLoss: finiteOrNull,
  imageRate: finiteOrNull,
  divergedStep: countOrNull,
  message: textOrNull(),
});

const mnistModelSeries = shape({
  name: text(),
  lossPoints: arrayOf(pointWithGap, MAX_STORED_POINTS),
  accuracyPoints: arrayOf(pointWithGap, MAX_STORED_POINTS),
});

const mnist = {
  experiment: 'mnist',
  title: 'MNIST CNNs',

  snapshot(page, run) {
    const series = run.models.map((model) => ({
      name: model.name,
      lossPoints: storedPoints(model.lossPoints),
      accuracyPoints: storedPoints(model.accuracyPoints),
    }));
    const summary = run.models.map((model) => ({
      name: model.name,
      state: model.state,
      epoch: model.epoch,
      epochs: model.epochs,
      step: model.step,
      steps: model.steps,
      images: model.images,
      bestAccuracy: finiteValue(model.bestAccuracy),
      finalLoss: finiteValue(model.finalLoss),
      imageRate: finiteValue(model.imageRate),
      divergedStep: model.divergedStep,
      message: model.message,
    }));
    const elapsedMs = (run.finishedAt ?? performance.now()) - run.startedAt;
    return {
      series: { models: series },
      summary: { models: summary, counts: run.counts, elapsedMs },
      reduced: null,
    };
  },

  valid(record) {
    const counts = nullable(shape({ train: count, test: count }));
    return (
      shape({ models: arrayOf(mnistModelSeries, 20) })(record.series) &&
      shape({ models: arrayOf(mnistModelSummary, 20), counts, elapsedMs: finite })(
        record.summary,
      )
    );
  },

  restore(page, record) {
    requireValidConfig(page.bindings.validateMnistConfig(JSON.stringify(record.config)));
    const run = page.createRun(page.run.id + 1, record.config, 'done');
    for (const model of run.models) {
      const saved = savedModel(record.summary.models, model.name);
      const { lossPoints, accuracyPoints } = savedModel(record.series.models, model.name);
      Object.assign(model, saved, {
        state: endedState(saved.state),
        ended: true,
        lossPoints,
        accuracyPoints,
      });
    }
    run.counts = record.summary.counts;
    run.finishedAt = run.startedAt + Math.max(0, record.summary.elapsedMs);
    run.phase = endedPhase(run.models.map((model) => model.state));
    page.inspection.showNote(
      'Test digits',
      'Saved runs keep the curves and the table, not the test digits or the confusion ' +
        'matrix. Train again to see them.',
      'none',
    );
    return run;
  },

  keyFigure(record) {
    const tested = record.summary.models.filter((model) => model.bestAccuracy !== null);
    if (tested.length === 0) {
      return 'no epoch tested';
    }
    const best = tested.reduce((a, b) => (b.bestAccuracy > a.bestAccuracy ? b : a));
    return `best test accuracy ${formatPercent(best.bestAccuracy)} (${best.name})`;
  },

  comparison(records) {
    const series = perModelSeries(records, 'accuracyPoints');
    const title = 'Test accuracy of the saved runs';
    const chart = lineChart(title, 'epoch', 'test accuracy (%)', false, series, {
      y_limits: [0, 100],
    });
    return { kind: 'line', chart };
  },
};

const projectedPoint = shape({
  run: count,
  epoch: count,
  loss: finite,
  pc: tuple([finite, finite]),
});
const projection = shape({
  explained: tuple([finite, finite]),
  // The wasm module projects at most 1,000 recorded vectors.
  points: arrayOf(projectedPoint, 1000),
});

const pcaItem = shape({
  state: text(40),
  epoch: count,
  epochs: count,
  step: count,
  steps: count,
  loss: finiteOrNull,
  divergedAt: textOrNull(),
  message: textOrNull(),
});

/** Returns the mean loss of the runs at each recorded epoch, as [epoch, loss] points. */
function meanLossByEpoch(points) {
  const sums = new Map();
  for (const { epoch, loss } of points) {
    const entry = sums.get(epoch) ?? { total: 0, count: 0 };
    entry.total += loss;
    entry.count += 1;
    sums.set(epoch, entry);
  }
  return [...sums].sort((a, b) => a[0] - b[0]).map(([epoch, e]) => [epoch, e.total / e.count]);
}

/** Copies the saved fields of each item onto the run's items, by index. */
function restoreItems(run, savedItems, options) {
  requireCount(savedItems.length, run.items.length, 'runs');
  run.items.forEach((item, index) => {
    const saved = savedItems[index];
    Object.assign(item, saved, { state: endedState(saved.state, options), ended: true });
  });
}

function itemFields(item, keys) {
  const fields = Object.fromEntries(keys.map((key) => [key, item[key]]));
  for (const key of ['loss', 'gradNorm']) {
    if (key in fields) {
      fields[key] = finiteValue(fields[key]);
    }
  }
  return { ...fields, state: item.state, divergedAt: item.divergedAt, message: item.message };
}

/** Returns the epoch, step and loss of run `index` at its last projected point. */
function projectedProgress(run, index) {
  const points = (run.projection?.whole.points ?? []).filter((point) => point.run === index);
  const last = points.reduce((latest, point) => (point.epoch > latest.epoch ? point : latest), {
    epoch: 0,
    loss: null,
  });
  const { epochs, steps } = run.items[index];
  return { epoch: last.epoch, step: (last.epoch * steps) / epochs, loss: finiteValue(last.loss) };
}

const pca = {
  experiment: 'pca',
  title: 'PCA of the optimization path',

  snapshot(section, run) {
    const items = run.items.map((item) =>
      itemFields(item, ['epoch', 'epochs', 'step', 'steps', 'loss']),
    );
    // A run still training has progressed past its last projection, and a reopened
    // interrupted run would list more epochs than its charts show.
    if (run.phase === 'running') {
      items.forEach((item, index) => Object.assign(item, projectedProgress(run, index)));
    }
    return {
      series: { projection: run.projection },
      summary: { items, projectedCount: run.projectedCount },
      reduced: null,
    };
  },

  valid(record) {
    const pair = shape({ whole: projection, first_layer: projection });
    const projected = record.series.projection;
    return (
      shape({ projection: nullable(pair) })(record.series) &&
      (projected === null ||
        projected.whole.points.length === projected.first_layer.points.length) &&
      shape({ items: arrayOf(pcaItem, 1000), projectedCount: count })(record.summary)
    );
  },

  restore(section, record) {
    const json = JSON.stringify(record.config);
    requireValidConfig(section.bindings.validateOptimizationConfig('pca', json));
    const run = section.createRun(section.run.id + 1, record.config, 'done');
    restoreItems(run, record.summary.items);
    const saved = record.series.projection;
    Object.assign(run, {
      projection: saved,
      projectionText: saved ? JSON.stringify(saved) : null,
      projectedCount: record.summary.projectedCount,
      phase: endedPhase(run.items.map((item) => item.state)),
    });
    return run;
  },

  keyFigure(record) {
    const saved = record.series.projection;
    if (!saved) {
      return 'nothing projected';
    }
    const [first, second] = saved.whole.explained;
    return `PC 1 and 2 explain ${formatPercent(first + second)}`;
  },

  // Each saved run has its own principal components, so their coordinates cannot share axes.
  // The comparison shows the loss along the paths instead.
  comparison(records) {
    const series = records.map((record) => ({
      name: runLabel(record),
      points: meanLossByEpoch(record.series.projection?.whole.points ?? []),
    }));
    const title = 'Mean loss of the runs at each recorded epoch';
    const chart = lineChart(title, 'epoch', 'MSE loss (log scale)', true, series);
    return { kind: 'line', chart };
  },
};

const stepRecord = shape({ step: count, loss: finite, grad_norm: finite });

const gradnorm = {
  experiment: 'gradnorm',
  title: 'Gradient norm',

  snapshot(section, run) {
    const finite = run.records.filter(
      (record) => Number.isFinite(record.loss) && Number.isFinite(record.grad_norm),
    );
    const records = envelope(finite);
    // The envelope may drop the last step, which the status line and the key result name.
    if (finite.length > 0 && records.at(-1) !== finite.at(-1)) {
      records.push(finite.at(-1));
    }
    const total = run.records.length;
    const reduced =
      records.length < total
        ? `Keeps ${formatInteger(records.length)} of the ${formatInteger(total)} steps ` +
          '(the lowest and highest loss and norm of each stretch), so a download of the ' +
          'reopened run has those rows only.'
        : null;
    const item = itemFields(run.items[0], ['step', 'steps']);
    return { series: { records }, summary: { item, recordCount: total }, reduced };
  },

  valid(record) {
    const item = shape({
      step: count,
      steps: count,
      state: text(40),
      divergedAt: textOrNull(),
      message: textOrNull(),
    });
    return (
      shape({ records: arrayOf(stepRecord, 4001) })(record.series) &&
      shape({ item, recordCount: count })(record.summary)
    );
  },

  restore(section, record) {
    const json = JSON.stringify(record.config);
    requireValidConfig(section.bindings.validateOptimizationConfig('gradnorm', json));
    const run = section.createRun(section.run.id + 1, record.config, 'done');
    restoreItems(run, [record.summary.item]);
    run.records = record.series.records;
    run.phase = endedPhase([run.items[0].state]);
    return run;
  },

  keyFigure(record) {
    const last = record.series.records.at(-1);
    return last
      ? `loss ${formatLoss(last.loss)} at step ${formatInteger(last.step)}`
      : 'no step recorded';
  },

  comparison(records) {
    const series = records.map((record) => ({
      name: runLabel(record),
      points: record.series.records.map((step) => [step.step, step.loss]),
    }));
    const title = 'Training loss of the saved runs';
    const chart = lineChart(title, 'step', 'MSE loss (log scale)', true, series);
    return { kind: 'line', chart };
  },
};

const spectrum = shape({
  eigenvalues: arrayOf(finite, 100_000),
  positive: count,
  negative: count,
  zero: count,
  tolerance: finite,
});

const minRatioResult = shape({
  run: count,
  loss: finiteOrNull,
  grad_norm: finiteOrNull,
  reached: boolean,
  search: text(40),
  search_steps: count,
  minimal_ratio: finiteOrNull,
  spectrum,
});

const minRatioItem = shape({
  state: text(40),
  epoch: count,
  epochs: count,
  searchStep: count,
  searchSteps: count,
  loss: finiteOrNull,
  gradNorm: finiteOrNull,
  divergedAt: textOrNull(),
  message: textOrNull(),
});

/** Copies a minimal-ratio result for storage, with the eigenvalues only when `keepSpectrum`. */
function storedResult(result, keepSpectrum) {
  const { loss, grad_norm: gradNorm, minimal_ratio: ratio, spectrum: values } = result;
  return {
    ...result,
    loss: finiteValue(loss),
    grad_norm: finiteValue(gradNorm),
    minimal_ratio: finiteValue(ratio),
    spectrum: { ...values, eigenvalues: keepSpectrum ? values.eigenvalues : [] },
  };
}

/** Returns a stored result as the page uses it: a null number becomes NaN again. */
function liveResult(result) {
  const number = (value) => value ?? NaN;
  return {
    ...result,
    loss: number(result.loss),
    grad_norm: number(result.grad_norm),
    minimal_ratio: number(result.minimal_ratio),
  };
}

const minratio = {
  experiment: 'minratio',
  title: 'Minimal ratio',

  snapshot(section, run) {
    const kept = new Set(run.finished.slice(0, MAX_STORED_SPECTRA));
    if (run.selected !== null) {
      kept.add(run.selected);
    }
    const results = run.items.map((item) =>
      item.result ? storedResult(item.result, kept.has(item.index)) : null,
    );
    const items = run.items.map((item) =>
      itemFields(item, ['epoch', 'epochs', 'searchStep', 'searchSteps', 'loss', 'gradNorm']),
    );
    const reduced =
      run.finished.length > kept.size
        ? `Keeps the Hessian eigenvalues of ${formatInteger(kept.size)} of the ` +
          `${formatInteger(run.finished.length)} finished runs; the others show an empty ` +
          'histogram.'
        : null;
    const summary = { items, finished: run.finished, selected: run.selected };
    return { series: { results }, summary, reduced };
  },

  valid(record) {
    const items = record.summary.items;
    return (
      shape({ results: arrayOf(nullable(minRatioResult), 1024) })(record.series) &&
      shape({
        items: arrayOf(minRatioItem, 1024),
        finished: arrayOf(count, 1024),
        selected: countOrNull,
      })(record.summary) &&
      record.series.results.length === items.length &&
      record.summary.finished.every(
        (index) => index < items.length && record.series.results[index] !== null,
      )
    );
  },

  restore(section, record) {
    const json = JSON.stringify(record.config);
    requireValidConfig(section.bindings.validateOptimizationConfig('minratio', json));
    const run = section.createRun(section.run.id + 1, record.config, 'done');
    restoreItems(run, record.summary.items);
    run.items.forEach((item, index) => {
      const saved = record.series.results[index];
      item.result = saved ? liveResult(saved) : null;
    });
    run.finished = record.summary.finished.slice();
    run.selected = run.items[record.summary.selected]?.result ? record.summary.selected : null;
    run.phase = endedPhase(run.items.map((item) => item.state));
    return run;
  },

  keyFigure(record) {
    const ratios = record.series.results
      .filter((result) => result?.minimal_ratio !== null && result?.minimal_ratio !== undefined)
      .map((result) => result.minimal_ratio)
      .sort((a, b) => a - b);
    if (ratios.length === 0) {
      return 'no run finished';
    }
    const middle = (ratios.length - 1) / 2;
    const median = (ratios[Math.floor(middle)] + ratios[Math.ceil(middle)]) / 2;
    return `median minimal ratio ${median.toFixed(3)} of ${formatInteger(ratios.length)} runs`;
  },

  comparison(records) {
    const series = records.map((record) => ({
      name: runLabel(record),
      points: record.series.results
        .filter((result) => result && result.loss !== null && result.minimal_ratio !== null)
        .map((result) => [result.minimal_ratio, result.loss]),
      joined: false,
    }));
    const chart = {
      title: 'Minimal ratio against loss of the saved runs',
      x_label: 'minimal ratio (share of eigenvalues > 0)',
      y_label: 'MSE loss',
      log_x: false,
      log_y: true,
      series,
    };
    return { kind: 'scatter', chart };
  },
};

/** The adapters of this module, by experiment name. */
export const BASE_ADAPTERS = [fit, mnist, pca, gradnorm, minratio];
