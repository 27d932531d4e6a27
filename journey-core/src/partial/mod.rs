//! Every analysis as a mergeable partial result, for running journey on many machines.
//!
//! A [`Partial`] is the state of one [`Analysis`] over the **whole customers** one [`EventLog`]
//! holds (a partition of a larger log split by customer). Partials of the same analysis, with
//! the same options, merge exactly ([`Partial::merge`] is associative and commutative), travel
//! as bytes ([`Partial::to_bytes`], [`Partial::from_bytes`]), and [`Partial::finish`] gives the
//! result the single-machine call gives on the whole log, to the bit.
//!
//! Some analyses need facts about the whole log before the partitions run (see
//! `docs/distributed.md`); those come in a [`Context`]: [`Context::of`] each partition,
//! [`Context::merge`] the contexts (a cheap first pass), then give the merged context to every
//! partition. Analyses that need nothing take [`Context::default()`].
//!
//! ```
//! use journey_core::partial::{Analysis, Context, Finished, Partial};
//! use journey_core::read_events_csv;
//!
//! let csv = "customer_id,timestamp,touchpoint\n\
//!            a,0,view\na,60,cart\na,90,purchase\n\
//!            b,0,view\nb,30,cart\n\
//!            c,10,view\n";
//! let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
//! let funnel = Analysis::from_json(
//!     "funnel",
//!     &serde_json::json!({"steps": ["view", "cart", "purchase"]}),
//! )
//! .unwrap();
//!
//! // Two partitions, each with whole customers (an engine would shuffle by customer).
//! let left = log.sub_log(["a", "c"]).unwrap();
//! let right = log.sub_log(["b"]).unwrap();
//! let ctx = Context::of(&left).merge(&Context::of(&right)).unwrap();
//! let p1 = left.partial(&funnel, &ctx).unwrap();
//! let p2 = right.partial(&funnel, &ctx).unwrap();
//!
//! // Partials travel as bytes and merge in any order.
//! let p2 = Partial::from_bytes(&p2.to_bytes()).unwrap();
//! let merged = p1.merge(p2).unwrap();
//! let Finished::Funnel(f) = merged.finish().unwrap() else { unreachable!() };
//! assert_eq!(f.counts(), [3, 2, 1]);
//! assert_eq!(f, log.funnel(&serde_json::from_value(
//!     serde_json::json!({"steps": ["view", "cart", "purchase"]})).unwrap()).unwrap());
//! ```

mod attribution;
mod codec;
mod drivers;
mod funnel;
mod graph;
mod live;
mod map;
mod path_stats;
mod paths;
mod report;
mod retention;
mod sessions;
mod survey;

pub use live::LiveAnalysis;
pub use report::{FunnelStepsOptions, ReportPartialOptions};

use serde::Serialize;
use serde_json::Value;

use crate::args::from_json;
use crate::error::{cut, Error, Result};
use crate::metrics::attribution::{
    attribution_of_paths, attribution_table_of_paths, AttributionOptions, AttributionResult,
    AttributionTable, AttributionTableOptions, Model, PathTable, PathTableOptions,
};
use crate::metrics::drivers::{DriverCounts, DriversOptions, DriversResult};
use crate::metrics::funnel::{FunnelOptions, FunnelResult};
use crate::metrics::graph::{TransitionGraph, TransitionGraphOptions};
use crate::metrics::path_stats::{
    ConversionPathsOptions, ConversionPathsResult, PathStatsOptions, PathStatsResult,
};
use crate::metrics::retention::{KpiOptions, Kpis, RetentionOptions, RetentionResult};
use crate::metrics::sessions::{SessionOptions, SessionsResult};
use crate::metrics::survey::{CesBreakdown, CsatBreakdown, NpsBreakdown, ScoreOptions};
use crate::model::{EventLog, JourneyMap, Surveys};
use crate::report::FromDataOptions;
use codec::{corrupted, fnv1a, Codec, Reader, Writer};

/// Version of the byte format of partials and contexts. Bytes of another version are refused
/// with an error that says both versions.
pub const FORMAT_VERSION: u16 = 3;

const PARTIAL_MAGIC: &[u8; 8] = b"JRNYPART";
const CONTEXT_MAGIC: &[u8; 8] = b"JRNYCTX\0";

/// The analyses that have a partial form, by the name of the [`EventLog`] method (and of the
/// Python and JavaScript methods).
pub const ANALYSES: &[&str] = &[
    "funnel",
    "retention",
    "kpis",
    "attribution",
    "attribution_table",
    "path_table",
    "sessions",
    "transition_graph",
    "conversion_paths",
    "path_stats",
    "nps",
    "csat",
    "ces",
    "map_from_data",
    "funnel_steps",
    "report",
    "conversion_drivers",
];

/// The analyses whose partials have [`Partial::retract`] (and so can be live).
pub const RETRACTABLE: &[&str] = &[
    "funnel",
    "retention",
    "kpis",
    "attribution",
    "attribution_table",
    "path_table",
    "sessions",
    "transition_graph",
    "conversion_paths",
    "path_stats",
    "nps",
    "csat",
    "ces",
    "map_from_data",
    "conversion_drivers",
];

