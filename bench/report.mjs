// Turns bench/results.json into the printed table and the Markdown page bench/RESULTS.md, so
// every figure on that page comes from a run of bench/run.mjs.

const REFERENCE = 'gradlab wasm flex, Chromium worker';
const WASM_LIMIT_BYTES = 1_500_000;

const NOTES = [
  'Each step is a forward pass, a backward pass, an optimizer update and the loss read back ' +
    'to the host. Warm-up steps run first on every engine and are not timed.',
  'Workload A: MLP 1-5-10-10-10-10-10-5-1, LeakyReLU 0.01, full batch of 1000 points of ' +
    'x sigmoid(x) with x uniform in [-5, 5], MSE, Adam lr 0.0011.',
  'Workload B: conv 5x5 1->8, ReLU, max-pool 2x2, conv 5x5 8->16, ReLU, max-pool 2x2, ' +
    'dense 256->64, ReLU, dense 64->10, softmax cross-entropy, batch 64 of random 28x28 ' +
    'images, Adam lr 0.001.',
  'ConvNetJS has no Adam and no LeakyReLU: it runs AdaDelta (two running averages per ' +
    'weight, about the cost of Adam) and ReLU, and trains one example at a time.',
  "TF.js's wasm backend has no kernel for the convolution filter gradient " +
    '(Conv2DBackpropFilter), so it cannot train workload B; it is reported as failed there.',
  'PyTorch runs with torch.set_num_threads(1) when python3 can import torch; otherwise it ' +
    'is skipped.',
  "gradlab's wasm comes in two modules: one with relaxed SIMD, whose kernels' multiply-add " +
    'the engine may fuse, and a plain SIMD one for engines that do not validate the first. ' +
    'Each engine loads the one the page would load; the plain SIMD row in Chromium shows what ' +
    'fusing buys.',
];

function stats(engine, workload) {
  return engine.workloads[workload].msPerStep ?? null;
}

function cell(engine, workload) {
  const s = stats(engine, workload);
  if (!s) {
    return `failed: ${engine.workloads[workload].failed}`.slice(0, 60);
  }
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
}

function median(results, id, workload) {
  const engine = results.engines.find((e) => e.id === id);
  return engine ? (stats(engine, workload)?.median ?? null) : null;
}

function ratio(results, engine, workload) {
  const own = stats(engine, workload)?.median;
  const reference = median(results, REFERENCE, workload);
  return own && reference ? `${(own / reference).toFixed(2)}x` : '-';
}

function rows(results) {
  return results.engines.map((engine) => [
    engine.id,
    cell(engine, 'mlp'),
    ratio(results, engine, 'mlp'),
    cell(engine, 'cnn'),
    ratio(results, engine, 'cnn'),
  ]);
}

const HEADER = ['engine', 'A ms/step median (range)', 'A vs gradlab', 'B ms/step median (range)', 'B vs gradlab'];

/** Returns each target with the measured value and whether it is met. */
export function targets(results) {
  const gradlab = (w) => median(results, REFERENCE, w);
  const peer = (prefix, w) => {
    const engine = results.engines.find((e) => e.id.startsWith(prefix));
    return engine ? (stats(engine, w)?.median ?? null) : null;
  };
  // Pool ratios get three decimals, so one just above 0.6 does not print as 0.60.
  const check = (name, value, goal, met, digits = 2) => ({ name, value, goal, met, digits });
  const speedup = (prefix, w) => (peer(prefix, w) && gradlab(w) ? peer(prefix, w) / gradlab(w) : null);
  const torch = peer('PyTorch', 'cnn');
  return [
    check('B: gradlab / PyTorch (1 thread)', torch ? gradlab('cnn') / torch : null, '<= 1.0', (v) => v <= 1),
    check('B: ConvNetJS / gradlab', speedup('ConvNetJS', 'cnn'), '>= 20', (v) => v >= 20),
    check('A: TF.js wasm / gradlab', speedup('TF.js 4 wasm', 'mlp'), '>= 5', (v) => v >= 5),
    check('A: ConvNetJS / gradlab', speedup('ConvNetJS', 'mlp'), '>= 20', (v) => v >= 20),
    check('wasm gzipped, larger module, MB', largestGzip(results) / 1e6, `<= ${WASM_LIMIT_BYTES / 1e6}`, (v) => v <= WASM_LIMIT_BYTES / 1e6),
    ...pageTargets(results.page, check),
  ].map(({ name, value, goal, met, digits }) => ({
    name,
    goal,
    value: value === null ? 'not measured' : value.toFixed(digits),
    met: value === null ? 'unknown' : met(value) ? 'met' : 'not met',
  }));
}

