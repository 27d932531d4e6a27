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

mod emotion;
mod figures;
mod lanes;
mod persona;

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
        // Long because the layout is computed in one pass: channels, stages, their columns and
        // sub-columns depend on each other in this order.
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
}

#[cfg(test)]
mod tests {
    use super::emotion::signed;
    use super::figures::{fixed2, format_metric};
    use super::lanes::stage_colour;
    use super::persona::demographics_in_order;
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
