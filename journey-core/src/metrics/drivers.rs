//! Conversion drivers (docs/drivers.md): which touchpoints (or channels) and which values of a
//! customer property separate the customers who convert from those who do not, and whether the
//! difference is more than noise.
//!
//! The unit is the customer. The outcome is either
//!
//! - a conversion (the default): a customer converts when their journey holds a conversion
//!   event; the touches tested are those *before* the first conversion (the whole journey of a
//!   customer who never converts), conversion touchpoints excepted; or
//! - reaching step `j` of a funnel from step `j - 1` (`steps` and `step`): among the customers
//!   who reached step `j - 1`, those who also reached step `j` (the funnel's own rules: window,
//!   mode, counted attempt). The touches tested are the events of the counted attempt after
//!   its step `j - 1` event and before its step `j` event (for those who did not reach step `j`:
//!   up to the end of the window); events of the funnel's own steps are not tested.
//!
//! Each touch, and each value of each property asked for (the customer's latest non-blank value,
//! as a funnel breakdown), gives a 2x2 table of converters and non-converters with and without
//! it, its odds ratio with Woolf's 95% interval (Haldane-Anscombe when a cell is 0), the p-value
//! of Fisher's exact test (the chi-square test with Yates' correction above
//! [`FISHER_MAX_N`] customers), and the Benjamini-Hochberg q-value across every row tested.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::fold::fold_customers;
use super::funnel::{FunnelMode, FunnelOptions, FunnelStep, Matcher, Scratch};
use super::paths::Level;
use super::significance::{bh_q_values, odds_ratio_woolf, table_p_value, Test, FISHER_MAX_N};
use crate::error::{Error, Result};
use crate::model::{EventLog, NO_ID};
use crate::time::Duration;

/// Options of [`conversion_drivers`]: Python `log.conversion_drivers(level="touchpoint",
/// touches=True, properties=None, steps=None, step=None, window="14d", mode="ordered",
/// alpha=0.05, min_customers=1)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriversOptions {
    /// Test touchpoints or channels (default touchpoint).
    #[serde(deserialize_with = "crate::args::named::level")]
    pub level: Level,
    /// Test the touches (default true); `false`: only the properties.
    pub touches: bool,
    /// Customer properties whose values are tested (a name or a list of names; default none).
    #[serde(deserialize_with = "names")]
    pub properties: Vec<String>,
    /// Funnel steps: the outcome is reaching `step` from the step before it. Empty (default):
    /// the outcome is a conversion.
    #[serde(deserialize_with = "super::funnel::de::steps")]
    pub steps: Vec<FunnelStep>,
    /// The 1-based funnel step whose reaching is the outcome (2 to the number of steps; default
    /// the last).
    pub step: Option<usize>,
    /// Funnel conversion window (default 14 days).
    #[serde(deserialize_with = "crate::args::named::window")]
    pub window: Duration,
    /// Funnel order mode (default ordered).
    #[serde(deserialize_with = "crate::args::named::mode")]
    pub mode: FunnelMode,
    /// A row is significant when its q-value is at most this (default 0.05).
    pub alpha: f64,
    /// Rows whose feature fewer customers have are left out (default 1: every touch seen).
    pub min_customers: u64,
}

impl Default for DriversOptions {
    fn default() -> Self {
        DriversOptions {
            level: Level::Touchpoint,
            touches: true,
            properties: Vec::new(),
            steps: Vec::new(),
            step: None,
            window: Duration::from_days(14),
            mode: FunnelMode::Ordered,
            alpha: 0.05,
            min_customers: 1,
        }
    }
}

/// A name or a list of names.
fn names<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match Option::<OneOrMany>::deserialize(d) {
        Ok(None) => Ok(Vec::new()),
        Ok(Some(OneOrMany::One(s))) => Ok(vec![s]),
        Ok(Some(OneOrMany::Many(v))) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "properties: expected a property name or a list of property names",
        )),
    }
}

/// What a row tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    /// A touchpoint seen before the outcome.
    Touchpoint,
    /// A channel seen before the outcome.
    Channel,
    /// A value of a customer property.
    Property,
}

/// Which way a row points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Odds ratio above 1: customers with the feature convert more.
    Positive,
    /// Odds ratio below 1: customers with the feature convert less.
    Negative,
    /// Odds ratio exactly 1, or undefined.
    None,
}

