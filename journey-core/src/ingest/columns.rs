//! Columnar input: for callers that already hold the data in columns (Arrow arrays, dataframes,
//! JavaScript typed arrays). No text round trip; the same validation and the same log as the
//! CSV reader. Errors name the row (1-based) instead of a line.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{ErrorSink, LoadOptions, Mode};
use crate::error::{Error, Result};
use crate::model::{EventLog, EventLogBuilder, NO_ID};
use crate::time::{parse_timestamp, US_PER_SEC};

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
    /// Conversion values (optional column; `None` or NaN = no value).
    pub value: Option<Vec<Option<f64>>>,
    /// Other columns, kept as properties: `(name, column)`.
    pub properties: Vec<(String, StrColumn<'a>)>,
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
    /// Conversion values (optional column; null or NaN = no value).
    pub value: Option<&'a dyn FloatCells>,
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
}

fn cancelled() -> Error {
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
    /// use journey_core::ingest::{EventColumns, StrColumn, TimeColumn};
    /// use journey_core::{EventLog, LoadOptions};
    /// let cols = EventColumns {
    ///     customer_id: StrColumn::Plain(vec![Some("b"), Some("a")]),
    ///     timestamp: TimeColumn::Micros(vec![Some(2_000_000), Some(1_000_000)]),
    ///     touchpoint: StrColumn::Dictionary { values: vec!["ad", "purchase"], codes: vec![Some(1), Some(0)] },
    ///     channel: None,
    ///     stage: None,
    ///     value: Some(vec![Some(9.5), None]),
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
            value: cols.value.as_ref().map(|v| v as &dyn FloatCells),
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
    /// values finite, timestamps within years -9999 to 9999, strict or lenient per `opts`, rows
    /// in any order, ties in time keep their order. Errors name the row and the column.
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
        for chunk in chunks {
            check_lengths(chunk, properties)?;
        }
        let props: &[&str] = if opts.ignore_extra_columns {
            &[]
        } else {
            properties
        };
        let total: usize = chunks.iter().map(ColumnChunk::len).sum();
        // Pieces of at most PIECE rows, at least a few per thread so that they balance.
        let piece = (total / (4 * threads())).clamp(1 << 14, PIECE);
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
        #[cfg(feature = "parallel")]
        let pieces: Vec<Piece> = {
            use rayon::prelude::*;
            jobs.par_iter().map(run).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let pieces: Vec<Piece> = jobs.iter().map(run).collect();

        let mut sink = ErrorSink::new(opts);
        let mut builders = Vec::with_capacity(pieces.len());
        for p in pieces {
            if p.cancelled {
                return Err(cancelled());
            }
            let extra = p.skipped.saturating_sub(p.errors.len() as u64);
            for e in p.errors {
                sink.push(e)?;
            }
            sink.skipped += extra;
            builders.push(p.builder);
        }
        let b = merge(builders).unwrap_or_else(|| EventLogBuilder::new().with_properties(props));
        let report = sink.report(total as u64);
        Ok(b.build_with_report(opts.catalog.as_ref(), &opts.conversion_refs(), report))
    }
}

fn reserve(b: &mut EventLogBuilder, n: usize) {
    b.cust.reserve(n);
    b.ts.reserve(n);
    b.tp.reserve(n);
    b.ch.reserve(n);
    b.st.reserve(n);
    b.value.reserve(n);
    for p in &mut b.props {
        p.reserve(n);
    }
}

/// The ids of one piece in the merged builder.
struct Remap {
    customers: Vec<u32>,
    touchpoints: Vec<u32>,
    channels: Vec<u32>,
    stages: Vec<u32>,
    props: Vec<Vec<u32>>,
}

/// Where one piece's rows go in the merged columns.
struct Out<'a> {
    cust: &'a mut [u32],
    ts: &'a mut [i64],
    tp: &'a mut [u32],
    ch: &'a mut [u32],
    st: &'a mut [u32],
    value: &'a mut [f64],
    props: Vec<&'a mut [u32]>,
}

fn split<'a, T>(rest: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let (head, tail) = std::mem::take(rest).split_at_mut(n);
    *rest = tail;
    head
}

