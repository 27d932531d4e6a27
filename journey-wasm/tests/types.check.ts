// Compiled with `tsc --noEmit` in CI: the published types must describe the API as used here.
import { EventLog, Surveys, JourneyMap, synthetic, report as makeReport, LoadReport, LogSummary, JourneyEvent, FromDataOptions, ReportOptions } from "../pkg/web/journey_wasm.js";

const log: EventLog = EventLog.fromCsv("customer_id,timestamp,touchpoint\n", { mode: "lenient", conversions: ["purchase"] });
const n: number = log.nEvents + log.nCustomers;
const report: LoadReport = log.loadReport;
const skipped: number = report.rows_skipped;
const summary: LogSummary = log.summary();
const first: string | null = summary.first_event;
const events: JourneyEvent[] | undefined = log.journey("a");
const names: string[] = log.touchpoints().concat(log.channels(), log.stages());
const [synth, surveys]: [EventLog, Surveys] = synthetic({ customers: 10, seed: 1 });
const responses: number = surveys.nResponses + synth.nEvents;
const map: JourneyMap = JourneyMap.fromJson("{}");
const json: string = map.toJson();
const fromDataOpts: FromDataOptions = { byPersona: true, dropOffThreshold: 0.5, personaProperty: null };
const fromData: JourneyMap = JourneyMap.fromData(synth, surveys, fromDataOpts);
const picture: string = fromData.toSvg({ persona: "All customers", columnWidth: 300 }) + JourneyMap.fromData(synth).toSvg();
const reportOpts: ReportOptions = { title: "Shop", map: fromDataOpts, designedMap: map, retention: { period: "month" }, funnel: ["a", "b"] };
const page: string = makeReport(synth, null, reportOpts) + makeReport(synth) + makeReport(synth, surveys.clone());
export { n, skipped, first, events, names, responses, json, picture, page };
