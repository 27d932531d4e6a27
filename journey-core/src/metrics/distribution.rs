//! Summaries of a sample of durations or counts: n, mean, median, p90, min, max and a histogram.
//!
//! Quantiles are exact, with linear interpolation between the two nearest ranks (the default of
//! numpy and pandas, "type 7"): for `n` sorted values `x[0..n]` and `q` in [0, 1], `h = (n - 1) q`
//! and the quantile is `x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`. So the median
//! of an even number of values is the mean of the two middle ones. Sums are exact integer sums,
//! so results never depend on the order in which values were collected.

use serde::{Deserialize, Serialize};

use crate::time::US_PER_SEC;

/// One histogram bin: values `v` with `lo <= v < hi`; the last bin has no upper bound (`hi` is
/// `None`, JSON `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower bound, inclusive.
    pub lo: f64,
    /// Upper bound, exclusive; `None` for the open last bin.
    pub hi: Option<f64>,
    /// Number of values in the bin.
    pub count: u64,
}

/// Summary of a sample. On an empty sample every statistic is `None` and the bins count zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Number of values.
    pub n: u64,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Median (interpolated).
    pub median: Option<f64>,
    /// 90th percentile (interpolated).
    pub p90: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Fixed bins (the same bins for every sample of the same kind), all listed, also when empty.
    pub histogram: Vec<Bin>,
}

/// Bin edges for durations, in seconds: 1 min, 5 min, 15 min, 30 min, 1 h, 3 h, 6 h, 12 h, 1 d,
/// 2 d, 3 d, 7 d, 14 d, 30 d, 60 d, 90 d, then open.
pub const DURATION_EDGES_S: [f64; 17] = [
    0.0,
    60.0,
    300.0,
    900.0,
    1_800.0,
    3_600.0,
    10_800.0,
    21_600.0,
    43_200.0,
    86_400.0,
    172_800.0,
    259_200.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0,
    5_184_000.0,
    7_776_000.0,
];

/// Counts get one bin per integer `0..COUNT_BINS`, then an open bin.
pub const COUNT_BINS: usize = 20;

/// The interpolated quantiles `qs` (ascending) of `v`, reordering `v`. `v` must not be empty.
/// Each selection works on the part right of the previous one, so two quantiles cost about
/// one and a half passes.
fn quantiles_i64(v: &mut [i64], qs: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut out = Vec::with_capacity(qs.len());
    // Everything left of `from` is <= everything from `from` on.
    let mut from = 0;
    for &q in qs {
        let h = (n - 1) as f64 * q;
        let lo = h.floor() as usize;
        let frac = h - lo as f64;
        let a = if lo >= from {
            *v[from..].select_nth_unstable(lo - from).1
        } else {
            v[lo]
        };
        from = from.max(lo + 1);
        let x = if frac == 0.0 || lo + 1 >= n {
            a as f64
        } else {
            let b = *v[lo + 1..].iter().min().expect("not empty");
            a as f64 + frac * (b - a) as f64
        };
        out.push(x);
    }
    out
}

/// The `q` quantile of `n` sorted values (`n > 0`), given the value at each 0-based rank:
/// interpolated between the values at ranks `floor(h)` and `floor(h) + 1`, `h = (n - 1) q`, as
/// [`quantiles_i64`] does. Exact for integers below 2^53.
fn interpolated(n: u64, q: f64, at: impl Fn(u64) -> f64) -> f64 {
    let h = (n - 1) as f64 * q;
    let lo = h.floor() as u64;
    let frac = h - lo as f64;
    let a = at(lo);
    if frac == 0.0 || lo + 1 >= n {
        a
    } else {
        a + frac * (at(lo + 1) - a)
    }
}

/// A sample of durations (microseconds) collected in parallel: each thread's values stay in
/// their own vector until the end, so merging costs nothing; the exact sum rides along.
#[derive(Debug, Clone, Default)]
pub(crate) struct Samples {
    cur: Vec<i64>,
    parts: Vec<Vec<i64>>,
    sum: i128,
    len: usize,
}

impl Samples {
    pub(crate) fn push(&mut self, x: i64) {
        self.cur.push(x);
        self.sum += x as i128;
        self.len += 1;
    }
    pub(crate) fn merge(&mut self, b: Samples) {
        if !b.cur.is_empty() {
            self.parts.push(b.cur);
        }
        self.parts
            .extend(b.parts.into_iter().filter(|p| !p.is_empty()));
        self.sum += b.sum;
        self.len += b.len;
    }
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    #[cfg(test)]
    pub(crate) fn sum(&self) -> i128 {
        self.sum
    }
    /// All values in one vector (the largest part is reused).
    pub(crate) fn into_vec(mut self) -> Vec<i64> {
        self.parts.push(std::mem::take(&mut self.cur));
        let big = (0..self.parts.len())
            .max_by_key(|&i| self.parts[i].len())
            .expect("one part");
        let mut v = self.parts.swap_remove(big);
        v.reserve(self.len - v.len());
        for p in &self.parts {
            v.extend_from_slice(p);
        }
        v
    }
    /// Median in seconds, `None` when empty.
    pub(crate) fn median_s(self) -> Option<f64> {
        (self.len > 0).then(|| {
            let mut v = self.into_vec();
            quantiles_i64(&mut v, &[0.5])[0] / US_PER_SEC as f64
        })
    }
    /// Mean in seconds, `None` when empty.
    pub(crate) fn mean_s(&self) -> Option<f64> {
        mean_s(self.len as u64, self.sum)
    }
}

