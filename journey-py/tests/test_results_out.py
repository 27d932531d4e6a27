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
