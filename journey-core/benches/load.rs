//! Loading benchmarks: CSV text -> the sorted columnar log.
//! `cargo bench -p journey-core --bench load`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use journey_core::{read_events_csv, read_surveys_csv, synthetic, LoadOptions};

fn load(c: &mut Criterion) {
    let (log, surveys) = synthetic(20_000, 42);
    let events = log.to_csv_string().unwrap();
    let responses = surveys.to_csv_string().unwrap();
    let opts = LoadOptions::default();

    let mut g = c.benchmark_group("load");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(events.len() as u64));
    g.bench_function(format!("events_csv_{}_events", log.n_events()), |b| {
        b.iter(|| read_events_csv(events.as_bytes(), &opts).unwrap())
    });
    g.throughput(Throughput::Bytes(responses.len() as u64));
    g.bench_function(format!("surveys_csv_{}_responses", surveys.len()), |b| {
        b.iter(|| read_surveys_csv(responses.as_bytes(), &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
