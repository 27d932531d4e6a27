//! Journeys: funnels, sessions, conversion paths, path statistics and the transition graph.

use journey_core::metrics::drivers::{conversion_drivers, DriversOptions, DriversResult};
use journey_core::metrics::funnel::{funnel, FunnelOptions, FunnelResult};
use journey_core::metrics::graph::{transition_graph, TransitionGraph, TransitionGraphOptions};
use journey_core::metrics::path_stats::{
    conversion_paths_table, path_stats, ConversionPathsOptions, PathStatsOptions,
};
use journey_core::metrics::sessions::{sessions, SessionOptions, SessionsResult};
use journey_core::model::Tabular;
use journey_core::render::{DefaultChart, Sankey};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{kwargs_json, to_json, to_py};
use crate::error::to_py_err;
use crate::model::PyEventLog;
use crate::result::{options, PyOutput};
use crate::run::detach;

/// The Python result of sessions (also of a finished partial).
pub(crate) fn sessions_output(r: SessionsResult) -> PyResult<PyOutput> {
    Ok(PyOutput::with_source(
        "sessions",
        std::sync::Arc::new(r),
        "inactivity_touchpoints",
    ))
}

/// The Python result of path statistics (also of a finished partial).
pub(crate) fn path_stats_output(
    r: journey_core::metrics::path_stats::PathStatsResult,
    top: usize,
) -> PyResult<PyOutput> {
    let r = std::sync::Arc::new(r);
    let drawn = r.clone();
    PyOutput::with_source("path_stats", r, "touches")
        .with_chart(move || Sankey::from_path_stats(&drawn, drawn.default_title(), top).to_svg())
}

/// The Python result of a funnel (also of a finished funnel partial).
pub(crate) fn funnel_output(r: FunnelResult) -> PyResult<PyOutput> {
    let r = std::sync::Arc::new(r);
    let drawn = r.clone();
    // The funnel's chart, with the trend chart under it when the funnel has a trend.
    PyOutput::with_source("funnel", r, "steps")
        .with_chart(move || journey_core::render::funnel_picture(&drawn, &drawn.default_title()))
}

/// The Python result of conversion drivers: its rows are the table, its chart a forest plot.
pub(crate) fn drivers_output(r: DriversResult) -> PyResult<PyOutput> {
    PyOutput::new("conversion_drivers", &r, Some("rows"))?.with_default_chart(&r)
}

#[pymethods]
impl PyEventLog {
    /// Conversion drivers: per touchpoint (or channel, `level="channel"`) seen before the
    /// outcome and per value of the customer `properties` asked for, converters and
    /// non-converters with and without it, the odds ratio with its 95% interval, Fisher's
    /// p-value, the Benjamini-Hochberg q-value and a `significant` flag (`alpha=0.05`), largest
    /// odds ratio first. The outcome is a conversion, or with `steps` (and `step`, default the
    /// last; `window`, `mode` as for `funnel`) reaching that funnel step from the one before.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint\n"
    /// ...     "a,0,ad\na,1,purchase\nb,0,ad\nb,1,purchase\nc,0,mail\nd,0,mail\n")
    /// >>> d = log.conversion_drivers()
    /// >>> [(r["label"], r["converters_with"], round(r["p_value"], 4)) for r in d.rows]
    /// [('ad', 2, 0.3333), ('mail', 0, 0.3333)]
    #[pyo3(signature = (**kwargs))]
    fn conversion_drivers(
        &self,
        py: Python<'_>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyOutput> {
        let opts: DriversOptions = options("conversion_drivers options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || conversion_drivers(&log, &opts))?.map_err(to_py_err)?;
        drivers_output(r)
    }

    /// Funnel over `steps` (each a touchpoint or a list of touchpoints): customers reaching each
    /// step, conversion, drop-off and time between steps. Options: `window="14d"`,
    /// `mode="ordered" | "strict" | "any"`, `first_attempt`, `exclude`, `breakdown`,
    /// `dropped_ids`, `as_of` (default the data end: `open` gives the customers still in
    /// progress; a time; or `False`: none), `after_drop_off`, `trend`.
    ///
    /// >>> import journey
    /// >>> log = journey.EventLog.from_csv_text(
    /// ...     "customer_id,timestamp,touchpoint,channel,value\n"
    /// ...     "a,2026-01-01T00:00:00Z,ad,social,\na,2026-01-02T00:00:00Z,site,web,\n"
    /// ...     "a,2026-01-03T00:00:00Z,purchase,web,40\n"
    /// ...     "b,2026-01-01T00:00:00Z,ad,social,\nb,2026-01-05T00:00:00Z,site,web,\n"
    /// ...     "c,2026-01-02T00:00:00Z,site,web,\n")
    /// >>> f = log.funnel(steps=["ad", "site", "purchase"])
    /// >>> [s["customers"] for s in f.steps]  # c never saw the ad; b did not buy
    /// [2, 2, 1]
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
        funnel_output(r)
    }

