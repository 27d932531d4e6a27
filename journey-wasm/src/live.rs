//! Appending and live results: `log.append`, `LiveAnalysis` (docs/live.md).

use std::rc::Rc;
use std::sync::Arc;

use journey_core as core;
use journey_core::partial::Analysis;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{arg_err, js_err, options, snake, to_js};
use crate::ingest::csv_bytes;
use crate::model::{EventLog, Surveys};
use crate::partial::finished_to_js;

#[wasm_bindgen(typescript_custom_section)]
const TS_LIVE: &str = r#"
/** Options of EventLog#append and LiveAnalysis#append: load options, and `format: "json"` for JSON text. */
export interface AppendOptions extends LoadOptions {
  format?: "csv" | "json";
}
/** A batch for EventLog#append and LiveAnalysis#append: CSV or JSON text, bytes, or row objects. */
export type AppendData = string | Uint8Array | ArrayBuffer | Record<string, unknown>[];
/** What an append added. */
export interface AppendReport {
  events: number;
  customers: number;
  new_customers: number;
  customer_ids: string[];
}
/** The analyses a LiveAnalysis keeps, by name, with their options. */
export interface LiveAnalyses {
  funnel?: Record<string, unknown>;
  retention?: Record<string, unknown>;
  kpis?: Record<string, unknown>;
  attribution?: Record<string, unknown>;
  attributionTable?: Record<string, unknown>;
  pathTable?: Record<string, unknown>;
  sessions?: Record<string, unknown>;
  transitionGraph?: Record<string, unknown>;
  conversionPaths?: Record<string, unknown>;
  pathStats?: Record<string, unknown>;
  mapFromData?: Record<string, unknown>;
  conversionDrivers?: ConversionDriversOptions;
  nps?: Record<string, unknown>;
  csat?: Record<string, unknown>;
  ces?: Record<string, unknown>;
}
/** Options of the LiveAnalysis constructor. */
export interface LiveOptions {
  ties?: "content" | "input";
}
"#;

/// Loads a batch for `log`: CSV text or bytes, JSON text (`format: "json"`), or an array of
/// row objects; with the log's catalog and conversions. Returns it with the tie rule.
fn load_batch(
    // The log's batch load options (EventLog::batch_load_options) of the given options.
    batch_options: impl Fn(core::LoadOptions) -> core::LoadOptions,
    data: &JsValue,
    opts: &JsValue,
) -> Result<(core::EventLog, core::Ties), JsValue> {
    let mut o = options(opts)?;
    let format = match o.as_object_mut() {
        Some(m) => core::ingest::Format::take_from_json(m).map_err(js_err)?,
        None => None,
    };
    let opts = batch_options(core::LoadOptions::from_json(&o).map_err(js_err)?);
    let ties = opts.ties;
    let batch = if js_sys::Array::is_array(data) {
        let text: String = js_sys::JSON::stringify(data)
            .map_err(|_| arg_err("data", "rows that are not JSON"))?
            .into();
        core::read_events_json(text.as_bytes(), &opts)
    } else {
        let bytes = csv_bytes("data", data, true)?;
        let format = core::ingest::Format::of_source(format, None);
        core::ingest::read_events_bytes(&bytes, format, &opts)
    };
    Ok((batch.map_err(js_err)?, ties))
}

#[wasm_bindgen]
impl EventLog {
    /// Adds a batch of events in place (CSV text or bytes, JSON text with `format: "json"`,
    /// or an array of row objects), for new or known customers, in any order; the log then
    /// equals the log loaded from its rows followed by the batch's. Returns what was added.
    /// A bad batch (strict mode) throws and leaves the log unchanged.
    #[wasm_bindgen(unchecked_return_type = "AppendReport")]
    pub fn append(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "AppendData")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AppendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (batch, ties) = load_batch(|o| self.inner.batch_load_options(o), &data, &opts)?;
        let r = Rc::make_mut(&mut self.inner)
            .append(&batch, ties)
            .map_err(js_err)?;
        to_js(&r)
    }
}

/// An event log with live analyses, updated on every append at a cost that grows with the
/// batch; results equal the analyses of the whole log.
#[wasm_bindgen]
#[derive(Debug)]
pub struct LiveAnalysis {
    inner: core::LiveAnalysis,
    names: Vec<String>,
}

