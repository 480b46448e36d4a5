//! `gradlab mnist`: three CNNs on MNIST digits, with progress lines and result files.

use crate::cli::Failure;
use crate::data::{read_digits, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use crate::fit::usage;
use crate::output::{csv, OutputDir};
use clap::Args;
use gradlab::data::mnist::Digits;
use gradlab::engine::Engine;
use gradlab::experiment::mnist::{
    self, EpochResult, MnistConfig, MnistRun, MnistState, MnistSummary,
};
use gradlab::model::cnn::{CnnSpec, MNIST_MODELS};
use gradlab::plot::Figure;
use gradlab::train::{Progress, RateMeter};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The source of the digits: the shipped files, or standard MNIST IDX files.
#[derive(Args)]
pub struct DataArgs {
    /// Folder holding the four standard gzipped IDX files [default: www/data].
    #[arg(long, default_value = "www/data")]
    data: PathBuf,
    /// IDX file of training images, raw or gzipped, in place of the one in --data.
    #[arg(long, requires = "train_labels")]
    train_images: Option<PathBuf>,
    /// IDX file of training labels, raw or gzipped.
    #[arg(long, requires = "train_images")]
    train_labels: Option<PathBuf>,
    /// IDX file of test images; without test files, a fifth of the training files is held out.
    #[arg(long, requires = "test_labels")]
    test_images: Option<PathBuf>,
    /// IDX file of test labels, raw or gzipped.
    #[arg(long, requires = "test_images")]
    test_labels: Option<PathBuf>,
}

/// Options of `gradlab mnist`; those left out take the page's defaults.
#[derive(Args)]
pub struct MnistArgs {
    /// Passes over the training digits, 1 to 1000 [default: 10].
    #[arg(long, allow_hyphen_values = true)]
    epochs: Option<usize>,
    /// Seed of the initial weights and the mini-batch order [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// burn engine: flex or ndarray [default: flex].
    #[arg(long)]
    engine: Option<Engine>,
    /// Digits per optimizer step, 1 to 4096 [default: 64].
    #[arg(long, allow_hyphen_values = true)]
    batch_size: Option<usize>,
    /// Adam's learning rate [default: 0.002].
    #[arg(long, allow_hyphen_values = true)]
    learning_rate: Option<f64>,
    #[command(flatten)]
    data: DataArgs,
    /// Train only this model (shallow, medium or deep); repeat for several [default: all].
    #[arg(long = "model", value_name = "NAME")]
    models: Vec<String>,
    /// Folder for epochs.csv, confusion.csv, summary.json, loss.svg and accuracy.svg.
    #[arg(long)]
    out: PathBuf,
}

/// Trains the three CNNs one after the other and writes the result files.
pub fn run(args: MnistArgs) -> Result<(), Failure> {
    let config = config_from(&args)?;
    let (train, test) = load_digits(&args.data, config.seed)?;
    println!("mnist: {} training and {} test digits", train.len(), test.len());
    let out = OutputDir::create(&args.out)?;

    let mut trained = Vec::new();
    for spec in selected_models(&args.models)? {
        let run = MnistRun::new(&config, spec, train.clone(), test.clone(), usize::MAX)
            .map_err(|errors| usage(&errors))?;
        trained.push(train_model(run));
    }
    write_results(&out, &config, &trained)
}

/// Returns the models named by `--model`, or all of them.
fn selected_models(names: &[String]) -> Result<Vec<CnnSpec>, Failure> {
    if names.is_empty() {
        return Ok(MNIST_MODELS.to_vec());
    }
    names
        .iter()
        .map(|name| {
            CnnSpec::mnist_model(name).ok_or_else(|| {
                Failure::Usage(format!(
                    "invalid --model '{name}': expected shallow, medium or deep"
                ))
            })
        })
        .collect()
}

/// A trained model with its training speed.
struct Trained {
    run: MnistRun,
    images_per_second: f64,
}

/// Trains one model to the end, printing a progress line after every epoch.
fn train_model(mut run: MnistRun) -> Trained {
    let start = Instant::now();
    let meter = RateMeter::new(0.0, run.total_steps());
    let images = loop {
        let chunk = run.advance(run.total_steps() / run.epochs());
        for result in &chunk.evaluations {
            let (rate, eta) = meter.measure(chunk.step, start.elapsed().as_secs_f64());
            print_progress(chunk.model, result, chunk.epochs, (chunk.step, chunk.steps), rate, eta);
        }
        if let MnistState::Diverged { step } = chunk.status {
            eprintln!(
                "gradlab: {}: the loss became NaN or infinite at step {step}, so its run stopped \
                 there; try a lower --learning-rate",
                chunk.model
            );
        }
        if chunk.status != MnistState::Running {
            break chunk.images;
        }
    };
    let images_per_second = images as f64 / start.elapsed().as_secs_f64().max(1e-9);
    Trained { run, images_per_second }
}

/// Prints the progress line of an epoch.
fn print_progress(
    model: &str,
    result: &EpochResult,
    epochs: usize,
    (step, steps): (usize, usize),
    rate: f64,
    eta: Option<f64>,
) {
    let progress = Progress {
        experiment: "mnist".to_string(),
        model: model.to_string(),
        epoch: result.epoch,
        epochs,
        step,
        steps,
        loss: result.train_loss,
        accuracy: Some(result.test_accuracy),
        steps_per_second: rate,
        eta_seconds: eta,
    };
    println!("{progress}");
}

/// Builds the config from the defaults and the given options.
fn config_from(args: &MnistArgs) -> Result<MnistConfig, Failure> {
    let default = MnistConfig::default();
    let config = MnistConfig {
        epochs: args.epochs.unwrap_or(default.epochs),
        batch_size: args.batch_size.unwrap_or(default.batch_size),
        learning_rate: args.learning_rate.unwrap_or(default.learning_rate),
        engine: args.engine.unwrap_or(default.engine),
        seed: args.seed.unwrap_or(default.seed),
    };
    config.check().map_err(|errors| usage(&errors))?;
    Ok(config)
}

/// Reads the training and test digits from the given files or the data folder.
pub fn load_digits(args: &DataArgs, seed: u64) -> Result<(Digits, Digits), Failure> {
    let in_data = |name: &str| args.data.join(name);
    let missing_data = |path: &Path| -> Failure {
        Failure::Usage(format!(
            "{} not found; run ./build.sh build to create the default data, or give \
             --train-images and --train-labels",
            path.display()
        ))
    };
    let train_images = args.train_images.clone().unwrap_or_else(|| in_data(TRAIN_IMAGES));
    let train_labels = args.train_labels.clone().unwrap_or_else(|| in_data(TRAIN_LABELS));
    if args.train_images.is_none() && !train_images.exists() {
        return Err(missing_data(&train_images));
    }
    let train = read_digits(&train_images, &train_labels)?;

    let test = match (&args.test_images, &args.test_labels) {
        (Some(images), Some(labels)) => Some(read_digits(images, labels)?),
        _ if args.train_images.is_some() => None,
        _ => Some(read_digits(&in_data(TEST_IMAGES), &in_data(TEST_LABELS))?),
    };
    Ok(mnist::with_test_set(train, test, seed))
}

/// Writes epochs.csv, confusion.csv, summary.json and the two SVG figures.
fn write_results(
    out: &OutputDir,
    config: &MnistConfig,
    trained: &[Trained],
) -> Result<(), Failure> {
    let rows = trained.iter().flat_map(|t| {
        let name = t.run.summary().name;
        t.run.results().iter().map(move |r| {
            let cells = [r.epoch.to_string(), name.to_string(), r.train_loss.to_string()];
            let mut row = cells.to_vec();
            row.extend([r.test_loss.to_string(), r.test_accuracy.to_string()]);
            row
        })
    });
    let header = ["epoch", "model", "train_loss", "test_loss", "test_accuracy"];
    out.write("epochs.csv", &csv(&header, rows))?;

    let summaries: Vec<MnistSummary> = trained.iter().map(|t| t.run.summary()).collect();
    let best = (0..trained.len())
        .max_by(|&a, &b| accuracy(&summaries[a]).total_cmp(&accuracy(&summaries[b])))
        .expect("at least one model");
    let matrix = mnist::confusion(&trained[best].run);
    let confusion_rows = matrix.iter().enumerate().map(|(label, row)| {
        std::iter::once(label.to_string()).chain(row.iter().map(ToString::to_string)).collect()
    });
    let mut header = vec!["true".to_string()];
    header.extend((0..10).map(|p| format!("predicted_{p}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    out.write("confusion.csv", &csv(&header, confusion_rows))?;

    let models: Vec<serde_json::Value> = trained
        .iter()
        .zip(&summaries)
        .map(|(t, s)| json!({ "name": s.name, "layers": s.layers, "parameters": s.parameters,
            "best_test_accuracy": s.best_test_accuracy, "final_loss": s.final_loss,
            "images_per_second": t.images_per_second, "epochs_run": s.epochs_run, "status": s.status }))
        .collect();
    let summary = json!({ "experiment": "mnist", "seed": config.seed, "config": config,
        "best_model": summaries[best].name, "models": models });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summary serializes"),
    )?;

    let results: Vec<(&str, Vec<EpochResult>)> =
        trained.iter().map(|t| (t.run.summary().name, t.run.results().to_vec())).collect();
    let (loss, accuracy_chart) = mnist::charts(&results);
    out.write_svg("loss.svg", &Figure::Line(&loss))?;
    out.write_svg("accuracy.svg", &Figure::Line(&accuracy_chart))?;
    print_table(&summaries, trained);
    Ok(())
}

fn accuracy(summary: &MnistSummary) -> f64 {
    summary.best_test_accuracy.unwrap_or(0.0)
}

/// Prints the results table: layers, parameters, best accuracy, final loss, speed.
fn print_table(summaries: &[MnistSummary], trained: &[Trained]) {
    println!(
        "{:<8} {:>10} {:>14} {:>11} {:>9}  layers",
        "model", "parameters", "best accuracy", "final loss", "images/s"
    );
    for (summary, t) in summaries.iter().zip(trained) {
        println!(
            "{:<8} {:>10} {:>13.2}% {:>11.4} {:>9.0}  {}",
            summary.name,
            summary.parameters,
            100.0 * accuracy(summary),
            summary.final_loss.unwrap_or(f64::NAN),
            t.images_per_second,
            summary.layers
        );
    }
}
