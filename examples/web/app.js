// The page: file input and drop zone, panels, downloads. All analysis happens in worker.js; this
// file sends requests, and shows what comes back.

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

// ------------------------------------------------------------------------------------------
// The worker and a promise per request.

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 1;

function call(type, payload = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, payload }, transfer);
  });
}

worker.onmessage = ({ data }) => {
  const { id, type, payload } = data;
  if (type === "ready") {
    setState("ready");
    status("Ready. Drop an event CSV, choose one, or use the sample data.");
    return;
  }
  if (type === "fatal") {
    setState("error");
    status("");
    showError({ ...payload, message: `Could not start journey-wasm: ${payload.message}. Build the package first: bash journey-wasm/build.sh` });
    return;
  }
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  if (type === "result") p.resolve(payload);
  else p.reject(Object.assign(new Error(payload.message), payload));
};

worker.onerror = (e) => {
  setState("error");
  showError({ message: `The analysis worker failed to start: ${e.message || "see the browser console"}. Serve the repository root over HTTP (python3 -m http.server) and build journey-wasm first.` });
};

// ------------------------------------------------------------------------------------------
// Page state

const state = {
  loaded: null, // describe() of the loaded data
  results: {},
  mapSvg: null,
};

function setState(s) {
  document.body.dataset.state = s;
}

function status(text, busy = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("busy", busy);
}

function showError(e) {
  const box = $("error");
  box.replaceChildren();
  const where = [];
  if (e.line) where.push(`Line ${e.line}`);
  if (e.row) where.push(`Row ${e.row}`);
  if (e.column) where.push(`column "${e.column}"`);
  const head = document.createElement("div");
  head.className = "where";
  head.textContent = where.length ? `${where.join(", ")}: the file could not be read.` : "Something went wrong.";
  const msg = document.createElement("div");
  msg.className = "message";
  msg.textContent = e.message;
  box.append(head, msg);
  if (e.line) box.dataset.line = e.line;
  else delete box.dataset.line;
  if (e.code) box.dataset.code = e.code;
  if (e.retry) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Skip bad rows and load the rest";
    b.onclick = e.retry;
    box.append(b);
  }
  box.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

/** Puts an SVG document made by journey into `container` (parsed, never run). */
function putSvg(container, svgText) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg") throw new Error("not an SVG document");
  for (const s of root.querySelectorAll("script, foreignObject")) s.remove();
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const a of [...el.attributes]) if (a.name.toLowerCase().startsWith("on")) el.removeAttribute(a.name);
  }
  container.replaceChildren(document.importNode(root, true));
}

function note(container, text, cls = "note") {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  container.replaceChildren(p);
}

/** A table of objects (every scalar field); numbers right-aligned. */
function table(rows, numericClass = {}) {
  const t = document.createElement("table");
  t.className = "data";
  if (!rows.length) return t;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => r[k] === null || typeof r[k] !== "object")))];
  const head = t.createTHead().insertRow();
  for (const c of cols) {
    const th = document.createElement("th");
    th.textContent = c.replace(/_/g, " ");
    head.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of cols) {
      const td = tr.insertCell();
      const v = r[c];
      if (typeof v === "number") {
        td.className = `num ${numericClass[c] ?? ""}`.trim();
        td.textContent = fmt.format(v);
      } else {
        td.textContent = v === null || v === undefined ? "–" : String(v);
      }
    }
  }
  return t;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ------------------------------------------------------------------------------------------
// Loading

async function loadEvents(file, lenient = $("lenient").checked) {
  clearError();
  setState("busy");
  status(`Reading ${file.name} (${fmt.format(file.size / 1e6)} MB)…`, true);
  try {
    const buffer = await file.arrayBuffer();
    status(`Loading ${file.name} in the worker…`, true);
    const loaded = await call("load", { buffer, name: file.name, mode: lenient ? "lenient" : "strict" }, [buffer]);
    await showLoaded(loaded);
  } catch (e) {
    setState("error");
    status(`${file.name} could not be loaded.`);
    showError({ ...e, message: e.message, retry: lenient ? null : () => loadEvents(file, true) });
  }
}

