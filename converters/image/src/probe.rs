//! Structural checks of JPEG and PNG files without decoding the pixels.
//!
//! The default (compressed) conversion stores JPEG/PNG bytes unchanged (spec §3.3, §5.1), so
//! it must catch broken files cheaply:
//! - **JPEG**: SOI marker; marker segments walked by their lengths up to the first SOS; a
//!   SOFn segment gives height, width and component count (1, 3 or 4); an EOI marker after the
//!   first SOS (entropy-coded data stuffs every `FF` as `FF 00`, so an `FF D9` there is a real
//!   marker: a truncated file has none). Bytes after the EOI are tolerated, as decoders ignore
//!   them. The entropy-coded data itself is walked by [`crate::jpeg_scan`] in the default
//!   conversion (and fully decoded under `--verify`).
//! - **PNG**: signature; IHDR first with non-zero size and a valid bit depth/colour type; every
//!   chunk's length in bounds and CRC-32 correct; at least one IDAT; IEND present.
//!
//! Dimensions come from the header, so the pixel budget (`--max-pixels`) is enforced before
//! anything is decoded.

/// Container kinds the converter distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Jpeg,
    Png,
    /// Anything else the `image` crate can read (BMP, GIF, WebP, TIFF): decoded and re-encoded.
    Other,
}

/// What the header says about an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderInfo {
    pub container: Container,
    pub width: u32,
    pub height: u32,
    /// True when the image has colour channels (JPEG with 3/4 components; PNG RGB, RGBA or
    /// palette). A colour file whose pixels happen to be grey still counts as colour.
    pub colour: bool,
}

/// Guesses the container from the leading bytes.
pub fn sniff(bytes: &[u8]) -> Container {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Container::Jpeg
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Container::Png
    } else {
        Container::Other
    }
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];

/// What the marker segments before the first scan say, for the checks that follow them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegHeader {
    /// The SOFn marker's second byte (0xC0 baseline, 0xC2 progressive, …).
    pub sof: u8,
    /// Sample precision in bits.
    pub precision: u8,
    pub width: u32,
    pub height: u32,
    /// Frame components: (identifier, horizontal, vertical sampling factor).
    pub components: Vec<(u8, u8, u8)>,
    /// Restart interval in MCUs from the last DRI segment (0: no restart markers).
    pub restart_interval: u16,
    /// Huffman tables defined so far, one bit per destination 0–3 (DC, AC); `None` when a DHT
    /// segment could not be read table by table.
    pub huffman_tables: Option<(u8, u8)>,
    /// The first scan header's bytes (after the length field).
    pub scan: Vec<u8>,
    /// Offset of the first byte of entropy-coded data.
    pub data_start: usize,
}

/// Structural check of a JPEG file (module docs).
pub fn check_jpeg(b: &[u8]) -> Result<HeaderInfo, String> {
    let h = jpeg_header(b)?;
    let has_eoi = b[h.data_start..].windows(2).rev().any(|w| w == [0xFF, 0xD9]);
    if !has_eoi {
        return Err("truncated JPEG: no end-of-image marker (EOI) after the image data".into());
    }
    Ok(HeaderInfo { container: Container::Jpeg, width: h.width, height: h.height, colour: h.components.len() >= 3 })
}

