//! A journey map filled from data: [`JourneyMap::from_data`].
//!
//! Stages and touchpoints come from the event log (its stage column or the touchpoint catalog);
//! each touchpoint gets measured figures (reach, share of journeys, conversion rate and lift,
//! drop-off, CSAT / NPS / CES where surveys exist), an emotion derived from satisfaction, pain
//! points where drop-off or dissatisfaction pass a threshold, an opportunity for each, and a
//! priority score. With personas (a property column of the log), each persona gets its own
//! steps, computed on its customers only. Every rule is written down in `docs/map-from-data.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::drivers::{conversion_drivers, Direction, DriverRow, DriversOptions};
use crate::metrics::path_stats::{touch_lift_with, PathStatsOptions};
use crate::metrics::retention::{kpis, KpiOptions};
use crate::metrics::survey::{self, Breakdown, ScoreOptions};
use crate::model::{EventLog, JourneyMap, Kind, Persona, Stage, Step, Surveys, Touchpoint};
use crate::render::svg::{signed_int, thousands};

/// Name of the persona that stands for every customer of the log.
pub const ALL_CUSTOMERS: &str = "All customers";
/// The stage of touchpoints whose events carry no stage, when other touchpoints have one.
pub const OTHER_STAGE: &str = "other";
/// The one stage of a map made from a log without any stage information.
pub const JOURNEY_STAGE: &str = "journey";
use crate::model::NO_STAGE;

/// Options of [`JourneyMap::from_data`] (`JourneyMap.from_data(log, surveys=None, **opts)`).
///
/// Rates and thresholds are fractions in [0, 1] (0.4 = 40%), NPS thresholds are NPS points.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FromDataOptions {
    /// Title of the map (default `"Customer journey"`).
    pub name: String,
    /// The property column that gives each customer's persona. `None` (default): `"persona"`
    /// when the log has such a column, else no personas. A name that is not a column of the log
    /// is an error.
    pub persona_property: Option<String>,
    /// One set of steps per persona when personas are known (default `true`); `false`: one
    /// set of steps for all customers.
    pub by_persona: bool,
    /// With personas, also a first persona `"All customers"` computed on the whole log
    /// (default `true`).
    pub all_customers: bool,
    /// At most this many touchpoints, the ones reached by the most customers (default 40).
    pub max_touchpoints: usize,
    /// Drop-off is judged only at touchpoints reached by at least this many customers before
    /// converting (default 30).
    pub min_customers: u64,
    /// Survey scores (CSAT, NPS, CES) are used only with at least this many answers at the
    /// touchpoint (default 30).
    pub min_responses: u64,
    /// A drop-off at or above this share is a pain point (default 0.4).
    pub drop_off_threshold: f64,
    /// A CSAT (share of 4s and 5s) below this share is a pain point (default 0.6).
    pub csat_threshold: f64,
    /// An NPS below this is a pain point (default 0).
    pub nps_threshold: f64,
    /// An early touchpoint (in a stage before the conversion's) whose journeys convert at
    /// least this many times the average... (default 1.2)
    pub lift_threshold: f64,
    /// ... and that fewer than this share of journeys reach is an opportunity: bring more
    /// customers there (default 0.5).
    pub reach_share_threshold: f64,
    /// Read the touchpoints most conducive to conversion, and the ones that hold customers
    /// back, from the conversion drivers (`metrics::drivers`): a significant positive driver
    /// reached by fewer than `reach_share_threshold` of the journeys is the "bring more
    /// customers" opportunity (instead of the lift rule), a significant negative driver is a
    /// pain point. Default `true`; `false`: the lift and threshold rules only (see
    /// `docs/map-from-data.md`).
    pub drivers: bool,
}

impl Default for FromDataOptions {
    fn default() -> Self {
        FromDataOptions {
            name: "Customer journey".to_string(),
            persona_property: None,
            by_persona: true,
            all_customers: true,
            max_touchpoints: 40,
            min_customers: 30,
            min_responses: 30,
            drop_off_threshold: 0.4,
            csat_threshold: 0.6,
            nps_threshold: 0.0,
            lift_threshold: 1.2,
            reach_share_threshold: 0.5,
            drivers: true,
        }
    }
}

