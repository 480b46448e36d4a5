// A fixed set of module workers (worker.js), each with its own instance of the compiled wasm
// module and training one model at a time. A run either gives every worker one model (start)
// or queues more models than there are workers (startQueued).

import { setTraining } from './core-load.js';

// By default, a worker that has not responded to a stop request within this time is terminated
// and replaced.
const STOP_TIMEOUT_MS = 1000;

// Message kinds that end a worker's run.
export const FINAL_KINDS = new Set(['done', 'stopped', 'error']);

// Workers started before any Train needs them, each with its own instance of the module, so
// that the first Train does not wait for its workers to load. Each keeps the listeners that
// remove it when it fails while spare.
const spares = [];

/** Starts a module worker (worker.js) and sends it the compiled wasm `module` to instantiate. */
function newTrainingWorker(module) {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.postMessage({ type: 'init', module });
  return worker;
}

/** Returns a spare worker for `module` if one is left, else a newly started one. */
export function startTrainingWorker(module) {
  const spare = spares.shift();
  if (spare) {
    spare.listeners.abort();
    return spare.worker;
  }
  return newTrainingWorker(module);
}

/** Starts spare workers for `module` until there are `count`. */
export function startSpareWorkers(module, count) {
  while (spares.length < count) {
    keepSpare(newTrainingWorker(module));
  }
}

/**
 * Keeps `worker`, which trains nothing and has no listeners of its own, as a spare. One that
 * fails to load or to instantiate the module is terminated and never handed out.
 */
export function keepSpare(worker) {
  const spare = { worker, listeners: new AbortController() };
  const drop = (reason) => {
    console.warn(`A spare training worker was dropped: ${reason}`);
    spares.splice(spares.indexOf(spare), 1);
    spare.listeners.abort();
    worker.terminate();
  };
  const { signal } = spare.listeners;
  worker.addEventListener('error', (event) => drop(describeWorkerError(event)), { signal });
  const onMessage = (event) => {
    if (event.data?.kind === 'error') {
      drop(event.data.message);
    }
  };
  worker.addEventListener('message', onMessage, { signal });
  spares.push(spare);
}

export class WorkerPool {
  /**
   * Starts `size` workers and sends each the compiled `module`. Every message from a worker
   * goes to `onMessage`, and so does a `stopped` message on behalf of a terminated worker.
   * `stopTimeoutMs` is how long a worker may take to respond to a stop request.
   */
  constructor(module, size, onMessage, { stopTimeoutMs = STOP_TIMEOUT_MS } = {}) {
    this.module = module;
    this.onMessage = onMessage;
    this.stopTimeoutMs = stopTimeoutMs;
    this.slots = Array.from({ length: size }, () => this.spawn({ waiters: [] }));
    // The models of a startQueued run that no worker has taken yet.
    this.queue = null;
  }

  get size() {
    return this.slots.length;
  }

  spawn(slot) {
    const worker = startTrainingWorker(this.module);
    worker.addEventListener('message', (event) => this.receive(slot, event.data));
    worker.addEventListener('error', (event) => this.fail(slot, describeWorkerError(event)));
    worker.addEventListener('messageerror', () => {
      this.fail(slot, 'A message from a training worker could not be deserialized.');
    });
    Object.assign(slot, { worker, runId: null, model: null, broken: false, keptTrainer: null });
    setTraining(slot, false);
    return slot;
  }

  /**
   * Starts run `runId`: model `models[i]` trains in worker i. `fields` go into every start
   * message: `experiment`, `config`, `recordEvery`, and `data` for MNIST. Its byte arrays are
   * copied into each worker.
   */
  start(runId, models, fields) {
    if (models.length > this.slots.length) {
      throw new Error(
        `start() received ${models.length} models but the pool has ${this.slots.length} workers`,
      );
    }
    this.queue = null;
    models.forEach((model, index) => this.startSlot(this.slots[index], runId, model, fields));
  }

  /**
   * Starts run `runId` on models that may outnumber the workers. Each worker trains the next
   * waiting model, in the order of `models`, as soon as its previous one ends, until none is
   * left or the run is stopped. `fields` are as for start().
   */
  startQueued(runId, models, fields) {
    this.queue = { runId, models: [...models], fields };
    for (const slot of this.slots) {
      this.startNext(slot);
    }
  }

