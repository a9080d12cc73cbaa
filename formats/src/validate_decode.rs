//! The decode check of `validate --deep` for compressed (JPEG/PNG/…) frames, shared with the
//! image converter so that a file it accepts is one deep validation accepts (issue 22, item 10).
//!
//! Two steps: [`decode_header`] reads only the header through the same decoder (size, colour
//! type, supported coding process, tables) and applies the size bounds; [`decode_frame`] then
//! decodes every pixel within those bounds.

use crate::example::MAX_IMAGE_PIXELS;

/// Most bytes one frame may decode to under `--deep` (issue 9): 8-bit RGB at
/// [`MAX_IMAGE_PIXELS`]. A 2^26-pixel RGBA16 header would otherwise ask for 512 MiB; with this
/// bound `validate --deep` peaks near 370 MB (binary ~175 MB + one frame), under 512 MB.
pub const MAX_DEEP_DECODE_BYTES: u64 = 3 * MAX_IMAGE_PIXELS;

/// What the decoder's header pass says about a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub width: u32,
    pub height: u32,
    /// Bytes the full decode allocates for the pixels.
    pub decoded_bytes: u64,
}

fn reader(bytes: &[u8]) -> Result<image::ImageReader<std::io::Cursor<&[u8]>>, String> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())
}

/// The header pass of [`decode_frame`]: the decoder reads everything before the pixel data;
/// a frame over [`MAX_IMAGE_PIXELS`] or [`MAX_DEEP_DECODE_BYTES`] is refused here.
pub fn decode_header(bytes: &[u8]) -> Result<FrameHeader, String> {
    use image::ImageDecoder;
    let header = reader(bytes)?.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = header.dimensions();
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(format!("{w}×{h} image exceeds the {MAX_IMAGE_PIXELS}-pixel limit"));
    }
    let needed = header.total_bytes();
    if needed > MAX_DEEP_DECODE_BYTES {
        return Err(format!(
            "{w}×{h} {:?} image would decode to {needed} bytes, over the {MAX_DEEP_DECODE_BYTES}-byte limit of deep validation",
            header.color_type()
        ));
    }
    Ok(FrameHeader { width: w, height: h, decoded_bytes: needed })
}

/// Fully decodes one image file (pixel limit of [`MAX_IMAGE_PIXELS`], decoded-size limit of
/// [`MAX_DEEP_DECODE_BYTES`]); returns (width, height).
pub fn decode_frame(bytes: &[u8]) -> Result<(u32, u32), String> {
    let FrameHeader { width: w, height: h, .. } = decode_header(bytes)?;
    let mut r = reader(bytes)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    // Also bounds what the decoder allocates beside the output buffer.
    limits.max_alloc = Some(MAX_DEEP_DECODE_BYTES);
    r.limits(limits);
    let img = r.decode().map_err(|e| e.to_string())?;
    Ok((img.width(), img.height()))
}
