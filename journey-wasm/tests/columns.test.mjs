// Every way data comes in: CSV text, bytes, ArrayBuffer, typed-array views, File/Blob (async),
// and columns (EventLog.fromColumns), checked against the CSV reader on the shared vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey, vectorFiles, readCase } from "./helpers.mjs";

const { EventLog, Surveys } = journey;

const CSV =
  "customer_id,timestamp,touchpoint,channel,value,plan\n" +
  "b,2026-01-02T00:00:00Z,purchase,web,20,pro\n" +
  "a,2026-01-01T00:00:00Z,ad,social,,\n" +
  "a,2026-01-01T00:00:00Z,site,web,,free\n";
const bytes = new TextEncoder().encode(CSV);
const T1 = Date.UTC(2026, 0, 1);
const T2 = Date.UTC(2026, 0, 2);

test("fromCsv takes text, Uint8Array, ArrayBuffer and any ArrayBufferView alike", () => {
  const want = EventLog.fromCsv(CSV).toCsv();
  assert.equal(EventLog.fromCsv(bytes).toCsv(), want);
  assert.equal(EventLog.fromCsv(bytes.buffer).toCsv(), want);
  assert.equal(EventLog.fromCsvBytes(bytes.buffer).toCsv(), want);
  // A view into the middle of a larger buffer: only its own bytes count.
  const big = new Uint8Array(bytes.length + 8);
  big.set(bytes, 4);
  assert.equal(EventLog.fromCsv(new DataView(big.buffer, 4, bytes.length)).toCsv(), want);
  assert.equal(EventLog.fromCsv(big.subarray(4, 4 + bytes.length)).toCsv(), want);
  assert.equal(EventLog.fromCsvBytes(new DataView(big.buffer, 4, bytes.length)).toCsv(), want);
});

test("fromCsvBytes takes bytes only: text is refused, not read", () => {
  assert.throws(
    () => EventLog.fromCsvBytes(CSV),
    (e) => e.code === "invalid_argument" && e.message === "invalid argument bytes: expected bytes (Uint8Array, ArrayBuffer or another ArrayBufferView), got a string; use fromCsv for text",
  );
  for (const bad of [42, {}, [1, 2], null, undefined]) {
    assert.throws(() => EventLog.fromCsvBytes(bad), (e) => e.code === "invalid_argument" && /expected bytes/.test(e.message), String(bad));
  }
});

test("fromCsv rejects input that is not CSV text or bytes", () => {
  for (const bad of [42, {}, [1, 2], null]) {
    assert.throws(() => EventLog.fromCsv(bad), (e) => e.name === "JourneyError" && e.code === "invalid_argument");
  }
});

test("fromFile reads a Blob/File and resolves to the log", async () => {
  const log = await EventLog.fromFile(new Blob([CSV], { type: "text/csv" }), { conversions: ["purchase"] });
  assert.equal(log.nEvents, 3);
  assert.equal(log.summary().revenue, 20);
  if (typeof File === "function") {
    const f = new File([bytes], "events.csv");
    assert.equal((await EventLog.fromFile(f)).toCsv(), log.toCsv());
  }
});

test("fromFile rejects with a JourneyError carrying the line", async () => {
  const bad = new Blob(["customer_id,timestamp,touchpoint\na,1,ad\nb,2,ad\nc,someday,ad\n"]);
  await assert.rejects(EventLog.fromFile(bad), (e) => e instanceof Error && e.name === "JourneyError" && e.code === "invalid_value" && e.line === 4 && e.column === "timestamp");
  // Bad options and non-blobs fail at once, before any reading.
  assert.throws(() => EventLog.fromFile(new Blob([CSV]), { mood: 1 }), (e) => e.code === "invalid_argument");
  assert.throws(() => EventLog.fromFile("events.csv"), (e) => e.code === "invalid_argument");
});

test("Surveys.fromCsv takes bytes and Surveys.fromFile a Blob", async () => {
  const text = "customer_id,timestamp,touchpoint,nps\na,1,app,9\nb,2,app,3\nc,3,web,\n";
  const s = Surveys.fromCsv(new TextEncoder().encode(text));
  assert.equal(s.nResponses, 3);
  assert.deepEqual(s.touchpoints(), ["app", "web"]);
  assert.equal((await Surveys.fromFile(new Blob([text]))).toCsv(), s.toCsv());
  await assert.rejects(Surveys.fromFile(new Blob(["customer_id,timestamp,nps\na,1,11\n"])), (e) => e.code === "invalid_value" && e.line === 2 && e.column === "nps");
});

