//! The experiments: each turns a validated config into chunks of progress and a summary.

pub mod bench;
pub mod fit;
pub mod generalization;
pub mod gradnorm;
pub mod minratio;
pub mod mnist;
pub mod path;
pub mod settings;

pub use settings::FieldError;
