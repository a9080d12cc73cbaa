//! `inspect` on the shared datasets reports the counts and shapes of spec §4.5 / §8.1.

use std::fs;
use std::path::{Path, PathBuf};

use formats::example;
use formats::inspect::{infer_domain, inspect, Domain, HistogramSource, Inspection, Spread};
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::tfrecord::TfRecordReader;

fn shared(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

/// Train histogram counted straight from the record file, without the dataset reader.
fn train_histogram(file: &Path, output_dim: usize) -> Vec<u64> {
    let mut h = vec![0; output_dim];
    let mut r = TfRecordReader::open(file).unwrap();
    while let Some(rec) = r.next_record().unwrap() {
        for i in example::decode(rec.payload).unwrap().label_index {
            h[i as usize] += 1;
        }
    }
    h
}

/// Test histogram counted from the solution text: cells equal to 1 per column.
fn solution_histogram(file: &Path) -> Vec<u64> {
    let text = fs::read_to_string(file).unwrap();
    let mut h: Vec<u64> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<f64> = line.split_whitespace().map(|c| c.parse().unwrap()).collect();
        h.resize(cells.len(), 0);
        for (c, v) in cells.iter().enumerate() {
            h[c] += u64::from(*v == 1.0);
        }
    }
    h
}

fn single(n: u64) -> Option<Spread> {
    Some(Spread { min: n, median: n, max: n })
}

fn check_common(i: &Inspection, dir: &Path, train_file: &str, train: u64, test: u64) {
    let tr = i.subset("train").unwrap();
    let te = i.subset("test").unwrap();
    assert_eq!((tr.records, tr.sample_count, tr.files), (train, train as i64, 1));
    assert_eq!((te.records, te.sample_count, te.files), (test, test as i64, 1));
    assert_eq!(tr.frames_per_example, single(1));
    assert_eq!(te.frames_per_example, single(1));
    assert_eq!(i.output_dim, 10);
    assert_eq!(i.domain, Domain::Image);
    let name = &i.name;
    let train_path = dir.join(format!("{name}.data/train/{train_file}"));
    assert_eq!(tr.class_histogram, train_histogram(&train_path, 10));
    assert_eq!(tr.class_histogram.iter().sum::<u64>(), train);
    assert_eq!(tr.histogram_source, HistogramSource::Records);
    assert_eq!(te.class_histogram, solution_histogram(&dir.join(format!("{name}.solution"))));
    assert_eq!(te.class_histogram.iter().sum::<u64>(), test);
    assert_eq!(te.histogram_source, HistogramSource::Solution);
    let on_disk: u64 = walk(dir);
    assert_eq!(i.bytes_on_disk, on_disk);
    assert!(i.bytes_on_disk > tr.record_bytes + te.record_bytes);
}

fn walk(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}

/// `inspect` of the shared dataset `name` with the checks every shared image set gets
/// ([`check_common`] on its `train_file` and `(train, test)` counts), its storage `format` and
/// its shape `(sequence_size, row_count, col_count, num_channels, effective_channels)`; `None`
/// without the shared data.
fn inspected(name: &str, train_file: &str, (train, test): (u64, u64), format: Format, shape: [i32; 5]) -> Option<Inspection> {
    let dir = shared(name)?;
    let i = inspect(&dir).unwrap();
    assert_eq!(i.name, name);
    check_common(&i, &dir, train_file, train, test);
    assert_eq!(i.format, format);
    let s = i.shape;
    assert_eq!([s.sequence_size, s.row_count, s.col_count, s.num_channels, s.effective_channels], shape);
    Some(i)
}

#[test]
fn monkeys() {
    let Some(i) = inspected("Monkeys", "sample-Monkeys-train.tfrecord", (26, 4), Format::Compressed, [1, -1, -1, -1, 3]) else { return };
    assert_eq!(i.shape.to_string(), "(1, -1, -1, -1→3)");
    assert_eq!(i.label_names_total, 0);
    assert_eq!(i.vocabulary_size, 0);
    // spec §8.1: variable sizes up to 800 px (read from the JPEG headers).
    let tr = i.subset("train").unwrap();
    let (h, w) = (tr.frame_height.unwrap(), tr.frame_width.unwrap());
    assert_eq!(h.max.max(w.max), 800, "{h:?} {w:?}");
    assert!(h.min > 100 && w.min > 100, "{h:?} {w:?}");
    assert!(h.min < h.max && w.min < w.max, "Monkeys images vary in size");
}

