// Regression tests of the hostile-input review (issue 16) that showed in JavaScript: the report
// with thousands of daily cohorts, htmlPage's SVG check, spreadsheet-safe CSV, bidirectional
// controls, names that looked like the graph's own nodes, and the Markov model's limit.
// Sizes are small (CI); nothing here measures time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, Surveys, JourneyMap, htmlPage, report } = journey;

function dailyCohorts(n) {
  // n daily cohorts of one customer each, who comes back every 7 days.
  const rows = ["customer_id,timestamp,touchpoint"];
  for (let c = 0; c < n; c++) {
    for (let d = c; d < n; d += 7) rows.push(`c${c},${d * 86400},purchase`);
  }
  return EventLog.fromCsv(rows.join("\n"));
}

test("report with hundreds of daily cohorts: complete numbers, a capped heatmap", () => {
  const log = dailyCohorts(400);
  const r = log.retention({ period: "day", periods: 400 });
  assert.equal(r.cohorts.length, 400);
  assert.equal(r.cohorts[0].rates.length, 401);
  const html = report(log, null, { retention: { period: "day", periods: 400 } });
  assert.ok(html.includes("Showing the first 120 of 400 rows and the first 60 of 401 columns"));
  assert.ok(html.length < 5_000_000, `${html.length}`);
});

test("htmlPage rejects CSS escapes and anything after the closing </svg>", () => {
  const page = (svg) => ({ title: "x", sections: [{ heading: "h", blocks: [{ svg }] }] });
  const bad = [
    ['<svg><rect fill="\\75rl(http://evil/x)"/></svg>', /CSS escape/],
    ['<svg><rect fill="&#92;75rl(http://evil/x)"/></svg>', /CSS escape/],
    ["<svg></svg><title>x</title>", /follow/],
    ["<svg><g></svg><title>x</title></g>", /closes <g>/],
    ["<svg><g>", /not closed/],
  ];
  for (const [svg, why] of bad) {
    assert.throws(() => htmlPage(page(svg)), (e) => e.name === "JourneyError" && e.code === "invalid_argument" && why.test(e.message), svg);
  }
  assert.ok(htmlPage(page('<svg><g><rect fill="url(#a)"/></g></svg>')).includes('fill="url(#a)"'));
});

test("toCsv guards spreadsheet formulas by default and reads back equal; csvSafe: false is raw", () => {
  const csv = "customer_id,timestamp,touchpoint,channel\n=cmd|' /C calc'!A0,2026-01-01T00:00:00Z,+1+1,@SUM(1)\n-5,2026-01-01T00:00:00Z,ad,web\n";
  const log = EventLog.fromCsv(csv);
  const safe = log.toCsv();
  assert.ok(safe.includes("'=cmd|' /C calc'!A0,") && safe.includes(",'+1+1,'@SUM(1)"), safe);
  assert.ok(safe.includes("\n-5,"), "plain numbers are not guarded");
  assert.equal(EventLog.fromCsv(safe).toCsv(), safe);
  assert.deepEqual(EventLog.fromCsv(safe).touchpoints(), log.touchpoints());
  const raw = log.toCsv({ csvSafe: false });
  assert.ok(raw.includes("\n=cmd|' /C calc'!A0,") && raw.includes(",+1+1,@SUM(1)"), raw);
  assert.throws(() => log.toCsv({ csvsafe: false }), (e) => e.code === "invalid_argument");
  const s = Surveys.fromCsv("customer_id,timestamp,touchpoint,nps\n@a,1,=b,9\n");
  assert.equal(s.toCsv(), "customer_id,timestamp,touchpoint,nps,csat,ces\n'@a,1970-01-01T00:00:01Z,'=b,9,,\n");
  assert.ok(s.toCsv({ csvSafe: false }).includes("\n@a,1970"));
});

test("bidirectional controls never reach SVG, HTML, DOT or Mermaid", () => {
  const name = "invoice\u202Efdp.exe";
  const svg = new JourneyMap(name).toSvg();
  assert.ok(!svg.includes("\u202E") && svg.includes("invoice\uFFFDfdp.exe"));
  const html = htmlPage({ title: name, sections: [{ heading: "\u2066h\u2069", blocks: [{ paragraph: "p\u202Dq" }] }] });
  assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(html));
  const g = EventLog.fromCsv(`customer_id,timestamp,touchpoint\na,1,${name}\n`).transitionGraph();
  for (const text of [g.toDot(), g.toMermaid()]) {
    assert.ok(!text.includes("\u202E") && text.includes("invoice\uFFFDfdp.exe"), text);
  }
  assert.equal(g.nodes()[1].name, name, "the data keeps the name");
});

test("touchpoints named start and end are typed in the graph's edges", () => {
  const g = EventLog.fromCsv("customer_id,timestamp,touchpoint\na,1,start\na,2,end\nb,1,end\n").transitionGraph();
  const rows = g.edges().map((e) => [e.source, e.source_kind, e.target, e.target_kind]);
  assert.deepEqual(rows, [
    ["end", "touch", "end", "end"],
    ["start", "start", "end", "touch"],
    ["start", "start", "start", "touch"],
    ["start", "touch", "end", "touch"],
  ]);
});

test("markov attribution over a cyclic block beyond the limit is a clear error", () => {
  const lap = (n) => {
    const rows = ["customer_id,timestamp,touchpoint,channel"];
    for (let i = 0; i < n; i++) rows.push(`a,${i},c${i},c${i}`);
    rows.push(`a,${n},c0,c0`, `a,${n + 1},purchase,web`, "b,0,c0,c0");
    return EventLog.fromCsv(rows.join("\n"));
  };
  assert.throws(() => lap(1025).attribution(), (e) => e.name === "JourneyError" && e.code === "invalid_argument" && /a block of 1025/.test(e.message));
  // Under the limit: P = 1/2, removal effect 1 for c0 and 1/3 for every other channel.
  const r = lap(200).attribution();
  assert.ok(Math.abs(r.conversion_probability - 0.5) < 1e-12);
  for (const row of r.rows) {
    const want = row.channel === "c0" ? 1 : 1 / 3;
    assert.ok(Math.abs(row.removal_effect - want) < 1e-12, `${row.channel} ${row.removal_effect}`);
  }
});
