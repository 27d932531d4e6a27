// Appending events and live results (docs/live.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const HEAD = "customer_id,timestamp,touchpoint,channel\n";
const FIRST = HEAD + "m,2026-01-05T10:00:00Z,search,web\nm,2026-01-05T10:10:00Z,purchase,web\nz,2026-01-05T09:00:00Z,search,web\n";
// A late event before m's first, one tied with m's purchase, a new customer sorting first.
const BATCH = HEAD + "m,2026-01-05T09:50:00Z,ad,social\nm,2026-01-05T10:10:00Z,cart,web\nb,2026-01-05T08:00:00Z,search,web\n";
const names = (log, c) => log.journey(c).map((e) => e.touchpoint);

test("append by hand: late events, ties by content, new names", () => {
  const log = journey.EventLog.fromCsv(FIRST);
  const r = log.append(BATCH);
  assert.deepEqual(r, { events: 3, customers: 2, new_customers: 1, customer_ids: ["b", "m"] });
  assert.deepEqual(log.customers(), ["b", "m", "z"]);
  assert.deepEqual(names(log, "m"), ["ad", "search", "cart", "purchase"]);
  const whole = journey.EventLog.fromCsv(FIRST + BATCH.slice(HEAD.length));
  assert.equal(log.toCsv(), whole.toCsv());
  const input = journey.EventLog.fromCsv(FIRST, { ties: "input" });
  input.append(BATCH, { ties: "input" });
  assert.deepEqual(names(input, "m"), ["ad", "search", "purchase", "cart"]);
});

test("append takes bytes, JSON text and rows; a bad batch changes nothing", () => {
  const rows = [
    { customer_id: "m", timestamp: "2026-01-05T09:50:00Z", touchpoint: "ad", channel: "social" },
    { customer_id: "b", timestamp: "2026-01-05T08:00:00Z", touchpoint: "search", channel: "web" },
  ];
  for (const [data, opts] of [
    [new TextEncoder().encode(HEAD + "m,2026-01-05T09:50:00Z,ad,social\nb,2026-01-05T08:00:00Z,search,web\n"), undefined],
    [JSON.stringify(rows), { format: "json" }],
    [rows, undefined],
  ]) {
    const log = journey.EventLog.fromCsv(FIRST);
    assert.equal(log.append(data, opts).events, 2);
    assert.deepEqual(names(log, "m"), ["ad", "search", "purchase"]);
  }
  const log = journey.EventLog.fromCsv(FIRST);
  const before = log.toCsv();
  assert.throws(() => log.append(HEAD + "m,2026-01-05T11:00:00Z,ad,web\nm,not a time,ad,web\n"), (e) => e.name === "JourneyError" && /line 3/.test(e.message));
  assert.equal(log.toCsv(), before);
  const r = log.append(HEAD + "m,2026-01-05T11:00:00Z,ad,web\nm,not a time,ad,web\n", { mode: "lenient" });
  assert.equal(r.events, 1);
  assert.equal(log.nEvents, 4);
  assert.equal(log.loadReport.rows_skipped, 1);
});

test("append reads the format option by core's rule, with Python's messages", () => {
  const log = journey.EventLog.fromCsv(FIRST);
  assert.equal(log.append(BATCH, { format: "csv" }).events, 3);
  for (const [bad, said] of [["xml", '"xml"'], [3, "3"]]) {
    assert.throws(
      () => log.append(BATCH, { format: bad }),
      (e) => e.code === "invalid_argument" && e.message === `invalid argument format: ${said}: expected "csv", "json" or "parquet"`,
    );
  }
  // This build reads no Parquet: asked for, it is an error naming the feature.
  assert.throws(() => log.append(new Uint8Array([80, 65, 82, 49]), { format: "parquet" }), (e) => e.code === "invalid_argument" && /`parquet` feature/.test(e.message));
  assert.equal(log.nEvents, 6);
});

test("live results by hand and equal to the whole log", () => {
  const log = journey.EventLog.fromCsv(FIRST);
  const steps = ["search", "cart", "purchase"];
  const live = new journey.LiveAnalysis(log, { funnel: { steps }, attribution: { model: "markov" } });
  assert.deepEqual(live.analyses, ["funnel", "attribution"]);
  assert.deepEqual(live.result("funnel").steps.map((s) => s.customers), [2, 0, 0]);
  live.append(BATCH);
  assert.deepEqual(live.result("funnel").steps.map((s) => s.customers), [3, 1, 1]);
  const whole = live.log;
  assert.equal(whole.nEvents, 6);
  assert.deepEqual(live.result("funnel"), whole.funnel(steps));
  assert.deepEqual(live.result("attribution"), whole.attribution({ model: "markov" }));
  // By hand (see test_live.py): credits 1/3 : 1 of one conversion.
  const credit = Object.fromEntries(live.result("attribution").rows.map((r) => [r.channel, r.conversions]));
  assert.ok(Math.abs(credit.social - 0.25) < 1e-12 && Math.abs(credit.web - 0.75) < 1e-12, JSON.stringify(credit));
  assert.equal(log.nEvents, 3, "the log given is copied");
  assert.throws(() => new journey.LiveAnalysis(log, { kpis: {} }), /explicit start and end/);
  assert.throws(() => live.result("retention"), /expected one of funnel, attribution/);
});

test("LiveAnalysis#compact and nEvents: the same results", () => {
  const steps = ["search", "cart", "purchase"];
  const live = new journey.LiveAnalysis(journey.EventLog.fromCsv(FIRST), { funnel: { steps }, attribution: { model: "markov" } });
  live.append(BATCH);
  assert.equal(live.nEvents, 6);
  const before = [live.result("funnel"), live.result("attribution")];
  live.compact();
  assert.equal(live.nEvents, 6);
  assert.equal(live.log.nEvents, 6);
  assert.deepEqual([live.result("funnel"), live.result("attribution")], before);
  assert.deepEqual(live.result("funnel").steps.map((s) => s.customers), [3, 1, 1]);
});

