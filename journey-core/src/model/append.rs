//! Appending a batch of events to a loaded log, in place (docs/live.md, "Appending and live
//! results").
//!
//! The log keeps its layout (each customer's events contiguous, customers in id order, names
//! numbered in string order), so every metric reads an appended log as it reads a loaded one.
//! The work is: the batch's names merged into the name tables (the known ids move only when a
//! new name sorts before a known one, then that column is renumbered in one pass); the
//! touched customers' events merged with the batch's under the tie rule; and the columns
//! grown in place, each run of untouched customers moved once with `copy_within` (a `memmove`),
//! touched customers written from their merge. No column is copied into a new allocation
//! (beyond the growth of the `Vec` itself).

use std::cmp::Ordering;
use std::ops::Range;

use serde::Serialize;

use super::log::{EventLog, PropertyColumn, NO_ID};
use super::stage::stage_order;
use super::Interner;
use super::Ties;
use crate::error::{Error, Result};

/// What [`EventLog::append`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppendReport {
    /// Events added.
    pub events: usize,
    /// Customers with events in the batch (new or known).
    pub customers: usize,
    /// Customers the log did not have before.
    pub new_customers: usize,
    /// Customer ids of the batch, sorted (the customers whose journeys changed).
    pub customer_ids: Vec<String>,
}

/// Where an event of a merged journey comes from.
#[derive(Debug, Clone, Copy)]
enum Src {
    Old(usize),
    Batch(usize),
}

/// One step of the splice, in ascending order of position.
enum Op {
    /// Untouched customers' events: `src` moves to `dst`.
    Move { src: Range<usize>, dst: usize },
    /// A touched customer: `merged[order]` written at `dst`.
    Merge { order: Range<usize>, dst: usize },
}

/// The maps old id -> new id of the name tables whose ids moved ([`EventLog::add_names_of`]).
#[derive(Debug, Default)]
pub(crate) struct NameMoves {
    pub touchpoints: Option<Vec<u32>>,
    pub channels: Option<Vec<u32>>,
    pub stages: Option<Vec<u32>>,
    /// Per property column of the log before the batch.
    pub properties: Vec<Option<Vec<u32>>>,
}

/// Per name table, the map batch id -> id in the log after [`EventLog::add_tables_of`]; per
/// property column of the log, the batch's column and its value map, if the batch has it.
struct NameMaps {
    touchpoints: Vec<u32>,
    channels: Vec<u32>,
    stages: Vec<u32>,
    properties: Vec<Option<(usize, Vec<u32>)>>,
}

/// Names of `batch` added to `table`; returns the map old id -> new id when known ids moved.
fn add_names(
    table: &mut Interner,
    batch: &Interner,
    cmp: impl Fn(&str, &str) -> Ordering,
) -> (Option<Vec<u32>>, Vec<u32>) {
    let names: Vec<&str> = batch.names().iter().map(String::as_str).collect();
    let moved = table.insert_sorted(&names, cmp);
    let map = names
        .iter()
        .map(|s| table.get(s).expect("just added"))
        .collect();
    (moved, map)
}

fn renumber(col: &mut [u32], map: &[u32]) {
    for v in col.iter_mut().filter(|v| **v != NO_ID) {
        *v = map[*v as usize];
    }
}

/// The cell of batch row `i` in the log's property column `j`, as a log id (`pmaps`: the
/// batch column of each log column and its map of ids, if the batch has one).
fn batch_property(
    batch: &EventLog,
    pmaps: &[Option<(usize, Vec<u32>)>],
    j: usize,
    i: usize,
) -> u32 {
    match &pmaps[j] {
        Some((bi, map)) => {
            let v = batch.properties[*bi].ids[i];
            if v == NO_ID {
                NO_ID
            } else {
                map[v as usize]
            }
        }
        None => NO_ID,
    }
}

