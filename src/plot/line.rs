//! Line charts of several named series, with a linear or logarithmic y axis.

use super::{PlotError, PALETTE, REFERENCE};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A line chart: what to draw, independent of where it is drawn.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LineChart {
    /// Caption above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Whether the y axis is logarithmic; then only positive values are drawn.
    #[serde(default)]
    pub log_y: bool,
    /// The series, drawn in order.
    pub series: Vec<Series>,
}

/// A named sequence of `[x, y]` points joined by lines.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in drawing order; points that are not finite are skipped.
    pub points: Vec<[f64; 2]>,
    /// Whether this is a reference (such as the target function) drawn in dark grey beneath
    /// the models, rather than one of the models.
    #[serde(default)]
    pub reference: bool,
}

/// Draws `chart` on `area`, with text and lines enlarged by `scale`.
pub fn draw_line_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    scale: f64,
) -> Result<(), PlotError> {
    area.fill(&WHITE)?;
    let visible: Vec<Vec<(f64, f64)>> =
        chart.series.iter().map(|series| visible_points(&series.points, chart.log_y)).collect();
    let all = visible.iter().flatten();
    let x_range = padded_range(all.clone().map(|p| p.0), false);
    let y_range = padded_range(all.map(|p| p.1), chart.log_y);
    if chart.log_y {
        draw_on(area, chart, &visible, x_range, y_range.log_scale(), scale)
    } else {
        draw_on(area, chart, &visible, x_range, y_range, scale)
    }
}

/// Keeps the points that can be drawn: finite, and positive on a log axis.
fn visible_points(points: &[[f64; 2]], log_y: bool) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter(|[x, y]| x.is_finite() && y.is_finite() && (!log_y || *y > 0.0))
        .map(|&[x, y]| (x, y))
        .collect()
}

/// Returns a range covering `values` with a margin, or a unit range when there are none.
fn padded_range(values: impl Iterator<Item = f64>, log: bool) -> Range<f64> {
    let (low, high) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| (low.min(v), high.max(v)));
    if low > high {
        return if log { 0.1..1.0 } else { 0.0..1.0 };
    }
    if log {
        let factor = if high / low < 1.01 { 2.0 } else { 1.15 };
        return low / factor..high * factor;
    }
    let margin = if high > low { 0.05 * (high - low) } else { 0.5 * low.abs().max(1.0) };
    low - margin..high + margin
}

/// Draws axes, series and legend once the y coordinate (linear or log) is chosen.
fn draw_on<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    visible: &[Vec<(f64, f64)>],
    x_range: Range<f64>,
    y_range: Y,
    scale: f64,
) -> Result<(), PlotError>
where
    DB: DrawingBackend,
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let px = |size: f64| (size * scale).round().max(1.0) as u32;
    let mut context = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", px(15.0)))
        .margin(px(10.0))
        .x_label_area_size(px(38.0))
        .y_label_area_size(px(62.0))
        .build_cartesian_2d(x_range, y_range)?;

    context
        .configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style(("sans-serif", px(12.0)))
        .axis_desc_style(("sans-serif", px(13.0)))
        .light_line_style(RGBColor(236, 236, 236).stroke_width(px(1.0)))
        .bold_line_style(RGBColor(210, 210, 210).stroke_width(px(1.0)))
        .x_labels(6)
        .y_labels(6)
        .y_label_formatter(&|v| format_tick(*v))
        .x_label_formatter(&|v| format_tick(*v))
        .draw()?;

    let mut model_index = 0;
    for (series, points) in chart.series.iter().zip(visible) {
        let style = series_style(series.reference, model_index, scale);
        let dash = if series.reference { None } else { dash_pattern(model_index, scale) };
        model_index += usize::from(!series.reference);

        let drawn = match dash {
            None => context.draw_series(LineSeries::new(points.iter().copied(), style))?,
            Some((length, gap)) => context.draw_series(DashedLineSeries::new(
                points.iter().copied(),
                length,
                gap,
                style,
            ))?,
        };
        let legend_width = px(22.0) as i32;
        drawn
            .label(series.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + legend_width, y)], style));
    }

    context
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", px(12.0)))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .margin(px(6.0))
        .draw()?;
    Ok(())
}

/// The line style of a series: dark grey for references, palette colours for models.
fn series_style(reference: bool, model_index: usize, scale: f64) -> ShapeStyle {
    let color = if reference { REFERENCE } else { PALETTE[model_index % PALETTE.len()] };
    let width = if reference { 1.5 } else { 2.0 };
    color.stroke_width((width * scale).round().max(1.0) as u32)
}

/// The dash pattern `(dash, gap)` in pixels that tells model `index` apart without colour:
/// solid, long dashes, short dashes, then again.
fn dash_pattern(index: usize, scale: f64) -> Option<(u32, u32)> {
    let px = |size: f64| (size * scale).round().max(1.0) as u32;
    match index % 3 {
        0 => None,
        1 => Some((px(9.0), px(4.0))),
        _ => Some((px(3.0), px(3.0))),
    }
}

/// Formats an axis value compactly: `0.25`, `1200`, `1e-4`, `3e6`.
fn format_tick(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&magnitude) {
        let text = format!("{value:.0e}");
        text.replace("e0", "").replace("e-0", "e-")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::format_tick;

    #[test]
    fn ticks_are_compact() {
        assert_eq!(format_tick(0.0), "0");
        assert_eq!(format_tick(0.25), "0.25");
        assert_eq!(format_tick(1200.0), "1200");
        assert_eq!(format_tick(1e-4), "1e-4");
        assert_eq!(format_tick(3e6), "3e6");
        assert_eq!(format_tick(-0.5), "-0.5");
    }
}
