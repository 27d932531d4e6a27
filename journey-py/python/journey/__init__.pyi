"""Type stubs of journey (hand-written; checked by mypy.stubtest in CI)."""

import datetime
import os
from typing import IO, Any, Iterable, Literal, Mapping, Optional, Protocol, Sequence, Tuple, TypeVar, Union, final


__version__: str

__all__ = [
    "ArgumentError",
    "Chart",
    "Context",
    "EventLog",
    "FileError",
    "JourneyError",
    "JourneyMap",
    "LiveAnalysis",
    "MapError",
    "MissingColumnError",
    "ParseError",
    "Partial",
    "PathTable",
    "Result",
    "Surveys",
    "TransitionGraph",
    "__version__",
    "ces",
    "csat",
    "merge_partials",
    "nps",
    "nps_diff",
    "read_events",
    "read_path_table",
    "read_surveys",
    "report",
    "synthetic",
]

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, IO[str], IO[bytes]]
Mode = Literal["strict", "lenient"]
Ties = Literal["content", "input"]

class ArrowStreamExportable(Protocol):
    """Anything with the Arrow PyCapsule stream interface (pyarrow, polars, pandas >= 2.2, DuckDB)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

class ArrowArrayExportable(Protocol):
    """A record batch or struct array with the Arrow PyCapsule array interface."""

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]: ...

ArrowData = Union[ArrowStreamExportable, ArrowArrayExportable]

class JourneyError(ValueError):
    code: str
    line: Optional[int]
    row: Optional[int]
    row_group: Optional[int]
    column: Optional[str]
    value: Optional[str]
    expected: Optional[str]

class ParseError(JourneyError): ...
class MissingColumnError(JourneyError): ...
class ArgumentError(JourneyError): ...
class MapError(JourneyError): ...
class FileError(JourneyError, OSError):
    """An input could not be read (an OSError, and a JourneyError with code "io")."""

    code: str

Model = Literal[
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
    "data_driven_shapley",
]
Level = Literal["channel", "touchpoint"]
Duration = Union[str, float, int, "datetime.timedelta"]

@final
class Result:
    """An analysis result: fields as attributes or items, `to_dict()` for the canonical JSON."""

    @property
    def kind(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    def to_records(self, table: Optional[str] = None) -> list[dict[str, Any]]: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def to_arrow(self, table: Optional[str] = None) -> Any:
        """A pyarrow.Table."""
    def to_pandas(self, table: Optional[str] = None) -> Any:
        """A pandas.DataFrame."""
    def to_polars(self, table: Optional[str] = None) -> Any:
        """A polars.DataFrame."""
    def to_svg(self) -> str: ...
    def keys(self) -> list[str]: ...
    def __getitem__(self, key: str, /) -> Any: ...
    def __getattr__(self, name: str) -> Any: ...
    def chart(self) -> Optional[Chart]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def _repr_html_(self) -> str: ...
    def _repr_svg_(self) -> Optional[str]: ...

@final
class Chart:
    """A picture (SVG) of a result; shown inline in Jupyter."""

    def __new__(cls, svg: str) -> Chart: ...
    def to_svg(self) -> str: ...
    def save(self, path: PathLike) -> None: ...
    def _repr_svg_(self) -> str: ...

_S_contra = TypeVar("_S_contra", contravariant=True)

class _Analyses(Protocol[_S_contra]):
    """The analyses an EventLog and the distributed logs of journey.spark and journey.dask
    (`journey._engine.DistributedLog`) both have, with the same keywords; `_S_contra` is what
    they take as survey responses (Surveys, or a DataFrame of the engine)."""

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
    def kpis(
        self,
        *,
        start: Optional[Union[str, int, datetime.datetime, datetime.date]] = ...,
        end: Optional[Union[str, int, datetime.datetime, datetime.date]] = ...,
    ) -> Result: ...
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
    def map_from_data(
        self,
        surveys: Optional[_S_contra] = None,
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


@final
class EventLog(_Analyses[Surveys]):
    def __init__(self) -> None: ...
    @staticmethod
    def from_csv_text(
        text: str,
        *,
        mode: Mode = ...,
        conversions: Optional[Sequence[str]] = ...,
        catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
        ignore_extra_columns: bool = ...,
        rename: Optional[Mapping[str, str]] = ...,
        max_reported_errors: Optional[int] = ...,
        ties: Ties = ...,
        progress: Optional[bool] = ...,
    ) -> EventLog: ...
    @staticmethod
    def from_json_text(
        text: str,
        *,
        mode: Mode = ...,
        conversions: Optional[Sequence[str]] = ...,
        catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
        ignore_extra_columns: bool = ...,
        rename: Optional[Mapping[str, str]] = ...,
        max_reported_errors: Optional[int] = ...,
        ties: Ties = ...,
        progress: Optional[bool] = ...,
    ) -> EventLog: ...
    @staticmethod
    def from_arrow(
        data: ArrowData,
        *,
        customer: Optional[str] = ...,
        timestamp: Optional[str] = ...,
        touchpoint: Optional[str] = ...,
        channel: Optional[str] = ...,
        stage: Optional[str] = ...,
        value: Optional[str] = ...,
        sequence: Optional[str] = ...,
        properties: Optional[Sequence[str]] = ...,
        mode: Mode = ...,
        conversions: Optional[Sequence[str]] = ...,
        catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
        ignore_extra_columns: bool = ...,
        rename: Optional[Mapping[str, str]] = ...,
        max_reported_errors: Optional[int] = ...,
        ties: Ties = ...,
        progress: Optional[bool] = ...,
    ) -> EventLog: ...
    @staticmethod
    def from_pandas(
        df: Any,
        *,
        customer: Optional[str] = ...,
        timestamp: Optional[str] = ...,
        touchpoint: Optional[str] = ...,
        channel: Optional[str] = ...,
        stage: Optional[str] = ...,
        value: Optional[str] = ...,
        sequence: Optional[str] = ...,
        properties: Optional[Sequence[str]] = ...,
        mode: Mode = ...,
        conversions: Optional[Sequence[str]] = ...,
        catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
        ignore_extra_columns: bool = ...,
        rename: Optional[Mapping[str, str]] = ...,
        max_reported_errors: Optional[int] = ...,
        ties: Ties = ...,
        progress: Optional[bool] = ...,
    ) -> EventLog: ...
    @staticmethod
    def from_polars(
        df: Any,
        *,
        customer: Optional[str] = ...,
        timestamp: Optional[str] = ...,
        touchpoint: Optional[str] = ...,
        channel: Optional[str] = ...,
        stage: Optional[str] = ...,
        value: Optional[str] = ...,
        sequence: Optional[str] = ...,
        properties: Optional[Sequence[str]] = ...,
        mode: Mode = ...,
        conversions: Optional[Sequence[str]] = ...,
        catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
        ignore_extra_columns: bool = ...,
        rename: Optional[Mapping[str, str]] = ...,
        max_reported_errors: Optional[int] = ...,
        ties: Ties = ...,
        progress: Optional[bool] = ...,
    ) -> EventLog: ...
    @staticmethod
    def from_bytes(data: bytes) -> EventLog: ...
    def to_bytes(self) -> bytes: ...
    def _repr_html_(self) -> str: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def to_arrow(self) -> Any:
        """A pyarrow.Table."""
    def to_pandas(self) -> Any:
        """A pandas.DataFrame."""
    def to_polars(self) -> Any:
        """A polars.DataFrame."""
    @property
    def n_events(self) -> int: ...
    @property
    def n_customers(self) -> int: ...
    @property
    def load_report(self) -> dict[str, Any]: ...
    @property
    def conversions(self) -> list[str]: ...
    def touchpoints(self) -> list[str]: ...
    def channels(self) -> list[str]: ...
    def stages(self) -> list[str]: ...
    def customers(self) -> list[str]: ...
    def properties(self) -> list[str]: ...
    def journey(self, customer_id: str) -> list[dict[str, Any]]: ...
    def summary(self) -> dict[str, Any]: ...
    def to_csv(self, path: Optional[PathLike] = None, csv_safe: bool = True) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def partial(
        self,
        analysis: str,
        *,
        context: Optional[Context] = None,
        surveys: Optional[Surveys] = None,
        **kwargs: Any,
    ) -> Partial: ...
    def append(self, batch: Any, **kwargs: Any) -> dict[str, Any]: ...
    def funnel(
        self,
        steps: Sequence[Union[str, Sequence[str], Mapping[str, Any]]],
        *,
        window: Duration = ...,
        mode: Literal["ordered", "strict", "any", "any_order"] = ...,
        first_attempt: bool = ...,
        exclude: Optional[Sequence[Union[str, Sequence[str], Mapping[str, Any]]]] = ...,
        breakdown: Optional[str] = ...,
        dropped_ids: bool = ...,
        as_of: Union[str, int, Literal[False], None] = ...,
        after_drop_off: int = ...,
        trend: Optional[Literal["day", "week", "month"]] = ...,
    ) -> Result: ...
    def compare(
        self,
        a: Mapping[str, Any],
        b: Mapping[str, Any],
        surveys: Optional[Surveys] = None,
        *,
        steps: Optional[Sequence[Union[str, Sequence[str], Mapping[str, Any]]]] = ...,
        window: Duration = ...,
        mode: Literal["ordered", "strict", "any", "any_order"] = ...,
        kpis: bool = ...,
        retention_periods: Sequence[int] = ...,
        retention: Optional[Mapping[str, Any]] = ...,
        attribution: Optional[Mapping[str, Any]] = ...,
        resamples: int = ...,
        seed: int = ...,
        alpha: float = ...,
    ) -> Result: ...
    def open_journeys(
        self,
        *,
        level: Level = ...,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        as_of: Optional[Union[str, int]] = ...,
        only_unconverted: bool = ...,
        min_support: float = ...,
        next_touches: int = ...,
        top_paths: int = ...,
        max_path_length: int = ...,
        idle: bool = ...,
    ) -> Result: ...
    def open_journeys_backtest(
        self,
        *,
        as_of: Union[str, int],
        horizon: Duration = ...,
        level: Level = ...,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        only_unconverted: bool = ...,
        bins: int = ...,
        idle: bool = ...,
    ) -> Result: ...
    def retention(
        self,
        *,
        period: Literal["day", "week", "month"] = ...,
        periods: int = ...,
        start: Touchpoints = ...,
        ret: Touchpoints = ...,
        min_returns: int = ...,
        unbounded: bool = ...,
    ) -> Result: ...
    def choose_order(
        self,
        *,
        max_order: int = ...,
        criterion: Literal["bic", "aic"] = ...,
        level: Level = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        lookback: Optional[Duration] = ...,
    ) -> Result: ...
    def sequence_removal_effects(
        self,
        *,
        order: int = ...,
        length: int = ...,
        sequences: Optional[Sequence[str]] = ...,
        min_occurrences: float = ...,
        level: Level = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        lookback: Optional[Duration] = ...,
    ) -> Result: ...
    def report(
        self,
        surveys: Optional[Surveys] = None,
        *,
        title: str = ...,
        subtitle: Optional[str] = ...,
        map: Optional[Mapping[str, Any]] = ...,
        persona_maps: bool = ...,
        designed_map: Optional[Union[JourneyMap, Mapping[str, Any]]] = ...,
        funnel: Optional[Sequence[str]] = ...,
        funnel_window: Duration = ...,
        top_paths: int = ...,
        retention: Optional[Mapping[str, Any]] = ...,
        attribution: Optional[Mapping[str, Any]] = ...,
        open_journeys: Optional[Mapping[str, Any]] = ...,
        drivers: bool = ...,
        funnel_trend: Union[Literal["day", "week", "month"], Literal[False], None] = ...,
        compare: Optional[Mapping[str, Any]] = ...,
    ) -> str: ...

@final
class TransitionGraph:
    """Nodes start, touches, end; edges counted with customers, probability and times."""

    def edges(self) -> list[dict[str, Any]]: ...
    def nodes(self) -> list[dict[str, Any]]: ...
    def to_dot(self) -> str: ...
    def to_mermaid(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_pandas(self) -> Any:
        """A pandas.DataFrame."""
    def to_polars(self) -> Any:
        """A polars.DataFrame."""
    def to_arrow(self) -> Any:
        """A pyarrow.Table."""
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def _repr_html_(self) -> str: ...

@final
class Partial:
    """The mergeable partial result of one analysis over some whole customers."""

    @property
    def analysis(self) -> str: ...
    @property
    def options(self) -> dict[str, Any]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Partial: ...
    def merge(self, other: Partial) -> Partial: ...
    def retract(self, other: Partial) -> Partial: ...
    def finish(self) -> Any: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class LiveAnalysis:
    """An event log with live analyses, updated on every append (docs/live.md)."""

    def __new__(
        cls,
        log: EventLog,
        analyses: Mapping[str, Optional[Mapping[str, Any]]],
        *,
        surveys: Optional[Surveys] = None,
        ties: Literal["content", "input"] = "content",
    ) -> LiveAnalysis: ...
    def append(self, batch: Any, **kwargs: Any) -> dict[str, Any]: ...
    def result(self, analysis: str) -> Any: ...
    def compact(self) -> None: ...
    @property
    def n_events(self) -> int: ...
    @property
    def analyses(self) -> list[str]: ...
    @property
    def log(self) -> EventLog: ...

@final
class Context:
    """What every partition must agree on before it runs (the time span of the whole log)."""

    def __init__(self) -> None: ...
    @staticmethod
    def of(log: EventLog) -> Context: ...
    def merge(self, other: Context) -> Context: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Context: ...
    @property
    def first_us(self) -> Optional[int]: ...
    @property
    def last_us(self) -> Optional[int]: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...
    def __eq__(self, other: object, /) -> bool: ...

def merge_partials(partials: Iterable[Union[Partial, bytes]]) -> Partial: ...

Scores = Sequence[Optional[float]]
Touchpoints = Union[str, Sequence[str]]

def nps(scores: Scores) -> Result: ...
def csat(scores: Scores) -> Result: ...
def ces(scores: Scores) -> Result: ...
def nps_diff(
    a: Union[Scores, Result, Mapping[str, Any]], b: Union[Scores, Result, Mapping[str, Any]]
) -> Result: ...

@final
class PathTable:
    """Aggregated conversion paths (ChannelAttribution layout)."""

    @staticmethod
    def from_csv_text(text: str) -> PathTable: ...
    @staticmethod
    def from_rows(rows: Sequence[Mapping[str, Any]]) -> PathTable: ...
    @staticmethod
    def from_log(
        log: EventLog,
        *,
        level: Level = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        first_conversion_only: bool = ...,
        lookback: Optional[Duration] = ...,
    ) -> PathTable: ...
    def rows(self) -> list[dict[str, Any]]: ...
    def __len__(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_pandas(self) -> Any:
        """A pandas.DataFrame."""
    def to_polars(self) -> Any:
        """A polars.DataFrame."""
    def to_arrow(self) -> Any:
        """A pyarrow.Table."""
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def _repr_html_(self) -> str: ...
    def attribution(
        self,
        *,
        model: Model = ...,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        position_weights: Sequence[float] = ...,
        transition_matrix: bool = ...,
    ) -> Result: ...
    def attribution_table(
        self,
        *,
        order: int = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
        position_weights: Sequence[float] = ...,
        transition_matrix: bool = ...,
    ) -> Result: ...
    def choose_order(
        self,
        *,
        max_order: int = ...,
        criterion: Literal["bic", "aic"] = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
    ) -> Result: ...
    def sequence_removal_effects(
        self,
        *,
        order: int = ...,
        length: int = ...,
        sequences: Optional[Sequence[str]] = ...,
        min_occurrences: float = ...,
        collapse_repeats: bool = ...,
        exclude: Optional[Sequence[str]] = ...,
    ) -> Result: ...

def read_path_table(source: Source) -> PathTable: ...

@final
class Surveys:
    def __init__(self) -> None: ...
    @staticmethod
    def from_csv_text(
        text: str, *, mode: Mode = ..., max_reported_errors: Optional[int] = ...
    ) -> Surveys: ...
    @property
    def n_responses(self) -> int: ...
    @property
    def n_customers(self) -> int: ...
    @property
    def load_report(self) -> dict[str, Any]: ...
    def touchpoints(self) -> list[str]: ...
    def to_csv(self, path: Optional[PathLike] = None, csv_safe: bool = True) -> Optional[str]: ...
    def __len__(self) -> int: ...
    def with_log(self, log: EventLog) -> Surveys: ...
    def nps(self, *, by: Optional[str] = ..., log: Optional[EventLog] = ...) -> Result: ...
    def csat(self, *, by: Optional[str] = ..., log: Optional[EventLog] = ...) -> Result: ...
    def ces(self, *, by: Optional[str] = ..., log: Optional[EventLog] = ...) -> Result: ...

@final
class JourneyMap:
    def __new__(cls, name: str) -> JourneyMap: ...
    @staticmethod
    def from_json(text: str) -> JourneyMap: ...
    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> JourneyMap: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def name(self) -> str: ...
    def stages(self) -> list[str]: ...
    def touchpoints(self) -> list[str]: ...
    def personas(self) -> list[str]: ...
    @staticmethod
    def from_data(
        log: EventLog,
        surveys: Optional[Surveys] = None,
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
    def to_svg(
        self, persona: Optional[str] = None, column_width: float = 250.0, show_metrics: bool = True
    ) -> str: ...
    def _repr_svg_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

def report(
    log: EventLog,
    surveys: Optional[Surveys] = None,
    *,
    title: str = ...,
    subtitle: Optional[str] = ...,
    map: Optional[Mapping[str, Any]] = ...,
    persona_maps: bool = ...,
    designed_map: Optional[Union[JourneyMap, Mapping[str, Any]]] = ...,
    funnel: Optional[Sequence[str]] = ...,
    funnel_window: Duration = ...,
    top_paths: int = ...,
    retention: Optional[Mapping[str, Any]] = ...,
    attribution: Optional[Mapping[str, Any]] = ...,
    open_journeys: Optional[Mapping[str, Any]] = ...,
    drivers: bool = ...,
    funnel_trend: Union[Literal["day", "week", "month"], Literal[False], None] = ...,
    compare: Optional[Mapping[str, Any]] = ...,
) -> str: ...

def read_events(
    source: Source,
    *,
    format: Optional[Literal["csv", "json", "jsonl", "parquet"]] = ...,
    progress: Optional[bool] = ...,
    mode: Mode = ...,
    conversions: Optional[Sequence[str]] = ...,
    catalog: Optional[Mapping[str, Mapping[str, str]]] = ...,
    ignore_extra_columns: bool = ...,
    rename: Optional[Mapping[str, str]] = ...,
    max_reported_errors: Optional[int] = ...,
    ties: Ties = ...,
) -> EventLog: ...
def read_surveys(
    source: Source,
    *,
    format: Optional[Literal["csv", "json", "jsonl", "parquet"]] = ...,
    mode: Mode = ...,
    max_reported_errors: Optional[int] = ...,
) -> Surveys: ...
def synthetic(customers: int = 1000, seed: int = 42) -> Tuple[EventLog, Surveys]: ...
