"""journey.spark on a real local Spark (local[2], started once per session): every analysis
equals EventLog's on the same events, which reach Spark in time order from several Parquet
files, so every customer is split across input partitions before the shuffle."""

import os
import sys

import pytest
from engine_cases import (
    BAD_COLUMNS,
    BAD_ROWS,
    CASES,
    EngineTests,
    check_cases,
    check_load_error,
    check_no_rows,
)

import journey
import journey.spark
from conftest import ENGINE_LOAD, engine_reference, plain_table


@pytest.fixture(scope="session")
def spark():
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # The Python workers must be this interpreter (the one journey is installed in).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("journey-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dist_events(spark, engine_data):
    df = spark.read.parquet(str(engine_data["dir"]))
    # Several input partitions, each a slice of time: customers are split across them.
    assert df.rdd.getNumPartitions() >= 2
    return df


@pytest.fixture(scope="session")
def engine():
    return journey.spark


@pytest.fixture(scope="session")
def dist_log(dist_events):
    # An odd number of customer partitions; persisted, so the analyses shuffle once.
    return journey.spark.EventLog(dist_events, partitions=3, **ENGINE_LOAD).persist()


@pytest.fixture(scope="session")
def dist_responses(spark, engine_data):
    return spark.createDataFrame(engine_data["responses"])


def test_empty_partitions(spark):
    # Three customers over five partitions: at least two partitions hold nothing, and the
    # partials go through the executors' level of the tree (two groups) first.
    log, _ = journey.synthetic(customers=3, seed=4)
    table = plain_table(log)
    df = spark.createDataFrame(table)
    dist = journey.spark.EventLog(df, partitions=5, **ENGINE_LOAD)
    ref = engine_reference(table)
    assert dist.n_customers == 3
    check_cases(dist, ref, [CASES[0], ("kpis", {}), ("attribution_table", {})])


def test_default_partitions(spark):
    # Without `partitions`, the customer partitions are the context's default parallelism
    # (2 on local[2]), and the frame is shuffled into that many.
    log, _ = journey.synthetic(customers=40, seed=7)
    table = plain_table(log)
    dist = journey.spark.EventLog(spark.createDataFrame(table), **ENGINE_LOAD)
    assert dist.partitions == spark.sparkContext.defaultParallelism == 2
    assert dist.n_customers == 40
    check_cases(dist, engine_reference(table), [CASES[0], ("kpis", {})])


def test_no_rows(dist_events, engine_data):
    dist = journey.spark.EventLog(dist_events.limit(0), partitions=3, **ENGINE_LOAD)
    check_no_rows(dist, engine_reference(engine_data["table"].slice(0, 0)))


def test_column_keywords_and_load_error(spark):
    df = spark.createDataFrame(BAD_ROWS, ", ".join(f"{c} string" for c in BAD_COLUMNS))
    lenient = check_load_error(lambda **kw: journey.spark.EventLog(df, **kw))
    assert lenient.kpis()["n_customers"] == 2


class TestSpark(EngineTests):
    """The tests every engine passes, on journey.spark."""
