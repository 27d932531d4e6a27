import math
import pickle

import pytest

import journey


def test_nps_by_hand_with_ci():
    # 3 promoters, 1 passive, 1 detractor of 5: NPS = 100 (0.6 - 0.2) = 40;
    # Var = 0.6 + 0.2 - 0.4^2 = 0.64, SE = 100 sqrt(0.64 / 5) = 35.777, CI = 40 -+ 70.12
    r = journey.nps([10, 9, 9, 7, 3])
    assert (r.promoters, r.passives, r.detractors) == (3, 1, 1)
    assert r.nps == pytest.approx(40.0)
    assert r.se == pytest.approx(100 * math.sqrt(0.64 / 5))
    assert r.ci_low == pytest.approx(40 - 1.96 * r.se)
    assert r.ci_high == pytest.approx(min(100.0, 40 + 1.96 * r.se))


def test_missing_answers_are_skipped_and_bad_ones_rejected():
    assert journey.nps([10, None, float("nan"), 0]).n == 2
    with pytest.raises(journey.ArgumentError):
        journey.nps([11])
    with pytest.raises(journey.ArgumentError):
        journey.nps([7.5])


def test_empty_is_none_not_zero():
    r = journey.nps([])
    assert r.n == 0 and r.nps is None and r.se is None
    c = journey.csat([])
    assert c.csat is None and c.mean is None


def test_breakdown_by_persona_needs_the_log():
    log, surveys = journey.synthetic(customers=3000, seed=11)
    with pytest.raises(journey.ArgumentError):
        surveys.nps(by="persona")
    r = surveys.with_log(log).nps(by="persona")
    keys = [g["key"] for g in r.groups]
    assert set(keys) >= {"deal_hunter", "researcher"}
    assert sum(g["n"] for g in r.groups) == r.n
    by_tp = surveys.csat(by="touchpoint")
    shipping = next(g for g in by_tp.groups if g["key"] == "checkout_shipping")
    purchase = next(g for g in by_tp.groups if g["key"] == "purchase")
    # The synthetic data scores abandoned checkouts low and smooth purchases high.
    assert shipping["csat"] < purchase["csat"]


def test_with_log_joins_once_and_the_old_spelling_still_works():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint,channel\na,1,shop,web\nb,1,call,phone\nc,1,shop,web\n"
    )
    s = journey.Surveys.from_csv_text("customer_id,timestamp,nps,csat\na,2,10,5\nb,2,0,1\nc,2,6,4\n")
    joined = s.with_log(log)
    # web: a (10, promoter) and c (6, detractor) = 0; phone: b (0) = -100.
    nps = joined.nps(by="channel")
    assert [(g["key"], g["n"], g["nps"]) for g in nps.groups] == [("phone", 1, -100.0), ("web", 2, 0.0)]
    assert [(g["key"], g["csat"]) for g in joined.csat(by="channel").groups] == [("phone", 0.0), ("web", 100.0)]
    # The responses themselves are shared and unchanged; unjoined, the channel is unknown.
    assert len(joined) == len(s) == 3
    with pytest.raises(journey.ArgumentError):
        s.nps(by="channel")
    # `log=` is the deprecated spelling of the same join.
    with pytest.warns(DeprecationWarning, match="with_log"):
        old = s.nps(by="channel", log=log)
    assert old == nps
    # A joined Surveys pickles with its join.
    again = pickle.loads(pickle.dumps(joined))
    assert again.nps(by="channel") == nps


def test_retention_and_kpis_on_synthetic_data():
    log, _ = journey.synthetic(customers=3000, seed=11)
    r = log.retention(period="month", periods=3)
    assert r.cohorts
    for c in r.cohorts:
        # Start and return events are both purchases: cell 0 is always the whole cohort, and
        # cell 0 (the cohort's own period) is always observable.
        assert c["counts"][0] == c["size"]
        assert c["rates"][0] == 100.0
        assert len(c["counts"]) == 4
    k = log.kpis()
    assert k.n_customers == 3000
    assert k.aov == pytest.approx(k.revenue / k.n_orders)
    assert k.retention_rate is None  # no period given: S = 0
    with pytest.raises(journey.ArgumentError):
        log.retention(period="fortnight")


SURVEYS_CSV = (
    "customer_id,timestamp,touchpoint,nps,csat,ces\n"
    "a,1,app,10,5,2\nb,1,app,9,4,\nc,1,app,3,,6\n"
    "d,1,shop,6,2,7\ne,1,shop,10,,\nf,1,,8,3,1\n"
)


