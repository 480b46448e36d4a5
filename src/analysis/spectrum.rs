//! Eigenvalues of a symmetric matrix and the minimal ratio.

use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};

/// The eigenvalues of a symmetric matrix, counted by sign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Spectrum {
    /// Eigenvalues in increasing order.
    pub eigenvalues: Vec<f64>,
    /// Eigenvalues above the zero band.
    pub positive: usize,
    /// Eigenvalues below the zero band.
    pub negative: usize,
    /// Eigenvalues within the zero band.
    pub zero: usize,
    /// Half-width of the zero band: the matrix size times the machine epsilon times the
    /// largest magnitude, the usual bound on the rounding error of computed eigenvalues.
    /// Eigenvalues that are zero in exact arithmetic, such as those of saturated tanh units or
    /// of symmetries, come out of the solver as noise inside this band.
    pub tolerance: f64,
}

impl Spectrum {
    /// Computes the eigenvalues of the symmetric part of `matrix` with nalgebra's symmetric
    /// eigen-solver.
    ///
    /// # Panics
    /// If `matrix` is not square.
    pub fn of(matrix: &DMatrix<f64>) -> Self {
        assert!(matrix.is_square(), "eigenvalues need a square matrix");
        let symmetric = (matrix + matrix.transpose()) * 0.5;
        let mut eigenvalues: Vec<f64> =
            SymmetricEigen::new(symmetric).eigenvalues.iter().copied().collect();
        eigenvalues.sort_by(f64::total_cmp);
        let largest = eigenvalues.iter().fold(0.0f64, |best, v| best.max(v.abs()));
        let tolerance = eigenvalues.len() as f64 * f64::EPSILON * largest;
        let positive = eigenvalues.iter().filter(|&&v| v > tolerance).count();
        let negative = eigenvalues.iter().filter(|&&v| v < -tolerance).count();
        let zero = eigenvalues.len() - positive - negative;
        Self { eigenvalues, positive, negative, zero, tolerance }
    }

    /// Returns the minimal ratio: the fraction of eigenvalues greater than zero, that is,
    /// above the zero band.
    pub fn minimal_ratio(&self) -> f64 {
        if self.eigenvalues.is_empty() {
            return 0.0;
        }
        self.positive as f64 / self.eigenvalues.len() as f64
    }
}
