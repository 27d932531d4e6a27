// Optional funnel steps (docs/journeys.md, "Optional steps"), checked by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, journey } from "./helpers.mjs";

// a takes every step; b skips the coupon; c's coupon lies between two carts (on the way to the
// second); d stops after the coupon; e's coupon comes after its cart and buy (not on the way).
const CSV = fixture("optional_steps.csv");
const log = journey.EventLog.fromCsv(CSV);
const STEPS = ["view", { touchpoint: "coupon", optional: true }, "cart", "buy"];

test("optional step by hand", () => {
  const f = log.funnel(STEPS);
  const s = f.steps;
  assert.deepEqual(s.map((r) => r.customers), [5, 3, 4, 3]);
  assert.deepEqual(s.map((r) => r.optional ?? false), [false, true, false, false]);
  assert.equal(s[1].conversion_from_previous, 0.6);
  assert.equal(s[1].dropped, 0);
  assert.equal(s[1].drop_off, null);
  assert.equal(s[1].median_time_from_previous_s, 6);
  assert.equal(s[1].mean_time_from_previous_s, 7);
  assert.equal(s[2].conversion_from_previous, 0.8);
  assert.equal(s[2].dropped, 1);
  assert.equal(s[2].median_time_from_previous_s, 7.5);
  assert.equal(s[3].conversion_from_previous, 0.75);
  assert.equal(f.conversion, 0.6);
});

test("optional step with a breakdown and after drop-off (numbered as given)", () => {
  const f = log.funnel(STEPS, { breakdown: "persona", afterDropOff: 2 });
  assert.deepEqual(
    f.groups.map((g) => [g.value, g.steps.map((r) => r.customers)]),
    [["x", [2, 1, 2, 2]], ["y", [3, 2, 2, 1]]],
  );
  assert.deepEqual(f.after_drop_off.map((a) => a.step), [3, 4]);
});

test("optional step errors", () => {
  const bad = (steps, opts, message) =>
    assert.throws(
      () => log.funnel(steps, opts),
      (e) => e.name === "JourneyError" && e.code === "invalid_argument" && e.message.includes(message),
    );
  bad([{ touchpoint: "view", optional: true }, "buy"], {}, "step 1 is optional");
  bad(["view", { touchpoint: "buy", optional: true }], {}, "step 2 is optional");
  bad(STEPS, { mode: "strict" }, "strict");
  bad(["view", { touchpoint: "coupon", optional: "yes" }, "buy"], {}, '"optional" is "yes"');
  assert.throws(() => log.conversionDrivers({ steps: STEPS }), (e) => e.message.includes("step 2 is optional"));
});
