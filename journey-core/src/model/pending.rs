//! The pieces of a live analysis's log (docs/live.md, "What an append costs"): the log cut
//! into shards by ranges of customer ids, and the events appended since each shard last moved,
//! kept per customer.

use std::collections::HashMap;

use super::log::{EventLog, PropertyColumn};
use super::Interner;
use super::NameMoves;

/// One event kept aside, its names numbered as in the shards' tables.
#[derive(Debug, Clone, Copy)]
struct Row {
    ts: i64,
    value: f64,
    touchpoint: u32,
    channel: u32,
    stage: u16,
}

/// One customer's events kept aside, in the log's order (time, then the tie rule).
#[derive(Debug, Clone, Default)]
struct Rows {
    rows: Vec<Row>,
    /// `n_props` property value ids per row, row after row.
    props: Vec<u32>,
}

/// Events appended but not yet in their shard, per customer: an append replaces the touched
/// customers' rows, a shard's compaction takes its customers' rows out. Reading or replacing
/// a customer's rows costs their number, whatever else is kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingRows {
    by_customer: HashMap<String, Rows, rustc_hash::FxBuildHasher>,
    n_props: usize,
    n_events: usize,
}

impl PendingRows {
    /// Nothing kept, for logs with `n_props` property columns.
    pub(crate) fn new(n_props: usize) -> Self {
        PendingRows {
            n_props,
            ..Default::default()
        }
    }

    /// Events kept.
    pub(crate) fn n_events(&self) -> usize {
        self.n_events
    }

    /// Whether events of this customer are kept.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.by_customer.contains_key(id)
    }

    /// Customers with events kept.
    pub(crate) fn n_customers(&self) -> usize {
        self.by_customer.len()
    }

    /// Every customer with events kept (any order).
    pub(crate) fn customer_ids(&self) -> impl Iterator<Item = &str> {
        self.by_customer.keys().map(String::as_str)
    }

    /// The log of these customers' kept events (`ids` sorted, each with events kept), with
    /// the name tables of `tables` (the shards' tables, which number the kept rows).
    pub(crate) fn log_of(&self, ids: &[&str], tables: &EventLog) -> EventLog {
        let np = tables.properties.len();
        debug_assert_eq!(np, self.n_props);
        let journeys: Vec<&Rows> = ids.iter().map(|c| &self.by_customer[*c]).collect();
        let n: usize = journeys.iter().map(|j| j.rows.len()).sum();
        let mut offsets = Vec::with_capacity(ids.len() + 1);
        offsets.push(0);
        let mut ts = Vec::with_capacity(n);
        let mut value = Vec::with_capacity(n);
        let mut touchpoint = Vec::with_capacity(n);
        let mut channel = Vec::with_capacity(n);
        let mut stage = Vec::with_capacity(n);
        let mut props: Vec<Vec<u32>> = (0..np).map(|_| Vec::with_capacity(n)).collect();
        for j in &journeys {
            for (i, r) in j.rows.iter().enumerate() {
                ts.push(r.ts);
                value.push(r.value);
                touchpoint.push(r.touchpoint);
                channel.push(r.channel);
                stage.push(r.stage);
                for (p, col) in props.iter_mut().enumerate() {
                    col.push(j.props[i * np + p]);
                }
            }
            offsets.push(ts.len());
        }
        EventLog {
            customers: Interner::from_names(ids.iter().map(|s| s.to_string()).collect()),
            touchpoints: tables.touchpoints.clone(),
            channels: tables.channels.clone(),
            stages: tables.stages.clone(),
            offsets,
            ts,
            touchpoint,
            channel,
            stage,
            value,
            properties: tables
                .properties
                .iter()
                .zip(props)
                .map(|(p, ids)| PropertyColumn {
                    name: p.name.clone(),
                    values: p.values.clone(),
                    ids,
                })
                .collect(),
            is_conversion: tables.is_conversion.clone(),
            conversion_names: tables.conversion_names.clone(),
            catalog: tables.catalog.clone(),
            report: Default::default(),
        }
    }

    /// Keeps the events of every customer of `log` (numbered as the shards' tables, which
    /// `log` has), replacing what was kept for them. Returns the customers new here.
    pub(crate) fn store(&mut self, log: &EventLog) -> Vec<String> {
        let np = log.properties.len();
        debug_assert_eq!(np, self.n_props);
        let mut fresh = Vec::new();
        for c in 0..log.n_customers() {
            let r = log.offsets[c]..log.offsets[c + 1];
            let rows = Rows {
                rows: r
                    .clone()
                    .map(|i| Row {
                        ts: log.ts[i],
                        value: log.value[i],
                        touchpoint: log.touchpoint[i],
                        channel: log.channel[i],
                        stage: log.stage[i],
                    })
                    .collect(),
                props: r
                    .flat_map(|i| log.properties.iter().map(move |p| p.ids[i]))
                    .collect(),
            };
            self.n_events += rows.rows.len();
            let id = log.customers.name(c as u32);
            match self.by_customer.get_mut(id) {
                Some(old) => {
                    self.n_events -= old.rows.len();
                    *old = rows;
                }
                None => {
                    fresh.push(id.to_string());
                    self.by_customer.insert(id.to_string(), rows);
                }
            }
        }
        fresh
    }

    /// Takes these customers' rows out.
    pub(crate) fn remove(&mut self, ids: &[&str]) {
        for c in ids {
            if let Some(r) = self.by_customer.remove(*c) {
                self.n_events -= r.rows.len();
            }
        }
    }

    /// Follows the shards' name tables after [`EventLog::add_names_of`]: renumbers the kept
    /// rows whose names moved, and gives them blank cells of the property columns now
    /// `n_props`.
    pub(crate) fn follow(&mut self, moves: &NameMoves, n_props: usize) {
        let np = self.n_props;
        let map = |m: &Option<Vec<u32>>, v: u32| match m {
            Some(m) if v != super::log::NO_ID => m[v as usize],
            _ => v,
        };
        let any_prop = moves.properties.iter().any(Option::is_some);
        if moves.touchpoints.is_some()
            || moves.channels.is_some()
            || moves.stages.is_some()
            || any_prop
            || n_props != np
        {
            for j in self.by_customer.values_mut() {
                for r in &mut j.rows {
                    r.touchpoint = map(&moves.touchpoints, r.touchpoint);
                    r.channel = map(&moves.channels, r.channel);
                    if r.stage != u16::MAX {
                        r.stage = map(&moves.stages, r.stage as u32) as u16;
                    }
                }
                if any_prop || n_props != np {
                    let mut props = Vec::with_capacity(j.rows.len() * n_props);
                    for i in 0..j.rows.len() {
                        for p in 0..n_props {
                            props.push(if p < np {
                                map(&moves.properties[p], j.props[i * np + p])
                            } else {
                                super::log::NO_ID
                            });
                        }
                    }
                    j.props = props;
                }
            }
        }
        self.n_props = n_props;
    }

    /// Bytes held (the rows and their ids, not the hash table's slack).
    pub(crate) fn bytes(&self) -> usize {
        self.by_customer
            .iter()
            .map(|(k, r)| {
                k.len()
                    + std::mem::size_of::<(String, Rows)>()
                    + r.rows.capacity() * std::mem::size_of::<Row>()
                    + r.props.capacity() * 4
            })
            .sum()
    }
}

