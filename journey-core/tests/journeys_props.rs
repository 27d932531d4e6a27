//! Properties of funnels, sessions, path statistics and the transition graph on random small
//! logs: monotone funnels that agree with brute force, flow conservation, consistency with the
//! conversion paths, and independence from the order of the input rows.

use journey_core::metrics::funnel::{funnel, Exclusion, FunnelMode, FunnelOptions, FunnelStep};
use journey_core::metrics::graph::{transition_graph, NodeKind, TransitionGraphOptions};
use journey_core::metrics::path_stats::{
    path_stats, touchpoints_before_conversion, PathStatsOptions,
};
use journey_core::metrics::paths::{conversion_paths, Level, PathOptions};
use journey_core::metrics::sessions::{sessions, SessionOptions};
use journey_core::time::Duration;
use journey_core::{read_events_csv, EventLog, LoadOptions};
use petgraph::Direction;
use proptest::prelude::*;

const TOUCHPOINTS: [&str; 5] = ["a", "b", "c", "x", "purchase"];
const CHANNELS: [&str; 3] = ["web", "email", "social"];

/// A row: customer, time (seconds), touchpoint index, channel index.
type Row = (u8, i64, usize, usize);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec((0u8..5, 0i64..30, 0usize..5, 0usize..3), 0..40)
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from("customer_id,timestamp,touchpoint,channel\n");
    for &(c, t, tp, ch) in rows {
        s.push_str(&format!("c{c},{t},{},{}\n", TOUCHPOINTS[tp], CHANNELS[ch]));
    }
    s
}

fn load(rows: &[Row]) -> EventLog {
    read_events_csv(csv(rows).as_bytes(), &LoadOptions::default()).unwrap()
}

/// The rows in another order that keeps each customer's rows in their relative order (so ties
/// keep their meaning), from a permutation `perm` of the positions.
fn interleave(rows: &[Row], perm: &[usize]) -> Vec<Row> {
    let shuffled: Vec<Row> = perm.iter().map(|&i| rows[i]).collect();
    let mut per_customer: Vec<std::collections::VecDeque<Row>> = vec![Default::default(); 5];
    for r in rows {
        per_customer[r.0 as usize].push_back(*r);
    }
    shuffled
        .iter()
        .map(|r| per_customer[r.0 as usize].pop_front().unwrap())
        .collect()
}

fn steps() -> impl Strategy<Value = Vec<FunnelStep>> {
    let step = prop_oneof![
        3 => (0usize..4).prop_map(|i| FunnelStep::Touchpoint(["a", "b", "c", "purchase"][i].into())),
        1 => proptest::sample::subsequence(vec!["a", "b", "c"], 1..3)
            .prop_map(|v| FunnelStep::AnyOf(v.into_iter().map(String::from).collect())),
    ];
    proptest::collection::vec(step, 1..5)
}

fn mode() -> impl Strategy<Value = FunnelMode> {
    prop_oneof![
        Just(FunnelMode::Ordered),
        Just(FunnelMode::Strict),
        Just(FunnelMode::Any)
    ]
}

/// An exclusion of `x` for the brute force: none, between the first and the last step, or
/// between two 1-based steps `(from, to)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Excl {
    None,
    Default,
    Range(usize, usize),
}

/// Largest `j` such that steps `1..=j` can be matched to distinct events among `allowed`
/// (any-order mode), by trying every assignment.
fn any_prefix(k: usize, allowed: &[usize], hit: &dyn Fn(usize, usize) -> bool) -> usize {
    fn go(
        j: usize,
        k: usize,
        used: &mut Vec<usize>,
        allowed: &[usize],
        hit: &dyn Fn(usize, usize) -> bool,
    ) -> usize {
        if j == k {
            return j;
        }
        let mut best = j;
        for &q in allowed {
            if used.contains(&q) || !hit(j, q) {
                continue;
            }
            used.push(q);
            best = best.max(go(j + 1, k, used, allowed, hit));
            used.pop();
            if best == k {
                break;
            }
        }
        best
    }
    go(0, k, &mut Vec::new(), allowed, hit)
}