test("fromColumns: typed arrays give the same log as the CSV", () => {
  const log = EventLog.fromColumns({
    customerId: ["b", "a", "a"],
    timestamp: new Float64Array([T2, T1, T1]),
    touchpoint: ["purchase", "ad", "site"],
    channel: ["web", "social", "web"],
    value: new Float64Array([20, NaN, NaN]),
    properties: { plan: ["pro", null, "free"] },
  });
  assert.equal(log.toCsv(), EventLog.fromCsv(CSV).toCsv());
  // Equal timestamps keep their input order, as in the CSV reader.
  assert.deepEqual(log.journey("a").map((e) => e.touchpoint), ["ad", "site"]);
});

test("fromColumns: text timestamps, Dates, number arrays with nulls, dictionary columns", () => {
  const want = EventLog.fromCsv(CSV, { ignoreExtraColumns: true }).toCsv();
  const text = EventLog.fromColumns({
    customer_id: ["b", "a", "a"], // snake_case keys work too
    timestamp: ["2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", String(T1 / 1000)],
    touchpoint: { values: ["ad", "purchase", "site"], codes: new Int32Array([1, 0, 2]) },
    channel: { values: ["social", "web"], codes: [1, 0, 1] },
    value: [20, null, null],
  });
  assert.equal(text.toCsv(), want);
  const dates = EventLog.fromColumns({
    customerId: ["b", "a", "a"],
    timestamp: [new Date(T2), new Date(T1), new Date(T1)],
    touchpoint: ["purchase", "ad", "site"],
    channel: ["web", "social", "web"],
    value: [20, null, undefined],
  });
  assert.equal(dates.toCsv(), want);
  // Numeric customer ids are written as JavaScript writes them.
  const ids = EventLog.fromColumns({ customerId: [7, 12.5], timestamp: [0, 1000], touchpoint: ["x", "y"] });
  assert.deepEqual(ids.customers(), ["12.5", "7"]);
  // Sub-millisecond precision survives (1.5 ms = 1500 microseconds).
  const fine = EventLog.fromColumns({ customerId: ["a"], timestamp: [1.5], touchpoint: ["x"] });
  assert.equal(fine.journey("a")[0].timestamp, "1970-01-01T00:00:00.0015Z");
});

test("fromColumns: text containing NUL is kept as it is", () => {
  const log = EventLog.fromColumns({ customerId: ["a\u0000b", "c"], timestamp: [0, 0], touchpoint: ["x", "y\u0000z"] });
  assert.deepEqual(log.customers(), ["a\u0000b", "c"]);
  assert.equal(log.journey("c")[0].touchpoint, "y\u0000z");
});

test("fromColumns: errors name the row and column; lenient mode skips and reports", () => {
  const cols = {
    customerId: ["a", "b", null, "d"],
    timestamp: new Float64Array([0, NaN, 0, 0]),
    touchpoint: ["x", "x", "x", "x"],
  };
  assert.throws(
    () => EventLog.fromColumns(cols),
    (e) => e instanceof Error && e.name === "JourneyError" && e.code === "invalid_value" && e.row === 2 && e.column === "timestamp" && e.line === undefined,
  );
  const log = EventLog.fromColumns(cols, { mode: "lenient" });
  assert.deepEqual([log.loadReport.rows_read, log.loadReport.rows_kept, log.loadReport.rows_skipped], [4, 2, 2]);
  assert.match(log.loadReport.errors[0], /row 2/);
  assert.match(log.loadReport.errors[1], /row 3/);
  // Out-of-range instants are missing, not clamped.
  assert.throws(() => EventLog.fromColumns({ customerId: ["a"], timestamp: [1e300], touchpoint: ["x"] }), (e) => e.row === 1);
  assert.throws(() => EventLog.fromColumns({ customerId: ["a"], timestamp: [0], touchpoint: ["x"], value: [Infinity] }), (e) => e.code === "invalid_value" && e.column === "value");
  assert.throws(
    () => EventLog.fromColumns({ customerId: ["a"], timestamp: [0], touchpoint: { values: ["x"], codes: [3] } }),
    (e) => e.code === "invalid_value" && e.row === 1 && e.column === "touchpoint",
  );
});