/// Concatenates the pieces' builders in order (all declared with the same properties): the
/// names are merged one piece after the other, the rows are copied and renumbered on all cores.
fn merge(pieces: Vec<EventLogBuilder>) -> Option<EventLogBuilder> {
    let mut pieces = pieces.into_iter();
    let mut b = pieces.next()?;
    let mut rest: Vec<EventLogBuilder> = pieces.collect();
    let remaps: Vec<Remap> = rest
        .iter_mut()
        .map(|p| Remap {
            customers: b.customers.absorb(std::mem::take(&mut p.customers)),
            touchpoints: b.touchpoints.absorb(std::mem::take(&mut p.touchpoints)),
            channels: b.channels.absorb(std::mem::take(&mut p.channels)),
            stages: b.stages.absorb(std::mem::take(&mut p.stages)),
            props: b
                .prop_values
                .iter_mut()
                .zip(&mut p.prop_values)
                .map(|(into, from)| into.absorb(std::mem::take(from)))
                .collect(),
        })
        .collect();
    let n0 = b.len();
    let total = n0 + rest.iter().map(EventLogBuilder::len).sum::<usize>();
    b.cust.resize(total, 0);
    b.ts.resize(total, 0);
    b.tp.resize(total, 0);
    b.ch.resize(total, 0);
    b.st.resize(total, 0);
    b.value.resize(total, 0.0);
    for p in &mut b.props {
        p.resize(total, NO_ID);
    }
    b.last_customer = 0;
    let mut cust = &mut b.cust[n0..];
    let mut ts = &mut b.ts[n0..];
    let mut tp = &mut b.tp[n0..];
    let mut ch = &mut b.ch[n0..];
    let mut st = &mut b.st[n0..];
    let mut value = &mut b.value[n0..];
    let mut props: Vec<&mut [u32]> = b.props.iter_mut().map(|p| &mut p[n0..]).collect();
    let mut outs = Vec::with_capacity(rest.len());
    for p in &rest {
        let n = p.len();
        outs.push(Out {
            cust: split(&mut cust, n),
            ts: split(&mut ts, n),
            tp: split(&mut tp, n),
            ch: split(&mut ch, n),
            st: split(&mut st, n),
            value: split(&mut value, n),
            props: props.iter_mut().map(|col| split(col, n)).collect(),
        });
    }
    let fill = |((p, m), out): ((&EventLogBuilder, &Remap), Out<'_>)| {
        let map = |m: &[u32], id: u32| if id == NO_ID { NO_ID } else { m[id as usize] };
        for (o, &c) in out.cust.iter_mut().zip(&p.cust) {
            *o = m.customers[c as usize];
        }
        out.ts.copy_from_slice(&p.ts);
        for (o, &t) in out.tp.iter_mut().zip(&p.tp) {
            *o = m.touchpoints[t as usize];
        }
        for (o, &h) in out.ch.iter_mut().zip(&p.ch) {
            *o = map(&m.channels, h);
        }
        for (o, &s) in out.st.iter_mut().zip(&p.st) {
            *o = map(&m.stages, s);
        }
        out.value.copy_from_slice(&p.value);
        for ((o, col), pm) in out.props.into_iter().zip(&p.props).zip(&m.props) {
            for (o, &v) in o.iter_mut().zip(col) {
                *o = map(pm, v);
            }
        }
    };
    let jobs = rest.iter().zip(&remaps).zip(outs);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        jobs.collect::<Vec<_>>().into_par_iter().for_each(fill);
    }
    #[cfg(not(feature = "parallel"))]
    jobs.for_each(fill);
    drop(rest);
    Some(b)
}

/// Rows per piece at most.
const PIECE: usize = 1 << 18;
/// Rows between two looks at the control.
const CHECKPOINT: usize = 1 << 16;

fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

fn check_lengths(chunk: &ColumnChunk<'_>, properties: &[&str]) -> Result<()> {
    let n = chunk.customer_id.len();
    let mut lens = vec![
        ("timestamp", chunk.timestamp.len()),
        ("touchpoint", chunk.touchpoint.len()),
    ];
    lens.extend(chunk.channel.map(|c| ("channel", c.len())));
    lens.extend(chunk.stage.map(|c| ("stage", c.len())));
    lens.extend(chunk.value.map(|c| ("value", c.len())));
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

/// The rows of one piece, in their own builder.
struct Piece {
    builder: EventLogBuilder,
    errors: Vec<Error>,
    skipped: u64,
    cancelled: bool,
}

/// A text cell looked at but not interned yet (a bad cell later in the row must leave nothing
/// behind).
#[derive(Clone, Copy)]
enum Looked<'a> {
    /// Known already: its id, or [`EMPTY`].
    Id(u32),
    /// Not seen yet (trimmed); `code` is its dictionary code, remembered once interned.
    New(&'a str, Option<u32>),
}

impl Looked<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Looked::Id(id) => *id == EMPTY,
            Looked::New(s, _) => s.trim().is_empty(),
        }
    }
}

