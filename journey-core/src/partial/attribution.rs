//! Conversion paths aggregated by distinct path (the path table) as a partial state: the input
//! of every attribution model, and so of `attribution`, `attribution_table` and `path_table`.
//!
//! Each distinct path (by names) keeps its conversions and non-conversions (whole numbers), its
//! conversion value (an exact sum) and where it was first seen (the customer id and the path's
//! rank among that customer's paths): the single-machine table lists paths in the order of first
//! appearance over customers in id order, and finish restores that order. Time-decay credits
//! (which need the touch times) are exact sums per name. Names are interned once per
//! partial (sorted, paths hold indices) and renumbered by string when two partials' names
//! differ, so partitions with different id tables merge exactly.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use super::codec::{corrupted, Codec, Reader, Writer};
use crate::error::{Error, Result};
use crate::metrics::attribution::markov::{key_at, Chain};
use crate::metrics::attribution::{
    markov_attribution_of_chain, time_decay_path, AttributionOptions, AttributionResult, Credits,
    ExactCredits, PathTable, Totals,
};
use crate::metrics::exact_sum::ExactSum;
use crate::metrics::paths::{Cutter, Level, PathBuffer, PathOptions};
use crate::model::EventLog;

/// One distinct path.
#[derive(Debug, Clone, PartialEq)]
struct PathAcc {
    /// First seen: (customer id, rank of the path among the customer's paths).
    first: (String, u64),
    conversions: f64,
    value: ExactSum,
    nulls: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathsState {
    /// The level's names (channels or touchpoints) of the log, sorted and distinct. Paths and
    /// time-decay credits refer to them by index (interned once per partial), so comparing
    /// indices compares names and a merge of partials with the same names never touches a
    /// string.
    names: Vec<String>,
    /// By path (names' indices). A hash map: a live analysis looks up the paths of the
    /// touched customers on every append; where order matters (the bytes, the finished table)
    /// it is restored by sorting.
    paths: FxHashMap<Vec<u32>, PathAcc>,
    empty_conversions: f64,
    empty_value: ExactSum,
    empty_nulls: f64,
    /// Time-decay credits per name index, when asked for.
    time_decay: Option<BTreeMap<u32, (ExactSum, ExactSum)>>,
    /// The excluded names that are touchpoints of the log.
    known_excluded: BTreeSet<String>,
    /// For live analyses (not in the bytes): per path, every customer that has it with the
    /// rank of its first occurrence among the customer's paths, so that retracting the
    /// customer a path was first seen with finds the next one.
    seen: Option<BTreeMap<Vec<u32>, BTreeMap<String, u64>>>,
    /// For a live Markov attribution (not in the bytes): its chain. Such a state keeps no
    /// path order (where paths were first seen is not kept) and, in `paths`, only the paths
    /// with conversions (the others add to the chain's counts, never to its value).
    chain: Option<LiveChain>,
}

/// `ids` mapped through `map` (old index -> new index).
fn remap(ids: &[u32], map: &[u32]) -> Vec<u32> {
    ids.iter().map(|&i| map[i as usize]).collect()
}

/// What a path table keeps beyond its bytes, for live analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Track {
    /// Nothing.
    No,
    /// Nothing, and not where paths were first seen either: the touched customers' part of a
    /// live Markov attribution, whose chain needs no path order (a copy of a customer id per
    /// path, made and dropped on every append, for nothing).
    Unordered,
    /// Every customer of each path (to retract the one a path was first seen with).
    Seen,
    /// The transition counts of the Markov chain of this order (a live Markov attribution,
    /// which needs no path order).
    Chain(usize),
}

/// Chain keys of the start, conversion and null states (a name key holds names + 1, 0 for
/// padding, so these never clash with one).
const START_KEY: [u32; 4] = [u32::MAX, 0, 0, 0];
const CONV_KEY: [u32; 4] = [u32::MAX, 1, 0, 0];
const NULL_KEY: [u32; 4] = [u32::MAX, 2, 0, 0];

