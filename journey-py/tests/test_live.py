"""Appending events and live results (docs/live.md)."""

import json

import pytest

import journey

HEAD = "customer_id,timestamp,touchpoint,channel\n"
FIRST = (
    HEAD
    + "m,2026-01-05T10:00:00Z,search,web\n"
    + "m,2026-01-05T10:10:00Z,purchase,web\n"
    + "z,2026-01-05T09:00:00Z,search,web\n"
)
BATCH = (
    HEAD
    + "m,2026-01-05T09:50:00Z,ad,social\n"  # late: before m's first event
    + "m,2026-01-05T10:10:00Z,cart,web\n"  # tied with m's purchase
    + "b,2026-01-05T08:00:00Z,search,web\n"  # a new customer, sorting first
)


def names(log, customer):
    return [e["touchpoint"] for e in log.journey(customer)]


def test_append_by_hand():
    log = journey.EventLog.from_csv_text(FIRST)
    r = log.append(BATCH)
    assert r == {"events": 3, "customers": 2, "new_customers": 1, "customer_ids": ["b", "m"]}
    assert log.customers() == ["b", "m", "z"]
    assert log.touchpoints() == ["ad", "cart", "purchase", "search"]
    # At 10:10, "cart" sorts before "purchase" (ties by content).
    assert names(log, "m") == ["ad", "search", "cart", "purchase"]
    whole = journey.EventLog.from_csv_text(FIRST + BATCH[len(HEAD):])
    assert log.to_csv() == whole.to_csv()
    # Input order: the log's purchase stays before the batch's cart.
    log = journey.EventLog.from_csv_text(FIRST, ties="input")
    log.append(BATCH, ties="input")
    assert names(log, "m") == ["ad", "search", "purchase", "cart"]


def test_append_takes_bytes_json_rows_and_arrow():
    rows = [
        {"customer_id": "m", "timestamp": "2026-01-05T09:50:00Z", "touchpoint": "ad", "channel": "social"},
        {"customer_id": "b", "timestamp": "2026-01-05T08:00:00Z", "touchpoint": "search", "channel": "web"},
    ]
    want = ["ad", "search", "purchase"]
    for batch, kw in [
        (HEAD.encode() + b"m,2026-01-05T09:50:00Z,ad,social\nb,2026-01-05T08:00:00Z,search,web\n", {}),
        (json.dumps(rows), {"format": "json"}),
        (rows, {}),
    ]:
        log = journey.EventLog.from_csv_text(FIRST)
        assert log.append(batch, **kw)["events"] == 2
        assert names(log, "m") == want and log.n_customers == 3
    pa = pytest.importorskip("pyarrow")
    t = pa.table({"user": ["m", "b"], "ts": ["2026-01-05T09:50:00Z", "2026-01-05T08:00:00Z"],
                  "touchpoint": ["ad", "search"]})
    log = journey.EventLog.from_csv_text(FIRST)
    assert log.append(t, customer="user", timestamp="ts")["new_customers"] == 1
    assert names(log, "m") == want


def test_the_format_of_a_batch_is_read_by_core_rule():
    # Text without a format is CSV; a bad format name or type is the same error as in JS.
    log = journey.EventLog.from_csv_text(FIRST)
    assert log.append(BATCH, format=None)["events"] == 3
    for bad, said in [("xml", '"xml"'), (3, "3")]:
        with pytest.raises(journey.ArgumentError) as e:
            log.append(BATCH, format=bad)
        assert str(e.value) == f'invalid argument format: {said}: expected "csv", "json" or "parquet"'
        assert e.value.code == "invalid_argument"
    assert log.n_events == 6
    # JSON text given as CSV (no format) is a CSV error, not a silent JSON read.
    with pytest.raises(journey.JourneyError):
        log.append('[{"customer_id": "m", "timestamp": 1, "touchpoint": "ad"}]')


def test_a_bad_batch_changes_nothing_and_lenient_reports():
    log = journey.EventLog.from_csv_text(FIRST)
    before = log.to_csv()
    with pytest.raises(journey.JourneyError) as e:
        log.append(HEAD + "m,2026-01-05T11:00:00Z,ad,web\nm,not a time,ad,web\n")
    assert "line 3" in str(e.value) and "timestamp" in str(e.value)
    assert log.to_csv() == before
    with pytest.raises(journey.JourneyError):
        log.append(12)
    assert log.to_csv() == before
    r = log.append(HEAD + "m,2026-01-05T11:00:00Z,ad,web\nm,not a time,ad,web\n", mode="lenient")
    assert r["events"] == 1
    assert log.n_events == 4
    rep = log.load_report
    assert (rep["rows_read"], rep["rows_kept"], rep["rows_skipped"]) == (5, 4, 1)
    assert "not a time" in rep["errors"][0]


def test_the_catalog_and_conversions_of_the_log_apply_to_batches():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\na,1,buy\n", conversions=["buy"]
    )
    log.append("customer_id,timestamp,touchpoint\nb,2,buy\n")
    assert log.summary()["n_conversions"] == 2


