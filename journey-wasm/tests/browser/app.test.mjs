// The web app (examples/web) in headless Chromium: served from 127.0.0.1 by python's
// http.server, a small CSV uploaded through the file input, the map and the funnel checked, a
// broken CSV rejected with its line number, the page kept responsive while a large file loads,
// the sample data in every panel (the funnel trend and the conversion drivers too), a user's CSV after the sample (the sample's surveys and the
// chosen persona dropped), funnel steps edited, the JSON download with the map in it, and each
// control added for issue 17 (the funnel's as of, after drop-off and optional steps, retention
// thresholds, data-driven Shapley, order selection and sequence removal effects) against the
// package called directly.
//
//   node --test journey-wasm/tests/browser/           (after journey-wasm/build.sh)
//
// Environment: JOURNEY_CHROMIUM (default /usr/bin/chromium; without it the tests fail unless
// JOURNEY_SKIP_BROWSER=1); JOURNEY_BROWSER_EVENTS (events in the responsiveness check, default
// 200000); JOURNEY_SCREENSHOT=<path.png> also saves screenshots of the app on the sample data,
// <path.png> down to the map, <path>-panels.png the funnel and attribution panels below it and
// <path>-more.png the panels after them (docs/img/web-app.png, web-app-panels.png and
// web-app-more.png are made this way:
// JOURNEY_SCREENSHOT=docs/img/web-app.png node --test journey-wasm/tests/browser/app.test.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { browserSkip, openPage, serve } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);
/** The Node build, to compute what the page should show (loaded when a test needs it). */
const journey = () => require(join(root, "journey-wasm", "pkg", "node", "journey_wasm.js"));
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
// Survey answers for GOOD's customers: c1 and c4 rate the purchase 10 and 9, c2 the ad 3.
const ANSWERS = `customer_id,timestamp,touchpoint,nps
c1,2026-01-05T10:15:00Z,purchase,10
c4,2026-01-08T08:40:00Z,purchase,9
c2,2026-01-06T09:05:00Z,ad,3
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


async function upload(name, text) {
  await page.setInputFiles("#events-file", { name, mimeType: "text/csv", buffer: Buffer.from(text) });
}

async function waitState(state, timeout = 60_000) {
  await page.waitForSelector(`body[data-state="${state}"]`, { timeout });
}

/** Clicks "Download results (JSON)" and reads the file. */
async function downloadResults() {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-json")]);
  const path = join(scratch, `results-${Date.now()}.json`);
  await download.saveAs(path);
  return JSON.parse(readFileSync(path, "utf8"));
}

async function cellTexts(selector) {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));
}

before(async () => {
  if (skip) return;
  server = await serve(root);
  base = `http://127.0.0.1:${server.port}`;
  ({ browser, page } = await openPage(problems));
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
  for (const tp of ["ad", "product_page"]) assert.ok(mapText.includes(tp), `map shows ${tp}`);

  // The funnel the page proposes: counts 3, 2, 1.
  assert.ok(await page.$("#funnel svg"), "funnel chart");
  assert.deepEqual(await cellTexts("#funnel td.count"), ["3", "2", "1"]);
  assert.match(await page.textContent("#funnel svg"), /product_page/);
  // The funnel trend by week (the default choice): every entry is in 2026-W02, whose 14-day
  // windows are still open at the data end: one incomplete (hollow) point.
  const trend = await page.textContent("#funnel .trend svg");
  assert.match(trend, /2026-W02/);
  assert.match(trend, /windows still open/);
  // As of the data end (the default "end": c4's purchase, 2026-01-08 08:30), c2 (ad 01-06) and
  // c3 (ad 01-07) are within their 14-day windows: in progress, c3 at product_page and c2 at
  // purchase. Nobody's window has closed without buying, so each step converts 100% of those
  // who could have moved on, and the funnel 1 of 3 - 2 = 1; counting them as dropped, 1 of 3.
  const open = await page.textContent("#funnel .open p");
  assert.match(open, /As of 2026-01-08 08:30:00 UTC: 2 customers still in progress/);
  assert.match(open, /without them 100%; counting them as dropped 33\.33%/);
  assert.deepEqual(await cellTexts("#funnel .open td.in-progress"), ["0", "1", "1"]);
  // After drop-off (top 3): c3 stopped before product_page, c2 before purchase; neither did
  // anything after, so each went to "nothing" and was last seen at its last step.
  const after = await page.$$eval("#funnel .after tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(after, [["product_page", "1", "nothing 1", "ad 1"], ["purchase", "1", "nothing 1", "product_page 1"]]);

  // Conversion drivers: email (1 of 1 converts; Haldane OR 1.5 x 2.5 / (0.5 x 1.5) = 5),
  // product_page (1 of 2, as without it: OR 1), ad (1 of 3, and the one without converts:
  // OR 0.2), largest first; nothing is significant with 4 customers.
  await page.waitForFunction(() => document.querySelector("#drivers svg"));
  const drivers = await page.$$eval("#drivers tbody tr", (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[tr.cells.length - 1].textContent]));
  assert.deepEqual(drivers, [["email", "no"], ["product_page", "no"], ["ad", "no"]]);

  // Attribution, last touch by hand: c1's path social -> web credits web, c4's email credits email.
  await page.selectOption("#attribution-model", "last_touch");
  await page.waitForFunction(() => document.querySelector("#attribution svg")?.textContent.includes("Attribution (last_touch)"));
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
  const { synthetic } = journey();
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
  for (const id of ["funnel", "retention", "satisfaction", "drivers"]) assert.ok(await page.$(`#${id} svg`), `${id} chart`);
  const { synthetic, JourneyMap } = journey();
  const [sampleLog, sampleSurveys] = synthetic({ customers: 5000, seed: 42 });
  assert.equal(await page.textContent("#surveys-status"), `Survey responses: ${sampleSurveys.nResponses.toLocaleString("en")} from the sample data.`);
  assert.match(await page.textContent("#satisfaction .source"), /Responses: the sample data/);
  // Downloads: the map as SVG, the results as JSON.
  const [svgDownload] = await Promise.all([page.waitForEvent("download"), page.click("#download-svg")]);
  assert.equal(svgDownload.suggestedFilename(), "journey-map.svg");
  const svgPath = join(scratch, "map.svg");
  await svgDownload.saveAs(svgPath);
  const results = await downloadResults();
  assert.equal(results.summary.n_customers, 5000);
  assert.ok(results.attribution.result.rows.length > 0);
  // The drivers the page shows are the package's, and the funnel came with its weekly trend.
  assert.deepEqual(results.drivers, sampleLog.conversionDrivers());
  assert.ok(results.funnel.result.trend.length > 0);
  // What changed: the first half of the sample against the second, survey scores included.
  assert.ok(await page.$("#compare svg"), "compare chart");
  assert.ok(results.compare.rows.some((r) => r.metric === "nps"));
  assert.match(readFileSync(svgPath, "utf8"), /^<svg/);
  // The results hold the map document itself, the one the page drew.
  assert.deepEqual(results.map.document, JourneyMap.fromData(sampleLog, sampleSurveys).toObject());
  assert.equal(results.map.document.format, "journey-map/1");
  assert.equal(results.map.persona, "All customers");
  assert.deepEqual(results.surveys, { source: "sample data", responses: sampleSurveys.nResponses, customers: sampleSurveys.nCustomers, load_report: sampleSurveys.loadReport });

  if (process.env.JOURNEY_SCREENSHOT) {
    // The whole app on the sample data in three pictures (one would be about 9000 pixels tall):
    // the input, load report and map; the funnel and attribution panels, as <name>-panels.png;
    // then retention, satisfaction, drivers, what changed and download, as <name>-more.png.
    const top = process.env.JOURNEY_SCREENSHOT;
    const rest = top.replace(/(\.png)?$/, "-panels.png");
    // The funnel as of 16 weeks after the first event (as the README's trend picture): at the
    // sample's end every window has closed, so nobody would be in progress.
    const asOf = new Date(Date.parse(results.summary.first_event) + 112 * 86400000).toISOString().slice(0, 10);
    await page.fill("#funnel-as-of", asOf);
    await page.click("#funnel-form button[type=submit]");
    await page.waitForSelector("#funnel:not([aria-busy])");
    assert.match(await page.textContent("#funnel .open p"), new RegExp(`As of ${asOf} 00:00:00 UTC`));
    // Attribution by the default model (an earlier test chose last touch).
    await page.selectOption("#attribution-model", "markov");
    await page.waitForSelector("#attribution:not([aria-busy])");
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = async (id) => page.locator(id).boundingBox();
    const map = await box("#map-panel");
    const [funnel, retention, end] = [await box("#funnel-panel"), await box("#retention-panel"), await box("#export-panel")];
    const more = top.replace(/(\.png)?$/, "-more.png");
    await page.screenshot({ path: top, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(map.y + map.height + 16) } });
    await page.screenshot({ path: rest, fullPage: true, clip: { x: 0, y: Math.floor(funnel.y - 16), width: 1280, height: Math.ceil(retention.y - funnel.y + 16) } });
    await page.screenshot({ path: more, fullPage: true, clip: { x: 0, y: Math.floor(retention.y - 16), width: 1280, height: Math.ceil(end.y + end.height - retention.y + 32) } });
    for (const f of [top, rest, more]) {
      const kb = statSync(f).size / 1024;
      console.log(`screenshot saved to ${f} (${kb.toFixed(0)} KB)`);
      assert.ok(kb < 600, `${f}: ${kb.toFixed(0)} KB`);
    }
  }
  assert.deepEqual(problems, []);
});