async function loadSurveys(file) {
  clearError();
  setState("busy");
  status(`Loading survey responses from ${file.name}…`, true);
  try {
    const buffer = await file.arrayBuffer();
    const s = await call("loadSurveys", { buffer, name: file.name, mode: $("lenient").checked ? "lenient" : "strict" }, [buffer]);
    showSurveys(s);
    status(`Loaded ${fmt.format(s.responses)} survey responses from ${file.name}.`);
    setState(state.loaded ? "loaded" : "ready");
    if (state.loaded) {
      await refreshMap();
      await refreshSatisfaction();
    }
  } catch (e) {
    setState("error");
    status(`${file.name} could not be loaded.`);
    showError(e);
  }
}

async function loadSample() {
  clearError();
  setState("busy");
  status("Generating sample data…", true);
  try {
    await showLoaded(await call("sample", { customers: 5000, seed: 42 }));
  } catch (e) {
    setState("error");
    showError(e);
  }
}

/** Which survey responses are in use (the worker's `surveysInfo()`, null for none), on the page and in the results. */
function showSurveys(s) {
  const el = $("surveys-status");
  if (!s) {
    delete state.results.surveys;
    el.textContent = "Survey responses: none loaded.";
  } else {
    state.results.surveys = { source: s.sample ? "sample data" : s.source, responses: s.responses, customers: s.customers, load_report: s.report };
    el.textContent = `Survey responses: ${fmt.format(s.responses)} from ${s.sample ? "the sample data" : s.source}.`;
  }
  el.dataset.source = s ? (s.sample ? "sample" : s.source) : "";
}

async function showLoaded(loaded) {
  state.loaded = loaded;
  state.results = {
    source: loaded.source,
    load_report: loaded.report,
    summary: loaded.summary,
  };
  state.mapSvg = null;
  showSurveys(loaded.surveys);
  // A persona of the previous data may not exist in this data: start again from the map's first.
  $("map-persona").replaceChildren();
  renderReport(loaded);
  setupFunnelSteps(loaded);
  $("touchpoint-list").replaceChildren(
    ...loaded.touchpoints.map((t) => Object.assign(document.createElement("option"), { value: t })),
  );
  for (const id of ["report-panel", "map-panel", "funnel-panel", "attribution-panel", "retention-panel", "satisfaction-panel", "drivers-panel", "compare-panel", "export-panel"]) {
    $(id).hidden = false;
  }
  setupCompare(loaded.summary);
  const s = loaded.summary;
  status(`Loaded ${fmt.format(s.n_events)} events of ${fmt.format(s.n_customers)} customers from ${loaded.source} in ${fmt.format(loaded.seconds)} s.`, true);
  await refreshAll();
  status(`Loaded ${fmt.format(s.n_events)} events of ${fmt.format(s.n_customers)} customers from ${loaded.source} in ${fmt.format(loaded.seconds)} s.`);
  setState("loaded");
}

function renderReport({ report, summary }) {
  // Generated data has no rows to report.
  const generated = report.rows_read === 0 && summary.n_events > 0;
  const figures = [
    ...(generated ? [] : [["rows read", report.rows_read], ["rows kept", report.rows_kept], ["rows skipped", report.rows_skipped]]),
    ["events", summary.n_events],
    ["customers", summary.n_customers],
    ["touchpoints", summary.n_touchpoints],
    ["channels", summary.n_channels],
    ["conversions", summary.n_conversions],
    ["converting customers", summary.n_converting_customers],
    ["revenue", summary.revenue],
    ["first event", summary.first_event ?? "–"],
    ["last event", summary.last_event ?? "–"],
  ];
  $("report").replaceChildren(
    ...figures.map(([k, v]) => {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      if (typeof v === "number") {
        dd.textContent = fmt.format(v);
      } else {
        dd.textContent = v.replace("T", " ").replace("Z", " UTC");
        dd.className = "text";
      }
      div.append(dt, dd);
      return div;
    }),
  );
  $("report-errors").replaceChildren(
    ...report.errors.map((e) => Object.assign(document.createElement("li"), { textContent: e })),
  );
}

// ------------------------------------------------------------------------------------------
// Panels: each asks the worker, and shows the answer or its own error.

