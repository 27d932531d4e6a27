//! The journey report: one self-contained HTML page with the journey map filled from data, the
//! charts (funnel, top paths, attribution, retention, satisfaction) and the key tables.
//!
//! - [`report`]: the page, from an event log and optional survey responses.
//! - [`JourneyMap::from_data`](crate::JourneyMap::from_data) and [`FromDataOptions`]: the map
//!   from data on its own.
//!
//! ```
//! use journey_core::report::{report, ReportOptions};
//! let (log, surveys) = journey_core::synthetic(2_000, 7);
//! let html = report(&log, Some(&surveys), &ReportOptions::default()).unwrap();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! assert!(html.contains("checkout_shipping"));
//! ```
//!
//! The page fetches nothing (inline CSS and SVG, no scripts, a Content-Security-Policy that
//! forbids loading anything), so it can be mailed or opened offline. See `docs/rendering.md`.

pub(crate) mod from_data;

use serde::{Deserialize, Serialize};

pub use from_data::{
    emotion_from_satisfaction, priority, FromDataOptions, ALL_CUSTOMERS, JOURNEY_STAGE, OTHER_STAGE,
};

use crate::error::{Error, Result};
use crate::metrics::attribution::{AttributionTable, AttributionTableOptions, Model};
use crate::metrics::compare::{compare, CompareOptions, CompareResult};
use crate::metrics::drivers::{
    conversion_drivers, Direction, DriverKind, DriversOptions, DriversResult,
};
use crate::metrics::exact_sum::ExactSum;
use crate::metrics::funnel::{funnel, FunnelOptions, FunnelStep};
use crate::metrics::path_stats::{path_stats, PathStatsOptions, PathStatsResult};
use crate::metrics::retention::{kpis, retention, KpiOptions, Kpis, RetentionOptions};
use crate::metrics::survey::{self, Breakdown, ScoreOptions};
use crate::model::{EventLog, JourneyMap, Step, Surveys};
use crate::render::forest::ForestPlot;
use crate::render::svg::thousands;
use crate::render::trend::TrendChart;
use crate::render::{
    map_column_units, map_svg, DefaultChart, HtmlPage, MapSvgOptions, Sankey, Section, Table,
    MAP_FRAME_W,
};
use crate::time::{format_us, Duration};

/// Options of [`report`] (`journey.report(log, surveys=None, **opts)`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportOptions {
    /// Page title (default `"Customer journey report"`).
    pub title: String,
    /// The line under the title. `None` (default): the size and period of the data.
    pub subtitle: Option<String>,
    /// How the journey map is filled from the data.
    pub map: FromDataOptions,
    /// Draw the map of every persona, not only the one of all customers (default `true`).
    pub persona_maps: bool,
    /// A hand-designed map (the `journey-map/1` JSON format) shown before the map from data.
    pub designed_map: Option<JourneyMap>,
    /// The funnel steps, each a touchpoint name. `None` (default): chosen from the data (see
    /// [`default_funnel_steps`]).
    pub funnel: Option<Vec<String>>,
    /// Conversion window of the funnel, from the first step (default 14 days).
    pub funnel_window: Duration,
    /// How many of the most frequent paths the Sankey diagram shows (default 12).
    pub top_paths: usize,
    /// The cohort matrix.
    pub retention: RetentionOptions,
    /// The attribution models compared.
    pub attribution: AttributionTableOptions,
    /// With options (`{}` for the defaults), a section "Open journeys": the journeys still
    /// open, their chance to convert and the next best touchpoint (docs/live.md). Default
    /// `None`: no such section. Needs the whole log (not available from partial results).
    pub open_journeys: Option<crate::metrics::open_journeys::OpenJourneyOptions>,
    /// A section "Conversion drivers": the touchpoints (and the persona, when the log has one)
    /// that separate converters from the others, with a forest plot (default `true`). See
    /// `docs/drivers.md`.
    pub drivers: bool,
    /// The funnel trend (`"day"`, `"week"` or `"month"`): conversion per period of step-1
    /// entry, drawn as a line with the periods whose windows are still open dashed (default
    /// weekly; `None`, in JSON `false`: no trend).
    #[serde(deserialize_with = "trend_or_off")]
    pub funnel_trend: Option<crate::metrics::retention::Period>,
    /// A section "What changed": the comparison of two sides (`a`, `b`: periods or segments)
    /// with these options (docs/compare.md), drawn as a table with arrows. Without `steps`, the
    /// report's funnel is compared; the survey scores are compared when the report has
    /// surveys. Default `None`: no such section (not available from partial results yet).
    pub compare: Option<crate::metrics::compare::CompareOptions>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            title: "Customer journey report".to_string(),
            subtitle: None,
            map: FromDataOptions::default(),
            persona_maps: true,
            designed_map: None,
            funnel: None,
            funnel_window: Duration::from_days(14),
            top_paths: 12,
            retention: RetentionOptions::default(),
            attribution: AttributionTableOptions::default(),
            open_journeys: None,
            drivers: true,
            funnel_trend: Some(crate::metrics::retention::Period::Week),
            compare: None,
        }
    }
}

/// A period (`"day"`, `"week"`, `"month"`), or `false` / `null` for none.
fn trend_or_off<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<crate::metrics::retention::Period>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => Ok(None),
        Some(serde_json::Value::String(s)) => s.parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!(
                "funnel_trend: {s:?}: expected \"day\", \"week\", \"month\" or false"
            ))
        }),
        Some(v) => Err(serde::de::Error::custom(format!(
            "funnel_trend: {v}: expected \"day\", \"week\", \"month\" or false"
        ))),
    }
}

impl ReportOptions {
    /// The options from their JSON shape, with the designed map given apart when the caller
    /// holds it as a [`JourneyMap`] (a Python or JS map object) rather than as JSON: it takes
    /// the place of any `designed_map` in `v`. Both bindings build their options here.
    ///
    /// ```
    /// use journey_core::report::ReportOptions;
    /// let map = journey_core::JourneyMap::from_json(
    ///     r#"{"format": "journey-map/1", "name": "Checkout"}"#,
    /// ).unwrap();
    /// let v = serde_json::json!({"title": "Q1", "designed_map": null});
    /// let o = ReportOptions::from_json_with_map(&v, Some(map)).unwrap();
    /// assert_eq!((o.title.as_str(), o.designed_map.unwrap().name.as_str()), ("Q1", "Checkout"));
    /// ```
    pub fn from_json_with_map(
        v: &serde_json::Value,
        designed_map: Option<JourneyMap>,
    ) -> Result<ReportOptions> {
        let mut opts: ReportOptions = crate::args::from_json("report options", v)?;
        if designed_map.is_some() {
            opts.designed_map = designed_map;
        }
        Ok(opts)
    }
}

/// Share of converting customers that must pass a touchpoint (before converting) for it to be
/// a step of the default funnel.
pub const FUNNEL_COVERAGE: f64 = 0.75;
/// Most steps before the conversion in the default funnel.
pub const FUNNEL_MAX_STEPS: usize = 5;

