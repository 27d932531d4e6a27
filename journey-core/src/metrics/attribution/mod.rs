//! Multi-touch attribution (docs/attribution.md): which channels (or touchpoints) earn the
//! conversions and their value.
//!
//! Seven models over the conversion paths of [`crate::metrics::paths`]: first touch, last touch,
//! linear, time decay, position based, Markov removal effect (order 1 to 4, solved exactly) and
//! Shapley. Paths are first aggregated (identical sequences counted once), so the models run
//! over distinct paths; only time decay reads the touch times, in the same pass.
//!
//! Input is an [`EventLog`] ([`attribution`], [`attribution_table`], or the methods of the same
//! names on the log) or a [`PathTable`] in the ChannelAttribution layout, from rows
//! ([`PathTable::from_rows`]) or CSV ([`read_path_table_csv`]).
//!
//! Conversions whose path has no touch left (all excluded, or older than the lookback) cannot
//! be credited: they are reported as `unattributed_conversions` / `unattributed_value`, and the
//! credits of every model sum to `attributed_conversions` / `attributed_value`. The user guide
//! is `docs/attribution.md`.
//!
//! ```
//! use journey_core::metrics::attribution::{AttributionOptions, Model};
//! let csv = "customer_id,timestamp,touchpoint,channel,value\n\
//!            a,1,instagram_ad,social,\na,2,newsletter,email,\na,3,purchase,web,30\n\
//!            b,1,newsletter,email,\nb,2,purchase,web,10\n\
//!            c,1,instagram_ad,social,\n";
//! let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
//! let opts = AttributionOptions { model: Model::LastTouch, ..Default::default() };
//! let r = log.attribution(&opts).unwrap();
//! assert_eq!(r.rows[0].channel, "email");
//! assert_eq!((r.rows[0].conversions, r.rows[0].value), (2.0, 40.0));
//! let table = log.attribution_table(&Default::default()).unwrap();
//! assert_eq!(table.rows[1].channel, "social");
//! assert_eq!(table.rows[1].first_touch, 1.0);
//! ```

pub(crate) mod markov;
mod models;
mod table;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::paths::{unknown_excluded, Level, PathOptions};
use crate::model::EventLog;
use crate::time::Duration;

pub use markov::{StateKind, Transition, CONVERSION, MAX_BLOCK, MAX_RESOLVE_WORK, NULL, START};
pub use table::{read_path_table_csv, PathRow, PathTable, PathTableOptions, PATH_SEPARATOR};

pub(crate) use table::{aggregate_log, time_decay_path, Agg, Credits, ExactCredits};

/// An attribution model.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// All credit to the first touch of the path.
    FirstTouch,
    /// All credit to the last touch of the path.
    LastTouch,
    /// Equal credit to every touch (every occurrence).
    Linear,
    /// Credit halving with every half-life between the touch and the conversion.
    TimeDecay,
    /// Fixed shares for the first, the middle and the last touches.
    PositionBased,
    /// Removal effects of a Markov chain over the paths (the default).
    #[default]
    Markov,
    /// Shapley values of the coalition game over channel sets.
    Shapley,
}

impl Model {
    /// Every model, in the order of the comparison table.
    pub const ALL: [Model; 7] = [
        Model::FirstTouch,
        Model::LastTouch,
        Model::Linear,
        Model::TimeDecay,
        Model::PositionBased,
        Model::Markov,
        Model::Shapley,
    ];

    /// The model's name, as the APIs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::FirstTouch => "first_touch",
            Model::LastTouch => "last_touch",
            Model::Linear => "linear",
            Model::TimeDecay => "time_decay",
            Model::PositionBased => "position_based",
            Model::Markov => "markov",
            Model::Shapley => "shapley",
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Model {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Model::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                Error::argument(
                    "model",
                    format!(
                        "{s:?}: expected one of {}",
                        Model::ALL.map(|m| format!("{:?}", m.as_str())).join(", ")
                    ),
                )
            })
    }
}

fn default_order() -> usize {
    1
}
fn default_half_life() -> Duration {
    Duration::from_days(7)
}
fn default_position_weights() -> Vec<f64> {
    vec![0.4, 0.2, 0.4]
}

