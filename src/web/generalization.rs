//! The browser facade of the generalization experiments: random labels, parameter count,
//! interpolation between two solutions and input sensitivity.

use super::{parse_settings, settings_error, MnistFiles};
use crate::data::mnist::Digits;
use crate::experiment::generalization::{
    self as experiment, ClassifierRun, EpochMetrics, Experiment, GeneralizationConfig,
    InterpolationPoint, FLATNESS_MODEL, INTERPOLATION_BATCHES, RANDOM_LABELS_MODEL,
    SENSITIVITY_BATCHES,
};
use crate::experiment::FieldError;
use crate::model::cnn::CAPACITY_MODELS;
use crate::model::mlp::Mlp;
use crate::model::Classifier;
use burn::module::Module;
use burn::prelude::Device;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

/// Reads an experiment name: `random_labels`, `capacity`, `interpolate` or `sensitivity`.
fn experiment_named(name: &str) -> Result<Experiment, FieldError> {
    match name {
        "random_labels" => Ok(Experiment::RandomLabels),
        "capacity" => Ok(Experiment::Capacity),
        "interpolate" => Ok(Experiment::Interpolate),
        "sensitivity" => Ok(Experiment::Sensitivity),
        other => Err(FieldError::new(
            "experiment",
            format!(
                "unknown experiment '{other}'; expected random_labels, capacity, interpolate \
                 or sensitivity"
            ),
        )),
    }
}

/// Reads the settings of experiment `name` from JSON, as one error message when invalid.
fn config_of(name: &str, config_json: &str) -> Result<(Experiment, GeneralizationConfig), JsError> {
    let experiment = experiment_named(name).map_err(|error| JsError::new(&error.to_string()))?;
    let config =
        parse_settings(config_json, |value| GeneralizationConfig::from_json(value, experiment))
            .map_err(settings_error)?;
    Ok((experiment, config))
}

/// Returns the generalization experiments' defaults and models as JSON, keyed by
/// experiment name. Parameter counts are counted from built models.
#[wasm_bindgen(js_name = generalizationCatalog)]
pub fn generalization_catalog() -> String {
    let device = Device::flex();
    let capacity: Vec<Value> = CAPACITY_MODELS
        .iter()
        .map(|spec| {
            let parameters =
                crate::model::Cnn::new(spec, &mut crate::rng::Rng::new(0), &device).num_params();
            json!({ "name": spec.name, "layers": spec.describe(), "parameters": parameters })
        })
        .collect();
    let dense = |spec: &crate::model::MlpSpec| json!({ "name": spec.name, "widths": spec.widths, "parameters": spec.parameter_count() });
    let defaults = GeneralizationConfig::defaults;
    json!({
        "random_labels": { "defaults": defaults(Experiment::RandomLabels), "model": dense(&RANDOM_LABELS_MODEL) },
        "capacity": { "defaults": defaults(Experiment::Capacity), "models": capacity },
        "interpolate": {
            "defaults": defaults(Experiment::Interpolate),
            "model": dense(&FLATNESS_MODEL),
            "batch_sizes": INTERPOLATION_BATCHES,
        },
        "sensitivity": {
            "defaults": defaults(Experiment::Sensitivity),
            "model": dense(&FLATNESS_MODEL),
            "batch_sizes": SENSITIVITY_BATCHES,
        },
    })
    .to_string()
}

/// Checks the settings of experiment `name` given as JSON and returns the problems as a
/// JSON array of `{field, message}`, empty when all are valid.
#[wasm_bindgen(js_name = validateGeneralizationConfig)]
pub fn validate_generalization_config(name: &str, config_json: &str) -> String {
    let errors = match experiment_named(name) {
        Ok(experiment) => {
            parse_settings(config_json, |value| GeneralizationConfig::from_json(value, experiment))
                .err()
                .unwrap_or_default()
        }
        Err(error) => vec![error],
    };
    serde_json::to_string(&errors).expect("field errors serialize")
}

/// One model of a generalization experiment, trained in chunks by a Web Worker.
#[wasm_bindgen]
pub struct GeneralizationTrainer {
    run: ClassifierRun,
}

#[wasm_bindgen]
impl GeneralizationTrainer {
    /// Builds model `index` of experiment `name` for the settings in `config_json`, to train
    /// on `files`. The index picks the CNN of `capacity`, or the batch size of `interpolate`
    /// and `sensitivity`, in the order of the catalog. `random_labels` has only index 0.
    #[wasm_bindgen(constructor)]
    pub fn new(
        name: &str,
        config_json: &str,
        index: usize,
        files: MnistFiles,
    ) -> Result<GeneralizationTrainer, JsError> {
        let (experiment, config) = config_of(name, config_json)?;
        let (train, test) = files.digits(config.seed)?;
        let out_of_range = |count: usize| {
            JsError::new(&format!("model {index} does not exist; {name} has {count} models"))
        };
        let run = match experiment {
            Experiment::RandomLabels if index == 0 => {
                experiment::random_labels_run(&config, &train, &test)
            }
            Experiment::RandomLabels => return Err(out_of_range(1)),
            Experiment::Capacity => {
                let spec = CAPACITY_MODELS.get(index).ok_or_else(|| out_of_range(10))?;
                experiment::capacity_run(&config, spec, &train, &test)
            }
            Experiment::Interpolate => {
                let batch = INTERPOLATION_BATCHES.get(index).ok_or_else(|| out_of_range(2))?;
                experiment::flatness_run(&config, *batch, &train, &test)
            }
            Experiment::Sensitivity => {
                let batch = SENSITIVITY_BATCHES.get(index).ok_or_else(|| out_of_range(5))?;
                experiment::flatness_run(&config, *batch, &train, &test)
            }
        };
        Ok(GeneralizationTrainer { run })
    }

