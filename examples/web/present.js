// Puts journey results into the input shapes of journey's chart functions (funnelChartSvg,
// groupedBarsSvg, heatmapSvg, intervalChartSvg). Presentation only: every number shown is a
// number journey computed; nothing here derives a metric. The results are read in their
// canonical shapes (the FunnelResult, AttributionResult, RetentionResult, ... of the package's
// TypeScript declarations).

/** The funnel's steps as `{label, count, fields}`; `fields` holds every scalar of the step. */
export function funnelRows(result) {
  return result.steps.map((s) => {
    const fields = {};
    for (const [k, v] of Object.entries(s)) if (v === null || typeof v !== "object") fields[k] = v;
    return { label: s.label, count: s.customers, fields };
  });
}

/** Input of funnelChartSvg. */
export function funnelChart(result) {
  return { title: "Funnel", steps: result.steps.map((s) => ({ label: s.label, count: s.customers })) };
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
  const rows = result.rows;
  // A row is named `channel` at either level (a touchpoint name at level "touchpoint").
  const groups = rows.map((r) => r.channel);
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
  const models = result.models.filter((m) => rows.every((r) => typeof r[m] === "number"));
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
 * null where not observable yet), or null when there is no cohort to draw.
 */
export function retentionHeatmap(result, period = "week") {
  const rows = result.cohorts;
  if (rows.length === 0) return null;
  const cells = rows.map((r) => r.rates.map((x) => (x === null ? null : x / 100)));
  const width = Math.max(...cells.map((c) => c.length));
  for (const c of cells) while (c.length < width) c.push(null);
  return {
    title: "Retention by cohort",
    row_title: "cohort",
    col_title: `${period}s after the cohort's ${period}`,
    row_labels: rows.map((r) => r.cohort),
    col_labels: Array.from({ length: width }, (_, k) => String(k)),
    cells,
    row_sizes: rows.map((r) => r.size),
  };
}

/**
 * Input of intervalChartSvg from an NPS or CSAT breakdown by touchpoint (`metric` names the
 * score field: "nps" or "csat"), or null when there is no group to draw.
 */
export function satisfactionIntervals(result, metric = "nps") {
  if (result.groups.length === 0) return null;
  return {
    title: `${metric.toUpperCase()} by touchpoint (95% interval)`,
    rows: result.groups.map((g) => ({
      label: g.key ?? "(none)",
      estimate: g[metric],
      lo: g.ci_low,
      hi: g.ci_high,
      n: g.n,
    })),
    min: metric === "nps" ? -100 : 0,
    max: 100,
    reference: result[metric],
    value_label: metric === "nps" ? "NPS" : `${metric.toUpperCase()} (%)`,
  };
}
