//! Digit classifiers of either family: a CNN, or an MLP on the flattened pixels.

use super::{Cnn, Mlp};
use crate::data::mnist::PIXELS;
use burn::module::Module;
use burn::prelude::*;

/// A network that maps `[batch, 1, 28, 28]` images to `[batch, 10]` class scores.
// A run keeps one classifier, so the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Classifier {
    /// Convolution blocks, then two dense layers.
    Cnn(Cnn),
    /// Dense layers on the 784 pixels.
    Mlp(Mlp),
}

impl Classifier {
    /// Returns the class scores (logits) of `images`.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        match self {
            Classifier::Cnn(cnn) => cnn.forward(images),
            Classifier::Mlp(mlp) => {
                let [batch, _, _, _] = images.dims();
                mlp.forward(images.reshape([batch, PIXELS]))
            }
        }
    }
}

impl From<Cnn> for Classifier {
    fn from(cnn: Cnn) -> Self {
        Classifier::Cnn(cnn)
    }
}

impl From<Mlp> for Classifier {
    fn from(mlp: Mlp) -> Self {
        Classifier::Mlp(mlp)
    }
}
