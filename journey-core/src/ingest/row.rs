//! The meaning of the columns: which are required, how each cell is read and what an error says.
//! Shared by the CSV and JSON readers.

use super::LoadOptions;
use crate::error::{Error, Result};
pub(crate) use crate::model::LocalInterner;
use crate::model::{EventLogBuilder, RawResponse, NO_ID, NO_SEQ};
use crate::time::{parse_timestamp, TimestampError, TimestampParser};

pub(crate) const CUSTOMER: &str = "customer_id";
pub(crate) const TIMESTAMP: &str = "timestamp";
pub(crate) const TOUCHPOINT: &str = "touchpoint";
pub(crate) const SEQUENCE: &str = "sequence";

/// Where each known column of an event table is.
#[derive(Debug, Clone)]
pub(crate) struct EventSchema {
    pub names: Vec<String>,
    pub customer: usize,
    pub ts: usize,
    pub tp: usize,
    pub channel: Option<usize>,
    pub stage: Option<usize>,
    pub value: Option<usize>,
    /// The `sequence` column (breaks ties in time).
    pub sequence: Option<usize>,
    /// How ties are ordered.
    pub ties: crate::ingest::Ties,
    /// `(column index, property name)`
    pub props: Vec<(usize, String)>,
    /// Undo the spreadsheet guard of journey's CSV writer in text cells ([`unguard`]): set by
    /// the CSV readers.
    pub unguard: bool,
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP's list: `=`, `+`,
/// `-`, `@`, tab and carriage return).
pub(crate) fn formula_start(b: u8) -> bool {
    matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// A text cell written by journey's spreadsheet-safe CSV writer, as it was before: one leading
/// apostrophe is dropped when a formula character or another apostrophe follows it (what a
/// spreadsheet shows, too). The writer guards exactly those cells, so the round trip is exact.
pub(crate) fn unguard(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', next, ..] if formula_start(*next) || *next == b'\'' => &s[1..],
        _ => s,
    }
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn find(names: &[String], want: &str) -> Option<usize> {
    names.iter().position(|n| n == want)
}

fn require(names: &[String], want: &str) -> Result<usize> {
    find(names, want).ok_or_else(|| Error::MissingColumn {
        column: want.to_string(),
        found: if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        },
    })
}

/// Canonical, trimmed header names; duplicates are an error.
pub(crate) fn header_names(raw: &[String], opts: &LoadOptions) -> Result<Vec<String>> {
    let names: Vec<String> = raw
        .iter()
        .map(|h| opts.canonical(h.trim()).to_string())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::MalformedRow {
                line: 1,
                message: format!("column {n:?} appears twice in the header"),
            });
        }
    }
    Ok(names)
}

impl EventSchema {
    pub(crate) fn new(names: Vec<String>, opts: &LoadOptions) -> Result<Self> {
        let customer = require(&names, CUSTOMER)?;
        let ts = require(&names, TIMESTAMP)?;
        let tp = require(&names, TOUCHPOINT)?;
        let channel = find(&names, "channel");
        let stage = find(&names, "stage");
        let value = find(&names, "value");
        let sequence = find(&names, SEQUENCE);
        let known = [
            Some(customer),
            Some(ts),
            Some(tp),
            channel,
            stage,
            value,
            sequence,
        ];
        let props = if opts.ignore_extra_columns {
            Vec::new()
        } else {
            names
                .iter()
                .enumerate()
                .filter(|(i, n)| !known.contains(&Some(*i)) && !n.is_empty())
                .map(|(i, n)| (i, n.clone()))
                .collect()
        };
        Ok(EventSchema {
            names,
            customer,
            ts,
            tp,
            channel,
            stage,
            value,
            sequence,
            ties: opts.ties,
            props,
            unguard: false,
        })
    }

    /// A builder with this schema's property columns declared.
    pub(crate) fn builder(&self) -> EventLogBuilder {
        let names: Vec<&str> = self.props.iter().map(|(_, n)| n.as_str()).collect();
        EventLogBuilder::new()
            .with_properties(&names)
            .with_ties(self.ties)
    }

