//! Input builders of the bad-input corpus: each writes a small input (images, tables, text,
//! audio, video, TFRecord datasets) under a case's folder and says which command to run.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use converters_image::fixtures;
use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::tfrecord::masked_crc32c;

use super::datasets::write_single_label;
use super::{support, Setup};

pub(super) fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Where a case's input and output go: `<case>/in`, `<case>/out/ds`.
pub(super) fn input(dir: &Path) -> PathBuf {
    dir.join("in")
}
pub(super) fn output(dir: &Path) -> PathBuf {
    dir.join("out").join("ds")
}

pub(super) fn convert_args(dir: &Path, input: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["convert".into(), input.into(), "-o".into(), output(dir).into()];
    args.extend(["--name", "case", "--quiet"].iter().map(OsString::from));
    args.extend(extra.iter().map(OsString::from));
    args
}

/// Two class folders `cat/` and `dog/` of six 16×16 JPEGs each (`0000.jpg` … in both: the
/// base names repeat across classes), plus whatever the case adds.
pub(super) fn image_folder(dir: &Path) -> PathBuf {
    let root = input(dir);
    fixtures::class_folders(&root, &["cat", "dog"], 6, 16, 16, false, true).unwrap();
    root
}

pub(super) fn image_case(dir: &Path, rel: &str, bytes: &[u8], extra: &[&str]) -> Setup {
    let root = image_folder(dir);
    write(&root.join(rel), bytes);
    Setup { args: convert_args(dir, &root, extra), names: rel.rsplit('/').next().unwrap().to_string() }
}

pub(super) fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(fixtures::pattern(16, 16, 3));
    fixtures::encode(&img, format)
}

pub(super) fn half(bytes: Vec<u8>) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

/// A `labels.csv` layout of eight good PNGs over two named classes, plus `rows` (appended
/// to the CSV).
pub(super) fn labels_csv_case(dir: &Path, rows: &str, names: &str) -> Setup {
    let root = input(dir);
    let mut csv = String::from("FileName,Labels\n");
    for i in 0..8 {
        write(&root.join(format!("img{i}.png")), &fixtures::png(12, 10, i));
        csv.push_str(&format!("img{i}.png,{}\n", i % 2));
    }
    csv.push_str(rows);
    write(&root.join("labels.csv"), csv.as_bytes());
    write(&root.join("label.name"), b"cats\ndogs\n");
    Setup { args: convert_args(dir, &root, &[]), names: names.to_string() }
}

pub(super) fn table_csv() -> String {
    let mut s = String::from("a,b,species\n");
    for i in 0..20 {
        s.push_str(&format!("{}.5,{},{}\n", i, i * 2, ["x", "y"][i % 2]));
    }
    s
}

pub(super) fn table_case(dir: &Path, file: &str, bytes: &[u8], extra: &[&str]) -> Setup {
    let path = input(dir).join(file);
    write(&path, bytes);
    let mut e = vec!["--domain", "tabular"];
    e.extend_from_slice(extra);
    Setup { args: convert_args(dir, &path, &e), names: file.to_string() }
}

pub(super) fn parquet_bytes(nested: bool) -> Vec<u8> {
    parquet_with(nested, false)
}

