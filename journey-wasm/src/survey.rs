//! Survey metrics (`nps`, `csat`, `ces`, `npsDiff`, `Surveys.withLog`, `Surveys.nps/csat/ces`;
//! journey-core's `metrics::survey`).

use journey_core::args::from_json;
use journey_core::metrics::survey::{self, ScoreOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, tag, to_js};
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
