//! Tests of the benchmark workloads: their models match the benchmark's specification, and
//! their steps train on both engines. The timings themselves belong to `./build.sh bench`.
#![cfg(not(target_arch = "wasm32"))]

use gradlab::engine::Engine;
use gradlab::experiment::bench::{BenchRun, Workload};
use serde_json::Value;
use std::process::Command;

/// Weights and biases of 1-5-10-10-10-10-10-5-1, counted by hand.
const MLP_PARAMETERS: usize = (1 + 1) * 5 + (5 + 1) * 10 + 4 * (10 + 1) * 10 + (10 + 1) * 5 + 6;

/// conv 5x5 1->8, conv 5x5 8->16, dense 256->64, dense 64->10, counted by hand.
const CNN_PARAMETERS: usize = (25 + 1) * 8 + (8 * 25 + 1) * 16 + (256 + 1) * 64 + (64 + 1) * 10;

#[test]
fn workloads_have_specified_sizes() {
    let mlp = BenchRun::new(Workload::Mlp, Engine::Flex, 1);
    let cnn = BenchRun::new(Workload::Cnn, Engine::Flex, 1);
    assert_eq!(mlp.parameter_count(), MLP_PARAMETERS);
    assert_eq!(mlp.parameter_count(), 571);
    assert_eq!(cnn.parameter_count(), CNN_PARAMETERS);
}

#[test]
fn mlp_workload_loss_falls() {
    for engine in Engine::ALL {
        let mut run = BenchRun::new(Workload::Mlp, engine, 3);
        let first = run.step();
        let last = (0..300).map(|_| run.step()).last().unwrap();
        assert!(first.is_finite(), "{engine}: first loss {first}");
        assert!(last < 0.5 * first, "{engine}: loss went from {first} to {last}");
    }
}

#[test]
fn cnn_workload_starts_near_chance() {
    // Ten classes at random: cross-entropy of a near-uniform prediction is about ln 10.
    for engine in Engine::ALL {
        let mut run = BenchRun::new(Workload::Cnn, engine, 2);
        let loss = run.step();
        assert!((loss - 10f64.ln()).abs() < 1.0, "{engine}: first loss {loss}");
    }
}

#[test]
fn engines_take_the_same_first_steps() {
    // The same seed gives the same weights and data on both engines, so the losses agree up
    // to float rounding.
    let mut flex = BenchRun::new(Workload::Mlp, Engine::Flex, 5);
    let mut ndarray = BenchRun::new(Workload::Mlp, Engine::Ndarray, 5);
    for step in 0..5 {
        let (a, b) = (flex.step(), ndarray.step());
        assert!((a - b).abs() <= 1e-4 * a.abs(), "step {step}: flex {a}, ndarray {b}");
    }
}

#[test]
fn workload_names_parse() {
    for workload in Workload::ALL {
        assert_eq!(workload.name().parse::<Workload>(), Ok(workload));
    }
    let error = "rnn".parse::<Workload>().unwrap_err();
    assert!(error.contains("'rnn'"), "{error}");
}

fn gradlab_bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .arg("bench")
        .args(args)
        .output()
        .expect("gradlab runs")
}

#[test]
fn command_prints_one_json_result() {
    let output = gradlab_bench(&["--workload", "mlp", "--warmup", "1", "--steps", "3"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    assert_eq!(result["workload"], "mlp");
    assert_eq!(result["engine"], "flex");
    assert_eq!(result["steps"], 3);
    assert!(result["ms_per_step"].as_f64().unwrap() > 0.0);
    assert!(result["loss"].as_f64().unwrap().is_finite());
}

#[test]
fn command_rejects_zero_steps() {
    let output = gradlab_bench(&["--steps", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--steps 0"));
}
