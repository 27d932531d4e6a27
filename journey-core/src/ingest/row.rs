//! The meaning of the columns: which are required, how each cell is read and what an error says.
//! Shared by the CSV and JSON readers.

use super::LoadOptions;
use crate::error::{Error, Result};
use crate::model::{EventLogBuilder, RawResponse, NO_ID, NO_SEQ};
use crate::time::parse_timestamp;

pub(crate) const CUSTOMER: &str = "customer_id";
pub(crate) const TIMESTAMP: &str = "timestamp";
pub(crate) const TOUCHPOINT: &str = "touchpoint";
pub(crate) const SEQUENCE: &str = "sequence";

/// Where each known column of an event table is.
#[derive(Debug, Clone)]
pub(crate) struct EventSchema {
    pub names: Vec<String>,
    pub customer: usize,
    pub ts: usize,
    pub tp: usize,
    pub channel: Option<usize>,
    pub stage: Option<usize>,
    pub value: Option<usize>,
    /// The `sequence` column (breaks ties in time).
    pub sequence: Option<usize>,
    /// How ties are ordered.
    pub ties: crate::ingest::Ties,
    /// `(column index, property name)`
    pub props: Vec<(usize, String)>,
    /// Undo the spreadsheet guard of journey's CSV writer in text cells ([`unguard`]): set by
    /// the CSV readers.
    pub unguard: bool,
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP's list: `=`, `+`,
/// `-`, `@`, tab and carriage return).
pub(crate) fn formula_start(b: u8) -> bool {
    matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
}

/// A text cell written by journey's spreadsheet-safe CSV writer, as it was before: one leading
/// apostrophe is dropped when a formula character or another apostrophe follows it (what a
/// spreadsheet shows, too). The writer guards exactly those cells, so the round trip is exact.
pub(crate) fn unguard(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', next, ..] if formula_start(*next) || *next == b'\'' => &s[1..],
        _ => s,
    }
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn find(names: &[String], want: &str) -> Option<usize> {
    names.iter().position(|n| n == want)
}

fn require(names: &[String], want: &str) -> Result<usize> {
    find(names, want).ok_or_else(|| Error::MissingColumn {
        column: want.to_string(),
        found: if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        },
    })
}

/// Canonical, trimmed header names; duplicates are an error.
pub(crate) fn header_names(raw: &[String], opts: &LoadOptions) -> Result<Vec<String>> {
    let names: Vec<String> = raw
        .iter()
        .map(|h| opts.canonical(h.trim()).to_string())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(Error::MalformedRow {
                line: 1,
                message: format!("column {n:?} appears twice in the header"),
            });
        }
    }
    Ok(names)
}

impl EventSchema {
    pub(crate) fn new(names: Vec<String>, opts: &LoadOptions) -> Result<Self> {
        let customer = require(&names, CUSTOMER)?;
        let ts = require(&names, TIMESTAMP)?;
        let tp = require(&names, TOUCHPOINT)?;
        let channel = find(&names, "channel");
        let stage = find(&names, "stage");
        let value = find(&names, "value");
        let sequence = find(&names, SEQUENCE);
        let known = [
            Some(customer),
            Some(ts),
            Some(tp),
            channel,
            stage,
            value,
            sequence,
        ];
        let props = if opts.ignore_extra_columns {
            Vec::new()
        } else {
            names
                .iter()
                .enumerate()
                .filter(|(i, n)| !known.contains(&Some(*i)) && !n.is_empty())
                .map(|(i, n)| (i, n.clone()))
                .collect()
        };
        Ok(EventSchema {
            names,
            customer,
            ts,
            tp,
            channel,
            stage,
            value,
            sequence,
            ties: opts.ties,
            props,
            unguard: false,
        })
    }

    /// A builder with this schema's property columns declared.
    pub(crate) fn builder(&self) -> EventLogBuilder {
        let names: Vec<&str> = self.props.iter().map(|(_, n)| n.as_str()).collect();
        EventLogBuilder::new()
            .with_properties(&names)
            .with_ties(self.ties)
    }

