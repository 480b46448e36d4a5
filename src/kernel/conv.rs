//! Square 2D convolution with stride 1 and zero padding, forward and backward, on plain
//! row-major slices.
//!
//! The forward pass reads the input in place. The backward pass unrolls one image at a time
//! into patch columns ("im2col") and multiplies those: the column matrix of a whole batch is
//! over ten times the input's size, and streaming it from memory cost more than the arithmetic.

use super::lanes::{self, F4};
use super::matmul::{multiply, multiply_add};

/// The sizes of one convolution over a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Kernel side.
    pub kernel: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

impl ConvShape {
    /// Output height.
    pub fn out_height(&self) -> usize {
        self.height + 2 * self.padding + 1 - self.kernel
    }

    /// Output width.
    pub fn out_width(&self) -> usize {
        self.width + 2 * self.padding + 1 - self.kernel
    }

    /// Weights per output channel: input channels times kernel positions.
    pub fn patch(&self) -> usize {
        self.in_channels * self.kernel * self.kernel
    }

    /// Output positions of one image.
    pub fn positions(&self) -> usize {
        self.out_height() * self.out_width()
    }

    /// Returns the same convolution on an input already padded, so with no padding of its own.
    fn padded(&self) -> ConvShape {
        let (height, width) = (self.height + 2 * self.padding, self.width + 2 * self.padding);
        ConvShape { height, width, padding: 0, ..*self }
    }
}

/// Pads `x` `[batch, in, h, w]` with the convolution's zeros, or returns it as is when the
/// convolution has no padding.
pub fn pad_input(x: Vec<f32>, s: &ConvShape) -> Vec<f32> {
    let (pad, width) = (s.padding, s.width);
    if pad == 0 {
        return x;
    }
    let padded = s.padded();
    let padded_plane = padded.height * padded.width;
    let mut values = vec![0.0; s.batch * s.in_channels * padded_plane];
    let sources = x.chunks_exact(s.height * width);
    for (plane, source) in values.chunks_exact_mut(padded_plane).zip(sources) {
        for (i, row) in source.chunks_exact(width).enumerate() {
            plane[(i + pad) * padded.width + pad..][..width].copy_from_slice(row);
        }
    }
    values
}

/// Convolves the padded input `x` (from [`pad_input`]) with `weight` `[out, in, k, k]` and
/// `bias` `[out]`: result `[batch, out, out_h, out_w]`.
pub fn forward(x: &[f32], weight: &[f32], bias: &[f32], s: &ConvShape) -> Vec<f32> {
    let mut out = vec![0.0; s.batch * s.out_channels * s.positions()];
    for (channel, &b) in out.chunks_exact_mut(s.positions()).zip(bias.iter().cycle()) {
        channel.fill(b);
    }
    convolve_add(&mut out, x, weight, &s.padded());
    out
}

/// Returns the weight gradient `[out, in, k, k]` from the padded input and the output gradient
/// `[batch, out, out_h, out_w]`. Per image, the patch columns times the transposed output
/// gradient add to the gradient's transpose: each block of it then sums over the positions in
/// vector registers, without a sum across lanes at the end of every image.
pub fn weight_grad(x: &[f32], output_grad: &[f32], s: &ConvShape) -> Vec<f32> {
    let s = s.padded();
    let (patch, positions, out) = (s.patch(), s.positions(), s.out_channels);
    let mut grad_t = vec![0.0; patch * out];
    let mut cols = vec![0.0; patch * positions];
    let mut dy_t = vec![0.0; positions * out];
    let images = x.chunks_exact(s.in_channels * s.height * s.width);
    for (image, dy) in images.zip(output_grad.chunks_exact(out * positions)) {
        im2col(image, &s, &mut cols);
        transpose_into(dy, out, positions, &mut dy_t);
        multiply_add(&mut grad_t, &cols, &dy_t, (patch, positions, out));
    }
    transpose(&grad_t, patch, out)
}

/// Returns the bias gradient `[out]`: the output gradient summed over images and positions.
pub fn bias_grad(output_grad: &[f32], s: &ConvShape) -> Vec<f32> {
    let mut grad = vec![0.0; s.out_channels];
    for (channel, values) in output_grad.chunks_exact(s.positions()).enumerate() {
        grad[channel % s.out_channels] += lanes::sum_slice(values);
    }
    grad
}

