//! The L2 norm of a gradient over all of a module's parameters.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;

/// Returns the L2 norm of `grads` over every float parameter of `module`; parameters without
/// a gradient count as zero.
pub fn gradient_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut squares = SquareSum { grads, total: None };
    module.visit(&mut squares);
    squares.total.map_or(0.0, |total| f64::from(total.into_scalar::<f32>()).sqrt())
}

/// Adds up the squares of every parameter's gradient, on the device.
struct SquareSum<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquareSum<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(gradient) = self.grads.get::<D>(param.id) else { return };
        let square = gradient.powi_scalar(2).sum();
        self.total = Some(match self.total.take() {
            Some(total) => total + square,
            None => square,
        });
    }
}