/// Walks the marker segments of a JPEG by their lengths up to the end of the first SOS.
pub fn jpeg_header(b: &[u8]) -> Result<JpegHeader, String> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return Err("not a JPEG file (no SOI marker)".into());
    }
    let mut pos = 2;
    let mut sof: Option<JpegHeader> = None;
    let mut restart_interval = 0u16;
    let mut huffman_tables = Some((0u8, 0u8));
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        if pos >= b.len() {
            return Err(format!("truncated JPEG: header ends at byte {pos} before the image data (SOS)"));
        }
        if b[pos] != 0xFF {
            return Err(format!("corrupt JPEG: expected a marker at byte {pos}, found {:#04x}", b[pos]));
        }
        while pos < b.len() && b[pos] == 0xFF {
            pos += 1;
        }
        if pos >= b.len() {
            return Err("truncated JPEG: file ends inside a marker".into());
        }
        let marker = b[pos];
        pos += 1;
        match marker {
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(format!("corrupt JPEG: second SOI marker at byte {}", pos - 2)),
            0xD9 => return Err("corrupt JPEG: EOI before any image data".into()),
            0x00 => return Err(format!("corrupt JPEG: invalid marker 0xFF00 at byte {}", pos - 2)),
            _ => {}
        }
        if pos + 2 > b.len() {
            return Err(format!("truncated JPEG: segment length of marker {marker:#04x} missing"));
        }
        let len = u16::from_be_bytes([b[pos], b[pos + 1]]) as usize;
        if len < 2 {
            return Err(format!("corrupt JPEG: segment length {len} at byte {pos}"));
        }
        if pos + len > b.len() {
            return Err(format!(
                "truncated JPEG: segment {marker:#04x} at byte {} needs {len} bytes, {} remain",
                pos - 2,
                b.len() - pos
            ));
        }
        let seg = &b[pos + 2..pos + len];
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if seg.len() < 6 {
                return Err("corrupt JPEG: SOF segment too short".into());
            }
            let height = u16::from_be_bytes([seg[1], seg[2]]) as u32;
            let width = u16::from_be_bytes([seg[3], seg[4]]) as u32;
            let comps = seg[5];
            if width == 0 || height == 0 {
                return Err(format!("unsupported JPEG: frame size {width}x{height} (DNL-defined heights are not supported)"));
            }
            if !matches!(comps, 1 | 3 | 4) {
                return Err(format!("unsupported JPEG: {comps} colour components"));
            }
            if seg.len() < 6 + 3 * comps as usize {
                return Err("corrupt JPEG: SOF segment too short for its components".into());
            }
            let components = seg[6..6 + 3 * comps as usize].chunks_exact(3).map(|c| (c[0], c[1] >> 4, c[1] & 0x0F)).collect();
            sof = Some(JpegHeader {
                sof: marker,
                precision: seg[0],
                width,
                height,
                components,
                restart_interval: 0,
                huffman_tables: None,
                scan: Vec::new(),
                data_start: 0,
            });
        }
        match marker {
            0xDD if seg.len() == 2 => restart_interval = u16::from_be_bytes([seg[0], seg[1]]),
            0xDD => huffman_tables = None, // an odd DRI: let the decoder judge the file
            0xC4 => huffman_tables = huffman_tables.and_then(|t| define_huffman_tables(seg, t)),
            _ => {}
        }
        pos += len;
        if marker == 0xDA {
            let Some(header) = sof else {
                return Err("corrupt JPEG: image data (SOS) before the frame header (SOF)".into());
            };
            return Ok(JpegHeader { restart_interval, huffman_tables, scan: seg.to_vec(), data_start: pos, ..header });
        }
    }
}

/// The (DC, AC) destination masks after a DHT segment, or `None` when its tables do not fill
/// it exactly (B.2.4.2: class/destination byte, 16 counts, the values).
fn define_huffman_tables(mut seg: &[u8], (mut dc, mut ac): (u8, u8)) -> Option<(u8, u8)> {
    while !seg.is_empty() {
        let (class, dest) = (seg[0] >> 4, seg[0] & 0x0F);
        let counts = seg.get(1..17)?;
        let values: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if dest > 3 || class > 1 || values > 256 {
            return None;
        }
        seg = seg.get(17 + values..)?;
        if class == 0 { dc |= 1 << dest } else { ac |= 1 << dest }
    }
    Some((dc, ac))
}

