//! JSON readers: a JSON array of objects, or JSON Lines (one object per line). Keys play the
//! role of CSV columns; numbers are accepted for `timestamp` (Unix seconds), `value` and the
//! scores; `null` is a blank cell.

use std::io::Read;

use serde_json::Value;

use super::row::{header_names, EventSchema, PieceBuilder, SurveySchema};
use super::{read_all, ErrorSink, LoadOptions, Mode};
use crate::error::{Error, Result};
use crate::model::{EventLog, EventLogBuilder, Surveys, SurveysBuilder, SURVEY_COLUMNS};

/// One JSON object as cells: `(key, raw text)`, with `None` for null.
type Cells = Vec<(String, Option<Vec<u8>>)>;

/// The text of a numeric customer id: integers as written; a number with a fraction or an
/// exponent only if it is a whole number below 2^53 (so `5` and `5.0` are one customer).
/// Beyond that a JSON number has lost digits on the way (ids above 2^64 go through floating
/// point), so two customers could merge: the id must be written as a string.
fn customer_id_text(line: u64, key: &str, n: &serde_json::Number) -> Result<Vec<u8>> {
    if n.is_u64() || n.is_i64() {
        return Ok(n.to_string().into_bytes());
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
            Ok((f as i64).to_string().into_bytes())
        }
        _ => Err(Error::invalid_value(
            line,
            key,
            n.to_string().as_bytes(),
            "a string, or a whole number that JSON holds exactly (an integer of at most 64 \
             bits); write larger or fractional ids as strings",
        )),
    }
}

fn cells_of(line: u64, v: Value, opts: &LoadOptions) -> Result<Cells> {
    let Value::Object(map) = v else {
        return Err(Error::MalformedRow {
            line,
            message: "expected a JSON object".into(),
        });
    };
    map.into_iter()
        .map(|(k, v)| {
            let cell = match v {
                Value::Null => None,
                Value::String(s) => Some(s.into_bytes()),
                Value::Number(n) if opts.canonical(k.trim()) == super::row::CUSTOMER => {
                    Some(customer_id_text(line, &k, &n)?)
                }
                Value::Number(n) => Some(n.to_string().into_bytes()),
                Value::Bool(b) => Some(b.to_string().into_bytes()),
                other => {
                    return Err(Error::invalid_value(
                        line,
                        &k,
                        other.to_string().as_bytes(),
                        "a string, a number or null",
                    ))
                }
            };
            Ok((k, cell))
        })
        .collect()
}

/// Calls `f(line, cells)` for every object of a JSON array or JSON Lines text, in order.
fn for_each_object(
    bytes: &[u8],
    opts: &LoadOptions,
    mut f: impl FnMut(u64, Result<Cells>) -> Result<()>,
) -> Result<u64> {
    // Long because it is one scan of the bytes (an array or JSON Lines) that keeps the line
    // of every object for the errors.
    let line_at = |pos: usize| 1 + memchr::memchr_iter(b'\n', &bytes[..pos]).count() as u64;
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let mut rows = 0;
    if bytes.get(start) == Some(&b'[') {
        // An array: parse element by element to know each one's line.
        let mut pos = start + 1;
        let mut line = line_at(pos);
        let mut counted = pos;
        let skip_ws = |pos: &mut usize| {
            while bytes.get(*pos).is_some_and(|b| b.is_ascii_whitespace()) {
                *pos += 1;
            }
        };
        skip_ws(&mut pos);
        if bytes.get(pos) == Some(&b']') {
            pos += 1;
            skip_ws(&mut pos);
            if pos < bytes.len() {
                return Err(Error::MalformedRow {
                    line: line_at(pos),
                    message: "unexpected data after the JSON array (the input must be one \
                              array, or JSON Lines)"
                        .into(),
                });
            }
            return Ok(0);
        }
        loop {
            skip_ws(&mut pos);
            line += memchr::memchr_iter(b'\n', &bytes[counted..pos]).count() as u64;
            counted = pos;
            let mut de = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<Value>();
            let v = match de.next() {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    return Err(Error::MalformedRow {
                        line: line + e.line() as u64 - 1,
                        message: format!("invalid JSON: {e}"),
                    })
                }
                None => {
                    return Err(Error::MalformedRow {
                        line,
                        message: "unterminated JSON array".into(),
                    })
                }
            };
            pos += de.byte_offset();
            rows += 1;
            f(line, cells_of(line, v, opts))?;
            skip_ws(&mut pos);
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => {
                    pos += 1;
                    skip_ws(&mut pos);
                    if pos < bytes.len() {
                        line += memchr::memchr_iter(b'\n', &bytes[counted..pos]).count() as u64;
                        return Err(Error::MalformedRow {
                            line,
                            message: "unexpected data after the JSON array (the input must be \
                                      one array, or JSON Lines)"
                                .into(),
                        });
                    }
                    break;
                }
                _ => {
                    line += memchr::memchr_iter(b'\n', &bytes[counted..pos]).count() as u64;
                    return Err(Error::MalformedRow {
                        line,
                        message: "expected ',' or ']' after an array element".into(),
                    });
                }
            }
        }
        return Ok(rows);
    }
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.trim_ascii();
        if raw.is_empty() {
            continue;
        }
        rows += 1;
        let cells = serde_json::from_slice::<Value>(raw)
            .map_err(|e| Error::MalformedRow {
                line,
                message: format!("invalid JSON: {e}"),
            })
            .and_then(|v| cells_of(line, v, opts));
        f(line, cells)?;
    }
    Ok(rows)
}

