//! Retention: `EventLog.retention`, the cohort matrix (journey-core's `metrics::retention`).

use journey_core::metrics::retention::RetentionOptions;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::to_py_err;
use crate::model::PyEventLog;
use crate::result::{options, PyOutput};
use crate::run::detach;

#[pymethods]
impl PyEventLog {
    /// The cohort retention matrix (`period` day / week / month, `periods`, `start`, `ret`,
    /// `min_returns` return events needed in a period, `unbounded`: that period or later).
    #[pyo3(signature = (**kwargs))]
    fn retention(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: RetentionOptions = options("retention options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || log.retention(&opts))?.map_err(to_py_err)?;
        retention_output(&r)
    }
}

/// The Python result of a cohort matrix (also of a finished partial).
pub(crate) fn retention_output(
    r: &journey_core::metrics::retention::RetentionResult,
) -> PyResult<PyOutput> {
    PyOutput::new("retention", r, Some("cohorts"))?.with_default_chart(r)
}
