//! Data sets and helpers shared by the unit tests of several modules (the metrics, their
//! tables, their partials): one copy of each log worked by hand, so that a test of a partial
//! checks the same figures as the test of its metric.

use crate::ingest::{read_events_csv, LoadOptions};
use crate::model::{Column, EventLog, Table};

use super::attribution::{PathRow, PathTable};
use super::path_stats::PathStatsResult;

/// Paths (a conversion ends a path): a [ad site] converts after 180 s; a [email] does not;
/// b [site site] does not; c [ad site] converts after 1000 s; d [] converts with no touch.
pub(crate) fn paths_log() -> EventLog {
    let csv = "customer_id,timestamp,touchpoint,channel\n\
        a,0,ad,social\na,60,site,web\na,180,purchase,web\na,200,email,email\n\
        b,0,site,web\nb,30,site,web\n\
        c,0,ad,social\nc,100,site,web\nc,1000,purchase,web\n\
        d,0,purchase,web\n";
    read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
}

/// A path variant: (path joined with `>`, count, conversions).
pub(crate) type Variant = (String, u64, u64);

/// The path variants of [`paths_log`] in a result, and the values worked out by hand.
pub(crate) fn variants(s: &PathStatsResult) -> (Vec<Variant>, Vec<Variant>) {
    let got = s
        .variants
        .iter()
        .map(|r| (r.path.join(">"), r.count, r.conversions))
        .collect();
    let want = [
        ("ad>site", 2, 2),
        ("", 1, 1),
        ("email", 1, 0),
        ("site>site", 1, 0),
    ]
    .map(|(p, n, c)| (p.to_string(), n, c))
    .to_vec();
    (got, want)
}

/// Sessions (30 minutes of inactivity end one): a [0 600 2400] (a 30 min gap stays in the
/// session), [10000], then 8 days later [701200 701260]; b [0].
pub(crate) fn sessions_log() -> EventLog {
    let csv = "customer_id,timestamp,touchpoint\n\
        a,0,ad\na,600,site\na,2400,site\na,10000,email\na,701200,purchase\na,701260,email\n\
        b,0,site\n";
    read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
}

/// A path table of `(path, conversions, conversion value, nulls)` rows.
pub(crate) fn path_table(rows: &[(&str, f64, f64, f64)]) -> PathTable {
    PathTable::from_rows(rows.iter().map(|&(path, c, v, n)| PathRow {
        path: path.into(),
        total_conversions: c,
        total_conversion_value: v,
        total_null: n,
    }))
    .unwrap()
}

/// Asserts that `got` equals `want` value by value within 1e-12.
pub(crate) fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} != {want:?}");
    }
}

/// Every cell of a table as (column name, text), row by row (lists joined with `|`, null as
/// `-`), to compare tables of different layouts.
pub(crate) fn cells(t: &Table<'_>) -> Vec<Vec<(String, String)>> {
    (0..t.rows)
        .map(|i| {
            t.columns
                .iter()
                .map(|(name, c)| {
                    let v = match c {
                        Column::Int(v) => v[i].map(|x| x.to_string()),
                        Column::Float(v) => v[i].map(|x| x.to_string()),
                        Column::Bool(v) => v[i].map(|x| x.to_string()),
                        Column::Text(v) => v[i].as_ref().map(|x| x.to_string()),
                        Column::TextList(v) => v[i].as_ref().map(|x| x.join("|")),
                        Column::Joined { text, offsets } => {
                            Some(Column::joined(text, offsets, i).to_string())
                        }
                        Column::JoinedLists { .. } => c.joined_list(i).map(|l| l.join("|")),
                    };
                    (name.to_string(), v.unwrap_or_else(|| "-".into()))
                })
                .collect()
        })
        .collect()
}
