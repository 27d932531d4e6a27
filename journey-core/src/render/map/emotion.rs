//! The emotion lane: the curve of how customers feel through the stages.

use super::*;

/// A box (x0, y0, x1, y1) that a label or a dot takes.
type Box4 = (f64, f64, f64, f64);

/// Where the emotion lane is: its top `y` and height `h`, the band the values -2 to +2 span
/// (`top` to `bottom`) and the plot's left and right edges.
struct Geometry {
    y: f64,
    h: f64,
    top: f64,
    bottom: f64,
    x0: f64,
    x1: f64,
}

impl Geometry {
    /// The height of an emotion value `e` (+2 at the top).
    fn ey(&self, e: f64) -> f64 {
        self.top + (2.0 - e) / 4.0 * (self.bottom - self.top)
    }
}

impl<'a> Layout<'a> {
    /// The emotion lane: grid, shaded area, curve, dots, high and low labels.
    pub(super) fn emotion_lane(&self, out: &mut Svg, y: f64, k: usize) -> f64 {
        let h = EMOTION_H;
        self.lane_frame(out, y, h, k, "Emotions", "how they feel");
        let g = Geometry {
            y,
            h,
            top: y + EMOTION_MARGIN,
            bottom: y + h - EMOTION_MARGIN,
            x0: PAD + LABEL_W,
            x1: PAD + self.content_w,
        };
        self.emotion_grid(out, &g);
        let (pts, per_stage) = self.emotion_points(&g);
        self.emotion_curve(out, &g, &pts);
        // The highest and lowest points (the first one on ties).
        let (hi, lo) = self.extremes();
        self.emotion_dots(out, &pts, hi, lo);
        let (labelled, taken) = self.extreme_labels(out, &g, &pts, hi, lo);
        self.point_labels(out, &g, &pts, &per_stage, &labelled, taken);
        y + h
    }

    /// The horizontal lines at -2 to +2 with their ticks, the neutral line dashed.
    fn emotion_grid(&self, out: &mut Svg, g: &Geometry) {
        let tick = Font::new(10.0).fill(MUTED).anchor(Anchor::End);
        for v in [-2.0, -1.0, 0.0, 1.0, 2.0] {
            let yy = g.ey(v);
            let line = out
                .el("line")
                .attr("x1", g.x0)
                .attr("y1", yy)
                .attr("x2", g.x1)
                .attr("y2", yy)
                .attr("stroke", if v == 0.0 { "#9AA5B1" } else { "#E3E8ED" });
            if v == 0.0 {
                line.attr("stroke-dasharray", "4 3").end();
            } else {
                line.end();
            }
            let label = match v as i32 {
                2 => "+2",
                1 => "+1",
                0 => "0",
                -1 => "\u{2212}1",
                _ => "\u{2212}2",
            };
            out.text_line(g.x0 - 18.0, yy + 3.5, label, &tick);
        }
    }

    /// The points, spread evenly across their stage column, and how many each stage has.
    fn emotion_points(&self, g: &Geometry) -> (Vec<(f64, f64)>, Vec<usize>) {
        let mut per_stage = vec![0usize; self.map.stages.len()];
        for f in &self.feelings {
            per_stage[f.stage] += 1;
        }
        let mut seen = vec![0usize; self.map.stages.len()];
        let pts: Vec<(f64, f64)> = self
            .feelings
            .iter()
            .map(|f| {
                let j = seen[f.stage];
                seen[f.stage] += 1;
                let x = self.col_x(f.stage)
                    + (j as f64 + 0.5) / per_stage[f.stage] as f64 * self.col_w(f.stage);
                (x, g.ey(f.value))
            })
            .collect();
        (pts, per_stage)
    }

