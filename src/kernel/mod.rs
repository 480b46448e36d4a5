//! gradlab's own kernels for the hot operations of its CNNs, plugged into burn as a backend
//! extension with a hand-written backward pass, so that both CPU engines and autodiff use them.

// burn 0.22 deprecates ndarray in favour of flex; it stays selectable, so it gets the kernels too.
#![allow(deprecated)]

pub mod activation;
pub mod conv;
mod lanes;
mod matmul;
pub mod pool;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    backend_extension, Autodiff, Backend, Dispatch, Flex, NdArray, TensorMetadata,
};
use burn::prelude::*;
use conv::ConvShape;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Operations gradlab computes with its own kernels.
#[backend_extension(Flex, NdArray, Autodiff)]
pub trait Kernels: Backend {
    /// 2x2 max-pooling with stride 2, then ReLU: `[b, c, h, w]` to `[b, c, h / 2, w / 2]`.
    fn max_pool2_relu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        pool_forward::<Self>(x).0
    }

    /// Square convolution with stride 1 and `padding` zeros on each side: `x` `[b, in, h, w]`,
    /// `weight` `[out, in, k, k]`, `bias` `[out]`, result `[b, out, h + 2p + 1 - k, ...]`.
    fn conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        padding: usize,
    ) -> FloatTensor<Self> {
        conv_forward::<Self>(x, weight, bias, padding).output
    }

    /// LeakyReLU with `slope` below zero, elementwise on a tensor of any shape.
    fn leaky_relu(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        let (shape, device) = (x.shape(), x.device());
        let values = activation::leaky_relu(&read_f32::<Self>(x), slope);
        write_f32::<Self>(values, shape, &device)
    }
}

impl Kernels for Flex {}

impl Kernels for NdArray {}

impl<B: Backend, C: CheckpointStrategy> Kernels for Autodiff<B, C> {
    fn max_pool2_relu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let (input, node) = x.into_parts();
        let shape = input.shape();
        let (output, winners) = pool_forward::<B>(input);
        match MaxPool2Relu.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(PoolState { winners, shape }, output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }

    fn conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        padding: usize,
    ) -> FloatTensor<Self> {
        let (x, x_node) = x.into_parts();
        let (weight, weight_node) = weight.into_parts();
        let (bias, bias_node) = bias.into_parts();
        let ConvForward { shape, input, weight, output } =
            conv_forward::<B>(x, weight, bias, padding);
        let nodes = [x_node, weight_node, bias_node];
        match Conv2d.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let state = ConvState { input: Arc::new(input), weight: Arc::new(weight), shape };
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }
    fn leaky_relu(x: FloatTensor<Self>, slope: f32) -> FloatTensor<Self> {
        let (input, node) = x.into_parts();
        let (shape, device) = (input.shape(), input.device());
        let input = read_f32::<B>(input);
        let output = write_f32::<B>(activation::leaky_relu(&input, slope), shape, &device);
        match LeakyRelu.prepare::<C>([node]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                prep.finish(LeakyState { input: Arc::new(input), slope }, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(output),
        }
    }
}

/// Applies [`Kernels::conv2d`] to tensors of any engine, with or without autodiff.
pub fn conv2d(x: Tensor<4>, weight: Tensor<4>, bias: Tensor<1>, padding: usize) -> Tensor<4> {
    let (x, weight, bias) = (x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch());
    Tensor::from_dispatch(<Dispatch as Kernels>::conv2d(x, weight, bias, padding))
}

/// Applies [`Kernels::max_pool2_relu`] to a tensor of any engine, with or without autodiff.
pub fn max_pool2_relu(x: Tensor<4>) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as Kernels>::max_pool2_relu(x.into_dispatch()))
}

/// Applies [`Kernels::leaky_relu`] to a tensor of any engine, with or without autodiff.
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f32) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as Kernels>::leaky_relu(x.into_dispatch(), slope))
}

/// The backward step of [`Kernels::leaky_relu`].
#[derive(Debug)]
struct LeakyRelu;

/// The forward values the backward step of [`LeakyRelu`] needs.
#[derive(Clone, Debug)]
struct LeakyState {
    input: Arc<Vec<f32>>,
    slope: f32,
}

impl<B: Backend> Backward<B, 1> for LeakyRelu {
    type State = LeakyState;

    fn backward(self, ops: Ops<LeakyState, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        unary_backward::<B, _>(ops, grads, |LeakyState { input, slope }, output_grad, shape| {
            (activation::leaky_relu_backward(&input, &output_grad, slope), shape)
        });
    }
}

/// The backward step of [`Kernels::max_pool2_relu`].
#[derive(Debug)]
struct MaxPool2Relu;

/// The forward values the backward step of [`MaxPool2Relu`] needs.
#[derive(Clone, Debug)]
struct PoolState {
    winners: Vec<u8>,
    shape: Shape,
}

impl<B: Backend> Backward<B, 1> for MaxPool2Relu {
    type State = PoolState;

    fn backward(self, ops: Ops<PoolState, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        unary_backward::<B, _>(ops, grads, |PoolState { winners, shape }, output_grad, _| {
            let [planes, height, width] = planes_of(&shape);
            (pool::backward(&output_grad, &winners, planes, height, width), shape)
        });
    }
}

