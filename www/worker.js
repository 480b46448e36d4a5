// Trains one model off the main thread: an MLP of the fitting experiment, a CNN of the MNIST
// experiment, one run of an optimization experiment or one model of a generalization
// experiment. It also evaluates the line between two trained models of the interpolation
// experiment.
//
// Messages from the page:
//   {type: 'init', module}                     instantiate the compiled wasm module
//   {type: 'start', experiment, runId, config, model, recordEvery, data}
//                                              train `model`, ending any other run. experiment
//                                              is 'fit', 'mnist', 'pca', 'gradnorm' or
//                                              'minratio', a generalization experiment
//                                              ('random_labels', 'capacity', 'interpolate',
//                                              'sensitivity') or 'interpolation'. For pca and
//                                              minratio, model is the run number from 0;
//                                              gradnorm has the one run 0. A generalization
//                                              experiment's model is the index of
//                                              GeneralizationTrainer. data (MNIST, the
//                                              generalization experiments and interpolation)
//                                              is {train, test}, each null or {imagesName,
//                                              images, labelsName, labels} with Uint8Array
//                                              bytes, and test null to hold out a fifth of
//                                              train. interpolation also has `from` and `to`,
//                                              the Float32Array parameters of the two models
//                                              (alpha 0 and alpha 1)
//   {type: 'stop', runId}                      end run `runId` after the current chunk
//   {type: 'details', runId, count}            send the test details of the MNIST trainer kept
//                                              from run `runId`, then free it
//   {type: 'release', runId}                   free the MNIST trainer kept from run `runId`
// Messages to the page, each with `kind`, `runId`, `model` and `wasmBytes` (the size of the
// worker's wasm memory in bytes):
//   progress  fit: epoch, epochs, step, steps, loss, bestLoss, points (new [epoch, loss] pairs),
//             state ('running' | 'done' | 'diverged'), divergedEpoch
//             mnist: epoch, epochs, step, steps, images, points (new [fractional epoch, mean
//             loss] pairs), evaluations ({epoch, train_loss, test_loss, test_accuracy} of the
//             epochs that ended), state, divergedStep
//             pca, gradnorm, minratio and the generalization experiments: chunk, the
//             trainer's advance() result as it is; a pca chunk also has vectors, a
//             Float32Array of its records' parameters (takeVectors())
//             interpolation: chunk {point, index, count}, point being evaluate()'s result at
//             alpha number index (from 0) of count
//   series    fit only: predictions, a Float32Array on the fitTargetCurve grid
//   done      summary (the trainer's summary()) once every epoch ran or the loss diverged, and
//             trainerKept, true when an MNIST trainer stays in memory for a details request.
//             The optimization experiments send summary null, because their last chunk
//             has every result. A generalization experiment's summary is {parameters,
//             sensitivity, flatParameters}: sensitivity for 'sensitivity' and the
//             Float32Array flatParameters for 'interpolate', null otherwise. interpolation
//             sends summary null
//   stopped   summary and trainerKept, after a stop request
//   details   images (count test digits, 784 bytes each), predictions and labels (one byte
//             per test digit), confusion (10x10, [true][predicted]); or all null and message
//             when the trainer is gone or failed
//   error     message; runId and model are null when the wasm module failed to initialize

import {
  initSync,
  FitTrainer,
  GeneralizationTrainer,
  GradNormTrainer,
  Interpolation,
  MinRatioTrainer,
  MnistFiles,
  MnistTrainer,
  PathTrainer,
} from './pkg/gradlab.js';

// Each chunk of optimizer steps should take about this long, so a stop request waits at most one chunk.
const TARGET_CHUNK_MS = 40;
const MAX_CHUNK_GROWTH = 4;
const MAX_CHUNK_STEPS = 100_000;
const PREDICTION_INTERVAL_MS = 100;
// The PCA and gradient-norm runs' chunks are joined and posted at most this often. The page
// renders about 10 times a second, and each message costs its main thread, which shares the
// cores with the workers.
const PROGRESS_INTERVAL_MS = 100;
const JOINED_EXPERIMENTS = new Set(['pca', 'gradnorm']);

