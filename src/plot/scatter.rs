//! Scatter charts of several named series, each with its own colour and marker shape and
//! optionally joined in order. Drawing returns the pixel position of every point, so that a
//! page can show a point's details under the pointer.

use super::axes::{padded_range, split_legend, Axes, Context, Legend};
use super::{PlotError, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// A scatter chart: what to draw, independent of where it is drawn.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ScatterChart {
    /// Caption above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Whether the x axis is logarithmic; then only points with positive x are drawn.
    #[serde(default)]
    pub log_x: bool,
    /// Whether the y axis is logarithmic; then only points with positive y are drawn.
    #[serde(default)]
    pub log_y: bool,
    /// The series, drawn in order.
    pub series: Vec<ScatterSeries>,
}

/// A named set of `[x, y]` points.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ScatterSeries {
    /// Legend label.
    pub name: String,
    /// The points. Points that are not finite (`null` in JSON), or not positive on a log
    /// axis, are left out.
    #[serde(deserialize_with = "super::line::points_with_gaps")]
    pub points: Vec<[f64; 2]>,
    /// Whether consecutive points are joined by a thin line, to show an order such as time.
    #[serde(default)]
    pub joined: bool,
}

/// The shapes that tell series apart without colour, in the order series take them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shape {
    Circle,
    Triangle,
    Square,
    Cross,
}

const SHAPES: [Shape; 4] = [Shape::Circle, Shape::Triangle, Shape::Square, Shape::Cross];

/// Returns the colour and shape of series `index`. Colours repeat after eight series, and
/// each round of colours shifts the shapes by one, so the first 32 series all differ.
fn look(index: usize) -> (RGBColor, Shape) {
    let round = index / PALETTE.len();
    (PALETTE[index % PALETTE.len()], SHAPES[(index + round) % SHAPES.len()])
}

/// The position of each point of each series in the backend's pixels, or `None` for a point
/// that was left out.
pub type PointPositions = Vec<Vec<Option<(i32, i32)>>>;

/// Draws `chart` on `area`, with text and markers enlarged by `scale`, and returns where
/// every point landed.
pub fn draw_scatter_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ScatterChart,
    scale: f64,
) -> Result<PointPositions, PlotError> {
    area.fill(&WHITE)?;
    let transformed: Vec<Vec<Option<(f64, f64)>>> = chart
        .series
        .iter()
        .map(|series| series.points.iter().map(|&p| transform(p, chart)).collect())
        .collect();
    let drawn = || transformed.iter().flatten().flatten();
    let x_range = padded_range(drawn().map(|p| p.0));
    let y_range = padded_range(drawn().map(|p| p.1));

    let names = chart.series.iter().map(|series| series.name.as_str());
    let (plot_area, legend_area, legend) = split_legend(area, scale, names);
    let axes = Axes {
        title: &chart.title,
        x_label: &chart.x_label,
        y_label: &chart.y_label,
        log_x: chart.log_x,
        log_y: chart.log_y,
        right_axis: false,
    };
    let mut context = axes.draw(&plot_area, x_range, y_range, scale)?;
    let mut positions = Vec::with_capacity(chart.series.len());
    for (index, (series, points)) in chart.series.iter().zip(&transformed).enumerate() {
        draw_series(&mut context, series.joined, points, index, scale)?;
        positions.push(points.iter().map(|p| p.map(|p| context.backend_coord(&p))).collect());
    }
    draw_legend(&legend_area, &legend, scale)?;
    Ok(positions)
}

/// Maps a point to chart coordinates (log10 on a log axis), or `None` if it cannot be drawn.
fn transform([x, y]: [f64; 2], chart: &ScatterChart) -> Option<(f64, f64)> {
    let x = if chart.log_x { x.log10() } else { x };
    let y = if chart.log_y { y.log10() } else { y };
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

/// Draws one series' joining line, if any, and its markers.
fn draw_series<DB: DrawingBackend>(
    context: &mut Context<'_, DB>,
    joined: bool,
    points: &[Option<(f64, f64)>],
    index: usize,
    scale: f64,
) -> Result<(), PlotError> {
    let (color, shape) = look(index);
    if joined {
        let line = color.mix(0.45).stroke_width((scale).round().max(1.0) as u32);
        context.draw_series(LineSeries::new(points.iter().flatten().copied(), line))?;
    }
    let size = (3.5 * scale).round().max(2.0) as i32;
    let backend_points: Vec<(i32, i32)> =
        points.iter().flatten().map(|p| context.backend_coord(p)).collect();
    let plotting_area = context.plotting_area().strip_coord_spec();
    for (x, y) in backend_points {
        draw_marker(&plotting_area, shape, (x, y), size, color, scale)?;
    }
    Ok(())
}

/// Draws one marker centred on `(x, y)` in the backend's pixels of the whole drawing.
fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    shape: Shape,
    (x, y): (i32, i32),
    size: i32,
    color: RGBColor,
    scale: f64,
) -> Result<(), PlotError> {
    let (left, top) = area.get_base_pixel();
    let centre = (x - left, y - top);
    let fill = color.filled();
    let stroke = color.stroke_width((1.6 * scale).round().max(1.0) as u32);
    match shape {
        Shape::Circle => area.draw(&Circle::new(centre, size, fill))?,
        Shape::Square => {
            let corner = (size * 4) / 5;
            area.draw(&Rectangle::new(
                [(centre.0 - corner, centre.1 - corner), (centre.0 + corner, centre.1 + corner)],
                fill,
            ))?
        }
        Shape::Triangle => area.draw(&Polygon::new(
            vec![
                (centre.0, centre.1 - size - 1),
                (centre.0 - size, centre.1 + size - 1),
                (centre.0 + size, centre.1 + size - 1),
            ],
            fill,
        ))?,
        Shape::Cross => {
            area.draw(&PathElement::new(
                vec![(centre.0 - size, centre.1 - size), (centre.0 + size, centre.1 + size)],
                stroke,
            ))?;
            area.draw(&PathElement::new(
                vec![(centre.0 - size, centre.1 + size), (centre.0 + size, centre.1 - size)],
                stroke,
            ))?
        }
    }
    Ok(())
}

/// Draws the legend: each series' marker, then its label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
    scale: f64,
) -> Result<(), PlotError> {
    let px = |size: f64| (size * scale).round() as i32;
    let (area_left, area_top) = area.get_base_pixel();
    let size = px(3.5).max(2);
    // The label starts 6 px after the marker's 20 px cell.
    legend.draw(area, 26.0, |index, (left, y)| {
        let (color, shape) = look(index);
        draw_marker(area, shape, (area_left + left + px(12.0), area_top + y), size, color, scale)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn first_32_series_differ() {
        let looks: HashSet<_> = (0..32)
            .map(|index| {
                let (color, shape) = look(index);
                (color.0, color.1, color.2, shape)
            })
            .collect();
        assert_eq!(looks.len(), 32);
    }

    #[test]
    fn eight_runs_have_own_colours() {
        let colors: HashSet<_> =
            (0..8).map(|index| look(index).0).map(|c| (c.0, c.1, c.2)).collect();
        assert_eq!(colors.len(), 8);
    }
}
