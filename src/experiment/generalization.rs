//! Generalization on MNIST: random labels, parameter count, and flatness seen through
//! interpolation between two solutions and through input sensitivity.
//!
//! Every experiment trains classifiers with [`ClassifierRun`], which evaluates the training
//! and test digits after each epoch, then takes the experiment's own measurement.

use super::mnist::MAX_BATCH;
use super::settings::{to_result, FieldError, Reader};
use crate::data::mnist::Digits;
use crate::engine::Engine;
use crate::model::cnn::{Cnn, CnnSpec};
use crate::model::mlp::{Activation, Mlp, MlpSpec};
use crate::model::Classifier;
use crate::plot::{LineChart, ScatterChart, ScatterSeries, SecondaryAxis, Series};
use crate::rng::{stream_of, Rng};
use crate::train::classification::{evaluate, sensitivity, Classification, Evaluation};
use burn::module::Module;
use burn::prelude::Device;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dense network of the random-label experiment: 397,510 parameters.
pub const RANDOM_LABELS_MODEL: MlpSpec =
    MlpSpec { name: "mlp-500", widths: &[784, 500, 10], activation: Activation::Relu };

/// The dense network of the flatness experiments: 79,510 parameters.
pub const FLATNESS_MODEL: MlpSpec =
    MlpSpec { name: "mlp-100", widths: &[784, 100, 10], activation: Activation::Relu };

/// The batch sizes of the sensitivity experiment.
pub const SENSITIVITY_BATCHES: [usize; 5] = [16, 64, 256, 1024, 4096];

/// The batch sizes of the two interpolated models.
pub const INTERPOLATION_BATCHES: [usize; 2] = [64, 1024];

/// The largest number of epochs of a run.
pub const MAX_EPOCHS: u64 = 1000;

/// The settings shared by the generalization experiments. The digits come separately.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GeneralizationConfig {
    /// Passes over the training digits.
    pub epochs: usize,
    /// Digits per optimizer step, where the experiment does not set it itself.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Training digits used, a stratified subset of those loaded; 0 uses them all.
    pub train_size: usize,
    /// Points of the interpolation from alpha -1 to 2.
    pub alphas: usize,
    /// The burn engine to train on.
    pub engine: Engine,
    /// Seed of the subset, the label permutation, the weights and the batch order.
    pub seed: u64,
}

/// The four experiments, each with its own defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Experiment {
    /// A dense network memorising permuted labels.
    RandomLabels,
    /// Ten CNNs from about 43,000 to 398,000 parameters.
    Capacity,
    /// The line through the weights of a small-batch and a large-batch solution.
    Interpolate,
    /// Input sensitivity against batch size.
    Sensitivity,
}

impl GeneralizationConfig {
    /// Returns the default settings of `experiment`.
    pub fn defaults(experiment: Experiment) -> Self {
        let base = Self {
            epochs: 5,
            batch_size: 64,
            learning_rate: 0.001,
            train_size: 0,
            alphas: 61,
            engine: Engine::Flex,
            seed: 1,
        };
        match experiment {
            // A 1,000-digit subset is memorised in about 60 epochs of a few seconds each.
            Experiment::RandomLabels => {
                Self { epochs: 60, learning_rate: 0.0001, train_size: 1000, ..base }
            }
            Experiment::Capacity => Self { epochs: 3, train_size: 1000, ..base },
            Experiment::Interpolate | Experiment::Sensitivity => Self { epochs: 5, ..base },
        }
    }