/// Finds the column index of every key, adding columns as new keys appear. Keys are trimmed
/// and renamed as CSV headers are; two keys of one object that become the same are an error.
fn row_of<'a>(
    names: &mut Vec<String>,
    cells: &'a Cells,
    opts: &LoadOptions,
    line: u64,
) -> Result<Vec<Option<&'a [u8]>>> {
    let mut row = vec![None; names.len()];
    let mut seen = vec![false; names.len()];
    for (k, v) in cells {
        let k = opts.canonical(k.trim());
        let i = match names.iter().position(|n| n == k) {
            Some(i) => i,
            None => {
                names.push(k.to_string());
                row.push(None);
                seen.push(false);
                names.len() - 1
            }
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(Error::MalformedRow {
                line,
                message: format!("key {k:?} appears twice in one object"),
            });
        }
        row[i] = v.as_deref();
    }
    Ok(row)
}

/// Reads an event log from a JSON array of objects or JSON Lines.
///
/// JSON Lines are cut into pieces of whole lines, parsed on all cores (feature `parallel`) and
/// joined in input order, as CSV is: the log, and every error with its line, are those of a
/// sequential read.
pub fn read_events_json(reader: impl Read, opts: &LoadOptions) -> Result<EventLog> {
    let bytes = read_all(reader)?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'[') {
        return read_events_json_lines(&bytes, opts);
    }
    let mut sink = ErrorSink::new(opts);
    let mut builder = EventLogBuilder::new().with_ties(opts.ties);
    // The keys seen so far act as the header; the schema is rebuilt when new keys appear.
    let mut names: Vec<String> = REQUIRED.map(String::from).to_vec();
    let mut schema = EventSchema::new(header_names(&names, opts)?, opts)?;
    let rows = for_each_object(&bytes, opts, |line, cells| {
        let result = cells.and_then(|cells| {
            let row = row_of(&mut names, &cells, opts, line)?;
            if names.len() != schema.names.len() {
                schema = EventSchema::new(names.clone(), opts)?;
                for (_, p) in &schema.props {
                    builder.property_index(p);
                }
            }
            // Map schema property order to builder property order.
            let mut b_row = row.clone();
            b_row.resize(schema.names.len(), None);
            push_with_builder_props(&schema, &mut builder, line, &b_row)
        });
        match result {
            Ok(()) => Ok(()),
            Err(e) => sink.push(e),
        }
    })?;
    Ok(builder.build_with_report(
        opts.catalog.as_ref(),
        &opts.conversion_refs(),
        sink.report(rows),
    ))
}

const REQUIRED: [&str; 3] = ["customer_id", "timestamp", "touchpoint"];

/// Bytes of JSON Lines parsed by one task (tiny in unit tests, so that small inputs take many).
const PIECE: usize = if cfg!(test) { 1 << 8 } else { 1 << 20 };

/// The rows of one piece of JSON Lines, with the keys in the order the piece first saw them.
struct LinesPiece {
    builder: PieceBuilder,
    /// The piece's property columns, in the order of its builder's.
    props: Vec<String>,
    /// Every key, in the order first seen (the piece's "header").
    keys: Vec<String>,
    rows: u64,
    /// Errors with line numbers local to the piece (first line = 1).
    errors: Vec<Error>,
    skipped: u64,
    newlines: u64,
}

