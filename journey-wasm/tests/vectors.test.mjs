// The shared test vectors (journey-core/tests/vectors), run against the JavaScript API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { basename, dirname } from "node:path";
import { journey, vectorFiles, readCase, camel, assertSubset } from "./helpers.mjs";

function describe(log) {
  const journeys = {};
  for (const c of log.customers()) {
    journeys[c] = log.journey(c).map((e) => [e.timestamp, e.touchpoint, e.channel]);
  }
  return {
    n_events: log.nEvents,
    n_customers: log.nCustomers,
    touchpoints: log.touchpoints(),
    channels: log.channels(),
    report: log.loadReport,
    journeys,
  };
}

function describeSurveys(s) {
  return {
    n_responses: s.nResponses,
    n_customers: s.nCustomers,
    touchpoints: s.touchpoints(),
    report: s.loadReport,
  };
}

function camelKeys(obj) {
  return Object.fromEntries(Object.entries(obj ?? {}).map(([k, v]) => [camel(k), v]));
}

function run(c) {
  const load = camelKeys(c.load);
  const log = "events_csv" in c ? journey.EventLog.fromCsv(c.events_csv, load) : undefined;
  const surveys =
    "surveys_csv" in c ? journey.Surveys.fromCsv(c.surveys_csv, load.mode ? { mode: load.mode } : undefined) : undefined;
  if (c.call === "describe") return describe(log);
  if (c.call === "describe_surveys") return describeSurveys(surveys);
  const table = "path_table_csv" in c ? journey.PathTable.fromCsv(c.path_table_csv) : undefined;
  const args0 = c.args ?? {};
  if (["nps", "csat", "ces"].includes(c.call) && "scores" in args0) return journey[c.call](args0.scores);
  if (c.call === "nps_diff") return journey.npsDiff(args0.a, args0.b);
  if (["nps", "csat", "ces"].includes(c.call)) return (log ? surveys.withLog(log) : surveys)[c.call](camelKeys(args0));
  const target = table ?? log ?? surveys;
  const method = camel(c.call);
  assert.equal(typeof target[method], "function", `no method ${method}`);
  const args = { ...(c.args ?? {}) };
  // Positional arguments come first, as in the documented JS signatures.
  const positional = [];
  // (conversionDrivers and compare take their funnel steps as an option).
  for (const key of ["conversion_drivers", "compare"].includes(c.call) ? [] : ["steps", "scores"]) {
    if (key in args) {
      positional.push(args[key]);
      delete args[key];
    }
  }
  // compare takes the survey responses after its options.
  const extra = c.call === "compare" && surveys ? [surveys] : [];
  const result = target[method](...positional, camelKeys(args), ...extra);
  return typeof result?.toObject === "function" ? result.toObject() : result;
}

for (const path of vectorFiles()) {
  const c = readCase(path);
  test(`${basename(dirname(path))}/${basename(path, ".json")}`, () => {
    if (c.expected_error) {
      const exp = c.expected_error;
      assert.throws(
        () => run(c),
        (err) => {
          assert.ok(err instanceof Error, "a real Error");
          assert.equal(err.name, "JourneyError");
          assert.equal(err.code, exp.code, err.message);
          if ("line" in exp) assert.equal(err.line, exp.line, err.message);
          if ("column" in exp) assert.equal(err.column, exp.column, err.message);
          if ("message_contains" in exp) assert.ok(err.message.includes(exp.message_contains), err.message);
          return true;
        },
      );
    } else {
      assertSubset(c.expected, run(c));
    }
  });
}

test("there are vectors", () => {
  assert.ok(vectorFiles().length >= 10);
});
