//! A compact binary form of the event log, for caching and for sending a log to another process
//! (Python's pickle). It holds the log's own columns, so reading it back gives the same log,
//! bit for bit, without sorting or parsing anything.
//!
//! Layout (little endian): the magic `journey-log\0`, a `u32` version, a `u64` header length,
//! a JSON header (the names of customers, touchpoints, channels, stages and property values,
//! the conversion set, the catalog and the load report), then the columns: customer offsets
//! (`u64`), timestamps (`i64`), touchpoint and channel ids (`u32`), stage ids (`u16`), values
//! (`f64`), and one `u32` id column per property.

use serde::{Deserialize, Serialize};

use super::log::PropertyColumn;
use super::stage::stage_order;
use super::LoadReport;
use super::{Catalog, EventLog, Interner, NO_ID};
use crate::error::{Error, Result};

const MAGIC: &[u8; 12] = b"journey-log\0";
const VERSION: u32 = 1;
use super::NO_STAGE;

#[derive(Serialize, Deserialize)]
struct Header {
    n_events: usize,
    customers: Vec<String>,
    touchpoints: Vec<String>,
    channels: Vec<String>,
    stages: Vec<String>,
    properties: Vec<(String, Vec<String>)>,
    conversions: Vec<String>,
    catalog: Catalog,
    report: LoadReport,
}

