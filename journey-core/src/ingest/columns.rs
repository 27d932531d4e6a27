//! Columnar input: for callers that already hold the data in columns (Arrow arrays, dataframes,
//! JavaScript typed arrays). No text round trip; the same validation and the same log as the
//! CSV reader. Errors name the row (1-based) instead of a line.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::row::{parse_value, LocalInterner, PieceBuilder};
use super::{threads, ErrorSink, LoadOptions, Mode};
use crate::error::{Error, Result};
use crate::model::{EventLog, EventLogBuilder, NO_ID};
use crate::time::{in_range, parse_timestamp, US_PER_SEC};

/// A column of optional strings, borrowed from the caller where possible.
#[derive(Debug, Clone)]
pub enum StrColumn<'a> {
    /// One value per row (`None` = null).
    Plain(Vec<Option<&'a str>>),
    /// Dictionary encoded (Arrow dictionary arrays, pandas/polars categoricals): `codes[i]`
    /// indexes `values` (`None` = null).
    Dictionary {
        /// The distinct values.
        values: Vec<&'a str>,
        /// Per row, an index into `values`.
        codes: Vec<Option<u32>>,
    },
}

impl<'a> StrColumn<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            StrColumn::Plain(v) => v.len(),
            StrColumn::Dictionary { codes, .. } => codes.len(),
        }
    }
    /// Whether the column has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The timestamp column.
#[derive(Debug, Clone)]
pub enum TimeColumn<'a> {
    /// Microseconds since the Unix epoch, UTC (`None` = null).
    Micros(Vec<Option<i64>>),
    /// Text in the CSV formats (RFC 3339 or integer Unix seconds).
    Text(StrColumn<'a>),
}

/// An event table in columns. Every column has one entry per row.
#[derive(Debug, Clone)]
pub struct EventColumns<'a> {
    /// Customer ids.
    pub customer_id: StrColumn<'a>,
    /// Timestamps.
    pub timestamp: TimeColumn<'a>,
    /// Touchpoints.
    pub touchpoint: StrColumn<'a>,
    /// Channels (optional column).
    pub channel: Option<StrColumn<'a>>,
    /// Stages (optional column).
    pub stage: Option<StrColumn<'a>>,
    /// Conversion values (optional column; null, NaN or blank text = no value).
    pub value: Option<ValueColumn<'a>>,
    /// The `sequence` column (optional): breaks ties in time before the tie rule of
    /// [`LoadOptions::ties`]; `None` = no sequence for that row (sorted last).
    pub sequence: Option<Vec<Option<i64>>>,
    /// Other columns, kept as properties: `(name, column)`.
    pub properties: Vec<(String, StrColumn<'a>)>,
}

/// The value column.
#[derive(Debug, Clone)]
pub enum ValueColumn<'a> {
    /// Numbers (`None` or NaN = no value).
    Numbers(Vec<Option<f64>>),
    /// Text in the CSV format (a decimal number; blank or null = no value).
    Text(StrColumn<'a>),
}

// ---------------------------------------------------------------------------------------------
// Columns read in place.

/// One cell of a text column read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextCell<'a> {
    /// No value.
    Null,
    /// The text.
    Text(&'a str),
    /// An index into [`TextCells::dictionary`] (dictionary-encoded columns).
    Code(u32),
}

/// A text column held by the caller (an Arrow string or dictionary array, a dataframe column),
/// read in place without copying. Dictionary-encoded columns answer [`TextCell::Code`] and the
/// loader looks each distinct value up once, not once per row.
pub trait TextCells: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Whether there is no row.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`'s cell (`i < len()`).
    fn cell(&self, i: usize) -> TextCell<'_>;
    /// The values that [`TextCell::Code`] indexes (empty for columns without a dictionary).
    fn dictionary(&self) -> &[&str] {
        &[]
    }
    /// Cheap identities of the texts of rows `range`, if the column has them: written to
    /// `out` (cleared first; one per row), and `true`; `false` (the default) for columns
    /// without keys. Two rows with the same key hold the same text (rows with different keys
    /// may hold the same text too); a null row's key, and that of the empty text, is 0; a row
    /// without a key has [`NO_KEY`]. The
    /// loader then skips hashing the text of rows whose key it has seen. An Arrow string view
    /// (its 16 bytes: length and inline text, or length, prefix and place in a buffer) is
    /// such a key for texts of up to 12 bytes (held in the view). In a column with a [`TextCells::dictionary`], a row's key must be its code
    /// plus one (0 for null).
    fn keys(&self, range: Range<usize>, out: &mut Vec<u128>) -> bool {
        let _ = (range, out);
        false
    }
}

/// An integer column held by the caller, read in place.
pub trait IntCells: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Whether there is no row.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`'s value (`None` = null).
    fn get(&self, i: usize) -> Option<i64>;
}

/// A number column held by the caller, read in place.
pub trait FloatCells: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// Whether there is no row.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`'s value (`None` = null).
    fn get(&self, i: usize) -> Option<f64>;
}

impl TextCells for StrColumn<'_> {
    fn len(&self) -> usize {
        StrColumn::len(self)
    }
    fn cell(&self, i: usize) -> TextCell<'_> {
        match self {
            StrColumn::Plain(v) => v[i].map_or(TextCell::Null, TextCell::Text),
            StrColumn::Dictionary { codes, .. } => codes[i].map_or(TextCell::Null, TextCell::Code),
        }
    }
    fn dictionary(&self) -> &[&str] {
        match self {
            StrColumn::Plain(_) => &[],
            StrColumn::Dictionary { values, .. } => values,
        }
    }
    fn keys(&self, range: Range<usize>, out: &mut Vec<u128>) -> bool {
        match self {
            StrColumn::Plain(_) => false,
            StrColumn::Dictionary { codes, .. } => {
                out.clear();
                out.extend(codes[range].iter().map(|c| c.map_or(0, |c| c as u128 + 1)));
                true
            }
        }
    }
}

impl IntCells for Vec<Option<i64>> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Option<i64> {
        self[i]
    }
}

impl FloatCells for Vec<Option<f64>> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Option<f64> {
        self[i]
    }
}

/// What an integer timestamp counts since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Days (Arrow `date32`).
    Days,
    /// Seconds (also what integer timestamps mean in CSV and JSON).
    Seconds,
    /// Milliseconds.
    Millis,
    /// Microseconds (the log's own unit).
    Micros,
    /// Nanoseconds; truncated to the microsecond below.
    Nanos,
}

impl TimeUnit {
    fn to_us(self, v: i64) -> Option<i64> {
        match self {
            TimeUnit::Days => v.checked_mul(86_400 * US_PER_SEC),
            TimeUnit::Seconds => v.checked_mul(US_PER_SEC),
            TimeUnit::Millis => v.checked_mul(1000),
            TimeUnit::Micros => Some(v),
            TimeUnit::Nanos => Some(v.div_euclid(1000)),
        }
    }
}

/// The timestamp column of a [`ColumnChunk`].
#[derive(Clone, Copy)]
pub enum TimeCells<'a> {
    /// Integers counting `unit`s since the Unix epoch, UTC.
    Ints(&'a dyn IntCells, TimeUnit),
    /// Text in the CSV formats (RFC 3339 with an offset, or integer Unix seconds).
    Text(&'a dyn TextCells),
}

impl TimeCells<'_> {
    fn len(&self) -> usize {
        match self {
            TimeCells::Ints(c, _) => c.len(),
            TimeCells::Text(c) => c.len(),
        }
    }
}

