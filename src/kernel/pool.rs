//! 2x2 max-pooling with stride 2 followed by ReLU, on plain `[batch, channels, height, width]`
//! slices, forward and backward.

/// Marks an output whose window maximum was not positive, so ReLU passed no gradient back.
const CLIPPED: u8 = 4;

/// The output of [`forward`]: pooled values and, per output, which window element won.
#[derive(Clone, Debug, PartialEq)]
pub struct Pooled {
    /// `[batch, channels, height / 2, width / 2]`, row-major.
    pub values: Vec<f32>,
    /// Per output: 0 to 3 for the winning element in row-major window order, or 4 when ReLU
    /// clipped the maximum.
    pub winners: Vec<u8>,
}

/// Returns the output side for an input side: odd sides drop their last row or column.
pub fn pooled_side(side: usize) -> usize {
    side / 2
}

/// Pools `x` of shape `[planes, height, width]` (batch and channels folded into planes).
/// The first maximum in row-major window order wins ties; a NaN anywhere in a window makes
/// that output NaN, so a diverging run stays visible.
pub fn forward(x: &[f32], planes: usize, height: usize, width: usize) -> Pooled {
    let (out_h, out_w) = (pooled_side(height), pooled_side(width));
    let mut values = vec![0.0; planes * out_h * out_w];
    let mut winners = vec![CLIPPED; planes * out_h * out_w];
    if values.is_empty() {
        // A side below 2 pools to nothing.
        return Pooled { values, winners };
    }
    let outputs = values.chunks_exact_mut(out_w).zip(winners.chunks_exact_mut(out_w));
    let row_pairs = x.chunks_exact(height * width).flat_map(|plane| {
        (0..out_h).map(move |i| (&plane[2 * i * width..][..width], &plane[(2 * i + 1) * width..]))
    });
    for ((values, winners), (top, bottom)) in outputs.zip(row_pairs) {
        let done = simd::pool_row(top, bottom, values, winners);
        for j in done..out_w {
            let window = [top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]];
            (values[j], winners[j]) = window_max_relu(window);
        }
    }
    Pooled { values, winners }
}

/// A vector version of one output row of [`forward`] for wasm, whose engines turn float
/// selects into branches: on random data those mispredict and took most of the pooling time.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{window_max_relu, CLIPPED};
    use core::arch::wasm32::*;

    /// Pools outputs in groups of four from the row pair `top`, `bottom` and returns how many
    /// it wrote; the caller pools the rest.
    pub fn pool_row(top: &[f32], bottom: &[f32], values: &mut [f32], winners: &mut [u8]) -> usize {
        let done = values.len() / 4 * 4;
        assert!(2 * done <= top.len(), "the top row should cover every output");
        assert!(2 * done <= bottom.len(), "the bottom row should cover every output");
        assert!(done <= winners.len(), "there should be a winner per output");
        for j in (0..done).step_by(4) {
            // SAFETY: the asserts keep the eight values read from each row, from 2 * j, and the
            // four written, from j, inside their slices. Wasm loads need no alignment.
            let ([a, b], [c, d]) = unsafe {
                let (t, u) = (top.as_ptr().add(2 * j), bottom.as_ptr().add(2 * j));
                let top = deinterleave(v128_load(t.cast()), v128_load(t.add(4).cast()));
                (top, deinterleave(v128_load(u.cast()), v128_load(u.add(4).cast())))
            };
            let nan = v128_or(v128_or(f32x4_ne(a, a), f32x4_ne(b, b)), f32x4_ne(c, c));
            if v128_any_true(v128_or(nan, f32x4_ne(d, d))) {
                for k in j..j + 4 {
                    let i = 2 * k;
                    let window = [top[i], top[i + 1], bottom[i], bottom[i + 1]];
                    (values[k], winners[k]) = window_max_relu(window);
                }
                continue;
            }
            let (value, winner) = window_max_relu4(a, b, c, d);
            // SAFETY: as above.
            unsafe { v128_store(values.as_mut_ptr().add(j).cast(), value) };
            let bytes = u8x16_narrow_i16x8(i16x8_narrow_i32x4(winner, winner), winner);
            winners[j..j + 4].copy_from_slice(&i32x4_extract_lane::<0>(bytes).to_le_bytes());
        }
        done
    }

    /// Splits eight consecutive values into the even and the odd ones.
    fn deinterleave(low: v128, high: v128) -> [v128; 2] {
        [i32x4_shuffle::<0, 2, 4, 6>(low, high), i32x4_shuffle::<1, 3, 5, 7>(low, high)]
    }

    /// [`window_max_relu`] on four windows at once, for values free of NaN.
    fn window_max_relu4(a: v128, b: v128, c: v128, d: v128) -> (v128, v128) {
        let one = i32x4_splat(1);
        let right_top = f32x4_gt(b, a);
        let top = v128_bitselect(b, a, right_top);
        let right_bottom = f32x4_gt(d, c);
        let bottom = v128_bitselect(d, c, right_bottom);
        let lower = f32x4_gt(bottom, top);
        let max = v128_bitselect(bottom, top, lower);
        let top_winner = v128_and(right_top, one);
        let bottom_winner = i32x4_add(v128_and(right_bottom, one), i32x4_splat(2));
        let winner = v128_bitselect(bottom_winner, top_winner, lower);
        let positive = f32x4_gt(max, f32x4_splat(0.0));
        let clipped = i32x4_splat(i32::from(CLIPPED));
        (v128_and(max, positive), v128_bitselect(winner, clipped, positive))
    }
}

