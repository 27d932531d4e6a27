//! Survey metrics (NPS, CSAT, CES), overall and broken down by touchpoint, stage, channel or any
//! property of the event log.
//!
//! Every statistic is computed from a histogram of the answers (11 bins for NPS, 5 for CSAT, 7
//! for CES), so the results do not depend on the order of the responses and empty inputs give
//! `None` rates instead of a fake 0.
//!
//! - NPS: promoters answer 9-10, passives 7-8, detractors 0-6; `NPS = 100 (P - D)` with `P`, `D`
//!   the shares of promoters and detractors. Each answer scores +1 / 0 / -1, so the variance is
//!   `P + D - (P - D)^2`, `SE = 100 sqrt(Var / n)` and the 95% interval `NPS +- 1.96 SE`,
//!   clamped to [-100, 100].
//! - CSAT: the share (%) of 4s and 5s on the 1-5 scale with a Wilson score 95% interval, and the
//!   mean answer.
//! - CES: the mean of the 1-7 answers with a Student t 95% interval (n - 1 degrees of freedom,
//!   clamped to [1, 7]), and the share answering 5-7.
//!
//! Breakdowns ([`ScoreOptions::by`]) attach every response to a group key; see [`nps`] for how
//! a response is joined to the event log.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{EventLog, Stage, Surveys, NO_ID, NO_SCORE};

/// The normal quantile used for the NPS and CSAT intervals, as written in the definitions.
const Z95: f64 = 1.96;
/// The exact 97.5% normal quantile, the limit of the t quantile for large samples.
const Z975_EXACT: f64 = 1.959_963_984_540_054;
/// Stage ids of the log use `u16::MAX` for "no stage".
use crate::model::NO_STAGE;

mod join;
mod score;
mod stats;

use join::breakdown;
pub(crate) use join::{assemble, part_tally, touchpoint_value_counts, PartTally};
pub(crate) use score::wilson;
pub use score::{
    ces_scores, ces_scores_json, csat_scores, csat_scores_json, nps_diff, nps_diff_arg, nps_scores,
    nps_scores_json, scores_from_numbers,
};
pub(crate) use stats::{erfc, t_critical_95, t_two_sided_cdf};

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// Net Promoter Score of a set of 0-10 answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsResult {
    /// Number of answers.
    pub n: u64,
    /// Answers 9 or 10.
    pub promoters: u64,
    /// Answers 7 or 8.
    pub passives: u64,
    /// Answers 0 to 6.
    pub detractors: u64,
    /// Promoters as % of answers (`None` when there is no answer).
    pub promoters_pct: Option<f64>,
    /// Passives as % of answers.
    pub passives_pct: Option<f64>,
    /// Detractors as % of answers.
    pub detractors_pct: Option<f64>,
    /// `100 (P - D)`, in [-100, 100].
    pub nps: Option<f64>,
    /// Standard error of the NPS, in NPS points.
    pub se: Option<f64>,
    /// Lower end of the 95% interval, clamped to -100.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval, clamped to 100.
    pub ci_high: Option<f64>,
    /// Number of answers per score, index = score (11 entries).
    pub counts: Vec<u64>,
}

/// The difference of two NPS values (`a - b`) with a two-sided z test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsDiff {
    /// `nps(a) - nps(b)`; `None` when either side has no answer.
    pub diff: Option<f64>,
    /// `sqrt(SE_a^2 + SE_b^2)`.
    pub se: Option<f64>,
    /// `diff / se`; `None` when `se` is 0 (both groups answered unanimously).
    pub z: Option<f64>,
    /// Two-sided p value of `z` under the standard normal.
    pub p_value: Option<f64>,
    /// Lower end of the 95% interval of the difference (`diff - 1.96 se`, clamped to -200).
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval of the difference (clamped to 200).
    pub ci_high: Option<f64>,
}

