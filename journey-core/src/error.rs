//! The one error type of the crate.

use std::fmt;

/// Longest offending value quoted in an error message; longer values are cut with `...`.
const MAX_VALUE_CHARS: usize = 60;

/// Everything that can go wrong in journey.
///
/// Every variant has a stable [`Error::code`] that the Python and JavaScript bindings expose as
/// `.code`, so callers can branch on it without parsing messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value in a data row could not be read.
    #[error("invalid {column} {value:?} at line {line}, column {column}: {expected}")]
    InvalidValue {
        /// 1-based source line (the header is line 1).
        line: u64,
        /// Column name as written in the header.
        column: String,
        /// The offending value, cut to about 60 characters.
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// A cell of columnar input (Arrow, dataframes, typed arrays) could not be read.
    #[error("invalid {column} {value:?} at row {row}, column {column}: {expected}")]
    InvalidCell {
        /// 1-based row number.
        row: u64,
        /// Column name.
        column: String,
        /// The offending value, cut to about 60 characters.
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// A cell of a file read in columns (Parquet) could not be read: the row in the file and
    /// in its row group.
    #[error("invalid {column} {value:?} at row {row} (row group {row_group}, row {group_row} in it), column {column}: {expected}")]
    InvalidFileCell {
        /// 1-based row number in the file.
        row: u64,
        /// The row group, numbered from 0 (as pyarrow and DuckDB number them).
        row_group: u64,
        /// 1-based row number in the row group.
        group_row: u64,
        /// Column name.
        column: String,
        /// The offending value, cut to about 60 characters.
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// A file is not of its format, or is damaged (not Parquet, truncated, a page that does
    /// not decode).
    #[error("invalid {format} file: {message}")]
    InvalidFile {
        /// The format (`parquet`).
        format: String,
        /// What is wrong, and where (the row group, the column).
        message: String,
    },
    /// A column of columnar input (Arrow, dataframes, Parquet) has a type that does not fit
    /// the part it plays.
    #[error(
        "invalid argument data: column {column:?} ({part}) has type {found}; expected {expected}"
    )]
    ColumnType {
        /// Column name.
        column: String,
        /// The part it plays (`value`, `timestamp`, `property`, ...).
        part: String,
        /// Its type.
        found: String,
        /// What types fit.
        expected: String,
    },
    /// Two columns of a table read in columns play the same part: a column named after the
    /// part and another renamed to it, or `customerId` beside `customer_id`.
    #[error("columns {first:?} and {second:?} are both the {part} column; keep one, or choose one by name")]
    DuplicateColumn {
        /// The part (`customer_id`, `timestamp`, ...).
        part: String,
        /// The first column playing it.
        first: String,
        /// The second column playing it.
        second: String,
    },
    /// A row is malformed as a whole (wrong number of fields, unterminated quote, bad JSON).
    #[error("malformed row at line {line}: {message}")]
    MalformedRow {
        /// 1-based source line.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A required column is absent from the header.
    #[error("missing required column {column:?}; columns found: {found}")]
    MissingColumn {
        /// The required column.
        column: String,
        /// The columns that were found, comma separated.
        found: String,
    },
    /// An argument given to a function is not acceptable.
    #[error("invalid argument {name}: {message}")]
    InvalidArgument {
        /// Name of the argument, as the user spells it.
        name: String,
        /// Why it is rejected.
        message: String,
    },
    /// A journey map document is invalid.
    #[error("invalid journey map: {0}")]
    InvalidMap(String),
    /// Bytes given as a partial result (or a context) are not one: wrong magic bytes, another
    /// format version, or corrupted.
    #[error("invalid partial: {0}")]
    InvalidPartial(String),
    /// Two partial results (or a partial and a context) that cannot be combined: another
    /// analysis, other options, another context or differently loaded logs.
    #[error("partials do not match: {0}")]
    PartialMismatch(String),
    /// Reading the input failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A short stable identifier for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidValue { .. }
            | Error::InvalidCell { .. }
            | Error::InvalidFileCell { .. } => "invalid_value",
            Error::InvalidFile { .. } => "invalid_file",
            Error::ColumnType { .. } | Error::DuplicateColumn { .. } => "invalid_argument",
            Error::MalformedRow { .. } => "malformed_row",
            Error::MissingColumn { .. } => "missing_column",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::InvalidMap(_) => "invalid_map",
            Error::InvalidPartial(_) => "invalid_partial",
            Error::PartialMismatch(_) => "partial_mismatch",
            Error::Io(_) => "io",
        }
    }

    /// The source line the error points at, if it points at one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Error::InvalidValue { line, .. } | Error::MalformedRow { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The row of columnar input the error points at, if it points at one.
    pub fn row(&self) -> Option<u64> {
        match self {
            Error::InvalidCell { row, .. } | Error::InvalidFileCell { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// The row group (numbered from 0) of a Parquet file the error points at, if it points
    /// at one.
    pub fn row_group(&self) -> Option<u64> {
        match self {
            Error::InvalidFileCell { row_group, .. } => Some(*row_group),
            _ => None,
        }
    }

    /// The column the error points at, if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Error::InvalidValue { column, .. }
            | Error::InvalidCell { column, .. }
            | Error::InvalidFileCell { column, .. }
            | Error::ColumnType { column, .. }
            | Error::DuplicateColumn { second: column, .. }
            | Error::MissingColumn { column, .. } => Some(column),
            _ => None,
        }
    }

    /// The offending value (cut to about 60 characters), for errors about one cell.
    pub fn value(&self) -> Option<&str> {
        match self {
            Error::InvalidValue { value, .. }
            | Error::InvalidCell { value, .. }
            | Error::InvalidFileCell { value, .. } => Some(value),
            _ => None,
        }
    }

    /// What was expected instead of [`Error::value`], for errors about one cell.
    pub fn expected(&self) -> Option<&str> {
        match self {
            Error::InvalidValue { expected, .. }
            | Error::InvalidCell { expected, .. }
            | Error::InvalidFileCell { expected, .. } => Some(expected),
            _ => None,
        }
    }

    pub(crate) fn invalid_value(
        line: u64,
        column: &str,
        value: &[u8],
        expected: impl fmt::Display,
    ) -> Self {
        Error::InvalidValue {
            line,
            column: column.to_string(),
            value: cut(&String::from_utf8_lossy(value)),
            expected: expected.to_string(),
        }
    }

    /// The error with its line moved down by `by` lines (an error of a piece of text read on
    /// its own, placed in the whole input); errors without a line stay as they are.
    pub(crate) fn shifted(mut self, by: u64) -> Self {
        if let Error::InvalidValue { line, .. } | Error::MalformedRow { line, .. } = &mut self {
            *line += by;
        }
        self
    }

    pub(crate) fn argument(name: &str, message: impl fmt::Display) -> Self {
        Error::InvalidArgument {
            name: name.to_string(),
            message: message.to_string(),
        }
    }
}

