//! The journey map from data and the HTML report: figures computed by hand on a small log,
//! personas, every picture parses as XML and names every stage and touchpoint, hostile names
//! stay text, options are checked, empty input works.

use journey_core::report::{report, FromDataOptions, ReportOptions, ALL_CUSTOMERS};
use journey_core::{read_events_csv, read_surveys_csv, EventLog, JourneyMap, Step, Surveys};

const HOSTILE: &str = "<script>alert(1)</script>";
const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;";

/// a: ad, site, purchase. b: ad, site (leaves at site). c: site, ad (leaves at ad).
/// d: ad, purchase, then site after buying. Personas: a, b = p1; c, d = p2.
const EVENTS: &str = "customer_id,timestamp,touchpoint,channel,stage,persona\n\
    a,1,ad,social,awareness,p1\na,2,site,web,consideration,p1\na,3,purchase,web,purchase,p1\n\
    b,1,ad,social,awareness,p1\nb,2,site,web,consideration,p1\n\
    c,1,site,web,consideration,p2\nc,2,ad,social,awareness,p2\n\
    d,1,ad,social,awareness,p2\nd,2,purchase,web,purchase,p2\nd,3,site,web,consideration,p2\n";

/// site: CSAT 1, 2 (none satisfied, mean 1.5), NPS 2, 6 (-100). purchase: CSAT 5, 4 (all
/// satisfied, mean 4.5), NPS 10, 9 (+100).
const SURVEYS: &str = "customer_id,timestamp,touchpoint,nps,csat,ces\n\
    a,4,purchase,10,5,\nb,3,site,2,1,\nc,3,site,6,2,\nd,4,purchase,9,4,\n";

fn log() -> EventLog {
    read_events_csv(EVENTS.as_bytes(), &Default::default()).unwrap()
}

fn surveys() -> Surveys {
    read_surveys_csv(SURVEYS.as_bytes(), &Default::default()).unwrap()
}

fn small_opts() -> FromDataOptions {
    FromDataOptions {
        min_customers: 1,
        min_responses: 2,
        ..Default::default()
    }
}

fn step<'a>(map: &'a JourneyMap, persona: Option<&str>, touchpoint: &str) -> &'a Step {
    map.steps
        .iter()
        .find(|s| s.persona.as_deref() == persona && s.touchpoint.as_deref() == Some(touchpoint))
        .unwrap_or_else(|| panic!("no step for {persona:?} at {touchpoint}"))
}

fn m(s: &Step, key: &str) -> Option<f64> {
    s.metrics.get(key).copied()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

// ------------------------------------------------------------------------------------------
// The map from data, by hand

#[test]
fn stages_and_touchpoints_come_from_the_log() {
    let map = JourneyMap::from_data(&log(), None, &small_opts()).unwrap();
    let stages: Vec<&str> = map.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["awareness", "consideration", "purchase"]);
    // Stage reach: all four customers touch awareness and consideration, two buy.
    assert_eq!(map.stages[0].description, "4 customers (100%)");
    assert_eq!(map.stages[2].description, "2 customers (50%)");
    let tps: Vec<(&str, &str, Option<&str>)> = map
        .touchpoints
        .iter()
        .map(|t| (t.name.as_str(), t.channel.as_str(), t.stage.as_deref()))
        .collect();
    assert_eq!(
        tps,
        [
            ("ad", "social", Some("awareness")),
            ("site", "web", Some("consideration")),
            ("purchase", "web", Some("purchase"))
        ]
    );
    map.validate().unwrap();
}

#[test]
fn reach_share_and_drop_off_by_hand() {
    let opts = FromDataOptions {
        by_persona: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log(), None, &opts).unwrap();
    assert_eq!(map.personas.len(), 1);
    assert_eq!(map.personas[0].name, ALL_CUSTOMERS);
    let (ad, site, buy) = (
        step(&map, None, "ad"),
        step(&map, None, "site"),
        step(&map, None, "purchase"),
    );
    // Everyone touches ad and site; a and d buy.
    assert!(close(m(ad, "reach"), 4.0) && close(m(ad, "journey_share"), 1.0));
    assert!(close(m(site, "reach"), 4.0));
    assert!(close(m(buy, "reach"), 2.0) && close(m(buy, "journey_share"), 0.5));
    // Drop-off: of the 4 customers at ad before converting, c ends there (1/4). Of the 3 at
    // site before converting (d's visit comes after buying), b ends there (1/3). A conversion
    // is never a drop-off point.
    assert!(close(m(ad, "drop_off"), 0.25));
    assert!(close(m(site, "drop_off"), 1.0 / 3.0));
    assert_eq!(m(buy, "drop_off"), None);
    // Without surveys: no scores, no emotion.
    assert_eq!(m(site, "csat"), None);
    assert_eq!(site.emotion, None);
    // Below the default 40% threshold: no pain point.
    assert!(ad.pain_points.is_empty() && site.pain_points.is_empty());
}

