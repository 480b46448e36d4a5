//! The two training workloads of the speed benchmark, run on gradlab's own trainers so the
//! benchmark measures the code the experiments use.
//!
//! Each step is a forward pass, a backward pass, an Adam update and the loss read back to the
//! host. The peers of the benchmark (TensorFlow.js, ConvNetJS, PyTorch) build the same
//! networks on the same kind of data.

use crate::data::function::{Samples, Target};
use crate::data::mnist::{Digits, CLASSES, PIXELS};
use crate::engine::Engine;
use crate::model::cnn::{CnnSpec, ConvBlock};
use crate::model::mlp::{Activation, MlpSpec};
use crate::model::{Cnn, Mlp};
use crate::rng::{stream_of, Rng};
use crate::train::classification::Classification;
use crate::train::regression::Regression;
use burn::module::Module;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Workload A: the deep fitting MLP, LeakyReLU (slope 0.01) between layers.
pub const MLP_WORKLOAD: MlpSpec = MlpSpec {
    name: "bench-mlp",
    widths: &[1, 5, 10, 10, 10, 10, 10, 5, 1],
    activation: Activation::LeakyRelu,
};
/// Points of workload A, all in one full batch, drawn uniformly from [`MLP_DOMAIN`].
pub const MLP_POINTS: usize = 1000;
/// The input range of workload A.
pub const MLP_DOMAIN: [f64; 2] = [-5.0, 5.0];
/// Adam's learning rate in workload A.
pub const MLP_LEARNING_RATE: f64 = 0.0011;

/// Workload B: two 5x5 convolution blocks (8 and 16 channels, ReLU, 2x2 max-pooling), a dense
/// layer of 64 units with ReLU and a dense layer of 10 logits.
pub const CNN_WORKLOAD: CnnSpec = CnnSpec {
    name: "bench-cnn",
    blocks: &[
        ConvBlock { channels: 8, kernel: 5, padding: 0 },
        ConvBlock { channels: 16, kernel: 5, padding: 0 },
    ],
    hidden: 64,
};
/// Images per step in workload B.
pub const CNN_BATCH: usize = 64;
/// Random images that workload B cycles through. Pixel values hardly change the cost of a step.
pub const CNN_IMAGES: usize = 1024;
/// Adam's learning rate in workload B.
pub const CNN_LEARNING_RATE: f64 = 0.001;

/// One of the benchmark's two workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// A: the 1-5-10-10-10-10-10-5-1 MLP on 1000 points of x sigmoid(x), full batch, MSE.
    Mlp,
    /// B: the small CNN on batches of 64 28x28 images, softmax cross-entropy.
    Cnn,
}

impl Workload {
    /// Both workloads, A first.
    pub const ALL: [Workload; 2] = [Workload::Mlp, Workload::Cnn];

    /// Returns the workload's name as used on the command line and in result files.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Mlp => "mlp",
            Workload::Cnn => "cnn",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Workload {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Workload::ALL
            .into_iter()
            .find(|workload| workload.name() == name)
            .ok_or_else(|| format!("unknown workload '{name}'; expected mlp or cnn"))
    }
}

/// A workload's model, optimizer and data, advanced one training step at a time.
pub enum BenchRun {
    /// Workload A.
    Mlp(Box<Regression>),
    /// Workload B. Both trainers are boxed, since they differ in size by hundreds of bytes.
    Cnn(Box<Classification>),
}

impl BenchRun {
    /// Builds `workload` on `engine`, with weights and data drawn from `seed`.
    pub fn new(workload: Workload, engine: Engine, seed: u64) -> Self {
        let device = engine.autodiff_device();
        let root = Rng::new(seed);
        let mut model_rng = root.fork(stream_of("bench-model"));
        let mut data_rng = root.fork(stream_of("bench-data"));
        let order_rng = root.fork(stream_of("bench-order"));
        match workload {
            Workload::Mlp => {
                let model = Mlp::from_spec(&MLP_WORKLOAD, &mut model_rng, &device);
                let samples = uniform_samples(&mut data_rng);
                BenchRun::Mlp(Box::new(Regression::new(
                    model,
                    samples,
                    0,
                    MLP_LEARNING_RATE,
                    order_rng,
                    &device,
                )))
            }
            Workload::Cnn => {
                let model = Cnn::new(&CNN_WORKLOAD, &mut model_rng, &device);
                let digits = random_digits(&mut data_rng);
                BenchRun::Cnn(Box::new(Classification::new(
                    model,
                    digits,
                    CNN_BATCH,
                    CNN_LEARNING_RATE,
                    order_rng,
                    &device,
                )))
            }
        }
    }

    /// Returns the number of weights and biases of the workload's model.
    pub fn parameter_count(&self) -> usize {
        match self {
            BenchRun::Mlp(regression) => regression.model().num_params(),
            BenchRun::Cnn(classification) => classification.model().num_params(),
        }
    }

    /// Runs one training step and returns its loss, read back from the engine.
    pub fn step(&mut self) -> f64 {
        match self {
            BenchRun::Mlp(regression) => {
                regression.step();
                regression.last_loss().expect("a step records its loss")
            }
            BenchRun::Cnn(classification) => classification.step().0,
        }
    }
}

/// Returns [`MLP_POINTS`] points of x sigmoid(x) with x uniform in [`MLP_DOMAIN`].
fn uniform_samples(rng: &mut Rng) -> Samples {
    let [low, high] = MLP_DOMAIN;
    let x: Vec<f64> = (0..MLP_POINTS).map(|_| rng.uniform(low, high)).collect();
    Samples {
        y: x.iter().map(|&value| Target::Silu.eval(value) as f32).collect(),
        x: x.iter().map(|&value| value as f32).collect(),
    }
}

/// Returns [`CNN_IMAGES`] images of uniform random pixels with random labels.
fn random_digits(rng: &mut Rng) -> Digits {
    let images = (0..CNN_IMAGES * PIXELS).map(|_| rng.below(256) as u8).collect();
    let labels = (0..CNN_IMAGES).map(|_| rng.below(CLASSES) as u8).collect();
    Digits { images, labels }
}
