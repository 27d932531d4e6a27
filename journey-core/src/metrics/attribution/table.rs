//! Aggregated conversion paths: the input of every attribution model.
//!
//! Identical paths are merged (a hash of the id sequence -> counts), so the models run over
//! distinct paths with their numbers of conversions, conversion value and null (non-converting)
//! occurrences. The table comes from an [`EventLog`] or from a user's own table in the
//! ChannelAttribution layout (`path`, `total_conversions`, `total_conversion_value`,
//! `total_null`).

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};
use std::io::Read;

use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ingest::csv_error;
use crate::metrics::exact_sum::ExactSum;
use crate::metrics::paths::{Cutter, PathBuffer, PathOptions, PathRef};
use crate::model::{EventLog, Interner};

/// Separator of channel names in a `path` string.
pub const PATH_SEPARATOR: char = '>';

/// Customers per parallel task when aggregating a log. Fixed (not derived from the number of
/// threads) so the floating-point sums are the same on every machine.
const CHUNK: usize = 16_384;

const NONE: u32 = u32::MAX;

/// The paths of a table in row order, with their sort keys ([`PathTable::sorted_keys`]).
struct SortKeys {
    /// `(key, path index)`, sorted.
    keyed: Vec<(u128, usize)>,
    /// Bits per id in a key.
    bits: u32,
    /// Ids per key.
    per_key: usize,
}

impl SortKeys {
    /// The ids of the path of `key` when the key holds all of them (the path is shorter than
    /// a key), as `id + 1`; `None` for longer paths.
    fn ids(&self, key: u128) -> Option<impl Iterator<Item = u32> + '_> {
        let mask = (1u128 << self.bits) - 1;
        (key & mask == 0).then(|| {
            (0..self.per_key)
                .map(move |j| ((key >> ((self.per_key - 1 - j) as u32 * self.bits)) & mask) as u32)
                .take_while(|&id| id != 0)
        })
    }
}

/// Conversion paths aggregated by distinct sequence: each distinct path once, with how many
/// times it converted, the value of those conversions, and how many times it ended without one.
///
/// Build it from a log with [`PathTable::from_log`], from rows with [`PathTable::from_rows`],
/// or from CSV with [`read_path_table_csv`]; then call [`PathTable::attribution`] or
/// [`PathTable::attribution_table`](crate::metrics::attribution::PathTable::attribution_table).
///
/// Paths without any touch (every touch excluded, or outside the lookback window) are not rows:
/// their conversions and value are kept as [`PathTable::empty_conversions`] and
/// [`PathTable::empty_value`] and cannot be credited to any channel.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTable {
    pub(crate) names: Vec<String>,
    pub(crate) offsets: Vec<usize>,
    pub(crate) touches: Vec<u32>,
    pub(crate) conversions: Vec<f64>,
    pub(crate) value: Vec<f64>,
    pub(crate) nulls: Vec<f64>,
    pub(crate) empty_conversions: f64,
    pub(crate) empty_value: f64,
    pub(crate) empty_nulls: f64,
}

/// One row of a path table in the ChannelAttribution layout.
///
/// Deserialised (from JSON, Python dicts, JavaScript objects), `path` and `total_conversions`
/// are required and `total_conversion_value` and `total_null` default to 0; see
/// [`PathTable::from_json_rows`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRow {
    /// Channel names joined with `>` (spaces around names are ignored); empty for a path
    /// without touches.
    pub path: String,
    /// Number of times the path ended in a conversion.
    pub total_conversions: f64,
    /// Total value of those conversions (default 0).
    #[serde(default)]
    pub total_conversion_value: f64,
    /// Number of times the path ended without a conversion (default 0).
    #[serde(default)]
    pub total_null: f64,
}

/// Options of [`PathTable::from_log`] from keyword arguments (Python `PathTable.from_log(log,
/// level="channel", lookback=None, first_conversion_only=False, collapse_repeats=False,
/// exclude=None)`): the path options of attribution, nothing else.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PathTableOptions {
    /// Channel (default) or touchpoint names.
    pub level: crate::metrics::paths::Level,
    /// Touches longer than this before the conversion are dropped (default: none).
    pub lookback: Option<crate::time::Duration>,
    /// One path per customer, up to the first conversion.
    pub first_conversion_only: bool,
    /// Merge consecutive repeats into one touch.
    pub collapse_repeats: bool,
    /// Touchpoint names removed from the paths.
    pub exclude: Option<Vec<String>>,
}

impl PathTableOptions {
    /// The equivalent [`PathOptions`].
    pub fn path_options(&self) -> PathOptions {
        PathOptions {
            level: self.level,
            lookback_us: self.lookback.map(crate::time::Duration::as_us),
            first_conversion_only: self.first_conversion_only,
            collapse_repeats: self.collapse_repeats,
            exclude: self.exclude.clone().unwrap_or_default(),
        }
    }
}