/// The funnel the report shows when none is given: the touchpoints that at least
/// [`FUNNEL_COVERAGE`] of the converting customers visit before their first conversion (at most
/// [`FUNNEL_MAX_STEPS`], the most visited), in the order they typically come (the mean relative
/// position of their first visit in the path, ties by name), followed by the conversion
/// touchpoint most of them convert at. Empty when no customer converts.
///
/// For the synthetic data this gives `product_page > add_to_cart > checkout_shipping >
/// checkout_payment > purchase`.
pub fn default_funnel_steps(log: &EventLog) -> Vec<String> {
    choose_funnel_steps(FunnelStepStats::of(log))
}

/// What the default funnel is chosen from, per touchpoint name: converting customers who visit
/// it before their first conversion, the exact sum of the relative positions of their first
/// visit, and customers whose first conversion is at it; and the number of converting
/// customers. Counted per customer, so partitions add up.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FunnelStepStats {
    pub(crate) converters: u64,
    pub(crate) touchpoints: std::collections::BTreeMap<String, (u64, ExactSum, u64)>,
}

impl FunnelStepStats {
    pub(crate) fn of(log: &EventLog) -> Self {
        let n_tp = log.touchpoints().len();
        let mut covered = vec![0u64; n_tp];
        let mut position = vec![ExactSum::default(); n_tp];
        let mut converted_at = vec![0u64; n_tp];
        let mut converters = 0u64;
        let mut first = vec![usize::MAX; n_tp];
        let mut touched: Vec<usize> = Vec::new();
        let tps = log.touchpoint_ids();
        for j in log.journeys() {
            let r = j.range();
            let Some(k) = r.clone().position(|i| log.is_conversion(tps[i])) else {
                continue;
            };
            converters += 1;
            converted_at[tps[r.start + k] as usize] += 1;
            for (p, &t) in tps[r.start..r.start + k].iter().enumerate() {
                let t = t as usize;
                if first[t] == usize::MAX {
                    first[t] = p;
                    touched.push(t);
                }
            }
            for &t in &touched {
                covered[t] += 1;
                position[t].add(first[t] as f64 / k as f64);
                first[t] = usize::MAX;
            }
            touched.clear();
        }
        let touchpoints = (0..n_tp)
            .filter(|&t| covered[t] > 0 || converted_at[t] > 0)
            .map(|t| {
                (
                    log.touchpoint_name(t as u32).to_string(),
                    (covered[t], position[t].clone(), converted_at[t]),
                )
            })
            .collect();
        FunnelStepStats {
            converters,
            touchpoints,
        }
    }

    pub(crate) fn merge(&mut self, b: FunnelStepStats) {
        self.converters += b.converters;
        for (k, (c, p, a)) in b.touchpoints {
            let e = self.touchpoints.entry(k).or_default();
            e.0 += c;
            e.1.merge(&p);
            e.2 += a;
        }
    }
}

/// The default funnel from its statistics (names in order, so ties go to the first name).
pub(crate) fn choose_funnel_steps(stats: FunnelStepStats) -> Vec<String> {
    let converters = stats.converters;
    if converters == 0 {
        return Vec::new();
    }
    let names: Vec<&String> = stats.touchpoints.keys().collect();
    let v: Vec<&(u64, ExactSum, u64)> = stats.touchpoints.values().collect();
    let n_tp = names.len();
    let covered = |t: usize| v[t].0;
    let mut steps: Vec<usize> = (0..n_tp)
        .filter(|&t| covered(t) as f64 >= FUNNEL_COVERAGE * converters as f64)
        .collect();
    steps.sort_by(|&a, &b| covered(b).cmp(&covered(a)).then(a.cmp(&b)));
    steps.truncate(FUNNEL_MAX_STEPS);
    let mean = |t: usize| v[t].1.value() / covered(t) as f64;
    steps.sort_by(|&a, &b| mean(a).total_cmp(&mean(b)).then(a.cmp(&b)));
    let conversion = (0..n_tp)
        .max_by(|&a, &b| v[a].2.cmp(&v[b].2).then(b.cmp(&a)))
        .expect("a customer converted");
    steps.push(conversion);
    steps.into_iter().map(|t| names[t].clone()).collect()
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "\u{2013}".to_string(), |v| format!("{v:.1}%"))
}

fn frac(v: Option<f64>) -> String {
    pct(v.map(|v| v * 100.0))
}

fn money(v: Option<f64>) -> String {
    v.map_or_else(
        || "\u{2013}".to_string(),
        |v| {
            let whole = v.trunc().abs() as u64;
            let cents = ((v.abs() - v.trunc().abs()) * 100.0).round() as u64;
            let (whole, cents) = if cents == 100 {
                (whole + 1, 0)
            } else {
                (whole, cents)
            };
            let sign = if v < 0.0 { "\u{2212}" } else { "" };
            format!("{sign}{}.{cents:02}", thousands(whole))
        },
    )
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(
        || "\u{2013}".to_string(),
        |v| format!("{v:.decimals$}").replacen('-', "\u{2212}", 1),
    )
}

/// A length of time for people: seconds, minutes, hours or days, whichever reads best.
fn span(secs: f64) -> String {
    let (v, unit) = if secs < 90.0 {
        (secs, "s")
    } else if secs < 90.0 * 60.0 {
        (secs / 60.0, "min")
    } else if secs < 36.0 * 3600.0 {
        (secs / 3600.0, "h")
    } else {
        (secs / 86_400.0, "days")
    };
    if v.fract() == 0.0 {
        format!("{v:.0} {unit}")
    } else {
        format!("{v:.1} {unit}")
    }
}

fn signed(v: Option<f64>) -> String {
    match v {
        None => "\u{2013}".to_string(),
        Some(v) if v > 0.0 => format!("+{v:.1}"),
        Some(v) => format!("{v:.1}").replacen('-', "\u{2212}", 1),
    }
}

fn kpi_table(k: &Kpis) -> Table {
    let rows: [(&str, String); 10] = [
        ("customers", thousands(k.n_customers)),
        ("buyers (at least one order)", thousands(k.n_buyers)),
        (
            "conversion rate (buyers / customers)",
            pct(k.conversion_rate),
        ),
        ("orders", thousands(k.n_orders)),
        ("revenue", money(Some(k.revenue))),
        ("average order value", money(k.aov)),
        (
            "revenue per customer (historic CLV)",
            money(k.revenue_per_customer),
        ),
        ("orders per buyer", num(k.orders_per_buyer, 2)),
        (
            "repeat purchase rate (buyers with 2+ orders)",
            pct(k.repeat_purchase_rate),
        ),
        ("repeat buyers", thousands(k.n_repeat_buyers)),
    ];
    let mut t = Table::new(["KPI", "value"]).caption("Key figures over the whole period");
    for (k, v) in rows {
        t = t.row([k.to_string(), v]);
    }
    t
}

/// Looks a step's metric up.
fn metric(s: &Step, key: &str) -> Option<f64> {
    s.metrics.get(key).copied()
}

