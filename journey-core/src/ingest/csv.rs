//! CSV readers. Events are read in batches cut at record boundaries (quote-aware); the pieces of a
//! batch are parsed in parallel (feature `parallel`) and merged in input order, so the result and
//! every error are the same as a sequential read.

use std::borrow::Cow;
use std::io::Read;

use super::csv_error;
use super::row::{header_names, EventSchema, PieceBuilder, ResponseCells, SurveySchema};
use super::{read_all, threads, ErrorSink, LoadControl, LoadOptions, LoadReport, Mode};
use crate::error::{Error, Result};
use crate::model::{EventLog, EventLogBuilder, SurveyPiece, Surveys, SurveysBuilder};

/// Bytes parsed by one task (tiny in unit tests, so that small inputs take many batches).
const PIECE: usize = if cfg!(test) { 1 << 10 } else { 2 << 20 };

/// Pieces per thread in a batch: several, so that the merge of the previous batch (one task)
/// and the pieces spread evenly over the cores.
const PIECES_PER_THREAD: usize = 4;

/// Reads input in batches that end on a record boundary.
struct Batches<R> {
    reader: R,
    buf: Vec<u8>,
    /// A batch buffer handed back by the caller, to read the next batch into.
    spare: Vec<u8>,
    eof: bool,
}

impl<R: Read> Batches<R> {
    fn new(reader: R) -> Self {
        Batches {
            reader,
            buf: Vec::new(),
            spare: Vec::new(),
            eof: false,
        }
    }

    fn fill(&mut self, want: usize) -> Result<()> {
        while !self.eof && self.buf.len() < want {
            let more = (want - self.buf.len()).max(64 << 10);
            self.buf.reserve(more);
            // `read_to_end` fills the spare capacity without zeroing it first.
            let n = (&mut self.reader)
                .take(more as u64)
                .read_to_end(&mut self.buf)?;
            if n < more {
                self.eof = true;
            }
        }
        Ok(())
    }

    fn next_owned(&mut self, want: usize) -> Result<Option<Vec<u8>>> {
        let mut want = want;
        loop {
            self.fill(want)?;
            if self.buf.is_empty() {
                return Ok(None);
            }
            if self.eof {
                return Ok(Some(std::mem::take(&mut self.buf)));
            }
            if let Some(end) = last_boundary(&self.buf) {
                let mut rest = std::mem::take(&mut self.spare);
                rest.extend_from_slice(&self.buf[end..]);
                self.buf.truncate(end);
                return Ok(Some(std::mem::replace(&mut self.buf, rest)));
            }
            // One record longer than the buffer: read more.
            want = self.buf.len() * 2;
        }
    }

    fn first_owned(&mut self) -> Result<Option<Vec<u8>>> {
        let mut want = 64 << 10;
        loop {
            self.fill(want)?;
            if let Some(end) = first_boundary(&self.buf) {
                let rest = self.buf.split_off(end);
                return Ok(Some(std::mem::replace(&mut self.buf, rest)));
            }
            if self.eof {
                return Ok((!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf)));
            }
            want = self.buf.len() * 2;
        }
    }
}

/// Where the batches of records come from: a reader (each batch copied into a buffer) or bytes
/// already in memory, such as a mapped file (each batch a slice of them, no copy).
trait Source<'a> {
    /// The first record (the header), on its own.
    fn first_record(&mut self) -> Result<Option<Cow<'a, [u8]>>>;
    /// The next run of complete records, at least `want` bytes unless the input ends first.
    fn next(&mut self, want: usize) -> Result<Option<Cow<'a, [u8]>>>;
    /// Takes back a batch once its records are parsed, so the next batch reuses its memory
    /// instead of faulting in fresh pages.
    fn recycle(&mut self, batch: Cow<'a, [u8]>);
    /// The input's whole length in bytes, when known before it is read (bytes in memory, a
    /// mapped file).
    fn total_len(&self) -> Option<usize> {
        None
    }
}

impl<'a, R: Read> Source<'a> for Batches<R> {
    fn first_record(&mut self) -> Result<Option<Cow<'a, [u8]>>> {
        Ok(self.first_owned()?.map(Cow::Owned))
    }
    fn next(&mut self, want: usize) -> Result<Option<Cow<'a, [u8]>>> {
        Ok(self.next_owned(want)?.map(Cow::Owned))
    }
    fn recycle(&mut self, batch: Cow<'a, [u8]>) {
        if let Cow::Owned(mut buf) = batch {
            buf.clear();
            self.spare = buf;
        }
    }
}

/// Batches that are slices of bytes in memory.
struct Slices<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Called with `(offset, len)` of each batch once its records are parsed: a memory map
    /// drops those pages from the process (they stay in the page cache).
    release: Option<&'a dyn Fn(usize, usize)>,
}

impl<'a> Source<'a> for Slices<'a> {
    fn total_len(&self) -> Option<usize> {
        Some(self.bytes.len())
    }
    fn first_record(&mut self) -> Result<Option<Cow<'a, [u8]>>> {
        let rest = &self.bytes[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        let end = first_boundary(rest).unwrap_or(rest.len());
        self.pos += end;
        Ok(Some(Cow::Borrowed(&rest[..end])))
    }

    fn next(&mut self, want: usize) -> Result<Option<Cow<'a, [u8]>>> {
        let rest = &self.bytes[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        let mut want = want.max(1);
        loop {
            if want >= rest.len() {
                self.pos = self.bytes.len();
                return Ok(Some(Cow::Borrowed(rest)));
            }
            if let Some(end) = last_boundary(&rest[..want]) {
                self.pos += end;
                return Ok(Some(Cow::Borrowed(&rest[..end])));
            }
            // One record longer than the window: look further.
            want *= 2;
        }
    }

    fn recycle(&mut self, batch: Cow<'a, [u8]>) {
        if let Some(release) = self.release {
            release(
                batch.as_ptr() as usize - self.bytes.as_ptr() as usize,
                batch.len(),
            );
        }
    }
}

/// Whether byte `i` of `buf` ends a record when outside quotes: a LF, or a CR not followed by
/// LF (the csv crate ends records at LF, CR or CRLF). A CR at the end of `buf` is not taken as
/// one, as its LF may come with the next read.
#[inline]
fn ends_record(buf: &[u8], i: usize) -> bool {
    match buf[i] {
        b'\n' => true,
        b'\r' => buf.get(i + 1).is_some_and(|&b| b != b'\n'),
        _ => false,
    }
}

/// Line ends in `bytes[from..to]`: LF, and CR not followed by LF in `bytes` (a CR at the very
/// end counts: the input or the piece ends there).
fn line_ends(bytes: &[u8], from: usize, to: usize) -> u64 {
    let lf = memchr::memchr_iter(b'\n', &bytes[from..to]).count();
    let cr = memchr::memchr_iter(b'\r', &bytes[from..to])
        .filter(|&i| bytes.get(from + i + 1) != Some(&b'\n'))
        .count();
    (lf + cr) as u64
}

