//! Open journeys (docs/live.md): the chance that each journey still open converts, the
//! expected number of further touches, the most probable ways on to a conversion, and the next
//! touchpoint that leads to the highest chance.
//!
//! An open journey is a customer's final non-converting conversion path: the touches after
//! their last conversion (all of them for a customer who never converted), cut as attribution
//! cuts paths (docs/attribution.md). The model is the exact absorbing Markov chain of
//! attribution, fitted on every conversion path of the log (or of the events before
//! `as_of`), at the touchpoint level by default. A journey's current state is its last k
//! touches (k = `order`); its probability of converting is the chain's absorption probability
//! `x_s` of that state, solved exactly, then (with `idle`, the default) conditioned on how long
//! the journey has been silent, from the waiting times out of that state in the fitted paths.
//!
//! ```
//! use journey_core::metrics::open_journeys::{open_journeys, OpenJourneyOptions};
//! let csv = "customer_id,timestamp,touchpoint\n\
//!            a,1,ad\na,2,site\na,3,purchase\nb,1,ad\nb,2,site\nc,1,ad\n";
//! let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
//! let opts = OpenJourneyOptions { idle: false, ..Default::default() };
//! let r = open_journeys(&log, &opts).unwrap();
//! // b waits at `site` (one of the two paths through it converted), c at `ad`.
//! let rows: Vec<_> = r.journeys().map(|j| (j.customer_id, j.probability)).collect();
//! assert_eq!(rows, [("b", Some(0.5)), ("c", Some(1.0 / 3.0))]);
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::attribution::markov::{key_at, Chain, DENSE_MAX};
use crate::metrics::attribution::{Agg, PathTable};
use crate::metrics::paths::{unknown_excluded, Cutter, Level, PathBuffer, PathOptions};
use crate::metrics::retention::TimeBound;
use crate::model::EventLog;
use crate::time::format_us;

/// Default minimum support of a recommendation: a next touch seen in fewer conversion paths
/// than this is not recommended.
pub const MIN_SUPPORT: f64 = 30.0;
/// Most partial paths the search for the top paths of one state takes from its queue.
pub const TOP_PATHS_MAX_POPS: usize = 20_000;
/// Customers per parallel task (fixed, so results never depend on the number of threads).
const CHUNK: usize = 16_384;
const NONE: u32 = u32::MAX;

fn default_order() -> usize {
    1
}

/// Options of [`open_journeys`] (`log.open_journeys(...)`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenJourneyOptions {
    /// States of touchpoints (default) or of channels.
    pub level: Level,
    /// Markov order k, 1 to 4: a state is the last k touches (default 1).
    pub order: usize,
    /// Merge consecutive repeats of the same touch into one.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from the paths.
    pub exclude: Option<Vec<String>>,
    /// Fit on the events before this time (RFC 3339 or Unix seconds) and score the journeys
    /// as they stood then. `None`: the whole log.
    pub as_of: Option<TimeBound>,
    /// Score only customers who never converted (before `as_of`), not also the journeys of
    /// customers since their last conversion.
    pub only_unconverted: bool,
    /// Minimum support (conversion paths making the transition) of a recommended next touch
    /// (default [`MIN_SUPPORT`]).
    pub min_support: f64,
    /// How many ranked next touches to list per state (default 5; the recommendation looks at
    /// all of them).
    pub next_touches: usize,
    /// How many most probable paths to a conversion to list per state (default 3; 0: none).
    pub top_paths: usize,
    /// Most further touches in a listed path (default 10).
    pub max_path_length: usize,
    /// Condition each journey on its silence since its last touch (default `true`): the chance
    /// that a walk in its state is still going after that long, from the waiting times seen in
    /// the fitted paths (see docs/live.md). `false`: the chain's probability of the state.
    pub idle: bool,
}

impl Default for OpenJourneyOptions {
    fn default() -> Self {
        OpenJourneyOptions {
            level: Level::Touchpoint,
            order: default_order(),
            collapse_repeats: false,
            exclude: None,
            as_of: None,
            only_unconverted: false,
            min_support: MIN_SUPPORT,
            next_touches: 5,
            top_paths: 3,
            max_path_length: 10,
            idle: true,
        }
    }
}

impl OpenJourneyOptions {
    pub(crate) fn check(&self) -> Result<Option<i64>> {
        if !(1..=4).contains(&self.order) {
            return Err(Error::argument(
                "order",
                format!("{}: expected 1, 2, 3 or 4", self.order),
            ));
        }
        if !self.min_support.is_finite() || self.min_support < 0.0 {
            return Err(Error::argument(
                "min_support",
                format!("{}: expected a non-negative number", self.min_support),
            ));
        }
        self.as_of.as_ref().map(|b| b.to_us("as_of")).transpose()
    }

    pub(crate) fn path_options(&self) -> PathOptions {
        PathOptions {
            level: self.level,
            lookback_us: None,
            first_conversion_only: false,
            collapse_repeats: self.collapse_repeats,
            exclude: self.exclude.clone().unwrap_or_default(),
        }
    }
}

/// What the model says about a journey's next touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The best next touch with enough support raises the probability of converting.
    Recommend,
    /// Next touches with enough support exist, but none raises the probability.
    NoUplift,
    /// No next touch was seen in at least `min_support` conversion paths: not enough data to
    /// recommend one.
    NotEnoughData,
    /// The journey's state does not occur in the paths the model was fitted on (only when an
    /// [`OpenJourneyModel`] scores a log other than its own): no probability.
    UnknownState,
}

impl Status {
    /// The status as the APIs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Recommend => "recommend",
            Status::NoUplift => "no_uplift",
            Status::NotEnoughData => "not_enough_data",
            Status::UnknownState => "unknown_state",
        }
    }
}

/// One state that open journeys are in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateScore {
    /// The last k touches, oldest first, joined with `>` (fewer at the start of a path).
    pub state: String,
    /// The newest touch of the state.
    pub last_touch: String,
    /// Open journeys in this state.
    pub open_journeys: u64,
    /// Conversion paths of the fitted log that pass through the state.
    pub paths: f64,
    /// Probability of converting from here (`None` for an unknown state).
    pub probability: Option<f64>,
    /// Expected number of further touches before the journey converts or ends.
    pub expected_touches: Option<f64>,
    /// The recommended next touch (only with status `recommend`).
    pub next_best: Option<String>,
    /// The probability of converting after it.
    pub next_best_probability: Option<f64>,
    /// `next_best_probability - probability`.
    pub uplift: Option<f64>,
    /// Conversion paths making that transition.
    pub support: Option<f64>,
    /// What the model says about the next touch.
    pub status: Status,
}

