//! The networks the experiments train, and their parameter counts.

pub mod classifier;
pub mod cnn;
pub mod mlp;

pub use classifier::Classifier;
pub use cnn::{Cnn, CnnSpec};
pub use mlp::{Mlp, MlpSpec};
