//! Properties of attribution: credits add up, results do not depend on the order of the
//! paths, removal effects are in [0, 1], Shapley matches a brute-force coalition sum, and
//! paths (with lookback, collapse and exclude) match a brute-force cut of the raw events.

use journey_core::metrics::attribution::{
    AttributionOptions, AttributionResult, AttributionTableOptions, Model, PathRow, PathTable,
};
use journey_core::metrics::paths::{conversion_paths, Level, PathOptions};
use journey_core::time::Duration;
use journey_core::{EventLog, EventLogBuilder, RawEvent};
use proptest::prelude::*;

/// `(touchpoint, channel)`; `purchase` converts.
const TOUCHPOINTS: [(&str, &str); 6] = [
    ("ad", "social"),
    ("post", "social"),
    ("mail", "email"),
    ("site", "web"),
    ("checkout", "web"),
    ("purchase", "web"),
];

/// Per customer: events as `(touchpoint index, seconds since the previous event, value)`.
fn arb_journeys() -> impl Strategy<Value = Vec<Vec<(usize, u32, u16)>>> {
    prop::collection::vec(
        prop::collection::vec((0usize..6, 0u32..200_000, 0u16..500), 0..9),
        0..8,
    )
}

fn build(journeys: &[Vec<(usize, u32, u16)>], reverse: bool) -> EventLog {
    let mut rows = Vec::new();
    for (c, events) in journeys.iter().enumerate() {
        let mut t = 1_000_000i64;
        for &(tp, gap, v) in events {
            // Strictly increasing times, so the order of the rows cannot matter.
            t += gap as i64 + 1;
            let (name, channel) = TOUCHPOINTS[tp];
            rows.push(RawEvent {
                customer_id: format!("c{c}"),
                timestamp_us: t * 1_000_000,
                touchpoint: name.into(),
                channel: Some(channel.into()),
                value: (name == "purchase" && v % 5 != 0).then_some(v as f64 / 4.0),
                ..Default::default()
            });
        }
    }
    if reverse {
        rows.reverse();
    }
    let mut b = EventLogBuilder::new();
    for r in &rows {
        b.push(r).unwrap();
    }
    b.build(None, &["purchase"])
}

fn arb_options() -> impl Strategy<Value = AttributionTableOptions> {
    (
        any::<bool>(),
        1usize..=4,
        any::<bool>(),
        prop::collection::vec(prop::sample::select(vec!["checkout", "site", "nope"]), 0..2),
        any::<bool>(),
        1i64..300_000,
        prop::option::of(0i64..400_000),
        (0.0f64..1.0, 0.0f64..1.0, 0.01f64..1.0),
    )
        .prop_map(|(tp, order, collapse, exclude, first, hl, lb, (f, m, l))| {
            AttributionTableOptions {
                level: if tp {
                    Level::Touchpoint
                } else {
                    Level::Channel
                },
                order,
                collapse_repeats: collapse,
                exclude: (!exclude.is_empty())
                    .then(|| exclude.iter().map(|s| s.to_string()).collect()),
                first_conversion_only: first,
                half_life: Duration::from_secs(hl),
                position_weights: vec![f, m, l],
                lookback: lb.map(Duration::from_secs),
                transition_matrix: false,
            }
        })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check_sums(r: &AttributionResult) -> Result<(), TestCaseError> {
    let conv: f64 = r.rows.iter().map(|x| x.conversions).sum();
    let value: f64 = r.rows.iter().map(|x| x.value).sum();
    prop_assert!(
        close(conv, r.attributed_conversions),
        "{}: {conv} != {}",
        r.model,
        r.attributed_conversions
    );
    prop_assert!(
        close(value, r.attributed_value),
        "{}: {value} != {}",
        r.model,
        r.attributed_value
    );
    prop_assert!(close(
        r.attributed_conversions + r.unattributed_conversions,
        r.total_conversions
    ));
    prop_assert!(close(
        r.attributed_value + r.unattributed_value,
        r.total_value
    ));
    for row in &r.rows {
        // The conversion-rate game is not monotone: a channel whose paths convert less than
        // the others has a negative data-driven Shapley credit (docs/attribution.md).
        prop_assert!(
            row.conversions >= -1e-12 || r.model == Model::DataDrivenShapley,
            "{}: negative credit",
            r.model
        );
        if let Some(re) = row.removal_effect {
            prop_assert!((0.0..=1.0).contains(&re), "removal effect {re}");
        }
    }
    Ok(())
}

fn same(a: &AttributionResult, b: &AttributionResult) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.rows.len(), b.rows.len());
    prop_assert!(close(a.total_conversions, b.total_conversions));
    for (x, y) in a.rows.iter().zip(&b.rows) {
        prop_assert_eq!(&x.channel, &y.channel);
        prop_assert!(
            close(x.conversions, y.conversions),
            "{} {:?} {:?}",
            a.model,
            x,
            y
        );
        prop_assert!(close(x.value, y.value), "{} {:?} {:?}", a.model, x, y);
        match (x.removal_effect, y.removal_effect) {
            (Some(p), Some(q)) => prop_assert!(close(p, q)),
            (p, q) => prop_assert_eq!(p, q),
        }
    }
    Ok(())
}

