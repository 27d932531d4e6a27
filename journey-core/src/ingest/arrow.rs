//! Event logs from Arrow record batches (feature `arrow`): which column plays which part, and
//! each column read in place by the column loader ([`EventLog::from_chunks`]). The Python
//! binding's `EventLog.from_arrow` and the Parquet reader both come through here, so a frame
//! and a file with the same columns load alike.
//!
//! A column's Arrow type decides how it is read: strings and dictionaries of strings in place;
//! integers and booleans (and, for properties, numbers and dates) as their text; datetimes of
//! any unit, dates and integer Unix seconds as timestamps; numbers as values. A text column in
//! a typed part (timestamp, value) is read by the CSV rules, as the CSV reader reads its
//! cells, with the same errors.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Date32Type, Date64Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, DictionaryArray, Float64Array, GenericStringArray,
    OffsetSizeTrait, PrimitiveArray, RecordBatch, StringViewArray,
};
use arrow_buffer::ArrowNativeType;
use arrow_schema::{DataType, Schema, TimeUnit as ArrowUnit};

use super::columns::{
    ColumnChunk, FloatCells, IntCells, LoadControl, TextCell, TextCells, TimeCells, TimeUnit,
    ValueCells, NO_KEY,
};
use super::roles::{ColumnRoles, Role};
use super::LoadOptions;
use crate::error::{Error, Result};
use crate::model::EventLog;

/// Source column names for the parts of an event: see [`ColumnNames`].
pub use super::roles::ColumnNames as ArrowNames;

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

/// Which column of a schema plays which part, and how each is read: see [`map_columns`].
#[derive(Debug, Clone)]
pub struct ArrowMapping {
    customer: (usize, Kind),
    timestamp: (usize, Kind),
    touchpoint: (usize, Kind),
    channel: Option<(usize, Kind)>,
    stage: Option<(usize, Kind)>,
    value: Option<(usize, Kind)>,
    sequence: Option<(usize, Kind)>,
    properties: Vec<(String, usize, Kind)>,
}

impl ArrowMapping {
    /// The property names, in column order.
    pub fn property_names(&self) -> Vec<String> {
        self.properties.iter().map(|p| p.0.clone()).collect()
    }

    /// The text columns read as names (customer, touchpoint, channel, stage, properties).
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(crate) fn text_columns(&self) -> Vec<usize> {
        [
            Some(self.customer),
            Some(self.touchpoint),
            self.channel,
            self.stage,
        ]
        .into_iter()
        .flatten()
        .chain(self.properties.iter().map(|p| (p.1, p.2)))
        .filter(|c| c.1 == Kind::Text)
        .map(|c| c.0)
        .collect()
    }

    /// The schema's columns that are read (for projection), in schema order.
    pub fn columns(&self) -> Vec<usize> {
        let mut cols: Vec<usize> = [
            Some(self.customer.0),
            Some(self.timestamp.0),
            Some(self.touchpoint.0),
            self.channel.map(|c| c.0),
            self.stage.map(|c| c.0),
            self.value.map(|c| c.0),
            self.sequence.map(|c| c.0),
        ]
        .into_iter()
        .flatten()
        .chain(self.properties.iter().map(|p| p.1))
        .collect();
        cols.sort_unstable();
        cols.dedup();
        cols
    }
}

fn is_string(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Dictionary(k, v) => k.is_integer() && is_string(v),
        d => is_string(d),
    }
}

fn text_kind(dt: &DataType, property: bool) -> Option<Kind> {
    match dt {
        d if is_text(d) => Some(Kind::Text),
        DataType::Null => Some(Kind::Null),
        // pandas gives an all-null categorical (a log without stages) this type.
        d if is_null_dictionary(d) => Some(Kind::Null),
        d if d.is_integer() || matches!(d, DataType::Boolean) => Some(Kind::CastText),
        DataType::Dictionary(k, v) if k.is_integer() && v.is_integer() => Some(Kind::CastText),
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
        d if d.is_integer() => Some(Kind::Ints(TimeUnit::Seconds)),
        d => text_kind(d, false).filter(|k| *k != Kind::CastText),
    }
}

