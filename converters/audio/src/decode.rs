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

#[cfg(not(feature = "ffmpeg"))]
fn fallback(path: &Path, _make: &MakeCollector<'_>, why: String) -> Result<Collected, ItemError> {
    Err(ItemError::new(path, format!("{why}; this build has no FFmpeg fallback (cargo feature `ffmpeg`)")))
}

#[cfg(feature = "ffmpeg")]
fn fallback(path: &Path, make: &MakeCollector<'_>, why: String) -> Result<Collected, ItemError> {
    with_ffmpeg(path, make).map_err(|e| ItemError::new(path, format!("symphonia: {why}; FFmpeg: {}", e.reason)))
}

#[cfg(feature = "ffmpeg")]
fn with_ffmpeg(path: &Path, make: &MakeCollector<'_>) -> Result<Collected, ItemError> {
    use ffmpeg_next as ffmpeg;
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // Registration cannot fail on FFmpeg ≥ 4; problems show when a file is opened.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
    let fail = |r: String| ItemError::new(path, r);
    let mut input = ffmpeg::format::input(path).map_err(|e| fail(format!("not a readable media file ({e})")))?;
    let (stream, params) = {
        let s = input.streams().best(ffmpeg::media::Type::Audio).ok_or_else(|| fail("no audio stream".into()))?;
        (s.index(), s.parameters())
    };
    let mut decoder = ffmpeg::codec::Context::from_parameters(params)
        .and_then(|c| c.decoder().audio())
        .map_err(|e| fail(format!("no decoder for this audio codec ({e})")))?;
    let mut collector: Option<Collector> = None;
    let mut frame = ffmpeg::frame::Audio::empty();
    let mut buf: Vec<f32> = Vec::new();
    let mut packet = ffmpeg::Packet::empty();
    let mut packets = 0usize;
    let mut done = false;
    // Receives the decoded frames; Ok(false) = the window is complete.
    let mut drain = |decoder: &mut ffmpeg::decoder::Audio, collector: &mut Option<Collector>, packets: usize| -> Result<bool, ItemError> {
        loop {
            match decoder.receive_frame(&mut frame) {
                Ok(()) => {
                    let channels = usize::from(frame.channels()).max(1);
                    interleave(&frame, channels, &mut buf).map_err(|r| fail(format!("packet {packets}: {r}")))?;
                    let c = collector.get_or_insert_with(|| make(frame.rate(), channels, None));
                    if channels != c.in_channels() {
                        return Err(fail(format!("the channel count changes from {} to {channels}", c.in_channels())));
                    }
                    if !c.push(&buf) {
                        return Ok(false);
                    }
                }
                Err(ffmpeg::Error::Eof) => return Ok(true),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => return Ok(true),
                Err(e) => return Err(fail(format!("corrupt audio data after packet {packets}: {e}"))),
            }
        }
    };
    loop {
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => return Err(fail(format!("truncated or corrupt container after {packets} audio packet(s): {e}"))),
        }
        if packet.stream() != stream {
            continue;
        }
        packets += 1;
        decoder.send_packet(&packet).map_err(|e| fail(format!("audio packet {packets} does not decode: {e}")))?;
        if !drain(&mut decoder, &mut collector, packets)? {
            done = true;
            break;
        }
    }
    if !done {
        decoder.send_eof().map_err(|e| fail(format!("cannot flush the decoder: {e}")))?;
        drain(&mut decoder, &mut collector, packets)?;
    }
    match collector {
        Some(c) => Ok(c.finish()),
        None => Ok(make(decoder.rate(), usize::from(decoder.channels()).max(1), Some(0)).finish()),
    }
}

/// The samples of one FFmpeg frame as interleaved floats in [-1, 1] (integer PCM divided by
/// its full scale).
#[cfg(feature = "ffmpeg")]
fn interleave(frame: &ffmpeg_next::frame::Audio, channels: usize, out: &mut Vec<f32>) -> Result<(), String> {
    use ffmpeg_next::format::sample::{Sample, Type};
    let n = frame.samples();
    out.clear();
    out.resize(n * channels, 0.0);
    let (width, planar, convert): (usize, bool, fn(&[u8]) -> f32) = match frame.format() {
        Sample::U8(t) => (1, t == Type::Planar, |b| (f32::from(b[0]) - 128.0) / 128.0),
        Sample::I16(t) => (2, t == Type::Planar, |b| f32::from(i16::from_ne_bytes([b[0], b[1]])) / 32_768.0),
        Sample::I32(t) => (4, t == Type::Planar, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as f32 / 2_147_483_648.0),
        Sample::I64(t) => (8, t == Type::Planar, |b| i64::from_ne_bytes(b[..8].try_into().expect("8 bytes")) as f32 / 9.223_372e18),
        Sample::F32(t) => (4, t == Type::Planar, |b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        Sample::F64(t) => (8, t == Type::Planar, |b| f64::from_ne_bytes(b[..8].try_into().expect("8 bytes")) as f32),
        Sample::None => return Err("decoded frame without a sample format".into()),
    };
    if planar {
        for ch in 0..channels {
            let data = frame.data(ch);
            if data.len() < n * width {
                return Err(format!("channel {ch} holds {} bytes for {n} samples", data.len()));
            }
            for (i, b) in data[..n * width].chunks_exact(width).enumerate() {
                out[i * channels + ch] = convert(b);
            }
        }
    } else {
        let data = frame.data(0);
        if data.len() < n * channels * width {
            return Err(format!("frame holds {} bytes for {n} samples × {channels} channels", data.len()));
        }
        for (o, b) in out.iter_mut().zip(data[..n * channels * width].chunks_exact(width)) {
            *o = convert(b);
        }
    }
    Ok(())
}
