//! The attribution rows of a comparison: each channel's share of the attributed conversions on
//! each side under the chosen model, and a bootstrap over customers for the change.
//!
//! The bootstrap draws, `resamples` times, as many customers as each side has, with
//! replacement and independently for the two sides, recomputes the model on the resampled
//! paths, and takes per channel the difference of shares `b - a` of each resample (a channel
//! missing from a resample has share 0 there; a resample without any attributed conversion
//! on a side is left out). From those differences:
//!
//! - the 95% interval is their 2.5% and 97.5% percentiles (linear interpolation between the
//!   sorted differences, numpy's default);
//! - the two-sided p-value is `min(1, 2 min(#{d <= 0} + 1, #{d >= 0} + 1) / (R + 1))` over the
//!   `R` resamples kept: how often the resampled change falls on either side of 0, with the
//!   usual +1 so that no p-value is 0 (the smallest is `2 / (R + 1)`).
//!
//! Customers who contribute the same paths are drawn as one group (Walker's alias method with
//! integer weights, so a draw is exact and costs the same whatever the number of customers),
//! and the random numbers are SplitMix64 seeded from `seed` and the resample's number: the
//! result depends on the seed only, not on the number of threads or the platform. The cost is
//! `resamples x (customers of both sides)` draws plus `2 x resamples` runs of the model over
//! the sides' distinct paths; the draws are limited to [`MAX_BOOTSTRAP_DRAWS`].

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::{ChangeRow, RateTest, Unit};
use crate::error::{Error, Result};
use crate::metrics::attribution::PathTable;
use crate::metrics::attribution::{attribution, attribution_of_paths, AttributionOptions};
use crate::metrics::paths::{Cutter, PathBuffer};
use crate::model::EventLog;

/// Bootstrap resamples when none are asked for.
pub const DEFAULT_RESAMPLES: u32 = 500;
/// The most resamples accepted.
pub const MAX_RESAMPLES: u32 = 10_000;
/// The most customer draws of one comparison (resamples times the customers of both sides):
/// about a second of drawing. Beyond it the comparison is an error asking for fewer
/// resamples.
pub const MAX_BOOTSTRAP_DRAWS: u64 = 200_000_000;

/// The path id of a path without touches (its conversions cannot be credited).
const EMPTY: u32 = u32::MAX;

/// SplitMix64: tiny, fast and fixed forever, so a seed gives the same draws on every platform.
struct Rng(u64);

impl Rng {
    /// The stream of resample `r` of side `side` (0 or 1).
    fn new(seed: u64, r: u32, side: u64) -> Self {
        let mut g = Rng(seed);
        let stream = g.next() ^ ((u64::from(r) << 1) | side).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut g = Rng(stream);
        g.next();
        g
    }
    fn next(&mut self) -> u64 {
        crate::rng::splitmix64(&mut self.0)
    }
    /// Uniform in `0..n` (multiply-shift: the bias is below `n / 2^64`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// Walker's alias table over groups weighted by whole numbers: column `j` keeps itself with
/// probability `keep[j] / total` and gives way to `alias[j]` otherwise, all in integers.
struct Alias {
    keep: Vec<u64>,
    alias: Vec<u32>,
    total: u64,
}

impl Alias {
    fn new(weights: &[u64]) -> Alias {
        let k = weights.len() as u64;
        let total: u64 = weights.iter().sum();
        // Column j holds `total` units; group i brings `weights[i] * k` of them.
        let mut w: Vec<u64> = weights.iter().map(|&x| x * k).collect();
        let mut keep = vec![total; weights.len()];
        let mut alias: Vec<u32> = (0..weights.len() as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..weights.len()).partition(|&i| w[i] < total);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = w[s];
            alias[s] = l as u32;
            w[l] -= total - w[s];
            if w[l] < total {
                large.pop();
                small.push(l);
            }
        }
        Alias { keep, alias, total }
    }