async function panel(containerId, work) {
  const container = $(containerId);
  // aria-busy while the worker computes: screen readers wait, and so do the browser tests.
  container.setAttribute("aria-busy", "true");
  try {
    await work(container);
  } catch (e) {
    const where = e.line ? ` (line ${e.line})` : "";
    note(container, `${e.message}${where}`, "error");
  } finally {
    container.removeAttribute("aria-busy");
  }
}

async function refreshAll() {
  await refreshMap();
  await refreshFunnel();
  await refreshAttribution();
  await refreshOrders();
  await refreshRetention();
  await refreshSatisfaction();
  await refreshDrivers();
  await refreshCompare();
}

async function refreshMap() {
  await panel("map", async (el) => {
    const select = $("map-persona");
    const persona = select.value || null;
    const r = await call("map", { persona });
    putSvg(el, r.svg);
    state.mapSvg = r.svg;
    // The map itself (its journey-map/1 document) goes into the JSON download.
    state.results.map = { name: r.name, persona: r.persona ?? r.personas[0] ?? null, document: r.document };
    if ([...select.options].map((o) => o.value).join("\n") !== r.personas.join("\n")) {
      select.replaceChildren(...r.personas.map((p) => Object.assign(document.createElement("option"), { value: p, textContent: p })));
      if (persona) select.value = persona;
    }
  });
}

function setupFunnelSteps(loaded) {
  const conv = loaded.conversions.filter((c) => loaded.touchpoints.includes(c));
  let steps;
  const sample = ["product_page", "add_to_cart", "checkout_shipping", "checkout_payment", "purchase"];
  if (sample.every((t) => loaded.touchpoints.includes(t))) {
    steps = sample;
  } else {
    // A starting point to edit: the first customer's touchpoints in order, ending at a conversion.
    steps = [...new Set(loaded.firstJourney)].filter((t) => !conv.includes(t)).slice(0, 3);
    if (conv.length) steps.push(conv[0]);
    if (steps.length < 2) steps = loaded.touchpoints.slice(0, 3);
  }
  const box = $("funnel-steps");
  box.replaceChildren();
  for (const s of steps) addStep(s);
}

function addStep(value = "") {
  const box = $("funnel-steps");
  if (box.children.length) box.append(Object.assign(document.createElement("span"), { className: "arrow", textContent: "→" }));
  const wrap = document.createElement("span");
  wrap.className = "step";
  const input = Object.assign(document.createElement("input"), { value, placeholder: "touchpoint", className: "touchpoint" });
  input.setAttribute("list", "touchpoint-list");
  input.setAttribute("aria-label", "funnel step");
  // An optional step may be skipped (not for the first or the last step: the funnel says so).
  const optional = Object.assign(document.createElement("input"), { type: "checkbox", title: "optional: customers may skip this step" });
  const optLabel = Object.assign(document.createElement("label"), { className: "optional", title: optional.title });
  optLabel.append(optional, "optional");
  const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "×", title: "remove this step" });
  remove.onclick = () => {
    const prev = wrap.previousElementSibling;
    if (prev?.classList.contains("arrow")) prev.remove();
    else wrap.nextElementSibling?.classList.contains("arrow") && wrap.nextElementSibling.remove();
    wrap.remove();
  };
  wrap.append(input, optLabel, remove);
  box.append(wrap);
}

function funnelSteps() {
  // A step may be several touchpoints: "cart | basket"; a step ticked optional may be skipped.
  return [...$("funnel-steps").querySelectorAll(".step")]
    .map((wrap) => [wrap.querySelector("input.touchpoint").value.trim(), wrap.querySelector("label.optional input").checked])
    .filter(([v]) => v)
    .map(([v, optional]) => {
      const touchpoint = v.includes("|") ? v.split("|").map((s) => s.trim()).filter(Boolean) : v;
      return optional ? { touchpoint, optional: true } : touchpoint;
    });
}

/** The funnel's "as of": empty for none, "end", a date (its midnight, UTC) or a time as typed. */
function funnelAsOf() {
  const v = $("funnel-as-of").value.trim();
  // Empty: the funnel's default, the data end; "off": no open windows.
  if (!v) return "end";
  if (v.toLowerCase() === "off") return false;
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
}

