//! The stage band, the swimlanes and their cards, the legend, and the small blocks they are
//! made of (grids, bullets, bubbles, notes).

use super::figures::metric_items;
use super::*;

impl<'a> Layout<'a> {
    /// The stage headers: a band of chevrons, one per column. Returns the y below it.
    pub(super) fn stage_band(&self, out: &mut Svg, y: f64) -> f64 {
        // Long because the band's cells are drawn at the layout's columns, one after another.
        let name_font = Font::new(15.0)
            .bold()
            .fill("#FFFFFF")
            .anchor(Anchor::Middle);
        let desc_font = Font::new(11.5).fill("#DCE7F3").anchor(Anchor::Middle);
        let texts: Vec<(Vec<String>, Vec<String>)> = self
            .map
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let text_w = self.col_w(i) - 2.0 * CHEVRON - 16.0;
                (
                    name_font.wrap(&s.name, text_w, 2),
                    desc_font.wrap(&s.description, text_w, 3),
                )
            })
            .collect();
        let inner = texts
            .iter()
            .map(|(n, d)| {
                n.len() as f64 * name_font.line_height()
                    + if d.is_empty() {
                        0.0
                    } else {
                        3.0 + d.len() as f64 * desc_font.line_height()
                    }
            })
            .fold(0.0, f64::max);
        let h = (inner + 22.0).max(48.0);

        // The label cell of the band.
        out.rect(PAD, y, LABEL_W - 10.0, h)
            .attr("rx", 8.0)
            .attr("fill", LABEL_BG)
            .end();
        out.text_line(
            PAD + 14.0,
            y + h / 2.0 + 5.0,
            "Stages",
            &LANE_TITLE.fill(INK),
        );

        let n = self.map.stages.len();
        for (i, (stage, (name, desc))) in self.map.stages.iter().zip(&texts).enumerate() {
            let x0 = self.col_x(i) + 2.0;
            // The tip of a chevron reaches into the next column; the last one keeps its tip
            // inside the lanes.
            let x1 = self.col_x(i + 1) - 2.0 - if i + 1 == n { CHEVRON } else { 0.0 };
            let mid = y + h / 2.0;
            let notch = if i == 0 { 0.0 } else { CHEVRON };
            let points = format!(
                "{},{} {},{} {},{} {},{} {},{} {},{}",
                num(x0),
                num(y),
                num(x1),
                num(y),
                num(x1 + CHEVRON),
                num(mid),
                num(x1),
                num(y + h),
                num(x0),
                num(y + h),
                num(x0 + notch),
                num(mid)
            );
            out.el("g").attr("class", "stage").open();
            out.title(&if stage.description.is_empty() {
                stage.name.clone()
            } else {
                format!("{}: {}", stage.name, stage.description)
            });
            out.el("polygon")
                .attr("points", points)
                .attr("fill", stage_colour(i, n))
                .end();
            let cx = (x0 + x1) / 2.0 + notch / 2.0;
            let block = name.len() as f64 * name_font.line_height()
                + if desc.is_empty() {
                    0.0
                } else {
                    3.0 + desc.len() as f64 * desc_font.line_height()
                };
            let mut ty = y + (h - block) / 2.0;
            ty += out.text_block(cx, ty, name, &name_font);
            if !desc.is_empty() {
                out.text_block(cx, ty + 3.0, desc, &desc_font);
            }
            out.close();
        }
        y + h
    }

    pub(super) fn lanes(&self, out: &mut Svg, mut y: f64) -> f64 {
        // Long because every lane is drawn at the column positions and the heights of the layout,
        // one lane after another.
        let lanes = [
            ("Touchpoints", "where, on which channel", Lane::Touchpoints),
            ("Actions", "what they do", Lane::Actions),
            ("Thoughts", "what they think", Lane::Thoughts),
            ("Pain points", "what goes wrong", Lane::Pains),
            (
                "Opportunities",
                "what we can do better",
                Lane::Opportunities,
            ),
        ];
        let mut k = 0;
        for (title, subtitle, lane) in lanes {
            if lane == Lane::Pains && !self.feelings.is_empty() {
                y = self.emotion_lane(out, y, k);
                k += 1;
            }
            let cells: Vec<Option<Cell>> = self
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let k = self.subcols[i];
                    let w = (self.col_w(i) - 2.0 * CELL_PAD - (k - 1) as f64 * GRID_GAP) / k as f64;
                    let shown = |n: usize| n.min(MAX_CELL_ITEMS);
                    let (mut items, gap, total): (Vec<Cell>, f64, usize) = match lane {
                        Lane::Touchpoints => (
                            c.cards[..shown(c.cards.len())]
                                .iter()
                                .map(|card| self.card(card, w))
                                .collect(),
                            8.0,
                            c.cards.len(),
                        ),
                        Lane::Actions => (
                            c.actions[..shown(c.actions.len())]
                                .iter()
                                .map(|a| bullet(a, w))
                                .collect(),
                            6.0,
                            c.actions.len(),
                        ),
                        Lane::Thoughts => (
                            c.thoughts[..shown(c.thoughts.len())]
                                .iter()
                                .map(|t| bubble(t, w))
                                .collect(),
                            8.0,
                            c.thoughts.len(),
                        ),
                        Lane::Pains => (
                            c.pains[..shown(c.pains.len())]
                                .iter()
                                .map(|t| note(t, w, PAIN_FILL, PAIN_EDGE, NEGATIVE, "!"))
                                .collect(),
                            7.0,
                            c.pains.len(),
                        ),
                        Lane::Opportunities => (
                            c.opportunities[..shown(c.opportunities.len())]
                                .iter()
                                .map(|t| note(t, w, OPP_FILL, OPP_EDGE, POSITIVE, "+"))
                                .collect(),
                            7.0,
                            c.opportunities.len(),
                        ),
                    };
                    if total > MAX_CELL_ITEMS {
                        items.push(bullet(
                            &format!(
                                "\u{2026} and {} more not drawn (at most {MAX_CELL_ITEMS} per cell)",
                                thousands((total - MAX_CELL_ITEMS) as u64)
                            ),
                            w,
                        ));
                    }
                    grid(items, k, w, gap)
                })
                .collect();
            if cells.iter().all(Option::is_none) {
                continue;
            }
            let h = cells
                .iter()
                .flatten()
                .map(|c| c.h)
                .fold(0.0, f64::max)
                .max(LANE_MIN_H - 2.0 * CELL_PAD)
                + 2.0 * CELL_PAD;
            self.lane_frame(out, y, h, k, title, subtitle);
            for (i, cell) in cells.into_iter().enumerate() {
                if let Some(cell) = cell {
                    out.append_at(self.col_x(i) + CELL_PAD, y + CELL_PAD, cell.svg);
                }
            }
            y += h;
            k += 1;
        }
        y
    }

    /// The background, label and separators of one lane.
    pub(super) fn lane_frame(
        &self,
        out: &mut Svg,
        y: f64,
        h: f64,
        k: usize,
        title: &str,
        subtitle: &str,
    ) {
        out.rect(PAD + LABEL_W, y, self.content_w - LABEL_W, h)
            .attr("fill", LANE_BG[k % 2])
            .end();
        out.rect(PAD, y + 3.0, LABEL_W - 10.0, h - 6.0)
            .attr("rx", 8.0)
            .attr("fill", LABEL_BG)
            .end();
        out.line(PAD + LABEL_W, y + h, PAD + self.content_w, y + h)
            .attr("stroke", RULE)
            .end();
        for i in 1..self.map.stages.len() {
            out.line(self.col_x(i), y + 6.0, self.col_x(i), y + h - 6.0)
                .attr("stroke", RULE)
                .attr("stroke-dasharray", "3 4")
                .end();
        }
        out.text_line(PAD + 14.0, y + 24.0, title, &LANE_TITLE);
        let sub = SMALL.wrap(subtitle, LABEL_W - 10.0 - 24.0, 2);
        out.text_block(PAD + 14.0, y + 30.0, &sub, &SMALL);
    }

    pub(super) fn card(&self, card: &Card, w: f64) -> Cell {
        // Long because the card's parts are stacked top to bottom, each placed below the last.
        let name_font = Font::new(12.5).bold();
        let pad = 9.0;
        let bar = 5.0;
        let tx = bar + pad;
        let tw = w - tx - pad;
        let mut s = Svg::fragment();
        let mut y = pad;
        let colour = card.channel.map_or(NEUTRAL, |c| self.channel_colour(c));
        let name = name_font.wrap(card.name, tw, 4);
        let name_h = s.text_block(tx, y - 1.0, &name, &name_font);
        y += name_h;
        let channel_line = match card.channel {
            Some(c) if card.kind == Kind::Physical => format!("{} \u{00B7} physical", clean(c)),
            Some(c) => clean(c),
            None => "whole stage".to_string(),
        };
        s.circle(tx + 4.0, y + SMALL.line_height() / 2.0, 3.5)
            .attr("fill", colour)
            .attr_opt("stroke", palette_edge(colour))
            .end();
        y += s.text_block(
            tx + 12.0,
            y,
            &[SMALL.truncate(&channel_line, tw - 12.0)],
            &SMALL,
        );

        if self.opts.show_metrics && !card.metrics.is_empty() {
            y += 5.0;
            s.line(tx, y, w - pad, y)
                .attr("stroke", RULE)
                .attr("stroke-dasharray", "2 2")
                .end();
            y += 4.0;
            let items = metric_items(&card.metrics);
            let label_font = Font::new(10.5).fill(MUTED);
            let value_font = Font::new(11.5).bold();
            let half = tw / 2.0;
            let fits_half = items
                .iter()
                .all(|(l, v)| label_font.width(l) + 5.0 + value_font.width(v) <= half - 6.0);
            let per_row = if fits_half { 2 } else { 1 };
            let slot = tw / per_row as f64;
            for (k, (label, value)) in items.iter().enumerate() {
                let row = k / per_row;
                let x = tx + (k % per_row) as f64 * slot;
                let base = y + row as f64 * 16.0 + 12.0;
                let vw = value_font.width(value).min(slot * 0.6);
                let value = value_font.truncate(value, vw + 0.5);
                let label = label_font.truncate(label, slot - vw - 11.0);
                s.text_line(x, base, &label, &label_font);
                s.text_line(
                    x + slot - 6.0,
                    base,
                    &value,
                    &value_font.anchor(Anchor::End),
                );
            }
            y += items.len().div_ceil(per_row) as f64 * 16.0 + 2.0;
        }
        let h = y + pad - 2.0;

        let mut c = Svg::fragment();
        c.el("g").attr("class", "touchpoint").open();
        c.title(&match card.channel {
            Some(ch) => format!("{} ({ch})", card.name),
            None => format!("{} (stage figures)", card.name),
        });
        c.rect(1.0, 1.5, w, h)
            .attr("rx", 7.0)
            .attr("fill", "#000000")
            .attr("fill-opacity", "0.05")
            .end();
        c.el("rect")
            .attr("width", w)
            .attr("height", h)
            .attr("rx", 7.0)
            .attr("fill", "#FFFFFF")
            .attr("stroke", RULE)
            .end();
        c.el("path")
            .attr(
                "d",
                format!(
                    "M7,0 H{b} V{h} H7 A7,7 0 0 1 0,{hr} V7 A7,7 0 0 1 7,0 Z",
                    b = num(bar + 2.0),
                    h = num(h),
                    hr = num(h - 7.0)
                ),
            )
            .attr("fill", colour)
            .attr_opt("stroke", palette_edge(colour))
            .attr_opt("stroke-width", palette_edge(colour).map(|_| 0.8))
            .end();
        c.append(s);
        c.close();
        Cell { svg: c, h }
    }

    /// Channel colours and the meaning of the marks; unplaced touchpoints. Returns the y below.
    pub(super) fn legend(&self, out: &mut Svg, mut y: f64) -> f64 {
        let font = Font::new(11.5).fill(MUTED);
        let key = Font::new(11.5).bold().fill(MUTED);
        let right = PAD + self.content_w;
        let mut x = PAD;
        let mut row_y = y;
        let mut any = false;
        // Items flow left to right and wrap.
        let mut place = |w: f64| -> (f64, f64) {
            if x + w > right && x > PAD {
                x = PAD;
                row_y += 20.0;
            }
            let at = (x, row_y);
            x += w + 16.0;
            at
        };
        if !self.channels.is_empty() {
            let (lx, ly) = place(key.width("Channels"));
            out.text_line(lx, ly + 12.0, "Channels", &key);
            for c in &self.channels {
                let label = font.truncate(&clean(c), 200.0);
                let (lx, ly) = place(14.0 + font.width(&label));
                let colour = self.channel_colour(c);
                out.circle(lx + 5.0, ly + 8.0, 5.0)
                    .attr("fill", colour)
                    .attr_opt("stroke", palette_edge(colour))
                    .end();
                out.text_line(lx + 14.0, ly + 12.0, &label, &font);
            }
            any = true;
        }
        if !self.feelings.is_empty() {
            let (lx, ly) = place(key.width("Emotion") + 24.0);
            out.text_line(lx + 24.0, ly + 12.0, "Emotion", &key);
            for (label, colour) in [
                ("positive", POSITIVE),
                ("neutral", NEUTRAL),
                ("negative", NEGATIVE),
            ] {
                let (lx, ly) = place(14.0 + font.width(label));
                out.circle(lx + 5.0, ly + 8.0, 5.0)
                    .attr("fill", colour)
                    .end();
                out.text_line(lx + 14.0, ly + 12.0, label, &font);
            }
            if self.feelings.iter().any(|f| f.whole_stage) {
                let label = "whole stage";
                let (lx, ly) = place(14.0 + font.width(label));
                out.circle(lx + 5.0, ly + 8.0, 4.0)
                    .attr("fill", "#FFFFFF")
                    .attr("stroke", NEUTRAL)
                    .attr("stroke-width", 2.0)
                    .end();
                out.text_line(lx + 14.0, ly + 12.0, label, &font);
            }
            any = true;
        }
        if any {
            y = row_y + 20.0;
        }
        if !self.unplaced.is_empty() {
            let names: Vec<String> = self
                .unplaced
                .iter()
                .map(|&i| {
                    let t = &self.map.touchpoints[i];
                    format!("{} ({})", clean(&t.name), clean(&t.channel))
                })
                .collect();
            let text = format!("Touchpoints in no stage: {}", names.join(", "));
            let lines = font.wrap(&text, self.content_w, 0);
            y += 6.0 + out.text_block(PAD, y + 6.0, &lines, &font);
        }
        y
    }
}

