//! The project's one seeded generator (SplitMix64): splits, batch orders, feature sampling and
//! bootstrap indices all draw from it, so the same seed gives the same numbers everywhere.

/// SplitMix64 (Steele, Lea & Flood, 2014): tiny state, good enough for shuffles and resamples.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Fisher–Yates shuffle of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        order
    }

    /// `n` indices drawn from `0..n` with replacement (a bootstrap resample).
    pub fn indices(&mut self, n: usize) -> Vec<usize> {
        (0..n).map(|_| (self.next() % n as u64) as usize).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn same_seed_same_draws_and_permutations_are_permutations() {
        assert_eq!(SplitMix64(7).permutation(50), SplitMix64(7).permutation(50));
        assert_ne!(SplitMix64(7).permutation(50), SplitMix64(8).permutation(50));
        let mut p = SplitMix64(3).permutation(100);
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
        assert!(SplitMix64(5).indices(20).iter().all(|&i| i < 20));
        let u = SplitMix64(9).unit();
        assert!((0.0..1.0).contains(&u));
    }
}
