//! Journeys: funnels, sessions, conversion paths, path statistics and the transition graph.

use journey_core::metrics::funnel::{funnel, FunnelOptions};
use journey_core::metrics::graph::{transition_graph, TransitionGraph, TransitionGraphOptions};
use journey_core::metrics::path_stats::{
    conversion_paths_table, path_stats, ConversionPathsOptions, PathStatsOptions,
};
use journey_core::metrics::sessions::{sessions, SessionOptions};
use journey_core::render::{FunnelChart, Sankey};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::json;

use crate::convert::{kwargs_json, to_json, to_py};
use crate::error::to_py_err;
use crate::model::PyEventLog;
use crate::result::{options, PyOutput};
use crate::run::detach;

#[pymethods]
impl PyEventLog {
    /// Funnel over `steps` (each a touchpoint or a list of touchpoints): customers reaching each
    /// step, conversion, drop-off and time between steps. Options: `window="14d"`,
    /// `mode="ordered" | "strict" | "any"`, `first_attempt`, `exclude`, `breakdown`,
    /// `dropped_ids`.
    #[pyo3(signature = (steps, **kwargs))]
    fn funnel(
        &self,
        py: Python<'_>,
        steps: &Bound<'_, PyAny>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let mut args = kwargs_json(kwargs)?;
        args["steps"] = to_json(steps)?;
        let opts: FunnelOptions =
            journey_core::args::from_json("funnel options", &args).map_err(to_py_err)?;
        let log = self.inner.clone();
        let r = detach(py, move || funnel(&log, &opts))?.map_err(to_py_err)?;
        PyOutput::new("funnel", &r, Some("steps"))?
            .with_chart(FunnelChart::from_funnel(&r, "Funnel").to_svg())
    }

    /// Sessions (`gap="30m"`) and periods of inactivity (`inactivity="7d"`).
    #[pyo3(signature = (**kwargs))]
    fn sessions(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: SessionOptions = options("sessions options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || sessions(&log, &opts))?.map_err(to_py_err)?;
        PyOutput::new("sessions", &r, Some("inactivity_touchpoints"))
    }

    /// Every conversion path (`level="channel"`, `lookback`, `first_conversion_only`,
    /// `collapse_repeats`, `exclude`), one row per path.
    #[pyo3(signature = (**kwargs))]
    fn conversion_paths(
        &self,
        py: Python<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let opts: ConversionPathsOptions = options("conversion_paths options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || conversion_paths_table(&log, &opts))?.map_err(to_py_err)?;
        PyOutput::new("conversion_paths", &r, Some("rows"))
    }

    /// Touchpoints before conversion, time to convert, path variants and per-touchpoint
    /// conversion, lift and attribution share (`attribution_model="linear"`).
    #[pyo3(signature = (**kwargs))]
    fn path_stats(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: PathStatsOptions = options("path_stats options", kwargs)?;
        let log = self.inner.clone();
        let top = opts.top;
        let r = detach(py, move || path_stats(&log, &opts))?.map_err(to_py_err)?;
        PyOutput::new("path_stats", &r, Some("touches"))?
            .with_chart(Sankey::from_path_stats(&r, "Top paths", top).to_svg())
    }

    /// The transition graph (`level="touchpoint"`, `session_gap`, `collapse_repeats`).
    #[pyo3(signature = (**kwargs))]
    fn transition_graph(
        &self,
        py: Python<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyTransitionGraph> {
        let opts: TransitionGraphOptions = options("transition_graph options", kwargs)?;
        let log = self.inner.clone();
        let g = detach(py, move || transition_graph(&log, &opts))?.map_err(to_py_err)?;
        Ok(PyTransitionGraph { inner: g })
    }
}

/// The transition graph: nodes are `start`, the touchpoints (or channels) and `end`; an edge
/// a -> b counts how often b directly follows a.
#[pyclass(frozen, name = "TransitionGraph", module = "journey")]
#[derive(Debug)]
pub struct PyTransitionGraph {
    inner: TransitionGraph,
}

#[pymethods]
impl PyTransitionGraph {
    /// Edges as dicts: source, target, count, customers, probability, median and mean time.
    fn edges<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner.edges()))
    }

    /// Nodes as dicts: name, kind (start / touch / end), visits, customers, conversion.
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner.nodes()))
    }

    /// Graphviz DOT text.
    fn to_dot(&self) -> String {
        self.inner.to_dot()
    }

    /// Mermaid flowchart text.
    fn to_mermaid(&self) -> String {
        self.inner.to_mermaid()
    }

    /// The canonical JSON shape (level, n_walks, n_customers, nodes, edges).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &json!(self.inner))
    }

    /// The edges as a pandas DataFrame (pandas must be installed).
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyOutput::new("transition_graph", &self.inner, Some("edges"))?
            .into_pyobject(py)?
            .call_method0("to_pandas")
    }

    fn __repr__(&self) -> String {
        format!(
            "TransitionGraph(nodes={}, edges={}, walks={})",
            self.inner.graph.node_count(),
            self.inner.graph.edge_count(),
            self.inner.n_walks
        )
    }
}