/// Cuts a value to about 60 characters for quoting in a message (the bindings quote the values
/// they read themselves the same way).
pub fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_VALUE_CHARS {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(MAX_VALUE_CHARS).collect();
        out.push_str("...");
        out
    }
}

/// Longest text [`cut_counted`] keeps whole.
const MAX_COUNTED_CHARS: usize = 40;

/// Cuts a text to its first 20 characters and says how long it was, for quoting a value whose
/// size is the point (a 400-digit number given as a count): `"12345678901234567890... (400
/// characters)"`. A text of at most 40 characters is kept whole.
///
/// ```
/// use journey_core::error::cut_counted;
/// assert_eq!(cut_counted("-1"), "-1");
/// assert_eq!(cut_counted(&"9".repeat(400)), format!("{}... (400 characters)", "9".repeat(20)));
/// ```
pub fn cut_counted(s: &str) -> String {
    let n = s.chars().count();
    if n <= MAX_COUNTED_CHARS {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX_COUNTED_CHARS / 2).collect();
        format!("{head}... ({n} characters)")
    }
}

/// How a message points at the input of data shuffled by customer, for [`name_customer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointer {
    /// `at row 7, column ...`: a row of columnar input (events read in columns).
    Row,
    /// `at line 7, column ...`: a line of text (survey responses written as CSV).
    Line,
}

