"""Dataframes in and out: from_pandas / from_polars / from_arrow give the log read_events gives,
whatever the datetime unit and time zone; nulls in optional columns; wrong dtypes name the
column; results and logs leave as Arrow, pandas and polars."""

import datetime
import pickle

import pytest

import journey

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
TOUCHPOINTS = ["ad", "site", "cart", "purchase", "checkout_shipping_form"]
ZONES = [None, "UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]

# Names longer than 12 bytes, and names with spaces around them (trimmed as in CSV), take other
# paths through the loader than short ones (a polars string view holds up to 12 bytes itself).
event = st.tuples(
    st.sampled_from(["ann", "bob", "cy", "dee", "e f", " ann ", "customer-with-a-long-id"]),
    st.integers(-86_400, 40 * 86_400),  # seconds after T0
    st.integers(0, 999_999),  # microseconds
    st.sampled_from(TOUCHPOINTS),
    st.one_of(st.none(), st.sampled_from(["social", "web"])),  # channel (null = from catalog)
    st.one_of(st.none(), st.integers(0, 10_000).map(lambda c: c / 4)),  # value
    st.one_of(st.none(), st.sampled_from(["student", "parent"])),  # persona property
)


def csv_text(rows):
    lines = ["customer_id,timestamp,touchpoint,channel,value,persona"]
    for c, s, us, tp, ch, v, p in rows:
        ts = datetime.datetime.fromtimestamp(T0 + s, datetime.timezone.utc).replace(microsecond=us)
        lines.append(
            f"{c},{ts.isoformat().replace('+00:00', 'Z')},{tp},{ch or ''},"
            f"{'' if v is None else repr(v)},{p or ''}"
        )
    return "\n".join(lines) + "\n"


def frame(rows, zone, unit):
    micros = [(T0 + s) * 1_000_000 + us for _, s, us, *_ in rows]
    ts = pd.to_datetime(pd.Series(micros, dtype="int64"), unit="us", utc=True)
    ts = ts.dt.tz_localize(None) if zone is None else ts.dt.tz_convert(zone)
    ts = ts.astype(f"datetime64[{unit}]" if zone is None else f"datetime64[{unit}, {zone}]")
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": ts,
            "touchpoint": [r[3] for r in rows],
            "channel": pd.Series([r[4] for r in rows], dtype="object"),
            "value": pd.Series([r[5] for r in rows], dtype="float64"),
            "persona": pd.Series([r[6] for r in rows], dtype="object"),
        }
    )


def metrics(log):
    return {
        "summary": log.summary(),
        "attribution": log.attribution_table().to_dict(),
        "paths": journey.PathTable.from_log(log).rows(),
        "csv": log.to_csv(),
    }


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(event, max_size=40),
    zone=st.sampled_from(ZONES),
    unit=st.sampled_from(["s", "ms", "us"]),
)
def test_from_pandas_equals_read_events(rows, zone, unit):
    if unit == "s":
        rows = [(c, s, 0, *rest) for c, s, _, *rest in rows]
    elif unit == "ms":
        rows = [(c, s, us - us % 1000, *rest) for c, s, us, *rest in rows]
    catalog = {tp: {"channel": "catalogued"} for tp in TOUCHPOINTS}
    expected = journey.EventLog.from_csv_text(csv_text(rows), catalog=catalog)
    df = frame(rows, zone, unit)
    got = journey.EventLog.from_pandas(df, catalog=catalog)
    assert metrics(got) == metrics(expected)
    assert metrics(journey.EventLog.from_polars(pl.from_pandas(df), catalog=catalog)) == metrics(expected)


def test_a_large_frame_equals_its_csv():
    """Some 200,000 events: many pieces loaded on all cores and merged in turn, more distinct
    customers than the loader remembers per piece, long and short names, in three layouts."""
    log, _ = journey.synthetic(customers=20_000, seed=9)
    assert log.n_events > 150_000
    expected = journey.EventLog.from_csv_text(log.to_csv())
    categorical = log.to_polars()
    text = categorical.with_columns(pl.col(pl.Categorical).cast(pl.String))
    assert text.schema["touchpoint"] == pl.String
    for df in [text, categorical, text.to_pandas()]:
        got = journey.EventLog.from_polars(df) if isinstance(df, pl.DataFrame) else journey.EventLog.from_pandas(df)
        assert got.to_bytes() == expected.to_bytes()
    # Time order interleaves the customers.
    shuffled = text.sort("timestamp", maintain_order=True)
    assert journey.EventLog.from_polars(shuffled).to_bytes() == expected.to_bytes()


