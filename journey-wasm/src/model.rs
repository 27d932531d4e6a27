//! `EventLog`, `Surveys`, `JourneyMap` and `synthetic`.

use std::rc::Rc;

use journey_core as core;
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use journey_core::args::from_json;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of every loader; all optional. */
/** How `toCsv` writes: `csvSafe` (default true) guards text cells against spreadsheet formulas. */
export interface CsvOptions {
  csvSafe?: boolean;
}

export interface LoadOptions {
  /** "strict" (default): the first bad row throws. "lenient": bad rows are skipped and reported. */
  mode?: "strict" | "lenient";
  /** Conversion touchpoints (default ["purchase"]). */
  conversions?: string[];
  /** Touchpoint catalog: name -> channel, stage, kind. */
  catalog?: Record<string, { channel?: string; stage?: string; kind?: "digital" | "physical" }>;
  /** Drop extra columns instead of keeping them as properties. */
  ignoreExtraColumns?: boolean;
  /** Source column name -> canonical name, e.g. { user_id: "customer_id" }. */
  rename?: Record<string, string>;
  /** How many errors the lenient report quotes (default 10). */
  maxReportedErrors?: number;
  /**
   * How a customer's events with equal timestamps (and equal `sequence`) are ordered:
   * "content" (default: touchpoint, channel, stage, value, properties; independent of row
   * order) or "input" (input order, a stable sort). See docs/formats.md, "Ordering".
   */
  ties?: "content" | "input";
}

export interface LoadReport {
  rows_read: number;
  rows_kept: number;
  rows_skipped: number;
  errors: string[];
}

export interface LogSummary {
  n_events: number;
  n_customers: number;
  n_touchpoints: number;
  n_channels: number;
  n_conversions: number;
  n_converting_customers: number;
  revenue: number;
  first_event: string | null;
  last_event: string | null;
}

export interface JourneyEvent {
  timestamp: string;
  touchpoint: string;
  channel: string;
  stage: string | null;
  value: number | null;
  [property: string]: string | number | null;
}

/** A journey map document (format "journey-map/1"; see docs/map-format.md). */
export interface JourneyMapDoc {
  /** "journey-map/1" */
  format: string;
  name: string;
  description?: string;
  personas: Persona[];
  stages: { name: string; description?: string }[];
  touchpoints: { name: string; channel: string; stage?: string; kind: "digital" | "physical" }[];
  steps: MapStep[];
}

/**
 * A journey map document as input (`report`'s `designedMap`): `format` and `name` are required,
 * the rest has defaults (docs/map-format.md). Every `JourneyMapDoc` is one.
 */
export interface JourneyMapInput {
  /** "journey-map/1" */
  format: string;
  name: string;
  description?: string;
  personas?: Persona[];
  stages?: { name: string; description?: string }[];
  touchpoints?: { name: string; channel: string; stage?: string; kind?: "digital" | "physical" }[];
  steps?: MapStep[];
}

export interface Persona {
  name: string;
  description?: string;
  demographics?: Record<string, string>;
  goals?: string[];
  motivations?: string[];
  frustrations?: string[];
  preferred_channels?: string[];
}

/** What happens at one stage (and touchpoint), for one persona or all. */
export interface MapStep {
  stage: string;
  touchpoint?: string;
  persona?: string;
  actions?: string[];
  thoughts?: string[];
  /** -2 (very negative) to 2 (very positive). */
  emotion?: number;
  pain_points?: string[];
  opportunities?: string[];
  /** Measured figures shown on the map: reach, conversion, drop_off, csat, nps, ... */
  metrics?: Record<string, number>;
}

export interface SyntheticOptions {
  customers?: number;
  seed?: number;
}
"#;

/// A customer journey event log: every customer's events in time order, stored columnar.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct EventLog {
    pub(crate) inner: Rc<core::EventLog>,
}