impl PathTable {
    /// The names the ids of the paths refer to (channel or touchpoint names), sorted.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Number of distinct paths with at least one touch.
    pub fn len(&self) -> usize {
        self.conversions.len()
    }
    /// Whether there is no path with a touch.
    pub fn is_empty(&self) -> bool {
        self.conversions.is_empty()
    }
    /// The ids of distinct path `i`.
    pub fn path(&self, i: usize) -> &[u32] {
        &self.touches[self.offsets[i]..self.offsets[i + 1]]
    }
    /// Conversions of distinct path `i`.
    pub fn conversions(&self, i: usize) -> f64 {
        self.conversions[i]
    }
    /// Conversion value of distinct path `i`.
    pub fn value(&self, i: usize) -> f64 {
        self.value[i]
    }
    /// Non-converting occurrences of distinct path `i`.
    pub fn nulls(&self, i: usize) -> f64 {
        self.nulls[i]
    }
    /// Conversions of paths without any touch (they cannot be attributed).
    pub fn empty_conversions(&self) -> f64 {
        self.empty_conversions
    }
    /// Value of the conversions of paths without any touch.
    pub fn empty_value(&self) -> f64 {
        self.empty_value
    }
    /// All conversions, with or without touches.
    pub fn total_conversions(&self) -> f64 {
        self.conversions.iter().sum::<f64>() + self.empty_conversions
    }
    /// All conversion value, with or without touches.
    pub fn total_value(&self) -> f64 {
        self.attributed_value() + self.empty_value
    }
    /// The value of the paths with touches: the exact sum of their values, rounded once (so
    /// it does not depend on the order of the paths).
    pub(crate) fn attributed_value(&self) -> f64 {
        let mut s = ExactSum::default();
        for &v in &self.value {
            s.add(v);
        }
        s.value()
    }
    /// All non-converting paths.
    pub fn total_null(&self) -> f64 {
        self.nulls.iter().sum::<f64>() + self.empty_nulls
    }

