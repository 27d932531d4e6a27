//! Data-driven Shapley (docs/attribution.md): the Shapley values of the game whose worth of a
//! coalition S of channels is the conversion rate of the paths, converting or not, whose set
//! of channels lies within S.
//!
//! With `n` channels there are `2^n` coalitions. The paths are first counted per exact channel
//! set (a bit mask); a subset-sum (zeta) transform then gives, for every coalition, the
//! conversions, the paths and the value of the paths within it, in `n 2^n` additions; the
//! Shapley values take one more pass over the coalitions. The cost is exponential in the number
//! of channels, so it is exact up to [`MAX_SHAPLEY_CHANNELS`] and a clear error above.

use super::table::{Credits, PathTable};
use crate::error::{Error, Result};

/// Largest number of channels (names occurring in a path) the data-driven Shapley model
/// computes exactly: `2^20` coalitions, three numbers each (about 25 MB, a fraction of a
/// second).
pub const MAX_SHAPLEY_CHANNELS: usize = 20;

/// The data-driven Shapley credits over `t` and the conversion rate of all its paths with a
/// touch (`None` without such a path).
///
/// Worth of a coalition S: `v(S) = C(S) / N(S)`, where `N(S)` counts the paths (conversions
/// plus nulls) whose channel set lies within S and `C(S)` their conversions; `v(S) = 0` when
/// no path lies within S (in particular `v({}) = 0`). Channel c's Shapley value is
/// `phi_c = sum over S without c of |S|! (n - |S| - 1)! / n! (v(S + c) - v(S))`; the values
/// sum to `v(all)`, the observed conversion rate. Credits are `phi_c x N(all)`, so they sum to
/// the attributed conversions; value credits come from the same game in value per path.
pub(crate) fn data_driven_shapley(t: &PathTable) -> Result<(Credits, Option<f64>)> {
    // Long because it is one sequence over the coalitions' tables: counts, the transform, the
    // worths and the weights.
    let present = t.present();
    let ids: Vec<usize> = (0..t.names.len()).filter(|&i| present[i]).collect();
    let n = ids.len();
    if n > MAX_SHAPLEY_CHANNELS {
        return Err(Error::argument(
            "model",
            format!(
                "data_driven_shapley is exact up to {MAX_SHAPLEY_CHANNELS} channels (2^{MAX_SHAPLEY_CHANNELS} \
                 coalitions); these paths have {n}; use level=\"channel\", exclude or group \
                 rare names, or model=\"shapley\" (see docs/attribution.md)"
            ),
        ));
    }
    let mut credits = Credits::zero(t.names.len());
    if n == 0 {
        return Ok((credits, None));
    }
    let mut bit = vec![0u32; t.names.len()];
    for (j, &i) in ids.iter().enumerate() {
        bit[i] = 1 << j;
    }
    let size = 1usize << n;
    // Per coalition: conversions, paths and value of the paths whose set is exactly it, then
    // (after the transform) within it.
    let mut conv = vec![0.0f64; size];
    let mut paths = vec![0.0f64; size];
    let mut value = vec![0.0f64; size];
    for p in 0..t.len() {
        let mask = t.path(p).iter().fold(0u32, |m, &c| m | bit[c as usize]) as usize;
        conv[mask] += t.conversions[p];
        paths[mask] += t.conversions[p] + t.nulls[p];
        value[mask] += t.value[p];
    }
    for j in 0..n {
        let b = 1usize << j;
        for s in 0..size {
            if s & b != 0 {
                conv[s] += conv[s ^ b];
                paths[s] += paths[s ^ b];
                value[s] += value[s ^ b];
            }
        }
    }
    let total = paths[size - 1];
    if total <= 0.0 {
        return Ok((credits, None));
    }
    // The worths, in place: conversions and value per path within the coalition.
    for s in 0..size {
        let (c, v) = if paths[s] > 0.0 {
            (conv[s] / paths[s], value[s] / paths[s])
        } else {
            (0.0, 0.0)
        };
        conv[s] = c;
        value[s] = v;
    }
    // weight[k] = k! (n - k - 1)! / n! = 1 / (n C(n - 1, k)).
    let mut weight = vec![0.0f64; n];
    let mut binom = 1.0f64;
    for (k, w) in weight.iter_mut().enumerate() {
        *w = 1.0 / (n as f64 * binom);
        binom = binom * (n - 1 - k) as f64 / (k + 1) as f64;
    }
    let mut phi = vec![0.0f64; n];
    let mut phi_value = vec![0.0f64; n];
    for s in 0..size {
        let w = weight.get(s.count_ones() as usize).copied().unwrap_or(0.0);
        for j in 0..n {
            let b = 1usize << j;
            if s & b == 0 {
                phi[j] += w * (conv[s | b] - conv[s]);
                phi_value[j] += w * (value[s | b] - value[s]);
            }
        }
    }
    for (j, &i) in ids.iter().enumerate() {
        credits.conversions[i] = phi[j] * total;
        credits.value[i] = phi_value[j] * total;
    }
    Ok((credits, Some(conv[size - 1])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixtures::{close, path_table as table};

    /// Two channels. `a`: 3 conversions (value 60), 1 null; `a>b`: 2 conversions (value 20),
    /// 2 nulls; `b`: 2 nulls. 10 paths, 5 conversions.
    ///
    /// v(a) = 3/4, v(b) = 0/2 = 0, v(ab) = 5/10 = 1/2.
    /// phi_a = 1/2 (v(a) - 0) + 1/2 (v(ab) - v(b)) = 3/8 + 1/4 = 5/8;
    /// phi_b = 1/2 (v(b) - 0) + 1/2 (v(ab) - v(a)) = 0 - 1/8 = -1/8 (b's paths convert less).
    /// Credits x 10 paths: a 6.25, b -1.25 (sum 5).
    /// Value per path: a 60/4 = 15, b 0, ab 80/10 = 8: phi 15/2 + 8/2 = 11.5 and
    /// 0 + (8 - 15)/2 = -3.5; x 10: 115 and -35 (sum 80).
    #[test]
    fn two_channels_by_hand() {
        let t = table(&[
            ("a", 3.0, 60.0, 1.0),
            ("a>b", 2.0, 20.0, 2.0),
            ("b", 0.0, 0.0, 2.0),
        ]);
        let (c, rate) = data_driven_shapley(&t).unwrap();
        close(&c.conversions, &[6.25, -1.25]);
        close(&c.value, &[115.0, -35.0]);
        assert_eq!(rate, Some(0.5));
    }

    /// Three channels: `a` 1 conversion 1 null, `b` 2 nulls, `c` 1 null, `a>c` 2 conversions,
    /// `b>c` 1 conversion 1 null, `a>b>c` (also `c>b>a`: the same set) 2 conversions 1 null.
    /// 12 paths, 6 conversions.
    ///
    /// v(a) = 1/2, v(b) = 0, v(c) = 0, v(ab) = 1/4, v(ac) = 3/5, v(bc) = 1/5, v(abc) = 1/2.
    /// Weights 1/3 (no one before), 1/6 (one before), 1/3 (two before):
    /// phi_a = 1/3 1/2 + 1/6 (1/4 - 0) + 1/6 (3/5 - 0) + 1/3 (1/2 - 1/5) = 49/120;
    /// phi_b = 0 + 1/6 (1/4 - 1/2) + 1/6 (1/5 - 0) + 1/3 (1/2 - 3/5) = -5/120;
    /// phi_c = 0 + 1/6 (3/5 - 1/2) + 1/6 (1/5 - 0) + 1/3 (1/2 - 1/4) = 16/120.
    /// Credits x 12: a 4.9, b -0.5, c 1.6 (sum 6). Every conversion is worth 10 here, so the
    /// value credits are 49, -5 and 16.
    #[test]
    fn three_channels_by_hand() {
        let t = table(&[
            ("a", 1.0, 10.0, 1.0),
            ("b", 0.0, 0.0, 2.0),
            ("c", 0.0, 0.0, 1.0),
            ("a>c", 2.0, 20.0, 0.0),
            ("b>c", 1.0, 10.0, 1.0),
            ("a>b>c", 1.0, 10.0, 1.0),
            ("c>b>a", 1.0, 10.0, 0.0),
        ]);
        let (c, rate) = data_driven_shapley(&t).unwrap();
        close(&c.conversions, &[4.9, -0.5, 1.6]);
        close(&c.value, &[49.0, -5.0, 16.0]);
        assert_eq!(rate, Some(0.5));
    }

    /// One channel gets everything; names in no path get nothing; no path, no rate.
    #[test]
    fn degenerate_tables() {
        let (c, rate) = data_driven_shapley(&table(&[("a>a", 1.0, 5.0, 3.0)])).unwrap();
        close(&c.conversions, &[1.0]);
        close(&c.value, &[5.0]);
        assert_eq!(rate, Some(0.25));
        let (c, rate) = data_driven_shapley(&table(&[])).unwrap();
        assert!(c.conversions.is_empty() && rate.is_none());
        let (c, rate) = data_driven_shapley(&table(&[("a>b", 0.0, 0.0, 4.0)])).unwrap();
        close(&c.conversions, &[0.0, 0.0]);
        assert_eq!(rate, Some(0.0));
    }

    /// Above the cap: a clear error naming the model option, at once (never 2^n work).
    #[test]
    fn too_many_channels_are_refused() {
        let path: Vec<String> = (0..=MAX_SHAPLEY_CHANNELS)
            .map(|i| format!("c{i:02}"))
            .collect();
        let t = table(&[(&path.join(">"), 1.0, 0.0, 0.0)]);
        let e = data_driven_shapley(&t).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains("model") && e.to_string().contains("these paths have 21"));
        let t = table(&[(&path[..MAX_SHAPLEY_CHANNELS].join(">"), 1.0, 0.0, 0.0)]);
        let (c, _) = data_driven_shapley(&t).unwrap();
        // One path with every channel: v is 0 below the full set, so each gets 1/20.
        assert!(c.conversions.iter().all(|&x| (x - 0.05).abs() < 1e-12));
    }

    /// The transform and the weights against a plain enumeration of the orders in which the
    /// channels can join (n! permutations), on four channels.
    #[test]
    fn matches_the_average_over_join_orders() {
        let t = table(&[
            ("a>b", 2.0, 7.0, 1.0),
            ("c", 1.0, 1.0, 4.0),
            ("d>a", 0.0, 0.0, 2.0),
            ("b>c>d", 3.0, 9.0, 1.0),
            ("a", 1.0, 2.0, 1.0),
        ]);
        let (c, _) = data_driven_shapley(&t).unwrap();
        let sets: Vec<(u32, f64, f64)> = (0..t.len())
            .map(|p| {
                let m = t.path(p).iter().fold(0u32, |m, &x| m | 1 << x);
                (m, t.conversions[p], t.conversions[p] + t.nulls[p])
            })
            .collect();
        let v = |s: u32| {
            let (c, n) = sets
                .iter()
                .filter(|(m, _, _)| m & !s == 0)
                .fold((0.0, 0.0), |(c, n), &(_, cc, nn)| (c + cc, n + nn));
            if n > 0.0 {
                c / n
            } else {
                0.0
            }
        };
        let mut phi = [0.0f64; 4];
        let mut perms = 0.0;
        // Every order in which the four channels can join: the 4^4 sequences with distinct
        // entries.
        for code in 0..256u32 {
            let o: Vec<u32> = (0..4).map(|i| code >> (2 * i) & 3).collect();
            if (0..4).any(|j| !o.contains(&j)) {
                continue;
            }
            let mut s = 0u32;
            for &j in &o {
                phi[j as usize] += v(s | 1 << j) - v(s);
                s |= 1 << j;
            }
            perms += 1.0;
        }
        let total: f64 = sets.iter().map(|x| x.2).sum();
        assert_eq!(perms, 24.0);
        for (got, phi) in c.conversions.iter().zip(phi) {
            assert!((got - phi / perms * total).abs() < 1e-12);
        }
    }
}
