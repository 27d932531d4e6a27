//! WebAssembly bindings of journey. Thin by design: convert arguments, call journey-core,
//! convert results, map errors. Compiled only for wasm targets, so `cargo test --workspace` on
//! the host skips it.
#![cfg(target_family = "wasm")]

mod attribution;
mod compare;
mod convert;
mod ingest;
mod journeys;
mod kpis;
mod live;
mod model;
mod open_journeys;
mod partial;
mod render;
mod report;
mod retention;
mod survey;

pub use attribution::PathTable;
pub use journeys::TransitionGraph;
pub use model::{synthetic, EventLog, JourneyMap, Surveys};
pub use partial::{merge_partials, Context, Partial};
pub use render::{
    attribution_bars, attribution_table_bars, ces_intervals, csat_intervals, drivers_forest_plot,
    forest_plot_svg, funnel_chart, funnel_chart_svg, grouped_bars_svg, heatmap_svg, html_page,
    interval_chart_svg, nps_intervals, paths_sankey, retention_heatmap, sankey_svg,
};
pub use render::{change_table_svg, compare_table, funnel_trend_chart, trend_chart_svg};
pub use report::report;
pub use survey::{ces, csat, nps, nps_diff};
