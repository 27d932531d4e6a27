// The web app (examples/web) in headless Chromium: served from 127.0.0.1 by python's
// http.server, a small CSV uploaded through the file input, the map and the funnel checked, a
// broken CSV rejected with its line number, the page kept responsive while a large file loads.
//
//   node --test journey-wasm/tests/browser/           (after journey-wasm/build.sh)
//
// Environment: JOURNEY_CHROMIUM (default /usr/bin/chromium; without it the tests fail unless
// JOURNEY_SKIP_BROWSER=1); JOURNEY_BROWSER_EVENTS (events in the responsiveness check, default
// 200000); JOURNEY_SCREENSHOT=<path.png> also saves a screenshot of the app on the sample data
// (docs/img/web-app.png is made this way).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM, browserSkip } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);
const skip = browserSkip("the web app in Chromium", [
  [join(root, "journey-wasm", "pkg", "web", "journey_wasm.js"), "build the package first: bash journey-wasm/build.sh"],
]);

// c1: ad -> product_page -> purchase (30); c2: ad -> product_page; c3: ad; c4: email -> purchase (20).
// The funnel the page proposes is c1's journey: ad -> product_page -> purchase, reached by
// 3 (c1, c2, c3), 2 (c1, c2) and 1 (c1) customers.
const GOOD = `customer_id,timestamp,touchpoint,channel,value
c1,2026-01-05T10:00:00Z,ad,social,
c1,2026-01-05T10:05:00Z,product_page,web,
c1,2026-01-05T10:10:00Z,purchase,web,30
c2,2026-01-06T09:00:00Z,ad,social,
c2,2026-01-06T09:03:00Z,product_page,web,
c3,2026-01-07T12:00:00Z,ad,social,
c4,2026-01-08T08:00:00Z,email,email,
c4,2026-01-08T08:30:00Z,purchase,web,20
`;
const BROKEN = `customer_id,timestamp,touchpoint
a,2026-01-05T10:00:00Z,ad
b,not-a-time,ad
c,2026-01-05T11:00:00Z,ad
`;

let server;
let base;
let browser;
let page;
const problems = [];
const scratch = mkdtempSync(join(tmpdir(), "journey-browser-"));

/** Starts python's http.server at the repository root on a free loopback port. */
function serve() {
  return new Promise((resolve, reject) => {
    const p = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`http.server did not start: ${out}`)), 15_000);
    p.stdout.on("data", (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ process: p, port: Number(m[1]) });
      }
    });
    p.stderr.on("data", () => {}); // request log
    p.on("exit", (code) => reject(new Error(`http.server exited with ${code}: ${out}`)));
  });
}

async function upload(name, text) {
  await page.setInputFiles("#events-file", { name, mimeType: "text/csv", buffer: Buffer.from(text) });
}

async function waitState(state, timeout = 60_000) {
  await page.waitForSelector(`body[data-state="${state}"]`, { timeout });
}

async function cellTexts(selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));
}

before(async () => {
  if (skip) return;
  server = await serve();
  base = `http://127.0.0.1:${server.port}`;
  const { chromium } = require("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"], timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  await page.goto(`${base}/examples/web/`);
  await waitState("ready");
});

after(async () => {
  await browser?.close();
  server?.process.kill();
  rmSync(scratch, { recursive: true, force: true });
});

test("a small CSV through the file input: load report, map SVG, funnel counts, attribution", { skip, timeout: 120_000 }, async () => {
  await upload("events.csv", GOOD);
  await waitState("loaded");
  assert.equal(await page.isHidden("#error"), true);
  const report = await page.textContent("#report");
  assert.match(report, /rows read\s*8/);
  assert.match(report, /customers\s*4/);
  assert.match(report, /revenue\s*50/);

  // The map: an SVG document drawn by journey.
  const map = await page.$("#map > svg");
  assert.ok(map, "the map SVG is on the page");
  const mapText = await map.textContent();
  assert.ok(mapText.length > 50, mapText);
  // The map is made from the data (not the example map the page falls back to).
  assert.equal(await page.isHidden("#map-note"), true, "the map is from the data");
  for (const tp of ["ad", "product_page"]) assert.ok(mapText.includes(tp), `map shows ${tp}`);

  // The funnel the page proposes: counts 3, 2, 1.
  assert.equal(await page.getAttribute("#funnel", "data-unavailable"), null);
  assert.ok(await page.$("#funnel svg"), "funnel chart");
  assert.deepEqual(await cellTexts("#funnel td.count"), ["3", "2", "1"]);
  assert.match(await page.textContent("#funnel svg"), /product_page/);

  // Attribution, last touch by hand: c1's path social -> web credits web, c4's email credits email.
  await page.selectOption("#attribution-model", "last_touch");
  await page.waitForFunction(() => document.querySelector("#attribution svg")?.textContent.includes("last touch"));
  const rows = await page.$$eval("#attribution tbody tr", (trs) => trs.map((tr) => [...tr.cells].slice(0, 2).map((c) => c.textContent)));
  assert.deepEqual(rows, [["email", "1"], ["social", "0"], ["web", "1"]]);
});