/// One touch that can come next from a state, ranked by the probability it leads to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextTouch {
    /// The state it follows.
    pub state: String,
    /// 1 = the highest probability after it.
    pub rank: u32,
    /// The touchpoint (or channel).
    pub touchpoint: String,
    /// Probability of converting after this touch.
    pub probability: f64,
    /// `probability` minus the state's probability.
    pub uplift: f64,
    /// Conversion paths making this transition.
    pub support: f64,
    /// Whether `support >= min_support`.
    pub enough_support: bool,
    /// How often the transition is the next step from the state (its chain probability).
    pub transition_probability: f64,
}

/// One of the most probable ways from a state to a conversion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopPath {
    /// The state it starts from.
    pub state: String,
    /// 1 = the most probable.
    pub rank: u32,
    /// The further touches, in order, before the conversion (empty: converting next).
    pub path: Vec<String>,
    /// The chain's probability of exactly this way.
    pub probability: f64,
}

/// The result of [`open_journeys`]: the open journeys (the table of rows), and per state their
/// scores, ranked next touches and top paths.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenJourneys {
    /// Level of the states.
    pub level: Level,
    /// Markov order.
    pub order: usize,
    /// The cut-off time, RFC 3339 (`None`: the whole log).
    pub as_of: Option<String>,
    /// The minimum support of a recommendation.
    pub min_support: f64,
    /// Conversion paths with touches the chain was fitted on.
    pub training_paths: f64,
    /// How many of them converted.
    pub training_conversions: f64,
    /// The chain's probability of converting from the start (`None` without any path).
    pub conversion_probability: Option<f64>,
    /// Names of `exclude` that are not touchpoints of the log.
    pub unknown_excluded: Vec<String>,
    /// One row per state with open journeys, in state order.
    pub states: Vec<StateScore>,
    /// Ranked next touches per state (at most `next_touches` each).
    pub next_touches: Vec<NextTouch>,
    /// Top paths per known state.
    pub top_paths: Vec<TopPath>,
    /// When the silences are measured to (`as_of`, or the log's last event), RFC 3339.
    pub idle_reference: Option<String>,
    pub(crate) ids: String,
    pub(crate) id_offsets: Vec<i64>,
    pub(crate) state_of: Vec<u32>,
    pub(crate) n_touches: Vec<u32>,
    pub(crate) last_us: Vec<i64>,
    /// Per journey: probability and expected touches (NaN: unknown state).
    pub(crate) prob: Vec<f64>,
    pub(crate) expected: Vec<f64>,
    /// Per state: the best next touch with enough support (touchpoint, probability, support).
    pub(crate) best: Vec<Option<(String, f64, f64)>>,
    pub(crate) reference_us: i64,
}

/// One open journey (a borrowed row of [`OpenJourneys`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenJourney<'a> {
    /// The customer.
    pub customer_id: &'a str,
    /// The journey's state.
    pub state: &'a str,
    /// Its last touch.
    pub last_touch: &'a str,
    /// Touches since the last conversion (or since the first event).
    pub n_touches: u32,
    /// Time of the journey's last touch (before `as_of`), RFC 3339.
    pub last_touch_time: String,
    /// Seconds from the last touch to `as_of` (or to the log's last event).
    pub idle_s: f64,
    /// Probability of converting (`None`: unknown state), given the silence with `idle`.
    pub probability: Option<f64>,
    /// Expected number of further touches.
    pub expected_touches: Option<f64>,
    /// The recommended next touch (status `recommend`): the best one with enough support,
    /// when it raises this journey's probability.
    pub next_best: Option<&'a str>,
    /// Probability of converting after it.
    pub next_best_probability: Option<f64>,
    /// Its uplift over `probability`.
    pub uplift: Option<f64>,
    /// Conversion paths making that transition.
    pub support: Option<f64>,
    /// What the model says about the next touch.
    pub status: Status,
}

impl OpenJourneys {
    /// Number of open journeys.
    pub fn len(&self) -> usize {
        self.state_of.len()
    }
    /// Whether no journey is open.
    pub fn is_empty(&self) -> bool {
        self.state_of.is_empty()
    }
    /// Open journey `i` (customer order).
    pub fn get(&self, i: usize) -> OpenJourney<'_> {
        let k = self.state_of[i] as usize;
        let s = &self.states[k];
        let p = Some(self.prob[i]).filter(|p| !p.is_nan());
        let (status, best) = match (p, &self.best[k]) {
            (None, _) => (Status::UnknownState, None),
            (Some(_), None) => (Status::NotEnoughData, None),
            (Some(p), Some(b)) if b.1 - p > 0.0 => (Status::Recommend, Some((b, b.1 - p))),
            (Some(_), Some(_)) => (Status::NoUplift, None),
        };
        OpenJourney {
            customer_id: &self.ids[self.id_offsets[i] as usize..self.id_offsets[i + 1] as usize],
            state: &s.state,
            last_touch: &s.last_touch,
            n_touches: self.n_touches[i],
            last_touch_time: format_us(self.last_us[i]),
            idle_s: (self.reference_us - self.last_us[i]) as f64 / 1e6,
            probability: p,
            expected_touches: Some(self.expected[i]).filter(|e| !e.is_nan()),
            next_best: best.map(|(b, _)| b.0.as_str()),
            next_best_probability: best.map(|(b, _)| b.1),
            uplift: best.map(|(_, u)| u),
            support: best.map(|(b, _)| b.2),
            status,
        }
    }
    /// The open journeys, in customer order.
    pub fn journeys(&self) -> impl ExactSizeIterator<Item = OpenJourney<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
    /// The state row (index into [`OpenJourneys::states`]) of journey `i`.
    pub fn state_index(&self, i: usize) -> usize {
        self.state_of[i] as usize
    }
}

