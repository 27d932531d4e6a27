//! Survey metrics (`nps`, `csat`, `ces`, `npsDiff`, `Surveys.nps/csat/ces`) and retention /
//! KPIs on the event log.

use journey_core::args::from_json;
use journey_core::metrics::retention::{KpiOptions, RetentionOptions};
use journey_core::metrics::survey::{self, ScoreOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use crate::model::{EventLog, Surveys};

#[wasm_bindgen(typescript_custom_section)]
const TS_SURVEY: &str = r#"
export interface NpsResult {
  n: number; promoters: number; passives: number; detractors: number;
  promoters_pct: number | null; passives_pct: number | null; detractors_pct: number | null;
  nps: number | null; se: number | null; ci_low: number | null; ci_high: number | null;
  counts: number[];
}
export interface CsatResult {
  n: number; satisfied: number; csat: number | null; ci_low: number | null; ci_high: number | null;
  mean: number | null; counts: number[];
}
export interface CesResult {
  n: number; mean: number | null; sd: number | null; se: number | null; ci_low: number | null;
  ci_high: number | null; n_5_7: number; pct_5_7: number | null; counts: number[];
}
export type Breakdown<T> = T & { by: string | null; groups: (T & { key: string | null })[] };
export interface NpsDiff {
  diff: number | null; se: number | null; z: number | null; p_value: number | null;
  ci_low: number | null; ci_high: number | null;
}
export interface ScoreOptions {
  /** "touchpoint", "stage", "channel" or a property name such as "persona". */
  by?: string | null;
}
/** Scores; null and NaN are unanswered and skipped. */
export type Scores =
  | readonly (number | null)[]
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array
  | Int8Array | Uint8Array | Uint8ClampedArray;

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

/// JS scores as JSON: an array or a typed array, else an `invalid_argument` error.
fn scores_json(name: &str, v: &JsValue) -> Result<serde_json::Value, JsValue> {
    if let Some(a) = v.dyn_ref::<js_sys::Float64Array>() {
        return Ok(serde_json::Value::Array(
            a.to_vec()
                .into_iter()
                .map(serde_json::Value::from)
                .collect(),
        ));
    }
    let array = if js_sys::Array::is_array(v) {
        v.clone()
    } else if js_sys::ArrayBuffer::is_view(v)
        && !v.is_instance_of::<js_sys::DataView>()
        && tag(v).as_deref() != Some("[object DataView]")
    {
        js_sys::Array::from(v).into()
    } else {
        return Err(crate::convert::arg_err(
            name,
            format!(
                "expected an array or typed array of scores, got {}",
                describe(v)
            ),
        ));
    };
    serde_wasm_bindgen::from_value(array).map_err(|e| crate::convert::arg_err(name, e))
}

/// What a JS value is, for error messages: `undefined`, `null`, `a number`, `an object`, ...
fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else {
        let t = v.js_typeof().as_string().unwrap_or_default();
        let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {t}")
    }
}

/// NPS of a list of 0-10 answers.
#[wasm_bindgen(unchecked_return_type = "NpsResult")]
pub fn nps(
    #[wasm_bindgen(unchecked_param_type = "Scores")] scores: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&survey::nps_scores_json(&scores_json("scores", &scores)?).map_err(js_err)?)
}

/// CSAT of a list of 1-5 answers.
#[wasm_bindgen(unchecked_return_type = "CsatResult")]
pub fn csat(
    #[wasm_bindgen(unchecked_param_type = "Scores")] scores: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&survey::csat_scores_json(&scores_json("scores", &scores)?).map_err(js_err)?)
}

/// CES of a list of 1-7 answers.
#[wasm_bindgen(unchecked_return_type = "CesResult")]
pub fn ces(
    #[wasm_bindgen(unchecked_param_type = "Scores")] scores: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&survey::ces_scores_json(&scores_json("scores", &scores)?).map_err(js_err)?)
}

/// One side of `npsDiff`: scores (array or typed array), or an object with NPS `counts` (a
/// result or a breakdown group).
fn nps_side(name: &str, v: &JsValue) -> Result<survey::NpsResult, JsValue> {
    let json = if v.is_object() && !js_sys::Array::is_array(v) && !js_sys::ArrayBuffer::is_view(v) {
        serde_wasm_bindgen::from_value(v.clone())
            .map_err(|e| crate::convert::arg_err(name, format!("expected a plain object: {e}")))?
    } else {
        scores_json(name, v)?
    };
    survey::nps_diff_arg(name, &json).map_err(js_err)
}

/// The NPS difference a - b with its z test. Each side is a list of 0-10 answers or an NPS
/// result / breakdown group (anything with `counts`).
#[wasm_bindgen(js_name = npsDiff, unchecked_return_type = "NpsDiff")]
pub fn nps_diff(
    #[wasm_bindgen(unchecked_param_type = "Scores | { counts: number[] }")] a: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Scores | { counts: number[] }")] b: JsValue,
) -> Result<JsValue, JsValue> {
    let ra = nps_side("a", &a)?;
    let rb = nps_side("b", &b)?;
    to_js(&survey::nps_diff(&ra, &rb))
}

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

/// `Object.prototype.toString.call(v)` (`"[object Date]"`, ...): the kind of a built-in object,
/// also of one from another realm (a `vm` context, an iframe), where `instanceof` fails.
fn tag(v: &JsValue) -> Option<String> {
    if !v.is_object() {
        return None;
    }
    js_sys::Reflect::get(&js_sys::Object::new(), &JsValue::from_str("toString"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(v).ok())
        .and_then(|t| t.as_string())
}

/// Is `v` a `Date` (of any realm)?
fn is_date(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::Date>() || tag(v).as_deref() == Some("[object Date]")
}

fn score_opts(opts: &JsValue) -> Result<ScoreOptions, JsValue> {
    from_json("score options", &options(opts)?).map_err(js_err)
}

#[wasm_bindgen]
impl Surveys {
    /// The same responses joined to an event log: breakdowns by stage, channel or a property
    /// (and touchpoints of responses that name none) come from the customers' journeys.
    #[wasm_bindgen(js_name = withLog)]
    pub fn with_log(&self, log: &EventLog) -> Surveys {
        Surveys {
            inner: self.inner.clone(),
            log: Some(log.inner.clone()),
        }
    }

    /// NPS overall and per group (`by`); see `withLog` for breakdowns that need the log.
    #[wasm_bindgen(unchecked_return_type = "Breakdown<NpsResult>")]
    pub fn nps(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ScoreOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = score_opts(&opts)?;
        let log = self.log.as_deref();
        to_js(&survey::nps(&self.inner, log, &o).map_err(js_err)?)
    }

    /// CSAT overall and per group.
    #[wasm_bindgen(unchecked_return_type = "Breakdown<CsatResult>")]
    pub fn csat(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ScoreOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = score_opts(&opts)?;
        let log = self.log.as_deref();
        to_js(&survey::csat(&self.inner, log, &o).map_err(js_err)?)
    }

    /// CES overall and per group.
    #[wasm_bindgen(unchecked_return_type = "Breakdown<CesResult>")]
    pub fn ces(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ScoreOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = score_opts(&opts)?;
        let log = self.log.as_deref();
        to_js(&survey::ces(&self.inner, log, &o).map_err(js_err)?)
    }
}

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
