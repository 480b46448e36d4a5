//! The `gradlab` command line: runs the experiments natively and writes CSV, JSON and SVG.

#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod data;
#[cfg(not(target_arch = "wasm32"))]
mod fit;
#[cfg(not(target_arch = "wasm32"))]
mod generalization;
#[cfg(not(target_arch = "wasm32"))]
mod gradnorm;
#[cfg(not(target_arch = "wasm32"))]
mod minratio;
#[cfg(not(target_arch = "wasm32"))]
mod mnist;
#[cfg(not(target_arch = "wasm32"))]
mod output;
#[cfg(not(target_arch = "wasm32"))]
mod pca;
#[cfg(not(target_arch = "wasm32"))]
mod settings;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The command line is native only, but `wasm-pack test` builds every target of the crate
/// for wasm32, this binary included.
#[cfg(target_arch = "wasm32")]
fn main() {}
