//! CSV event logs: any bytes load or fail with an error, never a panic; a loaded log round
//! trips through CSV and the binary form, and does not depend on the order of customers;
//! strict and lenient loads agree.
#![no_main]

use journey_core::{read_events_csv, LoadReport, Mode};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let mut opts = common::options(flags);
    opts.mode = Mode::Strict;
    let strict = read_events_csv(text, &opts);
    opts.mode = Mode::Lenient;
    let lenient = read_events_csv(text, &opts);
    common::check_modes(
        &strict,
        &lenient,
        |l| l.load_report().rows_skipped,
        |a, b| a.rows().eq(b.rows()),
    );
    if let Ok(log) = &lenient {
        let r: &LoadReport = log.load_report();
        assert_eq!(r.rows_kept + r.rows_skipped, r.rows_read);
        assert_eq!(r.rows_kept as usize, log.n_events());
        common::check_log(log);
    }
});
