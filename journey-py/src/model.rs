//! `EventLog`, `Surveys` and `JourneyMap`: newtypes over the core types.

use std::sync::Arc;

use journey_core as core;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use serde_json::json;

use crate::arrow;
use crate::convert::{kwargs_json, to_json, to_py};
use crate::error::{argument, to_py_err};
use crate::run::{self, Counting, Progress, ProgressMode, Watch};
use journey_core::ingest::Format;

/// Reads the bytes of a source: a path (str / os.PathLike) or a file-like object with `.read()`.
pub(crate) enum Source {
    Path(std::path::PathBuf),
    Bytes(Vec<u8>),
}

pub(crate) fn source(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    if obj.hasattr("read")? {
        let data = obj.call_method0("read")?;
        if let Ok(b) = data.cast::<PyBytes>() {
            return Ok(Source::Bytes(b.as_bytes().to_vec()));
        }
        if !data.is_instance_of::<pyo3::types::PyString>() {
            return Err(argument("source", ".read() returned neither bytes nor str"));
        }
        let s = crate::convert::text(&data, "source")?;
        return Ok(Source::Bytes(s.into_bytes()));
    }
    let os = obj.py().import("os")?;
    let p: String = os
        .call_method1("fspath", (obj,))
        .map_err(|_| argument("source", "expected a path or a file-like object"))?
        .extract()?;
    Ok(Source::Path(p.into()))
}

