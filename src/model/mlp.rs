//! Fully connected networks built from a list of layer widths.

use crate::rng::Rng;
use burn::module::{Module, Param};
use burn::nn::{LeakyRelu, LeakyReluConfig, Linear};
use burn::prelude::*;
use serde::Serialize;

/// The name and layer widths of a multi-layer perceptron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MlpSpec {
    /// Short name used in tables, files and legends.
    pub name: &'static str,
    /// Widths from input to output, for example `[1, 190, 1]`.
    pub widths: &'static [usize],
}

/// The three models of the function-fitting experiment, of almost equal size.
pub const FIT_MODELS: [MlpSpec; 3] = [
    MlpSpec { name: "deep", widths: &[1, 5, 10, 10, 10, 10, 10, 5, 1] },
    MlpSpec { name: "medium", widths: &[1, 10, 18, 15, 4, 1] },
    MlpSpec { name: "shallow", widths: &[1, 190, 1] },
];

impl MlpSpec {
    /// Finds one of [`FIT_MODELS`] by name.
    pub fn fit_model(name: &str) -> Option<MlpSpec> {
        FIT_MODELS.into_iter().find(|spec| spec.name == name)
    }
}

/// A multi-layer perceptron: linear layers with LeakyReLU (slope 0.01) between them and no
/// activation after the last one.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: LeakyRelu,
}

impl Mlp {
    /// Builds the network with weights and biases drawn from `rng`, uniform in
    /// (-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's `nn.Linear` does.
    ///
    /// Drawing from [`Rng`] instead of the device makes the start identical on every engine.
    pub fn new(widths: &[usize], rng: &mut Rng, device: &Device) -> Self {
        assert!(widths.len() >= 2, "an MLP needs at least an input and an output width");
        let layers =
            widths.windows(2).map(|pair| uniform_linear(pair[0], pair[1], rng, device)).collect();
        Self { layers, activation: LeakyReluConfig::new().init() }
    }

    /// Applies the network to `input` of shape `[batch, widths[0]]`, giving
    /// `[batch, widths[last]]`.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut x = input;
        for (index, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if index < last {
                x = self.activation.forward(x);
            }
        }
        x
    }
}

/// Builds a linear layer of weight shape `[fan_in, fan_out]` with uniform initial values.
pub(crate) fn uniform_linear(
    fan_in: usize,
    fan_out: usize,
    rng: &mut Rng,
    device: &Device,
) -> Linear {
    let weight = uniform_values(fan_in, fan_in * fan_out, rng);
    let bias = uniform_values(fan_in, fan_out, rng);
    Linear {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(weight, [fan_in, fan_out]),
            device,
        )),
        bias: Some(Param::from_tensor(Tensor::from_data(TensorData::new(bias, [fan_out]), device))),
    }
}

/// Draws `count` values uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)).
pub(crate) fn uniform_values(fan_in: usize, count: usize, rng: &mut Rng) -> Vec<f32> {
    let bound = 1.0 / (fan_in as f64).sqrt();
    (0..count).map(|_| rng.uniform(-bound, bound) as f32).collect()
}