def test_breakdown_tables_have_groups_and_an_overall_row():
    # NPS: app [10, 9, 3] = 100 (2 - 1) / 3; shop [6, 10] = 0; no touchpoint [8] = 0;
    # overall [10, 9, 3, 6, 10, 8]: 100 (3 - 2) / 6.
    s = journey.Surveys.from_csv_text(SURVEYS_CSV)
    rows = s.nps(by="touchpoint").to_records()
    assert [(r["key"], r["overall"], r["n"]) for r in rows] == [
        ("app", False, 3),
        ("shop", False, 2),
        (None, False, 1),
        (None, True, 6),
    ]
    assert [r["nps"] for r in rows] == pytest.approx([100 / 3, 0.0, 0.0, 100 / 6])
    only = s.nps().to_records()
    assert len(only) == 1 and only[0]["overall"] is True and only[0]["nps"] == pytest.approx(100 / 6)
    # The result itself keeps its canonical shape.
    assert s.nps(by="touchpoint").to_dict()["groups"][0]["key"] == "app"
    assert "overall" not in s.nps().to_dict()
    # Pickling keeps the table.
    import pickle

    r = s.csat(by="touchpoint")
    assert pickle.loads(pickle.dumps(r)).to_records() == r.to_records()


def test_to_pandas_of_survey_scores():
    pd = pytest.importorskip("pandas")
    s = journey.Surveys.from_csv_text(SURVEYS_CSV)
    # Without `by`: one row, the overall figures. NPS as above; CSAT [5, 4, 2, 3]: 2 of 4
    # satisfied = 50%, mean 3.5; CES [2, 6, 7, 1]: mean 4, 2 of 4 answering 5-7.
    df = s.nps().to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 1
    assert bool(df["overall"][0]) and df["n"][0] == 6
    assert df["nps"][0] == pytest.approx(100 / 6)
    assert list(df["counts"][0]) == [0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 2]
    df = s.csat().to_pandas()
    assert (len(df), df["n"][0], df["csat"][0], df["mean"][0]) == (1, 4, 50.0, 3.5)
    df = s.ces().to_pandas()
    assert (len(df), df["n"][0], df["mean"][0], df["pct_5_7"][0]) == (1, 4, 4.0, 50.0)
    # With `by`: the groups, then the overall row, marked.
    df = s.csat(by="touchpoint").to_pandas()
    assert [None if pd.isna(k) else k for k in df["key"]] == ["app", "shop", None, None]
    assert df["overall"].tolist() == [False, False, False, True]
    assert df["n"].tolist() == [2, 1, 1, 4]
    assert df["csat"].tolist() == [100.0, 0.0, 0.0, 50.0]
    overall = df[df["overall"]]
    assert len(overall) == 1 and overall["mean"].iloc[0] == 3.5
    df = s.ces(by="touchpoint").to_pandas()
    assert df["mean"].tolist() == [4.0, 7.0, 1.0, 4.0]
    # A group of one answer has no spread: NaN in pandas.
    assert math.isnan(df["sd"][1])
    df = s.nps(by="touchpoint").to_pandas()
    assert df["n"].sum() == 2 * 6  # the groups add up to the overall row


RETENTION_CSV = (
    "customer_id,timestamp,touchpoint,value\n"
    "a,2026-01-05T09:00:00Z,purchase,10\na,2026-01-13T09:00:00Z,purchase,20\n"
    "b,2026-01-14T09:00:00Z,purchase,5\n"
)


def _cells(xs):
    return [None if x is None or x != x else int(x) for x in xs]


def test_to_pandas_of_retention_and_kpis():
    pd = pytest.importorskip("pandas")
    log = journey.EventLog.from_csv_text(RETENTION_CSV)
    # Cohorts W02 {a} and W03 {b}; a buys again in W03; the last event (Jan 14) is in W03, so
    # W04 and later cells are null.
    df = log.retention(period="week", periods=2).to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert df["cohort"].tolist() == ["2026-W02", "2026-W03"]
    assert df["size"].tolist() == [1, 1]
    assert _cells(df["counts"][0]) == [1, 1, None]
    assert _cells(df["counts"][1]) == [1, None, None]
    # Whole log: 2 customers, 3 orders, revenue 35.
    df = log.kpis().to_pandas()
    assert len(df) == 1
    assert (df["n_customers"][0], df["n_orders"][0], df["revenue"][0]) == (2, 3, 35.0)
    assert df["aov"][0] == pytest.approx(35 / 3)
    assert df["retention_rate"].isna().all()  # no start: S = 0, no rate


