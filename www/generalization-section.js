// The parts that the four generalization experiments share: models trained on the MNIST
// digits by GeneralizationTrainer in a pool of workers, a table of each model's progress and
// latest metrics, and the two charts that generalizationCharts builds from the results.
// generalization-experiments.js adds each experiment's results, texts and CSV.

import { PointTooltip } from './chart-tooltip.js';
import { ChartView, watchPixelRatio } from './charts.js';
import { workerData } from './mnist-data.js';
import { OptimizationSection } from './optimization-section.js';
import { setButtonsEnabled } from './run-buttons.js';
import {
  RateMeter,
  cell,
  formatInteger,
  formatLoss,
  formatPercent,
  setNumber,
  sumOf,
} from './results.js';

// A worker responds to Stop after its current chunk, and the chunk that ends an epoch also
// evaluates the model on the training and test digits.
// NOTE: an estimate. The largest CNN of the parameter-count experiment evaluated on 1,000
// training and 2,000 test digits is the slowest case, and it was not timed on slow machines.
// A worker that takes longer is terminated and replaced, so Stop still works.
const STOP_TIMEOUT_MS = 5000;

// The canvases of every section, in the order of generalizationCharts' charts.
const CHART_CANVASES = ['loss-chart', 'accuracy-chart'];

/** Returns whether every metric of an evaluation is a finite number, as the charts need. */
export function hasFiniteMetrics(metrics) {
  return ['train_loss', 'train_accuracy', 'test_loss', 'test_accuracy'].every((key) =>
    Number.isFinite(metrics[key]),
  );
}

/** Returns `defaults` with only the settings in `keys`. */
function pickSettings(defaults, keys) {
  const shown = keys.filter((key) => key in defaults);
  return Object.fromEntries(shown.map((key) => [key, defaults[key]]));
}

/**
 * One generalization experiment's section. Subclasses implement itemLabels, results,
 * phaseText and csv, and may add columns to the table with extraColumns.
 */
export class GeneralizationSection extends OptimizationSection {
  /**
   * `experiment` is the name generalizationCatalog() and the wasm module use. `prefix`
   * starts the element ids. `settings` lists the setting keys the form shows, because some
   * settings of the shared defaults do not apply to every experiment. `digits` is the page's
   * DigitsSource.
   */
  constructor(bindings, module, { experiment, prefix, catalog, fit, digits, settings, hints }) {
    const formCatalog = { ...catalog, defaults: pickSettings(catalog.defaults, settings) };
    // The settings the form leaves out train with these defaults, so the JSON file lists them.
    super(bindings, module, {
      experiment,
      prefix,
      catalog: formCatalog,
      fit,
      hints,
      // The generalization experiments have no full-batch setting.
      labels: { batch_size: 'Batch size' },
      stopTimeoutMs: STOP_TIMEOUT_MS,
    });
    this.allDefaults = catalog.defaults;
    this.digits = digits;
    this.loadingDigits = false;
    this.chartCache = null;
    this.createCharts();
    this.renderSoon();
  }

  validate(configJson) {
    return this.bindings.validateGeneralizationConfig(this.experiment, configJson);
  }

  /** Loads the default digits when none are loaded yet, then trains. */
  async train() {
    if (this.isActive(this.run) || this.loadingDigits) {
      return;
    }
    if (!this.digits.ready) {
      if (!this.validatedConfig()) {
        return;
      }
      this.loadingDigits = true;
      setButtonsEnabled([
        [this.trainButton, false],
        [this.stopButton, false],
      ]);
      this.progress.renderStatus('Loading the digits…', 'loading');
      try {
        await this.digits.load();
      } catch (error) {
        this.progress.renderStatus(`Nothing started: ${error.message}`, 'failed');
        return;
      } finally {
        this.loadingDigits = false;
        setButtonsEnabled([[this.trainButton, true]]);
      }
    }
    this.digits.render();
    super.train();
  }

  workerFields(config) {
    return { experiment: this.experiment, config, data: workerData(this.digits.dataset) };
  }

