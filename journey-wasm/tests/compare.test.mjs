// What changed (docs/compare.md), the funnel trend chart, and the drivers in the map and the
// report: hand-checked values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

function twoWeeksCsv() {
  // Week 1 (a): 40 view, 30 add to cart, 20 buy, 5 of them twice; week 2 (b): 40, 30, 10, 5.
  const rows = ["customer_id,timestamp,touchpoint,persona"];
  for (const [side, day, buyers] of [["a", "02", 20], ["b", "09", 10]]) {
    for (let i = 0; i < 40; i++) {
      const ev = [[0, "view"]];
      if (i < 30) ev.push([1, "cart"]);
      if (i < buyers) ev.push([2, "purchase"]);
      if (i < 5) ev.push([3, "purchase"]);
      for (const [m, tp] of ev) rows.push(`${side}${i},2026-01-${day}T10:0${m}:00Z,${tp},week${side}`);
    }
  }
  return rows.join("\n") + "\n";
}

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);
const WEEK1 = { from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z" };
const WEEK2 = { from: "2026-01-08T00:00:00Z", to: "2026-01-15T00:00:00Z" };

test("compare two weeks by hand", () => {
  const log = journey.EventLog.fromCsv(twoWeeksCsv());
  const r = log.compare({ a: WEEK1, b: WEEK2, steps: ["view", "cart", "purchase"] });
  assert.deepEqual(r.rows.map((x) => x.metric), ["funnel_step", "funnel_step", "funnel_conversion", "conversion_rate", "repeat_purchase_rate"]);
  const cart = r.rows[1];
  // 20/30 vs 10/30, pooled 1/2: z = -2.58199, p = 0.0098233; Newcombe's interval.
  close(cart.change, -1 / 3);
  close(cart.p_value, 0.009823274507519254);
  close(cart.ci_low, -0.5327775421131189);
  assert.equal(cart.test, "z_test");
  assert.equal(r.rows[4].test, "fisher");
  close(r.rows[4].p_value, 0.23079918582167458);
  close(r.rows[2].q_value, 0.034868892229656716);
  assert.deepEqual(r.rows.map((x) => x.significant), [false, true, true, true, false]);
  assert.equal(r.n_significant, 3);
  const seg = log.compare({ a: { property: "persona", value: "weeka" }, b: { property: "persona", value: "weekb" }, kpis: false, steps: ["view", "cart", "purchase"] });
  assert.equal(seg.b.label, "persona = weekb");
  close(seg.rows[1].p_value, 0.009823274507519254);
  assert.throws(() => log.compare({ a: {}, b: WEEK2 }), (e) => e.name === "JourneyError" && e.code === "invalid_argument" && e.message.includes("a: expected a period"));
});

test("funnel trend chart: incomplete periods dashed", () => {
  const log = journey.EventLog.fromCsv(`customer_id,timestamp,touchpoint
a,2026-01-01T10:00:00Z,view
a,2026-01-01T12:00:00Z,purchase
b,2026-01-01T20:00:00Z,view
c,2026-01-02T09:00:00Z,view
c,2026-01-03T08:00:00Z,purchase
d,2026-01-03T09:00:00Z,view
`);
  const f = log.funnel(["view", "purchase"], { window: "1d", trend: "day" });
  const chart = journey.funnelTrendChart(f);
  assert.deepEqual(chart.points.map((p) => [p.label, p.value, p.n, p.complete]), [
    ["2026-01-01", 0.5, 2, true],
    ["2026-01-02", 1, 1, false],
    ["2026-01-03", 0, 1, false],
  ]);
  const svg = journey.trendChartSvg(chart);
  assert.equal(svg.split('stroke-dasharray="6 4"').length - 1, 2);
  assert.match(svg, /windows still open/);
  assert.deepEqual(journey.funnelTrendChart(log.funnel(["view", "purchase"])).points, []);
  assert.throws(() => journey.trendChartSvg({ points: [{ label: "x", value: 2 }] }), (e) => e.code === "invalid_argument");
  const html = journey.report(log, null, { funnel: ["view", "purchase"], funnelWindow: "1d", funnelTrend: "day" });
  assert.match(html, /2 of the 3 periods still hold windows/);
});

test("drivers in the map and the report", () => {
  const rows = ["customer_id,timestamp,touchpoint"];
  for (let i = 0; i < 6; i++) rows.push(`a${i},0,ad`, `a${i},10,purchase`);
  for (let i = 0; i < 8; i++) rows.push(`c${i},0,chat`);
  for (let i = 0; i < 2; i++) rows.push(`m${i},0,mail`);
  const log = journey.EventLog.fromCsv(rows.join("\n") + "\n");
  const map = journey.JourneyMap.fromData(log, null, { drivers: true, minCustomers: 1 }).toObject();
  const chat = map.steps.find((s) => s.touchpoint === "chat");
  assert.equal(chat.pain_points[1], "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, 95% CI 0.00 to 0.56, q = 0.010)");
  const ad = map.steps.find((s) => s.touchpoint === "ad");
  close(ad.metrics.driver_q_value, 3 / 8008);
  const html = journey.report(log, null, { drivers: true });
  assert.match(html, /<h2>Conversion drivers<\/h2>/);
  assert.match(html, /2 of them are significant/);
});

function twoWeeksSurveysCsv() {
  // NPS 40 against -10, CSAT 8/10 against 4/10, CES 2,2,3,3,4 against 4,5,5,6,6; one answer
  // after both weeks and one of a customer not in the log are on neither side.
  const nps = [["a", "03", [10, 10, 10, 10, 10, 10, 8, 8, 3, 3]], ["b", "10", [10, 10, 10, 8, 8, 8, 3, 3, 3, 3]]];
  const csat = [[5, 5, 5, 4, 4, 4, 4, 4, 2, 3], [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]];
  const ces = [[2, 2, 3, 3, 4], [4, 5, 5, 6, 6]];
  const rows = ["customer_id,timestamp,touchpoint,nps,csat,ces"];
  nps.forEach(([side, day, scores], k) => {
    for (let i = 0; i < 10; i++) rows.push(`${side}${i},2026-01-${day}T12:00:00Z,purchase,${scores[i]},${csat[k][i]},${ces[k][i] ?? ""}`);
  });
  rows.push("a0,2026-02-01T12:00:00Z,purchase,0,1,7", "zz,2026-01-03T12:00:00Z,purchase,0,1,7");
  return rows.join("\n") + "\n";
}

test("compare survey scores, retention and attribution shares by hand", () => {
  const log = journey.EventLog.fromCsv(twoWeeksCsv());
  const surveys = journey.Surveys.fromCsv(twoWeeksSurveysCsv());
  const r = log.compare({ a: WEEK1, b: WEEK2, steps: ["view", "cart", "purchase"] }, surveys);
  const by = Object.fromEntries(r.rows.map((x) => [x.metric, x]));
  // NPS 40 -> -10, SE = sqrt(1330): z = -1.37102, p = 0.1704, not significant.
  assert.equal(by.nps.unit, "nps_points");
  close(by.nps.change, -50);
  close(by.nps.ci_high, -50 + 1.96 * Math.sqrt(1330));
  assert.ok(by.nps.p_value > 0.17 && by.nps.p_value < 0.171);
  assert.equal(by.nps.significant, false);
  // CSAT 8/10 -> 4/10: Fisher, 31372 / 184756.
  assert.equal(by.csat.test, "fisher");
  close(by.csat.p_value, 31372 / 184756);
  // CES: Welch with 8 degrees of freedom.
  assert.equal(by.ces.test, "welch_t");
  assert.ok(Math.abs(by.ces.ci_low - (2.4 - 2.306004135204166 * Math.sqrt(0.28))) < 1e-8);
  const table = journey.compareTable(r);
  assert.equal(table.title, "What changed");
  assert.equal(table.rows.find((x) => x.label === "NPS").direction, "down");
  assert.match(journey.changeTableSvg(table), /<polygon/);

  // Retention: 12/20 -> 6/20 a week later, 6/20 -> 5/20 four weeks later.
  const rows = ["customer_id,timestamp,touchpoint,persona"];
  for (const [p, w1, w4] of [["x", 12, 6], ["y", 6, 5]]) {
    for (let i = 0; i < 20; i++) {
      rows.push(`${p}${i},2026-01-05T10:00:00Z,purchase,${p}`);
      if (i < w1) rows.push(`${p}${i},2026-01-13T10:00:00Z,purchase,${p}`);
      if (i >= 20 - w4) rows.push(`${p}${i},2026-02-03T10:00:00Z,purchase,${p}`);
    }
  }
  const ret = journey.EventLog.fromCsv(rows.join("\n") + "\n").compare({
    a: { property: "persona", value: "x" }, b: { property: "persona", value: "y" },
    retentionPeriods: [1, 4], retention: { period: "week", minReturns: 1 },
  }).rows.filter((x) => x.metric === "retention");
  assert.deepEqual(ret.map((x) => [x.period, x.a_count, x.a_total, x.b_count]), [[1, 12, 20, 6], [4, 6, 20, 5]]);

  // Attribution: every conversion of x after an email, of y after a social ad: the email
  // share falls from 1 to 0 in every resample, p = 2 / (99 + 1).
  const ch = ["customer_id,timestamp,touchpoint,channel,persona"];
  for (const [p, conv, other] of [["x", "email", "social"], ["y", "social", "email"]]) {
    for (let i = 0; i < 30; i++) ch.push(`${p}${i},2026-01-05T10:00:00Z,${conv},${conv},${p}`, `${p}${i},2026-01-05T11:00:00Z,purchase,web,${p}`);
    for (let i = 30; i < 40; i++) ch.push(`${p}${i},2026-01-05T10:00:00Z,${other},${other},${p}`);
  }
  const shares = journey.EventLog.fromCsv(ch.join("\n") + "\n").compare({
    a: { property: "persona", value: "x" }, b: { property: "persona", value: "y" },
    attribution: {}, resamples: 99,
  });
  const email = shares.rows.find((x) => x.channel === "email");
  assert.deepEqual([email.a_rate, email.b_rate, email.ci_low, email.ci_high, email.test], [1, 0, -1, -1, "bootstrap"]);
  close(email.p_value, 0.02);
  assert.equal(shares.resamples, 99);
  const html = journey.report(log, surveys, { funnel: ["view", "cart", "purchase"], compare: { a: { ...WEEK1, label: "week 1" }, b: WEEK2 } });
  assert.match(html, /<h2>What changed<\/h2>/);
});
