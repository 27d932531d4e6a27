import math

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
    r = surveys.nps(by="persona", log=log)
    keys = [g["key"] for g in r.groups]
    assert set(keys) >= {"deal_hunter", "researcher"}
    assert sum(g["n"] for g in r.groups) == r.n
    by_tp = surveys.csat(by="touchpoint")
    shipping = next(g for g in by_tp.groups if g["key"] == "checkout_shipping")
    purchase = next(g for g in by_tp.groups if g["key"] == "purchase")
    # The synthetic data scores abandoned checkouts low and smooth purchases high.
    assert shipping["csat"] < purchase["csat"]


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


RETENTION_CSV = (
    "customer_id,timestamp,touchpoint,value\n"
    "a,2026-01-05T09:00:00Z,purchase,10\na,2026-01-13T09:00:00Z,purchase,20\n"
    "b,2026-01-14T09:00:00Z,purchase,5\n"
)


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
