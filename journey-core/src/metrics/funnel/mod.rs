//! Funnels and drop-off (docs/journeys.md).
//!
//! Steps `s1..sk` (each a touchpoint or a set of touchpoints), a conversion window `W` (from the
//! step-1 event) and a mode:
//!
//! - [`FunnelMode::Ordered`] (default): every step-1 event starts an attempt; step `j` is the
//!   earliest event matching `s_j` that comes after step `j - 1`'s event in the customer's order
//!   (the stable time order, so an event with the same timestamp but later in the order counts
//!   as after, and a touchpoint repeated in two steps needs two events) and at most `W` after the
//!   step-1 event.
//! - [`FunnelMode::Strict`]: as ordered, but the matched events must be consecutive events of
//!   the customer (no other event in between).
//! - [`FunnelMode::Any`]: the steps may happen in any order; step `j` is reached when
//!   `s1..sj` are matched by distinct events that all lie within `W` of the first of them.
//!
//! A customer counts at the furthest step any attempt reached; among attempts reaching it, the
//! earliest is the customer's counted attempt, whose times give the time-from-previous-step
//! statistics. Exclusions void an attempt when an excluded touchpoint occurs between two of its
//! steps. See `docs/journeys.md` for the full rules and worked examples.

use serde::{Deserialize, Serialize};

use super::distribution::Samples;
use super::fold::fold_customers;
use super::retention::{last_event, Period, TimeBound};
use crate::error::{Error, Result};
use crate::model::{EventLog, NO_ID};
use crate::time::format_us;
use crate::time::Duration;

/// Most steps (and most exclusions) a funnel may have.
pub const MAX_STEPS: usize = 64;

const NONE: u32 = u32::MAX;

/// How funnel steps must follow each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelMode {
    /// Steps in order, other events allowed in between (the default).
    #[default]
    Ordered,
    /// Steps in order as consecutive events.
    Strict,
    /// Steps in any order within the window (`"any"`, also accepted as `"any_order"`).
    #[serde(alias = "any_order")]
    Any,
}

impl std::str::FromStr for FunnelMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "ordered" => Ok(FunnelMode::Ordered),
            "strict" => Ok(FunnelMode::Strict),
            "any" | "any_order" => Ok(FunnelMode::Any),
            _ => Err(Error::argument(
                "mode",
                format!("{s:?}: expected \"ordered\", \"strict\" or \"any\""),
            )),
        }
    }
}

/// One funnel step: a touchpoint, or a set of touchpoints any of which completes the step.
/// In JSON a string, an array of strings, or an object
/// `{"touchpoint": "x" | ["x", "y"], "optional": true}` for a step that may be skipped
/// (see [`StepSpec`] and `docs/journeys.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum FunnelStep {
    /// One touchpoint.
    Touchpoint(String),
    /// Any of these touchpoints.
    AnyOf(Vec<String>),
    /// A step given as an object, which may be marked optional.
    Spec(StepSpec),
}

/// A funnel step given as an object: its touchpoints and whether it may be skipped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StepSpec {
    /// Any of these touchpoints completes the step.
    pub touchpoint: Vec<String>,
    /// The step may be skipped: the customers who skip it still go on to the next step
    /// (`metrics::funnel_optional`; the first and the last step cannot be optional).
    pub optional: bool,
}

impl FunnelStep {
    /// An optional step over these touchpoints.
    pub fn optional<S: AsRef<str>>(names: &[S]) -> Self {
        FunnelStep::Spec(StepSpec {
            touchpoint: names.iter().map(|s| s.as_ref().to_string()).collect(),
            optional: true,
        })
    }
    /// The touchpoint names of the step.
    pub fn names(&self) -> &[String] {
        match self {
            FunnelStep::Touchpoint(s) => std::slice::from_ref(s),
            FunnelStep::AnyOf(v) => v,
            FunnelStep::Spec(s) => &s.touchpoint,
        }
    }
    /// Whether the step may be skipped.
    pub fn is_optional(&self) -> bool {
        matches!(self, FunnelStep::Spec(s) if s.optional)
    }
    /// Display label: the names joined with `" | "`.
    pub fn label(&self) -> String {
        self.names().join(" | ")
    }
}

impl From<&str> for FunnelStep {
    fn from(s: &str) -> Self {
        FunnelStep::Touchpoint(s.to_string())
    }
}

impl<S: AsRef<str>> From<&[S]> for FunnelStep {
    fn from(v: &[S]) -> Self {
        FunnelStep::AnyOf(v.iter().map(|s| s.as_ref().to_string()).collect())
    }
}

/// An exclusion step: attempts in which one of these touchpoints occurs between two steps are
/// void. In JSON a string, an array of strings (between the first and the last step), or an
/// object `{"touchpoint": "x" | ["x", "y"], "from_step": 1, "to_step": 3}` (1-based steps,
/// defaults: first and last step; also spelled `fromStep` / `toStep`, as in JavaScript).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Exclusion {
    /// One touchpoint, between the first and the last step.
    Touchpoint(String),
    /// Any of these touchpoints, between the first and the last step.
    AnyOf(Vec<String>),
    /// Touchpoints between two given steps.
    Between(ExclusionRange),
}

/// Touchpoints excluded between two steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExclusionRange {
    /// The excluded touchpoint(s).
    pub touchpoint: FunnelStep,
    /// 1-based step after which the exclusion applies (default 1).
    pub from_step: Option<usize>,
    /// 1-based step before which the exclusion applies (default: the last step).
    pub to_step: Option<usize>,
}

pub(crate) mod de;
mod matcher;
pub(crate) use matcher::{Matcher, Scratch};

impl Exclusion {
    fn parts(&self) -> (&[String], Option<usize>, Option<usize>) {
        match self {
            Exclusion::Touchpoint(s) => (std::slice::from_ref(s), None, None),
            Exclusion::AnyOf(v) => (v, None, None),
            Exclusion::Between(r) => (r.touchpoint.names(), r.from_step, r.to_step),
        }
    }
}

/// When a funnel is counted, for its open windows ([`FunnelOptions::as_of`]).
///
/// In JSON (and from Python and JavaScript): `"end"`, absent or `null` is [`AsOf::End`]; RFC
/// 3339 text or integer Unix seconds is [`AsOf::At`]; `false` is [`AsOf::Off`] (`true` is
/// taken as `"end"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AsOf {
    /// At the last event of the log (the default): no event is left out.
    #[default]
    End,
    /// At this time: later events are ignored.
    At(TimeBound),
    /// No open-window accounting: every customer who stopped counts as dropped, and the
    /// result has no `open`.
    Off,
}

impl AsOf {
    /// Whether open windows are counted (anything but [`AsOf::Off`]).
    pub fn is_on(&self) -> bool {
        !matches!(self, AsOf::Off)
    }

    /// The fixed time of [`AsOf::At`] in microseconds (`None` for the end, or off); `"end"`
    /// given as text is the end.
    pub(crate) fn fixed_us(&self) -> Result<Option<i64>> {
        match self {
            AsOf::At(TimeBound::Text(t)) if t.trim() == "end" => Ok(None),
            AsOf::At(b) => b.to_us("as_of").map(Some),
            AsOf::End | AsOf::Off => Ok(None),
        }
    }
}

impl From<TimeBound> for AsOf {
    fn from(b: TimeBound) -> Self {
        AsOf::At(b)
    }
}

impl From<&str> for AsOf {
    fn from(s: &str) -> Self {
        if s.trim() == "end" {
            AsOf::End
        } else {
            AsOf::At(s.into())
        }
    }
}

impl From<i64> for AsOf {
    fn from(secs: i64) -> Self {
        AsOf::At(TimeBound::UnixSeconds(secs))
    }
}