    /// Reads one row into `b`. `get(i)` is the raw cell of column `i` (`None` if absent): bytes,
    /// or text already known to be UTF-8 (the fast path validates a whole piece at once).
    pub(crate) fn push_row<'a, C: Cell<'a>, S: RowSink<'a>>(
        &self,
        b: &mut S,
        line: u64,
        get: impl Fn(usize) -> Option<C>,
    ) -> Result<()> {
        let cell = |i: usize| get(i).map_or(&b""[..], |c| c.raw().trim_ascii());
        let text = |i: usize| -> Result<&'a str> {
            match get(i) {
                None => Ok(""),
                Some(c) => c
                    .text()
                    .map(str::trim_ascii)
                    .map(|t| if self.unguard { unguard(t) } else { t })
                    .ok_or_else(|| {
                        Error::invalid_value(line, &self.names[i], c.raw(), "valid UTF-8 text")
                    }),
            }
        };
        let customer = text(self.customer)?;
        if customer.is_empty() {
            return Err(Error::invalid_value(
                line,
                CUSTOMER,
                b"",
                "a non-empty customer id",
            ));
        }
        let raw_ts = cell(self.ts);
        let ts = parse_timestamp(raw_ts)
            .map_err(|e| Error::invalid_value(line, TIMESTAMP, raw_ts, e))?;
        let tp = text(self.tp)?;
        if tp.is_empty() {
            return Err(Error::invalid_value(
                line,
                TOUCHPOINT,
                b"",
                "a non-empty touchpoint name",
            ));
        }
        let channel = self.channel.map(text).transpose()?.unwrap_or("");
        let stage = self.stage.map(text).transpose()?.unwrap_or("");
        let value = match self.value {
            None => f64::NAN,
            Some(i) => parse_value(cell(i))
                .map_err(|exp| Error::invalid_value(line, "value", cell(i), exp))?,
        };
        let sequence = match self.sequence {
            None => None,
            Some(i) => parse_sequence(cell(i))
                .map_err(|exp| Error::invalid_value(line, SEQUENCE, cell(i), exp))?,
        };
        // Validate every property before touching the builder, so a bad row leaves no trace.
        for (i, _) in &self.props {
            text(*i)?;
        }
        let c = b.customer(customer);
        let t = b.touchpoint(tp);
        let ch = if channel.is_empty() {
            NO_ID
        } else {
            b.channel(channel)
        };
        let st = if stage.is_empty() {
            NO_ID
        } else {
            b.stage(stage)
        };
        b.push_ids(c, ts, t, ch, st, value);
        if let Some(q) = sequence {
            b.set_sequence(q);
        }
        for (k, (i, _)) in self.props.iter().enumerate() {
            let v = text(*i)?;
            if !v.is_empty() {
                b.set_property(k, v);
            }
        }
        Ok(())
    }
}

/// Where a row's interned values go: the owning [`EventLogBuilder`], or a [`PieceBuilder`]
/// that borrows its strings from the input buffer.
pub(crate) trait RowSink<'a> {
    fn customer(&mut self, s: &'a str) -> u32;
    fn touchpoint(&mut self, s: &'a str) -> u32;
    fn channel(&mut self, s: &'a str) -> u32;
    fn stage(&mut self, s: &'a str) -> u32;
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64);
    /// Sets property `k` of the last pushed row.
    fn set_property(&mut self, k: usize, v: &'a str);
    /// Sets the `sequence` of the last pushed row.
    fn set_sequence(&mut self, v: i64);
}

impl<'a> RowSink<'a> for EventLogBuilder {
    fn customer(&mut self, s: &'a str) -> u32 {
        self.customer_id(s)
    }
    fn touchpoint(&mut self, s: &'a str) -> u32 {
        self.touchpoints.intern(s)
    }
    fn channel(&mut self, s: &'a str) -> u32 {
        self.channels.intern(s)
    }
    fn stage(&mut self, s: &'a str) -> u32 {
        self.stages.intern(s)
    }
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64) {
        EventLogBuilder::push_ids(self, c, ts, tp, ch, st, value)
    }
    fn set_property(&mut self, k: usize, v: &'a str) {
        let id = self.prop_values[k].intern(v);
        *self.props[k].last_mut().expect("row pushed") = id;
    }
    fn set_sequence(&mut self, v: i64) {
        EventLogBuilder::set_sequence(self, v)
    }
}

/// Distinct strings, end to end in one buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Arena {
    text: String,
    /// End of each string in `text`.
    ends: Vec<u32>,
}

impl Arena {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Adds `s`; returns its id.
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
        self.ends.len() as u32 - 1
    }
}