/// One analysis with its options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Analysis {
    /// [`EventLog::funnel`].
    Funnel(FunnelOptions),
    /// [`EventLog::retention`].
    Retention(RetentionOptions),
    /// [`EventLog::kpis`].
    Kpis(KpiOptions),
    /// [`EventLog::attribution`].
    Attribution(AttributionOptions),
    /// [`EventLog::attribution_table`].
    AttributionTable(AttributionTableOptions),
    /// [`PathTable::from_log`]: the aggregated paths, whose own `attribution` and
    /// `attribution_table` give every model but time decay.
    PathTable(PathTableOptions),
    /// [`EventLog::sessions`].
    Sessions(SessionOptions),
    /// [`EventLog::transition_graph`].
    TransitionGraph(TransitionGraphOptions),
    /// [`EventLog::conversion_paths`](crate::metrics::path_stats::conversion_paths_table), one
    /// row per path.
    ConversionPaths(ConversionPathsOptions),
    /// [`EventLog::path_stats`].
    PathStats(PathStatsOptions),
    /// NPS of the survey responses joined to the log ([`crate::metrics::survey::nps`] with
    /// the log): needs the responses of the partition's customers.
    Nps(ScoreOptions),
    /// CSAT of the survey responses joined to the log ([`crate::metrics::survey::csat`]).
    Csat(ScoreOptions),
    /// CES of the survey responses joined to the log ([`crate::metrics::survey::ces`]).
    Ces(ScoreOptions),
    /// [`JourneyMap::from_data`], with the survey responses of the partitions' customers when
    /// given.
    MapFromData(FromDataOptions),
    /// The funnel the report chooses from the data ([`crate::report::default_funnel_steps`]):
    /// the first pass of a report whose options give no funnel.
    FunnelSteps(FunnelStepsOptions),
    /// [`crate::report::report`], with the survey responses when given; a bundle of the
    /// partials of its parts.
    Report(Box<ReportPartialOptions>),
    /// [`EventLog::conversion_drivers`]: the counts behind every 2x2 table.
    ConversionDrivers(DriversOptions),
}

impl Analysis {
    /// The analysis `name` (one of [`ANALYSES`]) with its options as JSON, the same keys as
    /// the single-machine call takes (`docs/journeys.md`, `docs/metrics.md`).
    pub fn from_json(name: &str, options: &Value) -> Result<Self> {
        match name {
            "funnel" => Ok(Analysis::Funnel(from_json("funnel options", options)?)),
            "retention" => Ok(Analysis::Retention(from_json(
                "retention options",
                options,
            )?)),
            "kpis" => Ok(Analysis::Kpis(from_json("kpi options", options)?)),
            "attribution" => Ok(Analysis::Attribution(from_json(
                "attribution options",
                options,
            )?)),
            "attribution_table" => Ok(Analysis::AttributionTable(from_json(
                "attribution table options",
                options,
            )?)),
            "path_table" => Ok(Analysis::PathTable(from_json("path options", options)?)),
            "sessions" => Ok(Analysis::Sessions(from_json("sessions options", options)?)),
            "transition_graph" => Ok(Analysis::TransitionGraph(from_json(
                "transition graph options",
                options,
            )?)),
            "conversion_paths" => Ok(Analysis::ConversionPaths(from_json(
                "conversion paths options",
                options,
            )?)),
            "path_stats" => Ok(Analysis::PathStats(from_json(
                "path stats options",
                options,
            )?)),
            "nps" => Ok(Analysis::Nps(from_json("nps options", options)?)),
            "csat" => Ok(Analysis::Csat(from_json("csat options", options)?)),
            "ces" => Ok(Analysis::Ces(from_json("ces options", options)?)),
            "funnel_steps" => Ok(Analysis::FunnelSteps(from_json(
                "funnel_steps options",
                options,
            )?)),
            "report" => Ok(Analysis::Report(Box::new(ReportPartialOptions::from_json(
                options,
            )?))),
            "map_from_data" => Ok(Analysis::MapFromData(from_json(
                "from_data options",
                options,
            )?)),
            "conversion_drivers" => Ok(Analysis::ConversionDrivers(from_json(
                "drivers options",
                options,
            )?)),
            _ => Err(Error::argument(
                "analysis",
                format!("{name:?}: expected one of {}", ANALYSES.join(", ")),
            )),
        }
    }

    /// The analysis's name.
    pub fn name(&self) -> &'static str {
        match self {
            Analysis::Funnel(_) => "funnel",
            Analysis::Retention(_) => "retention",
            Analysis::Kpis(_) => "kpis",
            Analysis::Attribution(_) => "attribution",
            Analysis::AttributionTable(_) => "attribution_table",
            Analysis::PathTable(_) => "path_table",
            Analysis::Sessions(_) => "sessions",
            Analysis::TransitionGraph(_) => "transition_graph",
            Analysis::ConversionPaths(_) => "conversion_paths",
            Analysis::PathStats(_) => "path_stats",
            Analysis::Nps(_) => "nps",
            Analysis::Csat(_) => "csat",
            Analysis::Ces(_) => "ces",
            Analysis::MapFromData(_) => "map_from_data",
            Analysis::FunnelSteps(_) => "funnel_steps",
            Analysis::Report(_) => "report",
            Analysis::ConversionDrivers(_) => "conversion_drivers",
        }
    }

    /// The options in their canonical JSON form (every option spelled out, defaults included):
    /// what partials record and compare.
    pub fn options_json(&self) -> Value {
        let v = match self {
            Analysis::Funnel(o) => serde_json::to_value(o),
            Analysis::Retention(o) => serde_json::to_value(o),
            Analysis::Kpis(o) => serde_json::to_value(o),
            Analysis::Attribution(o) => serde_json::to_value(o),
            Analysis::AttributionTable(o) => serde_json::to_value(o),
            Analysis::PathTable(o) => serde_json::to_value(o),
            Analysis::Sessions(o) => serde_json::to_value(o),
            Analysis::TransitionGraph(o) => serde_json::to_value(o),
            Analysis::ConversionPaths(o) => serde_json::to_value(o),
            Analysis::PathStats(o) => serde_json::to_value(o),
            Analysis::Nps(o) | Analysis::Csat(o) | Analysis::Ces(o) => serde_json::to_value(o),
            Analysis::MapFromData(o) => serde_json::to_value(o),
            Analysis::FunnelSteps(o) => serde_json::to_value(o),
            Analysis::Report(o) => Ok(o.to_json()),
            Analysis::ConversionDrivers(o) => serde_json::to_value(o),
        };
        v.expect("options serialise")
    }

    /// Whether the analysis needs survey responses ([`EventLog::partial_with_surveys`]).
    pub fn needs_surveys(&self) -> bool {
        self.score().is_some()
    }

    /// Whether the analysis reads survey responses when given (those that need them, and the
    /// map from data, which shows their scores).
    pub fn reads_surveys(&self) -> bool {
        self.needs_surveys() || matches!(self, Analysis::MapFromData(_) | Analysis::Report(_))
    }

    fn score(&self) -> Option<(survey::Score, &ScoreOptions)> {
        match self {
            Analysis::Nps(o) => Some((survey::Score::Nps, o)),
            Analysis::Csat(o) => Some((survey::Score::Csat, o)),
            Analysis::Ces(o) => Some((survey::Score::Ces, o)),
            _ => None,
        }
    }

    /// Whether the analysis depends on the [`Context`] (else any context, also the default,
    /// gives the same partial).
    pub fn needs_context(&self) -> bool {
        match self {
            Analysis::Funnel(_)
            | Analysis::Retention(_)
            | Analysis::Attribution(_)
            | Analysis::AttributionTable(_)
            | Analysis::PathTable(_)
            | Analysis::Sessions(_)
            | Analysis::TransitionGraph(_)
            | Analysis::ConversionPaths(_)
            | Analysis::PathStats(_)
            | Analysis::Nps(_)
            | Analysis::Csat(_)
            | Analysis::Ces(_)
            | Analysis::MapFromData(_)
            | Analysis::FunnelSteps(_)
            | Analysis::ConversionDrivers(_) => false,
            // The KPIs' period and the subtitle's dates are the whole log's.
            Analysis::Report(_) => true,
            // The period defaults to the whole log's first and last event.
            Analysis::Kpis(o) => o.start.is_none() || o.end.is_none(),
        }
    }
}

