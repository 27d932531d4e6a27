//! Input in every form a web app holds data: CSV as text, bytes (`Uint8Array`, `ArrayBuffer`),
//! a `File`/`Blob` (async), and columns (`EventLog.fromColumns`) for apps that already hold the
//! data in arrays.

use journey_core as core;
use journey_core::ingest::{
    ColumnNames, ColumnRoles, EventColumns, Role, StrColumn, TimeColumn, ValueColumn,
};
use js_sys::{Array, ArrayBuffer, Float64Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{arg_err, js_err};
use crate::model::{load_opts, EventLog, Surveys};

#[wasm_bindgen(typescript_custom_section)]
const TS_INGEST: &str = r#"
/** CSV input: text, or its UTF-8 bytes. */
export type CsvInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * A column of text: one entry per row (`null`/`undefined` = missing; numbers are written as
 * JavaScript writes them), or dictionary encoded: `codes[i]` indexes `values` (negative, NaN or
 * null = missing), as Arrow dictionary arrays and categoricals hold it.
 */
export type StringColumn =
  | ArrayLike<string | number | null | undefined>
  | { values: ArrayLike<string>; codes: Int32Array | Uint32Array | Uint16Array | Uint8Array | ArrayLike<number | null> };

/**
 * An event table in columns, every column one entry per row. Timestamps are milliseconds since
 * the Unix epoch (as `Date.getTime()` gives them; NaN or null = missing), `Date` objects, or text
 * in the CSV formats.
 */
export interface EventColumnsInput {
  customerId: StringColumn;
  timestamp: Float64Array | ArrayLike<number | Date | null> | StringColumn;
  touchpoint: StringColumn;
  channel?: StringColumn;
  stage?: StringColumn;
  /**
   * Conversion values: numbers (NaN or null = none), or text read as CSV reads it (a decimal
   * number; blank or null = none).
   */
  value?: Float64Array | ArrayLike<number | null> | StringColumn;
  /** Integers that order a customer's events with equal timestamps; NaN or null = none. */
  sequence?: Float64Array | Int32Array | ArrayLike<number | null>;
  /** Other columns, kept as properties (e.g. `persona`). */
  properties?: Record<string, StringColumn>;
}
"#;

/// The bytes of `text | Uint8Array | ArrayBuffer | ArrayBufferView` (text only when `text_ok`).
pub(crate) fn csv_bytes(name: &str, data: &JsValue, text_ok: bool) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = data.as_string() {
        if !text_ok {
            return Err(arg_err(
                name,
                "expected bytes (Uint8Array, ArrayBuffer or another ArrayBufferView), got a string; use fromCsv for text",
            ));
        }
        return Ok(s.into_bytes());
    }
    if let Some(a) = data.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    if let Some(b) = data.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(b).to_vec());
    }
    if ArrayBuffer::is_view(data) {
        let get = |k: &str| Reflect::get(data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let buffer = get("buffer");
        let offset = get("byteOffset").as_f64().unwrap_or(0.0) as u32;
        let len = get("byteLength").as_f64().unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buffer, offset, len).to_vec());
    }
    Err(arg_err(
        name,
        if text_ok {
            "expected CSV as a string, Uint8Array or ArrayBuffer"
        } else {
            "expected bytes (Uint8Array, ArrayBuffer or another ArrayBufferView)"
        },
    ))
}

/// Calls `blob.arrayBuffer()` and hands the bytes to `read` once they are there.
fn read_blob(
    blob: &JsValue,
    read: impl FnOnce(Vec<u8>) -> Result<JsValue, JsValue> + 'static,
) -> Result<Promise, JsValue> {
    let method = Reflect::get(blob, &JsValue::from_str("arrayBuffer"))
        .ok()
        .and_then(|m| m.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| arg_err("file", "expected a File or Blob"))?;
    let promise = method.call0(blob)?;
    let then: js_sys::Function = Reflect::get(&promise, &JsValue::from_str("then"))?
        .dyn_into()
        .map_err(|_| arg_err("file", "arrayBuffer() did not return a Promise"))?;
    // A throwing callback rejects the promise `then` returns, with the JourneyError.
    let callback = Closure::once_into_js(move |buf: JsValue| -> Result<JsValue, JsValue> {
        read(Uint8Array::new(&buf).to_vec())
    });
    Ok(then.call1(&promise, &callback)?.unchecked_into())
}

