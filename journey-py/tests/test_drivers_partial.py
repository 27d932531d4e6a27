"""Conversion drivers as partial and live results, and the drivers and the funnel trend on by
default in the map from data and the report (docs/drivers.md, docs/distributed.md,
docs/rendering.md), checked by hand."""

import journey

HEAD = "customer_id,timestamp,touchpoint,persona\n"
LEFT = "a,0,ad,x\na,5,purchase,x\nc,0,mail,\nc,5,purchase,\ne,0,ad,y\ne,1,mail,y\n"
RIGHT = "b,0,ad,x\nd,0,mail,y\n"


def table(r):
    return [r["converters_with"], r["non_converters_with"], r["converters_without"],
            r["non_converters_without"]]


def test_drivers_partials_merge_to_the_whole_result():
    log = journey.EventLog.from_csv_text(HEAD + LEFT + RIGHT)
    parts = [journey.EventLog.from_csv_text(HEAD + rows) for rows in (LEFT, RIGHT)]
    ps = [p.partial("conversion_drivers", properties="persona") for p in parts]
    d = journey.merge_partials([ps[1], journey.Partial.from_bytes(ps[0].to_bytes())]).finish()
    assert d.to_dict() == log.conversion_drivers(properties="persona").to_dict()
    # 2 of 5 convert (a, c). Odds ratios: x 1*2/(1*1) = 2; ad and mail 1*1/(2*1) = 0.5;
    # y (Haldane, a cell is 0) 0.5*1.5/(2.5*2.5) = 0.12.
    assert [r["label"] for r in d.rows] == ["persona = x", "ad", "mail", "persona = y"]
    assert table(d.rows[1]) == [1, 2, 1, 1]
    assert abs(d.rows[3]["odds_ratio"] - 0.12) < 1e-12
    # Fisher for y: P(none of its 2 converts) = C(3, 2) / C(5, 2) = 0.3, plus the as unlikely
    # 0.1 (both convert): p = 0.4.
    assert abs(d.rows[3]["p_value"] - 0.4) < 1e-12
    assert d.n_tested == 4 and d.n_significant == 0
    # retract is the inverse of merge.
    both = ps[0].merge(ps[1])
    assert both.retract(ps[1]).finish().to_dict() == ps[0].finish().to_dict()


def test_drivers_live_equal_the_whole_log():
    live = journey.LiveAnalysis(journey.EventLog.from_csv_text(HEAD + LEFT),
                                {"conversion_drivers": {"properties": "persona"}})
    # b's late purchase: b now converts after ad.
    live.append(HEAD + RIGHT + "b,7,purchase,x\n")
    whole = journey.EventLog.from_csv_text(HEAD + LEFT + RIGHT + "b,7,purchase,x\n")
    d = live.result("conversion_drivers")
    assert d.to_dict() == whole.conversion_drivers(properties="persona").to_dict()
    ad = next(r for r in d.rows if r["label"] == "ad")
    assert (d.converters, ad["converters_with"], ad["non_converters_with"]) == (3, 2, 1)


def test_funnel_trend_partials():
    rows = {
        "a": "a,2026-01-01T10:00:00Z,view\na,2026-01-01T12:00:00Z,purchase\n",
        "b": "b,2026-01-01T20:00:00Z,view\n",
        "c": "c,2026-01-02T09:00:00Z,view\nc,2026-01-03T08:00:00Z,purchase\n",
        "d": "d,2026-01-03T09:00:00Z,view\n",
    }
    head = "customer_id,timestamp,touchpoint\n"
    log = journey.EventLog.from_csv_text(head + "".join(rows.values()))
    opts = dict(steps=["view", "purchase"], window="1d", trend="day")
    ps = [journey.EventLog.from_csv_text(head + r).partial("funnel", **opts)
          for r in (rows["a"] + rows["d"], rows["b"] + rows["c"])]
    f = journey.merge_partials(ps).finish()
    assert f.to_dict() == log.funnel(**opts).to_dict()
    # Jan 1: a bought, b did not; Jan 2 and 3 end (plus the window) after the last event.
    assert [(t["period"], t["entered"], t["converted"], t["complete"]) for t in f.trend] == [
        ("2026-01-01", 2, 1, True), ("2026-01-02", 1, 1, False), ("2026-01-03", 1, 0, False)]


def drivers_log():
    # 6 customers ad -> purchase, 8 only chat, 2 only mail (docs/map-from-data.md).
    rows = ["customer_id,timestamp,touchpoint"]
    rows += [f"a{i},0,ad\na{i},10,purchase" for i in range(6)]
    rows += [f"c{i},0,chat" for i in range(8)] + [f"m{i},0,mail" for i in range(2)]
    return journey.EventLog.from_csv_text("\n".join(rows) + "\n")


def test_drivers_and_trend_on_by_default():
    log = drivers_log()

    def chat(m):
        return next(s for s in m.to_dict()["steps"] if s.get("touchpoint") == "chat")

    # chat: none of its 8 converts, 6 of the 8 without do: p = 90/12870, q = 3p/2 = 0.0105.
    assert chat(journey.JourneyMap.from_data(log, min_customers=1))["pain_points"][1] == (
        "chat: customers who pass it convert less often (0% vs 75%, odds ratio 0.02, "
        "95% CI 0.00 to 0.56, q = 0.010)")
    plain = journey.JourneyMap.from_data(log, min_customers=1, drivers=False)
    assert "driver_q_value" not in chat(plain)["metrics"]
    html = journey.report(log)
    assert "<h2>Conversion drivers</h2>" in html and "2 of them are significant" in html
    # The default funnel ad -> purchase: one week of entry, its 14-day windows still open.
    assert "1 of the 1 periods still hold windows" in html
    off = journey.report(log, drivers=False, funnel_trend=False)
    assert "Conversion drivers" not in off and "Conversion by period of entry" not in off
