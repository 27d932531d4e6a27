//! Journeys: funnels, sessions, conversion paths, path statistics and the transition graph.

use journey_core::args::from_json;
use journey_core::metrics::drivers::{conversion_drivers, DriversOptions};
use journey_core::metrics::funnel::{funnel, FunnelOptions};
use journey_core::metrics::graph::{
    transition_graph, TransitionGraph as CoreGraph, TransitionGraphOptions,
};
use journey_core::metrics::path_stats::{
    conversion_paths_table, path_stats, ConversionPathsOptions, PathStatsOptions,
};
use journey_core::metrics::sessions::{sessions, SessionOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{arg_err, js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_JOURNEYS: &str = r#"
/** A funnel step: one touchpoint, or any of several; as an object it may be marked optional (skippable). */
export type FunnelStepSpec = string | string[] | { touchpoint: string | string[]; optional?: boolean };
/** Touchpoints excluded between two 1-based steps (defaults: the first and the last step). */
export interface FunnelExclusionRange { touchpoint: string | string[]; fromStep?: number | null; toStep?: number | null }
export interface FunnelOptions {
  window?: Duration;
  mode?: "ordered" | "strict" | "any" | "any_order";
  firstAttempt?: boolean;
  /** Each a touchpoint, a set of touchpoints, or one excluded between two 1-based steps. */
  exclude?: (string | string[] | FunnelExclusionRange)[] | null;
  /** A property name (e.g. "persona") or "first_touch_channel". */
  breakdown?: string | null;
  droppedIds?: boolean;
  /** Count as of this time (RFC 3339 or Unix seconds; later events ignored) or "end" (the default, also when null: the last event); reports who is still in progress. `false`: no open-window accounting (no `open`). */
  asOf?: string | number | false | null;
  /** Per step, the top N touchpoints the customers who stopped before it went to next, and were last seen at. */
  afterDropOff?: number;
  /** Conversion per period of step-1 entry, incomplete periods (open windows) marked. */
  trend?: "day" | "week" | "month" | null;
}
export interface FunnelStepResult {
  step: number; label: string; touchpoints: string[]; customers: number;
  conversion_from_start: number | null; conversion_from_previous: number | null;
  dropped: number; drop_off: number | null;
  median_time_from_previous_s: number | null; mean_time_from_previous_s: number | null;
  dropped_ids?: string[];
  /** Present (true) for an optional step: customers who took it on their way; nobody drops there. */
  optional?: boolean;
}
export interface FunnelGroup { value: string | null; conversion: number | null; steps: FunnelStepResult[] }
export interface FunnelResult {
  mode: string; window_s: number; first_attempt: boolean; n_customers: number;
  conversion: number | null; steps: FunnelStepResult[]; breakdown?: string | null; groups?: FunnelGroup[];
  /** Unless `asOf` is false: customers whose window is still open, and the rates without them. */
  open?: FunnelOpenWindows;
  /** With `afterDropOff`: per step 2..k; a touchpoint of null means no further event in the window. */
  after_drop_off?: { step: number; dropped: number; next: FunnelTouchCount[]; last: FunnelTouchCount[] }[];
  /** With `trend`: oldest period first. */
  trend?: FunnelTrendRow[];
}
export interface FunnelTouchCount { touchpoint: string | null; customers: number }
export interface FunnelTrendRow { period: string; start: string; entered: number; converted: number; conversion: number | null; complete: boolean }
export interface FunnelOpenWindows {
  as_of: string | null; in_progress: number; conversion: number | null;
  steps: { step: number; in_progress: number; dropped: number; drop_off: number | null; conversion_from_previous: number | null }[];
}
export interface ConversionDriversOptions {
  /** Test touchpoints (default) or channels. */
  level?: "channel" | "touchpoint";
  /** Test the touches (default true); false: only the properties. */
  touches?: boolean;
  /** Customer properties whose values are tested, e.g. "persona". */
  properties?: string | string[] | null;
  /** Funnel steps: the outcome is reaching `step` from the step before it. */
  steps?: FunnelStepSpec[] | null;
  /** 1-based step, 2 to the number of steps (default the last). */
  step?: number | null;
  window?: Duration;
  mode?: "ordered" | "strict" | "any" | "any_order";
  /** A row is significant when its q-value is at most this (default 0.05). */
  alpha?: number;
  /** Rows whose feature fewer customers have are left out (default 1). */
  minCustomers?: number;
}
export interface ConversionDriverRow {
  kind: "touchpoint" | "channel" | "property"; name: string; value: string | null; label: string;
  customers_with: number; converters_with: number; non_converters_with: number;
  converters_without: number; non_converters_without: number;
  rate_with: number | null; rate_without: number | null; lift: number | null;
  odds_ratio: number | null; ci_low: number | null; ci_high: number | null; haldane: boolean;
  p_value: number | null; test: "fisher" | "chi_square" | null; q_value: number | null;
  significant: boolean; direction: "positive" | "negative" | "none";
}
export interface ConversionDriversResult {
  outcome: "conversion" | "step"; step: number | null; outcome_label: string; level: string;
  n_customers: number; converters: number; conversion_rate: number | null; alpha: number;
  fisher_max_n: number; n_tested: number; n_significant: number; rows: ConversionDriverRow[];
}
export interface Distribution {
  n: number; mean: number | null; median: number | null; p90: number | null;
  min: number | null; max: number | null; histogram: { lo: number; hi: number | null; count: number }[];
}
export interface SessionOptions { gap?: Duration; inactivity?: Duration; perCustomer?: boolean }
export interface SessionsResult {
  gap_s: number; inactivity_s: number; n_customers: number; n_events: number; n_sessions: number;
  sessions_per_customer: number | null; session_duration_s: Distribution; events_per_session: Distribution;
  n_inactivity_periods: number; customers_with_inactivity: number; inactivity_duration_s: Distribution;
  inactivity_touchpoints: { touchpoint: string; before: number; after: number }[];
  inactivity_transitions: { before: string; after: string; count: number }[];
  /** One row per customer (customer-id order), with `perCustomer: true`. */
  customers?: CustomerSessions[];
}
export interface CustomerSessions {
  customer_id: string; n_events: number; n_sessions: number; mean_session_duration_s: number;
  n_inactivity_periods: number; longest_gap_s: number | null; first_event: string; last_event: string;
}
export interface PathOptionsBase {
  level?: "channel" | "touchpoint"; lookback?: Duration | null; firstConversionOnly?: boolean;
  collapseRepeats?: boolean; exclude?: string[] | null;
}
export interface ConversionPathsResult {
  level: string; n_paths: number; n_conversions: number;
  rows: { customer_id: string; touches: string[]; n_touches: number; converted: boolean; end_time: string; value: number }[];
}
export interface PathStatsOptions extends PathOptionsBase {
  top?: number;
  /** The model behind each touch's attribution_share (default "linear"). */
  attributionModel?: AttributionModel;
}
export interface PathStatsResult {
  level: string; n_paths: number; n_conversions: number; conversion_rate: number | null;
  touches_before_conversion: Distribution; time_to_convert_s: Distribution;
  by_first_touch_channel: { channel: string | null; paths: number; conversions: number; conversion_rate: number | null; touches_before_conversion: Distribution; time_to_convert_s: Distribution }[];
  n_variants: number;
  variants: { path: string[]; count: number; conversions: number; conversion_rate: number | null; share: number | null }[];
  attribution_model: AttributionModel;
  touches: { name: string; paths: number; customers: number; conversions: number; conversion_rate: number | null; lift: number | null; attribution_share: number | null }[];
}
export interface TransitionGraphOptions { level?: "channel" | "touchpoint"; sessionGap?: Duration | null; collapseRepeats?: boolean }
export interface GraphNode { name: string; kind: "start" | "touch" | "end"; visits: number; customers: number; conversion: boolean }
export interface GraphEdge { source: string; target: string; source_kind: "start" | "touch" | "end"; target_kind: "start" | "touch" | "end"; count: number; customers: number; probability: number; median_time_s: number | null; mean_time_s: number | null }
export interface TransitionGraphObject { level: string; n_walks: number; n_customers: number; nodes: GraphNode[]; edges: GraphEdge[] }
"#;

#[wasm_bindgen]
impl EventLog {
    /// Funnel over `steps`: customers reaching each step, conversion, drop-off, times.
    #[wasm_bindgen(unchecked_return_type = "FunnelResult")]
    pub fn funnel(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FunnelStepSpec[]")] steps: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "FunnelOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut args = options(&opts)?;
        args["steps"] = serde_wasm_bindgen::from_value(steps).map_err(|e| arg_err("steps", e))?;
        let o: FunnelOptions = from_json("funnel options", &args).map_err(js_err)?;
        to_js(&funnel(&self.inner, &o).map_err(js_err)?)
    }

    /// Conversion drivers: per touch (and property value) the converters and non-converters
    /// with and without it, the odds ratio with its 95% interval, Fisher's p-value, the
    /// Benjamini-Hochberg q-value and a significance flag, largest odds ratio first.
    #[wasm_bindgen(js_name = conversionDrivers, unchecked_return_type = "ConversionDriversResult")]
    pub fn conversion_drivers(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ConversionDriversOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: DriversOptions =
            from_json("conversionDrivers options", &options(&opts)?).map_err(js_err)?;
        to_js(&conversion_drivers(&self.inner, &o).map_err(js_err)?)
    }

    /// Sessions and periods of inactivity.
    #[wasm_bindgen(unchecked_return_type = "SessionsResult")]
    pub fn sessions(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: SessionOptions = from_json("sessions options", &options(&opts)?).map_err(js_err)?;
        to_js(&sessions(&self.inner, &o).map_err(js_err)?)
    }

    /// Every conversion path, one row per path.
    #[wasm_bindgen(js_name = conversionPaths, unchecked_return_type = "ConversionPathsResult")]
    pub fn conversion_paths(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PathOptionsBase")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: ConversionPathsOptions =
            from_json("conversionPaths options", &options(&opts)?).map_err(js_err)?;
        to_js(&conversion_paths_table(&self.inner, &o).map_err(js_err)?)
    }

    /// Touchpoints before conversion, time to convert, variants, per-touchpoint lift.
    #[wasm_bindgen(js_name = pathStats, unchecked_return_type = "PathStatsResult")]
    pub fn path_stats(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "PathStatsOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: PathStatsOptions =
            from_json("pathStats options", &options(&opts)?).map_err(js_err)?;
        to_js(&path_stats(&self.inner, &o).map_err(js_err)?)
    }

    /// The transition graph.
    #[wasm_bindgen(js_name = transitionGraph)]
    pub fn transition_graph(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "TransitionGraphOptions")] opts: JsValue,
    ) -> Result<TransitionGraph, JsValue> {
        let o: TransitionGraphOptions =
            from_json("transitionGraph options", &options(&opts)?).map_err(js_err)?;
        transition_graph(&self.inner, &o)
            .map(|inner| TransitionGraph { inner })
            .map_err(js_err)
    }
}

