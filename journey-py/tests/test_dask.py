"""journey.dask on a real distributed.LocalCluster (2 worker processes, started once per
session): every analysis equals EventLog's on the same events, which reach Dask in time order
from several Parquet files, so every customer is split across input partitions before the
shuffle."""

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
import journey.dask
from conftest import ENGINE_LOAD, engine_reference, plain_table


@pytest.fixture(scope="session")
def dask_client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def dask_events(dask_client, engine_data):
    import dask.dataframe as dd

    ddf = dd.read_parquet(str(engine_data["dir"]))
    assert ddf.npartitions >= 2
    return ddf


@pytest.fixture(scope="session")
def dask_log(dask_events):
    return journey.dask.EventLog(dask_events, partitions=3, **ENGINE_LOAD).persist()


def test_counts_and_load_report(dask_log, engine_data):
    ref = engine_data["log"]
    assert dask_log.n_events == ref.n_events >= 200_000
    assert dask_log.n_customers == ref.n_customers == 20500
    assert dask_log.load_report == ref.load_report
    assert dask_log.context.to_bytes() == journey.Context.of(ref).to_bytes()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_analysis_equals_single_machine(dask_log, engine_data, case):
    name, kw = case
    assert canonical(run(dask_log, name, kw)) == canonical(run(engine_data["log"], name, kw))


def test_not_persisted_seven_partitions(dask_events, engine_data):
    log = journey.dask.EventLog(dask_events, partitions=7, **ENGINE_LOAD)
    ref = engine_data["log"]
    for name, kw in [CASES[0], ("attribution_table", {})]:
        assert canonical(run(log, name, kw)) == canonical(run(ref, name, kw))


@pytest.fixture(scope="session")
def dask_responses(dask_client, engine_data):
    import dask.dataframe as dd

    return dd.from_pandas(engine_data["responses"].to_pandas(), npartitions=2)


def test_notebook_cell(dask_log, dask_responses, engine_data):
    """The same cell on EventLog and on journey.dask gives equal results."""
    single = notebook_cell(engine_data["log"], engine_data["surveys"])
    dist = notebook_cell(dask_log, dask_responses)
    assert single[0] == dist[0]
    assert single[1] == dist[1]
    assert single[2] == dist[2]
    assert single[3] == dist[3]  # the report, to the byte


@pytest.mark.parametrize("case", SURVEY_CASES, ids=case_id)
def test_survey_analysis_equals_single_machine(dask_log, dask_responses, engine_data, case):
    name, kw = case
    single = run_with_surveys(engine_data["log"], engine_data["surveys"], name, kw)
    assert canonical(run_with_surveys(dask_log, dask_responses, name, kw)) == canonical(single)


def test_empty_partitions(dask_client):
    import dask.dataframe as dd

    log, _ = journey.synthetic(customers=3, seed=4)
    table = plain_table(log)
    ddf = dd.from_pandas(table.to_pandas(), npartitions=2)
    # Nine partitions (at least six empty): more than the fan-in of 8, so the tree has two
    # levels.
    dist = journey.dask.EventLog(ddf, partitions=9, **ENGINE_LOAD)
    ref = engine_reference(table)
    assert dist.n_customers == 3
    for name, kw in [CASES[0], ("kpis", {}), ("attribution_table", {})]:
        assert canonical(run(dist, name, kw)) == canonical(run(ref, name, kw))


def test_no_rows(dask_events, engine_data):
    none = dask_events[dask_events["customer_id"] == "nobody"]
    dist = journey.dask.EventLog(none, partitions=3, **ENGINE_LOAD)
    empty = engine_reference(engine_data["table"].slice(0, 0))
    assert (dist.n_events, dist.n_customers) == (0, 0)
    kw = CASES[0][1]
    assert canonical(dist.funnel(**kw)) == canonical(empty.funnel(**kw))


def test_column_keywords_and_load_error(dask_client):
    import dask.dataframe as dd
    import pandas as pd

    df = pd.DataFrame(
        {
            "user": ["u1", "u1", "u2", "u3"],
            "ts": ["2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z", "yesterday", "2026-01-06T09:00:00Z"],
            "event": ["ad", "purchase", "ad", "ad"],
            "chan": ["social", "web", "social", "social"],
        }
    )
    ddf = dd.from_pandas(df, npartitions=2)
    keys = {"customer": "user", "timestamp": "ts", "touchpoint": "event", "channel": "chan"}
    with pytest.raises(journey.ParseError) as err:
        journey.dask.EventLog(ddf, partitions=3, **keys).kpis()
    e = err.value
    assert (e.customer, e.column, e.value) == ("u2", "timestamp", "yesterday")
    assert "customer 'u2'" in str(e) and e.row is None
    lenient = journey.dask.EventLog(ddf, partitions=3, mode="lenient", **keys)
    report = lenient.load_report
    assert (report["rows_read"], report["rows_kept"], report["rows_skipped"]) == (4, 3, 1)
    assert len(report["errors"]) == 1 and "customer 'u2'" in report["errors"][0]
    assert lenient.n_customers == 2


def test_bad_arguments(dask_events):
    with pytest.raises(journey.MissingColumnError):
        journey.dask.EventLog(dask_events, customer="nobody")
    with pytest.raises(journey.ArgumentError):
        journey.dask.EventLog(dask_events, partitions=0)
