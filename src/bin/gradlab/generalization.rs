//! `gradlab random-labels`, `capacity`, `interpolate` and `sensitivity`: the generalization
//! experiments on MNIST digits.

use crate::cli::Failure;
use crate::mnist::{load_digits, DataArgs};
use crate::output::{csv, OutputDir};
use crate::settings::setting_usage;
use clap::Args;
use gradlab::data::mnist::Digits;
use gradlab::experiment::generalization::{
    self as experiment, ClassifierRun, ClassifierState, EpochMetrics, Experiment,
    GeneralizationConfig, InterpolationPoint, INTERPOLATION_BATCHES, SENSITIVITY_BATCHES,
};
use gradlab::model::cnn::CAPACITY_MODELS;
use gradlab::plot::Figure;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Options of the generalization commands; settings left out take their defaults.
#[derive(Args)]
pub struct GeneralizationArgs {
    /// Seed of the subset, the label permutation, the weights and the batch order [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// burn engine: flex or ndarray [default: flex].
    #[arg(long)]
    engine: Option<String>,
    /// Passes over the training digits, 1 to 1000.
    #[arg(long, allow_hyphen_values = true)]
    epochs: Option<u64>,
    /// Adam's learning rate.
    #[arg(long, allow_hyphen_values = true)]
    learning_rate: Option<f64>,
    /// Training digits to use, a stratified subset; 0 uses all.
    #[arg(long, allow_hyphen_values = true)]
    train_size: Option<u64>,
    /// Any other setting, for example `--set batch_size=128` or `--set alphas=31`.
    #[arg(long = "set", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    set: Vec<String>,
    #[command(flatten)]
    data: DataArgs,
    /// Folder for the result files.
    #[arg(long)]
    out: PathBuf,
}

/// The options that have a flag of their own, for error messages.
const OPTIONS: [&str; 5] = ["seed", "engine", "epochs", "learning_rate", "train_size"];

impl GeneralizationArgs {
    /// Reads the settings of `experiment` from the options.
    fn config(&self, experiment: Experiment) -> Result<GeneralizationConfig, Failure> {
        let mut object = Map::new();
        for text in &self.set {
            let (name, value) = text.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("invalid --set '{text}': expected NAME=VALUE"))
            })?;
            let value = serde_json::from_str(value).unwrap_or(Value::String(value.to_string()));
            object.insert(name.trim().to_string(), value);
        }
        let named = [
            ("seed", self.seed.map(Value::from)),
            ("engine", self.engine.clone().map(Value::from)),
            ("epochs", self.epochs.map(Value::from)),
            ("learning_rate", self.learning_rate.map(Value::from)),
            ("train_size", self.train_size.map(Value::from)),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                object.insert(name.to_string(), value);
            }
        }
        GeneralizationConfig::from_json(&Value::Object(object), experiment)
            .map_err(|errors| setting_usage(&errors, &OPTIONS))
    }

    /// Reads the settings and the digits, and creates the output folder.
    fn prepare(
        &self,
        experiment: Experiment,
    ) -> Result<(GeneralizationConfig, Digits, Digits, OutputDir), Failure> {
        let config = self.config(experiment)?;
        let (train, test) = load_digits(&self.data, config.seed)?;
        let out = OutputDir::create(&self.out)?;
        Ok((config, train, test, out))
    }
}

/// Trains `run` to its end, printing a line per epoch; fails if it diverges.
fn train_to_end(run: &mut ClassifierRun) -> Result<(), Failure> {
    loop {
        let chunk = run.advance(usize::MAX);
        for m in &chunk.evaluations {
            println!(
                "{} epoch {}: train loss {:.4}, accuracy {:.1}%; test loss {:.4}, accuracy {:.1}%",
                chunk.model,
                m.epoch,
                m.train_loss,
                100.0 * m.train_accuracy,
                m.test_loss,
                100.0 * m.test_accuracy
            );
        }
        match chunk.status {
            ClassifierState::Running => continue,
            ClassifierState::Done => return Ok(()),
            ClassifierState::Diverged { step } => {
                return Err(Failure::Runtime(format!(
                    "{}: the loss became NaN or infinite at step {step}; try a lower \
                     --learning-rate",
                    chunk.model
                )))
            }
        }
    }
}

fn metric_cells(m: &EpochMetrics) -> Vec<String> {
    [m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy].map(|v| v.to_string()).to_vec()
}

const METRICS: [&str; 4] = ["train_loss", "train_accuracy", "test_loss", "test_accuracy"];

fn write_summary(
    out: &OutputDir,
    name: &str,
    config: &GeneralizationConfig,
    extra: Value,
) -> Result<(), Failure> {
    let summary =
        json!({ "experiment": name, "seed": config.seed, "config": config, "results": extra });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summaries serialize"),
    )?;
    Ok(())
}

