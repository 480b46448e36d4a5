// The MNIST experiment's page: three CNNs of about 25,500 parameters, one Web Worker each, train
// on the digits of the Digits box. The page draws training loss and test accuracy live, fills
// the results table, and after a run shows the most accurate model's test digits and confusion
// matrix.

import { ChartView, accuracyChart, mnistLossChart, watchPixelRatio } from './charts.js';
import { downloadCsv } from './csv.js';
import { DigitsPanel } from './digits-panel.js';
import { saveRunJson } from './export.js';
import { MnistSettingsForm, recordRunConfig } from './form.js';
import { FrameScheduler } from './frame-scheduler.js';
import { workerData } from './mnist-data.js';
import { DIGIT_GRID_COUNT, InspectionView, MnistResultsView } from './mnist-view.js';
import { WorkerPool } from './pool.js';
import { isPressable, setButtonsEnabled } from './run-buttons.js';
import { mnistConfusionCsv, mnistEpochsCsv, mnistSummary } from './run-export.js';
import {
  ProgressView,
  RateMeter,
  formatInteger,
  formatPercent,
  listNames,
  sumOf,
} from './results.js';

// Each loss point is the mean loss of recordEvery steps, chosen so a model has at most
// MAX_LOSS_POINTS points in a run and at most MAX_POINTS_PER_EPOCH in an epoch.
const MAX_LOSS_POINTS = 1000;
// Single batches' losses scatter widely, and more points per epoch make a noisier curve.
const MAX_POINTS_PER_EPOCH = 10;

// A worker handles a stop request after its current chunk, and a chunk can end with an epoch's
// test evaluation. On 2,000 test digits that took 0.8 to 1.3 s per model with three models
// training on 2 cores (wasm in Node.js 20), so a stop may take that long without the worker
// being stuck.
const STOP_TIMEOUT_MS = 4000;

const FINAL_MODEL_STATES = new Set(['done', 'stopped', 'diverged', 'error']);

export class MnistPage {
  constructor(bindings, module, catalog) {
    this.bindings = bindings;
    this.module = module;
    this.catalog = catalog;
    this.pool = null;
    this.activated = false;
    this.scheduler = new FrameScheduler();
    this.form = new MnistSettingsForm(document.getElementById('mnist-settings'), catalog);
    this.results = new MnistResultsView(
      document.getElementById('mnist-results-body'),
      catalog.models,
    );
    this.progress = new ProgressView(document, 'mnist-');
    this.digits = new DigitsPanel(document, bindings.inspectDigits, catalog.held_out_share, () =>
      this.renderSoon(),
    );
    this.inspection = new InspectionView(document);
    this.trainButton = document.getElementById('mnist-train');
    this.stopButton = document.getElementById('mnist-stop');
    this.exportButtons = {
      epochs: document.getElementById('mnist-download-epochs'),
      confusion: document.getElementById('mnist-download-confusion'),
      json: document.getElementById('mnist-download-json'),
    };
    // Saves the runs when the page keeps them (saved-runs.js), else null.
    this.keeper = null;
    this.run = this.createRun(0, catalog.defaults, 'idle');
    this.createCharts();
    this.listen();
    this.renderSoon();
  }

  /** Loads the default digits the first time the experiment is opened. */
  activate() {
    if (!this.activated) {
      this.activated = true;
      this.digits.useDefault();
    }
  }

  createCharts() {
    const draw = this.bindings.drawLineChart;
    const models = () => this.run.models;
    const view = (id, build) =>
      new ChartView(document.getElementById(id), () => build(models()), draw, this.scheduler);
    this.lossView = view('mnist-loss-chart', mnistLossChart);
    this.accuracyView = view('mnist-accuracy-chart', accuracyChart);
    watchPixelRatio(() => {
      this.lossView.resizeToPixelRatio();
      this.accuracyView.resizeToPixelRatio();
    });
  }

  listen() {
    document.getElementById('mnist-settings').addEventListener('submit', (event) => {
      event.preventDefault();
      this.train();
    });
    this.stopButton.addEventListener('click', () => this.stop());
    this.listenForExports();
  }

