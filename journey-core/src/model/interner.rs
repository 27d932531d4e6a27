use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;

/// The hash every interner uses, so a hash computed once (by a parsing thread) serves every
/// table the string goes into.
pub(crate) fn hash_str(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Whether two strings are equal, without a call into `memcmp` for the short strings that ids,
/// touchpoints and channels usually are (a hot path of loading: several compares per row).
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// The 8 bytes of `s` from `at`, as a number.
#[inline]
fn word(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_ne_bytes(w)
}

/// [`same`] for bytes.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
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
/// each string's hash, id, length and first bytes, so growing it never hashes a
/// string again, and a lookup of a string of up to 16 bytes reads only the index.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    names: Vec<String>,
    index: Index,
}

/// The index of an [`Interner`]: open addressing with linear probing, at most half full, one
/// 32-byte [`Slot`] per entry (aligned, so a slot never straddles two cache lines). Unlike a
/// general hash table it tells where a hash's probe starts, so that a batch of lookups can
/// fetch its slots ahead ([`Index::touch`]): among a million customers each lookup is a
/// cache miss, and fetched ahead they overlap instead of coming one after the other.
#[derive(Debug, Clone, Default)]
struct Index {
    slots: Vec<Slot>,
    len: usize,
    /// `64 - log2(slots.len())`.
    shift: u32,
}

/// A prefetch of the cache line of `slot`. The one `unsafe` outside the file maps, for a
/// measured hot path (see docs/benchmarks.md, loading): the customer lookups of a load whose
/// customers interleave. A plain load in its place stalls the processor on the miss it was
/// meant to hide.
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch(slot: &Slot) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it reads nothing the program sees and never faults, and
    // the pointer comes from a live reference anyway. SSE is part of every x86_64 target.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((slot as *const Slot).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}

/// The id of a free slot.
const FREE: u32 = u32::MAX;

impl Index {
    fn with_capacity(n: usize) -> Self {
        let mut index = Index::default();
        index.grow_to(n);
        index
    }

