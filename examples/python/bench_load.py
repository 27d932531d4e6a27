"""Loading one event log in three row layouts, journey against polars, in one run.

    cargo build --release -p journey-examples
    target/release/bench gen 10000000 bench-data/events-10M.csv
    target/release/bench by-time  bench-data/events-10M.csv bench-data/events-10M-bytime.csv
    target/release/bench shuffled bench-data/events-10M.csv bench-data/events-10M-shuf.csv
    python examples/python/bench_load.py bench-data/events-10M.csv \
        bench-data/events-10M-bytime.csv bench-data/events-10M-shuf.csv --repeats 5

Each load runs in a process of its own, the runs interleaved (every file and loader once, then
again, ``--repeats`` times), and the table gives medians: wall seconds, CPU seconds of the
process (user + system, all threads) and its peak resident memory.

- ``journey``: ``target/release/bench load FILE`` (``read_events_path``, all cores);
- ``journey (baseline)``: the same command of another build (``--baseline PATH``), to compare
  two versions in one run;
- ``polars``: ``pl.read_csv(FILE)`` with default options (``--no-polars`` skips it).

The layouts come from ``examples/bench.rs``: ``gen`` writes customers grouped, ``by-time`` the
same rows in time order (customers interleave, as event stores export them), ``shuffled`` in a
random order. Figures go to docs/benchmarks.md.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

POLARS = """
import resource, sys, time
import polars as pl
t = time.perf_counter()
df = pl.read_csv(sys.argv[1])
s = time.perf_counter() - t
print(df.height, s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run(cmd):
    """Runs one process; returns (wall s, CPU s, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--bench", default="target/release/bench")
    ap.add_argument("--baseline", help="another build of the bench program")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-polars", action="store_true")
    ap.add_argument("--json", help="write the raw figures here")
    args = ap.parse_args()

    loaders = [("journey", args.bench)]
    if args.baseline:
        loaders.append(("journey (baseline)", args.baseline))
    if not args.no_polars:
        loaders.append(("polars", None))
    figures = {}
    for r in range(args.repeats):
        for f in args.files:
            for name, exe in loaders:
                if exe:
                    wall, cpu, out = run([exe, "load", f])
                    j = json.loads(out.strip().splitlines()[-1])
                    rows, inner, peak = j["events"], j["seconds"], j["peak_rss_mb"]
                else:
                    wall, cpu, out = run([sys.executable, "-c", POLARS, f])
                    rows, inner, peak = out.split()
                    rows, inner, peak = int(rows), float(inner), float(peak)
                figures.setdefault((f, name), []).append(
                    {"wall": wall, "cpu": cpu, "load": inner, "peak_mb": peak, "rows": rows}
                )
                print(f"repeat {r + 1}: {name:20} {os.path.basename(f):28} "
                      f"load {inner:6.2f} s, process {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                      f"{peak:6.0f} MB", file=sys.stderr)

    med = lambda xs: statistics.median(xs)  # noqa: E731
    print(f"\n{platform.node()}, {os.cpu_count()} cores, load average at the end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, medians of {args.repeats}\n")
    print("| file | loader | rows | load s (in process) | process s wall | CPU s | peak MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (f, name), runs in figures.items():
        print(f"| {os.path.basename(f)} | {name} | {runs[0]['rows']:,} | "
              f"{med([x['load'] for x in runs]):.2f} | {med([x['wall'] for x in runs]):.2f} | "
              f"{med([x['cpu'] for x in runs]):.2f} | {med([x['peak_mb'] for x in runs]):.0f} |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({f"{f}|{n}": v for (f, n), v in figures.items()}, out, indent=1)


if __name__ == "__main__":
    main()
