//! Training data: one-dimensional target functions, and MNIST digits in the IDX format.

pub mod function;
pub mod idx;
pub mod mnist;
