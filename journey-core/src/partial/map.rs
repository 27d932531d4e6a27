//! The journey map from data (`JourneyMap::from_data`) as a partial state. Everything the map
//! shows is counted per customer, so it is kept by name and merged by adding: per touchpoint its
//! reach, reach before converting, exits, events per stage, paths and converting paths; per stage
//! its reach; per channel its events; the KPIs' counts; survey answers by touchpoint as
//! histograms; all of it for every customer and, with personas, for each persona (with its size).
//! The frame of names (touchpoints, stages, channels, conversion touchpoints, the channel seen
//! most with each touchpoint, the catalog's kinds) is merged too. Finishing lays out the map from
//! the merged counts with the single-machine code, so the map is the same.

use std::collections::{BTreeMap, BTreeSet};

use super::codec::{corrupted, Codec, Reader, Writer};
use super::retention::KpiState;
use super::survey::{Score, Scores as Finished, SurveyState};
use super::Context;
use crate::error::Result;
use crate::metrics::drivers::{DriverCounts, DriversOptions};
use crate::metrics::path_stats::{
    rate, touch_lift_with, touchpoints_before_conversion, PathStatsOptions,
};
use crate::metrics::retention::KpiOptions;
use crate::metrics::survey::ScoreOptions;
use crate::model::{EventLog, JourneyMap, Kind, Stage, Surveys};
use crate::report::from_data::{
    build, count, persona_part, personas_of, scores_of, Conduciveness, Counts, Figures, Frame,
};
use crate::report::FromDataOptions;

/// Per touchpoint of a segment.
#[derive(Debug, Clone, Default, PartialEq)]
struct Tp {
    reach: u64,
    reach_before: u64,
    exits: u64,
    /// Events per stage name (`None`: no stage).
    stage_events: BTreeMap<Option<String>, u64>,
    /// Conversion paths through it, and of those converting.
    paths: u64,
    conversions: u64,
}

/// One segment: all customers, or one persona.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    customers: u64,
    tps: BTreeMap<String, Tp>,
    stage_reach: BTreeMap<String, u64>,
    channel_events: BTreeMap<String, u64>,
    /// All conversion paths, and of those converting.
    paths: u64,
    conversions: u64,
    kpis: KpiState,
    /// CSAT, NPS and CES by touchpoint, when surveys are given.
    scores: Option<(SurveyState, SurveyState, SurveyState)>,
    /// With the option `drivers`: the conversion drivers' counts (touchpoints, default
    /// options).
    drivers: Option<DriverCounts>,
}

fn by_touchpoint() -> ScoreOptions {
    ScoreOptions {
        by: Some("touchpoint".to_string()),
    }
}

impl Segment {
    fn of(log: &EventLog, surveys: Option<&Surveys>, drivers: bool) -> Result<Self> {
        let c = count(log);
        let stages = log.stages();
        let mut tps: BTreeMap<String, Tp> = BTreeMap::new();
        for (t, name) in log.touchpoints().iter().enumerate() {
            let stage_events: BTreeMap<Option<String>, u64> = c.stage_events[t]
                .iter()
                .enumerate()
                .filter(|(_, &n)| n > 0)
                .map(|(s, &n)| (stages.get(s).cloned(), n))
                .collect();
            if c.reach[t] > 0 || !stage_events.is_empty() {
                tps.insert(
                    name.clone(),
                    Tp {
                        reach: c.reach[t],
                        reach_before: c.reach_before[t],
                        exits: c.exits[t],
                        stage_events,
                        paths: 0,
                        conversions: 0,
                    },
                );
            }
        }
        let o = PathStatsOptions::default();
        for row in touch_lift_with(log, &o, false)? {
            let e = tps.entry(row.name).or_default();
            e.paths = row.paths;
            e.conversions = row.conversions;
        }
        let all = touchpoints_before_conversion(log, &o)?;
        let nonzero = |names: &[String], v: &[u64]| -> BTreeMap<String, u64> {
            names
                .iter()
                .zip(v)
                .filter(|(_, &n)| n > 0)
                .map(|(k, &n)| (k.clone(), n))
                .collect()
        };
        let by = by_touchpoint();
        let scores = match surveys {
            Some(s) => Some((
                SurveyState::of(log, s, Score::Csat, &by)?,
                SurveyState::of(log, s, Score::Nps, &by)?,
                SurveyState::of(log, s, Score::Ces, &by)?,
            )),
            None => None,
        };
        Ok(Segment {
            customers: c.customers,
            tps,
            stage_reach: nonzero(stages, &c.stage_reach),
            channel_events: nonzero(log.channels(), &c.channel_events),
            paths: all.n_paths,
            conversions: all.n_conversions,
            kpis: KpiState::of(log, &KpiOptions::default(), Context::of(log).span)?,
            scores,
            drivers: if drivers {
                Some(DriverCounts::of(log, &DriversOptions::default())?)
            } else {
                None
            },
        })
    }

