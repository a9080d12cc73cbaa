//! Dataset layout, reader and writer (spec §1, §3.4, §6): the shared datasets with the counts of
//! spec §4.5, read → write → read of each, writer atomicity, and interoperability with the
//! `tfrecord` crate.

use std::fs;
use std::path::{Path, PathBuf};

use formats::dataset::{DatasetLayout, DatasetReader, DatasetWriter, Subset, WriterOptions};
use formats::example::{decode, Frames};
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::Error;

struct Expected {
    name: &'static str,
    train: usize,
    test: usize,
    output_dim: i32,
    format: Format,
    /// (T, H, W, C) when fixed; H and W of 0 = variable.
    shape: (usize, usize, usize, usize),
    legacy: bool,
}

const DATASETS: [Expected; 3] = [
    Expected { name: "Monkeys", train: 26, test: 4, output_dim: 10, format: Format::Compressed, shape: (1, 0, 0, 3), legacy: false },
    Expected { name: "miniciao", train: 82, test: 18, output_dim: 10, format: Format::Compressed, shape: (1, 32, 32, 3), legacy: false },
    Expected { name: "mini1", train: 50, test: 10, output_dim: 10, format: Format::Dense, shape: (1, 28, 28, 1), legacy: true },
];

fn shared(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

#[test]
fn shared_datasets_read_with_the_counts_of_spec_4_5() {
    for e in &DATASETS {
        let Some(dir) = shared(e.name) else { return };
        let reader = DatasetReader::open(&dir).unwrap();
        assert_eq!(reader.name(), e.name);
        assert_eq!(reader.subsets(), vec![Subset::Train, Subset::Test]);
        assert!(reader.layout().solution.is_some());
        assert_eq!(reader.layout().label_names.is_some(), e.name == "miniciao");
        for (subset, count) in [(Subset::Train, e.train), (Subset::Test, e.test)] {
            let spec = reader.spec(subset).unwrap();
            assert_eq!(spec.sample_count as usize, count, "{} {subset}", e.name);
            assert_eq!(spec.output_dim, e.output_dim);
            let ms = &spec.matrix_spec[0];
            assert_eq!(ms.format, e.format);
            let mut n = 0;
            for rec in reader.examples(subset).unwrap() {
                let rec = rec.unwrap();
                assert_eq!(rec.subset, subset);
                let t = rec.tensor(ms).unwrap();
                let (tt, h, w, c) = e.shape;
                assert_eq!((t.frames, t.channels), (tt, c), "{} {subset} record {}", e.name, rec.index);
                if h > 0 {
                    assert_eq!((t.height, t.width), (h, w));
                }
                assert!(t.data.iter().all(|v| (0.0..=1.0).contains(v)));
                let labels = rec.label_vector(e.output_dim as usize).unwrap();
                match subset {
                    Subset::Train => {
                        assert_eq!(labels.iter().filter(|&&v| v == 1.0).count(), 1, "single-label");
                        assert_eq!(rec.labels().len(), 1);
                    }
                    _ => {
                        // spec §1.3: test labels are never trusted.
                        assert!(labels.iter().all(|&v| v == 0.0));
                        assert!(rec.labels().is_empty());
                        assert_eq!(rec.has_legacy_test_labels(), e.legacy);
                        assert_eq!(rec.raw().label_index.len(), usize::from(e.legacy));
                    }
                }
                // spec §1.4: test ids 0..n_test, then train ids; legacy files have none.
                let expected_id = match subset {
                    Subset::Test => n as i64,
                    _ => (e.test + n) as i64,
                };
                assert_eq!(rec.id(), (!e.legacy).then_some(expected_id));
                n += 1;
            }
            assert_eq!(n, count, "{} {subset}", e.name);
        }
        let solution = reader.solution().unwrap().unwrap();
        assert_eq!((solution.rows, solution.cols), (e.test, e.output_dim as usize));
    }
}

/// Test labels of a solution row: the columns equal to 1 (spec §6).
fn solution_labels(row: &[f64]) -> Vec<i64> {
    row.iter().enumerate().filter(|(_, &v)| v == 1.0).map(|(i, _)| i as i64).collect()
}

/// Copies `src` into a new dataset at `out` through the reader and the writer.
fn rewrite(src: &Path, out: &Path, options: WriterOptions) -> formats::dataset::DatasetSummary {
    let reader = DatasetReader::open(src).unwrap();
    let solution = reader.solution().unwrap().unwrap();
    let mut writer = DatasetWriter::create(out, reader.name(), options).unwrap();
    for (i, rec) in reader.examples(Subset::Test).unwrap().enumerate() {
        let rec = rec.unwrap();
        let idx = solution_labels(solution.row(i));
        let scores = vec![1.0; idx.len()];
        writer.push_test(rec.frames(), &idx, &scores).unwrap();
    }
    for rec in reader.examples(Subset::Train).unwrap() {
        let rec = rec.unwrap();
        let (idx, scores): (Vec<i64>, Vec<f32>) = rec.labels().into_iter().unzip();
        writer.push_train(rec.frames(), &idx, &scores).unwrap();
    }
    let names = reader.label_names().unwrap();
    let spec = reader.spec(Subset::Train).unwrap().clone();
    writer.finish(spec, names.as_deref()).unwrap()
}

#[test]
fn read_write_read_keeps_ids_labels_frames_and_metadata() {
    for e in &DATASETS {
        let Some(src) = shared(e.name) else { return };
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join(e.name);
        let summary = rewrite(&src, &out, WriterOptions::default());
        assert_eq!((summary.train_records, summary.test_records), (e.train as u64, e.test as u64));

        let a = DatasetReader::open(&src).unwrap();
        let b = DatasetReader::open(&out).unwrap();
        assert_eq!(b.name(), e.name);
        for subset in [Subset::Train, Subset::Test] {
            assert_eq!(a.spec(subset), b.spec(subset), "{} {subset} metadata", e.name);
            let ra: Vec<_> = a.examples(subset).unwrap().map(Result::unwrap).collect();
            let rb: Vec<_> = b.examples(subset).unwrap().map(Result::unwrap).collect();
            assert_eq!(ra.len(), rb.len());
            for (x, y) in ra.iter().zip(&rb) {
                assert_eq!(x.frames(), y.frames(), "{} {subset} record {}", e.name, x.index);
                assert_eq!(x.labels(), y.labels());
                if let Some(id) = x.id() {
                    assert_eq!(y.id(), Some(id));
                }
                assert!(y.id().is_some(), "the writer always gives ids");
                // spec §1.3: written test records carry empty label lists.
                if subset == Subset::Test {
                    assert!(y.raw().label_index.is_empty() && y.raw().label_score.is_empty());
                }
            }
        }
        assert_eq!(a.solution().unwrap(), b.solution().unwrap(), "{} solution", e.name);
        assert_eq!(a.label_names().unwrap(), b.label_names().unwrap());
        // Generic solution rows: `%.0f`, single spaces, `\n` after every row (spec §6).
        let text = fs::read_to_string(out.join(format!("{}.solution", e.name))).unwrap();
        assert_eq!(text.lines().count(), e.test);
        assert!(text.ends_with('\n') && !text.contains("  ") && !text.contains(" \n"));
        assert!(text.lines().all(|l| l.split(' ').all(|v| v == "0" || v == "1")));
        assert!(out.join(format!("{0}.data/train/sample-{0}-train.tfrecord", e.name)).is_file());
        assert!(out.join(format!("{0}.data/test/sample-{0}-test.tfrecord", e.name)).is_file());
        assert_no_temp_dirs(tmp.path());
    }
}

fn assert_no_temp_dirs(parent: &Path) {
    let leftovers: Vec<_> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
}

fn dense_spec(h: i32, w: i32, output_dim: i32) -> DataSpec {
    DataSpec {
        matrix_spec: vec![MatrixSpec {
            row_count: h,
            col_count: w,
            num_channels: 1,
            num_channels_present: true,
            format: Format::Dense,
            ..MatrixSpec::default()
        }],
        output_dim,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    }
}

fn frame(v: f32) -> Frames {
    Frames::dense_from_frames([vec![v, v + 0.5]])
}

#[test]
fn writer_refuses_to_overwrite_without_force_and_replaces_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "precious").unwrap();
    let err = DatasetWriter::create(&out, "ds", WriterOptions::default()).err().unwrap();
    assert!(matches!(err, Error::Write { .. }), "{err}");
    assert_eq!(fs::read_to_string(out.join("keep.txt")).unwrap(), "precious");

    let mut w = DatasetWriter::create(&out, "ds", WriterOptions { force: true, ..Default::default() }).unwrap();
    w.push_test(&frame(1.0), &[1], &[1.0]).unwrap();
    w.push_test(&frame(2.0), &[0], &[1.0]).unwrap();
    w.push_train(&frame(3.0), &[0], &[1.0]).unwrap();
    w.finish(dense_spec(1, 2, 2), None).unwrap();
    assert!(!out.join("keep.txt").exists());
    let r = DatasetReader::open(&out).unwrap();
    assert_eq!(r.spec(Subset::Test).unwrap().sample_count, 2);
    assert_eq!(r.spec(Subset::Train).unwrap().sample_count, 1);
    assert_eq!(fs::read_to_string(out.join("ds.solution")).unwrap(), "0 1\n1 0\n");
    assert!(r.layout().label_names.is_none());
    assert_no_temp_dirs(tmp.path());
}

