// The engines of the benchmark, each behind one interface: `start()` once, then
// `measure({ workload, warmup, steps, seed })` returns { msPerStep, loss }, then `stop()`.
// gradlab runs natively (its command line), as wasm in Node, and as wasm in a Chromium worker.
// The peers run in a Chromium worker (TensorFlow.js, ConvNetJS) or natively (PyTorch).

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import { preferredModule } from '../www/wasm.js';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TARGET_DIR = process.env.CARGO_TARGET_DIR ?? `${ROOT}target`;
const NATIVE_BIN = `${TARGET_DIR}/release/gradlab`;
const TORCH_SCRIPT = `${ROOT}bench/torch_workloads.py`;

/** Parses the one JSON line a native benchmark process prints. */
function parseResult(stdout) {
  const result = JSON.parse(stdout.trim().split('\n').pop());
  return { msPerStep: result.ms_per_step, loss: result.loss };
}

/** gradlab's native command line, `gradlab bench`, one process per measurement. */
export function nativeEngine(engine) {
  return {
    id: `gradlab native ${engine}`,
    start: async () => ({}),
    async measure({ workload, warmup, steps, seed }) {
      const args = ['bench', '--workload', workload, '--engine', engine];
      args.push('--warmup', String(warmup), '--steps', String(steps), '--seed', String(seed));
      const { stdout } = await run(NATIVE_BIN, args);
      return parseResult(stdout);
    },
    stop: async () => {},
  };
}

/** PyTorch on the CPU with one thread, one process per measurement. */
export function torchEngine() {
  return {
    id: 'PyTorch native',
    async start() {
      const { stdout } = await run('python3', ['-c', 'import torch; print(torch.__version__)']);
      return { version: stdout.trim() };
    },
    async measure({ workload, warmup, steps, seed }) {
      const args = [TORCH_SCRIPT, '--workload', workload, '--warmup', String(warmup)];
      args.push('--steps', String(steps), '--seed', String(seed));
      const { stdout } = await run('python3', args);
      return parseResult(stdout);
    },
    stop: async () => {},
  };
}

/**
 * gradlab's wasm in this Node process, loaded from www/pkg/: the relaxed SIMD module where
 * Node validates it, as the page chooses. Node 20 does not without a flag.
 */
export function nodeWasmEngine(engine) {
  let bindings = null;
  return {
    id: `gradlab wasm ${engine}, Node`,
    async start() {
      bindings = await import(`${ROOT}www/pkg/gradlab.js`);
      const { file, simd } = preferredModule();
      const bytes = await readFile(`${ROOT}www/pkg/${file}`);
      const start = performance.now();
      const module = await WebAssembly.compile(bytes);
      const compileMs = performance.now() - start;
      bindings.initSync({ module });
      return { compileMs, version: process.version, simd };
    },
    async measure({ workload, warmup, steps, seed }) {
      const bench = new bindings.BenchWorkload(workload, engine, seed);
      for (let i = 0; i < warmup; i += 1) {
        bench.step();
      }
      const start = performance.now();
      let loss = NaN;
      for (let i = 0; i < steps; i += 1) {
        loss = bench.step();
      }
      const msPerStep = (performance.now() - start) / steps;
      bench.free();
      return { msPerStep, loss };
    },
    stop: async () => {},
  };
}

/**
 * Returns an engine backed by one dedicated worker of the benchmark page in Chromium:
 * gradlab's wasm on `init.engine`, or the peer library `init.peer` (tfjs-cpu, tfjs-wasm or
 * convnetjs).
 */
export function chromiumEngine(page, { id, script, init }) {
  const handle = `worker_${id.replace(/\W+/g, '_')}`;
  const call = (message) =>
    page.evaluate(
      ([name, message]) =>
        new Promise((resolve) => {
          const worker = globalThis[name];
          worker.onmessage = (event) => resolve(event.data);
          worker.postMessage(message);
        }),
      [handle, message],
    );
  return {
    id,
    async start() {
      await page.evaluate(
        ([name, script, type]) => {
          globalThis[name] = new Worker(script, { type });
        },
        [handle, script, script.includes('gradlab') ? 'module' : 'classic'],
      );
      return checked(await call({ type: 'init', ...init }));
    },
    async measure(request) {
      return checked(await call({ type: 'run', ...request }));
    },
    async stop() {
      await page.evaluate((name) => globalThis[name].terminate(), handle);
    },
  };
}

function checked(answer) {
  if (answer.type === 'error') {
    throw new Error(answer.message);
  }
  return answer;
}
