//! The minimal-ratio experiment: the curvature where the gradient is almost zero. Each run trains a small MLP on the loss,
//! then moves it to where the gradient norm is below a threshold. There the eigenvalues of
//! the full Hessian give the minimal ratio, the fraction of them above zero.

use super::fit::{FitConfig, RunState, TRAINING_FIELDS};
use super::path::MAX_RUNS;
use super::settings::{to_result, FieldError, Reader};
use crate::analysis::{CriticalSearch, SearchState, Spectrum, SquaredError};
use crate::data::function::Target;
use crate::model::mlp::{Activation, MlpSpec};
use crate::plot::{Histogram, HistogramGroup, ScatterChart, ScatterSeries};
use crate::rng::{stream_of, Rng};
use crate::train::Regression;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The model of every run: small enough that its full Hessian takes milliseconds, and smooth
/// (tanh), so that the gradient is continuous and its norm can really fall to zero.
pub const MINRATIO_MODEL: MlpSpec =
    MlpSpec { name: "small", widths: &[1, 8, 8, 1], activation: Activation::Tanh };

/// The maximum number of search steps of a run.
pub const MAX_SEARCH_STEPS: u64 = 100_000;

/// The work of one search step counted in training steps, so that one budget of steps makes
/// chunks of similar length in both phases.
const SEARCH_STEP_COST: usize = 40;

/// The settings of the minimal-ratio experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MinRatioConfig {
    /// Data, training epochs, optimizer, engine and seed, as in the function fits.
    #[serde(flatten)]
    pub training: FitConfig,
    /// Number of runs, each from its own seed.
    pub runs: usize,
    /// The gradient norm below which a run counts as having reached a critical point.
    pub threshold: f64,
    /// The maximum number of steps of the search for that point.
    pub search_steps: usize,
}

impl MinRatioConfig {
    /// Returns the default settings: 100 runs on sgn-cos, 100 points, 400 full-batch epochs
    /// of Adam at 0.01, then up to 500 search steps to a gradient norm below 1e-3.
    pub fn new() -> Self {
        Self {
            training: training_defaults(Target::SgnCos),
            runs: 100,
            threshold: 1e-3,
            search_steps: 500,
        }
    }

    /// Reads settings from JSON; absent fields take the defaults. Every invalid field is
    /// reported, each with its own message.
    pub fn from_json(value: &Value) -> Result<Self, Vec<FieldError>> {
        let mut reader = Reader::new(value)?;
        let mut known = TRAINING_FIELDS.to_vec();
        known.extend(["runs", "threshold", "search_steps"]);
        reader.reject_unknown(&known);
        let default = Self::new();
        let config = Self {
            training: FitConfig::read(&mut reader, training_defaults),
            runs: reader.integer("runs", default.runs as u64, [1, MAX_RUNS * 16]) as usize,
            threshold: reader.number("threshold", default.threshold),
            search_steps: reader.integer(
                "search_steps",
                default.search_steps as u64,
                [1, MAX_SEARCH_STEPS],
            ) as usize,
        };
        let check = config.check();
        reader.finish(config, check)
    }

    /// Checks every setting against its allowed range.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = self.training.check().err().unwrap_or_default();
        if !(1..=MAX_RUNS * 16).contains(&(self.runs as u64)) {
            let message =
                format!("{} is out of range; enter from 1 to {}", self.runs, MAX_RUNS * 16);
            errors.push(FieldError::new("runs", message));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            let message = format!("{} is not a positive finite number; try 1e-3", self.threshold);
            errors.push(FieldError::new("threshold", message));
        }
        if !(1..=MAX_SEARCH_STEPS).contains(&(self.search_steps as u64)) {
            let message = format!(
                "{} is out of range; enter from 1 to {MAX_SEARCH_STEPS}",
                self.search_steps
            );
            errors.push(FieldError::new("search_steps", message));
        }
        to_result(errors)
    }
}

impl Default for MinRatioConfig {
    fn default() -> Self {
        Self::new()
    }
}

fn training_defaults(function: Target) -> FitConfig {
    let function = if function == Target::Silu { Target::SgnCos } else { function };
    FitConfig { points: 100, epochs: 400, learning_rate: 0.01, ..FitConfig::for_function(function) }
}

/// Which part of its work a run is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Adam on the loss, with burn.
    Training,
    /// Levenberg-Marquardt on the squared gradient norm, in f64.
    Searching,
    /// The spectrum is computed, or training diverged.
    Finished,
}

/// The outcome of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MinRatioResult {
    /// The run, from 0.
    pub run: usize,
    /// The loss where the search ended.
    pub loss: f64,
    /// The gradient norm where the search ended.
    pub grad_norm: f64,
    /// Whether the norm fell below the threshold.
    pub reached: bool,
    /// The state the search ended in.
    pub search: SearchState,
    /// Search steps taken.
    pub search_steps: usize,
    /// Fraction of the Hessian's eigenvalues above zero.
    pub minimal_ratio: f64,
    /// The Hessian's eigenvalues, counted by sign.
    pub spectrum: Spectrum,
}

/// The progress of one call to [`MinRatioRun::advance`].
#[derive(Clone, Debug, Serialize)]
pub struct MinRatioChunk {
    /// The run, from 0.
    pub run: usize,
    /// The phase after this chunk.
    pub phase: Phase,
    /// Training epochs completed.
    pub epoch: usize,
    /// Training epochs in all.
    pub epochs: usize,
    /// Search steps taken.
    pub search_step: usize,
    /// The maximum number of search steps.
    pub search_steps: usize,
    /// The current loss, once known.
    pub loss: Option<f64>,
    /// The current gradient norm, once searching.
    pub grad_norm: Option<f64>,
    /// The outcome, once the run has finished.
    pub result: Option<MinRatioResult>,
    /// Whether training went on to the end or diverged.
    pub status: RunState,
}

