//! The parts every chart shares: the legend column, the frame with its ticks and labels,
//! and the choice of axis ranges and tick formats.
//!
//! A log axis is drawn as log10 of the values on a linear axis, labelled with the values
//! themselves, with ticks at round values: every digit, even digits, 1, 2 and 5, or powers of
//! ten, whichever gives the most ticks that fit.

use super::PlotError;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// Width of the legend column beside the plot, in CSS pixels.
const LEGEND_WIDTH: f64 = 112.0;
/// Charts narrower than this, in CSS pixels, have their legend in rows under the plot. From
/// this width on, the column beside the plot leaves it about 410 px, wider than the plot of a
/// phone's chart with the legend under it.
const NARROW_CHART_WIDTH: f64 = 600.0;
/// A legend entry's sample before its text, a row's height, and the width of a character of
/// its 12 px text (an estimate for sans-serif fonts), in CSS pixels.
const LEGEND_SAMPLE_WIDTH: f64 = 32.0;
const LEGEND_ROW_HEIGHT: f64 = 20.0;
const LEGEND_CHAR_WIDTH: f64 = 7.0;

/// Plot width per x-axis label, in CSS pixels.
const X_LABEL_SPACING: f64 = 80.0;
/// The chart's margin, in CSS pixels.
const MARGIN: f64 = 10.0;
/// The title's font size in CSS pixels, and the smallest that a long title shrinks to before
/// it is cut.
const TITLE_SIZE: f64 = 15.0;
const MIN_TITLE_SIZE: f64 = 11.0;

/// A chart's drawing context: linear coordinates, log10 of the values on a log axis.
pub type Context<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// One axis of a chart: linear coordinates, or log10 of the values on a log axis, with ticks at
/// round values of what the axis shows.
#[derive(Clone)]
pub struct Axis {
    linear: RangedCoordf64,
    log: bool,
}