/// How an append moves and merges the events: see [`plan`].
struct Plan {
    /// The merged journeys' events, each touched customer's in order.
    merged: Vec<Src>,
    /// The moves and merges, in ascending order of position.
    ops: Vec<Op>,
    /// The new offsets of the customers.
    offsets: Vec<usize>,
}

/// The plan of an append: per customer (in the new id order) its old events (`old_range`) and
/// the batch customer it gets events from (`batch_of`, `u32::MAX` for none, whose events
/// are `batch_offsets[b]..batch_offsets[b + 1]`). Runs of untouched customers move; a
/// touched customer's old and batch events merge in the order `old_first` says.
fn plan(
    old_range: &[Range<usize>],
    batch_of: &[u32],
    batch_offsets: &[usize],
    old_first: impl Fn(Src, Src) -> bool,
) -> Plan {
    let n_cust = old_range.len();
    let batch_events = batch_offsets.last().copied().unwrap_or(0);
    let mut merged: Vec<Src> = Vec::with_capacity(batch_events * 2);
    let mut ops: Vec<Op> = Vec::new();
    let mut offsets = Vec::with_capacity(n_cust + 1);
    offsets.push(0usize);
    let mut pos = 0usize;
    for c in 0..n_cust {
        let r = old_range[c].clone();
        let bc = batch_of[c];
        if bc == u32::MAX {
            match ops.last_mut() {
                Some(Op::Move { src, dst }) if src.end == r.start && *dst + src.len() == pos => {
                    src.end = r.end
                }
                _ => ops.push(Op::Move {
                    src: r.clone(),
                    dst: pos,
                }),
            }
            pos += r.len();
        } else {
            let b = batch_offsets[bc as usize]..batch_offsets[bc as usize + 1];
            let start = merged.len();
            let (mut i, mut j) = (r.start, b.start);
            while i < r.end && j < b.end {
                if old_first(Src::Old(i), Src::Batch(j)) {
                    merged.push(Src::Old(i));
                    i += 1;
                } else {
                    merged.push(Src::Batch(j));
                    j += 1;
                }
            }
            merged.extend((i..r.end).map(Src::Old));
            merged.extend((j..b.end).map(Src::Batch));
            ops.push(Op::Merge {
                order: start..merged.len(),
                dst: pos,
            });
            pos += r.len() + b.len();
        }
        offsets.push(pos);
    }
    Plan {
        merged,
        ops,
        offsets,
    }
}

/// Grows `col` to `n` and carries out `ops` (from the last), taking the batch's values from
/// `batch` and the merged journeys' order from `merged`.
fn splice<T: Copy + Default>(
    col: &mut Vec<T>,
    n: usize,
    ops: &[Op],
    merged: &[Src],
    batch: impl Fn(usize) -> T,
    tmp: &mut Vec<T>,
) {
    col.resize(n, T::default());
    for op in ops.iter().rev() {
        match op {
            Op::Move { src, dst } => {
                if src.start != *dst {
                    col.copy_within(src.clone(), *dst);
                }
            }
            Op::Merge { order, dst } => {
                // The old events of this customer lie at or before `dst`: read them first.
                tmp.clear();
                for s in &merged[order.clone()] {
                    tmp.push(match *s {
                        Src::Old(i) => col[i],
                        Src::Batch(i) => batch(i),
                    });
                }
                col[*dst..*dst + tmp.len()].copy_from_slice(tmp);
            }
        }
    }
}

impl EventLog {
    /// Whether `batch` can be appended: it must have been loaded with the log's catalog.
    pub(crate) fn check_batch(&self, batch: &EventLog) -> Result<()> {
        if batch.catalog != self.catalog {
            return Err(Error::argument(
                "batch",
                "was loaded with another touchpoint catalog than the log; load the batch with \
                 the log's catalog",
            ));
        }
        Ok(())
    }

