//! Sessions and periods of inactivity (docs/journeys.md).
//!
//! A session is a maximal run of a customer's events in which each gap between consecutive
//! events is at most `gap` (default 30 minutes). A period of inactivity is a gap between two
//! consecutive events longer than `inactivity` (default 7 days).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::distribution::{add_counts, bump, Distribution, Samples};
use super::fold::{fold_customers, join};
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::{format_us, Duration, US_PER_SEC};

/// Options of [`sessions`] (Python `log.sessions(gap="30m", inactivity="7d", per_customer=False)`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionOptions {
    /// Longest gap inside a session (a longer gap starts a new session). Default 30 minutes.
    #[serde(deserialize_with = "crate::args::named::gap")]
    pub gap: Duration,
    /// Gaps longer than this are periods of inactivity. Default 7 days.
    #[serde(deserialize_with = "crate::args::named::inactivity")]
    pub inactivity: Duration,
    /// Also return one row per customer.
    pub per_customer: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            gap: Duration::from_secs(30 * 60),
            inactivity: Duration::from_days(7),
            per_customer: false,
        }
    }
}

/// How often a touchpoint comes right before and right after a period of inactivity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapTouchpointRow {
    /// Touchpoint name.
    pub touchpoint: String,
    /// Periods of inactivity that this touchpoint's event starts (the last event before the gap).
    pub before: u64,
    /// Periods of inactivity that this touchpoint's event ends (the first event after the gap).
    pub after: u64,
}

/// A (before, after) pair of touchpoints around periods of inactivity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapTransitionRow {
    /// Touchpoint of the last event before the gap.
    pub before: String,
    /// Touchpoint of the first event after the gap.
    pub after: String,
    /// Number of periods of inactivity between the two.
    pub count: u64,
}

/// One customer's sessions and periods of inactivity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerSessionsRow {
    /// Customer id.
    pub customer_id: String,
    /// Number of events.
    pub n_events: u64,
    /// Number of sessions.
    pub n_sessions: u64,
    /// Mean session duration (first to last event of each session), seconds.
    pub mean_session_duration_s: f64,
    /// Number of periods of inactivity.
    pub n_inactivity_periods: u64,
    /// Longest gap between two consecutive events, seconds (`None` with a single event).
    pub longest_gap_s: Option<f64>,
    /// First event, RFC 3339.
    pub first_event: String,
    /// Last event, RFC 3339.
    pub last_event: String,
}

/// Sessions and periods of inactivity over all customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionsResult {
    /// The session gap used, seconds.
    pub gap_s: f64,
    /// The inactivity threshold used, seconds.
    pub inactivity_s: f64,
    /// Number of customers.
    pub n_customers: u64,
    /// Number of events.
    pub n_events: u64,
    /// Number of sessions.
    pub n_sessions: u64,
    /// Mean number of sessions per customer (`None` without customers).
    pub sessions_per_customer: Option<f64>,
    /// Session duration (first to last event of the session; 0 for one event), seconds.
    pub session_duration_s: Distribution,
    /// Events per session.
    pub events_per_session: Distribution,
    /// Number of periods of inactivity.
    pub n_inactivity_periods: u64,
    /// Customers with at least one period of inactivity.
    pub customers_with_inactivity: u64,
    /// Length of the periods of inactivity, seconds.
    pub inactivity_duration_s: Distribution,
    /// Per touchpoint seen around a period of inactivity: how often before and after it, by name.
    pub inactivity_touchpoints: Vec<GapTouchpointRow>,
    /// (before, after) touchpoint pairs around periods of inactivity, by count (descending),
    /// then names.
    pub inactivity_transitions: Vec<GapTransitionRow>,
    /// Per customer rows (customer-id order), when asked for with `per_customer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<Vec<CustomerSessionsRow>>,
}

#[derive(Default)]
pub(crate) struct Acc {
    pub(crate) n_sessions: u64,
    pub(crate) durations: Samples,
    pub(crate) events_per_session: Vec<u64>,
    pub(crate) gaps: Samples,
    pub(crate) customers_with_gap: u64,
    pub(crate) before: Vec<u64>,
    pub(crate) after: Vec<u64>,
    pub(crate) pairs: FxHashMap<(u32, u32), u64>,
    pub(crate) rows: Vec<(u32, CustomerSessionsRow)>,
}