#[test]
fn conversion_rate_lift_and_priority_by_hand() {
    let opts = FromDataOptions {
        by_persona: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log(), None, &opts).unwrap();
    let (ad, site, buy) = (
        step(&map, None, "ad"),
        step(&map, None, "site"),
        step(&map, None, "purchase"),
    );
    // Paths (up to each conversion, then what follows): a [ad, site] converts, b [ad, site],
    // c [site, ad], d [ad] converts, d [site] after buying. 2 of 5 paths convert: 0.4.
    // ad is on a, b, c, d[0]: 2 of 4 convert, 0.5, lift 0.5 / 0.4 = 1.25.
    // site is on a, b, c, d[1]: 1 of 4, 0.25, lift 0.625. purchase is on no path.
    assert!(close(m(ad, "conversion_rate"), 0.5));
    assert!(close(m(ad, "lift"), 1.25));
    assert!(close(m(site, "conversion_rate"), 0.25));
    assert!(close(m(site, "lift"), 0.625));
    assert_eq!((m(buy, "conversion_rate"), m(buy, "lift")), (None, None));
    // Priority = share x lift / (1 + lift) x room (the drop-off here), to three decimals:
    // ad 1 x 1.25 / 2.25 x 0.25 = 0.1389, site 1 x 0.625 / 1.625 x 1/3 = 0.1282.
    assert!(close(m(ad, "priority"), 0.139));
    assert!(close(m(site, "priority"), 0.128));
    // ad converts 1.25x the average (>= 1.2) but everyone reaches it (not < 50%): no
    // "bring more customers" opportunity.
    assert!(ad.opportunities.is_empty());
}

#[test]
fn survey_scores_emotion_and_pain_points_by_hand() {
    let opts = FromDataOptions {
        by_persona: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log(), Some(&surveys()), &opts).unwrap();
    let (site, buy) = (step(&map, None, "site"), step(&map, None, "purchase"));
    assert!(close(m(site, "csat"), 0.0));
    assert!(close(m(site, "nps"), -100.0));
    assert!(close(m(buy, "csat"), 1.0));
    assert!(close(m(buy, "nps"), 100.0));
    // Emotion = mean CSAT answer - 3: site 1.5 - 3, purchase 4.5 - 3.
    assert_eq!(site.emotion, Some(-1.5));
    assert_eq!(buy.emotion, Some(1.5));
    // CSAT 0% < 60% and NPS -100 < 0: two pain points, an opportunity for each.
    assert_eq!(site.pain_points.len(), 2, "{:?}", site.pain_points);
    assert!(site.pain_points[0].contains("CSAT 0% (n = 2)"));
    assert!(site.pain_points[1].contains("NPS \u{2212}100 (n = 2)"));
    assert_eq!(site.opportunities.len(), 2);
    assert!(buy.pain_points.is_empty());
    // With more answers required, the scores are not used at all.
    let strict = FromDataOptions {
        min_responses: 3,
        ..opts
    };
    let map = JourneyMap::from_data(&log(), Some(&surveys()), &strict).unwrap();
    let site = step(&map, None, "site");
    assert_eq!((m(site, "csat"), site.emotion), (None, None));
    assert!(site.pain_points.is_empty());
}

