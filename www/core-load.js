// Which of the page's workers are training. The page draws on the main thread, which shares
// the cores with the workers, so it draws less often while workers train on every logical core.

const training = new Set();

/** Records whether the worker of `slot` is training a model. */
export function setTraining(slot, isTraining) {
  if (isTraining) {
    training.add(slot);
  } else {
    training.delete(slot);
  }
}

/** Returns true while the page's workers train on every logical core. */
export function coresBusy() {
  const cores = Math.max(1, globalThis.navigator?.hardwareConcurrency || 1);
  return training.size >= cores;
}
