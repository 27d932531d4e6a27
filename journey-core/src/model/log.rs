use std::cmp::Ordering;
use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use super::stage::stage_order;
use super::{Catalog, Channel, Interner};
use super::{LoadReport, Ties};
use crate::error::{Error, Result};

/// Marks an absent id in an id column (no stage, missing property value).
pub const NO_ID: u32 = u32::MAX;
/// The stage id of an event without a stage (in [`EventLog`]'s stage column; largest, so last).
pub const NO_STAGE: u16 = u16::MAX;
/// Marks an absent `sequence` cell (sorted after every present one).
pub(crate) const NO_SEQ: i64 = i64::MAX;

/// The columns every event has, in the order [`EventLog::write_csv`] writes them. A property
/// may not take one of these names (its CSV header would be read back as that column).
pub const EVENT_COLUMNS: [&str; 6] = [
    "customer_id",
    "timestamp",
    "touchpoint",
    "channel",
    "stage",
    "value",
];

/// The largest magnitude of an event's `value`: 10^15. Sums of any number of values then stay
/// finite (and exact to the cent up to 10^13), so no total turns into infinity or `null`.
pub const MAX_ABS_VALUE: f64 = 1e15;

/// What a `value` cell must be, for error messages.
pub(crate) const VALUE_EXPECTED: &str =
    "a decimal number of magnitude at most 1e15 (or blank for none)";

/// Whether `v` can be an event's value (NaN, meaning none, is checked by the caller).
pub(crate) fn value_ok(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS_VALUE
}

/// A property name must be non-empty, without surrounding spaces (a CSV header is trimmed),
/// and not one of the [`EVENT_COLUMNS`] nor `sequence` (the CSV reader's tie-break column):
/// otherwise the log would not read back from its CSV.
pub(crate) fn check_property_name(name: &str) -> Result<()> {
    let why = if name.is_empty() {
        "must not be empty"
    } else if name.trim() != name {
        // CSV and JSON headers are trimmed of (Unicode) whitespace when read back.
        "must not start or end with whitespace"
    } else if EVENT_COLUMNS.contains(&name) || name == "sequence" {
        "is the name of an event column; rename the property"
    } else {
        return Ok(());
    };
    Err(Error::argument("properties", format!("{name:?} {why}")))
}

/// One extra column of the event log, carried as a string property for segmentation.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyColumn {
    /// Column name as in the header.
    pub name: String,
    /// The distinct values, ids in string order.
    pub values: Interner,
    /// Per event, the id of its value, or [`NO_ID`] when blank.
    pub ids: Vec<u32>,
}

/// The columnar event log: every customer's events, grouped by customer and ordered in time.
///
/// Strings are interned: customers, touchpoints, channels, stages and property values are small
/// integer ids whose order is the order of the strings (stages: the default stages in journey
/// order, then custom stages by name), so ids never depend on the order of the input rows.
/// Each event costs 26 bytes plus 4 per property column.
///
/// Events of one customer are contiguous and sorted by timestamp, then by the `sequence` column
/// if the input has one, then by content ([`Ties::Content`], the default: touchpoint, channel,
/// stage, value, properties) or in input order ([`Ties::Input`]); see docs/formats.md,
/// "Ordering". Every metric walks [`EventLog::journeys`].
#[derive(Debug, Clone)]
pub struct EventLog {
    pub(crate) customers: Interner,
    pub(crate) touchpoints: Interner,
    pub(crate) channels: Interner,
    pub(crate) stages: Interner,
    /// `offsets[c]..offsets[c + 1]` are customer `c`'s events.
    pub(crate) offsets: Vec<usize>,
    /// Microseconds since the Unix epoch, UTC.
    pub(crate) ts: Vec<i64>,
    pub(crate) touchpoint: Vec<u32>,
    pub(crate) channel: Vec<u32>,
    pub(crate) stage: Vec<u16>,
    /// Conversion value, NaN when absent.
    pub(crate) value: Vec<f64>,
    pub(crate) properties: Vec<PropertyColumn>,
    /// Per touchpoint id: is it a conversion?
    pub(crate) is_conversion: Vec<bool>,
    pub(crate) conversion_names: Vec<String>,
    pub(crate) catalog: Catalog,
    pub(crate) report: LoadReport,
}

/// A customer's journey: a borrowed view of their events, in order.
#[derive(Debug, Clone, Copy)]
pub struct Journey<'a> {
    log: &'a EventLog,
    customer: u32,
    range: (usize, usize),
}

impl<'a> Journey<'a> {
    /// Customer index in the log (ids are in customer-id order).
    pub fn customer(&self) -> u32 {
        self.customer
    }
    /// The customer's id.
    pub fn customer_id(&self) -> &'a str {
        self.log.customers.name(self.customer)
    }
    /// Number of events.
    pub fn len(&self) -> usize {
        self.range.1 - self.range.0
    }
    /// Whether the journey has no event (never true for a loaded log).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Positions of the events in the log's columns.
    pub fn range(&self) -> Range<usize> {
        self.range.0..self.range.1
    }
    /// Timestamps, microseconds since the epoch, UTC.
    pub fn timestamps(&self) -> &'a [i64] {
        &self.log.ts[self.range()]
    }
    /// Touchpoint ids.
    pub fn touchpoints(&self) -> &'a [u32] {
        &self.log.touchpoint[self.range()]
    }
    /// Channel ids.
    pub fn channels(&self) -> &'a [u32] {
        &self.log.channel[self.range()]
    }
    /// Values (NaN when absent).
    pub fn values(&self) -> &'a [f64] {
        &self.log.value[self.range()]
    }
    /// The log the journey belongs to.
    pub fn log(&self) -> &'a EventLog {
        self.log
    }
}

/// One event as given by a caller (the row form, before interning).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawEvent {
    /// Customer id.
    pub customer_id: String,
    /// Microseconds since the Unix epoch, UTC.
    pub timestamp_us: i64,
    /// Touchpoint name.
    pub touchpoint: String,
    /// Channel, if the row has one.
    pub channel: Option<String>,
    /// Stage, if the row has one.
    pub stage: Option<String>,
    /// Conversion value.
    pub value: Option<f64>,
    /// Extra properties, `(column, value)`.
    pub properties: Vec<(String, String)>,
    /// Breaks ties in time before the content or input order (the `sequence` column).
    pub sequence: Option<i64>,
}

/// Collects events in any order and builds the sorted [`EventLog`].
///
/// The CSV and JSON readers use it; so can callers holding rows in memory.
#[derive(Debug, Clone, Default)]
pub struct EventLogBuilder {
    pub(crate) customers: Interner,
    pub(crate) touchpoints: Interner,
    pub(crate) channels: Interner,
    pub(crate) stages: Interner,
    pub(crate) prop_names: Vec<String>,
    pub(crate) prop_values: Vec<Interner>,
    pub(crate) cust: Vec<u32>,
    pub(crate) ts: Vec<i64>,
    pub(crate) tp: Vec<u32>,
    /// [`NO_ID`]: take the channel from the catalog.
    pub(crate) ch: Vec<u32>,
    /// [`NO_ID`]: take the stage from the catalog.
    pub(crate) st: Vec<u32>,
    pub(crate) value: Vec<f64>,
    pub(crate) props: Vec<Vec<u32>>,
    /// The customer of the last pushed row: rows of one customer often come together, and
    /// this skips their hash lookups.
    pub(crate) last_customer: Option<u32>,
    /// The `sequence` column: empty when no row has one, else (after [`Self::pad_seq`]) one
    /// entry per row, [`NO_SEQ`] when absent.
    pub(crate) seq: Vec<i64>,
    /// How ties in time (and sequence) are ordered.
    pub(crate) ties: Ties,
}

