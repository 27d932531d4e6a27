// The web app's adapters (examples/web/present.js): results in, chart inputs out, drawn by the
// package's chart functions. Shapes are those of the metrics' canonical JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { journey } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const present = await import(pathToFileURL(join(here, "..", "..", "examples", "web", "present.js")));
const { EventLog, funnelChartSvg, groupedBarsSvg, heatmapSvg, intervalChartSvg } = journey;

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
  const one = log.attribution({ model: "last_touch" });
  const bars = present.attributionBars(one, "last_touch");
  // Last touch: c1 (social -> web) credits web, c4 credits email.
  assert.deepEqual(bars.groups, ["email", "social", "web"]);
  assert.deepEqual(bars.values, [[1], [0], [1]]);
  assert.match(groupedBarsSvg(bars), /last touch/);
  const all = present.attributionBars(log.attributionTable(), null);
  assert.equal(all.series.length, all.values[0].length);
  assert.ok(all.series.includes("Shapley"));
  assert.match(groupedBarsSvg(all), /^<svg/);
});

test("funnel rows: label and customers per step, every scalar kept", () => {
  // ad: c1, c2; then product_page (or pdp): c1; then purchase: c1.
  const result = EventLog.fromCsv(CSV).funnel(["ad", ["product_page", "pdp"], "purchase"]);
  const rows = present.funnelRows(result);
  assert.deepEqual(rows.map((r) => [r.label, r.count]), [["ad", 2], ["product_page | pdp", 1], ["purchase", 1]]);
  assert.equal(rows[1].fields.drop_off, 0.5);
  assert.equal(rows[1].fields.median_time_from_previous_s, 10);
  assert.ok(!("touchpoints" in rows[1].fields));
  assert.deepEqual(present.funnelChart(result), { title: "Funnel", steps: [{ label: "ad", count: 2 }, { label: "product_page | pdp", count: 1 }, { label: "purchase", count: 1 }] });
  const svg = funnelChartSvg(present.funnelChart(result));
  assert.ok(svg.includes("product_page | pdp") && svg.includes("50.0% drop-off"), svg);
});

test("retention: rates in percent become heatmap shares, unobservable cells stay null", () => {
  // a buys in weeks 2 and 3 of 2026, b in week 3: cohort W02 (a) retained in week 1, W03 (b)
  // not observable yet.
  const log = EventLog.fromCsv("customer_id,timestamp,touchpoint,value\na,2026-01-05T09:00:00Z,purchase,10\na,2026-01-13T09:00:00Z,purchase,20\nb,2026-01-14T09:00:00Z,purchase,5\n");
  const chart = present.retentionHeatmap(log.retention({ period: "week", periods: 2 }), "week");
  assert.deepEqual(chart.row_labels, ["2026-W02", "2026-W03"]);
  assert.deepEqual(chart.cells, [[1, 1, null], [1, null, null]]);
  assert.deepEqual(chart.row_sizes, [1, 1]);
  assert.deepEqual(chart.col_labels, ["0", "1", "2"]);
  assert.equal(chart.col_title, "weeks after the cohort's week");
  const svg = heatmapSvg(chart);
  assert.ok(svg.includes("100.0%") && svg.includes("2026-W03"));
  assert.equal(present.retentionHeatmap(EventLog.fromCsv("").retention()), null);
});

test("NPS and CSAT breakdowns become interval rows with the overall score as reference", () => {
  // app [10, 9, 3]: 100 (2 - 1) / 3; shop [6, 10]: 0; all five: 100 (3 - 2) / 5 = 20.
  const surveys = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,nps,csat\na,1,app,10,5\nb,1,app,9,4\nc,1,app,3,2\nd,1,shop,6,\ne,1,shop,10,5\n");
  const nps = surveys.nps({ by: "touchpoint" });
  const chart = present.satisfactionIntervals(nps, "nps");
  assert.deepEqual(chart.rows.map((r) => [r.label, r.n]), [["app", 3], ["shop", 2]]);
  assert.ok(Math.abs(chart.rows[0].estimate - 100 / 3) < 1e-9);
  assert.deepEqual([chart.rows[0].lo, chart.rows[0].hi], [nps.groups[0].ci_low, nps.groups[0].ci_high]);
  assert.equal(chart.rows[1].estimate, 0);
  assert.equal(chart.reference, 20);
  assert.deepEqual([chart.min, chart.max, chart.title], [-100, 100, "NPS by touchpoint (95% interval)"]);
  assert.match(intervalChartSvg(chart), /n = 3/);
  // CSAT: app 2 of 3 satisfied (67%), shop 1 of 1 (100%), all 3 of 4 (75%).
  const csat = present.satisfactionIntervals(surveys.csat({ by: "touchpoint" }), "csat");
  assert.deepEqual([csat.min, csat.max, csat.reference, csat.value_label], [0, 100, 75, "CSAT (%)"]);
  assert.deepEqual(csat.rows.map((r) => [r.label, r.n]), [["app", 3], ["shop", 1]]);
  assert.ok(Math.abs(csat.rows[0].estimate - 200 / 3) < 1e-9);
  assert.equal(csat.rows[1].estimate, 100);
  // A response without a touchpoint (and no log to find one) is the group "(none)".
  const none = present.satisfactionIntervals(journey.Surveys.fromCsv("customer_id,timestamp,nps\na,1,10\n").nps({ by: "touchpoint" }), "nps");
  assert.deepEqual(none.rows.map((r) => r.label), ["(none)"]);
  assert.equal(present.satisfactionIntervals(journey.Surveys.fromCsv("customer_id,timestamp,nps\n").nps({ by: "touchpoint" }), "nps"), null);
});