/// One feature tested against the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverRow {
    /// Touchpoint, channel or property.
    pub kind: DriverKind,
    /// The touchpoint or channel name, or the property name.
    pub name: String,
    /// The property value (`None` for touches).
    pub value: Option<String>,
    /// `name`, or `name = value` for a property.
    pub label: String,
    /// Customers with the feature (`converters_with + non_converters_with`).
    pub customers_with: u64,
    /// Converting customers with the feature.
    pub converters_with: u64,
    /// Non-converting customers with the feature.
    pub non_converters_with: u64,
    /// Converting customers without the feature.
    pub converters_without: u64,
    /// Non-converting customers without the feature.
    pub non_converters_without: u64,
    /// Conversion rate of the customers with the feature.
    pub rate_with: Option<f64>,
    /// Conversion rate of the customers without it.
    pub rate_without: Option<f64>,
    /// `rate_with / rate_without`.
    pub lift: Option<f64>,
    /// Odds ratio (with over without); `None` when a margin of the table is 0.
    pub odds_ratio: Option<f64>,
    /// Lower end of its 95% interval (Woolf).
    pub ci_low: Option<f64>,
    /// Upper end of its 95% interval (Woolf).
    pub ci_high: Option<f64>,
    /// Whether 0.5 was added to every cell (a cell was 0).
    pub haldane: bool,
    /// Two-sided p-value; `None` when a margin is 0 (nothing to test).
    pub p_value: Option<f64>,
    /// The test behind the p-value.
    pub test: Option<Test>,
    /// Benjamini-Hochberg q-value across every row with a p-value.
    pub q_value: Option<f64>,
    /// `q_value <= alpha`.
    pub significant: bool,
    /// Which way the odds ratio points.
    pub direction: Direction,
}

/// Conversion drivers: one row per feature, sorted by odds ratio (largest first; rows without
/// one last), significant rows flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriversResult {
    /// `"conversion"`, or `"step"` for a funnel step.
    pub outcome: String,
    /// The funnel step (1-based) whose reaching is the outcome.
    pub step: Option<usize>,
    /// Label of the outcome: the conversion touchpoints, or `from -> to` steps.
    pub outcome_label: String,
    /// Level of the touches.
    pub level: Level,
    /// Customers in the analysis (all customers; for a step, those who reached the step before).
    pub n_customers: u64,
    /// Of those, converting (reaching the step).
    pub converters: u64,
    /// `converters / n_customers`.
    pub conversion_rate: Option<f64>,
    /// The significance level of the q-values.
    pub alpha: f64,
    /// Tables above this many customers get the chi-square test instead of Fisher's.
    pub fisher_max_n: u64,
    /// Rows with a p-value (the number of tests corrected for).
    pub n_tested: u64,
    /// Rows flagged significant.
    pub n_significant: u64,
    /// The rows.
    pub rows: Vec<DriverRow>,
}

/// Per-thread counts: `[non-converters, converters]` per feature.
struct Acc {
    pop: [u64; 2],
    touch: Vec<[u64; 2]>,
    props: Vec<Vec<[u64; 2]>>,
    stamp: Vec<u32>,
    seen: Vec<u32>,
    scratch: Scratch,
}

impl Acc {
    /// The counts of both parts' customers (the stamps and buffers are a part's own).
    fn add(mut self, b: Acc) -> Acc {
        let add = |x: &mut [u64; 2], y: &[u64; 2]| {
            x[0] += y[0];
            x[1] += y[1];
        };
        add(&mut self.pop, &b.pop);
        for (x, y) in self.touch.iter_mut().zip(&b.touch) {
            add(x, y);
        }
        for (xs, ys) in self.props.iter_mut().zip(&b.props) {
            for (x, y) in xs.iter_mut().zip(ys) {
                add(x, y);
            }
        }
        self
    }
}

