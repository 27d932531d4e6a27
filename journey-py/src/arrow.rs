//! Arrow in and out through the Arrow PyCapsule interface (`__arrow_c_stream__` /
//! `__arrow_c_array__`), so that pandas, polars, pyarrow and DuckDB frames cross without a CSV
//! round trip. pyo3-arrow does the C data interface; this module maps columns to the core's
//! column chunks (read in place) and results back to record batches.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Date32Type, Date64Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, DictionaryArray, Float64Array, GenericStringArray,
    Int32Array, OffsetSizeTrait, PrimitiveArray, RecordBatch, RecordBatchOptions, StringArray,
    StringViewArray, StructArray, TimestampMicrosecondArray,
};
use arrow_buffer::ArrowNativeType;
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit as ArrowUnit};
use journey_core as core;
use journey_core::ingest::NO_KEY;
use journey_core::ingest::{
    ColumnChunk, FloatCells, IntCells, LoadControl, TextCell, TextCells, TimeCells, TimeUnit,
};
use journey_core::model::NO_ID;
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::ffi::{to_stream_pycapsule, ArrayIterator};
use pyo3_arrow::input::AnyRecordBatch;
use serde_json::Value;

use crate::error::to_py_err;

// ---------------------------------------------------------------------------------------------
// In: any Arrow table -> column chunks.

/// An error about the data argument.
pub fn data_error(message: impl Into<String>) -> core::Error {
    core::Error::InvalidArgument {
        name: "data".into(),
        message: message.into(),
    }
}

/// Record batches imported (zero copy) from a Python object.
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// Reads every record batch of an object with the Arrow PyCapsule interface. The buffers stay
/// the producer's: nothing is copied.
pub fn import(data: &Bound<'_, PyAny>) -> PyResult<Table> {
    let py = data.py();
    if !data.hasattr(intern!(py, "__arrow_c_stream__"))?
        && !data.hasattr(intern!(py, "__arrow_c_array__"))?
    {
        let name = data.get_type().name()?;
        let hint = if name == "LazyFrame" {
            " (a polars LazyFrame: collect() it first, or use EventLog.from_polars, which does)"
        } else {
            ""
        };
        return Err(PyTypeError::new_err(format!(
            "expected Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__: a \
             pyarrow Table, a polars or pandas >= 2.2 DataFrame, a DuckDB result), got \
             {name}{hint}"
        )));
    }
    let reader = data.extract::<AnyRecordBatch>()?.into_reader()?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| to_py_err(crate::arrow::data_error(e.to_string())))?;
    Ok(Table { schema, batches })
}

/// Source column names given by the caller (`customer="user_id"`, ...); `None` = the canonical
/// name (or the column `rename` maps to it).
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub customer: Option<String>,
    pub timestamp: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub stage: Option<String>,
    pub value: Option<String>,
    pub sequence: Option<String>,
    /// Which other columns become properties (`None` = all of them).
    pub properties: Option<Vec<String>>,
}

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Strings or a dictionary of strings: read in place.
    Text,
    /// Something else that is cast to strings first (integers, booleans; for properties also
    /// numbers and dates).
    CastText,
    /// Integers counting a unit since 1970.
    Ints(TimeUnit),
    /// Float64: read in place.
    Floats,
    /// Other numbers: cast to Float64 first.
    CastFloats,
    /// All null.
    Null,
}

/// Which column plays which part, and how each is read.
#[derive(Debug, Clone)]
pub struct Mapping {
    customer: (usize, Kind),
    timestamp: (usize, Kind),
    touchpoint: (usize, Kind),
    channel: Option<(usize, Kind)>,
    stage: Option<(usize, Kind)>,
    value: Option<(usize, Kind)>,
    sequence: Option<(usize, Kind)>,
    properties: Vec<(String, usize, Kind)>,
}

impl Mapping {
    /// The property names, in column order.
    pub fn property_names(&self) -> Vec<String> {
        self.properties.iter().map(|p| p.0.clone()).collect()
    }
}

fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn is_int(dt: &DataType) -> bool {
    dt.is_integer()
}

