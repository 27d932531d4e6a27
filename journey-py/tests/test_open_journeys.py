"""Open journeys: scores, next best touchpoint and the backtest (docs/live.md)."""

import pytest

import journey
from conftest import fixture

# The three-state chain of the Rust tests, worked by hand there (open_journeys.rs):
# paths a>b>purchase, a>b>a (open), a>c>purchase, b (open), c>purchase then c (open),
# c>purchase. x_a = 17/40, x_b = 19/40, x_c = 3/4; expected further touches 11/10, 7/10, 0.
THREE = fixture("three_state_chain.csv")


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(THREE)


def test_three_state_chain_by_hand(log):
    r = log.open_journeys(idle=False, min_support=2)
    assert r.kind == "open_journeys"
    assert r.conversion_probability == pytest.approx(4 / 7)
    rows = [(j["customer_id"], j["state"], j["n_touches"]) for j in r.journeys]
    assert rows == [("u2", "a", 3), ("u4", "b", 1), ("u5", "c", 1)]
    assert [j["probability"] for j in r.journeys] == pytest.approx([17 / 40, 19 / 40, 3 / 4])
    assert [j["expected_touches"] for j in r.journeys] == pytest.approx([11 / 10, 7 / 10, 0])
    # From a, c leads highest (3/4) but only one path made that step: b (2 paths) is advised.
    u2 = r.journeys[0]
    assert (u2["status"], u2["next_best"], u2["support"]) == ("recommend", "b", 2.0)
    assert u2["uplift"] == pytest.approx(1 / 20)
    assert [j["status"] for j in r.journeys[1:]] == ["not_enough_data", "not_enough_data"]
    top = [(t["state"], t["path"]) for t in r.top_paths]
    assert top[:3] == [("a", ["c"]), ("a", ["b"]), ("a", ["b", "a", "c"])]
    assert r.top_paths[0]["probability"] == pytest.approx(3 / 16)
    # The default minimum support (30 paths) advises nothing on seven paths.
    assert {j["status"] for j in log.open_journeys().journeys} <= {"not_enough_data", "no_uplift"}


def test_frames(log):
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    r = log.open_journeys(idle=False, min_support=1)
    df = r.to_polars()
    assert df.height == 3
    assert df["customer_id"].to_list() == ["u2", "u4", "u5"]
    assert df["probability"].dtype == pl.Float64
    assert df["status"].to_list() == ["recommend", "no_uplift", "not_enough_data"]
    assert df["next_best"].to_list() == ["c", None, None]
    assert r.to_pandas()["state"].tolist() == ["a", "b", "c"]
    assert r.to_arrow().num_rows == 3
    states = r.to_polars("states")
    assert states["state"].to_list() == ["a", "b", "c"]
    assert states["open_journeys"].to_list() == [1, 1, 1]
    nt = r.to_pandas("next_touches")
    assert nt["touchpoint"].tolist() == ["c", "b", "a"]
    assert r.to_polars("top_paths").height == 7
    assert r.to_records() == [dict(j) for j in r.journeys]


def test_silence_by_hand():
    # One state s: x1, x2 convert 10 s and 100 s after s; x3, x4, x5 wait at s since 0, 50,
    # 95; the log ends at 100. x_s = 2/5 and q = 2/5; waiting times [10, 100]. Silence 100 s:
    # 0; 50 s: G = 1/2, 2/5 x 1/2 / (2/5 x 1/2 + 3/5) = 1/4; 5 s: G = 1, 2/5.
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "x1,0,s\nx1,10,purchase\nx2,0,s\nx2,100,purchase\nx3,0,s\nx4,50,s\nx5,95,s\n"
    )
    r = log.open_journeys()
    assert [j["idle_s"] for j in r.journeys] == [100.0, 50.0, 5.0]
    assert [j["probability"] for j in r.journeys] == pytest.approx([0.0, 0.25, 0.4])


def test_as_of_and_only_unconverted(log):
    assert [j["customer_id"] for j in log.open_journeys(only_unconverted=True).journeys] == [
        "u2",
        "u4",
    ]
    r = log.open_journeys(as_of=3, idle=False)
    assert r.as_of == "1970-01-01T00:00:03Z"
    assert [j["state"] for j in r.journeys] == ["b", "b", "c", "b"]
    assert r.journeys[2]["probability"] == pytest.approx(2 / 3)
    assert log.open_journeys(as_of="1970-01-01T00:00:03Z", idle=False) == r


def test_backtest_by_hand():
    # Fit before T = 10; u2 (at c) and u3 (at b) convert within 14 days, u4 (at b) later.
    # Markov: u2 0, u3 1/3, u4 1/3: AUC (0 + 1/2) / 2 = 1/4; Brier 14/27. Overall 1/4: AUC 1/2.
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "u1,1,a\nu1,2,b\nu1,3,purchase\nu2,1,a\nu2,2,c\nu2,100,purchase\n"
        "u3,1,a\nu3,2,b\nu3,11,purchase\nu4,5,b\nu4,2000000,purchase\n"
    )
    r = log.open_journeys_backtest(as_of=10, idle=False, bins=2)
    assert (r.n_open, r.n_converted) == (3, 2)
    assert [p["auc"] for p in r.predictors] == pytest.approx([0.25, 0.25, 0.5])
    assert r.predictors[0]["brier"] == pytest.approx(14 / 27)
    assert r.markov_beats_baselines is False
    pl = pytest.importorskip("polars")
    cal = r.to_polars("calibration")
    assert cal.height == 6
    assert cal["predictor"].to_list()[:2] == ["markov", "markov"]
    assert r.to_polars()["predictor"].to_list() == ["markov", "last_touch_rate", "overall_rate"]
    assert isinstance(cal, pl.DataFrame)


def test_bad_options(log):
    with pytest.raises(journey.ArgumentError) as e:
        log.open_journeys(order=7)
    assert e.value.code == "invalid_argument" and "order" in str(e.value)
    with pytest.raises(journey.ArgumentError, match="as_of"):
        log.open_journeys(as_of="yesterday")
    with pytest.raises(journey.ArgumentError, match="as_of"):
        log.open_journeys_backtest()
    with pytest.raises(journey.ArgumentError, match="unknown field"):
        log.open_journeys(colour="red")


def test_synthetic_backtest_beats_baselines():
    log, _ = journey.synthetic(customers=20000, seed=42)
    r = log.open_journeys_backtest(as_of="2026-05-01T00:00:00Z")
    auc = {p["predictor"]: p["auc"] for p in r.predictors}
    assert auc["markov"] > auc["last_touch_rate"] and auc["markov"] > auc["overall_rate"]
    assert r.markov_beats_baselines is True


def test_report_section_when_asked(log):
    assert "Open journeys" not in journey.report(log)
    page = journey.report(log, open_journeys={"min_support": 2, "idle": False})
    section = page[page.index("<h2>Open journeys") :]
    assert "3 customers have touches" in section
    assert "47.5%" in section  # u2 at a is advised b, which leads to 19/40
