//! `EventLog::append`: a log appended batch by batch equals the log loaded from all the rows.

use journey_core::{read_events_csv, EventLog, EventLogBuilder, LoadOptions, RawEvent, Ties};
use proptest::prelude::*;

mod common;

/// `(customer, seconds, touchpoint, channel, stage, value, plan, region)`: few values of each,
/// so equal timestamps, equal content and new names in later batches are common.
use common::TieRow as Row;

fn raw(r: &Row) -> RawEvent {
    let mut properties = Vec::new();
    if let Some(p) = r.6 {
        properties.push(("plan".to_string(), format!("p{p}")));
    }
    if let Some(g) = r.7 {
        properties.push(("region".to_string(), format!("g{g}")));
    }
    RawEvent {
        customer_id: format!("c{}", r.0),
        timestamp_us: r.1 * 1_000_000,
        touchpoint: if r.2 == 0 {
            "purchase".into()
        } else {
            format!("t{}", r.2)
        },
        channel: r.3.map(|c| format!("h{c}")),
        stage: r
            .4
            .map(|s| ["awareness", "purchase", "zeta"][s as usize % 3].to_string()),
        value: r.5.map(f64::from),
        properties,
        sequence: None,
    }
}

fn build(rows: &[Row], ties: Ties) -> EventLog {
    let mut b = EventLogBuilder::new().with_ties(ties);
    for r in rows {
        b.push(&raw(r)).unwrap();
    }
    b.build(None, &["purchase"])
}

type Snapshot = (
    Vec<RawEvent>,
    Vec<Vec<String>>,
    Vec<usize>,
    Vec<(String, Vec<String>)>,
    Vec<bool>,
);

fn snapshot(log: &EventLog) -> Snapshot {
    (
        log.rows().collect(),
        vec![
            log.customer_ids().to_vec(),
            log.touchpoints().to_vec(),
            log.channels().to_vec(),
            log.stages().to_vec(),
        ],
        log.offsets().to_vec(),
        log.properties()
            .iter()
            .map(|p| (p.name.clone(), p.values.names().to_vec()))
            .collect(),
        (0..log.touchpoints().len() as u32)
            .map(|t| log.is_conversion(t))
            .collect(),
    )
}

