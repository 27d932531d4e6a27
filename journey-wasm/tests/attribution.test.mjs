import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, journey } from "./helpers.mjs";

const { EventLog, PathTable } = journey;

// The hand example of docs/attribution.md: two conversions (30 + 70), three null paths.
const CSV = fixture("attribution_by_hand.csv");
const MODELS = ["first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"];
const log = EventLog.fromCsv(CSV);
const credits = (r) => Object.fromEntries(r.rows.map((x) => [x.channel, x.conversions]));

test("first and last touch by hand", () => {
  assert.deepEqual(credits(log.attribution({ model: "first_touch" })), { a: 1, b: 1, c: 0, d: 0 });
  assert.deepEqual(credits(log.attribution({ model: "last_touch" })), { a: 0, b: 0, c: 2, d: 0 });
});

test("every model sums to the conversions and the value", () => {
  for (const model of MODELS) {
    const r = log.attribution({ model });
    const sum = r.rows.reduce((s, x) => s + x.conversions, 0);
    const value = r.rows.reduce((s, x) => s + x.value, 0);
    assert.ok(Math.abs(sum - 2) < 1e-9, `${model}: ${sum}`);
    assert.ok(Math.abs(value - 100) < 1e-9, `${model}: ${value}`);
  }
});

test("attributionTable has every model per channel, plain objects", () => {
  const t = log.attributionTable();
  assert.deepEqual(t.rows.map((r) => r.channel), ["a", "b", "c", "d"]);
  for (const m of MODELS) assert.equal(typeof t.rows[0][m], "number");
  assert.equal(Object.getPrototypeOf(t), Object.prototype);
});

test("camelCase options reach core", () => {
  const r = log.attribution({ model: "markov", transitionMatrix: true, collapseRepeats: true });
  assert.ok(Array.isArray(r.transition_matrix) && r.transition_matrix.length > 0);
  const excluded = log.attribution({ model: "last_touch", exclude: ["c"] });
  assert.equal(excluded.attributed_conversions + excluded.unattributed_conversions, 2);
});

test("bad options throw JourneyError invalid_argument", () => {
  assert.throws(() => log.attribution({ model: "u_shaped" }), (e) => e.name === "JourneyError" && e.code === "invalid_argument");
  assert.throws(() => log.attribution({ order: 9 }), (e) => e.code === "invalid_argument");
});

test("attributionTable, on the log and on a path table: a model or a bad option is an argument error", () => {
  const table = PathTable.fromLog(log);
  for (const [name, call] of [["EventLog", (o) => log.attributionTable(o)], ["PathTable", (o) => table.attributionTable(o)]]) {
    const fails = (opts, pattern) =>
      assert.throws(() => call(opts), (e) => e instanceof journey.JourneyError && e.code === "invalid_argument" && pattern.test(e.message), `${name} ${JSON.stringify(opts)}`);
    // Every model is in the table: choosing one is refused, not ignored.
    fails({ model: "markov" }, /^invalid argument attributionTable options: unknown field `model`/);
    fails({ order: 9 }, /^invalid argument order: 9: expected 1, 2, 3 or 4$/);
    fails({ level: "campaign" }, /unknown variant `campaign`, expected `touchpoint` or `channel`/);
    fails({ positionWeights: [1, 2] }, /position_weights/);
    fails({ halfLife: "soon" }, /half_life|soon/);
  }
});

test("PathTable from the log equals the log", () => {
  const t = PathTable.fromLog(log);
  assert.equal(t.length, 5);
  const a = credits(t.attribution({ model: "shapley" }));
  const b = credits(log.attribution({ model: "shapley" }));
  for (const k of Object.keys(b)) assert.ok(Math.abs(a[k] - b[k]) < 1e-12);
  const again = PathTable.fromRows(t.rows());
  assert.equal(again.length, 5);
  assert.throws(
    () => PathTable.fromCsv("path,total_conversions\na,1\nb,lots\n"),
    (e) => e.line === 3 && e.column === "total_conversions" && e.message.includes('"lots"'),
  );
});

test("PathTable.fromRows requires path and total_conversions", () => {
  // Without `path` a row used to become an empty path; without `total_conversions` it was dropped.
  const bad = (rows, text) =>
    assert.throws(() => PathTable.fromRows(rows), (e) => e.code === "invalid_argument" && e.message.includes(text), text);
  bad([{ path: "a", total_conversions: 1 }, { total_conversions: 3 }], "row 2, path: missing");
  bad([{ path: "a>b", total_null: 4 }], "row 1, total_conversions: missing");
  bad([{ path: "a", total_conversions: 1, nulls: 2 }], "nulls");
  const t = PathTable.fromRows([{ path: "a", total_conversions: 2 }, { path: "b", total_conversions: 0, total_null: 5 }]);
  assert.deepEqual(t.rows(), [
    { path: "a", total_conversions: 2, total_conversion_value: 0, total_null: 0 },
    { path: "b", total_conversions: 0, total_conversion_value: 0, total_null: 5 },
  ]);
});

test("PathTable.fromLog takes path options only", () => {
  // c1's a is 2 days before the purchase, outside a 1-day lookback: a>b>c becomes b>c.
  const t = PathTable.fromLog(log, { lookback: "1d", collapseRepeats: false });
  assert.deepEqual(t.rows().map((r) => r.path).sort(), ["a>b>a", "b>c", "b>c>b>c", "c", "d"]);
  for (const opts of [{ order: 2 }, { halfLife: "1d" }, { transitionMatrix: true }]) {
    assert.throws(() => PathTable.fromLog(log, opts), (e) => e.code === "invalid_argument", JSON.stringify(opts));
  }
});

test("unknown exclude names are reported, not an error", () => {
  const r = log.attribution({ model: "last_touch", exclude: ["checkout_step", "d", "checkout_step"] });
  assert.deepEqual(r.unknown_excluded, ["checkout_step"]);
  assert.ok(!r.rows.some((x) => x.channel === "d"));
  assert.deepEqual(log.attributionTable({ exclude: ["coupon"] }).unknown_excluded, ["coupon"]);
  assert.deepEqual(PathTable.fromLog(log).attribution({ exclude: ["a", "zz"] }).unknown_excluded, ["zz"]);
});