    fn draw(&self, g: &mut Rng) -> usize {
        let j = g.below(self.keep.len() as u64) as usize;
        if g.below(self.total) < self.keep[j] {
            j
        } else {
            self.alias[j] as usize
        }
    }
}

/// One side's customers grouped by what they contribute: each group's paths with their
/// conversions and non-conversions, and how many customers it holds.
struct Groups {
    names: Vec<String>,
    /// The distinct paths with touches: `touches[offsets[p]..offsets[p + 1]]`.
    offsets: Vec<usize>,
    touches: Vec<u32>,
    /// Group `g` contributes `items[starts[g]..starts[g + 1]]`: (path or [`EMPTY`],
    /// conversions, non-conversions).
    starts: Vec<usize>,
    items: Vec<(u32, u32, u32)>,
    /// Customers per group.
    weight: Vec<u64>,
    n_customers: u64,
}

impl Groups {
    /// Walks the customers in order (they are sorted by id, so the groups come in the same
    /// order whatever the order of the input rows).
    fn of(log: &EventLog, opts: &AttributionOptions) -> Result<Groups> {
        let po = opts.path_options();
        let cutter = Cutter::new(log, &po)?;
        let names = match po.level {
            crate::metrics::paths::Level::Touchpoint => log.touchpoints().to_vec(),
            crate::metrics::paths::Level::Channel => log.channels().to_vec(),
        };
        let mut paths: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut groups: FxHashMap<Vec<(u32, u32, u32)>, u32> = FxHashMap::default();
        let mut g = Groups {
            names,
            offsets: vec![0],
            touches: Vec::new(),
            starts: vec![0],
            items: Vec::new(),
            weight: Vec::new(),
            n_customers: log.n_customers() as u64,
        };
        let mut buf = PathBuffer::default();
        let mut mine: Vec<(u32, u32, u32)> = Vec::new();
        let off = log.offsets();
        for c in 0..log.n_customers() {
            mine.clear();
            cutter.cut(c as u32, off[c]..off[c + 1], &mut buf, |p| {
                let id = if p.touches.is_empty() {
                    EMPTY
                } else if let Some(&id) = paths.get(p.touches) {
                    id
                } else {
                    let id = (g.offsets.len() - 1) as u32;
                    g.touches.extend_from_slice(p.touches);
                    g.offsets.push(g.touches.len());
                    paths.insert(p.touches.to_vec(), id);
                    id
                };
                mine.push((id, u32::from(p.converted), u32::from(!p.converted)));
            });
            mine.sort_unstable();
            // One item per path: its conversions and non-conversions summed.
            mine.dedup_by(|x, keep| {
                let same = x.0 == keep.0;
                if same {
                    keep.1 += x.1;
                    keep.2 += x.2;
                }
                same
            });
            let k = match groups.get(mine.as_slice()) {
                Some(&k) => k,
                None => {
                    let k = g.weight.len() as u32;
                    g.items.extend_from_slice(&mine);
                    g.starts.push(g.items.len());
                    g.weight.push(0);
                    groups.insert(mine.clone(), k);
                    k
                }
            };
            g.weight[k as usize] += 1;
        }
        Ok(g)
    }