impl EventLogBuilder {
    /// The id of a customer, adding it if new.
    pub(crate) fn customer_id(&mut self, id: &str) -> u32 {
        if let Some(c) = self.last_customer {
            if super::same(self.customers.name(c), id) {
                return c;
            }
        }
        let c = self.customers.intern(id);
        self.last_customer = Some(c);
        c
    }

    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how a customer's events with equal timestamps (and sequence) are ordered; the
    /// default is [`Ties::Content`].
    pub fn with_ties(mut self, ties: Ties) -> Self {
        self.ties = ties;
        self
    }

    /// Gives the last pushed row its `sequence` value.
    pub(crate) fn set_sequence(&mut self, v: i64) {
        let n = self.cust.len();
        self.seq.resize(n, NO_SEQ);
        self.seq[n - 1] = v;
    }

    /// Fills the `sequence` column up to `n` rows when any row has one.
    fn pad_seq(seq: &mut Vec<i64>, n: usize, any: bool) {
        if any || !seq.is_empty() {
            seq.resize(n, NO_SEQ);
        }
    }

    /// Declares property columns up front (they are otherwise added as first seen).
    pub fn with_properties<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        for n in names {
            self.property_index(n.as_ref());
        }
        self
    }

    pub(crate) fn property_index(&mut self, name: &str) -> usize {
        if let Some(i) = self.prop_names.iter().position(|p| p == name) {
            return i;
        }
        self.prop_names.push(name.to_string());
        self.prop_values.push(Interner::new());
        self.props.push(vec![NO_ID; self.cust.len()]);
        self.prop_names.len() - 1
    }

    /// Reserves room for `n` more events.
    pub fn reserve(&mut self, n: usize) {
        self.cust.reserve(n);
        self.ts.reserve(n);
        self.tp.reserve(n);
        self.ch.reserve(n);
        self.st.reserve(n);
        self.value.reserve(n);
        for p in &mut self.props {
            p.reserve(n);
        }
        if !self.seq.is_empty() {
            self.seq.reserve(n);
        }
    }

    /// Number of events so far.
    pub fn len(&self) -> usize {
        self.cust.len()
    }

    /// Whether no event was added.
    pub fn is_empty(&self) -> bool {
        self.cust.is_empty()
    }

    /// Adds one event. Text is trimmed of ASCII spaces, as the CSV reader does; empty customer
    /// ids or touchpoints, values that are not finite or larger than [`MAX_ABS_VALUE`],
    /// timestamps outside years 0000 to 9999 (UTC) and property names that are empty or one of
    /// the [`EVENT_COLUMNS`] are rejected.
    pub fn push(&mut self, e: &RawEvent) -> Result<()> {
        let customer = e.customer_id.trim_ascii();
        let touchpoint = e.touchpoint.trim_ascii();
        if customer.is_empty() {
            return Err(Error::argument("customer_id", "must not be empty"));
        }
        if touchpoint.is_empty() {
            return Err(Error::argument("touchpoint", "must not be empty"));
        }
        if let Some(v) = e.value {
            if !value_ok(v) {
                return Err(Error::argument(
                    "value",
                    format!("{v} is not a finite number of magnitude at most 1e15"),
                ));
            }
        }
        if !crate::time::in_range(e.timestamp_us) {
            return Err(Error::argument(
                "timestamp",
                format!(
                    "{} microseconds is outside years 0000 to 9999 in UTC",
                    e.timestamp_us
                ),
            ));
        }
        for (k, _) in &e.properties {
            check_property_name(k)?;
        }
        fn nonempty(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim_ascii).filter(|s| !s.is_empty())
        }
        let c = self.customers.intern(customer);
        let t = self.touchpoints.intern(touchpoint);
        let ch = nonempty(&e.channel).map_or(NO_ID, |s| self.channels.intern(s));
        let st = nonempty(&e.stage).map_or(NO_ID, |s| self.stages.intern(s));
        self.push_ids(c, e.timestamp_us, t, ch, st, e.value.unwrap_or(f64::NAN));
        if let Some(q) = e.sequence {
            self.set_sequence(q);
        }
        for (k, v) in &e.properties {
            let i = self.property_index(k);
            let v = v.trim_ascii();
            if !v.is_empty() {
                let id = self.prop_values[i].intern(v);
                *self.props[i].last_mut().expect("row pushed") = id;
            }
        }
        Ok(())
    }

    /// Appends an already interned row; property cells start blank.
    pub(crate) fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64) {
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

    /// Appends all rows of `other` after the rows of `self` (keeping their order).
    pub(crate) fn append(&mut self, other: EventLogBuilder) {
        fn remap(into: &mut Interner, from: &Interner) -> Vec<u32> {
            from.names().iter().map(|s| into.intern(s)).collect()
        }
        let cm = remap(&mut self.customers, &other.customers);
        let tm = remap(&mut self.touchpoints, &other.touchpoints);
        let hm = remap(&mut self.channels, &other.channels);
        let sm = remap(&mut self.stages, &other.stages);
        let map = |m: &[u32], id: u32| if id == NO_ID { NO_ID } else { m[id as usize] };
        let n_before = self.cust.len();
        let mut other_seq = other.seq;
        Self::pad_seq(&mut other_seq, other.cust.len(), false);
        Self::pad_seq(&mut self.seq, n_before, !other_seq.is_empty());
        self.seq.extend_from_slice(&other_seq);
        self.cust.extend(other.cust.iter().map(|&c| cm[c as usize]));
        self.tp.extend(other.tp.iter().map(|&t| tm[t as usize]));
        self.ch.extend(other.ch.iter().map(|&h| map(&hm, h)));
        self.st.extend(other.st.iter().map(|&s| map(&sm, s)));
        self.ts.extend_from_slice(&other.ts);
        self.value.extend_from_slice(&other.value);
        let n_after = self.cust.len();
        let mut filled = vec![false; self.prop_names.len()];
        for (i, name) in other.prop_names.iter().enumerate() {
            let j = self.property_index(name);
            // property_index may have padded a new column to the new length; cut back.
            self.props[j].truncate(n_before);
            let pm = remap(&mut self.prop_values[j], &other.prop_values[i]);
            self.props[j].extend(other.props[i].iter().map(|&v| map(&pm, v)));
            if filled.len() <= j {
                filled.resize(j + 1, false);
            }
            filled[j] = true;
        }
        for (j, col) in self.props.iter_mut().enumerate() {
            if !filled.get(j).copied().unwrap_or(false) {
                col.resize(n_after, NO_ID);
            }
        }
    }

    /// Sorts and freezes the log. `catalog` fills missing channels and stages; `conversions` is
    /// the set of conversion touchpoints.
    pub fn build(self, catalog: Option<&Catalog>, conversions: &[&str]) -> EventLog {
        self.build_with_report(catalog, conversions, LoadReport::default())
    }

    pub(crate) fn build_with_report(
        self,
        catalog: Option<&Catalog>,
        conversions: &[&str],
        mut report: LoadReport,
    ) -> EventLog {
        // Long because the build is one sequence over the builder's columns, moved out of it
        // once and dropped as soon as they are placed (that sets the peak memory): renumber the
        // names, place the rows, sort each customer's run. The catalog fill and the counting
        // sort are split out.
        let catalog = catalog.cloned().unwrap_or_default();
        let n = self.cust.len();
        let EventLogBuilder {
            customers,
            touchpoints,
            mut channels,
            mut stages,
            prop_names,
            prop_values,
            cust,
            ts,
            tp,
            mut ch,
            mut st,
            value,
            props,
            last_customer: _,
            mut seq,
            ties,
        } = self;
        Self::pad_seq(&mut seq, n, false);

        // Each row's place: a stable counting sort by customer (ids in string order), its
        // counts taken on the first-seen ids while the names sort. The columns are then
        // scattered to their places, reading the input in order, and only then is each
        // customer's run sorted by time and the tie rule, on contiguous memory.
        let n_cust = customers.len();
        let (order, counts) = join(|| customers.byte_order(), || count_customers(&cust, n_cust));
        let cmap = match &order {
            Some(order) => Interner::ranks(order),
            None => (0..n_cust as u32).collect(),
        };
        // While the rows are placed, the customer table takes its new ids, the catalog fills
        // the missing channels and stages, and the other names take ids in string order (so
        // that no id depends on row order).
        let ((offsets, dest), (customers, names)) = join(
            || counting_sort(cust, &counts, &cmap),
            || {
                let customers = match &order {
                    Some(order) => customers.renumbered_to(order, &cmap),
                    None => customers,
                };
                let rows = Rows {
                    tp: &tp,
                    ch: &mut ch,
                    st: &mut st,
                };
                fill_from_catalog(&catalog, &touchpoints, (&mut channels, &mut stages), rows);
                let props: Vec<(String, Interner, Vec<u32>, Vec<u32>)> = prop_names
                    .into_iter()
                    .zip(prop_values)
                    .zip(props)
                    .map(|((name, vals), col)| {
                        let (values, vmap) = vals.sorted();
                        (name, values, vmap, col)
                    })
                    .collect();
                let names = (
                    touchpoints.sorted(),
                    channels.sorted(),
                    stages.sorted_by(stage_order),
                    props,
                );
                (customers, names)
            },
        );
        let ((touchpoints, tmap), (channels, hmap), (stages, smap), props) = names;
        drop((order, cmap, counts));
        // Input grouped by customer (in id order, a common export) stays where it is.
        let grouped = is_identity(&dest);
        let place = Place {
            dest: &dest,
            grouped,
        };
        let ids = |col: Vec<u32>, map: &[u32]| -> Vec<u32> {
            place.ids(
                col,
                |v: u32| if v == NO_ID { NO_ID } else { map[v as usize] },
            )
        };
        let stage_of = |s: u32| {
            if s == NO_ID {
                NO_STAGE
            } else {
                smap[s as usize] as u16
            }
        };
        // Two columns at a time, the narrow ones first: every input still waits while the
        // first pair is placed, so that pair sets the peak memory. The first property column
        // goes with the stage (and sequence), so that no column is placed alone.
        let (mut touchpoint, mut channel) = join(|| ids(tp, &tmap), || ids(ch, &hmap));
        let mut props = props.into_iter();
        let first_prop = props.next();
        let ((mut stage, seq), first_prop) = join(
            || (place.convert(&st, stage_of), place.same(seq)),
            || first_prop.map(|(name, values, vmap, col)| (name, values, ids(col, &vmap))),
        );
        drop(st);
        let (mut ts, mut value) = join(|| place.same(ts), || place.same(value));
        let mut properties: Vec<PropertyColumn> = first_prop
            .into_iter()
            .chain(props.map(|(name, values, vmap, col)| (name, values, ids(col, &vmap))))
            .map(|(name, values, ids)| PropertyColumn { name, ids, values })
            .collect();
        drop(dest);

        // Within each customer: by time, then the tie rule. Only the customers whose run is
        // out of order move, each within its own rows.
        let order = {
            let mut by_name: Vec<&PropertyColumn> = properties.iter().collect();
            by_name.sort_by(|a, b| a.name.cmp(&b.name));
            let rule = RowOrder {
                ts: &ts,
                seq: &seq,
                ties,
                tp: &touchpoint,
                ch: &channel,
                st: &stage,
                value: &value,
                props: by_name.iter().map(|p| p.ids.as_slice()).collect(),
            };
            sort_within_customers(&offsets, &rule)
        };
        drop(seq);
        if !order.is_empty() {
            let patches: Vec<Range<usize>> = offsets
                .windows(2)
                .filter(|w| (w[0]..w[1]).any(|i| order[i] as usize != i))
                .map(|w| w[0]..w[1])
                .collect();
            join(
                || patch(&mut ts, &order, &patches),
                || patch(&mut value, &order, &patches),
            );
            join(
                || patch(&mut touchpoint, &order, &patches),
                || patch(&mut channel, &order, &patches),
            );
            patch(&mut stage, &order, &patches);
            for p in &mut properties {
                patch(&mut p.ids, &order, &patches);
            }
        }
        let (ts_sorted, value_sorted) = (ts, value);

        report.rows_kept = n as u64;
        let mut log = EventLog {
            customers,
            touchpoints,
            channels,
            stages,
            offsets,
            ts: ts_sorted,
            touchpoint,
            channel,
            stage,
            value: value_sorted,
            properties,
            is_conversion: Vec::new(),
            conversion_names: Vec::new(),
            catalog,
            report,
        };
        log.set_conversions(conversions);
        log
    }
}