/// Items laid out left to right, top to bottom, in `k` columns of width `w`; each row is as
/// tall as its tallest item. `None` when there are no items.
pub(super) fn grid(items: Vec<Cell>, k: usize, w: f64, gap: f64) -> Option<Cell> {
    if items.is_empty() {
        return None;
    }
    let mut s = Svg::fragment();
    let mut y = 0.0;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let mut row_h: f64 = 0.0;
        for j in 0..k {
            let Some(item) = items.next() else { break };
            row_h = row_h.max(item.h);
            s.append_at(j as f64 * (w + GRID_GAP), y, item.svg);
        }
        y += row_h + gap;
    }
    Some(Cell { svg: s, h: y - gap })
}

/// An action: a bullet and the wrapped text.
pub(super) fn bullet(item: &str, w: f64) -> Cell {
    let lines = BODY.wrap(item, w - 14.0, 4);
    let mut s = Svg::fragment();
    s.el("g").open();
    s.title(item);
    s.circle(4.0, BODY.line_height() / 2.0, 2.5)
        .attr("fill", MUTED)
        .end();
    let h = s.text_block(14.0, 0.0, &lines, &BODY);
    s.close();
    Cell { svg: s, h }
}

/// A thought: a speech bubble with the customer's words in quotes.
pub(super) fn bubble(item: &str, w: f64) -> Cell {
    let font = BODY.italic().fill("#323F4B");
    let pad = 10.0;
    let tail = 8.0;
    let quoted = format!("\u{201C}{}\u{201D}", clean(item));
    let lines = font.wrap(&quoted, w - 2.0 * pad, 5);
    let h = lines.len() as f64 * font.line_height() + 2.0 * pad - 4.0;
    let mut s = Svg::fragment();
    s.el("g").attr("class", "thought").open();
    s.title(item);
    s.el("path")
        .attr(
            "d",
            format!(
                "M10,0 H{r} A10,10 0 0 1 {w},10 V{b10} A10,10 0 0 1 {r},{b} H34 L22,{bt} L24,{b} H10 A10,10 0 0 1 0,{b10} V10 A10,10 0 0 1 10,0 Z",
                r = num(w - 10.0),
                w = num(w),
                b = num(h),
                b10 = num(h - 10.0),
                bt = num(h + tail),
            ),
        )
        .attr("fill", BUBBLE_FILL)
        .attr("stroke", "#D9DEE4")
        .end();
    s.text_block(pad, pad - 2.0, &lines, &font);
    s.close();
    Cell {
        svg: s,
        h: h + tail,
    }
}

