//! JS values <-> the canonical JSON shape, and journey errors as JS `Error`s.

use journey_core::Error;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &str = r#"
/** Where an error points and what it found, as far as it knows. */
export interface JourneyErrorFields {
  /** Stable kind: "invalid_value", "malformed_row", "missing_column", "invalid_argument", "invalid_map", "io". */
  code: string;
  /** 1-based source line (header = line 1), when the error points at a row of text input. */
  line?: number;
  /** 1-based row, when the error points at a row of columnar input. */
  row?: number;
  /** Column name, when the error points at a cell or a missing column. */
  column?: string;
  /** The offending value as read (cut to about 60 characters), when the error points at a cell. */
  value?: string;
  /** What was expected instead, when the error points at a cell. */
  expected?: string;
}

/**
 * Every error thrown (or rejected) by journey: `e instanceof JourneyError` holds, and it is an
 * `Error` with `name === "JourneyError"`.
 */
export class JourneyError extends Error {
  constructor(message: string, fields: JourneyErrorFields);
  name: "JourneyError";
}
/** The fields, merged into the class. */
export interface JourneyError extends JourneyErrorFields {}
"#;

// The error class is plain JavaScript, so that thrown errors are real `Error`s (with a stack)
// and `instanceof JourneyError` works; the package exports this class (`reexport`).
#[wasm_bindgen(inline_js = r#"
export class JourneyError extends Error {
  constructor(message, fields) {
    super(message);
    for (const k of ["code", "line", "row", "column", "value", "expected"]) {
      if (fields?.[k] !== undefined) this[k] = fields[k];
    }
  }
}
Object.defineProperty(JourneyError.prototype, "name", { value: "JourneyError", writable: true, configurable: true });
export function journeyError(message, fields) {
  return new JourneyError(message, fields);
}
"#)]
extern "C" {
    /// The class, exported by the package as `JourneyError`; Rust only constructs it.
    #[allow(dead_code)]
    #[wasm_bindgen(js_name = JourneyError, reexport = "JourneyError", skip_typescript)]
    fn journey_error_class();

    #[wasm_bindgen(js_name = journeyError)]
    fn journey_error(message: &str, fields: &JsValue) -> JsValue;
}

/// A core error as a `JourneyError` with `code`, and `line`, `row`, `column`, `value`,
/// `expected` where the error has them.
pub fn js_err(e: Error) -> JsValue {
    let fields = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&fields, &JsValue::from_str(k), &v);
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
    if let Some(value) = e.value() {
        set("value", JsValue::from_str(value));
    }
    if let Some(expected) = e.expected() {
        set("expected", JsValue::from_str(expected));
    }
    journey_error(&e.to_string(), &fields)
}

pub fn arg_err(name: &str, message: impl std::fmt::Display) -> JsValue {
    js_err(Error::InvalidArgument {
        name: name.to_string(),
        message: message.to_string(),
    })
}

/// A JS string argument as Rust text; any other value is a `JourneyError` (`invalid_argument`)
/// naming the argument. (Declared `string` in TypeScript, taken as a `JsValue`: wasm-bindgen's
/// own conversion of a non-string runs off the end of memory.)
pub fn text(v: &JsValue, name: &str) -> Result<String, JsValue> {
    v.as_string()
        .ok_or_else(|| arg_err(name, format!("expected a string, got {}", type_name(v))))
}

/// `typeof v`, with `null` and arrays told apart, for error messages.
pub fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// Refuses `NaN` and `±Infinity` anywhere in an options object (JSON has no such numbers, so
/// they would silently become "not given", i.e. the default): a `JourneyError` naming the key.
fn check_finite(v: &JsValue, key: &str) -> Result<(), JsValue> {
    if let Some(f) = v.as_f64() {
        if !f.is_finite() {
            return Err(arg_err(
                key,
                format!("{f} is not a finite number; give a finite number or leave it out"),
            ));
        }
    } else if js_sys::Array::is_array(v) {
        for x in js_sys::Array::from(v).iter() {
            check_finite(&x, key)?;
        }
    } else if v.is_object() && !v.is_function() {
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            check_finite(&pair.get(1), key)?;
        }
    }
    Ok(())
}

/// `firstAttempt` -> `first_attempt`.
pub(crate) fn snake(key: &str) -> String {
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
    if v.is_object() {
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let pair = js_sys::Array::from(&entry);
            let key = pair.get(0).as_string().unwrap_or_default();
            check_finite(&pair.get(1), &snake(&key))?;
        }
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

/// `Object.prototype.toString.call(v)` (`"[object Date]"`, ...): the kind of a built-in object,
/// also of one from another realm (a `vm` context, an iframe), where `instanceof` fails.
pub(crate) fn tag(v: &JsValue) -> Option<String> {
    if !v.is_object() {
        return None;
    }
    js_sys::Reflect::get(&js_sys::Object::new(), &JsValue::from_str("toString"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(v).ok())
        .and_then(|t| t.as_string())
}

/// Is `v` a `Date` (of any realm)?
pub(crate) fn is_date(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::Date>() || tag(v).as_deref() == Some("[object Date]")
}
