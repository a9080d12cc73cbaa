//! Video conversion options, checked once before any work starts.

use converters_common::file_domain::{CheckOptions, Checked};
use converters_common::{ConvertError, Result};

/// `--fps F` / `--frames N`: which decoded frames become record frames.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum FrameSelection {
    /// Every decoded frame, in order (what the reference converter did, spec §5.2).
    #[default]
    All,
    /// At most `F` frames per second of presentation time: the first frame of each `1/F`
    /// interval. A source slower than `F` keeps all its frames (nothing is duplicated).
    Fps(f64),
    /// Exactly `N` frames spread uniformly over the clip: frame `floor((j + ½)·total / N)` for
    /// `j = 0..N`. A clip shorter than `N` frames repeats frames to reach `N`.
    Count(usize),
}

/// `--format`: how frames are stored (spec §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum VideoStorage {
    /// One JPEG per frame (spec §5.2).
    #[default]
    Compressed,
    /// Floats in [0, 1], HWC order; needs `--size`.
    Dense,
}

/// `--channels`: stored channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum VideoChannels {
    /// 1 when every source is grayscale (pixel format without chroma), else 3.
    #[default]
    Auto,
    /// Luma (BT.601 through swscale), never a single colour plane (spec §5.2, the blue-channel bug).
    Gray,
    /// RGB; grayscale sources are expanded to three equal channels.
    Rgb,
}

/// `--filter` mapped onto swscale's scaling algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ScaleFilter {
    Nearest,
    #[default]
    Bilinear,
    Bicubic,
    Gauss,
    Lanczos,
}

/// Default `--jpeg-quality` (the reference used OpenCV's 95; 90 halves the size for video).
pub const DEFAULT_JPEG_QUALITY: u8 = 90;
/// Default frame cap of dense records (a 112×112×3 clip of 512 frames is ~77 MB of floats).
pub const DEFAULT_DENSE_MAX_FRAMES: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VideoOptions {
    pub selection: FrameSelection,
    /// `(height, width)` of stored frames; `None` = the clip's own size.
    pub size: Option<(u32, u32)>,
    pub storage: VideoStorage,
    pub channels: VideoChannels,
    pub filter: ScaleFilter,
    pub jpeg_quality: u8,
    /// Keep at most this many selected frames (the first ones); `None` = no cap
    /// (dense: [`DEFAULT_DENSE_MAX_FRAMES`]).
    pub max_frames: Option<usize>,
    /// Decode every stored JPEG again in the final validation.
    pub deep_validate: bool,
}

impl Default for VideoOptions {
    fn default() -> Self {
        VideoOptions {
            selection: FrameSelection::All,
            size: None,
            storage: VideoStorage::Compressed,
            channels: VideoChannels::Auto,
            filter: ScaleFilter::Bilinear,
            jpeg_quality: DEFAULT_JPEG_QUALITY,
            max_frames: None,
            deep_validate: true,
        }
    }
}

/// [`VideoOptions`] that passed [`CheckOptions::check`].
pub type CheckedVideoOptions = Checked<VideoOptions>;

impl VideoOptions {
    /// The frame cap in force (dense records always have one).
    pub fn frame_cap(&self) -> Option<usize> {
        match (self.max_frames, self.storage) {
            (Some(n), _) => Some(n),
            (None, VideoStorage::Dense) => Some(DEFAULT_DENSE_MAX_FRAMES),
            (None, VideoStorage::Compressed) => None,
        }
    }
}

impl CheckOptions for VideoOptions {
    fn verify(&self) -> Result<()> {
        let bad = |m: String| Err(ConvertError::Options(m));
        match self.selection {
            FrameSelection::Fps(f) if !(f.is_finite() && f > 0.0) => return bad(format!("--fps must be > 0, got {f}")),
            FrameSelection::Count(0) => return bad("--frames must be ≥ 1".into()),
            _ => {}
        }
        if self.storage == VideoStorage::Dense && self.size.is_none() {
            return bad("--format dense needs --size HxW".into());
        }
        if let Some((h, w)) = self.size {
            if h == 0 || w == 0 {
                return bad(format!("--size {h}x{w}: both sides must be ≥ 1"));
            }
            // JPEG cannot hold more than 65535 pixels per side.
            if h > 65_535 || w > 65_535 {
                return bad(format!("--size {h}x{w}: at most 65535 per side"));
            }
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return bad(format!("--jpeg-quality must be in 1..=100, got {}", self.jpeg_quality));
        }
        if self.max_frames == Some(0) {
            return bad("--max-frames must be ≥ 1".into());
        }
        if let (FrameSelection::Count(n), Some(cap)) = (self.selection, self.max_frames) {
            if n > cap {
                return bad(format!("--frames {n} exceeds --max-frames {cap}"));
            }
        }
        Ok(())
    }
}

/// File extensions the video converter reads (case-insensitive).
pub const EXTENSIONS: &[&str] = &["avi", "mp4", "m4v", "mkv", "mov", "webm", "mpg", "mpeg", "wmv", "flv", "ogv", "3gp", "ts"];

/// Output positions of [`FrameSelection::Count`]: the source frame index of each of the `n`
/// record frames, non-decreasing.
pub fn uniform_indices(total: usize, n: usize) -> Vec<usize> {
    (0..n).map(|j| (((2 * j + 1) * total) / (2 * n)).min(total.saturating_sub(1))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use converters_common::file_domain::FileDomain;

    #[test]
    fn uniform_selection() {
        assert_eq!(uniform_indices(10, 5), vec![1, 3, 5, 7, 9]);
        assert_eq!(uniform_indices(10, 1), vec![5]);
        // A clip shorter than N repeats frames, in order, to reach N.
        assert_eq!(uniform_indices(3, 6), vec![0, 0, 1, 1, 2, 2]);
        assert_eq!(uniform_indices(7, 7), (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn checks() {
        assert!(VideoOptions::default().check().is_ok());
        assert!(VideoOptions { storage: VideoStorage::Dense, ..Default::default() }.check().is_err());
        assert!(VideoOptions { selection: FrameSelection::Fps(0.0), ..Default::default() }.check().is_err());
        assert!(VideoOptions { selection: FrameSelection::Count(0), ..Default::default() }.check().is_err());
        assert!(VideoOptions { jpeg_quality: 0, ..Default::default() }.check().is_err());
        let dense = VideoOptions { storage: VideoStorage::Dense, size: Some((8, 8)), ..Default::default() }.check().unwrap();
        assert_eq!(dense.frame_cap(), Some(DEFAULT_DENSE_MAX_FRAMES));
        assert!(VideoOptions { selection: FrameSelection::Count(9), max_frames: Some(4), ..Default::default() }.check().is_err());
        assert!(crate::Video::accepts(std::path::Path::new("x/A.AVI")));
        assert!(!crate::Video::accepts(std::path::Path::new("x/a.wav")));
    }
}
