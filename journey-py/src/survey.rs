//! Survey metrics: `journey.nps(scores)`, `journey.nps_diff`, `Surveys.nps/csat/ces` and
//! retention / KPIs on the event log.

use journey_core::metrics::retention::{KpiOptions, RetentionOptions};
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

fn breakdown_args<'py>(
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(ScoreOptions, Option<PyRef<'py, PyEventLog>>)> {
    let mut log = None;
    let rest = match kwargs {
        Some(kw) => {
            let kw = kw.copy()?;
            if let Some(l) = kw.get_item("log")? {
                kw.del_item("log")?;
                if !l.is_none() {
                    log = Some(l.extract::<PyRef<'py, PyEventLog>>()?);
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
    /// NPS overall and, with `by=`, per touchpoint / stage / channel / property. Pass `log=`
    /// to join responses to the event log (needed for stage, channel and properties).
    #[pyo3(signature = (**kwargs))]
    fn nps(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(kwargs)?;
        let log = log.map(|l| l.inner.clone());
        let s = self.inner.clone();
        let r = detach(py, move || survey::nps(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        nps_output(r)
    }

    /// CSAT overall and per group (see `nps`).
    #[pyo3(signature = (**kwargs))]
    fn csat(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(kwargs)?;
        let log = log.map(|l| l.inner.clone());
        let s = self.inner.clone();
        let r = detach(py, move || survey::csat(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        csat_output(r)
    }

    /// CES overall and per group (see `nps`).
    #[pyo3(signature = (**kwargs))]
    fn ces(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let (opts, log) = breakdown_args(kwargs)?;
        let log = log.map(|l| l.inner.clone());
        let s = self.inner.clone();
        let r = detach(py, move || survey::ces(&s, log.as_deref(), &opts))?.map_err(to_py_err)?;
        ces_output(r)
    }
}

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

    /// Business KPIs: conversion, repeat purchase rate, AOV, revenue per customer, and for a
    /// period (`start`, `end`) retention (CRR) and churn.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint,channel,value\n"
    /// ...     "a,2026-01-01T00:00:00Z,ad,social,\na,2026-01-02T00:00:00Z,site,web,\n"
    /// ...     "a,2026-01-03T00:00:00Z,purchase,web,40\n"
    /// ...     "b,2026-01-01T00:00:00Z,ad,social,\nb,2026-01-05T00:00:00Z,site,web,\n"
    /// ...     "c,2026-01-02T00:00:00Z,site,web,\n")
    /// >>> k = log.kpis()
    /// >>> k.n_customers, k.n_buyers, round(k.conversion_rate, 2), k.aov
    /// (3, 1, 33.33, 40.0)
    #[pyo3(signature = (**kwargs))]
    fn kpis(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: KpiOptions = options("kpi options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || log.kpis(&opts))?.map_err(to_py_err)?;
        kpis_output(&r)
    }
}

/// The Python result of a cohort matrix (also of a finished partial).
pub(crate) fn retention_output(
    r: &journey_core::metrics::retention::RetentionResult,
) -> PyResult<PyOutput> {
    PyOutput::new("retention", r, Some("cohorts"))?.with_default_chart(r)
}

/// The Python result of the KPIs (also of a finished partial).
pub(crate) fn kpis_output(r: &journey_core::metrics::retention::Kpis) -> PyResult<PyOutput> {
    PyOutput::new("kpis", r, None)
}
