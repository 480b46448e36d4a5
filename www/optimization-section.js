// The parts that the optimization and generalization experiments share: a settings form that
// the wasm module validates, Train, Stop, Download CSV and Download JSON buttons, a pool of Web
// Workers that train the experiment's runs, and a status line. pca-section.js,
// gradnorm-section.js, minratio-section.js and generalization-section.js add each experiment's
// charts, tables and texts.

import { FrameScheduler } from './frame-scheduler.js';
import { downloadCsv } from './csv.js';
import { saveRunJson } from './export.js';
import { recordRunConfig } from './form.js';
import { OptimizationForm } from './optimization-form.js';
import { WorkerPool } from './pool.js';
import { ProgressView, formatInteger, listNames } from './results.js';
import { setButtonsEnabled } from './run-buttons.js';

// The states of a run that has ended. A run is 'queued' until its first chunk arrives, and
// 'skipped' when the experiment was stopped before it started.
const ENDED_STATES = new Set(['done', 'diverged', 'stopped', 'skipped', 'error']);

// The worker messages that end a run's item.
const ENDING_KINDS = new Set(['done', 'stopped', 'error']);

// The status line names at most this many runs of one kind, then counts the rest.
const MAX_NAMED_RUNS = 6;

// The status line shows at most this many error messages, and the console gets every one.
const MAX_SHOWN_ERRORS = 3;

/** Returns the worker count for `runs` runs: one per logical core, at most one per run. */
function poolSize(runs) {
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  return Math.min(cores, Math.max(1, runs));
}

/** Joins up to MAX_NAMED_RUNS names and counts the rest, as in "a, b and 3 more". */
export function listSome(names) {
  if (names.length <= MAX_NAMED_RUNS) {
    return listNames(names);
  }
  const rest = names.length - MAX_NAMED_RUNS;
  return listNames([...names.slice(0, MAX_NAMED_RUNS), `${rest} more`]);
}

/**
 * Builds the options of the selects that every optimization form may have: the target
 * functions and engines of fitCatalog, and the experiment's models when it has a choice.
 */
function choicesOf(fit, { defaults, models = [] }) {
  // An experiment without a model setting may list models of another kind, such as CNNs.
  const modelChoices = Object.hasOwn(defaults, 'model') ? models : [];
  return {
    function: fit.targets.map((target) => ({
      value: target.name,
      text: `${target.name}: ${target.formula}`,
    })),
    engine: fit.engines.map((name) => ({ value: name, text: name })),
    model: modelChoices.map((model) => ({
      value: model.name,
      text: `${model.name}: ${model.widths.join('-')}`,
    })),
  };
}

/**
 * Returns the hint under the model choice: what its options list and each model's parameter
 * count, which would not fit into the options at phone widths.
 */
function modelHint(models) {
  const counts = models.map((model) => `${model.name} ${formatInteger(model.parameters)}`);
  return `Layer widths from input to output. Parameters: ${counts.join(', ')}.`;
}

/**
 * One experiment's section. Subclasses implement createItem, applyChunk, renderRun,
 * phaseText, csv, summary and hasData, and may implement prepareRun, runFinished, notes,
 * validate, runCount, startIndices, workerFields, itemEnded and exportConfig.
 */
export class OptimizationSection {
  /**
   * `experiment` is the name the wasm module and the workers use, such as 'pca' or
   * 'capacity'. `prefix` starts the section's element ids and defaults to `experiment`.
   * `catalog` is the experiment's part of optimizationCatalog() or generalizationCatalog(),
   * `fit` is fitCatalog() for the target functions and engines, `hints` maps setting keys to
   * help text. `labels` maps setting keys to labels that replace the form's usual ones, and
   * `stopTimeoutMs` is how long a worker may take to respond to Stop.
   */
  constructor(
    bindings,
    module,
    {
      experiment,
      prefix = experiment,
      catalog,
      fit,
      hints = {},
      labels = {},
      stopTimeoutMs = undefined,
    },
  ) {
    this.bindings = bindings;
    this.module = module;
    this.experiment = experiment;
    this.prefix = prefix;
    this.catalog = catalog;
    this.targets = fit.targets;
    this.pool = null;
    this.stopTimeoutMs = stopTimeoutMs;
    this.scheduler = new FrameScheduler();
    this.element = (name) => document.getElementById(`${prefix}-${name}`);
    this.form = new OptimizationForm(this.element('settings'), prefix, {
      defaults: catalog.defaults,
      choices: choicesOf(fit, catalog),
      targets: fit.targets,
      hints: Object.hasOwn(catalog.defaults, 'model')
        ? { model: modelHint(catalog.models), ...hints }
        : hints,
      labels,
    });
    this.progress = new ProgressView(document, `${prefix}-`);
    this.trainButton = this.element('train');
    this.stopButton = this.element('stop');
    this.downloadButton = this.element('download');
    this.jsonButton = this.createJsonButton();
    // Saves the runs when the page keeps them (saved-runs.js), else null.
    this.keeper = null;
    this.run = this.createRun(0, catalog.defaults, 'idle');
    this.listen();
  }