// The trainers of the optimization experiments, built from a start message.
const OPTIMIZATION_TRAINERS = {
  pca: ({ config, model }) => new PathTrainer(JSON.stringify(config), model),
  gradnorm: ({ config }) => new GradNormTrainer(JSON.stringify(config)),
  minratio: ({ config, model }) => new MinRatioTrainer(JSON.stringify(config), model),
};

// The experiments that GeneralizationTrainer trains, by the name it takes.
const GENERALIZATION_EXPERIMENTS = new Set([
  'random_labels',
  'capacity',
  'interpolate',
  'sensitivity',
]);

let wasmMemory = null;
let initError = null;
let activeRun = null;
// The finished MNIST run whose trainer stays until the page requests its details or releases
// it, because only the page compares the models to find the best one.
let keptRun = null;

self.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'init') {
    initialize(message.module);
  } else if (message.type === 'start') {
    start(message);
  } else if (message.type === 'stop') {
    if (activeRun?.runId === message.runId) {
      activeRun.stopRequested = true;
    }
  } else if (message.type === 'details') {
    sendDetails(message.runId, message.count);
  } else if (message.type === 'release') {
    if (keptRun?.runId === message.runId) {
      freeKept();
    }
  }
});

function initialize(module) {
  try {
    wasmMemory = initSync({ module }).memory;
  } catch (error) {
    initError = `The WebAssembly module failed to initialize in a worker: ${error.message}`;
    self.postMessage({ kind: 'error', runId: null, model: null, message: initError });
  }
}

// Every message carries the size of the wasm memory, which only grows, so its largest value
// is the worker's peak; the benchmark reads it.
function post(run, kind, fields = {}, transfer = []) {
  const wasmBytes = wasmMemory?.buffer.byteLength ?? null;
  self.postMessage({ kind, runId: run.runId, model: run.model, wasmBytes, ...fields }, transfer);
}

function start(message) {
  const { runId, model, experiment } = message;
  if (activeRun) {
    activeRun.stopRequested = true;
  }
  freeKept();
  const run = { runId, model, experiment, trainer: null, stopRequested: false };
  // The generalization experiments and interpolation need these from their settings.
  run.epochs = message.config?.epochs ?? 1;
  run.alphas = message.config?.alphas ?? 2;
  if (initError) {
    post(run, 'error', { message: initError });
    return;
  }
  try {
    run.trainer = createTrainer(message);
  } catch (error) {
    post(run, 'error', { message: `Training ${label(run)} could not start: ${error.message}` });
    return;
  }
  activeRun = run;
  const training = trainingOf(run);
  training.catch((error) => finishWithError(run, error));
}

function createTrainer(message) {
  const { experiment } = message;
  if (experiment === 'mnist') {
    return createMnistTrainer(message);
  }
  if (Object.hasOwn(OPTIMIZATION_TRAINERS, experiment)) {
    return OPTIMIZATION_TRAINERS[experiment](message);
  }
  if (GENERALIZATION_EXPERIMENTS.has(experiment)) {
    const files = mnistFilesOf(message.data);
    const configJson = JSON.stringify(message.config);
    return new GeneralizationTrainer(experiment, configJson, message.model, files);
  }
  if (experiment === 'interpolation') {
    const { config, data, from, to } = message;
    return new Interpolation(JSON.stringify(config), mnistFilesOf(data), from, to);
  }
  return createFitTrainer(message);
}

function trainingOf(run) {
  if (run.experiment === 'mnist') {
    return trainMnist(run);
  }
  if (Object.hasOwn(OPTIMIZATION_TRAINERS, run.experiment)) {
    return trainOptimization(run);
  }
  if (GENERALIZATION_EXPERIMENTS.has(run.experiment)) {
    return trainGeneralization(run);
  }
  if (run.experiment === 'interpolation') {
    return interpolate(run);
  }
  return train(run);
}

