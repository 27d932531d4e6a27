//! Attribution: `PathTable`, and the attribution methods `EventLog` and `PathTable` share
//! (`attribution`, `attributionTable`, `chooseOrder`, `sequenceRemovalEffects`).

use std::rc::Rc;

use journey_core::args::from_json;
use journey_core::metrics::attribution::{
    read_path_table_csv, AttributionOptions, AttributionTableOptions, ChooseOrderOptions,
    PathTable as CorePathTable, PathTableOptions, SequenceRemovalOptions,
};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_ATTRIBUTION: &str = r#"
export type AttributionModel =
  | "first_touch" | "last_touch" | "linear" | "time_decay" | "position_based" | "markov" | "shapley"
  | "data_driven_shapley";

/** A duration: "30m", "7d", "2w", or seconds. */
export type Duration = string | number;

export interface AttributionTableOptions {
  level?: "channel" | "touchpoint";
  /** Markov order k, 1 to 4. */
  order?: number;
  collapseRepeats?: boolean;
  /** Touchpoints removed from paths (e.g. on-site checkout steps). */
  exclude?: string[];
  firstConversionOnly?: boolean;
  halfLife?: Duration;
  /** [first, middle, last], normalised. */
  positionWeights?: [number, number, number];
  lookback?: Duration | null;
  transitionMatrix?: boolean;
}

export interface AttributionOptions extends AttributionTableOptions {
  model?: AttributionModel;
}

export interface AttributionRow {
  channel: string;
  conversions: number;
  value: number;
  share: number | null;
  removal_effect: number | null;
}

export interface Transition {
  from: string;
  to: string;
  from_kind: "start" | "channel" | "conversion" | "null";
  to_kind: "start" | "channel" | "conversion" | "null";
  count: number;
  probability: number;
}

export interface AttributionTotals {
  level: "channel" | "touchpoint" | null;
  order: number | null;
  total_conversions: number;
  total_value: number;
  total_null: number;
  attributed_conversions: number;
  attributed_value: number;
  unattributed_conversions: number;
  unattributed_value: number;
  conversion_probability: number | null;
  transition_matrix: Transition[] | null;
  /** Names of `exclude` that are not touchpoints of the log (or names of the table). */
  unknown_excluded: string[];
}

export interface AttributionResult extends AttributionTotals {
  model: AttributionModel;
  rows: AttributionRow[];
}

export interface AttributionTableRow {
  channel: string;
  first_touch: number; last_touch: number; linear: number; time_decay: number | null;
  position_based: number; markov: number; shapley: number;
  first_touch_value: number; last_touch_value: number; linear_value: number; time_decay_value: number | null;
  position_based_value: number; markov_value: number; shapley_value: number;
  removal_effect: number | null;
}

export interface AttributionTable extends AttributionTotals {
  models: AttributionModel[];
  rows: AttributionTableRow[];
}

export interface PathRow {
  path: string;
  total_conversions: number;
  total_conversion_value?: number;
  total_null?: number;
}

/** Options of chooseOrder: the orders fitted, the criterion, and the path options. */
export interface ChooseOrderOptions extends PathTableOptions {
  /** The highest order fitted, 1 to 4 (default 4). */
  maxOrder?: number;
  /** "bic" (default) or "aic": the lowest score is chosen. */
  criterion?: "bic" | "aic";
}

export interface OrderScore {
  order: number;
  states: number;
  parameters: number;
  observations: number;
  log_likelihood: number;
  aic: number;
  bic: number;
}

export interface OrderSelection {
  criterion: "bic" | "aic";
  chosen_order: number | null;
  channels: number;
  orders: OrderScore[];
  level: "channel" | "touchpoint" | null;
  unknown_excluded: string[];
}

/** Options of sequenceRemovalEffects, and the path options. */
export interface SequenceRemovalOptions extends PathTableOptions {
  /** Markov order k, 1 to 4 (default 2). */
  order?: number;
  /** Length of the sequences, 1 to the order (default 2: pairs). */
  length?: number;
  /** The sequences to remove, names joined with ">" (default: every run of `length` seen). */
  sequences?: string[] | null;
  /** Without `sequences`: only those occurring at least this often. */
  minOccurrences?: number;
}

export interface SequenceRow {
  sequence: string;
  occurrences: number;
  paths: number;
  conversions: number;
  removal_effect: number | null;
}

export interface SequenceRemovalResult {
  order: number;
  conversion_probability: number | null;
  rows: SequenceRow[];
  level: "channel" | "touchpoint" | null;
  unknown_excluded: string[];
}

/** Options of PathTable.fromLog: how the paths are cut, nothing else. */
export interface PathTableOptions {
  level?: "channel" | "touchpoint";
  collapseRepeats?: boolean;
  exclude?: string[];
  firstConversionOnly?: boolean;
  lookback?: Duration | null;
}
"#;

