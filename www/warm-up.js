// Throwaway training runs while the page is idle. V8 first runs each wasm function from a
// quick baseline compile, and compiles it again with its optimizing compiler only once it is
// hot. In Chromium 156 a page's first PCA run took about twice as long as later ones. The
// optimized code belongs to the compiled module, which every worker of the page shares. So two
// PCA runs in a spare worker, before any Train, speed up the first runs of every MLP experiment
// (fit, PCA, gradient norm, minimal ratio). A Train anywhere ends the warm-up at once, and a
// warm-up that ends first returns its worker to the spares.

import { trainingStarted, whenTrainingStarts } from './core-load.js';
import { FINAL_KINDS, describeWorkerError, keepSpare, startTrainingWorker } from './pool.js';

// The warm-up trains this many PCA runs, one after the other. After one run the next Train's 8
// PCA runs on two workers still took about 5% longer than a Train after two, and three runs
// gained nothing more.
const RUNS = 2;
// The warm-up waits this long after the page has loaded, then for an idle moment.
const DELAY_MS = 1000;
const IDLE_TIMEOUT_MS = 2000;

/** Starts the warm-up of `module` once the page is idle, unless a Train comes first. */
export function warmUpWhenIdle(module) {
  setTimeout(() => {
    requestIdleCallback(() => warmUp(module), { timeout: IDLE_TIMEOUT_MS });
  }, DELAY_MS);
}

function warmUp(module) {
  if (trainingStarted()) {
    return;
  }
  const worker = startTrainingWorker(module);
  const listeners = new AbortController();
  let running = true;
  // A Train during the warm-up terminates it; one after finds the worker among the spares.
  const end = (state) => {
    if (!running) {
      return;
    }
    running = false;
    listeners.abort();
    if (state === 'done' && !trainingStarted()) {
      keepSpare(worker);
    } else {
      worker.terminate();
    }
  };
  whenTrainingStarts(() => end('interrupted'));
  const warn = (reason) => {
    console.warn(`The warm-up failed, so the first Train starts slower: ${reason}`);
  };
  const { signal } = listeners;
  worker.addEventListener(
    'message',
    (event) => {
      const { kind, model, message } = event.data;
      if (kind === 'error') {
        warn(message);
      }
      if (kind === 'done' && model + 1 < RUNS) {
        startRun(worker, model + 1);
      } else if (FINAL_KINDS.has(kind)) {
        end(kind);
      }
    },
    { signal },
  );
  worker.addEventListener(
    'error',
    (event) => {
      warn(describeWorkerError(event));
      end('error');
    },
    { signal },
  );
  startRun(worker, 0);
}

/** Starts PCA run `model` (from 0) at its default settings, which an empty config selects. */
function startRun(worker, model) {
  worker.postMessage({ type: 'start', experiment: 'pca', runId: 0, model, config: {} });
}