/// The strings of one parsed piece: each distinct string copied once into an arena, with its
/// hash, so that merging the piece into the log never hashes a string again and the piece does
/// not borrow the input buffer (which is reused for the next batch).
#[derive(Debug, Default)]
pub(crate) struct LocalInterner {
    names: Arena,
    pub hashes: Vec<u64>,
    index: hashbrown::HashTable<u32>,
    /// The id of the last interned string, plus one (0 = none): values repeat on
    /// consecutive rows (one customer's events), and this skips their hashing.
    last: u32,
}

impl LocalInterner {
    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id)
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if self.last > 0 && crate::model::same(self.name(self.last - 1), s) {
            return self.last - 1;
        }
        let hash = crate::model::hash_str(s);
        let Self {
            names,
            hashes,
            index,
            ..
        } = self;
        let id = match index.entry(
            hash,
            |&id| hashes[id as usize] == hash && crate::model::same(names.get(id), s),
            |&id| hashes[id as usize],
        ) {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(v) => {
                let id = names.push(s);
                v.insert(id);
                hashes.push(hash);
                id
            }
        };
        self.last = id + 1;
        id
    }
}

/// The columns of one parsed piece, owning their (distinct) strings.
#[derive(Debug, Default)]
pub(crate) struct PieceBuilder {
    pub customers: LocalInterner,
    pub touchpoints: LocalInterner,
    pub channels: LocalInterner,
    pub stages: LocalInterner,
    pub prop_values: Vec<LocalInterner>,
    pub cust: Vec<u32>,
    pub ts: Vec<i64>,
    pub tp: Vec<u32>,
    pub ch: Vec<u32>,
    pub st: Vec<u32>,
    pub value: Vec<f64>,
    pub props: Vec<Vec<u32>>,
    /// The `sequence` column: empty while no row has one, else one entry per row up to the
    /// last one that has one ([`NO_SEQ`] when absent).
    pub seq: Vec<i64>,
}

impl PieceBuilder {
    pub(crate) fn new(n_props: usize, capacity: usize) -> Self {
        PieceBuilder {
            prop_values: (0..n_props).map(|_| LocalInterner::default()).collect(),
            cust: Vec::with_capacity(capacity),
            ts: Vec::with_capacity(capacity),
            tp: Vec::with_capacity(capacity),
            ch: Vec::with_capacity(capacity),
            st: Vec::with_capacity(capacity),
            value: Vec::with_capacity(capacity),
            props: (0..n_props).map(|_| Vec::with_capacity(capacity)).collect(),
            ..Default::default()
        }
    }
}

impl PieceBuilder {
    /// Adds a property column (blank for the rows so far).
    pub(crate) fn add_property(&mut self) {
        self.prop_values.push(LocalInterner::default());
        self.props.push(vec![NO_ID; self.cust.len()]);
    }
}

impl<'a> RowSink<'a> for PieceBuilder {
    fn customer(&mut self, s: &'a str) -> u32 {
        self.customers.intern(s)
    }
    fn touchpoint(&mut self, s: &'a str) -> u32 {
        self.touchpoints.intern(s)
    }
    fn channel(&mut self, s: &'a str) -> u32 {
        self.channels.intern(s)
    }
    fn stage(&mut self, s: &'a str) -> u32 {
        self.stages.intern(s)
    }
    fn push_ids(&mut self, c: u32, ts: i64, tp: u32, ch: u32, st: u32, value: f64) {
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
    fn set_property(&mut self, k: usize, v: &'a str) {
        let id = self.prop_values[k].intern(v);
        *self.props[k].last_mut().expect("row pushed") = id;
    }
    fn set_sequence(&mut self, v: i64) {
        let n = self.cust.len();
        self.seq.resize(n, NO_SEQ);
        self.seq[n - 1] = v;
    }
}

impl EventLogBuilder {
    /// Appends a parsed piece (its rows after the rows already here), interning its strings.
    /// Its customer ids are only set aside: they are interned, with those of every other
    /// piece, by [`EventLogBuilder::resolve_pending`] (see there why).
    pub(crate) fn append_piece(&mut self, p: PieceBuilder) {
        let map: Vec<usize> = (0..p.props.len()).collect();
        self.append_piece_props(p, &map)
    }

