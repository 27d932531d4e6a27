use super::{Interner, NO_ID};
use crate::error::{Error, Result};
use crate::ingest::LoadReport;

/// Marks a blank score.
pub const NO_SCORE: u8 = u8::MAX;

/// One survey response as given by a caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawResponse {
    /// Customer id.
    pub customer_id: String,
    /// Microseconds since the Unix epoch, UTC.
    pub timestamp_us: i64,
    /// Touchpoint the survey is about, if known.
    pub touchpoint: Option<String>,
    /// Net Promoter score, 0-10.
    pub nps: Option<u8>,
    /// Satisfaction, 1-5.
    pub csat: Option<u8>,
    /// Customer effort, 1-7.
    pub ces: Option<u8>,
}

/// Survey responses, columnar: ordered by customer id, then time, then content (touchpoint,
/// then nps, csat and ces; absent last), so the order never depends on the input rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Surveys {
    pub(crate) customers: Interner,
    pub(crate) touchpoints: Interner,
    pub(crate) customer: Vec<u32>,
    pub(crate) ts: Vec<i64>,
    /// [`NO_ID`] when the response names no touchpoint.
    pub(crate) touchpoint: Vec<u32>,
    pub(crate) nps: Vec<u8>,
    pub(crate) csat: Vec<u8>,
    pub(crate) ces: Vec<u8>,
    pub(crate) report: LoadReport,
}

/// Collects responses in any order and builds [`Surveys`].
#[derive(Debug, Clone, Default)]
pub struct SurveysBuilder {
    rows: Vec<RawResponse>,
}

/// Checks a score against its scale; the error says what was expected.
pub(crate) fn check_score(name: &str, v: u8) -> std::result::Result<u8, String> {
    let (lo, hi) = match name {
        "nps" => (0, 10),
        "csat" => (1, 5),
        _ => (1, 7),
    };
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("an integer from {lo} to {hi}"))
    }
}

impl SurveysBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one response; scores out of range are rejected.
    pub fn push(&mut self, r: RawResponse) -> Result<()> {
        if r.customer_id.is_empty() {
            return Err(Error::argument("customer_id", "must not be empty"));
        }
        for (name, v) in [("nps", r.nps), ("csat", r.csat), ("ces", r.ces)] {
            if let Some(v) = v {
                check_score(name, v)
                    .map_err(|e| Error::argument(name, format!("{v}: expected {e}")))?;
            }
        }
        self.rows.push(r);
        Ok(())
    }

    /// Sorts and freezes the table.
    pub fn build(self) -> Surveys {
        self.build_with_report(LoadReport::default())
    }

    /// Room for `n` more responses.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.rows.reserve(n);
    }

    /// Appends responses already checked by the reader.
    pub(crate) fn extend_checked(&mut self, rows: Vec<RawResponse>) {
        self.rows.extend(rows);
    }

    pub(crate) fn build_with_report(self, mut report: LoadReport) -> Surveys {
        let mut rows = self.rows;
        // Absent last: (is none, value).
        fn last<T: Ord>(v: &Option<T>) -> (bool, Option<&T>) {
            (v.is_none(), v.as_ref())
        }
        let order = |a: &RawResponse, b: &RawResponse| {
            a.customer_id
                .cmp(&b.customer_id)
                .then(a.timestamp_us.cmp(&b.timestamp_us))
                .then_with(|| last(&a.touchpoint).cmp(&last(&b.touchpoint)))
                .then_with(|| last(&a.nps).cmp(&last(&b.nps)))
                .then_with(|| last(&a.csat).cmp(&last(&b.csat)))
                .then_with(|| last(&a.ces).cmp(&last(&b.ces)))
        };
        // Rows equal in every field are interchangeable: an unstable sort gives one result.
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            rows.par_sort_unstable_by(order);
        }
        #[cfg(not(feature = "parallel"))]
        rows.sort_unstable_by(order);
        let mut tp_names: Vec<String> = rows.iter().filter_map(|r| r.touchpoint.clone()).collect();
        tp_names.sort();
        tp_names.dedup();
        let touchpoints = Interner::from_names(tp_names);
        let mut customers = Interner::new();
        let n = rows.len();
        let mut s = Surveys {
            customers: Interner::new(),
            touchpoints,
            customer: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            touchpoint: Vec::with_capacity(n),
            nps: Vec::with_capacity(n),
            csat: Vec::with_capacity(n),
            ces: Vec::with_capacity(n),
            report: LoadReport::default(),
        };
        for r in rows {
            s.customer.push(customers.intern(&r.customer_id));
            s.ts.push(r.timestamp_us);
            s.touchpoint.push(
                r.touchpoint
                    .as_deref()
                    .and_then(|t| s.touchpoints.get(t))
                    .unwrap_or(NO_ID),
            );
            s.nps.push(r.nps.unwrap_or(NO_SCORE));
            s.csat.push(r.csat.unwrap_or(NO_SCORE));
            s.ces.push(r.ces.unwrap_or(NO_SCORE));
        }
        s.customers = customers;
        report.rows_kept = n as u64;
        s.report = report;
        s
    }
}

