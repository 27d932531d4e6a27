//! A "what changed" table: per figure its value on side a and side b, an arrow (up, down or
//! flat), the change with its 95% interval and the q-value; a significant change is coloured
//! (blue up, orange down), the others grey. Made from a comparison with
//! [`ChangeTable::from_compare`].
//!
//! ```
//! use journey_core::render::{Arrow, ChangeTable, ChangeTableRow};
//! let chart = ChangeTable {
//!     title: "What changed".into(),
//!     a_label: "January".into(),
//!     b_label: "February".into(),
//!     rows: vec![ChangeTableRow { label: "conversion rate".into(), a: "50.0%".into(),
//!         b: "25.0%".into(), change: "\u{2212}25.0 pts".into(), direction: Arrow::Down,
//!         significant: true, note: "q = 0.035".into() }],
//! };
//! let svg = chart.to_svg().unwrap();
//! assert!(svg.contains("February") && svg.contains("<polygon"));
//! ```

use serde::{Deserialize, Serialize};

use super::charts::{document, empty_chart, title, LABEL, PAD, SMALL, VALUE};
use super::svg::{clean, Anchor, Svg, NEGATIVE, NEUTRAL, POSITIVE, RULE};
use crate::error::Result;
use crate::metrics::compare::{ChangeRow, CompareResult, Movement, Unit};

/// Which way an arrow points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrow {
    /// Side b is higher.
    Up,
    /// Side b is lower.
    Down,
    /// No change, or nothing to compare.
    #[default]
    Flat,
}

/// The figures of a comparison as a table with arrows.
///
/// JSON: `{"title": "What changed", "a_label": "week 1", "b_label": "week 2", "rows":
/// [{"label": "conversion rate", "a": "50.0%", "b": "25.0%", "change": "-25.0 pts",
/// "direction": "down", "significant": true, "note": "q = 0.035"}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeTable {
    /// Chart title.
    pub title: String,
    /// Heading of side a's column (the baseline).
    pub a_label: String,
    /// Heading of side b's column.
    pub b_label: String,
    /// The rows, top to bottom.
    pub rows: Vec<ChangeTableRow>,
}

/// One row of a [`ChangeTable`]: texts as shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChangeTableRow {
    /// What the figure is.
    pub label: String,
    /// Side a's value.
    pub a: String,
    /// Side b's value.
    pub b: String,
    /// The change, with its interval.
    pub change: String,
    /// The arrow.
    pub direction: Arrow,
    /// Coloured (and the change in bold) when true; grey otherwise.
    pub significant: bool,
    /// Written last (e.g. the q-value).
    pub note: String,
}

/// A number with a true minus sign.
fn fixed(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replacen('-', "\u{2212}", 1)
}

/// A change with its sign (`+3.2`, `\u{2212}0.5`, `0.0`).
fn signed(v: f64, decimals: usize) -> String {
    let s = fixed(v, decimals);
    if v > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// The value of a figure as shown, by unit.
fn value(unit: Unit, v: Option<f64>) -> String {
    match (unit, v) {
        (_, None) => "\u{2013}".to_string(),
        (Unit::Share, Some(v)) => format!("{}%", fixed(v * 100.0, 1)),
        (Unit::NpsPoints, Some(v)) => signed(v, 1),
        (Unit::Score, Some(v)) => fixed(v, 2),
    }
}

/// A change (or an end of its interval) as shown, by unit: shares in percentage points.
fn change(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Share => signed(v * 100.0, 1),
        Unit::NpsPoints => signed(v, 1),
        Unit::Score => signed(v, 2),
    }
}

/// A q-value (or p-value) in few digits.
fn q_text(q: f64) -> String {
    if q < 0.001 {
        "< 0.001".to_string()
    } else {
        format!("{q:.3}")
    }
}

impl ChangeTableRow {
    /// The row of one figure compared.
    pub fn from_change(r: &ChangeRow) -> ChangeTableRow {
        let unit_suffix = if r.unit == Unit::Share { " pts" } else { "" };
        let text = match (r.change, r.ci_low, r.ci_high) {
            (Some(c), Some(lo), Some(hi)) => format!(
                "{}{unit_suffix} ({} to {})",
                change(r.unit, c),
                change(r.unit, lo),
                change(r.unit, hi)
            ),
            (Some(c), _, _) => format!("{}{unit_suffix}", change(r.unit, c)),
            _ => "\u{2013}".to_string(),
        };
        ChangeTableRow {
            label: r.label.clone(),
            a: value(r.unit, r.a_rate),
            b: value(r.unit, r.b_rate),
            change: text,
            direction: match r.direction {
                Movement::Up => Arrow::Up,
                Movement::Down => Arrow::Down,
                Movement::None => Arrow::Flat,
            },
            significant: r.significant,
            note: r
                .q_value
                .map_or_else(|| "not tested".to_string(), |q| format!("q {}", q_text(q))),
        }
    }
}

