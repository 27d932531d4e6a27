"""The analyses the engine tests run on journey.spark and journey.dask and compare with
EventLog's, and the checks they make (shared by test_spark.py and test_dask.py)."""

import pytest

import journey
from conftest import ENGINE_LOAD

STEPS = ["landing_page", "product_page", "add_to_cart", "purchase"]

# (method, keywords): every EventLog analysis, several options each.
CASES = [
    ("funnel", {"steps": STEPS, "window": "7d"}),
    ("funnel", {"steps": STEPS, "mode": "strict", "first_attempt": True}),
    (
        "funnel",
        {
            "steps": ["product_page", ["add_to_cart", "live_chat"], "purchase"],
            "mode": "any",
            "breakdown": "persona",
            "dropped_ids": True,
        },
    ),
    ("funnel", {"steps": STEPS, "exclude": ["support_call"], "window": "3d"}),
    ("retention", {"period": "week", "periods": 8}),
    ("retention", {"period": "month", "start": "purchase", "ret": "purchase"}),
    ("kpis", {}),
    ("sessions", {"gap": "30m"}),
    ("sessions", {"gap": "2h", "inactivity": "30d", "per_customer": True}),
    ("transition_graph", {}),
    ("transition_graph", {"level": "touchpoint", "session_gap": "1d", "collapse_repeats": True}),
    ("conversion_paths", {"lookback": "30d"}),
    ("attribution", {"model": "markov", "order": 2}),
    ("attribution", {"model": "shapley", "first_conversion_only": True}),
    ("attribution", {"model": "time_decay", "half_life": "3d", "lookback": "14d"}),
    ("attribution", {"model": "position_based", "exclude": ["checkout_payment"]}),
    ("attribution_table", {"collapse_repeats": True}),
    ("path_stats", {}),
    (
        "path_stats",
        {"level": "channel", "collapse_repeats": True, "top": 5, "attribution_model": "markov"},
    ),
    ("conversion_drivers", {"properties": "persona"}),
    ("conversion_drivers", {"steps": STEPS, "step": 3, "level": "channel"}),
    ("funnel", {"steps": STEPS, "trend": "week"}),
    # Open windows: by default as of the data end (above); as of a time mid-data, when some
    # customers are in progress; off.
    ("funnel", {"steps": STEPS, "window": "7d", "as_of": "2026-06-01T00:00:00Z", "breakdown": "persona"}),
    ("funnel", {"steps": STEPS, "as_of": False}),
]

# (method, keywords) of the analyses that join the survey responses to the log: on EventLog
# `surveys.with_log(log).nps(**kw)` and `log.map_from_data(surveys, **kw)`, on an engine
# `log.nps(responses, **kw)` and `log.map_from_data(responses, **kw)`.
SURVEY_CASES = [
    ("nps", {"by": "persona"}),
    ("csat", {"by": "stage"}),
    ("ces", {"by": "touchpoint"}),
    ("map_from_data", {"min_responses": 10}),
]


def case_id(case):
    name, kw = case
    return name + ("-" + "-".join(sorted(kw)) if kw else "")


def run(log, name, kw):
    """Runs an analysis on a single-machine or a distributed log, the same way."""
    return getattr(log, name)(**kw)


def canonical(result):
    """A result as plain data, to compare to the bit (floats compare exactly); a JourneyMap
    compares as itself."""
    if isinstance(result, (str, journey.JourneyMap)):
        return result
    return result.to_dict()


def run_with_surveys(log, surveys, name, kw):
    """Runs a survey analysis on a single-machine log (surveys a journey.Surveys) or a
    distributed one (surveys a DataFrame of its engine)."""
    if isinstance(log, journey.EventLog) and name in ("nps", "csat", "ces"):
        return getattr(surveys.with_log(log), name)(**kw)
    return getattr(log, name)(surveys, **kw)


def notebook_cell(log, surveys):
    """The same notebook cell on EventLog, journey.spark and journey.dask: only the lines that
    make `log` and `surveys` differ."""
    funnel = log.funnel(["landing_page", "product_page", "add_to_cart", "purchase"], window="7d")
    retention = log.retention(period="week", periods=6)
    table = log.attribution_table()
    report = log.report(surveys, title="Journeys")
    return funnel, retention, table, report


# -------------------------------------------------------------------------------------------
# The checks test_spark.py and test_dask.py make on their engine's logs.


