use super::LoadReport;
use super::{Interner, LocalInterner, NO_ID};
use crate::error::{Error, Result};

/// The columns of a survey response, in the order [`Surveys::write_csv`] writes them.
pub(crate) const SURVEY_COLUMNS: [&str; 6] = [
    "customer_id",
    "timestamp",
    "touchpoint",
    "nps",
    "csat",
    "ces",
];

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
    customers: Interner,
    touchpoints: Interner,
    cust: Vec<u32>,
    ts: Vec<i64>,
    /// [`NO_ID`] when none.
    tp: Vec<u32>,
    /// nps, csat, ces; [`NO_SCORE`] when blank.
    scores: Vec<[u8; 3]>,
}

/// The responses of one parsed piece of a table, their strings interned in the piece.
#[derive(Debug, Default)]
pub(crate) struct SurveyPiece {
    pub customers: LocalInterner,
    pub touchpoints: LocalInterner,
    pub cust: Vec<u32>,
    pub ts: Vec<i64>,
    /// [`NO_ID`] when none.
    pub tp: Vec<u32>,
    pub scores: Vec<[u8; 3]>,
}

impl SurveyPiece {
    /// Adds one checked response.
    pub(crate) fn push(
        &mut self,
        customer: &str,
        ts: i64,
        touchpoint: Option<&str>,
        scores: [Option<u8>; 3],
    ) {
        self.cust.push(self.customers.intern(customer));
        self.ts.push(ts);
        self.tp
            .push(touchpoint.map_or(NO_ID, |t| self.touchpoints.intern(t)));
        self.scores.push(scores.map(|v| v.unwrap_or(NO_SCORE)));
    }
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
        self.add(&r);
        Ok(())
    }

    fn add(&mut self, r: &RawResponse) {
        self.cust.push(self.customers.intern(&r.customer_id));
        self.ts.push(r.timestamp_us);
        let tp = r
            .touchpoint
            .as_deref()
            .map_or(NO_ID, |t| self.touchpoints.intern(t));
        self.tp.push(tp);
        self.scores
            .push([r.nps, r.csat, r.ces].map(|v| v.unwrap_or(NO_SCORE)));
    }

    /// Sorts and freezes the table.
    pub fn build(self) -> Surveys {
        self.build_with_report(LoadReport::default())
    }

    /// Room for `n` more responses.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.cust.reserve(n);
        self.ts.reserve(n);
        self.tp.reserve(n);
        self.scores.reserve(n);
    }

    /// Appends the responses of a parsed piece (already checked), after those here.
    pub(crate) fn append_piece(&mut self, p: SurveyPiece) {
        fn remap(into: &mut Interner, from: &LocalInterner) -> Vec<u32> {
            into.intern_batch(&from.hashes, |i| from.name(i as u32))
        }
        let cm = remap(&mut self.customers, &p.customers);
        let tm = remap(&mut self.touchpoints, &p.touchpoints);
        self.cust.extend(p.cust.iter().map(|&c| cm[c as usize]));
        self.tp.extend(
            p.tp.iter()
                .map(|&t| if t == NO_ID { NO_ID } else { tm[t as usize] }),
        );
        self.ts.extend_from_slice(&p.ts);
        self.scores.extend_from_slice(&p.scores);
    }

    pub(crate) fn build_with_report(self, mut report: LoadReport) -> Surveys {
        let SurveysBuilder {
            customers,
            touchpoints,
            cust,
            ts,
            tp,
            scores,
        } = self;
        let (customers, cmap) = customers.sorted();
        let (touchpoints, tmap) = touchpoints.sorted();
        // The order of the table: customer id, time, then touchpoint, nps, csat and ces, absent
        // last (the largest key: NO_ID and NO_SCORE). Ranks in string order stand for the
        // strings, and the keys hold every field, so rows equal in every field are equal keys
        // and an unstable sort gives the one result.
        let mut keys: Vec<(u32, i64, u32, [u8; 3])> = (0..cust.len())
            .map(|i| {
                let t = if tp[i] == NO_ID {
                    NO_ID
                } else {
                    tmap[tp[i] as usize]
                };
                (cmap[cust[i] as usize], ts[i], t, scores[i])
            })
            .collect();
        drop((cust, ts, tp, scores));
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            keys.par_sort_unstable();
        }
        #[cfg(not(feature = "parallel"))]
        keys.sort_unstable();
        let n = keys.len();
        report.rows_kept = n as u64;
        Surveys {
            customers,
            touchpoints,
            customer: keys.iter().map(|k| k.0).collect(),
            ts: keys.iter().map(|k| k.1).collect(),
            touchpoint: keys.iter().map(|k| k.2).collect(),
            nps: keys.iter().map(|k| k.3[0]).collect(),
            csat: keys.iter().map(|k| k.3[1]).collect(),
            ces: keys.iter().map(|k| k.3[2]).collect(),
            report,
        }
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
