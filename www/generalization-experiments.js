// The four generalization experiments, each a section of the Generalization tab: a network
// memorising random labels, CNNs of growing parameter count, the line between a small-batch
// and a large-batch solution, and the input sensitivity against batch size.

import { GeneralizationSection, hasFiniteMetrics } from './generalization-section.js';
import { formatInteger, formatLoss, formatPercent } from './results.js';

const METRIC_KEYS = ['train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'];

// The settings each form shows. The batch-size experiments take their batch sizes from the
// catalog, and only the interpolation uses the number of alphas.
const TRAINING_SETTINGS = ['epochs', 'batch_size', 'learning_rate', 'train_size', 'engine', 'seed'];
const BATCH_SETTINGS = ['epochs', 'learning_rate', 'train_size', 'engine', 'seed'];

const HINTS = {
  train_size: 'A stratified subset of the training digits; 0 uses all of them.',
};

function metricsOf(metrics) {
  return METRIC_KEYS.map((key) => metrics[key]);
}

function plural(count, noun) {
  return `${formatInteger(count)} ${count === 1 ? noun : `${noun}s`}`;
}

/** A 784-500-10 network trained on a seeded permutation of the training labels. */
export class RandomLabelsSection extends GeneralizationSection {
  constructor(bindings, module, catalog, fit, digits) {
    super(bindings, module, {
      experiment: 'random_labels',
      prefix: 'random-labels',
      catalog,
      fit,
      digits,
      settings: TRAINING_SETTINGS,
      hints: HINTS,
    });
    const { widths, parameters } = catalog.model;
    this.element('model').textContent =
      `${widths.join('-')} network (${formatInteger(parameters)} parameters)`;
  }

  itemLabels() {
    const { name, parameters } = this.catalog.model;
    return [{ name, parameters }];
  }

  results(run) {
    return run.items[0].evaluations.filter(hasFiniteMetrics);
  }

  phaseText(run) {
    const item = run.items[0];
    const epochs = plural(run.config.epochs, 'epoch');
    const last = this.results(run).at(-1);
    const accuracy = last
      ? ` Training accuracy ${formatPercent(last.train_accuracy)}, test accuracy ` +
        `${formatPercent(last.test_accuracy)}.`
      : '';
    if (run.phase === 'running') {
      return `Training ${item.label} on shuffled labels for ${epochs}…${accuracy}`;
    }
    if (run.phase === 'stopped') {
      return `Stopped after ${plural(item.evaluations.length, 'epoch')} of ${epochs}.${accuracy}`;
    }
    return `Done: ${this.doneText(run, 'model')} trained ${epochs}.${accuracy}`;
  }

  csv(run) {
    const rows = run.items[0].evaluations.map((metrics) => [metrics.epoch, ...metricsOf(metrics)]);
    const header = ['epoch', ...METRIC_KEYS];
    return { filename: 'random-labels.csv', header, rows };
  }

  summaryResults(run) {
    return run.items[0].evaluations;
  }
}

/** The ten CNNs of growing width, each trained once, compared by parameter count. */
export class CapacitySection extends GeneralizationSection {
  constructor(bindings, module, catalog, fit, digits) {
    super(bindings, module, {
      experiment: 'capacity',
      prefix: 'capacity',
      catalog,
      fit,
      digits,
      settings: TRAINING_SETTINGS,
      hints: HINTS,
    });
  }

  itemLabels() {
    return this.catalog.models.map(({ name, parameters }) => ({ name, parameters }));
  }

  /** Returns the models with final metrics, in catalog order, which is by parameter count. */
  finishedItems(run) {
    return run.items.filter((item) => this.finalMetrics(item) !== null);
  }

  results(run) {
    return this.finishedItems(run).map((item) => [item.parameters, this.finalMetrics(item)]);
  }

  describePoint(series, index) {
    const item = this.finishedItems(this.run)[index];
    if (!item) {
      return '';
    }
    const metrics = this.finalMetrics(item);
    const split = series === 0 ? 'train' : 'test';
    return [
      `${item.label}, ${formatInteger(item.parameters)} parameters`,
      `${split} loss ${formatLoss(metrics[`${split}_loss`])}`,
      `${split} accuracy ${formatPercent(metrics[`${split}_accuracy`])}`,
    ].join('\n');
  }