/// `col[i] = col[order[i]]` for `i` in each of `ranges`, whose rows `order` moves only among
/// themselves.
fn patch<T: Copy>(col: &mut [T], order: &[u32], ranges: &[Range<usize>]) {
    let mut tmp = Vec::new();
    for r in ranges {
        tmp.clear();
        tmp.extend(order[r.clone()].iter().map(|&k| col[k as usize]));
        col[r.clone()].copy_from_slice(&tmp);
    }
}

/// `col[i] = f(col[i])` for every `i` (on all cores with the `parallel` feature).
fn map_in_place(col: &mut [u32], f: impl Fn(u32) -> u32 + Sync) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        col.par_iter_mut()
            .with_min_len(1 << 16)
            .for_each(|v| *v = f(*v));
    }
    #[cfg(not(feature = "parallel"))]
    col.iter_mut().for_each(|v| *v = f(*v));
}

/// Whether `order` is `0, 1, 2, ...`.
fn is_identity(order: &[u32]) -> bool {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        order
            .par_iter()
            .with_min_len(1 << 16)
            .enumerate()
            .all(|(i, &r)| r as usize == i)
    }
    #[cfg(not(feature = "parallel"))]
    {
        order.iter().enumerate().all(|(i, &r)| r as usize == i)
    }
}