impl ChangeTable {
    /// Every row of a comparison, in its order, under the sides' labels.
    pub fn from_compare(r: &CompareResult, title: impl Into<String>) -> ChangeTable {
        ChangeTable {
            title: title.into(),
            a_label: r.a.label.clone(),
            b_label: r.b.label.clone(),
            rows: r.rows.iter().map(ChangeTableRow::from_change).collect(),
        }
    }

    /// Draws the table: a header with the sides' labels, then per row the label, both values,
    /// the arrow, the change with its interval and the note.
    pub fn to_svg(&self) -> Result<String> {
        // Long because every row is drawn at the column widths measured at the top, in one pass;
        // split, each part would take all the widths as arguments.
        if self.rows.is_empty() {
            return Ok(empty_chart(&self.title, "Nothing compared."));
        }
        let head = SMALL;
        let col = |texts: &mut dyn Iterator<Item = String>, min: f64, max: f64| {
            texts
                .map(|t| VALUE.width(&t).max(LABEL.width(&t)))
                .fold(min, f64::max)
                .min(max)
        };
        let label_w = col(&mut self.rows.iter().map(|r| clean(&r.label)), 80.0, 300.0);
        // A side's column: its values and its label in the header.
        let side_w = |value: fn(&ChangeTableRow) -> &String, label: &str| {
            let values = self.rows.iter().map(|r| value(r).clone());
            col(&mut values.chain([clean(label)]), 60.0, 200.0)
        };
        let a_w = side_w(|r| &r.a, &self.a_label);
        let b_w = side_w(|r| &r.b, &self.b_label);
        let change_w = col(&mut self.rows.iter().map(|r| r.change.clone()), 90.0, 320.0);
        let note_w = col(&mut self.rows.iter().map(|r| r.note.clone()), 60.0, 160.0);
        let gap = 18.0;
        let arrow_w = 22.0;
        let x_label = PAD;
        let x_a = x_label + label_w + gap + a_w; // right-aligned
        let x_b = x_a + gap + b_w; // right-aligned
        let x_arrow = x_b + gap; // arrow cell's left
        let x_change = x_arrow + arrow_w + 8.0;
        let x_note = x_change + change_w + gap;
        let width = x_note + note_w + PAD;

        let mut s = Svg::fragment();
        let y = title(&mut s, &self.title, width - 2.0 * PAD);
        let header_y = y + 12.0;
        let end = head.anchor(Anchor::End);
        s.text_line(x_label, header_y, "figure", &head);
        s.text_line(
            x_a,
            header_y,
            &LABEL.truncate(&clean(&self.a_label), a_w),
            &end,
        );
        s.text_line(
            x_b,
            header_y,
            &LABEL.truncate(&clean(&self.b_label), b_w),
            &end,
        );
        s.text_line(x_change, header_y, "change (95% interval)", &head);
        s.text_line(x_note, header_y, "q-value", &head);
        let row_h = 26.0;
        let top = header_y + 8.0;
        s.line(PAD - 6.0, top, width - PAD + 6.0, top)
            .attr("stroke", RULE)
            .end();
        for (i, r) in self.rows.iter().enumerate() {
            let ry = top + i as f64 * row_h;
            let mid = ry + row_h / 2.0;
            if i % 2 == 1 {
                s.rect(PAD - 6.0, ry, width - 2.0 * PAD + 12.0, row_h)
                    .attr("fill", "#F5F7F9")
                    .end();
            }
            let colour = match (r.significant, r.direction) {
                (true, Arrow::Up) => POSITIVE,
                (true, Arrow::Down) => NEGATIVE,
                _ => NEUTRAL,
            };
            s.el("g").open();
            s.title(&format!(
                "{}: {} \u{2192} {}, {}{}",
                r.label,
                r.a,
                r.b,
                r.change,
                if r.significant { ", significant" } else { "" }
            ));
            s.text_line(
                x_label,
                mid + 4.5,
                &LABEL.truncate(&clean(&r.label), label_w),
                &LABEL,
            );
            let v = LABEL.anchor(Anchor::End);
            s.text_line(x_a, mid + 4.5, &r.a, &v);
            s.text_line(x_b, mid + 4.5, &r.b, &v);
            let cx = x_arrow + arrow_w / 2.0;
            let points = match r.direction {
                Arrow::Up => format!(
                    "{},{} {},{} {},{}",
                    cx - 7.0,
                    mid + 5.0,
                    cx + 7.0,
                    mid + 5.0,
                    cx,
                    mid - 7.0
                ),
                Arrow::Down => format!(
                    "{},{} {},{} {},{}",
                    cx - 7.0,
                    mid - 5.0,
                    cx + 7.0,
                    mid - 5.0,
                    cx,
                    mid + 7.0
                ),
                Arrow::Flat => format!(
                    "{},{} {},{} {},{} {},{}",
                    cx - 7.0,
                    mid - 1.5,
                    cx + 7.0,
                    mid - 1.5,
                    cx + 7.0,
                    mid + 1.5,
                    cx - 7.0,
                    mid + 1.5
                ),
            };
            s.el("polygon")
                .attr("points", points)
                .attr("fill", if r.significant { colour } else { "#FFFFFF" })
                .attr("stroke", colour)
                .attr("stroke-width", 1.5)
                .attr("stroke-linejoin", "round")
                .end();
            let font = if r.significant {
                VALUE.fill(colour)
            } else {
                LABEL.fill(NEUTRAL)
            };
            s.text_line(
                x_change,
                mid + 4.5,
                &font.truncate(&r.change, change_w),
                &font,
            );
            s.text_line(x_note, mid + 4.5, &SMALL.truncate(&r.note, note_w), &SMALL);
            s.close();
        }
        let bottom = top + self.rows.len() as f64 * row_h + 16.0;
        s.text_line(
            PAD,
            bottom,
            "Filled arrows: significant (blue up, orange down); hollow grey: within noise.",
            &SMALL,
        );
        Ok(document(width, bottom + PAD, &self.title, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_weeks_as_a_table_with_arrows() {
        use crate::metrics::compare::tests::{period as side, two_weeks};
        use crate::metrics::compare::{compare, CompareOptions};
        let log = two_weeks();
        let r = compare(
            &log,
            None,
            &CompareOptions {
                a: side("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z", "week <1>"),
                b: side("2026-01-08T00:00:00Z", "2026-01-15T00:00:00Z", "week 2"),
                steps: vec!["view".into(), "cart".into(), "purchase".into()],
                ..CompareOptions::default()
            },
        )
        .unwrap();
        let t = ChangeTable::from_compare(&r, "What changed");
        // cart -> purchase: 20/30 -> 10/30, Newcombe -0.5328 to -0.0804, q = 0.0349.
        let cart = &t.rows[1];
        assert_eq!((cart.a.as_str(), cart.b.as_str()), ("66.7%", "33.3%"));
        assert_eq!(
            cart.change,
            "\u{2212}33.3 pts (\u{2212}53.3 to \u{2212}8.0)"
        );
        assert_eq!((cart.direction, cart.significant), (Arrow::Down, true));
        assert_eq!(cart.note, "q 0.035");
        // view -> cart did not move: a flat arrow, not significant.
        assert_eq!(
            (t.rows[0].direction, t.rows[0].significant),
            (Arrow::Flat, false)
        );
        assert_eq!(t.rows[0].change, "0.0 pts (\u{2212}18.6 to +18.6)");
        let svg = t.to_svg().unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let arrows: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polygon"))
            .collect();
        assert_eq!(arrows.len(), 5);
        // Filled in orange where significant and down, hollow otherwise.
        let fills: Vec<&str> = arrows
            .iter()
            .map(|n| n.attribute("fill").unwrap())
            .collect();
        assert_eq!(fills, ["#FFFFFF", NEGATIVE, NEGATIVE, NEGATIVE, "#FFFFFF"]);
        assert!(svg.contains("week &lt;1&gt;") && !svg.contains("week <1>"));
        let empty = ChangeTable::default().to_svg().unwrap();
        assert!(empty.contains("Nothing compared"));
    }

    #[test]
    fn texts_by_unit() {
        assert_eq!(value(Unit::Share, Some(0.5)), "50.0%");
        assert_eq!(value(Unit::NpsPoints, Some(-12.34)), "\u{2212}12.3");
        assert_eq!(value(Unit::Score, Some(3.456)), "3.46");
        assert_eq!(value(Unit::Share, None), "\u{2013}");
        assert_eq!(change(Unit::Share, -0.25), "\u{2212}25.0");
        assert_eq!(change(Unit::Share, 0.0), "0.0");
        assert_eq!(change(Unit::NpsPoints, 4.0), "+4.0");
        assert_eq!(q_text(0.0004), "< 0.001");
        assert_eq!(q_text(0.03487), "0.035");
    }
}
