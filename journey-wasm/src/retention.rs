//! Retention: `EventLog.retention`, the cohort matrix (journey-core's `metrics::retention`).

use journey_core::args::from_json;
use journey_core::metrics::retention::RetentionOptions;
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_RETENTION: &str = r#"
export interface RetentionOptions {
  period?: "day" | "week" | "month";
  periods?: number;
  /** Start event(s): a touchpoint, a list, or "*" for any event (default "purchase"). */
  start?: string | string[];
  /** Return event(s) (default "purchase"). */
  ret?: string | string[];
  /** A customer counts in a period only with at least this many return events in it (default 1). */
  minReturns?: number;
  /** Cell k counts the customers retained in period k or any later period (default false). */
  unbounded?: boolean;
}
export interface Cohort {
  cohort: string; start: string; size: number; counts: (number | null)[]; rates: (number | null)[];
}
export interface RetentionResult {
  period: "day" | "week" | "month"; periods: number; data_end: string | null; n_customers: number;
  cohorts: Cohort[]; average_rates: (number | null)[];
  /** Present when not 1. */
  min_returns?: number;
  /** Present when true. */
  unbounded?: boolean;
}
"#;

#[wasm_bindgen]
impl EventLog {
    /// The cohort retention matrix.
    #[wasm_bindgen(unchecked_return_type = "RetentionResult")]
    pub fn retention(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "RetentionOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: RetentionOptions =
            from_json("retention options", &options(&opts)?).map_err(js_err)?;
        to_js(&self.inner.retention(&o).map_err(js_err)?)
    }
}