/// As [`parquet_bytes`]; `null_target` makes every `y` null.
pub(super) fn parquet_with(nested: bool, null_target: bool) -> Vec<u8> {
    use arrow_array::{ArrayRef, Float64Array, Int32Array, ListArray, RecordBatch};
    use std::sync::Arc;
    let y: Int32Array = (0..20).map(|i| (!null_target).then_some(i % 2)).collect();
    let feature: ArrayRef = if nested {
        Arc::new(ListArray::from_iter_primitive::<arrow_array::types::Int32Type, _, _>(
            (0..20).map(|i| Some(vec![Some(i), Some(i + 1)])),
        ))
    } else {
        Arc::new((0..20).map(|i| Some(i as f64 * 0.5)).collect::<Float64Array>())
    };
    let batch = RecordBatch::try_from_iter(vec![("tags", feature), ("y", Arc::new(y) as ArrayRef)]).unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// An edit of one file of a generated layout, made before the files are written.
#[derive(Debug, Clone, Copy)]
pub(super) enum Edit {
    /// In `file`, the first `from` becomes `to`.
    Replace(&'static str, &'static str, &'static str),
    /// `text` appended to `file`.
    Append(&'static str, &'static str),
    /// `file` holds exactly `text`.
    Set(&'static str, &'static str),
}

/// `n` lines alternating between `even` and `odd` (two-class solutions and documents).
pub(super) fn alternating(n: usize, even: &str, odd: &str) -> String {
    (0..n).map(|i| if i % 2 == 0 { even } else { odd }).collect()
}

/// Writes the layout `files` (name → text) below `root` after applying `edits`.
pub(super) fn write_layout(root: &Path, mut files: BTreeMap<&'static str, String>, edits: &[Edit]) {
    for edit in edits {
        match *edit {
            Edit::Replace(file, from, to) => {
                let text = files[file].replacen(from, to, 1);
                files.insert(file, text);
            }
            Edit::Append(file, text) => files.get_mut(file).expect("a file of the layout").push_str(text),
            Edit::Set(file, text) => {
                files.insert(file, text.to_string());
            }
        }
    }
    for (name, text) in &files {
        write(&root.join(name), text.as_bytes());
    }
}

/// The AutoML layout `t_{train,test}.{data,solution}` of dense rows, 3 features, 2 classes,
/// with `edits` made to it.
pub(super) fn automl_case(dir: &Path, edits: &[Edit], names: &str) -> Setup {
    let train: String = (0..12).map(|i| format!("{} {} {}\n", i, i % 3, i * 2)).collect();
    let test: String = (0..4).map(|i| format!("{} {} {}\n", i + 1, i % 2, i)).collect();
    let files = BTreeMap::from([
        ("t_train.data", train),
        ("t_train.solution", alternating(12, "1 0\n", "0 1\n")),
        ("t_test.data", test),
        ("t_test.solution", alternating(4, "1 0\n", "0 1\n")),
    ]);
    let root = input(dir);
    write_layout(&root, files, edits);
    Setup { args: convert_args(dir, &root, &[]), names: names.to_string() }
}

/// Text class folders `pos/`, `neg/` of six short documents each, plus the case's file.
pub(super) fn text_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
    let root = input(dir);
    for (class, words) in [("pos", "good great fine film"), ("neg", "bad awful boring film")] {
        for i in 0..6 {
            write(&root.join(class).join(format!("{i}.txt")), format!("{words} number {i}\n").as_bytes());
        }
    }
    write(&root.join(rel), bytes);
    Setup { args: convert_args(dir, &root, &["--domain", "text"]), names: rel.rsplit('/').next().unwrap().to_string() }
}

/// The AutoNLP layout `in/O1/O1.data/{meta.json, train.data, train.solution, test.data}` +
/// `in/O1/O1.solution`, with `edits` made to it.
pub(super) fn autonlp_case(dir: &Path, edits: &[Edit], names: &str) -> Setup {
    let files = BTreeMap::from([
        ("O1.data/meta.json", r#"{"class_num": 2, "language": "EN"}"#.to_string()),
        ("O1.data/train.data", alternating(12, "a fine happy film\n", "a sad boring film\n")),
        ("O1.data/train.solution", alternating(12, "1 0\n", "0 1\n")),
        ("O1.data/test.data", alternating(4, "happy film\n", "boring film\n")),
        ("O1.solution", alternating(4, "1 0\n", "0 1\n")),
    ]);
    let root = input(dir).join("O1");
    write_layout(&root, files, edits);
    Setup { args: convert_args(dir, &root, &["--domain", "text"]), names: names.to_string() }
}

/// A 16 kHz mono 16-bit PCM WAV of `samples` samples (a tone that differs with `seed`).
pub(super) fn wav(samples: u32, seed: u32) -> Vec<u8> {
    let data_len = samples * 2;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&32_000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let v = (((i * (seed + 3)) % 200) as i16 - 100) * 100;
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// Audio class folders `yes/`, `no/` of six short WAVs each, plus the case's file.
pub(super) fn audio_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
    let root = input(dir);
    for (k, class) in ["yes", "no"].iter().enumerate() {
        for i in 0..6 {
            write(&root.join(class).join(format!("{i}.wav")), &wav(1600, i + 10 * k as u32));
        }
    }
    write(&root.join(rel), bytes);
    Setup { args: convert_args(dir, &root, &["--domain", "audio"]), names: rel.rsplit('/').next().unwrap().to_string() }
}

/// A 16 kHz-style WAV header with any `rate`, `format` (1 = PCM, 3 = IEEE float) and raw
/// sample bytes `data` of `bits`-bit mono samples.
pub(super) fn wav_with(rate: u32, format: u16, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&format.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(bits / 8)).to_le_bytes());
    b.extend_from_slice(&(bits / 8).to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(data);
    b
}

/// A float WAV of 1600 samples at 16 kHz with one NaN in the middle.
pub(super) fn float_wav_with_nan() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..1600u32 {
        let v = if i == 800 { f32::NAN } else { ((i % 50) as f32 - 25.0) / 50.0 };
        data.extend_from_slice(&v.to_le_bytes());
    }
    wav_with(16_000, 3, 32, &data)
}