impl Axis {
    /// Builds the axis over `range`, which is log10 of the values when `log` is set.
    pub fn new(range: Range<f64>, log: bool) -> Self {
        Self { linear: range.into(), log }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let max = hint.max_num_points();
        if self.log {
            return log_ticks(&self.linear.range(), max);
        }
        let ticks = self.linear.key_points(hint);
        if ticks.len() >= 2 || max < 2 {
            return ticks;
        }
        round_ticks(&self.linear.range()).unwrap_or(ticks)
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

/// Returns the ticks of a log axis over `range` (log10 of the values), at most `max` of them:
/// the densest of every digit with 1.5, even digits, 1-2-5 and powers of ten that fits. A
/// range too short for two of those gets ten ticks spread evenly.
pub fn log_ticks(range: &Range<f64>, max: usize) -> Vec<f64> {
    let inside = |mantissas: &[f64]| -> Vec<f64> {
        let (first, last) = (range.start.floor() as i32, range.end.ceil() as i32);
        (first..=last)
            .flat_map(|decade| mantissas.iter().map(move |m| (m * 10f64.powi(decade)).log10()))
            .filter(|tick| range.start <= *tick && *tick <= range.end)
            .collect()
    };
    // 1.5 splits the widest step between digits, from 1 to 2, which a range just above a
    // power of ten would otherwise leave without a label.
    let digits = [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let sets: [&[f64]; 4] = [&digits, &[1.0, 2.0, 4.0, 6.0, 8.0], &[1.0, 2.0, 5.0], &[1.0]];
    for mantissas in sets {
        let ticks = inside(mantissas);
        if ticks.len() <= max && ticks.len() >= 2 {
            return ticks;
        }
    }
    // None fits: every k-th tick of the sparsest set with two or more, such as every other
    // 1-2-5 value on a narrow chart or every third power of ten over many decades.
    for mantissas in sets.into_iter().rev() {
        let ticks = inside(mantissas);
        if ticks.len() >= 2 {
            let step = ticks.len().div_ceil(max.max(1));
            return ticks.into_iter().step_by(step).collect();
        }
    }
    let span = range.end - range.start;
    (0..=max.min(10)).map(|i| range.start + span * i as f64 / max.min(10) as f64).collect()
}

/// Returns at least two ticks of a linear axis over `range`, at the multiples of the largest
/// round step (1, 2, 2.5 or 5 times a power of ten) that has two or more in the range. plotters
/// asked for two ticks can leave one, such as 0 alone on an axis from 0 to 4000 or from -1 to 1.
fn round_ticks(range: &Range<f64>) -> Option<Vec<f64>> {
    let span = range.end - range.start;
    if !(span.is_finite() && span > 0.0) {
        return None;
    }
    let power = 10f64.powf(span.log10().floor());
    let steps = [5.0, 2.5, 2.0, 1.0, 0.5].map(|factor| factor * power);
    steps.into_iter().find_map(|step| {
        let (first, last) = ((range.start / step).ceil(), (range.end / step).floor());
        (last > first).then(|| (first as i64..=last as i64).map(|k| k as f64 * step).collect())
    })
}

/// Splits `area` into the plot and the legend of series `names`. The legend is a column on the
/// right that never takes more than a third of the width. On a chart narrower than
/// NARROW_CHART_WIDTH it is rows under the plot, so that a phone keeps the width for the data.
pub fn split_legend<'n, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    names: impl IntoIterator<Item = &'n str>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>, Legend) {
    let mut labels: Vec<String> = names.into_iter().map(legend_label).collect();
    let (width, height) = area.dim_in_pixel();
    let (css_width, css_height) = (f64::from(width) / scale, f64::from(height) / scale);
    if css_width >= NARROW_CHART_WIDTH {
        let legend_width = (LEGEND_WIDTH * scale).round().min(f64::from(width) / 3.0) as u32;
        let (plot, legend) = area.split_horizontally(width.saturating_sub(legend_width));
        let top = 48.0;
        let more = fit_entries(&mut labels, rows_within(css_height - top));
        let layout = Legend { labels, more, columns: 1, column_width: 0.0, left: 0.0, top, scale };
        return (plot, legend, layout);
    }
    let longest = labels.iter().map(|label| label.chars().count()).max().unwrap_or(0);
    let column_width = LEGEND_SAMPLE_WIDTH + LEGEND_CHAR_WIDTH * longest as f64 + 12.0;
    let columns = ((css_width - 2.0 * MARGIN) / column_width).floor().max(1.0) as usize;
    // The rows under the plot take at most a third of the chart's height.
    let more = fit_entries(&mut labels, columns * rows_within(css_height / 3.0 - 8.0));
    let entries = labels.len() + usize::from(more.is_some());
    let rows = entries.div_ceil(columns).max(1);
    let strip = ((rows as f64 * LEGEND_ROW_HEIGHT + 8.0) * scale).round() as u32;
    let (plot, legend) = area.split_vertically(height.saturating_sub(strip));
    let top = LEGEND_ROW_HEIGHT / 2.0;
    (plot, legend, Legend { labels, more, columns, column_width, left: MARGIN, top, scale })
}

/// Returns how many legend rows fit into `height` CSS pixels, at least one.
fn rows_within(height: f64) -> usize {
    (height / LEGEND_ROW_HEIGHT).floor().max(1.0) as usize
}

/// Keeps as many of `labels` as fit into `capacity` entries. When some must go, the last
/// entry becomes the returned line that counts them, such as "+40 more".
fn fit_entries(labels: &mut Vec<String>, capacity: usize) -> Option<String> {
    if labels.len() <= capacity {
        return None;
    }
    let shown = capacity.saturating_sub(1);
    let more = format!("+{} more", labels.len() - shown);
    labels.truncate(shown);
    Some(more)
}

/// Shortens a series name to fit a legend entry.
fn legend_label(name: &str) -> String {
    let mut label: String = name.chars().take(12).collect();
    if label.len() < name.len() {
        label.push('…');
    }
    label
}

/// A chart's legend: the entries' labels, and their placement in a column beside the plot or
/// in rows under it.
#[derive(Clone, Debug)]
pub struct Legend {
    labels: Vec<String>,
    // The line in place of the entries that did not fit, if any.
    more: Option<String>,
    columns: usize,
    column_width: f64,
    left: f64,
    top: f64,
    scale: f64,
}

impl Legend {
    /// Returns the left edge and the middle line of entry `index`, in the legend area's
    /// pixels.
    pub fn entry(&self, index: usize) -> (i32, i32) {
        let (row, column) = (index / self.columns, index % self.columns);
        let x = self.left + column as f64 * self.column_width;
        let y = self.top + row as f64 * LEGEND_ROW_HEIGHT;
        ((x * self.scale).round() as i32, (y * self.scale).round() as i32)
    }

    /// Draws every entry on `area`: `sample(index, entry)` draws the sample of entry `index`
    /// from its left edge and middle line, and the label follows `text_offset` CSS pixels to
    /// the right.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text_offset: f64,
        mut sample: impl FnMut(usize, (i32, i32)) -> Result<(), PlotError>,
    ) -> Result<(), PlotError> {
        let px = |size: f64| (size * self.scale).round() as i32;
        let font = ("sans-serif", px(12.0).max(1) as u32).into_font().color(&BLACK);
        for (index, label) in self.labels.iter().enumerate() {
            let (left, y) = self.entry(index);
            sample(index, (left, y))?;
            let text_at = (left + px(text_offset), y - px(7.0));
            area.draw(&Text::new(label.as_str(), text_at, font.clone()))?;
        }
        if let Some(more) = &self.more {
            let (left, y) = self.entry(self.labels.len());
            area.draw(&Text::new(more.as_str(), (left + px(text_offset), y - px(7.0)), font))?;
        }
        Ok(())
    }
}

/// The frame of a chart: its title, axis labels and whether each axis is logarithmic.
pub struct Axes<'a> {
    /// Caption above the plot.
    pub title: &'a str,
    /// Label of the x axis.
    pub x_label: &'a str,
    /// Label of the y axis.
    pub y_label: &'a str,
    /// Whether `x_range` is log10 of the values.
    pub log_x: bool,
    /// Whether `y_range` is log10 of the values.
    pub log_y: bool,
    /// Whether to leave room on the right for a second y axis.
    pub right_axis: bool,
}