/// The Markov chain of a live attribution, kept up to date path by path: the transition
/// counts between the states' tuple keys and the totals of the paths, so that the result
/// costs the chain's states and transitions, never a pass over the paths. Every count is a
/// whole number (a path's conversions and non-conversions), so adding and taking away in any
/// order gives exactly the counts of the paths; the paths' value is an exact sum of their
/// rounded values, as [`PathTable`]'s totals are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiveChain {
    order: usize,
    counts: FxHashMap<([u32; 4], [u32; 4]), f64>,
    conversions: f64,
    nulls: f64,
    value: ExactSum,
}

impl LiveChain {
    fn new(order: usize) -> Self {
        LiveChain {
            order,
            counts: FxHashMap::default(),
            conversions: 0.0,
            nulls: 0.0,
            value: ExactSum::default(),
        }
    }

    fn bump(&mut self, from: [u32; 4], to: [u32; 4], w: f64) {
        let e = self.counts.entry((from, to)).or_insert(0.0);
        *e += w;
        if *e == 0.0 {
            self.counts.remove(&(from, to));
        }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) `conversions` and `nulls` of `path`.
    fn add_path(&mut self, path: &[u32], conversions: f64, nulls: f64, sign: f64) {
        let w = conversions + nulls;
        if w == 0.0 {
            return;
        }
        let mut prev = START_KEY;
        for i in 0..path.len() {
            let key = key_at(path, i, self.order);
            self.bump(prev, key, sign * w);
            prev = key;
        }
        if conversions != 0.0 {
            self.bump(prev, CONV_KEY, sign * conversions);
        }
        if nulls != 0.0 {
            self.bump(prev, NULL_KEY, sign * nulls);
        }
        self.conversions += sign * conversions;
        self.nulls += sign * nulls;
    }

    /// The chain's keys renumbered through `map` (increasing: the keys' order is kept).
    fn renumber(&mut self, map: &[u32]) {
        let re = |k: [u32; 4]| -> [u32; 4] {
            if k[0] == u32::MAX {
                return k;
            }
            k.map(|x| if x == 0 { 0 } else { map[x as usize - 1] + 1 })
        };
        self.counts = std::mem::take(&mut self.counts)
            .into_iter()
            .map(|((a, b), c)| ((re(a), re(b)), c))
            .collect();
    }