def test_nanoseconds_and_categoricals():
    df = pd.DataFrame(
        {
            "customer_id": pd.Categorical(["a", "a", "b"]),
            "timestamp": pd.to_datetime(["2026-01-01T00:00:00.000001999Z"] * 3),
            "touchpoint": pd.Categorical(["ad", "purchase", "ad"], categories=["never", "ad", "purchase"]),
        }
    )
    log = journey.EventLog.from_pandas(df)
    assert log.journey("a")[0]["timestamp"] == "2026-01-01T00:00:00.000001Z"  # truncated to µs
    assert log.touchpoints() == ["ad", "purchase"]  # unused categories are not touchpoints
    assert log.properties() == []


def test_naive_datetimes_are_utc_and_text_timestamps_parse():
    naive = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": [pd.Timestamp("2026-03-01 12:00")], "touchpoint": ["x"]}
    )
    assert journey.EventLog.from_pandas(naive).journey("a")[0]["timestamp"] == "2026-03-01T12:00:00Z"
    text = pa.table({"customer_id": ["a"], "timestamp": ["2026-03-01T13:00:00+01:00"], "touchpoint": ["x"]})
    assert journey.EventLog.from_arrow(text).journey("a")[0]["timestamp"] == "2026-03-01T12:00:00Z"
    seconds = pa.table({"customer_id": ["a"], "timestamp": [1772366400], "touchpoint": ["x"]})
    assert journey.EventLog.from_arrow(seconds).journey("a")[0]["timestamp"] == "2026-03-01T12:00:00Z"
    dates = pa.table(
        {"customer_id": ["a"], "timestamp": [datetime.date(2026, 3, 1)], "touchpoint": ["x"]}
    )
    assert journey.EventLog.from_arrow(dates).journey("a")[0]["timestamp"] == "2026-03-01T00:00:00Z"


def test_column_mapping_and_properties():
    t = pa.table(
        {
            "user_id": [7, 7, 8],  # integer ids become text
            "ts": [1, 2, 3],
            "event": ["ad", "purchase", "ad"],
            "revenue": pa.array([None, 12, None], pa.int32()),
            "plan": ["pro", None, "free"],
            "score": [0.5, 1.0, None],
        }
    )
    log = journey.EventLog.from_arrow(
        t, customer="user_id", timestamp="ts", touchpoint="event", value="revenue"
    )
    assert log.customers() == ["7", "8"]
    assert log.summary()["revenue"] == 12.0
    assert log.properties() == ["plan", "score"]
    assert [e["score"] for e in log.journey("7")] == ["0.5", "1.0"]
    only = journey.EventLog.from_arrow(
        t, customer="user_id", timestamp="ts", touchpoint="event", properties=["plan"]
    )
    assert only.properties() == ["plan"]
    renamed = journey.EventLog.from_arrow(
        t, rename={"user_id": "customer_id", "ts": "timestamp", "event": "touchpoint"}, ignore_extra_columns=True
    )
    assert renamed.properties() == [] and renamed.n_events == 3
    with pytest.raises(journey.MissingColumnError) as info:
        journey.EventLog.from_arrow(t, timestamp="ts", touchpoint="event")
    assert "customer_id" in str(info.value) and "user_id" in str(info.value)
    with pytest.raises(journey.MissingColumnError):
        journey.EventLog.from_arrow(t, customer="nobody", timestamp="ts", touchpoint="event")