#[wasm_bindgen]
impl EventLog {
    /// Reads a log from CSV: text, or its bytes (`Uint8Array`, `ArrayBuffer`).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "CsvInput")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<EventLog, JsValue> {
        let opts = load_opts(&opts)?;
        core::read_events_csv_bytes(&csv_bytes("data", &data, true)?, &opts)
            .map(Into::into)
            .map_err(js_err)
    }

    /// Reads a log from CSV bytes (e.g. the contents of a `File`); as `fromCsv`, but text is
    /// refused.
    #[wasm_bindgen(js_name = fromCsvBytes)]
    pub fn from_csv_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer | ArrayBufferView")]
        bytes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<EventLog, JsValue> {
        let opts = load_opts(&opts)?;
        core::read_events_csv_bytes(&csv_bytes("bytes", &bytes, false)?, &opts)
            .map(Into::into)
            .map_err(js_err)
    }

    /// Reads a log from a CSV `File` or `Blob` (a file input, a drop, a `fetch` response's
    /// blob). Resolves to the log; rejects with a `JourneyError`.
    #[wasm_bindgen(js_name = fromFile, unchecked_return_type = "Promise<EventLog>")]
    pub fn from_file(
        #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<Promise, JsValue> {
        let opts = load_opts(&opts)?;
        read_blob(&file, move |bytes| {
            core::read_events_csv_bytes(&bytes, &opts)
                .map(|l| EventLog::from(l).into())
                .map_err(js_err)
        })
    }

    /// Builds a log from columns (arrays, typed arrays, dictionary-encoded columns), with the
    /// same checks as the CSV reader; errors name the row (1-based) instead of a line.
    #[wasm_bindgen(js_name = fromColumns)]
    pub fn from_columns(
        #[wasm_bindgen(unchecked_param_type = "EventColumnsInput")] columns: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<EventLog, JsValue> {
        let opts = load_opts(&opts)?;
        if !columns.is_object() {
            return Err(arg_err("columns", "expected an object of columns"));
        }
        // Core decides which key is which part (`customerId` or `customer_id`, `rename`); the
        // extra columns are under `properties`.
        let keys: Vec<String> = present_keys(&columns)
            .into_iter()
            .filter(|k| k != "properties")
            .filter(|k| present(&get(&columns, k)).is_some())
            .collect();
        let names = ColumnNames {
            camel_case: true,
            properties: Some(Vec::new()),
            ..Default::default()
        };
        let roles = ColumnRoles::resolve(
            &keys.iter().map(String::as_str).collect::<Vec<_>>(),
            &names,
            &opts,
        )
        .map_err(js_err)?;
        let column = |role: Role| roles.get(role).map(|i| get(&columns, &keys[i]));
        // `resolve` fails unless every required part has its column.
        let required = |role: Role| column(role).unwrap_or(JsValue::UNDEFINED);
        let text = |role: Role| -> Result<Option<OwnedStr>, JsValue> {
            column(role)
                .map(|v| OwnedStr::read(role.column(), &v))
                .transpose()
        };

        let customer = OwnedStr::read("customer_id", &required(Role::CustomerId))?;
        let touchpoint = OwnedStr::read("touchpoint", &required(Role::Touchpoint))?;
        let channel = text(Role::Channel)?;
        let stage = text(Role::Stage)?;
        let value = match column(Role::Value) {
            None => None,
            Some(v) => Some(match column_kind(&v, "value", "a number")? {
                TimeKind::Text => OwnedValue::Text(OwnedStr::read("value", &v)?),
                TimeKind::Numbers => OwnedValue::Numbers(numbers("value", &v, VALUE_EXPECTED)?),
            }),
        };
        let sequence = column(Role::Sequence)
            .map(|v| numbers("sequence", &v, SEQUENCE_EXPECTED))
            .transpose()?
            .map(|v| integers(&v))
            .transpose()?;
        let ts = required(Role::Timestamp);
        let ts = match column_kind(&ts, "timestamp", "a number or a Date")? {
            TimeKind::Text => OwnedTime::Text(OwnedStr::read("timestamp", &ts)?),
            TimeKind::Numbers => OwnedTime::Millis(numbers("timestamp", &ts, TIME_EXPECTED)?),
        };
        let mut props: Vec<(String, OwnedStr)> = Vec::new();
        if let Some(p) = present(&get(&columns, "properties")) {
            if !p.is_object() {
                return Err(arg_err("properties", "expected an object of columns"));
            }
            for entry in Object::entries(p.unchecked_ref::<Object>()).iter() {
                let pair: Array = entry.unchecked_into();
                let name = pair.get(0).as_string().unwrap_or_default();
                let col = OwnedStr::read(&name, &pair.get(1))?;
                props.push((name, col));
            }
        }

        let cols = EventColumns {
            customer_id: customer.column(),
            timestamp: match &ts {
                OwnedTime::Text(s) => TimeColumn::Text(s.column()),
                OwnedTime::Millis(v) => {
                    TimeColumn::Micros(v.iter().map(|&ms| micros(ms)).collect())
                }
            },
            touchpoint: touchpoint.column(),
            channel: channel.as_ref().map(OwnedStr::column),
            stage: stage.as_ref().map(OwnedStr::column),
            value: value.as_ref().map(|v| match v {
                OwnedValue::Numbers(v) => ValueColumn::Numbers(
                    v.iter().map(|&x| Some(x).filter(|x| !x.is_nan())).collect(),
                ),
                OwnedValue::Text(s) => ValueColumn::Text(s.column()),
            }),
            sequence,
            properties: props.iter().map(|(k, c)| (k.clone(), c.column())).collect(),
        };
        core::EventLog::from_columns(&cols, &opts)
            .map(Into::into)
            .map_err(js_err)
    }
}

