//! What the property tests over the shared vectors share: the vector cases usable as partial
//! or live analyses, a small deterministic generator, random survey responses, and the
//! single-machine result to compare with.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use journey_core::partial::{Analysis, Finished, ANALYSES};
use journey_core::{
    read_events_csv, EventLog, EventLogBuilder, LoadOptions, RawEvent, RawResponse, Surveys,
    SurveysBuilder, Ties,
};
use serde_json::Value;

/// A small random event: `(customer, seconds, touchpoint, channel, stage, value, and two
/// properties)`, each of few values, so that equal timestamps, equal content and names new to
/// a log are common.
pub type TieRow = (
    u8,
    i64,
    u8,
    Option<u8>,
    Option<u8>,
    Option<i8>,
    Option<u8>,
    Option<u8>,
);

/// Every `.json` file below `dir`, into `out`.
pub fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// A vector case usable here: its log, the analysis and its options.
pub struct Case {
    pub name: String,
    pub log: EventLog,
    pub conversions: Vec<String>,
    pub analysis: Analysis,
    /// A report whose funnel is chosen from the data: its steps come from a first pass (the
    /// merged `funnel_steps` partials) before its partials are computed.
    pub report_args: Option<Value>,
}

pub fn cases() -> Vec<Case> {
    let mut paths = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
        &mut paths,
    );
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let call = case["call"].as_str().unwrap_or_default();
        if !ANALYSES.contains(&call) || case.get("expected_error").is_some() {
            continue;
        }
        // Funnel options that partial results refuse for now (they say so), optional steps
        // included.
        let optional_step = case["args"]["steps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.get("optional").is_some()));
        if optional_step || case["args"].get("after_drop_off").is_some() {
            continue;
        }
        let Some(csv) = case.get("events_csv").and_then(Value::as_str) else {
            continue;
        };
        let mut opts = LoadOptions::default();
        if let Some(c) = case["load"].get("conversions").and_then(Value::as_array) {
            opts.conversions = c.iter().map(|v| v.as_str().unwrap().to_string()).collect();
        }
        let Ok(log) = read_events_csv(csv.as_bytes(), &opts) else {
            continue;
        };
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(analysis) = Analysis::from_json(call, &case["args"]) else {
            continue;
        };
        // The funnel's open windows (counted as of the data end by default): also off, "end"
        // given, and as of a time within the log (the middle event's second, so that some
        // events come after it and some windows are open).
        if call == "funnel" && case["args"].get("as_of").is_none() && log.n_events() > 0 {
            let mut ts = log.timestamps().to_vec();
            ts.sort_unstable();
            let mid = ts[ts.len() / 2].div_euclid(1_000_000);
            for as_of in [
                Value::Bool(false),
                Value::from("end"),
                Value::from(mid),
                Value::Null,
            ] {
                let mut args = case["args"].clone();
                args["as_of"] = as_of.clone();
                out.push(Case {
                    name: format!("{name} (as_of {as_of})"),
                    log: log.clone(),
                    conversions: opts.conversions.clone(),
                    analysis: Analysis::from_json("funnel", &args).unwrap(),
                    report_args: None,
                });
            }
        }
        // Per-customer rows too (no vector asks for them).
        if call == "sessions" {
            let mut args = case["args"].clone();
            args["per_customer"] = Value::Bool(true);
            out.push(Case {
                name: format!("{name} (per_customer)"),
                log: log.clone(),
                conversions: opts.conversions.clone(),
                analysis: Analysis::from_json("sessions", &args).unwrap(),
                report_args: None,
            });
        }
        // Survey scores: every score, and every grouping that joins the log.
        if call == "nps" {
            for score in ["nps", "csat", "ces"] {
                for by in [
                    Value::Null,
                    case["args"]["by"].clone(),
                    "touchpoint".into(),
                    "stage".into(),
                    "channel".into(),
                ] {
                    if score == "nps" && by == case["args"]["by"] {
                        continue;
                    }
                    let args = serde_json::json!({ "by": by });
                    out.push(Case {
                        name: format!("{name} ({score} by {by})"),
                        log: log.clone(),
                        conversions: opts.conversions.clone(),
                        analysis: Analysis::from_json(score, &args).unwrap(),
                        report_args: None,
                    });
                }
            }
        }
        // The map from data, with the responses (personas where the log has them).
        if call == "nps" && case["args"]["by"] == "persona" {
            for args in [
                serde_json::json!({}),
                serde_json::json!({"min_customers": 1, "min_responses": 1}),
                serde_json::json!({"by_persona": false, "min_responses": 1, "min_customers": 2}),
                serde_json::json!({"all_customers": false, "min_customers": 1,
                                   "max_touchpoints": 3, "min_responses": 2}),
                serde_json::json!({"persona_property": "persona", "min_responses": 1,
                                   "drop_off_threshold": 0.2, "lift_threshold": 0.5}),
            ] {
                out.push(Case {
                    name: format!("{name} (map_from_data {args})"),
                    log: log.clone(),
                    conversions: opts.conversions.clone(),
                    analysis: Analysis::from_json("map_from_data", &args).unwrap(),
                    report_args: None,
                });
            }
            out.push(Case {
                name: format!("{name} (funnel_steps)"),
                log: log.clone(),
                conversions: opts.conversions.clone(),
                analysis: Analysis::from_json("funnel_steps", &serde_json::json!({})).unwrap(),
                report_args: None,
            });
            for args in [
                serde_json::json!({"map": {"min_customers": 1, "min_responses": 1}, "top_paths": 3}),
                serde_json::json!({"funnel": ["site", "purchase"], "persona_maps": false,
                                   "attribution": {"collapse_repeats": true}}),
            ] {
                let mut placeholder = args.clone();
                placeholder["funnel_steps"] = serde_json::json!([]);
                out.push(Case {
                    name: format!("{name} (report {args})"),
                    log: log.clone(),
                    conversions: opts.conversions.clone(),
                    analysis: Analysis::from_json("report", &placeholder).unwrap(),
                    report_args: Some(args),
                });
            }
        }
        // The path table takes the path options of attribution (no vector calls it alone).
        if call == "attribution" {
            let keys = [
                "level",
                "lookback",
                "first_conversion_only",
                "collapse_repeats",
                "exclude",
            ];
            let args: serde_json::Map<String, Value> = case["args"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            out.push(Case {
                name: format!("{name} (path_table)"),
                log: log.clone(),
                conversions: opts.conversions.clone(),
                analysis: Analysis::from_json("path_table", &Value::Object(args)).unwrap(),
                report_args: None,
            });
        }
        out.push(Case {
            name,
            log,
            conversions: opts.conversions.clone(),
            analysis,
            report_args: None,
        });
    }
    out
}

