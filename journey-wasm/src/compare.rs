//! What changed: `EventLog.compare` (journey_core::metrics::compare).

use journey_core::args::from_json;
use journey_core::metrics::compare::{compare, CompareOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, snake_keys, to_js};
use crate::model::{surveys_arg, EventLog};

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
  /** Retention at these periods since the cohort's own, e.g. [1, 4] (default none). */
  retentionPeriods?: number[];
  /** How retention is counted (its `periods` is not used). */
  retention?: RetentionOptions;
  /** Compare each channel's attribution share under these options (`{}`: the defaults); every model but time_decay. */
  attribution?: AttributionOptions | null;
  /** Bootstrap resamples of the attribution shares (default 500, at most 10000). */
  resamples?: number;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
  /** Significance level of the Benjamini-Hochberg q-values (default 0.05). */
  alpha?: number;
}
export interface CompareRow {
  metric: "funnel_step" | "funnel_conversion" | "conversion_rate" | "repeat_purchase_rate"
    | "nps" | "csat" | "ces" | "retention" | "attribution_share";
  label: string;
  /** "share" (0 to 1; changes in shares too), "nps_points" (-100 to 100) or "score" (the CES mean). */
  unit: "share" | "nps_points" | "score";
  step: number | null; period: number | null; channel: string | null;
  a_count: number | null; a_total: number; a_rate: number | null;
  b_count: number | null; b_total: number; b_rate: number | null;
  change: number | null; ci_low: number | null; ci_high: number | null;
  p_value: number | null; test: "z_test" | "fisher" | "welch_t" | "bootstrap" | null; q_value: number | null;
  significant: boolean; direction: "up" | "down" | "none";
}
export interface CompareSideSummary { label: string; from: string | null; to: string | null; n_customers: number; n_events: number }
export interface CompareResult {
  a: CompareSideSummary; b: CompareSideSummary; alpha: number;
  n_tested: number; n_significant: number;
  /** The bootstrap's resamples and seed (null when attribution shares are not compared). */
  resamples: number | null; seed: number | null;
  rows: CompareRow[];
}
"#;

#[wasm_bindgen]
impl EventLog {
    /// What changed from side `a` to side `b` (two periods or segments): the funnel, the KPIs,
    /// with `surveys` NPS, CSAT and CES, retention at `retentionPeriods` and the attribution
    /// shares (a bootstrap over customers), each with the change, its 95% interval, a p-value
    /// and Benjamini-Hochberg q-values (docs/compare.md).
    #[wasm_bindgen(unchecked_return_type = "CompareResult")]
    pub fn compare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CompareOptions")] opts: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Surveys | null")] surveys: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut v = options(&opts)?;
        // Nested option objects are camelCase in JS too.
        if let serde_json::Value::Object(m) = &mut v {
            for k in ["retention", "attribution"] {
                if let Some(inner) = m.get_mut(k) {
                    snake_keys(inner);
                }
            }
        }
        let o: CompareOptions = from_json("compare options", &v).map_err(js_err)?;
        let surveys = surveys_arg(&surveys)?;
        to_js(&compare(&self.inner, surveys.as_deref(), &o).map_err(js_err)?)
    }
}
