//! The funnel as a partial state: per breakdown group (by name), customers per step, the exact
//! times from the previous step (value -> count), the dropped customers' ids, the customers who
//! may still be in progress and, with a trend, the customers entered and converted per period;
//! with a trend or as of the data end also the latest event seen (a maximum, which says whether
//! a period's windows have all closed, and which windows are open at the end).
//!
//! Open windows: per furthest step reached, the unfinished customers are counted by the start
//! time of the attempt that could still go further (the key `open_windows` looks at). At the
//! finish, as of `t` (the latest event, or the time given), a customer is in progress when the
//! key lies less than one window before `t`. `t` only grows under merges (and under a live
//! analysis's appends), so keys a window or more before it can never be in progress again: they
//! are dropped, and a retract passes over them.

use std::collections::BTreeMap;

use super::codec::{Codec, Reader, ValueCounts, Writer};
use crate::error::Result;
use crate::metrics::distribution::mean_s;
use crate::metrics::funnel::{
    conversion, fold, group_value, open_windows, step_rows, trend_rows, Breakdown, FunnelGroup,
    FunnelOptions, FunnelResult, FunnelStepRow,
};
use crate::model::EventLog;
use crate::time::US_PER_SEC;

/// A breakdown group's key: `(false, value)` for a value, `(true, "")` for "no value", so the
/// keys sort as the single-machine groups do (by value, no value last).
type GroupKey = (bool, String);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupState {
    reached: Vec<u64>,
    deltas: Vec<ValueCounts>,
    /// Per step, the ids of the customers who dropped there, sorted.
    dropped: Vec<Vec<String>>,
    /// With a trend: per period index, customers entered and converted.
    trend: BTreeMap<i64, (u64, u64)>,
    /// Unless `as_of` is off: per furthest step reached (index), the customers whose window may
    /// still be open, by the start time (µs) of their open attempt (only keys still open at the
    /// state's horizon).
    open: Vec<BTreeMap<i64, u64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FunnelState {
    n_customers: u64,
    groups: BTreeMap<GroupKey, GroupState>,
    /// With a trend or as of the end: the latest event of the customers merged in (kept by a
    /// retract: a live analysis only adds events, so it is right again once their new events
    /// are merged).
    last_event: Option<i64>,
    /// How open windows are counted, from the options (`None`: off). Not in the bytes: the
    /// options travel with them.
    rule: Option<OpenRule>,
}

/// The options' open-window rule: the window and the fixed `as_of` time (`None`: the end).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OpenRule {
    window: i64,
    at: Option<i64>,
}

impl OpenRule {
    fn of(opts: &FunnelOptions) -> Result<Option<Self>> {
        Ok(opts.as_of.is_on().then_some(OpenRule {
            window: opts.window.as_us(),
            at: opts.as_of.fixed_us()?,
        }))
    }

    /// The time the funnel is counted at, given the latest event seen.
    fn horizon(&self, last_event: Option<i64>) -> Option<i64> {
        self.at.or(last_event)
    }

    /// Whether an attempt that started at `key` is still open at `h` (as `open_windows`
    /// decides it: it started less than one window before).
    fn open(&self, key: i64, h: i64) -> bool {
        key.saturating_add(self.window) > h
    }
}

impl FunnelState {
    pub(crate) fn of(log: &EventLog, opts: &FunnelOptions) -> Result<Self> {
        if opts.after_drop_off > 0 {
            return Err(crate::error::Error::argument(
                "after_drop_off",
                "after drop-off is not available in partial results yet",
            ));
        }
        let rule = OpenRule::of(opts)?;
        let (groups, breakdown) = fold(log, opts, rule.is_some())?;
        let mut out = BTreeMap::new();
        for (g, ga) in groups.into_iter().enumerate() {
            let Some(ga) = ga else { continue };
            let key = match (breakdown, group_value(log, breakdown, g)) {
                (Breakdown::None, _) => (false, String::new()),
                (_, Some(v)) => (false, v),
                (_, None) => (true, String::new()),
            };
            let dropped = ga
                .dropped
                .into_iter()
                .map(|mut ids| {
                    // Customer ids are numbered in id order: sorted ids give sorted names.
                    ids.sort_unstable();
                    ids.iter()
                        .map(|&c| log.customer_ids()[c as usize].clone())
                        .collect()
                })
                .collect();
            let deltas = ga
                .deltas
                .into_iter()
                .map(|d| ValueCounts::of(d.into_vec()))
                .collect();
            out.insert(
                key,
                GroupState {
                    reached: ga.reached,
                    deltas,
                    dropped,
                    trend: ga.trend,
                    // The fold keeps the keys open at this log's own horizon.
                    open: ga.open_keys,
                },
            );
        }
        let end = rule.is_some_and(|r| r.at.is_none());
        Ok(FunnelState {
            n_customers: log.n_customers() as u64,
            groups: out,
            last_event: (opts.trend.is_some() || end)
                .then(|| super::Context::of(log).last_us())
                .flatten(),
            rule,
        })
    }