/// Returns the input gradient `[batch, in, h, w]` from `weight` `[out, in, k, k]` and the
/// output gradient: per image, the weights' transpose times the output gradient gives the
/// gradient of each patch column, which [`col2im_add`] sums back onto the input.
pub fn input_grad(weight: &[f32], output_grad: &[f32], s: &ConvShape) -> Vec<f32> {
    let (padded, pad) = (s.padded(), s.padding);
    let (patch, positions) = (s.patch(), s.positions());
    let weight_t = transpose(weight, s.out_channels, patch);
    let mut cols = vec![0.0; patch * positions];
    let mut padded_grad = vec![0.0; s.in_channels * padded.height * padded.width];
    let mut grad = vec![0.0; s.batch * s.in_channels * s.height * s.width];
    let images = grad.chunks_exact_mut(s.in_channels * s.height * s.width);
    for (dx, dy) in images.zip(output_grad.chunks_exact(s.out_channels * positions)) {
        multiply(&mut cols, &weight_t, dy, (patch, s.out_channels, positions));
        if pad == 0 {
            col2im_add(&cols, &padded, dx);
            continue;
        }
        padded_grad.fill(0.0);
        col2im_add(&cols, &padded, &mut padded_grad);
        // Keep the gradient of the real input, dropping that of the padding.
        let planes = padded_grad.chunks_exact(padded.height * padded.width);
        for (plane, target) in planes.zip(dx.chunks_exact_mut(s.height * s.width)) {
            for (i, row) in target.chunks_exact_mut(s.width).enumerate() {
                row.copy_from_slice(&plane[(i + pad) * padded.width + pad..][..s.width]);
            }
        }
    }
    grad
}

/// Returns the `[cols, rows]` transpose of the row-major `[rows, cols]` matrix `m`.
fn transpose(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; rows * cols];
    transpose_into(m, rows, cols, &mut t);
    t
}

/// Writes the `[cols, rows]` transpose of the row-major `[rows, cols]` matrix `m` into `t`.
fn transpose_into(m: &[f32], rows: usize, cols: usize, t: &mut [f32]) {
    for (r, row) in m.chunks_exact(cols).take(rows).enumerate() {
        for (c, &value) in row.iter().enumerate() {
            t[c * rows + r] = value;
        }
    }
}

/// Unrolls the patches of one padded image `[in, h, w]` into `cols` `[patch, positions]`: row
/// `(ci, ki, kj)`, column `(oi, oj)` contains input `[ci, oi + ki, oj + kj]`. `s` has no padding.
fn im2col(image: &[f32], s: &ConvShape, cols: &mut [f32]) {
    let (out_h, out_w) = (s.out_height(), s.out_width());
    for (r, row) in cols.chunks_exact_mut(out_h * out_w).enumerate() {
        let offset = tap_offset(s, r);
        for (oi, target) in row.chunks_exact_mut(out_w).enumerate() {
            copy_short(target, &image[offset + oi * s.width..]);
        }
    }
}

/// Adds every entry of `cols` back onto the input value [`im2col`] took it from.
fn col2im_add(cols: &[f32], s: &ConvShape, grad: &mut [f32]) {
    let (out_h, out_w) = (s.out_height(), s.out_width());
    for (r, row) in cols.chunks_exact(out_h * out_w).enumerate() {
        let offset = tap_offset(s, r);
        for (oi, source) in row.chunks_exact(out_w).enumerate() {
            let target = &mut grad[offset + oi * s.width..][..out_w];
            for (value, &g) in target.iter_mut().zip(source) {
                *value += g;
            }
        }
    }
}

/// Copies the start of `source` over `target`, a few dozen values at most, in blocks of four.
/// A plain copy loop or `copy_from_slice` becomes a memcpy call, which in wasm costs more than
/// such short runs.
fn copy_short(target: &mut [f32], source: &[f32]) {
    let source = &source[..target.len()];
    let mut targets = target.chunks_exact_mut(4);
    let mut sources = source.chunks_exact(4);
    for (t, s) in targets.by_ref().zip(sources.by_ref()) {
        let block: [f32; 4] = s.try_into().expect("chunks_exact yields blocks of four");
        t.copy_from_slice(&block);
    }
    // At most three values are left; copied one by one so that no loop remains to turn into
    // a memcpy call.
    let (tail, rest) = (targets.into_remainder(), sources.remainder());
    if let (Some(t), Some(s)) = (tail.first_mut(), rest.first()) {
        *t = *s;
    }
    if let (Some(t), Some(s)) = (tail.get_mut(1), rest.get(1)) {
        *t = *s;
    }
    if let (Some(t), Some(s)) = (tail.get_mut(2), rest.get(2)) {
        *t = *s;
    }
}

/// Rows of a full output block: output channels computed together.
const ROWS: usize = 4;

