"""Hostile and careless input (issue 16): each reproducer of the review is a journey error of
the right kind with a code, or a correct result."""

import errno

import pytest

import journey

CSV = "customer_id,timestamp,touchpoint\na,1,ad\na,2,purchase\nb,3,ad\n"


def test_a_missing_file_is_an_oserror_and_a_journey_error():
    with pytest.raises(OSError) as info:
        journey.read_events("no/such/events.csv")
    e = info.value
    assert isinstance(e, journey.FileError)
    assert isinstance(e, journey.JourneyError)
    assert e.code == "io"
    assert e.errno == errno.ENOENT
    assert '"no/such/events.csv"' in str(e)
    with pytest.raises(OSError):
        journey.read_surveys("no/such/surveys.jsonl")


def test_lone_surrogates_are_argument_errors():
    for call in (
        lambda: journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\na,1,\ud800\n"),
        lambda: journey.EventLog.from_json_text('{"customer_id":"\udfff"}'),
        lambda: journey.Surveys.from_csv_text("\ud800"),
        lambda: journey.JourneyMap("\ud800"),
        lambda: journey.JourneyMap.from_json("\ud800"),
        lambda: journey.PathTable.from_csv_text("\ud800"),
        lambda: journey.PathTable.from_rows([{"path": "a\ud800", "total_conversions": 1}]),
        lambda: journey.EventLog.from_csv_text(CSV).journey("\ud800"),
        lambda: journey.EventLog.from_csv_text(CSV).funnel(["ad", "\ud800"]),
    ):
        with pytest.raises(journey.ArgumentError) as info:
            call()
        assert info.value.code == "invalid_argument"
    with pytest.raises(journey.ArgumentError, match=r"lone surrogate \(\\ud800\) at position 43"):
        journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\na,1,x\na,2,\ud800\n")


def test_out_of_range_numbers_are_argument_errors():
    for kwargs in ({"customers": -1}, {"customers": 10**30}, {"seed": -1}, {"seed": 2**64}, {"customers": "3"}):
        with pytest.raises(journey.ArgumentError) as info:
            journey.synthetic(**kwargs)
        assert info.value.code == "invalid_argument"
    log, _ = journey.synthetic(customers=3, seed=2**64 - 1)
    assert log.n_customers == 3
    with pytest.raises(journey.ArgumentError, match=r"does not fit in 64 bits"):
        journey.PathTable.from_rows([{"path": "a", "total_conversions": 10**400}])
    # Unsigned 64-bit integers still pass.
    t = journey.PathTable.from_rows([{"path": "a", "total_conversions": 2**63}])
    assert t.rows()[0]["total_conversions"] == float(2**63)


def test_cr_only_lines_unclosed_quotes_and_json_tails():
    log = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\ra,1,ad\rb,2,ad\r")
    assert log.customers() == ["a", "b"]
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_csv_text('customer_id,timestamp,touchpoint\na,1,"ad\nb,2,ad\n')
    assert (info.value.code, info.value.line) == ("malformed_row", 2)
    row = '{"customer_id":"a","timestamp":1,"touchpoint":"x"}'
    for text in (f"[{row}][{row}]", f"[{row}] garbage"):
        with pytest.raises(journey.ParseError, match="unexpected data after the JSON array"):
            journey.EventLog.from_json_text(text)


def test_numeric_ids_timestamps_and_values():
    log = journey.EventLog.from_json_text(
        '[{"customer_id":5,"timestamp":1,"touchpoint":"x"},{"customer_id":5.0,"timestamp":2,"touchpoint":"x"}]'
    )
    assert log.customers() == ["5"]
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_json_text(
            '{"customer_id":123456789012345678901234567890,"timestamp":1,"touchpoint":"x"}'
        )
    assert info.value.column == "customer_id"
    for ts in ("0000-01-01T00:30:00+01:00", "253402300800", "2026-01-05T13:45:12+24:00", "2026-01-05T13:45:12+01"):
        with pytest.raises(journey.ParseError) as info:
            journey.EventLog.from_csv_text(f"customer_id,timestamp,touchpoint\na,{ts},ad\n")
        assert info.value.column == "timestamp"
    leap = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\na,2016-12-31T23:59:60Z,ad\n")
    assert leap.journey("a")[0]["timestamp"] == "2016-12-31T23:59:59Z"
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint,value\na,1,ad,1e308\n")
    assert info.value.column == "value"


def test_pandas_round_trip_of_a_log_without_stages():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    log = journey.EventLog.from_csv_text(CSV)
    df = log.to_pandas()
    assert isinstance(df, pd.DataFrame)
    again = journey.EventLog.from_pandas(df)
    assert again.to_csv() == log.to_csv()


def test_polars_frame_with_an_all_none_column():
    pl = pytest.importorskip("polars")
    df = pl.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": [1, 2],
            "touchpoint": ["ad", "ad"],
            "stage": [None, None],
            "note": [None, None],
        }
    )
    log = journey.EventLog.from_polars(df)
    assert log.n_events == 2
    assert log.stages() == []


def test_a_property_named_like_an_event_column_is_refused():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"user": ["a"], "timestamp": [1], "touchpoint": ["x"], "customer_id": ["z"]})
    with pytest.raises(journey.JourneyError):
        journey.EventLog.from_pandas(df, customer="user")
