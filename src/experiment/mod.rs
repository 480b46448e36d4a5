//! The experiments: each turns a validated config into chunks of progress and a summary.

pub mod fit;
pub mod mnist;
pub mod settings;

pub use settings::FieldError;
