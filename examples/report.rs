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

#[derive(Debug)]
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
    // The reader's i/o errors do not name the file: say which one.
    let named = |p: &PathBuf, e: journey_core::Error| format!("{}: {e}", p.display());
    let log = read_events_path(&a.events, &load).map_err(|e| named(&a.events, e))?;
    let surveys = a
        .surveys
        .as_ref()
        .map(|p| read_surveys_path(p, &load).map_err(|e| named(p, e)))
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
        Some(p) => serde_json::from_str(&std::fs::read_to_string(p)?)
            .map_err(|e| format!("{}: {e}", p.display()))?,
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

#[cfg(test)]
mod tests {
    //! The example run end to end on small temporary files (`cargo test -p journey-examples`).

    use super::*;

    /// A fresh temporary folder for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("journey-report-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|s| s.to_string()))
    }

    /// a: ad, site, purchase (20). b: ad, site. c: site, ad. d: ad, purchase (30).
    const EVENTS: &str = "customer_id,timestamp,touchpoint,channel,stage,value\n\
        a,2026-01-01T10:00:00Z,ad,social,awareness,\na,2026-01-01T10:05:00Z,site,web,consideration,\n\
        a,2026-01-01T10:09:00Z,purchase,web,purchase,20\n\
        b,2026-01-02T10:00:00Z,ad,social,awareness,\nb,2026-01-02T10:03:00Z,site,web,consideration,\n\
        c,2026-01-03T10:00:00Z,site,web,consideration,\nc,2026-01-03T10:01:00Z,ad,social,awareness,\n\
        d,2026-01-04T10:00:00Z,ad,social,awareness,\nd,2026-01-04T10:02:00Z,purchase,web,purchase,30\n";

    #[test]
    fn writes_the_report_of_the_files_it_is_given() {
        let dir = scratch("files");
        let events = dir.join("events.csv");
        let surveys = dir.join("surveys.csv");
        let options = dir.join("options.json");
        let out = dir.join("out.html");
        std::fs::write(&events, EVENTS).unwrap();
        std::fs::write(
            &surveys,
            "customer_id,timestamp,touchpoint,nps\na,2026-01-01T11:00:00Z,purchase,10\n",
        )
        .unwrap();
        std::fs::write(&options, r#"{"title": "Shop <test>", "top_paths": 3}"#).unwrap();
        let a = args(&[
            events.to_str().unwrap(),
            surveys.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--options",
            options.to_str().unwrap(),
        ])
        .unwrap();
        run(a).unwrap();
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        // The options were read (the title, escaped) and the figures are those of the file:
        // 4 customers, 2 orders worth 20 + 30, 2 of 4 buyers.
        assert!(html.contains("<h1>Shop &lt;test&gt;</h1>"), "title");
        assert!(
            html.contains("4 customers made 2 orders worth 50.00 in total; 50.0% of them"),
            "overview"
        );
        assert!(html.contains("1 survey responses"), "surveys read");
        assert!(
            html.contains("The 3 most frequent paths"),
            "top_paths option"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_designed_map_is_shown_and_bad_input_is_a_clear_error() {
        let dir = scratch("map");
        let events = dir.join("events.csv");
        let map = dir.join("map.json");
        let out = dir.join("report.html");
        std::fs::write(&events, EVENTS).unwrap();
        std::fs::write(
            &map,
            r#"{"format": "journey-map/1", "name": "Drawn by hand"}"#,
        )
        .unwrap();
        let e = events.to_str().unwrap();
        let o = out.to_str().unwrap();
        run(args(&[e, "-o", o, "--map", map.to_str().unwrap()]).unwrap()).unwrap();
        assert!(std::fs::read_to_string(&out)
            .unwrap()
            .contains("Drawn by hand"));

        // A missing file, options that are not JSON, a map that does not validate.
        let missing = dir.join("nope.csv");
        let err = run(args(&[missing.to_str().unwrap(), "-o", o]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("nope.csv"), "{err}");
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{not json").unwrap();
        assert!(run(args(&[e, "-o", o, "--options", bad.to_str().unwrap()]).unwrap()).is_err());
        std::fs::write(&bad, r#"{"top_paths": 0}"#).unwrap();
        let err =
            run(args(&[e, "-o", o, "--options", bad.to_str().unwrap()]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("top_paths"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn arguments() {
        let a = args(&["e.csv"]).unwrap();
        assert_eq!(a.out, PathBuf::from("report.html"));
        assert!(a.surveys.is_none() && a.map.is_none() && a.options.is_none());
        assert!(args(&[]).unwrap_err().starts_with("usage:"));
        assert!(args(&["e.csv", "--out"])
            .unwrap_err()
            .contains("--out needs a value"));
        assert!(args(&["e.csv", "--bogus"])
            .unwrap_err()
            .contains("unknown option --bogus"));
        assert!(args(&["a", "b", "c"])
            .unwrap_err()
            .contains("too many files"));
    }
}