/// Adds the valid convolution of `x` `[batch, in, h, w]` with `weight` `[out, in, k, k]` to
/// `y` `[batch, out, h - k + 1, w - k + 1]`; `s` has no padding.
fn convolve_add(y: &mut [f32], x: &[f32], weight: &[f32], s: &ConvShape) {
    assert!(x.len() >= s.batch * s.in_channels * s.height * s.width, "input too short");
    assert!(weight.len() >= s.out_channels * s.patch(), "weights too short");
    assert!(y.len() >= s.batch * s.out_channels * s.positions(), "output too short");
    for image in 0..s.batch {
        for oi in 0..s.out_height() {
            let mut c = 0;
            while c + ROWS <= s.out_channels {
                output_row::<ROWS>(y, x, weight, (image, c, oi), s);
                c += ROWS;
            }
            for c in c..s.out_channels {
                output_row::<1>(y, x, weight, (image, c, oi), s);
            }
        }
    }
}

/// Adds output row `oi` of image `image` for channels `c..c + R`: eight columns at a time,
/// then four, then one by one.
#[inline(always)]
fn output_row<const R: usize>(
    y: &mut [f32],
    x: &[f32],
    weight: &[f32],
    at: (usize, usize, usize),
    s: &ConvShape,
) {
    let mut j = 0;
    while j + 8 <= s.out_width() {
        output_block::<R, 2>(y, x, weight, at, j, s);
        j += 8;
    }
    if j + 4 <= s.out_width() {
        output_block::<R, 1>(y, x, weight, at, j, s);
        j += 4;
    }
    let (image, c, oi) = at;
    for row in c..c + R {
        for oj in j..s.out_width() {
            let mut sum = 0.0;
            for_each_tap(s, |r, offset| {
                let input = input_index(s, image, oi, offset) + oj;
                sum += weight[row * s.patch() + r] * x[input];
            });
            y[output_index(s, image, row, oi) + oj] += sum;
        }
    }
}

/// Adds the `R` channels by `4 V` columns block from column `j` of one output row, keeping the
/// `R V` accumulators in vector registers.
#[inline(always)]
fn output_block<const R: usize, const V: usize>(
    y: &mut [f32],
    x: &[f32],
    weight: &[f32],
    (image, c, oi): (usize, usize, usize),
    j: usize,
    s: &ConvShape,
) {
    // The block's farthest input read is at the last tap, k - 1 rows and columns on, and its
    // farthest weight is the last of channel c + R - 1.
    let last_tap = ((s.in_channels - 1) * s.height + s.kernel - 1) * s.width + s.kernel - 1;
    assert!(input_index(s, image, oi, last_tap) + j + 4 * V <= x.len());
    assert!((c + R) * s.patch() <= weight.len());
    let mut acc = [[lanes::zero(); V]; R];
    for_each_tap(s, |r, offset| {
        let from = input_index(s, image, oi, offset) + j;
        // SAFETY: the asserts bound the farthest reads; every other tap reads before them.
        unsafe {
            let inputs: [F4; V] = std::array::from_fn(|v| lanes::load(x, from + 4 * v));
            for (row, sums) in acc.iter_mut().enumerate() {
                let w = lanes::splat(*weight.get_unchecked((c + row) * s.patch() + r));
                for (sum, &input) in sums.iter_mut().zip(&inputs) {
                    *sum = lanes::mul_add(*sum, w, input);
                }
            }
        }
    });
    for (row, sums) in acc.iter().enumerate() {
        let to = output_index(s, image, c + row, oi) + j;
        for (v, &sum) in sums.iter().enumerate() {
            lanes::add_into(y, to + 4 * v, sum);
        }
    }
}

/// Calls `visit(r, offset)` for every tap `r = (ci, ki, kj)` with its offset in the input
/// image from an output position's top-left input.
#[inline(always)]
fn for_each_tap(s: &ConvShape, mut visit: impl FnMut(usize, usize)) {
    let mut r = 0;
    for ci in 0..s.in_channels {
        for ki in 0..s.kernel {
            let row = (ci * s.height + ki) * s.width;
            for kj in 0..s.kernel {
                visit(r, row + kj);
                r += 1;
            }
        }
    }
}

/// Returns the input offset of tap `r = (ci, ki, kj)`, as [`for_each_tap`] gives it.
fn tap_offset(s: &ConvShape, r: usize) -> usize {
    let area = s.kernel * s.kernel;
    let (ci, ki, kj) = (r / area, r / s.kernel % s.kernel, r % s.kernel);
    (ci * s.height + ki) * s.width + kj
}

/// Index in the input of `image`'s value `offset` on from the start of row `oi`.
#[inline(always)]
fn input_index(s: &ConvShape, image: usize, oi: usize, offset: usize) -> usize {
    image * s.in_channels * s.height * s.width + oi * s.width + offset
}

/// Index in the output of the start of row `oi` of `channel` in `image`.
#[inline(always)]
fn output_index(s: &ConvShape, image: usize, channel: usize, oi: usize) -> usize {
    ((image * s.out_channels + channel) * s.out_height() + oi) * s.out_width()
}