    /// [`EventLogBuilder::append_piece`] for a piece whose property column `k` is the
    /// builder's `props[k]`; the builder's other property columns are blank for its rows.
    pub(crate) fn append_piece_props(&mut self, p: PieceBuilder, props: &[usize]) {
        fn remap(into: &mut crate::model::Interner, from: &LocalInterner) -> Vec<u32> {
            (0..from.len() as u32)
                .map(|i| into.intern_hashed(from.name(i), from.hashes[i as usize]))
                .collect()
        }
        let tm = remap(&mut self.touchpoints, &p.touchpoints);
        let hm = remap(&mut self.channels, &p.channels);
        let sm = remap(&mut self.stages, &p.stages);
        let map = |m: &[u32], id: u32| if id == NO_ID { NO_ID } else { m[id as usize] };
        if !p.seq.is_empty() || !self.seq.is_empty() {
            self.seq.resize(self.cust.len(), NO_SEQ);
            self.seq.extend_from_slice(&p.seq);
            self.seq.resize(self.cust.len() + p.cust.len(), NO_SEQ);
        }
        self.pending.push(PendingCustomers {
            start: self.cust.len(),
            len: p.cust.len(),
            names: p.customers.names,
        });
        // Ids into the piece's own table until resolved.
        self.cust.extend_from_slice(&p.cust);
        self.tp.extend(p.tp.iter().map(|&t| tm[t as usize]));
        self.ch.extend(p.ch.iter().map(|&h| map(&hm, h)));
        self.st.extend(p.st.iter().map(|&s| map(&sm, s)));
        self.ts.extend_from_slice(&p.ts);
        self.value.extend_from_slice(&p.value);
        for ((col, vals), &k) in p.props.iter().zip(&p.prop_values).zip(props) {
            let pm = remap(&mut self.prop_values[k], vals);
            self.props[k].extend(col.iter().map(|&v| map(&pm, v)));
        }
        let n = self.cust.len();
        for col in &mut self.props {
            col.resize(n, NO_ID);
        }
        self.last_customer = 0;
    }

    /// Interns the customer ids of the appended pieces into the builder's customer table, which
    /// ends up in id order, and renumbers their rows.
    ///
    /// Pieces of a log in time order hold about as many distinct customers as rows, so
    /// interning them piece by piece into one table of all customers costs a cache miss or
    /// three per row, on one thread. Here every id is instead sent to one of [`SHARDS`] small
    /// tables by its hash (each piece copies its ids in shard order first, on all cores), and
    /// the shards are filled on all cores, each table staying in cache; one parallel sort of
    /// the distinct ids then gives the final ids.
    pub(crate) fn resolve_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let old = std::mem::take(&mut self.customers);
        let n_rows = self.cust.len();
        // Source 0: the ids interned already (rows outside the pending ranges).
        let old_arena = {
            let mut a = Arena::default();
            for name in old.names() {
                a.push(name);
            }
            a
        };
        drop(old);
        let mut sources: Vec<Arena> = Vec::with_capacity(pending.len() + 1);
        sources.push(old_arena);
        let mut ranges = Vec::with_capacity(pending.len());
        for p in pending {
            ranges.push(p.start..p.start + p.len);
            sources.push(p.names);
        }

        // 1. Each source in shard order: `pos[local id]` is the place in its new arena.
        let bucketed: Vec<Bucketed> = par_map(sources, Bucketed::new);

