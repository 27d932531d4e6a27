"""journey on PySpark and Dask against single-machine journey and against the same funnel and
path table written in Spark SQL, on events read from Parquet (docs/benchmarks.md).

    nice -n 19 .venv/bin/python examples/python/bench_distributed.py --events 10000000

It writes the synthetic events once (sorted by time, several Parquet files, so every customer
is split across files) under --dir, then times, each on the same files:

- single: pyarrow reads the files, EventLog.from_arrow, funnel, path table;
- spark: journey.spark (the funnel, the path table, and the first pass that fixes the context
  for the analyses that need one),
  the engine alone (read, shuffle by customer, Arrow to Python: the same job with nothing done
  in the partitions), and the same funnel and path table in Spark SQL;
- dask: journey.dask and the engine alone on a LocalCluster of 2 worker processes.

For journey's jobs it also prints, summed over the partitions' tasks, the seconds spent loading
(EventLog.from_arrow), computing the partials and merging them (every merge of the tree).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import journey

STEPS = ["landing_page", "product_page", "add_to_cart", "purchase"]
WINDOW_DAYS = 7
LOAD: dict = {}
ROWS: list[dict] = []


def row(engine: str, what: str, seconds: float, **extra: object) -> None:
    r = {"engine": engine, "what": what, "seconds": round(seconds, 3), **extra}
    ROWS.append(r)
    print(json.dumps(r), flush=True)


def timed(f):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def write_events(root: pathlib.Path, events: int, files: int) -> None:
    if (root / "_DONE").exists():
        return
    root.mkdir(parents=True, exist_ok=True)
    sample, _ = journey.synthetic(customers=2000, seed=3)
    customers = max(1, round(events * 2000 / sample.n_events))
    log, _ = journey.synthetic(customers=customers, seed=3)
    table = pa.table(log)
    table = pa.table(
        {
            n: pc.cast(c, pa.string()) if pa.types.is_dictionary(c.type) else c
            for n, c in zip(table.column_names, table.columns)
        }
    ).sort_by([("timestamp", "ascending")])
    step = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(table.slice(i * step, step), root / f"part-{i:03d}.parquet")
    (root / "_DONE").write_text(str(table.num_rows))


def journey_jobs(engine: str, log) -> None:  # type: ignore[no-untyped-def]
    for what, f in [
        ("journey: funnel", lambda: log.funnel(STEPS, window=f"{WINDOW_DAYS}d")),
        ("journey: path table", lambda: log.path_table()),
        ("journey: first pass (context, event count; KPIs need it)", lambda: log.n_events),
    ]:
        try:
            _, s = timed(f)
        except journey.JourneyError as e:  # an analysis this build cannot finish
            row(engine, what, float("nan"), error=str(e))
            continue
        t = log.last_timing
        row(
            engine,
            what,
            s,
            load_task_s=round(t.get("load", 0), 3),
            analysis_task_s=round(t.get("analysis", 0), 3),
            merge_s=round(t.get("merge", 0), 4),
            merge_share=round(t.get("merge", 0) / s, 4),
        )


def single(root: pathlib.Path) -> dict:
    table, s = timed(lambda: pq.read_table(root))
    row("single", "read Parquet (pyarrow)", s)
    log, s = timed(lambda: journey.EventLog.from_arrow(table, **LOAD))
    row("single", "EventLog.from_arrow", s, events=log.n_events)
    funnel, s = timed(lambda: log.funnel(STEPS, window=f"{WINDOW_DAYS}d"))
    row("single", "funnel", s)
    paths, s = timed(lambda: journey.PathTable.from_log(log))
    row("single", "path table", s, paths=len(paths))
    return {"funnel": [st["customers"] for st in funnel.steps], "paths": len(paths)}


def _count_rows(batches):  # type: ignore[no-untyped-def]
    n = sum(b.num_rows for b in batches)
    yield pa.RecordBatch.from_pylist([{"n": n}])


def spark_sql_funnel(df):  # type: ignore[no-untyped-def]
    """The ordered funnel of docs/journeys.md in Spark SQL: every step-1 event starts an
    attempt; step j is the earliest step-j event after step j-1's event and at most the
    window after the attempt's step-1 event; a customer counts at the furthest step any
    attempt reaches. Events are numbered per customer in time order (a window function)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy("timestamp", "touchpoint")
    ev = (
        df.where(F.col("touchpoint").isin(STEPS))
        .select("customer_id", "timestamp", "touchpoint")
        .withColumn("pos", F.row_number().over(w))
    )
    att = ev.where(F.col("touchpoint") == STEPS[0]).select(
        "customer_id", F.col("pos").alias("p1"), F.col("timestamp").alias("t1")
    )
    reached = [att.select("customer_id").distinct().count()]
    prev, prev_pos = att, "p1"
    for j, step in enumerate(STEPS[1:], start=2):
        e = ev.where(F.col("touchpoint") == step).select(
            F.col("customer_id").alias("c"), F.col("pos").alias("pe"), F.col("timestamp").alias("te")
        )
        nxt = (
            prev.join(
                e,
                (prev.customer_id == e.c)
                & (e.pe > prev[prev_pos])
                & (e.te <= prev.t1 + F.expr(f"INTERVAL {WINDOW_DAYS} DAYS")),
            )
            .groupBy("customer_id", "p1", "t1")
            .agg(F.min("pe").alias(f"p{j}"))
        )
        reached.append(nxt.select("customer_id").distinct().count())
        prev, prev_pos = nxt, f"p{j}"
    return reached