/// Options of [`attribution`] (the keyword arguments of `log.attribution(...)`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributionOptions {
    /// The model (default `markov`).
    pub model: Model,
    /// Credit channels (default) or touchpoints.
    pub level: Level,
    /// Markov order k, 1 to 4: states are the last k channels (default 1).
    pub order: usize,
    /// Merge consecutive repeats of the same channel (or touchpoint) into one touch.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from the paths (e.g. on-site checkout steps); with a path
    /// table, names of the table.
    pub exclude: Option<Vec<String>>,
    /// One path per customer, up to the first conversion (the acquisition view).
    pub first_conversion_only: bool,
    /// Time decay half-life (default 7 days).
    pub half_life: Duration,
    /// Position-based weights `[first, middle, last]` (default `[0.4, 0.2, 0.4]`), normalised
    /// to sum to 1.
    pub position_weights: Vec<f64>,
    /// Touches longer than this before the conversion are dropped (default: none).
    pub lookback: Option<Duration>,
    /// Also return the Markov transition matrix.
    pub transition_matrix: bool,
}

impl Default for AttributionOptions {
    fn default() -> Self {
        AttributionOptions {
            model: Model::Markov,
            level: Level::Channel,
            order: default_order(),
            collapse_repeats: false,
            exclude: None,
            first_conversion_only: false,
            half_life: default_half_life(),
            position_weights: default_position_weights(),
            lookback: None,
            transition_matrix: false,
        }
    }
}

/// Options of [`attribution_table`]: those of [`AttributionOptions`] without `model`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributionTableOptions {
    /// Credit channels (default) or touchpoints.
    pub level: Level,
    /// Markov order k, 1 to 4 (default 1).
    pub order: usize,
    /// Merge consecutive repeats into one touch.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from the paths.
    pub exclude: Option<Vec<String>>,
    /// One path per customer, up to the first conversion.
    pub first_conversion_only: bool,
    /// Time decay half-life (default 7 days).
    pub half_life: Duration,
    /// Position-based weights `[first, middle, last]` (default `[0.4, 0.2, 0.4]`).
    pub position_weights: Vec<f64>,
    /// Touches longer than this before the conversion are dropped.
    pub lookback: Option<Duration>,
    /// Also return the Markov transition matrix.
    pub transition_matrix: bool,
}

impl Default for AttributionTableOptions {
    fn default() -> Self {
        AttributionOptions::default().into()
    }
}

impl From<AttributionOptions> for AttributionTableOptions {
    fn from(o: AttributionOptions) -> Self {
        AttributionTableOptions {
            level: o.level,
            order: o.order,
            collapse_repeats: o.collapse_repeats,
            exclude: o.exclude,
            first_conversion_only: o.first_conversion_only,
            half_life: o.half_life,
            position_weights: o.position_weights,
            lookback: o.lookback,
            transition_matrix: o.transition_matrix,
        }
    }
}

impl AttributionTableOptions {
    /// These options for one model.
    pub fn with_model(&self, model: Model) -> AttributionOptions {
        AttributionOptions {
            model,
            level: self.level,
            order: self.order,
            collapse_repeats: self.collapse_repeats,
            exclude: self.exclude.clone(),
            first_conversion_only: self.first_conversion_only,
            half_life: self.half_life,
            position_weights: self.position_weights.clone(),
            lookback: self.lookback,
            transition_matrix: self.transition_matrix,
        }
    }
}

impl AttributionOptions {
    /// Checks the arguments; returns the normalised position weights.
    pub(crate) fn check(&self) -> Result<[f64; 3]> {
        if !(1..=4).contains(&self.order) {
            return Err(Error::argument(
                "order",
                format!("{}: expected 1, 2, 3 or 4", self.order),
            ));
        }
        if self.half_life.as_us() <= 0 {
            return Err(Error::argument("half_life", "must be positive"));
        }
        let w = &self.position_weights;
        let bad = || {
            Error::argument(
                "position_weights",
                format!(
                    "{w:?}: expected three non-negative numbers [first, middle, last] with a positive sum"
                ),
            )
        };
        if w.len() != 3 || w.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err(bad());
        }
        let sum: f64 = w.iter().sum();
        if sum <= 0.0 {
            return Err(bad());
        }
        Ok([w[0] / sum, w[1] / sum, w[2] / sum])
    }

    /// The conversion-path options these attribution options imply.
    pub fn path_options(&self) -> PathOptions {
        PathOptions {
            level: self.level,
            lookback_us: self.lookback.map(Duration::as_us),
            first_conversion_only: self.first_conversion_only,
            collapse_repeats: self.collapse_repeats,
            exclude: self.exclude.clone().unwrap_or_default(),
        }
    }

    /// Rejects what a path table cannot do (it has no touch times and no customers).
    fn check_for_table(&self, model: Option<Model>) -> Result<()> {
        if model == Some(Model::TimeDecay) {
            return Err(Error::argument(
                "model",
                "time_decay needs touch times, which a path table does not have; use an event log",
            ));
        }
        if self.lookback.is_some() {
            return Err(Error::argument(
                "lookback",
                "needs touch times, which a path table does not have; use an event log",
            ));
        }
        if self.first_conversion_only {
            return Err(Error::argument(
                "first_conversion_only",
                "needs customers, which a path table does not have; use an event log",
            ));
        }
        Ok(())
    }
}