/// The image class folders plus a non-regular entry `cat/<name>` made by `make`.
pub(super) fn image_special_case(dir: &Path, name: &str, make: fn(&Path)) -> Setup {
    let root = image_folder(dir);
    make(&root.join("cat").join(name));
    Setup { args: convert_args(dir, &root, &[]), names: name.to_string() }
}

pub(super) fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// A valid dataset `in/d/` of 4 test + 8 train records (classes 1, 0, 1, … across both
/// subsets) built with the format's own writer: record `i` (0–11) holds `frames(i)`, the one
/// matrix spec is `matrix`.
fn small_dataset(dir: &Path, matrix: MatrixSpec, mut frames: impl FnMut(u32) -> Frames) -> PathBuf {
    let example = |is_test: bool, j: usize| {
        let i = (if is_test { j } else { j + 4 }) as u32;
        (frames(i), usize::from(i % 2 == 0))
    };
    let spec = DataSpec { matrix_spec: vec![matrix], output_dim: 2, sequence_size: 1, sequence_size_present: true, ..DataSpec::default() };
    write_single_label(&input(dir).join("d"), "d", WriterOptions::default(), (4, 8), example, spec, &[]).unwrap()
}

/// A valid dense dataset `in/d/` (4 test + 8 train records of 2 floats, 2 classes);
/// `damage` then breaks one file of it.
pub(super) fn dataset_case(dir: &Path, damage: fn(&Path), names: &str) -> Setup {
    let matrix = MatrixSpec { row_count: 1, col_count: 2, num_channels: 1, format: Format::Dense, ..MatrixSpec::default() };
    let root = small_dataset(dir, matrix, |i| Frames::dense_uniform(vec![i as f32, 1.0], 2).unwrap());
    damage(&root);
    Setup {
        args: vec!["validate".into(), "--json".into(), "--quiet".into(), root.into()],
        names: names.to_string(),
    }
}

pub(super) fn test_records(root: &Path) -> PathBuf {
    root.join("d.data/test/sample-d-test.tfrecord")
}
pub(super) fn train_records(root: &Path) -> PathBuf {
    root.join("d.data/train/sample-d-train.tfrecord")
}