#[test]
fn dropping_the_writer_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    {
        let mut w = DatasetWriter::create(&out, "ds", WriterOptions::default()).unwrap();
        w.push_test(&frame(1.0), &[0], &[1.0]).unwrap();
        assert!(w.temp_dir().is_dir());
    }
    assert!(!out.exists());
    assert_no_temp_dirs(tmp.path());
}

#[test]
fn an_error_while_writing_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let mut w = DatasetWriter::create(&out, "ds", WriterOptions::default()).unwrap();
    w.push_test(&frame(1.0), &[0], &[1.0]).unwrap();
    w.push_train(&frame(2.0), &[5], &[1.0]).unwrap();
    // Test after train breaks the id convention of spec §1.4.
    assert!(matches!(w.push_test(&frame(3.0), &[0], &[1.0]), Err(Error::Write { .. })));
    // Mismatched label lists and invalid frames are refused before anything is written.
    assert!(w.push_train(&frame(3.0), &[0, 1], &[1.0]).is_err());
    assert!(w.push_train(&frame(3.0), &[1, 1], &[1.0, 1.0]).is_err());
    let bad = Frames::Dense { values: vec![1.0], offsets: vec![0, 3] };
    assert!(w.push_train(&bad, &[0], &[1.0]).is_err());
    assert!(w.push_train(&Frames::Compressed(vec![vec![1]]), &[0], &[1.0]).is_err(), "mixed storage");
    assert_eq!((w.test_records(), w.train_records()), (1, 1));
    // Label 5 does not fit output_dim 2: finish fails and cleans up.
    let err = w.finish(dense_spec(1, 2, 2), None).unwrap_err();
    assert!(err.to_string().contains("label index 5"), "{err}");
    assert!(!out.exists());
    assert_no_temp_dirs(tmp.path());
}