    /// Reads settings from JSON over the defaults of `experiment`. Every invalid field is
    /// reported, each with its own message.
    pub fn from_json(value: &Value, experiment: Experiment) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        reader.reject_unknown(&[
            "epochs",
            "batch_size",
            "learning_rate",
            "train_size",
            "alphas",
            "engine",
            "seed",
        ]);
        let default = Self::defaults(experiment);
        let config = Self {
            epochs: reader.integer("epochs", default.epochs as u64, [1, MAX_EPOCHS]) as usize,
            batch_size: reader.integer("batch_size", default.batch_size as u64, [1, MAX_BATCH])
                as usize,
            learning_rate: reader.number("learning_rate", default.learning_rate),
            train_size: reader.integer("train_size", default.train_size as u64, [0, 1 << 32])
                as usize,
            alphas: reader.integer("alphas", default.alphas as u64, [2, 1001]) as usize,
            engine: reader.choice("engine", default.engine),
            seed: reader.integer("seed", default.seed, [0, super::fit::MAX_SEED]),
        };
        let check = config.check();
        reader.finish(config, check)
    }

    /// Checks the settings that a reader cannot check alone.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            let message =
                format!("{} is not a positive finite number; try 0.001", self.learning_rate);
            errors.push(FieldError::new("learning_rate", message));
        }
        to_result(errors)
    }

    /// Returns the training digits to use: a stratified subset of `train` of
    /// [`GeneralizationConfig::train_size`] digits, or all of them.
    pub fn training_subset(&self, train: &Digits) -> Digits {
        if self.train_size == 0 || self.train_size >= train.len() {
            return train.clone();
        }
        let (_, subset) = train.stratified_split(self.train_size, self.seed);
        subset
    }

    /// Returns the evenly spaced alphas from -1 to 2.
    pub fn alpha_grid(&self) -> Vec<f64> {
        let last = (self.alphas - 1) as f64;
        (0..self.alphas).map(|i| -1.0 + 3.0 * i as f64 / last).collect()
    }
}

/// The losses and accuracies of a model after one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean cross-entropy on the training digits after the epoch.
    pub train_loss: f64,
    /// Training accuracy in [0, 1] after the epoch.
    pub train_accuracy: f64,
    /// Mean cross-entropy on the test digits after the epoch.
    pub test_loss: f64,
    /// Test accuracy in [0, 1] after the epoch.
    pub test_accuracy: f64,
}

impl EpochMetrics {
    fn of(epoch: usize, train: &Evaluation, test: &Evaluation) -> Self {
        Self {
            epoch,
            train_loss: train.loss,
            train_accuracy: train.accuracy,
            test_loss: test.loss,
            test_accuracy: test.accuracy,
        }
    }
}

/// The state of a classifier run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum ClassifierState {
    /// Epochs remain.
    Running,
    /// Every epoch has run.
    Done,
    /// A batch loss, or the evaluation after an epoch, was NaN or infinite at `step`; the run
    /// ended there.
    Diverged {
        /// The optimizer step whose loss, or whose update, was not finite.
        step: usize,
    },
}

/// The progress of one call to [`ClassifierRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct ClassifierChunk {
    /// The model's name.
    pub model: String,
    /// Optimizer steps completed so far.
    pub step: usize,
    /// Optimizer steps in the whole run.
    pub steps: usize,
    /// The epochs that ended in this chunk.
    pub evaluations: Vec<EpochMetrics>,
    /// The run's state after this chunk.
    pub status: ClassifierState,
}

/// One classifier trained on the training digits and evaluated on both sets after each
/// epoch.
pub struct ClassifierRun {
    name: String,
    trainer: Classification,
    test: Digits,
    epochs: usize,
    step: usize,
    results: Vec<EpochMetrics>,
    state: ClassifierState,
    device: Device,
}

impl ClassifierRun {
    /// Prepares `model`, named `name`, to train on `train` in batches of `batch_size` for the
    /// epochs of `config`, with the mini-batch order drawn from `rng`.
    pub fn new(
        name: String,
        model: Classifier,
        (train, test): (Digits, Digits),
        batch_size: usize,
        config: &GeneralizationConfig,
        rng: Rng,
        device: &Device,
    ) -> Self {
        let trainer =
            Classification::new(model, train, batch_size, config.learning_rate, rng, device);
        Self {
            name,
            trainer,
            test,
            epochs: config.epochs,
            step: 0,
            results: Vec::new(),
            state: ClassifierState::Running,
            device: device.clone(),
        }
    }