impl Serialize for OpenJourneys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeSeq, SerializeStruct};
        struct Rows<'a>(&'a OpenJourneys);
        impl Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for j in self.0.journeys() {
                    seq.serialize_element(&j)?;
                }
                seq.end()
            }
        }
        let mut st = s.serialize_struct("OpenJourneys", 14)?;
        st.serialize_field("level", &self.level)?;
        st.serialize_field("order", &self.order)?;
        st.serialize_field("as_of", &self.as_of)?;
        st.serialize_field("min_support", &self.min_support)?;
        st.serialize_field("idle_reference", &self.idle_reference)?;
        st.serialize_field("training_paths", &self.training_paths)?;
        st.serialize_field("training_conversions", &self.training_conversions)?;
        st.serialize_field("conversion_probability", &self.conversion_probability)?;
        st.serialize_field("unknown_excluded", &self.unknown_excluded)?;
        st.serialize_field("n_open", &self.len())?;
        st.serialize_field("journeys", &Rows(self))?;
        st.serialize_field("states", &self.states)?;
        st.serialize_field("next_touches", &self.next_touches)?;
        st.serialize_field("top_paths", &self.top_paths)?;
        st.end()
    }
}

/// The chain fitted on the conversion paths of a log (up to a time), with what scoring needs.
#[derive(Debug)]
pub(crate) struct Fitted {
    pub(crate) names: Vec<String>,
    pub(crate) table: PathTable,
    pub(crate) chain: Chain,
    /// Absorption probability of each state.
    pub(crate) x: Vec<f64>,
    /// Distinct conversion paths (weighted) making each transition between states.
    support: FxHashMap<(u32, u32), f64>,
    /// Distinct conversion paths (weighted) through each state.
    visits: Vec<f64>,
    /// Per state, sorted: the waiting times (microseconds) from a touch in the state to the
    /// next touch or the conversion, in the fitted paths (with `idle` only).
    gaps: Vec<Vec<i64>>,
}

/// The events of customer `c` before `before` (all without it).
pub(crate) fn range_before(
    log: &EventLog,
    c: usize,
    before: Option<i64>,
) -> std::ops::Range<usize> {
    let (lo, hi) = (log.offsets()[c], log.offsets()[c + 1]);
    match before {
        Some(t) => lo..lo + log.timestamps()[lo..hi].partition_point(|&x| x < t),
        None => lo..hi,
    }
}

/// Runs `f` on fixed blocks of customers (in parallel with the `parallel` feature) and returns
/// the results in block order.
pub(crate) fn by_blocks<T: Send>(
    n: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
) -> Vec<T> {
    let blocks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(CHUNK)
        .map(|lo| lo..(lo + CHUNK).min(n))
        .collect();
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        blocks.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        blocks.into_iter().map(f).collect()
    }
}

impl Fitted {
    /// Fits the chain of `order` on the conversion paths of the events before `before`.
    pub(crate) fn new(
        log: &EventLog,
        popts: &PathOptions,
        order: usize,
        before: Option<i64>,
        idle: bool,
    ) -> Result<Fitted> {
        let cutter = Cutter::new(log, popts)?;
        let names = match popts.level {
            Level::Touchpoint => log.touchpoints().to_vec(),
            Level::Channel => log.channels().to_vec(),
        };
        let parts = by_blocks(log.n_customers(), |r| {
            let mut agg = Agg::new();
            let mut buf = PathBuffer::default();
            for c in r {
                cutter.cut(c as u32, range_before(log, c, before), &mut buf, |p| {
                    if p.converted {
                        agg.add(p.touches, 1.0, p.value, 0.0);
                    } else {
                        agg.add(p.touches, 0.0, 0.0, 1.0);
                    }
                });
            }
            agg
        });
        let mut parts = parts.into_iter();
        let mut agg = parts.next().unwrap_or_else(Agg::new);
        for a in parts {
            agg.merge(a);
        }
        let table = agg.into_table(names.clone());
        let chain = Chain::new(&table, order);
        let x = chain.absorption(&vec![false; chain.len()], DENSE_MAX)?;
        // Support: distinct paths per transition and per state (a path making a transition
        // twice counts once).
        let mut support: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        let mut visits = vec![0.0f64; chain.len()];
        let mut states: Vec<u32> = Vec::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for p in 0..table.len() {
            let w = table.conversions(p) + table.nulls(p);
            if w <= 0.0 {
                continue;
            }
            let path = table.path(p);
            states.clear();
            states.extend((0..path.len()).map(|i| {
                chain
                    .state(&key_at(path, i, order))
                    .expect("every touch of a fitted path has a state")
            }));
            pairs.clear();
            pairs.extend(states.windows(2).map(|w| (w[0], w[1])));
            pairs.sort_unstable();
            pairs.dedup();
            for &pair in &pairs {
                *support.entry(pair).or_insert(0.0) += w;
            }
            states.sort_unstable();
            states.dedup();
            for &s in &states {
                visits[s as usize] += w;
            }
        }
        let gaps = if idle {
            waiting_times(log, &cutter, &chain, order, before)
        } else {
            Vec::new()
        };
        Ok(Fitted {
            names,
            table,
            chain,
            x,
            support,
            visits,
            gaps,
        })
    }

    /// `value` (the probability or the expected touches of state `s`) given that a walk in
    /// `s` has been silent for `idle_us`: with `q` the chance of leaving `s` for a touch or the
    /// conversion (not null) and `G` the share of the waiting times out of `s` longer than the
    /// silence, `value x G / (q G + 1 - q)` (Bayes: the walk is still going with probability
    /// `q G / (q G + 1 - q)`, and `value / q` is the value given that it goes on). A silence
    /// longer than every waiting time seen gives 0.
    pub(crate) fn given_idle(&self, s: u32, value: f64, idle_us: i64) -> f64 {
        let gaps = &self.gaps[s as usize];
        if gaps.is_empty() || value == 0.0 {
            return 0.0;
        }
        let longer = gaps.len() - gaps.partition_point(|&g| g <= idle_us);
        let g = longer as f64 / gaps.len() as f64;
        let q: f64 =
            self.chain.to_conversion(s) + self.chain.successors(s).map(|(_, p, _)| p).sum::<f64>();
        let den = q * g + (1.0 - q);
        if den <= 0.0 {
            0.0
        } else {
            value * g / den
        }
    }

    /// The conversion rate of the fitted paths with at least one touch.
    pub(crate) fn overall_rate(&self) -> Option<f64> {
        let conv: f64 = (0..self.table.len())
            .map(|p| self.table.conversions(p))
            .sum();
        let all: f64 = conv
            + (0..self.table.len())
                .map(|p| self.table.nulls(p))
                .sum::<f64>();
        (all > 0.0).then(|| conv / all)
    }