impl std::fmt::Debug for TimeCells<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeCells::Ints(c, unit) => write!(f, "Ints({} rows, {unit:?})", c.len()),
            TimeCells::Text(c) => write!(f, "Text({} rows)", c.len()),
        }
    }
}

/// The value column of a [`ColumnChunk`].
#[derive(Clone, Copy)]
pub enum ValueCells<'a> {
    /// Numbers (null or NaN = no value).
    Numbers(&'a dyn FloatCells),
    /// Text in the CSV format: a decimal number, trimmed of ASCII whitespace; blank or null =
    /// no value.
    Text(&'a dyn TextCells),
}

impl ValueCells<'_> {
    fn len(&self) -> usize {
        match self {
            ValueCells::Numbers(c) => c.len(),
            ValueCells::Text(c) => c.len(),
        }
    }
}

impl std::fmt::Debug for ValueCells<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueCells::Numbers(c) => write!(f, "Numbers({} rows)", c.len()),
            ValueCells::Text(c) => write!(f, "Text({} rows)", c.len()),
        }
    }
}

/// One chunk of an event table whose columns are read in place (an Arrow record batch, a
/// dataframe chunk). Every column has the same number of rows.
#[derive(Clone)]
pub struct ColumnChunk<'a> {
    /// Customer ids.
    pub customer_id: &'a dyn TextCells,
    /// Timestamps.
    pub timestamp: TimeCells<'a>,
    /// Touchpoints.
    pub touchpoint: &'a dyn TextCells,
    /// Channels (optional column).
    pub channel: Option<&'a dyn TextCells>,
    /// Stages (optional column).
    pub stage: Option<&'a dyn TextCells>,
    /// Conversion values (optional column; null, NaN or blank text = no value).
    pub value: Option<ValueCells<'a>>,
    /// The `sequence` column (optional; null = none): breaks ties in time.
    pub sequence: Option<&'a dyn IntCells>,
    /// The property columns, in the order of the names given to [`EventLog::from_chunks`].
    pub properties: Vec<&'a dyn TextCells>,
}

impl std::fmt::Debug for ColumnChunk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColumnChunk")
            .field("rows", &self.customer_id.len())
            .field("timestamp", &self.timestamp)
            .field("channel", &self.channel.is_some())
            .field("stage", &self.stage.is_some())
            .field("value", &self.value.is_some())
            .field("sequence", &self.sequence.is_some())
            .field("properties", &self.properties.len())
            .finish()
    }
}

impl ColumnChunk<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }
    /// Whether the chunk has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Watches and stops a load from another thread: rows done so far, and a flag that makes the
/// load stop early with an [`std::io::ErrorKind::Interrupted`] error.
#[derive(Debug, Default)]
pub struct LoadControl {
    rows_done: AtomicU64,
    bytes_done: AtomicU64,
    cancelled: AtomicBool,
}

impl LoadControl {
    /// A fresh control.
    pub fn new() -> Self {
        Self::default()
    }
    /// Asks the load to stop at its next checkpoint (every few ten thousand rows).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
    /// Whether [`LoadControl::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
    /// Rows read so far.
    pub fn rows_done(&self) -> u64 {
        self.rows_done.load(Ordering::Relaxed)
    }
    /// Bytes of input read so far, by the loaders of text in memory (a CSV file read through
    /// [`crate::read_events_path`], say).
    pub fn bytes_done(&self) -> u64 {
        self.bytes_done.load(Ordering::Relaxed)
    }
    pub(crate) fn add_bytes(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
    }
}

pub(crate) fn cancelled() -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::Interrupted,
        "the load was cancelled",
    ))
}

fn bad(row: u64, column: &str, value: &str, expected: impl std::fmt::Display) -> Error {
    Error::InvalidCell {
        row,
        column: column.to_string(),
        value: crate::error::cut(value),
        expected: expected.to_string(),
    }
}

impl EventLog {
    /// Builds a log from columns, with the same rules as the CSV reader: required cells
    /// non-empty, values finite, strict or lenient per `opts`, rows in any order.
    ///
    /// ```
    /// use journey_core::ingest::{EventColumns, StrColumn, TimeColumn, ValueColumn};
    /// use journey_core::{EventLog, LoadOptions};
    /// let cols = EventColumns {
    ///     customer_id: StrColumn::Plain(vec![Some("b"), Some("a")]),
    ///     timestamp: TimeColumn::Micros(vec![Some(2_000_000), Some(1_000_000)]),
    ///     touchpoint: StrColumn::Dictionary { values: vec!["ad", "purchase"], codes: vec![Some(1), Some(0)] },
    ///     channel: None,
    ///     stage: None,
    ///     value: Some(ValueColumn::Numbers(vec![Some(9.5), None])),
    ///     sequence: None,
    ///     properties: vec![],
    /// };
    /// let log = EventLog::from_columns(&cols, &LoadOptions::default()).unwrap();
    /// assert_eq!(log.n_events(), 2);
    /// assert_eq!(log.summary().revenue, 9.5);
    /// ```
    pub fn from_columns(cols: &EventColumns<'_>, opts: &LoadOptions) -> Result<EventLog> {
        let chunk = ColumnChunk {
            customer_id: &cols.customer_id,
            timestamp: match &cols.timestamp {
                TimeColumn::Micros(v) => TimeCells::Ints(v, TimeUnit::Micros),
                TimeColumn::Text(s) => TimeCells::Text(s),
            },
            touchpoint: &cols.touchpoint,
            channel: cols.channel.as_ref().map(|c| c as &dyn TextCells),
            stage: cols.stage.as_ref().map(|c| c as &dyn TextCells),
            value: cols.value.as_ref().map(|v| match v {
                ValueColumn::Numbers(v) => ValueCells::Numbers(v),
                ValueColumn::Text(s) => ValueCells::Text(s),
            }),
            sequence: cols.sequence.as_ref().map(|v| v as &dyn IntCells),
            properties: cols
                .properties
                .iter()
                .map(|(_, c)| c as &dyn TextCells)
                .collect(),
        };
        let names: Vec<&str> = cols.properties.iter().map(|(k, _)| k.as_str()).collect();
        EventLog::from_chunks(&[chunk], &names, opts, None)
    }

