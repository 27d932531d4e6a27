//! Reading event logs and survey responses from CSV and JSON (array or JSON Lines).
//!
//! Every reader takes any [`std::io::Read`]; [`read_events_path`] and [`read_surveys_path`] pick
//! the format from the file extension (`.json`, `.jsonl`, `.ndjson`; `.parquet` with the
//! `parquet` feature; else CSV).
//!
//! Bad input never panics and is never dropped silently: in [`Mode::Strict`] (the default) the
//! first bad row stops the load with an error naming the line (1-based, header = line 1), the
//! column and the value; in [`Mode::Lenient`] bad rows are skipped and counted in the
//! [`LoadReport`].

#[cfg(feature = "arrow")]
mod arrow;
mod catalog;
mod columns;
mod csv;
mod json;
#[cfg(feature = "parquet")]
mod parquet;
mod roles;
mod row;
mod write;

pub use crate::model::{LoadReport, Ties};
pub(crate) use catalog::csv_error;
pub use write::CsvWriteOptions;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Catalog, EventLog, Surveys};

#[cfg(feature = "arrow")]
pub use self::arrow::{map_columns, ArrowMapping, ArrowNames};
pub use self::columns::{
    ColumnChunk, EventColumns, FloatCells, IntCells, LoadControl, StrColumn, TextCell, TextCells,
    TimeCells, TimeColumn, TimeUnit, ValueCells, ValueColumn, NO_KEY,
};
pub use self::csv::{
    read_events_csv, read_events_csv_bytes, read_events_csv_bytes_with, read_surveys_csv,
    read_surveys_csv_bytes,
};
pub use self::json::{read_events_json, read_surveys_json};
#[cfg(feature = "parquet")]
pub use self::parquet::{
    read_events_parquet, read_events_parquet_path, read_events_parquet_path_with,
    read_surveys_parquet, read_surveys_parquet_path,
};
pub use self::roles::{ColumnNames, ColumnRoles, Role};

/// What to do with a bad row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The first bad row stops the load with an error.
    #[default]
    Strict,
    /// Bad rows are skipped and reported in the [`LoadReport`].
    Lenient,
}

impl std::str::FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "strict" => Ok(Mode::Strict),
            "lenient" => Ok(Mode::Lenient),
            _ => Err(Error::argument(
                "mode",
                format!("{s:?}: expected \"strict\" or \"lenient\""),
            )),
        }
    }
}

/// How to load.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Strict (default) or lenient.
    pub mode: Mode,
    /// Fills `channel` and `stage` for rows that lack them.
    pub catalog: Option<Catalog>,
    /// Touchpoints that are conversions (default `["purchase"]`).
    pub conversions: Vec<String>,
    /// Drop columns other than the known ones instead of keeping them as properties.
    pub ignore_extra_columns: bool,
    /// Source column name -> canonical name (`{"user_id": "customer_id", "ts": "timestamp"}`).
    pub rename: BTreeMap<String, String>,
    /// How many errors the lenient report quotes verbatim.
    pub max_reported_errors: usize,
    /// How events of one customer at the same time are ordered (after the `sequence` column,
    /// if there is one): by content (default) or in input order.
    pub ties: Ties,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            mode: Mode::Strict,
            catalog: None,
            conversions: vec!["purchase".to_string()],
            ignore_extra_columns: false,
            rename: BTreeMap::new(),
            max_reported_errors: 10,
            ties: Ties::Content,
        }
    }
}

impl LoadOptions {
    /// Lenient options, otherwise default.
    pub fn lenient() -> Self {
        LoadOptions {
            mode: Mode::Lenient,
            ..Default::default()
        }
    }

    pub(crate) fn conversion_refs(&self) -> Vec<&str> {
        self.conversions.iter().map(String::as_str).collect()
    }

    pub(crate) fn canonical<'a>(&'a self, name: &'a str) -> &'a str {
        self.rename.get(name).map(String::as_str).unwrap_or(name)
    }
}

/// Collects row errors: the first stops the load in strict mode; in lenient mode they are
/// counted and the first few kept.
#[derive(Debug)]
pub(crate) struct ErrorSink {
    mode: Mode,
    max: usize,
    pub(crate) skipped: u64,
    pub(crate) messages: Vec<String>,
}

impl ErrorSink {
    pub(crate) fn new(opts: &LoadOptions) -> Self {
        ErrorSink {
            mode: opts.mode,
            max: opts.max_reported_errors,
            skipped: 0,
            messages: Vec::new(),
        }
    }

    /// Records an error; returns it back if the load must stop.
    pub(crate) fn push(&mut self, e: Error) -> Result<()> {
        match self.mode {
            Mode::Strict => Err(e),
            Mode::Lenient => {
                self.skipped += 1;
                if self.messages.len() < self.max {
                    self.messages.push(e.to_string());
                }
                Ok(())
            }
        }
    }

    pub(crate) fn report(self, rows_read: u64) -> LoadReport {
        LoadReport {
            rows_read,
            rows_kept: rows_read - self.skipped,
            rows_skipped: self.skipped,
            errors: self.messages,
        }
    }
}