impl Serialize for AsOf {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            AsOf::End => s.serialize_str("end"),
            AsOf::At(b) => b.serialize(s),
            AsOf::Off => s.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for AsOf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AsOf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"end\", RFC 3339 text, integer Unix seconds, or false")
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> std::result::Result<AsOf, E> {
                Ok(if b { AsOf::End } else { AsOf::Off })
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<AsOf, E> {
                Ok(AsOf::End)
            }
            fn visit_none<E: serde::de::Error>(self) -> std::result::Result<AsOf, E> {
                Ok(AsOf::End)
            }
            fn visit_some<D2: serde::Deserializer<'de>>(
                self,
                d: D2,
            ) -> std::result::Result<AsOf, D2::Error> {
                AsOf::deserialize(d)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<AsOf, E> {
                Ok(AsOf::from(s))
            }
            fn visit_i64<E: serde::de::Error>(self, x: i64) -> std::result::Result<AsOf, E> {
                Ok(AsOf::from(x))
            }
            fn visit_u64<E: serde::de::Error>(self, x: u64) -> std::result::Result<AsOf, E> {
                TimeBound::deserialize(serde::de::value::U64Deserializer::<E>::new(x)).map(AsOf::At)
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> std::result::Result<AsOf, E> {
                TimeBound::deserialize(serde::de::value::F64Deserializer::<E>::new(x)).map(AsOf::At)
            }
        }
        d.deserialize_any(V)
    }
}

/// What to break a funnel down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breakdown {
    None,
    FirstTouchChannel,
    Property(usize),
}

/// Options of [`funnel`]: Python
/// `log.funnel(steps, window="14d", mode="ordered", first_attempt=False, exclude=None,
/// breakdown=None, dropped_ids=False)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunnelOptions {
    /// The steps, in order (at least one, at most [`MAX_STEPS`]).
    #[serde(deserialize_with = "de::steps")]
    pub steps: Vec<FunnelStep>,
    /// Conversion window, measured from the step-1 event (inclusive). Default 14 days.
    #[serde(deserialize_with = "crate::args::named::window")]
    pub window: Duration,
    /// Order mode. Default ordered.
    #[serde(deserialize_with = "crate::args::named::mode")]
    pub mode: FunnelMode,
    /// Only the customer's first step-1 event starts an attempt (in any-order mode: the first
    /// event matching any step).
    pub first_attempt: bool,
    /// Exclusion steps.
    #[serde(deserialize_with = "de::exclude")]
    pub exclude: Option<Vec<Exclusion>>,
    /// Break the funnel down by a customer property (the customer's latest non-blank value, e.g.
    /// `"persona"`) or by `"first_touch_channel"` (the channel of the customer's first event).
    pub breakdown: Option<String>,
    /// List, per step, the ids of the customers who reached the previous step but not this one.
    pub dropped_ids: bool,
    /// When the funnel is counted (see [`AsOf`]): by default the data end (`"end"`, the last
    /// event of the log); a time (RFC 3339 text or integer Unix seconds): later events are
    /// ignored. A customer who has not finished and whose window is still open then is *in
    /// progress* (see [`OpenWindows`]). `false` ([`AsOf::Off`]): no such accounting.
    pub as_of: AsOf,
    /// After drop-off: for the customers who stopped at each step, the `after_drop_off` most
    /// frequent touchpoints they went to next within the window (or nothing) and last saw in
    /// it (0, the default: not computed). See [`AfterDropOff`].
    pub after_drop_off: usize,
    /// Funnel trend: conversion per period (`"day"`, `"week"` or `"month"`, UTC) of the
    /// customers' step-1 entry (their counted attempt's). See [`TrendRow`].
    pub trend: Option<Period>,
}

impl Default for FunnelOptions {
    fn default() -> Self {
        FunnelOptions {
            steps: Vec::new(),
            window: Duration::from_days(14),
            mode: FunnelMode::Ordered,
            first_attempt: false,
            exclude: None,
            breakdown: None,
            dropped_ids: false,
            as_of: AsOf::End,
            after_drop_off: 0,
            trend: None,
        }
    }
}

impl FunnelOptions {
    /// Options for these steps, everything else default.
    pub fn new<S: Into<FunnelStep>>(steps: impl IntoIterator<Item = S>) -> Self {
        FunnelOptions {
            steps: steps.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
}

/// One step of a funnel result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStepRow {
    /// 1-based step number.
    pub step: usize,
    /// The step's touchpoints joined with `" | "`.
    pub label: String,
    /// The step's touchpoints.
    pub touchpoints: Vec<String>,
    /// Customers who reached this step.
    pub customers: u64,
    /// `customers / customers at step 1` (`None` when nobody reached step 1).
    pub conversion_from_start: Option<f64>,
    /// `customers / customers at the previous step` (`None` for step 1 or a zero denominator).
    pub conversion_from_previous: Option<f64>,
    /// Customers who reached the previous step but not this one (0 for step 1).
    pub dropped: u64,
    /// `1 - customers / customers at the previous step` (`None` for step 1 or a zero
    /// denominator).
    pub drop_off: Option<f64>,
    /// Median time from the previous step's event to this step's, over the customers who
    /// reached this step (their counted attempt), seconds.
    pub median_time_from_previous_s: Option<f64>,
    /// Mean of the same times, seconds.
    pub mean_time_from_previous_s: Option<f64>,
    /// With `dropped_ids`: ids of the customers counted in `dropped`, in id order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_ids: Option<Vec<String>>,
    /// The step may be skipped (shown only when true): `customers` are those who took it on
    /// their way, its rates are relative to the required step before it, and nobody drops
    /// there (see `metrics::funnel_optional`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// The funnel of one breakdown group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelGroup {
    /// The group's value (`None`: customers without a value).
    pub value: Option<String>,
    /// Customers at the last step / customers at step 1.
    pub conversion: Option<f64>,
    /// The steps.
    pub steps: Vec<FunnelStepRow>,
}

/// One step of [`OpenWindows`]: the step's figures without the customers still in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenStepRow {
    /// 1-based step number.
    pub step: usize,
    /// Customers who reached the previous step (not this one) and whose window is still open at
    /// `as_of`: they may still reach it (0 for step 1).
    pub in_progress: u64,
    /// Customers who reached the previous step, did not reach this one, and can no longer
    /// (their window closed): `dropped - in_progress`.
    pub dropped: u64,
    /// `dropped / (customers at the previous step - in_progress)`.
    pub drop_off: Option<f64>,
    /// `customers / (customers at the previous step - in_progress)`.
    pub conversion_from_previous: Option<f64>,
}

/// The funnel's open windows at `as_of`: who is still in progress, and the rates without them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenWindows {
    /// The time the funnel is counted at (RFC 3339); `None` for an empty log asked as of `"end"`.
    pub as_of: Option<String>,
    /// Customers in progress (at any step).
    pub in_progress: u64,
    /// Customers at the last step / (customers at step 1 - in progress).
    pub conversion: Option<f64>,
    /// Per step.
    pub steps: Vec<OpenStepRow>,
}

/// One period of a funnel trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendRow {
    /// The period's label (`2026-01-05`, `2026-W02` or `2026-01`).
    pub period: String,
    /// Its first instant (RFC 3339).
    pub start: String,
    /// Customers whose counted attempt entered step 1 in the period.
    pub entered: u64,
    /// Of those, customers who reached the last step.
    pub converted: u64,
    /// `converted / entered`.
    pub conversion: Option<f64>,
    /// Whether every window opened in the period has closed by `as_of` (or the last event of
    /// the log): the period's end plus the window is at or before it. An incomplete period's
    /// conversion may still rise.
    pub complete: bool,
}

/// A touchpoint (`None`: nothing) and how many dropped customers it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchCount {
    /// Touchpoint name; `None` for "no further event within the window".
    pub touchpoint: Option<String>,
    /// Customers.
    pub customers: u64,
}

/// Where the customers who stopped before a step went instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfterDropOff {
    /// The 1-based step they did not reach.
    pub step: usize,
    /// Customers who reached the step before and not this one.
    pub dropped: u64,
    /// Per touchpoint, the customers whose next event after their last funnel step (within the
    /// window) was there; `None`: no further event in the window. Most customers first, then by
    /// name (nothing last among equals).
    pub next: Vec<TouchCount>,
    /// Per touchpoint, the customers whose last event within the window (their last funnel step
    /// or anything after it) was there: where they were last seen before dropping.
    pub last: Vec<TouchCount>,
}

