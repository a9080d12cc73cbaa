//! The bad-input corpus (issue 9): hostile or broken inputs for every reader of the tool, run
//! through the real binary. One row of [`CASES`] per input: how it is built, the command, and
//! the expected outcome. For every row the test checks the exit status, that the message (or
//! the skip report, or the validator's JSON) names the offending file, that a refused
//! conversion leaves nothing in the output folder (no dataset, no temporary folder), that an
//! accepted one is a dataset `validate` accepts, and that the input was not modified.
//!
//! Inputs are generated here (small images from `converters_image::fixtures`, tables, text,
//! TFRecord datasets from `formats`); nothing is committed but this file.
//!
//! Add a case: append a [`Case`] with a builder `fn(&Path) -> Setup` that writes the input
//! under the given folder and says which command to run and which file the message must name.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use converters_image::fixtures;
use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::tfrecord::{frame_record, masked_crc32c};

#[path = "support/media.rs"]
mod support;

/// What a case must produce.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `convert` refuses the whole input: exit 2, the message names the file and holds
    /// `reason`; the output folder's parent stays empty.
    Refused { reason: &'static str },
    /// `convert` succeeds under the default policy (skip) and the skip report lists the file
    /// with `reason`; the dataset passes `validate --deep`.
    Skipped { reason: &'static str },
    /// `convert` succeeds and skips nothing; the dataset passes `validate --deep`, holds `records`
    /// records; `stderr` (when not empty) appears on stderr and names the file.
    Converted { records: u64, stderr: &'static str },
    /// `validate --json` exits 1 with a finding `code` located in the file.
    Finding { code: &'static str },
    /// As `Finding`, and the finding's message holds `message`.
    FindingSaying { code: &'static str, message: &'static str },
}

/// A built input: the arguments after the binary name, and a fragment of the path the
/// message must name.
struct Setup {
    args: Vec<OsString>,
    names: String,
}

struct Case {
    name: &'static str,
    build: fn(&Path) -> Setup,
    expect: Expect,
}

// ---------------------------------------------------------------------------------------------
// Input builders

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// Where a case's input and output go: `<case>/in`, `<case>/out/ds`.
fn input(dir: &Path) -> PathBuf {
    dir.join("in")
}
fn output(dir: &Path) -> PathBuf {
    dir.join("out").join("ds")
}

fn convert_args(dir: &Path, input: &Path, extra: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["convert".into(), input.into(), "-o".into(), output(dir).into()];
    args.extend(["--name", "case", "--quiet"].iter().map(OsString::from));
    args.extend(extra.iter().map(OsString::from));
    args
}

/// Two class folders `cat/` and `dog/` of six 16×16 JPEGs each (`0000.jpg` … in both: the
/// base names repeat across classes), plus whatever the case adds.
fn image_folder(dir: &Path) -> PathBuf {
    let root = input(dir);
    fixtures::class_folders(&root, &["cat", "dog"], 6, 16, 16, false, true).unwrap();
    root
}

fn image_case(dir: &Path, rel: &str, bytes: &[u8], extra: &[&str]) -> Setup {
    let root = image_folder(dir);
    write(&root.join(rel), bytes);
    Setup { args: convert_args(dir, &root, extra), names: rel.rsplit('/').next().unwrap().to_string() }
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(fixtures::pattern(16, 16, 3));
    fixtures::encode(&img, format)
}

fn half(bytes: Vec<u8>) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

/// A `labels.csv` layout of eight good PNGs over two named classes, plus `rows` (appended
/// to the CSV).
fn labels_csv_case(dir: &Path, rows: &str, names: &str) -> Setup {
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

fn table_csv() -> String {
    let mut s = String::from("a,b,species\n");
    for i in 0..20 {
        s.push_str(&format!("{}.5,{},{}\n", i, i * 2, ["x", "y"][i % 2]));
    }
    s
}

fn table_case(dir: &Path, file: &str, bytes: &[u8], extra: &[&str]) -> Setup {
    let path = input(dir).join(file);
    write(&path, bytes);
    let mut e = vec!["--domain", "tabular"];
    e.extend_from_slice(extra);
    Setup { args: convert_args(dir, &path, &e), names: file.to_string() }
}

fn parquet_bytes(nested: bool) -> Vec<u8> {
    parquet_with(nested, false)
}

/// As [`parquet_bytes`]; `null_target` makes every `y` null.
fn parquet_with(nested: bool, null_target: bool) -> Vec<u8> {
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

/// The AutoML layout `t_{train,test}.{data,solution}` of dense rows, 3 features, 2 classes;
/// `patch` edits the file contents (name → text) before they are written.
fn automl_case(dir: &Path, patch: fn(&mut BTreeMap<&'static str, String>), names: &str) -> Setup {
    let mut files = BTreeMap::new();
    let (mut train, mut train_sol, mut test, mut test_sol) = (String::new(), String::new(), String::new(), String::new());
    for i in 0..12 {
        train.push_str(&format!("{} {} {}\n", i, i % 3, i * 2));
        train_sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    for i in 0..4 {
        test.push_str(&format!("{} {} {}\n", i + 1, i % 2, i));
        test_sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    files.insert("t_train.data", train);
    files.insert("t_train.solution", train_sol);
    files.insert("t_test.data", test);
    files.insert("t_test.solution", test_sol);
    patch(&mut files);
    let root = input(dir);
    for (name, text) in &files {
        write(&root.join(name), text.as_bytes());
    }
    Setup { args: convert_args(dir, &root, &[]), names: names.to_string() }
}

/// Text class folders `pos/`, `neg/` of six short documents each, plus the case's file.
fn text_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
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
/// `in/O1/O1.solution`; `patch` edits the files (name → text) before they are written.
fn autonlp_case(dir: &Path, patch: fn(&mut BTreeMap<&'static str, String>), names: &str) -> Setup {
    let mut files = BTreeMap::new();
    let (mut train, mut train_sol, mut test, mut test_sol) = (String::new(), String::new(), String::new(), String::new());
    for i in 0..12 {
        train.push_str(if i % 2 == 0 { "a fine happy film\n" } else { "a sad boring film\n" });
        train_sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    for i in 0..4 {
        test.push_str(if i % 2 == 0 { "happy film\n" } else { "boring film\n" });
        test_sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    files.insert("O1.data/meta.json", r#"{"class_num": 2, "language": "EN"}"#.to_string());
    files.insert("O1.data/train.data", train);
    files.insert("O1.data/train.solution", train_sol);
    files.insert("O1.data/test.data", test);
    files.insert("O1.solution", test_sol);
    patch(&mut files);
    let root = input(dir).join("O1");
    for (name, text) in &files {
        write(&root.join(name), text.as_bytes());
    }
    Setup { args: convert_args(dir, &root, &["--domain", "text"]), names: names.to_string() }
}

/// A 16 kHz mono 16-bit PCM WAV of `samples` samples (a tone that differs with `seed`).
fn wav(samples: u32, seed: u32) -> Vec<u8> {
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
fn audio_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
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
fn wav_with(rate: u32, format: u16, bits: u16, data: &[u8]) -> Vec<u8> {
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
fn float_wav_with_nan() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..1600u32 {
        let v = if i == 800 { f32::NAN } else { ((i % 50) as f32 - 25.0) / 50.0 };
        data.extend_from_slice(&v.to_le_bytes());
    }
    wav_with(16_000, 3, 32, &data)
}

/// The image class folders plus a non-regular entry `cat/<name>` made by `make`.
fn image_special_case(dir: &Path, name: &str, make: fn(&Path)) -> Setup {
    let root = image_folder(dir);
    make(&root.join("cat").join(name));
    Setup { args: convert_args(dir, &root, &[]), names: name.to_string() }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// A valid dense dataset `in/d/` (4 test + 8 train records of 2 floats, 2 classes), built
/// with the format's own writer; `damage` then breaks one file of it.
fn dataset_case(dir: &Path, damage: fn(&Path), names: &str) -> Setup {
    let root = input(dir).join("d");
    let mut w = DatasetWriter::create(&root, "d", WriterOptions::default()).unwrap();
    for i in 0..12 {
        let frames = Frames::dense_uniform(vec![i as f32, 1.0], 2).unwrap();
        let label = [i64::from(i % 2 == 0)];
        if i < 4 {
            w.push_test(&frames, &label, &[1.0]).unwrap();
        } else {
            w.push_train(&frames, &label, &[1.0]).unwrap();
        }
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 2, num_channels: 1, format: Format::Dense, ..MatrixSpec::default() }],
        output_dim: 2,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
    damage(&root);
    Setup {
        args: vec!["validate".into(), "--json".into(), "--quiet".into(), root.into()],
        names: names.to_string(),
    }
}

fn test_records(root: &Path) -> PathBuf {
    root.join("d.data/test/sample-d-test.tfrecord")
}
fn train_records(root: &Path) -> PathBuf {
    root.join("d.data/train/sample-d-train.tfrecord")
}

/// One record header announcing `length` payload bytes, with a correct length CRC.
fn header(length: u64) -> Vec<u8> {
    let mut h = length.to_le_bytes().to_vec();
    h.extend_from_slice(&masked_crc32c(&length.to_le_bytes()).to_le_bytes());
    h
}

fn append(path: &Path, bytes: &[u8]) {
    let mut b = fs::read(path).unwrap();
    b.extend_from_slice(bytes);
    fs::write(path, b).unwrap();
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, f(text)).unwrap();
}

fn non_utf8_name(stem: &[u8], ext: &str) -> OsString {
    let mut v = stem.to_vec();
    v.extend_from_slice(ext.as_bytes());
    OsString::from_vec(v)
}

/// A compressed dataset `in/d/` (12 records of one 8×8 PNG frame) whose train record 5 holds
/// `frame` instead, checked by `validate --deep --json`.
fn deep_frame_case(dir: &Path, frame: Vec<u8>) -> Setup {
    let root = input(dir).join("d");
    let mut w = DatasetWriter::create(&root, "d", WriterOptions::default()).unwrap();
    for i in 0..12 {
        let png = if i == 5 { frame.clone() } else { fixtures::png(8, 8, i) };
        let frames = Frames::Compressed(vec![png]);
        let label = [i64::from(i % 2 == 0)];
        if i < 4 {
            w.push_test(&frames, &label, &[1.0]).unwrap();
        } else {
            w.push_train(&frames, &label, &[1.0]).unwrap();
        }
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: 8, col_count: 8, num_channels: 3, format: Format::Compressed, ..MatrixSpec::default() }],
        output_dim: 2,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
    Setup {
        args: vec!["validate".into(), "--json".into(), "--quiet".into(), "--deep".into(), root.into()],
        names: "sample-d-train.tfrecord".into(),
    }
}

/// CRC-32 (ISO-HDLC) of PNG chunks.
fn png_crc(bytes: &[u8]) -> u32 {
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
fn rgba16_png_header(w: u32, h: u32) -> Vec<u8> {
    let mut png = fixtures::huge_png_header(w, h);
    // IHDR data is bytes 16..29 (after the signature, length and type): depth, colour type.
    png[24] = 16;
    png[25] = 6;
    let crc = png_crc(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A good 16×16 PNG whose IDAT holds bytes that are not a zlib stream (CRCs recomputed).
fn png_with_junk_idat() -> Vec<u8> {
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
fn png_with_ihdr(edit: fn(&mut [u8])) -> Vec<u8> {
    let mut png = fixtures::png(16, 16, 3);
    edit(&mut png[16..29]);
    let crc = png_crc(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A good 16×16 JPEG whose frame header marker is changed to `sof` (e.g. 0xC9, arithmetic).
fn jpeg_with_sof(sof: u8) -> Vec<u8> {
    let mut jpeg = encoded(image::ImageFormat::Jpeg);
    let at = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline SOF0");
    jpeg[at + 1] = sof;
    jpeg
}

/// A 64×64 baseline JPEG with `bytes` written over its entropy-coded data, 20 bytes in: a
/// marker segment where scan data should be (issue 22, item 10).
fn jpeg_with_scan_bytes(bytes: &[u8]) -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(fixtures::pattern(64, 64, 3));
    let mut jpeg = fixtures::encode(&img, image::ImageFormat::Jpeg);
    let at = converters_image::probe::jpeg_header(&jpeg).expect("a JPEG").data_start + 20;
    jpeg[at..at + bytes.len()].copy_from_slice(bytes);
    jpeg
}

/// The first progressive JPEG of the shared Monkeys photos with the middle fifth of its first
/// scan zeroed: zeros decode as short codes, so that scan ends before its data does, which the
/// decoder refuses (issue 22, item 10). `clean` leaves it whole.
fn shared_progressive_jpeg(clean: bool) -> Vec<u8> {
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
fn black_rgb8_png(w: u32, h: u32) -> Vec<u8> {
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
fn generated(rel: &str) -> Vec<u8> {
    let media = support::media().expect("media cases run only when the media were generated");
    fs::read(media.join(rel)).unwrap()
}

/// Video class folders `walk/`, `run/` of four generated clips each (H.264 MP4 and MPEG-4
/// AVI of three sizes), plus the case's file; converted to 4 frames of 24×32.
#[cfg(feature = "ffmpeg")]
fn video_case(dir: &Path, rel: &str, bytes: &[u8]) -> Setup {
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

// ---------------------------------------------------------------------------------------------
// The corpus

const CASES: &[Case] = &[
    // --- images: zero-byte and truncated files of every kind the converter reads
    Case { name: "zero_byte_jpeg", build: |d| image_case(d, "cat/empty.jpg", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_png", build: |d| image_case(d, "dog/empty.png", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_gif", build: |d| image_case(d, "dog/empty.gif", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_webp", build: |d| image_case(d, "dog/empty.webp", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_tiff", build: |d| image_case(d, "dog/empty.tiff", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_bmp", build: |d| image_case(d, "dog/empty.bmp", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "truncated_jpeg", build: |d| image_case(d, "cat/cut.jpg", &half(fixtures::jpeg(32, 32, 1)), &[]), expect: Expect::Skipped { reason: "truncated JPEG" } },
    Case { name: "truncated_png", build: |d| image_case(d, "cat/cut.png", &half(fixtures::png(32, 32, 1)), &[]), expect: Expect::Skipped { reason: "truncated PNG" } },
    Case { name: "truncated_gif", build: |d| image_case(d, "cat/cut.gif", &half(encoded(image::ImageFormat::Gif)), &[]), expect: Expect::Skipped { reason: "does not decode" } },
    Case { name: "truncated_webp", build: |d| image_case(d, "cat/cut.webp", &half(encoded(image::ImageFormat::WebP)), &[]), expect: Expect::Skipped { reason: "decode" } },
    Case { name: "truncated_tiff", build: |d| image_case(d, "cat/cut.tiff", &half(encoded(image::ImageFormat::Tiff)), &[]), expect: Expect::Skipped { reason: "not a readable image" } },
    Case { name: "truncated_bmp", build: |d| image_case(d, "cat/cut.bmp", &half(encoded(image::ImageFormat::Bmp)), &[]), expect: Expect::Skipped { reason: "decode" } },
    Case {
        name: "decompression_bomb_png",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(100_000, 100_000), &[]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels" },
    },
    Case {
        name: "max_pixels_flag_limits_ordinary_images",
        build: |d| image_case(d, "cat/big.png", &fixtures::png(64, 64, 9), &["--max-pixels", "1000"]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels 1000" },
    },
    Case {
        name: "bomb_header_with_verify_is_not_decoded",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(9000, 9000), &["--verify"]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels" },
    },
    Case {
        name: "lying_extension_png_named_jpg_is_read_by_content",
        build: |d| image_case(d, "cat/really_png.jpg", &fixtures::png(16, 16, 4), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case {
        name: "lying_extension_text_named_jpg",
        build: |d| image_case(d, "cat/notes.jpg", b"just some words, not pixels\n", &[]),
        expect: Expect::Skipped { reason: "not a readable image" },
    },
    Case {
        name: "image_symlink_loop_in_class_folder",
        build: |d| {
            let s = image_case(d, "cat/0000.jpg", &fixtures::jpeg(16, 16, 1), &[]);
            std::os::unix::fs::symlink("..", input(d).join("cat/loop")).unwrap();
            Setup { names: "loop".into(), ..s }
        },
        expect: Expect::Skipped { reason: "through a symbolic link" },
    },
    Case {
        name: "image_dangling_symlink",
        build: |d| {
            let s = image_case(d, "cat/0000.jpg", &fixtures::jpeg(16, 16, 1), &[]);
            std::os::unix::fs::symlink("nowhere.jpg", input(d).join("cat/dangling.jpg")).unwrap();
            Setup { names: "dangling.jpg".into(), ..s }
        },
        expect: Expect::Skipped { reason: "cannot read" },
    },
    Case {
        name: "unreadable_image_permissions",
        build: |d| {
            let s = image_case(d, "cat/locked.jpg", &fixtures::jpeg(16, 16, 2), &[]);
            fs::set_permissions(input(d).join("cat/locked.jpg"), fs::Permissions::from_mode(0o000)).unwrap();
            s
        },
        // Replaced at run time when the tests run as root (see `effective_expect`).
        expect: Expect::Skipped { reason: "Permission denied" },
    },
    Case {
        name: "non_utf8_file_name_converts",
        build: |d| {
            let root = image_folder(d);
            fs::write(root.join("cat").join(non_utf8_name(b"caf\xe9", ".jpg")), fixtures::jpeg(16, 16, 8)).unwrap();
            Setup { args: convert_args(d, &root, &[]), names: String::new() }
        },
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case {
        name: "non_utf8_file_name_of_bad_image_is_named_lossily",
        build: |d| {
            let root = image_folder(d);
            fs::write(root.join("dog").join(non_utf8_name(b"bad\xff", ".png")), b"junk").unwrap();
            Setup { args: convert_args(d, &root, &[]), names: "bad\u{fffd}.png".into() }
        },
        expect: Expect::Skipped { reason: "not a readable image" },
    },
    Case {
        name: "duplicate_base_names_in_two_class_folders",
        build: |d| {
            let root = image_folder(d);
            assert!(root.join("cat/0000.jpg").is_file() && root.join("dog/0000.jpg").is_file());
            Setup { args: convert_args(d, &root, &[]), names: String::new() }
        },
        expect: Expect::Converted { records: 12, stderr: "" },
    },
    Case {
        name: "empty_class_folder",
        build: |d| {
            let root = image_folder(d);
            fs::create_dir_all(root.join("zebra")).unwrap();
            Setup { args: convert_args(d, &root, &[]), names: "zebra".into() }
        },
        expect: Expect::Converted { records: 12, stderr: "has no usable file" },
    },
    Case {
        name: "labels_csv_row_names_missing_file",
        build: |d| labels_csv_case(d, "ghost.png,1\n", "ghost.png"),
        expect: Expect::Skipped { reason: "listed in labels.csv but missing" },
    },
    Case {
        name: "labels_csv_unknown_class",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,5\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "unknown class index 5" },
    },
    Case {
        name: "labels_csv_ragged_row",
        build: |d| labels_csv_case(d, "img0.png,1,train,extra\n", "labels.csv"),
        expect: Expect::Skipped { reason: "4 fields, the header has 2" },
    },
    Case {
        name: "labels_csv_bad_header",
        build: |d| {
            let s = labels_csv_case(d, "", "labels.csv");
            edit(&input(d).join("labels.csv"), |t| t.replacen("FileName,Labels", "File,Class", 1));
            s
        },
        expect: Expect::Refused { reason: "header must be FileName,Labels" },
    },
    Case {
        name: "labels_csv_negative_class",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,-3\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "not a non-negative integer" },
    },
    Case {
        name: "image_on_error_fail_leaves_nothing",
        build: |d| image_case(d, "cat/empty.jpg", b"", &["--on-error", "fail"]),
        expect: Expect::Refused { reason: "empty file" },
    },
    Case {
        name: "image_every_file_bad",
        build: |d| {
            let root = input(d);
            for class in ["cat", "dog"] {
                for i in 0..3 {
                    write(&root.join(class).join(format!("{i}.png")), b"");
                }
            }
            Setup { args: convert_args(d, &root, &[]), names: "in".into() }
        },
        expect: Expect::Refused { reason: "test" },
    },
    // --- tables
    Case { name: "zero_byte_csv", build: |d| table_case(d, "t.csv", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "csv_with_only_a_header",
        build: |d| table_case(d, "t.csv", b"a,b,species\n", &[]),
        expect: Expect::Refused { reason: "" },
    },
    Case {
        name: "ragged_csv_row",
        build: |d| table_case(d, "t.csv", format!("{}1,2\n", table_csv()).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "field" },
    },
    Case {
        name: "csv_field_over_the_size_limit",
        build: |d| {
            let big = "9".repeat(converters_tabular::limits::MAX_CSV_FIELD_BYTES + 1);
            table_case(d, "t.csv", format!("{}{big},1,x\n", table_csv()).as_bytes(), &[])
        },
        expect: Expect::Skipped { reason: "bytes" },
    },
    Case {
        name: "csv_line_over_the_size_limit",
        build: |d| {
            let big = "7".repeat(converters_tabular::limits::MAX_CSV_LINE_BYTES + 10);
            table_case(d, "t.csv", format!("{}{big}", table_csv()).as_bytes(), &[])
        },
        expect: Expect::Refused { reason: "longer than" },
    },
    Case {
        name: "csv_invalid_utf8_cell",
        build: |d| {
            let mut bytes = table_csv().into_bytes();
            bytes.extend_from_slice(b"1,2,caf\xe9\n");
            table_case(d, "t.csv", &bytes, &[])
        },
        expect: Expect::Skipped { reason: "UTF-8" },
    },
    Case { name: "zero_byte_parquet", build: |d| table_case(d, "t.parquet", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "truncated_parquet",
        build: |d| table_case(d, "t.parquet", &half(parquet_bytes(false)), &["--target", "y"]),
        expect: Expect::Refused { reason: "" },
    },
    Case {
        name: "parquet_with_a_nested_column",
        build: |d| table_case(d, "t.parquet", &parquet_bytes(true), &["--target", "y"]),
        expect: Expect::Refused { reason: "column 'tags'" },
    },
    Case {
        // issue 22, item 12: used to say "test subset would hold 0 example(s)"
        name: "parquet_target_all_null",
        build: |d| table_case(d, "t.parquet", &parquet_with(false, true), &["--target", "y"]),
        expect: Expect::Refused { reason: "column 'y': the target column has no values" },
    },
    Case {
        name: "csv_target_all_empty",
        build: |d| table_case(d, "t.csv", table_csv().replace(",x\n", ",\n").replace(",y\n", ",\n").as_bytes(), &[]),
        expect: Expect::Refused { reason: "column 'species': the target column has no values" },
    },
    Case { name: "zero_byte_arrow", build: |d| table_case(d, "t.arrow", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "automl_solution_with_nan",
        build: |d| automl_case(d, |f| {
            f.insert("t_train.solution", f["t_train.solution"].replacen("1 0", "nan 0", 1));
        }, "t_train.solution"),
        expect: Expect::Skipped { reason: "not finite" },
    },
    Case {
        name: "automl_ragged_dense_row",
        build: |d| automl_case(d, |f| {
            f.insert("t_train.data", f["t_train.data"].replacen("5 2 10\n", "5 2\n", 1));
        }, "t_train.data"),
        expect: Expect::Skipped { reason: "ragged row" },
    },
    Case {
        name: "automl_rows_do_not_match_solution",
        build: |d| automl_case(d, |f| {
            f.get_mut("t_test.solution").unwrap().push_str("1 0\n");
        }, "t_test.data"),
        expect: Expect::Refused { reason: "rows but" },
    },
    Case {
        // 1e39 is infinite as f32: one bad row, not a dataset that fails validation.
        name: "automl_feature_value_infinite_as_f32",
        build: |d| automl_case(d, |f| {
            f.insert("t_train.data", f["t_train.data"].replacen("4 1 8\n", "4 1e39 8\n", 1));
        }, "t_train.data"),
        expect: Expect::Skipped { reason: "'1e39' is not finite" },
    },
    Case {
        name: "automl_solution_value_infinite_as_f32",
        build: |d| automl_case(d, |f| {
            f.insert("t_train.solution", f["t_train.solution"].replacen("0 1", "0 1e39", 1));
        }, "t_train.solution"),
        expect: Expect::Skipped { reason: "'1e39' is not finite" },
    },
    Case {
        name: "automl_zero_byte_data",
        build: |d| automl_case(d, |f| {
            f.insert("t_train.data", String::new());
        }, "t_train.data"),
        expect: Expect::Refused { reason: "rows but" },
    },
    // --- text
    Case { name: "text_zero_byte_document", build: |d| text_case(d, "pos/empty.txt", b""), expect: Expect::Skipped { reason: "empty document" } },
    Case { name: "text_whitespace_only_document", build: |d| text_case(d, "neg/blank.txt", b"  \n\t\n"), expect: Expect::Skipped { reason: "empty document" } },
    Case { name: "text_invalid_utf8", build: |d| text_case(d, "neg/latin1.txt", b"caf\xe9 au lait\n"), expect: Expect::Skipped { reason: "invalid UTF-8" } },
    Case {
        name: "text_truncated_inside_a_character",
        build: |d| text_case(d, "pos/cut.txt", &"naïve café 東京".as_bytes()[..18]),
        expect: Expect::Skipped { reason: "invalid UTF-8" },
    },
    Case {
        name: "text_jsonl_broken_line",
        build: |d| {
            let path = input(d).join("c.jsonl");
            let mut s = String::new();
            for i in 0..12 {
                s.push_str(&format!("{{\"text\": \"document number {i} words\", \"label\": \"{}\"}}\n", ["a", "b"][i % 2]));
            }
            s.push_str("{\"text\": \"unterminated\n");
            write(&path, s.as_bytes());
            Setup { args: convert_args(d, &path, &["--domain", "text"]), names: "c.jsonl".into() }
        },
        expect: Expect::Skipped { reason: "not a JSON object" },
    },
    Case {
        name: "text_zero_byte_jsonl",
        build: |d| {
            let path = input(d).join("c.jsonl");
            write(&path, b"");
            Setup { args: convert_args(d, &path, &["--domain", "text"]), names: "c.jsonl".into() }
        },
        expect: Expect::Refused { reason: "no labelled document" },
    },
    Case {
        name: "autonlp_class_num_bomb",
        build: |d| autonlp_case(d, |f| {
            f.insert("O1.data/meta.json", r#"{"class_num": 4000000000, "language": "EN"}"#.into());
        }, "meta.json"),
        expect: Expect::Refused { reason: "exceeds the limit" },
    },
    Case {
        name: "autonlp_solution_with_nan",
        build: |d| autonlp_case(d, |f| {
            f.insert("O1.data/train.solution", f["O1.data/train.solution"].replacen("1 0", "NaN 0", 1));
        }, "train.data"),
        expect: Expect::Skipped { reason: "no label" },
    },
    Case {
        name: "autonlp_rows_do_not_match",
        build: |d| autonlp_case(d, |f| {
            f.get_mut("O1.data/train.data").unwrap().push_str("one more line\n");
        }, "train.data"),
        expect: Expect::Refused { reason: "documents but" },
    },
    // --- audio (cases that need generated media, and the video cases, are in MEDIA_CASES)
    Case { name: "audio_zero_byte_wav", build: |d| audio_case(d, "yes/empty.wav", b""), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "audio_truncated_wav_header", build: |d| audio_case(d, "no/cut.wav", &wav(1600, 7)[..30]), expect: Expect::Skipped { reason: "" } },
    Case {
        name: "audio_text_file_named_wav",
        build: |d| audio_case(d, "yes/notes.wav", "this is a text file, not audio\n".repeat(20).as_bytes()),
        expect: Expect::Skipped { reason: "not a known audio container" },
    },
    // --- issue 22: inputs that reach outside the input, block, never end, or cost unbounded memory
    Case {
        name: "labels_csv_row_with_parent_path",
        build: |d| {
            write(&d.join("other/x.png"), &fixtures::png(12, 10, 3));
            labels_csv_case(d, "../other/x.png,1\n", "../other/x.png")
        },
        expect: Expect::Skipped { reason: "path with .." },
    },
    Case {
        name: "labels_csv_row_with_absolute_path",
        build: |d| {
            let outside = d.join("abs.png");
            write(&outside, &fixtures::png(12, 10, 3));
            let row = format!("{},1\n", outside.display());
            let s = labels_csv_case(d, "", "abs.png");
            edit(&input(d).join("labels.csv"), |t| format!("{t}{row}"));
            s
        },
        expect: Expect::Skipped { reason: "absolute path" },
    },
    Case {
        name: "labels_csv_row_naming_a_link_to_outside",
        build: |d| {
            write(&d.join("secret.png"), &fixtures::png(12, 10, 3));
            let s = labels_csv_case(d, "img9.png,1\n", "img9.png");
            std::os::unix::fs::symlink(d.join("secret.png"), input(d).join("img9.png")).unwrap();
            s
        },
        expect: Expect::Skipped { reason: "symbolic link to a file outside" },
    },
    Case {
        name: "labels_csv_index_far_above_the_example_count",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,100000000\n", "labels.csv");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            fs::remove_file(input(d).join("label.name")).unwrap();
            s
        },
        expect: Expect::Refused { reason: "class index 100000000 would make 100000001 classes" },
    },
    Case {
        name: "labels_csv_index_2_pow_32",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,4294967296\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "class index 4294967296 is too large" },
    },
    Case {
        name: "labels_csv_folder_with_unlisted_image",
        build: |d| {
            let s = labels_csv_case(d, "", "stray.png");
            write(&input(d).join("stray.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "not listed in labels.csv" },
    },
    Case { name: "image_fifo_in_class_folder", build: |d| image_special_case(d, "p.jpg", mkfifo), expect: Expect::Skipped { reason: "a FIFO, not a regular file" } },
    Case {
        name: "image_symlink_to_dev_zero",
        build: |d| image_special_case(d, "z.jpg", |p| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
        expect: Expect::Skipped { reason: "a character device, not a regular file" },
    },
    Case { name: "image_hidden_file_is_reported", build: |d| image_case(d, "cat/.hidden.jpg", &encoded(image::ImageFormat::Jpeg), &[]), expect: Expect::Skipped { reason: "hidden" } },
    Case {
        name: "image_folder_chain_deeper_than_the_limit",
        build: |d| {
            let root = image_folder(d);
            let deep = root.join("cat").join(["n"; 80].join("/"));
            write(&deep.join("x.jpg"), &encoded(image::ImageFormat::Jpeg));
            Setup { args: convert_args(d, &root, &[]), names: "n/n/n".into() }
        },
        expect: Expect::Skipped { reason: "levels deep: not entered" },
    },
    // --- issue 22, item 10: what the default check accepts, `validate --deep` accepts
    Case {
        name: "image_png_header_with_token_data",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(64, 64), &[]),
        expect: Expect::Skipped { reason: "PNG image data does not decode" },
    },
    Case {
        name: "image_png_idat_that_is_not_zlib",
        build: |d| image_case(d, "cat/junk.png", &png_with_junk_idat(), &[]),
        expect: Expect::Skipped { reason: "PNG image data does not decode" },
    },
    Case {
        name: "image_png_palette_without_plte",
        build: |d| image_case(d, "dog/nopal.png", &png_with_ihdr(|ihdr| ihdr[9] = 3), &[]),
        expect: Expect::Skipped { reason: "Missing palette" },
    },
    Case {
        name: "image_png_rgba16_8192_over_the_deep_bound",
        build: |d| image_case(d, "cat/big.png", &rgba16_png_header(8192, 8192), &[]),
        expect: Expect::Skipped { reason: "byte limit of deep validation" },
    },
    Case {
        name: "image_png_rgba16_8192_under_verify",
        build: |d| image_case(d, "cat/big.png", &rgba16_png_header(8192, 8192), &["--verify"]),
        expect: Expect::Skipped { reason: "byte limit of deep validation" },
    },
    Case {
        name: "image_jpeg_arithmetic_coding",
        build: |d| image_case(d, "dog/arith.jpg", &jpeg_with_sof(0xC9), &[]),
        expect: Expect::Skipped { reason: "not decodable" },
    },
    // a marker segment read from damaged scan data: the default check walks the scan and sends
    // such a file to the full decode of `validate --deep`, which refuses it
    Case {
        name: "image_jpeg_dht_marker_in_scan_data",
        build: |d| image_case(d, "cat/dht.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xC4, 0x00, 0x13, 0x25]), &[]),
        expect: Expect::Skipped { reason: "JPEG image data does not decode (marker 0xFFC4 inside the entropy-coded data" },
    },
    Case {
        name: "image_jpeg_dqt_marker_in_scan_data",
        build: |d| image_case(d, "dog/dqt.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xDB, 0x00, 0x04, 0x20]), &[]),
        expect: Expect::Skipped { reason: "Error parsing DQT segment" },
    },
    Case {
        name: "image_jpeg_sof_marker_in_scan_data",
        build: |d| image_case(d, "cat/sof.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xC0]), &[]),
        expect: Expect::Skipped { reason: "Two Start of Frame Markers" },
    },
    Case {
        name: "image_jpeg_sos_marker_in_scan_data",
        build: |d| image_case(d, "dog/sos.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xDA, 0x00, 0x05]), &[]),
        expect: Expect::Skipped { reason: "Bad SOS length 5" },
    },
    Case {
        name: "image_jpeg_app_segment_past_the_end_in_scan_data",
        build: |d| image_case(d, "dog/app.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xE0, 0xFF, 0xF0]), &[]),
        expect: Expect::Skipped { reason: "Exhausted data in the image" },
    },
    Case {
        name: "image_jpeg_comment_marker_in_scan_data_still_decodes",
        // the walk cannot vouch for it, the full decode can: kept
        build: |d| image_case(d, "cat/com.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xFE, 0x00, 0x02]), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case { name: "audio_wav_declaring_1_hz", build: |d| audio_case(d, "yes/slow.wav", &wav_with(1, 1, 16, &[1, 2, 3, 4, 5, 6, 7, 8])), expect: Expect::Skipped { reason: "sample rate 1 Hz outside" } },
    Case { name: "audio_float_wav_with_nan", build: |d| audio_case(d, "no/nan.wav", &float_wav_with_nan()), expect: Expect::Skipped { reason: "non-finite sample (NaN) at frame 800" } },
    Case {
        name: "table_infinite_cell",
        build: |d| table_case(d, "t.csv", table_csv().replacen("3.5,", "inf,", 1).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "column 'a': 'inf' is not a finite number" },
    },
    Case {
        name: "table_cell_beyond_f32",
        build: |d| table_case(d, "t.csv", table_csv().replacen(",10,", ",1e400,", 1).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "column 'b': '1e400' is not a finite number" },
    },
    // --- TFRecord datasets, metadata and solution (validate)
    Case {
        name: "tfrecord_zero_byte",
        // An empty record file is well-formed (no record): the count in the metadata is wrong.
        build: |d| dataset_case(d, |r| fs::write(test_records(r), b"").unwrap(), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_SAMPLE_COUNT_MISMATCH" },
    },
    Case {
        name: "tfrecord_truncated",
        build: |d| dataset_case(d, |r| {
            let b = fs::read(train_records(r)).unwrap();
            fs::write(train_records(r), &b[..b.len() - 7]).unwrap();
        }, "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRUNCATED_PAYLOAD" },
    },
    Case {
        name: "tfrecord_length_field_2_pow_63",
        build: |d| dataset_case(d, |r| append(&train_records(r), &header(1 << 63)), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRUNCATED_PAYLOAD" },
    },
    Case {
        name: "tfrecord_payload_crc_mismatch",
        build: |d| dataset_case(d, |r| {
            let mut b = fs::read(test_records(r)).unwrap();
            b[14] ^= 0x01;
            fs::write(test_records(r), b).unwrap();
        }, "sample-d-test.tfrecord"),
        expect: Expect::Finding { code: "TFR_BAD_PAYLOAD_CRC" },
    },
    Case {
        name: "tfrecord_trailing_bytes",
        build: |d| dataset_case(d, |r| append(&train_records(r), &[0xAB; 40]), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRAILING_GARBAGE" },
    },
    Case {
        name: "tfrecord_record_that_is_not_an_example",
        build: |d| dataset_case(d, |r| append(&train_records(r), &frame_record(b"\xff\xff\xff\xff not protobuf")), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "EX_PROTOBUF" },
    },
    Case {
        name: "tfrecord_symlink_loop",
        build: |d| dataset_case(d, |r| {
            let link = r.join("d.data/train/sample-loop");
            std::os::unix::fs::symlink("sample-loop", &link).unwrap();
        }, "sample-loop"),
        expect: Expect::Finding { code: "LAYOUT_RECORD_NOT_A_FILE" },
    },
    Case {
        name: "metadata_duplicated_field",
        build: |d| dataset_case(d, |r| edit(&r.join("d.data/train/metadata.textproto"), |t| format!("{t}output_dim: 3\n")), "train/metadata.textproto"),
        expect: Expect::Finding { code: "META_PARSE" },
    },
    Case {
        name: "metadata_zero_byte",
        build: |d| dataset_case(d, |r| fs::write(r.join("d.data/test/metadata.textproto"), b"").unwrap(), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_MATRIX_SPEC_COUNT" },
    },
    Case {
        name: "metadata_invalid_utf8",
        build: |d| dataset_case(d, |r| append(&r.join("d.data/test/metadata.textproto"), b"# \xff\xfe\n"), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_PARSE" },
    },
    // --- validate --deep on compressed frames whose header asks for too much memory
    Case {
        name: "deep_png_header_claims_huge_size",
        build: |d| deep_frame_case(d, fixtures::huge_png_header(100_000, 100_000)),
        expect: Expect::FindingSaying { code: "COMPRESSED_UNDECODABLE", message: "pixel limit" },
    },
    Case {
        // 2^26 pixels (within MAX_IMAGE_PIXELS) of 8 bytes: 512 MiB decoded, over the budget.
        name: "deep_png_header_rgba16_over_decode_budget",
        build: |d| deep_frame_case(d, rgba16_png_header(8192, 8192)),
        expect: Expect::FindingSaying { code: "COMPRESSED_UNDECODABLE", message: "byte limit of deep validation" },
    },
    Case {
        name: "solution_with_nan",
        build: |d| dataset_case(d, |r| edit(&r.join("d.solution"), |t| t.replacen('1', "nan", 1)), "d.solution"),
        expect: Expect::Finding { code: "SOL_PARSE" },
    },
    Case {
        name: "solution_truncated",
        build: |d| dataset_case(d, |r| {
            let t = fs::read_to_string(r.join("d.solution")).unwrap();
            fs::write(r.join("d.solution"), &t[..t.len() / 2 + 1]).unwrap();
        }, "d.solution"),
        expect: Expect::Finding { code: "SOL_" },
    },
];

/// Cases that need the generated media (ffmpeg CLI) and the binary's FFmpeg decoders.
#[cfg(feature = "ffmpeg")]
const MEDIA_CASES: &[Case] = &[
    Case { name: "video_zero_byte_mp4", build: |d| video_case(d, "walk/empty.mp4", b""), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case {
        name: "video_truncated_mp4",
        build: |d| video_case(d, "run/cut.mp4", &generated("video/truncated.mp4")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_with_zero_frames",
        build: |d| video_case(d, "walk/none.mkv", &generated("video/zero_frames.mkv")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_text_file_named_mp4",
        build: |d| video_case(d, "run/notes.mp4", &generated("video/text.mp4")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_lying_extension_mp4_named_avi_is_read_by_content",
        build: |d| video_case(d, "walk/really_mp4.avi", &generated("video/h264.mp4")),
        expect: Expect::Converted { records: 9, stderr: "" },
    },
    Case {
        name: "audio_truncated_flac",
        build: |d| audio_case(d, "no/cut.flac", &generated("audio/truncated.flac")),
        expect: Expect::Skipped { reason: "zero-length audio" },
    },
    Case {
        name: "audio_wav_with_zero_samples",
        build: |d| audio_case(d, "yes/none.wav", &generated("audio/empty_samples.wav")),
        expect: Expect::Skipped { reason: "zero-length audio: no samples" },
    },
    Case {
        name: "audio_lying_extension_mp3_named_wav_is_read_by_content",
        build: |d| audio_case(d, "yes/really_mp3.wav", &generated("audio/tone.mp3")),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
];
#[cfg(not(feature = "ffmpeg"))]
const MEDIA_CASES: &[Case] = &[];

/// Cases built from the shared real data (skipped without it, failing under CI=true).
const SHARED_CASES: &[Case] = &[
    Case {
        name: "image_progressive_jpeg_with_a_short_first_scan",
        build: |d| image_case(d, "dog/prog.jpg", &shared_progressive_jpeg(false), &[]),
        expect: Expect::Skipped { reason: "Marker missing where expected" },
    },
    Case {
        name: "image_progressive_jpeg_whole",
        build: |d| image_case(d, "dog/prog.jpg", &shared_progressive_jpeg(true), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
];

// ---------------------------------------------------------------------------------------------
// The runner

fn run(args: &[OsString]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autodl-format"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run autodl-format")
}

/// Every file below `dir` with its bytes (symbolic links as their target text), to prove
/// the input was not modified.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                out.insert(p.clone(), fs::read_link(&p).unwrap().into_os_string().into_vec());
            } else if ft.is_dir() {
                stack.push(p);
            } else if !ft.is_file() {
                // A FIFO or device: reading it would block or never end.
                out.insert(p.clone(), format!("special: {ft:?}").into_bytes());
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes()));
            }
        }
    }
    out
}

/// Root reads files whatever their mode bits: the unreadable-permission case then expects a
/// normal conversion (the file is read), which is what applies on such a machine.
fn effective_expect(case: &Case, dir: &Path) -> Expect {
    if case.name == "unreadable_image_permissions" {
        let readable = fs::File::open(input(dir).join("cat/locked.jpg")).is_ok();
        if readable {
            return Expect::Converted { records: 13, stderr: "" };
        }
    }
    case.expect
}

fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

fn records_in(dataset: &Path) -> u64 {
    let reader = formats::dataset::DatasetReader::open(dataset).expect("converted dataset opens");
    reader.subsets().iter().map(|&s| reader.examples(s).unwrap().count() as u64).sum()
}

/// Checks one case; `Err` says what went wrong.
fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let setup = (case.build)(dir);
    let expect = effective_expect(case, dir);
    let before = snapshot(&input(dir));
    let out = run(&setup.args);
    let after = snapshot(&input(dir));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code();
    let ctx = format!("exit {code:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    if before != after {
        return Err(format!("the input was modified\n{ctx}"));
    }
    if stderr.contains("panicked") || code.is_none() {
        return Err(format!("crashed\n{ctx}"));
    }
    let out_dir = output(dir);
    let leftovers = entries(&dir.join("out"));
    match expect {
        Expect::Refused { reason } => {
            if code != Some(2) {
                return Err(format!("expected exit 2\n{ctx}"));
            }
            if !stderr.contains(&setup.names) || !stderr.contains(reason) {
                return Err(format!("message must name {:?} and say {reason:?}\n{ctx}", setup.names));
            }
            if !leftovers.is_empty() {
                return Err(format!("output folder not empty after a refusal: {leftovers:?}\n{ctx}"));
            }
        }
        Expect::Skipped { reason } => {
            if code != Some(0) {
                return Err(format!("expected exit 0 (skip policy)\n{ctx}"));
            }
            let report = fs::read_to_string(out_dir.join("case_skipped.tsv")).unwrap_or_default();
            let row = report.lines().skip(1).find(|l| l.contains(&setup.names));
            match row {
                Some(row) if row.contains(reason) => {}
                _ => return Err(format!("skip report must list {:?} with {reason:?}:\n{report}\n{ctx}", setup.names)),
            }
            if !stderr.contains("skipped") {
                return Err(format!("stderr must summarise the skips\n{ctx}"));
            }
            check_dataset(&out_dir, &leftovers, &ctx)?;
        }
        Expect::Converted { records, stderr: needle } => {
            if code != Some(0) {
                return Err(format!("expected exit 0\n{ctx}"));
            }
            if out_dir.join("case_skipped.tsv").exists() {
                let report = fs::read_to_string(out_dir.join("case_skipped.tsv")).unwrap();
                return Err(format!("nothing should be skipped:\n{report}\n{ctx}"));
            }
            if !needle.is_empty() && !(stderr.contains(needle) && stderr.contains(&setup.names)) {
                return Err(format!("stderr must say {needle:?} naming {:?}\n{ctx}", setup.names));
            }
            check_dataset(&out_dir, &leftovers, &ctx)?;
            let n = records_in(&out_dir);
            if n != records {
                return Err(format!("{n} records, expected {records}\n{ctx}"));
            }
        }
        Expect::Finding { code: wanted } | Expect::FindingSaying { code: wanted, .. } => {
            let saying = match expect {
                Expect::FindingSaying { message, .. } => message,
                _ => "",
            };
            if code != Some(1) {
                return Err(format!("validate: expected exit 1\n{ctx}"));
            }
            let report: serde_json::Value =
                serde_json::from_str(&stdout).map_err(|e| format!("validate --json output: {e}\n{ctx}"))?;
            let hit = report["findings"].as_array().into_iter().flatten().any(|f| {
                f["code"].as_str().is_some_and(|c| c.starts_with(wanted))
                    && f["location"]["file"].as_str().is_some_and(|p| p.contains(&setup.names))
                    && f["message"].as_str().is_some_and(|m| m.contains(saying))
            });
            if !hit {
                return Err(format!("no {wanted} finding saying {saying:?} located in {:?}\n{ctx}", setup.names));
            }
        }
    }
    Ok(())
}

fn check_dataset(out_dir: &Path, leftovers: &[String], ctx: &str) -> Result<(), String> {
    if leftovers != ["ds"] {
        return Err(format!("the output's parent must hold only the dataset, found {leftovers:?}\n{ctx}"));
    }
    // deep: a dataset the tool wrote must pass its own deepest check (issue 22, item 10)
    let v = run(&["validate".into(), "--quiet".into(), "--deep".into(), out_dir.into()]);
    if v.status.code() != Some(0) {
        return Err(format!("the converted dataset does not validate --deep:\n{}\n{ctx}", String::from_utf8_lossy(&v.stdout)));
    }
    Ok(())
}

#[test]
fn corpus_has_at_least_forty_cases_with_unique_names() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let mut names: Vec<&str> = CASES.iter().chain(MEDIA_CASES).chain(SHARED_CASES).map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len() + MEDIA_CASES.len() + SHARED_CASES.len(), "case names must be unique");
}

/// `validate --deep` on the largest frame it accepts, 2^26 pixels of 8-bit RGB (192 MiB
/// decoded, = MAX_DEEP_DECODE_BYTES): the frame is decoded (its size is reported against the
/// metadata) and the process peaks under the 512 MB budget (issue 9).
#[test]
fn deep_validation_of_the_largest_accepted_frame_stays_under_512_mb() {
    let png = black_rgb8_png(8192, 8192);
    let decoded = image::load_from_memory(&black_rgb8_png(64, 3)).expect("the hand-made PNG decodes");
    assert_eq!((decoded.width(), decoded.height()), (64, 3));
    let tmp = tempfile::tempdir().unwrap();
    let setup = deep_frame_case(tmp.path(), png);
    let Ok(out) = Command::new("/usr/bin/time").args(["-f", "maxrss_kb=%M"]).arg(env!("CARGO_BIN_EXE_autodl-format")).args(&setup.args).output() else {
        eprintln!("skipping: /usr/bin/time missing");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("COMPRESSED_SIZE_MISMATCH") && stdout.contains("8192×8192"),
        "the 8192×8192 frame must be decoded and compared with the metadata's 8×8:\n{stdout}\n{stderr}"
    );
    let rss_kb: u64 = stderr.lines().find_map(|l| l.strip_prefix("maxrss_kb=")).and_then(|v| v.trim().parse().ok()).expect("time's report");
    eprintln!("validate --deep peak RSS: {} MB", rss_kb / 1024);
    assert!(rss_kb < 512 * 1024, "peak RSS {rss_kb} kB over 512 MB\n{stderr}");
}

#[test]
fn every_bad_input_gets_its_expected_outcome() {
    run_cases(CASES);
}

#[test]
fn every_bad_real_photo_gets_its_expected_outcome() {
    if formats::testing::shared_data_dir().is_none() {
        return;
    }
    run_cases(SHARED_CASES);
}

#[cfg(feature = "ffmpeg")]
#[test]
fn every_bad_media_input_gets_its_expected_outcome() {
    if support::media().is_none() {
        return;
    }
    run_cases(MEDIA_CASES);
}

fn run_cases(cases: &[Case]) {
    let tmp = tempfile::tempdir().unwrap();
    // `BAD_INPUT=<name>` runs one case (while adding or debugging one).
    let only = std::env::var("BAD_INPUT").ok();
    let selected: Vec<&Case> = cases.iter().filter(|c| only.as_deref().is_none_or(|o| o == c.name)).collect();
    if selected.is_empty() {
        // Fine when BAD_INPUT names a case of the other list.
        let known = only.as_deref().is_some_and(|o| CASES.iter().chain(MEDIA_CASES).chain(SHARED_CASES).any(|c| c.name == o));
        assert!(known, "no case matched BAD_INPUT={only:?}");
        return;
    }
    let ran = selected.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    // A few cases at a time: each one mostly waits for its child process.
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = selected.get(i) else { break };
                let dir = tmp.path().join(case.name);
                fs::create_dir_all(&dir).unwrap();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case, &dir))).unwrap_or_else(|_| Err("the check panicked".into()));
                if let Err(why) = result {
                    failures.lock().unwrap().push(format!("=== {}: {why}", case.name));
                }
                // Unlock the permission case so the temporary folder can be removed.
                let _ = fs::set_permissions(input(&dir).join("cat/locked.jpg"), fs::Permissions::from_mode(0o644));
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {ran} cases failed:\n{}", failures.len(), failures.join("\n"));
}
