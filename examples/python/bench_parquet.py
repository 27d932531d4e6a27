"""Benchmark: Parquet in, and results out, on one log, in one process.

    python examples/python/bench_parquet.py bench-data/events-10M.csv
    python examples/python/bench_parquet.py            # about 1 million synthetic events

The events are a CSV file (for example ``target/release/bench gen 10000000
bench-data/events-10M.csv``), or, without an argument, ``journey.synthetic`` written as CSV.
They are written once as Parquet by polars (its defaults: zstd pages, row groups as polars
cuts them), then, interleaved over three repeats:

- ``parquet_read_events``: ``journey.read_events("events.parquet")`` (Rust reads the file);
- ``polars_then_from_polars``: ``pl.read_parquet(path)`` followed by
  ``EventLog.from_polars(df)`` (each timed, and their sum).

Then, on the log read from the CSV file, the results that leave with many rows:

- ``path_table``: ``PathTable.from_log(log)`` and ``to_polars()`` of it (and their sum);
- ``rows``: ``PathTable.rows()``.

Prints medians (and all three times) as JSON with the load average before and after.
"""

import json
import os
import statistics
import sys
import tempfile
import time

import polars as pl

import journey


def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def summary(times):
    return {"median_s": round(statistics.median(times), 3), "all_s": [round(t, 3) for t in times]}


def main():
    out = {"load_average_before": os.getloadavg(), "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as d:
        if len(sys.argv) > 1:
            csv = sys.argv[1]
        else:
            log, _ = journey.synthetic(customers=100_000, seed=42)
            csv = os.path.join(d, "events.csv")
            log.to_csv(csv)
            del log
        pq = os.path.join(d, "events.parquet")
        frame = pl.read_csv(csv, try_parse_dates=True)
        frame.write_parquet(pq)
        del frame
        out["csv_mb"] = round(os.path.getsize(csv) / 1e6, 1)
        out["parquet_mb"] = round(os.path.getsize(pq) / 1e6, 1)

        ours, theirs_read, theirs_from, theirs = [], [], [], []
        n = None
        for _ in range(3):
            secs, log = timed(lambda: journey.read_events(pq, progress=False))
            ours.append(secs)
            n = log.n_events
            del log
            r, df = timed(lambda: pl.read_parquet(pq))
            f, log = timed(lambda: journey.EventLog.from_polars(df, progress=False))
            assert log.n_events == n
            theirs_read.append(r)
            theirs_from.append(f)
            theirs.append(r + f)
            del log, df
        out["events"] = n
        out["parquet_read_events"] = summary(ours)
        out["pl_read_parquet"] = summary(theirs_read)
        out["from_polars"] = summary(theirs_from)
        out["polars_then_from_polars"] = summary(theirs)

        log = journey.read_events(csv, progress=False)
        built, to_polars, both, rows = [], [], [], []
        paths = None
        for _ in range(3):
            b, table = timed(lambda: journey.PathTable.from_log(log))
            p, df = timed(table.to_polars)
            built.append(b)
            to_polars.append(p)
            both.append(b + p)
            r, listed = timed(table.rows)
            rows.append(r)
            paths = len(listed)
            assert df.height == paths
            del df, listed, table
        out["distinct_paths"] = paths
        out["path_table_from_log"] = summary(built)
        out["path_table_to_polars"] = summary(to_polars)
        out["from_log_plus_to_polars"] = summary(both)
        out["path_table_rows"] = summary(rows)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
