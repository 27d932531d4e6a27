//! `journey.Result`: every analysis result. It holds the core result's canonical JSON and
//! presents it as attributes, a dict, a DataFrame (its table of rows) or an HTML table.

use journey_core::render::{DefaultChart, Svg};
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use journey_core::model::Tabular;
use pyo3::exceptions::{PyAttributeError, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use serde::Serialize;
use serde_json::Value;

use crate::convert::to_py;
use crate::error::argument;

/// An analysis result. Fields are attributes (`r.rows`, `r.total_conversions`); `to_dict()`
/// gives the canonical JSON shape; the table of rows converts with `to_pandas()`,
/// `to_polars()`, `to_arrow()` (and the Arrow PyCapsule interface: `pyarrow.table(r)`,
/// `polars.DataFrame(r)`). Notebooks show a small table, and the result's chart if it has one.
///
/// >>> import journey
/// >>> log, _ = journey.synthetic(customers=500, seed=3)
/// >>> r = log.attribution(model="linear")
/// >>> r.kind, r.model
/// ('attribution', 'linear')
/// >>> round(sum(row["conversions"] for row in r.rows), 6) == r.total_conversions
/// True
/// >>> r.to_pandas().columns[0]
/// 'channel'
#[pyclass(frozen, name = "Result", module = "journey")]
#[derive(Debug, Clone)]
pub struct PyOutput {
    kind: String,
    table: Option<String>,
    /// The table of rows when it is not a field of the value (survey breakdowns: the groups and
    /// the overall row).
    rows: Option<Vec<Value>>,
    /// The canonical JSON, built when first asked for when the result has a `source`.
    value: OnceLock<Value>,
    /// The core result, for results with many rows: its table leaves as typed columns (Arrow,
    /// rows of dicts) without the JSON value.
    source: Option<Arc<dyn Source>>,
    /// The result's picture (SVG), for results that have one: drawn when first asked for.
    chart: Option<Chart>,
}

type Draw = dyn Fn() -> journey_core::Result<String> + Send + Sync;

/// A picture drawn on first use (a result's numbers can be far larger than what its picture
/// needs, and most results are never drawn), then kept.
#[derive(Clone)]
pub struct Chart {
    draw: Option<std::sync::Arc<Draw>>,
    svg: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl std::fmt::Debug for Chart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart")
            .field("drawn", &self.svg.get().is_some())
            .finish()
    }
}

impl Chart {
    /// A picture already drawn (an unpickled result).
    fn ready(svg: String) -> Self {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(svg);
        Chart {
            draw: None,
            svg: std::sync::Arc::new(cell),
        }
    }

    /// The SVG, drawn now if it was not yet.
    fn svg(&self) -> PyResult<String> {
        if let Some(s) = self.svg.get() {
            return Ok(s.clone());
        }
        let draw = self
            .draw
            .as_ref()
            .expect("a chart either drawn or drawable");
        let s = draw().map_err(crate::error::to_py_err)?;
        Ok(self.svg.get_or_init(|| s).clone())
    }
}

/// A core result with a table of rows: its JSON shape, and its table as columns.
pub trait Source: Tabular {
    /// The canonical JSON shape.
    fn json(&self) -> Value;
}

impl<T: Serialize + Tabular> Source for T {
    fn json(&self) -> Value {
        // Results are plain data: serialising them to a JSON value cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl PyOutput {
    /// Wraps a core result; `table` names the field holding its rows, if any.
    pub fn new<T: Serialize>(kind: &str, v: &T, table: Option<&str>) -> PyResult<Self> {
        let value = serde_json::to_value(v).map_err(|e| argument("result", e))?;
        Ok(PyOutput {
            kind: kind.to_string(),
            table: table.map(str::to_string),
            rows: None,
            value: OnceLock::from(value),
            source: None,
            chart: None,
        })
    }

    /// Wraps a core result with many rows: `table` names the field its [`Tabular::table`]
    /// holds. Its frames and rows are built from the columns; its JSON only when asked for.
    pub fn with_source<T: Serialize + Tabular + Send + Sync + 'static>(
        kind: &str,
        r: Arc<T>,
        table: &str,
    ) -> Self {
        PyOutput {
            kind: kind.to_string(),
            table: Some(table.to_string()),
            rows: None,
            value: OnceLock::new(),
            source: Some(r),
            chart: None,
        }
    }

