"""Events of one customer at the same instant: the order does not depend on the row order
(content order, or the `sequence` column), unless ties="input" is asked for."""

import random

import pytest

import journey

HEADER = "customer_id,timestamp,touchpoint,channel,stage,value,plan\n"
# Six events of customer a at one second, and two of b: only the content tells them apart.
ROWS = [
    "a,2026-01-01T00:00:00Z,site,web,,,\n",
    "a,2026-01-01T00:00:00Z,ad,social,,,\n",
    "a,2026-01-01T00:00:00Z,ad,email,,,pro\n",
    "a,2026-01-01T00:00:00Z,ad,email,,,free\n",
    "a,2026-01-01T00:00:00Z,purchase,web,,20,\n",
    "a,2026-01-01T00:00:00Z,purchase,web,,5,\n",
    "b,2026-01-02T00:00:00Z,site,web,purchase,,\n",
    "b,2026-01-02T00:00:00Z,site,web,awareness,,\n",
]


def order(log, customer):
    return [
        (e["touchpoint"], e["channel"], e["stage"], e["value"], e["plan"]) for e in log.journey(customer)
    ]


def test_content_order_by_hand():
    log = journey.EventLog.from_csv_text(HEADER + "".join(ROWS))
    # Touchpoint, then channel, then value; then the property (plan): free before pro.
    assert order(log, "a") == [
        ("ad", "email", None, None, "free"),
        ("ad", "email", None, None, "pro"),
        ("ad", "social", None, None, None),
        ("purchase", "web", None, 5.0, None),
        ("purchase", "web", None, 20.0, None),
        ("site", "web", None, None, None),
    ]
    # Stages in journey order: awareness before purchase.
    assert [e["stage"] for e in log.journey("b")] == ["awareness", "purchase"]


def test_shuffled_rows_give_the_identical_log():
    want = journey.EventLog.from_csv_text(HEADER + "".join(ROWS))
    rng = random.Random(7)
    for _ in range(20):
        rows = ROWS[:]
        rng.shuffle(rows)
        log = journey.EventLog.from_csv_text(HEADER + "".join(rows))
        assert log.to_csv() == want.to_csv()
        assert log.to_arrow().equals(want.to_arrow())


def test_content_order_changes_no_log():
    # journey.spark.content_order (kept for compatibility) sorts by every column; the loader's
    # own tie rule already makes the log independent of the row order.
    pa = pytest.importorskip("pyarrow")
    import journey.spark

    table = journey.EventLog.from_csv_text(HEADER + "".join(ROWS)).to_arrow()
    rng = random.Random(3)
    for _ in range(5):
        shuffled = table.take(pa.array(rng.sample(range(table.num_rows), table.num_rows)))
        sorted_ = journey.spark.content_order(shuffled)
        assert sorted_.column("touchpoint").to_pylist()[:3] == ["ad", "ad", "ad"]
        a = journey.EventLog.from_arrow(shuffled)
        b = journey.EventLog.from_arrow(sorted_)
        assert a.to_csv() == b.to_csv()


def test_ties_input_keeps_the_row_order():
    log = journey.EventLog.from_csv_text(HEADER + "".join(ROWS), ties="input")
    assert [e["touchpoint"] for e in log.journey("a")] == ["site", "ad", "ad", "ad", "purchase", "purchase"]
    with pytest.raises(journey.ArgumentError, match="expected `content` or `input`"):
        journey.EventLog.from_csv_text(HEADER, ties="random")


def test_sequence_column_orders_ties_first(tmp_path):
    text = (
        "customer_id,timestamp,touchpoint,seq\n"
        "a,2026-01-01T00:00:00Z,purchase,1\n"
        "a,2026-01-01T00:00:00Z,ad,2\n"
        "a,2026-01-01T00:00:00Z,email,\n"
    )
    log = journey.EventLog.from_csv_text(text, rename={"seq": "sequence"})
    # 1, 2, then the row without a sequence; the column is not a property.
    assert [e["touchpoint"] for e in log.journey("a")] == ["purchase", "ad", "email"]
    assert "seq" not in log.journey("a")[0] and "sequence" not in log.journey("a")[0]
    p = tmp_path / "events.csv"
    p.write_text(text.replace(",seq\n", ",sequence\n", 1))
    assert [e["touchpoint"] for e in journey.read_events(p).journey("a")] == ["purchase", "ad", "email"]
    with pytest.raises(journey.ParseError) as bad:
        journey.EventLog.from_csv_text(text.replace(",2\n", ",2.5\n"), rename={"seq": "sequence"})
    assert (bad.value.line, bad.value.column) == (3, "sequence")


def test_parquet_sequence_orders_ties(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "customer_id": ["a", "a", "a"],
            "timestamp": pa.array([0, 0, 0], pa.timestamp("s")),
            "touchpoint": ["site", "ad", "purchase"],
            "sequence": pa.array([None, 2, 1], pa.int32()),
        }
    )
    p = tmp_path / "events.parquet"
    pq.write_table(table, p, row_group_size=2)
    log = journey.read_events(p)
    assert [e["touchpoint"] for e in log.journey("a")] == ["purchase", "ad", "site"]
    assert "sequence" not in log.journey("a")[0]


def test_frames_take_ties_and_sequence():
    pa = pytest.importorskip("pyarrow")
    table = pa.table(
        {
            "customer_id": ["a", "a", "a"],
            "timestamp": pa.array([0, 0, 0], pa.timestamp("s")),
            "touchpoint": ["site", "ad", "purchase"],
            "n": pa.array([None, 2, 1], pa.int64()),
        }
    )
    tps = lambda log: [e["touchpoint"] for e in log.journey("a")]  # noqa: E731
    assert tps(journey.EventLog.from_arrow(table)) == ["ad", "purchase", "site"]
    assert tps(journey.EventLog.from_arrow(table, ties="input")) == ["site", "ad", "purchase"]
    assert tps(journey.EventLog.from_arrow(table, sequence="n")) == ["purchase", "ad", "site"]
    assert tps(journey.EventLog.from_arrow(table, rename={"n": "sequence"})) == ["purchase", "ad", "site"]
    pl = pytest.importorskip("polars")
    assert tps(journey.EventLog.from_polars(pl.from_arrow(table), sequence="n")) == ["purchase", "ad", "site"]
    pd = pytest.importorskip("pandas")
    df = table.to_pandas()
    assert tps(journey.EventLog.from_pandas(df.drop(columns=["n"]))) == ["ad", "purchase", "site"]
    with pytest.raises(journey.JourneyError, match="sequence"):
        journey.EventLog.from_arrow(table.set_column(3, "n", pa.array(["x", "y", "z"])), sequence="n")
    del pd
