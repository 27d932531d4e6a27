//! Properties of the survey metrics, the cohort matrix and the KPIs.

use journey_core::metrics::retention::{kpis, retention, KpiOptions, Period, RetentionOptions};
use journey_core::metrics::survey::{
    ces, ces_scores, csat, csat_scores, nps, nps_diff, nps_scores, ScoreOptions,
};
use journey_core::time::format_us;
use journey_core::{read_events_csv, read_surveys_csv, EventLog, LoadOptions, Surveys};
use proptest::prelude::*;
use serde_json::Value;

const CUSTOMERS: [&str; 6] = ["c0", "c1", "c2", "c3", "c4", "c5"];
const TOUCHPOINTS: [&str; 4] = ["ad", "site", "purchase", "support"];
const CHANNELS: [&str; 2] = ["social", "web"];
const STAGES: [&str; 4] = ["", "awareness", "purchase", "retention"];
const PERSONAS: [&str; 3] = ["", "p1", "p2"];
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;

/// An event row: customer, time (s), touchpoint, channel, stage, persona, value.
type Row = (usize, i64, usize, usize, usize, usize, u32);

fn event_rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            0..6usize,
            0..90 * 86_400i64,
            0..4usize,
            0..2usize,
            0..4usize,
            0..3usize,
            0..100u32,
        ),
        0..40,
    )
}

fn events_csv(rows: &[Row]) -> String {
    let mut s = String::from("customer_id,timestamp,touchpoint,channel,stage,persona,value\n");
    for &(c, t, tp, ch, st, p, v) in rows {
        let value = if TOUCHPOINTS[tp] == "purchase" {
            v.to_string()
        } else {
            String::new()
        };
        s += &format!(
            "{},{},{},{},{},{},{value}\n",
            CUSTOMERS[c],
            T0 + t,
            TOUCHPOINTS[tp],
            CHANNELS[ch],
            STAGES[st],
            PERSONAS[p]
        );
    }
    s
}

fn load(rows: &[Row]) -> EventLog {
    read_events_csv(events_csv(rows).as_bytes(), &LoadOptions::default()).unwrap()
}

/// A survey row: customer (index 6 is not in any log), time, touchpoint (4: none, 5: "kiosk",
/// not in the log), nps, csat, ces (0: blank).
type SRow = (usize, i64, usize, u8, u8, u8);

fn survey_rows() -> impl Strategy<Value = Vec<SRow>> {
    prop::collection::vec(
        (
            0..7usize,
            0..90 * 86_400i64,
            0..6usize,
            0..12u8,
            0..6u8,
            0..8u8,
        ),
        0..40,
    )
}

fn load_surveys(rows: &[SRow]) -> Surveys {
    let mut s = String::from("customer_id,timestamp,touchpoint,nps,csat,ces\n");
    let blank = |v: u8, off: u8| {
        if v == 0 {
            String::new()
        } else {
            (v - off).to_string()
        }
    };
    for &(c, t, tp, n, cs, ce) in rows {
        let cust = if c == 6 { "zz" } else { CUSTOMERS[c] };
        let tp = match tp {
            4 => "",
            5 => "kiosk",
            i => TOUCHPOINTS[i],
        };
        // nps: 0 = blank, else score n - 1 (0-10).
        s += &format!(
            "{cust},{},{tp},{},{},{}\n",
            T0 + t,
            blank(n, 1),
            blank(cs, 0),
            blank(ce, 0)
        );
    }
    read_surveys_csv(s.as_bytes(), &LoadOptions::default()).unwrap()
}

/// Rows and a shuffled copy.
fn with_shuffle<T: Clone + std::fmt::Debug>(
    s: impl Strategy<Value = Vec<T>>,
) -> impl Strategy<Value = (Vec<T>, Vec<T>)> {
    s.prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
}

/// Gives every event a distinct time (so that no tie can depend on the row order).
fn untied(mut rows: Vec<Row>) -> Vec<Row> {
    for (i, r) in rows.iter_mut().enumerate() {
        r.1 = r.1 / 1000 * 1000 + i as i64;
    }
    rows
}

fn json<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

fn by(s: &str) -> ScoreOptions {
    ScoreOptions { by: Some(s.into()) }
}

