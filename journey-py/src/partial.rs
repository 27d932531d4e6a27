//! Partial results: `log.partial(...)`, `journey.Partial`, `journey.Context`,
//! `journey.merge_partials` (see docs/distributed.md).

use journey_core::error::{name_customer, Pointer};
use journey_core::partial::{Analysis, Context, Finished, Partial};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::attribution::{attribution_output, attribution_table_output, PyPathTable};
use crate::convert::{kwargs_json, to_json, to_py};
use crate::error::{argument, to_py_err};
use crate::journeys::{drivers_output, funnel_output, sessions_output, PyTransitionGraph};
use crate::kpis::kpis_output;
use crate::model::{PyEventLog, PyJourneyMap, PySurveys};
use crate::result::PyOutput;
use crate::retention::retention_output;
use crate::run::detach;
use crate::survey::{ces_output, csat_output, nps_output};

/// The mergeable partial result of one analysis over some whole customers.
#[pyclass(frozen, name = "Partial", module = "journey")]
#[derive(Debug)]
pub struct PyPartial {
    inner: Partial,
}

/// What every partition must agree on before it runs (the time span of the whole log).
#[pyclass(frozen, eq, name = "Context", module = "journey")]
#[derive(Debug, PartialEq)]
pub struct PyContext {
    inner: Context,
}

/// Adds what journey.spark and journey.dask ask core through the binding: `_needs_context`,
/// `_name_customer`, `_partitions`, `_merge_load_reports`, `_first_error`.
pub fn register_engine_helpers(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_needs_context, m)?)?;
    m.add_function(wrap_pyfunction!(_name_customer, m)?)?;
    m.add_function(wrap_pyfunction!(_partitions, m)?)?;
    m.add_function(wrap_pyfunction!(_merge_load_reports, m)?)?;
    m.add_function(wrap_pyfunction!(_first_error, m)?)
}

/// Two partitions' load reports (dicts, or None) taken together, as core merges them
/// (`partial::merge_load_reports`).
#[pyfunction]
pub fn _merge_load_reports<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    keep: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let merged = journey_core::partial::merge_load_reports(&to_json(a)?, &to_json(b)?, keep)
        .map_err(to_py_err)?;
    to_py(py, &merged)
}

/// The index of the load error to report among several partitions' (dicts), as core chooses
/// it (`partial::first_error`); None for none.
#[pyfunction]
pub fn _first_error(errors: Vec<Bound<'_, PyAny>>) -> PyResult<Option<usize>> {
    let errors = errors.iter().map(to_json).collect::<PyResult<Vec<_>>>()?;
    Ok(journey_core::partial::first_error(&errors))
}

