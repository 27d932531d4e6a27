"""journey against polars and DuckDB, the way users compare: whole processes, from the CSV file.

    python examples/python/bench_compare.py                    # about 10 million events
    python examples/python/bench_compare.py --events 20000 --repeats 1

The log is journey's synthetic data (``journey.synthetic``, about 9.9 events per customer),
written as CSV and then rewritten in time order, so customers interleave as in most exports
(``bench by-time`` of ``examples/bench.rs`` does the same). Before that rewrite each customer's
timestamps are made strictly increasing (an event at or before the previous one of the same
customer moves to one second after it), so no customer has two events at the same second: the
order of a customer's events is then their time order in every engine, whatever rule an engine
uses for ties, and the polars and DuckDB code orders by customer and time only ("after" is
"strictly later"). The file is kept in ``--dir`` (default ``bench-data/``) and reused.

Six measurements, each engine in its own process, interleaved over the repeats (journey,
polars, DuckDB, journey, ...):

- ``load``: the file into memory: ``journey.read_events``, ``pl.read_csv`` with default options,
  DuckDB's ``read_csv`` into a table;
- ``funnel``: an ordered funnel, product_page > add_to_cart > checkout_shipping > purchase, with
  a 7-day window (docs/journeys.md): customers at each step;
- ``paths``: the channel path table (docs/attribution.md): per distinct path of channels, its
  conversions, non-conversions and conversion value;
- ``graph``: the directly-follows graph of touchpoints with start and end: the count of each edge;
- ``cohorts``: weekly repeat-purchase cohorts (docs/metrics.md): cohort = ISO week of the first
  purchase, cell k = customers of the cohort with a purchase in week c + k, k = 0..12, null when
  that week begins after the last event of the log;
- ``sessions``: sessions with a 30-minute gap (their number, events per session, durations) and
  the number of touches before each conversion (docs/journeys.md).

Every analysis is timed from the start of the load to the end of the analysis (end to end), and
from the end of the load (compute); peak memory is the process's maximum resident set size at
the end of the analysis. journey, polars and DuckDB each load the whole file (all columns);
polars and DuckDB are told that ``value`` is a number (their type inference reads a column that
is blank in its first rows as text) and polars is given the timestamps' format. Each result
is reduced to a canonical, sorted form and hashed; the script fails if the engines' hashes
differ. It prints a markdown table ready for docs/benchmarks.md and, with ``--json``, the raw
figures.
"""

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

ENGINES = ("journey", "polars", "duckdb")
ANALYSES = ("load", "funnel", "paths", "graph", "cohorts", "sessions")
FUNNEL_STEPS = ("product_page", "add_to_cart", "checkout_shipping", "purchase")
WINDOW_US = 7 * 86_400 * 1_000_000
SESSION_GAP_US = 30 * 60 * 1_000_000
COHORT_PERIODS = 12
CONVERSION = "purchase"
SEED = 42
EVENTS_PER_CUSTOMER = 9.93
# Bins of a count histogram (docs/journeys.md): one per integer 0..19, then 20 and more.
COUNT_BINS = 20
ENGINE_NAMES = {"journey": "journey", "polars": "polars", "duckdb": "DuckDB"}
ANALYSIS_NAMES = {
    "load": "load the CSV file only",
    "funnel": "funnel, 4 steps, 7-day window",
    "paths": "channel path table",
    "graph": "directly-follows graph",
    "cohorts": "weekly repeat-purchase cohorts",
    "sessions": "sessions + touches before purchase",
}


# ---------------------------------------------------------------------------------------------
# The data