/// Customer satisfaction of a set of 1-5 answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsatResult {
    /// Number of answers.
    pub n: u64,
    /// Answers 4 or 5 ("top-2-box").
    pub satisfied: u64,
    /// `satisfied / n` in %.
    pub csat: Option<f64>,
    /// Lower end of the Wilson 95% interval, in %.
    pub ci_low: Option<f64>,
    /// Upper end of the Wilson 95% interval, in %.
    pub ci_high: Option<f64>,
    /// Mean answer.
    pub mean: Option<f64>,
    /// Number of answers per score, index = score - 1 (5 entries).
    pub counts: Vec<u64>,
}

/// Customer effort of a set of 1-7 answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CesResult {
    /// Number of answers.
    pub n: u64,
    /// Mean answer.
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1 in the denominator); `None` below two answers.
    pub sd: Option<f64>,
    /// Standard error of the mean, `sd / sqrt(n)`.
    pub se: Option<f64>,
    /// Lower end of the t 95% interval of the mean, clamped to 1.
    pub ci_low: Option<f64>,
    /// Upper end of the t 95% interval of the mean, clamped to 7.
    pub ci_high: Option<f64>,
    /// Answers 5, 6 or 7.
    pub n_5_7: u64,
    /// `n_5_7 / n` in %.
    pub pct_5_7: Option<f64>,
    /// Number of answers per score, index = score - 1 (7 entries).
    pub counts: Vec<u64>,
}

/// A metric overall and per group. Serialises flat: the overall statistics at the top level, next
/// to `by` and `groups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown<T> {
    /// The grouping asked for (`None`: overall only, `groups` is empty).
    pub by: Option<String>,
    /// The statistics over all answers.
    #[serde(flatten)]
    pub overall: T,
    /// One row per group with at least one answer, sorted by key (stages in journey order); the
    /// group of responses without a key (`key: null`) comes last.
    pub groups: Vec<Group<T>>,
}

/// One group of a [`Breakdown`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group<T> {
    /// The group's key: a touchpoint, stage, channel or property value; `None` for responses
    /// that could not be given one.
    pub key: Option<String>,
    /// The statistics of the group.
    #[serde(flatten)]
    pub stats: T,
}

impl<T> Breakdown<T> {
    /// The statistics of the group with this key.
    pub fn group(&self, key: &str) -> Option<&T> {
        self.groups
            .iter()
            .find(|g| g.key.as_deref() == Some(key))
            .map(|g| &g.stats)
    }
}

/// One row of a breakdown as a single table (`to_pandas()` in Python): a group, or the overall
/// figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow<'a, T> {
    /// The group's key; `None` on the overall row and on the group of responses without a key
    /// (`overall` tells them apart).
    pub key: Option<&'a str>,
    /// `true` on the one row of the overall figures, `false` on the groups.
    pub overall: bool,
    /// The statistics of the row.
    #[serde(flatten)]
    pub stats: &'a T,
}

impl<T> Breakdown<T> {
    /// The breakdown as one table: a row per group (in the order of [`Breakdown::groups`]), then
    /// the overall figures as a last row marked `overall: true`. Without `by`, only that row.
    ///
    /// ```
    /// use journey_core::metrics::survey::{nps, ScoreOptions};
    /// let csv = "customer_id,timestamp,touchpoint,nps\na,1,app,10\nb,1,shop,0\n";
    /// let s = journey_core::read_surveys_csv(csv.as_bytes(), &Default::default()).unwrap();
    /// let r = nps(&s, None, &ScoreOptions { by: Some("touchpoint".into()) }).unwrap();
    /// let rows = r.table();
    /// let keys: Vec<_> = rows.iter().map(|t| (t.key, t.overall, t.stats.n)).collect();
    /// assert_eq!(keys, [(Some("app"), false, 1), (Some("shop"), false, 1), (None, true, 2)]);
    /// assert_eq!(nps(&s, None, &ScoreOptions::default()).unwrap().table().len(), 1);
    /// ```
    pub fn table(&self) -> Vec<TableRow<'_, T>> {
        self.groups
            .iter()
            .map(|g| TableRow {
                key: g.key.as_deref(),
                overall: false,
                stats: &g.stats,
            })
            .chain(std::iter::once(TableRow {
                key: None,
                overall: true,
                stats: &self.overall,
            }))
            .collect()
    }
}

