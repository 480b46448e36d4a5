// Saves the runs of a page in IndexedDB as they go and lists them again after a reload. Each
// page load has its own id and holds a Web Lock named after it for as long as it lives, so a
// record still marked running belongs to a live tab exactly when that tab's lock is held.
// Otherwise its page is gone (closed, reloaded or crashed mid-run) and the run is interrupted.

import {
  finite,
  isPlainObject,
  oneOf,
  settings,
  shape,
  text,
  textOrNull,
} from './record-schema.js';
import { RunStore } from './run-store.js';

// A live run is written at most this often, and once more when it ends.
const SAVE_INTERVAL_MS = 2000;

// The version of the record layout. Records of another version are left out of the list.
const RECORD_FORMAT = 1;

export const STATUSES = ['running', 'finished', 'stopped', 'diverged', 'failed', 'interrupted'];

const LOCK_PREFIX = 'gradlab-page-';

// Without the Web Locks API (outside secure contexts), a running record of another page that
// was not written for this long counts as interrupted. Live runs write every 2 s while their
// workers report progress, so only a tab stalled for this long would be mislabelled.
const STALE_RUNNING_MS = 30_000;

/** Returns a new random id, also outside secure contexts where randomUUID is missing. */
function newId() {
  if (typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Holds this page's lock until the page goes away. */
function holdPageLock(pageId) {
  navigator.locks
    ?.request(`${LOCK_PREFIX}${pageId}`, () => new Promise(() => {}))
    .catch((error) => console.error(`Holding the page lock failed: ${error.message}`));
}

/** Returns the page ids whose lock some live page holds, or null without the Web Locks API. */
async function livePageIds() {
  if (!navigator.locks) {
    return null;
  }
  const { held } = await navigator.locks.query();
  return new Set(
    held
      .map((lock) => lock.name ?? '')
      .filter((name) => name.startsWith(LOCK_PREFIX))
      .map((name) => name.slice(LOCK_PREFIX.length)),
  );
}

const recordEnvelope = shape({
  format: oneOf([RECORD_FORMAT]),
  id: text(100),
  pageId: text(100),
  startedAt: finite,
  savedAt: finite,
  status: oneOf(STATUSES),
  config: settings,
  series: isPlainObject,
  summary: isPlainObject,
  reduced: textOrNull(500),
});

/** Returns the status a run ended with, from its phase and its models' or items' states. */
function finalStatus(run) {
  if (run.phase === 'failed') {
    return 'failed';
  }
  if (run.phase === 'stopped') {
    return 'stopped';
  }
  const parts = run.models ?? run.items ?? [];
  return parts.some((part) => part.state === 'diverged') ? 'diverged' : 'finished';
}

export class RunKeeper {
  /**
   * `adapters` are the experiment adapters of run-snapshots.js. `notices.show(kind, text)`
   * shows a storage problem to the user, one line per kind.
   */
  constructor(adapters, notices) {
    this.adapters = new Map(adapters.map((adapter) => [adapter.experiment, adapter]));
    this.notices = notices;
    this.pageId = newId();
    this.store = null;
    this.listeners = new Set();
    // The ids of the records of runs that this page is training.
    this.live = new Set();
    this.recorders = new Set();
    // The kinds of write failure logged so far.
    this.failedKinds = new Set();
    // A last write as the page goes away. The browser may end the page before it completes,
    // and then the record keeps the write before, at most SAVE_INTERVAL_MS older.
    window.addEventListener('pagehide', () => {
      for (const recorder of this.recorders) {
        recorder.flush();
      }
    });
  }

  /** Opens the store. Resolves with false, after a notice, when storage is unavailable. */
  async open() {
    holdPageLock(this.pageId);
    try {
      this.store = await RunStore.open();
      return true;
    } catch (error) {
      console.error(error);
      this.notices.show(
        'unavailable',
        `Runs are not saved in this browser: ${error.message}. Training works as usual, but ` +
          'a reload loses the results.',
      );
      return false;
    }
  }

  get available() {
    return this.store !== null;
  }

  /** Calls `listener` after a run starts or ends and after records are deleted. */
  subscribe(listener) {
    this.listeners.add(listener);
  }

  notify() {
    for (const listener of this.listeners) {
      listener();
    }
  }

  /** Returns the recorder of `target`, a page or section shown by `adapter`. */
  recorder(adapter, target, { onStart = () => {} } = {}) {
    const recorder = new RunRecorder(this, adapter, target, onStart);
    this.recorders.add(recorder);
    return recorder;
  }

  /**
   * Writes `record`. A failure leaves a notice and the run goes on unsaved. Each kind of
   * failure is logged once, since a live run retries every SAVE_INTERVAL_MS.
   */
  async write(record) {
    if (!this.store) {
      return;
    }
    try {
      await this.store.put(record);
    } catch (error) {
      const kind = error.quota ? 'quota' : 'write-failed';
      if (!this.failedKinds.has(kind)) {
        this.failedKinds.add(kind);
        console.error(`Saving the ${record.experiment} run ${record.id} failed:`, error);
      }
      const text = error.quota
        ? 'A run could not be saved because the browser storage for this page is full. ' +
          'Delete saved runs to make room.'
        : `A run could not be saved: ${error.message}.`;
      this.notices.show(kind, text);
    }
  }

  /** Returns whether `value`, stored under `key`, is a record this page can show. */
  isValid(key, value) {
    if (!recordEnvelope(value) || value.id !== key || !this.adapters.has(value.experiment)) {
      return false;
    }
    try {
      return this.adapters.get(value.experiment).valid(value);
    } catch {
      return false;
    }
  }

  /**
   * Reads every record. Returns the valid ones, newest first, and the keys of the others.
   * Running records whose page is gone are marked interrupted, in storage too. A record that
   * another live tab is writing gets `elsewhere: true`, and one of this page `live: true`.
   */
  async list() {
    if (!this.store) {
      return { records: [], invalidKeys: [] };
    }
    const entries = await this.store.readAll();
    const records = [];
    const invalidKeys = [];
    for (const { key, value } of entries) {
      if (this.isValid(key, value)) {
        records.push(value);
      } else {
        invalidKeys.push(key);
      }
    }
    const liveIds = await livePageIds();
    for (const record of records.filter((entry) => entry.status === 'running')) {
      await this.classifyRunning(record, liveIds);
    }
    records.sort((a, b) => b.startedAt - a.startedAt);
    return { records, invalidKeys };
  }

  async classifyRunning(record, liveIds) {
    if (this.live.has(record.id)) {
      record.live = true;
      return;
    }
    const alive = liveIds
      ? liveIds.has(record.pageId)
      : Date.now() - record.savedAt < STALE_RUNNING_MS;
    if (alive) {
      record.elsewhere = true;
      return;
    }
    record.status = 'interrupted';
    await this.write(record);
  }

  /** Deletes the records with `keys`, except those of runs this page is training. */
  async remove(keys) {
    if (!this.store) {
      return;
    }
    await this.store.delete(keys.filter((key) => !this.live.has(key)));
    this.notify();
  }

  adapterOf(experiment) {
    return this.adapters.get(experiment);
  }
}

/**
 * Saves the runs of one page or section: a record when a run starts, again at most every
 * SAVE_INTERVAL_MS while it reports progress, and a last time when it ends.
 */
class RunRecorder {
  constructor(keeper, adapter, target, onStart) {
    this.keeper = keeper;
    this.adapter = adapter;
    this.target = target;
    this.onStart = onStart;
    this.entries = new WeakMap();
    // The latest run started, for the write when the page goes away.
    this.current = null;
  }

  started(run) {
    this.onStart();
    if (!this.keeper.available) {
      return;
    }
    const entry = {
      id: newId(),
      startedAt: Date.now(),
      timer: null,
      ended: false,
      savedAt: -Infinity,
      queue: Promise.resolve(),
    };
    this.entries.set(run, entry);
    this.current = run;
    this.keeper.live.add(entry.id);
    this.save(run, entry, 'running').then(() => this.keeper.notify());
  }

  changed(run) {
    const entry = this.entries.get(run);
    if (!entry || entry.ended || entry.timer !== null) {
      return;
    }
    const waitMs = Math.max(0, entry.savedAt + SAVE_INTERVAL_MS - performance.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (!entry.ended) {
        this.save(run, entry, 'running');
      }
    }, waitMs);
  }

  ended(run) {
    const entry = this.entries.get(run);
    if (!entry || entry.ended) {
      return;
    }
    clearTimeout(entry.timer);
    entry.timer = null;
    entry.ended = true;
    this.save(run, entry, finalStatus(run)).then(() => {
      this.keeper.live.delete(entry.id);
      this.keeper.notify();
    });
  }

  /** Writes the current run now if it is still training. */
  flush() {
    const entry = this.current && this.entries.get(this.current);
    if (!entry || entry.ended) {
      return;
    }
    clearTimeout(entry.timer);
    entry.timer = null;
    this.save(this.current, entry, 'running');
  }

  /** Queues a write of `run` as it is now, after the writes queued before. */
  save(run, entry, status) {
    entry.savedAt = performance.now();
    let record;
    try {
      // The copy is taken now: the write waits for earlier ones, and the run changes meanwhile.
      record = structuredClone({
        format: RECORD_FORMAT,
        id: entry.id,
        experiment: this.adapter.experiment,
        pageId: this.keeper.pageId,
        startedAt: entry.startedAt,
        savedAt: Date.now(),
        status,
        config: run.config,
        ...this.adapter.snapshot(this.target, run),
      });
    } catch (error) {
      console.error(`Saving the ${this.adapter.experiment} run failed: ${error.message}`);
      return entry.queue;
    }
    entry.queue = entry.queue.then(() => this.keeper.write(record));
    return entry.queue;
  }
}
