//! One pass over the customers of a log, in parallel where the `parallel` feature is on.

/// Folds `step` over customer indices `0..n` with per-thread accumulators made by `init`, merged
/// by `merge` at the end. Every customer is seen by exactly one accumulator, so per-customer
/// facts (such as "has this customer used this edge already") stay local to a thread.
///
/// Callers must make their results independent of how customers were split across threads
/// (integer sums, sorted outputs, order-free quantiles).
#[cfg(feature = "parallel")]
pub(crate) fn fold_customers<A, I, F, M>(n: usize, init: I, step: F, merge: M) -> A
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, u32) + Sync + Send,
    M: Fn(A, A) -> A + Sync + Send,
{
    use rayon::prelude::*;
    (0..n as u32)
        .into_par_iter()
        .with_min_len(2048)
        .fold(&init, |mut acc, c| {
            step(&mut acc, c);
            acc
        })
        .reduce(&init, &merge)
}

/// Sequential twin of the parallel fold (WebAssembly and `--no-default-features`).
#[cfg(not(feature = "parallel"))]
pub(crate) fn fold_customers<A, I, F, M>(n: usize, init: I, step: F, merge: M) -> A
where
    I: Fn() -> A,
    F: Fn(&mut A, u32),
    M: Fn(A, A) -> A,
{
    let _ = merge;
    let mut acc = init();
    for c in 0..n as u32 {
        step(&mut acc, c);
    }
    acc
}
