//! Partial results: `log.partial`, `Partial`, `Context`, `mergePartials` (docs/distributed.md).

use journey_core::partial::{Analysis, Context as CoreContext, Finished, Partial as CorePartial};
use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{arg_err, js_err, options, snake, to_js};
use crate::model::{EventLog, JourneyMap, Surveys};

#[wasm_bindgen(typescript_custom_section)]
const TS_PARTIAL: &str = r#"
/** The analyses with a partial form, by the name of their EventLog method. */
export type PartialAnalysis = "funnel" | "retention" | "kpis" | "attribution" | "attributionTable" | "pathTable" | "sessions" | "transitionGraph" | "conversionPaths" | "pathStats" | "funnelSteps" | "mapFromData" | "report" | "conversionDrivers";
/** The analyses that join survey responses to the log (EventLog#partialWithSurveys). */
export type SurveyPartialAnalysis = "nps" | "csat" | "ces" | "mapFromData" | "report";
/** What Partial#finish returns, per analysis (a report: its HTML; funnelSteps: the steps). */
export type FinishedResult = FunnelResult | RetentionResult | Kpis | AttributionResult | AttributionTable | PathTable | SessionsResult | TransitionGraph | ConversionPathsResult | PathStatsResult | Breakdown<NpsResult> | Breakdown<CsatResult> | Breakdown<CesResult> | JourneyMap | ConversionDriversResult | string[] | string;
"#;

/// The mergeable partial result of one analysis over some whole customers.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct Partial {
    inner: CorePartial,
}

/// What every partition must agree on before it runs (the time span of the whole log).
#[wasm_bindgen]
#[derive(Debug, Clone, Default)]
pub struct Context {
    inner: CoreContext,
}

/// The context given to `partial` (its bytes), or the empty one when none is given.
fn context_of(context: &JsValue) -> Result<CoreContext, JsValue> {
    if context.is_undefined() || context.is_null() {
        Ok(CoreContext::default())
    } else {
        CoreContext::from_bytes(&bytes_of(context, "context")?).map_err(js_err)
    }
}

#[wasm_bindgen]
impl EventLog {
    /// The partial result of `analysis` (an EventLog method name, e.g. "funnel") over the
    /// customers of this log, with that method's options; `context` in the options is the
    /// context merged over every partition.
    pub fn partial(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PartialAnalysis")] analysis: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] opts: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Context")] context: JsValue,
    ) -> Result<Partial, JsValue> {
        // "attributionTable" as in JavaScript, or "attribution_table".
        let a = Analysis::from_json(&snake(analysis), &options(&opts)?).map_err(js_err)?;
        let ctx = context_of(&context)?;
        let inner = self.inner.partial(&a, &ctx).map_err(js_err)?;
        Ok(Partial { inner })
    }

    /// `partial` with the survey responses of this log's customers, for the analyses that
    /// join them to the log (nps, csat, ces, mapFromData, report).
    #[wasm_bindgen(js_name = partialWithSurveys)]
    pub fn partial_with_surveys(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SurveyPartialAnalysis")] analysis: &str,
        surveys: &Surveys,
        #[wasm_bindgen(unchecked_optional_param_type = "Record<string, unknown>")] opts: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Context")] context: JsValue,
    ) -> Result<Partial, JsValue> {
        let a = Analysis::from_json(&snake(analysis), &options(&opts)?).map_err(js_err)?;
        let ctx = context_of(&context)?;
        let inner = self
            .inner
            .partial_with_surveys(&a, &ctx, Some(&surveys.inner))
            .map_err(js_err)?;
        Ok(Partial { inner })
    }
}

impl Partial {
    /// `op` (merge or retract) of copies of this partial and `other`.
    fn with(
        &self,
        other: &Partial,
        op: fn(CorePartial, CorePartial) -> journey_core::Result<CorePartial>,
    ) -> Result<Partial, JsValue> {
        op(self.inner.clone(), other.inner.clone())
            .map(|inner| Partial { inner })
            .map_err(js_err)
    }
}

#[wasm_bindgen]
impl Partial {
    /// The partial as bytes (versioned).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// A partial from `toBytes`; another version or corrupted bytes throw a JourneyError with
    /// code "invalid_partial".
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, JsValue> {
        CorePartial::from_bytes(bytes)
            .map(|inner| Partial { inner })
            .map_err(js_err)
    }

    /// The partial of both together (code "partial_mismatch" when they do not match).
    pub fn merge(&self, other: &Partial) -> Result<Partial, JsValue> {
        self.with(other, CorePartial::merge)
    }

    /// The partial without `other`'s customers (merged into this one before): the inverse of
    /// `merge` (docs/live.md, "Retract").
    pub fn retract(&self, other: &Partial) -> Result<Partial, JsValue> {
        self.with(other, CorePartial::retract)
    }