    /// Returns the optimizer steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.epochs * self.trainer.steps_per_epoch()
    }

    /// Takes up to `max_steps` more optimizer steps, evaluating after every epoch, and stops
    /// early at the end of the run or on divergence.
    pub fn advance(&mut self, max_steps: usize) -> ClassifierChunk {
        let mut evaluations = Vec::new();
        for _ in 0..max_steps {
            if self.state != ClassifierState::Running {
                break;
            }
            let (loss, _) = self.trainer.step();
            self.step += 1;
            if !loss.is_finite() {
                self.state = ClassifierState::Diverged { step: self.step };
            } else if self.step.is_multiple_of(self.trainer.steps_per_epoch()) {
                evaluations.extend(self.end_epoch());
            }
        }
        ClassifierChunk {
            model: self.name.clone(),
            step: self.step,
            steps: self.total_steps(),
            evaluations,
            status: self.state,
        }
    }

    /// Runs to the end and returns the state it ended in.
    pub fn finish(&mut self) -> ClassifierState {
        while self.state == ClassifierState::Running {
            self.advance(usize::MAX);
        }
        self.state
    }

    /// Evaluates on both digit sets and closes the epoch, or ends the run as diverged when the
    /// last step left the model unable to give finite losses.
    fn end_epoch(&mut self) -> Option<EpochMetrics> {
        let train = self.trainer.evaluate(self.trainer.digits());
        let test = self.trainer.evaluate(&self.test);
        if !(train.loss.is_finite() && test.loss.is_finite()) {
            // The step's own loss was finite, but its update was not.
            self.state = ClassifierState::Diverged { step: self.step };
            return None;
        }
        let metrics = EpochMetrics::of(self.results.len() + 1, &train, &test);
        self.results.push(metrics);
        if self.results.len() == self.epochs {
            self.state = ClassifierState::Done;
        }
        Some(metrics)
    }

    /// Returns the metrics of every epoch so far.
    pub fn results(&self) -> &[EpochMetrics] {
        &self.results
    }

    /// Returns the model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the model.
    pub fn model(&self) -> &Classifier {
        self.trainer.model()
    }

    /// Returns the number of parameters of the model.
    pub fn parameters(&self) -> usize {
        self.trainer.model().num_params()
    }

    /// Returns the sensitivity of the model on the test digits (see
    /// [`crate::train::classification::sensitivity`]), in batches of 256.
    pub fn test_sensitivity(&self) -> f64 {
        sensitivity(self.trainer.model(), &self.test, 256, &self.device)
    }
}

/// Builds the random-label run: the 784-500-10 network on the training subset with its
/// labels permuted, tested on the test digits with their true labels.
pub fn random_labels_run(
    config: &GeneralizationConfig,
    train: &Digits,
    test: &Digits,
) -> ClassifierRun {
    let rng = Rng::new(config.seed).fork(stream_of("random-labels"));
    let shuffled = config.training_subset(train).with_shuffled_labels(&mut rng.fork(2));
    let device = config.engine.autodiff_device();
    let model = Mlp::from_spec(&RANDOM_LABELS_MODEL, &mut rng.fork(0), &device);
    let name = RANDOM_LABELS_MODEL.name.to_string();
    ClassifierRun::new(
        name,
        model.into(),
        (shuffled, test.clone()),
        config.batch_size,
        config,
        rng.fork(1),
        &device,
    )
}

/// Builds the run of one CNN of the parameter-count family.
pub fn capacity_run(
    config: &GeneralizationConfig,
    spec: &CnnSpec,
    train: &Digits,
    test: &Digits,
) -> ClassifierRun {
    let rng = Rng::new(config.seed).fork(stream_of(spec.name));
    let device = config.engine.autodiff_device();
    let model = Cnn::new(spec, &mut rng.fork(0), &device);
    let data = (config.training_subset(train), test.clone());
    ClassifierRun::new(
        spec.name.to_string(),
        model.into(),
        data,
        config.batch_size,
        config,
        rng.fork(1),
        &device,
    )
}

