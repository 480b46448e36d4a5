//! `gradlab minratio`: minimal ratios of the Hessian where the gradient norm is almost zero.

use crate::cli::Failure;
use crate::output::{csv, OutputDir};
use crate::settings::{setting_usage, SettingArgs};
use clap::Args;
use gradlab::experiment::minratio::{self, MinRatioConfig, MinRatioResult, MinRatioRun, Phase};
use gradlab::plot::Figure;
use serde_json::json;

/// Options of `gradlab minratio`; settings left out take the defaults.
#[derive(Args)]
pub struct MinRatioArgs {
    /// Runs, each from its own seed, 1 to 1024 [default: 100].
    #[arg(long, allow_hyphen_values = true)]
    runs: Option<u64>,
    /// Gradient norm a run must get below [default: 1e-3].
    #[arg(long, allow_hyphen_values = true)]
    threshold: Option<f64>,
    #[command(flatten)]
    settings: SettingArgs,
}

/// Runs every run to its spectrum and writes the result files.
pub fn run(args: MinRatioArgs) -> Result<(), Failure> {
    let options = ["runs", "threshold"];
    if let Some(threshold) = args.threshold.filter(|t| !t.is_finite()) {
        return Err(crate::cli::Failure::Usage(format!(
            "invalid --threshold: {threshold} is not a finite number; enter a positive number \
             such as 1e-3"
        )));
    }
    let value = args.settings.to_json(&[
        ("runs", args.runs.map(Into::into)),
        ("threshold", args.threshold.map(Into::into)),
    ])?;
    let config =
        MinRatioConfig::from_json(&value).map_err(|errors| setting_usage(&errors, &options))?;
    let out = OutputDir::create(&args.settings.out)?;
    let mut results = Vec::new();
    for index in 0..config.runs {
        let mut run =
            MinRatioRun::new(&config, index).map_err(|errors| setting_usage(&errors, &options))?;
        let chunk = loop {
            let chunk = run.advance(usize::MAX);
            if chunk.phase == Phase::Finished {
                break chunk;
            }
        };
        match chunk.result {
            Some(result) => {
                println!("{}", describe(&result, &config));
                results.push(result);
            }
            None => println!(
                "minratio run {}/{}: training diverged at epoch {}; try a lower --set learning_rate",
                index + 1,
                config.runs,
                chunk.epoch
            ),
        }
    }
    write_results(&out, &config, &results)
}

/// Describes one finished run in a line.
fn describe(result: &MinRatioResult, config: &MinRatioConfig) -> String {
    let norm = if result.reached {
        format!("gradient norm {:.2e} after {} search steps", result.grad_norm, result.search_steps)
    } else {
        format!(
            "gradient norm {:.2e} stayed above {:.0e} ({} after {} search steps)",
            result.grad_norm,
            config.threshold,
            match result.search {
                gradlab::analysis::SearchState::Stalled => "stalled",
                _ => "out of steps",
            },
            result.search_steps
        )
    };
    let spectrum = &result.spectrum;
    format!(
        "minratio run {}/{}: loss {:.4e}, {norm}, minimal ratio {:.3} ({} positive, {} negative, {} zero)",
        result.run + 1,
        config.runs,
        result.loss,
        result.minimal_ratio,
        spectrum.positive,
        spectrum.negative,
        spectrum.zero
    )
}

/// Writes minratio.csv, eigenvalues.csv, summary.json and the two figures.
fn write_results(
    out: &OutputDir,
    config: &MinRatioConfig,
    results: &[MinRatioResult],
) -> Result<(), Failure> {
    let header = [
        "run",
        "loss",
        "grad_norm",
        "minimal_ratio",
        "positive",
        "negative",
        "zero",
        "reached",
        "search",
        "search_steps",
    ];
    let rows = results.iter().map(|r| {
        vec![
            (r.run + 1).to_string(),
            r.loss.to_string(),
            r.grad_norm.to_string(),
            r.minimal_ratio.to_string(),
            r.spectrum.positive.to_string(),
            r.spectrum.negative.to_string(),
            r.spectrum.zero.to_string(),
            r.reached.to_string(),
            serde_json::to_value(r.search)
                .expect("states serialize")
                .as_str()
                .unwrap_or("")
                .to_string(),
            r.search_steps.to_string(),
        ]
    });
    out.write("minratio.csv", &csv(&header, rows))?;
    let eigenvalue_rows = results.iter().flat_map(|r| {
        r.spectrum.eigenvalues.iter().map(move |v| vec![(r.run + 1).to_string(), v.to_string()])
    });
    out.write("eigenvalues.csv", &csv(&["run", "eigenvalue"], eigenvalue_rows))?;

    let reached = results.iter().filter(|r| r.reached).count();
    let summary = json!({
        "experiment": "minratio",
        "seed": config.training.seed,
        "config": config,
        "model": minratio::MINRATIO_MODEL,
        "runs_finished": results.len(),
        "runs_reached": reached,
    });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summary serializes"),
    )?;
    let chart = minratio::ratio_chart(config.training.function, results);
    out.write_svg("minratio.svg", &Figure::Scatter(&chart))?;
    if let Some(shown) = results.iter().find(|r| r.reached).or(results.first()) {
        out.write_svg("eigenvalues.svg", &Figure::Histogram(&minratio::spectrum_histogram(shown)))?;
    }
    println!(
        "{reached} of {} runs reached a gradient norm below {:e}",
        results.len(),
        config.threshold
    );
    Ok(())
}
