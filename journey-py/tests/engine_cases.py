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
]


def case_id(case):
    name, kw = case
    return name + ("-" + "-".join(sorted(kw)) if kw else "")


def run(log, name, kw):
    """Runs an analysis on a single-machine or a distributed log, the same way."""
    return getattr(log, name)(**kw)


def canonical(result):
    """A result as plain data, to compare to the bit (floats compare exactly)."""
    if isinstance(result, str):
        return result
    return result.to_dict()


def notebook_cell(log):
    """The same notebook cell on EventLog, journey.spark and journey.dask: only the line that
    makes `log` differs."""
    funnel = log.funnel(["landing_page", "product_page", "add_to_cart", "purchase"], window="7d")
    retention = log.retention(period="week", periods=6)
    table = log.attribution_table()
    return funnel, retention, table
