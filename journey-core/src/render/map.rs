//! The journey map as an SVG picture: a persona card, stages as columns, and swimlanes for the
//! touchpoints (with channel and measured figures), actions, thoughts, the emotion curve, pain
//! points and opportunities.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use super::svg::{
    clean, num, palette, palette_edge, signed_int, thousands, uid, Anchor, Font, Svg, INK, MUTED,
    NEGATIVE, NEUTRAL, POSITIVE, RULE,
};
use crate::error::{Error, Result};
use crate::model::{JourneyMap, Kind, Persona, Step};

/// Options of [`map_svg`].
///
/// JSON: `{"persona": null, "column_width": 250, "show_metrics": true}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapSvgOptions {
    /// Which persona to draw (by name). `None`: the map's first persona. Steps without a persona
    /// are shared and drawn for every persona; steps of other personas are left out. Draw a map
    /// with several personas once per persona.
    pub persona: Option<String>,
    /// Width of a stage column in pixels, 160 to 800 (default 250). A crowded stage (more than
    /// six items in a lane) spans up to four such columns. Columns grow when the stage columns
    /// together would be narrower than 730 pixels.
    pub column_width: f64,
    /// Show the figures of `Step::metrics` (reach, conversion, drop-off, CSAT, NPS, ...) on the
    /// touchpoint cards (default true).
    pub show_metrics: bool,
}

impl Default for MapSvgOptions {
    fn default() -> Self {
        MapSvgOptions {
            persona: None,
            column_width: 250.0,
            show_metrics: true,
        }
    }
}

impl JourneyMap {
    /// The map as an SVG picture; see [`map_svg`].
    pub fn to_svg(&self, opts: &MapSvgOptions) -> Result<String> {
        map_svg(self, opts)
    }
}

/// Draws a journey map as a standalone SVG document, for one persona.
///
/// The picture reads top to bottom: the title, a persona card, a band of stage headers (the
/// columns), then one swimlane per kind of content: touchpoints (cards coloured by channel, with
/// the step's metrics), actions, thoughts (speech bubbles), emotions (a curve through every step's
/// emotion, the highest and lowest points labelled), pain points and opportunities (sticky notes).
/// Lanes with nothing in them are left out. A legend of channels closes the picture.
///
/// Fails with [`Error::InvalidMap`] if the map does not validate, and with
/// [`Error::InvalidArgument`] for an unknown persona or a column width out of range.
///
/// ```
/// use journey_core::{render::{map_svg, MapSvgOptions}, JourneyMap, Step};
/// let mut map = JourneyMap::new("Online shop");
/// map.steps.push(Step { emotion: Some(1.0), ..Step::new("awareness", None) });
/// let svg = map_svg(&map, &MapSvgOptions::default()).unwrap();
/// assert!(svg.starts_with("<svg"));
/// ```
pub fn map_svg(map: &JourneyMap, opts: &MapSvgOptions) -> Result<String> {
    map.validate()?;
    if !(opts.column_width.is_finite() && (160.0..=800.0).contains(&opts.column_width)) {
        return Err(Error::argument(
            "column_width",
            format!("{} is not between 160 and 800", opts.column_width),
        ));
    }
    let persona = resolve_persona(map, opts)?;
    Ok(Layout::new(map, persona, opts).draw())
}

/// The number of column widths the stages of the map take side by side when drawn with
/// `opts` (a crowded stage spans several); used to choose a column width that fits a page.
pub(crate) fn column_units(map: &JourneyMap, opts: &MapSvgOptions) -> Result<usize> {
    map.validate()?;
    let persona = resolve_persona(map, opts)?;
    Ok(Layout::new(map, persona, opts).subcols.iter().sum())
}

/// The width of a map besides its stage columns (margins and the lane labels).
pub(crate) const FRAME_W: f64 = 2.0 * PAD + LABEL_W;

