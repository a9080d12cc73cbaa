//! One video file → the frames of one record, through FFmpeg (spec §5.2).
//!
//! Frames are streamed: each selected frame is scaled and encoded (JPEG) or converted (dense)
//! as soon as it is decoded, so a clip never has more than one decoded picture in memory.
//! Only the best video stream is read; audio and other streams are ignored.

use std::path::Path;
use std::sync::Once;

use converters_common::ItemError;
use ffmpeg_next as ffmpeg;
use ffmpeg::format::Pixel;
use ffmpeg::media::Type;
use ffmpeg::software::scaling;
use formats::example::Frames;

pub use crate::backend::{Clip, ClipInfo};
use crate::options::{uniform_indices, CheckedVideoOptions, FrameSelection, ScaleFilter, VideoStorage};

/// Installs FFmpeg as this process's video decoder ([`crate::backend`]).
pub fn install() {
    crate::backend::install(crate::backend::Decoder { probe, read_clip });
}

fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Registration cannot fail on FFmpeg ≥ 4; errors show up when a file is opened.
        let _ = ffmpeg::init();
        // Problems are reported per file by this crate; FFmpeg's own log would interleave.
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
    });
}

struct Opened {
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Video,
    time_base: f64,
    start: i64,
    frame_period: f64,
}

fn open(path: &Path) -> Result<Opened, ItemError> {
    init();
    let fail = |r: String| ItemError::new(path, r);
    let len = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?.len();
    if len == 0 {
        return Err(fail("empty file (0 bytes)".into()));
    }
    let input = ffmpeg::format::input(path).map_err(|e| fail(format!("not a readable video container: {e}")))?;
    let (stream, params, time_base, start, rate) = {
        let s = input.streams().best(Type::Video).ok_or_else(|| fail("no video stream".into()))?;
        (s.index(), s.parameters(), s.time_base(), s.start_time(), s.avg_frame_rate())
    };
    let ctx = ffmpeg::codec::Context::from_parameters(params).map_err(|e| fail(format!("unusable video stream parameters: {e}")))?;
    let decoder = ctx.decoder().video().map_err(|e| fail(format!("no decoder for this video codec: {e}")))?;
    let time_base = f64::from(time_base.numerator()) / f64::from(time_base.denominator().max(1));
    let frame_period = if rate.numerator() > 0 && rate.denominator() > 0 {
        f64::from(rate.denominator()) / f64::from(rate.numerator())
    } else {
        1.0 / 25.0 // no rate in the container: assume the common 25 fps for timestamp-less frames
    };
    let start = if start == ffmpeg::ffi::AV_NOPTS_VALUE { 0 } else { start };
    Ok(Opened { input, stream, decoder, time_base, start, frame_period })
}

/// Calls `on_frame(frame, index, seconds)` for every decoded frame of the video stream, in
/// presentation order; `seconds` is the presentation time from the stream start. `on_frame`
/// returns `false` to stop early. Read and decode errors name the frames decoded so far.
fn decode_frames(
    path: &Path,
    opened: &mut Opened,
    mut on_frame: impl FnMut(&ffmpeg::frame::Video, usize, f64) -> Result<bool, ItemError>,
) -> Result<usize, ItemError> {
    let fail = |r: String| ItemError::new(path, r);
    let (start, time_base, period) = (opened.start, opened.time_base, opened.frame_period);
    let mut frame = ffmpeg::frame::Video::empty();
    let mut decoded = 0usize;
    // Receives every frame the decoder has ready; Ok(false) = the caller asked to stop.
    let mut drain = |decoder: &mut ffmpeg::decoder::Video, decoded: &mut usize| -> Result<bool, ItemError> {
        loop {
            match decoder.receive_frame(&mut frame) {
                Ok(()) => {
                    let seconds = frame
                        .timestamp()
                        .map(|ts| (ts - start) as f64 * time_base)
                        .unwrap_or(*decoded as f64 * period);
                    let keep_going = on_frame(&frame, *decoded, seconds)?;
                    *decoded += 1;
                    if !keep_going {
                        return Ok(false);
                    }
                }
                Err(ffmpeg::Error::Eof) => return Ok(true),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => return Ok(true),
                Err(e) => return Err(fail(format!("corrupt video data after {} decoded frame(s): {e}", *decoded))),
            }
        }
    };
    let mut packet = ffmpeg::Packet::empty();
    let mut packets = 0usize;
    loop {
        match packet.read(&mut opened.input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(e) => return Err(fail(format!("truncated or corrupt container after {decoded} decoded frame(s): {e}"))),
        }
        if packet.stream() != opened.stream {
            continue; // audio and other streams are ignored (spec §5.2)
        }
        packets += 1;
        opened
            .decoder
            .send_packet(&packet)
            .map_err(|e| fail(format!("corrupt video packet {packets} (after {decoded} decoded frame(s)): {e}")))?;
        if !drain(&mut opened.decoder, &mut decoded)? {
            return Ok(decoded);
        }
    }
    opened.decoder.send_eof().map_err(|e| fail(format!("cannot flush the decoder: {e}")))?;
    drain(&mut opened.decoder, &mut decoded)?;
    Ok(decoded)
}