fn text_kind(dt: &DataType, property: bool) -> Option<Kind> {
    match dt {
        d if is_string(d) => Some(Kind::Text),
        DataType::Dictionary(k, v) if is_int(k) && is_string(v) => Some(Kind::Text),
        DataType::Null => Some(Kind::Null),
        // pandas gives an all-null categorical (a log without stages) this type.
        DataType::Dictionary(k, v) if is_int(k) && **v == DataType::Null => Some(Kind::Null),
        d if is_int(d) || matches!(d, DataType::Boolean) => Some(Kind::CastText),
        DataType::Dictionary(k, v) if is_int(k) && is_int(v) => Some(Kind::CastText),
        d if property && !d.is_nested() && arrow_cast::can_cast_types(d, &DataType::Utf8) => {
            Some(Kind::CastText)
        }
        _ => None,
    }
}

fn time_kind(dt: &DataType) -> Option<Kind> {
    let unit = |u: &ArrowUnit| match u {
        ArrowUnit::Second => TimeUnit::Seconds,
        ArrowUnit::Millisecond => TimeUnit::Millis,
        ArrowUnit::Microsecond => TimeUnit::Micros,
        ArrowUnit::Nanosecond => TimeUnit::Nanos,
    };
    match dt {
        DataType::Timestamp(u, _) => Some(Kind::Ints(unit(u))),
        DataType::Date32 => Some(Kind::Ints(TimeUnit::Days)),
        DataType::Date64 => Some(Kind::Ints(TimeUnit::Millis)),
        d if is_int(d) => Some(Kind::Ints(TimeUnit::Seconds)),
        d => text_kind(d, false).filter(|k| *k != Kind::CastText),
    }
}

fn sequence_kind(dt: &DataType) -> Option<Kind> {
    match dt {
        DataType::Null => Some(Kind::Null),
        d if is_int(d) => Some(Kind::Ints(TimeUnit::Micros)),
        _ => None,
    }
}

fn value_kind(dt: &DataType) -> Option<Kind> {
    match dt {
        DataType::Float64 => Some(Kind::Floats),
        DataType::Null => Some(Kind::Null),
        DataType::Dictionary(k, v) if is_int(k) && **v == DataType::Null => Some(Kind::Null),
        d if d.is_numeric() => Some(Kind::CastFloats),
        _ => None,
    }
}

/// An error naming a column whose type does not fit its part.
fn wrong_type(part: &str, column: &str, dt: &DataType, expected: &str) -> PyErr {
    let hint = if part == "property" {
        " (leave it out with properties=[...] or ignore_extra_columns=True)"
    } else {
        ""
    };
    let err = to_py_err(data_error(format!(
        "column {column:?} ({part}) has type {dt}; expected {expected}{hint}"
    )));
    Python::attach(|py| {
        // Setting an attribute on a fresh exception cannot fail in practice.
        let _ = err.value(py).setattr("column", column);
    });
    err
}