pub(crate) fn load_options(
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(core::LoadOptions, Option<Format>)> {
    let mut v = kwargs_json(kwargs)?;
    let format = match v.as_object_mut() {
        Some(m) => Format::take_from_json(m).map_err(to_py_err)?,
        None => None,
    };
    Ok((core::LoadOptions::from_json(&v).map_err(to_py_err)?, format))
}

/// The format of a source (core's rule: the one asked for, else a path's extension, else CSV).
fn format_of(src: &Source, format: Option<Format>) -> Format {
    let path = match src {
        Source::Path(p) => Some(p.as_path()),
        Source::Bytes(_) => None,
    };
    Format::of_source(format, path)
}

/// A customer journey event log: every customer's events in time order, stored columnar.
// Not frozen: `append` changes the log in place.
#[pyclass(name = "EventLog", module = "journey")]
#[derive(Clone, Debug)]
pub struct PyEventLog {
    pub inner: Arc<core::EventLog>,
}

impl From<core::EventLog> for PyEventLog {
    fn from(log: core::EventLog) -> Self {
        PyEventLog {
            inner: Arc::new(log),
        }
    }
}

/// Reads events (in the format asked for, or of a path's extension, else CSV) off the
/// interpreter: interruptible, with a progress bar over the bytes (CSV, JSON) or rows (Parquet)
/// read for long loads.
pub(crate) fn read_events_impl(
    py: Python<'_>,
    src: Source,
    opts: core::LoadOptions,
    format: Option<Format>,
    mode: ProgressMode,
) -> PyResult<PyEventLog> {
    let format = format_of(&src, format);
    if format == Format::Parquet {
        let control = Arc::new(core::ingest::LoadControl::new());
        let progress = Progress {
            mode,
            total: 0,
            unit: "rows",
            label: "journey: reading events",
        };
        let c = control.clone();
        let log = run::run(py, &progress, control, move || match src {
            Source::Path(p) => core::ingest::read_events_parquet_path_with(p, &opts, Some(&c)),
            Source::Bytes(b) => core::ingest::read_events_parquet(&b[..], &opts),
        })?;
        return log.map(PyEventLog::from).map_err(to_py_err);
    }
    if format == Format::Csv {
        // A CSV file is mapped into memory and parsed where it lies; bytes are parsed in place.
        let total = match &src {
            Source::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Source::Bytes(b) => b.len() as u64,
        };
        let control = Arc::new(core::ingest::LoadControl::new());
        let progress = Progress {
            mode,
            total,
            unit: "B",
            label: "journey: reading events",
        };
        let c = control.clone();
        let log = run::run(
            py,
            &progress,
            Arc::new(run::BytesRead(control)),
            move || match src {
                Source::Path(p) => core::ingest::read_events_csv_path_with(p, &opts, Some(&c)),
                Source::Bytes(b) => core::ingest::read_events_csv_bytes_with(&b, &opts, Some(&c)),
            },
        )?;
        return log.map(PyEventLog::from).map_err(to_py_err);
    }
    let (total, reader): (u64, Box<dyn std::io::Read + Send>) = match src {
        Source::Path(p) => {
            let f = core::ingest::open(&p).map_err(to_py_err)?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            (len, Box::new(f))
        }
        Source::Bytes(b) => (b.len() as u64, Box::new(std::io::Cursor::new(b))),
    };
    let watch = Arc::new(Watch::default());
    let counting = Counting {
        inner: reader,
        watch: watch.clone(),
    };
    let progress = Progress {
        mode,
        total,
        unit: "B",
        label: "journey: reading events",
    };
    let log = run::run(py, &progress, watch, move || {
        if format == Format::Json {
            core::read_events_json(counting, &opts)
        } else {
            core::read_events_csv(counting, &opts)
        }
    })?;
    log.map(PyEventLog::from).map_err(to_py_err)
}

/// Splits the keyword arguments of the Arrow loaders: column names and `properties` (core's
/// `ColumnNames`), `progress`, and the load options.
pub(crate) fn arrow_args(
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(core::ingest::ColumnNames, core::LoadOptions, ProgressMode)> {
    let mode = ProgressMode::take(kwargs)?;
    let mut args = kwargs_json(kwargs)?;
    let names = match args.as_object_mut() {
        Some(m) => core::ingest::ColumnNames::take_from_json(m).map_err(to_py_err)?,
        None => Default::default(),
    };
    let opts = core::LoadOptions::from_json(&args).map_err(to_py_err)?;
    Ok((names, opts, mode))
}

/// Loads from imported Arrow batches, off the interpreter, interruptible, with a progress bar
/// over rows for long loads.
pub(crate) fn load_arrow(
    py: Python<'_>,
    table: arrow::Table,
    names: &core::ingest::ColumnNames,
    opts: core::LoadOptions,
    mode: ProgressMode,
) -> PyResult<PyEventLog> {
    let total: usize = table.batches.iter().map(|b| b.num_rows()).sum();
    let mapping =
        core::ingest::map_columns(&table.schema, names, &opts, total).map_err(to_py_err)?;
    let control = Arc::new(core::ingest::LoadControl::new());
    let progress = Progress {
        mode,
        total: total as u64,
        unit: "rows",
        label: "journey: loading events",
    };
    let c = control.clone();
    let log = run::run(py, &progress, control, move || {
        let log = core::EventLog::from_record_batches(
            &table.schema,
            &table.batches,
            &mapping,
            &opts,
            Some(&c),
        );
        (log, table)
    })?;
    // The batches (the producer's buffers) are released here, with the GIL held.
    let (log, table) = log;
    drop(table);
    log.map(PyEventLog::from).map_err(to_py_err)
}

/// `EventLog.from_csv_text` / `from_json_text`: text in a format, with the keyword options
/// of `read_events`.
fn read_text(
    py: Python<'_>,
    text: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
    format: Format,
) -> PyResult<PyEventLog> {
    let text = crate::convert::text(text, "text")?;
    let mode = ProgressMode::take(kwargs)?;
    let (opts, _) = load_options(kwargs)?;
    read_events_impl(
        py,
        Source::Bytes(text.into_bytes()),
        opts,
        Some(format),
        mode,
    )
}

#[pymethods]
impl PyEventLog {
    /// An empty log.
    #[new]
    fn new() -> Self {
        core::EventLog::empty().into()
    }

    /// Reads a log from CSV text. Keyword options as for `journey.read_events`.
    #[staticmethod]
    #[pyo3(signature = (text, **kwargs))]
    fn from_csv_text(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        read_text(py, text, kwargs, Format::Csv)
    }

    /// Reads a log from JSON text (an array of objects or JSON Lines).
    #[staticmethod]
    #[pyo3(signature = (text, **kwargs))]
    fn from_json_text(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        read_text(py, text, kwargs, Format::Json)
    }

    /// Number of events.
    #[getter]
    fn n_events(&self) -> usize {
        self.inner.n_events()
    }

    /// Number of distinct customers.
    #[getter]
    fn n_customers(&self) -> usize {
        self.inner.n_customers()
    }

    /// Rows read / kept / skipped and the first errors, as a dict.
    #[getter]
    fn load_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner.load_report()))
    }

    /// The conversion touchpoints.
    #[getter]
    fn conversions(&self) -> Vec<String> {
        self.inner.conversion_touchpoints().to_vec()
    }

    /// Touchpoint names, sorted.
    fn touchpoints(&self) -> Vec<String> {
        self.inner.touchpoints().to_vec()
    }

    /// Channel names, sorted.
    fn channels(&self) -> Vec<String> {
        self.inner.channels().to_vec()
    }

    /// Stage names: the default stages in journey order, then custom ones by name.
    fn stages(&self) -> Vec<String> {
        self.inner.stages().to_vec()
    }

    /// Customer ids, sorted.
    fn customers(&self) -> Vec<String> {
        self.inner.customer_ids().to_vec()
    }

    /// Names of the extra property columns.
    fn properties(&self) -> Vec<String> {
        self.inner
            .properties()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    /// One customer's events in order, as dicts (timestamp, touchpoint, channel, stage, value,
    /// and properties). Raises KeyError for an unknown customer.
    fn journey<'py>(
        &self,
        py: Python<'py>,
        customer_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let customer_id = crate::convert::text(customer_id, "customer_id")?;
        let customer_id = customer_id.as_str();
        let events = self
            .inner
            .events_of(customer_id)
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(customer_id.to_string()))?;
        to_py(py, &json!(events))
    }

    /// Headline figures: events, customers, touchpoints, channels, conversions, revenue, span.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner.summary()))
    }

    /// Writes the log as CSV to `path`, or returns the CSV text when no path is given. With
    /// `csv_safe` (the default), text cells that a spreadsheet would run as a formula (starting
    /// with `=`, `+`, `-`, `@`, tab or CR) get a leading apostrophe, which journey's loaders
    /// drop again; `csv_safe=False` writes the text exactly as it is.
    #[pyo3(signature = (path=None, csv_safe=true))]
    fn to_csv(
        &self,
        py: Python<'_>,
        path: Option<&Bound<'_, PyAny>>,
        csv_safe: bool,
    ) -> PyResult<Option<String>> {
        let log = self.inner.clone();
        let w = core::CsvWriteOptions { csv_safe };
        match path {
            None => crate::run::detach(py, move || log.to_csv_string_with(&w))?
                .map(Some)
                .map_err(to_py_err),
            Some(p) => {
                let p: String = to_json(p)?
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| argument("path", "expected a path"))?;
                crate::run::detach(py, move || -> core::Result<()> {
                    let f = std::io::BufWriter::new(std::fs::File::create(p)?);
                    log.write_csv_with(f, &w)
                })?
                .map_err(to_py_err)?;
                Ok(None)
            }
        }
    }

    fn __len__(&self) -> usize {
        self.inner.n_events()
    }

    /// The log in a compact binary form (about 26 bytes per event plus the names), for caching;
    /// `EventLog.from_bytes` reads it back exactly.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let log = self.inner.clone();
        let bytes = crate::run::detach(py, move || log.to_bytes())?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Reads a log written by `to_bytes`.
    ///
    /// >>> import journey
    /// >>> log, _ = journey.synthetic(customers=50, seed=2)
    /// >>> again = journey.EventLog.from_bytes(log.to_bytes())
    /// >>> again.to_csv() == log.to_csv()
    /// True
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        py.detach(|| core::EventLog::from_bytes(data))
            .map(PyEventLog::from)
            .map_err(to_py_err)
    }

    /// Pickling (multiprocessing, caching): the binary form of `to_bytes`.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py.get_type::<PyEventLog>().getattr("from_bytes")?;
        let args = PyTuple::new(py, [self.to_bytes(py)?])?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }

    /// Headline figures as a small HTML table (notebooks).
    fn _repr_html_(&self) -> String {
        journey_core::render::table::result_html("event log", &json!(self.inner.summary()), None)
    }

    fn __repr__(&self) -> String {
        format!(
            "EventLog(n_events={}, n_customers={}, touchpoints={}, channels={})",
            self.inner.n_events(),
            self.inner.n_customers(),
            self.inner.touchpoints().len(),
            self.inner.channels().len()
        )
    }
}

