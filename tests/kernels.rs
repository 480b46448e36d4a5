//! gradlab's own convolution and pooling kernels against burn's: the values and the gradients
//! of every input, on both engines, for the shapes the models use and the edge cases around
//! them. Both sides compute in f32 and sum in different orders, hence the tolerances. The same
//! tests run natively and, for the wasm vector code, in headless Chromium by
//! `wasm-pack test --headless --chrome --release -- --test kernels`.

use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, relu};
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use gradlab::engine::Engine;
use gradlab::kernel;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Values in [-1, 1) from a fixed linear congruential sequence, as a tensor of `shape`.
fn values<const D: usize>(shape: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    let mut state = seed;
    let count = shape.iter().product();
    let data: Vec<f32> = (0..count)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect();
    Tensor::from_data(TensorData::new(data, shape), device)
}

/// Asserts that `actual` and `expected` agree within `tolerance` times the largest magnitude
/// in `expected`.
fn assert_close<const D: usize>(
    actual: Tensor<D>,
    expected: Tensor<D>,
    tolerance: f32,
    what: &str,
) {
    assert_eq!(actual.dims(), expected.dims(), "{what}: shapes differ");
    let (actual, expected) =
        (actual.into_data().try_to_vec::<f32>().unwrap(), expected.into_data());
    let expected = expected.try_to_vec::<f32>().unwrap();
    let scale = expected.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    for (index, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert!((a - e).abs() <= tolerance * scale, "{what}: at {index}, {a} against {e}");
    }
}

/// A convolution case: batch, in channels, out channels, side, kernel, padding.
type Case = (usize, usize, usize, usize, usize, usize);

/// The models' convolutions, and odd sides, widths that leave vector tails, and one channel.
const CONVOLUTIONS: [Case; 8] = [
    (4, 1, 8, 28, 5, 0),
    (4, 8, 16, 12, 5, 0),
    (3, 1, 6, 28, 5, 0),
    (2, 8, 16, 14, 3, 1),
    (2, 16, 32, 7, 3, 1),
    (2, 12, 24, 13, 4, 0),
    (1, 3, 5, 9, 2, 1),
    (2, 2, 3, 6, 3, 2),
];

/// Runs a weighted sum of the kernel's output and of burn's backward and compares values and
/// gradients of x, weight and bias.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn convolution_matches_burn_with_gradients() {
    for engine in Engine::ALL {
        let device = engine.autodiff_device();
        for (case, &(b, c_in, c_out, side, k, p)) in CONVOLUTIONS.iter().enumerate() {
            let what = format!("{engine} case {case}");
            let x = values([b, c_in, side, side], 1 + case as u64, &device);
            let w = values([c_out, c_in, k, k], 20 + case as u64, &device);
            let bias = values([c_out], 40 + case as u64, &device);
            let weights =
                values([b, c_out, side + 2 * p + 1 - k, side + 2 * p + 1 - k], 60, &device);
            let run = |own: bool| {
                let (x, w, bias) = (
                    x.clone().require_grad(),
                    w.clone().require_grad(),
                    bias.clone().require_grad(),
                );
                let y = if own {
                    kernel::conv2d(x.clone(), w.clone(), bias.clone(), p)
                } else {
                    let options = ConvOptions::new([1, 1], [p, p], [1, 1], 1);
                    conv2d(x.clone(), w.clone(), Some(bias.clone()), options)
                };
                let grads = (y.clone() * weights.clone()).sum().backward();
                let grad = |t: &Tensor<4>| t.grad(&grads).expect("x and w take part in the loss");
                (y.inner(), grad(&x), grad(&w), bias.grad(&grads).expect("the bias takes part"))
            };
            let (own, reference) = (run(true), run(false));
            assert_close(own.0, reference.0, 1e-5, &format!("{what} output"));
            assert_close(own.1, reference.1, 1e-5, &format!("{what} input gradient"));
            assert_close(own.2, reference.2, 1e-5, &format!("{what} weight gradient"));
            assert_close(
                own.3.unsqueeze::<4>(),
                reference.3.unsqueeze(),
                1e-5,
                &format!("{what} bias gradient"),
            );
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn pooling_matches_burn_with_gradients() {
    for engine in Engine::ALL {
        let device = engine.autodiff_device();
        for (case, &(b, c, h, w)) in
            [(4, 8, 24, 24), (2, 16, 8, 8), (2, 32, 7, 7), (3, 5, 9, 6), (2, 3, 10, 22)]
                .iter()
                .enumerate()
        {
            let what = format!("{engine} case {case}");
            let x = values([b, c, h, w], 80 + case as u64, &device);
            let weights = values([b, c, h / 2, w / 2], 90, &device);
            let run = |own: bool| {
                let x = x.clone().require_grad();
                let y = if own {
                    kernel::max_pool2_relu(x.clone())
                } else {
                    relu(max_pool2d(x.clone(), MaxPoolOptions::new([2, 2]).with_stride([2, 2])))
                };
                let grads = (y.clone() * weights.clone()).sum().backward();
                (y.inner(), x.grad(&grads).expect("x takes part in the loss"))
            };
            let (own, reference) = (run(true), run(false));
            assert_close(own.0, reference.0, 0.0, &format!("{what} output"));
            assert_close(own.1, reference.1, 0.0, &format!("{what} input gradient"));
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn leaky_relu_matches_burn_with_gradients() {
    for engine in Engine::ALL {
        let device = engine.autodiff_device();
        let x = values([1000, 10], 100, &device);
        let weights = values([1000, 10], 101, &device);
        let run = |own: bool| {
            let x = x.clone().require_grad();
            let y =
                if own { kernel::leaky_relu(x.clone(), 0.01) } else { leaky_relu(x.clone(), 0.01) };
            let grads = (y.clone() * weights.clone()).sum().backward();
            (y.inner(), x.grad(&grads).expect("x takes part in the loss"))
        };
        let (own, reference) = (run(true), run(false));
        assert_close(own.0, reference.0, 0.0, &format!("{engine} output"));
        assert_close(own.1, reference.1, 0.0, &format!("{engine} input gradient"));
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn kernels_run_without_autodiff() {
    // Evaluation runs on the inner engine, where the extension takes its plain path.
    let device = Engine::Flex.autodiff_device();
    let x = values([2, 3, 10, 10], 5, &device);
    let w = values([4, 3, 3, 3], 6, &device);
    let bias = values([4], 7, &device);
    let tracked = kernel::max_pool2_relu(kernel::conv2d(x.clone(), w.clone(), bias.clone(), 1));
    let plain = kernel::max_pool2_relu(kernel::conv2d(x.inner(), w.inner(), bias.inner(), 1));
    assert_close(plain, tracked.inner(), 0.0, "plain against tracked");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn nan_inputs_stay_visible() {
    let device = Engine::Flex.autodiff_device();
    let mut data = vec![0.5f32; 2 * 8 * 8];
    data[17] = f32::NAN;
    let x = Tensor::<4>::from_data(TensorData::new(data, [1, 2, 8, 8]), &device);
    let w = Tensor::<4>::ones([3, 2, 3, 3], &device);
    let pooled = kernel::max_pool2_relu(kernel::conv2d(x, w, Tensor::zeros([3], &device), 0));
    let nans =
        pooled.into_data().try_to_vec::<f32>().unwrap().iter().filter(|v| v.is_nan()).count();
    assert!(nans > 0, "a NaN input should reach the pooled output");
}