    /// Builds a log from column chunks read in place (zero copy): the chunks are the parts of
    /// one table, in order (rows are numbered across them, from 1). `properties` names the
    /// property columns of every chunk. Pieces of the chunks are read on all cores (feature
    /// `parallel`); `control`, if given, counts the rows done and can cancel the load.
    ///
    /// The rules are those of the CSV reader: required cells non-empty (text is trimmed),
    /// values finite, timestamps within years 0000 to 9999 (UTC), strict or lenient per `opts`, rows
    /// in any order, ties in time ordered by `sequence` and then by [`LoadOptions::ties`]. Errors
    /// name the row and the column.
    ///
    /// ```
    /// use journey_core::ingest::{ColumnChunk, StrColumn, TimeCells, TimeUnit};
    /// use journey_core::{EventLog, LoadOptions};
    /// let customers = StrColumn::Plain(vec![Some("b"), Some("a"), Some("a")]);
    /// let seconds = vec![Some(20), Some(10), Some(5)];
    /// let touchpoints = StrColumn::Dictionary { values: vec!["ad", "purchase"], codes: vec![Some(1), Some(0), Some(0)] };
    /// let chunk = ColumnChunk {
    ///     customer_id: &customers,
    ///     timestamp: TimeCells::Ints(&seconds, TimeUnit::Seconds),
    ///     touchpoint: &touchpoints,
    ///     channel: None,
    ///     stage: None,
    ///     value: None,
    ///     sequence: None,
    ///     properties: vec![],
    /// };
    /// let log = EventLog::from_chunks(&[chunk], &[], &LoadOptions::default(), None).unwrap();
    /// assert_eq!((log.n_events(), log.n_customers()), (3, 2));
    /// assert_eq!(log.journey_of("a").unwrap().timestamps(), &[5_000_000, 10_000_000]);
    /// ```
    pub fn from_chunks(
        chunks: &[ColumnChunk<'_>],
        properties: &[&str],
        opts: &LoadOptions,
        control: Option<&LoadControl>,
    ) -> Result<EventLog> {
        Self::from_chunks_located(chunks, properties, opts, control, &|e| e)
    }

    /// [`EventLog::from_chunks`], with every row error passed through `locate` (which tells
    /// where the row is in a file) before it stops the load or goes in the report.
    pub(crate) fn from_chunks_located(
        chunks: &[ColumnChunk<'_>],
        properties: &[&str],
        opts: &LoadOptions,
        control: Option<&LoadControl>,
        locate: &(dyn Fn(Error) -> Error + Sync),
    ) -> Result<EventLog> {
        for chunk in chunks {
            check_lengths(chunk, properties)?;
        }
        if !opts.ignore_extra_columns {
            for (i, name) in properties.iter().enumerate() {
                crate::model::check_property_name(name)?;
                if properties[..i].contains(name) {
                    return Err(Error::argument(
                        "properties",
                        format!("{name:?} appears twice"),
                    ));
                }
            }
        }
        let props: &[&str] = if opts.ignore_extra_columns {
            &[]
        } else {
            properties
        };
        let total: usize = chunks.iter().map(ColumnChunk::len).sum();
        // Pieces of at most PIECE rows, at least a few per thread so that they balance.
        let piece = (total / (4 * threads())).clamp(MIN_PIECE, PIECE);
        let mut jobs = Vec::new();
        let mut row0 = 0u64;
        for (c, chunk) in chunks.iter().enumerate() {
            let n = chunk.len();
            let mut start = 0;
            while start < n {
                let end = (start + piece).min(n);
                jobs.push((c, start..end, row0 + start as u64));
                start = end;
            }
            row0 += n as u64;
        }
        let first_error = AtomicU64::new(u64::MAX);
        let run = |(c, range, row0): &(usize, Range<usize>, u64)| {
            load_piece(
                &chunks[*c],
                range.clone(),
                *row0,
                props,
                opts,
                control,
                &first_error,
            )
        };
        let mut merger = Merger {
            builder: EventLogBuilder::new()
                .with_properties(props)
                .with_ties(opts.ties),
            sink: ErrorSink::new(opts),
            locate,
        };
        merger.builder.reserve(total);
        // The pieces are loaded a group at a time on all cores; while one group loads, the
        // previous one is merged into the log (in row order, as the CSV reader does).
        let group = PIECES_PER_THREAD * threads();
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            let mut loaded: Vec<Piece> = Vec::new();
            for jobs in jobs.chunks(group) {
                let to_merge = std::mem::take(&mut loaded);
                let (merged, next) = rayon::join(
                    || merger.merge(to_merge),
                    || jobs.par_iter().map(run).collect(),
                );
                merged?;
                loaded = next;
            }
            merger.merge(loaded)?;
        }
        #[cfg(not(feature = "parallel"))]
        for jobs in jobs.chunks(group) {
            merger.merge(jobs.iter().map(run).collect())?;
        }
        let report = merger.sink.report(total as u64);
        Ok(merger
            .builder
            .build_with_report(opts.catalog.as_ref(), &opts.conversion_refs(), report))
    }
}

/// Folds loaded pieces into the log in row order; errors go to the sink, which stops the load
/// on the first one in strict mode.
struct Merger<'a> {
    builder: EventLogBuilder,
    sink: ErrorSink,
    locate: &'a (dyn Fn(Error) -> Error + Sync),
}

impl Merger<'_> {
    fn merge(&mut self, pieces: Vec<Piece>) -> Result<()> {
        for p in pieces {
            if p.cancelled {
                return Err(cancelled());
            }
            let extra = p.skipped.saturating_sub(p.errors.len() as u64);
            for e in p.errors {
                self.sink.push((self.locate)(e))?;
            }
            self.sink.skipped += extra;
            self.builder.append_piece(p.builder);
        }
        Ok(())
    }
}

/// Rows per piece at most, and at least (unless the table is smaller). Unit tests use small
/// pieces, so that small tables span many pieces and groups.
const PIECE: usize = if cfg!(test) { 1 << 9 } else { 1 << 17 };
const MIN_PIECE: usize = if cfg!(test) { 1 << 6 } else { 1 << 14 };
/// Pieces loaded at once, per thread (while the previous group is merged).
const PIECES_PER_THREAD: usize = 4;
/// Rows between two looks at the control.
const CHECKPOINT: usize = 1 << 16;

fn check_lengths(chunk: &ColumnChunk<'_>, properties: &[&str]) -> Result<()> {
    let n = chunk.customer_id.len();
    let mut lens = vec![
        ("timestamp", chunk.timestamp.len()),
        ("touchpoint", chunk.touchpoint.len()),
    ];
    lens.extend(chunk.channel.map(|c| ("channel", c.len())));
    lens.extend(chunk.stage.map(|c| ("stage", c.len())));
    lens.extend(chunk.value.map(|c| ("value", c.len())));
    lens.extend(chunk.sequence.map(|c| ("sequence", c.len())));
    if chunk.properties.len() != properties.len() {
        return Err(Error::argument(
            "columns",
            format!(
                "{} property columns for {} property names",
                chunk.properties.len(),
                properties.len()
            ),
        ));
    }
    for (name, c) in properties.iter().zip(&chunk.properties) {
        lens.push((name, c.len()));
    }
    if let Some((name, len)) = lens.iter().find(|(_, len)| *len != n) {
        return Err(Error::argument(
            "columns",
            format!("column {name} has {len} rows but customer_id has {n}"),
        ));
    }
    Ok(())
}

/// The rows of one piece, in their own builder (owning their distinct strings, with hashes).
struct Piece {
    builder: PieceBuilder,
    errors: Vec<Error>,
    skipped: u64,
    cancelled: bool,
}

/// A text cell looked at but not interned yet (a bad cell later in the row must leave nothing
/// behind).
#[derive(Clone, Copy)]
enum Looked<'a> {
    /// Known already: its id in the piece, or [`EMPTY`].
    Id(u32),
    /// To intern (trimmed, non-empty), with what names it, remembered once interned.
    New(&'a str, Origin),
}

/// What a looked-at text came with.
#[derive(Clone, Copy)]
enum Origin {
    Plain,
    /// Its dictionary code.
    Code(u32),
    /// Its [`TextCells::key`].
    Key(u128),
}