fn missing(column: &str, schema: &Schema) -> PyErr {
    to_py_err(core::Error::MissingColumn {
        column: column.to_string(),
        found: schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// pandas writes its index as `__index_level_0__` columns: never event data.
fn is_pandas_index(name: &str) -> bool {
    name.starts_with("__index_level_") && name.ends_with("__")
}

/// Finds the columns: explicit names first, else the canonical name (after `rename`). Checks
/// every column's type up front, so a wrong type fails before any work, naming the column.
/// A table without rows has nothing to misread: its column types are not checked (pandas
/// gives empty columns whatever type).
pub fn map_columns(
    schema: &Schema,
    names: &Names,
    opts: &core::LoadOptions,
    rows: usize,
) -> PyResult<Mapping> {
    let canonical = |name: &str| -> String {
        opts.rename
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    };
    let find = |part: &str, given: &Option<String>, required: bool| -> PyResult<Option<usize>> {
        match given {
            Some(name) => schema
                .index_of(name)
                .map(Some)
                .map_err(|_| missing(name, schema)),
            None => {
                let i = schema
                    .fields()
                    .iter()
                    .position(|f| canonical(f.name()) == part);
                if i.is_none() && required {
                    return Err(missing(part, schema));
                }
                Ok(i)
            }
        }
    };
    let typed = |part: &str,
                 i: usize,
                 kind: fn(&DataType) -> Option<Kind>,
                 expected: &str|
     -> PyResult<(usize, Kind)> {
        let f = schema.field(i);
        match kind(f.data_type()) {
            Some(k) => Ok((i, k)),
            None if rows == 0 => Ok((i, Kind::Null)),
            None => Err(wrong_type(part, f.name(), f.data_type(), expected)),
        }
    };
    const TEXT: &str = "text (strings or categories; integers are also accepted)";
    let text = |d: &DataType| text_kind(d, false);
    let customer = find("customer_id", &names.customer, true)?.expect("required");
    let timestamp = find("timestamp", &names.timestamp, true)?.expect("required");
    let touchpoint = find("touchpoint", &names.touchpoint, true)?.expect("required");
    let channel = find("channel", &names.channel, false)?;
    let stage = find("stage", &names.stage, false)?;
    let value = find("value", &names.value, false)?;
    let sequence = find("sequence", &names.sequence, false)?;
    let used: Vec<usize> = [
        Some(customer),
        Some(timestamp),
        Some(touchpoint),
        channel,
        stage,
        value,
        sequence,
    ]
    .into_iter()
    .flatten()
    .collect();
    let prop_cols: Vec<usize> = match &names.properties {
        Some(list) => list
            .iter()
            .map(|n| schema.index_of(n).map_err(|_| missing(n, schema)))
            .collect::<PyResult<_>>()?,
        None if opts.ignore_extra_columns => Vec::new(),
        None => (0..schema.fields().len())
            .filter(|i| !used.contains(i) && !is_pandas_index(schema.field(*i).name()))
            .collect(),
    };
    let mut properties = Vec::new();
    for i in prop_cols {
        if used.contains(&i) {
            continue;
        }
        let f = schema.field(i);
        let kind = match text_kind(f.data_type(), true) {
            Some(k) => k,
            None if rows == 0 => Kind::Null,
            None => {
                return Err(wrong_type(
                    "property",
                    f.name(),
                    f.data_type(),
                    "text, numbers, booleans or dates",
                ))
            }
        };
        properties.push((canonical(f.name()), i, kind));
    }
    Ok(Mapping {
        customer: typed("customer_id", customer, text, TEXT)?,
        timestamp: typed(
            "timestamp",
            timestamp,
            time_kind,
            "datetimes (any unit; without a time zone they are taken as UTC), dates, \
             integer Unix seconds or RFC 3339 text",
        )?,
        touchpoint: typed("touchpoint", touchpoint, text, TEXT)?,
        channel: channel
            .map(|i| typed("channel", i, text, TEXT))
            .transpose()?,
        stage: stage.map(|i| typed("stage", i, text, TEXT)).transpose()?,
        value: value
            .map(|i| typed("value", i, value_kind, "numbers"))
            .transpose()?,
        sequence: sequence
            .map(|i| typed("sequence", i, sequence_kind, "integers"))
            .transpose()?,
        properties,
    })
}

/// A column ready to be read in place: the producer's array, or a cast of it.
fn prepare(batch: &RecordBatch, (i, kind): (usize, Kind), name: &str) -> core::Result<ArrayRef> {
    let a = batch.column(i);
    let to = match kind {
        Kind::CastText => DataType::Utf8,
        Kind::CastFloats => DataType::Float64,
        Kind::Null => return Ok(Arc::new(arrow_array::NullArray::new(a.len()))),
        _ => return Ok(a.clone()),
    };
    arrow_cast::cast(a, &to)
        .map_err(|e| data_error(format!("column {name:?} cannot be read as {to}: {e}")))
}

struct Utf8<'a, O: OffsetSizeTrait>(&'a GenericStringArray<O>);

impl<O: OffsetSizeTrait> TextCells for Utf8<'_, O> {
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn cell(&self, i: usize) -> TextCell<'_> {
        if self.0.is_null(i) {
            TextCell::Null
        } else {
            TextCell::Text(self.0.value(i))
        }
    }
}