/// One channel's credit under one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionRow {
    /// Channel (or touchpoint, at `level = "touchpoint"`; or a path-table name).
    pub channel: String,
    /// Conversions credited.
    pub conversions: f64,
    /// Conversion value credited.
    pub value: f64,
    /// `conversions / attributed_conversions`; `None` without attributed conversions.
    pub share: Option<f64>,
    /// Markov only: `1 - P(conversion without the channel) / P(conversion)`, in [0, 1];
    /// `None` for other models or when `P(conversion) = 0`.
    pub removal_effect: Option<f64>,
}

/// The result of [`attribution`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionResult {
    /// The model.
    pub model: Model,
    /// The level of the names (`None` for a path table, whose names are whatever it holds).
    pub level: Option<Level>,
    /// Markov order (`None` for other models).
    pub order: Option<usize>,
    /// Every conversion, with or without touches.
    pub total_conversions: f64,
    /// Value of every conversion.
    pub total_value: f64,
    /// Paths that ended without a conversion.
    pub total_null: f64,
    /// Conversions of paths with at least one touch: what the credits sum to.
    pub attributed_conversions: f64,
    /// Value of those conversions: what the value credits sum to.
    pub attributed_value: f64,
    /// Conversions of paths without touches, which no channel can be credited with.
    pub unattributed_conversions: f64,
    /// Their value.
    pub unattributed_value: f64,
    /// Markov only: the chain's probability of conversion from the start.
    pub conversion_probability: Option<f64>,
    /// One row per channel that occurs in a path, by name.
    pub rows: Vec<AttributionRow>,
    /// Markov with `transition_matrix = true`: every transition with a positive count.
    pub transition_matrix: Option<Vec<Transition>>,
    /// Names of `exclude` that are not touchpoints of the log (or names of the table): they
    /// exclude nothing. Reported, not an error, so one standard exclude list works on every log.
    pub unknown_excluded: Vec<String>,
}

/// One channel in the comparison table: its credit under every model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionTableRow {
    /// Channel (or touchpoint, or path-table name).
    pub channel: String,
    /// First-touch conversions.
    pub first_touch: f64,
    /// Last-touch conversions.
    pub last_touch: f64,
    /// Linear conversions.
    pub linear: f64,
    /// Time-decay conversions (`None` for a path table: no touch times).
    pub time_decay: Option<f64>,
    /// Position-based conversions.
    pub position_based: f64,
    /// Markov conversions.
    pub markov: f64,
    /// Shapley conversions.
    pub shapley: f64,
    /// First-touch value.
    pub first_touch_value: f64,
    /// Last-touch value.
    pub last_touch_value: f64,
    /// Linear value.
    pub linear_value: f64,
    /// Time-decay value.
    pub time_decay_value: Option<f64>,
    /// Position-based value.
    pub position_based_value: f64,
    /// Markov value.
    pub markov_value: f64,
    /// Shapley value.
    pub shapley_value: f64,
    /// Markov removal effect.
    pub removal_effect: Option<f64>,
}

/// The result of [`attribution_table`]: all models side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionTable {
    /// The models with a column (all seven, or six for a path table).
    pub models: Vec<Model>,
    /// The level of the names (`None` for a path table).
    pub level: Option<Level>,
    /// Markov order.
    pub order: usize,
    /// Every conversion, with or without touches.
    pub total_conversions: f64,
    /// Value of every conversion.
    pub total_value: f64,
    /// Paths that ended without a conversion.
    pub total_null: f64,
    /// What every model's credits sum to.
    pub attributed_conversions: f64,
    /// What every model's value credits sum to.
    pub attributed_value: f64,
    /// Conversions of paths without touches.
    pub unattributed_conversions: f64,
    /// Their value.
    pub unattributed_value: f64,
    /// The Markov chain's probability of conversion.
    pub conversion_probability: Option<f64>,
    /// One row per channel that occurs in a path, by name.
    pub rows: Vec<AttributionTableRow>,
    /// With `transition_matrix = true`: the Markov transitions.
    pub transition_matrix: Option<Vec<Transition>>,
    /// Names of `exclude` that exclude nothing (see [`AttributionResult::unknown_excluded`]).
    pub unknown_excluded: Vec<String>,
}

