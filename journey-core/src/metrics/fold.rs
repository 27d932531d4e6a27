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
    // Fold over chunks of customers: the accumulator moves once per chunk, not per customer.
    const CHUNK: usize = 1024;
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .with_min_len(4)
        .fold(&init, |mut acc, k| {
            for c in k * CHUNK..((k + 1) * CHUNK).min(n) {
                step(&mut acc, c as u32);
            }
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

/// Maps the items of `v` in parallel (in order), where the `parallel` feature is on.
#[cfg(feature = "parallel")]
pub(crate) fn map_vec<T: Send, U: Send>(v: Vec<T>, f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    v.into_par_iter().map(f).collect()
}

/// Sequential twin of [`map_vec`].
#[cfg(not(feature = "parallel"))]
pub(crate) fn map_vec<T, U>(v: Vec<T>, f: impl Fn(T) -> U) -> Vec<U> {
    v.into_iter().map(f).collect()
}

/// Runs two closures, in parallel where the `parallel` feature is on.
#[cfg(feature = "parallel")]
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

/// Sequential twin of [`join`].
#[cfg(not(feature = "parallel"))]
pub(crate) fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}
