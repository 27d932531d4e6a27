//! Tests on 2x2 tables (docs/drivers.md): the odds ratio with Woolf's 95% interval, Fisher's
//! exact test, the chi-square test with Yates' continuity correction, and Benjamini-Hochberg
//! q-values.
//!
//! A 2x2 table here is `[a, b, c, d]`: `a` converters and `b` non-converters *with* a feature,
//! `c` converters and `d` non-converters *without* it.

use super::survey::erfc;

/// The 97.5% quantile of the standard normal distribution (two-sided 95% intervals).
pub const Z975: f64 = 1.959_963_984_540_054;

/// Tables of at most this many observations get Fisher's exact test; larger ones the
/// chi-square test with Yates' continuity correction (at that size the two agree closely, and
/// the exact test's cost grows with the table).
pub const FISHER_MAX_N: u64 = 100_000;

/// Which test gave a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Fisher's exact test, two-sided.
    Fisher,
    /// Pearson's chi-square test with Yates' continuity correction.
    ChiSquare,
}

/// The odds ratio `a d / (b c)` with Woolf's (logit) 95% interval
/// `exp(ln OR +- 1.959964 sqrt(1/a + 1/b + 1/c + 1/d))`. When a cell is 0, 0.5 is added to every
/// cell first (Haldane-Anscombe). `None` when a margin is 0 (nobody with, or without, the feature;
/// nobody converting, or everybody): then the ratio says nothing. The flag tells whether the
/// correction was applied.
pub fn odds_ratio_woolf(t: [u64; 4]) -> Option<(f64, f64, f64, bool)> {
    let [a, b, c, d] = t;
    if a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0 {
        return None;
    }
    let corrected = t.contains(&0);
    let k = if corrected { 0.5 } else { 0.0 };
    let [a, b, c, d] = [a, b, c, d].map(|x| x as f64 + k);
    let ln_or = (a * d / (b * c)).ln();
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    Some((
        ln_or.exp(),
        (ln_or - Z975 * se).exp(),
        (ln_or + Z975 * se).exp(),
        corrected,
    ))
}

/// The two-sided p-value of Fisher's exact test: the probability, under the hypergeometric
/// distribution of `a` given the margins, of every table at most as likely as the observed one
/// (with a relative tolerance of 1e-7 for ties, as R's `fisher.test`). 1 when a margin is 0.
///
/// The probabilities are walked from the mode outwards by their ratio, in logarithms, so
/// nothing overflows and no factorial is needed; terms more than e^40 below both the observed
/// table and the mode are left out (they change nothing at double precision).
pub fn fisher_two_sided(t: [u64; 4]) -> f64 {
    let [a, b, c, d] = t;
    let (r1, c1, n) = (a + b, a + c, a + b + c + d);
    if r1 == 0 || c1 == 0 || r1 == n || c1 == n {
        return 1.0;
    }
    let lo = (r1 + c1).saturating_sub(n);
    let hi = r1.min(c1);
    let mode = ((r1 as u128 + 1) * (c1 as u128 + 1) / (n as u128 + 2)) as u64;
    let mode = mode.clamp(lo, hi);
    // ln P(x + 1) - ln P(x).
    let step = |x: u64| -> f64 {
        let up = (c1 - x) as f64 * (r1 - x) as f64;
        // x >= lo = r1 + c1 - n, so the last factor is at least 1.
        let down = (x + 1) as f64 * (n + x + 1 - c1 - r1) as f64;
        (up / down).ln()
    };
    // P(x + 1) / P(x).
    let ratio = |x: u64| {
        let up = (c1 - x) as f64 * (r1 - x) as f64;
        let down = (x + 1) as f64 * (n + x + 1 - c1 - r1) as f64;
        up / down
    };
    // ln P(a) - ln P(mode) (<= 0): the ratios multiplied, their logarithm taken only when the
    // product gets small (one `ln` per few hundred steps, not one per step).
    let mut l_obs = 0.0;
    let mut prod = 1.0f64;
    let (range, up) = if a > mode {
        (mode..a, true)
    } else {
        (a..mode, false)
    };
    for x in range {
        let q = ratio(x);
        prod *= if up { q } else { 1.0 / q };
        if prod < 1e-200 {
            l_obs += prod.ln();
            prod = 1.0;
        }
    }
    l_obs += prod.ln();
    let l_obs = l_obs.min(0.0);
    let tie = l_obs + 1e-7;
    let cut = l_obs - 40.0;
    // Sums relative to the mode (total) and to the observed table (the p part).
    let (mut total, mut part) = (1.0f64, 0.0f64);
    if 0.0 <= tie {
        part += (-l_obs).exp();
    }
    let mut add = |l: f64| {
        total += l.exp();
        if l <= tie {
            part += (l - l_obs).exp();
        }
    };
    let (mut x, mut l) = (mode, 0.0);
    while x < hi {
        l += step(x);
        x += 1;
        if l < cut {
            break;
        }
        add(l);
    }
    let (mut x, mut l) = (mode, 0.0);
    while x > lo {
        x -= 1;
        l -= step(x);
        if l < cut {
            break;
        }
        add(l);
    }
    (l_obs + part.ln() - total.ln()).exp().min(1.0)
}

