//! In: any Arrow table (an object with the Arrow PyCapsule interface) -> record batches, read
//! by journey-core.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use journey_core as core;
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use crate::error::to_py_err;

/// An error about the data argument.
pub fn data_error(message: impl Into<String>) -> core::Error {
    core::Error::InvalidArgument {
        name: "data".into(),
        message: message.into(),
    }
}

/// Record batches imported (zero copy) from a Python object.
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// Reads every record batch of an object with the Arrow PyCapsule interface. The buffers stay
/// the producer's: nothing is copied.
pub fn import(data: &Bound<'_, PyAny>) -> PyResult<Table> {
    let py = data.py();
    if !data.hasattr(intern!(py, "__arrow_c_stream__"))?
        && !data.hasattr(intern!(py, "__arrow_c_array__"))?
    {
        let name = data.get_type().name()?;
        let hint = if name == "LazyFrame" {
            " (a polars LazyFrame: collect() it first, or use EventLog.from_polars, which does)"
        } else {
            ""
        };
        return Err(PyTypeError::new_err(format!(
            "expected Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__: a \
             pyarrow Table, a polars or pandas >= 2.2 DataFrame, a DuckDB result), got \
             {name}{hint}"
        )));
    }
    let reader = data.extract::<AnyRecordBatch>()?.into_reader()?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| to_py_err(crate::arrow::data_error(e.to_string())))?;
    Ok(Table { schema, batches })
}