fn row() -> impl Strategy<Value = Row> {
    (
        0u8..7,
        0i64..6,
        0u8..5,
        proptest::option::of(0u8..3),
        proptest::option::of(0u8..3),
        proptest::option::of(-2i8..3),
        proptest::option::of(0u8..3),
        proptest::option::of(0u8..2),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Batches in any order, for new and known customers, with events landing before, between
    /// and after a customer's earlier ones, ties in time and in content, names new to the log
    /// that sort before known ones, and property columns first seen in a later batch.
    #[test]
    fn appending_batches_equals_loading_all_rows(
        batches in proptest::collection::vec(proptest::collection::vec(row(), 0..12), 1..5),
        input_ties in any::<bool>(),
    ) {
        let ties = if input_ties { Ties::Input } else { Ties::Content };
        let mut log = build(&batches[0], ties);
        let mut all: Vec<Row> = batches[0].clone();
        for b in &batches[1..] {
            let before = log.n_events();
            let r = log.append(&build(b, ties), ties).unwrap();
            all.extend_from_slice(b);
            prop_assert_eq!(r.events, b.len());
            prop_assert_eq!(log.n_events(), before + b.len());
            prop_assert_eq!(snapshot(&log), snapshot(&build(&all, ties)));
        }
    }
}

/// By hand: a late event lands before a customer's first, a tie in time goes by content (or
/// after the log's event with `ties = "input"`), a new customer sorts before the known ones,
/// a new touchpoint before the known ones.
#[test]
fn late_events_ties_and_new_names_by_hand() {
    let o = LoadOptions::default();
    let load = |s: &str| read_events_csv(s.as_bytes(), &o).unwrap();
    let head = "customer_id,timestamp,touchpoint,channel\n";
    let first = format!("{head}m,10,search,web\nm,20,purchase,web\nz,5,search,web\n");
    let batch = format!("{head}m,3,ad,social\nm,20,cart,web\nb,1,search,web\n");
    let names = |log: &EventLog, id: &str| -> Vec<String> {
        let j = log.journey_of(id).unwrap();
        j.touchpoints()
            .iter()
            .map(|&t| log.touchpoint_name(t).to_string())
            .collect()
    };

    let mut log = load(&first);
    let r = log.append(&load(&batch), Ties::Content).unwrap();
    assert_eq!((r.events, r.customers, r.new_customers), (3, 2, 1), "{r:?}");
    assert_eq!(r.customer_ids, ["b", "m"]);
    assert_eq!(log.customer_ids(), ["b", "m", "z"]);
    assert_eq!(log.touchpoints(), ["ad", "cart", "purchase", "search"]);
    assert_eq!(log.channels(), ["social", "web"]);
    // At time 20, "cart" sorts before "purchase".
    assert_eq!(names(&log, "m"), ["ad", "search", "cart", "purchase"]);
    assert_eq!(names(&log, "z"), ["search"]);
    assert_eq!(log.offsets(), [0, 1, 5, 6]);
    assert!(log.is_conversion(log.touchpoint_id("purchase").unwrap()));
    assert!(!log.is_conversion(log.touchpoint_id("cart").unwrap()));
    let whole = load(&format!("{first}{}", batch.trim_start_matches(head)));
    assert!(log.rows().eq(whole.rows()));

    // Input order: the log's event at time 20 stays before the batch's.
    let oi = LoadOptions {
        ties: Ties::Input,
        ..LoadOptions::default()
    };
    let load_i = |s: &str| read_events_csv(s.as_bytes(), &oi).unwrap();
    let mut log = load_i(&first);
    log.append(&load_i(&batch), Ties::Input).unwrap();
    assert_eq!(names(&log, "m"), ["ad", "search", "purchase", "cart"]);
}

#[test]
fn a_batch_of_another_catalog_is_refused_and_changes_nothing() {
    let o = LoadOptions::default();
    let mut log =
        read_events_csv("customer_id,timestamp,touchpoint\na,1,x\n".as_bytes(), &o).unwrap();
    let mut cat = journey_core::Catalog::new();
    cat.insert("x", Some("web"), None, Default::default());
    let other = LoadOptions {
        catalog: Some(cat),
        ..LoadOptions::default()
    };
    let batch = read_events_csv(
        "customer_id,timestamp,touchpoint\nb,1,x\n".as_bytes(),
        &other,
    )
    .unwrap();
    let before: Vec<RawEvent> = log.rows().collect();
    let e = log.append(&batch, Ties::Content).unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    assert!(e.to_string().contains("another touchpoint catalog"), "{e}");
    assert!(log.rows().eq(before));
    assert_eq!(log.customer_ids(), ["a"]);
}

/// Lenient loading: the batch's skipped rows are added to the log's load report.
#[test]
fn lenient_batches_report_what_they_dropped() {
    let o = LoadOptions::lenient();
    let mut log =
        read_events_csv("customer_id,timestamp,touchpoint\na,1,x\n".as_bytes(), &o).unwrap();
    let batch = read_events_csv(
        "customer_id,timestamp,touchpoint\nb,1,x\nb,not a time,y\n".as_bytes(),
        &o,
    )
    .unwrap();
    assert_eq!(batch.load_report().rows_skipped, 1);
    log.append(&batch, Ties::Content).unwrap();
    let r = log.load_report();
    assert_eq!((r.rows_read, r.rows_kept, r.rows_skipped), (3, 2, 1));
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].contains("not a time"), "{:?}", r.errors);
    assert_eq!(log.n_events(), 2);
}