test("sample data, then a user's CSV: the sample's surveys and the chosen persona are dropped", { skip, timeout: 120_000 }, async () => {
  await page.click("#sample");
  await waitState("loaded");
  await page.selectOption("#map-persona", "researcher");
  await page.waitForFunction(() => document.querySelector("#map > svg")?.textContent.includes("researcher"));

  await upload("events.csv", GOOD);
  await waitState("loaded");
  assert.equal(await page.isHidden("#error"), true);
  // No survey responses: the sample's belong to other customers.
  assert.equal(await page.textContent("#surveys-status"), "Survey responses: none loaded.");
  assert.match(await page.textContent("#satisfaction"), /^Add survey responses/);
  // The persona list is this data's, and the map is drawn for its first persona.
  assert.deepEqual(await page.$$eval("#map-persona option", (os) => os.map((o) => o.value)), ["All customers"]);
  assert.equal(await page.inputValue("#map-persona"), "All customers");
  assert.ok(await page.$("#map > svg"));
  const results = await downloadResults();
  assert.equal(results.source, "events.csv");
  assert.equal("surveys" in results, false);
  assert.equal("nps" in results, false);
  assert.equal(results.map.persona, "All customers");
  const { EventLog, JourneyMap } = journey();
  assert.deepEqual(results.map.document, JourneyMap.fromData(EventLog.fromCsv(GOOD)).toObject());

  // Responses the user loads stay with the next event file, and the page says whose they are.
  await page.setInputFiles("#surveys-file", { name: "answers.csv", mimeType: "text/csv", buffer: Buffer.from(ANSWERS) });
  await page.waitForFunction(() => document.querySelector("#satisfaction svg"));
  await upload("events-again.csv", GOOD);
  await waitState("loaded");
  assert.equal(await page.textContent("#surveys-status"), "Survey responses: 3 from answers.csv.");
  assert.match(await page.textContent("#satisfaction .source"), /Responses: answers\.csv/);
  // NPS by touchpoint, by hand: purchase 10 and 9 (c1, c4) = 100; ad 3 (c2) = -100.
  const rows = await page.$$eval("#satisfaction tbody tr", (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
  assert.deepEqual(rows, [["ad", "1"], ["purchase", "2"]]);
  const saved = await downloadResults();
  assert.equal(saved.surveys.source, "answers.csv");
  assert.deepEqual(saved.nps.groups.map((g) => [g.key, g.nps]), [["ad", -100], ["purchase", 100]]);
  assert.deepEqual(problems, []);
});

test("editing the funnel steps: remove one, add one, and the counts follow", { skip, timeout: 120_000 }, async () => {
  await upload("events.csv", GOOD);
  await waitState("loaded");
  const counts = () => cellTexts("#funnel td.count");
  const labels = () => page.$$eval("#funnel > table tbody tr", (trs) => trs.map((tr) => tr.cells[0].textContent));
  const update = async (want) => {
    await page.click("#funnel-form button[type=submit]");
    await page.waitForFunction((w) => [...document.querySelectorAll("#funnel td.count")].map((td) => td.textContent.trim()).join() === w, want.join());
  };
  assert.deepEqual(await labels(), ["ad", "product_page", "purchase"]);
  assert.deepEqual(await counts(), ["3", "2", "1"]);
  // The × of the step whose input holds `name` (the value is a property, not an attribute).
  const removeStep = async (name) => {
    const i = await page.$$eval("#funnel-steps .step input.touchpoint", (inputs, n) => inputs.findIndex((x) => x.value === n), name);
    assert.ok(i >= 0, `a step ${name}`);
    await page.locator("#funnel-steps .step").nth(i).locator("button").click();
  };

  // ad -> purchase: c1, c2, c3 saw the ad; only c1 bought after it (c4 bought after an email).
  await removeStep("product_page");
  await update(["3", "1"]);
  assert.deepEqual(await labels(), ["ad", "purchase"]);

  // + email at the end, ad removed: purchase -> email. c1 and c4 bought; neither had an email
  // after buying (c4's came before).
  await page.click("#funnel-add");
  await page.locator("#funnel-steps input.touchpoint").last().fill("email");
  await removeStep("ad");
  await update(["2", "0"]);
  assert.deepEqual(await labels(), ["purchase", "email"]);
  assert.equal(await page.$$eval("#funnel-steps .arrow", (a) => a.length), 1);
  const results = await downloadResults();
  assert.deepEqual(results.funnel.steps, ["purchase", "email"]);
  assert.deepEqual(results.funnel.result.steps.map((s) => s.customers), [2, 0]);
  assert.deepEqual(problems, []);
});

test("each control added for issue 17 shows what the package computes", { skip, timeout: 180_000 }, async () => {
  await page.click("#sample");
  await waitState("loaded");
  const { synthetic } = journey();
  const [log] = synthetic({ customers: 5000, seed: 42 });
  const num = (x) => x.toLocaleString("en", { maximumFractionDigits: 2 });
  const idle = (id) => page.waitForSelector(`#${id}:not([aria-busy])`);
  const steps = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"];
  const base = { window: "14d", mode: "ordered", trend: "week" };

  // The funnel as of the data end (the default) with the top 3 after drop-off.
  await page.fill("#funnel-as-of", "end");
  await page.click("#funnel-form button[type=submit]");
  await idle("funnel");
  let results = await downloadResults();
  let want = log.funnel(steps, { ...base, asOf: "end", afterDropOff: 3 });
  assert.deepEqual(results.funnel.result, want);
  // Per step, the customers in progress (none in the sample at its end: every window of a
  // customer who has not finished closed before it).
  assert.equal(want.open.as_of, results.summary.last_event);
  assert.deepEqual(await cellTexts("#funnel .open td.in-progress"), want.open.steps.map((s) => num(s.in_progress)));
  assert.match(await page.textContent("#funnel .open p"), new RegExp(`${num(want.open.in_progress)} customers still in progress`));
  const touches = (list) => list.map((x) => `${x.touchpoint ?? "nothing"} ${num(x.customers)}`).join(" · ");
  const afterRows = () => page.$$eval("#funnel .after tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(
    await afterRows(),
    want.after_drop_off.map((a) => [steps[a.step - 1], num(a.dropped), touches(a.next), touches(a.last)]),
  );

  // add_to_cart optional, as of a date eight weeks after the first event, the top 5 after
  // drop-off.
  const day = new Date(Date.parse(results.summary.first_event) + 56 * 86400000).toISOString().slice(0, 10);
  await page.locator("#funnel-steps .step").nth(1).locator("label.optional input").check();
  await page.fill("#funnel-as-of", day);
  await page.selectOption("#funnel-after", "5");
  await idle("funnel");
  await page.click("#funnel-form button[type=submit]");
  await idle("funnel");
  const optionalSteps = [steps[0], { touchpoint: steps[1], optional: true }, ...steps.slice(2)];
  want = log.funnel(optionalSteps, { ...base, asOf: `${day}T00:00:00Z`, afterDropOff: 5 });
  results = await downloadResults();
  assert.deepEqual(results.funnel.steps, optionalSteps);
  assert.deepEqual(results.funnel.result, want);
  assert.equal(want.steps[1].optional, true);
  assert.equal(want.open.as_of, `${day}T00:00:00Z`);
  // Then, windows are still open: customers in progress, shown per step.
  assert.ok(want.open.in_progress > 0, JSON.stringify(want.open));
  // open and after drop-off concern the required steps: add_to_cart (step 2) is not among them.
  assert.deepEqual(want.open.steps.map((s) => s.step), [1, 3, 4, 5]);
  assert.deepEqual(await cellTexts("#funnel .open td.in-progress"), want.open.steps.map((s) => num(s.in_progress)));
  assert.deepEqual(
    await afterRows(),
    want.after_drop_off.map((a) => [steps[a.step - 1], num(a.dropped), touches(a.next), touches(a.last)]),
  );
  assert.ok(want.after_drop_off.some((a) => a.next.length > 3), "top 5 shows more than 3");
  // As of empty: the default, the data end (the open block stays).
  await page.fill("#funnel-as-of", "");
  await page.selectOption("#funnel-after", "0");
  await idle("funnel");
  await page.click("#funnel-form button[type=submit]");
  await idle("funnel");
  results = await downloadResults();
  assert.deepEqual(results.funnel.result, log.funnel(optionalSteps, base));
  assert.equal(results.funnel.result.open.as_of, results.summary.last_event);
  assert.notEqual(await page.$("#funnel .open"), null);
  // As of off, after drop-off off: neither block.
  await page.fill("#funnel-as-of", "off");
  await page.click("#funnel-form button[type=submit]");
  await idle("funnel");
  results = await downloadResults();
  assert.deepEqual(results.funnel.result, log.funnel(optionalSteps, { ...base, asOf: false }));
  assert.equal(await page.$("#funnel .open"), null);
  assert.equal(await page.$("#funnel .after"), null);

  // Retention: at least 2 returns in a period, then unbounded too.
  await page.fill("#retention-min-returns", "2");
  await page.dispatchEvent("#retention-min-returns", "change");
  await idle("retention");
  results = await downloadResults();
  assert.deepEqual(results.retention, log.retention({ period: "week", periods: 8, minReturns: 2, unbounded: false }));
  assert.equal(results.retention.min_returns, 2);
  await page.check("#retention-unbounded");
  await idle("retention");
  results = await downloadResults();
  const unbounded = log.retention({ period: "week", periods: 8, minReturns: 2, unbounded: true });
  assert.deepEqual(results.retention, unbounded);
  assert.equal(unbounded.unbounded, true);
  // Unbounded counts never rise from one period to the next.
  for (const c of unbounded.cohorts) {
    const counts = c.counts.filter((x) => x !== null);
    counts.slice(1).forEach((x, i) => assert.ok(x <= counts[i], JSON.stringify(c)));
  }

  // Data-driven Shapley in the model list.
  await page.selectOption("#attribution-model", "data_driven_shapley");
  await idle("attribution");
  results = await downloadResults();
  const dds = log.attribution({ model: "data_driven_shapley", level: "channel" });
  assert.deepEqual(results.attribution.result, dds);
  assert.equal(results.attribution.model, "data_driven_shapley");
  assert.match(await page.textContent("#attribution svg"), /data_driven_shapley/);
  assert.deepEqual(await page.$$eval("#attribution tbody tr", (trs) => trs.map((tr) => tr.cells[0].textContent)), dds.rows.map((r) => r.channel));

  // Order selection, and pairs at the chosen order (at least 2).
  const selection = log.chooseOrder({ level: "channel" });
  results = await downloadResults();
  assert.deepEqual(results.orders.selection, selection);
  const at = (length) => Math.max(selection.chosen_order, length);
  assert.deepEqual(results.orders.sequences, log.sequenceRemovalEffects({ level: "channel", order: at(2), length: 2 }));
  const chosenRow = await page.$$eval("#orders table:first-of-type tbody tr", (trs) => trs.map((tr) => tr.cells[1].textContent));
  assert.deepEqual(chosenRow, selection.orders.map((o) => (o.order === selection.chosen_order ? "✓" : "")));
  // Triples: at the chosen order raised to 3; the page lists the largest removal effects first.
  await page.selectOption("#sequence-length", "3");
  await idle("orders");
  results = await downloadResults();
  const triples = log.sequenceRemovalEffects({ level: "channel", order: at(3), length: 3 });
  assert.deepEqual(results.orders.sequences, triples);
  assert.ok(triples.rows.length > 0 && triples.rows.every((r) => r.sequence.split(">").length === 3));
  const top = [...triples.rows].sort((a, b) => b.removal_effect - a.removal_effect || a.sequence.localeCompare(b.sequence)).slice(0, 10);
  const shown = await page.$$eval("#orders table:last-of-type tbody tr", (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[4].textContent]));
  assert.deepEqual(shown, top.map((r) => [r.sequence, num(r.removal_effect)]));
  // Triples at order 4, asked for.
  await page.selectOption("#sequence-order", "4");
  await idle("orders");
  results = await downloadResults();
  assert.deepEqual(results.orders.sequences, log.sequenceRemovalEffects({ level: "channel", order: 4, length: 3 }));
  assert.match(await page.textContent("#orders"), /at order 4:/);
  assert.deepEqual(problems, []);
});
