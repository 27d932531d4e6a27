//! Open journeys: `EventLog.open_journeys` (scores) and `EventLog.open_journeys_backtest`.

use std::sync::Arc;

use journey_core::metrics::backtest::{backtest, BacktestOptions};
use journey_core::metrics::open_journeys::{open_journeys, OpenJourneyOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::to_py_err;
use crate::model::PyEventLog;
use crate::result::{options, PyOutput};
use crate::run::detach;

#[pymethods]
impl PyEventLog {
    /// Scores every open journey (the touches since a customer's last conversion) from the
    /// exact Markov chain fitted on the log: probability of converting, expected further
    /// touches, next best touchpoint. Options: `level="touchpoint"`, `order=1`,
    /// `collapse_repeats`, `exclude`, `as_of`, `only_unconverted`, `min_support=30`,
    /// `next_touches=5`, `top_paths=3`, `max_path_length=10`, `idle=True`. The table of rows is
    /// the journeys; `to_polars("states")`, `"next_touches"`, `"top_paths"` give the others.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\na,1,ad\na,2,site\na,3,purchase\n"
    /// ...     "b,1,ad\nb,2,site\nc,1,ad\n")
    /// >>> r = log.open_journeys(idle=False)
    /// >>> [(j["customer_id"], j["state"], round(j["probability"], 4)) for j in r.journeys]
    /// [('b', 'site', 0.5), ('c', 'ad', 0.3333)]
    #[pyo3(signature = (**kwargs))]
    fn open_journeys(
        &self,
        py: Python<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let opts: OpenJourneyOptions = options("open_journeys options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || open_journeys(&log, &opts))?.map_err(to_py_err)?;
        Ok(PyOutput::with_source(
            "open_journeys",
            Arc::new(r),
            "journeys",
        ))
    }

    /// The time-split backtest of open-journey scoring: fit before `as_of`, score the
    /// journeys open then, compare with conversions within `horizon="14d"`. AUC, Brier score
    /// and calibration (`to_polars("calibration")`) of the Markov probability and of two
    /// baselines (the last touch's conversion rate, the overall rate).
    #[pyo3(signature = (**kwargs))]
    fn open_journeys_backtest(
        &self,
        py: Python<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let opts: BacktestOptions = options("open_journeys_backtest options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || backtest(&log, &opts))?.map_err(to_py_err)?;
        Ok(PyOutput::with_source(
            "open_journeys_backtest",
            Arc::new(r),
            "predictors",
        ))
    }
}
