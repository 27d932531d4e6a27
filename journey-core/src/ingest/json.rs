//! JSON readers: a JSON array of objects, or JSON Lines (one object per line). Keys play the
//! role of CSV columns; numbers are accepted for `timestamp` (Unix seconds), `value` and the
//! scores; `null` is a blank cell.

use std::io::Read;

use serde_json::Value;

use super::row::{header_names, EventSchema, SurveySchema};
use super::{read_all, ErrorSink, LoadOptions};
use crate::error::{Error, Result};
use crate::model::{EventLog, EventLogBuilder, Surveys, SurveysBuilder};

/// One JSON object as cells: `(key, raw text)`, with `None` for null.
type Cells = Vec<(String, Option<Vec<u8>>)>;

fn cells_of(line: u64, v: Value) -> Result<Cells> {
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
    mut f: impl FnMut(u64, Result<Cells>) -> Result<()>,
) -> Result<u64> {
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
            f(line, cells_of(line, v))?;
            skip_ws(&mut pos);
            match bytes.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => break,
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
            .and_then(|v| cells_of(line, v));
        f(line, cells)?;
    }
    Ok(rows)
}

/// Finds the column index of every key, adding columns as new keys appear.
fn row_of<'a>(
    names: &mut Vec<String>,
    cells: &'a Cells,
    opts: &LoadOptions,
) -> Vec<Option<&'a [u8]>> {
    let mut row = vec![None; names.len()];
    for (k, v) in cells {
        let k = opts.canonical(k);
        let i = match names.iter().position(|n| n == k) {
            Some(i) => i,
            None => {
                names.push(k.to_string());
                row.push(None);
                names.len() - 1
            }
        };
        row[i] = v.as_deref();
    }
    row
}

/// Reads an event log from a JSON array of objects or JSON Lines.
pub fn read_events_json(reader: impl Read, opts: &LoadOptions) -> Result<EventLog> {
    let bytes = read_all(reader)?;
    let mut sink = ErrorSink::new(opts);
    let mut builder = EventLogBuilder::new();
    // The keys seen so far act as the header; the schema is rebuilt when new keys appear.
    let mut names: Vec<String> = ["customer_id", "timestamp", "touchpoint"]
        .map(String::from)
        .to_vec();
    let mut schema = EventSchema::new(header_names(&names, opts)?, opts)?;
    let rows = for_each_object(&bytes, |line, cells| {
        let result = cells.and_then(|cells| {
            let row = row_of(&mut names, &cells, opts);
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
    let mut names: Vec<String> = [
        "customer_id",
        "timestamp",
        "touchpoint",
        "nps",
        "csat",
        "ces",
    ]
    .map(String::from)
    .to_vec();
    let schema = SurveySchema::new(names.clone())?;
    let rows = for_each_object(&bytes, |line, cells| {
        let parsed = cells.and_then(|cells| {
            let row = row_of(&mut names, &cells, opts);
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

    #[test]
    fn errors_name_the_line_in_arrays() {
        let array = "[\n {\"customer_id\":\"a\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"touchpoint\":\"x\"},\n {\"customer_id\":\"a\",\"timestamp\":\"soon\",\"touchpoint\":\"x\"}\n]";
        let e = read_events_json(array.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert_eq!(e.column(), Some("timestamp"));
    }

    #[test]
    fn nested_values_are_rejected() {
        let l = "{\"customer_id\":\"a\",\"timestamp\":1,\"touchpoint\":{\"x\":1}}";
        let e = read_events_json(l.as_bytes(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.line(), Some(1));
        assert_eq!(e.column(), Some("touchpoint"));
    }
}
