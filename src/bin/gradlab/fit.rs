//! `gradlab fit`: deep vs shallow function fitting, with progress lines and result files.

use crate::cli::Failure;
use crate::output::{csv, OutputDir};
use clap::Args;
use gradlab::data::function::Target;
use gradlab::engine::Engine;
use gradlab::experiment::fit::{self, FitConfig, FitRun, ModelSummary, RunState};
use gradlab::experiment::settings::FieldError;
use gradlab::model::mlp::FIT_MODELS;
use gradlab::plot::Figure;
use gradlab::train::{Progress, RateMeter};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `gradlab fit`; those left out take the page's defaults.
#[derive(Args)]
pub struct FitArgs {
    /// Target function: silu or sgn-cos.
    #[arg(long)]
    function: Target,
    /// Passes over the sample points, 1 to 1000000 [default: 2000].
    #[arg(long, allow_hyphen_values = true)]
    epochs: Option<usize>,
    /// Seed of the initial weights and the mini-batch order [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// burn engine: flex or ndarray [default: flex].
    #[arg(long)]
    engine: Option<Engine>,
    /// Sample interval as LOW,HIGH [default: -6,6 for silu, -1,1 for sgn-cos].
    #[arg(long, value_name = "LOW,HIGH", allow_hyphen_values = true)]
    domain: Option<String>,
    /// Evenly spaced sample points, 2 to 1000000 [default: 1000].
    #[arg(long, allow_hyphen_values = true)]
    points: Option<usize>,
    /// Samples per optimizer step; 0 is the full batch [default: 0].
    #[arg(long, allow_hyphen_values = true)]
    batch_size: Option<usize>,
    /// Adam's learning rate [default: 0.0011].
    #[arg(long, allow_hyphen_values = true)]
    learning_rate: Option<f64>,
    /// Epochs between progress lines [default: a tenth of the epochs].
    #[arg(long, value_name = "EPOCHS")]
    report_every: Option<usize>,
    /// Folder for loss.csv, predictions.csv, summary.json, loss.svg and predictions.svg.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the three models one after the other and writes the result files.
pub fn run(args: FitArgs) -> Result<(), Failure> {
    let config = config_from(&args)?;
    let report_every = args.report_every.unwrap_or(config.epochs.div_ceil(10)).max(1);
    let out = OutputDir::create(&args.out)?;

    let mut results = Vec::new();
    for spec in FIT_MODELS {
        let run = FitRun::new(&config, spec, 1).map_err(|errors| usage(&errors))?;
        results.push(train(run, &config, report_every));
    }
    write_results(&out, &config, &results)
}

/// A trained model with its loss curve.
struct Trained {
    run: FitRun,
    losses: Vec<[f64; 2]>,
}

/// Trains one model to the end, printing a progress line every `report_every` epochs.
fn train(mut run: FitRun, config: &FitConfig, report_every: usize) -> Trained {
    let start = Instant::now();
    let meter = RateMeter::new(0.0, config.epochs * config.steps_per_epoch());
    let mut losses = Vec::new();
    loop {
        let chunk = run.advance(report_every * config.steps_per_epoch());
        losses.extend(chunk.series.iter().map(|&(epoch, loss)| [epoch as f64, loss]));
        let (steps_per_second, eta_seconds) =
            meter.measure(chunk.step, start.elapsed().as_secs_f64());
        let progress = Progress {
            experiment: "fit".to_string(),
            model: chunk.model.to_string(),
            epoch: chunk.epoch,
            epochs: chunk.epochs,
            step: chunk.step,
            steps: chunk.steps,
            loss: chunk.loss.unwrap_or(f64::NAN),
            accuracy: None,
            steps_per_second,
            eta_seconds,
        };
        println!("{progress}");
        match chunk.status {
            RunState::Running => continue,
            RunState::Done => break,
            RunState::Diverged { epoch } => {
                eprintln!(
                    "gradlab: {}: the loss became NaN or infinite at epoch {epoch}, so its run \
                     stopped there; try a lower --learning-rate",
                    chunk.model
                );
                break;
            }
        }
    }
    Trained { run, losses }
}

/// Builds the config from the defaults of the chosen function and the given options.
fn config_from(args: &FitArgs) -> Result<FitConfig, Failure> {
    let mut config = FitConfig::for_function(args.function);
    if let Some(domain) = &args.domain {
        config.domain = parse_domain(domain)?;
    }
    config.epochs = args.epochs.unwrap_or(config.epochs);
    config.seed = args.seed.unwrap_or(config.seed);
    config.engine = args.engine.unwrap_or(config.engine);
    config.points = args.points.unwrap_or(config.points);
    config.batch_size = args.batch_size.unwrap_or(config.batch_size);
    config.learning_rate = args.learning_rate.unwrap_or(config.learning_rate);
    config.check().map_err(|errors| usage(&errors))?;
    Ok(config)
}

/// Parses `LOW,HIGH` into two numbers.
fn parse_domain(text: &str) -> Result<[f64; 2], Failure> {
    let bounds: Vec<Option<f64>> = text.split(',').map(|part| part.trim().parse().ok()).collect();
    match bounds.as_slice() {
        [Some(low), Some(high)] => Ok([*low, *high]),
        _ => Err(Failure::Usage(format!(
            "invalid --domain '{text}': expected two numbers as LOW,HIGH, for example -1,1"
        ))),
    }
}

/// Turns rejected settings into one usage failure that names each option.
pub fn usage(errors: &[FieldError]) -> Failure {
    let lines: Vec<String> = errors
        .iter()
        .map(|error| format!("invalid --{}: {}", error.field.replace('_', "-"), error.message))
        .collect();
    Failure::Usage(lines.join("\ngradlab: "))
}

/// Writes loss.csv, predictions.csv, summary.json and the two SVG figures.
fn write_results(out: &OutputDir, config: &FitConfig, results: &[Trained]) -> Result<(), Failure> {
    let loss_rows = results.iter().flat_map(|trained| {
        let model = trained.run.summary().name;
        trained
            .losses
            .iter()
            .map(move |[epoch, loss]| vec![epoch.to_string(), model.to_string(), loss.to_string()])
    });
    out.write("loss.csv", &csv(&["epoch", "model", "loss"], loss_rows))?;

    let grid = config.evaluation_grid();
    let predictions: Vec<(&str, Vec<f32>)> = results
        .iter()
        .map(|trained| (trained.run.summary().name, trained.run.predictions()))
        .collect();
    let mut header = vec!["x", "target"];
    header.extend(predictions.iter().map(|(name, _)| *name));
    let prediction_rows = grid.iter().enumerate().map(|(i, &x)| {
        let mut row = vec![x.to_string(), config.function.eval(x).to_string()];
        row.extend(predictions.iter().map(|(_, values)| values[i].to_string()));
        row
    });
    out.write("predictions.csv", &csv(&header, prediction_rows))?;

    let summaries: Vec<ModelSummary> =
        results.iter().map(|trained| trained.run.summary()).collect();
    let summary =
        json!({ "experiment": "fit", "seed": config.seed, "config": config, "models": summaries });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summary serializes"),
    )?;

    let curves: Vec<(&str, Vec<[f64; 2]>)> = results
        .iter()
        .map(|trained| (trained.run.summary().name, trained.losses.clone()))
        .collect();
    out.write_svg("loss.svg", &Figure::Line(&fit::loss_chart(config.function, &curves)))?;
    let predictions_chart = fit::prediction_chart(config.function, &grid, &predictions);
    out.write_svg("predictions.svg", &Figure::Line(&predictions_chart))?;
    print_table(&summaries);
    Ok(())
}

/// Prints the results table: widths, parameters, final and best loss per model.
fn print_table(summaries: &[ModelSummary]) {
    println!(
        "{:<8} {:<28} {:>10} {:>12} {:>12}",
        "model", "widths", "parameters", "final loss", "best loss"
    );
    let loss = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v:.4e}"));
    for summary in summaries {
        let widths: Vec<String> = summary.widths.iter().map(ToString::to_string).collect();
        println!(
            "{:<8} {:<28} {:>10} {:>12} {:>12}",
            summary.name,
            widths.join("-"),
            summary.parameters,
            loss(summary.final_loss),
            loss(summary.best_loss)
        );
    }
}