/// The p-value of Pearson's chi-square test with Yates' continuity correction:
/// `X2 = n (max(0, |a d - b c| - n / 2))^2 / ((a + b) (c + d) (a + c) (b + d))`, one degree of
/// freedom, `p = erfc(sqrt(X2 / 2))`. 1 when a margin is 0.
pub fn chi_square_yates(t: [u64; 4]) -> f64 {
    let [a, b, c, d] = t.map(|x| x as f64);
    let n = a + b + c + d;
    let denom = (a + b) * (c + d) * (a + c) * (b + d);
    if denom == 0.0 {
        return 1.0;
    }
    let diff = ((a * d - b * c).abs() - n / 2.0).max(0.0);
    // n diff^2 / denom, arranged so that nothing overflows for tables of billions.
    let x2 = (diff / (a + b)) * (diff / (c + d)) * (n / (a + c)) / (b + d);
    erfc((x2 / 2.0).sqrt()).min(1.0)
}

/// The p-value of a 2x2 table and the test used: Fisher's exact test up to
/// [`FISHER_MAX_N`] observations, the chi-square test with Yates' correction above.
pub fn table_p_value(t: [u64; 4]) -> (f64, Test) {
    let n: u64 = t.iter().sum();
    if n <= FISHER_MAX_N {
        (fisher_two_sided(t), Test::Fisher)
    } else {
        (chi_square_yates(t), Test::ChiSquare)
    }
}

