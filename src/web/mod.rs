//! The browser facade: the only module that touches wasm-bindgen and web-sys.
//!
//! Settings and results cross the boundary as JSON text, and errors as JS `Error`s whose
//! message is meant for the page to show.

use crate::data::function::Target;
use crate::data::mnist::{Digits, PIXELS};
use crate::engine::Engine;
use crate::experiment::fit::{self, FitConfig, FitRun, MAX_EPOCHS, POINT_RANGE};
use crate::experiment::mnist::{self, MnistConfig, MnistRun};
use crate::experiment::settings::describe;
use crate::experiment::FieldError;
use crate::model::cnn::CnnSpec;
use crate::model::mlp::MlpSpec;
use crate::plot::{draw_line_chart, LineChart};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

mod bench;
mod generalization;
mod optimization;

pub use bench::*;
pub use generalization::*;
pub use optimization::*;

/// Shows Rust panics in the browser console with their message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Returns the fitting experiment's choices as JSON: targets with their default domains,
/// models with parameter counts counted from built models, engines, defaults and limits.
#[wasm_bindgen(js_name = fitCatalog)]
pub fn fit_catalog() -> String {
    let targets: Vec<Value> = Target::ALL
        .iter()
        .map(|t| json!({ "name": t.name(), "formula": t.formula(), "domain": t.default_domain() }))
        .collect();
    let models: Vec<Value> = fit::model_catalog()
        .into_iter()
        .map(|(spec, parameters)| json!({ "name": spec.name, "widths": spec.widths, "parameters": parameters }))
        .collect();
    let engines: Vec<&str> = Engine::ALL.iter().map(|e| e.name()).collect();
    json!({
        "targets": targets,
        "models": models,
        "engines": engines,
        "defaults": FitConfig::for_function(Target::Silu),
        "limits": { "epochs": [1, MAX_EPOCHS], "points": POINT_RANGE },
    })
    .to_string()
}

/// Checks fit settings given as JSON and returns the problems as a JSON array of
/// `{field, message}`, empty when every setting is valid.
#[wasm_bindgen(js_name = validateFitConfig)]
pub fn validate_fit_config(config_json: &str) -> String {
    let errors = match serde_json::from_str::<Value>(config_json) {
        Ok(value) => FitConfig::from_json(&value).err().unwrap_or_default(),
        Err(error) => {
            vec![crate::experiment::FieldError::new("config", format!("invalid JSON: {error}"))]
        }
    };
    serde_json::to_string(&errors).expect("field errors serialize")
}

/// Returns the target function on the evaluation grid as JSON `{x: [...], y: [...]}`.
#[wasm_bindgen(js_name = fitTargetCurve)]
pub fn fit_target_curve(config_json: &str) -> Result<String, JsError> {
    let config = parse_config(config_json)?;
    let x = config.evaluation_grid();
    let y: Vec<f64> = x.iter().map(|&x| config.function.eval(x)).collect();
    Ok(json!({ "x": x, "y": y }).to_string())
}

/// One model of the fitting experiment, trained in chunks by a Web Worker.
#[wasm_bindgen]
pub struct FitTrainer {
    run: FitRun,
}

#[wasm_bindgen]
impl FitTrainer {
    /// Builds model `model` (`deep`, `medium` or `shallow`) for the settings in `config_json`.
    /// The loss goes into the chunks' series every `record_every` epochs.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, model: &str, record_every: usize) -> Result<FitTrainer, JsError> {
        let config = parse_config(config_json)?;
        let spec = MlpSpec::fit_model(model).ok_or_else(|| {
            JsError::new(&format!("unknown model '{model}'; expected deep, medium or shallow"))
        })?;
        let run = FitRun::new(&config, spec, record_every).map_err(settings_error)?;
        Ok(FitTrainer { run })
    }

    /// Takes up to `max_steps` optimizer steps and returns the chunk as JSON: `model`, `epoch`,
    /// `epochs`, `step`, `steps`, `loss`, `best_loss`, `series` of `[epoch, loss]` and
    /// `status` (`{state: "running" | "done" | "diverged", epoch?}`).
    pub fn advance(&mut self, max_steps: usize) -> String {
        serde_json::to_string(&self.run.advance(max_steps)).expect("chunks serialize")
    }

    /// Returns the model's outputs on the evaluation grid of [`fit_target_curve`].
    pub fn predictions(&self) -> Vec<f32> {
        self.run.predictions()
    }

    /// Returns the model's summary as JSON: `name`, `widths`, `parameters`, `epochs_run`,
    /// `final_loss`, `best_loss`, `status`.
    pub fn summary(&self) -> String {
        serde_json::to_string(&self.run.summary()).expect("summaries serialize")
    }
}