  runCount() {
    return this.itemLabels().length;
  }

  createItem(index, config) {
    const { name, parameters } = this.itemLabels()[index];
    const steps = this.estimatedSteps(config, index);
    return {
      label: name,
      trains: true,
      step: 0,
      steps,
      epochs: config.epochs,
      parameters,
      evaluations: [],
      sensitivity: null,
      flatParameters: null,
    };
  }

  /** Returns the batch size that model `index` trains with. */
  batchSizeOf(config) {
    return config.batch_size;
  }

  /** Estimates the optimizer steps of model `index` until its first chunk reports them. */
  estimatedSteps(config, index) {
    // The base constructor creates the idle run before this.digits is set.
    const available = this.digits?.trainCount() ?? null;
    if (available === null) {
      return 0;
    }
    const digits = config.train_size > 0 ? Math.min(config.train_size, available) : available;
    return config.epochs * Math.ceil(digits / this.batchSizeOf(config, index));
  }

  prepareRun(run) {
    Object.assign(run, { rate: new RateMeter() });
    this.buildTable(run);
  }

  /** Returns the table's columns after the metrics, each `{key, format, value(item)}`. */
  extraColumns() {
    return [];
  }

  buildTable(run) {
    const body = this.element('results-body');
    body.replaceChildren();
    for (const item of run.items.filter((entry) => entry.trains)) {
      const number = item.index + 1;
      const row = document.createElement('tr');
      row.dataset.model = String(number);
      const name = cell('th', `${this.prefix}-model-${number}`);
      name.scope = 'row';
      name.textContent = item.label;
      const cells = {
        parameters: cell('td', `${this.prefix}-parameters-${number}`, 'number'),
        progress: cell('td', `${this.prefix}-progress-${number}`, 'model-status'),
        trainLoss: cell('td', `${this.prefix}-train-loss-${number}`, 'number'),
        trainAccuracy: cell('td', `${this.prefix}-train-accuracy-${number}`, 'number'),
        testLoss: cell('td', `${this.prefix}-test-loss-${number}`, 'number'),
        testAccuracy: cell('td', `${this.prefix}-test-accuracy-${number}`, 'number'),
      };
      for (const column of this.extraColumns()) {
        cells[column.key] = cell('td', `${this.prefix}-${column.key}-${number}`, 'number');
      }
      row.append(name, ...Object.values(cells));
      body.append(row);
      item.view = { row, cells };
    }
  }

  createCharts() {
    const kinds = [];
    this.views = CHART_CANVASES.map((name, index) => {
      const canvas = this.element(name);
      const tooltip = new PointTooltip(canvas, `${canvas.id}-tooltip`);
      const draw = (target, json, ratio) => {
        const scatter = kinds[index] === 'scatter';
        const drawChart = scatter ? this.bindings.drawScatterChart : this.bindings.drawLineChart;
        return drawChart(target, json, ratio);
      };
      return new ChartView(
        canvas,
        () => {
          const entry = this.charts()[index];
          kinds[index] = entry.kind;
          return entry.chart;
        },
        draw,
        this.scheduler,
        { onDrawn: (positions) => this.showPoints(tooltip, positions) },
      );
    });
    watchPixelRatio(() => this.views.forEach((view) => view.resizeToPixelRatio()));
  }

  /** Returns generalizationCharts' two charts of the current results, built once per change. */
  charts() {
    this.chartCache ??= JSON.parse(
      this.bindings.generalizationCharts(this.experiment, JSON.stringify(this.results(this.run))),
    );
    return this.chartCache;
  }

  invalidateCharts() {
    this.chartCache = null;
    this.views?.forEach((view) => view.invalidate());
  }

  /** Gives a scatter chart's tooltip its points. Line charts return no positions. */
  showPoints(tooltip, positionsJson) {
    const positions = positionsJson ? JSON.parse(positionsJson) : [];
    tooltip.setPoints(positions, (series, index) => this.describePoint(series, index));
  }

