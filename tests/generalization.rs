//! The generalization experiments on the shipped digits: random labels, the capacity family,
//! interpolation between two solutions and input sensitivity.
#![cfg(not(target_arch = "wasm32"))]

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use gradlab::data::mnist::{Digits, PIXELS};
use gradlab::experiment::generalization::{
    capacity_run, flatness_run, interpolate, random_labels_run, ClassifierState, Experiment,
    GeneralizationConfig,
};
use gradlab::model::cnn::CAPACITY_MODELS;
use gradlab::model::mlp::{Activation, Mlp, MlpSpec};
use gradlab::model::Classifier;
use gradlab::rng::Rng;
use gradlab::train::classification::{images_tensor, labels_tensor, sensitivity};
use serde_json::json;
use std::path::Path;

fn shipped(images: &str, labels: &str) -> Digits {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    let read = |name: &str| {
        std::fs::read(folder.join(name))
            .unwrap_or_else(|e| panic!("{name} missing ({e}); run ./build.sh build first"))
    };
    Digits::from_idx((images, &read(images)), (labels, &read(labels))).unwrap()
}

fn shipped_pair() -> (Digits, Digits) {
    let train = shipped("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
    let test = shipped("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    (train, test)
}

fn config(experiment: Experiment, settings: serde_json::Value) -> GeneralizationConfig {
    GeneralizationConfig::from_json(&settings, experiment).expect("valid settings")
}

#[test]
fn random_labels_train_loss_falls() {
    let (train, test) = shipped_pair();
    let settings = json!({ "train_size": 200, "epochs": 4, "learning_rate": 0.001 });
    let mut run = random_labels_run(&config(Experiment::RandomLabels, settings), &train, &test);
    assert_eq!(run.parameters(), 397_510);
    assert_eq!(run.finish(), ClassifierState::Done);
    let results = run.results();
    assert_eq!(results.len(), 4);
    assert!(results[3].train_loss < results[0].train_loss, "{results:?}");
    // The labels are permuted, so the test digits, with their true labels, stay near chance.
    assert!(results[3].test_accuracy < 0.3, "{results:?}");
}

#[test]
fn capacity_run_counts_parameters() {
    let (train, test) = shipped_pair();
    let settings = json!({ "train_size": 200, "epochs": 1 });
    let mut run =
        capacity_run(&config(Experiment::Capacity, settings), &CAPACITY_MODELS[0], &train, &test);
    assert_eq!(run.parameters(), 42_766);
    assert_eq!(run.finish(), ClassifierState::Done);
    assert!(run.results()[0].test_loss.is_finite());
}

#[test]
fn nan_after_last_step_is_divergence() {
    let (train, test) = shipped_pair();
    let settings =
        json!({ "train_size": 200, "epochs": 1, "batch_size": 200, "learning_rate": 1e30 });
    let mut run =
        capacity_run(&config(Experiment::Capacity, settings), &CAPACITY_MODELS[0], &train, &test);
    assert_eq!(run.finish(), ClassifierState::Diverged { step: 1 });
    assert!(run.results().is_empty(), "{:?}", run.results());
}

/// Alpha 0 and 1 rebuild the two trained models bit for bit, so their metrics are the ones
/// measured at the end of training, exactly.
#[test]
fn interpolation_ends_reproduce_both_models() {
    let (train, test) = shipped_pair();
    let config = config(Experiment::Interpolate, json!({ "train_size": 300, "epochs": 1 }));
    let mut small = flatness_run(&config, 64, &train, &test);
    let mut large = flatness_run(&config, 1024, &train, &test);
    small.finish();
    large.finish();
    let subset = config.training_subset(&train);
    let device = config.engine.autodiff_device();
    let points =
        interpolate((small.model(), large.model()), &[0.0, 1.0, 0.5], (&subset, &test), &device);
    for (point, run) in points.iter().zip([&small, &large]) {
        let trained = run.results()[0];
        assert_eq!(point.train_loss, trained.train_loss, "alpha {}", point.alpha);
        assert_eq!(point.test_loss, trained.test_loss, "alpha {}", point.alpha);
        assert_eq!(point.train_accuracy, trained.train_accuracy, "alpha {}", point.alpha);
        assert_eq!(point.test_accuracy, trained.test_accuracy, "alpha {}", point.alpha);
    }
    assert!(points[2].train_loss.is_finite());
}

const TINY: MlpSpec = MlpSpec { name: "tiny", widths: &[784, 4, 10], activation: Activation::Tanh };

fn tiny_model(device: &Device) -> Classifier {
    Classifier::Mlp(Mlp::from_spec(&TINY, &mut Rng::new(31), device))
}

/// Summing the batch loss gives each input the gradient of its own loss alone, so the
/// evaluation batch does not change the result beyond f32 rounding.
#[test]
fn sensitivity_ignores_evaluation_batch() {
    let (_, test) = shipped_pair();
    let digits = test.select(&(0..60).collect::<Vec<_>>());
    let device = Device::flex().autodiff();
    let model = tiny_model(&device);
    let reference = sensitivity(&model, &digits, 1, &device);
    for batch in [7, 256] {
        let value = sensitivity(&model, &digits, batch, &device);
        assert!(
            (value - reference).abs() < 1e-5 * reference,
            "batch {batch}: {value} vs {reference}"
        );
    }
}

/// Central differences over all 784 inputs of each of three digits, in f32 with a step of
/// 1e-2 on the standardised pixels: truncation and rounding stay below 1% of the norm.
#[test]
fn sensitivity_matches_finite_differences() {
    let (_, test) = shipped_pair();
    let digits = test.select(&[0, 1, 2]);
    let device = Device::flex().autodiff();
    let model = tiny_model(&device);
    let loss_function = CrossEntropyLossConfig::new().init(&device);
    let mut norms = 0.0;
    for index in 0..3 {
        let input =
            images_tensor(&digits, &[index], &device).into_data().try_to_vec::<f32>().unwrap();
        let labels = labels_tensor(&digits, &[index], &device);
        let loss = |pixels: &[f32]| {
            let tensor =
                Tensor::<4>::from_data(TensorData::new(pixels.to_vec(), [1, 1, 28, 28]), &device);
            let logits = model.forward(tensor);
            f64::from(loss_function.forward(logits, labels.clone()).into_scalar::<f32>())
        };
        let step = 1e-2;
        let squares: f64 = (0..PIXELS)
            .map(|pixel| {
                let (mut ahead, mut behind) = (input.clone(), input.clone());
                ahead[pixel] += step;
                behind[pixel] -= step;
                ((loss(&ahead) - loss(&behind)) / (2.0 * f64::from(step))).powi(2)
            })
            .sum();
        norms += squares.sqrt();
    }
    let estimate = norms / 3.0;
    let value = sensitivity(&model, &digits, 3, &device);
    assert!((value - estimate).abs() < 1e-2 * estimate, "autodiff {value}, differences {estimate}");
}

#[test]
fn settings_are_validated() {
    let errors = GeneralizationConfig::from_json(
        &json!({ "epochs": 0, "learning_rate": "fast", "alphas": 1 }),
        Experiment::Interpolate,
    )
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["epochs", "learning_rate", "alphas"]);
}
