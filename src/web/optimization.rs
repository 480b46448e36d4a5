//! The browser facade of the optimization experiments: the PCA path, the gradient norm and
//! the minimal ratio.

use super::{canvas_area, chart_from_json, parse_settings, settings_error};
use crate::experiment::gradnorm::{self, GradNormConfig, GradNormRun, StepRecord};
use crate::experiment::minratio::{self, MinRatioConfig, MinRatioResult, MinRatioRun};
use crate::experiment::path::{self, PathConfig, PathProjection, PathRecord, PathRun};
use crate::model::mlp::FIT_MODELS;
use crate::plot::{draw_histogram, draw_scatter_chart, Histogram, ScatterChart};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// Runs of the minimal-ratio experiment the page starts with: fewer than the command line's
/// 100, so that a first result comes in about a minute.
pub const PAGE_MINRATIO_RUNS: usize = 16;

/// Returns the optimization experiments' defaults as JSON: `pca`, `gradnorm` and
/// `minratio`, each with `defaults`. The first two list their models with parameter counts,
/// and `minratio` describes its model's layers.
#[wasm_bindgen(js_name = optimizationCatalog)]
pub fn optimization_catalog() -> String {
    let models: Vec<Value> = FIT_MODELS
        .iter()
        .map(|spec| json!({ "name": spec.name, "widths": spec.widths, "parameters": spec.parameter_count() }))
        .collect();
    let minratio_model = &minratio::MINRATIO_MODEL;
    json!({
        "pca": { "defaults": PathConfig::for_function(crate::data::function::Target::Silu), "models": models },
        "gradnorm": { "defaults": GradNormConfig::new(), "models": models },
        "minratio": {
            "defaults": MinRatioConfig { runs: PAGE_MINRATIO_RUNS, ..MinRatioConfig::new() },
            "command_line_runs": MinRatioConfig::new().runs,
            "model": {
                "name": minratio_model.name,
                "widths": minratio_model.widths,
                "activation": minratio_model.activation,
                "parameters": minratio_model.parameter_count(),
            },
        },
    })
    .to_string()
}

/// Checks the settings of `experiment` (`pca`, `gradnorm` or `minratio`) given as JSON and
/// returns the problems as a JSON array of `{field, message}`, empty when all are valid.
#[wasm_bindgen(js_name = validateOptimizationConfig)]
pub fn validate_optimization_config(experiment: &str, config_json: &str) -> String {
    let errors = match experiment {
        "pca" => parse_settings(config_json, PathConfig::from_json).err(),
        "gradnorm" => parse_settings(config_json, GradNormConfig::from_json).err(),
        "minratio" => parse_settings(config_json, MinRatioConfig::from_json).err(),
        other => Some(vec![crate::experiment::FieldError::new(
            "experiment",
            format!("unknown experiment '{other}'; expected pca, gradnorm or minratio"),
        )]),
    };
    serde_json::to_string(&errors.unwrap_or_default()).expect("field errors serialize")
}

/// One run of the PCA experiment, trained in chunks by a Web Worker.
#[wasm_bindgen]
pub struct PathTrainer {
    run: PathRun,
    // The parameters of the records returned since the last take_vectors call.
    vectors: Vec<f32>,
}

#[wasm_bindgen]
impl PathTrainer {
    /// Builds run `run` (from 0) for the settings in `config_json`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, run: usize) -> Result<PathTrainer, JsError> {
        let config = parse_settings(config_json, PathConfig::from_json).map_err(settings_error)?;
        let run = PathRun::new(&config, run).map_err(settings_error)?;
        Ok(PathTrainer { run, vectors: Vec::new() })
    }

    /// Takes up to `max_steps` optimizer steps and returns the chunk as JSON: `run`, `epoch`,
    /// `epochs`, `step`, `steps`, `loss`, `records` (each `{run, epoch, loss}`) and `status`.
    /// The records' parameters wait for [`Self::take_vectors`].
    pub fn advance(&mut self, max_steps: usize) -> String {
        let chunk = self.run.advance(max_steps);
        for record in &chunk.records {
            self.vectors.extend(&record.whole);
            self.vectors.extend(&record.first_layer);
        }
        serde_json::to_string(&chunk).expect("chunks serialize")
    }

    /// Returns the parameters of every record that `advance` returned since the last call, in
    /// their order: each record's whole vector, then its first layer's.
    #[wasm_bindgen(js_name = takeVectors)]
    pub fn take_vectors(&mut self) -> Vec<f32> {
        std::mem::take(&mut self.vectors)
    }
}