    /// Reads one row into `b`. `get(i)` is the raw cell of column `i` (`None` if absent): bytes,
    /// or text already known to be UTF-8 (the fast path validates a whole piece at once).
    pub(crate) fn push_row<'a, C: Cell<'a>, S: RowSink<'a>>(
        &self,
        b: &mut S,
        line: u64,
        get: impl Fn(usize) -> Option<C>,
    ) -> Result<()> {
        let cell = |i: usize| get(i).map_or(&b""[..], |c| c.raw().trim_ascii());
        let text = |i: usize| -> Result<&'a str> {
            match get(i) {
                None => Ok(""),
                Some(c) => c
                    .text()
                    .map(str::trim_ascii)
                    .map(|t| if self.unguard { unguard(t) } else { t })
                    .ok_or_else(|| {
                        Error::invalid_value(line, &self.names[i], c.raw(), "valid UTF-8 text")
                    }),
            }
        };
        let customer = text(self.customer)?;
        if customer.is_empty() {
            return Err(Error::invalid_value(
                line,
                CUSTOMER,
                b"",
                "a non-empty customer id",
            ));
        }
        let raw_ts = cell(self.ts);
        let ts = b
            .timestamp(raw_ts)
            .map_err(|e| Error::invalid_value(line, TIMESTAMP, raw_ts, e))?;
        let tp = text(self.tp)?;
        if tp.is_empty() {
            return Err(Error::invalid_value(
                line,
                TOUCHPOINT,
                b"",
                "a non-empty touchpoint name",
            ));
        }
        let channel = self.channel.map(text).transpose()?.unwrap_or("");
        let stage = self.stage.map(text).transpose()?.unwrap_or("");
        let value = match self.value {
            None => f64::NAN,
            Some(i) => parse_value(cell(i))
                .map_err(|exp| Error::invalid_value(line, "value", cell(i), exp))?,
        };
        let sequence = match self.sequence {
            None => None,
            Some(i) => parse_sequence(cell(i))
                .map_err(|exp| Error::invalid_value(line, SEQUENCE, cell(i), exp))?,
        };
        // Validate every property before touching the builder, so a bad row leaves no trace.
        for (i, _) in &self.props {
            text(*i)?;
        }
        let c = b.customer(customer);
        let t = b.touchpoint(tp);
        let ch = if channel.is_empty() {
            NO_ID
        } else {
            b.channel(channel)
        };
        let st = if stage.is_empty() {
            NO_ID
        } else {
            b.stage(stage)
        };
        b.push_ids(c, ts, t, ch, st, value);
        if let Some(q) = sequence {
            b.set_sequence(q);
        }
        for (k, (i, _)) in self.props.iter().enumerate() {
            let v = text(*i)?;
            if !v.is_empty() {
                b.set_property(k, v);
            }
        }
        Ok(())
    }
}

