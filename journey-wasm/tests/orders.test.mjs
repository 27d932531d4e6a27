// Data-driven Shapley, Markov order selection and sequence removal effects, by hand
// (docs/attribution.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, PathTable } = journey;
const HEADER = "path,total_conversions,total_conversion_value,total_null\n";
const close = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

// a converts 3 times (20 each), ends in null once; a > b converts twice (10 each), ends in null
// twice; b ends in null twice.
let TWO = "customer_id,timestamp,touchpoint,channel,value\n";
for (const i of [1, 2, 3]) TWO += `u${i},1,a,a,\nu${i},2,purchase,web,20\n`;
TWO += "u4,1,a,a,\n";
for (const i of [5, 6]) TWO += `u${i},1,a,a,\nu${i},2,b,b,\nu${i},3,purchase,web,10\n`;
for (const i of [7, 8]) TWO += `u${i},1,a,a,\nu${i},2,b,b,\n`;
for (const i of [9, 10]) TWO += `u${i},1,b,b,\n`;

test("data-driven Shapley on two channels by hand", () => {
  const r = EventLog.fromCsv(TWO).attribution({ model: "data_driven_shapley" });
  // v(a) = 3/4, v(b) = 0, v(ab) = 1/2: phi_a = 5/8, phi_b = -1/8; x 10 paths.
  assert.equal(r.model, "data_driven_shapley");
  assert.equal(r.conversion_probability, 0.5);
  assert.deepEqual(r.rows.map((x) => x.channel), ["a", "b"]);
  close(r.rows[0].conversions, 6.25);
  close(r.rows[1].conversions, -1.25);
  close(r.rows[0].value, 115);
  close(r.rows[1].value, -35);
});

test("data-driven Shapley on three channels, and the cap", () => {
  const t = PathTable.fromCsv(HEADER + "a,1,10,1\nb,0,0,2\nc,0,0,1\na>c,2,20,0\nb>c,1,10,1\na>b>c,1,10,1\nc>b>a,1,10,0\n");
  const r = t.attribution({ model: "data_driven_shapley" });
  // phi = 49/120, -5/120, 16/120; x 12 paths.
  [4.9, -0.5, 1.6].forEach((want, i) => close(r.rows[i].conversions, want));
  const wide = PathTable.fromCsv(HEADER + Array.from({ length: 21 }, (_, i) => `c${i}`).join(">") + ",1,0,0\n");
  assert.throws(() => wide.attribution({ model: "data_driven_shapley" }),
    (e) => e.code === "invalid_argument" && e.message.includes("exact up to 20 channels"));
});

test("chooseOrder by hand", () => {
  const t = PathTable.fromCsv(HEADER + "a>c,10,0,0\nb>c,0,0,10\n");
  const r = t.chooseOrder();
  assert.equal(r.chosen_order, 2);
  assert.equal(r.criterion, "bic");
  assert.deepEqual(r.orders.map((o) => o.parameters), [14, 18, 18, 18]);
  close(r.orders[0].log_likelihood, -40 * Math.LN2);
  close(r.orders[1].bic, 40 * Math.LN2 + 18 * Math.log(60));
  const small = PathTable.fromCsv(HEADER + "a>c,2,0,1\nb>c,1,0,2\n");
  assert.equal(small.chooseOrder({ maxOrder: 2, criterion: "aic" }).chosen_order, 1);
  assert.throws(() => t.chooseOrder({ maxOrder: 5 }), (e) => e.code === "invalid_argument" && e.message.includes("max_order"));
  const fromLog = EventLog.fromCsv(TWO).chooseOrder({ maxOrder: 2 });
  assert.deepEqual(fromLog.orders.map((o) => o.order), [1, 2]);
  assert.equal(fromLog.level, "channel");
});