/// A small deterministic generator (xorshift64*), so one proptest seed is one log.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Random survey responses about the customers of a random log (and two without events), at
/// the times of its grid, naming one of its touchpoints, an unknown one or none.
pub fn random_surveys(log: &EventLog, rng: &mut Rng) -> Surveys {
    let tps = log.touchpoints();
    let t0 = log.timestamps().iter().min().copied().unwrap_or(0);
    let t1 = log.timestamps().iter().max().copied().unwrap_or(0);
    let step = ((t1 - t0) / 30).max(1);
    let mut b = SurveysBuilder::new();
    for _ in 0..rng.below(25) {
        let touchpoint = match rng.below(4) {
            0 => None,
            1 => Some("unknown".to_string()),
            _ if tps.is_empty() => None,
            _ => Some(tps[rng.below(tps.len())].clone()),
        };
        let score = |rng: &mut Rng, lo: usize, hi: usize| {
            (rng.below(4) > 0).then(|| (lo + rng.below(hi - lo + 1)) as u8)
        };
        b.push(RawResponse {
            customer_id: format!("c{}", rng.below(14)),
            timestamp_us: t0 - step + step * rng.below(33) as i64,
            touchpoint,
            nps: score(rng, 0, 10),
            csat: score(rng, 1, 5),
            ces: score(rng, 1, 7),
        })
        .unwrap();
    }
    b.build()
}

