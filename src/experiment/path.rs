//! The optimization path seen through PCA. One model trains from several seeds, and its
//! parameters are recorded every few epochs. All recorded vectors of all runs are then
//! projected onto their first two principal components, for the whole model and for the
//! first layer.

use super::fit::{FitConfig, RunState, TRAINING_FIELDS};
use super::settings::{to_result, FieldError, Reader};
use crate::analysis::pca::{Pca, PcaError};
use crate::data::function::Target;
use crate::model::mlp::{serialize_name, MlpSpec};
use crate::plot::{ScatterChart, ScatterSeries};
use crate::rng::{stream_of, Rng};
use crate::train::Regression;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The maximum number of runs of one experiment.
pub const MAX_RUNS: u64 = 64;

/// The settings of the PCA experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathConfig {
    /// Data, epochs, optimizer, engine and seed, as in the function fits.
    #[serde(flatten)]
    pub training: FitConfig,
    /// The model trained in every run.
    #[serde(serialize_with = "serialize_name")]
    pub model: MlpSpec,
    /// Epochs between recorded parameter vectors; the start and the last epoch are always
    /// recorded.
    pub record_every: usize,
    /// Number of runs, each from its own seed.
    pub runs: usize,
}

impl PathConfig {
    /// Returns the default settings: the deep model on `function`, Adam at 0.0005 in batches
    /// of 50, 60 epochs recorded every 3, 8 runs.
    pub fn for_function(function: Target) -> Self {
        Self {
            training: training_defaults(function),
            model: default_model(),
            record_every: 3,
            runs: 8,
        }
    }

    /// Reads settings from JSON; absent fields take the defaults. Every invalid field is
    /// reported, each with its own message.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        let mut known = TRAINING_FIELDS.to_vec();
        known.extend(["model", "record_every", "runs"]);
        reader.reject_unknown(&known);
        let training = FitConfig::read(&mut reader, training_defaults);
        let config = Self {
            training,
            model: reader.choice("model", default_model()),
            record_every: reader.integer("record_every", 3, [1, MAX_EPOCHS_BETWEEN]) as usize,
            runs: reader.integer("runs", 8, [1, MAX_RUNS]) as usize,
        };
        let check = config.check();
        reader.finish(config, check)
    }

    /// Checks every setting against its allowed range.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = self.training.check().err().unwrap_or_default();
        if !(1..=MAX_RUNS).contains(&(self.runs as u64)) {
            errors.push(FieldError::new(
                "runs",
                format!("{} is out of range; enter from 1 to {MAX_RUNS}", self.runs),
            ));
        }
        if !(1..=MAX_EPOCHS_BETWEEN).contains(&(self.record_every as u64)) {
            errors.push(FieldError::new(
                "record_every",
                format!(
                    "{} is out of range; enter from 1 to {MAX_EPOCHS_BETWEEN}",
                    self.record_every
                ),
            ));
        }
        if errors.is_empty() {
            errors.extend(self.records_error());
        }
        to_result(errors)
    }

    /// Returns the error of settings that record more vectors than one projection takes. It
    /// goes to `runs` when fewer runs would do, and to `record_every` when one run alone
    /// records too many.
    fn records_error(&self) -> Option<FieldError> {
        let per_run = self.records_per_run();
        let records = self.runs * per_run;
        if records <= MAX_RECORDS {
            return None;
        }
        let limit = grouped(MAX_RECORDS);
        if per_run > MAX_RECORDS {
            let message = format!(
                "one run records {} vectors, above the {limit} one projection takes; record \
                 less often or train fewer epochs",
                grouped(per_run)
            );
            return Some(FieldError::new("record_every", message));
        }
        let message = format!(
            "{} runs of {per_run} recorded vectors each make {}, above the {limit} one \
             projection takes; enter at most {} runs, or record less often",
            self.runs,
            grouped(records),
            MAX_RECORDS / per_run
        );
        Some(FieldError::new("runs", message))
    }

    /// Returns the lengths of a record's two vectors: every parameter of the model, and the
    /// first layer's weight and bias.
    pub fn record_lengths(&self) -> (usize, usize) {
        let widths = self.model.widths;
        (self.model.parameter_count(), (widths[0] + 1) * widths[1])
    }

    /// Returns the vectors one run records: the start, every `record_every` epochs, and the
    /// last epoch.
    pub fn records_per_run(&self) -> usize {
        let every = self.record_every.max(1);
        let last = usize::from(!self.training.epochs.is_multiple_of(every));
        1 + self.training.epochs / every + last
    }
}