/// A dictionary of nulls (integer keys, `Null` values): pandas' all-null categorical.
fn is_null_dictionary(dt: &DataType) -> bool {
    matches!(dt, DataType::Dictionary(k, v) if k.is_integer() && **v == DataType::Null)
}

fn sequence_kind(dt: &DataType) -> Option<Kind> {
    match dt {
        DataType::Null => Some(Kind::Null),
        d if d.is_integer() => Some(Kind::Ints(TimeUnit::Micros)),
        _ => None,
    }
}

fn value_kind(dt: &DataType) -> Option<Kind> {
    match dt {
        DataType::Float64 => Some(Kind::Floats),
        DataType::Null => Some(Kind::Null),
        d if is_null_dictionary(d) => Some(Kind::Null),
        d if d.is_numeric() => Some(Kind::CastFloats),
        // Text by the CSV rules (a mostly empty column that a CSV reader took for text).
        d if is_text(d) => Some(Kind::Text),
        _ => None,
    }
}

/// Finds the columns of the parts in `schema` by their names ([`ColumnRoles::resolve`]: the
/// names in `names` first, else the canonical names after [`LoadOptions::rename`]; the other
/// columns become properties) and how each is read. Checks every column's type up front, so a
/// wrong type fails before any work, naming the column ([`Error::ColumnType`]). A table
/// without rows (`rows` = 0) has nothing to misread: its types are not checked.
pub fn map_columns(
    schema: &Schema,
    names: &ArrowNames,
    opts: &LoadOptions,
    rows: usize,
) -> Result<ArrowMapping> {
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let roles = ColumnRoles::resolve(&columns, names, opts)?;
    let wrong = |part: &str, column: &str, dt: &DataType, expected: &str| Error::ColumnType {
        column: column.to_string(),
        part: part.to_string(),
        found: dt.to_string(),
        expected: expected.to_string(),
    };
    let typed = |role: Role,
                 i: usize,
                 kind: fn(&DataType) -> Option<Kind>,
                 expected: &str|
     -> Result<(usize, Kind)> {
        let f = schema.field(i);
        match kind(f.data_type()) {
            Some(k) => Ok((i, k)),
            None if rows == 0 => Ok((i, Kind::Null)),
            None => Err(wrong(role.column(), f.name(), f.data_type(), expected)),
        }
    };
    let required = |role: Role, kind: fn(&DataType) -> Option<Kind>, expected: &str| {
        typed(role, roles.required(role), kind, expected)
    };
    let optional = |role: Role, kind: fn(&DataType) -> Option<Kind>, expected: &str| {
        roles
            .get(role)
            .map(|i| typed(role, i, kind, expected))
            .transpose()
    };
    const TEXT: &str = "text (strings or categories; integers are also accepted)";
    let text = |d: &DataType| text_kind(d, false);
    let mut properties = Vec::new();
    for (i, name) in &roles.properties {
        let (i, name) = (*i, name.clone());
        let f = schema.field(i);
        let kind = match text_kind(f.data_type(), true) {
            Some(k) => k,
            None if rows == 0 => Kind::Null,
            None => {
                return Err(wrong(
                    "property",
                    f.name(),
                    f.data_type(),
                    "text, numbers, booleans or dates (leave it out with properties=[...] or \
                     ignore_extra_columns)",
                ))
            }
        };
        properties.push((name, i, kind));
    }
    Ok(ArrowMapping {
        customer: required(Role::CustomerId, text, TEXT)?,
        timestamp: required(
            Role::Timestamp,
            time_kind,
            "datetimes (any unit; without a time zone they are taken as UTC), dates, \
             integer Unix seconds or RFC 3339 text",
        )?,
        touchpoint: required(Role::Touchpoint, text, TEXT)?,
        channel: optional(Role::Channel, text, TEXT)?,
        stage: optional(Role::Stage, text, TEXT)?,
        value: optional(Role::Value, value_kind, "numbers (or decimal text)")?,
        sequence: optional(Role::Sequence, sequence_kind, "integers")?,
        properties,
    })
}