/// One record header announcing `length` payload bytes, with a correct length CRC.
pub(super) fn header(length: u64) -> Vec<u8> {
    let mut h = length.to_le_bytes().to_vec();
    h.extend_from_slice(&masked_crc32c(&length.to_le_bytes()).to_le_bytes());
    h
}

pub(super) fn append(path: &Path, bytes: &[u8]) {
    let mut b = fs::read(path).unwrap();
    b.extend_from_slice(bytes);
    fs::write(path, b).unwrap();
}

pub(super) fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, f(text)).unwrap();
}

pub(super) fn non_utf8_name(stem: &[u8], ext: &str) -> OsString {
    let mut v = stem.to_vec();
    v.extend_from_slice(ext.as_bytes());
    OsString::from_vec(v)
}

/// A compressed dataset `in/d/` (12 records of one 8×8 PNG frame) whose train record 5 holds
/// `frame` instead, checked by `validate --deep --json`.
pub(super) fn deep_frame_case(dir: &Path, frame: Vec<u8>) -> Setup {
    let matrix = MatrixSpec { row_count: 8, col_count: 8, num_channels: 3, format: Format::Compressed, ..MatrixSpec::default() };
    let root = small_dataset(dir, matrix, |i| Frames::Compressed(vec![if i == 5 { frame.clone() } else { fixtures::png(8, 8, i) }]));
    Setup {
        args: vec!["validate".into(), "--json".into(), "--quiet".into(), "--deep".into(), root.into()],
        names: "sample-d-train.tfrecord".into(),
    }
}

