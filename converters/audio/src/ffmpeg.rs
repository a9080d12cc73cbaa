//! FFmpeg as the fallback decoder of [`crate::decode`] (cargo feature `ffmpeg`), for what
//! symphonia cannot open (NIST SPHERE, opus, wma, …). Installed by the executable
//! ([`install`]), so a binary that never installs it does not map FFmpeg.

use std::path::Path;

use converters_common::ItemError;

use crate::decode::MakeCollector;
use crate::window::{Collected, Collector};

/// Installs FFmpeg as this process's fallback audio decoder.
pub fn install() {
    crate::decode::install_fallback(with_ffmpeg);
}

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