struct View<'a>(&'a StringViewArray);

impl TextCells for View<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn cell(&self, i: usize) -> TextCell<'_> {
        if self.0.is_null(i) {
            TextCell::Null
        } else {
            TextCell::Text(self.0.value(i))
        }
    }
    /// The views of texts of up to 12 bytes, which hold the text itself (length and bytes,
    /// zero padded: the empty text's view is 0); null rows get 0, longer texts no key. (A
    /// longer text's view names a place in a buffer, which repeats only if the producer
    /// shares the bytes of equal texts.)
    fn keys(&self, range: std::ops::Range<usize>, out: &mut Vec<u128>) -> bool {
        out.clear();
        out.extend(self.0.views()[range.clone()].iter().map(|&v| {
            if (v as u32) <= 12 {
                v
            } else {
                NO_KEY
            }
        }));
        if let Some(nulls) = self.0.nulls() {
            for (k, i) in out.iter_mut().zip(range) {
                if nulls.is_null(i) {
                    *k = 0;
                }
            }
        }
        true
    }
}

struct Dict<'a, K: ArrowPrimitiveType> {
    keys: &'a PrimitiveArray<K>,
    values: Vec<&'a str>,
}

impl<K: ArrowPrimitiveType> TextCells for Dict<'_, K> {
    fn len(&self) -> usize {
        self.keys.len()
    }
    #[inline]
    fn cell(&self, i: usize) -> TextCell<'_> {
        if self.keys.is_null(i) {
            TextCell::Null
        } else {
            let code = self.keys.value(i).to_usize().unwrap_or(usize::MAX);
            TextCell::Code(u32::try_from(code).unwrap_or(u32::MAX))
        }
    }
    fn dictionary(&self) -> &[&str] {
        &self.values
    }
    /// Codes plus one; 0 for null.
    fn keys(&self, range: std::ops::Range<usize>, out: &mut Vec<u128>) -> bool {
        out.clear();
        let codes = &self.keys.values()[range.clone()];
        out.extend(
            codes
                .iter()
                .map(|c| c.to_usize().map_or(u128::MAX, |c| c as u128 + 1)),
        );
        if let Some(nulls) = self.keys.nulls() {
            for (k, i) in out.iter_mut().zip(range) {
                if nulls.is_null(i) {
                    *k = 0;
                }
            }
        }
        true
    }
}

struct Nulls(usize);

impl TextCells for Nulls {
    fn len(&self) -> usize {
        self.0
    }
    fn cell(&self, _: usize) -> TextCell<'_> {
        TextCell::Null
    }
}

impl IntCells for Nulls {
    fn len(&self) -> usize {
        self.0
    }
    fn get(&self, _: usize) -> Option<i64> {
        None
    }
}

impl FloatCells for Nulls {
    fn len(&self) -> usize {
        self.0
    }
    fn get(&self, _: usize) -> Option<f64> {
        None
    }
}

struct Ints<'a, T: ArrowPrimitiveType>(&'a PrimitiveArray<T>);

impl<T: ArrowPrimitiveType> IntCells for Ints<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<i64> {
        if self.0.is_null(i) {
            None
        } else {
            // u64 beyond i64: out of the timestamp range, which the loader reports.
            Some(self.0.value(i).to_i64().unwrap_or(i64::MAX))
        }
    }
}

struct Floats<'a>(&'a Float64Array);

impl FloatCells for Floats<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<f64> {
        if self.0.is_null(i) {
            None
        } else {
            Some(self.0.value(i))
        }
    }
}

/// The strings of a dictionary's values (null values read as empty).
fn strings(a: &dyn Array) -> Option<Vec<&str>> {
    fn collect<'a>(a: &'a dyn Array, f: impl Fn(usize) -> &'a str) -> Vec<&'a str> {
        (0..a.len())
            .map(|i| if a.is_null(i) { "" } else { f(i) })
            .collect()
    }
    Some(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            collect(a, |i| s.value(i))
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            collect(a, |i| s.value(i))
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            collect(a, |i| s.value(i))
        }
        _ => return None,
    })
}