/// What every partition must agree on before it runs: the time span of the whole log (its first
/// and last event), which bounds windows and censoring. Built from each partition with
/// [`Context::of`] and combined with [`Context::merge`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    span: Option<(i64, i64)>,
}

impl Context {
    /// The context of one log.
    pub fn of(log: &EventLog) -> Self {
        let mut span: Option<(i64, i64)> = None;
        let ts = log.timestamps();
        for w in log.offsets().windows(2) {
            if w[1] > w[0] {
                let (a, b) = (ts[w[0]], ts[w[1] - 1]);
                span = Some(span.map_or((a, b), |(lo, hi)| (lo.min(a), hi.max(b))));
            }
        }
        Context { span }
    }

    /// The context of two logs together.
    pub fn merge(&self, other: &Context) -> Result<Context> {
        let span = match (self.span, other.span) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, None) | (None, x) => x,
        };
        Ok(Context { span })
    }

    /// First event time (microseconds since the Unix epoch), `None` for no events.
    pub fn first_us(&self) -> Option<i64> {
        self.span.map(|s| s.0)
    }

    /// Last event time (microseconds since the Unix epoch), `None` for no events.
    pub fn last_us(&self) -> Option<i64> {
        self.span.map(|s| s.1)
    }

    fn enc(&self, w: &mut Writer) {
        self.span.enc(w);
    }

    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let span: Option<(i64, i64)> = Codec::dec(r)?;
        if span.is_some_and(|(a, b)| a > b) {
            return Err(corrupted("the context's first event is after its last"));
        }
        Ok(Context { span })
    }

    fn fingerprint(&self) -> u64 {
        let mut w = Writer::default();
        self.enc(&mut w);
        fnv1a(&w.buf)
    }

    fn describe(&self) -> String {
        match self.span {
            None => "no events".to_string(),
            Some((a, b)) => format!(
                "events from {} to {}",
                crate::time::format_us(a),
                crate::time::format_us(b)
            ),
        }
    }

    /// The context as bytes (versioned like partials).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.raw(CONTEXT_MAGIC);
        w.raw(&FORMAT_VERSION.to_le_bytes());
        self.enc(&mut w);
        let sum = fnv1a(&w.buf);
        w.raw(&sum.to_le_bytes());
        w.buf
    }

    /// A context from [`Context::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let body = envelope(bytes, CONTEXT_MAGIC, "context")?;
        let mut r = Reader::new(body);
        let ctx = Context::dec(&mut r)?;
        if !r.is_done() {
            return Err(corrupted("trailing bytes after the context"));
        }
        Ok(ctx)
    }
}