proptest! {
    #[test]
    fn nps_bounded_and_interval_contains_estimate(
        (scores, shuffled) in with_shuffle(prop::collection::vec(0..=10u8, 0..300))
    ) {
        let r = nps_scores(&scores).unwrap();
        prop_assert_eq!(r.n as usize, scores.len());
        prop_assert_eq!(r.promoters + r.passives + r.detractors, r.n);
        prop_assert_eq!(r.counts.iter().sum::<u64>(), r.n);
        match r.nps {
            None => prop_assert!(scores.is_empty() && r.se.is_none() && r.ci_low.is_none()),
            Some(v) => {
                let (lo, hi, se) = (r.ci_low.unwrap(), r.ci_high.unwrap(), r.se.unwrap());
                prop_assert!((-100.0..=100.0).contains(&v));
                prop_assert!(-100.0 <= lo && lo <= v && v <= hi && hi <= 100.0, "{:?}", r);
                prop_assert!((0.0..=100.0).contains(&se));
            }
        }
        prop_assert_eq!(nps_scores(&shuffled).unwrap(), r);
    }

    #[test]
    fn nps_diff_is_antisymmetric(
        a in prop::collection::vec(0..=10u8, 1..60),
        b in prop::collection::vec(0..=10u8, 1..60),
    ) {
        let (ra, rb) = (nps_scores(&a).unwrap(), nps_scores(&b).unwrap());
        let ab = nps_diff(&ra, &rb);
        let ba = nps_diff(&rb, &ra);
        prop_assert_eq!(ab.diff.unwrap(), -ba.diff.unwrap());
        prop_assert_eq!(ab.p_value, ba.p_value);
        if let Some(p) = ab.p_value {
            prop_assert!((0.0..=1.0).contains(&p));
            prop_assert!(ab.ci_low.unwrap() <= ab.diff.unwrap());
            prop_assert!(ab.diff.unwrap() <= ab.ci_high.unwrap());
        } else {
            prop_assert_eq!(ab.se, Some(0.0));
        }
    }

    #[test]
    fn csat_and_ces_intervals_contain_estimates(
        c in prop::collection::vec(1..=5u8, 0..200),
        e in prop::collection::vec(1..=7u8, 0..200),
    ) {
        let r = csat_scores(&c).unwrap();
        if let Some(v) = r.csat {
            let (lo, hi) = (r.ci_low.unwrap(), r.ci_high.unwrap());
            prop_assert!(0.0 <= lo && lo <= v && v <= hi && hi <= 100.0, "{:?}", r);
            prop_assert!((1.0..=5.0).contains(&r.mean.unwrap()));
        } else {
            prop_assert!(c.is_empty() && r.mean.is_none());
        }
        let r = ces_scores(&e).unwrap();
        match (r.mean, r.ci_low, r.ci_high) {
            (Some(m), Some(lo), Some(hi)) => {
                prop_assert!(1.0 <= lo && lo <= m && m <= hi && hi <= 7.0, "{:?}", r);
            }
            (Some(_), None, None) => prop_assert_eq!(e.len(), 1),
            (None, None, None) => prop_assert!(e.is_empty()),
            _ => prop_assert!(false, "inconsistent {:?}", r),
        }
    }

    #[test]
    fn breakdowns_partition_the_answers_and_ignore_row_order(
        (events, events_shuffled) in with_shuffle(event_rows().prop_map(untied)),
        (surveys, surveys_shuffled) in with_shuffle(survey_rows()),
    ) {
        let (log, log2) = (load(&events), load(&events_shuffled));
        let (s, s2) = (load_surveys(&surveys), load_surveys(&surveys_shuffled));
        for key in ["touchpoint", "stage", "channel", "persona"] {
            let o = by(key);
            let (n, c, e) = (
                nps(&s, Some(&log), &o),
                csat(&s, Some(&log), &o),
                ces(&s, Some(&log), &o),
            );
            if key == "persona" && log.property("persona").is_none() {
                prop_assert!(n.is_err());
                continue;
            }
            let (n, c, e) = (n.unwrap(), c.unwrap(), e.unwrap());
            prop_assert_eq!(n.groups.iter().map(|g| g.stats.n).sum::<u64>(), n.overall.n);
            prop_assert_eq!(c.groups.iter().map(|g| g.stats.n).sum::<u64>(), c.overall.n);
            prop_assert_eq!(e.groups.iter().map(|g| g.stats.n).sum::<u64>(), e.overall.n);
            prop_assert!(n.groups.iter().all(|g| g.stats.n > 0));
            // The null group, if any, is last; keys are distinct.
            let keys: Vec<_> = n.groups.iter().map(|g| g.key.clone()).collect();
            prop_assert!(keys.iter().rev().skip(1).all(|k| k.is_some()));
            let mut dedup = keys.clone();
            dedup.dedup();
            prop_assert_eq!(dedup.len(), keys.len());
            prop_assert_eq!(json(&n), json(&nps(&s2, Some(&log2), &o).unwrap()));
            prop_assert_eq!(json(&c), json(&csat(&s2, Some(&log2), &o).unwrap()));
            prop_assert_eq!(json(&e), json(&ces(&s2, Some(&log2), &o).unwrap()));
        }
        // Without the log, by touchpoint still works and equals the overall answers.
        let n = s.nps(&by("touchpoint")).unwrap();
        prop_assert_eq!(n.groups.iter().map(|g| g.stats.n).sum::<u64>(), n.overall.n);
    }

    #[test]
    fn cohort_cells_never_exceed_cohort_size(
        (events, shuffled) in with_shuffle(event_rows()),
        period in prop::sample::select(vec![Period::Day, Period::Week, Period::Month]),
        periods in 0..20u32,
        start in prop::sample::select(vec!["purchase", "site", "*"]),
        ret in prop::sample::select(vec!["purchase", "support", "*"]),
    ) {
        let opts = RetentionOptions { period, periods, start: start.into(), ret: ret.into(), ..Default::default() };
        let log = load(&events);
        let r = retention(&log, &opts).unwrap();
        let mut total = 0;
        for c in &r.cohorts {
            prop_assert!(c.size > 0);
            total += c.size;
            prop_assert_eq!(c.counts.len(), periods as usize + 1);
            // The first cell is always observable; unobservable cells form a suffix.
            prop_assert!(c.counts[0].is_some());
            let observed = c.counts.iter().take_while(|x| x.is_some()).count();
            prop_assert!(c.counts[observed..].iter().all(|x| x.is_none()));
            for (k, (n, rate)) in c.counts.iter().zip(&c.rates).enumerate() {
                if let (Some(n), Some(rate)) = (n, rate) {
                    prop_assert!(*n <= c.size, "cell {} of {:?}", k, c);
                    prop_assert!((0.0..=100.0).contains(rate));
                }
            }
            if start == ret {
                prop_assert_eq!(c.counts[0], Some(c.size));
            }
        }
        prop_assert_eq!(total, r.n_customers);
        let mut labels: Vec<&str> = r.cohorts.iter().map(|c| c.start.as_str()).collect();
        labels.dedup();
        prop_assert_eq!(labels.len(), r.cohorts.len());
        prop_assert_eq!(r, retention(&load(&shuffled), &opts).unwrap());
    }

    #[test]
    fn kpis_are_consistent_and_ignore_row_order(
        (events, shuffled) in with_shuffle(event_rows()),
        window in prop::option::of((0..90i64, 1..40i64)),
    ) {
        let opts = KpiOptions {
            start: window.map(|(d, _)| (T0 + d * 86_400).into()),
            end: window.map(|(d, len)| (T0 + (d + len) * 86_400).into()),
        };
        let log = load(&events);
        let k = kpis(&log, &opts).unwrap();
        prop_assert!(k.n_buyers <= k.n_customers);
        prop_assert!(k.n_repeat_buyers <= k.n_buyers);
        prop_assert!(k.n_buyers <= k.n_orders);
        prop_assert_eq!(k.active_end, k.n_customers);
        prop_assert_eq!(k.retained + k.new_customers + k.reactivated, k.active_end);
        prop_assert_eq!(k.retained + k.churned, k.active_start);
        match (k.retention_rate, k.churn_rate) {
            (Some(r), Some(c)) => prop_assert!((r + c - 100.0).abs() < 1e-9),
            (None, None) => prop_assert_eq!(k.active_start, 0),
            _ => prop_assert!(false, "{:?}", k),
        }
        prop_assert_eq!(k.aov.is_none(), k.n_orders == 0);
        prop_assert_eq!(k.conversion_rate.is_none(), k.n_customers == 0);
        if window.is_none() && !events.is_empty() {
            prop_assert_eq!(k.n_customers as usize, log.n_customers());
            prop_assert_eq!(k.active_start, 0);
            // The whole-log shortcut agrees with the general path given the same bounds.
            let first = events.iter().map(|r| r.1).min().unwrap();
            let last = events.iter().map(|r| r.1).max().unwrap();
            let explicit = KpiOptions {
                start: Some(format_us((T0 + first) * 1_000_000).into()),
                end: Some(format_us((T0 + last) * 1_000_000 + 1).into()),
            };
            let mut e = json(&kpis(&log, &explicit).unwrap());
            e["start"] = Value::Null;
            e["end"] = Value::Null;
            prop_assert_eq!(json(&k), e);
        }
        prop_assert_eq!(json(&k), json(&kpis(&load(&shuffled), &opts).unwrap()));
    }
}
