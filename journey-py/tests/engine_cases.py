"""The analyses the engine tests run on journey.spark and journey.dask and compare with
EventLog's (shared by test_spark.py and test_dask.py)."""

import journey

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