/// Per piece and text column: dictionary code -> id in the piece's interner, and for columns
/// with [`TextCells::keys`], key -> id (for the last key, and up to [`MAX_KEYS`] others).
struct CodeCache {
    codes: Vec<u32>,
    keys: hashbrown::HashTable<(u128, u32)>,
    /// The last key seen and its id (id [`UNSET`] = none yet).
    last: (u128, u32),
    /// Whether the column has keys, and those of the current block of rows.
    keyed: bool,
    block: Vec<u128>,
    /// The length of the column's dictionary.
    dictionary: usize,
}

impl CodeCache {
    fn new(col: Option<&dyn TextCells>) -> Self {
        CodeCache {
            codes: Vec::new(),
            keys: hashbrown::HashTable::new(),
            last: (0, UNSET),
            keyed: false,
            block: Vec::new(),
            dictionary: col.map_or(0, |c| c.dictionary().len()),
        }
    }

    /// Fetches the keys of the rows of the next block.
    fn start_block(&mut self, col: Option<&dyn TextCells>, rows: Range<usize>) {
        if let Some(col) = col {
            self.keyed = col.keys(rows, &mut self.block);
        }
    }
}

/// The key of a row without a key (see [`TextCells::keys`]).
pub const NO_KEY: u128 = u128::MAX;

/// Keys remembered per piece and column at most: enough for every touchpoint, channel or
/// stage, while a column of ids (all distinct) stops growing its table early.
const MAX_KEYS: usize = 1 << 12;

/// Rows whose keys are fetched at once.
const BLOCK: usize = 1 << 10;

fn hash_key(k: u128) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(k)
}

const UNSET: u32 = u32::MAX;
/// The value is empty (after trimming).
const EMPTY: u32 = u32::MAX - 1;

impl CodeCache {
    /// Row `j` of the current block's id if its key was seen ([`EMPTY`] for an empty text),
    /// else [`UNSET`].
    #[inline(always)]
    fn quick(&mut self, j: usize) -> u32 {
        if !self.keyed {
            return UNSET;
        }
        let k = self.block[j];
        if k == 0 {
            return EMPTY;
        }
        if k == NO_KEY {
            return UNSET;
        }
        if self.dictionary > 0 {
            // Keys are codes plus one.
            return self.codes.get(k as usize - 1).copied().unwrap_or(UNSET);
        }
        if self.last.0 == k {
            // UNSET until a first key is remembered.
            return self.last.1;
        }
        match self.keys.find(hash_key(k), |e| e.0 == k) {
            Some(&(_, id)) => {
                self.last = (k, id);
                id
            }
            None => UNSET,
        }
    }

    /// Row `i`'s value (the `j`th of the current block), trimmed of ASCII whitespace as in
    /// CSV. Dictionary values are looked up once per piece, and so are keyed texts (mostly).
    #[inline(always)]
    fn look<'a>(
        &mut self,
        col: &'a dyn TextCells,
        i: usize,
        j: usize,
        row: u64,
        name: &str,
    ) -> Result<Looked<'a>> {
        let id = self.quick(j);
        if id != UNSET {
            return Ok(Looked::Id(id));
        }
        self.look_text(col, i, j, row, name)
    }

    /// [`CodeCache::look`] of a row whose key was not seen.
    #[inline(never)]
    fn look_text<'a>(
        &mut self,
        col: &'a dyn TextCells,
        i: usize,
        j: usize,
        row: u64,
        name: &str,
    ) -> Result<Looked<'a>> {
        let key = (self.keyed && self.dictionary == 0)
            .then(|| self.block[j])
            .filter(|&k| k != NO_KEY);
        match col.cell(i) {
            TextCell::Null => Ok(Looked::Id(EMPTY)),
            TextCell::Text(s) => Ok(text_look(s, key.map_or(Origin::Plain, Origin::Key))),
            TextCell::Code(code) => {
                if let Some(&id) = self.codes.get(code as usize) {
                    if id != UNSET {
                        return Ok(Looked::Id(id));
                    }
                }
                match col.dictionary().get(code as usize) {
                    Some(s) => Ok(text_look(s, Origin::Code(code))),
                    None => Err(bad(
                        row,
                        name,
                        &code.to_string(),
                        "a dictionary code within the dictionary",
                    )),
                }
            }
        }
    }

    /// The id of a looked-at value in `names`, interning it if new.
    #[inline]
    fn commit(&mut self, names: &mut LocalInterner, looked: Looked<'_>) -> u32 {
        match looked {
            Looked::Id(id) => id,
            Looked::New(s, origin) => {
                let id = names.intern(s);
                match origin {
                    Origin::Plain => {}
                    Origin::Code(c) => {
                        if self.codes.len() < self.dictionary {
                            self.codes.resize(self.dictionary, UNSET);
                        }
                        self.codes[c as usize] = id;
                    }
                    Origin::Key(k) => {
                        self.last = (k, id);
                        if self.keys.len() < MAX_KEYS {
                            self.keys
                                .insert_unique(hash_key(k), (k, id), |e| hash_key(e.0));
                        }
                    }
                }
                id
            }
        }
    }
}

#[inline]
fn text_look(s: &str, origin: Origin) -> Looked<'_> {
    let s = s.trim_ascii();
    if s.is_empty() {
        // A dictionary value that trims to nothing is empty for every row using it.
        Looked::Id(EMPTY)
    } else {
        Looked::New(s, origin)
    }
}

/// Not parsed yet (outside the timestamp range).
const UNSET_TS: i64 = i64::MIN;

fn load_piece(
    chunk: &ColumnChunk<'_>,
    range: Range<usize>,
    row0: u64,
    props: &[&str],
    opts: &LoadOptions,
    control: Option<&LoadControl>,
    first_error: &AtomicU64,
) -> Piece {
    let mut p = Piece {
        builder: PieceBuilder::new(props.len(), range.len()),
        errors: Vec::new(),
        skipped: 0,
        cancelled: false,
    };
    let chunk: &ColumnChunk<'_> = chunk;
    let mut caches = Caches::new(chunk);
    let max_errors = opts.max_reported_errors;
    let strict = opts.mode == Mode::Strict;
    let start = range.start;
    let mut b0 = start;
    while b0 < range.end {
        let b1 = (b0 + BLOCK).min(range.end);
        if (b0 - start) % CHECKPOINT == 0 && b0 > start {
            if let Some(c) = control {
                c.rows_done.fetch_add(CHECKPOINT as u64, Ordering::Relaxed);
                if c.is_cancelled() {
                    p.cancelled = true;
                    return p;
                }
            }
            // In strict mode an earlier piece already failed: these rows do not matter.
            if strict && first_error.load(Ordering::Relaxed) < row0 + (b0 - start) as u64 + 1 {
                return p;
            }
        }
        caches.start_block(chunk, b0..b1);
        for i in b0..b1 {
            let row = row0 + (i - start) as u64 + 1;
            if let Err(e) = push_row(&mut p.builder, &mut caches, chunk, i, i - b0, row, props) {
                if strict {
                    first_error.fetch_min(row, Ordering::Relaxed);
                    p.errors.push(e);
                    return p;
                }
                p.skipped += 1;
                if p.errors.len() < max_errors {
                    p.errors.push(e);
                }
            }
        }
        b0 = b1;
    }
    if let Some(c) = control {
        let done = range.len() % CHECKPOINT;
        let done = if done == 0 && !range.is_empty() {
            CHECKPOINT
        } else {
            done
        };
        c.rows_done.fetch_add(done as u64, Ordering::Relaxed);
    }
    p
}

