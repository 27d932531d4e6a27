//! Pictures: `JourneyMap.toSvg` and the chart functions, each taking its chart's JSON shape and
//! returning an SVG document as a string (`htmlPage` returns a whole HTML page), and the
//! adapters (`funnelChart`, `retentionHeatmap`, ...) that turn a result into the input of its
//! chart function, as core's `DefaultChart` does for Python and the report.

use journey_core::args::from_json;
use journey_core::metrics::attribution::{AttributionResult, AttributionTable};
use journey_core::metrics::compare::CompareResult;
use journey_core::metrics::drivers::DriversResult;
use journey_core::metrics::funnel::{FunnelResult, TrendRow};
use journey_core::metrics::path_stats::PathStatsResult;
use journey_core::metrics::retention::RetentionResult;
use journey_core::metrics::survey::{CesBreakdown, CsatBreakdown, NpsBreakdown};
use journey_core::render::{
    ChangeTable, DefaultChart, ForestPlot, FunnelChart, GroupedBars, Heatmap, HtmlPage,
    IntervalChart, MapSvgOptions, Sankey, TrendChart,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::convert::{js_err, options, snake_keys};
use crate::model::JourneyMap;

#[wasm_bindgen(typescript_custom_section)]
const TS_RENDER: &str = r#"
export interface MapSvgOptions {
  /** Which persona to draw (default: the map's first). */
  persona?: string | null;
  /** Width of a stage column in pixels, 160 to 800 (default 250). */
  columnWidth?: number;
  /** Show the measured figures on the touchpoint cards (default true). */
  showMetrics?: boolean;
}

/** Input of `funnelChartSvg`. */
export interface FunnelChart {
  title?: string;
  steps: { label: string; count: number }[];
}

/**
 * Input of `heatmapSvg`: `cells[row][col]` a rate in [0, 1], or null when not observable.
 * Keys are camelCase like every option object (the snake_case spelling of the JSON shape,
 * `row_labels`, is accepted too).
 */
export interface Heatmap {
  title?: string;
  rowTitle?: string;
  colTitle?: string;
  rowLabels: string[];
  colLabels: string[];
  cells: (number | null)[][];
  /** Size of each row (e.g. cohort size); empty for none. */
  rowSizes?: number[];
}

/** Input of `groupedBarsSvg`: `values[group][series]`. */
export interface GroupedBars {
  title?: string;
  groups: string[];
  series: string[];
  values: number[][];
  valueLabel?: string;
}

/** Input of `sankeySvg`. */
export interface Sankey {
  title?: string;
  paths: { steps: string[]; count: number; converted?: boolean }[];
  /** Longest path drawn in full (default 6, at least 2). */
  maxSteps?: number;
}

/** Input of `intervalChartSvg`: estimates with confidence intervals. */
export interface IntervalChart {
  title?: string;
  rows: { label: string; estimate?: number | null; lo?: number | null; hi?: number | null; n?: number }[];
  min?: number | null;
  max?: number | null;
  reference?: number | null;
  valueLabel?: string;
}

/** Input of `forestPlotSvg`: ratios with their intervals, drawn on a log scale with a line at 1. */
export interface ForestPlot {
  title?: string;
  rows: { label: string; estimate?: number | null; lo?: number | null; hi?: number | null; n?: number; significant?: boolean; note?: string }[];
  valueLabel?: string;
}

/** Input of `changeTableSvg`: the figures of a comparison as texts, an arrow per row ("up", "down", "flat"), coloured when significant. */
export interface ChangeTable {
  title?: string;
  aLabel?: string;
  bLabel?: string;
  rows: { label: string; a?: string; b?: string; change?: string; direction?: "up" | "down" | "flat"; significant?: boolean; note?: string }[];
}

/** Input of `trendChartSvg`: a share (0 to 1) per period as a line; incomplete periods dashed and hollow. */
export interface TrendChart {
  title?: string;
  points: { label: string; value?: number | null; n?: number; complete?: boolean }[];
  valueLabel?: string;
}

export type HtmlBlock =
  | { paragraph: string }
  | { svg: string }
  | { table: { caption?: string; columns: string[]; rows: string[][] } };

/** Input of `htmlPage`. */
export interface HtmlPage {
  title: string;
  subtitle?: string;
  sections: { heading: string; blocks: HtmlBlock[] }[];
}
"#;

/// Chart input: camelCase (or snake_case) keys at every level, checked by core. Chart inputs
/// hold no user data in their keys (labels and names are values), so nested objects (a
/// Sankey's paths, an interval chart's rows, a page's blocks) are renamed too.
fn parse<T: DeserializeOwned>(what: &str, v: &JsValue) -> Result<T, JsValue> {
    let mut json = options(v)?;
    deep_snake_keys(&mut json);
    from_json(what, &json).map_err(js_err)
}

/// [`snake_keys`] on every object inside `v`, at any depth.
fn deep_snake_keys(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(_) => {
            snake_keys(v);
            if let serde_json::Value::Object(m) = v {
                m.values_mut().for_each(deep_snake_keys);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(deep_snake_keys),
        _ => {}
    }
}

#[wasm_bindgen]
impl JourneyMap {
    /// The map as an SVG picture: stages as columns, lanes for touchpoints, actions, thoughts,
    /// the emotion curve, pain points and opportunities.
    #[wasm_bindgen(js_name = toSvg)]
    pub fn to_svg(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "MapSvgOptions")] opts: JsValue,
    ) -> Result<String, JsValue> {
        let o: MapSvgOptions = parse("toSvg options", &opts)?;
        self.inner.to_svg(&o).map_err(js_err)
    }
}