test("sequenceRemovalEffects by hand", () => {
  const t = PathTable.fromCsv(HEADER + "a>b>a>b,1,0,0\nb>a,0,0,1\n");
  const r = t.sequenceRemovalEffects();
  close(r.conversion_probability, 0.5);
  assert.deepEqual(
    r.rows.map((x) => [x.sequence, x.occurrences, x.paths, x.conversions]),
    [["a>b", 2, 1, 1], ["b>a", 2, 2, 1]],
  );
  close(r.rows[0].removal_effect, 1);
  close(r.rows[1].removal_effect, 0.5);
  const given = t.sequenceRemovalEffects({ sequences: ["b > a"], order: 2 });
  assert.equal(given.rows[0].sequence, "b>a");
  close(given.rows[0].removal_effect, 0.5);
  const frequent = t.sequenceRemovalEffects({ minOccurrences: 3 });
  assert.equal(frequent.rows.length, 0);
  assert.throws(() => t.sequenceRemovalEffects({ order: 2, length: 3 }), (e) => e.code === "invalid_argument" && e.message.includes("length"));
});

// Triples at order 3: u1 a>b>c>a>b>c then buys, u2 b>c>a>b does not, u3 d>b>c then buys.
let TRIPLES = "customer_id,timestamp,touchpoint,channel\n";
for (const [c, touches] of [["u1", "abcabc"], ["u2", "bcab"], ["u3", "dbc"]]) {
  [...touches].forEach((t, i) => (TRIPLES += `${c},${i + 1},${t},${t}\n`));
}
TRIPLES += "u1,7,purchase,web\nu3,4,purchase,web\n";

test("sequenceRemovalEffects of triples by hand", () => {
  const log = EventLog.fromCsv(TRIPLES);
  const r = log.sequenceRemovalEffects({ order: 3, length: 3 });
  // States are the last three touches. (a,b,c) -> (b,c,a) or conversion, (b,c,a) -> (c,a,b),
  // (c,a,b) -> (a,b,c) or null: x_abc = 1/2 + x_abc / 4 = 2/3, x_bca = x_cab = 1/3, x_d = 1;
  // P = (2/3 + 1/3 + 1) / 3 = 2/3. Without a>b>c only d converts: P = 1/3, RE 1/2. Without
  // b>c>a (or c>a>b) x_abc = 1/2 and b's walk is lost: P = 1/2, RE 1/4. Without d>b>c:
  // P = 1/3, RE 1/2.
  assert.equal(r.order, 3);
  close(r.conversion_probability, 2 / 3);
  assert.deepEqual(
    r.rows.map((x) => [x.sequence, x.occurrences, x.paths, x.conversions]),
    [["a>b>c", 2, 1, 1], ["b>c>a", 2, 2, 1], ["c>a>b", 2, 2, 1], ["d>b>c", 1, 1, 1]],
  );
  [0.5, 0.25, 0.25, 0.5].forEach((want, i) => close(r.rows[i].removal_effect, want));
  // The pair b>c ends (b,c), (a,b,c) and (d,b,c): without it nothing converts; the triple
  // d>b>c removes d's walk only. b>c occurs 4 times in 3 paths, 2 converting.
  const both = log.sequenceRemovalEffects({ order: 3, sequences: ["b>c", "d>b>c"] });
  assert.deepEqual(
    both.rows.map((x) => [x.sequence, x.occurrences, x.paths, x.conversions]),
    [["b>c", 4, 3, 2], ["d>b>c", 1, 1, 1]],
  );
  close(both.rows[0].removal_effect, 1);
  close(both.rows[1].removal_effect, 0.5);
  assert.throws(() => log.sequenceRemovalEffects({ order: 2, sequences: ["d>b>c"] }),
    (e) => e.code === "invalid_argument" && e.message.includes("d>b>c"));
});

test("sequenceRemovalEffects on a log: single touches are the channel removal effects", () => {
  const log = EventLog.fromCsv(TWO);
  for (const order of [1, 2, 3]) {
    const s = log.sequenceRemovalEffects({ order, length: 1 });
    const m = log.attribution({ order });
    assert.deepEqual(s.rows.map((x) => x.sequence), m.rows.map((x) => x.channel));
    s.rows.forEach((x, i) => close(x.removal_effect, m.rows[i].removal_effect));
    assert.equal(s.level, "channel");
  }
});
