// The deep vs shallow experiment: three MLPs of about 571 parameters each fit the same 1-D
// function, one Web Worker per model. app.js lists the ids this page reads.

import { ChartView, fitChart, lossChart, watchPixelRatio } from './charts.js';
import { downloadCsv } from './csv.js';
import { saveRunJson } from './export.js';
import { SettingsForm, recordRunConfig } from './form.js';
import { FrameScheduler } from './frame-scheduler.js';
import { WorkerPool } from './pool.js';
import { isPressable, setButtonsEnabled } from './run-buttons.js';
import { fitLossCsv, fitPredictionsCsv, fitSummary } from './run-export.js';
import {
  ProgressView,
  RateMeter,
  ResultsView,
  expectedSteps,
  formatInteger,
  formatLoss,
  listNames,
  sumOf,
} from './results.js';

// The loss is recorded every ceil(epochs / MAX_LOSS_POINTS) epochs, so the series stays small.
const MAX_LOSS_POINTS = 2000;

const FINAL_MODEL_STATES = new Set(['done', 'stopped', 'diverged', 'error']);

export class FitPage {
  constructor(bindings, module, catalog) {
    this.bindings = bindings;
    this.module = module;
    this.catalog = catalog;
    this.pool = null;
    this.scheduler = new FrameScheduler();
    this.form = new SettingsForm(document.getElementById('settings'), catalog);
    this.results = new ResultsView(document.getElementById('results-body'), catalog.models);
    this.progress = new ProgressView(document);
    this.trainButton = document.getElementById('train');
    this.stopButton = document.getElementById('stop');
    this.exportButtons = {
      loss: document.getElementById('fit-download-loss'),
      predictions: document.getElementById('fit-download-predictions'),
      json: document.getElementById('fit-download-json'),
    };
    // Saves the runs when the page keeps them (saved-runs.js), else null.
    this.keeper = null;
    this.run = this.createRun(0, catalog.defaults, 'idle');
    this.createCharts();
    this.listen();
    this.renderSoon();
  }

  createCharts() {
    const draw = this.bindings.drawLineChart;
    const formula = () => this.formulaOf(this.run.config.function);
    const models = () => this.run.models;
    this.lossView = new ChartView(
      document.getElementById('loss-chart'),
      () => lossChart(formula(), models()),
      draw,
      this.scheduler,
      { name: 'fit-loss' },
    );
    this.fitView = new ChartView(
      document.getElementById('fit-chart'),
      () => fitChart(formula(), this.run.target, models()),
      draw,
      this.scheduler,
      { name: 'fit-predictions' },
    );
    watchPixelRatio(() => {
      this.lossView.resizeToPixelRatio();
      this.fitView.resizeToPixelRatio();
    });
  }

  listen() {
    document.getElementById('settings').addEventListener('submit', (event) => {
      event.preventDefault();
      this.train();
    });
    this.stopButton.addEventListener('click', () => this.stop());
    this.listenForExports();
    document.getElementById('function').addEventListener('change', () => this.previewTarget());
  }

  /** Saves the charted run: its loss and predictions as CSV, its settings and results as JSON. */
  listenForExports() {
    const saveCsv = (build) => {
      const { filename, header, rows } = build(this.run);
      downloadCsv(filename, header, rows);
    };
    this.exportButtons.loss.addEventListener('click', () => saveCsv(fitLossCsv));
    this.exportButtons.predictions.addEventListener('click', () => saveCsv(fitPredictionsCsv));
    this.exportButtons.json.addEventListener('click', () => {
      saveRunJson('fit', this.run.config, fitSummary(this.run, this.catalog));
    });
  }

  formulaOf(name) {
    return this.catalog.targets.find((target) => target.name === name)?.formula ?? name;
  }