/// One run of the experiment.
pub struct MinRatioRun {
    run: usize,
    threshold: f64,
    search_steps: usize,
    epochs: usize,
    epoch: usize,
    trainer: Regression,
    search: Option<CriticalSearch>,
    result: Option<MinRatioResult>,
    loss: Option<f64>,
    state: RunState,
}

impl MinRatioRun {
    /// Builds run `run` (from 0): its model, drawn from its own seed, and its data.
    pub fn new(config: &MinRatioConfig, run: usize) -> Result<Self, Vec<FieldError>> {
        config.check()?;
        if run >= config.runs {
            let message =
                format!("run {run} does not exist; runs are numbered 0 to {}", config.runs - 1);
            return Err(vec![FieldError::new("runs", message)]);
        }
        let training = &config.training;
        let rng = Rng::new(training.seed).fork(stream_of("minratio")).fork(run as u64);
        let trainer = training.trainer(&MINRATIO_MODEL, &rng);
        Ok(Self {
            run,
            threshold: config.threshold,
            search_steps: config.search_steps,
            epochs: training.epochs,
            epoch: 0,
            trainer,
            search: None,
            result: None,
            loss: None,
            state: RunState::Running,
        })
    }

    /// Returns the phase the run is in.
    pub fn phase(&self) -> Phase {
        match (&self.search, &self.result, self.state) {
            (_, Some(_), _) | (_, _, RunState::Diverged { .. }) => Phase::Finished,
            (Some(_), None, _) => Phase::Searching,
            (None, None, _) => Phase::Training,
        }
    }

    /// Does up to `budget` training steps' worth of work: training steps, or search steps
    /// that each count as several, then the spectrum at the end.
    pub fn advance(&mut self, budget: usize) -> MinRatioChunk {
        let mut left = budget.max(1);
        while left > 0 && self.phase() == Phase::Training {
            left -= 1;
            self.train_step();
        }
        while left > 0 && self.phase() == Phase::Searching {
            left = left.saturating_sub(SEARCH_STEP_COST);
            self.search_step();
        }
        self.chunk()
    }

    fn train_step(&mut self) {
        let Some(loss) = self.trainer.step() else { return };
        self.epoch += 1;
        self.loss = Some(loss);
        if !loss.is_finite() {
            self.state = RunState::Diverged { epoch: self.epoch };
        } else if self.epoch == self.epochs {
            self.state = RunState::Done;
            let samples = self.trainer.samples();
            let problem = SquaredError::on_samples(&MINRATIO_MODEL, &samples.x, &samples.y);
            let theta = self.trainer.model().flat_parameters().into_iter().map(f64::from).collect();
            self.search =
                Some(CriticalSearch::new(problem, theta, self.threshold, self.search_steps));
        }
    }

    fn search_step(&mut self) {
        let search = self.search.as_mut().expect("searching needs a search");
        if search.step() == SearchState::Searching {
            return;
        }
        let hessian = search.problem().hessian(search.theta());
        let spectrum = Spectrum::of(&hessian);
        self.result = Some(MinRatioResult {
            run: self.run,
            loss: search.loss(),
            grad_norm: search.gradient_norm(),
            reached: search.state() == SearchState::Reached,
            search: search.state(),
            search_steps: search.steps(),
            minimal_ratio: spectrum.minimal_ratio(),
            spectrum,
        });
    }

    fn chunk(&self) -> MinRatioChunk {
        let search = self.search.as_ref();
        MinRatioChunk {
            run: self.run,
            phase: self.phase(),
            epoch: self.epoch,
            epochs: self.epochs,
            search_step: search.map_or(0, CriticalSearch::steps),
            search_steps: self.search_steps,
            loss: search.map(CriticalSearch::loss).or(self.loss),
            grad_norm: search.map(CriticalSearch::gradient_norm),
            result: self.result.clone(),
            status: self.state,
        }
    }
}

/// Builds the scatter of minimal ratio against loss, one point per run, with runs whose
/// norm stayed above the threshold as a series of their own.
pub fn ratio_chart(function: Target, results: &[MinRatioResult]) -> ScatterChart {
    let series = |name: &str, reached: bool| ScatterSeries {
        name: name.to_string(),
        points: results
            .iter()
            .filter(|r| r.reached == reached)
            .map(|r| [r.minimal_ratio, r.loss])
            .collect(),
        joined: false,
    };
    ScatterChart {
        title: format!("Minimal ratio at critical points, {}", function.formula()),
        x_label: "minimal ratio (share of eigenvalues > 0)".to_string(),
        y_label: "MSE loss".to_string(),
        log_x: false,
        log_y: true,
        series: vec![series("norm reached", true), series("norm above", false)],
    }
}

/// Builds the histogram of one run's eigenvalues by magnitude, positive and negative apart.
pub fn spectrum_histogram(result: &MinRatioResult) -> Histogram {
    let spectrum = &result.spectrum;
    let group = |name: String, sign: f64| HistogramGroup {
        name,
        values: spectrum
            .eigenvalues
            .iter()
            .filter(|&&v| v * sign > spectrum.tolerance)
            .map(|v| v.abs())
            .collect(),
    };
    Histogram {
        title: format!(
            "Hessian eigenvalues, run {} ({} in the zero band)",
            result.run + 1,
            spectrum.zero
        ),
        x_label: "|eigenvalue|".to_string(),
        y_label: "count".to_string(),
        log_x: true,
        bins: 24,
        groups: vec![
            group(format!("{} positive", spectrum.positive), 1.0),
            group(format!("{} negative", spectrum.negative), -1.0),
        ],
    }
}