/// An error about columnar data as a whole.
fn data_error(message: impl Into<String>) -> Error {
    Error::InvalidArgument {
        name: "data".into(),
        message: message.into(),
    }
}

/// A column ready to be read in place: the producer's array, or a cast of it. `first_row` is
/// the 0-based row of the batch's first row in the table: a value that does not convert is an
/// error naming its row in the table (1-based), so the error does not depend on how the table
/// is cut into batches.
fn prepare(
    batch: &RecordBatch,
    (i, kind): (usize, Kind),
    name: &str,
    first_row: usize,
) -> Result<ArrayRef> {
    let a = batch.column(i);
    let to = match kind {
        Kind::CastText => DataType::Utf8,
        Kind::CastFloats => DataType::Float64,
        Kind::Null => return Ok(Arc::new(arrow_array::NullArray::new(a.len()))),
        _ => return Ok(a.clone()),
    };
    // Not arrow's default (`safe`), which turns a value it cannot convert (binary that is not
    // UTF-8) into a null: that would drop the value without a word.
    let cast = |a: &dyn Array, safe: bool| {
        let opts = arrow_cast::CastOptions {
            safe,
            ..Default::default()
        };
        arrow_cast::cast_with_options(a, &to, &opts)
    };
    let e = match cast(a.as_ref(), false) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    let Ok(c) = cast(a.as_ref(), true) else {
        return Err(cast_error(a.as_ref(), &to, name, first_row, e, &|a| {
            cast(a, false)
        }));
    };
    // The values that did not convert are nulls: the first is the error (logical nulls: a
    // dictionary key pointing at a null value is a null already). None: the failure was in
    // bytes outside the batch's rows (a slice of a larger array), and the cast is good.
    let given = a.logical_nulls();
    let given = |r: usize| given.as_ref().map_or(true, |n| n.is_valid(r));
    match (0..a.len()).find(|&r| given(r) && c.is_null(r)) {
        Some(r) => Err(bad_cast(a.as_ref(), &to, name, (r, first_row), None)),
        None => Ok(c),
    }
}

/// The error for value `r` of `a` (row `first_row + r + 1` of the table) that does not convert
/// to `to`, for arrow's `reason` if known.
fn bad_cast(
    a: &dyn Array,
    to: &DataType,
    name: &str,
    (r, first_row): (usize, usize),
    reason: Option<String>,
) -> Error {
    // The value as arrow shows it, or, when it cannot (a date beyond any calendar), the
    // number it holds.
    let one = a.slice(r, 1);
    let show = |a: &dyn Array| {
        arrow_cast::display::ArrayFormatter::try_new(a, &Default::default())
            .and_then(|f| f.value(0).try_to_string())
    };
    let value = show(one.as_ref())
        .or_else(|_| {
            arrow_cast::cast(one.as_ref(), &DataType::Int64).and_then(|n| show(n.as_ref()))
        })
        .unwrap_or_default();
    Error::InvalidCell {
        row: (first_row + r + 1) as u64,
        column: name.to_string(),
        value: crate::error::cut(&value),
        expected: match reason {
            Some(reason) => format!("a value that converts to {to} ({reason})"),
            None => format!("a value that converts to {to}"),
        },
    }
}