impl LiveAnalysis {
    fn make(
        log: &EventLog,
        analyses: &JsValue,
        opts: &JsValue,
        surveys: Option<core::Surveys>,
    ) -> Result<LiveAnalysis, JsValue> {
        if !analyses.is_object() {
            return Err(arg_err(
                "analyses",
                "expected an object of analysis options",
            ));
        }
        let mut list = Vec::new();
        let mut names = Vec::new();
        for entry in js_sys::Object::entries(analyses.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            let name = pair.get(0).as_string().unwrap_or_default();
            list.push(Analysis::from_json(&snake(&name), &options(&pair.get(1))?).map_err(js_err)?);
            names.push(name);
        }
        let mut ties = core::Ties::Content;
        if opts.is_object() {
            if let Some(t) = js_sys::Reflect::get(opts, &JsValue::from_str("ties"))
                .ok()
                .and_then(|t| t.as_string())
            {
                ties = t.parse().map_err(js_err)?;
            }
        }
        let log: Arc<core::EventLog> = Arc::new((*log.inner).clone());
        let inner = core::LiveAnalysis::new(log, list, surveys, ties).map_err(js_err)?;
        Ok(LiveAnalysis { inner, names })
    }
}

#[wasm_bindgen]
impl LiveAnalysis {
    /// `analyses` maps analysis names (camelCase or snake_case) to their options; the log is
    /// copied into the live analysis. `opts.ties` is the tie rule the log was loaded with.
    #[wasm_bindgen(constructor)]
    pub fn new(
        log: &EventLog,
        #[wasm_bindgen(unchecked_param_type = "LiveAnalyses")] analyses: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LiveOptions")] opts: JsValue,
    ) -> Result<LiveAnalysis, JsValue> {
        Self::make(log, &analyses, &opts, None)
    }

    /// As the constructor, with the survey responses the score analyses (nps, csat, ces)
    /// join to the log.
    #[wasm_bindgen(js_name = withSurveys)]
    pub fn with_surveys(
        log: &EventLog,
        #[wasm_bindgen(unchecked_param_type = "LiveAnalyses")] analyses: JsValue,
        surveys: &Surveys,
        #[wasm_bindgen(unchecked_optional_param_type = "LiveOptions")] opts: JsValue,
    ) -> Result<LiveAnalysis, JsValue> {
        Self::make(log, &analyses, &opts, Some((*surveys.inner).clone()))
    }

    /// Appends a batch (as `EventLog#append` takes it) and updates every analysis.
    #[wasm_bindgen(unchecked_return_type = "AppendReport")]
    pub fn append(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "AppendData")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AppendOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        // The tie rule the caller named, if any: core refuses another than the analysis's.
        let named = opts.is_object()
            && js_sys::Reflect::has(&opts, &JsValue::from_str("ties")).unwrap_or(false);
        let (batch, ties) = load_batch(|o| self.inner.batch_load_options(o), &data, &opts)?;
        to_js(
            &self
                .inner
                .append_with_ties(&batch, named.then_some(ties))
                .map_err(js_err)?,
        )
    }

    /// The result of an analysis by name, as the EventLog method returns it for the whole log.
    #[wasm_bindgen(unchecked_return_type = "FinishedResult")]
    pub fn result(&self, analysis: &str) -> Result<JsValue, JsValue> {
        let i = core::LiveAnalysis::index_of(&self.names, analysis).map_err(js_err)?;
        finished_to_js(self.inner.result(i).map_err(js_err)?)
    }

    /// The names of the analyses.
    #[wasm_bindgen(getter)]
    pub fn analyses(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Moves every event kept aside into its shard of the log now (each append moves one
    /// shard's; docs/live.md, "What an append costs"). The results do not change.
    pub fn compact(&mut self) -> Result<(), JsValue> {
        self.inner.compact().map_err(js_err)
    }

    /// Number of events of the log with every batch appended (without making the log).
    #[wasm_bindgen(getter, js_name = nEvents)]
    pub fn n_events(&self) -> usize {
        self.inner.n_events()
    }

    /// A copy of the log with every batch appended.
    #[wasm_bindgen(getter)]
    pub fn log(&self) -> EventLog {
        EventLog {
            inner: Rc::new(self.inner.log().clone()),
        }
    }
}
