//! The statistics of a histogram of answers: each score's result from its counts, the NPS
//! difference test, and answers read from numbers or JSON.

use super::*;

pub(super) fn pct(k: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| k as f64 / n as f64 * 100.0)
}

impl NpsResult {
    /// The statistics of a histogram of 0-10 answers (`counts[s]` = answers of score `s`).
    pub fn from_counts(counts: &[u64; 11]) -> Self {
        let n: u64 = counts.iter().sum();
        let detractors: u64 = counts[..7].iter().sum();
        let passives = counts[7] + counts[8];
        let promoters = counts[9] + counts[10];
        let (mut nps, mut se, mut ci_low, mut ci_high) = (None, None, None, None);
        if n > 0 {
            let nf = n as f64;
            let p = promoters as f64 / nf;
            let d = detractors as f64 / nf;
            let score = (promoters as f64 - detractors as f64) / nf * 100.0;
            // P + D - (P - D)^2, written as a sum of non-negative terms.
            let var = p * (1.0 - p) + d * (1.0 - d) + 2.0 * p * d;
            let s = 100.0 * (var / nf).sqrt();
            nps = Some(score);
            se = Some(s);
            ci_low = Some((score - Z95 * s).clamp(-100.0, 100.0).min(score));
            ci_high = Some((score + Z95 * s).clamp(-100.0, 100.0).max(score));
        }
        NpsResult {
            n,
            promoters,
            passives,
            detractors,
            promoters_pct: pct(promoters, n),
            passives_pct: pct(passives, n),
            detractors_pct: pct(detractors, n),
            nps,
            se,
            ci_low,
            ci_high,
            counts: counts.to_vec(),
        }
    }
}

impl NpsResult {
    /// The statistics of a histogram given as a slice, such as the `counts` of another result
    /// or group; `None` unless it has exactly 11 entries (scores 0 to 10).
    pub fn from_count_list(counts: &[u64]) -> Option<Self> {
        <&[u64; 11]>::try_from(counts).ok().map(Self::from_counts)
    }
}

impl CsatResult {
    /// The statistics of a histogram of 1-5 answers (`counts[s - 1]` = answers of score `s`).
    pub fn from_counts(counts: &[u64; 5]) -> Self {
        let n: u64 = counts.iter().sum();
        let satisfied = counts[3] + counts[4];
        let (mut ci_low, mut ci_high, mut mean) = (None, None, None);
        if n > 0 {
            let (lo, hi) = wilson(satisfied, n, Z95);
            ci_low = Some(lo * 100.0);
            ci_high = Some(hi * 100.0);
            mean = Some(weighted_mean(counts));
        }
        CsatResult {
            n,
            satisfied,
            csat: pct(satisfied, n),
            ci_low,
            ci_high,
            mean,
            counts: counts.to_vec(),
        }
    }
}

impl CesResult {
    /// The statistics of a histogram of 1-7 answers (`counts[s - 1]` = answers of score `s`).
    pub fn from_counts(counts: &[u64; 7]) -> Self {
        let n: u64 = counts.iter().sum();
        let n_5_7 = counts[4] + counts[5] + counts[6];
        let mean = (n > 0).then(|| weighted_mean(counts));
        let (mut sd, mut se, mut ci_low, mut ci_high) = (None, None, None, None);
        if let (Some(m), true) = (mean, n >= 2) {
            let ss: f64 = counts
                .iter()
                .enumerate()
                .map(|(i, &c)| c as f64 * (i as f64 + 1.0 - m).powi(2))
                .sum();
            let s = (ss / (n - 1) as f64).sqrt();
            let e = s / (n as f64).sqrt();
            let t = t_critical_95(n - 1);
            sd = Some(s);
            se = Some(e);
            ci_low = Some((m - t * e).clamp(1.0, 7.0).min(m));
            ci_high = Some((m + t * e).clamp(1.0, 7.0).max(m));
        }
        CesResult {
            n,
            mean,
            sd,
            se,
            ci_low,
            ci_high,
            n_5_7,
            pct_5_7: pct(n_5_7, n),
            counts: counts.to_vec(),
        }
    }
}

