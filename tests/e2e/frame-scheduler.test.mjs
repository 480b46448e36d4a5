// The page's frame scheduler, with the browser's clock, timers and animation frames replaced by
// ones the test advances. Progress renders at most every MIN_FRAME_INTERVAL_MS, and a chart not
// before its own time; while workers train on every core, at most every BUSY_FRAME_INTERVAL_MS.
// A run's start or end renders in the next frame and takes every waiting callback with it.

import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { setTraining } from '../../www/core-load.js';
import {
  BUSY_FRAME_INTERVAL_MS,
  FrameScheduler,
  MIN_FRAME_INTERVAL_MS,
} from '../../www/frame-scheduler.js';

const browser = { now: 0, frames: [], timers: new Map(), nextTimer: 1 };

Object.defineProperty(globalThis, 'performance', {
  value: { now: () => browser.now },
  configurable: true,
});
globalThis.requestAnimationFrame = (callback) => browser.frames.push(callback);
globalThis.setTimeout = (callback, ms) => {
  const id = browser.nextTimer;
  browser.nextTimer += 1;
  browser.timers.set(id, { callback, at: browser.now + ms });
  return id;
};
globalThis.clearTimeout = (id) => browser.timers.delete(id);

/** Moves the clock to `ms`, firing the timers due on the way, then runs the waiting frames. */
function advanceTo(ms) {
  browser.now = ms;
  for (const [id, timer] of [...browser.timers]) {
    if (timer.at <= ms) {
      browser.timers.delete(id);
      timer.callback();
    }
  }
  for (const frame of browser.frames.splice(0)) {
    frame();
  }
}

let scheduler;
let renders;

/** Requests `callback` as progress every 10 ms from `fromMs` to `toMs`; returns render times. */
function streamProgress(callback, fromMs, toMs) {
  for (let ms = fromMs; ms <= toMs; ms += 10) {
    scheduler.request(callback, { throttled: true });
    advanceTo(ms);
  }
  return renders.map((entry) => Number(entry.split('@')[1]));
}

beforeEach(() => {
  Object.assign(browser, { now: 0, frames: [], timers: new Map() });
  scheduler = new FrameScheduler();
  renders = [];
});

const render = (name) => () => renders.push(`${name}@${browser.now}`);

/** Returns a progress callback after its first request has rendered, at 16 ms. */
function firstProgress() {
  const progress = render('progress');
  scheduler.request(progress, { throttled: true });
  advanceTo(16);
  return progress;
}

/** Returns true when every two neighbouring `times` are at least `ms` apart. */
const spacedBy = (times, ms) => times.slice(1).every((time, i) => time - times[i] >= ms);

test('first progress renders at once', () => {
  scheduler.request(render('progress'), { throttled: true });
  advanceTo(16);
  assert.deepEqual(renders, ['progress@16']);
});

test('streamed progress renders per interval', () => {
  const progress = firstProgress();
  // The clock moves in steps of 10 ms, so a frame due at 116 runs at 120.
  const times = streamProgress(progress, 20, 300);
  assert.deepEqual(times, [16, 120, 220]);
  assert.ok(spacedBy(times, MIN_FRAME_INTERVAL_MS));
});

test('busy cores slow progress', (t) => {
  // Node has no navigator, so the page counts one core, and one training worker fills it.
  const slot = {};
  setTraining(slot, true);
  t.after(() => setTraining(slot, false));
  const progress = firstProgress();
  const times = streamProgress(progress, 20, 600);
  assert.deepEqual(times, [16, 270, 520]);
  assert.ok(spacedBy(times, BUSY_FRAME_INTERVAL_MS));
  setTraining(slot, false);
  renders.length = 0;
  assert.deepEqual(streamProgress(progress, 610, 830), [620, 720, 820]);
});

test('run end flushes waiting progress', () => {
  scheduler.request(render('progress'), { throttled: true });
  advanceTo(16);
  scheduler.request(render('progress'), { throttled: true });
  advanceTo(30);
  assert.deepEqual(renders, ['progress@16']);
  scheduler.request(render('end'));
  advanceTo(33);
  assert.deepEqual(renders, ['progress@16', 'progress@33', 'end@33']);
  // The progress that waited ran with the end, so nothing renders again at 116.
  advanceTo(200);
  assert.equal(renders.length, 3);
});

test('chart waits for its time', () => {
  scheduler.request(render('progress'), { throttled: true });
  scheduler.request(render('chart'), { throttled: true, notBefore: 1000 });
  advanceTo(16);
  assert.deepEqual(renders, ['progress@16']);
  scheduler.request(render('progress'), { throttled: true });
  advanceTo(120);
  assert.deepEqual(renders, ['progress@16', 'progress@120']);
  advanceTo(1000);
  assert.deepEqual(renders, ['progress@16', 'progress@120', 'chart@1000']);
});

test('run end draws waiting chart', () => {
  scheduler.request(render('chart'), { throttled: true, notBefore: 1000 });
  advanceTo(16);
  scheduler.request(render('end'));
  advanceTo(33);
  assert.deepEqual(renders, ['chart@33', 'end@33']);
  advanceTo(1000);
  assert.equal(renders.length, 2);
});

test('callback runs once per frame', () => {
  const text = render('text');
  scheduler.request(text);
  scheduler.request(text);
  scheduler.request(text, { throttled: true });
  advanceTo(16);
  assert.deepEqual(renders, ['text@16']);
});
