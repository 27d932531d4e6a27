//! CSV event logs: any bytes load or fail with an error, never a panic; a loaded log round
//! trips through CSV and the binary form, and does not depend on the order of customers;
//! strict and lenient loads agree.
#![no_main]

use journey_core::read_events_csv;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    common::check_event_loads(flags, |opts| read_events_csv(text, opts));
});
