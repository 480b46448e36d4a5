//! The gradient norm during training: the loss and the L2 norm of the gradient over all
//! parameters, recorded at every optimizer step.

use super::fit::{FitConfig, RunState, TRAINING_FIELDS};
use super::settings::{FieldError, Reader};
use crate::data::function::Target;
use crate::model::mlp::{serialize_name, MlpSpec};
use crate::plot::{LineChart, Series};
use crate::rng::{stream_of, Rng};
use crate::train::Regression;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The settings of the gradient-norm experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradNormConfig {
    /// Data, epochs, optimizer, engine and seed, as in the function fits.
    #[serde(flatten)]
    pub training: FitConfig,
    /// The model trained.
    #[serde(serialize_with = "serialize_name")]
    pub model: MlpSpec,
}

impl GradNormConfig {
    /// Returns the default settings: the deep model on sgn-cos, full batch, as in the fits.
    pub fn new() -> Self {
        Self { training: training_defaults(Target::SgnCos), model: default_model() }
    }

    /// Reads settings from JSON; absent fields take the defaults. Every invalid field is
    /// reported, each with its own message.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        let mut known = TRAINING_FIELDS.to_vec();
        known.push("model");
        reader.reject_unknown(&known);
        let training = FitConfig::read(&mut reader, training_defaults);
        let config = Self { training, model: reader.choice("model", default_model()) };
        let check = config.training.check();
        reader.finish(config, check)
    }

    /// Returns the optimizer steps of the whole run.
    pub fn steps(&self) -> usize {
        self.training.epochs * self.training.steps_per_epoch()
    }
}

impl Default for GradNormConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The fit defaults, on sgn-cos unless another function is chosen.
fn training_defaults(function: Target) -> FitConfig {
    let function = if function == Target::Silu { Target::SgnCos } else { function };
    FitConfig::for_function(function)
}

fn default_model() -> MlpSpec {
    MlpSpec::fit_model("deep").expect("deep is one of the fit models")
}

/// One optimizer step's measurements.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step, from 1.
    pub step: usize,
    /// The batch's mean squared error before the step's update.
    pub loss: f64,
    /// The L2 norm of the batch gradient over all parameters.
    pub grad_norm: f64,
}

/// The progress of one call to [`GradNormRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct GradNormChunk {
    /// Optimizer steps completed so far.
    pub step: usize,
    /// Optimizer steps in the whole run.
    pub steps: usize,
    /// Every step of this chunk.
    pub records: Vec<StepRecord>,
    /// The run's state after this chunk.
    pub status: RunState,
}

/// The experiment's training run.
pub struct GradNormRun {
    trainer: Regression,
    steps: usize,
    steps_per_epoch: usize,
    step: usize,
    state: RunState,
}

impl GradNormRun {
    /// Builds the model and its data.
    pub fn new(config: &GradNormConfig) -> Result<Self, Vec<FieldError>> {
        config.training.check()?;
        let training = &config.training;
        let rng = Rng::new(training.seed).fork(stream_of("gradnorm"));
        let trainer = training.trainer(&config.model, &rng).measuring_gradient_norm();
        Ok(Self {
            steps_per_epoch: trainer.steps_per_epoch(),
            trainer,
            steps: config.steps(),
            step: 0,
            state: RunState::Running,
        })
    }

    /// Takes up to `max_steps` more optimizer steps, recording each. Stops early at the end
    /// of the run or when the loss or the norm stops being a finite number.
    pub fn advance(&mut self, max_steps: usize) -> GradNormChunk {
        let mut records = Vec::new();
        for _ in 0..max_steps {
            if self.state != RunState::Running {
                break;
            }
            self.trainer.step();
            self.step += 1;
            let record = StepRecord {
                step: self.step,
                loss: self.trainer.last_loss().unwrap_or(f64::NAN),
                grad_norm: self.trainer.gradient_norm().unwrap_or(f64::NAN),
            };
            records.push(record);
            if !(record.loss.is_finite() && record.grad_norm.is_finite()) {
                self.state = RunState::Diverged { epoch: self.step.div_ceil(self.steps_per_epoch) };
            } else if self.step == self.steps {
                self.state = RunState::Done;
            }
        }
        GradNormChunk { step: self.step, steps: self.steps, records, status: self.state }
    }
}

/// Builds the two charts that share the step axis: the loss above, the gradient norm below,
/// both on log scales.
pub fn charts(function: Target, records: &[StepRecord]) -> [LineChart; 2] {
    let chart =
        |title: String, y_label: &str, name: &str, value: fn(&StepRecord) -> f64| LineChart {
            title,
            x_label: "step".to_string(),
            y_label: y_label.to_string(),
            log_y: true,
            y_limits: None,
            series: vec![Series {
                name: name.to_string(),
                points: records.iter().map(|r| [r.step as f64, value(r)]).collect(),
                reference: false,
            }],
            log_x: false,
            secondary: None,
        };
    [
        chart(format!("Training loss, {}", function.formula()), "MSE loss", "loss", |r| r.loss),
        chart("Gradient norm".to_string(), "‖∇loss‖₂", "‖∇loss‖₂", |r| r.grad_norm),
    ]
}