/// Runs both, on two cores when the `parallel` feature is on.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// Where each input row goes (`dest[row]`), and whether that is where it is.
#[derive(Clone, Copy)]
struct Place<'a> {
    dest: &'a [u32],
    grouped: bool,
}

impl Place<'_> {
    /// A column moved to its places: rows are read in input order and written to their
    /// places (or left where they are, for grouped input).
    fn same<T: Copy + Default + Send>(self, col: Vec<T>) -> Vec<T> {
        if self.grouped || col.is_empty() {
            return col;
        }
        let mut out = vec![T::default(); col.len()];
        for (&d, &v) in self.dest.iter().zip(&col) {
            out[d as usize] = v;
        }
        out
    }

    /// An id column renumbered by `f` and moved to its places.
    fn ids(self, mut col: Vec<u32>, f: impl Fn(u32) -> u32 + Sync) -> Vec<u32> {
        if self.grouped {
            map_in_place(&mut col, f);
            return col;
        }
        let mut out = vec![0u32; col.len()];
        for (&d, &v) in self.dest.iter().zip(&col) {
            out[d as usize] = f(v);
        }
        out
    }

    /// A column converted by `f` and moved to its places.
    fn convert<S: Copy, T: Copy + Default>(self, col: &[S], f: impl Fn(S) -> T) -> Vec<T> {
        if self.grouped {
            return col.iter().map(|&v| f(v)).collect();
        }
        let mut out = vec![T::default(); col.len()];
        for (&d, &v) in self.dest.iter().zip(col) {
            out[d as usize] = f(v);
        }
        out
    }
}

/// The order of one customer's events, on the placed columns (final ids, which are in string
/// order): by time, then by `sequence` when the log has one, then by the tie rule. Total: the
/// position decides last, and positions keep the input order of a customer's rows, so rows equal
/// in every column still sort one way, and [`Ties::Input`] is a stable sort.
struct RowOrder<'a> {
    ts: &'a [i64],
    seq: &'a [i64],
    ties: Ties,
    tp: &'a [u32],
    ch: &'a [u32],
    /// [`NO_STAGE`] (none) is the largest, so last.
    st: &'a [u16],
    value: &'a [f64],
    /// Each property's ids ([`NO_ID`], blank, is the largest), in the order of the names.
    props: Vec<&'a [u32]>,
}

impl RowOrder<'_> {
    #[inline(never)]
    fn tie(&self, i: usize, j: usize) -> Ordering {
        if !self.seq.is_empty() {
            let o = self.seq[i].cmp(&self.seq[j]);
            if o != Ordering::Equal {
                return o;
            }
        }
        if self.ties == Ties::Input {
            return i.cmp(&j);
        }
        self.tp[i]
            .cmp(&self.tp[j])
            .then_with(|| self.ch[i].cmp(&self.ch[j]))
            .then_with(|| self.st[i].cmp(&self.st[j]))
            .then_with(|| {
                let (x, y) = (self.value[i], self.value[j]);
                match (x.is_nan(), y.is_nan()) {
                    (false, false) => x.total_cmp(&y),
                    (a, b) => a.cmp(&b),
                }
            })
            .then_with(|| {
                self.props
                    .iter()
                    .map(|col| col[i].cmp(&col[j]))
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            })
            .then(i.cmp(&j))
    }

    fn cmp(&self, i: usize, j: usize) -> Ordering {
        match self.ts[i].cmp(&self.ts[j]) {
            Ordering::Equal => self.tie(i, j),
            o => o,
        }
    }

    /// Whether the run `r` is in order.
    fn in_order(&self, r: Range<usize>) -> bool {
        (r.start + 1..r.end).all(|i| self.cmp(i - 1, i) != Ordering::Greater)
    }

    /// Sorts the positions `s` (one customer's run).
    fn sort(&self, s: &mut [u32]) {
        s.sort_unstable_by(|&a, &b| self.cmp(a as usize, b as usize));
    }
}

/// The order of every position (`order[i]`: the position whose event goes to `i`), each
/// customer's run sorted by `rule`; empty when every run is in order already.
/// The columns of the rows that [`fill_from_catalog`] completes.
struct Rows<'r> {
    tp: &'r [u32],
    ch: &'r mut [u32],
    st: &'r mut [u32],
}

/// Fills the rows' missing channels and stages ([`NO_ID`]) from the catalog entry of their
/// touchpoint (else the channel `unknown` and no stage), each name interned once per
/// touchpoint.
fn fill_from_catalog(
    catalog: &Catalog,
    touchpoints: &Interner,
    (channels, stages): (&mut Interner, &mut Interner),
    rows: Rows<'_>,
) {
    let Rows { tp, ch, st } = rows;
    let mut tp_channel = Vec::with_capacity(touchpoints.len());
    let mut tp_stage = Vec::with_capacity(touchpoints.len());
    for name in touchpoints.names() {
        let entry = catalog.get(name);
        let c = entry
            .and_then(|e| e.channel.as_deref())
            .unwrap_or(Channel::UNKNOWN);
        tp_channel.push(c.to_string());
        tp_stage.push(entry.and_then(|e| e.stage.clone()));
    }
    let mut tp_channel_id: Vec<Option<u32>> = vec![None; touchpoints.len()];
    let mut tp_stage_id: Vec<Option<u32>> = vec![None; touchpoints.len()];
    for i in 0..tp.len() {
        let t = tp[i] as usize;
        if ch[i] == NO_ID {
            ch[i] = *tp_channel_id[t].get_or_insert_with(|| channels.intern(&tp_channel[t]));
        }
        if st[i] == NO_ID {
            if let Some(s) = &tp_stage[t] {
                st[i] = *tp_stage_id[t].get_or_insert_with(|| stages.intern(s));
            }
        }
    }
}

/// How many rows each customer has (`cust`: each row's customer id, of `n_cust`), for the
/// first and the second half of the rows apart: [`counting_sort`] places the halves on two
/// cores.
fn count_customers(cust: &[u32], n_cust: usize) -> [Vec<u32>; 2] {
    let count = |rows: &[u32]| {
        let mut counts = vec![0u32; n_cust];
        for &c in rows {
            counts[c as usize] += 1;
        }
        counts
    };
    let (first, second) = cust.split_at(cust.len() / 2);
    let (a, b) = join(|| count(first), || count(second));
    [a, b]
}

/// A stable counting sort of the rows by customer: `cust` holds each row's customer in
/// first-seen ids, `counts` their rows in each half ([`count_customers`]) and `rank` their
/// final ids (in string order). Gives the customers' offsets in final order and each row's
/// place.
fn counting_sort(cust: Vec<u32>, counts: &[Vec<u32>; 2], rank: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let n_cust = rank.len();
    let mut offsets = vec![0usize; n_cust + 1];
    for (c, &r) in rank.iter().enumerate() {
        offsets[r as usize + 1] = (counts[0][c] + counts[1][c]) as usize;
    }
    for i in 0..n_cust {
        offsets[i + 1] += offsets[i];
    }
    // Each half of the rows fills its customers' places from its own start: the first half's
    // rows of a customer come before the second half's, so the sort is stable.
    let next_first: Vec<u32> = rank.iter().map(|&r| offsets[r as usize] as u32).collect();
    let next_second: Vec<u32> = next_first
        .iter()
        .zip(&counts[0])
        .map(|(&s, &k)| s + k)
        .collect();
    let mut dest = vec![0u32; cust.len()];
    let (rows_first, rows_second) = cust.split_at(cust.len() / 2);
    let (dest_first, dest_second) = dest.split_at_mut(cust.len() / 2);
    let fill = |rows: &[u32], dest: &mut [u32], mut next: Vec<u32>| {
        for (d, &c) in dest.iter_mut().zip(rows) {
            let slot = &mut next[c as usize];
            *d = *slot;
            *slot += 1;
        }
    };
    join(
        || fill(rows_first, dest_first, next_first),
        || fill(rows_second, dest_second, next_second),
    );
    (offsets, dest)
}

