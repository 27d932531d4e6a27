// Shared helpers of the node test suites: load the Node build and the shared vectors.
import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const journey = require(join(here, "..", "pkg", "node", "journey_wasm.js"));
export const vectorsDir = join(here, "..", "..", "journey-core", "tests", "vectors");

export function vectorFiles(dir = vectorsDir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...vectorFiles(p));
    else if (name.endsWith(".json")) out.push(p);
  }
  return out;
}

export function readCase(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** snake_case -> camelCase, for option keys. */
export function camel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** Every key of `expected` is in `actual` with an equal value (numbers within 1e-9). */
export function assertSubset(expected, actual, path = "$") {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === "object", `${path}: ${JSON.stringify(actual)}`);
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(k in actual, `${path}.${k} missing in ${JSON.stringify(actual)}`);
      assertSubset(v, actual[k], `${path}.${k}`);
    }
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: ${JSON.stringify(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertSubset(e, actual[i], `${path}[${i}]`));
  } else if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: ${JSON.stringify(actual)}`);
    const tol = 1e-9 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(expected - actual) <= tol, `${path}: expected ${expected}, got ${actual}`);
  } else {
    assert.deepEqual(actual, expected, path);
  }
}
