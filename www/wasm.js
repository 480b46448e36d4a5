// Loading the WebAssembly module: the bindings, and the module compiled once so that every
// worker can instantiate it without compiling it again.

/** Compiles the wasm module, also when the server sends it with the wrong MIME type. */
async function compileWasm(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url.pathname} returned HTTP ${response.status} ${response.statusText}`);
  }
  const mimeType = (response.headers.get('Content-Type') ?? '').split(';')[0].trim();
  if (mimeType === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  // compileStreaming rejects every other MIME type, which some static file servers send.
  return WebAssembly.compile(await response.arrayBuffer());
}

// The smallest module with a relaxed SIMD instruction: a function that returns
// f32x4.relaxed_madd of its three v128 parameters.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic and version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type (v128 x3) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // local.get 0, 1, 2
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd, end
]);

/** Marks every status line that still waits for the module as failed. */
export function markLoadFailed() {
  for (const status of document.querySelectorAll('[data-state="loading"]')) {
    status.textContent = 'Not available: the WebAssembly module failed to load.';
    status.dataset.state = 'failed';
  }
}

const PLAIN_FILE = 'gradlab_bg.wasm';
const RELAXED_FILE = 'gradlab_relaxed_bg.wasm';

/**
 * Returns the module file of pkg/ to load and the name of its SIMD kind: the relaxed SIMD
 * module where the engine validates it, unless `plainOnly` is set, else the plain one.
 */
export function preferredModule(plainOnly = false) {
  return !plainOnly && WebAssembly.validate(RELAXED_SIMD_PROBE)
    ? { file: RELAXED_FILE, simd: 'relaxed SIMD' }
    : { file: PLAIN_FILE, simd: 'plain SIMD' };
}

/** Imports the bindings from `bindingsPath` and instantiates the module `file` of pkg/. */
async function instantiate(bindingsPath, file) {
  const bindings = await import(bindingsPath);
  const module = await compileWasm(new URL(`./pkg/${file}`, import.meta.url));
  await bindings.default({ module_or_path: module });
  return { bindings, module };
}

/**
 * Loads the bindings and compiles the module once; workers receive the compiled module. It is
 * the module built with relaxed SIMD where the browser runs it, else the plain SIMD one, which
 * also serves when the relaxed one fails to load or to start. The relaxed build's kernels
 * fuse multiply-add where the machine can, so its CNN steps are faster (bench/RESULTS.md
 * times both). Both modules share the bindings in pkg/gradlab.js.
 * NOTE: V8 compiles only the baseline code here. Its optimizing compiler takes each hot
 * function once it has run for a while, in every new page, on background threads that share
 * the cores with the workers. The first Train of a page pays for that: the 8 PCA runs take
 * about 0.5 s longer than on a second Train.
 */
export async function loadWasm() {
  const { file } = preferredModule();
  if (file === PLAIN_FILE) {
    return instantiate('./pkg/gradlab.js', PLAIN_FILE);
  }
  try {
    return await instantiate('./pkg/gradlab.js', file);
  } catch (error) {
    console.warn(`The relaxed SIMD module failed to load, so the plain one runs: ${error.message}`);
    // A module that fails while it starts leaves those bindings set up for it, so the plain
    // module gets an instance of the bindings of its own.
    return instantiate('./pkg/gradlab.js?plain', PLAIN_FILE);
  }
}
