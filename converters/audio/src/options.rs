//! Audio conversion options, checked once before any work starts.

use converters_common::file_domain::{CheckOptions, Checked};
use converters_common::{ConvertError, Result};

/// `--channels`: what happens to multi-channel files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum AudioChannels {
    /// Average of all channels (spec §7.2 item 13: the reference crashed on stereo).
    #[default]
    Mono,
    /// Keep every channel (`num_channels` = C, HWC frames of C floats); all files of the
    /// dataset must then have the same channel count.
    Keep,
}

/// `--crop`: which part of a file longer than `--max-seconds` is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Crop {
    /// The beginning (decoding stops once it is read).
    #[default]
    Start,
    /// The middle.
    Center,
    /// A window at a random offset, seeded by `--seed` and the file's name (same input + seed
    /// ⇒ same window).
    Random,
}

/// Default `--sample-rate`: the rate the challenge baseline assumed (spec §5.3).
pub const DEFAULT_SAMPLE_RATE: u32 = 16_000;
/// Default `--silence-db`: a file whose peak stays below −60 dBFS is silent-only.
pub const DEFAULT_SILENCE_DB: f64 = -60.0;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AudioOptions {
    /// Output sample rate in Hz.
    pub sample_rate: u32,
    pub channels: AudioChannels,
    /// Keep at most this many seconds per file.
    pub max_seconds: Option<f64>,
    pub crop: Crop,
    /// Seed of `Crop::Random`.
    pub seed: u64,
    /// Peak level (dBFS) at or below which a file counts as silent-only and is reported.
    pub silence_db: f64,
}

impl Default for AudioOptions {
    fn default() -> Self {
        AudioOptions {
            sample_rate: DEFAULT_SAMPLE_RATE,
            channels: AudioChannels::Mono,
            max_seconds: None,
            crop: Crop::Start,
            seed: 42,
            silence_db: DEFAULT_SILENCE_DB,
        }
    }
}

/// [`AudioOptions`] that passed [`CheckOptions::check`].
pub type CheckedAudioOptions = Checked<AudioOptions>;

impl AudioOptions {
    /// Linear peak amplitude of `silence_db`.
    pub fn silence_peak(&self) -> f32 {
        10f64.powf(self.silence_db / 20.0) as f32
    }
}

impl CheckOptions for AudioOptions {
    fn verify(&self) -> Result<()> {
        let bad = |m: String| Err(ConvertError::Options(m));
        if !(1_000..=384_000).contains(&self.sample_rate) {
            return bad(format!("--sample-rate must be in 1000..=384000 Hz, got {}", self.sample_rate));
        }
        if let Some(s) = self.max_seconds {
            if !(s.is_finite() && s > 0.0) {
                return bad(format!("--max-seconds must be > 0, got {s}"));
            }
            if s * f64::from(self.sample_rate) < 1.0 {
                return bad(format!("--max-seconds {s} keeps no sample at {} Hz", self.sample_rate));
            }
        }
        if !(self.silence_db.is_finite() || self.silence_db == f64::NEG_INFINITY) || self.silence_db > 0.0 {
            return bad(format!("--silence-db must be ≤ 0 dBFS, got {}", self.silence_db));
        }
        Ok(())
    }
}

/// File extensions the audio converter reads (case-insensitive). symphonia handles wav, flac,
/// mp3, ogg/vorbis, m4a/aac, aiff, caf, mka; FFmpeg everything else (NIST SPHERE `.sph`, opus, …).
pub const EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "mp3", "ogg", "oga", "opus", "m4a", "aac", "aif", "aiff", "caf", "mka", "sph", "nist", "au", "wma",
];

#[cfg(test)]
mod tests {
    use super::*;
    use converters_common::file_domain::FileDomain;

    #[test]
    fn checks() {
        let ok = AudioOptions::default().check().unwrap();
        assert!((ok.silence_peak() - 0.001).abs() < 1e-6);
        assert!(AudioOptions { sample_rate: 10, ..Default::default() }.check().is_err());
        assert!(AudioOptions { max_seconds: Some(0.0), ..Default::default() }.check().is_err());
        assert!(AudioOptions { max_seconds: Some(f64::NAN), ..Default::default() }.check().is_err());
        assert!(AudioOptions { silence_db: 3.0, ..Default::default() }.check().is_err());
        assert!(AudioOptions { silence_db: f64::NEG_INFINITY, ..Default::default() }.check().is_ok());
        assert!(crate::Audio::accepts(std::path::Path::new("a/B.SPH")));
        assert!(!crate::Audio::accepts(std::path::Path::new("a/b.avi")));
    }
}