/** "faq 12 · nothing 30": touchpoints with their customers (null is "nothing"). */
function touchCounts(list) {
  return list.map((x) => `${x.touchpoint ?? "nothing"} ${fmt.format(x.customers)}`).join(" · ") || "–";
}

const pct = (x) => (x === null || x === undefined ? "–" : `${fmt.format(100 * x)}%`);

async function refreshFunnel() {
  await panel("funnel", async (el) => {
    const steps = funnelSteps();
    const window = $("funnel-window").value.trim() || "14d";
    const mode = $("funnel-mode").value;
    const trend = $("funnel-trend").value;
    const asOf = funnelAsOf();
    const afterDropOff = Number($("funnel-after").value) || 0;
    const r = await call("funnel", { steps, window, mode, trend, asOf, afterDropOff });
    state.results.funnel = { steps, window, mode, trend: trend || null, as_of: asOf, after_drop_off: afterDropOff || null, result: r.result };
    const chart = document.createElement("div");
    putSvg(chart, r.svg);
    // One row per step, named by its label (the table shows the scalar fields).
    const rows = r.result.steps.map(({ step, label, ...fields }) => ({ step: label, ...fields }));
    const parts = [chart, table(rows, { customers: "count" })];
    const label = new Map(r.result.steps.map((s) => [s.step, s.label]));
    const open = r.result.open;
    if (open) {
      // Customers whose window is still open at as_of: not dropped (yet), left out of the rates.
      const box = Object.assign(document.createElement("div"), { className: "open" });
      const p = document.createElement("p");
      p.textContent = `As of ${open.as_of ? open.as_of.replace("T", " ").replace("Z", " UTC") : "–"}: ${fmt.format(open.in_progress)} customers still in progress (their window is open). Conversion without them ${pct(open.conversion)}; counting them as dropped ${pct(r.result.conversion)}.`;
      const openRows = open.steps.map((s) => ({
        step: label.get(s.step),
        "in progress": s.in_progress,
        "dropped (window closed)": s.dropped,
        "drop off": s.drop_off,
        "conversion from previous": s.conversion_from_previous,
      }));
      box.append(p, table(openRows, { "in progress": "in-progress" }));
      parts.push(box);
    }
    if (r.result.after_drop_off) {
      // Where the customers who stopped before a step went next, and where they were last seen.
      const box = Object.assign(document.createElement("div"), { className: "after" });
      const p = Object.assign(document.createElement("p"), { textContent: "After drop-off: where the customers who stopped before each step went next (within the window), and where they were last seen." });
      const afterRows = r.result.after_drop_off.map((a) => ({ "stopped before": label.get(a.step), dropped: a.dropped, "went next to": touchCounts(a.next), "last seen at": touchCounts(a.last) }));
      box.append(p, table(afterRows));
      parts.push(box);
    }
    if (r.trendSvg) {
      // The conversion per period of entry; periods whose windows are still open are dashed.
      const t = Object.assign(document.createElement("div"), { className: "trend" });
      putSvg(t, r.trendSvg);
      parts.push(t);
    }
    el.replaceChildren(...parts);
  });
}

// The two periods compared: by default the first and the second half of the data, in days.
function setupCompare({ first_event, last_event }) {
  if (!first_event || !last_event) return;
  const day = 86400000;
  const first = Date.parse(first_event.slice(0, 10));
  const last = Date.parse(last_event.slice(0, 10));
  const mid = first + Math.floor((last - first) / day / 2) * day;
  const iso = (t) => new Date(t).toISOString().slice(0, 10);
  $("compare-a-from").value = iso(first);
  $("compare-a-to").value = iso(Math.max(first, mid - day));
  $("compare-b-from").value = iso(mid);
  $("compare-b-to").value = iso(last);
}