  /** Saves the charted run: its epochs and confusion matrix as CSV, its results as JSON. */
  listenForExports() {
    const saveCsv = ({ filename, header, rows }) => downloadCsv(filename, header, rows);
    this.exportButtons.epochs.addEventListener('click', () => saveCsv(mnistEpochsCsv(this.run)));
    this.exportButtons.confusion.addEventListener('click', () => {
      saveCsv(mnistConfusionCsv(this.inspection.displayed.details.confusion));
    });
    this.exportButtons.json.addEventListener('click', () => {
      const run = this.run;
      const digits = run.counts && {
        source: this.digits.dataset?.source ?? null,
        train: run.counts.train,
        test: run.counts.test,
      };
      const best = run.inspected ?? bestModel(run.models)?.name ?? null;
      saveRunJson('mnist', run.config, mnistSummary(run, this.catalog, best, digits));
    });
  }

  /**
   * Creates the data of run `id`. Phase 'idle' is the table before the first run. The step
   * totals are estimates until the workers report them.
   */
  createRun(id, config, phase) {
    const counts = this.digits.ready ? this.digits.counts() : null;
    const stepsPerEpoch = counts ? Math.ceil(counts.train / config.batch_size) : 0;
    const models = this.catalog.models.map((model) => ({
      name: model.name,
      state: phase === 'idle' ? 'idle' : 'running',
      epoch: 0,
      epochs: config.epochs,
      step: 0,
      steps: config.epochs * stepsPerEpoch,
      images: 0,
      lossPoints: [],
      accuracyPoints: [],
      evaluations: [],
      bestAccuracy: null,
      finalLoss: null,
      divergedStep: null,
      message: null,
      imageRate: null,
      ended: false,
      finishedAt: null,
      rate: new RateMeter(),
      stepRate: new RateMeter(),
    }));
    const startedAt = performance.now();
    return { id, config, phase, models, counts, stepsPerEpoch, startedAt, finishedAt: null };
  }

  /** Reads and validates the form; returns the config and every problem, without showing them. */
  settingsProblems() {
    const { config, errors } = this.form.read();
    const rangeErrors = JSON.parse(this.bindings.validateMnistConfig(JSON.stringify(config)));
    return { config, problems: [...errors, ...rangeErrors] };
  }

  /** Reads and validates the form; returns the config, or null after showing the errors. */
  validatedConfig() {
    const { config, problems } = this.settingsProblems();
    this.form.showErrors(problems);
    if (problems.length === 0) {
      return config;
    }
    if (!this.isActive(this.run)) {
      const text =
        problems.length === 1
          ? 'Nothing started because a setting is invalid. See the message beside its field.'
          : `Nothing started because ${problems.length} settings are invalid. ` +
            'See the message beside each field.';
      this.progress.renderStatus(text, 'invalid');
    }
    return null;
  }

  isActive(run) {
    return run.phase === 'running' || run.phase === 'stopping';
  }

  async train() {
    if (!isPressable(this.trainButton)) {
      return;
    }
    const config = this.validatedConfig();
    if (!config) {
      return;
    }
    if (!this.digits.ready) {
      this.progress.renderStatus('Nothing started because no digits are loaded yet.', 'invalid');
      return;
    }
    setButtonsEnabled([
      [this.trainButton, false],
      [this.stopButton, false],
    ]);
    const previous = this.run;
    if (this.isActive(previous)) {
      // The new run starts at once, so the old one's digits are not worth evaluating.
      await this.stopRun(previous, { inspect: false });
    }

    this.pool ??= new WorkerPool(
      this.module,
      this.catalog.models.length,
      (message) => this.receive(message),
      { stopTimeoutMs: STOP_TIMEOUT_MS },
    );
    this.run = this.createRun(previous.id + 1, config, 'running');
    recordRunConfig(this.form.form, config);
    const names = this.run.models.map((model) => model.name);
    this.pool.start(this.run.id, names, {
      experiment: 'mnist',
      config,
      recordEvery: recordEvery(config.epochs, this.run.stepsPerEpoch),
      data: workerData(this.digits.dataset),
    });
    this.keeper?.started(this.run);

    this.inspection.clear();
    this.digits.setLocked(true);
    this.lossView.invalidate();
    this.accuracyView.invalidate();
    this.renderSoon();
  }

  async stop() {
    if (this.run.phase === 'running') {
      await this.stopRun(this.run);
    }
  }