/// Position just after the last record end (outside quotes) of `buf`.
fn last_boundary(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr2_iter(b'\n', b'\r', buf)
            .find(|&i| ends_record(buf, i))
            .map(|i| i + 1);
    }
    let mut in_quotes = false;
    let mut last = None;
    for (i, &b) in buf.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes && ends_record(buf, i) => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

/// Cut positions (just after a record-ending newline) that split `buf` into at most `n` pieces
/// of about equal size. Never 0 or `buf.len()`.
#[cfg(test)]
fn boundaries(buf: &[u8], n: usize) -> Vec<usize> {
    boundaries_marked(buf, n, memchr::memchr(b'"', buf).is_some())
}

/// [`boundaries`] of a buffer known to hold quotes or not.
fn boundaries_marked(buf: &[u8], n: usize, quotes: bool) -> Vec<usize> {
    let targets: Vec<usize> = (1..n.max(1)).map(|k| buf.len() * k / n).collect();
    let mut out: Vec<usize> = Vec::new();
    if !quotes {
        for t in targets {
            let from = t.max(out.last().copied().unwrap_or(0));
            if let Some(i) = memchr::memchr(b'\n', &buf[from..]) {
                let c = from + i + 1;
                if c < buf.len() && out.last() != Some(&c) {
                    out.push(c);
                }
            }
        }
        return out;
    }
    let mut in_quotes = false;
    let mut t = 0;
    for (i, &b) in buf.iter().enumerate() {
        if t == targets.len() {
            break;
        }
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes && i >= targets[t] => {
                if i + 1 < buf.len() {
                    out.push(i + 1);
                }
                while t < targets.len() && targets[t] <= i {
                    t += 1;
                }
            }
            _ => {}
        }
    }
    out
}

/// Position just after the first record end (outside quotes) of `buf`.
fn first_boundary(buf: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    for (i, &b) in buf.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes && ends_record(buf, i) => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Whether the csv crate, reading `rec` (the raw text of the input's last record, to the end
/// of the input), was still inside a quoted field when the input ended: the quote was never
/// closed and the rest of the input went into one cell.
fn ends_inside_quotes(rec: &[u8]) -> bool {
    let mut field_start = true;
    let mut quoted = false;
    let mut i = 0;
    while i < rec.len() {
        let b = rec[i];
        if quoted {
            if b == b'"' {
                if rec.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else {
            match b {
                b'"' if field_start => quoted = true,
                b',' | b'\n' | b'\r' => {
                    field_start = true;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            field_start = false;
        }
        i += 1;
    }
    quoted
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Parses the header record into names.
fn parse_header(bytes: &[u8]) -> Result<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::StringRecord::new();
    rdr.read_record(&mut rec).map_err(|e| csv_error(e, 1))?;
    Ok(rec.iter().map(str::to_string).collect())
}

/// Rows parsed from one piece: by the fast path (distinct strings with their hashes) or by the
/// csv crate path.
enum Rows {
    Fast(Box<PieceBuilder>),
    Csv(Box<EventLogBuilder>),
}

/// The outcome of parsing one piece.
struct Piece {
    builder: Rows,
    rows: u64,
    /// Errors with line numbers local to the piece (first line = 1).
    errors: Vec<Error>,
    skipped: u64,
    newlines: u64,
}

impl Piece {
    /// Counts a row read into the piece: an error is counted as skipped and kept (as many as
    /// the report quotes). Returns whether to read on (not after an error in strict mode).
    fn count<T>(&mut self, row: Result<T>, opts: &LoadOptions) -> bool {
        self.rows += 1;
        let Err(e) = row else { return true };
        self.skipped += 1;
        if self.errors.len() < opts.max_reported_errors.max(1) {
            self.errors.push(e);
        }
        opts.mode != super::Mode::Strict
    }
}

/// What one scan of a batch found: any quote, any CR. Most batches have neither, and then
/// their pieces need no scan of their own.
#[derive(Debug, Clone, Copy)]
struct Marks {
    quotes: bool,
    cr: bool,
}

impl Marks {
    fn of(b: &[u8]) -> Marks {
        match memchr::memchr2(b'"', b'\r', b) {
            None => Marks {
                quotes: false,
                cr: false,
            },
            Some(i) if b[i] == b'"' => Marks {
                quotes: true,
                cr: memchr::memchr(b'\r', &b[i..]).is_some(),
            },
            Some(i) => Marks {
                quotes: memchr::memchr(b'"', &b[i..]).is_some(),
                cr: true,
            },
        }
    }
}

/// [`parse_piece`] of a piece of a batch with `marks`.
fn parse_marked(bytes: &[u8], schema: &EventSchema, opts: &LoadOptions, marks: Marks) -> Piece {
    if !marks.quotes && !marks.cr {
        return parse_piece_unquoted(bytes, schema, opts);
    }
    parse_piece(bytes, schema, opts)
}

fn parse_piece(bytes: &[u8], schema: &EventSchema, opts: &LoadOptions) -> Piece {
    // A bare CR ends a record for the csv crate; leave such rare input to it.
    if unquoted(bytes) {
        return parse_piece_unquoted(bytes, schema, opts);
    }
    parse_piece_csv(bytes, schema, opts)
}

/// The fast path for a piece without any quote character: records are lines and fields are
/// separated by commas, exactly as the csv crate would read them (checked by a property test),
/// without copying fields into a record buffer.
fn parse_piece_unquoted(bytes: &[u8], schema: &EventSchema, opts: &LoadOptions) -> Piece {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let mut piece = Piece {
        builder: Rows::Csv(Box::default()),
        rows: 0,
        errors: Vec::new(),
        skipped: 0,
        newlines: newlines as u64,
    };
    let mut rows = PieceBuilder::new(schema.props.len(), newlines + 1);
    // Validating the piece as UTF-8 once is much cheaper than cell by cell.
    match std::str::from_utf8(bytes) {
        Ok(text) => split_records(text, schema, opts, &mut piece, &mut rows),
        Err(_) => split_records(bytes, schema, opts, &mut piece, &mut rows),
    }
    piece.builder = Rows::Fast(Box::new(rows));
    piece
}

/// Text that the unquoted fast path can cut into fields: bytes, or text known to be UTF-8 (cut
/// only next to an ASCII delimiter, so always on a character boundary).
trait Record<'a>: super::row::Cell<'a> {
    fn slice(self, from: usize, to: usize) -> Self;
}

impl<'a> Record<'a> for &'a str {
    fn slice(self, from: usize, to: usize) -> Self {
        &self[from..to]
    }
}

impl<'a> Record<'a> for &'a [u8] {
    fn slice(self, from: usize, to: usize) -> Self {
        &self[from..to]
    }
}

/// Reads the rows of a piece without quotes into `rows`, counting and collecting errors into
/// `piece`.
fn split_records<'a, R: Record<'a>>(
    text: R,
    schema: &EventSchema,
    opts: &LoadOptions,
    piece: &mut Piece,
    rows: &mut PieceBuilder,
) {
    for_each_unquoted(text, schema.names.len(), |line, fields| {
        let row = fields.and_then(|fields| schema.push_row(rows, line, |i| fields.get(i).copied()));
        piece.count(row, opts)
    });
}

/// Calls `f(line, fields)` for each record of a piece without quotes, the way the csv crate
/// would read it (checked by a property test), without copying fields into a record buffer:
/// one vectorised scan finds every comma and newline; a record is a line (a trailing CR
/// dropped, empty lines skipped), a field the text between commas. A record with other than
/// `n_cols` fields is an error. Stops when `f` returns false.
fn for_each_unquoted<'a, R: Record<'a>>(
    text: R,
    n_cols: usize,
    mut f: impl FnMut(u64, Result<&[R]>) -> bool,
) {
    let bytes = text.raw();
    let mut fields: Vec<R> = Vec::with_capacity(n_cols);
    let mut line = 0u64;
    let mut start = 0usize;
    let mut delimiters = delimiters(bytes);
    loop {
        let (end, last) = match delimiters.next() {
            Some(i) if bytes[i] == b',' => {
                fields.push(text.slice(start, i));
                start = i + 1;
                continue;
            }
            Some(i) => (i, false),
            None if start >= bytes.len() && fields.is_empty() => break,
            None => (bytes.len(), true),
        };
        let mut field_end = end;
        if field_end > start && bytes[field_end - 1] == b'\r' {
            field_end -= 1;
        }
        fields.push(text.slice(start, field_end));
        start = end + 1;
        line += 1;
        if fields.len() == 1 && fields[0].raw().is_empty() {
            fields.clear();
            if last {
                break;
            }
            continue;
        }
        let go_on = if fields.len() != n_cols {
            f(
                line,
                Err(Error::MalformedRow {
                    line,
                    message: format!("expected {n_cols} fields, found {}", fields.len()),
                }),
            )
        } else {
            f(line, Ok(&fields))
        };
        fields.clear();
        if !go_on || last {
            break;
        }
    }
}

/// The offsets of the commas and newlines of `bytes`, in order.
#[cfg(target_arch = "x86_64")]
fn delimiters(bytes: &[u8]) -> Delimiters<'_> {
    Delimiters::new(bytes)
}

/// The offsets of the commas and newlines of `bytes`, in order (memchr's vectorised scan,
/// SIMD128 in WebAssembly).
#[cfg(not(target_arch = "x86_64"))]
fn delimiters(bytes: &[u8]) -> memchr::Memchr2<'_> {
    memchr::memchr2_iter(b',', b'\n', bytes)
}

/// The commas and newlines of a text, found 64 bytes at a time as a bit mask: a field is about
/// ten bytes, and a search that stops at each one (memchr's) spends most of its time starting
/// over. On the 10M-event file this scan takes a quarter of memchr's time (docs/benchmarks.md).
#[cfg(target_arch = "x86_64")]
struct Delimiters<'a> {
    bytes: &'a [u8],
    /// The offset of the current block.
    base: usize,
    /// The delimiters of the current block not yet given, one bit each.
    mask: u64,
}

#[cfg(target_arch = "x86_64")]
impl<'a> Delimiters<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut d = Delimiters {
            bytes,
            base: 0,
            mask: 0,
        };
        d.mask = d.block(0);
        d
    }

    /// The delimiters of the 64 bytes from `base` (fewer at the end), one bit each.
    #[inline]
    fn block(&self, base: usize) -> u64 {
        match self.bytes.get(base..base + 64) {
            Some(b) => block_mask(b.try_into().expect("64 bytes")),
            None => self.bytes[base.min(self.bytes.len())..]
                .iter()
                .enumerate()
                .filter(|(_, &c)| c == b',' || c == b'\n')
                .fold(0, |m, (i, _)| m | 1 << i),
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl Iterator for Delimiters<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        loop {
            if self.mask != 0 {
                let i = self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                return Some(self.base + i);
            }
            if self.base + 64 >= self.bytes.len() {
                return None;
            }
            self.base += 64;
            self.mask = self.block(self.base);
        }
    }
}

