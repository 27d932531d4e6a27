//! What only WebAssembly can break: JS values crossing into Rust (non-string arguments, typed
//! arrays, numbers and BigInts standing for integers and instants) and errors crossing back as
//! `JourneyError`s, also through a rejected promise. Runs under Node with
//! wasm-bindgen-test-runner (`cargo test --target wasm32-unknown-unknown -p journey-wasm`);
//! the node tests in this folder test the package as JavaScript sees it.
#![cfg(target_family = "wasm")]

use journey_wasm::{synthetic, EventLog, JourneyMap, PathTable};
use js_sys::{Array, BigInt64Array, Float32Array, Float64Array, Int32Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap()
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key)
        .as_string()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

/// A plain object from `(key, value)` pairs.
fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn strings(items: &[&str]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

/// Checks that `e` is a real `Error` of class `JourneyError` with this code and message.
fn journey_error(e: &JsValue, code: &str, message: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(text(e, "name"), "JourneyError");
    assert_eq!(text(e, "code"), code);
    assert_eq!(text(e, "message"), message);
}

#[wasm_bindgen_test]
fn non_string_arguments_are_invalid_argument_errors() {
    let e = EventLog::from_json(JsValue::from_f64(3.0), JsValue::UNDEFINED).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument text: expected a string, got number",
    );
    let e = JourneyMap::new(JsValue::NULL).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument name: expected a string, got null",
    );
    let e = PathTable::from_csv(JsValue::TRUE).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument text: expected a string, got boolean",
    );
    let log = EventLog::from_json(
        JsValue::from_str(r#"[{"customer_id": "a", "timestamp": 0, "touchpoint": "ad"}]"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let e = log.journey(Array::new().into()).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument customerId: expected a string, got an array",
    );
    // A string that is not JSON is an error of the content, not of the argument.
    let e = EventLog::from_json(JsValue::from_str("{"), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(text(&e, "code"), "malformed_row");
}

/// Three events from typed arrays: a's ad at 0 ms and purchase at 1.5 ms (worth 12.5), b's ad
/// at 2026-01-01T00:00:00Z (1 767 225 600 000 ms).
#[wasm_bindgen_test]
fn typed_arrays_cross_as_columns() {
    let ms = Float64Array::from(&[1.5, 0.0, 1_767_225_600_000.0][..]);
    let codes = js_sys::Uint8Array::from(&[1u8, 0, 0][..]);
    let touchpoint = object(&[
        ("values", strings(&["ad", "purchase"])),
        ("codes", codes.into()),
    ]);
    let value = Float32Array::from(&[12.5f32, f32::NAN, f32::NAN][..]);
    let sequence = Int32Array::from(&[0, 0, 0][..]);
    let cols = object(&[
        ("customerId", strings(&["a", "a", "b"])),
        ("timestamp", ms.into()),
        ("touchpoint", touchpoint),
        ("value", value.into()),
        ("sequence", sequence.into()),
    ]);
    let log = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap();
    assert_eq!((log.n_events(), log.n_customers()), (3, 2));
    let a: Array = log
        .journey(JsValue::from_str("a"))
        .unwrap()
        .unchecked_into();
    let (first, second) = (a.get(0), a.get(1));
    assert_eq!(
        (text(&first, "timestamp"), text(&first, "touchpoint")),
        ("1970-01-01T00:00:00Z".into(), "ad".into())
    );
    assert_eq!(
        (text(&second, "timestamp"), text(&second, "touchpoint")),
        ("1970-01-01T00:00:00.0015Z".into(), "purchase".into())
    );
    assert_eq!(get(&second, "value").as_f64(), Some(12.5));
    assert!(get(&first, "value").is_null());
    let b: Array = log
        .journey(JsValue::from_str("b"))
        .unwrap()
        .unchecked_into();
    assert_eq!(text(&b.get(0), "timestamp"), "2026-01-01T00:00:00Z");
    assert_eq!(get(&log.summary().unwrap(), "revenue").as_f64(), Some(12.5));
}

/// Milliseconds beyond 2^53 microseconds (after the year 2255) are still exact: the last
/// millisecond of 9999 is 253 402 300 799 999 ms, which times 1000 in f64 would round to
/// ...999 008 us.
#[wasm_bindgen_test]
fn timestamps_in_milliseconds_stay_exact_to_the_last_year() {
    let cols = object(&[
        ("customerId", strings(&["a", "a"])),
        (
            "timestamp",
            Float64Array::from(&[253_402_300_799_999.0, -1.5][..]).into(),
        ),
        ("touchpoint", strings(&["x", "y"])),
    ]);
    let log = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap();
    let s = log.summary().unwrap();
    assert_eq!(text(&s, "last_event"), "9999-12-31T23:59:59.999Z");
    assert_eq!(text(&s, "first_event"), "1969-12-31T23:59:59.9985Z");
}

#[wasm_bindgen_test]
fn bigint_arrays_and_mixed_columns_are_clear_errors() {
    let cols = object(&[
        ("customerId", strings(&["a"])),
        ("timestamp", BigInt64Array::new_with_length(1).into()),
        ("touchpoint", strings(&["x"])),
    ]);
    let e = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument timestamp: BigInt arrays are not supported; use a Float64Array",
    );
    // A timestamp array mixing numbers and text: an error at the first entry of the other kind.
    let mixed: Array = [JsValue::from_f64(0.0), JsValue::from_str("2026-01-01")]
        .into_iter()
        .collect();
    let cols = object(&[
        ("customerId", strings(&["a", "a"])),
        ("timestamp", mixed.into()),
        ("touchpoint", strings(&["x", "y"])),
    ]);
    let e = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_value");
    assert_eq!(get(&e, "row").as_f64(), Some(2.0));
    assert_eq!(text(&e, "column"), "timestamp");
    assert_eq!(text(&e, "value"), "2026-01-01");
}

