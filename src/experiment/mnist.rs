//! MNIST: three CNNs of about 25,500 parameters that differ in depth, trained on the same
//! digits and compared by test accuracy.

use super::settings::{to_result, FieldError, Reader};
use crate::data::mnist::{Digits, CLASSES};
use crate::engine::Engine;
use crate::model::cnn::{Cnn, CnnSpec, MNIST_MODELS};
use crate::plot::{LineChart, Series};
use crate::rng::{stream_of, Rng};
use crate::train::classification::{confusion_matrix, Classification, Evaluation};
use burn::module::Module;
use burn::prelude::Device;
use serde::Serialize;
use serde_json::Value;

/// The maximum number of epochs of a run.
pub const MAX_EPOCHS: u64 = 1000;
/// The largest mini-batch a run may ask for.
pub const MAX_BATCH: u64 = 4096;

/// The settings of an MNIST run. The digits themselves come separately.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MnistConfig {
    /// Passes over the training digits.
    pub epochs: usize,
    /// Digits per optimizer step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// The burn engine to train on.
    pub engine: Engine,
    /// Seed of the initial weights and of the mini-batch order.
    pub seed: u64,
}

impl Default for MnistConfig {
    fn default() -> Self {
        Self { epochs: 10, batch_size: 64, learning_rate: 0.002, engine: Engine::Flex, seed: 1 }
    }
}

impl MnistConfig {
    /// Reads settings from JSON; absent fields take the defaults, invalid ones are reported
    /// each with its own message.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        reader.reject_unknown(&["epochs", "batch_size", "learning_rate", "engine", "seed"]);
        let default = Self::default();
        let config = Self {
            epochs: reader.integer("epochs", default.epochs as u64, [1, MAX_EPOCHS]) as usize,
            batch_size: reader.integer("batch_size", default.batch_size as u64, [1, MAX_BATCH])
                as usize,
            learning_rate: reader.number("learning_rate", default.learning_rate),
            engine: reader.choice("engine", default.engine),
            seed: reader.integer("seed", default.seed, [0, (1 << 53) - 1]),
        };
        let check = config.check();
        reader.finish(config, check)
    }

    /// Checks every setting against its allowed range.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            let message =
                format!("{} is not a positive finite number; try 0.002", self.learning_rate);
            errors.push(FieldError::new("learning_rate", message));
        }
        if !(1..=MAX_EPOCHS).contains(&(self.epochs as u64)) {
            let message = format!("{} is out of range; enter from 1 to {MAX_EPOCHS}", self.epochs);
            errors.push(FieldError::new("epochs", message));
        }
        if !(1..=MAX_BATCH).contains(&(self.batch_size as u64)) {
            let message =
                format!("{} is out of range; enter from 1 to {MAX_BATCH}", self.batch_size);
            errors.push(FieldError::new("batch_size", message));
        }
        to_result(errors)
    }
}

/// The training and test loss and the test accuracy after one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EpochResult {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Mean cross-entropy on the test digits after the epoch.
    pub test_loss: f64,
    /// Test accuracy in [0, 1] after the epoch.
    pub test_accuracy: f64,
}

/// The state of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum MnistState {
    /// Steps remain.
    Running,
    /// Every epoch has run.
    Done,
    /// The loss stopped being a finite number at `step`; the run ended there.
    Diverged {
        /// The optimizer step whose loss, or whose update, was NaN or infinite.
        step: usize,
    },
}

/// The progress of one call to [`MnistRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct MnistChunk {
    /// Model name.
    pub model: &'static str,
    /// Epochs completed so far.
    pub epoch: usize,
    /// Epochs in the whole run.
    pub epochs: usize,
    /// Optimizer steps completed so far.
    pub step: usize,
    /// Optimizer steps in the whole run.
    pub steps: usize,
    /// Images trained on so far.
    pub images: usize,
    /// `[epoch, loss]` points of this chunk: the mean loss of each group of recorded steps,
    /// at fractional epochs.
    pub series: Vec<(f64, f64)>,
    /// The epochs that ended in this chunk, with their test results.
    pub evaluations: Vec<EpochResult>,
    /// The run's state after this chunk.
    pub status: MnistState,
}

/// One CNN of the experiment being trained.
pub struct MnistRun {
    spec: CnnSpec,
    epochs: usize,
    record_every: usize,
    trainer: Classification,
    test: Digits,
    step: usize,
    images: usize,
    epoch_loss: (f64, usize),
    recent_loss: (f64, usize),
    results: Vec<EpochResult>,
    last_evaluation: Option<Evaluation>,
    state: MnistState,
}

