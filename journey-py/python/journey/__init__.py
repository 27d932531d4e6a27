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
    synthetic,
)
from ._journey import report as _report_one
from ._engine import DistributedLog as _DistributedLog
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


def report(log, surveys=None, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(log, _DistributedLog):  # journey.spark / journey.dask: merged partials
        return log.report(surveys, **kwargs)
    return _report_one(log, surveys, **kwargs)


report.__doc__ = (_report_one.__doc__ or "") + (
    "\n\n`log` may also be a `journey.spark.EventLog` or `journey.dask.EventLog` (and `surveys` "
    "a DataFrame of that engine): the page is then built from partials merged on the cluster "
    "(docs/distributed.md)."
)