    /// Sessions (`gap="30m"`) and periods of inactivity (`inactivity="7d"`).
    #[pyo3(signature = (**kwargs))]
    fn sessions(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: SessionOptions = options("sessions options", kwargs)?;
        let log = self.inner.clone();
        let r = detach(py, move || sessions(&log, &opts))?.map_err(to_py_err)?;
        sessions_output(r)
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
        Ok(PyOutput::with_source(
            "conversion_paths",
            std::sync::Arc::new(r),
            "rows",
        ))
    }

    /// Touchpoints before conversion, time to convert, path variants and per-touchpoint
    /// conversion, lift and attribution share (`attribution_model="linear"`).
    #[pyo3(signature = (**kwargs))]
    fn path_stats(&self, py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyOutput> {
        let opts: PathStatsOptions = options("path_stats options", kwargs)?;
        let log = self.inner.clone();
        let top = opts.top;
        let r = detach(py, move || path_stats(&log, &opts))?.map_err(to_py_err)?;
        path_stats_output(r, top)
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
        PyTransitionGraph::new(g)
    }
}

/// The transition graph: nodes are `start`, the touchpoints (or channels) and `end`; an edge
/// a -> b counts how often b directly follows a. Its table (`to_pandas()`, `to_polars()`,
/// `to_arrow()`, the Arrow PyCapsule interface) is the edges; it pickles.
///
/// >>> import journey
/// >>> log = journey.EventLog.from_csv_text(
/// ...     "customer_id,timestamp,touchpoint\na,1,ad\na,2,purchase\nb,1,ad\n")
/// >>> g = log.transition_graph()
/// >>> [(e["source"], e["target"], e["count"]) for e in g.edges()]
/// [('start', 'ad', 2), ('ad', 'purchase', 1), ('ad', 'end', 1), ('purchase', 'end', 1)]
#[pyclass(frozen, name = "TransitionGraph", module = "journey")]
#[derive(Debug)]
pub struct PyTransitionGraph {
    /// The graph (`None` for an unpickled one, which has its state below).
    graph: Option<std::sync::Arc<TransitionGraph>>,
    /// The canonical JSON shape, DOT and Mermaid texts: made when first asked for (a graph of
    /// a million touchpoints need not pay for all three).
    value: std::sync::OnceLock<serde_json::Value>,
    dot: std::sync::OnceLock<String>,
    mermaid: std::sync::OnceLock<String>,
}

impl PyTransitionGraph {
    pub(crate) fn new(g: TransitionGraph) -> PyResult<Self> {
        Ok(PyTransitionGraph {
            graph: Some(std::sync::Arc::new(g)),
            value: Default::default(),
            dot: Default::default(),
            mermaid: Default::default(),
        })
    }

    fn graph(&self) -> &TransitionGraph {
        self.graph
            .as_deref()
            .expect("a graph without its state is never built")
    }

    fn value(&self) -> PyResult<&serde_json::Value> {
        if let Some(v) = self.value.get() {
            return Ok(v);
        }
        let v =
            serde_json::to_value(self.graph()).map_err(|e| crate::error::argument("graph", e))?;
        Ok(self.value.get_or_init(|| v))
    }

