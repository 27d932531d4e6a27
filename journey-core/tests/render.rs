//! Rendering: the SVG parses as XML, names every stage and touchpoint, survives hostile names,
//! keeps labels apart, and matches the stored snapshots (`UPDATE_SNAPSHOTS=1` rewrites them).
//! `RENDER_GALLERY=<dir>` also writes every picture of this file to `<dir>` to look at.

use std::path::{Path, PathBuf};

use journey_core::render::svg::text_width;
use journey_core::render::*;
use journey_core::{JourneyMap, Kind, Persona, Stage, Step, Touchpoint};
use proptest::prelude::*;

const HOSTILE: &str = "<script>alert(1)</script> & \"double\" 'single' ]]> <![CDATA[x]]>";

// ------------------------------------------------------------------------------------------
// Helpers

fn parse(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    for n in doc.descendants() {
        let name = n.tag_name().name().to_ascii_lowercase();
        assert!(
            !matches!(name.as_str(), "script" | "foreignobject" | "iframe" | "a"),
            "active element <{name}> in output"
        );
        for a in n.attributes() {
            assert!(!a.name().starts_with("on"), "event handler {}", a.name());
        }
    }
    doc
}

/// The text of every `<text>` and `<title>`.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| matches!(n.tag_name().name(), "text" | "title"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

fn has_text(doc: &roxmltree::Document, needle: &str) -> bool {
    texts(doc).iter().any(|t| t.contains(needle))
}

/// Whether `needle` is drawn in full: found in the visible text (`<text>` and `<tspan>`, never
/// the `<title>` tooltips), within one line or wrapped over up to three consecutive lines
/// (compared without whitespace, since wrapping drops the spaces at line breaks). A name cut
/// with `…` does not count.
fn shows(doc: &roxmltree::Document, needle: &str) -> bool {
    let lines: Vec<String> = doc
        .descendants()
        .filter(|n| matches!(n.tag_name().name(), "text" | "tspan"))
        .filter_map(|n| n.text())
        .map(|t| t.split_whitespace().collect::<String>())
        .collect();
    let want: String = needle.split_whitespace().collect();
    (0..lines.len()).any(|i| {
        let mut acc = String::new();
        lines[i..(i + 4).min(lines.len())].iter().any(|l| {
            acc.push_str(l);
            acc.contains(&want)
        })
    })
}

/// All drawn text joined by spaces, so that wrapped notes read as one string.
fn joined(doc: &roxmltree::Document) -> String {
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug)]
#[allow(dead_code)] // `text` is read through Debug in failure messages
struct TextBox {
    text: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn num_attr(n: roxmltree::Node, name: &str) -> f64 {
    n.attribute(name).map_or(0.0, |v| v.parse().unwrap())
}

/// Every drawn text as a box in document coordinates, from the same width estimate the layout
/// uses: x from the anchor and the width, y from the ascent (0.78 em) and descent (0.22 em).
fn text_boxes(doc: &roxmltree::Document) -> Vec<TextBox> {
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.tag_name().name() == "text") {
        let (mut dx, mut dy) = (0.0, 0.0);
        for a in n.ancestors() {
            if let Some(t) = a.attribute("transform") {
                let inner = t
                    .strip_prefix("translate(")
                    .unwrap()
                    .strip_suffix(')')
                    .unwrap();
                let (x, y) = inner.split_once(',').unwrap();
                dx += x.parse::<f64>().unwrap();
                dy += y.parse::<f64>().unwrap();
            }
        }
        let text = n.text().unwrap_or("").to_string();
        let size = num_attr(n, "font-size");
        assert!(size > 0.0, "text without a size: {text}");
        let w = text_width(&text, size, n.attribute("font-weight") == Some("bold"));
        let x = num_attr(n, "x") + dx;
        let y = num_attr(n, "y") + dy;
        let x0 = match n.attribute("text-anchor") {
            Some("middle") => x - w / 2.0,
            Some("end") => x - w,
            _ => x,
        };
        out.push(TextBox {
            text,
            x0,
            x1: x0 + w,
            y0: y - 0.78 * size,
            y1: y + 0.22 * size,
        });
    }
    out
}

/// No two drawn texts overlap (0.5 px tolerance for rounding) and all lie inside the canvas.
fn assert_legible(svg: &str) {
    let doc = parse(svg);
    let root = doc.root_element();
    let (w, h) = (num_attr(root, "width"), num_attr(root, "height"));
    let boxes = text_boxes(&doc);
    for b in &boxes {
        assert!(
            b.x0 >= -0.5 && b.x1 <= w + 0.5 && b.y0 >= -0.5 && b.y1 <= h + 0.5,
            "{b:?} outside the {w} x {h} canvas"
        );
    }
    let tol = 0.5;
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let overlap =
                a.x0 + tol < b.x1 && b.x0 + tol < a.x1 && a.y0 + tol < b.y1 && b.y0 + tol < a.y1;
            assert!(!overlap, "labels overlap:\n  {a:?}\n  {b:?}");
        }
    }
}

