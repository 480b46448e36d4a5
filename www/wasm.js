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

/**
 * Loads the bindings and compiles the module once; workers receive the compiled module.
 * NOTE: V8 compiles only the baseline code here. Its optimizing compiler takes each hot
 * function once it has run for a while, in every new page, on background threads that share
 * the cores with the workers. The first Train of a page pays for that: the 8 PCA runs take
 * about 0.5 s longer than on a second Train.
 */
export async function loadWasm() {
  const bindings = await import('./pkg/gradlab.js');
  const module = await compileWasm(new URL('./pkg/gradlab_bg.wasm', import.meta.url));
  await bindings.default({ module_or_path: module });
  return { bindings, module };
}
