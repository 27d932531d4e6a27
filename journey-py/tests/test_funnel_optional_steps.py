"""Optional funnel steps (docs/journeys.md, "Optional steps"), checked by hand."""

import pytest

import journey
from conftest import fixture

# a takes every step; b skips the coupon; c's coupon lies between two carts (on the way to the
# second); d stops after the coupon; e's coupon comes after its cart and buy (not on the way).
CSV = fixture("optional_steps.csv")
STEPS = ["view", {"touchpoint": "coupon", "optional": True}, "cart", "buy"]


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(CSV)


def test_optional_step_by_hand(log):
    f = log.funnel(STEPS)
    s = f.steps
    assert [r["customers"] for r in s] == [5, 3, 4, 3]
    # `optional` is shown only on optional steps (None in the other rows).
    assert [r.get("optional") for r in s] == [None, True, None, None]
    # The coupon: 3 of the 5 views, nobody dropped there; times 10, 6, 5 s.
    assert s[1]["conversion_from_previous"] == pytest.approx(0.6)
    assert (s[1]["dropped"], s[1]["drop_off"]) == (0, None)
    assert s[1]["median_time_from_previous_s"] == 6.0
    assert s[1]["mean_time_from_previous_s"] == pytest.approx(7.0)
    # The cart is measured from the view: d dropped; times 20, 10, 5, 3 s.
    assert s[2]["conversion_from_previous"] == pytest.approx(0.8)
    assert s[2]["dropped"] == 1
    assert s[2]["median_time_from_previous_s"] == 7.5
    assert s[3]["conversion_from_previous"] == pytest.approx(0.75)
    assert f.conversion == pytest.approx(0.6)
    # A list of touchpoints works as for any step.
    g = log.funnel(["view", {"touchpoint": ["coupon", "nothing"], "optional": True}, "buy"])
    # a's coupon is before its buy; c and d never buy and have one after their view; e's comes
    # after its buy.
    assert [r["customers"] for r in g.steps] == [5, 3, 3]


def test_optional_step_with_breakdown(log):
    f = log.funnel(STEPS, breakdown="persona")
    by = {g["value"]: [r["customers"] for r in g["steps"]] for g in f.groups}
    assert by == {"x": [2, 1, 2, 2], "y": [3, 2, 2, 1]}


@pytest.mark.parametrize(
    "steps, kwargs, message",
    [
        ([{"touchpoint": "view", "optional": True}, "buy"], {}, "step 1 is optional"),
        (["view", {"touchpoint": "buy", "optional": True}], {}, "step 2 is optional"),
        (STEPS, {"mode": "strict"}, "strict"),
        (["view", {"touchpoint": "coupon", "optional": "yes"}, "buy"], {}, '"optional" is "yes"'),
        (["view", {"optional": True}, "buy"], {}, '"touchpoint" is missing'),
    ],
)
def test_optional_step_errors(log, steps, kwargs, message):
    with pytest.raises(journey.JourneyError) as e:
        log.funnel(steps, **kwargs)
    assert e.value.code == "invalid_argument"
    assert message in str(e.value)


def test_optional_step_refused_where_not_available(log):
    with pytest.raises(journey.JourneyError, match="step 2 is optional"):
        log.conversion_drivers(steps=STEPS)
    with pytest.raises(journey.JourneyError, match="step 2 is optional"):
        log.partial("funnel", steps=STEPS)