/// NPS overall and per group.
pub type NpsBreakdown = Breakdown<NpsResult>;
/// CSAT overall and per group.
pub type CsatBreakdown = Breakdown<CsatResult>;
/// CES overall and per group.
pub type CesBreakdown = Breakdown<CesResult>;

/// Options of the survey metrics (`surveys.nps(by=None)`, `.csat(by=)`, `.ces(by=)`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreOptions {
    /// Group by `"touchpoint"`, `"stage"`, `"channel"` or the name of a property column of the
    /// event log (e.g. `"persona"`). `None`: overall only.
    pub by: Option<String>,
}

/// NPS of the survey responses, overall and optionally per group (`surveys.nps(by=)`).
///
/// Blank NPS answers are left out. With `by`:
/// - `"touchpoint"`: the response's touchpoint; a response without one takes the touchpoint of
///   the customer's latest event at or before the response time (needs `log`; without the log,
///   or without such an event, it goes to the `key: null` group).
/// - `"stage"` / `"channel"` (need `log`): the stage / channel of the event the response is
///   about: the customer's latest event at the response's touchpoint at or before the response
///   time (any touchpoint when the response names none). When the response names a touchpoint
///   but no such event exists, the touchpoint's catalog entry, else the channel / stage most
///   often seen with that touchpoint in the log.
/// - any other name (need `log`): a property column of the log, e.g. `"persona"`: the customer's
///   value as of the response (the latest event at or before it carrying the property, else
///   their first later one).
///
/// Responses that get no key (unknown customer, no event before the response, no stage) form a
/// group with `key: None`, listed last, so the group sizes add up to the overall `n`.
///
/// ```
/// use journey_core::metrics::survey::{nps, ScoreOptions};
/// let csv = "customer_id,timestamp,touchpoint,nps\na,1,purchase,10\nb,1,purchase,3\nc,1,support,9\n";
/// let s = journey_core::read_surveys_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let r = nps(&s, None, &ScoreOptions { by: Some("touchpoint".into()) }).unwrap();
/// assert_eq!(r.overall.n, 3);
/// assert_eq!(r.group("purchase").unwrap().nps, Some(0.0));
/// assert_eq!(r.group("support").unwrap().nps, Some(100.0));
/// ```
pub fn nps(surveys: &Surveys, log: Option<&EventLog>, opts: &ScoreOptions) -> Result<NpsBreakdown> {
    breakdown::<_, 11>(surveys, log, opts, &surveys.nps, 0, NpsResult::from_counts)
}

/// CSAT of the survey responses, overall and optionally per group; groups as in [`nps`].
pub fn csat(
    surveys: &Surveys,
    log: Option<&EventLog>,
    opts: &ScoreOptions,
) -> Result<CsatBreakdown> {
    breakdown::<_, 5>(
        surveys,
        log,
        opts,
        &surveys.csat,
        1,
        CsatResult::from_counts,
    )
}

/// CES of the survey responses, overall and optionally per group; groups as in [`nps`].
pub fn ces(surveys: &Surveys, log: Option<&EventLog>, opts: &ScoreOptions) -> Result<CesBreakdown> {
    breakdown::<_, 7>(surveys, log, opts, &surveys.ces, 1, CesResult::from_counts)
}