def make_log(path, events, seed=SEED):
    """Writes about `events` synthetic events to `path`: time order, no ties within a customer."""
    import polars as pl

    import journey

    customers = max(1, round(events / EVENTS_PER_CUSTOMER))
    log, _ = journey.synthetic(customers=customers, seed=seed)
    grouped = path + ".grouped.tmp"
    log.to_csv(grouped)
    del log
    # Read every cell as text so that everything but the timestamp is written back verbatim.
    frame = pl.read_csv(grouped, infer_schema=False)
    os.remove(grouped)
    secs = (
        pl.col("timestamp")
        .str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")
        .dt.epoch("s")
    )
    # The file lists each customer's events in journey's order. t'_i = max(t_i, t'_{i-1} + 1)
    # is i + the running maximum of t_j - j (j <= i), i the event's place in its journey.
    place = pl.int_range(pl.len()).over("customer_id")
    frame = (
        frame.with_columns(_t=secs, _i=place)
        .with_columns(_t=(pl.col("_t") - pl.col("_i")).cum_max().over("customer_id") + pl.col("_i"))
        .sort("_t", maintain_order=True)
        .with_columns(
            timestamp=pl.from_epoch("_t", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        .drop("_t", "_i")
    )
    tmp = path + ".tmp"
    frame.write_csv(tmp)
    os.replace(tmp, path)
    return frame.height, frame["customer_id"].n_unique()


# ---------------------------------------------------------------------------------------------
# journey


def journey_load(path):
    import journey

    return journey.read_events(path, progress=False)


def journey_run(analysis, log):
    import journey

    if analysis == "load":
        return log
    if analysis == "funnel":
        return log.funnel(list(FUNNEL_STEPS), window="7d")
    if analysis == "paths":
        return journey.PathTable.from_log(log, level="channel")
    if analysis == "graph":
        return log.transition_graph(level="touchpoint")
    if analysis == "cohorts":
        return log.retention(
            period="week", periods=COHORT_PERIODS, start=CONVERSION, ret=CONVERSION
        )
    if analysis == "sessions":
        return log.sessions(gap="30m"), log.path_stats(level="touchpoint")
    raise ValueError(analysis)


def journey_canonical(analysis, r):
    if analysis == "load":
        return {"rows": r.n_events}
    if analysis == "funnel":
        return [s["customers"] for s in r.to_dict()["steps"]]
    if analysis == "paths":
        return sorted(
            [
                ">".join(n.strip() for n in row["path"].split(">")) if row["path"] else "",
                int(row["total_conversions"]),
                int(row["total_null"]),
                cents(row["total_conversion_value"]),
            ]
            for row in r.rows()
        )
    if analysis == "graph":
        return sorted([e["source"], e["target"], e["count"]] for e in r.edges())
    if analysis == "cohorts":
        d = r.to_dict()
        return {
            "data_end_week": iso_week_start(d["data_end"]),
            "cohorts": [[c["start"][:10], c["size"], c["counts"]] for c in d["cohorts"]],
        }
    if analysis == "sessions":
        s, p = (x.to_dict() for x in r)
        return {
            "sessions": s["n_sessions"],
            "events_per_session": journey_distribution(s["events_per_session"], True),
            "session_duration_s": journey_distribution(s["session_duration_s"], False),
            "touches_before_conversion": journey_distribution(
                p["touches_before_conversion"], True
            ),
        }
    raise ValueError(analysis)


def journey_distribution(d, counts):
    out = summary(d["n"], d["mean"], d["median"], d["p90"], d["min"], d["max"])
    if counts:
        out["histogram"] = [b["count"] for b in d["histogram"]]
    return out


# ---------------------------------------------------------------------------------------------
# polars


def polars_load(path, analysis):
    import polars as pl

    if analysis == "load":
        return pl.read_csv(path)
    # The timestamps parsed with their format given: three times faster than try_parse_dates.
    return pl.read_csv(path, schema_overrides={"value": pl.Float64}).with_columns(
        pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")
    )


def polars_sorted(df, *cols):
    """The events in each customer's order: by customer, then time (no ties in this data)."""
    import polars as pl

    return df.select(
        "customer_id", pl.col("timestamp").dt.epoch("us").alias("t"), "touchpoint", *cols
    ).sort("customer_id", "t")


def polars_paths(e):
    """Rows of `e` (sorted) with `conv` and `path`: a global number of their conversion path.
    A path starts at a customer's first event and after each conversion."""
    import polars as pl

    c = pl.col("customer_id")
    conv = pl.col("touchpoint") == CONVERSION
    start = (c != c.shift(1)).fill_null(True) | conv.shift(1).fill_null(False)
    return e.with_columns(conv=conv, path=start.cum_sum())


def polars_run(analysis, df):
    import polars as pl

    if analysis == "load":
        return df
    c = pl.col("customer_id")
    if analysis == "funnel":
        # Every step-1 event starts an attempt; step j is the customer's next event of step j
        # after step j - 1's (strictly later: no ties here), kept if within the window.
        e = polars_sorted(df.filter(pl.col("touchpoint").is_in(FUNNEL_STEPS)))
        cur = e.filter(pl.col("touchpoint") == FUNNEL_STEPS[0]).select(c, t0="t", tj="t")
        counts = [cur.select(c.n_unique())]
        for step in FUNNEL_STEPS[1:]:
            nxt = e.filter(pl.col("touchpoint") == step).select(c, tn="t")
            cur = (
                cur.join_asof(
                    nxt, left_on="tj", right_on="tn", by="customer_id", strategy="forward",
                    allow_exact_matches=False, check_sortedness=False,
                )
                .filter(pl.col("tn") <= pl.col("t0") + WINDOW_US)
                .select(c, "t0", tj="tn")
            )
            counts.append(cur.select(c.n_unique()))
        return pl.concat(counts)
    if analysis == "paths":
        e = polars_paths(polars_sorted(df, "channel", "value"))
        return (
            e.group_by("path")
            .agg(
                path_=pl.col("channel").filter(~pl.col("conv")).str.join(">"),
                converted=pl.col("conv").any(),
                value=pl.col("value").filter(pl.col("conv")).sum(),
            )
            .group_by("path_")
            .agg(
                conversions=pl.col("converted").sum(),
                nulls=(~pl.col("converted")).sum(),
                value=pl.col("value").sum(),
            )
        )
    if analysis == "graph":
        e = polars_sorted(df)
        first = (c != c.shift(1)).fill_null(True)
        last = (c != c.shift(-1)).fill_null(True)
        tp = pl.col("touchpoint")
        edges = e.select(src=pl.when(first).then(pl.lit("start")).otherwise(tp.shift(1)), dst=tp)
        ends = e.filter(last).select(src=tp, dst=pl.lit("end"))
        return pl.concat([edges, ends]).group_by("src", "dst").len()
    if analysis == "cohorts":
        buys = df.filter(pl.col("touchpoint") == CONVERSION).select(
            c, week=pl.col("timestamp").dt.truncate("1w")
        )
        first = buys.group_by("customer_id").agg(cohort=pl.col("week").min())
        cells = (
            buys.join(first, on="customer_id")
            .with_columns(k=(pl.col("week") - pl.col("cohort")).dt.total_days() // 7)
            .filter(pl.col("k") <= COHORT_PERIODS)
            .group_by("cohort", "k")
            .agg(n=c.n_unique())
        )
        sizes = first.group_by("cohort").len()
        end = df.select(pl.col("timestamp").max().dt.truncate("1w"))
        return sizes, cells, end
    if analysis == "sessions":
        e = polars_sorted(df)
        t = pl.col("t")
        new = (c != c.shift(1)).fill_null(True) | ((t - t.shift(1)) > SESSION_GAP_US)
        sessions = (
            e.with_columns(sid=new.cum_sum())
            .group_by("sid")
            .agg(n=pl.len(), dur=(t.max() - t.min()) / 1e6)
        )
        touches = (
            polars_paths(e)
            .group_by("path")
            .agg(converted=pl.col("conv").any(), n=(~pl.col("conv")).sum())
            .filter(pl.col("converted"))
        )
        return (
            polars_distribution(sessions, "n", True),
            polars_distribution(sessions, "dur", False),
            polars_distribution(touches, "n", True),
        )
    raise ValueError(analysis)


def polars_distribution(frame, col, counts):
    import polars as pl

    x = pl.col(col)
    stats = frame.select(
        n=pl.len(),
        mean=x.mean(),
        median=x.quantile(0.5, interpolation="linear"),
        p90=x.quantile(0.9, interpolation="linear"),
        min=x.min(),
        max=x.max(),
    )
    values = frame.group_by(x.clip(upper_bound=COUNT_BINS)).len() if counts else None
    return stats, values


def polars_canonical(analysis, r):
    if analysis == "load":
        return {"rows": r.height}
    if analysis == "funnel":
        return [n for (n,) in r.iter_rows()]
    if analysis == "paths":
        return sorted([p, int(cv), int(nl), cents(v)] for p, cv, nl, v in r.iter_rows())
    if analysis == "graph":
        return sorted([s, d, n] for s, d, n in r.iter_rows())
    if analysis == "cohorts":
        sizes, cells, end = r
        end_week = end.item()
        return cohort_matrix(
            [(w.date(), n) for w, n in sizes.iter_rows()],
            [(w.date(), k, n) for w, k, n in cells.iter_rows()],
            end_week.date(),
        )
    if analysis == "sessions":
        dists = []
        for stats, values in r:
            row = stats.row(0, named=True)
            d = summary(row["n"], row["mean"], row["median"], row["p90"], row["min"], row["max"])
            if values is not None:
                d["histogram"] = histogram(values.iter_rows())
            dists.append(d)
        return {
            "sessions": dists[0]["n"],
            "events_per_session": dists[0],
            "session_duration_s": dists[1],
            "touches_before_conversion": dists[2],
        }
    raise ValueError(analysis)


# ---------------------------------------------------------------------------------------------
# DuckDB

# Each customer's order: by time (no ties in this data).
ORDER = "PARTITION BY customer_id ORDER BY t"


def duckdb_load(path, analysis):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE events AS SELECT * FROM read_csv(?, types = {'value': 'DOUBLE'})", [path]
    )
    return con


def duckdb_funnel_sql():
    # Every step-1 event starts an attempt (a1); step j is the customer's next event of step j
    # after step j - 1's (strictly later: no ties here), kept if within the window.
    steps = ", ".join(f"'{s}'" for s in FUNNEL_STEPS)
    ctes = [
        f"e AS (SELECT customer_id, epoch_us(timestamp) AS t, touchpoint FROM events "
        f"WHERE touchpoint IN ({steps}))",
        f"a1 AS (SELECT customer_id, t AS t0, t AS tj FROM e "
        f"WHERE touchpoint = '{FUNNEL_STEPS[0]}')",
    ]
    for j, step in enumerate(FUNNEL_STEPS[1:], start=2):
        ctes.append(
            f"a{j} AS (SELECT a.customer_id, a.t0, n.t AS tj FROM a{j - 1} a "
            f"ASOF JOIN (SELECT customer_id, t FROM e WHERE touchpoint = '{step}') n "
            f"ON a.customer_id = n.customer_id AND a.tj < n.t WHERE n.t <= a.t0 + {WINDOW_US})"
        )
    counts = " UNION ALL ".join(
        f"SELECT {j}, count(DISTINCT customer_id) FROM a{j}"
        for j in range(1, len(FUNNEL_STEPS) + 1)
    )
    return "WITH " + ",\n".join(ctes) + f"\n{counts}"


def duckdb_paths_sql():
    return f"""
    WITH e AS (
        SELECT customer_id, epoch_us(timestamp) AS t, touchpoint, channel, value,
               touchpoint = '{CONVERSION}' AS conv
        FROM events),
    s AS (
        SELECT *, sum(conv::INT) OVER ({ORDER} ROWS UNBOUNDED PRECEDING) - conv::INT AS seg FROM e),
    p AS (
        SELECT coalesce(string_agg(channel, '>' ORDER BY t)
                        FILTER (WHERE NOT conv), '') AS path,
               bool_or(conv) AS converted,
               coalesce(sum(value) FILTER (WHERE conv), 0) AS value
        FROM s GROUP BY customer_id, seg)
    SELECT path, count(*) FILTER (WHERE converted), count(*) FILTER (WHERE NOT converted),
           sum(value)
    FROM p GROUP BY path"""


def duckdb_graph_sql():
    return f"""
    WITH e AS (
        SELECT touchpoint,
               lag(touchpoint) OVER w AS prev,
               lead(touchpoint) OVER w AS next
        FROM (SELECT customer_id, epoch_us(timestamp) AS t, touchpoint FROM events)
        WINDOW w AS ({ORDER}))
    SELECT coalesce(prev, 'start') AS src, touchpoint AS dst, count(*) FROM e GROUP BY ALL
    UNION ALL
    SELECT touchpoint, 'end', count(*) FROM e WHERE next IS NULL GROUP BY ALL"""


def duckdb_cohort_sql():
    return f"""
    WITH b AS (
        SELECT customer_id, date_trunc('week', timestamp)::DATE AS week
        FROM events WHERE touchpoint = '{CONVERSION}'),
    f AS (SELECT customer_id, min(week) AS cohort FROM b GROUP BY customer_id),
    cells AS (
        SELECT cohort, (week - cohort) // 7 AS k, count(DISTINCT customer_id) AS n
        FROM b JOIN f USING (customer_id) GROUP BY ALL)
    SELECT 'size', cohort, NULL, count(*) FROM f GROUP BY cohort
    UNION ALL
    SELECT 'cell', cohort, k, n FROM cells WHERE k <= {COHORT_PERIODS}
    UNION ALL
    SELECT 'end', date_trunc('week', max(timestamp))::DATE, NULL, NULL FROM events"""


def duckdb_distribution_sql(source, col, counts):
    stats = f"""
        SELECT 'stats', count(*), avg({col}), quantile_cont({col}, 0.5), quantile_cont({col}, 0.9),
               min({col}), max({col}) FROM {source}"""
    if not counts:
        return stats
    return (
        stats
        + f"""
        UNION ALL
        SELECT 'bin', least({col}, {COUNT_BINS}) AS v, count(*), NULL, NULL, NULL, NULL
        FROM {source} GROUP BY v"""
    )


def duckdb_sessions_sql():
    return f"""
    WITH e AS (
        SELECT customer_id, epoch_us(timestamp) AS t, touchpoint,
               touchpoint = '{CONVERSION}' AS conv
        FROM events),
    o AS (
        SELECT customer_id, t, conv,
               sum(CASE WHEN t - prev > {SESSION_GAP_US} OR prev IS NULL THEN 1 ELSE 0 END)
                   OVER (w ROWS UNBOUNDED PRECEDING) AS sid,
               sum(conv::INT) OVER (w ROWS UNBOUNDED PRECEDING) - conv::INT AS seg
        FROM (SELECT *, lag(t) OVER ({ORDER}) AS prev FROM e)
        WINDOW w AS ({ORDER})),
    sessions AS (
        SELECT count(*) AS n, (max(t) - min(t)) / 1e6 AS dur FROM o GROUP BY customer_id, sid),
    touches AS (
        SELECT count(*) FILTER (WHERE NOT conv) AS n FROM o GROUP BY customer_id, seg
        HAVING bool_or(conv))
    SELECT 'n', * FROM ({duckdb_distribution_sql('sessions', 'n', True)})
    UNION ALL
    SELECT 'dur', * FROM ({duckdb_distribution_sql('sessions', 'dur', False)})
    UNION ALL
    SELECT 'touches', * FROM ({duckdb_distribution_sql('touches', 'n', True)})"""


DUCKDB_SQL = {
    "funnel": duckdb_funnel_sql,
    "paths": duckdb_paths_sql,
    "graph": duckdb_graph_sql,
    "cohorts": duckdb_cohort_sql,
    "sessions": duckdb_sessions_sql,
}


def duckdb_run(analysis, con):
    sql = "SELECT count(*) FROM events" if analysis == "load" else DUCKDB_SQL[analysis]()
    rel = con.sql(sql)
    # The result as an Arrow table (duckdb 2 calls it to_arrow_table, 1.x arrow).
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def duckdb_canonical(analysis, r):
    rows = [tuple(row.values()) for row in r.to_pylist()]
    if analysis == "load":
        return {"rows": rows[0][0]}
    if analysis == "funnel":
        return [n for _, n in sorted(rows)]
    if analysis == "paths":
        return sorted([p, int(cv), int(nl), cents(v)] for p, cv, nl, v in rows)
    if analysis == "graph":
        return sorted([s, d, n] for s, d, n in rows)
    if analysis == "cohorts":
        sizes = [(w, n) for kind, w, _, n in rows if kind == "size"]
        cells = [(w, k, n) for kind, w, k, n in rows if kind == "cell"]
        (end,) = [w for kind, w, _, _ in rows if kind == "end"]
        return cohort_matrix(sizes, cells, end)
    if analysis == "sessions":
        dists = {}
        for which, kind, a, b, c, d, e, f in rows:
            dist = dists.setdefault(which, {})
            if kind == "stats":
                dist.update(summary(a, b, c, d, e, f))
            else:
                dist.setdefault("bins", []).append((a, b))
        for which in ("n", "touches"):
            dists[which]["histogram"] = histogram(dists[which].pop("bins", []))
        return {
            "sessions": dists["n"]["n"],
            "events_per_session": dists["n"],
            "session_duration_s": dists["dur"],
            "touches_before_conversion": dists["touches"],
        }
    raise ValueError(analysis)


# ---------------------------------------------------------------------------------------------
# Canonical forms shared by the engines


def cents(x):
    return f"{(x or 0.0):.2f}"


def number(x):
    """A statistic as text: integers exactly, others to 6 decimals (None stays None)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.6f}"


def summary(n, mean, median, p90, lo, hi):
    return {
        "n": int(n),
        "mean": number(mean),
        "median": number(median),
        "p90": number(p90),
        "min": number(lo),
        "max": number(hi),
    }


def histogram(value_counts):
    """Counts per bin 0..19 and a last bin for 20 and more, from (value, count) pairs."""
    bins = [0] * (COUNT_BINS + 1)
    for v, n in value_counts:
        bins[min(int(v), COUNT_BINS)] += int(n)
    return bins


def iso_week_start(timestamp):
    day = dt.date.fromisoformat(timestamp[:10])
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def cohort_matrix(sizes, cells, end_week):
    """Dense cohort rows [start, size, counts k = 0..K] (None where week c + k is after the end)."""
    count = {(w, k): n for w, k, n in cells}
    out = []
    for w, size in sorted(sizes):
        row = []
        for k in range(COHORT_PERIODS + 1):
            week = w + dt.timedelta(weeks=k)
            row.append(None if week > end_week else int(count.get((w, k), 0)))
        out.append([w.isoformat(), int(size), row])
    return {"data_end_week": end_week.isoformat(), "cohorts": out}


def digest(canonical):
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# One measurement, in its own process


def child(engine, analysis, path, dump=None):
    if engine == "journey":
        import journey  # noqa: F401

        load, run, canon = (lambda p: journey_load(p)), journey_run, journey_canonical
    elif engine == "polars":
        import polars  # noqa: F401

        load, run, canon = (lambda p: polars_load(p, analysis)), polars_run, polars_canonical
    elif engine == "duckdb":
        import duckdb  # noqa: F401

        load, run, canon = (lambda p: duckdb_load(p, analysis)), duckdb_run, duckdb_canonical
    else:
        raise ValueError(engine)
    t0 = time.perf_counter()
    data = load(path)
    t1 = time.perf_counter()
    result = run(analysis, data)
    t2 = time.perf_counter()
    peak_mb = peak_rss_mb()
    canonical = canon(analysis, result)
    if dump:
        with open(os.path.join(dump, f"{engine}-{analysis}.json"), "w") as f:
            json.dump(canonical, f, indent=1, sort_keys=True)
    return {
        "engine": engine,
        "analysis": analysis,
        "load_s": t1 - t0,
        "compute_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_mb": peak_mb,
        "digest": digest(canonical),
    }


def peak_rss_mb():
    """The process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that over from the
    parent through fork and exec, so it would count the parent's memory."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(engine, analysis, path, dump):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", engine, analysis, path]
    if dump:
        cmd += ["--dump", dump]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{engine} {analysis} failed:\n{p.stdout}{p.stderr}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["process_s"] = wall
    return out


# ---------------------------------------------------------------------------------------------
# The comparison


class DigestMismatch(Exception):
    pass


def check_digests(runs, dump=None):
    """Raises DigestMismatch naming every analysis whose engines (or repeats) disagree."""
    bad = []
    for analysis in dict.fromkeys(r["analysis"] for r in runs):
        seen = {}
        for r in runs:
            if r["analysis"] == analysis:
                seen.setdefault(r["digest"], set()).add(r["engine"])
        if len(seen) > 1:
            parts = "; ".join(f"{', '.join(sorted(e))}: {d}" for d, e in seen.items())
            msg = f"{analysis}: the results differ ({parts})"
            if dump:
                msg += f"; canonical results in {dump}/<engine>-{analysis}.json"
            bad.append(msg)
    if bad:
        raise DigestMismatch("\n".join(bad))


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}"


def versions():
    import duckdb
    import polars

    import journey

    v = getattr(journey, "__version__", None)
    return (
        f"journey {v or '(dev)'}, polars {polars.__version__}, duckdb {duckdb.__version__}, "
        f"Python {platform.python_version()}"
    )


def fmt_s(x):
    return f"{x:.3f}" if x < 1 else f"{x:.2f}"


def verdict(med, analysis):
    j = med[("journey", analysis)]["total_s"]
    others = [(med[(e, analysis)]["total_s"], e) for e in ENGINES if e != "journey"]
    best, who = min(others)
    if j < best:
        return f"yes, {best / j:.2f}x faster than {ENGINE_NAMES[who]}"
    return f"**no**, {ENGINE_NAMES[who]} is {j / best:.2f}x faster (+{fmt_s(j - best)} s)"


def table(runs, header):
    med = {}
    for e in ENGINES:
        for a in ANALYSES:
            rs = [r for r in runs if r["engine"] == e and r["analysis"] == a]
            if rs:
                keys = ("total_s", "load_s", "compute_s", "peak_mb")
                med[(e, a)] = {k: statistics.median(r[k] for r in rs) for k in keys}
                if a == "load":
                    # The load alone (DuckDB's count(*) afterwards is not part of it).
                    med[(e, a)]["total_s"] = med[(e, a)]["load_s"]
    lines = header + [
        "",
        "| analysis | journey | polars | DuckDB | compute: journey | polars | DuckDB "
        "| peak MB: journey | polars | DuckDB | journey fastest end to end? |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a in ANALYSES:
        if any((e, a) not in med for e in ENGINES):
            continue
        m = [med[(e, a)] for e in ENGINES]
        total = [fmt_s(x["total_s"]) for x in m]
        compute = ["-" if a == "load" else fmt_s(x["compute_s"]) for x in m]
        peak = [f"{x['peak_mb']:.0f}" for x in m]
        cells = " | ".join(total + compute + peak)
        lines.append(f"| {ANALYSIS_NAMES[a]} | {cells} | {verdict(med, a)} |")
    return "\n".join(lines), med


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000, help="about this many events")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default="bench-data", help="where the CSV file is kept")
    ap.add_argument("--analyses", default=",".join(ANALYSES), help="comma-separated subset")
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument(
        "--child", nargs=3, metavar=("ENGINE", "ANALYSIS", "PATH"), help=argparse.SUPPRESS
    )
    ap.add_argument("--dump", help="write each engine's canonical results into this directory")
    ap.add_argument("--make", nargs=2, metavar=("PATH", "EVENTS"), help=argparse.SUPPRESS)
    ap.add_argument("--table", metavar="JSON", help="only print the table of a --json file")
    args = ap.parse_args(argv)
    if args.table:
        with open(args.table) as f:
            saved = json.load(f)
        print(table(saved["runs"], saved["header"])[0])
        return 0
    if args.make:
        t = time.perf_counter()
        n, customers = make_log(args.make[0], int(args.make[1]))
        print(
            f"wrote {args.make[0]}: {n:,} events, {customers:,} customers, "
            f"{time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        return 0
    if args.child:
        print(json.dumps(child(*args.child, dump=args.dump)))
        return 0

    analyses = [a for a in args.analyses.split(",") if a]
    for a in analyses:
        if a not in ANALYSES:
            ap.error(f"unknown analysis {a!r}; expected some of {', '.join(ANALYSES)}")
    os.makedirs(args.dir, exist_ok=True)
    path = os.path.abspath(os.path.join(args.dir, f"events-{args.events}-seed{SEED}-by-time.csv"))
    if not os.path.exists(path):
        # In a process of its own, so that this one stays small.
        me = os.path.abspath(__file__)
        subprocess.run([sys.executable, me, "--make", path, str(args.events)], check=True)
    size_mb = os.path.getsize(path) / 1e6
    dump = args.dump or os.path.join(args.dir, "bench-compare-results")
    os.makedirs(dump, exist_ok=True)
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.timezone.utc)
    cmd = "python examples/python/bench_compare.py"
    if args.events != 10_000_000:
        cmd += f" --events {args.events}"
    if args.repeats != 3:
        cmd += f" --repeats {args.repeats}"

    def header(runs):
        done = 1 + max(r["repeat"] for r in runs)
        return [
            f"`{cmd}` ({started:%Y-%m-%d %H:%M} UTC): {os.path.basename(path)}, {size_mb:.0f} MB, "
            f"median of {done}, each run a fresh process; load average {load_before[0]:.1f} "
            f"before, {os.getloadavg()[0]:.1f} after; {machine()}; {versions()}.",
            "Seconds from the start of the load to the end of the analysis (compute: after the"
            " load); peak MB: the process's maximum resident set. All engines' results agree"
            " (canonical results hashed).",
        ]

    def save(runs):
        # After every run, so that an interrupted comparison keeps what it measured.
        if args.json:
            with open(args.json, "w") as f:
                saved = {"file": path, "mb": size_mb, "header": header(runs), "runs": runs}
                json.dump(saved, f, indent=1)

    runs = []
    for rep in range(args.repeats):
        for a in analyses:
            for e in ENGINES:
                r = run_child(e, a, path, dump)
                r["repeat"] = rep
                runs.append(r)
                save(runs)
                print(
                    f"[{rep + 1}/{args.repeats}] {e:8} {a:9} total {r['total_s']:7.3f} s "
                    f"(load {r['load_s']:.3f}, compute {r['compute_s']:.3f}), "
                    f"peak {r['peak_mb']:.0f} MB, digest {r['digest']}",
                    file=sys.stderr,
                )
    check_digests(runs, dump)
    print(table(runs, header(runs))[0])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DigestMismatch as e:
        print(f"bench_compare: the engines disagree\n{e}", file=sys.stderr)
        sys.exit(1)
