// The minimal-ratio experiment: runs of a small tanh network, each trained on the loss, then
// moved to where the gradient norm is below a threshold. There the full Hessian's eigenvalues
// give the minimal ratio, the fraction of them above zero.

import { PointTooltip } from './chart-tooltip.js';
import { ChartView, watchPixelRatio } from './charts.js';
import { OptimizationSection } from './optimization-section.js';
import { cell, formatInteger, formatLoss, setNumber } from './results.js';

const CSV_HEADER = [
  'run',
  'loss',
  'grad_norm',
  'minimal_ratio',
  'positive',
  'negative',
  'zero',
  'reached',
  'search',
  'search_steps',
];

// The states of a run that computed its result, diverged or failed.
const FINISHED_STATES = new Set(['done', 'diverged', 'error']);

// The table's words for the ends of a search that did not reach the threshold.
const SEARCH_ENDINGS = { stalled: 'stalled', out_of_steps: 'out of steps' };

function formatRatio(value) {
  return value === null || value === undefined ? '–' : value.toFixed(3);
}

/** Returns whether a result's numbers are all finite, which the scatter chart needs. */
function isChartable(result) {
  return Number.isFinite(result.loss) && Number.isFinite(result.minimal_ratio);
}

/** Returns the text of the threshold column for a finished run. */
function thresholdText(result) {
  if (result.reached) {
    return 'reached';
  }
  return `stayed above threshold (${SEARCH_ENDINGS[result.search] ?? result.search})`;
}

function describeResult(result) {
  return [
    `Run ${result.run + 1}`,
    `Loss ${formatLoss(result.loss)}`,
    `Minimal ratio ${formatRatio(result.minimal_ratio)}`,
    `Gradient norm ${formatLoss(result.grad_norm)}`,
  ].join('\n');
}

export class MinRatioSection extends OptimizationSection {
  constructor(bindings, module, catalog, fit) {
    const { defaults, command_line_runs: commandLineRuns } = catalog;
    const hints = {
      runs: `Default ${defaults.runs} here, ${commandLineRuns} on the command line.`,
    };
    super(bindings, module, { experiment: 'minratio', catalog, fit, hints });
    this.describeModel();
    this.createCharts();
    this.renderSoon();
  }

  /** Fills in the model and the run counts that the introduction mentions. */
  describeModel() {
    const { model, defaults, command_line_runs: commandLineRuns } = this.catalog;
    this.element('model').textContent =
      `${model.name} network (${model.widths.join('-')}, ${model.activation}, ` +
      `${formatInteger(model.parameters)} parameters)`;
    this.element('runs-note').textContent =
      `The page starts with ${defaults.runs} runs, where the command line's default is ` +
      `${commandLineRuns}, so that results come sooner.`;
  }

  createCharts() {
    const ratioCanvas = this.element('ratio-chart');
    const tooltip = new PointTooltip(ratioCanvas, 'minratio-ratio-chart-tooltip', {
      onPick: (series, index) => this.select(this.chartedGroups[series][index].run),
    });
    this.chartedGroups = [[], []];
    this.ratioView = new ChartView(
      ratioCanvas,
      () => this.ratioChart(),
      this.bindings.drawScatterChart,
      this.scheduler,
      { onDrawn: (positions) => this.showPoints(tooltip, positions) },
    );
    this.histogramView = new ChartView(
      this.element('histogram'),
      () => this.histogram(),
      this.bindings.drawHistogram,
      this.scheduler,
      { name: 'minratio-eigenvalues' },
    );
    watchPixelRatio(() => {
      this.ratioView.resizeToPixelRatio();
      this.histogramView.resizeToPixelRatio();
    });
  }

  invalidateCharts() {
    this.ratioView?.invalidate();
    this.histogramView?.invalidate();
  }

  createItem(index, config) {
    return {
      epoch: 0,
      epochs: config.epochs,
      searchStep: 0,
      searchSteps: config.search_steps,
      loss: null,
      gradNorm: null,
      result: null,
    };
  }

  prepareRun(run) {
    // finished: the runs with a result, in the order they finished. selected: the run whose
    // spectrum the histogram shows, once picked in the table or the chart.
    Object.assign(run, { finished: [], selected: null });
    this.buildTable(run);
  }

