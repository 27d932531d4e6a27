//! The journey map from data with conversion drivers (docs/map-from-data.md, "Conversion
//! drivers"), checked by hand.

use journey_core::report::FromDataOptions;
use journey_core::{read_events_csv, JourneyMap, LoadOptions};

/// 6 customers `ad, purchase`, 8 `chat` (never convert), 2 `mail` (never convert).
fn log() -> journey_core::EventLog {
    let mut csv = String::from("customer_id,timestamp,touchpoint\n");
    for i in 0..6 {
        csv.push_str(&format!("a{i},0,ad\na{i},10,purchase\n"));
    }
    for i in 0..8 {
        csv.push_str(&format!("c{i},0,chat\n"));
    }
    for i in 0..2 {
        csv.push_str(&format!("m{i},0,mail\n"));
    }
    read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
}

fn step<'a>(m: &'a JourneyMap, tp: &str) -> &'a journey_core::model::Step {
    m.steps
        .iter()
        .find(|s| s.touchpoint.as_deref() == Some(tp))
        .unwrap()
}

#[test]
fn drivers_make_opportunities_and_pain_points() {
    // Fisher's exact test, 16 customers of whom 6 convert:
    // - ad: all 6 with it convert, none of the 10 without: the only table as extreme has
    //   probability 1 / C(16, 6) = 1/8008, p = 0.000125;
    // - chat: none of its 8 converts (6 of the 8 without do): tables with 0 or 6 converters
    //   among 8, (C(10, 8) + C(10, 2)) / C(16, 8) = 90/12870, p = 0.00699;
    // - mail: none of its 2 converts: (C(10, 2) + C(6, 2)) / C(16, 2) = 60/120, p = 0.5.
    // Benjamini-Hochberg over 3: q = 0.000375, 0.0105, 0.5: ad and chat are significant.
    let opts = FromDataOptions {
        drivers: true,
        min_customers: 1,
        ..Default::default()
    };
    let m = JourneyMap::from_data(&log(), None, &opts).unwrap();
    let ad = step(&m, "ad");
    // ad reaches 6 of 16 customers (37.5% < 50%): bring more customers there.
    assert_eq!(ad.pain_points, Vec::<String>::new());
    assert_eq!(ad.opportunities.len(), 1);
    assert!(
        ad.opportunities[0].starts_with(
            "ad: customers who pass it convert more often (100% vs 0%, odds ratio 273.00"
        ),
        "{}",
        ad.opportunities[0]
    );
    // Woolf's interval of the corrected table: exp(ln 273 +- 1.95996 x 2.0613).
    assert!(ad.opportunities[0].contains(
        "odds ratio 273.00, 95% CI 4.80 to 15515.67, q < 0.001), yet only 38% of customers get there"
    ), "{}", ad.opportunities[0]);
    assert!((ad.metrics["driver_q_value"] - 3.0 / 8008.0).abs() < 1e-12);
    // Haldane-Anscombe (a zero cell): (6.5 x 10.5) / (0.5 x 0.5) = 273.
    assert!((ad.metrics["driver_odds_ratio"] - 273.0).abs() < 1e-9);
    let chat = step(&m, "chat");
    // (0.5 x 2.5) / (8.5 x 6.5) = 0.0226; Woolf's interval exp(ln OR +- 1.96 x 1.6345).
    // Its drop-off (all 8 end there) is a pain point too, listed first.
    assert!(chat.pain_points[0].starts_with("chat: 100% of its customers end their journey"));
    assert_eq!(
        chat.pain_points[1],
        "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, 95% CI 0.00 to 0.56, q = 0.010)"
    );
    assert!((chat.metrics["driver_q_value"] - 90.0 / 12870.0 * 1.5).abs() < 1e-12);
    // mail: not significant, so no driver figures and nothing said of it as a driver (its
    // drop-off, 2 of 2, is a pain point by the threshold rule).
    let mail = step(&m, "mail");
    assert!(!mail.metrics.contains_key("driver_q_value"));
    assert_eq!(mail.pain_points.len(), 1);
    assert!(mail.pain_points[0].starts_with("mail: 100% of its customers end"));

    // The option is on by default: the same map.
    let by_default = FromDataOptions {
        min_customers: 1,
        ..Default::default()
    };
    assert_eq!(JourneyMap::from_data(&log(), None, &by_default).unwrap(), m);

    // With drivers off the lift rule applies (ad is in no early stage here: no opportunity)
    // and chat is no pain point (its drop-off, 100%, is one: the threshold rule).
    let plain = JourneyMap::from_data(
        &log(),
        None,
        &FromDataOptions {
            min_customers: 1,
            drivers: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(step(&plain, "ad").opportunities.is_empty());
    assert!(!step(&plain, "ad").metrics.contains_key("driver_q_value"));
    assert!(step(&plain, "chat")
        .pain_points
        .iter()
        .all(|p| !p.contains("convert less often")));
}

#[test]
fn report_drivers_section() {
    use journey_core::report::{report, ReportOptions};
    let opts = ReportOptions {
        drivers: true,
        ..Default::default()
    };
    let page = report(&log(), None, &opts).unwrap();
    let at = page
        .find("<h2>Conversion drivers</h2>")
        .expect("the section");
    let section = &page[at..at + page[at..].find("<h2>Top paths").unwrap()];
    // Three touchpoints tested, two significant (the q-values of the test above).
    assert!(
        section.contains("all 3 rows tested. 2 of them are significant"),
        "{section}"
    );
    assert!(section.contains("6 of 16 customers converted"));
    assert!(section.contains("<svg"));
    // The rows, significant ones first: ad (100% vs 0%), chat (0% vs 75%), then mail.
    let ad = section.find("<td>ad</td>").unwrap();
    let chat = section.find("<td>chat</td>").unwrap();
    let mail = section.find("<td>mail</td>").unwrap();
    assert!(ad < chat && chat < mail);
    assert!(section[chat..mail].contains("yes, less conversion"));
    assert!(section[ad..chat].contains("0.000"));
    assert!(section[chat..mail].contains("0.010"));
    assert!(section[mail..].contains("0.500") && section[mail..].contains("<td>no</td>"));
    // On by default; drivers: false leaves it out.
    let by_default = report(&log(), None, &ReportOptions::default()).unwrap();
    assert!(by_default.contains("all 3 rows tested. 2 of them are significant"));
    let plain = report(
        &log(),
        None,
        &ReportOptions {
            drivers: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!plain.contains("Conversion drivers"));
}

#[test]
fn report_funnel_trend() {
    use journey_core::metrics::retention::Period;
    use journey_core::report::{report, ReportOptions};
    // a and b enter on Jan 1 (a buys), c on Jan 2 (buys), d on Jan 3; window 1 day, the data
    // end on Jan 3 09:00: Jan 1 is complete, Jan 2 and Jan 3 are not.
    let csv = "customer_id,timestamp,touchpoint\n\
        a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,purchase\nb,2026-01-01T20:00:00Z,view\n\
        c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,purchase\nd,2026-01-03T09:00:00Z,view\n";
    let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
    let opts = ReportOptions {
        funnel: Some(vec!["view".into(), "purchase".into()]),
        funnel_window: journey_core::time::Duration::from_days(1),
        funnel_trend: Some(Period::Day),
        ..Default::default()
    };
    let page = report(&log, None, &opts).unwrap();
    let at = page.find("<h2>Funnel</h2>").unwrap();
    let section = &page[at..at + page[at..].find("<h2>Top paths").unwrap()];
    assert!(
        section.contains("2 of the 3 periods still hold windows"),
        "{section}"
    );
    assert!(section.contains("Conversion by period of entry"));
    assert!(section.contains("2026-01-02") && section.contains("stroke-dasharray=\"6 4\""));
    let plain = report(
        &log,
        None,
        &ReportOptions {
            funnel_trend: None,
            ..opts
        },
    )
    .unwrap();
    assert!(!plain.contains("Conversion by period of entry"));
}

#[test]
fn map_drivers_from_partials() {
    use journey_core::partial::{Analysis, Context, Finished, Partial};
    let log = log();
    let a = Analysis::from_json("map_from_data", &serde_json::json!({"min_customers": 1})).unwrap();
    let ids = log.customer_ids();
    // Three partitions, each with some of the ad, chat and mail customers.
    let parts: Vec<Partial> = (0..3)
        .map(|k| {
            let p = log
                .sub_log(ids.iter().skip(k).step_by(3))
                .unwrap()
                .partial(&a, &Context::default())
                .unwrap();
            Partial::from_bytes(&p.to_bytes()).unwrap()
        })
        .collect();
    let Finished::Map(m) = Partial::merge_all(parts).unwrap().finish().unwrap() else {
        unreachable!()
    };
    // The drivers of the merged counts: the hand-checked values of the whole log.
    assert_eq!(
        step(&m, "chat").pain_points[1],
        "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, 95% CI 0.00 to 0.56, q = 0.010)"
    );
    assert!((step(&m, "ad").metrics["driver_q_value"] - 3.0 / 8008.0).abs() < 1e-12);
    let whole = JourneyMap::from_data(
        &log,
        None,
        &FromDataOptions {
            min_customers: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(*m, whole);
}
