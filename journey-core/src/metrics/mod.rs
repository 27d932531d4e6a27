//! The metrics. Each submodule is one family, defined in `docs/metrics.md`.
pub mod attribution;
pub mod backtest;
pub mod compare;
pub mod distribution;
pub mod drivers;
pub mod exact_sum;
#[cfg(test)]
pub(crate) mod fixtures;
pub(crate) mod fold;
pub mod funnel;
mod funnel_optional;
pub mod graph;
pub mod kpis;
pub mod open_journeys;
pub mod path_stats;
pub mod paths;
pub mod retention;
pub mod sessions;
pub mod significance;
pub mod survey;
mod tables;
