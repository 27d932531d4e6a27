//! Retention: the cohort matrix. The business KPIs of a period (retention and churn rate,
//! repeat purchase rate, average order value, revenue and orders per customer) are in
//! [`kpis`](super::kpis) and named here too.
//!
//! Both walk the log once, customer by customer (in parallel with the `parallel` feature), with
//! integer period arithmetic on the UTC day number; no strings are built until the output.
//!
//! - Cohort matrix: a customer's cohort is the period (UTC day, ISO week starting Monday, or
//!   calendar month) of their first start event; cell `(c, k)` counts the cohort's customers
//!   with at least one return event in period `c + k`. Cells of periods that begin after the
//!   last event of the log cannot be observed yet and are `None`, not 0.
//! - KPIs: see [`Kpis`] for every definition.

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub(crate) use super::kpis::{finish_kpis, kpi_fold, KpiAcc};
pub use super::kpis::{kpis, KpiOptions, Kpis, TimeBound};
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::{civil_from_days, days_from_civil, format_us, US_PER_SEC};

const US_PER_DAY: i64 = 86_400 * US_PER_SEC;
/// The largest `periods` accepted (a cohort row holds `periods + 1` cells).
pub const MAX_PERIODS: u32 = 10_000;
/// Customers per task: fixed, so that sums (of revenue) are added in the same order whatever the
/// number of threads.
const CHUNK: usize = 8192;

/// The length of a cohort period. Weeks are ISO weeks (Monday to Sunday); all periods in UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A UTC calendar day; cohorts labelled `2026-01-05`.
    Day,
    /// An ISO week, Monday 00:00 UTC to Sunday; cohorts labelled `2026-W02`.
    #[default]
    Week,
    /// A calendar month; cohorts labelled `2026-01`.
    Month,
}

impl std::str::FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            _ => Err(Error::argument(
                "period",
                format!("{s:?}: expected \"day\", \"week\" or \"month\""),
            )),
        }
    }
}

impl Period {
    /// Index of the period holding UTC day number `day` (days since 1970-01-01). Week 0 starts
    /// on Monday 1969-12-29; month index = `12 * year + month - 1`.
    pub fn index_of_day(self, day: i64) -> i64 {
        match self {
            Period::Day => day,
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                y * 12 + m as i64 - 1
            }
        }
    }

    /// UTC day number of the first day of period `p`.
    pub fn first_day(self, p: i64) -> i64 {
        match self {
            Period::Day => p,
            Period::Week => p * 7 - 3,
            Period::Month => days_from_civil(p.div_euclid(12), p.rem_euclid(12) as u32 + 1, 1),
        }
    }

    /// The label of period `p`: `2026-01-05`, `2026-W02` (ISO week-numbering year and week) or
    /// `2026-01`.
    pub fn label(self, p: i64) -> String {
        match self {
            Period::Day => {
                let (y, m, d) = civil_from_days(p);
                format!("{y:04}-{m:02}-{d:02}")
            }
            Period::Week => {
                // The ISO year of a week is the year of its Thursday.
                let thursday = self.first_day(p) + 3;
                let (y, _, _) = civil_from_days(thursday);
                let week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
                format!("{y:04}-W{week:02}")
            }
            Period::Month => format!("{:04}-{:02}", p.div_euclid(12), p.rem_euclid(12) + 1),
        }
    }
}

/// Maps timestamps to period indices, remembering the last month so that runs of events in one
/// month skip the calendar arithmetic.
#[derive(Debug, Clone, Copy)]
struct Periodizer {
    period: Period,
    /// Day range `lo..hi` of the cached month `idx`.
    lo: i64,
    hi: i64,
    idx: i64,
}

impl Periodizer {
    fn new(period: Period) -> Self {
        Periodizer {
            period,
            lo: 0,
            hi: 0,
            idx: 0,
        }
    }

    #[inline]
    fn index(&mut self, ts_us: i64) -> i64 {
        let day = ts_us.div_euclid(US_PER_DAY);
        match self.period {
            Period::Day => day,
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => {
                if day < self.lo || day >= self.hi {
                    self.idx = Period::Month.index_of_day(day);
                    self.lo = Period::Month.first_day(self.idx);
                    self.hi = Period::Month.first_day(self.idx + 1);
                }
                self.idx
            }
        }
    }