    /// Sets the table of rows (`to_pandas()`, `to_records()`, ...) to `rows` instead of the field
    /// named by `table` (which the HTML view keeps showing next to the scalar fields).
    pub fn with_table<T: Serialize>(mut self, rows: &[T]) -> PyResult<Self> {
        let rows = rows
            .iter()
            .map(|r| serde_json::to_value(r).map_err(|e| argument("result", e)))
            .collect::<PyResult<Vec<_>>>()?;
        self.rows = Some(rows);
        Ok(self)
    }

    /// The canonical JSON of the result.
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| match &self.source {
            Some(s) => s.json(),
            None => Value::Null,
        })
    }

    /// Attaches the result's picture, drawn by `draw` (a journey-core chart adapter) when it
    /// is first asked for.
    pub fn with_chart(
        mut self,
        draw: impl Fn() -> journey_core::Result<String> + Send + Sync + 'static,
    ) -> PyResult<Self> {
        self.chart = Some(Chart {
            draw: Some(std::sync::Arc::new(draw)),
            svg: Default::default(),
        });
        Ok(self)
    }

    /// Attaches the result's default picture (journey-core's `DefaultChart`: the chart and
    /// title the report and JS use too), if it has one; drawn when first asked for.
    pub fn with_default_chart<R: DefaultChart>(self, r: &R) -> PyResult<Self>
    where
        R::Chart: Send + Sync + 'static,
    {
        match r.default_chart() {
            Some(chart) => self.with_chart(move || chart.to_svg()),
            None => Ok(self),
        }
    }

    /// The picture, drawn if needed (`None`: the result has none).
    fn chart_svg(&self) -> PyResult<Option<String>> {
        self.chart.as_ref().map(Chart::svg).transpose()
    }

    fn rows(&self) -> Option<&Vec<Value>> {
        if let Some(rows) = &self.rows {
            return Some(rows);
        }
        self.table
            .as_deref()
            .and_then(|t| self.value().get(t))
            .and_then(Value::as_array)
    }

    /// The rows of the table; a result without one is one row of its fields.
    fn table_rows(&self) -> Vec<Value> {
        match self.rows() {
            Some(rows) => rows.clone(),
            None if self.table.is_some() => Vec::new(),
            None => vec![self.value().clone()],
        }
    }

    /// The table as a record batch: from the source's columns, else from the JSON rows.
    fn batch(&self) -> journey_core::Result<RecordBatch> {
        let error = |e: arrow_schema::ArrowError| crate::arrow::data_error(e.to_string());
        match (&self.source, &self.rows) {
            (Some(s), None) => crate::arrow::table_batch(s.table()?).map_err(error),
            _ => crate::arrow::json_batch(&self.table_rows()).map_err(error),
        }
    }

    /// A field that is one of the source's tables, as dicts built from its typed columns (the
    /// same objects as from its JSON, which is then not built); `None` for other fields.
    fn typed_rows<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(s) = &self.source else {
            return Ok(None);
        };
        if self.rows.is_some() {
            return Ok(None);
        }
        let t = if Some(name) == self.table.as_deref() {
            s.table().map_err(crate::error::to_py_err)?
        } else {
            match s.table_named(name).map_err(crate::error::to_py_err)? {
                Some(t) => t,
                None => return Ok(None),
            }
        };
        Ok(Some(crate::convert::table_rows(py, &t)?.into_any()))
    }

    /// Whether `table` (an argument of `to_polars()`...) names another table than the
    /// result's own table of rows.
    fn other<'t>(&self, table: Option<&'t str>) -> Option<&'t str> {
        table.filter(|t| Some(*t) != self.table.as_deref())
    }

    /// The source's other table `name` as typed columns (`None`: the result has no source, or
    /// its source no such table).
    fn source_table(&self, name: &str) -> PyResult<Option<journey_core::model::Table<'_>>> {
        match &self.source {
            Some(s) => s.table_named(name).map_err(crate::error::to_py_err),
            None => Ok(None),
        }
    }

    /// The field `name` of the JSON shape when it is a list of rows (objects).
    fn json_table(&self, name: &str) -> Option<&Vec<Value>> {
        self.value()
            .get(name)
            .and_then(Value::as_array)
            .filter(|rows| rows.iter().all(Value::is_object))
    }

    /// The error for a table the result does not have, naming those it has.
    fn no_table(&self, name: &str) -> PyErr {
        let mut names: Vec<String> = self.table.iter().cloned().collect();
        if let Some(o) = self.value().as_object() {
            for (k, v) in o {
                let rows = v.as_array().filter(|r| r.iter().all(Value::is_object));
                if rows.is_some() && !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        argument(
            "table",
            format!(
                "a {} result has no table {name:?}; its tables: {}",
                self.kind,
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        )
    }

    /// The other table `name` as Arrow data (typed columns where the core has them, else its
    /// JSON rows), for `to_polars(table=...)` and the like.
    fn other_rows(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyRows>> {
        let error = |e: arrow_schema::ArrowError| {
            crate::error::to_py_err(crate::arrow::data_error(e.to_string()))
        };
        let batch = match self.source_table(name)? {
            Some(t) => crate::arrow::table_batch(t).map_err(error)?,
            None => match self.json_table(name) {
                Some(rows) => crate::arrow::json_batch(rows).map_err(error)?,
                None => return Err(self.no_table(name)),
            },
        };
        Py::new(py, PyRows { batch })
    }

    /// The frame of `table` (`None`: the result's own table) made by `convert` (a frames
    /// function taking Arrow data).
    fn frame<'py>(
        slf: &Bound<'py, Self>,
        table: Option<&str>,
        convert: fn(&Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match slf.get().other(table) {
            None => convert(slf.as_any()),
            Some(name) => convert(
                slf.get()
                    .other_rows(slf.py(), name)?
                    .bind(slf.py())
                    .as_any(),
            ),
        }
    }
}

/// One table of a result's rows as Arrow data (the Arrow PyCapsule interface): what
/// `Result.to_polars(table=...)` and the like convert.
#[pyclass(frozen, name = "_Rows", module = "journey._journey")]
pub struct PyRows {
    batch: RecordBatch,
}

#[pymethods]
impl PyRows {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        crate::arrow::stream_capsule(py, self.batch.clone(), requested_schema)
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
        to_py(py, self.value())
    }

    /// The canonical JSON text.
    fn to_json(&self) -> String {
        self.value().to_string()
    }

    /// The table of rows as a list of dicts (a result without a table: one row of its fields);
    /// `table=` names another of its tables (a field holding a list of rows, e.g. the
    /// `variants` of path statistics, the `customers` of sessions).
    #[pyo3(signature = (table=None))]
    fn to_records<'py>(&self, py: Python<'py>, table: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(name) = self.other(table) {
            if let Some(t) = self.source_table(name)? {
                return Ok(crate::convert::table_rows(py, &t)?.into_any());
            }
            return match self.json_table(name) {
                Some(rows) => to_py(py, &Value::Array(rows.clone())),
                None => Err(self.no_table(name)),
            };
        }
        if let (Some(s), None) = (&self.source, &self.rows) {
            let t = s.table().map_err(crate::error::to_py_err)?;
            return Ok(crate::convert::table_rows(py, &t)?.into_any());
        }
        to_py(py, &Value::Array(self.table_rows()))
    }

    /// The table of rows as an Arrow C stream (the Arrow PyCapsule interface). Columns are
    /// typed from the values: integers, floats, text, booleans, lists of them; other nested
    /// values as JSON text. Null rates stay null.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let batch = self.batch().map_err(crate::error::to_py_err)?;
        crate::arrow::stream_capsule(py, batch, requested_schema)
    }

    /// The table of rows as a pyarrow Table (pyarrow must be installed); `table=` names
    /// another of the result's tables, as for `to_records`.
    #[pyo3(signature = (table=None))]
    fn to_arrow<'py>(slf: &Bound<'py, Self>, table: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        Self::frame(slf, table, crate::frames::to_pyarrow)
    }

    /// The table of rows as a pandas DataFrame (pandas must be installed; null rates become
    /// NaN / None); `table=` names another of the result's tables, as for `to_records`.
    #[pyo3(signature = (table=None))]
    fn to_pandas<'py>(slf: &Bound<'py, Self>, table: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        Self::frame(slf, table, crate::frames::to_pandas)
    }

    /// The table of rows as a polars DataFrame (polars must be installed); `table=` names
    /// another of the result's tables, as for `to_records`.
    #[pyo3(signature = (table=None))]
    fn to_polars<'py>(slf: &Bound<'py, Self>, table: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        Self::frame(slf, table, crate::frames::to_polars)
    }

    /// The result's chart as an SVG document; ValueError for results without one.
    fn to_svg(&self) -> PyResult<String> {
        self.chart_svg()?
            .ok_or_else(|| PyValueError::new_err(format!("a {} result has no chart", self.kind)))
    }

    /// The chart in notebooks (None: no chart).
    fn _repr_svg_(&self) -> PyResult<Option<String>> {
        self.chart_svg()
    }

    /// The field names.
    fn keys(&self) -> Vec<String> {
        self.value()
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(rows) = self.typed_rows(py, key)? {
            return Ok(rows);
        }
        match self.value().get(key) {
            Some(v) => to_py(py, v),
            None => Err(PyKeyError::new_err(key.to_string())),
        }
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(rows) = self.typed_rows(py, name)? {
            return Ok(rows);
        }
        match self.value().get(name) {
            Some(v) => to_py(py, v),
            None => Err(PyAttributeError::new_err(format!(
                "{} result has no field {name:?}",
                self.kind
            ))),
        }
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.kind == other.kind && self.value() == other.value()
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
    fn chart(&self) -> PyResult<Option<crate::report::PyChart>> {
        Ok(self.chart_svg()?.map(crate::report::PyChart::new))
    }

    /// For notebooks: the picture, if any, above a small HTML table.
    fn _repr_html_(&self) -> PyResult<String> {
        let table = journey_core::render::table::result_html(
            &self.kind,
            self.value(),
            self.table.as_deref(),
        );
        Ok(match self.chart_svg()? {
            Some(svg) => format!("<div>{svg}</div>\n{table}"),
            None => table,
        })
    }

    /// Pickling support: rebuilt from its JSON.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py
            .import("journey._journey")?
            .getattr("_result_from_json")?;
        let rows = self
            .rows
            .as_ref()
            .map(|r| Value::Array(r.clone()).to_string())
            .unwrap_or_default();
        let args = PyTuple::new(
            py,
            [
                self.kind.clone(),
                self.table.clone().unwrap_or_default(),
                self.to_json(),
                self.chart_svg()?.unwrap_or_default(),
                rows,
            ],
        )?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }
}

/// Rebuilds a pickled result.
#[pyfunction]
#[pyo3(signature = (kind, table, json, chart="", rows=""))]
pub fn _result_from_json(
    kind: &str,
    table: &str,
    json: &str,
    chart: &str,
    rows: &str,
) -> PyResult<PyOutput> {
    let value: Value = serde_json::from_str(json).map_err(|e| argument("json", e))?;
    let rows = if rows.is_empty() {
        None
    } else {
        match serde_json::from_str(rows).map_err(|e| argument("rows", e))? {
            Value::Array(r) => Some(r),
            _ => return Err(argument("rows", "expected a JSON list")),
        }
    };
    Ok(PyOutput {
        kind: kind.to_string(),
        table: (!table.is_empty()).then(|| table.to_string()),
        rows,
        value: OnceLock::from(value),
        source: None,
        chart: (!chart.is_empty()).then(|| Chart::ready(chart.to_string())),
    })
}

/// Kept here too, where the analysis files have always found it.
pub use crate::convert::options;
