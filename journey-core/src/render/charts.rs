//! Charts as standalone SVG documents: funnel, heatmap (cohort retention), grouped bars
//! (attribution models side by side), Sankey (top paths) and interval charts (scores with their
//! confidence intervals).
//!
//! Each chart takes its own small input struct, so that any result can be drawn once it is put
//! into that shape. The structs deserialise from JSON (missing fields take their defaults), and
//! `to_svg()` checks the input and draws it. Every label is escaped.
//!
//! ```
//! use journey_core::render::FunnelChart;
//! let chart = FunnelChart::new("Checkout", [("cart", 1000), ("shipping", 620), ("payment", 410)]);
//! let svg = chart.to_svg().unwrap();
//! assert!(svg.contains("38.0% drop-off"));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::svg::{
    clean, num, palette, palette_edge, thousands, uid, viridis, viridis_is_dark, Anchor, Font, Svg,
    INK, MUTED, NEGATIVE, NEUTRAL, POSITIVE, RULE,
};
use crate::error::{Error, Result};

pub(super) const PAD: f64 = 24.0;
pub(super) const TITLE: Font = Font::new(17.0).bold();
pub(super) const LABEL: Font = Font::new(12.5);
pub(super) const SMALL: Font = Font::new(11.0).fill(MUTED);

/// Most rows a heatmap draws (the first ones; e.g. cohorts of a retention matrix).
pub const MAX_HEATMAP_ROWS: usize = 120;
/// Most columns a heatmap draws (the first ones; e.g. periods since the cohort's).
pub const MAX_HEATMAP_COLS: usize = 60;
pub(super) const VALUE: Font = Font::new(11.5).bold();
pub(super) const GRID: &str = "#E6EAEE";

/// Draws the title; returns the y below it.
pub(super) fn title(svg: &mut Svg, text: &str, width: f64) -> f64 {
    let lines = TITLE.wrap(text, width, 2);
    let h = svg.text_block(PAD, PAD, &lines, &TITLE);
    PAD + h + if lines.is_empty() { 0.0 } else { 14.0 }
}

/// A document with the chart's title (as `<title>` too) and the body appended.
pub(super) fn document(width: f64, height: f64, title_text: &str, body: Svg) -> String {
    let mut doc = Svg::document(width, height);
    if !title_text.trim().is_empty() {
        doc.title(title_text);
    }
    doc.append(body);
    doc.finish()
}

/// A chart with nothing to draw: its title and a note.
pub(super) fn empty_chart(title_text: &str, note: &str) -> String {
    let width = 480.0;
    let mut body = Svg::fragment();
    let y = title(&mut body, title_text, width - 2.0 * PAD);
    body.text_line(PAD, y + 14.0, note, &SMALL);
    document(width, y + 30.0 + PAD, title_text, body)
}

pub(super) fn finite(name: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::argument(name, format!("{v} is not a finite number")))
    }
}

/// Tick values covering `[lo, hi]` with a step of 1, 2 or 5 times a power of ten.
fn ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let span = (hi - lo).abs().max(1e-12);
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).map(|i| i as f64 * step).collect();
    (ticks, step)
}

/// `[lo, hi]` widened to multiples of a nice step.
fn nice_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if hi - lo < 1e-12 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let (_, step) = ticks(lo, hi, 5);
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

/// Formats a tick value with the decimals its step needs.
fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    let s = format!("{:.*}", decimals, v);
    let s = if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    };
    s.replacen('-', "\u{2212}", 1)
}

/// A count or a share of a total, as a percentage with one decimal.
fn percent(part: f64, whole: f64) -> Option<String> {
    (whole > 0.0).then(|| format!("{:.1}%", 100.0 * part / whole))
}

// ---------------------------------------------------------------------------------------------
// Funnel

/// A funnel: how many reached each step, with the drop-off between steps.
///
/// JSON: `{"title": "Checkout", "steps": [{"label": "cart", "count": 1000}, ...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunnelChart {
    /// Chart title.
    pub title: String,
    /// The steps in order.
    pub steps: Vec<FunnelStep>,
}

/// One step of a [`FunnelChart`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunnelStep {
    /// Step name.
    pub label: String,
    /// Customers (or sessions) who reached it.
    pub count: u64,
}

impl FunnelChart {
    /// A funnel from `(label, count)` pairs.
    pub fn new<S: Into<String>>(
        title: impl Into<String>,
        steps: impl IntoIterator<Item = (S, u64)>,
    ) -> Self {
        FunnelChart {
            title: title.into(),
            steps: steps
                .into_iter()
                .map(|(label, count)| FunnelStep {
                    label: label.into(),
                    count,
                })
                .collect(),
        }
    }