/// Where a row's interned values go: the owning [`EventLogBuilder`], or a [`PieceBuilder`]
/// that borrows its strings from the input buffer.
pub(crate) trait RowSink<'a> {
    fn customer(&mut self, s: &'a str) -> u32;
    fn touchpoint(&mut self, s: &'a str) -> u32;
    fn channel(&mut self, s: &'a str) -> u32;
    fn stage(&mut self, s: &'a str) -> u32;
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64);
    /// Sets property `k` of the last pushed row.
    fn set_property(&mut self, k: usize, v: &'a str);
    /// Sets the `sequence` of the last pushed row.
    fn set_sequence(&mut self, v: i64);
    /// Reads a timestamp cell ([`parse_timestamp`]).
    fn timestamp(&mut self, raw: &[u8]) -> std::result::Result<i64, TimestampError> {
        parse_timestamp(raw)
    }
}

impl<'a> RowSink<'a> for EventLogBuilder {
    fn customer(&mut self, s: &'a str) -> u32 {
        self.customer_id(s)
    }
    fn touchpoint(&mut self, s: &'a str) -> u32 {
        self.touchpoints.intern(s)
    }
    fn channel(&mut self, s: &'a str) -> u32 {
        self.channels.intern(s)
    }
    fn stage(&mut self, s: &'a str) -> u32 {
        self.stages.intern(s)
    }
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64) {
        EventLogBuilder::push_ids(self, c, ts, tp, ch, st, value)
    }
    fn set_property(&mut self, k: usize, v: &'a str) {
        let id = self.prop_values[k].intern(v);
        *self.props[k].last_mut().expect("row pushed") = id;
    }
    fn set_sequence(&mut self, v: i64) {
        EventLogBuilder::set_sequence(self, v)
    }
}

/// The columns of one parsed piece, owning their strings (each distinct one once; a customer
/// id once per run of rows, see [`LocalInterner::runs`]).
#[derive(Debug, Default)]
pub(crate) struct PieceBuilder {
    pub customers: LocalInterner,
    pub touchpoints: LocalInterner,
    pub channels: LocalInterner,
    pub stages: LocalInterner,
    pub prop_values: Vec<LocalInterner>,
    pub cust: Vec<u32>,
    pub ts: Vec<i64>,
    pub tp: Vec<u32>,
    pub ch: Vec<u32>,
    pub st: Vec<u32>,
    pub value: Vec<f64>,
    pub props: Vec<Vec<u32>>,
    /// The `sequence` column: empty while no row has one, else one entry per row up to the
    /// last one that has one ([`NO_SEQ`] when absent).
    pub seq: Vec<i64>,
    /// Reads the timestamps, remembering the last one's date.
    pub timestamps: TimestampParser,
}

impl PieceBuilder {
    pub(crate) fn new(n_props: usize, capacity: usize) -> Self {
        PieceBuilder {
            customers: LocalInterner::runs(),
            prop_values: (0..n_props).map(|_| LocalInterner::default()).collect(),
            cust: Vec::with_capacity(capacity),
            ts: Vec::with_capacity(capacity),
            tp: Vec::with_capacity(capacity),
            ch: Vec::with_capacity(capacity),
            st: Vec::with_capacity(capacity),
            value: Vec::with_capacity(capacity),
            props: (0..n_props).map(|_| Vec::with_capacity(capacity)).collect(),
            ..Default::default()
        }
    }
}

impl PieceBuilder {
    /// Adds a property column (blank for the rows so far).
    pub(crate) fn add_property(&mut self) {
        self.prop_values.push(LocalInterner::default());
        self.props.push(vec![NO_ID; self.cust.len()]);
    }
}

impl<'a> RowSink<'a> for PieceBuilder {
    fn customer(&mut self, s: &'a str) -> u32 {
        self.customers.intern(s)
    }
    fn touchpoint(&mut self, s: &'a str) -> u32 {
        self.touchpoints.intern(s)
    }
    fn channel(&mut self, s: &'a str) -> u32 {
        self.channels.intern(s)
    }
    fn stage(&mut self, s: &'a str) -> u32 {
        self.stages.intern(s)
    }
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64) {
        self.cust.push(c);
        self.ts.push(ts);
        self.tp.push(tp);
        self.ch.push(ch);
        self.st.push(st);
        self.value.push(value);
        for p in &mut self.props {
            p.push(NO_ID);
        }
    }
    fn set_property(&mut self, k: usize, v: &'a str) {
        let id = self.prop_values[k].intern(v);
        *self.props[k].last_mut().expect("row pushed") = id;
    }
    fn set_sequence(&mut self, v: i64) {
        let n = self.cust.len();
        self.seq.resize(n, NO_SEQ);
        self.seq[n - 1] = v;
    }
    fn timestamp(&mut self, raw: &[u8]) -> std::result::Result<i64, TimestampError> {
        self.timestamps.parse(raw)
    }
}

impl EventLogBuilder {
    /// Appends a parsed piece (its rows after the rows already here), interning its strings.
    pub(crate) fn append_piece(&mut self, p: PieceBuilder) {
        let map: Vec<usize> = (0..p.props.len()).collect();
        self.append_piece_props(p, &map)
    }

    /// [`EventLogBuilder::append_piece`] for a piece whose property column `k` is the
    /// builder's `props[k]`; the builder's other property columns are blank for its rows.
    pub(crate) fn append_piece_props(&mut self, p: PieceBuilder, props: &[usize]) {
        fn remap(into: &mut crate::model::Interner, from: &LocalInterner) -> Vec<u32> {
            into.intern_batch(&from.hashes, |i| from.name(i as u32))
        }
        let cm = remap(&mut self.customers, &p.customers);
        let tm = remap(&mut self.touchpoints, &p.touchpoints);
        let hm = remap(&mut self.channels, &p.channels);
        let sm = remap(&mut self.stages, &p.stages);
        let map = |m: &[u32], id: u32| if id == NO_ID { NO_ID } else { m[id as usize] };
        if !p.seq.is_empty() || !self.seq.is_empty() {
            self.seq.resize(self.cust.len(), NO_SEQ);
            self.seq.extend_from_slice(&p.seq);
            self.seq.resize(self.cust.len() + p.cust.len(), NO_SEQ);
        }
        self.cust.extend(p.cust.iter().map(|&c| cm[c as usize]));
        self.tp.extend(p.tp.iter().map(|&t| tm[t as usize]));
        self.ch.extend(p.ch.iter().map(|&h| map(&hm, h)));
        self.st.extend(p.st.iter().map(|&s| map(&sm, s)));
        self.ts.extend_from_slice(&p.ts);
        self.value.extend_from_slice(&p.value);
        for ((col, vals), &k) in p.props.iter().zip(&p.prop_values).zip(props) {
            let pm = remap(&mut self.prop_values[k], vals);
            self.props[k].extend(col.iter().map(|&v| map(&pm, v)));
        }
        let n = self.cust.len();
        for col in &mut self.props {
            col.resize(n, NO_ID);
        }
        self.last_customer = None;
    }
}

/// A raw cell: bytes to validate, or text known to be UTF-8.
pub(crate) trait Cell<'a>: Copy {
    /// The bytes of the cell.
    fn raw(self) -> &'a [u8];
    /// The cell as text, `None` when it is not UTF-8.
    fn text(self) -> Option<&'a str>;
}