/// The commas and newlines of 64 bytes, one bit each (bit `i` for byte `i`). The second
/// `unsafe` outside the file maps (after the customer table's prefetch), for the hottest loop
/// of loading a CSV file.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
fn block_mask(b: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 target, so these instructions exist wherever this
    // code runs; each unaligned load reads the 16 bytes at 16 * k < 64 of a 64-byte array.
    unsafe {
        let comma = _mm_set1_epi8(b',' as i8);
        let newline = _mm_set1_epi8(b'\n' as i8);
        let mut mask = 0u64;
        for k in 0..4 {
            let v = _mm_loadu_si128(b.as_ptr().add(16 * k).cast());
            let hit = _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline));
            mask |= u64::from(_mm_movemask_epi8(hit) as u16) << (16 * k);
        }
        mask
    }
}

/// Physical line numbers from byte offsets (the csv crate's own line count skips empty lines).
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8], first_line: u64) -> Self {
        Lines {
            bytes,
            pos: 0,
            line: first_line,
        }
    }
    /// Line of byte offset `at`; offsets must not decrease between calls.
    fn at(&mut self, at: u64) -> u64 {
        let at = (at as usize).min(self.bytes.len()).max(self.pos);
        self.line += line_ends(self.bytes, self.pos, at);
        self.pos = at;
        // The reported start may precede skipped empty lines: a record never starts with one.
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b'\r' if self.bytes.get(self.pos + 1) != Some(&b'\n') => self.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        self.line
    }
}

