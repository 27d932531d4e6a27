"""What journey.spark and journey.dask share: the work done in one partition (load whole
customers from Arrow, compute a partial), the merge of per-partition records, and the
EventLog-like methods that turn a merged partial into the usual result.

An engine module subclasses `DistributedLog` and provides `_map_partitions(task)`, which runs
`run_partition(table, spec, task)` on every partition of the data shuffled by customer and
returns the merged record (`merge_all` at every node of a tree on the cluster). Events never
reach the driver: partitions send back partials (bytes), load reports and at most one error.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Mapping, Optional, Sequence

from . import _journey as _j

__all__ = ["DistributedLog", "content_order"]


class Spec:
    """How every partition loads its events: the `EventLog.from_arrow` keywords, the source
    column names, and the customer column the data is shuffled on."""

    def __init__(self, columns: Sequence[str], load: Mapping[str, Any]) -> None:
        self.columns = list(columns)
        self.load = {k: v for k, v in load.items() if v is not None}
        self.load["progress"] = False
        self.customer = customer_column(self.columns, self.load)
        # No sort of the shuffled rows: the loader orders tied events by its tie rule (by
        # content unless `ties` says otherwise), which does not depend on the arrival order.
        # Checks the keywords and that the columns are there, on the driver, before any job:
        # an empty table of the same columns costs nothing to load.
        self.empty_log()

    def empty_table(self) -> Any:
        import pyarrow as pa

        return pa.table({c: pa.array([], pa.string()) for c in self.columns})

    def empty_log(self) -> Any:
        return _j.EventLog.from_arrow(self.empty_table(), **self.load)


def customer_column(columns: Sequence[str], load: Mapping[str, Any]) -> str:
    """The source column holding the customer id, as `EventLog.from_arrow` finds it with these
    keywords (`customer=`, else the column named or renamed `customer_id`)."""
    return str(_j.EventLog._column_roles(list(columns), **load)["customer_id"])


# -------------------------------------------------------------------------------------------
# One partition.


def _customer_at(table: Any, spec: Spec, row: int) -> Optional[str]:
    """The customer id of a 1-based row of the partition's table (as text), None if unknown."""
    try:
        v = table.column(spec.customer)[row - 1].as_py()
    except Exception:  # a row the loader counted differently: say nothing rather than guess
        return None
    return None if v is None else str(v)


def _name_customer(message: str, table: Any, spec: Spec) -> str:
    """A loader message naming the customer instead of the partition's row number (a row
    number of a shuffled partition means nothing to the user); core words it."""
    return str(_j._name_customer(message, lambda row: _customer_at(table, spec, row)))


def _error_record(e: BaseException, table: Any, spec: Spec) -> dict[str, Any]:
    row = getattr(e, "row", None)
    customer = _customer_at(table, spec, row) if row and table is not None else None
    return {
        "type": type(e).__name__,
        "message": str(e) if table is None else _name_customer(str(e), table, spec),
        "code": getattr(e, "code", None),
        "column": getattr(e, "column", None),
        "value": getattr(e, "value", None),
        "expected": getattr(e, "expected", None),
        "customer": customer,
    }