    /// The table as rows, e.g. to write it out: the paths in name order (so that a table
    /// rebuilt from its rows, by a pickle or a CSV, lists them the same way), the empty path
    /// last if it has counts.
    pub fn rows(&self) -> Vec<PathRow> {
        let mut out: Vec<PathRow> = self
            .row_order()
            .into_iter()
            .map(|i| PathRow {
                path: self
                    .path(i)
                    .iter()
                    .map(|&t| self.names[t as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(">"),
                total_conversions: self.conversions[i],
                total_conversion_value: self.value[i],
                total_null: self.nulls[i],
            })
            .collect();
        if self.empty_conversions != 0.0 || self.empty_nulls != 0.0 || self.empty_value != 0.0 {
            out.push(PathRow {
                path: String::new(),
                total_conversions: self.empty_conversions,
                total_conversion_value: self.empty_value,
                total_null: self.empty_nulls,
            });
        }
        out
    }

    /// The paths' indices in the order of [`PathTable::rows`] (name order).
    fn row_order(&self) -> Vec<usize> {
        self.sorted_keys()
            .keyed
            .into_iter()
            .map(|(_, i)| i)
            .collect()
    }

    /// The paths' sort keys and indices, in the order of [`PathTable::rows`] (name order).
    ///
    /// Each path gets a key that orders as the path does up to its first ids: those ids packed
    /// into 128 bits, the first the most significant, each as `id + 1` in as few bits as the
    /// number of names needs (0 past the end, so a path comes before its extensions). The sort
    /// compares keys, and only paths with equal keys (equal in their first ids) whole. A path
    /// shorter than a key holds can be read back from its key ([`SortKeys::ids`]), without
    /// reaching into the paths again (a cache miss or two per path, in an order unlike the
    /// table's).
    fn sorted_keys(&self) -> SortKeys {
        let bits = (u64::BITS - (self.names.len() as u64).leading_zeros()).max(1);
        let per_key = (128 / bits) as usize;
        let mut keyed: Vec<(u128, usize)> = (0..self.len())
            .map(|i| {
                let p = self.path(i);
                let key = (0..per_key).fold(0u128, |k, j| {
                    (k << bits) | p.get(j).map_or(0, |&t| u128::from(t) + 1)
                });
                (key, i)
            })
            .collect();
        // Distinct paths: the order is total.
        let cmp = |a: &(u128, usize), b: &(u128, usize)| {
            a.0.cmp(&b.0)
                .then_with(|| self.path(a.1).cmp(self.path(b.1)))
        };
        #[cfg(feature = "parallel")]
        rayon::slice::ParallelSliceMut::par_sort_unstable_by(&mut keyed[..], cmp);
        #[cfg(not(feature = "parallel"))]
        keyed.sort_unstable_by(cmp);
        SortKeys {
            keyed,
            bits,
            per_key,
        }
    }

    /// Aggregates the conversion paths of `log` (cut as [`PathOptions`] says).
    ///
    /// ```
    /// use journey_core::metrics::attribution::PathTable;
    /// let csv = "customer_id,timestamp,touchpoint,channel\n\
    ///            a,1,ad,social\na,2,purchase,web\nb,1,ad,social\nb,2,purchase,web\n";
    /// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    /// let table = PathTable::from_log(&log, &Default::default()).unwrap();
    /// assert_eq!(table.len(), 1); // social -> purchase, twice
    /// assert_eq!(table.conversions(0), 2.0);
    /// ```
    pub fn from_log(log: &EventLog, opts: &PathOptions) -> Result<PathTable> {
        Ok(aggregate_log(log, opts, None)?.0)
    }

    /// Builds a table from rows in the ChannelAttribution layout. Rows with the same path are
    /// added up. Errors name the row (1-based) and the field.
    ///
    /// ```
    /// use journey_core::metrics::attribution::{PathRow, PathTable};
    /// let rows = vec![
    ///     PathRow { path: "search > email".into(), total_conversions: 3.0, total_conversion_value: 90.0, total_null: 7.0 },
    ///     PathRow { path: "search>email".into(), total_conversions: 1.0, total_conversion_value: 10.0, total_null: 0.0 },
    /// ];
    /// let table = PathTable::from_rows(rows).unwrap();
    /// assert_eq!(table.names(), ["email", "search"]);
    /// assert_eq!((table.len(), table.conversions(0), table.value(0)), (1, 4.0, 100.0));
    /// ```
    pub fn from_rows(rows: impl IntoIterator<Item = PathRow>) -> Result<PathTable> {
        let mut b = RawTable::default();
        for (i, row) in rows.into_iter().enumerate() {
            b.push(
                &row.path,
                row.total_conversions,
                row.total_conversion_value,
                row.total_null,
            )
            .map_err(|(field, msg)| {
                Error::argument("rows", format!("row {}, {field}: {msg}", i + 1))
            })?;
        }
        Ok(b.finish())
    }

    /// Builds a table from a JSON array of row objects (what the Python and JavaScript
    /// bindings pass): `path` and `total_conversions` are required, `total_conversion_value`
    /// and `total_null` optional (default 0), other keys are errors. Errors name the row
    /// (1-based) and the field.
    ///
    /// ```
    /// use journey_core::metrics::attribution::PathTable;
    /// let rows = serde_json::json!([{"path": "a>b", "total_conversions": 2}, {"total_conversions": 3}]);
    /// let err = PathTable::from_json_rows(&rows).unwrap_err().to_string();
    /// assert!(err.contains("row 2, path: missing"), "{err}");
    /// ```
    pub fn from_json_rows(rows: &serde_json::Value) -> Result<PathTable> {
        let bad = |msg: String| Error::argument("rows", msg);
        let list = match rows {
            serde_json::Value::Array(list) => list,
            other => {
                return Err(bad(format!(
                    "expected a list of row objects, found {}",
                    crate::args::json_kind(other)
                )))
            }
        };
        let mut parsed = Vec::with_capacity(list.len());
        for (i, row) in list.iter().enumerate() {
            let n = i + 1;
            let serde_json::Value::Object(obj) = row else {
                return Err(bad(format!(
                    "row {n}: expected an object with path and total_conversions, found {}",
                    crate::args::json_kind(row)
                )));
            };
            for (field, what) in [
                ("path", "channel names joined with \">\""),
                ("total_conversions", "a number"),
            ] {
                if !obj.contains_key(field) {
                    return Err(bad(format!(
                        "row {n}, {field}: missing; expected {what} (total_conversion_value \
                         and total_null are optional)"
                    )));
                }
            }
            let r: PathRow =
                serde_json::from_value(row.clone()).map_err(|e| bad(format!("row {n}: {e}")))?;
            parsed.push(r);
        }
        PathTable::from_rows(parsed)
    }

    /// The same table with the `exclude`d names removed from every path and, if asked,
    /// consecutive repeats merged; paths that become equal are added up.
    pub fn transformed(&self, exclude: &[String], collapse_repeats: bool) -> PathTable {
        let mut excluded = vec![false; self.names.len()];
        for name in exclude {
            if let Ok(i) = self.names.binary_search(name) {
                excluded[i] = true;
            }
        }
        if !collapse_repeats && !excluded.contains(&true) {
            return self.clone();
        }
        let mut agg = Agg::new();
        let mut buf = Vec::new();
        for i in 0..self.len() {
            buf.clear();
            for &t in self.path(i) {
                if excluded[t as usize] || (collapse_repeats && buf.last() == Some(&t)) {
                    continue;
                }
                buf.push(t);
            }
            agg.add(&buf, self.conversions[i], self.value[i], self.nulls[i]);
        }
        agg.empty_conversions += self.empty_conversions;
        agg.empty_value.add(self.empty_value);
        agg.empty_nulls += self.empty_nulls;
        agg.into_table(self.names.clone())
    }

    /// The names of `exclude` that are not names of this table, each once, in the order given.
    pub fn unknown_names(&self, exclude: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in exclude {
            if self.names.binary_search(name).is_err() && !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    /// Which names occur in at least one path.
    pub(crate) fn present(&self) -> Vec<bool> {
        let mut present = vec![false; self.names.len()];
        for &t in &self.touches {
            present[t as usize] = true;
        }
        present
    }
}

/// Reads a path table from CSV in the ChannelAttribution layout: a header with `path` and
/// `total_conversions` (required), `total_conversion_value` and `total_null` (optional, blank
/// cells = 0); other columns are ignored. Errors name the line (header = line 1), the column
/// and the value.
///
/// ```
/// let csv = "path,total_conversions,total_conversion_value,total_null\n\
///            search > email,3,90,7\nsocial,0,0,12\n";
/// let table = journey_core::metrics::attribution::read_path_table_csv(csv.as_bytes()).unwrap();
/// assert_eq!(table.names(), ["email", "search", "social"]);
/// assert_eq!(table.total_null(), 19.0);
/// let err = journey_core::metrics::attribution::read_path_table_csv("path,total_conversions\na,x\n".as_bytes());
/// assert_eq!(err.unwrap_err().line(), Some(2));
/// ```
pub fn read_path_table_csv(mut reader: impl Read) -> Result<PathTable> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut b = RawTable::default();
    if bytes.trim_ascii().is_empty() {
        return Ok(b.finish());
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::StringRecord::new();
    rdr.read_record(&mut rec).map_err(|e| csv_error(e, 1))?;
    let header: Vec<String> = rec.iter().map(|h| h.trim().to_string()).collect();
    let find = |name: &str| header.iter().position(|h| h == name);
    let require = |name: &str| {
        find(name).ok_or_else(|| Error::MissingColumn {
            column: name.to_string(),
            found: header.join(", "),
        })
    };
    let path_col = require("path")?;
    let conv_col = require("total_conversions")?;
    let value_col = find("total_conversion_value");
    let null_col = find("total_null");
    let n_cols = header.len();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, line)),
        }
        let line = rec.position().map_or(line, |p| p.line());
        if rec.len() != n_cols {
            return Err(Error::MalformedRow {
                line,
                message: format!("expected {n_cols} fields, found {}", rec.len()),
            });
        }
        let cell = |c: usize| rec.get(c).unwrap_or("").trim();
        let number = |c: usize, blank_is_zero: bool| -> Result<f64> {
            let s = cell(c);
            if s.is_empty() && blank_is_zero {
                return Ok(0.0);
            }
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Error::invalid_value(line, &header[c], s.as_bytes(), "a number"))
        };
        let conv = number(conv_col, false)?;
        let value = value_col.map_or(Ok(0.0), |c| number(c, true))?;
        let nulls = null_col.map_or(Ok(0.0), |c| number(c, true))?;
        if let Err((field, msg)) = b.push(cell(path_col), conv, value, nulls) {
            let col = match field {
                "path" => path_col,
                "total_conversions" => conv_col,
                "total_conversion_value" => value_col.unwrap_or(conv_col),
                _ => null_col.unwrap_or(conv_col),
            };
            return Err(Error::invalid_value(
                line,
                &header[col],
                cell(col).as_bytes(),
                msg,
            ));
        }
    }
    Ok(b.finish())
}