    /// The curve through the points and the area between it and the neutral line (green above,
    /// red below).
    fn emotion_curve(&self, out: &mut Svg, g: &Geometry, pts: &[(f64, f64)]) {
        let zero = g.ey(0.0);
        if pts.len() > 1 {
            let curve = smooth_path(pts, g.top - 10.0, g.bottom + 10.0);
            let area = format!(
                "{curve} L{},{} L{},{} Z",
                num(pts[pts.len() - 1].0),
                num(zero),
                num(pts[0].0),
                num(zero)
            );
            let above = format!("{}-up", self.ids);
            let below = format!("{}-down", self.ids);
            out.el("defs").open();
            for (id, (cy, ch)) in [
                (&above, (g.y, zero - g.y)),
                (&below, (zero, g.y + g.h - zero)),
            ] {
                out.el("clipPath").attr("id", id.as_str()).open();
                out.rect(g.x0, cy, g.x1 - g.x0, ch).end();
                out.close();
            }
            out.close();
            for (id, colour) in [(&above, POSITIVE), (&below, NEGATIVE)] {
                out.el("path")
                    .attr("d", area.as_str())
                    .attr("fill", colour)
                    .attr("fill-opacity", "0.13")
                    .attr("clip-path", format!("url(#{id})"))
                    .end();
            }
            out.el("path")
                .attr("d", curve)
                .attr("fill", "none")
                .attr("stroke", "#3E4C59")
                .attr("stroke-width", 2.5)
                .attr("stroke-linecap", "round")
                .attr("stroke-linejoin", "round")
                .end();
        }
    }

    /// The indices of the highest and the lowest feeling (the first one on ties).
    fn extremes(&self) -> (usize, usize) {
        let mut hi = 0;
        let mut lo = 0;
        for (i, f) in self.feelings.iter().enumerate() {
            if f.value > self.feelings[hi].value {
                hi = i;
            }
            if f.value < self.feelings[lo].value {
                lo = i;
            }
        }
        (hi, lo)
    }

    /// A dot per point (a ring for a whole stage), larger for the highest and lowest.
    fn emotion_dots(&self, out: &mut Svg, pts: &[(f64, f64)], hi: usize, lo: usize) {
        for (i, (f, &(x, yy))) in self.feelings.iter().zip(pts).enumerate() {
            let marked = i == hi || i == lo;
            out.el("g").attr("class", "emotion").open();
            let r = if marked { 7.0 } else { 5.5 };
            if f.whole_stage {
                // The stage as a whole: a ring, so that it is not read as one touchpoint.
                out.title(&format!("{} (whole stage): {}", f.label, signed(f.value)));
                out.circle(x, yy, r)
                    .attr("fill", "#FFFFFF")
                    .attr("stroke", emotion_colour(f.value))
                    .attr("stroke-width", 3.0)
                    .end();
            } else {
                out.title(&format!("{}: {}", f.label, signed(f.value)));
                out.circle(x, yy, r)
                    .attr("fill", emotion_colour(f.value))
                    .attr("stroke", "#FFFFFF")
                    .attr("stroke-width", 2.0)
                    .end();
            }
            out.close();
        }
    }

    /// The "High" and "Low" labels (one "Emotion" label when all feelings are equal). Returns
    /// the labelled points and the boxes taken: every dot and these labels.
    fn extreme_labels(
        &self,
        out: &mut Svg,
        g: &Geometry,
        pts: &[(f64, f64)],
        hi: usize,
        lo: usize,
    ) -> (Vec<usize>, Vec<Box4>) {
        let flat = self.feelings[hi].value == self.feelings[lo].value;
        let marks: Vec<(usize, &str, bool)> = if flat {
            vec![(hi, "Emotion", true)]
        } else {
            vec![(hi, "High", true), (lo, "Low", false)]
        };
        // Boxes already taken (x0, y0, x1, y1): the labelled points' boxes and every dot.
        let mut taken: Vec<Box4> = pts
            .iter()
            .map(|&(x, yy)| (x - 8.0, yy - 8.0, x + 8.0, yy + 8.0))
            .collect();
        let labelled: Vec<usize> = marks.iter().map(|m| m.0).collect();
        for (i, word, up) in marks {
            let f = &self.feelings[i];
            let (x, yy) = pts[i];
            let font = Font::new(11.5)
                .bold()
                .fill(if f.value >= 0.0 { POSITIVE } else { NEGATIVE })
                .anchor(Anchor::Middle);
            let text = font.truncate(
                &format!(
                    "{word} \u{00B7} {}{} ({})",
                    clean(f.label),
                    if f.whole_stage { " stage" } else { "" },
                    signed(f.value)
                ),
                (self.col_w(f.stage) * 1.4).min(g.x1 - g.x0 - 10.0),
            );
            let tw = font.width(&text) + 14.0;
            let cx = x.clamp(g.x0 + tw / 2.0 + 4.0, g.x1 - tw / 2.0 - 4.0);
            let box_h = 20.0;
            let by = if up { yy - 12.0 - box_h } else { yy + 12.0 };
            out.rect(cx - tw / 2.0, by, tw, box_h)
                .attr("rx", 10.0)
                .attr("fill", "#FFFFFF")
                .attr("stroke", font.fill)
                .attr("stroke-width", 1.2)
                .end();
            out.text_line(cx, by + 14.0, &text, &font);
            taken.push((cx - tw / 2.0, by, cx + tw / 2.0, by + box_h));
        }
        (labelled, taken)
    }