/// The steps of one persona (or the shared steps when `persona` is `None`), in map order.
fn steps_of<'a>(map: &'a JourneyMap, persona: Option<&str>) -> Vec<&'a Step> {
    map.steps
        .iter()
        .filter(|s| s.persona.as_deref() == persona)
        .collect()
}

fn touchpoint_table(map: &JourneyMap, steps: &[&Step]) -> Table {
    let mut t = Table::new([
        "touchpoint",
        "stage",
        "channel",
        "reach",
        "share of journeys",
        "conversion",
        "lift",
        "drop-off",
        "CSAT",
        "NPS",
        "CES",
        "emotion",
        "priority",
    ])
    .caption("Every touchpoint of the map with its measured figures (\u{2013}: not measured)");
    for s in steps {
        // A step without a touchpoint holds the pooled emotion of a stage.
        let name = s.touchpoint.as_deref().unwrap_or("(whole stage)");
        let channel = map
            .touchpoints
            .iter()
            .find(|t| t.name == name)
            .map_or("", |t| t.channel.as_str());
        t = t.row([
            name.to_string(),
            s.stage.clone(),
            channel.to_string(),
            metric(s, "reach").map_or("\u{2013}".into(), |v| thousands(v as u64)),
            frac(metric(s, "journey_share")),
            frac(metric(s, "conversion_rate")),
            num(metric(s, "lift"), 2),
            frac(metric(s, "drop_off")),
            frac(metric(s, "csat")),
            signed(metric(s, "nps")),
            num(metric(s, "ces"), 1),
            signed(s.emotion),
            num(metric(s, "priority"), 3),
        ]);
    }
    t
}

/// Pain points ranked by the priority of their touchpoint, with the opportunities there.
fn pain_table(steps: &[&Step]) -> Option<Table> {
    let mut ranked: Vec<&&Step> = steps
        .iter()
        .filter(|s| !s.pain_points.is_empty() || !s.opportunities.is_empty())
        .collect();
    if ranked.is_empty() {
        return None;
    }
    ranked.sort_by(|a, b| {
        metric(b, "priority")
            .unwrap_or(-1.0)
            .total_cmp(&metric(a, "priority").unwrap_or(-1.0))
    });
    let mut t = Table::new([
        "priority",
        "touchpoint",
        "stage",
        "pain points",
        "opportunities",
    ])
    .caption("Ranked by priority = frequency \u{d7} impact \u{d7} room to improve");
    let strip = |s: &str, name: &str| {
        s.strip_prefix(name)
            .and_then(|r| r.strip_prefix(": "))
            .unwrap_or(s)
            .to_string()
    };
    for s in ranked {
        let name = s.touchpoint.as_deref().unwrap_or("");
        let join = |v: &[String]| {
            v.iter()
                .map(|p| strip(p, name))
                .collect::<Vec<_>>()
                .join("; ")
        };
        t = t.row([
            num(metric(s, "priority"), 3),
            name.to_string(),
            s.stage.clone(),
            join(&s.pain_points),
            join(&s.opportunities),
        ]);
    }
    Some(t)
}

fn score_table<T>(b: &Breakdown<T>, what: &str, f: impl Fn(&T) -> (u64, String, String)) -> Table {
    let mut t = Table::new(["touchpoint", "answers", what, "95% interval"]);
    let (n, v, ci) = f(&b.overall);
    t = t.row(["all answers".to_string(), thousands(n), v, ci]);
    for g in &b.groups {
        let (n, v, ci) = f(&g.stats);
        t = t.row([
            g.key
                .clone()
                .unwrap_or_else(|| crate::render::adapters::NO_KEY_LABEL.to_string()),
            thousands(n),
            v,
            ci,
        ]);
    }
    t
}

fn interval(lo: Option<f64>, hi: Option<f64>, f: impl Fn(Option<f64>) -> String) -> String {
    match (lo, hi) {
        (Some(_), Some(_)) => format!("{} to {}", f(lo), f(hi)),
        _ => "\u{2013}".to_string(),
    }
}

/// How many states the open-journeys table lists (those with the most open journeys).
const OPEN_STATES_SHOWN: usize = 15;

/// The "Open journeys" section: totals, then the states with the most open journeys.
fn open_journeys_section(s: &mut Section, open: &crate::metrics::open_journeys::OpenJourneys) {
    use crate::metrics::open_journeys::Status;
    let n = open.len();
    // Per state: the sum of its journeys' probabilities, and journeys with a recommendation.
    let mut sum = vec![0.0f64; open.states.len()];
    let mut advised = vec![0u64; open.states.len()];
    for (i, j) in open.journeys().enumerate() {
        let k = open.state_index(i);
        sum[k] += j.probability.unwrap_or(0.0);
        advised[k] += u64::from(j.status == Status::Recommend);
    }
    let expected: f64 = sum.iter().sum();
    s.paragraph(format!(
        "{} customers have touches after their last conversion (or never converted). The \
         Markov chain of order {} fitted on every conversion path gives each open journey a \
         chance to convert{}; together they are worth about {} conversions. For {} of them a \
         next touchpoint seen in at least {} paths leads to a higher chance. These are \
         associations in past journeys, not causal effects: test a recommendation before \
         relying on it (docs/live.md).",
        thousands(n as u64),
        open.order,
        if open.idle_reference.is_some() {
            ", given how long it has been silent"
        } else {
            ""
        },
        thousands(expected.round() as u64),
        thousands(advised.iter().sum()),
        num(Some(open.min_support), 0),
    ));
    let mut order: Vec<usize> = (0..open.states.len()).collect();
    order.sort_by(|&a, &b| {
        open.states[b]
            .open_journeys
            .cmp(&open.states[a].open_journeys)
            .then(a.cmp(&b))
    });
    let mut table = Table::new(
        [
            "state (last touches)",
            "open journeys",
            "mean chance to convert",
            "chance of the state",
            "next best touchpoint",
            "its chance",
            "support (paths)",
            "journeys advised",
        ]
        .map(String::from)
        .to_vec(),
    )
    .caption(format!(
        "The {} states with the most open journeys",
        OPEN_STATES_SHOWN.min(order.len())
    ));
    for &k in order.iter().take(OPEN_STATES_SHOWN) {
        let st = &open.states[k];
        let m = st.open_journeys.max(1) as f64;
        table.rows.push(vec![
            st.state.clone(),
            thousands(st.open_journeys),
            frac(Some(sum[k] / m)),
            frac(st.probability),
            match st.status {
                Status::Recommend => st.next_best.clone().unwrap_or_default(),
                Status::NoUplift => "(none raises the chance)".to_string(),
                Status::NotEnoughData => "(not enough data)".to_string(),
                Status::UnknownState => "(unknown state)".to_string(),
            },
            frac(st.next_best_probability),
            num(st.support, 0),
            thousands(advised[k]),
        ]);
    }
    s.table(table);
}

