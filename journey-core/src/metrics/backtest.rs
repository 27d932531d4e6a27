//! The time-split backtest of open-journey scoring (docs/live.md, "Backtest"): fit the chain
//! on the events before `as_of`, score the journeys open at `as_of`, and compare with whether
//! each customer converted within the `horizon` after it. AUC, Brier score and a calibration
//! table for the Markov probability and two baselines: the conversion rate of the journey's
//! last touch (the share of the fitted paths containing it that converted) and the overall
//! rate (the share of fitted paths that converted).
//!
//! ```
//! use journey_core::metrics::backtest::{backtest, BacktestOptions};
//! let (log, _) = journey_core::synthetic(2_000, 7);
//! let opts = BacktestOptions { as_of: "2026-05-01T00:00:00Z".into(), ..Default::default() };
//! let r = backtest(&log, &opts).unwrap();
//! assert_eq!(r.predictors.len(), 3);
//! assert_eq!(r.predictors[2].auc, Some(0.5)); // a constant ranks nothing
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::open_journeys::{range_before, scan_open, Fitted, OpenJourneyOptions};
use crate::metrics::paths::Level;
use crate::metrics::retention::TimeBound;
use crate::model::EventLog;
use crate::time::{format_us, Duration};

fn default_horizon() -> Duration {
    Duration::from_days(14)
}

/// Options of [`backtest`] (`log.open_journeys_backtest(as_of=..., ...)`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacktestOptions {
    /// The split time T (RFC 3339 or Unix seconds; required): fit on the events before it,
    /// score the journeys open at it.
    pub as_of: TimeBound,
    /// How long after T a conversion counts (default 14 days).
    pub horizon: Duration,
    /// States of touchpoints (default) or channels.
    pub level: Level,
    /// Markov order, 1 to 4 (default 1).
    pub order: usize,
    /// Merge consecutive repeats into one touch.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from the paths.
    pub exclude: Option<Vec<String>>,
    /// Score only customers who had never converted before T.
    pub only_unconverted: bool,
    /// Rows of each calibration table (default 10: deciles).
    pub bins: usize,
    /// Condition the Markov probability on each journey's silence at T (default `true`; see
    /// `OpenJourneyOptions::idle`).
    pub idle: bool,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            as_of: TimeBound::Text(String::new()),
            horizon: default_horizon(),
            level: Level::Touchpoint,
            order: 1,
            collapse_repeats: false,
            exclude: None,
            only_unconverted: false,
            bins: 10,
            idle: true,
        }
    }
}

/// One predictor's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictorScore {
    /// `markov`, `last_touch_rate` or `overall_rate`.
    pub predictor: String,
    /// Area under the ROC curve: the probability that a journey that converted is scored
    /// above one that did not (ties count half). `None` without both kinds.
    pub auc: Option<f64>,
    /// Mean of `(score - outcome)^2`. `None` without journeys.
    pub brier: Option<f64>,
    /// Mean score.
    pub mean_score: Option<f64>,
}

/// One row of a calibration table: the journeys of one bin of the predictor's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationRow {
    /// The predictor.
    pub predictor: String,
    /// 1 = the lowest scores.
    pub bin: u32,
    /// Journeys in the bin.
    pub n: u64,
    /// Lowest and highest score in the bin.
    pub min_score: f64,
    /// Highest score in the bin.
    pub max_score: f64,
    /// Mean score.
    pub mean_score: f64,
    /// Share that converted within the horizon.
    pub observed_rate: f64,
}

/// The result of [`backtest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestResult {
    /// T, RFC 3339.
    pub as_of: String,
    /// The horizon in seconds.
    pub horizon_s: f64,
    /// Level of the states.
    pub level: Level,
    /// Markov order.
    pub order: usize,
    /// Whether the Markov probability was conditioned on the silence at T.
    pub idle: bool,
    /// Conversion paths (with touches) before T the chain was fitted on.
    pub training_paths: f64,
    /// How many of them converted.
    pub training_conversions: f64,
    /// Journeys open at T (scored).
    pub n_open: u64,
    /// How many of them converted within the horizon.
    pub n_converted: u64,
    /// `n_converted / n_open` (`None` without open journeys).
    pub observed_rate: Option<f64>,
    /// `markov`, `last_touch_rate`, `overall_rate`: AUC, Brier score, mean score.
    pub predictors: Vec<PredictorScore>,
    /// Whether the Markov AUC is above both baselines' AUC.
    pub markov_beats_baselines: bool,
    /// Per predictor, `bins` rows of equal size (by score, ties by customer).
    pub calibration: Vec<CalibrationRow>,
}