/// Survey responses (NPS 0-10, CSAT 1-5, CES 1-7), any score may be blank.
#[pyclass(frozen, name = "Surveys", module = "journey")]
#[derive(Clone, Debug)]
pub struct PySurveys {
    pub inner: Arc<core::Surveys>,
    /// The event log these responses are joined to (`with_log`), if any.
    pub log: Option<Arc<core::EventLog>>,
}

impl From<core::Surveys> for PySurveys {
    fn from(s: core::Surveys) -> Self {
        PySurveys {
            inner: Arc::new(s),
            log: None,
        }
    }
}

pub(crate) fn read_surveys_impl(
    py: Python<'_>,
    src: Source,
    opts: core::LoadOptions,
    format: Option<Format>,
) -> PyResult<PySurveys> {
    let format = format_of(&src, format);
    let s = run::detach(py, move || match (src, format) {
        (Source::Path(p), Format::Json) => core::read_surveys_json(core::ingest::open(&p)?, &opts),
        (Source::Path(p), Format::Parquet) => core::ingest::read_surveys_parquet_path(p, &opts),
        (Source::Path(p), Format::Csv) => core::ingest::read_surveys_csv_path(p, &opts),
        (Source::Bytes(b), Format::Json) => core::read_surveys_json(&b[..], &opts),
        (Source::Bytes(b), Format::Parquet) => core::ingest::read_surveys_parquet(&b[..], &opts),
        (Source::Bytes(b), Format::Csv) => core::ingest::read_surveys_csv_bytes(&b, &opts),
    })?;
    s.map(PySurveys::from).map_err(to_py_err)
}