#[test]
fn miniciao() {
    let Some(i) = inspected("miniciao", "sample-miniciao-train.tfrecord", (82, 18), Format::Compressed, [1, 32, 32, 3, 3]) else { return };
    assert_eq!(i.label_names_total, 10);
    assert_eq!(i.label_names[0], "airplane");
    assert_eq!(i.label_names[9], "truck");
    let tr = i.subset("train").unwrap();
    assert_eq!((tr.frame_height, tr.frame_width), (single(32), single(32)));
}

#[test]
fn mini1() {
    let Some(i) = inspected("mini1", "sample-train-50-lines", (50, 10), Format::Dense, [1, 28, 28, -1, 1]) else { return };
    // Legacy test labels are not trusted: the test histogram comes from the solution.
    assert_eq!(i.subset("test").unwrap().histogram_source, HistogramSource::Solution);
    assert_eq!(i.subset("train").unwrap().frame_height, None);
}

#[test]
fn inspect_json_has_the_reported_fields() {
    let Some(dir) = shared("miniciao") else { return };
    let v = serde_json::to_value(inspect(&dir).unwrap()).unwrap();
    for key in ["name", "domain", "shape", "format", "subsets", "vocabulary_size", "label_names", "bytes_on_disk"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["domain"], "image");
    assert_eq!(v["format"], "COMPRESSED");
    assert_eq!(v["subsets"][1]["histogram_source"], "solution");
}

#[test]
fn broken_dataset_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(inspect(tmp.path()).is_err());
    assert!(inspect(&tmp.path().join("missing")).is_err());
}

fn spec(seq: i32, rows: i32, cols: i32, vocab: usize) -> DataSpec {
    DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: rows, col_count: cols, ..MatrixSpec::default() }],
        sequence_size: seq,
        channel_to_index_map: (0..vocab).map(|i| (format!("t{i}"), i as i32)).collect(),
        ..DataSpec::default()
    }
}

/// The consumer rule of spec §5.6, including its documented edge cases.
#[test]
fn domain_inference_rule() {
    assert_eq!(infer_domain(&spec(1, 32, 32, 0)), Domain::Image);
    assert_eq!(infer_domain(&spec(1, -1, -1, 0)), Domain::Image);
    assert_eq!(infer_domain(&spec(1, 1, 54, 0)), Domain::Tabular);
    assert_eq!(infer_domain(&spec(1, 54, 1, 0)), Domain::Tabular);
    assert_eq!(infer_domain(&spec(-1, 1, 1, 17576)), Domain::Text);
    assert_eq!(infer_domain(&spec(-1, 1, 1, 0)), Domain::Speech);
    assert_eq!(infer_domain(&spec(-1, 120, 160, 0)), Domain::Video);
    assert_eq!(infer_domain(&spec(312, 120, 160, 0)), Domain::Video);
    // Edge cases named by the spec: a tabular set reshaped to T > 1 frames reads as video.
    assert_eq!(infer_domain(&spec(4, 2, 3, 0)), Domain::Video);
}

/// A text dataset written with our writer: domain, vocabulary and frames per example.
#[test]
fn text_dataset_frames_and_vocabulary() {
    use formats::dataset::{DatasetWriter, WriterOptions};
    use formats::example::Frames;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("words");
    let mut w = DatasetWriter::create(&out, "words", WriterOptions::default()).unwrap();
    let doc = |n: usize| Frames::dense_from_frames((0..n).map(|t| [(t % 4) as f32]));
    for n in [3, 2, 9] {
        w.push_test(&doc(n), &[1], &[1.0]).unwrap();
    }
    for (n, label) in [(1, 0), (5, 1), (2, 1), (7, 0)] {
        w.push_train(&doc(n), &[label], &[1.0]).unwrap();
    }
    let mut s = spec(-1, 1, 1, 4);
    s.output_dim = 2;
    s.sequence_size_present = true;
    s.matrix_spec[0].num_channels = 1;
    w.finish(s, None).unwrap();
    let i = inspect(&out).unwrap();
    assert_eq!(i.domain, Domain::Text);
    assert_eq!(i.vocabulary_size, 4);
    let tr = i.subset("train").unwrap();
    assert_eq!(tr.frames_per_example, Some(Spread { min: 1, median: 2, max: 7 }));
    assert_eq!(tr.class_histogram, vec![2, 2]);
    let te = i.subset("test").unwrap();
    assert_eq!(te.frames_per_example, Some(Spread { min: 2, median: 3, max: 9 }));
    assert_eq!(te.class_histogram, vec![0, 3]);
}