fn dict<'a, K: ArrowDictionaryKeyType>(a: &'a dyn Array) -> Option<Box<dyn TextCells + 'a>> {
    let d: &'a DictionaryArray<K> = a.as_dictionary::<K>();
    Some(Box::new(Dict {
        keys: d.keys(),
        values: strings(d.values().as_ref())?,
    }))
}

/// A text column read in place (after [`prepare`], every text column is one of these types).
fn text_cells(a: &dyn Array) -> Option<Box<dyn TextCells + '_>> {
    match a.data_type() {
        DataType::Utf8 => Some(Box::new(Utf8(a.as_string::<i32>()))),
        DataType::LargeUtf8 => Some(Box::new(Utf8(a.as_string::<i64>()))),
        DataType::Utf8View => Some(Box::new(View(a.as_string_view()))),
        DataType::Null => Some(Box::new(Nulls(a.len()))),
        DataType::Dictionary(k, _) => match k.as_ref() {
            DataType::Int8 => dict::<Int8Type>(a),
            DataType::Int16 => dict::<Int16Type>(a),
            DataType::Int32 => dict::<Int32Type>(a),
            DataType::Int64 => dict::<Int64Type>(a),
            DataType::UInt8 => dict::<UInt8Type>(a),
            DataType::UInt16 => dict::<UInt16Type>(a),
            DataType::UInt32 => dict::<UInt32Type>(a),
            DataType::UInt64 => dict::<UInt64Type>(a),
            _ => None,
        },
        _ => None,
    }
}

fn int_cells(a: &dyn Array) -> Option<Box<dyn IntCells + '_>> {
    fn ints<T: ArrowPrimitiveType>(a: &dyn Array) -> Option<Box<dyn IntCells + '_>> {
        Some(Box::new(Ints(a.as_primitive::<T>())))
    }
    match a.data_type() {
        DataType::Timestamp(ArrowUnit::Second, _) => ints::<TimestampSecondType>(a),
        DataType::Timestamp(ArrowUnit::Millisecond, _) => ints::<TimestampMillisecondType>(a),
        DataType::Timestamp(ArrowUnit::Microsecond, _) => ints::<TimestampMicrosecondType>(a),
        DataType::Timestamp(ArrowUnit::Nanosecond, _) => ints::<TimestampNanosecondType>(a),
        DataType::Date32 => ints::<Date32Type>(a),
        DataType::Date64 => ints::<Date64Type>(a),
        DataType::Int8 => ints::<Int8Type>(a),
        DataType::Int16 => ints::<Int16Type>(a),
        DataType::Int32 => ints::<Int32Type>(a),
        DataType::Int64 => ints::<Int64Type>(a),
        DataType::UInt8 => ints::<UInt8Type>(a),
        DataType::UInt16 => ints::<UInt16Type>(a),
        DataType::UInt32 => ints::<UInt32Type>(a),
        DataType::UInt64 => ints::<UInt64Type>(a),
        _ => None,
    }
}

/// One batch's columns, prepared (cast where needed).
struct Prepared {
    customer: ArrayRef,
    timestamp: ArrayRef,
    touchpoint: ArrayRef,
    channel: Option<ArrayRef>,
    stage: Option<ArrayRef>,
    value: Option<ArrayRef>,
    sequence: Option<ArrayRef>,
    properties: Vec<ArrayRef>,
}

enum Time<'a> {
    Ints(Box<dyn IntCells + 'a>, TimeUnit),
    Text(Box<dyn TextCells + 'a>),
}

/// One batch's cells.
struct Cells<'a> {
    customer: Box<dyn TextCells + 'a>,
    timestamp: Time<'a>,
    touchpoint: Box<dyn TextCells + 'a>,
    channel: Option<Box<dyn TextCells + 'a>>,
    stage: Option<Box<dyn TextCells + 'a>>,
    value: Option<Box<dyn FloatCells + 'a>>,
    sequence: Option<Box<dyn IntCells + 'a>>,
    properties: Vec<Box<dyn TextCells + 'a>>,
}