    /// The chain, and per name of `n_names` whether a path goes through it.
    fn chain(&self, n_names: usize) -> (Chain, Vec<bool>) {
        let mut keys: Vec<[u32; 4]> = if self.order == 1 {
            (0..n_names as u32).map(|c| [c + 1, 0, 0, 0]).collect()
        } else {
            let mut k: Vec<[u32; 4]> = self
                .counts
                .keys()
                .map(|&(_, to)| to)
                .filter(|to| to[0] != u32::MAX)
                .collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        keys.shrink_to_fit();
        let n = keys.len() as u32;
        let id = |k: &[u32; 4]| -> u32 {
            match *k {
                START_KEY | CONV_KEY => n,
                NULL_KEY => n + 1,
                _ => keys.binary_search(k).expect("a state of the chain") as u32,
            }
        };
        let mut present = vec![false; n_names];
        let mut entries: Vec<(u32, u32, f64)> = self
            .counts
            .iter()
            .map(|(&(a, b), &c)| {
                if b[0] != u32::MAX {
                    present[(b[self.order - 1] - 1) as usize] = true;
                }
                (id(&a), id(&b), c)
            })
            .collect();
        entries.sort_unstable_by_key(|&(a, b, _)| (a, b));
        (Chain::assemble(keys, self.order, entries), present)
    }
}

impl PathsState {
    /// The path table of `log`, keeping what `track` says (for live analyses).
    pub(crate) fn of_tracked(
        log: &EventLog,
        opts: &PathOptions,
        half_life_us: Option<i64>,
        track: Track,
    ) -> Result<Self> {
        // Long because it is one pass over the customers' paths, keeping what `track` asks for
        // in the same loop; the path cutter and the tables are shared.
        let mut occurrences: Vec<(Vec<u32>, u32, u64)> = Vec::new();
        let cutter = Cutter::new(log, opts)?;
        let log_names: &[String] = match opts.level {
            Level::Touchpoint => log.touchpoints(),
            Level::Channel => log.channels(),
        };
        // Looked up by slice: a path met before costs no new key.
        let mut local: hashbrown::HashMap<
            Vec<u32>,
            (u32, u64, f64, ExactSum, f64),
            rustc_hash::FxBuildHasher,
        > = hashbrown::HashMap::default();
        let (mut ec, mut ev, mut en) = (0.0, ExactSum::default(), 0.0);
        let mut td = half_life_us.map(|_| ExactCredits::zero(log_names.len()));
        let mut buf = PathBuffer::default();
        let offsets = log.offsets();
        for c in 0..log.n_customers() {
            let mut rank = 0u64;
            cutter.cut(c as u32, offsets[c]..offsets[c + 1], &mut buf, |p| {
                let (conv, value, nulls) = if p.converted {
                    (1.0, p.value, 0.0)
                } else {
                    (0.0, 0.0, 1.0)
                };
                if p.converted {
                    if let (Some(h), Some(td)) = (half_life_us, td.as_mut()) {
                        time_decay_path(&p, h, td);
                    }
                }
                if p.touches.is_empty() {
                    ec += conv;
                    ev.add(value);
                    en += nulls;
                } else {
                    if track == Track::Seen {
                        occurrences.push((p.touches.to_vec(), c as u32, rank));
                    }
                    let e = local
                        .entry_ref(p.touches)
                        .or_insert_with(|| (c as u32, rank, 0.0, ExactSum::default(), 0.0));
                    e.2 += conv;
                    // A live chain keeps no value for paths without conversions.
                    if p.converted || !matches!(track, Track::Chain(_)) {
                        e.3.add(value);
                    }
                    e.4 += nulls;
                }
                rank += 1;
            });
        }
        // The log numbers its names in sorted order; sort (and renumber) anyway, so the state
        // never depends on it.
        let mut names: Vec<String> = log_names.to_vec();
        names.sort_unstable();
        names.dedup();
        let map: Vec<u32> = log_names
            .iter()
            .map(|n| names.binary_search(n).expect("a name of the log") as u32)
            .collect();
        let ids = log.customer_ids();
        let identity = map.iter().enumerate().all(|(i, &j)| i as u32 == j);
        let renumbered = |key: Vec<u32>| if identity { key } else { remap(&key, &map) };
        let mut chain = match track {
            Track::Chain(order) => Some(LiveChain::new(order)),
            _ => None,
        };
        let paths: FxHashMap<Vec<u32>, PathAcc> = match chain.as_mut() {
            // A live chain: every path into the counts, those with conversions kept (their
            // value), where they were first seen not kept.
            Some(ch) => local
                .into_iter()
                .filter_map(|(key, (_, _, conversions, value, nulls))| {
                    let key = renumbered(key);
                    ch.add_path(&key, conversions, nulls, 1.0);
                    (conversions != 0.0).then(|| {
                        ch.value.add(value.value());
                        (
                            key,
                            PathAcc {
                                first: (String::new(), 0),
                                conversions,
                                value,
                                nulls: 0.0,
                            },
                        )
                    })
                })
                .collect(),
            None => local
                .into_iter()
                .map(|(key, (c, rank, conversions, value, nulls))| {
                    (
                        renumbered(key),
                        PathAcc {
                            first: if track == Track::Unordered {
                                (String::new(), 0)
                            } else {
                                (ids[c as usize].clone(), rank)
                            },
                            conversions,
                            value,
                            nulls,
                        },
                    )
                })
                .collect(),
        };
        let time_decay = td.map(|td| {
            map.iter()
                .copied()
                .zip(td.conversions.into_iter().zip(td.value))
                .collect()
        });
        let known_excluded = opts
            .exclude
            .iter()
            .filter(|n| log.touchpoint_id(n).is_some())
            .cloned()
            .collect();
        let seen = (track == Track::Seen).then(|| {
            let mut seen: BTreeMap<Vec<u32>, BTreeMap<String, u64>> = BTreeMap::new();
            for (key, c, rank) in occurrences {
                // A customer's first occurrence of a path comes first: keep its rank.
                seen.entry(remap(&key, &map))
                    .or_default()
                    .entry(ids[c as usize].clone())
                    .or_insert(rank);
            }
            seen
        });
        Ok(PathsState {
            names,
            paths,
            empty_conversions: ec,
            empty_value: ev,
            empty_nulls: en,
            time_decay,
            known_excluded,
            seen,
            chain,
        })
    }

