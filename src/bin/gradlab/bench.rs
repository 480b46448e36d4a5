//! `gradlab bench`: times training steps of a benchmark workload on the native build.

use crate::cli::Failure;
use clap::Args;
use gradlab::engine::Engine;
use gradlab::experiment::bench::{BenchRun, Workload};
use serde_json::json;
use std::time::Instant;

/// Options of `gradlab bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// The workload: mlp (A, the deep fitting MLP) or cnn (B, the small CNN).
    #[arg(long, default_value = "mlp")]
    workload: Workload,
    /// The engine: flex or ndarray.
    #[arg(long, default_value = "flex")]
    engine: Engine,
    /// Steps run before timing starts, excluded from the result.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 50)]
    steps: usize,
    /// Seed of the weights and the data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Builds the workload, runs the warm-up and the timed steps, and prints one JSON line.
pub fn run(args: BenchArgs) -> Result<(), Failure> {
    if args.steps == 0 {
        return Err(Failure::Usage("--steps 0 times nothing; give at least 1".into()));
    }
    let build_start = Instant::now();
    let mut run = BenchRun::new(args.workload, args.engine, args.seed);
    let build_ms = build_start.elapsed().as_secs_f64() * 1e3;
    for _ in 0..args.warmup {
        run.step();
    }

    let start = Instant::now();
    let mut loss = f64::NAN;
    for _ in 0..args.steps {
        loss = run.step();
    }
    let elapsed_ms = start.elapsed().as_secs_f64() * 1e3;
    let result = json!({
        "workload": args.workload.name(),
        "engine": args.engine.name(),
        "warmup": args.warmup,
        "steps": args.steps,
        "build_ms": build_ms,
        "ms_per_step": elapsed_ms / args.steps as f64,
        "loss": loss,
    });
    println!("{result}");
    Ok(())
}
