//! Arrow in and out through the Arrow PyCapsule interface (`__arrow_c_stream__` /
//! `__arrow_c_array__`), so that pandas, polars, pyarrow and DuckDB frames cross without a CSV
//! round trip. pyo3-arrow does the C data interface; journey-core reads the record batches
//! (`journey_core::ingest::map_columns`, `EventLog::from_record_batches`), and this module
//! turns results back into record batches.

mod export;
mod import;

pub use export::*;
pub use import::*;
