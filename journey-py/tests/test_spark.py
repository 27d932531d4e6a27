"""journey.spark on a real local Spark (local[2], started once per session): every analysis
equals EventLog's on the same events, which reach Spark in time order from several Parquet
files, so every customer is split across input partitions before the shuffle."""

import os
import sys

import pytest
from engine_cases import (
    CASES,
    SURVEY_CASES,
    canonical,
    case_id,
    notebook_cell,
    run,
    run_with_surveys,
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
def spark_events(spark, engine_data):
    df = spark.read.parquet(str(engine_data["dir"]))
    # Several input partitions, each a slice of time: customers are split across them.
    assert df.rdd.getNumPartitions() >= 2
    return df


@pytest.fixture(scope="session")
def spark_log(spark_events):
    # An odd number of customer partitions; persisted, so the analyses shuffle once.
    return journey.spark.EventLog(spark_events, partitions=3, **ENGINE_LOAD).persist()


def test_counts_and_load_report(spark_log, engine_data):
    ref = engine_data["log"]
    assert spark_log.n_events == ref.n_events >= 200_000
    assert spark_log.n_customers == ref.n_customers == 20500
    assert spark_log.load_report == ref.load_report
    assert spark_log.context.to_bytes() == journey.Context.of(ref).to_bytes()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_analysis_equals_single_machine(spark_log, engine_data, case):
    name, kw = case
    assert canonical(run(spark_log, name, kw)) == canonical(run(engine_data["log"], name, kw))


def test_not_persisted_seven_partitions(spark_events, engine_data):
    log = journey.spark.EventLog(spark_events, partitions=7, **ENGINE_LOAD)
    ref = engine_data["log"]
    for name, kw in [CASES[0], ("attribution_table", {})]:
        assert canonical(run(log, name, kw)) == canonical(run(ref, name, kw))


@pytest.fixture(scope="session")
def spark_responses(spark, engine_data):
    return spark.createDataFrame(engine_data["responses"])


def test_notebook_cell(spark_log, spark_responses, engine_data):
    """The same cell on EventLog and on journey.spark gives equal results."""
    single = notebook_cell(engine_data["log"], engine_data["surveys"])
    spark = notebook_cell(spark_log, spark_responses)
    assert single[0] == spark[0]
    assert single[1] == spark[1]
    assert single[2] == spark[2]
    assert single[3] == spark[3]  # the report, to the byte
    assert single[0].steps[3]["customers"] > 0
    assert "Satisfaction by touchpoint" in spark[3]


@pytest.mark.parametrize("case", SURVEY_CASES, ids=case_id)
def test_survey_analysis_equals_single_machine(spark_log, spark_responses, engine_data, case):
    name, kw = case
    single = run_with_surveys(engine_data["log"], engine_data["surveys"], name, kw)
    assert canonical(run_with_surveys(spark_log, spark_responses, name, kw)) == canonical(single)


def test_empty_partitions(spark):
    # Three customers over five partitions: at least two partitions hold nothing, and the
    # partials go through the executors' level of the tree (two groups) first.
    log, _ = journey.synthetic(customers=3, seed=4)
    table = plain_table(log)
    df = spark.createDataFrame(table)
    dist = journey.spark.EventLog(df, partitions=5, **ENGINE_LOAD)
    ref = engine_reference(table)
    assert dist.n_customers == 3
    for name, kw in [CASES[0], ("kpis", {}), ("attribution_table", {})]:
        assert canonical(run(dist, name, kw)) == canonical(run(ref, name, kw))


def test_no_rows(spark_events, engine_data):
    dist = journey.spark.EventLog(spark_events.limit(0), partitions=3, **ENGINE_LOAD)
    empty = engine_reference(engine_data["table"].slice(0, 0))
    assert (dist.n_events, dist.n_customers) == (0, 0)
    kw = CASES[0][1]
    assert canonical(dist.funnel(**kw)) == canonical(empty.funnel(**kw))


def test_column_keywords_and_load_error(spark):
    rows = [
        ("u1", "2026-01-05T10:00:00Z", "ad", "social"),
        ("u1", "2026-01-05T11:00:00Z", "purchase", "web"),
        ("u2", "yesterday", "ad", "social"),
        ("u3", "2026-01-06T09:00:00Z", "ad", "social"),
    ]
    df = spark.createDataFrame(rows, "user string, ts string, event string, chan string")
    keys = {"customer": "user", "timestamp": "ts", "touchpoint": "event", "channel": "chan"}
    with pytest.raises(journey.ParseError) as err:
        journey.spark.EventLog(df, partitions=3, **keys).kpis()
    e = err.value
    assert (e.customer, e.column, e.value) == ("u2", "timestamp", "yesterday")
    assert "customer 'u2'" in str(e) and e.row is None
    lenient = journey.spark.EventLog(df, partitions=3, mode="lenient", **keys)
    report = lenient.load_report
    assert (report["rows_read"], report["rows_kept"], report["rows_skipped"]) == (4, 3, 1)
    assert len(report["errors"]) == 1 and "customer 'u2'" in report["errors"][0]
    assert lenient.n_customers == 2
    assert lenient.kpis()["n_customers"] == 2


def test_bad_arguments(spark_events):
    with pytest.raises(journey.MissingColumnError):
        journey.spark.EventLog(spark_events, customer="nobody")
    with pytest.raises(journey.ArgumentError):
        journey.spark.EventLog(spark_events, partitions=0)