/** Names the model, or the run (numbered from 1) of an optimization experiment. */
function label(run) {
  return typeof run.model === 'number' ? `run ${run.model + 1}` : run.model;
}

function createFitTrainer({ config, model, recordEvery }) {
  return new FitTrainer(JSON.stringify(config), model, recordEvery);
}

/** Builds the MnistFiles from the posted bytes; the trainer takes ownership of them. */
function mnistFilesOf({ train, test }) {
  const files = new MnistFiles(train.imagesName, train.images, train.labelsName, train.labels);
  if (test) {
    files.setTest(test.imagesName, test.images, test.labelsName, test.labels);
  }
  return files;
}

function createMnistTrainer({ config, model, recordEvery, data }) {
  return new MnistTrainer(JSON.stringify(config), model, mnistFilesOf(data), recordEvery);
}

async function train(run) {
  let chunkSteps = 1;
  let predictionsPostedAt = -Infinity;
  while (!run.stopRequested) {
    const startedAt = performance.now();
    const chunk = JSON.parse(run.trainer.advance(chunkSteps));
    chunkSteps = nextChunkSteps(chunkSteps, performance.now() - startedAt);
    postProgress(run, chunk);
    const finished = chunk.status.state !== 'running';
    if (finished || performance.now() - predictionsPostedAt >= PREDICTION_INTERVAL_MS) {
      postPredictions(run);
      predictionsPostedAt = performance.now();
    }
    if (finished) {
      finish(run, 'done');
      return;
    }
    await nextTask();
  }
  postPredictions(run);
  finish(run, 'stopped');
}

/**
 * Trains an MNIST model in chunks. A chunk never runs past the end of an epoch, because the
 * epoch's test evaluation takes as long as many steps. For the same reason, the time of a
 * chunk with an evaluation does not resize the next chunk.
 */
async function trainMnist(run) {
  let chunkSteps = 1;
  let position = { step: 0, stepsPerEpoch: Infinity };
  while (!run.stopRequested) {
    const untilEpochEnd = position.stepsPerEpoch - (position.step % position.stepsPerEpoch);
    const request = Math.min(chunkSteps, untilEpochEnd);
    const startedAt = performance.now();
    const chunk = JSON.parse(run.trainer.advance(request));
    if (chunk.evaluations.length === 0) {
      chunkSteps = nextChunkSteps(request, performance.now() - startedAt);
    }
    position = { step: chunk.step, stepsPerEpoch: chunk.steps / chunk.epochs };
    postMnistProgress(run, chunk);
    if (chunk.status.state !== 'running') {
      finishMnist(run, 'done');
      return;
    }
    await nextTask();
  }
  finishMnist(run, 'stopped');
}

/**
 * Runs an optimization experiment's trainer in chunks. A minimal-ratio run ends when its phase
 * is finished, which comes after its search. The others end when their status leaves running.
 * Chunks of a JOINED_EXPERIMENTS run are joined and posted at most every PROGRESS_INTERVAL_MS,
 * and always at the end; the others are posted as they are.
 */
async function trainOptimization(run) {
  const joins = JOINED_EXPERIMENTS.has(run.experiment);
  let chunkSteps = 1;
  let unsent = null;
  let postedAt = -Infinity;
  const send = () => {
    post(run, 'progress', { chunk: unsent }, unsent.vectors ? [unsent.vectors.buffer] : []);
    unsent = null;
    postedAt = performance.now();
  };
  while (!run.stopRequested) {
    const startedAt = performance.now();
    const chunk = advanceOptimization(run, chunkSteps);
    chunkSteps = nextChunkSteps(chunkSteps, performance.now() - startedAt);
    unsent = unsent ? joinChunks(unsent, chunk) : chunk;
    const ended = chunk.phase ? chunk.phase === 'finished' : chunk.status.state !== 'running';
    if (ended || !joins || performance.now() - postedAt >= PROGRESS_INTERVAL_MS) {
      send();
    }
    if (ended) {
      release(run);
      post(run, 'done', { summary: null });
      return;
    }
    await nextTask();
  }
  if (unsent) {
    send();
  }
  release(run);
  post(run, 'stopped', { summary: null });
}

