// A classic Web Worker that runs the benchmark's two workloads on one peer library:
// TensorFlow.js with its cpu or wasm backend, or ConvNetJS. The page posts
// { type: 'init', peer } once, then { type: 'run', workload, warmup, steps, seed }. The worker
// replies with { type: 'ready', ... }, { type: 'result', ... } or { type: 'error', message }.
'use strict';

const MODULES = '/bench/node_modules';
const MLP_WIDTHS = [1, 5, 10, 10, 10, 10, 10, 5, 1];
const MLP_POINTS = 1000;
const CNN_IMAGES = 1024;
const CNN_BATCH = 64;
const SIDE = 28;

// A small seeded generator, so every peer trains on the same kind of data in every run.
function makeRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mlpData(random) {
  const x = Float32Array.from({ length: MLP_POINTS }, () => random() * 10 - 5);
  const y = x.map((value) => value / (1 + Math.exp(-value)));
  return { x, y };
}

function cnnData(random) {
  const images = Float32Array.from({ length: CNN_IMAGES * SIDE * SIDE }, () => random());
  const labels = Int32Array.from({ length: CNN_IMAGES }, () => Math.floor(random() * 10));
  return { images, labels };
}

// TensorFlow.js: the same layers, Adam, the loss read back with dataSync.
const tfjsPeer = {
  async init(backend) {
    importScripts(`${MODULES}/@tensorflow/tfjs/dist/tf.min.js`);
    if (backend === 'wasm') {
      importScripts(`${MODULES}/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`);
      tf.wasm.setWasmPaths(`${MODULES}/@tensorflow/tfjs-backend-wasm/dist/`);
      // One thread, as for every engine here: the page is not cross-origin isolated either.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
    const start = performance.now();
    await tf.setBackend(backend);
    await tf.ready();
    const simd = backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : null;
    return { initMs: performance.now() - start, version: tf.version.tfjs, simd };
  },

  build(workload, random) {
    return workload === 'mlp' ? this.mlp(random) : this.cnn(random);
  },

  mlp(random) {
    const { x, y } = mlpData(random);
    const inputs = tf.tensor2d(x, [MLP_POINTS, 1]);
    const targets = tf.tensor2d(y, [MLP_POINTS, 1]);
    const model = tf.sequential();
    for (let i = 1; i < MLP_WIDTHS.length; i += 1) {
      model.add(tf.layers.dense({ units: MLP_WIDTHS[i], inputShape: [MLP_WIDTHS[i - 1]] }));
      if (i < MLP_WIDTHS.length - 1) {
        model.add(tf.layers.leakyReLU({ alpha: 0.01 }));
      }
    }
    const optimizer = tf.train.adam(0.0011);
    const loss = () => tf.losses.meanSquaredError(targets, model.apply(inputs));
    const step = () => readLoss(optimizer.minimize(loss, true));
    return { step, dispose: () => disposeAll(model, optimizer, [inputs, targets]) };
  },

  cnn(random) {
    const { images, labels } = cnnData(random);
    const allImages = tf.tensor4d(images, [CNN_IMAGES, SIDE, SIDE, 1]);
    const allLabels = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
    const model = tf.sequential();
    const conv = (filters, extra) =>
      tf.layers.conv2d({ filters, kernelSize: 5, activation: 'relu', ...extra });
    model.add(conv(8, { inputShape: [SIDE, SIDE, 1] }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(conv(16, {}));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    model.add(tf.layers.dense({ units: 10 }));
    const optimizer = tf.train.adam(0.001);
    let batch = 0;
    const step = () => {
      const start = (batch % (CNN_IMAGES / CNN_BATCH)) * CNN_BATCH;
      batch += 1;
      const x = allImages.slice([start, 0, 0, 0], [CNN_BATCH, SIDE, SIDE, 1]);
      const y = allLabels.slice([start, 0], [CNN_BATCH, 10]);
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x)), true);
      x.dispose();
      y.dispose();
      return readLoss(loss);
    };
    return { step, dispose: () => disposeAll(model, optimizer, [allImages, allLabels]) };
  },
};