fn arb_rows() -> impl Strategy<Value = Vec<PathRow>> {
    prop::collection::vec(
        (
            prop::collection::vec(0usize..5, 0..6),
            0u8..4,
            0u16..1000,
            0u8..4,
        ),
        0..14,
    )
    .prop_map(|rows| {
        let names = ["display", "email", "search", "social", "tv"];
        rows.into_iter()
            .map(|(p, c, v, n)| PathRow {
                path: p.iter().map(|&i| names[i]).collect::<Vec<_>>().join(" > "),
                total_conversions: c as f64,
                total_conversion_value: if c == 0 { 0.0 } else { v as f64 / 8.0 },
                total_null: n as f64,
            })
            .collect()
    })
}

/// Shapley values by enumerating every coalition: `phi_c = sum over S not containing c of
/// |S|! (n - |S| - 1)! / n! (v(S + c) - v(S))`, with `v(S)` the conversions (or value) of the
/// paths whose channel set is inside `S`.
fn brute_force_shapley(t: &PathTable, value: bool) -> Vec<f64> {
    let n = t.names().len();
    let sets: Vec<(u32, f64)> = (0..t.len())
        .map(|i| {
            let mask = t.path(i).iter().fold(0u32, |m, &c| m | 1 << c);
            (mask, if value { t.value(i) } else { t.conversions(i) })
        })
        .collect();
    let v = |s: u32| -> f64 {
        sets.iter()
            .filter(|&&(m, _)| m & !s == 0)
            .map(|&(_, w)| w)
            .sum()
    };
    let fact = |k: usize| (1..=k).map(|x| x as f64).product::<f64>();
    (0..n)
        .map(|c| {
            (0u32..1 << n)
                .filter(|s| s & (1 << c) == 0)
                .map(|s| {
                    let k = s.count_ones() as usize;
                    fact(k) * fact(n - k - 1) / fact(n) * (v(s | 1 << c) - v(s))
                })
                .sum()
        })
        .collect()
}

/// The data-driven Shapley credits by enumeration of the coalitions: `v(S)` is the
/// conversions (or value) per path of the paths whose channel set is inside `S` (0 without
/// such a path); credits are the Shapley values times the number of paths.
fn brute_force_rate_shapley(t: &PathTable, value: bool) -> Vec<f64> {
    let n = t.names().len();
    let sets: Vec<(u32, f64, f64)> = (0..t.len())
        .map(|i| {
            let mask = t.path(i).iter().fold(0u32, |m, &c| m | 1 << c);
            let w = if value { t.value(i) } else { t.conversions(i) };
            (mask, w, t.conversions(i) + t.nulls(i))
        })
        .collect();
    let v = |s: u32| -> f64 {
        let (w, paths) = sets
            .iter()
            .filter(|&&(m, _, _)| m & !s == 0)
            .fold((0.0, 0.0), |(a, b), &(_, w, p)| (a + w, b + p));
        if paths > 0.0 {
            w / paths
        } else {
            0.0
        }
    };
    let total: f64 = sets.iter().map(|x| x.2).sum();
    let fact = |k: usize| (1..=k).map(|x| x as f64).product::<f64>();
    (0..n)
        .map(|c| {
            let phi: f64 = (0u32..1 << n)
                .filter(|s| s & (1 << c) == 0)
                .map(|s| {
                    let k = s.count_ones() as usize;
                    fact(k) * fact(n - k - 1) / fact(n) * (v(s | 1 << c) - v(s))
                })
                .sum();
            phi * total
        })
        .collect()
}

/// One brute-force path: touch names, touch times (us), converted.
type BrutePath = (Vec<String>, Vec<i64>, bool);

