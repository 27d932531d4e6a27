//! The business KPIs of a period: retention and churn rate, repeat purchase rate, average order
//! value, revenue and orders per customer (see [`Kpis`] for every definition).
//!
//! One walk of the log, customer by customer (in parallel with the `parallel` feature), like the
//! cohort matrix of [`retention`](super::retention), whose chunking it shares.

use serde::{Deserialize, Serialize};

use super::exact_sum::ExactSum;
use super::retention::{extent, per_chunk};
use crate::error::{Error, Result};
use crate::model::EventLog;
use crate::time::{format_us, parse_timestamp};

/// A period bound of [`KpiOptions`]: RFC 3339 text (`"2026-01-12T00:00:00Z"`) or integer Unix
/// seconds (`1768176000`, in JSON a number; text of digits is read as seconds too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TimeBound {
    /// Integer Unix seconds.
    UnixSeconds(i64),
    /// RFC 3339 text, or Unix seconds as text.
    Text(String),
}

impl From<&str> for TimeBound {
    fn from(s: &str) -> Self {
        TimeBound::Text(s.to_string())
    }
}

impl From<String> for TimeBound {
    fn from(s: String) -> Self {
        TimeBound::Text(s)
    }
}

impl From<i64> for TimeBound {
    fn from(secs: i64) -> Self {
        TimeBound::UnixSeconds(secs)
    }
}

