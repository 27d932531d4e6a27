//! Survey responses from CSV or JSON (the first byte chooses): no panic; loaded responses
//! round trip through CSV whatever the order of customers.
#![no_main]

use journey_core::{read_surveys_csv, read_surveys_json, Mode};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let mut opts = common::options(flags);
    let read = |opts: &journey_core::LoadOptions| {
        if flags & 0x80 == 0 {
            read_surveys_csv(text, opts)
        } else {
            read_surveys_json(text, opts)
        }
    };
    opts.mode = Mode::Strict;
    let strict = read(&opts);
    opts.mode = Mode::Lenient;
    let lenient = read(&opts);
    common::check_modes(
        &strict,
        &lenient,
        |s| s.load_report().rows_skipped,
        |a, b| a.to_csv_string().unwrap() == b.to_csv_string().unwrap(),
    );
    if let Ok(s) = &lenient {
        common::check_surveys(s);
    }
});