    /// Renumbers the state's names into `names` (a sorted superset of them).
    fn renumber(&mut self, names: &[String]) {
        if self.names.as_slice() == names {
            return;
        }
        let map: Vec<u32> = self
            .names
            .iter()
            .map(|n| names.binary_search(n).expect("a superset of the names") as u32)
            .collect();
        if map.iter().enumerate().all(|(i, &j)| i as u32 == j) {
            // The new names all sort after the known ones: no id moves.
            self.names = names.to_vec();
            return;
        }
        // Keys renumbered in place (no new key allocated), the table rebuilt at its size.
        let mut paths = FxHashMap::with_capacity_and_hasher(self.paths.len(), Default::default());
        for (mut k, p) in std::mem::take(&mut self.paths) {
            k.iter_mut().for_each(|i| *i = map[*i as usize]);
            paths.insert(k, p);
        }
        self.paths = paths;
        if let Some(t) = self.time_decay.as_mut() {
            *t = std::mem::take(t)
                .into_iter()
                .map(|(i, x)| (map[i as usize], x))
                .collect();
        }
        if let Some(s) = self.seen.as_mut() {
            *s = std::mem::take(s)
                .into_iter()
                .map(|(k, v)| (remap(&k, &map), v))
                .collect();
        }
        if let Some(c) = self.chain.as_mut() {
            c.renumber(&map);
        }
        self.names = names.to_vec();
    }

    /// Room for the paths and the chain's transitions to double before their tables grow. A
    /// live analysis asks for it once at set-up: growing a table rehashes every key, which cost
    /// one append in about thirty a spike of 70 ms on the 10M-event log (docs/live.md).
    pub(crate) fn reserve_growth(&mut self) {
        self.paths.reserve(self.paths.len());
        if let Some(ch) = self.chain.as_mut() {
            ch.counts.reserve(ch.counts.len());
        }
    }

    /// (length, capacity) of the paths' table and of the chain's transitions.
    #[cfg(test)]
    pub(crate) fn room(&self) -> ((usize, usize), Option<(usize, usize)>) {
        let counts = self
            .chain
            .as_ref()
            .map(|c| (c.counts.len(), c.counts.capacity()));
        ((self.paths.len(), self.paths.capacity()), counts)
    }

