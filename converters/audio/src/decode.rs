//! Decoding one audio file into a [`Collector`]: symphonia first (wav, flac, mp3, ogg/vorbis,
//! m4a/aac, aiff, caf, mka); when symphonia cannot open the file (NIST SPHERE, opus, wma, …)
//! FFmpeg is tried (cargo feature `ffmpeg`). A file that opens but whose data does not decode
//! is reported, never retried silently.

use std::fs::File;
use std::path::Path;

use converters_common::ItemError;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::window::{Collected, Collector};

/// Builds the collector once the source rate, channel count and (announced) length are known.
pub type MakeCollector<'a> = dyn Fn(u32, usize, Option<u64>) -> Collector + 'a;

/// What the header says, for `--channels keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioInfo {
    pub rate: u32,
    pub channels: usize,
}

enum Outcome<T> {
    Done(T),
    /// symphonia does not know this container or codec: another decoder may.
    NotOpened(String),
}

/// Decodes `path` through `make` (see module docs).
pub fn decode(path: &Path, make: &MakeCollector<'_>) -> Result<Collected, ItemError> {
    check_not_empty(path)?;
    match with_symphonia(path, make)? {
        Outcome::Done(c) => Ok(c),
        Outcome::NotOpened(why) => fallback(path, make, why),
    }
}

/// Rate and channel count from the header (decoding at most the first packet).
pub fn probe(path: &Path) -> Result<AudioInfo, ItemError> {
    let info = std::cell::Cell::new(None);
    let make = |rate: u32, channels: usize, _total: Option<u64>| {
        info.set(Some(AudioInfo { rate, channels }));
        // A zero-length window: the decoder stops after the first packet.
        Collector::new(rate, channels, crate::options::AudioChannels::Keep, Some(1e-9), crate::options::Crop::Start, 0, None)
    };
    // The decode may fail on "no samples" for a header-only file; the header is what counts.
    let result = decode(path, &make);
    match (info.get(), result) {
        (Some(i), _) => Ok(i),
        (None, Err(e)) => Err(e),
        (None, Ok(_)) => Err(ItemError::new(path, "no audio stream")),
    }
}

fn check_not_empty(path: &Path) -> Result<(), ItemError> {
    // Only regular files: a FIFO would block the decoder, a device would never end.
    let len = converters_common::read::regular_file(path).map_err(|why| ItemError::new(path, why))?;
    if len == 0 {
        return Err(ItemError::new(path, "empty file (0 bytes)"));
    }
    Ok(())
}

fn with_symphonia(path: &Path, make: &MakeCollector<'_>) -> Result<Outcome<Collected>, ItemError> {
    let fail = |r: String| ItemError::new(path, r);
    let file = File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = match symphonia::default::get_probe().probe(&hint, mss, FormatOptions::default(), MetadataOptions::default()) {
        Ok(f) => f,
        Err(e) => return Ok(Outcome::NotOpened(format!("not a known audio container ({e})"))),
    };
    let Some(track) = format.default_track(TrackType::Audio) else {
        return Ok(Outcome::NotOpened("no audio track".into()));
    };
    let Some(params) = track.codec_params.as_ref().and_then(|p| p.audio()).cloned() else {
        return Ok(Outcome::NotOpened("no audio codec parameters".into()));
    };
    let (track_id, total) = (track.id, track.num_frames);
    let mut decoder = match symphonia::default::get_codecs().make_audio_decoder(&params, &AudioDecoderOptions::default()) {
        Ok(d) => d,
        Err(e) => return Ok(Outcome::NotOpened(format!("unsupported audio codec ({e})"))),
    };
    let mut collector: Option<Collector> = None;
    let mut buf: Vec<f32> = Vec::new();
    let mut packets = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(fail(format!("truncated: the data ends inside packet {}", packets + 1)))
            }
            Err(e) => return Err(fail(format!("corrupt audio container at packet {}: {e}", packets + 1))),
        };
        if packet.track_id != track_id {
            continue;
        }
        packets += 1;
        let decoded = decoder.decode(&packet).map_err(|e| fail(format!("audio packet {packets} does not decode: {e}")))?;
        if decoded.frames() == 0 {
            continue;
        }
        let spec = decoded.spec();
        let (rate, channels) = (spec.rate(), spec.channels().count());
        let c = collector.get_or_insert_with(|| make(rate, channels, total));
        if channels != c.in_channels() {
            return Err(fail(format!("the channel count changes from {} to {channels} at packet {packets}", c.in_channels())));
        }
        buf.resize(decoded.samples_interleaved(), 0.0);
        decoded.copy_to_slice_interleaved(&mut buf);
        if !c.push(&buf) {
            break;
        }
    }
    match collector {
        Some(c) => Ok(Outcome::Done(c.finish())),
        None => {
            // A valid header without samples: zero-length audio.
            let rate = params.sample_rate.unwrap_or(0);
            let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(1);
            Ok(Outcome::Done(make(rate, channels, Some(0)).finish()))
        }
    }
}

/// A decoder for what symphonia cannot open, installed by the executable ([`install_fallback`]).
pub type Fallback = fn(&Path, &MakeCollector<'_>) -> Result<Collected, ItemError>;

static FALLBACK: std::sync::OnceLock<Fallback> = std::sync::OnceLock::new();

/// Installs the process's fallback decoder (FFmpeg's: [`crate::ffmpeg::install`]); the first
/// installation wins. Executables that do not install one never map FFmpeg (issue 15).
pub fn install_fallback(decoder: Fallback) {
    let _ = FALLBACK.set(decoder);
}

/// Whether a fallback decoder is installed in this process.
pub fn has_fallback() -> bool {
    FALLBACK.get().is_some()
}

fn fallback(path: &Path, make: &MakeCollector<'_>, why: String) -> Result<Collected, ItemError> {
    match FALLBACK.get() {
        Some(decode) => decode(path, make).map_err(|e| ItemError::new(path, format!("symphonia: {why}; FFmpeg: {}", e.reason))),
        None => Err(ItemError::new(path, format!("{why}; this executable has no FFmpeg fallback (cargo feature `ffmpeg`)"))),
    }
}
