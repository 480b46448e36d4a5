//! One-dimensional target functions and the evenly spaced grids they are sampled on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A target function f: R -> R for the function-fitting experiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// f(x) = x * sigmoid(x), smooth.
    Silu,
    /// f(x) = sgn(cos(10 x) / x), a step function undefined at x = 0.
    SgnCos,
}

impl Target {
    /// Every target, in the order the page lists them.
    pub const ALL: [Target; 2] = [Target::Silu, Target::SgnCos];

    /// Returns the target's name as used on the command line, in URLs and in files.
    pub fn name(self) -> &'static str {
        match self {
            Target::Silu => "silu",
            Target::SgnCos => "sgn-cos",
        }
    }

    /// Returns the formula in plain text, for labels.
    pub fn formula(self) -> &'static str {
        match self {
            Target::Silu => "x * sigmoid(x)",
            Target::SgnCos => "sgn(cos(10x) / x)",
        }
    }

    /// Returns the domain the target is fitted on unless the user picks another.
    pub fn default_domain(self) -> [f64; 2] {
        match self {
            Target::Silu => [-6.0, 6.0],
            Target::SgnCos => [-1.0, 1.0],
        }
    }

    /// Evaluates the target at `x`. `sgn-cos` at exactly 0 returns NaN.
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Target::Silu => x / (1.0 + (-x).exp()),
            Target::SgnCos if x == 0.0 => f64::NAN,
            Target::SgnCos => sign((10.0 * x).cos() / x),
        }
    }

    /// Returns whether the target is undefined at `x`, or so close to it that the sample
    /// would only show rounding noise. `spacing` is the grid spacing.
    fn is_singular_near(self, x: f64, spacing: f64) -> bool {
        self == Target::SgnCos && x.abs() < 1e-6 * spacing
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|target| target.name() == name)
            .ok_or_else(|| format!("unknown function '{name}'; expected silu or sgn-cos"))
    }
}

/// The sign of `value` as -1, 0 or 1.
fn sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Returns `count` evenly spaced points inside `[low, high]` at which `target` is defined.
///
/// The points are the centres of `count` equal cells. Where a centre would fall on the
/// target's singularity (x = 0 for `sgn-cos`, as with an odd count on a symmetric domain),
/// the right edges of the cells are used instead: still evenly spaced and inside the domain,
/// and half a cell away from the singularity. Requires `count >= 1` and `low < high`.
pub fn sample_grid(target: Target, [low, high]: [f64; 2], count: usize) -> Vec<f64> {
    let spacing = (high - low) / count as f64;
    let grid_at = |offset: f64| -> Vec<f64> {
        (0..count).map(|i| low + (i as f64 + offset) * spacing).collect()
    };

    let centres = grid_at(0.5);
    if centres.iter().any(|&x| target.is_singular_near(x, spacing)) {
        grid_at(1.0)
    } else {
        centres
    }
}

/// A set of (x, f(x)) samples, in f32 as the models consume them.
#[derive(Clone, Debug)]
pub struct Samples {
    /// Inputs, in grid order.
    pub x: Vec<f32>,
    /// Target values at `x`.
    pub y: Vec<f32>,
}

impl Samples {
    /// Samples `target` on [`sample_grid`].
    pub fn on_grid(target: Target, domain: [f64; 2], count: usize) -> Self {
        let grid = sample_grid(target, domain, count);
        Self {
            y: grid.iter().map(|&x| target.eval(x) as f32).collect(),
            x: grid.iter().map(|&x| x as f32).collect(),
        }
    }

    /// Returns the number of samples.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Returns whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}