    pub(crate) fn merge(&mut self, mut b: PathsState) {
        if self.names != b.names {
            let mut names: Vec<String> = self.names.iter().chain(&b.names).cloned().collect();
            names.sort_unstable();
            names.dedup();
            self.renumber(&names);
            b.renumber(&names);
        }
        if let Some(ch) = self.chain.as_mut() {
            for (k, p) in b.paths {
                ch.add_path(&k, p.conversions, p.nulls, 1.0);
                if p.conversions == 0.0 {
                    continue;
                }
                match self.paths.get_mut(&k) {
                    Some(a) => {
                        ch.value.add(-a.value.value());
                        a.conversions += p.conversions;
                        a.value.merge(&p.value);
                        ch.value.add(a.value.value());
                    }
                    None => {
                        ch.value.add(p.value.value());
                        let first = (String::new(), 0);
                        let (conversions, value) = (p.conversions, p.value);
                        let nulls = 0.0;
                        self.paths.insert(
                            k,
                            PathAcc {
                                first,
                                conversions,
                                value,
                                nulls,
                            },
                        );
                    }
                }
            }
        } else {
            for (k, p) in b.paths {
                match self.paths.get_mut(&k) {
                    Some(a) => {
                        if p.first < a.first {
                            a.first = p.first;
                        }
                        a.conversions += p.conversions;
                        a.value.merge(&p.value);
                        a.nulls += p.nulls;
                    }
                    None => {
                        self.paths.insert(k, p);
                    }
                }
            }
        }
        self.empty_conversions += b.empty_conversions;
        self.empty_value.merge(&b.empty_value);
        self.empty_nulls += b.empty_nulls;
        if let (Some(a), Some(t)) = (self.time_decay.as_mut(), b.time_decay) {
            for (name, (c, v)) in t {
                let e = a.entry(name).or_default();
                e.0.merge(&c);
                e.1.merge(&v);
            }
        }
        self.known_excluded.extend(b.known_excluded);
        self.seen = match (self.seen.take(), b.seen) {
            (Some(mut a), Some(b)) => {
                for (k, m) in b {
                    a.entry(k).or_default().extend(m);
                }
                Some(a)
            }
            _ => None,
        };
    }

    /// Takes away the paths of `b`'s customers (merged into `self` before). A path left
    /// with no customer goes. When `b`'s customers include the one a remaining path was
    /// first seen with, the next one is needed: both states must keep where paths occur
    /// (live analyses do), else this is an error. Names and excluded names stay (they only
    /// grow as events are appended).
    pub(crate) fn retract(&mut self, b: &PathsState) -> Result<()> {
        // Long because each table of the state (paths, time-decay credits, names) is taken back
        // in the order `merge` adds it.
        if self.names != b.names {
            if b.names.iter().any(|n| self.names.binary_search(n).is_err()) {
                return Err(Error::PartialMismatch(
                    "the partial to retract has paths through names the path table does not \
                     have: it was not merged into it"
                        .to_string(),
                ));
            }
            // Rare (a live analysis gives its partials every name of the log): a copy.
            let mut b = b.clone();
            b.renumber(&self.names.clone());
            return self.retract(&b);
        }
        if let Some(ch) = self.chain.as_mut() {
            for (k, p) in &b.paths {
                ch.add_path(k, p.conversions, p.nulls, -1.0);
                if p.conversions == 0.0 {
                    continue;
                }
                let Some(a) = self.paths.get_mut(k) else {
                    return Err(Error::PartialMismatch(
                        "the partial to retract has a path the path table does not have: it \
                         was not merged into it"
                            .to_string(),
                    ));
                };
                ch.value.add(-a.value.value());
                a.conversions -= p.conversions;
                a.value.subtract(&p.value);
                // No conversion left: what is left of its value is exactly 0.
                if a.conversions == 0.0 {
                    self.paths.remove(k);
                } else {
                    ch.value.add(a.value.value());
                }
            }
        }
        for (k, p) in b.paths.iter().filter(|_| self.chain.is_none()) {
            let Some(a) = self.paths.get_mut(k) else {
                return Err(Error::PartialMismatch(
                    "the partial to retract has a path the path table does not have: it was \
                     not merged into it"
                        .to_string(),
                ));
            };
            a.conversions -= p.conversions;
            a.value.subtract(&p.value);
            a.nulls -= p.nulls;
            let gone = a.conversions == 0.0 && a.nulls == 0.0;
            match (self.seen.as_mut(), b.seen.as_ref()) {
                (Some(seen), Some(bs)) => {
                    if let (Some(s), Some(out)) = (seen.get_mut(k), bs.get(k)) {
                        for c in out.keys() {
                            s.remove(c);
                        }
                        match s.first_key_value() {
                            Some((c, &r)) if !gone => a.first = (c.clone(), r),
                            _ => {
                                seen.remove(k);
                            }
                        }
                    }
                }
                _ if !gone && a.first.0 == p.first.0 => {
                    return Err(Error::PartialMismatch(format!(
                        "retracting customer {:?} from the path table loses where a path was \
                         first seen: retract needs partials that keep where paths occur (a \
                         live analysis)",
                        p.first.0
                    )));
                }
                _ => {}
            }
            if gone {
                self.paths.remove(k);
            }
        }
        self.empty_conversions -= b.empty_conversions;
        self.empty_value.subtract(&b.empty_value);
        self.empty_nulls -= b.empty_nulls;
        if let (Some(a), Some(t)) = (self.time_decay.as_mut(), b.time_decay.as_ref()) {
            for (name, (c, v)) in t {
                let e = a.entry(*name).or_default();
                e.0.subtract(c);
                e.1.subtract(v);
            }
        }
        Ok(())
    }

