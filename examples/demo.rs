//! The main demo: synthetic omnichannel data -> a journey report.
//!
//! `cargo run --release -p journey-examples --bin demo [-- --customers N --seed S --out DIR]`
//!
//! Writes `events.csv`, `surveys.csv`, the journey map from data (`map.json`, `map.svg`) and
//! the report (`report.html`) under `DIR` (default `out/`), and prints where.

use std::path::PathBuf;
use std::time::Instant;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    run(&args)
}

/// The demo with these command-line arguments (the program name first).
fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let customers: usize = arg(args, "--customers", 20_000);
    let seed: u64 = arg(args, "--seed", 42);
    let out: PathBuf = arg(args, "--out", PathBuf::from("out"));
    std::fs::create_dir_all(&out)?;

    let t = Instant::now();
    let (log, surveys) = journey_core::synthetic(customers, seed);
    let events_csv = out.join("events.csv");
    let surveys_csv = out.join("surveys.csv");
    log.write_csv(std::io::BufWriter::new(std::fs::File::create(&events_csv)?))?;
    surveys.write_csv(std::io::BufWriter::new(std::fs::File::create(
        &surveys_csv,
    )?))?;
    println!(
        "generated {} events of {} customers and {} survey responses in {:.2?}",
        log.n_events(),
        log.n_customers(),
        surveys.len(),
        t.elapsed()
    );

    // Load them back as a user would.
    let t = Instant::now();
    let opts = journey_core::LoadOptions::default();
    let log = journey_core::read_events_path(&events_csv, &opts)?;
    let surveys = journey_core::read_surveys_path(&surveys_csv, &opts)?;
    println!(
        "loaded {} and {} in {:.2?}",
        events_csv.display(),
        surveys_csv.display(),
        t.elapsed()
    );

    let s = log.summary();
    println!();
    println!("journey summary");
    println!("  customers            {}", s.n_customers);
    println!("  events               {}", s.n_events);
    println!(
        "  touchpoints          {} ({} channels)",
        s.n_touchpoints, s.n_channels
    );
    println!(
        "  conversions          {} by {} customers",
        s.n_conversions, s.n_converting_customers
    );
    println!(
        "  conversion rate      {:.2}%",
        100.0 * s.n_converting_customers as f64 / s.n_customers.max(1) as f64
    );
    println!("  revenue              {:.2}", s.revenue);
    println!(
        "  period               {} .. {}",
        s.first_event.as_deref().unwrap_or("-"),
        s.last_event.as_deref().unwrap_or("-")
    );
    println!("  survey responses     {}", surveys.len());

    let t = Instant::now();
    // The demo report also shows the conversion drivers and the weekly funnel trend.
    let opts = journey_core::report::ReportOptions {
        drivers: true,
        funnel_trend: Some(journey_core::metrics::retention::Period::Week),
        ..Default::default()
    };
    let html = journey_core::report::report(&log, Some(&surveys), &opts)?;
    let took = t.elapsed();
    let map = journey_core::JourneyMap::from_data(&log, Some(&surveys), &opts.map)?;
    let svg = map.to_svg(&Default::default())?;
    let report_path = out.join("report.html");
    std::fs::write(&report_path, html)?;
    std::fs::write(out.join("map.svg"), svg)?;
    std::fs::write(out.join("map.json"), map.to_json()?)?;
    println!();
    println!("report made in {took:.2?}");
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    println!(
        "  journey map          {}",
        abs(&out.join("map.svg")).display()
    );
    println!("  report               {}", abs(&report_path).display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_data_the_map_and_the_report() {
        let dir = std::env::temp_dir().join(format!("journey-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let args: Vec<String> = ["demo", "--customers", "300", "--seed", "7", "--out"]
            .iter()
            .map(|s| s.to_string())
            .chain([dir.display().to_string()])
            .collect();
        run(&args).unwrap();
        // The written events are the synthetic log: 300 customers.
        let log =
            journey_core::read_events_path(dir.join("events.csv"), &Default::default()).unwrap();
        assert_eq!(log.n_customers(), 300);
        let map = journey_core::JourneyMap::from_json(
            &std::fs::read_to_string(dir.join("map.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(map.personas[0].name, "All customers");
        assert!(std::fs::read_to_string(dir.join("map.svg"))
            .unwrap()
            .starts_with("<svg"));
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            html.contains("300 customers"),
            "the report is of the written data"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