fn unreadable(name: &str) -> core::Error {
    data_error(format!("column {name:?} cannot be read"))
}

fn cells<'a>(p: &'a Prepared, m: &Mapping) -> core::Result<Cells<'a>> {
    let text = |a: &'a ArrayRef, name: &str| text_cells(a.as_ref()).ok_or_else(|| unreadable(name));
    let timestamp = match m.timestamp.1 {
        Kind::Ints(unit) => Time::Ints(
            int_cells(p.timestamp.as_ref()).ok_or_else(|| unreadable("timestamp"))?,
            unit,
        ),
        Kind::Null => Time::Ints(Box::new(Nulls(p.timestamp.len())), TimeUnit::Seconds),
        _ => Time::Text(text(&p.timestamp, "timestamp")?),
    };
    let value = match &p.value {
        None => None,
        Some(a) if a.data_type() == &DataType::Null => Some(Box::new(Nulls(a.len())) as Box<_>),
        Some(a) => Some(Box::new(Floats(a.as_primitive::<Float64Type>())) as Box<dyn FloatCells>),
    };
    let sequence = match &p.sequence {
        None => None,
        Some(a) if a.data_type() == &DataType::Null => Some(Box::new(Nulls(a.len())) as Box<_>),
        Some(a) => Some(int_cells(a.as_ref()).ok_or_else(|| unreadable("sequence"))?),
    };
    Ok(Cells {
        customer: text(&p.customer, "customer_id")?,
        timestamp,
        touchpoint: text(&p.touchpoint, "touchpoint")?,
        channel: p.channel.as_ref().map(|a| text(a, "channel")).transpose()?,
        stage: p.stage.as_ref().map(|a| text(a, "stage")).transpose()?,
        value,
        sequence,
        properties: p
            .properties
            .iter()
            .zip(&m.properties)
            .map(|(a, (name, _, _))| text(a, name))
            .collect::<core::Result<_>>()?,
    })
}

/// Builds the log from the batches: casts what must be cast, then reads every column in place
/// on all cores. Runs without the GIL.
pub fn load(
    table: &Table,
    m: &Mapping,
    opts: &core::LoadOptions,
    control: &LoadControl,
) -> core::Result<core::EventLog> {
    let schema = &table.schema;
    let name = |i: usize| schema.field(i).name().clone();
    let prepared: Vec<Prepared> = table
        .batches
        .iter()
        .map(|b| -> core::Result<Prepared> {
            let opt = |c: Option<(usize, Kind)>| c.map(|c| prepare(b, c, &name(c.0))).transpose();
            Ok(Prepared {
                customer: prepare(b, m.customer, &name(m.customer.0))?,
                timestamp: prepare(b, m.timestamp, &name(m.timestamp.0))?,
                touchpoint: prepare(b, m.touchpoint, &name(m.touchpoint.0))?,
                channel: opt(m.channel)?,
                stage: opt(m.stage)?,
                value: opt(m.value)?,
                sequence: opt(m.sequence)?,
                properties: m
                    .properties
                    .iter()
                    .map(|(n, i, k)| prepare(b, (*i, *k), n))
                    .collect::<core::Result<_>>()?,
            })
        })
        .collect::<core::Result<_>>()?;
    let cells: Vec<Cells> = prepared
        .iter()
        .map(|p| cells(p, m))
        .collect::<core::Result<_>>()?;
    let chunks: Vec<ColumnChunk> = cells
        .iter()
        .map(|c| ColumnChunk {
            customer_id: c.customer.as_ref(),
            timestamp: match &c.timestamp {
                Time::Ints(t, unit) => TimeCells::Ints(t.as_ref(), *unit),
                Time::Text(t) => TimeCells::Text(t.as_ref()),
            },
            touchpoint: c.touchpoint.as_ref(),
            channel: c.channel.as_deref(),
            stage: c.stage.as_deref(),
            value: c.value.as_deref(),
            sequence: c.sequence.as_deref(),
            properties: c.properties.iter().map(|p| p.as_ref()).collect(),
        })
        .collect();
    let names = m.property_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    core::EventLog::from_chunks(&chunks, &names, opts, Some(control))
}