struct Caches<'a> {
    customer: CodeCache,
    touchpoint: CodeCache,
    channel: CodeCache,
    stage: CodeCache,
    timestamp: Vec<i64>,
    props: Vec<CodeCache>,
    prop_looks: Vec<Looked<'a>>,
}

impl Caches<'_> {
    fn new(chunk: &ColumnChunk<'_>) -> Self {
        Caches {
            customer: CodeCache::new(Some(chunk.customer_id)),
            touchpoint: CodeCache::new(Some(chunk.touchpoint)),
            channel: CodeCache::new(chunk.channel),
            stage: CodeCache::new(chunk.stage),
            timestamp: Vec::new(),
            props: chunk
                .properties
                .iter()
                .map(|c| CodeCache::new(Some(*c)))
                .collect(),
            prop_looks: Vec::with_capacity(chunk.properties.len()),
        }
    }

    fn start_block(&mut self, chunk: &ColumnChunk<'_>, rows: Range<usize>) {
        self.customer
            .start_block(Some(chunk.customer_id), rows.clone());
        self.touchpoint
            .start_block(Some(chunk.touchpoint), rows.clone());
        self.channel.start_block(chunk.channel, rows.clone());
        self.stage.start_block(chunk.stage, rows.clone());
        for (cache, col) in self.props.iter_mut().zip(&chunk.properties) {
            cache.start_block(Some(*col), rows.clone());
        }
    }
}

#[inline(always)]
fn timestamp(col: TimeCells<'_>, cache: &mut Vec<i64>, i: usize, row: u64) -> Result<i64> {
    if let Some(us) = quick_timestamp(col, i) {
        return Ok(us);
    }
    timestamp_checked(col, cache, i, row)
}

#[inline(never)]
fn timestamp_checked(col: TimeCells<'_>, cache: &mut Vec<i64>, i: usize, row: u64) -> Result<i64> {
    let parse = |raw: &str| -> Result<i64> {
        let raw = raw.trim_ascii();
        parse_timestamp(raw.as_bytes()).map_err(|e| bad(row, "timestamp", raw, e))
    };
    match col {
        TimeCells::Ints(c, unit) => {
            let v = c
                .get(i)
                .ok_or_else(|| bad(row, "timestamp", "null", "a timestamp"))?;
            unit.to_us(v).filter(|us| in_range(*us)).ok_or_else(|| {
                bad(
                    row,
                    "timestamp",
                    &v.to_string(),
                    format!("a timestamp within years 0000 to 9999 in UTC ({unit:?} since 1970)"),
                )
            })
        }
        TimeCells::Text(c) => match c.cell(i) {
            TextCell::Null => Err(bad(row, "timestamp", "null", "a timestamp")),
            TextCell::Text(s) => parse(s),
            TextCell::Code(code) => {
                if let Some(&us) = cache.as_slice().get(code as usize) {
                    if us != UNSET_TS {
                        return Ok(us);
                    }
                }
                let dict = c.dictionary();
                let Some(s) = dict.get(code as usize) else {
                    return Err(bad(
                        row,
                        "timestamp",
                        &code.to_string(),
                        "a dictionary code within the dictionary",
                    ));
                };
                let us = parse(s)?;
                if cache.len() < dict.len() {
                    cache.resize(dict.len(), UNSET_TS);
                }
                cache[code as usize] = us;
                Ok(us)
            }
        },
    }
}

/// Row `i`'s timestamp if it is an integer in range (the common case), else `None`.
#[inline(always)]
fn quick_timestamp(col: TimeCells<'_>, i: usize) -> Option<i64> {
    match col {
        TimeCells::Ints(c, unit) => unit.to_us(c.get(i)?).filter(|us| in_range(*us)),
        TimeCells::Text(_) => None,
    }
}

/// Row `i` of a text value column, by the CSV rules.
#[inline(never)]
fn text_value(col: &dyn TextCells, i: usize, row: u64) -> Result<f64> {
    let s = match col.cell(i) {
        TextCell::Null => return Ok(f64::NAN),
        TextCell::Text(s) => s,
        TextCell::Code(code) => col.dictionary().get(code as usize).ok_or_else(|| {
            bad(
                row,
                "value",
                &code.to_string(),
                "a dictionary code within the dictionary",
            )
        })?,
    };
    let s = s.trim_ascii();
    parse_value(s.as_bytes()).map_err(|e| bad(row, "value", s, e))
}