/// Rows as given, names in first-seen order; [`RawTable::finish`] sorts and aggregates.
#[derive(Debug, Default)]
struct RawTable {
    names: Interner,
    offsets: Vec<usize>,
    touches: Vec<u32>,
    conversions: Vec<f64>,
    value: Vec<f64>,
    nulls: Vec<f64>,
}

impl RawTable {
    /// Adds a row; an error names the field and what is wrong with it.
    fn push(
        &mut self,
        path: &str,
        conv: f64,
        value: f64,
        nulls: f64,
    ) -> std::result::Result<(), (&'static str, String)> {
        let count = |v: f64, field: &'static str| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err((field, format!("{v} is not a non-negative number")))
            }
        };
        count(conv, "total_conversions")?;
        count(nulls, "total_null")?;
        if !value.is_finite() {
            return Err((
                "total_conversion_value",
                format!("{value} is not a finite number"),
            ));
        }
        if conv == 0.0 && value != 0.0 {
            return Err((
                "total_conversion_value",
                "must be 0 when total_conversions is 0".to_string(),
            ));
        }
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let parts: Vec<&str> = if path.trim().is_empty() {
            Vec::new()
        } else {
            path.split(PATH_SEPARATOR).map(str::trim).collect()
        };
        if parts.iter().any(|p| p.is_empty()) {
            return Err((
                "path",
                format!("empty channel name in {path:?}; names are joined with \">\""),
            ));
        }
        // A row of zeros adds nothing; its names are not the table's (found by the path_table
        // fuzz target: they survived in `names()` but not in `rows()`).
        if conv == 0.0 && nulls == 0.0 && value == 0.0 {
            return Ok(());
        }
        for name in parts {
            let id = self.names.intern(name);
            self.touches.push(id);
        }
        self.offsets.push(self.touches.len());
        self.conversions.push(conv);
        self.value.push(value);
        self.nulls.push(nulls);
        Ok(())
    }

    fn finish(self) -> PathTable {
        let (names, remap) = self.names.sorted();
        let paths: Vec<Vec<u32>> = (0..self.conversions.len())
            .map(|i| {
                self.touches[self.offsets[i]..self.offsets[i + 1]]
                    .iter()
                    .map(|&t| remap[t as usize])
                    .collect()
            })
            .collect();
        // Rows are added in one canonical order (by path in name order, then by counts), so
        // the table, its row order and every sum are the same whatever the order of the rows.
        let mut order: Vec<usize> = (0..paths.len()).collect();
        order.sort_by(|&a, &b| {
            paths[a]
                .cmp(&paths[b])
                .then(self.conversions[a].total_cmp(&self.conversions[b]))
                .then(self.value[a].total_cmp(&self.value[b]))
                .then(self.nulls[a].total_cmp(&self.nulls[b]))
        });
        let mut agg = Agg::new();
        for i in order {
            agg.add(&paths[i], self.conversions[i], self.value[i], self.nulls[i]);
        }
        agg.into_table(names.names().to_vec())
    }
}

/// Distinct paths being aggregated: a hash of the id sequence finds the row to add to.
#[derive(Debug)]
pub(crate) struct Agg {
    index: FxHashMap<u64, u32>,
    /// Next distinct path with the same hash (collision chain), or [`NONE`].
    next: Vec<u32>,
    hashes: Vec<u64>,
    offsets: Vec<usize>,
    touches: Vec<u32>,
    conversions: Vec<f64>,
    /// Exact sums, so the value of a path does not depend on how customers were split.
    value: Vec<ExactSum>,
    nulls: Vec<f64>,
    empty_conversions: f64,
    empty_value: ExactSum,
    empty_nulls: f64,
}

fn hash_path(t: &[u32]) -> u64 {
    let mut h = FxHasher::default();
    t.hash(&mut h);
    h.finish()
}

impl Agg {
    pub(crate) fn new() -> Self {
        Agg {
            index: FxHashMap::default(),
            next: Vec::new(),
            hashes: Vec::new(),
            offsets: vec![0],
            touches: Vec::new(),
            conversions: Vec::new(),
            value: Vec::new(),
            nulls: Vec::new(),
            empty_conversions: 0.0,
            empty_value: ExactSum::default(),
            empty_nulls: 0.0,
        }
    }

    fn path(&self, i: u32) -> &[u32] {
        &self.touches[self.offsets[i as usize]..self.offsets[i as usize + 1]]
    }

    /// Adds `conv` conversions worth `value` and `nulls` non-conversions of path `t`. A row
    /// that carries nothing is ignored, so every name of the table is in a path with weight.
    pub(crate) fn add(&mut self, t: &[u32], conv: f64, value: f64, nulls: f64) {
        if conv == 0.0 && nulls == 0.0 && value == 0.0 {
            return;
        }
        if t.is_empty() {
            self.empty_conversions += conv;
            self.empty_value.add(value);
            self.empty_nulls += nulls;
        } else {
            let h = hash_path(t);
            // A path seen before takes the value into its sum; only a new one needs a sum
            // of its own (an allocation).
            if let Some(i) = self.find(h, t) {
                self.conversions[i] += conv;
                self.value[i].add(value);
                self.nulls[i] += nulls;
                return;
            }
            let mut v = ExactSum::default();
            v.add(value);
            self.add_hashed(h, t, conv, v, nulls);
        }
    }