/// The index of the persona to draw.
fn resolve_persona(map: &JourneyMap, opts: &MapSvgOptions) -> Result<Option<usize>> {
    Ok(match &opts.persona {
        Some(name) => Some(
            map.personas
                .iter()
                .position(|p| &p.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = map.personas.iter().map(|p| p.name.as_str()).collect();
                    Error::argument(
                        "persona",
                        format!(
                            "unknown persona {name:?}; the map has {}",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })?,
        ),
        None => (!map.personas.is_empty()).then_some(0),
    })
}

// Geometry, in pixels.
const PAD: f64 = 32.0;
const LABEL_W: f64 = 150.0;
const MIN_CONTENT_W: f64 = 880.0;
const CELL_PAD: f64 = 12.0;
const LANE_MIN_H: f64 = 56.0;
const EMOTION_H: f64 = 200.0;
const EMOTION_MARGIN: f64 = 40.0;
const CHEVRON: f64 = 14.0;
/// Gap between sub-columns of a crowded stage.
const GRID_GAP: f64 = 10.0;
/// Items per sub-column before a stage gets another sub-column.
const CROWDED: usize = 6;
/// Most items (cards, actions, thoughts, pain points, opportunities) drawn in one cell of the
/// map; the rest are counted in a note ("… and 12 more not drawn"). The map's data keeps them.
pub const MAX_CELL_ITEMS: usize = 48;

const TITLE: Font = Font::new(24.0).bold();
const SUBTITLE: Font = Font::new(14.0).fill(MUTED);
const BODY: Font = Font::new(12.5);
const SMALL: Font = Font::new(11.0).fill(MUTED);
const LANE_TITLE: Font = Font::new(13.5).bold();
const EYEBROW: Font = Font::new(10.5).bold().fill(MUTED);

const LANE_BG: [&str; 2] = ["#FFFFFF", "#F7F9FB"];
const LABEL_BG: &str = "#EEF2F6";
const PAIN_FILL: &str = "#FDE8D7";
const PAIN_EDGE: &str = "#F3C9A6";
const OPP_FILL: &str = "#DCEEF9";
const OPP_EDGE: &str = "#AFD5EE";
const BUBBLE_FILL: &str = "#F1F3F6";

/// A touchpoint as shown in one stage.
struct Card<'a> {
    name: &'a str,
    channel: Option<&'a str>,
    kind: Kind,
    metrics: BTreeMap<&'a str, f64>,
}

/// One emotion point: where it was felt and how.
struct Feeling<'a> {
    stage: usize,
    label: &'a str,
    value: f64,
    /// Felt in the stage as a whole (a step without a touchpoint), not at one touchpoint:
    /// drawn as a ring.
    whole_stage: bool,
}

/// What one stage column holds.
#[derive(Default)]
struct Column<'a> {
    cards: Vec<Card<'a>>,
    actions: Vec<&'a str>,
    thoughts: Vec<&'a str>,
    pains: Vec<&'a str>,
    opportunities: Vec<&'a str>,
}

/// The lanes drawn from cells (the emotion lane is drawn whole).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    Touchpoints,
    Actions,
    Thoughts,
    Pains,
    Opportunities,
}

/// A drawn cell (or block) and its height.
struct Cell {
    svg: Svg,
    h: f64,
}

struct Layout<'a> {
    map: &'a JourneyMap,
    persona: Option<(usize, &'a Persona)>,
    opts: &'a MapSvgOptions,
    columns: Vec<Column<'a>>,
    feelings: Vec<Feeling<'a>>,
    unplaced: Vec<usize>,
    channels: Vec<&'a str>,
    content_w: f64,
    /// Left edge of each stage column, plus the right edge of the last.
    col_edges: Vec<f64>,
    /// Number of side-by-side sub-columns in each stage (crowded stages get more).
    subcols: Vec<usize>,
    ids: String,
}

/// The metrics and the emotion of the steps at one place (a stage, or a touchpoint in a stage):
/// a persona's own steps override the shared ones, later steps override earlier ones.
fn merge<'a>(steps: &[&'a Step]) -> (BTreeMap<&'a str, f64>, Option<f64>) {
    let mut metrics = BTreeMap::new();
    let mut emotion = None;
    let shared = steps.iter().filter(|s| s.persona.is_none());
    let own = steps.iter().filter(|s| s.persona.is_some());
    for s in shared.chain(own) {
        metrics.extend(s.metrics.iter().map(|(k, v)| (k.as_str(), *v)));
        emotion = s.emotion.or(emotion);
    }
    (metrics, emotion)
}