fn attribution_table(t: &AttributionTable) -> Table {
    let mut cols = vec!["channel".to_string()];
    cols.extend(t.models.iter().map(|m| m.as_str().to_string()));
    cols.push("removal effect".to_string());
    let mut table = Table::new(cols).caption(format!(
        "Conversions credited to each {} by each model; {} conversions, {} of them with touches to credit",
        match t.level {
            Some(crate::metrics::paths::Level::Touchpoint) => "touchpoint",
            _ => "channel",
        },
        thousands(t.total_conversions.round() as u64),
        thousands(t.attributed_conversions.round() as u64),
    ));
    for r in &t.rows {
        let mut row = vec![r.channel.clone()];
        for m in &t.models {
            let v = match m {
                Model::FirstTouch => Some(r.first_touch),
                Model::LastTouch => Some(r.last_touch),
                Model::Linear => Some(r.linear),
                Model::TimeDecay => r.time_decay,
                Model::PositionBased => Some(r.position_based),
                Model::Markov => Some(r.markov),
                Model::Shapley => Some(r.shapley),
                // Not a column of the comparison table.
                Model::DataDrivenShapley => None,
            };
            row.push(num(v, 1));
        }
        row.push(frac(r.removal_effect));
        table.rows.push(row);
    }
    table
}

/// The result's default chart (its picture in Python and JS too) into the section, if it has one.
fn draw(s: &mut Section, r: &impl DefaultChart) -> Result<()> {
    if let Some(svg) = r.default_svg()? {
        s.svg(svg);
    }
    Ok(())
}

fn subtitle(
    n_customers: u64,
    n_events: u64,
    n_responses: Option<u64>,
    span: Option<(i64, i64)>,
) -> String {
    let period = match span {
        Some((a, b)) => format!(
            ", {} to {}",
            &format_us(a)[..10.min(format_us(a).len())],
            &format_us(b)[..10.min(format_us(b).len())]
        ),
        _ => String::new(),
    };
    format!(
        "{} customers, {} events{}{}",
        thousands(n_customers),
        thousands(n_events),
        n_responses.map_or(String::new(), |n| format!(
            ", {} survey responses",
            thousands(n)
        )),
        period
    )
}

/// The width in pixels a picture has in a section of the report page (the page's 1240 px less
/// its margins and the section's padding and border).
const REPORT_FIGURE_WIDTH: f64 = 1130.0;
/// The narrowest stage column the report draws a map with.
const REPORT_MIN_COLUMN: f64 = 200.0;

/// The stage column width for a map in the report: as wide as the default 250 px when the
/// stages fit the section, narrower (down to [`REPORT_MIN_COLUMN`]) when they do not. A map
/// still wider than the section is scaled down by the page (`max-width: 100%`).
fn report_column_width(units: usize) -> f64 {
    // The width of the map less its columns.
    let room = REPORT_FIGURE_WIDTH - MAP_FRAME_W;
    (room / units.max(1) as f64).clamp(REPORT_MIN_COLUMN, MapSvgOptions::default().column_width)
}

/// Draws a map for a persona (or the first one), as a block of the section, with a column
/// width that fits the page ([`report_column_width`]).
fn add_map(section: &mut Section, map: &JourneyMap, persona: Option<&str>) -> Result<()> {
    let mut opts = MapSvgOptions {
        persona: persona.map(str::to_string),
        ..Default::default()
    };
    opts.column_width = report_column_width(map_column_units(map, &opts)?);
    section.svg(map_svg(map, &opts)?);
    Ok(())
}

/// One self-contained HTML page about the journeys of `log` (and the survey answers, if any):
/// key figures, the journey map filled from data (per persona), pain points ranked by priority,
/// the funnel, the top paths, attribution models side by side, cohort retention, and
/// satisfaction per touchpoint with confidence intervals.
///
/// Every name from the data is escaped, so a touchpoint called `<script>alert(1)</script>` is
/// shown as text. The sections are listed in `docs/rendering.md#the-report`.
pub fn report(log: &EventLog, surveys: Option<&Surveys>, opts: &ReportOptions) -> Result<String> {
    check(opts)?;
    let by_touchpoint = match surveys {
        Some(sv) => {
            let by = ScoreOptions {
                by: Some("touchpoint".to_string()),
            };
            Some((
                survey::nps(sv, Some(log), &by)?,
                survey::csat(sv, Some(log), &by)?,
                survey::ces(sv, Some(log), &by)?,
            ))
        }
        None => None,
    };
    let steps = match &opts.funnel {
        Some(v) => v.clone(),
        None => default_funnel_steps(log),
    };
    let funnel_result = if steps.is_empty() {
        None
    } else {
        Some(funnel(log, &funnel_options(&steps, opts))?)
    };
    let open_journeys = opts
        .open_journeys
        .as_ref()
        .map(|o| crate::metrics::open_journeys::open_journeys(log, o))
        .transpose()?;
    let compare = opts
        .compare
        .as_ref()
        .map(|c| report_compare(log, surveys, c, &steps))
        .transpose()?;
    let ts = log.timestamps();
    let span = ts.iter().min().copied().zip(ts.iter().max().copied());
    let lr = log.load_report();
    render(
        Parts {
            n_customers: log.n_customers() as u64,
            n_events: log.n_events() as u64,
            n_responses: surveys.map(|s| s.len() as u64),
            span,
            kpis: kpis(log, &KpiOptions::default())?,
            by_touchpoint,
            map: JourneyMap::from_data(log, surveys, &opts.map)?,
            funnel: funnel_result.map(|f| (steps, f)),
            top_paths: top_split_paths(
                |top| {
                    path_stats(
                        log,
                        &PathStatsOptions {
                            top,
                            ..PathStatsOptions::default()
                        },
                    )
                },
                opts.top_paths,
            )?,
            attribution: log.attribution_table(&opts.attribution)?,
            retention: retention(log, &opts.retention)?,
            rows_read: lr.rows_read,
            rows_skipped: lr.rows_skipped,
            open_journeys,
            drivers: opts.drivers.then(|| report_drivers(log)).transpose()?,
            compare,
        },
        opts,
    )
}

/// The report's own checks of its options.
pub(crate) fn check(opts: &ReportOptions) -> Result<()> {
    if opts.top_paths == 0 {
        return Err(Error::argument("top_paths", "must be at least 1"));
    }
    if let Some(m) = &opts.designed_map {
        m.validate()?;
    }
    Ok(())
}

/// The report's funnel with these steps.
pub(crate) fn funnel_options(steps: &[String], opts: &ReportOptions) -> FunnelOptions {
    FunnelOptions {
        steps: steps.iter().cloned().map(FunnelStep::Touchpoint).collect(),
        window: opts.funnel_window,
        trend: opts.funnel_trend,
        ..FunnelOptions::default()
    }
}

