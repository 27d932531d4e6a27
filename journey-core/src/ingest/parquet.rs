//! Parquet files (feature `parquet`): event logs and survey responses.
//!
//! Only the columns the load needs are read (projection), each row group on its own core
//! (feature `parallel`), and the columns go through the column loader, by the same rules as
//! Arrow input ([`super::map_columns`]): a column's Parquet (Arrow) type decides how it is read,
//! and a text column in a typed part (timestamp, value, a score) is read by the CSV rules. Text
//! columns are read as dictionaries, so each distinct name of a row group is looked up once.
//!
//! Errors name the row in the file, the row group (numbered from 0) and the row in it, the
//! column and the value ([`Error::InvalidFileCell`]); a file that is not Parquet, or is
//! damaged, is an [`Error::InvalidFile`].

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

use super::arrow::{cells, map_columns, prepare_batches, ArrowMapping, ArrowNames, Cells};
use super::columns::{ColumnChunk, LoadControl};
use super::{read_all, ErrorSink, LoadOptions};
use crate::error::{Error, Result};
use crate::model::{EventLog, Surveys, SurveysBuilder};

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::InvalidFile {
        format: "parquet".into(),
        message: message.to_string(),
    }
}

fn parquet_error(e: ParquetError) -> Error {
    match e {
        ParquetError::External(e) => match e.downcast::<std::io::Error>() {
            Ok(io) => Error::Io(*io),
            Err(e) => invalid(e),
        },
        e => invalid(e),
    }
}

/// A file read by path: every read opens it afresh, so that row groups read on several cores
/// do not share a file position.
#[derive(Debug, Clone)]
struct PathReader {
    path: Arc<PathBuf>,
    len: u64,
}

impl Length for PathReader {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for PathReader {
    type T = std::io::BufReader<std::fs::File>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let mut f = std::fs::File::open(&*self.path)?;
        f.seek(SeekFrom::Start(start))?;
        Ok(std::io::BufReader::new(f))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut f = std::fs::File::open(&*self.path)?;
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity(length);
        let read = f.take(length as u64).read_to_end(&mut buf)?;
        if read != length {
            return Err(ParquetError::EOF(format!(
                "expected to read {length} bytes at offset {start}, read only {read}"
            )));
        }
        Ok(buf.into())
    }
}

fn path_reader(path: &Path) -> Result<PathReader> {
    let len = super::open(path)?.metadata()?.len();
    Ok(PathReader {
        path: Arc::new(path.to_path_buf()),
        len,
    })
}

/// A Parquet file's metadata, with the columns to read found.
struct Plan {
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// The schema of the projected batches.
    schema: SchemaRef,
    /// First row (0-based) of each row group, and the total at the end.
    starts: Vec<u64>,
}

impl Plan {
    fn rows(&self) -> usize {
        *self.starts.last().unwrap_or(&0) as usize
    }

    /// Where a 1-based row of the file is: its row group and its 1-based row in it.
    fn locate(&self, row: u64) -> (u64, u64) {
        let g = self.starts.partition_point(|&s| s < row).saturating_sub(1);
        (g as u64, row - self.starts[g])
    }

    /// A row error of the column loader, placed in its row group.
    fn locate_error(&self, e: Error) -> Error {
        match e {
            Error::InvalidCell {
                row,
                column,
                value,
                expected,
            } => {
                let (row_group, group_row) = self.locate(row);
                Error::InvalidFileCell {
                    row,
                    row_group,
                    group_row,
                    column,
                    value,
                    expected,
                }
            }
            e => e,
        }
    }
}

