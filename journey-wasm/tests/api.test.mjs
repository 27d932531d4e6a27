// The whole API is tested and typed:
// - every exported function, static, method and getter is called by the other suites (they run
//   here once more in a child process that records each call into the package);
// - the published TypeScript declarations type every result (no `any`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiNames, journey } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));

test("the API list is what the package exports", () => {
  const names = apiNames();
  for (const n of ["EventLog.fromCsv", "EventLog.fromColumns", "EventLog.fromFile", "EventLog#nEvents", "JourneyMap#toSvg", "JourneyMap#name", "PathTable#length", "funnelChartSvg", "synthetic"]) {
    assert.ok(names.includes(n), n);
  }
  // Plumbing is not API: wasm-bindgen's own members and what every function has.
  for (const n of ["EventLog#free", "EventLog#constructor", "EventLog.__wrap", "EventLog.name", "EventLog.length", "Surveys.__unwrap"]) {
    assert.ok(!names.includes(n), n);
  }
  // The error class is exported, and thrown rather than called.
  assert.equal(typeof journey.JourneyError, "function");
  assert.ok(!names.includes("JourneyError"));
});

test("every exported function, method and getter is called by a test", { skip: process.env.JOURNEY_API_CALLS ? "inside the recording run" : false, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "journey-api-"));
  try {
    const files = readdirSync(here)
      .filter((f) => f.endsWith(".test.mjs") && f !== "api.test.mjs")
      .sort()
      .map((f) => join(here, f));
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead.
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const run = spawnSync(process.execPath, ["--test", ...files], {
      env: { ...env, JOURNEY_API_CALLS: dir },
      encoding: "utf8",
      timeout: 280_000,
    });
    assert.equal(run.status, 0, `the recording run failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    const called = new Set();
    for (const f of readdirSync(dir)) for (const n of JSON.parse(readFileSync(join(dir, f), "utf8"))) called.add(n);
    const missing = apiNames().filter((n) => !called.has(n));
    assert.deepEqual(missing, [], `not called by any test: ${missing.join(", ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The public part of a declaration file: wasm-bindgen's init plumbing (web build) cut off. */
function publicDeclarations(path) {
  const text = readFileSync(path, "utf8");
  const cut = text.indexOf("export type InitInput");
  return cut < 0 ? text : text.slice(0, cut);
}

for (const build of ["node", "web"]) {
  test(`${build} build: the declarations never say any`, () => {
    const d = publicDeclarations(join(here, "..", "pkg", build, "journey_wasm.d.ts"));
    // Comments and string literal types (the funnel mode "any") are not the type `any`.
    const code = (l) => l.replace(/\/\*.*?\*\/|\/\/.*$|^\s*\*.*$/g, "").replace(/"[^"]*"/g, '""');
    const lines = d.split("\n").filter((l) => /\bany\b/.test(code(l)));
    assert.deepEqual(lines, []);
    assert.ok(d.includes("export class EventLog"));
  });
}
