//! Exact sums of money: the correctly rounded sum of any number of `f64` values, whatever the
//! order in which they are added or partial sums are merged.
//!
//! A running `f64` sum depends on the order of its terms (`(a + b) + c` may differ from
//! `a + (b + c)` in the last bit), so revenue added per thread, per chunk or per machine would
//! differ from one run to the next. [`ExactSum`] keeps the sum as a short list of non-overlapping
//! `f64` parts whose mathematical sum is the exact sum of the terms (Shewchuk's algorithm, as in
//! Python's `math.fsum`), and rounds once at the end. Every revenue and conversion-value total of
//! journey goes through it, on one machine and across partial results alike.

/// The exact sum of finite `f64` values, rounded once by [`ExactSum::value`]. Two sums are
/// equal when their exact values are, whatever parts hold them.
#[derive(Debug, Clone, Default)]
pub struct ExactSum {
    /// Non-overlapping parts, in increasing magnitude; their exact sum is the sum of the terms.
    parts: Vec<f64>,
}

impl ExactSum {
    /// Adds a finite value.
    pub fn add(&mut self, mut x: f64) {
        let mut i = 0;
        for j in 0..self.parts.len() {
            let mut y = self.parts[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.parts[i] = lo;
                i += 1;
            }
            x = hi;
        }
        self.parts.truncate(i);
        self.parts.push(x);
    }

    /// Adds every term of `other`.
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in &other.parts {
            self.add(p);
        }
    }

    /// Takes away every term of `other` (exact: the parts are negated and added).
    pub fn subtract(&mut self, other: &ExactSum) {
        for &p in &other.parts {
            self.add(-p);
        }
    }

    /// The sum, correctly rounded to the nearest `f64` (ties to even).
    pub fn value(&self) -> f64 {
        let p = &self.parts;
        let mut n = p.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Round half-way cases correctly: if the rest has the same sign as the remainder, the
        // remainder is really more than half an ulp.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }

    /// The parts of the exact value in its one canonical form, in increasing magnitude: the
    /// rounded value, then the rounded rest, and so on. The same exact value gives the same
    /// parts whatever the terms and their order were (the parts kept while adding depend on
    /// them), so that equal sums write equal bytes.
    pub(crate) fn canonical_parts(&self) -> Vec<f64> {
        let mut rest = self.clone();
        let mut out = Vec::new();
        // Each step leaves at most half an ulp of the last part: a few dozen steps span the
        // whole range of f64.
        for _ in 0..80 {
            let v = rest.value();
            if v == 0.0 || !v.is_finite() {
                break;
            }
            out.push(v);
            rest.add(-v);
        }
        out.reverse();
        out
    }

    /// A sum from parts read back (each is added, so any list of finite values is valid).
    pub(crate) fn from_parts(parts: &[f64]) -> Self {
        let mut s = ExactSum::default();
        for &p in parts {
            s.add(p);
        }
        s
    }
}

impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts || self.canonical_parts() == other.canonical_parts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Two lists of parts with the same exact value (2 - 2^-53 - 2^-55), which adding the parts
    /// of one list did not turn into the other (the `partial_bytes` fuzz target found partials
    /// whose bytes changed at each decode and encode): one canonical form, and equal.
    #[test]
    fn one_value_has_one_canonical_form() {
        let a = ExactSum::from_parts(&[
            f64::from_bits(0x3C98_0000_0000_0000),
            f64::from_bits(0x3FFF_FFFF_FFFF_FFFF),
        ]);
        let b = ExactSum::from_parts(&[-(2f64.powi(-55)), -(2f64.powi(-53)), 2.0]);
        assert_eq!(a.value(), b.value());
        assert_eq!(a.canonical_parts(), b.canonical_parts());
        assert_eq!(a, b);
        let c = a.canonical_parts();
        assert_eq!(c, [3.0 * 2f64.powi(-55), 2.0 - 2f64.powi(-52)]);
        assert_eq!(ExactSum::from_parts(&c).canonical_parts(), c);
        assert_ne!(a, ExactSum::from_parts(&[2.0]));
        assert!(ExactSum::default().canonical_parts().is_empty());
    }

    #[test]
    fn exact_where_plain_sums_are_not() {
        let mut s = ExactSum::default();
        for x in [1e16, 1.0, -1e16, 1.0] {
            s.add(x);
        }
        assert_eq!(s.value(), 2.0);
        let mut t = ExactSum::default();
        for _ in 0..10 {
            t.add(0.1);
        }
        // The exact sum of ten 0.1 (each slightly above 1/10) rounds to 1.0; a loop gives
        // 0.9999999999999999.
        assert_eq!(t.value(), 1.0);
        assert_eq!(ExactSum::default().value(), 0.0);
    }

    proptest! {
        #[test]
        fn any_order_and_any_split_give_the_same_bits(
            v in proptest::collection::vec(-1e12f64..1e12, 0..60),
            cut in 0usize..60,
            seed in any::<u64>(),
        ) {
            let mut a = ExactSum::default();
            v.iter().for_each(|&x| a.add(x));
            let mut w = v.clone();
            // A deterministic shuffle.
            let mut s = seed | 1;
            for i in (1..w.len()).rev() {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                w.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let cut = cut.min(w.len());
            let (mut l, mut r) = (ExactSum::default(), ExactSum::default());
            w[..cut].iter().for_each(|&x| l.add(x));
            w[cut..].iter().for_each(|&x| r.add(x));
            r.merge(&l);
            prop_assert_eq!(a.value().to_bits(), r.value().to_bits());
            prop_assert_eq!(ExactSum::from_parts(&a.parts).value().to_bits(), a.value().to_bits());
        }
    }
}