/// The format of a file, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV (any extension not listed below).
    Csv,
    /// JSON: an array of objects, or JSON Lines (`.json`, `.jsonl`, `.ndjson`).
    Json,
    /// Parquet (`.parquet`, `.pq`); read with the `parquet` feature.
    Parquet,
}

impl Format {
    /// The format a path's extension names: `.json` / `.jsonl` / `.ndjson` JSON, `.parquet` /
    /// `.pq` Parquet, anything else CSV.
    pub fn of_path(path: impl AsRef<Path>) -> Format {
        match path
            .as_ref()
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("json" | "jsonl" | "ndjson") => Format::Json,
            Some("parquet" | "pq") => Format::Parquet,
            _ => Format::Csv,
        }
    }

    /// The format to read a source in: the one asked for; else, for a file, the one its
    /// extension names ([`Format::of_path`]); else CSV: text and bytes given without a format
    /// are read as CSV.
    pub fn of_source(asked: Option<Format>, path: Option<&Path>) -> Format {
        match (asked, path) {
            (Some(f), _) => f,
            (None, Some(p)) => Format::of_path(p),
            (None, None) => Format::Csv,
        }
    }

    /// Takes the `format` entry out of options given as a JSON object (as the bindings pass
    /// their keyword options): absent or null is `None`, a name is read as by [`str::parse`]
    /// (`"csv"`, `"json"`, `"parquet"`), anything else is an [`Error::InvalidArgument`].
    pub fn take_from_json(
        args: &mut serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Format>> {
        match args.remove("format") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(f)) => f.parse().map(Some),
            Some(other) => Err(Error::argument(
                "format",
                format!("{other}: expected \"csv\", \"json\" or \"parquet\""),
            )),
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" | "jsonl" | "ndjson" => Ok(Format::Json),
            "parquet" => Ok(Format::Parquet),
            _ => Err(Error::argument(
                "format",
                format!("{s:?}: expected \"csv\", \"json\" or \"parquet\""),
            )),
        }
    }
}

#[cfg(not(feature = "parquet"))]
fn no_parquet(path: &Path) -> Error {
    Error::argument(
        "path",
        format!(
            "{:?} is a Parquet file, and this build reads Parquet only with the `parquet` \
             feature of journey-core",
            path.display().to_string()
        ),
    )
}

/// Threads that load in parallel (1 without the `parallel` feature).
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Opens a file to read, naming it in the error (`cannot open "x.csv": No such file ...`).
pub fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("cannot open {:?}: {e}", path.display().to_string()),
        ))
    })
}