  phaseText(run) {
    const models = run.items.length;
    const epochs = plural(run.config.epochs, 'epoch');
    if (run.phase === 'running') {
      const workers = Math.min(this.pool.size, models);
      return `Training ${models} CNNs for ${epochs} each, ${workers} at a time…`;
    }
    if (run.phase === 'stopped') {
      return `Stopped: ${this.doneText(run, 'model')} had trained ${epochs}.`;
    }
    return `Done: ${this.doneText(run, 'model')} trained ${epochs}.`;
  }

  csv(run) {
    const rows = this.finishedItems(run).map((item) => [
      item.label,
      item.parameters,
      ...metricsOf(this.finalMetrics(item)),
    ]);
    const header = ['model', 'parameters', ...METRIC_KEYS];
    return { filename: 'capacity.csv', header, rows };
  }

  summaryResults(run) {
    return this.finishedItems(run).map((item) => ({
      model: item.label,
      parameters: item.parameters,
      metrics: this.finalMetrics(item),
    }));
  }
}

/**
 * Two runs of the same network with batch sizes 64 and 1024, then the models on the line
 * through their parameters, evaluated at alphas from -1 to 2 in one more worker.
 */
export class InterpolationSection extends GeneralizationSection {
  constructor(bindings, module, catalog, fit, digits) {
    super(bindings, module, {
      experiment: 'interpolate',
      prefix: 'interpolate',
      catalog,
      fit,
      digits,
      settings: [...BATCH_SETTINGS.slice(0, 3), 'alphas', ...BATCH_SETTINGS.slice(3)],
      hints: {
        ...HINTS,
        alphas: 'Evenly spaced points from alpha -1 to 2, both ends included.',
      },
    });
  }

  itemLabels() {
    const { name, parameters } = this.catalog.model;
    const runs = this.catalog.batch_sizes.map((batch) => ({
      name: `${name}, batch ${batch}`,
      parameters,
    }));
    return [...runs, { name: 'interpolation', parameters }];
  }

  batchSizeOf(config, index) {
    return this.catalog.batch_sizes[index] ?? 1;
  }

  createItem(index, config) {
    const item = super.createItem(index, config);
    // The last item is the sweep of alphas, which the page starts once both runs are done.
    if (index === this.catalog.batch_sizes.length) {
      Object.assign(item, { trains: false, steps: 0 });
    }
    return item;
  }

  prepareRun(run) {
    super.prepareRun(run);
    run.points = [];
  }

  sweepItem(run) {
    return run.items.at(-1);
  }

  startIndices(run) {
    return this.trainingItems(run).map((item) => item.index);
  }

  applyChunk(run, item, chunk) {
    if (item.trains) {
      super.applyChunk(run, item, chunk);
      return;
    }
    item.state = 'running';
    run.points.push(chunk.point);
    this.invalidateCharts();
  }

  itemEnded(run, item, message) {
    super.itemEnded(run, item, message);
    const runs = this.trainingItems(run);
    const sweep = this.sweepItem(run);
    if (!item.trains || !runs.every((entry) => entry.ended) || run.phase !== 'running') {
      return;
    }
    const failed = runs.filter((entry) => entry.flatParameters === null);
    if (failed.length > 0) {
      const names = failed.map((entry) => entry.label).join(' and ');
      const message = `The interpolation did not run because ${names} did not finish.`;
      Object.assign(sweep, { ended: true, state: 'error', message });
      return;
    }
    // The pool frees the worker that sent this message only after this call returns.
    setTimeout(() => this.startSweep(run));
  }

  startSweep(run) {
    if (run !== this.run || run.phase !== 'running') {
      return;
    }
    const [from, to] = this.trainingItems(run).map((item) => item.flatParameters);
    const fields = { ...this.workerFields(run.config), experiment: 'interpolation', from, to };
    this.pool.startQueued(run.id, [this.sweepItem(run).index], fields);
    this.renderSoon();
  }

