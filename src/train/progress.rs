//! The progress report shared by the page and the command line, and its rate estimate.

use serde::Serialize;
use std::fmt;

/// One progress report: the fields the page's progress bar shows and the command line prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Experiment name, for example `fit`.
    pub experiment: String,
    /// Model name, for example `deep`.
    pub model: String,
    /// Epochs completed.
    pub epoch: usize,
    /// Epochs in the whole run.
    pub epochs: usize,
    /// Optimizer steps completed.
    pub step: usize,
    /// Optimizer steps in the whole run.
    pub steps: usize,
    /// Training loss of the last epoch.
    pub loss: f64,
    /// Test accuracy in [0, 1], where the experiment measures one.
    pub accuracy: Option<f64>,
    /// Optimizer steps per second since the run started.
    pub steps_per_second: f64,
    /// Estimated seconds until the run ends, if a rate is known yet.
    pub eta_seconds: Option<f64>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:<8} epoch {}/{} step {}/{} loss {:.4e}",
            self.experiment, self.model, self.epoch, self.epochs, self.step, self.steps, self.loss
        )?;
        if let Some(accuracy) = self.accuracy {
            write!(f, " accuracy {:.2}%", accuracy * 100.0)?;
        }
        write!(f, " {:.0} steps/s ETA {}", self.steps_per_second, format_eta(self.eta_seconds))
    }
}

/// Formats a duration in seconds as `1h02m`, `3m05s` or `12s`, or `-` when unknown.
pub fn format_eta(seconds: Option<f64>) -> String {
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "-".to_string();
    };
    let whole = seconds.round() as u64;
    match whole {
        0..=59 => format!("{whole}s"),
        60..=3599 => format!("{}m{:02}s", whole / 60, whole % 60),
        _ => format!("{}h{:02}m", whole / 3600, whole % 3600 / 60),
    }
}

/// Measures steps per second from timestamps the caller supplies, because the clock differs
/// between the browser and native code.
#[derive(Clone, Debug)]
pub struct RateMeter {
    start_seconds: f64,
    total_steps: usize,
}

impl RateMeter {
    /// Starts measuring a run of `total_steps` steps at time `now_seconds`.
    pub fn new(now_seconds: f64, total_steps: usize) -> Self {
        Self { start_seconds: now_seconds, total_steps }
    }

    /// Returns the rate in steps per second and the estimated seconds left, after `done`
    /// steps at time `now_seconds`.
    pub fn measure(&self, done: usize, now_seconds: f64) -> (f64, Option<f64>) {
        let elapsed = now_seconds - self.start_seconds;
        if elapsed <= 0.0 || done == 0 {
            return (0.0, None);
        }
        let rate = done as f64 / elapsed;
        let left = self.total_steps.saturating_sub(done) as f64 / rate;
        (rate, Some(left))
    }
}