/// Whether the partial of `analysis` with these keyword options depends on the whole data's
/// context (`journey.Context`), as core decides it (docs/distributed.md); for the Spark and
/// Dask engines, which skip the first pass when it does not.
#[pyfunction]
#[pyo3(signature = (analysis, **kwargs))]
pub fn _needs_context(analysis: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<bool> {
    let args = kwargs_json(kwargs)?;
    let a = Analysis::from_json(analysis, &args).map_err(to_py_err)?;
    Ok(a.needs_context())
}

/// A loader message about a row (with `survey=True`, a line of survey responses) of one
/// partition of data shuffled by customer, naming the customer instead, as core words it
/// (`error::name_customer`); `customer_at(n)` gives the customer id of row or line `n` (quoted
/// as Python quotes it) or None. For journey.spark and journey.dask.
#[pyfunction]
#[pyo3(signature = (message, customer_at, survey = false))]
pub fn _name_customer(
    message: &str,
    customer_at: &Bound<'_, PyAny>,
    survey: bool,
) -> PyResult<String> {
    let pointer = if survey { Pointer::Line } else { Pointer::Row };
    let mut failed = None;
    let named = name_customer(message, pointer, |n| {
        let quoted = customer_at.call1((n,)).and_then(|c| {
            if c.is_none() {
                Ok(None)
            } else {
                Ok(Some(c.repr()?.to_string()))
            }
        });
        quoted.unwrap_or_else(|e| {
            failed.get_or_insert(e);
            None
        })
    });
    failed.map_or(Ok(named), Err)
}

/// The `partitions=` of journey.spark and journey.dask, checked by core
/// (`partial::partitions`).
#[pyfunction]
pub fn _partitions(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    journey_core::partial::partitions(&to_json(value)?).map_err(to_py_err)
}

#[pymethods]
impl PyEventLog {
    /// The partial result of `analysis` (the name of an EventLog method, e.g. "funnel") over
    /// the customers of this log, which must hold each of them whole. `kwargs` are exactly that
    /// method's keywords; `context` is the context merged over every partition (only some
    /// analyses need it).
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\na,0,view\na,60,purchase\nb,0,view\n")
    /// >>> p = log.partial("funnel", steps=["view", "purchase"])
    /// >>> [s["customers"] for s in p.finish().steps]
    /// [2, 1]
    ///
    /// `surveys` are the survey responses of this log's customers, for the analyses that join
    /// them to the log ("nps", "csat", "ces", "map_from_data", "report").
    #[pyo3(signature = (analysis, *, context = None, surveys = None, **kwargs))]
    fn partial(
        &self,
        py: Python<'_>,
        analysis: &str,
        context: Option<PyRef<'_, PyContext>>,
        surveys: Option<PyRef<'_, PySurveys>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyPartial> {
        let args = kwargs_json(kwargs)?;
        let a = Analysis::from_json(analysis, &args).map_err(to_py_err)?;
        let ctx = context.map(|c| c.inner).unwrap_or_default();
        let log = self.inner.clone();
        let surveys = surveys.map(|s| s.inner.clone());
        let inner = detach(py, move || {
            log.partial_with_surveys(&a, &ctx, surveys.as_deref())
        })?
        .map_err(to_py_err)?;
        Ok(PyPartial { inner })
    }
}

#[pymethods]
impl PyPartial {
    /// The partial as bytes (versioned; `Partial.from_bytes` reads them back).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// A partial from `to_bytes`; other versions or corrupted bytes raise `JourneyError`
    /// (code "invalid_partial").
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        py.detach(|| Partial::from_bytes(data))
            .map(|inner| PyPartial { inner })
            .map_err(to_py_err)
    }

    /// The partial of both together (another analysis, other options or another context raise
    /// `JourneyError`, code "partial_mismatch").
    fn merge(&self, py: Python<'_>, other: &Self) -> PyResult<Self> {
        let (a, b) = (self.inner.clone(), other.inner.clone());
        py.detach(move || a.merge(b))
            .map(|inner| PyPartial { inner })
            .map_err(to_py_err)
    }

    /// The partial without `other`'s customers (a partial merged into this one before): the
    /// inverse of `merge` (docs/live.md, "Retract"). Analyses without a retract, or a path
    /// table losing the customer a remaining path was first seen with, raise `JourneyError`.
    fn retract(&self, py: Python<'_>, other: &Self) -> PyResult<Self> {
        let (a, b) = (self.inner.clone(), other.inner.clone());
        py.detach(move || a.retract(b))
            .map(|inner| PyPartial { inner })
            .map_err(to_py_err)
    }

    /// The result of the analysis, the same object the EventLog method returns.
    fn finish(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let p = self.inner.clone();
        let analysis = p.analysis().clone();
        let r = py.detach(move || p.finish()).map_err(to_py_err)?;
        finished_to_py(py, r, &analysis)
    }

    /// The analysis's name, e.g. "funnel".
    #[getter]
    fn analysis(&self) -> &'static str {
        self.inner.analysis().name()
    }

    /// The analysis's options in their canonical form (every option, defaults included).
    #[getter]
    fn options(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(crate::convert::to_py(py, &self.inner.analysis().options_json())?.unbind())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py.get_type::<PyPartial>().getattr("from_bytes")?;
        let args = PyTuple::new(py, [self.to_bytes(py)])?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        format!(
            "Partial(analysis={:?}, bytes={})",
            self.inner.analysis().name(),
            self.inner.to_bytes().len()
        )
    }
}