  buildTable(run) {
    const body = this.element('results-body');
    body.replaceChildren();
    if (run.phase === 'idle') {
      return;
    }
    for (const item of run.items) {
      const number = item.index + 1;
      const row = document.createElement('tr');
      row.dataset.run = String(number);
      const name = cell('th', `minratio-run-${number}`);
      name.scope = 'row';
      name.textContent = String(number);
      const cells = {
        phase: cell('td', `minratio-phase-${number}`, 'model-status'),
        progress: cell('td', `minratio-progress-${number}`, 'number'),
        loss: cell('td', `minratio-loss-${number}`, 'number'),
        gradNorm: cell('td', `minratio-grad-norm-${number}`, 'number'),
        ratio: cell('td', `minratio-ratio-${number}`, 'number'),
        counts: cell('td', `minratio-counts-${number}`, 'number'),
        threshold: cell('td', `minratio-threshold-${number}`),
      };
      row.append(name, ...Object.values(cells));
      row.addEventListener('click', () => this.select(item.index));
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          // Space would otherwise scroll the page.
          event.preventDefault();
          this.select(item.index);
        }
      });
      body.append(row);
      item.view = { row, cells };
    }
  }

  applyChunk(run, item, chunk) {
    Object.assign(item, {
      epoch: chunk.epoch,
      epochs: chunk.epochs,
      searchStep: chunk.search_step,
      searchSteps: chunk.search_steps,
      loss: chunk.loss,
      gradNorm: chunk.grad_norm,
    });
    if (chunk.phase !== 'finished') {
      item.state = chunk.phase;
    } else if (chunk.result) {
      item.state = 'done';
      item.result = chunk.result;
      run.finished.push(item.index);
      this.invalidateCharts();
    } else {
      item.state = 'diverged';
      item.divergedAt = `epoch ${formatInteger(chunk.status.epoch ?? chunk.epoch)}`;
    }
  }

  /** Shows the spectrum of run `index` (from 0), if it has finished. */
  select(index) {
    const run = this.run;
    if (!run.items[index]?.result) {
      return;
    }
    run.selected = index;
    this.histogramView.invalidate();
    this.renderSoon();
  }

  /**
   * Returns the run whose spectrum the histogram shows: the one picked, or else the first to
   * finish with the norm below the threshold, or else the first to finish. Null before any.
   */
  shownIndex(run) {
    if (run.selected !== null) {
      return run.selected;
    }
    const reached = run.finished.find((index) => run.items[index].result.reached);
    return reached ?? run.finished[0] ?? null;
  }

  /** Returns the finished results in run order. */
  results(run) {
    return run.items.filter((item) => item.result).map((item) => item.result);
  }

  ratioChart() {
    const run = this.run;
    const results = this.results(run).filter(isChartable);
    // The chart draws the runs that reached the threshold first, then the others.
    this.chartedGroups = [
      results.filter((result) => result.reached),
      results.filter((result) => !result.reached),
    ];
    const json = this.bindings.minRatioChart(run.config.function, JSON.stringify(results));
    return JSON.parse(json);
  }

  showPoints(tooltip, positionsJson) {
    const groups = this.chartedGroups;
    const positions = positionsJson ? JSON.parse(positionsJson) : [];
    tooltip.setPoints(positions, (series, index) => describeResult(groups[series][index]));
  }

  histogram() {
    const index = this.shownIndex(this.run);
    if (index === null) {
      return null;
    }
    const result = this.run.items[index].result;
    return JSON.parse(this.bindings.spectrumHistogram(JSON.stringify(result)));
  }

  renderRun(run) {
    // Runs that were stopped or never started have not finished.
    const finished = run.items.filter((item) => FINISHED_STATES.has(item.state)).length;
    this.progress.renderCounters(
      finished,
      run.items.length,
      runRateText(run, finished),
      run.phase === 'running' ? etaSeconds(run, finished) : null,
      'runs finished',
    );
    const shownRun = this.shownIndex(run);
    for (const item of run.items.filter((entry) => entry.view)) {
      renderRow(item, item.index === shownRun);
    }
    this.renderCaption(run, shownRun);
  }

  renderCaption(run, shownRun) {
    const caption = this.element('histogram-caption');
    if (shownRun === null) {
      caption.textContent = 'The Hessian spectrum of a run shows here once the run finishes.';
      return;
    }
    const { result } = run.items[shownRun];
    const { positive, negative, zero } = result.spectrum;
    const reason = run.selected !== null ? 'picked' : defaultReason(result);
    caption.textContent =
      `Run ${shownRun + 1} (${reason}): ${positive} positive, ${negative} negative and ${zero} ` +
      `zero eigenvalues, minimal ratio ${formatRatio(result.minimal_ratio)}. ` +
      'Click a finished row of the table, or a point of the scatter, to show another run.';
  }

  phaseText(run) {
    const { config, items } = run;
    const threshold = String(config.threshold);
    if (run.phase === 'running') {
      const workers = Math.min(this.pool.size, items.length);
      return (
        `Computing ${items.length} ${items.length === 1 ? 'run' : 'runs'}, ${workers} at a ` +
        `time. Each trains for ${formatInteger(config.epochs)} epochs, then searches at most ` +
        `${formatInteger(config.search_steps)} steps for a gradient norm below ${threshold}…`
      );
    }
    const results = this.results(run);
    const reached = results.filter((result) => result.reached).length;
    const lead =
      run.phase === 'stopped'
        ? `Stopped: ${results.length} of ${items.length} runs had finished.`
        : `Done: ${results.length} of ${items.length} runs finished.`;
    if (results.length === 0) {
      return lead;
    }
    return (
      `${lead} ${reached} reached a gradient norm below ${threshold}, ` +
      `${results.length - reached} stayed above it.`
    );
  }

  hasData(run) {
    return run.finished.length > 0;
  }

  /** Returns the command line's model and run counts, and each finished run's CSV row. */
  summary(run) {
    const results = this.results(run);
    const { header, rows } = this.csv(run);
    return {
      model: this.catalog.model,
      runs_finished: results.length,
      runs_reached: results.filter((result) => result.reached).length,
      runs: rows.map((row) => Object.fromEntries(header.map((key, i) => [key, row[i]]))),
    };
  }

  csv(run) {
    const rows = this.results(run).map((result) => [
      result.run + 1,
      result.loss,
      result.grad_norm,
      result.minimal_ratio,
      result.spectrum.positive,
      result.spectrum.negative,
      result.spectrum.zero,
      result.reached,
      result.search,
      result.search_steps,
    ]);
    return { filename: 'minratio.csv', header: CSV_HEADER, rows };
  }
}

