//! One image file → one record's frame (spec §5.1).

use std::io::Cursor;
use std::path::Path;

use converters_common::ItemError;
use image::{ColorType, DynamicImage, ImageFormat, ImageReader, Limits};

use crate::jpeg_scan::{walk_scan, Unvouched};
use crate::options::{CheckedImageOptions, Storage};
use crate::probe::{check_jpeg, check_png, sniff, Container};
use formats::validate_decode::{decode_frame, decode_header, MAX_DEEP_DECODE_BYTES};

/// The converted pixels of one image.
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    /// A whole JPEG or PNG file.
    Encoded(Vec<u8>),
    /// `height × width × channels` floats in [0, 1], HWC order.
    Dense(Vec<f32>),
}

/// One converted image and what the metadata needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedImage {
    pub pixels: Pixels,
    /// Size of the stored frame (the original size in compressed mode).
    pub height: u32,
    pub width: u32,
    /// The source has colour channels.
    pub colour: bool,
}

/// Reads what is needed to choose `--channels auto` in dense mode: whether the file has
/// colour, from its header only.
pub fn header_colour(path: &Path) -> Result<bool, ItemError> {
    let bytes = read(path)?;
    match sniff(&bytes) {
        Container::Jpeg => check_jpeg(&bytes).map(|i| i.colour).map_err(|r| ItemError::new(path, r)),
        Container::Png => check_png(&bytes).map(|i| i.colour).map_err(|r| ItemError::new(path, r)),
        Container::Other => {
            let decoder = ImageReader::new(Cursor::new(&bytes))
                .with_guessed_format()
                .map_err(|e| ItemError::new(path, format!("cannot read: {e}")))?
                .into_decoder()
                .map_err(|e| ItemError::new(path, format!("not a readable image: {e}")))?;
            Ok(has_colour(image::ImageDecoder::color_type(&decoder)))
        }
    }
}

/// Converts one file. `dense_channels` (1 or 3) is used in dense mode only.
pub fn convert_image(path: &Path, opts: &CheckedImageOptions, dense_channels: usize) -> Result<ConvertedImage, ItemError> {
    let fail = |reason: String| ItemError::new(path, reason);
    let bytes = read(path)?;
    if bytes.is_empty() {
        return Err(fail("empty file (0 bytes)".into()));
    }
    let container = sniff(&bytes);
    // Header facts first: the pixel budget is enforced before anything is decoded.
    let (width, height, header_colour) = match container {
        Container::Jpeg => check_jpeg(&bytes).map(|i| (i.width, i.height, Some(i.colour))).map_err(fail)?,
        Container::Png => check_png(&bytes).map(|i| (i.width, i.height, Some(i.colour))).map_err(fail)?,
        Container::Other => {
            let (w, h) = reader(&bytes, path)?
                .into_dimensions()
                .map_err(|e| fail(format!("not a readable image: {e}")))?;
            (w, h, None)
        }
    };
    let pixels = u64::from(width) * u64::from(height);
    if pixels > opts.max_pixels {
        return Err(fail(format!(
            "{width}x{height} image = {pixels} pixels exceeds --max-pixels {} (not decoded)",
            opts.max_pixels
        )));
    }
    match opts.storage {
        Storage::Compressed => match (container, header_colour) {
            (Container::Jpeg | Container::Png, Some(colour)) => {
                if opts.verify {
                    // the bounds of `validate --deep` first: at most MAX_DEEP_DECODE_BYTES of pixels
                    decode_header(&bytes).map_err(|e| fail(format!("not decodable: {e}")))?;
                    decode(&bytes, path, width, height)?;
                } else {
                    deep_check_without_pixels(&bytes, container).map_err(fail)?;
                }
                Ok(ConvertedImage { pixels: Pixels::Encoded(bytes), height, width, colour })
            }
            _ => {
                // re-encoded as PNG, which `validate --deep` decodes within its bounds
                decode_header(&bytes).map_err(|e| fail(format!("not decodable: {e}")))?;
                let img = decode(&bytes, path, width, height)?;
                let colour = has_colour(img.color());
                let png = encode_png(img).map_err(|e| fail(format!("cannot re-encode as PNG: {e}")))?;
                Ok(ConvertedImage { pixels: Pixels::Encoded(png), height, width, colour })
            }
        },
        Storage::Dense => {
            let img = decode(&bytes, path, width, height)?;
            let colour = has_colour(img.color());
            let (h, w) = opts.size.expect("checked options: dense has a size");
            let filter = opts.filter.to_image();
            let rgb = img.to_rgb8();
            let values: Vec<f32> = if dense_channels == 1 {
                // Same BT.601 weights as the reader's grayscale decode (formats::example).
                let gray = image::GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
                    let [r, g, b] = rgb.get_pixel(x, y).0;
                    image::Luma([((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8])
                });
                let gray = if (gray.width(), gray.height()) == (w, h) { gray } else { image::imageops::resize(&gray, w, h, filter) };
                gray.into_raw().into_iter().map(|v| f32::from(v) / 255.0).collect()
            } else {
                let rgb = if (rgb.width(), rgb.height()) == (w, h) { rgb } else { image::imageops::resize(&rgb, w, h, filter) };
                rgb.into_raw().into_iter().map(|v| f32::from(v) / 255.0).collect()
            };
            Ok(ConvertedImage { pixels: Pixels::Dense(values), height: h, width: w, colour })
        }
    }
}

