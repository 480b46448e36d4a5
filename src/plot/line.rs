//! Line charts of several named series, with linear or logarithmic axes, an optional second
//! y axis on the right, and a legend beside the plot (under it on a narrow chart), so that it
//! never hides a curve.

use super::axes::{
    limited, padded_range, split_legend, tick_label, Axes, Axis, Context, Legend, TickFormat,
};
use super::{PlotError, PALETTE, REFERENCE};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

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
    /// Bounds the y axis never passes, such as `[0, 100]` for a percentage; also the axis
    /// range while there is no data.
    #[serde(default)]
    pub y_limits: Option<[f64; 2]>,
    /// The series, drawn in order.
    pub series: Vec<Series>,
    /// Whether the x axis is logarithmic; then only positive x values are drawn.
    #[serde(default)]
    pub log_x: bool,
    /// Series measured on a second y axis on the right, if any.
    #[serde(default)]
    pub secondary: Option<SecondaryAxis>,
}

/// A second y axis on the right of a line chart, with its own series.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SecondaryAxis {
    /// Label of the axis.
    pub y_label: String,
    /// Whether the axis is logarithmic; then only positive values are drawn.
    #[serde(default)]
    pub log_y: bool,
    /// Bounds the axis never passes, as for the left axis.
    #[serde(default)]
    pub y_limits: Option<[f64; 2]>,
    /// The series, drawn after those of the left axis and listed after them in the legend.
    pub series: Vec<Series>,
}

/// A named sequence of `[x, y]` points joined by lines.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in drawing order. A point that is not finite (`null` in JSON) breaks the line.
    #[serde(deserialize_with = "points_with_gaps")]
    pub points: Vec<[f64; 2]>,
    /// Whether this is a reference (such as the target function) drawn in dark grey beneath
    /// the models, rather than one of the models.
    #[serde(default)]
    pub reference: bool,
}

/// Reads `[[x, y], ...]` where any coordinate may be `null`, which becomes NaN.
pub(super) fn points_with_gaps<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<[f64; 2]>, D::Error> {
    let points: Vec<[Option<f64>; 2]> = Vec::deserialize(deserializer)?;
    Ok(points.into_iter().map(|[x, y]| [x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN)]).collect())
}

/// Draws `chart` on `area`, with text and lines enlarged by `scale`.
///
/// A log axis is drawn as log10 of the values on a linear axis, labelled with the values
/// themselves, so that short ranges still get several labelled ticks.
pub fn draw_line_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &LineChart,
    scale: f64,
) -> Result<(), PlotError> {
    area.fill(&WHITE)?;
    let cut = |series: &[Series], log_y: bool| -> Vec<Vec<Vec<(f64, f64)>>> {
        series.iter().map(|s| segments(&s.points, chart.log_x, log_y)).collect()
    };
    let segments = cut(&chart.series, chart.log_y);
    let secondary = chart.secondary.as_ref();
    let right_segments = secondary.map_or(Vec::new(), |axis| cut(&axis.series, axis.log_y));
    let all = segments.iter().flatten().flatten();
    let right = right_segments.iter().flatten().flatten();
    let x_range = padded_range(all.clone().chain(right.clone()).map(|p| p.0));
    let y_range = limited(padded_range(all.map(|p| p.1)), chart.y_limits, chart.log_y);

    let right_series = secondary.map_or(&[][..], |axis| &axis.series[..]);
    let names = chart.series.iter().chain(right_series).map(|series| series.name.as_str());
    let (plot_area, legend_area, legend) = split_legend(area, scale, names);
    let axes = Axes {
        title: &chart.title,
        x_label: &chart.x_label,
        y_label: &chart.y_label,
        log_x: chart.log_x,
        log_y: chart.log_y,
        right_axis: secondary.is_some(),
    };
    let looks = looks(chart, scale);
    let Some(axis) = secondary else {
        let mut context = axes.draw(&plot_area, x_range, y_range, scale)?;
        for (lines, look) in segments.iter().zip(&looks) {
            lines.iter().try_for_each(|line| draw_segment(&mut context, line, *look))?;
        }
        return draw_legend(&legend_area, &legend, &looks, scale);
    };

    let y2_range = limited(padded_range(right.map(|p| p.1)), axis.y_limits, axis.log_y);
    let y2_format = TickFormat::for_range(&y2_range, axis.log_y);
    let px = |size: f64| (size * scale).round().max(1.0) as u32;
    let context = axes.build(&plot_area, x_range.clone(), y_range, scale)?;
    let mut dual = context
        .set_secondary_coord(Axis::new(x_range, axes.log_x), Axis::new(y2_range, axis.log_y));
    axes.mesh(&mut dual, scale)?;
    dual.configure_secondary_axes()
        .y_desc(&axis.y_label)
        .label_style(("sans-serif", px(12.0)))
        .axis_desc_style(("sans-serif", px(13.0)))
        .y_labels(7)
        .y_label_formatter(&|v| tick_label(*v, axis.log_y, y2_format))
        .draw()?;
    for (lines, look) in segments.iter().zip(&looks) {
        lines.iter().try_for_each(|line| draw_segment(&mut dual, line, *look))?;
    }
    for (lines, look) in right_segments.iter().zip(&looks[segments.len()..]) {
        for line in lines {
            let points = line.iter().copied();
            match (line.len(), look.dash) {
                (1, _) => dual.draw_secondary_series(std::iter::once(Circle::new(
                    line[0],
                    look.marker_radius,
                    look.style.filled(),
                )))?,
                (_, None) => dual.draw_secondary_series(LineSeries::new(points, look.style))?,
                (_, Some((dash, gap))) => dual
                    .draw_secondary_series(DashedLineSeries::new(points, dash, gap, look.style))?,
            };
        }
    }
    draw_legend(&legend_area, &legend, &looks, scale)
}

