//! The cohort matrix and the KPIs as partial states.
//!
//! Cohort matrix: per cohort (period index), its size and every cell up to `periods` (all
//! counted, observable or not), plus the last event seen; which cells are observable is decided
//! at finish from the merged last event, so the cohort matrix needs no context.
//!
//! KPIs: integer counts and the revenue as an exact sum; without both `start` and `end` the
//! period is bounded by the whole log's first and last event, which the context gives.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::codec::{Codec, Reader, Writer};
use crate::error::Result;
use crate::metrics::exact_sum::ExactSum;
use crate::metrics::retention::{
    cohort_rows, finish_kpis, finish_retention, kpi_fold, last_event, KpiAcc, KpiOptions, Kpis,
    RetentionOptions, RetentionResult,
};
use crate::model::EventLog;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RetentionState {
    rows: BTreeMap<i64, Vec<u64>>,
    last: Option<i64>,
}

impl RetentionState {
    pub(crate) fn of(log: &EventLog, opts: &RetentionOptions) -> Result<Self> {
        let width = opts.periods as usize + 1;
        let rows = cohort_rows(log, opts, |_| width)?;
        Ok(RetentionState {
            rows: rows.into_iter().collect(),
            last: last_event(log),
        })
    }

    pub(crate) fn fits(&self, opts: &RetentionOptions) -> bool {
        let n = opts.periods as usize + 2;
        self.rows.values().all(|r| r.len() == n) && (self.rows.is_empty() || self.last.is_some())
    }

    pub(crate) fn merge(&mut self, b: RetentionState) {
        for (c, row) in b.rows {
            match self.rows.get_mut(&c) {
                Some(a) => a.iter_mut().zip(&row).for_each(|(x, y)| *x += y),
                None => {
                    self.rows.insert(c, row);
                }
            }
        }
        self.last = match (self.last, b.last) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, None) | (None, x) => x,
        };
    }

    /// Takes away the cohort counts of `b`; a cohort left without customers goes. The last
    /// event is a maximum and stays (see `Partial::retract`).
    pub(crate) fn retract(&mut self, b: &RetentionState) {
        for (c, row) in &b.rows {
            if let Some(a) = self.rows.get_mut(c) {
                a.iter_mut().zip(row).for_each(|(x, y)| *x -= y);
                if a[0] == 0 {
                    self.rows.remove(c);
                }
            }
        }
    }

    pub(crate) fn finish(self, opts: &RetentionOptions) -> RetentionResult {
        let rows: FxHashMap<i64, Vec<u64>> = self.rows.into_iter().collect();
        finish_retention(opts, rows, self.last)
    }
}

impl Codec for RetentionState {
    fn enc(&self, w: &mut Writer) {
        self.rows.enc(w);
        self.last.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(RetentionState {
            rows: Codec::dec(r)?,
            last: Codec::dec(r)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KpiState(KpiAcc);

impl KpiState {
    pub(crate) fn of(log: &EventLog, opts: &KpiOptions, span: Option<(i64, i64)>) -> Result<Self> {
        kpi_fold(log, opts, span).map(KpiState)
    }
    pub(crate) fn merge(&mut self, b: KpiState) {
        self.0.merge(&b.0)
    }
    pub(crate) fn retract(&mut self, b: &KpiState) {
        self.retract_customers(b);
        let (a, p) = (&mut self.0, &b.0);
        a.active_start -= p.active_start;
        a.new -= p.new;
        a.reactivated -= p.reactivated;
        a.retained -= p.retained;
    }
    /// Takes away `b`'s customers, orders and revenue, and zeroes the counts of the period
    /// (active at its start, new, reactivated, retained): for states over each part's own span
    /// (the map's), whose period counts are not read and would not subtract.
    pub(crate) fn retract_totals(&mut self, b: &KpiState) {
        self.retract_customers(b);
        let a = &mut self.0;
        (a.active_start, a.new, a.reactivated, a.retained) = (0, 0, 0, 0);
    }
    /// Takes away `b`'s customers, buyers, orders and revenue (what both retractions share).
    fn retract_customers(&mut self, b: &KpiState) {
        let (a, p) = (&mut self.0, &b.0);
        a.customers -= p.customers;
        a.buyers -= p.buyers;
        a.repeat -= p.repeat;
        a.orders -= p.orders;
        a.revenue.subtract(&p.revenue);
    }
    pub(crate) fn finish(self, opts: &KpiOptions) -> Result<Kpis> {
        finish_kpis(opts, self.0)
    }
    pub(crate) fn fits(&self) -> bool {
        let a = &self.0;
        a.retained <= a.active_start
            && a.buyers <= a.customers
            && a.repeat <= a.buyers
            && a.new + a.reactivated + a.retained == a.customers
    }
}

/// The largest part of a decoded sum, 1e33: sums of values (at most 1e15 each) over counts (at
/// most 2^53) stay below 1e31, and merging sums this size cannot overflow.
const MAX_SUM_PART: f64 = 1e33;

impl Codec for ExactSum {
    fn enc(&self, w: &mut Writer) {
        // The canonical parts: equal sums, equal bytes.
        self.canonical_parts().enc(w)
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let parts: Vec<f64> = Codec::dec(r)?;
        if parts
            .iter()
            .any(|p| !p.is_finite() || p.abs() > MAX_SUM_PART)
        {
            return Err(super::codec::corrupted(format!(
                "a sum has a part that is not a number of magnitude at most {MAX_SUM_PART:e}"
            )));
        }
        Ok(ExactSum::from_parts(&parts))
    }
}

impl Codec for KpiState {
    fn enc(&self, w: &mut Writer) {
        let a = &self.0;
        for x in [
            a.customers,
            a.buyers,
            a.repeat,
            a.orders,
            a.active_start,
            a.new,
            a.reactivated,
            a.retained,
        ] {
            x.enc(w);
        }
        a.revenue.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let mut v = [0u64; 8];
        for x in &mut v {
            *x = u64::dec(r)?;
        }
        Ok(KpiState(KpiAcc {
            customers: v[0],
            buyers: v[1],
            repeat: v[2],
            orders: v[3],
            active_start: v[4],
            new: v[5],
            reactivated: v[6],
            retained: v[7],
            revenue: Codec::dec(r)?,
        }))
    }
}