STEPS = ["search", "cart", "purchase"]


def test_live_results_by_hand_and_equal_to_the_whole_log():
    log = journey.EventLog.from_csv_text(FIRST)
    live = journey.LiveAnalysis(log, {
        "funnel": {"steps": STEPS},
        "retention": {"period": "day", "periods": 2, "start": "search", "ret": "purchase"},
        "attribution": {"model": "markov"},
        "sessions": {"per_customer": True},
    })
    assert live.analyses == ["funnel", "retention", "attribution", "sessions"]
    # m: search, purchase (no cart); z: search.
    assert [s["customers"] for s in live.result("funnel").steps] == [2, 0, 0]
    live.append(BATCH)
    # m: ad, search, cart, purchase (all three steps); z and b: search only.
    assert [s["customers"] for s in live.result("funnel").steps] == [3, 1, 1]
    whole = live.log
    assert whole.n_events == 6
    assert live.result("funnel").to_dict() == whole.funnel(STEPS).to_dict()
    ret = {"period": "day", "periods": 2, "start": "search", "ret": "purchase"}
    assert live.result("retention").to_dict() == whole.retention(**ret).to_dict()
    assert live.result("attribution").to_dict() == whole.attribution(model="markov").to_dict()
    assert live.result("sessions").to_dict() == whole.sessions(per_customer=True).to_dict()
    # Markov by hand: paths social > web > web (converting), web and web (null). Out of web:
    # web 1, conversion 1, null 2, so P(web) = 1/4 / (1 - 1/4) = 1/3 = P(social); from the
    # start social 1/3, web 2/3: P = 1/3. Without social: P = 2/3 * 1/3, effect 1/3; without
    # web: P = 0, effect 1. Credits 1/3 : 1 of the one conversion.
    rows = {r["channel"]: r["conversions"] for r in live.result("attribution").rows}
    assert rows == pytest.approx({"social": 0.25, "web": 0.75}, abs=1e-12)


def test_live_log_is_shared_until_the_next_append():
    log = journey.EventLog.from_csv_text(FIRST)
    live = journey.LiveAnalysis(log, {"funnel": {"steps": STEPS}})
    held = live.log
    live.append(BATCH)
    assert held.n_events == 3  # the held log is not changed by the append
    assert live.log.n_events == 6
    assert log.n_events == 3


def test_live_compact_and_n_events():
    log = journey.EventLog.from_csv_text(FIRST)
    live = journey.LiveAnalysis(log, {"funnel": {"steps": STEPS}, "attribution": {"model": "markov"}})
    live.append(BATCH)
    # The batch is kept aside (the log is not made): 3 + 3 events.
    assert live.n_events == 6
    before = (live.result("funnel").to_dict(), live.result("attribution").to_dict())
    live.compact()
    assert live.n_events == 6 and live.log.n_events == 6
    assert (live.result("funnel").to_dict(), live.result("attribution").to_dict()) == before
    assert [s["customers"] for s in live.result("funnel").steps] == [3, 1, 1]


def test_live_errors():
    log = journey.EventLog.from_csv_text(FIRST)
    with pytest.raises(journey.JourneyError) as e:
        journey.LiveAnalysis(log, {"report": {}})
    assert e.value.code == "invalid_argument"
    with pytest.raises(journey.JourneyError, match="explicit start and end"):
        journey.LiveAnalysis(log, {"kpis": {}})
    live = journey.LiveAnalysis(log, {"kpis": {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}})
    with pytest.raises(journey.JourneyError, match="expected one of kpis"):
        live.result("funnel")
    with pytest.raises(journey.JourneyError):
        live.append(HEAD + "m,bad,ad,web\n")
    assert live.log.n_events == 3
    live.append(HEAD + "q,2026-01-06T00:00:00Z,purchase,web\n")
    assert live.result("kpis").to_dict() == live.log.kpis(start="2026-01-01T00:00:00Z", end="2026-02-01T00:00:00Z").to_dict()


def test_live_nps_by_touchpoint_by_hand():
    # m answers 10 about search, z 0, and b (no events before the batch) 9.
    surveys = journey.Surveys.from_csv_text(
        "customer_id,timestamp,touchpoint,nps\n"
        "m,2026-01-05T10:01:00Z,search,10\n"
        "z,2026-01-05T09:01:00Z,search,0\n"
        "b,2026-01-05T08:01:00Z,search,9\n"
    )
    log = journey.EventLog.from_csv_text(FIRST)
    live = journey.LiveAnalysis(log, {"nps": {"by": "touchpoint"}}, surveys=surveys)
    live.append(BATCH)
    r = live.result("nps").to_dict()
    # 2 promoters, 1 detractor of 3 answers.
    assert r["n"] == 3 and r["nps"] == pytest.approx(100 / 3)
    assert r == surveys.with_log(live.log).nps(by="touchpoint").to_dict()