fn example_map() -> JourneyMap {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/maps/online_shop.json");
    JourneyMap::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A small fixed map for the snapshot: three custom stages, a stage-level step, a physical
/// touchpoint, a touchpoint in no stage, metrics, emotions, every kind of note.
fn small_map() -> JourneyMap {
    let mut map = JourneyMap::new("Coffee subscription");
    map.description = "From the first free sample to the monthly box.".into();
    let mut p = Persona::new("Jo Rivera");
    p.description = "Drinks two cups a day and likes trying new roasts.".into();
    p.demographics.insert("age".into(), "29".into());
    p.goals = vec!["Never run out of coffee".into()];
    p.frustrations = vec!["Boxes that don't fit the letterbox".into()];
    p.preferred_channels = vec!["email".into()];
    map.personas.push(p);
    map.stages = vec![
        Stage {
            name: "try".into(),
            description: "Free sample".into(),
        },
        Stage::new("subscribe"),
        Stage::new("enjoy"),
    ];
    let tp = |name: &str, channel: &str, stage: Option<&str>, kind| Touchpoint {
        name: name.into(),
        channel: channel.into(),
        stage: stage.map(String::from),
        kind,
    };
    map.touchpoints = vec![
        tp("sample_form", "web", Some("try"), Kind::Digital),
        tp("welcome_email", "email", Some("subscribe"), Kind::Digital),
        tp("letterbox", "post", Some("enjoy"), Kind::Physical),
        tp("hotline", "phone", None, Kind::Physical),
    ];
    map.steps = vec![
        Step {
            actions: vec!["Asks for a free sample".into()],
            thoughts: vec!["Free, why not?".into()],
            emotion: Some(1.0),
            metrics: [
                ("reach".to_string(), 1200.0),
                ("conversion_rate".to_string(), 0.35),
            ]
            .into(),
            ..Step::new("try", Some("sample_form"))
        },
        Step {
            emotion: Some(-1.0),
            pain_points: vec!["Price only shown after sign-up".into()],
            opportunities: vec!["Show the price next to the sample".into()],
            metrics: [("drop_off".to_string(), 0.4)].into(),
            ..Step::new("subscribe", None)
        },
        Step {
            actions: vec!["Opens the welcome email".into()],
            emotion: Some(0.5),
            metrics: [("csat".to_string(), 0.8), ("nps".to_string(), 21.0)].into(),
            ..Step::new("subscribe", Some("welcome_email"))
        },
        Step {
            actions: vec!["Finds the box in the letterbox".into()],
            thoughts: vec!["It fits!".into()],
            emotion: Some(2.0),
            ..Step::new("enjoy", Some("letterbox"))
        },
    ];
    map
}

// ------------------------------------------------------------------------------------------
// Fixtures for the charts

fn funnel() -> FunnelChart {
    FunnelChart::new(
        "Checkout funnel (14-day window)",
        [
            ("product_page", 21377),
            ("cart", 6843),
            ("checkout_shipping", 5338),
            ("checkout_payment", 3310),
            ("purchase", 3078),
        ],
    )
}

fn heatmap() -> Heatmap {
    let rows = [
        "2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05", "2026-W06",
    ];
    let cols: Vec<String> = (0..6).map(|k| k.to_string()).collect();
    let cells = (0..6)
        .map(|r| {
            (0..6)
                .map(|c| {
                    if r + c >= 6 {
                        None
                    } else if c == 0 {
                        Some(1.0)
                    } else {
                        Some(0.42 / c as f64 + 0.01 * r as f64)
                    }
                })
                .collect()
        })
        .collect();
    Heatmap {
        title: "Weekly cohorts: returning purchasers".into(),
        row_title: "cohort".into(),
        col_title: "weeks since first purchase".into(),
        row_labels: rows.iter().map(|s| s.to_string()).collect(),
        col_labels: cols,
        cells,
        row_sizes: vec![412, 388, 430, 1295, 402, 377],
    }
}

fn bars() -> GroupedBars {
    GroupedBars {
        title: "Conversions credited to each channel".into(),
        groups: ["email", "search", "social", "web", "store"]
            .map(String::from)
            .to_vec(),
        series: [
            "first_touch",
            "last_touch",
            "linear",
            "position_based",
            "markov",
            "shapley",
        ]
        .map(String::from)
        .to_vec(),
        values: vec![
            vec![40.0, 120.0, 80.5, 75.0, 88.2, 84.0],
            vec![160.0, 60.0, 101.0, 110.0, 97.4, 99.0],
            vec![210.0, 25.0, 96.0, 120.0, 101.9, 103.0],
            vec![60.0, 250.0, 170.5, 140.0, 160.3, 162.0],
            vec![10.0, 25.0, 32.0, 35.0, 32.2, 32.0],
        ],
        value_label: "conversions".into(),
    }
}

fn sankey() -> Sankey {
    let p = |s: &[&str], count, converted| SankeyPath {
        steps: s.iter().map(|x| x.to_string()).collect(),
        count,
        converted,
    };
    Sankey {
        title: "Top paths".into(),
        paths: vec![
            p(&["social", "web"], 420, true),
            p(&["social", "web"], 1800, false),
            p(&["search", "web", "email"], 310, true),
            p(&["search", "web"], 950, false),
            p(&["email", "web"], 280, true),
            p(&["social"], 2600, false),
            p(&["search", "web", "email", "web"], 150, true),
            p(&["store"], 60, true),
        ],
        max_steps: 6,
    }
}

fn intervals() -> IntervalChart {
    let r = |l: &str, e: Option<f64>, lo: f64, hi: f64, n| IntervalRow {
        label: l.into(),
        estimate: e,
        lo: e.map(|_| lo),
        hi: e.map(|_| hi),
        n,
    };
    IntervalChart {
        title: "NPS by touchpoint (95% CI)".into(),
        rows: vec![
            r("checkout_shipping", Some(-21.0), -33.5, -8.5, 212),
            r("delivery_tracking", Some(34.0), 26.1, 41.9, 530),
            r("support_chat", Some(-4.0), -22.0, 14.0, 96),
            r("referral_code", Some(52.0), 38.0, 66.0, 71),
            r("parcel_locker", None, 0.0, 0.0, 0),
        ],
        min: Some(-100.0),
        max: Some(100.0),
        reference: Some(12.5),
        value_label: "NPS".into(),
    }
}

/// A busy map: 25 touchpoints with long names over 5 stages, every lane filled.
fn busy_map() -> JourneyMap {
    use journey_core::{Persona, Step, Touchpoint};
    let mut map =
        JourneyMap::new("A busy map with twenty-five touchpoints and rather long names everywhere");
    map.description = "Stress test for the layout: long identifiers, many steps per stage, several notes per cell.".into();
    let mut p = Persona::new("Alexandra Konstantinopoulou-Smythe");
    p.goals = vec![
        "A goal that is long enough to wrap onto more than one line in the persona card".into(),
    ];
    p.frustrations = vec!["Waiting".into()];
    map.personas.push(p);
    let channels = [
        "web",
        "email",
        "social",
        "store",
        "support",
        "app",
        "partner_marketplace_integration",
        "sms",
    ];
    for i in 0..25 {
        let stage = map.stages[i % 5].name.clone();
        let name = if i % 3 == 0 {
            format!("touchpoint_with_a_very_long_identifier_number_{i}")
        } else {
            format!("tp_{i}")
        };
        map.touchpoints.push(Touchpoint {
            name: name.clone(),
            channel: channels[i % channels.len()].into(),
            stage: Some(stage.clone()),
            kind: Default::default(),
        });
        let mut s = Step::new(stage, Some(&name));
        s.emotion = Some(((i * 7) % 9) as f64 / 2.0 - 2.0);
        s.actions = vec![format!(
            "Does something rather involved at step {i} that takes a few words to describe"
        )];
        if i % 2 == 0 {
            s.thoughts = vec![format!("I wonder what happens at {name}?")];
            s.pain_points = vec![format!(
                "Pain at {name}: slow, confusing, and the page times out"
            )];
        }
        if i % 4 == 0 {
            s.opportunities = vec!["Do better".into()];
        }
        s.metrics.insert("reach".into(), 1000.0 * (25 - i) as f64);
        s.metrics.insert("conversion_rate".into(), 0.01 * i as f64);
        s.metrics.insert("drop_off".into(), 0.5);
        s.metrics.insert("nps".into(), -20.0 + i as f64);
        s.metrics
            .insert("a_custom_metric_with_a_long_name".into(), 123456.789);
        map.steps.push(s);
    }
    map
}

/// The busy map with all 25 touchpoints in one stage, some with CJK names.
fn crowded_map() -> JourneyMap {
    let mut crowded = busy_map();
    for (i, t) in crowded.touchpoints.iter_mut().enumerate() {
        t.stage = Some("purchase".into());
        if i % 5 == 1 {
            t.name = format!("結帳頁面_{i}_支付與運送選項");
        }
    }
    let names: Vec<String> = crowded.touchpoints.iter().map(|t| t.name.clone()).collect();
    for (s, name) in crowded.steps.iter_mut().zip(&names) {
        s.stage = "purchase".into();
        s.touchpoint = Some(name.clone());
    }
    crowded
}

fn sample_page() -> HtmlPage {
    let mut page = HtmlPage::new("Journey report");
    page.subtitle = "Synthetic data, 2026-01-01 to 2026-03-31".into();
    page.section("Journey map")
        .paragraph("The designed journey of the online shop.")
        .svg(map_svg(&small_map(), &MapSvgOptions::default()).unwrap());
    page.section("Checkout")
        .svg(funnel().to_svg().unwrap())
        .table(
            Table::new(["step", "customers", "drop-off"])
                .caption("Funnel steps")
                .row(["product_page", "21,377", ""])
                .row(["cart", "6,843", "68.0%"]),
        );
    page
}

/// Every picture of this file, by snapshot name.
fn pictures() -> Vec<(&'static str, String)> {
    vec![
        (
            "map_small.svg",
            map_svg(&small_map(), &MapSvgOptions::default()).unwrap(),
        ),
        ("funnel.svg", funnel().to_svg().unwrap()),
        ("heatmap.svg", heatmap().to_svg().unwrap()),
        ("grouped_bars.svg", bars().to_svg().unwrap()),
        ("sankey.svg", sankey().to_svg().unwrap()),
        ("intervals.svg", intervals().to_svg().unwrap()),
    ]
}

// ------------------------------------------------------------------------------------------
// The map

#[test]
fn example_map_validates_and_round_trips() {
    let map = example_map();
    assert_eq!(map.personas.len(), 2);
    let again = JourneyMap::from_json(&map.to_json().unwrap()).unwrap();
    assert_eq!(again, map);
}

#[test]
fn map_svg_parses_and_names_every_stage_and_touchpoint() {
    let map = example_map();
    for persona in &map.personas {
        let opts = MapSvgOptions {
            persona: Some(persona.name.clone()),
            ..Default::default()
        };
        let svg = map_svg(&map, &opts).unwrap();
        let doc = parse(&svg);
        for s in &map.stages {
            assert!(shows(&doc, &s.name), "stage {} missing", s.name);
        }
        for t in &map.touchpoints {
            assert!(shows(&doc, &t.name), "touchpoint {} missing", t.name);
        }
        assert!(shows(&doc, &persona.name));
    }
    // The small map's touchpoint in no stage is listed under the lanes.
    let doc_svg = map_svg(&small_map(), &MapSvgOptions::default()).unwrap();
    let doc = parse(&doc_svg);
    assert!(has_text(&doc, "Touchpoints in no stage: hotline (phone)"));
}

#[test]
fn map_shows_metrics_emotion_extremes_and_notes() {
    let svg = map_svg(&small_map(), &MapSvgOptions::default()).unwrap();
    let doc = parse(&svg);
    let all = texts(&doc);
    // Metrics, formatted: counts with separators, fractions as percentages, NPS signed.
    for want in [
        "Reach", "1,200", "35.0%", "Drop-off", "40.0%", "CSAT", "80.0%", "+21",
    ] {
        assert!(all.iter().any(|t| t == want), "{want} not drawn: {all:?}");
    }
    // The stage-level step's metrics get their own card.
    assert!(has_text(&doc, "subscribe (stage figures)"));
    // Highest and lowest emotion are labelled with where they were felt.
    assert!(
        all.iter().any(|t| t == "High \u{b7} letterbox (+2)"),
        "{all:?}"
    );
    // The lowest is felt in the subscribe stage as a whole (a step without a touchpoint): the
    // label says so, and its point is a ring (white inside, the negative colour around), while
    // the touchpoints' points are filled.
    assert!(
        all.iter()
            .any(|t| t == "Low \u{b7} subscribe stage (\u{2212}1)"),
        "{all:?}"
    );
    let points: Vec<(String, String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("emotion"))
        .map(|g| {
            let title = g.children().find(|c| c.has_tag_name("title")).unwrap();
            let dot = g.children().find(|c| c.has_tag_name("circle")).unwrap();
            (
                title.text().unwrap().to_string(),
                dot.attribute("fill").unwrap().to_string(),
                dot.attribute("stroke").unwrap().to_string(),
            )
        })
        .collect();
    let ring = |t: &str, fill: &str, stroke: &str| (t.to_string(), fill.into(), stroke.into());
    assert_eq!(
        points,
        [
            ring("sample_form: +1", svg::POSITIVE, "#FFFFFF"),
            ring(
                "subscribe (whole stage): \u{2212}1",
                "#FFFFFF",
                svg::NEGATIVE
            ),
            ring("welcome_email: +0.5", svg::POSITIVE, "#FFFFFF"),
            ring("letterbox: +2", svg::POSITIVE, "#FFFFFF"),
        ]
    );
    assert!(all.iter().any(|t| t == "whole stage"), "legend");
    // The points without a High/Low box get a short label where there is room: each of the
    // three columns holds at most two points, so a slot of at least 750 / 3 / 2 = 125 px.
    for want in ["sample_form +1", "welcome_email +0.5"] {
        assert!(all.iter().any(|t| t == want), "{want}: {all:?}");
    }
    assert!(
        !all.iter().any(|t| t == "letterbox +2"),
        "letterbox has its High box"
    );
    // Four points in one stage of 730 px share it, 182.5 px each: "t2 +0.5" fits; a label of
    // 34 characters (about 190 px at 10 px) does not, and the point stays unlabelled.
    let four = |prefix: &str| {
        let mut m = JourneyMap::new("Four");
        m.stages = vec![Stage::new("only")];
        for (i, e) in [1.0, 0.5, -0.5, -1.0].into_iter().enumerate() {
            let name = format!("{prefix}{}", i + 1);
            m.touchpoints.push(Touchpoint {
                name: name.clone(),
                channel: "web".into(),
                stage: Some("only".into()),
                kind: Kind::Digital,
            });
            m.steps.push(Step {
                emotion: Some(e),
                ..Step::new("only", Some(&name))
            });
        }
        let svg = map_svg(&m, &MapSvgOptions::default()).unwrap();
        assert_legible(&svg);
        texts(&parse(&svg))
    };
    let short = four("t");
    assert!(short.iter().any(|t| t == "t2 +0.5"), "{short:?}");
    assert!(short.iter().any(|t| t == "t3 \u{2212}0.5"), "{short:?}");
    let long = four("a_long_touchpoint_name_number_");
    assert!(
        !long
            .iter()
            .any(|t| t == "a_long_touchpoint_name_number_2 +0.5"),
        "{long:?}"
    );
    // Stage chevrons stay within the lanes: the last tip ends 2 px inside the right edge of
    // the lanes (the canvas less its 32 px margin), as the other tips end 2 px into the next
    // column.
    let width = num_attr(doc.root_element(), "width");
    let tips: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .map(|p| {
            p.attribute("points")
                .unwrap()
                .split(' ')
                .map(|xy| xy.split(',').next().unwrap().parse::<f64>().unwrap())
                .fold(f64::MIN, f64::max)
        })
        .collect();
    assert_eq!(tips.len(), 3);
    assert_eq!(tips[2], width - 32.0 - 2.0, "{tips:?}");
    let lane_right = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("x") == Some("182"))
        .map(|r| num_attr(r, "x") + num_attr(r, "width"))
        .fold(f64::MIN, f64::max);
    assert_eq!(lane_right, width - 32.0);
    for want in [
        "Price only shown after sign-up",
        "Show the price next to the sample",
        "Asks for a free sample",
    ] {
        assert!(joined(&doc).contains(want), "{want}");
    }
    assert!(all.iter().any(|t| t == "\u{201c}It fits!\u{201d}"));
    // Four emotion points, one curve.
    let dots = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("emotion"))
        .count();
    assert_eq!(dots, 4);

    let hidden = MapSvgOptions {
        show_metrics: false,
        ..Default::default()
    };
    let doc_svg = map_svg(&small_map(), &hidden).unwrap();
    assert!(!has_text(&parse(&doc_svg), "1,200"));
}