/// The columns of the log's properties `names`; a name that is not a property is an error
/// listing the properties there are.
fn property_columns(log: &EventLog, names: &[String]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|name| {
            log.properties()
                .iter()
                .position(|p| &p.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> =
                        log.properties().iter().map(|p| p.name.as_str()).collect();
                    Error::argument(
                        "properties",
                        format!(
                            "{name:?} is not a property of the log; expected one of: {}",
                            if known.is_empty() {
                                "(the log has no properties)".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })
        })
        .collect()
}

/// The funnel of the options and the step (from 2) whose drivers are asked for; `None`
/// without steps (the drivers of converting).
fn funnel_step(log: &EventLog, opts: &DriversOptions) -> Result<Option<(Matcher, usize)>> {
    if opts.steps.is_empty() {
        if opts.step.is_some() {
            return Err(Error::argument("step", "a step needs the funnel's steps"));
        }
        return Ok(None);
    }
    let fo = FunnelOptions {
        steps: opts.steps.clone(),
        window: opts.window,
        mode: opts.mode,
        ..FunnelOptions::default()
    };
    let m = Matcher::new(log, &fo)?;
    let k = m.n_steps();
    if k < 2 {
        return Err(Error::argument(
            "steps",
            "drivers of a funnel step need at least two steps",
        ));
    }
    let j = opts.step.unwrap_or(k);
    if j < 2 || j > k {
        return Err(Error::argument(
            "step",
            format!("{j}: expected a step from 2 to {k}"),
        ));
    }
    Ok(Some((m, j)))
}

/// Computes conversion drivers.
///
/// ```
/// use journey_core::metrics::drivers::{conversion_drivers, DriversOptions};
/// let csv = "customer_id,timestamp,touchpoint\n\
///            a,0,ad\na,1,purchase\nb,0,ad\nb,1,purchase\nc,0,mail\nd,0,mail\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let d = conversion_drivers(&log, &DriversOptions::default()).unwrap();
/// // ad: both customers who saw it converted, neither of the others did.
/// assert_eq!(d.rows[0].label, "ad");
/// assert_eq!((d.rows[0].converters_with, d.rows[0].non_converters_without), (2, 2));
/// // Fisher: 1 table of 6 with these margins is as extreme on each side: p = 2/6.
/// assert!((d.rows[0].p_value.unwrap() - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn conversion_drivers(log: &EventLog, opts: &DriversOptions) -> Result<DriversResult> {
    Ok(DriverCounts::of(log, opts)?.finish(opts, log.conversion_touchpoints()))
}

/// The counts behind a drivers result, additive over customers (so partial results merge and
/// retract them, `docs/distributed.md`): the customers analysed, and per touch (touchpoint or
/// channel name) and per value of each property asked for, the customers with it; each as
/// `[non-converters, converters]`. Features no customer has are absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DriverCounts {
    /// `[non-converters, converters]` analysed.
    pub(crate) pop: [u64; 2],
    /// Per touch name, the customers with it.
    pub(crate) touch: BTreeMap<String, [u64; 2]>,
    /// Per property asked for (in the options' order), per value, the customers with it.
    pub(crate) props: Vec<BTreeMap<String, [u64; 2]>>,
}

impl DriverCounts {
    /// The counts of `log`'s customers (checking the options against the log).
    pub(crate) fn of(log: &EventLog, opts: &DriversOptions) -> Result<DriverCounts> {
        // Long because it is one fold over the customers: the per-customer count closes over the
        // funnel, the features and the properties (the checks and the merge are split out).
        if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
            return Err(Error::argument(
                "alpha",
                format!("{}: expected a number between 0 and 1", opts.alpha),
            ));
        }
        let props = property_columns(log, &opts.properties)?;
        let funnel = funnel_step(log, opts)?;
        let touch_level = opts.level;
        let n_feat = if !opts.touches {
            0
        } else if touch_level == Level::Channel {
            log.channels().len()
        } else {
            log.touchpoints().len()
        };
        let n_vals: Vec<usize> = props
            .iter()
            .map(|&i| log.properties()[i].values.len())
            .collect();
        let conv: Vec<bool> = (0..log.touchpoints().len() as u32)
            .map(|t| log.is_conversion(t))
            .collect();
        let ts = log.timestamps();
        let tps = log.touchpoint_ids();
        let chs = log.channel_ids();
        let feature = |e: usize| {
            if touch_level == Level::Channel {
                chs[e]
            } else {
                tps[e]
            }
        };
        let acc = fold_customers(
            log.n_customers(),
            || Acc {
                pop: [0; 2],
                touch: vec![[0; 2]; n_feat],
                props: n_vals.iter().map(|&n| vec![[0; 2]; n]).collect(),
                stamp: vec![u32::MAX; n_feat],
                seen: Vec::new(),
                scratch: Scratch::default(),
            },
            |acc, c| {
                let r = log.journey(c).range();
                acc.seen.clear();
                let mark = |acc: &mut Acc, e: usize| {
                    let f = feature(e) as usize;
                    if acc.stamp[f] != c {
                        acc.stamp[f] = c;
                        acc.seen.push(f as u32);
                    }
                };
                let y = match &funnel {
                    None => {
                        let mut converted = false;
                        for e in r.clone() {
                            if conv[tps[e] as usize] {
                                converted = true;
                                break;
                            }
                            if n_feat > 0 {
                                mark(acc, e);
                            }
                        }
                        converted
                    }
                    Some((m, j)) => {
                        let reached = m.eval(&ts[r.clone()], &tps[r.clone()], &mut acc.scratch);
                        if reached + 1 < *j {
                            return;
                        }
                        let y = reached >= *j;
                        if n_feat > 0 {
                            let s = &acc.scratch;
                            let from = r.start + s.best_pos[j - 2] as usize + 1;
                            let limit = s.best[0].saturating_add(m.window_us());
                            let to = if y {
                                r.start + s.best_pos[j - 1] as usize
                            } else {
                                r.end
                            };
                            for e in from..to {
                                if !y && ts[e] > limit {
                                    break;
                                }
                                if !m.is_step(tps[e]) {
                                    mark(acc, e);
                                }
                            }
                        }
                        y
                    }
                };
                let y = y as usize;
                acc.pop[y] += 1;
                for &f in &acc.seen {
                    acc.touch[f as usize][y] += 1;
                }
                for (k, &i) in props.iter().enumerate() {
                    let ids = &log.properties()[i].ids;
                    if let Some(v) = r.clone().rev().map(|e| ids[e]).find(|&v| v != NO_ID) {
                        acc.props[k][v as usize][y] += 1;
                    }
                }
            },
            Acc::add,
        );

