//! `gradlab pca`: the optimization path of several runs, projected by PCA.

use crate::cli::Failure;
use crate::output::{csv, OutputDir};
use crate::settings::{setting_usage, SettingArgs};
use clap::Args;
use gradlab::experiment::fit::RunState;
use gradlab::experiment::path::{self, PathConfig, PathRecord, PathRun};
use gradlab::plot::Figure;
use serde_json::json;

/// Options of `gradlab pca`; settings left out take the page's defaults.
#[derive(Args)]
pub struct PcaArgs {
    /// Runs, each from its own seed, 1 to 64 [default: 8].
    #[arg(long, allow_hyphen_values = true)]
    runs: Option<u64>,
    #[command(flatten)]
    settings: SettingArgs,
}

/// Trains every run, projects all recorded parameters together and writes the result files.
pub fn run(args: PcaArgs) -> Result<(), Failure> {
    let value = args.settings.to_json(&[("runs", args.runs.map(Into::into))])?;
    let config =
        PathConfig::from_json(&value).map_err(|errors| setting_usage(&errors, &["runs"]))?;
    let out = OutputDir::create(&args.settings.out)?;
    let mut records = Vec::new();
    for run in 0..config.runs {
        records.extend(train(&config, run)?);
    }
    let projection = path::project_paths(&records)
        .map_err(|error| Failure::Runtime(format!("cannot project the paths: {error}")))?;

    let rows =
        projection.whole.points.iter().zip(&projection.first_layer.points).map(|(whole, first)| {
            vec![
                (whole.run + 1).to_string(),
                whole.epoch.to_string(),
                whole.loss.to_string(),
                whole.pc[0].to_string(),
                whole.pc[1].to_string(),
                first.pc[0].to_string(),
                first.pc[1].to_string(),
            ]
        });
    let header =
        ["run", "epoch", "loss", "whole_pc1", "whole_pc2", "first_layer_pc1", "first_layer_pc2"];
    out.write("pca.csv", &csv(&header, rows))?;
    let summary = json!({
        "experiment": "pca",
        "seed": config.training.seed,
        "config": config,
        "explained_variance": {
            "whole": projection.whole.explained,
            "first_layer": projection.first_layer.explained,
        },
    });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summary serializes"),
    )?;
    let whole = path::projection_chart("Whole model, PCA of the path", &projection.whole);
    out.write_svg("pca-whole.svg", &Figure::Scatter(&whole))?;
    let first = path::projection_chart("First layer, PCA of the path", &projection.first_layer);
    out.write_svg("pca-first-layer.svg", &Figure::Scatter(&first))?;
    println!(
        "PC 1 and PC 2 explain {:.1}% and {:.1}% of the whole model's variance, {:.1}% and {:.1}% of the first layer's",
        100.0 * projection.whole.explained[0],
        100.0 * projection.whole.explained[1],
        100.0 * projection.first_layer.explained[0],
        100.0 * projection.first_layer.explained[1],
    );
    Ok(())
}

/// Trains run `run` to its end and returns its records.
fn train(config: &PathConfig, run: usize) -> Result<Vec<PathRecord>, Failure> {
    let mut path_run =
        PathRun::new(config, run).map_err(|errors| setting_usage(&errors, &["runs"]))?;
    let mut records = Vec::new();
    loop {
        let chunk = path_run.advance(usize::MAX);
        records.extend(chunk.records);
        match chunk.status {
            RunState::Running => continue,
            RunState::Done => {
                let loss = records.last().map_or(f64::NAN, |record: &PathRecord| record.loss);
                println!("pca run {}/{}: {} epochs, loss {loss:.4e}", run + 1, config.runs, chunk.epoch);
                return Ok(records);
            }
            RunState::Diverged { epoch } => {
                return Err(Failure::Runtime(format!(
                    "run {}: the loss became NaN or infinite at epoch {epoch}; try a lower --set learning_rate",
                    run + 1
                )))
            }
        }
    }
}
