//! A journey report from your own data.
//!
//! ```sh
//! cargo run --release -p journey-examples --bin report -- events.csv [surveys.csv] [--out report.html]
//!     [--map designed_map.json] [--options options.json]
//! ```
//!
//! `events.csv` (or `.json` / `.jsonl`) is an event log in the format of `docs/formats.md`;
//! `surveys.csv` optional survey responses; `--map` a hand-designed journey map (the
//! `journey-map/1` JSON of `docs/map-format.md`) shown before the map from data; `--options` a
//! JSON object of report options (`docs/rendering.md`). Writes `report.html` (or `--out`) and
//! prints its absolute path.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use journey_core::report::{report, ReportOptions};
use journey_core::{read_events_path, read_surveys_path, JourneyMap, LoadOptions};

const USAGE: &str =
    "usage: report EVENTS [SURVEYS] [--out report.html] [--map map.json] [--options options.json]";

struct Args {
    events: PathBuf,
    surveys: Option<PathBuf>,
    out: PathBuf,
    map: Option<PathBuf>,
    options: Option<PathBuf>,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut files = Vec::new();
    let (mut out, mut map, mut options) = (None, None, None);
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--out" | "-o" => out = Some(value("--out")?),
            "--map" => map = Some(value("--map")?),
            "--options" => options = Some(value("--options")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => files.push(PathBuf::from(a)),
        }
    }
    let mut files = files.into_iter();
    let events = files.next().ok_or_else(|| USAGE.to_string())?;
    let surveys = files.next();
    if files.next().is_some() {
        return Err(format!("too many files\n{USAGE}"));
    }
    Ok(Args {
        events,
        surveys,
        out: out.unwrap_or_else(|| PathBuf::from("report.html")),
        map,
        options,
    })
}

fn run(a: Args) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let load = LoadOptions::default();
    let log = read_events_path(&a.events, &load)?;
    let surveys = a
        .surveys
        .as_ref()
        .map(|p| read_surveys_path(p, &load))
        .transpose()?;
    println!(
        "loaded {} events of {} customers{} in {:.2?}",
        log.n_events(),
        log.n_customers(),
        surveys.as_ref().map_or(String::new(), |s| format!(
            " and {} survey responses",
            s.len()
        )),
        t.elapsed()
    );
    let mut opts: ReportOptions = match &a.options {
        Some(p) => serde_json::from_str(&std::fs::read_to_string(p)?)?,
        None => ReportOptions::default(),
    };
    if let Some(p) = &a.map {
        opts.designed_map = Some(JourneyMap::from_json(&std::fs::read_to_string(p)?)?);
    }
    let t = Instant::now();
    let html = report(&log, surveys.as_ref(), &opts)?;
    let took = t.elapsed();
    std::fs::write(&a.out, html)?;
    let abs = std::fs::canonicalize(&a.out).unwrap_or(a.out);
    println!("report made in {took:.2?}, written to {}", abs.display());
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
