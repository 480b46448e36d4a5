//! Principal component analysis from the largest eigenpairs of the centred data's Gram or
//! covariance operator, whichever is smaller.

use super::lanczos::{dot, largest_eigenpairs};
use std::fmt;

/// The leading principal components of a set of vectors.
#[derive(Clone, Debug)]
pub struct Pca {
    /// The mean of the vectors.
    pub mean: Vec<f64>,
    /// Unit principal directions, largest variance first. The sign of each is fixed so that
    /// its largest-magnitude coordinate is positive, which makes results reproducible.
    pub components: Vec<Vec<f64>>,
    /// The variance along each component (sample variance, divided by `n - 1`).
    pub variances: Vec<f64>,
    /// The total variance of the vectors, the sum over all directions.
    pub total_variance: f64,
}

/// The reason a PCA could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PcaError {
    /// Fewer than two vectors were given.
    TooFewRows(usize),
    /// The vectors do not all have the same length.
    RaggedRows {
        /// The length of the first vector.
        expected: usize,
        /// The length of the first vector that differs.
        found: usize,
    },
    /// A coordinate is NaN or infinite.
    NotFinite,
}

impl fmt::Display for PcaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewRows(count) => write!(f, "PCA needs at least 2 vectors, got {count}"),
            Self::RaggedRows { expected, found } => {
                write!(f, "PCA needs vectors of one length: {expected} then {found}")
            }
            Self::NotFinite => write!(f, "PCA got a coordinate that is NaN or infinite"),
        }
    }
}

impl std::error::Error for PcaError {}

impl Pca {
    /// Computes the first `count` principal components of `rows`, fewer when the vectors
    /// vary along fewer directions.
    pub fn fit(rows: &[Vec<f64>], count: usize) -> Result<Self, PcaError> {
        let n = rows.len();
        if n < 2 {
            return Err(PcaError::TooFewRows(n));
        }
        let dimension = rows[0].len();
        if let Some(row) = rows.iter().find(|row| row.len() != dimension) {
            return Err(PcaError::RaggedRows { expected: dimension, found: row.len() });
        }
        if rows.iter().flatten().any(|value| !value.is_finite()) {
            return Err(PcaError::NotFinite);
        }

        let mean: Vec<f64> =
            (0..dimension).map(|j| rows.iter().map(|row| row[j]).sum::<f64>() / n as f64).collect();
        let centred: Vec<Vec<f64>> =
            rows.iter().map(|row| row.iter().zip(&mean).map(|(x, m)| x - m).collect()).collect();
        let scale = (n - 1) as f64;
        let total_variance = centred.iter().map(|row| dot(row, row)).sum::<f64>() / scale;

        // The eigenvectors of the smaller of X Xᵀ and Xᵀ X give the principal directions, and
        // their eigenvalues the variances times n - 1.
        let by_rows = n <= dimension;
        let pairs = if by_rows {
            largest_eigenpairs(n, count, |v, out| gram_product(&centred, v, out))
        } else {
            largest_eigenpairs(dimension, count, |v, out| covariance_product(&centred, v, out))
        };
        let largest = pairs.values.first().copied().unwrap_or(0.0);
        // Directions with no variance beyond rounding are not components.
        let significant = pairs
            .values
            .iter()
            .take_while(|&&value| value > largest * 1e-12 * n.max(dimension) as f64);
        let variances: Vec<f64> = significant.map(|value| value / scale).collect();
        let components = pairs.vectors[..variances.len()]
            .iter()
            .map(|vector| {
                let direction =
                    if by_rows { combine_rows(&centred, vector) } else { vector.clone() };
                let length = dot(&direction, &direction).sqrt();
                oriented(direction.iter().map(|v| v / length))
            })
            .collect();
        Ok(Self { mean, components, variances, total_variance })
    }

    /// Returns the coordinates of `row` along each component.
    pub fn project(&self, row: &[f64]) -> Vec<f64> {
        self.components
            .iter()
            .map(|component| {
                component.iter().zip(row).zip(&self.mean).map(|((c, x), m)| c * (x - m)).sum()
            })
            .collect()
    }

    /// Returns the share of the total variance along each component.
    pub fn explained(&self) -> Vec<f64> {
        self.variances
            .iter()
            .map(
                |variance| {
                    if self.total_variance > 0.0 {
                        variance / self.total_variance
                    } else {
                        0.0
                    }
                },
            )
            .collect()
    }
}

/// Writes `X Xᵀ v` into `out`, for the rows of `X`.
fn gram_product(rows: &[Vec<f64>], v: &[f64], out: &mut [f64]) {
    let combined = combine_rows(rows, v);
    for (out, row) in out.iter_mut().zip(rows) {
        *out = dot(row, &combined);
    }
}

/// Writes `Xᵀ X v` into `out`, for the rows of `X`.
fn covariance_product(rows: &[Vec<f64>], v: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for row in rows {
        let along = dot(row, v);
        out.iter_mut().zip(row).for_each(|(out, x)| *out += along * x);
    }
}

/// Returns `Xᵀ w`, the rows of `X` summed with the weights `w`.
fn combine_rows(rows: &[Vec<f64>], weights: &[f64]) -> Vec<f64> {
    let mut sum = vec![0.0; rows[0].len()];
    for (row, &weight) in rows.iter().zip(weights) {
        sum.iter_mut().zip(row).for_each(|(sum, x)| *sum += weight * x);
    }
    sum
}

/// Collects a direction, flipped if needed so that its largest-magnitude coordinate is
/// positive.
fn oriented(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut direction: Vec<f64> = values.collect();
    let largest = direction.iter().copied().fold(
        0.0,
        |best: f64, v| {
            if v.abs() > best.abs() {
                v
            } else {
                best
            }
        },
    );
    if largest < 0.0 {
        direction.iter_mut().for_each(|v| *v = -*v);
    }
    direction
}