    /// The index of path `t` (of hash `h`), if it is in the table.
    fn find(&self, h: u64, t: &[u32]) -> Option<usize> {
        let mut i = *self.index.get(&h)?;
        loop {
            if self.path(i) == t {
                return Some(i as usize);
            }
            if self.next[i as usize] == NONE {
                return None;
            }
            i = self.next[i as usize];
        }
    }

    fn add_hashed(&mut self, h: u64, t: &[u32], conv: f64, value: ExactSum, nulls: f64) {
        let new = self.conversions.len() as u32;
        let found = match self.index.entry(h) {
            Entry::Vacant(e) => {
                e.insert(new);
                None
            }
            Entry::Occupied(e) => {
                let mut i = *e.get();
                loop {
                    let r = self.offsets[i as usize]..self.offsets[i as usize + 1];
                    if &self.touches[r] == t {
                        break Some(i);
                    }
                    if self.next[i as usize] == NONE {
                        self.next[i as usize] = new;
                        break None;
                    }
                    i = self.next[i as usize];
                }
            }
        };
        match found {
            Some(i) => {
                let i = i as usize;
                self.conversions[i] += conv;
                self.value[i].merge(&value);
                self.nulls[i] += nulls;
            }
            None => {
                self.next.push(NONE);
                self.hashes.push(h);
                self.touches.extend_from_slice(t);
                self.offsets.push(self.touches.len());
                self.conversions.push(conv);
                self.value.push(value);
                self.nulls.push(nulls);
            }
        }
    }

    /// Adds every path of `other`, in its order (its sums of value move over: no copy).
    pub(crate) fn merge(&mut self, mut other: Agg) {
        let values = std::mem::take(&mut other.value);
        for (i, value) in values.into_iter().enumerate() {
            self.add_hashed(
                other.hashes[i],
                other.path(i as u32),
                other.conversions[i],
                value,
                other.nulls[i],
            );
        }
        self.empty_conversions += other.empty_conversions;
        self.empty_value.merge(&other.empty_value);
        self.empty_nulls += other.empty_nulls;
    }

    pub(crate) fn into_table(self, names: Vec<String>) -> PathTable {
        PathTable {
            names,
            offsets: self.offsets,
            touches: self.touches,
            conversions: self.conversions,
            value: self.value.iter().map(ExactSum::value).collect(),
            nulls: self.nulls,
            empty_conversions: self.empty_conversions,
            empty_value: self.empty_value.value(),
            empty_nulls: self.empty_nulls,
        }
    }
}

/// Per-name credits for conversions and for their value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Credits {
    pub conversions: Vec<f64>,
    pub value: Vec<f64>,
}

impl Credits {
    pub(crate) fn zero(n: usize) -> Self {
        Credits {
            conversions: vec![0.0; n],
            value: vec![0.0; n],
        }
    }
}

/// Time-decay credits being summed: exact sums per name, so they do not depend on how the
/// customers were split (threads, chunks, machines).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExactCredits {
    pub(crate) conversions: Vec<ExactSum>,
    pub(crate) value: Vec<ExactSum>,
}

impl ExactCredits {
    pub(crate) fn zero(n: usize) -> Self {
        ExactCredits {
            conversions: vec![ExactSum::default(); n],
            value: vec![ExactSum::default(); n],
        }
    }
    fn merge(&mut self, other: &ExactCredits) {
        for (a, b) in self.conversions.iter_mut().zip(&other.conversions) {
            a.merge(b);
        }
        for (a, b) in self.value.iter_mut().zip(&other.value) {
            a.merge(b);
        }
    }
    /// The credits, each sum rounded once.
    pub(crate) fn round(&self) -> Credits {
        Credits {
            conversions: self.conversions.iter().map(ExactSum::value).collect(),
            value: self.value.iter().map(ExactSum::value).collect(),
        }
    }
}

/// Time-decay credit of one converting path: weight `2^(-dt / half_life)` per touch, `dt` the
/// time from the touch to the conversion, normalised over the path.
pub(crate) fn time_decay_path(p: &PathRef<'_>, half_life_us: i64, out: &mut ExactCredits) {
    let Some(&latest) = p.times.last() else {
        return;
    };
    // Weights relative to the latest touch: the same after normalisation, and they cannot all
    // underflow to zero however old the touches are.
    let h = half_life_us as f64;
    let w = |t: i64| (-((latest - t) as f64) / h).exp2();
    let total: f64 = p.times.iter().map(|&t| w(t)).sum();
    for (&id, &t) in p.touches.iter().zip(p.times) {
        let share = w(t) / total;
        out.conversions[id as usize].add(share);
        out.value[id as usize].add(share * p.value);
    }
}

/// One fixed-size block of customers: its distinct paths and (if asked) time-decay credits.
fn aggregate_chunk(
    log: &EventLog,
    cutter: &Cutter<'_>,
    customers: std::ops::Range<usize>,
    n_names: usize,
    half_life_us: Option<i64>,
) -> (Agg, Option<ExactCredits>) {
    let mut agg = Agg::new();
    let mut td = half_life_us.map(|_| ExactCredits::zero(n_names));
    let mut buf = PathBuffer::default();
    let offsets = log.offsets();
    for c in customers {
        cutter.cut(c as u32, offsets[c]..offsets[c + 1], &mut buf, |p| {
            if p.converted {
                agg.add(p.touches, 1.0, p.value, 0.0);
                if let (Some(h), Some(td)) = (half_life_us, td.as_mut()) {
                    time_decay_path(&p, h, td);
                }
            } else {
                agg.add(p.touches, 0.0, 0.0, 1.0);
            }
        });
    }
    (agg, td)
}