/// The options that differ between two canonical option objects, e.g. `mode "ordered" and
/// "strict"`.
fn options_diff(a: &str, b: &str) -> String {
    let (Ok(Value::Object(x)), Ok(Value::Object(y))) = (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) else {
        return format!("{} and {}", cut(a), cut(b));
    };
    let null = Value::Null;
    let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| x.get(*k) != y.get(*k))
        .map(|k| {
            let (u, v) = (x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null));
            format!("{k} {} and {}", cut(&u.to_string()), cut(&v.to_string()))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks magic bytes, version and checksum; returns the body between header and checksum.
fn envelope<'a>(bytes: &'a [u8], magic: &[u8; 8], what: &str) -> Result<&'a [u8]> {
    if bytes.len() < 8 || &bytes[..8] != magic {
        return Err(Error::InvalidPartial(format!(
            "not a journey {what} (the bytes do not start with {:?})",
            String::from_utf8_lossy(magic).trim_end_matches('\0')
        )));
    }
    if bytes.len() < 10 {
        return Err(corrupted("truncated before the format version"));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != FORMAT_VERSION {
        return Err(Error::InvalidPartial(format!(
            "{what} of format version {version}; this build of journey {} reads version \
             {FORMAT_VERSION} (compute every partial with the same journey version)",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if bytes.len() < 18 {
        return Err(corrupted("truncated before the checksum"));
    }
    let (data, sum) = bytes.split_at(bytes.len() - 8);
    let sum = u64::from_le_bytes(sum.try_into().expect("8 bytes"));
    if fnv1a(data) != sum {
        return Err(corrupted(format!(
            "checksum mismatch over {} bytes (truncated or altered in transit)",
            bytes.len()
        )));
    }
    Ok(&data[10..])
}

/// How the logs were loaded, which every partial must share: the conversion touchpoints and the
/// touchpoint catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setup {
    conversions: Vec<String>,
    catalog: u64,
}

impl Setup {
    fn of(log: &EventLog) -> Self {
        let catalog = serde_json::to_string(log.catalog()).expect("catalog serialises");
        Setup {
            conversions: log.conversion_touchpoints().to_vec(),
            catalog: fnv1a(catalog.as_bytes()),
        }
    }
}

/// How much a partial keeps for live analyses ([`crate::LiveAnalysis`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Track {
    /// Nothing beyond the partial's bytes.
    No,
    /// A partial of touched customers, to retract from or merge into a live state: path tables
    /// keep where each path occurs (but a Markov attribution, which needs no path order).
    Part,
    /// A live state: as `Part`, and a Markov attribution keeps its chain's transition counts.
    Live,
}

impl Track {
    /// What a path table that needs its order keeps.
    fn seen(self) -> attribution::Track {
        match self {
            Track::No => attribution::Track::No,
            Track::Part | Track::Live => attribution::Track::Seen,
        }
    }
}

/// The state of one analysis.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Funnel(funnel::FunnelState),
    Retention(retention::RetentionState),
    Kpis(retention::KpiState),
    Paths(attribution::PathsState),
    Sessions(sessions::SessionsState),
    Graph(graph::GraphState),
    Rows(paths::PathsRows),
    PathStats(Box<path_stats::PathStatsState>),
    Survey(survey::SurveyState),
    Map(Box<map::MapState>),
    FunnelSteps(crate::report::FunnelStepStats),
    Report(Box<report::ReportState>),
    Drivers(DriverCounts),
}

/// The result of [`Partial::finish`]: the single-machine result type of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Finished {
    /// [`EventLog::funnel`]'s result.
    Funnel(FunnelResult),
    /// [`EventLog::retention`]'s result.
    Retention(RetentionResult),
    /// [`EventLog::kpis`]'s result.
    Kpis(Kpis),
    /// [`EventLog::attribution`]'s result.
    Attribution(AttributionResult),
    /// [`EventLog::attribution_table`]'s result.
    AttributionTable(AttributionTable),
    /// [`PathTable::from_log`]'s result.
    PathTable(PathTable),
    /// [`EventLog::sessions`]'s result.
    Sessions(SessionsResult),
    /// [`EventLog::transition_graph`]'s result.
    TransitionGraph(TransitionGraph),
    /// The conversion paths, one row per path.
    ConversionPaths(ConversionPathsResult),
    /// [`EventLog::path_stats`]'s result.
    PathStats(PathStatsResult),
    /// NPS overall and by group.
    Nps(NpsBreakdown),
    /// CSAT overall and by group.
    Csat(CsatBreakdown),
    /// CES overall and by group.
    Ces(CesBreakdown),
    /// [`JourneyMap::from_data`]'s result.
    Map(Box<JourneyMap>),
    /// The default funnel's steps.
    FunnelSteps(Vec<String>),
    /// The report page (HTML).
    Report(String),
    /// [`EventLog::conversion_drivers`]'s result.
    Drivers(DriversResult),
}

/// The mergeable partial state of one analysis over some whole customers.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    analysis: Analysis,
    /// The canonical options JSON, as recorded.
    options: String,
    setup: Setup,
    context: Context,
    state: State,
}

impl EventLog {
    /// The partial state of `analysis` over the customers of this log, which must hold each of
    /// its customers whole. `ctx` is the context merged over every partition for analyses that
    /// need one ([`Analysis::needs_context`]); the others take [`Context::default()`].
    pub fn partial(&self, analysis: &Analysis, ctx: &Context) -> Result<Partial> {
        self.partial_with_surveys(analysis, ctx, None)
    }

    /// [`EventLog::partial`] with the survey responses of this log's customers, for the
    /// analyses that join them to the log ([`Analysis::needs_surveys`]; the others ignore
    /// them). Responses are partitioned by customer like the events: every response of a
    /// customer of this log must be here, and a customer without events may be in any
    /// partition.
    pub fn partial_with_surveys(
        &self,
        analysis: &Analysis,
        ctx: &Context,
        surveys: Option<&Surveys>,
    ) -> Result<Partial> {
        self.partial_inner(analysis, ctx, surveys, Track::No)
    }