/// AUC of `scores` against `outcomes` by the rank-sum (Mann-Whitney) formula, ties at their
/// mean rank. `None` unless both outcomes occur.
pub fn auc(scores: &[f64], outcomes: &[bool]) -> Option<f64> {
    let pos = outcomes.iter().filter(|&&y| y).count() as f64;
    let neg = outcomes.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Ranks i + 1 ..= j + 1 share their mean.
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mean_rank * order[i..=j].iter().filter(|&&k| outcomes[k]).count() as f64;
        i = j + 1;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// Mean of `(score - outcome)^2`.
pub fn brier(scores: &[f64], outcomes: &[bool]) -> Option<f64> {
    (!scores.is_empty()).then(|| {
        scores
            .iter()
            .zip(outcomes)
            .map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2))
            .sum::<f64>()
            / scores.len() as f64
    })
}

/// `bins` rows of equal size (the first ones one smaller when it does not divide), by score,
/// ties in the given order.
fn calibration(name: &str, scores: &[f64], outcomes: &[bool], bins: usize) -> Vec<CalibrationRow> {
    let n = scores.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    (0..bins)
        .filter_map(|b| {
            let (lo, hi) = (b * n / bins, (b + 1) * n / bins);
            let rows = &order[lo..hi];
            (!rows.is_empty()).then(|| {
                let k = rows.len() as f64;
                CalibrationRow {
                    predictor: name.to_string(),
                    bin: b as u32 + 1,
                    n: rows.len() as u64,
                    min_score: scores[rows[0]],
                    max_score: scores[rows[rows.len() - 1]],
                    mean_score: rows.iter().map(|&i| scores[i]).sum::<f64>() / k,
                    observed_rate: rows.iter().filter(|&&i| outcomes[i]).count() as f64 / k,
                }
            })
        })
        .collect()
}

/// Runs the time-split backtest (see the module docs and docs/live.md).
pub fn backtest(log: &EventLog, opts: &BacktestOptions) -> Result<BacktestResult> {
    // Long because the fit, the scores and every baseline are computed over the same split of
    // the log, in one sequence.
    if opts.as_of == TimeBound::Text(String::new()) {
        return Err(Error::argument(
            "as_of",
            "required: the split time T, as RFC 3339 text or Unix seconds",
        ));
    }
    let t = opts.as_of.to_us("as_of")?;
    if opts.horizon.as_us() <= 0 {
        return Err(Error::argument("horizon", "must be positive"));
    }
    if opts.bins == 0 {
        return Err(Error::argument("bins", "0: expected at least 1"));
    }
    let scoring = OpenJourneyOptions {
        level: opts.level,
        order: opts.order,
        collapse_repeats: opts.collapse_repeats,
        exclude: opts.exclude.clone(),
        as_of: Some(opts.as_of.clone()),
        only_unconverted: opts.only_unconverted,
        ..Default::default()
    };
    scoring.check()?;
    let popts = scoring.path_options();
    let fit = Fitted::new(log, &popts, opts.order, Some(t), opts.idle)?;
    let opens = scan_open(log, &popts, opts.order, Some(t), opts.only_unconverted)?;
    let end = t.saturating_add(opts.horizon.as_us());
    let tps = log.touchpoint_ids();
    let outcomes: Vec<bool> = opens
        .iter()
        .map(|o| {
            let c = o.customer as usize;
            let from = range_before(log, c, Some(t)).end;
            let to = range_before(log, c, Some(end)).end;
            (from..to).any(|i| log.is_conversion(tps[i]))
        })
        .collect();
    let overall = fit.overall_rate().unwrap_or(0.0);
    let by_name = fit.rate_of_paths_with();
    let markov: Vec<f64> = opens
        .iter()
        .map(|o| {
            // The open path is one of the fitted paths (same cut, same time): its state is
            // in the chain.
            match fit.chain.state(&o.key) {
                Some(s) if opts.idle => fit.given_idle(s, fit.x[s as usize], t - o.last_us),
                Some(s) => fit.x[s as usize],
                None => overall,
            }
        })
        .collect();
    let last: Vec<f64> = opens
        .iter()
        .map(|o| by_name[o.last as usize].unwrap_or(overall))
        .collect();
    let flat = vec![overall; opens.len()];
    let mut predictors = Vec::new();
    let mut cal = Vec::new();
    for (name, scores) in [
        ("markov", &markov),
        ("last_touch_rate", &last),
        ("overall_rate", &flat),
    ] {
        predictors.push(PredictorScore {
            predictor: name.to_string(),
            auc: auc(scores, &outcomes),
            brier: brier(scores, &outcomes),
            mean_score: (!scores.is_empty())
                .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        });
        cal.extend(calibration(name, scores, &outcomes, opts.bins));
    }
    let a = |i: usize| predictors[i].auc;
    let markov_beats_baselines =
        matches!((a(0), a(1), a(2)), (Some(m), Some(l), Some(o)) if m > l && m > o);
    let n_converted = outcomes.iter().filter(|&&y| y).count() as u64;
    let training_conversions: f64 = (0..fit.table.len()).map(|p| fit.table.conversions(p)).sum();
    Ok(BacktestResult {
        as_of: format_us(t),
        horizon_s: opts.horizon.as_secs_f64(),
        level: opts.level,
        order: opts.order,
        idle: opts.idle,
        training_paths: training_conversions
            + (0..fit.table.len())
                .map(|p| fit.table.nulls(p))
                .sum::<f64>(),
        training_conversions,
        n_open: opens.len() as u64,
        n_converted,
        observed_rate: (!opens.is_empty()).then(|| n_converted as f64 / opens.len() as f64),
        predictors,
        markov_beats_baselines,
        calibration: cal,
    })
}