  listen() {
    this.element('settings').addEventListener('submit', (event) => {
      event.preventDefault();
      this.train();
    });
    this.stopButton.addEventListener('click', () => this.stop());
    this.downloadButton.addEventListener('click', () => {
      const { filename, header, rows } = this.csv(this.run);
      downloadCsv(filename, header, rows);
    });
    this.jsonButton.addEventListener('click', () => {
      saveRunJson(this.prefix, this.exportConfig(this.run), this.summary(this.run));
    });
  }

  /**
   * Adds the Download JSON button after Download CSV. It saves `<prefix>.json`, since the
   * prefix spells the experiment as the command line's subcommand does.
   */
  createJsonButton() {
    const button = document.createElement('button');
    Object.assign(button, { type: 'button', id: `${this.prefix}-download-json`, disabled: true });
    button.className = 'secondary';
    button.dataset.testid = button.id;
    button.textContent = 'Download JSON';
    this.downloadButton.after(button);
    return button;
  }

  /** Returns the settings the run trained with, for its JSON file. */
  exportConfig(run) {
    return run.config;
  }

  /** Creates run `id` of the experiment. Phase 'idle' is the page before the first Train. */
  createRun(id, config, phase) {
    const count = this.runCount(config);
    const items = Array.from({ length: count }, (_, index) => ({
      index,
      label: `run ${index + 1}`,
      state: 'queued',
      ended: false,
      message: null,
      divergedAt: null,
      ...this.createItem(index, config),
    }));
    const run = { id, config, phase, items, startedAt: performance.now(), finishedAt: null };
    this.prepareRun(run);
    return run;
  }

  /** Returns how many runs (items) the experiment trains with `config`. */
  runCount(config) {
    return config.runs ?? 1;
  }

  /** Adds the experiment's own fields and elements to a new run. */
  prepareRun() {}

  /** Runs once when every run of the experiment has ended or was stopped. */
  runFinished() {}

  /** Returns the indices of the items that Train queues on the pool, by default all. */
  startIndices(run) {
    return run.items.map((item) => item.index);
  }

  /** Returns the fields of the workers' start messages for `config`. */
  workerFields(config) {
    return { experiment: this.experiment, config };
  }

  /** Runs after a `done`, `stopped` or `error` message of `item` has been applied. */
  itemEnded() {}

  /** Returns the wasm module's problems with the settings as JSON text. */
  validate(configJson) {
    return this.bindings.validateOptimizationConfig(this.experiment, configJson);
  }

  /** Returns extra sentences for the status line. */
  notes() {
    return [];
  }

  formulaOf(name) {
    return this.targets.find((target) => target.name === name)?.formula ?? name;
  }

  isActive(run) {
    return run.phase === 'running' || run.phase === 'stopping';
  }

  /** Reads and validates the form; returns the config and every problem, without showing them. */
  settingsProblems() {
    const { config, errors } = this.form.read();
    const rangeErrors = JSON.parse(this.validate(JSON.stringify(config)));
    return { config, problems: [...errors, ...rangeErrors] };
  }

  /** Reads and validates the form. Returns the config, or null after showing the errors. */
  validatedConfig() {
    const { config, problems } = this.settingsProblems();
    this.form.showErrors(problems);
    if (problems.length === 0) {
      return config;
    }
    const text =
      problems.length === 1
        ? 'Nothing started because a setting is invalid. See the message beside its field.'
        : `Nothing started because ${problems.length} settings are invalid. ` +
          'See the message beside each field.';
    this.progress.renderStatus(text, 'invalid');
    return null;
  }

