"""Regression tests of the hostile-input review (issue 16) that showed in Python: shapes that were
super-linear, pictures without a bound, names that looked like the graph's own nodes, and CSV
and text outputs that were not safe. Sizes are small (CI); no test measures time."""

import pytest

import journey

EVENTS = "customer_id,timestamp,touchpoint,channel\n"


def lap_log(n):
    """c0 > c1 > ... > c{n-1} > c0 > purchase, and a customer who only visits c0."""
    rows = [f"a,{i},c{i},c{i}" for i in range(n)]
    rows += [f"a,{n},c0,c0", f"a,{n + 1},purchase,web", "b,0,c0,c0"]
    return journey.EventLog.from_csv_text(EVENTS + "\n".join(rows) + "\n")


def test_markov_over_a_large_cyclic_block_is_exact():
    # c0 leads to c1, to the purchase and to nothing, 1/3 each, and the lap comes back to c0:
    # P = x_c0 = 1/3 + x_c0 / 3 = 1/2. Without c0 nothing converts (removal effect 1); without
    # any other channel the walk only converts from its first c0 (P = 1/3, removal effect 1/3).
    r = lap_log(300).attribution()
    assert r.conversion_probability == pytest.approx(0.5, abs=1e-12)
    effects = {row["channel"]: row["removal_effect"] for row in r.rows}
    assert effects["c0"] == pytest.approx(1.0, abs=1e-12)
    assert all(effects[f"c{i}"] == pytest.approx(1 / 3, abs=1e-12) for i in range(1, 300))
    credits = {row["channel"]: row["conversions"] for row in r.rows}
    assert credits["c0"] == pytest.approx(1 / (1 + 299 / 3), abs=1e-12)


def test_markov_refuses_a_block_over_the_limit_with_a_clear_error():
    with pytest.raises(journey.JourneyError) as e:
        lap_log(1025).attribution()
    assert e.value.code == "invalid_argument"
    assert "a block of 1025" in str(e.value)
    # The other models are not limited.
    assert lap_log(1025).attribution(model="linear").attributed_conversions == 1


def test_markov_reproducer_shape_runs():
    # The review's reproducer, scaled down: 30 customers x 30 events over 100 channels, every
    # third one buying. The removal effects are in [0, 1] and the credits sum to the
    # attributed conversions.
    rows = []
    seed = 7
    for c in range(30):
        for e in range(30):
            seed = (seed * 6364136223846793005 + 1442695040888963407) % 2**64
            k = (seed >> 33) % 100
            rows.append(f"c{c},{e},t{k},ch{k}")
        if c % 3 == 0:
            rows.append(f"c{c},30,purchase,web")
    log = journey.EventLog.from_csv_text(EVENTS + "\n".join(rows) + "\n")
    r = log.attribution()
    assert r.attributed_conversions == 10
    assert sum(row["conversions"] for row in r.rows) == pytest.approx(10, abs=1e-9)
    assert all(0 <= row["removal_effect"] <= 1 for row in r.rows)


def test_markov_channels_named_like_the_chain_states():
    csv = EVENTS + "a,1,x,(start)\na,2,y,(null)\na,3,purchase,web\nb,1,z,(conversion)\n"
    r = journey.EventLog.from_csv_text(csv).attribution(transition_matrix=True)
    kinds = {(t["from"], t["from_kind"], t["to"], t["to_kind"]) for t in r.transition_matrix}
    assert kinds == {
        ("(start)", "start", "(conversion)", "channel"),
        ("(start)", "start", "(start)", "channel"),
        ("(conversion)", "channel", "(null)", "null"),
        ("(null)", "channel", "(conversion)", "conversion"),
        ("(start)", "channel", "(null)", "channel"),
    }


def test_any_order_funnel_with_thousands_of_events_in_one_window():
    # Hourly views for 3,000 hours, then a cart: only attempts from the last day reach it; the
    # earliest starts at hour 2,976 (views at 2,976, 2,977, 2,978, cart at 3,000).
    rows = [f"a,{h * 3600},view" for h in range(3000)] + [f"a,{3000 * 3600},cart"]
    log = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\n" + "\n".join(rows))
    f = log.funnel(["view", "view", "view", "cart"], mode="any", window="1d")
    assert [s["customers"] for s in f.steps] == [1, 1, 1, 1]
    assert [s["median_time_from_previous_s"] for s in f.steps[1:]] == [3600, 3600, 22 * 3600]


def test_huge_names_and_crowded_cells_draw_a_bounded_map():
    m = journey.JourneyMap.from_dict(
        {
            "format": "journey-map/1",
            "name": "N" * 400_000,
            "stages": [{"name": "one"}],
            "touchpoints": [{"name": "site", "channel": "web", "stage": "one"}],
            "steps": [
                {"stage": "one", "touchpoint": "site", "actions": [f"act {i}" for i in range(5000)]}
            ],
        }
    )
    svg = m.to_svg()
    assert "\u2026 and 4,952 more not drawn (at most 48 per cell)" in svg
    assert "act 47<" in svg and "act 48<" not in svg
    assert len(svg) < 1_500_000


