//! The persona card at the top of the map.

use super::*;

impl<'a> Layout<'a> {
    pub(super) fn persona_card(&self, index: usize, p: &Persona) -> Cell {
        // Long because the card's blocks are placed side by side and top to bottom, each from
        // where the last ended.
        let w = self.content_w;
        let pad = 18.0;
        let mut s = Svg::fragment();
        let left_w = (w * 0.34).clamp(260.0, 400.0);
        // Left block: avatar, eyebrow, name, demographics, description.
        let avatar_r = 26.0;
        let tx = pad + avatar_r * 2.0 + 14.0;
        let text_w = left_w - tx - 10.0;
        let mut ly = pad;
        let eyebrow = if self.map.personas.len() > 1 {
            format!("PERSONA {} OF {}", index + 1, self.map.personas.len())
        } else {
            "PERSONA".to_string()
        };
        ly += s.text_block(tx, ly, &[eyebrow], &EYEBROW);
        let name_font = Font::new(18.0).bold();
        let name = name_font.wrap(&p.name, text_w, 2);
        ly += s.text_block(tx, ly, &name, &name_font);
        if !p.demographics.is_empty() {
            let demo: Vec<String> = demographics_in_order(p)
                .into_iter()
                .map(|(k, v)| format!("{}: {}", clean(k), clean(v)))
                .collect();
            let lines = SMALL.wrap(&demo.join(" \u{00B7} "), text_w, 3);
            ly += 2.0 + s.text_block(tx, ly + 2.0, &lines, &SMALL);
        }
        ly = ly.max(pad + avatar_r * 2.0) + 8.0;
        if !p.description.trim().is_empty() {
            let font = BODY.fill(INK);
            let lines = font.wrap(&p.description, left_w - pad - 10.0, 6);
            ly += s.text_block(pad, ly, &lines, &font);
        }
        let mut h = ly + pad;

        // Right blocks: goals, motivations, frustrations, preferred channels.
        let lists: Vec<(&str, &Vec<String>)> = [
            ("GOALS", &p.goals),
            ("MOTIVATIONS", &p.motivations),
            ("FRUSTRATIONS", &p.frustrations),
            ("PREFERRED CHANNELS", &p.preferred_channels),
        ]
        .into_iter()
        .filter(|(_, v)| v.iter().any(|s| !s.trim().is_empty()))
        .collect();
        if !lists.is_empty() {
            let bw = (w - left_w - pad) / lists.len() as f64;
            for (k, (heading, items)) in lists.iter().enumerate() {
                let bx = left_w + k as f64 * bw;
                let by = self.persona_list(&mut s, bx, bw, pad, heading, items);
                h = h.max(by + pad - 5.0);
            }
        }

        let mut card = Svg::fragment();
        card.el("g").attr("class", "persona").open();
        card.title(&if p.description.trim().is_empty() {
            format!("Persona: {}", p.name)
        } else {
            format!("Persona: {}. {}", p.name, p.description)
        });
        card.rect(1.5, 2.5, w, h)
            .attr("rx", 12.0)
            .attr("fill", "#000000")
            .attr("fill-opacity", "0.05")
            .end();
        card.el("rect")
            .attr("width", w)
            .attr("height", h)
            .attr("rx", 12.0)
            .attr("fill", "#FFFFFF")
            .attr("stroke", RULE)
            .end();
        if !lists.is_empty() {
            let bw = (w - left_w - pad) / lists.len() as f64;
            for k in 0..lists.len() {
                let bx = left_w + k as f64 * bw;
                card.line(bx, pad, bx, h - pad).attr("stroke", RULE).end();
            }
        }
        avatar(&mut card, &p.name, pad, avatar_r);
        card.append(s);
        card.close();
        Cell { svg: card, h }
    }

    /// One list of the persona card (goals, motivations, ...): its heading and a bullet per
    /// item (a channel's colour for the preferred channels), from the top of column `bx` of
    /// width `bw`. Returns where it ends.
    fn persona_list(
        &self,
        s: &mut Svg,
        bx: f64,
        bw: f64,
        pad: f64,
        heading: &str,
        items: &[String],
    ) -> f64 {
        let mut by = pad;
        by += s.text_block(bx + 16.0, by, &[heading.to_string()], &EYEBROW) + 4.0;
        let channel_list = heading == "PREFERRED CHANNELS";
        for item in items.iter().filter(|s| !s.trim().is_empty()) {
            let iw = bw - 16.0 - 14.0 - 8.0;
            let lines = BODY.wrap(item, iw, 3);
            let dot_y = by + BODY.line_height() / 2.0;
            s.el("g").open();
            s.title(item);
            if channel_list {
                let colour = if self.channels.contains(&item.as_str()) {
                    self.channel_colour(item)
                } else {
                    NEUTRAL
                };
                s.circle(bx + 20.0, dot_y, 4.0)
                    .attr("fill", colour)
                    .attr_opt("stroke", palette_edge(colour))
                    .end();
            } else {
                s.circle(bx + 20.0, dot_y, 2.2).attr("fill", MUTED).end();
            }
            by += s.text_block(bx + 30.0, by, &lines, &BODY) + 5.0;
            s.close();
        }
        by
    }
}

/// The avatar: a circle of radius `r` with the initials of `name`, at (`pad`, `pad`).
fn avatar(card: &mut Svg, name: &str, pad: f64, avatar_r: f64) {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    card.circle(pad + avatar_r, pad + avatar_r, avatar_r)
        .attr("fill", POSITIVE)
        .end();
    let initials_font = Font::new(17.0)
        .bold()
        .fill("#FFFFFF")
        .anchor(Anchor::Middle);
    card.text_line(
        pad + avatar_r,
        pad + avatar_r + 6.0,
        &initials_font.truncate(&initials, avatar_r * 1.7),
        &initials_font,
    );
}

/// The keys a map from data writes on its personas, in the order they read best: how many, what
/// share of all customers, how many of them converted.
pub(super) const DEMOGRAPHICS_ORDER: [&str; 3] = ["customers", "share", "converted"];

/// A persona's demographics: the known keys of [`DEMOGRAPHICS_ORDER`] first, in that order,
/// then the others by name.
pub(super) fn demographics_in_order(p: &Persona) -> Vec<(&str, &str)> {
    let known = DEMOGRAPHICS_ORDER
        .iter()
        .filter_map(|k| p.demographics.get_key_value(*k));
    let rest = p
        .demographics
        .iter()
        .filter(|(k, _)| !DEMOGRAPHICS_ORDER.contains(&k.as_str()));
    known
        .chain(rest)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
