// Events of one customer at the same instant: the order does not depend on the row order
// (content order, or the `sequence` column), unless { ties: "input" } is asked for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog } = journey;

const HEADER = "customer_id,timestamp,touchpoint,channel,value,plan\n";
const ROWS = [
  "a,2026-01-01T00:00:00Z,site,web,,\n",
  "a,2026-01-01T00:00:00Z,ad,social,,\n",
  "a,2026-01-01T00:00:00Z,ad,email,,pro\n",
  "a,2026-01-01T00:00:00Z,ad,email,,free\n",
  "a,2026-01-01T00:00:00Z,purchase,web,20,\n",
  "a,2026-01-01T00:00:00Z,purchase,web,5,\n",
];
const key = (e) => [e.touchpoint, e.channel, e.value, e.plan].join("/");

test("equal timestamps are in content order, whatever the row order", () => {
  const want = EventLog.fromCsv(HEADER + ROWS.join(""));
  assert.deepEqual(want.journey("a").map(key), [
    "ad/email//free",
    "ad/email//pro",
    "ad/social//",
    "purchase/web/5/",
    "purchase/web/20/",
    "site/web//",
  ]);
  let seed = 7;
  for (let k = 0; k < 20; k++) {
    const rows = ROWS.slice();
    for (let i = rows.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    assert.equal(EventLog.fromCsv(HEADER + rows.join("")).toCsv(), want.toCsv());
  }
});

test("ties: input keeps the row order; a bad value is an error", () => {
  const log = EventLog.fromCsv(HEADER + ROWS.join(""), { ties: "input" });
  assert.deepEqual(
    log.journey("a").map((e) => e.touchpoint),
    ["site", "ad", "ad", "ad", "purchase", "purchase"],
  );
  assert.throws(() => EventLog.fromCsv(HEADER, { ties: "random" }), /expected `content` or `input`/);
});

test("a sequence column orders ties first, in CSV, JSON and columns", () => {
  const csv = "customer_id,timestamp,touchpoint,sequence\na,0,site,\na,0,ad,2\na,0,purchase,1\n";
  const tps = (log) => log.journey("a").map((e) => e.touchpoint);
  assert.deepEqual(tps(EventLog.fromCsv(csv)), ["purchase", "ad", "site"]);
  const jsonl =
    '{"customer_id":"a","timestamp":0,"touchpoint":"site"}\n' +
    '{"customer_id":"a","timestamp":0,"touchpoint":"ad","n":2}\n' +
    '{"customer_id":"a","timestamp":0,"touchpoint":"purchase","n":1}\n';
  assert.deepEqual(tps(EventLog.fromJson(jsonl, { rename: { n: "sequence" } })), ["purchase", "ad", "site"]);
  const cols = {
    customerId: ["a", "a", "a"],
    timestamp: new Float64Array([0, 0, 0]),
    touchpoint: ["site", "ad", "purchase"],
  };
  assert.deepEqual(tps(EventLog.fromColumns(cols)), ["ad", "purchase", "site"]);
  assert.deepEqual(tps(EventLog.fromColumns(cols, { ties: "input" })), ["site", "ad", "purchase"]);
  assert.deepEqual(tps(EventLog.fromColumns({ ...cols, sequence: [null, 2, 1] })), ["purchase", "ad", "site"]);
  assert.throws(
    () => EventLog.fromColumns({ ...cols, sequence: [0, 1.5, 2] }),
    (e) => e.row === 2 && e.column === "sequence",
  );
  assert.throws(() => EventLog.fromCsv(csv.replace(",2\n", ",x\n")), (e) => e.line === 3 && e.column === "sequence");
});