/// Number of packets of the video stream (demuxing only): the frame count used to spread
/// `--frames N` uniformly.
fn count_packets(path: &Path) -> Result<usize, ItemError> {
    let mut opened = open(path)?;
    let mut packet = ffmpeg::Packet::empty();
    let mut n = 0usize;
    loop {
        match packet.read(&mut opened.input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => return Ok(n),
            Err(e) => return Err(ItemError::new(path, format!("truncated or corrupt container after {n} video packet(s): {e}"))),
        }
        if packet.stream() == opened.stream {
            n += 1;
        }
    }
}

fn is_gray(format: Pixel) -> bool {
    format.descriptor().is_some_and(|d| d.nb_components() <= 2) && format != Pixel::PAL8
}

/// Size and grayness of a clip, from its first decoded frame.
pub fn probe(path: &Path) -> Result<ClipInfo, ItemError> {
    let mut opened = open(path)?;
    let mut info = None;
    decode_frames(path, &mut opened, |f, _, _| {
        info = Some(ClipInfo { gray: is_gray(f.format()), width: f.width(), height: f.height() });
        Ok(false)
    })?;
    info.ok_or_else(|| ItemError::new(path, "no video frames (0 decoded)"))
}

/// Accumulates the stored frames of one record.
struct FrameWriter {
    storage: VideoStorage,
    quality: u8,
    channels: u8,
    /// `(width, height)` of stored frames, fixed by `--size` or the first frame.
    size: Option<(u32, u32)>,
    flags: scaling::Flags,
    scaler: Option<(scaling::Context, Pixel, u32, u32)>,
    scaled: ffmpeg::frame::Video,
    packed: Vec<u8>,
    jpegs: Vec<Vec<u8>>,
    dense: Vec<f32>,
    count: usize,
}

