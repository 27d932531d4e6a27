//! Properties of columnar input: any split into chunks, any encoding of the text columns (plain
//! or dictionary, with unused dictionary values) gives the log the CSV reader gives.

use journey_core::ingest::{ColumnChunk, StrColumn, TextCells, TimeCells, TimeUnit, ValueCells};
use journey_core::{read_events_csv, EventLog, LoadOptions, Mode};
use proptest::prelude::*;

/// Rows `(customer, seconds, touchpoint, channel, value, plan)`; ties in time are allowed.
type Row = (u8, i64, u8, Option<u8>, Option<u16>, Option<u8>);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    proptest::collection::vec(
        (
            0u8..6,
            -3i64..40,
            0u8..5,
            proptest::option::of(0u8..3),
            proptest::option::of(0u16..500),
            proptest::option::of(0u8..2),
        ),
        0..60,
    )
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from("customer_id,timestamp,touchpoint,channel,value,plan\n");
    for (c, t, tp, ch, v, plan) in rows {
        let ch = ch.map(|h| format!("ch{h}")).unwrap_or_default();
        let v = v.map(|v| format!("{v}.25")).unwrap_or_default();
        let plan = plan.map(|p| format!("plan{p}")).unwrap_or_default();
        s.push_str(&format!("cust{c},{t},tp{tp},{ch},{v},{plan}\n"));
    }
    s
}

/// A text column, plain or dictionary encoded (the dictionary holds every possible value, most
/// of them unused, in reverse order so codes differ from ids).
fn text(values: Vec<Option<String>>, universe: &[String], dict: bool) -> Owned {
    if dict {
        let codes = values
            .iter()
            .map(|v| {
                v.as_ref()
                    .map(|v| universe.iter().position(|u| u == v).unwrap() as u32)
            })
            .collect();
        Owned::Dict(universe.to_vec(), codes)
    } else {
        Owned::Plain(values)
    }
}

enum Owned {
    Plain(Vec<Option<String>>),
    Dict(Vec<String>, Vec<Option<u32>>),
}

impl Owned {
    fn column(&self) -> StrColumn<'_> {
        match self {
            Owned::Plain(v) => StrColumn::Plain(v.iter().map(|s| s.as_deref()).collect()),
            Owned::Dict(values, codes) => StrColumn::Dictionary {
                values: values.iter().map(String::as_str).collect(),
                codes: codes.clone(),
            },
        }
    }
}

fn universe(prefix: &str, n: u8) -> Vec<String> {
    (0..n).rev().map(|i| format!("{prefix}{i}")).collect()
}

proptest! {
    #[test]
    fn chunks_give_the_csv_log(
        rows in rows(),
        cuts in proptest::collection::vec(0usize..60, 0..4),
        dict in any::<[bool; 4]>(),
        lenient in any::<bool>(),
    ) {
        let opts = LoadOptions { mode: if lenient { Mode::Lenient } else { Mode::Strict }, ..Default::default() };
        let expected = read_events_csv(csv(&rows).as_bytes(), &opts).unwrap();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(rows.len())).collect();
        cuts.push(0);
        cuts.push(rows.len());
        cuts.sort_unstable();
        let (uc, ut, uh, up) = (universe("cust", 9), universe("tp", 7), universe("ch", 4), universe("plan", 3));
        let mut owned = Vec::new();
        for w in cuts.windows(2) {
            let part = &rows[w[0]..w[1]];
            owned.push((
                text(part.iter().map(|r| Some(format!("cust{}", r.0))).collect(), &uc, dict[0]),
                part.iter().map(|r| Some(r.1)).collect::<Vec<_>>(),
                text(part.iter().map(|r| Some(format!("tp{}", r.2))).collect(), &ut, dict[1]),
                text(part.iter().map(|r| r.3.map(|h| format!("ch{h}"))).collect(), &uh, dict[2]),
                part.iter().map(|r| r.4.map(|v| v as f64 + 0.25)).collect::<Vec<_>>(),
                text(part.iter().map(|r| r.5.map(|p| format!("plan{p}"))).collect(), &up, dict[3]),
            ));
        }
        let cols: Vec<_> = owned
            .iter()
            .map(|(c, t, tp, ch, v, p)| (c.column(), t, tp.column(), ch.column(), v, p.column()))
            .collect();
        let chunks: Vec<ColumnChunk> = cols
            .iter()
            .map(|(c, t, tp, ch, v, p)| ColumnChunk {
                customer_id: c,
                timestamp: TimeCells::Ints(*t, TimeUnit::Seconds),
                touchpoint: tp,
                channel: Some(ch),
                stage: None,
                value: Some(ValueCells::Numbers(*v)),
                sequence: None,
                properties: vec![p as &dyn TextCells],
            })
            .collect();
        let got = EventLog::from_chunks(&chunks, &["plan"], &opts, None).unwrap();
        prop_assert_eq!(got.rows().collect::<Vec<_>>(), expected.rows().collect::<Vec<_>>());
        prop_assert_eq!(got.customer_ids(), expected.customer_ids());
        prop_assert_eq!(got.touchpoints(), expected.touchpoints());
        prop_assert_eq!(got.channels(), expected.channels());
        prop_assert_eq!(got.load_report(), expected.load_report());
    }
}
