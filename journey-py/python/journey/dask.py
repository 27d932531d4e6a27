"""journey on Dask: the EventLog analyses over a Dask DataFrame that stays on the cluster.

>>> import journey.dask
>>> log = journey.dask.EventLog(ddf, customer="user_id", timestamp="ts", touchpoint="event")  # doctest: +SKIP
>>> log.funnel(["view", "cart", "purchase"], window="7d")  # doctest: +SKIP

The frame is shuffled by customer (`shuffle(on=customer)`), every partition builds an EventLog
from its rows as Arrow (through `EventLog.from_arrow`) and computes the partial result of the
analysis; the partials (bytes, never events) are merged in a tree of tasks on the workers and
only the final one comes back. It runs on whatever scheduler is active (a
`distributed.Client`, or Dask's local threads). See docs/distributed.md.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from . import _engine
from ._engine import DistributedLog, Spec, content_order

__all__ = ["EventLog", "content_order"]

_FAN_IN = 8


_KEY = "__journey_customer"


def _arrow(frame: Any) -> Any:
    import pyarrow as pa

    if frame is None or not len(frame):
        return None
    if _KEY in frame.columns:
        frame = frame.drop(columns=[_KEY])
    return pa.Table.from_pandas(frame, preserve_index=False)


def _partition(frame: Any, spec: Spec, task: tuple, surveys: Any = None) -> dict:
    return _engine.run_partition(_arrow(frame), spec, task, _arrow(surveys))


def _merge(kind: str, keep: int, *records: Optional[dict]) -> Optional[dict]:
    return _engine.merge_all(kind, keep, records)


class EventLog(DistributedLog):
    """An event log held in a Dask DataFrame, with the analyses of `journey.EventLog`.

    Column keywords and load options as for `EventLog.from_arrow`. `partitions` is how many
    customer partitions the analyses run on (default: the frame's `npartitions`); each is
    loaded into one journey log in one worker, so size it to the workers' memory.

    Every analysis is one Dask computation over `ddf` (a shuffle by customer); an analysis that
    needs the context (docs/distributed.md) runs a first pass over the input partitions once. Call
    `persist()` to shuffle once for many analyses.
    """

    def __init__(
        self,
        ddf: Any,
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
            list(ddf.columns), partitions, lambda: int(ddf.npartitions), load, properties,
            customer=customer, timestamp=timestamp, touchpoint=touchpoint,
            channel=channel, stage=stage, value=value,
        )
        self._source = ddf
        self._shuffled = ddf.shuffle(on=self._spec.customer, npartitions=self.partitions)

    def persist(self) -> "EventLog":
        """Keeps the frame shuffled by customer in the workers' memory (Dask's `persist`), so
        later analyses skip the shuffle. Returns self."""
        self._shuffled = self._shuffled.persist()
        self._persisted = True
        return self

    def _map_partitions(
        self, task: tuple, surveys: Any = None, shuffled: bool = True
    ) -> Optional[dict]:
        import dask

        keep = int(self._spec.load.get("max_reported_errors", 10))
        kind = task[0]
        part = dask.delayed(_partition, pure=True)
        merge = dask.delayed(_merge, pure=True)
        frame = self._shuffled if shuffled else self._source
        if surveys is None:
            level = [part(p, self._spec, task) for p in frame.to_delayed()]
        else:
            # Events and responses shuffled alike on the customer id as text: partition i of
            # one holds the same customers as partition i of the other.
            n = self.partitions
            src = self._source
            ev = src.assign(**{_KEY: src[self._spec.customer].astype(str)})
            sv = surveys.assign(**{_KEY: surveys["customer_id"].astype(str)})
            ev = ev.shuffle(on=_KEY, npartitions=n).to_delayed()
            sv = sv.shuffle(on=_KEY, npartitions=n).to_delayed()
            level = [part(e, self._spec, task, s) for e, s in zip(ev, sv)]
        while len(level) > 1:
            level = [merge(kind, keep, *level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
        if not level:
            return None
        (rec,) = dask.compute(level[0])
        return rec  # type: ignore[no-any-return]