  results(run) {
    return run.points.filter(hasFiniteMetrics).toSorted((a, b) => a.alpha - b.alpha);
  }

  renderRun(run) {
    const sweep = this.sweepItem(run);
    if (['queued', 'skipped', 'error'].includes(sweep.state)) {
      super.renderRun(run);
      return;
    }
    for (const item of this.trainingItems(run)) {
      this.renderRow(item, false);
    }
    const { alphas } = run.config;
    const count = run.points.length;
    this.progress.renderCounters(count, alphas, '', null, 'points evaluated');
  }

  phaseText(run) {
    const { alphas } = run.config;
    const sweep = this.sweepItem(run);
    const evaluated = `${formatInteger(run.points.length)} of ${formatInteger(alphas)} points`;
    if (run.phase === 'running') {
      if (sweep.state === 'queued') {
        const batches = this.catalog.batch_sizes.join(' and ');
        return (
          `Training with batch sizes ${batches}, then evaluating ${alphas} points between ` +
          'them…'
        );
      }
      return `Evaluating the models between the two solutions: ${evaluated}…`;
    }
    if (run.phase === 'stopped') {
      return `Stopped: ${this.doneText(run, 'run')} finished, ${evaluated} evaluated.`;
    }
    return `Done: ${this.doneText(run, 'run')} finished, ${evaluated} evaluated.`;
  }

  csv(run) {
    const rows = this.results(run).map((point) => [point.alpha, ...metricsOf(point)]);
    const header = ['alpha', ...METRIC_KEYS];
    return { filename: 'interpolate.csv', header, rows };
  }

  summaryResults(run) {
    return this.results(run);
  }
}

/** The same network trained at five batch sizes, with its input sensitivity on test digits. */
export class SensitivitySection extends GeneralizationSection {
  constructor(bindings, module, catalog, fit, digits) {
    super(bindings, module, {
      experiment: 'sensitivity',
      prefix: 'sensitivity',
      catalog,
      fit,
      digits,
      settings: BATCH_SETTINGS,
      hints: HINTS,
    });
  }

  itemLabels() {
    const { name, parameters } = this.catalog.model;
    return this.catalog.batch_sizes.map((batch) => ({
      name: `${name}, batch ${batch}`,
      parameters,
    }));
  }

  batchSizeOf(config, index) {
    return this.catalog.batch_sizes[index] ?? 1;
  }

  extraColumns() {
    return [
      { key: 'sensitivity', format: formatLoss, value: (item) => item.sensitivity },
    ];
  }

  /** Returns the models with final metrics and a finite sensitivity, in order of batch size. */
  finishedItems(run) {
    return run.items.filter(
      (item) => this.finalMetrics(item) !== null && Number.isFinite(item.sensitivity),
    );
  }

  results(run) {
    return this.finishedItems(run).map((item) => [
      this.catalog.batch_sizes[item.index],
      this.finalMetrics(item),
      item.sensitivity,
    ]);
  }

  phaseText(run) {
    const epochs = plural(run.config.epochs, 'epoch');
    if (run.phase === 'running') {
      const workers = Math.min(this.pool.size, run.items.length);
      return (
        `Training at ${run.items.length} batch sizes for ${epochs} each, ${workers} at a ` +
        'time, then measuring each model\'s sensitivity…'
      );
    }
    if (run.phase === 'stopped') {
      return `Stopped: ${this.doneText(run, 'model')} had trained ${epochs}.`;
    }
    return `Done: ${this.doneText(run, 'model')} trained ${epochs}.`;
  }

  csv(run) {
    const rows = this.results(run).map(([batch, metrics, sensitivity]) => [
      batch,
      ...metricsOf(metrics),
      sensitivity,
    ]);
    const header = ['batch_size', ...METRIC_KEYS, 'sensitivity'];
    return { filename: 'sensitivity.csv', header, rows };
  }

  summaryResults(run) {
    return this.results(run).map(([batch, metrics, sensitivity]) => ({
      batch_size: batch,
      metrics,
      sensitivity,
    }));
  }
}
