//! The journey map from data, map pictures, charts and the HTML report:
//! `JourneyMap.from_data`, `journey.Chart`, (`JourneyMap.to_svg` is in model.rs)
//! `journey.report`.

use journey_core::report::{FromDataOptions, ReportOptions};
use journey_core::JourneyMap;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::kwargs_json;
use crate::convert::options;
use crate::error::to_py_err;
use crate::model::{PyEventLog, PyJourneyMap, PySurveys};
use crate::run::detach;

/// A picture (SVG) of a result: shown inline in Jupyter, or saved with `save(path)`.
#[pyclass(frozen, name = "Chart", module = "journey")]
#[derive(Debug, Clone)]
pub struct PyChart {
    svg: String,
}

impl PyChart {
    pub fn new(svg: String) -> Self {
        PyChart { svg }
    }
}

#[pymethods]
impl PyChart {
    /// Wraps an SVG document (charts are made by results and `journey.report`).
    #[new]
    fn py_new(svg: String) -> Self {
        PyChart { svg }
    }

    /// Pickling: rebuilt from its SVG.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let py = slf.py();
        let args = pyo3::types::PyTuple::new(py, [slf.get().svg.clone()])?;
        pyo3::types::PyTuple::new(py, [slf.get_type().into_any(), args.into_any()])
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.svg == other.svg
    }

    /// The SVG document.
    fn to_svg(&self) -> String {
        self.svg.clone()
    }

    /// Writes the SVG document to a file.
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        std::fs::write(&path, &self.svg).map_err(|e| to_py_err(e.into()))
    }

    fn _repr_svg_(&self) -> String {
        self.svg.clone()
    }

    fn __str__(&self) -> String {
        self.svg.clone()
    }

    fn __repr__(&self) -> String {
        format!("Chart({} bytes of SVG)", self.svg.len())
    }
}

#[pymethods]
impl PyJourneyMap {
    /// A journey map filled from an event log and, optionally, survey responses: stages and
    /// touchpoints from the log, measured figures per touchpoint, emotions from satisfaction,
    /// pain points, opportunities and priorities; one persona per value of the `persona`
    /// property (see docs/map-from-data.md for the options).
    #[staticmethod]
    #[pyo3(signature = (log, surveys=None, **kwargs))]
    fn from_data(
        py: Python<'_>,
        log: PyRef<'_, PyEventLog>,
        surveys: Option<PyRef<'_, PySurveys>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let opts: FromDataOptions = options("from_data options", kwargs)?;
        let log = log.inner.clone();
        let surveys = surveys.map(|s| s.inner.clone());
        detach(py, move || {
            JourneyMap::from_data(&log, surveys.as_deref(), &opts)
        })?
        .map(|inner| PyJourneyMap { inner })
        .map_err(to_py_err)
    }
}

/// One self-contained HTML page (no network fetches) about the journeys in `log`: key figures,
/// the journey map from data, pain points, funnel, top paths, attribution, retention and
/// satisfaction. Pass `designed_map=JourneyMap` to show a hand-designed map too.
#[pyfunction]
#[pyo3(signature = (log, surveys=None, **kwargs))]
pub fn report(
    py: Python<'_>,
    log: PyRef<'_, PyEventLog>,
    surveys: Option<PyRef<'_, PySurveys>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    // A JourneyMap object is accepted for `designed_map` as well as its dict form.
    let mut designed = None;
    let rest = match kwargs {
        Some(kw) => {
            let kw = kw.copy()?;
            if let Some(m) = kw.get_item("designed_map")? {
                if let Ok(m) = m.extract::<PyRef<'_, PyJourneyMap>>() {
                    designed = Some(m.inner.clone());
                    kw.del_item("designed_map")?;
                }
            }
            Some(kw)
        }
        None => None,
    };
    let opts = ReportOptions::from_json_with_map(&kwargs_json(rest.as_ref())?, designed)
        .map_err(to_py_err)?;
    let log = log.inner.clone();
    let surveys = surveys.map(|s| s.inner.clone());
    detach(py, move || {
        journey_core::report::report(&log, surveys.as_deref(), &opts)
    })?
    .map_err(to_py_err)
}

#[pymethods]
impl PyEventLog {
    /// `journey.report(log, surveys, **kwargs)` as a method, so that a cell calling
    /// `log.report()` runs the same on an EventLog, a journey.spark and a journey.dask log.
    #[pyo3(signature = (surveys=None, **kwargs))]
    fn report(
        slf: PyRef<'_, Self>,
        py: Python<'_>,
        surveys: Option<PyRef<'_, PySurveys>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        report(py, slf, surveys, kwargs)
    }

    /// `JourneyMap.from_data(log, surveys, **kwargs)` as a method (see `report`).
    #[pyo3(signature = (surveys=None, **kwargs))]
    fn map_from_data(
        slf: PyRef<'_, Self>,
        py: Python<'_>,
        surveys: Option<PyRef<'_, PySurveys>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyJourneyMap> {
        PyJourneyMap::from_data(py, slf, surveys, kwargs)
    }
}