/// Cuts every journey into sessions and finds the periods of inactivity.
///
/// ```
/// use journey_core::metrics::sessions::{sessions, SessionOptions};
/// let csv = "customer_id,timestamp,touchpoint\na,0,ad\na,600,site\na,7200,site\na,1000000,email\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let s = sessions(&log, &SessionOptions::default()).unwrap();
/// assert_eq!(s.n_sessions, 3); // [0, 600], [7200], [1000000]
/// assert_eq!(s.n_inactivity_periods, 1); // 992800 s > 7 days
/// ```
pub fn sessions(log: &EventLog, opts: &SessionOptions) -> Result<SessionsResult> {
    let acc = fold(log, opts)?;
    let Acc {
        n_sessions,
        durations,
        events_per_session,
        gaps,
        customers_with_gap,
        before,
        after,
        pairs,
        mut rows,
    } = acc;
    let n_tp = log.touchpoints().len();
    let name = |t: u32| log.touchpoint_name(t).to_string();
    let inactivity_touchpoints = (0..n_tp as u32)
        .filter(|&t| before[t as usize] + after[t as usize] > 0)
        .map(|t| GapTouchpointRow {
            touchpoint: name(t),
            before: before[t as usize],
            after: after[t as usize],
        })
        .collect();
    // Touchpoint ids are in name order, so sorting by id sorts by name.
    let transitions = pairs
        .into_iter()
        .map(|((a, b), count)| ((name(a), name(b)), count))
        .collect();
    let n_inactivity_periods = gaps.len() as u64;
    let (session_duration_s, inactivity_duration_s) = join(
        || Distribution::of_samples(durations),
        || Distribution::of_samples(gaps),
    );
    rows.sort_unstable_by_key(|r| r.0);
    Ok(finish(
        opts,
        Totals {
            n_customers: log.n_customers() as u64,
            n_events: log.n_events() as u64,
            n_sessions,
            n_inactivity_periods,
            customers_with_gap,
        },
        session_duration_s,
        &events_per_session,
        inactivity_duration_s,
        inactivity_touchpoints,
        transitions,
        rows.into_iter().map(|r| r.1).collect(),
    ))
}

/// The whole numbers of a sessions result.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub(crate) n_customers: u64,
    pub(crate) n_events: u64,
    pub(crate) n_sessions: u64,
    pub(crate) n_inactivity_periods: u64,
    pub(crate) customers_with_gap: u64,
}

/// The result from its parts, by name: touchpoint rows in name order, transitions by
/// (before, after) with their counts, per-customer rows in id order.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    opts: &SessionOptions,
    t: Totals,
    session_duration_s: Distribution,
    events_per_session: &[u64],
    inactivity_duration_s: Distribution,
    inactivity_touchpoints: Vec<GapTouchpointRow>,
    transitions: Vec<((String, String), u64)>,
    rows: Vec<CustomerSessionsRow>,
) -> SessionsResult {
    let mut pairs = transitions;
    pairs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let inactivity_transitions = pairs
        .into_iter()
        .map(|((before, after), count)| GapTransitionRow {
            before,
            after,
            count,
        })
        .collect();
    let n_customers = t.n_customers;
    SessionsResult {
        gap_s: opts.gap.as_secs_f64(),
        inactivity_s: opts.inactivity.as_secs_f64(),
        n_customers,
        n_events: t.n_events,
        n_sessions: t.n_sessions,
        sessions_per_customer: (n_customers > 0).then(|| t.n_sessions as f64 / n_customers as f64),
        session_duration_s,
        events_per_session: Distribution::of_counts(events_per_session),
        n_inactivity_periods: t.n_inactivity_periods,
        customers_with_inactivity: t.customers_with_gap,
        inactivity_duration_s,
        inactivity_touchpoints,
        inactivity_transitions,
        customers: opts.per_customer.then_some(rows),
    }
}