test("fromColumns: missing, mismatched and ill-typed columns", () => {
  assert.throws(() => EventLog.fromColumns({ customerId: ["a"], timestamp: [0] }), (e) => e.code === "missing_column" && e.column === "touchpoint");
  assert.throws(() => EventLog.fromColumns({ customerId: ["a", "b"], timestamp: [0], touchpoint: ["x", "y"] }), (e) => e.code === "invalid_argument" && /timestamp/.test(e.message));
  assert.throws(() => EventLog.fromColumns({ customerId: "a", timestamp: [0], touchpoint: ["x"] }), (e) => e.code === "invalid_argument");
  assert.throws(() => EventLog.fromColumns({ customerId: ["a"], timestamp: new BigInt64Array([0n]), touchpoint: ["x"] }), (e) => e.code === "invalid_argument" && /BigInt/.test(e.message));
  assert.throws(() => EventLog.fromColumns(null), (e) => e.code === "invalid_argument");
  // One value column cannot mix text and numbers: refused at the first entry of the other kind.
  assert.throws(
    () => EventLog.fromColumns({ customerId: ["a", "b", "c"], timestamp: [0, 0, 0], touchpoint: ["x", "x", "x"], value: [1, null, ""] }),
    (e) => e.code === "invalid_value" && e.row === 3 && e.column === "value" && e.value === "" && e.expected === "a number like row 1 (one column cannot mix text and numbers)",
  );
  assert.throws(() => EventLog.fromColumns({ customerId: ["a"], timestamp: [0], touchpoint: ["x"] }, { mood: 1 }), (e) => e.code === "invalid_argument");
  const empty = EventLog.fromColumns({ customerId: [], timestamp: new Float64Array(0), touchpoint: [] });
  assert.equal(empty.nEvents, 0);
});

test("fromColumns: core decides which key is which part (customerId or customer_id, rename)", () => {
  const cols = { timestamp: [T1], touchpoint: ["x"] };
  assert.deepEqual(EventLog.fromColumns({ ...cols, customer_id: ["a"] }).customers(), ["a"]);
  assert.throws(
    () => EventLog.fromColumns({ ...cols, customerId: ["a"], customer_id: ["b"] }),
    (e) =>
      e.name === "JourneyError" && e.code === "invalid_argument" && e.column === "customer_id" &&
      e.message === 'columns "customerId" and "customer_id" are both the customer_id column; keep one, or choose one by name',
  );
  // A column given as null or undefined is not given.
  assert.deepEqual(EventLog.fromColumns({ ...cols, customerId: ["a"], customer_id: null }).customers(), ["a"]);
  // rename maps a key to a part, as for CSV headers.
  const renamed = EventLog.fromColumns({ user: ["u"], when: [T2], touchpoint: ["x"] }, { rename: { user: "customer_id", when: "timestamp" } });
  assert.equal(renamed.journey("u")[0].timestamp, "2026-01-02T00:00:00Z");
  assert.throws(
    () => EventLog.fromColumns({ user: ["u"], timestamp: [T1], touchpoint: ["x"] }),
    (e) => e.code === "missing_column" && e.message === 'missing required column "customer_id"; columns found: user, timestamp, touchpoint',
  );
});

test("fromColumns: dictionary codes are whole numbers; 1.5 is not code 1", () => {
  const cols = (codes) => ({ customerId: ["a", "b"], timestamp: [0, 0], touchpoint: { values: ["x", "y"], codes } });
  const bad = (codes, row, value) =>
    assert.throws(
      () => EventLog.fromColumns(cols(codes)),
      (e) => e.code === "invalid_value" && e.row === row && e.column === "touchpoint" && e.value === value && /whole number/.test(e.expected),
      JSON.stringify([...codes]),
    );
  bad([0, 1.5], 2, "1.5");
  bad(new Float32Array([0.5, 1]), 1, "0.5");
  bad(new Float64Array([0, Infinity]), 2, "Infinity");
  // Codes as text would be read with Number(): refused.
  bad(["0", 1], 1, "0");
  // The same in a property column names the property.
  assert.throws(
    () => EventLog.fromColumns({ customerId: ["a"], timestamp: [0], touchpoint: ["x"], properties: { plan: { values: ["pro"], codes: [0.25] } } }),
    (e) => e.code === "invalid_value" && e.row === 1 && e.column === "plan",
  );
  // Whole codes, negative and NaN ones (missing) are fine: b's touchpoint is y.
  assert.equal(EventLog.fromColumns(cols(new Float64Array([0, 1]))).journey("b")[0].touchpoint, "y");
  const plan = EventLog.fromColumns({ customerId: ["a", "b"], timestamp: [0, 0], touchpoint: ["x", "x"], properties: { plan: { values: ["pro"], codes: [0, -1] } } });
  assert.deepEqual([plan.journey("a")[0].plan, plan.journey("b")[0].plan], ["pro", null]);
});