/// Per piece and column: dictionary code -> id in the piece's interner, and the last text seen
/// (consecutive rows often repeat a customer, a persona, a channel).
#[derive(Default)]
struct CodeCache<'a> {
    codes: Vec<u32>,
    last: Option<(&'a str, u32)>,
}

const UNSET: u32 = u32::MAX;
/// The value is empty (after trimming).
const EMPTY: u32 = u32::MAX - 1;

/// Where a text column's values are interned.
#[derive(Clone, Copy)]
enum Target {
    Customer,
    Touchpoint,
    Channel,
    Stage,
    Property(usize),
}

impl<'a> CodeCache<'a> {
    /// Row `i`'s value. Dictionary values are looked up once per piece.
    #[inline]
    fn look(&self, col: &'a dyn TextCells, i: usize, row: u64, name: &str) -> Result<Looked<'a>> {
        match col.cell(i) {
            TextCell::Null => Ok(Looked::Id(EMPTY)),
            TextCell::Text(s) => {
                if let Some((last, id)) = self.last {
                    if last == s {
                        return Ok(Looked::Id(id));
                    }
                }
                Ok(Looked::New(s, None))
            }
            TextCell::Code(code) => {
                if let Some(&id) = self.codes.get(code as usize) {
                    if id != UNSET {
                        return Ok(Looked::Id(id));
                    }
                }
                match col.dictionary().get(code as usize) {
                    Some(s) => Ok(Looked::New(s.trim(), Some(code))),
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

    /// The id of a looked-at value, interning it if new.
    #[inline]
    fn commit(
        &mut self,
        b: &mut EventLogBuilder,
        col: &'a dyn TextCells,
        target: Target,
        looked: Looked<'a>,
    ) -> u32 {
        match looked {
            Looked::Id(id) => id,
            Looked::New(s, code) => {
                let id = intern(b, target, s.trim());
                match code {
                    Some(c) => {
                        let n = col.dictionary().len();
                        if self.codes.len() < n {
                            self.codes.resize(n, UNSET);
                        }
                        self.codes[c as usize] = id;
                    }
                    // Untrimmed, as it will be compared with the next raw cell.
                    None => self.last = Some((s, id)),
                }
                id
            }
        }
    }
}

#[inline]
fn intern(b: &mut EventLogBuilder, target: Target, s: &str) -> u32 {
    if s.is_empty() {
        return EMPTY;
    }
    match target {
        Target::Customer => b.customer_id(s),
        Target::Touchpoint => b.touchpoints.intern(s),
        Target::Channel => b.channels.intern(s),
        Target::Stage => b.stages.intern(s),
        Target::Property(k) => b.prop_values[k].intern(s),
    }
}

/// Not parsed yet (outside the timestamp range).
const UNSET_TS: i64 = i64::MIN;

/// The timestamp range of the log (years -9999 to 9999), as for CSV input.
fn in_range(us: i64) -> bool {
    (jiff::Timestamp::MIN.as_microsecond()..=jiff::Timestamp::MAX.as_microsecond()).contains(&us)
}

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
        builder: EventLogBuilder::new().with_properties(props),
        errors: Vec::new(),
        skipped: 0,
        cancelled: false,
    };
    reserve(&mut p.builder, range.len());
    let mut caches = Caches::new(props.len());
    let chunk: &ColumnChunk<'_> = chunk;
    let max_errors = opts.max_reported_errors;
    let strict = opts.mode == Mode::Strict;
    let start = range.start;
    for i in range.clone() {
        let row = row0 + (i - start) as u64 + 1;
        if (i - start) % CHECKPOINT == 0 && i > start {
            if let Some(c) = control {
                c.rows_done.fetch_add(CHECKPOINT as u64, Ordering::Relaxed);
                if c.is_cancelled() {
                    p.cancelled = true;
                    return p;
                }
            }
            // In strict mode an earlier piece already failed: these rows do not matter.
            if strict && first_error.load(Ordering::Relaxed) < row {
                return p;
            }
        }
        if let Err(e) = push_row(&mut p.builder, &mut caches, chunk, i, row, props) {
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
    customer: CodeCache<'a>,
    touchpoint: CodeCache<'a>,
    channel: CodeCache<'a>,
    stage: CodeCache<'a>,
    timestamp: Vec<i64>,
    props: Vec<CodeCache<'a>>,
    prop_looks: Vec<Looked<'a>>,
}

impl Caches<'_> {
    fn new(n_props: usize) -> Self {
        Caches {
            customer: CodeCache::default(),
            touchpoint: CodeCache::default(),
            channel: CodeCache::default(),
            stage: CodeCache::default(),
            timestamp: Vec::new(),
            props: (0..n_props).map(|_| CodeCache::default()).collect(),
            prop_looks: Vec::with_capacity(n_props),
        }
    }
}

fn timestamp(col: TimeCells<'_>, cache: &mut Vec<i64>, i: usize, row: u64) -> Result<i64> {
    let parse = |raw: &str| -> Result<i64> {
        let raw = raw.trim();
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
                    format!("a timestamp within years -9999 to 9999 ({unit:?} since 1970)"),
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

fn push_row<'a>(
    b: &mut EventLogBuilder,
    caches: &mut Caches<'a>,
    chunk: &ColumnChunk<'a>,
    i: usize,
    row: u64,
    props: &[&str],
) -> Result<()> {
    // Every cell is checked before anything is interned, so a bad row leaves nothing behind.
    let lc = caches
        .customer
        .look(chunk.customer_id, i, row, "customer_id")?;
    if lc.is_empty() {
        return Err(bad(row, "customer_id", "", "a non-empty customer id"));
    }
    let ts = timestamp(chunk.timestamp, &mut caches.timestamp, i, row)?;
    let lt = caches
        .touchpoint
        .look(chunk.touchpoint, i, row, "touchpoint")?;
    if lt.is_empty() {
        return Err(bad(row, "touchpoint", "", "a non-empty touchpoint name"));
    }
    let lch = match chunk.channel {
        None => None,
        Some(col) => Some(caches.channel.look(col, i, row, "channel")?),
    };
    let lst = match chunk.stage {
        None => None,
        Some(col) => Some(caches.stage.look(col, i, row, "stage")?),
    };
    let value = match chunk.value.and_then(|v| v.get(i)) {
        None => f64::NAN,
        Some(v) if v.is_nan() => f64::NAN,
        Some(v) if v.is_finite() => v,
        Some(v) => return Err(bad(row, "value", &v.to_string(), "a finite number")),
    };
    caches.prop_looks.clear();
    for (k, (col, name)) in chunk.properties.iter().zip(props).enumerate() {
        let l = caches.props[k].look(*col, i, row, name)?;
        caches.prop_looks.push(l);
    }

    let optional = |id: u32| if id == EMPTY { NO_ID } else { id };
    let c = caches
        .customer
        .commit(b, chunk.customer_id, Target::Customer, lc);
    let t = caches
        .touchpoint
        .commit(b, chunk.touchpoint, Target::Touchpoint, lt);
    let ch = match (chunk.channel, lch) {
        (Some(col), Some(l)) => optional(caches.channel.commit(b, col, Target::Channel, l)),
        _ => NO_ID,
    };
    let st = match (chunk.stage, lst) {
        (Some(col), Some(l)) => optional(caches.stage.commit(b, col, Target::Stage, l)),
        _ => NO_ID,
    };
    b.push_ids(c, ts, t, ch, st, value);
    for (k, col) in chunk.properties.iter().enumerate() {
        let l = caches.prop_looks[k];
        let id = optional(caches.props[k].commit(b, *col, Target::Property(k), l));
        if id != NO_ID {
            *b.props[k].last_mut().expect("row pushed") = id;
        }
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
            value: Some(vec![Some(20.0), None]),
            properties: vec![("plan".into(), StrColumn::Plain(vec![Some("pro"), None]))],
        };
        let from_cols = EventLog::from_columns(&cols, &LoadOptions::default()).unwrap();
        assert_eq!(
            from_csv.rows().collect::<Vec<_>>(),
            from_cols.rows().collect::<Vec<_>>()
        );
    }

    #[test]
    fn errors_name_the_row_and_lenient_skips() {
        let cols = EventColumns {
            customer_id: StrColumn::Plain(vec![Some("a"), None, Some("c")]),
            timestamp: TimeColumn::Micros(vec![Some(1), Some(2), None]),
            touchpoint: StrColumn::Plain(vec![Some("x"), Some("x"), Some("x")]),
            channel: None,
            stage: None,
            value: Some(vec![None, None, Some(f64::INFINITY)]),
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
        let n = 50_000; // several pieces of at least 2^14 rows
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
            value: Some(&values),
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
                value: Some(v),
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
}
