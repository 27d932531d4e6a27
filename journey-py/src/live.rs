//! Appending and live results: `EventLog.append`, `journey.LiveAnalysis` (docs/live.md).

use std::sync::Arc;

use journey_core as core;
use journey_core::ingest::Format;
use journey_core::partial::Analysis;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::json;

use crate::arrow;
use crate::convert::{kwargs_json, to_py};
use crate::error::{argument, to_py_err};
use crate::model::{
    arrow_args, load_arrow, load_options, read_events_impl, PyEventLog, PySurveys, Source,
};
use crate::partial::finished_to_py;
use crate::run::{detach, ProgressMode};

/// Loads a batch to append to `log`: CSV or JSON text or bytes (`format="json"` for JSON),
/// rows (a list of dicts, read as JSON), or a table with the Arrow stream interface (pyarrow,
/// polars, pandas >= 2.2); with the log's catalog and conversions.
fn load_batch(
    py: Python<'_>,
    // The log's batch load options (EventLog::batch_load_options) of the given options.
    batch_options: impl Fn(core::LoadOptions) -> core::LoadOptions,
    batch: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Arc<core::EventLog>, core::Ties)> {
    let text: Option<(Vec<u8>, Option<Format>)> = if batch.is_instance_of::<PyString>() {
        Some((crate::convert::text(batch, "batch")?.into_bytes(), None))
    } else if let Ok(b) = batch.cast::<PyBytes>() {
        Some((b.as_bytes().to_vec(), None))
    } else if let Ok(b) = batch.cast::<PyByteArray>() {
        Some((b.to_vec(), None))
    } else if batch.is_instance_of::<PyList>() || batch.is_instance_of::<PyTuple>() {
        let s: String = py
            .import("json")?
            .call_method1("dumps", (batch,))
            .map_err(|e| argument("batch", format!("rows that are not JSON: {e}")))?
            .extract()?;
        Some((s.into_bytes(), Some(Format::Json)))
    } else {
        None
    };
    let log_out = match text {
        Some((bytes, forced)) => {
            let mode = ProgressMode::take(kwargs)?;
            let (opts, format) = load_options(kwargs)?;
            let opts = batch_options(opts);
            let ties = opts.ties;
            let b = read_events_impl(py, Source::Bytes(bytes), opts, forced.or(format), mode)?;
            (b.inner, ties)
        }
        None => {
            if !batch.hasattr("__arrow_c_stream__")? {
                return Err(argument(
                    "batch",
                    "expected CSV or JSON text or bytes, a list of rows (dicts), or a table \
                     with the Arrow stream interface (pyarrow, polars, pandas)",
                ));
            }
            let (names, opts, mode) = arrow_args(kwargs)?;
            let opts = batch_options(opts);
            let ties = opts.ties;
            let b = load_arrow(py, arrow::import(batch)?, &names, opts, mode)?;
            (b.inner, ties)
        }
    };
    Ok(log_out)
}

#[pymethods]
impl PyEventLog {
    /// Adds a batch of events in place: CSV or JSON text or bytes (`format="json"`), a list of
    /// rows (dicts), or an Arrow table / polars or pandas DataFrame; for new or known
    /// customers, in any order. Keyword options as for loading (`mode="lenient"`, `ties`,
    /// column names for Arrow input); the log's catalog and conversions apply. The log then
    /// equals the log loaded from its rows followed by the batch's. Returns what was added
    /// (events, customers, new_customers, customer_ids); the log's `load_report` adds the
    /// batch's rows read, kept and skipped. A bad batch in strict mode raises and leaves the
    /// log unchanged.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\nb,10,ad\nb,30,purchase\n")
    /// >>> r = log.append("customer_id,timestamp,touchpoint\nb,20,email\na,5,ad\n")
    /// >>> (r["events"], r["new_customers"], log.n_events)
    /// (2, 1, 4)
    /// >>> [e["touchpoint"] for e in log.journey("b")]
    /// ['ad', 'email', 'purchase']
    #[pyo3(signature = (batch, **kwargs))]
    fn append<'py>(
        &mut self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (b, ties) = load_batch(py, |o| self.inner.batch_load_options(o), batch, kwargs)?;
        // In place unless another object shares the log (then it is copied once).
        let log = Arc::make_mut(&mut self.inner);
        let r = py.detach(|| log.append(&b, ties)).map_err(to_py_err)?;
        to_py(py, &json!(r))
    }
}