fn parse_lines_piece(bytes: &[u8], opts: &LoadOptions) -> LinesPiece {
    let mut names: Vec<String> = REQUIRED.map(String::from).to_vec();
    let mut piece = LinesPiece {
        builder: PieceBuilder::new(0, memchr::memchr_iter(b'\n', bytes).count() + 1),
        props: Vec::new(),
        keys: Vec::new(),
        rows: 0,
        errors: Vec::new(),
        skipped: 0,
        newlines: memchr::memchr_iter(b'\n', bytes).count() as u64,
    };
    let strict = opts.mode == Mode::Strict;
    let mut schema: Option<EventSchema> = None;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        let raw = raw.trim_ascii();
        if raw.is_empty() {
            continue;
        }
        piece.rows += 1;
        let result = serde_json::from_slice::<Value>(raw)
            .map_err(|e| Error::MalformedRow {
                line,
                message: format!("invalid JSON: {e}"),
            })
            .and_then(|v| cells_of(line, v, opts))
            .and_then(|cells| {
                let row = row_of(&mut names, &cells, opts, line)?;
                if schema
                    .as_ref()
                    .map_or(true, |s| s.names.len() != names.len())
                {
                    let s = EventSchema::new(names.clone(), opts)?;
                    for (_, p) in &s.props[piece.props.len()..] {
                        piece.props.push(p.clone());
                        piece.builder.add_property();
                    }
                    schema = Some(s);
                }
                let schema = schema.as_ref().expect("set above");
                let mut row = row;
                row.resize(schema.names.len(), None);
                schema.push_row(&mut piece.builder, line, |i| row.get(i).copied().flatten())
            });
        if let Err(e) = result {
            piece.skipped += 1;
            if piece.errors.len() < opts.max_reported_errors.max(1) {
                piece.errors.push(e);
            }
            if strict {
                break;
            }
        }
    }
    piece.keys = names;
    piece
}

/// Cuts JSON Lines into pieces of about [`PIECE`] bytes, each ending after a newline (a JSON
/// text holds no raw newline, so every newline ends a line).
fn cut_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let target = start + PIECE;
        let end = if target >= bytes.len() {
            bytes.len()
        } else {
            memchr::memchr(b'\n', &bytes[target..]).map_or(bytes.len(), |i| target + i + 1)
        };
        pieces.push(&bytes[start..end]);
        start = end;
    }
    pieces
}

