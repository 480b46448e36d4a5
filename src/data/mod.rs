//! Training data: one-dimensional target functions and their sample grids.

pub mod function;