def test_daily_retention_draws_lazily_and_caps_the_heatmap():
    # 400 daily cohorts of one customer each, who comes back every 7 days.
    rows = [
        f"c{c},{d * 86400},purchase" for c in range(400) for d in range(c, 400, 7)
    ]
    log = journey.EventLog.from_csv_text("customer_id,timestamp,touchpoint\n" + "\n".join(rows))
    r = log.retention(period="day", periods=400)
    # The numbers are complete ...
    assert len(r.cohorts) == 400 and len(r.cohorts[0]["rates"]) == 401
    assert r.cohorts[0]["rates"][7] == 100.0 and r.cohorts[0]["rates"][8] == 0.0
    # ... the picture shows a corner of them and says so.
    svg = r.to_svg()
    assert "Showing the first 120 of 400 rows and the first 60 of 401 columns" in svg
    assert svg.count('stroke="#FFFFFF"') == 120 * 60
    assert r.chart() is not None and "Showing the first" in r._repr_html_()


def test_a_million_touchpoint_shape_keeps_texts_bounded():
    # 6,000 distinct touchpoints (one per customer): 12,000 edges, of which the texts show the
    # 5,000 most frequent and say so.
    rows = [f"c{c},1,t{c:04}" for c in range(6000)]
    g = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\n" + "\n".join(rows)
    ).transition_graph()
    assert repr(g) == "TransitionGraph(nodes=6002, edges=12000, walks=6000)"
    for text in (g.to_dot(), g.to_mermaid()):
        assert "showing the 5000 most frequent of 12000 edges" in text
        assert sum("->" in line for line in text.splitlines()) == 5000
    assert len(g.edges()) == 12000


def test_touchpoints_named_start_and_end_are_typed():
    log = journey.EventLog.from_csv_text(
        "customer_id,timestamp,touchpoint\na,1,start\na,2,end\nb,1,end\n"
    )
    g = log.transition_graph()
    rows = [(e["source"], e["source_kind"], e["target"], e["target_kind"]) for e in g.edges()]
    assert rows == [
        ("end", "touch", "end", "end"),
        ("start", "start", "end", "touch"),
        ("start", "start", "start", "touch"),
        ("start", "touch", "end", "touch"),
    ]
    assert 'n2 [label="start"];' in g.to_dot()


def test_to_csv_guards_formulas_and_reads_back_equal(tmp_path):
    csv = (
        "customer_id,timestamp,touchpoint,channel\n"
        "=cmd|' /C calc'!A0,2026-01-01T00:00:00Z,+1+1,@SUM(1)\n"
        "-5,2026-01-01T00:00:00Z,'=x,web\n"
    )
    log = journey.EventLog.from_csv_text(csv)
    safe = log.to_csv()
    assert "'=cmd|' /C calc'!A0" in safe and ",'+1+1,'@SUM(1)," in safe
    # The loader read the guarded '=x of the input as =x; plain numbers are not guarded.
    assert "=x" in log.touchpoints()
    assert safe.splitlines()[1].startswith("-5,") and ",'=x," in safe
    again = journey.EventLog.from_csv_text(safe)
    assert again.to_csv() == safe and again.customers() == log.customers()
    raw = log.to_csv(csv_safe=False)
    assert "\n=cmd|' /C calc'!A0," in raw and ",+1+1,@SUM(1)," in raw and ",=x," in raw
    path = tmp_path / "events.csv"
    log.to_csv(path, csv_safe=False)
    assert path.read_text() == raw
    s = journey.Surveys.from_csv_text("customer_id,timestamp,touchpoint,nps\n=a,1,@b,9\n")
    assert s.to_csv() == "customer_id,timestamp,touchpoint,nps,csat,ces\n'=a,1970-01-01T00:00:01Z,'@b,9,,\n"
    assert s.to_csv(csv_safe=False).splitlines()[1].startswith("=a,")


def test_bidi_controls_do_not_reach_pictures_or_texts():
    name = "invoice\u202efdp.exe"
    m = journey.JourneyMap(name)
    assert "\u202e" not in m.to_svg() and "invoice\ufffdfdp.exe" in m.to_svg()
    g = journey.EventLog.from_csv_text(
        f"customer_id,timestamp,touchpoint\na,1,{name}\n"
    ).transition_graph()
    for text in (g.to_dot(), g.to_mermaid()):
        assert "\u202e" not in text and "invoice\ufffdfdp.exe" in text
    # The data itself keeps the name.
    assert g.nodes()[1]["name"] == name
