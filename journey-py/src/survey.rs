//! Survey metrics: `journey.nps(scores)`, `journey.nps_diff`, `Surveys.with_log` and
//! `Surveys.nps/csat/ces` (journey-core's `metrics::survey`).

use journey_core::metrics::survey::{self, ScoreOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::to_py_err;
use crate::model::{PyEventLog, PySurveys};
use crate::result::{options, PyOutput};
use crate::run::detach;

/// A Python argument as JSON; a `journey.Result` gives its canonical JSON.
fn arg_json(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    match obj.cast::<PyOutput>() {
        Ok(r) => Ok(r.get().value().clone()),
        Err(_) => crate::convert::to_json(obj),
    }
}

/// NPS of a list of 0-10 answers (None / NaN are skipped as unanswered).
///
/// >>> import journey
/// >>> r = journey.nps([10, 9, 8, 7, 0, None])  # 2 promoters, 2 passives, 1 detractor of 5
/// >>> r.n, r.nps, r.promoters_pct, r.detractors_pct
/// (5, 20.0, 40.0, 20.0)
#[pyfunction]
pub fn nps(scores: &Bound<'_, PyAny>) -> PyResult<PyOutput> {
    let r = survey::nps_scores_json(&arg_json(scores)?).map_err(to_py_err)?;
    PyOutput::new("nps", &r, None)
}

/// CSAT (top-2-box %, Wilson interval, mean) of a list of 1-5 answers.
#[pyfunction]
pub fn csat(scores: &Bound<'_, PyAny>) -> PyResult<PyOutput> {
    let r = survey::csat_scores_json(&arg_json(scores)?).map_err(to_py_err)?;
    PyOutput::new("csat", &r, None)
}

/// CES (mean with a t interval, share 5-7) of a list of 1-7 answers.
#[pyfunction]
pub fn ces(scores: &Bound<'_, PyAny>) -> PyResult<PyOutput> {
    let r = survey::ces_scores_json(&arg_json(scores)?).map_err(to_py_err)?;
    PyOutput::new("ces", &r, None)
}

/// The difference of two groups' NPS (a - b) with its z test. Each side is a list of 0-10
/// answers or an NPS result (`journey.nps(...)`, `surveys.nps(...)`, which stands for its overall
/// figures, or one of its `groups`).
#[pyfunction]
pub fn nps_diff(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<PyOutput> {
    let ra = survey::nps_diff_arg("a", &arg_json(a)?).map_err(to_py_err)?;
    let rb = survey::nps_diff_arg("b", &arg_json(b)?).map_err(to_py_err)?;
    PyOutput::new("nps_diff", &survey::nps_diff(&ra, &rb), None)
}

/// The Python result of NPS by group (also of a finished partial).
pub(crate) fn nps_output(r: survey::NpsBreakdown) -> PyResult<PyOutput> {
    PyOutput::new("nps", &r, Some("groups"))?
        .with_table(&r.table())?
        .with_default_chart(&r)
}

/// The Python result of CSAT by group (also of a finished partial).
pub(crate) fn csat_output(r: survey::CsatBreakdown) -> PyResult<PyOutput> {
    PyOutput::new("csat", &r, Some("groups"))?
        .with_table(&r.table())?
        .with_default_chart(&r)
}

/// The Python result of CES by group (also of a finished partial).
pub(crate) fn ces_output(r: survey::CesBreakdown) -> PyResult<PyOutput> {
    PyOutput::new("ces", &r, Some("groups"))?
        .with_table(&r.table())?
        .with_default_chart(&r)
}

/// The score options in `kwargs`, and the log to join: `log=` (the older spelling of
/// `with_log`, still accepted with a `DeprecationWarning`) or the one of `with_log`.
fn breakdown_args(
    s: &PySurveys,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(ScoreOptions, Option<std::sync::Arc<journey_core::EventLog>>)> {
    let mut log = s.log.clone();
    let rest = match kwargs {
        Some(kw) => {
            let kw = kw.copy()?;
            if let Some(l) = kw.get_item("log")? {
                kw.del_item("log")?;
                if !l.is_none() {
                    let py = kw.py();
                    pyo3::PyErr::warn(
                        py,
                        &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
                        c"surveys.nps(log=log) is deprecated: join once with surveys.with_log(log)",
                        2,
                    )?;
                    log = Some(l.extract::<PyRef<'_, PyEventLog>>()?.inner.clone());
                }
            }
            Some(kw)
        }
        None => None,
    };
    Ok((options("score options", rest.as_ref())?, log))
}

#[pymethods]
impl PySurveys {
    /// The same responses joined to an event log: breakdowns by stage, channel or a property
    /// (and the touchpoints of responses that name none) come from the customers' journeys.
    /// The data is shared, not copied. JavaScript spells it `surveys.withLog(log)`.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint,channel\na,1,shop,web\nb,1,call,phone\n")
    /// >>> s = journey.Surveys.from_csv_text("customer_id,timestamp,nps\na,2,10\nb,2,0\n")
    /// >>> [(g["key"], g["nps"]) for g in s.with_log(log).nps(by="channel").groups]
    /// [('phone', -100.0), ('web', 100.0)]
    fn with_log(&self, log: PyRef<'_, PyEventLog>) -> PySurveys {
        PySurveys {
            inner: self.inner.clone(),
            log: Some(log.inner.clone()),
        }
    }

    /// NPS overall and, with `by=`, per touchpoint / stage / channel / property. Join the
    /// responses to the event log first (`with_log`) for stage, channel and properties.
    #[pyo3(signature = (**kwargs))]
    fn nps(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(self, kwargs)?;
        let s = self.inner.clone();
        let r = detach(py, move || survey::nps(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        nps_output(r)
    }

    /// CSAT overall and per group (see `nps`).
    #[pyo3(signature = (**kwargs))]
    fn csat(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(self, kwargs)?;
        let s = self.inner.clone();
        let r = detach(py, move || survey::csat(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        csat_output(r)
    }

    /// CES overall and per group (see `nps`).
    #[pyo3(signature = (**kwargs))]
    fn ces(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(self, kwargs)?;
        let s = self.inner.clone();
        let r = detach(py, move || survey::ces(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        ces_output(r)
    }
}
