import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, journey } from "./helpers.mjs";

// a: ad -> site -> cart -> purchase; b: ad -> site; c: site -> cart
const CSV = fixture("three_journeys.csv");
const log = journey.EventLog.fromCsv(CSV);

test("funnel by hand, camelCase options", () => {
  const f = log.funnel(["site", "cart", "purchase"], { droppedIds: true });
  assert.deepEqual(f.steps.map((s) => s.customers), [3, 2, 1]);
  assert.equal(f.steps[1].median_time_from_previous_s, 330);
  assert.deepEqual(f.steps[1].dropped_ids, ["b"]);
  assert.deepEqual(log.funnel(["site", "cart"], { window: "5m" }).steps.map((s) => s.customers), [3, 1]);
  assert.throws(() => log.funnel(["site"], { mode: "sideways" }), (e) => e.code === "invalid_argument");
});

test("transition graph: flow out of start equals flow into end", () => {
  const g = log.transitionGraph();
  const edges = g.edges();
  const out = edges.filter((e) => e.source === "start").reduce((s, e) => s + e.count, 0);
  const into = edges.filter((e) => e.target === "end").reduce((s, e) => s + e.count, 0);
  assert.equal(out, 3);
  assert.equal(into, 3);
  assert.match(g.toDot(), /^digraph/);
  assert.match(g.toMermaid(), /flowchart/);
  assert.equal(g.toObject().n_walks, 3);
});

test("sessions, conversion paths and path stats", () => {
  assert.equal(log.sessions({ gap: "5m" }).n_sessions, 4);
  const rows = log.conversionPaths({ level: "touchpoint" }).rows;
  assert.deepEqual(rows.find((r) => r.customer_id === "a").touches, ["ad", "site", "cart"]);
  assert.equal(log.pathStats().touches_before_conversion.mean, 3);
});

test("sessions per customer: one row each, in customer order, with the declared fields", () => {
  // Gap 5 min: a's events 60 s apart make one session of 180 s; b one of 30 s; c's two events
  // 600 s apart make two sessions of 0 s.
  const r = log.sessions({ gap: "5m", perCustomer: true });
  assert.deepEqual(r.customers, [
    { customer_id: "a", n_events: 4, n_sessions: 1, mean_session_duration_s: 180, n_inactivity_periods: 0, longest_gap_s: 60, first_event: "1970-01-01T00:00:00Z", last_event: "1970-01-01T00:03:00Z" },
    { customer_id: "b", n_events: 2, n_sessions: 1, mean_session_duration_s: 30, n_inactivity_periods: 0, longest_gap_s: 30, first_event: "1970-01-01T00:00:00Z", last_event: "1970-01-01T00:00:30Z" },
    { customer_id: "c", n_events: 2, n_sessions: 2, mean_session_duration_s: 0, n_inactivity_periods: 0, longest_gap_s: 600, first_event: "1970-01-01T00:00:00Z", last_event: "1970-01-01T00:10:00Z" },
  ]);
  assert.ok(!("customers" in log.sessions({ gap: "5m" })));
});

test("transition graph nodes: start, touches by name, end", () => {
  const nodes = log.transitionGraph().nodes();
  assert.deepEqual(nodes.map((n) => n.name), ["start", "ad", "cart", "purchase", "site", "end"]);
  assert.deepEqual(nodes.map((n) => n.kind), ["start", "touch", "touch", "touch", "touch", "end"]);
  assert.equal(nodes.find((n) => n.name === "site").visits, 3);
});

test("funnel exclusions take camelCase step keys; a bad one says where and why", () => {
  // Steps ad, cart: a has ad 0, site 60, cart 120; b ad, no cart; c no ad. Excluding site
  // between steps 1 and 2 voids a's only attempt: [2, 1] becomes [1, 0].
  assert.deepEqual(log.funnel(["ad", "cart"]).steps.map((s) => s.customers), [2, 1]);
  const f = log.funnel(["ad", "cart"], { exclude: [{ touchpoint: "site", fromStep: 1, toStep: 2 }] });
  assert.deepEqual(f.steps.map((s) => s.customers), [1, 0]);
  assert.throws(
    () => log.funnel(["ad", "cart"], { exclude: ["coupon", { touchpoint: "site", from: 1 }] }),
    (e) =>
      e.code === "invalid_argument" &&
      e.message.includes(
        'exclude[1]: expected a touchpoint name, a list of names, or {touchpoint, from_step, to_step}; unknown key "from"',
      ),
  );
});

test("path stats: attribution share per touch; graph nodes flag conversions with booleans", () => {
  // Only a's path [ad site cart] converts. Linear: 1/3 each; last touch: all to cart.
  const linear = log.pathStats();
  assert.equal(linear.attribution_model, "linear");
  assert.deepEqual(linear.touches.map((t) => t.name), ["ad", "cart", "site"]);
  for (const t of linear.touches) assert.ok(Math.abs(t.attribution_share - 1 / 3) < 1e-12, t.name);
  const last = log.pathStats({ attributionModel: "last_touch" });
  assert.deepEqual(last.touches.map((t) => t.attribution_share), [0, 1, 0]);
  const nodes = log.transitionGraph().nodes();
  assert.equal(nodes.find((n) => n.name === "purchase").conversion, true);
  assert.equal(nodes.find((n) => n.name === "site").conversion, false);
});
