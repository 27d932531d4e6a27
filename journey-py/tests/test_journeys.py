import pytest

import journey
from conftest import fixture

# a: ad -> site -> cart -> purchase; b: ad -> site -> (leaves); c: site -> cart (leaves)
CSV = fixture("three_journeys.csv")


@pytest.fixture(scope="module")
def log():
    return journey.EventLog.from_csv_text(CSV)


def test_funnel_by_hand(log):
    f = log.funnel(["site", "cart", "purchase"])
    assert [s["customers"] for s in f.steps] == [3, 2, 1]
    assert f.steps[1]["conversion_from_previous"] == pytest.approx(2 / 3)
    assert f.steps[2]["drop_off"] == pytest.approx(0.5)
    # Time site -> cart: a 60 s, c 600 s; median = mean = 330 s.
    assert f.steps[1]["median_time_from_previous_s"] == pytest.approx(330.0)
    ids = log.funnel(["site", "cart", "purchase"], dropped_ids=True).steps
    assert ids[1]["dropped_ids"] == ["b"]


def test_funnel_window_and_modes(log):
    assert [s["customers"] for s in log.funnel(["site", "cart"], window="5m").steps] == [3, 1]
    assert [s["customers"] for s in log.funnel(["cart", "site"], mode="any").steps] == [2, 2]
    with pytest.raises(journey.ArgumentError):
        log.funnel(["site"], mode="sideways")


def test_transition_graph_conserves_flow(log):
    g = log.transition_graph()
    edges = g.edges()
    out_start = sum(e["count"] for e in edges if e["source"] == "start")
    into_end = sum(e["count"] for e in edges if e["target"] == "end")
    assert out_start == into_end == 3
    site_cart = next(e for e in edges if (e["source"], e["target"]) == ("site", "cart"))
    assert (site_cart["count"], site_cart["customers"]) == (2, 2)
    assert g.to_dot().startswith("digraph")
    assert "flowchart" in g.to_mermaid()
    assert g.to_dict()["n_walks"] == 3


def test_sessions_and_path_stats(log):
    s = log.sessions(gap="5m")
    # c's two events are 10 minutes apart: two sessions; a and b one each.
    assert s.n_sessions == 4
    p = log.path_stats()
    assert p.n_conversions == 1
    assert p.touches_before_conversion["mean"] == 3.0
    rows = log.conversion_paths(level="touchpoint").rows
    assert next(r for r in rows if r["customer_id"] == "a")["touches"] == ["ad", "site", "cart"]


def test_funnel_and_path_stats_carry_their_pictures():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "a,1,ad\na,2,site\na,3,purchase\nb,1,ad\nb,2,site\nc,1,ad\n"
    )
    f = log.funnel(["ad", "site", "purchase"])
    assert [s["customers"] for s in f.steps] == [3, 2, 1]
    svg = f.chart().to_svg()
    assert svg.startswith("<svg") and "site" in svg
    assert f._repr_svg_() == svg and svg in f._repr_html_()
    p = log.path_stats(top=2)
    assert p.to_svg().startswith("<svg") and "Top paths" in p.to_svg()
    # Sessions have no picture.
    assert log.sessions().chart() is None


def test_path_stats_chart_top_zero_draws_every_path():
    # Variants [ad] (converts), [email], [site], one path each: by count, conversions, then
    # names, top=1 keeps [ad] only; top=0 (all variants) draws all three.
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\na,0,ad\na,1,purchase\nb,0,site\nc,0,email\n"
    )
    one, every = log.path_stats(top=1).to_svg(), log.path_stats(top=0).to_svg()
    assert [n in one for n in ("ad", "email", "site")] == [True, False, False]
    assert [n in every for n in ("ad", "email", "site")] == [True, True, True]


def test_path_stats_attribution_share():
    # e [ad site site] and f [email] convert, g [site] does not. Linear: ad 1/6, email 1/2,
    # site 1/3 of the 2 conversions; last touch: email and site 1/2 each.
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "e,0,ad\ne,10,site\ne,20,site\ne,30,purchase\nf,0,email\nf,5,purchase\ng,0,site\n"
    )
    p = log.path_stats()
    assert p.attribution_model == "linear"
    shares = {t["name"]: t["attribution_share"] for t in p.touches}
    assert shares == pytest.approx({"ad": 1 / 6, "email": 0.5, "site": 1 / 3})
    last = {t["name"]: t["attribution_share"] for t in log.path_stats(attribution_model="last_touch").touches}
    assert last == pytest.approx({"ad": 0.0, "email": 0.5, "site": 0.5})
    with pytest.raises(journey.JourneyError, match="attribution_model: unknown variant `magic`"):
        log.path_stats(attribution_model="magic")