    /// The log of the customers with these indices (sorted), their events as they are and
    /// every name table kept ([`EventLog::select_customers`]): the touched customers whose
    /// partials a live analysis retracts and merges. Cheaper than a sub-log (no sort, no
    /// interning), and partials keyed by name do not depend on unused names.
    pub(crate) fn select_indices(&self, picked: &[u32]) -> EventLog {
        EventLog::select_across(&[(self, picked)])
    }

    /// [`EventLog::select_indices`] over several logs with the same name tables (touchpoints,
    /// channels, stages, property columns and values) and customers in increasing id order
    /// from one part to the next: the customers picked in each part, end to end, with the name
    /// tables of the first part. The live state's pieces of the log are read with this.
    pub(crate) fn select_across(parts: &[(&EventLog, &[u32])]) -> EventLog {
        let first = parts.first().expect("at least one part").0;
        let n_picked: usize = parts.iter().map(|(_, p)| p.len()).sum();
        let mut names = Vec::with_capacity(n_picked);
        let mut offsets = Vec::with_capacity(n_picked + 1);
        offsets.push(0);
        // Per part: the runs of rows to copy.
        let mut rows: Vec<Vec<Range<usize>>> = Vec::with_capacity(parts.len());
        for (log, picked) in parts {
            debug_assert!(log.touchpoints == first.touchpoints && log.channels == first.channels);
            debug_assert_eq!(log.properties.len(), first.properties.len());
            let mut runs: Vec<Range<usize>> = Vec::new();
            for &c in picked.iter() {
                let c = c as usize;
                names.push(log.customers.name(c as u32).to_string());
                let r = log.offsets[c]..log.offsets[c + 1];
                offsets.push(offsets.last().copied().unwrap_or(0) + r.len());
                match runs.last_mut() {
                    Some(last) if last.end == r.start => last.end = r.end,
                    _ => runs.push(r),
                }
            }
            rows.push(runs);
        }
        let n = offsets.last().copied().unwrap_or(0);
        fn take<T: Copy>(
            parts: &[(&EventLog, &[u32])],
            rows: &[Vec<Range<usize>>],
            n: usize,
            col: impl Fn(&EventLog) -> &[T],
        ) -> Vec<T> {
            let mut out = Vec::with_capacity(n);
            for ((log, _), runs) in parts.iter().zip(rows) {
                let c = col(log);
                for r in runs {
                    out.extend_from_slice(&c[r.clone()]);
                }
            }
            out
        }
        EventLog {
            customers: Interner::from_names(names),
            touchpoints: first.touchpoints.clone(),
            channels: first.channels.clone(),
            stages: first.stages.clone(),
            offsets,
            ts: take(parts, &rows, n, |l| &l.ts),
            touchpoint: take(parts, &rows, n, |l| &l.touchpoint),
            channel: take(parts, &rows, n, |l| &l.channel),
            stage: take(parts, &rows, n, |l| &l.stage),
            value: take(parts, &rows, n, |l| &l.value),
            properties: first
                .properties
                .iter()
                .enumerate()
                .map(|(j, p)| PropertyColumn {
                    name: p.name.clone(),
                    values: p.values.clone(),
                    ids: take(parts, &rows, n, |l| &l.properties[j].ids),
                })
                .collect(),
            is_conversion: first.is_conversion.clone(),
            conversion_names: first.conversion_names.clone(),
            catalog: first.catalog.clone(),
            report: Default::default(),
        }
    }

    /// Adds the names of `batch` (touchpoints, channels, stages, property columns and values,
    /// not customers) to this log's tables as [`EventLog::append`] would, renumbering a column
    /// whose known names move. Returns the maps old id -> new id of the tables whose ids moved
    /// (touchpoints, channels, stages, then per property column of the log before), so that
    /// other data numbered like this log can follow. Logs with the same tables given the same
    /// batch end with the same tables.
    pub(crate) fn add_names_of(&mut self, batch: &EventLog) -> NameMoves {
        let (moves, _) = self.add_tables_of(batch);
        if moves.touchpoints.is_some() || self.is_conversion.len() != self.touchpoints.len() {
            let conversions = std::mem::take(&mut self.conversion_names);
            self.set_conversions(&conversions);
        }
        moves
    }