/// Builds the run of the flatness network trained with `batch_size`. Every batch size
/// starts from the same weights, so that runs differ only in their batches.
pub fn flatness_run(
    config: &GeneralizationConfig,
    batch_size: usize,
    train: &Digits,
    test: &Digits,
) -> ClassifierRun {
    let rng = Rng::new(config.seed).fork(stream_of("flatness"));
    let device = config.engine.autodiff_device();
    let model = Mlp::from_spec(&FLATNESS_MODEL, &mut rng.fork(0), &device);
    let name = format!("batch {batch_size}");
    let data = (config.training_subset(train), test.clone());
    ClassifierRun::new(
        name,
        model.into(),
        data,
        batch_size,
        config,
        rng.fork(batch_size as u64),
        &device,
    )
}

/// The metrics of one point on the line between two solutions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct InterpolationPoint {
    /// Position on the line: 0 is the first model, 1 the second.
    pub alpha: f64,
    /// Mean cross-entropy on the training digits.
    pub train_loss: f64,
    /// Training accuracy in [0, 1].
    pub train_accuracy: f64,
    /// Mean cross-entropy on the test digits.
    pub test_loss: f64,
    /// Test accuracy in [0, 1].
    pub test_accuracy: f64,
}

/// Evaluates `(1 - alpha) a + alpha b` for each alpha, without training, on both sets.
///
/// # Panics
/// If either model is not an MLP of [`FLATNESS_MODEL`]'s shape.
pub fn interpolate(
    (a, b): (&Classifier, &Classifier),
    alphas: &[f64],
    (train, test): (&Digits, &Digits),
    device: &Device,
) -> Vec<InterpolationPoint> {
    let flat = |model: &Classifier| match model {
        Classifier::Mlp(mlp) => mlp.flat_parameters(),
        Classifier::Cnn(_) => panic!("interpolation takes MLPs"),
    };
    let (from, to) = (flat(a), flat(b));
    alphas
        .iter()
        .map(|&alpha| {
            let mixed: Vec<f32> = from
                .iter()
                .zip(&to)
                .map(|(&x, &y)| ((1.0 - alpha) * f64::from(x) + alpha * f64::from(y)) as f32)
                .collect();
            let model = Classifier::Mlp(Mlp::from_flat(&FLATNESS_MODEL, &mixed, device));
            let (on_train, on_test) =
                (evaluate(&model, train, device), evaluate(&model, test, device));
            InterpolationPoint {
                alpha,
                train_loss: on_train.loss,
                train_accuracy: on_train.accuracy,
                test_loss: on_test.loss,
                test_accuracy: on_test.accuracy,
            }
        })
        .collect()
}

/// Builds one line chart of a train and a test series against `x`.
fn train_test_chart(
    title: &str,
    (x_label, y_label): (&str, &str),
    log_y: bool,
    points: &[(f64, f64, f64)],
) -> LineChart {
    let series = |name: &str, pick: fn(&(f64, f64, f64)) -> f64| Series {
        name: name.to_string(),
        points: points.iter().map(|p| [p.0, pick(p)]).collect(),
        reference: false,
    };
    LineChart {
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        log_y,
        y_limits: (!log_y).then_some([0.0, 100.0]),
        series: vec![series("train", |p| p.1), series("test", |p| p.2)],
        log_x: false,
        secondary: None,
    }
}

/// Builds the loss chart (log scale) and the accuracy chart of per-epoch metrics.
pub fn epoch_charts(results: &[EpochMetrics]) -> [LineChart; 2] {
    let loss: Vec<_> =
        results.iter().map(|m| (m.epoch as f64, m.train_loss, m.test_loss)).collect();
    let accuracy: Vec<_> = results
        .iter()
        .map(|m| (m.epoch as f64, 100.0 * m.train_accuracy, 100.0 * m.test_accuracy))
        .collect();
    [
        train_test_chart("Random labels: loss", ("epoch", "cross-entropy"), true, &loss),
        train_test_chart("Random labels: accuracy", ("epoch", "accuracy (%)"), false, &accuracy),
    ]
}