    fn merge(&mut self, b: Segment) {
        self.customers += b.customers;
        for (k, t) in b.tps {
            let e = self.tps.entry(k).or_default();
            e.reach += t.reach;
            e.reach_before += t.reach_before;
            e.exits += t.exits;
            e.paths += t.paths;
            e.conversions += t.conversions;
            for (s, n) in t.stage_events {
                *e.stage_events.entry(s).or_default() += n;
            }
        }
        for (k, n) in b.stage_reach {
            *self.stage_reach.entry(k).or_default() += n;
        }
        for (k, n) in b.channel_events {
            *self.channel_events.entry(k).or_default() += n;
        }
        self.paths += b.paths;
        self.conversions += b.conversions;
        self.kpis.merge(b.kpis);
        self.scores = match (self.scores.take(), b.scores) {
            (Some(mut a), Some(b)) => {
                a.0.merge(b.0);
                a.1.merge(b.1);
                a.2.merge(b.2);
                Some(a)
            }
            (a, b) => a.or(b),
        };
        self.drivers = match (self.drivers.take(), b.drivers) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, b) => a.or(b),
        };
    }

    /// Takes away `b`'s customers (merged into `self` before): counts subtracted, entries at
    /// zero removed (the figures read a missing entry as zero).
    fn retract(&mut self, b: &Segment) {
        fn sub<K: Ord + Clone>(a: &mut BTreeMap<K, u64>, b: &BTreeMap<K, u64>) {
            for (k, n) in b {
                if let Some(e) = a.get_mut(k) {
                    *e -= n;
                    if *e == 0 {
                        a.remove(k);
                    }
                }
            }
        }
        self.customers -= b.customers;
        for (k, t) in &b.tps {
            if let Some(e) = self.tps.get_mut(k) {
                e.reach -= t.reach;
                e.reach_before -= t.reach_before;
                e.exits -= t.exits;
                e.paths -= t.paths;
                e.conversions -= t.conversions;
                sub(&mut e.stage_events, &t.stage_events);
                if *e == Tp::default() {
                    self.tps.remove(k);
                }
            }
        }
        sub(&mut self.stage_reach, &b.stage_reach);
        sub(&mut self.channel_events, &b.channel_events);
        self.paths -= b.paths;
        self.conversions -= b.conversions;
        self.kpis.retract_totals(&b.kpis);
        if let (Some(a), Some(b)) = (self.scores.as_mut(), b.scores.as_ref()) {
            a.0.retract(&b.0);
            a.1.retract(&b.1);
            a.2.retract(&b.2);
        }
        if let (Some(a), Some(b)) = (self.drivers.as_mut(), b.drivers.as_ref()) {
            a.retract(b);
        }
    }

    /// The figures of the segment, indexed like `frame`.
    fn figures(self, frame: &Frame) -> Result<Figures> {
        // Long because every count of the figures is filled from the state's tables in one pass,
        // in the frame's order.
        let (nt, ns, nc) = (
            frame.touchpoints.len(),
            frame.stages.len(),
            frame.channels.len(),
        );
        let tix = |n: &str| frame.touchpoints.binary_search_by(|t| t.as_str().cmp(n));
        let six = |n: &str| frame.stages.iter().position(|s| s == n);
        let cix = |n: &str| frame.channels.binary_search_by(|t| t.as_str().cmp(n));
        let mut counts = Counts {
            customers: self.customers,
            reach: vec![0; nt],
            reach_before: vec![0; nt],
            exits: vec![0; nt],
            stage_events: vec![vec![0; ns + 1]; nt],
            stage_reach: vec![0; ns],
            channel_events: vec![0; nc],
        };
        let mut conducive = vec![Conduciveness::default(); nt];
        let overall = rate(self.conversions, self.paths);
        for (name, tp) in &self.tps {
            let Ok(t) = tix(name) else {
                return Err(corrupted("a touchpoint of a segment is not in the frame"));
            };
            counts.reach[t] = tp.reach;
            counts.reach_before[t] = tp.reach_before;
            counts.exits[t] = tp.exits;
            for (s, &n) in &tp.stage_events {
                let si = match s {
                    Some(s) => six(s).ok_or_else(|| corrupted("an unknown stage"))?,
                    None => ns,
                };
                counts.stage_events[t][si] = n;
            }
            if tp.paths > 0 {
                let r = tp.conversions as f64 / tp.paths as f64;
                conducive[t] = Conduciveness {
                    conversion_rate: Some(r),
                    lift: overall.filter(|&o| o > 0.0).map(|o| r / o),
                };
            }
        }
        for (s, &n) in &self.stage_reach {
            counts.stage_reach[six(s).ok_or_else(|| corrupted("an unknown stage"))?] = n;
        }
        for (c, &n) in &self.channel_events {
            counts.channel_events[cix(c).map_err(|_| corrupted("an unknown channel"))?] = n;
        }
        let scores = match self.scores {
            None => vec![Default::default(); nt],
            Some((c, n, e)) => {
                let by = by_touchpoint();
                let (Finished::Csat(c), Finished::Nps(n), Finished::Ces(e)) = (
                    c.finish(Score::Csat, &by),
                    n.finish(Score::Nps, &by),
                    e.finish(Score::Ces, &by),
                ) else {
                    unreachable!("each score finishes to its own breakdown")
                };
                scores_of(&frame.touchpoints, &c, &n, &e)
            }
        };
        let k = self.kpis.finish(&KpiOptions::default())?;
        let drivers = match &self.drivers {
            None => None,
            Some(d) => {
                let mut out = vec![None; nt];
                for row in d.finish(&DriversOptions::default(), &[]).rows {
                    let t = tix(&row.name)
                        .map_err(|_| corrupted("a driver's touchpoint is not in the frame"))?;
                    out[t] = Some(row);
                }
                Some(out)
            }
        };
        Ok(Figures {
            drivers,
            counts,
            conducive,
            scores,
            conversion_rate: k.conversion_rate,
            n_orders: k.n_orders,
        })
    }

    fn fits(&self) -> bool {
        self.drivers
            .as_ref()
            .map_or(true, |d| d.fits(&DriversOptions::default()))
            && self.conversions <= self.paths
            && self.kpis.fits()
            && self
                .tps
                .values()
                .all(|t| t.reach <= self.customers && t.conversions <= t.paths)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapState {
    touchpoints: BTreeSet<String>,
    stages: BTreeSet<String>,
    channels: BTreeSet<String>,
    conversions: BTreeSet<String>,
    /// Events per touchpoint and channel name.
    tp_channel: BTreeMap<String, BTreeMap<String, u64>>,
    /// The catalog's kind of each touchpoint that has one.
    kinds: BTreeMap<String, Kind>,
    n_customers: u64,
    n_events: u64,
    n_responses: Option<u64>,
    all: Segment,
    /// With personas: each one's size (customers) and segment.
    personas: Option<BTreeMap<String, (u64, Segment)>>,
}

impl MapState {
    pub(crate) fn of(
        log: &EventLog,
        surveys: Option<&Surveys>,
        opts: &FromDataOptions,
    ) -> Result<Self> {
        // The single-machine call's checks, on each partition.
        opts.check()?;
        let personas = match personas_of(log, opts)? {
            None => None,
            Some((names, index)) => {
                let mut m = BTreeMap::new();
                for (p, name) in names.iter().enumerate() {
                    let size = index.iter().filter(|&&i| i == Some(p)).count() as u64;
                    let (sub, sub_surveys) = persona_part(log, surveys, &index, p)?;
                    m.insert(
                        name.to_string(),
                        (size, Segment::of(&sub, sub_surveys.as_ref(), opts.drivers)?),
                    );
                }
                Some(m)
            }
        };
        let mut tp_channel: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut counts: rustc_hash::FxHashMap<(u32, u32), u64> = Default::default();
        for (&t, &c) in log.touchpoint_ids().iter().zip(log.channel_ids()) {
            *counts.entry((t, c)).or_default() += 1;
        }
        for ((t, c), n) in counts {
            tp_channel
                .entry(log.touchpoint_name(t).to_string())
                .or_default()
                .insert(log.channel_name(c).to_string(), n);
        }
        let tps = log.touchpoints();
        Ok(MapState {
            touchpoints: tps.iter().cloned().collect(),
            stages: log.stages().iter().cloned().collect(),
            channels: log.channels().iter().cloned().collect(),
            conversions: (0..tps.len() as u32)
                .filter(|&t| log.is_conversion(t))
                .map(|t| tps[t as usize].clone())
                .collect(),
            tp_channel,
            kinds: tps
                .iter()
                .filter_map(|t| log.catalog().get(t).map(|e| (t.clone(), e.kind)))
                .collect(),
            n_customers: log.n_customers() as u64,
            n_events: log.n_events() as u64,
            n_responses: surveys.map(|s| s.len() as u64),
            all: Segment::of(log, surveys, opts.drivers)?,
            personas,
        })
    }

    pub(crate) fn merge(&mut self, b: MapState) {
        self.touchpoints.extend(b.touchpoints);
        self.stages.extend(b.stages);
        self.channels.extend(b.channels);
        self.conversions.extend(b.conversions);
        for (t, m) in b.tp_channel {
            let e = self.tp_channel.entry(t).or_default();
            for (c, n) in m {
                *e.entry(c).or_default() += n;
            }
        }
        self.kinds.extend(b.kinds);
        self.n_customers += b.n_customers;
        self.n_events += b.n_events;
        self.n_responses = match (self.n_responses, b.n_responses) {
            (Some(x), Some(y)) => Some(x + y),
            (x, y) => x.or(y),
        };
        self.all.merge(b.all);
        self.personas = match (self.personas.take(), b.personas) {
            (Some(mut a), Some(b)) => {
                for (k, (n, s)) in b {
                    match a.get_mut(&k) {
                        Some(e) => {
                            e.0 += n;
                            e.1.merge(s);
                        }
                        None => {
                            a.insert(k, (n, s));
                        }
                    }
                }
                Some(a)
            }
            (a, b) => a.or(b),
        };
    }

    /// Takes away `b`'s customers (merged into `self` before): every count subtracted,
    /// entries and personas left at zero removed. The names (touchpoints, stages, channels,
    /// conversions, kinds) are unions and stay: a live analysis only adds events.
    pub(crate) fn retract(&mut self, b: &MapState) {
        for (t, m) in &b.tp_channel {
            if let Some(e) = self.tp_channel.get_mut(t) {
                for (c, n) in m {
                    if let Some(x) = e.get_mut(c) {
                        *x -= n;
                        if *x == 0 {
                            e.remove(c);
                        }
                    }
                }
                if e.is_empty() {
                    self.tp_channel.remove(t);
                }
            }
        }
        self.n_customers -= b.n_customers;
        self.n_events -= b.n_events;
        if let (Some(x), Some(y)) = (self.n_responses.as_mut(), b.n_responses) {
            *x -= y;
        }
        self.all.retract(&b.all);
        if let (Some(a), Some(b)) = (self.personas.as_mut(), b.personas.as_ref()) {
            for (k, (n, s)) in b {
                if let Some(e) = a.get_mut(k) {
                    e.0 -= n;
                    e.1.retract(s);
                    if e.0 == 0 {
                        a.remove(k);
                    }
                }
            }
        }
    }

    pub(crate) fn finish(self, opts: &FromDataOptions) -> Result<JourneyMap> {
        let touchpoints: Vec<String> = self.touchpoints.into_iter().collect();
        let rank = |s: &str| Stage::default_rank(s).unwrap_or(usize::MAX);
        let mut stages: Vec<String> = self.stages.into_iter().collect();
        stages.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
        let channel_of = touchpoints
            .iter()
            .map(|t| {
                // The most often seen; ties go to the first name.
                self.tp_channel.get(t).and_then(|m| {
                    m.iter()
                        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                        .map(|(c, _)| c.clone())
                })
            })
            .collect();
        let frame = Frame {
            conversion: touchpoints
                .iter()
                .map(|t| self.conversions.contains(t))
                .collect(),
            channel_of,
            kind: touchpoints
                .iter()
                .map(|t| self.kinds.get(t).copied().unwrap_or(Kind::Digital))
                .collect(),
            touchpoints,
            stages,
            channels: self.channels.into_iter().collect(),
            n_customers: self.n_customers,
            n_events: self.n_events,
            n_responses: self.n_responses,
        };
        let all = self.all.figures(&frame)?;
        let personas = match self.personas {
            None => None,
            Some(m) => {
                let mut v: Vec<(String, (u64, Segment))> = m.into_iter().collect();
                // The most common first, ties by name.
                v.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
                Some(
                    v.into_iter()
                        .map(|(n, (_, s))| Ok((n, s.figures(&frame)?)))
                        .collect::<Result<Vec<_>>>()?,
                )
            }
        };
        build(&frame, &all, personas, opts)
    }

    pub(crate) fn fits(&self) -> bool {
        let known = |s: &Segment| {
            s.fits()
                && s.tps.keys().all(|t| self.touchpoints.contains(t))
                && s.channel_events.keys().all(|c| self.channels.contains(c))
                && s.stage_reach.keys().all(|c| self.stages.contains(c))
                && s.tps.values().all(|t| {
                    t.stage_events
                        .keys()
                        .flatten()
                        .all(|c| self.stages.contains(c))
                })
        };
        known(&self.all)
            && self
                .personas
                .as_ref()
                .map_or(true, |m| m.values().all(|(_, s)| known(s)))
            && self
                .conversions
                .iter()
                .all(|t| self.touchpoints.contains(t))
    }
}

impl Codec for Kind {
    fn enc(&self, w: &mut Writer) {
        w.raw(&[match self {
            Kind::Digital => 0,
            Kind::Physical => 1,
        }])
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        match r.raw(1)?[0] {
            0 => Ok(Kind::Digital),
            1 => Ok(Kind::Physical),
            b => Err(corrupted(format!("{b} is not a touchpoint kind"))),
        }
    }
}

impl Codec for Tp {
    fn enc(&self, w: &mut Writer) {
        self.reach.enc(w);
        self.reach_before.enc(w);
        self.exits.enc(w);
        self.stage_events.enc(w);
        self.paths.enc(w);
        self.conversions.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Tp {
            reach: Codec::dec(r)?,
            reach_before: Codec::dec(r)?,
            exits: Codec::dec(r)?,
            stage_events: Codec::dec(r)?,
            paths: Codec::dec(r)?,
            conversions: Codec::dec(r)?,
        })
    }
}

