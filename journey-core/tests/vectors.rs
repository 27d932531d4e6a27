//! Runs the shared test vectors (tests/vectors/**/*.json) against the Rust API.
//! The Python and JavaScript suites run the same files.

use std::path::Path;

use journey_core::metrics::attribution::{
    read_path_table_csv, AttributionOptions, AttributionTableOptions, ChooseOrderOptions,
    SequenceRemovalOptions,
};
use journey_core::metrics::{compare, drivers, funnel, graph, path_stats, sessions};
use journey_core::metrics::{retention, survey};
use journey_core::{
    read_events_csv, read_surveys_csv, time::format_us, Error, EventLog, LoadOptions, Surveys,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Value};

mod common;
use common::files;

fn load_options(case: &Value) -> LoadOptions {
    match case.get("load") {
        Some(l) => LoadOptions::from_json(l).unwrap(),
        None => LoadOptions::default(),
    }
}

fn describe(log: &EventLog) -> Value {
    let mut journeys = serde_json::Map::new();
    for j in log.journeys() {
        let events: Vec<Value> = j
            .range()
            .map(|i| {
                json!([
                    format_us(log.timestamps()[i]),
                    log.touchpoint_name(log.touchpoint_ids()[i]),
                    log.channel_name(log.channel_ids()[i])
                ])
            })
            .collect();
        journeys.insert(j.customer_id().to_string(), Value::Array(events));
    }
    json!({
        "n_events": log.n_events(),
        "n_customers": log.n_customers(),
        "touchpoints": log.touchpoints(),
        "channels": log.channels(),
        "report": log.load_report(),
        "journeys": journeys,
    })
}

fn describe_surveys(s: &Surveys) -> Value {
    json!({
        "n_responses": s.len(),
        "n_customers": s.n_customers(),
        "touchpoints": s.touchpoints(),
        "report": s.load_report(),
    })
}

/// The case's `args` as an options struct; unknown or ill-typed keys are invalid arguments.
fn options<T: DeserializeOwned>(args: &Value) -> Result<T, Error> {
    let args = if args.is_null() {
        json!({})
    } else {
        args.clone()
    };
    serde_json::from_value(args).map_err(|e| Error::InvalidArgument {
        name: "args".into(),
        message: e.to_string(),
    })
}

fn to_json(r: impl Serialize) -> Value {
    serde_json::to_value(r).unwrap()
}