/// Core decides which key is which part: `customerId` or `customer_id`, not both.
#[wasm_bindgen_test]
fn column_roles_come_from_core() {
    let cols = object(&[
        ("customerId", strings(&["a"])),
        ("timestamp", Float64Array::from(&[0.0][..]).into()),
        ("touchpoint", strings(&["x"])),
        ("customer_id", strings(&["b"])),
    ]);
    let e = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "columns \"customerId\" and \"customer_id\" are both the customer_id column; keep one, \
         or choose one by name",
    );
    assert_eq!(text(&e, "column"), "customer_id");
    let cols = object(&[
        ("customer_id", strings(&["a"])),
        ("timestamp", Float64Array::from(&[0.0][..]).into()),
    ]);
    let e = EventLog::from_columns(cols, JsValue::UNDEFINED).unwrap_err();
    journey_error(
        &e,
        "missing_column",
        "missing required column \"touchpoint\"; columns found: customer_id, timestamp",
    );
}

/// Integers in options may be BigInts (as `u64`/`i64` leave Rust): a seed, Unix seconds.
#[wasm_bindgen_test]
fn bigints_and_numbers_give_the_same_integers() {
    let summary = |seed: JsValue| {
        let pair: Array = synthetic(object(&[
            ("customers", JsValue::from_f64(20.0)),
            ("seed", seed),
        ]))
        .unwrap()
        .unchecked_into();
        // The log as JavaScript holds it: its method called from JS.
        let log = pair.get(0);
        let summary: js_sys::Function = get(&log, "summary").unchecked_into();
        js_sys::JSON::stringify(&summary.call0(&log).unwrap()).unwrap()
    };
    assert_eq!(
        summary(JsValue::bigint_from_str("7")),
        summary(JsValue::from_f64(7.0))
    );
    // The largest u64 seed works as a BigInt; as a Number it is no integer any more.
    summary(JsValue::bigint_from_str("18446744073709551615"));
    let e = synthetic(object(&[(
        "seed",
        JsValue::from_f64(18446744073709551615.0),
    )]))
    .unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_argument");
    let e = synthetic(object(&[("seed", JsValue::bigint_from_str("-1"))])).unwrap_err();
    assert_eq!(text(&e, "code"), "invalid_argument");

    // a buys for 10 on 2026-01-01, b for 30 on 2026-01-02 (1 767 312 000 s).
    let log = EventLog::from_json(
        JsValue::from_str(
            r#"[{"customer_id": "a", "timestamp": "2026-01-01T00:00:00Z", "touchpoint": "purchase", "value": 10},
                {"customer_id": "b", "timestamp": "2026-01-02T00:00:00Z", "touchpoint": "purchase", "value": 30}]"#,
        ),
        JsValue::UNDEFINED,
    )
    .unwrap();
    let kpis = |start: JsValue| log.kpis(object(&[("start", start)])).unwrap();
    let k = kpis(JsValue::bigint_from_str("1767312000"));
    assert_eq!(text(&k, "start"), "2026-01-02T00:00:00Z");
    assert_eq!(get(&k, "n_orders").as_f64(), Some(1.0));
    assert_eq!(get(&k, "revenue").as_f64(), Some(30.0));
    assert_eq!(
        js_sys::JSON::stringify(&k).unwrap(),
        js_sys::JSON::stringify(&kpis(JsValue::from_f64(1_767_312_000.0))).unwrap()
    );
}

/// An error inside a promise's callback rejects it with the `JourneyError`.
#[wasm_bindgen_test]
async fn errors_cross_a_promise_as_journey_errors() {
    let blob_class = get(&js_sys::global(), "Blob");
    let parts: Array = [JsValue::from_str("customer_id,touchpoint\na,ad\n")]
        .into_iter()
        .collect();
    let blob = Reflect::construct(
        blob_class.unchecked_ref::<js_sys::Function>(),
        &Array::of1(&parts),
    )
    .unwrap();
    let promise = EventLog::from_file(blob, JsValue::UNDEFINED).unwrap();
    let e = JsFuture::from(promise).await.unwrap_err();
    journey_error(
        &e,
        "missing_column",
        "missing required column \"timestamp\"; columns found: customer_id, touchpoint",
    );
    // Not a Blob: refused before any promise.
    let e = EventLog::from_file(JsValue::from_f64(1.0), JsValue::UNDEFINED).unwrap_err();
    journey_error(
        &e,
        "invalid_argument",
        "invalid argument file: expected a File or Blob",
    );
}