/// Everything the report shows, computed.
pub(crate) struct Parts {
    pub(crate) n_customers: u64,
    pub(crate) n_events: u64,
    pub(crate) n_responses: Option<u64>,
    /// First and last event.
    pub(crate) span: Option<(i64, i64)>,
    pub(crate) kpis: Kpis,
    /// NPS, CSAT and CES by touchpoint, with surveys.
    pub(crate) by_touchpoint: Option<(
        survey::NpsBreakdown,
        survey::CsatBreakdown,
        survey::CesBreakdown,
    )>,
    pub(crate) map: JourneyMap,
    /// The funnel's steps and result (none when no step).
    pub(crate) funnel: Option<(Vec<String>, crate::metrics::funnel::FunnelResult)>,
    pub(crate) top_paths: (PathStatsResult, Sankey),
    pub(crate) attribution: AttributionTable,
    pub(crate) retention: crate::metrics::retention::RetentionResult,
    pub(crate) rows_read: u64,
    pub(crate) rows_skipped: u64,
    /// The scored open journeys, when asked for.
    pub(crate) open_journeys: Option<crate::metrics::open_journeys::OpenJourneys>,
    /// The conversion drivers, when asked for.
    pub(crate) drivers: Option<DriversResult>,
    /// The comparison of two sides, when asked for.
    pub(crate) compare: Option<CompareResult>,
}

/// The report's comparison: its options, with the report's funnel when they give no steps.
fn report_compare(
    log: &EventLog,
    surveys: Option<&Surveys>,
    opts: &CompareOptions,
    funnel_steps: &[String],
) -> Result<CompareResult> {
    let mut o = opts.clone();
    if o.steps.is_empty() {
        o.steps = funnel_steps
            .iter()
            .cloned()
            .map(FunnelStep::Touchpoint)
            .collect();
    }
    compare(log, surveys, &o)
}

/// The "What changed" section: the sides, then the table with arrows.
fn compare_section(s: &mut Section, r: &CompareResult) -> Result<()> {
    s.paragraph(format!(
        "{} ({} customers, {} events) against {} ({} customers, {} events): every figure \
         with its change, the change's 95% interval and the Benjamini-Hochberg q-value across \
         all {} figures tested. {} of them changed by more than noise (q at most {}): filled \
         arrows, blue when the figure went up, orange when it went down. Rates and shares \
         change in percentage points (docs/compare.md).",
        r.b.label,
        thousands(r.b.n_customers),
        thousands(r.b.n_events),
        r.a.label,
        thousands(r.a.n_customers),
        thousands(r.a.n_events),
        thousands(r.n_tested),
        thousands(r.n_significant),
        r.alpha,
    ));
    draw(s, r)
}

/// The report's conversion drivers: every touchpoint, and the persona when the log has one.
fn report_drivers(log: &EventLog) -> Result<DriversResult> {
    conversion_drivers(log, &report_drivers_options(log))
}

/// The options of the report's conversion drivers over `log`: every touchpoint, and the
/// persona when the log has that property.
pub(crate) fn report_drivers_options(log: &EventLog) -> DriversOptions {
    DriversOptions {
        properties: if log.property("persona").is_some() {
            vec!["persona".to_string()]
        } else {
            Vec::new()
        },
        ..DriversOptions::default()
    }
}

/// Most rows of the drivers section's picture and table.
const REPORT_DRIVER_ROWS: usize = 30;

/// The "Conversion drivers" section.
fn drivers_section(s: &mut Section, d: &DriversResult) -> Result<()> {
    s.paragraph(format!(
        "Which touchpoints{} separate the customers who convert from those who do not. For each, \
         the customers with and without it, their conversion rates, the odds ratio with its 95% \
         interval, the p-value of Fisher's exact test (chi-square with Yates' correction above \
         {} customers) and the Benjamini-Hochberg q-value across all {} rows tested. {} of \
         them are significant (q at most {}): filled dots in the picture, blue when the \
         feature goes with more conversion, orange with less. {} of {} customers converted.",
        if d.rows.iter().any(|r| r.kind == DriverKind::Property) {
            " and personas"
        } else {
            ""
        },
        thousands(d.fisher_max_n),
        thousands(d.n_tested),
        thousands(d.n_significant),
        d.alpha,
        thousands(d.converters),
        thousands(d.n_customers),
    ));
    if d.rows.is_empty() {
        s.paragraph("Nothing to test: no touch before a conversion.");
        return Ok(());
    }
    let mut shown = d.clone();
    // The significant rows first (in the result's order), then the others, at most 30.
    shown.rows.sort_by_key(|r| !r.significant);
    shown.rows.truncate(REPORT_DRIVER_ROWS);
    s.svg(ForestPlot::from_drivers(&shown, "Conversion drivers").to_svg()?);
    let mut t = Table::new([
        "feature",
        "customers with it",
        "conversion with",
        "conversion without",
        "odds ratio (95% interval)",
        "q-value",
        "significant",
    ]);
    for r in &shown.rows {
        t = t.row([
            r.label.clone(),
            thousands(r.customers_with),
            frac(r.rate_with),
            frac(r.rate_without),
            format!(
                "{} ({})",
                num(r.odds_ratio, 2),
                interval(r.ci_low, r.ci_high, |v| num(v, 2))
            ),
            r.q_value
                .map_or_else(|| "\u{2013}".to_string(), |q| format!("{q:.3}")),
            match (r.significant, r.direction) {
                (true, Direction::Positive) => "yes, more conversion".to_string(),
                (true, Direction::Negative) => "yes, less conversion".to_string(),
                (true, Direction::None) => "yes".to_string(),
                (false, _) => "no".to_string(),
            },
        ]);
    }
    s.table(t);
    Ok(())
}

/// The page from its computed parts: one function per section, in the page's order.
pub(crate) fn render(parts: Parts, opts: &ReportOptions) -> Result<String> {
    let mut page = HtmlPage::new(opts.title.clone());
    page.subtitle = opts.subtitle.clone().unwrap_or_else(|| {
        subtitle(
            parts.n_customers,
            parts.n_events,
            parts.n_responses,
            parts.span,
        )
    });
    overview_section(&mut page, &parts);
    if let Some(c) = &parts.compare {
        compare_section(page.section("What changed"), c)?;
    }
    map_sections(&mut page, &parts.map, opts)?;
    funnel_section(page.section("Funnel"), parts.funnel.as_ref(), opts)?;
    if let Some(d) = &parts.drivers {
        drivers_section(page.section("Conversion drivers"), d)?;
    }
    // The most frequent journeys split by outcome.
    top_paths_section(page.section("Top paths"), &parts.top_paths)?;
    attribution_section(page.section("Attribution"), &parts.attribution)?;
    if let Some(open) = &parts.open_journeys {
        open_journeys_section(page.section("Open journeys"), open);
    }
    retention_section(page.section("Retention"), &parts.retention)?;
    if let Some(scores) = &parts.by_touchpoint {
        satisfaction_section(page.section("Satisfaction by touchpoint"), scores)?;
    }
    method_section(page.section("How the figures are computed"), &parts, opts)?;
    page.to_html()
}