    /// The path table, the time-decay credits and the excluded names unknown to every
    /// partition (in the order given, once each).
    pub(crate) fn finish(&self, exclude: &[String]) -> (PathTable, Option<Credits>, Vec<String>) {
        // By reference: a live state is finished after every append, and copying each path
        // (its names, first customer and exact sum) cost more than the rest.
        let mut paths: Vec<(&Vec<u32>, &PathAcc)> = self.paths.iter().collect();
        paths.sort_by(|a, b| a.1.first.cmp(&b.1.first));
        let mut t = PathTable {
            names: Vec::new(),
            offsets: vec![0],
            touches: Vec::new(),
            conversions: Vec::with_capacity(paths.len()),
            value: Vec::with_capacity(paths.len()),
            nulls: Vec::with_capacity(paths.len()),
            empty_conversions: self.empty_conversions,
            empty_value: self.empty_value.value(),
            empty_nulls: self.empty_nulls,
        };
        for (key, p) in &paths {
            t.touches.extend_from_slice(key.as_slice());
            t.offsets.push(t.touches.len());
            t.conversions.push(p.conversions);
            t.value.push(p.value.value());
            t.nulls.push(p.nulls);
        }
        let td = self.time_decay.as_ref().map(|m| {
            let mut c = ExactCredits::zero(self.names.len());
            for (&i, (x, v)) in m {
                c.conversions[i as usize] = x.clone();
                c.value[i as usize] = v.clone();
            }
            c.round()
        });
        t.names = self.names.clone();
        (t, td, self.unknown_excluded(exclude))
    }

    /// Whether this is the state of a live Markov attribution (see [`Track::Chain`]).
    pub(crate) fn has_chain(&self) -> bool {
        self.chain.is_some()
    }

    /// The Markov attribution of a live state, from its chain (see [`LiveChain`]).
    pub(crate) fn finish_markov(
        &self,
        opts: &AttributionOptions,
        exclude: &[String],
    ) -> Result<AttributionResult> {
        let ch = self.chain.as_ref().expect("a live Markov state");
        let (chain, present) = ch.chain(self.names.len());
        // A sum over no paths is -0.0, as the path table's is (every path has a conversion or
        // a null: whole counts).
        let conversions = if ch.conversions + ch.nulls == 0.0 {
            -0.0
        } else {
            ch.conversions
        };
        let totals = Totals::new(
            conversions,
            ch.value.value(),
            ch.nulls + self.empty_nulls,
            self.empty_conversions,
            self.empty_value.value(),
        );
        markov_attribution_of_chain(
            &chain,
            &self.names,
            &present,
            &totals,
            opts,
            self.unknown_excluded(exclude),
        )
    }

