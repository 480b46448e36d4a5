//! Convolutional digit classifiers: blocks of convolution, ReLU and 2x2 max-pooling, then
//! two dense layers.

use crate::data::mnist::{CLASSES, SIDE};
use crate::rng::Rng;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, PaddingConfig2d, Relu};
use burn::prelude::*;
use serde::Serialize;

/// One convolution block: a square convolution, ReLU, then 2x2 max-pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConvBlock {
    /// Output channels.
    pub channels: usize,
    /// Kernel side.
    pub kernel: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

/// The name and shape of a CNN for 28x28 grey images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CnnSpec {
    /// Short name used in tables, files and legends.
    pub name: &'static str,
    /// The convolution blocks, input side first.
    pub blocks: &'static [ConvBlock],
    /// Width of the hidden dense layer.
    pub hidden: usize,
}

/// The three CNNs of the MNIST experiment: about 25,500 parameters each, with one, two and
/// three convolution blocks.
pub const MNIST_MODELS: [CnnSpec; 3] = [
    CnnSpec {
        name: "shallow",
        blocks: &[ConvBlock { channels: 6, kernel: 5, padding: 0 }],
        hidden: 29,
    },
    CnnSpec {
        name: "medium",
        blocks: &[
            ConvBlock { channels: 8, kernel: 5, padding: 0 },
            ConvBlock { channels: 16, kernel: 5, padding: 0 },
        ],
        hidden: 83,
    },
    CnnSpec {
        name: "deep",
        blocks: &[
            ConvBlock { channels: 8, kernel: 3, padding: 1 },
            ConvBlock { channels: 16, kernel: 3, padding: 1 },
            ConvBlock { channels: 32, kernel: 3, padding: 1 },
        ],
        hidden: 65,
    },
];

/// The family of the parameter-count experiment: two 4x4 convolution blocks and two dense
/// layers, all widths scaled by one factor `w` (`w` and `2w` channels, `8w` hidden units), so
/// that parameter counts grow from about 43,000 to about 398,000. Names give `w`.
pub const CAPACITY_MODELS: [CnnSpec; 10] = [
    capacity_model(
        "w12",
        &[
            ConvBlock { channels: 12, kernel: 4, padding: 0 },
            ConvBlock { channels: 24, kernel: 4, padding: 0 },
        ],
        96,
    ),
    capacity_model(
        "w14",
        &[
            ConvBlock { channels: 14, kernel: 4, padding: 0 },
            ConvBlock { channels: 28, kernel: 4, padding: 0 },
        ],
        112,
    ),
    capacity_model(
        "w16",
        &[
            ConvBlock { channels: 16, kernel: 4, padding: 0 },
            ConvBlock { channels: 32, kernel: 4, padding: 0 },
        ],
        128,
    ),
    capacity_model(
        "w18",
        &[
            ConvBlock { channels: 18, kernel: 4, padding: 0 },
            ConvBlock { channels: 36, kernel: 4, padding: 0 },
        ],
        144,
    ),
    capacity_model(
        "w21",
        &[
            ConvBlock { channels: 21, kernel: 4, padding: 0 },
            ConvBlock { channels: 42, kernel: 4, padding: 0 },
        ],
        168,
    ),
    capacity_model(
        "w24",
        &[
            ConvBlock { channels: 24, kernel: 4, padding: 0 },
            ConvBlock { channels: 48, kernel: 4, padding: 0 },
        ],
        192,
    ),
    capacity_model(
        "w27",
        &[
            ConvBlock { channels: 27, kernel: 4, padding: 0 },
            ConvBlock { channels: 54, kernel: 4, padding: 0 },
        ],
        216,
    ),
    capacity_model(
        "w31",
        &[
            ConvBlock { channels: 31, kernel: 4, padding: 0 },
            ConvBlock { channels: 62, kernel: 4, padding: 0 },
        ],
        248,
    ),
    capacity_model(
        "w34",
        &[
            ConvBlock { channels: 34, kernel: 4, padding: 0 },
            ConvBlock { channels: 68, kernel: 4, padding: 0 },
        ],
        272,
    ),
    capacity_model(
        "w37",
        &[
            ConvBlock { channels: 37, kernel: 4, padding: 0 },
            ConvBlock { channels: 74, kernel: 4, padding: 0 },
        ],
        296,
    ),
];