  /** Stops every worker of `run`, waiting until each has responded or been replaced. */
  async stopRun(run, { inspect = true } = {}) {
    run.phase = 'stopping';
    this.renderSoon();
    await this.pool.stop(run.id);
    for (const model of run.models.filter((m) => !m.ended)) {
      model.state = FINAL_MODEL_STATES.has(model.state) ? model.state : 'stopped';
      this.markFinished(run, model);
    }
    this.finishRun(run, inspect);
  }

  finishRun(run, inspect = true) {
    if (!this.isActive(run)) {
      return;
    }
    if (run.models.every((model) => model.state === 'error')) {
      run.phase = 'failed';
    } else if (run.models.some((model) => model.state === 'stopped')) {
      run.phase = 'stopped';
    } else {
      run.phase = 'done';
    }
    run.finishedAt = performance.now();
    this.keeper?.ended(run);
    this.digits.setLocked(false);
    if (inspect) {
      this.requestInspection(run);
    } else {
      this.pool.releaseKept(run.id);
    }
    this.renderSoon();
  }

  /** Applies a worker message to the current run; messages of older runs are dropped. */
  receive(message) {
    if (message.runId === null) {
      this.reportWorkerFailure(message.message);
      return;
    }
    const run = this.run;
    if (message.runId !== run.id) {
      return;
    }
    if (message.kind === 'details') {
      this.applyDetails(run, message);
      return;
    }
    const model = run.models.find((entry) => entry.name === message.model);
    if (!model) {
      return;
    }
    if (message.kind === 'progress') {
      this.applyProgress(run, model, message);
    } else if (message.kind === 'done' || message.kind === 'stopped') {
      this.applySummary(run, model, message);
    } else if (message.kind === 'error') {
      this.applyError(run, model, message.message);
    }
    // A model ends with its done, stopped or error message, which comes after its last
    // progress message. Only then has its worker kept the trainer for the details request.
    if (run.phase === 'running' && run.models.every((m) => m.ended)) {
      this.finishRun(run);
    }
    this.keeper?.changed(run);
    this.renderSoon({ throttled: message.kind === 'progress' });
  }

  /** Shows `run`, rebuilt from a saved record, with the charts and table of a live run. */
  showSavedRun(run) {
    this.run = run;
    this.lossView.invalidate();
    this.accuracyView.invalidate();
    this.renderSoon();
  }

  applyProgress(run, model, message) {
    const { epoch, epochs, step, steps, images, state, divergedStep } = message;
    Object.assign(model, { epoch, epochs, step, steps, images, state, divergedStep });
    model.lossPoints.push(...message.points);
    model.evaluations.push(...message.evaluations);
    for (const evaluation of message.evaluations) {
      model.accuracyPoints.push([evaluation.epoch, 100 * evaluation.test_accuracy]);
      model.bestAccuracy = Math.max(model.bestAccuracy ?? 0, evaluation.test_accuracy);
      model.finalLoss = evaluation.train_loss;
    }
    const now = performance.now();
    model.rate.add(now, images);
    model.stepRate.add(now, step);
    model.imageRate = model.rate.rate();
    this.lossView.invalidate();
    if (message.evaluations.length > 0) {
      this.accuracyView.invalidate();
    }
  }

  /** Copies the results and final state from a `done` or `stopped` message. */
  applySummary(run, model, message) {
    const summary = message.summary;
    if (summary) {
      model.bestAccuracy = summary.best_test_accuracy;
      model.finalLoss = summary.final_loss;
    }
    if (message.kind === 'stopped') {
      model.state = FINAL_MODEL_STATES.has(model.state) ? model.state : 'stopped';
    } else {
      model.state = summary.status.state;
      model.divergedStep = summary.status.step ?? null;
    }
    this.markFinished(run, model);
  }

  applyError(run, model, text) {
    console.error(`${model.name}: ${text}`);
    model.state = 'error';
    model.message = text;
    this.markFinished(run, model);
  }

  /** Records that `model` ended, and replaces its recent rate by its average over the run. */
  markFinished(run, model) {
    model.ended = true;
    model.finishedAt ??= performance.now();
    const seconds = (model.finishedAt - run.startedAt) / 1000;
    model.imageRate = seconds > 0 && model.images > 0 ? model.images / seconds : null;
  }

