//! The video decoder an executable installs. The FFmpeg one ([`crate::decode::install`], cargo
//! feature `ffmpeg`) is installed only by executables that want FFmpeg mapped (issue 15):
//! `autodl-format` starts without it and hands video to `autodl-format-train`, so the crate's
//! conversion code reaches the decoder through this table rather than by name.

use std::path::Path;
use std::sync::OnceLock;

use converters_common::ItemError;
use formats::example::Frames;

use crate::options::CheckedVideoOptions;

/// What the channel choice needs to know about a clip before conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipInfo {
    /// The decoded pixel format has no chroma (gray, gray + alpha).
    pub gray: bool,
    pub width: u32,
    pub height: u32,
}

/// The frames of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub frames: Frames,
    pub height: u32,
    pub width: u32,
    /// Frames decoded from the source (before selection).
    pub decoded: usize,
    /// Selected frames were dropped by the frame cap.
    pub capped: bool,
}

/// A video decoder: header facts of a clip, and one clip → the frames of one record with
/// `channels` (1 or 3) stored channels.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    pub probe: fn(&Path) -> Result<ClipInfo, ItemError>,
    pub read_clip: fn(&Path, &CheckedVideoOptions, u8) -> Result<Clip, ItemError>,
}

static DECODER: OnceLock<Decoder> = OnceLock::new();

/// Installs the process's video decoder (the first installation wins).
pub fn install(decoder: Decoder) {
    let _ = DECODER.set(decoder);
}

/// The installed decoder, if any.
pub fn installed() -> Option<&'static Decoder> {
    DECODER.get()
}

/// Why a video cannot be converted in this process.
pub const NO_DECODER: &str = "no video decoder in this executable: video is converted by a build with FFmpeg \
(cargo feature `ffmpeg`; `autodl-format` hands it to `autodl-format-train`)";

/// Before any work on video: the installed decoder, or the options error that says it is
/// missing.
pub fn require() -> Result<&'static Decoder, converters_common::ConvertError> {
    installed().ok_or_else(|| converters_common::ConvertError::Options(NO_DECODER.into()))
}

/// The installed decoder, or the item error a clip gets without one.
pub(crate) fn decoder(path: &Path) -> Result<&'static Decoder, ItemError> {
    installed().ok_or_else(|| ItemError::new(path, NO_DECODER))
}