/// A message about a row or line of one part of data shuffled by customer (a Spark or Dask
/// partition), reworded to name the customer instead: there a row number means nothing to the
/// user. Every `at row 7, column ` becomes `of customer 'u2', column `, `customer` giving the
/// customer id of that (1-based) row or line already quoted as the caller's language quotes
/// text, or `None` when it has none (`of a row without customer id`, `of a response without
/// customer id` for [`Pointer::Line`]). The rest of the message stays as it is.
///
/// ```
/// use journey_core::error::{name_customer, Pointer};
/// let m = "invalid timestamp \"x\" at row 3, column ts: expected a time";
/// let ids = |row: u64| (row == 3).then(|| "'u2'".to_string());
/// assert_eq!(
///     name_customer(m, Pointer::Row, ids),
///     "invalid timestamp \"x\" of customer 'u2', column ts: expected a time"
/// );
/// assert_eq!(
///     name_customer("bad at row 9, column ts", Pointer::Row, ids),
///     "bad of a row without customer id, column ts"
/// );
/// ```
pub fn name_customer(
    message: &str,
    pointer: Pointer,
    mut customer: impl FnMut(u64) -> Option<String>,
) -> String {
    const TAIL: &str = ", column ";
    let (head, nobody) = match pointer {
        Pointer::Row => (" at row ", "a row without customer id"),
        Pointer::Line => (" at line ", "a response without customer id"),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(head) {
        let after = &rest[i + head.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<u64>() {
            Ok(n) if after[digits..].starts_with(TAIL) => {
                out.push_str(&rest[..i]);
                out.push_str(" of ");
                match customer(n) {
                    Some(c) => {
                        out.push_str("customer ");
                        out.push_str(&c);
                    }
                    None => out.push_str(nobody),
                }
                out.push_str(TAIL);
                rest = &after[digits + TAIL.len()..];
            }
            _ => {
                out.push_str(&rest[..i + head.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_line_column_value_and_expectation() {
        let e = Error::invalid_value(7, "timestamp", b"2026-13-01", "month out of range");
        assert_eq!(
            e.to_string(),
            "invalid timestamp \"2026-13-01\" at line 7, column timestamp: month out of range"
        );
        assert_eq!(e.code(), "invalid_value");
        assert_eq!(e.line(), Some(7));
        assert_eq!(e.value(), Some("2026-13-01"));
        assert_eq!(e.expected(), Some("month out of range"));
        let a = Error::argument("gap", "expected a duration");
        assert_eq!((a.value(), a.expected(), a.column()), (None, None, None));
    }

    #[test]
    fn messages_name_the_customer_of_every_row() {
        let m = "2 errors: bad x at row 12, column a; bad y at row 3, column b";
        let mut asked = Vec::new();
        let named = name_customer(m, Pointer::Row, |r| {
            asked.push(r);
            (r == 12).then(|| "\"c\"".to_string())
        });
        assert_eq!(
            named,
            "2 errors: bad x of customer \"c\", column a; bad y of a row without customer id, \
             column b"
        );
        assert_eq!(asked, [12, 3]);
        // Only "at row N, column": other numbers and the other pointer stay.
        for m in [
            "at row 3, column a",
            "x at row , column a",
            "x at row 3 column a",
            "x at line 3, column a",
        ] {
            assert_eq!(name_customer(m, Pointer::Row, |_| None), m);
        }
        assert_eq!(
            name_customer("score at line 4, column score: bad", Pointer::Line, |_| {
                None
            }),
            "score of a response without customer id, column score: bad"
        );
    }

    #[test]
    fn counted_cuts_say_the_length() {
        assert_eq!(cut_counted(&"x".repeat(40)), "x".repeat(40));
        assert_eq!(
            cut_counted(&"é".repeat(41)),
            format!("{}... (41 characters)", "é".repeat(20))
        );
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(100);
        let e = Error::invalid_value(2, "customer_id", long.as_bytes(), "a short id");
        let Error::InvalidValue { value, .. } = e else {
            panic!("wrong variant")
        };
        assert_eq!(value.len(), 63);
        assert!(value.ends_with("..."));
    }
}
