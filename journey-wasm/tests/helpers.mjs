// Shared helpers of the node test suites: load the Node build and the shared vectors.
import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const journey = require(join(here, "..", "pkg", "node", "journey_wasm.js"));

// Not API: what every function has (statics), and wasm-bindgen's plumbing (statics and methods).
const STATIC_PLUMBING = new Set(["length", "name", "prototype", "arguments", "caller", "__wrap", "__unwrap"]);
const PROTO_PLUMBING = new Set(["constructor", "free", "__destroy_into_raw"]);

/** Error classes the package exports (JourneyError): thrown by it, never called by users. */
export function isErrorClass(value) {
  return typeof value === "function" && value.prototype instanceof Error;
}

/**
 * Every public name of the package: `fn` for functions, `Class` for constructors,
 * `Class.static` and `Class#member` (methods and getters), sorted. Error classes are left out.
 */
export function apiNames(mod = journey) {
  const names = [];
  for (const [key, value] of Object.entries(mod)) {
    if (typeof value !== "function" || isErrorClass(value)) continue;
    if (!("free" in (value.prototype ?? {}))) {
      names.push(key); // a plain function
      continue;
    }
    names.push(key);
    for (const s of Object.getOwnPropertyNames(value)) if (!STATIC_PLUMBING.has(s)) names.push(`${key}.${s}`);
    // Getters too: `JourneyMap#name`, `PathTable#length`.
    for (const p of Object.getOwnPropertyNames(value.prototype)) if (!PROTO_PLUMBING.has(p)) names.push(`${key}#${p}`);
  }
  return names.sort();
}

// With JOURNEY_API_CALLS=<dir>, every call into the package is recorded and written to
// <dir>/<pid>.json when the process exits (see api.test.mjs).
if (process.env.JOURNEY_API_CALLS) {
  const called = new Set();
  const wrap = (fn, name) =>
    function (...args) {
      called.add(name);
      return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
    };
  for (const name of apiNames()) {
    const m = /^(\w+)([.#])(\w+)$/.exec(name);
    if (!m) {
      const value = journey[name];
      if (!("free" in (value.prototype ?? {}))) journey[name] = wrap(value, name);
      continue;
    }
    const [, cls, kind, member] = m;
    const target = kind === "." ? journey[cls] : journey[cls].prototype;
    const d = Object.getOwnPropertyDescriptor(target, member);
    if (d.get) {
      Object.defineProperty(target, member, { ...d, get: wrap(d.get, name) });
    } else if (typeof d.value === "function") {
      Object.defineProperty(target, member, { ...d, value: wrap(d.value, name) });
    }
  }
  // Constructors: a class counts as used when any of its objects is made or used.
  const { writeFileSync } = require("node:fs");
  process.on("exit", () => {
    for (const n of [...called]) called.add(n.split(/[.#]/)[0]);
    writeFileSync(join(process.env.JOURNEY_API_CALLS, `${process.pid}.json`), JSON.stringify([...called]));
  });
}
export const vectorsDir = join(here, "..", "..", "journey-core", "tests", "vectors");

/** A data set of journey-core/tests/fixtures, checked by hand in the Python and JS tests. */
export function fixture(name) {
  return readFileSync(join(here, "..", "..", "journey-core", "tests", "fixtures", name), "utf8");
}

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
