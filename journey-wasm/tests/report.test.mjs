import { test } from "node:test";
import assert from "node:assert/strict";
import { journey } from "./helpers.mjs";

const { EventLog, Surveys, JourneyMap, report, synthetic } = journey;
const HOSTILE = "<script>alert(1)</script>";
const [log, surveys] = synthetic({ customers: 2000, seed: 5 });

test("fromData: stages, touchpoints and personas of the log", () => {
  const map = JourneyMap.fromData(log, surveys);
  assert.deepEqual(map.stages(), ["awareness", "consideration", "purchase", "retention", "advocacy"]);
  assert.deepEqual([...map.touchpoints()].sort(), [...log.touchpoints()].sort());
  const personas = map.personas();
  assert.equal(personas[0], "All customers");
  assert.equal(personas.length, 5);
  // The caller's surveys object is still usable afterwards.
  assert.ok(surveys.nResponses > 0);
  const steps = map.toObject().steps.filter((s) => s.persona === "All customers");
  // Touchpoint steps carry the figures; a step without a touchpoint only a stage's pooled
  // emotion.
  assert.ok(steps.filter((s) => s.touchpoint).every((s) => s.metrics.reach > 0));
  for (const s of steps.filter((s) => !s.touchpoint)) {
    assert.equal(typeof s.emotion, "number");
    assert.deepEqual(s.metrics ?? {}, {});
  }
  assert.deepEqual(JourneyMap.fromJson(map.toJson()).toObject(), map.toObject());
});

test("fromData options are camelCase and checked", () => {
  const map = JourneyMap.fromData(log, null, { byPersona: false, name: "Shop" });
  assert.equal(map.name, "Shop");
  assert.deepEqual(map.personas(), ["All customers"]);
  assert.throws(() => JourneyMap.fromData(log, surveys, { dropOffThreshold: 40 }), (e) => {
    assert.equal(e.name, "JourneyError");
    assert.equal(e.code, "invalid_argument");
    return /drop_off_threshold/.test(e.message);
  });
  assert.throws(() => JourneyMap.fromData(log, surveys, { noSuchOption: 1 }), { name: "JourneyError" });
  assert.throws(() => JourneyMap.fromData(log, { not: "surveys" }), { name: "JourneyError" });
});

test("toSvg draws one persona per picture", () => {
  const map = JourneyMap.fromData(log, surveys);
  const all = map.toSvg();
  assert.ok(all.startsWith("<svg") && all.includes("All customers"));
  const one = map.toSvg({ persona: "researcher", columnWidth: 200 });
  assert.ok(one.includes("researcher") && one !== all);
  assert.throws(() => map.toSvg({ persona: "nobody" }), { name: "JourneyError" });
});

test("a hand-designed map renders the same way", () => {
  const map = JourneyMap.fromJson(
    JSON.stringify({
      format: "journey-map/1",
      name: "Coffee",
      touchpoints: [{ name: "sample_form", channel: "web", stage: "awareness" }],
      steps: [{ stage: "awareness", touchpoint: "sample_form", emotion: 1 }],
    }),
  );
  assert.ok(map.toSvg().includes("sample_form"));
});

test("report: one self-contained page, with nested camelCase options", () => {
  const html = report(log, surveys);
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.ok(!html.includes("<script"));
  assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html));
  for (const s of ["Journey map from data", "Attribution", "Retention", "Satisfaction by touchpoint"]) {
    assert.ok(html.includes(s), s);
  }
  const small = report(log, undefined, {
    title: "Mine",
    personaMaps: false,
    map: { dropOffThreshold: 0.9 },
    retention: { period: "month" },
  });
  assert.ok(small.includes("<h1>Mine</h1>"));
  assert.ok(small.length < html.length);
  assert.throws(() => report(log, surveys, { bogus: true }), { name: "JourneyError" });
  assert.throws(() => report(log, surveys, { map: { bogus: true } }), { name: "JourneyError" });
});

test("report shows a designed map given as a JourneyMap or its object", () => {
  const designed = JourneyMap.fromJson(
    JSON.stringify({ format: "journey-map/1", name: "Designed by hand" }),
  );
  assert.ok(report(log, surveys, { designedMap: designed }).includes("Designed by hand"));
  assert.ok(report(log, null, { designedMap: designed.toObject() }).includes("Designed by hand"));
  // Still usable: the map was not taken from the caller.
  assert.equal(designed.name, "Designed by hand");
});

test("a hostile touchpoint name is text in the map and the report", () => {
  const csv = `customer_id,timestamp,touchpoint,channel\na,1,"${HOSTILE}",web\na,2,purchase,web\nb,1,"${HOSTILE}",web\n`;
  const l = EventLog.fromCsv(csv);
  const s = Surveys.fromCsv(`customer_id,timestamp,touchpoint,csat\na,3,"${HOSTILE}",1\n`);
  const map = JourneyMap.fromData(l, s, { minResponses: 1, minCustomers: 1 });
  assert.ok(map.touchpoints().includes(HOSTILE));
  const svg = map.toSvg();
  assert.ok(!svg.includes(HOSTILE) && svg.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  const html = report(l, s);
  assert.ok(!html.includes("<script"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
});

test("fromData by hand: a stage's pooled emotion, frustrations, and a persona called All customers", () => {
  // consideration: site and faq have one CSAT answer each (1 and 4); with minResponses 2
  // neither has a score, but together: mean 2.5, emotion 2.5 - 3 = -0.5.
  const l = EventLog.fromCsv(
    "customer_id,timestamp,touchpoint,stage\na,1,ad,awareness\na,2,site,consideration\na,3,faq,consideration\n" +
      "a,4,purchase,purchase\nb,1,ad,awareness\nb,2,faq,consideration\n",
  );
  const s = Surveys.fromCsv("customer_id,timestamp,touchpoint,csat\na,5,site,1\nb,5,faq,4\na,6,purchase,5\na,7,purchase,4\n");
  const doc = JourneyMap.fromData(l, s, { byPersona: false, minResponses: 2, minCustomers: 1 }).toObject();
  const whole = doc.steps.filter((x) => !x.touchpoint).map((x) => [x.stage, x.emotion]);
  assert.deepEqual(whole, [["consideration", -0.5]]);
  // b leaves at faq (1 of 2 who reach it before converting: 50% >= 40%): the one pain point,
  // so the one frustration of the persona card.
  assert.deepEqual(doc.personas[0].frustrations, ["faq: 50% of its customers end their journey there without converting (1 of 2)"]);
  // A persona of the data called "All customers" clashes with the persona of everyone.
  const p = EventLog.fromCsv("customer_id,timestamp,touchpoint,persona\na,1,ad,All customers\nb,1,ad,x\n");
  assert.throws(() => JourneyMap.fromData(p), (e) => e.code === "invalid_argument" && /"All customers"/.test(e.message));
  const own = JourneyMap.fromData(p, null, { allCustomers: false }).toObject().personas;
  assert.deepEqual(own.map((x) => [x.name, x.demographics.share]), [["All customers", "50.0%"], ["x", "50.0%"]]);
});
