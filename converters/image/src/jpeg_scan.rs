//! A walk of a JPEG's entropy-coded data by its markers, without decoding (issue 22, item 10).
//!
//! The default conversion stores JPEG bytes as they are, so it must not accept a file that
//! `validate --deep` (a full decode) refuses, yet it must stay far cheaper than a decode. The
//! decoder tolerates damaged Huffman data (it fills the rest of the image) but fails on a
//! marker segment it finds where scan data should be (a DHT, DQT, SOF or SOS header read from
//! garbage) and on multi-scan files whose scan boundaries were damaged. So this walk vouches
//! only for the common, simple shape and sends everything else to the full decode:
//! - one sequential Huffman scan (SOF0/SOF1, 8-bit) holding every frame component, its tables
//!   defined, sampling factors of 1 or 2;
//! - in the scan data every `FF` is followed by `00` (a stuffed data byte) or, after optional
//!   `FF` fill bytes, by a restart marker in cyclic order `D0`…`D7` or by the EOI that ends it;
//! - with a restart interval, exactly one marker between consecutive intervals
//!   (`ceil(MCUs / interval) − 1`); without one, no restart marker at all.
//!
//! Bytes after that EOI are ignored, as decoders ignore them.

use crate::probe::{jpeg_header, JpegHeader};

/// Why the walk does not vouch for a file (it then needs the full decode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unvouched {
    /// A shape the walk does not cover (progressive, several scans, …), or a header it cannot read.
    Shape(String),
    /// What the walk found in the entropy-coded data, with its byte offset.
    Data(String),
}

/// `Ok` when the walk vouches for the file (module docs); otherwise why it needs a full decode.
pub fn walk_scan(b: &[u8]) -> Result<(), Unvouched> {
    let h = jpeg_header(b).map_err(Unvouched::Shape)?;
    let mcus = simple_scan_mcus(&h).map_err(Unvouched::Shape)?;
    let (restarts, end) = walk_entropy_data(b, h.data_start, h.restart_interval).map_err(Unvouched::Data)?;
    if h.restart_interval > 0 {
        let want = mcus.div_ceil(u64::from(h.restart_interval)) - 1;
        if restarts != want {
            return Err(Unvouched::Data(format!(
                "{restarts} restart markers before the EOI at byte {end}, where {mcus} MCUs in intervals of {} need {want}",
                h.restart_interval
            )));
        }
    }
    Ok(())
}

/// MCUs in the scan when it is the simple shape the walk vouches for (module docs).
fn simple_scan_mcus(h: &JpegHeader) -> Result<u64, String> {
    if !matches!(h.sof, 0xC0 | 0xC1) || h.precision != 8 {
        return Err(format!("coding process SOF{} with {}-bit samples (only 8-bit sequential Huffman is walked)", h.sof - 0xC0, h.precision));
    }
    if h.components.iter().any(|&(_, hs, vs)| !matches!(hs, 1 | 2) || !matches!(vs, 1 | 2)) {
        return Err(format!("sampling factors {:?}", h.components));
    }
    let s = &h.scan;
    let ns = usize::from(*s.first().unwrap_or(&0));
    if ns != h.components.len() || s.len() != 4 + 2 * ns {
        return Err(format!("the first scan holds {ns} of {} components: several scans", h.components.len()));
    }
    let (ss, se, a) = (s[1 + 2 * ns], s[2 + 2 * ns], s[3 + 2 * ns]);
    if (ss, se, a) != (0, 63, 0) {
        return Err(format!("spectral selection {ss}..{se}, approximation {a:#04x}: not one sequential scan"));
    }
    let Some((dc, ac)) = h.huffman_tables else {
        return Err("a DHT or DRI segment the walk cannot read".into());
    };
    for (i, sel) in s[1..1 + 2 * ns].chunks_exact(2).enumerate() {
        let (td, ta) = (sel[1] >> 4, sel[1] & 0x0F);
        if sel[0] != h.components[i].0 || td > 3 || ta > 3 || dc & (1 << td) == 0 || ac & (1 << ta) == 0 {
            return Err(format!("scan component {} (tables {td}/{ta}) does not match the frame and its tables", sel[0]));
        }
    }
    let hmax = u64::from(h.components.iter().map(|c| c.1).max().unwrap_or(1));
    let vmax = u64::from(h.components.iter().map(|c| c.2).max().unwrap_or(1));
    let (w, ht) = (u64::from(h.width), u64::from(h.height));
    Ok(if ns == 1 {
        // a one-component scan is not interleaved: one MCU per 8×8 block of that component
        let (_, hs, vs) = h.components[0];
        (w * u64::from(hs)).div_ceil(hmax).div_ceil(8) * (ht * u64::from(vs)).div_ceil(vmax).div_ceil(8)
    } else {
        w.div_ceil(8 * hmax) * ht.div_ceil(8 * vmax)
    })
}