impl FromDataOptions {
    pub(crate) fn check(&self) -> Result<()> {
        for (name, v) in [
            ("drop_off_threshold", self.drop_off_threshold),
            ("csat_threshold", self.csat_threshold),
            ("reach_share_threshold", self.reach_share_threshold),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(Error::argument(
                    name,
                    format!("{v}: expected a share from 0 to 1 (0.4 = 40%)"),
                ));
            }
        }
        if !(self.nps_threshold.is_finite() && (-100.0..=100.0).contains(&self.nps_threshold)) {
            return Err(Error::argument(
                "nps_threshold",
                format!("{}: expected an NPS from -100 to 100", self.nps_threshold),
            ));
        }
        if !(self.lift_threshold.is_finite() && self.lift_threshold >= 0.0) {
            return Err(Error::argument(
                "lift_threshold",
                format!("{}: expected a non-negative number", self.lift_threshold),
            ));
        }
        if self.max_touchpoints == 0 {
            return Err(Error::argument("max_touchpoints", "must be at least 1"));
        }
        if self.name.trim().is_empty() {
            return Err(Error::argument("name", "must not be empty"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Figures of one segment (all customers, or one persona)
// ---------------------------------------------------------------------------------------------

/// What one pass over a segment's journeys counts, per touchpoint id of the log.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counts {
    pub(crate) customers: u64,
    /// Customers with at least one event at the touchpoint.
    pub(crate) reach: Vec<u64>,
    /// Customers with an event at the touchpoint before their first conversion (the whole
    /// journey for customers who never convert).
    pub(crate) reach_before: Vec<u64>,
    /// Customers who never convert and whose last event is at the touchpoint.
    pub(crate) exits: Vec<u64>,
    /// Events per touchpoint and stage id (`stages.len()` = no stage).
    pub(crate) stage_events: Vec<Vec<u64>>,
    /// Customers with at least one event in each stage.
    pub(crate) stage_reach: Vec<u64>,
    /// Events per channel id.
    pub(crate) channel_events: Vec<u64>,
}

impl Counts {
    fn new(log: &EventLog) -> Self {
        let (t, s) = (log.touchpoints().len(), log.stages().len());
        Counts {
            customers: 0,
            reach: vec![0; t],
            reach_before: vec![0; t],
            exits: vec![0; t],
            stage_events: vec![vec![0; s + 1]; t],
            stage_reach: vec![0; s],
            channel_events: vec![0; log.channels().len()],
        }
    }

    fn add(&mut self, o: &Counts) {
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        self.customers += o.customers;
        add(&mut self.reach, &o.reach);
        add(&mut self.reach_before, &o.reach_before);
        add(&mut self.exits, &o.exits);
        for (a, b) in self.stage_events.iter_mut().zip(&o.stage_events) {
            add(a, b);
        }
        add(&mut self.stage_reach, &o.stage_reach);
        add(&mut self.channel_events, &o.channel_events);
    }
}

/// Counts customers `range` of `log`.
fn count_range(log: &EventLog, range: std::ops::Range<usize>) -> Counts {
    let mut c = Counts::new(log);
    let n_stages = log.stages().len();
    // The last customer (+1) that touched each touchpoint / stage, to count customers once.
    let mut seen = vec![0u32; log.touchpoints().len()];
    let mut seen_before = vec![0u32; log.touchpoints().len()];
    let mut seen_stage = vec![0u32; n_stages];
    let (tps, sts, chs) = (log.touchpoint_ids(), log.stage_ids(), log.channel_ids());
    for cust in range {
        let j = log.journey(cust as u32);
        if j.is_empty() {
            continue;
        }
        let stamp = cust as u32 + 1;
        c.customers += 1;
        let mut converted = false;
        for i in j.range() {
            let t = tps[i] as usize;
            if seen[t] != stamp {
                seen[t] = stamp;
                c.reach[t] += 1;
            }
            let s = sts[i];
            let si = if s == NO_STAGE { n_stages } else { s as usize };
            c.stage_events[t][si] += 1;
            if si < n_stages && seen_stage[si] != stamp {
                seen_stage[si] = stamp;
                c.stage_reach[si] += 1;
            }
            c.channel_events[chs[i] as usize] += 1;
            if log.is_conversion(tps[i]) {
                converted = true;
            } else if !converted && seen_before[t] != stamp {
                seen_before[t] = stamp;
                c.reach_before[t] += 1;
            }
        }
        if !converted {
            let last = tps[j.range().end - 1] as usize;
            c.exits[last] += 1;
        }
    }
    c
}

/// Counts every customer of `log`, in parallel chunks when enabled.
pub(crate) fn count(log: &EventLog) -> Counts {
    const CHUNK: usize = 16_384;
    let n = log.n_customers();
    let ranges: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(CHUNK)
        .map(|lo| lo..(lo + CHUNK).min(n))
        .collect();
    #[cfg(feature = "parallel")]
    let parts: Vec<Counts> = {
        use rayon::prelude::*;
        ranges
            .into_par_iter()
            .map(|r| count_range(log, r))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<Counts> = ranges.into_iter().map(|r| count_range(log, r)).collect();
    let mut total = Counts::new(log);
    for p in &parts {
        total.add(p);
    }
    total
}

/// Reach, conversion rate and lift of a touchpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Conduciveness {
    pub(crate) conversion_rate: Option<f64>,
    pub(crate) lift: Option<f64>,
}

/// Per touchpoint id: the conversion rate of the paths through it (conversion paths of docs/attribution.md: from a
/// customer's first event, or the one after their previous conversion, up to the next
/// conversion) and its lift over the conversion rate of all paths. Touchpoints on no path (the
/// conversion touchpoints themselves) have neither.
fn conduciveness(log: &EventLog) -> Result<Vec<Conduciveness>> {
    let mut out = vec![Conduciveness::default(); log.touchpoints().len()];
    for row in touch_lift_with(log, &PathStatsOptions::default(), false)? {
        if let Some(t) = log.touchpoint_id(&row.name) {
            out[t as usize] = Conduciveness {
                conversion_rate: Some(row.conversion_rate),
                lift: row.lift,
            };
        }
    }
    Ok(out)
}

/// Survey figures of one touchpoint, each with its number of answers (however few).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Scores {
    /// Share satisfied, mean answer, answers.
    pub(crate) csat: Option<(f64, f64, u64)>,
    pub(crate) nps: Option<(f64, u64)>,
    pub(crate) ces: Option<(f64, u64)>,
}

impl Scores {
    /// The scores with at least `min` answers.
    fn at_least(self, min: u64) -> Scores {
        Scores {
            csat: self.csat.filter(|s| s.2 >= min),
            nps: self.nps.filter(|s| s.1 >= min),
            ces: self.ces.filter(|s| s.1 >= min),
        }
    }
}

/// CSAT (share satisfied, mean answer), NPS and CES per touchpoint id of `log`, with their
/// numbers of answers.
fn scores(log: &EventLog, surveys: &Surveys) -> Result<Vec<Scores>> {
    let by = ScoreOptions {
        by: Some("touchpoint".to_string()),
    };
    Ok(scores_of(
        log.touchpoints(),
        &survey::csat(surveys, Some(log), &by)?,
        &survey::nps(surveys, Some(log), &by)?,
        &survey::ces(surveys, Some(log), &by)?,
    ))
}

/// Per name of `touchpoints` (sorted): its CSAT, NPS and CES from breakdowns by touchpoint.
pub(crate) fn scores_of(
    touchpoints: &[String],
    csat: &survey::CsatBreakdown,
    nps: &survey::NpsBreakdown,
    ces: &survey::CesBreakdown,
) -> Vec<Scores> {
    let mut out = vec![Scores::default(); touchpoints.len()];
    let id = |key: &Option<String>| {
        key.as_deref()
            .and_then(|k| touchpoints.binary_search_by(|t| t.as_str().cmp(k)).ok())
            .map(|i| i as u32)
    };
    fn each<T>(
        b: &Breakdown<T>,
        id: impl Fn(&Option<String>) -> Option<u32>,
        mut f: impl FnMut(u32, &T),
    ) {
        for g in &b.groups {
            if let Some(t) = id(&g.key) {
                f(t, &g.stats);
            }
        }
    }
    each(csat, id, |t, s| {
        if let (true, Some(c), Some(m)) = (s.n > 0, s.csat, s.mean) {
            out[t as usize].csat = Some((c / 100.0, m, s.n));
        }
    });
    each(nps, id, |t, s| {
        if let (true, Some(v)) = (s.n > 0, s.nps) {
            out[t as usize].nps = Some((v, s.n));
        }
    });
    each(ces, id, |t, s| {
        if let (true, Some(v)) = (s.n > 0, s.mean) {
            out[t as usize].ces = Some((v, s.n));
        }
    });
    out
}

/// A pooled figure and its number of answers.
type Pooled = (f64, u64);

/// The answers of several touchpoints pooled: the mean CSAT answer and the NPS of all their
/// answers together (each touchpoint's figure weighted by its number of answers, which is exact
/// for a mean and for NPS, a difference of two shares), each with the number of answers.
fn pooled(scores: &[Scores]) -> (Option<Pooled>, Option<Pooled>) {
    let pool = |items: Vec<(f64, u64)>| {
        let n: u64 = items.iter().map(|x| x.1).sum();
        (n > 0).then(|| {
            (
                items.iter().map(|x| x.0 * x.1 as f64).sum::<f64>() / n as f64,
                n,
            )
        })
    };
    (
        pool(
            scores
                .iter()
                .filter_map(|s| s.csat.map(|c| (c.1, c.2)))
                .collect(),
        ),
        pool(scores.iter().filter_map(|s| s.nps).collect()),
    )
}

/// The emotion a touchpoint's satisfaction stands for, in [-2, 2]: the mean CSAT answer minus
/// 3 (1 -> -2, 3 -> 0, 5 -> +2); without CSAT, the NPS divided by 50 (-100 -> -2, +100 -> +2);
/// rounded to two decimals. `None` without enough answers.
pub fn emotion_from_satisfaction(csat_mean: Option<f64>, nps: Option<f64>) -> Option<f64> {
    let e = match (csat_mean, nps) {
        (Some(m), _) => m - 3.0,
        (None, Some(n)) => n / 50.0,
        (None, None) => return None,
    };
    Some(((e * 100.0).round() / 100.0).clamp(-2.0, 2.0))
}

/// The priority of a touchpoint, in [0, 1]: frequency x impact x room to improve.
///
/// - frequency: the share of journeys that reach the touchpoint;
/// - impact: `lift / (1 + lift)`: 0 when its journeys never convert, 0.5 when they convert at
///   the average rate, towards 1 when far above (0.5 when the lift is unknown);
/// - room to improve: the largest of the drop-off, the share not satisfied (`1 - CSAT`) and
///   `(100 - NPS) / 200`, of those that are known.
///
/// `None` when no room to improve is known. Rounded to three decimals.
pub fn priority(share: f64, lift: Option<f64>, rooms: &[Option<f64>]) -> Option<f64> {
    let room = rooms
        .iter()
        .flatten()
        .copied()
        .fold(None, |a: Option<f64>, r| Some(a.map_or(r, |a| a.max(r))))?;
    let impact = lift.map_or(0.5, |l| l / (1.0 + l));
    let p = share.clamp(0.0, 1.0) * impact * room.clamp(0.0, 1.0);
    Some((p * 1000.0).round() / 1000.0)
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// What the map needs of the whole log besides the figures of its segments: the names of its
/// touchpoints, stages and channels (the indices of every per-touchpoint, per-stage and
/// per-channel figure), and per touchpoint whether it is a conversion, the channel most often
/// seen with it and its kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    /// Touchpoint names, sorted.
    pub(crate) touchpoints: Vec<String>,
    /// Stage names: the default stages in journey order, then the others by name.
    pub(crate) stages: Vec<String>,
    /// Channel names, sorted.
    pub(crate) channels: Vec<String>,
    pub(crate) conversion: Vec<bool>,
    /// The channel most often seen with each touchpoint (ties: the first name).
    pub(crate) channel_of: Vec<Option<String>>,
    /// The catalog's kind of each touchpoint (digital when not in the catalog).
    pub(crate) kind: Vec<Kind>,
    pub(crate) n_customers: u64,
    pub(crate) n_events: u64,
    /// Number of survey responses, when surveys are given.
    pub(crate) n_responses: Option<u64>,
}

impl Frame {
    fn of(log: &EventLog, surveys: Option<&Surveys>) -> Self {
        let channels = log.touchpoint_channels();
        Frame {
            touchpoints: log.touchpoints().to_vec(),
            stages: log.stages().to_vec(),
            channels: log.channels().to_vec(),
            conversion: (0..log.touchpoints().len() as u32)
                .map(|t| log.is_conversion(t))
                .collect(),
            channel_of: log
                .touchpoints()
                .iter()
                .map(|t| channels.get(t.as_str()).map(|c| c.to_string()))
                .collect(),
            kind: log
                .touchpoints()
                .iter()
                .map(|t| log.catalog().get(t).map_or(Kind::Digital, |e| e.kind))
                .collect(),
            n_customers: log.n_customers() as u64,
            n_events: log.n_events() as u64,
            n_responses: surveys.map(|s| s.len() as u64),
        }
    }
}

/// The measured figures of one segment (all customers, or one persona), indexed like the
/// [`Frame`]'s names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figures {
    pub(crate) counts: Counts,
    pub(crate) conducive: Vec<Conduciveness>,
    /// Every touchpoint's scores, however few the answers.
    pub(crate) scores: Vec<Scores>,
    /// The segment's conversion rate (%) and orders, as its KPIs give them.
    pub(crate) conversion_rate: Option<f64>,
    pub(crate) n_orders: u64,
    /// With the option `drivers`: per touchpoint id, its conversion-driver row, if tested.
    pub(crate) drivers: Option<Vec<Option<DriverRow>>>,
}

/// Per touchpoint id of `log`, its row of the conversion drivers (touchpoint level, the
/// conversion as the outcome, default options).
fn drivers_of(log: &EventLog) -> Result<Vec<Option<DriverRow>>> {
    let mut out = vec![None; log.touchpoints().len()];
    for row in conversion_drivers(log, &DriversOptions::default())?.rows {
        if let Some(t) = log.touchpoint_id(&row.name) {
            out[t as usize] = Some(row);
        }
    }
    Ok(out)
}

impl Figures {
    fn of(log: &EventLog, surveys: Option<&Surveys>, drivers: bool) -> Result<Self> {
        let k = kpis(log, &KpiOptions::default())?;
        Ok(Figures {
            drivers: if drivers {
                Some(drivers_of(log)?)
            } else {
                None
            },
            counts: count(log),
            conducive: conduciveness(log)?,
            scores: match surveys {
                Some(s) => scores(log, s)?,
                None => vec![Scores::default(); log.touchpoints().len()],
            },
            conversion_rate: k.conversion_rate,
            n_orders: k.n_orders,
        })
    }
}

/// Where each touchpoint sits in the map, shared by all personas.
struct Layout {
    stages: Vec<Stage>,
    /// Touchpoint ids of the log shown on the map, in display order.
    shown: Vec<u32>,
    /// Per touchpoint id: index into `stages`.
    stage_of: Vec<usize>,
    /// Per stage index: is it a stage of the data before the stage of the first conversion?
    /// (Never the catch-all stage of touchpoints without a stage.)
    early: Vec<bool>,
    touchpoints: Vec<Touchpoint>,
}

fn layout(frame: &Frame, all: &Counts, opts: &FromDataOptions) -> Layout {
    // Long because the stages, the touchpoints kept and their order depend on each other in
    // this sequence, over the same counts.
    let n_stages = frame.stages.len();
    // Each touchpoint's stage: the one most of its events carry (ties: earlier stage).
    let stage_id: Vec<Option<usize>> = all
        .stage_events
        .iter()
        .map(|per| {
            (0..n_stages)
                .filter(|&s| per[s] > 0)
                .max_by(|&a, &b| per[a].cmp(&per[b]).then(b.cmp(&a)))
        })
        .collect();
    let mut ids: Vec<u32> = (0..frame.touchpoints.len() as u32)
        .filter(|&t| all.reach[t as usize] > 0)
        .collect();
    // The most reached first, so that `max_touchpoints` keeps them.
    ids.sort_by(|&a, &b| {
        all.reach[b as usize]
            .cmp(&all.reach[a as usize])
            .then(a.cmp(&b))
    });
    ids.truncate(opts.max_touchpoints);
    let used: Vec<usize> = {
        let mut v: Vec<usize> = ids.iter().filter_map(|&t| stage_id[t as usize]).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let unstaged = ids.iter().any(|&t| stage_id[t as usize].is_none());
    let mut stages: Vec<Stage> = used
        .iter()
        .map(|&s| Stage {
            name: frame.stages[s].clone(),
            description: reach_line(all.stage_reach[s], all.customers),
        })
        .collect();
    if unstaged {
        let base = if used.is_empty() {
            JOURNEY_STAGE
        } else {
            OTHER_STAGE
        };
        // A real stage of the data may already have that name: then the catch-all is told apart.
        let mut name = base.to_string();
        while stages.iter().any(|s| s.name == name) {
            name.push_str(" (no stage)");
        }
        stages.push(Stage {
            name,
            description: if used.is_empty() {
                "no stage in the data".to_string()
            } else {
                "touchpoints without a stage".to_string()
            },
        });
    }
    let index_of = |t: u32| -> usize {
        match stage_id[t as usize] {
            Some(s) => used.iter().position(|&u| u == s).expect("used stage"),
            None => stages.len() - 1,
        }
    };
    let mut stage_of = vec![usize::MAX; frame.touchpoints.len()];
    for &t in &ids {
        stage_of[t as usize] = index_of(t);
    }
    // Display order: by stage, then by reach (most reached on top), then by name.
    ids.sort_by(|&a, &b| {
        stage_of[a as usize]
            .cmp(&stage_of[b as usize])
            .then(all.reach[b as usize].cmp(&all.reach[a as usize]))
            .then(a.cmp(&b))
    });
    // The stage of the first conversion, among all touchpoints of the log (also those that
    // `max_touchpoints` leaves out), in the log's stage order; a conversion without a stage
    // comes after every stage.
    let first_conversion_stage = (0..frame.touchpoints.len() as u32)
        .filter(|&t| all.reach[t as usize] > 0 && frame.conversion[t as usize])
        .map(|t| stage_id[t as usize].unwrap_or(n_stages))
        .min();
    // The catch-all stage of touchpoints without a stage (`"other"`, or `"journey"` when the
    // log has no stages at all) is the last one; a real stage of the data may have either
    // name, so it is told by its place, never by its name.
    let catch_all = unstaged.then(|| stages.len() - 1);
    let early = (0..stages.len())
        .map(|s| Some(s) != catch_all && first_conversion_stage.is_some_and(|c| used[s] < c))
        .collect();
    let touchpoints = ids
        .iter()
        .map(|&t| {
            let t = t as usize;
            Touchpoint {
                name: frame.touchpoints[t].clone(),
                channel: frame.channel_of[t]
                    .clone()
                    .unwrap_or_else(|| "unknown".to_string()),
                stage: Some(stages[stage_of[t]].name.clone()),
                kind: frame.kind[t],
            }
        })
        .collect();
    Layout {
        stages,
        shown: ids,
        stage_of,
        early,
        touchpoints,
    }
}

/// `"38% vs 12%, odds ratio 4.5, 95% CI 2.1 to 9.6, q = 0.001"`.
fn driver_text(d: &DriverRow) -> String {
    let rate = |r: Option<f64>| r.map_or("n/a".to_string(), pct);
    let num = |x: Option<f64>| x.map_or("n/a".to_string(), |x| format!("{x:.2}"));
    let q = d.q_value.map_or("n/a".to_string(), |q| {
        if q < 0.001 {
            "< 0.001".to_string()
        } else {
            format!("= {q:.3}")
        }
    });
    format!(
        "{} vs {}, odds ratio {}, 95% CI {} to {}, q {q}",
        rate(d.rate_with),
        rate(d.rate_without),
        num(d.odds_ratio),
        num(d.ci_low),
        num(d.ci_high)
    )
}

fn reach_line(n: u64, of: u64) -> String {
    if of == 0 {
        return String::new();
    }
    format!("{} customers ({})", thousands(n), pct(n as f64 / of as f64))
}

/// The steps of one segment (all customers or one persona).
fn segment_steps(
    frame: &Frame,
    fig: &Figures,
    layout: &Layout,
    persona: Option<&str>,
    opts: &FromDataOptions,
) -> Vec<Step> {
    // Long because every kind of step (emotion, pain point, opportunity, ...) reads the same
    // counts, scores and thresholds, in the order the steps are listed.
    let counts = &fig.counts;
    let conducive = &fig.conducive;
    let all_scores = &fig.scores;
    let scores: Vec<Scores> = all_scores
        .iter()
        .map(|s| s.at_least(opts.min_responses))
        .collect();
    let mut steps = Vec::new();
    for &t in &layout.shown {
        let ti = t as usize;
        let reach = counts.reach[ti];
        if reach == 0 {
            continue;
        }
        let name = frame.touchpoints[ti].as_str();
        let stage = &layout.stages[layout.stage_of[ti]].name;
        let share = reach as f64 / counts.customers as f64;
        let c = conducive[ti];
        let sc = scores[ti];
        let drop_off = (counts.reach_before[ti] >= opts.min_customers.max(1))
            .then(|| counts.exits[ti] as f64 / counts.reach_before[ti] as f64);
        let csat = sc.csat.map(|(c, _, _)| c);
        let nps = sc.nps.map(|(n, _)| n);
        let mut metrics = BTreeMap::new();
        metrics.insert("reach".to_string(), reach as f64);
        metrics.insert("journey_share".to_string(), share);
        let mut put = |k: &str, v: Option<f64>| {
            if let Some(v) = v {
                metrics.insert(k.to_string(), v);
            }
        };
        put("conversion_rate", c.conversion_rate);
        put("lift", c.lift);
        put("drop_off", drop_off);
        put("csat", csat);
        put("nps", nps);
        put("ces", sc.ces.map(|(m, _)| m));
        let rooms = [
            drop_off,
            csat.map(|c| 1.0 - c),
            nps.map(|n| (100.0 - n) / 200.0),
        ];
        put("priority", priority(share, c.lift, &rooms));

        let mut pains = Vec::new();
        let mut opportunities = Vec::new();
        if let Some(d) = drop_off.filter(|&d| d >= opts.drop_off_threshold) {
            pains.push(format!(
                "{name}: {} of its customers end their journey there without converting ({} of {})",
                pct(d),
                thousands(counts.exits[ti]),
                thousands(counts.reach_before[ti])
            ));
            opportunities.push(format!(
                "{name}: find out why customers leave (exit survey, session recordings) and \
                 bring them back (reminder, retargeting)"
            ));
        }
        if let Some((c, _, n)) = sc.csat.filter(|s| s.0 < opts.csat_threshold) {
            pains.push(format!(
                "{name}: low satisfaction, CSAT {} (n = {})",
                pct(c),
                thousands(n)
            ));
            opportunities.push(format!(
                "{name}: read the answers that score 1 to 3 and fix the most common complaint"
            ));
        }
        if let Some((v, n)) = sc.nps.filter(|s| s.0 < opts.nps_threshold) {
            pains.push(format!(
                "{name}: more detractors than promoters, NPS {} (n = {})",
                signed_int(v),
                thousands(n)
            ));
            opportunities.push(format!(
                "{name}: call back the detractors (scores 0 to 6) to learn what went wrong"
            ));
        }
        let driver = fig
            .drivers
            .as_ref()
            .and_then(|d| d[ti].as_ref())
            .filter(|d| d.significant);
        if let Some(d) = driver {
            if let Some(q) = d.q_value {
                metrics.insert("driver_q_value".to_string(), q);
            }
            if let Some(or) = d.odds_ratio {
                metrics.insert("driver_odds_ratio".to_string(), or);
            }
        }
        match (fig.drivers.is_some(), driver) {
            (false, _) => {
                if let Some(l) = c.lift.filter(|&l| {
                    l >= opts.lift_threshold
                        && share < opts.reach_share_threshold
                        && layout.early[layout.stage_of[ti]]
                }) {
                    opportunities.push(format!(
                        "{name}: journeys through it convert {l:.1}\u{d7} as often as average, \
                         yet only {} of customers get there: bring more customers this way",
                        pct(share)
                    ));
                }
            }
            (true, Some(d))
                if d.direction == Direction::Positive && share < opts.reach_share_threshold =>
            {
                opportunities.push(format!(
                    "{name}: customers who pass it convert more often ({}), yet only {} \
                     of customers get there: bring more customers this way",
                    driver_text(d),
                    pct(share)
                ));
            }
            (true, Some(d)) if d.direction == Direction::Negative => {
                pains.push(format!(
                    "{name}: customers who pass it convert less often ({})",
                    driver_text(d)
                ));
                opportunities.push(format!(
                    "{name}: find out what turns customers away there (compare the journeys \
                     that pass it with those that do not)"
                ));
            }
            _ => {}
        }
        steps.push(Step {
            persona: persona.map(str::to_string),
            emotion: emotion_from_satisfaction(sc.csat.map(|s| s.1), nps),
            pain_points: pains,
            opportunities,
            metrics,
            ..Step::new(stage.as_str(), Some(name))
        });
    }
    // A stage none of whose touchpoints has enough answers for an emotion gets one from the
    // answers of all its touchpoints pooled (a step without a touchpoint), when those are
    // enough; it goes before the stage's touchpoints.
    let mut out = Vec::with_capacity(steps.len() + layout.stages.len());
    for (si, stage) in layout.stages.iter().enumerate() {
        let here: Vec<Step> = steps
            .iter()
            .filter(|s| s.stage == stage.name)
            .cloned()
            .collect();
        if !here.is_empty() && here.iter().all(|s| s.emotion.is_none()) {
            let members: Vec<Scores> = layout
                .shown
                .iter()
                .filter(|&&t| layout.stage_of[t as usize] == si && counts.reach[t as usize] > 0)
                .map(|&t| all_scores[t as usize])
                .collect();
            let (csat, nps) = pooled(&members);
            let min = opts.min_responses;
            let emotion = emotion_from_satisfaction(
                csat.filter(|c| c.1 >= min).map(|c| c.0),
                nps.filter(|n| n.1 >= min).map(|n| n.0),
            );
            if emotion.is_some() {
                out.push(Step {
                    persona: persona.map(str::to_string),
                    emotion,
                    ..Step::new(stage.name.as_str(), None)
                });
            }
        }
        out.extend(here);
    }
    out
}

/// How many pain points a persona card lists as frustrations.
const FRUSTRATIONS: usize = 3;

/// The persona card of a segment: its size, conversion, preferred channels, and as frustrations
/// the pain points of its steps with the highest priority. `everyone`: the segment is every
/// customer of the log (the persona [`ALL_CUSTOMERS`]), whatever its name.
fn persona_card(
    name: &str,
    everyone: bool,
    frame: &Frame,
    fig: &Figures,
    total_customers: u64,
    steps: &[Step],
) -> Persona {
    let counts = &fig.counts;
    let mut p = Persona::new(name);
    p.demographics
        .insert("customers".to_string(), thousands(counts.customers));
    if total_customers > 0 && !everyone {
        p.demographics.insert(
            "share".to_string(),
            format!(
                "{:.1}%",
                100.0 * counts.customers as f64 / total_customers as f64
            ),
        );
    }
    if let Some(c) = fig.conversion_rate {
        p.demographics
            .insert("converted".to_string(), format!("{c:.1}%"));
    }
    let mut channels: Vec<usize> = (0..counts.channel_events.len())
        .filter(|&c| counts.channel_events[c] > 0)
        .collect();
    channels.sort_by(|&a, &b| {
        counts.channel_events[b]
            .cmp(&counts.channel_events[a])
            .then(a.cmp(&b))
    });
    let total_events: u64 = counts.channel_events.iter().sum();
    p.preferred_channels = channels
        .iter()
        .take(3)
        .map(|&c| frame.channels[c].clone())
        .collect();
    // Frustrations: the pain points of the most urgent touchpoints (highest priority first;
    // ties in map order), the first pain point of each.
    let mut pained: Vec<(usize, &Step)> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.pain_points.is_empty())
        .collect();
    pained.sort_by(|(i, a), (j, b)| {
        let pr = |s: &Step| s.metrics.get("priority").copied().unwrap_or(-1.0);
        pr(b).total_cmp(&pr(a)).then(i.cmp(j))
    });
    p.frustrations = pained
        .iter()
        .take(FRUSTRATIONS)
        .map(|(_, s)| s.pain_points[0].clone())
        .collect();
    p.description = if everyone {
        format!(
            "Every customer in the data: {} customers, {} events, {} orders.",
            thousands(counts.customers),
            thousands(total_events),
            thousands(fig.n_orders)
        )
    } else {
        format!(
            "Customers whose persona is {name:?}: {} customers, {} events, {} orders.",
            thousands(counts.customers),
            thousands(total_events),
            thousands(fig.n_orders)
        )
    };
    p
}

/// Persona names (the most common first) and each customer's index into them.
pub(crate) type PersonaIndex<'a> = (Vec<&'a str>, Vec<Option<usize>>);

