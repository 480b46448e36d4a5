// Adapters between live runs and saved records for the four generalization experiments, in the
// form of run-snapshots.js. A record keeps each model's epoch metrics and table fields, and for
// the interpolation the evaluated points. The trained parameters are not kept, so a reopened
// interpolation cannot sweep again.

import {
  decimate,
  endedPhase,
  endedState,
  finiteValue,
  requireCount,
  requireValidConfig,
  partLabel,
  runLabel,
} from './run-snapshots.js';
import {
  arrayOf,
  count,
  finite,
  finiteOrNull,
  shape,
  text,
  textOrNull,
} from './record-schema.js';
import { formatInteger, formatLoss, formatPercent } from './results.js';

// Epoch metrics kept per model, and interpolation points kept per run. The page allows 1,000
// epochs and 1,001 alphas, so these only thin runs near those limits.
const MAX_STORED_EVALUATIONS = 1000;
const MAX_STORED_INTERPOLATION_POINTS = 1001;

const METRICS = {
  train_loss: finite,
  train_accuracy: finite,
  test_loss: finite,
  test_accuracy: finite,
};

const evaluation = shape({ epoch: count, ...METRICS });
const interpolationPoint = shape({ alpha: finite, ...METRICS });

const itemSummary = shape({
  state: text(40),
  step: count,
  steps: count,
  parameters: count,
  batchSize: count,
  sensitivity: finiteOrNull,
  divergedAt: textOrNull(),
  message: textOrNull(),
});

/** Keeps the evaluations whose metrics are all finite, as the charts and CSV do. */
function finiteEvaluations(evaluations) {
  return evaluations.filter((metrics) => Object.keys(METRICS).every((key) => finite(metrics[key])));
}

function snapshotItems(section, run) {
  const summary = run.items.map((item) => ({
    state: item.state,
    step: item.step,
    steps: item.steps,
    parameters: item.parameters,
    batchSize: section.batchSizeOf(run.config, item.index),
    sensitivity: finiteValue(item.sensitivity),
    divergedAt: item.divergedAt,
    message: item.message,
  }));
  const series = run.items.map((item) =>
    decimate(finiteEvaluations(item.evaluations), MAX_STORED_EVALUATIONS),
  );
  const thinned = run.items.some((item) => item.evaluations.length > MAX_STORED_EVALUATIONS);
  return { summary, series, thinned };
}

/** Returns a generalization adapter; `extra` adds or replaces its methods. */
function generalizationAdapter(experiment, title, extra) {
  return {
    experiment,
    title,

    snapshot(section, run) {
      const { summary, series, thinned } = snapshotItems(section, run);
      const reduced = thinned
        ? `Keeps ${formatInteger(MAX_STORED_EVALUATIONS)} evenly spaced epochs per model.`
        : null;
      const points = run.points ? decimate(run.points, MAX_STORED_INTERPOLATION_POINTS) : null;
      return {
        series: { evaluations: series, points: points ? finiteEvaluations(points) : null },
        summary: { items: summary },
        reduced,
      };
    },

    valid(record) {
      const points = (value) =>
        value === null || arrayOf(interpolationPoint, MAX_STORED_INTERPOLATION_POINTS)(value);
      return (
        shape({
          evaluations: arrayOf(arrayOf(evaluation, MAX_STORED_EVALUATIONS), 100),
          points,
        })(record.series) &&
        shape({ items: arrayOf(itemSummary, 100) })(record.summary) &&
        record.series.evaluations.length === record.summary.items.length
      );
    },

    restore(section, record) {
      const json = JSON.stringify(record.config);
      requireValidConfig(section.bindings.validateGeneralizationConfig(experiment, json));
      const run = section.createRun(section.run.id + 1, record.config, 'done');
      const saved = record.summary.items;
      requireCount(saved.length, run.items.length, 'models');
      run.items.forEach((item, index) => {
        const fields = saved[index];
        Object.assign(item, fields, {
          state: endedState(fields.state),
          ended: true,
          evaluations: record.series.evaluations[index],
        });
      });
      if (run.points) {
        run.points = record.series.points ?? [];
      }
      run.phase = endedPhase(run.items.map((item) => item.state));
      return run;
    },

    ...extra,
  };
}

/** Returns `[x, y]` points of `metric` of each evaluation, in percent for accuracies. */
function metricPoints(evaluations, x, metric) {
  const scale = metric.endsWith('accuracy') ? 100 : 1;
  return evaluations.map((metrics) => [x(metrics), scale * metrics[metric]]);
}

