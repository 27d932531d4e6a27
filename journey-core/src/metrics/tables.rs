//! The results' tables of rows, for [`Tabular`]: how each metric's result is a table.

use crate::metrics::funnel::FunnelResult;
use crate::metrics::graph::TransitionGraph;
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