impl EventLog {
    /// [`backtest`] of this log.
    pub fn open_journeys_backtest(&self, opts: &BacktestOptions) -> Result<BacktestResult> {
        backtest(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    #[test]
    fn auc_and_brier_by_hand() {
        // Positives 0.8, 0.4; negatives 0.4, 0.1. Pairs: (0.8 > 0.4) 1, (0.8 > 0.1) 1,
        // (0.4 = 0.4) 1/2, (0.4 > 0.1) 1: 3.5 / 4.
        let s = [0.8, 0.4, 0.4, 0.1];
        let y = [true, true, false, false];
        assert_eq!(auc(&s, &y), Some(0.875));
        // (0.2^2 + 0.6^2 + 0.4^2 + 0.1^2) / 4 = (0.04 + 0.36 + 0.16 + 0.01) / 4 = 0.1425.
        assert!((brier(&s, &y).unwrap() - 0.1425).abs() < 1e-15);
        assert_eq!(auc(&[0.3, 0.3], &[true, false]), Some(0.5));
        assert_eq!(auc(&s, &[true; 4]), None);
        assert_eq!(brier(&[], &[]), None);
        let c = calibration("m", &s, &y, 2);
        assert_eq!(c.len(), 2);
        // Bin 1: 0.1 (no), 0.4 (row 1, yes); bin 2: 0.4 (row 2, no), 0.8 (yes).
        assert_eq!((c[0].n, c[0].min_score, c[0].max_score), (2, 0.1, 0.4));
        assert_eq!((c[0].observed_rate, c[1].observed_rate), (0.5, 0.5));
        assert!((c[1].mean_score - 0.6).abs() < 1e-15);
    }

    /// Training before T = 10: paths a > b > purchase (u1), a > c (u2, open at T), a > b (u3,
    /// open at T), b (u4, open). After T: u3 buys at 11 and u2 at 100, within the 14 days;
    /// u4 buys 23 days after T, too late.
    ///
    /// Chain: start -> a 3, b 1; a -> b 2, c 1; b -> conversion 1, null 2 (u3, u4); c -> null
    /// once. x_b = 1/3, x_c = 0, x_a = 2/3 x 1/3 = 2/9. Open: u2 at c (0), u3 at b (1/3), u4
    /// at b (1/3). Outcomes: u2 yes, u3 yes, u4 no.
    ///
    /// Markov AUC: positives {0, 1/3}, negative {1/3}: (0 + 1/2) / 2 = 1/4.
    /// Last-touch rates: c in 1 path, 0 converted: 0; b in 3 paths, 1 converted: 1/3. Same
    /// AUC, 1/4. Overall: 1 of 4 paths, 1/4 for everyone: AUC 1/2.
    /// Brier, Markov: (0 - 1)^2 + (1/3 - 1)^2 + (1/3)^2 = 1 + 4/9 + 1/9 = 14/9, / 3 = 14/27.
    #[test]
    fn backtest_by_hand() {
        let csv = "customer_id,timestamp,touchpoint\n\
            u1,1,a\nu1,2,b\nu1,3,purchase\n\
            u2,1,a\nu2,2,c\nu2,100,purchase\n\
            u3,1,a\nu3,2,b\nu3,11,purchase\n\
            u4,5,b\nu4,2000000,purchase\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let r = backtest(
            &log,
            &BacktestOptions {
                as_of: TimeBound::UnixSeconds(10),
                bins: 2,
                idle: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((r.training_paths, r.training_conversions), (4.0, 1.0));
        // u4 buys 23 days after T: outside the 14-day horizon.
        assert_eq!((r.n_open, r.n_converted), (3, 2));
        let aucs: Vec<Option<f64>> = r.predictors.iter().map(|p| p.auc).collect();
        assert_eq!(aucs, [Some(0.25), Some(0.25), Some(0.5)]);
        assert!((r.predictors[0].brier.unwrap() - 14.0 / 27.0).abs() < 1e-12);
        // Overall 1/4 for all: ((3/4)^2 x 2 + (1/4)^2) / 3 = (18/16 + 1/16) / 3 = 19/48.
        assert!((r.predictors[2].brier.unwrap() - 19.0 / 48.0).abs() < 1e-12);
        assert!(!r.markov_beats_baselines);
        assert_eq!(r.calibration.len(), 6);
        // A horizon of 30 days counts u4 too.
        let r = backtest(
            &log,
            &BacktestOptions {
                as_of: TimeBound::UnixSeconds(10),
                horizon: Duration::from_days(30),
                idle: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.n_converted, 3);
        assert_eq!(r.predictors[0].auc, None);
        let e = backtest(&log, &BacktestOptions::default()).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains("as_of: required"), "{e}");
    }
}
