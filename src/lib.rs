//! gradlab trains small neural networks on the CPU, in the browser through WebAssembly and
//! natively from the command line, and draws how they learn.

pub mod analysis;
pub mod data;
pub mod engine;
pub mod experiment;
pub mod kernel;
pub mod model;
pub mod plot;
pub mod rng;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