    /// The other points' short labels, where there is room.
    fn point_labels(
        &self,
        out: &mut Svg,
        g: &Geometry,
        pts: &[(f64, f64)],
        per_stage: &[usize],
        labelled: &[usize],
        mut taken: Vec<Box4>,
    ) {
        // The other points get a short label (the place and the value) where there is room:
        // within their share of the column, inside the lane, clear of every other label and
        // dot; otherwise none (the dot's tooltip still says it).
        let small = Font::new(10.0).fill(MUTED).anchor(Anchor::Middle);
        for (i, f) in self.feelings.iter().enumerate() {
            if labelled.contains(&i) {
                continue;
            }
            let (x, yy) = pts[i];
            let text = format!(
                "{}{} {}",
                clean(f.label),
                if f.whole_stage { " stage" } else { "" },
                signed(f.value)
            );
            let w = small.width(&text);
            let slot = self.col_w(f.stage) / per_stage[f.stage] as f64;
            if w > slot - 8.0 {
                continue;
            }
            // Away from the neutral line: above a positive point, below a negative one.
            let base = if f.value >= 0.0 {
                yy - 11.0
            } else {
                yy + 11.0 + 0.78 * small.size
            };
            let b = (
                x - w / 2.0,
                base - 0.78 * small.size,
                x + w / 2.0,
                base + 0.22 * small.size,
            );
            let inside = b.0 >= g.x0 + 2.0
                && b.2 <= g.x1 - 2.0
                && b.1 >= g.y + 2.0
                && b.3 <= g.y + g.h - 2.0;
            let clear = taken.iter().enumerate().all(|(k, t)| {
                // A point's own dot does not count against its label.
                k == i
                    || b.2 + 2.0 <= t.0
                    || t.2 + 2.0 <= b.0
                    || b.3 + 2.0 <= t.1
                    || t.3 + 2.0 <= b.1
            });
            if inside && clear {
                // A white halo keeps the label readable where the curve passes behind it.
                out.el("text")
                    .attr("x", x)
                    .attr("y", base)
                    .attr("font-size", small.size)
                    .attr("fill", small.fill)
                    .attr("text-anchor", "middle")
                    .attr("stroke", "#FFFFFF")
                    .attr("stroke-width", 3.0)
                    .attr("stroke-linejoin", "round")
                    .attr("paint-order", "stroke")
                    .text(&text);
                taken.push(b);
            }
        }
    }
}

/// A smooth curve through the points (Catmull-Rom as cubic Béziers), its control points kept
/// between `top` and `bottom`.
pub(super) fn smooth_path(pts: &[(f64, f64)], top: f64, bottom: f64) -> String {
    let mut d = format!("M{},{}", num(pts[0].0), num(pts[0].1));
    let n = pts.len();
    for i in 0..n - 1 {
        let p0 = pts[i.saturating_sub(1)];
        let p1 = pts[i];
        let p2 = pts[i + 1];
        let p3 = pts[(i + 2).min(n - 1)];
        let c1 = (
            p1.0 + (p2.0 - p0.0) / 6.0,
            (p1.1 + (p2.1 - p0.1) / 6.0).clamp(top, bottom),
        );
        let c2 = (
            p2.0 - (p3.0 - p1.0) / 6.0,
            (p2.1 - (p3.1 - p1.1) / 6.0).clamp(top, bottom),
        );
        d.push_str(&format!(
            " C{},{} {},{} {},{}",
            num(c1.0),
            num(c1.1),
            num(c2.0),
            num(c2.1),
            num(p2.0),
            num(p2.1)
        ));
    }
    d
}

pub(super) fn emotion_colour(e: f64) -> &'static str {
    if e > 0.25 {
        POSITIVE
    } else if e < -0.25 {
        NEGATIVE
    } else {
        NEUTRAL
    }
}

/// `+1.5`, `0`, `−2` (with a true minus sign).
pub(super) fn signed(v: f64) -> String {
    let s = num(v.abs());
    if s == "0" {
        s
    } else if v > 0.0 {
        format!("+{s}")
    } else {
        format!("\u{2212}{s}")
    }
}