    /// The path table of the customers drawn (`drawn[g]` of group `g`); value is not kept
    /// (shares count conversions).
    fn table(&self, drawn: &[u32]) -> PathTable {
        let n_paths = self.offsets.len() - 1;
        let (mut conv, mut nulls) = (vec![0u64; n_paths], vec![0u64; n_paths]);
        let (mut empty_conv, mut empty_nulls) = (0u64, 0u64);
        for (k, &d) in drawn.iter().enumerate() {
            if d == 0 {
                continue;
            }
            for &(p, c, n) in &self.items[self.starts[k]..self.starts[k + 1]] {
                let (c, n) = (u64::from(c) * u64::from(d), u64::from(n) * u64::from(d));
                if p == EMPTY {
                    empty_conv += c;
                    empty_nulls += n;
                } else {
                    conv[p as usize] += c;
                    nulls[p as usize] += n;
                }
            }
        }
        let mut t = PathTable {
            names: self.names.clone(),
            offsets: vec![0],
            touches: Vec::new(),
            conversions: Vec::new(),
            value: Vec::new(),
            nulls: Vec::new(),
            empty_conversions: empty_conv as f64,
            empty_value: 0.0,
            empty_nulls: empty_nulls as f64,
        };
        // Only the paths drawn: a row without weight would still make its names present.
        for p in 0..n_paths {
            if conv[p] + nulls[p] == 0 {
                continue;
            }
            t.touches
                .extend_from_slice(&self.touches[self.offsets[p]..self.offsets[p + 1]]);
            t.offsets.push(t.touches.len());
            t.conversions.push(conv[p] as f64);
            t.value.push(0.0);
            t.nulls.push(nulls[p] as f64);
        }
        t
    }
}

/// Per channel name, its share of the attributed conversions; `None` when nothing was
/// attributed.
fn shares(t: &PathTable, opts: &AttributionOptions) -> Result<Option<BTreeMap<String, f64>>> {
    let r = attribution_of_paths(t, None, opts, Vec::new())?;
    if r.attributed_conversions <= 0.0 {
        return Ok(None);
    }
    Ok(Some(
        r.rows
            .into_iter()
            .map(|x| (x.channel, x.share.unwrap_or(0.0)))
            .collect(),
    ))
}

/// The shares of `resamples` resamples of one side (`None` for a resample without
/// attributed conversions).
fn resampled(
    g: &Groups,
    opts: &AttributionOptions,
    resamples: u32,
    seed: u64,
    side: u64,
) -> Result<Vec<Option<BTreeMap<String, f64>>>> {
    if g.n_customers == 0 {
        return Ok(vec![None; resamples as usize]);
    }
    let alias = Alias::new(&g.weight);
    // The resamples need the shares only.
    let opts = &AttributionOptions {
        transition_matrix: false,
        ..opts.clone()
    };
    let one = |r: u32| {
        let mut rng = Rng::new(seed, r, side);
        let mut drawn = vec![0u32; g.weight.len()];
        for _ in 0..g.n_customers {
            drawn[alias.draw(&mut rng)] += 1;
        }
        shares(&g.table(&drawn), opts)
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..resamples).into_par_iter().map(one).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..resamples).map(one).collect()
    }
}

/// The value at quantile `q` of sorted values (linear interpolation, numpy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (i, f) = (h.floor() as usize, h - h.floor());
    match sorted.get(i + 1) {
        Some(&next) => sorted[i] + f * (next - sorted[i]),
        None => sorted[i],
    }
}

/// The percentile interval and bootstrap p-value of the differences (see the module docs).
pub(crate) fn bootstrap_summary(diffs: &mut [f64]) -> Option<((f64, f64), f64)> {
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_by(f64::total_cmp);
    let r = diffs.len() as f64;
    let below = diffs.iter().filter(|&&d| d <= 0.0).count() as f64;
    let above = diffs.iter().filter(|&&d| d >= 0.0).count() as f64;
    let p = (2.0 * (below + 1.0).min(above + 1.0) / (r + 1.0)).min(1.0);
    Some(((quantile(diffs, 0.025), quantile(diffs, 0.975)), p))
}

