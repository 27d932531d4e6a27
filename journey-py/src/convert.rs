//! Python values <-> the canonical JSON shape (serde_json::Value). Options go in as JSON and are
//! deserialised by journey-core; results come back as JSON and are turned into Python objects.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use serde_json::{Map, Number, Value};

use crate::error::argument;

/// Converts a Python object (None, bool, int, float, str, list, tuple, dict, timedelta,
/// datetime, date, os.PathLike) to JSON. `timedelta` becomes seconds; `datetime` RFC 3339 text
/// (naive ones are taken as UTC, as the dataframe loaders do) and `date` its midnight UTC.
pub fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(argument(
            "int",
            format!("{} does not fit in 64 bits", short(obj)),
        ));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(float(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(text(obj, "str")?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            if !k.is_instance_of::<PyString>() {
                return Err(argument("options", "dictionary keys must be strings"));
            }
            let k = text(&k, "key")?;
            m.insert(k, to_json(&v)?);
        }
        return Ok(Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj
            .try_iter()?
            .map(|v| to_json(&v?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Some(text) = datetime_text(obj)? {
        return Ok(Value::String(text));
    }
    if obj.hasattr("total_seconds")? {
        return Ok(float(obj.call_method0("total_seconds")?.extract()?));
    }
    if obj.hasattr("__fspath__")? {
        return Ok(Value::String(obj.call_method0("__fspath__")?.extract()?));
    }
    if obj.hasattr("tolist")? {
        // numpy arrays and scalars
        return to_json(&obj.call_method0("tolist")?);
    }
    if let Ok(it) = obj.try_iter() {
        return it
            .map(|v| to_json(&v?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(argument(
        "options",
        format!("cannot use a value of type {}", obj.get_type().name()?),
    ))
}

/// A `datetime.datetime` (pandas `Timestamp` too) or `datetime.date` as RFC 3339 text; `None`
/// for other objects.
fn datetime_text(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let dt = obj.py().import("datetime")?;
    if obj.is_instance(&dt.getattr("datetime")?)? {
        let aware = if obj.call_method0("utcoffset")?.is_none() {
            let kw = PyDict::new(obj.py());
            kw.set_item("tzinfo", dt.getattr("timezone")?.getattr("utc")?)?;
            obj.call_method("replace", (), Some(&kw))?
        } else {
            obj.clone()
        };
        return Ok(Some(aware.call_method0("isoformat")?.extract()?));
    }
    if obj.is_instance(&dt.getattr("date")?)? {
        let day: String = obj.call_method0("isoformat")?.extract()?;
        return Ok(Some(format!("{day}T00:00:00Z")));
    }
    Ok(None)
}

/// A Python `str` as Rust text. A lone surrogate (`"\ud800"`, which Python strings may hold
/// but UTF-8 cannot) is an `ArgumentError` naming the argument and the position, not a
/// `UnicodeEncodeError`; a value of another type is an `ArgumentError` too.
pub fn text(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    let Ok(s) = obj.cast::<PyString>() else {
        return Err(argument(
            name,
            format!("expected a str, got {}", obj.get_type().name()?),
        ));
    };
    match s.to_cow() {
        Ok(t) => Ok(t.to_string()),
        Err(_) => {
            let chars: Vec<u32> = s
                .call_method1("encode", ("utf-16-le", "surrogatepass"))
                .and_then(|b| b.extract::<Vec<u8>>())
                .map(|b| {
                    b.chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]) as u32)
                        .collect()
                })
                .unwrap_or_default();
            let at = chars.iter().position(|c| (0xD800..0xE000).contains(c));
            Err(argument(
                name,
                match at {
                    Some(i) => format!(
                        "the text holds a lone surrogate (\\u{:04x}) at position {i}; expected \
                         valid Unicode text",
                        chars[i]
                    ),
                    None => "expected valid Unicode text".to_string(),
                },
            ))
        }
    }
}

/// A Python `int` as a count (0 or more): a negative or huge number, or another type, is an
/// `ArgumentError` naming the argument, not an `OverflowError`.
pub fn count(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    unsigned(obj, name, usize::MAX)
}

/// A Python `int` as an unsigned 64-bit number (a seed): out of range is an `ArgumentError`.
pub fn uint64(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    unsigned(obj, name, u64::MAX)
}

/// A Python `int` from 0 to `max` (`max` being the largest of `T`); anything else is an
/// `ArgumentError` naming the argument.
fn unsigned<'py, T>(obj: &Bound<'py, PyAny>, name: &str, max: T) -> PyResult<T>
where
    T: FromPyObjectOwned<'py> + std::fmt::Display,
{
    if !obj.is_instance_of::<PyInt>() || obj.is_instance_of::<PyBool>() {
        return Err(argument(
            name,
            format!("expected an int, got {}", obj.get_type().name()?),
        ));
    }
    obj.extract::<T>().map_err(|_| {
        argument(
            name,
            format!("{}: expected an int from 0 to {max}", short(obj)),
        )
    })
}

/// The repr of an object, cut as core cuts a value whose size matters (`error::cut_counted`:
/// a 400-digit int is not quoted whole).
fn short(obj: &Bound<'_, PyAny>) -> String {
    let r = obj.repr().map(|r| r.to_string());
    journey_core::error::cut_counted(r.as_deref().unwrap_or("?"))
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Keyword arguments as a JSON object, dropping those that are None (= the default).
pub fn kwargs_json(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let mut m = Map::new();
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            if v.is_none() {
                continue;
            }
            m.insert(text(&k, "keyword")?, to_json(&v)?);
        }
    }
    Ok(Value::Object(m))
}

/// JSON to Python: objects become dicts, null becomes None (rates of 0/0 are None).
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_bound_py_any(py),
            (None, Some(f)) => f.into_bound_py_any(py),
            _ => n.to_string().into_bound_py_any(py),
        },
        Value::String(s) => s.into_bound_py_any(py),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_py(py, x)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, to_py(py, x)?)?;
            }
            Ok(d.into_any())
        }
    }
}

