//! The results' tables of rows, for [`Tabular`]: how each metric's result is a table.

use crate::metrics::backtest::BacktestResult;
use crate::metrics::funnel::FunnelResult;
use crate::metrics::graph::TransitionGraph;
use crate::metrics::open_journeys::{OpenJourneys, Status};
use crate::metrics::path_stats::{ConversionPathsResult, PathStatsResult};
use crate::metrics::sessions::SessionsResult;
use crate::model::{Column, Table, Tabular};

/// The steps (with their dropped ids when asked for).
impl Tabular for FunnelResult {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.steps)
    }
}

/// One row per conversion path (per customer).
impl Tabular for ConversionPathsResult {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.rows)
    }
}

/// A count as a whole number (counts never come near 2^63).
fn int(n: u64) -> Option<i64> {
    i64::try_from(n).ok()
}

/// A number; null where it is not finite (as in the JSON shape).
fn float(x: f64) -> Option<f64> {
    Some(x).filter(|x| x.is_finite())
}

/// Per touch: reach, conversion, lift and attribution share. The other table: `variants`.
impl Tabular for PathStatsResult {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.touches)
    }

    fn other_tables(&self) -> Vec<&'static str> {
        vec!["variants"]
    }

    /// `variants`: `conversion_rate`, `conversions`, `count`, `path` (a list of names),
    /// `share`, one row per variant listed.
    fn table_named(&self, name: &str) -> crate::Result<Option<Table<'_>>> {
        if name != "variants" {
            return Ok(None);
        }
        let v = &self.variants;
        Ok(Some(
            Table::new(v.len())
                .with(
                    "conversion_rate",
                    Column::Float(v.iter().map(|r| float(r.conversion_rate)).collect()),
                )
                .with(
                    "conversions",
                    Column::Int(v.iter().map(|r| int(r.conversions)).collect()),
                )
                .with(
                    "count",
                    Column::Int(v.iter().map(|r| int(r.count)).collect()),
                )
                .with(
                    "path",
                    Column::joined_lists_from(v.iter().map(|r| r.path.iter().map(String::as_str))),
                )
                .with(
                    "share",
                    Column::Float(v.iter().map(|r| float(r.share)).collect()),
                ),
        ))
    }
}

/// The touchpoints around periods of inactivity. The other tables:
/// `inactivity_transitions`, and `customers` when the result has per-customer rows.
impl Tabular for SessionsResult {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.inactivity_touchpoints)
    }

    fn other_tables(&self) -> Vec<&'static str> {
        let mut names = vec!["inactivity_transitions"];
        if self.customers.is_some() {
            names.push("customers");
        }
        names
    }

    /// `customers`: `customer_id`, `first_event`, `last_event`, `longest_gap_s`,
    /// `mean_session_duration_s`, `n_events`, `n_inactivity_periods`, `n_sessions`.
    fn table_named(&self, name: &str) -> crate::Result<Option<Table<'_>>> {
        match (name, &self.customers) {
            ("inactivity_transitions", _) => {
                Table::from_rows(&self.inactivity_transitions).map(Some)
            }
            ("customers", Some(c)) => Ok(Some(
                Table::new(c.len())
                    .with(
                        "customer_id",
                        Column::joined_from(c.iter().map(|r| r.customer_id.as_str())),
                    )
                    .with(
                        "first_event",
                        Column::joined_from(c.iter().map(|r| r.first_event.as_str())),
                    )
                    .with(
                        "last_event",
                        Column::joined_from(c.iter().map(|r| r.last_event.as_str())),
                    )
                    .with(
                        "longest_gap_s",
                        Column::Float(c.iter().map(|r| r.longest_gap_s.and_then(float)).collect()),
                    )
                    .with(
                        "mean_session_duration_s",
                        Column::Float(c.iter().map(|r| float(r.mean_session_duration_s)).collect()),
                    )
                    .with(
                        "n_events",
                        Column::Int(c.iter().map(|r| int(r.n_events)).collect()),
                    )
                    .with(
                        "n_inactivity_periods",
                        Column::Int(c.iter().map(|r| int(r.n_inactivity_periods)).collect()),
                    )
                    .with(
                        "n_sessions",
                        Column::Int(c.iter().map(|r| int(r.n_sessions)).collect()),
                    ),
            )),
            _ => Ok(None),
        }
    }
}

/// The edges.
impl Tabular for TransitionGraph {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.edges())
    }
}