        let name = |f: usize| {
            if touch_level == Level::Channel {
                log.channel_name(f as u32)
            } else {
                log.touchpoint_name(f as u32)
            }
        };
        let nonzero = |w: &&[u64; 2]| w[0] + w[1] > 0;
        Ok(DriverCounts {
            pop: acc.pop,
            touch: acc
                .touch
                .iter()
                .enumerate()
                .filter(|(_, w)| nonzero(w))
                .map(|(f, w)| (name(f).to_string(), *w))
                .collect(),
            props: props
                .iter()
                .zip(&acc.props)
                .map(|(&i, counts)| {
                    let values = &log.properties()[i].values;
                    counts
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| nonzero(w))
                        .map(|(v, w)| (values.name(v as u32).to_string(), *w))
                        .collect()
                })
                .collect(),
        })
    }

    /// Adds `b`'s customers (of other customers than `self`'s).
    pub(crate) fn merge(&mut self, b: DriverCounts) {
        fn add(x: &mut [u64; 2], y: [u64; 2]) {
            x[0] += y[0];
            x[1] += y[1];
        }
        add(&mut self.pop, b.pop);
        for (k, w) in b.touch {
            add(self.touch.entry(k).or_default(), w);
        }
        if self.props.len() < b.props.len() {
            self.props.resize(b.props.len(), BTreeMap::new());
        }
        for (mine, theirs) in self.props.iter_mut().zip(b.props) {
            for (k, w) in theirs {
                add(mine.entry(k).or_default(), w);
            }
        }
    }

    /// Takes away `b`'s customers (merged into `self` before); features left with no
    /// customer go, as in counts made without them.
    pub(crate) fn retract(&mut self, b: &DriverCounts) {
        fn sub(m: &mut BTreeMap<String, [u64; 2]>, b: &BTreeMap<String, [u64; 2]>) {
            for (k, w) in b {
                if let Some(x) = m.get_mut(k) {
                    x[0] -= w[0];
                    x[1] -= w[1];
                    if x[0] + x[1] == 0 {
                        m.remove(k);
                    }
                }
            }
        }
        self.pop[0] -= b.pop[0];
        self.pop[1] -= b.pop[1];
        sub(&mut self.touch, &b.touch);
        for (mine, theirs) in self.props.iter_mut().zip(&b.props) {
            sub(mine, theirs);
        }
    }

    /// Whether the counts fit `opts` and add up: a step from 2 to the number of steps, one map
    /// per property, no touches when they
    /// are not tested, no feature held by more customers than there are, no empty feature,
    /// and each property's values held by no more customers than there are.
    pub(crate) fn fits(&self, opts: &DriversOptions) -> bool {
        let within = |w: &[u64; 2]| w[0] <= self.pop[0] && w[1] <= self.pop[1] && w[0] + w[1] > 0;
        let k = opts.steps.len();
        let step = match opts.step {
            None => true,
            Some(j) => k > 0 && (2..=k).contains(&j),
        };
        step && (k != 1)
            && self.props.len() == opts.properties.len()
            && (opts.touches || self.touch.is_empty())
            && self.touch.values().all(within)
            && self.props.iter().all(|m| {
                m.values().all(within) && {
                    let (n, c) = m.values().fold((0u64, 0u64), |(n, c), w| {
                        (n.saturating_add(w[0]), c.saturating_add(w[1]))
                    });
                    n <= self.pop[0] && c <= self.pop[1]
                }
            })
    }

    /// The result of these counts: every row's table, tests and q-value. `conversions` are
    /// the log's conversion touchpoints (the outcome's label).
    pub(crate) fn finish(&self, opts: &DriversOptions, conversions: &[String]) -> DriversResult {
        let pop = self.pop;
        let touch_level = opts.level;
        let mut rows = Vec::new();
        let kind = if touch_level == Level::Channel {
            DriverKind::Channel
        } else {
            DriverKind::Touchpoint
        };
        for (name, &w) in &self.touch {
            rows.push(row(kind, name, None, w, pop));
        }
        for (name, values) in opts.properties.iter().zip(&self.props) {
            for (v, &w) in values {
                rows.push(row(DriverKind::Property, name, Some(v), w, pop));
            }
        }
        rows.retain(|r| r.customers_with > 0 && r.customers_with >= opts.min_customers);
        let tested: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].p_value.is_some())
            .collect();
        let ps: Vec<f64> = tested.iter().filter_map(|&i| rows[i].p_value).collect();
        for (&i, q) in tested.iter().zip(bh_q_values(&ps)) {
            rows[i].q_value = Some(q);
            rows[i].significant = q <= opts.alpha;
        }
        rows.sort_by(|a, b| {
            let or = |r: &DriverRow| r.odds_ratio.unwrap_or(f64::NEG_INFINITY);
            or(b)
                .total_cmp(&or(a))
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.value.cmp(&b.value))
        });
        let n = pop[0] + pop[1];
        let (outcome, step, outcome_label) = if opts.steps.is_empty() {
            ("conversion".to_string(), None, conversions.join(" | "))
        } else {
            let j = opts.step.unwrap_or(opts.steps.len());
            (
                "step".to_string(),
                Some(j),
                format!(
                    "{} -> {}",
                    opts.steps[j - 2].label(),
                    opts.steps[j - 1].label()
                ),
            )
        };
        DriversResult {
            outcome,
            step,
            outcome_label,
            level: touch_level,
            n_customers: n,
            converters: pop[1],
            conversion_rate: ratio(pop[1], n),
            alpha: opts.alpha,
            fisher_max_n: FISHER_MAX_N,
            n_tested: tested.len() as u64,
            n_significant: rows.iter().filter(|r| r.significant).count() as u64,
            rows,
        }
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The row of a feature held by `with[1]` converters and `with[0]` non-converters, out of
/// `pop[1]` converters and `pop[0]` non-converters.
fn row(
    kind: DriverKind,
    name: &str,
    value: Option<&str>,
    with: [u64; 2],
    pop: [u64; 2],
) -> DriverRow {
    let (a, b) = (with[1], with[0]);
    let (c, d) = (pop[1] - a, pop[0] - b);
    let table = [a, b, c, d];
    let or = odds_ratio_woolf(table);
    let (p, test) = match or {
        Some(_) => {
            let (p, t) = table_p_value(table);
            (Some(p), Some(t))
        }
        None => (None, None),
    };
    let (rate_with, rate_without) = (ratio(a, a + b), ratio(c, c + d));
    let direction = match or {
        Some((o, ..)) if o > 1.0 => Direction::Positive,
        Some((o, ..)) if o < 1.0 => Direction::Negative,
        _ => Direction::None,
    };
    DriverRow {
        kind,
        name: name.to_string(),
        value: value.map(str::to_string),
        label: match value {
            Some(v) => format!("{name} = {v}"),
            None => name.to_string(),
        },
        customers_with: a + b,
        converters_with: a,
        non_converters_with: b,
        converters_without: c,
        non_converters_without: d,
        rate_with,
        rate_without,
        lift: match (rate_with, rate_without) {
            (Some(x), Some(y)) if y > 0.0 => Some(x / y),
            _ => None,
        },
        odds_ratio: or.map(|o| o.0),
        ci_low: or.map(|o| o.1),
        ci_high: or.map(|o| o.2),
        haldane: or.is_some_and(|o| o.3),
        p_value: p,
        test,
        q_value: None,
        significant: false,
        direction,
    }
}

