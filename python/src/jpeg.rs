//! JPEG frames through libjpeg-turbo's decoder (vendored by mozjpeg-sys): the decoder behind
//! TensorFlow's `decode_image`, so the reference reader's pixels come out bit for bit: TF's
//! default IFAST IDCT (its `dct_method=""`), fancy upsampling, libjpeg's own grayscale output.

use std::io;

/// `(height, width, pixels)` with `channels` (1, 3 or 4) interleaved bytes per pixel, or None
/// when the bytes are not a JPEG this decoder accepts; the caller then takes the pure-Rust path,
/// which also words the error for a broken file.
pub fn decode(bytes: &[u8], channels: usize) -> Option<(usize, usize, Vec<u8>)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    // libjpeg errors unwind (mozjpeg's error manager, no panic message); they are caught here.
    let decoded = std::panic::catch_unwind(|| -> io::Result<(usize, usize, Vec<u8>)> {
        let mut d = mozjpeg::Decompress::new_mem(bytes)?;
        d.dct_method(mozjpeg::DctMethod::IntegerFast);
        if (d.width() as u64) * (d.height() as u64) > formats::example::MAX_IMAGE_PIXELS {
            return Err(io::Error::other("image too large"));
        }
        let mut started = match channels {
            1 => d.grayscale()?,
            3 => d.rgb()?,
            4 => d.rgba()?,
            _ => return Err(io::Error::other("unsupported channel count")),
        };
        let (w, h) = (started.width(), started.height());
        let pixels = started.read_scanlines::<u8>()?;
        started.finish()?;
        Ok((h, w, pixels))
    });
    match decoded {
        Ok(Ok((h, w, pixels))) if pixels.len() == h * w * channels && h > 0 && w > 0 => Some((h, w, pixels)),
        _ => None,
    }
}