/// A funnel: per step counts, conversion, drop-off and timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelResult {
    /// Mode used.
    pub mode: FunnelMode,
    /// Window used, seconds.
    pub window_s: f64,
    /// Whether only first attempts were used.
    pub first_attempt: bool,
    /// Customers in the log.
    pub n_customers: u64,
    /// Customers at the last step / customers at step 1.
    pub conversion: Option<f64>,
    /// The steps.
    pub steps: Vec<FunnelStepRow>,
    /// The breakdown asked for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<String>,
    /// With a breakdown: one funnel per value that has customers at step 1, by value (no value
    /// last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<FunnelGroup>>,
    /// With `as_of`: the customers in progress and the rates without them (overall only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<OpenWindows>,
    /// With `after_drop_off`: per step 2..k, where the customers who stopped before it went
    /// (overall only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_drop_off: Option<Vec<AfterDropOff>>,
    /// With `trend`: conversion per period of step-1 entry, oldest first (overall only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<TrendRow>>,
}

impl FunnelResult {
    /// Customers per step.
    pub fn counts(&self) -> Vec<u64> {
        self.steps.iter().map(|s| s.customers).collect()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct GroupAcc {
    pub(crate) reached: Vec<u64>,
    /// Unless `as_of` is off: per furthest step reached (index), customers still in progress.
    pub(crate) in_progress: Vec<u64>,
    /// For partial results: per furthest step reached (index), the customers in progress by
    /// the start time (µs) of the attempt that could still go further.
    pub(crate) open_keys: Vec<std::collections::BTreeMap<i64, u64>>,
    /// With `after_drop_off`: per step index, per touchpoint id (the last index: nothing), the
    /// dropped customers' next and last touchpoints.
    pub(crate) next: Vec<Vec<u64>>,
    pub(crate) last: Vec<Vec<u64>>,
    /// With `trend`: per period index, customers entered and converted.
    pub(crate) trend: std::collections::BTreeMap<i64, (u64, u64)>,
    pub(crate) deltas: Vec<Samples>,
    pub(crate) dropped: Vec<Vec<u32>>,
}

impl GroupAcc {
    fn new(k: usize) -> Self {
        GroupAcc {
            reached: vec![0; k],
            in_progress: vec![0; k],
            open_keys: vec![Default::default(); k],
            next: Vec::new(),
            last: Vec::new(),
            trend: Default::default(),
            deltas: vec![Samples::default(); k],
            dropped: vec![Vec::new(); k],
        }
    }
    fn merge(&mut self, b: GroupAcc) {
        let deltas = b.deltas.into_iter();
        let dropped = b.dropped.into_iter();
        for (j, (d, x)) in deltas.zip(dropped).enumerate() {
            self.reached[j] += b.reached[j];
            self.in_progress[j] += b.in_progress[j];
            self.deltas[j].merge(d);
            self.dropped[j].extend_from_slice(&x);
        }
        for (mine, theirs) in self.open_keys.iter_mut().zip(b.open_keys) {
            for (key, n) in theirs {
                *mine.entry(key).or_default() += n;
            }
        }
        for (p, (e, c)) in b.trend {
            let x = self.trend.entry(p).or_default();
            x.0 += e;
            x.1 += c;
        }
        for (mine, theirs) in [(&mut self.next, b.next), (&mut self.last, b.last)] {
            if mine.is_empty() {
                *mine = theirs;
            } else {
                for (x, y) in mine.iter_mut().zip(theirs) {
                    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
                }
            }
        }
    }
}

struct Acc {
    groups: Vec<Option<GroupAcc>>,
    scratch: Scratch,
}

/// Computes a funnel.
///
/// ```
/// use journey_core::metrics::funnel::{funnel, FunnelOptions};
/// let csv = "customer_id,timestamp,touchpoint\n\
///            a,0,view\na,0,view\na,60,purchase\n\
///            b,0,view\nb,30,purchase\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// // A repeated step needs two events; equal timestamps are fine.
/// let f = funnel(&log, &FunnelOptions::new(["view", "view", "purchase"])).unwrap();
/// assert_eq!(f.counts(), [2, 1, 1]);
/// ```
pub fn funnel(log: &EventLog, opts: &FunnelOptions) -> Result<FunnelResult> {
    if opts.steps.iter().any(FunnelStep::is_optional) {
        return super::funnel_optional::funnel(log, opts);
    }
    let k = opts.steps.len();
    let (groups, breakdown) = fold(log, opts, false)?;
    let as_of = as_of_us(log, opts)?;
    let mut total = GroupAcc::new(k);
    let mut out = Vec::new();
    for (g, ga) in groups.into_iter().enumerate() {
        let Some(ga) = ga else { continue };
        if breakdown != Breakdown::None {
            let value = group_value(log, breakdown, g);
            let steps = rows(log, opts, ga.clone());
            out.push(FunnelGroup {
                value,
                conversion: conversion(&steps),
                steps,
            });
        }
        total.merge(ga);
    }
    let open = opts
        .as_of
        .is_on()
        .then(|| open_windows(&total.reached, &total.in_progress, as_of));
    let after = (opts.after_drop_off > 0).then(|| after_drop_off(log, &total, opts.after_drop_off));
    let trend = opts.trend.map(|period| {
        trend_rows(
            period,
            &total.trend,
            as_of.or_else(|| last_event(log)),
            opts.window,
        )
    });
    let steps = rows(log, opts, total);
    Ok(FunnelResult {
        mode: opts.mode,
        window_s: opts.window.as_secs_f64(),
        first_attempt: opts.first_attempt,
        n_customers: log.n_customers() as u64,
        conversion: conversion(&steps),
        steps,
        breakdown: opts.breakdown.clone(),
        groups: (breakdown != Breakdown::None).then_some(out),
        open,
        after_drop_off: after,
        trend,
    })
}

/// The trend's rows from the customers entered and converted per period index; a period is
/// complete when its end plus the window is at or before `horizon` (as_of, or the data end).
pub(crate) fn trend_rows(
    period: Period,
    trend: &std::collections::BTreeMap<i64, (u64, u64)>,
    horizon: Option<i64>,
    window: Duration,
) -> Vec<TrendRow> {
    const US_PER_DAY: i64 = 86_400_000_000;
    trend
        .iter()
        .map(|(&p, &(entered, converted))| {
            let end = period.first_day(p + 1) * US_PER_DAY;
            TrendRow {
                period: period.label(p),
                start: format_us(period.first_day(p) * US_PER_DAY),
                entered,
                converted,
                conversion: ratio(converted, entered),
                complete: horizon
                    .is_some_and(|h| end.saturating_sub(1).saturating_add(window.as_us()) <= h),
            }
        })
        .collect()
}

fn after_drop_off(log: &EventLog, total: &GroupAcc, top: usize) -> Vec<AfterDropOff> {
    let k = total.reached.len();
    let n_tp = log.touchpoints().len();
    let list = |counts: Option<&Vec<u64>>| -> Vec<TouchCount> {
        let Some(counts) = counts else {
            return Vec::new();
        };
        let mut v: Vec<(u64, Option<&str>)> = counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(t, &n)| (n, (t < n_tp).then(|| log.touchpoint_name(t as u32))))
            .collect();
        // Most customers first; then by name, nothing last.
        v.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.is_none().cmp(&b.1.is_none()))
                .then_with(|| a.1.cmp(&b.1))
        });
        v.truncate(top);
        v.into_iter()
            .map(|(customers, t)| TouchCount {
                touchpoint: t.map(str::to_string),
                customers,
            })
            .collect()
    };
    (1..k)
        .map(|j| AfterDropOff {
            step: j + 1,
            dropped: total.reached[j - 1] - total.reached[j],
            next: list(total.next.get(j)),
            last: list(total.last.get(j)),
        })
        .collect()
}

/// The `as_of` time of the options, microseconds (`None`: off, or the end of an empty log).
pub(crate) fn as_of_us(log: &EventLog, opts: &FunnelOptions) -> Result<Option<i64>> {
    match &opts.as_of {
        AsOf::Off => Ok(None),
        a => Ok(a.fixed_us()?.or_else(|| last_event(log))),
    }
}