/// A result's table of typed columns as a list of dicts, built directly (the same objects as
/// `to_py` of its JSON rows: whole numbers as int, numbers as float, null as None).
pub fn table_rows<'py>(
    py: Python<'py>,
    t: &journey_core::model::Table<'_>,
) -> PyResult<Bound<'py, PyList>> {
    use journey_core::model::Column;
    let keys: Vec<Bound<'py, PyString>> = t
        .columns
        .iter()
        .map(|(name, _)| PyString::new(py, name.as_ref()))
        .collect();
    let mut rows = Vec::with_capacity(t.rows);
    for i in 0..t.rows {
        let d = PyDict::new(py);
        for (key, (_, c)) in keys.iter().zip(&t.columns) {
            let v = match c {
                Column::Int(v) => v[i].into_bound_py_any(py)?,
                Column::Float(v) => v[i].into_bound_py_any(py)?,
                Column::Bool(v) => v[i].into_bound_py_any(py)?,
                Column::Text(v) => v[i].as_deref().into_bound_py_any(py)?,
                Column::Joined { text, offsets } => {
                    PyString::new(py, Column::joined(text, offsets, i)).into_any()
                }
                Column::JoinedLists { .. } => {
                    PyList::new(py, c.joined_list(i).unwrap_or_default())?.into_any()
                }
                Column::TextList(v) => match &v[i] {
                    None => py.None().into_bound(py),
                    Some(items) => PyList::new(py, items.iter().map(|s| s.as_ref()))?.into_any(),
                },
            };
            d.set_item(key, v)?;
        }
        rows.push(d);
    }
    PyList::new(py, rows)
}

/// Keyword arguments as a core options struct (unknown or ill-typed arguments are
/// `ArgumentError`s naming them).
pub fn options<T: serde::de::DeserializeOwned>(
    what: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    journey_core::args::from_json(what, &kwargs_json(kwargs)?).map_err(crate::error::to_py_err)
}
