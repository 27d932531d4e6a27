//! Out: results and logs -> record batches -> an Arrow C stream capsule.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, Int64Array, LargeListArray,
    LargeStringArray, RecordBatch, RecordBatchOptions, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, TimeUnit as ArrowUnit};
use journey_core as core;
use journey_core::model::table::{json_columns, JsonType};
use journey_core::model::{Column, Table as Columns, NO_ID};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::ffi::{to_stream_pycapsule, ArrayIterator};
use serde_json::Value;

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

/// The column `key` of JSON rows as an Arrow array of the type core chose (`json_columns`).
fn json_column(rows: &[Value], key: &str, ty: JsonType) -> (DataType, ArrayRef) {
    let cells: Vec<&Value> = rows
        .iter()
        .map(|r| r.get(key).unwrap_or(&Value::Null))
        .collect();
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
        JsonType::Text => {
            let mut b = StringBuilder::new();
            cells.iter().for_each(|v| b.append_option(v.as_str()));
            Arc::new(b.finish())
        }
        JsonType::TextList => list_column(&cells, StringBuilder::new(), |b, x| {
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

/// Rows of JSON objects as one record batch: the columns core gives them (`json_columns`: a
/// column per key, in first-seen order, typed from the values).
pub fn json_batch(rows: &[Value]) -> Result<RecordBatch, ArrowError> {
    let keys = json_columns(rows);
    let mut fields = Vec::with_capacity(keys.len());
    let mut columns = Vec::with_capacity(keys.len());
    for (k, ty) in keys {
        let (dt, a) = json_column(rows, k, ty);
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
                .map(|&s| (s != journey_core::model::NO_STAGE).then_some(i32::from(s))),
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

/// A result's table of typed columns (built by journey-core) as one record batch: integers,
/// numbers (null where the JSON shape has null), booleans, text and lists of text.
pub fn table_batch(t: Columns<'_>) -> Result<RecordBatch, ArrowError> {
    let mut fields = Vec::with_capacity(t.columns.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(t.columns.len());
    for (name, c) in t.columns {
        let a: ArrayRef = match c {
            Column::Int(v) => Arc::new(Int64Array::from(v)),
            Column::Float(v) => Arc::new(Float64Array::from(v)),
            Column::Bool(v) => Arc::new(BooleanArray::from(v)),
            Column::Text(v) => {
                let bytes = v.iter().flatten().map(|s| s.len()).sum();
                let mut b = StringBuilder::with_capacity(v.len(), bytes);
                v.iter().for_each(|s| b.append_option(s.as_deref()));
                Arc::new(b.finish())
            }
            Column::Joined { text, offsets } => {
                // The core's buffers become the array's: no copy.
                let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
                let values = Buffer::from_vec(text.into_bytes());
                Arc::new(LargeStringArray::try_new(offsets, values, None)?)
            }
            Column::JoinedLists {
                text,
                offsets,
                items,
            } => {
                // The core's buffers become the arrays': no copy.
                let values = LargeStringArray::try_new(
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    Buffer::from_vec(text.into_bytes()),
                    None,
                )?;
                Arc::new(LargeListArray::try_new(
                    Arc::new(Field::new_list_field(DataType::LargeUtf8, false)),
                    OffsetBuffer::new(ScalarBuffer::from(items)),
                    Arc::new(values),
                    None,
                )?)
            }
            Column::TextList(v) => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for cell in &v {
                    match cell {
                        None => b.append_null(),
                        Some(items) => {
                            let values = b.values();
                            items.iter().for_each(|s| values.append_value(s));
                            b.append(true);
                        }
                    }
                }
                Arc::new(b.finish())
            }
        };
        fields.push(Field::new(
            name.as_ref(),
            a.data_type().clone(),
            a.null_count() > 0,
        ));
        columns.push(a);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(t.rows)),
    )
}
