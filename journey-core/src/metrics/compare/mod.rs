//! What changed (docs/compare.md): two periods, or two segments, of one event log side by side,
//! for the funnel (conversion per step and overall), the key KPIs (conversion rate, repeat
//! purchase rate), the survey scores (NPS, CSAT, CES), retention at chosen periods and the
//! attribution shares, each with the change, its 95% interval, a p-value, the
//! Benjamini-Hochberg q-value across everything compared and a significance flag.
//!
//! Most figures compared are rates `count / total` on each side. The test of a difference is
//! the two-proportion z-test (pooled variance, no continuity correction), or Fisher's exact
//! test when a cell of the 2x2 table would expect fewer than 5 observations under no
//! difference (Cochran's rule). The interval of the change `rate_b - rate_a` is Newcombe's
//! hybrid score interval (from the two Wilson intervals), which stays inside [-1, 1] and
//! behaves at rates of 0 and 1, unlike the Wald interval. The NPS uses the NPS difference
//! test of the survey metrics, the CES mean Welch's t-test, and the attribution shares a
//! bootstrap over customers with a fixed seed (both described in docs/compare.md).

mod bootstrap;
mod scores;

use serde::{Deserialize, Serialize};

pub use bootstrap::{DEFAULT_RESAMPLES, MAX_BOOTSTRAP_DRAWS, MAX_RESAMPLES};

use super::attribution::{AttributionOptions, Model};
use super::funnel::{funnel, AsOf, FunnelMode, FunnelOptions, FunnelStep};
use super::retention::{kpis, retention, KpiOptions, Period, RetentionOptions, TimeBound};
use super::significance::{bh_q_values, fisher_two_sided, Z975};
use super::survey::{erfc, wilson};
use crate::error::{Error, Result};
use crate::model::{EventLog, Surveys};
use crate::time::{format_us, Duration};

/// One side of a comparison: a period (`from` inclusive, `to` exclusive), a segment (the
/// customers whose `property` has this `value`: their latest non-blank one), or both.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Side {
    /// Start of the period (RFC 3339 text or integer Unix seconds); `None`: unbounded.
    pub from: Option<TimeBound>,
    /// End of the period, exclusive; `None`: unbounded.
    pub to: Option<TimeBound>,
    /// A customer property (e.g. `"persona"`) whose `value` selects the segment.
    pub property: Option<String>,
    /// The property's value.
    pub value: Option<String>,
    /// How the side is called in the result (default: from the period and the segment).
    pub label: Option<String>,
}

/// Options of [`compare`]: Python `log.compare(a, b, surveys=None, steps=None, window="14d",
/// mode="ordered", kpis=True, retention_periods=[], retention={}, attribution=None,
/// resamples=500, seed=1, alpha=0.05)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompareOptions {
    /// The first side (the baseline: changes are `b - a`).
    pub a: Side,
    /// The second side.
    pub b: Side,
    /// Funnel steps to compare (none: no funnel).
    #[serde(deserialize_with = "super::funnel::de::steps")]
    pub steps: Vec<FunnelStep>,
    /// The funnel's conversion window (default 14 days).
    #[serde(deserialize_with = "crate::args::named::window")]
    pub window: Duration,
    /// The funnel's order mode (default ordered).
    #[serde(deserialize_with = "crate::args::named::mode")]
    pub mode: FunnelMode,
    /// Compare the KPIs (conversion rate, repeat purchase rate; default true).
    pub kpis: bool,
    /// Retention at these periods since the cohort's own (e.g. `[1, 4]`): the share of each
    /// side's cohort customers retained then (default none).
    pub retention_periods: Vec<u32>,
    /// How retention is counted: `period`, `start`, `ret`, `min_returns`, `unbounded` as for
    /// `retention`; its `periods` is not used (the largest of `retention_periods` is).
    pub retention: RetentionOptions,
    /// Compare the attribution shares per channel under these options (`{}` for the
    /// defaults: Markov, order 1, channels); `None` (default): not compared. Every model but
    /// `time_decay`.
    pub attribution: Option<AttributionOptions>,
    /// Bootstrap resamples of the attribution shares (default [`DEFAULT_RESAMPLES`], at most
    /// [`MAX_RESAMPLES`]).
    pub resamples: u32,
    /// Seed of the bootstrap (default 1): the same seed gives the same result.
    pub seed: u64,
    /// A change is significant when its q-value is at most this (default 0.05).
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            a: Side::default(),
            b: Side::default(),
            steps: Vec::new(),
            window: Duration::from_days(14),
            mode: FunnelMode::Ordered,
            kpis: true,
            retention_periods: Vec::new(),
            retention: RetentionOptions::default(),
            attribution: None,
            resamples: DEFAULT_RESAMPLES,
            seed: 1,
            alpha: 0.05,
        }
    }
}

/// Which test gave a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateTest {
    /// The two-proportion z-test (pooled variance).
    ZTest,
    /// Fisher's exact test, two-sided (some expected cell below 5).
    Fisher,
    /// Welch's t-test of two means (the CES).
    WelchT,
    /// A bootstrap over customers (the attribution shares).
    Bootstrap,
}

/// What the figures of a row are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share from 0 to 1 (rates, CSAT, retention, attribution shares); the change is in
    /// shares too (-0.05 is 5 points lower).
    Share,
    /// NPS points, -100 to 100.
    NpsPoints,
    /// A mean score (the CES, 1 to 7).
    Score,
}

