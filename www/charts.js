// Canvas charts drawn by the wasm module. Each canvas keeps its backing store at device
// resolution. It is redrawn in an animation frame, at most as often as streamed progress is
// rendered (or every REDUCED_MOTION_INTERVAL_MS), and only after its data, its size or the
// device pixel ratio changed. Under each canvas ChartTools adds a table view and a PNG button.

import { ChartTools } from './chart-table.js';
import { frameIntervalMs } from './frame-scheduler.js';

// A chart took 10 to 40 ms to draw while three workers trained on a 2-core machine (data-draw-ms
// in headless Chromium 156), so charts are redrawn at most 10 times a second, and 4 times while
// the workers train on every core.
// With prefers-reduced-motion: reduce, a chart is redrawn at most once a second.
const REDUCED_MOTION_INTERVAL_MS = 1000;

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

/** Returns the minimum time between two drawings of a chart, from the live media query. */
function redrawIntervalMs() {
  return reducedMotion.matches ? REDUCED_MOTION_INTERVAL_MS : frameIntervalMs();
}

/** Returns the canvas size in device pixels from a ResizeObserver entry. */
function devicePixelSize(entry) {
  // NOTE: devicePixelContentBoxSize would be exact, but Chromium 156 reports it at ratio 1
  // when the ratio is emulated (as in headless tests), so the CSS size is scaled instead.
  const ratio = window.devicePixelRatio;
  const { width, height } = entry.contentRect;
  return { width: Math.round(width * ratio), height: Math.round(height * ratio) };
}

/** Calls `onSize` with the canvas's device-pixel size now and whenever its CSS size changes. */
function observeDevicePixelSize(canvas, onSize) {
  const observer = new ResizeObserver((entries) => onSize(devicePixelSize(entries.at(-1))));
  observer.observe(canvas);
}

/** Calls `onChange` each time window.devicePixelRatio changes. */
export function watchPixelRatio(onChange) {
  const query = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
  query.addEventListener(
    'change',
    () => {
      onChange();
      watchPixelRatio(onChange);
    },
    { once: true },
  );
}

/** One canvas and the function that builds its chart JSON from the page's current data. */
export class ChartView {
  /**
   * `draw` is a wasm drawing export: drawLineChart, drawScatterChart or drawHistogram.
   * `buildChart` returns the chart object it expects, such as `{title, x_label, y_label, log_y,
   * y_limits?, series}` for drawLineChart, or null to leave the canvas blank. `onDrawn(result,
   * chart)` receives what `draw` returned, such as drawScatterChart's point positions.
   * `name` names the chart's PNG file, `<name>.png`; by default it is the canvas id without
   * its "-chart" ending.
   */
  constructor(canvas, buildChart, draw, scheduler, { onDrawn = null, name = null } = {}) {
    this.canvas = canvas;
    this.tools = new ChartTools(canvas, name ?? canvas.id.replace(/-chart$/, ''));
    this.buildChart = buildChart;
    this.draw = draw;
    this.onDrawn = onDrawn;
    this.scheduler = scheduler;
    this.pixelSize = null;
    this.dirty = false;
    this.drawnAt = -Infinity;
    observeDevicePixelSize(canvas, (size) => {
      this.pixelSize = size;
      this.invalidate();
    });
  }

  /** Schedules a redraw in an animation frame at least redrawIntervalMs() after the last one. */
  invalidate() {
    if (this.dirty) {
      return;
    }
    this.dirty = true;
    // Throttled, so that the chart is drawn in the same frames as the text around it.
    const notBefore = this.drawnAt + redrawIntervalMs();
    this.scheduler.request(this.render, { throttled: true, notBefore });
  }

  /** Recomputes the backing store size from the CSS size, for a changed pixel ratio. */
  resizeToPixelRatio() {
    const ratio = window.devicePixelRatio;
    const width = Math.round(this.canvas.clientWidth * ratio);
    const height = Math.round(this.canvas.clientHeight * ratio);
    this.pixelSize = { width, height };
    this.invalidate();
  }