const fn capacity_model(
    name: &'static str,
    blocks: &'static [ConvBlock],
    hidden: usize,
) -> CnnSpec {
    CnnSpec { name, blocks, hidden }
}

impl CnnSpec {
    /// Finds one of [`MNIST_MODELS`] by name.
    pub fn mnist_model(name: &str) -> Option<CnnSpec> {
        MNIST_MODELS.into_iter().find(|spec| spec.name == name)
    }

    /// Returns the side and channel count of the feature map after the last block.
    pub fn feature_shape(&self) -> (usize, usize) {
        self.blocks.iter().fold((SIDE, 1), |(side, _), block| {
            let convolved = side + 2 * block.padding + 1 - block.kernel;
            (convolved / 2, block.channels)
        })
    }

    /// Describes the layers in one line, for tables: `conv5x5x6-pool | 864-29-10`.
    pub fn describe(&self) -> String {
        let blocks: Vec<String> = self
            .blocks
            .iter()
            .map(|b| format!("conv{k}x{k}x{c}-pool", k = b.kernel, c = b.channels))
            .collect();
        let (side, channels) = self.feature_shape();
        format!("{} | {}-{}-{CLASSES}", blocks.join(" "), side * side * channels, self.hidden)
    }
}

/// A CNN built from a [`CnnSpec`].
#[derive(Module, Debug)]
pub struct Cnn {
    convolutions: Vec<Conv2d>,
    hidden: Linear,
    output: Linear,
    activation: Relu,
}

impl Cnn {
    /// Builds the network with weights and biases drawn from `rng`, uniform in
    /// (-1/sqrt(fan_in), 1/sqrt(fan_in)).
    pub fn new(spec: &CnnSpec, rng: &mut Rng, device: &Device) -> Self {
        let mut in_channels = 1;
        let mut convolutions = Vec::new();
        for block in spec.blocks {
            convolutions.push(uniform_conv(in_channels, block, rng, device));
            in_channels = block.channels;
        }
        let (side, channels) = spec.feature_shape();
        Self {
            convolutions,
            hidden: super::mlp::uniform_linear(side * side * channels, spec.hidden, rng, device),
            output: super::mlp::uniform_linear(spec.hidden, CLASSES, rng, device),
            activation: Relu::new(),
        }
    }

    /// Maps images `[batch, 1, 28, 28]` to class logits `[batch, 10]`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for convolution in &self.convolutions {
            // ReLU after pooling gives the same values as before it, since ReLU keeps order,
            // and touches a quarter of the elements; one kernel does both.
            x = crate::kernel::max_pool2_relu(convolve(convolution, x));
        }
        let [batch, channels, height, width] = x.dims();
        let x = x.reshape([batch, channels * height * width]);
        self.output.forward(self.activation.forward(self.hidden.forward(x)))
    }
}

/// Applies `convolution` through gradlab's own kernel, which takes square kernels, stride 1 and
/// equal padding on all sides, as [`uniform_conv`] builds them.
fn convolve(convolution: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let padding = match convolution.padding {
        PaddingConfig2d::Explicit(top, ..) => top,
        _ => 0,
    };
    let bias = convolution.bias.as_ref().expect("every convolution should have a bias");
    crate::kernel::conv2d(x, convolution.weight.val(), bias.val(), padding)
}

/// Builds a convolution of `block`'s shape with uniform initial values.
fn uniform_conv(in_channels: usize, block: &ConvBlock, rng: &mut Rng, device: &Device) -> Conv2d {
    let (k, p) = (block.kernel, block.padding);
    let mut convolution = Conv2dConfig::new([in_channels, block.channels], [k, k])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .init(device);
    let fan_in = in_channels * k * k;
    let weight = super::mlp::uniform_values(fan_in, block.channels * fan_in, rng);
    let bias = super::mlp::uniform_values(fan_in, block.channels, rng);
    let weight = TensorData::new(weight, [block.channels, in_channels, k, k]);
    convolution.weight = Param::from_tensor(Tensor::from_data(weight, device));
    convolution.bias = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(bias, [block.channels]),
        device,
    )));
    convolution
}