    /// [`EventLog::partial_with_surveys`], tracked as `track` says (for live analyses).
    pub(crate) fn partial_inner(
        &self,
        analysis: &Analysis,
        ctx: &Context,
        surveys: Option<&Surveys>,
        track: Track,
    ) -> Result<Partial> {
        // Long because it is one arm per analysis, each calling that analysis's state.
        let context = if analysis.needs_context() {
            let own = Context::of(self);
            if let Some((a, b)) = own.span {
                let covers = ctx.span.is_some_and(|(lo, hi)| lo <= a && b <= hi);
                if !covers {
                    return Err(Error::PartialMismatch(format!(
                        "{} needs the context of the whole log; the one given ({}) does not \
                         cover this partition ({}): merge Context.of of every partition first",
                        analysis.name(),
                        ctx.describe(),
                        own.describe()
                    )));
                }
            }
            *ctx
        } else {
            Context::default()
        };
        let state = match analysis {
            Analysis::Funnel(o) => State::Funnel(funnel::FunnelState::of(self, o)?),
            Analysis::Retention(o) => State::Retention(retention::RetentionState::of(self, o)?),
            Analysis::Kpis(o) => State::Kpis(retention::KpiState::of(self, o, context.span)?),
            Analysis::Attribution(o) => {
                o.check()?;
                let half_life = (o.model == Model::TimeDecay).then(|| o.half_life.as_us());
                // Markov credits need no path order, only the chain's counts.
                let track = match (track, o.model) {
                    (Track::No, _) => attribution::Track::No,
                    (Track::Part, Model::Markov) => attribution::Track::Unordered,
                    (Track::Live, Model::Markov) => attribution::Track::Chain(o.order),
                    _ => attribution::Track::Seen,
                };
                State::Paths(attribution::PathsState::of_tracked(
                    self,
                    &o.path_options(),
                    half_life,
                    track,
                )?)
            }
            Analysis::AttributionTable(o) => {
                let m = o.with_model(Model::Markov);
                m.check()?;
                State::Paths(attribution::PathsState::of_tracked(
                    self,
                    &m.path_options(),
                    Some(m.half_life.as_us()),
                    track.seen(),
                )?)
            }
            Analysis::PathTable(o) => State::Paths(attribution::PathsState::of_tracked(
                self,
                &o.path_options(),
                None,
                track.seen(),
            )?),
            Analysis::Sessions(o) => State::Sessions(sessions::SessionsState::of(self, o)?),
            Analysis::TransitionGraph(o) => State::Graph(graph::GraphState::of(self, o)?),
            Analysis::ConversionPaths(o) => State::Rows(paths::PathsRows::of(self, o)?),
            Analysis::PathStats(o) => State::PathStats(Box::new(
                path_stats::PathStatsState::of_tracked(self, o, track != Track::No)?,
            )),
            Analysis::Nps(o) | Analysis::Csat(o) | Analysis::Ces(o) => {
                let surveys = surveys.ok_or_else(|| {
                    Error::argument(
                        "surveys",
                        format!(
                            "{} needs the survey responses of the partition's customers",
                            analysis.name()
                        ),
                    )
                })?;
                let (score, _) = analysis.score().expect("a survey analysis");
                State::Survey(survey::SurveyState::of(self, surveys, score, o)?)
            }
            Analysis::MapFromData(o) => State::Map(Box::new(map::MapState::of(self, surveys, o)?)),
            Analysis::FunnelSteps(_) => State::FunnelSteps(report::funnel_steps_of(self)),
            Analysis::Report(o) => State::Report(Box::new(report::ReportState::of(
                self, surveys, o, &context,
            )?)),
            Analysis::ConversionDrivers(o) => State::Drivers(DriverCounts::of(self, o)?),
        };
        Ok(Partial {
            options: analysis.options_json().to_string(),
            analysis: analysis.clone(),
            setup: Setup::of(self),
            context,
            state,
        })
    }
}

impl Partial {
    /// The analysis this is a partial of.
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// The context it was computed with ([`Context::default()`] for analyses that need none).
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Checks that `other` can merge with `self`.
    fn check(&self, other: &Partial) -> Result<()> {
        let (a, b) = (self.analysis.name(), other.analysis.name());
        if a != b {
            return Err(Error::PartialMismatch(format!(
                "a partial of {a} cannot merge with a partial of {b}"
            )));
        }
        if self.options != other.options {
            return Err(Error::PartialMismatch(format!(
                "partials of {a} computed with other options: {}",
                options_diff(&self.options, &other.options)
            )));
        }
        if self.context != other.context {
            return Err(Error::PartialMismatch(format!(
                "partials of {a} computed with other contexts ({} and {}): give every \
                 partition the same merged context",
                self.context.describe(),
                other.context.describe()
            )));
        }
        if self.setup.conversions != other.setup.conversions {
            return Err(Error::PartialMismatch(format!(
                "partials of {a} from logs loaded with other conversion touchpoints: [{}] and [{}]",
                self.setup.conversions.join(", "),
                other.setup.conversions.join(", ")
            )));
        }
        if self.setup.catalog != other.setup.catalog {
            return Err(Error::PartialMismatch(format!(
                "partials of {a} from logs loaded with other touchpoint catalogs"
            )));
        }
        Ok(())
    }

    /// The partial of both partitions together. Associative and commutative; exact.
    pub fn merge(mut self, other: Partial) -> Result<Partial> {
        self.check(&other)?;
        match (&mut self.state, other.state) {
            (State::Funnel(a), State::Funnel(b)) => a.merge(b),
            (State::Retention(a), State::Retention(b)) => a.merge(b),
            (State::Kpis(a), State::Kpis(b)) => a.merge(b),
            (State::Paths(a), State::Paths(b)) => a.merge(b),
            (State::Sessions(a), State::Sessions(b)) => a.merge(b),
            (State::Graph(a), State::Graph(b)) => a.merge(b),
            (State::Rows(a), State::Rows(b)) => a.merge(b),
            (State::PathStats(a), State::PathStats(b)) => a.merge(*b),
            (State::Survey(a), State::Survey(b)) => a.merge(b),
            (State::Map(a), State::Map(b)) => a.merge(*b),
            (State::FunnelSteps(a), State::FunnelSteps(b)) => a.merge(b),
            (State::Report(a), State::Report(b)) => a.merge(*b)?,
            (State::Drivers(a), State::Drivers(b)) => a.merge(b),
            _ => unreachable!("same analysis, same state"),
        }
        Ok(self)
    }

    /// Room for the state's tables to double before they grow (see
    /// `PathsState::reserve_growth`); only attribution's tables are large enough to matter.
    pub(crate) fn reserve_growth(&mut self) {
        if let State::Paths(p) = &mut self.state {
            p.reserve_growth();
        }
    }

