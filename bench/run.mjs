// gradlab's training benchmark: the two workloads on every engine, interleaved over several
// rounds, with the median and range of milliseconds per step, then the page's own targets
// (bench/page.mjs; --skip-page leaves them out). Writes bench/results.json and bench/RESULTS.md
// and prints the tables. Run it through `./build.sh bench [ROUNDS]`. With --render it only
// writes bench/RESULTS.md again from bench/results.json.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import { launchBrowser } from '../tests/e2e/helpers.mjs';
import { startServer } from '../tests/e2e/server.mjs';
import {
  ROOT,
  chromiumEngine,
  nativeEngine,
  nodeWasmEngine,
  torchEngine,
} from './engines.mjs';
import { measurePage } from './page.mjs';
import { renderMarkdown, renderTable } from './report.mjs';

// Steps per measurement. Warm-up steps run first on every engine alike and are not timed.
const PLAN = {
  mlp: { warmup: 20, steps: 200 },
  cnn: { warmup: 3, steps: 20 },
};
const SEED = 1;

function parseRounds(text) {
  const rounds = Number(text ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) {
    throw new Error(`invalid round count '${text}'; give a whole number from 1 to 100`);
  }
  return rounds;
}

function torchAvailable() {
  try {
    execFileSync('python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function chromiumEngines(page) {
  const gradlab = (engine, plainSimd = false) => ({
    id: `gradlab wasm ${engine}${plainSimd ? ' plain SIMD' : ''}, Chromium worker`,
    script: '/bench/browser/gradlab-worker.js',
    init: { engine, plainSimd },
  });
  const peer = (id, name) => ({ id, script: '/bench/browser/peer-worker.js', init: { peer: name } });
  return [
    gradlab('flex'),
    gradlab('flex', true),
    gradlab('ndarray'),
    peer('TF.js 4 cpu, Chromium worker', 'tfjs-cpu'),
    peer('TF.js 4 wasm (SIMD, 1 thread), Chromium worker', 'tfjs-wasm'),
    peer('ConvNetJS, Chromium worker', 'convnetjs'),
  ].map((spec) => chromiumEngine(page, spec));
}

/** Starts every engine; one that cannot start is kept with its reason and skipped. */
async function startAll(engines) {
  const started = [];
  for (const engine of engines) {
    try {
      const info = await engine.start();
      started.push({ engine, info, skipped: null });
      console.log(`started ${engine.id}`);
    } catch (error) {
      started.push({ engine, info: {}, skipped: error.message });
      console.log(`skipped ${engine.id}: ${error.message}`);
    }
  }
  return started;
}

/** Runs the rounds: every workload on every engine in turn, so drifts hit all alike. */
async function runRounds(entries, rounds) {
  const samples = new Map();
  const failures = new Map();
  for (let round = 1; round <= rounds; round += 1) {
    for (const [workload, plan] of Object.entries(PLAN)) {
      for (const { engine, skipped } of entries) {
        const key = `${engine.id}|${workload}`;
        if (skipped || failures.has(key)) {
          continue;
        }
        try {
          const result = await engine.measure({ workload, seed: SEED, ...plan });
          samples.set(key, [...(samples.get(key) ?? []), result]);
          console.log(`round ${round}/${rounds} ${workload} ${engine.id}: ${result.msPerStep.toFixed(3)} ms/step`);
        } catch (error) {
          failures.set(key, error.message);
          console.log(`round ${round}/${rounds} ${workload} ${engine.id} failed: ${error.message}`);
        }
      }
    }
  }
  return { samples, failures };
}

function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), samples: sorted };
}

function buildResults(entries, { samples, failures }, context) {
  const engines = entries.map(({ engine, info, skipped }) => {
    const workloads = {};
    for (const workload of Object.keys(PLAN)) {
      const key = `${engine.id}|${workload}`;
      const runs = samples.get(key) ?? [];
      workloads[workload] = runs.length
        ? { msPerStep: summarize(runs.map((r) => r.msPerStep)), loss: runs.at(-1).loss }
        : { failed: failures.get(key) ?? skipped ?? 'not run' };
    }
    return { id: engine.id, info, skipped, workloads };
  });
  return { ...context, plan: PLAN, engines };
}

async function machineContext(browser, rounds) {
  const wasm = await readFile(`${ROOT}www/pkg/gradlab_bg.wasm`);
  const relaxedWasm = await readFile(`${ROOT}www/pkg/gradlab_relaxed_bg.wasm`);
  return {
    date: new Date().toISOString(),
    rounds,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    chromium: browser.version(),
    wasmBytes: wasm.length,
    wasmGzipBytes: gzipSync(wasm, { level: 9 }).length,
    relaxedWasmBytes: relaxedWasm.length,
    relaxedWasmGzipBytes: gzipSync(relaxedWasm, { level: 9 }).length,
  };
}

function requireBuilt() {
  const missing = [
    ['www/pkg/gradlab_bg.wasm', './build.sh build'],
    ['www/pkg/gradlab_relaxed_bg.wasm', './build.sh build'],
    ['bench/node_modules/@tensorflow/tfjs', './build.sh bench (it installs the peers)'],
  ].filter(([file]) => !existsSync(`${ROOT}${file}`));
  for (const [file, command] of missing) {
    throw new Error(`${file} is missing; run ${command} first`);
  }
}

/** Renders bench/RESULTS.md again from bench/results.json, after a change to report.mjs. */
async function renderAgain() {
  const results = JSON.parse(await readFile(`${ROOT}bench/results.json`, 'utf8'));
  await writeFile(`${ROOT}bench/RESULTS.md`, renderMarkdown(results));
  console.log('wrote bench/RESULTS.md from bench/results.json');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--render')) {
    return renderAgain();
  }
  const skipPage = args.includes('--skip-page');
  const rounds = parseRounds(args.find((arg) => !arg.startsWith('--')));
  requireBuilt();
  const server = await startServer(ROOT);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench/browser/index.html`);
    const engines = [nativeEngine('flex'), nodeWasmEngine('flex'), nodeWasmEngine('ndarray')];
    engines.push(...chromiumEngines(page));
    const withTorch = torchAvailable();
    if (withTorch) {
      engines.push(torchEngine());
    } else {
      console.log('PyTorch skipped: python3 -c "import torch" failed (pip install torch adds it)');
    }
    const entries = await startAll(engines);
    const measured = await runRounds(entries, rounds);
    const results = buildResults(entries, measured, await machineContext(browser, rounds));
    results.torch = withTorch ? 'measured' : 'skipped: python3 cannot import torch';
    results.page = skipPage ? null : await measurePage(browser, `${server.url}www/`, console.log);
    await writeFile(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(`${ROOT}bench/RESULTS.md`, renderMarkdown(results));
    console.log(`\n${renderTable(results)}`);
    console.log('wrote bench/results.json and bench/RESULTS.md');
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