/// Brute force reference of the furthest step of one journey (`ts`, names), straight from the
/// definitions in docs/journeys.md, with an exclusion of `x`.
fn brute(
    ts: &[i64],
    tps: &[&str],
    steps: &[FunnelStep],
    w: i64,
    mode: FunnelMode,
    first: bool,
    excl: Excl,
) -> usize {
    let k = steps.len();
    let hit = |j: usize, q: usize| steps[j].names().iter().any(|n| n == tps[q]);
    let x_between = |lo: usize, hi: usize| (lo + 1..hi).any(|q| tps[q] == "x");
    let n = ts.len();
    match mode {
        FunnelMode::Ordered | FunnelMode::Strict => {
            let mut best = 0;
            for p in (0..n).filter(|&p| hit(0, p)) {
                let mut pos = vec![p];
                if mode == FunnelMode::Strict {
                    while pos.len() < k {
                        let q = p + pos.len();
                        if q < n && ts[q] - ts[p] <= w && hit(pos.len(), q) {
                            pos.push(q);
                        } else {
                            break;
                        }
                    }
                } else {
                    for q in p + 1..n {
                        if pos.len() < k && ts[q] - ts[p] <= w && hit(pos.len(), q) {
                            pos.push(q);
                        }
                    }
                }
                // Void: an x strictly between the step-`a` and the step-`b` events, `b` cut to
                // the furthest step reached (strict: consecutive events, never void).
                let (a, b) = match excl {
                    Excl::None => (0, 0),
                    Excl::Default => (1, k),
                    Excl::Range(a, b) => (a, b),
                };
                let b = b.min(pos.len());
                let void = excl != Excl::None && b > a && x_between(pos[a - 1], pos[b - 1]);
                if !void {
                    best = best.max(pos.len());
                }
                if first {
                    break;
                }
            }
            best
        }
        FunnelMode::Any => {
            // Every event matching some step starts an attempt over the events from it up to
            // `w` later; it reaches the largest `j` whose steps `1..=j` take distinct events of
            // that window, completed at the first event after which they can; it is void when
            // an x lies strictly between its first event and that completion.
            let mut best = 0;
            for p in (0..n).filter(|&p| (0..k).any(|j| hit(j, p))) {
                let window: Vec<usize> = (p..n).filter(|&q| ts[q] - ts[p] <= w).collect();
                let m = any_prefix(k, &window, &hit);
                let done = (0..window.len())
                    .find(|&i| any_prefix(k, &window[..=i], &hit) == m)
                    .map_or(p, |i| window[i]);
                let void = excl != Excl::None && m > 0 && x_between(p, done);
                if !void {
                    best = best.max(m);
                }
                if first {
                    break;
                }
            }
            best
        }
    }
}

fn funnel_counts_by_brute(
    log: &EventLog,
    steps: &[FunnelStep],
    window: i64,
    mode: FunnelMode,
    first: bool,
    excl: Excl,
) -> Vec<u64> {
    let mut expected = vec![0u64; steps.len()];
    for j in log.journeys() {
        let names: Vec<&str> = j
            .touchpoints()
            .iter()
            .map(|&t| log.touchpoint_name(t))
            .collect();
        let ts: Vec<i64> = j.timestamps().iter().map(|t| t / 1_000_000).collect();
        let m = brute(&ts, &names, steps, window, mode, first, excl);
        for e in expected.iter_mut().take(m) {
            *e += 1;
        }
    }
    expected
}

