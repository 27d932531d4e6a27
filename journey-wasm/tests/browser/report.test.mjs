// The HTML report and the map picture in headless Chromium: the page is self-contained (it asks
// the network for nothing), every picture is drawn with a real size, the map's labels do not
// overlap, and hostile names stay text (no script runs).
//
//   node --test journey-wasm/tests/browser/           (after journey-wasm/build.sh)
//
// Environment: JOURNEY_CHROMIUM (default /usr/bin/chromium; without it the tests fail unless
// JOURNEY_SKIP_BROWSER=1); JOURNEY_DOCS_IMG=<dir> also saves the pictures shown in the README
// (docs/img/map.png, docs/img/report.png and docs/img/report-charts.png are made this way, from
// the report of 5,000 synthetic customers:
// JOURNEY_DOCS_IMG=docs/img node --test journey-wasm/tests/browser/report.test.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { browserSkip, openPage } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkg = join(here, "..", "..", "pkg", "node", "journey_wasm.js");
const skip = browserSkip("the report in Chromium", [[pkg, "build the package first: bash journey-wasm/build.sh"]]);

const HOSTILE = `<script>window.__pwned = 1</script>`;
const HOSTILE_IMG = `<img src=x onerror="window.__pwned = 2">`;

let browser;
let page;
let requests;
const problems = [];

before(async () => {
  if (skip) return;
  ({ browser, page } = await openPage(problems));
  // Any request the page makes is recorded and refused: a self-contained page makes none.
  await page.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
});

async function show(html) {
  requests = [];
  await page.setContent(html, { waitUntil: "load" });
}

/** Pairs of text labels in `selector` whose boxes overlap by more than a pixel each way. */
function overlaps(selector) {
  return page.$eval(selector, (svg) => {
    const boxes = [...svg.querySelectorAll("text")]
      .filter((t) => t.textContent.trim() !== "")
      .map((t) => ({ text: t.textContent.trim(), r: t.getBoundingClientRect() }))
      .filter((b) => b.r.width > 0 && b.r.height > 0);
    const out = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r;
        const b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) out.push(`${boxes[i].text} | ${boxes[j].text}`);
      }
    }
    return out;
  });
}

test("the report of synthetic data: self-contained, every section drawn, readable map", { skip, timeout: 180_000 }, async () => {
  const { synthetic, report, JourneyMap } = require(pkg);
  const [log, surveys] = synthetic({ customers: 5000, seed: 42 });
  await show(report(log, surveys));
  assert.deepEqual(requests, [], "the report fetched nothing");
  const headings = await page.$$eval("h2", (hs) => hs.map((h) => h.textContent.trim()));
  for (const h of ["Overview", "Journey map from data", "Funnel", "Top paths", "Attribution", "Retention", "Satisfaction by touchpoint"]) {
    assert.ok(headings.includes(h), `section ${h} in ${headings}`);
  }
  // Every picture has a real size on the page.
  const sizes = await page.$$eval("svg", (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]));
  assert.ok(sizes.length >= 8, `${sizes.length} pictures`);
  for (const [w, h] of sizes) assert.ok(w > 100 && h > 50, `picture of ${w}x${h}`);
  // Every picture fits its section: nothing is cut off or scrolls sideways (the map of five
  // stages is drawn 1214 px wide and scaled to the 1130 px of the section).
  const fits = await page.$$eval("section figure", (fs) => fs.map((f) => {
    const svg = f.querySelector("svg").getBoundingClientRect();
    const box = f.closest("section");
    const pad = parseFloat(getComputedStyle(box).paddingRight);
    return [svg.right, box.getBoundingClientRect().right - pad, f.scrollWidth <= f.clientWidth];
  }));
  for (const [right, limit, noScroll] of fits) assert.ok(right <= limit + 0.5 && noScroll, `a picture ends at ${right}, its section at ${limit}`);
  const mapWidth = await page.$eval("#section-2 svg", (s) => [s.getAttribute("width"), s.getBoundingClientRect().width]);
  assert.equal(mapWidth[0], "1214");
  assert.ok(mapWidth[1] <= 1130.5, `the map is drawn ${mapWidth[1]} px wide`);
  // The map from data names every touchpoint of the log, and no two of its labels overlap.
  const mapSvg = "#section-2 svg";
  const mapText = await page.textContent(mapSvg);
  for (const tp of log.touchpoints()) assert.ok(mapText.includes(tp), `the map shows ${tp}`);
  assert.deepEqual(await overlaps(mapSvg), []);
  assert.deepEqual(problems, []);

  const dir = process.env.JOURNEY_DOCS_IMG ? resolve(process.env.JOURNEY_DOCS_IMG) : null;
  if (dir) {
    await page.screenshot({ path: join(dir, "report.png"), clip: { x: 0, y: 0, width: 1280, height: 1800 }, fullPage: true });
    // The charts of the report side by side (what changed, top paths, funnel and its weekly
    // trend, conversion drivers, attribution, retention, satisfaction): the report's own
    // figures, moved into one grid for the picture, with the sections' text and tables left
    // out. The report here also compares the first half of the data with the second (its
    // "What changed" section, there when a comparison is asked for).
    const { first_event: first, last_event: last } = log.summary();
    const mid = new Date((Date.parse(first) + Date.parse(last)) / 2).toISOString();
    await show(report(log, surveys, { compare: { a: { from: first, to: mid, label: "first half" }, b: { from: mid, label: "second half" } } }));
    await page.evaluate(() => {
      const figures = (heading) => {
        const sec = [...document.querySelectorAll("section")].find((x) => x.querySelector("h2")?.textContent.trim() === heading);
        return sec ? [...sec.querySelectorAll("figure")] : [];
      };
      const card = (f, width) => {
        const c = document.createElement("div");
        c.style.cssText = `background:#fff;border:1px solid #d3dae1;border-radius:10px;padding:8px;width:${width}px`;
        const copy = f.cloneNode(true);
        copy.style.margin = "0";
        c.appendChild(copy);
        return c;
      };
      const column = (items) => {
        const c = document.createElement("div");
        c.style.cssText = "display:flex;flex-direction:column;gap:16px";
        for (const f of items.filter(Boolean)) c.appendChild(card(f, 600));
        return c;
      };
      const [nps, csat, ces] = figures("Satisfaction by touchpoint");
      const grid = document.createElement("div");
      grid.id = "charts";
      grid.style.cssText = "display:flex;flex-direction:column;gap:16px;padding:20px;background:#f4f6f8;width:1280px;box-sizing:border-box";
      for (const f of figures("Top paths")) grid.appendChild(card(f, 1240));
      const row = document.createElement("div");
      row.style.cssText = "display:flex;gap:16px;align-items:flex-start";
      // The funnel, then its trend (the funnel section's second figure).
      row.appendChild(column([...figures("Funnel"), ...figures("Retention"), csat, ces]));
      row.appendChild(column([...figures("Conversion drivers"), ...figures("Attribution"), nps]));
      grid.appendChild(row);
      for (const f of figures("What changed")) grid.appendChild(card(f, 1240));
      document.body.prepend(grid);
    });
    await page.locator("#charts").screenshot({ path: join(dir, "report-charts.png") });
  }

  // The same map on its own, at its default column width: full size, no overlaps.
  await show(`<!doctype html><body style="margin:0">${JourneyMap.fromData(log, surveys).toSvg()}</body>`);
  assert.deepEqual(requests, []);
  assert.ok((await page.$$("svg text")).length > 100, "the map has its labels");
  assert.deepEqual(await overlaps("svg"), []);
  if (dir) {
    await page.locator("svg").first().screenshot({ path: join(dir, "map.png") });
    console.log(`pictures saved to ${dir}`);
  }

  // The hand-designed example map draws the same way, without overlapping labels.
  const designed = JourneyMap.fromJson(require("node:fs").readFileSync(join(here, "..", "..", "..", "examples", "maps", "online_shop.json"), "utf8"));
  await show(`<!doctype html><body style="margin:0">${designed.toSvg()}</body>`);
  assert.deepEqual(await overlaps("svg"), []);
});