/// Leaves every output to the scalar loop where wasm vector instructions are missing.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod simd {
    pub fn pool_row(_: &[f32], _: &[f32], _: &mut [f32], _: &mut [u8]) -> usize {
        0
    }
}

/// Returns the ReLU of a window's maximum and the winner code [`forward`] documents. Every
/// choice is a select on plain values, not a branch: the winner of random data is unpredictable.
fn window_max_relu([a, b, c, d]: [f32; 4]) -> (f32, u8) {
    let right_top = b > a;
    let top = if right_top { b } else { a };
    let right_bottom = d > c;
    let bottom = if right_bottom { d } else { c };
    let lower = bottom > top;
    let max = if lower { bottom } else { top };
    let winner = if lower { 2 + right_bottom as u8 } else { right_top as u8 };
    if a.is_nan() | b.is_nan() | c.is_nan() | d.is_nan() {
        let first_nan = [a, b, c, d].iter().position(|v| v.is_nan());
        return (f32::NAN, first_nan.map_or(0, |k| k as u8));
    }
    let positive = max > 0.0;
    (if positive { max } else { 0.0 }, if positive { winner } else { CLIPPED })
}

/// Spreads `output_grad` (`[planes, height / 2, width / 2]`) back to the winning inputs of an
/// input `[planes, height, width]`; every other input gets zero.
pub fn backward(
    output_grad: &[f32],
    winners: &[u8],
    planes: usize,
    height: usize,
    width: usize,
) -> Vec<f32> {
    let (out_h, out_w) = (pooled_side(height), pooled_side(width));
    let mut grad = vec![0.0; planes * height * width];
    for (plane, out) in (0..planes).map(|p| (p * height * width, p * out_h * out_w)) {
        for i in 0..out_h {
            for j in 0..out_w {
                // Branch-free, as in the forward pass: a clipped output writes a zero onto
                // the window's first element, which is already zero.
                let k = out + i * out_w + j;
                let winner = winners[k];
                let keep = u32::from(winner != CLIPPED).wrapping_neg();
                let (di, dj) = (usize::from(winner / 2 % 2), usize::from(winner % 2));
                let value = f32::from_bits(output_grad[k].to_bits() & keep);
                grad[plane + (2 * i + di) * width + 2 * j + dj] = value;
            }
        }
    }
    grad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_each_window_and_clips_negatives() {
        // One 2x4 plane: windows [1, 5, -2, 3] and [-1, -4, -3, -2].
        let x = [1.0, 5.0, -1.0, -4.0, -2.0, 3.0, -3.0, -2.0];
        let pooled = forward(&x, 1, 2, 4);
        assert_eq!(pooled.values, vec![5.0, 0.0]);
        assert_eq!(pooled.winners, vec![1, CLIPPED]);
        let grad = backward(&[0.5, 7.0], &pooled.winners, 1, 2, 4);
        assert_eq!(grad, vec![0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn odd_sides_drop_the_last_row_and_column() {
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let pooled = forward(&x, 1, 3, 3);
        assert_eq!(pooled.values, vec![5.0]);
        assert_eq!(backward(&[1.0], &pooled.winners, 1, 3, 3)[4], 1.0);
    }

    #[test]
    fn sides_below_two_pool_to_nothing() {
        let pooled = forward(&[1.0, 2.0, 3.0], 3, 1, 1);
        assert!(pooled.values.is_empty());
        assert_eq!(backward(&[], &pooled.winners, 3, 1, 1), vec![0.0; 3]);
    }

    #[test]
    fn nan_wins_its_window() {
        let pooled = forward(&[1.0, f32::NAN, 2.0, 3.0], 1, 2, 2);
        assert!(pooled.values[0].is_nan());
    }
}
