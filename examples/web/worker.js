// The analysis worker: owns the WebAssembly module and the loaded data, so parsing a large CSV
// and computing metrics never block the page.
//
// Messages in:  { id, type, payload }  (type: "load", "loadSurveys", "sample", "map", "funnel",
//               "attribution", "retention", "satisfaction")
// Messages out: { id, type: "result", payload } or { id, type: "error", payload: JourneyError
//               fields }, and once { type: "ready", payload: { capabilities } } or
//               { type: "fatal", payload } if the package cannot be loaded.
//
// Every number comes from journey-wasm; this file only calls it and puts results into the chart
// functions' input shapes (see present.js).

import init, * as journey from "../../journey-wasm/pkg/web/journey_wasm.js";
import { funnelChart, attributionBars, retentionHeatmap, satisfactionIntervals, funnelRows } from "./present.js";

let log = null;
let surveys = null;

/** Which optional methods this build of journey-wasm has (metrics land one by one). */
function capabilities() {
  const has = (obj, name) => typeof obj?.[name] === "function";
  return {
    funnel: has(journey.EventLog.prototype, "funnel"),
    retention: has(journey.EventLog.prototype, "retention"),
    attribution: has(journey.EventLog.prototype, "attribution"),
    nps: has(journey.Surveys.prototype, "nps"),
    csat: has(journey.Surveys.prototype, "csat"),
    mapFromData: has(journey.JourneyMap, "fromData"),
  };
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
    surveys: surveys ? { responses: surveys.nResponses, customers: surveys.nCustomers, report: surveys.loadReport } : null,
    capabilities: capabilities(),
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
  };
}

function unavailable(method) {
  return { unavailable: true, method };
}

const handlers = {
  load({ buffer, name, mode }) {
    const t = performance.now();
    const next = journey.EventLog.fromCsv(new Uint8Array(buffer), { mode });
    log?.free();
    log = next;
    return { ...describe(name), seconds: (performance.now() - t) / 1000 };
  },

  loadSurveys({ buffer, name, mode }) {
    const t = performance.now();
    const next = journey.Surveys.fromCsv(new Uint8Array(buffer), { mode });
    surveys?.free();
    surveys = next;
    return {
      name,
      responses: surveys.nResponses,
      customers: surveys.nCustomers,
      touchpoints: surveys.touchpoints(),
      report: surveys.loadReport,
      seconds: (performance.now() - t) / 1000,
    };
  },

  sample({ customers, seed }) {
    const t = performance.now();
    const [l, s] = journey.synthetic({ customers, seed });
    log?.free();
    surveys?.free();
    log = l;
    surveys = s;
    return { ...describe(`synthetic data (${customers} customers, seed ${seed})`), seconds: (performance.now() - t) / 1000 };
  },

  async map({ persona }) {
    requireLog();
    const opts = persona ? { persona } : {};
    if (typeof journey.JourneyMap.fromData === "function") {
      const m = journey.JourneyMap.fromData(log, surveys ?? undefined);
      return { svg: m.toSvg(opts), personas: m.personas(), fromData: true, name: m.name };
    }
    const text = await (await fetch(new URL("../maps/online_shop.json", import.meta.url))).text();
    const m = journey.JourneyMap.fromJson(text);
    return { svg: m.toSvg(opts), personas: m.personas(), fromData: false, name: m.name };
  },

  funnel({ steps, window, mode }) {
    requireLog();
    if (typeof log.funnel !== "function") return unavailable("EventLog.funnel");
    const result = log.funnel(steps, { window, mode });
    const chart = funnelChart(result, steps);
    return { result, rows: funnelRows(result, steps), svg: journey.funnelChartSvg(chart) };
  },

  attribution({ model, level }) {
    requireLog();
    if (model === "compare") {
      const result = log.attributionTable({ level });
      return { result, svg: journey.groupedBarsSvg(attributionBars(result, null, level)) };
    }
    const result = log.attribution({ model, level });
    return { result, svg: journey.groupedBarsSvg(attributionBars(result, model, level)) };
  },

  retention({ period, periods }) {
    requireLog();
    if (typeof log.retention !== "function") return unavailable("EventLog.retention");
    const result = log.retention({ period, periods });
    const chart = retentionHeatmap(result, period);
    return { result, svg: chart ? journey.heatmapSvg(chart) : null };
  },

  satisfaction({ metric }) {
    if (!surveys) return { noSurveys: true };
    if (typeof surveys[metric] !== "function") return unavailable(`Surveys.${metric}`);
    // Joined to the log (when this build can), responses without a touchpoint get theirs from
    // the customer's journey.
    const joined = typeof surveys.withLog === "function" && log ? surveys.withLog(log) : surveys;
    const result = joined[metric]({ by: "touchpoint" });
    if (joined !== surveys) joined.free();
    const chart = satisfactionIntervals(result, metric);
    return { result, svg: chart ? journey.intervalChartSvg(chart) : null };
  },
};

function requireLog() {
  if (!log) throw Object.assign(new Error("Load an event log first."), { code: "no_data" });
}

const ready = init().then(
  () => self.postMessage({ type: "ready", payload: { capabilities: capabilities() } }),
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
