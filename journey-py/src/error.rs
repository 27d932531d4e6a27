//! journey errors as Python exceptions: `JourneyError(ValueError)` and one subclass per group,
//! each instance carrying `.code` (and `.line` or `.row` (and `.row_group` in a Parquet file),
//! `.column`, `.value` and `.expected`
//! where the error points at a cell of input; `None` otherwise).

use journey_core::Error;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    journey,
    JourneyError,
    PyValueError,
    "Base class of every journey error; `.code` names the kind."
);
create_exception!(
    journey,
    ParseError,
    JourneyError,
    "A row of input could not be read."
);
create_exception!(
    journey,
    MissingColumnError,
    JourneyError,
    "A required column is missing."
);
create_exception!(
    journey,
    ArgumentError,
    JourneyError,
    "An argument is not acceptable."
);
create_exception!(
    journey,
    MapError,
    JourneyError,
    "A journey map document is invalid."
);

/// The one conversion from core errors to Python exceptions.
pub fn to_py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    let err = match &e {
        Error::InvalidValue { .. }
        | Error::InvalidCell { .. }
        | Error::InvalidFileCell { .. }
        | Error::InvalidFile { .. }
        | Error::MalformedRow { .. } => ParseError::new_err(msg),
        Error::MissingColumn { .. } => MissingColumnError::new_err(msg),
        Error::InvalidArgument { .. } | Error::ColumnType { .. } => ArgumentError::new_err(msg),
        Error::InvalidMap(_) => MapError::new_err(msg),
        _ => JourneyError::new_err(msg),
    };
    Python::attach(|py| {
        let v = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice.
        let _ = v.setattr("code", e.code());
        let _ = v.setattr("line", e.line());
        let _ = v.setattr("column", e.column());
        let _ = v.setattr("row", e.row());
        let _ = v.setattr("row_group", e.row_group());
        let _ = v.setattr("value", e.value());
        let _ = v.setattr("expected", e.expected());
    });
    err
}

/// An argument error raised from the binding itself (bad Python types).
pub fn argument(name: &str, message: impl std::fmt::Display) -> PyErr {
    to_py_err(Error::InvalidArgument {
        name: name.to_string(),
        message: message.to_string(),
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("JourneyError", py.get_type::<JourneyError>())?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("MissingColumnError", py.get_type::<MissingColumnError>())?;
    m.add("ArgumentError", py.get_type::<ArgumentError>())?;
    m.add("MapError", py.get_type::<MapError>())?;
    Ok(())
}