impl Axes<'_> {
    /// Draws the caption, grid, ticks and labels for the given ranges (in log10 on a log
    /// axis) and returns the context to draw the data in.
    pub fn draw<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        x_range: Range<f64>,
        y_range: Range<f64>,
        scale: f64,
    ) -> Result<Context<'a, DB>, PlotError> {
        let mut context = self.build(area, x_range, y_range, scale)?;
        self.mesh(&mut context, scale)?;
        Ok(context)
    }

    /// Builds the context with its caption and label areas but draws no grid yet, so that a
    /// second y axis can take the right label area first.
    pub fn build<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        x_range: Range<f64>,
        y_range: Range<f64>,
        scale: f64,
    ) -> Result<Context<'a, DB>, PlotError> {
        let px = |size: f64| (size * scale).round().max(1.0) as u32;
        let (title, title_size) = fitted_title(area, self.title, scale);
        Ok(ChartBuilder::on(area)
            .caption(title, ("sans-serif", title_size))
            .margin(px(MARGIN))
            .x_label_area_size(px(38.0))
            .y_label_area_size(px(58.0))
            .right_y_label_area_size(if self.right_axis { px(58.0) } else { 0 })
            .build_cartesian_2d(Axis::new(x_range, self.log_x), Axis::new(y_range, self.log_y))?)
    }

    /// Draws the grid, ticks and labels of the context's axes.
    pub fn mesh<DB: DrawingBackend>(
        &self,
        context: &mut Context<'_, DB>,
        scale: f64,
    ) -> Result<(), PlotError> {
        let px = |size: f64| (size * scale).round().max(1.0) as u32;
        let x_range = context.x_range();
        let y_range = context.y_range();
        let x_format = TickFormat::for_range(&x_range, self.log_x);
        let y_format = TickFormat::for_range(&y_range, self.log_y);
        let (log_x, log_y) = (self.log_x, self.log_y);
        // Fewer x labels on a narrow plot, so that five-digit values do not run together.
        let plot_width = f64::from(context.plotting_area().dim_in_pixel().0) / scale;
        let x_labels = ((plot_width / X_LABEL_SPACING) as usize).clamp(2, 6);
        context
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .label_style(("sans-serif", px(12.0)))
            .axis_desc_style(("sans-serif", px(13.0)))
            .light_line_style(RGBColor(238, 238, 238).stroke_width(px(1.0)))
            .bold_line_style(RGBColor(214, 214, 214).stroke_width(px(1.0)))
            .x_labels(x_labels)
            .y_labels(7)
            .x_label_formatter(&|v| tick_label(*v, log_x, x_format))
            .y_label_formatter(&|v| tick_label(*v, log_y, y_format))
            .draw()?;
        Ok(())
    }
}

