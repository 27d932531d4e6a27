//! Timings of the journey metrics on the synthetic log (default 1.15M customers, about 10M events).
//!
//! `cargo bench -p journey-core --bench journeys [-- CUSTOMERS]`. Plain timings (best of 5), not
//! criterion: one iteration on 10M events is the unit of interest.

use std::time::Instant;

use journey_core::metrics::funnel::{funnel, FunnelOptions};
use journey_core::metrics::graph::{transition_graph, TransitionGraphOptions};
use journey_core::metrics::path_stats::{
    path_stats, touchpoints_before_conversion, PathStatsOptions,
};
use journey_core::metrics::sessions::{sessions, SessionOptions};

/// Process CPU time (user + system), seconds, from /proc (Linux); 0 elsewhere.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, r)| r.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the name), in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

/// Best wall time of 5 runs, and the CPU time of that run (on a machine shared with other
/// work, CPU time / threads estimates the unloaded wall time).
fn best<T>(name: &str, mut f: impl FnMut() -> T) -> Option<T> {
    let filter = std::env::var("JOURNEY_BENCH").unwrap_or_default();
    if !name.contains(filter.as_str()) {
        return None;
    }
    let (mut best, mut cpu) = (f64::INFINITY, 0.0);
    let mut out = None;
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_s());
        let r = f();
        let wall = t.elapsed().as_secs_f64();
        if wall < best {
            (best, cpu) = (wall, cpu_s() - c);
        }
        out = Some(r);
    }
    println!("{name:<42} wall {best:>6.3} s   cpu {cpu:>6.2} s");
    out
}

fn main() {
    let customers: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_150_000);
    let t = Instant::now();
    let (log, _) = journey_core::synthetic(customers, 42);
    println!(
        "synthetic: {} customers, {} events in {:.2} s, {} threads",
        log.n_customers(),
        log.n_events(),
        t.elapsed().as_secs_f64(),
        rayon_threads()
    );
    let steps = journey_core::synthetic::CHECKOUT_STEPS;
    if let Some(f) = best("funnel, 5 steps, ordered", || {
        funnel(&log, &FunnelOptions::new(steps)).unwrap()
    }) {
        println!("  counts {:?}", f.counts());
    }
    best("funnel, 5 steps, strict", || {
        let mut o = FunnelOptions::new(steps);
        o.mode = "strict".parse().unwrap();
        funnel(&log, &o).unwrap()
    });
    best("funnel, 5 steps, any order", || {
        let mut o = FunnelOptions::new(steps);
        o.mode = "any".parse().unwrap();
        funnel(&log, &o).unwrap()
    });
    best("funnel, 5 steps, breakdown persona", || {
        let mut o = FunnelOptions::new(steps);
        o.breakdown = Some("persona".into());
        funnel(&log, &o).unwrap()
    });
    if let Some(g) = best("transition graph (touchpoint)", || {
        transition_graph(&log, &TransitionGraphOptions::default()).unwrap()
    }) {
        println!(
            "  {} nodes, {} edges",
            g.graph.node_count(),
            g.graph.edge_count()
        );
    }
    if let Some(s) = best("sessions", || {
        sessions(&log, &SessionOptions::default()).unwrap()
    }) {
        println!("  {} sessions", s.n_sessions);
    }
    if let Some(p) = best("path stats (tbc, ttc, variants, lift)", || {
        path_stats(&log, &PathStatsOptions::default()).unwrap()
    }) {
        println!(
            "  {} paths, {} variants",
            p.conversion.n_paths, p.n_variants
        );
    }
    best("touchpoints before conversion", || {
        touchpoints_before_conversion(&log, &PathStatsOptions::default()).unwrap()
    });
    best("sessions + touchpoints before conversion", || {
        (
            sessions(&log, &SessionOptions::default()).unwrap(),
            touchpoints_before_conversion(&log, &PathStatsOptions::default()).unwrap(),
        )
    });
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
