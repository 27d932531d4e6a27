"""journey.spark merges the partials of many partitions in two levels (groups merged on the
executors, then on the driver): with 17 partitions (four groups, uneven), the path table,
attribution table and funnel still equal EventLog's."""

import journey
import journey.spark
from conftest import engine_reference, plain_table
from engine_cases import canonical, run
from test_spark import spark  # noqa: F401  (the session-wide local[2] Spark)


def test_two_level_merge_equals_single_machine(spark, tmp_path):  # noqa: F811
    import pyarrow.parquet as pq

    log, _ = journey.synthetic(customers=1500, seed=17)
    table = plain_table(log).sort_by([("timestamp", "ascending")])
    step = -(-table.num_rows // 3)
    for i in range(3):
        pq.write_table(table.slice(i * step, step), tmp_path / f"part-{i}.parquet")
    df = spark.read.parquet(str(tmp_path))
    assert 17 >= journey.spark._TREE_FROM
    dist = journey.spark.EventLog(df, partitions=17).persist()
    ref = engine_reference(table)
    assert dist.path_table().rows() == journey.PathTable.from_log(ref).rows()
    for name, kw in [
        ("attribution_table", {}),
        ("funnel", {"steps": ["landing_page", "product_page", "purchase"]}),
    ]:
        assert canonical(run(dist, name, kw)) == canonical(run(ref, name, kw)), name
    # The merges (both levels) are timed for the benchmark.
    assert dist.last_timing["merge"] > 0
    dist.unpersist()
