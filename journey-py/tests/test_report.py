"""The journey map from data, map pictures, charts and the HTML report from Python."""

import pickle
import xml.etree.ElementTree as ET

import pytest

import journey

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def data():
    return journey.synthetic(customers=3000, seed=5)


def test_from_data_has_the_log_stages_touchpoints_and_personas(data):
    log, surveys = data
    m = journey.JourneyMap.from_data(log, surveys)
    assert m.stages() == ["awareness", "consideration", "purchase", "retention", "advocacy"]
    assert set(m.touchpoints()) == set(log.touchpoints())
    personas = m.personas()
    assert personas[0] == "All customers"
    assert set(personas[1:]) == {"deal_hunter", "researcher", "loyal_regular", "store_browser"}
    d = m.to_dict()
    steps = [s for s in d["steps"] if s.get("persona") == "All customers"]
    # Touchpoint steps carry the figures; a step without a touchpoint only a stage's pooled
    # emotion.
    for s in steps:
        if s.get("touchpoint") is None:
            assert isinstance(s["emotion"], float) and not s.get("metrics")
    steps = [s for s in steps if s.get("touchpoint") is not None]
    reach = {s["touchpoint"]: s["metrics"]["reach"] for s in steps}
    # Every customer belongs to one persona, so the personas' reach adds up.
    for tp, n in reach.items():
        parts = sum(
            s["metrics"]["reach"]
            for s in d["steps"]
            if s.get("touchpoint") == tp and s.get("persona") not in (None, "All customers")
        )
        assert parts == n, tp
    # A map from data is a valid journey-map/1 document.
    assert journey.JourneyMap.from_json(m.to_json()) == m


def test_from_data_options_and_errors(data):
    log, surveys = data
    m = journey.JourneyMap.from_data(log, by_persona=False, name="Shop")
    assert m.name == "Shop"
    assert m.personas() == ["All customers"]
    assert all("persona" not in s for s in m.to_dict()["steps"])
    with pytest.raises(journey.ArgumentError) as e:
        journey.JourneyMap.from_data(log, surveys, drop_off_threshold=40)
    assert "drop_off_threshold" in str(e.value)
    with pytest.raises(journey.ArgumentError):
        journey.JourneyMap.from_data(log, surveys, no_such_option=1)
    with pytest.raises(journey.ArgumentError):
        journey.JourneyMap.from_data(log, persona_property="segment")


def test_from_data_by_hand_pooled_stage_emotion_frustrations_and_all_customers():
    # consideration: site and faq have one CSAT answer each (1 and 4); with min_responses 2
    # neither has a score, but together: mean 2.5, emotion 2.5 - 3 = -0.5.
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint,stage\na,1,ad,awareness\na,2,site,consideration\n"
        "a,3,faq,consideration\na,4,purchase,purchase\nb,1,ad,awareness\nb,2,faq,consideration\n"
    )
    surveys = journey.Surveys.from_csv_text(
        "customer_id,timestamp,touchpoint,csat\na,5,site,1\nb,5,faq,4\na,6,purchase,5\na,7,purchase,4\n"
    )
    d = journey.JourneyMap.from_data(
        log, surveys, by_persona=False, min_responses=2, min_customers=1
    ).to_dict()
    whole = [(s["stage"], s["emotion"]) for s in d["steps"] if s.get("touchpoint") is None]
    assert whole == [("consideration", -0.5)]
    # b leaves at faq (1 of the 2 who reach it before converting: 50% >= 40%): the one pain
    # point, so the one frustration of the persona card.
    assert d["personas"][0]["frustrations"] == [
        "faq: 50% of its customers end their journey there without converting (1 of 2)"
    ]
    # A persona of the data called "All customers" clashes with the persona of everyone.
    p = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint,persona\na,1,ad,All customers\nb,1,ad,x\n"
    )
    with pytest.raises(journey.ArgumentError, match='"All customers"'):
        journey.JourneyMap.from_data(p)
    own = journey.JourneyMap.from_data(p, all_customers=False).to_dict()["personas"]
    assert [(x["name"], x["demographics"]["share"]) for x in own] == [
        ("All customers", "50.0%"),
        ("x", "50.0%"),
    ]


