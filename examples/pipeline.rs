//! The pipeline the WebAssembly benchmark (`journey-wasm/bench/bench.mjs`) times, run natively,
//! so the two can be compared on the same file: CSV bytes in memory -> EventLog -> attribution.
//!
//! ```sh
//! cargo build --release -p journey-examples
//! target/release/bench gen 1000000 bench-data/events-1M.csv
//! target/release/pipeline bench-data/events-1M.csv                     # all cores
//! RAYON_NUM_THREADS=1 target/release/pipeline bench-data/events-1M.csv # one core, like wasm
//! ```
//! Prints each step's best time of three runs, in seconds, as one JSON object. The file is read
//! into memory before timing starts, as the Node benchmark reads it into a string.

use std::time::Instant;

use journey_core::metrics::attribution::AttributionOptions;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("runs > 0"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: pipeline EVENTS.csv")?;
    let bytes = std::fs::read(&path)?;
    let opts = journey_core::LoadOptions::default();
    let (load, log) = best(3, || journey_core::read_events_csv(bytes.as_slice(), &opts));
    let log = log?;
    // The same call as `log.attribution()` in JavaScript: Markov, channels, the defaults.
    let (attribution, _) = best(3, || log.attribution(&AttributionOptions::default()));
    println!(
        "{}",
        serde_json::json!({
            "file": path,
            "events": log.n_events(),
            "customers": log.n_customers(),
            "threads": std::env::var("RAYON_NUM_THREADS").ok().and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)),
            "load_s": load,
            "attribution_s": attribution,
            "total_s": load + attribution,
        })
    );
    Ok(())
}
