"""Conversion drivers (docs/drivers.md), checked by hand."""

import datetime
import math
from fractions import Fraction

import pytest

import journey

# 40 customers (touches, converts, persona, how many); 12 convert.
GROUPS = [
    (["demo", "webinar"], True, "pro", 2),
    (["demo"], True, "basic", 8),
    (["demo"], False, "pro", 2),
    (["webinar"], False, "pro", 1),
    (["ad"], True, "basic", 2),
    (["ad"], False, "basic", 24),
    (["ad"], False, "", 1),
]


def groups_csv():
    rows = ["customer_id,timestamp,touchpoint,channel,persona"]
    i = 0
    for touches, converts, persona, n in GROUPS:
        for _ in range(n):
            i += 1
            for k, t in enumerate(touches):
                rows.append(f"c{i:02},{k * 10},{t},{'social' if t == 'ad' else 'web'},{persona}")
            if converts:
                rows.append(f"c{i:02},100,purchase,web,{persona}")
    return "\n".join(rows) + "\n"


def fisher(a, b, c, d):
    """Fisher's exact test by enumeration, in exact fractions."""
    r1, c1, n = a + b, a + c, a + b + c + d

    def p(x):
        return Fraction(math.comb(c1, x) * math.comb(n - c1, r1 - x), math.comb(n, r1))

    po = p(a)
    return float(sum(p(x) for x in range(max(0, r1 + c1 - n), min(r1, c1) + 1) if p(x) <= po))


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(groups_csv())


def test_drivers_by_hand(log):
    d = log.conversion_drivers(properties="persona")
    assert (d.n_customers, d.converters, d.n_tested, d.n_significant) == (40, 12, 5, 2)
    assert [r["label"] for r in d.rows] == ["demo", "webinar", "persona = pro", "persona = basic", "ad"]
    by = {r["label"]: r for r in d.rows}
    demo = by["demo"]
    table = [demo[k] for k in ("converters_with", "non_converters_with", "converters_without", "non_converters_without")]
    assert table == [10, 2, 2, 26]
    assert demo["odds_ratio"] == pytest.approx(65.0)
    assert demo["p_value"] == pytest.approx(389 / 85951592, rel=1e-9)
    assert demo["p_value"] == pytest.approx(fisher(10, 2, 2, 26), rel=1e-9)
    # Woolf: 65 * exp(-1.959964 * sqrt(1/10 + 1/2 + 1/2 + 1/26)).
    se = math.sqrt(0.1 + 0.5 + 0.5 + 1 / 26)
    assert demo["ci_low"] == pytest.approx(65 * math.exp(-1.959963984540054 * se), rel=1e-12)
    assert demo["significant"] and demo["direction"] == "positive" and demo["test"] == "fisher"
    # A lift of 2.47 on three customers: p = 2068 / 9880, q = p * 5 / 3, not significant.
    web = by["webinar"]
    assert web["lift"] == pytest.approx((2 / 3) / (10 / 37))
    assert web["p_value"] == pytest.approx(2068 / 9880, rel=1e-9)
    assert web["q_value"] == pytest.approx(2068 / 9880 * 5 / 3, rel=1e-9)
    assert not web["significant"]
    assert by["ad"]["q_value"] == pytest.approx(83 / 4523768 * 5 / 2, rel=1e-9)
    assert by["persona = pro"]["value"] == "pro"
    assert by["persona = pro"]["p_value"] == pytest.approx(fisher(2, 3, 10, 25), rel=1e-9)


def test_drivers_channels_and_funnel_step(log):
    d = log.conversion_drivers(level="channel", min_customers=4)
    web = next(r for r in d.rows if r["name"] == "web")
    assert (web["kind"], web["converters_with"], web["non_converters_with"]) == ("channel", 10, 3)
    f = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "a,0,view\na,10,cart\na,20,coupon\na,30,buy\n"
        "b,0,view\nb,10,cart\nb,20,chat\nb,200000,coupon\n"
        "c,0,view\nc,10,cart\nc,20,coupon\n"
    )
    d = f.conversion_drivers(steps=["view", "cart", "buy"], window=datetime.timedelta(days=1))
    assert (d.outcome, d.step, d.outcome_label) == ("step", 3, "cart -> buy")
    assert (d.n_customers, d.converters) == (3, 1)
    coupon = next(r for r in d.rows if r["label"] == "coupon")
    # a converts, c does not; b's coupon is outside the window: [1, 1, 0, 1].
    assert (coupon["converters_with"], coupon["non_converters_with"]) == (1, 1)
    assert coupon["p_value"] == pytest.approx(1.0)


