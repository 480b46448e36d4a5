//! The networks the experiments train, and their parameter counts.

pub mod mlp;

pub use mlp::{Mlp, MlpSpec};
