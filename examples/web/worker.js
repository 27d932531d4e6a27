// The analysis worker: owns the WebAssembly module and the loaded data, so parsing a large CSV
// and computing metrics never block the page.
//
// Messages in:  { id, type, payload }  (type: "load", "loadSurveys", "sample", "map", "funnel",
//               "attribution", "orders", "retention", "satisfaction", "drivers", "compare")
// Messages out: { id, type: "result", payload } or { id, type: "error", payload: JourneyError
//               fields }, and once { type: "ready" } or { type: "fatal", payload } if the
//               package cannot be loaded.
//
// Every number and every chart comes from journey-wasm: each result goes through the package's
// adapter (funnelChart, attributionBars, ...) into its chart function, as in Python and the report.

import init, * as journey from "../../journey-wasm/pkg/web/journey_wasm.js";

let log = null;
let surveys = null;
/** Where the survey responses come from: "sample" (generated with the sample log) or a file name. */
let surveysSource = null;

function surveysInfo() {
  if (!surveys) return null;
  return { source: surveysSource, sample: surveysSource === "sample", responses: surveys.nResponses, customers: surveys.nCustomers, report: surveys.loadReport };
}

function describe(name) {
  const summary = log.summary();
  const first = log.customers().slice(0, 1)[0];
  const firstJourney = first === undefined ? [] : log.journey(first).map((e) => e.touchpoint);
  return {
    source: name,
    report: log.loadReport,
    summary,
    touchpoints: log.touchpoints(),
    channels: log.channels(),
    stages: log.stages(),
    conversions: log.conversions,
    firstJourney,
    surveys: surveysInfo(),
  };
}

function errorFields(e) {
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(e),
    code: e?.code ?? null,
    line: e?.line ?? null,
    row: e?.row ?? null,
    column: e?.column ?? null,
    value: e?.value ?? null,
    expected: e?.expected ?? null,
  };
}

function dropSurveys() {
  surveys?.free();
  surveys = null;
  surveysSource = null;
}

const handlers = {
  load({ buffer, name, mode }) {
    const t = performance.now();
    const next = journey.EventLog.fromCsv(new Uint8Array(buffer), { mode });
    log?.free();
    log = next;
    // The sample's responses belong to the sample's customers: never join them to a user's log.
    // Responses the user loaded stay, and the page says which file they came from.
    if (surveysSource === "sample") dropSurveys();
    return { ...describe(name), seconds: (performance.now() - t) / 1000 };
  },

  loadSurveys({ buffer, name, mode }) {
    const t = performance.now();
    const next = journey.Surveys.fromCsv(new Uint8Array(buffer), { mode });
    dropSurveys();
    surveys = next;
    surveysSource = name;
    return { ...surveysInfo(), touchpoints: surveys.touchpoints(), seconds: (performance.now() - t) / 1000 };
  },

  sample({ customers, seed }) {
    const t = performance.now();
    const [l, s] = journey.synthetic({ customers, seed });
    log?.free();
    dropSurveys();
    log = l;
    surveys = s;
    surveysSource = "sample";
    return { ...describe(`synthetic data (${customers} customers, seed ${seed})`), seconds: (performance.now() - t) / 1000 };
  },

  map({ persona }) {
    requireLog();
    const m = journey.JourneyMap.fromData(log, surveys);
    try {
      return { svg: m.toSvg(persona ? { persona } : {}), personas: m.personas(), name: m.name, persona, document: m.toObject() };
    } finally {
      m.free();
    }
  },

  funnel({ steps, window, mode, trend, asOf, afterDropOff }) {
    requireLog();
    // asOf: the time the funnel is counted at (customers whose window is still open are in
    // progress, result.open; the data end when not given, false for none); afterDropOff: where
    // the customers who stopped went instead.
    const opts = { window, mode, trend: trend || null };
    if (asOf || asOf === false) opts.asOf = asOf;
    if (afterDropOff) opts.afterDropOff = afterDropOff;
    const result = log.funnel(steps, opts);
    const trendSvg = trend ? journey.trendChartSvg(journey.funnelTrendChart(result)) : null;
    return { result, svg: journey.funnelChartSvg(journey.funnelChart(result)), trendSvg };
  },

  drivers() {
    requireLog();
    const result = log.conversionDrivers();
    return { result, svg: journey.forestPlotSvg(journey.driversForestPlot(result)) };
  },

  compare({ a, b, steps }) {
    requireLog();
    // Two periods (dates, the end day included): the funnel, the KPIs and, with survey
    // responses, their scores.
    const result = log.compare({ a, b, steps }, surveys);
    return { result, svg: journey.changeTableSvg(journey.compareTable(result)) };
  },

  attribution({ model, level }) {
    requireLog();
    if (model === "compare") {
      const result = log.attributionTable({ level });
      return { result, svg: journey.groupedBarsSvg(journey.attributionTableBars(result)) };
    }
    const result = log.attribution({ model, level });
    return { result, svg: journey.groupedBarsSvg(journey.attributionBars(result)) };
  },

  orders({ level, length, order }) {
    requireLog();
    // Orders 1 to 4 scored by BIC; the sequences' removal effects at the order asked for, or at
    // the chosen one (raised to the sequence length: a chain of order k removes runs of at most k).
    const selection = log.chooseOrder({ level });
    const at = order ?? Math.max(selection.chosen_order ?? length, length);
    const sequences = log.sequenceRemovalEffects({ level, order: at, length });
    return { selection, sequences };
  },

  retention({ period, periods, minReturns, unbounded }) {
    requireLog();
    const result = log.retention({ period, periods, minReturns, unbounded });
    return { result, svg: journey.heatmapSvg(journey.retentionHeatmap(result)) };
  },

  satisfaction({ metric }) {
    if (!surveys) return { noSurveys: true };
    // Joined to the log, responses without a touchpoint get theirs from the customer's journey.
    const joined = log ? surveys.withLog(log) : surveys;
    const result = joined[metric]({ by: "touchpoint" });
    if (joined !== surveys) joined.free();
    const chart = metric === "csat" ? journey.csatIntervals(result) : journey.npsIntervals(result);
    return { result, source: surveysSource, svg: journey.intervalChartSvg(chart) };
  },
};

function requireLog() {
  if (!log) throw Object.assign(new Error("Load an event log first."), { code: "no_data" });
}

const ready = init().then(
  () => self.postMessage({ type: "ready" }),
  (e) => {
    self.postMessage({ type: "fatal", payload: errorFields(e) });
    throw e;
  },
);

self.onmessage = async ({ data }) => {
  const { id, type, payload } = data;
  try {
    await ready;
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request ${type}`);
    const result = await handler(payload ?? {});
    self.postMessage({ id, type: "result", payload: result });
  } catch (e) {
    self.postMessage({ id, type: "error", payload: errorFields(e) });
  }
};