/// Reads the metadata and finds the columns: `columns(schema)` names the top-level columns to
/// read, and which text columns to read as dictionaries.
fn plan<R: ChunkReader>(
    reader: &R,
    columns: impl Fn(&Schema) -> Result<(Vec<usize>, Vec<usize>)>,
) -> Result<Plan> {
    let meta =
        ArrowReaderMetadata::load(reader, ArrowReaderOptions::new()).map_err(parquet_error)?;
    let (read, dictionary) = columns(meta.schema())?;
    // Text columns as dictionaries: Parquet stores them so, and the loader then looks each
    // distinct value up once per row group instead of once per row.
    let fields: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let text = matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            if text && dictionary.contains(&i) {
                f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                ))
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let hinted = Arc::new(Schema::new_with_metadata(
        fields,
        meta.schema().metadata().clone(),
    ));
    let meta = ArrowReaderMetadata::try_new(
        meta.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .map_err(parquet_error)?;
    let mask = ProjectionMask::roots(meta.parquet_schema(), read.iter().copied());
    let schema = Arc::new(meta.schema().project(&read).map_err(invalid)?);
    let mut starts = vec![0u64];
    for g in meta.metadata().row_groups() {
        let n = u64::try_from(g.num_rows()).map_err(|_| invalid("a negative row count"))?;
        starts.push(starts.last().copied().unwrap_or(0) + n);
    }
    Ok(Plan {
        meta,
        mask,
        schema,
        starts,
    })
}

/// Decodes every row group, in parallel (feature `parallel`), in file order.
fn decode<R: ChunkReader + Clone + 'static>(reader: &R, plan: &Plan) -> Result<Vec<RecordBatch>> {
    let groups = plan.starts.len() - 1;
    let one = |g: usize| -> Result<Vec<RecordBatch>> {
        let rows = (plan.starts[g + 1] - plan.starts[g]) as usize;
        let failed = |e: &dyn std::fmt::Display| invalid(format!("row group {g}: {e}"));
        ParquetRecordBatchReaderBuilder::new_with_metadata(reader.clone(), plan.meta.clone())
            .with_row_groups(vec![g])
            .with_projection(plan.mask.clone())
            .with_batch_size(rows.max(1))
            .build()
            .map_err(|e| failed(&e))?
            .map(|b| b.map_err(|e| failed(&e)))
            .collect()
    };
    #[cfg(feature = "parallel")]
    let per_group: Vec<Result<Vec<RecordBatch>>> = {
        use rayon::prelude::*;
        (0..groups).into_par_iter().map(one).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let per_group: Vec<Result<Vec<RecordBatch>>> = (0..groups).map(one).collect();
    let mut batches = Vec::new();
    for g in per_group {
        batches.extend(g?);
    }
    Ok(batches)
}

fn events<R: ChunkReader + Clone + 'static>(
    reader: R,
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    let names = ArrowNames::default();
    let plan = plan(&reader, |schema| {
        // A file declares its types: they are checked even when it has no row.
        let m = map_columns(schema, &names, opts, 1)?;
        Ok((m.columns(), m.text_columns()))
    })?;
    // The same columns, numbered in the projected schema.
    let m: ArrowMapping = map_columns(&plan.schema, &names, opts, plan.rows())?;
    let batches = decode(&reader, &plan)?;
    let prepared = prepare_batches(&batches, &m, &plan.schema).map_err(|e| plan.locate_error(e))?;
    let cells: Vec<Cells> = prepared
        .iter()
        .map(|p| cells(p, &m))
        .collect::<Result<_>>()?;
    let chunks: Vec<ColumnChunk> = cells.iter().map(Cells::chunk).collect();
    let props = m.property_names();
    let props: Vec<&str> = props.iter().map(String::as_str).collect();
    EventLog::from_chunks_located(&chunks, &props, opts, control, &|e| plan.locate_error(e))
}

