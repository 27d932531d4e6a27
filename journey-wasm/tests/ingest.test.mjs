import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, Surveys, JourneyMap, synthetic } = journey;

const CSV =
  "customer_id,timestamp,touchpoint,channel,value\n" +
  "b,2026-01-02T00:00:00Z,purchase,web,20\n" +
  "a,2026-01-01T00:00:00Z,ad,social,\n" +
  "a,2026-01-01T00:00:00Z,site,web,\n";

test("fromCsv: sizes, sorted names, ties keep input order", () => {
  const log = EventLog.fromCsv(CSV);
  assert.equal(log.nEvents, 3);
  assert.equal(log.nCustomers, 2);
  assert.deepEqual(log.touchpoints(), ["ad", "purchase", "site"]);
  assert.deepEqual(log.channels(), ["social", "web"]);
  assert.deepEqual(log.journey("a").map((e) => e.touchpoint), ["ad", "site"]);
  assert.equal(log.journey("b")[0].value, 20);
  assert.equal(log.journey("a")[0].value, null);
  assert.equal(log.journey("nobody"), undefined);
});

test("fromCsvBytes equals fromCsv", () => {
  const bytes = new TextEncoder().encode(CSV);
  assert.equal(EventLog.fromCsvBytes(bytes).toCsv(), EventLog.fromCsv(CSV).toCsv());
});

test("fromCsvBytes: invalid UTF-8 and a bad cell name their line", () => {
  const head = new TextEncoder().encode("customer_id,timestamp,touchpoint\na,1,ad\nb,2,");
  const bytes = new Uint8Array([...head, 0xff, 0xfe, 0x0a]);
  assert.throws(() => EventLog.fromCsvBytes(bytes), (e) => {
    assert.ok(e instanceof journey.JourneyError);
    assert.deepEqual([e.code, e.line, e.column, e.expected], ["invalid_value", 3, "touchpoint", "valid UTF-8 text"]);
    return true;
  });
  assert.throws(
    () => EventLog.fromCsvBytes(new TextEncoder().encode("customer_id,timestamp,touchpoint\na,1,ad\nb,later,ad\n").buffer),
    (e) => e.code === "invalid_value" && e.line === 3 && e.column === "timestamp" && e.value === "later" && e.message.startsWith('invalid timestamp "later" at line 3, column timestamp: '),
  );
  // Lenient: the bad line is skipped and reported.
  const log = EventLog.fromCsvBytes(bytes, { mode: "lenient" });
  assert.deepEqual([log.nEvents, log.loadReport.rows_skipped], [1, 1]);
  assert.match(log.loadReport.errors[0], /line 3/);
});

test("toCsv writes the canonical columns in time order per customer", () => {
  const log = EventLog.fromCsv(
    "customer_id,timestamp,touchpoint,channel,value,persona\n" +
      "b,2026-01-02T00:00:00Z,purchase,web,20,deal_hunter\n" +
      "a,1767225600,ad,social,,\n",
  );
  assert.equal(
    log.toCsv(),
    "customer_id,timestamp,touchpoint,channel,stage,value,persona\n" +
      "a,2026-01-01T00:00:00Z,ad,social,,,\n" +
      "b,2026-01-02T00:00:00Z,purchase,web,,20,deal_hunter\n",
  );
});

test("bad CSV throws a JourneyError with code, line and column", () => {
  const bad = "customer_id,timestamp,touchpoint\na,2026-01-01T00:00:00Z,ad\nb,not-a-time,ad\n";
  assert.throws(
    () => EventLog.fromCsv(bad),
    (e) => e instanceof Error && e.name === "JourneyError" && e.code === "invalid_value" && e.line === 3 && e.column === "timestamp" && e.message.includes('"not-a-time"'),
  );
});

test("unknown option and bad mode are argument errors", () => {
  assert.throws(() => EventLog.fromCsv(CSV, { mood: "x" }), (e) => e.code === "invalid_argument" && e.message.includes("mood"));
  assert.throws(() => EventLog.fromCsv(CSV, { mode: "sloppy" }), (e) => e.code === "invalid_argument");
});

test("lenient mode reports skipped rows", () => {
  const bad = "customer_id,timestamp,touchpoint\na,2026-01-01T00:00:00Z,ad\nb,nope,ad\n";
  const log = EventLog.fromCsv(bad, { mode: "lenient" });
  assert.deepEqual(
    [log.loadReport.rows_read, log.loadReport.rows_kept, log.loadReport.rows_skipped],
    [2, 1, 1],
  );
  assert.match(log.loadReport.errors[0], /line 3/);
});