/**
 * Takes up to `steps` optimizer steps of an optimization experiment and returns the chunk. A
 * PCA chunk carries its records' parameters in `vectors`, a Float32Array that the message
 * transfers, because as JSON text they would cost both threads a parse.
 */
function advanceOptimization(run, steps) {
  const chunk = JSON.parse(run.trainer.advance(steps));
  if (run.trainer instanceof PathTrainer) {
    chunk.vectors = run.trainer.takeVectors();
  }
  return chunk;
}

/**
 * Joins two chunks of a JOINED_EXPERIMENTS run into one that the page reads as both in turn.
 * It has the newer chunk's counters and status and the records and vectors of both. Its loss
 * is the newer one, or the older where the newer is null, because the page keeps its last loss
 * on a null.
 */
function joinChunks(older, newer) {
  const joined = { ...newer, records: [...older.records, ...newer.records] };
  if (older.vectors) {
    joined.vectors = new Float32Array(older.vectors.length + newer.vectors.length);
    joined.vectors.set(older.vectors);
    joined.vectors.set(newer.vectors, older.vectors.length);
  }
  if (newer.loss === null) {
    joined.loss = older.loss;
  }
  return joined;
}

/**
 * Trains a model of a generalization experiment in chunks that never run past the end of an
 * epoch, because each epoch ends with an evaluation on the training and test digits. As for
 * MNIST, the time of a chunk with an evaluation does not resize the next chunk.
 */
async function trainGeneralization(run) {
  let chunkSteps = 1;
  while (!run.stopRequested) {
    const startedAt = performance.now();
    const chunk = JSON.parse(run.trainer.advance(chunkSteps));
    if (chunk.evaluations.length === 0) {
      chunkSteps = nextChunkSteps(chunkSteps, performance.now() - startedAt);
    }
    const stepsPerEpoch = chunk.steps / run.epochs;
    chunkSteps = Math.max(1, Math.min(chunkSteps, stepsPerEpoch - (chunk.step % stepsPerEpoch)));
    post(run, 'progress', { chunk });
    if (chunk.status.state !== 'running') {
      const summary = generalizationSummary(run, chunk.status.state);
      release(run);
      const transfer = summary.flatParameters ? [summary.flatParameters.buffer] : [];
      post(run, 'done', { summary }, transfer);
      return;
    }
    await nextTask();
  }
  release(run);
  post(run, 'stopped', { summary: null });
}

/** Reads what the page needs from a finished generalization trainer. */
function generalizationSummary(run, state) {
  const trainer = run.trainer;
  const done = state === 'done';
  return {
    parameters: trainer.parameters(),
    sensitivity: done && run.experiment === 'sensitivity' ? trainer.sensitivity() : null,
    flatParameters: done && run.experiment === 'interpolate' ? trainer.flatParameters() : null,
  };
}

/**
 * Evaluates the models at `alphas` evenly spaced points from -1 to 2, both ends included, one
 * point per task, so the page can draw each as it comes and a stop takes effect between them.
 */
async function interpolate(run) {
  const count = run.alphas;
  let evaluated = 0;
  while (evaluated < count && !run.stopRequested) {
    const alpha = -1 + (3 * evaluated) / (count - 1);
    const point = JSON.parse(run.trainer.evaluate(alpha));
    post(run, 'progress', { chunk: { point, index: evaluated, count } });
    evaluated += 1;
    await nextTask();
  }
  const kind = evaluated === count ? 'done' : 'stopped';
  release(run);
  post(run, kind, { summary: null });
}

