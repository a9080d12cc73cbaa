//! Interoperability with a reader nobody here wrote: what our `DatasetWriter` writes is read by
//! Python's `tfrecord` package (PyPI; CRCs checked, payloads parsed by its bundled
//! `example_pb2`), which must see the same ids, labels and values.
//!
//! Needs `python3` with `pip install tfrecord protobuf` (`AUTODL_PYTHON` names another
//! interpreter). Without them the test is skipped with a message — except under `CI=true`,
//! where it fails, so CI cannot pass by skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::{Frames, SparseFrame};
use formats::metadata::{DataSpec, Format, MatrixSpec};
use serde_json::Value;

fn python() -> Option<String> {
    let exe = std::env::var("AUTODL_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&exe)
        .args(["-c", "import tfrecord.example_pb2, tfrecord.reader, google.protobuf"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(exe);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("{exe} cannot import the `tfrecord` package; `pip install tfrecord protobuf` (required when CI=true)");
    }
    eprintln!("skipping: {exe} cannot import `tfrecord` (pip install tfrecord protobuf)");
    None
}

/// Runs the Python reader over `files` and returns its JSON description.
fn python_view(exe: &str, files: &[PathBuf]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/read_tfrecord.py");
    let out = Command::new(exe).arg(script).args(files).output().expect("run python");
    assert!(
        out.status.success(),
        "python reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python JSON")
}

/// One record as we meant to write it.
struct Written {
    frames: Frames,
    label_index: Vec<i64>,
    label_score: Vec<f32>,
}

fn ints(v: &Value) -> Vec<i64> {
    v["int64"].as_array().unwrap_or_else(|| panic!("not an int64_list: {v}")).iter().map(|x| x.as_i64().unwrap()).collect()
}

fn floats(v: &Value) -> Vec<f32> {
    v["float"].as_array().unwrap_or_else(|| panic!("not a float_list: {v}")).iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn bytes(v: &Value) -> Vec<Vec<u8>> {
    v["bytes"]
        .as_array()
        .unwrap_or_else(|| panic!("not a bytes_list: {v}"))
        .iter()
        .map(|b| base64_decode(b.as_str().unwrap()))
        .collect()
}

/// Standard base64 (the Python side uses `base64.b64encode`).
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
        let mut n = 0u32;
        for (i, &c) in data.iter().enumerate() {
            n |= val(c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..data.len()]);
    }
    out
}

/// Compares what Python saw in one file with what we wrote; `first_id` is the id of record 0.
fn compare(file: &Value, written: &[Written], first_id: i64, test: bool) {
    let records = file["records"].as_array().unwrap();
    assert_eq!(records.len(), written.len(), "{}", file["path"]);
    for (k, (seen, w)) in records.iter().zip(written).enumerate() {
        let ctx = &seen["context"];
        let keys: Vec<&String> = ctx.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3, "record {k}: context keys {keys:?}");
        assert_eq!(ints(&ctx["id"]), vec![first_id + k as i64], "record {k} id");
        if test {
            // spec §1.3: test labels are blanked as present-but-empty lists.
            assert_eq!(ints(&ctx["label_index"]), Vec::<i64>::new());
            assert_eq!(floats(&ctx["label_score"]), Vec::<f32>::new());
        } else {
            assert_eq!(ints(&ctx["label_index"]), w.label_index, "record {k} labels");
            assert_eq!(floats(&ctx["label_score"]), w.label_score, "record {k} scores");
        }
        let lists = &seen["feature_lists"];
        match &w.frames {
            Frames::Dense { values, offsets } => {
                let frames = lists["0_dense_input"].as_array().unwrap();
                assert_eq!(frames.len(), offsets.len() - 1);
                for (t, f) in frames.iter().enumerate() {
                    let got = floats(f);
                    let want = &values[offsets[t]..offsets[t + 1]];
                    // Bit-exact: compare the IEEE bits, not approximate values.
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&got), bits(want), "record {k} frame {t}");
                }
            }
            Frames::Compressed(images) => {
                let frames = lists["0_compressed"].as_array().unwrap();
                let got: Vec<Vec<u8>> = frames.iter().map(|f| {
                    let b = bytes(f);
                    assert_eq!(b.len(), 1, "one bytes element per frame");
                    b.into_iter().next().unwrap()
                }).collect();
                assert_eq!(&got, images, "record {k} images");
            }
            Frames::Sparse(frames) => {
                let rows: Vec<Vec<i64>> = lists["0_sparse_row_index"].as_array().unwrap().iter().map(ints).collect();
                let cols: Vec<Vec<i64>> = lists["0_sparse_col_index"].as_array().unwrap().iter().map(ints).collect();
                let chans: Vec<Vec<i64>> = lists["0_sparse_channel_index"].as_array().unwrap().iter().map(ints).collect();
                let vals: Vec<Vec<f32>> = lists["0_sparse_value"].as_array().unwrap().iter().map(floats).collect();
                for (t, f) in frames.iter().enumerate() {
                    assert_eq!(rows[t], f.row);
                    assert_eq!(cols[t], f.col);
                    assert_eq!(Some(&chans[t]), f.channel.as_ref());
                    assert_eq!(vals[t], f.value);
                }
            }
        }
    }
}

