"""journey: customer journey mapping and journey analytics.

>>> import journey
>>> log, surveys = journey.synthetic(customers=200, seed=1)
>>> log.n_customers
200
>>> "purchase" in log.touchpoints()
True
"""

from ._journey import (
    ArgumentError,
    Chart,
    Context,
    EventLog,
    FileError,
    JourneyError,
    JourneyMap,
    LiveAnalysis,
    MapError,
    MissingColumnError,
    ParseError,
    Partial,
    PathTable,
    Result,
    Surveys,
    TransitionGraph,
    __version__,
    ces,
    csat,
    merge_partials,
    nps,
    nps_diff,
    read_events,
    read_path_table,
    read_surveys,
    report,
    synthetic,
)
from ._typing import (
    ArrowArrayExportable,
    ArrowData,
    ArrowStreamExportable,
    Duration,
    Level,
    Mode,
    Model,
    PathLike,
    Scores,
    Source,
    Ties,
    Touchpoints,
)

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