    /// The names of `exclude` unknown to every partition (in the order given, once each).
    fn unknown_excluded(&self, exclude: &[String]) -> Vec<String> {
        let mut unknown: Vec<String> = Vec::new();
        for n in exclude {
            if !self.known_excluded.contains(n) && !unknown.contains(n) {
                unknown.push(n.clone());
            }
        }
        unknown
    }

    pub(crate) fn fits(&self, time_decay: bool) -> bool {
        let n = self.names.len();
        self.time_decay.is_some() == time_decay
            && self.names.windows(2).all(|w| w[0] < w[1])
            && self
                .paths
                .keys()
                .all(|k| !k.is_empty() && k.iter().all(|&i| (i as usize) < n))
            && self
                .time_decay
                .as_ref()
                .map_or(true, |m| m.keys().all(|&i| (i as usize) < n))
    }
}

impl Codec for PathsState {
    fn enc(&self, w: &mut Writer) {
        // Names once; paths and credits as indices into them.
        self.names.enc(w);
        w.u64(self.paths.len() as u64);
        // In key order: the same state gives the same bytes.
        let mut paths: Vec<(&Vec<u32>, &PathAcc)> = self.paths.iter().collect();
        paths.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (k, p) in paths {
            k.enc(w);
            p.first.enc(w);
            p.conversions.enc(w);
            p.value.enc(w);
            p.nulls.enc(w);
        }
        self.empty_conversions.enc(w);
        self.empty_value.enc(w);
        self.empty_nulls.enc(w);
        match &self.time_decay {
            None => w.raw(&[0]),
            Some(m) => {
                w.raw(&[1]);
                w.u64(m.len() as u64);
                for (i, (c, v)) in m {
                    u64::from(*i).enc(w);
                    c.enc(w);
                    v.enc(w);
                }
            }
        }
        self.known_excluded
            .iter()
            .cloned()
            .collect::<Vec<String>>()
            .enc(w);
    }

    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        // The names are read once; paths keep their indices (checked here), so reading a
        // partial allocates no string per path.
        let names: Vec<String> = Codec::dec(r)?;
        if !names.windows(2).all(|w| w[0] < w[1]) {
            return Err(corrupted("the path names are not sorted and distinct"));
        }
        let n_names = names.len();
        let id = |i: u64| {
            u32::try_from(i)
                .ok()
                .filter(|&i| (i as usize) < n_names)
                .ok_or_else(|| corrupted("a path refers to an unknown name"))
        };
        let n = r.len()?;
        // Collected first, the map is built in one pass.
        let mut paths = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.len()?;
            let mut key = Vec::with_capacity(len);
            for _ in 0..len {
                key.push(id(r.u64()?)?);
            }
            let p = PathAcc {
                first: Codec::dec(r)?,
                conversions: Codec::dec(r)?,
                value: Codec::dec(r)?,
                nulls: Codec::dec(r)?,
            };
            paths.push((key, p));
        }
        let paths: FxHashMap<Vec<u32>, PathAcc> = paths.into_iter().collect();
        let empty_conversions = Codec::dec(r)?;
        let empty_value = Codec::dec(r)?;
        let empty_nulls = Codec::dec(r)?;
        let time_decay = match r.raw(1)?[0] {
            0 => None,
            1 => {
                let n = r.len()?;
                let mut m = BTreeMap::new();
                for _ in 0..n {
                    let k = id(u64::dec(r)?)?;
                    m.insert(k, (Codec::dec(r)?, Codec::dec(r)?));
                }
                Some(m)
            }
            b => return Err(corrupted(format!("{b} is not an option tag"))),
        };
        let known: Vec<String> = Codec::dec(r)?;
        Ok(PathsState {
            names,
            paths,
            empty_conversions,
            empty_value,
            empty_nulls,
            time_decay,
            known_excluded: known.into_iter().collect(),
            seen: None,
            chain: None,
        })
    }
}
