//! The optimization experiments: burn's gradient norm against the f64 reference and finite
//! differences, the recorded PCA paths, and minimal-ratio runs from training to spectrum.
#![cfg(not(target_arch = "wasm32"))]

use burn::prelude::Device;
use gradlab::analysis::{SearchState, SquaredError};
use gradlab::data::function::{Samples, Target};
use gradlab::experiment::fit::RunState;
use gradlab::experiment::gradnorm::{GradNormConfig, GradNormRun};
use gradlab::experiment::minratio::{MinRatioConfig, MinRatioRun, Phase, MINRATIO_MODEL};
use gradlab::experiment::path::{project_paths, PathConfig, PathRun};
use gradlab::model::mlp::{Activation, Mlp, MlpSpec};
use gradlab::rng::Rng;
use gradlab::train::Regression;
use serde_json::json;

const TINY: MlpSpec = MlpSpec { name: "tiny", widths: &[1, 3, 2, 1], activation: Activation::Tanh };

/// Builds a tiny model and its trainer on eight sgn-cos points.
fn tiny_trainer(spec: &MlpSpec) -> Regression {
    let device = Device::flex().autodiff();
    let model = Mlp::from_spec(spec, &mut Rng::new(21), &device);
    let samples = Samples::on_grid(Target::SgnCos, [-1.0, 1.0], 8);
    Regression::new(model, samples, 0, 0.01, Rng::new(22), &device).measuring_gradient_norm()
}

fn reference(spec: &MlpSpec, trainer: &Regression) -> (SquaredError, Vec<f64>) {
    let samples = trainer.samples();
    let problem = SquaredError::on_samples(spec, &samples.x, &samples.y);
    let theta = trainer.model().flat_parameters().into_iter().map(f64::from).collect();
    (problem, theta)
}

/// The norm burn measures in a step is that of the gradient at the parameters before the
/// step, which central differences of the f64 loss estimate to about 1e-9; burn works in
/// f32, so they agree to a relative 1e-4.
#[test]
fn measured_gradient_norm_matches_finite_differences() {
    for spec in [TINY, MlpSpec { activation: Activation::LeakyRelu, ..TINY }] {
        let mut trainer = tiny_trainer(&spec);
        let (problem, theta) = reference(&spec, &trainer);
        let step = 1e-6;
        let estimate: f64 = (0..theta.len())
            .map(|i| {
                let mut ahead = theta.clone();
                let mut behind = theta.clone();
                ahead[i] += step;
                behind[i] -= step;
                ((problem.loss(&ahead) - problem.loss(&behind)) / (2.0 * step)).powi(2)
            })
            .sum::<f64>()
            .sqrt();
        trainer.step();
        let measured = trainer.gradient_norm().expect("the norm is measured");
        let error = (measured - estimate).abs() / estimate;
        assert!(
            error < 1e-4,
            "{:?}: burn {measured}, finite differences {estimate}",
            spec.activation
        );
    }
}

/// The f64 evaluation reads the parameters in the order burn keeps them: both give the same
/// loss, to f32 precision.
#[test]
fn f64_loss_matches_burn_loss() {
    for spec in [TINY, MlpSpec { activation: Activation::LeakyRelu, ..TINY }] {
        let trainer = tiny_trainer(&spec);
        let (problem, theta) = reference(&spec, &trainer);
        let (ours, burns) = (problem.loss(&theta), trainer.loss());
        assert!(
            (ours - burns).abs() < 1e-5 * burns,
            "{:?}: f64 {ours}, burn {burns}",
            spec.activation
        );
    }
}

#[test]
fn gradnorm_records_every_step() {
    let config = GradNormConfig::from_json(&json!({ "epochs": 30, "points": 50 })).unwrap();
    assert_eq!(config.training.function, Target::SgnCos);
    let mut run = GradNormRun::new(&config).unwrap();
    let chunk = run.advance(1000);
    assert_eq!(chunk.status, RunState::Done);
    let steps: Vec<usize> = chunk.records.iter().map(|r| r.step).collect();
    assert_eq!(steps, (1..=30).collect::<Vec<_>>());
    assert!(chunk.records.iter().all(|r| r.grad_norm.is_finite() && r.grad_norm > 0.0));
}

