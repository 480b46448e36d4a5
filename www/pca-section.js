// The PCA experiment. One model is trained from several seeds, with its parameters recorded
// every few epochs. All recorded vectors of all runs are projected together onto their first
// two principal components, once for the whole model and once for the first layer.

import { PointTooltip } from './chart-tooltip.js';
import { ChartView, watchPixelRatio } from './charts.js';
import { coresBusy } from './core-load.js';
import { OptimizationSection } from './optimization-section.js';
import { RateMeter, expectedSteps, formatInteger, formatLoss, sumOf } from './results.js';

// The projection is recomputed at most this often while runs train (the second while the
// workers train on every core), and at the end.
const MIN_PROJECTION_INTERVAL_MS = 500;
const BUSY_PROJECTION_INTERVAL_MS = 1000;
// Between projections the page also waits twice as long as the last one took, so projecting
// many records takes at most a third of the main thread's time.
const PROJECTION_TIME_FACTOR = 2;

const PROJECTIONS = [
  { kind: 'whole', canvas: 'whole-chart', title: 'Whole model, PCA of the path' },
  { kind: 'first_layer', canvas: 'first-layer-chart', title: 'First layer, PCA of the path' },
];

const CSV_HEADER = [
  'run',
  'epoch',
  'loss',
  'whole_pc1',
  'whole_pc2',
  'first_layer_pc1',
  'first_layer_pc2',
];

/** Returns the chart drawn before two parameter vectors exist to project. */
function emptyPathChart(title) {
  return { title, x_label: 'PC 1', y_label: 'PC 2', log_x: false, log_y: false, series: [] };
}

/** Groups projected points by run, in the order pathChart draws them: series r is run r. */
function pointsByRun(points) {
  const groups = [];
  for (const point of points) {
    (groups[point.run] ??= []).push(point);
  }
  return groups;
}

function describePoint(point) {
  const where = `Run ${point.run + 1}, epoch ${formatInteger(point.epoch)}`;
  return `${where}\nLoss ${formatLoss(point.loss)}`;
}

function percent(share) {
  return `${(100 * share).toFixed(1)}%`;
}

export class PcaSection extends OptimizationSection {
  constructor(bindings, module, catalog, fit) {
    super(bindings, module, { experiment: 'pca', catalog, fit });
    this.createCharts();
    this.renderSoon();
  }

  createCharts() {
    this.views = PROJECTIONS.map(({ kind, canvas: name, title }) => {
      const canvas = this.element(name);
      const tooltip = new PointTooltip(canvas, `${canvas.id}-tooltip`);
      return new ChartView(
        canvas,
        () => this.pathChart(kind, title),
        this.bindings.drawScatterChart,
        this.scheduler,
        { onDrawn: (positions) => this.showPoints(tooltip, kind, positions) },
      );
    });
    watchPixelRatio(() => this.views.forEach((view) => view.resizeToPixelRatio()));
  }

  invalidateCharts() {
    this.views?.forEach((view) => view.invalidate());
  }

  createItem(index, config) {
    return { epoch: 0, epochs: config.epochs, step: 0, steps: expectedSteps(config), loss: null };
  }

  prepareRun(run) {
    Object.assign(run, {
      // The records received, kept in the page's wasm memory once the first one arrives.
      projector: null,
      projection: null,
      projectionText: null,
      projectionError: null,
      projectedCount: 0,
      projectedAt: -Infinity,
      projectionMs: 0,
      projectionTimer: null,
      rate: new RateMeter(),
    });
    this.buildRunList(run);
  }

  /** Builds one entry per run in the progress list, or hides the list before a run. */
  buildRunList(run) {
    const list = this.element('run-list');
    list.replaceChildren();
    list.hidden = run.phase === 'idle';
    for (const item of run.items) {
      const entry = document.createElement('li');
      entry.dataset.testid = `pca-run-${item.index + 1}`;
      const name = document.createElement('span');
      name.className = 'run-name';
      name.textContent = `Run ${item.index + 1}`;
      const bar = document.createElement('progress');
      bar.max = item.epochs;
      bar.value = 0;
      bar.setAttribute('aria-label', `Run ${item.index + 1} progress`);
      const text = document.createElement('span');
      text.className = 'run-text';
      entry.append(name, bar, text);
      list.append(entry);
      item.view = { entry, bar, text };
    }
  }

