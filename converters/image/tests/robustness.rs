//! "Never a panic": damaged files of every supported format go through the structural checks
//! and the decoders and come back as `Ok` or an `ItemError` naming the file.

use converters_common::file_domain::CheckOptions;
use converters_image::convert::convert_image;
use converters_image::fixtures;
use converters_image::{ImageOptions, Storage};
use image::{DynamicImage, ImageFormat};

/// Deterministic damage: flips, truncations and inserted garbage driven by a small LCG.
fn damaged(bytes: &[u8], seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut b = bytes.to_vec();
    match seed % 3 {
        0 => {
            for _ in 0..1 + next() % 8 {
                let i = next() % b.len();
                b[i] ^= (next() % 255 + 1) as u8;
            }
        }
        1 => b.truncate(next() % b.len()),
        _ => {
            let i = next() % b.len();
            let junk: Vec<u8> = (0..1 + next() % 16).map(|_| next() as u8).collect();
            b.splice(i..i, junk);
        }
    }
    b
}

#[test]
fn damaged_files_never_panic() {
    let img = DynamicImage::ImageRgb8(fixtures::pattern(24, 16, 3));
    let sources: Vec<(&str, Vec<u8>)> = vec![
        ("jpg", fixtures::encode(&img, ImageFormat::Jpeg)),
        ("png", fixtures::encode(&img, ImageFormat::Png)),
        ("bmp", fixtures::encode(&img, ImageFormat::Bmp)),
        ("gif", fixtures::encode(&DynamicImage::ImageRgba8(img.to_rgba8()), ImageFormat::Gif)),
        ("webp", fixtures::encode(&img, ImageFormat::WebP)),
        ("tiff", fixtures::encode(&img, ImageFormat::Tiff)),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let modes = [
        ImageOptions::default().check().unwrap(),
        ImageOptions { verify: true, ..Default::default() }.check().unwrap(),
        ImageOptions { storage: Storage::Dense, size: Some((8, 8)), ..Default::default() }.check().unwrap(),
    ];
    let (mut ok, mut refused) = (0, 0);
    for (ext, bytes) in &sources {
        for seed in 0..60u64 {
            let path = tmp.path().join(format!("{seed}.{ext}"));
            std::fs::write(&path, damaged(bytes, seed)).unwrap();
            for opts in &modes {
                match convert_image(&path, opts, 3) {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        assert_eq!(e.path, path);
                        assert!(!e.reason.is_empty());
                        refused += 1;
                    }
                }
            }
        }
    }
    assert!(refused > 200, "most damaged files must be refused ({refused} refused, {ok} accepted)");
}