/** Returns the last evaluation of each model that has one, with the model's index. */
function finalEvaluations(record) {
  return record.series.evaluations
    .map((evaluations, index) => ({ index, metrics: evaluations.at(-1) }))
    .filter((entry) => entry.metrics && record.summary.items[entry.index].state === 'done');
}

const randomLabels = generalizationAdapter('random_labels', 'Random labels', {
  keyFigure(record) {
    const last = record.series.evaluations[0]?.at(-1);
    if (!last) {
      return 'no epoch finished';
    }
    return (
      `training accuracy ${formatPercent(last.train_accuracy)}, ` +
      `test ${formatPercent(last.test_accuracy)}`
    );
  },

  comparison(records) {
    const byEpoch = (metrics) => metrics.epoch;
    const series = records.flatMap((record) => {
      const evaluations = record.series.evaluations[0] ?? [];
      const curve = (split) => ({
        name: partLabel(record, split),
        points: metricPoints(evaluations, byEpoch, `${split}_accuracy`),
      });
      return [curve('train'), curve('test')];
    });
    const chart = {
      title: 'Accuracy on the shuffled training labels and the test digits',
      x_label: 'epoch',
      y_label: 'accuracy (%)',
      log_y: false,
      y_limits: [0, 100],
      series,
    };
    return { kind: 'line', chart };
  },
});

const capacity = generalizationAdapter('capacity', 'Parameter count', {
  keyFigure(record) {
    const finals = finalEvaluations(record);
    if (finals.length === 0) {
      return 'no model finished';
    }
    const accuracy = (entry) => entry.metrics.test_accuracy;
    const best = finals.reduce((a, b) => (accuracy(b) > accuracy(a) ? b : a));
    const parameters = record.summary.items[best.index].parameters;
    return (
      `best test accuracy ${formatPercent(best.metrics.test_accuracy)} ` +
      `(${formatInteger(parameters)} parameters)`
    );
  },

  comparison(records) {
    const series = records.map((record) => ({
      name: runLabel(record),
      points: finalEvaluations(record).map(({ index, metrics }) => [
        record.summary.items[index].parameters,
        100 * metrics.test_accuracy,
      ]),
    }));
    const chart = {
      title: 'Final test accuracy against parameter count',
      x_label: 'parameters (log scale)',
      y_label: 'test accuracy (%)',
      log_x: true,
      log_y: false,
      series,
    };
    return { kind: 'line', chart };
  },
});

const interpolate = generalizationAdapter('interpolate', 'Interpolation', {
  keyFigure(record) {
    const points = record.series.points ?? [];
    if (points.length === 0) {
      return 'no point evaluated';
    }
    const lowest = points.reduce((a, b) => (b.test_loss < a.test_loss ? b : a));
    return `lowest test loss ${formatLoss(lowest.test_loss)} at alpha ${lowest.alpha.toFixed(2)}`;
  },

  comparison(records) {
    const byAlpha = (point) => point.alpha;
    const series = records.flatMap((record) => {
      const points = (record.series.points ?? []).toSorted((a, b) => a.alpha - b.alpha);
      const curve = (split) => ({
        name: partLabel(record, split),
        points: metricPoints(points, byAlpha, `${split}_loss`),
      });
      return [curve('train'), curve('test')];
    });
    const chart = {
      title: 'Loss along the line between the two solutions',
      x_label: 'alpha',
      y_label: 'cross-entropy (log scale)',
      log_y: true,
      series,
    };
    return { kind: 'line', chart };
  },
});

const sensitivity = generalizationAdapter('sensitivity', 'Sensitivity', {
  keyFigure(record) {
    const measured = record.summary.items.filter((item) => item.sensitivity !== null);
    if (measured.length === 0) {
      return 'no sensitivity measured';
    }
    const values = measured.map((item) => formatLoss(item.sensitivity));
    return `sensitivity ${values[0]} to ${values.at(-1)}`;
  },

  comparison(records) {
    const series = records.map((record) => ({
      name: runLabel(record),
      points: record.summary.items
        .filter((item) => item.sensitivity !== null)
        .map((item) => [item.batchSize, item.sensitivity]),
    }));
    const chart = {
      title: 'Input sensitivity against batch size',
      x_label: 'batch size (log scale)',
      y_label: 'sensitivity',
      log_x: true,
      log_y: false,
      series,
    };
    return { kind: 'line', chart };
  },
});

/** The adapters of this module, by experiment name. */
export const GENERALIZATION_ADAPTERS = [randomLabels, capacity, interpolate, sensitivity];