/// The cases proptest once shrank failures to (they were in journeys_props.proptest-regressions,
/// which was never read back): each checked against brute force and by hand.
#[test]
fn former_regressions() {
    let tp = |s: &str| FunnelStep::Touchpoint(s.into());
    // rows, steps, mode, window (s), exclusion of x, expected counts
    type Case = (Vec<Row>, Vec<FunnelStep>, FunnelMode, i64, bool, Vec<u64>);
    let cases: [Case; 3] = [
        // No customer at all, exclusion of x: [0].
        (vec![], vec![tp("a")], FunnelMode::Ordered, 0, true, vec![0]),
        // c4: c 0, b 0, b 3 (rows out of time order); any order, window 0: b and c at 0.
        (
            vec![(4, 3, 1, 0), (4, 0, 2, 0), (4, 0, 1, 0)],
            vec![tp("b"), tp("c")],
            FunnelMode::Any,
            0,
            false,
            vec![1, 1],
        ),
        // c3: c 11, c 11, b 17; ordered, window 6: c 11 -> b 17 is exactly 6 s.
        (
            vec![(3, 11, 2, 0), (3, 17, 1, 0), (3, 11, 2, 0)],
            vec![tp("c"), tp("b")],
            FunnelMode::Ordered,
            6,
            false,
            vec![1, 1],
        ),
    ];
    for (rows, steps, mode, window, excl, want) in cases {
        let log = load(&rows);
        let opts = FunnelOptions {
            steps: steps.clone(),
            window: Duration::from_secs(window),
            mode,
            exclude: excl.then(|| vec![Exclusion::Touchpoint("x".into())]),
            ..Default::default()
        };
        let e = if excl { Excl::Default } else { Excl::None };
        assert_eq!(funnel(&log, &opts).unwrap().counts(), want);
        assert_eq!(
            funnel_counts_by_brute(&log, &steps, window, mode, false, e),
            want
        );
    }
}

/// The brute force itself, on journeys checked by hand (exclusion ranges, any order with an
/// exclusion and with the first attempt only).
#[test]
fn brute_force_by_hand() {
    let tp = |s: &str| FunnelStep::Touchpoint(s.into());
    let steps = [tp("a"), tp("b"), tp("c")];
    // a 0, b 1, x 2, c 3: x is between steps 2 and 3 only.
    let (ts, names) = ([0, 1, 2, 3], ["a", "b", "x", "c"]);
    let ordered = |e| brute(&ts, &names, &steps, 10, FunnelMode::Ordered, false, e);
    assert_eq!(ordered(Excl::None), 3);
    assert_eq!(ordered(Excl::Default), 0);
    assert_eq!(ordered(Excl::Range(1, 2)), 3);
    assert_eq!(ordered(Excl::Range(2, 3)), 0);
    // Any order: x 0, c 1, b 2, a 3. The attempt from x (it matches no step) does not exist;
    // from c: all three, completed at a, nothing in between; with an x after c: void, and the
    // attempt from b reaches only 2 (a, b) with nothing in between.
    let any = |ts: &[i64], names: &[&str], first, e| {
        brute(ts, names, &steps, 10, FunnelMode::Any, first, e)
    };
    assert_eq!(
        any(&[0, 1, 2, 3], &["x", "c", "b", "a"], false, Excl::Default),
        3
    );
    assert_eq!(
        any(&[0, 1, 2, 3], &["c", "x", "b", "a"], false, Excl::Default),
        2
    );
    assert_eq!(
        any(&[0, 1, 2, 3], &["c", "x", "b", "a"], false, Excl::None),
        3
    );
    // First attempt only: the attempt from c is the only one: void gives 0.
    assert_eq!(
        any(&[0, 1, 2, 3], &["c", "x", "b", "a"], true, Excl::Default),
        0
    );
    // Window 1: from c at 0 the attempt sees c, b but not a at 3, so it reaches no step (step
    // 1 is a); the attempt from a at 3 sees a, b: 2 steps.
    let w1 = |first| {
        brute(
            &[0, 1, 3, 3],
            &["c", "b", "a", "b"],
            &steps,
            1,
            FunnelMode::Any,
            first,
            Excl::None,
        )
    };
    assert_eq!((w1(true), w1(false)), (0, 2));
}

