//! Writes the seed corpus of the `partial_bytes` fuzz target: real partials of every analysis
//! in `fuzz_targets/partial_analyses.rs`, of a small log and of each half of it, as given
//! (first byte 0) and with their fingerprints recomputed (first byte 1), and the log itself for
//! the split mode (first byte 2 + 4 × the analysis). Run from the repository top:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seed_partials`.

use std::path::Path;

use journey_core::{read_events_csv, Analysis, Context, LoadOptions};

#[path = "../fuzz_targets/partial_analyses.rs"]
mod partial_analyses;
use partial_analyses::ANALYSES;

const LOG: &str = "customer_id,timestamp,touchpoint,channel,value,persona
a,2026-01-01T00:00:00Z,ad,social,,x
a,2026-01-01T00:01:00Z,view,web,,x
a,2026-01-01T00:02:00Z,cart,web,,x
a,2026-01-03T09:00:00Z,purchase,web,30,x
b,2026-01-02T12:00:00Z,view,search,,y
b,2026-01-02T12:00:30Z,cart,web,,y
b,2026-02-10T12:00:00Z,view,email,,y
c,2026-01-05T08:00:00Z,ad,social,,
c,2026-01-20T08:00:00Z,view,web,,
c,2026-02-01T08:00:00Z,purchase,web,12.5,
c,2026-03-01T08:00:00Z,purchase,web,7,
d,2026-01-09T00:00:00Z,cart,email,,x
";

fn put(data: &[u8]) {
    let dir = Path::new("fuzz/corpus/partial_bytes");
    std::fs::create_dir_all(dir).unwrap();
    // FNV-1a names: stable, no extra dependency (libFuzzer itself names inputs by SHA-1).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    std::fs::write(dir.join(format!("seed-{h:016x}")), data).unwrap();
}

fn main() {
    let log = read_events_csv(LOG.as_bytes(), &LoadOptions::default()).unwrap();
    let left = log.sub_log(["a", "c"]).unwrap();
    let right = log.sub_log(["b", "d"]).unwrap();
    let ctx = Context::of(&log);
    for (i, (name, options)) in ANALYSES.iter().enumerate() {
        let a = Analysis::from_json(name, &serde_json::from_str(options).unwrap()).unwrap();
        for part in [&log, &left, &right] {
            let bytes = part.partial(&a, &ctx).unwrap().to_bytes();
            for flag in [0u8, 1] {
                put(&[&[flag][..], &bytes].concat());
            }
        }
        put(&[&[2 | (i as u8) << 2][..], LOG.as_bytes()].concat());
    }
}