  describePoint() {
    return '';
  }

  applyChunk(run, item, chunk) {
    const { step, steps, status } = chunk;
    Object.assign(item, { step, steps, state: status.state });
    if (status.state === 'diverged') {
      item.divergedAt = `step ${formatInteger(status.step ?? step)}`;
    }
    item.evaluations.push(...chunk.evaluations);
    run.rate.add(performance.now(), sumOf(this.trainingItems(run), 'step'));
    if (chunk.evaluations.length > 0 || status.state !== 'running') {
      this.invalidateCharts();
    }
  }

  itemEnded(run, item, message) {
    if (message.kind === 'done' && message.summary) {
      item.parameters = message.summary.parameters;
      item.sensitivity = message.summary.sensitivity;
      item.flatParameters = message.summary.flatParameters;
      this.invalidateCharts();
    }
  }

  trainingItems(run) {
    return run.items.filter((item) => item.trains);
  }

  /** Returns the last evaluation of a model that trained every epoch, or null. */
  finalMetrics(item) {
    const last = item.evaluations.at(-1);
    return item.state === 'done' && last && hasFiniteMetrics(last) ? last : null;
  }

  renderRun(run) {
    const items = this.trainingItems(run);
    const running = run.phase === 'running';
    const steps = sumOf(items, 'steps');
    this.progress.renderSteps(sumOf(items, 'step'), steps, run.rate.rate(), running);
    for (const item of items) {
      this.renderRow(item, run.phase === 'idle');
    }
  }

  renderRow(item, idle) {
    const { row, cells } = item.view;
    const latest = item.evaluations.at(-1) ?? null;
    row.dataset.state = item.state;
    cells.parameters.textContent = formatInteger(item.parameters);
    cells.progress.textContent = idle ? 'not started' : progressText(item);
    cells.progress.dataset.state = item.state;
    cells.progress.title = item.message ?? '';
    setNumber(cells.trainLoss, latest?.train_loss ?? null, formatLoss);
    setNumber(cells.trainAccuracy, latest?.train_accuracy ?? null, formatPercent);
    setNumber(cells.testLoss, latest?.test_loss ?? null, formatLoss);
    setNumber(cells.testAccuracy, latest?.test_accuracy ?? null, formatPercent);
    for (const column of this.extraColumns()) {
      setNumber(cells[column.key], column.value(item), column.format);
    }
  }

  /** Counts the models that trained every epoch, as in "3 of 10 models". */
  doneText(run, noun) {
    const items = this.trainingItems(run);
    const done = items.filter((item) => item.state === 'done').length;
    const plural = items.length === 1 ? noun : `${noun}s`;
    return `${done} of ${items.length} ${plural}`;
  }

  hasData(run) {
    return this.csv(run).rows.length > 0;
  }

  exportConfig(run) {
    return { ...this.allDefaults, ...run.config };
  }

  /**
   * Returns the results table (each model's progress and latest metrics) and `results`, the
   * command line's part of summary.json with the same name.
   */
  summary(run) {
    const models = this.trainingItems(run).map((item) => ({
      model: item.label,
      parameters: item.parameters,
      state: item.state,
      epochs_run: item.evaluations.length,
      metrics: item.evaluations.at(-1) ?? null,
      sensitivity: item.sensitivity,
    }));
    return { models, results: this.summaryResults(run) };
  }
}

/** Returns the text of a model's progress cell. */
function progressText(item) {
  const epoch = item.evaluations.at(-1)?.epoch ?? 0;
  const epochs = `epoch ${formatInteger(epoch)} / ${formatInteger(item.epochs)}`;
  switch (item.state) {
    case 'queued':
      return 'waiting';
    case 'skipped':
      return 'not run';
    case 'error':
      return 'failed';
    case 'diverged':
      return `diverged at ${item.divergedAt}`;
    case 'done':
      return `done, ${epochs}`;
    case 'stopped':
      return `stopped at ${epochs}`;
    default:
      return epochs;
  }
}
