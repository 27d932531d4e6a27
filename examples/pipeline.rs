//! The pipeline the WebAssembly benchmark (`journey-wasm/bench/bench.mjs`) times, run natively,
//! so the two can be compared on the same file: CSV bytes in memory -> EventLog -> funnel +
//! attribution + the journey map from data drawn as SVG.
//!
//! ```sh
//! cargo build --release -p journey-examples
//! target/release/bench gen 1000000 bench-data/events-1M.csv
//! target/release/pipeline bench-data/events-1M.csv                     # all cores
//! RAYON_NUM_THREADS=1 target/release/pipeline bench-data/events-1M.csv # one core, like wasm
//! ```
//! Prints each step's best time of three runs, in seconds, as one JSON object. The file is read
//! into memory before timing starts, as the Node benchmark reads it into a string.

use journey_core::metrics::attribution::AttributionOptions;
use journey_core::metrics::funnel::{funnel, FunnelOptions};
use journey_core::render::MapSvgOptions;
use journey_core::report::FromDataOptions;
use journey_core::JourneyMap;

#[path = "timing.rs"]
mod timing;
use timing::time as best;

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
    // `log.funnel([...])`: the five checkout steps, the defaults.
    let steps = journey_core::synthetic::CHECKOUT_STEPS;
    let fopts: FunnelOptions = serde_json::from_value(serde_json::json!({ "steps": steps }))?;
    let (funnel_s, _) = best(3, || funnel(&log, &fopts));
    // `JourneyMap.fromData(log).toSvg()`.
    let (map_s, _) = best(3, || {
        JourneyMap::from_data(&log, None, &FromDataOptions::default())
            .and_then(|m| m.to_svg(&MapSvgOptions::default()))
    });
    println!(
        "{}",
        serde_json::json!({
            "file": path,
            "events": log.n_events(),
            "customers": log.n_customers(),
            "threads": std::env::var("RAYON_NUM_THREADS").ok().and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)),
            "load_s": load,
            "funnel_s": funnel_s,
            "attribution_s": attribution,
            "map_s": map_s,
            "total_s": load + funnel_s + attribution + map_s,
        })
    );
    Ok(())
}
