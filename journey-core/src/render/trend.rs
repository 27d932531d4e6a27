//! A funnel trend: conversion per period of step-1 entry as a line, the periods that still hold
//! open windows (whose conversion may still rise) dashed and hollow; e.g. from a funnel asked
//! for `trend` ([`TrendChart::from_funnel`]).
//!
//! ```
//! use journey_core::render::{TrendChart, TrendPoint};
//! let chart = TrendChart {
//!     title: "Conversion by week of entry".into(),
//!     points: vec![
//!         TrendPoint { label: "2026-W01".into(), value: Some(0.4), n: 120, complete: true },
//!         TrendPoint { label: "2026-W02".into(), value: Some(0.2), n: 80, complete: false },
//!     ],
//!     ..Default::default()
//! };
//! let svg = chart.to_svg().unwrap();
//! assert!(svg.contains("2026-W02") && svg.contains("stroke-dasharray"));
//! ```

use serde::{Deserialize, Serialize};

use super::charts::{document, empty_chart, finite, title, FunnelChart, GRID, PAD, SMALL, VALUE};
use super::svg::{clean, num, thousands, Anchor, Svg, NEUTRAL, POSITIVE};
use crate::error::{Error, Result};
use crate::metrics::funnel::{FunnelResult, TrendRow};

/// A share (0 to 1) per period, as a line; incomplete periods dashed.
///
/// JSON: `{"title": "Conversion", "points": [{"label": "2026-01", "value": 0.4, "n": 120,
/// "complete": true}], "value_label": "conversion"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrendChart {
    /// Chart title.
    pub title: String,
    /// The periods, oldest first.
    pub points: Vec<TrendPoint>,
    /// What the values are, written by the axis (default `conversion`).
    pub value_label: String,
}

impl Default for TrendChart {
    fn default() -> Self {
        TrendChart {
            title: String::new(),
            points: Vec::new(),
            value_label: "conversion".to_string(),
        }
    }
}

/// One period of a [`TrendChart`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrendPoint {
    /// The period's label (`2026-01-05`, `2026-W02`, `2026-01`).
    pub label: String,
    /// The share, 0 to 1 (`None`: nothing to divide, drawn as a gap).
    pub value: Option<f64>,
    /// Observations behind it (e.g. customers who entered the funnel in the period).
    pub n: u64,
    /// Whether the value is final; an incomplete one is drawn hollow, joined by a dashed line.
    pub complete: bool,
}

impl TrendChart {
    /// The funnel's trend (`trend` asked for): conversion per period of step-1 entry, with the
    /// customers who entered as `n`; periods whose windows are still open are incomplete. A
    /// funnel without a trend gives a chart without points (drawn as "no data").
    pub fn from_funnel(f: &FunnelResult, title: impl Into<String>) -> TrendChart {
        TrendChart::from_trend(f.trend.as_deref().unwrap_or_default(), title)
    }

    /// The rows of a funnel trend (a funnel result's `trend`), as [`TrendChart::from_funnel`].
    pub fn from_trend(trend: &[TrendRow], title: impl Into<String>) -> TrendChart {
        TrendChart {
            title: title.into(),
            points: trend
                .iter()
                .map(|t| TrendPoint {
                    label: t.period.clone(),
                    value: t.conversion,
                    n: t.entered,
                    complete: t.complete,
                })
                .collect(),
            value_label: "conversion to the last step".to_string(),
        }
    }