def test_column_roles_are_decided_in_core():
    t = pa.table({"customer_id": ["a"], "user": ["b"], "ts": [1], "touchpoint": ["x"], "plan": ["pro"]})
    rename = {"user": "customer_id", "ts": "timestamp"}
    # Two columns for one part: an error naming both, whichever loader asks.
    with pytest.raises(journey.ArgumentError) as info:
        journey.EventLog.from_arrow(t, rename=rename)
    assert str(info.value) == (
        'columns "customer_id" and "user" are both the customer_id column; keep one, or choose one by name'
    )
    assert info.value.code == "invalid_argument" and info.value.column == "user"
    with pytest.raises(journey.ArgumentError, match="are both the customer_id column"):
        journey.EventLog._column_roles(t.column_names, rename=rename)
    # Choosing one by name settles it; the other is an ordinary column (here left out: a
    # property may not be called customer_id).
    log = journey.EventLog.from_arrow(t, customer="user", rename=rename, properties=["plan"])
    assert log.customers() == ["b"] and log.properties() == ["plan"]
    assert journey.EventLog._column_roles(t.column_names, customer="user", rename=rename) == {
        "customer_id": "user",
        "timestamp": "ts",
        "touchpoint": "touchpoint",
        "properties": ["customer_id", "plan"],
    }
    with pytest.raises(journey.ArgumentError, match="^invalid argument timestamp: expected a column name"):
        journey.EventLog.from_arrow(t, customer="user", timestamp=3)
    with pytest.raises(journey.ArgumentError, match="^invalid argument properties: expected a list of column names"):
        journey.EventLog.from_arrow(t, customer="user", rename=rename, properties="plan")
    with pytest.raises(journey.MissingColumnError) as info:
        journey.EventLog._column_roles(["customer_id", "ts"])
    assert str(info.value) == 'missing required column "timestamp"; columns found: customer_id, ts'


@pytest.mark.parametrize(
    "column, values, part",
    [
        ("value", [True, False], "value"),
        ("timestamp", [1.5, 2.5], "timestamp"),
        ("customer_id", [1.5, 2.5], "customer_id"),
        ("touchpoint", [[1], [2]], "touchpoint"),
        ("extra", [[1], [2]], "property"),
    ],
)
def test_wrong_dtype_names_the_column(column, values, part):
    data = {"customer_id": ["a", "b"], "timestamp": [1, 2], "touchpoint": ["x", "y"]}
    data[column] = values
    with pytest.raises(journey.JourneyError) as info:
        journey.EventLog.from_arrow(pa.table(data))
    e = info.value
    assert f'"{column}"' in str(e) and part in str(e)
    assert e.column == column and e.code == "invalid_argument"


def test_null_required_cells_name_the_row():
    t = pa.table({"customer_id": ["a", None], "timestamp": [1, 2], "touchpoint": ["x", "y"]})
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_arrow(t)
    assert (info.value.row, info.value.column) == (2, "customer_id")
    log = journey.EventLog.from_arrow(t, mode="lenient")
    assert log.load_report["rows_skipped"] == 1


def test_chunked_input_and_non_arrow_input():
    t = pa.concat_tables(
        [pa.table({"customer_id": ["a"], "timestamp": [i], "touchpoint": ["x"]}) for i in range(5)]
    )
    assert t.column(0).num_chunks == 5
    assert journey.EventLog.from_arrow(t).n_events == 5
    with pytest.raises(TypeError):
        journey.EventLog.from_arrow([{"customer_id": "a"}])
    # A lazy frame is collected.
    lazy = pl.DataFrame({"customer_id": ["a"], "timestamp": [1], "touchpoint": ["x"]}).lazy()
    assert journey.EventLog.from_polars(lazy).n_events == 1


def test_columns_that_do_not_convert_fail_alike_in_any_chunks():
    # Found by fuzzing: each chunk failed on its own first bad column. Binary that is not UTF-8
    # was a blank property before.
    whole = pa.table(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": [5, 6, 7, 8],
            "touchpoint": ["x", "y", "x", "y"],
            "raw": pa.array([b"ok", b"\xff", b"ok", b"ok"], pa.binary()),
            "day": pa.array([0, 1, 0, 1_769_209_820], pa.date32()),
        }
    )
    tables = [
        whole,
        pa.Table.from_batches(whole.to_batches(max_chunksize=1)),
        pa.concat_tables([whole.slice(0, 3), whole.slice(3)]),
        pa.concat_tables([whole.slice(0, 1), whole.slice(1)]),
    ]
    assert [t.column(0).num_chunks for t in tables] == [1, 4, 2, 2]
    for t in tables:
        for mode in ["strict", "lenient"]:
            with pytest.raises(journey.ParseError) as info:
                journey.EventLog.from_arrow(t, mode=mode)
            e = info.value
            assert (e.row, e.column, e.value, e.code) == (2, "raw", "ff", "invalid_value")
            without_raw = t.drop_columns(["raw"])
            with pytest.raises(journey.ParseError) as info:
                journey.EventLog.from_arrow(without_raw, mode=mode)
            assert (info.value.row, info.value.column, info.value.value) == (4, "day", "1769209820")
    ok = pa.table({"customer_id": ["a"], "timestamp": [5], "touchpoint": ["x"], "raw": [b"ok"]})
    assert journey.EventLog.from_arrow(ok).to_arrow().column("raw").to_pylist() == ["ok"]


