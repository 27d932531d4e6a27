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
  const result = {
    mode: "ordered", window_s: 1209600, n_customers: 3, conversion: 1 / 3,
    steps: [
      { step: 1, label: "ad", touchpoints: ["ad"], customers: 3, conversion_from_start: 1, dropped: 0, drop_off: null },
      { step: 2, label: "product_page | pdp", touchpoints: ["product_page", "pdp"], customers: 2, conversion_from_start: 2 / 3, dropped: 1, drop_off: 1 / 3 },
      { step: 3, label: "purchase", touchpoints: ["purchase"], customers: 1, conversion_from_start: 1 / 3, dropped: 1, drop_off: 0.5 },
    ],
  };
  const rows = present.funnelRows(result, ["ad", ["product_page", "pdp"], "purchase"]);
  assert.deepEqual(rows.map((r) => [r.label, r.count]), [["ad", 3], ["product_page | pdp", 2], ["purchase", 1]]);
  assert.equal(rows[1].fields.drop_off, 1 / 3);
  assert.ok(!("touchpoints" in rows[1].fields));
  const svg = funnelChartSvg(present.funnelChart(result));
  assert.ok(svg.includes("product_page | pdp") && svg.includes("33.3% drop-off"));
  // Without labels, the requested steps name the rows.
  assert.deepEqual(present.funnelRows({ steps: [{ count: 5 }, { count: 4 }] }, ["a", ["b", "c"]]).map((r) => r.label), ["a", "b or c"]);
});

test("retention: rates in percent become heatmap shares, unobservable cells stay null", () => {
  const result = {
    period: "week", periods: 2, n_customers: 30,
    cohorts: [
      { cohort: "2026-W01", start: "2025-12-29T00:00:00Z", size: 20, counts: [20, 5, 2], rates: [100, 25, 10] },
      { cohort: "2026-W02", start: "2026-01-05T00:00:00Z", size: 10, counts: [10, 3, null], rates: [100, 30, null] },
    ],
  };
  const chart = present.retentionHeatmap(result, "week");
  assert.deepEqual(chart.cells, [[1, 0.25, 0.1], [1, 0.3, null]]);
  assert.deepEqual(chart.row_sizes, [20, 10]);
  assert.deepEqual(chart.col_labels, ["0", "1", "2"]);
  const svg = heatmapSvg(chart);
  assert.ok(svg.includes("25.0%") && svg.includes("2026-W02"));
  assert.equal(present.retentionHeatmap({ cohorts: [] }), null);
});

test("NPS and CSAT breakdowns become interval rows with the overall score as reference", () => {
  const nps = {
    n: 10, nps: 20, ci_low: -10, ci_high: 50, by: "touchpoint",
    groups: [
      { key: "app", n: 6, nps: 50, ci_low: 10, ci_high: 90 },
      { key: null, n: 4, nps: null, ci_low: null, ci_high: null },
    ],
  };
  const chart = present.satisfactionIntervals(nps, "nps");
  assert.deepEqual(chart.rows[0], { label: "app", estimate: 50, lo: 10, hi: 90, n: 6 });
  assert.equal(chart.rows[1].estimate, null);
  assert.equal(chart.reference, 20);
  assert.deepEqual([chart.min, chart.max], [-100, 100]);
  assert.match(intervalChartSvg(chart), /n = 6/);
  const csat = present.satisfactionIntervals({ csat: 80, groups: [{ key: "web", n: 5, csat: 80, ci_low: 37.6, ci_high: 96.4 }] }, "csat");
  assert.deepEqual([csat.min, csat.max, csat.reference], [0, 100, 80]);
  assert.equal(present.satisfactionIntervals({ groups: [] }, "nps"), null);
});
