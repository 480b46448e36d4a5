// The set of the page's workers that are training. The page draws on the main thread, which
// shares the cores with the workers, so it draws less often while workers train on every
// logical core. The idle warm-up ends when the first worker starts training.

const training = new Set();
let started = false;
// Callbacks to call once, when the first worker starts training.
const firstStartCallbacks = [];

/** Records whether the worker of `slot` is training a model. */
export function setTraining(slot, isTraining) {
  if (!isTraining) {
    training.delete(slot);
    return;
  }
  training.add(slot);
  started = true;
  for (const callback of firstStartCallbacks.splice(0)) {
    callback();
  }
}

/** Returns true once any of the page's workers has started training. */
export function trainingStarted() {
  return started;
}

/** Calls `callback` when the first worker starts training, or at once if one has. */
export function whenTrainingStarts(callback) {
  if (started) {
    callback();
  } else {
    firstStartCallbacks.push(callback);
  }
}

/** Returns true while the page's workers train on every logical core. */
export function coresBusy() {
  const cores = Math.max(1, globalThis.navigator?.hardwareConcurrency || 1);
  return training.size >= cores;
}