/// Which way a figure moved from `a` to `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// `b` is higher.
    Up,
    /// `b` is lower.
    Down,
    /// Equal, or not comparable.
    None,
}

/// One side as compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideSummary {
    /// The side's label.
    pub label: String,
    /// Start of its period (RFC 3339), if bounded.
    pub from: Option<String>,
    /// End of its period (RFC 3339, exclusive), if bounded.
    pub to: Option<String>,
    /// Customers with events on this side.
    pub n_customers: u64,
    /// Their events on this side.
    pub n_events: u64,
}

/// One figure compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// `"funnel_step"` (conversion from the previous step), `"funnel_conversion"` (last step
    /// over the first), `"conversion_rate"`, `"repeat_purchase_rate"` (the KPIs), `"nps"`,
    /// `"csat"`, `"ces"` (the surveys), `"retention"` or `"attribution_share"`.
    pub metric: String,
    /// What it is, e.g. `"cart -> purchase"`, `"conversion rate"`.
    pub label: String,
    /// What the figures are: a share, NPS points or a mean score.
    pub unit: Unit,
    /// The funnel step (1-based) for `funnel_step`.
    pub step: Option<usize>,
    /// The period since the cohort's for `retention`.
    pub period: Option<u32>,
    /// The channel (or touchpoint) for `attribution_share`.
    pub channel: Option<String>,
    /// Side a: the count behind the rate (`None` when the figure is no count over a total:
    /// NPS, CES, attribution shares).
    pub a_count: Option<u64>,
    /// Side a's total: customers, answers, cohort customers or attributed conversions.
    pub a_total: u64,
    /// Side a's figure (`None` when the total is 0).
    pub a_rate: Option<f64>,
    /// Side b: count.
    pub b_count: Option<u64>,
    /// Side b's total.
    pub b_total: u64,
    /// Side b's rate.
    pub b_rate: Option<f64>,
    /// `b_rate - a_rate`.
    pub change: Option<f64>,
    /// The 95% interval of the change: Newcombe's for rates, `change +- 1.96 SE` for the NPS,
    /// Welch's for the CES, the bootstrap percentiles for attribution shares.
    pub ci_low: Option<f64>,
    /// Its upper end.
    pub ci_high: Option<f64>,
    /// Two-sided p-value of "no difference".
    pub p_value: Option<f64>,
    /// The test used.
    pub test: Option<RateTest>,
    /// Benjamini-Hochberg q-value across the rows with a p-value.
    pub q_value: Option<f64>,
    /// `q_value <= alpha`.
    pub significant: bool,
    /// Which way it moved.
    pub direction: Movement,
}

/// What changed from side a to side b.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareResult {
    /// Side a (the baseline).
    pub a: SideSummary,
    /// Side b.
    pub b: SideSummary,
    /// The significance level of the q-values.
    pub alpha: f64,
    /// Rows with a p-value (the number of tests corrected for).
    pub n_tested: u64,
    /// Rows flagged significant.
    pub n_significant: u64,
    /// The bootstrap resamples of the attribution shares (`None`: not compared).
    pub resamples: Option<u32>,
    /// The bootstrap's seed (`None`: not compared).
    pub seed: Option<u64>,
    /// The figures: funnel, KPIs, survey scores, retention, attribution shares.
    pub rows: Vec<ChangeRow>,
}

/// The p-value of a difference between the rates `x1 / n1` and `x2 / n2`, and the test used
/// (see the module docs). `None` when a side has no total.
pub fn two_rates_p(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, RateTest)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n, k) = ((n1 + n2) as f64, (x1 + x2) as f64);
    let small = [n1 as f64, n2 as f64]
        .iter()
        .flat_map(|&r| [r * k / n, r * (n - k) / n])
        .any(|e| e < 5.0);
    if small {
        return Some((
            fisher_two_sided([x1, n1 - x1, x2, n2 - x2]),
            RateTest::Fisher,
        ));
    }
    let (p1, p2, pooled) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64, k / n);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let z = (p2 - p1) / se;
    Some((
        erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0),
        RateTest::ZTest,
    ))
}

/// Newcombe's hybrid score 95% interval of `x2 / n2 - x1 / n1` (method 10 of Newcombe 1998).
pub fn newcombe_interval(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let (l1, u1) = wilson(x1, n1, Z975);
    let (l2, u2) = wilson(x2, n2, Z975);
    let d = p2 - p1;
    Some((
        d - ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt(),
        d + ((u2 - p2).powi(2) + (p1 - l1).powi(2)).sqrt(),
    ))
}

fn rate(x: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| x as f64 / n as f64)
}

impl ChangeRow {
    /// A row of two figures (`(total, figure)` per side), their change `b - a`, its interval
    /// and test; the q-value and flag come later, over all rows.
    pub(crate) fn new(
        metric: &str,
        label: String,
        unit: Unit,
        a: (u64, Option<f64>),
        b: (u64, Option<f64>),
        ci: Option<(f64, f64)>,
        test: Option<(f64, RateTest)>,
    ) -> ChangeRow {
        let change = a.1.zip(b.1).map(|(x, y)| y - x);
        ChangeRow {
            metric: metric.to_string(),
            label,
            unit,
            step: None,
            period: None,
            channel: None,
            a_count: None,
            a_total: a.0,
            a_rate: a.1,
            b_count: None,
            b_total: b.0,
            b_rate: b.1,
            change,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            p_value: test.map(|t| t.0),
            test: test.map(|t| t.1),
            q_value: None,
            significant: false,
            direction: match change {
                Some(c) if c > 0.0 => Movement::Up,
                Some(c) if c < 0.0 => Movement::Down,
                _ => Movement::None,
            },
        }
    }
}