test("camelCase options: catalog, conversions, ignoreExtraColumns", () => {
  const csv = "customer_id,timestamp,touchpoint,plan\na,1,ig,pro\na,2,signup,pro\n";
  const log = EventLog.fromCsv(csv, {
    catalog: { ig: { channel: "social", stage: "awareness" } },
    conversions: ["signup"],
    ignoreExtraColumns: true,
  });
  assert.equal(log.journey("a")[0].channel, "social");
  assert.equal(log.summary().n_conversions, 1);
  assert.deepEqual(log.properties(), []);
});

test("empty input is a valid empty log", () => {
  const log = EventLog.fromCsv("");
  assert.equal(log.nEvents, 0);
  assert.equal(log.summary().first_event, null);
});

test("synthetic is deterministic and round-trips through CSV", () => {
  const [log, surveys] = synthetic({ customers: 200, seed: 5 });
  const [again] = synthetic({ customers: 200, seed: 5 });
  assert.equal(log.nCustomers, 200);
  assert.equal(log.toCsv(), again.toCsv());
  assert.equal(EventLog.fromCsv(log.toCsv()).toCsv(), log.toCsv());
  assert.ok(surveys.nResponses > 0);
  assert.equal(Surveys.fromCsv(surveys.toCsv()).toCsv(), surveys.toCsv());
  assert.throws(() => synthetic({ customers: 10, colour: "red" }), (e) => e.code === "invalid_argument");
});

test("new JourneyMap: the name, the five default stages, nothing else", () => {
  const m = new JourneyMap("Onboarding");
  assert.equal(m.name, "Onboarding");
  assert.deepEqual(m.stages(), ["awareness", "consideration", "purchase", "retention", "advocacy"]);
  assert.deepEqual([m.touchpoints(), m.personas()], [[], []]);
  assert.deepEqual(m.toObject().stages.map((s) => s.name), m.stages());
});

test("JourneyMap JSON round trip and validation", () => {
  const doc = {
    format: "journey-map/1",
    name: "Shop",
    personas: [{ name: "Ann" }],
    touchpoints: [{ name: "site", channel: "web", stage: "consideration" }],
    steps: [{ stage: "consideration", touchpoint: "site", emotion: -1.5 }],
  };
  const m = JourneyMap.fromJson(JSON.stringify(doc));
  assert.equal(m.name, "Shop");
  assert.deepEqual(m.stages().slice(0, 2), ["awareness", "consideration"]);
  assert.equal(JourneyMap.fromJson(m.toJson()).toJson(), m.toJson());
  assert.equal(m.toObject().steps[0].emotion, -1.5);
  assert.throws(
    () => JourneyMap.fromJson(JSON.stringify({ ...doc, steps: [{ stage: "nowhere" }] })),
    (e) => e.name === "JourneyError" && e.code === "invalid_map",
  );
});

test("fromJson: an array of objects or JSON Lines; conversions and stages", () => {
  const rows = [
    { customer_id: "a", timestamp: "2026-01-01T00:00:00Z", touchpoint: "ad", stage: "awareness" },
    { customer_id: "a", timestamp: "2026-01-02T00:00:00Z", touchpoint: "signup", stage: "purchase", value: 5 },
    { customer_id: "b", timestamp: 1767225600, touchpoint: "site", stage: "consideration" },
  ];
  const log = EventLog.fromJson(JSON.stringify(rows), { conversions: ["signup"] });
  const lines = EventLog.fromJson(rows.map((r) => JSON.stringify(r)).join("\n"), { conversions: ["signup"] });
  assert.equal(lines.toCsv(), log.toCsv());
  assert.deepEqual(log.conversions, ["signup"]);
  assert.deepEqual(EventLog.fromCsv(CSV).conversions, ["purchase"]);
  // Stages in journey order (awareness, consideration, purchase), not alphabetical.
  assert.deepEqual(log.stages(), ["awareness", "consideration", "purchase"]);
  assert.equal(log.summary().revenue, 5);
  assert.throws(() => EventLog.fromJson("[{\"customer_id\": \"a\"}]"), (e) => e.name === "JourneyError" && e.code === "invalid_value" && e.line === 1 && e.column === "timestamp");
  assert.throws(() => EventLog.fromJson("{\"customer_id\": \"a\", \"timestamp\": 1, \"touchpoint\": \"x\"}\n{oops"), (e) => e.code === "malformed_row" && e.line === 2);
});