/// The attribution share rows, one per channel credited on either side, by name.
pub(super) fn share_rows(
    la: &EventLog,
    lb: &EventLog,
    opts: &AttributionOptions,
    resamples: u32,
    seed: u64,
) -> Result<Vec<ChangeRow>> {
    let draws = u64::from(resamples) * (la.n_customers() + lb.n_customers()) as u64;
    if draws > MAX_BOOTSTRAP_DRAWS {
        return Err(Error::argument(
            "resamples",
            format!(
                "{resamples} resamples of {} customers would draw {draws} customers; at most \
                 {MAX_BOOTSTRAP_DRAWS}: ask for fewer resamples (or narrower sides)",
                la.n_customers() + lb.n_customers()
            ),
        ));
    }
    let (ra, rb) = (attribution(la, opts)?, attribution(lb, opts)?);
    let (ga, gb) = (Groups::of(la, opts)?, Groups::of(lb, opts)?);
    let (ba, bb) = (
        resampled(&ga, opts, resamples, seed, 0)?,
        resampled(&gb, opts, resamples, seed, 1)?,
    );
    // Per channel: (share a, share b); a side with attributed conversions has 0 for a
    // channel it does not credit.
    let point = |r: &crate::metrics::attribution::AttributionResult| {
        (r.attributed_conversions > 0.0).then(|| {
            r.rows
                .iter()
                .map(|x| (x.channel.clone(), x.share.unwrap_or(0.0)))
                .collect::<BTreeMap<String, f64>>()
        })
    };
    let (pa, pb) = (point(&ra), point(&rb));
    let mut channels: Vec<&String> = ra.rows.iter().chain(&rb.rows).map(|x| &x.channel).collect();
    channels.sort();
    channels.dedup();
    let total = |r: &crate::metrics::attribution::AttributionResult| {
        r.attributed_conversions.round() as u64
    };
    Ok(channels
        .into_iter()
        .map(|ch| {
            let get = |m: &Option<BTreeMap<String, f64>>| {
                m.as_ref().map(|m| m.get(ch).copied().unwrap_or(0.0))
            };
            let mut diffs: Vec<f64> = ba
                .iter()
                .zip(&bb)
                .filter_map(|(a, b)| Some(get(b)? - get(a)?))
                .collect();
            let s = if pa.is_some() && pb.is_some() {
                bootstrap_summary(&mut diffs)
            } else {
                None
            };
            let mut row = ChangeRow::new(
                "attribution_share",
                format!("{} share ({})", ch, opts.model.as_str()),
                Unit::Share,
                (total(&ra), get(&pa)),
                (total(&rb), get(&pb)),
                s.map(|s| s.0),
                s.map(|s| (s.1, RateTest::Bootstrap)),
            );
            row.channel = Some(ch.clone());
            row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_draws_in_proportion() {
        // Weights 1, 2, 5 of 8: over 80,000 draws each count is within 2% of its share.
        let a = Alias::new(&[1, 2, 5]);
        let mut g = Rng::new(7, 0, 0);
        let mut n = [0u32; 3];
        for _ in 0..80_000 {
            n[a.draw(&mut g)] += 1;
        }
        for (i, w) in [1.0, 2.0, 5.0].iter().enumerate() {
            let share = n[i] as f64 / 80_000.0;
            assert!((share - w / 8.0).abs() < 0.02 * w / 8.0 + 0.002, "{n:?}");
        }
        // Column thresholds in whole units: one group keeps every draw.
        let one = Alias::new(&[4]);
        assert_eq!(one.draw(&mut g), 0);
    }

    #[test]
    fn percentiles_and_p_value_by_hand() {
        // 9 differences 1..9 of which 2 are <= 0 (-1, 0): p = 2 (2 + 1) / 10 = 0.6.
        let mut d = vec![3.0, -1.0, 0.0, 5.0, 2.0, 7.0, 4.0, 6.0, 1.0];
        let ((lo, hi), p) = bootstrap_summary(&mut d).unwrap();
        // Sorted -1, 0, 1, ..., 7: h = 8 x 0.025 = 0.2: -1 + 0.2 = -0.8; h = 7.8: 6.8.
        assert!((lo + 0.8).abs() < 1e-12 && (hi - 6.8).abs() < 1e-12);
        assert!((p - 0.6).abs() < 1e-12);
        // All above 0: the smallest p-value, 2 / (R + 1).
        let mut d = vec![0.1; 99];
        assert!((bootstrap_summary(&mut d).unwrap().1 - 0.02).abs() < 1e-12);
        assert_eq!(bootstrap_summary(&mut []), None);
    }
}