    /// Per name: conversion rate of the fitted paths that contain it (`None` for names in no
    /// path).
    pub(crate) fn rate_of_paths_with(&self) -> Vec<Option<f64>> {
        let n = self.names.len();
        let (mut conv, mut all) = (vec![0.0f64; n], vec![0.0f64; n]);
        let mut seen: Vec<u32> = Vec::new();
        for p in 0..self.table.len() {
            let (c, w) = (
                self.table.conversions(p),
                self.table.conversions(p) + self.table.nulls(p),
            );
            seen.clear();
            seen.extend_from_slice(self.table.path(p));
            seen.sort_unstable();
            seen.dedup();
            for &t in &seen {
                conv[t as usize] += c;
                all[t as usize] += w;
            }
        }
        (0..n)
            .map(|t| (all[t] > 0.0).then(|| conv[t] / all[t]))
            .collect()
    }
}

/// Per state of `chain`, the sorted waiting times from each touch of the conversion paths of
/// `log` (events before `before`) to the next touch or the conversion.
fn waiting_times(
    log: &EventLog,
    cutter: &Cutter<'_>,
    chain: &Chain,
    order: usize,
    before: Option<i64>,
) -> Vec<Vec<i64>> {
    let n = chain.len();
    let parts = by_blocks(log.n_customers(), |r| {
        let mut out: Vec<Vec<i64>> = vec![Vec::new(); n];
        let mut buf = PathBuffer::default();
        for c in r {
            cutter.cut(c as u32, range_before(log, c, before), &mut buf, |p| {
                let k = p.touches.len();
                for i in 0..k {
                    let next = if i + 1 < k {
                        p.times[i + 1]
                    } else if p.converted {
                        p.end_time
                    } else {
                        continue;
                    };
                    if let Some(s) = chain.state(&key_at(p.touches, i, order)) {
                        out[s as usize].push(next - p.times[i]);
                    }
                }
            });
        }
        out
    });
    let mut gaps: Vec<Vec<i64>> = vec![Vec::new(); n];
    for part in parts {
        for (g, mut p) in gaps.iter_mut().zip(part) {
            if g.is_empty() {
                *g = p;
            } else {
                g.append(&mut p);
            }
        }
    }
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        gaps.par_iter_mut().for_each(|g| g.sort_unstable());
    }
    #[cfg(not(feature = "parallel"))]
    for g in &mut gaps {
        g.sort_unstable();
    }
    gaps
}

/// An open journey found by [`scan_open`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Open {
    pub(crate) customer: u32,
    pub(crate) key: [u32; 4],
    pub(crate) last: u32,
    pub(crate) n_touches: u32,
    pub(crate) last_us: i64,
}

/// The open journeys of `log` as they stood before `before`, in customer order.
pub(crate) fn scan_open(
    log: &EventLog,
    popts: &PathOptions,
    order: usize,
    before: Option<i64>,
    only_unconverted: bool,
) -> Result<Vec<Open>> {
    let cutter = Cutter::new(log, popts)?;
    let parts = by_blocks(log.n_customers(), |r| {
        let mut out = Vec::new();
        let mut buf = PathBuffer::default();
        for c in r {
            let mut converted = false;
            let mut open: Option<Open> = None;
            cutter.cut(c as u32, range_before(log, c, before), &mut buf, |p| {
                if p.converted {
                    converted = true;
                } else if let Some(&last) = p.touches.last() {
                    open = Some(Open {
                        customer: c as u32,
                        key: key_at(p.touches, p.touches.len() - 1, order),
                        last,
                        n_touches: p.touches.len() as u32,
                        last_us: p.times[p.times.len() - 1],
                    });
                }
            });
            if let Some(o) = open {
                if !(only_unconverted && converted) {
                    out.push(o);
                }
            }
        }
        out
    });
    Ok(parts.into_iter().flatten().collect())
}

/// A partial path of the top-paths search: its probability and states (the conversion as
/// `NONE` at the end of a complete one). The heap pops the most probable first, ties by path.
#[derive(Debug, PartialEq)]
struct Partial {
    p: f64,
    path: Vec<u32>,
}
impl Eq for Partial {}
impl Ord for Partial {
    fn cmp(&self, o: &Self) -> Ordering {
        self.p.total_cmp(&o.p).then_with(|| o.path.cmp(&self.path))
    }
}
impl PartialOrd for Partial {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// The `k` most probable walks from state `s` to the conversion with at most `max_len`
/// further touches, most probable first: a best-first search (extending a walk never raises
/// its probability, so complete walks come off the queue in order), at most
/// [`TOP_PATHS_MAX_POPS`] pops.
fn top_paths(chain: &Chain, s: u32, k: usize, max_len: usize) -> Vec<(Vec<u32>, f64)> {
    let mut out = Vec::new();
    if k == 0 {
        return out;
    }
    let mut heap = BinaryHeap::new();
    heap.push(Partial {
        p: 1.0,
        path: Vec::new(),
    });
    let mut pops = 0;
    while let Some(Partial { p, path }) = heap.pop() {
        if path.last() == Some(&NONE) {
            out.push((path[..path.len() - 1].to_vec(), p));
            if out.len() == k {
                break;
            }
            continue;
        }
        pops += 1;
        if pops > TOP_PATHS_MAX_POPS {
            break;
        }
        let at = path.last().copied().unwrap_or(s);
        let conv = chain.to_conversion(at);
        if conv > 0.0 {
            let mut done = path.clone();
            done.push(NONE);
            heap.push(Partial {
                p: p * conv,
                path: done,
            });
        }
        if path.len() < max_len {
            for (t, q, _) in chain.successors(at) {
                let mut next = path.clone();
                next.push(t);
                heap.push(Partial {
                    p: p * q,
                    path: next,
                });
            }
        }
    }
    out
}

/// Scores every open journey of `log` (see the module docs and docs/live.md): fits the chain
/// and scores in one call ([`OpenJourneyModel`] does the two steps apart).
pub fn open_journeys(log: &EventLog, opts: &OpenJourneyOptions) -> Result<OpenJourneys> {
    OpenJourneyModel::fit(log, opts)?.score(log)
}

/// The chain fitted for [`open_journeys`], to score the same log again without fitting again
/// (and to time the two steps apart).
///
/// ```
/// use journey_core::metrics::open_journeys::{OpenJourneyModel, OpenJourneyOptions};
/// let (log, _) = journey_core::synthetic(1_000, 1);
/// let model = OpenJourneyModel::fit(&log, &OpenJourneyOptions::default()).unwrap();
/// let scored = model.score(&log).unwrap();
/// assert!(scored.len() > 900);
/// ```
#[derive(Debug)]
pub struct OpenJourneyModel {
    opts: OpenJourneyOptions,
    before: Option<i64>,
    fit: Fitted,
}

impl OpenJourneyModel {
    /// Fits the chain on the conversion paths of `log` (before `as_of` if given).
    pub fn fit(log: &EventLog, opts: &OpenJourneyOptions) -> Result<OpenJourneyModel> {
        let before = opts.check()?;
        let fit = Fitted::new(log, &opts.path_options(), opts.order, before, opts.idle)?;
        Ok(OpenJourneyModel {
            opts: opts.clone(),
            before,
            fit,
        })
    }

