//! Attribution: `PathTable`, and the attribution methods `EventLog` and `PathTable` share
//! (`attribution`, `attribution_table`, `choose_order`, `sequence_removal_effects`).

use std::sync::Arc;

use journey_core::metrics::attribution::{
    read_path_table_csv, AttributionOptions, AttributionResult, AttributionTableOptions,
    ChooseOrderOptions, PathTable, PathTableOptions, SequenceRemovalOptions,
};
use journey_core::model::Tabular;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::to_json;
use crate::error::to_py_err;
use crate::model::{PyEventLog, Source};
use crate::result::{options, PyOutput};
use crate::run::detach;

pub(crate) fn attribution_output(r: AttributionResult) -> PyResult<PyOutput> {
    PyOutput::new("attribution", &r, Some("rows"))?.with_default_chart(&r)
}

/// The Python result of an attribution table (of a log, a path table or a finished partial).
pub(crate) fn attribution_table_output(
    r: journey_core::metrics::attribution::AttributionTable,
) -> PyResult<PyOutput> {
    PyOutput::new("attribution_table", &r, Some("rows"))?.with_default_chart(&r)
}

impl From<PathTable> for PyPathTable {
    fn from(t: PathTable) -> Self {
        PyPathTable { inner: Arc::new(t) }
    }
}