/// `gradlab random-labels`: the 784-500-10 network memorising permuted labels.
pub fn random_labels(args: GeneralizationArgs) -> Result<(), Failure> {
    let (config, train, test, out) = args.prepare(Experiment::RandomLabels)?;
    let mut run = experiment::random_labels_run(&config, &train, &test);
    println!(
        "random-labels: {} training digits with permuted labels, {} test digits",
        config.training_subset(&train).len(),
        test.len()
    );
    train_to_end(&mut run)?;
    let mut header = vec!["epoch"];
    header.extend(METRICS);
    let rows = run.results().iter().map(|m| {
        let mut row = vec![m.epoch.to_string()];
        row.extend(metric_cells(m));
        row
    });
    out.write("random-labels.csv", &csv(&header, rows))?;
    let [loss, accuracy] = experiment::epoch_charts(run.results());
    out.write_svg("random-labels-loss.svg", &Figure::Line(&loss))?;
    out.write_svg("random-labels-accuracy.svg", &Figure::Line(&accuracy))?;
    write_summary(&out, "random-labels", &config, json!(run.results()))
}

/// `gradlab capacity`: final metrics of the ten CNNs against their parameter counts.
pub fn capacity(args: GeneralizationArgs) -> Result<(), Failure> {
    let (config, train, test, out) = args.prepare(Experiment::Capacity)?;
    let mut finals = Vec::new();
    for spec in &CAPACITY_MODELS {
        let mut run = experiment::capacity_run(&config, spec, &train, &test);
        train_to_end(&mut run)?;
        let last = *run.results().last().expect("a finished run has results");
        finals.push((spec.name, run.parameters(), last));
    }
    let mut header = vec!["model", "parameters"];
    header.extend(METRICS);
    let rows = finals.iter().map(|(name, parameters, m)| {
        let mut row = vec![name.to_string(), parameters.to_string()];
        row.extend(metric_cells(m));
        row
    });
    out.write("capacity.csv", &csv(&header, rows))?;
    let points: Vec<(usize, EpochMetrics)> = finals.iter().map(|(_, p, m)| (*p, *m)).collect();
    let [loss, accuracy] = experiment::capacity_charts(&points);
    out.write_svg("capacity-loss.svg", &Figure::Scatter(&loss))?;
    out.write_svg("capacity-accuracy.svg", &Figure::Scatter(&accuracy))?;
    write_summary(
        &out,
        "capacity",
        &config,
        json!(finals
            .iter()
            .map(|(n, p, m)| json!({"model": n, "parameters": p, "metrics": m}))
            .collect::<Vec<_>>()),
    )
}

/// `gradlab interpolate`: the line between a batch-64 and a batch-1024 solution.
pub fn interpolate(args: GeneralizationArgs) -> Result<(), Failure> {
    let (config, train, test, out) = args.prepare(Experiment::Interpolate)?;
    let mut runs = Vec::new();
    for batch in INTERPOLATION_BATCHES {
        let mut run = experiment::flatness_run(&config, batch, &train, &test);
        train_to_end(&mut run)?;
        runs.push(run);
    }
    let subset = config.training_subset(&train);
    let device = config.engine.autodiff_device();
    let points: Vec<InterpolationPoint> = experiment::interpolate(
        (runs[0].model(), runs[1].model()),
        &config.alpha_grid(),
        (&subset, &test),
        &device,
    );
    let mut header = vec!["alpha"];
    header.extend(METRICS);
    let rows = points.iter().map(|p| {
        [p.alpha, p.train_loss, p.train_accuracy, p.test_loss, p.test_accuracy]
            .map(|v| v.to_string())
            .to_vec()
    });
    out.write("interpolate.csv", &csv(&header, rows))?;
    let [loss, accuracy] = experiment::interpolation_charts(&points);
    out.write_svg("interpolate-loss.svg", &Figure::Line(&loss))?;
    out.write_svg("interpolate-accuracy.svg", &Figure::Line(&accuracy))?;
    write_summary(&out, "interpolate", &config, json!(points))
}

/// `gradlab sensitivity`: metrics and input sensitivity against batch size.
pub fn sensitivity(args: GeneralizationArgs) -> Result<(), Failure> {
    let (config, train, test, out) = args.prepare(Experiment::Sensitivity)?;
    let mut results = Vec::new();
    for batch in SENSITIVITY_BATCHES {
        let mut run = experiment::flatness_run(&config, batch, &train, &test);
        train_to_end(&mut run)?;
        let value = run.test_sensitivity();
        println!("batch {batch}: sensitivity {value:.4}");
        results.push((batch, *run.results().last().expect("a finished run has results"), value));
    }

    let mut header = vec!["batch_size"];
    header.extend(METRICS);
    header.push("sensitivity");
    let rows = results.iter().map(|(batch, m, value)| {
        let mut row = vec![batch.to_string()];
        row.extend(metric_cells(m));
        row.push(value.to_string());
        row
    });
    out.write("sensitivity.csv", &csv(&header, rows))?;

    let [loss, accuracy] = experiment::sensitivity_charts(&results);
    out.write_svg("sensitivity-loss.svg", &Figure::Line(&loss))?;
    out.write_svg("sensitivity-accuracy.svg", &Figure::Line(&accuracy))?;
    write_summary(
        &out,
        "sensitivity",
        &config,
        json!(results
            .iter()
            .map(|(b, m, s)| json!({"batch_size": b, "metrics": m, "sensitivity": s}))
            .collect::<Vec<_>>()),
    )
}
