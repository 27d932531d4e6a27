"""Parquet files: `read_events("x.parquet")` and `read_surveys("x.parquet")` read in Rust (row
groups in parallel, only the needed columns), give the logs the same rows give from CSV, and
bad files fail with errors naming the row group, row, column and value."""

import pytest

import journey

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pl = pytest.importorskip("polars")

CSV = (
    "customer_id,timestamp,touchpoint,channel,value,plan\n"
    "b,2026-01-02T00:00:00Z,purchase,web,20,pro\n"
    "a,2026-01-01T00:00:00Z,ad,social,,\n"
    "a,2026-01-01T00:05:00Z,site,web,,basic\n"
    "c,2026-01-03T00:00:00Z,ad,social,,\n"
    "a,2026-01-01T00:09:00Z,purchase,web,12.5,basic\n"
    "c,2026-01-03T01:00:00Z,purchase,web,7,\n"
    "b,2026-01-01T23:00:00Z,ad,search,,pro\n"
)


@pytest.fixture
def csv_path(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text(CSV)
    return p


def polars_frame(csv_path):
    return pl.read_csv(csv_path, try_parse_dates=True)


@pytest.mark.parametrize("row_group_size", [2, 3, 1000])
@pytest.mark.parametrize("compression", ["snappy", "zstd", "gzip", "lz4", "uncompressed"])
def test_parquet_gives_the_csv_log(tmp_path, csv_path, row_group_size, compression):
    want = journey.read_events(csv_path)
    p = tmp_path / "events.parquet"
    polars_frame(csv_path).write_parquet(p, row_group_size=row_group_size, compression=compression)
    log = journey.read_events(p)
    assert log.to_csv() == want.to_csv()
    assert log.summary()["revenue"] == 39.5
    assert journey.read_events(str(p)).n_events == 7
    with open(p, "rb") as f:  # a file object: read whole, then the same reader
        assert journey.read_events(f, format="parquet").to_csv() == want.to_csv()


def test_pyarrow_files_with_dictionaries_and_text_values(tmp_path, csv_path):
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={"value": pa.string()}))
    p = tmp_path / "events.parquet"
    pq.write_table(t, p, row_group_size=3, use_dictionary=True)
    assert journey.read_events(p).to_csv() == journey.read_events(csv_path).to_csv()


def test_a_bad_value_in_row_group_2(tmp_path, csv_path):
    df = polars_frame(csv_path).with_columns(pl.col("value").cast(pl.String))
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 6).then(pl.lit("abc")).otherwise(pl.col("value")).alias("value")
    )
    p = tmp_path / "bad.parquet"
    df.write_parquet(p, row_group_size=3)
    with pytest.raises(journey.ParseError) as info:
        journey.read_events(p)
    e = info.value
    assert (e.code, e.row, e.row_group, e.column, e.value) == ("invalid_value", 7, 2, "value", "abc")
    assert e.expected == "a decimal number (or blank for none)"
    assert "at row 7 (row group 2, row 1 in it), column value" in str(e)
    log = journey.read_events(p, mode="lenient")
    assert log.load_report["rows_skipped"] == 1 and log.n_events == 6


def test_files_that_are_not_parquet_or_are_truncated(tmp_path, csv_path):
    not_parquet = tmp_path / "events.parquet"
    not_parquet.write_text(CSV)
    with pytest.raises(journey.ParseError) as info:
        journey.read_events(not_parquet)
    assert info.value.code == "invalid_file" and "invalid parquet file" in str(info.value)
    good = tmp_path / "good.parquet"
    polars_frame(csv_path).write_parquet(good)
    data = good.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(journey.ParseError) as info:
        journey.read_events(cut)
    assert info.value.code == "invalid_file"
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    with pytest.raises(journey.JourneyError):
        journey.read_events(empty)
    with pytest.raises(journey.JourneyError) as info:
        journey.read_events(tmp_path / "missing.parquet")
    assert info.value.code == "io" and "missing.parquet" in str(info.value)


def test_wrong_column_types_and_projection(tmp_path, csv_path):
    df = polars_frame(csv_path)
    p = tmp_path / "wrong.parquet"
    df.with_columns(pl.col("touchpoint").map_elements(lambda s: [len(s)], return_dtype=pl.List(pl.Int64))).write_parquet(p)
    with pytest.raises(journey.ArgumentError) as info:
        journey.read_events(p)
    assert info.value.column == "touchpoint" and info.value.code == "invalid_argument"
    # A column that cannot be a property is never read when extra columns are ignored.
    p = tmp_path / "extra.parquet"
    df.with_columns(pl.lit([1, 2]).alias("items")).write_parquet(p)
    with pytest.raises(journey.ArgumentError) as info:
        journey.read_events(p)
    assert info.value.column == "items"
    log = journey.read_events(p, ignore_extra_columns=True)
    assert log.n_events == 7 and log.properties() == []
    # Renamed columns, as for CSV.
    p = tmp_path / "renamed.parquet"
    df.rename({"customer_id": "user"}).write_parquet(p)
    assert journey.read_events(p, rename={"user": "customer_id"}).n_events == 7
    with pytest.raises(journey.MissingColumnError):
        journey.read_events(p)


def test_surveys_from_parquet(tmp_path):
    csv = (
        "customer_id,timestamp,touchpoint,nps,csat\n"
        "a,2026-01-01T00:00:00Z,support,9,\n"
        "b,2026-01-02T00:00:00Z,,3,4\n"
        "c,2026-01-03T00:00:00Z,support,,5\n"
        "a,2026-01-04T00:00:00Z,checkout,10,2\n"
    )
    c = tmp_path / "s.csv"
    c.write_text(csv)
    p = tmp_path / "s.parquet"
    pl.read_csv(c, try_parse_dates=True).write_parquet(p, row_group_size=3)
    want = journey.read_surveys(c)
    got = journey.read_surveys(p)
    assert got.n_responses == 4
    assert got.nps().to_dict() == want.nps().to_dict()
    assert got.csat().to_dict() == want.csat().to_dict()
    bad = tmp_path / "bad.parquet"
    pl.read_csv(c.read_text().replace("10,2", "11,2").encode(), try_parse_dates=True).write_parquet(bad, row_group_size=3)
    with pytest.raises(journey.ParseError) as info:
        journey.read_surveys(bad)
    e = info.value
    assert (e.row, e.row_group, e.column, e.value) == (4, 1, "nps", "11")