/// Draws a line chart, given as JSON, on `canvas`. The canvas's width and height are in
/// device pixels and `scale` is the device pixel ratio, so text and lines keep their size.
#[wasm_bindgen(js_name = drawLineChart)]
pub fn draw_line_chart_on(
    canvas: HtmlCanvasElement,
    chart_json: &str,
    scale: f64,
) -> Result<(), JsError> {
    let chart: LineChart = chart_from_json(chart_json)?;
    let area = canvas_area(canvas)?;
    draw_line_chart(&area, &chart, scale.clamp(0.5, 4.0))
        .map_err(|error| JsError::new(&error.to_string()))?;
    area.present().map_err(|error| JsError::new(&error.to_string()))
}

/// Reads a chart of any kind from JSON.
fn chart_from_json<T: serde::de::DeserializeOwned>(chart_json: &str) -> Result<T, JsError> {
    serde_json::from_str(chart_json)
        .map_err(|error| JsError::new(&format!("invalid chart JSON: {error}")))
}

/// Wraps `canvas` in a plotters drawing area.
fn canvas_area(
    canvas: HtmlCanvasElement,
) -> Result<plotters::drawing::DrawingArea<CanvasBackend, plotters::coord::Shift>, JsError> {
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("the canvas has no 2D context"))?;
    Ok(backend.into_drawing_area())
}

/// Parses settings JSON and reads it with `read`, turning a JSON syntax error into a field
/// error like the others.
fn parse_settings<T>(
    config_json: &str,
    read: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> Result<T, Vec<FieldError>> {
    let value: Value = serde_json::from_str(config_json)
        .map_err(|error| vec![FieldError::new("config", format!("invalid JSON: {error}"))])?;
    read(&value)
}

/// Turns the problems of settings into one error whose message lists them all.
fn settings_error(errors: Vec<FieldError>) -> JsError {
    JsError::new(&describe(&errors))
}

/// Parses and validates fit settings, turning every problem into one error message.
fn parse_config(config_json: &str) -> Result<FitConfig, JsError> {
    let value: Value = serde_json::from_str(config_json)
        .map_err(|error| JsError::new(&format!("invalid config JSON: {error}")))?;
    FitConfig::from_json(&value).map_err(settings_error)
}

/// Returns the MNIST experiment's choices as JSON: models with their layers and parameter
/// counts counted from built models, engines, defaults and limits.
#[wasm_bindgen(js_name = mnistCatalog)]
pub fn mnist_catalog() -> String {
    let models: Vec<Value> = mnist::model_catalog()
        .into_iter()
        .map(|(spec, parameters)| {
            json!({ "name": spec.name, "layers": spec.describe(), "parameters": parameters })
        })
        .collect();
    let engines: Vec<&str> = Engine::ALL.iter().map(|e| e.name()).collect();
    json!({
        "models": models,
        "engines": engines,
        "defaults": MnistConfig::default(),
        "limits": { "epochs": [1, mnist::MAX_EPOCHS], "batch_size": [1, mnist::MAX_BATCH] },
        "held_out_share": mnist::HELD_OUT_SHARE,
    })
    .to_string()
}

/// Checks MNIST settings given as JSON and returns the problems as a JSON array of
/// `{field, message}`, empty when every setting is valid.
#[wasm_bindgen(js_name = validateMnistConfig)]
pub fn validate_mnist_config(config_json: &str) -> String {
    let errors = match serde_json::from_str::<Value>(config_json) {
        Ok(value) => MnistConfig::from_json(&value).err().unwrap_or_default(),
        Err(error) => vec![FieldError::new("config", format!("invalid JSON: {error}"))],
    };
    serde_json::to_string(&errors).expect("field errors serialize")
}

/// Reads an IDX image file and an IDX label file (raw or gzipped) and returns JSON
/// `{count, class_counts}`. Throws an Error naming the file and the problem when they are
/// malformed or do not belong together.
#[wasm_bindgen(js_name = inspectDigits)]
pub fn inspect_digits(
    images_name: &str,
    images: &[u8],
    labels_name: &str,
    labels: &[u8],
) -> Result<String, JsError> {
    let digits = read_digits(images_name, images, labels_name, labels)?;
    Ok(json!({ "count": digits.len(), "class_counts": digits.class_counts() }).to_string())
}

/// One CNN of the MNIST experiment, trained in chunks by a Web Worker.
#[wasm_bindgen]
pub struct MnistTrainer {
    run: MnistRun,
}

#[wasm_bindgen]
impl MnistTrainer {
    /// Builds CNN `model` (`shallow`, `medium` or `deep`) for the settings in `config_json`,
    /// to train on `files`. The mean loss of every `record_every`
    /// steps goes into the chunks' series.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config_json: &str,
        model: &str,
        files: MnistFiles,
        record_every: usize,
    ) -> Result<MnistTrainer, JsError> {
        let value: Value = serde_json::from_str(config_json)
            .map_err(|error| JsError::new(&format!("invalid config JSON: {error}")))?;
        let config = MnistConfig::from_json(&value).map_err(settings_error)?;
        let spec = CnnSpec::mnist_model(model).ok_or_else(|| {
            JsError::new(&format!("unknown model '{model}'; expected shallow, medium or deep"))
        })?;
        let (train, test) = files.digits(config.seed)?;
        let run =
            MnistRun::new(&config, spec, train, test, record_every).map_err(settings_error)?;
        Ok(MnistTrainer { run })
    }

    /// Takes up to `max_steps` optimizer steps and returns the chunk as JSON: `model`,
    /// `epoch`, `epochs`, `step`, `steps`, `images`, `series` of `[epoch, loss]`,
    /// `evaluations` of `{epoch, train_loss, test_loss, test_accuracy}` and `status`
    /// (`{state: "running" | "done" | "diverged", step?}`).
    pub fn advance(&mut self, max_steps: usize) -> String {
        serde_json::to_string(&self.run.advance(max_steps)).expect("chunks serialize")
    }

    /// Returns the model's summary as JSON: `name`, `layers`, `parameters`, `epochs_run`,
    /// `best_test_accuracy`, `final_loss`, `status`.
    pub fn summary(&self) -> String {
        serde_json::to_string(&self.run.summary()).expect("summaries serialize")
    }

    /// Returns the predicted class of every test digit, from the model as it is now.
    #[wasm_bindgen(js_name = testPredictions)]
    pub fn test_predictions(&self) -> Vec<u8> {
        self.run.test_evaluation().predictions
    }

    /// Returns the true class of every test digit.
    #[wasm_bindgen(js_name = testLabels)]
    pub fn test_labels(&self) -> Vec<u8> {
        self.run.test_digits().labels.clone()
    }

    /// Returns the pixels of the first `count` test digits, 784 bytes each, row-major.
    #[wasm_bindgen(js_name = testImages)]
    pub fn test_images(&self, count: usize) -> Vec<u8> {
        let digits = self.run.test_digits();
        digits.images[..count.min(digits.len()) * PIXELS].to_vec()
    }

    /// Returns the confusion matrix of the test predictions as JSON, `matrix[true][predicted]`.
    pub fn confusion(&self) -> String {
        serde_json::to_string(&mnist::confusion(&self.run)).expect("matrices serialize")
    }
}

