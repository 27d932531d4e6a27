//! The column loader (`EventLog::from_columns`, what Arrow tables and dataframes go through)
//! with arbitrary columns: plain or dictionary text, integer or text timestamps, nulls, bad
//! codes, ragged lengths. Never a panic; a loaded log satisfies every invariant of a log; the
//! same cells written as CSV load to the same log.
#![no_main]

use arbitrary::Arbitrary;
use journey_core::ingest::{EventColumns, StrColumn, TimeColumn, ValueColumn};
use journey_core::{read_events_csv, EventLog, Mode};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

#[derive(Debug, Arbitrary)]
enum Col {
    Plain(Vec<Option<String>>),
    Dict(Vec<String>, Vec<Option<u32>>),
}

#[derive(Debug, Arbitrary)]
enum Time {
    Micros(Vec<Option<i64>>),
    Text(Col),
}

#[derive(Debug, Arbitrary)]
struct Input {
    flags: u8,
    customer_id: Col,
    timestamp: Time,
    touchpoint: Col,
    channel: Option<Col>,
    stage: Option<Col>,
    value: Option<Vec<Option<f64>>>,
    properties: Vec<(String, Col)>,
}

fn str_col(c: &Col) -> StrColumn<'_> {
    match c {
        Col::Plain(v) => StrColumn::Plain(v.iter().map(|s| s.as_deref()).collect()),
        Col::Dict(values, codes) => StrColumn::Dictionary {
            values: values.iter().map(String::as_str).collect(),
            codes: codes.clone(),
        },
    }
}

/// Cell `i` of a column as CSV would hold it (`None` = the row cannot be written as CSV).
fn cell(c: &StrColumn<'_>, i: usize) -> Option<String> {
    match c {
        StrColumn::Plain(v) => Some(v.get(i)?.unwrap_or("").to_string()),
        StrColumn::Dictionary { values, codes } => match codes.get(i)? {
            None => Some(String::new()),
            Some(k) => values.get(*k as usize).map(|s| s.to_string()),
        },
    }
}

fuzz_target!(|input: Input| {
    let cols = EventColumns {
        customer_id: str_col(&input.customer_id),
        timestamp: match &input.timestamp {
            Time::Micros(v) => TimeColumn::Micros(v.clone()),
            Time::Text(c) => TimeColumn::Text(str_col(c)),
        },
        touchpoint: str_col(&input.touchpoint),
        channel: input.channel.as_ref().map(str_col),
        stage: input.stage.as_ref().map(str_col),
        value: input.value.clone().map(ValueColumn::Numbers),
        // The target compares with the same cells written as CSV, which has no sequence
        // column to write: ties are checked by the events_csv target's row-order invariant.
        sequence: None,
        properties: input
            .properties
            .iter()
            .map(|(k, c)| (k.clone(), str_col(c)))
            .collect(),
    };
    let mut opts = common::options(input.flags & !8);
    opts.mode = Mode::Strict;
    let strict = EventLog::from_columns(&cols, &opts);
    opts.mode = Mode::Lenient;
    let lenient = EventLog::from_columns(&cols, &opts);
    common::check_modes(
        &strict,
        &lenient,
        |l| l.load_report().rows_skipped,
        |a, b| a.rows().eq(b.rows()),
    );
    let Ok(log) = &strict else {
        if let Ok(log) = &lenient {
            common::check_log(log);
        }
        return;
    };
    common::check_log(log);

    // The same cells as CSV (text columns only, every cell present) load to the same log.
    if !matches!(cols.timestamp, TimeColumn::Text(_)) {
        return;
    }
    let n = cols.customer_id.len();
    let mut header = vec!["customer_id", "timestamp", "touchpoint"];
    let mut text_cols: Vec<&StrColumn<'_>> = vec![&cols.customer_id];
    if let TimeColumn::Text(t) = &cols.timestamp {
        text_cols.push(t);
    }
    text_cols.push(&cols.touchpoint);
    if let Some(c) = &cols.channel {
        header.push("channel");
        text_cols.push(c);
    }
    if let Some(c) = &cols.stage {
        header.push("stage");
        text_cols.push(c);
    }
    if cols.value.is_some() {
        return;
    }
    // Ignored property columns are not checked (their names may clash); leave them out.
    if !opts.ignore_extra_columns {
        for (k, c) in &cols.properties {
            header.push(k);
            text_cols.push(c);
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for i in 0..n {
        let Some(row) = text_cols
            .iter()
            .map(|c| cell(c, i))
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        w.write_record(&row).unwrap();
    }
    let text = w.into_inner().unwrap();
    opts.mode = Mode::Strict;
    let from_csv = read_events_csv(&text[..], &opts)
        .unwrap_or_else(|e| panic!("columns load but their CSV does not: {e}"));
    assert!(
        from_csv.rows().eq(log.rows()),
        "columns and CSV give different logs"
    );
});