impl From<core::EventLog> for EventLog {
    fn from(l: core::EventLog) -> Self {
        EventLog { inner: Rc::new(l) }
    }
}

pub(crate) fn load_opts(opts: &JsValue) -> Result<core::LoadOptions, JsValue> {
    core::LoadOptions::from_json(&options(opts)?).map_err(js_err)
}

#[wasm_bindgen]
impl EventLog {
    /// Reads a log from JSON text (an array of objects or JSON Lines).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<EventLog, JsValue> {
        let text = crate::convert::text(&text, "text")?;
        core::read_events_json(text.as_bytes(), &load_opts(&opts)?)
            .map(Into::into)
            .map_err(js_err)
    }

    /// Number of events.
    #[wasm_bindgen(getter, js_name = nEvents)]
    pub fn n_events(&self) -> usize {
        self.inner.n_events()
    }

    /// Number of distinct customers.
    #[wasm_bindgen(getter, js_name = nCustomers)]
    pub fn n_customers(&self) -> usize {
        self.inner.n_customers()
    }

    /// Rows read / kept / skipped and the first errors.
    #[wasm_bindgen(getter, js_name = loadReport, unchecked_return_type = "LoadReport")]
    pub fn load_report(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.load_report())
    }

    /// The conversion touchpoints.
    #[wasm_bindgen(getter)]
    pub fn conversions(&self) -> Vec<String> {
        self.inner.conversion_touchpoints().to_vec()
    }

    /// Touchpoint names, sorted.
    pub fn touchpoints(&self) -> Vec<String> {
        self.inner.touchpoints().to_vec()
    }

    /// Channel names, sorted.
    pub fn channels(&self) -> Vec<String> {
        self.inner.channels().to_vec()
    }

    /// Stage names in journey order.
    pub fn stages(&self) -> Vec<String> {
        self.inner.stages().to_vec()
    }

    /// Customer ids, sorted.
    pub fn customers(&self) -> Vec<String> {
        self.inner.customer_ids().to_vec()
    }

    /// Names of the extra property columns.
    pub fn properties(&self) -> Vec<String> {
        self.inner
            .properties()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    /// One customer's events in order (undefined for an unknown customer).
    #[wasm_bindgen(unchecked_return_type = "JourneyEvent[] | undefined")]
    pub fn journey(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] customer_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let customer_id = crate::convert::text(&customer_id, "customerId")?;
        match self.inner.events_of(&customer_id) {
            Some(events) => to_js(&events),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Headline figures.
    #[wasm_bindgen(unchecked_return_type = "LogSummary")]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.summary())
    }

    /// The log as CSV text. With `csvSafe` (the default), text cells that a spreadsheet would
    /// run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading apostrophe,
    /// which journey's loaders drop again; `{csvSafe: false}` writes the text as it is.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CsvOptions")] opts: JsValue,
    ) -> Result<String, JsValue> {
        let o: core::CsvWriteOptions =
            from_json("toCsv options", &options(&opts)?).map_err(js_err)?;
        self.inner.to_csv_string_with(&o).map_err(js_err)
    }
}

/// Survey responses (NPS 0-10, CSAT 1-5, CES 1-7).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct Surveys {
    pub(crate) inner: Rc<core::Surveys>,
    /// The event log the responses are joined to (see `withLog`).
    pub(crate) log: Option<Rc<core::EventLog>>,
}

impl From<core::Surveys> for Surveys {
    fn from(s: core::Surveys) -> Self {
        Surveys {
            inner: Rc::new(s),
            log: None,
        }
    }
}

#[wasm_bindgen]
impl Surveys {
    /// Number of responses.
    #[wasm_bindgen(getter, js_name = nResponses)]
    pub fn n_responses(&self) -> usize {
        self.inner.len()
    }

    /// Number of distinct respondents.
    #[wasm_bindgen(getter, js_name = nCustomers)]
    pub fn n_customers(&self) -> usize {
        self.inner.n_customers()
    }