#[test]
fn path_runs_record_start_interval_and_end() {
    let settings = json!({ "epochs": 7, "record_every": 3, "runs": 2, "points": 100 });
    let config = PathConfig::from_json(&settings).unwrap();
    assert_eq!(config.records_per_run(), 4);
    let mut records = Vec::new();
    for run in 0..2 {
        let mut path = PathRun::new(&config, run).unwrap();
        let chunk = path.advance(usize::MAX);
        assert_eq!(chunk.status, RunState::Done);
        let epochs: Vec<usize> = chunk.records.iter().map(|r| r.epoch).collect();
        assert_eq!(epochs, [0, 3, 6, 7]);
        records.extend(chunk.records);
    }
    assert_eq!(records[0].whole.len(), 571, "the deep model has 571 parameters");
    assert_eq!(records[0].first_layer.len(), 10, "its first layer has 5 weights and 5 biases");
    assert_ne!(records[0].whole, records[4].whole, "both runs started from the same weights");

    let projection = project_paths(&records).unwrap();
    assert_eq!(projection.whole.points.len(), 8);
    let explained = projection.whole.explained;
    assert!(explained[0] >= explained[1]);
    assert!(explained[0] + explained[1] <= 1.0 + 1e-12);
}

/// The default 60 epochs recorded every 3 give 21 vectors a run, so 47 runs fit into the
/// 1,000 vectors of one projection and 48 do not.
#[test]
fn too_many_records_name_the_field_to_change() {
    assert!(PathConfig::from_json(&json!({ "runs": 47 })).is_ok());
    let errors = PathConfig::from_json(&json!({ "runs": 64 })).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "runs");
    let message = &errors[0].message;
    assert!(message.starts_with("64 runs of 21 recorded vectors each make 1,344"), "{message}");
    assert!(message.contains("enter at most 47 runs"), "{message}");

    let settings = json!({ "runs": 1, "epochs": 1_000_000, "record_every": 1 });
    let errors = PathConfig::from_json(&settings).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "record_every");
    let message = &errors[0].message;
    assert!(message.starts_with("one run records 1,000,001 vectors"), "{message}");
}

#[test]
fn settings_are_validated_field_by_field() {
    let errors = PathConfig::from_json(&json!({ "runs": 0, "colour": "red" })).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["colour", "runs"]);

    let errors =
        MinRatioConfig::from_json(&json!({ "threshold": -1, "search_steps": 0 })).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["search_steps", "threshold"]);
    let message = &errors[1].message;
    assert!(message.contains("-1"), "the message does not name the value: {message}");
}

/// Runs one minimal-ratio run to its end.
fn finish(config: &MinRatioConfig, run: usize) -> gradlab::experiment::minratio::MinRatioResult {
    let mut run = MinRatioRun::new(config, run).unwrap();
    loop {
        let chunk = run.advance(500);
        if chunk.phase == Phase::Finished {
            return chunk.result.expect("training did not diverge");
        }
    }
}

#[test]
fn minratio_runs_count_the_whole_spectrum() {
    let settings = json!({ "runs": 2, "epochs": 200, "search_steps": 40 });
    let config = MinRatioConfig::from_json(&settings).unwrap();
    let parameters = MINRATIO_MODEL.parameter_count();
    for run in 0..2 {
        let result = finish(&config, run);
        let spectrum = &result.spectrum;
        assert_eq!(spectrum.eigenvalues.len(), parameters);
        assert_eq!(spectrum.positive + spectrum.negative + spectrum.zero, parameters);
        assert_eq!(result.minimal_ratio, spectrum.positive as f64 / parameters as f64);
        assert_eq!(result.reached, result.grad_norm < config.threshold);
        assert_eq!(result.reached, result.search == SearchState::Reached);
    }
}

/// A threshold no search reaches in two steps: the result must report that it stopped above.
#[test]
fn minratio_norm_above_threshold() {
    let settings = json!({ "runs": 1, "epochs": 50, "search_steps": 2, "threshold": 1e-12 });
    let result = finish(&MinRatioConfig::from_json(&settings).unwrap(), 0);
    assert!(!result.reached);
    assert_eq!(result.search, SearchState::OutOfSteps);
    assert!(result.grad_norm >= 1e-12);
}

/// Where the gradient has really vanished, about half the curvatures are positive: the
/// critical points a search finds near trained networks are saddles, not minima.
#[test]
fn minratio_near_one_half() {
    let config = MinRatioConfig { runs: 6, ..MinRatioConfig::new() };
    let reached: Vec<f64> = (0..6)
        .map(|run| finish(&config, run))
        .filter(|r| r.reached)
        .map(|r| r.minimal_ratio)
        .collect();
    assert!(!reached.is_empty(), "no run of six reached the default threshold");
    for ratio in reached {
        assert!((0.35..=0.75).contains(&ratio), "minimal ratio {ratio} is far from one half");
    }
}