impl MnistRun {
    /// Builds the CNN named by `spec` to train on `train` and be tested on `test`. Every
    /// `record_every` steps the mean loss of those steps goes into the chunk's series.
    pub fn new(
        config: &MnistConfig,
        spec: CnnSpec,
        train: Digits,
        test: Digits,
        record_every: usize,
    ) -> Result<Self, Vec<FieldError>> {
        config.check()?;
        if train.is_empty() {
            return Err(vec![FieldError::new(
                "data",
                "the training set is empty; load files with at least one digit",
            )]);
        }
        if test.is_empty() {
            return Err(vec![FieldError::new(
                "data",
                "the test set is empty; load test files with at least one digit",
            )]);
        }
        let device = config.engine.autodiff_device();
        let rng = Rng::new(config.seed).fork(stream_of(spec.name));
        let model = Cnn::new(&spec, &mut rng.fork(0), &device);
        let trainer = Classification::new(
            model,
            train,
            config.batch_size,
            config.learning_rate,
            rng.fork(1),
            &device,
        );
        Ok(Self {
            spec,
            epochs: config.epochs,
            record_every: record_every.max(1),
            trainer,
            test,
            step: 0,
            images: 0,
            epoch_loss: (0.0, 0),
            recent_loss: (0.0, 0),
            results: Vec::new(),
            last_evaluation: None,
            state: MnistState::Running,
        })
    }

    /// Returns the epochs of the whole run.
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Returns the optimizer steps in the whole run.
    pub fn total_steps(&self) -> usize {
        self.epochs * self.trainer.steps_per_epoch()
    }

    /// Takes up to `max_steps` more optimizer steps, evaluating on the test digits after each
    /// epoch, and stopping early at the end of the run or on divergence.
    pub fn advance(&mut self, max_steps: usize) -> MnistChunk {
        let (mut series, mut evaluations) = (Vec::new(), Vec::new());
        for _ in 0..max_steps {
            if self.state != MnistState::Running {
                break;
            }
            self.train_step(&mut series);
            if self.state == MnistState::Running
                && self.step.is_multiple_of(self.trainer.steps_per_epoch())
            {
                evaluations.extend(self.end_epoch());
            }
        }
        MnistChunk {
            model: self.spec.name,
            epoch: self.results.len(),
            epochs: self.epochs,
            step: self.step,
            steps: self.total_steps(),
            images: self.images,
            series,
            evaluations,
            status: self.state,
        }
    }

    /// Trains one mini-batch and records its loss.
    fn train_step(&mut self, series: &mut Vec<(f64, f64)>) {
        let (loss, batch) = self.trainer.step();
        self.step += 1;
        self.images += batch;
        if !loss.is_finite() {
            // Keep the curve up to the last finite loss, even inside a recording group.
            self.flush_recent(series);
            self.state = MnistState::Diverged { step: self.step };
            return;
        }
        self.epoch_loss = (self.epoch_loss.0 + loss, self.epoch_loss.1 + 1);
        self.recent_loss = (self.recent_loss.0 + loss, self.recent_loss.1 + 1);
        if self.recent_loss.1 == self.record_every {
            self.flush_recent(series);
        }
    }

    /// Adds the mean loss of the steps recorded since the last point to `series`.
    fn flush_recent(&mut self, series: &mut Vec<(f64, f64)>) {
        let (sum, count) = self.recent_loss;
        if count > 0 {
            let at = self.step as f64 / self.trainer.steps_per_epoch() as f64;
            series.push((at, sum / count as f64));
        }
        self.recent_loss = (0.0, 0);
    }

    /// Evaluates on the test digits and closes the epoch, or ends the run as diverged when the
    /// last step left the model unable to give a finite loss.
    fn end_epoch(&mut self) -> Option<EpochResult> {
        let evaluation = self.trainer.evaluate(&self.test);
        if !evaluation.loss.is_finite() {
            // The step's own loss was finite, but its update was not.
            self.state = MnistState::Diverged { step: self.step };
            return None;
        }
        let result = EpochResult {
            epoch: self.results.len() + 1,
            train_loss: self.epoch_loss.0 / self.epoch_loss.1.max(1) as f64,
            test_loss: evaluation.loss,
            test_accuracy: evaluation.accuracy,
        };
        self.results.push(result);
        self.last_evaluation = Some(evaluation);
        self.epoch_loss = (0.0, 0);
        if self.results.len() == self.epochs {
            self.state = MnistState::Done;
        }
        Some(result)
    }