/// Larger image files are refused before reading (the biggest real photo formats stay far below).
const MAX_IMAGE_FILE_BYTES: u64 = 1 << 30;

fn read(path: &Path) -> Result<Vec<u8>, ItemError> {
    converters_common::read::read_bounded(path, MAX_IMAGE_FILE_BYTES)
}

fn reader<'a>(bytes: &'a [u8], path: &Path) -> Result<ImageReader<Cursor<&'a [u8]>>, ItemError> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ItemError::new(path, format!("cannot read: {e}")))
}

/// Full decode, with the decoder's allocations bounded by the header size already checked.
fn decode(bytes: &[u8], path: &Path, width: u32, height: u32) -> Result<DynamicImage, ItemError> {
    let mut r = reader(bytes, path)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // 16 bytes per pixel covers RGBA f32, the widest decoded layout.
    limits.max_alloc = Some((u64::from(width) * u64::from(height) * 16).max(1 << 20));
    r.limits(limits);
    let img = r.decode().map_err(|e| ItemError::new(path, format!("does not decode: {e}")))?;
    if (img.width(), img.height()) != (width, height) {
        return Err(ItemError::new(
            path,
            format!("decodes to {}x{} but the header says {width}x{height}", img.width(), img.height()),
        ));
    }
    Ok(img)
}

/// What `validate --deep` would refuse in a JPEG/PNG stored as is, found without holding its
/// pixels when the file allows (issue 22, item 10): the decoder's header pass with the deep
/// size bounds (coding process, tables, colour type); for PNG every row inflated and unfiltered
/// one at a time; for JPEG a walk of the entropy-coded data by its markers ([`walk_scan`]),
/// and the full decode of `validate --deep` for any file the walk does not vouch for.
pub fn deep_check_without_pixels(bytes: &[u8], container: Container) -> Result<(), String> {
    decode_header(bytes).map_err(|e| format!("not decodable: {e}"))?;
    match container {
        Container::Png => png_rows(bytes).map_err(|e| format!("PNG image data does not decode: {e}"))?,
        Container::Jpeg => {
            match walk_scan(bytes) {
                Ok(()) => {}
                Err(Unvouched::Shape(_)) => {
                    decode_frame(bytes).map_err(|e| format!("JPEG image data does not decode: {e}"))?;
                }
                Err(Unvouched::Data(found)) => {
                    decode_frame(bytes).map_err(|e| format!("JPEG image data does not decode ({found}): {e}"))?;
                }
            }
        }
        Container::Other => {}
    }
    Ok(())
}

/// Decodes a PNG row by row as the `image` crate does (same `EXPAND` transformation), keeping
/// one row (the decoder's own buffers bounded by [`MAX_DEEP_DECODE_BYTES`]).
fn png_rows(bytes: &[u8]) -> Result<(), png::DecodingError> {
    let limits = png::Limits { bytes: MAX_DEEP_DECODE_BYTES as usize };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info()?;
    while reader.next_row()?.is_some() {}
    Ok(())
}

fn has_colour(c: ColorType) -> bool {
    !matches!(c, ColorType::L8 | ColorType::La8 | ColorType::L16 | ColorType::La16)
}

/// PNG of the decoded image, in a colour type PNG can hold (float layouts become 8-bit).
fn encode_png(img: DynamicImage) -> image::ImageResult<Vec<u8>> {
    let img = match img.color() {
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8 | ColorType::L16 | ColorType::La16 | ColorType::Rgb16 | ColorType::Rgba16 => img,
        c if c.has_alpha() => DynamicImage::ImageRgba8(img.to_rgba8()),
        _ => DynamicImage::ImageRgb8(img.to_rgb8()),
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}