def check_cases(dist, ref, cases):
    """Every (method, keywords) of `cases` gives the same result on both logs."""
    for name, kw in cases:
        assert canonical(run(dist, name, kw)) == canonical(run(ref, name, kw))


def check_no_rows(dist, empty):
    """A log of no rows: no events, no customers, and the funnel of an empty EventLog."""
    assert (dist.n_events, dist.n_customers) == (0, 0)
    kw = CASES[0][1]
    assert canonical(dist.funnel(**kw)) == canonical(empty.funnel(**kw))


# Four events under other column names, one with a timestamp that does not parse.
BAD_ROWS = [
    ("u1", "2026-01-05T10:00:00Z", "ad", "social"),
    ("u1", "2026-01-05T11:00:00Z", "purchase", "web"),
    ("u2", "yesterday", "ad", "social"),
    ("u3", "2026-01-06T09:00:00Z", "ad", "social"),
]
BAD_COLUMNS = ["user", "ts", "event", "chan"]
BAD_KEYS = {"customer": "user", "timestamp": "ts", "touchpoint": "event", "channel": "chan"}


def check_load_error(make):
    """`make(**kwargs)` (the engine's EventLog over BAD_ROWS) maps the columns by keyword and
    names the customer of the bad row, strict or lenient; returns the lenient log."""
    with pytest.raises(journey.ParseError) as err:
        make(partitions=3, **BAD_KEYS).kpis()
    e = err.value
    assert (e.customer, e.column, e.value) == ("u2", "timestamp", "yesterday")
    assert "customer 'u2'" in str(e) and e.row is None
    lenient = make(partitions=3, mode="lenient", **BAD_KEYS)
    report = lenient.load_report
    assert (report["rows_read"], report["rows_kept"], report["rows_skipped"]) == (4, 3, 1)
    assert len(report["errors"]) == 1 and "customer 'u2'" in report["errors"][0]
    assert lenient.n_customers == 2
    return lenient


class EngineTests:
    """The tests every engine passes. A test module subclasses this class and gives the
    fixtures `engine` (journey.spark or journey.dask), `dist_events` (the engine's frame of the
    engine data), `dist_log` (the engine's log of it: 3 partitions, persisted) and
    `dist_responses` (the engine's frame of the survey responses)."""

    def test_counts_and_load_report(self, dist_log, engine_data):
        ref = engine_data["log"]
        assert dist_log.n_events == ref.n_events >= 200_000
        assert dist_log.n_customers == ref.n_customers == 20500
        assert dist_log.load_report == ref.load_report
        assert dist_log.context.to_bytes() == journey.Context.of(ref).to_bytes()

    @pytest.mark.parametrize("case", CASES, ids=case_id)
    def test_analysis_equals_single_machine(self, dist_log, engine_data, case):
        check_cases(dist_log, engine_data["log"], [case])

    def test_not_persisted_seven_partitions(self, engine, dist_events, engine_data):
        log = engine.EventLog(dist_events, partitions=7, **ENGINE_LOAD)
        check_cases(log, engine_data["log"], [CASES[0], ("attribution_table", {})])

    def test_notebook_cell(self, dist_log, dist_responses, engine_data):
        """The same cell on EventLog and on the engine's log gives equal results."""
        single = notebook_cell(engine_data["log"], engine_data["surveys"])
        dist = notebook_cell(dist_log, dist_responses)
        assert single[0] == dist[0]
        assert single[1] == dist[1]
        assert single[2] == dist[2]
        assert single[3] == dist[3]  # the report, to the byte
        assert single[0].steps[3]["customers"] > 0
        assert "Satisfaction by touchpoint" in dist[3]

    @pytest.mark.parametrize("case", SURVEY_CASES, ids=case_id)
    def test_survey_analysis_equals_single_machine(
        self, dist_log, dist_responses, engine_data, case
    ):
        name, kw = case
        single = run_with_surveys(engine_data["log"], engine_data["surveys"], name, kw)
        assert canonical(run_with_surveys(dist_log, dist_responses, name, kw)) == canonical(single)

    def test_bad_arguments(self, engine, dist_events):
        with pytest.raises(journey.MissingColumnError):
            engine.EventLog(dist_events, customer="nobody")
        with pytest.raises(journey.ArgumentError):
            engine.EventLog(dist_events, partitions=0)