    /// Rows read / kept / skipped and the first errors.
    #[wasm_bindgen(getter, js_name = loadReport, unchecked_return_type = "LoadReport")]
    pub fn load_report(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.load_report())
    }

    /// Touchpoints named by responses, sorted.
    pub fn touchpoints(&self) -> Vec<String> {
        self.inner.touchpoints().to_vec()
    }

    /// The responses as CSV text (`csvSafe` as for `EventLog.toCsv`).
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CsvOptions")] opts: JsValue,
    ) -> Result<String, JsValue> {
        let o: core::CsvWriteOptions =
            from_json("toCsv options", &options(&opts)?).map_err(js_err)?;
        self.inner.to_csv_string_with(&o).map_err(js_err)
    }

    /// Another handle on the same responses (the data is shared, not copied).
    #[wasm_bindgen(js_name = clone)]
    pub fn clone_handle(&self) -> Surveys {
        self.clone()
    }
}

/// A customer journey map (journey-map/1 JSON).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct JourneyMap {
    pub(crate) inner: core::JourneyMap,
}

#[wasm_bindgen]
impl JourneyMap {
    /// An empty map with the default stages.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
    ) -> Result<JourneyMap, JsValue> {
        Ok(JourneyMap {
            inner: core::JourneyMap::new(&crate::convert::text(&name, "name")?),
        })
    }

    /// Reads and validates a map from JSON text.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<JourneyMap, JsValue> {
        core::JourneyMap::from_json(&crate::convert::text(&text, "text")?)
            .map(|inner| JourneyMap { inner })
            .map_err(js_err)
    }

    /// The JSON text.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> Result<String, JsValue> {
        self.inner.to_json().map_err(js_err)
    }

    /// The map as a plain object (the journey-map/1 document).
    #[wasm_bindgen(js_name = toObject, unchecked_return_type = "JourneyMapDoc")]
    pub fn to_object(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner)
    }

    /// Title.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Stage names in order.
    pub fn stages(&self) -> Vec<String> {
        self.inner.stages.iter().map(|s| s.name.clone()).collect()
    }

    /// Touchpoint names.
    pub fn touchpoints(&self) -> Vec<String> {
        self.inner
            .touchpoints
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    /// Persona names.
    pub fn personas(&self) -> Vec<String> {
        self.inner.personas.iter().map(|p| p.name.clone()).collect()
    }
}

/// Deterministic synthetic data: `[EventLog, Surveys]`.
#[wasm_bindgen(unchecked_return_type = "[EventLog, Surveys]")]
pub fn synthetic(
    #[wasm_bindgen(unchecked_optional_param_type = "SyntheticOptions")] opts: JsValue,
) -> Result<JsValue, JsValue> {
    let a: core::synthetic::SyntheticOptions =
        core::args::from_json("synthetic options", &options(&opts)?).map_err(js_err)?;
    let (log, surveys) = core::synthetic(a.customers, a.seed);
    let out = js_sys::Array::new();
    out.push(&EventLog::from(log).into());
    out.push(&Surveys::from(surveys).into());
    Ok(out.into())
}

/// An optional `Surveys` argument, without taking the caller's object: wasm-bindgen cannot
/// borrow an optional class argument, and taking it by value would detach it from its JS
/// object, so a clone (sharing the same data) is taken instead.
pub(crate) fn surveys_arg(
    v: &JsValue,
) -> Result<Option<std::rc::Rc<journey_core::Surveys>>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let not_surveys = || crate::convert::arg_err("surveys", "expected a Surveys object (or null)");
    let clone = js_sys::Reflect::get(v, &JsValue::from_str("clone"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(not_surveys)?;
    let copy = clone.call0(v)?;
    <Surveys as wasm_bindgen::convert::TryFromJsValue>::try_from_js_value(copy)
        .map(|s| Some(s.inner))
        .map_err(|_| not_surveys())
}