def spark_sql_path_table(df):  # type: ignore[no-untyped-def]
    """The path table of docs/attribution.md in Spark SQL: a customer's events cut at every
    conversion; a path's touches are the channels of its events before the conversion; paths
    counted by sequence with conversions, value and non-converting ("null") paths."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy("timestamp", "touchpoint")
    conv = (F.col("touchpoint") == "purchase").cast("int")
    ev = df.select(
        "customer_id", "timestamp", "touchpoint", "channel", "value", conv.alias("conv")
    ).withColumn(
        "path",
        F.coalesce(F.sum("conv").over(w.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0)),
    ).withColumn("pos", F.row_number().over(w))
    paths = ev.groupBy("customer_id", "path").agg(
        F.array_sort(
            F.collect_list(F.when(F.col("conv") == 0, F.struct("pos", "channel")))
        ).alias("touches"),
        F.max("conv").alias("converted"),
        F.sum(F.when(F.col("conv") == 1, F.col("value"))).alias("value"),
    )
    table = (
        paths.select(
            F.concat_ws(" > ", F.col("touches.channel")).alias("path"), "converted", "value"
        )
        .groupBy("path")
        .agg(
            F.sum("converted").alias("total_conversions"),
            F.sum(F.coalesce("value", F.lit(0.0))).alias("total_conversion_value"),
            F.sum(1 - F.col("converted")).alias("total_null"),
        )
    )
    return table.collect()


def spark(root: pathlib.Path, partitions: int, check: dict) -> None:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import journey.spark

    session, s = timed(
        lambda: SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "3g")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    row("spark", "session start (JVM)", s)
    df = session.read.parquet(str(root))
    n, s = timed(lambda: df.count())
    row("spark", "read Parquet, count (warm-up)", s, events=n)
    shuffled = df.repartition(partitions, "customer_id")
    _, s = timed(lambda: shuffled.mapInArrow(_count_rows, "n long").collect())
    row("spark", "engine alone: read, shuffle by customer, Arrow to Python", s)
    journey_jobs("spark", journey.spark.EventLog(df, partitions=partitions, **LOAD))
    funnel, s = timed(lambda: spark_sql_funnel(df))
    row(
        "spark",
        "Spark SQL: funnel",
        s,
        counts=funnel,
        journey_counts=check["funnel"],
        same_counts=funnel == check["funnel"],
    )
    paths, s = timed(lambda: spark_sql_path_table(df))
    row("spark", "Spark SQL: path table", s, paths=len(paths))
    session.stop()


def dask(root: pathlib.Path, partitions: int) -> None:
    import dask as dk
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import journey.dask

    (cluster, client), s = timed(
        lambda: (
            lambda c: (c, Client(c))
        )(LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None))
    )
    row("dask", "cluster start (2 workers)", s)
    ddf = dd.read_parquet(str(root))
    shuffled = ddf.shuffle(on="customer_id", npartitions=partitions)

    def count(frame):  # type: ignore[no-untyped-def]
        return pa.Table.from_pandas(frame, preserve_index=False).num_rows

    parts = [dk.delayed(count)(p) for p in shuffled.to_delayed()]
    _, s = timed(lambda: sum(dk.compute(*parts)))
    row("dask", "engine alone: read, shuffle by customer, Arrow", s)
    journey_jobs("dask", journey.dask.EventLog(ddf, partitions=partitions, **LOAD))
    client.close()
    cluster.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--dir", default="/tmp/journey-bench-distributed")
    ap.add_argument("--engines", default="single,spark,dask")
    ap.add_argument("--json", help="write the rows here too")
    args = ap.parse_args()
    root = pathlib.Path(args.dir) / f"events-{args.events}"
    _, s = timed(lambda: write_events(root, args.events, args.files))
    print(f"# data: {root} ({(root / '_DONE').read_text()} events, written in {s:.1f} s)", flush=True)
    engines = args.engines.split(",")
    check = single(root) if "single" in engines else {"funnel": None}
    if "spark" in engines:
        spark(root, args.partitions, check)
    if "dask" in engines:
        dask(root, args.partitions)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(ROWS, indent=1))


if __name__ == "__main__":
    main()
