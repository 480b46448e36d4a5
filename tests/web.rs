//! Browser tests of the wasm facade, run in headless Chromium by
//! `wasm-pack test --headless --chrome --release -- --test web`.
#![cfg(target_arch = "wasm32")]

use gradlab::data::mnist::{to_idx_gz, Digits, PIXELS};
use gradlab::web::{
    draw_histogram_on, draw_line_chart_on, draw_scatter_chart_on, FitTrainer,
    GeneralizationTrainer, Interpolation, MinRatioTrainer, MnistFiles, PathProjector, PathTrainer,
};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Trains `model` for `epochs` epochs on `engine` and returns the loss of every epoch.
fn losses(engine: &str, model: &str, epochs: usize) -> Vec<f64> {
    let config = json!({ "function": "sgn-cos", "points": 100, "epochs": epochs, "engine": engine, "seed": 5 });
    let mut trainer = FitTrainer::new(&config.to_string(), model, 1).expect("valid config");
    let chunk: Value = serde_json::from_str(&trainer.advance(epochs)).unwrap();
    chunk["series"].as_array().unwrap().iter().map(|point| point[1].as_f64().unwrap()).collect()
}

#[wasm_bindgen_test]
fn training_lowers_loss_in_browser() {
    let losses = losses("flex", "deep", 60);
    assert_eq!(losses.len(), 60);
    let (first, last) = (losses[0], losses[59]);
    assert!(last < first, "loss rose from {first} to {last}");
}

/// flex and ndarray sum in different orders, so float rounding differs; over 40 Adam steps
/// the losses must still agree to a relative 1e-3.
#[wasm_bindgen_test]
fn flex_and_ndarray_agree() {
    for model in ["deep", "medium", "shallow"] {
        let flex = losses("flex", model, 40);
        let ndarray = losses("ndarray", model, 40);
        assert_eq!(flex.len(), ndarray.len());
        for (epoch, (a, b)) in flex.iter().zip(&ndarray).enumerate() {
            assert!(
                (a - b).abs() <= 1e-3 * a.abs(),
                "{model} epoch {}: flex {a}, ndarray {b}",
                epoch + 1
            );
        }
    }
}

#[wasm_bindgen_test]
fn invalid_config_throws() {
    let config = json!({ "learning_rate": -1 }).to_string();
    assert!(FitTrainer::new(&config, "deep", 1).is_err());
    assert!(FitTrainer::new("{}", "huge", 1).is_err());
}

/// Adds a 320 x 200 canvas to the page.
fn canvas() -> HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(320);
    canvas.set_height(200);
    document.body().unwrap().append_child(&canvas).unwrap();
    canvas
}

/// Counts the canvas's pixels that `test` accepts, given as `[r, g, b, a]`.
fn count_pixels(canvas: &HtmlCanvasElement, test: impl Fn(&[u8]) -> bool) -> usize {
    let context: CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let pixels = context.get_image_data(0.0, 0.0, 320.0, 200.0).unwrap().data();
    pixels.chunks(4).filter(|p| test(p)).count()
}

#[wasm_bindgen_test]
fn chart_draws_pixels_on_canvas() {
    let canvas = canvas();

    let chart = json!({
        "title": "loss", "x_label": "epoch", "y_label": "loss", "log_y": true,
        "series": [{ "name": "deep", "points": [[1, 1.0], [2, 0.1], [3, 0.01]] }]
    });
    draw_line_chart_on(canvas.clone(), &chart.to_string(), 1.0).unwrap();

    let dark = count_pixels(&canvas, |p| p[0] < 128 && p[1] < 160 && p[3] > 0);
    let blue = count_pixels(&canvas, |p| p[2] > 150 && p[0] < 60);
    assert!(dark > 200, "only {dark} dark pixels: axes and text missing");
    assert!(blue > 30, "only {blue} blue pixels: the series is missing");
}

#[wasm_bindgen_test]
fn scatter_reports_where_points_landed() {
    let canvas = canvas();
    let chart = json!({
        "title": "path", "x_label": "PC 1", "y_label": "PC 2",
        "series": [{ "name": "run 1", "points": [[0, 0], [1, 2], [2, 1]], "joined": true },
                   { "name": "run 2", "points": [[1, 1], [null, 1]] }]
    });
    let positions: Value = serde_json::from_str(
        &draw_scatter_chart_on(canvas.clone(), &chart.to_string(), 1.0).unwrap(),
    )
    .unwrap();
    let series = positions.as_array().unwrap();
    assert_eq!(series[0].as_array().unwrap().len(), 3);
    assert!(series[1][1].is_null(), "a point without x was placed");
    let [x, y] = [series[0][1][0].as_f64().unwrap(), series[0][1][1].as_f64().unwrap()];
    assert!((0.0..320.0).contains(&x), "x {x} is off the canvas");
    assert!((0.0..200.0).contains(&y), "y {y} is off the canvas");
    // The point (1, 2) is the highest of the chart, so it lands above (0, 0).
    assert!(y < series[0][0][1].as_f64().unwrap());
    let blue = count_pixels(&canvas, |p| p[2] > 150 && p[0] < 60);
    assert!(blue > 20, "only {blue} blue pixels: the markers are missing");
}