def test_pandas_index_is_not_a_property():
    df = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": [1, 2], "touchpoint": ["x", "y"]}).iloc[::-1]
    assert journey.EventLog.from_pandas(df).properties() == []
    assert journey.EventLog.from_arrow(df).properties() == []


def test_log_round_trips_through_arrow_pandas_polars_and_pickle():
    log, _ = journey.synthetic(customers=300, seed=4)
    assert journey.EventLog.from_arrow(log).to_csv() == log.to_csv()
    t = log.to_arrow()
    assert t.column_names[:6] == ["customer_id", "timestamp", "touchpoint", "channel", "stage", "value"]
    assert str(t.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    assert journey.EventLog.from_pandas(log.to_pandas()).to_csv() == log.to_csv()
    assert journey.EventLog.from_polars(log.to_polars()).to_csv() == log.to_csv()
    again = pickle.loads(pickle.dumps(log))
    assert again.to_csv() == log.to_csv() and again.load_report == log.load_report
    assert journey.EventLog.from_bytes(log.to_bytes()).to_bytes() == log.to_bytes()
    with pytest.raises(journey.ArgumentError):
        journey.EventLog.from_bytes(b"not a log")


def test_results_leave_as_frames():
    log, _ = journey.synthetic(customers=300, seed=4)
    r = log.attribution(model="markov")
    t = pa.table(r)
    assert t.num_rows == len(r.rows) and t.schema.field("channel").type == pa.string()
    assert r.to_arrow().equals(t)
    assert list(r.to_pandas()["channel"]) == [row["channel"] for row in r.rows]
    assert r.to_polars().height == len(r.rows)
    assert r.to_polars()["conversions"].dtype == pl.Float64
    # Null rates stay null.
    empty = journey.EventLog.from_csv_text("").attribution()
    assert empty.to_polars().height == 0
    one = empty.to_records()
    assert one == [] or isinstance(one[0], dict)
    assert pickle.loads(pickle.dumps(r)) == r


def test_result_without_table_is_one_row():
    from journey._journey import _result_from_json

    r = _result_from_json("nps", "", '{"nps": 12.5, "n": 8, "ci": [1.0, 2.0], "by": null}')
    assert r.to_records() == [{"nps": 12.5, "n": 8, "ci": [1.0, 2.0], "by": None}]
    t = pa.table(r)
    assert t.schema.field("n").type == pa.int64() and t.schema.field("ci").type == pa.list_(pa.float64())
    with pytest.raises(ValueError):
        r.to_svg()
    assert r._repr_svg_() is None


def test_charts_and_map_pictures():
    log, _ = journey.synthetic(customers=300, seed=4)
    r = log.attribution_table()
    assert r.to_svg().startswith("<svg") and r._repr_svg_() == r.to_svg()
    assert r._repr_html_().startswith("<div><svg")
    m = journey.JourneyMap.from_dict(
        {
            "format": "journey-map/1",
            "name": "Shop <&>",
            "personas": [{"name": "Ann"}, {"name": "Bo"}],
            "touchpoints": [{"name": "site", "channel": "web", "stage": "consideration"}],
            "steps": [{"stage": "consideration", "touchpoint": "site", "emotion": 1, "persona": "Bo"}],
        }
    )
    svg = m.to_svg(persona="Bo", column_width=300, show_metrics=False)
    assert svg.startswith("<svg") and "Shop &lt;&amp;&gt;" in svg
    assert m._repr_svg_() == m.to_svg()
    with pytest.raises(journey.ArgumentError):
        m.to_svg(persona="Nobody")
    with pytest.raises(journey.ArgumentError):
        m.to_svg(column_width=10)
    assert pickle.loads(pickle.dumps(m)) == m


def test_other_objects_pickle():
    log, surveys = journey.synthetic(customers=100, seed=4)
    assert pickle.loads(pickle.dumps(surveys)).to_csv() == surveys.to_csv()
    table = journey.PathTable.from_log(log)
    assert pickle.loads(pickle.dumps(table)).rows() == table.rows()


def test_graph_path_table_and_chart_leave_as_frames_and_pickle():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint,channel\n"
        "a,1,ad,social\na,2,purchase,web\nb,1,ad,social\nb,5,site,web\nb,9,purchase,web\n"
    )
    g = log.transition_graph()
    edges = g.to_pandas().set_index(["source", "target"])["count"].to_dict()
    # start->ad twice; ad->purchase (a), ad->site, site->purchase (b); purchase->end twice.
    assert edges == {
        ("start", "ad"): 2,
        ("ad", "purchase"): 1,
        ("ad", "site"): 1,
        ("site", "purchase"): 1,
        ("purchase", "end"): 2,
    }
    assert g.to_polars().height == 5 and g.to_arrow().num_rows == 5
    assert pa.table(g).num_rows == 5 and "<table" in g._repr_html_()
    again = pickle.loads(pickle.dumps(g))
    assert again == g and again.to_dot() == g.to_dot() and again.to_mermaid() == g.to_mermaid()
    assert repr(again) == "TransitionGraph(nodes=5, edges=5, walks=2)"

    t = journey.PathTable.from_log(log, level="channel")
    # The touches before each purchase: a saw social, b social then web.
    row = {"total_conversions": 1.0, "total_conversion_value": 0.0, "total_null": 0.0}
    assert t.to_dict() == {
        "paths": 2,
        "total_conversions": 2.0,
        "rows": [{"path": "social", **row}, {"path": "social>web", **row}],
    }
    assert t.to_pandas()["path"].tolist() == ["social", "social>web"]
    assert t.to_polars()["total_conversions"].to_list() == [1.0, 1.0]
    assert pl.DataFrame(t).height == 2 and "social&gt;web" in t._repr_html_()
    assert pickle.loads(pickle.dumps(t)) == t

    chart = log.funnel(steps=["ad", "purchase"]).chart()
    assert pickle.loads(pickle.dumps(chart)) == chart
    assert journey.Chart("<svg/>").to_svg() == "<svg/>"