impl<'a> Cell<'a> for &'a [u8] {
    fn raw(self) -> &'a [u8] {
        self
    }
    fn text(self) -> Option<&'a str> {
        std::str::from_utf8(self).ok()
    }
}

impl<'a> Cell<'a> for &'a str {
    fn raw(self) -> &'a [u8] {
        self.as_bytes()
    }
    fn text(self) -> Option<&'a str> {
        Some(self)
    }
}

/// A conversion value: blank is none; otherwise a finite decimal number.
pub(crate) fn parse_value(s: &[u8]) -> std::result::Result<f64, &'static str> {
    const EXPECTED: &str = "a decimal number (or blank for none)";
    if s.is_empty() {
        return Ok(f64::NAN);
    }
    // Reject the words f64::from_str accepts ("inf", "NaN"): a value is a number.
    if !s
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(EXPECTED);
    }
    let v: f64 = std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(EXPECTED)?;
    if crate::model::value_ok(v) {
        Ok(v)
    } else if v.is_finite() {
        Err(crate::model::VALUE_EXPECTED)
    } else {
        Err(EXPECTED)
    }
}

/// A `sequence` cell: blank is none; otherwise an integer.
pub(crate) fn parse_sequence(s: &[u8]) -> std::result::Result<Option<i64>, &'static str> {
    const EXPECTED: &str = "an integer (or blank for none)";
    if s.is_empty() {
        return Ok(None);
    }
    let digits = s.strip_prefix(b"-").or(s.strip_prefix(b"+")).unwrap_or(s);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(EXPECTED);
    }
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or(EXPECTED)
}

