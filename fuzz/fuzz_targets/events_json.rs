//! JSON event logs (an array or JSON Lines): as for CSV, no panic, and a loaded log round trips
//! through CSV and does not depend on the order of customers.
#![no_main]

use journey_core::{read_events_json, Mode};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let mut opts = common::options(flags);
    opts.mode = Mode::Strict;
    let strict = read_events_json(text, &opts);
    opts.mode = Mode::Lenient;
    let lenient = read_events_json(text, &opts);
    common::check_modes(
        &strict,
        &lenient,
        |l| l.load_report().rows_skipped,
        |a, b| a.rows().eq(b.rows()),
    );
    if let Ok(log) = &lenient {
        assert_eq!(log.load_report().rows_kept as usize, log.n_events());
        common::check_log(log);
    }
});
