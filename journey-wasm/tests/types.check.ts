// Compiled with `tsc --noEmit` in CI: the published types must describe the API as used here.
import init, {
  EventLog, Surveys, JourneyMap, PathTable, synthetic, LoadReport, LogSummary, JourneyEvent,
  AttributionResult, AttributionTable, AttributionRow, JourneyMapDoc, MapSvgOptions,
  funnelChartSvg, heatmapSvg, groupedBarsSvg, sankeySvg, intervalChartSvg, htmlPage,
  EventColumnsInput, JourneyError, report as makeReport, FromDataOptions, ReportOptions,
  GraphNode, PathStatsResult, FunnelResult, FunnelExclusionRange,
  Breakdown, NpsResult, NpsDiff, Kpis, nps, npsDiff,
} from "../pkg/web/journey_wasm.js";

await init();

// Data in: text, bytes, files, columns.
const log: EventLog = EventLog.fromCsv("customer_id,timestamp,touchpoint\n", { mode: "lenient", conversions: ["purchase"] });
const fromBytes: EventLog = EventLog.fromCsv(new Uint8Array([1, 2]), { ignoreExtraColumns: true });
const fromBuffer: EventLog = EventLog.fromCsvBytes(new ArrayBuffer(0));
const fromFile: Promise<EventLog> = EventLog.fromFile(new Blob(["x"]), { maxReportedErrors: 3 });
const columns: EventColumnsInput = {
  customerId: ["a", "b"],
  timestamp: new Float64Array([Date.now(), Date.now()]),
  touchpoint: { values: ["ad", "purchase"], codes: new Int32Array([0, 1]) },
  value: new Float64Array([NaN, 12.5]),
  properties: { persona: ["x", null] },
};
const fromColumns: EventLog = EventLog.fromColumns(columns);
const fromDates: EventLog = EventLog.fromColumns({ customerId: ["a"], timestamp: [new Date()], touchpoint: ["ad"] });
const surveysFile: Promise<Surveys> = Surveys.fromFile(new File(["x"], "s.csv"));

// Data out: typed results.
const n: number = log.nEvents + log.nCustomers + fromBytes.nEvents + fromBuffer.nEvents + fromColumns.nEvents + fromDates.nEvents;
const report: LoadReport = log.loadReport;
const skipped: number = report.rows_skipped;
const errors: string[] = report.errors;
const summary: LogSummary = log.summary();
const first: string | null = summary.first_event;
const events: JourneyEvent[] | undefined = log.journey("a");
const names: string[] = log.touchpoints().concat(log.channels(), log.stages(), log.customers(), log.conversions);
const [synth, surveys]: [EventLog, Surveys] = synthetic({ customers: 10, seed: 1 });
const responses: number = surveys.nResponses + synth.nEvents;
const attribution: AttributionResult = log.attribution({ model: "markov", collapseRepeats: true });
const row: AttributionRow | undefined = attribution.rows[0];
const share: number | null = row ? row.share : null;
const table: AttributionTable = PathTable.fromLog(log).attributionTable({ level: "touchpoint" });
const shapley: number | undefined = table.rows[0]?.shapley;

// Journeys: a node's conversion flag is a boolean; exclusions take camelCase step keys;
// path statistics carry each touch's attribution share.
const nodes: GraphNode[] = log.transitionGraph({ level: "touchpoint" }).nodes();
const isConversion: boolean | undefined = nodes[0]?.conversion;
const range: FunnelExclusionRange = { touchpoint: ["coupon"], fromStep: 1, toStep: 2 };
const funnelResult: FunnelResult = log.funnel(["a", "b", "c"], { exclude: ["x", ["y", "z"], range], firstAttempt: true });
const stats: PathStatsResult = log.pathStats({ attributionModel: "markov", top: 0 });
const attributionShare: number | null | undefined = stats.touches[0]?.attribution_share;

// Survey scores and KPIs.
const byTp: Breakdown<NpsResult> = surveys.nps({ by: "touchpoint" });
const group = byTp.groups[0];
const diffs: NpsDiff[] = [npsDiff([10, null], new Float64Array([0])), npsDiff(byTp, new Uint8Array([9]))];
if (group) diffs.push(npsDiff(group, nps([10])));
const kpis: Kpis = log.kpis({ start: new Date(0), end: 1768780800 });
const kpisText: Kpis = log.kpis({ start: "2026-01-12T00:00:00Z", end: null });

// Pictures.
const map: JourneyMap = JourneyMap.fromJson("{}");
const json: string = map.toJson();
const doc: JourneyMapDoc = map.toObject();
const emotion: number | undefined = doc.steps[0]?.emotion;
const svgOptions: MapSvgOptions = { persona: doc.personas[0]?.name, columnWidth: 300, showMetrics: false };
const svg: string = map.toSvg(svgOptions) + new JourneyMap("x").toSvg();
const charts: string[] = [
  funnelChartSvg({ title: "Checkout", steps: [{ label: "cart", count: 10 }] }),
  heatmapSvg({ rowLabels: ["w1"], colLabels: ["0"], cells: [[null]], rowTitle: "cohort", colTitle: "weeks", rowSizes: [3] }),
  groupedBarsSvg({ groups: ["web"], series: ["linear"], values: [[1]], valueLabel: "conversions" }),
  sankeySvg({ paths: [{ steps: ["a"], count: 1, converted: true }], maxSteps: 4 }),
  intervalChartSvg({ rows: [{ label: "app", estimate: 10, lo: 0, hi: 20, n: 5 }], min: -100, max: 100, valueLabel: "NPS" }),
  htmlPage({ title: "t", sections: [{ heading: "h", blocks: [{ paragraph: "p" }, { svg }] }] }),
];

// Errors.
function describe(e: unknown): string {
  const err = e as JourneyError;
  return `${err.code} ${err.line ?? err.row ?? ""} ${err.column ?? ""}`;
}

const fromDataOpts: FromDataOptions = { byPersona: true, dropOffThreshold: 0.5, personaProperty: null };
const fromData: JourneyMap = JourneyMap.fromData(synth, surveys, fromDataOpts);
const picture: string = fromData.toSvg({ persona: "All customers", columnWidth: 300 }) + JourneyMap.fromData(synth).toSvg();
const reportOpts: ReportOptions = { title: "Shop", map: fromDataOpts, designedMap: map, retention: { period: "month" }, funnel: ["a", "b"] };
const page: string = makeReport(synth, null, reportOpts) + makeReport(synth) + makeReport(synth, surveys.clone());
export { isConversion, funnelResult, attributionShare, n, skipped, errors, first, events, names, responses, json, share, shapley, emotion, charts, fromFile, surveysFile, describe, picture, page };
