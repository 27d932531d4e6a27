// The live demo (live.html): the sample data split by time (live-batches.js), the first half
// loaded, the rest appended batch by batch to a LiveAnalysis. Every number comes from
// journey-wasm; this file only calls it and fills the page. `body[data-state]` says where the
// page is ("ready", "live-0", "live-1", ..., or "error"), for the browser test.

import init, * as journey from "../../journey-wasm/pkg/web/journey_wasm.js";
import { splitByTime } from "./live-batches.js";

/** The sample data and how it is dealt out (the browser test uses the same). */
export const SAMPLE = { customers: 2000, seed: 7, batches: 5 };
const STEPS = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"];
const fmt = new Intl.NumberFormat("en");
const $ = (id) => document.getElementById(id);
let live = null;
let batches = [];
let next = 0;

function status(text) {
  $("status").textContent = text;
}

function fail(e) {
  $("error").hidden = false;
  $("error").textContent = e?.message ?? String(e);
  document.body.dataset.state = "error";
}

function rows(tbody, cells) {
  tbody.replaceChildren(
    ...cells.map((r) => {
      const tr = document.createElement("tr");
      for (const c of r) tr.append(Object.assign(document.createElement("td"), { textContent: c }));
      return tr;
    }),
  );
}

const num = (x, digits = 4) => (x === null || x === undefined ? "–" : x.toFixed(digits));

function render(ms) {
  $("batches").textContent = String(next);
  $("total-batches").textContent = String(batches.length);
  $("events").textContent = fmt.format(live.nEvents);
  $("update-ms").textContent = ms === undefined ? "–" : ms.toFixed(1);
  const f = live.result("funnel");
  rows($("funnel").tBodies[0], f.steps.map((s, i) => [STEPS[i], String(s.customers)]));
  const a = live.result("attribution");
  $("conversion-probability").textContent = num(a.conversion_probability);
  rows($("attribution").tBodies[0], a.rows.map((r) => [r.channel, num(r.conversions, 2), num(r.removal_effect)]));
  // The open journeys and the map read the whole log (they are not live analyses).
  const log = live.log;
  const open = log.openJourneys({ idle: false, topPaths: 0 });
  $("n-open").textContent = fmt.format(open.n_open);
  const states = [...open.states].sort((x, y) => y.open_journeys - x.open_journeys || (x.state < y.state ? -1 : 1)).slice(0, 8);
  rows(
    $("open-journeys").tBodies[0],
    states.map((s) => [s.state, String(s.open_journeys), num(s.probability), s.next_best ?? "–", s.status]),
  );
  $("map").innerHTML = journey.JourneyMap.fromData(log).toSvg();
}

$("start").addEventListener("click", () => {
  try {
    const [log] = journey.synthetic({ customers: SAMPLE.customers, seed: SAMPLE.seed });
    const split = splitByTime(log.toCsv(), SAMPLE.batches);
    batches = split.batches;
    next = 0;
    live = new journey.LiveAnalysis(journey.EventLog.fromCsv(split.start), {
      funnel: { steps: STEPS },
      attribution: { model: "markov" },
    });
    render();
    $("append").disabled = false;
    status(`Started from ${fmt.format(live.nEvents)} events; ${batches.length} batches to append.`);
    document.body.dataset.state = "live-0";
  } catch (e) {
    fail(e);
  }
});

$("append").addEventListener("click", () => {
  if (next >= batches.length) return;
  try {
    const t = performance.now();
    const r = live.append(batches[next]);
    const ms = performance.now() - t;
    next += 1;
    render(ms);
    status(`Batch ${next}: ${fmt.format(r.events)} events for ${fmt.format(r.customers)} customers (${fmt.format(r.new_customers)} new).`);
    $("append").disabled = next >= batches.length;
    document.body.dataset.state = `live-${next}`;
  } catch (e) {
    fail(e);
  }
});

init().then(
  () => {
    $("start").disabled = false;
    status("Ready.");
    document.body.dataset.state = "ready";
  },
  (e) => fail(e),
);
