//! The Arrow import (`ingest::map_columns` + `EventLog::from_record_batches`, what
//! `EventLog.from_arrow`, pandas and polars frames and Parquet files go through) with arbitrary
//! columns: any name (canonical or not, repeated, pandas index columns), any of the Arrow types
//! a frame brings (strings, large strings, string views, dictionaries with any key type and
//! null or out-of-range keys, integers, booleans, floats, datetimes of every unit with or
//! without a time zone, dates, all-null columns, binary), nulls anywhere, any number of rows,
//! one batch or two. Never a panic; strict and lenient loads agree; a loaded log satisfies
//! every invariant of a log; the rows split over two batches load as in one batch (the same
//! log, or the same error, with the same row numbers).
#![no_main]

use std::sync::Arc;

use arbitrary::Arbitrary;
use arrow_array::types::{ArrowTimestampType, Int32Type, Int8Type, UInt16Type, UInt64Type};
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Date64Array, DictionaryArray, Float32Array,
    Float64Array, Int32Array, Int64Array, LargeStringArray, NullArray, PrimitiveArray, RecordBatch,
    StringArray, StringViewArray, TimestampMicrosecondArray, TimestampMillisecondArray,
    TimestampNanosecondArray, TimestampSecondArray, UInt64Array,
};
use arrow_schema::{Field, Schema};
use journey_core::ingest::{map_columns, ArrowNames};
use journey_core::{EventLog, LoadOptions, Mode};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Ty {
    Utf8,
    LargeUtf8,
    Utf8View,
    DictI8,
    DictU16,
    DictI32,
    DictU64,
    Int64,
    Int32,
    UInt64,
    Bool,
    Float64,
    Float32,
    TsSecond,
    TsMilli,
    TsMicro,
    TsNano,
    Date32,
    Date64,
    Null,
    NullDict,
    Binary,
}

#[derive(Debug, Arbitrary)]
enum Name {
    Canonical(u8),
    Other(String),
}

#[derive(Debug, Arbitrary)]
struct Col {
    name: Name,
    ty: Ty,
    /// 0: no time zone, 1: "UTC", 2: "+02:00", 3: a named zone.
    tz: u8,
    text: Vec<Option<String>>,
    ints: Vec<Option<i64>>,
    floats: Vec<Option<f64>>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    flags: u8,
    rows: u8,
    split: u8,
    columns: Vec<Col>,
}

const NAMES: &[&str] = &[
    "customer_id",
    "timestamp",
    "touchpoint",
    "channel",
    "stage",
    "value",
    "sequence",
    "user",
    "ts",
    "__index_level_0__",
    "plan",
];

fn name(n: &Name) -> String {
    match n {
        Name::Canonical(i) => NAMES[usize::from(*i) % NAMES.len()].to_string(),
        Name::Other(s) => s.clone(),
    }
}

/// The column's cells `from..to` (missing cells are nulls).
fn text(c: &Col, from: usize, to: usize) -> Vec<Option<&str>> {
    (from..to)
        .map(|i| c.text.get(i).and_then(|s| s.as_deref()))
        .collect()
}

fn ints(c: &Col, from: usize, to: usize) -> Vec<Option<i64>> {
    (from..to)
        .map(|i| c.ints.get(i).copied().flatten())
        .collect()
}

fn floats(c: &Col, from: usize, to: usize) -> Vec<Option<f64>> {
    (from..to)
        .map(|i| c.floats.get(i).copied().flatten())
        .collect()
}

/// A dictionary of the column's distinct texts (with a null among them when there is one),
/// keyed by the column's integers: null keys, keys to a null value, out-of-range keys.
fn dict<K: arrow_array::types::ArrowDictionaryKeyType>(
    c: &Col,
    from: usize,
    to: usize,
) -> Option<ArrayRef>
where
    K::Native: TryFrom<i64>,
{
    let values = StringArray::from(c.text.iter().map(|s| s.as_deref()).collect::<Vec<_>>());
    let keys: PrimitiveArray<K> = ints(c, from, to)
        .into_iter()
        .map(|k| k.and_then(|k| K::Native::try_from(k).ok()))
        .collect();
    DictionaryArray::<K>::try_new(keys, Arc::new(values))
        .ok()
        .map(|d| Arc::new(d) as ArrayRef)
}

fn with_tz<T: ArrowTimestampType>(a: PrimitiveArray<T>, tz: u8) -> ArrayRef {
    let tz = match tz % 4 {
        0 => None,
        1 => Some("UTC"),
        2 => Some("+02:00"),
        _ => Some("Europe/Paris"),
    };
    Arc::new(a.with_timezone_opt(tz.map(Arc::<str>::from)))
}