    /// Where the probe for `hash` starts (the table must not be empty).
    #[inline]
    fn home(&self, hash: u64) -> usize {
        // Fibonacci hashing: the top bits of the product mix every bit of the hash.
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Makes room for `n` entries (at most half the slots full).
    fn grow_to(&mut self, n: usize) {
        let want = (n.max(4) * 2).next_power_of_two();
        if want <= self.slots.len() {
            return;
        }
        let old = std::mem::replace(&mut self.slots, vec![Slot::FREE; want]);
        self.shift = 64 - want.trailing_zeros();
        let mask = want - 1;
        for slot in old.into_iter().filter(|s| s.id != FREE) {
            let mut i = self.home(slot.hash);
            while self.slots[i].id != FREE {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// The slot that `eq` accepts among those of `hash`, if any.
    #[inline]
    fn find(&self, hash: u64, eq: impl Fn(&Slot) -> bool) -> Option<&Slot> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        loop {
            let s = &self.slots[i];
            if s.id == FREE {
                return None;
            }
            if eq(s) {
                return Some(s);
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of the slot `eq` accepts among those of `hash`, else the id of the slot
    /// `make` gives, inserted.
    #[inline]
    fn find_or_insert(
        &mut self,
        hash: u64,
        eq: impl Fn(&Slot) -> bool,
        make: impl FnOnce() -> Slot,
    ) -> u32 {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow_to(self.len + 1);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        loop {
            let s = &self.slots[i];
            if s.id == FREE {
                let slot = make();
                self.slots[i] = slot;
                self.len += 1;
                return slot.id;
            }
            if eq(s) {
                return s.id;
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts a slot whose string is known to be absent.
    fn insert_unique(&mut self, slot: Slot) {
        self.find_or_insert(slot.hash, |_| false, || slot);
    }

    /// Asks the processor to bring the first slot of `hash`'s probe into cache, so that a
    /// lookup of it a little later finds it there (a hint: nothing is read, and no fault).
    #[inline]
    fn touch(&self, hash: u64) {
        if let Some(s) = self.slots.get(self.home(hash)) {
            prefetch(s);
        }
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        self.slots.iter_mut().filter(|s| s.id != FREE)
    }
}

/// One entry of an [`Interner`]'s index. Looking up a customer among a million reads memory
/// nothing else has touched lately; with the first 16 bytes here, a short string (most ids)
/// is compared without a second and third read (its `String` and its bytes).
#[derive(Debug, Clone, Copy)]
#[repr(align(32))]
struct Slot {
    hash: u64,
    id: u32,
    len: u32,
    head: [u8; HEAD],
}

const HEAD: usize = 16;

impl Slot {
    const FREE: Slot = Slot {
        hash: 0,
        id: FREE,
        len: 0,
        head: [0; HEAD],
    };

    fn new(hash: u64, id: u32, s: &str) -> Self {
        let b = s.as_bytes();
        let mut head = [0u8; HEAD];
        let k = b.len().min(HEAD);
        head[..k].copy_from_slice(&b[..k]);
        Slot {
            hash,
            id,
            len: b.len() as u32,
            head,
        }
    }

    /// Whether this is the slot of `s` (whose hash is `hash`); `names` is read only for the
    /// bytes past the first 16.
    #[inline]
    fn holds(&self, hash: u64, s: &str, names: &[String]) -> bool {
        let b = s.as_bytes();
        if self.hash != hash || self.len as usize != b.len() {
            return false;
        }
        if b.len() <= HEAD {
            same_bytes(&self.head[..b.len()], b)
        } else {
            self.head[..] == b[..HEAD] && names[self.id as usize].as_bytes()[HEAD..] == b[HEAD..]
        }
    }
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
    #[inline]
    pub(crate) fn intern_hashed(&mut self, s: &str, hash: u64) -> u32 {
        let Interner { names, index } = self;
        let next = names.len() as u32;
        let id = index.find_or_insert(
            hash,
            |slot| slot.holds(hash, s, names),
            || Slot::new(hash, next, s),
        );
        if id == next {
            names.push(s.to_string());
        }
        id
    }

    /// The ids of `n` strings (`name(i)`, whose hash is `hashes[i]`), adding those that are
    /// new: [`Interner::intern_hashed`] of each, in order, with the index slots of the
    /// lookups to come fetched a few lookups ahead.
    pub(crate) fn intern_batch<'s>(
        &mut self,
        hashes: &[u64],
        name: impl Fn(usize) -> &'s str,
    ) -> Vec<u32> {
        /// Lookups fetched ahead: enough to overlap the misses, few enough that a slot
        /// fetched is still in cache when its lookup comes.
        const AHEAD: usize = 16;
        let mut ids = Vec::with_capacity(hashes.len());
        for (i, &hash) in hashes.iter().enumerate() {
            if let Some(&later) = hashes.get(i + AHEAD) {
                self.index.touch(later);
            }
            ids.push(self.intern_hashed(name(i), hash));
        }
        ids
    }

    /// The id of `s`, if known.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = hash_str(s);
        self.index
            .find(hash, |slot| slot.holds(hash, s, &self.names))
            .map(|slot| slot.id)
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
        self.renumbered(&ids)
    }

    /// The interner with `ids[k]` as id `k` (`ids` a permutation of the ids), and the map
    /// old id -> new id.
    fn renumbered(self, ids: &[u32]) -> (Self, Vec<u32>) {
        let remap = Self::ranks(ids);
        (self.renumbered_to(ids, &remap), remap)
    }

    /// The map old id -> new id of a renumbering with `ids[k]` as id `k`.
    pub(crate) fn ranks(ids: &[u32]) -> Vec<u32> {
        let mut remap = vec![0u32; ids.len()];
        for (new, &old) in ids.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        remap
    }

    /// [`Interner::renumbered`] with its map (`remap`, from [`Interner::ranks`]) known.
    pub(crate) fn renumbered_to(self, ids: &[u32], remap: &[u32]) -> Self {
        let Interner { names, mut index } = self;
        let mut slots: Vec<Option<String>> = names.into_iter().map(Some).collect();
        let names: Vec<String> = ids
            .iter()
            .map(|&old| slots[old as usize].take().unwrap_or_default())
            .collect();
        for slot in index.iter_mut() {
            slot.id = remap[slot.id as usize];
        }
        Self { names, index }
    }

    /// Renumbers the ids in byte order of the strings.
    pub fn sorted(self) -> (Self, Vec<u32>) {
        match self.byte_order() {
            Some(ids) => self.renumbered(&ids),
            None => {
                let n = self.names.len() as u32;
                (self, (0..n).collect())
            }
        }
    }

    /// The ids in byte order of their strings (`ids[k]` the id of the `k`-th string), or
    /// `None` when they already are.
    pub(crate) fn byte_order(&self) -> Option<Vec<u32>> {
        if self.names.windows(2).all(|w| w[0] < w[1]) {
            return None;
        }
        // Sorted on each string's first 8 bytes as a number first (zero-padded, big-endian,
        // so in byte order): most ids differ there, and the strings are then compared without
        // reading them.
        let prefix = |s: &str| {
            let mut w = [0u8; 8];
            let b = s.as_bytes();
            let k = b.len().min(8);
            w[..k].copy_from_slice(&b[..k]);
            u64::from_be_bytes(w)
        };
        let mut keyed: Vec<(u64, u32)> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, s)| (prefix(s), i as u32))
            .collect();
        let names = &self.names;
        let cmp = |a: &(u64, u32), b: &(u64, u32)| {
            a.0.cmp(&b.0)
                .then_with(|| names[a.1 as usize].cmp(&names[b.1 as usize]))
        };
        // Names are distinct, so an unstable sort gives the one order.
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            keyed.par_sort_unstable_by(cmp);
        }
        #[cfg(not(feature = "parallel"))]
        keyed.sort_unstable_by(cmp);
        Some(keyed.into_iter().map(|(_, id)| id).collect())
    }

    /// Adds `new` names (any order, duplicates and known names allowed) keeping the ids in the
    /// order `cmp` gives (the interner's ids must already follow it). Returns the map old id ->
    /// new id when some new name sorts before a known one (the known ids move up), `None` when
    /// every id stays. Costs one pass over the known names only when ids move; no known string
    /// is hashed again (used by [`crate::EventLog::append`]).
    pub(crate) fn insert_sorted(
        &mut self,
        new: &[&str],
        cmp: impl Fn(&str, &str) -> std::cmp::Ordering,
    ) -> Option<Vec<u32>> {
        let mut fresh: Vec<&str> = new
            .iter()
            .copied()
            .filter(|s| self.get(s).is_none())
            .collect();
        fresh.sort_unstable_by(|a, b| cmp(a, b));
        fresh.dedup();
        if fresh.is_empty() {
            return None;
        }
        let n = self.names.len();
        let at_end = n == 0 || cmp(&self.names[n - 1], fresh[0]) == std::cmp::Ordering::Less;
        if at_end {
            for s in fresh {
                self.intern(s);
            }
            return None;
        }
        // Merge the two sorted lists; old id i moves up by the number of fresh names before it.
        let old = std::mem::take(&mut self.names);
        let mut names = Vec::with_capacity(n + fresh.len());
        let mut remap = Vec::with_capacity(n);
        let mut f = fresh.iter().peekable();
        let mut new_ids = Vec::with_capacity(fresh.len());
        for s in old {
            while let Some(x) = f.peek() {
                if cmp(x, &s) == std::cmp::Ordering::Less {
                    new_ids.push(names.len() as u32);
                    names.push(x.to_string());
                    f.next();
                } else {
                    break;
                }
            }
            remap.push(names.len() as u32);
            names.push(s);
        }
        for x in f {
            new_ids.push(names.len() as u32);
            names.push(x.to_string());
        }
        for slot in self.index.iter_mut() {
            slot.id = remap[slot.id as usize];
        }
        for &id in &new_ids {
            let s = &names[id as usize];
            let h = hash_str(s);
            self.index.insert_unique(Slot::new(h, id, s));
        }
        self.names = names;
        Some(remap)
    }

    /// Builds an interner from distinct names, ids in the given order.
    pub fn from_names(names: Vec<String>) -> Self {
        let mut index = Index::with_capacity(names.len());
        for (i, s) in names.iter().enumerate() {
            let h = hash_str(s);
            index.insert_unique(Slot::new(h, i as u32, s));
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
    #[inline]
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

/// A string of at most 16 bytes as a key that is the string itself: its length and the two
/// words that cover its bytes (overlapping from 9 to 16 bytes, zero-padded below 8). Two
/// strings of one length are equal exactly when their words are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short {
    a: u64,
    b: u64,
    /// The length; [`Short::NONE`] (a free slot) has one no string has.
    len: u64,
}

impl Short {
    const NONE: Short = Short {
        a: 0,
        b: 0,
        len: u64::MAX,
    };

    #[inline]
    fn of(s: &[u8]) -> Option<Short> {
        let n = s.len();
        let (a, b) = match n {
            8..=16 => (word(s, 0), word(s, n - 8)),
            0..=7 => (low_word(s), 0),
            _ => return None,
        };
        Some(Short {
            a,
            b,
            len: n as u64,
        })
    }

    /// A hash of the key (its probe's start is the top bits).
    #[inline]
    fn hash(self) -> u64 {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        (self.a.wrapping_mul(K) ^ self.b.rotate_left(29) ^ self.len).wrapping_mul(K)
    }
}

/// The bytes of `s` (at most 7) as a number, little-endian, zero above: read with loads that
/// cover them (two overlapping 4-byte ones from 4 bytes up), not copied into a zeroed word
/// first, which stalls the load of the word until the copy's stores are done.
#[inline]
fn low_word(s: &[u8]) -> u64 {
    let n = s.len();
    let four = |at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u64::from(u32::from_le_bytes(w))
    };
    match n {
        4..=7 => four(0) | four(n - 4) << (8 * (n - 4)),
        1..=3 => {
            u64::from(s[0])
                | u64::from(s[n / 2]) << (8 * (n / 2))
                | u64::from(s[n - 1]) << (8 * (n - 1))
        }
        _ => 0,
    }
}

/// The index of the short strings of a [`LocalInterner`]: open addressing with linear
/// probing on [`Short`] keys, at most half full. A lookup hashes two words and compares three,
/// without reading the string's bytes back from the arena.
#[derive(Debug, Clone, Default)]
struct ShortIndex {
    keys: Vec<Short>,
    ids: Vec<u32>,
    len: usize,
    /// `64 - log2(keys.len())`.
    shift: u32,
}

impl ShortIndex {
    /// The id of `key`, else `make()`, inserted.
    #[inline]
    fn find_or_insert(&mut self, key: Short, make: impl FnOnce() -> u32) -> u32 {
        if (self.len + 1) * 2 > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = (key.hash() >> self.shift) as usize;
        loop {
            if self.keys[i] == key {
                return self.ids[i];
            }
            if self.keys[i] == Short::NONE {
                let id = make();
                self.keys[i] = key;
                self.ids[i] = id;
                self.len += 1;
                return id;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let want = (self.keys.len() * 2).max(64);
        let keys = std::mem::replace(&mut self.keys, vec![Short::NONE; want]);
        let ids = std::mem::replace(&mut self.ids, vec![0; want]);
        self.shift = 64 - want.trailing_zeros();
        let mask = want - 1;
        for (key, id) in keys.into_iter().zip(ids).filter(|(k, _)| *k != Short::NONE) {
            let mut i = (key.hash() >> self.shift) as usize;
            while self.keys[i] != Short::NONE {
                i = (i + 1) & mask;
            }
            self.keys[i] = key;
            self.ids[i] = id;
        }
    }
}

/// The strings of one parsed piece: each distinct string copied once into an arena, with its
/// hash, so that merging the piece into the log never hashes a string again and the piece does
/// not borrow the input buffer (which is reused for the next batch).
#[derive(Debug, Clone, Default)]
pub(crate) struct LocalInterner {
    names: Arena,
    pub hashes: Vec<u64>,
    /// The strings of at most 16 bytes (most touchpoints, channels, stages, property values
    /// and ids), found by their [`Short`] key.
    short: ShortIndex,
    /// The longer strings.
    index: hashbrown::HashTable<u32>,
    /// The id of the last interned string, plus one (0 = none): values repeat on
    /// consecutive rows (one customer's events), and this skips their lookup. Short strings
    /// of a table skip this check: their lookup is cheaper than the check mispredicted, as it
    /// is on rows whose customers interleave (the time-ordered 10M load: 789-1019 -> 652-678
    /// perf samples in the interner, grouped input 583-638 -> 595-674).
    last: u32,
    /// The key of that string when it is short.
    last_short: Option<Short>,
    /// Only runs of one string are given one id ([`LocalInterner::runs`]).
    runs: bool,
}

impl LocalInterner {
    /// An interner that gives one id to each run of equal strings, not to each distinct
    /// string: for customer ids. Their rows come grouped (one id per customer, as a table
    /// would give) or interleaved, and then nearly every row of a piece is a customer of its
    /// own there, so that a table would cost a lookup and an insert per row for nothing. The
    /// log's own table still gives one id per customer.
    pub(crate) fn runs() -> Self {
        LocalInterner {
            runs: true,
            ..Self::default()
        }
    }

    #[inline]
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id)
    }

    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let key = Short::of(s.as_bytes());
        if let (false, Some(k)) = (self.runs, key) {
            // A lookup of a short key costs less than a mispredicted check for a repeat.
            let Self {
                names,
                hashes,
                short,
                ..
            } = self;
            return short.find_or_insert(k, || {
                hashes.push(hash_str(s));
                names.push(s)
            });
        }
        if self.last > 0 {
            let repeat = match (key, self.last_short) {
                (Some(k), Some(last)) => k == last,
                (None, None) => same(self.name(self.last - 1), s),
                _ => false,
            };
            if repeat {
                return self.last - 1;
            }
        }
        // A table's short strings were looked up above: here a table's string is long.
        let id = if self.runs {
            self.push(s, hash_str(s))
        } else {
            self.intern_long(s, hash_str(s))
        };
        self.last = id + 1;
        self.last_short = key;
        id
    }

    /// Adds `s` (whose hash is `hash`) as a new id.
    fn push(&mut self, s: &str, hash: u64) -> u32 {
        self.hashes.push(hash);
        self.names.push(s)
    }

    /// The id of `s` (longer than 16 bytes, whose hash is `hash`).
    fn intern_long(&mut self, s: &str, hash: u64) -> u32 {
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
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(v) => {
                let id = names.push(s);
                v.insert(id);
                hashes.push(hash);
                id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `sorted` puts the strings in byte order, whatever they share in their first 8
        /// bytes (the number it sorts on first), and keeps every lookup right.
        #[test]
        fn sorted_is_byte_order(words in proptest::collection::vec("[ab\\x00é]{0,11}", 0..40)) {
            let mut i = Interner::new();
            for w in &words {
                i.intern(w);
            }
            let before: Vec<String> = i.names().to_vec();
            let (s, remap) = i.sorted();
            let mut want = before.clone();
            want.sort();
            prop_assert_eq!(s.names(), &want[..]);
            for (old, w) in before.iter().enumerate() {
                prop_assert_eq!(s.get(w), Some(remap[old]));
                prop_assert_eq!(s.name(remap[old]), w.as_str());
            }
        }

        /// A piece's interner gives equal strings one id and different strings different
        /// ids, short (found by their key) or long, whatever bytes they hold (NUL included,
        /// which the zero padding of a short key must not confuse with a shorter string); the
        /// run interner gives a new id exactly when the string differs from the previous one.
        #[test]
        fn local_interner_ids_are_the_strings(words in proptest::collection::vec("[a\\x00é]{0,19}", 0..60)) {
            let mut table = LocalInterner::default();
            let mut runs = LocalInterner::runs();
            let mut seen: Vec<&str> = Vec::new();
            let mut previous: Option<&str> = None;
            for w in &words {
                let id = table.intern(w);
                match seen.iter().position(|s| s == w) {
                    Some(k) => prop_assert_eq!(id, k as u32),
                    None => {
                        prop_assert_eq!(id, seen.len() as u32);
                        seen.push(w);
                    }
                }
                prop_assert_eq!(table.name(id), w.as_str());
                prop_assert_eq!(table.hashes[id as usize], hash_str(w));
                let before = runs.hashes.len() as u32;
                let run = runs.intern(w);
                if previous == Some(w.as_str()) {
                    prop_assert_eq!(run, before - 1);
                } else {
                    prop_assert_eq!(run, before);
                }
                prop_assert_eq!(runs.name(run), w.as_str());
                previous = Some(w);
            }
        }

        /// The word of a string under 8 bytes is its bytes, little-endian, zero above,
        /// whatever the length.
        #[test]
        fn low_word_is_the_padded_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(&bytes);
            prop_assert_eq!(low_word(&bytes), u64::from_le_bytes(w));
        }

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

    #[test]
    fn strings_sharing_their_first_bytes_stay_apart() {
        let base = "customer-0000000"; // 16 bytes: the part the index holds
        let words = [
            "",
            "c",
            &base[..15],
            base,
            "customer-0000000a",
            "customer-0000000b",
            "customer-0000001",
            "customer-0000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "customer-0000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
            "é-customer-00000",
            "é-customer-000000",
        ];
        let mut i = Interner::new();
        for (k, w) in words.iter().enumerate() {
            assert_eq!(i.intern(w), k as u32, "{w:?} is new");
        }
        for (k, w) in words.iter().enumerate() {
            assert_eq!(i.intern(w), k as u32, "{w:?} is known");
            assert_eq!(i.get(w), Some(k as u32));
        }
        assert_eq!(i.get("customer-0000000c"), None);
        assert_eq!(
            i.get("customer-0000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac"),
            None
        );
        let (sorted, remap) = i.sorted();
        for (k, w) in words.iter().enumerate() {
            assert_eq!(sorted.get(w), Some(remap[k]));
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