/// The paths of customer `c` straight from the raw events of [`build`]: cut at each purchase,
/// drop excluded touchpoints, trim a converting path to the lookback, and only then merge each
/// run of equal names into one touch at the time of its latest touch.
fn brute_force_paths(
    events: &[(usize, u32, u16)],
    level: Level,
    lookback_us: Option<i64>,
    collapse: bool,
    exclude: &[String],
    first_only: bool,
) -> Vec<BrutePath> {
    let finish = |touches: &[(String, i64)], end: Option<i64>| -> BrutePath {
        let kept: Vec<&(String, i64)> = touches
            .iter()
            .filter(|(_, t)| match (end, lookback_us) {
                (Some(end), Some(w)) => end - t <= w,
                _ => true,
            })
            .collect();
        let mut out: Vec<(String, i64)> = Vec::new();
        for (name, t) in kept {
            match out.last_mut() {
                Some(last) if collapse && last.0 == *name => last.1 = *t,
                _ => out.push((name.clone(), *t)),
            }
        }
        let (names, times) = out.into_iter().unzip();
        (names, times, end.is_some())
    };
    let mut paths = Vec::new();
    let mut cur: Vec<(String, i64)> = Vec::new();
    let mut t = 1_000_000i64;
    for &(tp, gap, _) in events {
        t += gap as i64 + 1;
        let t_us = t * 1_000_000;
        let (name, channel) = TOUCHPOINTS[tp];
        if name == "purchase" {
            paths.push(finish(&cur, Some(t_us)));
            cur.clear();
            if first_only {
                return paths;
            }
        } else if !exclude.iter().any(|e| e == name) {
            let n = match level {
                Level::Touchpoint => name,
                Level::Channel => channel,
            };
            cur.push((n.to_string(), t_us));
        }
    }
    if !cur.is_empty() {
        paths.push(finish(&cur, None));
    }
    paths
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Collapsing with a lookback is trimming to the lookback first, then collapsing (a run
    /// keeps the time of its latest touch); time decay weighs the collapsed touch at that time.
    #[test]
    fn collapse_with_lookback_is_lookback_then_collapse(
        journeys in arb_journeys(),
        opts in arb_options(),
    ) {
        let log = build(&journeys, false);
        let exclude = opts.exclude.clone().unwrap_or_default();
        let paths = conversion_paths(&log, &PathOptions {
            level: opts.level,
            lookback_us: opts.lookback.map(Duration::as_us),
            first_conversion_only: opts.first_conversion_only,
            collapse_repeats: opts.collapse_repeats,
            exclude: exclude.clone(),
        }).unwrap();
        let mut got: Vec<(String, BrutePath)> = paths.iter().map(|p| (
            log.customer_ids()[p.customer as usize].clone(),
            (
                p.touches.iter().map(|&t| paths.names[t as usize].clone()).collect(),
                p.times.to_vec(),
                p.converted,
            ),
        )).collect();
        let mut want: Vec<(String, BrutePath)> = Vec::new();
        for (c, events) in journeys.iter().enumerate() {
            for p in brute_force_paths(
                events,
                opts.level,
                opts.lookback.map(Duration::as_us),
                opts.collapse_repeats,
                &exclude,
                opts.first_conversion_only,
            ) {
                want.push((format!("c{c}"), p));
            }
        }
        // Stable sorts by customer keep each customer's paths in time order.
        got.sort_by(|a, b| a.0.cmp(&b.0));
        want.sort_by(|a, b| a.0.cmp(&b.0));
        prop_assert_eq!(&got, &want);

        // Time decay over the brute-force paths.
        let h = opts.half_life.as_us() as f64;
        let mut credit: std::collections::BTreeMap<String, f64> = Default::default();
        for (_, (names, times, converted)) in &want {
            let Some(&end) = times.last() else { continue };
            if !converted {
                continue;
            }
            let w: Vec<f64> = times.iter().map(|&t| (-((end - t) as f64) / h).exp2()).collect();
            let total: f64 = w.iter().sum();
            for (n, w) in names.iter().zip(&w) {
                *credit.entry(n.clone()).or_default() += w / total;
            }
        }
        let r = log.attribution(&opts.with_model(Model::TimeDecay)).unwrap();
        for row in &r.rows {
            let want = credit.get(&row.channel).copied().unwrap_or(0.0);
            prop_assert!(close(row.conversions, want), "{}: {} != {want}", row.channel, row.conversions);
        }
    }

    #[test]
    fn credits_sum_to_attributed_conversions_and_value(
        journeys in arb_journeys(),
        opts in arb_options(),
    ) {
        let log = build(&journeys, false);
        for model in Model::EVERY {
            let r = log.attribution(&opts.with_model(model)).unwrap();
            check_sums(&r)?;
        }
        let table = log.attribution_table(&opts).unwrap();
        let sum = |f: &dyn Fn(&journey_core::metrics::attribution::AttributionTableRow) -> f64| {
            table.rows.iter().map(f).sum::<f64>()
        };
        for total in [
            sum(&|r| r.first_touch),
            sum(&|r| r.last_touch),
            sum(&|r| r.linear),
            sum(&|r| r.time_decay.unwrap()),
            sum(&|r| r.position_based),
            sum(&|r| r.markov),
            sum(&|r| r.shapley),
        ] {
            prop_assert!(close(total, table.attributed_conversions));
        }
        prop_assert!(close(sum(&|r| r.markov_value), table.attributed_value));
        prop_assert!(close(sum(&|r| r.time_decay_value.unwrap()), table.attributed_value));
    }

    #[test]
    fn log_results_do_not_depend_on_row_order(journeys in arb_journeys(), opts in arb_options()) {
        let a = build(&journeys, false);
        let b = build(&journeys, true);
        for model in Model::EVERY {
            let o = opts.with_model(model);
            same(&a.attribution(&o).unwrap(), &b.attribution(&o).unwrap())?;
        }
    }

    #[test]
    fn table_results_do_not_depend_on_path_order(
        (rows, shuffled) in arb_rows().prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        order in 1usize..=4,
        collapse in any::<bool>(),
    ) {
        let a = PathTable::from_rows(rows).unwrap();
        let b = PathTable::from_rows(shuffled).unwrap();
        for model in Model::EVERY.into_iter().filter(|&m| m != Model::TimeDecay) {
            let o = AttributionOptions { model, order, collapse_repeats: collapse, ..Default::default() };
            let (ra, rb) = (a.attribution(&o).unwrap(), b.attribution(&o).unwrap());
            check_sums(&ra)?;
            same(&ra, &rb)?;
        }
    }

    #[test]
    fn data_driven_shapley_equals_coalition_enumeration(rows in arb_rows()) {
        let t = PathTable::from_rows(rows).unwrap();
        let r = t.attribution(&AttributionOptions { model: Model::DataDrivenShapley, ..Default::default() }).unwrap();
        let conv = brute_force_rate_shapley(&t, false);
        let value = brute_force_rate_shapley(&t, true);
        for row in &r.rows {
            let i = t.names().iter().position(|n| *n == row.channel).unwrap();
            prop_assert!(close(row.conversions, conv[i]), "{} {} {}", row.channel, row.conversions, conv[i]);
            prop_assert!(close(row.value, value[i]), "{} {} {}", row.channel, row.value, value[i]);
        }
    }

    #[test]
    fn shapley_equals_coalition_enumeration(rows in arb_rows()) {
        let t = PathTable::from_rows(rows).unwrap();
        let r = t.attribution(&AttributionOptions { model: Model::Shapley, ..Default::default() }).unwrap();
        let conv = brute_force_shapley(&t, false);
        let value = brute_force_shapley(&t, true);
        for row in &r.rows {
            let i = t.names().iter().position(|n| *n == row.channel).unwrap();
            prop_assert!(close(row.conversions, conv[i]), "{} {} {}", row.channel, row.conversions, conv[i]);
            prop_assert!(close(row.value, value[i]));
        }
    }
}

#[test]
fn brute_force_agrees_on_a_hand_example() {
    // {a, b} converts 3 times, {b} once, {a, b, c} twice:
    // a: 3/2 + 2/3 = 13/6, b: 3/2 + 1 + 2/3 = 19/6, c: 2/3.
    let t = PathTable::from_rows(vec![
        PathRow {
            path: "a>b>a".into(),
            total_conversions: 3.0,
            ..Default::default()
        },
        PathRow {
            path: "b".into(),
            total_conversions: 1.0,
            ..Default::default()
        },
        PathRow {
            path: "c>b>a".into(),
            total_conversions: 2.0,
            ..Default::default()
        },
    ])
    .unwrap();
    let want = [13.0 / 6.0, 19.0 / 6.0, 2.0 / 3.0];
    let brute = brute_force_shapley(&t, false);
    let r = t
        .attribution(&AttributionOptions {
            model: Model::Shapley,
            ..Default::default()
        })
        .unwrap();
    for i in 0..3 {
        assert!((brute[i] - want[i]).abs() < 1e-12, "{brute:?}");
        assert!((r.rows[i].conversions - want[i]).abs() < 1e-12);
    }
}
