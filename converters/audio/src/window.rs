//! Collects decoded samples: down-mix (or keep channels) and the `--max-seconds` window.
//!
//! When the window's start is known before decoding (crop `start`, or a container that
//! announces its length) only the window is kept and decoding stops after it, so memory is
//! bounded by `--max-seconds` whatever the file length. Otherwise everything is kept and the
//! window is cut at the end.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::options::{AudioChannels, Crop};

/// Samples of one file at its own rate, interleaved.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub rate: u32,
    pub channels: usize,
    pub samples: Vec<f32>,
    /// Frames the decoder produced (before the window).
    pub frames_read: u64,
}

pub struct Collector {
    rate: u32,
    in_channels: usize,
    out_channels: usize,
    /// Window length in frames at the source rate.
    len: Option<u64>,
    /// Window start, when known before decoding.
    start: Option<u64>,
    crop: Crop,
    rng: ChaCha8Rng,
    pos: u64,
    kept: Vec<f32>,
}

/// Seed of one file's random window: the run's seed mixed with the file name (FNV-1a), so the
/// window does not depend on conversion order.
pub fn item_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    seed ^ h
}

impl Collector {
    /// `total` = frames the container announces (trusted only to place the window).
    pub fn new(
        rate: u32,
        in_channels: usize,
        channels: AudioChannels,
        max_seconds: Option<f64>,
        crop: Crop,
        seed: u64,
        total: Option<u64>,
    ) -> Collector {
        let len = max_seconds.map(|s| ((s * f64::from(rate)).round() as u64).max(1));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let start = match (len, crop, total) {
            (None, _, _) | (Some(_), Crop::Start, _) => Some(0),
            (Some(len), crop, Some(total)) => Some(window_start(total, len, crop, &mut rng)),
            (Some(_), _, None) => None,
        };
        let out_channels = match channels {
            AudioChannels::Mono => 1,
            AudioChannels::Keep => in_channels,
        };
        Collector { rate, in_channels, out_channels, len, start, crop, rng, pos: 0, kept: Vec::new() }
    }

    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Adds interleaved frames of `in_channels` samples. Returns `false` once the window is
    /// complete (the caller may stop decoding).
    pub fn push(&mut self, interleaved: &[f32]) -> bool {
        let c = self.in_channels.max(1);
        for frame in interleaved.chunks_exact(c) {
            let inside = match (self.start, self.len) {
                (Some(s), Some(l)) => self.pos >= s && self.pos < s + l,
                _ => true,
            };
            if inside {
                if self.out_channels == 1 && c > 1 {
                    self.kept.push(frame.iter().sum::<f32>() / c as f32);
                } else {
                    self.kept.extend_from_slice(frame);
                }
            }
            self.pos += 1;
        }
        !matches!((self.start, self.len), (Some(s), Some(l)) if self.pos >= s + l)
    }

    pub fn finish(mut self) -> Collected {
        if let (None, Some(len)) = (self.start, self.len) {
            let total = self.pos;
            let start = window_start(total, len, self.crop, &mut self.rng);
            let c = self.out_channels;
            let end = (start + len).min(total);
            self.kept = self.kept[(start as usize * c)..(end as usize * c)].to_vec();
        }
        Collected { rate: self.rate, channels: self.out_channels, samples: self.kept, frames_read: self.pos }
    }
}

fn window_start(total: u64, len: u64, crop: Crop, rng: &mut ChaCha8Rng) -> u64 {
    if total <= len {
        return 0;
    }
    match crop {
        Crop::Start => 0,
        Crop::Center => (total - len) / 2,
        Crop::Random => rng.next_u64() % (total - len + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize) -> Vec<f32> {
        (0..n).map(|i| i as f32).collect()
    }

    #[test]
    fn downmix_and_windows() {
        let mut c = Collector::new(10, 2, AudioChannels::Mono, None, Crop::Start, 0, None);
        assert!(c.push(&[1.0, 3.0, -1.0, 1.0]));
        assert_eq!(c.finish().samples, vec![2.0, 0.0]);

        // start: stops as soon as the window is full
        let mut c = Collector::new(10, 1, AudioChannels::Mono, Some(0.5), Crop::Start, 0, None);
        assert!(!c.push(&ramp(20)));
        assert_eq!(c.finish().samples, ramp(5));

        // center, length known up front or only at the end: same window
        for total in [Some(20), None] {
            let mut c = Collector::new(10, 1, AudioChannels::Mono, Some(0.4), Crop::Center, 0, total);
            c.push(&ramp(20));
            assert_eq!(c.finish().samples, vec![8.0, 9.0, 10.0, 11.0]);
        }

        // random: deterministic per seed, inside the file
        let take = |seed| {
            let mut c = Collector::new(10, 1, AudioChannels::Mono, Some(0.3), Crop::Random, seed, Some(100));
            c.push(&ramp(100));
            c.finish().samples
        };
        assert_eq!(take(7), take(7));
        let w = take(7);
        assert_eq!(w.len(), 3);
        assert_eq!(w[1], w[0] + 1.0);

        // keep channels; shorter than the window: everything
        let mut c = Collector::new(10, 2, AudioChannels::Keep, Some(5.0), Crop::Center, 0, None);
        c.push(&[1.0, 2.0, 3.0, 4.0]);
        let out = c.finish();
        assert_eq!((out.channels, out.samples), (2, vec![1.0, 2.0, 3.0, 4.0]));
    }
}
