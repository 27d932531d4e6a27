//! The journey map JSON: no panic; a loaded map writes back to JSON that loads to the same map.
#![no_main]

use journey_core::JourneyMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(map) = JourneyMap::from_json(text) else {
        return;
    };
    let json = map.to_json().expect("a loaded map writes as JSON");
    let again = JourneyMap::from_json(&json)
        .unwrap_or_else(|e| panic!("the written map does not load: {e}\n{json}"));
    assert_eq!(again, map);
    assert_eq!(again.to_json().unwrap(), json);
});