def content_order(table: Any) -> Any:
    """The rows of an Arrow table sorted by every column, in the table's column order (nulls
    last).

    Kept for compatibility: the engines no longer sort their partitions, because the loader
    orders a customer's tied events by content itself (the default `ties="content"`), so a
    table loads to the same log in any row order, sorted by this function or not.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = {}
    for i, col in enumerate(table.columns):
        t = col.type
        if pa.types.is_dictionary(t):
            col, t = col.cast(t.value_type), t.value_type
        if pa.types.is_nested(t):  # lists, structs, maps: compared by their text
            col = pc.cast(col, pa.string()) if _castable(col) else None
        if col is not None:
            keys[f"k{i}"] = col
    if not keys:
        return table
    order = pc.sort_indices(
        pa.table(keys), sort_keys=[(k, "ascending") for k in keys]
    )
    return table.take(order)


def _castable(col: Any) -> bool:
    import pyarrow as pa

    try:
        col.slice(0, 1).cast(pa.string())
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def run_partition(
    table: Any, spec: Spec, task: tuple, surveys: Any = None
) -> dict[str, Any]:
    """Loads one partition (whole customers) and runs `task` on it:
    ("scan",) gives the partition's context and event count, ("customers",) its customer
    count; ("partial", analysis, kwargs, context bytes, survey columns or None) the partial of
    the analysis, as bytes, with the survey responses of the partition's customers (an Arrow
    table, or None for none) when survey columns are given."""
    if table is None or table.num_rows == 0:
        table = spec.empty_table()
    t0 = time.perf_counter()
    try:
        log = _j.EventLog.from_arrow(table, **spec.load)
    except _j.JourneyError as e:
        return {"report": None, "error": _error_record(e, table, spec), "payload": None}
    t1 = time.perf_counter()
    report = log.load_report
    report["errors"] = [_name_customer(m, table, spec) for m in report.get("errors", [])]
    if task[0] == "scan":
        payload = json.dumps(
            {"context": _j.Context.of(log).to_bytes().hex(), "n_events": log.n_events}
        ).encode()
    elif task[0] == "customers":
        payload = json.dumps({"n_customers": log.n_customers}).encode()
    else:
        _, analysis, kwargs, ctx, survey_columns = task
        extra: dict[str, Any] = {}
        if ctx is not None:
            extra["context"] = _j.Context.from_bytes(ctx)
        if survey_columns is not None:
            try:
                extra["surveys"] = surveys_from_table(surveys, survey_columns)
            except _j.JourneyError as e:
                return {"report": None, "error": _survey_error(e, surveys), "payload": None}
        try:
            payload = log.partial(analysis, **extra, **kwargs).to_bytes()
        except _j.JourneyError as e:
            return {"report": None, "error": _error_record(e, None, spec), "payload": None}
    timing = {"load": t1 - t0, "analysis": time.perf_counter() - t1, "merge": 0.0}
    return {"report": report, "error": None, "payload": payload, "timing": timing}


def _respondent_at(table: Any, line: Optional[int]) -> Optional[str]:
    """The customer id of a line of the partition's survey responses written as CSV (line 1 is
    the header), None if unknown."""
    if not line or table is None or not 2 <= line <= table.num_rows + 1:
        return None
    v = table.column("customer_id")[line - 2].as_py()
    return None if v is None else str(v)


def _survey_error(e: BaseException, table: Any) -> dict[str, Any]:
    """A survey load error naming the customer instead of the line of the partition's text."""
    customer = _respondent_at(table, getattr(e, "line", None))
    message = _j._name_customer(str(e), lambda line: _respondent_at(table, line), survey=True)
    return {
        "type": type(e).__name__,
        "message": "survey responses: " + message,
        "code": getattr(e, "code", None),
        "column": getattr(e, "column", None),
        "value": getattr(e, "value", None),
        "expected": getattr(e, "expected", None),
        "customer": customer,
    }


