//! Small generated image inputs for tests, examples and the benchmark (no binary fixture is
//! committed: `examples/make_sample_images.rs` and the tests call these builders).
//!
//! Pixels are a deterministic function of a seed, so the same call writes the same bytes.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat, RgbImage};

/// A `w × h` RGB test pattern that differs with `seed`.
pub fn pattern(w: u32, h: u32, seed: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let v = x.wrapping_mul(31).wrapping_add(y.wrapping_mul(17)).wrapping_add(seed.wrapping_mul(101));
        image::Rgb([(v % 251) as u8, ((v / 3 + seed) % 241) as u8, ((x ^ y ^ seed) % 256) as u8])
    })
}

/// `img` encoded in `format`.
pub fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encoding a small in-memory image");
    out.into_inner()
}

pub fn jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    encode(&DynamicImage::ImageRgb8(pattern(w, h, seed)), ImageFormat::Jpeg)
}

pub fn png(w: u32, h: u32, seed: u32) -> Vec<u8> {
    encode(&DynamicImage::ImageRgb8(pattern(w, h, seed)), ImageFormat::Png)
}

pub fn gray_png(w: u32, h: u32, seed: u32) -> Vec<u8> {
    encode(&DynamicImage::ImageRgb8(pattern(w, h, seed)).grayscale(), ImageFormat::Png)
}

/// A PNG whose IHDR announces `w × h` with valid CRCs everywhere but only a token IDAT:
/// the header of a decompression bomb.
pub fn huge_png_header(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::write(path, bytes)
}

/// Class folders `root/<class>/<i>.<ext>`: `per_class` images per class, formats cycling
/// through JPEG, PNG, grayscale PNG, BMP, GIF, WebP and TIFF when `mixed`, else all JPEG;
/// sizes `w × h` (the same for all when `uniform`, else varying).
pub fn class_folders(root: &Path, classes: &[&str], per_class: u32, w: u32, h: u32, mixed: bool, uniform: bool) -> std::io::Result<()> {
    let mut seed = 0;
    for class in classes {
        for i in 0..per_class {
            seed += 1;
            let (ww, hh) = if uniform { (w, h) } else { (w + seed % 5, h + seed % 3) };
            let kind = if mixed { seed % 7 } else { 0 };
            let rgb = DynamicImage::ImageRgb8(pattern(ww, hh, seed));
            let (ext, bytes) = match kind {
                0 => ("jpg", encode(&rgb, ImageFormat::Jpeg)),
                1 => ("png", encode(&rgb, ImageFormat::Png)),
                2 => ("png", encode(&rgb.grayscale(), ImageFormat::Png)),
                3 => ("bmp", encode(&rgb, ImageFormat::Bmp)),
                4 => ("gif", encode(&DynamicImage::ImageRgba8(rgb.to_rgba8()), ImageFormat::Gif)),
                5 => ("webp", encode(&rgb, ImageFormat::WebP)),
                _ => ("tiff", encode(&rgb, ImageFormat::Tiff)),
            };
            write(&root.join(class).join(format!("{i:04}.{ext}")), &bytes)?;
        }
    }
    Ok(())
}

/// The file-format layout of spec §1.5: `labels.csv` (`FileName,Labels,subset`), `label.name`,
/// `private.info` (name `fixture_csv`). `n` PNGs `img<i>.png` of 12×10; labels cycle over 3
/// classes; when `multilabel`, every third image also has class `(c + 1) % 3`; the first 4
/// rows are forced to test and the next 2 to train, the rest left to the split.
pub fn labels_csv_layout(root: &Path, n: u32, multilabel: bool) -> std::io::Result<()> {
    let mut csv = String::from("FileName,Labels,subset\n");
    for i in 0..n {
        let c = i % 3;
        let labels = if multilabel && i % 3 == 0 { format!("{c} {}", (c + 1) % 3) } else { c.to_string() };
        let subset = match i {
            0..=3 => "test",
            4..=5 => "train",
            _ => "",
        };
        csv.push_str(&format!("img{i}.png,{labels},{subset}\n"));
        write(&root.join(format!("img{i}.png")), &png(12, 10, i))?;
    }
    write(&root.join("labels.csv"), csv.as_bytes())?;
    write(&root.join("label.name"), b"red\ngreen\nblue\n")?;
    write(&root.join("private.info"), b"title : 'fixture'\nname : 'fixture_csv'\n")
}

/// Bad inputs for the skip-report tests, inside a `labels.csv` layout of good 16×16 JPEGs
/// (`good<i>.jpg`, 2 classes, `label.name` with 2 names). Returns the names of the bad
/// entries and the reason fragment each should be reported with.
pub fn bad_inputs(root: &Path, good: u32) -> std::io::Result<Vec<(&'static str, &'static str)>> {
    let mut csv = String::from("FileName,Labels\n");
    for i in 0..good {
        write(&root.join(format!("good{i}.jpg")), &jpeg(16, 16, i))?;
        csv.push_str(&format!("good{i}.jpg,{}\n", i % 2));
    }
    let jpg = jpeg(16, 16, 99);
    // Corrupt JPEG: the frame header's segment length points past the end of the file.
    let mut corrupt = jpg.clone();
    corrupt.truncate(40);
    corrupt[4] = 0xFF;
    write(&root.join("corrupt.jpg"), &corrupt)?;
    write(&root.join("garbage.jpg"), b"this is not an image at all")?;
    write(&root.join("zero.png"), b"")?;
    let p = png(16, 16, 5);
    write(&root.join("truncated.png"), &p[..p.len() / 2])?;
    write(&root.join("huge.png"), &huge_png_header(100_000, 100_000))?;
    write(&root.join("truncated.jpg"), &jpg[..jpg.len() - 10])?;
    write(&root.join("unknown_class.jpg"), &jpeg(16, 16, 7))?;
    let bad = vec![
        ("corrupt.jpg", "JPEG"),
        ("garbage.jpg", "not a readable image"),
        ("zero.png", "empty file"),
        ("truncated.png", "truncated PNG"),
        ("huge.png", "exceeds --max-pixels"),
        ("truncated.jpg", "truncated JPEG"),
        ("missing.jpg", "listed in labels.csv but missing"),
        ("unknown_class.jpg", "unknown class index 7"),
    ];
    for (name, _) in &bad {
        let label = if *name == "unknown_class.jpg" { 7 } else { 0 };
        csv.push_str(&format!("{name},{label}\n"));
    }
    write(&root.join("labels.csv"), csv.as_bytes())?;
    write(&root.join("label.name"), b"cats\ndogs\n")?;
    Ok(bad)
}

/// `n` JPEGs of `w × h` in `root/class<k>/` (10 classes) for the benchmark.
pub fn bench_jpegs(root: &Path, n: u32, w: u32, h: u32) -> std::io::Result<()> {
    for i in 0..n {
        write(&root.join(format!("class{}", i % 10)).join(format!("{i:06}.jpg")), &jpeg(w, h, i))?;
    }
    Ok(())
}
