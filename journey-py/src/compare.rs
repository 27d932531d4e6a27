//! What changed: `EventLog.compare` (journey_core::metrics::compare).

use journey_core::metrics::compare::{compare, CompareOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{kwargs_json, to_json};
use crate::error::to_py_err;
use crate::model::{PyEventLog, PySurveys};
use crate::result::PyOutput;
use crate::run::detach;

#[pymethods]
impl PyEventLog {
    /// What changed from side `a` to side `b`: each a dict with a period (`from`, `to`: RFC 3339
    /// text or Unix seconds, `to` exclusive), a segment (`property`, `value`), or both, and an
    /// optional `label`. Compares the funnel over `steps` (if given; `window`, `mode` as for
    /// `funnel`: each step from the one before it, and the whole funnel) and the KPIs
    /// (`kpis=True`: conversion rate, repeat purchase rate): per figure both rates, the change
    /// `b - a` with Newcombe's 95% interval, the p-value of the two-proportion z-test (Fisher's
    /// exact test when an expected cell is below 5), the Benjamini-Hochberg q-value across all
    /// rows and a `significant` flag (`alpha=0.05`).
    ///
    /// With `surveys` (a `Surveys`), also NPS, CSAT and CES of each side's customers' responses
    /// (given within the side's period); with `retention_periods=[1, 4]` (and `retention={...}`
    /// options as for `retention`), the share of each side's cohorts retained at those periods;
    /// with `attribution={...}` (options as for `attribution`, `{}` for the defaults), each
    /// channel's share, with a bootstrap over customers (`resamples=500`, `seed=1`). See
    /// docs/compare.md. The result's `chart` is the table with arrows.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\n"
    /// ...     "a,2026-01-02T00:00:00Z,view\na,2026-01-02T01:00:00Z,purchase\n"
    /// ...     "b,2026-01-09T00:00:00Z,view\n")
    /// >>> r = log.compare({"to": "2026-01-08T00:00:00Z"}, {"from": "2026-01-08T00:00:00Z"})
    /// >>> [(x["label"], x["a_rate"], x["b_rate"]) for x in r.rows][:1]
    /// [('conversion rate', 1.0, 0.0)]
    #[pyo3(signature = (a, b, surveys = None, **kwargs))]
    fn compare(
        &self,
        py: Python<'_>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
        surveys: Option<PyRef<'_, PySurveys>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let mut args = kwargs_json(kwargs)?;
        args["a"] = to_json(a)?;
        args["b"] = to_json(b)?;
        let opts: CompareOptions =
            journey_core::args::from_json("compare options", &args).map_err(to_py_err)?;
        let log = self.inner.clone();
        let surveys = surveys.map(|s| s.inner.clone());
        let r = detach(py, move || compare(&log, surveys.as_deref(), &opts))?.map_err(to_py_err)?;
        PyOutput::new("compare", &r, Some("rows"))?.with_default_chart(&r)
    }
}
