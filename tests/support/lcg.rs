//! The tests' seeded stream of numbers: Knuth's MMIX linear congruential generator, the same
//! numbers on every machine. Included with `#[path]` by the tests (and `rate_support`) that
//! generate their inputs; each draw advances the state once.

/// The generator's state.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next state.
    pub fn next_state(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0
    }

    /// The top 31 bits of the next state.
    pub fn bits31(&mut self) -> u32 {
        (self.next_state() >> 33) as u32
    }

    /// Uniform in [lo, hi), from the top 31 bits.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        self.bits31() as f32 / (1u64 << 31) as f32 * (hi - lo) + lo
    }

    /// Uniform in [-0.5, 0.5), from the top 24 bits (noise added to test tones).
    pub fn centred(&mut self) -> f64 {
        (self.next_state() >> 40) as f64 / (1u64 << 24) as f64 - 0.5
    }
}
