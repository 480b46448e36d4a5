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

/** Loads the bindings and compiles the module once; workers receive the compiled module. */
export async function loadWasm() {
  const bindings = await import('./pkg/gradlab.js');
  const module = await compileWasm(new URL('./pkg/gradlab_bg.wasm', import.meta.url));
  await bindings.default({ module_or_path: module });
  return { bindings, module };
}
