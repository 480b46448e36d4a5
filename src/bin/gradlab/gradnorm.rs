//! `gradlab gradnorm`: the loss and the gradient norm at every optimizer step.

use crate::cli::Failure;
use crate::output::{csv, OutputDir};
use crate::settings::{setting_usage, SettingArgs};
use clap::Args;
use gradlab::experiment::fit::RunState;
use gradlab::experiment::gradnorm::{self, GradNormConfig, GradNormRun};
use gradlab::plot::Figure;
use serde_json::json;

/// Options of `gradlab gradnorm`; settings left out take the page's defaults.
#[derive(Args)]
pub struct GradNormArgs {
    #[command(flatten)]
    settings: SettingArgs,
}

/// Trains the model, recording every step, and writes the result files.
pub fn run(args: GradNormArgs) -> Result<(), Failure> {
    let value = args.settings.to_json(&[])?;
    let config = GradNormConfig::from_json(&value).map_err(|errors| setting_usage(&errors, &[]))?;
    let out = OutputDir::create(&args.settings.out)?;
    let mut run = GradNormRun::new(&config).map_err(|errors| setting_usage(&errors, &[]))?;
    let report_every = config.steps().div_ceil(10).max(1);
    let mut records = Vec::new();
    let status = loop {
        let chunk = run.advance(report_every);
        records.extend(chunk.records.iter().copied());
        if let Some(last) = chunk.records.last() {
            println!(
                "gradnorm step {}/{}: loss {:.4e}, gradient norm {:.4e}",
                chunk.step, chunk.steps, last.loss, last.grad_norm
            );
        }
        if chunk.status != RunState::Running {
            break chunk.status;
        }
    };
    if let RunState::Diverged { .. } = status {
        eprintln!(
            "gradlab: the loss or the gradient norm became NaN or infinite at step {}, so the run stopped there; try a lower --set learning_rate",
            records.len()
        );
    }

    let rows = records
        .iter()
        .map(|r| vec![r.step.to_string(), r.loss.to_string(), r.grad_norm.to_string()]);
    out.write("gradnorm.csv", &csv(&["step", "loss", "grad_norm"], rows))?;
    let summary = json!({
        "experiment": "gradnorm",
        "seed": config.training.seed,
        "config": config,
        "steps_run": records.len(),
        "status": status,
    });
    out.write(
        "summary.json",
        &serde_json::to_string_pretty(&summary).expect("summary serializes"),
    )?;
    let charts = gradnorm::charts(config.training.function, &records);
    out.write_svg_sized("gradnorm.svg", &Figure::Stacked(&charts), (800, 800))?;
    Ok(())
}
