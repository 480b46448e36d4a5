// Text versions of a chart, built from the chart object that the wasm module draws: a short
// summary for screen readers (the canvas's aria-label) and the rows of its table view. Line and
// scatter charts have `series` of `{name, points: [[x, y]]}` and may have a `secondary` axis
// with series of its own. Histograms have `groups` of `{name, values}`.

/**
 * Rows a table view shows. Longer series are thinned evenly, and each keeps its last point, so
 * a table can have a row per series more.
 */
export const MAX_TABLE_ROWS = 300;

/**
 * Integers below this size, such as parameter counts and steps, are written whole. Larger
 * ones are mostly float values that happen to be whole, such as the loss of a diverging run.
 */
const WHOLE_BELOW = 1e7;

/** Formats `value` whole when it is a moderate integer, else to `digits` significant digits. */
function formatNumber(value, digits) {
  if (value === null || value === undefined) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Math.abs(value) >= WHOLE_BELOW) {
    // Written in exponent form without trailing zeros: 6.74e+7, not 67400000.
    return value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  return String(Number(value.toPrecision(digits)));
}

/**
 * Formats a number for reading: moderate integers whole, others with 3 significant digits.
 * null is a gap in a series, a value that was not finite.
 */
export function readableNumber(value) {
  return formatNumber(value, 3);
}

/** Formats a number for the table view: moderate integers whole, others with 6 digits. */
export function tableNumber(value) {
  return formatNumber(value, 6);
}

/** Strips a "(log scale)" note from an axis label, because the summary states the scale once. */
function bareLabel(label) {
  return label.replace(/\s*\(log scale\)\s*$/, '');
}

/** Returns the chart's series with points, each `{name, points, axis}`, secondary ones last. */
function pointSeries(chart) {
  const main = (chart.series ?? []).map((series) => ({ ...series, axis: chart.y_label }));
  const secondary = (chart.secondary?.series ?? []).map((series) => ({
    ...series,
    axis: chart.secondary.y_label,
  }));
  return [...main, ...secondary];
}

/** Describes what the chart plots: "Training loss on …: MSE loss against epoch, log scale." */
function plotText(chart) {
  const scales = [chart.log_x && 'log x axis', chart.log_y && 'log scale'].filter(Boolean);
  const scale = scales.length > 0 ? `, ${scales.join(', ')}` : '';
  if (chart.groups) {
    return `${chart.title}: histogram of ${bareLabel(chart.x_label)}${scale}.`;
  }
  const right = chart.secondary ? ` and ${bareLabel(chart.secondary.y_label)} (right axis)` : '';
  return (
    `${chart.title}: ${bareLabel(chart.y_label)}${right} against ` +
    `${bareLabel(chart.x_label)}${scale}.`
  );
}

function plural(count, noun) {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/** Describes each scatter series by its point count and its last point. */
function scatterText(series) {
  const parts = series.map((entry) => {
    const [x, y] = entry.points.at(-1);
    const count = plural(entry.points.length, 'point');
    return `${entry.name}: ${count}, the last at (${readableNumber(x)}, ${readableNumber(y)})`;
  });
  return `${parts.join('; ')}.`;
}

/**
 * Describes the latest point of each series, naming the x once when they all share it. A
 * scatter chart's series, which have `joined`, get their point counts and last points.
 */
function latestText(chart) {
  const series = pointSeries(chart).filter((entry) => entry.points.length > 0);
  if (series.length === 0) {
    return 'No data yet.';
  }
  if (series.some((entry) => 'joined' in entry)) {
    return scatterText(series);
  }
  const xLabel = bareLabel(chart.x_label);
  const lastX = series.map((entry) => entry.points.at(-1)[0]);
  if (lastX.every((x) => x === lastX[0])) {
    const values = series.map((entry) => `${entry.name} ${readableNumber(entry.points.at(-1)[1])}`);
    return `Latest: ${values.join(', ')} at ${xLabel} ${readableNumber(lastX[0])}.`;
  }
  const values = series.map((entry) => {
    const [x, y] = entry.points.at(-1);
    const count = plural(entry.points.length, 'point');
    return `${entry.name} ${readableNumber(y)} at ${xLabel} ${readableNumber(x)} (${count})`;
  });
  return `Latest: ${values.join('; ')}.`;
}

/** Describes each histogram group by its count and range. */
function groupsText(chart) {
  const groups = chart.groups.filter((group) => group.values.length > 0);
  if (groups.length === 0) {
    return 'No data yet.';
  }
  const parts = groups.map((group) => {
    const low = Math.min(...group.values);
    const high = Math.max(...group.values);
    const count = plural(group.values.length, 'value');
    return `${group.name}: ${count} from ${readableNumber(low)} to ${readableNumber(high)}`;
  });
  return `${parts.join('; ')}.`;
}

/** Returns the text alternative of `chart`: what it plots and its latest values. */
export function describeChart(chart) {
  const data = chart.groups ? groupsText(chart) : latestText(chart);
  return `${plotText(chart)} ${data}`;
}

/**
 * Returns every `stride`-th index below `length`, and the last index, so a thinned series
 * still ends where the chart's line ends.
 */
function strideIndices(length, stride) {
  const indices = [];
  for (let index = 0; index < length; index += stride) {
    indices.push(index);
  }
  if (length > 0 && indices.at(-1) !== length - 1) {
    indices.push(length - 1);
  }
  return indices;
}

/**
 * Returns the table view of `chart`: `columns`, `rows` of cells (numbers stay numbers), the
 * `total` number of points and the `stride` (1 when every point is shown).
 */
export function chartTable(chart, maxRows = MAX_TABLE_ROWS) {
  if (chart.groups) {
    const total = chart.groups.reduce((sum, group) => sum + group.values.length, 0);
    const stride = Math.max(1, Math.ceil(total / maxRows));
    const rows = chart.groups.flatMap((group) => {
      const sorted = group.values.toSorted((a, b) => a - b);
      return strideIndices(sorted.length, stride).map((index) => [group.name, sorted[index]]);
    });
    return { columns: ['series', bareLabel(chart.x_label)], rows, total, stride };
  }
  const series = pointSeries(chart);
  const total = series.reduce((sum, entry) => sum + entry.points.length, 0);
  const stride = Math.max(1, Math.ceil(total / maxRows));
  const rows = series.flatMap((entry) =>
    strideIndices(entry.points.length, stride).map((index) => {
      const [x, y] = entry.points[index];
      return chart.secondary ? [entry.name, x, entry.axis, y] : [entry.name, x, y];
    }),
  );
  const columns = chart.secondary
    ? ['series', bareLabel(chart.x_label), 'axis', 'value']
    : ['series', bareLabel(chart.x_label), bareLabel(chart.y_label)];
  return { columns, rows, total, stride };
}