impl EventLog {
    /// Conversion drivers of this log; see [`conversion_drivers`].
    pub fn conversion_drivers(&self, opts: &DriversOptions) -> Result<DriversResult> {
        conversion_drivers(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    fn log(csv: &str) -> EventLog {
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1e-300)
    }

    fn find<'a>(d: &'a DriversResult, label: &str) -> &'a DriverRow {
        d.rows.iter().find(|r| r.label == label).unwrap()
    }

    /// 40 customers in six groups (touches, converted, persona, how many):
    ///
    /// | touches        | converts | persona | n  |
    /// |----------------|----------|---------|----|
    /// | demo, webinar  | yes      | pro     | 2  |
    /// | demo           | yes      | basic   | 8  |
    /// | demo           | no       | pro     | 2  |
    /// | webinar        | no       | pro     | 1  |
    /// | ad             | yes      | basic   | 2  |
    /// | ad             | no       | basic   | 24 |
    /// | ad             | no       | (blank) | 1  |
    ///
    /// 12 converters, 28 not. The tables [a, b, c, d] (converters / non-converters with, then
    /// without) and their exact Fisher p-values, from the hypergeometric probabilities summed
    /// in exact fractions (Python: `fractions.Fraction`, `math.comb`):
    ///
    /// - demo [10, 2, 2, 26]: OR 65, p = 389/85951592 = 4.5258e-6;
    /// - ad [2, 25, 10, 3]: OR 0.024, p = 83/4523768 = 1.8348e-5;
    /// - webinar [2, 1, 10, 27]: rate 2/3 against 10/37 (lift 2.47, OR 5.4), but with three
    ///   customers P(a = x) = C(12, x) C(28, 3 - x) / C(40, 3) = 3276, 4536, 1848, 220 / 9880
    ///   for x = 0..3: p = (1848 + 220) / 9880 = 0.2093: a large-looking lift, not significant;
    /// - persona = pro [2, 3, 10, 25]: OR 5/3, p = 881/1406;
    /// - persona = basic [10, 24, 2, 4]: OR 5/6, p = 1 (the likeliest table).
    ///
    /// BH over m = 5: sorted p times 5 / rank: 2.263e-5, 4.587e-5, 0.3489, 0.7833, 1.
    fn groups_csv() -> String {
        let groups: [(&[&str], bool, &str, usize); 7] = [
            (&["demo", "webinar"], true, "pro", 2),
            (&["demo"], true, "basic", 8),
            (&["demo"], false, "pro", 2),
            (&["webinar"], false, "pro", 1),
            (&["ad"], true, "basic", 2),
            (&["ad"], false, "basic", 24),
            (&["ad"], false, "", 1),
        ];
        let mut csv = String::from("customer_id,timestamp,touchpoint,channel,persona\n");
        let mut id = 0;
        for (touches, converts, persona, n) in groups {
            for _ in 0..n {
                id += 1;
                for (i, t) in touches.iter().enumerate() {
                    let ch = if *t == "ad" { "social" } else { "web" };
                    csv.push_str(&format!("c{id:02},{},{t},{ch},{persona}\n", i * 10));
                }
                if converts {
                    csv.push_str(&format!("c{id:02},100,purchase,web,{persona}\n"));
                    // A touch after the conversion is not a driver of it.
                    csv.push_str(&format!("c{id:02},200,survey,web,{persona}\n"));
                }
            }
        }
        csv
    }

    #[test]
    fn known_answers_with_a_lift_that_is_noise() {
        let l = log(&groups_csv());
        let o = DriversOptions {
            properties: vec!["persona".into()],
            ..Default::default()
        };
        let d = conversion_drivers(&l, &o).unwrap();
        assert_eq!((d.n_customers, d.converters, d.n_tested), (40, 12, 5));
        let labels: Vec<&str> = d.rows.iter().map(|r| r.label.as_str()).collect();
        // By odds ratio: 65, 5.4, 5/3, 5/6, 0.024; survey only ever follows a conversion.
        assert_eq!(
            labels,
            ["demo", "webinar", "persona = pro", "persona = basic", "ad"]
        );
        let demo = find(&d, "demo");
        assert_eq!(
            [
                demo.converters_with,
                demo.non_converters_with,
                demo.converters_without,
                demo.non_converters_without
            ],
            [10, 2, 2, 26]
        );
        assert!(close(demo.odds_ratio.unwrap(), 65.0));
        assert!(close(demo.p_value.unwrap(), 389.0 / 85_951_592.0));
        assert!(close(demo.q_value.unwrap(), 389.0 / 85_951_592.0 * 5.0));
        assert!(demo.significant && demo.direction == Direction::Positive);
        assert_eq!(demo.test, Some(Test::Fisher));
        // Woolf: SE = sqrt(1/10 + 1/2 + 1/2 + 1/26) = 1.0671; 65 * exp(-+1.959964 SE).
        let se = (0.1f64 + 0.5 + 0.5 + 1.0 / 26.0).sqrt();
        assert!(close(
            demo.ci_low.unwrap(),
            (65f64.ln() - 1.959_963_984_540_054 * se).exp()
        ));
        assert!((demo.ci_low.unwrap() - 8.029_570).abs() < 1e-5);
        assert!((demo.ci_high.unwrap() - 526.180_137).abs() < 1e-5);

        let web = find(&d, "webinar");
        assert!(close(web.rate_with.unwrap(), 2.0 / 3.0));
        assert!(close(web.rate_without.unwrap(), 10.0 / 37.0));
        assert!(close(web.lift.unwrap(), (2.0 / 3.0) / (10.0 / 37.0)));
        assert!(close(web.odds_ratio.unwrap(), 5.4));
        assert!(close(web.p_value.unwrap(), 2068.0 / 9880.0));
        assert!(close(web.q_value.unwrap(), 2068.0 / 9880.0 * 5.0 / 3.0));
        assert!(!web.significant);

        let ad = find(&d, "ad");
        assert!(close(ad.odds_ratio.unwrap(), 0.024));
        assert!(close(ad.p_value.unwrap(), 83.0 / 4_523_768.0));
        assert!(close(ad.q_value.unwrap(), 83.0 / 4_523_768.0 * 5.0 / 2.0));
        assert!(ad.significant && ad.direction == Direction::Negative);

        let pro = find(&d, "persona = pro");
        assert_eq!(pro.value.as_deref(), Some("pro"));
        assert!(close(pro.p_value.unwrap(), 881.0 / 1406.0));
        assert!(close(pro.q_value.unwrap(), 881.0 / 1406.0 * 5.0 / 4.0));
        let basic = find(&d, "persona = basic");
        assert!(close(basic.odds_ratio.unwrap(), 5.0 / 6.0));
        assert!(close(basic.p_value.unwrap(), 1.0));
        assert_eq!(d.n_significant, 2);

        // Channels: social is exactly ad; web is demo or webinar (15 customers, 10 convert).
        let o = DriversOptions {
            level: Level::Channel,
            ..Default::default()
        };
        let d = conversion_drivers(&l, &o).unwrap();
        let web = find(&d, "web");
        assert_eq!(web.kind, DriverKind::Channel);
        assert_eq!((web.converters_with, web.non_converters_with), (10, 3));
        assert!(close(find(&d, "social").odds_ratio.unwrap(), 0.024));

        // min_customers leaves webinar (3 customers) out, and with it one test.
        let o = DriversOptions {
            min_customers: 4,
            ..Default::default()
        };
        let d = conversion_drivers(&l, &o).unwrap();
        assert_eq!(d.n_tested, 2);
        assert!(close(
            find(&d, "ad").q_value.unwrap(),
            83.0 / 4_523_768.0 * 2.0 / 2.0
        ));
    }

    #[test]
    fn results_do_not_depend_on_row_order() {
        let csv = groups_csv();
        let mut lines: Vec<&str> = csv.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        let reversed = format!("{header}\n{}\n", lines.join("\n"));
        let o = DriversOptions {
            properties: vec!["persona".into()],
            ..Default::default()
        };
        assert_eq!(
            conversion_drivers(&log(&csv), &o).unwrap(),
            conversion_drivers(&log(&reversed), &o).unwrap()
        );
    }

    /// Window 1 day, steps view -> cart -> buy.
    ///
    /// - a: view, cart, view, coupon, buy: reaches buy; between cart and buy: coupon (the view
    ///   is a step, not a driver);
    /// - b: view, cart, chat, and a coupon two days later (outside the window): stops at cart;
    /// - c: view, cart, coupon: stops at cart;
    /// - d: view, chat: stops at view;
    /// - e: view, coupon, cart, buy: reaches buy, nothing between cart and buy.
    const FUNNEL: &str = "customer_id,timestamp,touchpoint\n\
        a,0,view\na,10,cart\na,15,view\na,20,coupon\na,30,buy\n\
        b,0,view\nb,10,cart\nb,20,chat\nb,200000,coupon\n\
        c,0,view\nc,10,cart\nc,20,coupon\n\
        d,0,view\nd,5,chat\n\
        e,0,view\ne,5,coupon\ne,10,cart\ne,20,buy\n";

    #[test]
    fn funnel_step_drivers() {
        let l = log(FUNNEL);
        let o = DriversOptions {
            steps: vec!["view".into(), "cart".into(), "buy".into()],
            window: Duration::from_days(1),
            ..Default::default()
        };
        let d = conversion_drivers(&l, &o).unwrap();
        assert_eq!(d.outcome, "step");
        assert_eq!(d.step, Some(3));
        assert_eq!(d.outcome_label, "cart -> buy");
        // Reached cart: a, b, c, e; reached buy: a, e.
        assert_eq!((d.n_customers, d.converters), (4, 2));
        let labels: Vec<&str> = d.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["coupon", "chat"]);
        // coupon: a (converts) and c (not): [1, 1, 1, 1], OR 1, p 1.
        let coupon = find(&d, "coupon");
        assert_eq!(coupon.customers_with, 2);
        assert!(close(coupon.odds_ratio.unwrap(), 1.0));
        assert!(close(coupon.p_value.unwrap(), 1.0));
        assert_eq!(coupon.direction, Direction::None);
        // chat: b only, who did not convert: [0, 1, 2, 1]; Haldane: 0.5 * 1.5 / (1.5 * 2.5).
        let chat = find(&d, "chat");
        assert!(chat.haldane);
        assert!(close(chat.odds_ratio.unwrap(), 0.2));
        // Fisher: margins r1 = 1, c1 = 2, n = 4: P(a = 0) = P(a = 1) = 1/2; p = 1.
        assert!(close(chat.p_value.unwrap(), 1.0));

        // Step 2 (view -> cart): everyone reached view; a, b, c, e reached cart. Between view
        // and cart: e's coupon; d (no cart) had chat within the window.
        let o = DriversOptions { step: Some(2), ..o };
        let d = conversion_drivers(&l, &o).unwrap();
        assert_eq!((d.n_customers, d.converters), (5, 4));
        let coupon = find(&d, "coupon");
        assert_eq!((coupon.converters_with, coupon.non_converters_with), (1, 0));
        let chat = find(&d, "chat");
        assert_eq!((chat.converters_with, chat.non_converters_with), (0, 1));
        // Fisher with r1 = 1, c1 = 4, n = 5: P(a = 0) = 1/5, P(a = 1) = 4/5: p = 1/5.
        assert!(close(chat.p_value.unwrap(), 0.2));
    }

    #[test]
    fn degenerate_and_bad_input() {
        // Nobody converts: counts, but no odds ratio and nothing tested.
        let l = log("customer_id,timestamp,touchpoint\na,0,ad\nb,0,mail\n");
        let d = conversion_drivers(&l, &DriversOptions::default()).unwrap();
        assert_eq!((d.n_customers, d.converters, d.n_tested), (2, 0, 0));
        assert_eq!(d.conversion_rate, Some(0.0));
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[0].odds_ratio, None);
        assert_eq!(d.rows[0].p_value, None);
        assert!(!d.rows[0].significant);
        let d = conversion_drivers(&EventLog::empty(), &DriversOptions::default()).unwrap();
        assert_eq!((d.n_customers, d.conversion_rate), (0, None));
        assert!(d.rows.is_empty());

        let bad = |o: DriversOptions| conversion_drivers(&l, &o).unwrap_err().to_string();
        let e = bad(DriversOptions {
            properties: vec!["persona".into()],
            ..Default::default()
        });
        assert!(e.contains("\"persona\" is not a property"), "{e}");
        let e = bad(DriversOptions {
            alpha: 1.5,
            ..Default::default()
        });
        assert!(e.contains("alpha"), "{e}");
        let e = bad(DriversOptions {
            steps: vec!["ad".into(), "mail".into()],
            step: Some(3),
            ..Default::default()
        });
        assert!(e.contains("expected a step from 2 to 2"), "{e}");
        let e = bad(DriversOptions {
            step: Some(2),
            ..Default::default()
        });
        assert!(e.contains("needs the funnel's steps"), "{e}");
        let o: DriversOptions =
            crate::args::from_json("o", &serde_json::json!({"properties": "persona"})).unwrap();
        assert_eq!(o.properties, ["persona"]);
        let e =
            crate::args::from_json::<DriversOptions>("o", &serde_json::json!({"properties": 3}))
                .unwrap_err()
                .to_string();
        assert!(e.contains("properties: expected a property name"), "{e}");
    }
}

/// `docs/drivers.md`, whose Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/drivers.md")]
pub struct DriversGuide;
