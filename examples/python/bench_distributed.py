"""journey on PySpark and Dask against single-machine journey and against the same funnel and
path table written in Spark SQL, on events read from Parquet (docs/benchmarks.md).

    nice -n 19 .venv/bin/python examples/python/bench_distributed.py --events 10000000 \\
        --json bench-distributed-10M.json
    .venv/bin/python examples/python/bench_distributed.py --markdown bench-distributed-10M.json

It writes the synthetic events once under --dir: sorted by time into --files Parquet files (so
every customer is split across files before the engines shuffle by customer), and the same
events as one Parquet file for the single-machine run. Then, --repeats times, interleaved (one
round of every measurement, then the next round), on the same files:

- single: journey.read_events of the one file, then the funnel and the path table;
- spark (local[2]): the engine alone (read, repartition by customer, Arrow to Python, nothing
  done in the partitions), journey.spark's funnel and path table, and the same funnel and path
  table in Spark SQL (examples/python/spark_sql_baseline.py) on the same session;
- dask (LocalCluster, 2 worker processes): the engine alone (read, shuffle by customer, pandas
  to Arrow) and journey.dask's funnel and path table.

For journey's engine jobs it reports the wall time and, summed over the partitions' tasks, the
seconds spent loading (EventLog.from_arrow) and computing partials ("journey's work"), and the
seconds spent merging partials (every merge of the tree, executors and driver), with the
merge's share of the wall time. The engine's own overhead is the engine-alone job. Each figure
is the median of the repeats.

Every result is checked: the funnel counts and the path table of every engine and of Spark
SQL must have the digest of single-machine journey's, else the script stops with an error.

Last, the partials: the size of each kind of partial of the whole log, and for 1 to 256
partitions (customers dealt by id) the bytes of all partials and the time to read them back
from bytes and merge them (journey.merge_partials, as the engines do) and to finish.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import time
import warnings
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import journey

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import spark_sql_baseline as sql  # noqa: E402

STEPS = ["landing_page", "product_page", "add_to_cart", "purchase"]
WINDOW_DAYS = 7
PARTIAL_KINDS: list[tuple[str, dict]] = [
    ("funnel", {"steps": STEPS, "window": f"{WINDOW_DAYS}d"}),
    ("retention", {}),
    ("kpis", {}),
    ("sessions", {}),
    ("transition_graph", {}),
    ("conversion_paths", {}),
    ("path_table", {}),
    ("attribution_table", {}),
]


class Mismatch(SystemExit):
    pass


def timed(f: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def write_events(root: pathlib.Path, events: int, files: int) -> None:
    if (root / "_DONE").exists() and (root / "all.parquet").exists() and (root / "parts").is_dir():
        return
    (root / "parts").mkdir(parents=True, exist_ok=True)
    sample, _ = journey.synthetic(customers=2000, seed=3)
    customers = max(1, round(events * 2000 / sample.n_events))
    log, _ = journey.synthetic(customers=customers, seed=3)
    table = pa.table(log)
    del log
    table = pa.table(
        {
            n: pc.cast(c, pa.string()) if pa.types.is_dictionary(c.type) else c
            for n, c in zip(table.column_names, table.columns)
        }
    ).sort_by([("timestamp", "ascending")])
    pq.write_table(table, root / "all.parquet")
    step = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(table.slice(i * step, step), root / "parts" / f"part-{i:03d}.parquet")
    (root / "_DONE").write_text(str(table.num_rows))


class Bench:
    def __init__(self) -> None:
        self.samples: dict[tuple[str, str], list[dict]] = {}
        self.digests: dict[str, str] = {}  # the single-machine digests, per analysis
        self.errors: list[str] = []

    def add(self, engine: str, what: str, seconds: float, **extra: Any) -> None:
        r = {"engine": engine, "what": what, "seconds": round(seconds, 4), **extra}
        self.samples.setdefault((engine, what), []).append(r)
        print(json.dumps(r), flush=True)

    def check(self, engine: str, analysis: str, digest: str) -> None:
        ref = self.digests.setdefault(analysis, digest)
        if digest != ref:
            msg = f"{engine}: the {analysis} differs from single-machine journey's ({digest} != {ref})"
            print("MISMATCH " + msg, file=sys.stderr, flush=True)
            self.errors.append(msg)

    def rows(self) -> list[dict]:
        """One row per measurement: the median over the repeats of every number."""
        out = []
        for (engine, what), rs in self.samples.items():
            row: dict[str, Any] = {"engine": engine, "what": what, "repeats": len(rs)}
            for k in rs[0]:
                if k in row:
                    continue
                vals = [r.get(k) for r in rs]
                if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
                    row[k] = round(statistics.median(vals), 4)
                else:
                    row[k] = vals[-1]
            out.append(row)
        return out


def journey_job(b: Bench, engine: str, what: str, f: Callable[[], Any], log: Any) -> Any:
    out, s = timed(f)
    t = log.last_timing
    work = t.get("load", 0.0) + t.get("analysis", 0.0)
    b.add(
        engine,
        what,
        s,
        load_task_s=round(t.get("load", 0.0), 4),
        partial_task_s=round(t.get("analysis", 0.0), 4),
        journey_work_task_s=round(work, 4),
        merge_s=round(t.get("merge", 0.0), 4),
        merge_share=round(t.get("merge", 0.0) / s, 4),
    )
    return out


def funnel_of(log: Any) -> Any:
    return log.funnel(STEPS, window=f"{WINDOW_DAYS}d")


def single(b: Bench, root: pathlib.Path) -> None:
    log, s = timed(lambda: journey.read_events(str(root / "all.parquet"), progress=False))
    b.add("single", "read_events (Parquet)", s, events=log.n_events)
    f, s = timed(lambda: funnel_of(log))
    b.add("single", "funnel", s)
    b.check("single", "funnel", sql.funnel_digest(sql.journey_funnel_counts(f)))
    p, s = timed(lambda: journey.PathTable.from_log(log))
    b.add("single", "path table", s, paths=len(p.rows()))
    b.check("single", "path table", sql.path_table_digest(p.rows()))


def _count_rows(batches):  # type: ignore[no-untyped-def]
    n = sum(b.num_rows for b in batches)
    yield pa.RecordBatch.from_pylist([{"n": n}])


def spark_session(partitions: int) -> Any:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_round(b: Bench, session: Any, root: pathlib.Path, partitions: int) -> None:
    import journey.spark

    df = session.read.parquet(str(root / "parts"))
    shuffled = df.repartition(partitions, "customer_id")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
        _, s = timed(lambda: shuffled.mapInArrow(_count_rows, "n long").collect())
    b.add("spark", "engine alone: read, repartition by customer, Arrow to Python", s)
    log = journey.spark.EventLog(df, partitions=partitions)
    f = journey_job(b, "spark", "journey.spark: funnel", lambda: funnel_of(log), log)
    b.check("spark", "funnel", sql.funnel_digest(sql.journey_funnel_counts(f)))
    p = journey_job(b, "spark", "journey.spark: path table", lambda: log.path_table(), log)
    b.check("spark", "path table", sql.path_table_digest(p.rows()))
    counts, s = timed(lambda: sql.funnel(df, STEPS, WINDOW_DAYS))
    b.add("spark", "Spark SQL: funnel", s)
    b.check("Spark SQL", "funnel", sql.funnel_digest(counts))
    rows, s = timed(lambda: sql.path_table(df))
    b.add("spark", "Spark SQL: path table", s, paths=len(rows))
    b.check("Spark SQL", "path table", sql.path_table_digest(rows))


def dask_round(b: Bench, root: pathlib.Path, partitions: int) -> None:
    import dask as dk
    import dask.dataframe as dd

    import journey.dask

    ddf = dd.read_parquet(str(root / "parts"))
    shuffled = ddf.shuffle(on="customer_id", npartitions=partitions)

    def count(frame):  # type: ignore[no-untyped-def]
        return pa.Table.from_pandas(frame, preserve_index=False).num_rows

    parts = [dk.delayed(count)(p) for p in shuffled.to_delayed()]
    _, s = timed(lambda: sum(dk.compute(*parts)))
    b.add("dask", "engine alone: read, shuffle by customer, pandas to Arrow", s)
    log = journey.dask.EventLog(ddf, partitions=partitions)
    f = journey_job(b, "dask", "journey.dask: funnel", lambda: funnel_of(log), log)
    b.check("dask", "funnel", sql.funnel_digest(sql.journey_funnel_counts(f)))
    p = journey_job(b, "dask", "journey.dask: path table", lambda: log.path_table(), log)
    b.check("dask", "path table", sql.path_table_digest(p.rows()))


def partials(root: pathlib.Path, ns: list[int]) -> list[dict]:
    """Sizes of each kind of partial, and merge time against the number of partitions."""
    table = pq.read_table(root / "all.parquet")
    log = journey.EventLog.from_arrow(table, progress=False)
    ctx = journey.Context.of(log)
    out: list[dict] = []
    for name, kw in PARTIAL_KINDS:
        (p, s) = timed(lambda: log.partial(name, context=ctx, **kw))
        r = {"partials": name, "partitions": 1, "bytes": len(p.to_bytes()), "compute_s": round(s, 4)}
        out.append(r)
        print(json.dumps(r), flush=True)
    del log
    ids = pc.dictionary_encode(table.column("customer_id")).combine_chunks()
    # Customers dealt by their rank in id order, as the Rust benchmark does.
    order = pc.rank(ids.dictionary, sort_keys="ascending", tiebreaker="first")
    rank = pc.take(order, ids.indices)
    for n in ns:
        if n == 1:
            continue
        group = pc.remainder(pc.subtract(rank, 1), n)
        logs = [
            journey.EventLog.from_arrow(table.filter(pc.equal(group, k)), progress=False)
            for k in range(n)
        ]
        for name, kw in [k for k in PARTIAL_KINDS if k[0] in ("funnel", "path_table", "attribution_table", "retention")]:
            blobs = [lg.partial(name, context=ctx, **kw).to_bytes() for lg in logs]
            merged, merge_s = timed(lambda: journey.merge_partials(blobs))
            _, finish_s = timed(lambda: merged.finish())
            r = {
                "partials": name,
                "partitions": n,
                "bytes": sum(len(x) for x in blobs),
                "merge_s": round(merge_s, 4),
                "finish_s": round(finish_s, 4),
            }
            out.append(r)
            print(json.dumps(r), flush=True)
        del logs
    return out


def markdown(doc: dict) -> str:
    lines = [
        f"{doc['events']:,} events, {doc['files']} Parquet files, {doc['partitions']} partitions, "
        f"median of {doc['repeats']} interleaved repeats; load average before/after: "
        f"{doc.get('load_before')} / {doc.get('load_after')}",
        "",
        "| engine | what | seconds | journey's work (task s) | merge (s) | merge share |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        work = r.get("journey_work_task_s")
        merge = r.get("merge_s")
        share = r.get("merge_share")
        lines.append(
            f"| {r['engine']} | {r['what']} | {r['seconds']:.2f} | "
            f"{'' if work is None else f'{work:.2f}'} | {'' if merge is None else f'{merge:.3f}'} | "
            f"{'' if share is None else f'{100 * share:.1f}%'} |"
        )
    if doc.get("partials"):
        lines += ["", "| partial | partitions | bytes | merge (s) | finish (s) |", "|---|---:|---:|---:|---:|"]
        for r in doc["partials"]:
            m, f = r.get("merge_s"), r.get("finish_s")
            lines.append(
                f"| {r['partials']} | {r['partitions']} | {r['bytes']:,} | "
                f"{'' if m is None else f'{m:.4f}'} | {'' if f is None else f'{f:.4f}'} |"
            )
    lines += ["", "digests: " + ", ".join(f"{k} {v[:12]}" for k, v in doc["digests"].items())]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/journey-bench-distributed")
    ap.add_argument("--engines", default="single,spark,dask")
    ap.add_argument("--merge-partitions", default="1,4,16,64,256",
                    help="partition counts of the partials section ('' to skip it)")
    ap.add_argument("--json", help="write the results here (JSON)")
    ap.add_argument("--markdown", metavar="JSON", help="print the tables of a --json file and exit")
    args = ap.parse_args()
    if args.markdown:
        print(markdown(json.loads(pathlib.Path(args.markdown).read_text())))
        return
    root = pathlib.Path(args.dir) / f"events-{args.events}"
    _, s = timed(lambda: write_events(root, args.events, args.files))
    events = int((root / "_DONE").read_text())
    print(f"# data: {root} ({events} events, written in {s:.1f} s)", flush=True)
    engines = args.engines.split(",")
    load_before = os.getloadavg()
    b = Bench()
    session = spark_session(args.partitions) if "spark" in engines else None
    client = cluster = None
    if "dask" in engines:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit="6GiB")
        client = Client(cluster)
    try:
        # Warm-up, not timed: the JVM's and the workers' first jobs (imports, JIT, file cache).
        if session is not None:
            session.read.parquet(str(root / "parts")).count()
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "PySpark does not yet fully")
                session.read.parquet(str(root / "parts")).repartition(
                    args.partitions, "customer_id").mapInArrow(_count_rows, "n long").collect()
        if client is not None:
            import dask.dataframe as dd

            dd.read_parquet(str(root / "parts")).shape[0].compute()
        for _ in range(args.repeats):
            if "single" in engines:
                single(b, root)
            if session is not None:
                spark_round(b, session, root, args.partitions)
            if client is not None:
                dask_round(b, root, args.partitions)
            if b.errors:
                raise Mismatch("results differ from single-machine journey:\n" + "\n".join(b.errors))
    finally:
        if session is not None:
            session.stop()
        if client is not None:
            client.close()
            cluster.close()
    ns = [int(x) for x in args.merge_partitions.split(",") if x]
    doc = {
        "events": events,
        "files": args.files,
        "partitions": args.partitions,
        "repeats": args.repeats,
        "rows": b.rows(),
        "digests": b.digests,
        "partials": partials(root, ns) if ns else [],
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    print(markdown(doc), flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
