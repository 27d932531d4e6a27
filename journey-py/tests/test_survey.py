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