/// The attribution methods of `EventLog` and `PathTable`, written once: each reads the options,
/// runs core's method of the same name and hands back the result.
macro_rules! attribution_methods {
    ($class:ty) => {
        #[wasm_bindgen]
        impl $class {
            /// Credit for the conversions and their value under one model (on a path table,
            /// `time_decay`, `lookback` and `firstConversionOnly` need an event log).
            #[wasm_bindgen(unchecked_return_type = "AttributionResult")]
            pub fn attribution(
                &self,
                #[wasm_bindgen(unchecked_optional_param_type = "AttributionOptions")] opts: JsValue,
            ) -> Result<JsValue, JsValue> {
                let o: AttributionOptions =
                    from_json("attribution options", &options(&opts)?).map_err(js_err)?;
                to_js(&self.inner.attribution(&o).map_err(js_err)?)
            }

            /// Every model side by side, one row per channel.
            #[wasm_bindgen(js_name = attributionTable, unchecked_return_type = "AttributionTable")]
            pub fn attribution_table(
                &self,
                #[wasm_bindgen(unchecked_optional_param_type = "AttributionTableOptions")]
                opts: JsValue,
            ) -> Result<JsValue, JsValue> {
                let o: AttributionTableOptions =
                    from_json("attributionTable options", &options(&opts)?).map_err(js_err)?;
                to_js(&self.inner.attribution_table(&o).map_err(js_err)?)
            }

            /// Markov order selection: orders 1 to maxOrder scored by BIC (or AIC).
            #[wasm_bindgen(js_name = chooseOrder, unchecked_return_type = "OrderSelection")]
            pub fn choose_order(
                &self,
                #[wasm_bindgen(unchecked_optional_param_type = "ChooseOrderOptions")] opts: JsValue,
            ) -> Result<JsValue, JsValue> {
                let o: ChooseOrderOptions =
                    from_json("chooseOrder options", &options(&opts)?).map_err(js_err)?;
                to_js(&self.inner.choose_order(&o).map_err(js_err)?)
            }

            /// Removal effects of runs of consecutive channels in the chain of order k.
            #[wasm_bindgen(
                                                js_name = sequenceRemovalEffects,
                                                unchecked_return_type = "SequenceRemovalResult"
                                            )]
            pub fn sequence_removal_effects(
                &self,
                #[wasm_bindgen(unchecked_optional_param_type = "SequenceRemovalOptions")]
                opts: JsValue,
            ) -> Result<JsValue, JsValue> {
                let o: SequenceRemovalOptions =
                    from_json("sequenceRemovalEffects options", &options(&opts)?)
                        .map_err(js_err)?;
                to_js(&self.inner.sequence_removal_effects(&o).map_err(js_err)?)
            }
        }
    };
}

attribution_methods!(EventLog);
attribution_methods!(PathTable);

/// Aggregated conversion paths (ChannelAttribution layout).
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct PathTable {
    inner: Rc<CorePathTable>,
}

impl From<CorePathTable> for PathTable {
    fn from(t: CorePathTable) -> Self {
        PathTable { inner: Rc::new(t) }
    }
}

#[wasm_bindgen]
impl PathTable {
    /// Reads the table from CSV text (`path`, `total_conversions`, `total_conversion_value`,
    /// `total_null`).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<PathTable, JsValue> {
        read_path_table_csv(crate::convert::text(&text, "text")?.as_bytes())
            .map(PathTable::from)
            .map_err(js_err)
    }

    /// Builds the table from row objects.
    #[wasm_bindgen(js_name = fromRows)]
    pub fn from_rows(
        #[wasm_bindgen(unchecked_param_type = "PathRow[]")] rows: JsValue,
    ) -> Result<PathTable, JsValue> {
        let json: serde_json::Value =
            serde_wasm_bindgen::from_value(rows).map_err(|e| crate::convert::arg_err("rows", e))?;
        CorePathTable::from_json_rows(&json)
            .map(PathTable::from)
            .map_err(js_err)
    }

    /// The conversion paths of an event log, aggregated.
    #[wasm_bindgen(js_name = fromLog)]
    pub fn from_log(
        log: &EventLog,
        #[wasm_bindgen(unchecked_optional_param_type = "PathTableOptions")] opts: JsValue,
    ) -> Result<PathTable, JsValue> {
        let o: PathTableOptions = from_json("fromLog options", &options(&opts)?).map_err(js_err)?;
        CorePathTable::from_log(&log.inner, &o.path_options())
            .map(PathTable::from)
            .map_err(js_err)
    }

    /// Number of distinct paths.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// The rows as objects.
    #[wasm_bindgen(unchecked_return_type = "PathRow[]")]
    pub fn rows(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.rows())
    }
}