/// A row of two rates `count / total`: Newcombe's interval, the z-test or Fisher's.
pub(crate) fn row(
    metric: &str,
    label: String,
    step: Option<usize>,
    a: (u64, u64),
    b: (u64, u64),
) -> ChangeRow {
    let mut r = ChangeRow::new(
        metric,
        label,
        Unit::Share,
        (a.1, rate(a.0, a.1)),
        (b.1, rate(b.0, b.1)),
        newcombe_interval(a.0, a.1, b.0, b.1),
        two_rates_p(a.0, a.1, b.0, b.1),
    );
    r.step = step;
    r.a_count = Some(a.0);
    r.b_count = Some(b.0);
    r
}

/// One side as selected: its events, its summary and its period (microseconds).
struct Selected {
    log: EventLog,
    summary: SideSummary,
    period: (Option<i64>, Option<i64>),
}

/// The side's events, and its summary.
fn select(log: &EventLog, side: &Side, name: &str) -> Result<Selected> {
    let bad = |why: String| Error::argument(name, why);
    let from = side.from.as_ref().map(|t| t.to_us(name)).transpose()?;
    let to = side.to.as_ref().map(|t| t.to_us(name)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(bad(format!(
                "from {} is not before to {}",
                format_us(f),
                format_us(t)
            )));
        }
    }
    let segment = match (&side.property, &side.value) {
        (Some(p), Some(v)) => Some((p, v)),
        (None, None) => None,
        (Some(p), None) => return Err(bad(format!("property {p:?} needs a value"))),
        (None, Some(v)) => return Err(bad(format!("value {v:?} needs a property"))),
    };
    if from.is_none() && to.is_none() && segment.is_none() {
        return Err(bad(
            "expected a period (from, to) or a segment (property and value), or both".into(),
        ));
    }
    let by_segment;
    let base = match segment {
        None => log,
        Some((p, v)) => {
            let Some(values) = log.customer_property(p) else {
                let known: Vec<&str> = log.properties().iter().map(|p| p.name.as_str()).collect();
                return Err(bad(format!(
                    "{p:?} is not a property of the log; its properties are {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            let keep: Vec<bool> = values.iter().map(|x| *x == Some(v.as_str())).collect();
            by_segment = log.select_customers(&keep)?;
            &by_segment
        }
    };
    let sub = if from.is_some() || to.is_some() {
        base.select_period(from, to)
    } else {
        base.clone()
    };
    let label = side.label.clone().unwrap_or_else(|| {
        let mut parts = Vec::new();
        if let Some((p, v)) = segment {
            parts.push(format!("{p} = {v}"));
        }
        match (from, to) {
            (None, None) => {}
            (f, t) => parts.push(format!(
                "{} to {}",
                f.map_or("start".to_string(), format_us),
                t.map_or("end".to_string(), format_us)
            )),
        }
        parts.join(", ")
    });
    let summary = SideSummary {
        label,
        from: from.map(format_us),
        to: to.map(format_us),
        n_customers: sub.n_customers() as u64,
        n_events: sub.n_events() as u64,
    };
    Ok(Selected {
        log: sub,
        summary,
        period: (from, to),
    })
}

/// (count, total) per funnel figure: each step from the step before it (the required step
/// before it for an optional step or one after it), then the whole funnel when it has more
/// than two steps.
fn funnel_figures(log: &EventLog, opts: &CompareOptions) -> Result<Vec<(u64, u64)>> {
    let f = funnel(
        log,
        &FunnelOptions {
            steps: opts.steps.clone(),
            window: opts.window,
            mode: opts.mode,
            // Only the counts are compared.
            as_of: AsOf::Off,
            ..FunnelOptions::default()
        },
    )?;
    let mut out = Vec::new();
    let mut prev = f.steps[0].customers;
    for s in f.steps.iter().skip(1) {
        out.push((s.customers, prev));
        if !s.optional {
            prev = s.customers;
        }
    }
    if f.steps.len() > 2 {
        out.push((f.steps[f.steps.len() - 1].customers, f.steps[0].customers));
    }
    Ok(out)
}

/// Compares two sides of a log, with the survey responses of its customers if given; see the
/// module docs and `docs/compare.md`.
///
/// ```
/// use journey_core::metrics::compare::{compare, CompareOptions, Side};
/// let csv = "customer_id,timestamp,touchpoint,persona\n\
///            a,0,view,x\na,5,purchase,x\nb,0,view,x\nc,0,view,y\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let side = |v: &str| Side { property: Some("persona".into()), value: Some(v.into()), ..Side::default() };
/// let r = compare(&log, None, &CompareOptions { a: side("x"), b: side("y"), ..Default::default() }).unwrap();
/// assert_eq!(r.rows[0].label, "conversion rate");
/// assert_eq!((r.rows[0].a_rate, r.rows[0].b_rate), (Some(0.5), Some(0.0)));
/// ```
pub fn compare(
    log: &EventLog,
    surveys: Option<&Surveys>,
    opts: &CompareOptions,
) -> Result<CompareResult> {
    // Long because it adds the rows of each figure (funnel, KPIs, scores, retention,
    // attribution) in the order of the result, each from both sides.
    check(opts)?;
    let sa = select(log, &opts.a, "a")?;
    let sb = select(log, &opts.b, "b")?;
    let (la, lb) = (&sa.log, &sb.log);
    let mut rows = Vec::new();
    if !opts.steps.is_empty() {
        let (fa, fb) = (funnel_figures(la, opts)?, funnel_figures(lb, opts)?);
        let k = opts.steps.len();
        let mut prev = 0;
        for (i, (a, b)) in fa.into_iter().zip(fb).enumerate() {
            if i + 1 < k {
                let j = i + 1;
                rows.push(row(
                    "funnel_step",
                    format!(
                        "{} \u{2192} {}",
                        opts.steps[prev].label(),
                        opts.steps[j].label()
                    ),
                    Some(j + 1),
                    a,
                    b,
                ));
                if !opts.steps[j].is_optional() {
                    prev = j;
                }
            } else {
                rows.push(row(
                    "funnel_conversion",
                    format!(
                        "funnel {} \u{2192} {}",
                        opts.steps[0].label(),
                        opts.steps[k - 1].label()
                    ),
                    None,
                    a,
                    b,
                ));
            }
        }
    }
    if opts.kpis {
        let (ka, kb) = (
            kpis(la, &KpiOptions::default())?,
            kpis(lb, &KpiOptions::default())?,
        );
        rows.push(row(
            "conversion_rate",
            "conversion rate".to_string(),
            None,
            (ka.n_buyers, ka.n_customers),
            (kb.n_buyers, kb.n_customers),
        ));
        rows.push(row(
            "repeat_purchase_rate",
            "repeat purchase rate".to_string(),
            None,
            (ka.n_repeat_buyers, ka.n_buyers),
            (kb.n_repeat_buyers, kb.n_buyers),
        ));
    }
    if let Some(sv) = surveys {
        rows.extend(scores::score_rows(sv, (la, sa.period), (lb, sb.period)));
    }
    if !opts.retention_periods.is_empty() {
        rows.extend(retention_rows(la, lb, opts)?);
    }
    let mut bootstrap = None;
    if let Some(ao) = &opts.attribution {
        rows.extend(bootstrap::share_rows(
            la,
            lb,
            ao,
            opts.resamples,
            opts.seed,
        )?);
        bootstrap = Some((opts.resamples, opts.seed));
    }
    let tested: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested.iter().filter_map(|&i| rows[i].p_value).collect();
    for (&i, q) in tested.iter().zip(bh_q_values(&p)) {
        rows[i].q_value = Some(q);
        rows[i].significant = q <= opts.alpha;
    }
    Ok(CompareResult {
        a: sa.summary,
        b: sb.summary,
        alpha: opts.alpha,
        n_tested: tested.len() as u64,
        n_significant: rows.iter().filter(|r| r.significant).count() as u64,
        resamples: bootstrap.map(|b| b.0),
        seed: bootstrap.map(|b| b.1),
        rows,
    })
}

/// The checks of the options that need no data.
fn check(opts: &CompareOptions) -> Result<()> {
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(Error::argument(
            "alpha",
            format!("{}: expected a number between 0 and 1", opts.alpha),
        ));
    }
    if opts.steps.is_empty() && !opts.kpis {
        return Err(Error::argument(
            "steps",
            "nothing to compare: give funnel steps, or leave kpis on",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for &k in &opts.retention_periods {
        if k > super::retention::MAX_PERIODS {
            return Err(Error::argument(
                "retention_periods",
                format!(
                    "{k} is too many periods; at most {}",
                    super::retention::MAX_PERIODS
                ),
            ));
        }
        if !seen.insert(k) {
            return Err(Error::argument(
                "retention_periods",
                format!("period {k} is given twice"),
            ));
        }
    }
    if let Some(ao) = &opts.attribution {
        ao.check()?;
        if ao.model == Model::TimeDecay {
            return Err(Error::argument(
                "attribution",
                "time_decay cannot be compared (its credits need each touch's time, which the \
                 bootstrap does not keep); choose another model",
            ));
        }
        if opts.resamples == 0 || opts.resamples > MAX_RESAMPLES {
            return Err(Error::argument(
                "resamples",
                format!(
                    "{}: expected 1 to {MAX_RESAMPLES} bootstrap resamples",
                    opts.resamples
                ),
            ));
        }
    }
    Ok(())
}

/// The label of period `k` of a cohort: "week 1", "month 4".
fn period_label(p: Period, k: u32) -> String {
    let unit = match p {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    format!("retained in {unit} {k}")
}

/// Per retention period `k` asked for, on each side: the customers of the cohorts whose period
/// `k` can be observed (it begins before the side's last event), and those of them retained
/// then. These are the numerator and denominator of the cohort matrix's average rate.
fn retention_rows(la: &EventLog, lb: &EventLog, opts: &CompareOptions) -> Result<Vec<ChangeRow>> {
    let ro = RetentionOptions {
        periods: opts.retention_periods.iter().copied().max().unwrap_or(0),
        ..opts.retention.clone()
    };
    let (ra, rb) = (retention(la, &ro)?, retention(lb, &ro)?);
    let at = |r: &super::retention::RetentionResult, k: usize| {
        r.cohorts
            .iter()
            .fold((0u64, 0u64), |(n, d), c| match c.counts[k] {
                Some(x) => (n + x, d + c.size),
                None => (n, d),
            })
    };
    Ok(opts
        .retention_periods
        .iter()
        .map(|&k| {
            let mut r = row(
                "retention",
                period_label(ro.period, k),
                None,
                at(&ra, k as usize),
                at(&rb, k as usize),
            );
            r.period = Some(k);
            r
        })
        .collect())
}

impl EventLog {
    /// What changed between two periods or segments of this log (with the survey responses of
    /// its customers, if given); see [`compare`].
    pub fn compare(
        &self,
        surveys: Option<&Surveys>,
        opts: &CompareOptions,
    ) -> Result<CompareResult> {
        compare(self, surveys, opts)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    /// The log of [`two_weeks_csv`].
    pub(crate) fn two_weeks() -> EventLog {
        crate::read_events_csv(two_weeks_csv().as_bytes(), &Default::default()).unwrap()
    }

    /// The side of the events from `from` to `to`, labelled.
    pub(crate) fn period(from: &str, to: &str, label: &str) -> Side {
        Side {
            from: Some(from.into()),
            to: Some(to.into()),
            label: Some(label.into()),
            ..Side::default()
        }
    }

    /// Week 1 (side a): 40 customers view, 30 add to cart, 20 buy, 5 of them twice. Week 2
    /// (side b): 40 view, 30 add to cart, 10 buy, 5 of them twice. Persona = the week.
    pub(crate) fn two_weeks_csv() -> String {
        let mut csv = String::from("customer_id,timestamp,touchpoint,persona\n");
        for (side, day, buyers) in [("a", "02", 20), ("b", "09", 10)] {
            for i in 0..40 {
                let t = |m: u32| format!("2026-01-{day}T10:{m:02}:00Z");
                let mut ev = vec![(0, "view")];
                if i < 30 {
                    ev.push((1, "cart"));
                }
                if i < buyers {
                    ev.push((2, "purchase"));
                }
                if i < 5 {
                    ev.push((3, "purchase"));
                }
                for (m, tp) in ev {
                    csv.push_str(&format!("{side}{i},{},{tp},week{side}\n", t(m)));
                }
            }
        }
        csv
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    fn weeks() -> CompareOptions {
        CompareOptions {
            a: Side {
                from: Some("2026-01-01T00:00:00Z".into()),
                to: Some("2026-01-08T00:00:00Z".into()),
                ..Side::default()
            },
            b: Side {
                from: Some("2026-01-08T00:00:00Z".into()),
                to: Some("2026-01-15T00:00:00Z".into()),
                ..Side::default()
            },
            steps: vec!["view".into(), "cart".into(), "purchase".into()],
            ..CompareOptions::default()
        }
    }

    #[test]
    fn two_weeks_by_hand() {
        let log = two_weeks();
        let r = compare(&log, None, &weeks()).unwrap();
        assert_eq!((r.a.n_customers, r.b.n_customers), (40, 40));
        assert_eq!(r.a.label, "2026-01-01T00:00:00Z to 2026-01-08T00:00:00Z");
        let labels: Vec<&str> = r.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "view \u{2192} cart",
                "cart \u{2192} purchase",
                "funnel view \u{2192} purchase",
                "conversion rate",
                "repeat purchase rate"
            ]
        );
        let s = &r.rows;
        // view -> cart: 30/40 on both sides: z = 0, p = 1; Newcombe +-0.18649.
        assert_eq!((s[0].change, s[0].p_value), (Some(0.0), Some(1.0)));
        assert_eq!(s[0].test, Some(RateTest::ZTest));
        assert!(close(s[0].ci_high, 0.186_487_229_316_317));
        // cart -> purchase: 20/30 vs 10/30, pooled 1/2: z = (1/3 - 2/3) / sqrt(1/4 x 2/30)
        // = -2.58199, p = erfc(2.58199 / sqrt 2) = 0.0098233.
        assert!(close(s[1].change, -1.0 / 3.0));
        assert!(close(s[1].p_value, 0.009_823_274_507_519_254));
        assert!(close(s[1].ci_low, -0.532_777_542_113_118_9));
        assert!(close(s[1].ci_high, -0.080_378_397_841_008_97));
        assert_eq!(s[1].direction, Movement::Down);
        // The funnel and the KPI conversion rate: 20/40 vs 10/40, pooled 3/8: z = -2.30940,
        // p = 0.0209213.
        for x in [&s[2], &s[3]] {
            assert!(close(x.p_value, 0.020_921_335_337_794_028));
            assert!(close(x.ci_low, -0.433_295_500_849_910_4));
        }
        // Repeat purchases: 5/20 vs 5/10; an expected cell is 10 x 10/30 = 3.3 < 5: Fisher's
        // exact test, p = 0.2308.
        assert_eq!(s[4].test, Some(RateTest::Fisher));
        assert!(close(s[4].p_value, 0.230_799_185_821_674_58));
        assert_eq!(s[4].direction, Movement::Up);
        // Benjamini-Hochberg over 5: the three smallest p-values (0.0098, 0.0209, 0.0209) all
        // get q = 5 x 0.0209 / 3 = 0.034869; the Fisher row 5 x 0.2308 / 4 = 0.2885; p = 1: 1.
        assert!(close(s[1].q_value, 0.034_868_892_229_656_716));
        assert!(close(s[2].q_value, 0.034_868_892_229_656_716));
        assert!(close(s[4].q_value, 0.288_498_982_277_093_25));
        assert_eq!(s[0].q_value, Some(1.0));
        let flags: Vec<bool> = s.iter().map(|r| r.significant).collect();
        assert_eq!(flags, [false, true, true, true, false]);
        assert_eq!((r.n_tested, r.n_significant), (5, 3));
    }

    #[test]
    fn segments_give_the_same_as_periods_here() {
        let log = two_weeks();
        let seg = |v: &str| Side {
            property: Some("persona".into()),
            value: Some(v.into()),
            ..Side::default()
        };
        let by_week = compare(&log, None, &weeks()).unwrap();
        let by_seg = compare(
            &log,
            None,
            &CompareOptions {
                a: seg("weeka"),
                b: seg("weekb"),
                ..weeks()
            },
        )
        .unwrap();
        assert_eq!(by_seg.a.label, "persona = weeka");
        assert_eq!(by_seg.rows, by_week.rows);
    }

    #[test]
    fn bad_sides_are_errors() {
        let log = two_weeks();
        let err = |o: CompareOptions| compare(&log, None, &o).unwrap_err().to_string();
        let e = err(CompareOptions::default());
        assert!(e.contains("a: expected a period"), "{e}");
        let mut o = weeks();
        o.b.from = Some("2026-01-20T00:00:00Z".into());
        assert!(err(o).contains("is not before to"));
        let mut o = weeks();
        o.a = Side {
            property: Some("plan".into()),
            value: Some("pro".into()),
            ..Side::default()
        };
        let e = err(o);
        assert!(
            e.contains("\"plan\" is not a property") && e.contains("persona"),
            "{e}"
        );
        let mut o = weeks();
        o.a.value = Some("x".into());
        assert!(err(o).contains("needs a property"));
        let mut o = weeks();
        o.alpha = 1.5;
        assert!(err(o).contains("alpha"));
    }

    #[test]
    fn small_and_empty_sides() {
        // Fisher at small counts; an empty side has no rates and no test.
        assert_eq!(two_rates_p(0, 3, 3, 3).map(|t| t.1), Some(RateTest::Fisher));
        assert!(close(two_rates_p(0, 3, 3, 3).map(|t| t.0), 0.1));
        assert_eq!(two_rates_p(0, 0, 3, 3), None);
        let log = two_weeks();
        let mut o = weeks();
        o.b.from = Some("2027-01-01T00:00:00Z".into());
        o.b.to = None;
        let r = compare(&log, None, &o).unwrap();
        assert_eq!(r.b.n_customers, 0);
        assert!(r
            .rows
            .iter()
            .all(|x| x.p_value.is_none() && x.b_rate.is_none()));
        assert_eq!(r.n_tested, 0);
    }

    /// Survey answers of the two weeks: NPS 40 (6 promoters, 2 passives, 2 detractors of 10)
    /// against -10 (3, 3, 4); CSAT 8 of 10 satisfied against 4 of 10; CES 2, 2, 3, 3, 4
    /// against 4, 5, 5, 6, 6. One answer after both weeks and one of a customer who is not in
    /// the log are on neither side.
    pub(crate) fn two_weeks_surveys_csv() -> String {
        let mut csv = String::from("customer_id,timestamp,touchpoint,nps,csat,ces\n");
        let nps = [
            ("a", "03", [10, 10, 10, 10, 10, 10, 8, 8, 3, 3]),
            ("b", "10", [10, 10, 10, 8, 8, 8, 3, 3, 3, 3]),
        ];
        let csat = [
            [5, 5, 5, 4, 4, 4, 4, 4, 2, 3],
            [5, 4, 4, 4, 3, 3, 2, 2, 1, 1],
        ];
        let ces = [[2, 2, 3, 3, 4], [4, 5, 5, 6, 6]];
        for (k, (side, day, scores)) in nps.iter().enumerate() {
            for i in 0..10 {
                let effort = ces[k].get(i).map_or(String::new(), |c| c.to_string());
                csv.push_str(&format!(
                    "{side}{i},2026-01-{day}T12:00:00Z,purchase,{},{},{effort}\n",
                    scores[i], csat[k][i]
                ));
            }
        }
        csv.push_str("a0,2026-02-01T12:00:00Z,purchase,0,1,7\n");
        csv.push_str("zz,2026-01-03T12:00:00Z,purchase,0,1,7\n");
        csv
    }

    #[test]
    fn survey_scores_by_hand() {
        let log = two_weeks();
        let sv =
            crate::read_surveys_csv(two_weeks_surveys_csv().as_bytes(), &LoadOptions::default())
                .unwrap();
        let o = CompareOptions {
            kpis: true,
            ..weeks()
        };
        let r = compare(&log, Some(&sv), &o).unwrap();
        let by = |m: &str| r.rows.iter().find(|x| x.metric == m).unwrap();
        // NPS 40 -> -10: SE_a = 100 sqrt(0.64 / 10), SE_b = 100 sqrt(0.69 / 10), SE = sqrt(1330)
        // = 36.4692; z = -50 / 36.4692 = -1.37102, p = 0.17037: a 50-point fall that is not
        // significant with 10 answers a side.
        let n = by("nps");
        assert_eq!((n.unit, n.a_total, n.b_total), (Unit::NpsPoints, 10, 10));
        assert_eq!(
            (n.a_rate, n.b_rate, n.a_count),
            (Some(40.0), Some(-10.0), None)
        );
        assert!(close(n.change, -50.0));
        assert!(close(n.ci_low, -50.0 - 1.96 * 1330f64.sqrt()));
        assert!(close(
            n.p_value,
            erfc(50.0 / 1330f64.sqrt() / std::f64::consts::SQRT_2)
        ));
        assert!(n.p_value.unwrap() > 0.17 && n.p_value.unwrap() < 0.171);
        assert!(!n.significant);
        // CSAT 8/10 -> 4/10: 12 satisfied of 20, an expected cell 10 x 8/20 = 4 < 5: Fisher,
        // p = 2 (66 + 1760 + 13860) / 184756 = 0.169802 (hypergeometric C(12, x) C(8, 10 - x)).
        let c = by("csat");
        assert_eq!((c.a_count, c.a_total, c.b_count), (Some(8), 10, Some(4)));
        assert_eq!(c.test, Some(RateTest::Fisher));
        assert!(close(c.p_value, 31_372.0 / 184_756.0));
        // CES 2.8 -> 5.2: both variances 0.7, SE = sqrt(0.28), t = 2.4 / 0.52915 = 4.5356,
        // Welch df = 0.28^2 / (2 x 0.14^2 / 4) = 8; t(0.975, 8) = 2.306004.
        let e = by("ces");
        assert_eq!((e.unit, e.test), (Unit::Score, Some(RateTest::WelchT)));
        assert!(close(e.change, 2.4));
        let half = 2.306_004_135_204_166 * 0.28f64.sqrt();
        assert!((e.ci_low.unwrap() - (2.4 - half)).abs() < 1e-8);
        assert!((e.ci_high.unwrap() - (2.4 + half)).abs() < 1e-8);
        // Two-sided p of t = 4.5356 at 8 df: 0.00191029 (the t density integrated).
        assert!(
            (e.p_value.unwrap() - 0.001_910_29).abs() < 1e-7,
            "{:?}",
            e.p_value
        );
        assert_eq!(e.direction, Movement::Up);
        // Without surveys, no survey rows.
        let r = compare(&log, None, &o).unwrap();
        assert!(r
            .rows
            .iter()
            .all(|x| !["nps", "csat", "ces"].contains(&x.metric.as_str())));
    }

    /// Two personas of 20 purchase cohorts each in week 2026-W02: 12 (x) and 6 (y) buy again
    /// the week after, 6 and 5 four weeks after.
    fn retention_csv() -> String {
        let mut csv = String::from("customer_id,timestamp,touchpoint,persona\n");
        for (p, w1, w4) in [("x", 12, 6), ("y", 6, 5)] {
            for i in 0..20 {
                csv.push_str(&format!("{p}{i},2026-01-05T10:00:00Z,purchase,{p}\n"));
                if i < w1 {
                    csv.push_str(&format!("{p}{i},2026-01-13T10:00:00Z,purchase,{p}\n"));
                }
                if i >= 20 - w4 {
                    csv.push_str(&format!("{p}{i},2026-02-03T10:00:00Z,purchase,{p}\n"));
                }
            }
        }
        csv
    }

    fn persona(v: &str) -> Side {
        Side {
            property: Some("persona".into()),
            value: Some(v.into()),
            ..Side::default()
        }
    }

    #[test]
    fn retention_at_chosen_periods_by_hand() {
        let log = read_events_csv(retention_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let o = CompareOptions {
            a: persona("x"),
            b: persona("y"),
            retention_periods: vec![1, 4],
            ..CompareOptions::default()
        };
        let r = compare(&log, None, &o).unwrap();
        let ret: Vec<&ChangeRow> = r.rows.iter().filter(|x| x.metric == "retention").collect();
        assert_eq!(ret.len(), 2);
        assert_eq!(ret[0].label, "retained in week 1");
        assert_eq!(ret[0].period, Some(1));
        // Week 1: 12/20 -> 6/20, pooled 0.45: z = -0.3 / sqrt(0.45 x 0.55 x 0.1) = -1.906925,
        // p = 0.056530.
        assert_eq!((ret[0].a_count, ret[0].a_total), (Some(12), 20));
        assert_eq!((ret[0].b_count, ret[0].b_total), (Some(6), 20));
        let z: f64 = 0.3 / (0.45f64 * 0.55 * 0.1).sqrt();
        assert!(close(ret[0].p_value, erfc(z / std::f64::consts::SQRT_2)));
        // Week 4: 6/20 -> 5/20, pooled 0.275: z = -0.05 / sqrt(0.275 x 0.725 x 0.1).
        assert_eq!((ret[1].a_count, ret[1].b_count), (Some(6), Some(5)));
        let z: f64 = 0.05 / (0.275f64 * 0.725 * 0.1).sqrt();
        assert!(close(ret[1].p_value, erfc(z / std::f64::consts::SQRT_2)));
        let mut bad = o.clone();
        bad.retention_periods = vec![1, 1];
        assert!(compare(&log, None, &bad)
            .unwrap_err()
            .to_string()
            .contains("period 1 is given twice"));
    }

    /// Persona x: 30 customers who convert after an email, persona y: 30 after social ads;
    /// each persona also has 10 customers who touch the other channel and never convert.
    fn channels_csv() -> String {
        let mut csv = String::from("customer_id,timestamp,touchpoint,channel,persona\n");
        for (p, conv, other) in [("x", "email", "social"), ("y", "social", "email")] {
            for i in 0..30 {
                csv.push_str(&format!("{p}{i},2026-01-05T10:00:00Z,{conv},{conv},{p}\n"));
                csv.push_str(&format!("{p}{i},2026-01-05T11:00:00Z,purchase,web,{p}\n"));
            }
            for i in 30..40 {
                csv.push_str(&format!(
                    "{p}{i},2026-01-05T10:00:00Z,{other},{other},{p}\n"
                ));
            }
        }
        csv
    }

    #[test]
    fn attribution_shares_with_a_bootstrap() {
        let log = read_events_csv(channels_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let o = CompareOptions {
            a: persona("x"),
            b: persona("y"),
            kpis: true,
            attribution: Some(AttributionOptions::default()),
            resamples: 99,
            ..CompareOptions::default()
        };
        let r = compare(&log, None, &o).unwrap();
        assert_eq!((r.resamples, r.seed), (Some(99), Some(1)));
        let share: Vec<&ChangeRow> = r
            .rows
            .iter()
            .filter(|x| x.metric == "attribution_share")
            .collect();
        // Every conversion of x follows an email, every one of y a social ad: in every resample
        // the email share is 1 on side a and 0 on side b, a change of -1: the interval is
        // [-1, -1] and no resample falls on the other side of 0, p = 2 / (99 + 1) = 0.02.
        assert_eq!(share.len(), 2);
        let email = share[0];
        assert_eq!(email.channel.as_deref(), Some("email"));
        assert_eq!(email.label, "email share (markov)");
        assert_eq!(
            (email.a_rate, email.b_rate, email.change),
            (Some(1.0), Some(0.0), Some(-1.0))
        );
        assert_eq!((email.a_total, email.b_total), (30, 30));
        assert_eq!((email.ci_low, email.ci_high), (Some(-1.0), Some(-1.0)));
        assert!(close(email.p_value, 0.02));
        assert_eq!(email.test, Some(RateTest::Bootstrap));
        assert!(close(share[1].p_value, 0.02));
        assert_eq!(share[1].direction, Movement::Up);
        // The same seed gives the same rows.
        assert_eq!(compare(&log, None, &o).unwrap(), r);
        let mut bad = o.clone();
        bad.attribution = Some(AttributionOptions {
            model: Model::TimeDecay,
            ..AttributionOptions::default()
        });
        assert!(compare(&log, None, &bad)
            .unwrap_err()
            .to_string()
            .contains("time_decay"));
        let mut bad = o.clone();
        bad.resamples = 0;
        assert!(compare(&log, None, &bad)
            .unwrap_err()
            .to_string()
            .contains("resamples"));
    }

    #[test]
    fn a_noisy_share_change_is_not_significant() {
        // 6 of 10 conversions follow an email on side a, 3 of 10 on side b (the rest social),
        // last touch: shares 0.6 -> 0.3, a 30-point fall that 10 customers a side cannot
        // tell from noise.
        let mut csv = String::from("customer_id,timestamp,touchpoint,channel,persona\n");
        for (p, emails) in [("x", 6), ("y", 3)] {
            for i in 0..10 {
                let ch = if i < emails { "email" } else { "social" };
                csv.push_str(&format!("{p}{i},2026-01-05T10:00:00Z,{ch},{ch},{p}\n"));
                csv.push_str(&format!("{p}{i},2026-01-05T11:00:00Z,purchase,web,{p}\n"));
            }
        }
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let o = CompareOptions {
            a: persona("x"),
            b: persona("y"),
            attribution: Some(AttributionOptions {
                model: Model::LastTouch,
                ..AttributionOptions::default()
            }),
            ..CompareOptions::default()
        };
        let r = compare(&log, None, &o).unwrap();
        let email = r
            .rows
            .iter()
            .find(|x| x.channel.as_deref() == Some("email"))
            .unwrap();
        assert!(close(email.change, -0.3));
        // The normal approximation gives sd = sqrt(0.24/10 + 0.21/10) = 0.21: p about 0.16.
        let p = email.p_value.unwrap();
        assert!(p > 0.05 && p < 0.4, "{p}");
        assert!(!email.significant);
        assert!(email.ci_low.unwrap() < 0.0 && email.ci_high.unwrap() > 0.0);
        // The rows in another order: the same log, the same draws.
        let mut lines: Vec<&str> = csv.lines().collect();
        lines[1..].reverse();
        let shuffled =
            read_events_csv(lines.join("\n").as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(compare(&shuffled, None, &o).unwrap(), r);
        // Another seed, other draws, the same verdict.
        let r2 = compare(&log, None, &CompareOptions { seed: 2, ..o }).unwrap();
        let e2 = r2
            .rows
            .iter()
            .find(|x| x.channel.as_deref() == Some("email"))
            .unwrap();
        assert_ne!(e2.p_value, email.p_value);
        assert!(!e2.significant);
    }
}