/// Totals shared by both results.
struct Totals {
    total_conversions: f64,
    total_value: f64,
    total_null: f64,
    attributed_conversions: f64,
    attributed_value: f64,
}

impl Totals {
    fn of(t: &PathTable) -> Totals {
        let attributed_conversions: f64 = t.conversions.iter().sum();
        let attributed_value: f64 = t.value.iter().sum();
        Totals {
            total_conversions: attributed_conversions + t.empty_conversions,
            total_value: attributed_value + t.empty_value,
            total_null: t.total_null(),
            attributed_conversions,
            attributed_value,
        }
    }
}

/// Markov credits: `RE_c / sum RE` of the attributed conversions and value.
fn markov_credits(t: &PathTable, m: &markov::Markov, totals: &Totals) -> Credits {
    let sum: f64 = m.removal_effects.iter().flatten().sum();
    let mut c = Credits::zero(t.names.len());
    if sum > 0.0 {
        for (i, re) in m.removal_effects.iter().enumerate() {
            if let Some(re) = re {
                c.conversions[i] = re / sum * totals.attributed_conversions;
                c.value[i] = re / sum * totals.attributed_value;
            }
        }
    }
    c
}

fn heuristic(t: &PathTable, model: Model, weights: [f64; 3]) -> Credits {
    match model {
        Model::FirstTouch => models::first_touch(t),
        Model::LastTouch => models::last_touch(t),
        Model::Linear => models::linear(t),
        Model::PositionBased => models::position_based(t, weights),
        Model::Shapley => models::shapley(t),
        Model::TimeDecay | Model::Markov => unreachable!("not a path-table heuristic"),
    }
}

fn share(x: f64, of: f64) -> Option<f64> {
    (of > 0.0).then(|| x / of)
}

/// One model over an aggregated table; `td` holds the time-decay credits when computed from
/// a log.
fn run_model(
    t: &PathTable,
    td: Option<Credits>,
    opts: &AttributionOptions,
    weights: [f64; 3],
    level: Option<Level>,
) -> Result<AttributionResult> {
    let totals = Totals::of(t);
    let mut probability = None;
    let mut matrix = None;
    let mut effects = None;
    let credits = match opts.model {
        Model::TimeDecay => td.expect("time decay computed with the paths"),
        Model::Markov => {
            let m = markov::markov(t, opts.order, opts.transition_matrix, markov::DENSE_MAX)?;
            let c = markov_credits(t, &m, &totals);
            probability = m.probability;
            matrix = m.transitions;
            effects = Some(m.removal_effects);
            c
        }
        model => heuristic(t, model, weights),
    };
    let present = t.present();
    let rows = (0..t.names.len())
        .filter(|&i| present[i])
        .map(|i| AttributionRow {
            channel: t.names[i].clone(),
            conversions: credits.conversions[i],
            value: credits.value[i],
            share: share(credits.conversions[i], totals.attributed_conversions),
            removal_effect: effects.as_ref().and_then(|e| e[i]),
        })
        .collect();
    Ok(AttributionResult {
        model: opts.model,
        level,
        order: (opts.model == Model::Markov).then_some(opts.order),
        total_conversions: totals.total_conversions,
        total_value: totals.total_value,
        total_null: totals.total_null,
        attributed_conversions: totals.attributed_conversions,
        attributed_value: totals.attributed_value,
        unattributed_conversions: t.empty_conversions,
        unattributed_value: t.empty_value,
        conversion_probability: probability,
        rows,
        transition_matrix: matrix,
        unknown_excluded: Vec::new(),
    })
}

