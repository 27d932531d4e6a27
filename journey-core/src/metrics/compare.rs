//! What changed (docs/compare.md): two periods, or two segments, of one event log side by side,
//! for the funnel (conversion per step and overall) and the key KPIs (conversion rate, repeat
//! purchase rate), each with the change, its 95% interval, a p-value, the Benjamini-Hochberg
//! q-value across everything compared and a significance flag.
//!
//! Every figure compared is a rate `count / total` on each side. The test of a difference is the
//! two-proportion z-test (pooled variance, no continuity correction), or Fisher's exact test
//! when a cell of the 2x2 table would expect fewer than 5 observations under no difference
//! (Cochran's rule). The interval of the change `rate_b - rate_a` is Newcombe's hybrid score
//! interval (from the two Wilson intervals), which stays inside [-1, 1] and behaves at rates
//! of 0 and 1, unlike the Wald interval.

use serde::{Deserialize, Serialize};

use super::funnel::{funnel, FunnelMode, FunnelOptions, FunnelStep};
use super::retention::{kpis, KpiOptions, TimeBound};
use super::significance::{bh_q_values, fisher_two_sided, Z975};
use super::survey::{erfc, wilson};
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::{format_us, Duration};

/// One side of a comparison: a period (`from` inclusive, `to` exclusive), a segment (the
/// customers whose `property` has this `value`: their latest non-blank one), or both.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Side {
    /// Start of the period (RFC 3339 text or integer Unix seconds); `None`: unbounded.
    pub from: Option<TimeBound>,
    /// End of the period, exclusive; `None`: unbounded.
    pub to: Option<TimeBound>,
    /// A customer property (e.g. `"persona"`) whose `value` selects the segment.
    pub property: Option<String>,
    /// The property's value.
    pub value: Option<String>,
    /// How the side is called in the result (default: from the period and the segment).
    pub label: Option<String>,
}

/// Options of [`compare`]: Python `log.compare(a, b, steps=None, window="14d",
/// mode="ordered", kpis=True, alpha=0.05)`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompareOptions {
    /// The first side (the baseline: changes are `b - a`).
    pub a: Side,
    /// The second side.
    pub b: Side,
    /// Funnel steps to compare (none: no funnel).
    #[serde(deserialize_with = "super::funnel::de::steps")]
    pub steps: Vec<FunnelStep>,
    /// The funnel's conversion window (default 14 days).
    #[serde(deserialize_with = "crate::args::named::window")]
    pub window: Duration,
    /// The funnel's order mode (default ordered).
    #[serde(deserialize_with = "crate::args::named::mode")]
    pub mode: FunnelMode,
    /// Compare the KPIs (conversion rate, repeat purchase rate; default true).
    pub kpis: bool,
    /// A change is significant when its q-value is at most this (default 0.05).
    pub alpha: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            a: Side::default(),
            b: Side::default(),
            steps: Vec::new(),
            window: Duration::from_days(14),
            mode: FunnelMode::Ordered,
            kpis: true,
            alpha: 0.05,
        }
    }
}

/// Which test gave a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateTest {
    /// The two-proportion z-test (pooled variance).
    ZTest,
    /// Fisher's exact test, two-sided (some expected cell below 5).
    Fisher,
}

/// Which way a figure moved from `a` to `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// `b` is higher.
    Up,
    /// `b` is lower.
    Down,
    /// Equal, or not comparable.
    None,
}

/// One side as compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideSummary {
    /// The side's label.
    pub label: String,
    /// Start of its period (RFC 3339), if bounded.
    pub from: Option<String>,
    /// End of its period (RFC 3339, exclusive), if bounded.
    pub to: Option<String>,
    /// Customers with events on this side.
    pub n_customers: u64,
    /// Their events on this side.
    pub n_events: u64,
}

