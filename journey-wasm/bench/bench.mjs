// The WebAssembly benchmark: CSV text of ~1M synthetic events -> EventLog -> funnel +
// attribution + map, in Node, against the same pipeline run natively (examples/pipeline.rs).
//
//   bash journey-wasm/build.sh                      # release build of the package
//   cargo build --release -p journey-examples       # the native pipeline, for the comparison
//   node journey-wasm/bench/bench.mjs [events.csv]
//
// The CSV (default bench-data/wasm-1M.csv) is generated from the synthetic data (seed 42, enough
// customers for a million events) when missing. Each step is the best of three runs. Steps whose
// method this build does not have yet (funnel, map from data) are reported as missing, not timed.
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
const { EventLog, JourneyMap, synthetic } = require(join(root, "journey-wasm", "pkg", "node", "journey_wasm.js"));

const path = process.argv[2] ?? join(root, "bench-data", "wasm-1M.csv");
if (!existsSync(path)) {
  // Enough customers for at least a million events.
  mkdirSync(dirname(path), { recursive: true });
  const [probe] = synthetic({ customers: 10_000, seed: 42 });
  const customers = Math.ceil((1_000_000 / probe.nEvents) * 10_000 * 1.01);
  probe.free();
  const [log] = synthetic({ customers, seed: 42 });
  writeFileSync(path, log.toCsv());
  console.log(`wrote ${path}: ${log.nEvents} events of ${customers} customers`);
  log.free();
}
const text = readFileSync(path, "utf8");

function best(runs, f) {
  let time = Infinity;
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = f();
    time = Math.min(time, (performance.now() - t) / 1000);
    if (out !== undefined && out !== r && typeof out?.free === "function") out.free();
    out = r;
  }
  return [time, out];
}

const steps = {};
const [load, log] = best(3, () => EventLog.fromCsv(text));
steps.load_s = load;
const FUNNEL = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"];
steps.funnel_s = typeof log.funnel === "function" ? best(3, () => log.funnel(FUNNEL))[0] : null;
steps.attribution_s = best(3, () => log.attribution())[0];
steps.map_s = typeof JourneyMap.fromData === "function" ? best(3, () => JourneyMap.fromData(log).toSvg())[0] : null;
const total = Object.values(steps).reduce((s, x) => s + (x ?? 0), 0);

const wasm = {
  file: path,
  mb: Buffer.byteLength(text) / 1e6,
  events: log.nEvents,
  customers: log.nCustomers,
  ...steps,
  total_s: total,
  missing: [steps.funnel_s === null && "EventLog.funnel", steps.map_s === null && "JourneyMap.fromData"].filter(Boolean),
  node: process.version,
};
console.log("wasm  ", JSON.stringify(wasm));

// The native pipeline on the same file, with all cores and with one.
const native = join(root, "target", "release", process.platform === "win32" ? "pipeline.exe" : "pipeline");
if (existsSync(native)) {
  for (const threads of [null, "1"]) {
    const env = { ...process.env };
    if (threads) env.RAYON_NUM_THREADS = threads;
    else delete env.RAYON_NUM_THREADS;
    const run = spawnSync(native, [path], { env, encoding: "utf8" });
    if (run.status !== 0) {
      console.log(`native pipeline failed: ${run.stderr}`);
      continue;
    }
    const n = JSON.parse(run.stdout);
    // Compare the steps both sides ran.
    const both = ["load_s", "funnel_s", "attribution_s", "map_s"].filter((k) => steps[k] !== null && n[k] !== undefined);
    const nativeTotal = both.reduce((s, k) => s + n[k], 0);
    const wasmTotal = both.reduce((s, k) => s + steps[k], 0);
    console.log(`native`, JSON.stringify(n));
    console.log(
      `ratio (${both.map((k) => k.slice(0, -2)).join(" + ")}, ${n.threads} native thread${n.threads === 1 ? "" : "s"}): wasm ${wasmTotal.toFixed(3)} s / native ${nativeTotal.toFixed(3)} s = ${(wasmTotal / nativeTotal).toFixed(2)}x` +
        ` (${both.map((k) => `${k.slice(0, -2)} ${(steps[k] / n[k]).toFixed(2)}x`).join(", ")})`,
    );
  }
} else {
  console.log(`no native pipeline at ${native}: cargo build --release -p journey-examples`);
}