#[pymethods]
impl PySurveys {
    /// No responses.
    #[new]
    fn new() -> Self {
        core::Surveys::empty().into()
    }

    /// Reads responses from CSV text (`customer_id,timestamp,touchpoint,nps,csat,ces`).
    #[staticmethod]
    #[pyo3(signature = (text, **kwargs))]
    fn from_csv_text(
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let text = crate::convert::text(text, "text")?;
        let (opts, _) = load_options(kwargs)?;
        read_surveys_impl(py, Source::Bytes(text.into_bytes()), opts, None)
    }

    /// Number of responses.
    #[getter]
    fn n_responses(&self) -> usize {
        self.inner.len()
    }

    /// Number of distinct respondents.
    #[getter]
    fn n_customers(&self) -> usize {
        self.inner.n_customers()
    }

    /// Rows read / kept / skipped and the first errors, as a dict.
    #[getter]
    fn load_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner.load_report()))
    }

    /// Touchpoints named by responses, sorted.
    fn touchpoints(&self) -> Vec<String> {
        self.inner.touchpoints().to_vec()
    }

    /// Writes the responses as CSV to `path`, or returns the CSV text (`csv_safe` as for
    /// `EventLog.to_csv`).
    #[pyo3(signature = (path=None, csv_safe=true))]
    fn to_csv(&self, path: Option<&Bound<'_, PyAny>>, csv_safe: bool) -> PyResult<Option<String>> {
        let w = core::CsvWriteOptions { csv_safe };
        match path {
            None => self
                .inner
                .to_csv_string_with(&w)
                .map(Some)
                .map_err(to_py_err),
            Some(p) => {
                let p: String = to_json(p)?
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| argument("path", "expected a path"))?;
                let f = std::fs::File::create(p).map_err(|e| to_py_err(e.into()))?;
                self.inner
                    .write_csv_with(std::io::BufWriter::new(f), &w)
                    .map_err(to_py_err)?;
                Ok(None)
            }
        }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Pickling: rebuilt from its CSV text (the load report starts afresh), joined again to its
    /// log when it was joined (`with_log`).
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.log {
            None => {
                let f = py.get_type::<PySurveys>().getattr("from_csv_text")?;
                let csv = self.inner.to_csv_string().map_err(to_py_err)?;
                let args = PyTuple::new(py, [csv])?;
                PyTuple::new(py, [f.into_any(), args.into_any()])
            }
            Some(log) => {
                let plain = Bound::new(
                    py,
                    PySurveys {
                        inner: self.inner.clone(),
                        log: None,
                    },
                )?;
                let log = Bound::new(py, PyEventLog { inner: log.clone() })?;
                let args = PyTuple::new(py, [log])?;
                PyTuple::new(py, [plain.getattr("with_log")?, args.into_any()])
            }
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Surveys(n_responses={}, n_customers={})",
            self.inner.len(),
            self.inner.n_customers()
        )
    }
}

/// A customer journey map: personas, stages, touchpoints and steps (journey-map/1 JSON).
#[pyclass(frozen, name = "JourneyMap", module = "journey")]
#[derive(Clone, Debug)]
pub struct PyJourneyMap {
    pub inner: core::JourneyMap,
}

