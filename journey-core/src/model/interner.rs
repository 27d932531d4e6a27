use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};

/// The hash every interner uses, so a hash computed once (by a parsing thread) serves every
/// table the string goes into.
pub(crate) fn hash_str(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Whether two strings are equal, without a call into `memcmp` for the short strings that ids,
/// touchpoints and channels usually are (a hot path of loading: several compares per row).
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    fn word(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    }
    fn half(s: &[u8], at: usize) -> u32 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_ne_bytes(w)
    }
    match n {
        // Two overlapping words cover 8..=16 bytes.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        0..=3 => a == b,
        _ => word(a, 0) == word(b, 0) && a == b,
    }
}

/// Maps strings to small dense integer ids and back.
///
/// Ids are given in first-seen order; [`Interner::sorted`] renumbers them in string order so that
/// ids never depend on the order of input rows. Each string is stored once; the index holds
/// `(hash, id)` pairs, so growing it never hashes a string again.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    names: Vec<String>,
    index: HashTable<(u64, u32)>,
}

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        // The index is a function of the names.
        self.names == other.names
    }
}

impl Eq for Interner {}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        self.intern_hashed(s, hash_str(s))
    }

    /// [`Interner::intern`] with `hash == hash_str(s)` already known.
    pub(crate) fn intern_hashed(&mut self, s: &str, hash: u64) -> u32 {
        let names = &self.names;
        match self.index.entry(
            hash,
            |&(h, id)| h == hash && same(&names[id as usize], s),
            |&(h, _)| h,
        ) {
            Entry::Occupied(e) => e.get().1,
            Entry::Vacant(v) => {
                let id = self.names.len() as u32;
                v.insert((hash, id));
                self.names.push(s.to_string());
                id
            }
        }
    }

    /// The id of `s`, if known.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = hash_str(s);
        self.index
            .find(hash, |&(h, id)| h == hash && self.names[id as usize] == s)
            .map(|&(_, id)| id)
    }

    /// The string of `id`.
    ///
    /// # Panics
    /// If `id` was not given out by this interner.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no string was interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// All strings, in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Bytes held by the strings (not counting the hash index).
    pub fn string_bytes(&self) -> usize {
        self.names.iter().map(|s| s.len()).sum()
    }

    /// Renumbers the ids so they follow `order` (a comparison of the strings). Returns the new
    /// interner and the map old id -> new id.
    ///
    /// Cheap when the strings already come in order (logs grouped by customer): one pass.
    /// Otherwise one sort (on all cores with the `parallel` feature); no string is copied.
    pub fn sorted_by(
        self,
        cmp: impl Fn(&str, &str) -> std::cmp::Ordering + Sync,
    ) -> (Self, Vec<u32>) {
        let n = self.names.len();
        if self
            .names
            .windows(2)
            .all(|w| cmp(&w[0], &w[1]) == std::cmp::Ordering::Less)
        {
            return (self, (0..n as u32).collect());
        }
        let ids: Vec<u32> = {
            let mut keyed: Vec<(&str, u32)> = self
                .names
                .iter()
                .enumerate()
                .map(|(i, s)| (s.as_str(), i as u32))
                .collect();
            // Names are distinct, so an unstable sort gives the one order.
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                keyed.par_sort_unstable_by(|a, b| cmp(a.0, b.0));
            }
            #[cfg(not(feature = "parallel"))]
            keyed.sort_unstable_by(|a, b| cmp(a.0, b.0));
            keyed.into_iter().map(|(_, id)| id).collect()
        };
        let mut remap = vec![0u32; n];
        for (new, &old) in ids.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let Interner { names, mut index } = self;
        let mut slots: Vec<Option<String>> = names.into_iter().map(Some).collect();
        let names: Vec<String> = ids
            .iter()
            .map(|&old| slots[old as usize].take().unwrap_or_default())
            .collect();
        for (_, id) in index.iter_mut() {
            *id = remap[*id as usize];
        }
        (Self { names, index }, remap)
    }

    /// Renumbers the ids in byte order of the strings.
    pub fn sorted(self) -> (Self, Vec<u32>) {
        self.sorted_by(|a, b| a.cmp(b))
    }

    /// [`Interner::from_names`] with each name's [`hash_str`] already known.
    pub(crate) fn from_hashed_names(names: Vec<String>, hashes: &[u64]) -> Self {
        let mut index = HashTable::with_capacity(names.len());
        for (i, &h) in hashes.iter().enumerate() {
            index.insert_unique(h, (h, i as u32), |&(h, _)| h);
        }
        Self { names, index }
    }

    /// Builds an interner from distinct names, ids in the given order.
    pub fn from_names(names: Vec<String>) -> Self {
        let mut index = HashTable::with_capacity(names.len());
        for (i, s) in names.iter().enumerate() {
            let h = hash_str(s);
            index.insert_unique(h, (h, i as u32), |&(h, _)| h);
        }
        Self { names, index }
    }
}

