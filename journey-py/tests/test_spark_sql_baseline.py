"""The Spark SQL funnel and path table of the distributed benchmark
(examples/python/spark_sql_baseline.py) give exactly journey's results, so the benchmark
compares equal work and cannot drift from journey's definitions unnoticed. Small data (about
20,000 events) plus hand-made customers whose events tie on the timestamp."""

import datetime as dt
import pathlib
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import journey
from conftest import plain_table
from test_spark import spark  # noqa: F401  (the session-wide local[2] Spark)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"))
import spark_sql_baseline as sql  # noqa: E402

STEPS = ["landing_page", "product_page", "add_to_cart", "purchase"]

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def _ties():
    """Customers whose order is decided by the content rule, written in the opposite order."""
    rows = []

    def ev(c, minutes, tp, ch, value=None, stage="consideration", persona="tie"):
        rows.append(
            {
                "customer_id": c,
                "timestamp": T0 + dt.timedelta(minutes=minutes),
                "touchpoint": tp,
                "channel": ch,
                "stage": stage,
                "value": value,
                "persona": persona,
            }
        )

    # Same touchpoint, same time: the channel decides (email before web) -> path email>web.
    ev("tie-a", 0, "product_page", "web")
    ev("tie-a", 0, "product_page", "email")
    ev("tie-a", 5, "purchase", "web", 10.0)
    # A purchase at the time of a landing page: landing_page < purchase, so the landing page is
    # a touch of the converting path, and the funnel sees landing then product at one time.
    ev("tie-b", 0, "purchase", "web", 20.0)
    ev("tie-b", 0, "product_page", "web")
    ev("tie-b", 0, "landing_page", "social")
    # Two purchases at one time: the smaller value first; the second is an empty path.
    ev("tie-c", 0, "landing_page", "search")
    ev("tie-c", 3, "purchase", "web", 99.5)
    ev("tie-c", 3, "purchase", "web", 0.5)
    # Window edge: the cart exactly 7 days after the landing page counts, one minute more not.
    ev("tie-d", 0, "landing_page", "search")
    ev("tie-d", 1, "product_page", "web")
    ev("tie-d", 7 * 24 * 60, "add_to_cart", "web")
    ev("tie-e", 0, "landing_page", "search")
    ev("tie-e", 1, "product_page", "web")
    ev("tie-e", 7 * 24 * 60 + 1, "add_to_cart", "web")
    return rows


def _parquet(spark, tmp_path_factory, table, files):  # noqa: F811
    """The table sorted by time in `files` Parquet files (each customer split across them), as
    a Spark DataFrame."""
    table = table.sort_by([("timestamp", "ascending")])
    root = tmp_path_factory.mktemp("baseline")
    step = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(table.slice(i * step, step), root / f"part-{i}.parquet")
    return spark.read.parquet(str(root))


@pytest.fixture(scope="module")
def baseline_data(spark, tmp_path_factory):  # noqa: F811
    log, _ = journey.synthetic(customers=2000, seed=21)
    table = plain_table(log)
    table = pa.concat_tables([table, pa.Table.from_pylist(_ties(), schema=table.schema)])
    assert table.num_rows >= 15_000
    df = _parquet(spark, tmp_path_factory, table, 3)
    assert df.rdd.getNumPartitions() >= 2
    return journey.EventLog.from_arrow(table), df


def test_hand_made_ties(spark, tmp_path_factory):  # noqa: F811
    schema = plain_table(journey.synthetic(customers=5, seed=1)[0]).schema
    table = pa.Table.from_pylist(_ties(), schema=schema)
    log = journey.EventLog.from_arrow(table)
    df = _parquet(spark, tmp_path_factory, table, 2)
    expected_paths = [
        ("", 1, 99.5, 0),  # tie-c's second purchase (the larger value comes second)
        ("email>web", 1, 10.0, 0),  # tie-a
        ("search", 1, 0.5, 0),  # tie-c's first purchase
        ("search>web>web", 0, 0.0, 2),  # tie-d and tie-e never buy
        ("social>web", 1, 20.0, 0),  # tie-b: landing page, product page, then the purchase
    ]

    def tuples(rows):
        return sorted(
            (
                r["path"],
                int(r["total_conversions"]),
                float(r["total_conversion_value"]),
                int(r["total_null"]),
            )
            for r in rows
        )

    assert tuples(journey.PathTable.from_log(log).rows()) == expected_paths
    assert tuples(sql.path_table(df)) == expected_paths
    # tie-a has no landing page; tie-b reaches the product page at the landing page's time;
    # tie-d's cart is exactly 7 days after its landing page, tie-e's a minute later.
    assert sql.journey_funnel_counts(log.funnel(STEPS, window="7d")) == [4, 3, 1, 0]
    assert sql.funnel(df, STEPS, 7) == [4, 3, 1, 0]


def test_funnel_equals_journey(baseline_data):
    log, df = baseline_data
    ref = sql.journey_funnel_counts(log.funnel(STEPS, window="7d"))
    got = sql.funnel(df, STEPS, 7)
    assert got == ref
    assert sql.funnel_digest(got) == sql.funnel_digest(ref)
    assert ref[0] > ref[-1] > 0


def test_path_table_equals_journey(baseline_data):
    log, df = baseline_data
    ref = journey.PathTable.from_log(log).rows()
    got = sql.path_table(df)
    assert len(got) == len(ref) > 100
    assert sql.path_table_digest(got) == sql.path_table_digest(ref)