    /// The partial of `self`'s customers without those of `other`: the inverse of
    /// [`Partial::merge`], for a partial `other` (same analysis, options, context and load
    /// setup) of customers merged into `self` before. Exact for every count, sum and sample
    /// the state keeps; entries left at zero go, as in a partial computed without those
    /// customers. Two parts of a state are not counts:
    /// - the last event of the log kept by the cohort matrix and the funnel trend (a maximum)
    ///   and the names of the path table
    ///   and graph (unions) stay as they are: they are right again once the customers' new
    ///   events are merged back, as a live analysis does (events are only ever added);
    /// - the path table keeps where each path was first seen (its order); taking out the
    ///   customer a remaining path was first seen with needs partials that keep every
    ///   customer of each path, which live analyses compute ([`crate::LiveAnalysis`]); other
    ///   partials give an error then.
    ///
    /// Available for funnel, retention, kpis, attribution, attribution_table, path_table,
    /// sessions, transition_graph, conversion_paths, path_stats, nps, csat, ces,
    /// map_from_data and conversion_drivers; the others are an error.
    pub fn retract(mut self, other: Partial) -> Result<Partial> {
        self.check(&other)?;
        match (&mut self.state, &other.state) {
            (State::Funnel(a), State::Funnel(b)) => a.retract(b),
            (State::Retention(a), State::Retention(b)) => a.retract(b),
            (State::Kpis(a), State::Kpis(b)) => a.retract(b),
            (State::Paths(a), State::Paths(b)) => a.retract(b)?,
            (State::Sessions(a), State::Sessions(b)) => a.retract(b),
            (State::Graph(a), State::Graph(b)) => a.retract(b),
            (State::Rows(a), State::Rows(b)) => a.retract(b),
            (State::PathStats(a), State::PathStats(b)) => a.retract(b)?,
            (State::Survey(a), State::Survey(b)) => a.retract(b),
            (State::Map(a), State::Map(b)) => a.retract(b),
            (State::Drivers(a), State::Drivers(b)) => a.retract(b),
            _ => {
                return Err(Error::argument(
                    "analysis",
                    format!(
                        "{} has no retract: one of {}",
                        self.analysis.name(),
                        RETRACTABLE.join(", ")
                    ),
                ))
            }
        }
        Ok(self)
    }

    /// Merges any number of partials (at least one).
    pub fn merge_all(parts: impl IntoIterator<Item = Partial>) -> Result<Partial> {
        let mut it = parts.into_iter();
        let first = it
            .next()
            .ok_or_else(|| Error::argument("partials", "at least one partial is needed"))?;
        it.try_fold(first, Partial::merge)
    }

    /// The result of the analysis over every customer merged in: equal to the single-machine
    /// call on the whole log.
    pub fn finish(self) -> Result<Finished> {
        Ok(match (self.state, &self.analysis) {
            (State::Funnel(s), Analysis::Funnel(o)) => Finished::Funnel(s.finish(o)),
            (State::Retention(s), Analysis::Retention(o)) => Finished::Retention(s.finish(o)),
            (State::Kpis(s), Analysis::Kpis(o)) => Finished::Kpis(s.finish(o)?),
            (State::Paths(s), a) => finish_paths(&s, a)?,
            (State::Sessions(s), Analysis::Sessions(o)) => Finished::Sessions(s.finish(o)),
            (State::Graph(s), Analysis::TransitionGraph(o)) => {
                Finished::TransitionGraph(s.finish(o))
            }
            (State::Rows(s), Analysis::ConversionPaths(o)) => {
                Finished::ConversionPaths(s.finish(o))
            }
            (State::PathStats(s), Analysis::PathStats(o)) => Finished::PathStats(s.finish(o)?),
            (State::Map(s), Analysis::MapFromData(o)) => Finished::Map(Box::new(s.finish(o)?)),
            (State::FunnelSteps(s), Analysis::FunnelSteps(_)) => {
                Finished::FunnelSteps(report::funnel_steps_finish(s))
            }
            (State::Report(s), Analysis::Report(o)) => {
                Finished::Report(s.finish(o, &self.context)?)
            }
            (State::Drivers(s), Analysis::ConversionDrivers(o)) => {
                Finished::Drivers(s.finish(o, &self.setup.conversions))
            }
            (State::Survey(s), a) => {
                let (score, o) = a.score().expect("a survey state is of a survey analysis");
                match s.finish(score, o) {
                    survey::Scores::Nps(x) => Finished::Nps(x),
                    survey::Scores::Csat(x) => Finished::Csat(x),
                    survey::Scores::Ces(x) => Finished::Ces(x),
                }
            }
            _ => unreachable!("a state always matches its analysis"),
        })
    }