/// CRC-32 (ISO-HDLC) of PNG chunks.
pub(super) fn png_crc(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG header claiming `w`×`h` pixels of 16-bit RGBA (8 bytes a pixel), no pixel data.
pub(super) fn rgba16_png_header(w: u32, h: u32) -> Vec<u8> {
    let mut png = fixtures::huge_png_header(w, h);
    // IHDR data is bytes 16..29 (after the signature, length and type): depth, colour type.
    png[24] = 16;
    png[25] = 6;
    let crc = png_crc(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A good 16×16 PNG whose IDAT holds bytes that are not a zlib stream (CRCs recomputed).
pub(super) fn png_with_junk_idat() -> Vec<u8> {
    let png = fixtures::png(16, 16, 3);
    let mut out = png[..8].to_vec();
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &png[pos + 4..pos + 8];
        let data: Vec<u8> = if kind == b"IDAT" { vec![0x5A; len] } else { png[pos + 8..pos + 8 + len].to_vec() };
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&png_crc(&chunk).to_be_bytes());
        pos += 12 + len;
    }
    out
}

/// A good 16×16 PNG with its IHDR data edited by `edit` (CRC recomputed).
pub(super) fn png_with_ihdr(edit: fn(&mut [u8])) -> Vec<u8> {
    let mut png = fixtures::png(16, 16, 3);
    edit(&mut png[16..29]);
    let crc = png_crc(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A good 16×16 JPEG whose frame header marker is changed to `sof` (e.g. 0xC9, arithmetic).
pub(super) fn jpeg_with_sof(sof: u8) -> Vec<u8> {
    let mut jpeg = encoded(image::ImageFormat::Jpeg);
    let at = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline SOF0");
    jpeg[at + 1] = sof;
    jpeg
}

/// A 64×64 baseline JPEG with `bytes` written over its entropy-coded data, 20 bytes in: a
/// marker segment where scan data should be (issue 22, item 10).
pub(super) fn jpeg_with_scan_bytes(bytes: &[u8]) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(fixtures::pattern(64, 64, 3));
    let mut jpeg = fixtures::encode(&img, image::ImageFormat::Jpeg);
    let at = converters_image::probe::jpeg_header(&jpeg).expect("a JPEG").data_start + 20;
    jpeg[at..at + bytes.len()].copy_from_slice(bytes);
    jpeg
}

/// The first progressive JPEG of the shared Monkeys photos with the middle fifth of its first
/// scan zeroed: zeros decode as short codes, so that scan ends before its data does, which the
/// decoder refuses (issue 22, item 10). `clean` leaves it whole.
pub(super) fn shared_progressive_jpeg(clean: bool) -> Vec<u8> {
    let data = formats::testing::shared_data_dir().expect("checked by the test");
    let mut names: Vec<PathBuf> = fs::read_dir(data.join("raw/monkeys")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut jpeg = names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .map(|p| fs::read(p).unwrap())
        .find(|b| converters_image::probe::jpeg_header(b).is_ok_and(|h| h.sof == 0xC2))
        .expect("a progressive JPEG among the Monkeys photos");
    if !clean {
        let start = converters_image::probe::jpeg_header(&jpeg).unwrap().data_start;
        let end = start + jpeg[start..].windows(2).position(|w| w[0] == 0xFF && w[1] != 0).expect("a marker after the first scan");
        let fifth = (end - start) / 5;
        jpeg[start + 2 * fifth..start + 3 * fifth].fill(0);
    }
    jpeg
}

/// A valid PNG of `w`×`h` black 8-bit RGB pixels, compressed by hand (zlib, one fixed-Huffman
/// block of 258-byte repeats) so that a 192 MiB image costs ~1.3 MB and no encoding time.
pub(super) fn black_rgb8_png(w: u32, h: u32) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        // Deflate packs fields LSB first; Huffman codes go in MSB first (RFC 1951 §3.1.1).
        fn put(&mut self, value: u32, len: u32) {
            self.acc |= u64::from(value) << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        fn code(&mut self, code: u32, len: u32) {
            self.put(code.reverse_bits() >> (32 - len), len);
        }
    }
    let raw = u64::from(h) * (1 + 3 * u64::from(w)); // a filter byte per row, then the pixels: all 0
    let mut b = Bits { out: vec![0x78, 0x01], acc: 0, n: 0 };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    let (repeats, rest) = ((raw - 1) / 258, (raw - 1) % 258);
    for _ in 0..repeats {
        b.code(0b1100_0101, 8); // length symbol 285 = 258 bytes
        b.code(0, 5); // distance 1
    }
    for _ in 0..rest {
        b.code(0x30, 8);
    }
    b.code(0, 7); // end of block
    if b.n > 0 {
        b.out.push(b.acc as u8);
    }
    let adler = (((raw % 65521) as u32) << 16) | 1; // of `raw` zero bytes
    b.out.extend_from_slice(&adler.to_be_bytes());

    let mut png = fixtures::huge_png_header(w, h); // 8-bit RGB
    png.truncate(33); // signature + IHDR
    for (kind, data) in [(&b"IDAT"[..], &b.out[..]), (b"IEND", &[])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = png_crc(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

/// The generated media file `rel` (`video/h264.mp4`, `audio/tone.flac`, …).
#[cfg(feature = "ffmpeg")]
pub(super) fn generated(rel: &str) -> Vec<u8> {
    let media = support::media().expect("media cases run only when the media were generated");
    fs::read(media.join(rel)).unwrap()
}

/// Video class folders `walk/`, `run/` of four generated clips each (H.264 MP4 and MPEG-4
/// AVI of three sizes), plus the case's file; converted to 4 frames of 24×32.
#[cfg(feature = "ffmpeg")]
pub(super) fn video_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
    let root = input(dir);
    for class in ["walk", "run"] {
        for clip in ["h264.mp4", "red.mp4", "short.mp4", "mpeg4.avi"] {
            write(&root.join(class).join(clip), &generated(&format!("video/{clip}")));
        }
    }
    write(&root.join(rel), bytes);
    let extra = ["--domain", "video", "--frames", "4", "--size", "24x32"];
    Setup { args: convert_args(dir, &root, &extra), names: rel.rsplit('/').next().unwrap().to_string() }
}