/// Every model over an aggregated table.
fn run_table(
    t: &PathTable,
    td: Option<Credits>,
    opts: &AttributionOptions,
    weights: [f64; 3],
    level: Option<Level>,
) -> Result<AttributionTable> {
    let totals = Totals::of(t);
    let m = markov::markov(t, opts.order, opts.transition_matrix, markov::DENSE_MAX)?;
    let mk = markov_credits(t, &m, &totals);
    let ft = models::first_touch(t);
    let lt = models::last_touch(t);
    let li = models::linear(t);
    let pb = models::position_based(t, weights);
    let sh = models::shapley(t);
    let present = t.present();
    let rows = (0..t.names.len())
        .filter(|&i| present[i])
        .map(|i| AttributionTableRow {
            channel: t.names[i].clone(),
            first_touch: ft.conversions[i],
            last_touch: lt.conversions[i],
            linear: li.conversions[i],
            time_decay: td.as_ref().map(|c| c.conversions[i]),
            position_based: pb.conversions[i],
            markov: mk.conversions[i],
            shapley: sh.conversions[i],
            first_touch_value: ft.value[i],
            last_touch_value: lt.value[i],
            linear_value: li.value[i],
            time_decay_value: td.as_ref().map(|c| c.value[i]),
            position_based_value: pb.value[i],
            markov_value: mk.value[i],
            shapley_value: sh.value[i],
            removal_effect: m.removal_effects[i],
        })
        .collect();
    Ok(AttributionTable {
        models: Model::ALL
            .into_iter()
            .filter(|&model| model != Model::TimeDecay || td.is_some())
            .collect(),
        level,
        order: opts.order,
        total_conversions: totals.total_conversions,
        total_value: totals.total_value,
        total_null: totals.total_null,
        attributed_conversions: totals.attributed_conversions,
        attributed_value: totals.attributed_value,
        unattributed_conversions: t.empty_conversions,
        unattributed_value: t.empty_value,
        conversion_probability: m.probability,
        rows,
        transition_matrix: m.transitions,
        unknown_excluded: Vec::new(),
    })
}

/// Credits the conversions of `log` (and their value) to channels or touchpoints with one
/// model.
pub fn attribution(log: &EventLog, opts: &AttributionOptions) -> Result<AttributionResult> {
    opts.check()?;
    let half_life = (opts.model == Model::TimeDecay).then(|| opts.half_life.as_us());
    let (t, td) = aggregate_log(log, &opts.path_options(), half_life)?;
    let unknown = unknown_excluded(log, opts.exclude.as_deref().unwrap_or(&[]));
    attribution_of_paths(&t, td, opts, unknown)
}

/// [`attribution`] from the aggregated paths of a log, its time-decay credits (when the model
/// is time decay) and the excluded names the log does not know.
pub(crate) fn attribution_of_paths(
    t: &PathTable,
    td: Option<Credits>,
    opts: &AttributionOptions,
    unknown: Vec<String>,
) -> Result<AttributionResult> {
    let weights = opts.check()?;
    let mut r = run_model(t, td, opts, weights, Some(opts.level))?;
    r.unknown_excluded = unknown;
    Ok(r)
}

/// Every model side by side per channel: the comparison table marketers read.
pub fn attribution_table(
    log: &EventLog,
    opts: &AttributionTableOptions,
) -> Result<AttributionTable> {
    let o = opts.with_model(Model::Markov);
    o.check()?;
    let (t, td) = aggregate_log(log, &o.path_options(), Some(o.half_life.as_us()))?;
    let unknown = unknown_excluded(log, o.exclude.as_deref().unwrap_or(&[]));
    attribution_table_of_paths(&t, td, opts, unknown)
}

/// [`attribution_table`] from the aggregated paths of a log, its time-decay credits and the
/// excluded names the log does not know.
pub(crate) fn attribution_table_of_paths(
    t: &PathTable,
    td: Option<Credits>,
    opts: &AttributionTableOptions,
    unknown: Vec<String>,
) -> Result<AttributionTable> {
    let opts = opts.with_model(Model::Markov);
    let weights = opts.check()?;
    let mut r = run_table(t, td, &opts, weights, Some(opts.level))?;
    r.unknown_excluded = unknown;
    Ok(r)
}

impl EventLog {
    /// Attribution with one model; see [`attribution`].
    pub fn attribution(&self, opts: &AttributionOptions) -> Result<AttributionResult> {
        attribution(self, opts)
    }

    /// All models side by side; see [`attribution_table`].
    pub fn attribution_table(&self, opts: &AttributionTableOptions) -> Result<AttributionTable> {
        attribution_table(self, opts)
    }
}

