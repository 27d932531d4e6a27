//! Sessions and periods of inactivity as a partial state: whole-number totals, session and
//! inactivity durations as exact value -> count lists, events per session as counts, the
//! touchpoints around inactivity and their transitions by name, and the per-customer rows.

use std::collections::BTreeMap;

use super::codec::{Codec, Reader, ValueCounts, Writer};
use crate::error::Result;
use crate::metrics::distribution::{add_counts, Distribution};
use crate::metrics::sessions::{
    finish, fold, CustomerSessionsRow, GapTouchpointRow, SessionOptions, SessionsResult, Totals,
};
use crate::model::EventLog;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionsState {
    totals: Totals,
    durations: ValueCounts,
    gaps: ValueCounts,
    events_per_session: Vec<u64>,
    touchpoints: BTreeMap<String, (u64, u64)>,
    transitions: BTreeMap<(String, String), u64>,
    /// Per customer, in id order (with `per_customer`).
    rows: Vec<CustomerSessionsRow>,
}

impl SessionsState {
    pub(crate) fn of(log: &EventLog, opts: &SessionOptions) -> Result<Self> {
        let acc = fold(log, opts)?;
        let name = |t: u32| log.touchpoint_name(t).to_string();
        let touchpoints = (0..log.touchpoints().len())
            .filter(|&t| acc.before[t] + acc.after[t] > 0)
            .map(|t| (name(t as u32), (acc.before[t], acc.after[t])))
            .collect();
        let transitions = acc
            .pairs
            .iter()
            .map(|(&(a, b), &n)| ((name(a), name(b)), n))
            .collect();
        let mut rows = acc.rows;
        rows.sort_unstable_by_key(|r| r.0);
        Ok(SessionsState {
            totals: Totals {
                n_customers: log.n_customers() as u64,
                n_events: log.n_events() as u64,
                n_sessions: acc.n_sessions,
                n_inactivity_periods: acc.gaps.len() as u64,
                customers_with_gap: acc.customers_with_gap,
            },
            durations: ValueCounts::of(acc.durations.into_vec()),
            gaps: ValueCounts::of(acc.gaps.into_vec()),
            events_per_session: acc.events_per_session,
            touchpoints,
            transitions,
            rows: rows.into_iter().map(|r| r.1).collect(),
        })
    }

    pub(crate) fn merge(&mut self, b: SessionsState) {
        let (t, u) = (&mut self.totals, b.totals);
        t.n_customers += u.n_customers;
        t.n_events += u.n_events;
        t.n_sessions += u.n_sessions;
        t.n_inactivity_periods += u.n_inactivity_periods;
        t.customers_with_gap += u.customers_with_gap;
        self.durations.merge(b.durations);
        self.gaps.merge(b.gaps);
        add_counts(&mut self.events_per_session, &b.events_per_session);
        for (k, (x, y)) in b.touchpoints {
            let e = self.touchpoints.entry(k).or_default();
            e.0 += x;
            e.1 += y;
        }
        for (k, n) in b.transitions {
            *self.transitions.entry(k).or_default() += n;
        }
        self.rows.extend(b.rows);
        // Each customer is in one partition: sorting the union gives the id order.
        self.rows
            .sort_unstable_by(|a, b| a.customer_id.cmp(&b.customer_id));
    }

    /// Takes away the customers of `b`: counts subtracted (entries at zero go, as in a partial
    /// without them), their per-customer rows removed.
    pub(crate) fn retract(&mut self, b: &SessionsState) {
        let (t, u) = (&mut self.totals, &b.totals);
        t.n_customers -= u.n_customers;
        t.n_events -= u.n_events;
        t.n_sessions -= u.n_sessions;
        t.n_inactivity_periods -= u.n_inactivity_periods;
        t.customers_with_gap -= u.customers_with_gap;
        self.durations.subtract(&b.durations);
        self.gaps.subtract(&b.gaps);
        for (x, y) in self
            .events_per_session
            .iter_mut()
            .zip(&b.events_per_session)
        {
            *x -= y;
        }
        while self.events_per_session.last() == Some(&0) {
            self.events_per_session.pop();
        }
        for (k, (x, y)) in &b.touchpoints {
            if let Some(e) = self.touchpoints.get_mut(k) {
                e.0 -= x;
                e.1 -= y;
                if *e == (0, 0) {
                    self.touchpoints.remove(k);
                }
            }
        }
        for (k, n) in &b.transitions {
            if let Some(e) = self.transitions.get_mut(k) {
                *e -= n;
                if *e == 0 {
                    self.transitions.remove(k);
                }
            }
        }
        super::drop_customers(&mut self.rows, &b.rows, |r| &r.customer_id);
    }

