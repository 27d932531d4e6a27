"""journey.dask on a real distributed.LocalCluster (2 worker processes, started once per
session): every analysis equals EventLog's on the same events, which reach Dask in time order
from several Parquet files, so every customer is split across input partitions before the
shuffle."""

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
def dist_events(dask_client, engine_data):
    import dask.dataframe as dd

    ddf = dd.read_parquet(str(engine_data["dir"]))
    assert ddf.npartitions >= 2
    return ddf


@pytest.fixture(scope="session")
def engine():
    return journey.dask


@pytest.fixture(scope="session")
def dist_log(dist_events):
    return journey.dask.EventLog(dist_events, partitions=3, **ENGINE_LOAD).persist()


@pytest.fixture(scope="session")
def dist_responses(dask_client, engine_data):
    import dask.dataframe as dd

    return dd.from_pandas(engine_data["responses"].to_pandas(), npartitions=2)


def test_default_partitions(dask_client):
    import dask.dataframe as dd

    # Without `partitions`, the customer partitions are as many as the input's.
    log, _ = journey.synthetic(customers=40, seed=7)
    table = plain_table(log)
    ddf = dd.from_pandas(table.to_pandas(), npartitions=3)
    dist = journey.dask.EventLog(ddf, **ENGINE_LOAD)
    assert dist.partitions == 3
    assert dist.n_customers == 40
    check_cases(dist, engine_reference(table), [CASES[0], ("kpis", {})])


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
    check_cases(dist, ref, [CASES[0], ("kpis", {}), ("attribution_table", {})])


def test_no_rows(dist_events, engine_data):
    none = dist_events[dist_events["customer_id"] == "nobody"]
    dist = journey.dask.EventLog(none, partitions=3, **ENGINE_LOAD)
    check_no_rows(dist, engine_reference(engine_data["table"].slice(0, 0)))


def test_column_keywords_and_load_error(dask_client):
    import dask.dataframe as dd
    import pandas as pd

    ddf = dd.from_pandas(pd.DataFrame(BAD_ROWS, columns=BAD_COLUMNS), npartitions=2)
    check_load_error(lambda **kw: journey.dask.EventLog(ddf, **kw))


class TestDask(EngineTests):
    """The tests every engine passes, on journey.dask."""
