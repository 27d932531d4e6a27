// Survey scores of plain lists of answers (`nps`, `csat`, `ces`, `npsDiff`) and the KPI period
// bounds, by hand.
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

test("scores must be an array or a typed array", () => {
  for (const [bad, what] of [[5, "a number"], [{}, "an object"], [undefined, "undefined"], [null, "null"], ["10", "a string"]]) {
    assert.throws(() => journey.nps(bad), argError(new RegExp(`^invalid argument scores: expected an array or typed array of scores, got ${what}$`)));
    assert.throws(() => journey.csat(bad), argError(/expected an array or typed array/));
    assert.throws(() => journey.ces(bad), argError(/expected an array or typed array/));
  }
  assert.throws(() => journey.nps(new DataView(new ArrayBuffer(2))), argError(/got an object/));
  // Typed arrays of any element type: 10, 9 and 0 -> 100 (2 - 1) / 3.
  close(journey.nps(new Uint8Array([10, 9, 0])).nps, 100 / 3);
  close(journey.nps(new Int32Array([10, 9, 0])).nps, 100 / 3);
  assert.equal(journey.ces(new Float32Array([1, 7])).mean, 4);
});

test("scores out of the scale name the scale", () => {
  assert.throws(() => journey.nps([-1]), argError(/score -1 at position 0: expected an integer from 0 to 10$/));
  assert.throws(() => journey.nps([1, null, 300]), argError(/score 300 at position 2: expected an integer from 0 to 10$/));
  assert.throws(() => journey.csat(new Float64Array([6])), argError(/score 6 at position 0: expected an integer from 1 to 5$/));
  assert.throws(() => journey.ces([7, 0]), argError(/score 0 at position 1: expected an integer from 1 to 7$/));
  assert.throws(() => journey.nps([7.5]), argError(/score 7.5 at position 0: expected a whole number$/));
});

const SURVEYS = "customer_id,timestamp,touchpoint,nps\na,1,app,10\nb,1,app,9\nc,1,app,3\nd,1,shop,6\ne,1,shop,10\n";

test("npsDiff of two groups of a breakdown and of results", () => {
  const byTp = journey.Surveys.fromCsv(SURVEYS).nps({ by: "touchpoint" });
  const [app, shop] = byTp.groups;
  // app [10, 9, 3]: NPS 100 (2 - 1) / 3; shop [6, 10]: 0. SE^2: app P = 2/3, D = 1/3,
  // Var = 1 - 1/9 = 8/9, SE^2 = 10000 (8/9) / 3; shop Var = 1, SE^2 = 10000 / 2.
  const d = journey.npsDiff(app, shop);
  close(d.diff, 100 / 3);
  close(d.se, Math.sqrt((10000 * 8) / 27 + 5000));
  assert.deepEqual(d, journey.npsDiff([10, 9, 3], [6, 10]));
  assert.deepEqual(journey.npsDiff(journey.nps([10, 9, 3]), shop), d);
  // The whole breakdown is its overall figures: [10, 9, 3, 6, 10], NPS 100 (3 - 2) / 5 = 20;
  // against [0] (NPS -100): 120.
  close(journey.npsDiff(byTp, [0]).diff, 120);
  assert.throws(() => journey.npsDiff(app, journey.csat([5, 4])), argError(/^invalid argument b: counts \[0,0,0,1,1\]: expected 11/));
  assert.throws(() => journey.npsDiff({ nps: 10 }, [1]), argError(/^invalid argument a: .*has no counts/));
  assert.throws(() => journey.npsDiff([1], 7), argError(/^invalid argument b: expected an array or typed array of scores, got a number/));
  assert.throws(() => journey.npsDiff(undefined, [1]), argError(/^invalid argument a: .*got undefined/));
});

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

test("Surveys#csat and #ces by hand; bad options are argument errors", () => {
  // csat: a 5 and a 3 at app, a 4 at web (d answered none): 4 and 5 satisfy, 2 of 3.
  // ces: 2, 6 and 7 (c answered none): mean 5, two of three answered 5-7.
  const s = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,csat,ces\na,1,app,5,2\nb,1,app,3,6\nc,1,web,4,\nd,1,web,,7\n");
  const csat = s.csat({ by: "touchpoint" });
  assert.deepEqual([csat.n, csat.satisfied, csat.mean, csat.counts], [3, 2, 4, [0, 0, 1, 1, 1]]);
  close(csat.csat, 200 / 3);
  assert.deepEqual(csat.groups.map((g) => [g.key, g.n, g.csat]), [["app", 2, 50], ["web", 1, 100]]);
  const ces = s.ces();
  assert.deepEqual([ces.n, ces.mean, ces.n_5_7, ces.counts], [3, 5, 2, [0, 1, 0, 0, 0, 1, 1]]);
  close(ces.sd, Math.sqrt(7)); // ((2-5)^2 + (6-5)^2 + (7-5)^2) / 2 = 7
  for (const metric of ["csat", "ces"]) {
    assert.throws(() => s[metric]({ bye: "touchpoint" }), argError(/^invalid argument score options: unknown field `bye`, expected `by`$/), metric);
    assert.throws(() => s[metric]({ by: 3 }), argError(/^invalid argument score options: invalid type: integer `3`, expected a string$/), metric);
    // A property breakdown needs the log (withLog).
    assert.throws(() => s[metric]({ by: "persona" }), argError(/^invalid argument by: grouping by property "persona" needs the event log/), metric);
    assert.throws(() => s[metric]("touchpoint"), argError(/^invalid argument options: expected a plain object/), metric);
  }
});