fn exclusion() -> impl Strategy<Value = (bool, u8, u8, bool)> {
    (any::<bool>(), any::<u8>(), any::<u8>(), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Counts never increase, drop-offs add up, and every mode matches brute force, with and
    /// without an exclusion (default range, or explicit steps in ordered and strict mode) and
    /// the first attempt only.
    #[test]
    fn funnel_is_monotone_and_matches_brute_force(
        rows in rows(),
        steps in steps(),
        mode in mode(),
        window in 0i64..20,
        first in any::<bool>(),
        (excl, r1, r2, explicit) in exclusion(),
    ) {
        let log = load(&rows);
        let k = steps.len();
        // Explicit ranges need 1 <= from < to <= k and an ordered or strict funnel.
        let explicit = explicit && k >= 2 && mode != FunnelMode::Any;
        let range = explicit.then(|| {
            let a = 1 + r1 as usize % (k - 1);
            (a, a + 1 + r2 as usize % (k - a))
        });
        let (exclude, e) = match (excl, range) {
            (false, _) => (None, Excl::None),
            (true, None) => (Some(vec![Exclusion::Touchpoint("x".into())]), Excl::Default),
            (true, Some((a, b))) => {
                let v = serde_json::json!([{"touchpoint": ["x"], "from_step": a, "to_step": b}]);
                (Some(serde_json::from_value(v).unwrap()), Excl::Range(a, b))
            }
        };
        let opts = FunnelOptions {
            steps: steps.clone(),
            window: Duration::from_secs(window),
            mode,
            first_attempt: first,
            exclude,
            dropped_ids: true,
            ..Default::default()
        };
        let f = funnel(&log, &opts).unwrap();
        let counts = f.counts();
        for j in 1..counts.len() {
            prop_assert!(counts[j] <= counts[j - 1], "{counts:?}");
            prop_assert_eq!(f.steps[j].dropped, counts[j - 1] - counts[j]);
            prop_assert_eq!(f.steps[j].dropped_ids.as_ref().unwrap().len() as u64, f.steps[j].dropped);
        }
        prop_assert_eq!(counts, funnel_counts_by_brute(&log, &steps, window, mode, first, e));
        // Times from the previous step are never negative.
        for s in &f.steps {
            prop_assert!(s.median_time_from_previous_s.unwrap_or(0.0) >= 0.0);
        }
    }

    /// Every touch node has as many walks in as out; start and end carry the walks.
    #[test]
    fn graph_conserves_flow(
        rows in rows(),
        channel in any::<bool>(),
        gap in proptest::option::of(0i64..10),
        collapse in any::<bool>(),
    ) {
        let log = load(&rows);
        let g = transition_graph(&log, &TransitionGraphOptions {
            level: if channel { Level::Channel } else { Level::Touchpoint },
            session_gap: gap.map(Duration::from_secs),
            collapse_repeats: collapse,
        }).unwrap();
        for n in g.graph.node_indices() {
            let (i, o) = (g.flow(n, Direction::Incoming), g.flow(n, Direction::Outgoing));
            match g.graph[n].kind {
                NodeKind::Start => prop_assert_eq!((i, o), (0, g.n_walks)),
                NodeKind::End => prop_assert_eq!((i, o), (g.n_walks, 0)),
                NodeKind::Touch => {
                    prop_assert_eq!(i, o);
                    prop_assert_eq!(i, g.graph[n].visits);
                }
            }
            if o > 0 {
                let p: f64 = g.graph.edges_directed(n, Direction::Outgoing).map(|e| e.weight().probability).sum();
                prop_assert!((p - 1.0).abs() < 1e-9);
            }
        }
        if !collapse && gap.is_none() {
            prop_assert_eq!(g.n_walks, log.n_customers() as u64);
            let touch_visits: u64 = g.nodes().iter().filter(|n| n.kind == NodeKind::Touch).map(|n| n.visits).sum();
            prop_assert_eq!(touch_visits, log.n_events() as u64);
        }
    }

    /// Path statistics agree with the materialised conversion paths.
    #[test]
    fn path_stats_agree_with_conversion_paths(
        rows in rows(),
        channel in any::<bool>(),
        lookback in proptest::option::of(0i64..10),
        first in any::<bool>(),
        collapse in any::<bool>(),
        exclude in any::<bool>(),
    ) {
        let log = load(&rows);
        let level = if channel { Level::Channel } else { Level::Touchpoint };
        let exclude = if exclude { vec!["b".to_string()] } else { vec![] };
        let paths = conversion_paths(&log, &PathOptions {
            level,
            lookback_us: lookback.map(|s| s * 1_000_000),
            first_conversion_only: first,
            collapse_repeats: collapse,
            exclude: exclude.clone(),
        }).unwrap();
        let opts = PathStatsOptions {
            level,
            lookback: lookback.map(Duration::from_secs),
            first_conversion_only: first,
            collapse_repeats: collapse,
            exclude: Some(exclude),
            top: 0,
            ..Default::default()
        };
        let s = path_stats(&log, &opts).unwrap();
        prop_assert_eq!(&s.conversion, &touchpoints_before_conversion(&log, &opts).unwrap());
        prop_assert_eq!(s.conversion.n_paths, paths.len() as u64);
        prop_assert_eq!(s.conversion.n_conversions, paths.n_conversions() as u64);
        let touches: u64 = paths.iter().filter(|p| p.converted).map(|p| p.touches.len() as u64).sum();
        let n = s.conversion.touches_before_conversion.n;
        prop_assert_eq!(n, paths.n_conversions() as u64);
        if n > 0 {
            let mean = s.conversion.touches_before_conversion.mean.unwrap();
            prop_assert!((mean - touches as f64 / n as f64).abs() < 1e-9);
        }
        // Variants: every path counted once, under its own sequence.
        let mut seqs: Vec<(Vec<String>, bool)> = paths.iter()
            .map(|p| (p.touches.iter().map(|&t| paths.names[t as usize].clone()).collect(), p.converted))
            .collect();
        seqs.sort();
        let mut distinct = seqs.iter().map(|s| &s.0).collect::<Vec<_>>();
        distinct.dedup();
        prop_assert_eq!(s.n_variants as usize, distinct.len());
        prop_assert_eq!(s.variants.len(), distinct.len());
        for v in &s.variants {
            let count = seqs.iter().filter(|x| x.0 == v.path).count() as u64;
            let conv = seqs.iter().filter(|x| x.0 == v.path && x.1).count() as u64;
            prop_assert_eq!((v.count, v.conversions), (count, conv));
        }
        for w in s.variants.windows(2) {
            prop_assert!((w[0].count, w[0].conversions) >= (w[1].count, w[1].conversions));
        }
        for t in &s.touches {
            let reach = paths.iter().filter(|p| p.touches.iter().any(|&x| paths.names[x as usize] == t.name)).count() as u64;
            prop_assert_eq!(t.paths, reach);
        }
    }

    /// Results do not depend on the order of the input rows (each customer's own rows keep
    /// their relative order, as ties are broken by it).
    #[test]
    fn independent_of_row_order(
        (rows, perm) in rows().prop_flat_map(|r| {
            let n = r.len();
            (Just(r), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
        steps in steps(),
        mode in mode(),
    ) {
        let a = load(&rows);
        let b = load(&interleave(&rows, &perm));
        let mut f = FunnelOptions { steps, mode, dropped_ids: true, ..Default::default() };
        f.breakdown = Some("first_touch_channel".into());
        prop_assert_eq!(funnel(&a, &f).unwrap(), funnel(&b, &f).unwrap());
        let g = TransitionGraphOptions::default();
        prop_assert_eq!(transition_graph(&a, &g).unwrap(), transition_graph(&b, &g).unwrap());
        let s = SessionOptions { gap: Duration::from_secs(5), inactivity: Duration::from_secs(10), per_customer: true };
        prop_assert_eq!(sessions(&a, &s).unwrap(), sessions(&b, &s).unwrap());
        let p = PathStatsOptions { top: 0, ..Default::default() };
        prop_assert_eq!(path_stats(&a, &p).unwrap(), path_stats(&b, &p).unwrap());
    }

    /// With distinct timestamps per customer any row order gives the same results.
    #[test]
    fn independent_of_any_row_order_without_ties(
        (rows, perm) in rows().prop_flat_map(|r| {
            let n = r.len();
            (Just(r), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
    ) {
        // Make timestamps distinct within each customer.
        let rows: Vec<Row> = rows.iter().enumerate().map(|(i, r)| (r.0, r.1 * 100 + i as i64, r.2, r.3)).collect();
        let shuffled: Vec<Row> = perm.iter().map(|&i| rows[i]).collect();
        let (a, b) = (load(&rows), load(&shuffled));
        let f = FunnelOptions::new(["a", "b", "a"]);
        prop_assert_eq!(funnel(&a, &f).unwrap(), funnel(&b, &f).unwrap());
        let g = TransitionGraphOptions { session_gap: Some(Duration::from_secs(500)), ..Default::default() };
        prop_assert_eq!(transition_graph(&a, &g).unwrap(), transition_graph(&b, &g).unwrap());
        let p = PathStatsOptions { level: Level::Channel, ..Default::default() };
        prop_assert_eq!(path_stats(&a, &p).unwrap(), path_stats(&b, &p).unwrap());
    }
}
