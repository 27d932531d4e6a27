"""Data-driven Shapley, Markov order selection and sequence removal effects, by hand
(docs/attribution.md)."""

import math

import pytest

import journey

HEADER = "path,total_conversions,total_conversion_value,total_null\n"

# Two channels from an event log: a converts 3 times (20 each) and ends in null once; a > b
# converts twice (10 each) and ends in null twice; b ends in null twice.
TWO = "customer_id,timestamp,touchpoint,channel,value\n" + "".join(
    [f"u{i},1,a,a,\nu{i},2,purchase,web,20\n" for i in (1, 2, 3)]
    + ["u4,1,a,a,\n"]
    + [f"u{i},1,a,a,\nu{i},2,b,b,\nu{i},3,purchase,web,10\n" for i in (5, 6)]
    + [f"u{i},1,a,a,\nu{i},2,b,b,\n" for i in (7, 8)]
    + [f"u{i},1,b,b,\n" for i in (9, 10)]
)


def test_data_driven_shapley_two_channels_by_hand():
    log = journey.EventLog.from_csv_text(TWO)
    r = log.attribution(model="data_driven_shapley")
    # v(a) = 3/4, v(b) = 0, v(ab) = 5/10. phi_a = (3/4 + 1/2) / 2 = 5/8,
    # phi_b = (0 + 1/2 - 3/4) / 2 = -1/8; x 10 paths: 6.25 and -1.25.
    got = {row["channel"]: (row["conversions"], row["value"]) for row in r.rows}
    assert got["a"] == pytest.approx((6.25, 115.0))
    assert got["b"] == pytest.approx((-1.25, -35.0))
    assert r.conversion_probability == 0.5
    assert [row["removal_effect"] for row in r.rows] == [None, None]
    assert r.model == "data_driven_shapley"
    # The equal-split Shapley ignores the paths that did not convert: a 3 + 1, b 1.
    eq = {row["channel"]: row["conversions"] for row in log.attribution(model="shapley").rows}
    assert eq == pytest.approx({"a": 4.0, "b": 1.0})


def test_data_driven_shapley_three_channels_and_the_cap():
    t = journey.PathTable.from_csv_text(
        HEADER
        + "a,1,10,1\nb,0,0,2\nc,0,0,1\na>c,2,20,0\nb>c,1,10,1\na>b>c,1,10,1\nc>b>a,1,10,0\n"
    )
    r = t.attribution(model="data_driven_shapley")
    # phi = 49/120, -5/120, 16/120 of the rate 1/2; x 12 paths.
    assert [row["conversions"] for row in r.rows] == pytest.approx([4.9, -0.5, 1.6])
    assert [row["value"] for row in r.rows] == pytest.approx([49.0, -5.0, 16.0])
    wide = journey.PathTable.from_csv_text(HEADER + ">".join(f"c{i}" for i in range(21)) + ",1,0,0\n")
    with pytest.raises(journey.ArgumentError) as info:
        wide.attribution(model="data_driven_shapley")
    assert info.value.code == "invalid_argument"
    assert "exact up to 20 channels" in str(info.value)


def test_choose_order_by_hand():
    t = journey.PathTable.from_csv_text(HEADER + "a>c,10,0,0\nb>c,0,0,10\n")
    r = t.choose_order()
    assert r.kind == "choose_order"
    assert (r.chosen_order, r.criterion, r.channels) == (2, "bic", 3)
    ln2 = math.log(2)
    o = r.orders
    assert [x["states"] for x in o] == [3, 4, 4, 4]
    assert [x["parameters"] for x in o] == [14, 18, 18, 18]
    assert o[0]["log_likelihood"] == pytest.approx(-40 * ln2)
    assert o[1]["log_likelihood"] == pytest.approx(-20 * ln2)
    assert o[0]["bic"] == pytest.approx(80 * ln2 + 14 * math.log(60))
    assert o[1]["bic"] == pytest.approx(40 * ln2 + 18 * math.log(60))
    assert [x["order"] for x in r.to_records()] == [1, 2, 3, 4]
    assert "<table>" in r._repr_html_()
    # a>c converts 2 in 3, b>c 1 in 3: order 2 gains too little for 4 more parameters.
    small = journey.PathTable.from_csv_text(HEADER + "a>c,2,0,1\nb>c,1,0,2\n")
    assert small.choose_order(criterion="aic", max_order=2).chosen_order == 1
    with pytest.raises(journey.ArgumentError) as info:
        t.choose_order(max_order=5)
    assert "max_order" in str(info.value)
    with pytest.raises(journey.ArgumentError):
        t.choose_order(lookback="7d")


