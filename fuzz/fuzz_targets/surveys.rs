//! Survey responses from CSV or JSON (the first byte chooses): no panic; loaded responses
//! round trip through CSV whatever the order of customers.
#![no_main]

use journey_core::{read_surveys_csv, read_surveys_json};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let read = |opts: &journey_core::LoadOptions| {
        if flags & 0x80 == 0 {
            read_surveys_csv(text, opts)
        } else {
            read_surveys_json(text, opts)
        }
    };
    let lenient = common::load_both_modes(
        flags,
        read,
        |s| s.load_report().rows_skipped,
        |a, b| a.to_csv_string().unwrap() == b.to_csv_string().unwrap(),
    );
    if let Ok(s) = &lenient {
        common::check_surveys(s);
    }
});
