//! Argument parsing and exit codes of the `gradlab` command line.

use crate::{bench, data, fit, generalization, gradnorm, minratio, mnist, pca};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "gradlab", version, about = "Train small networks and see how they learn")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Deep vs shallow: fit three MLPs of about 571 parameters to a 1-D function.
    Fit(fit::FitArgs),
    /// MNIST: three CNNs of about 25,500 parameters that differ in depth.
    Mnist(mnist::MnistArgs),
    /// The optimization path of 8 runs, projected onto its first two principal components.
    Pca(pca::PcaArgs),
    /// The loss and the gradient norm at every step of training on sgn-cos.
    Gradnorm(gradnorm::GradNormArgs),
    /// Minimal ratios of the Hessian at points where the gradient norm is almost zero.
    Minratio(minratio::MinRatioArgs),
    /// A 784-500-10 network fitting permuted MNIST labels: train loss falls, test loss rises.
    RandomLabels(generalization::GeneralizationArgs),
    /// Ten CNNs from about 43,000 to 398,000 parameters: final metrics against size.
    Capacity(generalization::GeneralizationArgs),
    /// Metrics along the line between a batch-64 and a batch-1024 solution.
    Interpolate(generalization::GeneralizationArgs),
    /// Metrics and input sensitivity of models trained with batch sizes 16 to 4096.
    Sensitivity(generalization::GeneralizationArgs),
    /// Time training steps of a benchmark workload and print milliseconds per step as JSON.
    Bench(bench::BenchArgs),
    /// Prepare data files.
    #[command(subcommand)]
    Data(data::DataCommand),
}

/// A failure that ends the program, with its exit code: 2 for invalid input, 1 otherwise.
pub enum Failure {
    /// The arguments were understood but a value is out of range.
    Usage(String),
    /// The run could not complete, for example because a file could not be written.
    Runtime(String),
}

/// Runs the command line and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fit(args) => fit::run(args),
        Command::Mnist(args) => mnist::run(args),
        Command::Pca(args) => pca::run(args),
        Command::Gradnorm(args) => gradnorm::run(args),
        Command::Minratio(args) => minratio::run(args),
        Command::RandomLabels(args) => generalization::random_labels(args),
        Command::Capacity(args) => generalization::capacity(args),
        Command::Interpolate(args) => generalization::interpolate(args),
        Command::Sensitivity(args) => generalization::sensitivity(args),
        Command::Bench(args) => bench::run(args),
        Command::Data(command) => data::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("gradlab: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("gradlab: {message}");
            ExitCode::FAILURE
        }
    }
}