function defaultReason(result) {
  return result.reached
    ? 'the first to finish below the threshold'
    : 'the first to finish, since no finished run is below the threshold';
}

/** Updates one table row from its run. `current` marks the run the histogram shows. */
function renderRow(item, current) {
  const { row, cells } = item.view;
  const result = item.result;
  row.dataset.state = item.state;
  row.tabIndex = result ? 0 : -1;
  row.classList.toggle('selectable', result !== null);
  if (current) {
    row.setAttribute('aria-current', 'true');
  } else {
    row.removeAttribute('aria-current');
  }
  cells.phase.textContent = phaseName(item);
  cells.phase.dataset.state = item.state;
  cells.progress.textContent = progressText(item);
  setNumber(cells.loss, result?.loss ?? item.loss, formatLoss);
  setNumber(cells.gradNorm, result?.grad_norm ?? item.gradNorm, formatLoss);
  setNumber(cells.ratio, result?.minimal_ratio ?? null, formatRatio);
  const spectrum = result?.spectrum;
  cells.counts.textContent = spectrum
    ? `${spectrum.positive} / ${spectrum.negative} / ${spectrum.zero}`
    : '–';
  cells.threshold.textContent = result ? thresholdText(result) : endText(item);
  cells.threshold.dataset.reached = result ? String(result.reached) : '';
  cells.threshold.title = item.message ?? '';
}

function phaseName(item) {
  const names = { queued: 'waiting', done: 'finished', skipped: 'not run', error: 'failed' };
  return names[item.state] ?? item.state;
}

function progressText(item) {
  switch (item.state) {
    case 'queued':
    case 'skipped':
      return '–';
    case 'training':
    case 'diverged':
      return `epoch ${formatInteger(item.epoch)} / ${formatInteger(item.epochs)}`;
    default:
      if (item.searchStep === 0 && item.epoch < item.epochs) {
        return `epoch ${formatInteger(item.epoch)} / ${formatInteger(item.epochs)}`;
      }
      return `search step ${formatInteger(item.searchStep)} / ${formatInteger(item.searchSteps)}`;
  }
}

/** Describes how a run without a result ended. */
function endText(item) {
  const texts = {
    diverged: `diverged at ${item.divergedAt}`,
    stopped: 'stopped',
    error: 'failed',
  };
  return texts[item.state] ?? '–';
}

/** Returns runs per minute over the whole run so far, since runs end seconds apart. */
function runRateText(run, finished) {
  const minutes = ((run.finishedAt ?? performance.now()) - run.startedAt) / 60_000;
  if (run.phase === 'idle' || finished === 0 || minutes <= 0) {
    return '– runs/min';
  }
  const rate = `${(finished / minutes).toFixed(1)} runs/min`;
  // After the run the rate covers all of it, as the MNIST rate does after its run.
  return run.finishedAt === null ? rate : `${rate} (average)`;
}

function etaSeconds(run, finished) {
  if (finished === 0) {
    return null;
  }
  const seconds = (performance.now() - run.startedAt) / 1000;
  return ((run.items.length - finished) * seconds) / finished;
}
