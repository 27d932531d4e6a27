//! SplitMix64, the crate's one random number generator: tiny, fast and fixed forever, so that
//! a seed gives the same numbers on every platform and in every release (the synthetic data and
//! the bootstrap resamples of docs/compare.md depend on it).

/// Advances the state and returns the next 64 random bits.
#[inline]
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    /// The first outputs of SplitMix64 from state 0, as published with the algorithm
    /// (Vigna's reference implementation).
    #[test]
    fn reference_outputs() {
        let mut s = 0u64;
        assert_eq!(super::splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(super::splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }
}
