// Partial results: split a log by customer, compute partials, merge, finish (docs/distributed.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const CSV = `customer_id,timestamp,touchpoint,persona
a,0,view,x
a,60,cart,x
a,90,purchase,x
b,0,view,y
b,30,cart,
c,10,view,
c,20,ad,
c,4000000,cart,
d,5,cart,x
`;
const log = journey.EventLog.fromCsv(CSV);

/** The CSV as one log per group of customer ids (each customer whole). */
function split(groups) {
  const [header, ...rows] = CSV.trim().split("\n");
  return groups.map((ids) => journey.EventLog.fromCsv([header, ...rows.filter((r) => ids.includes(r.split(",")[0]))].join("\n") + "\n"));
}

const STEPS = ["view", "cart", "purchase"];
const FUNNELS = [{}, { mode: "strict" }, { mode: "any" }, { breakdown: "persona" }, { breakdown: "first_touch_channel", firstAttempt: true }, { exclude: ["ad"], window: "1d" }];

test("funnel: split, merge, finish equals the direct call", () => {
  const parts = split([["a", "c"], ["b"], ["d"], []]);
  for (const extra of FUNNELS) {
    const direct = log.funnel(STEPS, { droppedIds: true, ...extra });
    const ps = parts.map((p) => p.partial("funnel", { steps: STEPS, droppedIds: true, ...extra }));
    assert.deepEqual(journey.mergePartials(ps).finish(), direct, JSON.stringify(extra));
    // Another order, through bytes; the partials given stay usable.
    const again = ps[3].merge(ps[1]).merge(journey.Partial.fromBytes(ps[2].toBytes())).merge(ps[0]);
    assert.deepEqual(again.finish(), direct);
    assert.deepEqual(journey.mergePartials([ps[0].toBytes(), ps[1], ps[2], ps[3]]).finish(), direct);
  }
});

test("funnel partial by hand", () => {
  const [l, r] = split([["a", "b"], ["c", "d"]]);
  const p = l.partial("funnel", { steps: STEPS, droppedIds: true }).merge(r.partial("funnel", { steps: STEPS, droppedIds: true }));
  const f = p.finish();
  assert.deepEqual(f.steps.map((s) => s.customers), [3, 2, 1]);
  assert.equal(f.steps[1].median_time_from_previous_s, 45);
  assert.deepEqual(f.steps[1].dropped_ids, ["c"]);
  assert.deepEqual(f.steps[2].dropped_ids, ["b"]);
  assert.equal(p.analysis, "funnel");
  assert.equal(p.options.mode, "ordered");
  assert.equal(p.options.window, 14 * 86400);
});

test("context: of, merge, bytes", () => {
  const [l, r] = split([["a", "c"], ["b", "d"]]);
  const c = journey.Context.of(l).merge(journey.Context.of(r));
  assert.ok(c.equals(journey.Context.of(log)));
  assert.equal(c.firstUs, 0);
  assert.equal(c.lastUs, 4_000_000 * 1_000_000);
  assert.ok(journey.Context.fromBytes(c.toBytes()).equals(c));
  const empty = new journey.Context();
  assert.equal(empty.firstUs, undefined);
  assert.equal(empty.lastUs, undefined);
  // A funnel needs no context: any context gives the same partial.
  const a = l.partial("funnel", { steps: ["view"] }, c).toBytes();
  assert.deepEqual(a, l.partial("funnel", { steps: ["view"] }).toBytes());
  // The context object stays usable after being passed.
  assert.equal(c.lastUs, 4_000_000 * 1_000_000);
});

test("errors", () => {
  const [l, r] = split([["a", "c"], ["b", "d"]]);
  const p = l.partial("funnel", { steps: ["view", "cart"] });
  const q = r.partial("funnel", { steps: ["view", "cart"], mode: "strict" });
  assert.throws(() => p.merge(q), (e) => e.name === "JourneyError" && e.code === "partial_mismatch" && e.message.includes('mode "ordered" and "strict"'));
  assert.throws(() => journey.Partial.fromBytes(new TextEncoder().encode("not a partial")), (e) => e.code === "invalid_partial" && /not a journey partial/.test(e.message));
  const bytes = p.toBytes();
  bytes[bytes.length >> 1] ^= 0x40;
  assert.throws(() => journey.Partial.fromBytes(bytes), /checksum mismatch/);
  const v9 = p.toBytes();
  v9[8] = 9;
  assert.throws(() => journey.Partial.fromBytes(v9), /format version 9/);
  assert.throws(() => journey.Context.fromBytes(p.toBytes()), (e) => e.code === "invalid_partial" && /not a journey context/.test(e.message));
  assert.throws(() => l.partial("funel", { steps: ["view"] }), (e) => e.code === "invalid_argument" && /expected one of/.test(e.message));
  assert.throws(() => journey.mergePartials([p, 3]), (e) => e.code === "invalid_argument" && /partials\[1\]/.test(e.message));
  assert.throws(() => journey.mergePartials([]), /at least one partial/);
});

const SHOP = `customer_id,timestamp,touchpoint,value
a,2026-01-05T09:00:00Z,purchase,10.1
a,2026-01-13T09:00:00Z,purchase,20.2
a,2026-01-27T09:00:00Z,purchase,30.3
b,2026-01-04T09:00:00Z,site,
b,2026-01-07T09:00:00Z,purchase,5
b,2026-01-08T09:00:00Z,purchase,
c,2026-01-14T09:00:00Z,purchase,0.7
d,2026-01-20T09:00:00Z,site,
`;

function splitText(text, groups) {
  const [header, ...rows] = text.trim().split("\n");
  return groups.map((ids) => journey.EventLog.fromCsv([header, ...rows.filter((r) => ids.includes(r.split(",")[0]))].join("\n") + "\n"));
}

test("retention and kpis: split, merge, finish equal the direct call", () => {
  const shop = journey.EventLog.fromCsv(SHOP);
  const parts = splitText(SHOP, [["a", "d"], [], ["b", "c"]]);
  const ctx = parts.map((p) => journey.Context.of(p)).reduce((a, b) => a.merge(b));
  const run = (analysis, opts) => journey.mergePartials(parts.map((p) => p.partial(analysis, opts, ctx))).finish();
  for (const opts of [{}, { period: "day", periods: 30 }, { period: "month", start: "*", ret: "site" }]) {
    assert.deepEqual(run("retention", opts), shop.retention(opts));
  }
  assert.deepEqual(run("retention", { periods: 4 }).cohorts[0].counts, [2, 1, 0, 1, null]);
  for (const opts of [{}, { start: "2026-01-12T00:00:00Z" }, { start: "2026-01-12T00:00:00Z", end: "2026-01-19T00:00:00Z" }]) {
    assert.deepEqual(run("kpis", opts), shop.kpis(opts));
  }
  assert.equal(run("kpis", {}).revenue, 66.3);
  assert.throws(() => parts[0].partial("kpis"), (e) => e.code === "partial_mismatch" && /needs the context/.test(e.message));
});

const PATHS = `customer_id,timestamp,touchpoint,channel,value
a,0,ad,social,
a,3600,mail,email,
a,7200,purchase,web,10.1
a,9000,ad,social,
a,9600,purchase,web,20.2
b,0,mail,email,
b,60,site,web,
b,120,purchase,web,0.7
c,0,ad,social,
c,60,site,web,
d,0,site,web,
d,30,purchase,web,5
`;

test("attribution, attributionTable and pathTable: split, merge, finish equal the direct call", () => {
  const paths = journey.EventLog.fromCsv(PATHS);
  const parts = splitText(PATHS, [["a", "d"], [], ["c"], ["b"]]);
  const run = (analysis, opts) => journey.mergePartials(parts.map((p) => p.partial(analysis, opts))).finish();
  for (const opts of [{}, { model: "timeDecay" }, { model: "time_decay" }, { model: "linear", level: "touchpoint", exclude: ["site", "nowhere"] }, { model: "shapley", firstConversionOnly: true }, { model: "position_based", collapseRepeats: true, lookback: "1h" }, { model: "markov", order: 2 }, { model: "data_driven_shapley" }]) {
    let direct;
    try {
      direct = paths.attribution(opts);
    } catch (e) {
      assert.throws(() => run("attribution", opts), (x) => x.code === e.code);
      continue;
    }
    assert.deepEqual(run("attribution", opts), direct, JSON.stringify(opts));
  }
  const table = run("attributionTable", {});
  assert.deepEqual(table, paths.attributionTable());
  assert.equal(table.total_value, 36);
  const pt = run("pathTable", { level: "touchpoint" });
  assert.ok(pt instanceof journey.PathTable);
  // rows() lists the paths in name order.
  assert.deepEqual(pt.rows().map((r) => r.path), ["ad", "ad>mail", "ad>site", "mail>site", "site"]);
  assert.deepEqual(pt.rows(), journey.PathTable.fromLog(paths, { level: "touchpoint" }).rows());
});

test("sessions and transitionGraph: split, merge, finish equal the direct call", () => {
  const paths = journey.EventLog.fromCsv(PATHS);
  const parts = splitText(PATHS, [["a", "d"], [], ["c"], ["b"]]);
  const run = (analysis, opts) => journey.mergePartials(parts.map((p) => p.partial(analysis, opts))).finish();
  for (const opts of [{}, { gap: "10m", inactivity: "30m", perCustomer: true }]) {
    assert.deepEqual(run("sessions", opts), paths.sessions(opts));
  }
  assert.equal(run("sessions", { gap: "10m" }).n_sessions, 7);
  const cp = run("conversionPaths", { level: "touchpoint" });
  assert.deepEqual(cp, paths.conversionPaths({ level: "touchpoint" }));
  assert.deepEqual(cp.rows.map((r) => r.customer_id), ["a", "a", "b", "c", "d"]);
  for (const opts of [{}, { level: "channel", sessionGap: "30m" }, { collapseRepeats: true }]) {
    const g = run("transitionGraph", opts);
    assert.ok(g instanceof journey.TransitionGraph);
    assert.deepEqual(g.edges(), paths.transitionGraph(opts).edges());
    assert.equal(g.toDot(), paths.transitionGraph(opts).toDot());
  }
});

test("pathStats: split, merge, finish equals the direct call", () => {
  const parts = split([["a", "d"], ["b", "c"]]);
  for (const o of [{}, { level: "channel", top: 1 }, { attributionModel: "markov", collapseRepeats: true }]) {
    const merged = journey.mergePartials(parts.map((p) => p.partial("pathStats", o))).finish();
    assert.deepEqual(merged, log.pathStats(o), JSON.stringify(o));
  }
  // a [view cart] converts, then b [view cart], c [view ad cart], d [cart] do not.
  const s = journey.mergePartials(parts.map((p) => p.partial("pathStats"))).finish();
  assert.deepEqual([s.n_paths, s.n_conversions], [4, 1]);
  assert.equal(s.time_to_convert_s.median, 90);
});

test("survey scores, the map and the report from partials with the responses", () => {
  const SURVEYS = "customer_id,timestamp,touchpoint,nps,csat\na,70,cart,9,5\nb,40,,3,2\nc,25,ad,10,\nz,1,view,0,1\n";
  const [l, r] = split([["a", "c"], ["b", "d"]]);
  const all = journey.Surveys.fromCsv(SURVEYS);
  // z has no events: its response may go to either partition.
  const sl = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,nps,csat\na,70,cart,9,5\nc,25,ad,10,\n");
  const sr = journey.Surveys.fromCsv("customer_id,timestamp,touchpoint,nps,csat\nb,40,,3,2\nz,1,view,0,1\n");
  const nps = l.partialWithSurveys("nps", sl, { by: "persona" }).merge(r.partialWithSurveys("nps", sr, { by: "persona" })).finish();
  assert.deepEqual(nps, all.withLog(log).nps({ by: "persona" }));
  // a (x) 9, b (y) 3, c (no persona) 10, z (no events) 0.
  assert.deepEqual(nps.groups.map((g) => [g.key, g.n]), [["x", 1], ["y", 1], [null, 2]]);
  const map = l.partialWithSurveys("mapFromData", sl, { minResponses: 1 }).merge(r.partialWithSurveys("mapFromData", sr, { minResponses: 1 })).finish();
  assert.deepEqual(map.toJson(), journey.JourneyMap.fromData(log, all, { minResponses: 1 }).toJson());
  const steps = l.partial("funnelSteps").merge(r.partial("funnelSteps")).finish();
  assert.deepEqual(steps, ["view", "cart", "purchase"]);
  const ctx = journey.Context.of(l).merge(journey.Context.of(r));
  const html = l.partialWithSurveys("report", sl, { funnelSteps: steps }, ctx).merge(r.partialWithSurveys("report", sr, { funnelSteps: steps }, ctx)).finish();
  assert.equal(html, journey.report(log, all));
});