/// A funnel chart (SVG): one bar per step with the drop-off between steps.
#[wasm_bindgen(js_name = funnelChartSvg)]
pub fn funnel_chart_svg(
    #[wasm_bindgen(unchecked_param_type = "FunnelChart")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<FunnelChart>("funnel chart", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// A heatmap of rates (SVG), e.g. cohort retention.
#[wasm_bindgen(js_name = heatmapSvg)]
pub fn heatmap_svg(
    #[wasm_bindgen(unchecked_param_type = "Heatmap")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<Heatmap>("heatmap", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// Grouped horizontal bars (SVG), e.g. attribution models side by side.
#[wasm_bindgen(js_name = groupedBarsSvg)]
pub fn grouped_bars_svg(
    #[wasm_bindgen(unchecked_param_type = "GroupedBars")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<GroupedBars>("grouped bars", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// A Sankey diagram of paths (SVG).
#[wasm_bindgen(js_name = sankeySvg)]
pub fn sankey_svg(
    #[wasm_bindgen(unchecked_param_type = "Sankey")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<Sankey>("sankey", &chart)?.to_svg().map_err(js_err)
}

/// Estimates with confidence intervals (SVG), e.g. NPS per touchpoint.
#[wasm_bindgen(js_name = intervalChartSvg)]
pub fn interval_chart_svg(
    #[wasm_bindgen(unchecked_param_type = "IntervalChart")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<IntervalChart>("interval chart", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// A forest plot (SVG): odds ratios with their 95% intervals on a log scale.
#[wasm_bindgen(js_name = forestPlotSvg)]
pub fn forest_plot_svg(
    #[wasm_bindgen(unchecked_param_type = "ForestPlot")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<ForestPlot>("forest plot", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// The "what changed" table (SVG): per figure both sides, an arrow and the change with its
/// interval, coloured when significant.
#[wasm_bindgen(js_name = changeTableSvg)]
pub fn change_table_svg(
    #[wasm_bindgen(unchecked_param_type = "ChangeTable")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<ChangeTable>("change table", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// `key` in camelCase (`value_label` -> `valueLabel`).
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut up = false;
    for c in key.chars() {
        match c {
            '_' => up = true,
            c if up => {
                out.extend(c.to_uppercase());
                up = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Renames every key inside `v` to camelCase, at any depth: the spelling the TypeScript chart
/// types declare. Chart inputs hold no user data in their keys.
fn deep_camel_keys(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            let old = std::mem::take(m);
            for (k, mut x) in old {
                deep_camel_keys(&mut x);
                m.insert(camel(&k), x);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(deep_camel_keys),
        _ => {}
    }
}

/// A result (the plain object an analysis returned) as the input of its chart function, drawn
/// as core draws it (`DefaultChart`: the same chart and title as Python and the report), under
/// `title` when one is given; `null` when the result has no picture.
fn adapt<R: DeserializeOwned + DefaultChart>(
    what: &str,
    result: &JsValue,
    title: &JsValue,
) -> Result<JsValue, JsValue> {
    if !result.is_object() {
        return Err(crate::convert::arg_err(
            "result",
            format!(
                "expected a {what}, got {}",
                crate::convert::type_name(result)
            ),
        ));
    }
    let r: R = from_json(what, &options(result)?).map_err(js_err)?;
    let title = match title.as_string() {
        Some(t) => t,
        None if title.is_undefined() || title.is_null() => r.default_title(),
        None => return Err(crate::convert::arg_err("title", "expected a string")),
    };
    match r.chart(title) {
        Some(chart) => {
            let mut json =
                serde_json::to_value(&chart).map_err(|e| crate::convert::arg_err("result", e))?;
            deep_camel_keys(&mut json);
            crate::convert::to_js(&json)
        }
        None => Ok(JsValue::NULL),
    }
}

/// Exports an adapter: `$js(result, title?)` for the result type `$result` (TS `$ts_in`),
/// returning the input of its chart function (TS `$ts_out`).
macro_rules! adapters {
    ($($(#[doc = $doc:literal])* $name:ident, $js:literal, $result:ty, $what:literal, $ts_in:literal, $ts_out:literal;)*) => {$(
        $(#[doc = $doc])*
        #[wasm_bindgen(js_name = $js, unchecked_return_type = $ts_out)]
        pub fn $name(
            #[wasm_bindgen(unchecked_param_type = $ts_in)] result: JsValue,
            #[wasm_bindgen(unchecked_optional_param_type = "string")] title: JsValue,
        ) -> Result<JsValue, JsValue> {
            adapt::<$result>($what, &result, &title)
        }
    )*};
}

// Docs as `#[doc = "..."]`: wasm-bindgen copies a `///` line passed through a macro into the
// TypeScript declarations with its raw-string prefix.
adapters! {
    #[doc = " The table with arrows of a `compare` result (every row, in order), as the input of"]
    #[doc = " `changeTableSvg`."]
    compare_table, "compareTable", CompareResult, "compare result", "CompareResult",
        "ChangeTable";
    #[doc = " The forest plot of a `conversionDrivers` result (its rows in order, the q-value as each"]
    #[doc = " row's note), as the input of `forestPlotSvg`."]
    drivers_forest_plot, "driversForestPlot", DriversResult, "conversion drivers result",
        "ConversionDriversResult", "ForestPlot";
    #[doc = " The chart of a `funnel` result (customers per step), as the input of `funnelChartSvg`."]
    funnel_chart, "funnelChart", FunnelResult, "funnel result", "FunnelResult", "FunnelChart";
    #[doc = " The Sankey of a `pathStats` result (every listed variant, converting journeys apart), as"]
    #[doc = " the input of `sankeySvg`."]
    paths_sankey, "pathsSankey", PathStatsResult, "path stats result", "PathStatsResult",
        "Sankey";
    #[doc = " The cohort heatmap of a `retention` result (rates as shares), as the input of"]
    #[doc = " `heatmapSvg`."]
    retention_heatmap, "retentionHeatmap", RetentionResult, "retention result",
        "RetentionResult", "Heatmap";
    #[doc = " The bars of an `attribution` result (one model's credit per channel), as the input of"]
    #[doc = " `groupedBarsSvg`."]
    attribution_bars, "attributionBars", AttributionResult, "attribution result",
        "AttributionResult", "GroupedBars";
    #[doc = " The bars of an `attributionTable` result (every model side by side), as the input of"]
    #[doc = " `groupedBarsSvg`."]
    attribution_table_bars, "attributionTableBars", AttributionTable, "attribution table",
        "AttributionTable", "GroupedBars";
    #[doc = " The intervals of an NPS result grouped with `by`, as the input of `intervalChartSvg`;"]
    #[doc = " `null` without `by`."]
    nps_intervals, "npsIntervals", NpsBreakdown, "nps result", "Breakdown<NpsResult>",
        "IntervalChart | null";
    #[doc = " The intervals of a CSAT result grouped with `by` (`null` without)."]
    csat_intervals, "csatIntervals", CsatBreakdown, "csat result", "Breakdown<CsatResult>",
        "IntervalChart | null";
    #[doc = " The intervals of a CES result grouped with `by` (`null` without)."]
    ces_intervals, "cesIntervals", CesBreakdown, "ces result", "Breakdown<CesResult>",
        "IntervalChart | null";
}

/// A trend chart (SVG): a share per period as a line, periods that are not complete (their
/// windows still open) dashed and hollow.
#[wasm_bindgen(js_name = trendChartSvg)]
pub fn trend_chart_svg(
    #[wasm_bindgen(unchecked_param_type = "TrendChart")] chart: JsValue,
) -> Result<String, JsValue> {
    parse::<TrendChart>("trend chart", &chart)?
        .to_svg()
        .map_err(js_err)
}

/// The trend chart of a `funnel` result asked for a `trend` (conversion per period of entry),
/// as the input of `trendChartSvg`; a funnel without a trend gives a chart without points.
#[wasm_bindgen(js_name = funnelTrendChart, unchecked_return_type = "TrendChart")]
pub fn funnel_trend_chart(
    #[wasm_bindgen(unchecked_param_type = "FunnelResult")] result: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] title: JsValue,
) -> Result<JsValue, JsValue> {
    // Only the trend is drawn: the rows of the result's `trend` (none: no points).
    let mut r = options(&result)?;
    let rows: Vec<TrendRow> = match r.get_mut("trend").map(serde_json::Value::take) {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(v) => from_json("funnel result trend", &v).map_err(js_err)?,
    };
    let title = match title.as_string() {
        Some(t) => t,
        None if title.is_undefined() || title.is_null() => {
            "Conversion by period of entry".to_string()
        }
        None => return Err(crate::convert::arg_err("title", "expected a string")),
    };
    crate::convert::to_js(&TrendChart::from_trend(&rows, title))
}

/// A self-contained HTML page (inline CSS and SVG, no scripts) from sections of paragraphs,
/// SVG pictures and tables.
#[wasm_bindgen(js_name = htmlPage)]
pub fn html_page(
    #[wasm_bindgen(unchecked_param_type = "HtmlPage")] page: JsValue,
) -> Result<String, JsValue> {
    parse::<HtmlPage>("html page", &page)?
        .to_html()
        .map_err(js_err)
}
