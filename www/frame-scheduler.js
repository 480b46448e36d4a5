// Batches the page's rendering into animation frames, and limits how often progress that
// streams in from the workers is rendered.

import { coresBusy } from './core-load.js';

// The status lines, tables and progress bars follow a running experiment at most this often.
// The main thread shares the cores with the workers. Rendering in every animation frame, about
// 55 a second, cost it 0.21 s of CPU during the 8 PCA runs on two workers. At this rate it
// costs 0.08 s.
export const MIN_FRAME_INTERVAL_MS = 100;
// While the page's workers train on every logical core, each frame takes its CPU time from a
// worker, so progress is rendered at most this often.
export const BUSY_FRAME_INTERVAL_MS = 250;

/** Returns the time between two renderings of streamed progress, from the cores' load now. */
export function frameIntervalMs() {
  return coresBusy() ? BUSY_FRAME_INTERVAL_MS : MIN_FRAME_INTERVAL_MS;
}

/**
 * Runs requested callbacks in animation frames, each once per frame. A callback may wait: a
 * throttled request until frameIntervalMs() after the last frame, so that progress streaming
 * in renders about 10 times a second (4 while the cores are busy), and a request with
 * `notBefore` until that time, as a chart does between redraws. A plain request, such as a
 * run's start or end, runs in the next frame together with every waiting callback, so the page
 * never shows a finished run beside a chart that has not caught up.
 */
export class FrameScheduler {
  constructor() {
    // Each waiting callback, with the performance.now() time before which it should not run.
    this.waiting = new Map();
    this.frameRequested = false;
    this.flushRequested = false;
    this.timer = null;
    this.timerAt = Infinity;
    this.frameAt = -Infinity;
  }

  /** Runs `callback` in the next frame, or with `throttled` or `notBefore` once it may. */
  request(callback, { throttled = false, notBefore = -Infinity } = {}) {
    const plain = !throttled && notBefore === -Infinity;
    const limit = throttled ? this.frameAt + frameIntervalMs() : -Infinity;
    const earliest = Math.min(this.waiting.get(callback) ?? Infinity, Math.max(notBefore, limit));
    this.waiting.set(callback, earliest);
    if (plain) {
      this.flushRequested = true;
      this.requestFrame();
    } else {
      this.wakeAt(earliest);
    }
  }

  /** Requests a frame at time `at`: at once when it has come, else by a timer. */
  wakeAt(at) {
    const waitMs = at - performance.now();
    if (waitMs <= 0) {
      this.requestFrame();
    } else if (at < this.timerAt) {
      clearTimeout(this.timer);
      this.timerAt = at;
      this.timer = setTimeout(() => {
        this.timerAt = Infinity;
        this.requestFrame();
      }, waitMs);
    }
  }

  requestFrame() {
    if (!this.frameRequested) {
      this.frameRequested = true;
      requestAnimationFrame(() => this.runFrame());
    }
  }

  runFrame() {
    const now = performance.now();
    const flush = this.flushRequested;
    this.frameRequested = false;
    this.flushRequested = false;
    const due = [];
    for (const [callback, at] of this.waiting) {
      if (flush || at <= now) {
        due.push(callback);
        this.waiting.delete(callback);
      }
    }
    if (due.length > 0) {
      this.frameAt = now;
    }
    for (const callback of due) {
      callback();
    }
    if (this.waiting.size > 0) {
      this.wakeAt(Math.min(...this.waiting.values()));
    }
  }
}
