// Puts journey results into the input shapes of journey's chart functions (funnelChartSvg,
// groupedBarsSvg, heatmapSvg, intervalChartSvg). Presentation only: every number shown is a
// number journey computed; nothing here derives a metric. The readers are tolerant about field
// names so that a panel keeps working while the result shapes of new metrics settle.

const first = (obj, keys) => {
  for (const k of keys) if (obj?.[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
};

const stepLabel = (step) => (Array.isArray(step) ? step.join(" or ") : String(step));

/** The funnel's steps as `{label, count, fields}`; `fields` holds every scalar of the step. */
export function funnelRows(result, steps = []) {
  const rows = first(result, ["steps", "rows"]) ?? [];
  return rows.map((s, i) => {
    const label = first(s, ["label", "step", "name", "touchpoint"]);
    const count = first(s, ["customers", "count", "reached", "n"]);
    const fields = {};
    for (const [k, v] of Object.entries(s)) if (v === null || typeof v !== "object") fields[k] = v;
    return { label: label === undefined ? stepLabel(steps[i] ?? `step ${i + 1}`) : stepLabel(label), count: typeof count === "number" ? count : null, fields };
  });
}

/** Input of funnelChartSvg. */
export function funnelChart(result, steps) {
  const rows = funnelRows(result, steps).filter((r) => r.count !== null);
  return { title: "Funnel", steps: rows.map((r) => ({ label: r.label, count: r.count })) };
}

const MODEL_NAMES = {
  first_touch: "first touch",
  last_touch: "last touch",
  linear: "linear",
  time_decay: "time decay",
  position_based: "position based",
  markov: "Markov",
  shapley: "Shapley",
};

/** Input of groupedBarsSvg: one model (`model`) or all models of an attribution table. */
export function attributionBars(result, model, level = "channel") {
  const rows = result.rows ?? [];
  const groups = rows.map((r) => first(r, ["channel", "touchpoint", "label"]));
  if (model) {
    return {
      title: `Conversions credited per ${level}: ${MODEL_NAMES[model] ?? model}`,
      groups,
      series: [MODEL_NAMES[model] ?? model],
      values: rows.map((r) => [r.conversions]),
      value_label: "conversions credited",
    };
  }
  // Models that could not be computed (null, e.g. time decay without timestamps) are left out.
  const models = (result.models ?? []).filter((m) => rows.every((r) => typeof r[m] === "number"));
  return {
    title: `Conversions credited per ${level}, every model`,
    groups,
    series: models.map((m) => MODEL_NAMES[m] ?? m),
    values: rows.map((r) => models.map((m) => r[m])),
    value_label: "conversions credited",
  };
}

/**
 * Input of heatmapSvg from a retention result (cohort rows with `rates` in percent of the cohort,
 * null where not observable yet), or null if the result has no rates to draw.
 */
export function retentionHeatmap(result, period = "week") {
  const rows = first(result, ["cohorts", "rows"]);
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const cells = [];
  for (const r of rows) {
    const pct = first(r, ["rates", "percent"]);
    if (!Array.isArray(pct)) return null;
    cells.push(pct.map((x) => (typeof x === "number" ? x / 100 : null)));
  }
  const width = Math.max(...cells.map((c) => c.length));
  for (const c of cells) while (c.length < width) c.push(null);
  const sizes = rows.map((r) => first(r, ["size", "cohort_size", "customers"]));
  return {
    title: "Retention by cohort",
    row_title: "cohort",
    col_title: `${period}s after the cohort's ${period}`,
    row_labels: rows.map((r, i) => String(first(r, ["cohort", "label", "start"]) ?? i)),
    col_labels: Array.from({ length: width }, (_, k) => String(k)),
    cells,
    row_sizes: sizes.every((s) => typeof s === "number") ? sizes : [],
  };
}

/** Input of intervalChartSvg from an NPS or CSAT result broken down by touchpoint. */
export function satisfactionIntervals(result, metric = "nps") {
  const rows = first(result, ["rows", "groups", "by", "breakdown"]);
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const pair = (r) => first(r, ["ci", "interval", "ci95"]);
  const out = rows.map((r) => ({
    label: String(first(r, ["touchpoint", "group", "key", "label", "value"]) ?? "(none)"),
    estimate: first(r, [metric, "score", "estimate"]) ?? null,
    lo: first(r, ["ci_lo", "lo", "lower", "ci_low"]) ?? pair(r)?.[0] ?? null,
    hi: first(r, ["ci_hi", "hi", "upper", "ci_high"]) ?? pair(r)?.[1] ?? null,
    n: first(r, ["n", "responses", "answered"]) ?? 0,
  }));
  const overall = first(result, [metric, "overall"]);
  const reference = typeof overall === "number" ? overall : typeof overall?.[metric] === "number" ? overall[metric] : null;
  return {
    title: metric === "nps" ? "NPS by touchpoint (95% interval)" : `${metric.toUpperCase()} by touchpoint (95% interval)`,
    rows: out,
    min: metric === "nps" ? -100 : 0,
    max: 100,
    reference,
    value_label: metric === "nps" ? "NPS" : `${metric.toUpperCase()} (%)`,
  };
}
