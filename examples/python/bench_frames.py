"""Benchmark: results with many rows leaving for polars, pyarrow and Python objects.

    python examples/python/bench_frames.py bench-data/events-10M.csv
    python examples/python/bench_frames.py            # about 1 million synthetic events
    python examples/python/bench_frames.py FILE --repeats 5 --level channel

The log is read once (``journey.read_events``), then each step runs ``--repeats`` times (5 by
default) in this process and the median is printed, as wall seconds and as CPU seconds of the
process (``time.process_time``: all threads, so it can exceed the wall time), with the load
average before and after (on a busy machine, the CPU time is the steadier figure):

- ``path_table_from_log``: ``PathTable.from_log(log, level=...)``;
- ``path_table_to_polars``: ``to_polars()`` of that table, and ``from_log_plus_to_polars``
  (the sum of the two, per repeat);
- ``path_table_to_arrow``: ``to_arrow()`` (a pyarrow Table);
- ``path_table_rows``: ``rows()`` (a list of dicts);
- ``variants_to_polars``: ``log.path_stats(top=0).to_polars(table="variants")`` (every
  variant; the analysis is timed apart, as ``path_stats_all_variants``);
- ``sessions_customers_to_polars``: ``log.sessions(per_customer=True)`` then
  ``to_polars(table="customers")`` (the analysis timed apart, as ``sessions_per_customer``).

Prints one line per figure (`name: JSON`). Build the module in release first:
``maturin develop --release -m journey-py/Cargo.toml``.
"""

import argparse
import json
import os
import statistics
import time

import journey


def timed(f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return (time.perf_counter() - w, time.process_time() - c), out


def summary(times):
    walls = [w for w, _ in times]
    cpus = [c for _, c in times]
    return {
        "median_wall_s": round(statistics.median(walls), 3),
        "median_cpu_s": round(statistics.median(cpus), 3),
        "wall_s": [round(t, 3) for t in walls],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events", nargs="?", help="an events CSV file (default: synthetic)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--level", default="channel", choices=["channel", "touchpoint"])
    ap.add_argument("--skip-extra", action="store_true", help="only the path table steps")
    args = ap.parse_args()
    import polars  # noqa: F401  (imported once, outside the timings)
    import pyarrow  # noqa: F401

    out = {"load_average_before": os.getloadavg(), "cores": os.cpu_count()}
    if args.events:
        log = journey.read_events(args.events, progress=False)
    else:
        log, _ = journey.synthetic(customers=100_000, seed=42)
    out["events"] = log.n_events
    out["customers"] = log.n_customers

    steps = {k: [] for k in ["path_table_from_log", "path_table_to_polars", "from_log_plus_to_polars",
                             "path_table_to_arrow", "path_table_rows"]}
    for _ in range(args.repeats):
        t1, table = timed(lambda: journey.PathTable.from_log(log, level=args.level))
        t2, df = timed(table.to_polars)
        steps["path_table_from_log"].append(t1)
        steps["path_table_to_polars"].append(t2)
        steps["from_log_plus_to_polars"].append((t1[0] + t2[0], t1[1] + t2[1]))
        out["paths"] = len(table)
        assert df.height >= len(table)  # the empty path is a row too, when it has counts
        del df
        t3, _ = timed(table.to_arrow)
        steps["path_table_to_arrow"].append(t3)
        t4, rows = timed(table.rows)
        steps["path_table_rows"].append(t4)
        del rows, table
    if not args.skip_extra:
        for k in ["path_stats_all_variants", "variants_to_polars", "sessions_per_customer",
                  "sessions_customers_to_polars"]:
            steps[k] = []
        for _ in range(args.repeats):
            t, r = timed(lambda: log.path_stats(top=0))
            steps["path_stats_all_variants"].append(t)
            t, df = timed(lambda: r.to_polars(table="variants"))
            steps["variants_to_polars"].append(t)
            out["variants"] = df.height
            del r, df
            t, r = timed(lambda: log.sessions(per_customer=True))
            steps["sessions_per_customer"].append(t)
            t, df = timed(lambda: r.to_polars(table="customers"))
            steps["sessions_customers_to_polars"].append(t)
            del r, df
    for k, v in steps.items():
        out[k] = summary(v)
    out["load_average_after"] = os.getloadavg()
    for k, v in out.items():
        print(f"{k}: {json.dumps(v)}")


if __name__ == "__main__":
    main()