    /// First instant (microseconds) of period `p`; months come from the cache when they can.
    #[inline]
    fn start_us(&self, p: i64) -> i64 {
        let day = match self.period {
            Period::Month if p == self.idx && self.hi > self.lo => self.lo,
            Period::Month if p == self.idx + 1 && self.hi > self.lo => self.hi,
            period => period.first_day(p),
        };
        day * US_PER_DAY
    }
}

/// One touchpoint name, a list of them, or `"*"` for any event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Touchpoints {
    /// One touchpoint name (or `"*"`: any event).
    One(String),
    /// Any of these touchpoints.
    Many(Vec<String>),
}

impl From<&str> for Touchpoints {
    fn from(s: &str) -> Self {
        Touchpoints::One(s.to_string())
    }
}

impl Touchpoints {
    /// Per touchpoint id of `log`: does it belong to the set? Names absent from the log match
    /// nothing (an empty log has no `purchase` either, and must still give a result).
    fn mask(&self, log: &EventLog, arg: &str) -> Result<Vec<bool>> {
        let names: &[String] = match self {
            Touchpoints::One(s) => std::slice::from_ref(s),
            Touchpoints::Many(v) => v,
        };
        if names.is_empty() {
            return Err(Error::argument(arg, "expected at least one touchpoint"));
        }
        let mut mask = vec![false; log.touchpoints().len()];
        for name in names {
            if name.is_empty() {
                return Err(Error::argument(arg, "touchpoint names must not be empty"));
            }
            if name == "*" {
                mask.iter_mut().for_each(|m| *m = true);
            } else if let Some(id) = log.touchpoint_id(name) {
                mask[id as usize] = true;
            }
        }
        Ok(mask)
    }
}

/// Options of the cohort matrix (`log.retention(period="week", periods=12, start="purchase",
/// ret="purchase")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionOptions {
    /// Period length: `day`, `week` (default) or `month`.
    pub period: Period,
    /// Number of periods after the cohort's own: each row has `periods + 1` cells
    /// (default 12, at most [`MAX_PERIODS`]).
    pub periods: u32,
    /// The event that puts a customer in a cohort (their first one): a touchpoint, a list, or
    /// `"*"` for any event. Default `"purchase"`.
    pub start: Touchpoints,
    /// The event that counts as a return: a touchpoint, a list, or `"*"`. Default `"purchase"`.
    pub ret: Touchpoints,
    /// A customer counts in a period only with at least this many return events in it
    /// (default 1, at least 1).
    pub min_returns: u32,
    /// Unbounded retention: cell `k` counts the customers retained in period `k` *or any later
    /// period* (default false: in period `k` itself).
    pub unbounded: bool,
}

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions {
            period: Period::Week,
            periods: 12,
            start: "purchase".into(),
            ret: "purchase".into(),
            min_returns: 1,
            unbounded: false,
        }
    }
}

/// One cohort (a row of the matrix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortRow {
    /// The cohort's period label: `2026-01-05`, `2026-W02` or `2026-01`.
    pub cohort: String,
    /// First instant of the cohort's period (RFC 3339, UTC).
    pub start: String,
    /// Customers whose first start event falls in the period.
    pub size: u64,
    /// `counts[k]`: customers of the cohort with a return event in period `cohort + k`;
    /// `None` where that period begins after the last event of the log.
    pub counts: Vec<Option<u64>>,
    /// `counts[k]` as % of `size`.
    pub rates: Vec<Option<f64>>,
}

/// The cohort matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionResult {
    /// The period length.
    pub period: Period,
    /// Number of periods after the cohort's own (each row has `periods + 1` cells).
    pub periods: u32,
    /// Return events a customer needs in a period to count in it (shown when not 1).
    #[serde(skip_serializing_if = "is_one", default = "one")]
    pub min_returns: u32,
    /// Whether cell `k` counts returns in period `k` or later (shown when true).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub unbounded: bool,
    /// The last event of the log (RFC 3339), which bounds the observable cells; `None` for an
    /// empty log.
    pub data_end: Option<String>,
    /// Customers in all cohorts.
    pub n_customers: u64,
    /// Cohorts with at least one customer, oldest first.
    pub cohorts: Vec<CohortRow>,
    /// Per `k`: the returning customers of all cohorts whose cell `k` is observable, as % of
    /// those cohorts' total size (a size-weighted average of the column).
    pub average_rates: Vec<Option<f64>>,
}