/// Where each column of a survey table is.
#[derive(Debug, Clone)]
pub(crate) struct SurveySchema {
    pub names: Vec<String>,
    customer: usize,
    ts: usize,
    tp: Option<usize>,
    scores: [(Option<usize>, &'static str); 3],
    /// As [`EventSchema::unguard`].
    pub unguard: bool,
}

impl SurveySchema {
    pub(crate) fn new(names: Vec<String>) -> Result<Self> {
        let customer = require(&names, CUSTOMER)?;
        let ts = require(&names, TIMESTAMP)?;
        let scores = [
            (find(&names, "nps"), "nps"),
            (find(&names, "csat"), "csat"),
            (find(&names, "ces"), "ces"),
        ];
        if scores.iter().all(|(i, _)| i.is_none()) {
            return Err(Error::MissingColumn {
                column: "nps".into(),
                found: format!(
                    "{} (a survey table needs at least one of nps, csat, ces)",
                    names.join(", ")
                ),
            });
        }
        Ok(SurveySchema {
            tp: find(&names, TOUCHPOINT),
            names,
            customer,
            ts,
            scores,
            unguard: false,
        })
    }

    /// The columns the responses are read from.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(crate) fn columns(&self) -> Vec<usize> {
        let mut cols = vec![self.customer, self.ts];
        cols.extend(self.tp);
        cols.extend(self.scores.iter().filter_map(|s| s.0));
        cols.sort_unstable();
        cols
    }

    pub(crate) fn parse_row<'a>(
        &self,
        line: u64,
        get: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<RawResponse> {
        let r = self.parse_cells(line, get)?;
        Ok(RawResponse {
            customer_id: r.customer.to_string(),
            timestamp_us: r.ts,
            touchpoint: r.touchpoint.map(str::to_string),
            nps: r.scores[0],
            csat: r.scores[1],
            ces: r.scores[2],
        })
    }

    /// One response, borrowing its text from the row.
    pub(crate) fn parse_cells<'a>(
        &self,
        line: u64,
        get: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<ResponseCells<'a>> {
        let cell = |i: usize| trim(get(i).unwrap_or(b""));
        let text = |i: usize| -> Result<&'a str> {
            let raw = trim(get(i).unwrap_or(b""));
            std::str::from_utf8(raw)
                .map(|t| if self.unguard { unguard(t) } else { t })
                .map_err(|_| Error::invalid_value(line, &self.names[i], raw, "valid UTF-8 text"))
        };
        let customer = text(self.customer)?;
        if customer.is_empty() {
            return Err(Error::invalid_value(
                line,
                CUSTOMER,
                b"",
                "a non-empty customer id",
            ));
        }
        let raw_ts = cell(self.ts);
        let ts = parse_timestamp(raw_ts)
            .map_err(|e| Error::invalid_value(line, TIMESTAMP, raw_ts, e))?;
        let touchpoint = self.tp.map(text).transpose()?.filter(|t| !t.is_empty());
        let mut scores = [None; 3];
        for (k, (col, name)) in self.scores.iter().enumerate() {
            let Some(i) = col else { continue };
            let raw = cell(*i);
            if raw.is_empty() {
                continue;
            }
            let v = Some(raw)
                .filter(|t| t.iter().all(u8::is_ascii_digit))
                .map(|t| {
                    t.iter().fold(0u32, |n, &d| {
                        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
                    })
                })
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| {
                    let expected = crate::model::survey_expected(name);
                    Error::invalid_value(line, name, raw, &expected)
                })?;
            crate::model::check_score(name, v)
                .map_err(|exp| Error::invalid_value(line, name, raw, exp))?;
            scores[k] = Some(v);
        }
        Ok(ResponseCells {
            customer,
            ts,
            touchpoint,
            scores,
        })
    }
}

/// One checked survey response, its text borrowed.
pub(crate) struct ResponseCells<'a> {
    pub customer: &'a str,
    pub ts: i64,
    pub touchpoint: Option<&'a str>,
    /// nps, csat, ces.
    pub scores: [Option<u8>; 3],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!(parse_value(b"").unwrap().is_nan());
        assert_eq!(parse_value(b"12.50"), Ok(12.5));
        assert_eq!(parse_value(b"-3e2"), Ok(-300.0));
        assert!(parse_value(b"inf").is_err());
        assert!(parse_value(b"NaN").is_err());
        assert!(parse_value(b"12,50").is_err());
        // Sums of values must stay finite: 1e308 + 1e308 would be infinite.
        assert_eq!(parse_value(b"1e15"), Ok(1e15));
        assert_eq!(parse_value(b"-1e15"), Ok(-1e15));
        assert_eq!(parse_value(b"1e308"), Err(crate::model::VALUE_EXPECTED));
        assert_eq!(
            parse_value(b"1000000000000001"),
            Err(crate::model::VALUE_EXPECTED)
        );
        assert!(parse_value(b"1e999").is_err());
    }
}
