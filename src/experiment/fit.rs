//! Deep vs shallow: three MLPs of about 571 parameters fitted to a 1-D function.

use super::settings::{to_result, FieldError, Reader};
use crate::data::function::{sample_grid, Samples, Target};
use crate::engine::Engine;
use crate::model::mlp::{Mlp, MlpSpec, FIT_MODELS};
use crate::plot::{LineChart, Series};
use crate::rng::{stream_of, Rng};
use crate::train::Regression;
use burn::module::Module;
use burn::prelude::Device;
use serde::Serialize;
use serde_json::Value;

/// The maximum number of epochs of a run.
pub const MAX_EPOCHS: u64 = 1_000_000;
/// The minimum and maximum number of sample points of a run.
pub const POINT_RANGE: [u64; 2] = [2, 1_000_000];
/// The largest absolute domain bound: beyond it the inputs overflow f32 activations.
pub const MAX_DOMAIN_BOUND: f64 = 1e6;
/// The largest seed: seeds travel through JavaScript numbers, exact up to 2^53 - 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// The settings every function-fitting experiment reads, as named in JSON.
pub const TRAINING_FIELDS: [&str; 8] =
    ["function", "domain", "points", "epochs", "batch_size", "learning_rate", "engine", "seed"];
/// Points of the grid on which predictions are drawn and exported.
pub const EVALUATION_POINTS: usize = 512;

/// The settings of a function-fitting run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FitConfig {
    /// The function to fit.
    pub function: Target,
    /// The interval `[low, high]` the samples are drawn from.
    pub domain: [f64; 2],
    /// Number of evenly spaced sample points.
    pub points: usize,
    /// Number of passes over the samples.
    pub epochs: usize,
    /// Samples per optimizer step; 0 means the full batch.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// The burn engine to train on.
    pub engine: Engine,
    /// Seed of the initial weights and of the mini-batch order.
    pub seed: u64,
}

impl FitConfig {
    /// Returns the default settings for `function`, with its default domain.
    pub fn for_function(function: Target) -> Self {
        Self {
            function,
            domain: function.default_domain(),
            points: 1000,
            epochs: 2000,
            batch_size: 0,
            learning_rate: 0.0011,
            engine: Engine::Flex,
            seed: 1,
        }
    }

    /// Reads settings from JSON; absent fields take the defaults of the chosen function.
    /// Every invalid field is reported, each with its own message.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        reader.reject_unknown(&TRAINING_FIELDS);
        let config = Self::read(&mut reader, Self::for_function);
        let check = config.check();
        reader.finish(config, check)
    }

    /// Reads the fields of [`TRAINING_FIELDS`], taking the defaults that `defaults` gives for
    /// the chosen function; other experiments use it with defaults of their own.
    pub fn read(reader: &mut Reader, defaults: impl Fn(Target) -> Self) -> Self {
        let function = reader.choice("function", defaults(Target::Silu).function);
        let default = defaults(function);
        Self {
            function,
            domain: reader.pair("domain", default.domain),
            points: reader.integer("points", default.points as u64, POINT_RANGE) as usize,
            epochs: reader.integer("epochs", default.epochs as u64, [1, MAX_EPOCHS]) as usize,
            batch_size: reader.integer("batch_size", default.batch_size as u64, [0, POINT_RANGE[1]])
                as usize,
            learning_rate: reader.number("learning_rate", default.learning_rate),
            engine: reader.choice("engine", default.engine),
            seed: reader.integer("seed", default.seed, [0, MAX_SEED]),
        }
    }

    /// Checks every setting against its allowed range.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut reject =
            |field: &str, message: String| errors.push(FieldError::new(field, message));

        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            reject(
                "learning_rate",
                format!(
                    "{} is not a positive finite number; enter a rate above 0, such as 0.001",
                    self.learning_rate
                ),
            );
        }
        if !(1..=MAX_EPOCHS).contains(&(self.epochs as u64)) {
            reject(
                "epochs",
                format!("{} is out of range; enter from 1 to {MAX_EPOCHS}", self.epochs),
            );
        }
        let [min_points, max_points] = POINT_RANGE;
        if !(min_points..=max_points).contains(&(self.points as u64)) {
            reject(
                "points",
                format!("{} is out of range; enter from {min_points} to {max_points}", self.points),
            );
        } else if self.batch_size > self.points {
            reject(
                "batch_size",
                format!(
                    "{} exceeds the {} sample points; enter at most {}, or 0 for the full batch",
                    self.batch_size, self.points, self.points
                ),
            );
        }
        if let Some(message) = domain_problem(self.domain) {
            reject("domain", message);
        }
        to_result(errors)
    }

    /// Returns the optimizer steps one model takes in one epoch.
    pub fn steps_per_epoch(&self) -> usize {
        match self.batch_size {
            0 => 1,
            batch => self.points.div_ceil(batch),
        }
    }

    /// Builds the network of `spec` from `rng.fork(0)` and its trainer on the sampled
    /// function, with the mini-batch order drawn from `rng.fork(1)`.
    pub fn trainer(&self, spec: &MlpSpec, rng: &Rng) -> Regression {
        let device = self.engine.autodiff_device();
        let model = Mlp::from_spec(spec, &mut rng.fork(0), &device);
        let samples = Samples::on_grid(self.function, self.domain, self.points);
        Regression::new(model, samples, self.batch_size, self.learning_rate, rng.fork(1), &device)
    }

    /// Returns the x values on which predictions are drawn and exported.
    pub fn evaluation_grid(&self) -> Vec<f64> {
        sample_grid(self.function, self.domain, EVALUATION_POINTS)
    }
}

