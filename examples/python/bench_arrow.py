"""Benchmark: a polars DataFrame of N events into a journey.EventLog, without CSV.

    python examples/python/bench_arrow.py            # about 10 million events
    python examples/python/bench_arrow.py 1000000    # fewer

The events come from journey.synthetic (about 9.9 events per customer), written once as CSV.
Three frames of them are loaded:

- ``polars_read_csv``: ``pl.read_csv`` of that file (what a notebook usually holds: String
  columns, each cell's bytes stored apart, a Datetime("us", "UTC") timestamp);
- ``polars_strings``: the log's own frame with its Categoricals cast to String (equal long
  texts share their bytes);
- ``polars_categoricals``: the log's own frame (dictionary encoded; polars turns its global
  categories into an Arrow dictionary when exporting, on one thread, which is most of the time).

Prints the best of three loads of each (seconds, events per second) as JSON, next to reading
the same events from the CSV file.
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
    customers = max(1, round(events / 9.93))
    t = time.perf_counter()
    log, _ = journey.synthetic(customers=customers, seed=42)
    gen = time.perf_counter() - t
    out = {
        "events": log.n_events,
        "customers": log.n_customers,
        "cores": os.cpu_count(),
        "generate_s": round(gen, 2),
    }
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "events.csv")
        log.to_csv(path)
        read = pl.read_csv(path, try_parse_dates=True)
        assert read.schema["timestamp"] == pl.Datetime("us", "UTC"), read.schema
        categorical = log.to_polars()
        text = categorical.with_columns(pl.col(pl.Categorical).cast(pl.String))
        frames = [
            ("polars_read_csv", read),
            ("polars_strings", text),
            ("polars_categoricals", categorical),
        ]
        for name, frame in frames:
            secs, loaded = best_of(3, lambda: journey.EventLog.from_polars(frame, progress=False))
            assert loaded.n_events == log.n_events
            out[name] = {"seconds": round(secs, 3), "events_per_s": round(log.n_events / secs)}
        del frames, read, text, categorical
        secs, loaded = best_of(3, lambda: journey.read_events(path, progress=False))
        assert loaded.n_events == log.n_events
        out["csv_file"] = {
            "seconds": round(secs, 3),
            "events_per_s": round(log.n_events / secs),
            "mb": round(os.path.getsize(path) / 1e6, 1),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