/// Returns the look of every series, those of the left axis first: references in grey, the
/// others in turn through the palette and the dash patterns.
fn looks(chart: &LineChart, scale: f64) -> Vec<Look> {
    let right = chart.secondary.as_ref().map_or(&[][..], |axis| &axis.series[..]);
    let mut model_index = 0;
    chart
        .series
        .iter()
        .chain(right)
        .map(|series| {
            let look = Look::of(series.reference, model_index, scale);
            model_index += usize::from(!series.reference);
            look
        })
        .collect()
}

/// How one series is drawn: colour and width, and a dash pattern that tells models apart
/// without colour.
#[derive(Clone, Copy)]
struct Look {
    style: ShapeStyle,
    /// `(dash, gap)` in pixels, or `None` for a solid line.
    dash: Option<(u32, u32)>,
    marker_radius: u32,
}

impl Look {
    /// Dark grey for references; palette colours for models, solid, long dashes, short dashes.
    fn of(reference: bool, model_index: usize, scale: f64) -> Self {
        let px = |size: f64| (size * scale).round().max(1.0) as u32;
        if reference {
            return Look {
                style: REFERENCE.stroke_width(px(1.5)),
                dash: None,
                marker_radius: px(3.0),
            };
        }
        let color = PALETTE[model_index % PALETTE.len()];
        let dash = match model_index % 3 {
            0 => None,
            1 => Some((px(9.0), px(4.0))),
            _ => Some((px(3.0), px(3.0))),
        };
        Look { style: color.stroke_width(px(2.0)), dash, marker_radius: px(3.0) }
    }
}

/// Draws one unbroken run of points, or a dot where the run is a single point.
fn draw_segment<DB: DrawingBackend>(
    context: &mut Context<DB>,
    line: &[(f64, f64)],
    look: Look,
) -> Result<(), PlotError> {
    let points = line.iter().copied();
    match (line.len(), look.dash) {
        (1, _) => {
            let dot = Circle::new(line[0], look.marker_radius, look.style.filled());
            context.draw_series(std::iter::once(dot))?;
        }
        (_, None) => {
            context.draw_series(LineSeries::new(points, look.style))?;
        }
        (_, Some((dash, gap))) => {
            context.draw_series(DashedLineSeries::new(points, dash, gap, look.style))?;
        }
    }
    Ok(())
}