    /// The bytes of the partial: magic bytes `JRNYPART`, the format version, the analysis, its
    /// canonical options and their fingerprint, the load setup, the context and its fingerprint,
    /// the state, and a checksum (`docs/distributed.md` describes the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.raw(PARTIAL_MAGIC);
        w.raw(&FORMAT_VERSION.to_le_bytes());
        self.analysis.name().to_string().enc(&mut w);
        self.options.enc(&mut w);
        w.raw(&fnv1a(self.options.as_bytes()).to_le_bytes());
        self.setup.conversions.enc(&mut w);
        w.raw(&self.setup.catalog.to_le_bytes());
        self.context.enc(&mut w);
        w.raw(&self.context.fingerprint().to_le_bytes());
        let mut s = Writer::default();
        match &self.state {
            State::Funnel(x) => x.enc(&mut s),
            State::Retention(x) => x.enc(&mut s),
            State::Kpis(x) => x.enc(&mut s),
            State::Paths(x) => x.enc(&mut s),
            State::Sessions(x) => x.enc(&mut s),
            State::Graph(x) => x.enc(&mut s),
            State::Rows(x) => x.enc(&mut s),
            State::PathStats(x) => x.enc(&mut s),
            State::Survey(x) => x.enc(&mut s),
            State::Map(x) => x.enc(&mut s),
            State::FunnelSteps(x) => x.enc(&mut s),
            State::Report(x) => x.enc(&mut s),
            State::Drivers(x) => x.enc(&mut s),
        }
        w.bytes(&s.buf);
        let sum = fnv1a(&w.buf);
        w.raw(&sum.to_le_bytes());
        w.buf
    }

    /// A partial from [`Partial::to_bytes`]. Bytes of another format version, of an unknown
    /// analysis, or corrupted ones are an [`Error::InvalidPartial`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        // Long because it reads the format field by field in its order, one arm per analysis,
        // checking each field where it is read.
        let body = envelope(bytes, PARTIAL_MAGIC, "partial")?;
        let mut r = Reader::new(body);
        let name = String::dec(&mut r)?;
        let options = String::dec(&mut r)?;
        let fp = u64::from_le_bytes(r.raw(8)?.try_into().expect("8 bytes"));
        if fnv1a(options.as_bytes()) != fp {
            return Err(corrupted("the options do not match their fingerprint"));
        }
        let v: Value = serde_json::from_str(&options)
            .map_err(|e| corrupted(format!("options are not JSON ({e})")))?;
        let analysis = Analysis::from_json(&name, &v).map_err(|e| match e {
            Error::InvalidArgument { .. } if !ANALYSES.contains(&name.as_str()) => {
                Error::InvalidPartial(format!(
                    "a partial of {name:?}, which this build of journey does not know \
                     (it knows {})",
                    ANALYSES.join(", ")
                ))
            }
            e => corrupted(format!("its options do not read back ({e})")),
        })?;
        if serde_json::to_string(&analysis.options_json())
            .ok()
            .as_deref()
            != Some(options.as_str())
        {
            return Err(corrupted("the options do not read back to themselves"));
        }
        let conversions: Vec<String> = Codec::dec(&mut r)?;
        let catalog = u64::from_le_bytes(r.raw(8)?.try_into().expect("8 bytes"));
        let context = Context::dec(&mut r)?;
        let cfp = u64::from_le_bytes(r.raw(8)?.try_into().expect("8 bytes"));
        if context.fingerprint() != cfp {
            return Err(corrupted("the context does not match its fingerprint"));
        }
        let payload = r.bytes()?;
        if !r.is_done() {
            return Err(corrupted("trailing bytes after the state"));
        }
        let mut s = Reader::new(payload);
        let state = match &analysis {
            Analysis::Funnel(o) => {
                let x = funnel::FunnelState::dec(&mut s)?.with_rule(o)?;
                if !x.fits(o) {
                    return Err(corrupted("the funnel state does not fit its steps"));
                }
                State::Funnel(x)
            }
            Analysis::Retention(o) => {
                let x = retention::RetentionState::dec(&mut s)?;
                if !x.fits(o) {
                    return Err(corrupted("the cohort rows do not fit the periods"));
                }
                State::Retention(x)
            }
            Analysis::Kpis(_) => {
                let x = retention::KpiState::dec(&mut s)?;
                if !x.fits() {
                    return Err(corrupted("the KPI counts do not add up"));
                }
                State::Kpis(x)
            }
            Analysis::Attribution(_) | Analysis::AttributionTable(_) | Analysis::PathTable(_) => {
                let x = attribution::PathsState::dec(&mut s)?;
                let td = match &analysis {
                    Analysis::Attribution(o) => o.model == Model::TimeDecay,
                    Analysis::AttributionTable(_) => true,
                    _ => false,
                };
                if !x.fits(td) {
                    return Err(corrupted("the path table does not fit its options"));
                }
                State::Paths(x)
            }
            Analysis::Sessions(_) => {
                let x = sessions::SessionsState::dec(&mut s)?;
                if !x.fits() {
                    return Err(corrupted("the session counts do not add up"));
                }
                State::Sessions(x)
            }
            Analysis::TransitionGraph(_) => {
                let x = graph::GraphState::dec(&mut s)?;
                if !x.fits() {
                    return Err(corrupted("the graph's edges refer to unknown nodes"));
                }
                State::Graph(x)
            }
            Analysis::ConversionPaths(_) => {
                let x = paths::PathsRows::dec(&mut s)?;
                if !x.fits() {
                    return Err(corrupted("the path rows do not add up"));
                }
                State::Rows(x)
            }
            Analysis::PathStats(o) => {
                let x = path_stats::PathStatsState::dec(&mut s)?;
                if !x.fits(o) {
                    return Err(corrupted("the path statistics do not add up"));
                }
                State::PathStats(Box::new(x))
            }
            Analysis::Nps(o) | Analysis::Csat(o) | Analysis::Ces(o) => {
                let x = survey::SurveyState::dec(&mut s)?;
                let (score, _) = analysis.score().expect("a survey analysis");
                if !x.fits(score, o) {
                    return Err(corrupted("the survey answers do not add up"));
                }
                State::Survey(x)
            }
            Analysis::MapFromData(_) => {
                let x = map::MapState::dec(&mut s)?;
                if !x.fits() {
                    return Err(corrupted("the map's counts do not fit its names"));
                }
                State::Map(Box::new(x))
            }
            Analysis::FunnelSteps(_) => State::FunnelSteps(Codec::dec(&mut s)?),
            Analysis::Report(o) => {
                let x = report::ReportState::dec(&mut s)?;
                if !x.fits(o) {
                    return Err(corrupted("the report's parts do not fit its options"));
                }
                State::Report(Box::new(x))
            }
            Analysis::ConversionDrivers(o) => {
                let x = DriverCounts::dec(&mut s)?;
                if !x.fits(o) {
                    return Err(corrupted("the drivers' counts do not add up"));
                }
                State::Drivers(x)
            }
        };
        if !s.is_done() {
            return Err(corrupted("trailing bytes in the state"));
        }
        Ok(Partial {
            analysis,
            options,
            setup: Setup {
                conversions,
                catalog,
            },
            context,
            state,
        })
    }
}

