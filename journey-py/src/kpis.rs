//! KPIs: `EventLog.kpis`, the business KPIs of a period (journey-core's `metrics::kpis`).

use journey_core::metrics::kpis::KpiOptions;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::to_py_err;
use crate::model::PyEventLog;
use crate::result::{options, PyOutput};
use crate::run::detach;

#[pymethods]
impl PyEventLog {
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

/// The Python result of the KPIs (also of a finished partial).
pub(crate) fn kpis_output(r: &journey_core::metrics::kpis::Kpis) -> PyResult<PyOutput> {
    PyOutput::new("kpis", r, None)
}