    /// Takes up to `max_steps` optimizer steps and returns the chunk as JSON: `model`,
    /// `step`, `steps`, `evaluations` (each `{epoch, train_loss, train_accuracy, test_loss,
    /// test_accuracy}`) and `status` (`{state: "running" | "done" | "diverged", step?}`).
    pub fn advance(&mut self, max_steps: usize) -> String {
        serde_json::to_string(&self.run.advance(max_steps)).expect("chunks serialize")
    }

    /// Returns the number of parameters of the model.
    pub fn parameters(&self) -> usize {
        self.run.parameters()
    }

    /// Returns the sensitivity of the model on the test digits.
    pub fn sensitivity(&self) -> f64 {
        self.run.test_sensitivity()
    }

    /// Returns the parameters of a dense model as one vector, for [`Interpolation`]. Throws
    /// for a CNN.
    #[wasm_bindgen(js_name = flatParameters)]
    pub fn flat_parameters(&self) -> Result<Vec<f32>, JsError> {
        match self.run.model() {
            Classifier::Mlp(mlp) => Ok(mlp.flat_parameters()),
            Classifier::Cnn(_) => Err(JsError::new("only dense models can be interpolated")),
        }
    }
}

/// The evaluation of the models on the line between two trained dense models.
#[wasm_bindgen]
pub struct Interpolation {
    ends: (Classifier, Classifier),
    train: Digits,
    test: Digits,
    device: Device,
}

#[wasm_bindgen]
impl Interpolation {
    /// Prepares the line between the models with parameters `from` (alpha 0) and `to`
    /// (alpha 1), both from [`GeneralizationTrainer::flat_parameters`] of the
    /// `interpolate` experiment with the settings in `config_json`, evaluated on `files`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config_json: &str,
        files: MnistFiles,
        from: Vec<f32>,
        to: Vec<f32>,
    ) -> Result<Interpolation, JsError> {
        let (_, config) = config_of("interpolate", config_json)?;
        let expected = FLATNESS_MODEL.parameter_count();
        if from.len() != expected || to.len() != expected {
            return Err(JsError::new(&format!(
                "the models have {} and {} parameters; the interpolated network has {expected}",
                from.len(),
                to.len()
            )));
        }
        let (train, test) = files.digits(config.seed)?;
        let device = config.engine.autodiff_device();
        let build =
            |values: &[f32]| Classifier::Mlp(Mlp::from_flat(&FLATNESS_MODEL, values, &device));
        let ends = (build(&from), build(&to));
        Ok(Interpolation { ends, train: config.training_subset(&train), test, device })
    }

    /// Evaluates the model at `alpha` on both sets and returns `{alpha, train_loss,
    /// train_accuracy, test_loss, test_accuracy}` as JSON.
    pub fn evaluate(&self, alpha: f64) -> String {
        let ends = (&self.ends.0, &self.ends.1);
        let points =
            experiment::interpolate(ends, &[alpha], (&self.train, &self.test), &self.device);
        serde_json::to_string(&points[0]).expect("points serialize")
    }
}

/// Builds the charts of experiment `name` from its results as JSON and returns a JSON array
/// of `{kind: "line" | "scatter", chart}`. Results are: for `random_labels`, the epoch
/// metrics; for `capacity`, `[[parameters, metrics], ...]`; for `interpolate`, the points;
/// for `sensitivity`, `[[batch_size, metrics, sensitivity], ...]`.
#[wasm_bindgen(js_name = generalizationCharts)]
pub fn generalization_charts(name: &str, results_json: &str) -> Result<String, JsError> {
    let experiment = experiment_named(name).map_err(|error| JsError::new(&error.to_string()))?;
    let invalid =
        |error: serde_json::Error| JsError::new(&format!("invalid results JSON: {error}"));
    let line = |charts: [crate::plot::LineChart; 2]| {
        charts.map(|chart| json!({ "kind": "line", "chart": chart })).to_vec()
    };
    let charts = match experiment {
        Experiment::RandomLabels => {
            let results: Vec<EpochMetrics> = serde_json::from_str(results_json).map_err(invalid)?;
            line(experiment::epoch_charts(&results))
        }
        Experiment::Capacity => {
            let points: Vec<(usize, EpochMetrics)> =
                serde_json::from_str(results_json).map_err(invalid)?;
            experiment::capacity_charts(&points)
                .map(|chart| json!({ "kind": "scatter", "chart": chart }))
                .to_vec()
        }
        Experiment::Interpolate => {
            let points: Vec<InterpolationPoint> =
                serde_json::from_str(results_json).map_err(invalid)?;
            line(experiment::interpolation_charts(&points))
        }
        Experiment::Sensitivity => {
            let results: Vec<(usize, EpochMetrics, f64)> =
                serde_json::from_str(results_json).map_err(invalid)?;
            line(experiment::sensitivity_charts(&results))
        }
    };
    Ok(Value::from(charts).to_string())
}