/// Aggregates the paths of `log`; with `half_life_us`, also the time-decay credits (they need
/// the touch times, which the table does not keep).
pub(crate) fn aggregate_log(
    log: &EventLog,
    opts: &PathOptions,
    half_life_us: Option<i64>,
) -> Result<(PathTable, Option<Credits>)> {
    let cutter = Cutter::new(log, opts)?;
    let names = match opts.level {
        crate::metrics::paths::Level::Touchpoint => log.touchpoints().to_vec(),
        crate::metrics::paths::Level::Channel => log.channels().to_vec(),
    };
    let n = log.n_customers();
    let chunks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(CHUNK)
        .map(|lo| lo..(lo + CHUNK).min(n))
        .collect();
    let run = |r: &std::ops::Range<usize>| {
        aggregate_chunk(log, &cutter, r.clone(), names.len(), half_life_us)
    };
    #[cfg(feature = "parallel")]
    let parts: Vec<(Agg, Option<ExactCredits>)> = {
        use rayon::prelude::*;
        chunks.par_iter().map(run).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<(Agg, Option<ExactCredits>)> = chunks.iter().map(run).collect();
    let mut parts = parts.into_iter();
    let (mut agg, mut td) = parts.next().unwrap_or_else(|| {
        (
            Agg::new(),
            half_life_us.map(|_| ExactCredits::zero(names.len())),
        )
    });
    for (a, t) in parts {
        agg.merge(a);
        if let (Some(td), Some(t)) = (td.as_mut(), t) {
            td.merge(&t);
        }
    }
    Ok((agg.into_table(names), td.map(|t| t.round())))
}

/// The rows of [`PathTable::rows`] as columns, in name order: `path`,
/// `total_conversion_value`, `total_conversions`, `total_null`.
impl crate::model::Tabular for PathTable {
    fn table(&self) -> crate::Result<crate::model::Table<'_>> {
        let empty =
            self.empty_conversions != 0.0 || self.empty_nulls != 0.0 || self.empty_value != 0.0;
        let n = self.len() + usize::from(empty);
        let keys = self.sorted_keys();
        let with_empty = |v: &[f64], e: f64| -> crate::model::Column<'static> {
            crate::model::Column::Float(
                keys.keyed
                    .iter()
                    .map(|&(_, i)| v[i])
                    .chain(empty.then_some(e))
                    .map(|x| Some(x).filter(|x| x.is_finite()))
                    .collect(),
            )
        };
        // The path texts end to end (names joined with `>`), as Arrow holds them.
        // Their length first (the paths read in their own order), so the text is one
        // allocation.
        let name_len: Vec<usize> = self.names.iter().map(String::len).collect();
        let bytes = self
            .touches
            .iter()
            .map(|&t| name_len[t as usize] + 1)
            .sum::<usize>();
        let mut text = String::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0i64);
        let push = |text: &mut String, k: usize, t: usize| {
            if k > 0 {
                text.push(PATH_SEPARATOR);
            }
            text.push_str(&self.names[t]);
        };
        for &(key, i) in &keys.keyed {
            match keys.ids(key) {
                Some(ids) => {
                    for (k, id) in ids.enumerate() {
                        push(&mut text, k, id as usize - 1);
                    }
                }
                None => {
                    for (k, &t) in self.path(i).iter().enumerate() {
                        push(&mut text, k, t as usize);
                    }
                }
            }
            offsets.push(text.len() as i64);
        }
        if empty {
            offsets.push(text.len() as i64);
        }
        Ok(crate::model::Table::new(n)
            .with("path", crate::model::Column::Joined { text, offsets })
            .with(
                "total_conversion_value",
                with_empty(&self.value, self.empty_value),
            )
            .with(
                "total_conversions",
                with_empty(&self.conversions, self.empty_conversions),
            )
            .with("total_null", with_empty(&self.nulls, self.empty_nulls)))
    }
}

