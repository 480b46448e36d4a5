//! Fully connected networks built from a list of layer widths.

use crate::rng::Rng;
use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use serde::Serialize;
use std::str::FromStr;

/// The name and layer widths of a multi-layer perceptron.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MlpSpec {
    /// Short name used in tables, files and legends.
    pub name: &'static str,
    /// Widths from input to output, for example `[1, 190, 1]`.
    pub widths: &'static [usize],
    /// The activation between layers.
    pub activation: Activation,
}

/// The activation between the layers of an MLP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// LeakyReLU with slope 0.01 below zero.
    LeakyRelu,
    /// The hyperbolic tangent: smooth, so the loss has a Hessian everywhere.
    Tanh,
    /// ReLU: zero below zero.
    Relu,
}

/// The three models of the function-fitting experiment, of almost equal size.
pub const FIT_MODELS: [MlpSpec; 3] = [
    MlpSpec {
        name: "deep",
        widths: &[1, 5, 10, 10, 10, 10, 10, 5, 1],
        activation: Activation::LeakyRelu,
    },
    MlpSpec { name: "medium", widths: &[1, 10, 18, 15, 4, 1], activation: Activation::LeakyRelu },
    MlpSpec { name: "shallow", widths: &[1, 190, 1], activation: Activation::LeakyRelu },
];

impl MlpSpec {
    /// Finds one of [`FIT_MODELS`] by name.
    pub fn fit_model(name: &str) -> Option<MlpSpec> {
        FIT_MODELS.into_iter().find(|spec| spec.name == name)
    }

    /// Returns the number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.widths.windows(2).map(|pair| (pair[0] + 1) * pair[1]).sum()
    }
}

/// Parses the name of one of [`FIT_MODELS`].
impl FromStr for MlpSpec {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::fit_model(name)
            .ok_or_else(|| format!("unknown model '{name}'; expected deep, medium or shallow"))
    }
}

/// Writes only a spec's name, as settings name their model.
pub fn serialize_name<S: serde::Serializer>(
    spec: &MlpSpec,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(spec.name)
}

/// A multi-layer perceptron: linear layers with an activation between them (LeakyReLU with
/// slope 0.01 unless chosen otherwise) and none after the last one.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    /// Builds the network with weights and biases drawn from `rng`, uniform in
    /// (-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch's `nn.Linear` does.
    ///
    /// Drawing from [`Rng`] instead of the device makes the start identical on every engine.
    pub fn new(widths: &[usize], rng: &mut Rng, device: &Device) -> Self {
        Self::with_activation(widths, Activation::LeakyRelu, rng, device)
    }

    /// Builds the network of `spec`, as [`Mlp::new`] does.
    pub fn from_spec(spec: &MlpSpec, rng: &mut Rng, device: &Device) -> Self {
        Self::with_activation(spec.widths, spec.activation, rng, device)
    }

    /// Builds the network with `activation` between layers, as [`Mlp::new`] does.
    pub fn with_activation(
        widths: &[usize],
        activation: Activation,
        rng: &mut Rng,
        device: &Device,
    ) -> Self {
        assert!(widths.len() >= 2, "an MLP needs at least an input and an output width");
        let layers =
            widths.windows(2).map(|pair| uniform_linear(pair[0], pair[1], rng, device)).collect();
        Self { layers, activation }
    }

    /// Applies the network to `input` of shape `[batch, widths[0]]`, giving
    /// `[batch, widths[last]]`.
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut x = input;
        for (index, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if index < last {
                x = match self.activation {
                    Activation::LeakyRelu => leaky_relu(x),
                    Activation::Tanh => burn::tensor::activation::tanh(x),
                    Activation::Relu => burn::tensor::activation::relu(x),
                };
            }
        }
        x
    }

    /// Builds the network of `spec` with the parameters of `values`, laid out as
    /// [`Mlp::flat_parameters`] returns them.
    ///
    /// # Panics
    /// If `values` does not hold one value per parameter of `spec`.
    pub fn from_flat(spec: &MlpSpec, values: &[f32], device: &Device) -> Self {
        assert_eq!(values.len(), spec.parameter_count(), "one value per parameter is needed");
        let mut offset = 0;
        let mut take = |count: usize| {
            offset += count;
            values[offset - count..offset].to_vec()
        };
        let layers = spec
            .widths
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let weight = TensorData::new(take(fan_in * fan_out), [fan_in, fan_out]);
                let bias = TensorData::new(take(fan_out), [fan_out]);
                Linear {
                    weight: Param::from_tensor(Tensor::from_data(weight, device)),
                    bias: Some(Param::from_tensor(Tensor::from_data(bias, device))),
                }
            })
            .collect();
        Self { layers, activation: spec.activation }
    }

    /// Returns every parameter as one vector: layer by layer, each weight of shape
    /// `[fan_in, fan_out]` in row-major order followed by its bias.
    pub fn flat_parameters(&self) -> Vec<f32> {
        (0..self.layers.len()).flat_map(|index| self.layer_parameters(index)).collect()
    }

    /// Returns the weight (row-major) and bias of layer `index`, counted from the input.
    ///
    /// # Panics
    /// If there is no such layer.
    pub fn layer_parameters(&self, index: usize) -> Vec<f32> {
        let layer = &self.layers[index];
        let mut values = to_vec(layer.weight.val());
        if let Some(bias) = &layer.bias {
            values.extend(to_vec(bias.val()));
        }
        values
    }
}

/// Copies a tensor's values to the host.
fn to_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("the parameters are f32")
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

/// Slope of LeakyReLU below zero.
const LEAKY_SLOPE: f32 = 0.01;

/// LeakyReLU through gradlab's own kernel: burn flex runs its own as a comparison and a masked
/// select, forward and backward, and written as ReLU and arithmetic it took four operations.
fn leaky_relu(x: Tensor<2>) -> Tensor<2> {
    crate::kernel::leaky_relu(x, LEAKY_SLOPE)
}
