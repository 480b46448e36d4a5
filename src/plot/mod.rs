//! Figures drawn with plotters on any backend: a browser canvas, SVG files, PNG files.
//!
//! Every chart takes a `scale`, the device pixels per CSS pixel, so that text and lines keep
//! their size on high-DPI canvases that are drawn at full device resolution.

pub mod axes;
pub mod histogram;
pub mod line;
pub mod scatter;

pub use histogram::{draw_histogram, Histogram, HistogramGroup};
pub use line::{draw_line_chart, LineChart, SecondaryAxis, Series};
pub use scatter::{draw_scatter_chart, ScatterChart, ScatterSeries};

use plotters::style::RGBColor;

/// Colours of the models' series. The first six come from the Okabe-Ito palette, which stays
/// distinct under the common forms of colour blindness. A dark wine and an olive follow, so
/// that the 8 runs of the PCA experiment each have a colour of their own. Okabe-Ito's black is
/// the reference series' colour and its yellow is too pale on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(136, 34, 85),
    RGBColor(153, 153, 51),
];

/// Colour of reference series such as the target function.
pub const REFERENCE: RGBColor = RGBColor(40, 40, 40);

/// An error from a drawing backend, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing failed: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for PlotError
{
    fn from(error: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        PlotError(error.to_string())
    }
}

/// A figure that can be drawn on any backend.
pub enum Figure<'a> {
    /// A line chart.
    Line(&'a LineChart),
    /// Line charts stacked top to bottom, sharing the width.
    Stacked(&'a [LineChart]),
    /// A scatter chart.
    Scatter(&'a ScatterChart),
    /// A histogram.
    Histogram(&'a Histogram),
}

impl Figure<'_> {
    /// Draws the figure on `area`, with text and lines enlarged by `scale`.
    pub fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
        scale: f64,
    ) -> Result<(), PlotError> {
        match self {
            Figure::Line(chart) => draw_line_chart(area, chart, scale),
            Figure::Stacked(charts) => {
                let rows = area.split_evenly((charts.len().max(1), 1));
                charts
                    .iter()
                    .zip(&rows)
                    .try_for_each(|(chart, row)| draw_line_chart(row, chart, scale))
            }
            Figure::Scatter(chart) => draw_scatter_chart(area, chart, scale).map(|_| ()),
            Figure::Histogram(histogram) => draw_histogram(area, histogram, scale),
        }
    }
}

/// Writes `figure` as an SVG file of `size` pixels.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_svg(
    path: &std::path::Path,
    size: (u32, u32),
    figure: &Figure,
) -> Result<(), PlotError> {
    use plotters::prelude::{IntoDrawingArea, SVGBackend};
    let area = SVGBackend::new(path, size).into_drawing_area();
    figure.draw(&area, 1.0)?;
    area.present()?;
    Ok(())
}
