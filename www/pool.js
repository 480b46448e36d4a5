// A fixed set of module workers (worker.js), each with its own instance of the compiled wasm
// module and training one model at a time.

// A worker that has not responded to a stop request within this time is terminated and replaced.
const STOP_TIMEOUT_MS = 1000;

// Message kinds that end a worker's run.
const FINAL_KINDS = new Set(['done', 'stopped', 'error']);

export class WorkerPool {
  /**
   * Starts `size` workers and sends each the compiled `module`. Every message from a worker
   * goes to `onMessage`, and so does a `stopped` message on behalf of a terminated worker.
   */
  constructor(module, size, onMessage) {
    this.module = module;
    this.onMessage = onMessage;
    this.slots = Array.from({ length: size }, () => this.spawn({ waiters: [] }));
  }

  spawn(slot) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (event) => this.receive(slot, event.data));
    worker.addEventListener('error', (event) => this.fail(slot, describeWorkerError(event)));
    worker.addEventListener('messageerror', () => {
      this.fail(slot, 'A message from a training worker could not be deserialized.');
    });
    worker.postMessage({ type: 'init', module: this.module });
    Object.assign(slot, { worker, runId: null, model: null, broken: false });
    return slot;
  }

  /** Starts run `runId`: model `models[i]` trains in worker i. */
  start(runId, config, models, recordEvery) {
    if (models.length > this.slots.length) {
      throw new Error(
        `start() received ${models.length} models but the pool has ${this.slots.length} workers`,
      );
    }
    models.forEach((model, index) => {
      const slot = this.slots[index];
      if (slot.broken) {
        slot.worker.terminate();
        this.spawn(slot);
      }
      slot.runId = runId;
      slot.model = model;
      slot.worker.postMessage({ type: 'start', runId, config, model, recordEvery });
    });
  }

  /**
   * Asks every worker of run `runId` to stop and resolves once each has responded, or has
   * been terminated and replaced after STOP_TIMEOUT_MS.
   */
  stop(runId) {
    const busy = this.slots.filter((slot) => slot.runId === runId);
    return Promise.all(busy.map((slot) => this.stopSlot(slot, runId)));
  }

  stopSlot(slot, runId) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.replace(slot), STOP_TIMEOUT_MS);
      slot.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      slot.worker.postMessage({ type: 'stop', runId });
    });
  }

  replace(slot) {
    const { runId, model } = slot;
    console.warn(`The ${model} worker did not stop within ${STOP_TIMEOUT_MS} ms; replacing it.`);
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
    this.onMessage(message);
    if (FINAL_KINDS.has(message.kind) && message.runId === slot.runId) {
      release(slot);
    }
  }

  fail(slot, text) {
    const { runId, model } = slot;
    slot.broken = true;
    this.onMessage({ kind: 'error', runId, model, message: text });
    release(slot);
  }
}

function release(slot) {
  slot.runId = null;
  slot.model = null;
  for (const resolve of slot.waiters.splice(0)) {
    resolve();
  }
}

function describeWorkerError(event) {
  event.preventDefault();
  if (event.message) {
    return `A training worker failed: ${event.message}`;
  }
  // Chromium reports a worker script that failed to load or parse without any message.
  return 'A training worker failed to load worker.js or pkg/gradlab.js; see the browser console.';
}