#[wasm_bindgen_test]
fn histogram_draws_bars() {
    let canvas = canvas();
    let histogram = json!({
        "title": "eigenvalues", "x_label": "|eigenvalue|", "y_label": "count", "log_x": true,
        "bins": 4, "groups": [{ "name": "positive", "values": [0.001, 0.01, 0.01, 1, 10] }]
    });
    draw_histogram_on(canvas.clone(), &histogram.to_string(), 1.0).unwrap();
    let blue = count_pixels(&canvas, |p| p[2] > 120 && p[0] < 120 && p[1] > 80);
    assert!(blue > 500, "only {blue} blue pixels: the bars are missing");
}

/// PCA paths and a Hessian spectrum computed in the browser, nalgebra included.
#[wasm_bindgen_test]
fn optimization_trainers_run_in_browser() {
    let config = json!({ "epochs": 2, "runs": 2, "record_every": 1, "points": 50 }).to_string();
    let mut projector = PathProjector::new(&config).unwrap();
    // The deep model has 571 parameters, 10 of them in its first layer.
    assert_eq!(projector.record_length(), 581);
    for run in 0..2 {
        let mut trainer = PathTrainer::new(&config, run).unwrap();
        let chunk: Value = serde_json::from_str(&trainer.advance(1000)).unwrap();
        let vectors = trainer.take_vectors();
        let records = chunk["records"].as_array().unwrap();
        assert_eq!(vectors.len(), records.len() * 581);
        assert!(trainer.take_vectors().is_empty());
        for (record, vectors) in records.iter().zip(vectors.chunks(581)) {
            let field = |name: &str| record[name].as_u64().unwrap() as usize;
            let loss = record["loss"].as_f64().unwrap();
            projector.add(field("run"), field("epoch"), loss, vectors).unwrap();
        }
    }
    assert_eq!(projector.count(), 6);
    let projection: Value = serde_json::from_str(&projector.project().unwrap()).unwrap();
    assert_eq!(projection["whole"]["points"].as_array().unwrap().len(), 6);
    assert!(projector.add(0, 3, 0.5, &[0.0; 580]).is_err());

    let config = json!({ "runs": 1, "epochs": 20, "search_steps": 3 }).to_string();
    let mut trainer = MinRatioTrainer::new(&config, 0).unwrap();
    let chunk: Value = serde_json::from_str(&trainer.advance(100_000)).unwrap();
    assert_eq!(chunk["phase"], "finished");
    let spectrum = &chunk["result"]["spectrum"];
    assert_eq!(spectrum["eigenvalues"].as_array().unwrap().len(), 97);
}

/// Builds IDX files of 50 synthetic digits: each class lights its own band of rows.
fn synthetic_files() -> MnistFiles {
    let labels: Vec<u8> = (0..50).map(|i| (i % 10) as u8).collect();
    let images = labels
        .iter()
        .flat_map(|&label| {
            (0..PIXELS).map(move |p| if p / 28 / 3 == label as usize { 255 } else { 0 })
        })
        .collect();
    let (images, labels) = to_idx_gz(&Digits { images, labels });
    MnistFiles::new("images.gz".into(), images, "labels.gz".into(), labels)
}

/// Trains the flatness network on uploaded digits and evaluates it between two solutions.
#[wasm_bindgen_test]
fn generalization_trainers_run_in_browser() {
    let config = json!({ "epochs": 1 }).to_string();
    let mut ends = Vec::new();
    for index in 0..2 {
        let mut trainer =
            GeneralizationTrainer::new("interpolate", &config, index, synthetic_files()).unwrap();
        let chunk: Value = serde_json::from_str(&trainer.advance(1000)).unwrap();
        assert_eq!(chunk["status"]["state"], "done");
        assert_eq!(chunk["evaluations"].as_array().unwrap().len(), 1);
        assert!(trainer.sensitivity().is_finite());
        ends.push(trainer.flat_parameters().unwrap());
    }
    assert_eq!(ends[0].len(), 79_510);
    let line =
        Interpolation::new(&config, synthetic_files(), ends[0].clone(), ends[1].clone()).unwrap();
    let point: Value = serde_json::from_str(&line.evaluate(0.5)).unwrap();
    assert!(point["test_loss"].as_f64().unwrap().is_finite());
    assert!(GeneralizationTrainer::new("capacity", &config, 10, synthetic_files()).is_err());
}