    fn check(&self) -> Result<()> {
        for (i, p) in self.points.iter().enumerate() {
            if let Some(v) = p.value {
                finite("points", v)?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(Error::argument(
                        "points",
                        format!("point {i} has {v}: values are shares from 0 to 1"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Draws the line: a point per period (filled when complete, hollow when not), solid
    /// segments between complete periods and dashed ones into an incomplete period, the
    /// percentages above the points, the labels below (thinned to fit), and a legend line
    /// when some period is incomplete.
    pub fn to_svg(&self) -> Result<String> {
        // Long because lines, points, axis and labels are drawn at the scale measured at the top;
        // split, each part would take it as arguments.
        self.check()?;
        if self.points.is_empty() {
            return Ok(empty_chart(&self.title, "No data to show."));
        }
        let n = self.points.len();
        let step = (720.0 / n as f64).clamp(8.0, 90.0);
        let axis_w = 44.0;
        let plot_w = step * n as f64;
        let px0 = PAD + axis_w;
        let width = (px0 + plot_w + PAD).max(420.0);
        // The axis runs to the next 10% above the largest value (at least 10%).
        let top = self
            .points
            .iter()
            .filter_map(|p| p.value)
            .fold(0.0, f64::max);
        let top = ((top * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
        let mut s = Svg::fragment();
        let y0 = title(&mut s, &self.title, width - 2.0 * PAD) + 16.0;
        let plot_h = 220.0;
        let yv = |v: f64| y0 + plot_h - v / top * plot_h;
        let xv = |i: usize| px0 + step * (i as f64 + 0.5);
        let ticks = 5;
        let af = SMALL.anchor(Anchor::End);
        for k in 0..=ticks {
            let v = top * k as f64 / ticks as f64;
            s.line(px0, yv(v), px0 + plot_w, yv(v))
                .attr("stroke", GRID)
                .end();
            s.text_line(px0 - 6.0, yv(v) + 4.0, &format!("{:.0}%", v * 100.0), &af);
        }
        for i in 1..n {
            let (a, b) = (&self.points[i - 1], &self.points[i]);
            let (Some(va), Some(vb)) = (a.value, b.value) else {
                continue;
            };
            let dashed = !(a.complete && b.complete);
            s.line(xv(i - 1), yv(va), xv(i), yv(vb))
                .attr("stroke", if dashed { NEUTRAL } else { POSITIVE })
                .attr("stroke-width", 2.5)
                .attr_opt("stroke-dasharray", dashed.then_some("6 4"))
                .end();
        }
        // Labels below: every k-th so that they do not overlap.
        let label_w = self
            .points
            .iter()
            .map(|p| SMALL.width(&clean(&p.label)))
            .fold(10.0, f64::max);
        let every = ((label_w + 8.0) / step).ceil().max(1.0) as usize;
        let lf = SMALL.anchor(Anchor::Middle);
        let show_values = step >= 40.0;
        for (i, p) in self.points.iter().enumerate() {
            let x = xv(i);
            if let Some(v) = p.value {
                let colour = if p.complete { POSITIVE } else { NEUTRAL };
                s.el("g").open();
                s.title(&format!(
                    "{}: {:.1}% of {}{}",
                    p.label,
                    v * 100.0,
                    thousands(p.n),
                    if p.complete {
                        ""
                    } else {
                        " (incomplete: windows still open)"
                    }
                ));
                s.circle(x, yv(v), 4.5)
                    .attr("fill", if p.complete { colour } else { "#FFFFFF" })
                    .attr("stroke", colour)
                    .attr("stroke-width", 2.0)
                    .end();
                s.close();
                if show_values {
                    let vf = VALUE.anchor(Anchor::Middle);
                    s.text_line(x, yv(v) - 10.0, &format!("{:.1}%", v * 100.0), &vf);
                }
            }
            if i % every == 0 {
                let t = lf.truncate(&clean(&p.label), step * every as f64 - 4.0);
                s.text_line(x, y0 + plot_h + 16.0, &t, &lf);
            }
        }
        let mut y = y0 + plot_h + 24.0;
        if !self.value_label.trim().is_empty() {
            let t = SMALL.truncate(&clean(&self.value_label), width - 2.0 * PAD);
            s.text_line(PAD, y + 12.0, &t, &SMALL);
            y += 18.0;
        }
        if self.points.iter().any(|p| !p.complete) {
            s.text_line(
                PAD,
                y + 12.0,
                "Dashed, hollow: periods with windows still open; their conversion may still rise.",
                &SMALL,
            );
            y += 18.0;
        }
        Ok(document(width, y + PAD, &self.title, s))
    }
}

/// The picture of a funnel result: its [`FunnelChart`], and when the funnel has a trend, the
/// [`TrendChart`] of it below, in one SVG document (the Python result's chart).
pub fn funnel_picture(f: &FunnelResult, title: &str) -> Result<String> {
    let funnel = FunnelChart::from_funnel(f, title).to_svg()?;
    if f.trend.is_none() {
        return Ok(funnel);
    }
    let trend = TrendChart::from_funnel(f, "Conversion by period of entry").to_svg()?;
    Ok(stack(&[funnel, trend]))
}

/// SVG documents of this module, one below the other in one document.
fn stack(docs: &[String]) -> String {
    // The documents are ours: their root opens with `<svg` and carries width and height.
    let size = |d: &str, attr: &str| -> f64 {
        let key = format!(" {attr}=\"");
        d.find(&key)
            .and_then(|i| {
                let rest = &d[i + key.len()..];
                rest[..rest.find('"')?].parse().ok()
            })
            .unwrap_or(0.0)
    };
    let width = docs.iter().map(|d| size(d, "width")).fold(0.0, f64::max);
    let height: f64 = docs.iter().map(|d| size(d, "height")).sum();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\">",
        w = num(width),
        h = num(height)
    );
    let mut y = 0.0;
    for d in docs {
        let body = d.trim_start().strip_prefix("<svg").unwrap_or(d);
        out.push_str(&format!("<svg x=\"0\" y=\"{}\"{body}", num(y)));
        y += size(d, "height");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::funnel::{funnel, FunnelOptions};
    use crate::metrics::retention::Period;
    use crate::time::Duration;
    use crate::{read_events_csv, LoadOptions};

    #[test]
    fn draws_the_funnel_trend() {
        // The trend example of docs/journeys.md: a and b enter on Jan 1 (a
        // buys), c on Jan 2 (buys), d and e on Jan 3; the data end on Jan 3, window 1 day.
        let csv = "customer_id,timestamp,touchpoint\n\
            a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,buy\nb,2026-01-01T20:00:00Z,view\n\
            c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,buy\nd,2026-01-03T09:00:00Z,view\n\
            e,2026-01-03T09:30:00Z,view\ne,2026-01-03T09:40:00Z,faq\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let f = funnel(
            &log,
            &FunnelOptions {
                window: Duration::from_days(1),
                trend: Some(Period::Day),
                ..FunnelOptions::new(["view", "buy"])
            },
        )
        .unwrap();
        let chart = TrendChart::from_funnel(&f, "Conversion by day of entry");
        let got: Vec<(&str, Option<f64>, u64, bool)> = chart
            .points
            .iter()
            .map(|p| (p.label.as_str(), p.value, p.n, p.complete))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-01-01", Some(0.5), 2, true),
                ("2026-01-02", Some(1.0), 1, false),
                ("2026-01-03", Some(0.0), 2, false),
            ]
        );
        let svg = chart.to_svg().unwrap();
        assert!(roxmltree::Document::parse(&svg).is_ok());
        // Two segments, both into an incomplete period: dashed; one filled point, two hollow.
        assert_eq!(svg.matches("stroke-dasharray=\"6 4\"").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("fill=\"#FFFFFF\"").count(), 2);
        assert!(svg.contains("50.0%") && svg.contains("100.0%"));
        assert!(svg.contains("windows still open"));
        // The funnel's picture: the funnel chart with the trend below, one document that an
        // HTML page takes.
        let both = funnel_picture(&f, "Funnel").unwrap();
        assert!(roxmltree::Document::parse(&both).is_ok());
        assert_eq!(both.matches("<svg").count(), 3);
        assert!(both.contains("Conversion by period of entry") && both.contains("view"));
        let mut page = crate::render::HtmlPage::new("t");
        page.section("s").svg(both);
        assert!(page.to_html().is_ok());
        // Without a trend: the funnel chart alone, and a trend chart without data.
        let plain = funnel(&log, &FunnelOptions::new(["view", "buy"])).unwrap();
        assert_eq!(
            funnel_picture(&plain, "Funnel").unwrap(),
            FunnelChart::from_funnel(&plain, "Funnel").to_svg().unwrap()
        );
        assert!(TrendChart::from_funnel(&plain, "t")
            .to_svg()
            .unwrap()
            .contains("No data"));
    }

    #[test]
    fn bad_values_and_hostile_labels() {
        let bad = TrendChart {
            points: vec![TrendPoint {
                value: Some(1.5),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(bad.to_svg().unwrap_err().code(), "invalid_argument");
        let hostile = TrendChart {
            title: "<script>".into(),
            points: vec![TrendPoint {
                label: "<b>x</b>".into(),
                value: Some(0.5),
                n: 3,
                complete: true,
            }],
            ..Default::default()
        };
        let svg = hostile.to_svg().unwrap();
        assert!(!svg.contains("<b>") && !svg.contains("<script>"));
        assert!(svg.contains("&lt;b&gt;"));
    }
}
