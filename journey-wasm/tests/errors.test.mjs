// Every error the package throws is an instance of its exported JourneyError class: a real
// Error whose name, message and fields (code, line, row, column, value, expected) say what went
// wrong and where.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, JourneyError, nps } = journey;

/** The error `f` throws. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

test("a bad CSV cell: a JourneyError with code, line, column, value and expected", () => {
  const e = thrown(() => EventLog.fromCsv("customer_id,timestamp,touchpoint,value\na,2026-01-01T00:00:00Z,ad,\nb,1,ad,lots\n"));
  assert.ok(e instanceof JourneyError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "JourneyError");
  // The message is the core error's text, as before the class existed.
  assert.equal(e.message, 'invalid value "lots" at line 3, column value: a decimal number (or blank for none)');
  assert.deepEqual(
    { code: e.code, line: e.line, row: e.row, column: e.column, value: e.value, expected: e.expected },
    { code: "invalid_value", line: 3, row: undefined, column: "value", value: "lots", expected: "a decimal number (or blank for none)" },
  );
  assert.match(String(e), /^JourneyError: invalid value "lots"/);
  assert.match(e.stack, /^JourneyError: invalid value/);
});

test("a bad cell of columns names the row instead of a line", () => {
  const e = thrown(() => EventLog.fromColumns({ customerId: ["a", ""], timestamp: [0, 0], touchpoint: ["x", "y"] }));
  assert.ok(e instanceof JourneyError);
  assert.deepEqual(
    { code: e.code, line: e.line, row: e.row, column: e.column, value: e.value },
    { code: "invalid_value", line: undefined, row: 2, column: "customer_id", value: "" },
  );
  assert.equal(typeof e.expected, "string");
  assert.ok(e.message.startsWith('invalid customer_id "" at row 2, column customer_id: '), e.message);
});

test("errors without a cell carry only what they know", () => {
  const missing = thrown(() => EventLog.fromCsv("customer_id,touchpoint\na,ad\n"));
  assert.ok(missing instanceof JourneyError);
  assert.equal(missing.message, 'missing required column "timestamp"; columns found: customer_id, touchpoint');
  assert.deepEqual(Object.keys(missing).sort(), ["code", "column"]);
  assert.equal(missing.code, "missing_column");

  const malformed = thrown(() => EventLog.fromCsv("customer_id,timestamp,touchpoint\na,1\n"));
  assert.ok(malformed instanceof JourneyError);
  assert.equal(malformed.message, "malformed row at line 2: expected 3 fields, found 2");
  assert.deepEqual(Object.keys(malformed).sort(), ["code", "line"]);

  const arg = thrown(() => nps([11]));
  assert.ok(arg instanceof JourneyError);
  assert.equal(arg.message, "invalid argument scores: score 11 at position 0: expected an integer from 0 to 10");
  assert.deepEqual(Object.keys(arg), ["code"]);
  assert.equal(arg.code, "invalid_argument");
});

test("a rejected fromFile promise holds a JourneyError too", async () => {
  await assert.rejects(EventLog.fromFile(new Blob(["customer_id,timestamp,touchpoint\na,soon,ad\n"])), (e) => {
    assert.ok(e instanceof JourneyError);
    assert.deepEqual([e.code, e.line, e.column, e.value], ["invalid_value", 2, "timestamp", "soon"]);
    return true;
  });
});

test("JourneyError can be made by hand, as the declarations say", () => {
  const e = new JourneyError("no data", { code: "invalid_argument" });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "JourneyError");
  assert.equal(e.message, "no data");
  assert.equal(e.code, "invalid_argument");
  assert.equal(e.line, undefined);
});