impl PathTable {
    /// Attribution with one model over this table. `time_decay`, `lookback` and
    /// `first_conversion_only` need an event log and are rejected; `level` is not used (the
    /// names are the table's); `exclude` names names of the table.
    ///
    /// ```
    /// use journey_core::metrics::attribution::{read_path_table_csv, AttributionOptions};
    /// let csv = "path,total_conversions,total_conversion_value,total_null\n\
    ///            a>b>c,1,30,0\na>b>a,0,0,1\nb>c>b>c,1,70,0\nc,0,0,1\n";
    /// let table = read_path_table_csv(csv.as_bytes()).unwrap();
    /// let r = table.attribution(&AttributionOptions::default()).unwrap();
    /// // Removal effects 6/13, 3/4 and 1 (worked by hand in docs/attribution.md).
    /// assert!((r.rows[0].removal_effect.unwrap() - 6.0 / 13.0).abs() < 1e-12);
    /// assert!((r.rows[2].conversions - 104.0 / 115.0).abs() < 1e-12);
    /// ```
    pub fn attribution(&self, opts: &AttributionOptions) -> Result<AttributionResult> {
        let weights = opts.check()?;
        opts.check_for_table(Some(opts.model))?;
        let exclude = opts.exclude.as_deref().unwrap_or(&[]);
        let t = self.transformed(exclude, opts.collapse_repeats);
        let mut r = run_model(&t, None, opts, weights, None)?;
        r.unknown_excluded = self.unknown_names(exclude);
        Ok(r)
    }

    /// All models but time decay side by side over this table (same rules as
    /// [`PathTable::attribution`]).
    pub fn attribution_table(&self, opts: &AttributionTableOptions) -> Result<AttributionTable> {
        let opts = opts.with_model(Model::Markov);
        let weights = opts.check()?;
        opts.check_for_table(None)?;
        let exclude = opts.exclude.as_deref().unwrap_or(&[]);
        let t = self.transformed(exclude, opts.collapse_repeats);
        let mut r = run_table(&t, None, &opts, weights, None)?;
        r.unknown_excluded = self.unknown_names(exclude);
        Ok(r)
    }
}

/// The docs' code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/attribution.md")]
pub struct AttributionGuide;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    fn log(csv: &str) -> EventLog {
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    /// The worked example of the docs: three channels with cycles, `d` only in a null path,
    /// `web` only on the purchase; c3's touches share one instant, ordered by `sequence`.
    const CYCLES: &str = "customer_id,timestamp,touchpoint,channel,value,sequence\n\
        c1,0,a,a,,\nc1,86400,b,b,,\nc1,172800,c,c,,1\nc1,172800,purchase,web,30,2\n\
        c2,0,a,a,,\nc2,10,b,b,,\nc2,20,a,a,,\n\
        c3,500,b,b,,1\nc3,500,c,c,,2\nc3,500,b,b,,3\nc3,500,c,c,,4\nc3,500,purchase,web,70,5\n\
        c4,0,c,c,,\n\
        c5,0,d,d,,\n";

    fn credits(r: &AttributionResult) -> Vec<(String, f64, f64)> {
        r.rows
            .iter()
            .map(|x| (x.channel.clone(), x.conversions, x.value))
            .collect()
    }