/// Writes a count with commas between groups of three digits, as the page writes counts.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// The maximum number of vectors projected together, which keeps a projection in the page
/// under about a second.
pub const MAX_RECORDS: usize = 1000;

/// The maximum number of epochs between two recorded vectors.
const MAX_EPOCHS_BETWEEN: u64 = 100_000;

fn training_defaults(function: Target) -> FitConfig {
    FitConfig {
        epochs: 60,
        batch_size: 50,
        learning_rate: 0.0005,
        ..FitConfig::for_function(function)
    }
}

fn default_model() -> MlpSpec {
    MlpSpec::fit_model("deep").expect("deep is one of the fit models")
}

/// The parameters of one run at one epoch. Its JSON has the run, the epoch and the loss only,
/// because the parameters reach the page as numbers, not as text.
#[derive(Clone, Debug, Serialize)]
pub struct PathRecord {
    /// The run, from 0.
    pub run: usize,
    /// Epochs trained when recorded; 0 is the initial model.
    pub epoch: usize,
    /// Mean squared error over all samples at these parameters.
    pub loss: f64,
    /// Every parameter, in the order of [`Mlp::flat_parameters`].
    #[serde(skip)]
    pub whole: Vec<f32>,
    /// The first layer's weight and bias.
    #[serde(skip)]
    pub first_layer: Vec<f32>,
}

/// The progress of one call to [`PathRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct PathChunk {
    /// The run, from 0.
    pub run: usize,
    /// Epochs completed so far.
    pub epoch: usize,
    /// Epochs in the whole run.
    pub epochs: usize,
    /// Optimizer steps completed so far.
    pub step: usize,
    /// Optimizer steps in the whole run.
    pub steps: usize,
    /// Loss of the last recorded point, if any.
    pub loss: Option<f64>,
    /// Parameters recorded in this chunk.
    pub records: Vec<PathRecord>,
    /// The run's state after this chunk.
    pub status: RunState,
}

/// One run of the experiment being trained.
pub struct PathRun {
    run: usize,
    epochs: usize,
    record_every: usize,
    trainer: Regression,
    epoch: usize,
    step: usize,
    loss: Option<f64>,
    state: RunState,
    started: bool,
}

impl PathRun {
    /// Builds run `run` (from 0) of the experiment: its model, drawn from its own seed, and
    /// its data.
    pub fn new(config: &PathConfig, run: usize) -> Result<Self, Vec<FieldError>> {
        config.check()?;
        let training = &config.training;
        if run >= config.runs {
            let message =
                format!("run {run} does not exist; runs are numbered 0 to {}", config.runs - 1);
            return Err(vec![FieldError::new("runs", message)]);
        }
        let rng = Rng::new(training.seed).fork(stream_of("path")).fork(run as u64);
        let trainer = training.trainer(&config.model, &rng);
        Ok(Self {
            run,
            epochs: training.epochs,
            record_every: config.record_every,
            trainer,
            epoch: 0,
            step: 0,
            loss: None,
            state: RunState::Running,
            started: false,
        })
    }