/// Distinct strings, end to end in one buffer.
#[derive(Debug, Clone, Default)]
struct Arena {
    text: String,
    /// End of each string in `text`.
    ends: Vec<u32>,
}

impl Arena {
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
#[derive(Debug, Clone, Default)]
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
        if self.last > 0 && same(self.name(self.last - 1), s) {
            return self.last - 1;
        }
        let id = self.intern_hashed(s, hash_str(s)).0;
        self.last = id + 1;
        id
    }

    /// The id of `s` (whose hash is `hash`), and whether it is new.
    #[inline]
    fn intern_hashed(&mut self, s: &str, hash: u64) -> (u32, bool) {
        let Self {
            names,
            hashes,
            index,
            ..
        } = self;
        match index.entry(
            hash,
            |&id| hashes[id as usize] == hash && same(names.get(id), s),
            |&id| hashes[id as usize],
        ) {
            Entry::Occupied(e) => (*e.get(), false),
            Entry::Vacant(v) => {
                let id = names.push(s);
                v.insert(id);
                hashes.push(hash);
                (id, true)
            }
        }
    }
}

/// Bits of a [`CustomerTable`] id that name its shard.
const SHARD_BITS: u32 = 8;
const SHARDS: usize = 1 << SHARD_BITS;
/// Marks, in the ids [`CustomerTable::intern_pieces`] hands between its passes, a customer
/// first seen there.
const NEW: u32 = 1 << 31;

/// The customer ids of a log being built: one table split into shards by hash, so that the
/// customers of many parsed pieces are interned shard by shard on all cores, each shard small
/// enough to stay in cache. Input in time order (customers interleaved) meets almost every
/// customer again in every piece; one shared table made that merge the critical path of
/// loading (`docs/benchmarks.md`).
///
/// An id is `index in shard << SHARD_BITS | shard`: not dense, and in no useful order;
/// [`CustomerTable::sorted`] gives the dense ids of the log, in string order.
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomerTable {
    shards: Vec<LocalInterner>,
    /// Ids in first-seen order (so a sorted input is recognised in one pass).
    order: Vec<u32>,
}

impl CustomerTable {
    #[inline]
    fn shard_of(hash: u64) -> usize {
        // Bits the shard tables use for neither their buckets (low bits) nor their tags (top
        // bits), so every shard's table stays well spread.
        ((hash >> 40) as usize) & (SHARDS - 1)
    }

    fn ensure_shards(&mut self) {
        if self.shards.is_empty() {
            self.shards = (0..SHARDS).map(|_| LocalInterner::default()).collect();
        }
    }