fn sort_within_customers(offsets: &[usize], rule: &RowOrder<'_>) -> Vec<u32> {
    let runs = offsets.windows(2).map(|w| w[0]..w[1]);
    #[cfg(feature = "parallel")]
    let unsorted: Vec<Range<usize>> = {
        use rayon::prelude::*;
        let runs: Vec<Range<usize>> = runs.collect();
        runs.into_par_iter()
            .with_min_len(4096)
            .filter(|r| !rule.in_order(r.clone()))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let unsorted: Vec<Range<usize>> = runs.filter(|r| !rule.in_order(r.clone())).collect();
    if unsorted.is_empty() {
        return Vec::new();
    }
    let n = offsets.last().copied().unwrap_or(0);
    let mut order: Vec<u32> = (0..n as u32).collect();
    // Split `order` into the unsorted runs, each sorted on its own.
    let mut slices: Vec<&mut [u32]> = Vec::with_capacity(unsorted.len());
    let mut rest: &mut [u32] = &mut order;
    let mut at = 0;
    for r in &unsorted {
        let (_, tail) = rest.split_at_mut(r.start - at);
        let (run, tail) = tail.split_at_mut(r.end - r.start);
        slices.push(run);
        rest = tail;
        at = r.end;
    }
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        slices
            .par_iter_mut()
            .with_min_len(1024)
            .for_each(|s| rule.sort(s));
    }
    #[cfg(not(feature = "parallel"))]
    slices.iter_mut().for_each(|s| rule.sort(s));
    order
}

/// One event in its canonical JSON shape, as the bindings show a journey: timestamp (RFC 3339,
/// UTC), touchpoint, channel, stage, value, and each property column as a field of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// Touchpoint name.
    pub touchpoint: String,
    /// Channel name.
    pub channel: String,
    /// Stage name, if any.
    pub stage: Option<String>,
    /// Conversion value, if any.
    pub value: Option<f64>,
    /// Property columns (`None` when blank).
    #[serde(flatten)]
    pub properties: std::collections::BTreeMap<String, Option<String>>,
}

/// Sizes of the log, as reported by [`EventLog::summary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogSummary {
    /// Number of events.
    pub n_events: usize,
    /// Number of distinct customers.
    pub n_customers: usize,
    /// Number of distinct touchpoints.
    pub n_touchpoints: usize,
    /// Number of distinct channels.
    pub n_channels: usize,
    /// Number of conversion events.
    pub n_conversions: usize,
    /// Customers with at least one conversion.
    pub n_converting_customers: usize,
    /// Sum of conversion values.
    pub revenue: f64,
    /// First event time (RFC 3339), if any.
    pub first_event: Option<String>,
    /// Last event time (RFC 3339), if any.
    pub last_event: Option<String>,
}

impl EventLog {
    /// An empty log.
    pub fn empty() -> Self {
        EventLogBuilder::new().build(None, &["purchase"])
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.ts.len()
    }

    /// Number of distinct customers.
    pub fn n_customers(&self) -> usize {
        self.customers.len()
    }

