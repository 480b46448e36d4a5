// gradlab's page: loads the wasm module once and hosts four experiments behind tabs. Deep vs
// shallow function fitting (FitPage, below): three MLPs of about 571 parameters each fit the
// same 1-D function. MNIST (mnist-page.js): three CNNs of about 25,500 parameters classify
// digits. Each of these trains one Web Worker per model. Optimization (optimization-page.js):
// the PCA path, the gradient norm and the minimal ratio, whose runs share a pool of workers
// per experiment. optimization-page.js lists the ids of that tab. Generalization
// (generalization-page.js, which lists its ids): random labels, parameter count,
// interpolation and sensitivity on the MNIST tab's digits.
//
// Ids and data-testid values that the end-to-end tests in tests/e2e read:
//   #tab-fit, #tab-mnist      the experiment tabs (data-testid tab-fit, tab-mnist), which show
//                             #panel-fit or #panel-mnist; the URL fragment #mnist opens MNIST
//   #load-error               why the WebAssembly module failed to load, or a worker failed
//
// Deep vs shallow:
//   #settings                 the form; inputs #function #domain-low #domain-high #points
//                             #epochs #batch-size #learning-rate #engine #seed
//   #<input>-error            the message beside each field: #function-error #domain-error
//                             #points-error #epochs-error #batch-size-error
//                             #learning-rate-error #engine-error #seed-error, and #config-error
//                             for the rest; data-testid error-<config key>, for example
//                             error-learning_rate, error-domain, error-config
//   #train, #stop             buttons (data-testid train, stop)
//   #status                   status line; data-state is loading, ready, invalid, running,
//                             stopping, stopped, done or failed
//   #progress                 <progress> over all models' optimizer steps
//   #step-counter             "done / total steps"; raw numbers in data-step and data-steps
//   #rate, #eta               steps per second and estimated time left
//   #loss-chart, #fit-chart   canvases; data-model-series (model series with points),
//                             data-model-points, data-draw-count and data-draw-ms describe
//                             the last drawing
//   table rows [data-model=<name>] with cells data-testid widths-<name>, parameters-<name>,
//     final-loss-<name> and best-loss-<name> (raw number in data-value) and status-<name>
//     (data-state idle, running, done, stopped, diverged or error)
//
// MNIST (ids start with mnist-, data-testid values as the ids unless given):
//   #mnist-data-summary       the digits in use; data-source default, upload or none,
//                             data-train and data-test (digits trained and tested on),
//                             data-held-out (true when test digits come from the training files)
//   #mnist-data-error         why picked files were rejected (role alert)
//   #mnist-train-images, #mnist-train-labels, #mnist-test-images, #mnist-test-labels
//                             file inputs; #mnist-load-files and #mnist-use-default buttons
//   #mnist-settings           the form; inputs #mnist-epochs #mnist-batch-size
//                             #mnist-learning-rate #mnist-engine #mnist-seed, messages
//                             #mnist-<input>-error and #mnist-config-error (data-testid
//                             mnist-error-<config key>)
//   #mnist-train, #mnist-stop buttons
//   #mnist-status             status line; data-state as #status, plus no-data
//   #mnist-progress, #mnist-step-counter (data-step, data-steps), #mnist-rate (images/s),
//   #mnist-eta
//   #mnist-loss-chart, #mnist-accuracy-chart
//                             canvases with the data attributes of #loss-chart
//   table rows [data-model=<name>] in #mnist-results-body with cells data-testid
//     mnist-layers-<name>, mnist-parameters-<name>, mnist-best-accuracy-<name> (fraction in
//     data-value), mnist-final-loss-<name>, mnist-rate-<name> (images/s) and
//     mnist-status-<name> (data-state as status-<name>)
//   #mnist-inspection         section on the most accurate model; data-state pending, shown,
//                             none or failed, data-model its name
//   #mnist-digit-grid         canvas of the first test digits; data-digits, data-mistakes
//   #mnist-digit-caption      the grid's caption, naming each mistake
//   #mnist-confusion          confusion matrix; cells td[data-count][data-true][data-predicted]
//                             (class diagonal on the diagonal), data-total on the table

import { ChartView, FrameScheduler, fitChart, lossChart, watchPixelRatio } from './charts.js';
import { SettingsForm } from './form.js';
import { MnistPage } from './mnist-page.js';
import { GeneralizationPage } from './generalization-page.js';
import { OptimizationPage } from './optimization-page.js';
import { WorkerPool } from './pool.js';
import { ExperimentTabs } from './tabs.js';
import { installSavedRuns, savedRunsWanted } from './saved-runs.js';
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