def test_nps_diff_of_results_and_groups():
    s = journey.Surveys.from_csv_text(SURVEYS_CSV)
    by_tp = s.nps(by="touchpoint")
    app, shop = by_tp.groups[0], by_tp.groups[1]
    # app [10, 9, 3] (NPS 33.3) - shop [6, 10] (NPS 0): the same as from the raw answers.
    d = journey.nps_diff(app, shop)
    assert d.diff == pytest.approx(100 / 3)
    assert d.to_dict() == journey.nps_diff([10, 9, 3], [6, 10]).to_dict()
    # Results: journey.nps(...) and a whole breakdown (its overall figures).
    assert journey.nps_diff(journey.nps([10, 9, 3]), [6, 10]).to_dict() == d.to_dict()
    whole = journey.nps_diff(by_tp, [10, 9, 3, 6, 10, 8])
    assert (whole.diff, whole.se) == (0.0, pytest.approx(math.sqrt(2) * by_tp.se))
    with pytest.raises(journey.ArgumentError, match="invalid argument b: counts .*expected 11"):
        journey.nps_diff(app, s.csat())
    with pytest.raises(journey.ArgumentError, match="invalid argument a: .*has no counts"):
        journey.nps_diff({"nps": 10}, [1])
    with pytest.raises(journey.ArgumentError, match="invalid argument a: .*got a string"):
        journey.nps_diff("10,9", [1])


def test_out_of_range_scores_say_the_scale():
    with pytest.raises(journey.ArgumentError, match="score -1 at position 0: expected an integer from 0 to 10$"):
        journey.nps([-1])
    with pytest.raises(journey.ArgumentError, match="score 300 at position 2: expected an integer from 0 to 10$"):
        journey.nps([1, None, 300])
    with pytest.raises(journey.ArgumentError, match="score 0 at position 0: expected an integer from 1 to 5$"):
        journey.csat([0])
    with pytest.raises(journey.ArgumentError, match="score 8 at position 1: expected an integer from 1 to 7$"):
        journey.ces([7, 8])
    with pytest.raises(journey.ArgumentError, match="score 7.5 at position 0: expected a whole number$"):
        journey.nps([7.5])


def test_kpi_bounds_as_seconds_datetimes_and_dates():
    import datetime as dt

    log = journey.EventLog.from_csv_text(RETENTION_CSV)
    # W03 = [2026-01-12, 2026-01-19) = [1768176000, 1768780800) in Unix seconds. Active: a
    # (13th), b (14th); before, Jan 5-11: a. Retained a; b is new. Orders 20 + 5.
    week = log.kpis(start="2026-01-12T00:00:00Z", end="2026-01-19T00:00:00Z")
    assert (week.active_start, week.retained, week.new_customers, week.revenue) == (1, 1, 1, 25.0)
    assert week.retention_rate == 100.0
    utc = dt.timezone.utc
    same = [
        {"start": 1768176000, "end": 1768780800},
        {"start": dt.datetime(2026, 1, 12), "end": dt.datetime(2026, 1, 19)},  # naive = UTC
        {"start": dt.datetime(2026, 1, 12, tzinfo=utc), "end": dt.date(2026, 1, 19)},
        {"start": dt.datetime(2026, 1, 12, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))), "end": "1768780800"},
    ]
    for bounds in same:
        k = log.kpis(**bounds)
        assert k == week, bounds
        assert (k.start, k.end) == ("2026-01-12T00:00:00Z", "2026-01-19T00:00:00Z")
    # A datetime with microseconds keeps them.
    k = log.kpis(start=dt.datetime(2026, 1, 12, 0, 0, 0, 500000))
    assert k.start == "2026-01-12T00:00:00.5Z"
    with pytest.raises(journey.ArgumentError, match="1768176000.5: expected RFC 3339 text or integer Unix seconds"):
        log.kpis(start=1768176000.5)
    with pytest.raises(journey.ArgumentError, match="expected RFC 3339 text or integer Unix seconds"):
        log.kpis(end=True)
    with pytest.raises(journey.ArgumentError, match="not after start"):
        log.kpis(start=dt.date(2026, 1, 19), end=1768176000)