    /// The journey of customer index `c` (`0..n_customers`, in customer-id order).
    pub fn journey(&self, c: u32) -> Journey<'_> {
        Journey {
            log: self,
            customer: c,
            range: (self.offsets[c as usize], self.offsets[c as usize + 1]),
        }
    }

    /// The journey of a customer by id.
    pub fn journey_of(&self, customer_id: &str) -> Option<Journey<'_>> {
        self.customers.get(customer_id).map(|c| self.journey(c))
    }

    /// Every customer's journey, in customer-id order.
    pub fn journeys(&self) -> impl ExactSizeIterator<Item = Journey<'_>> + '_ {
        (0..self.n_customers() as u32).map(move |c| self.journey(c))
    }

    /// Customer ids (index = customer index).
    pub fn customer_ids(&self) -> &[String] {
        self.customers.names()
    }
    /// Touchpoint names (index = touchpoint id), sorted.
    pub fn touchpoints(&self) -> &[String] {
        self.touchpoints.names()
    }
    /// Channel names (index = channel id), sorted.
    pub fn channels(&self) -> &[String] {
        self.channels.names()
    }
    /// Stage names (index = stage id): default stages in journey order, then custom ones.
    pub fn stages(&self) -> &[String] {
        self.stages.names()
    }
    /// The id of a touchpoint name.
    pub fn touchpoint_id(&self, name: &str) -> Option<u32> {
        self.touchpoints.get(name)
    }
    /// The id of a channel name.
    pub fn channel_id(&self, name: &str) -> Option<u32> {
        self.channels.get(name)
    }
    /// Name of a touchpoint id.
    pub fn touchpoint_name(&self, id: u32) -> &str {
        self.touchpoints.name(id)
    }
    /// Name of a channel id.
    pub fn channel_name(&self, id: u32) -> &str {
        self.channels.name(id)
    }
    /// The stage name of event `i`, if it has one.
    pub fn stage_of(&self, i: usize) -> Option<&str> {
        let s = self.stage[i];
        (s != NO_STAGE).then(|| self.stages.name(s as u32))
    }

    /// All timestamps (microseconds, UTC), in log order.
    pub fn timestamps(&self) -> &[i64] {
        &self.ts
    }
    /// All touchpoint ids, in log order.
    pub fn touchpoint_ids(&self) -> &[u32] {
        &self.touchpoint
    }
    /// All channel ids, in log order.
    pub fn channel_ids(&self) -> &[u32] {
        &self.channel
    }
    /// All stage ids, in log order (`u16::MAX` when none).
    pub fn stage_ids(&self) -> &[u16] {
        &self.stage
    }
    /// All values, in log order (NaN when none).
    pub fn values(&self) -> &[f64] {
        &self.value
    }
    /// `offsets[c]..offsets[c + 1]` are customer `c`'s events.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }
    /// The extra property columns.
    pub fn properties(&self) -> &[PropertyColumn] {
        &self.properties
    }
    /// A property column by name.
    pub fn property(&self, name: &str) -> Option<&PropertyColumn> {
        self.properties.iter().find(|p| p.name == name)
    }
    /// The touchpoint catalog the log was loaded with.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
    /// What happened while loading: rows read, kept, skipped, first errors.
    pub fn load_report(&self) -> &LoadReport {
        &self.report
    }

    /// Whether touchpoint id `tp` is a conversion.
    pub fn is_conversion(&self, tp: u32) -> bool {
        self.is_conversion[tp as usize]
    }
    /// The conversion touchpoint names as configured (some may not occur in the log).
    pub fn conversion_touchpoints(&self) -> &[String] {
        &self.conversion_names
    }
    /// Sets the conversion touchpoints (default `purchase`).
    pub fn set_conversions<S: AsRef<str>>(&mut self, names: &[S]) {
        let mut names: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
        names.sort();
        names.dedup();
        self.is_conversion = vec![false; self.touchpoints.len()];
        for n in &names {
            if let Some(id) = self.touchpoints.get(n) {
                self.is_conversion[id as usize] = true;
            }
        }
        self.conversion_names = names;
    }

    /// A log of only the given customers (by id), whole, as if loaded from their rows alone
    /// with the same conversions and catalog (unlike [`EventLog::select_customers`], its
    /// touchpoints, channels and property values are only those of these customers): a
    /// partition of a log split by customer, for partial results (`docs/distributed.md`).
    /// Each customer's events keep their order; an unknown id is an error.
    pub fn sub_log<S: AsRef<str>>(&self, ids: impl IntoIterator<Item = S>) -> Result<EventLog> {
        let mut picked = Vec::new();
        for id in ids {
            let id = id.as_ref();
            let c = self.customers.get(id).ok_or_else(|| {
                Error::argument("customers", format!("{id:?} is not a customer of the log"))
            })?;
            picked.push(c);
        }
        picked.sort_unstable();
        picked.dedup();
        Ok(self.sub_log_of_indices(&picked))
    }

    /// [`EventLog::sub_log`] by customer index (`0..n_customers`, in order).
    pub(crate) fn sub_log_of_indices(&self, picked: &[u32]) -> EventLog {
        let names: Vec<&str> = self.properties.iter().map(|p| p.name.as_str()).collect();
        // The rows go in in journey order: input order keeps it whatever the log's tie rule.
        let mut b = EventLogBuilder::new()
            .with_properties(&names)
            .with_ties(Ties::Input);
        let n: usize = picked.iter().map(|&c| self.journey(c).len()).sum();
        b.reserve(n);
        for &c in picked {
            let bc = b.customers.intern(self.customers.name(c));
            for i in self.journey(c).range() {
                let t = b
                    .touchpoints
                    .intern(self.touchpoints.name(self.touchpoint[i]));
                let ch = b.channels.intern(self.channels.name(self.channel[i]));
                let st = match self.stage[i] {
                    NO_STAGE => NO_ID,
                    s => b.stages.intern(self.stages.name(u32::from(s))),
                };
                b.push_ids(bc, self.ts[i], t, ch, st, self.value[i]);
                for (j, p) in self.properties.iter().enumerate() {
                    let v = p.ids[i];
                    if v != NO_ID {
                        let id = b.prop_values[j].intern(p.values.name(v));
                        *b.props[j].last_mut().expect("row pushed") = id;
                    }
                }
            }
        }
        let conversions: Vec<&str> = self.conversion_names.iter().map(String::as_str).collect();
        b.build(Some(&self.catalog), &conversions)
    }

    /// Bytes held by the event columns (excluding interned strings).
    pub fn column_bytes(&self) -> usize {
        self.ts.len() * 8
            + self.touchpoint.len() * 4
            + self.channel.len() * 4
            + self.stage.len() * 2
            + self.value.len() * 8
            + self.offsets.len() * 8
            + self
                .properties
                .iter()
                .map(|p| p.ids.len() * 4)
                .sum::<usize>()
    }

    /// Bytes held by the interned strings.
    pub fn string_bytes(&self) -> usize {
        self.customers.string_bytes()
            + self.touchpoints.string_bytes()
            + self.channels.string_bytes()
            + self.stages.string_bytes()
            + self
                .properties
                .iter()
                .map(|p| p.values.string_bytes())
                .sum::<usize>()
    }

    /// A customer's events as records, in journey order (`None` for an unknown customer).
    pub fn events_of(&self, customer_id: &str) -> Option<Vec<EventRecord>> {
        let j = self.journey_of(customer_id)?;
        Some(
            j.range()
                .map(|i| EventRecord {
                    timestamp: crate::time::format_us(self.ts[i]),
                    touchpoint: self.touchpoints.name(self.touchpoint[i]).to_string(),
                    channel: self.channels.name(self.channel[i]).to_string(),
                    stage: self.stage_of(i).map(str::to_string),
                    value: (!self.value[i].is_nan()).then_some(self.value[i]),
                    properties: self
                        .properties
                        .iter()
                        .map(|p| {
                            let id = p.ids[i];
                            let v = (id != NO_ID).then(|| p.values.name(id).to_string());
                            (p.name.clone(), v)
                        })
                        .collect(),
                })
                .collect(),
        )
    }

    /// Headline sizes.
    pub fn summary(&self) -> LogSummary {
        let mut n_conversions = 0;
        let mut revenue = 0.0;
        let mut converting = 0;
        for j in self.journeys() {
            let mut any = false;
            for (&t, &v) in j.touchpoints().iter().zip(j.values()) {
                if self.is_conversion(t) {
                    n_conversions += 1;
                    any = true;
                    if !v.is_nan() {
                        revenue += v;
                    }
                }
            }
            converting += any as usize;
        }
        LogSummary {
            n_events: self.n_events(),
            n_customers: self.n_customers(),
            n_touchpoints: self.touchpoints.len(),
            n_channels: self.channels.len(),
            n_conversions,
            n_converting_customers: converting,
            revenue,
            first_event: self.ts.iter().min().map(|&t| crate::time::format_us(t)),
            last_event: self.ts.iter().max().map(|&t| crate::time::format_us(t)),
        }
    }

    /// The rows back, in log order (customer-id order, then time). Used by writers and tests.
    pub fn rows(&self) -> impl Iterator<Item = RawEvent> + '_ {
        self.journeys().flat_map(move |j| {
            j.range().map(move |i| RawEvent {
                customer_id: j.customer_id().to_string(),
                timestamp_us: self.ts[i],
                touchpoint: self.touchpoints.name(self.touchpoint[i]).to_string(),
                channel: Some(self.channels.name(self.channel[i]).to_string()),
                stage: self.stage_of(i).map(str::to_string),
                value: (!self.value[i].is_nan()).then_some(self.value[i]),
                properties: self
                    .properties
                    .iter()
                    .filter(|p| p.ids[i] != NO_ID)
                    .map(|p| (p.name.clone(), p.values.name(p.ids[i]).to_string()))
                    .collect(),
                sequence: None,
            })
        })
    }

    /// Each customer's value of a property: the value on their latest event that has one.
    /// `None` for customers that never have it.
    pub fn customer_property(&self, name: &str) -> Option<Vec<Option<&str>>> {
        let col = self.property(name)?;
        Some(
            self.journeys()
                .map(|j| {
                    j.range()
                        .rev()
                        .map(|i| col.ids[i])
                        .find(|&v| v != NO_ID)
                        .map(|v| col.values.name(v))
                })
                .collect(),
        )
    }

    /// The log of some customers only: `keep[c]` says whether customer index `c` stays.
    ///
    /// Events, their order, the conversion set, the catalog and the name tables (touchpoints,
    /// channels, stages, property values) are kept as they are, so ids mean the same in both
    /// logs; names that no kept event uses stay in the tables. Customer indices are renumbered
    /// (still in id order). Used to compute any metric for a segment, e.g. one persona.
    ///
    /// ```
    /// let csv = "customer_id,timestamp,touchpoint\na,1,ad\nb,1,ad\nb,2,purchase\n";
    /// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    /// let b = log.select_customers(&[false, true]).unwrap();
    /// assert_eq!((b.n_customers(), b.n_events()), (1, 2));
    /// assert_eq!(b.customer_ids(), ["b"]);
    /// ```
    pub fn select_customers(&self, keep: &[bool]) -> Result<EventLog> {
        if keep.len() != self.n_customers() {
            return Err(Error::argument(
                "keep",
                format!("{} flags for {} customers", keep.len(), self.n_customers()),
            ));
        }
        let picked: Vec<u32> = (0..keep.len() as u32)
            .filter(|&c| keep[c as usize])
            .collect();
        let mut log = self.select_indices(&picked);
        log.report = self.report.clone();
        Ok(log)
    }

    /// The events at or after `from` and before `to` (microseconds; `None`: unbounded), each
    /// customer's in their order; customers without such an event are left out.
    ///
    /// ```
    /// let csv = "customer_id,timestamp,touchpoint\na,1,ad\na,5,purchase\nb,9,ad\n";
    /// let log = journey_core::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
    /// let p = log.select_period(Some(2_000_000), Some(10_000_000));
    /// assert_eq!((p.n_customers(), p.n_events()), (2, 2));
    /// ```
    pub fn select_period(&self, from: Option<i64>, to: Option<i64>) -> EventLog {
        let mut names = Vec::new();
        let mut offsets = vec![0];
        let mut rows: Vec<Range<usize>> = Vec::new();
        for c in 0..self.n_customers() {
            let (lo, hi) = (self.offsets[c], self.offsets[c + 1]);
            let ts = &self.ts[lo..hi];
            let a = lo + from.map_or(0, |f| ts.partition_point(|&t| t < f));
            let b = lo + to.map_or(ts.len(), |t| ts.partition_point(|&x| x < t));
            if a >= b {
                continue;
            }
            names.push(self.customers.name(c as u32).to_string());
            offsets.push(offsets.last().copied().unwrap_or(0) + (b - a));
            match rows.last_mut() {
                Some(last) if last.end == a => last.end = b,
                _ => rows.push(a..b),
            }
        }
        fn take<T: Copy>(col: &[T], rows: &[Range<usize>]) -> Vec<T> {
            let mut out = Vec::with_capacity(rows.iter().map(|r| r.len()).sum());
            for r in rows {
                out.extend_from_slice(&col[r.clone()]);
            }
            out
        }
        EventLog {
            customers: Interner::from_names(names),
            touchpoints: self.touchpoints.clone(),
            channels: self.channels.clone(),
            stages: self.stages.clone(),
            offsets,
            ts: take(&self.ts, &rows),
            touchpoint: take(&self.touchpoint, &rows),
            channel: take(&self.channel, &rows),
            stage: take(&self.stage, &rows),
            value: take(&self.value, &rows),
            properties: self
                .properties
                .iter()
                .map(|p| PropertyColumn {
                    name: p.name.clone(),
                    values: p.values.clone(),
                    ids: take(&p.ids, &rows),
                })
                .collect(),
            is_conversion: self.is_conversion.clone(),
            conversion_names: self.conversion_names.clone(),
            catalog: self.catalog.clone(),
            report: self.report.clone(),
        }
    }

    /// Touchpoint name -> channel name, taking the channel most often seen with the touchpoint
    /// (ties: the smaller channel name).
    pub fn touchpoint_channels(&self) -> HashMap<&str, &str> {
        let mut counts: HashMap<(u32, u32), u64> = HashMap::new();
        for (&t, &c) in self.touchpoint.iter().zip(&self.channel) {
            *counts.entry((t, c)).or_default() += 1;
        }
        let mut best: HashMap<u32, (u64, u32)> = HashMap::new();
        for ((t, c), n) in counts {
            let e = best.entry(t).or_insert((n, c));
            if n > e.0 || (n == e.0 && c < e.1) {
                *e = (n, c);
            }
        }
        best.into_iter()
            .map(|(t, (_, c))| (self.touchpoints.name(t), self.channels.name(c)))
            .collect()
    }
}

