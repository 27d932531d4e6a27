//! The timing helper of the benchmark programs (`bench`, `pipeline`).

use std::time::Instant;

/// The best of `runs` timings of `f`, in seconds, with the last result (the first run also
/// warms caches).
pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
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
