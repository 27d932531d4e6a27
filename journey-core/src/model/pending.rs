//! The pieces of a live analysis's log (docs/live.md, "What an append costs"): the log cut
//! into shards by ranges of customer ids, and the events appended since each shard last moved,
//! kept per customer.

use hashbrown::HashTable;

use super::interner::hash_str;
use super::log::{EventLog, PropertyColumn, NO_ID};
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

/// A customer with events kept aside: their rows are `rows[start..start + len]` (in the log's
/// order: time, then the tie rule). A free slot keeps its id's buffer for the next customer.
#[derive(Debug, Clone, Default)]
struct Slot {
    id: String,
    hash: u64,
    start: usize,
    len: usize,
    used: bool,
}

/// Events appended but not yet in their shard, per customer: an append replaces the touched
/// customers' rows, a shard's compaction takes its customers' rows out. Reading or replacing
/// a customer's rows costs their number, whatever else is kept. The rows of every customer
/// are end to end in one buffer (replaced rows are left behind and the buffer is packed when
/// they outnumber the others), so keeping rows allocates nothing per customer.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingRows {
    /// Slot numbers, by the hash of their customer id.
    index: HashTable<u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    rows: Vec<Row>,
    /// `n_props` property value ids per row, row after row.
    props: Vec<u32>,
    /// Rows of `rows` no slot refers to.
    garbage: usize,
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

    fn find(&self, id: &str) -> Option<u32> {
        let hash = hash_str(id);
        self.index
            .find(hash, |&k| {
                let s = &self.slots[k as usize];
                s.hash == hash && s.id == id
            })
            .copied()
    }

    /// Whether events of this customer are kept.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    /// Customers with events kept.
    pub(crate) fn n_customers(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Every customer with events kept (any order).
    pub(crate) fn customer_ids(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().filter(|s| s.used).map(|s| s.id.as_str())
    }

    /// The customer id of a slot given by [`PendingRows::store`].
    pub(crate) fn id_of(&self, slot: u32) -> &str {
        &self.slots[slot as usize].id
    }

    /// The log of these customers' kept events (`ids` sorted, each with events kept), with
    /// the name tables of `tables` (the shards' tables, which number the kept rows).
    pub(crate) fn log_of(&self, ids: &[&str], tables: &EventLog) -> EventLog {
        let np = tables.properties.len();
        debug_assert_eq!(np, self.n_props);
        let ranges: Vec<(usize, usize)> = ids
            .iter()
            .map(|c| {
                let s = &self.slots[self.find(c).expect("a customer with events kept") as usize];
                (s.start, s.len)
            })
            .collect();
        let n: usize = ranges.iter().map(|r| r.1).sum();
        let mut offsets = Vec::with_capacity(ids.len() + 1);
        offsets.push(0);
        let mut ts = Vec::with_capacity(n);
        let mut value = Vec::with_capacity(n);
        let mut touchpoint = Vec::with_capacity(n);
        let mut channel = Vec::with_capacity(n);
        let mut stage = Vec::with_capacity(n);
        let mut props: Vec<Vec<u32>> = (0..np).map(|_| Vec::with_capacity(n)).collect();
        for &(start, len) in &ranges {
            for i in start..start + len {
                let r = &self.rows[i];
                ts.push(r.ts);
                value.push(r.value);
                touchpoint.push(r.touchpoint);
                channel.push(r.channel);
                stage.push(r.stage);
                for (p, col) in props.iter_mut().enumerate() {
                    col.push(self.props[i * np + p]);
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
    /// `log` has), replacing what was kept for them. Returns the slots of the customers new
    /// here ([`PendingRows::id_of`] gives their ids).
    pub(crate) fn store(&mut self, log: &EventLog) -> Vec<u32> {
        let np = log.properties.len();
        debug_assert_eq!(np, self.n_props);
        let mut fresh = Vec::new();
        for c in 0..log.n_customers() {
            let r = log.offsets[c]..log.offsets[c + 1];
            let start = self.rows.len();
            for i in r.clone() {
                self.rows.push(Row {
                    ts: log.ts[i],
                    value: log.value[i],
                    touchpoint: log.touchpoint[i],
                    channel: log.channel[i],
                    stage: log.stage[i],
                });
                self.props.extend(log.properties.iter().map(|p| p.ids[i]));
            }
            self.n_events += r.len();
            let id = log.customers.name(c as u32);
            match self.find(id) {
                Some(k) => {
                    let s = &mut self.slots[k as usize];
                    self.garbage += s.len;
                    self.n_events -= s.len;
                    s.start = start;
                    s.len = r.len();
                }
                None => {
                    let hash = hash_str(id);
                    let k = match self.free.pop() {
                        Some(k) => k,
                        None => {
                            self.slots.push(Slot::default());
                            (self.slots.len() - 1) as u32
                        }
                    };
                    let s = &mut self.slots[k as usize];
                    s.id.clear();
                    s.id.push_str(id);
                    s.hash = hash;
                    s.start = start;
                    s.len = r.len();
                    s.used = true;
                    let slots = &self.slots;
                    self.index
                        .insert_unique(hash, k, |&j| slots[j as usize].hash);
                    fresh.push(k);
                }
            }
        }
        self.pack_if_sparse();
        fresh
    }

    /// Takes these slots' customers and rows out.
    pub(crate) fn remove(&mut self, slots: &[u32]) {
        for &k in slots {
            let s = &mut self.slots[k as usize];
            if !s.used {
                continue;
            }
            if let Ok(e) = self.index.find_entry(s.hash, |&j| j == k) {
                e.remove();
            }
            self.garbage += s.len;
            self.n_events -= s.len;
            s.used = false;
            s.len = 0;
            self.free.push(k);
        }
        self.pack_if_sparse();
    }

    /// Packs the rows when those left behind outnumber the kept ones (so the buffer stays
    /// within twice the kept rows; each row left behind is copied at most once more). In
    /// place: the kept customers' rows move down in the order they lie, so packing allocates
    /// nothing (a fresh buffer's pages cost more than the copy).
    fn pack_if_sparse(&mut self) {
        if self.garbage <= self.n_events {
            return;
        }
        let np = self.n_props;
        let mut used: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&k| self.slots[k as usize].used)
            .collect();
        used.sort_unstable_by_key(|&k| self.slots[k as usize].start);
        let mut dst = 0;
        for k in used {
            let s = &mut self.slots[k as usize];
            if s.start != dst {
                self.rows.copy_within(s.start..s.start + s.len, dst);
                self.props
                    .copy_within(s.start * np..(s.start + s.len) * np, dst * np);
                s.start = dst;
            }
            dst += s.len;
        }
        self.rows.truncate(dst);
        self.props.truncate(dst * np);
        self.garbage = 0;
    }

    /// Follows the shards' name tables after [`EventLog::add_names_of`]: renumbers the kept
    /// rows whose names moved, and gives them blank cells of the property columns now
    /// `n_props`.
    pub(crate) fn follow(&mut self, moves: &NameMoves, n_props: usize) {
        let np = self.n_props;
        let map = |m: &Option<Vec<u32>>, v: u32| match m {
            Some(m) if v != NO_ID => m[v as usize],
            _ => v,
        };
        if moves.touchpoints.is_some() || moves.channels.is_some() || moves.stages.is_some() {
            for r in &mut self.rows {
                r.touchpoint = map(&moves.touchpoints, r.touchpoint);
                r.channel = map(&moves.channels, r.channel);
                if r.stage != u16::MAX {
                    r.stage = map(&moves.stages, r.stage as u32) as u16;
                }
            }
        }
        if moves.properties.iter().any(Option::is_some) || n_props != np {
            let mut props = Vec::with_capacity(self.rows.len() * n_props);
            for i in 0..self.rows.len() {
                for p in 0..n_props {
                    props.push(if p < np {
                        map(&moves.properties[p], self.props[i * np + p])
                    } else {
                        NO_ID
                    });
                }
            }
            self.props = props;
        }
        self.n_props = n_props;
    }

    /// Bytes held: the rows (with those left behind), the ids and the index.
    pub(crate) fn bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.props.capacity() * 4
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.slots.iter().map(|s| s.id.capacity()).sum::<usize>()
            + self.index.capacity() * 5
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

    /// Makes room for `additional` more events in every column, with a 16th of the events
    /// more for the next appends: the columns then grow by that much, not by doubling (a
    /// shard's spare room stays a small share of it).
    pub(crate) fn reserve_events(&mut self, additional: usize) {
        let n = self.n_events();
        let want = n + additional;
        if self.ts.capacity() >= want {
            return;
        }
        let extra = additional + n / 16;
        self.ts.reserve_exact(extra);
        self.touchpoint.reserve_exact(extra);
        self.channel.reserve_exact(extra);
        self.stage.reserve_exact(extra);
        self.value.reserve_exact(extra);
        for p in &mut self.properties {
            p.ids.reserve_exact(extra);
        }
    }

    /// Bytes allocated for the columns (their capacity, spare room included).
    pub(crate) fn column_capacity_bytes(&self) -> usize {
        self.ts.capacity() * 8
            + self.touchpoint.capacity() * 4
            + self.channel.capacity() * 4
            + self.stage.capacity() * 2
            + self.value.capacity() * 8
            + self.offsets.capacity() * 8
            + self
                .properties
                .iter()
                .map(|p| p.ids.capacity() * 4)
                .sum::<usize>()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_events_csv, LoadOptions};

    fn load(rows: &str) -> EventLog {
        let csv = format!("customer_id,timestamp,touchpoint\n{rows}");
        read_events_csv(csv.as_bytes(), &LoadOptions::default()).unwrap()
    }

    /// Rows left behind are packed away in place once they outnumber the kept ones; the kept
    /// customers' rows stay theirs.
    #[test]
    fn packs_in_place() {
        let tables = load("a,1,x\na,2,y\nb,3,x\nc,4,y\n");
        let mut p = PendingRows::new(0);
        let mut fresh = p.store(&tables.sub_log(["a", "b", "c"]).unwrap());
        assert_eq!((p.n_events(), p.rows.len()), (4, 4));
        // a's two rows replaced by one: 2 left behind, 3 kept: not packed.
        p.store(&load("a,9,y\n").sub_log(["a"]).unwrap());
        assert_eq!((p.n_events(), p.garbage, p.rows.len()), (3, 2, 5));
        // a taken out: 3 left behind, 2 kept: packed to b's and c's rows.
        fresh.truncate(1);
        p.remove(&fresh);
        assert_eq!((p.n_events(), p.garbage, p.rows.len()), (2, 0, 2));
        let log = p.log_of(&["b", "c"], &tables);
        assert_eq!(log.timestamps(), [3_000_000, 4_000_000]);
        assert_eq!(log.touchpoint_ids(), [0, 1]);
    }
}