    /// Scores the journeys of `log` open at `as_of` (or at the end). `log` must name the same
    /// touchpoints (or channels) as the log the model was fitted on, usually that log itself.
    pub fn score(&self, log: &EventLog) -> Result<OpenJourneys> {
        let names = match self.opts.level {
            Level::Touchpoint => log.touchpoints(),
            Level::Channel => log.channels(),
        };
        if names != self.fit.names.as_slice() {
            return Err(Error::argument(
                "log",
                "its names differ from those of the log the model was fitted on",
            ));
        }
        let opens = scan_open(
            log,
            &self.opts.path_options(),
            self.opts.order,
            self.before,
            self.opts.only_unconverted,
        )?;
        score(log, &self.opts, self.before, &self.fit, &opens)
    }
}

/// The distinct states of some open journeys.
struct OpenStates {
    /// The states' keys, in the order first seen.
    keys: Vec<[u32; 4]>,
    /// The states (indices into `keys`) in tuple order.
    by_key: Vec<u32>,
    /// Each open journey's state, as its rank in tuple order.
    state_of: Vec<u32>,
    /// The number of open journeys of each state (by rank).
    counts: Vec<u64>,
}

impl OpenStates {
    fn of(opens: &[Open]) -> OpenStates {
        let mut index: FxHashMap<[u32; 4], u32> = FxHashMap::default();
        let mut keys: Vec<[u32; 4]> = Vec::new();
        let mut state_of: Vec<u32> = Vec::with_capacity(opens.len());
        for o in opens {
            let next = keys.len() as u32;
            let s = *index.entry(o.key).or_insert_with(|| {
                keys.push(o.key);
                next
            });
            state_of.push(s);
        }
        let mut by_key: Vec<u32> = (0..keys.len() as u32).collect();
        by_key.sort_unstable_by_key(|&k| keys[k as usize]);
        let mut remap = vec![0u32; keys.len()];
        for (new, &old) in by_key.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        for s in &mut state_of {
            *s = remap[*s as usize];
        }
        let mut counts = vec![0u64; keys.len()];
        for &s in &state_of {
            counts[s as usize] += 1;
        }
        OpenStates {
            keys,
            by_key,
            state_of,
            counts,
        }
    }
}

/// The result of [`open_journeys`] from a fitted chain and the open journeys.
pub(crate) fn score(
    log: &EventLog,
    opts: &OpenJourneyOptions,
    before: Option<i64>,
    fit: &Fitted,
    opens: &[Open],
) -> Result<OpenJourneys> {
    // Long because the rows of the states, of their next touches and top paths and of the
    // open journeys are made in one pass per table from the same chain and fit; the
    // distinct states and the top paths are split out.
    let chain = &fit.chain;
    let order = opts.order;
    // The distinct states of the open journeys, in tuple order.
    let OpenStates {
        keys,
        by_key,
        state_of,
        counts,
    } = OpenStates::of(opens);
    let e = if keys.is_empty() {
        Vec::new()
    } else {
        chain.expected_touches()?
    };
    let names = &fit.names;
    let key_name = |key: &[u32; 4]| {
        key[..order]
            .iter()
            .filter(|&&k| k != 0)
            .map(|&k| names[k as usize - 1].as_str())
            .collect::<Vec<_>>()
            .join(">")
    };
    let mut states = Vec::with_capacity(keys.len());
    let mut chain_state: Vec<Option<u32>> = Vec::with_capacity(keys.len());
    let mut best_of: Vec<Option<(String, f64, f64)>> = Vec::with_capacity(keys.len());
    let mut next_touches = Vec::new();
    let mut top = Vec::new();
    for (j, &old) in by_key.iter().enumerate() {
        let key = keys[old as usize];
        let name = key_name(&key);
        let last_touch = names[key[order - 1] as usize - 1].clone();
        // Scoring the log it was fitted on, the open path is one of the fitted paths (same
        // cut, same time), so its state is in the chain; another log may hold new states.
        let Some(s) = chain.state(&key) else {
            chain_state.push(None);
            best_of.push(None);
            states.push(StateScore {
                state: name,
                last_touch,
                open_journeys: counts[j],
                paths: 0.0,
                probability: None,
                expected_touches: None,
                next_best: None,
                next_best_probability: None,
                uplift: None,
                support: None,
                status: Status::UnknownState,
            });
            continue;
        };
        let xs = fit.x[s as usize];
        // Candidates: the touches seen next from here, by the probability they lead to, ties
        // by name.
        let mut cands: Vec<NextTouch> = chain
            .successors(s)
            .map(|(t, q, _)| {
                let support = fit.support.get(&(s, t)).copied().unwrap_or(0.0);
                NextTouch {
                    state: name.clone(),
                    rank: 0,
                    touchpoint: names[chain.newest(t) as usize].clone(),
                    probability: fit.x[t as usize],
                    uplift: fit.x[t as usize] - xs,
                    support,
                    enough_support: support >= opts.min_support,
                    transition_probability: q,
                }
            })
            .collect();
        cands.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.touchpoint.cmp(&b.touchpoint))
        });
        for (r, c) in cands.iter_mut().enumerate() {
            c.rank = r as u32 + 1;
        }
        let best = cands.iter().find(|c| c.enough_support);
        let status = match best {
            None => Status::NotEnoughData,
            Some(b) if b.uplift > 0.0 => Status::Recommend,
            Some(_) => Status::NoUplift,
        };
        let rec = best.filter(|_| status == Status::Recommend);
        chain_state.push(Some(s));
        best_of.push(best.map(|b| (b.touchpoint.clone(), b.probability, b.support)));
        states.push(StateScore {
            state: name.clone(),
            last_touch,
            open_journeys: counts[j],
            paths: fit.visits[s as usize],
            probability: Some(xs),
            expected_touches: Some(e[s as usize]),
            next_best: rec.map(|b| b.touchpoint.clone()),
            next_best_probability: rec.map(|b| b.probability),
            uplift: rec.map(|b| b.uplift),
            support: rec.map(|b| b.support),
            status,
        });
        cands.truncate(opts.next_touches);
        next_touches.extend(cands);
        for (r, (path, p)) in top_paths(chain, s, opts.top_paths, opts.max_path_length)
            .into_iter()
            .enumerate()
        {
            top.push(TopPath {
                state: name.clone(),
                rank: r as u32 + 1,
                path: path
                    .iter()
                    .map(|&t| names[chain.newest(t) as usize].clone())
                    .collect(),
                probability: p,
            });
        }
    }
    let mut ids = String::new();
    let mut id_offsets = Vec::with_capacity(opens.len() + 1);
    id_offsets.push(0i64);
    let all_ids = log.customer_ids();
    for o in opens {
        ids.push_str(&all_ids[o.customer as usize]);
        id_offsets.push(ids.len() as i64);
    }
    let training_conversions: f64 = (0..fit.table.len()).map(|p| fit.table.conversions(p)).sum();
    let training_paths = training_conversions
        + (0..fit.table.len())
            .map(|p| fit.table.nulls(p))
            .sum::<f64>();
    let has_paths = training_paths > 0.0;
    // Silences are measured to `as_of`, or to the last event of the log.
    let reference_us =
        before.unwrap_or_else(|| log.timestamps().iter().copied().max().unwrap_or(0));
    let (mut prob, mut expected) = (
        Vec::with_capacity(opens.len()),
        Vec::with_capacity(opens.len()),
    );
    for (o, &k) in opens.iter().zip(&state_of) {
        let (p, ex) = match chain_state[k as usize] {
            None => (f64::NAN, f64::NAN),
            Some(s) if opts.idle => {
                let idle = reference_us - o.last_us;
                (
                    fit.given_idle(s, fit.x[s as usize], idle),
                    fit.given_idle(s, e[s as usize], idle),
                )
            }
            Some(s) => (fit.x[s as usize], e[s as usize]),
        };
        prob.push(p);
        expected.push(ex);
    }
    Ok(OpenJourneys {
        level: opts.level,
        order,
        as_of: before.map(format_us),
        min_support: opts.min_support,
        training_paths,
        training_conversions,
        conversion_probability: has_paths.then(|| chain.probability_from_start(&fit.x)),
        unknown_excluded: unknown_excluded(log, opts.exclude.as_deref().unwrap_or(&[])),
        states,
        next_touches,
        top_paths: top,
        ids,
        id_offsets,
        state_of,
        n_touches: opens.iter().map(|o| o.n_touches).collect(),
        last_us: opens.iter().map(|o| o.last_us).collect(),
        idle_reference: opts.idle.then(|| format_us(reference_us)),
        prob,
        expected,
        best: best_of,
        reference_us,
    })
}

