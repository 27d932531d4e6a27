"""Benchmark: a polars DataFrame of N events into a journey.EventLog, without CSV.

    python examples/python/bench_arrow.py            # 10 million events
    python examples/python/bench_arrow.py 1000000    # fewer

The frame comes from journey.synthetic (about 8.7 events per customer), in two layouts: text
columns as polars Strings (what most frames hold), and as Categoricals (dictionary encoded).
Timestamps are Datetime("us", "UTC"). Prints the best of three loads of each (seconds, events
per second) as JSON, next to reading the same events from a CSV file for comparison.
"""

import json
import os
import sys
import tempfile
import time

import polars as pl

import journey


def best_of(n, f):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    customers = max(1, round(events / 8.74))
    t = time.perf_counter()
    log, _ = journey.synthetic(customers=customers, seed=42)
    categorical = log.to_polars()
    text = categorical.with_columns(pl.col(pl.Categorical).cast(pl.String))
    gen = time.perf_counter() - t
    out = {
        "events": log.n_events,
        "customers": log.n_customers,
        "cores": os.cpu_count(),
        "generate_s": round(gen, 2),
    }
    for name, frame in [("polars_strings", text), ("polars_categoricals", categorical)]:
        secs, loaded = best_of(3, lambda: journey.EventLog.from_polars(frame, progress=False))
        assert loaded.n_events == log.n_events
        out[name] = {"seconds": round(secs, 3), "events_per_s": round(log.n_events / secs)}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "events.csv")
        log.to_csv(path)
        secs, loaded = best_of(1, lambda: journey.read_events(path, progress=False))
        assert loaded.n_events == log.n_events
        out["csv_file"] = {
            "seconds": round(secs, 3),
            "events_per_s": round(log.n_events / secs),
            "mb": round(os.path.getsize(path) / 1e6, 1),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
