//! Native tests of the function-fitting experiment: models, sample grids, training.
#![cfg(not(target_arch = "wasm32"))]

use gradlab::data::function::{sample_grid, Samples, Target};
use gradlab::engine::Engine;
use gradlab::experiment::fit::{model_catalog, FitConfig, FitRun, RunState};
use gradlab::model::mlp::{Mlp, MlpSpec, FIT_MODELS};
use gradlab::rng::Rng;
use gradlab::train::Regression;
use serde_json::json;

/// Trains `model` under `config` to the end and returns every epoch's loss.
fn losses(config: &FitConfig, model: &str) -> Vec<f64> {
    let spec = MlpSpec::fit_model(model).expect("model exists");
    let mut run = FitRun::new(config, spec, 1).expect("config is valid");
    let chunk = run.advance(config.epochs * config.steps_per_epoch());
    assert_eq!(chunk.status, RunState::Done);
    chunk.series.iter().map(|&(_, loss)| loss).collect()
}

fn short_config(function: Target, epochs: usize) -> FitConfig {
    FitConfig { points: 200, epochs, ..FitConfig::for_function(function) }
}

#[test]
fn parameter_counts_come_from_models() {
    let counts: Vec<(&str, usize)> =
        model_catalog().into_iter().map(|(spec, count)| (spec.name, count)).collect();
    assert_eq!(counts, vec![("deep", 571), ("medium", 572), ("shallow", 571)]);
}

#[test]
fn parameter_counts_match_closed_form() {
    for (spec, count) in model_catalog() {
        let expected: usize = spec.widths.windows(2).map(|pair| pair[0] * pair[1] + pair[1]).sum();
        assert_eq!(count, expected, "{}", spec.name);
    }
}

#[test]
fn sgn_cos_grid_never_contains_zero() {
    let mut rng = Rng::new(7);
    let mut domains =
        vec![[-1.0, 1.0], [-0.5, 1.5], [-3.0, 1.0], [-1e-3, 1e-3], [0.0, 1.0], [-1.0, 0.0]];
    domains.extend((0..200).map(|_| {
        let low = rng.uniform(-2.0, 0.0);
        [low, low + rng.uniform(0.01, 4.0)]
    }));
    for domain in domains {
        for count in [2, 3, 4, 5, 101, 1000, 1001, 4097] {
            let grid = sample_grid(Target::SgnCos, domain, count);
            let spacing = (domain[1] - domain[0]) / count as f64;
            assert_eq!(grid.len(), count);
            for &x in &grid {
                assert!(
                    x.abs() > 1e-6 * spacing,
                    "x = {x} is 0 up to rounding for {domain:?}, {count} points"
                );
                assert!(domain[0] <= x, "x = {x} below {domain:?}");
                assert!(x <= domain[1], "x = {x} above {domain:?}");
                assert!(Target::SgnCos.eval(x).is_finite(), "target undefined at {x}");
            }
        }
    }
}

#[test]
fn sgn_cos_grid_steps_around_zero() {
    // Odd counts on a symmetric domain put a cell centre on 0, so the grid moves half a cell.
    for count in [3, 5, 999, 1001] {
        let grid = sample_grid(Target::SgnCos, [-1.0, 1.0], count);
        let spacing = 2.0 / count as f64;
        let nearest = grid.iter().map(|x| x.abs()).fold(f64::INFINITY, f64::min);
        assert!(
            (nearest - spacing / 2.0).abs() < 1e-9,
            "{count} points: nearest to 0 is {nearest}"
        );
    }
}

#[test]
fn silu_grid_keeps_centre() {
    let grid = sample_grid(Target::Silu, [-1.0, 1.0], 3);
    assert!(grid[1].abs() < 1e-12, "silu is defined at 0, so the centre grid stays: {grid:?}");
}

#[test]
fn sample_grid_is_evenly_spaced() {
    for (domain, count) in [([-1.0, 1.0], 1000), ([-1.0, 1.0], 999), ([-6.0, 6.0], 7)] {
        let grid = sample_grid(Target::SgnCos, domain, count);
        let spacing = (domain[1] - domain[0]) / count as f64;
        for pair in grid.windows(2) {
            assert!((pair[1] - pair[0] - spacing).abs() < 1e-9, "uneven step in {domain:?}");
        }
    }
}

#[test]
fn silu_targets_match_formula() {
    let samples = Samples::on_grid(Target::Silu, [-6.0, 6.0], 4);
    for (&x, &y) in samples.x.iter().zip(&samples.y) {
        let expected = f64::from(x) / (1.0 + (-f64::from(x)).exp());
        assert!((f64::from(y) - expected).abs() < 1e-6, "silu({x}) = {y}, expected {expected}");
    }
}

#[test]
fn silu_loss_falls_tenfold() {
    for model in ["deep", "medium", "shallow"] {
        let losses = losses(&short_config(Target::Silu, 300), model);
        let (first, last) = (losses[0], *losses.last().unwrap());
        assert!(last * 10.0 <= first, "{model}: loss went from {first} to {last}, less than 10x");
    }
}

#[test]
fn same_seed_gives_same_losses() {
    let config = FitConfig { batch_size: 32, ..short_config(Target::SgnCos, 20) };
    for model in ["deep", "shallow"] {
        assert_eq!(losses(&config, model), losses(&config, model), "{model}");
    }
}