def test_drivers_frames_html_and_chart(log):
    d = log.conversion_drivers(properties=["persona"])
    pd = pytest.importorskip("pandas")
    frame = d.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["label"]) == [r["label"] for r in d.rows]
    assert frame.loc[frame["label"] == "ad", "odds_ratio"].iloc[0] == pytest.approx(0.024)
    pl = pytest.importorskip("polars")
    assert pl.DataFrame(d.to_polars())["significant"].to_list() == [True, False, False, False, True]
    pa = pytest.importorskip("pyarrow")
    assert pa.table(d).num_rows == 5
    html = d._repr_html_()
    assert "webinar" in html and "persona = pro" in html
    svg = d.to_svg()
    assert svg.startswith("<svg") and "odds ratio" in svg and "webinar" in svg
    assert d.to_dict()["rows"][0]["label"] == "demo"


def test_drivers_errors(log):
    with pytest.raises(journey.ArgumentError, match='"age" is not a property of the log'):
        log.conversion_drivers(properties=["age"])
    with pytest.raises(journey.ArgumentError, match="expected a step from 2 to 2"):
        log.conversion_drivers(steps=["ad", "purchase"], step=5)
    with pytest.raises(journey.ArgumentError, match="alpha"):
        log.conversion_drivers(alpha=0)
    with pytest.raises(journey.ArgumentError, match="unknown field"):
        log.conversion_drivers(propertys=["persona"])
    empty = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\n")
    d = empty.conversion_drivers()
    assert d.rows == [] and d.conversion_rate is None


# Funnel as_of lives with the other issue-17 additions.
OPEN = (
    "customer_id,timestamp,touchpoint\n"
    "a,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n"
    "d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\ng,25,cart\n"
)


def test_funnel_as_of_in_progress():
    log = journey.EventLog.from_csv_text(OPEN)
    f = log.funnel(["view", "cart", "buy"], window="10s", as_of=20)
    # As of 20 (g's cart at 25 not yet): d, e, f, g may still reach cart, c may still buy.
    assert [s["customers"] for s in f.steps] == [7, 3, 1]
    assert [s["in_progress"] for s in f.open["steps"]] == [0, 4, 1]
    assert f.open["steps"][2]["dropped"] == 1 and f.open["conversion"] == pytest.approx(0.5)
    assert f.steps[1]["dropped"] == 4  # the usual figure, unchanged
    end = log.funnel(["view", "cart", "buy"], window="10s", as_of="end")
    assert end.open["as_of"] == "1970-01-01T00:00:25Z"
    assert [s["in_progress"] for s in end.open["steps"]] == [0, 1, 1]
    # By default (and with None) as of the data end, as "end".
    for default in (log.funnel(["view", "cart", "buy"], window="10s"),
                    log.funnel(["view", "cart", "buy"], window="10s", as_of=None)):
        assert default.to_dict() == end.to_dict()
    # False: no open-window accounting; the per-step figures are the same.
    off = log.funnel(["view", "cart", "buy"], window="10s", as_of=False)
    assert "open" not in off.to_dict()
    assert off.steps == end.steps
    with pytest.raises(journey.ArgumentError, match="as_of"):
        log.funnel(["view"], as_of="soon")


def test_funnel_trend_and_after_drop_off():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,buy\nb,2026-01-01T20:00:00Z,view\n"
        "c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,buy\nd,2026-01-03T09:00:00Z,view\n"
        "e,2026-01-03T09:30:00Z,view\ne,2026-01-03T09:40:00Z,faq\n"
    )
    f = log.funnel(["view", "buy"], window="1d", trend="day", after_drop_off=3)
    # Data end Jan 3 09:40: only Jan 1's windows (closing by Jan 2 24:00) have all closed.
    assert [(t["period"], t["entered"], t["converted"], t["complete"]) for t in f.trend] == [
        ("2026-01-01", 2, 1, True),
        ("2026-01-02", 1, 1, False),
        ("2026-01-03", 2, 0, False),
    ]
    after = f.after_drop_off[0]
    assert after["step"] == 2 and after["dropped"] == 3
    # b and d: nothing after their view; e: faq. Last seen: b, d at view, e at faq.
    assert [(x["touchpoint"], x["customers"]) for x in after["next"]] == [(None, 2), ("faq", 1)]
    assert [(x["touchpoint"], x["customers"]) for x in after["last"]] == [("view", 2), ("faq", 1)]