  /**
   * Asks the worker of the most accurate model for its test digits, predictions and
   * confusion matrix, and lets the other workers free their trainers.
   */
  requestInspection(run) {
    const best = bestModel(run.models);
    if (!best) {
      this.pool.releaseKept(run.id);
      this.inspection.showNote('Test digits', noInspectionText(run.models), 'none');
      return;
    }
    run.inspected = best.name;
    const requested = this.pool.requestDetails(run.id, best.name, DIGIT_GRID_COUNT);
    this.pool.releaseKept(run.id);
    const text = requested
      ? `Evaluating ${best.name}, the most accurate model, on the test digits…`
      : `The test digits of ${best.name}, the most accurate model, are not available: its ` +
        'worker did not stop in time and was replaced.';
    this.inspection.showNote(`Test digits of ${best.name}`, text, requested ? 'pending' : 'none');
  }

  applyDetails(run, message) {
    const model = run.models.find((entry) => entry.name === run.inspected);
    if (!model || (message.model !== null && message.model !== model.name)) {
      return;
    }
    if (message.images === null) {
      const text = `The test digits of ${model.name} could not be evaluated: ${message.message}`;
      console.error(text);
      this.inspection.showNote(`Test digits of ${model.name}`, text, 'failed');
      return;
    }
    this.inspection.showDetails(model.name, message, inspectionNote(model));
    this.renderSoon();
  }

  reportWorkerFailure(text) {
    console.error(text);
    const element = document.getElementById('load-error');
    element.textContent = text;
    element.hidden = false;
  }

  /** Renders in the next frame, or as a throttled request of FrameScheduler. */
  renderSoon({ throttled = false } = {}) {
    this.scheduler.request(this.renderText, { throttled });
  }

  /** Renders the table, the progress counters, the status line and the buttons. */
  renderText = () => {
    const run = this.run;
    const running = run.phase === 'running';
    this.results.renderModels(run.models);
    this.progress.renderCounters(
      sumOf(run.models, 'step'),
      sumOf(run.models, 'steps'),
      imageRateText(run),
      running ? etaSeconds(run.models) : null,
    );
    const { text, state } = this.status(run);
    this.progress.renderStatus(text, state);
    setButtonsEnabled([
      [this.trainButton, run.phase !== 'stopping' && this.digits.ready],
      [this.stopButton, running],
    ]);
    const hasData = run.models.some((model) => model.lossPoints.length > 0);
    setButtonsEnabled([
      [this.exportButtons.epochs, run.models.some((model) => model.evaluations.length > 0)],
      [this.exportButtons.confusion, this.inspection.displayed !== null],
      [this.exportButtons.json, hasData],
    ]);
  };

  /** Returns the status line's text and its data-state. */
  status(run) {
    if (run.phase === 'idle') {
      return this.idleStatus();
    }
    const models = run.models;
    const stepsDone = formatInteger(sumOf(models, 'step'));
    const stepsTotal = formatInteger(sumOf(models, 'steps'));
    const accuracySoFar = accuracyText(models, ' so far');
    const lead = {
      running: `Training ${listNames(models.map((m) => m.name))} on ${digitsText(run.counts)}…`,
      stopping: 'Stopping…',
      stopped: `Stopped after ${stepsDone} of ${stepsTotal} steps.${accuracySoFar}`,
      done: finishedText(models, run.config.epochs),
      failed: 'Training failed.',
    }[run.phase];
    const sentences = [run.savedNote, lead, divergenceText(models), ...errorTexts(models)];
    const text = sentences.filter(Boolean).join(' ');
    return { text, state: run.phase };
  }

  idleStatus() {
    if (this.digits.busy) {
      return { text: 'Loading the digits…', state: 'loading' };
    }
    if (!this.digits.ready) {
      return {
        text: 'No digits loaded: pick files above, or press "Use the default subset".',
        state: 'no-data',
      };
    }
    return { text: 'Ready: choose the settings and press Train.', state: 'ready' };
  }
}