/// The records of all runs of one PCA experiment, kept in the page's wasm memory so that each
/// projection reads them without parsing.
#[wasm_bindgen]
pub struct PathProjector {
    lengths: (usize, usize),
    records: Vec<PathRecord>,
}

#[wasm_bindgen]
impl PathProjector {
    /// Starts an empty set of records for the settings in `config_json`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<PathProjector, JsError> {
        let config = parse_settings(config_json, PathConfig::from_json).map_err(settings_error)?;
        Ok(PathProjector { lengths: config.record_lengths(), records: Vec::new() })
    }

    /// Returns the number of parameters of one record: its whole vector and its first layer's.
    #[wasm_bindgen(getter = recordLength)]
    pub fn record_length(&self) -> usize {
        self.lengths.0 + self.lengths.1
    }

    /// Returns the number of records added.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.records.len()
    }

    /// Adds the record of `run` at `epoch` with its `loss`. Its `vectors` are the whole vector
    /// followed by the first layer's, as [`PathTrainer::take_vectors`] returns them.
    pub fn add(
        &mut self,
        run: usize,
        epoch: usize,
        loss: f64,
        vectors: &[f32],
    ) -> Result<(), JsError> {
        let (whole, first_layer) = self.lengths;
        if vectors.len() != whole + first_layer {
            return Err(JsError::new(&format!(
                "a record of run {run} at epoch {epoch} has {} parameters; the model has {whole} \
                 and its first layer {first_layer}, {} together",
                vectors.len(),
                whole + first_layer
            )));
        }
        let (whole, first_layer) = vectors.split_at(whole);
        let (whole, first_layer) = (whole.to_vec(), first_layer.to_vec());
        self.records.push(PathRecord { run, epoch, loss, whole, first_layer });
        Ok(())
    }

    /// Projects every record added onto the first two principal components and returns
    /// `{whole, first_layer}`, each `{explained, points}`.
    pub fn project(&self) -> Result<String, JsError> {
        let projection =
            path::project_paths(&self.records).map_err(|error| JsError::new(&error.to_string()))?;
        Ok(serde_json::to_string(&projection).expect("projections serialize"))
    }
}

/// Builds the scatter chart of one projection, `whole` or `first_layer`, from the JSON that
/// [`project_paths`] returns.
#[wasm_bindgen(js_name = pathChart)]
pub fn path_chart(kind: &str, projection_json: &str) -> Result<String, JsError> {
    let projection: PathProjection = serde_json::from_str(projection_json)
        .map_err(|error| JsError::new(&format!("invalid projection JSON: {error}")))?;
    let chart = match kind {
        "whole" => path::projection_chart("Whole model, PCA of the path", &projection.whole),
        "first_layer" => {
            path::projection_chart("First layer, PCA of the path", &projection.first_layer)
        }
        other => {
            return Err(JsError::new(&format!(
                "unknown projection '{other}'; expected whole or first_layer"
            )))
        }
    };
    Ok(serde_json::to_string(&chart).expect("charts serialize"))
}

/// The run of the gradient-norm experiment, trained in chunks by a Web Worker.
#[wasm_bindgen]
pub struct GradNormTrainer {
    run: GradNormRun,
}

#[wasm_bindgen]
impl GradNormTrainer {
    /// Builds the run for the settings in `config_json`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<GradNormTrainer, JsError> {
        let config =
            parse_settings(config_json, GradNormConfig::from_json).map_err(settings_error)?;
        let run = GradNormRun::new(&config).map_err(settings_error)?;
        Ok(GradNormTrainer { run })
    }

    /// Takes up to `max_steps` optimizer steps and returns the chunk as JSON: `step`,
    /// `steps`, `records` (each `{step, loss, grad_norm}`) and `status`.
    pub fn advance(&mut self, max_steps: usize) -> String {
        serde_json::to_string(&self.run.advance(max_steps)).expect("chunks serialize")
    }
}

/// Builds the loss chart and the gradient-norm chart from records given as a JSON array, and
/// returns them as a JSON array of two line charts that share the step axis.
#[wasm_bindgen(js_name = gradNormCharts)]
pub fn grad_norm_charts(function: &str, records_json: &str) -> Result<String, JsError> {
    let function = function.parse().map_err(|message: String| JsError::new(&message))?;
    let records: Vec<StepRecord> = serde_json::from_str(records_json)
        .map_err(|error| JsError::new(&format!("invalid records JSON: {error}")))?;
    Ok(serde_json::to_string(&gradnorm::charts(function, &records)).expect("charts serialize"))
}