/// The open windows from the customers per step and, per furthest step reached (index), the
/// customers in progress. Shared by [`funnel`] and the partial results.
pub(crate) fn open_windows(reached: &[u64], ip: &[u64], as_of: Option<i64>) -> OpenWindows {
    let steps = (0..reached.len())
        .map(|j| {
            let in_progress = if j == 0 { 0 } else { ip[j] };
            let prev = (j > 0).then(|| reached[j - 1] - in_progress);
            let dropped = prev.map_or(0, |p| p - reached[j]);
            OpenStepRow {
                step: j + 1,
                in_progress,
                dropped,
                drop_off: prev.and_then(|p| ratio(dropped, p)),
                conversion_from_previous: prev.and_then(|p| ratio(reached[j], p)),
            }
        })
        .collect();
    let n_open: u64 = ip.iter().sum();
    OpenWindows {
        as_of: as_of.map(format_us),
        in_progress: n_open,
        conversion: ratio(reached[reached.len() - 1], reached[0] - n_open),
        steps,
    }
}

/// The value of breakdown group `g` (`None`: customers without a value).
pub(crate) fn group_value(log: &EventLog, breakdown: Breakdown, g: usize) -> Option<String> {
    match breakdown {
        Breakdown::FirstTouchChannel => Some(log.channel_name(g as u32).to_string()),
        Breakdown::Property(i) => {
            let vals = &log.properties()[i].values;
            (g < vals.len()).then(|| vals.name(g as u32).to_string())
        }
        Breakdown::None => None,
    }
}

/// The breakdown asked for and its number of groups: a channel id, a property value id, or
/// `n_groups - 1` for "no value".
pub(crate) fn resolve_breakdown(
    log: &EventLog,
    opts: &FunnelOptions,
) -> Result<(Breakdown, usize)> {
    let breakdown = match opts.breakdown.as_deref() {
        None => Breakdown::None,
        Some("first_touch_channel") | Some("channel") => Breakdown::FirstTouchChannel,
        Some(name) => match log.properties().iter().position(|p| p.name == name) {
            Some(i) => Breakdown::Property(i),
            None => {
                let mut known: Vec<&str> =
                    log.properties().iter().map(|p| p.name.as_str()).collect();
                known.push("first_touch_channel");
                return Err(Error::argument(
                    "breakdown",
                    format!(
                        "{name:?} is not a property of the log; expected one of: {}",
                        known.join(", ")
                    ),
                ));
            }
        },
    };
    let n_groups = match breakdown {
        Breakdown::None => 1,
        Breakdown::FirstTouchChannel => log.channels().len(),
        Breakdown::Property(i) => log.properties()[i].values.len() + 1,
    };
    Ok((breakdown, n_groups))
}

/// The breakdown group of the customer whose events are `r`.
pub(crate) fn group_of(
    log: &EventLog,
    breakdown: Breakdown,
    n_groups: usize,
    r: std::ops::Range<usize>,
) -> usize {
    match breakdown {
        Breakdown::None => 0,
        Breakdown::FirstTouchChannel => log.channel_ids()[r.start] as usize,
        Breakdown::Property(i) => {
            let ids = &log.properties()[i].ids;
            r.rev()
                .map(|e| ids[e])
                .find(|&v| v != NO_ID)
                .map_or(n_groups - 1, |v| v as usize)
        }
    }
}

/// Every customer's furthest step, folded per breakdown group (indexed by the log's ids); with
/// `keys`, also the start times of the open attempts (`GroupAcc::open_keys`, for partials).
pub(crate) fn fold(
    log: &EventLog,
    opts: &FunnelOptions,
    keys: bool,
) -> Result<(Vec<Option<GroupAcc>>, Breakdown)> {
    // Long because it is one fold over the customers: the per-customer step and the merge of
    // two parts share the matcher, the groups and the options.
    let matcher = Matcher::new(log, opts)?;
    let k = matcher.k;
    let as_of = as_of_us(log, opts)?;
    // An explicit time cuts the journeys there; the end cuts nothing.
    let cut = opts.as_of.fixed_us()?;
    let (breakdown, n_groups) = resolve_breakdown(log, opts)?;
    let ts = log.timestamps();
    let tps = log.touchpoint_ids();
    let acc = fold_customers(
        log.n_customers(),
        || Acc {
            groups: vec![None; n_groups],
            scratch: Scratch::default(),
        },
        |acc, c| {
            let mut r = log.journey(c).range();
            if let Some(t) = cut {
                // Only the events up to as_of.
                r.end = r.start + ts[r.clone()].partition_point(|&x| x <= t);
            }
            let m = matcher.eval(&ts[r.clone()], &tps[r.clone()], &mut acc.scratch);
            if m == 0 {
                return;
            }
            // In progress: not finished, and the window of an attempt that could still go
            // further (the latest, or with first_attempt the first) is open at as_of: it
            // started less than one window before as_of. No attempt starts after the
            // customer's last event, so when that lies a window or more before as_of (most
            // customers, as of the data end) there is nothing to look for.
            let open = match as_of {
                Some(t) if m < k && ts[r.end - 1].saturating_add(matcher.window) > t => {
                    let anchor = if opts.first_attempt {
                        r.clone().find(|&e| matcher.is_anchor(tps[e]))
                    } else {
                        r.clone().rev().find(|&e| matcher.is_anchor(tps[e]))
                    };
                    anchor
                        .map(|e| ts[e])
                        .filter(|&a| a.saturating_add(matcher.window) > t)
                }
                _ => None,
            };
            let g = group_of(log, breakdown, n_groups, r.clone());
            let ga = acc.groups[g].get_or_insert_with(|| GroupAcc::new(k));
            if let Some(start) = open {
                ga.in_progress[m] += 1;
                if keys {
                    *ga.open_keys[m].entry(start).or_default() += 1;
                }
            }
            let best = &acc.scratch.best;
            for j in 0..m {
                ga.reached[j] += 1;
                if j > 0 {
                    ga.deltas[j].push(best[j] - best[j - 1]);
                }
            }
            if opts.dropped_ids && m < k {
                ga.dropped[m].push(c);
            }
            if let Some(period) = opts.trend {
                const US_PER_DAY: i64 = 86_400_000_000;
                let p = period.index_of_day(acc.scratch.best[0].div_euclid(US_PER_DAY));
                let x = ga.trend.entry(p).or_default();
                x.0 += 1;
                x.1 += (m == k) as u64;
            }
            if opts.after_drop_off > 0 && m < k {
                let n_tp = log.touchpoints().len();
                if ga.next.is_empty() {
                    ga.next = vec![vec![0; n_tp + 1]; k];
                    ga.last = vec![vec![0; n_tp + 1]; k];
                }
                let s = &acc.scratch;
                let at = r.start + s.best_pos[m - 1] as usize;
                let limit = s.best[0].saturating_add(matcher.window);
                let end = at + ts[at..r.end].partition_point(|&x| x <= limit);
                let next = if at + 1 < end {
                    tps[at + 1] as usize
                } else {
                    n_tp
                };
                ga.next[m][next] += 1;
                ga.last[m][tps[end - 1] as usize] += 1;
            }
        },
        |mut a, b| {
            for (x, y) in a.groups.iter_mut().zip(b.groups) {
                match (x.as_mut(), y) {
                    (Some(x), Some(y)) => x.merge(y),
                    (None, y) => *x = y,
                    (_, None) => {}
                }
            }
            a
        },
    );
    Ok((acc.groups, breakdown))
}

