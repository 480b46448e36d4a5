// A module Web Worker that runs the benchmark's workloads on gradlab's wasm build, with the
// same messages as peer-worker.js: { type: 'init', engine, plainSimd }, then { type: 'run',
// workload, warmup, steps, seed }. It loads the module the page would load, or the plain SIMD
// one when plainSimd is set. Its replies also carry the wasm compile time, the module loaded
// and the wasm memory size.

import { preferredModule } from '/www/wasm.js';

const PKG = '/www/pkg';
let bindings = null;
let engine = null;
let memory = null;

async function init(message) {
  engine = message.engine;
  bindings = await import(`${PKG}/gradlab.js`);
  const { file, simd } = preferredModule(message.plainSimd);
  const start = performance.now();
  const module = await WebAssembly.compileStreaming(fetch(`${PKG}/${file}`));
  const compileMs = performance.now() - start;
  const exports = await bindings.default({ module_or_path: module });
  memory = exports.memory;
  return { type: 'ready', compileMs, initMs: performance.now() - start, version: 'wasm', simd };
}

function run(message) {
  const workload = new bindings.BenchWorkload(message.workload, engine, message.seed);
  for (let i = 0; i < message.warmup; i += 1) {
    workload.step();
  }
  const start = performance.now();
  let loss = NaN;
  for (let i = 0; i < message.steps; i += 1) {
    loss = workload.step();
  }
  const msPerStep = (performance.now() - start) / message.steps;
  workload.free();
  return { type: 'result', msPerStep, loss, memoryBytes: memory.buffer.byteLength };
}

self.onmessage = async (event) => {
  try {
    const message = event.data;
    self.postMessage(message.type === 'init' ? await init(message) : run(message));
  } catch (error) {
    self.postMessage({ type: 'error', message: String(error?.message ?? error) });
  }
};
