"""Text columns in frames are read by the CSV rules: `from_polars(pl.read_csv(path))` and
`from_pandas(pd.read_csv(path))` give the log `read_events(path)` gives, and a bad text cell
fails with the CSV reader's error, at its row."""

import pytest

import journey

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

# Mostly empty values (polars reads the column as text), text timestamps, a property.
CSV = (
    "customer_id,timestamp,touchpoint,channel,value,plan\n"
    "b,2026-01-02T00:00:00Z,purchase,web,,pro\n"
    "a,2026-01-01T00:00:00Z,ad,social,,\n"
    "a,2026-01-01T00:05:00Z,site,web,,basic\n"
    "c,2026-01-03T00:00:00Z,ad,social,,\n"
    "a,2026-01-01T00:09:00Z,purchase,web, 12.50 ,basic\n"
    "c,2026-01-03T01:00:00Z,site,web,,\n"
    "b,2026-01-01T23:00:00Z,ad,search,,pro\n"
)


@pytest.fixture
def csv_path(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text(CSV)
    return p


def same(a, b):
    assert a.to_csv() == b.to_csv()
    assert a.summary() == b.summary()
    assert a.funnel(steps=["ad", "purchase"]).to_dict() == b.funnel(steps=["ad", "purchase"]).to_dict()


def test_polars_read_csv_loads_as_read_events(csv_path):
    df = pl.read_csv(csv_path)
    assert df.schema["value"] == pl.String  # the column that used to be refused
    log = journey.EventLog.from_polars(df)
    want = journey.read_events(csv_path)
    same(log, want)
    assert log.summary()["revenue"] == 12.5


def test_pandas_read_csv_loads_as_read_events(csv_path):
    df = pd.read_csv(csv_path)
    same(journey.EventLog.from_pandas(df), journey.read_events(csv_path))
    # pandas with string dtypes: every column text, read by the CSV rules.
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert df["value"].iloc[4] == " 12.50 "
    same(journey.EventLog.from_pandas(df), journey.read_events(csv_path))


def test_a_bad_text_value_is_the_csv_error_at_its_row(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(CSV.replace(" 12.50 ", "12.5x"))
    with pytest.raises(journey.ParseError) as csv_err:
        journey.read_events(p)
    with pytest.raises(journey.ParseError) as frame_err:
        journey.EventLog.from_polars(pl.read_csv(p))
    c, f = csv_err.value, frame_err.value
    assert (c.line, c.column, c.value) == (6, "value", "12.5x")
    assert (f.row, f.column, f.value) == (5, "value", "12.5x")
    assert f.expected == c.expected == "a decimal number (or blank for none)"
    assert f.code == c.code == "invalid_value"
    lenient = journey.EventLog.from_polars(pl.read_csv(p), mode="lenient")
    assert lenient.load_report["rows_skipped"] == 1 and lenient.n_events == 6


def test_text_timestamps_and_categorical_values():
    t = pa.table(
        {
            "customer_id": ["a", "a"],
            "timestamp": ["2026-01-01T00:00:00Z", "1767225660"],  # RFC 3339 or Unix seconds, as in CSV
            "touchpoint": ["ad", "purchase"],
            "value": pa.array(["", "40"]).dictionary_encode(),
        }
    )
    log = journey.EventLog.from_arrow(t)
    assert log.summary()["revenue"] == 40.0
    assert log.to_csv().splitlines()[1:] == [
        "a,2026-01-01T00:00:00Z,ad,unknown,,",
        "a,2026-01-01T00:01:00Z,purchase,unknown,,40",
    ]
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_arrow(t.set_column(1, "timestamp", pa.array(["2026-01-01T00:00:00Z", "yesterday"])))
    assert (info.value.row, info.value.column, info.value.value) == (2, "timestamp", "yesterday")