    /// The state decoded with these options: their open-window rule.
    pub(crate) fn with_rule(mut self, opts: &FunnelOptions) -> Result<Self> {
        self.rule = OpenRule::of(opts)?;
        Ok(self)
    }

    /// Drops the keys that are no longer open at `h`.
    fn prune(&mut self, h: Option<i64>) {
        let (Some(rule), Some(h)) = (self.rule, h) else {
            return;
        };
        for g in self.groups.values_mut() {
            for m in &mut g.open {
                m.retain(|&key, _| rule.open(key, h));
            }
        }
    }

    /// Whether decoded bytes fit the options (one entry per step everywhere) and add up: each
    /// step reached by no more customers than the one before, and the groups' customers no
    /// more than the customers.
    pub(crate) fn fits(&self, opts: &FunnelOptions) -> bool {
        let k = opts.steps.len();
        let shaped = self.groups.values().all(|g| {
            g.reached.len() == k
                && g.deltas.len() == k
                && g.dropped.len() == k
                && g.reached.windows(2).all(|w| w[0] >= w[1])
                && trend_fits(g, opts.trend.is_some())
                && open_fits(g, opts.as_of.is_on())
        });
        let starts = self.groups.values().try_fold(0u64, |a, g| {
            a.checked_add(g.reached.first().copied().unwrap_or(0))
        });
        shaped && starts.is_some_and(|n| n <= self.n_customers)
    }