/// Splits the customers into fixed chunks and maps each (in parallel when enabled), keeping the
/// chunk order.
pub(super) fn per_chunk<A: Send>(n: usize, f: impl Fn(Range<usize>) -> A + Sync + Send) -> Vec<A> {
    let chunks = n.div_ceil(CHUNK);
    let range = move |i: usize| i * CHUNK..((i + 1) * CHUNK).min(n);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..chunks).into_par_iter().map(|i| f(range(i))).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..chunks).map(|i| f(range(i))).collect()
    }
}

/// Like [`per_chunk`], but merges the chunks' results with `merge` as they finish, so that only
/// a few are alive at a time. `merge` must be associative and commutative (the merge order
/// depends on the scheduling); an empty log gives `A::default()`.
fn per_chunk_merged<A: Send + Default>(
    n: usize,
    f: impl Fn(Range<usize>) -> A + Sync + Send,
    merge: impl Fn(A, A) -> A + Sync + Send,
) -> A {
    let chunks = n.div_ceil(CHUNK);
    let range = move |i: usize| i * CHUNK..((i + 1) * CHUNK).min(n);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..chunks)
            .into_par_iter()
            .map(|i| f(range(i)))
            .reduce(A::default, merge)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..chunks).map(|i| f(range(i))).fold(A::default(), merge)
    }
}

/// First and last event time of the log, if any (each customer's events are sorted).
pub(super) fn extent(log: &EventLog) -> Option<(i64, i64)> {
    let (off, ts) = (log.offsets(), log.timestamps());
    let mut out: Option<(i64, i64)> = None;
    for w in off.windows(2) {
        if w[1] > w[0] {
            let (a, b) = (ts[w[0]], ts[w[1] - 1]);
            out = Some(out.map_or((a, b), |(lo, hi)| (lo.min(a), hi.max(b))));
        }
    }
    out
}