impl FrameWriter {
    fn push(&mut self, path: &Path, src: &ffmpeg::frame::Video) -> Result<(), ItemError> {
        let fail = |r: String| ItemError::new(path, r);
        let (w, h) = *self.size.get_or_insert((src.width(), src.height()));
        let dst_format = if self.channels == 1 { Pixel::GRAY8 } else { Pixel::RGB24 };
        let key = (src.format(), src.width(), src.height());
        if self.scaler.as_ref().is_none_or(|s| (s.1, s.2, s.3) != key) {
            // A new source size mid-clip is scaled to the record's size: frames of one record
            // must share H×W (spec §7.2 item 15).
            let ctx = scaling::Context::get(key.0, key.1, key.2, dst_format, w, h, self.flags)
                .map_err(|e| fail(format!("cannot convert {:?} {}x{} frames: {e}", key.0, key.1, key.2)))?;
            self.scaler = Some((ctx, key.0, key.1, key.2));
        }
        let scaler = &mut self.scaler.as_mut().expect("set above").0;
        scaler.run(src, &mut self.scaled).map_err(|e| fail(format!("frame {}: scaling failed: {e}", self.count)))?;
        let c = usize::from(self.channels);
        let (wu, hu) = (w as usize, h as usize);
        let stride = self.scaled.stride(0);
        let data = self.scaled.data(0);
        self.packed.clear();
        for y in 0..hu {
            self.packed.extend_from_slice(&data[y * stride..y * stride + wu * c]);
        }
        match self.storage {
            VideoStorage::Compressed => {
                let mut jpeg = Vec::with_capacity(wu * hu * c / 8);
                let colour = if c == 1 { image::ExtendedColorType::L8 } else { image::ExtendedColorType::Rgb8 };
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, self.quality)
                    .encode(&self.packed, w, h, colour)
                    .map_err(|e| fail(format!("frame {}: JPEG encoding failed: {e}", self.count)))?;
                self.jpegs.push(jpeg);
            }
            VideoStorage::Dense => self.dense.extend(self.packed.iter().map(|&v| f32::from(v) / 255.0)),
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Option<(Frames, u32, u32)> {
        let (w, h) = self.size?;
        let frames = match self.storage {
            VideoStorage::Compressed => Frames::Compressed(self.jpegs),
            VideoStorage::Dense => {
                let len = w as usize * h as usize * usize::from(self.channels);
                Frames::dense_uniform(self.dense, len)?
            }
        };
        Some((frames, h, w))
    }
}

fn swscale_flags(f: ScaleFilter) -> scaling::Flags {
    match f {
        ScaleFilter::Nearest => scaling::Flags::POINT,
        ScaleFilter::Bilinear => scaling::Flags::BILINEAR,
        ScaleFilter::Bicubic => scaling::Flags::BICUBIC,
        ScaleFilter::Gauss => scaling::Flags::GAUSS,
        ScaleFilter::Lanczos => scaling::Flags::LANCZOS,
    }
}

enum Pass {
    Done(Clip),
    /// `--frames`: the decoder gave fewer frames than the container has packets.
    FewerFrames(usize),
}

/// Decodes `path` into one record's frames with `channels` (1 or 3) stored channels.
pub fn read_clip(path: &Path, opts: &CheckedVideoOptions, channels: u8) -> Result<Clip, ItemError> {
    let total = match opts.selection {
        FrameSelection::Count(_) => Some(count_packets(path)?),
        _ => None,
    };
    match pass(path, opts, channels, total)? {
        Pass::Done(clip) => Ok(clip),
        Pass::FewerFrames(decoded) => match pass(path, opts, channels, Some(decoded))? {
            Pass::Done(clip) => Ok(clip),
            Pass::FewerFrames(again) => Err(ItemError::new(
                path,
                format!("decodes to a different number of frames on each read ({decoded}, then {again})"),
            )),
        },
    }
}

fn pass(path: &Path, opts: &CheckedVideoOptions, channels: u8, total: Option<usize>) -> Result<Pass, ItemError> {
    if total == Some(0) {
        return Err(ItemError::new(path, "no video frames (the video stream is empty)"));
    }
    let mut opened = open(path)?;
    let mut out = FrameWriter {
        storage: opts.storage,
        quality: opts.jpeg_quality,
        channels,
        size: opts.size.map(|(h, w)| (w, h)),
        flags: swscale_flags(opts.filter),
        scaler: None,
        scaled: ffmpeg::frame::Video::empty(),
        packed: Vec::new(),
        jpegs: Vec::new(),
        dense: Vec::new(),
        count: 0,
    };
    let cap = opts.frame_cap().unwrap_or(usize::MAX);
    let mut capped = false;
    let targets = match (opts.selection, total) {
        (FrameSelection::Count(n), Some(total)) => uniform_indices(total, n),
        _ => Vec::new(),
    };
    let mut next_target = 0usize;
    let mut last_bucket = i64::MIN;
    let decoded = decode_frames(path, &mut opened, |frame, index, seconds| {
        let copies = match opts.selection {
            FrameSelection::All => 1,
            FrameSelection::Fps(fps) => {
                // First frame of each 1/F interval; the epsilon absorbs float error at exact boundaries.
                let bucket = (seconds * fps + 1e-6).floor() as i64;
                if bucket > last_bucket {
                    last_bucket = bucket;
                    1
                } else {
                    0
                }
            }
            FrameSelection::Count(_) => {
                let mut n = 0;
                while next_target < targets.len() && targets[next_target] == index {
                    next_target += 1;
                    n += 1;
                }
                n
            }
        };
        for _ in 0..copies {
            if out.count >= cap {
                capped = true;
                return Ok(false);
            }
            out.push(path, frame)?;
        }
        let more_wanted = !matches!(opts.selection, FrameSelection::Count(_)) || next_target < targets.len();
        Ok(more_wanted)
    })?;
    if decoded == 0 {
        return Err(ItemError::new(path, "no video frames (0 decoded)"));
    }
    if next_target < targets.len() {
        return Ok(Pass::FewerFrames(decoded));
    }
    let (frames, height, width) = out.finish().ok_or_else(|| ItemError::new(path, "no frame selected"))?;
    Ok(Pass::Done(Clip { frames, height, width, decoded, capped }))
}
