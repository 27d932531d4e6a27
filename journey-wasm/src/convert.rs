//! JS values <-> the canonical JSON shape, and journey errors as JS `Error`s.

use journey_core::Error;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// Marker type so the TypeScript output documents the error shape.
#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &str = r#"
/** Every error thrown by journey: a real `Error` with `name === "JourneyError"`. */
export interface JourneyError extends Error {
  name: "JourneyError";
  /** Stable kind: "invalid_value", "malformed_row", "missing_column", "invalid_argument", "invalid_map", "io". */
  code: string;
  /** 1-based source line (header = line 1), when the error points at a row. */
  line?: number;
  /** 1-based row, when the error points at a row of columnar input. */
  row?: number;
  /** Column name, when the error points at a cell or a missing column. */
  column?: string;
}
"#;

/// Not constructible from JS; documents the thrown error type.
#[wasm_bindgen]
#[derive(Debug)]
pub struct JourneyError;

/// A core error as a JS `Error` with `name`, `code`, `line`, `column`.
pub fn js_err(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("JourneyError");
    let obj: &JsValue = err.as_ref();
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(obj, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code()));
    if let Some(line) = e.line() {
        set("line", JsValue::from_f64(line as f64));
    }
    if let Some(row) = e.row() {
        set("row", JsValue::from_f64(row as f64));
    }
    if let Some(col) = e.column() {
        set("column", JsValue::from_str(col));
    }
    err.into()
}

pub fn arg_err(name: &str, message: impl std::fmt::Display) -> JsValue {
    js_err(Error::InvalidArgument {
        name: name.to_string(),
        message: message.to_string(),
    })
}

/// `firstAttempt` -> `first_attempt`.
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An options object from JS (camelCase keys) as the JSON object core expects (snake_case keys).
/// Only the top-level keys are renamed: nested objects hold user data (touchpoint names...).
pub fn options(v: &JsValue) -> Result<Value, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Object(Map::new()));
    }
    let json: Value = serde_wasm_bindgen::from_value(v.clone())
        .map_err(|e| arg_err("options", format!("expected a plain object: {e}")))?;
    match json {
        Value::Object(m) => Ok(Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (snake(&k), v))
                .collect(),
        )),
        _ => Err(arg_err("options", "expected a plain object")),
    }
}

/// Renames the keys of a nested options object from camelCase to snake_case (in place).
pub fn snake_keys(v: &mut Value) {
    if let Value::Object(m) = v {
        let old = std::mem::take(m);
        *m = old
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (snake(&k), v))
            .collect();
    }
}

/// A serialisable result as a plain JS object (not a Map).
pub fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsValue> {
    let s = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&s).map_err(|e| arg_err("result", e))
}
