//! The benchmark's workloads for JavaScript: built by name, stepped one training step at a time.

use crate::engine::Engine;
use crate::experiment::bench::{BenchRun, Workload};
use wasm_bindgen::prelude::*;

/// One benchmark workload on one engine, for timing training steps from JavaScript.
#[wasm_bindgen]
pub struct BenchWorkload {
    run: BenchRun,
}

#[wasm_bindgen]
impl BenchWorkload {
    /// Builds workload `workload` ("mlp" or "cnn") on engine `engine` ("flex" or "ndarray").
    #[wasm_bindgen(constructor)]
    pub fn new(workload: &str, engine: &str, seed: u32) -> Result<BenchWorkload, JsError> {
        let workload: Workload = workload.parse().map_err(|e: String| JsError::new(&e))?;
        let engine: Engine = engine.parse().map_err(|e: String| JsError::new(&e))?;
        Ok(Self { run: BenchRun::new(workload, engine, u64::from(seed)) })
    }

    /// Runs one training step and returns its loss.
    pub fn step(&mut self) -> f64 {
        self.run.step()
    }
}