  train() {
    // Train is disabled while a run is active, and a form with a disabled submit button
    // ignores Enter, so this only guards against a call from elsewhere.
    if (this.isActive(this.run)) {
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
    this.run = this.createRun(this.run.id + 1, config, 'running');
    recordRunConfig(this.form.form, config);
    const indices = this.startIndices(this.run);
    const fields = this.workerFields(config);
    this.poolOfSize(poolSize(indices.length)).startQueued(this.run.id, indices, fields);
    this.keeper?.started(this.run);
    this.invalidateCharts();
    this.renderSoon();
  }

  /** Returns a pool of `size` workers, replacing the current pool when its size differs. */
  poolOfSize(size) {
    if (this.pool?.size !== size) {
      this.pool?.terminate();
      this.pool = new WorkerPool(this.module, size, (message) => this.receive(message), {
        stopTimeoutMs: this.stopTimeoutMs,
      });
    }
    return this.pool;
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
    for (const item of run.items.filter((entry) => !entry.ended)) {
      item.ended = true;
      item.state = item.state === 'queued' ? 'skipped' : 'stopped';
    }
    this.finishRun(run);
  }

  finishRun(run) {
    if (!this.isActive(run)) {
      return;
    }
    const states = run.items.map((item) => item.state);
    if (states.every((state) => state === 'error')) {
      run.phase = 'failed';
    } else if (states.some((state) => state === 'stopped' || state === 'skipped')) {
      run.phase = 'stopped';
    } else {
      run.phase = 'done';
    }
    run.finishedAt = performance.now();
    this.runFinished(run);
    this.keeper?.ended(run);
    this.renderSoon();
  }

  /** Shows `run`, rebuilt from a saved record, with the charts and tables of a live run. */
  showSavedRun(run) {
    this.run = run;
    this.invalidateCharts();
    this.renderSoon();
  }

  /** Applies a worker message to the current run. Messages of older runs are dropped. */
  receive(message) {
    if (message.runId === null) {
      this.reportWorkerFailure(message.message);
      return;
    }
    const run = this.run;
    const item = run.items[message.model];
    if (message.runId !== run.id || !item) {
      return;
    }
    if (message.kind === 'progress') {
      this.applyChunk(run, item, message.chunk);
    } else if (message.kind === 'done' || message.kind === 'stopped') {
      item.ended = true;
      item.state = ENDED_STATES.has(item.state) ? item.state : message.kind;
    } else if (message.kind === 'error') {
      console.error(`${this.experiment} ${item.label}: ${message.message}`);
      Object.assign(item, { ended: true, state: 'error', message: message.message });
    }
    if (ENDING_KINDS.has(message.kind)) {
      this.itemEnded(run, item, message);
    }
    if (run.phase === 'running' && run.items.every((entry) => entry.ended)) {
      this.finishRun(run);
    }
    this.keeper?.changed(run);
    // One model's end renders with the next progress too, because with 8 runs on 2 workers
    // each end drew a frame of its own. The end of the whole run, in finishRun, does not wait.
    this.renderSoon({ throttled: run.phase === 'running' });
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

  /** Renders the experiment's counters and tables, the status line and the buttons. */
  renderText = () => {
    const run = this.run;
    this.renderRun(run);
    const sentences = [
      run.savedNote,
      this.leadText(run),
      this.divergenceText(run.items),
      ...errorTexts(run.items),
      ...this.notes(run),
    ];
    this.progress.renderStatus(sentences.filter(Boolean).join(' '), statusState(run));
    setButtonsEnabled([
      [this.trainButton, !this.isActive(run)],
      [this.stopButton, run.phase === 'running'],
    ]);
    const hasData = this.hasData(run);
    setButtonsEnabled([
      [this.downloadButton, hasData],
      [this.jsonButton, hasData],
    ]);
  };

  leadText(run) {
    switch (run.phase) {
      case 'idle':
        return 'Ready: choose the settings and press Train.';
      case 'stopping':
        return 'Stopping…';
      case 'failed':
        return 'Training failed.';
      default:
        return this.phaseText(run);
    }
  }

  /** Names the runs that diverged. `quantity` is what stopped being a finite number. */
  divergenceText(items, quantity = 'loss') {
    const diverged = items.filter((item) => item.state === 'diverged');
    if (diverged.length === 0) {
      return '';
    }
    const where = diverged.map((item) => `${item.label} at ${item.divergedAt}`);
    const possessive = diverged.length === 1 ? 'Its' : 'Their';
    return (
      `Diverged: ${listSome(where)}. ${possessive} ${quantity} became NaN or infinite, so ` +
      'training stopped there. Try a smaller learning rate.'
    );
  }
}

/** Returns the status line's state: a finished run of which every item diverged is diverged. */
function statusState(run) {
  if (run.phase === 'idle') {
    return 'ready';
  }
  const everyDiverged = run.items.every((item) => item.state === 'diverged');
  return run.phase === 'done' && everyDiverged ? 'diverged' : run.phase;
}

/** Returns the first MAX_SHOWN_ERRORS error messages and counts the others. */
function errorTexts(items) {
  const failed = items.filter((item) => item.state === 'error');
  const texts = failed.slice(0, MAX_SHOWN_ERRORS).map((item) => item.message);
  if (failed.length > MAX_SHOWN_ERRORS) {
    const more = failed.length - MAX_SHOWN_ERRORS;
    texts.push(`${more} more ${more === 1 ? 'run' : 'runs'} failed. See the browser console.`);
  }
  return texts;
}
