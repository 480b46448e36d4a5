// Batches the page's rendering into animation frames, and limits how often progress that
// streams in from the workers is rendered.

// The status lines, tables and progress bars follow a running experiment at most this often.
// The main thread shares the cores with the workers. Rendering in every animation frame, about
// 55 a second, cost it 0.21 s of CPU during the 8 PCA runs on two workers; at this rate 0.08 s.
export const MIN_FRAME_INTERVAL_MS = 100;

/**
 * Runs the callbacks requested since the last animation frame, each once, in one frame. A
 * throttled request waits until MIN_FRAME_INTERVAL_MS after the last frame. Progress streaming
 * in from the workers thus renders about 10 times a second. A plain request, such as a run's
 * start or end, renders in the next frame, together with any throttled one waiting.
 */
export class FrameScheduler {
  constructor() {
    this.callbacks = new Set();
    this.frameRequested = false;
    this.timer = null;
    this.frameAt = -Infinity;
  }

  /** Runs `callback` in the next frame, or with `throttled` in the first frame allowed. */
  request(callback, { throttled = false } = {}) {
    this.callbacks.add(callback);
    const waitMs = this.frameAt + MIN_FRAME_INTERVAL_MS - performance.now();
    if (!throttled || waitMs <= 0) {
      this.requestFrame();
    } else if (this.timer === null && !this.frameRequested) {
      this.timer = setTimeout(() => this.requestFrame(), waitMs);
    }
  }

  requestFrame() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.frameRequested) {
      this.frameRequested = true;
      requestAnimationFrame(() => this.runFrame());
    }
  }

  runFrame() {
    this.frameAt = performance.now();
    this.frameRequested = false;
    const callbacks = [...this.callbacks];
    this.callbacks.clear();
    for (const callback of callbacks) {
      callback();
    }
  }
}