/// Describes what is wrong with a domain, if anything.
fn domain_problem([low, high]: [f64; 2]) -> Option<String> {
    let shown = format!("[{}, {}]", bound_text(low), bound_text(high));
    if !(low.is_finite() && high.is_finite()) {
        Some(format!("{shown} has a bound that is not a finite number"))
    } else if low == high {
        Some(format!("{shown} is empty; make the upper bound larger than the lower"))
    } else if low > high {
        Some(format!("{shown} is reversed; swap the bounds"))
    } else if low.abs().max(high.abs()) > MAX_DOMAIN_BOUND {
        Some(format!("{shown} is too wide; keep both bounds within ±{MAX_DOMAIN_BOUND}"))
    } else if (high - low) / (POINT_RANGE[1] as f64) < f64::EPSILON * low.abs().max(high.abs()) {
        Some(format!("{shown} is too narrow to hold distinct sample points; widen it"))
    } else {
        None
    }
}

/// Formats a domain bound for a message: plainly, or in exponent form when large or tiny, so
/// that 1e308 does not print as 309 digits.
fn bound_text(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e7 || (magnitude > 0.0 && magnitude < 1e-4) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// The state of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum RunState {
    /// Epochs remain.
    Running,
    /// Every epoch has run.
    Done,
    /// The loss stopped being a finite number in `epoch`; the run ended there.
    Diverged {
        /// The epoch whose loss was NaN or infinite.
        epoch: usize,
    },
}

/// The progress of one call to [`FitRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct FitChunk {
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
    /// Loss of the last finite epoch, if any epoch has run.
    pub loss: Option<f64>,
    /// Lowest epoch loss so far.
    pub best_loss: Option<f64>,
    /// Recorded `[epoch, loss]` points of this chunk, every `record_every` epochs and the last.
    pub series: Vec<(usize, f64)>,
    /// The run's state after this chunk.
    pub status: RunState,
}

/// One model of the experiment being trained.
pub struct FitRun {
    spec: MlpSpec,
    epochs: usize,
    record_every: usize,
    trainer: Regression,
    epoch: usize,
    step: usize,
    loss: Option<f64>,
    best_loss: Option<f64>,
    state: RunState,
    evaluation_x: Vec<f32>,
}

impl FitRun {
    /// Builds the model named by `spec` and its data. Every `record_every` epochs (and at the
    /// last) the loss goes into the chunk's series.
    pub fn new(
        config: &FitConfig,
        spec: MlpSpec,
        record_every: usize,
    ) -> Result<Self, Vec<FieldError>> {
        config.check()?;
        let trainer = config.trainer(&spec, &Rng::new(config.seed).fork(stream_of(spec.name)));
        Ok(Self {
            spec,
            epochs: config.epochs,
            record_every: record_every.max(1),
            trainer,
            epoch: 0,
            step: 0,
            loss: None,
            best_loss: None,
            state: RunState::Running,
            evaluation_x: config.evaluation_grid().iter().map(|&x| x as f32).collect(),
        })
    }