    /// Takes up to `max_steps` more optimizer steps, recording the parameters at the start
    /// and at every recorded epoch. Stops early at the end of the run or on divergence.
    pub fn advance(&mut self, max_steps: usize) -> PathChunk {
        let mut records = Vec::new();
        if !self.started {
            self.started = true;
            records.push(self.record());
        }
        for _ in 0..max_steps {
            if self.state != RunState::Running {
                break;
            }
            self.step += 1;
            let Some(epoch_loss) = self.trainer.step() else { continue };
            self.epoch += 1;
            if !epoch_loss.is_finite() {
                self.state = RunState::Diverged { epoch: self.epoch };
                break;
            }
            if self.epoch == self.epochs {
                self.state = RunState::Done;
            }
            if self.epoch.is_multiple_of(self.record_every) || self.epoch == self.epochs {
                records.push(self.record());
            }
        }
        PathChunk {
            run: self.run,
            epoch: self.epoch,
            epochs: self.epochs,
            step: self.step,
            steps: self.epochs * self.trainer.steps_per_epoch(),
            loss: self.loss,
            records,
            status: self.state,
        }
    }

    /// Records the current parameters and their loss.
    fn record(&mut self) -> PathRecord {
        let loss = self.trainer.loss();
        self.loss = Some(loss);
        let model = self.trainer.model();
        PathRecord {
            run: self.run,
            epoch: self.epoch,
            loss,
            whole: model.flat_parameters(),
            first_layer: model.layer_parameters(0),
        }
    }
}

/// One recorded vector placed on the first two principal components.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectedPoint {
    /// The run, from 0.
    pub run: usize,
    /// The epoch it was recorded at.
    pub epoch: usize,
    /// Its loss.
    pub loss: f64,
    /// Coordinates along the first and second component.
    pub pc: [f64; 2],
}

/// All recorded vectors of one kind projected together.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Projection {
    /// Share of the total variance along the first two components.
    pub explained: [f64; 2],
    /// The points, in the order of the records.
    pub points: Vec<ProjectedPoint>,
}

/// The projections of the whole model and of the first layer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PathProjection {
    /// PCA of the whole parameter vectors.
    pub whole: Projection,
    /// PCA of the first layer's parameters.
    pub first_layer: Projection,
}

/// Projects all `records` of all runs together, once for the whole model and once for the
/// first layer. Needs at least two records.
pub fn project_paths(records: &[PathRecord]) -> Result<PathProjection, PcaError> {
    Ok(PathProjection {
        whole: project(records, |record| &record.whole)?,
        first_layer: project(records, |record| &record.first_layer)?,
    })
}

fn project(
    records: &[PathRecord],
    vector: impl Fn(&PathRecord) -> &[f32],
) -> Result<Projection, PcaError> {
    let rows: Vec<Vec<f64>> = records
        .iter()
        .map(|record| vector(record).iter().map(|&v| f64::from(v)).collect())
        .collect();
    let pca = Pca::fit(&rows, 2)?;
    let explained = pca.explained();
    let share = |k: usize| explained.get(k).copied().unwrap_or(0.0);
    let points = records
        .iter()
        .zip(&rows)
        .map(|(record, row)| {
            let coordinates = pca.project(row);
            let pc = |k: usize| coordinates.get(k).copied().unwrap_or(0.0);
            ProjectedPoint {
                run: record.run,
                epoch: record.epoch,
                loss: record.loss,
                pc: [pc(0), pc(1)],
            }
        })
        .collect();
    Ok(Projection { explained: [share(0), share(1)], points })
}

/// Builds the scatter chart of one projection, one series per run joined in time order.
pub fn projection_chart(title: &str, projection: &Projection) -> ScatterChart {
    let runs = projection.points.iter().map(|p| p.run + 1).max().unwrap_or(0);
    let series = (0..runs)
        .map(|run| ScatterSeries {
            name: format!("run {}", run + 1),
            points: projection.points.iter().filter(|p| p.run == run).map(|p| p.pc).collect(),
            joined: true,
        })
        .collect();
    let percent = |k: usize| 100.0 * projection.explained[k];
    ScatterChart {
        title: title.to_string(),
        x_label: format!("PC 1 ({:.1}% of variance)", percent(0)),
        y_label: format!("PC 2 ({:.1}% of variance)", percent(1)),
        log_x: false,
        log_y: false,
        series,
    }
}