/// The cohort matrix of `log` (docs/metrics.md).
///
/// ```
/// use journey_core::metrics::retention::{retention, Period, RetentionOptions};
/// let csv = "customer_id,timestamp,touchpoint\n\
///            a,2026-01-05T10:00:00Z,purchase\na,2026-01-13T10:00:00Z,purchase\n\
///            b,2026-01-06T10:00:00Z,purchase\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let opts = RetentionOptions { period: Period::Week, periods: 2, ..Default::default() };
/// let r = retention(&log, &opts).unwrap();
/// assert_eq!(r.cohorts[0].cohort, "2026-W02");
/// assert_eq!(r.cohorts[0].size, 2);
/// // Week +1 has a's second purchase; week +2 begins after the last event: not observable.
/// assert_eq!(r.cohorts[0].counts, [Some(2), Some(1), None]);
/// ```
pub fn retention(log: &EventLog, opts: &RetentionOptions) -> Result<RetentionResult> {
    let Some((_, last)) = extent(log) else {
        check_periods(opts)?;
        opts.start.mask(log, "start")?;
        opts.ret.mask(log, "ret")?;
        return Ok(finish_retention(opts, FxHashMap::default(), None));
    };
    let p_end = Periodizer::new(opts.period).index(last);
    let k_max = opts.periods as i64;
    // Cells of cohort `c`: `0..=min(periods, p_end - c)`; later ones begin after the last event
    // and are never counted, so they are not stored.
    let rows = cohort_rows(log, opts, |cohort| (k_max.min(p_end - cohort) + 1) as usize)?;
    Ok(finish_retention(opts, rows, Some(last)))
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn check_periods(opts: &RetentionOptions) -> Result<()> {
    if opts.min_returns == 0 {
        return Err(Error::argument(
            "min_returns",
            "0: expected at least 1 return event per period",
        ));
    }
    if opts.periods > MAX_PERIODS {
        return Err(Error::argument(
            "periods",
            format!("{} is too many; at most {MAX_PERIODS}", opts.periods),
        ));
    }
    Ok(())
}

/// The last event of the log, if any.
pub(crate) fn last_event(log: &EventLog) -> Option<i64> {
    extent(log).map(|e| e.1)
}

/// Per cohort (period index): `[size, cells 0..width(cohort)]`, the cells counting the cohort's
/// customers with a return event in that period. Only cells up to `periods` are counted.
pub(crate) fn cohort_rows(
    log: &EventLog,
    opts: &RetentionOptions,
    width: impl Fn(i64) -> usize + Sync + Send,
) -> Result<FxHashMap<i64, Vec<u64>>> {
    // Long because it is one pass over the customers per chunk, with the flat scans that make
    // it fast; the counters are shared by all of them.
    check_periods(opts)?;
    let is_start = opts.start.mask(log, "start")?;
    let is_ret = opts.ret.mask(log, "ret")?;
    let k_max = opts.periods as i64;
    let (off, ts, tps) = (log.offsets(), log.timestamps(), log.touchpoint_ids());

    // Per chunk: cohort index -> row (size, then counts of cells), merged as the chunks
    // finish. The counts are integers, so the merge order cannot change the result.
    Ok(per_chunk_merged(
        log.n_customers(),
        |customers| {
            let mut rows: FxHashMap<i64, Vec<u64>> = FxHashMap::default();
            let mut per = Periodizer::new(opts.period);
            // A flat scan for start events (rare when they are purchases); after a customer's
            // first one, jump to the next customer.
            let (mut i, end) = (off[customers.start], off[customers.end]);
            let mut c = customers.start;
            while i < end {
                if !is_start[tps[i] as usize] {
                    i += 1;
                    continue;
                }
                while off[c + 1] <= i {
                    c += 1;
                }
                let (a, b, i0) = (off[c], off[c + 1], i);
                i = b;
                let cohort = per.index(ts[i0]);
                let row = rows
                    .entry(cohort)
                    .or_insert_with(|| vec![0; 1 + width(cohort)]);
                row[0] += 1;
                // Return events count from the start of the cohort's period, also before the
                // start event within that period.
                let from_us = per.start_us(cohort);
                let j0 = a + ts[a..i0].partition_point(|&t| t < from_us);
                // Times are sorted: once a period is counted, skip to the next period's start.
                // `seen` return events so far in period `cur`; `last_k`: the latest period
                // (since the cohort's) counted, for unbounded retention.
                let (mut next, mut cur, mut seen) = (i64::MIN, i64::MIN, 0u32);
                let mut last_k: Option<i64> = None;
                for (&t, &tp) in ts[j0..b].iter().zip(&tps[j0..b]) {
                    if t < next || !is_ret[tp as usize] {
                        continue;
                    }
                    let p = per.index(t);
                    let k = p - cohort;
                    // Past the last cell nothing counts, except (unbounded) a return that fills
                    // every cell, looked for until one is found.
                    let full = last_k.is_some_and(|l| l >= k_max);
                    if k > k_max && (!opts.unbounded || full) {
                        break;
                    }
                    if p != cur {
                        (cur, seen) = (p, 0);
                    }
                    seen += 1;
                    if seen < opts.min_returns {
                        continue;
                    }
                    if opts.unbounded {
                        last_k = Some(k);
                    } else {
                        // k < width(cohort): every event is at or before the last one.
                        row[1 + k as usize] += 1;
                    }
                    next = per.start_us(p + 1);
                }
                if let Some(l) = last_k {
                    // Retained in period l: counts in every cell up to l (and the stored ones).
                    let upto = (l.min(k_max) as usize + 1).min(row.len() - 1);
                    for cell in &mut row[1..1 + upto] {
                        *cell += 1;
                    }
                }
            }
            rows
        },
        |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (cohort, row) in b {
                match a.entry(cohort) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(row);
                    }
                    std::collections::hash_map::Entry::Occupied(mut o) => {
                        for (x, y) in o.get_mut().iter_mut().zip(&row) {
                            *x += y;
                        }
                    }
                }
            }
            a
        },
    ))
}

/// The cohort matrix from cohort rows and the last event of the log (`None`: no events). Cells
/// of periods that begin after the last event are `None` whatever the rows hold there.
pub(crate) fn finish_retention(
    opts: &RetentionOptions,
    total: FxHashMap<i64, Vec<u64>>,
    last: Option<i64>,
) -> RetentionResult {
    let p_end = last.map(|l| Periodizer::new(opts.period).index(l));
    let k_max = opts.periods as i64;
    let mut order: Vec<i64> = total.keys().copied().collect();
    order.sort_unstable();

    let width = opts.periods as usize + 1;
    let mut avg_num = vec![0u64; width];
    let mut avg_den = vec![0u64; width];
    let mut n_customers = 0;
    let cohorts = order
        .into_iter()
        .map(|cohort| {
            let t = &total[&cohort];
            let observable = p_end.map_or(0, |p| (k_max.min(p - cohort) + 1).max(0) as usize);
            let size = t[0];
            n_customers += size;
            let mut counts = Vec::with_capacity(width);
            let mut rates = Vec::with_capacity(width);
            for k in 0..width {
                // The rest begin after the last event.
                match t.get(1 + k).filter(|_| k < observable) {
                    Some(&n) => {
                        avg_num[k] += n;
                        avg_den[k] += size;
                        counts.push(Some(n));
                        rates.push(Some(n as f64 / size as f64 * 100.0));
                    }
                    None => {
                        counts.push(None);
                        rates.push(None);
                    }
                }
            }
            CohortRow {
                cohort: opts.period.label(cohort),
                start: format_us(opts.period.first_day(cohort) * US_PER_DAY),
                size,
                counts,
                rates,
            }
        })
        .collect();
    RetentionResult {
        period: opts.period,
        periods: opts.periods,
        min_returns: opts.min_returns,
        unbounded: opts.unbounded,
        data_end: last.map(format_us),
        n_customers,
        cohorts,
        average_rates: avg_num
            .iter()
            .zip(&avg_den)
            .map(|(&n, &d)| (d > 0).then(|| n as f64 / d as f64 * 100.0))
            .collect(),
    }
}

