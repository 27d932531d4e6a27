//! Dataframes in and out: `EventLog.from_arrow` / `from_pandas` / `from_polars`, and the
//! conversions every Arrow-exporting object (event logs, results) shares: `to_arrow()`,
//! `to_pandas()`, `to_polars()`. pandas, polars and pyarrow are imported only when asked for.

use journey_core::ingest::{ColumnRoles, Role};
use pyo3::exceptions::PyImportError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use crate::arrow;
use crate::error::{argument, to_py_err};
use crate::model::{arrow_args, load_arrow, PyEventLog};

fn import<'py>(py: Python<'py>, module: &str, what: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module)
        .map_err(|_| PyImportError::new_err(format!("{what} needs {module}: pip install {module}")))
}

/// `pyarrow.table(obj)` for an object with `__arrow_c_stream__`.
pub fn to_pyarrow<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    import(obj.py(), "pyarrow", "to_arrow()")?.call_method1("table", (obj,))
}

/// A pandas DataFrame from an object with `__arrow_c_stream__`: `DataFrame.from_arrow` (pandas
/// 3) or through pyarrow.
pub fn to_pandas<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let pd = import(py, "pandas", "to_pandas()")?;
    let frame = pd.getattr(intern!(py, "DataFrame"))?;
    if frame.hasattr(intern!(py, "from_arrow"))? {
        return frame.call_method1("from_arrow", (obj,));
    }
    let pa = py.import("pyarrow").map_err(|_| {
        PyImportError::new_err("to_pandas() needs pandas >= 3 or pyarrow: pip install pyarrow")
    })?;
    pa.call_method1("table", (obj,))?.call_method0("to_pandas")
}

/// A polars DataFrame from an object with `__arrow_c_stream__`.
pub fn to_polars<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    import(obj.py(), "polars", "to_polars()")?.call_method1("DataFrame", (obj,))
}