    pub(crate) fn finish(self, opts: &SessionOptions) -> SessionsResult {
        let touchpoints = self
            .touchpoints
            .into_iter()
            .map(|(touchpoint, (before, after))| GapTouchpointRow {
                touchpoint,
                before,
                after,
            })
            .collect();
        finish(
            opts,
            self.totals,
            Distribution::of_duration_counts_us(&self.durations.0),
            &self.events_per_session,
            Distribution::of_duration_counts_us(&self.gaps.0),
            touchpoints,
            self.transitions.into_iter().collect(),
            self.rows,
        )
    }

    pub(crate) fn fits(&self) -> bool {
        let t = &self.totals;
        self.durations.len() == t.n_sessions
            && self.gaps.len() == t.n_inactivity_periods
            && self
                .events_per_session
                .iter()
                .try_fold(0u64, |a, &b| a.checked_add(b))
                == Some(t.n_sessions)
    }
}

impl Codec for CustomerSessionsRow {
    fn enc(&self, w: &mut Writer) {
        self.customer_id.enc(w);
        self.n_events.enc(w);
        self.n_sessions.enc(w);
        self.mean_session_duration_s.enc(w);
        self.n_inactivity_periods.enc(w);
        self.longest_gap_s.enc(w);
        self.first_event.enc(w);
        self.last_event.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok(CustomerSessionsRow {
            customer_id: Codec::dec(r)?,
            n_events: Codec::dec(r)?,
            n_sessions: Codec::dec(r)?,
            mean_session_duration_s: Codec::dec(r)?,
            n_inactivity_periods: Codec::dec(r)?,
            longest_gap_s: Codec::dec(r)?,
            first_event: Codec::dec(r)?,
            last_event: Codec::dec(r)?,
        })
    }
}

impl Codec for SessionsState {
    fn enc(&self, w: &mut Writer) {
        let t = &self.totals;
        for x in [
            t.n_customers,
            t.n_events,
            t.n_sessions,
            t.n_inactivity_periods,
            t.customers_with_gap,
        ] {
            x.enc(w);
        }
        self.durations.enc(w);
        self.gaps.enc(w);
        self.events_per_session.enc(w);
        self.touchpoints.enc(w);
        self.transitions.enc(w);
        self.rows.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let mut v = [0u64; 5];
        for x in &mut v {
            *x = u64::dec(r)?;
        }
        Ok(SessionsState {
            totals: Totals {
                n_customers: v[0],
                n_events: v[1],
                n_sessions: v[2],
                n_inactivity_periods: v[3],
                customers_with_gap: v[4],
            },
            durations: Codec::dec(r)?,
            gaps: Codec::dec(r)?,
            events_per_session: Codec::dec(r)?,
            touchpoints: Codec::dec(r)?,
            transitions: Codec::dec(r)?,
            rows: Codec::dec(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::partial::codec::{ValueCounts, MAX_COUNT};
    use crate::partial::{Analysis, Context, Partial, State};
    use crate::read_events_csv;

    /// Events per session whose sum overflows: an error, not an overflow in the decoder's
    /// check.
    #[test]
    fn counts_whose_sum_overflows_are_corrupted() {
        let csv = "customer_id,timestamp,touchpoint\na,0,view\na,60,cart\n";
        let log = read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let a = Analysis::from_json("sessions", &json!({})).unwrap();
        let p = log.partial(&a, &Context::default()).unwrap();
        assert_eq!(Partial::from_bytes(&p.to_bytes()).unwrap(), p);
        let mut q = p.clone();
        let State::Sessions(s) = &mut q.state else {
            unreachable!()
        };
        s.durations = ValueCounts(vec![(0, MAX_COUNT)]);
        s.totals.n_sessions = MAX_COUNT;
        s.events_per_session = vec![MAX_COUNT; 2049];
        let e = Partial::from_bytes(&q.to_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid partial: corrupted bytes: the session counts do not add up"
        );
    }
}
