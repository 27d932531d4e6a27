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


def two_weeks_surveys_csv():
    # NPS 40 (6 promoters, 2 passives, 2 detractors of 10) against -10 (3, 3, 4); CSAT 8 of 10
    # satisfied against 4 of 10; CES 2, 2, 3, 3, 4 against 4, 5, 5, 6, 6. One answer after both
    # weeks and one of a customer not in the log are on neither side.
    nps = [("a", "03", [10] * 6 + [8, 8, 3, 3]), ("b", "10", [10] * 3 + [8] * 3 + [3] * 4)]
    csat = [[5, 5, 5, 4, 4, 4, 4, 4, 2, 3], [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]]
    ces = [[2, 2, 3, 3, 4], [4, 5, 5, 6, 6]]
    rows = ["customer_id,timestamp,touchpoint,nps,csat,ces"]
    for k, (side, day, scores) in enumerate(nps):
        for i in range(10):
            effort = ces[k][i] if i < 5 else ""
            rows.append(f"{side}{i},2026-01-{day}T12:00:00Z,purchase,{scores[i]},{csat[k][i]},{effort}")
    rows += ["a0,2026-02-01T12:00:00Z,purchase,0,1,7", "zz,2026-01-03T12:00:00Z,purchase,0,1,7"]
    return "\n".join(rows) + "\n"


def test_compare_survey_scores_by_hand(log):
    import math

    surveys = journey.Surveys.from_csv_text(two_weeks_surveys_csv())
    r = log.compare(WEEK1, WEEK2, surveys, steps=["view", "cart", "purchase"])
    by = {x["metric"]: x for x in r.rows}
    # NPS 40 -> -10: SE = sqrt(640 + 690) = 36.4692, z = -1.37102, p = 0.1704: a 50-point fall
    # that 10 answers a side cannot tell from noise.
    nps = by["nps"]
    assert (nps["unit"], nps["a_rate"], nps["b_rate"], nps["a_total"]) == ("nps_points", 40.0, -10.0, 10)
    assert nps["change"] == pytest.approx(-50.0)
    assert nps["ci_low"] == pytest.approx(-50 - 1.96 * math.sqrt(1330))
    assert nps["p_value"] == pytest.approx(math.erfc(50 / math.sqrt(1330) / math.sqrt(2)), rel=1e-12)
    assert not nps["significant"]
    # CSAT 8/10 -> 4/10: an expected cell of 4, Fisher: 2 (66 + 1760 + 13860) / C(20, 10).
    csat = by["csat"]
    assert (csat["a_count"], csat["b_count"], csat["test"]) == (8, 4, "fisher")
    assert csat["p_value"] == pytest.approx(31372 / 184756, rel=1e-12)
    # CES 2.8 -> 5.2: Welch, 8 degrees of freedom, t(0.975, 8) = 2.306004.
    ces = by["ces"]
    assert (ces["unit"], ces["test"], ces["direction"]) == ("score", "welch_t", "up")
    half = 2.306004135204166 * math.sqrt(0.28)
    assert (ces["ci_low"], ces["ci_high"]) == pytest.approx((2.4 - half, 2.4 + half), rel=1e-8)
    assert ces["p_value"] == pytest.approx(0.00191029, abs=1e-7)
    # The table with arrows.
    svg = r.chart().to_svg()
    assert "What changed" in svg and "<polygon" in svg and "NPS" in svg


def retention_csv():
    # Personas x and y: 20 purchase cohorts each in 2026-W02; 12 and 6 buy again a week later,
    # 6 and 5 four weeks later.
    rows = ["customer_id,timestamp,touchpoint,persona"]
    for p, w1, w4 in [("x", 12, 6), ("y", 6, 5)]:
        for i in range(20):
            rows.append(f"{p}{i},2026-01-05T10:00:00Z,purchase,{p}")
            if i < w1:
                rows.append(f"{p}{i},2026-01-13T10:00:00Z,purchase,{p}")
            if i >= 20 - w4:
                rows.append(f"{p}{i},2026-02-03T10:00:00Z,purchase,{p}")
    return "\n".join(rows) + "\n"


def test_compare_retention_periods_by_hand():
    import math

    log = journey.EventLog.from_csv_text(retention_csv())
    r = log.compare(
        {"property": "persona", "value": "x"}, {"property": "persona", "value": "y"},
        retention_periods=[1, 4], retention={"period": "week"})
    ret = [x for x in r.rows if x["metric"] == "retention"]
    assert [(x["label"], x["period"]) for x in ret] == [("retained in week 1", 1), ("retained in week 4", 4)]
    assert [(x["a_count"], x["a_total"], x["b_count"], x["b_total"]) for x in ret] == [(12, 20, 6, 20), (6, 20, 5, 20)]
    # Week 1: pooled 0.45, z = -0.3 / sqrt(0.45 x 0.55 x 0.1) = -1.90693, p = 0.05653.
    z = 0.3 / math.sqrt(0.45 * 0.55 * 0.1)
    assert ret[0]["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)


def channels_csv():
    # Persona x: 30 customers convert after an email, y: 30 after a social ad; each also has 10
    # who touch the other channel and never convert.
    rows = ["customer_id,timestamp,touchpoint,channel,persona"]
    for p, conv, other in [("x", "email", "social"), ("y", "social", "email")]:
        for i in range(30):
            rows += [f"{p}{i},2026-01-05T10:00:00Z,{conv},{conv},{p}", f"{p}{i},2026-01-05T11:00:00Z,purchase,web,{p}"]
        rows += [f"{p}{i},2026-01-05T10:00:00Z,{other},{other},{p}" for i in range(30, 40)]
    return "\n".join(rows) + "\n"


def test_compare_attribution_shares_bootstrap():
    log = journey.EventLog.from_csv_text(channels_csv())
    x, y = {"property": "persona", "value": "x"}, {"property": "persona", "value": "y"}
    r = log.compare(x, y, attribution={}, resamples=99)
    assert (r.resamples, r.seed) == (99, 1)
    email = next(row for row in r.rows if row["channel"] == "email")
    # The email share is 1 on side a and 0 on side b in every resample: interval [-1, -1],
    # p = 2 / (99 + 1).
    assert (email["a_rate"], email["b_rate"], email["change"]) == (1.0, 0.0, -1.0)
    assert (email["ci_low"], email["ci_high"], email["test"]) == (-1.0, -1.0, "bootstrap")
    assert email["p_value"] == pytest.approx(0.02)
    assert log.compare(x, y, attribution={}, resamples=99).rows == r.rows
    with pytest.raises(journey.JourneyError, match="time_decay"):
        log.compare(x, y, attribution={"model": "time_decay"})
    with pytest.raises(journey.JourneyError, match="resamples"):
        log.compare(x, y, attribution={}, resamples=0)


def test_report_what_changed(log):
    html = journey.report(log, compare={"a": {**WEEK1, "label": "week 1"}, "b": {**WEEK2, "label": "week 2"}},
                          funnel=["view", "cart", "purchase"])
    assert "What changed" in html and "week 2" in html and "<polygon" in html
