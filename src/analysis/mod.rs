//! Analysis of trained networks in f64: principal components of parameter paths, exact
//! Hessians of a small MLP's loss, their spectra, and the search for critical points.

pub mod critical;
pub mod dense;
pub mod lanczos;
pub mod pca;
pub mod spectrum;

pub use critical::{CriticalSearch, SearchState};
pub use dense::SquaredError;
pub use pca::Pca;
pub use spectrum::Spectrum;