/// Reads every record with the csv crate and calls `f(line, record)`; stops when `f` says so.
fn for_each_record(
    bytes: &[u8],
    first_line: u64,
    n_cols: usize,
    mut f: impl FnMut(u64, Result<&csv::ByteRecord>) -> bool,
) {
    let mut rdr = csv_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = Lines::new(bytes, first_line);
    // The csv crate drops a byte order mark at the start of what it reads: right for a file,
    // wrong for a piece cut from its middle, whose first cell may begin with U+FEFF (only the
    // file's own mark is dropped, by the callers). Such a cell gets its mark back.
    let mut restore_bom = bytes.starts_with(b"\xEF\xBB\xBF");
    loop {
        let here = rdr.position().byte();
        let read = rdr.read_byte_record(&mut rec);
        if restore_bom && matches!(read, Ok(true)) {
            restore_bom = false;
            if !rec.get(0).is_some_and(|c| c.starts_with(b"\xEF\xBB\xBF")) {
                let mut fixed = csv::ByteRecord::new();
                for (i, cell) in rec.iter().enumerate() {
                    if i == 0 {
                        fixed.push_field(&[b"\xEF\xBB\xBF".as_slice(), cell].concat());
                    } else {
                        fixed.push_field(cell);
                    }
                }
                fixed.set_position(rec.position().cloned());
                rec = fixed;
            }
        }
        let go_on = match read {
            Ok(false) => break,
            Ok(true) => {
                let start = rec.position().map_or(here, |p| p.byte());
                let line = lines.at(start);
                let at_end = rdr.position().byte() as usize >= bytes.len();
                if at_end && ends_inside_quotes(&bytes[(start as usize).min(bytes.len())..]) {
                    let e = Error::MalformedRow {
                        line,
                        message: "a quoted field is never closed (a '\"' is missing), so the \
                                  rest of the input would be one cell"
                            .into(),
                    };
                    f(line, Err(e))
                } else if rec.len() != n_cols {
                    let e = Error::MalformedRow {
                        line,
                        message: format!("expected {n_cols} fields, found {}", rec.len()),
                    };
                    f(line, Err(e))
                } else {
                    f(line, Ok(&rec))
                }
            }
            Err(e) => {
                let line = lines.at(e.position().map_or(here, |p| p.byte()));
                f(line, Err(csv_error(e, line)))
            }
        };
        if !go_on {
            break;
        }
    }
}

fn parse_piece_csv(bytes: &[u8], schema: &EventSchema, opts: &LoadOptions) -> Piece {
    let mut builder = schema.builder();
    let mut piece = Piece {
        builder: Rows::Csv(Box::default()),
        rows: 0,
        errors: Vec::new(),
        skipped: 0,
        newlines: line_ends(bytes, 0, bytes.len()),
    };
    for_each_record(bytes, 1, schema.names.len(), |line, rec| {
        let row = rec.and_then(|rec| schema.push_row(&mut builder, line, |i| rec.get(i)));
        piece.count(row, opts)
    });
    piece.builder = Rows::Csv(Box::new(builder));
    piece
}

/// Cuts a batch into pieces and parses them (on all cores with the `parallel` feature).
fn parse_batch(batch: &[u8], n: usize, schema: &EventSchema, opts: &LoadOptions) -> Vec<Piece> {
    let marks = Marks::of(batch);
    let pieces = cut_marked(batch, n, marks.quotes);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        pieces
            .par_iter()
            .map(|p| parse_marked(p, schema, opts, marks))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        pieces
            .iter()
            .map(|p| parse_marked(p, schema, opts, marks))
            .collect()
    }
}

/// Cuts a batch into at most `n` pieces of about `PIECE` bytes, each ending on a record boundary.
fn cut_batch(batch: &[u8], n: usize) -> Vec<&[u8]> {
    cut_marked(batch, n, memchr::memchr(b'"', batch).is_some())
}

/// [`cut_batch`] of a batch known to hold quotes or not.
fn cut_marked(batch: &[u8], n: usize, quotes: bool) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(n);
    let mut start = 0;
    let want = batch.len().div_ceil(PIECE).clamp(1, n);
    for cut in boundaries_marked(batch, want, quotes) {
        if cut > start {
            pieces.push(&batch[start..cut]);
            start = cut;
        }
    }
    if start < batch.len() {
        pieces.push(&batch[start..]);
    }
    pieces
}

/// Folds parsed pieces into the log in input order: errors (with their lines made global) go
/// to the sink, which stops the load on the first one in strict mode.
struct Merger {
    builder: EventLogBuilder,
    sink: ErrorSink,
    rows: u64,
    /// Line number of the first line of the next piece.
    line: u64,
}

impl Merger {
    /// Reserves the columns for the rows of the `total - bytes_done` bytes not yet merged, at
    /// the bytes per row of the first `bytes_done`: the columns then grow once, not by
    /// doubling (each doubling below the allocator's map threshold copies the column into
    /// fresh pages the kernel must zero).
    fn reserve_rest(&mut self, bytes_done: usize, total: Option<usize>) {
        let Some(total) = total else { return };
        if bytes_done == 0 || self.rows == 0 || total <= bytes_done {
            return;
        }
        let per_row = bytes_done as f64 / self.rows as f64;
        let rest = ((total - bytes_done) as f64 / per_row * 1.02) as usize;
        self.builder.reserve(rest);
    }

    fn merge(&mut self, pieces: Vec<Piece>) -> Result<()> {
        for piece in pieces {
            self.rows += piece.rows;
            let lenient_extra = piece.skipped - piece.errors.len() as u64;
            for e in piece.errors {
                self.sink.push(e.shifted(self.line - 1))?;
            }
            self.sink.skipped += lenient_extra;
            self.line += piece.newlines;
            match piece.builder {
                Rows::Fast(rows) => self.builder.append_piece(*rows),
                Rows::Csv(rows) => self.builder.append(*rows),
            }
        }
        Ok(())
    }
}

/// Reads an event log from CSV (with a header; column order free; see the crate docs for the
/// columns). Rows may come in any order.
///
/// The input is read in batches of complete records. With the `parallel` feature the three
/// stages overlap: while the pieces of one batch are parsed on all cores, the next batch is
/// read (on the calling thread, so the reader need not be `Send`) and the previous batch's
/// pieces are merged into the log, in input order; the result and every error are those of a
/// sequential read.
pub fn read_events_csv(reader: impl Read, opts: &LoadOptions) -> Result<EventLog> {
    read_events_from(&mut Batches::new(reader), opts, None)
}

/// [`read_events_csv`] watched by a [`LoadControl`] (bytes done, cancellation).
pub(crate) fn read_events_stream_with(
    reader: impl Read,
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    read_events_from(&mut Batches::new(reader), opts, control)
}

/// [`read_events_csv`] of bytes already in memory: the batches are slices of `bytes`, never
/// copied. [`super::read_events_path`] reads a CSV file this way, through a memory map.
pub fn read_events_csv_bytes(bytes: &[u8], opts: &LoadOptions) -> Result<EventLog> {
    read_events_from(
        &mut Slices {
            bytes,
            pos: 0,
            release: None,
        },
        opts,
        None,
    )
}

/// [`read_events_csv_bytes`] watched by a [`LoadControl`]: it counts the bytes done
/// ([`LoadControl::bytes_done`]) and can stop the load between batches.
pub fn read_events_csv_bytes_with(
    bytes: &[u8],
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    read_events_mapped(bytes, opts, control, None)
}

/// [`read_events_csv_bytes_with`], calling `release(offset, len)` for each batch of `bytes`
/// once parsed.
pub(crate) fn read_events_mapped(
    bytes: &[u8],
    opts: &LoadOptions,
    control: Option<&LoadControl>,
    release: Option<&dyn Fn(usize, usize)>,
) -> Result<EventLog> {
    read_events_from(
        &mut Slices {
            bytes,
            pos: 0,
            release,
        },
        opts,
        control,
    )
}

