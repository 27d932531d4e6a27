//! The survey rows of a comparison: NPS, CSAT and CES of each side's responses.
//!
//! A response belongs to a side when its customer is one of the side's customers (has an event
//! on that side) and, when the side has a period, it was given within the period. Each score
//! is then computed from the histogram of the side's answers, as `surveys.nps()` does:
//!
//! - NPS: the NPS difference test of the survey metrics: `SE = sqrt(SE_a^2 + SE_b^2)`,
//!   `z = (NPS_b - NPS_a) / SE`, the 95% interval `change +- 1.96 SE`.
//! - CSAT: the share answering 4 or 5, compared as every other rate (two-proportion z-test or
//!   Fisher's exact test, Newcombe's interval).
//! - CES: the mean answer, by Welch's t-test: `t = (mean_b - mean_a) / sqrt(s_a^2/n_a +
//!   s_b^2/n_b)` with the Welch-Satterthwaite degrees of freedom rounded down (the
//!   conservative choice), the interval `change +- t(0.975, df) SE`. Beyond 10,000 degrees of
//!   freedom the p-value is the normal one (they agree to 4 digits there).

use super::{row, ChangeRow, RateTest, Unit};
use crate::metrics::survey::{
    erfc, nps_diff, t_critical_95, t_two_sided_cdf, CesResult, CsatResult, NpsResult,
};
use crate::model::{EventLog, Surveys, NO_SCORE};

/// Degrees of freedom beyond which the CES test uses the normal distribution.
const T_EXACT_MAX_DF: u64 = 10_000;

/// The histograms of one side's answers.
#[derive(Debug, Default, PartialEq)]
pub(super) struct SideScores {
    nps: [u64; 11],
    csat: [u64; 5],
    ces: [u64; 7],
}

/// The answers of the responses of `log`'s customers within `period` (microseconds, `to`
/// excluded).
pub(super) fn side_scores(
    surveys: &Surveys,
    log: &EventLog,
    (from, to): (Option<i64>, Option<i64>),
) -> SideScores {
    let mut out = SideScores::default();
    // Responses come sorted by customer: remember the last customer looked up.
    let mut last: Option<(u32, bool)> = None;
    for r in 0..surveys.len() {
        let t = surveys.ts[r];
        if from.is_some_and(|f| t < f) || to.is_some_and(|e| t >= e) {
            continue;
        }
        let sc = surveys.customer[r];
        let known = match last {
            Some((k, known)) if k == sc => known,
            _ => {
                let name = surveys.customers.name(sc);
                let known = log.customers.get(name).is_some();
                last = Some((sc, known));
                known
            }
        };
        if !known {
            continue;
        }
        let (n, c, e) = (surveys.nps[r], surveys.csat[r], surveys.ces[r]);
        if n != NO_SCORE {
            out.nps[n as usize] += 1;
        }
        if c != NO_SCORE {
            out.csat[c as usize - 1] += 1;
        }
        if e != NO_SCORE {
            out.ces[e as usize - 1] += 1;
        }
    }
    out
}

/// The NPS, CSAT and CES rows; a score nobody answered on either side has no row.
pub(super) fn score_rows(
    surveys: &Surveys,
    (la, pa): (&EventLog, (Option<i64>, Option<i64>)),
    (lb, pb): (&EventLog, (Option<i64>, Option<i64>)),
) -> Vec<ChangeRow> {
    let (sa, sb) = (side_scores(surveys, la, pa), side_scores(surveys, lb, pb));
    let mut rows = Vec::new();
    let (na, nb) = (
        NpsResult::from_counts(&sa.nps),
        NpsResult::from_counts(&sb.nps),
    );
    if na.n + nb.n > 0 {
        rows.push(nps_row(&na, &nb));
    }
    let (ca, cb) = (
        CsatResult::from_counts(&sa.csat),
        CsatResult::from_counts(&sb.csat),
    );
    if ca.n + cb.n > 0 {
        rows.push(row(
            "csat",
            "CSAT (share answering 4 or 5)".to_string(),
            None,
            (ca.satisfied, ca.n),
            (cb.satisfied, cb.n),
        ));
    }
    let (ea, eb) = (
        CesResult::from_counts(&sa.ces),
        CesResult::from_counts(&sb.ces),
    );
    if ea.n + eb.n > 0 {
        rows.push(ces_row(&ea, &eb));
    }
    rows
}

/// NPS `b - a` with the NPS difference test.
pub(crate) fn nps_row(a: &NpsResult, b: &NpsResult) -> ChangeRow {
    let d = nps_diff(b, a);
    ChangeRow::new(
        "nps",
        "NPS".to_string(),
        Unit::NpsPoints,
        (a.n, a.nps),
        (b.n, b.nps),
        d.ci_low.zip(d.ci_high),
        d.p_value.map(|p| (p, RateTest::ZTest)),
    )
}

/// Welch's test of the difference of the CES means `b - a`: its interval and p-value; `None`
/// when a side has fewer than two answers or both answered unanimously.
pub(crate) fn welch(a: &CesResult, b: &CesResult) -> Option<((f64, f64), f64)> {
    let (ma, mb, sa, sb) = (a.mean?, b.mean?, a.sd?, b.sd?);
    let (va, vb) = (sa * sa / a.n as f64, sb * sb / b.n as f64);
    let se = (va + vb).sqrt();
    if se == 0.0 {
        return None;
    }
    let df = (va + vb).powi(2) / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    // At least 1: with one side unanimous, df is the other side's n - 1.
    let df = ((df + 1e-9).floor() as u64).max(1);
    let d = mb - ma;
    let t = d / se;
    let p = if df > T_EXACT_MAX_DF {
        erfc(t.abs() / std::f64::consts::SQRT_2)
    } else {
        1.0 - t_two_sided_cdf(t.abs(), df)
    };
    let half = t_critical_95(df) * se;
    Some(((d - half, d + half), p.clamp(0.0, 1.0)))
}

/// CES `b - a` with Welch's t-test.
pub(crate) fn ces_row(a: &CesResult, b: &CesResult) -> ChangeRow {
    let w = welch(a, b);
    ChangeRow::new(
        "ces",
        "CES (mean effort, 1 to 7)".to_string(),
        Unit::Score,
        (a.n, a.mean),
        (b.n, b.mean),
        w.map(|w| w.0),
        w.map(|w| (w.1, RateTest::WelchT)),
    )
}
