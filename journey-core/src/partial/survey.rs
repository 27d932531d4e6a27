//! Survey scores joined to the log (NPS, CSAT, CES, overall and by touchpoint, stage, channel or
//! a property such as the persona) as a partial state: the answers' histogram (whole-number
//! counts per score), overall and per group key by name. Every statistic (NPS, shares, means,
//! medians, intervals) is computed from the histograms when finishing, so it is exact.
//!
//! Responses are partitioned by customer like the events, so each response is joined to its
//! customer's whole journey in its partition. One thing needs the whole log: grouping by stage
//! or channel, a response naming a touchpoint none of whose events it can be matched to takes the
//! touchpoint's catalog entry (known to every partition), else the stage or channel most often
//! seen with the touchpoint in the log. Such answers wait, per touchpoint, with each partition's
//! counts of the touchpoint's stages or channels, and are placed when finishing.

use std::collections::BTreeMap;

use super::codec::{Codec, Reader, Writer};
use crate::error::Result;
use crate::metrics::survey::{
    assemble, part_tally, touchpoint_value_counts, CesBreakdown, CesResult, CsatBreakdown,
    CsatResult, NpsBreakdown, NpsResult, ScoreOptions,
};
use crate::model::{EventLog, Stage, Surveys};

/// Which score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Score {
    Nps,
    Csat,
    Ces,
}

impl Score {
    /// Number of answers (bins) and the lowest answer.
    fn bins(self) -> (usize, u8) {
        match self {
            Score::Nps => (11, 0),
            Score::Csat => (5, 1),
            Score::Ces => (7, 1),
        }
    }
}

/// A finished breakdown of one score.
pub(crate) enum Scores {
    Nps(NpsBreakdown),
    Csat(CsatBreakdown),
    Ces(CesBreakdown),
}

type Hist = Vec<u64>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SurveyState {
    all: Hist,
    groups: BTreeMap<Option<String>, Hist>,
    /// Answers waiting for the whole log, per touchpoint name.
    pending: BTreeMap<String, Hist>,
    /// Per touchpoint name not placed by the catalog: events per stage or channel name.
    values: BTreeMap<String, BTreeMap<String, u64>>,
}