/// Every customer's sessions and gaps, folded (ids of the log).
pub(crate) fn fold(log: &EventLog, opts: &SessionOptions) -> Result<Acc> {
    // Long because it is one fold over the customers: the per-customer step and the merge of
    // two parts share the options and the log's columns.
    let gap = opts.gap.as_us();
    let inactivity = opts.inactivity.as_us();
    if gap < 0 {
        return Err(Error::argument("gap", "must not be negative"));
    }
    if inactivity < 0 {
        return Err(Error::argument("inactivity", "must not be negative"));
    }
    let n_tp = log.touchpoints().len();
    let ts = log.timestamps();
    let tps = log.touchpoint_ids();
    let acc = fold_customers(
        log.n_customers(),
        || Acc {
            before: vec![0; n_tp],
            after: vec![0; n_tp],
            ..Default::default()
        },
        |acc, c| {
            let r = log.journey(c).range();
            if r.is_empty() {
                return;
            }
            let (mut start, mut prev, mut n_in) = (ts[r.start], ts[r.start], 0usize);
            let (mut n_sessions, mut total_dur, mut n_gaps, mut longest) = (0u64, 0i64, 0u64, None);
            for i in r.clone() {
                let t = ts[i];
                if i > r.start {
                    let d = t - prev;
                    longest = Some(longest.map_or(d, |l: i64| l.max(d)));
                    if d > inactivity {
                        n_gaps += 1;
                        acc.gaps.push(d);
                        acc.before[tps[i - 1] as usize] += 1;
                        acc.after[tps[i] as usize] += 1;
                        *acc.pairs.entry((tps[i - 1], tps[i])).or_default() += 1;
                    }
                    if d > gap {
                        acc.durations.push(prev - start);
                        total_dur += prev - start;
                        bump(&mut acc.events_per_session, n_in);
                        n_sessions += 1;
                        start = t;
                        n_in = 0;
                    }
                }
                n_in += 1;
                prev = t;
            }
            acc.durations.push(prev - start);
            total_dur += prev - start;
            bump(&mut acc.events_per_session, n_in);
            n_sessions += 1;
            acc.n_sessions += n_sessions;
            acc.customers_with_gap += (n_gaps > 0) as u64;
            if opts.per_customer {
                acc.rows.push((
                    c,
                    CustomerSessionsRow {
                        customer_id: log.customer_ids()[c as usize].clone(),
                        n_events: r.len() as u64,
                        n_sessions,
                        mean_session_duration_s: total_dur as f64
                            / n_sessions as f64
                            / US_PER_SEC as f64,
                        n_inactivity_periods: n_gaps,
                        longest_gap_s: longest.map(|l| l as f64 / US_PER_SEC as f64),
                        first_event: format_us(ts[r.start]),
                        last_event: format_us(ts[r.end - 1]),
                    },
                ));
            }
        },
        |mut a, b| {
            a.n_sessions += b.n_sessions;
            a.durations.merge(b.durations);
            add_counts(&mut a.events_per_session, &b.events_per_session);
            a.gaps.merge(b.gaps);
            a.customers_with_gap += b.customers_with_gap;
            add_counts(&mut a.before, &b.before);
            add_counts(&mut a.after, &b.after);
            for (k, v) in b.pairs {
                *a.pairs.entry(k).or_default() += v;
            }
            a.rows.extend(b.rows);
            a
        },
    );
    Ok(acc)
}

impl EventLog {
    /// Sessions and periods of inactivity; see [`sessions`].
    pub fn sessions(&self, opts: &SessionOptions) -> Result<SessionsResult> {
        sessions(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // a: [0 600 2400] (a 30 min gap stays in the session), [10000], then 8 days later
        // [701200 701260]; b: [0].
        let log = crate::metrics::fixtures::sessions_log();
        let s = sessions(
            &log,
            &SessionOptions {
                per_customer: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!((s.n_sessions, s.sessions_per_customer), (4, Some(2.0)));
        // Durations 2400, 0, 60, 0: median 30, mean 615, p90 = 60 + 0.7 * 2340 = 1698.
        let d = &s.session_duration_s;
        assert_eq!((d.median, d.mean), (Some(30.0), Some(615.0)));
        assert!((d.p90.unwrap() - 1698.0).abs() < 1e-9);
        // Events per session 3, 1, 2, 1.
        assert_eq!(s.events_per_session.median, Some(1.5));
        assert_eq!(s.events_per_session.mean, Some(1.75));
        assert_eq!(
            (s.n_inactivity_periods, s.customers_with_inactivity),
            (1, 1)
        );
        assert_eq!(s.inactivity_duration_s.max, Some(691_200.0));
        assert_eq!(
            s.inactivity_transitions,
            [GapTransitionRow {
                before: "email".into(),
                after: "purchase".into(),
                count: 1
            }]
        );
        assert_eq!(s.inactivity_touchpoints.len(), 2);
        let rows = s.customers.unwrap();
        assert_eq!(rows[0].n_sessions, 3);
        assert_eq!(rows[0].mean_session_duration_s, 820.0); // (2400 + 0 + 60) / 3
        assert_eq!(rows[0].longest_gap_s, Some(691_200.0));
        assert_eq!(rows[1].longest_gap_s, None);
        let e = sessions(&EventLog::empty(), &SessionOptions::default()).unwrap();
        assert_eq!((e.n_sessions, e.sessions_per_customer), (0, None));
    }
}

/// `docs/journeys.md`, whose Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/journeys.md")]
pub struct JourneysGuide;
