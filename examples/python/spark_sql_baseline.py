"""The funnel and the path table of journey written in plain Spark SQL (DataFrame API), the
baseline of examples/python/bench_distributed.py, with digests to compare them to journey's.

They follow journey's definitions exactly (checked by journey-py/tests/test_spark_sql_baseline.py):

- the customer's order (docs/formats.md, "Ordering"): by timestamp, then, for equal
  timestamps, by content: touchpoint, channel, stage (awareness, consideration, purchase,
  retention, advocacy, then other stages by name, no stage last), value (smaller first, none
  last), then the property columns by column name (none last); names compare byte by byte,
  as Spark compares strings;
- the ordered funnel (docs/journeys.md, "Funnels"): every step-1 event starts an attempt; step
  j is the earliest step-j event after step j-1's event in that order and at most the window
  after the attempt's step-1 event (inclusive); a customer counts at the furthest step any
  attempt reaches;
- the path table (docs/attribution.md, "What gets credited"): a customer's events are cut at
  every conversion (an event whose touchpoint is a conversion touchpoint); a path's touches are
  the channels of the events since the previous conversion, in order; the conversion ends the
  path, is not a touch, and brings its value (none = 0); the events after the last conversion
  form a non-converting ("null") path; converting paths with no touch are the empty path.

The digests are SHA-256 of a canonical text: the funnel's customer counts per step; the path
table's rows sorted by path (names joined with ">"), with conversions, nulls and the value to
the cent. Values are summed exactly on both sides (journey with an exact sum of the doubles,
Spark as DECIMAL), and money is compared to the cent: the two exact sums are of the doubles and
of their shortest decimal forms, which agree far below a cent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Sequence

# Columns of the event log that are not properties (docs/formats.md).
_ROLES = ("customer_id", "timestamp", "touchpoint", "channel", "stage", "value", "sequence")
_STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")


def customer_order(df: Any) -> list:
    """The sort keys of the customer's order (docs/formats.md, "Ordering") as Spark columns,
    for a window partitioned by customer."""
    from pyspark.sql import functions as F

    cols = set(df.columns)
    keys = [F.col("timestamp").asc()]
    if "sequence" in cols:
        keys.append(F.col("sequence").asc_nulls_last())
    keys.append(F.col("touchpoint").asc())
    if "channel" in cols:
        keys.append(F.col("channel").asc_nulls_last())
    if "stage" in cols:
        rank = F.lit(len(_STAGES))
        for i, s in reversed(list(enumerate(_STAGES))):
            rank = F.when(F.col("stage") == s, F.lit(i)).otherwise(rank)
        keys.append(F.when(F.col("stage").isNull(), F.lit(len(_STAGES) + 1)).otherwise(rank).asc())
        keys.append(F.col("stage").asc_nulls_last())
    if "value" in cols:
        keys.append(F.col("value").asc_nulls_last())
    for p in sorted(cols - set(_ROLES)):
        keys.append(F.col(p).asc_nulls_last())
    return keys


def funnel(df: Any, steps: Sequence[str], window_days: int) -> list[int]:
    """Customers reaching each step of the ordered funnel over `steps` (one touchpoint each)
    with a conversion window of `window_days` days."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # Only the step events matter; ordered among themselves by the customer's order (their
    # touchpoints differ, so timestamp then touchpoint decides every tie that matters).
    w = Window.partitionBy("customer_id").orderBy(*customer_order(df))
    ev = (
        df.where(F.col("touchpoint").isin(list(steps)))
        .withColumn("pos", F.row_number().over(w))
        .select("customer_id", "timestamp", "touchpoint", "pos")
    )
    window = F.expr(f"INTERVAL {int(window_days)} DAYS")
    prev = ev.where(F.col("touchpoint") == steps[0]).select(
        "customer_id", F.col("pos").alias("p"), F.col("timestamp").alias("t1")
    )
    reached = [prev.select("customer_id", F.lit(1).alias("step"))]
    for j, step in enumerate(steps[1:], start=2):
        e = ev.where(F.col("touchpoint") == step).select(
            F.col("customer_id").alias("c"), F.col("pos").alias("pe"), F.col("timestamp").alias("te")
        )
        # Per attempt (its step-1 time t1 and its latest event p): the earliest step event
        # after p and within the window of t1.
        prev = (
            prev.join(
                e,
                (prev.customer_id == e.c) & (e.pe > prev.p) & (e.te <= prev.t1 + window),
            )
            .groupBy("customer_id", "t1", prev.p.alias("p0"))
            .agg(F.min("pe").alias("p"))
            .select("customer_id", "t1", "p")
        )
        reached.append(prev.select("customer_id", F.lit(j).alias("step")))
    # One job: each customer at the furthest step any attempt reaches, then customers per step.
    union = reached[0]
    for r in reached[1:]:
        union = union.unionByName(r)
    furthest = union.groupBy("customer_id").agg(F.max("step").alias("step"))
    at = dict(furthest.groupBy("step").count().collect())
    return [sum(at.get(k, 0) for k in range(j, len(steps) + 1)) for j in range(1, len(steps) + 1)]


def path_table(df: Any, conversions: Iterable[str] = ("purchase",)) -> list[dict]:
    """The channel-level path table (rows of path, total_conversions, total_conversion_value,
    total_null), collected to the driver (it is small: one row per distinct path)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("customer_id").orderBy(*customer_order(df))
    conv = F.col("touchpoint").isin(list(conversions)).cast("int")
    value = F.coalesce(F.col("value").cast("decimal(38,10)"), F.lit(0).cast("decimal(38,10)"))
    ev = (
        df.select("*", conv.alias("conv"))
        .withColumn("pos", F.row_number().over(w))
        # The path an event belongs to: how many conversions come before it.
        .withColumn(
            "path_no",
            F.coalesce(
                F.sum("conv").over(w.rowsBetween(Window.unboundedPreceding, -1)), F.lit(0)
            ),
        )
    )
    paths = ev.groupBy("customer_id", "path_no").agg(
        F.array_sort(
            F.collect_list(F.when(F.col("conv") == 0, F.struct("pos", "channel")))
        ).alias("touches"),
        F.max("conv").alias("converted"),
        F.sum(F.when(F.col("conv") == 1, value)).alias("value"),
    )
    table = (
        paths.select(
            F.concat_ws(">", F.col("touches.channel")).alias("path"),
            "converted",
            F.coalesce("value", F.lit(0).cast("decimal(38,10)")).alias("value"),
        )
        .groupBy("path")
        .agg(
            F.sum("converted").alias("total_conversions"),
            F.sum("value").alias("total_conversion_value"),
            F.sum(1 - F.col("converted")).alias("total_null"),
        )
    )
    return [r.asDict() for r in table.collect()]


def funnel_digest(counts: Sequence[int]) -> str:
    return hashlib.sha256(json.dumps([int(c) for c in counts]).encode()).hexdigest()


def path_table_digest(rows: Iterable[dict]) -> str:
    """Rows of path, total_conversions, total_conversion_value, total_null (journey's
    `PathTable.rows()` or `path_table` above), as a digest independent of the row order."""
    lines = sorted(
        "\t".join(
            [
                str(r["path"]).replace(" ", ""),
                str(int(r["total_conversions"])),
                f"{float(r['total_conversion_value'] or 0):.2f}",
                str(int(r["total_null"])),
            ]
        )
        for r in rows
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def journey_funnel_counts(result: Any) -> list[int]:
    return [int(s["customers"]) for s in result.steps]
