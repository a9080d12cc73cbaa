//! One audio file → one record's frames (spec §5.3): decode, down-mix, window, resample,
//! reject silent-only and zero-length files.

use std::path::Path;

use converters_common::ItemError;
use formats::example::Frames;

use crate::decode::decode;
use crate::options::CheckedAudioOptions;
use crate::resample::resample;
use crate::window::{item_seed, Collector};

/// One converted file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedAudio {
    /// `T` frames of `channels` floats in [-1, 1] at the output rate.
    pub frames: Frames,
    pub channels: usize,
    /// The source's rate and length in seconds (before the window).
    pub source_rate: u32,
    pub source_seconds: f64,
    /// Seconds stored.
    pub seconds: f64,
}

/// Source rates accepted: below, a file is taken for a broken header (telephony is 8 kHz,
/// the slowest bio-acoustic loggers 1 kHz); above, for a rate no audio interface records.
pub const MIN_SOURCE_RATE: u32 = 1_000;
pub const MAX_SOURCE_RATE: u32 = 768_000;

/// Converts `path`; `name` (the input's name in its listing) seeds the random crop.
pub fn convert_audio(path: &Path, name: &str, opts: &CheckedAudioOptions) -> Result<ConvertedAudio, ItemError> {
    let seed = item_seed(opts.seed, name);
    let make = |rate: u32, channels: usize, total: Option<u64>| {
        Collector::new(rate, channels, opts.channels, opts.max_seconds, opts.crop, seed, total)
    };
    let collected = decode(path, &make)?;
    let fail = |r: String| ItemError::new(path, r);
    if collected.samples.is_empty() {
        return Err(fail("zero-length audio: no samples".into()));
    }
    if collected.rate == 0 {
        return Err(fail("the stream has no sample rate".into()));
    }
    if !(MIN_SOURCE_RATE..=MAX_SOURCE_RATE).contains(&collected.rate) {
        // The resampler's work and memory grow with the rate ratio: 1 Hz → 16 kHz cost 865 MB.
        return Err(fail(format!(
            "sample rate {} Hz outside {MIN_SOURCE_RATE}..={MAX_SOURCE_RATE} Hz: not a usable recording",
            collected.rate
        )));
    }
    if let Some(at) = collected.samples.iter().position(|v| !v.is_finite()) {
        let c = collected.channels.max(1);
        return Err(fail(format!("non-finite sample ({}) at frame {} channel {}", collected.samples[at], at / c, at % c)));
    }
    let c = collected.channels.max(1);
    let mut samples = resample(&collected.samples, c, collected.rate, opts.sample_rate).map_err(fail)?;
    if let Some(max) = opts.max_seconds {
        let frames = (max * f64::from(opts.sample_rate)).floor().max(1.0) as usize;
        samples.truncate(frames * c);
    }
    // Resampling can overshoot full scale by a hair (Gibbs ripple); the stored range is [-1, 1].
    let mut peak = 0f32;
    for s in &mut samples {
        *s = s.clamp(-1.0, 1.0);
        peak = peak.max(s.abs());
    }
    if samples.is_empty() {
        return Err(fail("zero-length audio: no samples after resampling".into()));
    }
    if peak <= opts.silence_peak() {
        let db = if peak > 0.0 { format!("{:.1} dBFS", 20.0 * f64::from(peak).log10()) } else { "digital silence".into() };
        return Err(fail(format!("silent-only audio: peak {db}, at or below --silence-db {}", opts.silence_db)));
    }
    let frames_out = samples.len() / c;
    let frames = Frames::dense_uniform(samples, c).ok_or_else(|| fail("internal: sample count not a multiple of the channels".into()))?;
    Ok(ConvertedAudio {
        frames,
        channels: c,
        source_rate: collected.rate,
        source_seconds: collected.frames_read as f64 / f64::from(collected.rate),
        seconds: frames_out as f64 / f64::from(opts.sample_rate),
    })
}