    /// One more than the largest id given out (ids are not dense).
    pub(crate) fn id_bound(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.len() << SHARD_BITS)
            .max()
            .unwrap_or(0)
    }

    /// The id of `s`, adding it if new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        self.ensure_shards();
        let hash = hash_str(s);
        let k = Self::shard_of(hash);
        let (i, new) = self.shards[k].intern_hashed(s, hash);
        let id = (i << SHARD_BITS) | k as u32;
        if new {
            self.order.push(id);
        }
        id
    }

    /// The customer of `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.shards[(id as usize) & (SHARDS - 1)].name(id >> SHARD_BITS)
    }

    /// Every customer with its id, in first-seen order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.order.iter().map(|&id| (id, self.name(id)))
    }

    /// Interns the customers of several pieces at once, as if each piece's customers (in their
    /// id order) were interned one after the other, piece after piece; returns each piece's map
    /// from its ids to the table's. The work is split by shard, on all cores with the
    /// `parallel` feature.
    pub(crate) fn intern_pieces(&mut self, pieces: &[&LocalInterner]) -> Vec<Vec<u32>> {
        self.ensure_shards();
        // Each piece's ids, grouped by shard (a counting sort): `starts[k]..starts[k + 1]`.
        let group = |p: &LocalInterner| -> (Vec<u32>, Vec<u32>) {
            let mut starts = vec![0u32; SHARDS + 1];
            for &h in &p.hashes {
                starts[Self::shard_of(h) + 1] += 1;
            }
            for k in 0..SHARDS {
                starts[k + 1] += starts[k];
            }
            let mut next = starts.clone();
            let mut ids = vec![0u32; p.len()];
            for (i, &h) in p.hashes.iter().enumerate() {
                let slot = &mut next[Self::shard_of(h)];
                ids[*slot as usize] = i as u32;
                *slot += 1;
            }
            (starts, ids)
        };
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        let parallel = cfg!(feature = "parallel") && total >= 1 << 14;
        let grouped: Vec<(Vec<u32>, Vec<u32>)> = if parallel {
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                pieces.par_iter().map(|p| group(p)).collect()
            }
            #[cfg(not(feature = "parallel"))]
            unreachable!()
        } else {
            pieces.iter().map(|p| group(p)).collect()
        };
        // Shard by shard: the table ids of each piece's customers of that shard, in piece
        // order, marked NEW when first seen.
        let run = |k: usize, shard: &mut LocalInterner| -> Vec<u32> {
            let mut out = Vec::new();
            for (p, (starts, ids)) in pieces.iter().zip(&grouped) {
                for &i in &ids[starts[k] as usize..starts[k + 1] as usize] {
                    let (j, new) = shard.intern_hashed(p.name(i), p.hashes[i as usize]);
                    let id = (j << SHARD_BITS) | k as u32;
                    out.push(if new { id | NEW } else { id });
                }
            }
            out
        };
        let per_shard: Vec<Vec<u32>> = if parallel {
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                self.shards
                    .par_iter_mut()
                    .enumerate()
                    .map(|(k, shard)| run(k, shard))
                    .collect()
            }
            #[cfg(not(feature = "parallel"))]
            unreachable!()
        } else {
            self.shards
                .iter_mut()
                .enumerate()
                .map(|(k, shard)| run(k, shard))
                .collect()
        };
        // Back to each piece's own ids; new customers join the first-seen order as a
        // sequential merge would have met them.
        let mut cursor = vec![0usize; SHARDS];
        let mut maps = Vec::with_capacity(pieces.len());
        for (p, (starts, ids)) in pieces.iter().zip(&grouped) {
            let mut map = vec![0u32; p.len()];
            for k in 0..SHARDS {
                let seg = &ids[starts[k] as usize..starts[k + 1] as usize];
                let got = &per_shard[k][cursor[k]..cursor[k] + seg.len()];
                for (&i, &id) in seg.iter().zip(got) {
                    map[i as usize] = id;
                }
                cursor[k] += seg.len();
            }
            for id in &mut map {
                if *id & NEW != 0 {
                    *id &= !NEW;
                    self.order.push(*id);
                }
            }
            maps.push(map);
        }
        maps
    }

    /// The customers as an [`Interner`] in string order, and the map from this table's ids to
    /// its ids. One pass when the customers were first seen in order (input grouped by
    /// customer, sorted); else one sort (on all cores with the `parallel` feature).
    pub(crate) fn sorted(self) -> (Interner, Vec<u32>) {
        let width = self.id_bound();
        let in_order = self
            .order
            .windows(2)
            .all(|w| self.name(w[0]) < self.name(w[1]));
        let ids: Vec<u32> = if in_order {
            self.order.clone()
        } else {
            let mut keyed: Vec<(&str, u32)> = self.iter().map(|(id, s)| (s, id)).collect();
            // Names are distinct, so an unstable sort gives the one order.
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                keyed.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            #[cfg(not(feature = "parallel"))]
            keyed.sort_unstable_by(|a, b| a.0.cmp(b.0));
            keyed.into_iter().map(|(_, id)| id).collect()
        };
        let mut map = vec![u32::MAX; width];
        let mut names = Vec::with_capacity(ids.len());
        let mut hashes = Vec::with_capacity(ids.len());
        for (new, &id) in ids.iter().enumerate() {
            map[id as usize] = new as u32;
            let shard = &self.shards[(id as usize) & (SHARDS - 1)];
            let i = id >> SHARD_BITS;
            names.push(shard.name(i).to_string());
            hashes.push(shard.hashes[i as usize]);
        }
        (Interner::from_hashed_names(names, &hashes), map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `same` is string equality, whatever the length and wherever two strings differ.
        #[test]
        fn same_is_equality(a in "[ab]{0,40}", flip in proptest::option::of(0usize..40), extra in "[ab]{0,1}") {
            let mut b = a.clone().into_bytes();
            if let Some(i) = flip.filter(|&i| i < b.len()) {
                b[i] = if b[i] == b'a' { b'b' } else { b'a' };
            }
            let mut b = String::from_utf8(b).unwrap();
            b.push_str(&extra);
            prop_assert_eq!(same(&a, &b), a == b);
            prop_assert!(same(&a, &a.clone()));
        }
    }

    proptest! {
        /// Interning many pieces at once (shard by shard) gives the ids of interning their
        /// customers one by one, piece after piece; `sorted` numbers them in string order.
        #[test]
        fn customer_pieces_intern_as_one_by_one(
            pieces in proptest::collection::vec(proptest::collection::vec("[a-e]{0,3}", 0..40), 0..6),
            before in proptest::collection::vec("[a-e]{0,3}", 0..10),
        ) {
            let mut batch = CustomerTable::default();
            let mut single = CustomerTable::default();
            for s in &before {
                prop_assert_eq!(batch.intern(s), single.intern(s));
            }
            let locals: Vec<LocalInterner> = pieces
                .iter()
                .map(|p| {
                    let mut l = LocalInterner::default();
                    for s in p {
                        l.intern(s);
                    }
                    l
                })
                .collect();
            let refs: Vec<&LocalInterner> = locals.iter().collect();
            let maps = batch.intern_pieces(&refs);
            for (l, map) in locals.iter().zip(&maps) {
                for (i, &id) in map.iter().enumerate() {
                    let s = l.name(i as u32);
                    prop_assert_eq!(single.intern(s), id);
                    prop_assert_eq!(batch.name(id), s);
                }
            }
            let firsts: Vec<&str> = batch.iter().map(|(_, s)| s).collect();
            let expected: Vec<&str> = single.iter().map(|(_, s)| s).collect();
            prop_assert_eq!(&firsts, &expected);
            let ids: Vec<(u32, String)> = batch.iter().map(|(id, s)| (id, s.to_string())).collect();
            let (sorted, map) = batch.sorted();
            let mut names: Vec<String> = ids.iter().map(|(_, s)| s.clone()).collect();
            names.sort();
            prop_assert_eq!(sorted.names(), &names[..]);
            for (id, s) in &ids {
                prop_assert_eq!(sorted.name(map[*id as usize]), s.as_str());
                prop_assert_eq!(sorted.get(s), Some(map[*id as usize]));
            }
        }
    }

    #[test]
    fn sorted_renumbers_in_string_order() {
        let mut i = Interner::new();
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("b"), 0);
        let (s, remap) = i.sorted();
        assert_eq!(s.names(), &["a".to_string(), "b".to_string()]);
        assert_eq!(remap, vec![1, 0]);
        assert_eq!(s.get("b"), Some(1));
        assert_eq!(s.get("a"), Some(0));
        // Already in order: ids stay.
        let (again, same) = s.sorted();
        assert_eq!(same, vec![0, 1]);
        assert_eq!(again.names(), &["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn sorted_by_keeps_the_index_consistent() {
        let mut i = Interner::new();
        let words = ["kiwi", "apple", "fig", "banana", "cherry", "date"];
        for w in words {
            i.intern(w);
        }
        let (s, remap) = i.sorted_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        assert_eq!(
            s.names(),
            &["fig", "date", "kiwi", "apple", "banana", "cherry"]
        );
        for (old, w) in words.iter().enumerate() {
            assert_eq!(s.get(w), Some(remap[old]));
            assert_eq!(s.name(remap[old]), *w);
        }
    }
}