fn add(a: &mut Hist, b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn arr<const N: usize>(h: &[u64]) -> [u64; N] {
    let mut a = [0u64; N];
    a.copy_from_slice(h);
    a
}

impl SurveyState {
    pub(crate) fn of(
        log: &EventLog,
        surveys: &Surveys,
        score: Score,
        opts: &ScoreOptions,
    ) -> Result<Self> {
        fn conv<const N: usize>(
            t: crate::metrics::survey::PartTally<N>,
        ) -> (Hist, BTreeMap<Option<String>, Hist>, BTreeMap<String, Hist>) {
            (
                t.0.to_vec(),
                t.1.into_iter().map(|(k, v)| (k, v.to_vec())).collect(),
                t.2.into_iter().map(|(k, v)| (k, v.to_vec())).collect(),
            )
        }
        let (all, groups, pending) = match score {
            Score::Nps => conv(part_tally::<11>(surveys, log, opts, &surveys.nps, 0)?),
            Score::Csat => conv(part_tally::<5>(surveys, log, opts, &surveys.csat, 1)?),
            Score::Ces => conv(part_tally::<7>(surveys, log, opts, &surveys.ces, 1)?),
        };
        let values = match opts.by.as_deref() {
            Some("channel") => touchpoint_value_counts(log, true),
            Some("stage") => touchpoint_value_counts(log, false),
            _ => BTreeMap::new(),
        };
        Ok(SurveyState {
            all,
            groups,
            pending,
            values,
        })
    }

    pub(crate) fn merge(&mut self, b: SurveyState) {
        add(&mut self.all, &b.all);
        for (k, h) in b.groups {
            match self.groups.get_mut(&k) {
                Some(a) => add(a, &h),
                None => {
                    self.groups.insert(k, h);
                }
            }
        }
        for (k, h) in b.pending {
            match self.pending.get_mut(&k) {
                Some(a) => add(a, &h),
                None => {
                    self.pending.insert(k, h);
                }
            }
        }
        for (t, m) in b.values {
            let e = self.values.entry(t).or_default();
            for (v, n) in m {
                *e.entry(v).or_default() += n;
            }
        }
    }

    /// Takes away the answers and events of `b`'s customers; histograms and counts at zero go.
    pub(crate) fn retract(&mut self, b: &SurveyState) {
        fn sub(a: &mut Hist, b: &[u64]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x -= y;
            }
        }
        sub(&mut self.all, &b.all);
        for (k, h) in &b.groups {
            if let Some(a) = self.groups.get_mut(k) {
                sub(a, h);
                if a.iter().all(|&n| n == 0) {
                    self.groups.remove(k);
                }
            }
        }
        for (k, h) in &b.pending {
            if let Some(a) = self.pending.get_mut(k) {
                sub(a, h);
                if a.iter().all(|&n| n == 0) {
                    self.pending.remove(k);
                }
            }
        }
        for (t, m) in &b.values {
            if let Some(e) = self.values.get_mut(t) {
                for (v, n) in m {
                    if let Some(x) = e.get_mut(v) {
                        *x -= n;
                        if *x == 0 {
                            e.remove(v);
                        }
                    }
                }
                if e.is_empty() {
                    self.values.remove(t);
                }
            }
        }
    }

    pub(crate) fn finish(mut self, score: Score, opts: &ScoreOptions) -> Scores {
        let stage = opts.by.as_deref() == Some("stage");
        let rank = |s: &str| Stage::default_rank(s).unwrap_or(usize::MAX);
        for (tp, h) in std::mem::take(&mut self.pending) {
            // The most often seen; ties go to the first name (stages in journey order).
            let best = self.values.get(&tp).and_then(|m| {
                m.iter()
                    .max_by(|a, b| {
                        a.1.cmp(b.1).then_with(|| {
                            if stage {
                                (rank(b.0), b.0).cmp(&(rank(a.0), a.0))
                            } else {
                                b.0.cmp(a.0)
                            }
                        })
                    })
                    .map(|(v, _)| v.clone())
            });
            let e = self.groups.entry(best).or_insert_with(|| vec![0; h.len()]);
            add(e, &h);
        }
        let groups = self.groups.into_iter();
        match score {
            Score::Nps => Scores::Nps(assemble(
                opts,
                &arr::<11>(&self.all),
                groups.map(|(k, h)| (k, arr(&h))).collect(),
                NpsResult::from_counts,
            )),
            Score::Csat => Scores::Csat(assemble(
                opts,
                &arr::<5>(&self.all),
                groups.map(|(k, h)| (k, arr(&h))).collect(),
                CsatResult::from_counts,
            )),
            Score::Ces => Scores::Ces(assemble(
                opts,
                &arr::<7>(&self.all),
                groups.map(|(k, h)| (k, arr(&h))).collect(),
                CesResult::from_counts,
            )),
        }
    }

    pub(crate) fn fits(&self, score: Score, opts: &ScoreOptions) -> bool {
        let n = score.bins().0;
        let total = |h: &Hist| h.iter().sum::<u64>();
        let grouped: u64 = self
            .groups
            .values()
            .chain(self.pending.values())
            .map(total)
            .sum();
        self.all.len() == n
            && self
                .groups
                .values()
                .chain(self.pending.values())
                .all(|h| h.len() == n)
            && (opts.by.is_none() || grouped == total(&self.all))
            && (opts.by.is_some() || self.groups.is_empty())
            && (self.pending.is_empty() || matches!(opts.by.as_deref(), Some("stage" | "channel")))
    }
}

impl Codec for SurveyState {
    fn enc(&self, w: &mut Writer) {
        self.all.enc(w);
        self.groups.enc(w);
        self.pending.enc(w);
        self.values.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SurveyState {
            all: Codec::dec(r)?,
            groups: Codec::dec(r)?,
            pending: Codec::dec(r)?,
            values: Codec::dec(r)?,
        })
    }
}
