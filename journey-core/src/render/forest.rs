//! A forest plot: odds ratios with their 95% intervals on a log scale, a line at 1 (no effect);
//! e.g. the conversion drivers ([`ForestPlot::from_drivers`]).
//!
//! ```
//! use journey_core::render::{ForestPlot, ForestRow};
//! let chart = ForestPlot {
//!     title: "Drivers".into(),
//!     rows: vec![ForestRow { label: "demo".into(), estimate: Some(3.0), lo: Some(1.5),
//!         hi: Some(6.0), n: 120, significant: true, note: "q = 0.001".into() }],
//!     ..Default::default()
//! };
//! assert!(chart.to_svg().unwrap().contains("demo"));
//! ```

use serde::{Deserialize, Serialize};

use super::charts::{
    document, empty_chart, finite, row_frame, title, RowFrame, GRID, LABEL, PAD, SMALL, VALUE,
};
use super::svg::{clean, thousands, Anchor, Svg, NEGATIVE, NEUTRAL, POSITIVE};
use crate::error::{Error, Result};
use crate::metrics::drivers::DriversResult;

/// The axis never goes beyond these ratios; intervals wider than that are cut at its ends.
const AXIS_MIN: f64 = 1e-3;
const AXIS_MAX: f64 = 1e3;

/// Ratios with their intervals, one row each, on a log axis with a line at 1.
///
/// JSON: `{"title": "Conversion drivers", "rows": [{"label": "demo", "estimate": 3.0,
/// "lo": 1.5, "hi": 6.0, "n": 120, "significant": true, "note": "q = 0.001"}],
/// "value_label": "odds ratio"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestPlot {
    /// Chart title.
    pub title: String,
    /// The rows, top to bottom.
    pub rows: Vec<ForestRow>,
    /// What the values are, written under the axis (default `odds ratio`).
    pub value_label: String,
}

impl Default for ForestPlot {
    fn default() -> Self {
        ForestPlot {
            title: String::new(),
            rows: Vec::new(),
            value_label: "odds ratio".to_string(),
        }
    }
}

/// One row of a [`ForestPlot`]; a row without an estimate is drawn as "no data".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestRow {
    /// Row label.
    pub label: String,
    /// The ratio (positive).
    pub estimate: Option<f64>,
    /// Lower end of its interval (positive).
    pub lo: Option<f64>,
    /// Upper end of its interval.
    pub hi: Option<f64>,
    /// Number of observations behind the row (e.g. customers with the feature).
    pub n: u64,
    /// Drawn as a filled dot, coloured by direction (above 1 blue, below 1 orange); otherwise
    /// hollow and grey.
    pub significant: bool,
    /// Written after the interval (e.g. the q-value).
    pub note: String,
}

impl ForestPlot {
    /// The rows of a conversion drivers result, in its order (largest odds ratio first), the
    /// q-value as each row's note.
    pub fn from_drivers(r: &DriversResult, title: impl Into<String>) -> ForestPlot {
        ForestPlot {
            title: title.into(),
            rows: r
                .rows
                .iter()
                .map(|d| ForestRow {
                    label: d.label.clone(),
                    estimate: d.odds_ratio,
                    lo: d.ci_low,
                    hi: d.ci_high,
                    n: d.customers_with,
                    significant: d.significant,
                    note: d
                        .q_value
                        .map_or(String::new(), |q| format!("q = {}", short(q))),
                })
                .collect(),
            value_label: "odds ratio (95% interval), log scale".to_string(),
        }
    }

