// Hostile and careless input (issue 16): every reproducer of the review is a JourneyError with
// a code, or a correct result; nothing crashes the module, hangs or loses data silently.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, JourneyError, JourneyMap, PathTable, Surveys } = journey;

/** The error `f` throws, checked to be a JourneyError with `code`. */
function journeyError(f, code) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof JourneyError, `expected a JourneyError, got ${e?.name}: ${e?.message}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail("expected an error");
}

const CSV = "customer_id,timestamp,touchpoint\na,1,ad\na,2,purchase\nb,3,ad\n";

test("a non-string where a string is expected is invalid_argument, and the module lives on", () => {
  const log = EventLog.fromCsv(CSV);
  for (const bad of [5, null, undefined, {}, [], Symbol("s"), 5n]) {
    journeyError(() => log.journey(bad), "invalid_argument");
    journeyError(() => JourneyMap.fromJson(bad), "invalid_argument");
    journeyError(() => new JourneyMap(bad), "invalid_argument");
    journeyError(() => PathTable.fromCsv(bad), "invalid_argument");
    journeyError(() => EventLog.fromJson(bad), "invalid_argument");
  }
  const e = journeyError(() => log.journey(5), "invalid_argument");
  assert.match(e.message, /customerId: expected a string, got number/);
  // Still working afterwards.
  assert.equal(log.journey("a").length, 2);
  assert.equal(new JourneyMap("m").name, "m");
});

test("NaN and ±Infinity options are errors naming the option, not the defaults", () => {
  const log = EventLog.fromCsv(CSV);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const e = journeyError(() => log.funnel(["ad", "purchase"], { window: bad }), "invalid_argument");
    assert.match(e.message, /window/);
    journeyError(() => log.sessions({ gap: bad }), "invalid_argument");
    assert.match(journeyError(() => log.attribution({ model: "position_based", positionWeights: [0.4, bad, 0.4] }), "invalid_argument").message, /position_weights/);
  }
  // A finite window still works.
  assert.equal(log.funnel(["ad", "purchase"], { window: 3600 }).steps[1].customers, 1);
});

test("wrong class, freed objects and Symbol cells are JourneyErrors", () => {
  const log = EventLog.fromCsv(CSV);
  const surveys = Surveys.fromCsv("customer_id,timestamp,nps\na,1,9\n");
  journeyError(() => surveys.withLog({}), "invalid_argument");
  journeyError(() => surveys.withLog(surveys), "invalid_argument");
  const gone = EventLog.fromCsv(CSV);
  gone.free();
  const e = journeyError(() => gone.nEvents, "invalid_argument");
  assert.match(e.message, /freed|null pointer/);
  journeyError(() => gone.summary(), "invalid_argument");
  journeyError(() => surveys.withLog(gone), "invalid_argument");
  // A Symbol cell is a bad cell, at its row.
  const cell = journeyError(
    () => EventLog.fromColumns({ customerId: ["a", Symbol("a")], timestamp: [0, 1], touchpoint: ["x", "x"] }),
    "invalid_value",
  );
  assert.deepEqual([cell.row, cell.column, cell.expected], [2, "customer_id", "text, not a Symbol"]);
  journeyError(() => PathTable.fromRows([{ path: Symbol("a"), total_conversions: 1 }]), "invalid_argument");
  assert.equal(log.nEvents, 3);
});

test("CR-only line ends, unclosed quotes and data after a JSON array", () => {
  const cr = EventLog.fromCsv("customer_id,timestamp,touchpoint\ra,1,ad\rb,2,ad\r");
  assert.deepEqual(cr.customers(), ["a", "b"]);
  const e = journeyError(() => EventLog.fromCsv('customer_id,timestamp,touchpoint\na,1,"ad\nb,2,ad\n'), "malformed_row");
  assert.equal(e.line, 2);
  const row = '{"customer_id":"a","timestamp":1,"touchpoint":"x"}';
  for (const text of [`[${row}][${row}]`, `[${row}] garbage`]) {
    const j = journeyError(() => EventLog.fromJson(text), "malformed_row");
    assert.match(j.message, /unexpected data after the JSON array/);
  }
});

test("numeric customer ids: 5 and 5.0 are one customer; ids beyond 2^64 are refused", () => {
  const log = EventLog.fromJson(
    '[{"customer_id":5,"timestamp":1,"touchpoint":"x"},{"customer_id":5.0,"timestamp":2,"touchpoint":"x"}]',
  );
  assert.deepEqual(log.customers(), ["5"]);
  const e = journeyError(
    () => EventLog.fromJson('{"customer_id":123456789012345678901234567890,"timestamp":1,"touchpoint":"x"}'),
    "invalid_value",
  );
  assert.equal(e.column, "customer_id");
});

test("timestamps and values that could not be written back are refused", () => {
  for (const ts of ["0000-01-01T00:30:00+01:00", "9999-12-31T23:59:59-05:00", "253402300800", "2026-01-05T13:45:12+24:00", "2026-01-05T13:45:12+01"]) {
    const e = journeyError(() => EventLog.fromCsv(`customer_id,timestamp,touchpoint\na,${ts},ad\n`), "invalid_value");
    assert.equal(e.column, "timestamp");
  }
  const leap = EventLog.fromCsv("customer_id,timestamp,touchpoint\na,2016-12-31T23:59:60Z,ad\n");
  assert.equal(leap.journey("a")[0].timestamp, "2016-12-31T23:59:59Z");
  const e = journeyError(() => EventLog.fromCsv("customer_id,timestamp,touchpoint,value\na,1,ad,1e308\n"), "invalid_value");
  assert.equal(e.column, "value");
  // What loads, writes back as CSV that loads to the same log.
  const edge = EventLog.fromCsv("customer_id,timestamp,touchpoint\na,0000-01-01T00:00:00Z,ad\na,9999-12-31T23:59:59Z,ad\n");
  assert.equal(EventLog.fromCsv(edge.toCsv()).toCsv(), edge.toCsv());
});