impl Surveys {
    /// No responses.
    pub fn empty() -> Self {
        SurveysBuilder::new().build()
    }
    /// Number of responses.
    pub fn len(&self) -> usize {
        self.ts.len()
    }
    /// Whether there is no response.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
    /// Distinct respondents.
    pub fn n_customers(&self) -> usize {
        self.customers.len()
    }
    /// Customer ids (index = customer index).
    pub fn customer_ids(&self) -> &[String] {
        self.customers.names()
    }
    /// Touchpoint names named by responses, sorted.
    pub fn touchpoints(&self) -> &[String] {
        self.touchpoints.names()
    }
    /// Customer index per response.
    pub fn customer_column(&self) -> &[u32] {
        &self.customer
    }
    /// Timestamps per response (microseconds, UTC).
    pub fn timestamps(&self) -> &[i64] {
        &self.ts
    }
    /// Touchpoint id per response ([`NO_ID`] when none).
    pub fn touchpoint_column(&self) -> &[u32] {
        &self.touchpoint
    }
    /// NPS answers ([`NO_SCORE`] when blank).
    pub fn nps_column(&self) -> &[u8] {
        &self.nps
    }
    /// CSAT answers ([`NO_SCORE`] when blank).
    pub fn csat_column(&self) -> &[u8] {
        &self.csat
    }
    /// CES answers ([`NO_SCORE`] when blank).
    pub fn ces_column(&self) -> &[u8] {
        &self.ces
    }
    /// What happened while loading.
    pub fn load_report(&self) -> &LoadReport {
        &self.report
    }
    /// The responses of some customers only: those whose id `keep` accepts. Used with
    /// [`crate::EventLog::select_customers`] to compute survey metrics for a segment.
    pub fn select_customers(&self, keep: impl Fn(&str) -> bool) -> Surveys {
        let kept: Vec<bool> = self.customers.names().iter().map(|c| keep(c)).collect();
        let mut new_id = vec![NO_ID; kept.len()];
        let mut names = Vec::new();
        for (c, &k) in kept.iter().enumerate() {
            if k {
                new_id[c] = names.len() as u32;
                names.push(self.customers.name(c as u32).to_string());
            }
        }
        let rows: Vec<usize> = (0..self.len())
            .filter(|&r| kept[self.customer[r] as usize])
            .collect();
        let pick = |col: &[u8]| rows.iter().map(|&r| col[r]).collect::<Vec<u8>>();
        Surveys {
            customers: Interner::from_names(names),
            touchpoints: self.touchpoints.clone(),
            customer: rows
                .iter()
                .map(|&r| new_id[self.customer[r] as usize])
                .collect(),
            ts: rows.iter().map(|&r| self.ts[r]).collect(),
            touchpoint: rows.iter().map(|&r| self.touchpoint[r]).collect(),
            nps: pick(&self.nps),
            csat: pick(&self.csat),
            ces: pick(&self.ces),
            report: self.report.clone(),
        }
    }
    /// The responses back as rows, in table order.
    pub fn rows(&self) -> impl Iterator<Item = RawResponse> + '_ {
        let score = |v: u8| (v != NO_SCORE).then_some(v);
        (0..self.len()).map(move |i| RawResponse {
            customer_id: self.customers.name(self.customer[i]).to_string(),
            timestamp_us: self.ts[i],
            touchpoint: (self.touchpoint[i] != NO_ID)
                .then(|| self.touchpoints.name(self.touchpoint[i]).to_string()),
            nps: score(self.nps[i]),
            csat: score(self.csat[i]),
            ces: score(self.ces[i]),
        })
    }
}

impl Default for Surveys {
    fn default() -> Self {
        Self::empty()
    }
}

/// What a score column expects, for error messages.
pub(crate) fn survey_expected(name: &str) -> String {
    check_score(name, NO_SCORE).unwrap_err()
}