pub(crate) fn conversion(steps: &[FunnelStepRow]) -> Option<f64> {
    let (first, last) = (steps.first()?.customers, steps.last()?.customers);
    (first > 0).then(|| last as f64 / first as f64)
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn rows(log: &EventLog, opts: &FunnelOptions, ga: GroupAcc) -> Vec<FunnelStepRow> {
    let stats = ga
        .deltas
        .into_iter()
        .map(|d| (d.mean_s(), d.median_s()))
        .collect();
    let dropped = ga
        .dropped
        .into_iter()
        .map(|mut ids| {
            opts.dropped_ids.then(|| {
                ids.sort_unstable();
                ids.iter()
                    .map(|&c| log.customer_ids()[c as usize].clone())
                    .collect()
            })
        })
        .collect();
    step_rows(opts, &ga.reached, stats, dropped)
}

/// The rows of a funnel from its per-step counts, (mean, median) times from the previous step,
/// and dropped ids (in id order). Shared by [`funnel`] and the partial results, so both finish
/// the same way.
pub(crate) fn step_rows(
    opts: &FunnelOptions,
    reached: &[u64],
    stats: Vec<(Option<f64>, Option<f64>)>,
    dropped: Vec<Option<Vec<String>>>,
) -> Vec<FunnelStepRow> {
    let first = reached[0];
    stats
        .into_iter()
        .zip(dropped)
        .enumerate()
        .map(|(j, ((mean, median), dropped_ids))| {
            let here = reached[j];
            let prev = (j > 0).then(|| reached[j - 1]);
            FunnelStepRow {
                step: j + 1,
                label: opts.steps[j].label(),
                touchpoints: opts.steps[j].names().to_vec(),
                customers: here,
                conversion_from_start: ratio(here, first),
                conversion_from_previous: prev.and_then(|p| ratio(here, p)),
                dropped: prev.map_or(0, |p| p - here),
                drop_off: prev.and_then(|p| ratio(here, p)).map(|r| 1.0 - r),
                mean_time_from_previous_s: mean,
                median_time_from_previous_s: median,
                dropped_ids,
                optional: false,
            }
        })
        .collect()
}

impl EventLog {
    /// A funnel over this log; see [`funnel`].
    pub fn funnel(&self, opts: &FunnelOptions) -> Result<FunnelResult> {
        funnel(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::matcher::Strategy;
    use super::*;
    use crate::{read_events_csv, LoadOptions};
    use proptest::prelude::*;

    fn log(csv: &str) -> EventLog {
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    fn run(l: &EventLog, steps: &[&str], f: impl FnOnce(&mut FunnelOptions)) -> FunnelResult {
        let mut o = FunnelOptions::new(steps.iter().copied());
        f(&mut o);
        funnel(l, &o).unwrap()
    }

    #[test]
    fn modes_parse() {
        assert_eq!("any_order".parse::<FunnelMode>().unwrap(), FunnelMode::Any);
        assert!("sideways".parse::<FunnelMode>().is_err());
        let o: FunnelOptions = serde_json::from_str(
            r#"{"steps": ["a", ["b", "c"]], "mode": "any_order", "window": "2d",
                "exclude": ["x", {"touchpoint": ["y"], "from_step": 1, "to_step": 2}]}"#,
        )
        .unwrap();
        assert_eq!(o.mode, FunnelMode::Any);
        assert_eq!(o.steps[1].label(), "b | c");
        assert_eq!(o.window, Duration::from_days(2));
        assert!(serde_json::from_str::<FunnelOptions>(r#"{"stepz": []}"#).is_err());
    }

    #[test]
    fn bad_arguments_are_errors() {
        let l = log("customer_id,timestamp,touchpoint\na,1,x\n");
        let bad = |o: FunnelOptions| funnel(&l, &o).unwrap_err().code();
        assert_eq!(bad(FunnelOptions::default()), "invalid_argument");
        let mut o = FunnelOptions::new(["x", "y"]);
        o.exclude = Some(vec![Exclusion::Touchpoint("y".into())]);
        assert_eq!(bad(o.clone()), "invalid_argument");
        o.exclude = Some(vec![Exclusion::Between(ExclusionRange {
            touchpoint: "z".into(),
            from_step: Some(2),
            to_step: Some(2),
        })]);
        assert_eq!(bad(o.clone()), "invalid_argument");
        o.exclude = None;
        o.breakdown = Some("nope".into());
        assert_eq!(bad(o), "invalid_argument");
        let o = FunnelOptions::new([FunnelStep::AnyOf(vec![])]);
        assert_eq!(bad(o), "invalid_argument");
    }

    const BASIC: &str = "customer_id,timestamp,touchpoint\n\
        a,0,view\na,100,cart\na,400,buy\n\
        b,0,view\nb,50,buy\nb,60,cart\n\
        c,0,cart\nc,10,view\n\
        d,0,buy\n";

    #[test]
    fn ordered_known_answer() {
        let f = run(&log(BASIC), &["view", "cart", "buy"], |_| {});
        // a: view -> cart -> buy; b: its buy comes before its cart; c: cart before view.
        assert_eq!(f.counts(), [3, 2, 1]);
        let s = &f.steps;
        assert_eq!(s[1].median_time_from_previous_s, Some(80.0)); // (100 + 60) / 2
        assert_eq!(s[1].mean_time_from_previous_s, Some(80.0));
        assert_eq!(s[2].median_time_from_previous_s, Some(300.0));
        assert_eq!(s[0].median_time_from_previous_s, None);
        assert_eq!(s[1].dropped, 1);
        assert_eq!(s[2].drop_off, Some(0.5));
        assert_eq!(s[2].conversion_from_start, Some(1.0 / 3.0));
        assert_eq!(s[0].conversion_from_previous, None);
        assert_eq!(f.conversion, Some(1.0 / 3.0));
    }

    #[test]
    fn strict_known_answer() {
        let f = run(&log(BASIC), &["view", "cart", "buy"], |o| {
            o.mode = FunnelMode::Strict
        });
        // Only a has view, cart, buy as consecutive events; b's view is followed by buy.
        assert_eq!(f.counts(), [3, 1, 1]);
        // The best strict attempt need not be the first: view, view, cart, buy.
        let l = log("customer_id,timestamp,touchpoint\nx,0,view\nx,5,view\nx,7,cart\nx,9,buy\n");
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.mode = FunnelMode::Strict
        });
        assert_eq!(f.counts(), [1, 1, 1]);
        assert_eq!(f.steps[1].median_time_from_previous_s, Some(2.0));
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.mode = FunnelMode::Strict;
            o.first_attempt = true;
        });
        assert_eq!(f.counts(), [1, 0, 0]);
    }

    #[test]
    fn any_order_known_answer() {
        let f = run(&log(BASIC), &["view", "cart", "buy"], |o| {
            o.mode = FunnelMode::Any
        });
        // a, b: all three within the window; c: view and cart (steps 1-2); d: buy alone.
        assert_eq!(f.counts(), [3, 3, 2]);
        // Step 2 completes at: a 100 - 0, b 60 - 0, c 10 - 10 (view came last).
        assert_eq!(f.steps[1].median_time_from_previous_s, Some(60.0));
        assert_eq!(f.steps[1].mean_time_from_previous_s, Some(160.0 / 3.0));
        // Step 3: a 400 - 100; b's buy (50) was there when cart completed step 2 at 60: 0.
        assert_eq!(f.steps[2].median_time_from_previous_s, Some(150.0));
    }

    /// One customer with thousands of events inside every window (the shape that made the
    /// any-order matcher quadratic): hourly views for 3,000 hours, then a cart. Only attempts
    /// from the last 24 hours reach the cart; the earliest of them starts at hour 2,976.
    #[test]
    fn any_order_with_thousands_of_events_in_the_window() {
        let mut csv = String::from("customer_id,timestamp,touchpoint\n");
        for h in 0..3000 {
            csv.push_str(&format!("a,{},view\n", h * 3600));
        }
        csv.push_str(&format!("a,{},cart\n", 3000 * 3600));
        // A second customer with an excluded event after every view: each attempt is void
        // once it has to pass one.
        for h in 0..2000 {
            csv.push_str(&format!("b,{},view\nb,{},popup\n", h * 60, h * 60 + 30));
        }
        let l = log(&csv);
        for mode in [FunnelMode::Any, FunnelMode::Ordered] {
            let f = run(&l, &["view", "view", "view", "cart"], |o| {
                o.mode = mode;
                o.window = "1d".parse().unwrap();
            });
            // b has three views (a minute apart) but no cart.
            assert_eq!(f.counts(), [2, 2, 2, 1], "{mode:?}");
            assert_eq!(f.steps[1].median_time_from_previous_s, Some(1830.0));
            assert_eq!(f.steps[2].median_time_from_previous_s, Some(1830.0));
            assert_eq!(f.steps[3].median_time_from_previous_s, Some(22.0 * 3600.0));
            let f = run(&l, &["view", "view"], |o| {
                o.mode = mode;
                o.exclude = Some(vec![Exclusion::Touchpoint("popup".into())]);
            });
            // a: two views; b: a popup between every two views, so only step 1.
            assert_eq!(f.counts(), [2, 1], "{mode:?}");
        }
    }

    #[test]
    fn repeated_step_with_equal_timestamps() {
        // PostHog reported [1, 1, 0] for customer e; the right answer is [1, 1, 1].
        let text = "customer_id,timestamp,touchpoint,sequence\n\
            e,0,view,1\ne,0,view,2\ne,0,buy,3\n\
            f,0,view,\nf,0,buy,\n\
            g,0,buy,1\ng,0,view,2\ng,0,view,3\n";
        let l = log(text);
        for mode in [FunnelMode::Ordered, FunnelMode::Strict] {
            let f = run(&l, &["view", "view", "buy"], |o| o.mode = mode);
            // e: two views then buy, by sequence; f: one view only; g: buy came first.
            assert_eq!(f.counts(), [3, 2, 1], "{mode:?}");
            assert_eq!(f.steps[2].median_time_from_previous_s, Some(0.0));
        }
        // Without the sequence, the content order puts every buy before the views.
        let no_seq = text.replace(",sequence\n", "\n").replace(",1\n", "\n");
        let no_seq = no_seq
            .replace(",2\n", "\n")
            .replace(",3\n", "\n")
            .replace(",\n", "\n");
        let f = run(&log(&no_seq), &["view", "view", "buy"], |_| {});
        assert_eq!(f.counts(), [3, 2, 0]);
        let f = run(&l, &["view", "view", "buy"], |o| o.mode = FunnelMode::Any);
        // Any order: g also has two views and a buy.
        assert_eq!(f.counts(), [3, 2, 2]);
        let e =
            log("customer_id,timestamp,touchpoint,sequence\ne,0,view,1\ne,0,view,2\ne,0,buy,3\n");
        assert_eq!(
            run(&e, &["view", "view", "buy"], |_| {}).counts(),
            [1, 1, 1]
        );
    }

    const EXCL: &str = "customer_id,timestamp,touchpoint\n\
        h,0,view\nh,10,coupon\nh,20,cart\nh,30,buy\n\
        i,0,view\ni,10,cart\ni,20,coupon\ni,30,buy\n\
        j,0,view\nj,10,cart\nj,20,coupon\n\
        k,0,view\nk,10,cart\nk,20,coupon\nk,30,buy\nk,100,view\nk,110,cart\nk,130,buy\n";

    #[test]
    fn exclusions_void_attempts() {
        let l = log(EXCL);
        let between_2_3 = Exclusion::Between(ExclusionRange {
            touchpoint: "coupon".into(),
            from_step: Some(2),
            to_step: Some(3),
        });
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.exclude = Some(vec![between_2_3]);
            o.dropped_ids = true;
        });
        // h: coupon before cart (allowed); i: void; j: never reached buy, so nothing to check;
        // k: first attempt void, the second (from 100) completes.
        assert_eq!(f.counts(), [3, 3, 2]);
        assert_eq!(
            f.steps[2].dropped_ids.as_deref(),
            Some(&["j".to_string()][..])
        );
        // Times of k come from its second attempt: 10 and 20; h: 20 and 10.
        assert_eq!(
            f.steps[1].mean_time_from_previous_s,
            Some((20.0 + 10.0 + 10.0) / 3.0)
        );
        assert_eq!(f.steps[2].median_time_from_previous_s, Some(15.0));
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.exclude = Some(vec![Exclusion::Touchpoint("coupon".into())]);
        });
        // Between steps 1 and 3: h and i void; j's coupon is after its last reached step.
        assert_eq!(f.counts(), [2, 2, 1]);
        // Strict funnels leave no room for exclusions.
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.exclude = Some(vec![Exclusion::Touchpoint("coupon".into())]);
            o.mode = FunnelMode::Strict;
        });
        assert_eq!(f.counts(), [4, 3, 1]);
        // Any order: void when an excluded event lies between the attempt's first event and
        // the event completing its furthest step. h, i: the attempts from view at 0 hold the
        // coupon, later anchors (cart, buy) never see a view. j: view, cart, then the coupon.
        // k: anchors at 0 and at cart (10) hold the coupon; the anchor at buy (30) completes all
        // three steps with the view at 100 and the cart at 110, coupon-free.
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.exclude = Some(vec![Exclusion::Touchpoint("coupon".into())]);
            o.mode = FunnelMode::Any;
        });
        assert_eq!(f.counts(), [2, 2, 1]);
        // k: step 1 at 100, step 2 at 110, step 3 (buy at 30 already there) also at 110.
        assert_eq!(f.steps[2].median_time_from_previous_s, Some(0.0));
    }

    #[test]
    fn best_attempt_is_not_the_first() {
        // Window 1 day: the first attempt's buy is too late; the second attempt completes.
        let l = log("customer_id,timestamp,touchpoint\n\
            m,0,view\nm,100,cart\nm,200000,view\nm,200100,cart\nm,200250,buy\n\
            n,0,view\nn,50,view\nn,100,cart\nn,200,buy\n");
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.window = Duration::from_days(1)
        });
        assert_eq!(f.counts(), [2, 2, 2]);
        // m: second attempt (100, 150); n: both attempts complete, the earliest counts: 100, 100.
        assert_eq!(f.steps[1].median_time_from_previous_s, Some(100.0));
        assert_eq!(f.steps[2].median_time_from_previous_s, Some(125.0));
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.window = Duration::from_days(1);
            o.first_attempt = true;
        });
        assert_eq!(f.counts(), [2, 2, 1]);
        // The window is inclusive: exactly 1 day after step 1 still counts.
        let l =
            log("customer_id,timestamp,touchpoint\np,0,view\np,86400,buy\nq,0,view\nq,86401,buy\n");
        let f = run(&l, &["view", "buy"], |o| o.window = Duration::from_days(1));
        assert_eq!(f.counts(), [2, 1]);
    }

    #[test]
    fn set_steps_breakdown_and_empty() {
        let l = log("customer_id,timestamp,touchpoint,channel,persona\n\
            a,0,ad,social,p1\na,10,site,web,p1\na,20,buy,web,p1\n\
            b,0,mail,email,p2\nb,10,buy,web,\n\
            c,0,site,web,\n");
        let o = FunnelOptions {
            steps: vec![
                FunnelStep::AnyOf(vec!["ad".into(), "mail".into()]),
                "buy".into(),
            ],
            breakdown: Some("persona".into()),
            ..Default::default()
        };
        let f = funnel(&l, &o).unwrap();
        assert_eq!(f.counts(), [2, 2]);
        let g = f.groups.as_ref().unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].value.as_deref(), Some("p1"));
        assert_eq!(g[0].steps[1].median_time_from_previous_s, Some(20.0));
        assert_eq!(g[1].value.as_deref(), Some("p2"));
        let o = FunnelOptions {
            breakdown: Some("first_touch_channel".into()),
            ..o
        };
        let f = funnel(&l, &o).unwrap();
        let values: Vec<_> = f.groups.unwrap().into_iter().map(|g| g.value).collect();
        assert_eq!(
            values,
            [Some("email".to_string()), Some("social".to_string())]
        );
        let f = funnel(&EventLog::empty(), &FunnelOptions::new(["a", "b"])).unwrap();
        assert_eq!(f.counts(), [0, 0]);
        assert_eq!(f.steps[0].conversion_from_start, None);
        assert_eq!(f.steps[1].drop_off, None);
        assert_eq!(f.conversion, None);
    }

    #[test]
    fn long_journeys_stay_linear() {
        // One customer, 20 000 views within a day and one buy: every view starts an attempt.
        let mut csv = String::from("customer_id,timestamp,touchpoint\n");
        for i in 0..20_000 {
            csv.push_str(&format!("a,{},view\n", i % 1000));
            if i == 19_000 {
                csv.push_str("a,999,coupon\n");
            }
        }
        csv.push_str("a,1000,buy\n");
        let l = log(&csv);
        let start = std::time::Instant::now();
        for mode in [FunnelMode::Ordered, FunnelMode::Strict, FunnelMode::Any] {
            for exclude in [None, Some(vec![Exclusion::Touchpoint("coupon".into())])] {
                let f = run(&l, &["view", "cart", "buy"], |o| {
                    o.mode = mode;
                    o.exclude = exclude.clone();
                });
                // There is no cart: every attempt stops at step 1, so none ends early.
                assert_eq!(f.counts(), [1, 0, 0], "{mode:?}");
            }
        }
        // Quadratic work would take minutes here (debug build); linear takes well under a second.
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    /// The strategies of ordered mode and a brute-force reference agree on random journeys.
    fn brute_ordered(m: &Matcher, ts: &[i64], tps: &[u32]) -> (usize, Vec<i64>) {
        let mut best = (0, Vec::new());
        for p in 0..tps.len() {
            if m.masks[tps[p] as usize] & 1 == 0 {
                continue;
            }
            let mut pos = vec![p];
            for q in p + 1..tps.len() {
                if pos.len() < m.k
                    && ts[q] - ts[p] <= m.window
                    && m.masks[tps[q] as usize] >> pos.len() & 1 == 1
                {
                    pos.push(q);
                }
            }
            let void = m.ranges.iter().enumerate().any(|(x, &(a, b))| {
                let b = b.min(pos.len() - 1);
                b > a && (pos[a] + 1..pos[b]).any(|q| m.excl[tps[q] as usize] >> x & 1 == 1)
            });
            if !void && pos.len() > best.0 {
                best = (pos.len(), pos.iter().map(|&q| ts[q]).collect());
            }
            if m.first_attempt {
                break;
            }
        }
        best
    }

    proptest! {
        #[test]
        fn ordered_strategies_agree(
            events in proptest::collection::vec((0i64..40, 0u32..5), 0..40),
            k in 1usize..5,
            repeat in any::<bool>(),
            window in 0i64..30,
            first in any::<bool>(),
            with_excl in any::<bool>(),
        ) {
            let mut events = events;
            events.sort_by_key(|e| e.0);
            let ts: Vec<i64> = events.iter().map(|e| e.0).collect();
            let tps: Vec<u32> = events.iter().map(|e| e.1).collect();
            // Steps over touchpoints 0..3, touchpoint 3 as exclusion, 4 as noise.
            let mut masks = vec![0u64; 5];
            for j in 0..k {
                let t = if repeat { j / 2 } else { j % 3 };
                masks[t] |= 1 << j;
            }
            let mut m = Matcher {
                k, masks, excl: vec![0, 0, 0, if with_excl { 1 } else { 0 }, 0],
                ranges: if with_excl { vec![(0, k.saturating_sub(1).max(1))] } else { vec![] },
                window, mode: FunnelMode::Ordered, first_attempt: first, strategy: Strategy::Scan,
                type_of: vec![], step_types: vec![], n_types: 0,
            };
            if k == 1 {
                m.ranges.clear();
            }
            let (bm, bt) = brute_ordered(&m, &ts, &tps);
            for strategy in [Strategy::Scan, Strategy::Index, Strategy::Auto] {
                m.strategy = strategy;
                let mut s = Scratch::default();
                let got = m.eval(&ts, &tps, &mut s);
                prop_assert_eq!(got, bm, "{:?}", strategy);
                prop_assert_eq!(&s.best[..got], &bt[..], "{:?}", strategy);
            }
        }
    }

    #[test]
    fn trend_by_hand() {
        // Daily entries, window 1 day; the data end at d's view, Jan 3 09:00.
        let l = log("customer_id,timestamp,touchpoint\n\
            a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,buy\n\
            b,2026-01-01T20:00:00Z,view\n\
            c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,buy\n\
            d,2026-01-03T09:00:00Z,view\n");
        let f = run(&l, &["view", "buy"], |o| {
            o.window = Duration::from_days(1);
            o.trend = Some(Period::Day);
        });
        let t = f.trend.unwrap();
        let rows: Vec<(&str, u64, u64, bool)> = t
            .iter()
            .map(|r| (r.period.as_str(), r.entered, r.converted, r.complete))
            .collect();
        // Jan 1: a bought, b did not; every window opened on Jan 1 closed by Jan 2 24:00,
        // before the data end. Jan 2's last window closes Jan 3 24:00: after it.
        assert_eq!(
            rows,
            [
                ("2026-01-01", 2, 1, true),
                ("2026-01-02", 1, 1, false),
                ("2026-01-03", 1, 0, false)
            ]
        );
        assert_eq!(t[0].conversion, Some(0.5));
        assert_eq!(t[1].start, "2026-01-02T00:00:00Z");
        // As of Jan 5 every period is complete (and the counts are the same).
        let f = run(&l, &["view", "buy"], |o| {
            o.window = Duration::from_days(1);
            o.trend = Some(Period::Day);
            o.as_of = "2026-01-05T00:00:00Z".into();
        });
        assert!(f.trend.unwrap().iter().all(|r| r.complete));
        // Weekly: all in ISO week 2026-W01.
        let f = run(&l, &["view", "buy"], |o| o.trend = Some(Period::Week));
        let t = f.trend.unwrap();
        assert_eq!(
            (t.len(), t[0].period.as_str(), t[0].entered),
            (1, "2026-W01", 4)
        );
    }

    #[test]
    fn after_drop_off_by_hand() {
        // Window 1 day. a finishes; b (cart, then faq, chat), c (cart, nothing more) and f (cart,
        // then faq) stop before buy; d (view, faq) and e (view; home two days later, outside the
        // window) stop before cart.
        let l = log("customer_id,timestamp,touchpoint\n\
            a,0,view\na,10,cart\na,20,buy\nb,0,view\nb,10,cart\nb,20,faq\nb,30,chat\n\
            c,0,view\nc,10,cart\nd,0,view\nd,5,faq\ne,0,view\ne,200000,home\n\
            f,0,view\nf,10,cart\nf,50,faq\n");
        let f = run(&l, &["view", "cart", "buy"], |o| {
            o.window = Duration::from_days(1);
            o.after_drop_off = 2;
        });
        let a = f.after_drop_off.unwrap();
        let show = |v: &[TouchCount]| -> Vec<(Option<String>, u64)> {
            v.iter()
                .map(|t| (t.touchpoint.clone(), t.customers))
                .collect()
        };
        let s = |x: &str| Some(x.to_string());
        assert_eq!((a[0].step, a[0].dropped), (2, 2));
        // d went to faq, e to nothing (home is outside the window); last seen: d faq, e view.
        assert_eq!(show(&a[0].next), [(s("faq"), 1), (None, 1)]);
        assert_eq!(show(&a[0].last), [(s("faq"), 1), (s("view"), 1)]);
        assert_eq!((a[1].step, a[1].dropped), (3, 3));
        // b and f went to faq, c nowhere; last seen: b chat, c cart, f faq (top 2 by name).
        assert_eq!(show(&a[1].next), [(s("faq"), 2), (None, 1)]);
        assert_eq!(show(&a[1].last), [(s("cart"), 1), (s("chat"), 1)]);
        assert!(run(&l, &["view", "cart"], |_| {}).after_drop_off.is_none());
    }

    /// Window 10 s, as of 20: a finished; b's window closed at 10 (dropped at buy); c (view 15,
    /// cart 16) may still buy; d (18), e (12), f (views 0 and 14: the latest is open) and g
    /// (view 19; its cart at 25 comes after as_of) may still reach cart.
    const OPEN: &str = "customer_id,timestamp,touchpoint\n\
        a,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n\
        d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\ng,25,cart\n";

    #[test]
    fn open_windows_by_hand() {
        let l = log(OPEN);
        let go = |as_of: AsOf, first: bool| {
            run(&l, &["view", "cart", "buy"], |o| {
                o.window = "10s".parse().unwrap();
                o.as_of = as_of;
                o.first_attempt = first;
            })
        };
        let f = go(20.into(), false);
        // As of 20, g's cart has not happened.
        assert_eq!(f.counts(), [7, 3, 1]);
        let o = f.open.as_ref().unwrap();
        assert_eq!(o.as_of.as_deref(), Some("1970-01-01T00:00:20Z"));
        let ip: Vec<u64> = o.steps.iter().map(|s| s.in_progress).collect();
        assert_eq!(ip, [0, 4, 1]);
        assert_eq!(o.in_progress, 5);
        // Step 2: 7 - 4 = 3 decided, all 3 reached cart; step 3: 3 - 1 = 2 decided, a bought.
        assert_eq!(o.steps[1].dropped, 0);
        assert_eq!(o.steps[1].conversion_from_previous, Some(1.0));
        assert_eq!(o.steps[2].dropped, 1);
        assert_eq!(o.steps[2].drop_off, Some(0.5));
        assert_eq!(o.conversion, Some(0.5));
        // The usual figures stay: everyone who stopped counts as dropped there.
        assert_eq!(f.steps[1].dropped, 4);
        // First attempts only: f's first window (0 to 10) is closed.
        let f = go(20.into(), true);
        let ip: Vec<u64> = f
            .open
            .unwrap()
            .steps
            .iter()
            .map(|s| s.in_progress)
            .collect();
        assert_eq!(ip, [0, 3, 1]);
        // As of the data end (25): g reached cart and may still buy (window to 29); c's window
        // closed at 25; d's is open (to 28); e's (22) and f's (24) are closed. The same by
        // default, and with "end" given as a time.
        for as_of in [AsOf::End, AsOf::At(TimeBound::Text(" end".into()))] {
            let f = go(as_of, false);
            assert_eq!(f.counts(), [7, 4, 1]);
            let o = f.open.unwrap();
            assert_eq!(o.as_of.as_deref(), Some("1970-01-01T00:00:25Z"));
            let ip: Vec<u64> = o.steps.iter().map(|s| s.in_progress).collect();
            assert_eq!(ip, [0, 1, 1]);
            assert_eq!((o.steps[1].dropped, o.steps[2].dropped), (2, 2));
            assert_eq!(o.conversion, Some(0.2));
        }
        let by_default = run(&l, &["view", "cart", "buy"], |o| {
            o.window = "10s".parse().unwrap()
        });
        assert_eq!(by_default, go(AsOf::End, false));
        // Off: the same figures, and no open windows reported.
        let f = go(AsOf::Off, false);
        assert!(f.open.is_none());
        assert!(serde_json::to_value(&f).unwrap().get("open").is_none());
        assert_eq!(f.steps, by_default.steps);
        let bad = FunnelOptions {
            as_of: "soon".into(),
            ..FunnelOptions::new(["view"])
        };
        assert_eq!(funnel(&l, &bad).unwrap_err().code(), "invalid_argument");
        let f = funnel(&EventLog::empty(), &FunnelOptions::new(["view", "buy"])).unwrap();
        let o = f.open.unwrap();
        assert_eq!((o.in_progress, o.as_of), (0, None));
    }

    /// `as_of` in JSON: absent, null, "end" and true are the end; false is off; a number or
    /// other text is a time.
    #[test]
    fn as_of_parses() {
        let parse = |v: serde_json::Value| {
            let o = serde_json::json!({"steps": ["view"], "as_of": v});
            serde_json::from_value::<FunnelOptions>(o).map(|o| o.as_of)
        };
        let absent: FunnelOptions = serde_json::from_str(r#"{"steps": ["view"]}"#).unwrap();
        assert_eq!(absent.as_of, AsOf::End);
        assert_eq!(parse(serde_json::json!(null)).unwrap(), AsOf::End);
        assert_eq!(parse(serde_json::json!("end")).unwrap(), AsOf::End);
        assert_eq!(parse(serde_json::json!(true)).unwrap(), AsOf::End);
        assert_eq!(parse(serde_json::json!(false)).unwrap(), AsOf::Off);
        assert_eq!(parse(serde_json::json!(20)).unwrap(), AsOf::from(20));
        // JavaScript numbers arrive as floats.
        assert_eq!(parse(serde_json::json!(20.0)).unwrap(), AsOf::from(20));
        assert!(parse(serde_json::json!(20.5)).is_err());
        assert!(parse(serde_json::json!([20])).is_err());
        let t = "2026-01-05T00:00:00Z";
        assert_eq!(
            parse(serde_json::json!(t)).unwrap(),
            AsOf::At(TimeBound::Text(t.into()))
        );
        // Round trips, and the spelling each way is the one accepted.
        for a in [AsOf::End, AsOf::Off, AsOf::from(20), AsOf::from(t)] {
            let v = serde_json::to_value(&a).unwrap();
            assert_eq!(parse(v.clone()).unwrap(), a, "{v}");
        }
        assert_eq!(
            serde_json::to_value(AsOf::Off).unwrap(),
            serde_json::json!(false)
        );
        assert_eq!(
            serde_json::to_value(AsOf::End).unwrap(),
            serde_json::json!("end")
        );
    }

    proptest! {
        /// As of T: the counts are those of the log cut at T, and a customer is in progress at
        /// step m + 1 exactly when they stopped at m and some step-1 event (the first, with
        /// first_attempt) at or before T has its window still open at T.
        #[test]
        fn open_windows_match_brute_force(
            events in proptest::collection::vec((0u8..5, 0i64..40, 0u32..4), 0..50),
            k in 2usize..4,
            window in 0i64..15,
            t in 0i64..45,
            first in any::<bool>(),
        ) {
            let names = ["s0", "s1", "s2", "x"];
            let mut csv = String::from("customer_id,timestamp,touchpoint\n");
            let mut cut = csv.clone();
            for (c, ts, tp) in &events {
                let line = format!("c{c},{ts},{}\n", names[*tp as usize]);
                csv.push_str(&line);
                if *ts <= t {
                    cut.push_str(&line);
                }
            }
            let steps: Vec<&str> = names[..k].to_vec();
            let opts = |as_of: AsOf| FunnelOptions {
                window: Duration::from_secs(window),
                first_attempt: first,
                as_of,
                ..FunnelOptions::new(steps.iter().copied())
            };
            let l = log(&csv);
            let f = funnel(&l, &opts(t.into())).unwrap();
            let whole_cut = funnel(&log(&cut), &opts(AsOf::Off)).unwrap();
            prop_assert_eq!(f.counts(), whole_cut.counts());
            prop_assert!(whole_cut.open.is_none());
            // As of the data end (by default): the same as of the last event's time.
            let end = events.iter().map(|e| e.1).max();
            let by_default = funnel(&l, &opts(AsOf::End)).unwrap();
            match end {
                Some(e) => {
                    let at = funnel(&l, &opts(e.into())).unwrap();
                    prop_assert_eq!(&by_default, &at);
                }
                None => prop_assert_eq!(by_default.open.as_ref().unwrap().in_progress, 0),
            }
            // Off: the plain figures of the whole log.
            let off = funnel(&l, &opts(AsOf::Off)).unwrap();
            prop_assert_eq!(&off.steps, &by_default.steps);
            let mut want = vec![0u64; k];
            let mut by_customer: std::collections::BTreeMap<u8, Vec<(i64, u32)>> = Default::default();
            for (c, ts, tp) in &events {
                if *ts <= t {
                    by_customer.entry(*c).or_default().push((*ts, *tp));
                }
            }
            let cl = log(&cut);
            let m = Matcher::new(&cl, &opts(AsOf::Off)).unwrap();
            for (c, _) in by_customer {
                let j = cl.journey_of(&format!("c{c}")).unwrap();
                let (best, _) = brute_ordered(&m, j.timestamps(), j.touchpoints());
                if best == 0 || best == k {
                    continue;
                }
                let anchors: Vec<i64> = j.timestamps().iter().zip(j.touchpoints())
                    .filter(|(_, &tp)| cl.touchpoint_name(tp) == "s0")
                    .map(|(&ts, _)| ts)
                    .collect();
                let candidates = if first { &anchors[..1] } else { &anchors[..] };
                if candidates.iter().any(|&a| a + window * 1_000_000 > t * 1_000_000) {
                    want[best] += 1;
                }
            }
            let got: Vec<u64> = f.open.as_ref().unwrap().steps.iter().map(|s| s.in_progress).collect();
            prop_assert_eq!(got, want);
            let o = f.open.unwrap();
            for (j, s) in o.steps.iter().enumerate().skip(1) {
                prop_assert_eq!(s.dropped + s.in_progress, f.steps[j].dropped);
            }
        }
    }
}
