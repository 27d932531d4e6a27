//! Open journeys: `EventLog.openJourneys` (scores) and `EventLog.openJourneysBacktest`.

use journey_core::args::from_json;
use journey_core::metrics::backtest::{backtest, BacktestOptions};
use journey_core::metrics::open_journeys::{open_journeys, OpenJourneyOptions};
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, to_js};
use crate::model::EventLog;

#[wasm_bindgen(typescript_custom_section)]
const TS_OPEN_JOURNEYS: &str = r#"
/** A time: RFC 3339 text or integer Unix seconds. */
export type TimeInput = string | number;
export interface OpenJourneyOptions {
  level?: "channel" | "touchpoint"; order?: number; collapseRepeats?: boolean; exclude?: string[] | null;
  asOf?: TimeInput | null; onlyUnconverted?: boolean; minSupport?: number; nextTouches?: number;
  topPaths?: number; maxPathLength?: number; idle?: boolean;
}
export type NextTouchStatus = "recommend" | "no_uplift" | "not_enough_data" | "unknown_state";
export interface OpenJourney {
  customer_id: string; state: string; last_touch: string; n_touches: number; last_touch_time: string;
  idle_s: number; probability: number | null; expected_touches: number | null; next_best: string | null;
  next_best_probability: number | null; uplift: number | null; support: number | null; status: NextTouchStatus;
}
export interface OpenJourneyState {
  state: string; last_touch: string; open_journeys: number; paths: number; probability: number | null;
  expected_touches: number | null; next_best: string | null; next_best_probability: number | null;
  uplift: number | null; support: number | null; status: NextTouchStatus;
}
export interface NextTouch {
  state: string; rank: number; touchpoint: string; probability: number; uplift: number; support: number;
  enough_support: boolean; transition_probability: number;
}
export interface OpenJourneysResult {
  level: "channel" | "touchpoint"; order: number; as_of: string | null; min_support: number;
  idle_reference: string | null; training_paths: number; training_conversions: number;
  conversion_probability: number | null; unknown_excluded: string[]; n_open: number;
  journeys: OpenJourney[]; states: OpenJourneyState[]; next_touches: NextTouch[];
  top_paths: { state: string; rank: number; path: string[]; probability: number }[];
}
export interface BacktestOptions {
  asOf: TimeInput; horizon?: Duration; level?: "channel" | "touchpoint"; order?: number;
  collapseRepeats?: boolean; exclude?: string[] | null; onlyUnconverted?: boolean; bins?: number; idle?: boolean;
}
export interface BacktestResult {
  as_of: string; horizon_s: number; level: "channel" | "touchpoint"; order: number; idle: boolean;
  training_paths: number; training_conversions: number; n_open: number; n_converted: number;
  observed_rate: number | null;
  predictors: { predictor: "markov" | "last_touch_rate" | "overall_rate"; auc: number | null; brier: number | null; mean_score: number | null }[];
  markov_beats_baselines: boolean;
  calibration: { predictor: string; bin: number; n: number; min_score: number; max_score: number; mean_score: number; observed_rate: number }[];
}
"#;

#[wasm_bindgen]
impl EventLog {
    /// Scores every open journey: probability of converting, expected further touches, next
    /// best touchpoint, from the exact Markov chain fitted on the log.
    #[wasm_bindgen(js_name = openJourneys, unchecked_return_type = "OpenJourneysResult")]
    pub fn open_journeys(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "OpenJourneyOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: OpenJourneyOptions =
            from_json("openJourneys options", &options(&opts)?).map_err(js_err)?;
        to_js(&open_journeys(&self.inner, &o).map_err(js_err)?)
    }

    /// The time-split backtest of open-journey scoring (AUC, Brier, calibration, baselines).
    #[wasm_bindgen(js_name = openJourneysBacktest, unchecked_return_type = "BacktestResult")]
    pub fn open_journeys_backtest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "BacktestOptions")] opts: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o: BacktestOptions =
            from_json("openJourneysBacktest options", &options(&opts)?).map_err(js_err)?;
        to_js(&backtest(&self.inner, &o).map_err(js_err)?)
    }
}