function disposeAll(model, optimizer, tensors) {
  model.dispose();
  optimizer.dispose();
  tensors.forEach((tensor) => tensor.dispose());
}

function readLoss(tensor) {
  const value = tensor.dataSync()[0];
  tensor.dispose();
  return value;
}

// ConvNetJS: the same layers, but ReLU for LeakyReLU (it has none) and AdaDelta for Adam (it
// has no Adam; AdaDelta keeps two running averages per weight, about Adam's cost). It trains
// one example at a time and applies the update once per batch.
const convnetPeer = {
  async init() {
    self.window = self; // convnet.js ends by attaching itself to window.
    const start = performance.now();
    importScripts(`${MODULES}/convnetjs/build/convnet.js`);
    return { initMs: performance.now() - start, version: '0.3.0', simd: null };
  },

  build(workload, random) {
    return workload === 'mlp' ? this.mlp(random) : this.cnn(random);
  },

  train(layers, batchSize, examples) {
    const net = new convnetjs.Net();
    net.makeLayers(layers);
    const trainer = new convnetjs.Trainer(net, {
      method: 'adadelta',
      batch_size: batchSize,
      l2_decay: 0,
    });
    let cursor = 0;
    const step = () => {
      let loss = 0;
      for (let i = 0; i < batchSize; i += 1) {
        const [input, target] = examples[cursor];
        cursor = (cursor + 1) % examples.length;
        loss += trainer.train(input, target).cost_loss;
      }
      return loss / batchSize;
    };
    return { step, dispose: () => {} };
  },

  mlp(random) {
    const { x, y } = mlpData(random);
    const layers = [{ type: 'input', out_sx: 1, out_sy: 1, out_depth: 1 }];
    for (const width of MLP_WIDTHS.slice(1, -1)) {
      layers.push({ type: 'fc', num_neurons: width, activation: 'relu' });
    }
    layers.push({ type: 'regression', num_neurons: 1 });
    const examples = [...x].map((value, i) => {
      const input = new convnetjs.Vol(1, 1, 1, 0);
      input.w[0] = value;
      return [input, [y[i]]];
    });
    return this.train(layers, MLP_POINTS, examples);
  },

  cnn(random) {
    const { images, labels } = cnnData(random);
    const conv = (filters) => ({ type: 'conv', sx: 5, filters, stride: 1, pad: 0, activation: 'relu' });
    const layers = [
      { type: 'input', out_sx: SIDE, out_sy: SIDE, out_depth: 1 },
      conv(8),
      { type: 'pool', sx: 2, stride: 2 },
      conv(16),
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'fc', num_neurons: 64, activation: 'relu' },
      { type: 'softmax', num_classes: 10 },
    ];
    const pixels = SIDE * SIDE;
    const examples = [...labels].map((label, i) => {
      const input = new convnetjs.Vol(SIDE, SIDE, 1, 0);
      input.w.set(images.subarray(i * pixels, (i + 1) * pixels));
      return [input, label];
    });
    return this.train(layers, CNN_BATCH, examples);
  },
};

const PEERS = {
  'tfjs-cpu': { library: tfjsPeer, backend: 'cpu' },
  'tfjs-wasm': { library: tfjsPeer, backend: 'wasm' },
  convnetjs: { library: convnetPeer, backend: null },
};
let peer = null;

async function handle(message) {
  if (message.type === 'init') {
    peer = PEERS[message.peer];
    if (!peer) {
      throw new Error(`unknown peer '${message.peer}'`);
    }
    return { type: 'ready', ...(await peer.library.init(peer.backend)) };
  }
  const { step, dispose } = peer.library.build(message.workload, makeRandom(message.seed));
  for (let i = 0; i < message.warmup; i += 1) {
    step();
  }
  const start = performance.now();
  let loss = NaN;
  for (let i = 0; i < message.steps; i += 1) {
    loss = step();
  }
  const msPerStep = (performance.now() - start) / message.steps;
  dispose();
  return { type: 'result', msPerStep, loss };
}

self.onmessage = async (event) => {
  try {
    self.postMessage(await handle(event.data));
  } catch (error) {
    self.postMessage({ type: 'error', message: String(error && error.message ? error.message : error) });
  }
};