def test_choose_order_on_a_log():
    log = journey.EventLog.from_csv_text(TWO)
    r = log.choose_order(max_order=2)
    assert r.level == "channel"
    assert [x["order"] for x in r.orders] == [1, 2]
    assert r.chosen_order in (1, 2)


def test_sequence_removal_effects_by_hand():
    t = journey.PathTable.from_csv_text(HEADER + "a>b>a>b,1,0,0\nb>a,0,0,1\n")
    r = t.sequence_removal_effects()
    # x_ab = 2/3, x_ba = 1/3, P = 1/2; without a>b nothing converts; without b>a P = 1/4.
    assert r.conversion_probability == pytest.approx(0.5)
    got = [
        (x["sequence"], x["occurrences"], x["paths"], x["conversions"], x["removal_effect"])
        for x in r.rows
    ]
    assert got == [("a>b", 2.0, 1.0, 1.0, 1.0), ("b>a", 2.0, 2.0, 1.0, 0.5)]
    given = t.sequence_removal_effects(sequences=["b > a", "a>z"])
    assert [(x["sequence"], x["removal_effect"]) for x in given.rows] == [("b>a", 0.5), ("a>z", 0.0)]
    with pytest.raises(journey.ArgumentError) as info:
        t.sequence_removal_effects(order=2, length=3)
    assert "length" in str(info.value)
    with pytest.raises(journey.ArgumentError):
        t.sequence_removal_effects(sequences=["a>>b"])


# Three customers for triples at order 3: u1 a>b>c>a>b>c then buys, u2 b>c>a>b does not,
# u3 d>b>c then buys.
TRIPLES = "customer_id,timestamp,touchpoint,channel\n" + "".join(
    f"{c},{i + 1},{t},{t}\n"
    for c, touches in (("u1", "abcabc"), ("u2", "bcab"), ("u3", "dbc"))
    for i, t in enumerate(touches)
) + "u1,7,purchase,web\nu3,4,purchase,web\n"


def test_sequence_removal_effects_of_triples_by_hand():
    log = journey.EventLog.from_csv_text(TRIPLES)
    r = log.sequence_removal_effects(order=3, length=3)
    # States are the last three touches. (a,b,c) -> (b,c,a) or conversion, (b,c,a) -> (c,a,b),
    # (c,a,b) -> (a,b,c) or null: x_abc = 1/2 + x_abc / 4 = 2/3, x_bca = x_cab = 1/3, x_d = 1;
    # P = (2/3 + 1/3 + 1) / 3 = 2/3. Without a>b>c only d converts: P = 1/3, RE 1/2. Without
    # b>c>a (or c>a>b) x_abc = 1/2 and b's walk is lost: P = 1/2, RE 1/4. Without d>b>c: P =
    # 1/3, RE 1/2.
    assert r.order == 3
    assert r.level == "channel"
    assert r.conversion_probability == pytest.approx(2 / 3)
    got = [(x["sequence"], x["occurrences"], x["paths"], x["conversions"]) for x in r.rows]
    assert got == [
        ("a>b>c", 2.0, 1.0, 1.0),
        ("b>c>a", 2.0, 2.0, 1.0),
        ("c>a>b", 2.0, 2.0, 1.0),
        ("d>b>c", 1.0, 1.0, 1.0),
    ]
    assert [x["removal_effect"] for x in r.rows] == pytest.approx([0.5, 0.25, 0.25, 0.5])
    # The pair b>c ends (b,c), (a,b,c) and (d,b,c): without it nothing converts; the triple
    # d>b>c removes d's walk only. b>c occurs 4 times in 3 paths, 2 converting.
    both = log.sequence_removal_effects(order=3, sequences=["b>c", "d>b>c"])
    assert [(x["sequence"], x["occurrences"], x["paths"], x["conversions"]) for x in both.rows] == [
        ("b>c", 4.0, 3.0, 2.0),
        ("d>b>c", 1.0, 1.0, 1.0),
    ]
    assert [x["removal_effect"] for x in both.rows] == pytest.approx([1.0, 0.5])
    # A chain of order 2 cannot remove triples.
    with pytest.raises(journey.ArgumentError) as info:
        log.sequence_removal_effects(order=2, sequences=["d>b>c"])
    assert "d>b>c" in str(info.value)


def test_sequence_removal_effects_on_a_log_match_the_channel_removal_effects():
    log = journey.EventLog.from_csv_text(TWO)
    for order in (1, 2, 3):
        s = log.sequence_removal_effects(order=order, length=1)
        m = log.attribution(order=order)
        assert [x["sequence"] for x in s.rows] == [x["channel"] for x in m.rows]
        assert [x["removal_effect"] for x in s.rows] == pytest.approx(
            [x["removal_effect"] for x in m.rows]
        )