    /// The result of the analysis, as the EventLog method returns it.
    #[wasm_bindgen(unchecked_return_type = "FinishedResult")]
    pub fn finish(&self) -> Result<JsValue, JsValue> {
        finished_to_js(self.inner.clone().finish().map_err(js_err)?)
    }

    /// The analysis's name.
    #[wasm_bindgen(getter)]
    pub fn analysis(&self) -> String {
        self.inner.analysis().name().to_string()
    }

    /// The analysis's options in canonical form (snake_case keys, defaults included).
    #[wasm_bindgen(getter, unchecked_return_type = "Record<string, unknown>")]
    pub fn options(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.analysis().options_json())
    }
}

/// A finished result as the EventLog method returns it in JavaScript.
pub(crate) fn finished_to_js(r: Finished) -> Result<JsValue, JsValue> {
    match r {
        Finished::Funnel(f) => to_js(&f),
        Finished::Retention(x) => to_js(&x),
        Finished::Kpis(x) => to_js(&x),
        Finished::Sessions(x) => to_js(&x),
        Finished::ConversionPaths(x) => to_js(&x),
        Finished::TransitionGraph(g) => Ok(crate::journeys::TransitionGraph::from(g).into()),
        Finished::Attribution(x) => to_js(&x),
        Finished::AttributionTable(x) => to_js(&x),
        Finished::PathTable(t) => Ok(crate::attribution::PathTable::from(t).into()),
        Finished::PathStats(x) => to_js(&x),
        Finished::Nps(x) => to_js(&x),
        Finished::Csat(x) => to_js(&x),
        Finished::Ces(x) => to_js(&x),
        Finished::Drivers(x) => to_js(&x),
        Finished::Map(m) => Ok(JourneyMap { inner: *m }.into()),
        Finished::FunnelSteps(v) => to_js(&v),
        Finished::Report(html) => Ok(JsValue::from_str(&html)),
        _ => Err(arg_err("analysis", "has no JavaScript result type")),
    }
}

/// The bytes of a `Uint8Array`, or of a `Partial` or `Context` through its own `toBytes` (a
/// wasm-bindgen object passed by value would be consumed; this leaves it usable).
fn bytes_of(item: &JsValue, name: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(u) = item.dyn_ref::<Uint8Array>() {
        return Ok(u.to_vec());
    }
    let f = Reflect::get(item, &JsValue::from_str("toBytes"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| {
            arg_err(
                name,
                "expected a Partial, a Context or their bytes (Uint8Array)",
            )
        })?;
    Ok(f.call0(item)?.unchecked_into::<Uint8Array>().to_vec())
}

/// Merges partials (or their bytes) in one; the partials given stay usable.
#[wasm_bindgen(js_name = mergePartials)]
pub fn merge_partials(
    #[wasm_bindgen(unchecked_param_type = "(Partial | Uint8Array)[]")] parts: Array,
) -> Result<Partial, JsValue> {
    let mut all = Vec::with_capacity(parts.length() as usize);
    for (i, item) in parts.iter().enumerate() {
        let bytes = bytes_of(&item, &format!("partials[{i}]"))?;
        all.push(CorePartial::from_bytes(&bytes).map_err(js_err)?);
    }
    CorePartial::merge_all(all)
        .map(|inner| Partial { inner })
        .map_err(js_err)
}

#[wasm_bindgen]
impl Context {
    /// An empty context (no events).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Context {
        Context::default()
    }

    /// The context of one log (a partition).
    pub fn of(log: &EventLog) -> Context {
        Context {
            inner: CoreContext::of(&log.inner),
        }
    }

    /// The context of two partitions together.
    pub fn merge(&self, other: &Context) -> Result<Context, JsValue> {
        self.inner
            .merge(&other.inner)
            .map(|inner| Context { inner })
            .map_err(js_err)
    }

    /// The context as bytes (versioned).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// A context from `toBytes`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Context, JsValue> {
        CoreContext::from_bytes(bytes)
            .map(|inner| Context { inner })
            .map_err(js_err)
    }

    /// First event time, microseconds since the Unix epoch (null: no events).
    #[wasm_bindgen(getter, js_name = firstUs)]
    pub fn first_us(&self) -> Option<f64> {
        self.inner.first_us().map(|t| t as f64)
    }

    /// Last event time, microseconds since the Unix epoch (null: no events).
    #[wasm_bindgen(getter, js_name = lastUs)]
    pub fn last_us(&self) -> Option<f64> {
        self.inner.last_us().map(|t| t as f64)
    }

    /// Whether both contexts are the same.
    pub fn equals(&self, other: &Context) -> bool {
        self.inner == other.inner
    }
}
