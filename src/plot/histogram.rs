//! Histograms of one or two groups of values over shared bins. The first group's bars are
//! filled and the second's are outlined, so they differ without colour.

use super::axes::{split_legend, Axes, Legend};
use super::{PlotError, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

/// A histogram: what to draw, independent of where it is drawn.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Histogram {
    /// Caption above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// Whether the bins are even in log10 of the values; then only positive values count.
    #[serde(default)]
    pub log_x: bool,
    /// Number of bins spanning the values of all groups.
    pub bins: usize,
    /// The groups of values, each counted in the same bins.
    pub groups: Vec<HistogramGroup>,
}

/// A named group of values.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct HistogramGroup {
    /// Legend label.
    pub name: String,
    /// The values; those that are not finite (or not positive on a log axis) are left out.
    pub values: Vec<f64>,
}

impl Histogram {
    /// Returns the bin edges (in log10 on a log axis) and each group's count per bin.
    pub fn counts(&self) -> (Vec<f64>, Vec<Vec<usize>>) {
        let bins = self.bins.max(1);
        let keep = |v: f64| {
            let v = if self.log_x { v.log10() } else { v };
            v.is_finite().then_some(v)
        };
        let all = || self.groups.iter().flat_map(|g| g.values.iter().filter_map(|&v| keep(v)));
        let low = all().fold(f64::INFINITY, f64::min);
        let high = all().fold(f64::NEG_INFINITY, f64::max);
        let (low, high) = match (low.is_finite(), high > low) {
            (false, _) => (0.0, 1.0),
            (true, false) => (low - 0.5, low + 0.5),
            (true, true) => (low, high),
        };
        let width = (high - low) / bins as f64;
        let edges = (0..=bins).map(|i| low + width * i as f64).collect();
        let counts = self
            .groups
            .iter()
            .map(|group| {
                let mut counts = vec![0; bins];
                for v in group.values.iter().filter_map(|&v| keep(v)) {
                    counts[(((v - low) / width) as usize).min(bins - 1)] += 1;
                }
                counts
            })
            .collect();
        (edges, counts)
    }
}

/// Draws `histogram` on `area`, with text and lines enlarged by `scale`.
pub fn draw_histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    histogram: &Histogram,
    scale: f64,
) -> Result<(), PlotError> {
    area.fill(&WHITE)?;
    let (edges, counts) = histogram.counts();
    let most = counts.iter().flatten().copied().max().unwrap_or(0).max(1);
    let names = histogram.groups.iter().map(|group| group.name.as_str());
    let (plot_area, legend_area, legend) = split_legend(area, scale, names);
    let axes = Axes {
        title: &histogram.title,
        x_label: &histogram.x_label,
        y_label: &histogram.y_label,
        log_x: histogram.log_x,
        log_y: false,
        right_axis: false,
    };
    let x_range = edges[0]..edges[edges.len() - 1];
    let mut context = axes.draw(&plot_area, x_range, 0.0..most as f64 * 1.08, scale)?;
    let line_width = (1.5 * scale).round().max(1.0) as u32;
    for (index, group_counts) in counts.iter().enumerate() {
        let style = group_style(index, line_width);
        let bars =
            group_counts.iter().enumerate().filter(|(_, &count)| count > 0).map(|(bin, &count)| {
                Rectangle::new([(edges[bin], 0.0), (edges[bin + 1], count as f64)], style)
            });
        context.draw_series(bars)?;
    }
    draw_legend(&legend_area, &legend, scale)
}

/// Filled bars for the first group, outlined bars for the others.
fn group_style(index: usize, line_width: u32) -> ShapeStyle {
    let color = PALETTE[index % PALETTE.len()];
    if index == 0 {
        color.mix(0.75).filled()
    } else {
        color.stroke_width(line_width)
    }
}

/// Draws the legend: each group's bar sample, then its label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    legend: &Legend,
    scale: f64,
) -> Result<(), PlotError> {
    let px = |size: f64| (size * scale).round() as i32;
    let line_width = (1.5 * scale).round().max(1.0) as u32;
    // The label starts 6 px after the bar sample's 20 px cell.
    legend.draw(area, 26.0, |index, (left, y)| {
        let sample = [(left + px(4.0), y - px(6.0)), (left + px(20.0), y + px(6.0))];
        area.draw(&Rectangle::new(sample, group_style(index, line_width)))?;
        Ok(())
    })
}
