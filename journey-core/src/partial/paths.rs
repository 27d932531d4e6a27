//! The conversion paths as a partial state: one row per path (the result is the list of paths,
//! so the state is the list), in customer-id order; merging keeps each customer's rows together
//! and in order.

use super::codec::{Codec, Reader, Writer};
use crate::error::Result;
use crate::metrics::path_stats::{
    conversion_paths_table, ConversionPathsOptions, ConversionPathsResult, PathRow,
};
use crate::model::EventLog;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathsRows {
    n_conversions: u64,
    rows: Vec<PathRow>,
}

impl PathsRows {
    pub(crate) fn of(log: &EventLog, opts: &ConversionPathsOptions) -> Result<Self> {
        let r = conversion_paths_table(log, opts)?;
        Ok(PathsRows {
            n_conversions: r.n_conversions,
            rows: r.rows,
        })
    }

    pub(crate) fn merge(&mut self, b: PathsRows) {
        self.n_conversions += b.n_conversions;
        self.rows.extend(b.rows);
        // Stable: a customer's rows (all in one partition) keep their order.
        self.rows.sort_by(|x, y| x.customer_id.cmp(&y.customer_id));
    }

    /// Takes away the rows of `b`'s customers (merged into `self` before).
    pub(crate) fn retract(&mut self, b: &PathsRows) {
        self.n_conversions -= b.n_conversions;
        super::drop_customers(&mut self.rows, &b.rows, |r| &r.customer_id);
    }

    pub(crate) fn finish(self, opts: &ConversionPathsOptions) -> ConversionPathsResult {
        ConversionPathsResult {
            level: opts.level,
            n_paths: self.rows.len() as u64,
            n_conversions: self.n_conversions,
            rows: self.rows,
        }
    }

    pub(crate) fn fits(&self) -> bool {
        self.rows.iter().filter(|r| r.converted).count() as u64 == self.n_conversions
            && self.rows.iter().all(|r| r.n_touches == r.touches.len())
    }
}

impl Codec for PathsRows {
    fn enc(&self, w: &mut Writer) {
        self.n_conversions.enc(w);
        w.u64(self.rows.len() as u64);
        for r in &self.rows {
            r.customer_id.enc(w);
            r.touches.enc(w);
            r.converted.enc(w);
            r.end_time.enc(w);
            r.value.enc(w);
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n_conversions = u64::dec(r)?;
        let n = r.len()?;
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let customer_id = String::dec(r)?;
            let touches: Vec<String> = Codec::dec(r)?;
            rows.push(PathRow {
                customer_id,
                n_touches: touches.len(),
                touches,
                converted: Codec::dec(r)?,
                end_time: Codec::dec(r)?,
                value: Codec::dec(r)?,
            });
        }
        Ok(PathsRows {
            n_conversions,
            rows,
        })
    }
}
