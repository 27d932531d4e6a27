// Survey scores of plain lists of answers (`nps`, `csat`, `ces`, `npsDiff`), by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

test("nps: 3 promoters, 1 passive, 1 detractor of 5 -> 100 (3 - 1) / 5 = 40", () => {
  const r = journey.nps([10, 9, 9, 7, 3]);
  assert.deepEqual([r.n, r.promoters, r.passives, r.detractors], [5, 3, 1, 1]);
  close(r.nps, 40);
  assert.equal(journey.nps([]).nps, null);
  assert.throws(() => journey.nps([11]), (e) => e.name === "JourneyError");
});

test("csat: answers 4 and 5 of 1..5 -> 2 of 5 satisfied = 40%, mean 3", () => {
  const r = journey.csat(new Float64Array([5, 4, 3, 2, 1]));
  assert.equal(r.n, 5);
  assert.equal(r.satisfied, 2);
  close(r.csat, 40);
  close(r.mean, 3);
  assert.ok(r.ci_low < 40 && 40 < r.ci_high);
  assert.equal(journey.csat([null, NaN]).csat, null);
  assert.throws(() => journey.csat([0]), (e) => e.name === "JourneyError");
});

test("ces: 1..7 -> mean 4, 3 of 7 answering 5-7", () => {
  const r = journey.ces([1, 2, 3, 4, 5, 6, 7]);
  assert.equal(r.n, 7);
  close(r.mean, 4);
  assert.equal(r.n_5_7, 3);
  close(r.pct_5_7, (300 / 7));
  assert.throws(() => journey.ces([8]), (e) => e.name === "JourneyError");
});

test("npsDiff: 40 - (-100) = 140", () => {
  const d = journey.npsDiff([10, 9, 9, 7, 3], [0, 1, 2]);
  close(d.diff, 140);
});

const argError = (pattern) => (e) => {
  assert.equal(e.name, "JourneyError");
  assert.equal(e.code, "invalid_argument");
  assert.match(e.message, pattern);
  return true;
};

const EVENTS =
  "customer_id,timestamp,touchpoint,value\n" +
  "a,2026-01-05T09:00:00Z,purchase,10\na,2026-01-13T09:00:00Z,purchase,20\nb,2026-01-14T09:00:00Z,purchase,5\n";

test("kpis: start and end as RFC 3339, Unix seconds or Date", () => {
  const log = journey.EventLog.fromCsv(EVENTS);
  // W03 = [2026-01-12, 2026-01-19) = [1768176000, 1768780800): active a, b; before (Jan 5-11) a:
  // retained a, b new; orders 20 + 5.
  const week = log.kpis({ start: "2026-01-12T00:00:00Z", end: "2026-01-19T00:00:00Z" });
  assert.deepEqual([week.active_start, week.retained, week.new_customers, week.revenue], [1, 1, 1, 25]);
  assert.equal(week.retention_rate, 100);
  for (const opts of [
    { start: 1768176000, end: 1768780800 },
    { start: new Date(Date.UTC(2026, 0, 12)), end: new Date("2026-01-19T00:00:00Z") },
    { start: new Date(1768176000 * 1000), end: "1768780800" },
  ]) {
    assert.deepEqual(log.kpis(opts), week);
  }
  const opts = { start: new Date(Date.UTC(2026, 0, 12)) };
  log.kpis(opts);
  assert.ok(opts.start instanceof Date, "the caller's options are not changed");
  assert.throws(() => log.kpis({ start: new Date("soon") }), argError(/^invalid argument start: invalid Date/));
  assert.throws(() => log.kpis({ start: 1768176000.5 }), argError(/1768176000.5: expected RFC 3339 text or integer Unix seconds/));
  assert.throws(() => log.kpis({ end: true }), argError(/expected RFC 3339 text or integer Unix seconds/));
});