impl Distribution {
    /// The empty summary with the given bin edges (the last edge opens the last bin).
    fn empty(edges: &[f64]) -> Self {
        Distribution {
            n: 0,
            mean: None,
            median: None,
            p90: None,
            min: None,
            max: None,
            histogram: bins(edges, &vec![0; edges.len()]),
        }
    }

    /// Summary of durations given in microseconds, reported in seconds with
    /// [`DURATION_EDGES_S`]. Reorders `v`.
    pub fn of_durations_us(v: &mut [i64]) -> Self {
        let edges = &DURATION_EDGES_S;
        if v.is_empty() {
            return Self::empty(edges);
        }
        let s = US_PER_SEC as f64;
        let edges_us: Vec<i64> = edges.iter().map(|e| (*e as i64) * US_PER_SEC).collect();
        let mut counts = vec![0u64; edges.len()];
        let (mut sum, mut min, mut max) = (0i128, i64::MAX, i64::MIN);
        for &x in v.iter() {
            sum += x as i128;
            min = min.min(x);
            max = max.max(x);
            // Index of the last edge <= x (durations are never negative; clamp anyway).
            let k = edges_us.partition_point(|&e| e <= x).max(1) - 1;
            counts[k] += 1;
        }
        let q = quantiles_i64(v, &[0.5, 0.9]);
        Distribution {
            n: v.len() as u64,
            mean: Some(sum as f64 / v.len() as f64 / s),
            median: Some(q[0] / s),
            p90: Some(q[1] / s),
            min: Some(min as f64 / s),
            max: Some(max as f64 / s),
            histogram: bins(edges, &counts),
        }
    }

    /// [`Distribution::of_durations_us`] of a sample given as sorted `(value, count)` pairs
    /// (counts above zero): the same numbers, to the bit.
    pub(crate) fn of_duration_counts_us(v: &[(i64, u64)]) -> Self {
        let edges = &DURATION_EDGES_S;
        let n: u64 = v.iter().map(|p| p.1).sum();
        if n == 0 {
            return Self::empty(edges);
        }
        let s = US_PER_SEC as f64;
        let edges_us: Vec<i64> = edges.iter().map(|e| (*e as i64) * US_PER_SEC).collect();
        let mut counts = vec![0u64; edges.len()];
        let mut sum = 0i128;
        for &(x, c) in v {
            sum += x as i128 * c as i128;
            let k = edges_us.partition_point(|&e| e <= x).max(1) - 1;
            counts[k] += c;
        }
        let at = |mut r: u64| -> f64 {
            for &(x, c) in v {
                if r < c {
                    return x as f64;
                }
                r -= c;
            }
            unreachable!("rank within n")
        };
        let q = |q: f64| interpolated(n, q, at);
        Distribution {
            n,
            mean: Some(sum as f64 / n as f64 / s),
            median: Some(q(0.5) / s),
            p90: Some(q(0.9) / s),
            min: Some(v[0].0 as f64 / s),
            max: Some(v[v.len() - 1].0 as f64 / s),
            histogram: bins(edges, &counts),
        }
    }

    /// Summary of a [`Samples`] of durations.
    pub(crate) fn of_samples(s: Samples) -> Self {
        Self::of_durations_us(&mut s.into_vec())
    }

    /// Summary of non-negative integers given as `counts[x]` = how many times `x` occurs.
    pub fn of_counts(counts: &[u64]) -> Self {
        let edges: Vec<f64> = (0..=COUNT_BINS).map(|x| x as f64).collect();
        let n: u64 = counts.iter().sum();
        if n == 0 {
            return Self::empty(&edges);
        }
        let mut binned = vec![0u64; edges.len()];
        let mut sum: u128 = 0;
        for (x, &c) in counts.iter().enumerate() {
            binned[x.min(COUNT_BINS)] += c;
            sum += x as u128 * c as u128;
        }
        // The value at 0-based rank r in sorted order.
        let at = |r: u64| -> f64 {
            let mut seen = 0;
            for (x, &c) in counts.iter().enumerate() {
                seen += c;
                if seen > r {
                    return x as f64;
                }
            }
            unreachable!("rank within n")
        };
        let q = |q: f64| interpolated(n, q, at);
        let min = counts.iter().position(|&c| c > 0).expect("n > 0") as f64;
        let max = counts.iter().rposition(|&c| c > 0).expect("n > 0") as f64;
        Distribution {
            n,
            mean: Some(sum as f64 / n as f64),
            median: Some(q(0.5)),
            p90: Some(q(0.9)),
            min: Some(min),
            max: Some(max),
            histogram: bins(&edges, &binned),
        }
    }
}

