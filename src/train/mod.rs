//! Training loops, progress reporting and the shared stop flag.

pub mod progress;
pub mod regression;

pub use progress::{Progress, RateMeter};
pub use regression::Regression;