fn bad(message: impl Into<String>) -> Error {
    Error::argument("data", message.into())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(bad("the binary log is truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn column<const W: usize, T>(&mut self, n: usize, f: impl Fn([u8; W]) -> T) -> Result<Vec<T>> {
        let len = n
            .checked_mul(W)
            .ok_or_else(|| bad("the binary log is truncated"))?;
        Ok(self
            .take(len)?
            .chunks_exact(W)
            .map(|c| f(c.try_into().expect("chunks of W bytes")))
            .collect())
    }
}

/// Names that must be distinct and in the given order.
fn interner(
    names: Vec<String>,
    what: &str,
    cmp: impl Fn(&str, &str) -> std::cmp::Ordering,
) -> Result<Interner> {
    if names
        .windows(2)
        .any(|w| cmp(&w[0], &w[1]) != std::cmp::Ordering::Less)
    {
        return Err(bad(format!("the {what} are not distinct and sorted")));
    }
    Ok(Interner::from_names(names))
}

fn check_ids(ids: &[u32], n: usize, what: &str, optional: bool) -> Result<()> {
    if ids
        .iter()
        .any(|&id| id as usize >= n && !(optional && id == NO_ID))
    {
        return Err(bad(format!("a {what} id is out of range")));
    }
    Ok(())
}

impl EventLog {
    /// The log in its compact binary form (see [`EventLog::from_bytes`]): about 26 bytes per
    /// event plus the names.
    ///
    /// ```
    /// use journey_core::{read_events_csv, EventLog, LoadOptions};
    /// let csv = "customer_id,timestamp,touchpoint,value\na,1,ad,\na,2,purchase,9.5\n";
    /// let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
    /// let again = EventLog::from_bytes(&log.to_bytes()).unwrap();
    /// assert_eq!(again.rows().collect::<Vec<_>>(), log.rows().collect::<Vec<_>>());
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = Header {
            n_events: self.ts.len(),
            customers: self.customers.names().to_vec(),
            touchpoints: self.touchpoints.names().to_vec(),
            channels: self.channels.names().to_vec(),
            stages: self.stages.names().to_vec(),
            properties: self
                .properties
                .iter()
                .map(|p| (p.name.clone(), p.values.names().to_vec()))
                .collect(),
            conversions: self.conversion_names.clone(),
            catalog: self.catalog.clone(),
            report: self.report.clone(),
        };
        let header = serde_json::to_vec(&header).expect("the header serialises");
        let n = self.ts.len();
        let mut out = Vec::with_capacity(
            32 + header.len() + 8 * self.offsets.len() + n * (26 + 4 * self.properties.len()),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend(self.offsets.iter().flat_map(|&o| (o as u64).to_le_bytes()));
        out.extend(self.ts.iter().flat_map(|t| t.to_le_bytes()));
        out.extend(self.touchpoint.iter().flat_map(|t| t.to_le_bytes()));
        out.extend(self.channel.iter().flat_map(|c| c.to_le_bytes()));
        out.extend(self.stage.iter().flat_map(|s| s.to_le_bytes()));
        out.extend(self.value.iter().flat_map(|v| v.to_bits().to_le_bytes()));
        for p in &self.properties {
            out.extend(p.ids.iter().flat_map(|i| i.to_le_bytes()));
        }
        out
    }

    /// Reads a log written by [`EventLog::to_bytes`]. Every invariant of the log is checked, so
    /// damaged input is an [`Error::InvalidArgument`] (named `data`), never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<EventLog> {
        // Long because it reads the format field by field in its order, checking each field where
        // it is read.
        let mut r = Reader { bytes };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(bad("not a binary journey log"));
        }
        let version = u32::from_le_bytes(r.take(4)?.try_into().expect("4 bytes"));
        if version != VERSION {
            return Err(bad(format!(
                "binary log version {version}; this build reads version {VERSION}"
            )));
        }
        let len = u64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes"));
        let len = usize::try_from(len).map_err(|_| bad("the binary log is truncated"))?;
        let h: Header = serde_json::from_slice(r.take(len)?)
            .map_err(|e| bad(format!("bad binary log header: {e}")))?;
        let n = h.n_events;
        let n_cust = h.customers.len();
        let offsets = r.column(n_cust + 1, |b| u64::from_le_bytes(b) as usize)?;
        let ts = r.column(n, i64::from_le_bytes)?;
        let touchpoint = r.column(n, u32::from_le_bytes)?;
        let channel = r.column(n, u32::from_le_bytes)?;
        let stage = r.column(n, u16::from_le_bytes)?;
        let value = r.column(n, |b| f64::from_bits(u64::from_le_bytes(b)))?;
        let mut properties = Vec::with_capacity(h.properties.len());
        for (name, values) in h.properties {
            let ids = r.column(n, u32::from_le_bytes)?;
            check_ids(&ids, values.len(), "property value", true)?;
            let values = interner(values, "property values", str::cmp)?;
            properties.push(PropertyColumn { name, values, ids });
        }
        if !r.bytes.is_empty() {
            return Err(bad("trailing bytes after the binary log"));
        }
        // Every customer has at least one event.
        if offsets[0] != 0 || offsets[n_cust] != n || offsets.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("the customer offsets are inconsistent"));
        }
        if !ts.iter().all(|&t| crate::time::in_range(t)) {
            return Err(bad("a timestamp is outside years 0000 to 9999"));
        }
        if !value.iter().all(|&v| v.is_nan() || super::value_ok(v)) {
            return Err(bad("a value is not finite or larger than 1e15"));
        }
        for (i, p) in properties.iter().enumerate() {
            super::check_property_name(&p.name)?;
            if properties[..i].iter().any(|q| q.name == p.name) {
                return Err(bad(format!("the property {:?} appears twice", p.name)));
            }
        }
        // Names as the loaders make them: trimmed and non-empty. A name may start with a tab
        // or a carriage return: a spreadsheet-safe CSV guards such a cell with an apostrophe,
        // which the reader takes off after trimming (docs/formats.md).
        let names = [&h.customers[..], &h.touchpoints, &h.channels, &h.stages]
            .into_iter()
            .chain(properties.iter().map(|p| p.values.names()));
        let loaded = |s: &str| {
            !s.is_empty()
                && s.trim_ascii_end() == s
                && !s.starts_with(|c: char| c.is_ascii_whitespace() && c != '\t' && c != '\r')
        };
        for list in names {
            if !list.iter().all(|s| loaded(s)) {
                return Err(bad("a name is empty or starts or ends with spaces"));
            }
        }
        for w in offsets.windows(2) {
            if ts[w[0]..w[1]].windows(2).any(|t| t[0] > t[1]) {
                return Err(bad("a journey is not in time order"));
            }
        }
        check_ids(&touchpoint, h.touchpoints.len(), "touchpoint", false)?;
        check_ids(&channel, h.channels.len(), "channel", false)?;
        if stage
            .iter()
            .any(|&s| s as usize >= h.stages.len() && s != NO_STAGE)
        {
            return Err(bad("a stage id is out of range"));
        }
        let mut log = EventLog {
            customers: interner(h.customers, "customers", str::cmp)?,
            touchpoints: interner(h.touchpoints, "touchpoints", str::cmp)?,
            channels: interner(h.channels, "channels", str::cmp)?,
            stages: interner(h.stages, "stages", stage_order)?,
            offsets,
            ts,
            touchpoint,
            channel,
            stage,
            value,
            properties,
            is_conversion: Vec::new(),
            conversion_names: Vec::new(),
            catalog: h.catalog,
            report: h.report,
        };
        log.set_conversions(&h.conversions);
        Ok(log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_events_csv, LoadOptions};

    /// A log's bytes with one column cell replaced (`at` bytes from the end of the header).
    fn patched(log: &EventLog, f: impl Fn(&mut Vec<u8>, usize)) -> Result<EventLog> {
        let mut bytes = log.to_bytes();
        let header_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
        f(&mut bytes, 24 + header_len);
        EventLog::from_bytes(&bytes)
    }

    #[test]
    fn names_that_start_with_a_tab_read_back() {
        // Found by fuzzing (events_csv): a guarded cell ("'" then a tab) loads as a name that
        // starts with a tab; its binary form was refused.
        let csv = "customer_id,timestamp,touchpoint,channel\na,5,ad,'\tweb\na,6,\"'\rsite\",web\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(log.channels(), ["\tweb", "web"]);
        assert_eq!(log.touchpoints(), ["\rsite", "ad"]);
        let back = EventLog::from_bytes(&log.to_bytes()).unwrap();
        assert_eq!(back.to_bytes(), log.to_bytes());
    }

    #[test]
    fn values_timestamps_and_offsets_are_checked() {
        let csv = "customer_id,timestamp,touchpoint,value\na,1,ad,2\nb,2,ad,\n";
        let log = read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap();
        // Columns: 3 offsets (u64), 2 timestamps (i64), 2+2 ids (u32), 2 stages (u16), values.
        let ts = 3 * 8;
        let values = ts + 2 * 8 + 2 * 4 + 2 * 4 + 2 * 2;
        assert!(patched(&log, |_, _| {}).is_ok());
        let e = patched(&log, |b, at| {
            b[at + ts..at + ts + 8].copy_from_slice(&(crate::time::MAX_US + 1).to_le_bytes())
        })
        .unwrap_err();
        assert!(e.to_string().contains("outside years 0000 to 9999"), "{e}");
        let e = patched(&log, |b, at| {
            b[at + values..at + values + 8].copy_from_slice(&f64::INFINITY.to_bits().to_le_bytes())
        })
        .unwrap_err();
        assert!(e.to_string().contains("a value is not finite"), "{e}");
        // A customer without events.
        let e = patched(&log, |b, at| {
            b[at + 8..at + 16].copy_from_slice(&0u64.to_le_bytes())
        })
        .unwrap_err();
        assert!(e.to_string().contains("offsets are inconsistent"), "{e}");
    }

    #[test]
    fn round_trip_and_damage() {
        let (log, _) = crate::synthetic(300, 5);
        let bytes = log.to_bytes();
        let again = EventLog::from_bytes(&bytes).unwrap();
        assert_eq!(
            again.rows().collect::<Vec<_>>(),
            log.rows().collect::<Vec<_>>()
        );
        assert_eq!(again.to_bytes(), bytes);
        assert_eq!(again.conversion_touchpoints(), log.conversion_touchpoints());
        assert_eq!(again.stages(), log.stages());
        // Any cut or flipped magic is an error, not a panic.
        for cut in [0, 5, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(EventLog::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(EventLog::from_bytes(&longer).is_err());
        let mut wrong = bytes.clone();
        wrong[0] = b'J';
        assert_eq!(
            EventLog::from_bytes(&wrong).unwrap_err().to_string(),
            "invalid argument data: not a binary journey log"
        );
        // An id out of range in the last column (a touchpoint id would be caught the same way).
        let mut bad_id = bytes;
        let n = bad_id.len();
        bad_id[n - 4..].copy_from_slice(&u32::MAX.wrapping_sub(7).to_le_bytes());
        assert!(EventLog::from_bytes(&bad_id).is_err());
    }

    #[test]
    fn empty_and_catalog() {
        let csv = "customer_id,timestamp,touchpoint\na,1,ig\n";
        let opts = LoadOptions {
            catalog: Some(
                serde_json::from_str(r#"{"ig": {"channel": "social", "stage": "awareness"}}"#)
                    .unwrap(),
            ),
            conversions: vec!["ig".into()],
            ..Default::default()
        };
        let log = read_events_csv(csv.as_bytes(), &opts).unwrap();
        let again = EventLog::from_bytes(&log.to_bytes()).unwrap();
        assert_eq!(again.catalog(), log.catalog());
        assert!(again.is_conversion(0));
        let empty = EventLog::empty();
        assert_eq!(
            EventLog::from_bytes(&empty.to_bytes()).unwrap().n_events(),
            0
        );
    }
}