/// Walks the entropy-coded data from `start` to its EOI: (restart markers seen, EOI offset).
fn walk_entropy_data(b: &[u8], start: usize, restart_interval: u16) -> Result<(u64, usize), String> {
    let mut pos = start;
    let mut restarts = 0u64;
    loop {
        let Some(ff) = find_ff(b, pos) else {
            return Err("no end-of-image marker (EOI) after the image data".into());
        };
        let mut next = ff + 1;
        while next < b.len() && b[next] == 0xFF {
            next += 1;
        }
        let filled = next > ff + 1;
        match b.get(next).copied() {
            Some(0x00) if !filled => pos = next + 1,
            Some(0xD9) => return Ok((restarts, next - 1)),
            Some(m @ 0xD0..=0xD7) if restart_interval > 0 => {
                let due = 0xD0 + (restarts % 8) as u8;
                if m != due {
                    return Err(format!("restart marker 0xFF{m:02X} at byte {} where 0xFF{due:02X} is due", next - 1));
                }
                restarts += 1;
                pos = next + 1;
            }
            Some(m) => return Err(format!("marker 0xFF{m:02X} inside the entropy-coded data at byte {}", next - 1)),
            None => return Err("the file ends inside a marker after the image data".into()),
        }
    }
}

/// Offset of the next 0xFF byte at or after `from`, eight bytes at a time (the walk reads
/// every byte of the scan, so it must cost about as much as reading the file).
fn find_ff(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // non-zero when one of the 8 bytes at `at` is 0xFF (a zero byte of the inverted word)
    let has_ff = |at: usize| {
        let inv = !u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
        inv.wrapping_sub(ONES) & !inv & HIGHS
    };
    let mut i = from;
    while i + 32 <= b.len() && has_ff(i) | has_ff(i + 8) | has_ff(i + 16) | has_ff(i + 24) == 0 {
        i += 32;
    }
    while i + 8 <= b.len() && has_ff(i) == 0 {
        i += 8;
    }
    b.get(i..)?.iter().position(|&x| x == 0xFF).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img: image::DynamicImage = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, (x ^ y) as u8])).into();
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    /// The reason of a walk that found something in the data.
    fn found(b: &[u8]) -> String {
        match walk_scan(b) {
            Err(Unvouched::Data(why)) => why,
            other => panic!("expected a finding in the data, got {other:?}"),
        }
    }

    fn shape(b: &[u8]) -> String {
        match walk_scan(b) {
            Err(Unvouched::Shape(why)) => why,
            other => panic!("expected a shape the walk does not cover, got {other:?}"),
        }
    }

    fn data_start(b: &[u8]) -> usize {
        jpeg_header(b).unwrap().data_start
    }

    #[test]
    fn find_ff_finds_every_ff() {
        let mut b = vec![0u8; 40];
        for at in [0, 7, 8, 15, 16, 33, 39] {
            b[at] = 0xFF;
        }
        let mut found = Vec::new();
        let mut pos = 0;
        while let Some(i) = find_ff(&b, pos) {
            found.push(i);
            pos = i + 1;
        }
        assert_eq!(found, [0, 7, 8, 15, 16, 33, 39]);
        assert_eq!(find_ff(&b, 40), None);
        assert_eq!(find_ff(&b, 41), None);
    }

    #[test]
    fn a_clean_baseline_jpeg_is_vouched_for() {
        for (w, h) in [(1, 1), (9, 4), (64, 48), (333, 17)] {
            assert_eq!(walk_scan(&jpeg(w, h)), Ok(()), "{w}x{h}");
        }
        let mut padded = jpeg(32, 32);
        padded.extend_from_slice(&[0xFF, 0xC4, 0, 0]);
        assert_eq!(walk_scan(&padded), Ok(()), "bytes after the EOI are ignored");
    }

    #[test]
    fn a_marker_in_the_scan_data_is_named() {
        let b = jpeg(64, 64);
        let at = data_start(&b) + 40;
        for m in [0xC4, 0xDB, 0xC0, 0xDA, 0x01, 0xFE, 0xD0] {
            let mut bad = b.clone();
            bad[at] = 0xFF;
            bad[at + 1] = m;
            let e = found(&bad);
            assert!(e.contains(&format!("marker 0xFF{m:02X}")) && e.contains(&format!("at byte {at}")), "{e}");
        }
        let mut fill_then_data = b.clone();
        fill_then_data[at..at + 3].copy_from_slice(&[0xFF, 0xFF, 0x00]);
        assert!(found(&fill_then_data).contains("marker 0xFF00"));
    }

    #[test]
    fn no_eoi_in_the_scan_is_refused() {
        let b = jpeg(16, 16);
        let cut = &b[..b.len() - 2];
        assert!(found(cut).contains("no end-of-image marker"));
        assert!(found(&b[..b.len() - 1]).contains("ends inside a marker"));
    }

    /// Rewrites a baseline JPEG's scan so that a restart interval is declared and `markers`
    /// restart markers are placed in the data (the data itself is not re-encoded: the walk
    /// does not decode, so only the marker structure matters here).
    fn with_restarts(b: &[u8], interval: u16, markers: &[u8]) -> Vec<u8> {
        let start = data_start(b);
        let sos = b[..start].windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
        let mut out = b[..sos].to_vec();
        out.extend_from_slice(&[0xFF, 0xDD, 0, 4]);
        out.extend_from_slice(&interval.to_be_bytes());
        out.extend_from_slice(&b[sos..start]);
        let data = &b[start..b.len() - 2];
        let step = data.len() / (markers.len() + 1);
        for (i, chunk) in data.chunks(step.max(1)).enumerate() {
            out.extend_from_slice(chunk);
            if let Some(&m) = markers.get(i) {
                // not after a lone FF of a stuffed pair
                if out.last() == Some(&0xFF) {
                    out.push(0x00);
                }
                out.extend_from_slice(&[0xFF, m]);
            }
        }
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn restart_markers_must_match_the_interval_and_cycle() {
        // 64x64 4:4:4 (what the `image` encoder writes) → 8×8 = 64 MCUs; interval 8 → 7 markers
        let b = jpeg(64, 64);
        let h = jpeg_header(&b).unwrap();
        assert_eq!(simple_scan_mcus(&h), Ok(64), "{h:?}");
        let good: Vec<u8> = (0..7).map(|k| 0xD0 + k).collect();
        assert_eq!(walk_scan(&with_restarts(&b, 8, &good)), Ok(()));
        let e = found(&with_restarts(&b, 8, &good[..6]));
        assert!(e.contains("6 restart markers") && e.contains("need 7"), "{e}");
        let e = found(&with_restarts(&b, 8, &[0xD0, 0xD1, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7]));
        assert!(e.contains("restart marker 0xFFD3") && e.contains("0xFFD2 is due"), "{e}");
        // markers without a restart interval
        let mut no_dri = with_restarts(&b, 8, &good);
        let dri = no_dri.windows(2).position(|w| w == [0xFF, 0xDD]).unwrap();
        no_dri.drain(dri..dri + 6);
        assert!(found(&no_dri).contains("marker 0xFFD0"));
        // the cycle wraps after D7: interval 4 → 15 markers
        let wrap: Vec<u8> = (0..15).map(|k| 0xD0 + k % 8).collect();
        assert_eq!(walk_scan(&with_restarts(&b, 4, &wrap)), Ok(()));
    }

    #[test]
    fn other_shapes_go_to_the_full_decode() {
        let b = jpeg(16, 16);
        let sof = b.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        let mut progressive = b.clone();
        progressive[sof + 1] = 0xC2;
        assert!(shape(&progressive).contains("SOF2"));
        let start = data_start(&b);
        let mut one_component = b.clone();
        let sos = b[..start].windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
        one_component[sos + 4] = 1;
        assert!(shape(&one_component).contains("several scans"));
    }
}
