//! The options shared by the commands whose settings follow the page's: `--seed`,
//! `--function`, `--engine`, any other setting as `--set NAME=VALUE`, and `--out`.

use crate::cli::Failure;
use clap::Args;
use gradlab::experiment::FieldError;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// Options every such command takes.
#[derive(Args)]
pub struct SettingArgs {
    /// Seed of the experiment; each run draws its own from it [default: 1].
    #[arg(long, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Target function: silu or sgn-cos.
    #[arg(long)]
    function: Option<String>,
    /// burn engine: flex or ndarray [default: flex].
    #[arg(long)]
    engine: Option<String>,
    /// Any other setting, as on the page, for example `--set epochs=100` or
    /// `--set domain=[-2,2]`; repeatable. Run with a wrong name to list the known ones.
    #[arg(long = "set", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    set: Vec<String>,
    /// Folder for the result files.
    #[arg(long)]
    pub out: PathBuf,
}

impl SettingArgs {
    /// Collects the options, and `extra` named ones, into the JSON object the experiments
    /// read their settings from. A `--set` value is read as JSON if it parses, else as text.
    pub fn to_json(&self, extra: &[(&str, Option<Value>)]) -> Result<Value, Failure> {
        let mut object = Map::new();
        for text in &self.set {
            let Some((name, value)) = text.split_once('=') else {
                return Err(Failure::Usage(format!(
                    "invalid --set '{text}': expected NAME=VALUE, for example epochs=100"
                )));
            };
            let value = serde_json::from_str(value).unwrap_or(Value::String(value.to_string()));
            object.insert(name.trim().to_string(), value);
        }
        let named = [
            ("seed", self.seed.map(Value::from)),
            ("function", self.function.clone().map(Value::from)),
            ("engine", self.engine.clone().map(Value::from)),
        ];
        for (name, value) in named.into_iter().chain(extra.iter().cloned()) {
            if let Some(value) = value {
                object.insert(name.to_string(), value);
            }
        }
        Ok(Value::Object(object))
    }
}

/// Turns rejected settings into one usage failure, naming each as it was given: `--seed`
/// for an option of its own, `--set epochs` for the others.
pub fn setting_usage(errors: &[FieldError], options: &[&str]) -> Failure {
    let lines: Vec<String> = errors
        .iter()
        .map(|error| {
            let option = if ["seed", "function", "engine"].contains(&error.field.as_str())
                || options.contains(&error.field.as_str())
            {
                format!("--{}", error.field.replace('_', "-"))
            } else {
                format!("--set {}", error.field)
            };
            format!("invalid {option}: {}", error.message)
        })
        .collect();
    Failure::Usage(lines.join("\ngradlab: "))
}
