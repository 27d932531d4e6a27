//! KPIs: `EventLog.kpis`, the business KPIs of a period (journey-core's `metrics::kpis`).

use journey_core::args::from_json;
use journey_core::metrics::kpis::KpiOptions;
use wasm_bindgen::prelude::*;

use crate::convert::{is_date, js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_KPIS: &str = r#"
export interface KpiOptions {
  /** Period start, inclusive: RFC 3339 text, integer Unix seconds or a `Date`. */
  start?: string | number | Date | null;
  /** Period end, exclusive (as `start`). */
  end?: string | number | Date | null;
}
export interface Kpis {
  start: string | null; end: string | null;
  n_customers: number; n_buyers: number; n_repeat_buyers: number; n_orders: number; revenue: number;
  conversion_rate: number | null; repeat_purchase_rate: number | null; aov: number | null;
  revenue_per_customer: number | null; revenue_per_buyer: number | null;
  orders_per_customer: number | null; orders_per_buyer: number | null;
  active_start: number; active_end: number; new_customers: number; reactivated: number;
  retained: number; churned: number; retention_rate: number | null; churn_rate: number | null;
}
"#;

/// `opts` with the `Date`s among `keys` replaced by their RFC 3339 text (a shallow copy; `opts`
/// itself when there is none). Dates are not plain data and would otherwise read as `{}`.
fn dates_as_text(opts: &JsValue, keys: &[&str]) -> Result<JsValue, JsValue> {
    // Not `dyn_ref`: that is `instanceof Object`, false for objects of another realm.
    if !opts.is_object() {
        return Ok(opts.clone());
    }
    let obj: &js_sys::Object = opts.unchecked_ref();
    let mut copy: Option<js_sys::Object> = None;
    for &key in keys {
        let k = JsValue::from_str(key);
        let v = js_sys::Reflect::get(obj, &k).unwrap_or(JsValue::UNDEFINED);
        if !is_date(&v) {
            continue;
        }
        let d: &js_sys::Date = v.unchecked_ref();
        if d.get_time().is_nan() {
            return Err(crate::convert::arg_err(
                key,
                "invalid Date: expected a valid Date, RFC 3339 text or integer Unix seconds",
            ));
        }
        let c = copy.get_or_insert_with(|| js_sys::Object::assign(&js_sys::Object::new(), obj));
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(c, &k, &d.to_iso_string());
    }
    Ok(copy.map_or_else(|| opts.clone(), JsValue::from))
}

#[wasm_bindgen]
impl EventLog {
    /// Business KPIs.
    #[wasm_bindgen(unchecked_return_type = "Kpis")]
    pub fn kpis(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "KpiOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let opts = dates_as_text(&opts, &["start", "end"])?;
        let o: KpiOptions = from_json("kpi options", &options(&opts)?).map_err(js_err)?;
        to_js(&self.inner.kpis(&o).map_err(js_err)?)
    }
}