/// Reads an event log from a Parquet file's bytes (read whole into memory first; see
/// [`read_events_parquet_path`] to read a file in place). The columns are those of CSV (after
/// [`LoadOptions::rename`]); their Parquet types are read as Arrow types are by
/// [`super::map_columns`].
///
/// ```no_run
/// use journey_core::ingest::read_events_parquet;
/// use journey_core::LoadOptions;
/// let log = read_events_parquet(std::fs::File::open("events.parquet")?, &LoadOptions::default())?;
/// # Ok::<(), journey_core::Error>(())
/// ```
pub fn read_events_parquet(reader: impl Read, opts: &LoadOptions) -> Result<EventLog> {
    events(Bytes::from(read_all(reader)?), opts, None)
}

/// Reads an event log from a Parquet file, its row groups on all cores.
pub fn read_events_parquet_path(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<EventLog> {
    read_events_parquet_path_with(path, opts, None)
}

/// [`read_events_parquet_path`], with a [`LoadControl`] that counts the rows loaded and can
/// cancel the load (from another thread).
pub fn read_events_parquet_path_with(
    path: impl AsRef<Path>,
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    events(path_reader(path.as_ref())?, opts, control)
}

fn surveys<R: ChunkReader + Clone + 'static>(reader: R, opts: &LoadOptions) -> Result<Surveys> {
    let plan = plan(&reader, |schema| {
        let names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| opts.canonical(f.name()).to_string())
            .collect();
        let schema = super::row::SurveySchema::new(names)?;
        Ok((schema.columns(), Vec::new()))
    })?;
    let names: Vec<String> = plan
        .schema
        .fields()
        .iter()
        .map(|f| opts.canonical(f.name()).to_string())
        .collect();
    let schema = super::row::SurveySchema::new(names)?;
    let batches = decode(&reader, &plan)?;
    let mut builder = SurveysBuilder::new();
    let mut sink = ErrorSink::new(opts);
    let mut row = 0u64;
    for batch in &batches {
        // Every cell as its CSV text, so that the CSV rules read it.
        let texts: Vec<Vec<Option<String>>> = batch
            .columns()
            .iter()
            .zip(plan.schema.fields())
            .map(|(a, f)| cell_texts(a.as_ref(), f.name()))
            .collect::<Result<_>>()?;
        // `i` picks the row in every column (`texts[c][i]`), not one element of `texts`.
        #[allow(clippy::needless_range_loop)]
        for i in 0..batch.num_rows() {
            row += 1;
            let parsed = schema
                .parse_row(row, |c| texts[c][i].as_deref().map(str::as_bytes))
                .map_err(|e| as_cell(e, &plan))
                .and_then(|r| builder.push(r));
            if let Err(e) = parsed {
                sink.push(e)?;
            }
        }
    }
    Ok(builder.build_with_report(sink.report(row)))
}

/// A CSV-line error of the survey rules, as the error of a row of the file.
fn as_cell(e: Error, plan: &Plan) -> Error {
    match e {
        Error::InvalidValue {
            line,
            column,
            value,
            expected,
        } => plan.locate_error(Error::InvalidCell {
            row: line,
            column,
            value,
            expected,
        }),
        e => e,
    }
}