    /// The number of names in each name table (touchpoints, channels, stages, then per
    /// property column its values): equal before and after [`EventLog::add_names_of`] when
    /// the batch brought no new name.
    pub(crate) fn name_table_sizes(&self) -> Vec<usize> {
        let mut n = vec![
            self.touchpoints.len(),
            self.channels.len(),
            self.stages.len(),
        ];
        n.extend(self.properties.iter().map(|p| p.values.len()));
        n
    }

    /// The name tables of `batch` (not customers) added to this log's, the columns whose known
    /// names move renumbered: the ids that moved, and the maps batch id -> id in this log.
    /// Carries out an append's plan (`ops`, `merged`) on every column: the log grows from
    /// `n_old` to `n` events, the batch's names mapped by `maps`.
    fn splice_batch(
        &mut self,
        batch: &EventLog,
        maps: &NameMaps,
        (n, n_old): (usize, usize),
        ops: &[Op],
        merged: &[Src],
    ) {
        let NameMaps {
            touchpoints: tmap,
            channels: hmap,
            stages: smap,
            properties: pmaps,
        } = maps;
        let map_id = |m: &[u32], v: u32| if v == NO_ID { NO_ID } else { m[v as usize] };
        splice(
            &mut self.ts,
            n,
            ops,
            merged,
            |i| batch.ts[i],
            &mut Vec::new(),
        );
        splice(
            &mut self.touchpoint,
            n,
            ops,
            merged,
            |i| tmap[batch.touchpoint[i] as usize],
            &mut Vec::new(),
        );
        splice(
            &mut self.channel,
            n,
            ops,
            merged,
            |i| map_id(hmap, batch.channel[i]),
            &mut Vec::new(),
        );
        splice(
            &mut self.stage,
            n,
            ops,
            merged,
            |i| match batch.stage[i] {
                u16::MAX => u16::MAX,
                s => smap[s as usize] as u16,
            },
            &mut Vec::new(),
        );
        splice(
            &mut self.value,
            n,
            ops,
            merged,
            |i| batch.value[i],
            &mut Vec::new(),
        );
        let mut tmp = Vec::new();
        for j in 0..self.properties.len() {
            let mut ids = std::mem::take(&mut self.properties[j].ids);
            // A column new with this batch: its old cells are blank.
            ids.resize(n_old, NO_ID);
            let cell = |i| batch_property(batch, pmaps, j, i);
            splice(&mut ids, n, ops, merged, cell, &mut tmp);
            self.properties[j].ids = ids;
        }
    }

    fn add_tables_of(&mut self, batch: &EventLog) -> (NameMoves, NameMaps) {
        let (tmoved, tmap) = add_names(&mut self.touchpoints, &batch.touchpoints, str::cmp);
        if let Some(m) = &tmoved {
            renumber(&mut self.touchpoint, m);
        }
        let (hmoved, hmap) = add_names(&mut self.channels, &batch.channels, str::cmp);
        if let Some(m) = &hmoved {
            renumber(&mut self.channel, m);
        }
        let (smoved, smap) = add_names(&mut self.stages, &batch.stages, stage_order);
        if let Some(m) = &smoved {
            for s in self.stage.iter_mut().filter(|s| **s != u16::MAX) {
                *s = m[*s as usize] as u16;
            }
        }
        let n = self.n_events();
        let n_props = self.properties.len();
        let mut props = vec![None; n_props];
        let mut pmaps: Vec<Option<(usize, Vec<u32>)>> = vec![None; n_props];
        for (bi, bp) in batch.properties.iter().enumerate() {
            let j = match self.properties.iter().position(|p| p.name == bp.name) {
                Some(j) => j,
                None => {
                    self.properties.push(PropertyColumn {
                        name: bp.name.clone(),
                        values: Interner::new(),
                        ids: vec![NO_ID; n],
                    });
                    pmaps.push(None);
                    self.properties.len() - 1
                }
            };
            let p = &mut self.properties[j];
            let (moved, map) = add_names(&mut p.values, &bp.values, str::cmp);
            if let Some(m) = &moved {
                renumber(&mut p.ids, m);
            }
            if j < n_props {
                props[j] = moved;
            }
            pmaps[j] = Some((bi, map));
        }
        let moves = NameMoves {
            touchpoints: tmoved,
            channels: hmoved,
            stages: smoved,
            properties: props,
        };
        let maps = NameMaps {
            touchpoints: tmap,
            channels: hmap,
            stages: smap,
            properties: pmaps,
        };
        (moves, maps)
    }

