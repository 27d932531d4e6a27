//! Writers: the event log and surveys back to the CSV formats the readers take.

use std::io::Write;

use super::row::formula_start;
use crate::error::Result;
use crate::model::{EventLog, Surveys, EVENT_COLUMNS, NO_ID, NO_SCORE, SURVEY_COLUMNS};
use crate::time::format_us;

fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(w)
}

fn flush<W: Write>(mut w: csv::Writer<W>) -> Result<()> {
    w.flush()?;
    Ok(())
}

/// What `write` writes, as text (the log and the surveys hold UTF-8 only).
fn csv_text(write: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> Result<String> {
    let mut buf = Vec::new();
    write(&mut buf)?;
    Ok(String::from_utf8(buf).expect("the log and the surveys hold UTF-8 only"))
}

fn map_csv(e: csv::Error) -> crate::error::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => crate::error::Error::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

/// How CSV is written (JSON: `{"csv_safe": false}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvWriteOptions {
    /// Guard text cells against spreadsheet formulas (OWASP's advice on CSV injection): a text
    /// cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
    /// apostrophe (`=1+1` is written `'=1+1`), except `+` / `-` cells that are plain numbers;
    /// so does a cell that starts with an apostrophe followed by one of those or another
    /// apostrophe. journey's CSV readers drop that apostrophe again, so the round trip is
    /// exact. Numbers journey formats itself (timestamps, values, scores) are never guarded.
    pub csv_safe: bool,
}

impl Default for CsvWriteOptions {
    fn default() -> Self {
        CsvWriteOptions { csv_safe: true }
    }
}