#[test]
fn persona_selection() {
    let map = example_map();
    let first = map_svg(&map, &MapSvgOptions::default()).unwrap();
    let maya = map_svg(
        &map,
        &MapSvgOptions {
            persona: Some("Maya Okafor".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(first, maya, "the first persona is the default");
    let sam = map_svg(
        &map,
        &MapSvgOptions {
            persona: Some("Sam Lindqvist".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let sam_only = "Minimum order value for free shipping is hidden";
    assert!(joined(&parse(&sam)).contains(sam_only));
    assert!(!joined(&parse(&maya)).contains(sam_only));
    // Sam's own emotion at checkout_shipping replaces the shared one: one point per place.
    let count = |svg: &str| {
        parse(svg)
            .descendants()
            .filter(|n| n.attribute("class") == Some("emotion"))
            .count()
    };
    assert_eq!(count(&sam), count(&maya));
    assert!(has_text(
        &parse(&sam),
        "Low \u{b7} checkout_shipping (\u{2212}2)"
    ));
    assert!(has_text(
        &parse(&maya),
        "Low \u{b7} checkout_shipping (\u{2212}1.5)"
    ));

    let e = map_svg(
        &map,
        &MapSvgOptions {
            persona: Some("Nobody".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.to_string().contains("Maya Okafor, Sam Lindqvist"), "{e}");
    for w in [100.0, 900.0, f64::NAN] {
        let e = map_svg(
            &map,
            &MapSvgOptions {
                column_width: w,
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
    }
}

#[test]
fn invalid_and_sparse_maps() {
    let mut bad = small_map();
    bad.steps[0].emotion = Some(f64::NAN);
    assert_eq!(
        map_svg(&bad, &MapSvgOptions::default()).unwrap_err().code(),
        "invalid_map"
    );

    // No personas, no steps, or no stages at all: still a valid picture.
    let bare = JourneyMap::new("Bare");
    let svg = map_svg(&bare, &MapSvgOptions::default()).unwrap();
    let doc = parse(&svg);
    for s in &bare.stages {
        assert!(shows(&doc, &s.name));
    }
    let mut none = JourneyMap::new("No stages");
    none.stages.clear();
    assert!(has_text(
        &parse(&map_svg(&none, &MapSvgOptions::default()).unwrap()),
        "This map has no stages."
    ));
    // A single emotion point: labelled once, no curve.
    let mut one = JourneyMap::new("One");
    one.steps.push(Step {
        emotion: Some(0.5),
        ..Step::new("purchase", None)
    });
    let svg = map_svg(&one, &MapSvgOptions::default()).unwrap();
    assert!(has_text(
        &parse(&svg),
        "Emotion \u{b7} purchase stage (+0.5)"
    ));
    assert_legible(&svg);
}

#[test]
fn hostile_strings_are_drawn_as_text() {
    let mut map = JourneyMap::new(HOSTILE);
    map.description = HOSTILE.into();
    let mut p = Persona::new(HOSTILE);
    p.description = HOSTILE.into();
    p.demographics.insert(HOSTILE.into(), HOSTILE.into());
    p.goals = vec![HOSTILE.into()];
    p.preferred_channels = vec![HOSTILE.into()];
    map.personas.push(p);
    map.stages = vec![Stage {
        name: HOSTILE.into(),
        description: HOSTILE.into(),
    }];
    map.touchpoints.push(Touchpoint {
        name: "<script>alert(1)</script>".into(),
        channel: HOSTILE.into(),
        stage: Some(HOSTILE.into()),
        kind: Kind::Physical,
    });
    map.touchpoints.push(Touchpoint {
        name: "bell\u{7}nul\u{0}".into(),
        channel: "x".into(),
        stage: None,
        kind: Kind::Digital,
    });
    map.steps.push(Step {
        actions: vec![HOSTILE.into()],
        thoughts: vec![HOSTILE.into()],
        emotion: Some(-1.0),
        pain_points: vec![HOSTILE.into()],
        opportunities: vec![HOSTILE.into()],
        metrics: [(HOSTILE.to_string(), 1.5)].into(),
        ..Step::new(HOSTILE, Some("<script>alert(1)</script>"))
    });
    let svg = map_svg(
        &map,
        &MapSvgOptions {
            column_width: 800.0,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!svg.contains("<script"), "raw markup in output");
    let doc = parse(&svg);
    assert!(
        texts(&doc).iter().any(|t| t == "<script>alert(1)</script>"),
        "touchpoint not drawn as text"
    );
    assert!(has_text(&doc, HOSTILE));
    // Characters XML forbids become U+FFFD instead of breaking the document.
    assert!(has_text(&doc, "bell\u{FFFD}nul\u{FFFD}"));

    let charts = [
        FunnelChart::new(HOSTILE, [(HOSTILE, 10), ("<script>alert(1)</script>", 5)])
            .to_svg()
            .unwrap(),
        Heatmap {
            title: HOSTILE.into(),
            row_title: HOSTILE.into(),
            col_title: HOSTILE.into(),
            row_labels: vec!["<script>alert(1)</script>".into()],
            col_labels: vec![HOSTILE.into()],
            cells: vec![vec![Some(0.5)]],
            row_sizes: vec![],
        }
        .to_svg()
        .unwrap(),
        GroupedBars {
            title: HOSTILE.into(),
            groups: vec!["<script>alert(1)</script>".into()],
            series: vec![HOSTILE.into()],
            values: vec![vec![1.0]],
            value_label: HOSTILE.into(),
        }
        .to_svg()
        .unwrap(),
        Sankey {
            title: HOSTILE.into(),
            paths: vec![SankeyPath {
                steps: vec!["<script>alert(1)</script>".into(), HOSTILE.into()],
                count: 3,
                converted: true,
            }],
            ..Default::default()
        }
        .to_svg()
        .unwrap(),
        IntervalChart {
            title: HOSTILE.into(),
            rows: vec![IntervalRow {
                label: "<script>alert(1)</script>".into(),
                estimate: Some(1.0),
                lo: Some(0.0),
                hi: Some(2.0),
                n: 3,
            }],
            value_label: HOSTILE.into(),
            ..Default::default()
        }
        .to_svg()
        .unwrap(),
    ];
    for svg in &charts {
        assert!(!svg.contains("<script"));
        let doc = parse(svg);
        assert!(has_text(&doc, "<script>alert(1)</script>"), "{svg}");
        assert!(has_text(&doc, HOSTILE));
    }

    let mut page = HtmlPage::new(HOSTILE);
    page.subtitle = HOSTILE.into();
    page.section(HOSTILE)
        .paragraph(HOSTILE)
        .svg(charts[0].clone())
        .table(
            Table::new([HOSTILE])
                .caption(HOSTILE)
                .row(["<script>alert(1)</script>"]),
        );
    page.section("second");
    let html = page.to_html().unwrap();
    assert!(!html.contains("<script"), "raw markup in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("]]>"));
}

#[test]
fn no_overlapping_labels_with_25_touchpoints() {
    let map = busy_map();
    assert_eq!(map.touchpoints.len(), 25);
    for column_width in [160.0, 250.0, 400.0] {
        let svg = map_svg(
            &map,
            &MapSvgOptions {
                column_width,
                ..Default::default()
            },
        )
        .unwrap();
        assert_legible(&svg);
        let doc = parse(&svg);
        for t in &map.touchpoints {
            assert!(shows(&doc, &t.name), "{} at {column_width}", t.name);
        }
    }
    // All 25 in one stage, and wide characters.
    let crowded = crowded_map();
    let names: Vec<String> = crowded.touchpoints.iter().map(|t| t.name.clone()).collect();
    let svg = map_svg(&crowded, &MapSvgOptions::default()).unwrap();
    assert_legible(&svg);
    // The crowded stage spreads its cards over sub-columns instead of one very tall column.
    let height = |svg: &str| num_attr(parse(svg).root_element(), "height");
    let busy = map_svg(&busy_map(), &MapSvgOptions::default()).unwrap();
    assert!(
        height(&svg) < 1.5 * height(&busy),
        "{} vs {}",
        height(&svg),
        height(&busy)
    );
    let doc = parse(&svg);
    for name in &names {
        assert!(shows(&doc, name), "{name}");
    }
    for (_, svg) in pictures() {
        assert_legible(&svg);
    }
    assert_legible(&map_svg(&example_map(), &MapSvgOptions::default()).unwrap());
}

#[test]
#[should_panic(expected = "labels overlap")]
fn the_overlap_check_catches_overlaps() {
    assert_legible(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"50\">\
         <text x=\"10\" y=\"20\" font-size=\"12\">first label</text>\
         <g transform=\"translate(40,4)\"><text x=\"0\" y=\"20\" font-size=\"12\">second</text></g></svg>",
    );
}

// ------------------------------------------------------------------------------------------
// The charts

#[test]
fn funnel_shows_counts_shares_and_drop_off() {
    let svg = funnel().to_svg().unwrap();
    let doc = parse(&svg);
    let all = texts(&doc);
    // 21,377 -> 6,843: 14,534 lost, 14534 / 21377 = 68.0%; 3,078 / 21,377 = 14.4% of start.
    assert!(
        all.iter()
            .any(|t| t == "\u{25bc} 68.0% drop-off (\u{2212}14,534)"),
        "{all:?}"
    );
    assert!(all.iter().any(|t| t == "14.4% of start"));
    assert!(all.iter().any(|t| t == "21,377"));
    // A step with more customers than the one before, and a zero start.
    let odd = FunnelChart::new("", [("a", 0), ("b", 0), ("c", 4)])
        .to_svg()
        .unwrap();
    let all = texts(&parse(&odd));
    assert!(all.iter().any(|t| t == "\u{2013}"));
    assert!(
        all.iter().any(|t| t == "\u{25b2} \u{2013} more (+4)"),
        "{all:?}"
    );
}

#[test]
fn heatmap_marks_unobservable_cells() {
    let h = heatmap();
    let svg = h.to_svg().unwrap();
    let doc = parse(&svg);
    let hatched = doc
        .descendants()
        .filter(|n| {
            n.tag_name().name() == "rect"
                && n.attribute("fill")
                    .is_some_and(|f| f.starts_with("url(#") && f.ends_with("-na)"))
        })
        .count();
    let missing = h.cells.iter().flatten().filter(|c| c.is_none()).count();
    assert_eq!(
        hatched,
        missing + 1,
        "one hatched rect per None cell plus the key"
    );
    assert!(has_text(&doc, "2026-W04, 3: not observable"));
    assert!(texts(&doc).iter().any(|t| t == "42.0%"));
    assert!(texts(&doc).iter().any(|t| t == "1,295"));
}

#[test]
fn charts_reject_inconsistent_input() {
    let mut h = heatmap();
    h.cells[2].pop();
    assert_eq!(h.to_svg().unwrap_err().code(), "invalid_argument");
    let mut h = heatmap();
    h.cells[0][1] = Some(f64::INFINITY);
    assert!(h.to_svg().is_err());
    let mut h = heatmap();
    h.row_sizes.pop();
    assert!(h.to_svg().is_err());
    let mut b = bars();
    b.values[1].push(1.0);
    assert!(b.to_svg().is_err());
    let mut i = intervals();
    i.rows[0].lo = Some(10.0);
    i.rows[0].hi = Some(0.0);
    assert!(i.to_svg().unwrap_err().to_string().contains("row 0"));
    let mut i = intervals();
    i.min = Some(5.0);
    i.max = Some(5.0);
    assert!(i.to_svg().is_err());
    let s = Sankey {
        max_steps: 1,
        ..sankey()
    };
    assert!(s.to_svg().is_err());
}

#[test]
fn empty_charts_say_so() {
    let empty = [
        FunnelChart::default().to_svg().unwrap(),
        Heatmap::default().to_svg().unwrap(),
        GroupedBars::default().to_svg().unwrap(),
        Sankey::default().to_svg().unwrap(),
        Sankey {
            paths: vec![SankeyPath::default()],
            ..Default::default()
        }
        .to_svg()
        .unwrap(),
        IntervalChart::default().to_svg().unwrap(),
    ];
    for svg in &empty {
        let doc = parse(svg);
        assert!(texts(&doc).iter().any(|t| t.starts_with("No ")), "{svg}");
    }
}

#[test]
fn sankey_flows_add_up() {
    let svg = sankey().to_svg().unwrap();
    let doc = parse(&svg);
    let all = texts(&doc);
    // Step 1: social = 420 + 1800 + 2600 = 4,820; converted after two steps: 420 + 280 = 700.
    assert!(all.iter().any(|t| t == "social (4,820)"), "{all:?}");
    assert!(all.iter().any(|t| t == "converted (700)"));
    assert!(all.iter().any(|t| t == "no conversion (2,600)"));
    // Long paths end in an ellipsis node.
    let long = Sankey {
        paths: vec![SankeyPath {
            steps: (0..9).map(|i| format!("t{i}")).collect(),
            count: 5,
            converted: false,
        }],
        max_steps: 3,
        ..Default::default()
    };
    let all = texts(&parse(&long.to_svg().unwrap()));
    assert!(all.iter().any(|t| t == "\u{2026} (5)"));
    assert!(!all.iter().any(|t| t.starts_with("t2")));
    assert_legible(&long.to_svg().unwrap());
    // Many small paths: labels still apart.
    let many = Sankey {
        paths: (0..40)
            .map(|i| SankeyPath {
                steps: vec![
                    format!("channel_{}", i % 13),
                    format!("touchpoint_{}", i % 17),
                    format!("x{}", i % 5),
                ],
                count: 1 + (i * 37 % 500) as u64,
                converted: i % 3 == 0,
            })
            .collect(),
        ..Default::default()
    };
    assert_legible(&many.to_svg().unwrap());
}

#[test]
fn intervals_without_data_and_auto_axis() {
    let svg = intervals().to_svg().unwrap();
    let all = texts(&parse(&svg));
    assert!(all.iter().any(|t| t == "no data"));
    assert!(
        all.iter()
            .any(|t| t == "\u{2212}21.0  [\u{2212}33.5, \u{2212}8.5]"),
        "{all:?}"
    );
    assert!(all.iter().any(|t| t == "overall +12.5"));
    // Axis from the data when min and max are not given: CSAT 71.2..93.0 -> 70..95 ticks.
    let auto = IntervalChart {
        rows: vec![IntervalRow {
            label: "a".into(),
            estimate: Some(80.0),
            lo: Some(71.2),
            hi: Some(93.0),
            n: 40,
        }],
        ..Default::default()
    };
    let all = texts(&parse(&auto.to_svg().unwrap()));
    assert!(
        all.iter().any(|t| t == "70") && all.iter().any(|t| t == "95"),
        "{all:?}"
    );
    assert!(all.iter().any(|t| t == "80.0  [71.2, 93.0]"));
}

// ------------------------------------------------------------------------------------------
// The page

#[test]
fn html_page_is_self_contained() {
    let html = sample_page().to_html().unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    for forbidden in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "src=",
        "@import",
        "url(http",
        "href=\"http",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<a href=\"#section-2\">Checkout</a>"));
    // Numeric columns are right-aligned; blank cells do not spoil the detection.
    assert!(html.contains("<th scope=\"col\" class=\"num\">customers</th>"));
    assert!(html.contains("<td class=\"num\">68.0%</td>"));
    assert!(html.contains("<td>product_page</td>"));

    // Everything this module draws is accepted as an SVG block.
    let mut all = HtmlPage::new("all");
    let section = all.section("pictures");
    for (_, svg) in pictures() {
        section.svg(svg);
    }
    section.svg(map_svg(&example_map(), &MapSvgOptions::default()).unwrap());
    section.svg(map_svg(&busy_map(), &MapSvgOptions::default()).unwrap());
    section.svg(FunnelChart::default().to_svg().unwrap());
    assert_eq!(all.to_html().unwrap().matches("<svg").count(), 9);

    let mut bad = HtmlPage::new("x");
    bad.section("s").svg("<svg><script>alert(1)</script></svg>");
    assert_eq!(bad.to_html().unwrap_err().code(), "invalid_argument");
    let mut ragged = HtmlPage::new("x");
    ragged.section("s").table(Table::new(["a", "b"]).row(["1"]));
    assert!(ragged
        .to_html()
        .unwrap_err()
        .to_string()
        .contains("row 1 has 1 cells for 2 columns"));
}

#[test]
fn page_round_trips_through_json() {
    let page = sample_page();
    let json = serde_json::to_string(&page).unwrap();
    let back: HtmlPage = serde_json::from_str(&json).unwrap();
    assert_eq!(back, page);
    let from_json: FunnelChart =
        serde_json::from_str(r#"{"title": "t", "steps": [{"label": "a", "count": 3}]}"#).unwrap();
    assert_eq!(from_json, FunnelChart::new("t", [("a", 3)]));
    assert!(serde_json::from_str::<MapSvgOptions>(r#"{"persona": "x", "colour": 1}"#).is_err());
}

// ------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    let mut files: Vec<(&str, String)> = pictures();
    files.push(("page.html", sample_page().to_html().unwrap()));
    for (name, actual) in files {
        let path: PathBuf = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing; run with UPDATE_SNAPSHOTS=1", path.display()));
        if expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(actual.lines().count()));
            stale.push(format!(
                "{name}: first difference at line {}:\n  expected: {}\n  actual:   {}",
                line + 1,
                expected.lines().nth(line).unwrap_or("<end>"),
                actual.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ (look at the pictures, then rerun with UPDATE_SNAPSHOTS=1):\n{}",
        stale.join("\n")
    );
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(pictures(), pictures());
    let map = example_map();
    assert_eq!(
        map_svg(&map, &MapSvgOptions::default()).unwrap(),
        map_svg(&map.clone(), &MapSvgOptions::default()).unwrap()
    );
}

#[test]
fn gallery() {
    let Ok(dir) = std::env::var("RENDER_GALLERY") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let map = example_map();
    let mut out = pictures();
    for (i, p) in map.personas.iter().enumerate() {
        let opts = MapSvgOptions {
            persona: Some(p.name.clone()),
            ..Default::default()
        };
        out.push((
            ["online_shop_1.svg", "online_shop_2.svg"][i.min(1)],
            map_svg(&map, &opts).unwrap(),
        ));
    }
    out.push((
        "busy.svg",
        map_svg(&busy_map(), &MapSvgOptions::default()).unwrap(),
    ));
    let mut page = sample_page();
    page.section("All charts")
        .svg(heatmap().to_svg().unwrap())
        .svg(bars().to_svg().unwrap())
        .svg(sankey().to_svg().unwrap())
        .svg(intervals().to_svg().unwrap());
    out.push(("page.html", page.to_html().unwrap()));
    for (name, text) in out {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

// ------------------------------------------------------------------------------------------
// Properties

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,12}",
        ".{1,40}",
        prop::collection::vec(
            prop::sample::select(vec![
                "<", ">", "&", "\"", "'", "]]>", "\u{0}", "\u{1b}", "é", "界", " ", "\n", "😀"
            ]),
            1..8
        )
        .prop_map(|v| v.concat()),
    ]
    .prop_filter("non-blank", |s| !s.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_names_parse_and_are_shown(
        stage in any_name(),
        touchpoint in any_name(),
        note in any_name(),
        emotion in -2.0f64..=2.0,
    ) {
        let mut map = JourneyMap::new(note.clone());
        map.stages = vec![Stage::new(stage.clone())];
        map.touchpoints.push(Touchpoint { name: touchpoint.clone(), channel: note.clone(), stage: Some(stage.clone()), kind: Kind::Digital });
        map.steps.push(Step {
            emotion: Some(emotion),
            pain_points: vec![note.clone()],
            ..Step::new(stage.clone(), Some(&touchpoint))
        });
        let svg = map_svg(&map, &MapSvgOptions::default()).unwrap();
        let doc = parse(&svg);
        // Titles carry the full names, cleaned (whitespace collapsed, forbidden characters replaced).
        let clean = journey_core::render::svg::clean;
        prop_assert!(has_text(&doc, &clean(&stage)));
        prop_assert!(has_text(&doc, &clean(&touchpoint)));
        assert_legible(&svg);

        let chart = FunnelChart::new(note.clone(), [(stage.clone(), 3), (touchpoint.clone(), 1)]).to_svg().unwrap();
        let doc = parse(&chart);
        prop_assert!(has_text(&doc, &clean(&touchpoint)));
        let mut page = HtmlPage::new(note.clone());
        page.section(stage.clone()).svg(chart.clone()).table(Table::new([touchpoint.clone()]).row([note.clone()]));
        let html = page.to_html().unwrap();
        prop_assert!(!html.contains("<script"));
    }
}

// ------------------------------------------------------------------------------------------
// The docs

/// The ```json blocks of a docs page.
fn json_blocks(page: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs")
            .join(page),
    )
    .unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```json") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn map_format_examples_are_valid() {
    let blocks = json_blocks("map-format.md");
    assert!(blocks.len() >= 2);
    let mut maps = 0;
    for b in &blocks {
        let v: serde_json::Value = serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}:\n{b}"));
        if v.get("format").is_some() {
            let map = JourneyMap::from_json(b).unwrap();
            let svg = map_svg(&map, &MapSvgOptions::default()).unwrap();
            assert_legible(&svg);
            maps += 1;
        }
    }
    assert!(maps >= 1);
}

#[test]
fn rendering_doc_examples_deserialise() {
    let blocks = json_blocks("rendering.md");
    assert_eq!(blocks.len(), 7, "one JSON example per chart and the page");
    serde_json::from_str::<FunnelChart>(&blocks[0])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<Heatmap>(&blocks[1])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<GroupedBars>(&blocks[2])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<Sankey>(&blocks[3])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<IntervalChart>(&blocks[4])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<TrendChart>(&blocks[5])
        .unwrap()
        .to_svg()
        .unwrap();
    serde_json::from_str::<HtmlPage>(&blocks[6])
        .unwrap()
        .to_html()
        .unwrap();
}

// ------------------------------------------------------------------------------------------
// Charts of metric results (adapters), by hand

fn small_log(csv: &str) -> journey_core::EventLog {
    journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap()
}

#[test]
fn funnel_and_top_paths_charts_from_results() {
    use journey_core::metrics::funnel::{funnel, FunnelOptions};
    use journey_core::metrics::path_stats::{path_stats, PathStatsOptions};
    // a: ad, site, purchase. b: ad, site. c: ad. d: site, purchase. e: purchase (no touches).
    let log = small_log(
        "customer_id,timestamp,touchpoint\n\
         a,1,ad\na,2,site\na,3,purchase\nb,1,ad\nb,2,site\nc,1,ad\n\
         d,1,site\nd,2,purchase\ne,1,purchase\n",
    );
    let opts: FunnelOptions =
        serde_json::from_value(serde_json::json!({"steps": ["ad", "site", "purchase"]})).unwrap();
    let chart = FunnelChart::from_funnel(&funnel(&log, &opts).unwrap(), "Checkout");
    let steps: Vec<(&str, u64)> = chart
        .steps
        .iter()
        .map(|s| (s.label.as_str(), s.count))
        .collect();
    assert_eq!(steps, [("ad", 3), ("site", 2), ("purchase", 1)]);
    assert!(has_text(&parse(&chart.to_svg().unwrap()), "Checkout"));

    // Variants: [ad, site] x2 (a converts), [ad], [site] (d converts), [] (e converts).
    let stats = path_stats(&log, &PathStatsOptions::default()).unwrap();
    let sankey = Sankey::from_path_stats(&stats, "Paths", 3);
    let paths: Vec<(String, u64, bool)> = sankey
        .paths
        .iter()
        .map(|p| (p.steps.join(">"), p.count, p.converted))
        .collect();
    // Every split part has one journey: by the path (the empty one first), converting first.
    assert_eq!(
        paths,
        [
            (String::new(), 1, true),
            ("ad".to_string(), 1, false),
            ("ad>site".to_string(), 1, true)
        ]
    );
    let svg = sankey.to_svg().unwrap();
    let doc = parse(&svg);
    assert!(has_text(&doc, "Paths"));
    // Top 0 draws every split part, as `top = 0` lists every variant: [ad, site] converting and
    // not, [ad], [site], [] (5 parts of 5 journeys).
    let all = Sankey::from_path_stats(&stats, "Paths", 0);
    assert_eq!(all.paths.len(), 5);
    assert_eq!(all.paths.iter().map(|p| p.count).sum::<u64>(), 5);
    // Nothing to draw is a picture that says so, not an error.
    let empty = small_log("customer_id,timestamp,touchpoint\n");
    let stats = path_stats(&empty, &PathStatsOptions::default()).unwrap();
    parse(
        &Sankey::from_path_stats(&stats, "Paths", 5)
            .to_svg()
            .unwrap(),
    );
}

// ------------------------------------------------------------------------------------------
// Adversarial sizes (issue 16): what a picture draws is capped, and says so.

/// A word of 200,000 characters wraps into pieces that each fit and together give the word
/// back; with a line cap, only the kept lines are cut (the rest ends in an ellipsis).
#[test]
fn long_unbroken_words_wrap_into_fitting_pieces() {
    use journey_core::render::svg::wrap;
    let word: String = (0..200_000)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let lines = wrap(&word, 300.0, 13.0, false, 0);
    assert!(lines.len() > 1000, "{}", lines.len());
    assert!(lines.iter().all(|l| text_width(l, 13.0, false) <= 300.0));
    assert_eq!(lines.concat(), word);
    let capped = wrap(&word, 300.0, 13.0, false, 2);
    assert_eq!(capped.len(), 2);
    assert_eq!(capped[0], lines[0]);
    assert!(capped[1].ends_with('\u{2026}'));
    // Words before the long one still share a line.
    let mixed = wrap(&format!("a b {word}"), 300.0, 13.0, false, 0);
    assert!(mixed[0].starts_with("a b"));
}

/// A stage with 100 actions draws 48 of them and a note counting the other 52; a map name of
/// 300,000 characters is cut to its two title lines.
#[test]
fn crowded_cells_and_huge_names_are_capped() {
    let mut map = small_map();
    map.steps[0].actions = (0..100).map(|i| format!("action {i:03}")).collect();
    map.name = "N".repeat(300_000);
    let svg = map_svg(&map, &MapSvgOptions::default()).unwrap();
    let doc = parse(&svg);
    assert!(shows(&doc, "action 047"));
    assert!(!shows(&doc, "action 048"));
    assert!(
        shows(&doc, "\u{2026} and 52 more not drawn (at most 48 per cell)"),
        "{}",
        joined(&doc)
    );
    assert_eq!(MAX_CELL_ITEMS, 48);
    // The whole name stays in the picture's title, the drawn title is two lines.
    assert!(svg.len() < 2_000_000, "{}", svg.len());
}

/// A 500 x 400 heatmap draws the first 120 rows and 60 columns and says so under the grid.
#[test]
fn large_heatmaps_draw_a_capped_part_with_a_note() {
    let (nr, nc) = (500, 400);
    let h = Heatmap {
        title: "Daily cohorts".into(),
        row_title: "cohort".into(),
        col_title: "days".into(),
        row_labels: (0..nr).map(|r| format!("day {r}")).collect(),
        col_labels: (0..nc).map(|c| c.to_string()).collect(),
        cells: (0..nr)
            .map(|r| (0..nc).map(|c| (r + c < nr).then_some(0.5)).collect())
            .collect(),
        row_sizes: vec![10; nr],
    };
    let svg = h.to_svg().unwrap();
    let doc = parse(&svg);
    let cells = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("stroke") == Some("#FFFFFF"))
        .count();
    assert_eq!(cells, MAX_HEATMAP_ROWS * MAX_HEATMAP_COLS);
    assert!(shows(&doc, "day 119") && !shows(&doc, "day 120"));
    assert!(shows(
        &doc,
        "Showing the first 120 of 500 rows and the first 60 of 400 columns; the data holds them all."
    ));
    // A heatmap within the caps has no note.
    assert!(!heatmap().to_svg().unwrap().contains("Showing the first"));
}

/// Bidirectional controls in names never reach a picture or a page.
#[test]
fn bidi_controls_are_neutralised() {
    let mut map = small_map();
    map.name = "invoice\u{202E}fdp.exe".into();
    map.touchpoints[0].name = "\u{2067}admin\u{2069}".into();
    map.steps[0].touchpoint = Some(map.touchpoints[0].name.clone());
    let svg = map_svg(&map, &MapSvgOptions::default()).unwrap();
    for c in ['\u{202E}', '\u{2067}', '\u{2069}'] {
        assert!(!svg.contains(c), "{c:?} in the SVG");
    }
    assert!(svg.contains("invoice\u{FFFD}fdp.exe"));
    let mut page = HtmlPage::new("report \u{202E}cod.exe");
    page.section("s \u{202D}x").paragraph("p \u{202B}y");
    let html = page.to_html().unwrap();
    assert!(!html.contains(['\u{202E}', '\u{202D}', '\u{202B}']));
    assert!(html.contains("report \u{FFFD}cod.exe"));
}
