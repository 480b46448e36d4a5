//! The largest eigenvalues of a symmetric positive semi-definite operator and their
//! eigenvectors, by the Lanczos method with full reorthogonalization. It needs only products
//! of the operator with vectors, so a PCA never forms the Gram or covariance matrix, and it
//! stops once the few wanted pairs have converged instead of decomposing the whole matrix.

use nalgebra::{DMatrix, SymmetricEigen};

/// A pair is converged when its residual `|A v - θ v|` is below this share of the largest
/// Ritz value.
const TOLERANCE: f64 = 1e-11;
/// The Krylov space is invariant, and the Ritz pairs exact, when the next basis vector before
/// normalization is shorter than this share of the largest diagonal entry so far.
const BREAKDOWN: f64 = 1e-14;

/// The largest eigenvalues of an operator, descending, with their unit eigenvectors.
#[derive(Clone, Debug)]
pub struct Eigenpairs {
    /// The eigenvalues, largest first.
    pub values: Vec<f64>,
    /// The unit eigenvector of each value.
    pub vectors: Vec<Vec<f64>>,
}

/// Returns the `count` largest eigenpairs of the symmetric positive semi-definite operator of
/// dimension `size` whose product with a vector `apply(v, out)` writes into `out`. Fewer come
/// back when the operator's range has fewer directions than `count`.
pub fn largest_eigenpairs(
    size: usize,
    count: usize,
    mut apply: impl FnMut(&[f64], &mut [f64]),
) -> Eigenpairs {
    let mut basis = vec![start_vector(size)];
    let (mut alphas, mut betas) = (Vec::new(), Vec::new());
    let mut product = vec![0.0; size];
    let mut next_check = count.max(1);
    loop {
        // One Lanczos step: A q_j, its diagonal entry, and what is left orthogonal to the basis.
        let current = basis.last().expect("the basis starts with one vector");
        apply(current, &mut product);
        alphas.push(dot(current, &product));
        orthogonalize(&mut product, &basis);
        let beta = dot(&product, &product).sqrt();

        // No diagonal entry exceeds the largest eigenvalue, so this scale is at most that.
        let scale = alphas.iter().copied().fold(0.0, f64::max);
        let last = beta <= BREAKDOWN * scale || scale == 0.0 || basis.len() == size;
        if last || basis.len() >= next_check {
            let ritz = ritz_pairs(&alphas, &betas);
            if last || converged(&ritz, beta, count) {
                return eigenpairs(&ritz, &basis, count);
            }
            // Checking at geometrically spaced steps keeps the small eigen-decompositions
            // cheaper than one of the full matrix, however slowly the pairs converge.
            next_check = (basis.len() + 1).max(basis.len() * 5 / 4);
        }
        betas.push(beta);
        basis.push(product.iter().map(|v| v / beta).collect());
    }
}

/// Returns a fixed pseudo-random unit vector. Results repeat, and no eigenvector is missed the
/// way a structured start such as all ones (the null vector of centred data) would miss it.
fn start_vector(size: usize) -> Vec<f64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut vector: Vec<f64> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
        .collect();
    let length = dot(&vector, &vector).sqrt();
    vector.iter_mut().for_each(|v| *v /= length);
    vector
}

/// Removes from `vector` its part along the orthonormal `basis`, in two passes of classical
/// Gram-Schmidt, which keeps the basis orthogonal to rounding.
fn orthogonalize(vector: &mut [f64], basis: &[Vec<f64>]) {
    for _ in 0..2 {
        for q in basis {
            let along = dot(q, vector);
            vector.iter_mut().zip(q).for_each(|(v, q)| *v -= along * q);
        }
    }
}

/// Decomposes the tridiagonal matrix with diagonal `alphas` and off-diagonal `betas`, whose
/// eigenvalues are the Ritz values.
fn ritz_pairs(alphas: &[f64], betas: &[f64]) -> SymmetricEigen<f64, nalgebra::Dyn> {
    let steps = alphas.len();
    let tridiagonal = DMatrix::from_fn(steps, steps, |i, j| match i.abs_diff(j) {
        0 => alphas[i],
        1 => betas[i.min(j)],
        _ => 0.0,
    });
    SymmetricEigen::new(tridiagonal)
}

/// Returns the Ritz values' indices, largest first.
fn descending(ritz: &SymmetricEigen<f64, nalgebra::Dyn>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ritz.eigenvalues.len()).collect();
    order.sort_by(|&a, &b| ritz.eigenvalues[b].total_cmp(&ritz.eigenvalues[a]));
    order
}

/// Returns whether the `count` largest Ritz pairs have converged. The residual of a pair is
/// `beta` times the last entry of its eigenvector of the tridiagonal matrix.
fn converged(ritz: &SymmetricEigen<f64, nalgebra::Dyn>, beta: f64, count: usize) -> bool {
    let order = descending(ritz);
    let last = ritz.eigenvectors.nrows() - 1;
    let limit = TOLERANCE * ritz.eigenvalues.amax();
    order.len() >= count
        && order[..count].iter().all(|&k| (beta * ritz.eigenvectors[(last, k)]).abs() <= limit)
}

/// Maps the `count` largest Ritz pairs back to the operator's space.
fn eigenpairs(
    ritz: &SymmetricEigen<f64, nalgebra::Dyn>,
    basis: &[Vec<f64>],
    count: usize,
) -> Eigenpairs {
    let size = basis[0].len();
    let mut result = Eigenpairs { values: Vec::new(), vectors: Vec::new() };
    for k in descending(ritz).into_iter().take(count) {
        let mut vector = vec![0.0; size];
        for (q, &weight) in basis.iter().zip(ritz.eigenvectors.column(k).iter()) {
            vector.iter_mut().zip(q).for_each(|(v, q)| *v += weight * q);
        }
        result.values.push(ritz.eigenvalues[k]);
        result.vectors.push(vector);
    }
    result
}

/// Returns the dot product of two vectors of one length, summed in four running sums that the
/// compiler can keep in vector registers.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let (a_blocks, b_blocks) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a_blocks.remainder().iter().zip(b_blocks.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in a_blocks.zip(b_blocks) {
        for lane in 0..4 {
            sums[lane] += a[lane] * b[lane];
        }
    }
    sums.iter().sum::<f64>() + tail
}