/** Returns the steps per loss point, so a model has a bounded number of points. */
function recordEvery(epochs, stepsPerEpoch) {
  const perRun = Math.ceil((epochs * stepsPerEpoch) / MAX_LOSS_POINTS);
  const perEpoch = Math.ceil(stepsPerEpoch / MAX_POINTS_PER_EPOCH);
  return Math.max(1, perRun, perEpoch);
}

/**
 * Returns the images per second of all models: the sum of the running models' recent rates
 * while training, the average over the run after it.
 */
function imageRateText(run) {
  if (run.phase === 'running') {
    const running = run.models.filter((model) => !model.ended);
    if (running.some((model) => model.imageRate === null)) {
      return '– images/s';
    }
    return `${formatInteger(sumOf(running, 'imageRate'))} images/s`;
  }
  const seconds = (run.finishedAt - run.startedAt) / 1000;
  if (run.finishedAt === null || seconds <= 0) {
    return '– images/s';
  }
  return `${formatInteger(sumOf(run.models, 'images') / seconds)} images/s (average)`;
}

/** Estimates the seconds until the slowest running model ends, or null while unknown. */
function etaSeconds(models) {
  let longest = 0;
  for (const model of models.filter((m) => !m.ended)) {
    const rate = model.stepRate.rate();
    if (!rate) {
      return null;
    }
    longest = Math.max(longest, (model.steps - model.step) / rate);
  }
  return longest;
}

function digitsText(counts) {
  return (
    `${formatInteger(counts.train)} digits, testing on ${formatInteger(counts.test)} ` +
    'after each epoch'
  );
}

/**
 * Returns the model with the highest best test accuracy that did not diverge or fail, the
 * first in catalog order on a tie, or null when none has ended an epoch.
 */
function bestModel(models) {
  let best = null;
  for (const model of models) {
    const usable = model.state !== 'diverged' && model.state !== 'error';
    if (usable && model.bestAccuracy !== null && model.bestAccuracy > (best?.bestAccuracy ?? -1)) {
      best = model;
    }
  }
  return best;
}

function noInspectionText(models) {
  if (models.every((model) => model.bestAccuracy === null)) {
    return 'No epoch ended, so there are no test results to show.';
  }
  return (
    'Every model with test results diverged or failed afterwards, so its predictions now ' +
    'mean nothing and no digits are shown.'
  );
}

/** Says which model the digits belong to and when in its run they were predicted. */
function inspectionNote(model) {
  const stepsPerEpoch = model.steps / model.epochs;
  const when =
    model.step % stepsPerEpoch === 0
      ? `after epoch ${formatInteger(model.epoch)}`
      : `as training left it at step ${formatInteger(model.step)}, during epoch ` +
        `${formatInteger(model.epoch + 1)}, so they can differ from its best epoch`;
  return (
    `${model.name} had the highest best test accuracy, ${formatPercent(model.bestAccuracy)}. ` +
    `The digits and the matrix show its predictions ${when}.`
  );
}

function accuracyText(models, qualifier) {
  const best = bestModel(models);
  if (!best) {
    return '';
  }
  return ` Highest test accuracy${qualifier}: ${best.name} (${formatPercent(best.bestAccuracy)}).`;
}

/** Describes a finished run: which models ran every epoch and which was most accurate. */
function finishedText(models, epochs) {
  const completed = models.filter((model) => model.state === 'done');
  if (completed.length === 0) {
    return 'Finished.';
  }
  const completedText =
    completed.length === models.length ? 'every model' : listNames(completed.map((m) => m.name));
  const noun = epochs === 1 ? 'epoch' : 'epochs';
  return `Done: ${completedText} ran ${formatInteger(epochs)} ${noun}.${accuracyText(models, '')}`;
}

function divergenceText(models) {
  const diverged = models.filter((model) => model.state === 'diverged');
  if (diverged.length === 0) {
    return '';
  }
  const where = diverged.map((m) => `${m.name} at step ${formatInteger(m.divergedStep)}`);
  const possessive = diverged.length === 1 ? 'Its' : 'Their';
  return (
    `Diverged: ${listNames(where)}. ${possessive} loss became NaN or infinite, so training ` +
    'stopped there; the curves keep the steps before. Try a smaller learning rate.'
  );
}

function errorTexts(models) {
  const failed = models.filter((model) => model.state === 'error');
  return failed.map((model) => `${model.name} failed: ${model.message}`);
}