/// Runs the backward step of a one-input kernel: `input_grad` maps the state, the output
/// gradient and its shape to the input gradient and its shape, which is registered.
fn unary_backward<B: Backend, S>(
    ops: Ops<S, 1>,
    grads: &mut Gradients,
    input_grad: impl FnOnce(S, Vec<f32>, Shape) -> (Vec<f32>, Shape),
) {
    let [parent] = ops.parents;
    let output_grad = grads.consume::<B>(&ops.node);
    let Some(parent) = parent else { return };
    let (shape, device) = (output_grad.shape(), output_grad.device());
    let (grad, shape) = input_grad(ops.state, read_f32::<B>(output_grad), shape);
    grads.register::<B>(parent.id, write_f32::<B>(grad, shape, &device));
}

/// The backward step of [`Kernels::conv2d`].
#[derive(Debug)]
struct Conv2d;

/// The forward values the backward step of [`Conv2d`] needs.
#[derive(Clone, Debug)]
struct ConvState {
    /// The input, padded.
    input: Arc<Vec<f32>>,
    weight: Arc<Vec<f32>>,
    shape: ConvShape,
}

impl<B: Backend> Backward<B, 3> for Conv2d {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, weight, bias] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let device = output_grad.device();
        let ConvState { input, weight: weight_values, shape: s } = ops.state;
        let dy = read_f32::<B>(output_grad);
        if let Some(node) = x {
            let grad = conv::input_grad(&weight_values, &dy, &s);
            let dims = [s.batch, s.in_channels, s.height, s.width];
            grads.register::<B>(node.id, write_f32::<B>(grad, Shape::new(dims), &device));
        }
        if let Some(node) = weight {
            let grad = conv::weight_grad(&input, &dy, &s);
            let dims = [s.out_channels, s.in_channels, s.kernel, s.kernel];
            grads.register::<B>(node.id, write_f32::<B>(grad, Shape::new(dims), &device));
        }
        if let Some(node) = bias {
            let grad = conv::bias_grad(&dy, &s);
            grads.register::<B>(
                node.id,
                write_f32::<B>(grad, Shape::new([s.out_channels]), &device),
            );
        }
    }
}

/// Pools `x` and returns the output with the winner of each window.
fn pool_forward<B: Backend>(x: FloatTensor<B>) -> (FloatTensor<B>, Vec<u8>) {
    let (shape, device) = (x.shape(), x.device());
    let [planes, height, width] = planes_of(&shape);
    let pooled = pool::forward(&read_f32::<B>(x), planes, height, width);
    (write_f32::<B>(pooled.values, pooled_shape(&shape), &device), pooled.winners)
}

/// A convolution's forward pass, with what its backward pass needs.
struct ConvForward<B: Backend> {
    shape: ConvShape,
    /// The input, padded.
    input: Vec<f32>,
    weight: Vec<f32>,
    output: FloatTensor<B>,
}

/// Convolves `x` with `weight` and `bias`, with `padding` zeros on each side.
fn conv_forward<B: Backend>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    bias: FloatTensor<B>,
    padding: usize,
) -> ConvForward<B> {
    let device = x.device();
    let shape = conv_shape(&x.shape(), &weight.shape(), padding);
    let input = conv::pad_input(read_f32::<B>(x), &shape);
    let weight = read_f32::<B>(weight);
    let output = conv::forward(&input, &weight, &read_f32::<B>(bias), &shape);
    let output = write_f32::<B>(output, convolved_shape(&shape), &device);
    ConvForward { shape, input, weight, output }
}

/// Reads the sizes of a convolution from its input and weight shapes.
fn conv_shape(x: &Shape, weight: &Shape, padding: usize) -> ConvShape {
    let [batch, in_channels, height, width] = x.dims();
    let [out_channels, weight_in, kernel, kernel_w] = weight.dims();
    assert_eq!(kernel, kernel_w, "the convolution kernels should be square");
    assert_eq!(in_channels, weight_in, "the weights should match the input channels");
    ConvShape { batch, in_channels, out_channels, height, width, kernel, padding }
}

/// Returns the output shape of a convolution.
fn convolved_shape(s: &ConvShape) -> Shape {
    Shape::new([s.batch, s.out_channels, s.out_height(), s.out_width()])
}

/// Folds `[b, c, h, w]` into `[b * c, h, w]`.
fn planes_of(shape: &Shape) -> [usize; 3] {
    let [batch, channels, height, width] = shape.dims();
    [batch * channels, height, width]
}

/// Returns the shape [`pool::forward`] produces from `shape`.
fn pooled_shape(shape: &Shape) -> Shape {
    let [batch, channels, height, width] = shape.dims();
    Shape::new([batch, channels, pool::pooled_side(height), pool::pooled_side(width)])
}

/// Copies a float tensor of a CPU engine into a vector of `f32`.
fn read_f32<B: Backend>(x: FloatTensor<B>) -> Vec<f32> {
    let mut future = std::pin::pin!(B::float_into_data(x));
    let Poll::Ready(data) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
        unreachable!("CPU engines read tensors at once");
    };
    let data = data.expect("a CPU tensor should be readable");
    data.convert::<f32>().try_into_vec().expect("converted data should contain f32 values")
}

/// Makes a float tensor of `shape` from `values`.
fn write_f32<B: Backend>(values: Vec<f32>, shape: Shape, device: &B::Device) -> FloatTensor<B> {
    B::float_from_data(TensorData::new(values, shape), device)
}