/// Draws the legend: a line sample in each series' look, then its label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
    looks: &[Look],
    scale: f64,
) -> Result<(), PlotError> {
    let px = |size: f64| (size * scale).round() as i32;
    // The label starts 6 px after the 26 px line sample.
    legend.draw(area, 32.0, |index, (left, y)| {
        let look = looks[index];
        let (start, end) = ((left + px(2.0), y), (left + px(26.0), y));
        match look.dash {
            None => area.draw(&PathElement::new(vec![start, end], look.style))?,
            // The sample repeats the series' own dash and gap, so the legend keeps long and
            // short dashes distinct.
            Some((dash, gap)) => {
                let period = (dash + gap).max(2) as usize;
                for x in (start.0..end.0).step_by(period) {
                    let dash_end = (x + dash as i32).min(end.0);
                    area.draw(&PathElement::new(vec![(x, y), (dash_end, y)], look.style))?;
                }
            }
        }
        Ok(())
    })
}

/// Splits `points` into runs of drawable points (finite, and positive on a log axis),
/// with a coordinate as its log10 on a log axis.
fn segments(points: &[[f64; 2]], log_x: bool, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &[x, y] in points {
        let x = if log_x { x.log10() } else { x };
        let y = if log_y { y.log10() } else { y };
        if x.is_finite() && y.is_finite() {
            runs.last_mut().expect("runs is never empty").push((x, y));
        } else if !runs.last().expect("runs is never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

#[cfg(test)]
mod tests {
    use super::segments;
    use crate::plot::axes::{format_tick, limited, padded_range, significant_digits};

    #[test]
    fn ticks_are_compact() {
        assert_eq!(format_tick(0.0, 3), "0");
        assert_eq!(format_tick(0.25, 3), "0.25");
        assert_eq!(format_tick(1200.0, 3), "1200");
        assert_eq!(format_tick(1e-4, 3), "1e-4");
        assert_eq!(format_tick(3.2e6, 3), "3.2e6");
        assert_eq!(format_tick(-0.5, 3), "-0.5");
        assert_eq!(format_tick(10f64.powf(-1.2), 3), "0.0631");
        assert_eq!(format_tick(1.0, 3), "1");
    }

    #[test]
    fn narrow_ranges_get_more_digits() {
        let digits = significant_digits(&(2.3100..2.3250), false);
        assert_eq!(digits, 5);
        assert_ne!(format_tick(2.3125, digits), format_tick(2.3150, digits));
        assert_eq!(significant_digits(&(0.0..100.0), false), 3);
    }

    #[test]
    fn limits_clamp_and_fill() {
        assert_eq!(limited(0.0..1.0, Some([0.0, 100.0]), false), 0.0..100.0);
        assert_eq!(limited(90.0..105.0, Some([0.0, 100.0]), false), 90.0..100.0);
        assert_eq!(limited(90.0..99.0, None, false), 90.0..99.0);
    }

    #[test]
    fn padded_range_margins() {
        assert_eq!(padded_range([0.25].into_iter()), 0.0..0.5);
        assert_eq!(padded_range([0.0, 0.0].into_iter()), -0.5..0.5);
        assert_eq!(padded_range([-2.0].into_iter()), -3.0..-1.0);
        assert_eq!(padded_range([1.0].into_iter()), 0.5..1.5);
        assert_eq!(padded_range([-1.0, 1.0].into_iter()), -1.1..1.1);
    }

    #[test]
    fn gaps_split_lines() {
        let points = [[0.0, 1.0], [1.0, f64::NAN], [2.0, 2.0], [3.0, 3.0]];
        assert_eq!(
            segments(&points, false, false),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
    }

    #[test]
    fn log_axis_drops_non_positive() {
        let points = [[0.0, 100.0], [1.0, 0.0], [2.0, 0.001]];
        assert_eq!(segments(&points, false, true), vec![vec![(0.0, 2.0)], vec![(2.0, -3.0)]]);
    }
}
