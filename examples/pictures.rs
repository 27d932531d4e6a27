//! The README's pictures of the conversion drivers and the funnel trend, from synthetic data.
//!
//! ```sh
//! cargo run -p journey-examples --bin pictures -- [OUT_DIR]
//! ```
//!
//! Writes `drivers-forest.svg` (the forest plot of the report's "Conversion drivers" section:
//! every touchpoint and the persona against the conversion, significant rows first) and
//! `funnel-trend.svg` (the report's funnel, conversion per week of entry, as of 16 weeks after
//! the first event: the weeks whose 14-day windows are still open then are dashed) to `OUT_DIR` (default `docs/img`), from the synthetic
//! data of 5,000 customers (seed 42), the data of the README's other pictures. The output is
//! deterministic: the same bytes on every run.

use std::path::PathBuf;
use std::process::ExitCode;

use journey_core::metrics::drivers::{conversion_drivers, DriversOptions};
use journey_core::metrics::funnel::FunnelOptions;
use journey_core::metrics::kpis::TimeBound;
use journey_core::metrics::retention::Period;
use journey_core::render::forest::ForestPlot;
use journey_core::render::trend::TrendChart;
use journey_core::report::default_funnel_steps;

/// Rows of the forest plot (the report shows at most 30).
const ROWS: usize = 20;

fn run(out: PathBuf) -> journey_core::Result<()> {
    let (log, _) = journey_core::synthetic(5_000, 42);

    let mut d = conversion_drivers(
        &log,
        &DriversOptions {
            properties: vec!["persona".to_string()],
            ..DriversOptions::default()
        },
    )?;
    // As in the report: the significant rows first (in the result's order), then the others.
    d.rows.sort_by_key(|r| !r.significant);
    d.rows.truncate(ROWS);
    let forest = ForestPlot::from_drivers(&d, "What drives a purchase (5,000 synthetic customers)");

    // The funnel as of 16 weeks after the first event, as a report made then would show it:
    // the last weeks of entry still hold open 14-day windows (dashed).
    let steps = default_funnel_steps(&log);
    let first_s = log.timestamps().iter().min().copied().unwrap_or(0) / 1_000_000;
    let mut fo = FunnelOptions::new(steps.iter().map(String::as_str));
    fo.trend = Some(Period::Week);
    fo.as_of = TimeBound::UnixSeconds(first_s + 16 * 7 * 86_400).into();
    let f = log.funnel(&fo)?;
    let trend = TrendChart::from_funnel(&f, "Funnel conversion by week of entry, 16 weeks in");

    std::fs::create_dir_all(&out)?;
    for (name, svg) in [
        ("drivers-forest.svg", forest.to_svg()?),
        ("funnel-trend.svg", trend.to_svg()?),
    ] {
        let path = out.join(name);
        std::fs::write(&path, svg)?;
        println!("{}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("docs/img"), PathBuf::from);
    match run(out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pictures: {e}");
            ExitCode::FAILURE
        }
    }
}
