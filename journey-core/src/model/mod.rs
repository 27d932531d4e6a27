//! The typed model: personas, stages, channels, touchpoints, the journey map, and the columnar
//! event log and survey table that the metrics read.

mod append;
mod binary;
mod interner;
mod load;
mod log;
mod map;
mod pending;
mod persona;
mod stage;
mod survey;
pub mod table;
mod touchpoint;

pub use append::AppendReport;
pub(crate) use append::NameMoves;
pub use interner::Interner;
pub(crate) use interner::{same, LocalInterner};
pub use load::{LoadReport, Ties};
pub(crate) use log::{check_property_name, value_ok, NO_SEQ, VALUE_EXPECTED};
pub use log::{
    EventLog, EventLogBuilder, EventRecord, Journey, LogSummary, PropertyColumn, RawEvent,
    EVENT_COLUMNS, MAX_ABS_VALUE, NO_ID, NO_STAGE,
};
pub use map::{JourneyMap, Step, MAP_FORMAT};
pub(crate) use pending::PendingRows;
pub use persona::Persona;
pub use stage::{Stage, DEFAULT_STAGES};
pub(crate) use survey::{check_score, survey_expected, SurveyPiece, SURVEY_COLUMNS};
pub use survey::{RawResponse, Surveys, SurveysBuilder, NO_SCORE};
pub use table::{Column, Table, Tabular};
pub use touchpoint::{Catalog, CatalogEntry, Channel, Kind, Touchpoint};
