//! JSON event logs (an array or JSON Lines): as for CSV, no panic, and a loaded log round trips
//! through CSV and does not depend on the order of customers.
#![no_main]

use journey_core::read_events_json;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    common::check_event_loads(flags, |opts| read_events_json(text, opts));
});