    /// Returns the evaluation on the test digits after the last epoch, or of the model as it
    /// is now when no epoch has ended since the last step.
    pub fn test_evaluation(&self) -> Evaluation {
        match &self.last_evaluation {
            Some(evaluation) if self.step.is_multiple_of(self.trainer.steps_per_epoch()) => {
                evaluation.clone()
            }
            _ => self.trainer.evaluate(&self.test),
        }
    }

    /// Returns the test digits.
    pub fn test_digits(&self) -> &Digits {
        &self.test
    }

    /// Returns the per-epoch results so far.
    pub fn results(&self) -> &[EpochResult] {
        &self.results
    }

    /// Returns the model's name, layers, parameter count and results so far.
    pub fn summary(&self) -> MnistSummary {
        let best = self
            .results
            .iter()
            .map(|r| r.test_accuracy)
            .fold(None, |best: Option<f64>, a| Some(best.map_or(a, |b| b.max(a))));
        MnistSummary {
            name: self.spec.name,
            layers: self.spec.describe(),
            parameters: self.trainer.model().num_params(),
            epochs_run: self.results.len(),
            best_test_accuracy: best,
            final_loss: self.results.last().map(|r| r.train_loss),
            status: self.state,
        }
    }
}

/// A model's line in the results table and in `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct MnistSummary {
    /// Model name.
    pub name: &'static str,
    /// The layers in one line.
    pub layers: String,
    /// Trainable parameters, counted from the built model.
    pub parameters: usize,
    /// Epochs completed.
    pub epochs_run: usize,
    /// Highest test accuracy after any epoch.
    pub best_test_accuracy: Option<f64>,
    /// Mean training loss of the last epoch.
    pub final_loss: Option<f64>,
    /// The run's final or current state.
    pub status: MnistState,
}

/// Returns the training and test digits: `test` when given, or else a stratified fifth of
/// `train` held out with `seed`.
pub fn with_test_set(train: Digits, test: Option<Digits>, seed: u64) -> (Digits, Digits) {
    match test {
        Some(test) => (train, test),
        None => {
            let held_out = (train.len() as f64 * HELD_OUT_SHARE).round() as usize;
            train.stratified_split(held_out, seed)
        }
    }
}

/// Share of the training digits held out for testing when no test digits are given.
pub const HELD_OUT_SHARE: f64 = 0.2;

/// Returns the parameter count of each model of the experiment, counted from built models.
pub fn model_catalog() -> Vec<(CnnSpec, usize)> {
    let device = Device::flex();
    MNIST_MODELS
        .into_iter()
        .map(|spec| (spec, Cnn::new(&spec, &mut Rng::new(0), &device).num_params()))
        .collect()
}

/// Counts `matrix[true][predicted]` of a model's test predictions.
pub fn confusion(run: &MnistRun) -> [[u32; CLASSES]; CLASSES] {
    confusion_matrix(&run.test_digits().labels, &run.test_evaluation().predictions)
}

/// Builds the charts of training loss and test accuracy against epoch, one series per model.
pub fn charts(results: &[(&str, Vec<EpochResult>)]) -> (LineChart, LineChart) {
    let series = |value: fn(&EpochResult) -> f64| -> Vec<Series> {
        results
            .iter()
            .map(|(name, epochs)| Series {
                name: name.to_string(),
                points: epochs.iter().map(|r| [r.epoch as f64, value(r)]).collect(),
                reference: false,
            })
            .collect()
    };
    let loss = LineChart {
        title: "MNIST training loss".to_string(),
        x_label: "epoch".to_string(),
        y_label: "cross-entropy".to_string(),
        log_y: true,
        y_limits: None,
        series: series(|r| r.train_loss),
        log_x: false,
        secondary: None,
    };
    let accuracy = LineChart {
        title: "MNIST test accuracy".to_string(),
        x_label: "epoch".to_string(),
        y_label: "accuracy (%)".to_string(),
        log_y: false,
        y_limits: Some([0.0, 100.0]),
        series: series(|r| 100.0 * r.test_accuracy),
        log_x: false,
        secondary: None,
    };
    (loss, accuracy)
}
