"""Type stubs of the EventLog methods journey.spark and journey.dask share."""

import datetime
from typing import Any, Literal, Mapping, Optional, Sequence, Union

from . import Context, JourneyMap, Partial, PathTable, Result, TransitionGraph
from ._typing import Duration, Level, Model, Touchpoints

__all__ = ["DistributedLog", "content_order"]

def content_order(table: Any) -> Any:
    """The rows of an Arrow table sorted by every column (kept for compatibility: the loader
    orders ties by content itself)."""

class DistributedLog:
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
    ) -> Result: ...
    def retention(
        self,
        *,
        period: Literal["day", "week", "month"] = ...,
        periods: int = ...,
        start: Touchpoints = ...,
        ret: Touchpoints = ...,
    ) -> Result: ...
    def kpis(
        self,
        *,
        start: Optional[Union[str, int, datetime.datetime, datetime.date]] = ...,
        end: Optional[Union[str, int, datetime.datetime, datetime.date]] = ...,
    ) -> Result: ...
    def sessions(
        self, *, gap: Duration = ..., inactivity: Duration = ..., per_customer: bool = ...
    ) -> Result: ...
    def transition_graph(
        self,
        *,
        level: Level = ...,
        session_gap: Optional[Duration] = ...,
        collapse_repeats: bool = ...,
    ) -> TransitionGraph: ...
    def conversion_paths(
        self,
        *,
        level: Level = ...,
        lookback: Optional[Duration] = ...,
        first_conversion_only: bool = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
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
    def attribution(
        self,
        *,
        model: Model = ...,
        level: Level = ...,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        half_life: Duration = ...,
        position_weights: Sequence[float] = ...,
        lookback: Optional[Duration] = ...,
        transition_matrix: bool = ...,
    ) -> Result: ...
    def attribution_table(
        self,
        *,
        level: Level = ...,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        half_life: Duration = ...,
        position_weights: Sequence[float] = ...,
        lookback: Optional[Duration] = ...,
        transition_matrix: bool = ...,
    ) -> Result: ...
    def path_stats(
        self,
        *,
        level: Level = ...,
        lookback: Optional[Duration] = ...,
        first_conversion_only: bool = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        top: int = ...,
        attribution_model: Model = ...,
    ) -> Result: ...
    def conversion_drivers(
        self,
        *,
        level: Level = ...,
        touches: bool = ...,
        properties: Optional[Union[str, Sequence[str]]] = ...,
        steps: Optional[Sequence[Union[str, Sequence[str]]]] = ...,
        step: Optional[int] = ...,
        window: Duration = ...,
        mode: Literal["ordered", "strict", "any", "any_order"] = ...,
        alpha: float = ...,
        min_customers: int = ...,
    ) -> Result: ...
    def nps(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def csat(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def ces(self, surveys: Any, *, by: Optional[str] = ...) -> Result: ...
    def map_from_data(
        self,
        surveys: Any = None,
        *,
        name: str = ...,
        persona_property: Optional[str] = ...,
        by_persona: bool = ...,
        all_customers: bool = ...,
        max_touchpoints: int = ...,
        min_customers: int = ...,
        min_responses: int = ...,
        drop_off_threshold: float = ...,
        csat_threshold: float = ...,
        nps_threshold: float = ...,
        lift_threshold: float = ...,
        reach_share_threshold: float = ...,
        drivers: bool = ...,
    ) -> JourneyMap: ...
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