/// The attribution methods of `EventLog` and `PathTable`, written once: each converts the
/// keyword arguments to core's options, runs core's method of the same name off the
/// interpreter, and wraps the result. The attributes given (doc lines) end the docstring of
/// `attribution`: its example.
macro_rules! attribution_methods {
    ($class:ty, { $(#[$example:meta])* }) => {
        #[pymethods]
        impl $class {
            /// Credit for the conversions and their value, by channel or touchpoint, under one
            /// model (`first_touch`, `last_touch`, `linear`, `time_decay`, `position_based`,
            /// `markov`, `shapley`, `data_driven_shapley`). A path table has neither times nor
            /// customers: `time_decay`, `lookback` and `first_conversion_only` need an event
            /// log, and `level` is the table's.
            ///
            $(#[$example])*
            #[pyo3(signature = (**kwargs))]
            fn attribution(
                &self,
                py: Python<'_>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<PyOutput> {
                let opts: AttributionOptions = options("attribution options", kwargs)?;
                let src = self.inner.clone();
                attribution_output(detach(py, move || src.attribution(&opts))?.map_err(to_py_err)?)
            }

            /// Every model side by side, one row per channel (or touchpoint); on a path table,
            /// every model but time decay.
            #[pyo3(signature = (**kwargs))]
            fn attribution_table(
                &self,
                py: Python<'_>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<PyOutput> {
                let opts: AttributionTableOptions = options("attribution_table options", kwargs)?;
                let src = self.inner.clone();
                attribution_table_output(
                    detach(py, move || src.attribution_table(&opts))?.map_err(to_py_err)?,
                )
            }

            /// Fits Markov chains of orders 1 to `max_order` (default 4) to the conversion
            /// paths and scores each by BIC (default) or AIC (`criterion="aic"`); the lowest
            /// score is chosen. Path options as for attribution.
            #[pyo3(signature = (**kwargs))]
            fn choose_order(
                &self,
                py: Python<'_>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<PyOutput> {
                let opts: ChooseOrderOptions = options("choose_order options", kwargs)?;
                let src = self.inner.clone();
                let r = detach(py, move || src.choose_order(&opts))?.map_err(to_py_err)?;
                PyOutput::new("choose_order", &r, Some("orders"))
            }

            /// Removal effects of runs of consecutive channels (`length` 2 by default, or the
            /// `sequences` given as "a>b") in the Markov chain of `order` (default 2), with how
            /// often each occurs. Path options as for attribution.
            #[pyo3(signature = (**kwargs))]
            fn sequence_removal_effects(
                &self,
                py: Python<'_>,
                kwargs: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<PyOutput> {
                let opts: SequenceRemovalOptions =
                    options("sequence_removal_effects options", kwargs)?;
                let src = self.inner.clone();
                let r =
                    detach(py, move || src.sequence_removal_effects(&opts))?.map_err(to_py_err)?;
                PyOutput::new("sequence_removal_effects", &r, Some("rows"))
            }
        }
    };
}

attribution_methods!(PyEventLog, {
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint,channel,value\n"
    /// ...     "a,2026-01-01T00:00:00Z,ad,social,\na,2026-01-02T00:00:00Z,site,web,\n"
    /// ...     "a,2026-01-03T00:00:00Z,purchase,web,40\n"
    /// ...     "b,2026-01-01T00:00:00Z,ad,social,\nb,2026-01-05T00:00:00Z,site,web,\n"
    /// ...     "c,2026-01-02T00:00:00Z,site,web,\n")
    /// >>> r = log.attribution(model="linear")  # a's purchase: one social and one web touch
    /// >>> [(row["channel"], row["conversions"], row["value"]) for row in r.rows]
    /// [('social', 0.5, 20.0), ('web', 0.5, 20.0)]
});

attribution_methods!(PyPathTable, {
    /// >>> import journey
    /// >>> t = journey.PathTable.from_rows([
    /// ...     {"path": "social > web", "total_conversions": 1, "total_conversion_value": 40},
    /// ...     {"path": "web", "total_conversions": 0, "total_null": 1}])
    /// >>> r = t.attribution(model="linear")  # one conversion: one social and one web touch
    /// >>> [(row["channel"], row["conversions"], row["value"]) for row in r.rows]
    /// [('social', 0.5, 20.0), ('web', 0.5, 20.0)]
});

/// Aggregated conversion paths in the ChannelAttribution layout: `path` ("a > b > c"),
/// `total_conversions`, `total_conversion_value`, `total_null`.
#[pyclass(frozen, name = "PathTable", module = "journey")]
#[derive(Debug, Clone)]
pub struct PyPathTable {
    inner: Arc<PathTable>,
}

impl PyPathTable {
    fn output(&self) -> PyResult<PyOutput> {
        PyOutput::new("path_table", &*self.inner, Some("rows"))
    }
}

#[pymethods]
impl PyPathTable {
    /// Reads the table from CSV text.
    #[staticmethod]
    fn from_csv_text(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        read_path_table_csv(crate::convert::text(text, "text")?.as_bytes())
            .map(PyPathTable::from)
            .map_err(to_py_err)
    }

    /// Builds the table from rows: dicts with `path`, `total_conversions` (both required),
    /// and optionally `total_conversion_value`, `total_null` (default 0).
    #[staticmethod]
    fn from_rows(rows: &Bound<'_, PyAny>) -> PyResult<Self> {
        PathTable::from_json_rows(&to_json(rows)?)
            .map(PyPathTable::from)
            .map_err(to_py_err)
    }

    /// The conversion paths of an event log, aggregated (`level`, `lookback`,
    /// `first_conversion_only`, `collapse_repeats`, `exclude` as for attribution).
    #[staticmethod]
    #[pyo3(signature = (log, **kwargs))]
    fn from_log(
        py: Python<'_>,
        log: &PyEventLog,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let opts: PathTableOptions = options("path options", kwargs)?;
        let log = log.inner.clone();
        detach(py, move || PathTable::from_log(&log, &opts.path_options()))?
            .map(PyPathTable::from)
            .map_err(to_py_err)
    }

    /// The rows as dicts.
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let t = self.inner.table().map_err(to_py_err)?;
        crate::convert::table_rows(py, &t)
    }

    /// Number of distinct paths.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// `{"paths": ..., "total_conversions": ..., "rows": [...]}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.output()?.into_pyobject(py)?.call_method0("to_dict")
    }

    /// The rows as a pandas DataFrame (pandas must be installed).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::frames::to_pandas(slf.as_any())
    }

    /// The rows as a polars DataFrame (polars must be installed).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::frames::to_polars(slf.as_any())
    }

    /// The rows as a pyarrow Table (pyarrow must be installed).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        crate::frames::to_pyarrow(slf.as_any())
    }

    /// The rows as an Arrow C stream (the Arrow PyCapsule interface), built from the table's
    /// columns: `path` (text), `total_conversions`, `total_conversion_value`, `total_null`
    /// (numbers).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, pyo3::types::PyCapsule>>,
    ) -> PyResult<Bound<'py, pyo3::types::PyCapsule>> {
        let t = self.inner.clone();
        let batch = detach(py, move || -> journey_core::Result<_> {
            crate::arrow::table_batch(t.table()?)
                .map_err(|e| crate::arrow::data_error(e.to_string()))
        })?
        .map_err(to_py_err)?;
        crate::arrow::stream_capsule(py, batch, requested_schema)
    }

    /// A small table of the rows in notebooks.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        self.output()?
            .into_pyobject(py)?
            .call_method0("_repr_html_")?
            .extract()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner.rows() == other.inner.rows()
    }

    /// Pickling: rebuilt from its rows.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let f = py.get_type::<PyPathTable>().getattr("from_rows")?;
        let args = pyo3::types::PyTuple::new(py, [self.rows(py)?])?;
        pyo3::types::PyTuple::new(py, [f.into_any(), args.into_any()])
    }

    fn __repr__(&self) -> String {
        format!(
            "PathTable(paths={}, conversions={})",
            self.inner.len(),
            self.inner.total_conversions()
        )
    }
}

/// Reads a path table from a CSV path or file-like object.
#[pyfunction]
pub fn read_path_table(source: &Bound<'_, PyAny>) -> PyResult<PyPathTable> {
    let t = match crate::model::source(source)? {
        Source::Path(p) => journey_core::ingest::open(&p)
            .map_err(to_py_err)
            .and_then(|f| read_path_table_csv(f).map_err(to_py_err))?,
        Source::Bytes(b) => read_path_table_csv(&b[..]).map_err(to_py_err)?,
    };
    Ok(PyPathTable { inner: Arc::new(t) })
}