/// Calls the capability named in the case. New capabilities add an arm here.
fn run(case: &Value) -> Result<Value, Error> {
    let opts = load_options(case);
    let log = match case.get("events_csv").and_then(Value::as_str) {
        Some(text) => Some(read_events_csv(text.as_bytes(), &opts)?),
        None => None,
    };
    let surveys = match case.get("surveys_csv").and_then(Value::as_str) {
        Some(text) => Some(read_surveys_csv(text.as_bytes(), &opts)?),
        None => None,
    };
    let path_table = match case.get("path_table_csv").and_then(Value::as_str) {
        Some(text) => Some(read_path_table_csv(text.as_bytes())?),
        None => None,
    };
    let call = case["call"].as_str().unwrap();
    let args = &case["args"];
    let log_ref = || log.as_ref().expect("events_csv");
    Ok(match call {
        "describe" => describe(log.as_ref().unwrap()),
        "funnel" => to_json(funnel::funnel(log_ref(), &options(args)?)?),
        "sessions" => to_json(sessions::sessions(log_ref(), &options(args)?)?),
        "conversion_drivers" => to_json(drivers::conversion_drivers(log_ref(), &options(args)?)?),
        "compare" => to_json(compare::compare(
            log_ref(),
            surveys.as_ref(),
            &options(args)?,
        )?),
        "conversion_paths" => to_json(path_stats::conversion_paths_table(
            log_ref(),
            &options(args)?,
        )?),
        "path_stats" => to_json(path_stats::path_stats(log_ref(), &options(args)?)?),
        "transition_graph" => to_json(graph::transition_graph(log_ref(), &options(args)?)?),
        "describe_surveys" => describe_surveys(surveys.as_ref().unwrap()),
        // `journey.nps(scores)` (taking the scores as the bindings pass them); the survey
        // methods get the log when the case has one.
        "nps" if args.get("scores").is_some() => to_json(survey::nps_scores_json(&args["scores"])?),
        "csat" if args.get("scores").is_some() => {
            to_json(survey::csat_scores_json(&args["scores"])?)
        }
        "ces" if args.get("scores").is_some() => to_json(survey::ces_scores_json(&args["scores"])?),
        "nps" => to_json(survey::nps(
            surveys.as_ref().unwrap(),
            log.as_ref(),
            &options(args)?,
        )?),
        "csat" => to_json(survey::csat(
            surveys.as_ref().unwrap(),
            log.as_ref(),
            &options(args)?,
        )?),
        "ces" => to_json(survey::ces(
            surveys.as_ref().unwrap(),
            log.as_ref(),
            &options(args)?,
        )?),
        "nps_diff" => to_json(survey::nps_diff(
            &survey::nps_diff_arg("a", &args["a"])?,
            &survey::nps_diff_arg("b", &args["b"])?,
        )),
        "retention" => to_json(retention::retention(
            log.as_ref().unwrap(),
            &options(args)?,
        )?),
        "kpis" => to_json(retention::kpis(log.as_ref().unwrap(), &options(args)?)?),
        "attribution" => {
            let opts: AttributionOptions = options(args)?;
            match (&path_table, &log) {
                (Some(t), _) => to_json(t.attribution(&opts)?),
                (None, Some(l)) => to_json(l.attribution(&opts)?),
                (None, None) => panic!("attribution needs events_csv or path_table_csv"),
            }
        }
        "attribution_table" => {
            let opts: AttributionTableOptions = options(args)?;
            match (&path_table, &log) {
                (Some(t), _) => to_json(t.attribution_table(&opts)?),
                (None, Some(l)) => to_json(l.attribution_table(&opts)?),
                (None, None) => panic!("attribution_table needs events_csv or path_table_csv"),
            }
        }
        "open_journeys" => to_json(journey_core::metrics::open_journeys::open_journeys(
            log_ref(),
            &options(args)?,
        )?),
        "choose_order" => {
            let opts: ChooseOrderOptions = options(args)?;
            match (&path_table, &log) {
                (Some(t), _) => to_json(t.choose_order(&opts)?),
                (None, Some(l)) => to_json(l.choose_order(&opts)?),
                (None, None) => panic!("choose_order needs events_csv or path_table_csv"),
            }
        }
        "sequence_removal_effects" => {
            let opts: SequenceRemovalOptions = options(args)?;
            match (&path_table, &log) {
                (Some(t), _) => to_json(t.sequence_removal_effects(&opts)?),
                (None, Some(l)) => to_json(l.sequence_removal_effects(&opts)?),
                (None, None) => {
                    panic!("sequence_removal_effects needs events_csv or path_table_csv")
                }
            }
        }
        other => panic!("unknown call {other}"),
    })
}

/// Every key of `expected` is in `actual` with an equal value (numbers within 1e-9).
fn assert_subset(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let Some(av) = a.get(k) else {
                    panic!("{path}.{k}: missing in {actual}")
                };
                assert_subset(v, av, &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{path}: length differs: {actual}");
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                assert_subset(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            assert!(
                (e - a).abs() <= 1e-9 * e.abs().max(1.0),
                "{path}: expected {e}, got {a}"
            );
        }
        (e, a) => assert_eq!(e, a, "{path}"),
    }
}

#[test]
fn shared_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths.sort();
    assert!(paths.len() >= 10, "vectors not found in {dir:?}");
    for p in paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let name = p.display();
        match (run(&case), case.get("expected_error")) {
            (Ok(actual), None) => assert_subset(&case["expected"], &actual, &name.to_string()),
            (Err(e), Some(exp)) => {
                assert_eq!(e.code(), exp["code"].as_str().unwrap(), "{name}: {e}");
                if let Some(line) = exp.get("line") {
                    assert_eq!(e.line(), line.as_u64(), "{name}: {e}");
                }
                if let Some(col) = exp.get("column") {
                    assert_eq!(e.column(), col.as_str(), "{name}: {e}");
                }
                if let Some(m) = exp.get("message_contains") {
                    assert!(e.to_string().contains(m.as_str().unwrap()), "{name}: {e}");
                }
            }
            (Ok(actual), Some(_)) => panic!("{name}: expected an error, got {actual}"),
            (Err(e), None) => panic!("{name}: unexpected error {e}"),
        }
    }
}