/// The error for a column that did not convert and that arrow's safe cast does not turn into
/// nulls either: the first value that does not convert (by halving the batch), or, when no
/// single value is to blame (a time zone arrow cannot read), the column.
fn cast_error(
    a: &dyn Array,
    to: &DataType,
    name: &str,
    first_row: usize,
    e: arrow_schema::ArrowError,
    cast: &dyn Fn(&dyn Array) -> std::result::Result<ArrayRef, arrow_schema::ArrowError>,
) -> Error {
    let whole = || data_error(format!("column {name:?} cannot be read as {to}: {e}"));
    if cast(a.slice(0, 0).as_ref()).is_err() {
        return whole();
    }
    // A range that fails holds a value that fails alone: look left first. About 2 casts of
    // the column in all.
    let (mut lo, mut hi) = (0, a.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if cast(a.slice(lo, mid - lo).as_ref()).is_err() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if lo == hi {
        return whole();
    }
    match cast(a.slice(lo, 1).as_ref()) {
        Err(reason) => bad_cast(a, to, name, (lo, first_row), Some(reason.to_string())),
        Ok(_) => whole(),
    }
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
pub(crate) struct Prepared {
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

enum Value<'a> {
    Numbers(Box<dyn FloatCells + 'a>),
    Text(Box<dyn TextCells + 'a>),
}

/// One batch's cells.
pub(crate) struct Cells<'a> {
    customer: Box<dyn TextCells + 'a>,
    timestamp: Time<'a>,
    touchpoint: Box<dyn TextCells + 'a>,
    channel: Option<Box<dyn TextCells + 'a>>,
    stage: Option<Box<dyn TextCells + 'a>>,
    value: Option<Value<'a>>,
    sequence: Option<Box<dyn IntCells + 'a>>,
    properties: Vec<Box<dyn TextCells + 'a>>,
}

fn unreadable(name: &str) -> Error {
    data_error(format!("column {name:?} cannot be read"))
}

/// Casts what must be cast in the batches of one table (in order; rows numbered across
/// them). Column by column (customer, timestamp, touchpoint, channel, stage, value, sequence,
/// then the properties in table order), each in every batch, so a table that fails fails on
/// the same column and row however it is cut into batches.
pub(crate) fn prepare_batches(
    batches: &[RecordBatch],
    m: &ArrowMapping,
    schema: &Schema,
) -> Result<Vec<Prepared>> {
    let mut columns: Vec<(usize, Kind, String)> = [
        Some(m.customer),
        Some(m.timestamp),
        Some(m.touchpoint),
        m.channel,
        m.stage,
        m.value,
        m.sequence,
    ]
    .into_iter()
    .flatten()
    .map(|(i, k)| (i, k, schema.field(i).name().clone()))
    .collect();
    columns.extend(m.properties.iter().map(|(n, i, k)| (*i, *k, n.clone())));
    let mut starts = Vec::with_capacity(batches.len());
    let mut rows = 0;
    for b in batches {
        starts.push(rows);
        rows += b.num_rows();
    }
    // cast[column][batch]
    let mut cast: Vec<std::vec::IntoIter<ArrayRef>> = columns
        .iter()
        .map(|(i, k, name)| {
            batches
                .iter()
                .zip(&starts)
                .map(|(b, &start)| prepare(b, (*i, *k), name, start))
                .collect::<Result<Vec<_>>>()
                .map(Vec::into_iter)
        })
        .collect::<Result<_>>()?;
    let optional = |c: Option<(usize, Kind)>| c.is_some();
    Ok(batches
        .iter()
        .map(|_| {
            let mut next = cast.iter_mut();
            let mut take = || {
                next.next()
                    .and_then(Iterator::next)
                    .expect("one array per column and batch")
            };
            let customer = take();
            let timestamp = take();
            let touchpoint = take();
            let channel = optional(m.channel).then(&mut take);
            let stage = optional(m.stage).then(&mut take);
            let value = optional(m.value).then(&mut take);
            let sequence = optional(m.sequence).then(&mut take);
            let properties = m.properties.iter().map(|_| take()).collect();
            Prepared {
                customer,
                timestamp,
                touchpoint,
                channel,
                stage,
                value,
                sequence,
                properties,
            }
        })
        .collect())
}

pub(crate) fn cells<'a>(p: &'a Prepared, m: &ArrowMapping) -> Result<Cells<'a>> {
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
        Some(a) if a.data_type() == &DataType::Null => {
            Some(Value::Numbers(Box::new(Nulls(a.len()))))
        }
        Some(a) if a.data_type() == &DataType::Float64 => Some(Value::Numbers(Box::new(Floats(
            a.as_primitive::<Float64Type>(),
        )))),
        Some(a) => Some(Value::Text(text(a, "value")?)),
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
            .collect::<Result<_>>()?,
    })
}

