"""Results with many rows leave as typed columns built by journey-core (no JSON in between):
their frames and rows hold what to_dict() holds, with the column types of the values, and empty
results are empty frames."""

import math

import pytest

import journey

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def log():
    return journey.synthetic(customers=400, seed=7)[0]


def same_rows(frame_rows, dict_rows):
    assert len(frame_rows) == len(dict_rows)
    for a, b in zip(frame_rows, dict_rows):
        assert a.keys() == b.keys()
        for k in a:
            x, y = a[k], b[k]
            if isinstance(x, float) and math.isnan(x):
                assert y is None or math.isnan(y)
            else:
                assert x == y, (k, x, y)


def test_path_table(log):
    t = journey.PathTable.from_log(log)
    rows = t.rows()
    assert rows == t.to_dict()["rows"] and len(rows) == len(t) > 10
    assert all(isinstance(r["path"], str) and isinstance(r["total_conversions"], float) for r in rows)
    df = t.to_polars()
    assert df.schema == pl.Schema(
        {"path": pl.String, "total_conversion_value": pl.Float64, "total_conversions": pl.Float64, "total_null": pl.Float64}
    )
    assert df.to_dicts() == rows
    same_rows(t.to_pandas().to_dict("records"), rows)
    assert t.to_arrow().to_pylist() == rows
    # A table rebuilt from its rows gives the same frame.
    assert journey.PathTable.from_rows(rows).to_polars().equals(df)


def test_empty_path_table():
    empty = journey.PathTable.from_log(journey.EventLog())
    assert empty.rows() == [] and empty.to_dict()["rows"] == []
    df = empty.to_polars()
    assert df.height == 0 and df.columns == ["path", "total_conversion_value", "total_conversions", "total_null"]


def test_funnel_steps_with_dropped_ids(log):
    r = log.funnel(steps=["product_page", "add_to_cart", "purchase"], dropped_ids=True)
    steps = r.to_dict()["steps"]
    assert r.to_records() == steps
    df = r.to_polars()
    assert df.schema["step"] == pl.Int64 and df.schema["touchpoints"] == pl.List(pl.String)
    assert df.schema["dropped_ids"] == pl.List(pl.String)
    assert df.schema["conversion_from_previous"] == pl.Float64
    assert df.to_dicts() == steps
    assert df["dropped_ids"][0].to_list() == [] and len(df["dropped_ids"][1]) == steps[1]["dropped"]
    assert df["conversion_from_previous"][0] is None  # null stays null
    # Without dropped ids the column is not there, as in to_dict().
    assert "dropped_ids" not in log.funnel(steps=["ad", "purchase"]).to_polars().columns


def test_conversion_paths_and_path_stats(log):
    r = log.conversion_paths()
    rows = r.to_dict()["rows"]
    assert r.to_records() == rows and len(rows) > 100
    df = r.to_polars()
    assert df.schema["touches"] == pl.List(pl.String) and df.schema["converted"] == pl.Boolean
    assert df.schema["n_touches"] == pl.Int64 and df.schema["value"] == pl.Float64
    assert df.to_dicts() == rows
    s = log.path_stats()
    assert s.to_polars().to_dicts() == s.to_dict()["touches"] == s.to_records()


def test_graph_edges(log):
    g = log.transition_graph()
    edges = g.to_dict()["edges"]
    assert g.edges() == edges
    df = g.to_polars()
    assert df.schema["source"] == pl.String and df.schema["count"] == pl.Int64
    assert df.to_dicts() == edges
    # Edges from start have no time between events: null, not 0.
    assert df.filter(pl.col("source") == "start")["median_time_s"].null_count() > 0
    same_rows(g.to_pandas().to_dict("records"), edges)
    import pickle

    again = pickle.loads(pickle.dumps(g))  # from the JSON state: the same frame
    assert again.to_polars().to_dicts() == edges


def test_sessions_and_empty_results():
    log = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\na,1,ad\n")
    r = log.sessions()
    assert r.to_records() == r.to_dict()["inactivity_touchpoints"] == []
    assert r.to_polars().height == 0
    f = log.funnel(steps=["ad", "purchase"], dropped_ids=True)
    assert f.to_polars().to_dicts() == f.to_dict()["steps"]


# The log of the path statistics tests of journey-core: paths a [ad site] -> purchase,
# a [email] (no conversion), b [site site] (none), c [ad site] -> purchase, d [] -> purchase.
PATHS_CSV = (
    "customer_id,timestamp,touchpoint,channel\n"
    "a,0,ad,social\na,60,site,web\na,180,purchase,web\na,200,email,email\n"
    "b,0,site,web\nb,30,site,web\n"
    "c,0,ad,social\nc,100,site,web\nc,1000,purchase,web\n"
    "d,0,purchase,web\n"
)