/// The canonical JSON shape of a table: `paths` (distinct paths), `total_conversions` (with
/// those of empty paths) and `rows` (as [`PathTable::rows`]).
impl Serialize for PathTable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PathTable", 3)?;
        st.serialize_field("paths", &self.len())?;
        st.serialize_field("total_conversions", &self.total_conversions())?;
        st.serialize_field("rows", &self.rows())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed columns list the rows as [`PathTable::rows`] does (name order, the empty path
    /// last), whatever order the paths were first seen in.
    #[test]
    fn table_columns_follow_rows() {
        use crate::model::{Column, Tabular};
        let t = read_path_table_csv(
            "path,total_conversions,total_conversion_value,total_null
             b>a,1,5,0
             a,2,0,1
             ,0,0,3
             a>b,0,0,4
"
            .as_bytes(),
        )
        .unwrap();
        let rows = t.rows();
        let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["a", "a>b", "b>a", ""]);
        // A table from a log keeps its paths in the order first seen: "z" before "a".
        let csv = "customer_id,timestamp,touchpoint,channel,value\n\
                   c1,1,ad,z,\nc1,2,purchase,web,5\nc2,3,ad,a,\nc2,4,purchase,web,7\n";
        let log = crate::ingest::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let from_log = PathTable::from_log(&log, &Default::default()).unwrap();
        let first_seen = from_log
            .path(0)
            .iter()
            .map(|&n| from_log.names[n as usize].as_str());
        assert_eq!(first_seen.collect::<Vec<_>>(), ["z"]);
        let table = from_log.table().unwrap();
        let Some(Column::Joined { text, offsets }) = table.column("path") else {
            panic!("the path column is joined text")
        };
        assert_eq!(
            (0..2)
                .map(|i| Column::joined(text, offsets, i))
                .collect::<Vec<_>>(),
            from_log
                .rows()
                .iter()
                .map(|r| r.path.as_str())
                .collect::<Vec<_>>()
        );
        assert_eq!(Column::joined(text, offsets, 0), "a");
        let table = t.table().unwrap();
        let Some(Column::Joined { text, offsets }) = table.column("path") else {
            panic!("the path column is joined text")
        };
        let from_table: Vec<&str> = (0..rows.len())
            .map(|i| Column::joined(text, offsets, i))
            .collect();
        assert_eq!(from_table, paths);
        let Some(Column::Float(nulls)) = table.column("total_null") else {
            panic!("total_null is numbers")
        };
        assert_eq!(nulls, &[Some(1.0), Some(4.0), Some(0.0), Some(3.0)]);
    }

    /// The packed sort keys give the order of the id sequences: with few names (2 bits an id,
    /// 64 ids a key) and many (9 bits, 14 ids a key), for paths longer than a key, paths that
    /// are prefixes of others, and paths equal in their first ids.
    #[test]
    fn row_order_is_the_order_of_the_paths() {
        for n_names in [3usize, 300] {
            let name = |k: usize| format!("n{k:03}");
            let mut rows = Vec::new();
            let mut x: u64 = 7;
            for i in 0..400 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = (x >> 33) as usize % 80;
                // Half the paths share a long first part, so keys tie and whole paths decide.
                let ids: Vec<usize> = (0..len)
                    .map(|j| {
                        if i % 2 == 0 && j < 70 {
                            j % n_names
                        } else {
                            ((x >> (j % 40)) as usize + j) % n_names
                        }
                    })
                    .collect();
                rows.push(PathRow {
                    path: ids.iter().map(|&k| name(k)).collect::<Vec<_>>().join(">"),
                    total_conversions: 1.0,
                    ..Default::default()
                });
            }
            let t = PathTable::from_rows(rows).unwrap();
            let mut naive: Vec<usize> = (0..t.len()).collect();
            naive.sort_by(|&a, &b| t.path(a).cmp(t.path(b)));
            assert_eq!(t.row_order(), naive, "{n_names} names");
            // The path texts of the table, read back from the keys for the short paths, are
            // those of the rows.
            let table = crate::model::Tabular::table(&t).unwrap();
            let Some(crate::model::Column::Joined { text, offsets }) = table.column("path") else {
                panic!("the path column is joined text")
            };
            let rows = t.rows();
            // (The empty path, when it has counts, is the last row.)
            let texts: Vec<&str> = (0..rows.len())
                .map(|i| crate::model::Column::joined(text, offsets, i))
                .collect();
            assert_eq!(
                texts,
                rows.iter().map(|r| r.path.as_str()).collect::<Vec<_>>()
            );
            assert!(rows.iter().any(|r| r.path.matches('>').count() > 70));
            assert!(t.len() > 150, "{}", t.len());
            assert!((0..t.len()).any(|i| t.path(i).len() > 70));
        }
    }

    /// Found by the `path_table` fuzz target: a row of zeros put its names into `names()`,
    /// though it is no path of the table, so the table rebuilt from its rows differed.
    #[test]
    fn rows_of_zeros_name_nothing() {
        let t =
            read_path_table_csv("path,total_conversions\na>b,1\nb,2\nc,0\n".as_bytes()).unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!(PathTable::from_rows(t.rows()).unwrap(), t);
        // Still checked: an empty name is an error even in a row of zeros.
        assert!(read_path_table_csv("path,total_conversions\na>>b,0\n".as_bytes()).is_err());
    }

    /// Found by the `path_table` fuzz target: the distinct paths kept the order of the input
    /// rows, so the same rows in another order gave another table (row order and sums).
    #[test]
    fn the_order_of_rows_does_not_matter() {
        let row = |path: &str, c: f64, v: f64, n: f64| PathRow {
            path: path.into(),
            total_conversions: c,
            total_conversion_value: v,
            total_null: n,
        };
        let rows = vec![
            row("d", 0.0, 0.0, 1.0),
            row("b>c", 1.0, 0.1, 0.0),
            row("a>b", 1.0, 30.0, 0.0),
            row("b>c", 1.0, 0.2, 0.0),
            row("b>c", 1.0, 0.3, 0.0),
            row("a", 0.0, 0.0, 2.0),
        ];
        let t = PathTable::from_rows(rows.clone()).unwrap();
        let paths: Vec<String> = t.rows().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["a", "a>b", "b>c", "d"]);
        let mut reversed = rows.clone();
        reversed.reverse();
        let mut rotated = rows;
        rotated.rotate_left(2);
        for other in [reversed, rotated] {
            let u = PathTable::from_rows(other).unwrap();
            assert_eq!(u, t);
            assert_eq!(u.value(2).to_bits(), t.value(2).to_bits());
        }
    }

    #[test]
    fn rows_aggregate_and_validate() {
        let t = PathTable::from_rows(vec![
            PathRow {
                path: "b > a".into(),
                total_conversions: 1.0,
                total_conversion_value: 5.0,
                total_null: 2.0,
            },
            PathRow {
                path: "".into(),
                total_conversions: 2.0,
                total_conversion_value: 1.0,
                total_null: 0.0,
            },
            PathRow {
                path: "b>a".into(),
                total_conversions: 1.0,
                total_conversion_value: 5.0,
                total_null: 0.0,
            },
        ])
        .unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.path(0), [1, 0]);
        assert_eq!((t.conversions(0), t.value(0), t.nulls(0)), (2.0, 10.0, 2.0));
        assert_eq!((t.empty_conversions(), t.empty_value()), (2.0, 1.0));
        assert_eq!(t.total_conversions(), 4.0);
        let rows = t.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].path, "b>a");
        assert_eq!(PathTable::from_rows(rows).unwrap(), t);
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({"paths": 1, "total_conversions": 4.0, "rows": [
                {"path": "b>a", "total_conversions": 2.0, "total_conversion_value": 10.0, "total_null": 2.0},
                {"path": "", "total_conversions": 2.0, "total_conversion_value": 1.0, "total_null": 0.0}
            ]})
        );

        let bad = |p: &str, c: f64, v: f64, n: f64| {
            PathTable::from_rows(vec![
                PathRow {
                    path: "a".into(),
                    total_conversions: 1.0,
                    ..Default::default()
                },
                PathRow {
                    path: p.into(),
                    total_conversions: c,
                    total_conversion_value: v,
                    total_null: n,
                },
            ])
            .unwrap_err()
            .to_string()
        };
        assert!(bad("a>>b", 1.0, 0.0, 0.0).contains("row 2, path: empty channel name"));
        assert!(bad("a", -1.0, 0.0, 0.0).contains("row 2, total_conversions"));
        assert!(bad("a", 1.0, f64::NAN, 0.0).contains("total_conversion_value"));
        assert!(bad("a", 0.0, 3.0, 0.0).contains("must be 0 when total_conversions is 0"));
        assert!(bad("a", 1.0, 0.0, f64::INFINITY).contains("total_null"));
    }

    #[test]
    fn json_rows_require_path_and_conversions() {
        use serde_json::json;
        let err = |v: serde_json::Value| PathTable::from_json_rows(&v).unwrap_err().to_string();
        // Without `path` the row used to become an empty path; without `total_conversions` it
        // used to be dropped. Both are errors naming the row and the field now.
        let e = err(json!([{"path": "a", "total_conversions": 1}, {"total_conversions": 3}]));
        assert!(e.contains("row 2, path: missing"), "{e}");
        let e = err(json!([{"path": "a>b", "total_null": 4}]));
        assert!(e.contains("row 1, total_conversions: missing"), "{e}");
        let e = err(json!([{"path": "a", "total_conversions": "x"}]));
        assert!(e.contains("row 1") && e.contains("\"x\""), "{e}");
        let e = err(json!([{"path": "a", "total_conversions": 1, "nulls": 2}]));
        assert!(e.contains("row 1") && e.contains("nulls"), "{e}");
        assert!(err(json!([3])).contains("row 1: expected an object"));
        assert!(err(json!({"path": "a"})).contains("expected a list"));
        let e = err(json!([{"path": "a", "total_conversions": -1}]));
        assert!(e.contains("row 1, total_conversions"), "{e}");
        // The optional fields default to 0.
        let t = PathTable::from_json_rows(&json!([
            {"path": "b > a", "total_conversions": 2},
            {"path": "a", "total_conversions": 0, "total_null": 5},
            {"path": "b>a", "total_conversions": 1, "total_conversion_value": 9.5},
        ]))
        .unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!(t.len(), 2);
        // Paths in name order: "a", then "b>a".
        assert_eq!(t.path(1), [1, 0]);
        assert_eq!((t.conversions(1), t.value(1), t.nulls(1)), (3.0, 9.5, 0.0));
        assert_eq!((t.conversions(0), t.value(0), t.nulls(0)), (0.0, 0.0, 5.0));
        assert!(PathTable::from_json_rows(&json!([])).unwrap().is_empty());
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let err = |s: &str| read_path_table_csv(s.as_bytes()).unwrap_err();
        let e = err("path,total_conversions,total_null\na,1,0\nb,1,x\n");
        assert_eq!((e.line(), e.column()), (Some(3), Some("total_null")));
        let e = err("path,total_conversions\na,1\n\"a\nb > \",1\nc,-2\n");
        assert_eq!((e.line(), e.column()), (Some(3), Some("path")));
        let e = err("path,total_conversions\na,1\nc,-2\n");
        assert_eq!((e.line(), e.column()), (Some(3), Some("total_conversions")));
        let e = err("path,total_conversions\na,1,3\n");
        assert_eq!((e.code(), e.line()), ("malformed_row", Some(2)));
        let e = err("path,conversions\na,1\n");
        assert_eq!(e.code(), "missing_column");
        assert!(e.to_string().contains("path, conversions"));
        let t = read_path_table_csv(
            "\u{feff}path , total_conversions,extra\n a > b ,2,x\n,1,y\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!((t.conversions(0), t.empty_conversions()), (2.0, 1.0));
        assert!(read_path_table_csv("".as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn transformed_excludes_and_collapses() {
        let t = PathTable::from_rows(vec![
            PathRow {
                path: "a>a>b>c".into(),
                total_conversions: 1.0,
                ..Default::default()
            },
            PathRow {
                path: "a>b>c".into(),
                total_null: 1.0,
                ..Default::default()
            },
            PathRow {
                path: "c".into(),
                total_conversions: 1.0,
                total_conversion_value: 4.0,
                ..Default::default()
            },
        ])
        .unwrap();
        let u = t.transformed(&["c".into(), "zzz".into()], true);
        assert_eq!(u.len(), 1);
        assert_eq!(u.path(0), [0, 1]);
        assert_eq!((u.conversions(0), u.nulls(0)), (1.0, 1.0));
        assert_eq!((u.empty_conversions(), u.empty_value()), (1.0, 4.0));
    }

    #[test]
    fn time_decay_is_linear_at_equal_times_and_never_underflows() {
        let mut c = ExactCredits::zero(2);
        let p = PathRef {
            touches: &[0, 1, 1],
            times: &[5, 5, 5],
            customer: 0,
            converted: true,
            end_time: 5,
            value: 3.0,
        };
        time_decay_path(&p, 1, &mut c);
        let c = c.round();
        assert!((c.conversions[0] - 1.0 / 3.0).abs() < 1e-15);
        assert!((c.value[1] - 2.0).abs() < 1e-15);
        let mut c = ExactCredits::zero(2);
        let p = PathRef {
            touches: &[0, 1],
            times: &[0, 1_000_000_000_000],
            customer: 0,
            converted: true,
            end_time: 2_000_000_000_000,
            value: 0.0,
        };
        time_decay_path(&p, 1, &mut c);
        assert_eq!(c.round().conversions, [0.0, 1.0]);
    }
}
