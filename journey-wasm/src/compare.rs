//! What changed: `EventLog.compare` (journey_core::metrics::compare).

use journey_core::args::from_json;
use journey_core::metrics::compare::{compare, CompareOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_COMPARE: &str = r#"
/** One side of a comparison: a period (`from` inclusive, `to` exclusive), a segment (`property` = `value`), or both. */
export interface CompareSide {
  from?: string | number | null;
  to?: string | number | null;
  property?: string | null;
  value?: string | null;
  label?: string | null;
}
export interface CompareOptions {
  /** The baseline: changes are `b - a`. */
  a: CompareSide;
  b: CompareSide;
  /** Funnel steps to compare (each step from the one before it, and the whole funnel). */
  steps?: FunnelStepSpec[] | null;
  window?: Duration;
  mode?: "ordered" | "strict" | "any" | "any_order";
  /** Compare the conversion rate and the repeat purchase rate (default true). */
  kpis?: boolean;
  /** Significance level of the Benjamini-Hochberg q-values (default 0.05). */
  alpha?: number;
}
export interface CompareRow {
  metric: "funnel_step" | "funnel_conversion" | "conversion_rate" | "repeat_purchase_rate";
  label: string; step: number | null;
  a_count: number; a_total: number; a_rate: number | null;
  b_count: number; b_total: number; b_rate: number | null;
  change: number | null; ci_low: number | null; ci_high: number | null;
  p_value: number | null; test: "z_test" | "fisher" | null; q_value: number | null;
  significant: boolean; direction: "up" | "down" | "none";
}
export interface CompareSideSummary { label: string; from: string | null; to: string | null; n_customers: number; n_events: number }
export interface CompareResult {
  a: CompareSideSummary; b: CompareSideSummary; alpha: number;
  n_tested: number; n_significant: number; rows: CompareRow[];
}
"#;

#[wasm_bindgen]
impl EventLog {
    /// What changed from side `a` to side `b` (two periods or segments): the funnel and the
    /// KPIs, each with the change, Newcombe's 95% interval, a two-proportion z-test (Fisher at
    /// small counts) and Benjamini-Hochberg q-values.
    #[wasm_bindgen(unchecked_return_type = "CompareResult")]
    pub fn compare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CompareOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: CompareOptions = from_json("compare options", &options(&opts)?).map_err(js_err)?;
        to_js(&compare(&self.inner, &o).map_err(js_err)?)
    }
}