async function refreshCompare() {
  await panel("compare", async (el) => {
    // A period ends after its last day.
    const side = (from, to, label) => {
      const end = new Date(Date.parse($(to).value) + 86400000).toISOString();
      return { from: `${$(from).value}T00:00:00Z`, to: end, label };
    };
    const a = side("compare-a-from", "compare-a-to", `${$("compare-a-from").value} to ${$("compare-a-to").value}`);
    const b = side("compare-b-from", "compare-b-to", `${$("compare-b-from").value} to ${$("compare-b-to").value}`);
    const r = await call("compare", { a, b, steps: funnelSteps() });
    state.results.compare = r.result;
    const summary = document.createElement("p");
    summary.textContent = `${fmt.format(r.result.n_significant)} of ${fmt.format(r.result.n_tested)} figures changed beyond noise.`;
    const chart = document.createElement("div");
    putSvg(chart, r.svg);
    el.replaceChildren(summary, chart);
  });
}

async function refreshDrivers() {
  await panel("drivers", async (el) => {
    const r = await call("drivers");
    state.results.drivers = r.result;
    const d = r.result;
    const summary = document.createElement("p");
    summary.textContent = `${fmt.format(d.converters)} of ${fmt.format(d.n_customers)} customers converted; ${fmt.format(d.n_tested)} touchpoints tested, ${fmt.format(d.n_significant)} significant (q \u2264 ${d.alpha}).`;
    const chart = document.createElement("div");
    putSvg(chart, r.svg);
    const rows = d.rows.map((x) => ({
      touchpoint: x.label,
      customers: x.customers_with,
      "rate with": x.rate_with,
      "rate without": x.rate_without,
      "odds ratio": x.odds_ratio,
      "q-value": x.q_value,
      significant: x.significant ? "yes" : "no",
    }));
    el.replaceChildren(summary, chart, table(rows));
  });
}

async function refreshAttribution() {
  await panel("attribution", async (el) => {
    const model = $("attribution-model").value;
    const level = $("attribution-level").value;
    const r = await call("attribution", { model, level });
    state.results.attribution = { model: model === "compare" ? "all" : model, level, result: r.result };
    const chart = document.createElement("div");
    putSvg(chart, r.svg);
    const t = r.result;
    const summary = document.createElement("p");
    summary.textContent = `${fmt.format(t.total_conversions)} conversions (value ${fmt.format(t.total_value)}) on ${fmt.format(t.total_conversions + t.total_null)} paths; ${fmt.format(t.attributed_conversions)} credited to ${level}s.`;
    el.replaceChildren(summary, chart, table(t.rows));
  });
}

/** Markov order selection and the removal effects of channel pairs or triples. */
async function refreshOrders() {
  await panel("orders", async (el) => {
    const level = $("attribution-level").value;
    const length = Number($("sequence-length").value);
    const order = $("sequence-order").value ? Number($("sequence-order").value) : null;
    const r = await call("orders", { level, length, order });
    state.results.orders = { level, length, order, selection: r.selection, sequences: r.sequences };
    const sel = r.selection;
    const seq = r.sequences;
    const chosen = Object.assign(document.createElement("p"), {
      textContent: sel.chosen_order === null
        ? "No paths to fit a Markov chain to."
        : `Markov chains of orders 1 to ${sel.orders.length} fitted to the paths of ${fmt.format(sel.channels)} ${level}s; BIC (lowest is best) chooses order ${sel.chosen_order}.`,
    });
    const orderRows = sel.orders.map((o) => ({ order: o.order, chosen: o.order === sel.chosen_order ? "✓" : "", states: o.states, parameters: o.parameters, "log likelihood": o.log_likelihood, BIC: o.bic, AIC: o.aic }));
    // The largest removal effects first (none when nothing converts), then by name.
    const top = [...seq.rows].sort((a, b) => (b.removal_effect ?? -1) - (a.removal_effect ?? -1) || a.sequence.localeCompare(b.sequence)).slice(0, 10);
    const what = length === 3 ? "triples" : "pairs";
    const raised = order === null && sel.chosen_order !== null && seq.order > sel.chosen_order ? ` (the chosen order raised to ${seq.order}: a chain of order k removes runs of at most k touches)` : "";
    const seqNote = Object.assign(document.createElement("p"), {
      textContent: `Removal effects of ${what} of consecutive ${level}s at order ${seq.order}${raised}: the share of conversions lost when every walk making those touches in a row ends there. ${fmt.format(seq.rows.length)} ${what} seen${seq.rows.length > top.length ? `, the ${top.length} largest shown` : ""}.`,
    });
    const seqRows = top.map((x) => ({ sequence: x.sequence, occurrences: x.occurrences, paths: x.paths, conversions: x.conversions, "removal effect": x.removal_effect }));
    el.replaceChildren(chosen, table(orderRows), seqNote, table(seqRows));
  });
}