/// The journeys as columns (field order, as the JSON rows): the other tables are `states`,
/// `next_touches` and `top_paths`.
impl Tabular for OpenJourneys {
    fn table(&self) -> crate::Result<Table<'_>> {
        // Long because it is one column after another of the same rows, in field order.
        use std::borrow::Cow;
        let n = self.len();
        // What differs between journeys of a state (probability, hence status and uplift)
        // comes from `get`; the texts are borrowed from the states.
        let rec: Vec<Option<(&str, f64, f64, f64)>> = (0..n)
            .map(|i| {
                let p = self.prob[i];
                self.best[self.state_of[i] as usize]
                    .as_ref()
                    .filter(|b| !p.is_nan() && b.1 - p > 0.0)
                    .map(|b| (b.0.as_str(), b.1, b.1 - p, b.2))
            })
            .collect();
        let status = |i: usize| {
            let p = self.prob[i];
            match (&self.best[self.state_of[i] as usize], rec[i]) {
                _ if p.is_nan() => Status::UnknownState,
                (_, Some(_)) => Status::Recommend,
                (Some(_), None) => Status::NoUplift,
                (None, None) => Status::NotEnoughData,
            }
        };
        let st = |i: usize| &self.states[self.state_of[i] as usize];
        let finite = |x: f64| Some(x).filter(|x| x.is_finite());
        let mut times = String::with_capacity(n * 20);
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i64);
        for &t in &self.last_us {
            times.push_str(&crate::time::format_us(t));
            offsets.push(times.len() as i64);
        }
        Ok(Table::new(n)
            .with(
                "customer_id",
                Column::Joined {
                    text: self.ids.clone(),
                    offsets: self.id_offsets.clone(),
                },
            )
            .with(
                "expected_touches",
                Column::Float(self.expected.iter().map(|&x| finite(x)).collect()),
            )
            .with(
                "idle_s",
                Column::Float(
                    self.last_us
                        .iter()
                        .map(|&t| Some((self.reference_us - t) as f64 / 1e6))
                        .collect(),
                ),
            )
            .with(
                "last_touch",
                Column::Text(
                    (0..n)
                        .map(|i| Some(Cow::Borrowed(st(i).last_touch.as_str())))
                        .collect(),
                ),
            )
            .with(
                "last_touch_time",
                Column::Joined {
                    text: times,
                    offsets,
                },
            )
            .with(
                "n_touches",
                Column::Int(self.n_touches.iter().map(|&k| Some(i64::from(k))).collect()),
            )
            .with(
                "next_best",
                Column::Text(rec.iter().map(|r| r.map(|r| Cow::Borrowed(r.0))).collect()),
            )
            .with(
                "next_best_probability",
                Column::Float(rec.iter().map(|r| r.map(|r| r.1)).collect()),
            )
            .with(
                "probability",
                Column::Float(self.prob.iter().map(|&x| finite(x)).collect()),
            )
            .with(
                "state",
                Column::Text(
                    (0..n)
                        .map(|i| Some(Cow::Borrowed(st(i).state.as_str())))
                        .collect(),
                ),
            )
            .with(
                "status",
                Column::Text(
                    (0..n)
                        .map(|i| Some(Cow::Borrowed(status(i).as_str())))
                        .collect(),
                ),
            )
            .with(
                "support",
                Column::Float(rec.iter().map(|r| r.map(|r| r.3)).collect()),
            )
            .with(
                "uplift",
                Column::Float(rec.iter().map(|r| r.map(|r| r.2)).collect()),
            ))
    }

    fn other_tables(&self) -> Vec<&'static str> {
        vec!["states", "next_touches", "top_paths"]
    }

    fn table_named(&self, name: &str) -> crate::Result<Option<Table<'_>>> {
        match name {
            "states" => Table::from_rows(&self.states).map(Some),
            "next_touches" => Table::from_rows(&self.next_touches).map(Some),
            "top_paths" => Table::from_rows(&self.top_paths).map(Some),
            _ => Ok(None),
        }
    }
}

/// The predictors as a table; the other table is `calibration`.
impl Tabular for BacktestResult {
    fn table(&self) -> crate::Result<Table<'_>> {
        Table::from_rows(&self.predictors)
    }
    fn other_tables(&self) -> Vec<&'static str> {
        vec!["calibration"]
    }
    fn table_named(&self, name: &str) -> crate::Result<Option<Table<'_>>> {
        match name {
            "calibration" => Table::from_rows(&self.calibration).map(Some),
            _ => Ok(None),
        }
    }
}