    /// The index of a customer id.
    pub(crate) fn customer_index(&self, id: &str) -> Option<u32> {
        self.customers.get(id)
    }

    /// Adds the events of `batch` (a log loaded from the new rows with the same load options:
    /// catalog, conversions and `ties`), for new or known customers, in any order. Afterwards
    /// the log equals the log loaded from its input followed by the batch's rows: each
    /// customer's events ordered by time, then by the tie rule `ties` (for equal content, or
    /// with [`Ties::Input`], the log's events before the batch's). A `sequence` column orders
    /// ties within one load only: the log does not keep it.
    ///
    /// The cost grows with the batch and the events of the customers it touches, plus one move
    /// of the columns' bytes after the first touched customer (a `memmove`); a name (customer,
    /// touchpoint, channel, stage, property value) new to the log that sorts before known ones
    /// renumbers that name table, and for a touchpoint, channel, stage or property value its
    /// column, in one pass. An error (a batch loaded with another catalog) leaves the log as it
    /// was.
    ///
    /// ```
    /// use journey_core::{read_events_csv, LoadOptions, Ties};
    /// let o = LoadOptions::default();
    /// let mut log = read_events_csv("customer_id,timestamp,touchpoint\nb,10,ad\nb,30,purchase\n".as_bytes(), &o).unwrap();
    /// let batch = read_events_csv("customer_id,timestamp,touchpoint\nb,20,email\na,5,ad\n".as_bytes(), &o).unwrap();
    /// let r = log.append(&batch, Ties::Content).unwrap();
    /// assert_eq!((r.events, r.new_customers), (2, 1));
    /// let b: Vec<&str> = log.journey_of("b").unwrap().touchpoints().iter()
    ///     .map(|&t| log.touchpoint_name(t)).collect();
    /// assert_eq!(b, ["ad", "email", "purchase"]);
    /// assert_eq!(log.customer_ids(), ["a", "b"]);
    /// ```
    pub fn append(&mut self, batch: &EventLog, ties: Ties) -> Result<AppendReport> {
        let new_customers = self.append_unlisted(batch, ties)?;
        Ok(AppendReport {
            events: batch.n_events(),
            customers: batch.n_customers(),
            new_customers,
            customer_ids: batch.customer_ids().to_vec(),
        })
    }

