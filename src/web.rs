//! The browser facade: the only module that touches wasm-bindgen and web-sys.
//!
//! Settings and results cross the boundary as JSON text, and errors as JS `Error`s whose
//! message is meant for the page to show.

use crate::data::function::Target;
use crate::engine::Engine;
use crate::experiment::fit::{self, FitConfig, FitRun, MAX_EPOCHS, POINT_RANGE};
use crate::experiment::settings::describe;
use crate::model::mlp::MlpSpec;
use crate::plot::{draw_line_chart, LineChart};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

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
        let run = FitRun::new(&config, spec, record_every)
            .map_err(|errors| JsError::new(&describe(&errors)))?;
        Ok(FitTrainer { run })
    }

    /// Trains up to `max_epochs` epochs and returns the chunk as JSON: `model`, `epoch`,
    /// `epochs`, `step`, `steps`, `loss`, `best_loss`, `series` of `[epoch, loss]` and
    /// `status` (`{state: "running" | "done" | "diverged", epoch?}`).
    pub fn advance(&mut self, max_epochs: usize) -> String {
        serde_json::to_string(&self.run.advance(max_epochs)).expect("chunks serialize")
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
    let chart: LineChart = serde_json::from_str(chart_json)
        .map_err(|error| JsError::new(&format!("invalid chart JSON: {error}")))?;
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("the canvas has no 2D context"))?;
    let area = backend.into_drawing_area();
    draw_line_chart(&area, &chart, scale.clamp(0.5, 4.0))
        .map_err(|error| JsError::new(&error.to_string()))?;
    area.present().map_err(|error| JsError::new(&error.to_string()))
}

/// Parses and validates fit settings, turning every problem into one error message.
fn parse_config(config_json: &str) -> Result<FitConfig, JsError> {
    let value: Value = serde_json::from_str(config_json)
        .map_err(|error| JsError::new(&format!("invalid config JSON: {error}")))?;
    FitConfig::from_json(&value).map_err(|errors| JsError::new(&describe(&errors)))
}