// ---------------------------------------------------------------------------------------------
// Out: results and logs -> record batches -> an Arrow C stream capsule.

/// The batches as an Arrow C stream capsule (`__arrow_c_stream__`), cast to
/// `requested_schema` when the consumer asks for one and the cast is possible.
pub fn stream_capsule<'py>(
    py: Python<'py>,
    batch: RecordBatch,
    requested_schema: Option<Bound<'py, PyCapsule>>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let schema = batch.schema();
    let field = Field::new_struct("", schema.fields().clone(), false)
        .with_metadata(schema.metadata().clone());
    let arrays = std::iter::once(Ok(Arc::new(StructArray::from(batch)) as ArrayRef));
    let reader = Box::new(ArrayIterator::new(arrays, Arc::new(field)));
    Ok(to_stream_pycapsule(py, reader, requested_schema)?)
}

/// What a JSON column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonType {
    Null,
    Bool,
    Int,
    Float,
    Str,
    StrList,
    IntList,
    FloatList,
    /// Mixed or nested: kept as JSON text.
    Json,
}

fn scalar_type(v: &Value) -> JsonType {
    match v {
        Value::Null => JsonType::Null,
        Value::Bool(_) => JsonType::Bool,
        Value::Number(n) if n.is_i64() => JsonType::Int,
        Value::Number(_) => JsonType::Float,
        Value::String(_) => JsonType::Str,
        _ => JsonType::Json,
    }
}

fn join(a: JsonType, b: JsonType) -> JsonType {
    use JsonType::*;
    match (a, b) {
        (x, y) if x == y => x,
        (Null, x) | (x, Null) => x,
        (Int, Float) | (Float, Int) => Float,
        (IntList, FloatList) | (FloatList, IntList) => FloatList,
        _ => Json,
    }
}

fn value_type(v: &Value) -> JsonType {
    match v {
        Value::Array(items) => match items.iter().map(scalar_type).fold(JsonType::Null, join) {
            // An empty list (or one of nulls) fits any list type: strings by default.
            JsonType::Null | JsonType::Str => JsonType::StrList,
            JsonType::Int => JsonType::IntList,
            JsonType::Float => JsonType::FloatList,
            _ => JsonType::Json,
        },
        v => scalar_type(v),
    }
}

/// A list column: a list per cell that holds an array (its items pushed by `push`), null for
/// any other cell.
fn list_column<B: ArrayBuilder>(
    cells: &[&Value],
    values: B,
    push: impl Fn(&mut B, &Value),
) -> ArrayRef {
    let mut b = ListBuilder::new(values);
    for v in cells {
        match v.as_array() {
            None => b.append_null(),
            Some(items) => {
                items.iter().for_each(|x| push(b.values(), x));
                b.append(true);
            }
        }
    }
    Arc::new(b.finish())
}

