// The whole API as a TypeScript program uses it: every exported function, static, method and
// getter, with the fields of each result assigned to variables of the type the result has, so a
// wrong declaration fails `tsc`. Compiled, never run (see node.check.mts and web.check.mts: the
// package is resolved by its name, through its `exports`, once per entry point).
import type * as Journey from "journey-wasm";

/** The module's API (without `default`: the module object of the CommonJS build, `init` of the web build). */
type Api = Omit<typeof Journey, "default">;

export async function useApi(j: Api): Promise<unknown[]> {
  const { EventLog, Surveys, JourneyMap, PathTable, JourneyError, LiveAnalysis } = j;
  const out: unknown[] = [];

  // ---- Data in: text, bytes, files, JSON, columns.
  const load: Journey.LoadOptions = {
    mode: "lenient",
    conversions: ["purchase"],
    catalog: { ig: { channel: "social", stage: "awareness", kind: "digital" } },
    ignoreExtraColumns: false,
    rename: { user_id: "customer_id" },
    maxReportedErrors: 3,
  };
  const log: Journey.EventLog = EventLog.fromCsv("customer_id,timestamp,touchpoint\n", load);
  const fromText: Journey.EventLog = EventLog.fromCsv(new Uint8Array([1, 2]));
  const fromBytes: Journey.EventLog = EventLog.fromCsvBytes(new ArrayBuffer(0), { mode: "strict" });
  const fromView: Journey.EventLog = EventLog.fromCsvBytes(new DataView(new ArrayBuffer(0)));
  const fromFile: Journey.EventLog = await EventLog.fromFile(new Blob(["x"]), { maxReportedErrors: 1 });
  const fromJson: Journey.EventLog = EventLog.fromJson("[]", { conversions: ["signup"] });
  const columns: Journey.EventColumnsInput = {
    customerId: ["a", "b"],
    timestamp: new Float64Array([0, 1]),
    touchpoint: { values: ["ad", "purchase"], codes: new Int32Array([0, 1]) },
    channel: ["social", null],
    stage: { values: ["awareness"], codes: [0, null] },
    value: new Float64Array([NaN, 12.5]),
    properties: { persona: ["x", undefined] },
  };
  const fromColumns: Journey.EventLog = EventLog.fromColumns(columns, load);
  const fromDates: Journey.EventLog = EventLog.fromColumns({ customerId: ["a"], timestamp: [new Date(0)], touchpoint: ["ad"] });
  const fromTimeText: Journey.EventLog = EventLog.fromColumns({ customerId: [7], timestamp: ["2026-01-01T00:00:00Z"], touchpoint: ["ad"] });
  const surveysText: Journey.Surveys = Surveys.fromCsv("customer_id,timestamp,nps\n", { mode: "lenient" });
  const surveysFile: Journey.Surveys = await Surveys.fromFile(new File(["x"], "s.csv"));
  for (const l of [fromText, fromBytes, fromView, fromFile, fromJson, fromColumns, fromDates, fromTimeText]) l.free();

  // ---- The log.
  const nEvents: number = log.nEvents;
  const nCustomers: number = log.nCustomers;
  const report: Journey.LoadReport = log.loadReport;
  const [read, kept, skipped]: number[] = [report.rows_read, report.rows_kept, report.rows_skipped];
  const loadErrors: string[] = report.errors;
  const names: string[] = [...log.touchpoints(), ...log.channels(), ...log.stages(), ...log.customers(), ...log.properties(), ...log.conversions];
  const summary: Journey.LogSummary = log.summary();
  const revenue: number = summary.revenue;
  const firstEvent: string | null = summary.first_event;
  const events: Journey.JourneyEvent[] | undefined = log.journey("a");
  const event = events?.[0];
  if (event) {
    const when: string = event.timestamp;
    const stage: string | null = event.stage;
    const value: number | null = event.value;
    const persona: string | number | null = event["persona"];
    out.push(when, stage, value, persona);
  }
  const csv: string = log.toCsv();
  out.push(nEvents, nCustomers, read, kept, skipped, loadErrors, names, revenue, firstEvent, csv);

  // ---- Journeys.
  const range: Journey.FunnelExclusionRange = { touchpoint: ["coupon"], fromStep: 1, toStep: null };
  const funnel: Journey.FunnelResult = log.funnel(["ad", ["cart", "basket"], "purchase"], {
    window: "14d", mode: "any_order", firstAttempt: true, exclude: ["x", ["y", "z"], range], breakdown: "persona", droppedIds: true,
  });
  const conversion: number | null = funnel.conversion;
  const openWindows: Journey.FunnelOpenWindows | undefined = log.funnel(["ad", "purchase"], { asOf: "end" }).open;
  const inProgress: number | undefined = openWindows?.steps[1]?.in_progress;
  out.push(inProgress, log.funnel(["ad", "purchase"], { asOf: 1767225600 }).open?.conversion);
  const after: Journey.FunnelTouchCount | undefined = log.funnel(["ad", "purchase"], { afterDropOff: 3 }).after_drop_off?.[0]?.next[0];
  out.push(after?.touchpoint, after?.customers);
  const trendRow: Journey.FunnelTrendRow | undefined = log.funnel(["ad", "purchase"], { trend: "week" }).trend?.[0];
  out.push(trendRow?.complete, trendRow?.conversion);
  const step: Journey.FunnelStepResult | undefined = funnel.steps[0];
  const dropped: string[] | undefined = step?.dropped_ids;
  const medianTime: number | null | undefined = step?.median_time_from_previous_s;
  const groups: Journey.FunnelGroup[] | undefined = funnel.groups;
  const groupValue: string | null | undefined = groups?.[0]?.value;
  out.push(conversion, dropped, medianTime, groupValue);

  const driverOptions: Journey.ConversionDriversOptions = {
    level: "touchpoint", touches: true, properties: ["persona"], steps: ["ad", ["cart", "basket"]], step: 2,
    window: "7d", mode: "ordered", alpha: 0.1, minCustomers: 5,
  };
  const drivers: Journey.ConversionDriversResult = log.conversionDrivers(driverOptions);
  const driver: Journey.ConversionDriverRow | undefined = log.conversionDrivers({ properties: "persona" }).rows[0];
  const oddsRatio: number | null | undefined = driver?.odds_ratio;
  const qValue: number | null | undefined = driver?.q_value;
  const forest: Journey.ForestPlot = j.driversForestPlot(drivers, "Drivers");
  out.push(drivers.n_significant, oddsRatio, qValue, j.forestPlotSvg(forest), j.driversForestPlot(log.conversionDrivers()));

  // ---- Optional funnel steps, the funnel trend chart, what changed.
  const withOptional: Journey.FunnelResult = log.funnel(["view", { touchpoint: ["coupon", "promo"], optional: true }, "buy"], { trend: "week" });
  const optionalFlag: boolean | undefined = withOptional.steps[1]?.optional;
  const trendChart: Journey.TrendChart = j.funnelTrendChart(withOptional, "Conversion by week");
  const sides: Journey.CompareOptions = {
    a: { from: "2026-01-01T00:00:00Z", to: 1767830400, label: "week 1" },
    b: { property: "persona", value: "researcher" },
    steps: ["view", "buy"],
    window: "7d",
    mode: "ordered",
    kpis: true,
    alpha: 0.05,
  };
  const changes: Journey.CompareResult = log.compare(sides);
  const change: Journey.CompareRow | undefined = changes.rows[0];
  const moved: "up" | "down" | "none" | undefined = change?.direction;
  const sideA: Journey.CompareSideSummary = changes.a;
  out.push(optionalFlag, j.trendChartSvg(trendChart), j.trendChartSvg({ points: [{ label: "2026-W01", value: 0.4, n: 10, complete: false }] }), moved, sideA.n_customers, change?.q_value);
  const more: Journey.CompareOptions = {
    ...sides,
    retentionPeriods: [1, 4],
    retention: { period: "week", start: "buy", ret: "buy", minReturns: 1 },
    attribution: { model: "last_touch", level: "channel" },
    resamples: 200,
    seed: 7,
  };
  const moreChanges: Journey.CompareResult = log.compare(more, null);
  const unit: "share" | "nps_points" | "score" | undefined = moreChanges.rows[0]?.unit;
  const changeTable: Journey.ChangeTable = j.compareTable(moreChanges, "What changed");
  out.push(unit, moreChanges.resamples, j.changeTableSvg(changeTable), j.changeTableSvg({ rows: [{ label: "NPS", a: "+40.0", b: "\u221210.0", change: "\u221250.0", direction: "down", significant: false, note: "q 0.170" }] }));

  const sessions: Journey.SessionsResult = log.sessions({ gap: "30m", inactivity: 604800, perCustomer: true });
  const nSessions: number = sessions.n_sessions;
  const duration: Journey.Distribution = sessions.session_duration_s;
  const p90: number | null = duration.p90;
  const histogramTop: number | null | undefined = duration.histogram[0]?.hi;
  const perCustomer: Journey.CustomerSessions[] | undefined = sessions.customers;
  const customerRow = perCustomer?.[0];
  if (customerRow) {
    const id: string = customerRow.customer_id;
    const longest: number | null = customerRow.longest_gap_s;
    const meanDuration: number = customerRow.mean_session_duration_s;
    const last: string = customerRow.last_event;
    out.push(id, longest, meanDuration, last);
  }
  const inactive: { touchpoint: string; before: number; after: number }[] = sessions.inactivity_touchpoints;
  out.push(nSessions, p90, histogramTop, inactive);

  const paths: Journey.ConversionPathsResult = log.conversionPaths({ level: "touchpoint", lookback: "30d", firstConversionOnly: true, collapseRepeats: true, exclude: ["checkout"] });
  const pathRow = paths.rows[0];
  if (pathRow) {
    const touches: string[] = pathRow.touches;
    const converted: boolean = pathRow.converted;
    const endTime: string = pathRow.end_time;
    const value: number = pathRow.value;
    out.push(touches, converted, endTime, value);
  }
  const nConversions: number = paths.n_conversions;

  const open: Journey.OpenJourneysResult = log.openJourneys({ level: "touchpoint", order: 2, asOf: "2026-05-01T00:00:00Z", minSupport: 10, idle: true, topPaths: 2 });
  const openRow: Journey.OpenJourney | undefined = open.journeys[0];
  if (openRow) {
    const p: number | null = openRow.probability;
    const status: Journey.NextTouchStatus = openRow.status;
    const nextBest: string | null = openRow.next_best;
    out.push(p, status, nextBest);
  }
  const nextTouches: Journey.NextTouch[] = open.next_touches;
  const topPath: string[] | undefined = open.top_paths[0]?.path;
  const bt: Journey.BacktestResult = log.openJourneysBacktest({ asOf: 1767225600, horizon: "14d", bins: 10 });
  const auc: number | null | undefined = bt.predictors[0]?.auc;
  out.push(nextTouches, topPath, auc, bt.markov_beats_baselines);

  const stats: Journey.PathStatsResult = log.pathStats({ attributionModel: "markov", top: 5, lookback: null });
  const rate: number | null = stats.conversion_rate;
  const share: number | null | undefined = stats.touches[0]?.attribution_share;
  const sankey: Journey.Sankey = j.pathsSankey(stats);
  out.push(j.sankeySvg(sankey), j.pathsSankey(stats, "Paths").maxSteps);
  const variant: string[] | undefined = stats.variants[0]?.path;
  const model: Journey.AttributionModel = stats.attribution_model;
  out.push(nConversions, rate, share, variant, model);

  const graph: Journey.TransitionGraph = log.transitionGraph({ level: "touchpoint", sessionGap: "30m", collapseRepeats: false });
  const nodes: Journey.GraphNode[] = graph.nodes();
  const kind: "start" | "touch" | "end" | undefined = nodes[0]?.kind;
  const isConversion: boolean | undefined = nodes[0]?.conversion;
  const edges: Journey.GraphEdge[] = graph.edges();
  const probability: number | undefined = edges[0]?.probability;
  const edgeTime: number | null | undefined = edges[0]?.median_time_s;
  const dot: string = graph.toDot();
  const mermaid: string = graph.toMermaid();
  const graphObject: Journey.TransitionGraphObject = graph.toObject();
  const walks: number = graphObject.n_walks;
  out.push(kind, isConversion, probability, edgeTime, dot, mermaid, walks);

  // ---- Attribution.
  const attribution: Journey.AttributionResult = log.attribution({
    model: "time_decay", level: "channel", order: 2, collapseRepeats: true, exclude: ["coupon"], firstConversionOnly: false,
    halfLife: "7d", positionWeights: [0.4, 0.2, 0.4], lookback: 2592000, transitionMatrix: true,
  });
  const attributionRow: Journey.AttributionRow | undefined = attribution.rows[0];
  const removal: number | null | undefined = attributionRow?.removal_effect;
  const matrix: Journey.Transition[] | null = attribution.transition_matrix;
  const unknownExcluded: string[] = attribution.unknown_excluded;
  const table: Journey.AttributionTable = log.attributionTable({ level: "touchpoint", order: 1 });
  const models: Journey.AttributionModel[] = table.models;
  const shapley: number | undefined = table.rows[0]?.shapley;
  const bars: Journey.GroupedBars = j.attributionTableBars(table);
  out.push(j.groupedBarsSvg(bars), bars.valueLabel, j.attributionBars(log.attribution(), "One model").series);
  const timeDecay: number | null | undefined = table.rows[0]?.time_decay;
  out.push(removal, matrix, unknownExcluded, models, shapley, timeDecay);

  const pathTable: Journey.PathTable = PathTable.fromLog(log, { level: "channel", collapseRepeats: true, exclude: [], firstConversionOnly: true, lookback: "30d" });
  const rows: Journey.PathRow[] = pathTable.rows();
  const pathCount: number = pathTable.length;
  const fromRows: Journey.PathTable = PathTable.fromRows([{ path: "a>b", total_conversions: 2, total_conversion_value: 10, total_null: 1 }, { path: "c", total_conversions: 0 }]);
  const fromCsv: Journey.PathTable = PathTable.fromCsv("path,total_conversions\na,1\n");
  const tableAttribution: Journey.AttributionResult = fromRows.attribution({ model: "shapley" });
  const tableModels: Journey.AttributionTable = fromCsv.attributionTable({ order: 2 });
  const totalNull: number | undefined = rows[0]?.total_null;
  const conversionProbability: number | null = tableAttribution.conversion_probability;
  out.push(pathCount, totalNull, conversionProbability, tableModels.total_conversions);
  const dataDriven: Journey.AttributionResult = fromRows.attribution({ model: "data_driven_shapley" });
  const chosen: Journey.OrderSelection = log.chooseOrder({ maxOrder: 3, criterion: "aic", level: "channel", collapseRepeats: false, exclude: [], firstConversionOnly: false, lookback: null });
  const chosenOrder: number | null = chosen.chosen_order;
  const bic: number | undefined = chosen.orders[0]?.bic;
  const tableOrder: Journey.OrderSelection = fromRows.chooseOrder({ criterion: "bic" });
  const sequences: Journey.SequenceRemovalResult = log.sequenceRemovalEffects({ order: 2, length: 2, sequences: null, minOccurrences: 1 });
  const sequenceRow: Journey.SequenceRow | undefined = sequences.rows[0];
  const tableSequences: Journey.SequenceRemovalResult = fromRows.sequenceRemovalEffects({ sequences: ["a>b"] });
  out.push(dataDriven.model, chosenOrder, bic, tableOrder.channels, sequenceRow?.removal_effect, tableSequences.order);

  // ---- Surveys, scores, retention, KPIs.
  const [synth, surveys]: [Journey.EventLog, Journey.Surveys] = j.synthetic({ customers: 10, seed: 1 });
  const responses: number = surveys.nResponses + surveys.nCustomers + surveysText.nResponses + surveysFile.nCustomers;
  const surveyReport: Journey.LoadReport = surveys.loadReport;
  const surveyTouchpoints: string[] = surveys.touchpoints();
  const surveyCsv: string = surveys.toCsv();
  const joined: Journey.Surveys = surveys.withLog(synth);
  const byTouchpoint: Journey.Breakdown<Journey.NpsResult> = joined.nps({ by: "touchpoint" });
  const npsScore: number | null = byTouchpoint.nps;
  const by: string | null = byTouchpoint.by;
  const npsGroup = byTouchpoint.groups[0];
  const groupKey: string | null | undefined = npsGroup?.key;
  const csatByStage: Journey.Breakdown<Journey.CsatResult> = joined.csat({ by: "stage" });
  const satisfied: number = csatByStage.satisfied;
  const csatGroup: number | null | undefined = csatByStage.groups[0]?.csat;
  const cesAll: Journey.Breakdown<Journey.CesResult> = surveys.clone().ces({ by: null });
  const cesHigh: number | null = cesAll.pct_5_7;
  const cesSd: number | null = cesAll.sd;
  const intervals: Journey.IntervalChart | null = j.npsIntervals(byTouchpoint, "NPS");
  out.push(intervals?.valueLabel, j.csatIntervals(csatByStage)?.rows.length, j.cesIntervals(cesAll));
  out.push(responses, surveyReport.rows_kept, surveyTouchpoints, surveyCsv, npsScore, by, groupKey, satisfied, csatGroup, cesHigh, cesSd);

  const npsOfList: Journey.NpsResult = j.nps([10, 9, null]);
  const promotersPct: number | null = npsOfList.promoters_pct;
  const csatOfList: Journey.CsatResult = j.csat(new Float64Array([5, 4]));
  const csatMean: number | null = csatOfList.mean;
  const cesOfList: Journey.CesResult = j.ces(new Uint8Array([1, 7]));
  const cesCounts: number[] = cesOfList.counts;
  const diffs: Journey.NpsDiff[] = [j.npsDiff([10, null], new Float64Array([0])), j.npsDiff(byTouchpoint, npsOfList)];
  if (npsGroup) diffs.push(j.npsDiff(npsGroup, [1]));
  const pValue: number | null | undefined = diffs[0]?.p_value;
  out.push(promotersPct, csatMean, cesCounts, pValue);

  const retention: Journey.RetentionResult = synth.retention({ period: "week", periods: 8, start: "*", ret: ["purchase"] });
  const heat: Journey.Heatmap = j.retentionHeatmap(retention);
  out.push(j.heatmapSvg(heat), heat.rowLabels.length, j.funnelChart(log.funnel(["ad", "purchase"])).steps.length);
  const thresholds: Journey.RetentionResult = synth.retention({ minReturns: 2, unbounded: true });
  const minReturns: number | undefined = thresholds.min_returns;
  out.push(minReturns, thresholds.unbounded);
  const cohort: Journey.Cohort | undefined = retention.cohorts[0];
  const rates: (number | null)[] | undefined = cohort?.rates;
  const averages: (number | null)[] = retention.average_rates;
  const dataEnd: string | null = retention.data_end;
  const period: "day" | "week" | "month" = retention.period;
  const kpis: Journey.Kpis = synth.kpis({ start: new Date(0), end: 1768780800 });
  const kpisText: Journey.Kpis = synth.kpis({ start: "2026-01-12T00:00:00Z", end: null });
  const aov: number | null = kpis.aov;
  const churned: number = kpisText.churned;
  out.push(rates, averages, dataEnd, period, aov, churned);

  // ---- Maps and pictures.
  const designed: Journey.JourneyMap = JourneyMap.fromJson('{"format": "journey-map/1", "name": "x"}');
  const empty: Journey.JourneyMap = new JourneyMap("Onboarding");
  const mapName: string = designed.name + empty.name;
  const mapJson: string = designed.toJson();
  const doc: Journey.JourneyMapDoc = designed.toObject();
  const emotion: number | undefined = doc.steps[0]?.emotion;
  const metrics: Record<string, number> | undefined = doc.steps[0]?.metrics;
  const touchpointKind: "digital" | "physical" | undefined = doc.touchpoints[0]?.kind;
  const personaGoals: string[] | undefined = doc.personas[0]?.goals;
  const mapLists: string[] = [...designed.stages(), ...designed.touchpoints(), ...designed.personas()];
  const svgOptions: Journey.MapSvgOptions = { persona: doc.personas[0]?.name ?? null, columnWidth: 300, showMetrics: false };
  const svg: string = designed.toSvg(svgOptions) + empty.toSvg();
  const fromDataOptions: Journey.FromDataOptions = {
    name: "Shop", personaProperty: null, byPersona: true, allCustomers: true, maxTouchpoints: 12, minCustomers: 5,
    minResponses: 3, dropOffThreshold: 0.5, csatThreshold: 0.7, npsThreshold: 0, liftThreshold: 1.2, reachShareThreshold: 0.05,
  };
  const fromData: Journey.JourneyMap = JourneyMap.fromData(synth, surveys, fromDataOptions);
  const fromLogOnly: Journey.JourneyMap = JourneyMap.fromData(synth);
  const picture: string = fromData.toSvg({ persona: "All customers" }) + fromLogOnly.toSvg();
  out.push(mapName, mapJson, emotion, metrics, touchpointKind, personaGoals, mapLists, svg, picture);

  // A designed map is a JourneyMap or its document (only `format` and `name` are required).
  const designedDoc: Journey.JourneyMapInput = { format: "journey-map/1", name: "Coffee", stages: [{ name: "try" }], touchpoints: [{ name: "form", channel: "web" }] };
  const fullDoc: Journey.JourneyMapInput = doc;
  const reportOptions: Journey.ReportOptions = {
    title: "Shop", subtitle: null, map: fromDataOptions, personaMaps: true, designedMap: designed, funnel: ["a", "b"],
    funnelWindow: "14d", topPaths: 5, retention: { period: "month" },
    attribution: { level: "channel", order: 1, collapseRepeats: true, exclude: null, firstConversionOnly: false, halfLife: "7d", positionWeights: [0.4, 0.2, 0.4], lookback: null },
  };
  const page: string =
    j.report(synth, null, reportOptions) + j.report(synth) + j.report(synth, surveys.clone(), { designedMap: designedDoc }) + j.report(synth, surveys, { designedMap: fullDoc });
  out.push(page);
  const plain: string = j.report(synth, null, { drivers: false, funnelTrend: false }) + j.report(synth, null, { funnelTrend: "month" });
  out.push(plain, JourneyMap.fromData(synth, null, { drivers: false }).name);

  const charts: string[] = [
    j.funnelChartSvg({ title: "Checkout", steps: [{ label: "cart", count: 10 }] }),
    j.heatmapSvg({ title: "Retention", rowLabels: ["w1"], colLabels: ["0"], cells: [[null]], rowTitle: "cohort", colTitle: "weeks", rowSizes: [3] }),
    j.groupedBarsSvg({ title: "Attribution", groups: ["web"], series: ["linear"], values: [[1]], valueLabel: "conversions" }),
    j.sankeySvg({ title: "Paths", paths: [{ steps: ["a"], count: 1, converted: true }], maxSteps: 4 }),
    j.forestPlotSvg({ title: "Drivers", rows: [{ label: "demo", estimate: 2, lo: 1.1, hi: 4, n: 40, significant: true, note: "q = 0.01" }, { label: "ad", estimate: null }], valueLabel: "odds ratio" }),
    j.intervalChartSvg({ title: "NPS", rows: [{ label: "app", estimate: 10, lo: 0, hi: 20, n: 5 }, { label: "web", estimate: null }], min: -100, max: 100, reference: 0, valueLabel: "NPS" }),
    j.htmlPage({ title: "t", subtitle: "s", sections: [{ heading: "h", blocks: [{ paragraph: "p" }, { svg }, { table: { caption: "c", columns: ["a"], rows: [["1"]] } }] }] }),
  ];
  out.push(charts);

  // ---- Errors: a real class, narrowed by instanceof.
  try {
    EventLog.fromCsv("customer_id,timestamp,touchpoint\na,soon,ad\n");
  } catch (e) {
    if (e instanceof JourneyError) {
      const errorName: "JourneyError" = e.name;
      const message: string = e.message;
      const code: string = e.code;
      const where: number | undefined = e.line ?? e.row;
      const column: string | undefined = e.column;
      const value: string | undefined = e.value;
      const expected: string | undefined = e.expected;
      const asError: Error = e;
      out.push(errorName, message, code, where, column, value, expected, asError);
    }
  }
  // ---- Partial results (docs/distributed.md).
  {
    const { Partial, Context, mergePartials } = j;
    const ctx: Journey.Context = Context.of(log).merge(new Context());
    const first: number | undefined = ctx.firstUs;
    const last: number | undefined = ctx.lastUs;
    const same: boolean = Context.fromBytes(ctx.toBytes()).equals(ctx);
    const analysis: Journey.PartialAnalysis = "funnel";
    const p: Journey.Partial = log.partial(analysis, { steps: ["ad", "purchase"], window: "7d" }, ctx);
    const bytes: Uint8Array = p.toBytes();
    const merged: Journey.Partial = mergePartials([p, bytes]).merge(Partial.fromBytes(bytes));
    const finished = merged.finish() as Journey.FunnelResult;
    const name: string = merged.analysis;
    const opts: Record<string, unknown> = merged.options;
    out.push(first, last, same, finished.steps[0].customers, name, opts);
    const scored: Journey.SurveyPartialAnalysis = "nps";
    const q: Journey.Partial = log.partialWithSurveys(scored, surveysText, { by: "touchpoint" }, ctx);
    const html = log.partialWithSurveys("report", surveysText, { funnelSteps: ["ad", "purchase"] }, ctx).finish() as string;
    const stats = log.partial("pathStats").finish() as Journey.PathStatsResult;
    out.push(q.analysis, html.length, stats.n_variants);
    const drivers = log.partial("conversionDrivers", { properties: ["persona"] }).finish() as Journey.ConversionDriversResult;
    out.push(drivers.n_tested);
  }
  {
    // Appending and live results (docs/live.md).
    const added: Journey.AppendReport = log.append("customer_id,timestamp,touchpoint\nz,5,ad\n", { mode: "lenient" });
    const rows: Journey.AppendReport = log.append([{ customer_id: "z", timestamp: 6, touchpoint: "ad" }]);
    const analyses: Journey.LiveAnalyses = { funnel: { steps: ["ad", "purchase"] }, attributionTable: {}, conversionDrivers: { level: "channel" } };
    const live: Journey.LiveAnalysis = new LiveAnalysis(log, analyses, { ties: "content" });
    const scored: Journey.LiveAnalysis = LiveAnalysis.withSurveys(log, { nps: { by: "touchpoint" } }, Surveys.fromCsv("customer_id,timestamp,nps\n"));
    out.push(scored.analyses);
    const more: Journey.AppendReport = live.append("customer_id,timestamp,touchpoint\nz,7,purchase\n", { format: "csv" });
    const funnel = live.result("funnel") as Journey.FunnelResult;
    const names: string[] = live.analyses;
    const copy: Journey.EventLog = live.log;
    const back: Journey.Partial = log.partial("funnel", { steps: ["ad"] }).retract(log.partial("funnel", { steps: ["ad"] }));
    out.push(back.analysis);
    out.push(added.events, rows.new_customers, more.customer_ids.length, funnel.steps.length, names.length, copy.nEvents);
  }
  const made: Journey.JourneyError = new JourneyError("by hand", { code: "invalid_argument", row: 2, column: "x" });
  const fields: Journey.JourneyErrorFields = made;
  out.push(fields.code);

  return out;
}