def surveys_from_table(table: Any, columns: Sequence[str]) -> Any:
    """A Surveys from an Arrow table of responses with the columns of the survey format
    (docs/formats.md), through its CSV text: timestamps written as RFC 3339 in UTC, whole
    numbers that pandas turned into floats (a null among integers) written as integers."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if table is None or table.num_rows == 0:
        return _j.Surveys.from_csv_text(",".join(columns) + "\n")
    cols = {}
    for name in columns:
        col = table.column(name)
        t = col.type
        if pa.types.is_timestamp(t):
            utc = col.cast(pa.timestamp(t.unit, tz="UTC"))
            col = pc.binary_join_element_wise(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%S"), "Z", "")
        elif pa.types.is_floating(t):
            try:
                col = col.cast(pa.int64())  # safe cast: fails on 7.5, which stays for the error
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        cols[name] = col
    buf = io.BytesIO()
    pcsv.write_csv(pa.table(cols), buf)
    return _j.Surveys.from_csv_text(buf.getvalue().decode())


# -------------------------------------------------------------------------------------------
# Merging partition records (on the cluster, in a tree).


def merge_reports(a: Optional[dict], b: Optional[dict], keep: int) -> Optional[dict]:
    # Counts added, the first `keep` errors in sorted order: core's rule.
    return _j._merge_load_reports(a, b, keep)


def merge_payloads(kind: str, a: Optional[bytes], b: Optional[bytes]) -> Optional[bytes]:
    if a is None:
        return b
    if b is None:
        return a
    if kind == "scan":
        x, y = json.loads(a), json.loads(b)
        ctx = _j.Context.from_bytes(bytes.fromhex(x["context"])).merge(
            _j.Context.from_bytes(bytes.fromhex(y["context"]))
        )
        return json.dumps(
            {"context": ctx.to_bytes().hex(), "n_events": x["n_events"] + y["n_events"]}
        ).encode()
    if kind == "customers":
        n = json.loads(a)["n_customers"] + json.loads(b)["n_customers"]
        return json.dumps({"n_customers": n}).encode()
    return _j.Partial.from_bytes(a).merge(_j.Partial.from_bytes(b)).to_bytes()


def merge_all(
    kind: str, keep: int, records: Sequence[Optional[dict]], as_bytes: bool = True
) -> Optional[dict]:
    """Merges the records of one node of the tree at once: the partials through
    `journey.merge_partials` (each read once, the result written once), the load reports and
    timings added up; of several errors the smallest (customer, column, value) wins. With
    `as_bytes=False` (the root of the tree, on the driver) a merged partial stays a
    `journey.Partial` instead of being written to bytes and read back."""
    records = [r for r in records if r is not None]
    if len(records) <= 1:
        return records[0] if records else None
    errors = [r["error"] for r in records if r["error"]]
    if errors:
        return {"report": None, "error": errors[_j._first_error(errors)], "payload": None}
    t0 = time.perf_counter()
    payloads = [r["payload"] for r in records if r["payload"] is not None]
    if kind == "partial":
        merged = _j.merge_partials(payloads) if payloads else None
        payload: Any = merged.to_bytes() if merged is not None and as_bytes else merged
    else:
        payload = None
        for p in payloads:
            payload = merge_payloads(kind, payload, p)
    report = None
    for r in records:
        report = merge_reports(report, r["report"], keep)
    timing = {
        k: sum((r.get("timing") or {}).get(k, 0.0) for r in records)
        for k in ("load", "analysis", "merge")
    }
    timing["merge"] += time.perf_counter() - t0
    return {"report": report, "error": None, "payload": payload, "timing": timing}


def raise_error(e: dict) -> None:
    """Raises a partition's load error on the driver as the journey exception it was, with
    `.customer` naming the customer (a table has no line numbers)."""
    cls = getattr(_j, e["type"], None)
    if not (isinstance(cls, type) and issubclass(cls, _j.JourneyError)):
        cls = _j.JourneyError
    err = cls(e["message"])
    for k in ("code", "column", "value", "expected", "customer"):
        setattr(err, k, e.get(k))
    err.row = None
    err.line = None
    raise err


# -------------------------------------------------------------------------------------------
# The EventLog methods.


def needs_context(analysis: str, kwargs: Mapping[str, Any]) -> bool:
    """Whether the analysis's partials depend on the whole data's context (docs/distributed.md),
    as journey's core decides it: the analyses that do not skip the first pass."""
    return bool(_j._needs_context(analysis, **kwargs))