impl<'a> Cells<'a> {
    pub(crate) fn chunk(&'a self) -> ColumnChunk<'a> {
        ColumnChunk {
            customer_id: self.customer.as_ref(),
            timestamp: match &self.timestamp {
                Time::Ints(t, unit) => TimeCells::Ints(t.as_ref(), *unit),
                Time::Text(t) => TimeCells::Text(t.as_ref()),
            },
            touchpoint: self.touchpoint.as_ref(),
            channel: self.channel.as_deref(),
            stage: self.stage.as_deref(),
            value: self.value.as_ref().map(|v| match v {
                Value::Numbers(v) => ValueCells::Numbers(v.as_ref()),
                Value::Text(v) => ValueCells::Text(v.as_ref()),
            }),
            sequence: self.sequence.as_deref(),
            properties: self.properties.iter().map(|p| p.as_ref()).collect(),
        }
    }
}

impl EventLog {
    /// Builds a log from Arrow record batches (the parts of one table, in order; rows are
    /// numbered across them, from 1), with the columns found by [`map_columns`]. Casts what
    /// must be cast, then reads every column in place on all cores (feature `parallel`), by
    /// the rules of [`EventLog::from_chunks`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    /// use journey_core::ingest::{map_columns, ArrowNames};
    /// use journey_core::{EventLog, LoadOptions};
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer_id", Arc::new(StringArray::from(vec!["a", "a"])) as ArrayRef),
    ///     ("timestamp", Arc::new(Int64Array::from(vec![1_767_225_600, 1_767_225_660])) as ArrayRef),
    ///     ("touchpoint", Arc::new(StringArray::from(vec!["ad", "purchase"])) as ArrayRef),
    ///     ("value", Arc::new(StringArray::from(vec!["", " 9.5"])) as ArrayRef),
    /// ]).unwrap();
    /// let opts = LoadOptions::default();
    /// let m = map_columns(&batch.schema(), &ArrowNames::default(), &opts, batch.num_rows()).unwrap();
    /// let log = EventLog::from_record_batches(&batch.schema(), &[batch], &m, &opts, None).unwrap();
    /// assert_eq!(log.summary().revenue, 9.5);
    /// ```
    pub fn from_record_batches(
        schema: &Schema,
        batches: &[RecordBatch],
        mapping: &ArrowMapping,
        opts: &LoadOptions,
        control: Option<&LoadControl>,
    ) -> Result<EventLog> {
        let prepared = prepare_batches(batches, mapping, schema)?;
        let cells: Vec<Cells> = prepared
            .iter()
            .map(|p| cells(p, mapping))
            .collect::<Result<_>>()?;
        let chunks: Vec<ColumnChunk> = cells.iter().map(Cells::chunk).collect();
        let names = mapping.property_names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        EventLog::from_chunks(&chunks, &names, opts, control)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int32Array, Int64Array, NullArray, StringArray};

    use super::*;
    use crate::ingest::read_events_csv;

    fn load(columns: Vec<(&str, ArrayRef)>) -> Result<EventLog> {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let opts = LoadOptions::default();
        let m = map_columns(
            &batch.schema(),
            &ArrowNames::default(),
            &opts,
            batch.num_rows(),
        )?;
        EventLog::from_record_batches(&batch.schema(), &[batch], &m, &opts, None)
    }