/// A column's cells as the text a CSV file would hold: text as is, numbers in decimal,
/// datetimes and dates in RFC 3339 (UTC), null as blank.
fn cell_texts(a: &dyn arrow_array::Array, name: &str) -> Result<Vec<Option<String>>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType,
        TimestampNanosecondType, TimestampSecondType,
    };
    use arrow_schema::TimeUnit as U;
    let rfc3339 = |us: Option<i64>| -> Option<String> {
        us.map(|us| match jiff::Timestamp::from_microsecond(us) {
            Ok(t) => t.to_string(),
            // Out of range: quoted as the number, which the timestamp rules reject.
            Err(_) => us.to_string(),
        })
    };
    fn times<T: arrow_array::ArrowPrimitiveType<Native = i64>>(
        a: &dyn arrow_array::Array,
        to_us: impl Fn(i64) -> Option<i64>,
    ) -> Vec<Option<i64>> {
        a.as_primitive::<T>()
            .iter()
            .map(|v| v.map(|v| to_us(v).unwrap_or(i64::MAX)))
            .collect()
    }
    let us: Option<Vec<Option<i64>>> = match a.data_type() {
        DataType::Timestamp(U::Second, _) => Some(times::<TimestampSecondType>(a, |v| {
            v.checked_mul(1_000_000)
        })),
        DataType::Timestamp(U::Millisecond, _) => Some(times::<TimestampMillisecondType>(a, |v| {
            v.checked_mul(1000)
        })),
        DataType::Timestamp(U::Microsecond, _) => Some(times::<TimestampMicrosecondType>(a, Some)),
        DataType::Timestamp(U::Nanosecond, _) => Some(times::<TimestampNanosecondType>(a, |v| {
            Some(v.div_euclid(1000))
        })),
        DataType::Date64 => Some(times::<Date64Type>(a, |v| v.checked_mul(1000))),
        DataType::Date32 => Some(
            a.as_primitive::<Date32Type>()
                .iter()
                .map(|d| d.map(|d| i64::from(d) * 86_400_000_000))
                .collect(),
        ),
        _ => None,
    };
    if let Some(us) = us {
        return Ok(us.into_iter().map(rfc3339).collect());
    }
    if let DataType::Float16 | DataType::Float32 | DataType::Float64 = a.data_type() {
        // Whole numbers as integers (a score column with blanks is often stored as floats).
        let f = arrow_cast::cast(a, &DataType::Float64).map_err(invalid)?;
        return Ok(f
            .as_primitive::<arrow_array::types::Float64Type>()
            .iter()
            .map(|v| {
                v.filter(|v| !v.is_nan()).map(|v| {
                    if v.fract() == 0.0 && v.abs() < 1e15 {
                        format!("{}", v as i64)
                    } else {
                        v.to_string()
                    }
                })
            })
            .collect());
    }
    let s = arrow_cast::cast(a, &DataType::Utf8).map_err(|e| Error::ColumnType {
        column: name.to_string(),
        part: "survey".into(),
        found: a.data_type().to_string(),
        expected: format!("text, numbers or datetimes ({e})"),
    })?;
    Ok(s.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// Reads survey responses from a Parquet file's bytes: `customer_id`, `timestamp`, optional
/// `touchpoint`, and at least one of `nps`, `csat`, `ces`, each cell read by the CSV rules
/// (scores may be integers, whole floats or text; timestamps datetimes, dates, integer Unix
/// seconds or RFC 3339 text).
pub fn read_surveys_parquet(reader: impl Read, opts: &LoadOptions) -> Result<Surveys> {
    surveys(Bytes::from(read_all(reader)?), opts)
}

/// Reads survey responses from a Parquet file (see [`read_surveys_parquet`]).
pub fn read_surveys_parquet_path(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Surveys> {
    surveys(path_reader(path.as_ref())?, opts)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
        TimestampMicrosecondArray,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;
    use crate::ingest::{read_events_csv, read_events_path, read_surveys_csv, Mode};

    /// The batch as a Parquet file of row groups of `group` rows.
    fn parquet(batch: &RecordBatch, group: usize) -> Vec<u8> {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(group))
            .build();
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
        out
    }

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    const CSV: &str = "customer_id,timestamp,touchpoint,channel,value,plan\n\
        b,2026-01-02T00:00:00Z,purchase,web,20,pro\n\
        a,2026-01-01T00:00:00Z,ad,social,,\n\
        a,2026-01-01T00:05:00Z,site,web,,basic\n\
        c,2026-01-03T00:00:00Z,ad,social,,\n\
        a,2026-01-01T00:09:00Z,purchase,web,12.5,basic\n\
        c,2026-01-03T01:00:00Z,purchase, web ,7,\n\
        b,2026-01-01T23:00:00Z,ad,search,,pro\n";

    fn events_batch(value: ArrayRef) -> RecordBatch {
        let day = 1_767_225_600_000_000i64; // 2026-01-01T00:00:00Z
        let (h, m) = (3_600_000_000i64, 60_000_000i64);
        batch(vec![
            (
                "customer_id",
                Arc::new(StringArray::from(vec!["b", "a", "a", "c", "a", "c", "b"])),
            ),
            (
                "timestamp",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![
                        day + 24 * h,
                        day,
                        day + 5 * m,
                        day + 48 * h,
                        day + 9 * m,
                        day + 49 * h,
                        day + 23 * h,
                    ])
                    .with_timezone("UTC"),
                ),
            ),
            (
                "touchpoint",
                Arc::new(StringArray::from(vec![
                    "purchase", "ad", "site", "ad", "purchase", "purchase", "ad",
                ])),
            ),
            (
                "channel",
                Arc::new(StringArray::from(vec![
                    "web", "social", "web", "social", "web", " web ", "search",
                ])),
            ),
            ("value", value),
            (
                "plan",
                Arc::new(StringArray::from(vec![
                    Some("pro"),
                    None,
                    Some("basic"),
                    None,
                    Some("basic"),
                    None,
                    Some("pro"),
                ])),
            ),
        ])
    }

    fn numbers() -> ArrayRef {
        Arc::new(Float64Array::from(vec![
            Some(20.0),
            None,
            None,
            None,
            Some(12.5),
            Some(7.0),
            None,
        ]))
    }

    fn rows(log: &EventLog) -> Vec<String> {
        log.rows().map(|r| format!("{r:?}")).collect()
    }

    /// The same rows from CSV and from Parquet (in row groups of 2, 3 and all rows; values as
    /// numbers or as text) give the same log.
    #[test]
    fn same_log_as_csv() {
        let opts = LoadOptions::default();
        let from_csv = read_events_csv(CSV.as_bytes(), &opts).unwrap();
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("20"),
            Some(""),
            None,
            Some(" "),
            Some("12.50"),
            Some("7"),
            Some(""),
        ]));
        for value in [numbers(), text] {
            for group in [2, 3, 100] {
                let bytes = parquet(&events_batch(value.clone()), group);
                let log = read_events_parquet(&bytes[..], &opts).unwrap();
                assert_eq!(rows(&log), rows(&from_csv), "row groups of {group}");
                assert_eq!(
                    log.customer_property("plan").unwrap(),
                    from_csv.customer_property("plan").unwrap()
                );
                assert_eq!(log.summary().revenue, 39.5);
                assert_eq!(log.channels(), &["search", "social", "web"]);
            }
        }
    }

    /// A `sequence` column orders ties across row groups as the CSV reader's does.
    #[test]
    fn sequence_orders_ties() {
        let b = batch(vec![
            (
                "customer_id",
                Arc::new(StringArray::from(vec!["a"; 3])) as ArrayRef,
            ),
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![7; 3])) as ArrayRef,
            ),
            (
                "touchpoint",
                Arc::new(StringArray::from(vec!["x", "y", "z"])) as ArrayRef,
            ),
            (
                "sequence",
                Arc::new(Int64Array::from(vec![Some(3), None, Some(1)])) as ArrayRef,
            ),
        ]);
        let csv = "customer_id,timestamp,touchpoint,sequence\na,7,x,3\na,7,y,\na,7,z,1\n";
        let from_csv = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let log = read_events_parquet(&parquet(&b, 2)[..], &LoadOptions::default()).unwrap();
        assert_eq!(rows(&log), rows(&from_csv));
        assert_eq!(crate::ingest::touchpoints_of(&log, "a"), ["z", "x", "y"]);
    }

    /// A bad cell in row group 2 (rows of 3: rows 7 to 9) names the row in the file and in the
    /// group, the column and the value; lenient mode skips it and reports the same.
    #[test]
    fn bad_values_name_row_group_row_column_and_value() {
        let text: ArrayRef = Arc::new(StringArray::from(vec!["20", "", "", "", "12.5", "", "abc"]));
        let bytes = parquet(&events_batch(text), 3);
        let e = read_events_parquet(&bytes[..], &LoadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"abc\" at row 7 (row group 2, row 1 in it), column value: a decimal \
             number (or blank for none)"
        );
        assert_eq!(
            (e.code(), e.row(), e.row_group(), e.column(), e.value()),
            (
                "invalid_value",
                Some(7),
                Some(2),
                Some("value"),
                Some("abc")
            )
        );
        let lenient = LoadOptions {
            mode: Mode::Lenient,
            ..LoadOptions::default()
        };
        let log = read_events_parquet(&bytes[..], &lenient).unwrap();
        let r = log.load_report();
        assert_eq!((r.rows_read, r.rows_kept, r.rows_skipped), (7, 6, 1));
        assert_eq!(r.errors, vec![e.to_string()]);

        // A required cell: an empty customer id in row group 1.
        let mut b = events_batch(numbers());
        let ids: ArrayRef = Arc::new(StringArray::from(vec!["b", "a", "a", "c", " ", "c", "b"]));
        b = RecordBatch::try_new(b.schema(), {
            let mut cols = b.columns().to_vec();
            cols[0] = ids;
            cols
        })
        .unwrap();
        let e = read_events_parquet(&parquet(&b, 3)[..], &LoadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid customer_id \"\" at row 5 (row group 1, row 2 in it), column customer_id: \
             a non-empty customer id"
        );
    }

    #[test]
    fn files_that_are_not_parquet_or_are_cut() {
        let opts = LoadOptions::default();
        let e = read_events_parquet(CSV.as_bytes(), &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_file");
        assert!(e.to_string().starts_with("invalid parquet file: "), "{e}");
        let e = read_events_parquet(&b""[..], &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_file");

        let bytes = parquet(&events_batch(numbers()), 3);
        for cut in [8, bytes.len() / 2, bytes.len() - 1] {
            let e = read_events_parquet(&bytes[..cut], &opts).unwrap_err();
            assert_eq!(e.code(), "invalid_file", "cut at {cut}: {e}");
        }
        // Intact footer, data pages cut off: the row group that cannot be read is named.
        let mut holed = bytes.clone();
        holed[4..bytes.len() / 3].fill(0xff);
        let e = read_events_parquet(&holed[..], &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_file");
        assert!(e.to_string().contains("row group 0"), "{e}");
    }

    #[test]
    fn wrong_column_types_and_missing_columns() {
        let opts = LoadOptions::default();
        let mut b = events_batch(numbers());
        let wrong: ArrayRef = Arc::new(ListArray::from_iter_primitive::<
            arrow_array::types::Int64Type,
            _,
            _,
        >((0..7).map(|i| Some(vec![Some(i)]))));
        let mut cols = b.columns().to_vec();
        cols[2] = wrong.clone();
        let mut fields: Vec<Field> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[2] = Field::new("touchpoint", wrong.data_type().clone(), true);
        b = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
        let e = read_events_parquet(&parquet(&b, 3)[..], &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert_eq!(e.column(), Some("touchpoint"));
        assert!(e.to_string().contains("(touchpoint) has type List"), "{e}");

        let b = batch(vec![
            (
                "customer_id",
                Arc::new(StringArray::from(vec!["a"])) as ArrayRef,
            ),
            ("touchpoint", Arc::new(StringArray::from(vec!["ad"]))),
        ]);
        let e = read_events_parquet(&parquet(&b, 3)[..], &opts).unwrap_err();
        assert_eq!(e.code(), "missing_column");
        assert_eq!(e.column(), Some("timestamp"));
    }

    /// Only the needed columns are read: a column that cannot be a property is not even
    /// looked at when extra columns are ignored.
    #[test]
    fn projection_skips_columns_not_needed() {
        let b = events_batch(numbers());
        let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<
            arrow_array::types::Int64Type,
            _,
            _,
        >((0..7).map(|i| Some(vec![Some(i)]))));
        let schema = b.schema();
        let mut cols: Vec<(&str, ArrayRef)> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .zip(b.columns().iter().cloned())
            .collect();
        cols.push(("items", list));
        let b = batch(cols);
        let bytes = parquet(&b, 3);
        let e = read_events_parquet(&bytes[..], &LoadOptions::default()).unwrap_err();
        assert_eq!(e.column(), Some("items"));
        let opts = LoadOptions {
            ignore_extra_columns: true,
            ..LoadOptions::default()
        };
        let log = read_events_parquet(&bytes[..], &opts).unwrap();
        assert_eq!(log.n_events(), 7);
        assert!(log.properties().is_empty());
    }

    #[test]
    fn paths_by_extension() {
        let dir = std::env::temp_dir().join(format!("journey-parquet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.parquet");
        std::fs::write(&path, parquet(&events_batch(numbers()), 2)).unwrap();
        let opts = LoadOptions::default();
        let log = read_events_path(&path, &opts).unwrap();
        let from_csv = read_events_csv(CSV.as_bytes(), &opts).unwrap();
        assert_eq!(rows(&log), rows(&from_csv));
        let not = dir.join("not.parquet");
        std::fs::write(&not, CSV).unwrap();
        assert_eq!(
            read_events_path(&not, &opts).unwrap_err().code(),
            "invalid_file"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    const SURVEYS: &str = "customer_id,timestamp,touchpoint,nps,csat\n\
        a,2026-01-01T00:00:00Z,support,9,\n\
        b,2026-01-02T00:00:00Z,,3,4\n\
        c,2026-01-03T00:00:00Z,support,,5\n\
        a,2026-01-04T00:00:00Z,checkout,10,2\n";

    fn surveys_batch(nps: ArrayRef) -> RecordBatch {
        let day = 1_767_225_600i64;
        batch(vec![
            (
                "customer_id",
                Arc::new(StringArray::from(vec!["a", "b", "c", "a"])) as ArrayRef,
            ),
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![
                    day,
                    day + 86_400,
                    day + 2 * 86_400,
                    day + 3 * 86_400,
                ])),
            ),
            (
                "touchpoint",
                Arc::new(StringArray::from(vec![
                    Some("support"),
                    None,
                    Some("support"),
                    Some("checkout"),
                ])),
            ),
            ("nps", nps),
            (
                "csat",
                Arc::new(Float64Array::from(vec![
                    None,
                    Some(4.0),
                    Some(5.0),
                    Some(2.0),
                ])),
            ),
        ])
    }

    #[test]
    fn surveys_as_csv_and_bad_scores() {
        let opts = LoadOptions::default();
        let from_csv = read_surveys_csv(SURVEYS.as_bytes(), &opts).unwrap();
        let nps: ArrayRef = Arc::new(Int64Array::from(vec![Some(9), Some(3), None, Some(10)]));
        let s = read_surveys_parquet(&parquet(&surveys_batch(nps), 3)[..], &opts).unwrap();
        assert_eq!(format!("{s:?}"), format!("{from_csv:?}"));
        assert_eq!(s.len(), 4);

        let nps: ArrayRef = Arc::new(Int64Array::from(vec![Some(9), Some(3), None, Some(11)]));
        let e = read_surveys_parquet(&parquet(&surveys_batch(nps), 3)[..], &opts).unwrap_err();
        assert_eq!(
            (e.row(), e.row_group(), e.column(), e.value()),
            (Some(4), Some(1), Some("nps"), Some("11"))
        );
        assert!(
            e.to_string()
                .contains("at row 4 (row group 1, row 1 in it), column nps"),
            "{e}"
        );
        let e = read_surveys_parquet(CSV.as_bytes(), &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_file");
    }
}