/** Scales the chunk so it takes about TARGET_CHUNK_MS, growing at most 4-fold per chunk. */
function nextChunkSteps(steps, elapsedMs) {
  const scaled = Math.round((steps * TARGET_CHUNK_MS) / Math.max(elapsedMs, 1));
  return Math.min(Math.max(scaled, 1), steps * MAX_CHUNK_GROWTH, MAX_CHUNK_STEPS);
}

function postProgress(run, chunk) {
  post(run, 'progress', {
    epoch: chunk.epoch,
    epochs: chunk.epochs,
    step: chunk.step,
    steps: chunk.steps,
    loss: chunk.loss,
    bestLoss: chunk.best_loss,
    points: chunk.series,
    state: chunk.status.state,
    divergedEpoch: chunk.status.epoch ?? null,
  });
}

function postMnistProgress(run, chunk) {
  post(run, 'progress', {
    epoch: chunk.epoch,
    epochs: chunk.epochs,
    step: chunk.step,
    steps: chunk.steps,
    images: chunk.images,
    points: chunk.series,
    evaluations: chunk.evaluations,
    state: chunk.status.state,
    divergedStep: chunk.status.step ?? null,
  });
}

function postPredictions(run) {
  const predictions = run.trainer.predictions();
  post(run, 'series', { predictions }, [predictions.buffer]);
}

function finish(run, kind) {
  const summary = JSON.parse(run.trainer.summary());
  release(run);
  post(run, kind, { summary });
}

/** Ends an MNIST run but keeps its trainer for a details request, unless a newer run began. */
function finishMnist(run, kind) {
  const summary = JSON.parse(run.trainer.summary());
  const trainerKept = activeRun === run;
  if (trainerKept) {
    activeRun = null;
    keptRun = run;
  } else {
    release(run);
  }
  post(run, kind, { summary, trainerKept });
}

function sendDetails(runId, count) {
  const run = keptRun;
  if (run?.runId !== runId) {
    const message = 'the trainer was already freed';
    post({ runId, model: null }, 'details', { ...emptyDetails(), message });
    return;
  }
  keptRun = null;
  try {
    const images = run.trainer.testImages(count);
    const predictions = run.trainer.testPredictions();
    const labels = run.trainer.testLabels();
    const confusion = JSON.parse(run.trainer.confusion());
    const transfer = [images.buffer, predictions.buffer, labels.buffer];
    post(run, 'details', { images, predictions, labels, confusion }, transfer);
  } catch (error) {
    post(run, 'details', { ...emptyDetails(), message: error.message });
  } finally {
    freeTrainer(run);
  }
}

function emptyDetails() {
  return { images: null, predictions: null, labels: null, confusion: null };
}

function freeKept() {
  const run = keptRun;
  keptRun = null;
  if (run) {
    freeTrainer(run);
  }
}

function freeTrainer(run) {
  try {
    release(run);
  } catch {
    // A trap (a Rust panic) can leave the instance unusable, so freeing may fail as well.
  }
}

function finishWithError(run, error) {
  try {
    release(run);
  } catch {
    // A trap (a Rust panic) can leave the instance unusable, so freeing may fail as well.
    // The page replaces this worker after an error.
  }
  post(run, 'error', { message: `Training ${label(run)} failed: ${error.message}` });
}

function release(run) {
  const trainer = run.trainer;
  run.trainer = null;
  if (activeRun === run) {
    activeRun = null;
  }
  trainer?.free();
}

// A message on a MessageChannel runs as a new task without setTimeout's 4 ms clamping, and
// lets the worker handle a stop request queued in the meantime.
const channel = new MessageChannel();
const pendingTasks = [];
channel.port1.onmessage = () => pendingTasks.shift()();

function nextTask() {
  return new Promise((resolve) => {
    pendingTasks.push(resolve);
    channel.port2.postMessage(null);
  });
}
