//! Exact first and second derivatives of an MLP's mean squared error, in f64.
//!
//! burn has no second-order autodiff, so this module evaluates the network of
//! [`crate::model::Mlp`] again on plain matrices: the loss, its gradient by backpropagation,
//! and Hessian-vector products by forward-mode differentiation of backpropagation
//! (Pearlmutter's R-operator). The full Hessian is built from one product per parameter.
//!
//! With tanh the loss is smooth and the Hessian exact everywhere. ReLU and LeakyReLU are
//! piecewise linear, so their second derivative is zero wherever it exists and the Hessian is
//! exact except on the measure-zero set where a pre-activation is 0.

use crate::model::mlp::{Activation, MlpSpec};
use nalgebra::{DMatrix, DVector, RowDVector};

/// The negative-side slope of the LeakyReLU between layers, as in [`crate::model::Mlp`].
pub const LEAKY_SLOPE: f64 = 0.01;

/// The mean squared error of an MLP on a fixed data set, as a function of its flat
/// parameter vector.
///
/// Parameters are laid out layer by layer, each layer's weight of shape
/// `[fan_in, fan_out]` in row-major order followed by its bias, which is the order of
/// [`crate::model::Mlp::flat_parameters`].
#[derive(Clone, Debug)]
pub struct SquaredError {
    widths: Vec<usize>,
    activation: Activation,
    inputs: DMatrix<f64>,
    targets: DMatrix<f64>,
}

/// One layer's weight and bias, unpacked from a flat vector.
struct Layer {
    weight: DMatrix<f64>,
    bias: RowDVector<f64>,
}

/// The intermediate values of a forward pass that the backward pass needs.
struct Pass {
    /// The input of each layer.
    inputs: Vec<DMatrix<f64>>,
    /// The activation's derivative at each hidden layer's pre-activations.
    slopes: Vec<DMatrix<f64>>,
    /// The activation's second derivative there.
    curvatures: Vec<DMatrix<f64>>,
    /// The network's output.
    output: DMatrix<f64>,
}

impl SquaredError {
    /// Sets up the loss of the network with layer `widths` and `activation` on `inputs` (one
    /// row per sample, `widths[0]` columns) against `targets` (one row per sample,
    /// `widths[last]` columns).
    ///
    /// # Panics
    /// If there are fewer than two widths, or the data's shapes do not match them.
    pub fn new(
        widths: &[usize],
        activation: Activation,
        inputs: DMatrix<f64>,
        targets: DMatrix<f64>,
    ) -> Self {
        assert!(widths.len() >= 2, "an MLP needs at least an input and an output width");
        assert_eq!(inputs.ncols(), widths[0], "inputs need one column per input unit");
        assert_eq!(targets.ncols(), widths[widths.len() - 1], "targets need one column per output");
        assert_eq!(inputs.nrows(), targets.nrows(), "inputs and targets need as many rows");
        Self { widths: widths.to_vec(), activation, inputs, targets }
    }

    /// Sets up the loss of the one-input, one-output network of `spec` on the samples
    /// `(x[i], y[i])`.
    pub fn on_samples(spec: &MlpSpec, x: &[f32], y: &[f32]) -> Self {
        let column = |values: &[f32]| {
            DMatrix::from_iterator(values.len(), 1, values.iter().map(|&v| f64::from(v)))
        };
        Self::new(spec.widths, spec.activation, column(x), column(y))
    }