impl EventLog {
    /// The cohort matrix (see [`retention`]).
    pub fn retention(&self, opts: &RetentionOptions) -> Result<RetentionResult> {
        retention(self, opts)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    /// Three weekly purchase cohorts (see `three_cohorts_by_hand`), plus browsing-only customers.
    const CSV: &str = "customer_id,timestamp,touchpoint,value\n\
        a,2026-01-05T09:00:00Z,purchase,10\n\
        a,2026-01-13T09:00:00Z,purchase,20\n\
        a,2026-01-27T09:00:00Z,purchase,30\n\
        b,2026-01-04T09:00:00Z,site,\n\
        b,2026-01-07T09:00:00Z,purchase,5\n\
        b,2026-01-08T09:00:00Z,purchase,\n\
        b,2026-01-20T09:00:00Z,purchase,15\n\
        c,2026-01-06T09:00:00Z,purchase,40\n\
        d,2026-01-14T09:00:00Z,purchase,25\n\
        d,2026-01-21T09:00:00Z,purchase,35\n\
        e,2026-01-18T23:59:59Z,purchase,10\n\
        e,2026-01-19T00:00:00Z,purchase,10\n\
        f,2026-01-20T09:00:00Z,purchase,50\n\
        g,2026-01-01T09:00:00Z,site,\n\
        g,2026-01-15T09:00:00Z,site,\n\
        g,2026-01-28T09:00:00Z,site,\n\
        h,2026-01-09T09:00:00Z,site,\n";

    pub(crate) fn log() -> EventLog {
        read_events_csv(CSV.as_bytes(), &LoadOptions::default()).unwrap()
    }

    pub(crate) fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn labels_and_period_arithmetic() {
        let day = |y, m, d| days_from_civil(y, m, d);
        let w = Period::Week;
        // 2026-01-05 is a Monday in ISO week 2; 2026-01-04 (Sunday) ends week 1.
        assert_eq!(w.label(w.index_of_day(day(2026, 1, 5))), "2026-W02");
        assert_eq!(w.label(w.index_of_day(day(2026, 1, 4))), "2026-W01");
        assert_eq!(
            w.first_day(w.index_of_day(day(2026, 1, 11))),
            day(2026, 1, 5)
        );
        // ISO years differ from calendar years at the edges.
        assert_eq!(w.label(w.index_of_day(day(2021, 1, 3))), "2020-W53");
        assert_eq!(w.label(w.index_of_day(day(2024, 12, 30))), "2025-W01");
        assert_eq!(w.label(w.index_of_day(day(1969, 12, 31))), "1970-W01");
        let m = Period::Month;
        assert_eq!(m.label(m.index_of_day(day(2025, 12, 31))), "2025-12");
        assert_eq!(
            m.index_of_day(day(2026, 1, 1)) - m.index_of_day(day(2025, 12, 31)),
            1
        );
        assert_eq!(
            m.first_day(m.index_of_day(day(2024, 2, 29))),
            day(2024, 2, 1)
        );
        assert_eq!(Period::Day.label(day(2026, 1, 5)), "2026-01-05");
        let mut p = Periodizer::new(Period::Month);
        // Before 1970: floor division, not truncation.
        assert_eq!(p.index(-1), 1969 * 12 + 11);
        assert_eq!(p.index(0), 1970 * 12);
        // Cached and computed month starts agree.
        for us in [
            0,
            -1,
            1_767_225_600 * US_PER_SEC,
            1_709_164_800 * US_PER_SEC,
        ] {
            let i = p.index(us);
            for q in [i - 1, i, i + 1, i + 2] {
                assert_eq!(p.start_us(q), m.first_day(q) * US_PER_DAY, "{us} {q}");
            }
        }
        assert!("fortnight".parse::<Period>().is_err());
    }

    #[test]
    fn three_cohorts_by_hand() {
        // Weeks: W02 = Jan 5-11, W03 = Jan 12-18, W04 = Jan 19-25, W05 = Jan 26 - Feb 1.
        // First purchases: a, b, c in W02; d, e (Sunday 23:59:59) in W03; f in W04.
        // W02: k0 {a, b, c} = 3 (b's two W02 purchases count once); k1 {a} = 1; k2 {b} = 1;
        //      k3 {a} = 1.
        // W03: k0 {d, e} = 2; k1 {d, e (Monday 00:00)} = 2; k2: 0; k3 = W06, after the last
        //      event (g, Jan 28, W05): not observable.
        // W04: k0 {f} = 1; k1: 0; k2, k3 not observable.
        // Averages over observable cells: 6/6, 3/6, 1/5, 1/3.
        let opts = RetentionOptions {
            periods: 3,
            ..Default::default()
        };
        let r = retention(&log(), &opts).unwrap();
        let labels: Vec<&str> = r.cohorts.iter().map(|c| c.cohort.as_str()).collect();
        assert_eq!(labels, ["2026-W02", "2026-W03", "2026-W04"]);
        let sizes: Vec<u64> = r.cohorts.iter().map(|c| c.size).collect();
        assert_eq!(sizes, [3, 2, 1]);
        assert_eq!(r.cohorts[0].counts, [Some(3), Some(1), Some(1), Some(1)]);
        assert_eq!(r.cohorts[1].counts, [Some(2), Some(2), Some(0), None]);
        assert_eq!(r.cohorts[2].counts, [Some(1), Some(0), None, None]);
        assert!(close(r.cohorts[0].rates[1].unwrap(), 100.0 / 3.0));
        assert_eq!(r.cohorts[1].rates[3], None);
        assert_eq!(r.cohorts[0].start, "2026-01-05T00:00:00Z");
        let avg: Vec<f64> = r.average_rates.iter().map(|x| x.unwrap()).collect();
        for (got, want) in avg.iter().zip([100.0, 50.0, 20.0, 100.0 / 3.0]) {
            assert!(close(*got, want), "{avg:?}");
        }
        assert_eq!(r.n_customers, 6);
        assert_eq!(r.data_end.as_deref(), Some("2026-01-28T09:00:00Z"));
    }

    #[test]
    fn start_and_return_events_are_configurable() {
        // Cohort by first event of any kind, return = purchase, months: everyone is in
        // 2026-01; purchasers in January: a b c d e f = 6 of 8.
        let opts = RetentionOptions {
            period: Period::Month,
            periods: 1,
            start: "*".into(),
            ret: "purchase".into(),
            ..Default::default()
        };
        let r = retention(&log(), &opts).unwrap();
        assert_eq!(r.cohorts.len(), 1);
        assert_eq!(r.cohorts[0].cohort, "2026-01");
        assert_eq!(r.cohorts[0].size, 8);
        assert_eq!(r.cohorts[0].counts, [Some(6), None]);
        // Start at `site`, return = purchase, days. b visits the site on Jan 4 and buys later;
        // days 0..=3 after Jan 4: purchase on Jan 7 = day 3.
        let opts = RetentionOptions {
            period: Period::Day,
            periods: 3,
            start: "site".into(),
            ret: Touchpoints::Many(vec!["purchase".into()]),
            ..Default::default()
        };
        let r = retention(&log(), &opts).unwrap();
        let b = r.cohorts.iter().find(|c| c.cohort == "2026-01-04").unwrap();
        assert_eq!(b.size, 1);
        assert_eq!(b.counts, [Some(0), Some(0), Some(0), Some(1)]);
        // A return event earlier in the cohort's period than the start event still counts.
        let csv = "customer_id,timestamp,touchpoint\n\
                   x,2026-01-05T09:00:00Z,purchase\nx,2026-01-06T09:00:00Z,signup\n";
        let l = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let opts = RetentionOptions {
            start: "signup".into(),
            periods: 0,
            ..Default::default()
        };
        assert_eq!(retention(&l, &opts).unwrap().cohorts[0].counts, [Some(1)]);
    }

    #[test]
    fn edge_cases() {
        let r = retention(&EventLog::empty(), &RetentionOptions::default()).unwrap();
        assert!(r.cohorts.is_empty());
        assert_eq!(r.average_rates, vec![None; 13]);
        assert_eq!(r.data_end, None);
        // An unknown touchpoint matches nothing.
        let opts = RetentionOptions {
            start: "nope".into(),
            ..Default::default()
        };
        assert!(retention(&log(), &opts).unwrap().cohorts.is_empty());
        for bad in [
            RetentionOptions {
                periods: MAX_PERIODS + 1,
                ..Default::default()
            },
            RetentionOptions {
                ret: Touchpoints::Many(vec![]),
                ..Default::default()
            },
            RetentionOptions {
                start: "".into(),
                ..Default::default()
            },
        ] {
            assert_eq!(
                retention(&log(), &bad).unwrap_err().code(),
                "invalid_argument"
            );
        }
        let o: RetentionOptions =
            serde_json::from_str(r#"{"period": "month", "start": ["a", "b"], "ret": "*"}"#)
                .unwrap();
        assert_eq!(o.period, Period::Month);
        assert_eq!(o.periods, 12);
        assert_eq!(o.start, Touchpoints::Many(vec!["a".into(), "b".into()]));
        assert!(serde_json::from_str::<RetentionOptions>(r#"{"retain": "x"}"#).is_err());
    }

    #[test]
    fn many_daily_periods_keep_the_shape() {
        // Daily cohorts of the test log with the largest `periods`: every row still has
        // periods + 1 cells; those after the last event (Jan 28) are None, the rest equal the
        // cells of a short matrix.
        let big = RetentionOptions {
            period: Period::Day,
            periods: MAX_PERIODS,
            ..Default::default()
        };
        let small = RetentionOptions {
            periods: 30,
            ..big.clone()
        };
        let (r, s) = (
            retention(&log(), &big).unwrap(),
            retention(&log(), &small).unwrap(),
        );
        assert_eq!(r.periods, MAX_PERIODS);
        assert_eq!(r.average_rates.len(), MAX_PERIODS as usize + 1);
        assert_eq!(r.cohorts.len(), s.cohorts.len());
        // First purchases: Jan 5 (a), 6 (c), 7 (b), 14 (d), 18 (e), 20 (f).
        let labels: Vec<&str> = r.cohorts.iter().map(|c| c.cohort.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2026-01-05",
                "2026-01-06",
                "2026-01-07",
                "2026-01-14",
                "2026-01-18",
                "2026-01-20"
            ]
        );
        for (c, short) in r.cohorts.iter().zip(&s.cohorts) {
            assert_eq!(c.counts.len(), MAX_PERIODS as usize + 1);
            assert_eq!(c.rates.len(), MAX_PERIODS as usize + 1);
            // Cohort day d: cells 0..=28 - d observable (Jan 28 is the last event's day).
            let day: usize = c.cohort[8..].parse().unwrap();
            let observable = 28 - day + 1;
            assert!(
                c.counts[..observable].iter().all(Option::is_some),
                "{}",
                c.cohort
            );
            assert!(
                c.counts[observable..].iter().all(Option::is_none),
                "{}",
                c.cohort
            );
            assert_eq!(c.counts[..=30], short.counts[..], "{}", c.cohort);
            assert_eq!(c.size, short.size);
        }
        // a: Jan 5, 13, 27 -> cells 0, 8, 22 of cohort Jan 5.
        let a = &r.cohorts[0];
        let hits: Vec<usize> = (0..a.counts.len())
            .filter(|&k| a.counts[k].unwrap_or(0) > 0)
            .collect();
        assert_eq!(hits, [0, 8, 22]);
        assert_eq!(r.average_rates[..=30], s.average_rates[..]);
        assert!(r.average_rates[24..].iter().all(Option::is_none));
    }

    fn cells(r: &RetentionResult) -> Vec<Vec<Option<u64>>> {
        r.cohorts.iter().map(|c| c.counts.clone()).collect()
    }

    #[test]
    fn thresholds_and_unbounded_by_hand() {
        // Purchases by ISO week (W02 = Jan 5-11, W03, W04, W05; last event W05):
        // a W02, W03, W05; b W02 twice, W04; c W02 | d W03, W04; e W03, W04 | f W04.
        let l = log();
        let run = |min_returns, unbounded, periods| {
            let o = RetentionOptions {
                periods,
                min_returns,
                unbounded,
                ..Default::default()
            };
            retention(&l, &o).unwrap()
        };
        let s = |v: &[u64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        let pad = |mut v: Vec<Option<u64>>| {
            v.resize(4, None);
            v
        };
        let r = run(1, false, 3);
        assert_eq!(
            cells(&r),
            [pad(s(&[3, 1, 1, 1])), pad(s(&[2, 2, 0])), pad(s(&[1, 0]))]
        );
        // At least two purchases in a week: only b, in its first week.
        let r = run(2, false, 3);
        assert_eq!(
            cells(&r),
            [pad(s(&[1, 0, 0, 0])), pad(s(&[0, 0, 0])), pad(s(&[0, 0]))]
        );
        assert_eq!(r.min_returns, 2);
        // Unbounded: W02 week +1 or later: a (W03), b (W04); +2 or later: a (W05), b (W04).
        let r = run(1, true, 3);
        assert_eq!(
            cells(&r),
            [pad(s(&[3, 2, 2, 1])), pad(s(&[2, 2, 0])), pad(s(&[1, 0]))]
        );
        assert!((r.cohorts[0].rates[1].unwrap() - 200.0 / 3.0).abs() < 1e-9);
        let r = run(2, true, 3);
        assert_eq!(cells(&r)[0], s(&[1, 0, 0, 0]));
        // Unbounded with fewer cells: returns after the last cell still count (b's W04).
        let r = run(1, true, 1);
        assert_eq!(cells(&r), [s(&[3, 2]), s(&[2, 2]), s(&[1, 0])]);
        // The default result stays as it was (no new keys).
        let v = serde_json::to_value(run(1, false, 3)).unwrap();
        assert!(v.get("min_returns").is_none() && v.get("unbounded").is_none());
        let v = serde_json::to_value(run(2, true, 3)).unwrap();
        assert_eq!(
            (v["min_returns"].as_u64(), v["unbounded"].as_bool()),
            (Some(2), Some(true))
        );
        let o = RetentionOptions {
            min_returns: 0,
            ..Default::default()
        };
        assert_eq!(retention(&l, &o).unwrap_err().code(), "invalid_argument");
    }

    /// Brute force: per customer, the cohort and the number of return events in every period.
    fn brute(
        events: &[(u8, i64, bool)],
        period_days: i64,
        periods: i64,
        k: u32,
        unbounded: bool,
    ) -> std::collections::BTreeMap<i64, Vec<Option<u64>>> {
        let per = |t: i64| t.div_euclid(86_400 * period_days);
        let last = events.iter().map(|e| e.1).max();
        let mut out = std::collections::BTreeMap::new();
        let Some(last) = last else { return out };
        let p_end = per(last);
        let mut ids: Vec<u8> = events.iter().map(|e| e.0).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let mine: Vec<&(u8, i64, bool)> = events.iter().filter(|e| e.0 == id).collect();
            // Every event is a purchase (start and return) when its flag is set.
            let Some(first) = mine.iter().filter(|e| e.2).map(|e| e.1).min() else {
                continue;
            };
            let c = per(first);
            let retained =
                |p: i64| mine.iter().filter(|e| e.2 && per(e.1) == p).count() as u32 >= k;
            let row = out
                .entry(c)
                .or_insert_with(|| vec![Some(0u64); periods as usize + 1]);
            for j in 0..=periods {
                if c + j > p_end {
                    row[j as usize] = None;
                    continue;
                }
                let hit = if unbounded {
                    (c + j..=p_end).any(retained)
                } else {
                    retained(c + j)
                };
                if hit {
                    *row[j as usize].as_mut().unwrap() += 1;
                }
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn thresholds_match_brute_force(
            events in proptest::collection::vec((0u8..6, 0i64..40 * 86_400, proptest::bool::ANY), 0..60),
            k in 1u32..4,
            unbounded in proptest::bool::ANY,
            periods in 0u32..6,
        ) {
            let mut csv = String::from("customer_id,timestamp,touchpoint\n");
            for (id, t, buy) in &events {
                csv.push_str(&format!("c{id},{t},{}\n", if *buy { "purchase" } else { "site" }));
            }
            let l = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
            let o = RetentionOptions {
                period: Period::Day,
                periods,
                min_returns: k,
                unbounded,
                ..Default::default()
            };
            let r = retention(&l, &o).unwrap();
            let want = brute(&events, 1, periods as i64, k, unbounded);
            let got: std::collections::BTreeMap<i64, Vec<Option<u64>>> = r
                .cohorts
                .iter()
                .map(|c| (Period::Day.index_of_day(
                    crate::time::parse_timestamp(c.start.as_bytes()).unwrap().div_euclid(US_PER_DAY)), c.counts.clone()))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
