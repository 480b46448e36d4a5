// The gradient-norm experiment: one model trains while the loss and the L2 norm of the gradient
// over all parameters are recorded at every optimizer step, drawn in two charts that share the
// step axis.

import { ChartView, watchPixelRatio } from './charts.js';
import { OptimizationSection } from './optimization-section.js';
import { RateMeter, expectedSteps, formatInteger, formatLoss } from './results.js';

// Above this many steps the charts draw a reduced set of records (see envelope).
const MAX_DRAWN_RECORDS = 4000;

/**
 * Returns at most MAX_DRAWN_RECORDS of `records` that keep both curves' shape: the records
 * are split into equal buckets, and each bucket keeps its lowest and highest loss and its
 * lowest and highest gradient norm, in step order. Every record stays in the CSV.
 */
export function envelope(records) {
  if (records.length <= MAX_DRAWN_RECORDS) {
    return records;
  }
  const bucketSize = Math.ceil(records.length / (MAX_DRAWN_RECORDS / 4));
  const kept = [];
  for (let start = 0; start < records.length; start += bucketSize) {
    const end = Math.min(start + bucketSize, records.length);
    const extremes = new Set([
      extremeIndex(records, start, end, (record) => record.loss),
      extremeIndex(records, start, end, (record) => -record.loss),
      extremeIndex(records, start, end, (record) => record.grad_norm),
      extremeIndex(records, start, end, (record) => -record.grad_norm),
    ]);
    for (const index of [...extremes].sort((a, b) => a - b)) {
      kept.push(records[index]);
    }
  }
  return kept;
}

/** Returns the index in [start, end) of the record with the lowest `value`. */
function extremeIndex(records, start, end, value) {
  let best = start;
  for (let index = start + 1; index < end; index += 1) {
    if (value(records[index]) < value(records[best])) {
      best = index;
    }
  }
  return best;
}

function isFiniteRecord(record) {
  return Number.isFinite(record.loss) && Number.isFinite(record.grad_norm);
}

export class GradNormSection extends OptimizationSection {
  constructor(bindings, module, catalog, fit) {
    super(bindings, module, { experiment: 'gradnorm', catalog, fit });
    this.createCharts();
    this.renderSoon();
  }

  createCharts() {
    const draw = this.bindings.drawLineChart;
    const view = (name, index) =>
      new ChartView(this.element(name), () => this.chartPair()[index], draw, this.scheduler);
    this.views = [view('loss-chart', 0), view('norm-chart', 1)];
    watchPixelRatio(() => this.views.forEach((chart) => chart.resizeToPixelRatio()));
  }

  invalidateCharts() {
    this.views?.forEach((view) => view.invalidate());
  }

  createItem(index, config) {
    return { label: config.model, step: 0, steps: expectedSteps(config) };
  }

  prepareRun(run) {
    Object.assign(run, { records: [], charts: null, chartedCount: -1, rate: new RateMeter() });
  }

  // NOTE: every step's record stays in memory for the CSV, an estimated 100 bytes each, so a
  // run of millions of steps needs hundreds of megabytes.
  applyChunk(run, item, chunk) {
    Object.assign(item, { step: chunk.step, steps: chunk.steps, state: chunk.status.state });
    if (chunk.status.state === 'diverged') {
      item.divergedAt = `step ${formatInteger(chunk.step)}`;
    }
    run.records.push(...chunk.records);
    run.rate.add(performance.now(), chunk.step);
    this.invalidateCharts();
  }

  /**
   * Returns the loss chart and the gradient-norm chart of the records so far, built once per
   * new set of records for both canvases. Records that are not finite are left out.
   */
  chartPair() {
    const run = this.run;
    if (run.chartedCount !== run.records.length) {
      const drawn = envelope(run.records.filter(isFiniteRecord));
      const json = this.bindings.gradNormCharts(run.config.function, JSON.stringify(drawn));
      run.charts = JSON.parse(json);
      run.chartedCount = run.records.length;
    }
    return run.charts;
  }

  renderRun(run) {
    const item = run.items[0];
    const running = run.phase === 'running';
    this.progress.renderSteps(item.step, item.steps, run.rate.rate(), running);
  }

  phaseText(run) {
    const { config } = run;
    const item = run.items[0];
    const steps = `${formatInteger(item.step)} of ${formatInteger(item.steps)} steps`;
    if (run.phase === 'running') {
      return (
        `Training the ${config.model} model on ${this.formulaOf(config.function)}, recording ` +
        'the loss and the gradient norm at every step…'
      );
    }
    if (run.phase === 'stopped') {
      return `Stopped after ${steps}.`;
    }
    const last = run.records.findLast(isFiniteRecord);
    const lastText = last
      ? ` At step ${formatInteger(last.step)} the loss was ${formatLoss(last.loss)} and the ` +
        `gradient norm ${formatLoss(last.grad_norm)}.`
      : '';
    return `${item.state === 'done' ? 'Done' : 'Ended'} after ${steps}.${lastText}`;
  }

  divergenceText(items) {
    return super.divergenceText(items, 'loss or gradient norm');
  }

  hasData(run) {
    return run.records.length > 0;
  }

  /** Returns the command line's steps_run and status, and the last finite record. */
  summary(run) {
    const item = run.items[0];
    const status = { state: item.state };
    if (item.state === 'diverged') {
      status.step = item.step;
    }
    const last = run.records.findLast(isFiniteRecord) ?? null;
    return {
      steps_run: run.records.length,
      status,
      final_loss: last?.loss ?? null,
      final_grad_norm: last?.grad_norm ?? null,
    };
  }

  csv(run) {
    const rows = run.records.map((record) => [record.step, record.loss, record.grad_norm]);
    return { filename: 'gradnorm.csv', header: ['step', 'loss', 'grad_norm'], rows };
  }
}