    /// Returns the number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.widths.windows(2).map(|pair| (pair[0] + 1) * pair[1]).sum()
    }

    /// Returns the mean squared error at `theta`: the squared errors summed over outputs and
    /// averaged over samples, as the training loop computes it.
    pub fn loss(&self, theta: &[f64]) -> f64 {
        let pass = self.forward(&self.unpack(theta));
        (&pass.output - &self.targets).norm_squared() / self.rows()
    }

    /// Returns the loss and its gradient at `theta`.
    pub fn gradient(&self, theta: &[f64]) -> (f64, DVector<f64>) {
        let layers = self.unpack(theta);
        let pass = self.forward(&layers);
        let residual = &pass.output - &self.targets;
        let loss = residual.norm_squared() / self.rows();
        let delta = residual * (2.0 / self.rows());
        (loss, self.backward(&layers, &pass, delta))
    }

    /// Returns the product of the Hessian at `theta` with `direction`.
    pub fn hessian_vector(&self, theta: &[f64], direction: &[f64]) -> DVector<f64> {
        let layers = self.unpack(theta);
        let pass = self.forward(&layers);
        self.hessian_vector_at(&layers, &pass, &self.unpack(direction))
    }

    /// Returns the gradient of the squared gradient norm at `theta`: `2 H g`.
    pub fn squared_gradient_norm_gradient(&self, theta: &[f64]) -> DVector<f64> {
        let (_, gradient) = self.gradient(theta);
        self.hessian_vector(theta, gradient.as_slice()) * 2.0
    }

    /// Returns the full Hessian at `theta`, one Hessian-vector product per column,
    /// symmetrised to remove rounding differences between its two triangles.
    pub fn hessian(&self, theta: &[f64]) -> DMatrix<f64> {
        let count = self.parameter_count();
        let layers = self.unpack(theta);
        let pass = self.forward(&layers);
        let mut hessian = DMatrix::zeros(count, count);
        let mut unit = vec![0.0; count];
        for column in 0..count {
            unit[column] = 1.0;
            let product = self.hessian_vector_at(&layers, &pass, &self.unpack(&unit));
            hessian.set_column(column, &product);
            unit[column] = 0.0;
        }
        (&hessian + hessian.transpose()) * 0.5
    }

    fn rows(&self) -> f64 {
        self.inputs.nrows() as f64
    }

    /// Splits a flat vector into per-layer weights and biases.
    fn unpack(&self, flat: &[f64]) -> Vec<Layer> {
        assert_eq!(flat.len(), self.parameter_count(), "the vector needs one value per parameter");
        let mut offset = 0;
        self.widths
            .windows(2)
            .map(|pair| {
                let (fan_in, fan_out) = (pair[0], pair[1]);
                let weight = DMatrix::from_row_slice(
                    fan_in,
                    fan_out,
                    &flat[offset..offset + fan_in * fan_out],
                );
                offset += fan_in * fan_out;
                let bias = RowDVector::from_row_slice(&flat[offset..offset + fan_out]);
                offset += fan_out;
                Layer { weight, bias }
            })
            .collect()
    }

    fn forward(&self, layers: &[Layer]) -> Pass {
        let last = layers.len() - 1;
        let mut inputs = Vec::with_capacity(layers.len());
        let mut slopes = Vec::with_capacity(last);
        let mut curvatures = Vec::with_capacity(last);
        let mut activation = self.inputs.clone();
        for layer in &layers[..last] {
            let z = affine(&activation, &layer.weight, &layer.bias);
            let (value, slope, curvature) = match self.activation {
                Activation::LeakyRelu | Activation::Relu => {
                    let below = if self.activation == Activation::Relu { 0.0 } else { LEAKY_SLOPE };
                    let slope = z.map(|v| if v > 0.0 { 1.0 } else { below });
                    (z.component_mul(&slope), slope, DMatrix::zeros(z.nrows(), z.ncols()))
                }
                Activation::Tanh => {
                    let value = z.map(f64::tanh);
                    let slope = value.map(|t| 1.0 - t * t);
                    let curvature = value.zip_map(&slope, |t, s| -2.0 * t * s);
                    (value, slope, curvature)
                }
            };
            inputs.push(std::mem::replace(&mut activation, value));
            slopes.push(slope);
            curvatures.push(curvature);
        }
        let output = affine(&activation, &layers[last].weight, &layers[last].bias);
        inputs.push(activation);
        Pass { inputs, slopes, curvatures, output }
    }

    /// Backpropagates `delta`, the loss's derivative with respect to the output, into the
    /// gradient of every parameter.
    fn backward(&self, layers: &[Layer], pass: &Pass, mut delta: DMatrix<f64>) -> DVector<f64> {
        let mut gradient = DVector::zeros(self.parameter_count());
        let mut end = gradient.len();
        for index in (0..layers.len()).rev() {
            let weight_gradient = pass.inputs[index].transpose() * &delta;
            end = write_layer(&mut gradient, end, &weight_gradient, &delta.row_sum());
            if index > 0 {
                delta = (&delta * layers[index].weight.transpose())
                    .component_mul(&pass.slopes[index - 1]);
            }
        }
        gradient
    }

    /// Applies the R-operator in `direction` to the forward and backward passes.
    fn hessian_vector_at(
        &self,
        layers: &[Layer],
        pass: &Pass,
        direction: &[Layer],
    ) -> DVector<f64> {
        let last = layers.len() - 1;
        // Forward: the directional derivative of every layer's input, of every hidden
        // pre-activation and of the output.
        let mut r_inputs = Vec::with_capacity(layers.len());
        let mut r_hidden = Vec::with_capacity(last);
        let mut r_activation = DMatrix::zeros(self.inputs.nrows(), self.widths[0]);
        for index in 0..=last {
            let r_z = &r_activation * &layers[index].weight
                + affine(&pass.inputs[index], &direction[index].weight, &direction[index].bias);
            let next = if index < last {
                let r_a = r_z.component_mul(&pass.slopes[index]);
                r_hidden.push(r_z);
                r_a
            } else {
                r_z
            };
            r_inputs.push(std::mem::replace(&mut r_activation, next));
        }
        let scale = 2.0 / self.rows();
        let mut delta = (&pass.output - &self.targets) * scale;
        let mut r_delta = r_activation * scale;

        // Backward: the directional derivative of every layer's gradient.
        let mut product = DVector::zeros(self.parameter_count());
        let mut end = product.len();
        for index in (0..=last).rev() {
            let r_weight_gradient =
                r_inputs[index].transpose() * &delta + pass.inputs[index].transpose() * &r_delta;
            end = write_layer(&mut product, end, &r_weight_gradient, &r_delta.row_sum());
            if index > 0 {
                let slope = &pass.slopes[index - 1];
                let back = &delta * layers[index].weight.transpose();
                r_delta = (&r_delta * layers[index].weight.transpose()
                    + &delta * direction[index].weight.transpose())
                .component_mul(slope)
                    + back
                        .component_mul(&pass.curvatures[index - 1])
                        .component_mul(&r_hidden[index - 1]);
                delta = back.component_mul(slope);
            }
        }
        product
    }
}

/// Returns `input * weight` with `bias` added to every row.
fn affine(input: &DMatrix<f64>, weight: &DMatrix<f64>, bias: &RowDVector<f64>) -> DMatrix<f64> {
    let mut z = input * weight;
    for mut row in z.row_iter_mut() {
        row += bias;
    }
    z
}

/// Writes one layer's weight (row-major) and bias into `flat` so that they end at `end`, and
/// returns where they begin.
fn write_layer(
    flat: &mut DVector<f64>,
    end: usize,
    weight: &DMatrix<f64>,
    bias: &RowDVector<f64>,
) -> usize {
    let bias_start = end - bias.len();
    flat.rows_mut(bias_start, bias.len()).copy_from(&bias.transpose());
    let weight_start = bias_start - weight.len();
    flat.rows_mut(weight_start, weight.len()).copy_from_slice(weight.transpose().as_slice());
    weight_start
}