test("a broken CSV shows the error with its line number, and can be loaded leniently", { skip, timeout: 120_000 }, async () => {
  await upload("broken.csv", BROKEN);
  await waitState("error");
  const error = page.locator("#error");
  await error.waitFor({ state: "visible" });
  const text = await error.textContent();
  assert.match(text, /Line 3/);
  assert.match(text, /timestamp/);
  assert.match(text, /not-a-time/);
  assert.equal(await error.getAttribute("data-line"), "3");
  assert.equal(await error.getAttribute("data-code"), "invalid_value");

  await page.click("#error button");
  await waitState("loaded");
  assert.equal(await page.isHidden("#error"), true);
  assert.match(await page.textContent("#report"), /rows skipped\s*1/);
  assert.match(await page.textContent("#report-errors"), /line 3/);
});

test("the page stays responsive while a large CSV loads in the worker", { skip, timeout: 300_000 }, async () => {
  const { synthetic } = require(join(root, "journey-wasm", "pkg", "node", "journey_wasm.js"));
  const events = Number(process.env.JOURNEY_BROWSER_EVENTS || 200_000);
  const [probe] = synthetic({ customers: 2000, seed: 7 });
  const [log] = synthetic({ customers: Math.ceil((events / probe.nEvents) * 2000), seed: 7 });
  const file = join(scratch, "large.csv");
  writeFileSync(file, log.toCsv());
  // Longest pause of the page's event loop, measured by a 20 ms timer.
  await page.evaluate(() => {
    window.__gap = 0;
    let last = performance.now();
    window.__timer = setInterval(() => {
      const now = performance.now();
      window.__gap = Math.max(window.__gap, now - last);
      last = now;
    }, 20);
  });
  const t = Date.now();
  await page.setInputFiles("#events-file", file);
  await waitState("busy", 10_000).catch(() => {});
  await waitState("loaded", 240_000);
  const seconds = (Date.now() - t) / 1000;
  const gap = await page.evaluate(() => (clearInterval(window.__timer), window.__gap));
  assert.match(await page.textContent("#status"), new RegExp(`Loaded ${log.nEvents.toLocaleString("en")} events`));
  console.log(`${log.nEvents} events: loaded and analysed in ${seconds.toFixed(1)} s, longest main-thread pause ${gap.toFixed(0)} ms`);
  assert.ok(gap < 1000, `the page froze for ${gap.toFixed(0)} ms`);
});

test("sample data lights up every panel (and the screenshot)", { skip, timeout: 120_000 }, async () => {
  await page.click("#sample");
  await waitState("loaded");
  assert.match(await page.textContent("#status"), /5,000 customers/);
  assert.ok(await page.$("#map > svg"));
  assert.ok(await page.$("#attribution svg"));
  for (const id of ["funnel", "retention", "satisfaction"]) {
    assert.equal(await page.getAttribute(`#${id}`, "data-unavailable"), null, `${id} available`);
    assert.ok(await page.$(`#${id} svg`), `${id} chart`);
  }
  // Downloads: the map as SVG, the results as JSON.
  const [svgDownload] = await Promise.all([page.waitForEvent("download"), page.click("#download-svg")]);
  assert.equal(svgDownload.suggestedFilename(), "journey-map.svg");
  const svgPath = join(scratch, "map.svg");
  await svgDownload.saveAs(svgPath);
  const [jsonDownload] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
  const jsonPath = join(scratch, "results.json");
  await jsonDownload.saveAs(jsonPath);
  const results = JSON.parse(require("node:fs").readFileSync(jsonPath, "utf8"));
  assert.equal(results.summary.n_customers, 5000);
  assert.ok(results.attribution.result.rows.length > 0);
  assert.match(require("node:fs").readFileSync(svgPath, "utf8"), /^<svg/);

  if (process.env.JOURNEY_SCREENSHOT) {
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await page.locator("#map-panel").boundingBox();
    await page.screenshot({ path: process.env.JOURNEY_SCREENSHOT, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box.y + box.height + 16) } });
    console.log(`screenshot saved to ${process.env.JOURNEY_SCREENSHOT}`);
  }
  assert.deepEqual(problems, []);
});
