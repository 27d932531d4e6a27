"""Type stubs of the EventLog methods journey.spark and journey.dask share."""

from typing import Any, Literal, Mapping, Optional, Sequence, Union

from . import Context, Partial, PathTable, Result, _Analyses
from ._typing import Duration, Level, Touchpoints

__all__ = ["DistributedLog", "content_order"]

def content_order(table: Any) -> Any:
    """The rows of an Arrow table sorted by every column (kept for compatibility: the loader
    orders ties by content itself)."""

class DistributedLog(_Analyses[Any]):
    """The EventLog analyses over data that stays on a Spark or Dask cluster."""

    partitions: int
    last_timing: dict[str, float]
    @property
    def context(self) -> Context: ...
    @property
    def n_events(self) -> int: ...
    @property
    def n_customers(self) -> int: ...
    @property
    def load_report(self) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def partial(self, analysis: str, *, surveys: Any = None, **kwargs: Any) -> Partial: ...
    def funnel(
        self,
        steps: Sequence[Union[str, Sequence[str]]],
        *,
        window: Duration = ...,
        mode: Literal["ordered", "strict", "any", "any_order"] = ...,
        first_attempt: bool = ...,
        exclude: Optional[Sequence[Union[str, Sequence[str], Mapping[str, Any]]]] = ...,
        breakdown: Optional[str] = ...,
        dropped_ids: bool = ...,
        as_of: Union[str, int, Literal[False], None] = ...,
        trend: Optional[Literal["day", "week", "month"]] = ...,
    ) -> Result: ...
    def retention(
        self,
        *,
        period: Literal["day", "week", "month"] = ...,
        periods: int = ...,
        start: Touchpoints = ...,
        ret: Touchpoints = ...,
    ) -> Result: ...
    def path_table(
        self,
        *,
        level: Level = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        lookback: Optional[Duration] = ...,
    ) -> PathTable: ...
    def nps(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def csat(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def ces(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def report(
        self,
        surveys: Any = None,
        *,
        title: str = ...,
        subtitle: Optional[str] = ...,
        map: Optional[Mapping[str, Any]] = ...,
        persona_maps: bool = ...,
        designed_map: Optional[Mapping[str, Any]] = ...,
        funnel: Optional[Sequence[str]] = ...,
        funnel_window: Duration = ...,
        top_paths: int = ...,
        retention: Optional[Mapping[str, Any]] = ...,
        attribution: Optional[Mapping[str, Any]] = ...,
        drivers: bool = ...,
        funnel_trend: Union[Literal["day", "week", "month"], Literal[False], None] = ...,
    ) -> str: ...