  /** Gives an idle worker the next waiting model of the queued run, if any. */
  startNext(slot) {
    const queue = this.queue;
    if (!queue || queue.models.length === 0 || slot.runId !== null) {
      return;
    }
    this.startSlot(slot, queue.runId, queue.models.shift(), queue.fields);
  }

  startSlot(slot, runId, model, fields) {
    if (slot.broken) {
      slot.worker.terminate();
      this.spawn(slot);
    }
    slot.runId = runId;
    slot.model = model;
    slot.keptTrainer = null;
    setTraining(slot, true);
    slot.worker.postMessage({ ...fields, type: 'start', runId, model });
  }

  /**
   * Asks the worker that kept the trainer of `model` in run `runId` for its test digits,
   * predictions and confusion matrix, which it sends in a `details` message. Returns false
   * when no worker kept that trainer, for example because it was replaced after a stop
   * timeout.
   */
  requestDetails(runId, model, count) {
    const slot = this.slots.find(
      (s) => s.keptTrainer?.runId === runId && s.keptTrainer.model === model,
    );
    if (!slot) {
      return false;
    }
    slot.keptTrainer = null;
    slot.worker.postMessage({ type: 'details', runId, count });
    return true;
  }

  /** Lets every worker free the trainer it kept from run `runId`. */
  releaseKept(runId) {
    for (const slot of this.slots.filter((s) => s.keptTrainer?.runId === runId)) {
      slot.keptTrainer = null;
      slot.worker.postMessage({ type: 'release', runId });
    }
  }

  /**
   * Asks every worker of run `runId` to stop and resolves once each has responded, or has
   * been terminated and replaced after STOP_TIMEOUT_MS.
   */
  stop(runId) {
    if (this.queue?.runId === runId) {
      this.queue = null;
    }
    const busy = this.slots.filter((slot) => slot.runId === runId);
    return Promise.all(busy.map((slot) => this.stopSlot(slot, runId)));
  }

  /** Terminates every worker at once, without stop requests; the pool is unusable after. */
  terminate() {
    this.queue = null;
    for (const slot of this.slots) {
      slot.worker.terminate();
      release(slot);
    }
  }

  stopSlot(slot, runId) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.replace(slot), this.stopTimeoutMs);
      slot.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      slot.worker.postMessage({ type: 'stop', runId });
    });
  }

  replace(slot) {
    const { runId, model } = slot;
    console.warn(`The ${model} worker did not stop within ${this.stopTimeoutMs} ms; replacing it.`);
    slot.worker.terminate();
    this.spawn(slot);
    this.onMessage({ kind: 'stopped', runId, model, summary: null });
    release(slot);
  }

  receive(slot, message) {
    // A worker that failed on its own gets replaced before its next run.
    if (message.kind === 'error') {
      slot.broken = true;
    }
    const ends = FINAL_KINDS.has(message.kind) && message.runId === slot.runId;
    // Set before onMessage, which may already request the details of this run.
    if (ends && message.trainerKept) {
      slot.keptTrainer = { runId: slot.runId, model: slot.model };
    }
    this.onMessage(message);
    if (ends) {
      release(slot);
      this.startNext(slot);
    }
  }

  fail(slot, text) {
    const { runId, model } = slot;
    slot.broken = true;
    this.onMessage({ kind: 'error', runId, model, message: text });
    release(slot);
    this.startNext(slot);
  }
}

function release(slot) {
  slot.runId = null;
  slot.model = null;
  setTraining(slot, false);
  for (const resolve of slot.waiters.splice(0)) {
    resolve();
  }
}

/** Returns the message of a worker's error event, which it marks as handled. */
export function describeWorkerError(event) {
  event.preventDefault();
  if (event.message) {
    return `A training worker failed: ${event.message}`;
  }
  // Chromium reports a worker script that failed to load or parse without any message.
  return 'A training worker failed to load worker.js or pkg/gradlab.js; see the browser console.';
}