        // 2. The shards, in groups, on all cores: `gid[source][place]` = shard << 22 | index.
        let groups = (crate::ingest::threads() * 4).min(SHARDS);
        let edges: Vec<usize> = (0..=groups).map(|g| g * SHARDS / groups).collect();
        let mut gids: Vec<Vec<u32>> = bucketed.iter().map(|b| vec![0u32; b.arena.len()]).collect();
        let mut tasks: Vec<(usize, Vec<&mut [u32]>)> =
            (0..groups).map(|g| (g, Vec::new())).collect();
        for (b, gid) in bucketed.iter().zip(gids.iter_mut()) {
            let mut rest: &mut [u32] = gid;
            for (g, task) in tasks.iter_mut().enumerate() {
                let len = (b.bounds[edges[g + 1]] - b.bounds[edges[g]]) as usize;
                let (head, tail) = rest.split_at_mut(len);
                task.1.push(head);
                rest = tail;
            }
        }
        let shard_names: Vec<Vec<Vec<&str>>> = par_map(tasks, |(g, mut outs)| {
            let mut names_of = Vec::with_capacity(edges[g + 1] - edges[g]);
            for s in edges[g]..edges[g + 1] {
                let mut table = hashbrown::HashTable::<(u64, u32)>::new();
                let mut names: Vec<&str> = Vec::new();
                for (b, out) in bucketed.iter().zip(outs.iter_mut()) {
                    let base = b.bounds[edges[g]];
                    for place in b.bounds[s]..b.bounds[s + 1] {
                        let name = b.arena.get(place);
                        let h = crate::model::hash_str(name);
                        let id = match table.entry(
                            h,
                            |&(hh, id)| hh == h && crate::model::same(names[id as usize], name),
                            |&(hh, _)| hh,
                        ) {
                            hashbrown::hash_table::Entry::Occupied(e) => e.get().1,
                            hashbrown::hash_table::Entry::Vacant(v) => {
                                let id = names.len() as u32;
                                v.insert((h, id));
                                names.push(name);
                                id
                            }
                        };
                        out[(place - base) as usize] = ((s as u32) << SHARD_SHIFT) | id;
                    }
                }
                names_of.push(names);
            }
            names_of
        });
        let shard_names: Vec<Vec<&str>> = shard_names.into_iter().flatten().collect();

        // 3. Final ids in string order.
        let mut shard_start = Vec::with_capacity(SHARDS + 1);
        shard_start.push(0usize);
        for names in &shard_names {
            shard_start.push(shard_start.last().copied().unwrap_or(0) + names.len());
        }
        let total = shard_start[SHARDS];
        let mut all: Vec<(&str, u32)> = Vec::with_capacity(total);
        for (s, names) in shard_names.iter().enumerate() {
            let at = shard_start[s] as u32;
            all.extend(names.iter().enumerate().map(|(i, &n)| (n, at + i as u32)));
        }
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            all.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        #[cfg(not(feature = "parallel"))]
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut rank = vec![0u32; total];
        for (r, &(_, flat)) in all.iter().enumerate() {
            rank[flat as usize] = r as u32;
        }
        let names: Vec<String> = all.iter().map(|&(n, _)| n.to_string()).collect();
        drop(all);
        drop(shard_names);
        let final_id = |code: u32| {
            let s = (code >> SHARD_SHIFT) as usize;
            rank[shard_start[s] + (code & ((1 << SHARD_SHIFT) - 1)) as usize]
        };

        // 4. Renumber the rows: per source, local id -> final id; then its rows.
        let maps: Vec<Vec<u32>> = par_map(
            bucketed.iter().zip(&gids).collect::<Vec<_>>(),
            |(b, gid)| b.pos.iter().map(|&p| final_id(gid[p as usize])).collect(),
        );
        drop(gids);
        drop(bucketed);
        let mut jobs: Vec<(&mut [u32], &[u32])> = Vec::with_capacity(2 * ranges.len() + 1);
        let mut rest: &mut [u32] = &mut self.cust;
        let mut at = 0;
        for (k, r) in ranges.iter().enumerate() {
            let (gap, tail) = rest.split_at_mut(r.start - at);
            let (rows, tail) = tail.split_at_mut(r.len());
            jobs.push((gap, &maps[0]));
            jobs.push((rows, &maps[k + 1]));
            rest = tail;
            at = r.end;
        }
        jobs.push((rest, &maps[0]));
        debug_assert_eq!(jobs.iter().map(|j| j.0.len()).sum::<usize>(), n_rows);
        par_for_each(jobs, |(rows, map)| {
            for c in rows.iter_mut() {
                *c = map[*c as usize];
            }
        });
        self.customers = crate::model::Interner::from_names(names);
        self.last_customer = 0;
    }
}