fn read_events_json_lines(bytes: &[u8], opts: &LoadOptions) -> Result<EventLog> {
    let pieces = cut_lines(bytes);
    #[cfg(feature = "parallel")]
    let parsed: Vec<LinesPiece> = {
        use rayon::prelude::*;
        pieces
            .par_iter()
            .map(|p| parse_lines_piece(p, opts))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parsed: Vec<LinesPiece> = pieces.iter().map(|p| parse_lines_piece(p, opts)).collect();
    let mut sink = ErrorSink::new(opts);
    let mut builder = EventLogBuilder::new().with_ties(opts.ties);
    builder.reserve(parsed.iter().map(|p| p.builder.cust.len()).sum());
    // The keys in the order a sequential read first sees them: the property columns follow it.
    let mut keys: Vec<String> = REQUIRED.map(String::from).to_vec();
    let mut rows = 0;
    let mut line = 0u64;
    for p in parsed {
        rows += p.rows;
        let extra = p.skipped - p.errors.len() as u64;
        for e in p.errors {
            sink.push(e.shifted(line))?;
        }
        sink.skipped += extra;
        line += p.newlines;
        let before = keys.len();
        for k in &p.keys {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        if keys.len() != before {
            let schema = EventSchema::new(keys.clone(), opts)?;
            for (_, name) in &schema.props {
                builder.property_index(name);
            }
        }
        let map: Vec<usize> = p.props.iter().map(|n| builder.property_index(n)).collect();
        builder.append_piece_props(p.builder, &map);
    }
    Ok(builder.build_with_report(
        opts.catalog.as_ref(),
        &opts.conversion_refs(),
        sink.report(rows),
    ))
}

/// Pushes a row whose property columns may be declared in the builder in another order.
fn push_with_builder_props(
    schema: &EventSchema,
    builder: &mut EventLogBuilder,
    line: u64,
    row: &[Option<&[u8]>],
) -> Result<()> {
    // The schema's props were declared in the builder in schema order when first seen; since
    // keys are only ever appended, schema order and builder order agree.
    debug_assert!(schema
        .props
        .iter()
        .zip(&builder.prop_names)
        .all(|((_, a), b)| a == b));
    schema.push_row(builder, line, |i| row.get(i).copied().flatten())
}

/// Reads survey responses from a JSON array of objects or JSON Lines.
pub fn read_surveys_json(reader: impl Read, opts: &LoadOptions) -> Result<Surveys> {
    let bytes = read_all(reader)?;
    let mut sink = ErrorSink::new(opts);
    let mut builder = SurveysBuilder::new();
    let mut names: Vec<String> = SURVEY_COLUMNS.map(String::from).to_vec();
    let schema = SurveySchema::new(names.clone())?;
    let rows = for_each_object(&bytes, opts, |line, cells| {
        let parsed = cells.and_then(|cells| {
            let row = row_of(&mut names, &cells, opts, line)?;
            schema.parse_row(line, |i| row.get(i).copied().flatten())
        });
        match parsed {
            Ok(r) => builder.push(r),
            Err(e) => sink.push(e),
        }
    })?;
    Ok(builder.build_with_report(sink.report(rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_and_lines_give_the_same_log() {
        let lines = "{\"customer_id\":\"a\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"touchpoint\":\"x\",\"plan\":\"pro\"}\n\n{\"customer_id\":\"a\",\"timestamp\":1767225601,\"touchpoint\":\"purchase\",\"value\":9.5}\n";
        let array = format!(
            "[\n{},\n{}\n]",
            lines.lines().next().unwrap(),
            lines.lines().nth(2).unwrap()
        );
        let opts = LoadOptions::default();
        let a = read_events_json(lines.as_bytes(), &opts).unwrap();
        let b = read_events_json(array.as_bytes(), &opts).unwrap();
        assert_eq!(a.rows().collect::<Vec<_>>(), b.rows().collect::<Vec<_>>());
        assert_eq!(a.n_events(), 2);
        assert_eq!(a.values()[1], 9.5);
        assert_eq!(
            a.property("plan").unwrap().values.names(),
            &["pro".to_string()]
        );
    }

    /// JSON Lines over many pieces (keys first seen late, blank lines, bad rows) give the log
    /// and the errors of the sequential read of the same objects as an array.
    #[test]
    fn many_pieces_of_lines_read_as_one_array() {
        let mut lines = Vec::new();
        for i in 0..400 {
            let mut o = format!(
                "{{\"customer_id\":\"c{}\",\"timestamp\":{},\"touchpoint\":\"t{}\"",
                (i * 7) % 31,
                1_767_225_600 + (i % 13),
                i % 5
            );
            if i > 150 && i % 3 == 0 {
                o.push_str(&format!(",\"plan\":\"p{}\"", i % 2));
            }
            if i > 300 && i % 4 == 0 {
                o.push_str(",\"zone\":\"z\"");
            }
            if i == 210 || i == 333 {
                o = o.replace("\"timestamp\":", "\"timestamp\":\"soon\",\"x\":");
            }
            o.push('}');
            lines.push(o);
        }
        let text = lines.join("\n\n");
        assert!(text.len() > 20 * PIECE, "the input spans many pieces");
        let array = format!("[{}]", lines.join(",\n\n"));
        for opts in [LoadOptions::lenient(), LoadOptions::default()] {
            let a = read_events_json(text.as_bytes(), &opts);
            let b = read_events_json(array.as_bytes(), &opts);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.rows().collect::<Vec<_>>(), b.rows().collect::<Vec<_>>());
                    let names = |l: &EventLog| -> Vec<String> {
                        l.properties().iter().map(|p| p.name.clone()).collect()
                    };
                    assert_eq!(names(&a), ["plan", "x", "zone"]);
                    assert_eq!(names(&a), names(&b));
                    assert_eq!(a.load_report(), b.load_report());
                    assert_eq!(a.load_report().rows_skipped, 2);
                    // Object 210 is on line 2 * 210 + 1 (a blank line between objects).
                    assert!(
                        a.load_report().errors[0].contains("line 421"),
                        "{:?}",
                        a.load_report()
                    );
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string());
                    assert_eq!(a.line(), Some(421));
                }
                (a, b) => panic!("{a:?} against {b:?}"),
            }
        }
    }

    #[test]
    fn errors_name_the_line_in_arrays() {
        let array = "[\n {\"customer_id\":\"a\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"touchpoint\":\"x\"},\n {\"customer_id\":\"a\",\"timestamp\":\"soon\",\"touchpoint\":\"x\"}\n]";
        let e = read_events_json(array.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert_eq!(e.column(), Some("timestamp"));
    }

    #[test]
    fn nothing_may_follow_the_array() {
        let a = r#"[{"customer_id":"a","timestamp":1,"touchpoint":"x"}]"#;
        let opts = LoadOptions::default();
        assert_eq!(read_events_json(a.as_bytes(), &opts).unwrap().n_events(), 1);
        assert_eq!(
            read_events_json(format!("  {a} \n\n").as_bytes(), &opts)
                .unwrap()
                .n_events(),
            1
        );
        for (text, line) in [
            (format!("{a}{a}"), 1),
            (format!("{a}\n garbage"), 2),
            (format!("{a},"), 1),
            ("[]\n[]".to_string(), 2),
            ("[] x".to_string(), 1),
        ] {
            let e = read_events_json(text.as_bytes(), &opts).unwrap_err();
            assert_eq!(e.code(), "malformed_row", "{text}");
            assert_eq!(e.line(), Some(line), "{text}: {e}");
            assert!(
                e.to_string()
                    .contains("unexpected data after the JSON array"),
                "{e}"
            );
            let e = read_surveys_json(text.as_bytes(), &opts).unwrap_err();
            assert!(
                e.to_string()
                    .contains("unexpected data after the JSON array"),
                "{e}"
            );
        }
    }

    #[test]
    fn numeric_customer_ids_are_exact_or_refused() {
        let opts = LoadOptions::default();
        let lines = "{\"customer_id\":5,\"timestamp\":1,\"touchpoint\":\"x\"}\n\
                     {\"customer_id\":5.0,\"timestamp\":2,\"touchpoint\":\"x\"}\n\
                     {\"customer_id\":\"5\",\"timestamp\":3,\"touchpoint\":\"x\"}\n\
                     {\"customer_id\":5e0,\"timestamp\":4,\"touchpoint\":\"x\"}\n\
                     {\"customer_id\":18446744073709551615,\"timestamp\":5,\"touchpoint\":\"x\"}\n\
                     {\"customer_id\":-9223372036854775808,\"timestamp\":6,\"touchpoint\":\"x\"}\n";
        let log = read_events_json(lines.as_bytes(), &opts).unwrap();
        assert_eq!(
            log.customer_ids(),
            &["-9223372036854775808", "18446744073709551615", "5"]
        );
        assert_eq!(log.journey_of("5").unwrap().len(), 4);
        // Above 2^64 two ids would merge through floating point; 2.5 is no id.
        for bad in [
            "123456789012345678901234567890",
            "123456789012345678901234567891",
            "2.5",
            "1e300",
            "9007199254740993.0",
        ] {
            let l = format!("{{\"customer_id\":{bad},\"timestamp\":1,\"touchpoint\":\"x\"}}");
            let e = read_events_json(l.as_bytes(), &opts).unwrap_err();
            assert_eq!(e.column(), Some("customer_id"), "{bad}");
            assert!(
                e.to_string()
                    .contains("write larger or fractional ids as strings"),
                "{e}"
            );
            let s = format!("{{\"customer_id\":{bad},\"timestamp\":1,\"nps\":9}}");
            assert!(read_surveys_json(s.as_bytes(), &opts).is_err(), "{bad}");
        }
        // Renamed keys are ids too; other columns keep the number's text.
        let mut renamed = LoadOptions::default();
        renamed.rename.insert("user".into(), "customer_id".into());
        let l = r#"{"user":1e400,"timestamp":1,"touchpoint":"x"}"#;
        assert!(read_events_json(l.as_bytes(), &renamed).is_err());
    }

    #[test]
    fn keys_are_trimmed_and_must_be_distinct() {
        let l = r#"{" customer_id ":"a","timestamp":1,"touchpoint":"x"," plan":"pro"}"#;
        let log = read_events_json(l.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(log.property("plan").unwrap().values.names(), &["pro"]);
        let l = r#"{"customer_id":"a","timestamp":1,"touchpoint":"x","plan":"a","plan ":"b"}"#;
        let e = read_events_json(l.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("\"plan\" appears twice"), "{e}");
    }

    #[test]
    fn nested_values_are_rejected() {
        let l = "{\"customer_id\":\"a\",\"timestamp\":1,\"touchpoint\":{\"x\":1}}";
        let e = read_events_json(l.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert_eq!(e.column(), Some("touchpoint"));
    }
}