impl<'de> Deserialize<'de> for TimeBound {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TimeBound;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("RFC 3339 text or integer Unix seconds")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<TimeBound, E> {
                Ok(TimeBound::Text(s.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, x: i64) -> std::result::Result<TimeBound, E> {
                Ok(TimeBound::UnixSeconds(x))
            }
            fn visit_u64<E: serde::de::Error>(self, x: u64) -> std::result::Result<TimeBound, E> {
                i64::try_from(x)
                    .map(TimeBound::UnixSeconds)
                    .map_err(|_| E::custom(format!("{x}: Unix seconds out of range")))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> std::result::Result<TimeBound, E> {
                // JavaScript numbers arrive as floats: whole ones are seconds.
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    Ok(TimeBound::UnixSeconds(x as i64))
                } else {
                    Err(E::custom(format!(
                        "{x}: expected RFC 3339 text or integer Unix seconds"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl TimeBound {
    /// Microseconds since the epoch; `name` is the option, for the error.
    pub(crate) fn to_us(&self, name: &str) -> Result<i64> {
        let (text, shown) = match self {
            TimeBound::UnixSeconds(secs) => (secs.to_string(), secs.to_string()),
            TimeBound::Text(s) => (s.trim().to_string(), format!("{s:?}")),
        };
        parse_timestamp(text.as_bytes()).map_err(|e| Error::argument(name, format!("{shown}: {e}")))
    }
}

/// Options of [`kpis`] (`log.kpis(start=None, end=None)`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KpiOptions {
    /// Start of the period (inclusive): RFC 3339 text or integer Unix seconds. `None`: the first
    /// event of the log.
    pub start: Option<TimeBound>,
    /// End of the period (exclusive), as `start`. `None`: after the last event of the log.
    pub end: Option<TimeBound>,
}

/// Business KPIs of a period `[start, end)` of length `L`.
///
/// Orders are conversion events (the log's conversion set, default `purchase`) inside the
/// period; revenue is the sum of their values (orders without a value count as orders with no
/// revenue). Customers are those with any event inside the period.
///
/// Retention and churn compare the period with the one before it, `[start - L, start)`: a
/// customer is *active at the start* (`S`) if they had an event in that previous period and
/// *active at the end* (`E`) if they had one in the period itself. `N` are the customers active
/// at the end who were not active at the start: brand-new customers (first event ever inside the
/// period) plus reactivated ones (seen before, but not in the previous period). So
/// `CRR = (E - N) / S * 100` is the share of `S` still active, and `churn = 100 - CRR`. Without
/// a `start` the period begins with the log, `S` is 0 and both rates are `None`.
///
/// Every rate with a zero denominator is `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// The period start as given (normalised to RFC 3339), `None` if not given.
    pub start: Option<String>,
    /// The period end as given, `None` if not given.
    pub end: Option<String>,
    /// Customers with any event in the period (`E`).
    pub n_customers: u64,
    /// Customers with at least one order in the period.
    pub n_buyers: u64,
    /// Customers with at least two orders in the period.
    pub n_repeat_buyers: u64,
    /// Orders (conversion events) in the period.
    pub n_orders: u64,
    /// Sum of the orders' values.
    pub revenue: f64,
    /// `n_buyers / n_customers * 100`.
    pub conversion_rate: Option<f64>,
    /// `n_repeat_buyers / n_buyers * 100`.
    pub repeat_purchase_rate: Option<f64>,
    /// Average order value: `revenue / n_orders`.
    pub aov: Option<f64>,
    /// Historic CLV: `revenue / n_customers`.
    pub revenue_per_customer: Option<f64>,
    /// `revenue / n_buyers`.
    pub revenue_per_buyer: Option<f64>,
    /// `n_orders / n_customers`.
    pub orders_per_customer: Option<f64>,
    /// Purchase frequency: `n_orders / n_buyers`.
    pub orders_per_buyer: Option<f64>,
    /// `S`: customers with an event in the previous period of equal length.
    pub active_start: u64,
    /// `E`: customers with an event in the period (same as `n_customers`).
    pub active_end: u64,
    /// Customers whose first event ever is in the period.
    pub new_customers: u64,
    /// Customers active in the period, not in the previous one, and seen before it.
    pub reactivated: u64,
    /// Customers of `S` active in the period (`E - N`).
    pub retained: u64,
    /// Customers of `S` not active in the period.
    pub churned: u64,
    /// Customer retention rate `CRR = (E - N) / S * 100`.
    pub retention_rate: Option<f64>,
    /// `churned / S * 100`.
    pub churn_rate: Option<f64>,
}

/// The additive state of the KPIs: counts, and revenue as an exact sum.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct KpiAcc {
    pub(crate) customers: u64,
    pub(crate) buyers: u64,
    pub(crate) repeat: u64,
    pub(crate) orders: u64,
    pub(crate) revenue: ExactSum,
    pub(crate) active_start: u64,
    pub(crate) new: u64,
    pub(crate) reactivated: u64,
    pub(crate) retained: u64,
}

impl KpiAcc {
    pub(crate) fn merge(&mut self, p: &KpiAcc) {
        self.customers += p.customers;
        self.buyers += p.buyers;
        self.repeat += p.repeat;
        self.orders += p.orders;
        self.revenue.merge(&p.revenue);
        self.active_start += p.active_start;
        self.new += p.new;
        self.reactivated += p.reactivated;
        self.retained += p.retained;
    }
}

fn parse_bound(name: &str, b: &Option<TimeBound>) -> Result<Option<i64>> {
    b.as_ref().map(|b| b.to_us(name)).transpose()
}

fn ratio(num: f64, den: u64) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

/// The business KPIs of a period of `log` (see [`Kpis`] for the definitions).
///
/// ```
/// use journey_core::metrics::retention::{kpis, KpiOptions};
/// let csv = "customer_id,timestamp,touchpoint,value\n\
///            a,1,purchase,30\na,2,purchase,10\nb,1,site,\n";
/// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
/// let k = kpis(&log, &KpiOptions::default()).unwrap();
/// assert_eq!((k.n_customers, k.n_orders, k.revenue), (2, 2, 40.0));
/// assert_eq!(k.aov, Some(20.0));
/// assert_eq!(k.repeat_purchase_rate, Some(100.0));
/// assert_eq!(k.retention_rate, None); // the period starts with the log: nobody before it
/// ```
pub fn kpis(log: &EventLog, opts: &KpiOptions) -> Result<Kpis> {
    let acc = kpi_fold(log, opts, extent(log))?;
    finish_kpis(opts, acc)
}

/// The KPI counts of `log`'s customers, with `span` the first and last event of the whole log
/// (which bound the period when `start` or `end` is not given).
pub(crate) fn kpi_fold(
    log: &EventLog,
    opts: &KpiOptions,
    span: Option<(i64, i64)>,
) -> Result<KpiAcc> {
    // Long because it is one pass over the customers with a flat fast path for the common
    // case; the counters are shared by both.
    let start = parse_bound("start", &opts.start)?;
    let end = parse_bound("end", &opts.end)?;
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(Error::argument(
                "end",
                format!("{} is not after start {}", format_us(e), format_us(s)),
            ));
        }
    }
    let mut acc = KpiAcc::default();
    // The period: given, or bounded by the log's events (none: nothing to count). Exclusive
    // end; without one, just after the last event (but never before the start).
    let period = match (start, end, span) {
        (Some(s), Some(e), _) => Some((s, e)),
        (_, _, Some((first, last))) => {
            let s = start.unwrap_or(first);
            Some((s, end.unwrap_or(last.saturating_add(1)).max(s)))
        }
        _ => None,
    };
    if let Some((s, e)) = period {
        let prev = s.saturating_sub(e - s);
        let (off, ts, tps, vals) = (
            log.offsets(),
            log.timestamps(),
            log.touchpoint_ids(),
            log.values(),
        );
        let is_conv = &log.is_conversion;
        let whole_log = start.is_none() && end.is_none();
        let partials = per_chunk(log.n_customers(), |customers| {
            let mut a = KpiAcc::default();
            if whole_log {
                // Everyone is active and new; only the orders need a look, in one flat scan.
                a.customers = customers.len() as u64;
                a.new = a.customers;
                let (mut c, mut cur, mut orders) = (customers.start, usize::MAX, 0u64);
                let flush = |a: &mut KpiAcc, orders: u64| {
                    a.orders += orders;
                    a.buyers += (orders >= 1) as u64;
                    a.repeat += (orders >= 2) as u64;
                };
                for i in off[customers.start]..off[customers.end] {
                    if !is_conv[tps[i] as usize] {
                        continue;
                    }
                    while off[c + 1] <= i {
                        c += 1;
                    }
                    if c != cur {
                        flush(&mut a, orders);
                        (cur, orders) = (c, 0);
                    }
                    orders += 1;
                    if !vals[i].is_nan() {
                        a.revenue.add(vals[i]);
                    }
                }
                flush(&mut a, orders);
                return a;
            }
            for c in customers {
                let t = &ts[off[c]..off[c + 1]];
                // Journeys are short: branch-free counting beats binary searches here.
                let (mut lo, mut hi, mut plo) = (0usize, 0usize, 0usize);
                for &x in t {
                    lo += (x < s) as usize;
                    hi += (x < e) as usize;
                    plo += (x < prev) as usize;
                }
                let in_start = lo > plo;
                a.active_start += in_start as u64;
                if hi == lo {
                    continue;
                }
                a.customers += 1;
                if in_start {
                    a.retained += 1;
                } else if lo == 0 {
                    a.new += 1;
                } else {
                    a.reactivated += 1;
                }
                let mut orders = 0u64;
                for i in off[c] + lo..off[c] + hi {
                    if is_conv[tps[i] as usize] {
                        orders += 1;
                        if !vals[i].is_nan() {
                            a.revenue.add(vals[i]);
                        }
                    }
                }
                a.orders += orders;
                a.buyers += (orders >= 1) as u64;
                a.repeat += (orders >= 2) as u64;
            }
            a
        });
        for p in partials {
            acc.merge(&p);
        }
    }
    Ok(acc)
}

/// The KPIs from their counts.
pub(crate) fn finish_kpis(opts: &KpiOptions, acc: KpiAcc) -> Result<Kpis> {
    let start = parse_bound("start", &opts.start)?;
    let end = parse_bound("end", &opts.end)?;
    let revenue = acc.revenue.value();
    let churned = acc.active_start - acc.retained;
    Ok(Kpis {
        start: start.map(format_us),
        end: end.map(format_us),
        n_customers: acc.customers,
        n_buyers: acc.buyers,
        n_repeat_buyers: acc.repeat,
        n_orders: acc.orders,
        revenue,
        conversion_rate: ratio(acc.buyers as f64 * 100.0, acc.customers),
        repeat_purchase_rate: ratio(acc.repeat as f64 * 100.0, acc.buyers),
        aov: ratio(revenue, acc.orders),
        revenue_per_customer: ratio(revenue, acc.customers),
        revenue_per_buyer: ratio(revenue, acc.buyers),
        orders_per_customer: ratio(acc.orders as f64, acc.customers),
        orders_per_buyer: ratio(acc.orders as f64, acc.buyers),
        active_start: acc.active_start,
        active_end: acc.customers,
        new_customers: acc.new,
        reactivated: acc.reactivated,
        retained: acc.retained,
        churned,
        retention_rate: ratio(acc.retained as f64 * 100.0, acc.active_start),
        churn_rate: ratio(churned as f64 * 100.0, acc.active_start),
    })
}

impl EventLog {
    /// The business KPIs of a period (see [`kpis`]).
    pub fn kpis(&self, opts: &KpiOptions) -> Result<Kpis> {
        kpis(self, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::retention::tests::{close, log};

    #[test]
    fn kpis_of_a_week_by_hand() {
        // Window W03 = [Jan 12, Jan 19), previous period [Jan 5, Jan 12).
        // Active in the window (E): a (13th), d (14th), e (18th), g (15th) = 4.
        // Active before (S): a, b, c, h = 4. Retained S and E: a. Churned: b, c, h.
        // New (first event in the window): d, e. Reactivated: g (seen Jan 1, not in S).
        // CRR = (E - N) / S = (4 - 3) / 4 = 25%; churn 75%.
        // Orders in the window: a 20, d 25, e 10 -> 3 orders, 55 revenue, 3 buyers, 0 repeat.
        let k = kpis(
            &log(),
            &KpiOptions {
                start: Some("2026-01-12T00:00:00Z".into()),
                end: Some("2026-01-19T00:00:00Z".into()),
            },
        )
        .unwrap();
        assert_eq!(
            (k.active_start, k.active_end, k.retained, k.churned),
            (4, 4, 1, 3)
        );
        assert_eq!((k.new_customers, k.reactivated), (2, 1));
        assert_eq!(k.retention_rate, Some(25.0));
        assert_eq!(k.churn_rate, Some(75.0));
        assert_eq!((k.n_orders, k.n_buyers, k.n_repeat_buyers), (3, 3, 0));
        assert_eq!(k.revenue, 55.0);
        assert_eq!(k.conversion_rate, Some(75.0));
        assert_eq!(k.repeat_purchase_rate, Some(0.0));
        assert!(close(k.aov.unwrap(), 55.0 / 3.0));
        assert_eq!(k.revenue_per_customer, Some(13.75));
        assert_eq!(k.orders_per_customer, Some(0.75));
        assert_eq!(k.orders_per_buyer, Some(1.0));
        assert_eq!(k.start.as_deref(), Some("2026-01-12T00:00:00Z"));
    }

    #[test]
    fn kpis_of_the_whole_log() {
        // 8 customers, 12 orders (b's Jan 8 order has no value), revenue 250; buyers a-f;
        // repeat buyers a, b, d, e. Nobody is active before the log starts: S = 0.
        let k = kpis(&log(), &KpiOptions::default()).unwrap();
        assert_eq!((k.n_customers, k.n_orders, k.n_buyers), (8, 12, 6));
        assert_eq!(k.revenue, 250.0);
        assert!(close(k.repeat_purchase_rate.unwrap(), 400.0 / 6.0));
        assert!(close(k.aov.unwrap(), 250.0 / 12.0));
        assert_eq!(k.revenue_per_customer, Some(31.25));
        assert_eq!((k.active_start, k.new_customers), (0, 8));
        assert_eq!((k.retention_rate, k.churn_rate), (None, None));
        // Only a start: from Jan 19 to the end; the previous period is as long (Jan 19 to
        // Jan 28 09:00 + 1 us = 9 days 9 hours + 1 us), so it starts at Jan 9 14:59:59.999999.
        let k = kpis(
            &log(),
            &KpiOptions {
                start: Some("2026-01-19T00:00:00Z".into()),
                end: None,
            },
        )
        .unwrap();
        // In the window: a (27th), b (20th), d (21st), e (19th), f (20th), g (28th).
        assert_eq!(k.n_customers, 6);
        // Before: a (13th), d, e (18th), g (15th); h (9th 09:00) is just outside.
        assert_eq!((k.active_start, k.retained), (4, 4));
        assert_eq!(k.retention_rate, Some(100.0));
        assert_eq!((k.new_customers, k.reactivated), (1, 1));
    }

    #[test]
    fn kpis_edge_cases() {
        let k = kpis(&EventLog::empty(), &KpiOptions::default()).unwrap();
        assert_eq!((k.n_customers, k.revenue), (0, 0.0));
        assert_eq!(
            (k.aov, k.conversion_rate, k.retention_rate),
            (None, None, None)
        );
        let bad = |s: &str, e: &str| {
            kpis(
                &log(),
                &KpiOptions {
                    start: Some(s.into()),
                    end: Some(e.into()),
                },
            )
            .unwrap_err()
        };
        assert!(bad("2026-01-12T00:00:00Z", "2026-01-12T00:00:00Z")
            .to_string()
            .contains("not after start"));
        let e = bad("yesterday", "2026-01-12T00:00:00Z");
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains("start"), "{e}");
        // A window after the data: no customers, every rate None but the churn of S.
        let k = kpis(
            &log(),
            &KpiOptions {
                start: Some("2026-02-01T00:00:00Z".into()),
                end: Some("2026-02-08T00:00:00Z".into()),
            },
        )
        .unwrap();
        assert_eq!(k.n_customers, 0);
        assert_eq!(k.aov, None);
        // Active Jan 25 - Feb 1: a (27th), g (28th): both churned.
        assert_eq!((k.active_start, k.churned), (2, 2));
        assert_eq!(k.churn_rate, Some(100.0));
        assert_eq!(k.retention_rate, Some(0.0));
    }

    #[test]
    fn kpi_bounds_take_integer_unix_seconds() {
        // 1768176000 = 2026-01-12T00:00:00Z, 1768780800 = 2026-01-19T00:00:00Z (W03, see
        // kpis_of_a_week_by_hand): the same KPIs from integers, from JSON numbers and from text.
        let text = KpiOptions {
            start: Some("2026-01-12T00:00:00Z".into()),
            end: Some("2026-01-19T00:00:00Z".into()),
        };
        let ints = KpiOptions {
            start: Some(1_768_176_000.into()),
            end: Some(1_768_780_800.into()),
        };
        let k = kpis(&log(), &ints).unwrap();
        assert_eq!(k, kpis(&log(), &text).unwrap());
        assert_eq!((k.active_start, k.retained, k.revenue), (4, 1, 55.0));
        assert_eq!(k.start.as_deref(), Some("2026-01-12T00:00:00Z"));
        let from_json: KpiOptions =
            serde_json::from_str(r#"{"start": 1768176000, "end": 1768780800.0}"#).unwrap();
        assert_eq!(from_json, ints);
        let mixed: KpiOptions =
            serde_json::from_str(r#"{"start": "2026-01-12T00:00:00Z", "end": 1768780800}"#)
                .unwrap();
        assert_eq!(kpis(&log(), &mixed).unwrap(), k);
        // Fractions of a second, booleans and out-of-range seconds are errors naming the value.
        let e = serde_json::from_str::<KpiOptions>(r#"{"start": 1768176000.5}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("1768176000.5: expected RFC 3339 text or integer Unix seconds"),
            "{e}"
        );
        let e = serde_json::from_str::<KpiOptions>(r#"{"end": true}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("expected RFC 3339 text or integer Unix seconds"),
            "{e}"
        );
        let huge = KpiOptions {
            start: Some(i64::MAX.into()),
            end: None,
        };
        let e = kpis(&log(), &huge).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(
            e.to_string().contains("start") && e.to_string().contains("out of range"),
            "{e}"
        );
        // Serialised back as given.
        assert_eq!(
            serde_json::to_string(&ints).unwrap(),
            r#"{"start":1768176000,"end":1768780800}"#
        );
    }
}