def test_path_stats_variants_by_hand():
    r = journey.EventLog.from_csv_text(PATHS_CSV).path_stats(top=0)
    variants = r.to_dict()["variants"]
    assert [v["path"] for v in variants] == [["ad", "site"], [], ["email"], ["site", "site"]]
    assert [v["count"] for v in variants] == [2, 1, 1, 1]
    assert [v["conversions"] for v in variants] == [2, 1, 0, 0]
    assert [v["share"] for v in variants] == [0.4, 0.2, 0.2, 0.2]
    assert r.to_records(table="variants") == variants
    df = r.to_polars(table="variants")
    assert df.columns == ["conversion_rate", "conversions", "count", "path", "share"]
    assert df.schema["path"] == pl.List(pl.String) and df.schema["count"] == pl.Int64
    assert df.to_dicts() == variants
    assert df["conversion_rate"].to_list() == [1.0, 1.0, 0.0, 0.0]
    assert r.to_arrow(table="variants").to_pylist() == variants
    pdf = r.to_pandas(table="variants")
    assert [list(p) for p in pdf["path"]] == [v["path"] for v in variants]
    assert pdf["count"].tolist() == [2, 1, 1, 1]
    # The main table by its name is the main table.
    assert r.to_polars(table="touches").equals(r.to_polars())
    # A fresh result's field is built from the typed columns; it equals the JSON's.
    fresh = journey.EventLog.from_csv_text(PATHS_CSV).path_stats(top=0)
    assert fresh.variants == variants and fresh["variants"] == variants
    assert fresh.touches == r.to_dict()["touches"]


@pytest.mark.parametrize(
    "options",
    [{"top": 0}, {"top": 3}, {"level": "channel", "collapse_repeats": True, "top": 0}, {"lookback": "1d", "top": 0}],
)
def test_path_stats_variants_frames_equal_json(log, options):
    r = log.path_stats(**options)
    variants = r.to_dict()["variants"]
    assert len(variants) > 0 and (options["top"] == 0 or len(variants) >= options["top"])
    if options["top"] == 0:
        assert len(variants) == r.n_variants
    assert r.to_polars(table="variants").to_dicts() == variants
    assert r.to_records(table="variants") == variants
    assert r.to_arrow(table="variants").to_pylist() == variants
    rows = r.to_pandas(table="variants").to_dict("records")
    assert [list(x.pop("path")) for x in rows] == [v["path"] for v in variants]
    same_rows(rows, [{k: v for k, v in x.items() if k != "path"} for x in variants])


# The log of the sessions tests of journey-core: a has sessions [0 600 2400], [10000] and,
# 8 days later, [701200 701260]; b one event.
SESSIONS_CSV = (
    "customer_id,timestamp,touchpoint\n"
    "a,0,ad\na,600,site\na,2400,site\na,10000,email\na,701200,purchase\na,701260,email\n"
    "b,0,site\n"
)


def test_sessions_per_customer_by_hand():
    r = journey.EventLog.from_csv_text(SESSIONS_CSV).sessions(per_customer=True)
    customers = r.to_dict()["customers"]
    df = r.to_polars(table="customers")
    assert df.columns == [
        "customer_id", "first_event", "last_event", "longest_gap_s",
        "mean_session_duration_s", "n_events", "n_inactivity_periods", "n_sessions",
    ]
    assert df.to_dicts() == customers == r.to_records(table="customers")
    assert df["customer_id"].to_list() == ["a", "b"]
    assert df["n_sessions"].to_list() == [3, 1] and df["n_events"].to_list() == [6, 1]
    assert df["mean_session_duration_s"].to_list() == [820.0, 0.0]  # (2400 + 0 + 60) / 3
    assert df["longest_gap_s"].to_list() == [691200.0, None]  # b: no gap
    assert df["n_inactivity_periods"].to_list() == [1, 0]
    assert df["last_event"].to_list() == ["1970-01-09T02:47:40Z", "1970-01-01T00:00:00Z"]
    assert r.to_arrow(table="customers").to_pylist() == customers
    same_rows(r.to_pandas(table="customers").to_dict("records"), customers)
    transitions = r.to_polars(table="inactivity_transitions").to_dicts()
    assert transitions == r.to_dict()["inactivity_transitions"]
    assert transitions == [{"after": "purchase", "before": "email", "count": 1}]
    fresh = journey.EventLog.from_csv_text(SESSIONS_CSV).sessions(per_customer=True)
    assert fresh.customers == customers


def test_sessions_per_customer_frames_equal_json(log):
    r = log.sessions(per_customer=True, gap="10m")
    customers = r.to_dict()["customers"]
    assert len(customers) == log.n_customers
    assert r.to_polars(table="customers").to_dicts() == customers
    same_rows(r.to_pandas(table="customers").to_dict("records"), customers)
    assert r.to_polars(table="inactivity_transitions").to_dicts() == r.to_dict()["inactivity_transitions"]


def test_other_tables_and_missing_ones():
    log = journey.EventLog.from_csv_text(SESSIONS_CSV)
    r = log.sessions()
    with pytest.raises(journey.ArgumentError, match=r'no table "customers"; its tables: inactivity_touchpoints, inactivity_transitions'):
        r.to_polars(table="customers")
    with pytest.raises(journey.ArgumentError, match="no table"):
        r.to_records(table="gap_s")  # a field, but not a list of rows
    # A table the core has no typed columns for leaves through its JSON rows.
    p = journey.EventLog.from_csv_text(PATHS_CSV).path_stats()
    first = p.to_dict()["by_first_touch_channel"]
    assert p.to_records(table="by_first_touch_channel") == first
    assert p.to_polars(table="by_first_touch_channel")["channel"].to_list() == ["email", "social", "web", None]