/// The IDX files of an MNIST run, as bytes with the names the user picked them by.
#[wasm_bindgen]
pub struct MnistFiles {
    train: NamedPair,
    test: Option<NamedPair>,
}

/// An image file and a label file: `(images name, images, labels name, labels)`.
type NamedPair = (String, Vec<u8>, String, Vec<u8>);

#[wasm_bindgen]
impl MnistFiles {
    /// Collects the training images and labels; without [`MnistFiles::set_test`], a
    /// stratified fifth of them is held out for testing.
    #[wasm_bindgen(constructor)]
    pub fn new(
        images_name: String,
        images: Vec<u8>,
        labels_name: String,
        labels: Vec<u8>,
    ) -> MnistFiles {
        MnistFiles { train: (images_name, images, labels_name, labels), test: None }
    }

    /// Adds test images and labels.
    #[wasm_bindgen(js_name = setTest)]
    pub fn set_test(
        &mut self,
        images_name: String,
        images: Vec<u8>,
        labels_name: String,
        labels: Vec<u8>,
    ) {
        self.test = Some((images_name, images, labels_name, labels));
    }
}

impl MnistFiles {
    /// Parses the files into training and test digits.
    fn digits(&self, seed: u64) -> Result<(Digits, Digits), JsError> {
        let read = |(images_name, images, labels_name, labels): &NamedPair| {
            read_digits(images_name, images, labels_name, labels)
        };
        let test = self.test.as_ref().map(read).transpose()?;
        Ok(mnist::with_test_set(read(&self.train)?, test, seed))
    }
}

/// Reads a pair of IDX files, turning a problem into an Error that names the file.
fn read_digits(
    images_name: &str,
    images: &[u8],
    labels_name: &str,
    labels: &[u8],
) -> Result<Digits, JsError> {
    Digits::from_idx((images_name, images), (labels_name, labels))
        .map_err(|error| JsError::new(&error.to_string()))
}