/// A sticky note with an icon and a folded corner.
pub(super) fn note(
    item: &str,
    w: f64,
    fill: &'static str,
    edge: &'static str,
    accent: &'static str,
    icon: &str,
) -> Cell {
    let pad = 10.0;
    let icon_r = 8.0;
    let tx = pad + 2.0 * icon_r + 8.0;
    let lines = BODY.wrap(item, w - tx - pad, 8);
    let h = (lines.len() as f64 * BODY.line_height() + 2.0 * pad).max(2.0 * icon_r + 2.0 * pad);
    let f = 12.0;
    let mut s = Svg::fragment();
    s.el("g").attr("class", "note").open();
    s.title(item);
    s.rect(2.0, 3.0, w - 2.0, h)
        .attr("rx", 3.0)
        .attr("fill", "#000000")
        .attr("fill-opacity", "0.07")
        .end();
    s.el("path")
        .attr(
            "d",
            format!(
                "M0,0 H{w} V{bf} L{wf},{h} H0 Z",
                w = num(w),
                bf = num(h - f),
                wf = num(w - f),
                h = num(h)
            ),
        )
        .attr("fill", fill)
        .attr("stroke", edge)
        .end();
    s.el("path")
        .attr(
            "d",
            format!(
                "M{w},{bf} L{wf},{bf} L{wf},{h} Z",
                w = num(w),
                bf = num(h - f),
                wf = num(w - f),
                h = num(h)
            ),
        )
        .attr("fill", edge)
        .end();
    s.circle(pad + icon_r, pad + icon_r, icon_r)
        .attr("fill", accent)
        .end();
    s.text_line(
        pad + icon_r,
        pad + icon_r + 4.0,
        icon,
        &Font::new(12.0)
            .bold()
            .fill("#FFFFFF")
            .anchor(Anchor::Middle),
    );
    s.text_block(tx, pad, &lines, &BODY);
    s.close();
    Cell { svg: s, h: h + 3.0 }
}

/// Header colours: navy, getting lighter along the journey.
pub(super) fn stage_colour(i: usize, n: usize) -> String {
    let (a, b) = ((0x1E, 0x3A, 0x5F), (0x3A, 0x6E, 0xA5));
    let t = if n > 1 {
        i as f64 / (n - 1) as f64
    } else {
        0.0
    };
    let mix = |x: i32, y: i32| (x as f64 + (y - x) as f64 * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}