#[test]
fn personas_get_their_own_steps() {
    let map = JourneyMap::from_data(&log(), Some(&surveys()), &small_opts()).unwrap();
    let names: Vec<&str> = map.personas.iter().map(|p| p.name.as_str()).collect();
    // Two customers each: ties by name.
    assert_eq!(names, [ALL_CUSTOMERS, "p1", "p2"]);
    assert!(map.steps.iter().all(|s| s.persona.is_some()));
    assert_eq!(map.personas[1].demographics["customers"], "2");
    assert_eq!(map.personas[1].demographics["share"], "50.0%");
    // p1 (a, b): b leaves at site, 1 of the 2 there: 50% >= 40%, a pain point for p1 only.
    // Only b answered about site in p1: one answer, below min_responses = 2, so no score.
    let p1_site = step(&map, Some("p1"), "site");
    assert!(close(m(p1_site, "drop_off"), 0.5));
    assert_eq!(p1_site.pain_points.len(), 1, "{:?}", p1_site.pain_points);
    assert!(p1_site.pain_points[0].contains("50% of its customers"));
    assert_eq!(m(p1_site, "csat"), None);
    // p2 (c, d): c leaves at ad, 1 of 2.
    let p2_ad = step(&map, Some("p2"), "ad");
    assert!(close(m(p2_ad, "drop_off"), 0.5));
    assert!(close(m(step(&map, Some("p2"), "site"), "drop_off"), 0.0));
    // Reach adds up over the personas.
    for tp in ["ad", "site", "purchase"] {
        let all = m(step(&map, Some(ALL_CUSTOMERS), tp), "reach").unwrap();
        let parts: f64 = ["p1", "p2"]
            .iter()
            .map(|p| m(step(&map, Some(p), tp), "reach").unwrap())
            .sum();
        assert_eq!(all, parts, "{tp}");
    }
    // Without the overall persona.
    let opts = FromDataOptions {
        all_customers: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log(), None, &opts).unwrap();
    assert_eq!(map.personas.len(), 2);
}

#[test]
fn persona_property_must_exist_when_named() {
    let opts = FromDataOptions {
        persona_property: Some("segment".into()),
        ..Default::default()
    };
    let e = JourneyMap::from_data(&log(), None, &opts).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.to_string().contains("persona"), "{e}");
}

#[test]
fn logs_without_stages() {
    let csv = "customer_id,timestamp,touchpoint\na,1,ad\na,2,purchase\nb,1,site\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let map = JourneyMap::from_data(&log, None, &Default::default()).unwrap();
    let stages: Vec<&str> = map.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["journey"]);
    assert_eq!(map.touchpoints.len(), 3);
    // Some staged, some not: the others go to a last stage.
    let csv = "customer_id,timestamp,touchpoint,stage\na,1,ad,awareness\na,2,purchase,\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let map = JourneyMap::from_data(&log, None, &Default::default()).unwrap();
    let stages: Vec<&str> = map.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["awareness", "other"]);
}

#[test]
fn max_touchpoints_keeps_the_most_reached() {
    let opts = FromDataOptions {
        max_touchpoints: 2,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log(), None, &opts).unwrap();
    let names: Vec<&str> = map.touchpoints.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["ad", "site"]);
}

