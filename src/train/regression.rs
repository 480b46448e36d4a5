//! Mean-squared-error regression of an [`Mlp`] with Adam, full-batch or mini-batch.

use crate::data::function::Samples;
use crate::model::Mlp;
use crate::rng::Rng;
use crate::train::gradient_norm;
use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

/// The maximum number of rows pushed through the network at once. Larger batches are split into chunks
/// whose gradients are summed before the update, which gives the same step with bounded
/// memory: a million-point full batch through a 190-wide layer would otherwise need
/// gigabytes of activations.
pub const MAX_CHUNK_ROWS: usize = 8192;

/// A model, its optimizer and its data, advanced one optimizer step at a time.
pub struct Regression {
    model: Option<Mlp>,
    optimizer: ModuleOptimizer,
    learning_rate: f64,
    samples: Samples,
    batch_size: usize,
    order: Vec<usize>,
    cursor: usize,
    squared_error_sum: f64,
    rng: Rng,
    device: Device,
    chunk_rows: usize,
    full_batch: Vec<(Tensor<2>, Tensor<2>)>,
    measure_gradient: bool,
    gradient_norm: Option<f64>,
    last_loss: Option<f64>,
}

impl Regression {
    /// Prepares training of `model` on `samples`. A `batch_size` of 0, or one of at least the
    /// number of samples, means full batch; smaller batches are drawn in an order reshuffled
    /// from `rng` every epoch.
    pub fn new(
        model: Mlp,
        samples: Samples,
        batch_size: usize,
        learning_rate: f64,
        rng: Rng,
        device: &Device,
    ) -> Self {
        let count = samples.len();
        let batch_size = if batch_size == 0 { count } else { batch_size.min(count) };
        let order: Vec<usize> = (0..count).collect();
        let mut regression = Self {
            model: Some(model),
            optimizer: AdamConfig::new().init(),
            learning_rate,
            samples,
            batch_size,
            order,
            cursor: 0,
            squared_error_sum: 0.0,
            rng,
            device: device.clone(),
            chunk_rows: MAX_CHUNK_ROWS,
            full_batch: Vec::new(),
            measure_gradient: false,
            gradient_norm: None,
            last_loss: None,
        };
        regression.prepare_full_batch();
        regression
    }