/// Appends the non-blank `items` not yet in `v` (`seen` holds the contents of `v`: a set, so
/// a stage with many items costs linear time).
fn push_unique<'a>(v: &mut Vec<&'a str>, seen: &mut FxHashSet<&'a str>, items: &'a [String]) {
    for s in items {
        if !s.trim().is_empty() && seen.insert(s.as_str()) {
            v.push(s);
        }
    }
}

impl<'a> Layout<'a> {
    fn new(map: &'a JourneyMap, persona: Option<usize>, opts: &'a MapSvgOptions) -> Self {
        let persona = persona.map(|i| (i, &map.personas[i]));
        let shown = |s: &Step| match (&s.persona, persona) {
            (None, _) => true,
            (Some(p), Some((_, sel))) => *p == sel.name,
            (Some(_), None) => false,
        };
        let steps: Vec<&Step> = map.steps.iter().filter(|s| shown(s)).collect();
        let tp_index = |name: &str| map.touchpoints.iter().position(|t| t.name == name);

        // Channels in order of first appearance, for stable colours.
        let mut channels: Vec<&str> = Vec::new();
        for t in &map.touchpoints {
            if !channels.contains(&t.channel.as_str()) {
                channels.push(&t.channel);
            }
        }

        let mut placed = vec![false; map.touchpoints.len()];
        let mut columns = Vec::with_capacity(map.stages.len());
        let mut feelings = Vec::new();
        for (si, stage) in map.stages.iter().enumerate() {
            let here: Vec<&Step> = steps
                .iter()
                .copied()
                .filter(|s| s.stage == stage.name)
                .collect();
            let mut col = Column::default();
            // Touchpoints of the stage, in the map's order.
            let mut tps: Vec<usize> = (0..map.touchpoints.len())
                .filter(|&i| map.touchpoints[i].stage.as_deref() == Some(stage.name.as_str()))
                .collect();
            for s in &here {
                if let Some(i) = s.touchpoint.as_deref().and_then(tp_index) {
                    if !tps.contains(&i) {
                        tps.push(i);
                    }
                }
            }
            tps.sort_unstable();
            // Stage-level steps (no touchpoint) first, then each touchpoint's steps.
            let stage_steps: Vec<&Step> = here
                .iter()
                .copied()
                .filter(|s| s.touchpoint.is_none())
                .collect();
            let (stage_metrics, stage_emotion) = merge(&stage_steps);
            if !stage_metrics.is_empty() {
                col.cards.push(Card {
                    name: &stage.name,
                    channel: None,
                    kind: Kind::Digital,
                    metrics: stage_metrics,
                });
            }
            let mut groups = vec![(stage.name.as_str(), stage_steps, stage_emotion, true)];
            for &i in &tps {
                placed[i] = true;
                let t = &map.touchpoints[i];
                let tp_steps: Vec<&Step> = here
                    .iter()
                    .copied()
                    .filter(|s| s.touchpoint.as_deref() == Some(t.name.as_str()))
                    .collect();
                let (metrics, emotion) = merge(&tp_steps);
                col.cards.push(Card {
                    name: &t.name,
                    channel: Some(&t.channel),
                    kind: t.kind,
                    metrics,
                });
                groups.push((t.name.as_str(), tp_steps, emotion, false));
            }
            let mut seen: [FxHashSet<&str>; 4] = Default::default();
            for (label, group, emotion, whole_stage) in groups {
                for s in group {
                    push_unique(&mut col.actions, &mut seen[0], &s.actions);
                    push_unique(&mut col.thoughts, &mut seen[1], &s.thoughts);
                    push_unique(&mut col.pains, &mut seen[2], &s.pain_points);
                    push_unique(&mut col.opportunities, &mut seen[3], &s.opportunities);
                }
                if let Some(value) = emotion {
                    feelings.push(Feeling {
                        stage: si,
                        label,
                        value,
                        whole_stage,
                    });
                }
            }
            columns.push(col);
        }
        let unplaced = (0..map.touchpoints.len()).filter(|&i| !placed[i]).collect();

        // A crowded stage gets up to four sub-columns, so that its cards and notes sit side by
        // side instead of making the whole map very tall.
        let subcols: Vec<usize> = columns
            .iter()
            .map(|c: &Column| {
                let most = [
                    c.cards.len(),
                    c.actions.len(),
                    c.thoughts.len(),
                    c.pains.len(),
                    c.opportunities.len(),
                ]
                .into_iter()
                .max()
                .unwrap_or(0);
                most.div_ceil(CROWDED).clamp(1, 4)
            })
            .collect();
        let units: usize = subcols.iter().sum::<usize>().max(1);
        let natural = LABEL_W + units as f64 * opts.column_width;
        let content_w = natural.max(MIN_CONTENT_W);
        let unit_w = (content_w - LABEL_W) / units as f64;
        let mut col_edges = vec![PAD + LABEL_W];
        for k in &subcols {
            let last = col_edges[col_edges.len() - 1];
            col_edges.push(last + *k as f64 * unit_w);
        }
        let json = serde_json::to_string(map).unwrap_or_default();
        let pname = persona.map_or("", |(_, p)| p.name.as_str());
        Layout {
            map,
            persona,
            opts,
            columns,
            feelings,
            unplaced,
            channels,
            content_w,
            col_edges,
            subcols,
            ids: uid(&[&json, pname, &opts.show_metrics.to_string()]),
        }
    }