    fn dot(&self) -> &str {
        self.dot.get_or_init(|| self.graph().to_dot())
    }

    fn mermaid(&self) -> &str {
        self.mermaid.get_or_init(|| self.graph().to_mermaid())
    }

    fn output(&self) -> PyResult<PyOutput> {
        match &self.graph {
            Some(g) => Ok(PyOutput::with_source(
                "transition_graph",
                std::sync::Arc::new(GraphEdges(g.clone())),
                "edges",
            )),
            None => PyOutput::new("transition_graph", self.value()?, Some("edges")),
        }
    }

    fn count(&self, field: &str) -> PyResult<usize> {
        Ok(match (&self.graph, field) {
            (Some(g), "nodes") => g.graph.node_count(),
            (Some(g), "edges") => g.graph.edge_count(),
            _ => self.value()?[field].as_array().map_or(0, Vec::len),
        })
    }
}

#[pymethods]
impl PyTransitionGraph {
    /// Edges as dicts: source, target, count, customers, probability, median and mean time.
    fn edges<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.graph {
            Some(g) => {
                let t = g.table().map_err(to_py_err)?;
                Ok(crate::convert::table_rows(py, &t)?.into_any())
            }
            None => to_py(py, &self.value()?["edges"]),
        }
    }

    /// Nodes as dicts: name, kind (start / touch / end), visits, customers, conversion.
    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.value()?["nodes"])
    }

    /// Graphviz DOT text.
    fn to_dot(&self) -> String {
        self.dot().to_string()
    }

    /// Mermaid flowchart text.
    fn to_mermaid(&self) -> String {
        self.mermaid().to_string()
    }

    /// The canonical JSON shape (level, n_walks, n_customers, nodes, edges).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.value()?)
    }

    /// The edges as a pandas DataFrame (pandas must be installed).
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.output()?.into_pyobject(py)?.call_method0("to_pandas")
    }

    /// The edges as a polars DataFrame (polars must be installed).
    fn to_polars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.output()?.into_pyobject(py)?.call_method0("to_polars")
    }

    /// The edges as a pyarrow Table (pyarrow must be installed).
    fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.output()?.into_pyobject(py)?.call_method0("to_arrow")
    }

    /// The edges as an Arrow C stream (the Arrow PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, pyo3::types::PyCapsule>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.output()?
            .into_pyobject(py)?
            .call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// A small table of the edges in notebooks.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        self.output()?
            .into_pyobject(py)?
            .call_method0("_repr_html_")?
            .extract()
    }

    /// Pickling: rebuilt from its state.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let f = py
            .import("journey._journey")?
            .getattr("_graph_from_state")?;
        let args = (
            self.value()?.to_string(),
            self.dot().to_string(),
            self.mermaid().to_string(),
        );
        pyo3::types::PyTuple::new(py, [f.into_any(), args.into_pyobject(py)?.into_any()])
    }

    fn __eq__(&self, other: &Self) -> PyResult<bool> {
        Ok(self.value()? == other.value()?)
    }

    fn __repr__(&self) -> PyResult<String> {
        let walks = match &self.graph {
            Some(g) => g.n_walks.into(),
            None => self.value()?["n_walks"].clone(),
        };
        Ok(format!(
            "TransitionGraph(nodes={}, edges={}, walks={walks})",
            self.count("nodes")?,
            self.count("edges")?,
        ))
    }
}

/// Rebuilds a pickled transition graph.
#[pyfunction]
pub fn _graph_from_state(json: &str, dot: String, mermaid: String) -> PyResult<PyTransitionGraph> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| crate::error::argument("graph", e))?;
    Ok(PyTransitionGraph {
        graph: None,
        value: value.into(),
        dot: dot.into(),
        mermaid: mermaid.into(),
    })
}

/// A shared graph as a result source: the edges are its table.
#[derive(Debug)]
struct GraphEdges(std::sync::Arc<TransitionGraph>);

impl Tabular for GraphEdges {
    fn table(&self) -> journey_core::Result<journey_core::model::Table<'_>> {
        self.0.table()
    }
}

impl serde::Serialize for GraphEdges {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