impl Surveys {
    /// NPS overall and by touchpoint (see [`nps`]; groupings that need the event log are an
    /// error here, use [`nps`] with the log).
    pub fn nps(&self, opts: &ScoreOptions) -> Result<NpsBreakdown> {
        nps(self, None, opts)
    }
    /// CSAT overall and by touchpoint (see [`csat`]).
    pub fn csat(&self, opts: &ScoreOptions) -> Result<CsatBreakdown> {
        csat(self, None, opts)
    }
    /// CES overall and by touchpoint (see [`ces`]).
    pub fn ces(&self, opts: &ScoreOptions) -> Result<CesBreakdown> {
        ces(self, None, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, read_surveys_csv, LoadOptions};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn erfc_matches_reference_values() {
        // Reference: CPython's math.erfc.
        let cases = [
            (0.1, 0.8875370839817152),
            (0.5, 0.4795001221869535),
            (1.0, 0.15729920705028513),
            (1.5, 0.033894853524689274),
            (2.0, 0.004677734981047265),
            (2.5, 0.0004069520174449589),
            (2.9, 4.109787809945886e-05),
            (3.0, 2.2090496998585438e-05),
            (3.5, 7.430983723414128e-07),
            (4.0, 1.541725790028002e-08),
            (5.0, 1.5374597944280351e-12),
            (6.0, 2.1519736712498916e-17),
            (8.0, 1.1224297172982928e-29),
            (10.0, 2.088487583762545e-45),
        ];
        for (x, want) in cases {
            let got = erfc(x);
            assert!(
                ((got - want) / want).abs() < 1e-14,
                "erfc({x}) = {got}, want {want}"
            );
        }
        assert_eq!(erfc(0.0), 1.0);
        assert!(close(erfc(-1.0), 2.0 - 0.15729920705028513, 1e-15));
        assert_eq!(erfc(40.0), 0.0);
    }

    #[test]
    fn t_quantiles_match_tables() {
        // Two-sided 95% critical values of Student's t.
        let table = [
            (1, 12.706_204_736),
            (2, 4.302_652_730),
            (3, 3.182_446_305),
            (4, 2.776_445_105),
            (5, 2.570_581_836),
            (6, 2.446_911_851),
            (7, 2.364_624_252),
            (8, 2.306_004_135),
            (9, 2.262_157_163),
            (10, 2.228_138_852),
            (15, 2.131_449_546),
            (20, 2.085_963_447),
            (30, 2.042_272_456),
            (60, 2.000_297_822),
            (120, 1.979_930_405),
            (1000, 1.962_339_081),
        ];
        for (df, want) in table {
            let got = t_critical_95(df);
            assert!((got - want).abs() < 2e-9, "t({df}) = {got}, want {want}");
        }
        // The two methods agree where they meet, and the quantile falls towards 1.96.
        assert!((t_critical_95(200) - t_critical_95(201)).abs() < 1e-4);
        assert!(t_critical_95(200) > t_critical_95(201));
        assert!((t_critical_95(10_000_000) - Z975_EXACT).abs() < 1e-6);
    }

    #[test]
    fn nps_by_hand() {
        // 10 answers: 4 promoters (10, 10, 9, 9), 3 passives (8, 7, 7), 3 detractors (6, 3, 0).
        // P = 0.4, D = 0.3, NPS = 10. Var = 0.4 + 0.3 - 0.1^2 = 0.69,
        // SE = 100 sqrt(0.069) = 26.267851...; CI = 10 -+ 1.96 SE = [-41.485, 61.485].
        let r = nps_scores(&[10, 10, 9, 9, 8, 7, 7, 6, 3, 0]).unwrap();
        assert_eq!((r.n, r.promoters, r.passives, r.detractors), (10, 4, 3, 3));
        assert!(close(r.nps.unwrap(), 10.0, 1e-12));
        let se = 100.0 * 0.069f64.sqrt();
        assert!(close(r.se.unwrap(), se, 1e-12));
        assert!(close(r.ci_low.unwrap(), 10.0 - 1.96 * se, 1e-12));
        assert!(close(r.ci_high.unwrap(), 10.0 + 1.96 * se, 1e-12));
        assert!(close(r.promoters_pct.unwrap(), 40.0, 1e-12));
        assert_eq!(r.counts, [1, 0, 0, 1, 0, 0, 1, 2, 1, 2, 2]);
    }

    #[test]
    fn nps_clamps_and_degenerates() {
        // All promoters: NPS 100, SE 0, CI [100, 100].
        let r = nps_scores(&[9, 10, 10]).unwrap();
        assert_eq!(r.nps, Some(100.0));
        assert_eq!(r.se, Some(0.0));
        assert_eq!((r.ci_low, r.ci_high), (Some(100.0), Some(100.0)));
        // Two answers, one promoter, one detractor: NPS 0, Var 1, SE 100/sqrt(2) = 70.7; the
        // interval +-138.6 is clamped to [-100, 100].
        let r = nps_scores(&[10, 0]).unwrap();
        assert_eq!((r.ci_low, r.ci_high), (Some(-100.0), Some(100.0)));
        // No answers: counts 0, every rate None.
        let r = nps_scores(&[]).unwrap();
        assert_eq!(r.n, 0);
        assert_eq!(
            (r.nps, r.se, r.ci_low, r.promoters_pct),
            (None, None, None, None)
        );
        let e = nps_scores(&[3, 11]).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains("score 11 at position 1"), "{e}");
    }