impl Default for EventLog {
    fn default() -> Self {
        Self::empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A property named `sequence` (an Arrow table with two `sequence` columns: the second
    /// became a property) wrote a CSV header that reads back as the tie-break column, so the
    /// log did not round trip (found by the `arrow_columns` fuzz target).
    #[test]
    fn a_property_named_sequence_is_refused() {
        let e = check_property_name("sequence").unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(
            e.to_string()
                .contains("\"sequence\" is the name of an event column"),
            "{e}"
        );
        assert!(check_property_name("sequences").is_ok());
    }
    use crate::model::RawResponse;

    fn ev(c: &str, t: i64, tp: &str) -> RawEvent {
        RawEvent {
            customer_id: c.into(),
            timestamp_us: t,
            touchpoint: tp.into(),
            ..Default::default()
        }
    }

    #[test]
    fn push_trims_and_refuses_what_would_not_read_back() {
        let mut b = EventLogBuilder::new();
        let mut e = ev(" a ", 0, " ad ");
        e.channel = Some(" web ".into());
        e.properties = vec![("plan".into(), " pro ".into())];
        b.push(&e).unwrap();
        let log = b.build(None, &[]);
        assert_eq!(log.customer_ids(), &["a"]);
        assert_eq!(log.touchpoints(), &["ad"]);
        assert_eq!(log.property("plan").unwrap().values.names(), &["pro"]);
        for (name, why) in [
            ("channel", "is the name of an event column"),
            ("value", "is the name of an event column"),
            ("", "must not be empty"),
            (" plan", "must not start or end with whitespace"),
            // A vertical tab is not ASCII whitespace, but a header loses it (found by fuzzing).
            ("plan\u{b}", "must not start or end with whitespace"),
        ] {
            let mut e = ev("a", 0, "ad");
            e.properties = vec![(name.into(), "x".into())];
            let err = EventLogBuilder::new().push(&e).unwrap_err();
            assert_eq!(err.code(), "invalid_argument");
            assert!(err.to_string().contains(why), "{err}");
        }
        let mut b = EventLogBuilder::new();
        for (t, v) in [
            (crate::time::MAX_US + 1, None),
            (crate::time::MIN_US - 1, None),
            (0, Some(1e308)),
        ] {
            let mut e = ev("a", t, "ad");
            e.value = v;
            assert!(b.push(&e).is_err(), "{t} {v:?}");
        }
        assert!(b.is_empty(), "a refused event leaves nothing behind");
        let mut e = ev("a", crate::time::MAX_US, "ad");
        e.value = Some(-1e15);
        b.push(&e).unwrap();
    }

    #[test]
    fn edge_timestamps_and_values_write_back_as_read() {
        let csv = "customer_id,timestamp,touchpoint,value\n\
                   a,0000-01-01T00:30:00-01:00,ad,1e15\n\
                   a,9999-12-31T23:59:59.999999Z,ad,-1e15\n\
                   b,-62167219200,ad,0.1\n";
        let log = crate::read_events_csv(csv.as_bytes(), &Default::default()).unwrap();
        let text = log.to_csv_string().unwrap();
        assert!(
            text.contains("a,0000-01-01T01:30:00Z,ad,unknown,,1000000000000000\n"),
            "{text}"
        );
        assert!(
            text.contains("b,0000-01-01T00:00:00Z,ad,unknown,,0.1\n"),
            "{text}"
        );
        let again = crate::read_events_csv(text.as_bytes(), &Default::default()).unwrap();
        assert!(again.rows().eq(log.rows()));
        assert_eq!(again.to_csv_string().unwrap(), text);
    }

    #[test]
    fn select_customers_keeps_their_journeys() {
        let (log, surveys) = crate::synthetic(300, 3);
        let keep: Vec<bool> = (0..log.n_customers()).map(|c| c % 3 == 1).collect();
        let sub = log.select_customers(&keep).unwrap();
        let kept: Vec<u32> = (0..log.n_customers() as u32)
            .filter(|&c| keep[c as usize])
            .collect();
        assert_eq!(sub.n_customers(), kept.len());
        for (i, &c) in kept.iter().enumerate() {
            let (a, b) = (log.journey(c), sub.journey(i as u32));
            assert_eq!(a.customer_id(), b.customer_id());
            assert_eq!(a.timestamps(), b.timestamps());
            assert_eq!(a.touchpoints(), b.touchpoints());
            assert_eq!(a.channels(), b.channels());
            assert_eq!(a.values().len(), b.values().len());
            let (ra, rb) = (a.range(), b.range());
            assert_eq!(log.stage_ids()[ra.clone()], sub.stage_ids()[rb.clone()]);
            assert_eq!(log.properties()[0].ids[ra], sub.properties()[0].ids[rb]);
        }
        assert_eq!(sub.touchpoints(), log.touchpoints());
        assert!(log.select_customers(&[true]).is_err());
        let ids: std::collections::HashSet<&str> =
            sub.customer_ids().iter().map(String::as_str).collect();
        let s = surveys.select_customers(|c| ids.contains(c));
        let expected: Vec<RawResponse> = surveys
            .rows()
            .filter(|r| ids.contains(r.customer_id.as_str()))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(s.rows().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn groups_by_customer_and_sorts_by_time() {
        let mut b = EventLogBuilder::new();
        for e in [
            ev("b", 5, "x"),
            ev("a", 3, "late"),
            ev("a", 1, "first"),
            ev("a", 3, "later-tie"),
            ev("b", 5, "y"),
        ] {
            b.push(&e).unwrap();
        }
        let log = b.build(None, &["purchase"]);
        assert_eq!(log.n_customers(), 2);
        let a = log.journey_of("a").unwrap();
        let names: Vec<&str> = a
            .touchpoints()
            .iter()
            .map(|&t| log.touchpoint_name(t))
            .collect();
        assert_eq!(names, ["first", "late", "later-tie"]);
        let b = log.journey_of("b").unwrap();
        let names: Vec<&str> = b
            .touchpoints()
            .iter()
            .map(|&t| log.touchpoint_name(t))
            .collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(log.channels(), &["unknown".to_string()]);
    }

    /// Equal timestamps, by hand: touchpoint name, then channel, then stage (none last), then
    /// value (none last); `sequence` comes first; `Ties::Input` keeps the input order.
    #[test]
    fn ties_follow_sequence_then_content() {
        let row =
            |tp: &str, ch: &str, st: Option<&str>, v: Option<f64>, seq: Option<i64>| RawEvent {
                channel: Some(ch.into()),
                stage: st.map(Into::into),
                value: v,
                sequence: seq,
                ..ev("a", 5, tp)
            };
        let rows = [
            row("b", "web", None, None, Some(1)),
            row("a", "web", None, Some(3.0), None),
            row("a", "email", None, None, Some(2)),
            row("a", "email", None, Some(1.0), None),
            row("a", "email", Some("awareness"), None, None),
        ];
        let order = |ties: Ties, with_seq: bool| -> Vec<String> {
            let mut b = EventLogBuilder::new().with_ties(ties);
            for r in &rows {
                let r = RawEvent {
                    sequence: r.sequence.filter(|_| with_seq),
                    ..r.clone()
                };
                b.push(&r).unwrap();
            }
            let log = b.build(None, &[]);
            log.rows()
                .map(|e| {
                    format!(
                        "{} {} {} {}",
                        e.touchpoint,
                        e.channel.unwrap(),
                        e.stage.unwrap_or("-".into()),
                        e.value.map_or("-".into(), |v| v.to_string())
                    )
                })
                .collect()
        };
        assert_eq!(
            order(Ties::Content, false),
            [
                "a email awareness -",
                "a email - 1",
                "a email - -",
                "a web - 3",
                "b web - -"
            ]
        );
        // Sequence 1, then 2, then the rows without one (last), in content order.
        assert_eq!(
            order(Ties::Content, true),
            [
                "b web - -",
                "a email - -",
                "a email awareness -",
                "a email - 1",
                "a web - 3"
            ]
        );
        assert_eq!(
            order(Ties::Input, false),
            [
                "b web - -",
                "a web - 3",
                "a email - -",
                "a email - 1",
                "a email awareness -"
            ]
        );
    }

    #[test]
    fn catalog_fills_channel_and_stage() {
        let mut cat = Catalog::new();
        cat.insert(
            "ig_ad",
            Some("social"),
            Some("awareness"),
            Default::default(),
        );
        let mut b = EventLogBuilder::new();
        b.push(&ev("a", 1, "ig_ad")).unwrap();
        b.push(&RawEvent {
            channel: Some("paid".into()),
            ..ev("a", 2, "ig_ad")
        })
        .unwrap();
        b.push(&ev("a", 3, "other")).unwrap();
        let log = b.build(Some(&cat), &[]);
        let ch: Vec<&str> = log.channel.iter().map(|&c| log.channel_name(c)).collect();
        assert_eq!(ch, ["social", "paid", "unknown"]);
        assert_eq!(log.stage_of(0), Some("awareness"));
        assert_eq!(log.stage_of(2), None);
    }

    #[test]
    fn empty_log_is_valid() {
        let log = EventLog::empty();
        assert_eq!(log.n_events(), 0);
        assert_eq!(log.n_customers(), 0);
        assert_eq!(log.summary().first_event, None);
    }

    #[test]
    fn append_keeps_properties_aligned() {
        let mut a = EventLogBuilder::new();
        a.push(&ev("a", 1, "x")).unwrap();
        let mut b = EventLogBuilder::new();
        b.push(&RawEvent {
            properties: vec![("persona".into(), "p1".into())],
            ..ev("b", 1, "x")
        })
        .unwrap();
        a.append(b);
        let log = a.build(None, &[]);
        let p = log.property("persona").unwrap();
        assert_eq!(p.ids.len(), 2);
        assert_eq!(p.ids[0], NO_ID);
        assert_eq!(p.values.name(p.ids[1]), "p1");
    }
}