/// Mean of a histogram whose bin `i` holds answers of score `i + 1`.
pub(super) fn weighted_mean(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    let sum: u64 = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| c * (i as u64 + 1))
        .sum();
    sum as f64 / n as f64
}

/// Wilson score interval of a proportion `k / n` (n > 0), as fractions. Always contains `k / n`.
pub(crate) fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let center = (p + z2 / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    (
        (center - half).clamp(0.0, 1.0).min(p),
        (center + half).clamp(0.0, 1.0).max(p),
    )
}

/// NPS difference `a - b` with its standard error, z and two-sided normal p value.
///
/// ```
/// use journey_core::metrics::survey::{nps_diff, nps_scores};
/// let a = nps_scores(&[10, 10, 9, 8, 3]).unwrap(); // NPS 40
/// let b = nps_scores(&[10, 6, 5, 7]).unwrap(); // NPS -25
/// let d = nps_diff(&a, &b);
/// assert!((d.diff.unwrap() - 65.0).abs() < 1e-9);
/// assert!(d.p_value.unwrap() > 0.05); // far too few answers to tell
/// ```
pub fn nps_diff(a: &NpsResult, b: &NpsResult) -> NpsDiff {
    let (Some(na), Some(nb), Some(sa), Some(sb)) = (a.nps, b.nps, a.se, b.se) else {
        return NpsDiff {
            diff: None,
            se: None,
            z: None,
            p_value: None,
            ci_low: None,
            ci_high: None,
        };
    };
    let diff = na - nb;
    let se = (sa * sa + sb * sb).sqrt();
    let z = (se > 0.0).then(|| diff / se);
    NpsDiff {
        diff: Some(diff),
        se: Some(se),
        z,
        p_value: z.map(|z| erfc(z.abs() / std::f64::consts::SQRT_2)),
        ci_low: Some((diff - Z95 * se).clamp(-200.0, 200.0).min(diff)),
        ci_high: Some((diff + Z95 * se).clamp(-200.0, 200.0).max(diff)),
    }
}

/// Checks scores against a scale and returns their histogram (`bins[s - lo]`).
pub(super) fn histogram<const N: usize>(name: &str, scores: &[u8], lo: u8) -> Result<[u64; N]> {
    let mut bins = [0u64; N];
    let hi = lo as usize + N - 1;
    for (i, &s) in scores.iter().enumerate() {
        if (s as usize) < lo as usize || s as usize > hi {
            return Err(Error::argument(
                name,
                format!("score {s} at position {i}: expected an integer from {lo} to {hi}"),
            ));
        }
        bins[(s - lo) as usize] += 1;
    }
    Ok(bins)
}

/// Scores as the bindings receive them (numbers, possibly missing), checked against the scale
/// `lo..=hi`: `None` and NaN are unanswered and skipped; anything else must be a whole number on
/// the scale. Errors name the argument `name` and the position in `values` (counting skipped
/// entries).
pub fn scores_from_numbers(name: &str, values: &[Option<f64>], lo: u8, hi: u8) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(values.len());
    let scale = f64::from(lo)..=f64::from(hi);
    for (i, v) in values.iter().enumerate() {
        match v {
            None => {}
            Some(x) if x.is_nan() => {}
            Some(x) if x.fract() == 0.0 && scale.contains(x) => out.push(*x as u8),
            Some(x) => {
                let expected = if x.fract() == 0.0 {
                    format!("an integer from {lo} to {hi}")
                } else {
                    "a whole number".to_string()
                };
                return Err(Error::argument(
                    name,
                    format!("score {x} at position {i}: expected {expected}"),
                ));
            }
        }
    }
    Ok(out)
}

/// A JSON list of scores (numbers or `null`) checked against the scale `lo..=hi`, as
/// [`scores_from_numbers`].
pub(super) fn scores_from_json(
    name: &str,
    v: &serde_json::Value,
    lo: u8,
    hi: u8,
) -> Result<Vec<u8>> {
    let Some(items) = v.as_array() else {
        return Err(Error::argument(
            name,
            format!(
                "expected a list of scores, got {}",
                crate::args::json_kind(v)
            ),
        ));
    };
    let mut numbers = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        numbers.push(match item {
            serde_json::Value::Null => None,
            serde_json::Value::Number(n) => n.as_f64(),
            other => {
                return Err(Error::argument(
                    name,
                    format!(
                        "score {other} at position {i}: expected a number from {lo} to {hi} or \
                         null"
                    ),
                ))
            }
        });
    }
    scores_from_numbers(name, &numbers, lo, hi)
}