#[wasm_bindgen]
impl Surveys {
    /// Reads responses from CSV: text, or its bytes (`Uint8Array`, `ArrayBuffer`).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(
        #[wasm_bindgen(unchecked_param_type = "CsvInput")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<Surveys, JsValue> {
        let opts = load_opts(&opts)?;
        core::read_surveys_csv(csv_bytes("data", &data, true)?.as_slice(), &opts)
            .map(Into::into)
            .map_err(js_err)
    }

    /// Reads responses from a CSV `File` or `Blob`. Resolves to the responses; rejects with a
    /// `JourneyError`.
    #[wasm_bindgen(js_name = fromFile, unchecked_return_type = "Promise<Surveys>")]
    pub fn from_file(
        #[wasm_bindgen(unchecked_param_type = "Blob")] file: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] opts: JsValue,
    ) -> Result<Promise, JsValue> {
        let opts = load_opts(&opts)?;
        read_blob(&file, move |bytes| {
            core::read_surveys_csv(bytes.as_slice(), &opts)
                .map(|s| Surveys::from(s).into())
                .map_err(js_err)
        })
    }
}

/// `obj[key]` (undefined where reading it throws).
fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A column given as null or undefined is not given.
fn present(v: &JsValue) -> Option<JsValue> {
    Some(v.clone()).filter(|v| !v.is_undefined() && !v.is_null())
}

fn present_keys(obj: &JsValue) -> Vec<String> {
    Object::keys(obj.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect()
}

/// Milliseconds since the epoch -> microseconds; NaN, infinities and instants outside the range
/// of `Date` are missing. The whole milliseconds are multiplied as integers: past 2^53 us
/// (the year 2255) a product in f64 is no longer exact.
fn micros(ms: f64) -> Option<i64> {
    (ms.is_finite() && ms.abs() <= 8.64e15).then(|| {
        let whole = ms.trunc();
        whole as i64 * 1000 + ((ms - whole) * 1000.0).round() as i64
    })
}

const VALUE_EXPECTED: &str = "a number (NaN or null for no value)";
const SEQUENCE_EXPECTED: &str = "a whole number (NaN or null for none)";
const TIME_EXPECTED: &str = "milliseconds since the epoch or a Date (NaN or null for missing)";
const CODE_EXPECTED: &str =
    "a whole number indexing the dictionary's values (negative, NaN or null for missing)";

#[wasm_bindgen(inline_js = r#"
const isDate = (x) => x instanceof Date || Object.prototype.toString.call(x) === "[object Date]";
/** Where the first entry of each kind is in an array: text, a number or Date, anything else (-1: none); null and undefined are missing. */
export function entryKinds(a) {
  let text = -1, number = -1, other = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === null || x === undefined) continue;
    if (typeof x === "string") { if (text < 0) text = i; }
    else if (typeof x === "number" || isDate(x)) { if (number < 0) number = i; }
    else if (other < 0) other = i;
  }
  return new Float64Array([text, number, other]);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = entryKinds)]
    fn entry_kinds(a: &Array) -> Float64Array;
}

/// `Array.prototype.join`, with its TypeError (a Symbol entry) caught.
fn try_join(arr: &Array, sep: &str) -> Result<String, JsValue> {
    let join: js_sys::Function = Reflect::get(arr, &JsValue::from_str("join"))?.unchecked_into();
    join.call1(arr, &JsValue::from_str(sep))?
        .as_string()
        .ok_or(JsValue::UNDEFINED)
}

/// The 0-based index of the first entry of each kind in an array column: text, a number or a
/// `Date`, anything else (booleans, objects, BigInts).
struct Kinds {
    text: Option<usize>,
    number: Option<usize>,
    other: Option<usize>,
}

