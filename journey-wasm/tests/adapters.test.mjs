// The adapters: a result in, the input of its chart function out, drawn as core draws it for
// Python and the report (same chart, same default title), keys camelCase as the TS types say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const {
  EventLog, Surveys, funnelChart, funnelChartSvg, attributionBars, attributionTableBars, groupedBarsSvg,
  retentionHeatmap, heatmapSvg, npsIntervals, csatIntervals, cesIntervals, intervalChartSvg, pathsSankey, sankeySvg,
} = journey;

const CSV = `customer_id,timestamp,touchpoint,channel,value
c1,0,ad,social,
c1,10,product_page,web,
c1,20,purchase,web,30
c4,0,email,email,
c4,30,purchase,web,20
c2,0,ad,social,
`;

test("attribution: one model and every model as grouped bars", () => {
  const log = EventLog.fromCsv(CSV);
  const bars = attributionBars(log.attribution({ model: "last_touch" }));
  // Last touch: c1 (social -> web) credits web, c4 credits email.
  assert.equal(bars.title, "Attribution (last_touch)");
  assert.deepEqual(bars.groups, ["email", "social", "web"]);
  assert.deepEqual(bars.series, ["last_touch"]);
  assert.deepEqual(bars.values, [[1], [0], [1]]);
  assert.equal(bars.valueLabel, "conversions credited");
  assert.ok(!("value_label" in bars));
  assert.match(groupedBarsSvg(bars), /Attribution \(last_touch\)/);
  const all = attributionTableBars(log.attributionTable(), "Every model");
  assert.equal(all.title, "Every model");
  assert.equal(all.series.length, 7);
  assert.ok(all.series.includes("shapley"));
  // First touch: c1's ad and c4's email, one each; c2 did not convert.
  const first = all.series.indexOf("first_touch");
  assert.deepEqual(all.values.map((row) => row[first]), [1, 1, 0]);
  assert.match(groupedBarsSvg(all), /^<svg/);
});

test("funnel: labels and customers per step, the default title", () => {
  // ad: c1, c2; then product_page (or pdp): c1; then purchase: c1.
  const result = EventLog.fromCsv(CSV).funnel(["ad", ["product_page", "pdp"], "purchase"]);
  assert.deepEqual(funnelChart(result), { title: "Funnel", steps: [{ label: "ad", count: 2 }, { label: "product_page | pdp", count: 1 }, { label: "purchase", count: 1 }] });
  const svg = funnelChartSvg(funnelChart(result, "Checkout"));
  assert.ok(svg.includes("Checkout") && svg.includes("product_page | pdp") && svg.includes("50.0% drop-off"), svg);
});

test("retention: rates in percent become heatmap shares, unobservable cells stay null", () => {
  // a buys in weeks 2 and 3 of 2026, b in week 3: cohort W02 (a) retained in week 1, W03 (b)
  // not observable yet.
  const log = EventLog.fromCsv("customer_id,timestamp,touchpoint,value\na,2026-01-05T09:00:00Z,purchase,10\na,2026-01-13T09:00:00Z,purchase,20\nb,2026-01-14T09:00:00Z,purchase,5\n");
  const chart = retentionHeatmap(log.retention({ period: "week", periods: 2 }));
  assert.equal(chart.title, "Cohort retention");
  assert.deepEqual(chart.rowLabels, ["2026-W02", "2026-W03"]);
  assert.deepEqual(chart.cells, [[1, 1, null], [1, null, null]]);
  assert.deepEqual(chart.rowSizes, [1, 1]);
  assert.deepEqual(chart.colLabels, ["0", "1", "2"]);
  assert.equal(chart.colTitle, "weeks after the cohort's week");
  const svg = heatmapSvg(chart);
  assert.ok(svg.includes("100.0%") && svg.includes("2026-W03"));
  // No cohort: an empty heatmap, drawn as such.
  const empty = retentionHeatmap(EventLog.fromCsv("").retention());
  assert.deepEqual(empty.rowLabels, []);
  assert.match(heatmapSvg(empty), /No data to show/);
});

test("scores by group become intervals with the overall score as reference; without by, null", () => {
  // app [10, 9, 3]: 100 (2 - 1) / 3; shop [6, 10]: 0; all five: 100 (3 - 2) / 5 = 20.
  const surveys = Surveys.fromCsv("customer_id,timestamp,touchpoint,nps,csat,ces\na,1,app,10,5,7\nb,1,app,9,4,\nc,1,app,3,2,\nd,1,shop,6,,\ne,1,shop,10,5,3\n");
  const nps = surveys.nps({ by: "touchpoint" });
  const chart = npsIntervals(nps);
  assert.equal(chart.title, "NPS by touchpoint");
  assert.deepEqual(chart.rows.map((r) => [r.label, r.n]), [["app", 3], ["shop", 2]]);
  assert.ok(Math.abs(chart.rows[0].estimate - 100 / 3) < 1e-9);
  assert.deepEqual([chart.rows[0].lo, chart.rows[0].hi], [nps.groups[0].ci_low, nps.groups[0].ci_high]);
  assert.equal(chart.rows[1].estimate, 0);
  assert.deepEqual([chart.min, chart.max, chart.reference, chart.valueLabel], [-100, 100, 20, "NPS"]);
  assert.match(intervalChartSvg(chart), /n = 3/);
  // CSAT: app 2 of 3 satisfied (67%), shop 1 of 1 (100%), all 3 of 4 (75%).
  const csat = csatIntervals(surveys.csat({ by: "touchpoint" }));
  assert.deepEqual([csat.min, csat.max, csat.reference], [0, 100, 75]);
  assert.deepEqual(csat.rows.map((r) => [r.label, r.n]), [["app", 3], ["shop", 1]]);
  assert.ok(Math.abs(csat.rows[0].estimate - 200 / 3) < 1e-9);
  // CES on 1 to 7: app 7, shop 3, mean 5.
  const ces = cesIntervals(surveys.ces({ by: "touchpoint" }), "Effort");
  assert.deepEqual([ces.title, ces.min, ces.max, ces.reference], ["Effort", 1, 7, 5]);
  // A response without a touchpoint (and no log to find one) is the group "(none)".
  const none = npsIntervals(Surveys.fromCsv("customer_id,timestamp,nps\na,1,10\n").nps({ by: "touchpoint" }));
  assert.deepEqual(none.rows.map((r) => r.label), ["(none)"]);
  assert.equal(npsIntervals(surveys.nps()), null);
});

test("paths: every listed variant, converting journeys apart", () => {
  // c1 ad > product_page > purchase converts, c4 email > purchase converts, c2 ad does not.
  const sankey = pathsSankey(EventLog.fromCsv(CSV).pathStats());
  assert.equal(sankey.title, "Top paths");
  assert.equal(sankey.maxSteps, 6);
  assert.equal(sankey.paths.length, 3);
  assert.deepEqual(sankey.paths.map((p) => [p.count, p.converted]), [[1, false], [1, true], [1, true]]);
  assert.match(sankeySvg(sankey), /^<svg/);
});

test("adapters refuse what is not a result of their kind", () => {
  const isArg = (e) => e.name === "JourneyError" && e.code === "invalid_argument";
  assert.throws(() => funnelChart("funnel"), isArg);
  assert.throws(() => funnelChart({ steps: "x" }), (e) => e.name === "JourneyError");
  assert.throws(() => funnelChart(EventLog.fromCsv(CSV).funnel(["ad"]), 3), isArg);
});