  render = () => {
    this.dirty = false;
    this.drawnAt = performance.now();
    const size = this.pixelSize;
    if (!size || size.width === 0 || size.height === 0) {
      return;
    }
    // Setting width or height clears the canvas, so only do it when the size changed.
    if (this.canvas.width !== size.width || this.canvas.height !== size.height) {
      this.canvas.width = size.width;
      this.canvas.height = size.height;
    }
    let chart;
    let result;
    try {
      chart = this.buildChart();
      if (chart === null) {
        this.canvas.getContext('2d').clearRect(0, 0, this.canvas.width, this.canvas.height);
        this.onDrawn?.(null, null);
        this.tools.update(null);
        return;
      }
      result = this.draw(this.canvas, JSON.stringify(chart), window.devicePixelRatio);
    } catch (error) {
      // Logged, so one bad chart does not stop the other callbacks of this frame.
      console.error(`Drawing #${this.canvas.id} failed: ${error.message}`);
      return;
    }
    this.onDrawn?.(result, chart);
    this.recordDrawnSeries(chart, performance.now() - this.drawnAt);
    this.tools.update(chart);
  };

  /**
   * Stores what was drawn in data attributes, for tests and for debugging in devtools: the
   * legend's names joined by '|', and the model series and points. A histogram's groups count
   * as series and their values as points.
   */
  recordDrawnSeries(chart, drawMs) {
    const series = chart.series ?? chart.groups;
    const models = series.filter((entry) => !entry.reference);
    const sizeOf = (entry) => (entry.points ?? entry.values).length;
    const withPoints = models.filter((entry) => sizeOf(entry) > 0);
    const points = models.reduce((sum, entry) => sum + sizeOf(entry), 0);
    this.canvas.dataset.legend = series.map((entry) => entry.name).join('|');
    this.canvas.dataset.modelSeries = String(withPoints.length);
    this.canvas.dataset.modelPoints = String(points);
    this.canvas.dataset.drawCount = String(Number(this.canvas.dataset.drawCount ?? 0) + 1);
    this.canvas.dataset.drawMs = drawMs.toFixed(1);
  }
}

/**
 * Pairs xs with ys, leaving out pairs that are not finite, such as the predictions of a
 * diverged model. JSON.stringify writes NaN and infinities as null, which drawLineChart
 * rejects.
 */
function finitePoints(xs, ys) {
  const points = [];
  for (let i = 0; i < ys.length; i += 1) {
    if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
      points.push([xs[i], ys[i]]);
    }
  }
  return points;
}

/** Builds the chart of each model's training loss against epoch, on a log scale. */
export function lossChart(formula, models) {
  return {
    title: formula ? `Training loss on ${formula}` : 'Training loss',
    x_label: 'epoch',
    y_label: 'MSE loss (log scale)',
    log_y: true,
    series: models.map((model) => ({ name: model.name, points: lossPointsWithLatest(model) })),
  };
}

/**
 * Returns the recorded loss points plus the latest epoch's loss, so the curve reaches the
 * current epoch between the points recorded every `recordEvery` epochs. A diverged model's
 * latest loss belongs to the epoch before `epoch`, so it gets no extra point.
 */
export function lossPointsWithLatest(model) {
  const points = model.lossPoints;
  const lastEpoch = points.at(-1)?.[0] ?? 0;
  if (model.state === 'diverged' || model.loss === null || model.epoch <= lastEpoch) {
    return points;
  }
  return [...points, [model.epoch, model.loss]];
}

/**
 * Builds the chart of the target and each model's prediction against x. Every model gets a
 * series, empty until its first prediction, so each model keeps its colour in both charts.
 */
export function fitChart(formula, target, models) {
  const curve = (values) => finitePoints(target.x, values ?? []);
  return {
    title: `Fit of ${formula}`,
    x_label: 'x',
    y_label: 'y',
    log_y: false,
    series: [
      { name: 'target', points: curve(target.y), reference: true },
      ...models.map((model) => {
        const points = curve(model.predictions);
        // A diverged model predicts NaN everywhere and draws no line, so its legend entry reads
        // "<name>: NaN".
        const empty = model.state === 'diverged' && points.length === 0;
        return { name: empty ? `${model.name}: NaN` : model.name, points };
      }),
    ],
  };
}

/** Builds the chart of each MNIST model's training loss against epoch, on a log scale. */
export function mnistLossChart(models) {
  return {
    title: 'MNIST training loss',
    x_label: 'epoch',
    y_label: 'cross-entropy (log scale)',
    log_y: true,
    series: models.map((model) => ({ name: model.name, points: model.lossPoints })),
  };
}

/** Builds the chart of each MNIST model's test accuracy in percent after each epoch. */
export function accuracyChart(models) {
  return {
    title: 'MNIST test accuracy',
    x_label: 'epoch',
    y_label: 'test accuracy (%)',
    log_y: false,
    y_limits: [0, 100],
    series: models.map((model) => ({ name: model.name, points: model.accuracyPoints })),
  };
}