/** Returns the gzipped size of the larger of the plain and the relaxed SIMD module. */
function largestGzip(results) {
  return Math.max(results.wasmGzipBytes, results.relaxedWasmGzipBytes ?? 0);
}

const MIB = 2 ** 20;

const middleOf = (sorted) => sorted[Math.floor(sorted.length / 2)];

/** Returns the median time on two workers over the median on one. */
function poolRatio(times) {
  return middleOf(times[2]) / middleOf(times[1]);
}

/** Describes the pool's times of one kind of Train, as medians and ranges in seconds. */
function poolText(times) {
  const range = (sorted) =>
    `${middleOf(sorted).toFixed(2)} s (${sorted[0].toFixed(2)}-${sorted.at(-1).toFixed(2)})`;
  return `${range(times[1])} on one worker and ${range(times[2])} on two`;
}

/** Returns the check of the first Train after idle, for results that measured it. */
function idleTarget(pool, check, scales) {
  if (!pool.idle) {
    return [];
  }
  const name = `pca 8 runs, 2 workers / 1, first Train after ${pool.idleSeconds} s idle`;
  return [check(name, poolRatio(pool.idle), '<= 0.6', scales, 3)];
}

function pageTargets(page, check) {
  if (!page) {
    return [];
  }
  const middle = middleOf(page.startupMs);
  const suite = page.experiments.reduce((sum, e) => sum + e.seconds, 0);
  const peak = Math.max(...page.experiments.map((e) => e.peakWasmBytes)) / MIB;
  const scales = (ratio) => ratio <= 0.6;
  return [
    check('first chart after navigation, ms (median)', middle, '<= 1000', (v) => v <= 1000),
    check('nine experiments in the page, s', suite, '<= 600', (v) => v <= 600),
    check('largest peak wasm memory of a worker, MiB', peak, '<= 256', (v) => v <= 256),
    check('pca 8 runs, 2 workers / 1, Train again', poolRatio(page.pool.again), '<= 0.6', scales, 3),
    ...idleTarget(page.pool, check, scales),
  ];
}

function experimentRows(page) {
  return page.experiments.map((e) => [
    e.name,
    e.seconds.toFixed(1),
    e.state,
    (e.peakWasmBytes / MIB).toFixed(0),
  ]);
}

const EXPERIMENT_HEADER = ['experiment (defaults)', 'seconds', 'end state', 'peak wasm MiB'];

/** Describes the first Train after idle, for results that measured it. */
function idleText(pool) {
  if (!pool.idle) {
    return '';
  }
  return `A page left idle for ${pool.idleSeconds} s compiles them before its first Train, in two
warm-up runs in one of its spare workers; that first Train took ${poolText(pool.idle)}
(${poolRatio(pool.idle).toFixed(3)}).
`;
}

/** Returns how much longer a page's first Train took than Train pressed again. */
function firstTrainExtra(pool) {
  const extra = (size) => (middleOf(pool.first[size]) - middleOf(pool.again[size])).toFixed(2);
  return `${extra(1)} s and ${extra(2)} s over a Train pressed again`;
}

/** Describes the first Train of a fresh page, which includes V8's optimizing compile. */
function firstTrainText(pool) {
  const ratio = poolRatio(pool.first).toFixed(3);
  return `the first Train of a page, with V8's optimizing compile: ${ratio} (${firstTrainExtra(pool)})`;
}