    fn channel_colour(&self, channel: &str) -> &'static str {
        let i = self
            .channels
            .iter()
            .position(|c| *c == channel)
            .unwrap_or(0);
        palette(i)
    }

    fn col_x(&self, i: usize) -> f64 {
        self.col_edges[i.min(self.col_edges.len() - 1)]
    }

    fn col_w(&self, i: usize) -> f64 {
        self.col_x(i + 1) - self.col_x(i)
    }

    fn draw(&self) -> String {
        let mut body = Svg::fragment();
        let mut y = PAD;
        let right = PAD + self.content_w;

        // Title and description.
        let title = TITLE.wrap(&self.map.name, self.content_w, 2);
        y += body.text_block(PAD, y, &title, &TITLE);
        if !self.map.description.trim().is_empty() {
            y += 4.0;
            let lines = SUBTITLE.wrap(&self.map.description, self.content_w * 0.8, 3);
            y += body.text_block(PAD, y, &lines, &SUBTITLE);
        }
        y += 20.0;

        if let Some((i, p)) = self.persona {
            let card = self.persona_card(i, p);
            let h = card.h;
            body.append_at(PAD, y, card.svg);
            y += h + 24.0;
        }

        if self.map.stages.is_empty() {
            body.text_line(PAD, y + 14.0, "This map has no stages.", &SMALL);
            y += 30.0;
        } else {
            y = self.stage_band(&mut body, y);
            y += 6.0;
            y = self.lanes(&mut body, y);
        }

        y = self.legend(&mut body, y + 18.0);

        let width = right + PAD;
        let height = y + PAD;
        let mut doc = Svg::document(width, height);
        doc.title(&format!("Journey map: {}", self.map.name));
        if !self.map.description.is_empty() {
            doc.el("desc").text(&clean(&self.map.description));
        }
        doc.append(body);
        doc.finish()
    }

    fn persona_card(&self, index: usize, p: &Persona) -> Cell {
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
                let mut by = pad;
                by += s.text_block(bx + 16.0, by, &[heading.to_string()], &EYEBROW) + 4.0;
                let channel_list = *heading == "PREFERRED CHANNELS";
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
                        s.el("circle")
                            .attr("cx", bx + 20.0)
                            .attr("cy", dot_y)
                            .attr("r", 4.0)
                            .attr("fill", colour)
                            .attr_opt("stroke", palette_edge(colour))
                            .end();
                    } else {
                        s.el("circle")
                            .attr("cx", bx + 20.0)
                            .attr("cy", dot_y)
                            .attr("r", 2.2)
                            .attr("fill", MUTED)
                            .end();
                    }
                    by += s.text_block(bx + 30.0, by, &lines, &BODY) + 5.0;
                    s.close();
                }
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
        card.el("rect")
            .attr("x", 1.5)
            .attr("y", 2.5)
            .attr("width", w)
            .attr("height", h)
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
                card.el("line")
                    .attr("x1", bx)
                    .attr("y1", pad)
                    .attr("x2", bx)
                    .attr("y2", h - pad)
                    .attr("stroke", RULE)
                    .end();
            }
        }
        // Avatar: a circle with the initials.
        let initials: String = p
            .name
            .split_whitespace()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(2)
            .flat_map(char::to_uppercase)
            .collect();
        card.el("circle")
            .attr("cx", pad + avatar_r)
            .attr("cy", pad + avatar_r)
            .attr("r", avatar_r)
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
        card.append(s);
        card.close();
        Cell { svg: card, h }
    }

    /// The stage headers: a band of chevrons, one per column. Returns the y below it.
    fn stage_band(&self, out: &mut Svg, y: f64) -> f64 {
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
        out.el("rect")
            .attr("x", PAD)
            .attr("y", y)
            .attr("width", LABEL_W - 10.0)
            .attr("height", h)
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

    fn lanes(&self, out: &mut Svg, mut y: f64) -> f64 {
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
    fn lane_frame(&self, out: &mut Svg, y: f64, h: f64, k: usize, title: &str, subtitle: &str) {
        out.el("rect")
            .attr("x", PAD + LABEL_W)
            .attr("y", y)
            .attr("width", self.content_w - LABEL_W)
            .attr("height", h)
            .attr("fill", LANE_BG[k % 2])
            .end();
        out.el("rect")
            .attr("x", PAD)
            .attr("y", y + 3.0)
            .attr("width", LABEL_W - 10.0)
            .attr("height", h - 6.0)
            .attr("rx", 8.0)
            .attr("fill", LABEL_BG)
            .end();
        out.el("line")
            .attr("x1", PAD + LABEL_W)
            .attr("y1", y + h)
            .attr("x2", PAD + self.content_w)
            .attr("y2", y + h)
            .attr("stroke", RULE)
            .end();
        for i in 1..self.map.stages.len() {
            out.el("line")
                .attr("x1", self.col_x(i))
                .attr("y1", y + 6.0)
                .attr("x2", self.col_x(i))
                .attr("y2", y + h - 6.0)
                .attr("stroke", RULE)
                .attr("stroke-dasharray", "3 4")
                .end();
        }
        out.text_line(PAD + 14.0, y + 24.0, title, &LANE_TITLE);
        let sub = SMALL.wrap(subtitle, LABEL_W - 10.0 - 24.0, 2);
        out.text_block(PAD + 14.0, y + 30.0, &sub, &SMALL);
    }

    fn card(&self, card: &Card, w: f64) -> Cell {
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
        s.el("circle")
            .attr("cx", tx + 4.0)
            .attr("cy", y + SMALL.line_height() / 2.0)
            .attr("r", 3.5)
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
            s.el("line")
                .attr("x1", tx)
                .attr("y1", y)
                .attr("x2", w - pad)
                .attr("y2", y)
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
        c.el("rect")
            .attr("x", 1.0)
            .attr("y", 1.5)
            .attr("width", w)
            .attr("height", h)
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

    /// The emotion lane: grid, shaded area, curve, dots, high and low labels.
    fn emotion_lane(&self, out: &mut Svg, y: f64, k: usize) -> f64 {
        let h = EMOTION_H;
        self.lane_frame(out, y, h, k, "Emotions", "how they feel");
        let top = y + EMOTION_MARGIN;
        let bottom = y + h - EMOTION_MARGIN;
        let ey = |e: f64| top + (2.0 - e) / 4.0 * (bottom - top);
        let x0 = PAD + LABEL_W;
        let x1 = PAD + self.content_w;
        let tick = Font::new(10.0).fill(MUTED).anchor(Anchor::End);
        for v in [-2.0, -1.0, 0.0, 1.0, 2.0] {
            let yy = ey(v);
            let line = out
                .el("line")
                .attr("x1", x0)
                .attr("y1", yy)
                .attr("x2", x1)
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
            out.text_line(x0 - 18.0, yy + 3.5, label, &tick);
        }

        // Points: spread evenly across their stage column.
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
                (x, ey(f.value))
            })
            .collect();
        let zero = ey(0.0);
        if pts.len() > 1 {
            let curve = smooth_path(&pts, top - 10.0, bottom + 10.0);
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
            for (id, (cy, ch)) in [(&above, (y, zero - y)), (&below, (zero, y + h - zero))] {
                out.el("clipPath").attr("id", id.as_str()).open();
                out.el("rect")
                    .attr("x", x0)
                    .attr("y", cy)
                    .attr("width", x1 - x0)
                    .attr("height", ch)
                    .end();
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
        // The highest and lowest points (the first one on ties).
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
        for (i, (f, &(x, yy))) in self.feelings.iter().zip(&pts).enumerate() {
            let marked = i == hi || i == lo;
            out.el("g").attr("class", "emotion").open();
            let r = if marked { 7.0 } else { 5.5 };
            if f.whole_stage {
                // The stage as a whole: a ring, so that it is not read as one touchpoint.
                out.title(&format!("{} (whole stage): {}", f.label, signed(f.value)));
                out.el("circle")
                    .attr("cx", x)
                    .attr("cy", yy)
                    .attr("r", r)
                    .attr("fill", "#FFFFFF")
                    .attr("stroke", emotion_colour(f.value))
                    .attr("stroke-width", 3.0)
                    .end();
            } else {
                out.title(&format!("{}: {}", f.label, signed(f.value)));
                out.el("circle")
                    .attr("cx", x)
                    .attr("cy", yy)
                    .attr("r", r)
                    .attr("fill", emotion_colour(f.value))
                    .attr("stroke", "#FFFFFF")
                    .attr("stroke-width", 2.0)
                    .end();
            }
            out.close();
        }
        let flat = self.feelings[hi].value == self.feelings[lo].value;
        let marks: Vec<(usize, &str, bool)> = if flat {
            vec![(hi, "Emotion", true)]
        } else {
            vec![(hi, "High", true), (lo, "Low", false)]
        };
        // Boxes already taken (x0, y0, x1, y1): the labelled points' boxes and every dot.
        let mut taken: Vec<(f64, f64, f64, f64)> = pts
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
                (self.col_w(f.stage) * 1.4).min(x1 - x0 - 10.0),
            );
            let tw = font.width(&text) + 14.0;
            let cx = x.clamp(x0 + tw / 2.0 + 4.0, x1 - tw / 2.0 - 4.0);
            let box_h = 20.0;
            let by = if up { yy - 12.0 - box_h } else { yy + 12.0 };
            out.el("rect")
                .attr("x", cx - tw / 2.0)
                .attr("y", by)
                .attr("width", tw)
                .attr("height", box_h)
                .attr("rx", 10.0)
                .attr("fill", "#FFFFFF")
                .attr("stroke", font.fill)
                .attr("stroke-width", 1.2)
                .end();
            out.text_line(cx, by + 14.0, &text, &font);
            taken.push((cx - tw / 2.0, by, cx + tw / 2.0, by + box_h));
        }
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
            let inside = b.0 >= x0 + 2.0 && b.2 <= x1 - 2.0 && b.1 >= y + 2.0 && b.3 <= y + h - 2.0;
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
        y + h
    }

    /// Channel colours and the meaning of the marks; unplaced touchpoints. Returns the y below.
    fn legend(&self, out: &mut Svg, mut y: f64) -> f64 {
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
                out.el("circle")
                    .attr("cx", lx + 5.0)
                    .attr("cy", ly + 8.0)
                    .attr("r", 5.0)
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
                out.el("circle")
                    .attr("cx", lx + 5.0)
                    .attr("cy", ly + 8.0)
                    .attr("r", 5.0)
                    .attr("fill", colour)
                    .end();
                out.text_line(lx + 14.0, ly + 12.0, label, &font);
            }
            if self.feelings.iter().any(|f| f.whole_stage) {
                let label = "whole stage";
                let (lx, ly) = place(14.0 + font.width(label));
                out.el("circle")
                    .attr("cx", lx + 5.0)
                    .attr("cy", ly + 8.0)
                    .attr("r", 4.0)
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
fn grid(items: Vec<Cell>, k: usize, w: f64, gap: f64) -> Option<Cell> {
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
fn bullet(item: &str, w: f64) -> Cell {
    let lines = BODY.wrap(item, w - 14.0, 4);
    let mut s = Svg::fragment();
    s.el("g").open();
    s.title(item);
    s.el("circle")
        .attr("cx", 4.0)
        .attr("cy", BODY.line_height() / 2.0)
        .attr("r", 2.5)
        .attr("fill", MUTED)
        .end();
    let h = s.text_block(14.0, 0.0, &lines, &BODY);
    s.close();
    Cell { svg: s, h }
}

/// A thought: a speech bubble with the customer's words in quotes.
fn bubble(item: &str, w: f64) -> Cell {
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
fn note(
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
    s.el("rect")
        .attr("x", 2.0)
        .attr("y", 3.0)
        .attr("width", w - 2.0)
        .attr("height", h)
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
    s.el("circle")
        .attr("cx", pad + icon_r)
        .attr("cy", pad + icon_r)
        .attr("r", icon_r)
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

/// A smooth curve through the points (Catmull-Rom as cubic Béziers), its control points kept
/// between `top` and `bottom`.
fn smooth_path(pts: &[(f64, f64)], top: f64, bottom: f64) -> String {
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

fn emotion_colour(e: f64) -> &'static str {
    if e > 0.25 {
        POSITIVE
    } else if e < -0.25 {
        NEGATIVE
    } else {
        NEUTRAL
    }
}

/// `+1.5`, `0`, `−2` (with a true minus sign).
fn signed(v: f64) -> String {
    let s = num(v.abs());
    if s == "0" {
        s
    } else if v > 0.0 {
        format!("+{s}")
    } else {
        format!("\u{2212}{s}")
    }
}

/// Header colours: navy, getting lighter along the journey.
fn stage_colour(i: usize, n: usize) -> String {
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

/// The keys a map from data writes on its personas, in the order they read best: how many, what
/// share of all customers, how many of them converted.
const DEMOGRAPHICS_ORDER: [&str; 3] = ["customers", "share", "converted"];

/// A persona's demographics: the known keys of [`DEMOGRAPHICS_ORDER`] first, in that order,
/// then the others by name.
fn demographics_in_order(p: &Persona) -> Vec<(&str, &str)> {
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

/// Known metrics first, in a fixed order, then the others by name; each as (label, value).
fn metric_items(metrics: &BTreeMap<&str, f64>) -> Vec<(String, String)> {
    const KNOWN: [&str; 10] = [
        "reach",
        "journey_share",
        "conversion_rate",
        "lift",
        "drop_off",
        "csat",
        "nps",
        "ces",
        "priority",
        "emotion",
    ];
    let mut out: Vec<(String, String)> = KNOWN
        .iter()
        .filter_map(|k| metrics.get(k).map(|v| format_metric(k, *v)))
        .collect();
    out.extend(
        metrics
            .iter()
            .filter(|(k, _)| !KNOWN.contains(k))
            .map(|(k, v)| format_metric(k, *v)),
    );
    out
}

/// The label and formatted value of one metric. Rates given as fractions in [0, 1] are shown
/// as percentages; counts get thousands separators.
pub(crate) fn format_metric(key: &str, v: f64) -> (String, String) {
    let pct = |v: f64| {
        let p = if v.abs() <= 1.0 { v * 100.0 } else { v };
        format!("{p:.1}%")
    };
    if !v.is_finite() {
        return (clean(key), "\u{2013}".to_string());
    }
    match key {
        "reach" => ("Reach".into(), count(v)),
        "journey_share" => ("Share".into(), pct(v)),
        "conversion_rate" => ("Conversion".into(), pct(v)),
        "lift" => ("Lift".into(), format!("{}\u{d7}", fixed2(v))),
        "drop_off" | "drop_off_rate" => ("Drop-off".into(), pct(v)),
        "csat" => ("CSAT".into(), pct(v)),
        "nps" => ("NPS".into(), signed_int(v)),
        "ces" => ("CES".into(), format!("{v:.1}")),
        "priority" => ("Priority".into(), fixed2(v)),
        "emotion" => ("Emotion".into(), signed(v)),
        k if k.ends_with("_rate") || k.ends_with("_share") => (clean(k), pct(v)),
        k => (clean(k), trim_decimals(v)),
    }
}

fn count(v: f64) -> String {
    if v >= 0.0 && v.fract() == 0.0 && v < 1e15 {
        thousands(v as u64)
    } else {
        trim_decimals(v)
    }
}

/// Exactly two decimals (`1.10`, `0.00`), with a true minus sign, so that the figures of
/// neighbouring cards line up.
fn fixed2(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    if v < 0.0 && s != "0.00" {
        format!("\u{2212}{s}")
    } else {
        s
    }
}

/// At most two decimals, trailing zeros removed; integers with thousands separators.
fn trim_decimals(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let s = thousands(v.abs() as u64);
        return if v < 0.0 { format!("\u{2212}{s}") } else { s };
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replacen('-', "\u{2212}", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_formats() {
        assert_eq!(
            format_metric("reach", 12034.0),
            ("Reach".into(), "12,034".into())
        );
        assert_eq!(
            format_metric("conversion_rate", 0.125),
            ("Conversion".into(), "12.5%".into())
        );
        assert_eq!(format_metric("csat", 82.0), ("CSAT".into(), "82.0%".into()));
        assert_eq!(
            format_metric("nps", -4.6),
            ("NPS".into(), "\u{2212}5".into())
        );
        assert_eq!(format_metric("nps", 12.0), ("NPS".into(), "+12".into()));
        assert_eq!(
            format_metric("time_s", 41.256),
            ("time_s".into(), "41.26".into())
        );
        assert_eq!(format_metric("x", -2.5), ("x".into(), "\u{2212}2.5".into()));
        assert_eq!(
            format_metric("journey_share", 0.25),
            ("Share".into(), "25.0%".into())
        );
        assert_eq!(
            format_metric("lift", 1.5),
            ("Lift".into(), "1.50\u{d7}".into())
        );
        assert_eq!(
            format_metric("lift", 1.1),
            ("Lift".into(), "1.10\u{d7}".into())
        );
        assert_eq!(
            format_metric("priority", 0.0),
            ("Priority".into(), "0.00".into())
        );
        assert_eq!(
            format_metric("priority", 0.156),
            ("Priority".into(), "0.16".into())
        );
        assert_eq!(fixed2(-0.001), "0.00");
        assert_eq!(fixed2(-1.5), "\u{2212}1.50");
    }

    #[test]
    fn demographics_read_count_share_conversion_then_the_rest() {
        let mut p = Persona::new("p");
        for (k, v) in [
            ("converted", "6.8%"),
            ("age", "30-40"),
            ("customers", "5,000"),
            ("share", "20.0%"),
        ] {
            p.demographics.insert(k.to_string(), v.to_string());
        }
        let keys: Vec<&str> = demographics_in_order(&p).iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["customers", "share", "converted", "age"]);
    }

    #[test]
    fn signed_values() {
        assert_eq!(signed(1.5), "+1.5");
        assert_eq!(signed(0.0), "0");
        assert_eq!(signed(-2.0), "\u{2212}2");
    }

    #[test]
    fn stage_colours_run_from_dark_to_light() {
        assert_eq!(stage_colour(0, 5), "#1e3a5f");
        assert_eq!(stage_colour(4, 5), "#3a6ea5");
        assert_eq!(stage_colour(0, 1), "#1e3a5f");
    }
}