/// An event log with live analyses: each append retracts the old contribution of every
/// customer it touches and merges the new one, so results stay equal to the analyses of the
/// whole log at a cost that grows with the batch.
#[pyclass(name = "LiveAnalysis", module = "journey")]
pub struct PyLiveAnalysis {
    inner: core::LiveAnalysis,
    names: Vec<String>,
}

#[pymethods]
impl PyLiveAnalysis {
    /// `analyses` maps an analysis name ("funnel", "retention", "kpis", "attribution",
    /// "attribution_table", "path_table", "sessions", "transition_graph", "nps", "csat",
    /// "ces") to its keyword options, as the EventLog method takes them. `surveys` are joined
    /// by the score analyses; `ties` is the tie rule the log was loaded with.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\na,0,view\na,60,cart\nb,0,view\n")
    /// >>> live = journey.LiveAnalysis(log, {"funnel": {"steps": ["view", "cart", "purchase"]}})
    /// >>> _ = live.append("customer_id,timestamp,touchpoint\na,90,purchase\nb,30,cart\nc,10,view\n")
    /// >>> [s["customers"] for s in live.result("funnel").steps]
    /// [3, 2, 1]
    #[new]
    #[pyo3(signature = (log, analyses, *, surveys = None, ties = "content"))]
    fn new(
        py: Python<'_>,
        log: PyRef<'_, PyEventLog>,
        analyses: &Bound<'_, PyDict>,
        surveys: Option<PyRef<'_, PySurveys>>,
        ties: &str,
    ) -> PyResult<Self> {
        let ties: core::Ties = ties.parse().map_err(to_py_err)?;
        let mut list = Vec::new();
        let mut names = Vec::new();
        for (k, v) in analyses.iter() {
            let name: String = k
                .extract()
                .map_err(|_| argument("analyses", "keys must be analysis names (str)"))?;
            let opts = match v.cast::<PyDict>() {
                Ok(d) => kwargs_json(Some(d))?,
                Err(_) if v.is_none() => json!({}),
                Err(_) => {
                    return Err(argument(
                        "analyses",
                        format!("the options of {name:?} must be a dict"),
                    ))
                }
            };
            list.push(Analysis::from_json(&name, &opts).map_err(to_py_err)?);
            names.push(name);
        }
        let log = log.inner.clone();
        let surveys = surveys.map(|s| (*s.inner).clone());
        let inner = detach(py, move || {
            core::LiveAnalysis::new(log, list, surveys, ties)
        })?
        .map_err(to_py_err)?;
        Ok(PyLiveAnalysis { inner, names })
    }

    /// Appends a batch (as `EventLog.append` takes it) and updates every analysis. Returns
    /// what was added. An error leaves the log and the results unchanged.
    #[pyo3(signature = (batch, **kwargs))]
    fn append<'py>(
        &mut self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The tie rule the caller named, if any: core refuses another than the analysis's.
        let named = match kwargs {
            Some(kw) => kw.get_item("ties")?.is_some(),
            None => false,
        };
        let (b, ties) = load_batch(py, |o| self.inner.batch_load_options(o), batch, kwargs)?;
        let live = &mut self.inner;
        let r = py
            .detach(|| live.append_with_ties(&b, named.then_some(ties)))
            .map_err(to_py_err)?;
        to_py(py, &json!(r))
    }

    /// The result of an analysis (by name), the same object the EventLog method returns for
    /// the whole log.
    fn result(&self, py: Python<'_>, analysis: &str) -> PyResult<Py<PyAny>> {
        let i = core::LiveAnalysis::index_of(&self.names, analysis).map_err(to_py_err)?;
        let a = self.inner.analyses()[i].clone();
        let live = &self.inner;
        let r = py.detach(|| live.result(i)).map_err(to_py_err)?;
        finished_to_py(py, r, &a)
    }

    /// The names of the analyses, in order.
    #[getter]
    fn analyses(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Moves every event kept aside into its shard of the log now (each append moves one
    /// shard's; docs/live.md, "What an append costs"). The results do not change.
    fn compact(&mut self, py: Python<'_>) -> PyResult<()> {
        let live = &mut self.inner;
        py.detach(|| live.compact()).map_err(to_py_err)
    }

    /// Number of events of the log with every batch appended (without making the log).
    #[getter]
    fn n_events(&self) -> usize {
        self.inner.n_events()
    }

    /// The log with every batch appended, made from the live log's shards and the events kept
    /// aside (one copy, kept until the next append; appends do not change it).
    #[getter]
    fn log(&self) -> PyEventLog {
        PyEventLog {
            inner: self.inner.shared_log(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "LiveAnalysis(analyses={:?}, n_events={})",
            self.names,
            self.inner.n_events()
        )
    }
}