    #[test]
    fn nps_diff_by_hand() {
        // a: 10 answers, NPS 10, SE^2 = 690 (see nps_by_hand).
        // b: [10, 6, 6, 5]: P = 0.25, D = 0.75, NPS -50, Var = 1 - 0.25 = 0.75, SE^2 = 1875.
        // diff 60, SE = sqrt(2565) = 50.6458, z = 1.18470, p = erfc(z / sqrt 2) = 0.23613.
        let a = nps_scores(&[10, 10, 9, 9, 8, 7, 7, 6, 3, 0]).unwrap();
        let b = nps_scores(&[10, 6, 6, 5]).unwrap();
        let d = nps_diff(&a, &b);
        assert!(close(d.diff.unwrap(), 60.0, 1e-12));
        assert!(close(d.se.unwrap(), 2565f64.sqrt(), 1e-12));
        assert!(close(d.z.unwrap(), 60.0 / 2565f64.sqrt(), 1e-12));
        assert!((d.p_value.unwrap() - 0.236_137_0).abs() < 1e-6);
        // Unanimous groups: SE 0, no z.
        let u = nps_diff(&nps_scores(&[10, 10]).unwrap(), &nps_scores(&[0]).unwrap());
        assert_eq!((u.diff, u.z, u.p_value), (Some(200.0), None, None));
        let e = nps_diff(&a, &nps_scores(&[]).unwrap());
        assert_eq!((e.diff, e.p_value), (None, None));
    }

    #[test]
    fn csat_by_hand() {
        // [5, 4, 4, 3, 1]: 3 of 5 satisfied = 60%; mean 17 / 5 = 3.4.
        // Wilson, z = 1.96, p = 0.6, n = 5: denom = 1 + 3.8416/5 = 1.76832,
        // center = (0.6 + 0.38416) / 1.76832 = 0.556551,
        // half = 1.96 sqrt(0.048 + 0.038416) / 1.76832 = 0.325834 -> [23.0720%, 88.2382%].
        let r = csat_scores(&[5, 4, 4, 3, 1]).unwrap();
        assert_eq!((r.n, r.satisfied), (5, 3));
        assert!(close(r.csat.unwrap(), 60.0, 1e-12));
        assert!(close(r.mean.unwrap(), 3.4, 1e-12));
        assert!((r.ci_low.unwrap() - 23.071_993).abs() < 1e-5, "{r:?}");
        assert!((r.ci_high.unwrap() - 88.238_177).abs() < 1e-5, "{r:?}");
        // All satisfied: the interval still reaches below 100%, and its top is exactly 100.
        let r = csat_scores(&[5, 5]).unwrap();
        assert_eq!(r.ci_high, Some(100.0));
        assert!(r.ci_low.unwrap() < 100.0);
        let r = csat_scores(&[]).unwrap();
        assert_eq!((r.csat, r.mean, r.ci_low), (None, None, None));
        assert!(csat_scores(&[0]).is_err());
    }