async function refreshRetention() {
  await panel("retention", async (el) => {
    const r = await call("retention", {
      period: $("retention-period").value,
      periods: Number($("retention-periods").value) || 8,
      minReturns: Number($("retention-min-returns").value) || 1,
      unbounded: $("retention-unbounded").checked,
    });
    state.results.retention = r.result;
    const parts = [];
    if (r.svg) {
      const chart = document.createElement("div");
      putSvg(chart, r.svg);
      parts.push(chart);
    }
    else parts.push(table(r.result.cohorts));
    el.replaceChildren(...parts);
  });
}

async function refreshSatisfaction() {
  await panel("satisfaction", async (el) => {
    const metric = $("satisfaction-metric").value;
    const r = await call("satisfaction", { metric });
    delete state.results.nps;
    delete state.results.csat;
    if (r.noSurveys) return note(el, "Add survey responses (a CSV with customer_id, timestamp, touchpoint and nps/csat columns) to see scores per touchpoint.");
    state.results[metric] = r.result;
    const from = Object.assign(document.createElement("p"), { className: "source", textContent: `Responses: ${r.source === "sample" ? "the sample data" : r.source}.` });
    const parts = [from];
    if (r.svg) {
      const chart = document.createElement("div");
      putSvg(chart, r.svg);
      parts.push(chart);
    }
    parts.push(table(r.result.groups));
    el.replaceChildren(...parts);
  });
}

// ------------------------------------------------------------------------------------------
// Wiring

setState("starting");

$("events-file").addEventListener("change", (e) => {
  const f = e.target.files[0];
  if (f) loadEvents(f);
  e.target.value = "";
});
$("surveys-file").addEventListener("change", (e) => {
  const f = e.target.files[0];
  if (f) loadSurveys(f);
  e.target.value = "";
});
$("sample").addEventListener("click", loadSample);

const drop = $("drop");
for (const t of ["dragenter", "dragover"]) {
  drop.addEventListener(t, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
}
for (const t of ["dragleave", "drop"]) drop.addEventListener(t, () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  const f = e.dataTransfer.files[0];
  if (f) loadEvents(f);
});
// Dropping a file anywhere else must not navigate away from the page.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

$("funnel-add").addEventListener("click", () => addStep(""));
$("funnel-form").addEventListener("submit", (e) => {
  e.preventDefault();
  refreshFunnel();
});
$("funnel-mode").addEventListener("change", refreshFunnel);
$("funnel-trend").addEventListener("change", refreshFunnel);
$("funnel-after").addEventListener("change", refreshFunnel);
$("sequence-length").addEventListener("change", refreshOrders);
$("sequence-order").addEventListener("change", refreshOrders);
$("retention-min-returns").addEventListener("change", refreshRetention);
$("retention-unbounded").addEventListener("change", refreshRetention);
$("attribution-model").addEventListener("change", refreshAttribution);
$("attribution-level").addEventListener("change", async () => {
  await refreshAttribution();
  await refreshOrders();
});
$("retention-period").addEventListener("change", refreshRetention);
$("retention-periods").addEventListener("change", refreshRetention);
$("satisfaction-metric").addEventListener("change", refreshSatisfaction);
$("map-persona").addEventListener("change", refreshMap);
$("compare-form").addEventListener("submit", (e) => {
  e.preventDefault();
  refreshCompare();
});

$("download-svg").addEventListener("click", () => {
  if (state.mapSvg) download("journey-map.svg", "image/svg+xml", state.mapSvg);
});
$("download-json").addEventListener("click", () => {
  download("journey-results.json", "application/json", JSON.stringify(state.results, null, 2));
});
