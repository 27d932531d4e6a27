// The live demo's data (live.html): a log's CSV (EventLog#toCsv) split by time into the events
// the demo starts from and the batches it appends. Plain JavaScript with no journey call, so the
// browser test (journey-wasm/tests/browser/live.test.mjs) splits the same data the same way.

/**
 * Splits `csv` (a header line, then one event per line, no quoted fields) by the `timestamp`
 * column: the earliest `share` of the events (by time, ties in input order) are the start, the
 * rest `n` batches of (nearly) equal size, in time order. Each part is CSV text with the header.
 */
export function splitByTime(csv, n, share = 0.5) {
  const lines = csv.split("\n").filter((l) => l.length > 0);
  const header = lines.shift();
  const at = header.split(",").indexOf("timestamp");
  if (at < 0) throw new Error("the CSV has no timestamp column");
  if (lines.some((l) => l.includes('"'))) throw new Error("quoted fields are not supported here");
  const rows = lines.map((l, i) => ({ l, t: l.split(",")[at], i }));
  // Timestamps of one log share one format (RFC 3339 in UTC), so text order is time order.
  rows.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  const first = Math.floor(rows.length * share);
  const text = (part) => [header, ...part.map((r) => r.l)].join("\n") + "\n";
  const rest = rows.slice(first);
  const size = Math.ceil(rest.length / n);
  const batches = [];
  for (let k = 0; k < n; k++) batches.push(text(rest.slice(k * size, (k + 1) * size)));
  return { start: text(rows.slice(0, first)), batches };
}
