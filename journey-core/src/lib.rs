#![doc = include_str!("../../README.md")]
//!
//! # Crate layout
//!
//! - [`model`]: personas, stages, touchpoints, the [`JourneyMap`], the columnar [`EventLog`]
//!   and [`Surveys`].
//! - [`ingest`]: CSV and JSON readers with line-accurate errors, and writers.
//! - [`metrics`]: survey scores, funnels, retention, paths, the transition graph, attribution.
//! - [`render`]: SVG and text renderings.
//! - [`report`]: the journey map filled from data and the HTML report.
//! - [`partial`]: every analysis as a mergeable partial result, for many machines.
//! - [`synthetic()`]: deterministic synthetic data for demos, tests and benchmarks.
//!
//! # Features
//!
//! - `parallel` (default): use all cores (rayon) for loading and heavy metrics. Turn it off for
//!   WebAssembly.

pub mod args;
pub mod error;
pub mod ingest;
pub mod metrics;
pub mod model;
pub mod partial;
pub mod render;
pub mod report;
mod rng;
pub mod synthetic;
pub mod time;

pub use error::{Error, Result};
pub use ingest::{
    read_events_csv, read_events_csv_bytes, read_events_json, read_events_path, read_surveys_csv,
    read_surveys_json, read_surveys_path, CsvWriteOptions, LoadOptions, LoadReport, Mode, Ties,
};
pub use model::AppendReport;
pub use model::{
    Catalog, Channel, EventLog, EventLogBuilder, Journey, JourneyMap, Kind, Persona, RawEvent,
    RawResponse, Stage, Step, Surveys, SurveysBuilder, Touchpoint,
};
pub use partial::{Analysis, Context, Finished, LiveAnalysis, Partial};
pub use synthetic::synthetic;
