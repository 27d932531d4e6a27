//! journey errors as Python exceptions: `JourneyError(ValueError)` and one subclass per group,
//! each instance carrying `.code` (and `.line` or `.row` (and `.row_group` in a Parquet file),
//! `.column`, `.value` and `.expected`
//! where the error points at a cell of input; `None` otherwise).

use journey_core::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

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

/// `journey.FileError(JourneyError, OSError)`: an input that cannot be read (a missing file,
/// a read that fails) is an `OSError` as Python code expects, and still a `JourneyError` with
/// `.code == "io"`. Made with `type()` at import, as an exception class with two bases.
static FILE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn file_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    FILE_ERROR
        .get_or_try_init(py, || {
            let body = PyDict::new(py);
            body.set_item("__module__", "journey")?;
            body.set_item(
                "__doc__",
                "An input could not be read (an OSError, and a JourneyError with code \"io\").",
            )?;
            let bases = (py.get_type::<JourneyError>(), py.get_type::<PyOSError>());
            let ty = py
                .get_type::<PyType>()
                .call1(("FileError", bases, body))?
                .cast_into::<PyType>()?;
            Ok(ty.unbind())
        })
        .map(|t| t.bind(py))
}

/// The one conversion from core errors to Python exceptions.
pub fn to_py_err(e: Error) -> PyErr {
    let msg = e.to_string();
    if let Error::Io(io) = &e {
        let kind = io.kind();
        return Python::attach(|py| {
            let err = match file_error(py).and_then(|t| t.call1((msg.clone(),))) {
                Ok(v) => PyErr::from_value(v),
                Err(err) => err,
            };
            let v = err.value(py);
            let _ = v.setattr("code", e.code());
            // The errno of the kind, so `except FileNotFoundError`-style checks on `.errno` work.
            let errno = match kind {
                std::io::ErrorKind::NotFound => Some(2),
                std::io::ErrorKind::PermissionDenied => Some(13),
                _ => None,
            };
            let _ = v.setattr("errno", errno);
            for k in ["line", "column", "row", "value", "expected"] {
                let _ = v.setattr(k, py.None());
            }
            err
        });
    }
    let err = match &e {
        Error::InvalidValue { .. }
        | Error::InvalidCell { .. }
        | Error::InvalidFileCell { .. }
        | Error::InvalidFile { .. }
        | Error::MalformedRow { .. } => ParseError::new_err(msg),
        Error::MissingColumn { .. } => MissingColumnError::new_err(msg),
        Error::InvalidArgument { .. }
        | Error::ColumnType { .. }
        | Error::DuplicateColumn { .. } => ArgumentError::new_err(msg),
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
    m.add("FileError", file_error(py)?)?;
    Ok(())
}
