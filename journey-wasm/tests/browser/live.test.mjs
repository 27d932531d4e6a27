// The live demo (examples/web/live.html) in headless Chromium: the sample data started, two
// batches appended, and after each step the funnel, the Markov attribution, the open journeys
// and the event count on the page equal those of the whole log so far computed by the Node
// build (a live analysis equals the analysis of the whole log, docs/live.md).
//
//   node --test journey-wasm/tests/browser/           (after journey-wasm/build.sh)
//
// Environment: as app.test.mjs (JOURNEY_CHROMIUM, JOURNEY_SKIP_BROWSER=1).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { browserSkip, openPage, serve } from "./chromium.mjs";
import { splitByTime } from "../../../examples/web/live-batches.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const require = createRequire(import.meta.url);
const journey = () => require(join(root, "journey-wasm", "pkg", "node", "journey_wasm.js"));
const skip = browserSkip("the live demo in Chromium", [
  [join(root, "journey-wasm", "pkg", "web", "journey_wasm.js"), "build the package first: bash journey-wasm/build.sh"],
]);
// As in examples/web/live.js.
const SAMPLE = { customers: 2000, seed: 7, batches: 5 };
const STEPS = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"];

let server;
let browser;
let page;
const problems = [];


before(async () => {
  if (skip) return;
  server = await serve(root);
  ({ browser, page } = await openPage(problems));
  await page.goto(`http://127.0.0.1:${server.port}/examples/web/live.html`);
  await page.waitForSelector('body[data-state="ready"]');
});

after(async () => {
  await browser?.close();
  server?.process.kill();
});

const cells = (selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));

/** What the page must show after `k` batches: the Node build on the whole log so far. */
function expected(k) {
  const j = journey();
  const [sample] = j.synthetic({ customers: SAMPLE.customers, seed: SAMPLE.seed });
  const { start, batches } = splitByTime(sample.toCsv(), SAMPLE.batches);
  const body = (csv) => csv.slice(csv.indexOf("\n") + 1);
  const log = j.EventLog.fromCsv(start + batches.slice(0, k).map(body).join(""));
  const open = log.openJourneys({ idle: false, topPaths: 0 });
  return {
    events: log.nEvents,
    funnel: log.funnel(STEPS).steps.map((s) => String(s.customers)),
    probability: log.attribution({ model: "markov" }).conversion_probability.toFixed(4),
    open: open.n_open,
  };
}

async function check(k) {
  const want = expected(k);
  assert.equal(await page.textContent("#batches"), String(k));
  assert.equal(Number((await page.textContent("#events")).replaceAll(",", "")), want.events);
  assert.deepEqual(await cells("#funnel tbody td:nth-child(2)"), want.funnel);
  assert.equal(await page.textContent("#conversion-probability"), want.probability);
  assert.equal(Number((await page.textContent("#n-open")).replaceAll(",", "")), want.open);
  const states = await cells("#open-journeys tbody tr");
  assert.ok(states.length > 0 && states.length <= 8, `${states.length} open-journey states`);
  assert.ok(await page.$("#map > svg"), "the map SVG is on the page");
  assert.equal(await page.isHidden("#error"), true);
}

test("the live demo: start, append two batches, each step equal to the whole log", { skip, timeout: 180_000 }, async () => {
  await page.click("#start");
  await page.waitForSelector('body[data-state="live-0"]');
  await check(0);
  // The funnel grows as batches arrive: the first step is reached by more customers at the end.
  const first = Number((await cells("#funnel tbody td:nth-child(2)"))[0]);
  await page.click("#append");
  await page.waitForSelector('body[data-state="live-1"]');
  await check(1);
  await page.click("#append");
  await page.waitForSelector('body[data-state="live-2"]');
  await check(2);
  assert.ok(Number((await cells("#funnel tbody td:nth-child(2)"))[0]) > first);
  assert.match(await page.textContent("#status"), /^Batch 2: [\d,]+ events for [\d,]+ customers/);
  assert.deepEqual(problems, []);
});
