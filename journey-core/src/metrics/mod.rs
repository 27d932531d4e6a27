//! The metrics. Each submodule is one family, defined in `docs/metrics.md`.
pub mod attribution;
pub mod paths;
pub mod retention;
pub mod survey;