/// `journey.nps(scores)` as the bindings call it: a JSON list of 0-10 answers, `null` (or NaN,
/// which JSON cannot hold) for unanswered ones.
pub fn nps_scores_json(v: &serde_json::Value) -> Result<NpsResult> {
    nps_scores(&scores_from_json("scores", v, 0, 10)?)
}

/// `journey.csat(scores)` as the bindings call it: a JSON list of 1-5 answers or `null`.
pub fn csat_scores_json(v: &serde_json::Value) -> Result<CsatResult> {
    csat_scores(&scores_from_json("scores", v, 1, 5)?)
}

/// `journey.ces(scores)` as the bindings call it: a JSON list of 1-7 answers or `null`.
pub fn ces_scores_json(v: &serde_json::Value) -> Result<CesResult> {
    ces_scores(&scores_from_json("scores", v, 1, 7)?)
}

/// One side of `nps_diff` as the bindings receive it (argument `name`): a JSON list of 0-10
/// answers, or anything carrying an NPS histogram in `counts` (an NPS result, a breakdown, which
/// stands for its overall figures, or one of its groups).
///
/// ```
/// use journey_core::metrics::survey::{nps_diff, nps_diff_arg, nps_scores};
/// let group = serde_json::to_value(nps_scores(&[10, 9, 3]).unwrap()).unwrap();
/// let a = nps_diff_arg("a", &group).unwrap();
/// let b = nps_diff_arg("b", &serde_json::json!([10, 9, 3])).unwrap();
/// assert_eq!(nps_diff(&a, &b).diff, Some(0.0));
/// ```
pub fn nps_diff_arg(name: &str, v: &serde_json::Value) -> Result<NpsResult> {
    match v {
        serde_json::Value::Array(_) => nps_scores(&scores_from_json(name, v, 0, 10)?),
        serde_json::Value::Object(o) => match o.get("counts") {
            Some(c) => {
                let bad = || {
                    Error::argument(
                        name,
                        format!(
                            "counts {c}: expected 11 non-negative integers (the answers per \
                             score 0 to 10 of an NPS result)"
                        ),
                    )
                };
                let counts: Vec<u64> = serde_json::from_value(c.clone()).map_err(|_| bad())?;
                NpsResult::from_count_list(&counts).ok_or_else(bad)
            }
            None => Err(Error::argument(
                name,
                "expected a list of 0-10 scores or an NPS result with counts; this object has \
                 no counts",
            )),
        },
        other => Err(Error::argument(
            name,
            format!(
                "expected a list of 0-10 scores or an NPS result with counts, got {}",
                crate::args::json_kind(other)
            ),
        )),
    }
}

/// The NPS of a list of 0-10 answers (`journey.nps(scores)`). An answer out of range is an
/// [`Error::InvalidArgument`].
///
/// ```
/// let r = journey_core::metrics::survey::nps_scores(&[10, 9, 8, 6, 0]).unwrap();
/// assert_eq!((r.promoters, r.passives, r.detractors), (2, 1, 2));
/// assert_eq!(r.nps, Some(0.0));
/// ```
pub fn nps_scores(scores: &[u8]) -> Result<NpsResult> {
    histogram::<11>("scores", scores, 0).map(|h| NpsResult::from_counts(&h))
}

/// The CSAT of a list of 1-5 answers.
pub fn csat_scores(scores: &[u8]) -> Result<CsatResult> {
    histogram::<5>("scores", scores, 1).map(|h| CsatResult::from_counts(&h))
}

/// The CES of a list of 1-7 answers.
pub fn ces_scores(scores: &[u8]) -> Result<CesResult> {
    histogram::<7>("scores", scores, 1).map(|h| CesResult::from_counts(&h))
}