def test_to_svg_per_persona_and_inline_display(data):
    log, surveys = data
    m = journey.JourneyMap.from_data(log, surveys)
    svg = m.to_svg()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "All customers" in svg
    other = m.to_svg("researcher", column_width=200)
    assert "researcher" in other and other != svg
    assert m._repr_svg_() == svg
    with pytest.raises(journey.ArgumentError):
        m.to_svg("nobody")
    with pytest.raises(journey.ArgumentError):
        m.to_svg(column_width=10)


def test_hand_designed_map_renders_the_same_way():
    m = journey.JourneyMap.from_dict(
        {
            "format": "journey-map/1",
            "name": "Coffee",
            "touchpoints": [{"name": "sample_form", "channel": "web", "stage": "awareness"}],
            "steps": [{"stage": "awareness", "touchpoint": "sample_form", "emotion": 1}],
        }
    )
    svg = m.to_svg()
    ET.fromstring(svg)
    assert "sample_form" in svg


def test_report_is_one_self_contained_page(data, tmp_path):
    log, surveys = data
    html = journey.report(log, surveys)
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    for name in ["Journey map from data", "Attribution", "Retention", "Satisfaction by touchpoint"]:
        assert name in html
    assert "checkout_shipping" in html
    small = journey.report(log, title="Mine", persona_maps=False, retention={"period": "month"})
    assert "<h1>Mine</h1>" in small
    assert len(small) < len(html)
    with pytest.raises(journey.ArgumentError):
        journey.report(log, bogus=True)


def test_report_shows_a_designed_map(data):
    log, surveys = data
    m = journey.JourneyMap.from_dict(
        {
            "format": "journey-map/1",
            "name": "Designed by hand",
            "touchpoints": [{"name": "sample_form", "channel": "web", "stage": "awareness"}],
        }
    )
    assert "Designed by hand" in journey.report(log, designed_map=m)
    assert "Designed by hand" in journey.report(log, designed_map=m.to_dict())


def test_hostile_touchpoint_is_text_in_map_and_report():
    csv = (
        "customer_id,timestamp,touchpoint,channel\n"
        f'a,1,"{HOSTILE}",web\na,2,purchase,web\nb,1,"{HOSTILE}",web\n'
    )
    log = journey.EventLog.from_csv_text(csv)
    surveys = journey.Surveys.from_csv_text(
        f'customer_id,timestamp,touchpoint,csat\na,3,"{HOSTILE}",1\n'
    )
    m = journey.JourneyMap.from_data(log, surveys, min_responses=1, min_customers=1)
    assert HOSTILE in m.touchpoints()
    svg = m.to_svg()
    ET.fromstring(svg)
    assert HOSTILE not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    html = journey.report(log, surveys)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_results_have_charts_that_show_inline(data):
    log, surveys = data
    r = log.retention()
    c = r.chart()
    assert isinstance(c, journey.Chart)
    ET.fromstring(c.to_svg())
    assert c._repr_svg_() == c.to_svg()
    assert c.to_svg() in r._repr_html_()
    t = log.attribution_table()
    assert "first_touch" in t.chart().to_svg()
    by = surveys.with_log(log).csat(by="touchpoint")
    assert "CSAT by touchpoint" in by.chart().to_svg()
    assert surveys.csat().chart() is None
    # Pickling keeps the chart.
    again = pickle.loads(pickle.dumps(r))
    assert again == r and again.chart().to_svg() == c.to_svg()


def test_chart_save(data, tmp_path):
    log, _ = data
    p = tmp_path / "retention.svg"
    log.retention().chart().save(p)
    ET.fromstring(p.read_text())
