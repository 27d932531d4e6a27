import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "journey-core" / "tests" / "vectors"
FIXTURES = VECTORS.parent / "fixtures"


def fixture(name):
    """A data set of journey-core/tests/fixtures, checked by hand in the Python and JS tests."""
    return (FIXTURES / name).read_text()


def vector_files():
    return sorted(VECTORS.rglob("*.json"))


@pytest.fixture(scope="session")
def vectors_dir():
    return VECTORS


def load_case(path):
    return json.loads(path.read_text())


# ---------------------------------------------------------------------------------------------
# The engine tests (test_spark.py, test_dask.py): one synthetic log of 20,000 customers
# (more than 200,000 events) sorted by time and written as several Parquet files in time
# order, so every customer is split across files before the engine shuffles by customer.

ENGINE_CUSTOMERS = 20500
ENGINE_FILES = 5


def engine_reference(table):
    """The single-machine log of an Arrow table, as loaded: the engines shuffle the rows, and
    the default tie rule (by content) makes the log independent of their order."""
    import journey

    return journey.EventLog.from_arrow(table, **ENGINE_LOAD)


# Load options every engine test uses, single machine and engines alike.
ENGINE_LOAD: dict = {}


def plain_table(log):
    """A log's events as an Arrow table with text columns as plain strings (Spark and Dask
    read dictionaries back as such anyway)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table(log)
    return pa.table(
        {
            name: pc.cast(col, pa.string()) if pa.types.is_dictionary(col.type) else col
            for name, col in zip(table.column_names, table.columns)
        }
    )


@pytest.fixture(scope="session")
def engine_data(tmp_path_factory):
    import pyarrow.parquet as pq

    import journey

    log, surveys = journey.synthetic(customers=ENGINE_CUSTOMERS, seed=15)
    table = plain_table(log).sort_by([("timestamp", "ascending")])
    assert table.num_rows >= 200_000
    root = tmp_path_factory.mktemp("events")
    step = -(-table.num_rows // ENGINE_FILES)
    for i in range(ENGINE_FILES):
        pq.write_table(table.slice(i * step, step), root / f"part-{i:02d}.parquet")
    reference = engine_reference(table)
    # The responses as a table too (read back from their CSV, as a user's file would be).
    import io

    import pyarrow.csv as pcsv

    responses = pcsv.read_csv(io.BytesIO(surveys.to_csv().encode()))
    return {
        "dir": root,
        "table": table,
        "log": reference,
        "surveys": surveys,
        "responses": responses,
    }
