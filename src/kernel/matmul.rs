//! The matrix products of the convolutions' backward pass, on row-major slices, in register
//! blocks of four-lane vectors.
//!
//! Both read their operands in place: the matrices are small and already laid out along the
//! vector direction, so packing them first, as a general matrix library does, costs more than
//! it saves.

use super::lanes::{self, F4};

/// Rows of a full output block.
const ROWS: usize = 4;

/// Writes `a × x` into `y`: `a` is `[m, k]`, `x` is `[k, n]`, `y` is `[m, n]`.
pub fn multiply(y: &mut [f32], a: &[f32], x: &[f32], dims: (usize, usize, usize)) {
    product::<false>(y, a, x, dims);
}

/// Adds `a × x` to `y`, with the shapes of [`multiply`].
pub fn multiply_add(y: &mut [f32], a: &[f32], x: &[f32], dims: (usize, usize, usize)) {
    product::<true>(y, a, x, dims);
}

/// Adds `a × x` to `y` when `ADD` is set, else writes it.
fn product<const ADD: bool>(y: &mut [f32], a: &[f32], x: &[f32], (m, k, n): (usize, usize, usize)) {
    assert!(y.len() >= m * n, "y too short");
    assert!(a.len() >= m * k, "a too short");
    assert!(x.len() >= k * n, "x too short");
    let mut i = 0;
    while i + ROWS <= m {
        row_band::<ROWS, ADD>(y, a, x, i, (k, n));
        i += ROWS;
    }
    for i in i..m {
        row_band::<1, ADD>(y, a, x, i, (k, n));
    }
}

/// Computes rows `i..i + R` of `a × x` into `y`: eight columns at a time, then four, then one.
#[inline(always)]
fn row_band<const R: usize, const ADD: bool>(
    y: &mut [f32],
    a: &[f32],
    x: &[f32],
    i: usize,
    (k, n): (usize, usize),
) {
    let mut j = 0;
    while j + 8 <= n {
        block::<R, 2, ADD>(y, a, x, (i, j), (k, n));
        j += 8;
    }
    if j + 4 <= n {
        block::<R, 1, ADD>(y, a, x, (i, j), (k, n));
        j += 4;
    }
    for row in i..i + R {
        for j in j..n {
            let dot: f32 = (0..k).map(|r| a[row * k + r] * x[r * n + j]).sum();
            let start = if ADD { y[row * n + j] } else { 0.0 };
            y[row * n + j] = start + dot;
        }
    }
}

/// Computes the block of `R` rows from `i` and `4 V` columns from `j` of `a × x` into `y`,
/// keeping its `R V` accumulators in vector registers.
#[inline(always)]
fn block<const R: usize, const V: usize, const ADD: bool>(
    y: &mut [f32],
    a: &[f32],
    x: &[f32],
    (i, j): (usize, usize),
    (k, n): (usize, usize),
) {
    assert!(k > 0, "a block needs a row of a");
    assert!((i + R) * k <= a.len(), "the block's rows should lie inside a");
    assert!((k - 1) * n + j + 4 * V <= x.len(), "the block's columns should lie inside x");
    let mut acc = [[lanes::zero(); V]; R];
    for r in 0..k {
        // SAFETY: the asserts keep the last vector read, at (k - 1) n + j + 4 (V - 1), in `x`,
        // and the last weight, at (i + R - 1) k + k - 1, in `a`.
        unsafe {
            let x_row: [F4; V] = std::array::from_fn(|v| lanes::load(x, r * n + j + 4 * v));
            for (row, sums) in acc.iter_mut().enumerate() {
                let weight = lanes::splat(*a.get_unchecked((i + row) * k + r));
                for (sum, &value) in sums.iter_mut().zip(&x_row) {
                    *sum = lanes::mul_add(*sum, weight, value);
                }
            }
        }
    }
    for (row, sums) in acc.iter().enumerate() {
        for (v, &sum) in sums.iter().enumerate() {
            let at = (i + row) * n + j + 4 * v;
            assert!(at + 4 <= y.len(), "the block should lie inside y");
            // SAFETY: checked just above.
            unsafe {
                let sum = if ADD { lanes::add(sum, lanes::load(y, at)) } else { sum };
                lanes::store(y, at, sum);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values in [-1, 1) from a fixed linear congruential sequence.
    fn values(count: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        };
        (0..count).map(|_| next()).collect()
    }

    #[test]
    fn products_match_the_definition() {
        // Sizes around the block edges, and the shapes of the benchmark CNN's input gradient
        // and weight gradients.
        let sizes = [
            (1, 1, 1),
            (3, 5, 7),
            (4, 25, 12),
            (6, 9, 13),
            (200, 16, 64),
            (25, 576, 8),
            (200, 64, 16),
        ];
        for (m, k, n) in sizes {
            let (a, x, start) = (values(m * k, 1), values(k * n, 2), values(m * n, 3));
            let (mut added, mut written) = (start.clone(), start.clone());
            multiply_add(&mut added, &a, &x, (m, k, n));
            multiply(&mut written, &a, &x, (m, k, n));
            for (index, (value, written)) in added.iter().zip(&written).enumerate() {
                let (i, j) = (index / n, index % n);
                let dot: f32 = (0..k).map(|r| a[i * k + r] * x[r * n + j]).sum();
                // Both sums round k products of values below 1 in a different order.
                let tolerance = 1e-6 * k as f32;
                assert!((written - dot).abs() <= tolerance, "{m}x{k}x{n} at {i},{j} written");
                assert!((value - start[index] - dot).abs() <= tolerance, "{m}x{k}x{n} at {i},{j}");
            }
        }
    }
}
