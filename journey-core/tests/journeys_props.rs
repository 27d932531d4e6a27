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

/// Brute force reference of the furthest step of one journey (`ts`, names), straight from the
/// definitions. Exclusions: `x` between the first and the last step (ordered mode only).
fn brute(
    ts: &[i64],
    tps: &[&str],
    steps: &[FunnelStep],
    w: i64,
    mode: FunnelMode,
    first: bool,
    excl: bool,
) -> usize {
    let k = steps.len();
    let hit = |j: usize, q: usize| steps[j].names().iter().any(|n| n == tps[q]);
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
                let last = *pos.last().unwrap();
                let void =
                    excl && mode == FunnelMode::Ordered && (p + 1..last).any(|q| tps[q] == "x");
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
            // Largest j such that steps 1..j take distinct events spanning at most w.
            fn assign(
                j: usize,
                k: usize,
                used: &mut Vec<usize>,
                ts: &[i64],
                w: i64,
                hit: &dyn Fn(usize, usize) -> bool,
            ) -> usize {
                let mut best = j;
                if j == k {
                    return j;
                }
                for q in 0..ts.len() {
                    if used.contains(&q) || !hit(j, q) {
                        continue;
                    }
                    used.push(q);
                    let lo = used.iter().map(|&u| ts[u]).min().unwrap();
                    let hi = used.iter().map(|&u| ts[u]).max().unwrap();
                    if hi - lo <= w {
                        best = best.max(assign(j + 1, k, used, ts, w, hit));
                    }
                    used.pop();
                    if best == k {
                        break;
                    }
                }
                best
            }
            assign(0, k, &mut Vec::new(), ts, w, &hit)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Counts never increase, drop-offs add up, and every mode matches brute force.
    #[test]
    fn funnel_is_monotone_and_matches_brute_force(
        rows in rows(),
        steps in steps(),
        mode in mode(),
        window in 0i64..20,
        first in any::<bool>(),
        excl in any::<bool>(),
    ) {
        let log = load(&rows);
        let excl = excl && mode == FunnelMode::Ordered;
        let opts = FunnelOptions {
            steps: steps.clone(),
            window: Duration::from_secs(window),
            mode,
            first_attempt: first && mode != FunnelMode::Any,
            exclude: excl.then(|| vec![Exclusion::Touchpoint("x".into())]),
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
        let mut expected = vec![0u64; steps.len()];
        for j in log.journeys() {
            let names: Vec<&str> = j.touchpoints().iter().map(|&t| log.touchpoint_name(t)).collect();
            let ts: Vec<i64> = j.timestamps().iter().map(|t| t / 1_000_000).collect();
            let m = brute(&ts, &names, &steps, window, mode, opts.first_attempt, excl);
            for e in expected.iter_mut().take(m) {
                *e += 1;
            }
        }
        prop_assert_eq!(counts, expected);
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
