// Trains one model of the fitting experiment off the main thread.
//
// Messages from the page:
//   {type: 'init', module}                                 instantiate the compiled wasm module
//   {type: 'start', runId, config, model, recordEvery}     train `model`, ending any other run
//   {type: 'stop', runId}                                  end run `runId` after the current chunk
// Messages to the page, each with `kind`, `runId` and `model`:
//   progress  epoch, epochs, step, steps, loss, bestLoss, points (new [epoch, loss] pairs),
//             state ('running' | 'done' | 'diverged'), divergedEpoch
//   series    predictions: Float32Array on the fitTargetCurve grid
//   done      summary (FitTrainer.summary()) once every epoch ran or the loss diverged
//   stopped   summary, after a stop request
//   error     message; runId and model are null when the wasm module failed to initialize

import { initSync, FitTrainer } from './pkg/gradlab.js';

// Each chunk of optimizer steps should take about this long, so a stop request waits at most one chunk.
const TARGET_CHUNK_MS = 40;
const MAX_CHUNK_GROWTH = 4;
const MAX_CHUNK_STEPS = 100_000;
const PREDICTION_INTERVAL_MS = 100;

let initError = null;
let activeRun = null;

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
  }
});

function initialize(module) {
  try {
    initSync({ module });
  } catch (error) {
    initError = `The WebAssembly module failed to initialize in a worker: ${error.message}`;
    self.postMessage({ kind: 'error', runId: null, model: null, message: initError });
  }
}

function post(run, kind, fields = {}, transfer = []) {
  self.postMessage({ kind, runId: run.runId, model: run.model, ...fields }, transfer);
}

function start({ runId, config, model, recordEvery }) {
  if (activeRun) {
    activeRun.stopRequested = true;
  }
  const run = { runId, model, trainer: null, stopRequested: false };
  if (initError) {
    post(run, 'error', { message: initError });
    return;
  }
  try {
    run.trainer = new FitTrainer(JSON.stringify(config), model, recordEvery);
  } catch (error) {
    post(run, 'error', { message: `Training ${model} could not start: ${error.message}` });
    return;
  }
  activeRun = run;
  train(run).catch((error) => finishWithError(run, error));
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

function postPredictions(run) {
  const predictions = run.trainer.predictions();
  post(run, 'series', { predictions }, [predictions.buffer]);
}

function finish(run, kind) {
  const summary = JSON.parse(run.trainer.summary());
  release(run);
  post(run, kind, { summary });
}

function finishWithError(run, error) {
  try {
    release(run);
  } catch {
    // A trap (a Rust panic) can leave the instance unusable, so freeing may fail as well.
    // The page replaces this worker after an error.
  }
  post(run, 'error', { message: `Training ${run.model} failed: ${error.message}` });
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