function pageSection(page) {
  if (!page) {
    return 'The page measurements were skipped (--skip-page).\n';
  }
  const { pool } = page;
  const times = page.startupMs.map((t) => t.toFixed(0)).join(', ');
  return `${markdownTable(EXPERIMENT_HEADER, experimentRows(page))}

First chart drawn after navigation on localhost: ${times} ms over ${page.startupMs.length}
loads.

The PCA experiment's 8 runs, with navigator.hardwareConcurrency set to 1, then 2, in a fresh
page each time, over ${pool.first[1].length} rounds (median and range). Pressed again in the
same page, Train took ${poolText(pool.again)} (${poolRatio(pool.again).toFixed(3)}).

The first Train of a page took ${poolText(pool.first)} (${poolRatio(pool.first).toFixed(3)}),
${firstTrainExtra(pool)}. It also pays for V8 compiling the module's hot functions with its
optimizing compiler, once per page, on the same two cores; \`node bench/trace-pool.mjs 2
--first\` prints that compile's CPU time. It is wasm compile time, which this benchmark
reports apart from training for every engine, so the targets time the pool without it.
${idleText(pool)}`;
}

function compileLines(results) {
  return results.engines
    .filter((e) => e.info.compileMs !== undefined)
    .map((e) => {
      const module = e.info.simd ? `${e.info.simd} wasm` : 'wasm';
      return `${e.id}: ${module} compiled in ${e.info.compileMs.toFixed(0)} ms`;
    });
}

/** Describes the sizes of the two wasm modules, plain SIMD and relaxed SIMD. */
function wasmSizes(results) {
  const size = (bytes, gzipped) =>
    `${bytes.toLocaleString('en-US')} bytes, ${gzipped.toLocaleString('en-US')} gzipped (level 9)`;
  const plain = `The plain SIMD wasm module is ${size(results.wasmBytes, results.wasmGzipBytes)}.`;
  if (results.relaxedWasmBytes === undefined) {
    return plain;
  }
  const relaxed = size(results.relaxedWasmBytes, results.relaxedWasmGzipBytes);
  return `${plain} The relaxed SIMD one, which browsers that validate it load, is ${relaxed}.`;
}

function padded(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  return table.map((row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n');
}

/** Returns the plain-text table printed at the end of a run. */
export function renderTable(results) {
  const targetRows = targets(results).map((t) => [t.name, t.value, t.goal, t.met]);
  const page = results.page ? [padded([EXPERIMENT_HEADER, ...experimentRows(results.page)]), ''] : [];
  return [
    padded([HEADER, ...rows(results)]),
    '',
    ...page,
    padded([['target', 'measured', 'goal', ''], ...targetRows]),
    '',
    ...(results.page ? [`Reported apart, ${firstTrainText(results.page.pool)}.`, ''] : []),
    ...compileLines(results),
  ].join('\n');
}

function markdownTable(header, body) {
  const line = (row) => `| ${row.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

/** Returns the Markdown page of a run. */
export function renderMarkdown(results) {
  const targetRows = targets(results).map((t) => [t.name, t.value, t.goal, t.met]);
  return `# gradlab training benchmark

Generated by \`./build.sh bench\` (bench/run.mjs) from bench/results.json; do not edit by hand.

Run of ${results.date}: ${results.cpu}, ${results.cores} cores, Node ${results.node},
Chromium ${results.chromium}, ${results.rounds} rounds of ${results.plan.mlp.steps} timed steps
of A and ${results.plan.cnn.steps} of B per engine, interleaved. Milliseconds per step: median
and range over the rounds; ratios are medians divided by gradlab wasm flex in a Chromium
worker (above 1 is slower than gradlab).

${markdownTable(HEADER, rows(results))}

## Targets

${markdownTable(['target', 'measured', 'goal', ''], targetRows)}

${wasmSizes(results)}
${compileLines(results).map((line) => `- ${line}`).join('\n')}

## The page

${pageSection(results.page)}
## How the engines were run

${NOTES.map((note) => `- ${note}`).join('\n')}
- PyTorch: ${results.torch}.
`;
}