/// One figure compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// `"funnel_step"` (conversion from the previous step), `"funnel_conversion"` (last step
    /// over the first), `"conversion_rate"` or `"repeat_purchase_rate"` (the KPIs).
    pub metric: String,
    /// What it is, e.g. `"cart -> purchase"`, `"conversion rate"`.
    pub label: String,
    /// The funnel step (1-based) for `funnel_step`.
    pub step: Option<usize>,
    /// Side a: count, total and rate (`None` when the total is 0).
    pub a_count: u64,
    /// Side a's total.
    pub a_total: u64,
    /// Side a's rate.
    pub a_rate: Option<f64>,
    /// Side b: count.
    pub b_count: u64,
    /// Side b's total.
    pub b_total: u64,
    /// Side b's rate.
    pub b_rate: Option<f64>,
    /// `b_rate - a_rate`.
    pub change: Option<f64>,
    /// Newcombe's 95% interval of the change.
    pub ci_low: Option<f64>,
    /// Its upper end.
    pub ci_high: Option<f64>,
    /// Two-sided p-value of "no difference".
    pub p_value: Option<f64>,
    /// The test used.
    pub test: Option<RateTest>,
    /// Benjamini-Hochberg q-value across the rows with a p-value.
    pub q_value: Option<f64>,
    /// `q_value <= alpha`.
    pub significant: bool,
    /// Which way it moved.
    pub direction: Movement,
}

/// What changed from side a to side b.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareResult {
    /// Side a (the baseline).
    pub a: SideSummary,
    /// Side b.
    pub b: SideSummary,
    /// The significance level of the q-values.
    pub alpha: f64,
    /// Rows with a p-value (the number of tests corrected for).
    pub n_tested: u64,
    /// Rows flagged significant.
    pub n_significant: u64,
    /// The figures, funnel first, then the KPIs.
    pub rows: Vec<ChangeRow>,
}

/// The p-value of a difference between the rates `x1 / n1` and `x2 / n2`, and the test used
/// (see the module docs). `None` when a side has no total.
pub fn two_rates_p(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, RateTest)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n, k) = ((n1 + n2) as f64, (x1 + x2) as f64);
    let small = [n1 as f64, n2 as f64]
        .iter()
        .flat_map(|&r| [r * k / n, r * (n - k) / n])
        .any(|e| e < 5.0);
    if small {
        return Some((
            fisher_two_sided([x1, n1 - x1, x2, n2 - x2]),
            RateTest::Fisher,
        ));
    }
    let (p1, p2, pooled) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64, k / n);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let z = (p2 - p1) / se;
    Some((
        erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0),
        RateTest::ZTest,
    ))
}

/// Newcombe's hybrid score 95% interval of `x2 / n2 - x1 / n1` (method 10 of Newcombe 1998).
pub fn newcombe_interval(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let (l1, u1) = wilson(x1, n1, Z975);
    let (l2, u2) = wilson(x2, n2, Z975);
    let d = p2 - p1;
    Some((
        d - ((p2 - l2).powi(2) + (u1 - p1).powi(2)).sqrt(),
        d + ((u2 - p2).powi(2) + (p1 - l1).powi(2)).sqrt(),
    ))
}

fn rate(x: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| x as f64 / n as f64)
}

fn row(
    metric: &str,
    label: String,
    step: Option<usize>,
    a: (u64, u64),
    b: (u64, u64),
) -> ChangeRow {
    let (a_rate, b_rate) = (rate(a.0, a.1), rate(b.0, b.1));
    let change = a_rate.zip(b_rate).map(|(x, y)| y - x);
    let ci = newcombe_interval(a.0, a.1, b.0, b.1);
    let test = two_rates_p(a.0, a.1, b.0, b.1);
    ChangeRow {
        metric: metric.to_string(),
        label,
        step,
        a_count: a.0,
        a_total: a.1,
        a_rate,
        b_count: b.0,
        b_total: b.1,
        b_rate,
        change,
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
        p_value: test.map(|t| t.0),
        test: test.map(|t| t.1),
        q_value: None,
        significant: false,
        direction: match change {
            Some(c) if c > 0.0 => Movement::Up,
            Some(c) if c < 0.0 => Movement::Down,
            _ => Movement::None,
        },
    }
}