/// Reads an event log from a file in the format of its extension ([`Format::of_path`]).
pub fn read_events_path(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<EventLog> {
    let path = path.as_ref();
    match Format::of_path(path) {
        Format::Json => read_events_json(open(path)?, opts),
        #[cfg(feature = "parquet")]
        Format::Parquet => read_events_parquet_path(path, opts),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(no_parquet(path)),
        Format::Csv => read_events_csv_path_with(path, opts, None),
    }
}

/// Reads a CSV survey file, through a memory map where the platform has one (see
/// [`read_events_csv_path_with`]).
pub fn read_surveys_csv_path(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Surveys> {
    let file = open(path.as_ref())?;
    #[cfg(not(target_family = "wasm"))]
    if let Some(map) = map_file(&file) {
        return read_surveys_csv_bytes(&map, opts);
    }
    read_surveys_csv(file, opts)
}

/// A read-only memory map of a regular, non-empty file (`None` for a pipe, an empty file, or
/// where mapping fails: the caller then reads the file as a stream).
#[cfg(not(target_family = "wasm"))]
#[allow(unsafe_code)]
fn map_file(file: &File) -> Option<memmap2::Mmap> {
    if !file.metadata().is_ok_and(|m| m.is_file() && m.len() > 0) {
        return None;
    }
    // SAFETY: the map is read-only and lives only for the load that asked for it; the file
    // must not be truncated or rewritten meanwhile, the contract of every reader that maps
    // files (documented on the public readers).
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// Reads a CSV event file, watched by `control` (bytes done, cancellation). The file is read
/// through a memory map where the platform has one: its pages are parsed where they lie, not
/// copied into buffers first. A file that cannot be mapped (a pipe, say) is read as a stream.
///
/// Like every tool that maps files, this assumes nobody truncates or rewrites the file during
/// the load.
#[allow(unsafe_code)]
pub fn read_events_csv_path_with(
    path: impl AsRef<Path>,
    opts: &LoadOptions,
    control: Option<&LoadControl>,
) -> Result<EventLog> {
    let file = open(path.as_ref())?;
    #[cfg(not(target_family = "wasm"))]
    if let Some(map) = map_file(&file) {
        #[cfg(unix)]
        {
            let _ = map.advise(memmap2::Advice::Sequential);
            // Parsed batches leave the process's memory (the page cache keeps them), so
            // the map does not add the whole file to the peak resident size.
            // SAFETY: DONTNEED on a shared read-only file map only unmaps the pages; a
            // later read faults them in again from the file, unchanged.
            let release = |offset: usize, len: usize| {
                let _ = unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
                };
            };
            return csv::read_events_mapped(&map, opts, control, Some(&release));
        }
        #[cfg(not(unix))]
        return read_events_csv_bytes_with(&map, opts, control);
    }
    csv::read_events_stream_with(file, opts, control)
}

/// Reads an event log from bytes in a format (CSV is parsed in place). Without the `parquet`
/// feature, Parquet is an [`Error::InvalidArgument`] naming `format`.
pub fn read_events_bytes(bytes: &[u8], format: Format, opts: &LoadOptions) -> Result<EventLog> {
    match format {
        Format::Csv => read_events_csv_bytes(bytes, opts),
        Format::Json => read_events_json(bytes, opts),
        #[cfg(feature = "parquet")]
        Format::Parquet => read_events_parquet(bytes, opts),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(Error::argument(
            "format",
            "\"parquet\": this build reads Parquet only with the `parquet` feature of journey-core",
        )),
    }
}

/// Reads survey responses from a file in the format of its extension ([`Format::of_path`]).
pub fn read_surveys_path(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Surveys> {
    let path = path.as_ref();
    match Format::of_path(path) {
        Format::Json => read_surveys_json(open(path)?, opts),
        #[cfg(feature = "parquet")]
        Format::Parquet => read_surveys_parquet_path(path, opts),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(no_parquet(path)),
        Format::Csv => read_surveys_csv_path(path, opts),
    }
}

pub(crate) fn read_all(mut r: impl Read) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    Ok(buf)
}

/// One customer's touchpoints in the order the log holds them (for the readers' tests).
#[cfg(all(test, feature = "arrow"))]
pub(crate) fn touchpoints_of(log: &crate::EventLog, customer: &str) -> Vec<String> {
    let events = log.events_of(customer).expect("a customer of the log");
    events.into_iter().map(|e| e.touchpoint).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let e = read_events_path("no/such/events.csv", &LoadOptions::default()).unwrap_err();
        assert_eq!(e.code(), "io");
        let msg = e.to_string();
        assert!(
            msg.starts_with("i/o error: cannot open \"no/such/events.csv\": "),
            "{msg}"
        );
        let e = read_surveys_path("no/such/surveys.jsonl", &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("\"no/such/surveys.jsonl\""), "{e}");
    }

    #[test]
    fn a_source_without_a_format_is_read_by_its_extension_else_as_csv() {
        let of = Format::of_source;
        assert_eq!(of(None, None), Format::Csv);
        assert_eq!(of(None, Some(Path::new("a/b.JSONL"))), Format::Json);
        assert_eq!(of(None, Some(Path::new("b.pq"))), Format::Parquet);
        assert_eq!(of(None, Some(Path::new("b.txt"))), Format::Csv);
        // The format asked for wins over the extension.
        assert_eq!(
            of(Some(Format::Json), Some(Path::new("b.csv"))),
            Format::Json
        );
        assert_eq!(of(Some(Format::Parquet), None), Format::Parquet);
    }

    #[test]
    fn the_format_option_is_taken_out_of_json_options() {
        let take = |v: serde_json::Value| {
            let mut m = v.as_object().unwrap().clone();
            let f = Format::take_from_json(&mut m);
            (f, m.len())
        };
        let (f, rest) = take(serde_json::json!({"format": "json", "mode": "lenient"}));
        assert_eq!((f.unwrap(), rest), (Some(Format::Json), 1));
        assert_eq!(take(serde_json::json!({"format": null})).0.unwrap(), None);
        assert_eq!(take(serde_json::json!({"mode": "strict"})).0.unwrap(), None);
        assert_eq!(
            take(serde_json::json!({"format": "ndjson"})).0.unwrap(),
            Some(Format::Json)
        );
        let e = take(serde_json::json!({"format": "xml"})).0.unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert_eq!(
            e.to_string(),
            "invalid argument format: \"xml\": expected \"csv\", \"json\" or \"parquet\""
        );
        let e = take(serde_json::json!({"format": 3})).0.unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument format: 3: expected \"csv\", \"json\" or \"parquet\""
        );
    }

    #[test]
    fn bytes_are_read_in_the_format_given() {
        let opts = LoadOptions::default();
        let csv = b"customer_id,timestamp,touchpoint\na,1,ad\na,2,buy\n";
        let log = read_events_bytes(csv, Format::Csv, &opts).unwrap();
        assert_eq!((log.n_customers(), log.n_events()), (1, 2));
        let json = br#"[{"customer_id":"a","timestamp":1,"touchpoint":"ad"}]"#;
        let log = read_events_bytes(json, Format::Json, &opts).unwrap();
        assert_eq!((log.n_customers(), log.n_events()), (1, 1));
        // CSV given as JSON is a JSON error, not a silent CSV read.
        assert!(read_events_bytes(csv, Format::Json, &opts).is_err());
        #[cfg(not(feature = "parquet"))]
        {
            let e = read_events_bytes(csv, Format::Parquet, &opts).unwrap_err();
            assert_eq!(e.code(), "invalid_argument");
            assert!(e.to_string().contains("`parquet` feature"), "{e}");
        }
    }
}
