// Conversion drivers (docs/drivers.md), checked by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, forestPlotSvg, driversForestPlot } = journey;

// 40 customers [touches, converts, persona, how many]; 12 convert.
const GROUPS = [
  [["demo", "webinar"], true, "pro", 2],
  [["demo"], true, "basic", 8],
  [["demo"], false, "pro", 2],
  [["webinar"], false, "pro", 1],
  [["ad"], true, "basic", 2],
  [["ad"], false, "basic", 24],
  [["ad"], false, "", 1],
];

function groupsCsv() {
  const rows = ["customer_id,timestamp,touchpoint,channel,persona"];
  let i = 0;
  for (const [touches, converts, persona, n] of GROUPS) {
    for (let k = 0; k < n; k++) {
      i += 1;
      const id = `c${String(i).padStart(2, "0")}`;
      touches.forEach((t, j) => rows.push(`${id},${j * 10},${t},${t === "ad" ? "social" : "web"},${persona}`));
      if (converts) rows.push(`${id},100,purchase,web,${persona}`);
    }
  }
  return rows.join("\n") + "\n";
}

const close = (a, b, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} != ${b}`);
const log = EventLog.fromCsv(groupsCsv());

test("drivers by hand: a large lift on three customers is not significant", () => {
  const d = log.conversionDrivers({ properties: "persona" });
  assert.deepEqual([d.n_customers, d.converters, d.n_tested, d.n_significant], [40, 12, 5, 2]);
  assert.deepEqual(d.rows.map((r) => r.label), ["demo", "webinar", "persona = pro", "persona = basic", "ad"]);
  const [demo, webinar, , , ad] = d.rows;
  assert.deepEqual(
    [demo.converters_with, demo.non_converters_with, demo.converters_without, demo.non_converters_without],
    [10, 2, 2, 26],
  );
  close(demo.odds_ratio, 65);
  close(demo.p_value, 389 / 85951592);
  assert.equal(demo.significant, true);
  assert.equal(demo.test, "fisher");
  // Hypergeometric terms 3276, 4536, 1848, 220 of 9880: p = (1848 + 220) / 9880.
  close(webinar.p_value, 2068 / 9880);
  close(webinar.q_value, (2068 / 9880) * 5 / 3);
  close(webinar.lift, (2 / 3) / (10 / 37));
  assert.equal(webinar.significant, false);
  close(ad.odds_ratio, 0.024);
  assert.equal(ad.direction, "negative");
  assert.equal(d.rows[2].value, "pro");
});

test("drivers of a funnel step, camelCase options", () => {
  const f = EventLog.fromCsv(
    "customer_id,timestamp,touchpoint\na,0,view\na,10,cart\na,20,coupon\na,30,buy\n" +
      "b,0,view\nb,10,cart\nb,20,chat\nb,200000,coupon\nc,0,view\nc,10,cart\nc,20,coupon\n",
  );
  const d = f.conversionDrivers({ steps: ["view", "cart", "buy"], window: "1d", minCustomers: 1 });
  assert.deepEqual([d.outcome, d.step, d.outcome_label, d.n_customers, d.converters], ["step", 3, "cart -> buy", 3, 1]);
  const coupon = d.rows.find((r) => r.label === "coupon");
  assert.deepEqual([coupon.converters_with, coupon.non_converters_with], [1, 1]);
  const chat = d.rows.find((r) => r.label === "chat");
  // [0, 1, 1, 1]: Haldane-Anscombe 0.5 * 1.5 / (1.5 * 1.5).
  assert.equal(chat.haldane, true);
  close(chat.odds_ratio, 1 / 3);
});

test("forest plot from a drivers result", () => {
  const d = log.conversionDrivers();
  const chart = driversForestPlot(d, "Drivers <of> purchase");
  assert.equal(chart.title, "Drivers <of> purchase");
  assert.deepEqual(chart.rows.map((r) => r.label), d.rows.map((r) => r.label));
  assert.equal(chart.rows[0].significant, true);
  const svg = forestPlotSvg(chart);
  assert.ok(svg.startsWith("<svg") && svg.includes("Drivers &lt;of&gt; purchase") && svg.includes("webinar"));
  assert.equal(driversForestPlot(d).title, "Conversion drivers");
  assert.throws(() => forestPlotSvg({ rows: [{ label: "x", estimate: 0 }] }), (e) => e.name === "JourneyError" && e.code === "invalid_argument");
});

test("drivers: bad options are JourneyErrors", () => {
  assert.throws(() => log.conversionDrivers({ properties: ["age"] }), (e) => e.code === "invalid_argument" && /"age" is not a property/.test(e.message));
  assert.throws(() => log.conversionDrivers({ steps: ["ad", "purchase"], step: 3 }), /expected a step from 2 to 2/);
  assert.throws(() => log.conversionDrivers({ alpha: 2 }), (e) => e.code === "invalid_argument");
});

test("funnel asOf: customers in progress are not dropped", () => {
  const l = EventLog.fromCsv(
    "customer_id,timestamp,touchpoint\na,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n" +
      "d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\ng,25,cart\n",
  );
  const f = l.funnel(["view", "cart", "buy"], { window: "10s", asOf: 20 });
  assert.deepEqual(f.steps.map((s) => s.customers), [7, 3, 1]);
  assert.deepEqual(f.open.steps.map((s) => s.in_progress), [0, 4, 1]);
  assert.equal(f.open.conversion, 0.5);
  const end = l.funnel(["view", "cart", "buy"], { window: "10s", asOf: "end" });
  assert.deepEqual(end.open.steps.map((s) => s.in_progress), [0, 1, 1]);
  assert.equal(end.open.conversion, 0.2);
  // By default (undefined or null) as of the data end; false turns the accounting off.
  assert.deepEqual(l.funnel(["view", "cart", "buy"], { window: "10s" }), end);
  assert.deepEqual(l.funnel(["view", "cart", "buy"], { window: "10s", asOf: null }), end);
  const off = l.funnel(["view", "cart", "buy"], { window: "10s", asOf: false });
  assert.ok(!("open" in off));
  assert.deepEqual(off.steps, end.steps);
  assert.throws(() => l.funnel(["view"], { asOf: "soon" }), (e) => e.code === "invalid_argument");
});

test("funnel trend and after drop-off", () => {
  const l = EventLog.fromCsv(
    "customer_id,timestamp,touchpoint\na,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,buy\nb,2026-01-01T20:00:00Z,view\n" +
      "c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,buy\nd,2026-01-03T09:00:00Z,view\n" +
      "e,2026-01-03T09:30:00Z,view\ne,2026-01-03T09:40:00Z,faq\n",
  );
  const f = l.funnel(["view", "buy"], { window: "1d", trend: "day", afterDropOff: 3 });
  assert.deepEqual(f.trend.map((t) => [t.period, t.entered, t.converted, t.complete]), [
    ["2026-01-01", 2, 1, true],
    ["2026-01-02", 1, 1, false],
    ["2026-01-03", 2, 0, false],
  ]);
  assert.deepEqual(f.after_drop_off[0].next.map((x) => [x.touchpoint, x.customers]), [[null, 2], ["faq", 1]]);
  assert.deepEqual(f.after_drop_off[0].last.map((x) => [x.touchpoint, x.customers]), [["view", 2], ["faq", 1]]);
});
