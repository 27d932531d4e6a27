"""Retention with a threshold of return events per period, and unbounded retention."""

import pytest

import journey
from conftest import fixture

# ISO weeks: W02 = Jan 5-11, W03 = Jan 12-18, W04 = Jan 19-25, W05 = Jan 26-Feb 1.
# a buys in W02, W03, W05; b twice in W02, then W04; c in W02; d in W03, W04; e W03 (Sunday
# 23:59:59), W04 (Monday 00:00); f in W04; g only browses (its last visit, W05, ends the data).
CSV = fixture("weekly_purchases.csv")


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(CSV)


def counts(r):
    return [c["counts"] for c in r.cohorts]


def test_default_is_unchanged(log):
    r = log.retention(periods=3)
    assert counts(r) == [[3, 1, 1, 1], [2, 2, 0, None], [1, 0, None, None]]
    assert "min_returns" not in r.to_dict() and "unbounded" not in r.to_dict()


def test_min_returns(log):
    # Only b has two purchases in one week (its first).
    r = log.retention(periods=3, min_returns=2)
    assert counts(r) == [[1, 0, 0, 0], [0, 0, 0, None], [0, 0, None, None]]
    assert [c["size"] for c in r.cohorts] == [3, 2, 1]
    assert r.min_returns == 2


def test_unbounded(log):
    # W02: a buys in weeks 0, 1, 3 and b in 0, 2: week 1 or later a, b; week 2 or later a, b.
    r = log.retention(periods=3, unbounded=True)
    assert counts(r) == [[3, 2, 2, 1], [2, 2, 0, None], [1, 0, None, None]]
    assert r.cohorts[0]["rates"][1] == pytest.approx(200 / 3)
    # With one cell after the cohort's week, b's purchase in week 2 still counts in it.
    assert counts(log.retention(periods=1, unbounded=True))[0] == [3, 2]
    frame = r.to_pandas()
    assert list(frame["size"]) == [3, 2, 1]
    assert r.to_svg().startswith("<svg")


def test_bad_min_returns(log):
    with pytest.raises(journey.ArgumentError, match="min_returns"):
        log.retention(min_returns=0)