/// Structural check of a PNG file (module docs).
pub fn check_png(b: &[u8]) -> Result<HeaderInfo, String> {
    if !b.starts_with(PNG_SIGNATURE) {
        return Err("not a PNG file (bad signature)".into());
    }
    let mut pos = PNG_SIGNATURE.len();
    let mut info: Option<HeaderInfo> = None;
    let mut idat = false;
    let mut index = 0usize;
    loop {
        if pos + 12 > b.len() {
            return Err(format!("truncated PNG: file ends at byte {} before the IEND chunk", b.len()));
        }
        let len = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as usize;
        let kind = &b[pos + 4..pos + 8];
        let name = String::from_utf8_lossy(kind).into_owned();
        if len > (1 << 31) - 1 || pos + 12 + len > b.len() {
            return Err(format!(
                "truncated PNG: chunk {name} at byte {pos} needs {} bytes, {} remain",
                len + 12,
                b.len() - pos
            ));
        }
        let data = &b[pos + 8..pos + 8 + len];
        let stored = u32::from_be_bytes(b[pos + 8 + len..pos + 12 + len].try_into().expect("4 bytes"));
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        let computed = h.finalize();
        if stored != computed {
            return Err(format!(
                "corrupt PNG: CRC mismatch in chunk {name} at byte {pos} (stored {stored:#010x}, computed {computed:#010x})"
            ));
        }
        if index == 0 {
            if kind != b"IHDR" || len != 13 {
                return Err("corrupt PNG: first chunk is not a 13-byte IHDR".into());
            }
            let width = u32::from_be_bytes(data[0..4].try_into().expect("4 bytes"));
            let height = u32::from_be_bytes(data[4..8].try_into().expect("4 bytes"));
            let (depth, colour_type) = (data[8], data[9]);
            if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
                return Err(format!("corrupt PNG: image size {width}x{height}"));
            }
            let ok = match colour_type {
                0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
                3 => matches!(depth, 1 | 2 | 4 | 8),
                2 | 4 | 6 => matches!(depth, 8 | 16),
                _ => false,
            };
            if !ok {
                return Err(format!("corrupt PNG: bit depth {depth} with colour type {colour_type}"));
            }
            info = Some(HeaderInfo { container: Container::Png, width, height, colour: matches!(colour_type, 2 | 3 | 6) });
        }
        match kind {
            b"IDAT" => idat = true,
            b"IEND" => {
                if !idat {
                    return Err("corrupt PNG: no IDAT chunk (no image data)".into());
                }
                return Ok(info.expect("IHDR checked at index 0"));
            }
            _ => {}
        }
        pos += 12 + len;
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn png(w: u32, h: u32, colour: bool) -> Vec<u8> {
        let img: image::DynamicImage = if colour {
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7])).into()
        } else {
            image::GrayImage::from_fn(w, h, |x, y| image::Luma([(x + y) as u8])).into()
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img: image::DynamicImage = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 99])).into();
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn png_header_and_dims() {
        let b = png(7, 5, true);
        assert_eq!(sniff(&b), Container::Png);
        let i = check_png(&b).unwrap();
        assert_eq!((i.width, i.height, i.colour), (7, 5, true));
        assert!(!check_png(&png(3, 3, false)).unwrap().colour);
    }

    #[test]
    fn png_truncated_and_bad_crc() {
        let b = png(16, 16, true);
        for cut in [9, 20, 33, b.len() - 12, b.len() - 1] {
            let e = check_png(&b[..cut]).unwrap_err();
            assert!(e.contains("truncated") || e.contains("IHDR"), "cut {cut}: {e}");
        }
        let mut bad = b.clone();
        let n = bad.len();
        bad[n - 20] ^= 0x55; // inside the last IDAT
        assert!(check_png(&bad).unwrap_err().contains("CRC mismatch"));
    }

    #[test]
    fn jpeg_header_and_dims() {
        let b = jpeg(9, 4);
        assert_eq!(sniff(&b), Container::Jpeg);
        let i = check_jpeg(&b).unwrap();
        assert_eq!((i.width, i.height, i.colour), (9, 4, true));
    }

    #[test]
    fn jpeg_truncated_anywhere_is_caught() {
        let b = jpeg(32, 32);
        for cut in (2..b.len()).step_by(37).chain([b.len() - 1]) {
            assert!(check_jpeg(&b[..cut]).is_err(), "cut at {cut} accepted");
        }
        let mut padded = b.clone();
        padded.extend_from_slice(&[0, 0, 0]);
        assert!(check_jpeg(&padded).is_ok());
        assert!(check_jpeg(b"\xFF\xD8\xFF\xE0garbage").is_err());
    }
}