/// The single-machine result of `analysis` on `log`, as the partial's finished form.
pub fn direct(
    log: &EventLog,
    surveys: &Surveys,
    analysis: &Analysis,
) -> journey_core::Result<Finished> {
    use journey_core::metrics::survey;
    Ok(match analysis {
        Analysis::Funnel(o) => Finished::Funnel(log.funnel(o)?),
        Analysis::Retention(o) => Finished::Retention(log.retention(o)?),
        Analysis::Kpis(o) => Finished::Kpis(log.kpis(o)?),
        Analysis::Sessions(o) => Finished::Sessions(log.sessions(o)?),
        Analysis::TransitionGraph(o) => Finished::TransitionGraph(log.transition_graph(o)?),
        Analysis::ConversionPaths(o) => Finished::ConversionPaths(
            journey_core::metrics::path_stats::conversion_paths_table(log, o)?,
        ),
        Analysis::Attribution(o) => Finished::Attribution(log.attribution(o)?),
        Analysis::AttributionTable(o) => Finished::AttributionTable(log.attribution_table(o)?),
        Analysis::PathTable(o) => Finished::PathTable(
            journey_core::metrics::attribution::PathTable::from_log(log, &o.path_options())?,
        ),
        Analysis::PathStats(o) => Finished::PathStats(log.path_stats(o)?),
        Analysis::Nps(o) => Finished::Nps(survey::nps(surveys, Some(log), o)?),
        Analysis::Csat(o) => Finished::Csat(survey::csat(surveys, Some(log), o)?),
        Analysis::Ces(o) => Finished::Ces(survey::ces(surveys, Some(log), o)?),
        Analysis::FunnelSteps(_) => {
            Finished::FunnelSteps(journey_core::report::default_funnel_steps(log))
        }
        Analysis::Report(o) => {
            Finished::Report(journey_core::report::report(log, Some(surveys), &o.report)?)
        }
        Analysis::ConversionDrivers(o) => Finished::Drivers(log.conversion_drivers(o)?),
        Analysis::MapFromData(o) => Finished::Map(Box::new(journey_core::JourneyMap::from_data(
            log,
            Some(surveys),
            o,
        )?)),
        _ => unreachable!("every analysis has an arm"),
    })
}

pub fn bits(f: &Finished) -> String {
    // serde_json writes every f64 in its shortest round-trip form: equal text, equal bits.
    serde_json::to_string(f).unwrap()
}

/// A random log over the names and time span of `like`: up to 12 customers, up to 60 events,
/// times on a coarse grid (so equal timestamps happen) spread over the span and a few weeks
/// beyond, values with cents on some events.
pub fn random_rows(like: &EventLog, conversions: &[String], rng: &mut Rng) -> Vec<RawEvent> {
    let mut tps: Vec<String> = like.touchpoints().to_vec();
    tps.extend(conversions.iter().cloned());
    tps.push("other".into());
    let channels = like.channels().to_vec();
    const STAGES: [&str; 4] = ["awareness", "purchase", "zeta", "alpha"];
    let props: Vec<(String, Vec<String>)> = like
        .properties()
        .iter()
        .map(|p| (p.name.clone(), p.values.names().to_vec()))
        .collect();
    let t0 = like.timestamps().iter().min().copied().unwrap_or(0);
    let t1 = like.timestamps().iter().max().copied().unwrap_or(0);
    let span = (t1 - t0).max(1) + 21 * 86_400_000_000;
    // Steps of the grid: a fortieth of the span, or a few seconds for short logs.
    let step = (span / 40).max(1);
    let mut rows = Vec::new();
    let n_customers = 1 + rng.below(12);
    let n = rng.below(61);
    for _ in 0..n {
        let c = rng.below(n_customers);
        let tp = tps[rng.below(tps.len())].clone();
        let channel = (!channels.is_empty() && rng.below(3) > 0)
            .then(|| channels[rng.below(channels.len())].clone());
        let value = (rng.below(3) == 0).then(|| rng.below(100_000) as f64 / 100.0);
        let properties = props
            .iter()
            .map(|(k, vals)| {
                let v = if vals.is_empty() || rng.below(3) == 0 {
                    String::new()
                } else {
                    vals[rng.below(vals.len())].clone()
                };
                (k.clone(), v)
            })
            .collect();
        rows.push(RawEvent {
            customer_id: format!("c{c}"),
            timestamp_us: t0 - step * 2 + step * rng.below(45) as i64,
            touchpoint: tp,
            channel,
            stage: (rng.below(3) == 0).then(|| STAGES[rng.below(STAGES.len())].to_string()),
            value,
            properties,
            sequence: None,
        });
    }
    let _ = conversions;
    rows
}

pub fn build(like: &EventLog, conversions: &[String], rows: &[RawEvent], ties: Ties) -> EventLog {
    let names: Vec<&str> = like.properties().iter().map(|p| p.name.as_str()).collect();
    let mut b = EventLogBuilder::new()
        .with_properties(&names)
        .with_ties(ties);
    for r in rows {
        b.push(r).unwrap();
    }
    let conv: Vec<&str> = conversions.iter().map(String::as_str).collect();
    b.build(Some(like.catalog()), &conv)
}