/// One run of the minimal-ratio experiment, computed in chunks by a Web Worker.
#[wasm_bindgen]
pub struct MinRatioTrainer {
    run: MinRatioRun,
}

#[wasm_bindgen]
impl MinRatioTrainer {
    /// Builds run `run` (from 0) for the settings in `config_json`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, run: usize) -> Result<MinRatioTrainer, JsError> {
        let config =
            parse_settings(config_json, MinRatioConfig::from_json).map_err(settings_error)?;
        let run = MinRatioRun::new(&config, run).map_err(settings_error)?;
        Ok(MinRatioTrainer { run })
    }

    /// Does up to `budget` training steps' worth of work and returns the chunk as JSON:
    /// `run`, `phase` (`training`, `searching` or `finished`), `epoch`, `epochs`,
    /// `search_step`, `search_steps`, `loss`, `grad_norm`, `result` once finished (with
    /// `minimal_ratio`, `reached`, `search` and `spectrum`) and `status`.
    pub fn advance(&mut self, budget: usize) -> String {
        serde_json::to_string(&self.run.advance(budget)).expect("chunks serialize")
    }
}

/// Builds the scatter of minimal ratio against loss from results given as a JSON array.
#[wasm_bindgen(js_name = minRatioChart)]
pub fn min_ratio_chart(function: &str, results_json: &str) -> Result<String, JsError> {
    let function = function.parse().map_err(|message: String| JsError::new(&message))?;
    let results: Vec<MinRatioResult> = serde_json::from_str(results_json)
        .map_err(|error| JsError::new(&format!("invalid results JSON: {error}")))?;
    Ok(serde_json::to_string(&minratio::ratio_chart(function, &results)).expect("charts serialize"))
}

/// Builds the histogram of one run's eigenvalues from its result given as JSON.
#[wasm_bindgen(js_name = spectrumHistogram)]
pub fn spectrum_histogram(result_json: &str) -> Result<String, JsError> {
    let result: MinRatioResult = serde_json::from_str(result_json)
        .map_err(|error| JsError::new(&format!("invalid result JSON: {error}")))?;
    Ok(serde_json::to_string(&minratio::spectrum_histogram(&result)).expect("charts serialize"))
}

/// Draws a scatter chart, given as JSON, on `canvas` (sized in device pixels, `scale` being
/// the device pixel ratio). Returns where each point landed, in CSS pixels from the canvas's
/// top left, as a JSON array per series of `[x, y]` or `null` for points left out.
#[wasm_bindgen(js_name = drawScatterChart)]
pub fn draw_scatter_chart_on(
    canvas: HtmlCanvasElement,
    chart_json: &str,
    scale: f64,
) -> Result<String, JsError> {
    let chart: ScatterChart = chart_from_json(chart_json)?;
    let scale = scale.clamp(0.5, 4.0);
    let area = canvas_area(canvas)?;
    let positions = draw_scatter_chart(&area, &chart, scale)
        .map_err(|error| JsError::new(&error.to_string()))?;
    area.present().map_err(|error| JsError::new(&error.to_string()))?;
    let css: Vec<Vec<Option<[f64; 2]>>> = positions
        .iter()
        .map(|series| {
            series
                .iter()
                .map(|p| p.map(|(x, y)| [f64::from(x) / scale, f64::from(y) / scale]))
                .collect()
        })
        .collect();
    Ok(serde_json::to_string(&css).expect("positions serialize"))
}

/// Draws a histogram, given as JSON, on `canvas` (sized in device pixels, `scale` being the
/// device pixel ratio).
#[wasm_bindgen(js_name = drawHistogram)]
pub fn draw_histogram_on(
    canvas: HtmlCanvasElement,
    histogram_json: &str,
    scale: f64,
) -> Result<(), JsError> {
    let histogram: Histogram = chart_from_json(histogram_json)?;
    let area = canvas_area(canvas)?;
    draw_histogram(&area, &histogram, scale.clamp(0.5, 4.0))
        .map_err(|error| JsError::new(&error.to_string()))?;
    area.present().map_err(|error| JsError::new(&error.to_string()))
}