/// A finished result as the Python object the EventLog method returns.
pub(crate) fn finished_to_py(
    py: Python<'_>,
    r: Finished,
    analysis: &Analysis,
) -> PyResult<Py<PyAny>> {
    let out = match r {
        Finished::Funnel(f) => funnel_output(f)?,
        Finished::Retention(x) => retention_output(&x)?,
        Finished::Kpis(x) => kpis_output(&x)?,
        Finished::Sessions(x) => sessions_output(x)?,
        Finished::ConversionPaths(x) => {
            PyOutput::with_source("conversion_paths", std::sync::Arc::new(x), "rows")
        }
        Finished::Attribution(x) => attribution_output(x)?,
        Finished::AttributionTable(x) => attribution_table_output(x)?,
        Finished::TransitionGraph(g) => {
            return Ok(PyTransitionGraph::new(g)?
                .into_pyobject(py)?
                .into_any()
                .unbind())
        }
        Finished::PathTable(t) => {
            return Ok(PyPathTable::from(t).into_pyobject(py)?.into_any().unbind())
        }
        Finished::PathStats(x) => {
            let top = match analysis {
                Analysis::PathStats(o) => o.top,
                _ => 0,
            };
            crate::journeys::path_stats_output(x, top)?
        }
        Finished::Nps(x) => nps_output(x)?,
        Finished::Csat(x) => csat_output(x)?,
        Finished::Ces(x) => ces_output(x)?,
        Finished::Drivers(x) => drivers_output(x)?,
        Finished::Map(m) => {
            return Ok(PyJourneyMap { inner: *m }
                .into_pyobject(py)?
                .into_any()
                .unbind())
        }
        Finished::FunnelSteps(v) => return Ok(v.into_pyobject(py)?.into_any().unbind()),
        Finished::Report(html) => return Ok(html.into_pyobject(py)?.into_any().unbind()),
        _ => return Err(argument("analysis", "has no Python result type")),
    };
    Ok(out.into_pyobject(py)?.into_any().unbind())
}

#[pymethods]
impl PyContext {
    /// An empty context (no events): what analyses that need none take.
    #[new]
    fn new() -> Self {
        PyContext {
            inner: Context::default(),
        }
    }

    /// The context of one log (a partition).
    #[staticmethod]
    fn of(log: &PyEventLog) -> Self {
        PyContext {
            inner: Context::of(&log.inner),
        }
    }

    /// The context of two partitions together.
    fn merge(&self, other: &Self) -> PyResult<Self> {
        self.inner
            .merge(&other.inner)
            .map(|inner| PyContext { inner })
            .map_err(to_py_err)
    }

    /// The context as bytes (versioned).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// A context from `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Context::from_bytes(data)
            .map(|inner| PyContext { inner })
            .map_err(to_py_err)
    }

    /// First event time, microseconds since the Unix epoch (None: no events).
    #[getter]
    fn first_us(&self) -> Option<i64> {
        self.inner.first_us()
    }

    /// Last event time, microseconds since the Unix epoch (None: no events).
    #[getter]
    fn last_us(&self) -> Option<i64> {
        self.inner.last_us()
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py.get_type::<PyContext>().getattr("from_bytes")?;
        let args = PyTuple::new(py, [self.to_bytes(py)])?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }

    fn __repr__(&self) -> String {
        match (self.inner.first_us(), self.inner.last_us()) {
            (Some(a), Some(b)) => format!(
                "Context(first={:?}, last={:?})",
                journey_core::time::format_us(a),
                journey_core::time::format_us(b)
            ),
            _ => "Context()".to_string(),
        }
    }
}

/// Merges partials (or their bytes) in one: `merge_partials([p1, p2, b"JRNYPART..."])`.
#[pyfunction]
pub fn merge_partials(py: Python<'_>, partials: &Bound<'_, PyAny>) -> PyResult<PyPartial> {
    let mut parts = Vec::new();
    for item in partials.try_iter()? {
        let item = item?;
        if let Ok(p) = item.cast::<PyPartial>() {
            parts.push(p.get().inner.clone());
        } else if let Ok(b) = item.extract::<&[u8]>() {
            parts.push(Partial::from_bytes(b).map_err(to_py_err)?);
        } else {
            return Err(argument(
                "partials",
                format!(
                    "expected Partial objects or their bytes, got {}",
                    item.get_type().name()?
                ),
            ));
        }
    }
    py.detach(move || Partial::merge_all(parts))
        .map(|inner| PyPartial { inner })
        .map_err(to_py_err)
}