fn kinds(a: &Array) -> Kinds {
    let k = entry_kinds(a).to_vec();
    let at = |i: usize| k.get(i).filter(|&&x| x >= 0.0).map(|&x| x as usize);
    Kinds {
        text: at(0),
        number: at(1),
        other: at(2),
    }
}

/// An error at one cell of a column (`index` 0-based; the error names the 1-based row).
fn cell_err(index: usize, column: &str, value: &JsValue, expected: impl Into<String>) -> JsValue {
    js_err(core::Error::InvalidCell {
        row: index as u64 + 1,
        column: column.to_string(),
        value: entry_text(value),
        expected: expected.into(),
    })
}

/// A number as JavaScript writes it for the common cases (`NaN`, `Infinity`, `1.5`, `12`).
fn js_number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        x.to_string()
    }
}

/// A JS value as an error quotes it, cut as core cuts values (`error::cut`).
fn entry_text(v: &JsValue) -> String {
    let text = if let Some(s) = v.as_string() {
        s
    } else if let Some(x) = v.as_f64() {
        js_number(x)
    } else if let Some(b) = v.as_bool() {
        b.to_string()
    } else if v.is_instance_of::<js_sys::Date>() {
        let d: &js_sys::Date = v.unchecked_ref();
        if d.get_time().is_nan() {
            "Invalid Date".to_string()
        } else {
            d.to_iso_string().into()
        }
    } else if let Some(b) = v.dyn_ref::<js_sys::BigInt>() {
        format!(
            "{}n",
            String::from(b.to_string(10).unwrap_or_else(|_| "?".into()))
        )
    } else {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| v.js_typeof().as_string().unwrap_or_default())
    };
    core::error::cut(&text)
}

enum TimeKind {
    Text,
    Numbers,
}

/// The value column: numbers, or text read by the CSV rules.
enum OwnedValue {
    Numbers(Vec<f64>),
    Text(OwnedStr),
}

/// Whether a timestamp or value column holds text (a dictionary-encoded column, or an array of
/// strings), read by the CSV rules, or numbers (typed arrays, arrays of numbers and, for
/// timestamps, `Date`s). An array mixing the two is an error at the first entry of the other
/// kind: "12" after numbers is not read as 12.
fn column_kind(v: &JsValue, column: &str, number: &str) -> Result<TimeKind, JsValue> {
    if is_dictionary(v) {
        return Ok(TimeKind::Text);
    }
    let Some(a) = v.dyn_ref::<Array>() else {
        return Ok(TimeKind::Numbers);
    };
    let k = kinds(a);
    match (k.text, k.number) {
        (Some(t), Some(n)) if t > n => Err(cell_err(
            t,
            column,
            &a.get(t as u32),
            format!(
                "{number} like row {} (one column cannot mix text and numbers)",
                n + 1
            ),
        )),
        (Some(t), Some(n)) => Err(cell_err(
            n,
            column,
            &a.get(n as u32),
            format!(
                "text like row {} (one column cannot mix text and numbers)",
                t + 1
            ),
        )),
        (Some(_), None) => Ok(TimeKind::Text),
        _ => Ok(TimeKind::Numbers),
    }
}

fn is_dictionary(v: &JsValue) -> bool {
    !Array::is_array(v)
        && !ArrayBuffer::is_view(v)
        && v.is_object()
        && Reflect::has(v, &JsValue::from_str("codes")).unwrap_or(false)
}

/// A numeric column as f64s: typed arrays, or arrays of numbers and `Date`s; null and
/// undefined become NaN (missing), never 0. Any other entry (text, a boolean, an object) is an
/// error at its row saying `expected`.
fn numbers(name: &str, v: &JsValue, expected: &str) -> Result<Vec<f64>, JsValue> {
    if v.is_instance_of::<Float64Array>() {
        return Ok(v.unchecked_ref::<Float64Array>().to_vec());
    }
    if ArrayBuffer::is_view(v) {
        if v.is_instance_of::<js_sys::BigInt64Array>()
            || v.is_instance_of::<js_sys::BigUint64Array>()
        {
            return Err(arg_err(
                name,
                "BigInt arrays are not supported; use a Float64Array",
            ));
        }
        return Ok(Float64Array::new(v).to_vec());
    }
    let Some(a) = v.dyn_ref::<Array>() else {
        return Err(arg_err(
            name,
            "expected an array or a typed array of numbers",
        ));
    };
    let k = kinds(a);
    if let Some(i) = [k.text, k.other].into_iter().flatten().min() {
        return Err(cell_err(i, name, &a.get(i as u32), expected));
    }
    // Float64Array.from converts like Number(): Dates to their milliseconds, but null to 0,
    // so the nulls are found first and set to NaN.
    let mut out = Float64Array::new(a).to_vec();
    let null = JsValue::NULL;
    let mut from = 0;
    loop {
        let i = a.index_of(&null, from);
        if i < 0 {
            break;
        }
        out[i as usize] = f64::NAN;
        from = i + 1;
    }
    Ok(out)
}