/** Compiles the wasm module, also when the server sends it with the wrong MIME type. */
async function compileWasm(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url.pathname} returned HTTP ${response.status} ${response.statusText}`);
  }
  const mimeType = (response.headers.get('Content-Type') ?? '').split(';')[0].trim();
  if (mimeType === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  // compileStreaming rejects every other MIME type, which some static file servers send.
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Loads the bindings and compiles the module once; workers receive the compiled module. */
async function loadWasm() {
  const bindings = await import('./pkg/gradlab.js');
  const module = await compileWasm(new URL('./pkg/gradlab_bg.wasm', import.meta.url));
  await bindings.default({ module_or_path: module });
  return { bindings, module };
}

function showLoadError(error) {
  console.error(error);
  const element = document.getElementById('load-error');
  element.textContent =
    `The WebAssembly module failed to load, so nothing can be trained: ${error.message}. ` +
    'Build it with ./build.sh build, then reload the page.';
  element.hidden = false;
  const statusIds = [
    'status',
    'mnist-status',
    'pca-status',
    'gradnorm-status',
    'minratio-status',
    'random-labels-status',
    'capacity-status',
    'interpolate-status',
    'sensitivity-status',
  ];
  for (const id of statusIds) {
    const status = document.getElementById(id);
    status.textContent = 'Not available: the WebAssembly module failed to load.';
    status.dataset.state = 'failed';
  }
}

class FitPage {
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
    );
    this.fitView = new ChartView(
      document.getElementById('fit-chart'),
      () => fitChart(formula(), this.run.target, models()),
      draw,
      this.scheduler,
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
    document.getElementById('function').addEventListener('change', () => this.previewTarget());
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

  /** Reads and validates the form; returns the config, or null after showing the errors. */
  validatedConfig() {
    const { config, errors } = this.form.read();
    const rangeErrors = JSON.parse(this.bindings.validateFitConfig(JSON.stringify(config)));
    const problems = [...errors, ...rangeErrors];
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
    const config = this.validatedConfig();
    if (!config) {
      return;
    }
    this.trainButton.disabled = true;
    const previous = this.run;
    if (this.isActive(previous)) {
      await this.stopRun(previous);
    }
    this.pool ??= new WorkerPool(this.module, this.catalog.models.length, (message) =>
      this.receive(message),
    );
    this.run = this.createRun(previous.id + 1, config, 'running');
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
    this.renderSoon();
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

  renderSoon() {
    this.scheduler.request(this.renderText);
  }

  /** Renders the table, the progress counters, the status line and the buttons. */
  renderText = () => {
    const run = this.run;
    this.results.renderModels(run.models);
    const running = run.phase === 'running';
    const step = sumOf(run.models, 'step');
    this.progress.renderSteps(step, sumOf(run.models, 'steps'), run.rate.rate(), running);
    this.progress.renderStatus(this.statusText(run), run.phase === 'idle' ? 'ready' : run.phase);
    this.trainButton.disabled = run.phase === 'stopping';
    this.stopButton.disabled = !running;
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

async function boot() {
  // The tabs work while the module loads; MNIST loads its digits when first opened after that.
  let mnistPage = null;
  let mnistOpened = false;
  let generalizationPage = null;
  const tabs = new ExperimentTabs(document.getElementById('experiment-tabs'), (name) => {
    if (name === 'mnist') {
      mnistOpened = true;
      mnistPage?.activate();
    } else if (name === 'generalization') {
      generalizationPage?.activate();
    }
  });
  tabs.selectFromHash();
  let loaded;
  try {
    loaded = await loadWasm();
  } catch (error) {
    showLoadError(error);
    return;
  }
  const { bindings, module } = loaded;
  const fitCatalog = JSON.parse(bindings.fitCatalog());
  const fitPage = new FitPage(bindings, module, fitCatalog);
  const mnistCatalog = JSON.parse(bindings.mnistCatalog());
  mnistPage = new MnistPage(bindings, module, mnistCatalog);
  if (mnistOpened) {
    mnistPage.activate();
  }
  const optimizationCatalog = JSON.parse(bindings.optimizationCatalog());
  const optimizationPage = new OptimizationPage(bindings, module, optimizationCatalog, fitCatalog);
  generalizationPage = new GeneralizationPage(
    bindings,
    module,
    JSON.parse(bindings.generalizationCatalog()),
    fitCatalog,
    mnistPage.digits,
    mnistCatalog.held_out_share,
  );
  if (savedRunsWanted()) {
    installSavedRuns(bindings, {
      fit: fitPage,
      mnist: mnistPage,
      optimization: optimizationPage,
      generalization: generalizationPage,
    });
  }
}

boot();
