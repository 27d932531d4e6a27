// Open journeys: scores, next best touchpoint and the backtest (docs/live.md). The three-state
// chain is worked by hand in journey-core/src/metrics/open_journeys.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, journey } from "./helpers.mjs";

const THREE = fixture("three_state_chain.csv");
const log = journey.EventLog.fromCsv(THREE);
const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test("three-state chain by hand", () => {
  // x_a = 17/40, x_b = 19/40, x_c = 3/4; expected further touches 11/10, 7/10, 0.
  const r = log.openJourneys({ idle: false, minSupport: 2 });
  close(r.conversion_probability, 4 / 7);
  assert.equal(r.n_open, 3);
  assert.deepEqual(r.journeys.map((j) => [j.customer_id, j.state, j.n_touches]), [["u2", "a", 3], ["u4", "b", 1], ["u5", "c", 1]]);
  r.journeys.forEach((j, i) => close(j.probability, [17 / 40, 19 / 40, 3 / 4][i]));
  r.journeys.forEach((j, i) => close(j.expected_touches, [1.1, 0.7, 0][i]));
  // From a, c leads highest but one path made that step; b (two paths) is recommended.
  const u2 = r.journeys[0];
  assert.deepEqual([u2.status, u2.next_best, u2.support], ["recommend", "b", 2]);
  close(u2.uplift, 1 / 20);
  assert.deepEqual(r.next_touches.map((n) => [n.state, n.rank, n.touchpoint, n.enough_support]), [["a", 1, "c", false], ["a", 2, "b", true], ["b", 1, "a", false]]);
  assert.deepEqual(r.top_paths.slice(0, 3).map((t) => t.path), [["c"], ["b"], ["b", "a", "c"]]);
  close(r.top_paths[0].probability, 3 / 16);
  const loose = log.openJourneys({ idle: false, minSupport: 1 });
  assert.deepEqual(loose.journeys.map((j) => j.status), ["recommend", "no_uplift", "not_enough_data"]);
  assert.equal(loose.journeys[0].next_best, "c");
});

test("silence, asOf, onlyUnconverted", () => {
  // x_s = q = 2/5, waiting times [10, 100]: silent 100 s -> 0; 50 s -> 1/4; 5 s -> 2/5.
  const s = journey.EventLog.fromCsv("customer_id,timestamp,touchpoint\nx1,0,s\nx1,10,purchase\nx2,0,s\nx2,100,purchase\nx3,0,s\nx4,50,s\nx5,95,s\n");
  const r = s.openJourneys();
  assert.deepEqual(r.journeys.map((j) => j.idle_s), [100, 50, 5]);
  r.journeys.forEach((j, i) => close(j.probability, [0, 0.25, 0.4][i]));
  assert.deepEqual(log.openJourneys({ onlyUnconverted: true }).journeys.map((j) => j.customer_id), ["u2", "u4"]);
  const at = log.openJourneys({ asOf: 3, idle: false });
  assert.equal(at.as_of, "1970-01-01T00:00:03Z");
  assert.deepEqual(at.journeys.map((j) => j.state), ["b", "b", "c", "b"]);
  assert.deepEqual(log.openJourneys({ asOf: "1970-01-01T00:00:03Z", idle: false }), at);
});

test("backtest by hand", () => {
  // Markov u2 0, u3 1/3, u4 1/3; u2 and u3 convert within 14 days: AUC 1/4, Brier 14/27.
  const b = journey.EventLog.fromCsv("customer_id,timestamp,touchpoint\nu1,1,a\nu1,2,b\nu1,3,purchase\nu2,1,a\nu2,2,c\nu2,100,purchase\nu3,1,a\nu3,2,b\nu3,11,purchase\nu4,5,b\nu4,2000000,purchase\n");
  const r = b.openJourneysBacktest({ asOf: 10, idle: false, bins: 2 });
  assert.deepEqual([r.n_open, r.n_converted], [3, 2]);
  assert.deepEqual(r.predictors.map((p) => p.auc), [0.25, 0.25, 0.5]);
  close(r.predictors[0].brier, 14 / 27);
  assert.equal(r.markov_beats_baselines, false);
  assert.equal(r.calibration.length, 6);
});

test("bad options are JourneyErrors", () => {
  for (const [f, name] of [
    [() => log.openJourneys({ order: 9 }), "order"],
    [() => log.openJourneys({ asOf: "yesterday" }), "as_of"],
    [() => log.openJourneysBacktest({}), "as_of"],
  ]) {
    assert.throws(f, (e) => e instanceof journey.JourneyError && e.code === "invalid_argument" && e.message.includes(name));
  }
});

test("report section when asked", () => {
  assert.ok(!journey.report(log).includes("Open journeys"));
  const page = journey.report(log, null, { openJourneys: { minSupport: 2, idle: false } });
  const section = page.slice(page.indexOf("<h2>Open journeys"));
  assert.ok(section.includes("3 customers have touches"));
  assert.ok(section.includes("47.5%"));
});
