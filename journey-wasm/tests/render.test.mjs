// Pictures: JourneyMap.toSvg and the chart functions, with hand-checked labels and the errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { journey, vectorsDir } from "./helpers.mjs";

const { JourneyMap, funnelChartSvg, heatmapSvg, groupedBarsSvg, sankeySvg, intervalChartSvg, htmlPage } = journey;

/** The text content of every <text> element, entities decoded. */
function texts(svg) {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&"),
  );
}

function assertSvg(svg) {
  assert.equal(typeof svg, "string");
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\s*$/);
  assert.ok(!/<script/i.test(svg), "no script element");
}

const shop = readFileSync(join(vectorsDir, "..", "..", "..", "examples", "maps", "online_shop.json"), "utf8");

test("JourneyMap.toSvg draws the example map: title, stages, touchpoints, personas", () => {
  const map = JourneyMap.fromJson(shop);
  const svg = map.toSvg();
  assertSvg(svg);
  const t = texts(svg).join("\n");
  assert.ok(t.includes(map.name), "title");
  for (const tp of map.touchpoints()) assert.ok(t.includes(tp), `touchpoint ${tp}`);
  // A second persona draws a different picture; an unknown one is an argument error.
  const personas = map.personas();
  if (personas.length > 1) assert.notEqual(map.toSvg({ persona: personas[1] }), svg);
  assert.throws(() => map.toSvg({ persona: "nobody" }), (e) => e.name === "JourneyError" && e.code === "invalid_argument");
  assert.throws(() => map.toSvg({ columnWidth: 100 }), (e) => e.code === "invalid_argument" && /column_width/.test(e.message));
  assert.throws(() => map.toSvg({ colour: "red" }), (e) => e.code === "invalid_argument");
  // Wider columns, a wider picture.
  const width = (s) => Number(/width="([\d.]+)"/.exec(s)[1]);
  assert.ok(width(map.toSvg({ columnWidth: 400 })) > width(map.toSvg({ columnWidth: 200 })));
});

test("toSvg escapes user text", () => {
  const doc = {
    format: "journey-map/1",
    name: "<script>alert(1)</script>",
    touchpoints: [{ name: "a&b", channel: "web", stage: "awareness" }],
    steps: [{ stage: "awareness", touchpoint: "a&b", emotion: 1 }],
  };
  const svg = JourneyMap.fromJson(JSON.stringify(doc)).toSvg();
  assertSvg(svg);
  assert.ok(svg.includes("&lt;script&gt;"));
  assert.ok(texts(svg).includes("a&b"));
  // A new, empty map draws too.
  assertSvg(new JourneyMap("Empty").toSvg({ showMetrics: false }));
});

test("funnelChartSvg: shares of the first step and drop-off between steps", () => {
  // 1000 -> 620: 62.0% of the first step, drop-off 380 = 38.0%; 620 -> 410: 33.9% of 620 lost.
  const svg = funnelChartSvg({ title: "Checkout", steps: [{ label: "cart", count: 1000 }, { label: "shipping", count: 620 }, { label: "payment", count: 410 }] });
  assertSvg(svg);
  const t = texts(svg).join("|");
  assert.ok(t.includes("Checkout") && t.includes("cart") && t.includes("payment"));
  assert.ok(t.includes("62.0%"), t);
  assert.ok(t.includes("38.0% drop-off"), t);
  assert.ok(t.includes("33.9% drop-off"), t);
  assert.throws(() => funnelChartSvg({ steps: [{ label: "a", count: -1 }] }), (e) => e.code === "invalid_argument");
  assert.throws(() => funnelChartSvg({ stepz: [] }), (e) => e.code === "invalid_argument" && /stepz/.test(e.message));
});

test("heatmapSvg: cells as percentages, sizes, unobservable cells", () => {
  const svg = heatmapSvg({ title: "Retention", rowTitle: "cohort", colTitle: "weeks", rowLabels: ["w1", "w2"], colLabels: ["0", "1"], cells: [[1, 0.25], [0.5, null]], rowSizes: [120, 8] });
  assertSvg(svg);
  const t = texts(svg);
  for (const s of ["100.0%", "25.0%", "50.0%", "120", "8", "w1", "w2", "cohort", "weeks"]) assert.ok(t.includes(s), `${s} in ${t}`);
  // The snake_case keys of the JSON shape are accepted as well, and draw the same.
  assert.equal(heatmapSvg({ title: "Retention", row_title: "cohort", col_title: "weeks", row_labels: ["w1", "w2"], col_labels: ["0", "1"], cells: [[1, 0.25], [0.5, null]], row_sizes: [120, 8] }), svg);
  assert.throws(() => heatmapSvg({ rowLabels: ["a"], colLabels: ["0", "1"], cells: [[1]] }), (e) => e.code === "invalid_argument" && /cells/.test(e.message));
});

