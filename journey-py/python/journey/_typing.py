"""Type aliases of the public API, usable in annotations (``journey.Duration``, ...)."""

import datetime
import os
from typing import IO, Literal, Optional, Protocol, Sequence, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, IO[str], IO[bytes]]
Mode = Literal["strict", "lenient"]
Ties = Literal["content", "input"]
Model = Literal[
    "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"
]
Level = Literal["channel", "touchpoint"]
Duration = Union[str, float, int, datetime.timedelta]
Scores = Sequence[Optional[float]]
Touchpoints = Union[str, Sequence[str]]


class ArrowStreamExportable(Protocol):
    """Anything with the Arrow PyCapsule stream interface (pyarrow, polars, pandas >= 2.2, DuckDB)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...


class ArrowArrayExportable(Protocol):
    """A record batch or struct array with the Arrow PyCapsule array interface."""

    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]: ...


ArrowData = Union[ArrowStreamExportable, ArrowArrayExportable]