    fn ids(v: &[&str]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    /// The `sequence` column orders events with equal timestamps before the tie rule, as the
    /// CSV reader's `sequence` column does.
    #[test]
    fn sequence_orders_ties() {
        let log = load(vec![
            ("customer_id", ids(&["a", "a", "a"])),
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![5, 5, 5])) as ArrayRef,
            ),
            ("touchpoint", ids(&["x", "y", "z"])),
            (
                "sequence",
                Arc::new(Int32Array::from(vec![Some(2), Some(1), None])) as ArrayRef,
            ),
        ])
        .unwrap();
        assert_eq!(crate::ingest::touchpoints_of(&log, "a"), ["y", "x", "z"]);
        let csv = "customer_id,timestamp,touchpoint,sequence\na,5,x,2\na,5,y,1\na,5,z,\n";
        let from_csv = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(
            log.rows().collect::<Vec<_>>(),
            from_csv.rows().collect::<Vec<_>>()
        );
        // A sequence that is not integers names the column.
        let e = load(vec![
            ("customer_id", ids(&["a"])),
            ("timestamp", Arc::new(Int64Array::from(vec![5])) as ArrayRef),
            ("touchpoint", ids(&["x"])),
            (
                "sequence",
                Arc::new(Float64Array::from(vec![1.5])) as ArrayRef,
            ),
        ])
        .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains("sequence"), "{e}");
    }

    /// pandas gives an all-null categorical the type Dictionary(Int8, Null): no stage, no value.
    #[test]
    fn all_null_dictionaries_read_as_missing() {
        let nulls = || -> ArrayRef {
            let keys = arrow_array::Int8Array::from(vec![None, None]);
            Arc::new(
                DictionaryArray::<Int8Type>::try_new(keys, Arc::new(NullArray::new(0))).unwrap(),
            )
        };
        let log = load(vec![
            ("customer_id", ids(&["a", "b"])),
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![5, 6])) as ArrayRef,
            ),
            ("touchpoint", ids(&["x", "y"])),
            ("stage", nulls()),
            ("value", nulls()),
        ])
        .unwrap();
        let rows: Vec<_> = log.rows().collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.value.is_none()), "{rows:?}");
        assert_eq!(log.summary().revenue, 0.0);
    }

    /// Values are limited to magnitude 1e15, whether numbers or text.
    #[test]
    fn values_beyond_1e15_are_refused() {
        let base = |value: ArrayRef| {
            vec![
                ("customer_id", ids(&["a", "a"])),
                (
                    "timestamp",
                    Arc::new(Int64Array::from(vec![5, 6])) as ArrayRef,
                ),
                ("touchpoint", ids(&["x", "y"])),
                ("value", value),
            ]
        };
        let log = load(base(Arc::new(Float64Array::from(vec![1e15, -1e15])))).unwrap();
        assert_eq!(log.summary().revenue, 0.0);
        let e = load(base(Arc::new(Float64Array::from(vec![1.0, -2e15])))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"-2000000000000000\" at row 2, column value: a finite number of \
             magnitude at most 1e15"
        );
        let e = load(base(Arc::new(StringArray::from(vec!["1", "2e15"])))).unwrap_err();
        assert_eq!((e.row(), e.value()), (Some(2), Some("2e15")));
        assert_eq!(e.expected(), Some(crate::model::VALUE_EXPECTED));
        // Integers are cast to numbers and bounded alike.
        let e = load(base(Arc::new(Int64Array::from(vec![
            1,
            3_000_000_000_000_000,
        ]))))
        .unwrap_err();
        assert_eq!(e.row(), Some(2));
    }

    /// Loads `columns` cut into batches at `cuts` (row numbers), in lenient or strict mode.
    fn load_cut(
        columns: &[(&str, ArrayRef)],
        cuts: &[usize],
        mode: crate::Mode,
    ) -> Result<EventLog> {
        let whole = RecordBatch::try_from_iter(columns.iter().cloned()).unwrap();
        let mut bounds = vec![0];
        bounds.extend_from_slice(cuts);
        bounds.push(whole.num_rows());
        let batches: Vec<RecordBatch> = bounds
            .windows(2)
            .map(|w| whole.slice(w[0], w[1] - w[0]))
            .collect();
        let opts = LoadOptions {
            mode,
            ..Default::default()
        };
        let m = map_columns(
            &whole.schema(),
            &ArrowNames::default(),
            &opts,
            whole.num_rows(),
        )?;
        EventLog::from_record_batches(&whole.schema(), &batches, &m, &opts, None)
    }

    /// A column that does not convert (a date beyond any calendar, binary that is not UTF-8,
    /// a time zone arrow cannot read) fails the load in both modes, naming the first such
    /// column in column order and its first bad row in the table: the same error however the
    /// table is cut into batches (found by fuzzing: each batch failed on its own first bad
    /// column). Binary that is not UTF-8 was a null before (arrow's safe cast).
    #[test]
    fn columns_that_do_not_convert_fail_alike_in_any_batches() {
        // A zone no build of arrow reads (with or without its chrono-tz feature, which another
        // crate of a workspace may turn on).
        let paris = Arc::new(
            arrow_array::TimestampSecondArray::from(vec![0i64, 0, 0, 0])
                .with_timezone("Mars/Olympus_Mons"),
        ) as ArrayRef;
        let columns = vec![
            ("customer_id", ids(&["a", "a", "b", "b"])),
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![5, 6, 7, 8])) as ArrayRef,
            ),
            ("touchpoint", ids(&["x", "y", "x", "y"])),
            ("zone", paris),
            (
                "day",
                Arc::new(arrow_array::Date32Array::from(vec![0, 1, 0, 1_769_209_820])) as ArrayRef,
            ),
            (
                "raw",
                Arc::new(arrow_array::BinaryArray::from(vec![
                    &b"ok"[..],
                    b"\xff",
                    b"ok",
                    b"ok",
                ])) as ArrayRef,
            ),
        ];
        let zone = "invalid argument data: column \"zone\" cannot be read as Utf8: Parser error: \
                    Invalid timezone \"Mars/Olympus_Mons\"";
        for mode in [crate::Mode::Strict, crate::Mode::Lenient] {
            for cuts in [&[][..], &[1], &[2], &[3], &[0, 4], &[1, 2, 3]] {
                let e = load_cut(&columns, cuts, mode).unwrap_err();
                assert!(e.to_string().starts_with(zone), "cuts {cuts:?}: {e}");
                assert_eq!(e.code(), "invalid_argument");
                // Without the zone: the date at row 4, which comes before `raw` in the table.
                let e = load_cut(&[&columns[..3], &columns[4..]].concat(), cuts, mode).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    "invalid day \"1769209820\" at row 4, column day: a value that converts to Utf8 (Cast \
                     error: Failed to convert 1769209820 to temporal for Date32)",
                    "cuts {cuts:?}"
                );
                // Without the date either: the binary at row 2.
                let e = load_cut(&[&columns[..3], &columns[5..]].concat(), cuts, mode).unwrap_err();
                assert_eq!(
                    (e.row(), e.column(), e.value()),
                    (Some(2), Some("raw"), Some("ff")),
                    "{e}"
                );
                assert_eq!(e.code(), "invalid_value");
            }
        }
        // In a dictionary, a key to a null value is a blank, not a value that failed; a bad
        // value no row points at is no error.
        let codes = |keys: Vec<i8>| -> ArrayRef {
            let values =
                arrow_array::BinaryArray::from(vec![None, Some(&b"\xff"[..]), Some(b"ok")]);
            Arc::new(DictionaryArray::<Int8Type>::try_new(keys.into(), Arc::new(values)).unwrap())
        };
        let with_codes = |keys| {
            let mut c = columns[..3].to_vec();
            c.push(("codes", codes(keys)));
            c
        };
        for cuts in [&[][..], &[2]] {
            let e = load_cut(&with_codes(vec![0, 2, 1, 0]), cuts, crate::Mode::Strict).unwrap_err();
            assert_eq!(
                (e.row(), e.column(), e.value()),
                (Some(3), Some("codes"), Some("ff"))
            );
            let log = load_cut(&with_codes(vec![0, 2, 2, 0]), cuts, crate::Mode::Strict).unwrap();
            assert_eq!(log.rows().filter(|r| !r.properties.is_empty()).count(), 2);
        }
        // Valid binary reads as its text.
        let ok = vec![
            ("customer_id", ids(&["a"])),
            ("timestamp", Arc::new(Int64Array::from(vec![5])) as ArrayRef),
            ("touchpoint", ids(&["x"])),
            (
                "raw",
                Arc::new(arrow_array::BinaryArray::from(vec![&b"ok"[..]])) as ArrayRef,
            ),
        ];
        let log = load_cut(&ok, &[], crate::Mode::Strict).unwrap();
        assert_eq!(
            log.rows().next().unwrap().properties,
            vec![("raw".to_string(), "ok".to_string())]
        );
    }
}