/// `s` as written into a text cell.
fn cell<'a>(s: &'a str, opts: &CsvWriteOptions) -> std::borrow::Cow<'a, str> {
    if opts.csv_safe && needs_guard(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Whether a spreadsheet-safe writer guards `s` (see [`CsvWriteOptions::csv_safe`]).
fn needs_guard(s: &str) -> bool {
    match s.as_bytes() {
        [b'\'', next, ..] => formula_start(*next) || *next == b'\'',
        [b'+' | b'-', rest @ ..] => {
            // A plain number (`-5`, `+1.5e3`) is not a formula.
            !(rest
                .first()
                .is_some_and(|b| b.is_ascii_digit() || *b == b'.')
                && rest
                    .iter()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
                && s.parse::<f64>().is_ok_and(f64::is_finite))
        }
        [first, ..] => formula_start(*first),
        [] => false,
    }
}

impl EventLog {
    /// Writes the log as CSV (`customer_id,timestamp,touchpoint,channel,stage,value`, then the
    /// property columns), in log order: by customer id, then time. Text cells are guarded
    /// against spreadsheet formulas ([`CsvWriteOptions`]), which journey's readers undo: the
    /// text reads back as the same log.
    pub fn write_csv<W: Write>(&self, w: W) -> Result<()> {
        self.write_csv_with(w, &CsvWriteOptions::default())
    }

    /// [`EventLog::write_csv`] with options (`csv_safe: false` writes the text cells exactly as
    /// they are).
    pub fn write_csv_with<W: Write>(&self, w: W, opts: &CsvWriteOptions) -> Result<()> {
        let mut out = csv_writer(w);
        let mut header = EVENT_COLUMNS.to_vec();
        header.extend(self.properties.iter().map(|p| p.name.as_str()));
        out.write_record(&header).map_err(map_csv)?;
        let mut rec: Vec<String> = Vec::with_capacity(header.len());
        for j in self.journeys() {
            for i in j.range() {
                rec.clear();
                rec.push(cell(j.customer_id(), opts).into_owned());
                rec.push(format_us(self.ts[i]));
                rec.push(cell(self.touchpoint_name(self.touchpoint[i]), opts).into_owned());
                rec.push(cell(self.channel_name(self.channel[i]), opts).into_owned());
                rec.push(cell(self.stage_of(i).unwrap_or(""), opts).into_owned());
                let v = self.value[i];
                rec.push(if v.is_nan() {
                    String::new()
                } else {
                    v.to_string()
                });
                for p in &self.properties {
                    let id = p.ids[i];
                    rec.push(if id == NO_ID {
                        String::new()
                    } else {
                        cell(p.values.name(id), opts).into_owned()
                    });
                }
                out.write_record(&rec).map_err(map_csv)?;
            }
        }
        flush(out)
    }

    /// The log as CSV text ([`EventLog::write_csv`]).
    pub fn to_csv_string(&self) -> Result<String> {
        self.to_csv_string_with(&CsvWriteOptions::default())
    }

    /// The log as CSV text with options (see [`CsvWriteOptions`]).
    pub fn to_csv_string_with(&self, opts: &CsvWriteOptions) -> Result<String> {
        csv_text(|buf| self.write_csv_with(buf, opts))
    }
}

impl Surveys {
    /// Writes the responses as CSV (`customer_id,timestamp,touchpoint,nps,csat,ces`), text
    /// cells guarded against spreadsheet formulas as in [`EventLog::write_csv`].
    pub fn write_csv<W: Write>(&self, w: W) -> Result<()> {
        self.write_csv_with(w, &CsvWriteOptions::default())
    }

    /// [`Surveys::write_csv`] with options (see [`CsvWriteOptions`]).
    pub fn write_csv_with<W: Write>(&self, w: W, opts: &CsvWriteOptions) -> Result<()> {
        let mut out = csv_writer(w);
        out.write_record(SURVEY_COLUMNS).map_err(map_csv)?;
        let score = |v: u8| {
            if v == NO_SCORE {
                String::new()
            } else {
                v.to_string()
            }
        };
        for i in 0..self.len() {
            let tp = self.touchpoint[i];
            out.write_record([
                cell(self.customers.name(self.customer[i]), opts).into_owned(),
                format_us(self.ts[i]),
                if tp == NO_ID {
                    String::new()
                } else {
                    cell(self.touchpoints.name(tp), opts).into_owned()
                },
                score(self.nps[i]),
                score(self.csat[i]),
                score(self.ces[i]),
            ])
            .map_err(map_csv)?;
        }
        flush(out)
    }

    /// The responses as CSV text ([`Surveys::write_csv`]).
    pub fn to_csv_string(&self) -> Result<String> {
        self.to_csv_string_with(&CsvWriteOptions::default())
    }

    /// The responses as CSV text with options (see [`CsvWriteOptions`]).
    pub fn to_csv_string_with(&self, opts: &CsvWriteOptions) -> Result<String> {
        csv_text(|buf| self.write_csv_with(buf, opts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::row::unguard;

    #[test]
    fn formulas_are_guarded_and_read_back() {
        let safe = CsvWriteOptions::default();
        for (raw, written) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("-1+1", "'-1+1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''", "'''"),
            ("-", "'-"),
            ("-5", "-5"),
            ("+1.5e3", "+1.5e3"),
            ("-.5", "-.5"),
            ("-inf", "'-inf"),
            ("'plain", "'plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(cell(raw, &safe), written, "{raw:?}");
            assert_eq!(unguard(&cell(raw, &safe)), raw, "{raw:?}");
            assert_eq!(cell(raw, &CsvWriteOptions { csv_safe: false }), raw);
        }
    }

    #[test]
    fn the_csv_round_trip_is_exact_with_the_guard() {
        let csv = "customer_id,timestamp,touchpoint,channel,stage,value,note\n\
            =c,2026-01-01T00:00:00Z,+1+1,@web,-x,-5,'''=y\n\
            '+d,2026-01-02T00:00:00Z,ad,web,,,'''\n";
        let log = crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        // The loader drops one guarding apostrophe: '+d is +d, '''=y is ''=y, ''' is ''.
        assert_eq!(log.customer_ids(), ["+d", "=c"]);
        let raw = log
            .to_csv_string_with(&CsvWriteOptions { csv_safe: false })
            .unwrap();
        let want_raw = "customer_id,timestamp,touchpoint,channel,stage,value,note\n\
            +d,2026-01-02T00:00:00Z,ad,web,,,''\n\
            =c,2026-01-01T00:00:00Z,+1+1,@web,-x,-5,''=y\n";
        assert_eq!(raw, want_raw);
        let safe = log.to_csv_string().unwrap();
        let want_safe = "customer_id,timestamp,touchpoint,channel,stage,value,note\n\
            '+d,2026-01-02T00:00:00Z,ad,web,,,'''\n\
            '=c,2026-01-01T00:00:00Z,'+1+1,'@web,'-x,-5,'''=y\n";
        assert_eq!(safe, want_safe);
        let again = crate::read_events_csv(safe.as_bytes(), &Default::default()).unwrap();
        assert_eq!(again.to_csv_string().unwrap(), safe);
        assert_eq!(again.customer_ids(), log.customer_ids());
        assert_eq!(again.touchpoints(), log.touchpoints());
    }
}
