// Conversion drivers as partial and live results, and the drivers and funnel trend on by default
// in the map from data and the report (docs/drivers.md, docs/distributed.md, docs/rendering.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const HEAD = "customer_id,timestamp,touchpoint,persona\n";
const LEFT = "a,0,ad,x\na,5,purchase,x\nc,0,mail,\nc,5,purchase,\ne,0,ad,y\ne,1,mail,y\n";
const RIGHT = "b,0,ad,x\nd,0,mail,y\n";

test("drivers: partials of two partitions merge to the whole log's result", () => {
  const log = journey.EventLog.fromCsv(HEAD + LEFT + RIGHT);
  const opts = { properties: "persona" };
  const ps = [LEFT, RIGHT].map((rows) => journey.EventLog.fromCsv(HEAD + rows).partial("conversionDrivers", opts));
  const d = journey.mergePartials([ps[1], journey.Partial.fromBytes(ps[0].toBytes())]).finish();
  assert.deepEqual(d, log.conversionDrivers(opts));
  // 2 of 5 convert (a, c). ad: a converts, b and e do not; persona y: d and e, neither converts.
  // Odds ratios: x 1*2/(1*1) = 2; ad and mail 1*1/(2*1) = 0.5; y (Haldane) 0.5*1.5/(2.5*2.5) = 0.12.
  assert.deepEqual(d.rows.map((r) => r.label), ["persona = x", "ad", "mail", "persona = y"]);
  const ad = d.rows[1];
  assert.deepEqual([ad.converters_with, ad.non_converters_with, ad.converters_without, ad.non_converters_without], [1, 2, 1, 1]);
  // Fisher for y: P(0 of its 2 convert) = C(3,2)/C(5,2) = 0.3, plus the as unlikely 0.1: p = 0.4.
  assert.ok(Math.abs(d.rows[3].p_value - 0.4) < 1e-12);
  assert.equal(d.n_tested, 4);
  // Retract is the inverse of merge.
  const whole = ps[0].merge(ps[1]);
  assert.deepEqual(whole.retract(ps[1]).finish(), ps[0].finish());
});

test("drivers: a live analysis equals the whole log after an append", () => {
  const live = new journey.LiveAnalysis(journey.EventLog.fromCsv(HEAD + LEFT), { conversionDrivers: { properties: "persona" } });
  // b's late purchase: b now converts after ad.
  live.append(HEAD + RIGHT + "b,7,purchase,x\n");
  const whole = journey.EventLog.fromCsv(HEAD + LEFT + RIGHT + "b,7,purchase,x\n");
  const d = live.result("conversionDrivers");
  assert.deepEqual(d, whole.conversionDrivers({ properties: "persona" }));
  const ad = d.rows.find((r) => r.label === "ad");
  assert.deepEqual([d.converters, ad.converters_with, ad.non_converters_with], [3, 2, 1]);
});

test("funnel trend: partials merge to the whole log's trend", () => {
  const rows = {
    a: "a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,purchase\n",
    b: "b,2026-01-01T20:00:00Z,view\n",
    c: "c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,purchase\n",
    d: "d,2026-01-03T09:00:00Z,view\n",
  };
  const head = "customer_id,timestamp,touchpoint\n";
  const log = journey.EventLog.fromCsv(head + Object.values(rows).join(""));
  const opts = { steps: ["view", "purchase"], window: "1d", trend: "day" };
  const ps = [rows.a + rows.d, rows.b + rows.c].map((r) => journey.EventLog.fromCsv(head + r).partial("funnel", opts));
  const f = journey.mergePartials(ps).finish();
  assert.deepEqual(f, log.funnel(opts.steps, opts));
  // Jan 1: a bought, b did not; Jan 2 and 3 end (plus the 1-day window) after the last event.
  assert.deepEqual(f.trend.map((t) => [t.period, t.entered, t.converted, t.complete]), [
    ["2026-01-01", 2, 1, true],
    ["2026-01-02", 1, 1, false],
    ["2026-01-03", 1, 0, false],
  ]);
});

test("drivers and the funnel trend are on by default in the map and the report", () => {
  const rows = ["customer_id,timestamp,touchpoint"];
  for (let i = 0; i < 6; i++) rows.push(`a${i},0,ad`, `a${i},10,purchase`);
  for (let i = 0; i < 8; i++) rows.push(`c${i},0,chat`);
  for (let i = 0; i < 2; i++) rows.push(`m${i},0,mail`);
  const log = journey.EventLog.fromCsv(rows.join("\n") + "\n");
  const chat = (m) => m.toObject().steps.find((s) => s.touchpoint === "chat");
  // chat: none of its 8 converts, 6 of the 8 without do: Fisher p = 90/12870, q = 3p/2.
  assert.equal(chat(journey.JourneyMap.fromData(log, null, { minCustomers: 1 })).pain_points[1],
    "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, 95% CI 0.00 to 0.56, q = 0.010)");
  assert.equal(chat(journey.JourneyMap.fromData(log, null, { minCustomers: 1, drivers: false })).metrics.driver_q_value, undefined);
  const html = journey.report(log);
  assert.match(html, /<h2>Conversion drivers<\/h2>/);
  assert.match(html, /2 of them are significant/);
  // The default funnel ad -> purchase, one week of entry whose 14-day windows are still open.
  assert.match(html, /1 of the 1 periods still hold windows/);
  const off = journey.report(log, null, { drivers: false, funnelTrend: false });
  assert.doesNotMatch(off, /Conversion drivers/);
  assert.doesNotMatch(off, /Conversion by period of entry/);
  // null, like a missing key, is the default (weekly).
  assert.match(journey.report(log, null, { funnelTrend: null }), /periods still hold windows/);
});
