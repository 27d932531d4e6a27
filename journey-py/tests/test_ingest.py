import io
import pathlib

import pytest

import journey

CSV = (
    "customer_id,timestamp,touchpoint,channel,value\n"
    "b,2026-01-02T00:00:00Z,purchase,web,20\n"
    "a,2026-01-01T00:00:00Z,ad,social,\n"
    "a,2026-01-01T00:00:00Z,site,web,\n"
)


def test_from_csv_text_sizes_and_order():
    log = journey.EventLog.from_csv_text(CSV)
    assert (log.n_events, log.n_customers, len(log)) == (3, 2, 3)
    assert log.touchpoints() == ["ad", "purchase", "site"]
    assert log.channels() == ["social", "web"]
    # Ties in content order (touchpoint name first).
    assert [e["touchpoint"] for e in log.journey("a")] == ["ad", "site"]
    assert log.journey("b")[0]["value"] == 20.0
    assert log.journey("a")[0]["value"] is None
    with pytest.raises(KeyError):
        log.journey("nobody")


def test_read_events_from_path_and_file(tmp_path: pathlib.Path):
    p = tmp_path / "events.csv"
    p.write_text(CSV)
    a = journey.read_events(p)
    b = journey.read_events(str(p))
    c = journey.read_events(io.StringIO(CSV))
    d = journey.read_events(io.BytesIO(CSV.encode()))
    assert a.to_csv() == b.to_csv() == c.to_csv() == d.to_csv()


def test_json_lines(tmp_path: pathlib.Path):
    p = tmp_path / "events.jsonl"
    p.write_text('{"customer_id": "a", "timestamp": 1767225600, "touchpoint": "ad"}\n')
    log = journey.read_events(p)
    assert log.journey("a")[0]["timestamp"] == "2026-01-01T00:00:00Z"


def test_error_carries_code_line_column():
    bad = "customer_id,timestamp,touchpoint\na,2026-01-01T00:00:00Z,ad\nb,not-a-time,ad\n"
    with pytest.raises(journey.ParseError) as info:
        journey.EventLog.from_csv_text(bad)
    e = info.value
    assert isinstance(e, journey.JourneyError) and isinstance(e, ValueError)
    assert (e.code, e.line, e.column) == ("invalid_value", 3, "timestamp")
    assert '"not-a-time"' in str(e)


def test_missing_column_and_bad_option():
    with pytest.raises(journey.MissingColumnError) as info:
        journey.EventLog.from_csv_text("customer_id,touchpoint\na,b\n")
    assert info.value.code == "missing_column"
    with pytest.raises(journey.ArgumentError):
        journey.EventLog.from_csv_text(CSV, mood="happy")


def test_lenient_mode_reports():
    bad = "customer_id,timestamp,touchpoint\na,2026-01-01T00:00:00Z,ad\nb,nope,ad\n"
    log = journey.EventLog.from_csv_text(bad, mode="lenient")
    r = log.load_report
    assert (r["rows_read"], r["rows_kept"], r["rows_skipped"]) == (2, 1, 1)
    assert "line 3" in r["errors"][0]


def test_empty_input_is_a_valid_log():
    log = journey.EventLog.from_csv_text("")
    assert (log.n_events, log.n_customers, log.touchpoints()) == (0, 0, [])
    assert log.summary()["first_event"] is None


def test_catalog_and_conversions():
    csv = "customer_id,timestamp,touchpoint\na,1,ig\na,2,signup\n"
    log = journey.EventLog.from_csv_text(
        csv, catalog={"ig": {"channel": "social", "stage": "awareness"}}, conversions=["signup"]
    )
    assert log.journey("a")[0]["channel"] == "social"
    assert log.journey("a")[0]["stage"] == "awareness"
    assert log.summary()["n_conversions"] == 1


def test_synthetic_round_trips_through_csv(tmp_path: pathlib.Path):
    log, surveys = journey.synthetic(customers=300, seed=3)
    assert log.n_customers == 300
    assert len(surveys) > 0
    p = tmp_path / "s.csv"
    log.to_csv(p)
    again = journey.read_events(p)
    assert again.to_csv() == log.to_csv()
    assert "persona" in log.properties()
    s2 = journey.Surveys.from_csv_text(surveys.to_csv())
    assert s2.to_csv() == surveys.to_csv()


def test_map_round_trip():
    doc = {
        "format": "journey-map/1",
        "name": "Shop",
        "personas": [{"name": "Ann"}],
        "touchpoints": [{"name": "site", "channel": "web", "stage": "consideration"}],
        "steps": [{"stage": "consideration", "touchpoint": "site", "emotion": -1.5, "persona": "Ann"}],
    }
    m = journey.JourneyMap.from_dict(doc)
    assert m.stages()[:2] == ["awareness", "consideration"]
    assert journey.JourneyMap.from_json(m.to_json()) == m
    assert m.to_dict()["steps"][0]["emotion"] == -1.5
    bad = dict(doc, steps=[{"stage": "consideration", "emotion": 5}])
    with pytest.raises(journey.MapError) as info:
        journey.JourneyMap.from_dict(bad)
    assert info.value.code == "invalid_map"