#[test]
fn writer_output_is_read_by_the_tfrecord_crate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("interop");
    let mut w = DatasetWriter::create(&out, "interop", WriterOptions::default()).unwrap();
    let test_frames: Vec<Frames> = (0..3).map(|i| frame(i as f32)).collect();
    let train: Vec<(Frames, Vec<i64>, Vec<f32>)> = (0..5)
        .map(|i| (frame(10.0 + i as f32), vec![i % 3], vec![0.25 * (i + 1) as f32]))
        .collect();
    for (i, f) in test_frames.iter().enumerate() {
        assert_eq!(w.push_test(f, &[i as i64 % 3], &[1.0]).unwrap(), i as i64);
    }
    for (i, (f, idx, sc)) in train.iter().enumerate() {
        assert_eq!(w.push_train(f, idx, sc).unwrap(), 3 + i as i64);
    }
    let mut spec = dense_spec(1, 2, 3);
    spec.label_to_index_map = vec![("a".into(), 0), ("b".into(), 1), ("c".into(), 2)];
    let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    w.write_side_file("interop_public.info", b"domain : tabular\n").unwrap();
    w.finish(spec, Some(&names)).unwrap();

    let config = tfrecord::RecordReaderConfig { check_integrity: true };
    let read = |rel: &str| -> Vec<formats::example::AutoDlExample> {
        tfrecord::BytesIter::open(out.join(rel), config.clone())
            .unwrap()
            .map(|p| decode(&p.unwrap()).unwrap())
            .collect()
    };
    let test = read("interop.data/test/sample-interop-test.tfrecord");
    let got_train = read("interop.data/train/sample-interop-train.tfrecord");
    assert_eq!(test.len(), 3);
    for (i, ex) in test.iter().enumerate() {
        assert_eq!(ex.id, Some(i as i64));
        assert!(ex.label_index.is_empty() && ex.label_score.is_empty());
        assert_eq!(ex.frames, test_frames[i]);
    }
    assert_eq!(got_train.len(), 5);
    for (i, ex) in got_train.iter().enumerate() {
        assert_eq!(ex.id, Some(3 + i as i64));
        assert_eq!((&ex.label_index, &ex.label_score), (&train[i].1, &train[i].2));
        assert_eq!(ex.frames, train[i].0);
    }
    assert_eq!(fs::read_to_string(out.join("interop.solution")).unwrap(), "1 0 0\n0 1 0\n0 0 1\n");
    assert_eq!(fs::read_to_string(out.join("interop_label.name")).unwrap(), "a\nb\nc\n");
    assert_eq!(fs::read_to_string(out.join("interop_public.info")).unwrap(), "domain : tabular\n");
    let r = DatasetReader::open(&out).unwrap();
    assert_eq!(r.label_names().unwrap().unwrap(), names);
    // Train and test metadata differ only in sample_count (spec §4.2).
    let (mut a, b) = (r.spec(Subset::Train).unwrap().clone(), r.spec(Subset::Test).unwrap());
    assert_eq!((a.sample_count, b.sample_count), (5, 3));
    a.sample_count = 3;
    assert_eq!(&a, b);
}