def test_errors_carry_value_expected_and_name_the_file(tmp_path):
    with pytest.raises(journey.ParseError) as e:
        journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\na,1,ad\nb,soon,ad\n")
    assert (e.value.line, e.value.row, e.value.column, e.value.value) == (3, None, "timestamp", "soon")
    assert e.value.expected.startswith("expected an RFC 3339 timestamp")
    df = pd.DataFrame({"customer_id": ["a", None], "timestamp": [1, 2], "touchpoint": ["x", "y"]})
    with pytest.raises(journey.ParseError) as e:
        journey.EventLog.from_pandas(df)
    assert (e.value.line, e.value.row, e.value.column, e.value.value) == (None, 2, "customer_id", "")
    assert e.value.expected == "a non-empty customer id"
    missing = str(tmp_path / "nowhere.csv")
    for read in [journey.read_events, journey.read_surveys, journey.read_path_table]:
        with pytest.raises(journey.JourneyError) as e:
            read(missing)
        assert e.value.code == "io" and f'cannot open "{missing}"' in str(e.value)
    with pytest.raises(TypeError, match="collect"):
        journey.EventLog.from_arrow(pl.DataFrame({"a": [1]}).lazy())


def test_the_benchmark_program_runs_on_a_small_log():
    import json
    import pathlib
    import subprocess
    import sys

    bench = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "bench_arrow.py"
    out = subprocess.run([sys.executable, str(bench), "5000"], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout)
    # 504 customers of about 9.9 events each.
    assert figures["customers"] == 504 and 4_000 < figures["events"] < 6_000
    for layout in ["polars_read_csv", "polars_strings", "polars_categoricals", "csv_file"]:
        assert figures[layout]["seconds"] > 0