/// Shards of the customer table filled by [`EventLogBuilder::resolve_pending`]: enough that
/// one shard's table stays in the cache for logs of tens of millions of customers.
const SHARDS: usize = 1 << 10;
/// A shard's customers are numbered `shard << SHARD_SHIFT | index` until the end.
const SHARD_SHIFT: u32 = 22;

/// The shard of a hash: bits the hash tables themselves do not use (they take the low bits
/// for the bucket and the top seven as a tag), so that each shard's table spreads well.
fn shard_of(hash: u64) -> usize {
    (hash >> 40) as usize & (SHARDS - 1)
}

/// The customer ids of a piece that [`EventLogBuilder::append_piece`] set aside.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingCustomers {
    /// The builder's rows `start..start + len` hold ids into `names`.
    start: usize,
    len: usize,
    names: Arena,
}

/// A source's distinct ids copied in shard order.
struct Bucketed {
    arena: Arena,
    /// Shard `s`'s ids are at places `bounds[s]..bounds[s + 1]`.
    bounds: Vec<u32>,
    /// `pos[local id]` = its place.
    pos: Vec<u32>,
}

impl Bucketed {
    fn new(from: Arena) -> Self {
        let n = from.len();
        let shard: Vec<u16> = (0..n as u32)
            .map(|i| shard_of(crate::model::hash_str(from.get(i))) as u16)
            .collect();
        let mut bounds = vec![0u32; SHARDS + 1];
        for &s in &shard {
            bounds[s as usize + 1] += 1;
        }
        for s in 0..SHARDS {
            bounds[s + 1] += bounds[s];
        }
        let mut next = bounds.clone();
        let mut pos = vec![0u32; n];
        let mut order = vec![0u32; n];
        for (i, &s) in shard.iter().enumerate() {
            let p = &mut next[s as usize];
            pos[i] = *p;
            order[*p as usize] = i as u32;
            *p += 1;
        }
        let mut arena = Arena {
            text: String::with_capacity(from.text.len()),
            ends: Vec::with_capacity(n),
        };
        for &i in &order {
            arena.push(from.get(i));
        }
        Bucketed { arena, bounds, pos }
    }
}

/// `items.map(f)`, on all cores with the `parallel` feature; results in order.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    items.into_iter().map(f).collect()
}

/// `items.for_each(f)`, on all cores with the `parallel` feature.
fn par_for_each<T: Send>(items: Vec<T>, f: impl Fn(T) + Sync + Send) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.into_par_iter().for_each(f)
    }
    #[cfg(not(feature = "parallel"))]
    items.into_iter().for_each(f)
}

/// A raw cell: bytes to validate, or text known to be UTF-8.
pub(crate) trait Cell<'a>: Copy {
    /// The bytes of the cell.
    fn raw(self) -> &'a [u8];
    /// The cell as text, `None` when it is not UTF-8.
    fn text(self) -> Option<&'a str>;
}

impl<'a> Cell<'a> for &'a [u8] {
    fn raw(self) -> &'a [u8] {
        self
    }
    fn text(self) -> Option<&'a str> {
        std::str::from_utf8(self).ok()
    }
}

impl<'a> Cell<'a> for &'a str {
    fn raw(self) -> &'a [u8] {
        self.as_bytes()
    }
    fn text(self) -> Option<&'a str> {
        Some(self)
    }
}

/// A conversion value: blank is none; otherwise a finite decimal number.
fn parse_value(s: &[u8]) -> std::result::Result<f64, &'static str> {
    const EXPECTED: &str = "a decimal number (or blank for none)";
    if s.is_empty() {
        return Ok(f64::NAN);
    }
    // Reject the words f64::from_str accepts ("inf", "NaN"): a value is a number.
    if !s
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(EXPECTED);
    }
    let v: f64 = std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(EXPECTED)?;
    if crate::model::value_ok(v) {
        Ok(v)
    } else if v.is_finite() {
        Err(crate::model::VALUE_EXPECTED)
    } else {
        Err(EXPECTED)
    }
}

