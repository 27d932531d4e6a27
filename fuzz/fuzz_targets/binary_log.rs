//! The binary log (`EventLog::from_bytes`): damaged input is an error, never a panic; a log
//! that loads satisfies every invariant of a log (CSV and binary round trips, row order).
#![no_main]

use journey_core::EventLog;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(log) = EventLog::from_bytes(data) {
        common::check_log(&log);
    }
});