    #[test]
    fn ces_by_hand() {
        // [7, 6, 5, 2]: mean 5, deviations 2, 1, 0, -3 -> SS 14, sd sqrt(14/3) = 2.160247,
        // se = sd / 2 = 1.080123, t(3) = 3.182446 -> 5 -+ 3.437435 = [1.562565, 8.437435],
        // clamped to [1.562565, 7].
        let r = ces_scores(&[7, 6, 5, 2]).unwrap();
        assert!(close(r.mean.unwrap(), 5.0, 1e-12));
        assert!(close(r.sd.unwrap(), (14.0f64 / 3.0).sqrt(), 1e-12));
        let half = 3.182_446_305 * (14.0f64 / 3.0).sqrt() / 2.0;
        assert!((r.ci_low.unwrap() - (5.0 - half)).abs() < 1e-8);
        assert_eq!(r.ci_high, Some(7.0));
        assert_eq!(r.n_5_7, 3);
        assert!(close(r.pct_5_7.unwrap(), 75.0, 1e-12));
        // One answer: a mean but no spread.
        let r = ces_scores(&[4]).unwrap();
        assert_eq!((r.mean, r.sd, r.ci_low), (Some(4.0), None, None));
        assert!(ces_scores(&[8]).is_err());
    }

    const EVENTS: &str = "customer_id,timestamp,touchpoint,channel,stage,persona\n\
        a,10,ad,social,awareness,p1\n\
        a,20,site,web,consideration,\n\
        a,30,purchase,web,purchase,\n\
        b,10,site,web,consideration,p2\n\
        b,40,support,phone,retention,p2\n\
        c,50,site,web,consideration,\n";

    const SURVEYS: &str = "customer_id,timestamp,touchpoint,nps,csat,ces\n\
        a,35,purchase,10,5,\n\
        a,25,,9,,\n\
        b,45,,3,2,6\n\
        b,30,support,6,,2\n\
        c,5,,8,,\n\
        z,5,,0,,\n\
        c,60,,,4,\n";

    fn fixture() -> (EventLog, Surveys) {
        let o = LoadOptions::default();
        (
            read_events_csv(EVENTS.as_bytes(), &o).unwrap(),
            read_surveys_csv(SURVEYS.as_bytes(), &o).unwrap(),
        )
    }

    fn by(s: &str) -> ScoreOptions {
        ScoreOptions { by: Some(s.into()) }
    }

    fn keys_and_n<T>(b: &Breakdown<T>, n: impl Fn(&T) -> u64) -> Vec<(Option<&str>, u64)> {
        b.groups
            .iter()
            .map(|g| (g.key.as_deref(), n(&g.stats)))
            .collect()
    }