/// A `sequence` cell: blank is none; otherwise an integer.
pub(crate) fn parse_sequence(s: &[u8]) -> std::result::Result<Option<i64>, &'static str> {
    const EXPECTED: &str = "an integer (or blank for none)";
    if s.is_empty() {
        return Ok(None);
    }
    let digits = s.strip_prefix(b"-").or(s.strip_prefix(b"+")).unwrap_or(s);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(EXPECTED);
    }
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or(EXPECTED)
}

/// Where each column of a survey table is.
#[derive(Debug, Clone)]
pub(crate) struct SurveySchema {
    pub names: Vec<String>,
    customer: usize,
    ts: usize,
    tp: Option<usize>,
    scores: [(Option<usize>, &'static str); 3],
    /// As [`EventSchema::unguard`].
    pub unguard: bool,
}

impl SurveySchema {
    pub(crate) fn new(names: Vec<String>) -> Result<Self> {
        let customer = require(&names, CUSTOMER)?;
        let ts = require(&names, TIMESTAMP)?;
        let scores = [
            (find(&names, "nps"), "nps"),
            (find(&names, "csat"), "csat"),
            (find(&names, "ces"), "ces"),
        ];
        if scores.iter().all(|(i, _)| i.is_none()) {
            return Err(Error::MissingColumn {
                column: "nps".into(),
                found: format!(
                    "{} (a survey table needs at least one of nps, csat, ces)",
                    names.join(", ")
                ),
            });
        }
        Ok(SurveySchema {
            tp: find(&names, TOUCHPOINT),
            names,
            customer,
            ts,
            scores,
            unguard: false,
        })
    }

    pub(crate) fn parse_row<'a>(
        &self,
        line: u64,
        get: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<RawResponse> {
        let cell = |i: usize| trim(get(i).unwrap_or(b""));
        let text = |i: usize| -> Result<&'a str> {
            let raw = trim(get(i).unwrap_or(b""));
            std::str::from_utf8(raw)
                .map(|t| if self.unguard { unguard(t) } else { t })
                .map_err(|_| Error::invalid_value(line, &self.names[i], raw, "valid UTF-8 text"))
        };
        let customer = text(self.customer)?;
        if customer.is_empty() {
            return Err(Error::invalid_value(
                line,
                CUSTOMER,
                b"",
                "a non-empty customer id",
            ));
        }
        let raw_ts = cell(self.ts);
        let ts = parse_timestamp(raw_ts)
            .map_err(|e| Error::invalid_value(line, TIMESTAMP, raw_ts, e))?;
        let touchpoint = self.tp.map(text).transpose()?.filter(|t| !t.is_empty());
        let mut out = [None; 3];
        for (k, (col, name)) in self.scores.iter().enumerate() {
            let Some(i) = col else { continue };
            let raw = cell(*i);
            if raw.is_empty() {
                continue;
            }
            let expected = crate::model::survey_expected(name);
            let v = std::str::from_utf8(raw)
                .ok()
                .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|t| t.parse::<u8>().ok())
                .ok_or_else(|| Error::invalid_value(line, name, raw, &expected))?;
            crate::model::check_score(name, v)
                .map_err(|exp| Error::invalid_value(line, name, raw, exp))?;
            out[k] = Some(v);
        }
        Ok(RawResponse {
            customer_id: customer.to_string(),
            timestamp_us: ts,
            touchpoint: touchpoint.map(str::to_string),
            nps: out[0],
            csat: out[1],
            ces: out[2],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!(parse_value(b"").unwrap().is_nan());
        assert_eq!(parse_value(b"12.50"), Ok(12.5));
        assert_eq!(parse_value(b"-3e2"), Ok(-300.0));
        assert!(parse_value(b"inf").is_err());
        assert!(parse_value(b"NaN").is_err());
        assert!(parse_value(b"12,50").is_err());
        // Sums of values must stay finite: 1e308 + 1e308 would be infinite.
        assert_eq!(parse_value(b"1e15"), Ok(1e15));
        assert_eq!(parse_value(b"-1e15"), Ok(-1e15));
        assert_eq!(parse_value(b"1e308"), Err(crate::model::VALUE_EXPECTED));
        assert_eq!(
            parse_value(b"1000000000000001"),
            Err(crate::model::VALUE_EXPECTED)
        );
        assert!(parse_value(b"1e999").is_err());
    }
}
