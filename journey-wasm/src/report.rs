//! The journey map from data, map pictures and the HTML report: `JourneyMap.fromData`,
//! `report` (`map.toSvg` is in render.rs).

use journey_core as core;
use journey_core::args::from_json;
use journey_core::report::{FromDataOptions, ReportOptions};

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, snake_keys};
use crate::model::{surveys_arg, EventLog, JourneyMap};

#[wasm_bindgen(typescript_custom_section)]
const TS_REPORT: &str = r#"
/** Options of `JourneyMap.fromData` (docs/map-from-data.md). Rates are fractions (0.4 = 40%). */
export interface FromDataOptions {
  name?: string;
  /** Property column of each customer's persona (default "persona" when the log has it). */
  personaProperty?: string | null;
  byPersona?: boolean;
  allCustomers?: boolean;
  maxTouchpoints?: number;
  minCustomers?: number;
  minResponses?: number;
  dropOffThreshold?: number;
  csatThreshold?: number;
  npsThreshold?: number;
  liftThreshold?: number;
  reachShareThreshold?: number;
  /** Read the most conducive touchpoints (significant positive) and pain points (significant negative) from the conversion drivers (default true; false: the lift rule). */
  drivers?: boolean;
}
/** Options of `report` (docs/rendering.md). */
export interface ReportOptions {
  title?: string;
  subtitle?: string | null;
  map?: FromDataOptions;
  personaMaps?: boolean;
  /** A hand-designed map shown before the map from data: a JourneyMap or its JSON document. */
  designedMap?: JourneyMap | JourneyMapInput | null;
  /** Funnel steps (touchpoint names); default chosen from the data. */
  funnel?: string[] | null;
  funnelWindow?: string | number;
  topPaths?: number;
  retention?: RetentionOptions;
  attribution?: { level?: "channel" | "touchpoint"; order?: number; collapseRepeats?: boolean;
    exclude?: string[] | null; firstConversionOnly?: boolean; halfLife?: string | number;
    positionWeights?: number[]; lookback?: string | number | null };
  /** A section "Open journeys" with these options (`{}` for the defaults; docs/live.md). */
  openJourneys?: OpenJourneyOptions | null;
  /** A section "Conversion drivers": forest plot and table (default true). */
  drivers?: boolean;
  /** Draw the funnel trend per "day", "week" (the default) or "month" of entry, incomplete periods dashed; false: no trend. */
  funnelTrend?: "day" | "week" | "month" | false | null;
  /** A section "What changed": side `a` against side `b` (docs/compare.md); without `steps`, the report's funnel. */
  compare?: CompareOptions | null;
}
"#;

/// Option objects nested in the report options, whose keys are camelCase in JS too.
const NESTED: [&str; 4] = ["map", "retention", "attribution", "open_journeys"];

#[wasm_bindgen]
impl JourneyMap {
    /// A journey map filled from an event log and, optionally, survey responses.
    #[wasm_bindgen(js_name = fromData)]
    pub fn from_data(
        log: &EventLog,
        #[wasm_bindgen(unchecked_optional_param_type = "Surveys | null")] surveys: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "FromDataOptions")] opts: JsValue,
    ) -> Result<JourneyMap, JsValue> {
        let o: FromDataOptions = from_json("fromData options", &options(&opts)?).map_err(js_err)?;
        let surveys = surveys_arg(&surveys)?;
        core::JourneyMap::from_data(&log.inner, surveys.as_deref(), &o)
            .map(|inner| JourneyMap { inner })
            .map_err(js_err)
    }
}

/// One self-contained HTML page (no network fetches) about the journeys in `log`.
#[wasm_bindgen]
pub fn report(
    log: &EventLog,
    #[wasm_bindgen(unchecked_optional_param_type = "Surveys | null")] surveys: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ReportOptions")] opts: JsValue,
) -> Result<String, JsValue> {
    // A JourneyMap object is accepted for `designedMap` as well as its JSON object: anything
    // with a `toObject()` method is replaced by what it returns.
    let mut plain = opts.clone();
    if opts.is_object() {
        let key = JsValue::from_str("designedMap");
        let d = js_sys::Reflect::get(&opts, &key).unwrap_or(JsValue::UNDEFINED);
        let to_object = if d.is_object() {
            js_sys::Reflect::get(&d, &JsValue::from_str("toObject")).ok()
        } else {
            None
        };
        if let Some(f) = to_object.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
            let copy = js_sys::Object::assign(&js_sys::Object::new(), opts.unchecked_ref());
            js_sys::Reflect::set(&copy, &key, &f.call0(&d)?)?;
            plain = copy.into();
        }
    }
    let mut v = options(&plain)?;
    if let Value::Object(m) = &mut v {
        for k in NESTED {
            if let Some(inner) = m.get_mut(k) {
                snake_keys(inner);
            }
        }
        // The comparison's options, and its own nested ones.
        if let Some(c) = m.get_mut("compare") {
            snake_keys(c);
            if let Value::Object(cm) = c {
                for k in ["retention", "attribution"] {
                    if let Some(inner) = cm.get_mut(k) {
                        snake_keys(inner);
                    }
                }
            }
        }
    }
    let o = ReportOptions::from_json_with_map(&v, None).map_err(js_err)?;
    let surveys = surveys_arg(&surveys)?;
    core::report::report(&log.inner, surveys.as_deref(), &o).map_err(js_err)
}