impl Codec for Segment {
    fn enc(&self, w: &mut Writer) {
        self.customers.enc(w);
        self.tps.enc(w);
        self.stage_reach.enc(w);
        self.channel_events.enc(w);
        self.paths.enc(w);
        self.conversions.enc(w);
        self.kpis.enc(w);
        self.drivers.enc(w);
        match &self.scores {
            None => w.raw(&[0]),
            Some((a, b, c)) => {
                w.raw(&[1]);
                a.enc(w);
                b.enc(w);
                c.enc(w);
            }
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Segment {
            customers: Codec::dec(r)?,
            tps: Codec::dec(r)?,
            stage_reach: Codec::dec(r)?,
            channel_events: Codec::dec(r)?,
            paths: Codec::dec(r)?,
            conversions: Codec::dec(r)?,
            kpis: Codec::dec(r)?,
            drivers: Codec::dec(r)?,
            scores: match r.raw(1)?[0] {
                0 => None,
                1 => {
                    let by = by_touchpoint();
                    let mut s = Vec::with_capacity(3);
                    for score in [Score::Csat, Score::Nps, Score::Ces] {
                        let x = SurveyState::dec(r)?;
                        if !x.fits(score, &by) {
                            return Err(corrupted("the survey answers do not add up"));
                        }
                        s.push(x);
                    }
                    let c = s.pop().expect("three");
                    let b = s.pop().expect("three");
                    let a = s.pop().expect("three");
                    Some((a, b, c))
                }
                b => return Err(corrupted(format!("{b} is not an option tag"))),
            },
        })
    }
}

