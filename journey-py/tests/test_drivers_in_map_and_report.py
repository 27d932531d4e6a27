"""Conversion drivers in the map from data and the report; the funnel trend chart
(docs/map-from-data.md, docs/rendering.md), checked by hand."""

import journey


def drivers_log():
    # 6 customers ad -> purchase, 8 only chat, 2 only mail (docs/map-from-data.md).
    rows = ["customer_id,timestamp,touchpoint"]
    rows += [f"a{i},0,ad\na{i},10,purchase" for i in range(6)]
    rows += [f"c{i},0,chat" for i in range(8)] + [f"m{i},0,mail" for i in range(2)]
    return journey.EventLog.from_csv_text("\n".join(rows) + "\n")


def step(m, tp):
    return next(s for s in m.to_dict()["steps"] if s.get("touchpoint") == tp)


def test_map_reads_drivers():
    m = journey.JourneyMap.from_data(drivers_log(), drivers=True, min_customers=1)
    ad, chat, mail = step(m, "ad"), step(m, "chat"), step(m, "mail")
    # ad: Fisher p = 1/8008, q = 3/8008; odds ratio (Haldane) 6.5 x 10.5 / 0.25 = 273.
    assert abs(ad["metrics"]["driver_q_value"] - 3 / 8008) < 1e-12
    assert abs(ad["metrics"]["driver_odds_ratio"] - 273) < 1e-9
    assert ad["opportunities"][0].startswith("ad: customers who pass it convert more often (100% vs 0%")
    assert chat["pain_points"][1] == (
        "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, "
        "95% CI 0.00 to 0.56, q = 0.010)")
    assert "driver_q_value" not in mail["metrics"]
    plain = journey.JourneyMap.from_data(drivers_log(), min_customers=1, drivers=False)
    assert "driver_q_value" not in step(plain, "ad")["metrics"]


def test_report_drivers_section():
    html = journey.report(drivers_log(), drivers=True)
    at = html.index("<h2>Conversion drivers</h2>")
    section = html[at:html.index("<h2>Top paths")]
    assert "2 of them are significant" in section
    assert "yes, less conversion" in section
    # On by default (docs/rendering.md); drivers=False leaves the section out.
    assert "<h2>Conversion drivers</h2>" in journey.report(drivers_log())
    assert "Conversion drivers" not in journey.report(drivers_log(), drivers=False)


def test_funnel_trend_chart_and_report():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n"
        "a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,purchase\nb,2026-01-01T20:00:00Z,view\n"
        "c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,purchase\nd,2026-01-03T09:00:00Z,view\n")
    f = log.funnel(["view", "purchase"], window="1d", trend="day")
    svg = f.to_svg()
    # The funnel with the trend below: 3 periods, the last two incomplete (dashed segments).
    assert svg.count("<svg") == 3
    assert "Conversion by period of entry" in svg
    assert svg.count('stroke-dasharray="6 4"') == 2
    assert "Conversion by period" not in log.funnel(["view", "purchase"]).to_svg()
    html = journey.report(log, funnel=["view", "purchase"], funnel_window="1d", funnel_trend="day")
    assert "2 of the 3 periods still hold windows" in html