test("groupedBarsSvg: one bar per group and series with its value", () => {
  const svg = groupedBarsSvg({ title: "Attribution", groups: ["email", "web"], series: ["first_touch", "markov"], values: [[10, 12.5], [30, 27.5]], valueLabel: "conversions" });
  assertSvg(svg);
  const t = texts(svg);
  for (const s of ["email", "web", "first_touch", "markov", "10.0", "12.5", "30.0", "27.5", "conversions"]) assert.ok(t.includes(s), `${s} in ${t}`);
  assert.equal(groupedBarsSvg({ title: "Attribution", groups: ["email", "web"], series: ["first_touch", "markov"], values: [[10, 12.5], [30, 27.5]], value_label: "conversions" }), svg);
  assert.throws(() => groupedBarsSvg({ groups: ["a"], series: ["s"], values: [[1, 2]] }), (e) => e.code === "invalid_argument");
});

test("sankeySvg: node totals and outcomes", () => {
  const svg = sankeySvg({ title: "Paths", paths: [{ steps: ["email", "web"], count: 40, converted: true }, { steps: ["web"], count: 10 }] });
  assertSvg(svg);
  const t = texts(svg);
  for (const s of ["email (40)", "web (10)", "web (40)", "converted (40)", "no conversion (10)"]) assert.ok(t.includes(s), `${s} in ${t}`);
  assert.throws(() => sankeySvg({ paths: [], maxSteps: 1 }), (e) => e.code === "invalid_argument" && /max_steps/.test(e.message));
  assert.throws(() => sankeySvg({ paths: [], max_steps: 1 }), (e) => e.code === "invalid_argument" && /max_steps/.test(e.message));
  // maxSteps = 2: the three-step path is cut to its first step, "…" and its outcome.
  const cut = texts(sankeySvg({ paths: [{ steps: ["email", "web", "app"], count: 5 }], maxSteps: 2 }));
  assert.ok(!cut.includes("app (5)"), `${cut}`);
  // Keys inside the nested objects are read the same way: an unknown one is named in the
  // error in its snake_case spelling (the shape core checks).
  assert.throws(() => sankeySvg({ paths: [{ steps: ["a"], count: 1, wasConverted: true }] }), (e) => e.code === "invalid_argument" && /was_converted/.test(e.message));
});

test("intervalChartSvg: estimate, interval and n per row", () => {
  const svg = intervalChartSvg({ title: "NPS", rows: [{ label: "app", estimate: 32, lo: 24.1, hi: 39.9, n: 210 }, { label: "store" }], min: -100, max: 100, valueLabel: "NPS score" });
  assert.ok(texts(svg).includes("NPS score"), `${texts(svg)}`);
  assert.equal(intervalChartSvg({ title: "NPS", rows: [{ label: "app", estimate: 32, lo: 24.1, hi: 39.9, n: 210 }, { label: "store" }], min: -100, max: 100, value_label: "NPS score" }), svg);
  assertSvg(svg);
  const t = texts(svg);
  assert.ok(t.includes("n = 210"), t);
  assert.ok(t.includes("+32.0  [+24.1, +39.9]"), t);
  assert.throws(() => intervalChartSvg({ rows: [{ label: "x", estimate: 1, lo: 5, hi: 2 }] }), (e) => e.code === "invalid_argument");
  assert.throws(() => intervalChartSvg({ rows: [], min: 1, max: 0 }), (e) => e.code === "invalid_argument");
});

test("htmlPage: a self-contained page; SVG blocks are checked", () => {
  const svg = funnelChartSvg({ steps: [{ label: "a", count: 2 }, { label: "b", count: 1 }] });
  const html = htmlPage({
    title: "Report <1>",
    sections: [{ heading: "Funnel", blocks: [{ paragraph: "Two steps." }, { svg }, { table: { columns: ["step", "customers"], rows: [["a", "2"], ["b", "1"]] } }] }],
  });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes("<title>Report &lt;1&gt;</title>"));
  assert.ok(html.includes("<svg") && html.includes("<table"));
  assert.ok(!/<script/i.test(html));
  assert.throws(() => htmlPage({ title: "x", sections: [{ heading: "h", blocks: [{ svg: "<svg><script>x</script></svg>" }] }] }), (e) => e.code === "invalid_argument");
  // References out of the picture are refused wherever they are in a value, also when
  // written with character references; url(#id) is fine.
  const block = (fill) => ({ title: "x", sections: [{ heading: "h", blocks: [{ svg: `<svg><rect fill="${fill}"/></svg>` }] }] });
  assert.ok(htmlPage(block("url(#a)")).includes('fill="url(#a)"'));
  for (const fill of ["url(#a) url(http://x/y)", "u&#114;l(http://x/y)", "&#x55;RL(//x/y)"]) {
    assert.throws(() => htmlPage(block(fill)), (e) => e.code === "invalid_argument" && /refers outside the picture/.test(e.message), fill);
  }
  assert.throws(() => htmlPage({ title: "x", sections: [{ heading: "h", blocks: [{ table: { columns: ["a"], rows: [["1", "2"]] } }] }] }), (e) => e.code === "invalid_argument");
});