impl Codec for MapState {
    fn enc(&self, w: &mut Writer) {
        let set = |s: &BTreeSet<String>, w: &mut Writer| {
            s.iter().cloned().collect::<Vec<String>>().enc(w)
        };
        set(&self.touchpoints, w);
        set(&self.stages, w);
        set(&self.channels, w);
        set(&self.conversions, w);
        self.tp_channel.enc(w);
        self.kinds.enc(w);
        self.n_customers.enc(w);
        self.n_events.enc(w);
        self.n_responses.enc(w);
        self.all.enc(w);
        self.personas
            .as_ref()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<(String, (u64, Segment))>>()
            })
            .enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let set = |r: &mut Reader<'_>| -> Result<BTreeSet<String>> {
            Ok(Vec::<String>::dec(r)?.into_iter().collect())
        };
        Ok(MapState {
            touchpoints: set(r)?,
            stages: set(r)?,
            channels: set(r)?,
            conversions: set(r)?,
            tp_channel: Codec::dec(r)?,
            kinds: Codec::dec(r)?,
            n_customers: Codec::dec(r)?,
            n_events: Codec::dec(r)?,
            n_responses: Codec::dec(r)?,
            all: Codec::dec(r)?,
            personas: Option::<Vec<(String, (u64, Segment))>>::dec(r)?
                .map(|v| v.into_iter().collect()),
        })
    }
}
