//! Python bindings of journey: the module `journey._journey`, re-exported by `journey`.
//! Thin by design: convert arguments, call journey-core, convert results, map errors.

use pyo3::prelude::*;

mod arrow;
mod attribution;
mod compare;
mod convert;
mod error;
mod frames;
mod journeys;
mod kpis;
mod live;
mod model;
mod open_journeys;
mod partial;
mod report;
mod result;
mod retention;
mod run;
mod survey;

#[pymodule]
fn _journey(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    error::register(m)?;
    m.add_class::<model::PyEventLog>()?;
    m.add_class::<model::PySurveys>()?;
    m.add_class::<model::PyJourneyMap>()?;
    m.add_function(wrap_pyfunction!(model::read_events, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_surveys, m)?)?;
    m.add_function(wrap_pyfunction!(model::synthetic, m)?)?;
    m.add_class::<result::PyOutput>()?;
    m.add_function(wrap_pyfunction!(result::_result_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(journeys::_graph_from_state, m)?)?;
    partial::register_engine_helpers(m)?;
    m.add_class::<attribution::PyPathTable>()?;
    m.add_class::<journeys::PyTransitionGraph>()?;
    m.add_function(wrap_pyfunction!(survey::nps, m)?)?;
    m.add_function(wrap_pyfunction!(survey::csat, m)?)?;
    m.add_function(wrap_pyfunction!(survey::ces, m)?)?;
    m.add_function(wrap_pyfunction!(survey::nps_diff, m)?)?;
    m.add_function(wrap_pyfunction!(attribution::read_path_table, m)?)?;
    m.add_class::<partial::PyPartial>()?;
    m.add_class::<partial::PyContext>()?;
    m.add_class::<live::PyLiveAnalysis>()?;
    m.add_function(wrap_pyfunction!(partial::merge_partials, m)?)?;
    m.add_class::<report::PyChart>()?;
    m.add_function(wrap_pyfunction!(report::report, m)?)?;
    Ok(())
}