fn read_events_from<'a>(
    batches: &mut impl Source<'a>,
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    // Long because batches are read, parsed and merged in one loop that sizes the columns as
    // it learns the bytes per row.
    let Some(header) = batches.first_record()? else {
        return Ok(EventLogBuilder::new().build(opts.catalog.as_ref(), &opts.conversion_refs()));
    };
    let names = header_names(&parse_header(&header)?, opts)?;
    let mut schema = EventSchema::new(names, opts)?;
    schema.unguard = true;
    // Pieces are appended as they come: the large column vectors grow by reallocation in
    // place (mremap), while keeping all pieces to join them at the end held both copies at once.
    let mut merger = Merger {
        builder: schema.builder(),
        sink: ErrorSink::new(opts),
        rows: 0,
        line: 1 + line_ends(&header, 0, header.len()),
    };
    let checkpoint = |len: usize| -> Result<()> {
        if let Some(c) = control {
            c.add_bytes(len as u64);
            if c.is_cancelled() {
                return Err(super::columns::cancelled());
            }
        }
        Ok(())
    };
    checkpoint(header.len())?;
    let n = threads() * PIECES_PER_THREAD;
    let mut batch = batches.next(PIECE * n)?;
    #[cfg(feature = "parallel")]
    {
        let mut parsed: Vec<Piece> = Vec::new();
        // After the first batch is merged, the columns make room for the rows still to come
        // (estimated from the bytes per row so far), when the input's length is known.
        let total = batches.total_len();
        let mut bytes_parsed = 0usize;
        let mut reserved = false;
        while batch.is_some() || !parsed.is_empty() {
            let to_merge = std::mem::take(&mut parsed);
            let mut merged = Ok(());
            let mut next = Ok(None);
            rayon::in_place_scope(|scope| {
                let merger = &mut merger;
                let merged = &mut merged;
                scope.spawn(move |_| *merged = merger.merge(to_merge));
                if let Some(b) = batch.as_deref() {
                    let parsed = &mut parsed;
                    let schema = &schema;
                    scope.spawn(move |_| *parsed = parse_batch(b, n, schema, opts));
                    next = batches.next(PIECE * n);
                }
            });
            merged?;
            if !reserved && merger.rows > 0 {
                // The batches merged so far are the `bytes_parsed` before this one.
                reserved = true;
                merger.reserve_rest(bytes_parsed, total);
            }
            batch = match batch.take() {
                Some(done) => {
                    bytes_parsed += done.len();
                    checkpoint(done.len())?;
                    batches.recycle(done);
                    next?
                }
                None => None,
            };
        }
    }
    #[cfg(not(feature = "parallel"))]
    {
        let total = batches.total_len();
        let mut first = true;
        while let Some(b) = batch {
            merger.merge(parse_batch(&b, n, &schema, opts))?;
            if first {
                first = false;
                merger.reserve_rest(b.len(), total);
            }
            checkpoint(b.len())?;
            batches.recycle(b);
            batch = batches.next(PIECE * n)?;
        }
    }
    let report = merger.sink.report(merger.rows);
    Ok(merger
        .builder
        .build_with_report(opts.catalog.as_ref(), &opts.conversion_refs(), report))
}

/// Reads survey responses from CSV: `customer_id`, `timestamp`, optional `touchpoint`, and at
/// least one of `nps` (0-10), `csat` (1-5), `ces` (1-7); blank scores are allowed.
///
/// The input is cut into pieces at record boundaries, parsed on all cores (feature
/// `parallel`) and joined in input order, so the result and every error (with its line) are
/// those of a sequential read, as for events.
pub fn read_surveys_csv(reader: impl Read, opts: &LoadOptions) -> Result<Surveys> {
    read_surveys_csv_bytes(&read_all(reader)?, opts)
}

/// [`read_surveys_csv`] of bytes already in memory (a mapped file, say), parsed in place.
pub fn read_surveys_csv_bytes(bytes: &[u8], opts: &LoadOptions) -> Result<Surveys> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.trim_ascii().is_empty() {
        return Ok(Surveys::empty());
    }
    let header_end = first_boundary(bytes).unwrap_or(bytes.len());
    let raw = parse_header(&bytes[..header_end])?;
    let mut schema = SurveySchema::new(header_names(&raw, opts)?)?;
    schema.unguard = true;
    let first_line = 1 + line_ends(bytes, 0, header_end);
    let body = &bytes[header_end..];
    let pieces = cut_batch(body, (body.len() / PIECE).clamp(1, 4 * threads()));
    let parse = |piece: &&[u8]| parse_survey_piece(piece, &schema, opts, unquoted(piece));
    #[cfg(feature = "parallel")]
    let parsed: Vec<ParsedSurveys> = {
        use rayon::prelude::*;
        pieces.par_iter().map(parse).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parsed: Vec<ParsedSurveys> = pieces.iter().map(parse).collect();
    let mut builder = SurveysBuilder::new();
    builder.reserve(parsed.iter().map(|p| p.rows.ts.len()).sum());
    let mut sink = ErrorSink::new(opts);
    let mut rows = 0u64;
    let mut line = first_line;
    for piece in parsed {
        rows += piece.read;
        let extra = piece.skipped - piece.errors.len() as u64;
        for e in piece.errors {
            sink.push(e.shifted(line - 1))?;
        }
        sink.skipped += extra;
        line += piece.newlines;
        builder.append_piece(piece.rows);
    }
    Ok(builder.build_with_report(sink.report(rows)))
}

/// Whether the unquoted fast path reads `bytes` as the csv crate would: no quote, and no CR
/// other than in a CRLF line end.
fn unquoted(bytes: &[u8]) -> bool {
    memchr::memchr(b'"', bytes).is_none()
        && memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n'))
}

/// Reads the responses of one piece (lines numbered from 1), with the unquoted fast path of
/// the event reader (`fast`, only for a piece that is [`unquoted`]) or with the csv crate.
fn parse_survey_piece(
    piece: &[u8],
    schema: &SurveySchema,
    opts: &LoadOptions,
    fast: bool,
) -> ParsedSurveys {
    let mut out = ParsedSurveys {
        rows: SurveyPiece::default(),
        errors: Vec::new(),
        read: 0,
        skipped: 0,
        newlines: line_ends(piece, 0, piece.len()),
    };
    let strict = opts.mode == Mode::Strict;
    let mut take = |row: Result<ResponseCells<'_>>| -> bool {
        out.read += 1;
        match row {
            Ok(r) => out.rows.push(r.customer, r.ts, r.touchpoint, r.scores),
            Err(e) => {
                out.skipped += 1;
                if out.errors.len() < opts.max_reported_errors.max(1) {
                    out.errors.push(e);
                }
                return !strict;
            }
        }
        true
    };
    let n_cols = schema.names.len();
    if fast {
        for_each_unquoted(piece, n_cols, |line, fields| {
            take(fields.and_then(|f| schema.parse_cells(line, |i| f.get(i).copied())))
        });
    } else {
        for_each_record(piece, 1, n_cols, |line, rec| {
            take(rec.and_then(|rec| schema.parse_cells(line, |i| rec.get(i))))
        });
    }
    out
}