/// Benjamini-Hochberg q-values of `p` (in the same order): for the i-th smallest of m p-values,
/// `min over j >= i of m p_(j) / j`, at most 1 (R's `p.adjust(p, "BH")`).
pub fn bh_q_values(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// ln C(n, k), exactly enough for small n.
    fn ln_choose(n: u64, k: u64) -> f64 {
        (0..k).map(|i| ((n - i) as f64 / (i + 1) as f64).ln()).sum()
    }

    /// Fisher's test by enumerating every table with the observed margins.
    fn fisher_brute(t: [u64; 4]) -> f64 {
        let [a, b, c, d] = t;
        let (r1, c1, n) = (a + b, a + c, a + b + c + d);
        let p = |x: u64| (ln_choose(c1, x) + ln_choose(n - c1, r1 - x) - ln_choose(n, r1)).exp();
        let lo = (r1 + c1).saturating_sub(n);
        let po = p(a);
        (lo..=r1.min(c1))
            .map(p)
            .filter(|&q| q <= po * (1.0 + 1e-7))
            .sum::<f64>()
            .min(1.0)
    }

    #[test]
    fn fisher_known_answers() {
        // The tea-tasting table [[3, 1], [1, 3]]: P(a = 3) = C(4,3) C(4,1) / C(8,4) = 16/70,
        // P(a = 4) = P(a = 0) = 1/70, P(a = 1) = 16/70; p = (1 + 16 + 16 + 1) / 70 = 34/70.
        assert!(close(fisher_two_sided([3, 1, 1, 3]), 34.0 / 70.0, 1e-12));
        // [[1, 9], [11, 3]] (R's fisher.test documentation example, p = 0.002759).
        // Margins r1 = 10, c1 = 12, n = 24: P(a) = C(12, a) C(12, 10 - a) / C(24, 10).
        // C(24, 10) = 1961256; P(0) = 66/1961256, P(1) = 12 * 220 / 1961256 = 2640/1961256;
        // the tables as unlikely as a = 1: a = 0, 1 and (by symmetry) 9, 10:
        // (66 + 2640) * 2 / 1961256 = 5412 / 1961256 = 0.0027594.
        assert!(close(
            fisher_two_sided([1, 9, 11, 3]),
            5412.0 / 1961256.0,
            1e-12
        ));
        // A zero margin: nothing to test.
        assert_eq!(fisher_two_sided([0, 0, 5, 5]), 1.0);
        assert_eq!(fisher_two_sided([2, 3, 0, 0]), 1.0);
        assert_eq!(fisher_two_sided([0, 4, 0, 6]), 1.0);
        // The observed table is the likeliest: p = 1.
        assert!(close(fisher_two_sided([5, 5, 5, 5]), 1.0, 1e-12));
    }

    #[test]
    fn fisher_matches_enumeration() {
        for a in 0..7u64 {
            for b in 0..7u64 {
                for c in 0..7u64 {
                    for d in [0u64, 1, 4, 9] {
                        let t = [a, b, c, d];
                        let (got, want) = (fisher_two_sided(t), fisher_brute(t));
                        assert!(close(got, want, 1e-9), "{t:?}: {got} vs {want}");
                    }
                }
            }
        }
        // Large tables with tiny p-values: the walk keeps them to full relative precision.
        for t in [[40, 10, 200, 300], [300, 700, 250, 750], [5, 200, 60, 100]] {
            let (got, want) = (fisher_two_sided(t), fisher_brute(t));
            assert!(close(got, want, 1e-9), "{t:?}: {got} vs {want}");
        }
    }

    #[test]
    fn chi_square_known_answer() {
        // [[10, 20], [30, 40]]: n = 100, |ad - bc| = |400 - 600| = 200, minus n/2 = 150;
        // X2 = 100 * 150^2 / (30 * 70 * 40 * 60) = 2250000 / 5040000 = 0.4464286;
        // p = erfc(sqrt(0.2232143)) = 0.504036 (R: chisq.test(matrix(c(10,30,20,40),2))
        // gives X-squared = 0.44643, p-value = 0.504).
        let p = chi_square_yates([10, 20, 30, 40]);
        assert!(close(
            p,
            erfc((0.446_428_571_428_571_4f64 / 2.0).sqrt()),
            1e-12
        ));
        assert!((p - 0.504_036).abs() < 1e-6);
        // |ad - bc| below n / 2: the correction takes it to 0, p = 1.
        assert_eq!(chi_square_yates([5, 5, 5, 6]), 1.0);
        assert_eq!(chi_square_yates([0, 0, 3, 4]), 1.0);
    }

    #[test]
    fn fisher_and_chi_square_agree_on_large_tables() {
        // Near the switching size. Reference p-values of Fisher's test from summing the
        // hypergeometric terms with Python's math.lgamma; the chi-square test stays within a
        // quarter of them, down to p = 2e-5.
        for (t, fisher) in [
            ([1_050, 8_950, 9_100, 80_900], 0.221_837_394_544_320_5),
            ([520, 9_480, 4_700, 85_300], 0.943_334_141_749_747_5),
            ([1_150, 8_850, 9_100, 80_900], 1.900_400_489_142_548_7e-5),
            ([60, 940, 4_500, 94_500], 0.032_624_922_545_984_21),
        ] {
            let (f, c) = (fisher_two_sided(t), chi_square_yates(t));
            assert!(close(f, fisher, 1e-6), "{t:?}: fisher {f}, want {fisher}");
            assert!(close(c, f, 0.25), "{t:?}: fisher {f}, chi-square {c}");
        }
        assert_eq!(table_p_value([1, 2, 3, 4]).1, Test::Fisher);
        assert_eq!(table_p_value([50_000, 1, 50_000, 0]).1, Test::ChiSquare);
    }

    #[test]
    fn woolf_known_answers() {
        // [[20, 80], [10, 90]]: OR = 20 * 90 / (80 * 10) = 2.25;
        // SE = sqrt(1/20 + 1/80 + 1/10 + 1/90) = sqrt(0.1736111) = 0.4166667;
        // CI = exp(ln 2.25 -+ 1.959964 * 0.4166667) = [0.994295, 5.091548].
        let (or, lo, hi, corr) = odds_ratio_woolf([20, 80, 10, 90]).unwrap();
        assert!(close(or, 2.25, 1e-12));
        let se = (1.0f64 / 20.0 + 1.0 / 80.0 + 1.0 / 10.0 + 1.0 / 90.0).sqrt();
        assert!(close(lo, (2.25f64.ln() - Z975 * se).exp(), 1e-12));
        assert!(close(hi, (2.25f64.ln() + Z975 * se).exp(), 1e-12));
        assert!((lo - 0.994_295).abs() < 1e-6 && (hi - 5.091_548).abs() < 1e-6);
        assert!(!corr);
        // A zero cell: 0.5 added everywhere: OR = 5.5 * 10.5 / (0.5 * 5.5) = 21.
        let (or, _, _, corr) = odds_ratio_woolf([5, 0, 5, 10]).unwrap();
        assert!(close(or, 21.0, 1e-12));
        assert!(corr);
        // A zero margin: no ratio.
        assert_eq!(odds_ratio_woolf([0, 0, 4, 5]), None);
        assert_eq!(odds_ratio_woolf([0, 3, 0, 5]), None);
    }

    #[test]
    fn bh_known_answer() {
        // m = 5; sorted p 0.01, 0.02, 0.03, 0.04, 0.5 -> m p / rank = 0.05, 0.05, 0.05, 0.05, 0.5.
        let q = bh_q_values(&[0.04, 0.01, 0.5, 0.03, 0.02]);
        let want = [0.05, 0.05, 0.5, 0.05, 0.05];
        for (g, w) in q.iter().zip(want) {
            assert!(close(*g, w, 1e-12), "{q:?}");
        }
        // Running minimum from the top: p 0.01, 0.04, 0.045 (m = 3) -> 0.03, 0.06, 0.045
        // -> q = 0.03, 0.045, 0.045.
        let q = bh_q_values(&[0.045, 0.01, 0.04]);
        assert!(close(q[0], 0.045, 1e-12) && close(q[1], 0.03, 1e-12));
        assert!(close(q[2], 0.045, 1e-12));
        assert!(bh_q_values(&[]).is_empty());
        assert_eq!(bh_q_values(&[0.9, 0.8]), vec![0.9, 0.9]);
    }
}