test("fromColumns: a timestamp array of text and numbers is an error at the first odd row", () => {
  const at = (timestamp) => {
    const n = timestamp.length;
    return () => EventLog.fromColumns({ customerId: Array(n).fill("a"), timestamp, touchpoint: Array(n).fill("x") });
  };
  // "12" after numbers used to be read as 12 ms.
  assert.throws(at([T1, "12"]), (e) => e.code === "invalid_value" && e.row === 2 && e.column === "timestamp" && e.value === "12" && e.expected === "a number or a Date like row 1 (one column cannot mix text and numbers)");
  // A number after text (the first present entry is text; nulls are skipped).
  assert.throws(at([null, "2026-01-01T00:00:00Z", 12]), (e) => e.row === 3 && e.value === "12" && e.expected === "text like row 2 (one column cannot mix text and numbers)");
  // A Date is a number here.
  assert.throws(at([new Date(T1), "2026-01-01T00:00:00Z"]), (e) => e.row === 2 && e.value === "2026-01-01T00:00:00Z");
  // Neither a number, a Date nor text: refused, not read as 1 or NaN.
  assert.throws(at([T1, true]), (e) => e.code === "invalid_value" && e.row === 2 && e.value === "true");
  assert.throws(at([T1, T2, { t: 1 }]), (e) => e.row === 3 && e.value === '{"t":1}');
  assert.throws(at([1n]), (e) => e.row === 1 && e.value === "1n");
  // One kind per column is fine.
  assert.equal(EventLog.fromColumns({ customerId: ["a", "a"], timestamp: [T1, new Date(T2)], touchpoint: ["x", "y"] }).journey("a")[1].timestamp, "2026-01-02T00:00:00Z");
});

// The shared vectors' logs, rebuilt from columns, equal the CSV reader's logs.
for (const path of vectorFiles()) {
  const c = readCase(path);
  if (!("events_csv" in c) || c.expected_error) continue;
  test(`fromColumns equals fromCsv on ${path.split("vectors/")[1]}`, () => {
    const load = c.load?.conversions ? { conversions: c.load.conversions } : {};
    let log;
    try {
      log = EventLog.fromCsv(c.events_csv, { ...load, mode: "lenient" });
    } catch {
      return; // a vector about load options this test does not pass on
    }
    // The log's own order as the sequence: a log need not be in content order (a vector may
    // give its ties an order with a sequence column, which the log does not keep).
    const cols = { customerId: [], timestamp: [], touchpoint: [], channel: [], stage: [], value: [], sequence: [], properties: {} };
    for (const p of log.properties()) cols.properties[p] = [];
    for (const id of log.customers()) {
      for (const e of log.journey(id)) {
        cols.customerId.push(id);
        cols.timestamp.push(Date.parse(e.timestamp));
        cols.touchpoint.push(e.touchpoint);
        cols.channel.push(e.channel === "unknown" ? null : e.channel);
        cols.stage.push(e.stage);
        cols.value.push(e.value);
        cols.sequence.push(cols.sequence.length);
        for (const p of log.properties()) cols.properties[p].push(e[p]);
      }
    }
    // Whole-millisecond timestamps only: Date.parse drops microseconds.
    if (log.customers().some((id) => log.journey(id).some((e) => /\.\d{4,}/.test(e.timestamp)))) return;
    const again = EventLog.fromColumns({ ...cols, timestamp: new Float64Array(cols.timestamp) }, load);
    assert.equal(again.toCsv(), log.toCsv());
    assert.deepEqual(again.summary(), log.summary());
  });
}

test("fromColumns: text values are read as CSV reads them, with the same errors", () => {
  const csv =
    "customer_id,timestamp,touchpoint,value\n" +
    "a,2026-01-01T00:00:00Z,ad,\n" +
    "a,2026-01-01T00:05:00Z,purchase, 12.50 \n" +
    "b,2026-01-02T00:00:00Z,purchase,-3e1\n";
  const fromCsv = EventLog.fromCsv(csv);
  const cols = (value) => ({
    customerId: ["a", "a", "b"],
    timestamp: ["2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z", "2026-01-02T00:00:00Z"],
    touchpoint: ["ad", "purchase", "purchase"],
    value,
  });
  const log = EventLog.fromColumns(cols(["", " 12.50 ", "-3e1"]));
  assert.equal(log.toCsv(), fromCsv.toCsv());
  assert.equal(log.summary().revenue, -17.5);
  assert.equal(EventLog.fromColumns(cols([null, "12.5", undefined])).summary().revenue, 12.5);
  const dict = EventLog.fromColumns(cols({ values: ["", "12.5"], codes: [0, 1, 1] }));
  assert.equal(dict.summary().revenue, 25);
  // The CSV reader's error, at the row instead of the line.
  assert.throws(() => EventLog.fromCsv(csv.replace("-3e1", "1x")), (e) => e.line === 4 && e.column === "value" && e.expected === "a decimal number (or blank for none)");
  assert.throws(
    () => EventLog.fromColumns(cols(["", "12.5", "inf"])),
    (e) => e.code === "invalid_value" && e.row === 3 && e.column === "value" && e.value === "inf" && e.expected === "a decimal number (or blank for none)",
  );
});