    fn close(got: &[(String, f64, f64)], want: &[(&str, f64, f64)]) {
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.0, w.0);
            assert!((g.1 - w.1).abs() < 1e-12, "{got:?} != {want:?}");
            assert!((g.2 - w.2).abs() < 1e-9, "{got:?} != {want:?}");
        }
    }

    fn model(l: &EventLog, m: Model) -> AttributionResult {
        l.attribution(&AttributionOptions {
            model: m,
            half_life: Duration::from_days(1),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn worked_example_every_model() {
        let l = log(CYCLES);
        // Converting paths: a>b>c (30, touches 2d, 1d, 0d before), b>c>b>c (70, all at dt = 0).
        close(
            &credits(&model(&l, Model::FirstTouch)),
            &[
                ("a", 1.0, 30.0),
                ("b", 1.0, 70.0),
                ("c", 0.0, 0.0),
                ("d", 0.0, 0.0),
            ],
        );
        close(
            &credits(&model(&l, Model::LastTouch)),
            &[
                ("a", 0.0, 0.0),
                ("b", 0.0, 0.0),
                ("c", 2.0, 100.0),
                ("d", 0.0, 0.0),
            ],
        );
        close(
            &credits(&model(&l, Model::Linear)),
            &[
                ("a", 1.0 / 3.0, 10.0),
                ("b", 5.0 / 6.0, 45.0),
                ("c", 5.0 / 6.0, 45.0),
                ("d", 0.0, 0.0),
            ],
        );
        // Half-life 1 day: weights 1/4, 1/2, 1 -> 1/7, 2/7, 4/7; the second path is linear.
        close(
            &credits(&model(&l, Model::TimeDecay)),
            &[
                ("a", 1.0 / 7.0, 30.0 / 7.0),
                ("b", 11.0 / 14.0, 60.0 / 7.0 + 35.0),
                ("c", 15.0 / 14.0, 120.0 / 7.0 + 35.0),
                ("d", 0.0, 0.0),
            ],
        );
        close(
            &credits(&model(&l, Model::PositionBased)),
            &[
                ("a", 0.4, 12.0),
                ("b", 0.7, 41.0),
                ("c", 0.9, 47.0),
                ("d", 0.0, 0.0),
            ],
        );
        close(
            &credits(&model(&l, Model::Shapley)),
            &[
                ("a", 1.0 / 3.0, 10.0),
                ("b", 5.0 / 6.0, 45.0),
                ("c", 5.0 / 6.0, 45.0),
                ("d", 0.0, 0.0),
            ],
        );
        // Markov: RE 6/13, 3/4, 1, 0; sum 115/52; credits 48/115, 78/115, 104/115 of 2.
        let m = model(&l, Model::Markov);
        close(
            &credits(&m),
            &[
                ("a", 48.0 / 115.0, 2400.0 / 115.0),
                ("b", 78.0 / 115.0, 3900.0 / 115.0),
                ("c", 104.0 / 115.0, 5200.0 / 115.0),
                ("d", 0.0, 0.0),
            ],
        );
        let re: Vec<f64> = m.rows.iter().map(|r| r.removal_effect.unwrap()).collect();
        assert!((re[0] - 6.0 / 13.0).abs() < 1e-12 && re[3] == 0.0, "{re:?}");
        // P = (2 x 12/31 + 18/31 + 20/31) / 5 = 2/5: the observed rate.
        assert!((m.conversion_probability.unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(
            (m.total_conversions, m.total_value, m.total_null),
            (2.0, 100.0, 3.0)
        );
        assert_eq!(m.order, Some(1));

        let table = l
            .attribution_table(&AttributionTableOptions {
                half_life: Duration::from_days(1),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(table.models, Model::ALL);
        for (i, model) in Model::ALL.into_iter().enumerate() {
            let one = self::model(&l, model);
            for (row, r) in table.rows.iter().zip(&one.rows) {
                let (c, v) = match i {
                    0 => (row.first_touch, row.first_touch_value),
                    1 => (row.last_touch, row.last_touch_value),
                    2 => (row.linear, row.linear_value),
                    3 => (row.time_decay.unwrap(), row.time_decay_value.unwrap()),
                    4 => (row.position_based, row.position_based_value),
                    5 => (row.markov, row.markov_value),
                    _ => (row.shapley, row.shapley_value),
                };
                assert_eq!((c, v), (r.conversions, r.value), "{model}");
            }
        }
    }

    #[test]
    fn excluded_touches_leave_unattributed_conversions() {
        let l = log("customer_id,timestamp,touchpoint,channel,value\n\
            a,1,ad,social,\na,2,checkout,web,\na,3,purchase,web,10\n\
            b,1,checkout,web,\nb,2,purchase,web,5\n");
        let opts = AttributionOptions {
            model: Model::LastTouch,
            level: Level::Touchpoint,
            exclude: Some(vec!["checkout".into()]),
            ..Default::default()
        };
        let r = l.attribution(&opts).unwrap();
        assert_eq!((r.total_conversions, r.attributed_conversions), (2.0, 1.0));
        assert_eq!(
            (r.unattributed_conversions, r.unattributed_value),
            (1.0, 5.0)
        );
        assert_eq!(credits(&r), [("ad".to_string(), 1.0, 10.0)]);
        assert_eq!(r.rows[0].share, Some(1.0));
        assert!(r.unknown_excluded.is_empty());
        // A standard exclude list with names this log lacks: not an error, but reported.
        let opts = AttributionOptions {
            exclude: Some(vec![
                "coupon_popup".into(),
                "checkout".into(),
                "purchase".into(),
                "coupon_popup".into(),
                "web".into(),
            ]),
            ..opts
        };
        let r = l.attribution(&opts).unwrap();
        assert_eq!(credits(&r), [("ad".to_string(), 1.0, 10.0)]);
        // `web` is a channel, not a touchpoint: exclude names touchpoints.
        assert_eq!(r.unknown_excluded, ["coupon_popup", "web"]);
        let t = l.attribution_table(&opts.clone().into()).unwrap();
        assert_eq!(t.unknown_excluded, ["coupon_popup", "web"]);
        let table = PathTable::from_log(&l, &opts.path_options()).unwrap();
        let r = table
            .attribution(&AttributionOptions {
                exclude: Some(vec!["newsletter".into(), "ad".into()]),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.unknown_excluded, ["newsletter"]);
        assert_eq!(r.unattributed_conversions, 2.0);
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        let empty = EventLog::empty();
        for m in Model::ALL {
            let r = model(&empty, m);
            assert!(r.rows.is_empty());
            assert_eq!(r.total_conversions, 0.0);
        }
        assert_eq!(model(&empty, Model::Markov).conversion_probability, None);
        let t = empty.attribution_table(&Default::default()).unwrap();
        assert!(t.rows.is_empty());
        // No conversions: every credit 0, shares and removal effects undefined.
        let l = log("customer_id,timestamp,touchpoint,channel\na,1,ad,social\na,2,site,web\n");
        let m = model(&l, Model::Markov);
        assert_eq!(m.conversion_probability, Some(0.0));
        assert!(m
            .rows
            .iter()
            .all(|r| r.conversions == 0.0 && r.share.is_none() && r.removal_effect.is_none()));
    }

    #[test]
    fn options_are_checked() {
        let l = log(CYCLES);
        let err = |o: AttributionOptions| l.attribution(&o).unwrap_err().to_string();
        assert!(err(AttributionOptions {
            order: 5,
            ..Default::default()
        })
        .contains("order"));
        assert!(err(AttributionOptions {
            half_life: Duration::from_us(0),
            ..Default::default()
        })
        .contains("half_life"));
        assert!(err(AttributionOptions {
            position_weights: vec![0.5, 0.5],
            ..Default::default()
        })
        .contains("position_weights"));
        assert!(err(AttributionOptions {
            position_weights: vec![0.0, 0.0, 0.0],
            ..Default::default()
        })
        .contains("position_weights"));
        assert!("Markov"
            .parse::<Model>()
            .unwrap_err()
            .to_string()
            .contains("\"markov\""));
        assert_eq!(
            "position_based".parse::<Model>().unwrap(),
            Model::PositionBased
        );

        let o: AttributionOptions = serde_json::from_str(
            r#"{"model": "time_decay", "half_life": "2d", "exclude": null, "lookback": "30d", "position_weights": [1, 1, 2]}"#,
        )
        .unwrap();
        assert_eq!(o.half_life, Duration::from_days(2));
        assert_eq!(o.lookback, Some(Duration::from_days(30)));
        assert_eq!(o.check().unwrap(), [0.25, 0.25, 0.5]);
        assert!(serde_json::from_str::<AttributionOptions>(r#"{"modle": "markov"}"#).is_err());
        assert!(serde_json::from_str::<AttributionTableOptions>(r#"{"model": "markov"}"#).is_err());
        let d: AttributionOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(d, AttributionOptions::default());
    }

    #[test]
    fn path_table_matches_the_log_and_rejects_what_needs_times() {
        let l = log(CYCLES);
        let t = PathTable::from_log(&l, &Default::default()).unwrap();
        let csv_text: String = std::iter::once(
            "path,total_conversions,total_conversion_value,total_null\n".to_string(),
        )
        .chain(t.rows().iter().map(|r| {
            format!(
                "{},{},{},{}\n",
                r.path, r.total_conversions, r.total_conversion_value, r.total_null
            )
        }))
        .collect();
        let read = read_path_table_csv(csv_text.as_bytes()).unwrap();
        let from_log = model(&l, Model::Markov);
        let from_table = read.attribution(&Default::default()).unwrap();
        assert_eq!(from_log.rows, from_table.rows);
        assert_eq!(from_table.level, None);
        let tt = read.attribution_table(&Default::default()).unwrap();
        assert_eq!(tt.models.len(), 6);
        assert!(tt.rows.iter().all(|r| r.time_decay.is_none()));
        for (name, o) in [
            (
                "model",
                AttributionOptions {
                    model: Model::TimeDecay,
                    ..Default::default()
                },
            ),
            (
                "lookback",
                AttributionOptions {
                    lookback: Some(Duration::from_days(1)),
                    ..Default::default()
                },
            ),
            (
                "first_conversion_only",
                AttributionOptions {
                    first_conversion_only: true,
                    ..Default::default()
                },
            ),
        ] {
            let e = read.attribution(&o).unwrap_err();
            assert_eq!(e.code(), "invalid_argument");
            assert!(e.to_string().contains(name), "{e}");
        }
        // Excluding c on the table: b>a and c-only paths change.
        let ex = read
            .attribution(&AttributionOptions {
                model: Model::LastTouch,
                exclude: Some(vec!["c".into()]),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(credits(&ex)[1], ("b".to_string(), 2.0, 100.0));
    }
}