/// The column's rows `from..to` as an array of its type (`None`: arrow refuses the array).
fn array(c: &Col, from: usize, to: usize) -> Option<ArrayRef> {
    let n = to - from;
    Some(match c.ty {
        Ty::Utf8 => Arc::new(StringArray::from(text(c, from, to))),
        Ty::LargeUtf8 => Arc::new(LargeStringArray::from(text(c, from, to))),
        Ty::Utf8View => Arc::new(StringViewArray::from(text(c, from, to))),
        Ty::DictI8 => dict::<Int8Type>(c, from, to)?,
        Ty::DictU16 => dict::<UInt16Type>(c, from, to)?,
        Ty::DictI32 => dict::<Int32Type>(c, from, to)?,
        Ty::DictU64 => dict::<UInt64Type>(c, from, to)?,
        Ty::Int64 => Arc::new(Int64Array::from(ints(c, from, to))),
        Ty::Int32 => Arc::new(Int32Array::from(
            ints(c, from, to)
                .into_iter()
                .map(|x| x.map(|x| x as i32))
                .collect::<Vec<_>>(),
        )),
        Ty::UInt64 => Arc::new(UInt64Array::from(
            ints(c, from, to)
                .into_iter()
                .map(|x| x.map(|x| x as u64))
                .collect::<Vec<_>>(),
        )),
        Ty::Bool => Arc::new(BooleanArray::from(
            ints(c, from, to)
                .into_iter()
                .map(|x| x.map(|x| x & 1 == 1))
                .collect::<Vec<_>>(),
        )),
        Ty::Float64 => Arc::new(Float64Array::from(floats(c, from, to))),
        Ty::Float32 => Arc::new(Float32Array::from(
            floats(c, from, to)
                .into_iter()
                .map(|x| x.map(|x| x as f32))
                .collect::<Vec<_>>(),
        )),
        Ty::TsSecond => with_tz(TimestampSecondArray::from(ints(c, from, to)), c.tz),
        Ty::TsMilli => with_tz(TimestampMillisecondArray::from(ints(c, from, to)), c.tz),
        Ty::TsMicro => with_tz(TimestampMicrosecondArray::from(ints(c, from, to)), c.tz),
        Ty::TsNano => with_tz(TimestampNanosecondArray::from(ints(c, from, to)), c.tz),
        Ty::Date32 => Arc::new(Date32Array::from(
            ints(c, from, to)
                .into_iter()
                .map(|x| x.map(|x| x as i32))
                .collect::<Vec<_>>(),
        )),
        Ty::Date64 => Arc::new(Date64Array::from(ints(c, from, to))),
        Ty::Null => Arc::new(NullArray::new(n)),
        Ty::NullDict => Arc::new(
            DictionaryArray::<Int8Type>::try_new(
                vec![None::<i8>; n].into_iter().collect(),
                Arc::new(NullArray::new(0)),
            )
            .ok()?,
        ),
        Ty::Binary => Arc::new(BinaryArray::from(
            text(c, from, to)
                .into_iter()
                .map(|s| s.map(str::as_bytes))
                .collect::<Vec<_>>(),
        )),
    })
}

fn batch(schema: &Arc<Schema>, cols: &[Col], from: usize, to: usize) -> Option<RecordBatch> {
    let arrays = cols
        .iter()
        .map(|c| array(c, from, to))
        .collect::<Option<Vec<_>>>()?;
    RecordBatch::try_new(schema.clone(), arrays).ok()
}

fn load(
    schema: &Schema,
    batches: &[RecordBatch],
    opts: &LoadOptions,
) -> journey_core::Result<EventLog> {
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let m = map_columns(schema, &ArrowNames::default(), opts, rows)?;
    EventLog::from_record_batches(schema, batches, &m, opts, None)
}

fuzz_target!(|input: Input| {
    if input.columns.len() > 12 {
        return;
    }
    let n = usize::from(input.rows % 32);
    let schema = Arc::new(Schema::new(
        input
            .columns
            .iter()
            .map(|c| {
                let probe = array(c, 0, 0).map(|a| a.data_type().clone());
                Field::new(
                    name(&c.name),
                    probe.unwrap_or(arrow_schema::DataType::Null),
                    true,
                )
            })
            .collect::<Vec<_>>(),
    ));
    let Some(whole) = batch(&schema, &input.columns, 0, n) else {
        return;
    };
    let whole_log = common::check_event_loads(input.flags, |opts| {
        load(&schema, std::slice::from_ref(&whole), opts)
    });
    if let Some(log) = whole_log {
        assert_eq!(log.load_report().rows_read as usize, n);
    }

    // The same rows in two batches load alike, with the same row numbers in any error.
    let k = usize::from(input.split) % (n + 1);
    let (Some(a), Some(b)) = (
        batch(&schema, &input.columns, 0, k),
        batch(&schema, &input.columns, k, n),
    ) else {
        return;
    };
    let mut opts = common::options(input.flags);
    for mode in [Mode::Strict, Mode::Lenient] {
        opts.mode = mode;
        let one = load(&schema, std::slice::from_ref(&whole), &opts);
        let two = load(&schema, &[a.clone(), b.clone()], &opts);
        match (&one, &two) {
            (Ok(x), Ok(y)) => {
                assert!(x.rows().eq(y.rows()), "two batches give another log");
                assert_eq!(x.load_report(), y.load_report());
            }
            (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
            (x, y) => panic!(
                "one batch and two disagree: {:?} / {:?}",
                x.as_ref().err(),
                y.as_ref().err()
            ),
        }
    }
});
