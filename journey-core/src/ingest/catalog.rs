//! The touchpoint catalog's CSV reader, and how a csv crate error becomes a [`crate::Error`]
//! (shared by every CSV reader).

use std::io::Read;

use crate::error::{Error, Result};
use crate::model::{Catalog, Kind};

impl Catalog {
    /// Reads a catalog CSV with columns `touchpoint` (required), `channel`, `stage`, `kind`
    /// (`digital` or `physical`).
    pub fn from_csv_reader(reader: impl Read) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(reader);
        let headers = rdr
            .headers()
            .map_err(|e| csv_error(e, 1))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let tp = col("touchpoint").ok_or_else(|| Error::MissingColumn {
            column: "touchpoint".into(),
            found: headers.join(", "),
        })?;
        let (ch, st, kd) = (col("channel"), col("stage"), col("kind"));
        let mut catalog = Catalog::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| csv_error(e, line))?;
            let name = rec.get(tp).unwrap_or("").trim();
            if name.is_empty() {
                return Err(Error::invalid_value(
                    line,
                    "touchpoint",
                    b"",
                    "a non-empty touchpoint name",
                ));
            }
            let opt = |c: Option<usize>| {
                c.and_then(|c| rec.get(c))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let kind = match opt(kd) {
                None | Some("digital") => Kind::Digital,
                Some("physical") => Kind::Physical,
                Some(other) => {
                    return Err(Error::invalid_value(
                        line,
                        "kind",
                        other.as_bytes(),
                        "digital or physical",
                    ))
                }
            };
            catalog.insert(name, opt(ch), opt(st), kind);
        }
        Ok(catalog)
    }
}

pub(crate) fn csv_error(e: csv::Error, fallback_line: u64) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::MalformedRow {
            line,
            message: format!("expected {expected_len} fields, found {len}"),
        },
        csv::ErrorKind::Utf8 { .. } => Error::MalformedRow {
            line,
            message: "not valid UTF-8".into(),
        },
        other => Error::MalformedRow {
            line,
            message: format!("{other:?}"),
        },
    }
}
