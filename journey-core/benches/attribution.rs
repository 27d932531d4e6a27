//! Attribution on the 10M-event synthetic log (1M customers).
//!
//! `cargo bench -p journey-core --bench attribution`. Targets (2 cores): all seven models from
//! the loaded log in <= 1 s; first-order Markov on the aggregated paths in <= 0.15 s.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use journey_core::metrics::attribution::{AttributionOptions, Model, PathTable};

fn bench(c: &mut Criterion) {
    let customers = std::env::var("JOURNEY_BENCH_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let (log, _) = journey_core::synthetic(customers, 42);
    let t0 = Instant::now();
    let table = PathTable::from_log(&log, &Default::default()).unwrap();
    eprintln!(
        "{} events, {} customers, {} distinct channel paths (aggregated in {:?})",
        log.n_events(),
        log.n_customers(),
        table.len(),
        t0.elapsed()
    );
    let mut g = c.benchmark_group("attribution");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("all_models_from_log", |b| {
        b.iter(|| log.attribution_table(&Default::default()).unwrap())
    });
    g.bench_function("markov_order1_from_table", |b| {
        b.iter(|| table.attribution(&AttributionOptions::default()).unwrap())
    });
    for order in [2, 4] {
        g.bench_function(format!("markov_order{order}_from_table"), |b| {
            let opts = AttributionOptions {
                model: Model::Markov,
                order,
                ..Default::default()
            };
            b.iter(|| table.attribution(&opts).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