/// Whole numbers (NaN = none) as integers; anything else is an error naming the row.
fn integers(v: &[f64]) -> Result<Vec<Option<i64>>, JsValue> {
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            if x.is_nan() {
                Ok(None)
            } else if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 {
                Ok(Some(x as i64))
            } else {
                Err(js_err(core::Error::InvalidCell {
                    row: i as u64 + 1,
                    column: "sequence".into(),
                    value: js_number(x),
                    expected: SEQUENCE_EXPECTED.into(),
                }))
            }
        })
        .collect()
}

/// A text column copied out of JS, to borrow `StrColumn`s from.
enum OwnedStr {
    /// The entries joined by NUL (one copy for the whole column); `n` entries.
    Joined { text: String, n: usize },
    /// Entry by entry (a column whose text contains NUL).
    Items(Vec<Option<String>>),
    /// Dictionary encoded.
    Dict {
        values: Vec<String>,
        codes: Vec<Option<u32>>,
    },
}

impl OwnedStr {
    fn read(name: &str, v: &JsValue) -> Result<OwnedStr, JsValue> {
        if is_dictionary(v) {
            let get =
                |k: &str| Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            let values = get("values");
            let values: Array = if Array::is_array(&values) {
                values.unchecked_into()
            } else {
                return Err(arg_err(
                    name,
                    "a dictionary column needs `values`, an array of strings",
                ));
            };
            let values: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    s.as_string().ok_or_else(|| {
                        arg_err(name, format!("dictionary value {i} is not a string"))
                    })
                })
                .collect::<Result<_, _>>()?;
            let codes = numbers(name, &get("codes"), CODE_EXPECTED)?
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    if c.is_nan() || c < 0.0 {
                        Ok(None)
                    } else if c.fract() == 0.0 && c <= f64::from(u32::MAX) {
                        Ok(Some(c as u32))
                    } else {
                        // 1.5 is not code 1.
                        Err(cell_err(i, name, &JsValue::from_f64(c), CODE_EXPECTED))
                    }
                })
                .collect::<Result<_, _>>()?;
            return Ok(OwnedStr::Dict { values, codes });
        }
        let arr: Array = if Array::is_array(v) {
            v.clone().unchecked_into()
        } else if v.is_object() && Reflect::has(v, &JsValue::from_str("length")).unwrap_or(false) {
            Array::from(v)
        } else {
            return Err(arg_err(name, "expected an array of strings"));
        };
        let n = arr.length() as usize;
        // Array.prototype.join writes null and undefined as "" (missing) and numbers as
        // String() does; one string crosses into wasm instead of one per row.
        // A Symbol cannot become text: join throws a TypeError, which becomes an error at its row.
        let text: String = match try_join(&arr, "\u{0}") {
            Ok(t) => t,
            Err(_) => {
                let i = arr.iter().position(|x| x.is_symbol()).unwrap_or(0);
                return Err(cell_err(i, name, &arr.get(i as u32), "text, not a Symbol"));
            }
        };
        if n == 0 || text.split('\u{0}').count() == n {
            return Ok(OwnedStr::Joined { text, n });
        }
        let items = arr
            .iter()
            .map(|x| {
                x.as_string()
                    .or_else(|| x.as_f64().filter(|f| f.is_finite()).map(|f| f.to_string()))
            })
            .collect();
        Ok(OwnedStr::Items(items))
    }

    fn column(&self) -> StrColumn<'_> {
        match self {
            OwnedStr::Joined { n: 0, .. } => StrColumn::Plain(Vec::new()),
            OwnedStr::Joined { text, n } => {
                let mut v = Vec::with_capacity(*n);
                v.extend(text.split('\u{0}').map(Some));
                StrColumn::Plain(v)
            }
            OwnedStr::Items(items) => {
                StrColumn::Plain(items.iter().map(|s| s.as_deref()).collect())
            }
            OwnedStr::Dict { values, codes } => StrColumn::Dictionary {
                values: values.iter().map(String::as_str).collect(),
                codes: codes.clone(),
            },
        }
    }
}

enum OwnedTime {
    Text(OwnedStr),
    Millis(Vec<f64>),
}
