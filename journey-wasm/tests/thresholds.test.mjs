// Retention with a threshold of return events per period, and unbounded retention.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, journey } from "./helpers.mjs";

// ISO weeks W02 = Jan 5-11 ... W05; a buys in W02, W03, W05; b twice in W02, then W04; c in W02;
// d and e in W03 and W04; f in W04; g's visit in W05 ends the data.
const CSV = fixture("weekly_purchases.csv");
const log = journey.EventLog.fromCsv(CSV);
const counts = (r) => r.cohorts.map((c) => c.counts);

test("retention thresholds by hand", () => {
  const plain = log.retention({ periods: 3 });
  assert.deepEqual(counts(plain), [[3, 1, 1, 1], [2, 2, 0, null], [1, 0, null, null]]);
  assert.ok(!("minReturns" in plain) && !("min_returns" in plain) && !("unbounded" in plain));
  const two = log.retention({ periods: 3, minReturns: 2 });
  assert.deepEqual(counts(two), [[1, 0, 0, 0], [0, 0, 0, null], [0, 0, null, null]]);
  assert.equal(two.min_returns, 2);
  const later = log.retention({ periods: 3, unbounded: true });
  assert.deepEqual(counts(later), [[3, 2, 2, 1], [2, 2, 0, null], [1, 0, null, null]]);
  assert.equal(later.unbounded, true);
  assert.deepEqual(counts(log.retention({ periods: 1, unbounded: true }))[0], [3, 2]);
  assert.throws(() => log.retention({ minReturns: 0 }), (e) => e.name === "JourneyError" && e.code === "invalid_argument");
});
