//! Training loops and the progress report.

pub mod classification;
pub mod gradient;
pub mod progress;
pub mod regression;

pub use classification::Classification;
pub use gradient::gradient_norm;
pub use progress::{Progress, RateMeter};
pub use regression::Regression;