/// Returns the title and its font size in device pixels. A title wider than `area` within its
/// margins takes a smaller font, down to MIN_TITLE_SIZE, and is then cut with an ellipsis, as
/// the centred caption would otherwise lose both its ends.
fn fitted_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    scale: f64,
) -> (String, u32) {
    let px = |size: f64| (size * scale).round().max(1.0) as u32;
    let room = area.dim_in_pixel().0.saturating_sub(2 * px(MARGIN));
    // A backend that cannot measure text keeps the title whole.
    let fits = |text: &str, size: u32| {
        let style = ("sans-serif", size).into_text_style(area);
        match area.estimate_text_size(text, &style) {
            Ok((width, _)) => width <= room,
            Err(_) => true,
        }
    };
    let mut size = TITLE_SIZE;
    while size > MIN_TITLE_SIZE && !fits(title, px(size)) {
        size -= 1.0;
    }
    let size = px(size);
    let chars: Vec<char> = title.chars().collect();
    let cut = |count: usize| {
        let start: String = chars[..count].iter().collect();
        format!("{}…", start.trim_end())
    };
    if fits(title, size) {
        return (title.to_string(), size);
    }
    let mut count = chars.len();
    while count > 1 && !fits(&cut(count), size) {
        count -= 1;
    }
    (cut(count), size)
}

/// Labels at or above this magnitude are written as exponents, such as 2e5.
const EXPONENT_FROM: f64 = 1e5;
/// On an axis that reaches EXPONENT_FROM, labels from this magnitude up are exponents too, so
/// that one axis does not write 50000 beside 2e5.
const AXIS_EXPONENT_FROM: f64 = 1e3;

/// The number format of one axis's tick labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TickFormat {
    /// Significant digits, enough for neighbouring ticks to differ.
    pub digits: usize,
    /// The magnitude from which labels are written as exponents.
    pub exponent_from: f64,
}

impl TickFormat {
    /// Returns the format of an axis over `range`, given in log10 of the values on a log axis.
    pub fn for_range(range: &Range<f64>, log: bool) -> Self {
        let (low, high) = value_range(range, log);
        let reach = low.abs().max(high.abs());
        let exponent_from = if reach >= EXPONENT_FROM { AXIS_EXPONENT_FROM } else { EXPONENT_FROM };
        Self { digits: significant_digits(range, log), exponent_from }
    }
}

/// Returns the values at the ends of an axis over `range`, given in log10 on a log axis.
fn value_range(range: &Range<f64>, log: bool) -> (f64, f64) {
    if log {
        (10f64.powf(range.start), 10f64.powf(range.end))
    } else {
        (range.start, range.end)
    }
}

/// Labels a tick with the value it stands for.
pub fn tick_label(value: f64, log: bool, format: TickFormat) -> String {
    let value = if log { 10f64.powf(value) } else { value };
    format_number(value, format.digits, format.exponent_from)
}

/// Returns a range covering `values` with a 5% margin, one centred on a single value, or a
/// unit range when there are none.
pub fn padded_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (low, high) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| (low.min(v), high.max(v)));
    if low > high {
        return 0.0..1.0;
    }
    if high == low {
        // One value sits in the middle of the axis, which stays non-negative for a positive
        // value. At 0 the axis must reach below 0, or the points would lie on the axis line.
        let margin = 0.5 * low.abs().max(1.0);
        let margin = if low > 0.0 { margin.min(low) } else { margin };
        return low - margin..high + margin;
    }
    let margin = 0.05 * (high - low);
    // Data that is never negative (epochs, steps) keeps a non-negative axis.
    let bottom = if low >= 0.0 { (low - margin).max(0.0) } else { low - margin };
    bottom..high + margin
}

/// Keeps `range` inside `limits` (given in data units), or uses the limits when there is
/// no data, which `padded_range` reports as the unit range.
pub fn limited(range: Range<f64>, limits: Option<[f64; 2]>, log_y: bool) -> Range<f64> {
    let Some([low, high]) = limits else { return range };
    let (low, high) = if log_y { (low.log10(), high.log10()) } else { (low, high) };
    // Also rejects NaN limits, for which no comparison holds.
    if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) {
        return range;
    }
    if range == (0.0..1.0) {
        return low..high;
    }
    let (bottom, top) = (range.start.max(low), range.end.min(high));
    if bottom < top {
        bottom..top
    } else {
        low..high
    }
}

