// The npm package as users get it: resolved by name through its `exports` map, from CommonJS and
// ES modules, and the browser (web) build running in Node through initSync.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..", "pkg");
const manifest = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const CSV = "customer_id,timestamp,touchpoint,value\na,1,ad,\na,2,purchase,10\n";

test("package.json: name, version, types, and every exports target exists", () => {
  assert.equal(manifest.name, "journey-wasm");
  assert.match(manifest.version, /^\d+\.\d+\.\d+/);
  assert.ok(existsSync(join(pkg, manifest.types)));
  assert.ok(existsSync(join(pkg, manifest.main)));
  const targets = [];
  const walk = (v) => (typeof v === "string" ? targets.push(v) : Object.values(v).forEach(walk));
  walk(manifest.exports);
  for (const t of targets) assert.ok(existsSync(join(pkg, t)), t);
  for (const f of ["node/journey_wasm_bg.wasm", "web/journey_wasm_bg.wasm", "README.md"]) assert.ok(existsSync(join(pkg, f)), f);
});

// A scratch project with node_modules/journey-wasm -> pkg.
const project = mkdtempSync(join(tmpdir(), "journey-pkg-"));
mkdirSync(join(project, "node_modules"));
symlinkSync(pkg, join(project, "node_modules", "journey-wasm"), "dir");
test.after(() => rmSync(project, { recursive: true, force: true }));

test("require('journey-wasm') gives the Node build", () => {
  const req = createRequire(join(project, "index.js"));
  const { EventLog, JourneyError } = req("journey-wasm");
  assert.equal(EventLog.fromCsv(CSV).summary().revenue, 10);
  assert.throws(() => EventLog.fromCsv("customer_id,timestamp,touchpoint\na,x,ad\n"), (e) => e instanceof JourneyError && e.line === 2);
  assert.equal(req.resolve("journey-wasm"), req.resolve("journey-wasm/node"));
});

test("import 'journey-wasm' works from an ES module", async () => {
  const file = join(project, "main.mjs");
  writeFileSync(file, "export { EventLog, synthetic } from 'journey-wasm';\n");
  const { EventLog, synthetic } = await import(pathToFileURL(file));
  assert.equal(EventLog.fromCsv(CSV).nEvents, 2);
  assert.equal(synthetic({ customers: 3 })[0].nCustomers, 3);
});

test("the web build (what browsers load) gives the same answers", async () => {
  const file = join(project, "web.mjs");
  writeFileSync(file, "export * from 'journey-wasm/web';\n");
  const web = await import(pathToFileURL(file));
  web.initSync({ module: readFileSync(join(pkg, "web", "journey_wasm_bg.wasm")) });
  const log = web.EventLog.fromCsv(CSV);
  assert.equal(log.summary().revenue, 10);
  assert.throws(() => web.EventLog.fromCsv("customer_id,timestamp,touchpoint\na,x,ad\n"), (e) => e instanceof web.JourneyError && e.name === "JourneyError" && e.line === 2 && e.value === "x");
  assert.match(web.funnelChartSvg({ steps: [{ label: "a", count: 1 }] }), /^<svg/);
});