def test_partial_retract_is_the_inverse_of_merge():
    log = journey.EventLog.from_csv_text(FIRST + BATCH[len(HEAD):])
    # m reaches search, cart, purchase; z and b search only.
    ab = log.partial("funnel", steps=STEPS)
    only_m = journey.EventLog.from_csv_text(
        HEAD + "m,2026-01-05T09:50:00Z,ad,social\nm,2026-01-05T10:00:00Z,search,web\n"
        "m,2026-01-05T10:10:00Z,cart,web\nm,2026-01-05T10:10:00Z,purchase,web\n"
    ).partial("funnel", steps=STEPS)
    rest = ab.retract(only_m)
    assert [s["customers"] for s in rest.finish().steps] == [2, 0, 0]
    assert rest.merge(only_m).finish().to_dict() == ab.finish().to_dict()
    with pytest.raises(journey.JourneyError) as e:
        log.partial("funnel_steps").retract(log.partial("funnel_steps"))
    assert e.value.code == "invalid_argument"


def test_live_paths_and_map_equal_the_whole_log():
    surveys = journey.Surveys.from_csv_text(
        "customer_id,timestamp,touchpoint,nps\n"
        "m,2026-01-05T10:01:00Z,search,10\n"
        "b,2026-01-05T08:01:00Z,search,9\n"
    )
    live = journey.LiveAnalysis(
        journey.EventLog.from_csv_text(FIRST),
        {"conversion_paths": {}, "path_stats": {}, "map_from_data": {"min_responses": 1}},
        surveys=surveys,
    )
    live.append(BATCH)
    # b: web (no conversion); m: social, web, web, then the purchase; z: web.
    paths = live.result("conversion_paths").to_dict()
    assert (paths["n_paths"], paths["n_conversions"]) == (3, 1)
    assert [r["customer_id"] for r in paths["rows"]] == ["b", "m", "z"]
    whole = live.log
    assert paths == whole.conversion_paths().to_dict()
    assert live.result("path_stats").to_dict() == whole.path_stats().to_dict()
    assert live.result("map_from_data") == whole.map_from_data(surveys, min_responses=1)


def test_report_of_the_live_log_scores_its_open_journeys():
    # The six customers of docs/live.md ("Scoring open journeys"), half loaded, half appended.
    head = "customer_id,timestamp,touchpoint\n"
    first = head + "u1,1,a\nu1,2,b\nu2,1,a\nu3,1,a\nu4,1,b\n"
    live = journey.LiveAnalysis(journey.EventLog.from_csv_text(first), {"funnel": {"steps": ["a", "purchase"]}})
    live.append(
        head + "u1,3,purchase\nu2,2,b\nu2,3,a\nu3,2,c\nu3,3,purchase\n"
        "u5,1,c\nu5,2,purchase\nu5,3,c\nu6,1,c\nu6,2,purchase\n"
    )
    r = live.log.open_journeys(min_support=2, idle=False)
    assert [j["customer_id"] for j in r.journeys] == ["u2", "u4", "u5"]
    assert r.journeys[0]["probability"] == pytest.approx(17 / 40, abs=1e-12)
    page = journey.report(live.log, open_journeys={"min_support": 2, "idle": False})
    section = page[page.index("<h2>Open journeys") :]
    assert "3 customers have touches" in section
    assert "47.5%" in section  # u2 at a is advised b, which leads to 19/40
    # After the next append the report follows: u4 converts, two journeys stay open.
    live.append(head + "u4,2,purchase\n")
    section = journey.report(live.log, open_journeys={"min_support": 2, "idle": False})
    assert "2 customers have touches" in section[section.index("<h2>Open journeys") :]


def test_live_append_named_with_another_tie_rule_is_refused():
    # Ties by input order: m's purchase (the log's) stays before the batch's cart at 10:10.
    log = journey.EventLog.from_csv_text(FIRST, ties="input")
    live = journey.LiveAnalysis(log, {"funnel": {"steps": STEPS}}, ties="input")
    with pytest.raises(journey.ArgumentError, match="ties"):
        live.append(BATCH, ties="content")
    assert live.n_events == 3
    live.append(BATCH)  # no rule named: the live analysis's
    assert live.n_events == 6
    assert [s["customers"] for s in live.result("funnel").steps] == [3, 1, 0]



def test_bench_live_script_runs_and_its_funnel_equals_the_whole_log(tmp_path):
    # examples/python/bench_live.py (docs/benchmarks.md) on a small log: three rounds of 300
    # events; its own check compares the live funnel with the whole log's.
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "bench_live.py"
    log, _ = journey.synthetic(300, seed=7)
    path = tmp_path / "events.csv"
    log.to_csv(str(path))
    p = subprocess.run(
        [sys.executable, str(script), str(path), "--rounds", "3", "--batch", "300"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["rounds"] == 3
    assert out["events"] == log.n_events + 900
    assert out["funnel_equal_to_whole_log"] is True
