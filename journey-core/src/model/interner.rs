use rustc_hash::FxHashMap as HashMap;

/// Maps strings to small dense integer ids and back.
///
/// Ids are given in first-seen order; [`Interner::sorted`] renumbers them in string order so that
/// ids never depend on the order of input rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), id);
        id
    }

    /// The id of `s`, if known.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
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
    pub fn sorted_by(
        self,
        mut cmp: impl FnMut(&str, &str) -> std::cmp::Ordering,
    ) -> (Self, Vec<u32>) {
        let mut ids: Vec<u32> = (0..self.names.len() as u32).collect();
        ids.sort_by(|&a, &b| cmp(&self.names[a as usize], &self.names[b as usize]));
        let mut remap = vec![0u32; ids.len()];
        for (new, &old) in ids.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut names = self.names;
        let mut slots: Vec<Option<String>> = names.drain(..).map(Some).collect();
        let names: Vec<String> = ids
            .iter()
            .map(|&old| slots[old as usize].take().unwrap_or_default())
            .collect();
        (Self::from_names(names), remap)
    }

    /// Renumbers the ids in byte order of the strings.
    pub fn sorted(self) -> (Self, Vec<u32>) {
        self.sorted_by(|a, b| a.cmp(b))
    }

    /// Builds an interner from distinct names, ids in the given order.
    pub fn from_names(names: Vec<String>) -> Self {
        let index: HashMap<String, u32> = names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Self { names, index }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