  applyChunk(run, item, chunk) {
    const { epoch, epochs, step, steps, status } = chunk;
    Object.assign(item, { epoch, epochs, step, steps, state: status.state });
    item.loss = chunk.loss ?? item.loss;
    if (status.state === 'diverged') {
      item.divergedAt = `epoch ${formatInteger(status.epoch)}`;
    }
    const added = this.addRecords(run, chunk);
    run.rate.add(performance.now(), sumOf(run.items, 'step'));
    if (added > 0) {
      this.scheduleProjection(run);
    }
  }

  /**
   * Adds the records of `chunk` to the run's projector, each with its slice of the chunk's
   * parameters, and returns how many it added. A loss that is not finite arrives as null, and
   * its record cannot be projected.
   */
  addRecords(run, chunk) {
    let added = 0;
    chunk.records.forEach((record, index) => {
      if (!Number.isFinite(record.loss)) {
        return;
      }
      run.projector ??= this.newProjector(run);
      const length = run.projector.recordLength;
      const vectors = chunk.vectors.subarray(index * length, (index + 1) * length);
      run.projector.add(record.run, record.epoch, record.loss, vectors);
      added += 1;
    });
    return added;
  }

  /**
   * Returns a projector for a live run's records. Only the newest live run adds records, so
   * the one before is freed now rather than whenever the garbage collector finds it.
   */
  newProjector(run) {
    if (this.projectingRun) {
      this.projectingRun.projector.free();
      this.projectingRun.projector = null;
    }
    this.projectingRun = run;
    return new this.bindings.PathProjector(JSON.stringify(run.config));
  }

  scheduleProjection(run) {
    if (run.projectionTimer !== null) {
      return;
    }
    const least = coresBusy() ? BUSY_PROJECTION_INTERVAL_MS : MIN_PROJECTION_INTERVAL_MS;
    const interval = Math.max(least, PROJECTION_TIME_FACTOR * run.projectionMs);
    const waitMs = Math.max(0, run.projectedAt + interval - performance.now());
    run.projectionTimer = setTimeout(() => {
      run.projectionTimer = null;
      this.project(run);
    }, waitMs);
  }

  runFinished(run) {
    clearTimeout(run.projectionTimer);
    run.projectionTimer = null;
    this.project(run);
  }

  /** Projects every record of `run` received so far, if there are new ones. */
  project(run) {
    const count = run.projector?.count ?? 0;
    if (run !== this.run || count < 2 || count === run.projectedCount) {
      return;
    }
    const startedAt = performance.now();
    try {
      run.projectionText = run.projector.project();
      run.projection = JSON.parse(run.projectionText);
      run.projectionError = null;
    } catch (error) {
      console.error(`Projecting the PCA paths failed: ${error.message}`);
      run.projectionError = error.message;
    }
    run.projectedCount = count;
    run.projectedAt = performance.now();
    run.projectionMs = run.projectedAt - startedAt;
    this.invalidateCharts();
    this.renderSoon();
  }

  pathChart(kind, title) {
    const text = this.run.projectionText;
    return text ? JSON.parse(this.bindings.pathChart(kind, text)) : emptyPathChart(title);
  }

  /** Gives the tooltip the positions of the points just drawn from the current projection. */
  showPoints(tooltip, kind, positionsJson) {
    const groups = pointsByRun(this.run.projection?.[kind].points ?? []);
    const positions = positionsJson ? JSON.parse(positionsJson) : [];
    tooltip.setPoints(positions, (series, index) => describePoint(groups[series][index]));
  }