    pub(crate) fn merge(&mut self, mut b: FunnelState) {
        self.n_customers += b.n_customers;
        let before = self.horizon();
        self.last_event = self.last_event.max(b.last_event);
        // Both sides keep only the keys still open at the merged horizon.
        let h = self.horizon();
        b.prune(h);
        if h != before {
            self.prune(h);
        }
        for (k, g) in b.groups {
            match self.groups.get_mut(&k) {
                Some(a) => a.merge(g),
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
    }

    /// Takes away the customers of `b` (merged into `self` before); a group that no customer
    /// starts any more goes, as it would be absent from a partial without them.
    pub(crate) fn retract(&mut self, b: &FunnelState) {
        self.n_customers -= b.n_customers;
        // Keys closed at this state's horizon were dropped (here, or before they were merged):
        // there is nothing to take away for them.
        let rule = self.rule.zip(self.horizon());
        let open = |key: i64| rule.map_or(true, |(r, h)| r.open(key, h));
        for (k, g) in &b.groups {
            if let Some(a) = self.groups.get_mut(k) {
                a.retract(g, open);
                if a.reached.first().copied().unwrap_or(0) == 0 {
                    self.groups.remove(k);
                }
            }
        }
    }

    /// The time open windows are counted at (`None`: off, or nothing seen as of the end).
    fn horizon(&self) -> Option<i64> {
        self.rule.and_then(|r| r.horizon(self.last_event))
    }

    pub(crate) fn finish(self, opts: &FunnelOptions) -> FunnelResult {
        let h = self.horizon();
        let k = opts.steps.len();
        let with_breakdown = opts.breakdown.is_some();
        let mut total = GroupState::new(k);
        let mut groups = Vec::new();
        for ((none, value), g) in self.groups {
            if with_breakdown {
                let steps = g.clone().rows(opts);
                groups.push(FunnelGroup {
                    value: (!none).then_some(value),
                    conversion: conversion(&steps),
                    steps,
                });
            }
            total.merge(g);
        }
        let trend_end = self.rule.and_then(|r| r.at).or(self.last_event);
        let trend = opts
            .trend
            .map(|period| trend_rows(period, &total.trend, trend_end, opts.window));
        let open = self.rule.map(|rule| {
            let in_progress: Vec<u64> = total
                .open
                .iter()
                .map(|m| {
                    m.iter()
                        .filter(|(&key, _)| h.is_some_and(|h| rule.open(key, h)))
                        .map(|(_, n)| n)
                        .sum()
                })
                .collect();
            open_windows(&total.reached, &in_progress, h)
        });
        let steps = total.rows(opts);
        FunnelResult {
            mode: opts.mode,
            window_s: opts.window.as_secs_f64(),
            first_attempt: opts.first_attempt,
            n_customers: self.n_customers,
            conversion: conversion(&steps),
            steps,
            breakdown: opts.breakdown.clone(),
            groups: with_breakdown.then_some(groups),
            open,
            after_drop_off: None,
            trend,
        }
    }
}

/// A group's open windows: one key table per step, none at step 1 (nobody is in progress
/// there) and none at all when `as_of` is off; no empty count; per step no more customers than
/// stopped there.
fn open_fits(g: &GroupState, on: bool) -> bool {
    let k = g.reached.len();
    g.open.len() == k
        && g.open.first().map_or(true, BTreeMap::is_empty)
        && g.open.iter().enumerate().skip(1).all(|(m, keys)| {
            let stopped = g.reached[m - 1] - g.reached[m];
            let n = keys
                .values()
                .try_fold(0u64, |a, &n| (n > 0).then(|| a.checked_add(n)).flatten());
            (on || keys.is_empty()) && n.is_some_and(|n| n <= stopped)
        })
}

/// A group's trend: none without a trend; with one, every customer who entered in exactly one
/// period (the entered add up to step 1's customers, the converted to the last step's).
fn trend_fits(g: &GroupState, trend: bool) -> bool {
    if !trend {
        return g.trend.is_empty();
    }
    let sum =
        |f: fn(&(u64, u64)) -> u64| g.trend.values().try_fold(0u64, |a, t| a.checked_add(f(t)));
    g.trend.values().all(|&(e, c)| c <= e && e > 0)
        && sum(|t| t.0) == g.reached.first().copied()
        && sum(|t| t.1) == g.reached.last().copied()
}

#[cfg(test)]
impl FunnelState {
    /// Every open key: (furthest step reached, attempt start µs, customers), over the groups.
    pub(crate) fn open_keys_for_test(&self) -> Vec<(usize, i64, u64)> {
        let mut v: Vec<(usize, i64, u64)> = self
            .groups
            .values()
            .flat_map(|g| {
                g.open
                    .iter()
                    .enumerate()
                    .flat_map(|(m, keys)| keys.iter().map(move |(&k, &n)| (m, k, n)))
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// One more customer entered in a period than the group has at step 1.
    pub(crate) fn corrupt_trend_for_test(&mut self) {
        if let Some(g) = self.groups.values_mut().next() {
            g.trend.entry(0).or_default().0 += 1;
        }
    }
}

impl GroupState {
    fn new(k: usize) -> Self {
        GroupState {
            reached: vec![0; k],
            deltas: vec![ValueCounts::default(); k],
            dropped: vec![Vec::new(); k],
            trend: BTreeMap::new(),
            open: vec![BTreeMap::new(); k],
        }
    }

    fn merge(&mut self, b: GroupState) {
        for (x, y) in self.reached.iter_mut().zip(&b.reached) {
            *x += y;
        }
        for (x, y) in self.deltas.iter_mut().zip(b.deltas) {
            x.merge(y);
        }
        for (x, y) in self.dropped.iter_mut().zip(b.dropped) {
            x.extend(y);
            // Each customer is in one partition: sorting the union gives the id order.
            x.sort_unstable();
        }
        for (p, (e, c)) in b.trend {
            let x = self.trend.entry(p).or_default();
            x.0 += e;
            x.1 += c;
        }
        for (x, y) in self.open.iter_mut().zip(b.open) {
            if x.is_empty() {
                *x = y;
            } else {
                for (key, n) in y {
                    *x.entry(key).or_default() += n;
                }
            }
        }
    }

    /// Takes away `b`'s customers; of its open keys, only those for which `open` holds (the
    /// others were dropped from `self`).
    fn retract(&mut self, b: &GroupState, open: impl Fn(i64) -> bool) {
        for (x, y) in self.reached.iter_mut().zip(&b.reached) {
            *x -= y;
        }
        for (x, y) in self.deltas.iter_mut().zip(&b.deltas) {
            x.subtract(y);
        }
        for (x, y) in self.dropped.iter_mut().zip(&b.dropped) {
            // Both sorted: one pass.
            let mut j = 0;
            x.retain(|id| {
                while j < y.len() && y[j] < *id {
                    j += 1;
                }
                !(j < y.len() && y[j] == *id)
            });
        }
        for (p, (e, c)) in &b.trend {
            if let Some(x) = self.trend.get_mut(p) {
                x.0 -= e;
                x.1 -= c;
                if x.0 == 0 {
                    self.trend.remove(p);
                }
            }
        }
        for (x, y) in self.open.iter_mut().zip(&b.open) {
            for (&key, &n) in y.iter().filter(|(&key, _)| open(key)) {
                if let Some(c) = x.get_mut(&key) {
                    *c = c.saturating_sub(n);
                    if *c == 0 {
                        x.remove(&key);
                    }
                }
            }
        }
    }

    fn rows(self, opts: &FunnelOptions) -> Vec<FunnelStepRow> {
        let us = US_PER_SEC as f64;
        let stats = self
            .deltas
            .iter()
            .map(|d| (mean_s(d.len(), d.sum()), d.quantile(0.5).map(|m| m / us)))
            .collect();
        let dropped = self
            .dropped
            .into_iter()
            .map(|ids| opts.dropped_ids.then_some(ids))
            .collect();
        step_rows(opts, &self.reached, stats, dropped)
    }
}

impl Codec for GroupState {
    fn enc(&self, w: &mut Writer) {
        self.reached.enc(w);
        self.deltas.enc(w);
        self.dropped.enc(w);
        self.trend.enc(w);
        self.open.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(GroupState {
            reached: Codec::dec(r)?,
            deltas: Codec::dec(r)?,
            dropped: Codec::dec(r)?,
            trend: Codec::dec(r)?,
            open: Codec::dec(r)?,
        })
    }
}

impl Codec for FunnelState {
    fn enc(&self, w: &mut Writer) {
        self.n_customers.enc(w);
        self.groups.enc(w);
        self.last_event.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(FunnelState {
            n_customers: Codec::dec(r)?,
            groups: Codec::dec(r)?,
            last_event: Codec::dec(r)?,
            rule: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::partial::{Analysis, Context, Partial, State};
    use crate::read_events_csv;

    fn partial() -> Partial {
        let csv = "customer_id,timestamp,touchpoint\na,0,view\na,60,cart\nb,0,view\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let a = Analysis::from_json("funnel", &json!({"steps": ["view", "cart"]})).unwrap();
        log.partial(&a, &Context::default()).unwrap()
    }

    fn refused(p: &Partial) -> String {
        let e = Partial::from_bytes(&p.to_bytes()).unwrap_err();
        assert_eq!(e.code(), "invalid_partial");
        e.to_string()
    }

    /// A later step reached by more customers than the one before made `finish` subtract with
    /// overflow (found by the `partial_bytes` fuzz target); so does more customers starting
    /// than the partial has. Both are corrupted bytes now.
    #[test]
    fn counts_that_do_not_add_up_are_corrupted() {
        let p = partial();
        assert_eq!(Partial::from_bytes(&p.to_bytes()).unwrap(), p);
        let State::Funnel(s) = &p.state else {
            unreachable!()
        };
        assert_eq!(s.n_customers, 2);
        assert_eq!(s.groups.values().next().unwrap().reached, [2, 1]);

        let mut q = p.clone();
        let State::Funnel(s) = &mut q.state else {
            unreachable!()
        };
        s.groups.values_mut().next().unwrap().reached = vec![1, 2];
        assert_eq!(
            refused(&q),
            "invalid partial: corrupted bytes: the funnel state does not fit its steps"
        );

        let mut q = p.clone();
        let State::Funnel(s) = &mut q.state else {
            unreachable!()
        };
        s.n_customers = 1;
        assert_eq!(
            refused(&q),
            "invalid partial: corrupted bytes: the funnel state does not fit its steps"
        );
    }
}