    #[test]
    fn breakdown_by_touchpoint_joins_the_log() {
        let (log, s) = fixture();
        // Without the log: responses without touchpoint form the null group.
        let r = s.nps(&by("touchpoint")).unwrap();
        assert_eq!(r.overall.n, 6);
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [(Some("purchase"), 1), (Some("support"), 1), (None, 4)]
        );
        // With it: a@25 -> site (event at 20); b@45 -> support (event at 40);
        // c@5 and z@5 have no event at or before -> null.
        let r = nps(&s, Some(&log), &by("touchpoint")).unwrap();
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [
                (Some("purchase"), 1),
                (Some("site"), 1),
                (Some("support"), 2),
                (None, 2)
            ]
        );
        assert_eq!(r.group("support").unwrap().counts[3], 1);
        // CSAT answers: a purchase 5, b@45 2 -> support, c@60 4 -> site.
        let r = csat(&s, Some(&log), &by("touchpoint")).unwrap();
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [
                (Some("purchase"), 1),
                (Some("site"), 1),
                (Some("support"), 1)
            ]
        );
    }

    #[test]
    fn breakdown_by_stage_channel_property() {
        let (log, s) = fixture();
        // Stage: a@35 purchase event -> purchase; a@25 -> site -> consideration;
        // b@45 -> support -> retention; b@30 support, but b's support event is at 40, after the
        // response: no matching event, so the most common stage of support: retention.
        let r = nps(&s, Some(&log), &by("stage")).unwrap();
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [
                (Some("consideration"), 1),
                (Some("purchase"), 1),
                (Some("retention"), 2),
                (None, 2)
            ]
        );
        let r = nps(&s, Some(&log), &by("channel")).unwrap();
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [(Some("phone"), 2), (Some("web"), 2), (None, 2)]
        );
        // Persona as of the response: a -> p1 (set on a's first event); b -> p2; c's events
        // carry no persona and z is not in the log -> null.
        let r = nps(&s, Some(&log), &by("persona")).unwrap();
        assert_eq!(
            keys_and_n(&r, |x| x.n),
            [(Some("p1"), 2), (Some("p2"), 2), (None, 2)]
        );
        let e = s.nps(&by("stage")).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        let e = nps(&s, Some(&log), &by("segment")).unwrap_err();
        assert!(e.to_string().contains("persona"), "{e}");
    }

    #[test]
    fn groups_follow_journey_order_for_stages() {
        let (log, s) = fixture();
        let r = ces(&s, Some(&log), &by("stage")).unwrap();
        // CES answers: b@45 (6) retention, b@30 (2) retention by default.
        assert_eq!(keys_and_n(&r, |x| x.n), [(Some("retention"), 2)]);
        assert_eq!(r.overall.mean, Some(4.0));
    }

    #[test]
    fn empty_surveys_are_defined() {
        let s = Surveys::empty();
        let r = s.nps(&by("touchpoint")).unwrap();
        assert_eq!((r.overall.n, r.overall.nps), (0, None));
        assert!(r.groups.is_empty());
        let log = EventLog::empty();
        let r = ces(&s, Some(&log), &by("stage")).unwrap();
        assert_eq!(r.overall.mean, None);
    }

    #[test]
    fn scores_out_of_range_say_the_scale() {
        let msg = |v: &[Option<f64>], lo, hi| {
            scores_from_numbers("scores", v, lo, hi)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            msg(&[Some(-1.0)], 0, 10),
            "invalid argument scores: score -1 at position 0: expected an integer from 0 to 10"
        );
        // Positions count the skipped (unanswered) entries too.
        assert_eq!(
            msg(&[None, Some(f64::NAN), Some(300.0)], 0, 10),
            "invalid argument scores: score 300 at position 2: expected an integer from 0 to 10"
        );
        assert!(msg(&[Some(0.0)], 1, 5)
            .ends_with("score 0 at position 0: expected an integer from 1 to 5"));
        assert!(msg(&[Some(8.0)], 1, 7).ends_with("expected an integer from 1 to 7"));
        assert!(
            msg(&[Some(7.5)], 0, 10).ends_with("score 7.5 at position 0: expected a whole number")
        );
        assert_eq!(
            scores_from_numbers("scores", &[Some(0.0), None, Some(10.0)], 0, 10).unwrap(),
            [0, 10]
        );
        // From JSON, as the bindings pass them.
        let e = nps_scores_json(&serde_json::json!([3, null, 11])).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("score 11 at position 2: expected an integer from 0 to 10"),
            "{e}"
        );
        let e = csat_scores_json(&serde_json::json!([3, "4"])).unwrap_err();
        assert!(e.to_string().contains(r#"score "4" at position 1"#), "{e}");
        let e = ces_scores_json(&serde_json::json!(5)).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("expected a list of scores, got a number"),
            "{e}"
        );
        assert_eq!(
            ces_scores_json(&serde_json::json!([7, 6, 5, 2])).unwrap().n,
            4
        );
    }

    #[test]
    fn nps_diff_of_results_and_groups() {
        // Two touchpoint groups of a breakdown: purchase [10] (NPS 100, SE 0) and support
        // [6, 3] (b's answers with the log: NPS -100, SE 0): diff 200, se 0.
        let (log, s) = fixture();
        let r = serde_json::to_value(nps(&s, Some(&log), &by("touchpoint")).unwrap()).unwrap();
        let group = |k: &str| {
            r["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["key"] == k)
                .unwrap()
                .clone()
        };
        let a = nps_diff_arg("a", &group("purchase")).unwrap();
        let b = nps_diff_arg("b", &group("support")).unwrap();
        assert_eq!((a.n, a.nps, b.n, b.nps), (1, Some(100.0), 2, Some(-100.0)));
        let d = nps_diff(&a, &b);
        assert_eq!((d.diff, d.se, d.z), (Some(200.0), Some(0.0), None));
        // The whole breakdown stands for its overall figures (6 answers: 10, 9, 8, 6, 3, 0 ->
        // P = 2/6, D = 3/6, NPS -16.67), and a list of scores for itself.
        let overall = nps_diff_arg("a", &r).unwrap();
        assert_eq!(overall, nps_scores(&[10, 9, 8, 6, 3, 0]).unwrap());
        let lst = nps_diff_arg("b", &serde_json::json!([6, null, 3])).unwrap();
        assert_eq!(lst, b);
        // Anything else is an error naming the side.
        let csat = serde_json::to_value(csat_scores(&[5, 4]).unwrap()).unwrap();
        let e = nps_diff_arg("b", &csat).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid argument b: counts [0,0,0,1,1]: expected 11"),
            "{e}"
        );
        let e = nps_diff_arg("a", &serde_json::json!({"nps": 10})).unwrap_err();
        assert!(e.to_string().contains("has no counts"), "{e}");
        let e = nps_diff_arg(
            "a",
            &serde_json::json!({"counts": [1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}),
        )
        .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        let e = nps_diff_arg("a", &serde_json::json!("10,9")).unwrap_err();
        assert!(e.to_string().ends_with("got a string"), "{e}");
        let e = nps_diff_arg("b", &serde_json::json!([12])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid argument b: score 12 at position 0"),
            "{e}"
        );
        assert_eq!(NpsResult::from_count_list(&[1; 10]), None);
    }

    #[test]
    fn table_has_the_groups_then_the_overall_row() {
        let (log, s) = fixture();
        let r = nps(&s, Some(&log), &by("touchpoint")).unwrap();
        let rows: Vec<(Option<&str>, bool, u64)> = r
            .table()
            .iter()
            .map(|t| (t.key, t.overall, t.stats.n))
            .collect();
        assert_eq!(
            rows,
            [
                (Some("purchase"), false, 1),
                (Some("site"), false, 1),
                (Some("support"), false, 2),
                (None, false, 2),
                (None, true, 6)
            ]
        );
        let v = serde_json::to_value(r.table()).unwrap();
        assert_eq!(v[4]["overall"], true);
        assert_eq!(v[4]["n"], 6);
        assert!(v[4]["key"].is_null());
        assert_eq!(v[0]["nps"], 100.0);
        let r = s.ces(&ScoreOptions::default()).unwrap();
        let t = r.table();
        assert_eq!((t.len(), t[0].overall, t[0].stats.n), (1, true, 2));
    }

    #[test]
    fn serialises_flat() {
        let s = read_surveys_csv(
            "customer_id,timestamp,touchpoint,nps\na,1,x,10\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        let v = serde_json::to_value(s.nps(&by("touchpoint")).unwrap()).unwrap();
        assert_eq!(v["nps"], 100.0);
        assert_eq!(v["by"], "touchpoint");
        assert_eq!(v["groups"][0]["key"], "x");
        assert_eq!(v["groups"][0]["n"], 1);
        let v = serde_json::to_value(Surveys::empty().csat(&Default::default()).unwrap()).unwrap();
        assert!(v["csat"].is_null());
        assert!(v["by"].is_null());
    }
}

/// The examples of `docs/metrics.md`, run as doctests so the guide cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/metrics.md")]
struct MetricsGuide;