/// The side's events, and its summary.
fn select(log: &EventLog, side: &Side, name: &str) -> Result<(EventLog, SideSummary)> {
    let bad = |why: String| Error::argument(name, why);
    let from = side.from.as_ref().map(|t| t.to_us(name)).transpose()?;
    let to = side.to.as_ref().map(|t| t.to_us(name)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(bad(format!(
                "from {} is not before to {}",
                format_us(f),
                format_us(t)
            )));
        }
    }
    let segment = match (&side.property, &side.value) {
        (Some(p), Some(v)) => Some((p, v)),
        (None, None) => None,
        (Some(p), None) => return Err(bad(format!("property {p:?} needs a value"))),
        (None, Some(v)) => return Err(bad(format!("value {v:?} needs a property"))),
    };
    if from.is_none() && to.is_none() && segment.is_none() {
        return Err(bad(
            "expected a period (from, to) or a segment (property and value), or both".into(),
        ));
    }
    let by_segment;
    let base = match segment {
        None => log,
        Some((p, v)) => {
            let Some(values) = log.customer_property(p) else {
                let known: Vec<&str> = log.properties().iter().map(|p| p.name.as_str()).collect();
                return Err(bad(format!(
                    "{p:?} is not a property of the log; its properties are {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            };
            let keep: Vec<bool> = values.iter().map(|x| *x == Some(v.as_str())).collect();
            by_segment = log.select_customers(&keep)?;
            &by_segment
        }
    };
    let sub = if from.is_some() || to.is_some() {
        base.select_period(from, to)
    } else {
        base.clone()
    };
    let label = side.label.clone().unwrap_or_else(|| {
        let mut parts = Vec::new();
        if let Some((p, v)) = segment {
            parts.push(format!("{p} = {v}"));
        }
        match (from, to) {
            (None, None) => {}
            (f, t) => parts.push(format!(
                "{} to {}",
                f.map_or("start".to_string(), format_us),
                t.map_or("end".to_string(), format_us)
            )),
        }
        parts.join(", ")
    });
    let summary = SideSummary {
        label,
        from: from.map(format_us),
        to: to.map(format_us),
        n_customers: sub.n_customers() as u64,
        n_events: sub.n_events() as u64,
    };
    Ok((sub, summary))
}

/// (count, total) per funnel figure: each step from the step before it (the required step
/// before it for an optional step or one after it), then the whole funnel when it has more
/// than two steps.
fn funnel_figures(log: &EventLog, opts: &CompareOptions) -> Result<Vec<(u64, u64)>> {
    let f = funnel(
        log,
        &FunnelOptions {
            steps: opts.steps.clone(),
            window: opts.window,
            mode: opts.mode,
            ..FunnelOptions::default()
        },
    )?;
    let mut out = Vec::new();
    let mut prev = f.steps[0].customers;
    for s in f.steps.iter().skip(1) {
        out.push((s.customers, prev));
        if !s.optional {
            prev = s.customers;
        }
    }
    if f.steps.len() > 2 {
        out.push((f.steps[f.steps.len() - 1].customers, f.steps[0].customers));
    }
    Ok(out)
}

/// Compares two sides of a log; see the module docs and `docs/compare.md`.
///
/// ```
/// use journey_core::metrics::compare::{compare, CompareOptions, Side};
/// let csv = "customer_id,timestamp,touchpoint,persona\n\
///            a,0,view,x\na,5,purchase,x\nb,0,view,x\nc,0,view,y\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let side = |v: &str| Side { property: Some("persona".into()), value: Some(v.into()), ..Side::default() };
/// let r = compare(&log, &CompareOptions { a: side("x"), b: side("y"), ..Default::default() }).unwrap();
/// assert_eq!(r.rows[0].label, "conversion rate");
/// assert_eq!((r.rows[0].a_rate, r.rows[0].b_rate), (Some(0.5), Some(0.0)));
/// ```
pub fn compare(log: &EventLog, opts: &CompareOptions) -> Result<CompareResult> {
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(Error::argument(
            "alpha",
            format!("{}: expected a number between 0 and 1", opts.alpha),
        ));
    }
    if opts.steps.is_empty() && !opts.kpis {
        return Err(Error::argument(
            "steps",
            "nothing to compare: give funnel steps, or leave kpis on",
        ));
    }
    let (la, sa) = select(log, &opts.a, "a")?;
    let (lb, sb) = select(log, &opts.b, "b")?;
    let mut rows = Vec::new();
    if !opts.steps.is_empty() {
        let (fa, fb) = (funnel_figures(&la, opts)?, funnel_figures(&lb, opts)?);
        let k = opts.steps.len();
        let mut prev = 0;
        for (i, (a, b)) in fa.into_iter().zip(fb).enumerate() {
            if i + 1 < k {
                let j = i + 1;
                rows.push(row(
                    "funnel_step",
                    format!(
                        "{} \u{2192} {}",
                        opts.steps[prev].label(),
                        opts.steps[j].label()
                    ),
                    Some(j + 1),
                    a,
                    b,
                ));
                if !opts.steps[j].is_optional() {
                    prev = j;
                }
            } else {
                rows.push(row(
                    "funnel_conversion",
                    format!(
                        "funnel {} \u{2192} {}",
                        opts.steps[0].label(),
                        opts.steps[k - 1].label()
                    ),
                    None,
                    a,
                    b,
                ));
            }
        }
    }
    if opts.kpis {
        let (ka, kb) = (
            kpis(&la, &KpiOptions::default())?,
            kpis(&lb, &KpiOptions::default())?,
        );
        rows.push(row(
            "conversion_rate",
            "conversion rate".to_string(),
            None,
            (ka.n_buyers, ka.n_customers),
            (kb.n_buyers, kb.n_customers),
        ));
        rows.push(row(
            "repeat_purchase_rate",
            "repeat purchase rate".to_string(),
            None,
            (ka.n_repeat_buyers, ka.n_buyers),
            (kb.n_repeat_buyers, kb.n_buyers),
        ));
    }
    let tested: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested.iter().filter_map(|&i| rows[i].p_value).collect();
    for (&i, q) in tested.iter().zip(bh_q_values(&p)) {
        rows[i].q_value = Some(q);
        rows[i].significant = q <= opts.alpha;
    }
    Ok(CompareResult {
        a: sa,
        b: sb,
        alpha: opts.alpha,
        n_tested: tested.len() as u64,
        n_significant: rows.iter().filter(|r| r.significant).count() as u64,
        rows,
    })
}

impl EventLog {
    /// What changed between two periods or segments of this log; see [`compare`].
    pub fn compare(&self, opts: &CompareOptions) -> Result<CompareResult> {
        compare(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    /// Week 1 (side a): 40 customers view, 30 add to cart, 20 buy, 5 of them twice. Week 2
    /// (side b): 40 view, 30 add to cart, 10 buy, 5 of them twice. Persona = the week.
    pub(crate) fn two_weeks_csv() -> String {
        let mut csv = String::from("customer_id,timestamp,touchpoint,persona\n");
        for (side, day, buyers) in [("a", "02", 20), ("b", "09", 10)] {
            for i in 0..40 {
                let t = |m: u32| format!("2026-01-{day}T10:{m:02}:00Z");
                let mut ev = vec![(0, "view")];
                if i < 30 {
                    ev.push((1, "cart"));
                }
                if i < buyers {
                    ev.push((2, "purchase"));
                }
                if i < 5 {
                    ev.push((3, "purchase"));
                }
                for (m, tp) in ev {
                    csv.push_str(&format!("{side}{i},{},{tp},week{side}\n", t(m)));
                }
            }
        }
        csv
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    fn weeks() -> CompareOptions {
        CompareOptions {
            a: Side {
                from: Some("2026-01-01T00:00:00Z".into()),
                to: Some("2026-01-08T00:00:00Z".into()),
                ..Side::default()
            },
            b: Side {
                from: Some("2026-01-08T00:00:00Z".into()),
                to: Some("2026-01-15T00:00:00Z".into()),
                ..Side::default()
            },
            steps: vec!["view".into(), "cart".into(), "purchase".into()],
            ..CompareOptions::default()
        }
    }

    #[test]
    fn two_weeks_by_hand() {
        let log = read_events_csv(two_weeks_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let r = compare(&log, &weeks()).unwrap();
        assert_eq!((r.a.n_customers, r.b.n_customers), (40, 40));
        assert_eq!(r.a.label, "2026-01-01T00:00:00Z to 2026-01-08T00:00:00Z");
        let labels: Vec<&str> = r.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "view \u{2192} cart",
                "cart \u{2192} purchase",
                "funnel view \u{2192} purchase",
                "conversion rate",
                "repeat purchase rate"
            ]
        );
        let s = &r.rows;
        // view -> cart: 30/40 on both sides: z = 0, p = 1; Newcombe +-0.18649.
        assert_eq!((s[0].change, s[0].p_value), (Some(0.0), Some(1.0)));
        assert_eq!(s[0].test, Some(RateTest::ZTest));
        assert!(close(s[0].ci_high, 0.186_487_229_316_317));
        // cart -> purchase: 20/30 vs 10/30, pooled 1/2: z = (1/3 - 2/3) / sqrt(1/4 x 2/30)
        // = -2.58199, p = erfc(2.58199 / sqrt 2) = 0.0098233.
        assert!(close(s[1].change, -1.0 / 3.0));
        assert!(close(s[1].p_value, 0.009_823_274_507_519_254));
        assert!(close(s[1].ci_low, -0.532_777_542_113_118_9));
        assert!(close(s[1].ci_high, -0.080_378_397_841_008_97));
        assert_eq!(s[1].direction, Movement::Down);
        // The funnel and the KPI conversion rate: 20/40 vs 10/40, pooled 3/8: z = -2.30940,
        // p = 0.0209213.
        for x in [&s[2], &s[3]] {
            assert!(close(x.p_value, 0.020_921_335_337_794_028));
            assert!(close(x.ci_low, -0.433_295_500_849_910_4));
        }
        // Repeat purchases: 5/20 vs 5/10; an expected cell is 10 x 10/30 = 3.3 < 5: Fisher's
        // exact test, p = 0.2308.
        assert_eq!(s[4].test, Some(RateTest::Fisher));
        assert!(close(s[4].p_value, 0.230_799_185_821_674_58));
        assert_eq!(s[4].direction, Movement::Up);
        // Benjamini-Hochberg over 5: the three smallest p-values (0.0098, 0.0209, 0.0209) all
        // get q = 5 x 0.0209 / 3 = 0.034869; the Fisher row 5 x 0.2308 / 4 = 0.2885; p = 1: 1.
        assert!(close(s[1].q_value, 0.034_868_892_229_656_716));
        assert!(close(s[2].q_value, 0.034_868_892_229_656_716));
        assert!(close(s[4].q_value, 0.288_498_982_277_093_25));
        assert_eq!(s[0].q_value, Some(1.0));
        let flags: Vec<bool> = s.iter().map(|r| r.significant).collect();
        assert_eq!(flags, [false, true, true, true, false]);
        assert_eq!((r.n_tested, r.n_significant), (5, 3));
    }

    #[test]
    fn segments_give_the_same_as_periods_here() {
        let log = read_events_csv(two_weeks_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let seg = |v: &str| Side {
            property: Some("persona".into()),
            value: Some(v.into()),
            ..Side::default()
        };
        let by_week = compare(&log, &weeks()).unwrap();
        let by_seg = compare(
            &log,
            &CompareOptions {
                a: seg("weeka"),
                b: seg("weekb"),
                ..weeks()
            },
        )
        .unwrap();
        assert_eq!(by_seg.a.label, "persona = weeka");
        assert_eq!(by_seg.rows, by_week.rows);
    }

    #[test]
    fn bad_sides_are_errors() {
        let log = read_events_csv(two_weeks_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let err = |o: CompareOptions| compare(&log, &o).unwrap_err().to_string();
        let e = err(CompareOptions::default());
        assert!(e.contains("a: expected a period"), "{e}");
        let mut o = weeks();
        o.b.from = Some("2026-01-20T00:00:00Z".into());
        assert!(err(o).contains("is not before to"));
        let mut o = weeks();
        o.a = Side {
            property: Some("plan".into()),
            value: Some("pro".into()),
            ..Side::default()
        };
        let e = err(o);
        assert!(
            e.contains("\"plan\" is not a property") && e.contains("persona"),
            "{e}"
        );
        let mut o = weeks();
        o.a.value = Some("x".into());
        assert!(err(o).contains("needs a property"));
        let mut o = weeks();
        o.alpha = 1.5;
        assert!(err(o).contains("alpha"));
    }

    #[test]
    fn small_and_empty_sides() {
        // Fisher at small counts; an empty side has no rates and no test.
        assert_eq!(two_rates_p(0, 3, 3, 3).map(|t| t.1), Some(RateTest::Fisher));
        assert!(close(two_rates_p(0, 3, 3, 3).map(|t| t.0), 0.1));
        assert_eq!(two_rates_p(0, 0, 3, 3), None);
        let log = read_events_csv(two_weeks_csv().as_bytes(), &LoadOptions::default()).unwrap();
        let mut o = weeks();
        o.b.from = Some("2027-01-01T00:00:00Z".into());
        o.b.to = None;
        let r = compare(&log, &o).unwrap();
        assert_eq!(r.b.n_customers, 0);
        assert!(r
            .rows
            .iter()
            .all(|x| x.p_value.is_none() && x.b_rate.is_none()));
        assert_eq!(r.n_tested, 0);
    }
}
