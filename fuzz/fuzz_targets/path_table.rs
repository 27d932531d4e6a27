//! Path tables from CSV or from JSON rows (the first byte chooses): no panic; a table rebuilt
//! from its own rows, in any order, is the same table; its rows written as CSV (the layout
//! `read_path_table_csv` reads) read back to the same table.
#![no_main]

use journey_core::metrics::attribution::{read_path_table_csv, PathTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let table = if flags & 1 == 0 {
        read_path_table_csv(text)
    } else {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(text) else {
            return;
        };
        PathTable::from_json_rows(&v)
    };
    let Ok(table) = table else {
        return;
    };
    let rows = table.rows();
    let again = PathTable::from_rows(rows.clone()).expect("a table's own rows load");
    assert_eq!(again.rows(), rows);
    assert_eq!(again.names(), table.names());
    let mut reversed = rows.clone();
    reversed.reverse();
    let other = PathTable::from_rows(reversed).expect("reversed rows load");
    assert_eq!(other.rows(), rows, "row order changed the table");
    let json = serde_json::to_value(&table).expect("a table serialises");
    if let Some(r) = json.get("rows") {
        let from_json = PathTable::from_json_rows(r).expect("the JSON rows load");
        assert_eq!(from_json.rows(), rows);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ])
    .unwrap();
    for r in &rows {
        w.write_record([
            r.path.clone(),
            r.total_conversions.to_string(),
            r.total_conversion_value.to_string(),
            r.total_null.to_string(),
        ])
        .unwrap();
    }
    let text = w.into_inner().unwrap();
    let from_csv = read_path_table_csv(&text[..]).unwrap_or_else(|e| {
        panic!(
            "a table's rows as CSV do not read back: {e}\n{}",
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(
        from_csv.rows(),
        rows,
        "the CSV round trip changed the table"
    );
});