/// Writes a dataset with our writer, reads its two record files back in Python, compares.
fn round_trip(format: Format, test: Vec<Written>, train: Vec<Written>, matrix: MatrixSpec, sequence_size: i32) {
    let Some(exe) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("interop");
    let mut w = DatasetWriter::create(&out, "interop", WriterOptions::default()).unwrap();
    for r in &test {
        w.push_test(&r.frames, &r.label_index, &r.label_score).unwrap();
    }
    for r in &train {
        w.push_train(&r.frames, &r.label_index, &r.label_score).unwrap();
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { format, ..matrix }],
        output_dim: 5,
        sequence_size,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
    let data = out.join("interop.data");
    let files = [
        data.join("test/sample-interop-test.tfrecord"),
        data.join("train/sample-interop-train.tfrecord"),
    ];
    let seen = python_view(&exe, &files);
    let seen_files = seen["files"].as_array().unwrap();
    compare(&seen_files[0], &test, 0, true);
    compare(&seen_files[1], &train, test.len() as i64, false);
}

/// Deterministic awkward floats: negative, tiny, huge, subnormal, signed zero.
fn values(seed: u32, n: usize) -> Vec<f32> {
    let special = [0.0, -0.0, 1.0, -1.5, 1e-40, 3.4e38, -2.5e-7, 0.1];
    (0..n)
        .map(|i| {
            let x = (seed as usize * 31 + i * 7) % 97;
            if x < special.len() { special[x] } else { (x as f32 - 40.0) / 7.0 }
        })
        .collect()
}

#[test]
fn dense_records_read_by_python_tfrecord() {
    let rec = |seed: u32, labels: &[i64], scores: &[f32]| {
        let frames: Vec<Vec<f32>> = (0..3).map(|t| values(seed * 3 + t, 12)).collect();
        Written {
            frames: Frames::dense_from_frames(&frames),
            label_index: labels.to_vec(),
            label_score: scores.to_vec(),
        }
    };
    let test = vec![rec(1, &[0], &[1.0]), rec(2, &[4], &[1.0]), rec(3, &[1, 2], &[1.0, 1.0])];
    let train = vec![
        rec(4, &[3], &[1.0]),
        rec(5, &[2, 0], &[0.25, 0.75]),
        rec(6, &[], &[]),
        rec(7, &[4, 1, 3], &[0.5, 1.0, 0.125]),
    ];
    let matrix = MatrixSpec { row_count: 2, col_count: 3, num_channels: 2, num_channels_present: true, ..MatrixSpec::default() };
    round_trip(Format::Dense, test, train, matrix, 3);
}

#[test]
fn compressed_records_read_by_python_tfrecord() {
    let png = |w: u32, h: u32, shade: u8| {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([shade, (x * 9) as u8, (y * 5) as u8]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let rec = |images: Vec<Vec<u8>>, labels: &[i64]| Written {
        frames: Frames::Compressed(images),
        label_index: labels.to_vec(),
        label_score: vec![1.0; labels.len()],
    };
    let test = vec![rec(vec![png(8, 6, 1)], &[2]), rec(vec![png(5, 9, 2)], &[0])];
    let train = vec![
        rec(vec![png(7, 7, 3)], &[1]),
        rec(vec![png(4, 4, 4), png(4, 4, 5)], &[4]),
        rec(vec![png(16, 3, 6)], &[3]),
    ];
    let matrix = MatrixSpec { row_count: -1, col_count: -1, num_channels: 3, num_channels_present: true, ..MatrixSpec::default() };
    round_trip(Format::Compressed, test, train, matrix, -1);
}

#[test]
fn sparse_records_read_by_python_tfrecord() {
    let rec = |n: usize, labels: &[i64]| Written {
        frames: Frames::Sparse(vec![SparseFrame {
            row: (0..n as i64).map(|i| i % 2).collect(),
            col: (0..n as i64).map(|i| (i * 3) % 10).collect(),
            channel: Some(vec![0; n]),
            value: values(n as u32, n),
        }]),
        label_index: labels.to_vec(),
        label_score: vec![1.0; labels.len()],
    };
    let test = vec![rec(3, &[1]), rec(0, &[2])];
    let train = vec![rec(5, &[0]), rec(1, &[4])];
    let matrix = MatrixSpec { row_count: 2, col_count: 10, num_channels: 1, num_channels_present: true, ..MatrixSpec::default() };
    round_trip(Format::Sparse, test, train, matrix, 1);
}

/// The Python side really checks CRCs: a flipped payload byte makes it fail.
#[test]
fn python_reader_rejects_a_bad_crc() {
    let Some(exe) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sample-bad.tfrecord");
    let mut bytes = formats::tfrecord::frame_record(b"\x0a\x00");
    bytes[13] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/read_tfrecord.py");
    let out = Command::new(&exe).arg(script).arg(&file).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad payload CRC"));
}