  /**
   * Creates the data of run `id`. Phase 'idle' is the preview before the first run, which
   * shows the target alone.
   */
  createRun(id, config, phase) {
    const target = JSON.parse(this.bindings.fitTargetCurve(JSON.stringify(config)));
    const models = this.catalog.models.map((model) => ({
      name: model.name,
      state: phase === 'idle' ? 'idle' : 'running',
      epoch: 0,
      epochs: config.epochs,
      step: 0,
      steps: expectedSteps(config),
      loss: null,
      bestLoss: null,
      lossPoints: [],
      predictions: null,
      divergedEpoch: null,
      message: null,
    }));
    return { id, config, target, phase, models, rate: new RateMeter() };
  }

  /** Shows the newly chosen target in the fit chart, as long as nothing has been trained. */
  previewTarget() {
    if (this.run.phase !== 'idle') {
      return;
    }
    const name = document.getElementById('function').value;
    const target = this.catalog.targets.find((entry) => entry.name === name);
    const config = { ...this.catalog.defaults, function: name, domain: target.domain };
    this.run = this.createRun(0, config, 'idle');
    this.invalidateCharts();
  }

  /** Reads and validates the form; returns the config and every problem, without showing them. */
  settingsProblems() {
    const { config, errors } = this.form.read();
    const rangeErrors = JSON.parse(this.bindings.validateFitConfig(JSON.stringify(config)));
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
    setButtonsEnabled([
      [this.trainButton, false],
      [this.stopButton, false],
    ]);
    const previous = this.run;
    if (this.isActive(previous)) {
      await this.stopRun(previous);
    }
    this.pool ??= new WorkerPool(this.module, this.catalog.models.length, (message) =>
      this.receive(message),
    );
    this.run = this.createRun(previous.id + 1, config, 'running');
    recordRunConfig(this.form.form, config);
    const recordEvery = Math.ceil(config.epochs / MAX_LOSS_POINTS);
    const names = this.run.models.map((model) => model.name);
    this.pool.start(this.run.id, names, { experiment: 'fit', config, recordEvery });
    this.keeper?.started(this.run);
    this.invalidateCharts();
    this.renderSoon();
  }

  async stop() {
    if (this.run.phase === 'running') {
      await this.stopRun(this.run);
    }
  }

  /** Stops every worker of `run`, waiting until each has responded or been replaced. */
  async stopRun(run) {
    run.phase = 'stopping';
    this.renderSoon();
    await this.pool.stop(run.id);
    for (const model of run.models) {
      if (!FINAL_MODEL_STATES.has(model.state)) {
        model.state = 'stopped';
      }
    }
    this.finishRun(run);
  }

  finishRun(run) {
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
    this.keeper?.ended(run);
    this.renderSoon();
  }

  /** Shows `run`, rebuilt from a saved record, with the charts and table of a live run. */
  showSavedRun(run) {
    this.run = run;
    this.invalidateCharts();
    this.renderSoon();
  }

  /** Applies a worker message to the current run; messages of older runs are dropped. */
  receive(message) {
    if (message.runId === null) {
      this.reportWorkerFailure(message.message);
      return;
    }
    const run = this.run;
    const model = run.models.find((entry) => entry.name === message.model);
    if (message.runId !== run.id || !model) {
      return;
    }
    if (message.kind === 'progress') {
      this.applyProgress(run, model, message);
    } else if (message.kind === 'series') {
      model.predictions = message.predictions;
      this.fitView.invalidate();
    } else if (message.kind === 'done' || message.kind === 'stopped') {
      this.applySummary(model, message);
    } else if (message.kind === 'error') {
      this.applyError(model, message.message);
    }
    if (run.phase === 'running' && run.models.every((m) => FINAL_MODEL_STATES.has(m.state))) {
      this.finishRun(run);
    }
    this.keeper?.changed(run);
    this.renderSoon({ throttled: message.kind === 'progress' || message.kind === 'series' });
  }

  applyProgress(run, model, message) {
    Object.assign(model, {
      epoch: message.epoch,
      epochs: message.epochs,
      step: message.step,
      steps: message.steps,
      loss: message.loss,
      bestLoss: message.bestLoss,
      state: message.state,
      divergedEpoch: message.divergedEpoch,
    });
    model.lossPoints.push(...message.points);
    this.lossView.invalidate();
    run.rate.add(performance.now(), sumOf(run.models, 'step'));
  }

