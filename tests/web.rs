//! Browser tests of the wasm facade, run in headless Chromium by
//! `wasm-pack test --headless --chrome --release -- --test web`.
#![cfg(target_arch = "wasm32")]

use gradlab::web::{draw_line_chart_on, FitTrainer};
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

#[wasm_bindgen_test]
fn chart_draws_pixels_on_canvas() {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(320);
    canvas.set_height(200);
    document.body().unwrap().append_child(&canvas).unwrap();

    let chart = json!({
        "title": "loss", "x_label": "epoch", "y_label": "loss", "log_y": true,
        "series": [{ "name": "deep", "points": [[1, 1.0], [2, 0.1], [3, 0.01]] }]
    });
    draw_line_chart_on(canvas.clone(), &chart.to_string(), 1.0).unwrap();

    let context: CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let pixels = context.get_image_data(0.0, 0.0, 320.0, 200.0).unwrap().data();
    let dark = pixels.chunks(4).filter(|p| p[0] < 128 && p[1] < 160 && p[3] > 0).count();
    let blue = pixels.chunks(4).filter(|p| p[2] > 150 && p[0] < 60).count();
    assert!(dark > 200, "only {dark} dark pixels: axes and text missing");
    assert!(blue > 30, "only {blue} blue pixels: the series is missing");
}