fn bins(edges: &[f64], counts: &[u64]) -> Vec<Bin> {
    edges
        .iter()
        .enumerate()
        .map(|(i, &lo)| Bin {
            lo,
            hi: edges.get(i + 1).copied(),
            count: counts[i],
        })
        .collect()
}

/// Adds `x` to a `counts[x]` table, growing it as needed.
pub(crate) fn bump(counts: &mut Vec<u64>, x: usize) {
    if counts.len() <= x {
        counts.resize(x + 1, 0);
    }
    counts[x] += 1;
}

/// Adds the counts of `b` into `a`.
pub(crate) fn add_counts(a: &mut Vec<u64>, b: &[u64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Mean of durations given by their count and exact sum in microseconds, in seconds.
pub(crate) fn mean_s(n: u64, sum_us: i128) -> Option<f64> {
    (n > 0).then(|| sum_us as f64 / n as f64 / US_PER_SEC as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_quantiles() {
        // 10, 20, 30, 40 seconds: median (20 + 30) / 2 = 25; p90 at h = 2.7: 30 + 0.7 * 10 = 37.
        let mut v: Vec<i64> = [40, 10, 30, 20].iter().map(|s| s * US_PER_SEC).collect();
        let d = Distribution::of_durations_us(&mut v);
        assert_eq!(d.n, 4);
        assert_eq!(d.mean, Some(25.0));
        assert_eq!(d.median, Some(25.0));
        assert!((d.p90.unwrap() - 37.0).abs() < 1e-9);
        assert_eq!((d.min, d.max), (Some(10.0), Some(40.0)));
        assert_eq!(d.histogram[0].count, 4);
        assert_eq!(d.histogram.last().unwrap().hi, None);
    }

    #[test]
    fn counts_quantiles() {
        // Values 1, 1, 2, 5: median 1.5, p90 at h = 2.7: 2 + 0.7 * 3 = 4.1, mean 9 / 4.
        let d = Distribution::of_counts(&[0, 2, 1, 0, 0, 1]);
        assert_eq!(d.n, 4);
        assert_eq!(d.median, Some(1.5));
        assert!((d.p90.unwrap() - 4.1).abs() < 1e-9);
        assert_eq!(d.mean, Some(2.25));
        assert_eq!(d.min, Some(1.0));
        assert_eq!(d.histogram[1].count, 2);
        let mut big = vec![0u64; 30];
        big[25] = 3;
        let d = Distribution::of_counts(&big);
        assert_eq!(d.histogram[COUNT_BINS].count, 3);
        assert_eq!(d.histogram[COUNT_BINS].lo, 20.0);
    }

    #[test]
    fn quantiles_agree_with_sorting() {
        let mut x: u64 = 7;
        for n in 1..60 {
            let v: Vec<i64> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (x >> 58) as i64
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort();
            let q = |q: f64| {
                let h = (n - 1) as f64 * q;
                let lo = h.floor() as usize;
                let hi = (lo + 1).min(n - 1);
                sorted[lo] as f64 + (h - lo as f64) * (sorted[hi] - sorted[lo]) as f64
            };
            let mut w = v.clone();
            let got = quantiles_i64(&mut w, &[0.1, 0.5, 0.5, 0.9, 1.0]);
            assert_eq!(got, [q(0.1), q(0.5), q(0.5), q(0.9), q(1.0)], "{v:?}");
            let mut s = Samples::default();
            let mut t = Samples::default();
            for (i, &x) in v.iter().enumerate() {
                if i % 3 == 0 {
                    s.push(x)
                } else {
                    t.push(x)
                }
            }
            s.merge(t);
            assert_eq!(s.len(), v.len());
            assert_eq!(s.sum(), v.iter().map(|&x| x as i128).sum::<i128>());
            let mut all = s.into_vec();
            all.sort();
            assert_eq!(all, sorted);
        }
    }

    #[test]
    fn empty_is_all_none() {
        let d = Distribution::of_durations_us(&mut []);
        assert_eq!((d.n, d.mean, d.median, d.p90), (0, None, None, None));
        assert!(d.histogram.iter().all(|b| b.count == 0));
        assert_eq!(Distribution::of_counts(&[]).median, None);
    }
}
