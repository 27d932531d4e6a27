"""journey on PySpark: the EventLog analyses over a Spark DataFrame that stays on the cluster.

>>> import journey.spark
>>> log = journey.spark.EventLog(df, customer="user_id", timestamp="ts", touchpoint="event")  # doctest: +SKIP
>>> log.funnel(["view", "cart", "purchase"], window="7d")  # doctest: +SKIP

The frame is repartitioned by customer (`repartition(n, customer)`), every partition builds an
EventLog from its Arrow batches (`mapInArrow`, through `EventLog.from_arrow`) and computes the
partial result of the analysis; the partials (bytes, never events) are merged in a tree: from
16 partitions on, once on the executors (`repartition(k)` of the partial rows, then
`mapInArrow`), then the last few on the driver. Only DataFrame operations are used, so it should run on Spark Connect (Databricks
shared and serverless compute) as well as on a classic SparkContext (only the latter is tested). See docs/distributed.md.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any, Iterator, Optional, Sequence

from . import _engine
from ._engine import DistributedLog, Spec, content_order

__all__ = ["EventLog", "content_order"]

# Partitions from which the partials are merged in two levels (on the executors, then the
# driver) rather than all at once on the driver.
_TREE_FROM = 16

_SCHEMA = "report string, error string, payload binary, timing string"


def _to_batch(records: list) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pylist(
        [
            {
                "report": None if r["report"] is None else json.dumps(r["report"]),
                "error": None if r["error"] is None else json.dumps(r["error"]),
                "payload": r["payload"],
                "timing": json.dumps(r.get("timing")),
            }
            for r in records
        ],
        schema=pa.schema(
            [
                ("report", pa.string()),
                ("error", pa.string()),
                ("payload", pa.binary()),
                ("timing", pa.string()),
            ]
        ),
    )


def _from_rows(
    report: Optional[str], error: Optional[str], payload: Optional[bytes], timing: Optional[str]
) -> dict:
    return {
        "report": None if report is None else json.loads(report),
        "error": None if error is None else json.loads(error),
        "payload": None if payload is None else bytes(payload),
        "timing": None if timing is None else json.loads(timing),
    }


def _records(batches: Iterator[Any]) -> Iterator[dict]:
    for b in batches:
        d = b.to_pydict()
        for r, e, p, t in zip(d["report"], d["error"], d["payload"], d["timing"]):
            yield _from_rows(r, e, p, t)


class _PartitionTask:
    """The function mapInArrow runs on each partition (picklable, imported on executors)."""

    def __init__(self, spec: Spec, task: tuple) -> None:
        self.spec = spec
        self.task = task

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        batches = list(batches)
        table = pa.Table.from_batches(batches) if batches else None
        yield _to_batch([_engine.run_partition(table, self.spec, self.task)])


class _MergeTask:
    """Merges the partial rows of a partition into one (the inner level of the tree)."""

    def __init__(self, kind: str, keep: int) -> None:
        self.kind = kind
        self.keep = keep

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        acc = _engine.merge_all(self.kind, self.keep, list(_records(batches)))
        if acc is not None:
            yield _to_batch([acc])


class EventLog(DistributedLog):
    """An event log held in a Spark DataFrame, with the analyses of `journey.EventLog`.

    `df` has the event columns, named as `EventLog.from_arrow` expects or mapped with the same
    keywords (`customer=`, `timestamp=`, `touchpoint=`, `channel=`, `stage=`, `value=`,
    `properties=`, `rename=`) and loaded with the same options (`mode=`, `conversions=`,
    `catalog=`, ...). `partitions` is how many customer partitions the analyses run on (default:
    the cluster's default parallelism): each holds about 1/partitions of the customers, loaded
    into one journey log in one Python worker, so size it to the workers' memory.

    Every analysis is one Spark job over `df` (a shuffle by customer); an analysis that needs
    the context (docs/distributed.md) runs a first pass over the input partitions once. Call
    `persist()` to shuffle once for many analyses.
    """

    def __init__(
        self,
        df: Any,
        *,
        partitions: Optional[int] = None,
        customer: Optional[str] = None,
        timestamp: Optional[str] = None,
        touchpoint: Optional[str] = None,
        channel: Optional[str] = None,
        stage: Optional[str] = None,
        value: Optional[str] = None,
        properties: Optional[Sequence[str]] = None,
        **load: Any,
    ) -> None:
        super().__init__()
        self._configure(
            df.columns, partitions, lambda: _default_parallelism(df), load, properties,
            customer=customer, timestamp=timestamp, touchpoint=touchpoint,
            channel=channel, stage=stage, value=value,
        )
        self._source = df
        self._shuffled = df.repartition(self.partitions, df[self._spec.customer])

    def _with_surveys(self, surveys: Any) -> Any:
        """Events and survey responses in one frame shuffled by customer (a union of two
        struct columns, `ev` and `sv`, one of them null in every row), so that each partition
        holds its customers' responses too."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StructType

        df = self._source
        key = "__journey_customer"
        ev = df.select(
            df[self._spec.customer].cast("string").alias(key),
            F.struct(*[df[c] for c in df.columns]).alias("ev"),
            F.lit(None).cast(StructType(surveys.schema.fields)).alias("sv"),
        )
        sv = surveys.select(
            surveys["customer_id"].cast("string").alias(key),
            F.lit(None).cast(StructType(df.schema.fields)).alias("ev"),
            F.struct(*[surveys[c] for c in surveys.columns]).alias("sv"),
        )
        return ev.unionByName(sv).repartition(self.partitions, key)

    def persist(self, storage_level: Any = None) -> "EventLog":
        """Keeps the frame shuffled by customer (Spark's `persist`), so later analyses skip the
        shuffle. Returns self."""
        if storage_level is None:
            self._shuffled = self._shuffled.persist()
        else:
            self._shuffled = self._shuffled.persist(storage_level)
        self._persisted = True
        return self

    def unpersist(self) -> "EventLog":
        """Drops what `persist()` kept. Returns self."""
        self._shuffled = self._shuffled.unpersist()
        self._persisted = False
        return self

    def _map_partitions(
        self, task: tuple, surveys: Any = None, shuffled: bool = True
    ) -> Optional[dict]:
        keep = int(self._spec.load.get("max_reported_errors", 10))
        kind = task[0]
        frame = self._shuffled if shuffled else self._source
        fn: Any = _PartitionTask(self._spec, task)
        if surveys is not None:
            frame, fn = self._with_surveys(surveys), _JoinedTask(self._spec, task)
        with warnings.catch_warnings():
            # mapInArrow checks the pandas version although nothing here goes through pandas.
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
            out = frame.mapInArrow(fn, _SCHEMA)
            # The inner level of the tree, on the executors: about sqrt(n) groups of partials,
            # from 16 partitions on (below, reading a few partials once on the driver costs
            # less than writing and reading every group's merge once more).
            groups = math.isqrt(self.partitions) if self.partitions >= _TREE_FROM else 1
            if groups > 1:
                out = out.repartition(groups).mapInArrow(_MergeTask(kind, keep), _SCHEMA)
        rows = [_from_rows(*r) for r in out.collect()]
        return _engine.merge_all(kind, keep, rows, as_bytes=False)


def _unnest(table: Any, name: str) -> Any:
    """The rows of a struct column that are not null, as a table of its fields."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    col = col.filter(pc.is_valid(col))
    if len(col) == 0:
        return None
    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(c) for c in col.chunks])


class _JoinedTask(_PartitionTask):
    """A partition of events and survey responses shuffled together: rows with `ev` set are
    events, rows with `sv` set responses."""

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        batches = list(batches)
        table = pa.Table.from_batches(batches) if batches else None
        events = surveys = None
        if table is not None:
            events, surveys = _unnest(table, "ev"), _unnest(table, "sv")
        yield _to_batch([_engine.run_partition(events, self.spec, self.task, surveys)])


def _default_parallelism(df: Any) -> int:
    spark = df.sparkSession
    try:
        return int(spark.sparkContext.defaultParallelism)
    except Exception:  # Spark Connect has no SparkContext
        return int(spark.conf.get("spark.sql.shuffle.partitions") or 200)