    /// Draws the funnel: one centred bar per step (width proportional to its count), the share
    /// of the first step on the right, and between two steps the drop-off (share and count).
    pub fn to_svg(&self) -> Result<String> {
        // Long because each bar, its connector, share and drop-off are drawn at the widths
        // measured at the top, in one pass over the steps.
        if self.steps.is_empty() {
            return Ok(empty_chart(&self.title, "No steps to show."));
        }
        let label_w = self
            .steps
            .iter()
            .map(|s| LABEL.bold().width(&clean(&s.label)))
            .fold(80.0, f64::max)
            .min(200.0);
        let bars_w = 420.0;
        let note_w = 200.0;
        let width = PAD + label_w + 16.0 + bars_w + 20.0 + note_w + PAD;
        let bar_h = 36.0;
        let gap = 34.0;

        let mut s = Svg::fragment();
        let top = title(&mut s, &self.title, width - 2.0 * PAD);
        let first = self.steps[0].count as f64;
        let max = self.steps.iter().map(|s| s.count).max().unwrap_or(0) as f64;
        let bx0 = PAD + label_w + 16.0;
        let centre = bx0 + bars_w / 2.0;
        let nx = bx0 + bars_w + 20.0;
        let bar_w = |c: u64| {
            if max > 0.0 {
                (c as f64 / max * bars_w).max(2.0)
            } else {
                2.0
            }
        };
        let name_font = LABEL.bold();
        for (i, step) in self.steps.iter().enumerate() {
            let y = top + i as f64 * (bar_h + gap);
            let w = bar_w(step.count);
            // Connector to the next bar.
            if let Some(next) = self.steps.get(i + 1) {
                let nw = bar_w(next.count);
                s.el("path")
                    .attr(
                        "d",
                        format!(
                            "M{},{} L{},{} L{},{} L{},{} Z",
                            num(centre - w / 2.0),
                            num(y + bar_h),
                            num(centre + w / 2.0),
                            num(y + bar_h),
                            num(centre + nw / 2.0),
                            num(y + bar_h + gap),
                            num(centre - nw / 2.0),
                            num(y + bar_h + gap)
                        ),
                    )
                    .attr("fill", POSITIVE)
                    .attr("fill-opacity", "0.12")
                    .end();
            }
            s.el("g").attr("class", "step").open();
            s.title(&format!("{}: {}", step.label, thousands(step.count)));
            s.rect(centre - w / 2.0, y, w, bar_h)
                .attr("rx", 4.0)
                .attr("fill", POSITIVE)
                .end();
            s.close();
            let count = thousands(step.count);
            let cf = VALUE.anchor(Anchor::Middle);
            if cf.width(&count) + 12.0 <= w {
                s.text_line(centre, y + bar_h / 2.0 + 4.0, &count, &cf.fill("#FFFFFF"));
            } else {
                s.text_line(
                    centre + w / 2.0 + 6.0,
                    y + bar_h / 2.0 + 4.0,
                    &count,
                    &VALUE.fill(INK),
                );
            }
            let lines = name_font.wrap(&step.label, label_w, 2);
            let lh = lines.len() as f64 * name_font.line_height();
            s.text_block(PAD, y + (bar_h - lh) / 2.0, &lines, &name_font);
            // Share of the first step.
            let share = if i == 0 {
                "start".to_string()
            } else {
                match percent(step.count as f64, first) {
                    Some(p) => format!("{p} of start"),
                    None => "\u{2013}".to_string(),
                }
            };
            s.text_line(nx, y + bar_h / 2.0 + 4.0, &share, &SMALL);
            // Drop-off to the next step.
            if let Some(next) = self.steps.get(i + 1) {
                let prev = step.count as f64;
                let (text, colour) = if next.count <= step.count {
                    let lost = step.count - next.count;
                    match percent(lost as f64, prev) {
                        Some(p) => (
                            format!("\u{25BC} {p} drop-off (\u{2212}{})", thousands(lost)),
                            NEGATIVE,
                        ),
                        None => ("\u{2013}".to_string(), MUTED),
                    }
                } else {
                    let gained = next.count - step.count;
                    let p = percent(gained as f64, prev).unwrap_or_else(|| "\u{2013}".into());
                    (format!("\u{25B2} {p} more (+{})", thousands(gained)), MUTED)
                };
                let font = Font::new(11.5).bold().fill(colour);
                let text = font.truncate(&text, note_w);
                s.text_line(nx, y + bar_h + gap / 2.0 + 4.0, &text, &font);
            }
        }
        let height = top + self.steps.len() as f64 * (bar_h + gap) - gap + PAD;
        Ok(document(width, height, &self.title, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Heatmap

/// A heatmap of rates in [0, 1], e.g. cohort retention: one row per cohort, one column per
/// period since the start. A `None` cell is not observable (yet) and is drawn hatched grey.
///
/// JSON: `{"title": "Retention", "row_labels": ["2026-W01"], "col_labels": ["0", "1"],
/// "cells": [[1.0, 0.25]], "row_sizes": [120]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Heatmap {
    /// Chart title.
    pub title: String,
    /// What the rows are (header of the label column), e.g. `cohort`.
    pub row_title: String,
    /// What the columns are (written above them), e.g. `weeks since first purchase`.
    pub col_title: String,
    /// One label per row.
    pub row_labels: Vec<String>,
    /// One label per column.
    pub col_labels: Vec<String>,
    /// `cells[row][col]`: a rate in [0, 1] (drawn as a percentage), or `None`.
    pub cells: Vec<Vec<Option<f64>>>,
    /// Optional size of each row (cohort size), shown next to its label; empty for none.
    pub row_sizes: Vec<u64>,
}

impl Heatmap {
    fn check(&self) -> Result<()> {
        if self.cells.len() != self.row_labels.len() {
            return Err(Error::argument(
                "cells",
                format!(
                    "{} rows of cells for {} row labels",
                    self.cells.len(),
                    self.row_labels.len()
                ),
            ));
        }
        for (i, row) in self.cells.iter().enumerate() {
            if row.len() != self.col_labels.len() {
                return Err(Error::argument(
                    "cells",
                    format!(
                        "row {i} has {} cells for {} column labels",
                        row.len(),
                        self.col_labels.len()
                    ),
                ));
            }
            for v in row.iter().flatten() {
                finite("cells", *v)?;
            }
        }
        if !self.row_sizes.is_empty() && self.row_sizes.len() != self.row_labels.len() {
            return Err(Error::argument(
                "row_sizes",
                format!(
                    "{} sizes for {} rows",
                    self.row_sizes.len(),
                    self.row_labels.len()
                ),
            ));
        }
        Ok(())
    }

    /// Draws the heatmap with the viridis scale (dark = low, yellow = high), each cell labelled
    /// with its percentage, and a colour bar.
    ///
    /// At most [`MAX_HEATMAP_ROWS`] rows and [`MAX_HEATMAP_COLS`] columns are drawn (the first
    /// ones); a larger heatmap says under its grid how much of it the picture shows.
    pub fn to_svg(&self) -> Result<String> {
        self.check()?;
        if self.row_labels.is_empty() || self.col_labels.is_empty() {
            return Ok(empty_chart(&self.title, "No data to show."));
        }
        let (nr, nc) = (self.row_labels.len(), self.col_labels.len());
        if nr <= MAX_HEATMAP_ROWS && nc <= MAX_HEATMAP_COLS {
            return self.draw(None);
        }
        let (r, c) = (nr.min(MAX_HEATMAP_ROWS), nc.min(MAX_HEATMAP_COLS));
        let shown = Heatmap {
            title: self.title.clone(),
            row_title: self.row_title.clone(),
            col_title: self.col_title.clone(),
            row_labels: self.row_labels[..r].to_vec(),
            col_labels: self.col_labels[..c].to_vec(),
            cells: self.cells[..r]
                .iter()
                .map(|row| row[..c].to_vec())
                .collect(),
            row_sizes: self.row_sizes.iter().take(r).copied().collect(),
        };
        let note = format!(
            "Showing the first {} of {} rows and the first {} of {} columns; the data holds \
             them all.",
            thousands(r as u64),
            thousands(nr as u64),
            thousands(c as u64),
            thousands(nc as u64)
        );
        shown.draw(Some(&note))
    }

    /// Draws the whole heatmap, with `note` under the grid.
    fn draw(&self, note: Option<&str>) -> Result<String> {
        // Long because the grid, headers, colour bar and note share the cell sizes and scales
        // measured at the top; it draws top to bottom once.
        let cell_font = Font::new(11.0).bold();
        let cell_w = self
            .col_labels
            .iter()
            .map(|l| SMALL.width(&clean(l)) + 10.0)
            .fold(cell_font.width("100.0%") + 12.0, f64::max)
            .min(90.0);
        let cell_h = 28.0;
        let label_font = LABEL;
        let label_w = self
            .row_labels
            .iter()
            .map(|l| label_font.width(&clean(l)))
            .chain(std::iter::once(SMALL.bold().width(&clean(&self.row_title))))
            .fold(60.0, f64::max)
            .min(200.0);
        let size_w = if self.row_sizes.is_empty() {
            0.0
        } else {
            self.row_sizes
                .iter()
                .map(|n| SMALL.width(&thousands(*n)))
                .fold(SMALL.bold().width("size"), f64::max)
                + 16.0
        };
        let grid_x = PAD + label_w + 12.0 + size_w;
        let grid_w = cell_w * self.col_labels.len() as f64;
        let width = (grid_x + grid_w + PAD).max(420.0);

        let mut s = Svg::fragment();
        let mut y = title(&mut s, &self.title, width - 2.0 * PAD);
        let hatch = format!("{}-na", uid(&[&self.title, &format!("{:?}", self.cells)]));
        s.el("defs").open();
        s.el("pattern")
            .attr("id", hatch.as_str())
            .attr("width", 6.0)
            .attr("height", 6.0)
            .attr("patternUnits", "userSpaceOnUse")
            .attr("patternTransform", "rotate(45)")
            .open();
        s.el("rect")
            .attr("width", 6.0)
            .attr("height", 6.0)
            .attr("fill", "#F1F3F5")
            .end();
        s.line(0.0, 0.0, 0.0, 6.0)
            .attr("stroke", "#C5CCD3")
            .attr("stroke-width", 2.0)
            .end();
        s.close();
        s.close();

        if !self.col_title.trim().is_empty() {
            let f = SMALL.bold().anchor(Anchor::Middle);
            let t = f.truncate(&clean(&self.col_title), grid_w.max(200.0));
            s.text_line(grid_x + grid_w / 2.0, y + 11.0, &t, &f);
            y += 20.0;
        }
        // Column headers and the label column header.
        let head = SMALL.anchor(Anchor::Middle);
        for (j, l) in self.col_labels.iter().enumerate() {
            let x = grid_x + (j as f64 + 0.5) * cell_w;
            s.text_line(x, y + 11.0, &head.truncate(&clean(l), cell_w - 4.0), &head);
        }
        if !self.row_title.trim().is_empty() {
            let f = SMALL.bold();
            s.text_line(
                PAD,
                y + 11.0,
                &f.truncate(&clean(&self.row_title), label_w),
                &f,
            );
        }
        if size_w > 0.0 {
            let f = SMALL.bold().anchor(Anchor::End);
            s.text_line(grid_x - 10.0, y + 11.0, "size", &f);
        }
        y += 20.0;

        for (i, (label, row)) in self.row_labels.iter().zip(&self.cells).enumerate() {
            let ry = y + i as f64 * cell_h;
            s.text_line(
                PAD,
                ry + cell_h / 2.0 + 4.5,
                &label_font.truncate(&clean(label), label_w),
                &label_font,
            );
            if let Some(n) = self.row_sizes.get(i) {
                let f = SMALL.anchor(Anchor::End);
                s.text_line(grid_x - 10.0, ry + cell_h / 2.0 + 4.0, &thousands(*n), &f);
            }
            for (j, cell) in row.iter().enumerate() {
                let x = grid_x + j as f64 * cell_w;
                s.el("g").open();
                match cell {
                    Some(v) => {
                        s.title(&format!(
                            "{}, {}: {:.1}%",
                            clean(label),
                            clean(&self.col_labels[j]),
                            v * 100.0
                        ));
                        s.rect(x, ry, cell_w, cell_h)
                            .attr("fill", viridis(*v))
                            .attr("stroke", "#FFFFFF")
                            .end();
                        let f = cell_font
                            .anchor(Anchor::Middle)
                            .fill(if viridis_is_dark(*v) { "#FFFFFF" } else { INK });
                        let text = f.truncate(&format!("{:.1}%", v * 100.0), cell_w - 4.0);
                        s.text_line(x + cell_w / 2.0, ry + cell_h / 2.0 + 4.0, &text, &f);
                    }
                    None => {
                        s.title(&format!(
                            "{}, {}: not observable",
                            clean(label),
                            clean(&self.col_labels[j])
                        ));
                        s.rect(x, ry, cell_w, cell_h)
                            .attr("fill", format!("url(#{hatch})"))
                            .attr("stroke", "#FFFFFF")
                            .end();
                    }
                }
                s.close();
            }
        }
        y += self.row_labels.len() as f64 * cell_h + 18.0;
        if let Some(note) = note {
            let f = SMALL.italic();
            s.text_line(PAD, y, &f.truncate(note, width - 2.0 * PAD), &f);
            y += 18.0;
        }

        // Colour bar and the key of the hatching.
        let grad = format!("{hatch}-scale");
        s.el("defs").open();
        s.el("linearGradient").attr("id", grad.as_str()).open();
        for k in 0..=8 {
            let t = k as f64 / 8.0;
            s.el("stop")
                .attr("offset", format!("{}%", num(t * 100.0)))
                .attr("stop-color", viridis(t))
                .end();
        }
        s.close();
        s.close();
        let bar_w = 200.0;
        s.rect(PAD, y, bar_w, 10.0)
            .attr("fill", format!("url(#{grad})"))
            .end();
        s.text_line(PAD, y + 24.0, "0%", &SMALL);
        s.text_line(
            PAD + bar_w / 2.0,
            y + 24.0,
            "50%",
            &SMALL.anchor(Anchor::Middle),
        );
        s.text_line(PAD + bar_w, y + 24.0, "100%", &SMALL.anchor(Anchor::End));
        let kx = PAD + bar_w + 28.0;
        s.rect(kx, y - 2.0, 14.0, 14.0)
            .attr("fill", format!("url(#{hatch})"))
            .attr("stroke", RULE)
            .end();
        s.text_line(kx + 20.0, y + 9.5, "not observable yet", &SMALL);
        y += 30.0;
        Ok(document(width, y + PAD, &self.title, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Grouped bars

/// Horizontal bars in groups, one bar per series: e.g. the credit of each channel (groups)
/// under each attribution model (series), models side by side.
///
/// JSON: `{"title": "Attribution", "groups": ["email", "web"], "series": ["first_touch",
/// "markov"], "values": [[10.0, 12.5], [30.0, 27.5]], "value_label": "conversions"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupedBars {
    /// Chart title.
    pub title: String,
    /// Group labels (e.g. channels), top to bottom.
    pub groups: Vec<String>,
    /// Series labels (e.g. attribution models), in legend order.
    pub series: Vec<String>,
    /// `values[group][series]`.
    pub values: Vec<Vec<f64>>,
    /// What the values are, written under the axis (e.g. `conversions credited`).
    pub value_label: String,
}

impl GroupedBars {
    fn check(&self) -> Result<()> {
        if self.values.len() != self.groups.len() {
            return Err(Error::argument(
                "values",
                format!(
                    "{} rows of values for {} groups",
                    self.values.len(),
                    self.groups.len()
                ),
            ));
        }
        for (i, row) in self.values.iter().enumerate() {
            if row.len() != self.series.len() {
                return Err(Error::argument(
                    "values",
                    format!(
                        "group {i} has {} values for {} series",
                        row.len(),
                        self.series.len()
                    ),
                ));
            }
            for v in row {
                finite("values", *v)?;
            }
        }
        Ok(())
    }

    /// Draws the bars with the Okabe-Ito colours (one per series, repeating after seven), the
    /// value at the end of each bar, a legend on top and a value axis with grid lines.
    pub fn to_svg(&self) -> Result<String> {
        // Long because bars, legend and axis are drawn at the sizes and the scale measured at the
        // top; split, each part would take them all as arguments.
        self.check()?;
        if self.groups.is_empty() || self.series.is_empty() {
            return Ok(empty_chart(&self.title, "No data to show."));
        }
        let all: Vec<f64> = self.values.iter().flatten().copied().collect();
        let lo = all.iter().copied().fold(0.0, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        let (lo, hi) = if lo == 0.0 && hi == 0.0 {
            (0.0, 1.0)
        } else {
            nice_range(lo, hi)
        };
        let integers = all.iter().all(|v| v.fract() == 0.0);
        let span = all.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let fmt = |v: f64| -> String {
            let s = if integers && v.abs() < 1e15 {
                thousands(v.abs() as u64)
            } else if span < 10.0 {
                format!("{:.2}", v.abs())
            } else {
                format!("{:.1}", v.abs())
            };
            if v < 0.0 {
                format!("\u{2212}{s}")
            } else {
                s
            }
        };

        let group_font = LABEL.bold();
        let label_w = self
            .groups
            .iter()
            .map(|g| group_font.width(&clean(g)))
            .fold(60.0, f64::max)
            .min(200.0);
        let plot_w = 440.0;
        let value_room = all
            .iter()
            .map(|v| SMALL.width(&fmt(*v)))
            .fold(0.0, f64::max)
            + 8.0;
        let px0 = PAD + label_w + 16.0 + if lo < 0.0 { value_room } else { 0.0 };
        let width = px0 + plot_w + value_room + PAD;
        let xv = |v: f64| px0 + (v - lo) / (hi - lo) * plot_w;

        let mut s = Svg::fragment();
        let mut y = title(&mut s, &self.title, width - 2.0 * PAD);
        // Legend, wrapping.
        let mut lx = PAD;
        for (k, name) in self.series.iter().enumerate() {
            let label = SMALL.fill(INK).truncate(&clean(name), 220.0);
            let w = 18.0 + SMALL.width(&label);
            if lx + w > width - PAD && lx > PAD {
                lx = PAD;
                y += 20.0;
            }
            s.rect(lx, y + 2.0, 12.0, 12.0)
                .attr("rx", 2.0)
                .attr("fill", palette(k))
                .attr_opt("stroke", palette_edge(palette(k)))
                .end();
            s.text_line(lx + 18.0, y + 12.5, &label, &SMALL.fill(INK));
            lx += w + 18.0;
        }
        y += 30.0;

        let bar_h = 13.0;
        let bar_gap = 3.0;
        let group_gap = 16.0;
        let group_h = self.series.len() as f64 * (bar_h + bar_gap) - bar_gap;
        let plot_top = y;
        let plot_h = self.groups.len() as f64 * (group_h + group_gap) - group_gap;
        let (tick_values, step) = ticks(lo, hi, 6);
        for t in &tick_values {
            s.line(xv(*t), plot_top - 4.0, xv(*t), plot_top + plot_h + 4.0)
                .attr("stroke", if *t == 0.0 { "#9AA5B1" } else { GRID })
                .end();
        }
        for (g, (group, row)) in self.groups.iter().zip(&self.values).enumerate() {
            let gy = plot_top + g as f64 * (group_h + group_gap);
            let lines = group_font.wrap(group, label_w, 2);
            let lh = lines.len() as f64 * group_font.line_height();
            s.text_block(PAD, gy + (group_h - lh) / 2.0, &lines, &group_font);
            for (k, v) in row.iter().enumerate() {
                let by = gy + k as f64 * (bar_h + bar_gap);
                let (a, b) = (xv(0.0f64.clamp(lo, hi)), xv(*v));
                s.el("g").open();
                s.title(&format!("{}, {}: {}", group, self.series[k], fmt(*v)));
                s.rect(a.min(b), by, (b - a).abs().max(1.0), bar_h)
                    .attr("rx", 2.0)
                    .attr("fill", palette(k))
                    .attr_opt("stroke", palette_edge(palette(k)))
                    .attr_opt("stroke-width", palette_edge(palette(k)).map(|_| 0.8))
                    .end();
                s.close();
                let f = Font::new(10.5).fill(MUTED);
                if *v >= 0.0 {
                    s.text_line(b + 5.0, by + bar_h - 2.5, &fmt(*v), &f);
                } else {
                    s.text_line(b - 5.0, by + bar_h - 2.5, &fmt(*v), &f.anchor(Anchor::End));
                }
            }
        }
        y = plot_top + plot_h + 8.0;
        let tf = SMALL.anchor(Anchor::Middle);
        for t in &tick_values {
            s.text_line(xv(*t), y + 11.0, &tick_label(*t, step), &tf);
        }
        y += 18.0;
        if !self.value_label.trim().is_empty() {
            let t = tf.truncate(&clean(&self.value_label), plot_w);
            s.text_line(px0 + plot_w / 2.0, y + 12.0, &t, &tf);
            y += 18.0;
        }
        Ok(document(width, y + PAD, &self.title, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Sankey

/// A Sankey diagram of paths: each path's steps flow left to right into an outcome node
/// (`converted` or `no conversion`); band widths are proportional to the number of journeys.
///
/// JSON: `{"title": "Top paths", "paths": [{"steps": ["email", "web"], "count": 40,
/// "converted": true}], "max_steps": 6}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sankey {
    /// Chart title.
    pub title: String,
    /// The paths (typically the most frequent ones).
    pub paths: Vec<SankeyPath>,
    /// Longest path drawn in full (default 6, at least 2); longer paths show their first
    /// `max_steps - 1` steps and then a `…` node.
    pub max_steps: usize,
}

impl Default for Sankey {
    fn default() -> Self {
        Sankey {
            title: String::new(),
            paths: Vec::new(),
            max_steps: 6,
        }
    }
}

/// One path of a [`Sankey`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SankeyPath {
    /// The touchpoints or channels, in order.
    pub steps: Vec<String>,
    /// Number of journeys that took this path.
    pub count: u64,
    /// Whether the path ended in a conversion.
    pub converted: bool,
}

/// A node key: column, label, and whether it is an outcome.
type NodeKey = (usize, String, bool);

struct SankeyNode {
    key: NodeKey,
    value: u64,
    y: f64,
    h: f64,
    out_y: f64,
    in_y: f64,
}

/// The links between nodes, by (from, to, converting), with their journeys.
type SankeyLinks = BTreeMap<(NodeKey, NodeKey, bool), u64>;

impl Sankey {
    /// The nodes (per column: sorted by flow, largest first, outcomes last with converted
    /// first) and the links of the paths, longer paths cut at `max_steps` with a `…` node.
    fn graph(&self, paths: &[&SankeyPath]) -> (Vec<Vec<SankeyNode>>, SankeyLinks) {
        let mut values: BTreeMap<NodeKey, u64> = BTreeMap::new();
        let mut links: SankeyLinks = BTreeMap::new();
        for p in paths {
            let mut seq: Vec<(String, bool)> = if p.steps.len() > self.max_steps {
                let mut v: Vec<(String, bool)> = p.steps[..self.max_steps - 1]
                    .iter()
                    .map(|s| (clean(s), false))
                    .collect();
                v.push(("\u{2026}".to_string(), false));
                v
            } else {
                p.steps.iter().map(|s| (clean(s), false)).collect()
            };
            let outcome = if p.converted {
                "converted"
            } else {
                "no conversion"
            };
            seq.push((outcome.to_string(), true));
            let keys: Vec<NodeKey> = seq
                .into_iter()
                .enumerate()
                .map(|(c, (l, o))| (c, l, o))
                .collect();
            for k in &keys {
                *values.entry(k.clone()).or_default() += p.count;
            }
            for w in keys.windows(2) {
                *links
                    .entry((w[0].clone(), w[1].clone(), p.converted))
                    .or_default() += p.count;
            }
        }
        let n_cols = values.keys().map(|k| k.0).max().unwrap_or(0) + 1;
        let mut columns: Vec<Vec<SankeyNode>> = (0..n_cols).map(|_| Vec::new()).collect();
        for (key, value) in values {
            columns[key.0].push(SankeyNode {
                key,
                value,
                y: 0.0,
                h: 0.0,
                out_y: 0.0,
                in_y: 0.0,
            });
        }
        for col in &mut columns {
            col.sort_by(|a, b| {
                a.key.2.cmp(&b.key.2).then_with(|| {
                    if a.key.2 {
                        // Outcomes: converted first.
                        a.key.1.cmp(&b.key.1)
                    } else {
                        b.value.cmp(&a.value).then_with(|| a.key.1.cmp(&b.key.1))
                    }
                })
            });
        }
        (columns, links)
    }
}

impl Sankey {
    /// Draws the diagram. Nodes in a column are sorted by flow (largest on top), outcomes last;
    /// bands of converting paths are blue, the others grey.
    pub fn to_svg(&self) -> Result<String> {
        // Long because the layout (node heights, column widths) feeds every part drawn after it;
        // split, each part would take the whole layout as arguments.
        if self.max_steps < 2 {
            return Err(Error::argument(
                "max_steps",
                format!("{} is less than 2", self.max_steps),
            ));
        }
        let paths: Vec<&SankeyPath> = self.paths.iter().filter(|p| p.count > 0).collect();
        if paths.is_empty() {
            return Ok(empty_chart(&self.title, "No paths to show."));
        }
        let (mut columns, links) = self.graph(&paths);
        let n_cols = columns.len();

        // Vertical layout: heights proportional to flow, each node at least a label high.
        let total: u64 = paths.iter().map(|p| p.count).sum();
        let node_font = Font::new(11.5).bold();
        let min_slot = node_font.line_height() + 3.0;
        let gap = 10.0;
        let max_nodes = columns.iter().map(Vec::len).max().unwrap_or(1);
        let target = 340.0f64.max(max_nodes as f64 * (min_slot + gap));
        let k = (target - (max_nodes as f64 - 1.0) * gap) / total as f64;
        let mut col_h = Vec::with_capacity(n_cols);
        for col in &mut columns {
            let mut y = 0.0;
            for node in col.iter_mut() {
                node.h = (node.value as f64 * k).max(3.0);
                let slot = node.h.max(min_slot);
                node.y = y + (slot - node.h) / 2.0;
                y += slot + gap;
            }
            col_h.push(y - gap);
        }
        let plot_h = col_h.iter().copied().fold(0.0, f64::max);

        // Horizontal layout: room for each column's labels.
        let node_w = 12.0;
        let label = |n: &SankeyNode| -> String {
            let name = node_font.truncate(&n.key.1, 170.0);
            format!("{name} ({})", thousands(n.value))
        };
        let mut col_x = Vec::with_capacity(n_cols);
        let mut x = PAD;
        for col in &columns {
            col_x.push(x);
            let lw = col
                .iter()
                .map(|n| node_font.width(&label(n)))
                .fold(0.0, f64::max);
            x += node_w + 6.0 + lw + 60.0;
        }
        let width = (x - 60.0 + PAD).max(480.0);

        let mut s = Svg::fragment();
        let mut top = title(&mut s, &self.title, width - 2.0 * PAD);
        // Legend.
        let mut lx = PAD;
        for (text, colour) in [
            ("converting paths", POSITIVE),
            ("paths without conversion", NEUTRAL),
        ] {
            s.rect(lx, top + 2.0, 12.0, 12.0)
                .attr("rx", 2.0)
                .attr("fill", colour)
                .attr("fill-opacity", "0.6")
                .end();
            s.text_line(lx + 18.0, top + 12.5, text, &SMALL.fill(INK));
            lx += 18.0 + SMALL.width(text) + 20.0;
        }
        top += 30.0;
        // Column headers.
        for (c, col) in columns.iter().enumerate() {
            let header = if col.iter().all(|n| n.key.2) {
                "outcome".to_string()
            } else {
                format!("step {}", c + 1)
            };
            s.text_line(col_x[c], top + 10.0, &header, &SMALL);
        }
        top += 22.0;
        for (c, col) in columns.iter_mut().enumerate() {
            let offset = top + (plot_h - col_h[c]) / 2.0;
            for node in col.iter_mut() {
                node.y += offset;
                node.out_y = node.y;
                node.in_y = node.y;
            }
        }

        // Links, stacked at both ends in the order of the other end.
        let find = |columns: &Vec<Vec<SankeyNode>>, key: &NodeKey| -> usize {
            columns[key.0]
                .iter()
                .position(|n| &n.key == key)
                .unwrap_or(0)
        };
        let mut ordered: Vec<(usize, usize, usize, bool, u64)> = links
            .iter()
            .map(|((a, b, conv), v)| (a.0, find(&columns, a), find(&columns, b), *conv, *v))
            .collect();
        ordered.sort_by_key(|x| (x.0, x.1, x.2, !x.3));
        let mut bands = Vec::with_capacity(ordered.len());
        for &(c, a, b, conv, v) in &ordered {
            let src = &columns[c][a];
            let scale_a = src.h / src.value as f64;
            let t = v as f64 * scale_a;
            let y0 = src.out_y;
            columns[c][a].out_y += t;
            bands.push((c, a, b, conv, v, y0, t));
        }
        // Incoming ends, ordered by source position.
        let mut incoming: Vec<usize> = (0..bands.len()).collect();
        incoming.sort_by(|&i, &j| {
            let (ci, ai, bi, convi, ..) = bands[i];
            let (cj, aj, bj, convj, ..) = bands[j];
            (ci, bi, ai, !convi).cmp(&(cj, bj, aj, !convj))
        });
        let mut ends = vec![(0.0, 0.0); bands.len()];
        for i in incoming {
            let (c, _, b, _, v, ..) = bands[i];
            let dst = &columns[c + 1][b];
            let t = v as f64 * dst.h / dst.value as f64;
            ends[i] = (dst.in_y, t);
            columns[c + 1][b].in_y += t;
        }
        for (i, &(c, a, b, conv, v, y0, t0)) in bands.iter().enumerate() {
            let (y1, t1) = ends[i];
            let x0 = col_x[c] + node_w;
            let x1 = col_x[c + 1];
            let xm = (x0 + x1) / 2.0;
            let d = format!(
                "M{x0},{y0} C{xm},{y0} {xm},{y1} {x1},{y1} L{x1},{y1b} C{xm},{y1b} {xm},{y0b} {x0},{y0b} Z",
                x0 = num(x0),
                x1 = num(x1),
                xm = num(xm),
                y0 = num(y0),
                y1 = num(y1),
                y0b = num(y0 + t0),
                y1b = num(y1 + t1)
            );
            s.el("path")
                .attr("d", d)
                .attr("fill", if conv { POSITIVE } else { NEUTRAL })
                .attr("fill-opacity", if conv { "0.38" } else { "0.28" })
                .open();
            s.title(&format!(
                "{} \u{2192} {}: {}",
                columns[c][a].key.1,
                columns[c + 1][b].key.1,
                thousands(v)
            ));
            s.close();
        }
        // Nodes and labels on top.
        for (c, col) in columns.iter().enumerate() {
            for node in col {
                let colour = match (node.key.2, node.key.1.as_str()) {
                    (true, "converted") => POSITIVE,
                    (true, _) => NEUTRAL,
                    _ => "#3E4C59",
                };
                s.el("g").open();
                s.title(&format!("{}: {}", node.key.1, thousands(node.value)));
                s.rect(col_x[c], node.y, node_w, node.h)
                    .attr("rx", 2.0)
                    .attr("fill", colour)
                    .end();
                s.close();
                let f = node_font.fill(INK);
                s.el("text")
                    .attr("x", col_x[c] + node_w + 6.0)
                    .attr("y", node.y + node.h / 2.0 + 4.0)
                    .attr("font-size", f.size)
                    .attr("font-weight", "bold")
                    .attr("fill", INK)
                    .attr("stroke", "#FFFFFF")
                    .attr("stroke-width", 3.0)
                    .attr("stroke-linejoin", "round")
                    .attr("paint-order", "stroke")
                    .text(&label(node));
            }
        }
        let height = top + plot_h + PAD;
        Ok(document(width, height, &self.title, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Interval chart

/// Estimates with confidence intervals, one row each: e.g. NPS or CSAT per touchpoint.
///
/// JSON: `{"title": "NPS by touchpoint", "rows": [{"label": "app", "estimate": 32.0,
/// "lo": 24.1, "hi": 39.9, "n": 210}], "min": -100, "max": 100, "reference": 12.5,
/// "value_label": "NPS"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntervalChart {
    /// Chart title.
    pub title: String,
    /// The rows, top to bottom.
    pub rows: Vec<IntervalRow>,
    /// Left end of the axis; `None`: from the data.
    pub min: Option<f64>,
    /// Right end of the axis; `None`: from the data.
    pub max: Option<f64>,
    /// A reference value drawn as a dashed line (e.g. the overall score).
    pub reference: Option<f64>,
    /// What the values are, written under the axis (e.g. `NPS`).
    pub value_label: String,
}

/// One row of an [`IntervalChart`]; a row without an estimate is drawn as "no data".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntervalRow {
    /// Row label.
    pub label: String,
    /// Point estimate.
    pub estimate: Option<f64>,
    /// Lower end of the interval.
    pub lo: Option<f64>,
    /// Upper end of the interval.
    pub hi: Option<f64>,
    /// Number of answers behind the estimate.
    pub n: u64,
}

impl IntervalChart {
    fn check(&self) -> Result<()> {
        for (i, r) in self.rows.iter().enumerate() {
            for v in [r.estimate, r.lo, r.hi].into_iter().flatten() {
                finite("rows", v)?;
            }
            if let (Some(lo), Some(hi)) = (r.lo, r.hi) {
                if lo > hi {
                    return Err(Error::argument(
                        "rows",
                        format!("row {i} has lo {lo} above hi {hi}"),
                    ));
                }
            }
        }
        for (name, v) in [
            ("min", self.min),
            ("max", self.max),
            ("reference", self.reference),
        ] {
            if let Some(v) = v {
                finite(name, v)?;
            }
        }
        if let (Some(a), Some(b)) = (self.min, self.max) {
            if a >= b {
                return Err(Error::argument("min", format!("{a} is not below max {b}")));
            }
        }
        Ok(())
    }

    /// Draws one row per estimate: the interval as a line with end caps, the estimate as a dot,
    /// `n` next to the label, and the value with its interval on the right.
    pub fn to_svg(&self) -> Result<String> {
        // Long because rows, axis and labels are drawn at the widths and the scale measured at
        // the top; split, each part would take them all as arguments.
        self.check()?;
        if self.rows.is_empty() {
            return Ok(empty_chart(&self.title, "No data to show."));
        }
        let data: Vec<f64> = self
            .rows
            .iter()
            .flat_map(|r| [r.estimate, r.lo, r.hi])
            .chain([self.reference])
            .flatten()
            .collect();
        let dlo = data.iter().copied().fold(f64::INFINITY, f64::min);
        let dhi = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (auto_lo, auto_hi) = if data.is_empty() {
            (0.0, 1.0)
        } else {
            nice_range(dlo, dhi)
        };
        let lo = self
            .min
            .unwrap_or(auto_lo.min(self.max.unwrap_or(auto_lo) - 1.0));
        let hi = self.max.unwrap_or(auto_hi.max(lo + 1.0));
        let signed = lo < 0.0;
        let fmt = |v: f64| -> String {
            let s = format!("{:.1}", v.abs());
            if v < 0.0 && s != "0.0" {
                format!("\u{2212}{s}")
            } else if signed && v > 0.0 {
                format!("+{s}")
            } else {
                s
            }
        };

        let label_w = self
            .rows
            .iter()
            .map(|r| LABEL.width(&clean(&r.label)))
            .fold(60.0, f64::max)
            .min(220.0);
        let n_w = self
            .rows
            .iter()
            .map(|r| SMALL.width(&format!("n = {}", thousands(r.n))))
            .fold(0.0, f64::max);
        let plot_w = 400.0;
        let px0 = PAD + label_w + 12.0 + n_w + 16.0;
        let value_w = self
            .rows
            .iter()
            .map(|r| VALUE.width(&interval_text(r, &fmt)) + 4.0)
            .fold(80.0, f64::max);
        let width = px0 + plot_w + 16.0 + value_w + PAD;
        let xv = |v: f64| px0 + ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * plot_w;

        let mut s = Svg::fragment();
        let mut y = title(&mut s, &self.title, width - 2.0 * PAD);
        let row_h = 28.0;
        let plot_top = y + if self.reference.is_some() { 18.0 } else { 4.0 };
        let plot_h = self.rows.len() as f64 * row_h;
        let (tick_values, step) = ticks(lo, hi, 6);
        for t in &tick_values {
            s.line(xv(*t), plot_top, xv(*t), plot_top + plot_h)
                .attr("stroke", if *t == 0.0 { "#9AA5B1" } else { GRID })
                .end();
        }
        if let Some(r) = self.reference {
            let x = xv(r);
            s.line(x, plot_top - 4.0, x, plot_top + plot_h)
                .attr("stroke", "#E69F00")
                .attr("stroke-width", 1.5)
                .attr("stroke-dasharray", "5 3")
                .end();
            let f = SMALL.bold().fill("#9A6A00").anchor(Anchor::Middle);
            let text = format!("overall {}", fmt(r));
            let half = f.width(&text) / 2.0;
            let cx = x.clamp(px0 + half, px0 + plot_w - half);
            s.text_line(cx, plot_top - 8.0, &text, &f);
        }
        for (i, r) in self.rows.iter().enumerate() {
            let ry = plot_top + i as f64 * row_h;
            let mid = ry + row_h / 2.0;
            row_frame(
                &mut s,
                RowFrame {
                    shaded: i % 2 == 0,
                    y: ry,
                    height: row_h,
                    width,
                    label: &r.label,
                    label_w,
                    n_w,
                    n: r.n,
                },
            );
            s.el("g").open();
            s.title(&format!("{}: {}", r.label, interval_text(r, &fmt)));
            if let (Some(a), Some(b)) = (r.lo, r.hi) {
                let (xa, xb) = (xv(a), xv(b));
                s.line(xa, mid, xb, mid)
                    .attr("stroke", "#56B4E9")
                    .attr("stroke-width", 3.0)
                    .attr("stroke-linecap", "round")
                    .end();
                for xc in [xa, xb] {
                    s.line(xc, mid - 6.0, xc, mid + 6.0)
                        .attr("stroke", "#56B4E9")
                        .attr("stroke-width", 2.0)
                        .end();
                }
            }
            if let Some(e) = r.estimate {
                s.circle(xv(e), mid, 5.5)
                    .attr("fill", POSITIVE)
                    .attr("stroke", "#FFFFFF")
                    .attr("stroke-width", 1.5)
                    .end();
            }
            s.close();
            let (text, font) = if r.estimate.is_some() {
                (interval_text(r, &fmt), VALUE)
            } else {
                ("no data".to_string(), SMALL)
            };
            s.text_line(px0 + plot_w + 16.0, mid + 4.0, &text, &font);
        }
        y = plot_top + plot_h + 6.0;
        let tf = SMALL.anchor(Anchor::Middle);
        for t in &tick_values {
            s.text_line(xv(*t), y + 11.0, &tick_label(*t, step), &tf);
        }
        y += 18.0;
        if !self.value_label.trim().is_empty() {
            let t = tf.truncate(&clean(&self.value_label), plot_w);
            s.text_line(px0 + plot_w / 2.0, y + 12.0, &t, &tf);
            y += 18.0;
        }
        Ok(document(width, y + PAD, &self.title, s))
    }
}

/// One row of an interval chart (the CI chart, the forest plot): its shading band, its label
/// and its `n = ...` count.
pub(super) struct RowFrame<'a> {
    pub shaded: bool,
    pub y: f64,
    pub height: f64,
    pub width: f64,
    pub label: &'a str,
    pub label_w: f64,
    pub n_w: f64,
    pub n: u64,
}

/// Draws a [`RowFrame`].
pub(super) fn row_frame(s: &mut Svg, r: RowFrame<'_>) {
    let mid = r.y + r.height / 2.0;
    if r.shaded {
        s.rect(PAD - 6.0, r.y, r.width - 2.0 * PAD + 12.0, r.height)
            .attr("fill", "#F5F7F9")
            .attr("fill-opacity", "0.7")
            .end();
    }
    s.text_line(
        PAD,
        mid + 4.5,
        &LABEL.truncate(&clean(r.label), r.label_w),
        &LABEL,
    );
    s.text_line(
        PAD + r.label_w + 12.0 + r.n_w,
        mid + 4.0,
        &format!("n = {}", thousands(r.n)),
        &SMALL.anchor(Anchor::End),
    );
}

fn interval_text(r: &IntervalRow, fmt: &dyn Fn(f64) -> String) -> String {
    match (r.estimate, r.lo, r.hi) {
        (Some(e), Some(a), Some(b)) => format!("{}  [{}, {}]", fmt(e), fmt(a), fmt(b)),
        (Some(e), _, _) => fmt(e),
        _ => "no data".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        let (t, step) = ticks(-100.0, 100.0, 6);
        assert_eq!(step, 50.0);
        assert_eq!(t, vec![-100.0, -50.0, 0.0, 50.0, 100.0]);
        let (t, step) = ticks(0.0, 0.87, 5);
        assert_eq!(step, 0.2);
        assert_eq!(t.len(), 5);
        assert_eq!(tick_label(0.4, 0.2), "0.4");
        assert_eq!(tick_label(-50.0, 50.0), "\u{2212}50");
        assert_eq!(tick_label(-0.0, 1.0), "0");
        assert_eq!(nice_range(3.0, 87.0), (0.0, 100.0));
        assert_eq!(nice_range(5.0, 5.0), (4.0, 6.0));
    }
}
