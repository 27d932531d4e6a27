//! Columnar input: for callers that already hold the data in columns (Arrow arrays, dataframes,
//! JavaScript typed arrays). No text round trip; the same validation and the same log as the
//! CSV reader. Errors name the row (1-based) instead of a line.

use super::{ErrorSink, LoadOptions};
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
    fn get(&self, i: usize) -> Result<Option<&'a str>, u32> {
        match self {
            StrColumn::Plain(v) => Ok(v[i]),
            StrColumn::Dictionary { values, codes } => match codes[i] {
                None => Ok(None),
                Some(c) => values.get(c as usize).copied().map(Some).ok_or(c),
            },
        }
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

impl TimeColumn<'_> {
    fn len(&self) -> usize {
        match self {
            TimeColumn::Micros(v) => v.len(),
            TimeColumn::Text(s) => s.len(),
        }
    }
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

fn bad(row: usize, column: &str, value: &str, expected: impl std::fmt::Display) -> Error {
    Error::InvalidCell {
        row: row as u64 + 1,
        column: column.to_string(),
        value: crate::error::cut(value),
        expected: expected.to_string(),
    }
}

fn text<'a>(col: &StrColumn<'a>, i: usize, name: &str) -> Result<Option<&'a str>> {
    col.get(i).map(|v| v.map(str::trim)).map_err(|code| {
        bad(
            i,
            name,
            &code.to_string(),
            "a dictionary code within the dictionary",
        )
    })
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
        let n = cols.customer_id.len();
        let mut lens = vec![
            ("timestamp", cols.timestamp.len()),
            ("touchpoint", cols.touchpoint.len()),
        ];
        lens.extend(cols.channel.as_ref().map(|c| ("channel", c.len())));
        lens.extend(cols.stage.as_ref().map(|c| ("stage", c.len())));
        lens.extend(cols.value.as_ref().map(|c| ("value", c.len())));
        for (name, c) in &cols.properties {
            lens.push((name.as_str(), c.len()));
        }
        if let Some((name, len)) = lens.iter().find(|(_, len)| *len != n) {
            return Err(Error::argument(
                "columns",
                format!("column {name} has {len} rows but customer_id has {n}"),
            ));
        }
        let prop_names: Vec<&str> = if opts.ignore_extra_columns {
            Vec::new()
        } else {
            cols.properties.iter().map(|(k, _)| k.as_str()).collect()
        };
        let mut b = EventLogBuilder::new().with_properties(&prop_names);
        let mut sink = ErrorSink::new(opts);
        for i in 0..n {
            if let Err(e) = push_row(&mut b, cols, i, prop_names.len()) {
                sink.push(e)?;
            }
        }
        let report = sink.report(n as u64);
        Ok(b.build_with_report(opts.catalog.as_ref(), &opts.conversion_refs(), report))
    }
}

fn push_row<'a>(
    b: &mut EventLogBuilder,
    cols: &EventColumns<'a>,
    i: usize,
    n_props: usize,
) -> Result<()> {
    let customer = text(&cols.customer_id, i, "customer_id")?.unwrap_or("");
    if customer.is_empty() {
        return Err(bad(i, "customer_id", customer, "a non-empty customer id"));
    }
    let ts = match &cols.timestamp {
        TimeColumn::Micros(v) => v[i].ok_or_else(|| bad(i, "timestamp", "null", "a timestamp"))?,
        TimeColumn::Text(s) => {
            let raw = text(s, i, "timestamp")?.unwrap_or("");
            parse_timestamp(raw.as_bytes()).map_err(|e| bad(i, "timestamp", raw, e))?
        }
    };
    if ts.checked_div(US_PER_SEC).is_none() {
        return Err(bad(i, "timestamp", &ts.to_string(), "a timestamp in range"));
    }
    let tp = text(&cols.touchpoint, i, "touchpoint")?.unwrap_or("");
    if tp.is_empty() {
        return Err(bad(i, "touchpoint", tp, "a non-empty touchpoint name"));
    }
    let opt = |c: &Option<StrColumn<'a>>, name: &str| -> Result<&'a str> {
        match c {
            None => Ok(""),
            Some(c) => text(c, i, name).map(|v| v.unwrap_or("")),
        }
    };
    let channel = opt(&cols.channel, "channel")?;
    let stage = opt(&cols.stage, "stage")?;
    let value = match cols.value.as_ref().and_then(|v| v[i]) {
        None => f64::NAN,
        Some(v) if v.is_nan() => f64::NAN,
        Some(v) if v.is_finite() => v,
        Some(v) => return Err(bad(i, "value", &v.to_string(), "a finite number")),
    };
    let mut props = Vec::with_capacity(n_props);
    for (name, c) in cols.properties.iter().take(n_props) {
        props.push(text(c, i, name)?.unwrap_or(""));
    }
    let c = b.customer_id(customer);
    let t = b.touchpoints.intern(tp);
    let ch = if channel.is_empty() {
        NO_ID
    } else {
        b.channels.intern(channel)
    };
    let st = if stage.is_empty() {
        NO_ID
    } else {
        b.stages.intern(stage)
    };
    b.push_ids(c, ts, t, ch, st, value);
    for (k, v) in props.into_iter().enumerate() {
        if !v.is_empty() {
            let id = b.prop_values[k].intern(v);
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
}
