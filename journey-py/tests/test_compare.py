"""What changed (docs/compare.md): the worked example checked by hand."""

import pytest

import journey


def two_weeks_csv():
    # Week 1 (a): 40 view, 30 add to cart, 20 buy, 5 of them twice; week 2 (b): 40, 30, 10, 5.
    rows = ["customer_id,timestamp,touchpoint,persona"]
    for side, day, buyers in [("a", "02", 20), ("b", "09", 10)]:
        for i in range(40):
            ev = [(0, "view")]
            if i < 30:
                ev.append((1, "cart"))
            if i < buyers:
                ev.append((2, "purchase"))
            if i < 5:
                ev.append((3, "purchase"))
            rows += [f"{side}{i},2026-01-{day}T10:{m:02d}:00Z,{tp},week{side}" for m, tp in ev]
    return "\n".join(rows) + "\n"


WEEK1 = {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"}
WEEK2 = {"from": "2026-01-08T00:00:00Z", "to": "2026-01-15T00:00:00Z"}


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(two_weeks_csv())


def test_compare_two_weeks_by_hand(log):
    r = log.compare(WEEK1, WEEK2, steps=["view", "cart", "purchase"])
    assert (r.a["n_customers"], r.b["n_customers"]) == (40, 40)
    rows = r.rows
    assert [x["metric"] for x in rows] == [
        "funnel_step", "funnel_step", "funnel_conversion", "conversion_rate", "repeat_purchase_rate"]
    # cart -> purchase: 20/30 vs 10/30, pooled 1/2, z = -2.58199: p = erfc(2.58199 / sqrt 2).
    cart = rows[1]
    assert cart["label"] == "cart \u2192 purchase"
    assert cart["change"] == pytest.approx(-1 / 3)
    assert cart["p_value"] == pytest.approx(0.009823274507519254, rel=1e-9)
    assert (cart["ci_low"], cart["ci_high"]) == pytest.approx((-0.5327775421131189, -0.08037839784100897))
    assert cart["test"] == "z_test" and cart["direction"] == "down"
    # Repeat purchases 5/20 vs 5/10: an expected cell below 5, Fisher: p = 0.2308.
    rep = rows[4]
    assert rep["test"] == "fisher"
    assert rep["p_value"] == pytest.approx(0.23079918582167458, rel=1e-9)
    # Benjamini-Hochberg over 5: 5 x 0.0209213 / 3 for the three smallest.
    assert [x["q_value"] for x in rows] == pytest.approx(
        [1.0, 0.034868892229656716, 0.034868892229656716, 0.034868892229656716, 0.28849898227709325])
    assert [x["significant"] for x in rows] == [False, True, True, True, False]
    assert (r.n_tested, r.n_significant) == (5, 3)
    # The rows as a table.
    pd = pytest.importorskip("pandas")
    df = r.to_pandas()
    assert isinstance(df, pd.DataFrame) and len(df) == 5


def test_compare_segments(log):
    a = {"property": "persona", "value": "weeka", "label": "first"}
    b = {"property": "persona", "value": "weekb"}
    r = log.compare(a, b, steps=["view", "cart", "purchase"], kpis=False)
    assert r.a["label"] == "first" and r.b["label"] == "persona = weekb"
    assert len(r.rows) == 3
    assert r.rows[1]["p_value"] == pytest.approx(0.009823274507519254, rel=1e-9)


@pytest.mark.parametrize(
    "a, b, kwargs, message",
    [
        ({}, WEEK2, {}, "a: expected a period"),
        (WEEK1, {"from": "2026-01-20T00:00:00Z", "to": "2026-01-10T00:00:00Z"}, {}, "is not before to"),
        ({"property": "plan", "value": "pro"}, WEEK2, {}, '"plan" is not a property'),
        (WEEK1, WEEK2, {"alpha": 2}, "alpha"),
        (WEEK1, {"form": 1}, {}, "unknown field"),
    ],
)
def test_compare_errors(log, a, b, kwargs, message):
    with pytest.raises(journey.JourneyError) as e:
        log.compare(a, b, **kwargs)
    assert e.value.code == "invalid_argument"
    assert message in str(e.value)