fn json_column(rows: &[Value], key: &str) -> (DataType, ArrayRef) {
    let cells: Vec<&Value> = rows
        .iter()
        .map(|r| r.get(key).unwrap_or(&Value::Null))
        .collect();
    let ty = cells
        .iter()
        .map(|v| value_type(v))
        .fold(JsonType::Null, |a, b| {
            // A list and a null join to the list.
            if b == JsonType::Null {
                a
            } else if a == JsonType::Null {
                b
            } else {
                join(a, b)
            }
        });
    let array: ArrayRef = match ty {
        JsonType::Null => Arc::new(arrow_array::NullArray::new(cells.len())),
        JsonType::Bool => {
            let mut b = BooleanBuilder::with_capacity(cells.len());
            cells.iter().for_each(|v| b.append_option(v.as_bool()));
            Arc::new(b.finish())
        }
        JsonType::Int => {
            let mut b = Int64Builder::with_capacity(cells.len());
            cells.iter().for_each(|v| b.append_option(v.as_i64()));
            Arc::new(b.finish())
        }
        JsonType::Float => {
            let mut b = Float64Builder::with_capacity(cells.len());
            cells.iter().for_each(|v| b.append_option(v.as_f64()));
            Arc::new(b.finish())
        }
        JsonType::Str => {
            let mut b = StringBuilder::new();
            cells.iter().for_each(|v| b.append_option(v.as_str()));
            Arc::new(b.finish())
        }
        JsonType::StrList => list_column(&cells, StringBuilder::new(), |b, x| {
            b.append_option(x.as_str())
        }),
        JsonType::IntList => list_column(&cells, Int64Builder::new(), |b, x| {
            b.append_option(x.as_i64())
        }),
        JsonType::FloatList => list_column(&cells, Float64Builder::new(), |b, x| {
            b.append_option(x.as_f64())
        }),
        JsonType::Json => {
            let mut b = StringBuilder::new();
            for v in &cells {
                match v {
                    Value::Null => b.append_null(),
                    v => b.append_value(v.to_string()),
                }
            }
            Arc::new(b.finish())
        }
    };
    (array.data_type().clone(), array)
}

/// Rows of JSON objects as one record batch: a column per key (in first-seen order), typed from
/// the values (integers, floats, strings, booleans, lists of them; anything else as JSON text).
pub fn json_batch(rows: &[Value]) -> Result<RecordBatch, ArrowError> {
    let mut keys: Vec<&str> = Vec::new();
    for r in rows {
        if let Some(o) = r.as_object() {
            for k in o.keys() {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
    }
    let mut fields = Vec::with_capacity(keys.len());
    let mut columns = Vec::with_capacity(keys.len());
    for k in keys {
        let (dt, a) = json_column(rows, k);
        fields.push(Field::new(k, dt, true));
        columns.push(a);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows.len())),
    )
}

fn dictionary(
    keys: impl Iterator<Item = Option<i32>>,
    names: &[String],
) -> Result<ArrayRef, ArrowError> {
    let keys: Int32Array = keys.collect();
    let values = Arc::new(StringArray::from_iter_values(names));
    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(
        keys, values,
    )?))
}

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The event log as one record batch: `customer_id`, `timestamp` (microseconds, UTC),
/// `touchpoint`, `channel`, `stage` (dictionary encoded), `value`, then the properties. Rows are
/// in the log's order (by customer, then time).
pub fn log_batch(log: &core::EventLog) -> Result<RecordBatch, ArrowError> {
    let n = log.n_events();
    let id = |v: u32| i32::try_from(v).ok();
    let customers = log
        .offsets()
        .windows(2)
        .enumerate()
        .flat_map(|(c, w)| std::iter::repeat_n(i32::try_from(c).ok(), w[1] - w[0]));
    let mut fields = vec![
        Field::new("customer_id", dict_type(), false),
        Field::new(
            "timestamp",
            DataType::Timestamp(ArrowUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("touchpoint", dict_type(), false),
        Field::new("channel", dict_type(), false),
        Field::new("stage", dict_type(), true),
        Field::new("value", DataType::Float64, true),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        dictionary(customers, log.customer_ids())?,
        Arc::new(TimestampMicrosecondArray::from(log.timestamps().to_vec()).with_timezone("UTC")),
        dictionary(
            log.touchpoint_ids().iter().map(|&t| id(t)),
            log.touchpoints(),
        )?,
        dictionary(log.channel_ids().iter().map(|&c| id(c)), log.channels())?,
        dictionary(
            log.stage_ids()
                .iter()
                .map(|&s| (s != u16::MAX).then_some(i32::from(s))),
            log.stages(),
        )?,
        Arc::new(
            log.values()
                .iter()
                .map(|v| (!v.is_nan()).then_some(*v))
                .collect::<Float64Array>(),
        ),
    ];
    for p in log.properties() {
        fields.push(Field::new(&p.name, dict_type(), true));
        columns.push(dictionary(
            p.ids.iter().map(|&v| if v == NO_ID { None } else { id(v) }),
            p.values.names(),
        )?);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(n)),
    )
}
