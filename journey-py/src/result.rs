//! `journey.Result`: every analysis result. It holds the core result's canonical JSON and
//! presents it as attributes, a dict, a DataFrame (its table of rows) or an HTML table.

use pyo3::exceptions::{PyAttributeError, PyImportError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde::Serialize;
use serde_json::Value;

use crate::convert::to_py;
use crate::error::argument;

/// An analysis result. Fields are attributes (`r.rows`, `r.total_conversions`); `to_dict()`
/// gives the canonical JSON shape; tabular results convert with `to_pandas()` / `to_polars()`.
#[pyclass(frozen, name = "Result", module = "journey")]
#[derive(Debug, Clone)]
pub struct PyOutput {
    kind: String,
    table: Option<String>,
    value: Value,
    /// The result's picture (SVG), for results that have one.
    chart: Option<String>,
}

impl PyOutput {
    /// Wraps a core result; `table` names the field holding its rows, if any.
    pub fn new<T: Serialize>(kind: &str, v: &T, table: Option<&str>) -> PyResult<Self> {
        let value = serde_json::to_value(v).map_err(|e| argument("result", e))?;
        Ok(PyOutput {
            kind: kind.to_string(),
            table: table.map(str::to_string),
            value,
            chart: None,
        })
    }

    /// Attaches the result's picture (drawn by a journey-core chart adapter).
    pub fn with_chart(mut self, svg: journey_core::Result<String>) -> PyResult<Self> {
        self.chart = Some(svg.map_err(crate::error::to_py_err)?);
        Ok(self)
    }

    fn rows(&self) -> Option<&Vec<Value>> {
        self.table
            .as_deref()
            .and_then(|t| self.value.get(t))
            .and_then(Value::as_array)
    }
}

#[pymethods]
impl PyOutput {
    /// What this is a result of (`"attribution"`, `"funnel"`, ...).
    #[getter]
    fn kind(&self) -> &str {
        &self.kind
    }

    /// The canonical JSON shape as Python objects (rates of 0/0 are None).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.value)
    }

    /// The canonical JSON text.
    fn to_json(&self) -> String {
        self.value.to_string()
    }

    /// The table of rows as a list of dicts (empty for results without one).
    fn to_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &Value::Array(self.rows().cloned().unwrap_or_default()))
    }

    /// The table of rows as a pandas DataFrame (pandas must be installed).
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pd = py
            .import("pandas")
            .map_err(|_| PyImportError::new_err("to_pandas() needs pandas: pip install pandas"))?;
        pd.call_method1("DataFrame", (self.to_records(py)?,))
    }

    /// The table of rows as a polars DataFrame (polars must be installed).
    fn to_polars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pl = py
            .import("polars")
            .map_err(|_| PyImportError::new_err("to_polars() needs polars: pip install polars"))?;
        pl.call_method1("DataFrame", (self.to_records(py)?,))
    }

    /// The field names.
    fn keys(&self) -> Vec<String> {
        self.value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.value.get(key) {
            Some(v) => to_py(py, v),
            None => Err(PyKeyError::new_err(key.to_string())),
        }
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.value.get(name) {
            Some(v) => to_py(py, v),
            None => Err(PyAttributeError::new_err(format!(
                "{} result has no field {name:?}",
                self.kind
            ))),
        }
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.kind == other.kind && self.value == other.value
    }

    fn __repr__(&self) -> String {
        let n = self
            .rows()
            .map(|r| format!(", rows={}", r.len()))
            .unwrap_or_default();
        format!("Result(kind={:?}{n}, fields={:?})", self.kind, self.keys())
    }

    /// The result's picture (funnel, cohort heatmap, attribution bars, scores with intervals),
    /// or None for results without one. Shown inline in Jupyter.
    fn chart(&self) -> Option<crate::report::PyChart> {
        self.chart.clone().map(crate::report::PyChart::new)
    }

    /// For notebooks: the picture, if any, above a small HTML table.
    fn _repr_html_(&self) -> String {
        let table = journey_core::render::table::result_html(
            &self.kind,
            &self.value,
            self.table.as_deref(),
        );
        match &self.chart {
            Some(svg) => format!("<div>{svg}</div>\n{table}"),
            None => table,
        }
    }

    /// Pickling support: rebuilt from its JSON.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py
            .import("journey._journey")?
            .getattr("_result_from_json")?;
        let args = PyTuple::new(
            py,
            [
                self.kind.clone(),
                self.table.clone().unwrap_or_default(),
                self.to_json(),
                self.chart.clone().unwrap_or_default(),
            ],
        )?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }
}

/// Rebuilds a pickled result.
#[pyfunction]
#[pyo3(signature = (kind, table, json, chart=""))]
pub fn _result_from_json(kind: &str, table: &str, json: &str, chart: &str) -> PyResult<PyOutput> {
    let value: Value = serde_json::from_str(json).map_err(|e| argument("json", e))?;
    Ok(PyOutput {
        kind: kind.to_string(),
        table: (!table.is_empty()).then(|| table.to_string()),
        value,
        chart: (!chart.is_empty()).then(|| chart.to_string()),
    })
}

/// Keyword arguments as a core options struct (unknown or ill-typed arguments are
/// `ArgumentError`s naming them).
pub fn options<T: serde::de::DeserializeOwned>(
    what: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    journey_core::args::from_json(what, &crate::convert::kwargs_json(kwargs)?)
        .map_err(crate::error::to_py_err)
}