/// The result of a path-table analysis, from the state by reference.
fn finish_paths(s: &attribution::PathsState, analysis: &Analysis) -> Result<Finished> {
    Ok(match analysis {
        Analysis::Attribution(o) if s.has_chain() => {
            Finished::Attribution(s.finish_markov(o, o.exclude.as_deref().unwrap_or(&[]))?)
        }
        Analysis::Attribution(o) => {
            let (t, td, unknown) = s.finish(o.exclude.as_deref().unwrap_or(&[]));
            Finished::Attribution(attribution_of_paths(&t, td, o, unknown)?)
        }
        Analysis::AttributionTable(o) => {
            let (t, td, unknown) = s.finish(o.exclude.as_deref().unwrap_or(&[]));
            Finished::AttributionTable(attribution_table_of_paths(&t, td, o, unknown)?)
        }
        Analysis::PathTable(_) => Finished::PathTable(s.finish(&[]).0),
        _ => unreachable!("a path table is the state of these analyses only"),
    })
}

impl Partial {
    /// [`Partial::finish`] without giving up the partial (a live analysis finishes after every
    /// append); path tables are finished by reference.
    pub(crate) fn finish_ref(&self) -> Result<Finished> {
        match &self.state {
            State::Paths(s) => finish_paths(s, &self.analysis),
            _ => self.clone().finish(),
        }
    }
}

/// Drops from `rows` the rows of the customers that have rows in `gone` (both in customer-id
/// order, `id` giving a row's customer id): a retraction of per-customer rows.
pub(crate) fn drop_customers<T, K: Ord + ?Sized>(
    rows: &mut Vec<T>,
    gone: &[T],
    id: impl Fn(&T) -> &K,
) {
    if gone.is_empty() {
        return;
    }
    let mut j = 0;
    rows.retain(|r| {
        while j < gone.len() && id(&gone[j]) < id(r) {
            j += 1;
        }
        !(j < gone.len() && id(&gone[j]) == id(r))
    });
}

/// How many partitions an engine splits the customers into (`partitions=` of journey.spark and
/// journey.dask), read from JSON: a whole number of at least 1, else an `InvalidArgument`
/// naming `partitions`.
///
/// ```
/// use journey_core::partial::partitions;
/// assert_eq!(partitions(&serde_json::json!(3)).unwrap(), 3);
/// for bad in [serde_json::json!(0), serde_json::json!(2.5), serde_json::json!("3")] {
///     assert_eq!(partitions(&bad).unwrap_err().code(), "invalid_argument");
/// }
/// ```
pub fn partitions(v: &serde_json::Value) -> Result<u64> {
    match v.as_u64() {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(Error::argument(
            "partitions",
            format!("expected a whole number >= 1, got {v}"),
        )),
    }
}

/// The load reports of partitions taken together, as journey.spark and journey.dask merge
/// them (docs/distributed.md, "Load errors and lenient loading"): `rows_read`, `rows_kept` and
/// `rows_skipped` add up, and the quoted errors are the first `keep` of both in sorted order
/// (a shuffle leaves no input order to keep). A `null` side (no report) gives the other.
///
/// ```
/// use journey_core::partial::merge_load_reports;
/// use serde_json::json;
///
/// let a = json!({"rows_read": 3, "rows_kept": 2, "rows_skipped": 1, "errors": ["b bad"]});
/// let b = json!({"rows_read": 4, "rows_kept": 2, "rows_skipped": 2, "errors": ["c bad", "a bad"]});
/// assert_eq!(
///     merge_load_reports(&a, &b, 2).unwrap(),
///     json!({"rows_read": 7, "rows_kept": 4, "rows_skipped": 3, "errors": ["a bad", "b bad"]})
/// );
/// ```
pub fn merge_load_reports(
    a: &serde_json::Value,
    b: &serde_json::Value,
    keep: usize,
) -> Result<serde_json::Value> {
    use serde_json::Value;
    if a.is_null() {
        return Ok(b.clone());
    }
    if b.is_null() {
        return Ok(a.clone());
    }
    let bad = |what: &str| Error::argument("report", format!("expected a load report, {what}"));
    let mut out = serde_json::Map::new();
    for key in ["rows_read", "rows_kept", "rows_skipped"] {
        let count = |r: &Value| match r.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| bad(&format!("{key} is {}", crate::error::cut(&v.to_string())))),
        };
        out.insert(key.into(), (count(a)? + count(b)?).into());
    }
    let mut errors: Vec<&str> = Vec::new();
    for r in [a, b] {
        match r.get("errors") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for e in list {
                    errors.push(e.as_str().ok_or_else(|| bad("an error is not text"))?);
                }
            }
            Some(_) => return Err(bad("errors is not a list")),
        }
    }
    errors.sort_unstable();
    errors.truncate(keep);
    out.insert("errors".into(), errors.into());
    Ok(Value::Object(out))
}

/// Of the load errors of several partitions (each an object with `customer`, `column`,
/// `value` and `message`), the index of the one to report: the smallest by (customer, column,
/// value, message) as text, a missing or null part counting as empty, so that the same data
/// gives the same error whatever order the partitions finish in (docs/distributed.md). `None`
/// when there is none.
///
/// ```
/// use journey_core::partial::first_error;
/// use serde_json::json;
///
/// let errors = [
///     json!({"customer": "u2", "column": "timestamp", "value": "x", "message": "..."}),
///     json!({"customer": "u10", "column": "value", "value": "y", "message": "..."}),
///     json!({"customer": null, "column": "timestamp", "value": "", "message": "..."}),
/// ];
/// assert_eq!(first_error(&errors), Some(2));
/// assert_eq!(first_error(&errors[..2]), Some(1)); // "u10" < "u2" as text
/// ```
pub fn first_error(errors: &[serde_json::Value]) -> Option<usize> {
    fn part(e: &serde_json::Value, k: &str) -> String {
        match e.get(k) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        }
    }
    let key =
        |e: &serde_json::Value| ["customer", "column", "value", "message"].map(|k| part(e, k));
    (0..errors.len()).min_by_key(|&i| key(&errors[i]))
}

/// `docs/distributed.md`, whose Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/distributed.md")]
pub struct DistributedGuide;

#[cfg(test)]
mod tests;