#[pymethods]
impl PyEventLog {
    /// Which column plays which part for a table with these column names and the keyword
    /// arguments of `from_arrow` (core decides, as `from_arrow` does): `{"customer_id":
    /// "user", "timestamp": "ts", ..., "properties": ["plan"]}`, only the parts present.
    /// journey.spark and journey.dask shuffle on the customer column it names.
    #[staticmethod]
    #[pyo3(signature = (columns, **kwargs))]
    fn _column_roles<'py>(
        py: Python<'py>,
        columns: Vec<String>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (names, opts, _) = arrow_args(kwargs)?;
        let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
        let roles = ColumnRoles::resolve(&cols, &names, &opts).map_err(to_py_err)?;
        let out = PyDict::new(py);
        for role in Role::ALL {
            if let Some(i) = roles.get(role) {
                out.set_item(role.column(), &columns[i])?;
            }
        }
        let props: Vec<&str> = roles.properties.iter().map(|(i, _)| cols[*i]).collect();
        out.set_item("properties", props)?;
        Ok(out)
    }

    /// Builds a log from Arrow data without a CSV round trip: anything with the Arrow
    /// PyCapsule interface (a pyarrow Table or RecordBatch, a polars or pandas >= 2.2
    /// DataFrame, a DuckDB result). Columns are read in place where their layout allows.
    ///
    /// Column names default to the canonical ones; map others with `customer=`,
    /// `timestamp=`, `touchpoint=`, `channel=`, `stage=`, `value=` (or `rename=`). Other
    /// columns become properties (all of them, or those listed in `properties=`). Timestamps
    /// may be datetimes of any unit and time zone (without one they are taken as UTC), dates,
    /// integer Unix seconds, or RFC 3339 text. Load options as for `read_events`;
    /// `progress=None|True|False` controls the progress bar.
    ///
    /// >>> import journey
    /// >>> log, _ = journey.synthetic(customers=100, seed=1)
    /// >>> again = journey.EventLog.from_arrow(log)  # an EventLog is Arrow data itself
    /// >>> again.to_csv() == log.to_csv()
    /// True
    /// >>> import pyarrow as pa
    /// >>> t = pa.table({"user": ["a", "a"], "ts": [1, 2], "event": ["ad", "purchase"]})
    /// >>> journey.EventLog.from_arrow(t, customer="user", timestamp="ts", touchpoint="event").n_events
    /// 2
    #[staticmethod]
    #[pyo3(signature = (data, **kwargs))]
    fn from_arrow(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let (names, opts, mode) = arrow_args(kwargs)?;
        let table = arrow::import(data)?;
        load_arrow(py, table, &names, opts, mode)
    }

    /// Builds a log from a pandas DataFrame (through pyarrow, without its index). Arguments as
    /// for `from_arrow`.
    ///
    /// >>> import journey, pandas as pd
    /// >>> df = pd.DataFrame({
    /// ...     "customer_id": ["a", "a", "b"],
    /// ...     "timestamp": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:09", "2026-01-06 08:00"]),
    /// ...     "touchpoint": ["ad", "purchase", "ad"],
    /// ...     "value": [None, 39.9, None],
    /// ... })
    /// >>> log = journey.EventLog.from_pandas(df)
    /// >>> (log.n_events, log.n_customers, log.summary()["revenue"])
    /// (3, 2, 39.9)
    #[staticmethod]
    #[pyo3(signature = (df, **kwargs))]
    fn from_pandas(
        py: Python<'_>,
        df: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let (names, opts, mode) = arrow_args(kwargs)?;
        let pa = import(py, "pyarrow", "from_pandas()")?;
        let kw = PyDict::new(py);
        kw.set_item("preserve_index", false)?;
        let table = pa
            .getattr("Table")?
            .call_method("from_pandas", (df,), Some(&kw))
            .map_err(|e| {
                if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py)
                    && !df.hasattr("columns").unwrap_or(false)
                {
                    return e;
                }
                argument(
                    "data",
                    format!("the DataFrame cannot be read as Arrow: {e}"),
                )
            })?;
        load_arrow(py, arrow::import(&table)?, &names, opts, mode)
    }

    /// Builds a log from a polars DataFrame (or LazyFrame, collected first). Arguments as for
    /// `from_arrow`.
    ///
    /// >>> import journey, polars as pl
    /// >>> df = pl.DataFrame({"user_id": [1, 1], "ts": [1767600000, 1767600060], "touchpoint": ["ad", "site"]})
    /// >>> journey.EventLog.from_polars(df, customer="user_id", timestamp="ts").customers()
    /// ['1']
    #[staticmethod]
    #[pyo3(signature = (df, **kwargs))]
    fn from_polars(
        py: Python<'_>,
        df: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let (names, opts, mode) = arrow_args(kwargs)?;
        let mut df = df.clone();
        if !df.hasattr(intern!(py, "__arrow_c_stream__"))? && df.hasattr("collect")? {
            df = df.call_method0("collect")?;
        }
        if !df.hasattr(intern!(py, "__arrow_c_stream__"))? && df.hasattr("to_arrow")? {
            df = df.call_method0("to_arrow")?;
        }
        // polars exports an all-None column (dtype Null) with a validity buffer that Arrow's C
        // Data import rejects; cast to text, it reads the same (every cell missing).
        if let Ok(pl) = py.import("polars") {
            if df.is_instance(&pl.getattr("DataFrame")?)? {
                let nulls = pl.getattr("col")?.call1((pl.getattr("Null")?,))?;
                let as_text = nulls.call_method1("cast", (pl.getattr("String")?,))?;
                df = df.call_method1("with_columns", (as_text,))?;
            }
        }
        load_arrow(py, arrow::import(&df)?, &names, opts, mode)
    }

    /// The events as an Arrow C stream (the Arrow PyCapsule interface): `pyarrow.table(log)`,
    /// `polars.DataFrame(log)` read it directly.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let log = self.inner.clone();
        let batch = crate::run::detach(py, move || arrow::log_batch(&log))?
            .map_err(|e| to_py_err(arrow::data_error(e.to_string())))?;
        arrow::stream_capsule(py, batch, requested_schema)
    }

    /// The events as a pyarrow Table (pyarrow must be installed): `customer_id`, `timestamp`
    /// (UTC, microseconds), `touchpoint`, `channel`, `stage`, `value`, then the properties;
    /// text columns are dictionary encoded.
    ///
    /// >>> import journey
    /// >>> log, _ = journey.synthetic(customers=10, seed=1)
    /// >>> log.to_arrow().column_names
    /// ['customer_id', 'timestamp', 'touchpoint', 'channel', 'stage', 'value', 'persona']
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pyarrow(slf.as_any())
    }

    /// The events as a pandas DataFrame (text columns categorical, timestamps UTC).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_pandas(slf.as_any())
    }

    /// The events as a polars DataFrame.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        to_polars(slf.as_any())
    }
}