/// The transition graph: `start`, the touches and `end`, with counted edges.
#[wasm_bindgen]
#[derive(Debug)]
pub struct TransitionGraph {
    inner: CoreGraph,
}

impl From<CoreGraph> for TransitionGraph {
    fn from(inner: CoreGraph) -> Self {
        TransitionGraph { inner }
    }
}

#[wasm_bindgen]
impl TransitionGraph {
    /// Edges: source, target, count, customers, probability, median and mean time.
    #[wasm_bindgen(unchecked_return_type = "GraphEdge[]")]
    pub fn edges(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.edges())
    }

    /// Nodes: name, kind, visits, customers, conversion.
    #[wasm_bindgen(unchecked_return_type = "GraphNode[]")]
    pub fn nodes(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.nodes())
    }

    /// Graphviz DOT text.
    #[wasm_bindgen(js_name = toDot)]
    pub fn to_dot(&self) -> String {
        self.inner.to_dot()
    }

    /// Mermaid flowchart text.
    #[wasm_bindgen(js_name = toMermaid)]
    pub fn to_mermaid(&self) -> String {
        self.inner.to_mermaid()
    }

    /// The canonical JSON shape as a plain object.
    #[wasm_bindgen(js_name = toObject, unchecked_return_type = "TransitionGraphObject")]
    pub fn to_object(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }
}
