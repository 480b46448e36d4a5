//! The networks the experiments train, and their parameter counts.

pub mod cnn;
pub mod mlp;

pub use cnn::{Cnn, CnnSpec};
pub use mlp::{Mlp, MlpSpec};