/// Key figures, and the survey scores over all answers.
fn overview_section(page: &mut HtmlPage, parts: &Parts) {
    let k = &parts.kpis;
    let s = page.section("Overview");
    s.paragraph(format!(
        "{} customers made {} orders worth {} in total; {} of them bought at least once. \
         The figures below are computed from the event log{}; every definition is in the \
         last section.",
        thousands(k.n_customers),
        thousands(k.n_orders),
        money(Some(k.revenue)),
        pct(k.conversion_rate),
        if parts.n_responses.is_some() {
            " and the survey answers"
        } else {
            ""
        }
    ));
    s.table(kpi_table(k));
    if let Some((nps, csat, ces)) = &parts.by_touchpoint {
        let mut t = Table::new(["score", "answers", "value", "95% interval"])
            .caption("Survey scores over all answers");
        let (n, c, e) = (&nps.overall, &csat.overall, &ces.overall);
        // Per score: label, answers, (value, interval low, high) and how they are written.
        type Written<'f> = &'f dyn Fn(Option<f64>) -> String;
        let scores: [(&str, u64, [Option<f64>; 3], Written<'_>); 3] = [
            (
                "NPS (promoters \u{2212} detractors)",
                n.n,
                [n.nps, n.ci_low, n.ci_high],
                &signed,
            ),
            (
                "CSAT (% answering 4 or 5 of 5)",
                c.n,
                [c.csat, c.ci_low, c.ci_high],
                &pct,
            ),
            (
                "CES (mean answer, 1 to 7)",
                e.n,
                [e.mean, e.ci_low, e.ci_high],
                &|v| num(v, 2),
            ),
        ];
        for (label, answers, [v, lo, hi], f) in scores {
            t = t.row([
                label.to_string(),
                thousands(answers),
                f(v),
                interval(lo, hi, f),
            ]);
        }
        s.table(t);
    }
}

/// The designed map (if any), the map from data with its touchpoint table, the pain points, and
/// the map of each persona.
fn map_sections(page: &mut HtmlPage, map: &JourneyMap, opts: &ReportOptions) -> Result<()> {
    if let Some(designed) = &opts.designed_map {
        let s = page.section(format!("Journey map: {}", designed.name));
        s.paragraph("The map as designed (from its JSON document), one picture per persona.");
        if designed.personas.is_empty() {
            add_map(s, designed, None)?;
        }
        for p in &designed.personas {
            add_map(s, designed, Some(&p.name))?;
        }
    }
    let first = map.personas.first().map(|p| p.name.clone());
    let shared = map.steps.iter().all(|s| s.persona.is_none());
    let main_steps = steps_of(map, if shared { None } else { first.as_deref() });
    let s = page.section("Journey map from data");
    s.paragraph(
        "Stages and touchpoints as they occur in the data. Each touchpoint card shows its \
         reach (customers), share of journeys, conversion rate and lift, drop-off, and the \
         survey scores where there are enough answers. The emotion curve is the satisfaction \
         at each touchpoint (mean CSAT answer \u{2212} 3, or NPS / 50, on \u{2212}2 to +2); \
         a stage where no touchpoint has enough answers gets a ring for the answers of all \
         its touchpoints pooled, when those are enough (a row \"(whole stage)\" below). \
         Pain points are flagged where drop-off or dissatisfaction pass the thresholds, each \
         with a suggested opportunity.",
    );
    add_map(s, map, first.as_deref())?;
    s.table(touchpoint_table(map, &main_steps));
    let s = page.section("Pain points and opportunities");
    match pain_table(&main_steps) {
        Some(t) => {
            s.paragraph(
                "Priority = frequency (share of journeys reaching the touchpoint) \u{d7} impact \
                 (lift / (1 + lift)) \u{d7} room to improve (the largest of drop-off, share not \
                 satisfied and (100 \u{2212} NPS) / 200).",
            );
            s.table(t);
        }
        None => {
            s.paragraph("No touchpoint passes the pain point thresholds.");
        }
    }
    if opts.persona_maps && map.personas.len() > 1 {
        let s = page.section("Journey maps by persona");
        s.paragraph(
            "The same map computed on each persona's customers only (reach, rates and scores \
             are within the persona).",
        );
        let mut t = Table::new(["persona", "customers", "converted", "top pain point"]);
        for p in map.personas.iter().skip(1) {
            let steps = steps_of(map, Some(&p.name));
            let top = steps
                .iter()
                .filter(|s| !s.pain_points.is_empty())
                .max_by(|a, b| {
                    metric(a, "priority")
                        .unwrap_or(-1.0)
                        .total_cmp(&metric(b, "priority").unwrap_or(-1.0))
                })
                .map_or("\u{2013}".to_string(), |s| s.pain_points[0].clone());
            t = t.row([
                p.name.clone(),
                p.demographics.get("customers").cloned().unwrap_or_default(),
                p.demographics.get("converted").cloned().unwrap_or_default(),
                top,
            ]);
        }
        s.table(t);
        for p in map.personas.iter().skip(1) {
            add_map(s, map, Some(&p.name))?;
        }
    }
    Ok(())
}

/// The funnel's chart and steps (`None`: the data has no conversion to lead to).
fn funnel_section(
    s: &mut Section,
    funnel: Option<&(Vec<String>, crate::metrics::funnel::FunnelResult)>,
    opts: &ReportOptions,
) -> Result<()> {
    if let Some((steps, f)) = funnel {
        s.paragraph(format!(
            "Customers who went through {} in this order, each step within {} of their first \
             step (ordered funnel, every attempt counted, the best one kept). {} of those who \
             start reach the last step.",
            steps.join(" \u{2192} "),
            span(opts.funnel_window.as_secs_f64()),
            frac(f.conversion)
        ));
        draw(s, f)?;
        let open = f.open.as_ref().filter(|o| o.in_progress > 0);
        if let Some(o) = open {
            s.paragraph(format!(
                "As of {} (the last event), {} customers have not finished and are still within \
                 their window: they may still go further, so they count as in progress, not \
                 dropped. Without them, {} of those who start reach the last step.",
                o.as_of
                    .as_deref()
                    .map_or("\u{2013}", |t| &t[..10.min(t.len())]),
                thousands(o.in_progress),
                frac(o.conversion)
            ));
        }
        if let Some(trend) = &f.trend {
            s.paragraph(format!(
                "Conversion to the last step per period of entry (the customer's first step). \
                 {} of the {} periods still hold windows that have not closed: their conversion \
                 may still rise (dashed).",
                trend.iter().filter(|t| !t.complete).count(),
                trend.len()
            ));
            s.svg(TrendChart::from_funnel(f, "Conversion by period of entry").to_svg()?);
        }
        let mut head = vec![
            "step",
            "customers",
            "from the first step",
            "from the previous step",
            "dropped",
        ];
        if open.is_some() {
            head.push("in progress");
        }
        head.push("median time from the previous step");
        let mut t = Table::new(head);
        for (j, r) in f.steps.iter().enumerate() {
            let dash = || "\u{2013}".to_string();
            let mut row = vec![
                format!("{}. {}", r.step, r.label),
                thousands(r.customers),
                frac(r.conversion_from_start),
                frac(r.conversion_from_previous),
                if r.step == 1 {
                    dash()
                } else {
                    format!("{} ({})", thousands(r.dropped), frac(r.drop_off))
                },
            ];
            if let Some(o) = open {
                row.push(if j == 0 {
                    dash()
                } else {
                    thousands(o.steps[j].in_progress)
                });
            }
            row.push(r.median_time_from_previous_s.map_or_else(dash, span));
            t = t.row(row);
        }
        s.table(t);
    } else {
        s.paragraph("No funnel: the data has no conversion to lead to.");
    }
    Ok(())
}

/// The Sankey of the most frequent paths split by outcome, and their table.
fn top_paths_section(s: &mut Section, top_paths: &(PathStatsResult, Sankey)) -> Result<()> {
    let (ps, sankey) = top_paths;
    s.paragraph(format!(
        "The {} most frequent paths of touchpoints, split by outcome: the journeys of a path \
         that end in a conversion and those that do not are counted apart, so one path can be \
         listed twice (there are {} distinct paths). A journey runs from a customer's first \
         event, or the one after their previous conversion, up to the next conversion or the \
         end of the data. The picture and the table show the same {}; converting journeys are \
         drawn in blue.",
        sankey.paths.len(),
        thousands(ps.n_variants),
        if sankey.paths.len() == 1 {
            "one"
        } else {
            "ones"
        }
    ));
    if sankey.paths.is_empty() {
        s.paragraph("No paths.");
    } else {
        s.svg(sankey.to_svg()?);
        let mut t = Table::new([
            "path",
            "outcome",
            "journeys",
            "journeys on the path",
            "conversion rate of the path",
        ]);
        for p in &sankey.paths {
            let v = ps.variants.iter().find(|v| v.path == p.steps);
            t = t.row([
                p.steps.join(" \u{2192} "),
                if p.converted {
                    "converted".to_string()
                } else {
                    "did not convert".to_string()
                },
                thousands(p.count),
                v.map_or_else(|| "\u{2013}".to_string(), |v| thousands(v.count)),
                frac(v.map(|v| v.conversion_rate)),
            ]);
        }
        s.table(t);
    }
    Ok(())
}

/// Every model's credit per channel.
fn attribution_section(s: &mut Section, table: &AttributionTable) -> Result<()> {
    s.paragraph(
        "How much of the conversions each channel earns under each model, side by side. \
         Heuristic models (first touch, last touch, linear, time decay, position based) follow \
         fixed rules; Markov (removal effect) and Shapley are computed from all paths, \
         converting or not.",
    );
    draw(s, table)?;
    s.table(attribution_table(table));
    Ok(())
}

/// The cohort heatmap and the mean return rate per period.
fn retention_section(
    s: &mut Section,
    r: &crate::metrics::retention::RetentionResult,
) -> Result<()> {
    s.paragraph(format!(
        "Customers grouped by the {} of their first start event; each cell is the share of the \
         cohort with a return event in that period. Hatched cells are not observable yet.",
        serde_json::to_value(r.period)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    ));
    draw(s, r)?;
    let mut t = Table::new(["period after the cohort's", "returning (weighted mean)"]);
    for (i, v) in r.average_rates.iter().enumerate() {
        t = t.row([i.to_string(), pct(*v)]);
    }
    s.table(t.caption("Average over the cohorts that can be observed"));
    Ok(())
}

/// NPS, CSAT and CES per touchpoint, with their intervals.
fn satisfaction_section(
    s: &mut Section,
    scores: &(
        survey::NpsBreakdown,
        survey::CsatBreakdown,
        survey::CesBreakdown,
    ),
) -> Result<()> {
    let (nps, csat, ces) = scores;
    s.paragraph(
        "Scores per touchpoint with 95% intervals: NPS with the normal interval, CSAT with \
         the Wilson interval, CES with the t interval. The dashed line is the score over all \
         answers.",
    );
    if !nps.groups.is_empty() {
        draw(s, nps)?;
        s.table(score_table(nps, "NPS", |o| {
            (o.n, signed(o.nps), interval(o.ci_low, o.ci_high, signed))
        }));
    }
    if !csat.groups.is_empty() {
        draw(s, csat)?;
        s.table(score_table(csat, "CSAT", |o| {
            (o.n, pct(o.csat), interval(o.ci_low, o.ci_high, pct))
        }));
    }
    if !ces.groups.is_empty() {
        draw(s, ces)?;
        s.table(score_table(ces, "CES", |o| {
            (
                o.n,
                num(o.mean, 2),
                interval(o.ci_low, o.ci_high, |v| num(v, 2)),
            )
        }));
    }
    Ok(())
}

/// The definitions, the options of this report and what loading skipped.
fn method_section(s: &mut Section, parts: &Parts, opts: &ReportOptions) -> Result<()> {
    s.paragraph(METHOD);
    let settings = serde_json::to_string(opts).map_err(|e| Error::argument("options", e))?;
    s.paragraph(format!("Options of this report: {settings}"));
    if parts.rows_skipped > 0 {
        s.paragraph(format!(
            "Loading skipped {} of {} rows (lenient mode).",
            thousands(parts.rows_skipped),
            thousands(parts.rows_read)
        ));
    }
    Ok(())
}

const METHOD: &str = "\
Reach: customers with at least one event at the touchpoint. Share of journeys: reach divided by all customers (of the persona). \
Conversion rate and lift: the conversion rate of the paths through the touchpoint, and that rate divided by the overall rate. \
Drop-off: of the customers who reach the touchpoint before converting, the share who never convert and whose journey ends there. \
CSAT: share of answers 4 or 5 on 1 to 5, with a Wilson interval. NPS: % promoters (9-10) minus % detractors (0-6), with a normal interval. \
CES: mean answer on 1 to 7, with a t interval. Survey answers without a touchpoint count for the customer's latest touchpoint before the answer.\n\
Emotion: mean CSAT answer minus 3 (or NPS / 50 without CSAT), from \u{2212}2 to +2, only with enough answers. \
Priority: frequency \u{d7} impact \u{d7} room to improve, each from 0 to 1 (see the pain point section).\n\
Attribution: paths run from a customer's first event (or the one after their previous conversion) up to the next conversion; every model's credits add up to the conversions. \
Retention: cohorts by the period of the first start event, UTC.";

/// The Rust examples of `docs/map-from-data.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/map-from-data.md")]
pub struct MapFromDataGuide;

/// Path statistics with enough variants to hold the `n` most frequent paths split by outcome
/// (converting and non-converting journeys of one path counted apart), and their Sankey.
///
/// A split is never more frequent than its path, so once the `n`-th best split is more frequent
/// than the least frequent variant listed, no variant left out can enter: the list of variants
/// grows (doubling) only until then, instead of turning every variant back into a sequence.
pub(crate) fn top_split_paths(
    mut stats: impl FnMut(usize) -> Result<PathStatsResult>,
    n: usize,
) -> Result<(PathStatsResult, Sankey)> {
    let mut top = n.saturating_mul(4).max(16);
    loop {
        let ps = stats(top)?;
        let sankey = Sankey::from_path_stats(&ps, ps.default_title(), n);
        let complete = ps.variants.len() as u64 >= ps.n_variants;
        let least_listed = ps.variants.last().map_or(0, |v| v.count);
        let settled =
            sankey.paths.len() == n && sankey.paths.last().is_some_and(|p| p.count > least_listed);
        if complete || settled {
            return Ok((ps, sankey));
        }
        top = top.saturating_mul(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/journeys.md's open-window example: as of the data end (19 s), 5 customers are in
    /// progress (4 at cart, 1 at buy) and the funnel converts 1 of 7 - 5 without them.
    #[test]
    fn funnel_section_shows_the_customers_in_progress() {
        let csv = "customer_id,timestamp,touchpoint\n\
            a,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n\
            d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\n";
        let log = crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let opts = ReportOptions {
            funnel: Some(vec!["view".into(), "cart".into(), "buy".into()]),
            funnel_window: "10s".parse().unwrap(),
            funnel_trend: None,
            ..ReportOptions::default()
        };
        let html = report(&log, None, &opts).unwrap();
        let at = html.find("<h2>Funnel</h2>").expect("the section");
        let funnel = &html[at..];
        assert!(
            funnel.contains("As of 1970-01-01 (the last event), 5 customers have not finished"),
            "{funnel}"
        );
        assert!(funnel.contains("Without them, 50"), "{funnel}");
        assert!(funnel.contains(">in progress</th>"), "{funnel}");
        // The data ends at 100 (z, outside the funnel): every window has closed, so neither the
        // paragraph nor the column.
        let closed = format!("{csv}z,100,other\n");
        let log = crate::read_events_csv(closed.as_bytes(), &Default::default()).unwrap();
        let html = report(&log, None, &opts).unwrap();
        let at = html.find("<h2>Funnel</h2>").unwrap() + 1;
        let funnel = &html[at..at + html[at..].find("<h2>").unwrap_or(html.len() - at)];
        assert!(funnel.contains("Customers who went through"), "{funnel}");
        assert!(!funnel.contains("in progress"), "{funnel}");
    }

    #[test]
    fn what_changed_section_over_the_report_funnel() {
        use crate::metrics::compare::tests::{period as side, two_weeks};
        let log = two_weeks();
        let opts = ReportOptions {
            funnel: Some(vec!["view".into(), "cart".into(), "purchase".into()]),
            compare: Some(CompareOptions {
                a: side("2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z", "week 1"),
                b: side("2026-01-08T00:00:00Z", "2026-01-15T00:00:00Z", "week 2"),
                ..CompareOptions::default()
            }),
            ..ReportOptions::default()
        };
        let html = report(&log, None, &opts).unwrap();
        let at = html.find("<h2>What changed</h2>").expect("the section");
        // Right after the overview, and over the report's funnel (no steps given).
        assert!(at < html.find("<h2>Funnel</h2>").unwrap());
        assert!(html[at..].contains("cart \u{2192} purchase"));
        // 3 of the 5 figures changed beyond noise (docs/compare.md, worked example).
        assert!(html[at..].contains("3 of them changed by more than noise"));
        assert!(!report(&log, None, &ReportOptions::default())
            .unwrap()
            .contains("What changed"));
    }

    #[test]
    fn top_split_paths_are_those_chosen_among_all_variants() {
        let (log, _) = crate::synthetic(3_000, 7);
        let all = path_stats(
            &log,
            &PathStatsOptions {
                top: 0,
                ..PathStatsOptions::default()
            },
        )
        .unwrap();
        for n in [1, 3, 12, 40, 200, 100_000] {
            let (ps, sankey) = top_split_paths(
                |top| {
                    path_stats(
                        &log,
                        &PathStatsOptions {
                            top,
                            ..PathStatsOptions::default()
                        },
                    )
                },
                n,
            )
            .unwrap();
            let expected = Sankey::from_path_stats(&all, "Top paths", n);
            assert_eq!(sankey.paths, expected.paths, "n = {n}");
            assert_eq!(ps.n_variants, all.n_variants);
            // Every path drawn has its variant listed, for the table.
            for p in &sankey.paths {
                assert!(ps.variants.iter().any(|v| v.path == p.steps));
            }
        }
    }

    #[test]
    fn default_funnel_of_the_synthetic_data() {
        let (log, _) = crate::synthetic(3_000, 42);
        assert_eq!(
            default_funnel_steps(&log),
            [
                "product_page",
                "add_to_cart",
                "checkout_shipping",
                "checkout_payment",
                "purchase"
            ]
        );
    }

    #[test]
    fn default_funnel_without_conversions_is_empty() {
        let csv = "customer_id,timestamp,touchpoint\na,1,ad\na,2,site\n";
        let log = crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        assert!(default_funnel_steps(&log).is_empty());
    }

    #[test]
    fn default_funnel_by_hand() {
        // Converters: a (ad, site, cart), b (site, cart), c (cart, site, cart): site and cart
        // are visited by all three (>= 75%), ad by one. Relative first positions: site 1/3,
        // 0/2, 1/3 -> mean 2/9; cart 2/3, 1/2, 0/3 -> mean 7/18. Order: site, cart, purchase.
        let csv = "customer_id,timestamp,touchpoint\n\
                   a,1,ad\na,2,site\na,3,cart\na,4,purchase\n\
                   b,1,site\nb,2,cart\nb,3,purchase\n\
                   c,1,cart\nc,2,site\nc,3,cart\nc,4,purchase\nd,1,ad\n";
        let log = crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        assert_eq!(default_funnel_steps(&log), ["site", "cart", "purchase"]);
    }

    #[test]
    fn money_formats() {
        assert_eq!(money(Some(1234.5)), "1,234.50");
        assert_eq!(money(Some(0.999)), "1.00");
        assert_eq!(money(None), "\u{2013}");
    }

    /// The section "Open journeys" on the three-state chain of the open-journeys tests.
    #[test]
    fn report_section_when_asked() {
        use crate::metrics::open_journeys::OpenJourneyOptions;
        let log = crate::metrics::open_journeys::tests::three();
        let plain = report(&log, None, &ReportOptions::default()).unwrap();
        assert!(!plain.contains("Open journeys"));
        let opts = ReportOptions {
            open_journeys: Some(OpenJourneyOptions {
                min_support: 2.0,
                idle: false,
                ..Default::default()
            }),
            ..Default::default()
        };
        let page = report(&log, None, &opts).unwrap();
        let at = page.find("Open journeys").expect("the section");
        let section = &page[at..];
        // 3 open journeys worth 17/40 + 19/40 + 3/4 = 1.65, about 2 conversions; u2 (at a) is
        // advised b, at 47.5% (19/40).
        assert!(section.contains("3 customers have touches"), "{section}");
        assert!(section.contains("about 2 conversions"));
        assert!(section.contains("For 1 of them"));
        assert!(section.contains("47.5%"), "{section}");
        // The partial report cannot make it.
        let e = crate::partial::Analysis::from_json(
            "report",
            &serde_json::json!({"open_journeys": {}}),
        )
        .and_then(|a| log.partial(&a, &crate::partial::Context::of(&log)))
        .unwrap_err();
        assert!(e.to_string().contains("whole log"), "{e}");
    }
}