    fn check(&self) -> Result<()> {
        for (i, r) in self.rows.iter().enumerate() {
            for v in [r.estimate, r.lo, r.hi].into_iter().flatten() {
                finite("rows", v)?;
                if v <= 0.0 {
                    return Err(Error::argument(
                        "rows",
                        format!("row {i} has {v}: ratios must be above 0"),
                    ));
                }
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
        Ok(())
    }

    /// Draws the plot: per row the label, `n`, the interval as a line with end caps, the ratio
    /// as a dot, and the ratio with its interval and note on the right.
    pub fn to_svg(&self) -> Result<String> {
        // Long because rows, axis and labels are drawn at the widths and the log scale measured
        // at the top; split, each part would take them all as arguments.
        self.check()?;
        if self.rows.is_empty() {
            return Ok(empty_chart(&self.title, "No data to show."));
        }
        let data: Vec<f64> = self
            .rows
            .iter()
            .flat_map(|r| [r.estimate, r.lo, r.hi])
            .flatten()
            .map(|v| v.clamp(AXIS_MIN, AXIS_MAX))
            .chain([1.0])
            .collect();
        let dlo = data.iter().copied().fold(f64::INFINITY, f64::min);
        let dhi = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Whole decades, at least one on each side of 1.
        let (e_lo, e_hi) = (dlo.log10().floor().min(-1.0), dhi.log10().ceil().max(1.0));
        let decades = e_hi - e_lo;
        let mut tick_values = Vec::new();
        for e in e_lo as i64..=e_hi as i64 {
            let base = 10f64.powi(e as i32);
            tick_values.push(base);
            if decades <= 2.0 && e < e_hi as i64 {
                tick_values.extend([2.0 * base, 5.0 * base]);
            }
        }
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
            .map(|r| VALUE.width(&row_text(r)) + 4.0)
            .fold(80.0, f64::max);
        let width = px0 + plot_w + 16.0 + value_w + PAD;
        let xv = |v: f64| {
            let t = (v.clamp(AXIS_MIN, AXIS_MAX).log10() - e_lo) / decades;
            px0 + t.clamp(0.0, 1.0) * plot_w
        };

        let mut s = Svg::fragment();
        let y = title(&mut s, &self.title, width - 2.0 * PAD);
        let row_h = 28.0;
        let plot_top = y + 18.0;
        let plot_h = self.rows.len() as f64 * row_h;
        for t in &tick_values {
            s.line(xv(*t), plot_top, xv(*t), plot_top + plot_h)
                .attr("stroke", GRID)
                .end();
        }
        // No effect.
        let x1 = xv(1.0);
        s.line(x1, plot_top - 4.0, x1, plot_top + plot_h)
            .attr("stroke", "#9AA5B1")
            .attr("stroke-width", 1.5)
            .attr("stroke-dasharray", "5 3")
            .end();
        let f = SMALL.anchor(Anchor::End);
        s.text_line(x1 - 6.0, plot_top - 6.0, "\u{2190} less likely", &f);
        s.text_line(
            x1 + 6.0,
            plot_top - 6.0,
            "more likely \u{2192}",
            &SMALL.anchor(Anchor::Start),
        );
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
            let colour = match (r.significant, r.estimate) {
                (true, Some(e)) if e > 1.0 => POSITIVE,
                (true, Some(e)) if e < 1.0 => NEGATIVE,
                _ => NEUTRAL,
            };
            s.el("g").open();
            s.title(&format!("{}: {}", r.label, row_text(r)));
            if let (Some(a), Some(b)) = (r.lo, r.hi) {
                let (xa, xb) = (xv(a), xv(b));
                s.line(xa, mid, xb, mid)
                    .attr("stroke", colour)
                    .attr("stroke-width", 2.5)
                    .attr("stroke-linecap", "round")
                    .end();
                for (xc, v, end) in [(xa, a, AXIS_MIN), (xb, b, AXIS_MAX)] {
                    // An interval cut by the axis has no cap at that end.
                    if (v <= AXIS_MIN && end == AXIS_MIN) || (v >= AXIS_MAX && end == AXIS_MAX) {
                        continue;
                    }
                    s.line(xc, mid - 6.0, xc, mid + 6.0)
                        .attr("stroke", colour)
                        .attr("stroke-width", 2.0)
                        .end();
                }
            }
            if let Some(e) = r.estimate {
                s.rect(xv(e) - 5.5, mid - 5.5, 11.0, 11.0)
                    .attr("fill", if r.significant { colour } else { "#FFFFFF" })
                    .attr("stroke", colour)
                    .attr("stroke-width", 2.0)
                    .end();
            }
            s.close();
            let font = if r.estimate.is_some() { VALUE } else { SMALL };
            s.text_line(px0 + plot_w + 16.0, mid + 4.0, &row_text(r), &font);
        }
        let mut y = plot_top + plot_h + 6.0;
        let tf = SMALL.anchor(Anchor::Middle);
        for t in &tick_values {
            s.text_line(xv(*t), y + 11.0, &short(*t), &tf);
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

/// A ratio or probability in three significant digits (`0.00123`, `2.25`, `1.2e-7`).
fn short(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else if !(1e-4..1e5).contains(&v.abs()) {
        format!("{v:.1e}")
    } else {
        let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

fn row_text(r: &ForestRow) -> String {
    let main = match (r.estimate, r.lo, r.hi) {
        (Some(e), Some(a), Some(b)) => format!("{}  [{}, {}]", short(e), short(a), short(b)),
        (Some(e), _, _) => short(e),
        _ => return "no data".to_string(),
    };
    if r.note.is_empty() {
        main
    } else {
        format!("{main}  {}", r.note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::drivers::{conversion_drivers, DriversOptions};
    use crate::{read_events_csv, LoadOptions};

    #[test]
    fn short_numbers() {
        assert_eq!(short(2.25), "2.25");
        assert_eq!(short(65.0), "65");
        assert_eq!(short(0.024), "0.024");
        assert_eq!(short(0.0034708), "0.00347");
        assert_eq!(short(526.18), "526");
        assert_eq!(short(2.26e-5), "2.3e-5");
        assert_eq!(short(1.0), "1");
    }

    #[test]
    fn draws_drivers_with_escaped_labels() {
        let csv = "customer_id,timestamp,touchpoint\n\
            a,0,<demo>\na,1,purchase\nb,0,<demo>\nb,1,purchase\nc,0,mail\nd,0,mail\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let d = conversion_drivers(&log, &DriversOptions::default()).unwrap();
        let chart = ForestPlot::from_drivers(&d, "Drivers");
        assert_eq!(chart.rows.len(), 2);
        // <demo>: [2, 0, 0, 2]: Haldane OR = 2.5 * 2.5 / (0.5 * 0.5) = 25.
        assert_eq!(chart.rows[0].label, "<demo>");
        assert!((chart.rows[0].estimate.unwrap() - 25.0).abs() < 1e-9);
        // p = 1/3 for both rows (m = 2): q = 1/3.
        assert_eq!(chart.rows[0].note, "q = 0.333");
        let svg = chart.to_svg().unwrap();
        assert!(svg.contains("&lt;demo&gt;") && !svg.contains("<demo>"));
        assert!(svg.contains("25  [") && svg.contains("n = 2"));
        assert!(roxmltree::Document::parse(&svg).is_ok());
        let bad = ForestPlot {
            rows: vec![ForestRow {
                estimate: Some(-1.0),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(bad.to_svg().unwrap_err().code(), "invalid_argument");
        let empty = ForestPlot::default().to_svg().unwrap();
        assert!(empty.contains("No data"));
    }
}