class DistributedLog:
    """Base of journey.spark.EventLog and journey.dask.EventLog: the EventLog analysis methods
    over data that stays on the cluster. Subclasses implement `_map_partitions`."""

    _spec: Spec

    def __init__(self) -> None:
        self._scan: Optional[dict] = None
        self._customers: Optional[int] = None
        self._persisted = False
        #: Seconds of the last job: `wall` (on the driver, the whole job), and summed over the
        #: partitions' tasks `load` (EventLog.from_arrow), `analysis` (the partial) and
        #: `merge` (every merge of the tree, on the cluster and the driver).
        self.last_timing: dict[str, float] = {}

    def _configure(
        self,
        columns: Sequence[str],
        partitions: Optional[int],
        default_partitions: Callable[[], int],
        load: Mapping[str, Any],
        properties: Optional[Sequence[str]],
        **names: Optional[str],
    ) -> None:
        """Sets how every partition loads (the source `columns`, the column keywords `names`
        and `properties`, the load options `load`), checked on the driver, and the number of
        customer partitions (`default_partitions()` when None)."""
        load = dict(load, **names)
        load["properties"] = list(properties) if properties is not None else None
        self._spec = Spec(columns, load)
        if partitions is None:
            partitions = default_partitions()
        self.partitions = int(_j._partitions(partitions))

    # -- engine hooks ----------------------------------------------------------------------
    def _map_partitions(
        self, task: tuple, surveys: Any = None, shuffled: bool = True
    ) -> Optional[dict]:
        """Runs `task` on every partition and merges the records in a tree: over the frame
        shuffled by customer, or (shuffled=False) over the input partitions as they are."""
        raise NotImplementedError

    # -- the first pass --------------------------------------------------------------------
    def _scanned(self) -> dict:
        """The first pass: the context (the time span of the events), the event count and the
        load report. None of them needs whole customers, so it reads the input partitions as
        they are, without a shuffle (or the persisted shuffled frame)."""
        if self._scan is None:
            rec = self._job(("scan",), shuffled=self._persisted)
            info = json.loads(rec["payload"])
            self._scan = {
                "context": bytes.fromhex(info["context"]),
                "n_events": info["n_events"],
                "report": rec["report"],
            }
        return self._scan

    def _job(self, task: tuple, surveys: Any = None, shuffled: bool = True) -> dict:
        t0 = time.perf_counter()
        rec = self._checked(task, self._map_partitions(task, surveys, shuffled))
        self.last_timing = dict(rec.get("timing") or {}, wall=time.perf_counter() - t0)
        return rec

    def _checked(self, task: tuple, rec: Optional[dict]) -> dict:
        if rec is None:  # no partition ran (all empty): an empty log, built on the driver
            rec = run_partition(None, self._spec, task)
        if rec["error"]:
            raise_error(rec["error"])
        return rec

    @property
    def context(self) -> Any:
        """The `journey.Context` every partition uses, from a first pass over the data (once)."""
        return _j.Context.from_bytes(self._scanned()["context"])

    @property
    def n_events(self) -> int:
        return int(self._scanned()["n_events"])

    @property
    def n_customers(self) -> int:
        """The number of customers (a job over the frame shuffled by customer, once)."""
        if self._customers is None:
            rec = self._job(("customers",))
            self._customers = int(json.loads(rec["payload"])["n_customers"])
        return self._customers

    @property
    def load_report(self) -> dict[str, Any]:
        """The load reports of every partition, merged: counts summed; the quoted errors (at
        most `max_reported_errors`) name the customer instead of a row and come sorted."""
        return dict(self._scanned()["report"])

    def __len__(self) -> int:
        return self.n_events

    # -- partials --------------------------------------------------------------------------
    def partial(self, analysis: str, *, surveys: Any = None, **kwargs: Any) -> Any:
        """The merged `journey.Partial` of an analysis over all partitions (kwargs exactly as
        the EventLog method's)."""
        ctx = self._scanned()["context"] if needs_context(analysis, kwargs) else None
        columns = None if surveys is None else [str(c) for c in surveys.columns]
        if columns is not None and "customer_id" not in columns:
            raise _j.MissingColumnError(
                f'missing required column "customer_id" in the survey responses; columns '
                f"found: {', '.join(columns)}"
            )
        task = ("partial", analysis, kwargs, ctx, columns)
        # Bad options fail here, on the driver, before any job: the same call on no events.
        run_checked = run_partition(None, self._spec, task, None)
        if run_checked["error"]:
            raise_error(run_checked["error"])
        rec = self._job(task, surveys)
        payload = rec["payload"]
        return payload if isinstance(payload, _j.Partial) else _j.Partial.from_bytes(payload)

    def _finish(self, analysis: str, surveys: Any = None, **kwargs: Any) -> Any:
        return self.partial(analysis, surveys=surveys, **kwargs).finish()

    # -- EventLog's analyses ---------------------------------------------------------------
    def funnel(self, steps: Sequence[Any], **kwargs: Any) -> Any:
        return self._finish("funnel", steps=steps, **kwargs)

    def retention(self, **kwargs: Any) -> Any:
        return self._finish("retention", **kwargs)

    def kpis(self, **kwargs: Any) -> Any:
        return self._finish("kpis", **kwargs)

    def sessions(self, **kwargs: Any) -> Any:
        return self._finish("sessions", **kwargs)

    def transition_graph(self, **kwargs: Any) -> Any:
        return self._finish("transition_graph", **kwargs)

    def conversion_paths(self, **kwargs: Any) -> Any:
        return self._finish("conversion_paths", **kwargs)

    def path_table(self, **kwargs: Any) -> Any:
        return self._finish("path_table", **kwargs)

    def attribution(self, **kwargs: Any) -> Any:
        return self._finish("attribution", **kwargs)

    def attribution_table(self, **kwargs: Any) -> Any:
        return self._finish("attribution_table", **kwargs)

    def path_stats(self, **kwargs: Any) -> Any:
        return self._finish("path_stats", **kwargs)

    def conversion_drivers(self, **kwargs: Any) -> Any:
        """`EventLog.conversion_drivers(**kwargs)`: the counts of every 2x2 table are summed
        over the partitions, the tests done once (docs/drivers.md)."""
        return self._finish("conversion_drivers", **kwargs)

    def nps(self, surveys: Any, **kwargs: Any) -> Any:
        """`surveys.with_log(log).nps(by=...)` of the survey responses (a DataFrame of the engine,
        with the columns of the survey format) joined to this log."""
        return self._finish("nps", surveys=surveys, **kwargs)

    def csat(self, surveys: Any, **kwargs: Any) -> Any:
        """`surveys.with_log(log).csat(by=...)`, as `nps`."""
        return self._finish("csat", surveys=surveys, **kwargs)

    def ces(self, surveys: Any, **kwargs: Any) -> Any:
        """`surveys.with_log(log).ces(by=...)`, as `nps`."""
        return self._finish("ces", surveys=surveys, **kwargs)

    def map_from_data(self, surveys: Any = None, **kwargs: Any) -> Any:
        """`EventLog.map_from_data` (`JourneyMap.from_data(log, surveys, **kwargs)`): a
        `journey.JourneyMap`; `surveys` a DataFrame of the engine, or None."""
        return self._finish("map_from_data", surveys=surveys, **kwargs)

    def report(self, surveys: Any = None, **kwargs: Any) -> str:
        """`EventLog.report` (`journey.report(log, surveys, **kwargs)`): the HTML page. Without
        `funnel=`, a first job chooses the funnel from the data (the `funnel_steps` partial),
        which every partition's report then shares."""
        if kwargs.get("funnel") is None:
            kwargs = dict(kwargs, funnel_steps=self._finish("funnel_steps"))
        return str(self._finish("report", surveys=surveys, **kwargs))
