import math
import pickle

import pytest

import journey
from conftest import fixture

# Three converting paths and two null paths (hand example of docs/attribution.md):
#   c1: a > b > c -> purchase (30)   c2: a > b > a -> null
#   c3: b > c > b > c -> purchase (70)   c4: c -> null   c5: d -> null
CSV = fixture("attribution_by_hand.csv")

MODELS = ["first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley"]


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(CSV)


def credits(result):
    return {r["channel"]: r["conversions"] for r in result.rows}


def test_first_and_last_touch_by_hand(log):
    assert credits(log.attribution(model="first_touch")) == {"a": 1.0, "b": 1.0, "c": 0.0, "d": 0.0}
    assert credits(log.attribution(model="last_touch")) == {"a": 0.0, "b": 0.0, "c": 2.0, "d": 0.0}


def test_linear_by_hand(log):
    # c1: a, b, c get 1/3 each; c3: b, c get 2/4 each.
    got = credits(log.attribution(model="linear"))
    assert got["a"] == pytest.approx(1 / 3)
    assert got["b"] == pytest.approx(1 / 3 + 0.5)
    assert got["c"] == pytest.approx(1 / 3 + 0.5)


@pytest.mark.parametrize("model", MODELS)
def test_every_model_sums_to_the_conversions(log, model):
    r = log.attribution(model=model)
    assert r.kind == "attribution"
    assert math.isclose(sum(row["conversions"] for row in r.rows), 2.0)
    assert math.isclose(sum(row["value"] for row in r.rows), 100.0)


def test_table_result_converts(log):
    t = log.attribution_table()
    assert [r["channel"] for r in t.to_records()] == ["a", "b", "c", "d"]
    assert set(MODELS) <= set(t.rows[0])
    assert "<table>" in t._repr_html_()
    assert pickle.loads(pickle.dumps(t)) == t
    assert t["total_conversions"] == 2.0


def test_bad_arguments_raise_argument_error(log):
    with pytest.raises(journey.ArgumentError) as info:
        log.attribution(model="u_shaped")
    assert info.value.code == "invalid_argument"
    with pytest.raises(journey.ArgumentError):
        log.attribution(colour="red")
    with pytest.raises(journey.ArgumentError):
        log.attribution(order=9)


def test_path_table_matches_the_log(log):
    table = journey.PathTable.from_log(log)
    assert len(table) == 5
    a = table.attribution(model="markov")
    b = log.attribution(model="markov")
    assert credits(a) == pytest.approx(credits(b))
    rows = table.rows()
    again = journey.PathTable.from_rows(rows)
    assert credits(again.attribution(model="shapley")) == pytest.approx(credits(log.attribution(model="shapley")))


def test_path_table_errors_name_the_line_column_and_value():
    with pytest.raises(journey.ParseError) as info:
        journey.PathTable.from_csv_text("path,total_conversions\na > b,1\nb,lots\n")
    assert info.value.line == 3
    assert info.value.column == "total_conversions"
    assert '"lots"' in str(info.value)


def test_path_table_rows_require_path_and_total_conversions():
    # A row without `path` used to become an empty path, one without `total_conversions` was
    # dropped: both are errors naming the (1-based) row and the field.
    with pytest.raises(journey.ArgumentError) as info:
        journey.PathTable.from_rows([{"path": "a", "total_conversions": 1}, {"total_conversions": 3}])
    assert "row 2, path: missing" in str(info.value)
    with pytest.raises(journey.ArgumentError) as info:
        journey.PathTable.from_rows([{"path": "a > b", "total_null": 4}])
    assert "row 1, total_conversions: missing" in str(info.value)
    with pytest.raises(journey.ArgumentError) as info:
        journey.PathTable.from_rows([{"path": "a", "total_conversions": 1, "nulls": 2}])
    assert "row 1" in str(info.value) and "nulls" in str(info.value)
    # total_conversion_value and total_null default to 0.
    t = journey.PathTable.from_rows([{"path": "a", "total_conversions": 2}, {"path": "b", "total_conversions": 0, "total_null": 5}])
    assert t.rows() == [
        {"path": "a", "total_conversions": 2.0, "total_conversion_value": 0.0, "total_null": 0.0},
        {"path": "b", "total_conversions": 0.0, "total_conversion_value": 0.0, "total_null": 5.0},
    ]


def test_path_table_from_log_takes_path_options_only(log):
    # c1's a 2 days before the purchase is outside a 1-day lookback: a>b>c becomes b>c.
    t = journey.PathTable.from_log(log, lookback="1d", level="channel")
    assert {r["path"] for r in t.rows()} == {"b>c", "a>b>a", "b>c>b>c", "c", "d"}
    for key, value in [("order", 2), ("half_life", "1d"), ("transition_matrix", True), ("model", "markov")]:
        with pytest.raises(journey.ArgumentError) as info:
            journey.PathTable.from_log(log, **{key: value})
        assert key in str(info.value)


def test_unknown_excluded_names_are_reported(log):
    r = log.attribution(model="last_touch", exclude=["checkout_step", "d", "checkout_step"])
    assert r.unknown_excluded == ["checkout_step"]
    assert "d" not in credits(r)
    t = log.attribution_table(exclude=["coupon"])
    assert t["unknown_excluded"] == ["coupon"]
    assert log.attribution().unknown_excluded == []
    table = journey.PathTable.from_log(log)
    assert table.attribution(exclude=["a", "zz"]).unknown_excluded == ["zz"]


def test_markov_transition_matrix_on_request(log):
    r = log.attribution(model="markov", transition_matrix=True)
    out = {}
    for t in r.transition_matrix:
        out.setdefault(t["from"], 0.0)
        out[t["from"]] += t["probability"]
    assert all(math.isclose(p, 1.0) for p in out.values())


def test_empty_log_is_defined():
    r = journey.EventLog.from_csv_text("").attribution()
    assert r.total_conversions == 0
    assert r.conversion_probability is None