#[test]
fn options_are_checked() {
    for json in [
        r#"{"drop_off_threshold": 40}"#,
        r#"{"csat_threshold": -0.1}"#,
        r#"{"nps_threshold": 150}"#,
        r#"{"max_touchpoints": 0}"#,
        r#"{"name": " "}"#,
    ] {
        let opts: FromDataOptions = serde_json::from_str(json).unwrap();
        let e = JourneyMap::from_data(&log(), None, &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{json}: {e}");
    }
    assert!(serde_json::from_str::<FromDataOptions>(r#"{"bogus": 1}"#).is_err());
    assert!(serde_json::from_str::<ReportOptions>(r#"{"map": {"bogus": 1}}"#).is_err());
}

#[test]
fn empty_log_gives_an_empty_map_and_a_report() {
    let log = EventLog::empty();
    let map = JourneyMap::from_data(&log, Some(&Surveys::empty()), &Default::default()).unwrap();
    assert!(map.touchpoints.is_empty() && map.steps.is_empty());
    parse(&map.to_svg(&Default::default()).unwrap());
    let html = report(&log, Some(&Surveys::empty()), &Default::default()).unwrap();
    check_page(&html);
}

#[test]
fn map_from_data_round_trips_as_json() {
    let (log, surveys) = journey_core::synthetic(2_000, 9);
    let map = JourneyMap::from_data(&log, Some(&surveys), &Default::default()).unwrap();
    let again = JourneyMap::from_json(&map.to_json().unwrap()).unwrap();
    assert_eq!(again, map);
}

#[test]
fn results_do_not_depend_on_row_order() {
    let mut lines: Vec<&str> = EVENTS.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = format!("{header}\n{}\n", lines.join("\n"));
    let other = read_events_csv(reversed.as_bytes(), &Default::default()).unwrap();
    let a = JourneyMap::from_data(&log(), Some(&surveys()), &small_opts()).unwrap();
    let b = JourneyMap::from_data(&other, Some(&surveys()), &small_opts()).unwrap();
    assert_eq!(a, b);
}

// ------------------------------------------------------------------------------------------
// Pictures and the page

fn parse(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    for n in doc.descendants() {
        let name = n.tag_name().name().to_ascii_lowercase();
        assert!(!matches!(name.as_str(), "script" | "foreignobject" | "a"));
    }
    doc
}

/// All text (text and tooltips) of a picture.
fn text_of(doc: &roxmltree::Document) -> String {
    doc.descendants()
        .filter(|n| matches!(n.tag_name().name(), "text" | "title"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `s` without whitespace (wrapping drops the spaces at line breaks).
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// The visible text (`<text>` and `<tspan>`, not `<title>`) of every group of the given class,
/// squeezed and joined line after line.
fn drawn(doc: &roxmltree::Document, class: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .map(|g| {
            g.descendants()
                .filter(|n| matches!(n.tag_name().name(), "text" | "tspan"))
                .filter_map(|n| n.text())
                .map(squeeze)
                .collect()
        })
        .collect()
}

/// Every `<svg>` block of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The page is self-contained: no scripts, nothing fetched, every picture parses.
fn check_page(html: &str) -> Vec<&str> {
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script in the page");
    for bad in ["<link", "<img", "<iframe", "@import", "src=", "https://"] {
        assert!(!lower.contains(bad), "{bad} in the page");
    }
    let blocks = svgs(html);
    for s in &blocks {
        parse(s);
    }
    blocks
}

#[test]
fn every_picture_of_the_report_parses_and_names_everything() {
    let (log, surveys) = journey_core::synthetic(3_000, 4);
    let opts = ReportOptions::default();
    let html = report(&log, Some(&surveys), &opts).unwrap();
    let blocks = check_page(&html);
    // The map of all customers, one per persona, attribution, retention, NPS, CSAT, CES.
    assert!(blocks.len() >= 5 + 5, "{} pictures", blocks.len());
    let map = JourneyMap::from_data(&log, Some(&surveys), &opts.map).unwrap();
    let first = parse(blocks[0]);
    // The map is drawn to fit the page's 1130 px sections: five stage columns of
    // (1130 - 214) / 5 = 183 px would be too narrow, so 200 px each, 2 x 32 px margins and the
    // 150 px lane labels: 1214 px (the page scales that last bit down).
    assert_eq!(map.stages.len(), 5);
    assert_eq!(first.root_element().attribute("width"), Some("1214"));
    assert!(html.contains("figure svg { display: block; max-width: 100%; height: auto; }"));
    // Names must be drawn in full on their own header or card (a name cut with … fails, and
    // the <title> tooltips, which always hold the full name, do not count).
    let stages = drawn(&first, "stage");
    for s in &map.stages {
        assert!(
            stages.iter().any(|t| t.starts_with(&squeeze(&s.name))),
            "stage {} not drawn in full: {stages:?}",
            s.name
        );
    }
    let cards = drawn(&first, "touchpoint");
    for t in &map.touchpoints {
        assert!(
            cards.iter().any(|c| c.starts_with(&squeeze(&t.name))),
            "touchpoint {} not drawn in full: {cards:?}",
            t.name
        );
        assert!(html.contains(&t.name));
    }
    for p in &map.personas {
        assert!(html.contains(&p.name));
    }
    // On by default: the drivers' forest plot and the funnel trend.
    assert!(html.contains("Conversion by period of entry"));
    for section in [
        "Overview",
        "Funnel",
        "Conversion drivers",
        "Top paths",
        "Attribution",
        "Retention",
    ] {
        assert!(html.contains(&format!(">{section}</h2>")), "{section}");
    }
}

#[test]
fn a_hostile_touchpoint_is_text_in_the_map_and_the_report() {
    let csv = format!(
        "customer_id,timestamp,touchpoint,channel,stage,persona\n\
         a,1,\"{HOSTILE}\",\"{HOSTILE}\",\"{HOSTILE}\",\"{HOSTILE}\"\na,2,purchase,web,purchase,x\n\
         b,1,\"{HOSTILE}\",\"{HOSTILE}\",\"{HOSTILE}\",\"{HOSTILE}\"\n"
    );
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let s = format!("customer_id,timestamp,touchpoint,nps,csat\na,3,\"{HOSTILE}\",0,1\n");
    let surveys = read_surveys_csv(s.as_bytes(), &Default::default()).unwrap();
    let opts = FromDataOptions {
        min_customers: 1,
        min_responses: 1,
        ..Default::default()
    };
    let map = JourneyMap::from_data(&log, Some(&surveys), &opts).unwrap();
    assert!(map.touchpoints.iter().any(|t| t.name == HOSTILE));
    assert!(map.personas.iter().any(|p| p.name == HOSTILE));
    // The pain point of the hostile touchpoint names it.
    assert!(map
        .steps
        .iter()
        .any(|s| s.pain_points.iter().any(|p| p.contains(HOSTILE))));
    for p in &map.personas {
        let svg = map
            .to_svg(&journey_core::render::MapSvgOptions {
                persona: Some(p.name.clone()),
                ..Default::default()
            })
            .unwrap();
        let doc = parse(&svg);
        assert!(text_of(&doc).contains(HOSTILE), "drawn as text");
        assert!(!svg.contains(HOSTILE));
    }
    let ropts = ReportOptions {
        map: opts,
        ..Default::default()
    };
    let html = report(&log, Some(&surveys), &ropts).unwrap();
    check_page(&html);
    assert!(!html.contains(HOSTILE));
    assert!(html.contains(ESCAPED));
}

#[test]
fn the_report_shows_a_designed_map() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/maps/online_shop.json"
    ))
    .unwrap();
    let designed = JourneyMap::from_json(&text).unwrap();
    let opts = ReportOptions {
        designed_map: Some(designed.clone()),
        persona_maps: false,
        ..Default::default()
    };
    let (log, surveys) = journey_core::synthetic(500, 1);
    let html = report(&log, Some(&surveys), &opts).unwrap();
    check_page(&html);
    assert!(html.contains(&format!(
        "Journey map: {}",
        designed.name.replace('\'', "&#39;")
    )));
    for p in &designed.personas {
        assert!(html.contains(&p.name), "{}", p.name);
    }
    // An invalid designed map is an error, not a broken page.
    let mut bad = designed;
    bad.steps[0].emotion = Some(9.0);
    let opts = ReportOptions {
        designed_map: Some(bad),
        ..Default::default()
    };
    assert_eq!(report(&log, None, &opts).unwrap_err().code(), "invalid_map");
}

#[test]
fn report_options_from_json() {
    let opts: ReportOptions = serde_json::from_str(
        r#"{"title": "Shop", "map": {"drop_off_threshold": 0.5}, "funnel": ["a", "purchase"],
            "funnel_window": "7d", "retention": {"period": "month", "periods": 3},
            "attribution": {"level": "touchpoint"}, "top_paths": 5, "persona_maps": false}"#,
    )
    .unwrap();
    assert_eq!(opts.map.drop_off_threshold, 0.5);
    let html = report(&log(), Some(&surveys()), &opts).unwrap();
    check_page(&html);
    assert!(html.contains("<h1>Shop</h1>"));
    let zero = ReportOptions {
        top_paths: 0,
        ..Default::default()
    };
    assert_eq!(
        report(&log(), None, &zero).unwrap_err().code(),
        "invalid_argument"
    );
}

/// The text of every table cell of the report section headed `heading`, row by row.
/// The HTML of one section, from its heading to its end.
fn section_html<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html
        .find(&format!("<h2>{heading}</h2>"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

fn section_rows(html: &str, heading: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<h2>{heading}</h2>"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let end = start + html[start..].find("</section>").unwrap();
    let section = &html[start..end];
    let mut rows = Vec::new();
    for row in section.split("<tr>").skip(1) {
        let cells: Vec<String> = row
            .split("<td")
            .skip(1)
            .map(|c| {
                let c = &c[c.find('>').unwrap() + 1..];
                c[..c.find("</td>").unwrap()].to_string()
            })
            .collect();
        if !cells.is_empty() {
            rows.push(cells);
        }
    }
    rows
}

#[test]
fn funnel_and_top_paths_of_the_report_by_hand() {
    let opts = ReportOptions {
        funnel: Some(vec!["ad".into(), "site".into(), "purchase".into()]),
        persona_maps: false,
        ..Default::default()
    };
    let html = report(&log(), None, &opts).unwrap();
    check_page(&html);
    // Ordered funnel ad -> site -> purchase: a goes all the way; b stops at site; c has no
    // site after its ad; d's site comes after its purchase, so d reaches site but not purchase.
    let funnel: Vec<Vec<String>> = section_rows(&html, "Funnel")
        .into_iter()
        .map(|r| vec![r[0].clone(), r[1].clone(), r[4].clone()])
        .collect();
    assert_eq!(
        funnel,
        [
            ["1. ad", "4", "\u{2013}"],
            ["2. site", "3", "1 (25.0%)"],
            ["3. purchase", "1", "2 (66.7%)"]
        ]
    );
    // Paths: a [ad, site] converts, b [ad, site], c [site, ad], d [ad] converts, then [site].
    // Split by outcome: [ad, site] converted 1 and not 1, [ad] converted 1, [site] not 1,
    // [site, ad] not 1: five flows of one journey each, ordered by path, converting first.
    let paths = section_rows(&html, "Top paths");
    assert_eq!(
        paths,
        [
            ["ad", "converted", "1", "1", "100.0%"],
            ["ad \u{2192} site", "converted", "1", "2", "50.0%"],
            ["ad \u{2192} site", "did not convert", "1", "2", "50.0%"],
            ["site", "did not convert", "1", "1", "0.0%"],
            ["site \u{2192} ad", "did not convert", "1", "1", "0.0%"]
        ]
    );
    let text = section_html(&html, "Top paths");
    assert!(
        text.contains("The 5 most frequent paths of touchpoints, split by outcome"),
        "{text}"
    );
    assert!(text.contains("there are 4 distinct paths"), "{text}");
    // The Sankey draws the same journeys: 2 end in a conversion, 3 do not (the end nodes, one
    // per path length, summed).
    let ends = |svg: &str, node: &str| -> u64 {
        let tag = format!("<title>{node}: ");
        svg.split(tag.as_str())
            .skip(1)
            .map(|r| r[..r.find('<').unwrap()].parse::<u64>().unwrap())
            .sum()
    };
    let sankey = svgs(text)[0];
    assert_eq!(ends(sankey, "converted"), 2, "{sankey}");
    assert_eq!(ends(sankey, "no conversion"), 3, "{sankey}");
    // With room for three, the three first of those, in the text, table and picture.
    let three = report(
        &log(),
        None,
        &ReportOptions {
            top_paths: 3,
            ..opts.clone()
        },
    )
    .unwrap();
    let rows = section_rows(&three, "Top paths");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][..2], ["ad \u{2192} site", "did not convert"]);
    let text = section_html(&three, "Top paths");
    assert!(text.contains("The 3 most frequent paths"), "{text}");
    let sankey = svgs(text)[0];
    assert_eq!(ends(sankey, "converted"), 2, "{sankey}");
    assert_eq!(ends(sankey, "no conversion"), 1, "{sankey}");
    // The Sankey shows converting and other paths; the funnel chart its steps.
    let blocks = svgs(&html);
    assert!(blocks
        .iter()
        .any(|s| s.contains("<title>Top paths</title>")));
    assert!(blocks.iter().any(|s| s.contains("<title>Funnel</title>")));
}

#[test]
fn an_early_touchpoint_that_converts_well_but_is_rarely_reached_is_an_opportunity() {
    // Paths: a [referral] converts, b [ad], c [ad], d [ad] converts: 2 of 4 convert (0.5).
    // referral: 1 of 1 converts, lift 2.0 >= 1.2, reached by 1 of 4 customers (25% < 50%),
    // in awareness, before the purchase stage.
    let csv = "customer_id,timestamp,touchpoint,channel,stage\n\
        a,1,referral,friends,awareness\na,2,purchase,web,purchase\n\
        b,1,ad,social,awareness\nc,1,ad,social,awareness\n\
        d,1,ad,social,awareness\nd,2,purchase,web,purchase\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    // The lift rule: with the conversion drivers off.
    let opts = FromDataOptions {
        by_persona: false,
        drivers: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log, None, &opts).unwrap();
    let referral = step(&map, None, "referral");
    assert!(close(m(referral, "lift"), 2.0));
    assert_eq!(
        referral.opportunities.len(),
        1,
        "{:?}",
        referral.opportunities
    );
    assert!(referral.opportunities[0].contains("2.0\u{d7} as often as average"));
    let ad = step(&map, None, "ad");
    // ad: 1 of 3 paths converts, lift (1/3) / 0.5; b and c end there (a drop-off of 2/3, a
    // pain point with its opportunity), but it is no "bring more customers" case.
    assert!(close(m(ad, "lift"), 1.0 / 3.0 / 0.5));
    assert!(close(m(ad, "drop_off"), 2.0 / 3.0));
    assert_eq!(ad.opportunities.len(), 1, "{:?}", ad.opportunities);
    assert!(!ad.opportunities[0].contains("as often as average"));

    // With the drivers (the default), referral's lift of 2 rests on one customer: its table
    // [1, 0, 1, 2] (converters / non-converters with it, then without) has Fisher's p = 1
    // (with 2 converters among 4 customers, P(a = 0) = P(a = 1) = 1/2): not significant, so
    // no "bring more customers" opportunity.
    let by_drivers = JourneyMap::from_data(
        &log,
        None,
        &FromDataOptions {
            drivers: true,
            ..opts
        },
    )
    .unwrap();
    assert!(step(&by_drivers, None, "referral").opportunities.is_empty());
    assert!(!step(&by_drivers, None, "referral")
        .metrics
        .contains_key("driver_q_value"));
}

#[test]
fn a_real_stage_called_other_is_a_stage_like_any() {
    // The data has a stage called "other" (custom stages go by name, so before "payment",
    // where the purchase is), and a touchpoint without a stage: the catch-all stage gets a
    // name of its own, and "other" counts as early.
    // Paths: a [ad] converts, b [ad], c, d, e [hotline]: 1 of 5 convert (0.2).
    // ad: 1 of 2 converts, lift 0.5 / 0.2 = 2.5 >= 1.2, reached by 2 of 5 (40% < 50%).
    let csv = "customer_id,timestamp,touchpoint,stage\n\
        a,1,ad,other\na,2,purchase,payment\nb,1,ad,other\n\
        c,1,hotline,\nd,1,hotline,\ne,1,hotline,\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    // The lift rule (drivers off): with them, ad's table [1, 1, 0, 3] has Fisher's p = 0.4
    // (P(a = 1) = C(1, 1) C(4, 1) / C(5, 2) = 4/10 is the least likely table), no driver.
    let opts = FromDataOptions {
        by_persona: false,
        drivers: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log, None, &opts).unwrap();
    let stages: Vec<&str> = map.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stages, ["other", "payment", "other (no stage)"]);
    let ad = step(&map, None, "ad");
    assert_eq!(ad.stage, "other");
    assert_eq!(step(&map, None, "hotline").stage, "other (no stage)");
    assert!(close(m(ad, "lift"), 2.5));
    // b leaves at ad (1 of 2: a drop-off pain point and its opportunity), and the early,
    // well-converting, rarely reached touchpoint's opportunity.
    assert_eq!(ad.opportunities.len(), 2, "{:?}", ad.opportunities);
    assert!(ad.opportunities[1].contains("2.5\u{d7} as often as average"));
    // The persona's frustrations: the first pain point of the most urgent touchpoints. ad:
    // priority 0.4 x 2.5 / 3.5 x 0.5 = 0.143; hotline (c, d, e leave there: 100%) never
    // converts, lift 0, priority 0.
    assert_eq!(
        map.personas[0].frustrations,
        [
            "ad: 50% of its customers end their journey there without converting (1 of 2)",
            "hotline: 100% of its customers end their journey there without converting (3 of 3)"
        ]
    );
    map.validate().unwrap();
    map.to_svg(&Default::default()).unwrap();
}

#[test]
fn the_first_conversion_stage_counts_even_when_max_touchpoints_drops_it() {
    // a: referral, purchase. b: referral. c-f: ad. Reach: ad 4, referral 2, purchase 1, so
    // max_touchpoints = 2 keeps ad and referral only. referral: 1 of 2 paths convert against 1
    // of 6 overall, lift 3.0, share 2/6 < 50%, in awareness, before the purchase stage.
    let csv = "customer_id,timestamp,touchpoint,stage\n\
        a,1,referral,awareness\na,2,purchase,purchase\nb,1,referral,awareness\n\
        c,1,ad,awareness\nd,1,ad,awareness\ne,1,ad,awareness\nf,1,ad,awareness\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let opts = FromDataOptions {
        by_persona: false,
        max_touchpoints: 2,
        drivers: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log, None, &opts).unwrap();
    let names: Vec<&str> = map.touchpoints.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["ad", "referral"]);
    let referral = step(&map, None, "referral");
    assert!(close(m(referral, "lift"), 3.0));
    let bring = referral
        .opportunities
        .iter()
        .filter(|o| o.contains("3.0\u{d7} as often as average"))
        .count();
    assert_eq!(bring, 1, "{:?}", referral.opportunities);
}

#[test]
fn the_report_draws_a_narrow_map_with_the_default_columns() {
    // Three stages: (1130 - 214) / 3 = 305 px is more than the default 250, so 250 px each:
    // 214 + 3 x 250 = 964 px.
    let html = report(&log(), None, &Default::default()).unwrap();
    let blocks = check_page(&html);
    let map = parse(blocks[0]);
    assert_eq!(map.root_element().attribute("width"), Some("964"));
}

#[test]
fn a_persona_called_all_customers() {
    let csv = "customer_id,timestamp,touchpoint,persona\n\
        a,1,ad,All customers\na,2,purchase,All customers\nb,1,ad,All customers\nc,1,ad,x\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    // With the persona of every customer, the two would share a name: a clear error first.
    let e = JourneyMap::from_data(&log, None, &small_opts()).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    let msg = e.to_string();
    assert!(msg.contains("persona_property"), "{msg}");
    assert!(msg.contains("\"All customers\""), "{msg}");
    assert!(msg.contains("all_customers to false"), "{msg}");
    // Without it, the persona of the data is a persona like any: its share of the customers
    // (2 of 3) and its own description, not those of every customer.
    let opts = FromDataOptions {
        all_customers: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log, None, &opts).unwrap();
    let p = &map.personas[0];
    assert_eq!(p.name, ALL_CUSTOMERS);
    assert_eq!(p.demographics["customers"], "2");
    assert_eq!(p.demographics["share"], "66.7%");
    assert_eq!(p.demographics["converted"], "50.0%");
    assert!(
        p.description
            .starts_with("Customers whose persona is \"All customers\": 2 customers"),
        "{}",
        p.description
    );
}

#[test]
fn a_stage_without_enough_answers_at_any_touchpoint_gets_the_pooled_emotion() {
    // consideration has site and faq with one CSAT answer each (1 and 4): neither reaches
    // min_responses = 2, together they do: mean (1 + 4) / 2 = 2.5, emotion 2.5 - 3 = -0.5.
    // purchase has two answers of its own (5 and 4): its touchpoint's emotion 4.5 - 3, and no
    // stage point. awareness has no answers: nothing.
    let csv = "customer_id,timestamp,touchpoint,stage\n\
        a,1,ad,awareness\na,2,site,consideration\na,3,faq,consideration\na,4,purchase,purchase\n\
        b,1,ad,awareness\nb,2,faq,consideration\n";
    let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    let answers = "customer_id,timestamp,touchpoint,csat\n\
        a,5,site,1\nb,5,faq,4\na,6,purchase,5\na,7,purchase,4\n";
    let surveys = read_surveys_csv(answers.as_bytes(), &Default::default()).unwrap();
    let opts = FromDataOptions {
        by_persona: false,
        ..small_opts()
    };
    let map = JourneyMap::from_data(&log, Some(&surveys), &opts).unwrap();
    let whole: Vec<(&str, Option<f64>)> = map
        .steps
        .iter()
        .filter(|s| s.touchpoint.is_none())
        .map(|s| (s.stage.as_str(), s.emotion))
        .collect();
    assert_eq!(whole, [("consideration", Some(-0.5))]);
    assert_eq!(step(&map, None, "site").emotion, None);
    assert_eq!(step(&map, None, "faq").emotion, None);
    assert_eq!(step(&map, None, "purchase").emotion, Some(1.5));
    // The stage point comes before the stage's touchpoints, and has no figures of its own
    // (so no "whole stage" card); the map draws it as a ring labelled with the stage.
    let at = map
        .steps
        .iter()
        .position(|s| s.touchpoint.is_none())
        .unwrap();
    assert_eq!(map.steps[at + 1].stage, "consideration");
    assert!(map.steps[at].metrics.is_empty());
    let svg = map.to_svg(&Default::default()).unwrap();
    assert!(svg.contains("<title>consideration (whole stage): \u{2212}0.5</title>"));
    assert!(!svg.contains("(stage figures)"));
    // The report's table of touchpoints lists the stage's pooled emotion as a row of its own.
    let page = report(
        &log,
        Some(&surveys),
        &ReportOptions {
            map: opts.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let rows = section_rows(&page, "Journey map from data");
    let stage_row = rows.iter().find(|r| r[0] == "(whole stage)").unwrap();
    assert_eq!(stage_row[1], "consideration");
    assert_eq!(stage_row[3], "\u{2013}", "no reach of its own");
    assert_eq!(stage_row[11], "\u{2212}0.5");
    // With three answers required, not even the pooled two are enough.
    let strict = FromDataOptions {
        min_responses: 3,
        ..opts
    };
    let map = JourneyMap::from_data(&log, Some(&surveys), &strict).unwrap();
    assert!(map.steps.iter().all(|s| s.touchpoint.is_some()));
}