test("live NPS joined by touchpoint, by hand", () => {
  const log = journey.EventLog.fromCsv(FIRST);
  // m answers 10 about search, z 0 about search, b (no events yet) 9 about search.
  const surveys = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,nps\nm,2026-01-05T10:01:00Z,search,10\nz,2026-01-05T09:01:00Z,search,0\nb,2026-01-05T08:01:00Z,search,9\n");
  const live = journey.LiveAnalysis.withSurveys(log, { nps: { by: "touchpoint" } }, surveys);
  live.append(BATCH);
  const r = live.result("nps");
  // 3 answers: 2 promoters, 1 detractor: NPS = 100 * (2 - 1) / 3.
  assert.equal(r.n, 3);
  assert.ok(Math.abs(r.nps - 100 / 3) < 1e-9, JSON.stringify(r));
  assert.deepEqual(r, surveys.withLog(live.log).nps({ by: "touchpoint" }));
});

test("Partial#retract is the inverse of merge", () => {
  const log = journey.EventLog.fromCsv(FIRST + BATCH.slice(HEAD.length));
  const steps = ["search", "cart", "purchase"];
  const all = log.partial("funnel", { steps });
  const onlyM = journey.EventLog.fromCsv(HEAD + "m,2026-01-05T09:50:00Z,ad,social\nm,2026-01-05T10:00:00Z,search,web\nm,2026-01-05T10:10:00Z,cart,web\nm,2026-01-05T10:10:00Z,purchase,web\n").partial("funnel", { steps });
  const rest = all.retract(onlyM);
  assert.deepEqual(rest.finish().steps.map((s) => s.customers), [2, 0, 0]);
  assert.deepEqual(rest.merge(onlyM).finish(), all.finish());
  assert.throws(() => log.partial("funnelSteps").retract(log.partial("funnelSteps")), /has no retract/);
});

test("live conversion paths, path statistics and map equal the whole log", () => {
  const surveys = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,nps\nm,2026-01-05T10:01:00Z,search,10\nb,2026-01-05T08:01:00Z,search,9\n");
  const live = journey.LiveAnalysis.withSurveys(
    journey.EventLog.fromCsv(FIRST),
    { conversionPaths: {}, pathStats: {}, mapFromData: { minResponses: 1 } },
    surveys,
  );
  live.append(BATCH);
  // b: web (no conversion); m: social, web, web, then the purchase; z: web.
  const paths = live.result("conversionPaths");
  assert.deepEqual([paths.n_paths, paths.n_conversions], [3, 1]);
  assert.deepEqual(paths.rows.map((r) => r.customer_id), ["b", "m", "z"]);
  const whole = live.log;
  assert.deepEqual(paths, whole.conversionPaths());
  assert.deepEqual(live.result("pathStats"), whole.pathStats());
  assert.deepEqual(live.result("mapFromData").toObject(), journey.JourneyMap.fromData(whole, surveys, { minResponses: 1 }).toObject());
});

test("the report of the live log scores its open journeys", () => {
  // The six customers of docs/live.md ("Scoring open journeys"), half loaded, half appended.
  const head = "customer_id,timestamp,touchpoint\n";
  const first = head + "u1,1,a\nu1,2,b\nu2,1,a\nu3,1,a\nu4,1,b\n";
  const live = new journey.LiveAnalysis(journey.EventLog.fromCsv(first), { funnel: { steps: ["a", "purchase"] } });
  live.append(head + "u1,3,purchase\nu2,2,b\nu2,3,a\nu3,2,c\nu3,3,purchase\nu5,1,c\nu5,2,purchase\nu5,3,c\nu6,1,c\nu6,2,purchase\n");
  const r = live.log.openJourneys({ minSupport: 2, idle: false });
  assert.deepEqual(r.journeys.map((j) => j.customer_id), ["u2", "u4", "u5"]);
  assert.ok(Math.abs(r.journeys[0].probability - 17 / 40) < 1e-12);
  const options = { openJourneys: { minSupport: 2, idle: false } };
  let page = journey.report(live.log, null, options);
  let section = page.slice(page.indexOf("<h2>Open journeys"));
  assert.ok(section.includes("3 customers have touches"));
  assert.ok(section.includes("47.5%"), "u2 at a is advised b, which leads to 19/40");
  // After the next append the report follows: u4 converts, two journeys stay open.
  live.append(head + "u4,2,purchase\n");
  page = journey.report(live.log, null, options);
  section = page.slice(page.indexOf("<h2>Open journeys"));
  assert.ok(section.includes("2 customers have touches"));
});

test("LiveAnalysis#append: a batch named with another tie rule is refused", () => {
  // Ties by input order: m's purchase (the log's) stays before the batch's cart at 10:10.
  const steps = ["search", "cart", "purchase"];
  const log = journey.EventLog.fromCsv(FIRST, { ties: "input" });
  const live = new journey.LiveAnalysis(log, { funnel: { steps } }, { ties: "input" });
  assert.throws(() => live.append(BATCH, { ties: "content" }), (e) => e.code === "invalid_argument" && /ties/.test(e.message));
  assert.equal(live.nEvents, 3);
  live.append(BATCH); // no rule named: the live analysis's
  assert.equal(live.nEvents, 6);
  assert.deepEqual(live.result("funnel").steps.map((s) => s.customers), [3, 1, 0]);
});