#[test]
fn other_seed_gives_other_losses() {
    let config = short_config(Target::Silu, 5);
    let other = FitConfig { seed: 2, ..config.clone() };
    assert_ne!(losses(&config, "deep"), losses(&other, "deep"));
}

#[test]
fn engines_agree_natively() {
    let flex = short_config(Target::Silu, 100);
    let ndarray = FitConfig { engine: Engine::Ndarray, ..flex.clone() };
    for (a, b) in losses(&flex, "medium").iter().zip(losses(&ndarray, "medium")) {
        assert!((a - b).abs() <= 1e-3 * a.abs(), "flex {a} vs ndarray {b}");
    }
}

#[test]
fn chunked_batches_match_whole_batches() {
    let device = Engine::Flex.autodiff_device();
    let samples = Samples::on_grid(Target::Silu, [-6.0, 6.0], 50);
    let train = |chunk_rows: usize| -> Vec<f64> {
        let model = Mlp::new(FIT_MODELS[0].widths, &mut Rng::new(3), &device);
        let mut regression = Regression::new(model, samples.clone(), 0, 0.01, Rng::new(4), &device)
            .with_chunk_rows(chunk_rows);
        (0..20).map(|_| regression.epoch()).collect()
    };
    for (whole, chunked) in train(50).iter().zip(train(7)) {
        assert!((whole - chunked).abs() <= 1e-5 * whole, "whole {whole} vs chunked {chunked}");
    }
}

#[test]
fn huge_learning_rate_diverges() {
    let config = FitConfig { learning_rate: 1e30, ..short_config(Target::Silu, 50) };
    let mut run = FitRun::new(&config, MlpSpec::fit_model("shallow").unwrap(), 1).unwrap();
    let chunk = run.advance(50);
    let RunState::Diverged { epoch } = chunk.status else {
        panic!("expected divergence, got {:?}", chunk.status);
    };
    assert!(epoch < 50);
    assert!(chunk.series.iter().all(|&(_, loss)| loss.is_finite()));
    assert_eq!(run.advance(10).epoch, epoch, "a diverged run must not go on");
}

#[test]
fn mini_batches_count_steps() {
    let config = FitConfig { batch_size: 64, ..short_config(Target::Silu, 3) };
    let mut run = FitRun::new(&config, MlpSpec::fit_model("deep").unwrap(), 1).unwrap();
    let steps_per_epoch = 200usize.div_ceil(64);
    let chunk = run.advance(steps_per_epoch + 1);
    assert_eq!(chunk.steps, 3 * steps_per_epoch);
    assert_eq!(
        (chunk.epoch, chunk.step),
        (1, steps_per_epoch + 1),
        "chunks may end inside an epoch"
    );
    assert_eq!(chunk.series.len(), 1);
    let chunk = run.advance(100);
    assert_eq!((chunk.epoch, chunk.step), (3, chunk.steps));
    assert_eq!(chunk.status, RunState::Done);
}

#[test]
fn invalid_settings_name_their_field() {
    let cases = [
        (json!({ "learning_rate": -1 }), "learning_rate"),
        (json!({ "learning_rate": 0 }), "learning_rate"),
        (json!({ "learning_rate": "fast" }), "learning_rate"),
        (json!({ "epochs": 0 }), "epochs"),
        (json!({ "epochs": 1_000_001 }), "epochs"),
        (json!({ "epochs": 2.5 }), "epochs"),
        (json!({ "points": 1 }), "points"),
        (json!({ "points": 1_000_001 }), "points"),
        (json!({ "domain": [1, 1] }), "domain"),
        (json!({ "domain": [1, -1] }), "domain"),
        (json!({ "domain": [1] }), "domain"),
        (json!({ "domain": [-1e308, 1e308] }), "domain"),
        (json!({ "batch_size": 2000 }), "batch_size"),
        (json!({ "engine": "gpu" }), "engine"),
        (json!({ "function": "tanh" }), "function"),
        (json!({ "seed": -3 }), "seed"),
        (json!({ "colour": "red" }), "colour"),
    ];
    for (settings, field) in cases {
        let errors = FitConfig::from_json(&settings).expect_err(&settings.to_string());
        assert_eq!(errors.len(), 1, "{settings}: {errors:?}");
        assert_eq!(errors[0].field, field, "{settings}");
        assert!(!errors[0].message.is_empty());
    }
}

#[test]
fn range_messages_name_real_limits() {
    let message = |settings: serde_json::Value| {
        FitConfig::from_json(&settings).unwrap_err()[0].message.clone()
    };
    assert!(message(json!({ "epochs": 1.5 })).contains("from 1 to 1000000"));
    assert!(message(json!({ "points": -1 })).contains("from 2 to 1000000"));
    let seed = message(json!({ "seed": 18446744073709551616.0 }));
    assert!(!seed.contains("18446744073709551615"), "{seed}");
    let domain = message(json!({ "domain": [-1e308, 1e308] }));
    assert!(domain.starts_with("[-1e308, 1e308] is too wide"), "{domain}");
    assert!(domain.len() < 80, "{domain}");
}

#[test]
fn valid_settings_are_read() {
    let settings = json!({ "function": "sgn-cos", "points": 10, "epochs": 3, "seed": 9 });
    let config = FitConfig::from_json(&settings).unwrap();
    assert_eq!(config.function, Target::SgnCos);
    assert_eq!(config.domain, [-1.0, 1.0]);
    assert_eq!((config.points, config.epochs, config.seed), (10, 3, 9));
}