#[test]
fn tabular_solution_style_keeps_scores() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tab");
    let options = WriterOptions { solution_style: formats::solution::SolutionStyle::Tabular, ..Default::default() };
    let mut w = DatasetWriter::create(&out, "tab", options).unwrap();
    w.push_test(&frame(0.0), &[1], &[0.75]).unwrap();
    w.push_test(&frame(0.0), &[], &[]).unwrap();
    w.finish(dense_spec(1, 2, 2), None).unwrap();
    assert_eq!(fs::read_to_string(out.join("tab.solution")).unwrap(), "0.0 0.8\n0.0 0.0\n");
}

fn write_file(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn unlabelled_layout_reads_as_one_subset() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("unseen");
    let spec = dense_spec(1, 2, 3);
    write_file(&root.join("unlabelled/metadata.textproto"), spec.to_textproto().as_bytes());
    let mut payloads = Vec::new();
    let mut w = formats::tfrecord::TfRecordWriter::new(&mut payloads);
    for i in 0..4 {
        let ex = formats::example::AutoDlExample {
            id: Some(i),
            label_index: vec![],
            label_score: vec![],
            frames: frame(i as f32),
        };
        w.write_record(&formats::example::encode(&ex)).unwrap();
    }
    write_file(&root.join("unlabelled/sample-unlabelled.tfrecord"), &payloads);
    let r = DatasetReader::open(&root).unwrap();
    assert!(r.layout().is_unlabelled());
    assert_eq!(r.name(), "unseen");
    assert_eq!(r.subsets(), vec![Subset::Unlabelled]);
    let recs: Vec<_> = r.examples(Subset::Unlabelled).unwrap().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 4);
    assert!(recs.iter().all(|x| x.labels().is_empty() && !x.has_legacy_test_labels()));
    assert!(r.examples(Subset::Train).is_err());
}

/// A minimal valid dataset written by our writer, to break in the layout tests.
fn small_dataset(parent: &Path, name: &str) -> PathBuf {
    let out = parent.join(name);
    let mut w = DatasetWriter::create(&out, name, WriterOptions::default()).unwrap();
    w.push_test(&frame(1.0), &[0], &[1.0]).unwrap();
    w.push_test(&frame(1.0), &[1], &[1.0]).unwrap();
    w.push_train(&frame(2.0), &[1], &[1.0]).unwrap();
    w.finish(dense_spec(1, 2, 2), None).unwrap();
    out
}

fn layout_error(dir: &Path) -> (PathBuf, String) {
    match DatasetLayout::open(dir) {
        Err(Error::Layout { path, message }) => (path, message),
        other => panic!("expected a layout error, got {other:?}"),
    }
}

