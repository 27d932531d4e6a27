//! The byte encoding of partial states: little-endian varints for integers, f64 as their bits,
//! strings as length + UTF-8, sequences as length + items, maps as sorted (key, value) pairs.
//! No dependency, no reflection: each state type says how it is written and read, so the bytes
//! are exactly what the format description in `docs/distributed.md` says.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Where bytes are written.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

/// Where bytes are read from; every read checks the bounds, so truncated or corrupted input is
/// an error, never a panic.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// The largest count a decoded partial may hold, 2^53 (the largest integer an f64 holds
/// exactly): far more events than any log has, and small enough that merging decoded partials
/// cannot overflow. A larger count is corrupted bytes.
pub(crate) const MAX_COUNT: u64 = 1 << 53;

/// The error for bytes that do not decode.
pub(crate) fn corrupted(what: impl std::fmt::Display) -> Error {
    Error::InvalidPartial(format!("corrupted bytes: {what}"))
}

impl Writer {
    pub(crate) fn u64(&mut self, mut x: u64) {
        while x >= 0x80 {
            self.buf.push((x as u8) | 0x80);
            x >>= 7;
        }
        self.buf.push(x as u8);
    }
    pub(crate) fn i64(&mut self, x: i64) {
        // Zig-zag, so small negative numbers stay short.
        self.u64(((x << 1) ^ (x >> 63)) as u64);
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }
    pub(crate) fn is_done(&self) -> bool {
        self.pos == self.buf.len()
    }
    pub(crate) fn raw(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(corrupted(format!(
                "truncated: {n} bytes needed at byte {}, {} left",
                self.pos,
                self.buf.len() - self.pos
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        let mut x = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.raw(1)?[0];
            x |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(x);
            }
        }
        Err(corrupted(format!("overlong integer at byte {}", self.pos)))
    }
    pub(crate) fn i64(&mut self) -> Result<i64> {
        let u = self.u64()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }
    /// A length, checked against the bytes left (each item takes at least one byte), so a
    /// corrupted length cannot make a reader allocate without bound.
    pub(crate) fn len(&mut self) -> Result<usize> {
        let n = self.u64()?;
        if n > (self.buf.len() - self.pos) as u64 {
            return Err(corrupted(format!(
                "length {n} at byte {} exceeds the {} bytes left",
                self.pos,
                self.buf.len() - self.pos
            )));
        }
        Ok(n as usize)
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        self.raw(n)
    }
}

/// A type with a byte encoding.
pub(crate) trait Codec: Sized {
    fn enc(&self, w: &mut Writer);
    fn dec(r: &mut Reader<'_>) -> Result<Self>;
}

/// Counts (every `u64` of a state is one).
impl Codec for u64 {
    fn enc(&self, w: &mut Writer) {
        w.u64(*self)
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let at = r.pos();
        let x = r.u64()?;
        if x > MAX_COUNT {
            return Err(corrupted(format!(
                "a count of {x} at byte {at} is above the largest a partial holds ({MAX_COUNT})"
            )));
        }
        Ok(x)
    }
}

impl Codec for u32 {
    fn enc(&self, w: &mut Writer) {
        w.u64(u64::from(*self))
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        u32::try_from(r.u64()?).map_err(|_| corrupted("a 32-bit count is out of range"))
    }
}

impl Codec for usize {
    fn enc(&self, w: &mut Writer) {
        w.u64(*self as u64)
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        usize::try_from(r.u64()?).map_err(|_| corrupted("a count is out of range"))
    }
}

impl Codec for i64 {
    fn enc(&self, w: &mut Writer) {
        w.i64(*self)
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        r.i64()
    }
}

impl Codec for i128 {
    fn enc(&self, w: &mut Writer) {
        w.raw(&self.to_le_bytes())
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let mut b = [0u8; 16];
        b.copy_from_slice(r.raw(16)?);
        Ok(i128::from_le_bytes(b))
    }
}

impl Codec for f64 {
    fn enc(&self, w: &mut Writer) {
        w.raw(&self.to_bits().to_le_bytes())
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let mut b = [0u8; 8];
        b.copy_from_slice(r.raw(8)?);
        Ok(f64::from_bits(u64::from_le_bytes(b)))
    }
}

impl Codec for bool {
    fn enc(&self, w: &mut Writer) {
        w.raw(&[u8::from(*self)])
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        match r.raw(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(corrupted(format!("{b} is not a boolean"))),
        }
    }
}

impl Codec for String {
    fn enc(&self, w: &mut Writer) {
        w.bytes(self.as_bytes())
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let at = r.pos();
        String::from_utf8(r.bytes()?.to_vec())
            .map_err(|_| corrupted(format!("invalid UTF-8 in a string at byte {at}")))
    }
}

impl<T: Codec> Codec for Option<T> {
    fn enc(&self, w: &mut Writer) {
        match self {
            None => w.raw(&[0]),
            Some(x) => {
                w.raw(&[1]);
                x.enc(w)
            }
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        match r.raw(1)?[0] {
            0 => Ok(None),
            1 => Ok(Some(T::dec(r)?)),
            b => Err(corrupted(format!("{b} is not an option tag"))),
        }
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn enc(&self, w: &mut Writer) {
        w.u64(self.len() as u64);
        for x in self {
            x.enc(w);
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.len()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(T::dec(r)?);
        }
        Ok(v)
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn enc(&self, w: &mut Writer) {
        self.0.enc(w);
        self.1.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok((A::dec(r)?, B::dec(r)?))
    }
}

impl<A: Codec, B: Codec, C: Codec> Codec for (A, B, C) {
    fn enc(&self, w: &mut Writer) {
        self.0.enc(w);
        self.1.enc(w);
        self.2.enc(w);
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        Ok((A::dec(r)?, B::dec(r)?, C::dec(r)?))
    }
}

impl<K: Codec + Ord, V: Codec> Codec for BTreeMap<K, V> {
    fn enc(&self, w: &mut Writer) {
        w.u64(self.len() as u64);
        for (k, v) in self {
            k.enc(w);
            v.enc(w);
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.len()?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = K::dec(r)?;
            let v = V::dec(r)?;
            m.insert(k, v);
        }
        if m.len() != n {
            return Err(corrupted("a map repeats a key"));
        }
        Ok(m)
    }
}

/// FNV-1a, 64 bits: the fingerprint of options and contexts and the checksum of the bytes.
/// Fixed by the format (unlike the standard library's hasher), so fingerprints agree across
/// machines and builds.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Sorted value -> count list: an exact sample (durations, counts) whose merge is a merge of
/// sorted lists, so medians and quantiles stay exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ValueCounts(pub(crate) Vec<(i64, u64)>);

impl ValueCounts {
    /// From values in any order.
    pub(crate) fn of(mut v: Vec<i64>) -> Self {
        v.sort_unstable();
        let mut out: Vec<(i64, u64)> = Vec::new();
        for x in v {
            match out.last_mut() {
                Some((y, c)) if *y == x => *c += 1,
                _ => out.push((x, 1)),
            }
        }
        ValueCounts(out)
    }
    pub(crate) fn merge(&mut self, b: ValueCounts) {
        if b.0.is_empty() {
            return;
        }
        if self.0.is_empty() {
            *self = b;
            return;
        }
        let a = std::mem::take(&mut self.0);
        let mut out = Vec::with_capacity(a.len() + b.0.len());
        let (mut i, mut j) = (a.into_iter().peekable(), b.0.into_iter().peekable());
        loop {
            match (i.peek(), j.peek()) {
                (Some(x), Some(y)) => {
                    if x.0 < y.0 {
                        out.push(i.next().expect("peeked"));
                    } else if y.0 < x.0 {
                        out.push(j.next().expect("peeked"));
                    } else {
                        let (v, c) = i.next().expect("peeked");
                        let (_, d) = j.next().expect("peeked");
                        out.push((v, c + d));
                    }
                }
                (Some(_), None) => out.extend(i.by_ref()),
                (None, Some(_)) => out.extend(j.by_ref()),
                (None, None) => break,
            }
        }
        self.0 = out;
    }
    /// Takes away the values of `b` (a sub-sample of `self`), dropping values whose count
    /// falls to zero; one pass over both lists.
    pub(crate) fn subtract(&mut self, b: &ValueCounts) {
        if b.0.is_empty() {
            return;
        }
        let mut j = 0;
        self.0.retain_mut(|(v, c)| {
            while j < b.0.len() && b.0[j].0 < *v {
                j += 1;
            }
            if j < b.0.len() && b.0[j].0 == *v {
                *c = c.saturating_sub(b.0[j].1);
            }
            *c > 0
        });
    }
    pub(crate) fn len(&self) -> u64 {
        self.0.iter().map(|p| p.1).sum()
    }
    pub(crate) fn sum(&self) -> i128 {
        self.0.iter().map(|&(v, c)| v as i128 * c as i128).sum()
    }
    /// The value at 0-based rank `k` (`k < len`).
    pub(crate) fn at(&self, mut k: u64) -> i64 {
        for &(v, c) in &self.0 {
            if k < c {
                return v;
            }
            k -= c;
        }
        self.0.last().map_or(0, |p| p.0)
    }
    /// The interpolated quantile `q` with the same arithmetic as the single-machine summaries
    /// (`docs/journeys.md`: type 7), `None` when empty.
    pub(crate) fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let h = (n - 1) as f64 * q;
        let lo = h.floor() as u64;
        let frac = h - lo as f64;
        let a = self.at(lo);
        Some(if frac == 0.0 || lo + 1 >= n {
            a as f64
        } else {
            let b = self.at(lo + 1);
            a as f64 + frac * (b - a) as f64
        })
    }
}

impl Codec for ValueCounts {
    fn enc(&self, w: &mut Writer) {
        // Deltas between sorted values: small varints.
        w.u64(self.0.len() as u64);
        let mut prev = 0i64;
        for (i, &(v, c)) in self.0.iter().enumerate() {
            if i == 0 {
                w.i64(v);
            } else {
                w.u64(v.wrapping_sub(prev) as u64);
            }
            prev = v;
            w.u64(c);
        }
    }
    fn dec(r: &mut Reader<'_>) -> Result<Self> {
        let n = r.len()?;
        let mut out = Vec::with_capacity(n);
        let mut prev = 0i64;
        let mut total = 0u64;
        for i in 0..n {
            let v = if i == 0 {
                r.i64()?
            } else {
                let d = r.u64()?;
                if d == 0 {
                    return Err(corrupted("a value list is not strictly increasing"));
                }
                prev.checked_add_unsigned(d)
                    .ok_or_else(|| corrupted("a value is out of range"))?
            };
            let c = u64::dec(r)?;
            if c == 0 {
                return Err(corrupted("a value has a count of zero"));
            }
            total += c;
            if total > MAX_COUNT {
                return Err(corrupted(format!(
                    "a value list counts more than the largest count a partial holds \
                     ({MAX_COUNT})"
                )));
            }
            out.push((v, c));
            prev = v;
        }
        Ok(ValueCounts(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round<T: Codec + PartialEq + std::fmt::Debug>(x: T) {
        let mut w = Writer::default();
        x.enc(&mut w);
        let mut r = Reader::new(&w.buf);
        assert_eq!(T::dec(&mut r).unwrap(), x);
        assert!(r.is_done());
    }

    #[test]
    fn values_round_trip() {
        round(0u64);
        round(MAX_COUNT);
        round(i64::MIN);
        round(-1i64);
        round(i128::MIN + 7);
        round(-0.0f64);
        let mut w = Writer::default();
        f64::from_bits(0x7ff8_0000_0000_0001).enc(&mut w);
        let back = f64::dec(&mut Reader::new(&w.buf)).unwrap();
        assert_eq!(back.to_bits(), 0x7ff8_0000_0000_0001);
        round(Some("é".to_string()));
        round(vec![(1i64, 2u64), (-5, 9)]);
        round(ValueCounts::of(vec![5, -3, 5, i64::MAX, i64::MIN]));
        let m: BTreeMap<String, u64> = [("a".into(), 1), ("b".into(), 2)].into();
        round(m);
    }

    #[test]
    fn truncated_and_huge_lengths_are_errors() {
        let mut w = Writer::default();
        vec![1u64, 2, 3].enc(&mut w);
        let e = Vec::<u64>::dec(&mut Reader::new(&w.buf[..2])).unwrap_err();
        assert!(e.to_string().contains("exceeds the 1 bytes left"), "{e}");
        let e = u64::dec(&mut Reader::new(&[0x80])).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        let mut w = Writer::default();
        w.u64(1 << 40);
        let e = Vec::<u64>::dec(&mut Reader::new(&w.buf)).unwrap_err();
        assert!(e.to_string().contains("exceeds"), "{e}");
        assert_eq!(e.code(), "invalid_partial");
    }

    /// Counts above 2^53 are refused, so merging decoded partials cannot overflow (the
    /// `partial_bytes` fuzz target overflowed sums of counts near 2^64).
    #[test]
    fn counts_above_2_pow_53_are_corrupted() {
        let mut w = Writer::default();
        w.u64(MAX_COUNT);
        assert_eq!(u64::dec(&mut Reader::new(&w.buf)).unwrap(), 1 << 53);
        let mut w = Writer::default();
        w.u64(u64::MAX);
        let e = u64::dec(&mut Reader::new(&w.buf)).unwrap_err();
        assert_eq!(e.code(), "invalid_partial");
        assert_eq!(
            e.to_string(),
            "invalid partial: corrupted bytes: a count of 18446744073709551615 at byte 0 is \
             above the largest a partial holds (9007199254740992)"
        );
        // Two values of 2^52 + 1 each: each count fits, their total does not.
        let big = ValueCounts(vec![(1, (1 << 52) + 1), (2, (1 << 52) + 1)]);
        let mut w = Writer::default();
        big.enc(&mut w);
        let e = ValueCounts::dec(&mut Reader::new(&w.buf)).unwrap_err();
        assert!(e.to_string().contains("counts more than"), "{e}");
        let fits = ValueCounts(vec![(1, 1 << 52), (2, 1 << 52)]);
        round(fits);
    }

    #[test]
    fn value_counts_merge_and_quantiles() {
        let mut a = ValueCounts::of(vec![1, 3, 3]);
        a.merge(ValueCounts::of(vec![2, 3, 10]));
        assert_eq!(a.0, vec![(1, 1), (2, 1), (3, 3), (10, 1)]);
        assert_eq!(a.len(), 6);
        assert_eq!(a.sum(), 22);
        // Ranks 0..6 = 1 2 3 3 3 10: median (rank 2.5) = 3, p90 (rank 4.5) = 3 + 0.5 * 7.
        assert_eq!(a.quantile(0.5), Some(3.0));
        assert_eq!(a.quantile(0.9), Some(6.5));
        assert_eq!(ValueCounts::default().quantile(0.5), None);
    }
}