/// Builds the charts of final loss and accuracy against parameter count (log x).
pub fn capacity_charts(points: &[(usize, EpochMetrics)]) -> [ScatterChart; 2] {
    let chart = |title: &str, y_label: &str, log_y: bool, pick: fn(&EpochMetrics) -> [f64; 2]| {
        let series = |name: &str, index: usize| ScatterSeries {
            name: name.to_string(),
            points: points.iter().map(|(p, m)| [*p as f64, pick(m)[index]]).collect(),
            joined: true,
        };
        ScatterChart {
            title: title.to_string(),
            x_label: "parameters".to_string(),
            y_label: y_label.to_string(),
            log_x: true,
            log_y,
            series: vec![series("train", 0), series("test", 1)],
        }
    };
    [
        chart("Loss against parameter count", "cross-entropy", true, |m| {
            [m.train_loss, m.test_loss]
        }),
        chart("Accuracy against parameter count", "accuracy (%)", false, |m| {
            [100.0 * m.train_accuracy, 100.0 * m.test_accuracy]
        }),
    ]
}

/// Builds one chart of loss (log scale, left axis) and accuracy (right axis) against `x`,
/// with one `(x, loss, accuracy)` point per entry of `points`.
fn twin_chart(title: String, x_label: &str, log_x: bool, points: &[(f64, f64, f64)]) -> LineChart {
    let series = |name: &str, pick: fn(&(f64, f64, f64)) -> f64| Series {
        name: name.to_string(),
        points: points.iter().map(|p| [p.0, pick(p)]).collect(),
        reference: false,
    };
    LineChart {
        title,
        x_label: x_label.to_string(),
        y_label: "cross-entropy".to_string(),
        log_y: true,
        y_limits: None,
        series: vec![series("loss", |p| p.1)],
        log_x,
        secondary: Some(SecondaryAxis {
            y_label: "accuracy (%)".to_string(),
            log_y: false,
            y_limits: Some([0.0, 100.0]),
            series: vec![series("accuracy", |p| 100.0 * p.2)],
        }),
    }
}

/// Builds the charts along the interpolation, one for the training digits and one for the
/// test digits, each with the loss on a log axis and the accuracy on a second axis.
pub fn interpolation_charts(points: &[InterpolationPoint]) -> [LineChart; 2] {
    let title = |set: &str| format!("{set}, from batch 64 (alpha 0) to batch 1024 (alpha 1)");
    let train: Vec<_> = points.iter().map(|p| (p.alpha, p.train_loss, p.train_accuracy)).collect();
    let test: Vec<_> = points.iter().map(|p| (p.alpha, p.test_loss, p.test_accuracy)).collect();
    [
        twin_chart(title("Training digits"), "alpha", false, &train),
        twin_chart(title("Test digits"), "alpha", false, &test),
    ]
}

/// Builds the charts against batch size on a log axis: train and test loss, then train and
/// test accuracy, each with the sensitivity on a second axis.
pub fn sensitivity_charts(results: &[(usize, EpochMetrics, f64)]) -> [LineChart; 2] {
    let series = |name: &str, pick: &dyn Fn(&EpochMetrics) -> f64| Series {
        name: name.to_string(),
        points: results.iter().map(|(b, m, _)| [*b as f64, pick(m)]).collect(),
        reference: false,
    };
    let sensitivity = SecondaryAxis {
        y_label: "sensitivity".to_string(),
        log_y: false,
        y_limits: None,
        series: vec![Series {
            name: "sensitivity".to_string(),
            points: results.iter().map(|(b, _, s)| [*b as f64, *s]).collect(),
            reference: false,
        }],
    };
    let chart = |title: &str, y_label: &str, log_y: bool, series: Vec<Series>| LineChart {
        title: title.to_string(),
        x_label: "batch size".to_string(),
        y_label: y_label.to_string(),
        log_y,
        y_limits: (!log_y).then_some([0.0, 100.0]),
        series,
        log_x: true,
        secondary: Some(sensitivity.clone()),
    };
    let train_loss = series("train loss", &|m| m.train_loss);
    let test_loss = series("test loss", &|m| m.test_loss);
    let train_accuracy = series("train acc.", &|m| 100.0 * m.train_accuracy);
    let test_accuracy = series("test acc.", &|m| 100.0 * m.test_accuracy);
    [
        chart("Loss and sensitivity", "cross-entropy", true, vec![train_loss, test_loss]),
        chart(
            "Accuracy and sensitivity",
            "accuracy (%)",
            false,
            vec![train_accuracy, test_accuracy],
        ),
    ]
}