test("25 touchpoints with long names in one stage: the map's labels still do not overlap", { skip, timeout: 120_000 }, async () => {
  const { EventLog, JourneyMap } = require(pkg);
  const rows = ["customer_id,timestamp,touchpoint,channel,stage,value"];
  const names = Array.from({ length: 25 }, (_, i) => `a_rather_long_touchpoint_name_number_${i + 1}_of_the_campaign`);
  for (let c = 0; c < 60; c++) {
    for (let k = 0; k < 4; k++) {
      const tp = names[(c * 7 + k * 3) % 25];
      rows.push(`c${c},2026-01-0${1 + k}T10:00:00Z,${tp},channel_with_a_long_name_${(c + k) % 6},consideration,`);
    }
    if (c % 3 === 0) rows.push(`c${c},2026-01-09T10:00:00Z,purchase,web,purchase,25`);
  }
  const log = EventLog.fromCsv(rows.join("\n"));
  await show(`<!doctype html><body style="margin:0">${JourneyMap.fromData(log).toSvg()}</body>`);
  // Names wrap over lines: the visible text, line after line, spells every name in full.
  const text = (await page.$$eval("svg text", (ts) => ts.map((t) => t.textContent))).join("");
  for (const n of names) assert.ok(text.includes(n), `the map shows ${n}`);
  assert.deepEqual(await overlaps("svg"), []);
});

test("hostile names in the data stay text in the report: no script runs", { skip, timeout: 120_000 }, async () => {
  const { EventLog, report } = require(pkg);
  const quote = (s) => `"${s.replaceAll('"', '""')}"`;
  const csv = [
    "customer_id,timestamp,touchpoint,channel,value",
    `a,2026-01-05T10:00:00Z,${quote(HOSTILE)},${quote(HOSTILE_IMG)},`,
    "a,2026-01-05T10:05:00Z,purchase,web,20",
    `b,2026-01-06T10:00:00Z,${quote(HOSTILE)},${quote(HOSTILE_IMG)},`,
    "b,2026-02-06T10:00:00Z,purchase,web,30",
    `c,2026-01-07T10:00:00Z,${quote(HOSTILE)},${quote(HOSTILE_IMG)},`,
  ].join("\n");
  const log = EventLog.fromCsv(csv, { conversions: ["purchase"] });
  await show(report(log, null, { title: HOSTILE }));
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "a name ran as script");
  assert.deepEqual(requests, [], "the report fetched nothing (an <img> would)");
  assert.equal(await page.textContent("h1"), HOSTILE);
  assert.ok((await page.textContent("#section-2")).includes(HOSTILE), "the map shows the name as text");
  assert.deepEqual(problems, []);
});
