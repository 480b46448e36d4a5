// The files the fit and MNIST experiments save from the page. They have the file names,
// columns and summary keys of the native command line: `gradlab fit` writes loss.csv,
// predictions.csv and summary.json, and `gradlab mnist` writes epochs.csv, confusion.csv and
// summary.json.

import { lossPointsWithLatest } from './charts.js';
import { formatF32 } from './csv.js';

/**
 * Returns a model's status as the command line's summary.json has it. The page has the states
 * running, stopped and error besides the command line's done and diverged.
 */
function statusOf(state, key, at) {
  return state === 'diverged' ? { state, [key]: at } : { state };
}

/** Returns loss.csv of a fit run: `epoch,model,loss`, model by model, the points charted. */
export function fitLossCsv(run) {
  const rows = run.models.flatMap((model) =>
    lossPointsWithLatest(model).map(([epoch, loss]) => [epoch, model.name, loss]),
  );
  return { filename: 'loss.csv', header: ['epoch', 'model', 'loss'], rows };
}

/**
 * Returns predictions.csv of a fit run: `x,target,<model>...` on the evaluation grid. The
 * predictions are f32, as the command line writes them, and NaN before a model's first.
 */
export function fitPredictionsCsv(run) {
  const { x, y } = run.target;
  const rows = x.map((value, index) => [
    value,
    y[index],
    ...run.models.map((model) => (model.predictions ? formatF32(model.predictions[index]) : 'NaN')),
  ]);
  const header = ['x', 'target', ...run.models.map((model) => model.name)];
  return { filename: 'predictions.csv', header, rows };
}

/** Returns the summary of a fit run: per model the fields of the command line's `models`. */
export function fitSummary(run, catalog) {
  const models = run.models.map((model) => {
    const entry = catalog.models.find((known) => known.name === model.name);
    return {
      name: model.name,
      widths: entry.widths,
      parameters: entry.parameters,
      epochs_run: model.epoch,
      final_loss: model.loss,
      best_loss: model.bestLoss,
      status: statusOf(model.state, 'epoch', model.divergedEpoch),
    };
  });
  return { models };
}

/** Returns epochs.csv of an MNIST run: one row per model and finished epoch. */
export function mnistEpochsCsv(run) {
  const rows = run.models.flatMap((model) =>
    model.evaluations.map((result) => [
      result.epoch,
      model.name,
      result.train_loss,
      result.test_loss,
      result.test_accuracy,
    ]),
  );
  const header = ['epoch', 'model', 'train_loss', 'test_loss', 'test_accuracy'];
  return { filename: 'epochs.csv', header, rows };
}

/** Returns confusion.csv: `true,predicted_0,...,predicted_9`, one row per true class. */
export function mnistConfusionCsv(matrix) {
  const header = ['true', ...matrix.map((_, predicted) => `predicted_${predicted}`)];
  const rows = matrix.map((counts, actual) => [actual, ...counts]);
  return { filename: 'confusion.csv', header, rows };
}

/**
 * Returns the summary of an MNIST run: the command line's `best_model` and per model its
 * fields, and the digits trained and tested on.
 */
export function mnistSummary(run, catalog, bestName, digits) {
  const models = run.models.map((model) => {
    const entry = catalog.models.find((known) => known.name === model.name);
    return {
      name: model.name,
      layers: entry.layers,
      parameters: entry.parameters,
      best_test_accuracy: model.bestAccuracy,
      final_loss: model.finalLoss,
      images_per_second: model.imageRate,
      epochs_run: model.evaluations.length,
      status: statusOf(model.state, 'step', model.divergedStep),
    };
  });
  return { best_model: bestName, digits, models };
}
