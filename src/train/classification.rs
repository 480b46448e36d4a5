//! Softmax cross-entropy training of a [`Classifier`] on digits with Adam, in shuffled
//! mini-batches.

use crate::data::mnist::{Digits, CLASSES, PIXELS, SIDE};
use crate::model::Classifier;
use crate::rng::Rng;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

/// Images per forward pass when evaluating, to bound the activations' memory.
const EVALUATION_BATCH: usize = 500;

/// The loss and accuracy of a model on a set of digits, with its predicted classes.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    /// Fraction of images classified correctly, in [0, 1].
    pub accuracy: f64,
    /// Predicted class of every image, in order.
    pub predictions: Vec<u8>,
}

/// A classifier, its optimizer and its training digits, advanced one mini-batch at a time.
pub struct Classification {
    model: Option<Classifier>,
    optimizer: ModuleOptimizer,
    loss: CrossEntropyLoss,
    learning_rate: f64,
    digits: Digits,
    batch_size: usize,
    order: Vec<usize>,
    cursor: usize,
    rng: Rng,
    device: Device,
}

impl Classification {
    /// Prepares training of `model` on `digits` in batches of `batch_size` (at least 1, at
    /// most all digits), drawn in an order reshuffled from `rng` every epoch.
    pub fn new(
        model: impl Into<Classifier>,
        digits: Digits,
        batch_size: usize,
        learning_rate: f64,
        rng: Rng,
        device: &Device,
    ) -> Self {
        let batch_size = batch_size.clamp(1, digits.len().max(1));
        Self {
            model: Some(model.into()),
            optimizer: AdamConfig::new().init(),
            loss: CrossEntropyLossConfig::new().init(device),
            learning_rate,
            order: (0..digits.len()).collect(),
            digits,
            batch_size,
            cursor: 0,
            rng,
            device: device.clone(),
        }
    }

    /// Returns the number of optimizer steps in one epoch; the last batch may be smaller.
    pub fn steps_per_epoch(&self) -> usize {
        self.digits.len().div_ceil(self.batch_size)
    }

    /// Returns the model being trained.
    pub fn model(&self) -> &Classifier {
        self.model.as_ref().expect("the model is only taken out during a step")
    }

    /// Trains on the next mini-batch and returns its mean loss before the update, with the
    /// batch's size. A new epoch starts with a fresh shuffle.
    pub fn step(&mut self) -> (f64, usize) {
        if self.cursor == 0 {
            self.rng.shuffle(&mut self.order);
        }
        let end = (self.cursor + self.batch_size).min(self.order.len());
        let batch: Vec<usize> = self.order[self.cursor..end].to_vec();
        self.cursor = if end == self.order.len() { 0 } else { end };

        let model = self.model.take().expect("the model is only taken out during a step");
        let logits = model.forward(images_tensor(&self.digits, &batch, &self.device));
        let loss = self.loss.forward(logits, labels_tensor(&self.digits, &batch, &self.device));
        let value = loss.clone().into_scalar::<f32>() as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(self.learning_rate, model, grads));
        (value, batch.len())
    }

    /// Evaluates the model on `digits` without training it.
    pub fn evaluate(&self, digits: &Digits) -> Evaluation {
        evaluate(self.model(), digits, &self.device)
    }

    /// Returns the training digits.
    pub fn digits(&self) -> &Digits {
        &self.digits
    }
}

/// Evaluates `model` on `digits`, on `device`, in batches of at most 500 images.
pub fn evaluate(model: &Classifier, digits: &Digits, device: &Device) -> Evaluation {
    // On the plain engine, without autodiff: an autodiff device would record every batch's
    // activations for a backward pass that never comes.
    let model = model.valid();
    let device = &device.clone().inner();
    let loss_function = CrossEntropyLossConfig::new().init(device);
    let (mut loss_sum, mut predictions) = (0.0, Vec::with_capacity(digits.len()));
    let indices: Vec<usize> = (0..digits.len()).collect();
    for chunk in indices.chunks(EVALUATION_BATCH) {
        let logits = model.forward(images_tensor(digits, chunk, device));
        let loss = loss_function.forward(logits.clone(), labels_tensor(digits, chunk, device));
        loss_sum += loss.into_scalar::<f32>() as f64 * chunk.len() as f64;
        let classes = logits.argmax(1).into_data();
        predictions.extend(classes.iter::<i64>().map(|class| class as u8));
    }
    let correct = predictions.iter().zip(&digits.labels).filter(|(p, l)| p == l).count();
    let count = digits.len().max(1) as f64;
    Evaluation { loss: loss_sum / count, accuracy: correct as f64 / count, predictions }
}

/// Returns the sensitivity of `model` on `digits`, computed `batch` images at a time on the
/// autodiff `device`. It is the mean over images of the Frobenius norm of the gradient of each
/// image's own loss with respect to its own input, the standardised pixels fed to the network.
///
/// The batch loss is the sum, not the mean, of the images' losses: each image's input then
/// gets the gradient of its own loss, whatever the batch size.
pub fn sensitivity(model: &Classifier, digits: &Digits, batch: usize, device: &Device) -> f64 {
    let loss_function = CrossEntropyLossConfig::new().init(device);
    let indices: Vec<usize> = (0..digits.len()).collect();
    let mut norm_sum = 0.0;
    for chunk in indices.chunks(batch.max(1)) {
        let input = images_tensor(digits, chunk, device).require_grad();
        let logits = model.forward(input.clone());
        let mean = loss_function.forward(logits, labels_tensor(digits, chunk, device));
        let grads = (mean * chunk.len() as f64).backward();
        let gradient = input.grad(&grads).expect("the input requires its gradient");
        let norms = gradient.powi_scalar(2).reshape([chunk.len(), PIXELS]).sum_dim(1).sqrt();
        norm_sum += norms.sum().into_scalar::<f32>() as f64;
    }
    norm_sum / digits.len().max(1) as f64
}

/// Mean and standard deviation of MNIST pixels scaled to [0, 1], over the 60,000 training
/// images of the full set; inputs are standardised with them.
const PIXEL_MEAN: f32 = 0.1307;
const PIXEL_STD: f32 = 0.3081;

/// Builds the `[batch, 1, 28, 28]` tensor of the images at `indices`, standardised.
pub fn images_tensor(digits: &Digits, indices: &[usize], device: &Device) -> Tensor<4> {
    let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
    for &index in indices {
        let image = digits.image(index);
        pixels.extend(image.iter().map(|&p| (f32::from(p) / 255.0 - PIXEL_MEAN) / PIXEL_STD));
    }
    Tensor::from_data(TensorData::new(pixels, [indices.len(), 1, SIDE, SIDE]), device)
}

/// Builds the `[batch]` tensor of the labels at `indices`.
pub fn labels_tensor(digits: &Digits, indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let labels: Vec<i64> = indices.iter().map(|&index| i64::from(digits.labels[index])).collect();
    Tensor::from_data(TensorData::new(labels, [indices.len()]), device)
}

/// Counts `matrix[true][predicted]` over a set of digits.
pub fn confusion_matrix(labels: &[u8], predictions: &[u8]) -> [[u32; CLASSES]; CLASSES] {
    let mut matrix = [[0; CLASSES]; CLASSES];
    for (&label, &predicted) in labels.iter().zip(predictions) {
        matrix[usize::from(label)][usize::from(predicted)] += 1;
    }
    matrix
}
