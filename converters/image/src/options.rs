//! Image conversion options, checked once before any work starts.

use converters_common::file_domain::{CheckOptions, Checked};
use converters_common::{ConvertError, Result};

/// `--format`: how pixels are stored (spec §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// One encoded image per record: JPEG/PNG bytes unchanged, other formats re-encoded as PNG.
    #[default]
    Compressed,
    /// Decoded, resized to `--size HxW`, floats in [0, 1], HWC order.
    Dense,
}

/// `--filter`: the resize kernel of dense mode (the `image` crate's filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResizeFilter {
    Nearest,
    #[default]
    Triangle,
    CatmullRom,
    Gaussian,
    Lanczos3,
}

impl ResizeFilter {
    pub fn to_image(self) -> image::imageops::FilterType {
        use image::imageops::FilterType as F;
        match self {
            ResizeFilter::Nearest => F::Nearest,
            ResizeFilter::Triangle => F::Triangle,
            ResizeFilter::CatmullRom => F::CatmullRom,
            ResizeFilter::Gaussian => F::Gaussian,
            ResizeFilter::Lanczos3 => F::Lanczos3,
        }
    }
}

/// `--channels` (plans and recipes write `auto`, `1`, `3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Channels {
    /// 3 when any image has colour, else 1.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "1")]
    Gray,
    #[serde(rename = "3")]
    Rgb,
}

/// Default `--max-pixels`: 64 Mpx (an 8k × 8k image).
pub const DEFAULT_MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// Options as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageOptions {
    pub storage: Storage,
    /// `(height, width)` of dense frames.
    pub size: Option<(u32, u32)>,
    pub filter: ResizeFilter,
    pub channels: Channels,
    /// Fully decode every JPEG/PNG instead of the structural check only.
    pub verify: bool,
    /// Images with more pixels than this (read from the header) are refused undecoded.
    pub max_pixels: u64,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            storage: Storage::Compressed,
            size: None,
            filter: ResizeFilter::default(),
            channels: Channels::Auto,
            verify: false,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// [`ImageOptions`] that passed [`CheckOptions::check`]: dense mode has a size, compressed
/// mode has none.
pub type CheckedImageOptions = Checked<ImageOptions>;

impl CheckOptions for ImageOptions {
    fn verify(&self) -> Result<()> {
        match (self.storage, self.size) {
            (Storage::Dense, None) => return Err(ConvertError::Options("--format dense needs --size HxW".into())),
            (Storage::Compressed, Some(_)) => {
                return Err(ConvertError::Options("--size applies to --format dense only (compressed keeps the original size)".into()))
            }
            (Storage::Dense, Some((h, w))) if h == 0 || w == 0 => {
                return Err(ConvertError::Options(format!("--size {h}x{w}: both sides must be ≥ 1")))
            }
            (Storage::Dense, Some((h, w))) if u64::from(h) * u64::from(w) > self.max_pixels => {
                return Err(ConvertError::Options(format!("--size {h}x{w} exceeds --max-pixels {}", self.max_pixels)))
            }
            _ => {}
        }
        if self.max_pixels == 0 {
            return Err(ConvertError::Options("--max-pixels must be ≥ 1".into()));
        }
        Ok(())
    }
}

/// Parses `HxW` (e.g. `32x32`, `224X224`).
pub fn parse_size(s: &str) -> std::result::Result<(u32, u32), String> {
    let (h, w) = s
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("size {s:?} is not HxW (e.g. 32x32)"))?;
    let h: u32 = h.trim().parse().map_err(|_| format!("height {h:?} is not a positive integer"))?;
    let w: u32 = w.trim().parse().map_err(|_| format!("width {w:?} is not a positive integer"))?;
    if h == 0 || w == 0 {
        return Err(format!("size {s:?}: both sides must be ≥ 1"));
    }
    Ok((h, w))
}

/// File extensions the image converter reads (case-insensitive).
pub const EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff"];

#[cfg(test)]
mod tests {
    use super::*;
    use converters_common::file_domain::FileDomain;

    #[test]
    fn sizes_and_checks() {
        assert_eq!(parse_size("32x48").unwrap(), (32, 48));
        assert!(parse_size("32").is_err());
        assert!(parse_size("0x3").is_err());
        let dense = ImageOptions { storage: Storage::Dense, ..Default::default() };
        assert!(dense.check().is_err());
        assert!(ImageOptions { size: Some((2, 3)), ..dense }.check().is_ok());
        assert!(ImageOptions { size: Some((2, 3)), ..Default::default() }.check().is_err());
        assert!(crate::Image::accepts(std::path::Path::new("a/B.JPG")));
        assert!(!crate::Image::accepts(std::path::Path::new("a/b.txt")));
    }
}