  /** Copies the final losses and state from a `done` or `stopped` message. */
  applySummary(model, message) {
    const summary = message.summary;
    if (summary) {
      model.loss = summary.final_loss;
      model.bestLoss = summary.best_loss;
    }
    if (message.kind === 'stopped') {
      model.state = FINAL_MODEL_STATES.has(model.state) ? model.state : 'stopped';
      return;
    }
    model.state = summary.status.state;
    model.divergedEpoch = summary.status.epoch ?? null;
  }

  applyError(model, text) {
    console.error(`${model.name}: ${text}`);
    model.state = 'error';
    model.message = text;
  }

  reportWorkerFailure(text) {
    console.error(text);
    const element = document.getElementById('load-error');
    element.textContent = text;
    element.hidden = false;
  }

  invalidateCharts() {
    this.lossView.invalidate();
    this.fitView.invalidate();
  }

  /** Renders in the next frame, or as a throttled request of FrameScheduler. */
  renderSoon({ throttled = false } = {}) {
    this.scheduler.request(this.renderText, { throttled });
  }

  /** Renders the table, the progress counters, the status line and the buttons. */
  renderText = () => {
    const run = this.run;
    this.results.renderModels(run.models);
    const running = run.phase === 'running';
    const step = sumOf(run.models, 'step');
    this.progress.renderSteps(step, sumOf(run.models, 'steps'), run.rate.rate(), running);
    this.progress.renderStatus(this.statusText(run), run.phase === 'idle' ? 'ready' : run.phase);
    setButtonsEnabled([
      [this.trainButton, run.phase !== 'stopping'],
      [this.stopButton, running],
    ]);
    const hasLoss = run.models.some((model) => model.lossPoints.length > 0);
    const hasPredictions = run.models.some((model) => model.predictions !== null);
    setButtonsEnabled([
      [this.exportButtons.loss, hasLoss],
      [this.exportButtons.predictions, hasPredictions],
      [this.exportButtons.json, hasLoss],
    ]);
  };

  statusText(run) {
    const models = run.models;
    const done = formatInteger(sumOf(models, 'step'));
    const total = formatInteger(sumOf(models, 'steps'));
    const lead = {
      idle: 'Ready: choose the settings and press Train.',
      running: `Training ${listNames(models.map((m) => m.name))} on ${run.config.function}…`,
      stopping: 'Stopping…',
      stopped: `Stopped after ${done} of ${total} steps.`,
      done: finishedText(models, run.config.epochs),
      failed: 'Training failed.',
    }[run.phase];
    const sentences = [run.savedNote, lead, divergenceText(models), ...errorTexts(models)];
    return sentences.filter(Boolean).join(' ');
  }
}

/** Describes a finished run: which models ran every epoch and which ended lowest. */
function finishedText(models, epochs) {
  const completed = models.filter((model) => model.state === 'done' && model.loss !== null);
  if (completed.length === 0) {
    return 'Finished.';
  }
  const who =
    completed.length === models.length ? 'every model' : listNames(completed.map((m) => m.name));
  const lowest = completed.reduce((best, model) => (model.loss < best.loss ? model : best));
  return (
    `Done: ${who} ran ${formatInteger(epochs)} epochs. ` +
    `Lowest final loss: ${lowest.name} (${formatLoss(lowest.loss)}).`
  );
}

function divergenceText(models) {
  const diverged = models.filter((model) => model.state === 'diverged');
  if (diverged.length === 0) {
    return '';
  }
  const where = diverged.map((m) => `${m.name} at epoch ${formatInteger(m.divergedEpoch)}`);
  const whose = diverged.length === 1 ? 'Its' : 'Their';
  return (
    `Diverged: ${listNames(where)}. ${whose} loss became NaN or infinite, so training ` +
    'stopped there. Try a smaller learning rate.'
  );
}

function errorTexts(models) {
  const failed = models.filter((model) => model.state === 'error');
  return failed.map((model) => `${model.name} failed: ${model.message}`);
}