    /// [`EventLog::append`] without the list of the batch's customer ids in a report (a live
    /// append makes its logs this way: a copy of every id, dropped at once, for nothing):
    /// returns the number of new customers.
    pub(crate) fn append_unlisted(&mut self, batch: &EventLog, ties: Ties) -> Result<usize> {
        // Long because the order rule of the merge closes over the name maps of the log and of
        // the batch; the plan and the splice of the columns are split out.
        self.check_batch(batch)?;
        self.report.rows_read += batch.report.rows_read;
        self.report.rows_kept += batch.report.rows_kept;
        self.report.rows_skipped += batch.report.rows_skipped;
        self.report
            .errors
            .extend(batch.report.errors.iter().cloned());
        if batch.n_events() == 0 {
            return Ok(0);
        }
        // Nothing below fails: the log changes only from here.
        let n_old_customers = self.customers.len();
        let (cmoved, cmap) = add_names(&mut self.customers, &batch.customers, str::cmp);
        let new_customers = self.customers.len() - n_old_customers;
        let n_old = self.n_events();
        let (_, maps) = self.add_tables_of(batch);
        let NameMaps {
            touchpoints: tmap,
            channels: hmap,
            stages: smap,
            properties: pmaps,
        } = &maps;

        // Old customer id -> new one.
        let old_to_new = |c: usize| -> usize { cmoved.as_ref().map_or(c, |m| m[c] as usize) };
        let n_cust = self.customers.len();
        // Per new customer: the batch customer, if touched.
        let mut batch_of = vec![u32::MAX; n_cust];
        for (bc, &c) in cmap.iter().enumerate() {
            batch_of[c as usize] = bc as u32;
        }
        // Per new customer: the old range.
        let mut old_range: Vec<Range<usize>> = vec![0..0; n_cust];
        for c in 0..n_old_customers {
            old_range[old_to_new(c)] = self.offsets[c]..self.offsets[c + 1];
        }

        // Property order of the tie rule: by column name.
        let mut by_name: Vec<usize> = (0..self.properties.len()).collect();
        by_name.sort_by(|&a, &b| self.properties[a].name.cmp(&self.properties[b].name));
        let log = &*self;
        let bprop = |j: usize, i: usize| batch_property(batch, pmaps, j, i);
        let key = |s: Src| -> (i64, u32, u32, u16, f64) {
            match s {
                Src::Old(i) => (
                    log.ts[i],
                    log.touchpoint[i],
                    log.channel[i],
                    log.stage[i],
                    log.value[i],
                ),
                Src::Batch(i) => (
                    batch.ts[i],
                    tmap[batch.touchpoint[i] as usize],
                    hmap[batch.channel[i] as usize],
                    match batch.stage[i] {
                        u16::MAX => u16::MAX,
                        s => smap[s as usize] as u16,
                    },
                    batch.value[i],
                ),
            }
        };
        let prop = |s: Src, j: usize| -> u32 {
            match s {
                Src::Old(i) => {
                    let ids = &log.properties[j].ids;
                    // A column added by this batch has no old cells yet.
                    ids.get(i).copied().unwrap_or(NO_ID)
                }
                Src::Batch(i) => bprop(j, i),
            }
        };
        // Whether the old event `a` goes before the batch event `b`.
        let old_first = |a: Src, b: Src| -> bool {
            let (x, y) = (key(a), key(b));
            let o = x.0.cmp(&y.0);
            if o != Ordering::Equal || ties == Ties::Input {
                return o != Ordering::Greater;
            }
            let o =
                x.1.cmp(&y.1)
                    .then(x.2.cmp(&y.2))
                    .then(x.3.cmp(&y.3))
                    .then_with(|| match (x.4.is_nan(), y.4.is_nan()) {
                        (false, false) => x.4.total_cmp(&y.4),
                        (p, q) => p.cmp(&q),
                    })
                    .then_with(|| {
                        by_name
                            .iter()
                            .map(|&j| prop(a, j).cmp(&prop(b, j)))
                            .find(|o| *o != Ordering::Equal)
                            .unwrap_or(Ordering::Equal)
                    });
            // Equal in every column: the log's rows came first in the input.
            o != Ordering::Greater
        };

        // The plan: runs of untouched customers move, touched ones merge.
        let Plan {
            merged,
            ops,
            offsets,
        } = plan(&old_range, &batch_of, &batch.offsets, old_first);
        let n = *offsets.last().expect("one offset more than customers");
        debug_assert_eq!(n, n_old + batch.n_events());

        // Carry out the plan on every column.
        self.splice_batch(batch, &maps, (n, n_old), &ops, &merged);
        self.offsets = offsets;
        let conversions = std::mem::take(&mut self.conversion_names);
        self.set_conversions(&conversions);
        Ok(new_customers)
    }
}