impl EventLog {
    /// [`open_journeys`] of this log.
    pub fn open_journeys(&self, opts: &OpenJourneyOptions) -> Result<OpenJourneys> {
        open_journeys(self, opts)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::fixtures::cells;
    use crate::model::{Column, Table, Tabular};
    use crate::{read_events_csv, LoadOptions};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Three states a, b, c (touchpoints), worked by hand. The conversion paths:
    ///
    /// ```text
    /// u1: a > b > purchase          converts
    /// u2: a > b > a                 open (null)
    /// u3: a > c > purchase          converts
    /// u4: b                         open
    /// u5: c > purchase, then c      converts, then open
    /// u6: c > purchase              converts
    /// ```
    ///
    /// Transitions: start -> a 3, b 1, c 3; a -> b 2, c 1, null 1; b -> conversion 1, a 1,
    /// null 1; c -> conversion 3, null 1. So P(a -> b) = 1/2, P(a -> c) = 1/4, P(a -> null) =
    /// 1/4; b goes to conversion, a and null 1/3 each; c converts with 3/4.
    ///
    /// Absorption: x_c = 3/4; x_a = 1/2 x_b + 1/4 x_c = 1/2 x_b + 3/16; x_b = 1/3 + 1/3 x_a
    /// = 1/3 + 1/6 x_b + 1/16, so 5/6 x_b = 19/48, x_b = 19/40 and x_a = 19/80 + 15/80 =
    /// 17/40. From the start: (3 x 17/40 + 19/40 + 3 x 3/4) / 7 = 4/7, the 4 converting
    /// paths of 7.
    ///
    /// Expected further touches: E_c = 0; E_a = 1/2 (1 + E_b) + 1/4 (1 + E_c) = 3/4 + 1/2 E_b;
    /// E_b = 1/3 (1 + E_a) = 7/12 + 1/6 E_b, so E_b = 7/10 and E_a = 11/10.
    ///
    /// Next touches from a: c (3/4, uplift 3/4 - 17/40 = 13/40, in 1 path: u3) and b (19/40,
    /// uplift 1/20, in 2 paths: u1 and u2). From b: a (17/40, uplift -1/20, 1 path: u2).
    ///
    /// Top paths from a: [c] 1/4 x 3/4 = 3/16, [b] 1/2 x 1/3 = 1/6, [b, a, c] 1/2 x 1/3 x 1/4
    /// x 3/4 = 1/32 (then [b, a, b] 1/36). From b: [] 1/3, [a, c] 1/3 x 1/4 x 3/4 = 1/16,
    /// [a, b] 1/3 x 1/2 x 1/3 = 1/18. From c: [] 3/4 only (c leads to no touch).
    const THREE: &str = "customer_id,timestamp,touchpoint\n\
        u1,1,a\nu1,2,b\nu1,3,purchase\n\
        u2,1,a\nu2,2,b\nu2,3,a\n\
        u3,1,a\nu3,2,c\nu3,3,purchase\n\
        u4,1,b\n\
        u5,1,c\nu5,2,purchase\nu5,3,c\n\
        u6,1,c\nu6,2,purchase\n";

    pub(crate) fn three() -> EventLog {
        read_events_csv(THREE.as_bytes(), &LoadOptions::default()).unwrap()
    }

    fn state<'a>(r: &'a OpenJourneys, name: &str) -> &'a StateScore {
        r.states.iter().find(|s| s.state == name).unwrap()
    }

    #[test]
    fn three_state_chain_by_hand() {
        let log = three();
        // Without conditioning on the silence: the chain's own probabilities.
        let opts = OpenJourneyOptions {
            min_support: 2.0,
            idle: false,
            ..Default::default()
        };
        let r = open_journeys(&log, &opts).unwrap();
        assert!(close(r.conversion_probability.unwrap(), 4.0 / 7.0));
        assert_eq!((r.training_paths, r.training_conversions), (7.0, 4.0));
        let rows: Vec<(&str, &str, u32)> = r
            .journeys()
            .map(|j| (j.customer_id, j.state, j.n_touches))
            .collect();
        assert_eq!(rows, [("u2", "a", 3), ("u4", "b", 1), ("u5", "c", 1)]);
        let want = [
            (17.0 / 40.0, 11.0 / 10.0),
            (19.0 / 40.0, 7.0 / 10.0),
            (3.0 / 4.0, 0.0),
        ];
        for (j, (p, e)) in r.journeys().zip(want) {
            assert!(close(j.probability.unwrap(), p), "{j:?}");
            assert!(close(j.expected_touches.unwrap(), e), "{j:?}");
        }
        // a: c leads highest but was seen in 1 path only; b (2 paths) is recommended.
        let a = state(&r, "a");
        assert_eq!(a.status, Status::Recommend);
        assert_eq!(a.next_best.as_deref(), Some("b"));
        assert!(close(a.uplift.unwrap(), 1.0 / 20.0));
        assert_eq!((a.support, a.paths), (Some(2.0), 3.0));
        let next: Vec<(&str, u32, &str, f64, bool)> = r
            .next_touches
            .iter()
            .map(|n| {
                (
                    n.state.as_str(),
                    n.rank,
                    n.touchpoint.as_str(),
                    n.support,
                    n.enough_support,
                )
            })
            .collect();
        assert_eq!(
            next,
            [
                ("a", 1, "c", 1.0, false),
                ("a", 2, "b", 2.0, true),
                ("b", 1, "a", 1.0, false)
            ]
        );
        assert!(close(r.next_touches[0].uplift, 13.0 / 40.0));
        assert!(close(r.next_touches[0].transition_probability, 0.25));
        assert!(close(r.next_touches[2].uplift, -1.0 / 20.0));
        // b: its only next touch has support 1 < 2; c leads to no touch at all.
        assert_eq!(state(&r, "b").status, Status::NotEnoughData);
        assert_eq!(state(&r, "c").status, Status::NotEnoughData);
        assert_eq!(r.get(1).next_best, None);
        let top: Vec<(&str, Vec<&str>, f64)> = r
            .top_paths
            .iter()
            .map(|t| {
                (
                    t.state.as_str(),
                    t.path.iter().map(String::as_str).collect(),
                    t.probability,
                )
            })
            .collect();
        let want: [(&str, Vec<&str>, f64); 7] = [
            ("a", vec!["c"], 3.0 / 16.0),
            ("a", vec!["b"], 1.0 / 6.0),
            ("a", vec!["b", "a", "c"], 1.0 / 32.0),
            ("b", vec![], 1.0 / 3.0),
            ("b", vec!["a", "c"], 1.0 / 16.0),
            ("b", vec!["a", "b"], 1.0 / 18.0),
            ("c", vec![], 3.0 / 4.0),
        ];
        assert_eq!(top.len(), want.len());
        for (got, want) in top.iter().zip(&want) {
            assert_eq!((got.0, &got.1), (want.0, &want.1));
            assert!(close(got.2, want.2), "{got:?}");
        }
        // Support 1 is enough: a's best is c; b's only next touch lowers the probability.
        let loose = open_journeys(
            &log,
            &OpenJourneyOptions {
                min_support: 1.0,
                idle: false,
                ..Default::default()
            },
        )
        .unwrap();
        let a = state(&loose, "a");
        assert_eq!(
            (a.status, a.next_best.as_deref()),
            (Status::Recommend, Some("c"))
        );
        assert!(close(a.uplift.unwrap(), 13.0 / 40.0));
        assert_eq!(state(&loose, "b").status, Status::NoUplift);
        // The default minimum (30 paths) recommends nothing on seven paths.
        let strict = open_journeys(&log, &OpenJourneyOptions::default()).unwrap();
        assert!(strict
            .states
            .iter()
            .all(|s| s.status == Status::NotEnoughData && s.next_best.is_none()));
    }

    /// One state s: x1 converts 10 s after s, x2 100 s after; x3, x4, x5 wait at s, last
    /// touched at 0, 50 and 95; the log ends at 100. s -> conversion 2 of 5: x_s = q = 2/5,
    /// waiting times [10, 100]. Silences: x3 100 s (no waiting time is longer: 0); x4 50 s
    /// (G = 1/2: 2/5 x 1/2 / (2/5 x 1/2 + 3/5) = 1/4); x5 5 s (G = 1: 2/5 / 1 = 2/5).
    #[test]
    fn silence_by_hand() {
        let csv = "customer_id,timestamp,touchpoint\n\
            x1,0,s\nx1,10,purchase\nx2,0,s\nx2,100,purchase\n\
            x3,0,s\nx4,50,s\nx5,95,s\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let r = open_journeys(&log, &OpenJourneyOptions::default()).unwrap();
        assert_eq!(r.idle_reference.as_deref(), Some("1970-01-01T00:01:40Z"));
        let rows: Vec<(&str, f64, f64)> = r
            .journeys()
            .map(|j| (j.customer_id, j.idle_s, j.probability.unwrap()))
            .collect();
        assert_eq!(rows[0], ("x3", 100.0, 0.0));
        assert_eq!((rows[1].0, rows[1].1), ("x4", 50.0));
        assert!(close(rows[1].2, 0.25));
        assert_eq!((rows[2].0, rows[2].1), ("x5", 5.0));
        assert!(close(rows[2].2, 0.4));
        // The state's own row is the chain's: 2/5 whatever the silence.
        assert!(close(r.states[0].probability.unwrap(), 0.4));
    }

    #[test]
    fn only_unconverted_and_as_of() {
        let log = three();
        let r = open_journeys(
            &log,
            &OpenJourneyOptions {
                only_unconverted: true,
                ..Default::default()
            },
        )
        .unwrap();
        let ids: Vec<&str> = r.journeys().map(|j| j.customer_id).collect();
        assert_eq!(ids, ["u2", "u4"]);
        // Before t = 3: u1 and u3 are open (a > b, a > c) and u2 too (a > b); u5, u6 have
        // converted, u4 waits at b. Paths: a>b null x2, a>c null, b null, c conv x2:
        // x_b = 0, x_c = 2/3 (c -> conv 2, null 1 of u3), x_a = 1/3 x_c = 2/9.
        let r = open_journeys(
            &log,
            &OpenJourneyOptions {
                as_of: Some(TimeBound::UnixSeconds(3)),
                idle: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.as_of.as_deref(), Some("1970-01-01T00:00:03Z"));
        let rows: Vec<(&str, &str, f64)> = r
            .journeys()
            .map(|j| (j.customer_id, j.state, j.probability.unwrap()))
            .collect();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
            [("u1", "b"), ("u2", "b"), ("u3", "c"), ("u4", "b")]
        );
        assert_eq!(rows[0].2, 0.0);
        assert!(close(rows[2].2, 2.0 / 3.0));
        assert_eq!(r.get(0).last_touch_time, "1970-01-01T00:00:02Z");
    }

    #[test]
    fn second_order_and_bad_options() {
        // Order 2 on the same log: u2 waits at (b, a), which only u2 reached (and left for
        // null): probability 0, no next touch.
        let log = three();
        let r = open_journeys(
            &log,
            &OpenJourneyOptions {
                order: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let rows: Vec<(&str, &str, Status)> = r
            .journeys()
            .map(|j| (j.customer_id, j.state, j.status))
            .collect();
        assert_eq!(
            rows,
            [
                ("u2", "b>a", Status::NotEnoughData),
                ("u4", "b", Status::NotEnoughData),
                ("u5", "c", Status::NotEnoughData)
            ]
        );
        assert_eq!(r.get(0).probability, Some(0.0));
        // (start, b) -> null only (u4): 0; (start, c) -> conversion 2 of 3 (u5 twice, u6;
        // u3's c is the state (a, c)).
        assert_eq!(r.get(1).probability, Some(0.0));
        assert!(close(r.get(2).probability.unwrap(), 2.0 / 3.0));
        // A model fitted on this log scoring another with the same touchpoints: v waits at
        // (c, a), which no fitted path reached.
        let other = read_events_csv(
            "customer_id,timestamp,touchpoint\nv,1,c\nv,2,a\nw,1,b\nw,2,purchase\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        let model = OpenJourneyModel::fit(
            &log,
            &OpenJourneyOptions {
                order: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let s = model.score(&other).unwrap();
        let j = s.get(0);
        assert_eq!(
            (j.customer_id, j.state, j.status),
            ("v", "c>a", Status::UnknownState)
        );
        assert_eq!((j.probability, j.expected_touches), (None, None));
        let fewer = read_events_csv(
            "customer_id,timestamp,touchpoint\nv,1,c\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        let e = model.score(&fewer).unwrap_err();
        assert!(e.to_string().contains("names differ"), "{e}");
        // Bad options are clear errors.
        for (o, name) in [
            (
                OpenJourneyOptions {
                    order: 5,
                    ..Default::default()
                },
                "order",
            ),
            (
                OpenJourneyOptions {
                    min_support: -1.0,
                    ..Default::default()
                },
                "min_support",
            ),
            (
                OpenJourneyOptions {
                    as_of: Some(TimeBound::Text("yesterday".into())),
                    ..Default::default()
                },
                "as_of",
            ),
        ] {
            let e = open_journeys(&log, &o).unwrap_err();
            assert_eq!(e.code(), "invalid_argument");
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn empty_log_and_tables() {
        let log = read_events_csv(
            "customer_id,timestamp,touchpoint\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        let r = open_journeys(&log, &OpenJourneyOptions::default()).unwrap();
        assert!(r.is_empty());
        assert_eq!(r.conversion_probability, None);
        let r = open_journeys(&three(), &OpenJourneyOptions::default()).unwrap();
        let t = r.table().unwrap();
        assert_eq!(t.rows, 3);
        let names: Vec<&str> = t.columns.iter().map(|c| c.0.as_ref()).collect();
        assert_eq!(
            names,
            [
                "customer_id",
                "expected_touches",
                "idle_s",
                "last_touch",
                "last_touch_time",
                "n_touches",
                "next_best",
                "next_best_probability",
                "probability",
                "state",
                "status",
                "support",
                "uplift"
            ]
        );
        // The columns hold what the JSON rows hold.
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["n_open"], 3);
        assert_eq!(json["journeys"][1]["customer_id"], "u4");
        assert_eq!(json["journeys"][1]["status"], "not_enough_data");
        assert_eq!(
            t.column("customer_id").unwrap(),
            &Column::joined_from(["u2", "u4", "u5"])
        );
        assert_eq!(r.other_tables(), ["states", "next_touches", "top_paths"]);
        assert_eq!(r.table_named("top_paths").unwrap().unwrap().rows, 7);
        // Every cell of the columns equals the serde rows, with every status present.
        let log = three();
        for (idle, min_support) in [(false, 1.0), (false, 2.0), (true, 1.0)] {
            let r = open_journeys(
                &log,
                &OpenJourneyOptions {
                    idle,
                    min_support,
                    ..Default::default()
                },
            )
            .unwrap();
            let rows: Vec<OpenJourney<'_>> = r.journeys().collect();
            assert_eq!(
                cells(&r.table().unwrap()),
                cells(&Table::from_rows(&rows).unwrap())
            );
        }
    }

    /// The rows in reverse order give the same result, to the bit.
    #[test]
    fn independent_of_row_order() {
        let mut lines: Vec<&str> = THREE.lines().collect();
        lines[1..].reverse();
        let reversed =
            read_events_csv(lines.join("\n").as_bytes(), &LoadOptions::default()).unwrap();
        for order in 1..=3 {
            let opts = OpenJourneyOptions {
                order,
                min_support: 1.0,
                ..Default::default()
            };
            let a = serde_json::to_string(&open_journeys(&three(), &opts).unwrap()).unwrap();
            let b = serde_json::to_string(&open_journeys(&reversed, &opts).unwrap()).unwrap();
            assert_eq!(a, b, "order {order}");
        }
    }
}

/// The docs' code blocks (docs/live.md), compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/live.md")]
pub struct LiveGuide;