    /// Splits batches into chunks of at most `rows` rows instead of [`MAX_CHUNK_ROWS`]; the
    /// steps stay the same up to rounding.
    pub fn with_chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self.prepare_full_batch();
        self
    }

    /// Measures the L2 norm of the batch gradient over all parameters in every step, for
    /// [`Regression::gradient_norm`]. It costs one more read-back from the device per step.
    pub fn measuring_gradient_norm(mut self) -> Self {
        self.measure_gradient = true;
        self
    }

    /// Returns the batch loss of the last step, before its update.
    pub fn last_loss(&self) -> Option<f64> {
        self.last_loss
    }

    /// Returns the gradient norm of the last step, before its update, when measured.
    pub fn gradient_norm(&self) -> Option<f64> {
        self.gradient_norm
    }

    /// Builds the full batch's tensors once, when every step uses all samples.
    fn prepare_full_batch(&mut self) {
        self.full_batch = if self.batch_size == self.samples.len() {
            chunk_tensors(&self.samples, &self.order, self.chunk_rows, &self.device)
        } else {
            Vec::new()
        };
    }

    /// Returns the number of optimizer steps in one epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.samples.len().div_ceil(self.batch_size)
    }

    /// Returns the model being trained.
    pub fn model(&self) -> &Mlp {
        self.model.as_ref().expect("the model is only taken out during a step")
    }

    /// Applies one optimizer step on the next batch. Returns the epoch's loss when this step
    /// ends an epoch: the mean squared error over all samples, each measured in the step
    /// that used it (before that step's update).
    pub fn step(&mut self) -> Option<f64> {
        if !self.full_batch.is_empty() {
            let chunks = std::mem::take(&mut self.full_batch);
            let loss = self.update(&chunks, self.samples.len());
            self.full_batch = chunks;
            self.last_loss = Some(loss);
            return Some(loss);
        }

        if self.cursor == 0 {
            self.rng.shuffle(&mut self.order);
            self.squared_error_sum = 0.0;
        }
        let end = (self.cursor + self.batch_size).min(self.order.len());
        let batch = &self.order[self.cursor..end];
        let chunks = chunk_tensors(&self.samples, batch, self.chunk_rows, &self.device);
        let rows = batch.len();
        let loss = self.update(&chunks, rows);
        self.last_loss = Some(loss);
        self.squared_error_sum += loss * rows as f64;
        self.cursor = end % self.order.len();
        (self.cursor == 0).then(|| self.squared_error_sum / self.samples.len() as f64)
    }

    /// Trains one whole epoch and returns its loss (see [`Regression::step`]).
    pub fn epoch(&mut self) -> f64 {
        loop {
            if let Some(loss) = self.step() {
                return loss;
            }
        }
    }

    /// Applies one Adam step on the batch given as `chunks` of `rows` rows in all, and
    /// returns the batch's mean squared error before the update.
    fn update(&mut self, chunks: &[(Tensor<2>, Tensor<2>)], rows: usize) -> f64 {
        let model = self.model.take().expect("the model is only taken out during a step");
        let mut accumulator = GradientsAccumulator::<Mlp>::new();
        let mut loss = 0.0;
        for (x, y) in chunks {
            // Each chunk's squared errors are divided by the whole batch's row count, so the
            // chunk losses and gradients add up to those of the batch mean.
            let chunk_loss =
                (model.forward(x.clone()) - y.clone()).powi_scalar(2).sum() / rows as f64;
            loss += chunk_loss.clone().into_scalar::<f32>() as f64;
            let grads = GradientsParams::from_grads(chunk_loss.backward(), &model);
            accumulator.accumulate(&model, grads);
        }
        let grads = accumulator.grads();
        if self.measure_gradient {
            self.gradient_norm = Some(gradient_norm(&model, &grads));
        }
        self.model = Some(self.optimizer.step(self.learning_rate, model, grads));
        loss
    }

    /// Returns the mean squared error of the current model over all samples.
    pub fn loss(&self) -> f64 {
        let squared: f64 = self
            .predict(&self.samples.x)
            .iter()
            .zip(&self.samples.y)
            .map(|(&p, &y)| (f64::from(p) - f64::from(y)).powi(2))
            .sum();
        squared / self.samples.len() as f64
    }

    /// Returns the samples trained on.
    pub fn samples(&self) -> &Samples {
        &self.samples
    }

    /// Evaluates the model at each of `x` and returns its outputs.
    pub fn predict(&self, x: &[f32]) -> Vec<f32> {
        // Without autodiff, which would record the activations for a backward pass.
        let model = self.model().valid();
        let device = self.device.clone().inner();
        x.chunks(MAX_CHUNK_ROWS)
            .flat_map(|chunk| {
                let input = column(chunk.to_vec(), &device);
                let output = model.forward(input).into_data();
                output.try_to_vec::<f32>().expect("the model outputs f32")
            })
            .collect()
    }
}

/// Builds `[rows, 1]` input and target tensors for the samples at `indices`, in chunks of at
/// most `chunk_rows` rows.
fn chunk_tensors(
    samples: &Samples,
    indices: &[usize],
    chunk_rows: usize,
    device: &Device,
) -> Vec<(Tensor<2>, Tensor<2>)> {
    indices
        .chunks(chunk_rows)
        .map(|chunk| {
            let x = chunk.iter().map(|&i| samples.x[i]).collect();
            let y = chunk.iter().map(|&i| samples.y[i]).collect();
            (column(x, device), column(y, device))
        })
        .collect()
}

/// Makes a `[len, 1]` tensor from `values`.
fn column(values: Vec<f32>, device: &Device) -> Tensor<2> {
    let rows = values.len();
    Tensor::from_data(TensorData::new(values, [rows, 1]), device)
}