/// Reads one row; a bad cell leaves nothing behind.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn push_row<'a>(
    b: &mut PieceBuilder,
    caches: &mut Caches<'a>,
    chunk: &ColumnChunk<'a>,
    i: usize,
    j: usize,
    row: u64,
    props: &[&str],
) -> Result<()> {
    // Every cell is checked before anything is interned, so a bad row leaves nothing behind.
    let lc = caches
        .customer
        .look(chunk.customer_id, i, j, row, "customer_id")?;
    if matches!(lc, Looked::Id(EMPTY)) {
        return Err(bad(row, "customer_id", "", "a non-empty customer id"));
    }
    let ts = timestamp(chunk.timestamp, &mut caches.timestamp, i, row)?;
    let lt = caches
        .touchpoint
        .look(chunk.touchpoint, i, j, row, "touchpoint")?;
    if matches!(lt, Looked::Id(EMPTY)) {
        return Err(bad(row, "touchpoint", "", "a non-empty touchpoint name"));
    }
    let lch = match chunk.channel {
        None => Looked::Id(EMPTY),
        Some(col) => caches.channel.look(col, i, j, row, "channel")?,
    };
    let lst = match chunk.stage {
        None => Looked::Id(EMPTY),
        Some(col) => caches.stage.look(col, i, j, row, "stage")?,
    };
    let value = match chunk.value {
        None => f64::NAN,
        Some(ValueCells::Numbers(c)) => match c.get(i) {
            None => f64::NAN,
            Some(v) if v.is_nan() => f64::NAN,
            Some(v) if crate::model::value_ok(v) => v,
            Some(v) => {
                return Err(bad(
                    row,
                    "value",
                    &v.to_string(),
                    "a finite number of magnitude at most 1e15",
                ))
            }
        },
        Some(ValueCells::Text(c)) => text_value(c, i, row)?,
    };
    caches.prop_looks.clear();
    for (k, (col, name)) in chunk.properties.iter().zip(props).enumerate() {
        let l = caches.props[k].look(*col, i, j, row, name)?;
        caches.prop_looks.push(l);
    }

    let optional = |id: u32| if id == EMPTY { NO_ID } else { id };
    let c = caches.customer.commit(&mut b.customers, lc);
    let t = caches.touchpoint.commit(&mut b.touchpoints, lt);
    let ch = optional(caches.channel.commit(&mut b.channels, lch));
    let st = optional(caches.stage.commit(&mut b.stages, lst));
    // Pushed here rather than through `RowSink::push_ids`, which pushes a placeholder for
    // each property first: this is the loader's hottest loop, and the figures in
    // docs/benchmarks.md were taken with it.
    b.cust.push(c);
    b.ts.push(ts);
    b.tp.push(t);
    b.ch.push(ch);
    b.st.push(st);
    b.value.push(value);
    for (k, l) in caches.prop_looks.iter().enumerate() {
        let id = optional(caches.props[k].commit(&mut b.prop_values[k], *l));
        b.props[k].push(id);
    }
    if let Some(q) = chunk.sequence.and_then(|c| c.get(i)) {
        super::row::RowSink::set_sequence(b, q);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, Mode};

    #[test]
    fn same_log_as_csv() {
        let csv = "customer_id,timestamp,touchpoint,channel,value,plan\n\
                   b,2026-01-02T00:00:00Z,purchase,web,20,pro\n\
                   a,2026-01-01T00:00:00Z,ad,social,,\n";
        let from_csv = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let cols = EventColumns {
            customer_id: StrColumn::Plain(vec![Some("b"), Some("a")]),
            timestamp: TimeColumn::Text(StrColumn::Plain(vec![
                Some("2026-01-02T00:00:00Z"),
                Some("2026-01-01T00:00:00Z"),
            ])),
            touchpoint: StrColumn::Plain(vec![Some("purchase"), Some("ad")]),
            channel: Some(StrColumn::Dictionary {
                values: vec!["social", "web"],
                codes: vec![Some(1), Some(0)],
            }),
            stage: None,
            value: Some(ValueColumn::Numbers(vec![Some(20.0), None])),
            sequence: None,
            properties: vec![("plan".into(), StrColumn::Plain(vec![Some("pro"), None]))],
        };
        let from_cols = EventLog::from_columns(&cols, &LoadOptions::default()).unwrap();
        assert_eq!(
            from_csv.rows().collect::<Vec<_>>(),
            from_cols.rows().collect::<Vec<_>>()
        );
    }

    /// A text value column is read by the CSV rules: blank or null is no value, numbers are
    /// trimmed, anything else is the CSV reader's error (naming the row).
    #[test]
    fn text_values_are_read_by_the_csv_rules() {
        let csv = "customer_id,timestamp,touchpoint,value\n\
                   a,1,ad,\n\
                   a,2,purchase, 12.50 \n\
                   b,3,purchase,-3e1\n";
        let from_csv = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let cols = |values: Vec<Option<&'static str>>| EventColumns {
            customer_id: StrColumn::Plain(vec![Some("a"), Some("a"), Some("b")]),
            timestamp: TimeColumn::Micros(vec![Some(1_000_000), Some(2_000_000), Some(3_000_000)]),
            touchpoint: StrColumn::Plain(vec![Some("ad"), Some("purchase"), Some("purchase")]),
            channel: None,
            stage: None,
            value: Some(ValueColumn::Text(StrColumn::Plain(values))),
            sequence: None,
            properties: vec![],
        };
        let log = EventLog::from_columns(
            &cols(vec![None, Some(" 12.50 "), Some("-3e1")]),
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(
            log.rows().collect::<Vec<_>>(),
            from_csv.rows().collect::<Vec<_>>()
        );
        assert_eq!(log.summary().revenue, -17.5);
        let e = EventLog::from_columns(
            &cols(vec![Some(""), Some("12,50"), Some("inf")]),
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"12,50\" at row 2, column value: a decimal number (or blank for none)"
        );
        let csv_err = read_events_csv(
            "customer_id,timestamp,touchpoint,value\na,1,ad,inf\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            csv_err.expected(),
            Some("a decimal number (or blank for none)")
        );
        // Dictionary-encoded text too.
        let mut c = cols(vec![None, None, None]);
        c.value = Some(ValueColumn::Text(StrColumn::Dictionary {
            values: vec!["", "12.5", "x"],
            codes: vec![Some(0), Some(1), Some(2)],
        }));
        let e = EventLog::from_columns(&c, &LoadOptions::default()).unwrap_err();
        assert_eq!((e.row(), e.value()), (Some(3), Some("x")));
    }

    #[test]
    fn property_names_must_write_back_as_properties() {
        for (names, why) in [
            (vec!["stage"], "is the name of an event column"),
            (vec!["plan", "plan"], "appears twice"),
            (vec![""], "must not be empty"),
        ] {
            let cols = EventColumns {
                customer_id: StrColumn::Plain(vec![Some("a")]),
                timestamp: TimeColumn::Micros(vec![Some(1)]),
                touchpoint: StrColumn::Plain(vec![Some("x")]),
                channel: None,
                stage: None,
                value: None,
                sequence: None,
                properties: names
                    .iter()
                    .map(|n| (n.to_string(), StrColumn::Plain(vec![Some("v")])))
                    .collect(),
            };
            let e = EventLog::from_columns(&cols, &LoadOptions::default()).unwrap_err();
            assert_eq!(e.code(), "invalid_argument");
            assert!(e.to_string().contains(why), "{e}");
        }
    }

    #[test]
    fn errors_name_the_row_and_lenient_skips() {
        let cols = EventColumns {
            customer_id: StrColumn::Plain(vec![Some("a"), None, Some("c")]),
            timestamp: TimeColumn::Micros(vec![Some(1), Some(2), None]),
            touchpoint: StrColumn::Plain(vec![Some("x"), Some("x"), Some("x")]),
            channel: None,
            stage: None,
            value: Some(ValueColumn::Numbers(vec![None, None, Some(f64::INFINITY)])),
            sequence: None,
            properties: vec![],
        };
        let e = EventLog::from_columns(&cols, &LoadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid customer_id \"\" at row 2, column customer_id: a non-empty customer id"
        );
        assert_eq!(e.code(), "invalid_value");
        let opts = LoadOptions {
            mode: Mode::Lenient,
            ..Default::default()
        };
        let log = EventLog::from_columns(&cols, &opts).unwrap();
        assert_eq!(log.n_events(), 1);
        assert_eq!(log.load_report().rows_skipped, 2);
        let mut short = cols.clone();
        short.touchpoint = StrColumn::Plain(vec![Some("x")]);
        let e = EventLog::from_columns(&short, &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("touchpoint has 1 rows"), "{e}");
    }

    fn rows(log: &EventLog) -> Vec<crate::RawEvent> {
        log.rows().collect()
    }

    /// `n` rows over `k` customers, touchpoints from a dictionary with an unused value.
    fn table(n: usize, k: usize) -> (Vec<String>, Vec<Option<i64>>, Vec<Option<u32>>) {
        let customers = (0..n).map(|i| format!("c{}", (i * 7) % k)).collect();
        let secs = (0..n).map(|i| Some(((i * 31) % 97) as i64)).collect();
        let codes = (0..n).map(|i| Some(((i * 13) % 3) as u32)).collect();
        (customers, secs, codes)
    }

    #[test]
    fn chunks_and_pieces_give_the_log_of_one_chunk() {
        let n = 50_000; // many pieces (of at most 512 rows in tests) in many groups
        let (customers, secs, codes) = table(n, 997);
        let dict = vec!["ad", "site", "purchase", "never_used"];
        let cust: Vec<Option<&str>> = customers.iter().map(|s| Some(s.as_str())).collect();
        let values: Vec<Option<f64>> = (0..n).map(|i| (i % 5 == 0).then_some(i as f64)).collect();
        let whole_c = StrColumn::Plain(cust.clone());
        let whole_t = StrColumn::Dictionary {
            values: dict.clone(),
            codes: codes.clone(),
        };
        let one = ColumnChunk {
            customer_id: &whole_c,
            timestamp: TimeCells::Ints(&secs, TimeUnit::Seconds),
            touchpoint: &whole_t,
            channel: None,
            stage: None,
            value: Some(ValueCells::Numbers(&values)),
            sequence: None,
            properties: vec![],
        };
        let a = EventLog::from_chunks(&[one], &[], &LoadOptions::default(), None).unwrap();
        assert_eq!(a.n_events(), n);
        assert_eq!(
            a.touchpoints(),
            &["ad", "purchase", "site"],
            "unused values left out"
        );

        // The same rows in three uneven chunks; times in milliseconds this time.
        let cuts = [0, 7, 30_001, n];
        let ms: Vec<Option<i64>> = secs.iter().map(|s| s.map(|s| s * 1000)).collect();
        let parts: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                (
                    StrColumn::Plain(cust[w[0]..w[1]].to_vec()),
                    ms[w[0]..w[1]].to_vec(),
                    StrColumn::Dictionary {
                        values: dict.clone(),
                        codes: codes[w[0]..w[1]].to_vec(),
                    },
                    values[w[0]..w[1]].to_vec(),
                )
            })
            .collect();
        let chunks: Vec<ColumnChunk> = parts
            .iter()
            .map(|(c, t, tp, v)| ColumnChunk {
                customer_id: c,
                timestamp: TimeCells::Ints(t, TimeUnit::Millis),
                touchpoint: tp,
                channel: None,
                stage: None,
                value: Some(ValueCells::Numbers(v)),
                sequence: None,
                properties: vec![],
            })
            .collect();
        let control = LoadControl::new();
        let b =
            EventLog::from_chunks(&chunks, &[], &LoadOptions::default(), Some(&control)).unwrap();
        assert_eq!(rows(&a), rows(&b));
        assert_eq!(control.rows_done(), n as u64);
    }

    #[test]
    fn time_units() {
        let cust = StrColumn::Plain(vec![Some("a"); 5]);
        let tp = StrColumn::Plain(vec![Some("x"); 5]);
        let load = |v: Vec<Option<i64>>, unit| {
            let chunk = ColumnChunk {
                customer_id: &cust,
                timestamp: TimeCells::Ints(&v, unit),
                touchpoint: &tp,
                channel: None,
                stage: None,
                value: None,
                sequence: None,
                properties: vec![],
            };
            EventLog::from_chunks(&[chunk], &[], &LoadOptions::default(), None)
                .map(|log| log.timestamps().to_vec())
        };
        let v = vec![Some(-1), Some(0), Some(1), Some(1999), Some(2001)];
        // Nanoseconds are truncated to the microsecond below (also before 1970).
        assert_eq!(
            load(v.clone(), TimeUnit::Nanos).unwrap(),
            vec![-1, 0, 0, 1, 2]
        );
        assert_eq!(
            load(v.clone(), TimeUnit::Days).unwrap(),
            vec![
                -86_400_000_000,
                0,
                86_400_000_000,
                1999 * 86_400_000_000,
                2001 * 86_400_000_000
            ]
        );
        let e = load(
            vec![Some(1), Some(i64::MAX), None, None, None],
            TimeUnit::Seconds,
        )
        .unwrap_err();
        assert_eq!(e.row(), Some(2));
        assert!(e.to_string().contains("within years"), "{e}");
        let e = load(vec![Some(1), Some(2), None, None, None], TimeUnit::Micros).unwrap_err();
        assert_eq!((e.row(), e.column()), (Some(3), Some("timestamp")));
    }

    #[test]
    fn errors_name_the_global_row_and_bad_codes() {
        let c1 = StrColumn::Plain(vec![Some("a"), Some("b")]);
        let c2 = StrColumn::Plain(vec![Some("c"), Some("d"), Some("e")]);
        let t1 = vec![Some(1), Some(2)];
        let t2 = vec![Some(3), Some(4), Some(5)];
        let p1 = StrColumn::Dictionary {
            values: vec!["x"],
            codes: vec![Some(0), Some(0)],
        };
        let p2 = StrColumn::Dictionary {
            values: vec!["x", "  "],
            codes: vec![Some(0), Some(1), Some(7)],
        };
        let chunk = |c, t, p| ColumnChunk {
            customer_id: c,
            timestamp: TimeCells::Ints(t, TimeUnit::Seconds),
            touchpoint: p,
            channel: None,
            stage: None,
            value: None,
            sequence: None,
            properties: vec![],
        };
        let chunks = [chunk(&c1, &t1, &p1), chunk(&c2, &t2, &p2)];
        let e = EventLog::from_chunks(&chunks, &[], &LoadOptions::default(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid touchpoint \"\" at row 4, column touchpoint: a non-empty touchpoint name"
        );
        let log = EventLog::from_chunks(&chunks, &[], &LoadOptions::lenient(), None).unwrap();
        assert_eq!(log.n_events(), 3);
        let r = log.load_report();
        assert_eq!((r.rows_read, r.rows_kept, r.rows_skipped), (5, 3, 2));
        assert!(r.errors[1].contains("at row 5") && r.errors[1].contains("dictionary code"));
    }

    #[test]
    fn a_skipped_row_leaves_nothing_behind() {
        let c = StrColumn::Plain(vec![Some("a"), Some("ghost"), Some("b")]);
        let t = vec![Some(1), None, Some(3)];
        let tp = StrColumn::Plain(vec![Some("x"), Some("phantom"), Some(" ")]);
        let chunk = ColumnChunk {
            customer_id: &c,
            timestamp: TimeCells::Ints(&t, TimeUnit::Seconds),
            touchpoint: &tp,
            channel: None,
            stage: None,
            value: None,
            sequence: None,
            properties: vec![],
        };
        let log = EventLog::from_chunks(&[chunk], &[], &LoadOptions::lenient(), None).unwrap();
        assert_eq!(log.customer_ids(), &["a"]);
        assert_eq!(log.touchpoints(), &["x"]);
        assert_eq!(log.load_report().rows_skipped, 2);
    }

    #[test]
    fn properties_and_cancel() {
        let c = StrColumn::Plain(vec![Some("a"), Some("b")]);
        let t = vec![Some(1), Some(2)];
        let tp = StrColumn::Plain(vec![Some("x"), Some("y")]);
        let plan = StrColumn::Plain(vec![Some(" pro "), None]);
        let chunk = ColumnChunk {
            customer_id: &c,
            timestamp: TimeCells::Ints(&t, TimeUnit::Seconds),
            touchpoint: &tp,
            channel: Some(&tp),
            stage: None,
            value: None,
            sequence: None,
            properties: vec![&plan],
        };
        let log = EventLog::from_chunks(
            std::slice::from_ref(&chunk),
            &["plan"],
            &LoadOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(
            log.customer_property("plan").unwrap(),
            vec![Some("pro"), None]
        );
        assert_eq!(log.channels(), &["x", "y"]);
        let e = EventLog::from_chunks(
            std::slice::from_ref(&chunk),
            &[],
            &LoadOptions::default(),
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("1 property columns for 0"), "{e}");
        let control = LoadControl::new();
        control.cancel();
        let e = EventLog::from_chunks(&[chunk], &["plan"], &LoadOptions::default(), Some(&control));
        // Too small to reach a checkpoint: cancelling only stops long loads.
        assert!(e.is_ok());
    }

    /// Errors deep in a table of many pieces and groups: strict mode names the first bad row,
    /// lenient mode keeps every other row and reports the bad ones in row order.
    #[test]
    fn errors_deep_in_many_groups_name_their_row() {
        let n = 20_000;
        let bad_rows = [3_001, 11_517, 19_999]; // 1-based
        let customers: Vec<String> = (0..n).map(|i| format!("c{:05}", i / 7)).collect();
        let cust: Vec<Option<&str>> = customers
            .iter()
            .enumerate()
            .map(|(i, s)| (!bad_rows.contains(&(i + 1))).then_some(s.as_str()))
            .collect();
        let secs: Vec<Option<i64>> = (0..n as i64).map(|i| Some(1_767_225_600 + i)).collect();
        let tps = ["ad", "site", "cart", "purchase"];
        let tp = StrColumn::Plain((0..n).map(|i| Some(tps[i % 4])).collect());
        let c = StrColumn::Plain(cust);
        let chunk = ColumnChunk {
            customer_id: &c,
            timestamp: TimeCells::Ints(&secs, TimeUnit::Seconds),
            touchpoint: &tp,
            channel: None,
            stage: None,
            value: None,
            sequence: None,
            properties: vec![],
        };
        let chunks = std::slice::from_ref(&chunk);
        let e = EventLog::from_chunks(chunks, &[], &LoadOptions::default(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid customer_id \"\" at row 3001, column customer_id: a non-empty customer id"
        );
        let log = EventLog::from_chunks(chunks, &[], &LoadOptions::lenient(), None).unwrap();
        let r = log.load_report();
        assert_eq!(
            (r.rows_read, r.rows_kept, r.rows_skipped),
            (20_000, 19_997, 3)
        );
        let at: Vec<bool> = bad_rows
            .iter()
            .zip(&r.errors)
            .map(|(row, e)| e.contains(&format!("at row {row},")))
            .collect();
        assert_eq!(at, [true; 3], "{:?}", r.errors);
        // Row 3001 is the only event of nobody: c00428 keeps its other six events.
        assert_eq!(log.journey_of("c00428").unwrap().len(), 6);
        assert_eq!(log.n_customers(), n.div_ceil(7));
    }

    /// Text is trimmed of ASCII whitespace only, as in CSV: a no-break space is part of a name.
    #[test]
    fn trimming_is_that_of_csv() {
        let csv = "customer_id,timestamp,touchpoint\n a ,1,\u{a0}ad\t\n";
        let from_csv = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        let c = StrColumn::Plain(vec![Some(" a ")]);
        let tp = StrColumn::Dictionary {
            values: vec!["\u{a0}ad\t"],
            codes: vec![Some(0)],
        };
        let t = vec![Some(1)];
        let chunk = ColumnChunk {
            customer_id: &c,
            timestamp: TimeCells::Ints(&t, TimeUnit::Seconds),
            touchpoint: &tp,
            channel: None,
            stage: None,
            value: None,
            sequence: None,
            properties: vec![],
        };
        let log = EventLog::from_chunks(&[chunk], &[], &LoadOptions::default(), None).unwrap();
        assert_eq!(log.customer_ids(), &["a"]);
        assert_eq!(log.touchpoints(), &["\u{a0}ad"]);
        assert_eq!(from_csv.touchpoints(), log.touchpoints());
    }

    /// A text column with keys, as an Arrow string view column has.
    struct Keyed {
        texts: Vec<Option<String>>,
        keys: Vec<u128>,
    }

    impl TextCells for Keyed {
        fn len(&self) -> usize {
            self.texts.len()
        }
        fn cell(&self, i: usize) -> TextCell<'_> {
            self.texts[i]
                .as_deref()
                .map_or(TextCell::Null, TextCell::Text)
        }
        fn keys(&self, range: Range<usize>, out: &mut Vec<u128>) -> bool {
            out.clear();
            out.extend_from_slice(&self.keys[range]);
            true
        }
    }

    /// Keys only spare work: the log is that of the texts, whether a text has one key, many
    /// keys (" b" and "b" are one name) or none, beyond the keys remembered per piece, with
    /// nulls, and with a bad row whose key was never seen.
    #[test]
    fn keys_give_the_log_of_the_texts() {
        let n = 3 * MAX_KEYS + 500;
        let mut texts = Vec::new();
        let mut keys = Vec::new();
        for i in 0..n {
            let (text, key) = match i % 5 {
                0 => (Some(format!("c{}", i / 10)), 1_000 + (i / 10) as u128), // distinct ids
                1 => (Some("b".to_string()), 7),
                2 => (Some(" b".to_string()), 8), // another key, the same name
                3 => (Some("long-name-without-key".to_string()), NO_KEY),
                _ => (None, 0),
            };
            texts.push(text);
            keys.push(key);
        }
        let keyed = Keyed {
            texts: texts.clone(),
            keys,
        };
        let plain = StrColumn::Plain(texts.iter().map(|t| t.as_deref()).collect());
        let customers: Vec<String> = (0..n).map(|i| format!("u{}", i / 3)).collect();
        let customer = StrColumn::Plain(customers.iter().map(|c| Some(c.as_str())).collect());
        let secs: Vec<Option<i64>> = (0..n as i64).map(Some).collect();
        let tp = StrColumn::Plain(vec![Some("ad"); n]);
        let chunk = |channel: &dyn TextCells| {
            let c = ColumnChunk {
                customer_id: &customer,
                timestamp: TimeCells::Ints(&secs, TimeUnit::Seconds),
                touchpoint: &tp,
                channel: Some(channel),
                stage: None,
                value: None,
                sequence: None,
                properties: vec![channel],
            };
            EventLog::from_chunks(&[c], &["p"], &LoadOptions::default(), None).unwrap()
        };
        let (a, b) = (chunk(&keyed), chunk(&plain));
        assert_eq!(rows(&a), rows(&b));
        assert_eq!(
            a.customer_property("p").unwrap(),
            b.customer_property("p").unwrap()
        );
        assert!(a.channels().contains(&"b".to_string()));
        assert!(!a.channels().iter().any(|c| c.starts_with(' ')));
        assert_eq!(a.channels().len(), 1 + 1 + n.div_ceil(10) + 1); // b, long, ids, unknown

        // A customer key never seen, on a row that is bad: nothing of it stays.
        let customer_keyed = Keyed {
            texts: vec![Some("x".into()), Some("ghost".into()), Some("x".into())],
            keys: vec![5, 6, 5],
        };
        let t = vec![Some(1), None, Some(3)];
        let tp = StrColumn::Plain(vec![Some("ad"); 3]);
        let bad = ColumnChunk {
            customer_id: &customer_keyed,
            timestamp: TimeCells::Ints(&t, TimeUnit::Seconds),
            touchpoint: &tp,
            channel: None,
            stage: None,
            value: None,
            sequence: None,
            properties: vec![],
        };
        let log = EventLog::from_chunks(&[bad], &[], &LoadOptions::lenient(), None).unwrap();
        assert_eq!(log.customer_ids(), &["x"]);
        assert_eq!(log.n_events(), 2);
    }
}
