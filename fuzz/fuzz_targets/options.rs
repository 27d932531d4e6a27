//! The option decoders of every analysis (the JSON the Python and JavaScript bindings pass,
//! decoded by `journey_core::args`): any JSON decodes or fails with an error; decoded options
//! run their analysis on a small log without panicking, and give the same result on the same
//! log loaded from its rows in another order.
#![no_main]

use std::sync::OnceLock;

use journey_core::args::from_json;
use journey_core::metrics::attribution::{
    attribution, attribution_table, AttributionOptions, AttributionTableOptions, PathTable,
    PathTableOptions,
};
use journey_core::metrics::funnel::{funnel, FunnelOptions};
use journey_core::metrics::graph::{transition_graph, TransitionGraphOptions};
use journey_core::metrics::path_stats::{
    conversion_paths_table, path_stats, ConversionPathsOptions, PathStatsOptions,
};
use journey_core::metrics::retention::{kpis, retention, KpiOptions, RetentionOptions};
use journey_core::metrics::sessions::{sessions, SessionOptions};
use journey_core::metrics::survey::{csat, nps, ScoreOptions};
use journey_core::render::MapSvgOptions;
use journey_core::report::FromDataOptions;
use journey_core::report::{report, ReportOptions};
use journey_core::{read_events_csv, read_surveys_csv, EventLog, JourneyMap, LoadOptions, Surveys};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const EVENTS: &str = "customer_id,timestamp,touchpoint,channel,stage,value,plan
a,2026-01-01T00:00:00Z,ig_ad,social,awareness,,pro
a,2026-01-01T00:10:00Z,search,search,consideration,,pro
a,2026-01-03T09:00:00Z,purchase,web,purchase,30,pro
b,2026-01-02T12:00:00Z,search,search,consideration,,free
b,2026-01-02T12:00:00Z,email,email,,,free
c,2026-01-05T08:00:00Z,ig_ad,social,awareness,,
c,2026-01-20T08:00:00Z,ig_ad,social,awareness,,
c,2026-02-01T08:00:00Z,purchase,web,purchase,12.5,
d,2026-01-09T00:00:00Z,email,email,,,free
d,2026-01-09T00:30:00Z,purchase,web,,5,free
";

const SURVEYS: &str = "customer_id,timestamp,touchpoint,nps,csat,ces
a,2026-01-04T00:00:00Z,purchase,9,5,
b,2026-01-03T00:00:00Z,,3,,6
c,2026-02-02T00:00:00Z,purchase,10,4,2
";

/// The log, and the same log loaded from its rows in another order.
fn logs() -> &'static (EventLog, EventLog, Surveys) {
    static LOGS: OnceLock<(EventLog, EventLog, Surveys)> = OnceLock::new();
    LOGS.get_or_init(|| {
        let opts = LoadOptions::default();
        let log = read_events_csv(EVENTS.as_bytes(), &opts).unwrap();
        let other =
            read_events_csv(common::interleave_customers(EVENTS).as_bytes(), &opts).unwrap();
        let surveys = read_surveys_csv(SURVEYS.as_bytes(), &opts).unwrap();
        (log, other, surveys)
    })
}

/// Runs `f` on both logs: both fail, or both give the same JSON.
fn same<R: serde::Serialize>(f: impl Fn(&EventLog) -> journey_core::Result<R>) {
    let (a, b, _) = logs();
    match (f(a), f(b)) {
        (Ok(x), Ok(y)) => assert_eq!(
            serde_json::to_string(&x).unwrap(),
            serde_json::to_string(&y).unwrap(),
            "the order of rows changed a result"
        ),
        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
        (x, y) => panic!("one order failed: {:?} / {:?}", x.err(), y.err()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, text)) = data.split_first() else {
        return;
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(text) else {
        return;
    };
    let (_, _, surveys) = logs();
    match which % 16 {
        0 => {
            let _ = LoadOptions::from_json(&v);
        }
        1 => {
            if let Ok(o) = from_json::<FunnelOptions>("funnel options", &v) {
                same(|l| funnel(l, &o));
            }
        }
        2 => {
            if let Ok(o) = from_json::<SessionOptions>("sessions options", &v) {
                same(|l| sessions(l, &o));
            }
        }
        3 => {
            if let Ok(o) = from_json::<ConversionPathsOptions>("paths options", &v) {
                same(|l| conversion_paths_table(l, &o));
            }
        }
        4 => {
            if let Ok(o) = from_json::<PathStatsOptions>("path stats options", &v) {
                same(|l| path_stats(l, &o));
            }
        }
        5 => {
            if let Ok(o) = from_json::<TransitionGraphOptions>("graph options", &v) {
                same(|l| transition_graph(l, &o));
            }
        }
        6 => {
            if let Ok(o) = from_json::<AttributionOptions>("attribution options", &v) {
                same(|l| attribution(l, &o));
            }
        }
        7 => {
            if let Ok(o) = from_json::<AttributionTableOptions>("attribution options", &v) {
                same(|l| attribution_table(l, &o));
            }
        }
        8 => {
            if let Ok(o) = from_json::<PathTableOptions>("path table options", &v) {
                same(|l| PathTable::from_log(l, &o.path_options()).map(|t| t.rows()));
            }
        }
        9 => {
            if let Ok(o) = from_json::<RetentionOptions>("retention options", &v) {
                same(|l| retention(l, &o));
            }
        }
        10 => {
            if let Ok(o) = from_json::<KpiOptions>("kpi options", &v) {
                same(|l| kpis(l, &o));
            }
        }
        11 => {
            if let Ok(o) = from_json::<ScoreOptions>("score options", &v) {
                same(|l| nps(surveys, Some(l), &o));
                same(|l| csat(surveys, Some(l), &o));
            }
        }
        12 => {
            if let Ok(o) = from_json::<FromDataOptions>("fromData options", &v) {
                same(|l| JourneyMap::from_data(l, Some(surveys), &o));
            }
        }
        13 => {
            if let Ok(o) = from_json::<MapSvgOptions>("svg options", &v) {
                let (log, _, _) = logs();
                if let Ok(map) = JourneyMap::from_data(log, Some(surveys), &Default::default()) {
                    let _ = map.to_svg(&o);
                }
            }
        }
        14 => {
            if let Ok(o) = from_json::<ReportOptions>("report options", &v) {
                same(|l| report(l, Some(surveys), &o));
            }
        }
        _ => {}
    }
});