#[test]
fn layout_errors_name_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = small_dataset(tmp.path(), "ds");
    let layout = DatasetLayout::open(&ds).unwrap();
    assert_eq!(layout.subset(Subset::Train).unwrap().record_files.len(), 1);

    // Record files: `sample*` only, sorted; other files are ignored.
    let test_dir = ds.join("ds.data/test");
    fs::copy(test_dir.join("sample-ds-test.tfrecord"), test_dir.join("sample-a")).unwrap();
    fs::write(test_dir.join("notes.tfrecord"), b"x").unwrap();
    let files = DatasetLayout::open(&ds).unwrap().subset(Subset::Test).unwrap().record_files.clone();
    let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["sample-a", "sample-ds-test.tfrecord"]);
    fs::remove_file(test_dir.join("sample-a")).unwrap();

    fs::create_dir(ds.join("other.data")).unwrap();
    let (path, msg) = layout_error(&ds);
    assert_eq!(path, ds);
    assert!(msg.contains("several") && msg.contains("other.data"), "{msg}");
    fs::remove_dir(ds.join("other.data")).unwrap();

    fs::write(ds.join("other.solution"), "1 0\n").unwrap();
    let (_, msg) = layout_error(&ds);
    assert!(msg.contains("several `*.solution`"), "{msg}");
    fs::rename(ds.join("ds.solution"), ds.join("ds.solution.bak")).unwrap();
    let (path, msg) = layout_error(&ds);
    assert_eq!(path, ds.join("other.solution"));
    assert!(msg.contains("dataset is `ds`"), "{msg}");
    fs::remove_file(ds.join("other.solution")).unwrap();
    assert!(DatasetLayout::open(&ds).unwrap().solution.is_none());

    let train_file = ds.join("ds.data/train/sample-ds-train.tfrecord");
    fs::rename(&train_file, ds.join("ds.data/train/ds-train.tfrecord")).unwrap();
    let (path, msg) = layout_error(&ds);
    assert_eq!(path, ds.join("ds.data/train"));
    assert!(msg.contains("sample"), "{msg}");
    fs::rename(ds.join("ds.data/train/ds-train.tfrecord"), &train_file).unwrap();

    fs::remove_file(ds.join("ds.data/test/metadata.textproto")).unwrap();
    let (path, _) = layout_error(&ds);
    assert_eq!(path, ds.join("ds.data/test/metadata.textproto"));

    let (path, msg) = layout_error(&tmp.path().join("missing"));
    assert!(path.ends_with("missing") && msg.contains("not a folder"));
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(layout_error(&empty).1.contains("no `*.data`"));
}

#[test]
fn corrupt_records_surface_as_errors_with_file_and_record() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = small_dataset(tmp.path(), "ds");
    let file = ds.join("ds.data/test/sample-ds-test.tfrecord");
    let mut bytes = fs::read(&file).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x55;
    fs::write(&file, &bytes).unwrap();
    let r = DatasetReader::open(&ds).unwrap();
    let results: Vec<_> = r.examples(Subset::Test).unwrap().collect();
    assert_eq!(results.len(), 2, "one good record, then the error, then nothing");
    assert!(results[0].is_ok());
    match &results[1] {
        Err(Error::Framing { path, record, .. }) => {
            assert_eq!(path, &file);
            assert_eq!(*record, 1);
        }
        other => panic!("expected a framing error, got {other:?}"),
    }
}

#[test]
fn a_record_that_does_not_decode_is_reported_and_reading_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = small_dataset(tmp.path(), "ds");
    let file = ds.join("ds.data/test/sample-ds-test.tfrecord");
    let good = fs::read(&file).unwrap();
    // A well-framed record whose payload is not a SequenceExample, between the two good ones.
    let first_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize + 16;
    let mut bytes = good[..first_len].to_vec();
    bytes.extend(formats::tfrecord::frame_record(&[0x0a, 0x05, 0x01]));
    bytes.extend_from_slice(&good[first_len..]);
    fs::write(&file, &bytes).unwrap();
    let r = DatasetReader::open(&ds).unwrap();
    let results: Vec<_> = r.examples(Subset::Test).unwrap().collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    match &results[1] {
        Err(Error::Example { path, record, offset, message }) => {
            assert_eq!((path, *record, *offset), (&file, 1, first_len as u64));
            assert!(message.contains("EX_PROTOBUF"), "{message}");
        }
        other => panic!("expected an example error, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().unwrap().index, 2);
}

#[test]
fn writer_refuses_dense_records_that_do_not_fit_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(DataSpec, &str)> = vec![
        (dense_spec(1, 3, 2), "H·W·C = 3"),
        (DataSpec { sequence_size: 2, ..dense_spec(1, 2, 2) }, "sequence_size is 2"),
        (dense_spec(-1, 2, 2), "row_count and col_count"),
    ];
    for (i, (spec, expected)) in cases.into_iter().enumerate() {
        let out = tmp.path().join(format!("ds{i}"));
        let mut w = DatasetWriter::create(&out, "ds", WriterOptions::default()).unwrap();
        w.push_test(&frame(1.0), &[0], &[1.0]).unwrap();
        w.push_train(&frame(1.0), &[1], &[1.0]).unwrap();
        let err = w.finish(spec, None).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
        assert!(!out.exists());
    }
    assert_no_temp_dirs(tmp.path());
}