    /// Takes up to `max_steps` more optimizer steps, stopping early at the end of the run or
    /// on divergence. A chunk may end inside an epoch; its loss is reported when it ends.
    pub fn advance(&mut self, max_steps: usize) -> FitChunk {
        let mut series = Vec::new();
        for _ in 0..max_steps {
            if self.state != RunState::Running {
                break;
            }
            self.step += 1;
            let Some(loss) = self.trainer.step() else { continue };
            self.epoch += 1;
            if !loss.is_finite() {
                self.state = RunState::Diverged { epoch: self.epoch };
            } else {
                self.record(loss, &mut series);
                if self.epoch == self.epochs {
                    self.state = RunState::Done;
                }
            }
        }
        self.chunk(series)
    }

    /// Keeps the epoch's loss and adds it to `series` when it is due.
    fn record(&mut self, loss: f64, series: &mut Vec<(usize, f64)>) {
        self.loss = Some(loss);
        self.best_loss = Some(self.best_loss.map_or(loss, |best| best.min(loss)));
        if self.epoch.is_multiple_of(self.record_every)
            || self.epoch == self.epochs
            || self.epoch == 1
        {
            series.push((self.epoch, loss));
        }
    }

    fn chunk(&self, series: Vec<(usize, f64)>) -> FitChunk {
        let steps_per_epoch = self.trainer.steps_per_epoch();
        FitChunk {
            model: self.spec.name,
            epoch: self.epoch,
            epochs: self.epochs,
            step: self.step,
            steps: self.epochs * steps_per_epoch,
            loss: self.loss,
            best_loss: self.best_loss,
            series,
            status: self.state,
        }
    }

    /// Returns the run's state.
    pub fn state(&self) -> RunState {
        self.state
    }

    /// Returns the model's outputs on [`FitConfig::evaluation_grid`].
    pub fn predictions(&self) -> Vec<f32> {
        self.trainer.predict(&self.evaluation_x)
    }

    /// Returns the model's name, widths, parameter count and losses so far.
    pub fn summary(&self) -> ModelSummary {
        ModelSummary {
            name: self.spec.name,
            widths: self.spec.widths,
            parameters: self.trainer.model().num_params(),
            epochs_run: self.epoch,
            final_loss: self.loss,
            best_loss: self.best_loss,
            status: self.state,
        }
    }
}

/// A model's line in the results table and in `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    /// Model name.
    pub name: &'static str,
    /// Layer widths from input to output.
    pub widths: &'static [usize],
    /// Trainable parameters, counted from the built model.
    pub parameters: usize,
    /// Epochs completed.
    pub epochs_run: usize,
    /// Loss of the last finite epoch.
    pub final_loss: Option<f64>,
    /// Lowest epoch loss.
    pub best_loss: Option<f64>,
    /// The run's final or current state.
    pub status: RunState,
}

/// Returns the parameter count of each model of the experiment, counted from built models.
pub fn model_catalog() -> Vec<(MlpSpec, usize)> {
    let device = Device::flex();
    FIT_MODELS
        .into_iter()
        .map(|spec| (spec, Mlp::new(spec.widths, &mut Rng::new(0), &device).num_params()))
        .collect()
}

/// Builds the chart of each model's training loss against epoch, on a log scale.
pub fn loss_chart(function: Target, curves: &[(&str, Vec<[f64; 2]>)]) -> LineChart {
    LineChart {
        title: format!("Training loss, {}", function.formula()),
        x_label: "epoch".to_string(),
        y_label: "MSE loss".to_string(),
        log_y: true,
        y_limits: None,
        series: curves
            .iter()
            .map(|(name, points)| Series {
                name: name.to_string(),
                points: points.clone(),
                reference: false,
            })
            .collect(),
        log_x: false,
        secondary: None,
    }
}

/// Builds the chart of the target and each model's prediction against x.
pub fn prediction_chart(
    function: Target,
    x: &[f64],
    predictions: &[(&str, Vec<f32>)],
) -> LineChart {
    let curve = |values: &mut dyn Iterator<Item = f64>| -> Vec<[f64; 2]> {
        x.iter().zip(values).map(|(&x, y)| [x, y]).collect()
    };
    let mut series = vec![Series {
        name: format!("target {}", function.formula()),
        points: curve(&mut x.iter().map(|&x| function.eval(x))),
        reference: true,
    }];
    series.extend(predictions.iter().map(|(name, values)| Series {
        name: name.to_string(),
        points: curve(&mut values.iter().map(|&y| f64::from(y))),
        reference: false,
    }));
    LineChart {
        title: format!("Fit of {}", function.formula()),
        x_label: "x".to_string(),
        y_label: "y".to_string(),
        log_y: false,
        y_limits: None,
        series,
        log_x: false,
        secondary: None,
    }
}
