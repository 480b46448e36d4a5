//! LeakyReLU on plain slices, forward and backward, without branches: on real activations the
//! sign of each value is unpredictable, and the wasm engine turns a float select into a jump.

/// Returns `x` scaled by 1 where it is positive and by `slope` where its sign bit is set.
/// NaN stays NaN.
pub fn leaky_relu(x: &[f32], slope: f32) -> Vec<f32> {
    x.iter().map(|&v| v * factor(v, slope)).collect()
}

/// Returns the input gradient of [`leaky_relu`] at `x` for the output gradient `output_grad`.
pub fn leaky_relu_backward(x: &[f32], output_grad: &[f32], slope: f32) -> Vec<f32> {
    x.iter().zip(output_grad).map(|(&v, &g)| g * factor(v, slope)).collect()
}

/// Returns 1 for a value whose sign bit is clear and `slope` for one whose sign bit is set,
/// chosen with a bit mask so that it compiles without a branch.
#[inline(always)]
fn factor(v: f32, slope: f32) -> f32 {
    let negative = ((v.to_bits() as i32) >> 31) as u32;
    f32::from_bits((slope.to_bits() & negative) | (1.0f32.to_bits() & !negative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_negative_values_only() {
        let y = leaky_relu(&[2.0, -3.0, 0.0, -0.5], 0.01);
        assert_eq!(y, vec![2.0, -3.0 * 0.01, 0.0, -0.5 * 0.01]);
    }

    #[test]
    fn gradient_follows_the_sign() {
        let grad = leaky_relu_backward(&[2.0, -3.0], &[10.0, 10.0], 0.01);
        assert_eq!(grad, vec![10.0, 10.0 * 0.01]);
    }

    #[test]
    fn nan_stays_nan() {
        assert!(leaky_relu(&[f32::NAN], 0.01)[0].is_nan());
    }
}
