"""Type stubs of journey.dask."""

from typing import Any, Optional, Sequence

from ._engine import DistributedLog, content_order as content_order

__all__ = ["EventLog", "content_order"]

class EventLog(DistributedLog):
    """An event log held in a Dask DataFrame, with the analyses of journey.EventLog."""

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
    ) -> None: ...
    def persist(self) -> EventLog: ...