/// Returns how many significant digits tick labels need to differ across `range`: 3, or
/// more when the range is narrow compared with its values.
pub fn significant_digits(range: &Range<f64>, log_y: bool) -> usize {
    let (low, high) = value_range(range, log_y);
    let scale = low.abs().max(high.abs());
    if scale == 0.0 || high <= low {
        return 3;
    }
    let relative = (high - low) / scale;
    (2.0 - relative.log10().floor()).clamp(3.0, 7.0) as usize
}

/// Formats an axis value with at most `digits` significant digits: `0.25`, `1200`, `1e-4`,
/// `3.2e6`.
pub fn format_tick(value: f64, digits: usize) -> String {
    format_number(value, digits, EXPONENT_FROM)
}

/// Formats `value` as format_tick does, with exponents from `exponent_from` up.
fn format_number(value: f64, digits: usize, exponent_from: f64) -> String {
    let magnitude = value.abs();
    if magnitude < 1e-12 {
        return "0".to_string();
    }
    if (1e-3..exponent_from).contains(&magnitude) {
        let decimals = (digits as i32 - 1 - magnitude.log10().floor() as i32).max(0) as usize;
        let text = format!("{value:.decimals$}");
        return if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
    }
    let precision = digits.saturating_sub(2).max(1);
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').expect("exponent format has an e");
    format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the values of `ticks`, rounded to 6 significant digits.
    fn values(ticks: Vec<f64>) -> Vec<f64> {
        ticks.iter().map(|t| format!("{:.5e}", 10f64.powf(*t)).parse().unwrap()).collect()
    }

    /// Returns the ticks of a linear axis over `range` when plotters may draw `max` of them.
    fn linear(range: Range<f64>, max: usize) -> Vec<f64> {
        Axis::new(range, false).key_points(max)
    }

    #[test]
    fn short_linear_axes_get_two_ticks() {
        assert_eq!(linear(0.0..4000.0, 2), vec![0.0, 2500.0]);
        assert_eq!(linear(-1.0..1.0, 2), vec![-1.0, 0.0, 1.0]);
        assert_eq!(linear(0.0..1.0, 2), vec![0.0, 1.0]);
        assert_eq!(linear(0.3..0.8, 2), vec![0.5, 0.75]);
    }

    #[test]
    fn linear_axes_keep_plotters_ticks() {
        let plotters: Vec<f64> = RangedCoordf64::from(0.0..4000.0).key_points(6);
        assert_eq!(linear(0.0..4000.0, 6), plotters);
        assert!(plotters.len() >= 2);
    }

    #[test]
    fn decades_get_powers_of_ten() {
        let ticks = log_ticks(&(-4.2..0.1), 7);
        assert_eq!(values(ticks), vec![1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
    }

    #[test]
    fn decade_gets_one_two_five() {
        let ticks = log_ticks(&(16f64.log10()..4096f64.log10()), 7);
        assert_eq!(values(ticks), vec![20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]);
    }

    #[test]
    fn short_ranges_get_digits() {
        let range = 0.15f64.log10()..0.95f64.log10();
        let digits = vec![0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
        assert_eq!(values(log_ticks(&range, 10)), digits);
        assert_eq!(values(log_ticks(&range, 7)), vec![0.2, 0.4, 0.6, 0.8]);
    }

    #[test]
    fn range_just_above_a_power_gets_a_label() {
        let range = 0.05f64.log10()..0.19f64.log10();
        let ticks = vec![0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.15];
        assert_eq!(values(log_ticks(&range, 8)), ticks);
    }

    #[test]
    fn narrow_axes_thin_one_two_five() {
        let ticks = log_ticks(&(38251f64.log10()..4.5e5f64.log10()), 2);
        assert_eq!(values(ticks), vec![5e4, 2e5]);
    }

    /// Labels the ticks at `values` on an axis over `range`, both in values.
    fn labels(range: Range<f64>, log: bool, values: &[f64]) -> Vec<String> {
        let to_axis = |v: f64| if log { v.log10() } else { v };
        let format = TickFormat::for_range(&(to_axis(range.start)..to_axis(range.end)), log);
        values.iter().map(|&v| tick_label(to_axis(v), log, format)).collect()
    }

    #[test]
    fn tick_format_on_large_axis() {
        let capacity = labels(38251.0..4.5e5, true, &[5e4, 1e5, 2e5]);
        assert_eq!(capacity, ["5e4", "1e5", "2e5"]);
        let steps = labels(0.0..1.05e5, false, &[0.0, 2500.0, 50000.0, 1e5]);
        assert_eq!(steps, ["0", "2.5e3", "5e4", "1e5"]);
    }

    #[test]
    fn tick_format_below_exponents() {
        let steps = labels(0.0..99000.0, false, &[0.0, 2500.0, 50000.0, 80000.0]);
        assert_eq!(steps, ["0", "2500", "50000", "80000"]);
        let loss = labels(1e-4..2.0, true, &[1e-4, 0.01, 1.0]);
        assert_eq!(loss, ["1e-4", "0.01", "1"]);
    }

    /// Splits an SVG area of `width` by `height` pixels at `scale` for the legend of `names`.
    fn legend_of(width: u32, height: u32, scale: f64, names: &[String]) -> (u32, Legend) {
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let (plot, _, legend) = split_legend(&area, scale, names.iter().map(String::as_str));
        (plot.dim_in_pixel().1, legend)
    }

    #[test]
    fn wide_chart_legend_is_a_column() {
        let names: Vec<String> = (1..=8).map(|run| format!("run {run}")).collect();
        let (plot_height, layout) = legend_of(640, 400, 1.0, &names);
        assert_eq!(plot_height, 400);
        assert_eq!(layout.entry(0), (0, 48));
        assert_eq!(layout.entry(7), (0, 48 + 7 * 20));
    }

    #[test]
    fn narrow_chart_legend_goes_under() {
        let names: Vec<String> = (1..=8).map(|run| format!("run {run}")).collect();
        // 358 CSS px: entries of 32 + 5 * 7 + 12 = 79 px, four to a row, in two rows.
        let (plot_height, layout) = legend_of(716, 600, 2.0, &names);
        assert_eq!(plot_height, 600 - 2 * (2 * 20 + 8));
        assert_eq!(layout.entry(0), (20, 20));
        assert_eq!(layout.entry(3), (2 * (10 + 3 * 79), 20));
        assert_eq!(layout.entry(4), (20, 2 * 30));
    }

    #[test]
    fn legend_counts_entries_that_do_not_fit() {
        let names: Vec<String> = (1..=64).map(|run| format!("run {run}")).collect();
        // Beside a 400 px plot, rows from 48 px down: 17 fit, 16 runs and the count.
        let (_, layout) = legend_of(640, 400, 1.0, &names);
        assert_eq!(layout.labels.len(), 16);
        assert_eq!(layout.more.as_deref(), Some("+48 more"));
        // Under a 358 by 300 CSS px chart at scale 2: a third of the height less 8 px is 4
        // rows of 3 entries (86 px each for "run 64"), 11 runs and the count.
        let (plot_height, layout) = legend_of(716, 600, 2.0, &names);
        assert_eq!(layout.labels.len(), 11);
        assert_eq!(layout.more.as_deref(), Some("+53 more"));
        assert_eq!(plot_height, 600 - 2 * (4 * 20 + 8));
    }

    #[test]
    fn fitted_title_shrinks_then_cuts() {
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (220, 100)).into_drawing_area();
        let short = "Loss";
        assert_eq!(fitted_title(&area, short, 1.0), (short.to_string(), 15));
        let long = "Minimal ratio at critical points against the loss there";
        let (title, size) = fitted_title(&area, long, 1.0);
        assert_eq!(size, MIN_TITLE_SIZE as u32);
        assert!(title.ends_with('…'), "{title}");
        assert!(title.starts_with("Minimal ratio"), "{title}");
        let style = ("sans-serif", size).into_text_style(&area);
        let (width, _) = area.estimate_text_size(&title, &style).unwrap();
        assert!(width <= 200, "{title} is {width} px wide");
    }

    #[test]
    fn many_decades_skip_powers() {
        let ticks = log_ticks(&(-20.0..1.0), 6);
        assert!(ticks.len() <= 6, "{ticks:?}");
        assert!(ticks.len() >= 3, "{ticks:?}");
    }
}