impl EventLog {
    /// Where the pieces of about `size` events each start (customer indices; at least one).
    fn shard_starts(&self, size: usize) -> Vec<usize> {
        let size = size.max(1);
        let mut starts = vec![0usize];
        let mut acc = 0usize;
        for c in 0..self.n_customers() {
            if acc >= size {
                starts.push(c);
                acc = 0;
            }
            acc += self.offsets[c + 1] - self.offsets[c];
        }
        starts
    }

    /// The first customer id of each piece after the first.
    fn shard_bounds(&self, starts: &[usize]) -> Vec<String> {
        starts[1..]
            .iter()
            .map(|&c| self.customers.name(c as u32).to_string())
            .collect()
    }

    /// Cuts the log into pieces of consecutive customers of about `size` events each (at least
    /// one piece), every piece with the log's name tables. Returns the pieces and the first
    /// customer id of each piece after the first.
    pub(crate) fn shards(&self, size: usize) -> (Vec<EventLog>, Vec<String>) {
        let starts = self.shard_starts(size);
        let mut ends = starts[1..].to_vec();
        ends.push(self.n_customers());
        let pieces = starts
            .iter()
            .zip(&ends)
            .map(|(&s, &e)| {
                let picked: Vec<u32> = (s as u32..e as u32).collect();
                self.select_indices(&picked)
            })
            .collect();
        (pieces, self.shard_bounds(&starts))
    }

    /// [`EventLog::shards`], consuming the log from its end: its columns shrink as the pieces
    /// are made, so the peak memory stays near the log's.
    pub(crate) fn into_shards(mut self, size: usize) -> (Vec<EventLog>, Vec<String>) {
        let starts = self.shard_starts(size);
        let bounds = self.shard_bounds(&starts);
        let mut pieces = Vec::with_capacity(starts.len());
        let mut end = self.n_customers();
        for &s in starts.iter().rev() {
            let picked: Vec<u32> = (s as u32..end as u32).collect();
            pieces.push(self.select_indices(&picked));
            // Give back the rows now copied.
            let at = self.offsets[s];
            fn cut<T>(v: &mut Vec<T>, at: usize) {
                v.truncate(at);
                v.shrink_to_fit();
            }
            cut(&mut self.ts, at);
            cut(&mut self.touchpoint, at);
            cut(&mut self.channel, at);
            cut(&mut self.stage, at);
            cut(&mut self.value, at);
            for p in &mut self.properties {
                cut(&mut p.ids, at);
            }
            end = s;
        }
        pieces.reverse();
        (pieces, bounds)
    }

    /// The number of property columns.
    pub(crate) fn n_properties(&self) -> usize {
        self.properties.len()
    }

    /// The log's load report, replaced.
    pub(crate) fn set_report(&mut self, report: super::LoadReport) {
        self.report = report;
    }
}
