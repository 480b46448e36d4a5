//! The search for a point where the gradient vanishes, by minimising the squared gradient
//! norm.
//!
//! `|g(θ)|²` is a sum of squares whose Jacobian is the Hessian `H`, so each step is a
//! Levenberg-Marquardt step `δ = -(H² + μI)⁻¹ H g`. The damping `μ` shrinks after a step that
//! lowers the norm and grows until one does, and steps longer than [`MAX_STEP_LENGTH`] are
//! rejected like steps that do not help.

use super::SquaredError;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// How far the damping may grow, relative to the mean diagonal of `H²`, before the search
/// gives up: at that point its steps are too short to change the norm.
const MAX_RELATIVE_DAMPING: f64 = 1e12;

/// The maximum step length, in the Euclidean norm of the parameters. In trials without it,
/// steps along directions of almost no curvature jumped into regions where tanh units
/// saturate and the gradient vanishes trivially, instead of to a critical point near where
/// training ended.
const MAX_STEP_LENGTH: f64 = 1.0;

/// The state of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchState {
    /// The norm is still above the threshold and steps remain.
    Searching,
    /// The gradient norm fell below the threshold.
    Reached,
    /// No step lowers the norm any more (the search sits in a local minimum of the norm that
    /// is not a critical point, or on a kink of the activation).
    Stalled,
    /// The step limit was used up before the norm fell below the threshold.
    OutOfSteps,
}

/// A search for a critical point of the loss.
pub struct CriticalSearch {
    problem: SquaredError,
    theta: Vec<f64>,
    loss: f64,
    gradient: DVector<f64>,
    damping: Option<f64>,
    threshold: f64,
    max_steps: usize,
    steps: usize,
    state: SearchState,
}

impl CriticalSearch {
    /// Starts at `theta`, to stop when the gradient norm is below `threshold` or after
    /// `max_steps` steps.
    pub fn new(problem: SquaredError, theta: Vec<f64>, threshold: f64, max_steps: usize) -> Self {
        let (loss, gradient) = problem.gradient(&theta);
        let mut search = Self {
            problem,
            theta,
            loss,
            gradient,
            damping: None,
            threshold,
            max_steps,
            steps: 0,
            state: SearchState::Searching,
        };
        search.settle();
        search
    }

    /// Takes one step unless the search has ended, and returns the state after it.
    pub fn step(&mut self) -> SearchState {
        if self.state != SearchState::Searching {
            return self.state;
        }
        self.steps += 1;
        let hessian = self.problem.hessian(&self.theta);
        // Half the gradient of |g|²: the Hessian-vector product H g.
        let descent = self.problem.hessian_vector(&self.theta, self.gradient.as_slice());
        let normal = &hessian * &hessian;
        let scale = (normal.trace() / normal.nrows() as f64).max(f64::MIN_POSITIVE);
        let mut damping = self.damping.unwrap_or(1e-3 * scale);
        let norm = self.gradient_norm();
        while damping <= MAX_RELATIVE_DAMPING * scale {
            if let Some(step) = damped_step(&normal, &descent, damping) {
                let candidate: Vec<f64> =
                    self.theta.iter().zip(step.iter()).map(|(t, s)| t - s).collect();
                let (loss, gradient) = self.problem.gradient(&candidate);
                if gradient.norm() < norm {
                    self.theta = candidate;
                    self.loss = loss;
                    self.gradient = gradient;
                    self.damping = Some(damping / 3.0);
                    self.settle();
                    return self.state;
                }
            }
            damping *= 4.0;
        }
        self.state = SearchState::Stalled;
        self.state
    }

    /// Ends the search if the norm is below the threshold or no steps remain.
    fn settle(&mut self) {
        if self.gradient_norm() < self.threshold {
            self.state = SearchState::Reached;
        } else if self.steps >= self.max_steps {
            self.state = SearchState::OutOfSteps;
        }
    }

    /// Returns the search's state.
    pub fn state(&self) -> SearchState {
        self.state
    }

    /// Returns the steps taken.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Returns the loss at the current point.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// Returns the gradient norm at the current point.
    pub fn gradient_norm(&self) -> f64 {
        self.gradient.norm()
    }

    /// Returns the current parameters.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// Returns the loss being searched.
    pub fn problem(&self) -> &SquaredError {
        &self.problem
    }
}

/// Solves `(H² + μI) δ = H g` for the step, or returns `None` when the solution is longer than
/// [`MAX_STEP_LENGTH`] or the system is not positive definite in floating point.
fn damped_step(
    normal: &DMatrix<f64>,
    descent: &DVector<f64>,
    damping: f64,
) -> Option<DVector<f64>> {
    let mut system = normal.clone();
    system.iter_mut().step_by(normal.nrows() + 1).for_each(|diagonal| *diagonal += damping);
    let step = system.cholesky()?.solve(descent);
    (step.norm() <= MAX_STEP_LENGTH).then_some(step)
}