  renderRun(run) {
    const running = run.phase === 'running';
    const step = sumOf(run.items, 'step');
    this.progress.renderSteps(step, sumOf(run.items, 'steps'), run.rate.rate(), running);
    for (const item of run.items) {
      const { entry, bar, text } = item.view;
      setIfChanged(bar, 'max', Math.max(item.epochs, 1));
      setIfChanged(bar, 'value', item.epoch);
      setIfChanged(entry.dataset, 'state', item.state);
      setIfChanged(text, 'textContent', runProgressText(item));
    }
  }

  phaseText(run) {
    const { config, items } = run;
    const runs = items.length;
    if (run.phase === 'running') {
      const workers = Math.min(this.pool.size, runs);
      return (
        `Training ${runs} ${runs === 1 ? 'run' : 'runs'} of the ${config.model} model on ` +
        `${this.formulaOf(config.function)}, ${workers} at a time…`
      );
    }
    const finished = items.filter((item) => item.state === 'done').length;
    const vectors = `${formatInteger(run.projectedCount)} parameter vectors`;
    if (run.phase === 'stopped') {
      return (
        `Stopped: ${finished} of ${runs} runs had finished. The charts project the ${vectors} ` +
        'recorded before.'
      );
    }
    const epochs =
      config.epochs === 1 ? 'their 1 epoch' : `all ${formatInteger(config.epochs)} epochs`;
    const recorded = run.projector?.count ?? run.projectedCount;
    const projected =
      recorded < 2
        ? `${formatInteger(recorded)} parameter ${recorded === 1 ? 'vector' : 'vectors'} ` +
          'recorded, and a projection needs at least 2'
        : `${vectors} projected`;
    // With no run finished, each one diverged or failed, so the lead does not say done.
    const done = finished > 0 ? 'Done: ' : '';
    const lead = `${done}${finished} of ${runs} runs ran ${epochs}; ${projected}.`;
    return [lead, explainedText(run.projection)].filter(Boolean).join(' ');
  }

  notes(run) {
    return run.projectionError ? [`The projection failed: ${run.projectionError}`] : [];
  }

  hasData(run) {
    return run.projection !== null;
  }

  /** Returns each run's progress, the records projected and each component's share. */
  summary(run) {
    const runs = run.items.map((item) => ({
      run: item.index + 1,
      state: item.state,
      epochs_run: item.epoch,
      loss: item.loss,
    }));
    const explained = run.projection && {
      whole: run.projection.whole.explained,
      first_layer: run.projection.first_layer.explained,
    };
    return { runs, records: run.projectedCount, explained_variance: explained };
  }

  /** Returns the rows of the command line's pca.csv: run from 1, ordered by run and epoch. */
  csv(run) {
    const { whole, first_layer: firstLayer } = run.projection;
    const rows = whole.points.map((point, index) => [
      point.run + 1,
      point.epoch,
      point.loss,
      ...point.pc,
      ...firstLayer.points[index].pc,
    ]);
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { filename: 'pca.csv', header: CSV_HEADER, rows };
  }
}

function setIfChanged(target, key, value) {
  if (target[key] !== value) {
    target[key] = value;
  }
}

function runProgressText(item) {
  const epochs = `${formatInteger(item.epoch)} / ${formatInteger(item.epochs)} epochs`;
  switch (item.state) {
    case 'queued':
      return 'waiting';
    case 'skipped':
      return 'not run';
    case 'diverged':
      return `${epochs}, diverged`;
    case 'error':
      return 'failed';
    case 'running':
      return epochs;
    default:
      return `${epochs}, ${item.state}`;
  }
}

function explainedText(projection) {
  if (!projection) {
    return '';
  }
  if (projection.whole.explained[0] === 0) {
    return 'The recorded parameter vectors are all equal, so no direction explains any variance.';
  }
  const [wholeFirst, wholeSecond] = projection.whole.explained.map(percent);
  const [layerFirst, layerSecond] = projection.first_layer.explained.map(percent);
  return (
    `PC 1 and PC 2 explain ${wholeFirst} and ${wholeSecond} of the whole model's variance, ` +
    `${layerFirst} and ${layerSecond} of the first layer's.`
  );
}