/// The responses read from one piece of a survey table.
struct ParsedSurveys {
    rows: SurveyPiece,
    /// Errors with line numbers local to the piece (first line = 1).
    errors: Vec<Error>,
    read: u64,
    skipped: u64,
    newlines: u64,
}

/// Used by writers: whether the whole report is clean.
impl LoadReport {
    /// True when no row was skipped.
    pub fn is_clean(&self) -> bool {
        self.rows_skipped == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn into_builder(rows: Rows, schema: &EventSchema) -> EventLogBuilder {
        match rows {
            Rows::Csv(b) => *b,
            Rows::Fast(p) => {
                let mut b = schema.builder();
                b.append_piece(*p);
                b
            }
        }
    }

    type Outcome = (Vec<crate::model::RawEvent>, u64, u64, Vec<String>);

    fn outcome(p: Piece, schema: &EventSchema) -> Outcome {
        let errors = p.errors.iter().map(|e| e.to_string()).collect();
        let b = into_builder(p.builder, schema);
        (
            b.build(None, &[]).rows().collect(),
            p.rows,
            p.skipped,
            errors,
        )
    }

    proptest! {
        /// The block scan finds every comma and newline, in order, as memchr does, for any
        /// length (blocks of 64 bytes and a shorter last one) and any bytes around them.
        #[test]
        fn delimiters_are_memchrs(bytes in proptest::collection::vec(
            prop_oneof![Just(b','), Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()], 0..300)) {
            let got: Vec<usize> = delimiters(&bytes).collect();
            let want: Vec<usize> = memchr::memchr2_iter(b',', b'\n', &bytes).collect();
            prop_assert_eq!(got, want);
        }
    }

    proptest! {
        /// The unquoted fast path reads exactly what the csv crate reads.
        #[test]
        fn fast_path_matches_csv_crate(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof!["[a-c]{1,3}", Just(String::new()), Just(" 12 ".to_string()),
                                Just("2026-01-01T00:00:00Z".to_string()), Just("1767225600".to_string()),
                                Just("x\r".to_string())],
                    0..5),
                0..8),
            lenient in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let body: String = lines.iter().map(|l| l.join(",") + sep).collect();
            let mut opts = LoadOptions::default();
            if lenient { opts.mode = super::super::Mode::Lenient; }
            let schema = EventSchema::new(
                vec!["customer_id".into(), "timestamp".into(), "touchpoint".into()],
                &opts,
            ).unwrap();
            prop_assume!(memchr::memchr_iter(b'\r', body.as_bytes()).all(|i| body.as_bytes().get(i + 1) == Some(&b'\n')));
            let fast = outcome(parse_piece_unquoted(body.as_bytes(), &schema, &opts), &schema);
            let slow = outcome(parse_piece_csv(body.as_bytes(), &schema, &opts), &schema);
            prop_assert_eq!(fast, slow);
        }
    }

    /// A parsed survey piece as plain values: rows (customer, time, touchpoint, scores), rows
    /// read, rows skipped, error messages.
    type SurveyOutcome = (
        Vec<(String, i64, Option<String>, [u8; 3])>,
        u64,
        u64,
        Vec<String>,
    );

    fn survey_outcome(p: ParsedSurveys) -> SurveyOutcome {
        let r = &p.rows;
        let rows = (0..r.ts.len())
            .map(|i| {
                let tp = (r.tp[i] != crate::model::NO_ID)
                    .then(|| r.touchpoints.name(r.tp[i]).to_string());
                (
                    r.customers.name(r.cust[i]).to_string(),
                    r.ts[i],
                    tp,
                    r.scores[i],
                )
            })
            .collect();
        let errors = p.errors.iter().map(|e| e.to_string()).collect();
        (rows, p.read, p.skipped, errors)
    }

    proptest! {
        /// Survey pieces: the unquoted fast path reads exactly what the csv crate reads, rows,
        /// line numbers and errors alike.
        #[test]
        fn survey_fast_path_matches_csv_crate(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof!["[a-c]{1,3}", Just(String::new()), Just(" 9 ".to_string()),
                                Just("11".to_string()), Just("2026-01-01T00:00:00Z".to_string()),
                                Just("1767225600".to_string()), Just("x\r".to_string())],
                    0..6),
                0..8),
            lenient in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let sep = if crlf { "\r\n" } else { "\n" };
            let body: String = lines.iter().map(|l| l.join(",") + sep).collect();
            prop_assume!(unquoted(body.as_bytes()));
            let mut opts = LoadOptions::default();
            if lenient { opts.mode = super::super::Mode::Lenient; }
            let schema = SurveySchema::new(
                ["customer_id", "timestamp", "touchpoint", "nps", "csat"].map(String::from).to_vec(),
            ).unwrap();
            let fast = survey_outcome(parse_survey_piece(body.as_bytes(), &schema, &opts, true));
            let slow = survey_outcome(parse_survey_piece(body.as_bytes(), &schema, &opts, false));
            prop_assert_eq!(fast, slow);
        }
    }

    /// A survey file read through the fast path and the same rows quoted (the csv crate's
    /// path) give one table; a bad row names the same line either way.
    #[test]
    fn surveys_quoted_and_unquoted_agree() {
        let plain =
            "customer_id,timestamp,touchpoint,nps\r\na,1,web,9\r\n\r\nb,2,,3\r\nc,3,shop,10\r\n";
        let quoted = plain.replace("shop", "\"shop\"");
        let opts = LoadOptions::default();
        let fast = read_surveys_csv_bytes(plain.as_bytes(), &opts).unwrap();
        assert_eq!(fast.len(), 3);
        assert_eq!(fast.customer_ids(), ["a", "b", "c"]);
        assert_eq!(
            read_surveys_csv_bytes(quoted.as_bytes(), &opts).unwrap(),
            fast
        );
        let bad = plain.replace("b,2,,3", "b,2,,12");
        for body in [bad.clone(), bad.replace("shop", "\"shop\"")] {
            let e = read_surveys_csv_bytes(body.as_bytes(), &opts).unwrap_err();
            assert_eq!((e.line(), e.column()), (Some(4), Some("nps")), "{e}");
        }
    }

    fn rows_of(log: &EventLog) -> Vec<(String, i64, String)> {
        log.rows()
            .map(|r| {
                (
                    r.customer_id.to_string(),
                    r.timestamp_us,
                    r.touchpoint.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn cr_only_line_ends_end_records() {
        let expected = vec![
            ("a".to_string(), 1_000_000, "ad".to_string()),
            ("b".to_string(), 2_000_000, "ad".to_string()),
        ];
        for body in [
            "customer_id,timestamp,touchpoint\ra,1,ad\rb,2,ad\r",
            "customer_id,timestamp,touchpoint\ra,1,ad\rb,2,ad",
            "customer_id,timestamp,touchpoint\ra,1,ad\nb,2,ad\n",
            "customer_id,timestamp,touchpoint\r\na,1,ad\r\rb,2,ad\r\n",
            "customer_id,timestamp,touchpoint\r\"a\",1,ad\rb,2,\"ad\"\r",
        ] {
            let log = read_events_csv(body.as_bytes(), &LoadOptions::default()).unwrap();
            assert_eq!(rows_of(&log), expected, "{body:?}");
        }
        // Lines are counted at CR ends too: the bad row is on line 3.
        let e = read_events_csv(
            "customer_id,timestamp,touchpoint\ra,1,ad\rb,soon,ad\r".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert_eq!((e.line(), e.column()), (Some(3), Some("timestamp")), "{e}");
        // Surveys share the record reader.
        let s = read_surveys_csv(
            "customer_id,timestamp,nps\ra,1,9\rb,2,3\r".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn a_byte_order_mark_inside_the_input_is_kept() {
        // Found by fuzzing (surveys): the first record after the header began with U+FEFF,
        // which the csv crate drops at the start of every piece it reads. Only the file's own
        // mark (before the header) goes.
        let csv = "\u{feff}customer_id,timestamp,nps\n\u{feff}x,5,6\nc,5,8\n";
        let s = read_surveys_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(s.customer_ids(), ["c", "\u{feff}x"]);
        // The same rows in the other order give the same table.
        let other = "customer_id,timestamp,nps\nc,5,8\n\u{feff}x,5,6\n";
        let t = read_surveys_csv(other.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(s, t);
        // Events: through the quote-aware path (a quoted cell) and the plain one.
        for first in ["\u{feff}x,5,\"ad\"", "\u{feff}x,5,ad"] {
            let csv = format!("customer_id,timestamp,touchpoint\n{first}\nc,5,ad\n");
            let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
            assert_eq!(log.customer_ids(), ["c", "\u{feff}x"], "{first}");
        }
    }

    #[test]
    fn an_unclosed_quote_is_an_error_not_one_big_cell() {
        let body = "customer_id,timestamp,touchpoint\na,1,\"ad\nb,2,ad\nc,3,ad\n";
        let e = read_events_csv(body.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.code(), "malformed_row");
        assert!(
            e.to_string()
                .starts_with("malformed row at line 2: a quoted field is never closed"),
            "{e}"
        );
        let log = read_events_csv(body.as_bytes(), &LoadOptions::lenient()).unwrap();
        assert_eq!(log.n_events(), 0);
        assert_eq!(log.load_report().rows_skipped, 1);
        // In a middle column, and in surveys.
        let body = "customer_id,timestamp,touchpoint\na,1,ad\n\"b,2,ad\n";
        let e = read_events_csv(body.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 3: a quoted field is never closed"),
            "{e}"
        );
        let e = read_surveys_csv(
            "customer_id,timestamp,nps\na,1,\"9\n".as_bytes(),
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("never closed"), "{e}");
        // Closed quotes, escaped quotes and a quote inside an unquoted field are fine.
        let body = "customer_id,timestamp,touchpoint\na,1,\"a\"\"d\"\nb,2,x\"y";
        let log = read_events_csv(body.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(log.touchpoints(), &["a\"d", "x\"y"]);
        assert!(!ends_inside_quotes(b"a,\"x\"\"\""));
        assert!(ends_inside_quotes(b"a,\"x\"\""));
        assert!(ends_inside_quotes(b"\"x\r\n"));
    }

    #[test]
    fn boundaries_respect_quotes() {
        let buf = b"a,\"x\ny\"\nb,c\nd,e\n";
        assert_eq!(last_boundary(buf), Some(buf.len()));
        let cuts = boundaries(buf, 2);
        // The newline inside quotes (at 4) is never a cut.
        assert_eq!(cuts, vec![12]);
        assert_eq!(boundaries(buf, 4), vec![8, 12]);
        assert_eq!(first_boundary(buf), Some(8));
    }

    #[test]
    fn boundaries_without_quotes() {
        let buf = b"aa\nbb\ncc\ndd\n";
        let cuts = boundaries(buf, 2);
        assert_eq!(cuts, vec![9]);
        assert_eq!(boundaries(buf, 4), vec![6, 9]);
        assert!(boundaries(b"aa\n", 1).is_empty());
    }

    /// A body of `n` rows over many batches; every 500th touchpoint is quoted (with a comma), so
    /// pieces of both parsers meet in one load.
    fn many_rows(n: usize, bad: &[usize]) -> String {
        let mut s = String::from("customer_id,timestamp,touchpoint,value,segment\n");
        for i in 0..n {
            let ts = if bad.contains(&i) {
                "soon".to_string()
            } else {
                (1_767_225_600 + (i * 7919) % 100_000).to_string()
            };
            let tp = if i % 500 == 0 {
                format!("\"q,{}\"", i % 3)
            } else {
                format!("tp{}", i % 13)
            };
            let value = if i % 11 == 0 { "9.5" } else { "" };
            s.push_str(&format!("c{},{ts},{tp},{value},s{}\r\n", i % 97, i % 4));
            if i % 777 == 0 {
                s.push('\n');
            }
        }
        s
    }

    #[test]
    fn many_batches_give_the_log_of_one_sequential_parse() {
        let body = many_rows(6000, &[]);
        assert!(
            body.len() > 10 * PIECE * PIECES_PER_THREAD * threads(),
            "the input spans many batches"
        );
        let opts = LoadOptions::default();
        let log = read_events_csv(body.as_bytes(), &opts).unwrap();
        // The reference: the whole input through the csv crate in one piece.
        let header_end = first_boundary(body.as_bytes()).unwrap();
        let names = header_names(
            &parse_header(&body.as_bytes()[..header_end]).unwrap(),
            &opts,
        )
        .unwrap();
        let schema = EventSchema::new(names, &opts).unwrap();
        let whole = parse_piece_csv(&body.as_bytes()[header_end..], &schema, &opts);
        assert_eq!(whole.rows, 6000);
        let reference = into_builder(whole.builder, &schema).build(None, &opts.conversion_refs());
        assert_eq!(log.n_events(), 6000);
        assert_eq!(
            log.rows().collect::<Vec<_>>(),
            reference.rows().collect::<Vec<_>>()
        );
        assert_eq!(log.customer_ids(), reference.customer_ids());
        assert_eq!(log.touchpoints().len(), 13 + 3);
        assert_eq!(log.load_report().rows_read, 6000);
    }

    #[test]
    fn errors_deep_in_a_many_batch_load_name_their_line() {
        // Data row i is on line i + 2, plus one for each blank line written after rows
        // 0, 777, 1554, ... before it.
        let line_of = |i: usize| (i + 2 + (0..i).filter(|k| k % 777 == 0).count()) as u64;
        let bad = [4321, 4322, 5999];
        let body = many_rows(6000, &bad);
        match read_events_csv(body.as_bytes(), &LoadOptions::default()) {
            Err(Error::InvalidValue {
                line,
                column,
                value,
                ..
            }) => {
                assert_eq!(
                    (line, column.as_str(), value.as_str()),
                    (line_of(4321), "timestamp", "soon")
                );
                assert_eq!(line, 4321 + 2 + 6);
            }
            other => panic!("expected an invalid timestamp, got {other:?}"),
        }
        let lenient = read_events_csv(body.as_bytes(), &LoadOptions::lenient()).unwrap();
        let report = lenient.load_report();
        assert_eq!(
            (report.rows_read, report.rows_kept, report.rows_skipped),
            (6000, 5997, 3)
        );
        assert_eq!(lenient.n_events(), 5997);
        assert_eq!(report.errors.len(), 3);
        for (e, i) in report.errors.iter().zip(bad) {
            assert!(e.contains(&format!("line {}", line_of(i))), "{e}");
        }
    }

    #[test]
    fn small_pieces_give_the_same_log_as_one_piece() {
        // Pieces are 8 MiB in the reader; cut a small input by hand and merge as it does.
        let body = "c1,2026-01-01T00:00:00Z,a\nc2,2026-01-01T00:00:01Z,b\nc1,2026-01-01T00:00:02Z,\"q,\nx\"\n";
        let opts = LoadOptions::default();
        let schema = EventSchema::new(
            vec![
                "customer_id".into(),
                "timestamp".into(),
                "touchpoint".into(),
            ],
            &opts,
        )
        .unwrap();
        let whole = parse_piece(body.as_bytes(), &schema, &opts);
        assert_eq!(whole.rows, 3);
        let mut builder = schema.builder();
        let mut start = 0;
        for cut in boundaries(body.as_bytes(), 3) {
            let piece = parse_piece(&body.as_bytes()[start..cut], &schema, &opts);
            builder.append(into_builder(piece.builder, &schema));
            start = cut;
        }
        let piece = parse_piece(&body.as_bytes()[start..], &schema, &opts);
        builder.append(into_builder(piece.builder, &schema));
        let a = into_builder(whole.builder, &schema).build(None, &[]);
        let b = builder.build(None, &[]);
        assert_eq!(a.rows().collect::<Vec<_>>(), b.rows().collect::<Vec<_>>());
        assert_eq!(a.touchpoints(), &["a", "b", "q,\nx"]);
    }

    /// The in-memory and mapped readers cut the same records into batches as the stream reader
    /// (quoted newlines, CR and CRLF ends, blank lines, a last record without its newline), so
    /// they give the same log and the same errors.
    #[test]
    fn bytes_in_memory_and_a_mapped_file_read_as_the_stream_does() {
        let mut body = many_rows(6000, &[]);
        body.push_str("c1,1767225600,\"last,\nrecord\",,s1");
        let opts = LoadOptions::default();
        let stream = read_events_csv(body.as_bytes(), &opts).unwrap();
        let bytes = read_events_csv_bytes(body.as_bytes(), &opts).unwrap();
        assert_eq!(stream.n_events(), 6001);
        assert_eq!(
            bytes.rows().collect::<Vec<_>>(),
            stream.rows().collect::<Vec<_>>()
        );
        assert_eq!(bytes.load_report(), stream.load_report());

        let dir = std::env::temp_dir().join(format!("journey-csv-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("events.csv");
        std::fs::write(&path, &body).unwrap();
        let control = LoadControl::new();
        let mapped = super::super::read_events_csv_path_with(&path, &opts, Some(&control)).unwrap();
        assert_eq!(
            mapped.rows().collect::<Vec<_>>(),
            stream.rows().collect::<Vec<_>>()
        );
        assert_eq!(control.bytes_done(), body.len() as u64);
        let via_path = super::super::read_events_path(&path, &opts).unwrap();
        assert_eq!(via_path.n_events(), 6001);

        // Errors name the same line whichever way the bytes come.
        let bad = many_rows(6000, &[4321]);
        std::fs::write(&path, &bad).unwrap();
        let line = |r: Result<EventLog>| match r {
            Err(Error::InvalidValue { line, .. }) => line,
            other => panic!("expected an invalid timestamp, got {other:?}"),
        };
        let want = line(read_events_csv(bad.as_bytes(), &opts));
        assert_eq!(line(read_events_csv_bytes(bad.as_bytes(), &opts)), want);
        assert_eq!(line(super::super::read_events_path(&path, &opts)), want);

        // A cancelled load stops with an interrupted-i/o error.
        let control = LoadControl::new();
        control.cancel();
        match super::super::read_events_csv_path_with(&path, &opts, Some(&control)) {
            Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::Interrupted),
            other => panic!("expected a cancelled load, got {other:?}"),
        }
        // An empty file is an empty log, as an empty stream is.
        std::fs::write(&path, "").unwrap();
        assert_eq!(
            super::super::read_events_path(&path, &opts)
                .unwrap()
                .n_events(),
            0
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A record longer than the batch window is found whole: the window grows until it holds
    /// a record end.
    #[test]
    fn a_record_longer_than_a_batch_is_read_whole_from_memory() {
        let long = "x".repeat(40 * PIECE);
        let body = format!("customer_id,timestamp,touchpoint\na,1,{long}\nb,2,\"q\nq\"\r\nc,3,t");
        let log = read_events_csv_bytes(body.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(log.n_events(), 3);
        let mut names = log.touchpoints().to_vec();
        names.sort();
        assert_eq!(names, vec!["q\nq".to_string(), "t".to_string(), long]);
    }

    /// Survey responses read from a mapped file, from bytes and from a stream are one result.
    #[test]
    fn surveys_from_a_mapped_file_bytes_and_a_stream_agree() {
        let mut body = String::from("\u{feff}customer_id,timestamp,touchpoint,nps,csat\r\n");
        for i in 0..3000 {
            body.push_str(&format!(
                "c{},{},tp{},{},\r\n",
                i % 37,
                1_767_225_600 + i,
                i % 5,
                i % 11
            ));
        }
        let opts = LoadOptions::default();
        let stream = read_surveys_csv(body.as_bytes(), &opts).unwrap();
        assert_eq!(stream.len(), 3000);
        assert_eq!(
            read_surveys_csv_bytes(body.as_bytes(), &opts).unwrap(),
            stream
        );
        let dir = std::env::temp_dir().join(format!("journey-surveys-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("surveys.csv");
        std::fs::write(&path, &body).unwrap();
        let mapped = super::super::read_surveys_csv_path(&path, &opts).unwrap();
        assert_eq!(mapped, stream);
        assert_eq!(mapped.customer_ids()[0], "c0");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
