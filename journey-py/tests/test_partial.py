"""Partial results: split a log by customer, compute partials, merge, finish (docs/distributed.md)."""

import csv
import io
import pickle

import pytest

import journey

CSV = (
    "customer_id,timestamp,touchpoint,persona\n"
    "a,0,view,x\na,60,cart,x\na,90,purchase,x\n"
    "b,0,view,y\nb,30,cart,\n"
    "c,10,view,\nc,20,ad,\nc,4000000,cart,\n"
    "d,5,cart,x\n"
)


def split(text, groups):
    """The CSV `text` as one log per group of customer ids (each customer whole)."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    logs = []
    for ids in groups:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        w.writerows(r for r in body if r[0] in ids)
        logs.append(journey.EventLog.from_csv_text(out.getvalue()))
    return logs


FUNNELS = [
    {},
    {"mode": "strict"},
    {"mode": "any"},
    {"breakdown": "persona"},
    {"breakdown": "first_touch_channel", "first_attempt": True},
    {"exclude": ["ad"], "window": "1d"},
    # Open windows (by default as of the data end; c's cart at day 46 is inside 60 days).
    {"window": "60d"},
    {"window": "60d", "as_of": 45},
    {"window": "60d", "as_of": False},
]


def test_funnel_partials_count_open_windows_by_hand():
    # docs/journeys.md's example (window 10 s): the data ends at 19 (g's view); d, e, f (view
    # at 14) and g may still reach cart, c may still buy; b's window closed at 10.
    text = (
        "customer_id,timestamp,touchpoint\n"
        "a,0,view\na,5,cart\na,8,buy\nb,0,view\nb,5,cart\nc,15,view\nc,16,cart\n"
        "d,18,view\ne,12,view\nf,0,view\nf,14,view\ng,19,view\n"
    )
    steps = ["view", "cart", "buy"]
    parts = split(text, [{"a", "c", "e", "g"}, {"b", "d", "f"}])
    f = journey.merge_partials([p.partial("funnel", steps=steps, window="10s") for p in parts]).finish()
    assert [s["customers"] for s in f.steps] == [7, 3, 1]
    assert f.open["as_of"] == "1970-01-01T00:00:19Z"
    assert [s["in_progress"] for s in f.open["steps"]] == [0, 4, 1]
    assert f.open["conversion"] == pytest.approx(0.5)
    log = journey.EventLog.from_csv_text(text)
    assert f.to_dict() == log.funnel(steps, window="10s").to_dict()
    off = journey.merge_partials(
        [p.partial("funnel", steps=steps, window="10s", as_of=False) for p in parts]).finish()
    assert "open" not in off.to_dict() and [s["customers"] for s in off.steps] == [7, 3, 1]


@pytest.mark.parametrize("extra", FUNNELS)
def test_funnel_split_merge_finish_equals_the_direct_call(extra):
    log = journey.EventLog.from_csv_text(CSV)
    steps = ["view", "cart", "purchase"]
    direct = log.funnel(steps, dropped_ids=True, **extra)
    parts = split(CSV, [{"a", "c"}, {"b"}, {"d"}, set()])
    partials = [p.partial("funnel", steps=steps, dropped_ids=True, **extra) for p in parts]
    merged = journey.merge_partials(partials)
    assert merged.finish() == direct
    assert merged.finish().to_dict() == direct.to_dict()
    # Any order, through bytes.
    again = partials[3].merge(partials[1]).merge(
        journey.Partial.from_bytes(partials[2].to_bytes())
    ).merge(partials[0])
    assert again.finish() == direct


def test_funnel_values_by_hand():
    parts = split(CSV, [{"a", "b"}, {"c", "d"}])
    p = journey.merge_partials(
        [x.partial("funnel", steps=["view", "cart", "purchase"], dropped_ids=True) for x in parts]
    )
    f = p.finish()
    assert f.kind == "funnel"
    assert [s["customers"] for s in f.steps] == [3, 2, 1]
    # Times from view to cart: a 60 s, b 30 s; c's cart is outside the 14-day window.
    assert f.steps[1]["median_time_from_previous_s"] == 45.0
    assert f.steps[1]["dropped_ids"] == ["c"]
    assert f.steps[2]["dropped_ids"] == ["b"]
    assert f.chart() is not None
    assert p.analysis == "funnel"
    assert p.options["mode"] == "ordered"
    assert p.options["window"] == 14 * 86400


def test_merge_partials_takes_bytes_and_pickles():
    parts = split(CSV, [{"a", "c"}, {"b", "d"}])
    ps = [x.partial("funnel", steps=["view", "cart"]) for x in parts]
    m = journey.merge_partials([ps[0].to_bytes(), ps[1]])
    back = pickle.loads(pickle.dumps(m))
    assert back == m
    assert back.finish() == journey.EventLog.from_csv_text(CSV).funnel(["view", "cart"])
    assert "Partial(analysis=\"funnel\"" in repr(m)


def test_context_of_merge_bytes_and_pickle():
    a, b = split(CSV, [{"a", "c"}, {"b", "d"}])
    c = journey.Context.of(a).merge(journey.Context.of(b))
    assert c == journey.Context.of(journey.EventLog.from_csv_text(CSV))
    assert (c.first_us, c.last_us) == (0, 4_000_000 * 1_000_000)
    assert journey.Context.from_bytes(c.to_bytes()) == c
    assert pickle.loads(pickle.dumps(c)) == c
    assert journey.Context().first_us is None
    # A funnel needs no context: any context gives the same partial.
    assert a.partial("funnel", steps=["view"], context=c) == a.partial("funnel", steps=["view"])


def test_errors():
    a, b = split(CSV, [{"a", "c"}, {"b", "d"}])
    p = a.partial("funnel", steps=["view", "cart"])
    q = b.partial("funnel", steps=["view", "cart"], mode="strict")
    with pytest.raises(journey.JourneyError) as e:
        p.merge(q)
    assert e.value.code == "partial_mismatch"
    assert 'mode "ordered" and "strict"' in str(e.value)

    with pytest.raises(journey.JourneyError) as e:
        journey.Partial.from_bytes(b"not a partial")
    assert e.value.code == "invalid_partial"
    assert "not a journey partial" in str(e.value)

    data = bytearray(p.to_bytes())
    data[len(data) // 2] ^= 0x40
    with pytest.raises(journey.JourneyError, match="checksum mismatch"):
        journey.Partial.from_bytes(bytes(data))

    data = bytearray(p.to_bytes())
    data[8] = 9
    with pytest.raises(journey.JourneyError, match="format version 9"):
        journey.Partial.from_bytes(bytes(data))

    with pytest.raises(journey.ArgumentError, match="expected one of"):
        a.partial("funel", steps=["view"])
    with pytest.raises(journey.ArgumentError, match="mood"):
        a.partial("funnel", steps=["view"], mood="happy")
    with pytest.raises(journey.ArgumentError, match="Partial objects or their bytes"):
        journey.merge_partials([p, 3])
    with pytest.raises(journey.ArgumentError, match="at least one partial"):
        journey.merge_partials([])


SHOP = (
    "customer_id,timestamp,touchpoint,value\n"
    "a,2026-01-05T09:00:00Z,purchase,10.1\n"
    "a,2026-01-13T09:00:00Z,purchase,20.2\n"
    "a,2026-01-27T09:00:00Z,purchase,30.3\n"
    "b,2026-01-04T09:00:00Z,site,\n"
    "b,2026-01-07T09:00:00Z,purchase,5\n"
    "b,2026-01-08T09:00:00Z,purchase,\n"
    "c,2026-01-14T09:00:00Z,purchase,0.7\n"
    "d,2026-01-20T09:00:00Z,site,\n"
)


def finish_split(text, groups, analysis, **kwargs):
    parts = split(text, groups)
    ctx = parts[0]
    ctx = journey.Context.of(parts[0])
    for p in parts[1:]:
        ctx = ctx.merge(journey.Context.of(p))
    ps = [pickle.loads(pickle.dumps(p.partial(analysis, context=ctx, **kwargs))) for p in parts]
    return journey.merge_partials(ps).finish()


@pytest.mark.parametrize(
    "kwargs", [{}, {"period": "day", "periods": 30}, {"period": "month", "start": "*", "ret": "site"}]
)
def test_retention_split_equals_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(SHOP)
    got = finish_split(SHOP, [{"b", "c"}, set(), {"a", "d"}], "retention", **kwargs)
    assert got == log.retention(**kwargs)
    assert got.kind == "retention"


def test_retention_by_hand():
    r = finish_split(SHOP, [{"a", "d"}, {"b", "c"}], "retention", periods=4)
    assert r.cohorts[0]["cohort"] == "2026-W02"
    # Weeks +0..+3 are observable (the data ends in week 5); +4 is not.
    assert r.cohorts[0]["counts"] == [2, 1, 0, 1, None]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"start": "2026-01-12T00:00:00Z"}, {"start": "2026-01-12T00:00:00Z", "end": "2026-01-19T00:00:00Z"}],
)
def test_kpis_split_equal_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(SHOP)
    got = finish_split(SHOP, [{"a", "d"}, {"b", "c"}], "kpis", **kwargs)
    assert got == log.kpis(**kwargs)


def test_kpis_exact_revenue_and_context_errors():
    k = finish_split(SHOP, [{"a"}, {"b"}, {"c", "d"}], "kpis")
    # 10.1 + 20.2 + 30.3 + 5 + 0.7, summed exactly and rounded once.
    assert k.revenue == 66.3
    assert k.n_orders == 6  # b's second purchase has no value: an order without revenue
    a, _ = split(SHOP, [{"a", "d"}, {"b", "c"}])
    with pytest.raises(journey.JourneyError, match="kpis needs the context of the whole log") as e:
        a.partial("kpis")
    assert e.value.code == "partial_mismatch"


PATHS = (
    "customer_id,timestamp,touchpoint,channel,value\n"
    "a,0,ad,social,\na,3600,mail,email,\na,7200,purchase,web,10.1\n"
    "a,9000,ad,social,\na,9600,purchase,web,20.2\n"
    "b,0,mail,email,\nb,60,site,web,\nb,120,purchase,web,0.7\n"
    "c,0,ad,social,\nc,60,site,web,\n"
    "d,0,site,web,\nd,30,purchase,web,5\n"
)

GROUPS = [{"d", "a"}, set(), {"c"}, {"b"}]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"model": "time_decay"},
        {"model": "linear", "level": "touchpoint", "exclude": ["site", "nowhere"]},
        {"model": "shapley", "first_conversion_only": True},
        {"model": "position_based", "collapse_repeats": True, "lookback": "1h"},
        {"model": "markov", "order": 2},
        {"model": "data_driven_shapley"},
    ],
)
def test_attribution_split_equals_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(PATHS)
    got = finish_split(PATHS, GROUPS, "attribution", **kwargs)
    assert got == log.attribution(**kwargs)
    assert got.to_dict() == log.attribution(**kwargs).to_dict()


def test_attribution_table_and_path_table():
    log = journey.EventLog.from_csv_text(PATHS)
    t = finish_split(PATHS, GROUPS, "attribution_table")
    assert t == log.attribution_table()
    assert t.kind == "attribution_table"
    # 4 conversions of value 36: 10.1 + 20.2 + 0.7 + 5 summed exactly.
    assert t.total_conversions == 4
    assert t.total_value == 36.0
    pt = finish_split(PATHS, GROUPS, "path_table", level="touchpoint")
    assert isinstance(pt, journey.PathTable)
    direct = journey.PathTable.from_log(log, level="touchpoint")
    assert pt.rows() == direct.rows()
    # rows() lists the paths in name order (so a table rebuilt from its rows is the same).
    assert [r["path"] for r in pt.rows()] == ["ad", "ad>mail", "ad>site", "mail>site", "site"]
    assert pt.attribution(model="linear") == direct.attribution(model="linear")


@pytest.mark.parametrize("kwargs", [{}, {"gap": "10m", "inactivity": "1h", "per_customer": True}])
def test_sessions_split_equal_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(PATHS)
    got = finish_split(PATHS, GROUPS, "sessions", **kwargs)
    assert got == log.sessions(**kwargs)
    assert got.to_dict() == log.sessions(**kwargs).to_dict()


def test_sessions_by_hand():
    s = finish_split(PATHS, GROUPS, "sessions", gap="10m", inactivity="30m", per_customer=True)
    # a: [0], [3600], [7200], [9000, 9600] (a gap of exactly 10 min stays in the session);
    # b, c, d: one session each.
    assert s.n_sessions == 7
    # a's two gaps of 1 h are longer than 30 min; its gap of exactly 30 min is not.
    assert s.n_inactivity_periods == 2
    assert [r["customer_id"] for r in s.customers] == ["a", "b", "c", "d"]


@pytest.mark.parametrize(
    "kwargs", [{}, {"level": "channel", "session_gap": "30m"}, {"collapse_repeats": True}]
)
def test_transition_graph_split_equals_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(PATHS)
    got = finish_split(PATHS, GROUPS, "transition_graph", **kwargs)
    assert isinstance(got, journey.TransitionGraph)
    want = log.transition_graph(**kwargs)
    assert got.to_dict() == want.to_dict()
    assert got.edges() == want.edges()
    assert got.to_dot() == want.to_dot()


def test_transition_graph_by_hand():
    g = finish_split(PATHS, GROUPS, "transition_graph")
    edge = {(e["source"], e["target"]): e for e in g.edges()}
    # ad -> mail (a, 3600 s); ad -> purchase (a, 600 s); ad -> site (c, 60 s).
    assert edge[("ad", "site")]["median_time_s"] == 60.0
    assert edge[("start", "ad")]["count"] == 2
    assert edge[("site", "purchase")]["customers"] == 2  # b and d


@pytest.mark.parametrize("kwargs", [{}, {"level": "touchpoint", "first_conversion_only": True}])
def test_conversion_paths_split_equal_the_direct_call(kwargs):
    log = journey.EventLog.from_csv_text(PATHS)
    got = finish_split(PATHS, GROUPS, "conversion_paths", **kwargs)
    assert got == log.conversion_paths(**kwargs)

def test_conversion_paths_by_hand():
    got = finish_split(PATHS, GROUPS, "conversion_paths", level="touchpoint")
    # a's two paths, then b's, c's (not converted), d's: customers in id order.
    assert [r["customer_id"] for r in got.rows] == ["a", "a", "b", "c", "d"]
    assert [r["converted"] for r in got.rows] == [True, True, True, False, True]
    assert got.n_conversions == 4


def test_path_stats_split_equals_the_whole():
    log = journey.EventLog.from_csv_text(CSV)
    parts = split(CSV, [["a", "d"], ["b", "c"]])
    for kw in [{}, {"level": "channel", "top": 1}, {"attribution_model": "markov"}]:
        merged = journey.merge_partials(p.partial("path_stats", **kw) for p in parts)
        merged = pickle.loads(pickle.dumps(merged))
        assert merged.finish() == log.path_stats(**kw), kw
    # a [view cart] converts after 90 s; b [view cart], c [view ad cart], d [cart] do not.
    s = journey.merge_partials(p.partial("path_stats") for p in parts).finish()
    assert (s["n_paths"], s["n_conversions"]) == (4, 1)
    assert s["time_to_convert_s"]["median"] == 90


SURVEYS = "customer_id,timestamp,touchpoint,nps,csat\na,70,cart,9,5\nb,40,,3,2\nc,25,ad,10,\nz,1,view,0,1\n"


def test_survey_scores_map_and_report_from_partials():
    log = journey.EventLog.from_csv_text(CSV)
    surveys = journey.Surveys.from_csv_text(SURVEYS)
    left, right = split(CSV, [["a", "c"], ["b", "d"]])
    head = "customer_id,timestamp,touchpoint,nps,csat\n"
    sl = journey.Surveys.from_csv_text(head + "a,70,cart,9,5\nc,25,ad,10,\n")
    # z has no events: its response may go to either partition.
    sr = journey.Surveys.from_csv_text(head + "b,40,,3,2\nz,1,view,0,1\n")
    nps = left.partial("nps", surveys=sl, by="persona").merge(
        right.partial("nps", surveys=sr, by="persona")
    ).finish()
    assert nps == surveys.with_log(log).nps(by="persona")
    # a is x (9), b is y (3), c has no persona (10) and z no events (0).
    assert [(g["key"], g["n"]) for g in nps["groups"]] == [("x", 1), ("y", 1), (None, 2)]
    m = left.partial("map_from_data", surveys=sl, min_responses=1).merge(
        right.partial("map_from_data", surveys=sr, min_responses=1)
    )
    assert m.finish() == log.map_from_data(surveys, min_responses=1)
    assert m.finish() == journey.JourneyMap.from_data(log, surveys, min_responses=1)
    steps = left.partial("funnel_steps").merge(right.partial("funnel_steps")).finish()
    assert steps == ["view", "cart", "purchase"]
    ctx = journey.Context.of(left).merge(journey.Context.of(right))
    html = journey.merge_partials(
        p.partial("report", context=ctx, surveys=s, funnel_steps=steps)
        for p, s in [(left, sl), (right, sr)]
    ).finish()
    assert html == log.report(surveys) == journey.report(log, surveys)
    with pytest.raises(journey.ArgumentError, match="funnel_steps"):
        left.partial("report", context=ctx)
    with pytest.raises(journey.ArgumentError, match="survey responses"):
        left.partial("nps")