/// The customers of persona `p` (of [`personas_of`]'s index): their events and survey
/// responses.
pub(crate) fn persona_part(
    log: &EventLog,
    surveys: Option<&Surveys>,
    index: &[Option<usize>],
    p: usize,
) -> Result<(EventLog, Option<Surveys>)> {
    let keep: Vec<bool> = index.iter().map(|&i| i == Some(p)).collect();
    let sub = log.select_customers(&keep)?;
    let sub_surveys = surveys.map(|s| {
        s.select_customers(|id| {
            log.customer_ids()
                .binary_search_by(|c| c.as_str().cmp(id))
                .is_ok_and(|c| keep[c])
        })
    });
    Ok((sub, sub_surveys))
}

/// The personas of the log: each customer's value of the persona column, the most common
/// persona first (ties by name). `None` when the map is not drawn by persona.
pub(crate) fn personas_of<'a>(
    log: &'a EventLog,
    opts: &FromDataOptions,
) -> Result<Option<PersonaIndex<'a>>> {
    if !opts.by_persona {
        return Ok(None);
    }
    let prop = match &opts.persona_property {
        Some(p) => {
            if log.property(p).is_none() {
                let known: Vec<&str> = log.properties().iter().map(|p| p.name.as_str()).collect();
                return Err(Error::argument(
                    "persona_property",
                    format!(
                        "{p:?} is not a property of the event log; its properties are {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
            p.as_str()
        }
        None if log.property("persona").is_some() => "persona",
        None => return Ok(None),
    };
    let values = log.customer_property(prop).expect("checked above");
    let mut names: Vec<&str> = values.iter().flatten().copied().collect();
    names.sort_unstable();
    names.dedup();
    let mut sizes = vec![0u64; names.len()];
    let index: Vec<Option<usize>> = values
        .iter()
        .map(|v| v.map(|v| names.binary_search(&v).expect("collected above")))
        .collect();
    for i in index.iter().flatten() {
        sizes[*i] += 1;
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(names[a].cmp(names[b])));
    let mut rank = vec![0; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let sorted: Vec<&str> = order.iter().map(|&i| names[i]).collect();
    Ok(Some((
        sorted,
        index.iter().map(|i| i.map(|i| rank[i])).collect(),
    )))
}

impl JourneyMap {
    /// A journey map filled from an event log (and survey responses, if any).
    ///
    /// The stages are those of the log (its stage column, else the touchpoint catalog), in
    /// journey order; the touchpoints are those of the log, each in the stage most of its
    /// events carry, with the channel most often seen with it. Every touchpoint gets a step
    /// with measured `metrics`: `reach` (customers), `journey_share`, `conversion_rate`,
    /// `lift`, `drop_off`, and with enough survey answers `csat`, `nps`, `ces`; a `priority`;
    /// an `emotion` from satisfaction ([`emotion_from_satisfaction`]); pain points where
    /// drop-off or dissatisfaction pass the thresholds of `opts`, and an opportunity for each.
    /// A stage where no touchpoint has enough answers for an emotion gets the emotion of all
    /// its touchpoints' answers pooled, as a step without a touchpoint, when those are enough.
    /// Each persona card lists its most urgent pain points as frustrations.
    ///
    /// When the log has personas (a `persona` property column, or `opts.persona_property`),
    /// the map has one persona per value (the most common first), preceded by
    /// [`ALL_CUSTOMERS`], and every persona gets its own steps computed on its customers
    /// only; draw it once per persona (`MapSvgOptions::persona`). Without personas the map has
    /// the one persona [`ALL_CUSTOMERS`] and shared steps.
    ///
    /// The rules and thresholds are documented in `docs/map-from-data.md`.
    ///
    /// ```
    /// use journey_core::{report::FromDataOptions, JourneyMap};
    /// let (log, surveys) = journey_core::synthetic(2_000, 42);
    /// let map = JourneyMap::from_data(&log, Some(&surveys), &FromDataOptions::default()).unwrap();
    /// assert_eq!(map.personas[0].name, "All customers");
    /// assert_eq!(map.stages[0].name, "awareness");
    /// assert!(map.to_svg(&Default::default()).unwrap().contains("checkout_shipping"));
    /// ```
    pub fn from_data(
        log: &EventLog,
        surveys: Option<&Surveys>,
        opts: &FromDataOptions,
    ) -> Result<JourneyMap> {
        opts.check()?;
        let frame = Frame::of(log, surveys);
        let all = Figures::of(log, surveys, opts.drivers)?;
        let personas = personas_of(log, opts)?;
        let Some((names, index)) = personas else {
            return build(&frame, &all, None, opts);
        };
        // One segment per persona, computed in parallel when enabled.
        let segment = |p: usize| -> Result<Figures> {
            let (sub, sub_surveys) = persona_part(log, surveys, &index, p)?;
            Figures::of(&sub, sub_surveys.as_ref(), opts.drivers)
        };
        let jobs: Vec<usize> = (0..names.len()).collect();
        #[cfg(feature = "parallel")]
        let parts: Vec<Result<Figures>> = {
            use rayon::prelude::*;
            jobs.into_par_iter().map(segment).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Result<Figures>> = jobs.into_iter().map(segment).collect();
        let segments = names
            .iter()
            .map(|n| n.to_string())
            .zip(parts)
            .map(|(n, f)| Ok((n, f?)))
            .collect::<Result<Vec<_>>>()?;
        build(&frame, &all, Some(segments), opts)
    }
}

/// The map from the frame, the figures of all customers and, with personas, of each persona
/// (the most common first): [`JourneyMap::from_data`] once everything is counted.
pub(crate) fn build(
    frame: &Frame,
    all: &Figures,
    personas: Option<Vec<(String, Figures)>>,
    opts: &FromDataOptions,
) -> Result<JourneyMap> {
    opts.check()?;
    let layout = layout(frame, &all.counts, opts);
    let mut map = JourneyMap::new(opts.name.trim());
    map.description = format!(
        "Filled from data: {} customers, {} events{}.",
        thousands(frame.n_customers),
        thousands(frame.n_events),
        frame.n_responses.map_or(String::new(), |n| format!(
            ", {} survey responses",
            thousands(n)
        ))
    );
    map.stages = layout.stages.clone();
    map.touchpoints = layout.touchpoints.clone();
    let Some(personas) = personas else {
        let steps = segment_steps(frame, all, &layout, None, opts);
        map.personas = vec![persona_card(
            ALL_CUSTOMERS,
            true,
            frame,
            all,
            all.counts.customers,
            &steps,
        )];
        map.steps = steps;
        return Ok(map);
    };
    if opts.all_customers && personas.iter().any(|p| p.0 == ALL_CUSTOMERS) {
        return Err(Error::argument(
            "persona_property",
            format!(
                "a persona of the data is called {ALL_CUSTOMERS:?}, the name of the persona \
                 of every customer; rename it in the data or set all_customers to false"
            ),
        ));
    }
    let total = frame.n_customers;
    if opts.all_customers {
        let steps = segment_steps(frame, all, &layout, Some(ALL_CUSTOMERS), opts);
        map.personas
            .push(persona_card(ALL_CUSTOMERS, true, frame, all, total, &steps));
        map.steps.extend(steps);
    }
    for (name, fig) in &personas {
        let steps = segment_steps(frame, fig, &layout, Some(name), opts);
        map.personas
            .push(persona_card(name, false, frame, fig, total, &steps));
        map.steps.extend(steps);
    }
    Ok(map)
}