#[pymethods]
impl PyJourneyMap {
    /// An empty map with the default stages.
    #[new]
    fn new(name: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyJourneyMap {
            inner: core::JourneyMap::new(&crate::convert::text(name, "name")?),
        })
    }

    /// Reads and validates a map from its JSON text.
    #[staticmethod]
    fn from_json(text: &Bound<'_, PyAny>) -> PyResult<Self> {
        core::JourneyMap::from_json(&crate::convert::text(text, "text")?)
            .map(|inner| PyJourneyMap { inner })
            .map_err(to_py_err)
    }

    /// Builds a map from a dict in the JSON shape.
    #[staticmethod]
    fn from_dict(d: &Bound<'_, PyAny>) -> PyResult<Self> {
        core::JourneyMap::from_json(&to_json(d)?.to_string())
            .map(|inner| PyJourneyMap { inner })
            .map_err(to_py_err)
    }

    /// The JSON text (journey-map/1).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py_err)
    }

    /// The map as a dict in the JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &serde_json::to_value(&self.inner).map_err(|e| argument("map", e))?,
        )
    }

    /// Title.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Stage names in order.
    fn stages(&self) -> Vec<String> {
        self.inner.stages.iter().map(|s| s.name.clone()).collect()
    }

    /// Touchpoint names.
    fn touchpoints(&self) -> Vec<String> {
        self.inner
            .touchpoints
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// Persona names.
    fn personas(&self) -> Vec<String> {
        self.inner.personas.iter().map(|p| p.name.clone()).collect()
    }

    /// The map as an SVG picture for one persona (default: the first): stages as columns,
    /// lanes for touchpoints, actions, thoughts, the emotion curve, pain points and
    /// opportunities. `column_width` is 160 to 800 pixels.
    ///
    /// >>> import journey
    /// >>> m = journey.JourneyMap("Shop")
    /// >>> m.to_svg().startswith("<svg")
    /// True
    #[pyo3(signature = (persona=None, column_width=250.0, show_metrics=true))]
    fn to_svg(
        &self,
        py: Python<'_>,
        persona: Option<String>,
        column_width: f64,
        show_metrics: bool,
    ) -> PyResult<String> {
        let opts = core::render::MapSvgOptions {
            persona,
            column_width,
            show_metrics,
        };
        let map = self.inner.clone();
        crate::run::detach(py, move || map.to_svg(&opts))?.map_err(to_py_err)
    }

    /// The picture in notebooks (IPython shows this SVG).
    fn _repr_svg_(&self, py: Python<'_>) -> PyResult<String> {
        self.to_svg(py, None, 250.0, true)
    }

    /// Pickling: rebuilt from its JSON.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let f = py.get_type::<PyJourneyMap>().getattr("from_json")?;
        let args = PyTuple::new(py, [self.to_json()?])?;
        PyTuple::new(py, [f.into_any(), args.into_any()])
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        format!(
            "JourneyMap(name={:?}, personas={}, stages={}, touchpoints={}, steps={})",
            self.inner.name,
            self.inner.personas.len(),
            self.inner.stages.len(),
            self.inner.touchpoints.len(),
            self.inner.steps.len()
        )
    }
}

/// Reads an event log from a path or file-like object (CSV, or JSON with format="json" or a
/// .json / .jsonl extension).
///
/// >>> import io, journey
/// >>> log = journey.read_events(io.StringIO("customer_id,timestamp,touchpoint\nb,2,ad\na,1,ad\n"))
/// >>> log.n_events, log.customers()
/// (2, ['a', 'b'])
#[pyfunction]
#[pyo3(signature = (source, **kwargs))]
pub fn read_events(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyEventLog> {
    let mode = ProgressMode::take(kwargs)?;
    let (opts, format) = load_options(kwargs)?;
    read_events_impl(py, self::source(source)?, opts, format, mode)
}

/// Reads survey responses from a path or file-like object.
#[pyfunction]
#[pyo3(signature = (source, **kwargs))]
pub fn read_surveys(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<PySurveys> {
    let (opts, format) = load_options(kwargs)?;
    read_surveys_impl(py, self::source(source)?, opts, format)
}

/// Deterministic synthetic data: `(EventLog, Surveys)` for `customers` customers.
///
/// >>> import journey
/// >>> log, surveys = journey.synthetic(customers=100, seed=1)
/// >>> log.n_customers, log.n_events == journey.synthetic(customers=100, seed=1)[0].n_events
/// (100, True)
#[pyfunction]
#[pyo3(
    signature = (customers=None, seed=None),
    text_signature = "(customers=1000, seed=42)"
)]
pub fn synthetic<'py>(
    py: Python<'py>,
    customers: Option<&Bound<'py, PyAny>>,
    seed: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    // Taken as Python objects so that a negative or huge number is an ArgumentError, not an
    // OverflowError.
    let defaults = core::synthetic::SyntheticOptions::default();
    let customers = customers.map_or(Ok(defaults.customers), |c| {
        crate::convert::count(c, "customers")
    })?;
    let seed = seed.map_or(Ok(defaults.seed), |s| crate::convert::uint64(s, "seed"))?;
    let (log, surveys) = crate::run::detach(py, move || core::synthetic(customers, seed))?;
    PyTuple::new(
        py,
        [
            Bound::new(py, PyEventLog::from(log))?.into_any(),
            Bound::new(py, PySurveys::from(surveys))?.into_any(),
        ],
    )
}
