//! Validator tests: the shared real datasets pass, and each corruption made on a copy in a
//! temporary folder gives its own finding code naming the damaged file.

use std::fs;
use std::path::{Path, PathBuf};

use formats::example::{self, AutoDlExample, Frames};
use formats::tfrecord::{TfRecordReader, TfRecordWriter};
use formats::validate::{validate, Finding, Report, Severity, ValidateOptions};

fn shared(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

fn run(dir: &Path) -> Report {
    validate(dir, &ValidateOptions::default())
}

fn run_deep(dir: &Path) -> Report {
    validate(dir, &ValidateOptions { deep: true, ..Default::default() })
}

fn describe(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| format!("  {:?}[{}] {} {:?}: {}", f.severity, f.code, f.location.file.display(), f.location.record, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Copies a shared dataset into a fresh temporary folder (the shared copy is read-only and
/// must never be touched) and returns (guard, dataset folder).
fn copy_of(name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let src = shared(name)?;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dst = tmp.path().join(name);
    copy_tree(&src, &dst);
    Some((tmp, dst))
}

fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
            let mut perm = fs::metadata(&to).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(&to, perm).unwrap();
        }
    }
}

fn subset_file(dataset: &Path, subset: &str) -> PathBuf {
    let name = dataset.file_name().unwrap().to_string_lossy().into_owned();
    let dir = dataset.join(format!("{name}.data")).join(subset);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("sample"))
        .collect();
    files.sort();
    files.remove(0)
}

fn metadata(dataset: &Path, subset: &str) -> PathBuf {
    let name = dataset.file_name().unwrap().to_string_lossy().into_owned();
    dataset.join(format!("{name}.data")).join(subset).join("metadata.textproto")
}

fn solution(dataset: &Path) -> PathBuf {
    let name = dataset.file_name().unwrap().to_string_lossy().into_owned();
    dataset.join(format!("{name}.solution"))
}

/// Replaces `from` by `to` once in a text file (panics when absent, so a test cannot pass
/// without actually corrupting the file).
fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Rewrites a record file through our decoder and encoder, changing records on the way.
fn rewrite_records(path: &Path, mut change: impl FnMut(u64, &mut AutoDlExample)) {
    let mut examples = Vec::new();
    let mut reader = TfRecordReader::open(path).unwrap();
    while let Some(rec) = reader.next_record().unwrap() {
        examples.push(example::decode(rec.payload).unwrap());
    }
    let mut writer = TfRecordWriter::create(path).unwrap();
    for (i, ex) in examples.iter_mut().enumerate() {
        change(i as u64, ex);
        writer.write_record(&example::encode(ex)).unwrap();
    }
    writer.into_inner().unwrap();
}

/// The error (or warning) findings with `code`; asserts at least one names `file`.
fn expect<'a>(report: &'a Report, code: &str, severity: Severity, file: &Path) -> &'a Finding {
    let found = report
        .findings
        .iter()
        .find(|f| f.code == code && f.severity == severity && f.location.file == file);
    match found {
        Some(f) => f,
        None => panic!("expected {severity:?}[{code}] naming {}; got:\n{}", file.display(), describe(report)),
    }
}

fn error_codes(report: &Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code)
        .collect();
    v.sort();
    v.dedup();
    v
}

// ---------------------------------------------------------------------------------------------
// The shared datasets as shipped

#[test]
fn monkeys_is_valid_also_deep() {
    let Some(dir) = shared("Monkeys") else { return };
    for report in [run(&dir), run_deep(&dir)] {
        assert!(report.valid, "Monkeys has errors:\n{}", describe(&report));
        assert_eq!(report.name.as_deref(), Some("Monkeys"));
        let counts: Vec<(String, u64)> =
            report.stats.subsets.iter().map(|s| (s.subset.clone(), s.records)).collect();
        assert_eq!(counts, vec![("train".into(), 26), ("test".into(), 4)]);
        assert_eq!(report.stats.solution_rows, Some(4));
        assert_eq!(report.stats.solution_cols, Some(10));
    }
    assert_eq!(run_deep(&dir).stats.frames_decoded, 30);
}

/// Monkeys' split left 7 of its 10 classes without a test example, in a test set of 4: valid,
/// but both are said (issue 21: it was "valid, 0 warnings").
#[test]
fn monkeys_warns_of_classes_without_a_test_example_and_a_small_test_set() {
    let Some(dir) = shared("Monkeys") else { return };
    let report = run(&dir);
    assert!(report.valid, "{}", describe(&report));
    let missing = expect(&report, "TEST_CLASS_MISSING", Severity::Warning, &dir.join("Monkeys.solution"));
    assert!(missing.message.starts_with("7 of 10 classes have no test example (0, 1, 4, 5, 6, 8, 9)"), "{}", missing.message);
    let test_meta = dir.join("Monkeys.data/test/metadata.textproto");
    let small = expect(&report, "TEST_SET_SMALL", Severity::Warning, &test_meta);
    assert!(small.message.starts_with("4 test example(s) for 10 classes"), "{}", small.message);
    assert!(report.warnings >= 2);
}

/// Every class in the test solution and two test examples per class: neither warning.
#[test]
fn a_test_set_covering_every_class_gets_no_coverage_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cover");
    let mut w = formats::dataset::DatasetWriter::create(&dir, "cover", formats::dataset::WriterOptions::default()).unwrap();
    for (i, test) in [(0, true), (1, true), (2, true), (0, true), (1, true), (2, true), (0, false), (1, false), (2, false)] {
        let frames = Frames::dense_uniform(vec![i as f32, 1.0], 2).unwrap();
        if test {
            w.push_test(&frames, &[i], &[1.0]).unwrap();
        } else {
            w.push_train(&frames, &[i], &[1.0]).unwrap();
        }
    }
    let spec = formats::metadata::DataSpec {
        output_dim: 3,
        matrix_spec: vec![formats::metadata::MatrixSpec { row_count: 1, col_count: 2, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    w.finish(spec, None).unwrap();
    let report = run(&dir);
    assert!(!report.has_code("TEST_CLASS_MISSING") && !report.has_code("TEST_SET_SMALL"), "{}", describe(&report));

    // Without the third class's test rows: one class unmeasured, and 4 rows for 3 classes.
    let solution = dir.join("cover.solution");
    let text = fs::read_to_string(&solution).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 6);
    let kept: Vec<&str> = rows.iter().copied().filter(|r| r.split_whitespace().nth(2) != Some("1")).collect();
    assert_eq!(kept.len(), 4);
    fs::write(&solution, kept.join("\n") + "\n").unwrap();
    let report = run(&dir);
    let f = expect(&report, "TEST_CLASS_MISSING", Severity::Warning, &solution);
    assert!(f.message.starts_with("1 of 3 classes have no test example (2)"), "{}", f.message);
}

#[test]
fn miniciao_is_valid_also_deep() {
    let Some(dir) = shared("miniciao") else { return };
    for report in [run(&dir), run_deep(&dir)] {
        assert!(report.valid, "miniciao has errors:\n{}", describe(&report));
        let counts: Vec<u64> = report.stats.subsets.iter().map(|s| s.records).collect();
        assert_eq!(counts, vec![82, 18]);
    }
    assert_eq!(run_deep(&dir).stats.frames_decoded, 100);
}

/// mini1 is legacy (spec §8): only warnings, exactly the documented ones.
#[test]
fn mini1_gives_warnings_only() {
    let Some(dir) = shared("mini1") else { return };
    let report = run(&dir);
    assert!(report.valid, "mini1 has errors:\n{}", describe(&report));
    let mut codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(
        codes,
        vec!["LEGACY_TEST_LABELS", "META_LEGACY_NO_SEQUENCE_SIZE", "TEST_CLASS_MISSING", "TEST_SET_SMALL"],
        "{}",
        describe(&report)
    );
    let missing = expect(&report, "TEST_CLASS_MISSING", Severity::Warning, &dir.join("mini1.solution"));
    assert!(missing.message.starts_with("3 of 10 classes have no test example (3, 6, 8)"), "{}", missing.message);
    let test_file = subset_file(&dir, "test");
    let legacy = expect(&report, "LEGACY_TEST_LABELS", Severity::Warning, &test_file);
    assert!(legacy.message.starts_with("10 of 10"), "{}", legacy.message);
    assert_eq!(report.with_code("META_LEGACY_NO_SEQUENCE_SIZE").count(), 2);
}

// ---------------------------------------------------------------------------------------------
// Layout and "could not run"

#[test]
fn missing_folder_is_a_finding_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let report = run(&missing);
    assert!(!report.valid);
    expect(&report, "LAYOUT_NOT_A_DIRECTORY", Severity::Error, &missing);
    let empty = tmp.path();
    let report = run(empty);
    expect(&report, "LAYOUT_NO_DATA_DIR", Severity::Error, empty);
}

#[test]
fn second_data_folder() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    copy_tree(&dir.join("miniciao.data"), &dir.join("other.data"));
    let report = run(&dir);
    expect(&report, "LAYOUT_MULTIPLE_DATA_DIRS", Severity::Error, &dir);
    // The rest is still checked against the folder the solution names.
    assert_eq!(report.name.as_deref(), Some("miniciao"));
    assert_eq!(error_codes(&report), vec!["LAYOUT_MULTIPLE_DATA_DIRS"], "{}", describe(&report));
}

#[test]
fn second_test_record_file() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let test = subset_file(&dir, "test");
    // Sorts after the original, so the copy is the one holding duplicate ids.
    let second = test.with_file_name("sample-miniciao-test2.tfrecord");
    fs::copy(&test, &second).unwrap();
    let report = run(&dir);
    expect(&report, "LAYOUT_MULTIPLE_TEST_FILES", Severity::Warning, test.parent().unwrap());
    // Twice the records: the counts no longer agree either.
    expect(&report, "META_SAMPLE_COUNT_MISMATCH", Severity::Error, &metadata(&dir, "test"));
    expect(&report, "SOL_ROWS_MISMATCH", Severity::Error, &solution(&dir));
    expect(&report, "DUPLICATE_ID", Severity::Warning, &second);
}

#[test]
fn only_non_sample_record_files() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    let renamed = train.with_file_name("miniciao-train.tfrecord");
    fs::rename(&train, &renamed).unwrap();
    let report = run(&dir);
    expect(&report, "LAYOUT_NO_RECORD_FILES", Severity::Error, train.parent().unwrap());
    expect(&report, "LAYOUT_NON_SAMPLE_RECORD_FILE", Severity::Warning, &renamed);
    // No extension at all: recognised by its first header's CRC.
    let bare = train.with_file_name("train-records");
    fs::rename(&renamed, &bare).unwrap();
    let report = run(&dir);
    expect(&report, "LAYOUT_NON_SAMPLE_RECORD_FILE", Severity::Warning, &bare);
}

#[test]
fn missing_subset_and_metadata() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    fs::remove_file(metadata(&dir, "train")).unwrap();
    let report = run(&dir);
    expect(&report, "META_MISSING", Severity::Error, &metadata(&dir, "train"));
    // Train records are still checked, against the test metadata.
    assert_eq!(report.stats.subsets[0].records, 82);
    let test_dir = dir.join("miniciao.data/test");
    fs::remove_dir_all(&test_dir).unwrap();
    let report = run(&dir);
    expect(&report, "LAYOUT_MISSING_SUBSET", Severity::Error, &test_dir);
}

#[test]
fn solution_naming() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let other = dir.join("other.solution");
    fs::copy(solution(&dir), &other).unwrap();
    let report = run(&dir);
    expect(&report, "SOL_MULTIPLE", Severity::Error, &dir);
    fs::remove_file(solution(&dir)).unwrap();
    let report = run(&dir);
    expect(&report, "SOL_NAME_MISMATCH", Severity::Error, &other);
    fs::remove_file(&other).unwrap();
    let report = run(&dir);
    assert!(report.valid, "{}", describe(&report));
    expect(&report, "SOL_MISSING", Severity::Warning, &dir);
}

// ---------------------------------------------------------------------------------------------
// Framing

#[test]
fn flipped_payload_byte() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let test = subset_file(&dir, "test");
    let mut bytes = fs::read(&test).unwrap();
    bytes[12 + 100] ^= 0x40; // inside the first record's payload
    fs::write(&test, bytes).unwrap();
    let report = run(&dir);
    let f = expect(&report, "TFR_BAD_PAYLOAD_CRC", Severity::Error, &test);
    assert_eq!((f.location.record, f.location.offset), (Some(0), Some(0)));
    // The train file is still read in full after the broken test file.
    assert_eq!(report.stats.subsets[0].records, 82);
    assert!(!report.stats.subsets[1].files[0].complete);
}

#[test]
fn truncated_last_record() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    let bytes = fs::read(&train).unwrap();
    fs::write(&train, &bytes[..bytes.len() - 7]).unwrap();
    let report = run(&dir);
    let f = expect(&report, "TFR_TRUNCATED_PAYLOAD", Severity::Error, &train);
    assert_eq!(f.location.record, Some(81));
    assert_eq!(report.stats.subsets[0].records, 81);
    // An incomplete file does not also claim a sample_count mismatch.
    assert!(!report.has_code("META_SAMPLE_COUNT_MISMATCH"), "{}", describe(&report));
}

#[test]
fn trailing_garbage_and_bad_length_crc() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let test = subset_file(&dir, "test");
    let mut bytes = fs::read(&test).unwrap();
    bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    fs::write(&test, &bytes).unwrap();
    expect(&run(&dir), "TFR_TRAILING_GARBAGE", Severity::Error, &test);

    let train = subset_file(&dir, "train");
    let mut bytes = fs::read(&train).unwrap();
    bytes[9] ^= 0x01; // length CRC of record 0
    fs::write(&train, &bytes).unwrap();
    expect(&run(&dir), "TFR_BAD_LENGTH_CRC", Severity::Error, &train);
}

// ---------------------------------------------------------------------------------------------
// Metadata

#[test]
fn wrong_sample_count() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let meta = metadata(&dir, "train");
    edit(&meta, "sample_count: 82", "sample_count: 81");
    let report = run(&dir);
    let f = expect(&report, "META_SAMPLE_COUNT_MISMATCH", Severity::Error, &meta);
    assert!(f.message.contains("82 records"), "{}", f.message);
    assert_eq!(error_codes(&report), vec!["META_SAMPLE_COUNT_MISMATCH"], "{}", describe(&report));
}

#[test]
fn output_dim_mismatch_between_train_and_test() {
    let Some((_t, dir)) = copy_of("Monkeys") else { return };
    let meta = metadata(&dir, "test");
    edit(&meta, "output_dim: 10", "output_dim: 11");
    let report = run(&dir);
    expect(&report, "META_OUTPUT_DIM_MISMATCH", Severity::Error, &meta);
    // The solution has 10 columns; the test metadata now says 11.
    expect(&report, "SOL_COLS_MISMATCH", Severity::Error, &solution(&dir));
}

#[test]
fn unknown_metadata_field() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let meta = metadata(&dir, "train");
    edit(&meta, "output_dim: 10\n", "output_dim: 10\nfps: 25\n");
    let report = run(&dir);
    let f = expect(&report, "META_UNKNOWN_FIELD", Severity::Error, &meta);
    assert_eq!(f.location.line, Some(5), "{f:?}");
    // Records are still checked, against the test metadata.
    assert_eq!(report.stats.subsets[0].records, 82);
}

#[test]
fn metadata_value_checks() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = metadata(&dir, "train");
    let test = metadata(&dir, "test");
    for m in [&train, &test] {
        edit(m, "col_count: 28", "col_count: -1");
    }
    let report = run(&dir);
    let f = expect(&report, "META_NEGATIVE_SIZE_FORBIDDEN", Severity::Error, &train);
    assert_eq!(f.location.field.as_deref(), Some("matrix_spec[0].col_count"));
    expect(&report, "META_NEGATIVE_SIZE_FORBIDDEN", Severity::Error, &test);

    let Some((_t2, dir)) = copy_of("miniciao") else { return };
    let train = metadata(&dir, "train");
    edit(&train, "value: 9", "value: 10");
    let report = run(&dir);
    let f = expect(&report, "META_MAP_NOT_CONTIGUOUS", Severity::Error, &train);
    assert_eq!(f.location.field.as_deref(), Some("label_to_index_map"));
    expect(&report, "META_TRAIN_TEST_DIFFER", Severity::Error, &metadata(&dir, "test"));
    // A field given twice is a parse error of the strict parser (§4.3).
    edit(&train, "sample_count: 82\n", "sample_count: 82\nsample_count: 83\n");
    expect(&run(&dir), "META_PARSE", Severity::Error, &train);
}

#[test]
fn sequence_size_zero_is_invalid() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    for s in ["train", "test"] {
        edit(&metadata(&dir, s), "sequence_size: 1", "sequence_size: 0");
    }
    let report = run(&dir);
    expect(&report, "META_SEQUENCE_SIZE_INVALID", Severity::Error, &metadata(&dir, "train"));
}

// ---------------------------------------------------------------------------------------------
// Solution

#[test]
fn missing_solution_row() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let sol = solution(&dir);
    let text = fs::read_to_string(&sol).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    fs::write(&sol, lines.join("\n") + "\n").unwrap();
    let report = run(&dir);
    let f = expect(&report, "SOL_ROWS_MISMATCH", Severity::Error, &sol);
    assert!(f.message.contains("17 solution rows"), "{}", f.message);
}

#[test]
fn solution_columns_and_parse_errors() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let sol = solution(&dir);
    let text = fs::read_to_string(&sol).unwrap();
    let wider: String = text.lines().map(|l| format!("{l} 0\n")).collect();
    fs::write(&sol, wider).unwrap();
    expect(&run(&dir), "SOL_COLS_MISMATCH", Severity::Error, &sol);
    fs::write(&sol, "0 1 0\n0 x 0\n").unwrap();
    expect(&run(&dir), "SOL_PARSE", Severity::Error, &sol);
}

// ---------------------------------------------------------------------------------------------
// Records

#[test]
fn label_index_out_of_range() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| {
        if i == 3 {
            ex.label_index = vec![10];
            ex.label_score = vec![1.0];
        }
    });
    let report = run(&dir);
    let f = expect(&report, "LABEL_INDEX_OUT_OF_RANGE", Severity::Error, &train);
    assert_eq!(f.location.record, Some(3));
    assert_eq!(f.location.field.as_deref(), Some("label_index"));
    assert_eq!(error_codes(&report), vec!["LABEL_INDEX_OUT_OF_RANGE"], "{}", describe(&report));
}

#[test]
fn duplicate_label_and_unlabelled_train_record() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| match i {
        1 => {
            ex.label_index = vec![2, 2];
            ex.label_score = vec![1.0, 1.0];
        }
        2 => {
            ex.label_index.clear();
            ex.label_score.clear();
        }
        _ => {}
    });
    let report = run(&dir);
    expect(&report, "LABEL_INDEX_DUPLICATE", Severity::Error, &train);
    let f = expect(&report, "TRAIN_RECORD_UNLABELLED", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(2));
}

#[test]
fn duplicate_ids() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    let mut first_id = None;
    rewrite_records(&train, |i, ex| {
        if i == 0 {
            first_id = ex.id;
        }
        if i == 5 {
            ex.id = first_id;
        }
    });
    let report = run(&dir);
    let f = expect(&report, "DUPLICATE_ID", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(5));
    assert!(report.valid, "duplicate ids are a warning:\n{}", describe(&report));
}

#[test]
fn dense_frame_of_wrong_length() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| {
        if i == 7 {
            let Frames::Dense { values, .. } = &ex.frames else { panic!("mini1 is dense") };
            ex.frames = Frames::dense_from_frames([&values[..783]]);
        }
    });
    let report = run(&dir);
    let f = expect(&report, "DENSE_FRAME_LENGTH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(7));
    assert!(f.message.contains("783"), "{}", f.message);
}

#[test]
fn non_finite_dense_values() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| {
        let Frames::Dense { values, .. } = &mut ex.frames else { panic!("mini1 is dense") };
        match i {
            4 => values[100] = f32::INFINITY,
            9 => values[5] = f32::NAN,
            _ => {}
        }
    });
    let report = run(&dir);
    let bad: Vec<u64> = report
        .with_code("DENSE_NON_FINITE")
        .filter(|f| f.location.file == train && f.severity == Severity::Error)
        .filter_map(|f| f.location.record)
        .collect();
    // NaN is only tolerated in tabular data (spec §5.5); mini1 is an image set.
    assert_eq!(bad, vec![4, 9], "{}", describe(&report));
}

#[test]
fn frame_count_differs_from_sequence_size() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| {
        if i == 0 {
            let Frames::Dense { values, .. } = &ex.frames else { panic!("mini1 is dense") };
            let frame = values.clone();
            ex.frames = Frames::dense_from_frames([&frame, &frame]);
        }
    });
    let report = run(&dir);
    let f = expect(&report, "SEQUENCE_SIZE_MISMATCH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(0));
}

#[test]
fn storage_kind_differs_from_metadata() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| {
        if i == 2 {
            ex.frames = Frames::Compressed(vec![b"\x89PNG\r\n\x1a\n".to_vec()]);
        }
    });
    let report = run(&dir);
    expect(&report, "FORMAT_MISMATCH", Severity::Error, &train);
}

#[test]
fn undecodable_payload() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let test = subset_file(&dir, "test");
    // A well-framed record whose payload is not a SequenceExample.
    let mut bytes = fs::read(&test).unwrap();
    bytes.extend_from_slice(&formats::tfrecord::frame_record(&[0xff, 0xff, 0xff]));
    fs::write(&test, bytes).unwrap();
    let report = run(&dir);
    let f = expect(&report, "EX_PROTOBUF", Severity::Error, &test);
    assert_eq!(f.location.record, Some(18));
    expect(&report, "META_SAMPLE_COUNT_MISMATCH", Severity::Error, &metadata(&dir, "test"));
}

/// A PNG of the given size made with the `image` crate.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 200, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn deep_checks_compressed_frames() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |i, ex| match i {
        // Right magic bytes, broken body: only a full decode notices.
        0 => {
            let mut broken = png(32, 32);
            broken.truncate(40);
            ex.frames = Frames::Compressed(vec![broken]);
        }
        1 => ex.frames = Frames::Compressed(vec![png(16, 32)]),
        2 => ex.frames = Frames::Compressed(vec![png(32, 32), png(8, 8)]),
        3 => ex.frames = Frames::Compressed(vec![b"not an image at all".to_vec()]),
        _ => {}
    });
    let shallow = run(&dir);
    expect(&shallow, "COMPRESSED_UNKNOWN_FORMAT", Severity::Error, &train);
    assert!(!shallow.has_code("COMPRESSED_UNDECODABLE"), "{}", describe(&shallow));

    let deep = run_deep(&dir);
    let f = expect(&deep, "COMPRESSED_UNDECODABLE", Severity::Error, &train);
    assert_eq!(f.location.record, Some(0));
    let f = expect(&deep, "COMPRESSED_SIZE_MISMATCH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(1));
    let f = expect(&deep, "COMPRESSED_FRAME_SIZES_DIFFER", Severity::Error, &train);
    assert_eq!(f.location.record, Some(2));
    // Two frames where sequence_size is 1: reported, as a warning for compressed storage.
    expect(&deep, "SEQUENCE_SIZE_MISMATCH", Severity::Warning, &train);
}

// ---------------------------------------------------------------------------------------------
// Report shape

#[test]
fn repeated_findings_are_capped_per_file() {
    let Some((_t, dir)) = copy_of("mini1") else { return };
    let train = subset_file(&dir, "train");
    rewrite_records(&train, |_, ex| {
        ex.label_index = vec![42];
        ex.label_score = vec![1.0];
    });
    let report = validate(&dir, &ValidateOptions { max_per_code: 5, ..Default::default() });
    let out_of_range: Vec<&Finding> = report.with_code("LABEL_INDEX_OUT_OF_RANGE").collect();
    // 5 listed + 1 summary for the 45 others.
    assert_eq!(out_of_range.len(), 6, "{}", describe(&report));
    assert_eq!(out_of_range[5].location.record, None);
    assert!(out_of_range[5].message.starts_with("45 more"), "{}", out_of_range[5].message);
    assert_eq!(report.stats.suppressed, 45);
}

#[test]
fn validation_leaves_the_input_untouched() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    let before = fs::read(&train).unwrap();
    let _ = run_deep(&dir);
    assert_eq!(fs::read(&train).unwrap(), before);
}

/// Checks `value` against the subset of JSON Schema used by `schemas/validate-report.schema.json`
/// (`type`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`, `$ref`).
fn check_schema(root: &serde_json::Value, schema: &serde_json::Value, value: &serde_json::Value, at: &str) {
    use serde_json::Value;
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local $ref");
        return check_schema(root, &root["$defs"][name], value, at);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type in schema at {at}"),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
        assert!(ok, "{at}: {actual} not in {allowed:?}");
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        assert!(options.contains(value), "{at}: {value} not in {options:?}");
    }
    if let Value::Object(map) = value {
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(map.contains_key(key), "{at}: required key {key} missing");
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check_schema(root, s, v, &format!("{at}.{k}")),
                None => assert!(
                    schema.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: key {k} not in the schema"
                ),
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check_schema(root, item_schema, v, &format!("{at}[{i}]"));
        }
    }
}

#[test]
fn json_report_follows_the_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/validate-report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(schema_path).unwrap()).unwrap();
    // A report with findings of every location kind.
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    edit(&metadata(&dir, "train"), "output_dim: 10\n", "output_dim: 10\nfps: 25\n");
    let test = subset_file(&dir, "test");
    let mut bytes = fs::read(&test).unwrap();
    bytes[200] ^= 1;
    fs::write(&test, bytes).unwrap();
    let report = run(&dir);
    assert!(report.findings.len() >= 2);
    let value = serde_json::to_value(&report).unwrap();
    check_schema(&schema, &schema, &value, "$");
    // And a clean one.
    let Some(clean) = shared("Monkeys") else { return };
    check_schema(&schema, &schema, &serde_json::to_value(run(&clean)).unwrap(), "$");
}

// ---------------------------------------------------------------------------------------------
// Other layouts and domains

#[test]
fn unlabelled_layout() {
    let Some((_t, src)) = copy_of("miniciao") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh");
    let sub = dir.join("unlabelled");
    fs::create_dir_all(&sub).unwrap();
    fs::copy(metadata(&src, "test"), sub.join("metadata.textproto")).unwrap();
    fs::copy(subset_file(&src, "test"), sub.join("sample-unlabelled.tfrecord")).unwrap();
    let report = run(&dir);
    assert!(report.valid, "{}", describe(&report));
    assert_eq!(report.name.as_deref(), Some("fresh"));
    assert_eq!(report.stats.subsets.len(), 1);
    assert_eq!((report.stats.subsets[0].subset.as_str(), report.stats.subsets[0].records), ("unlabelled", 18));
    assert!(!report.has_code("SOL_MISSING"));
}

#[test]
fn label_names_file_with_a_line_missing() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let names = dir.join("miniciao_label.name");
    let text = fs::read_to_string(&names).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    fs::write(&names, lines[..9].join("\n") + "\n").unwrap();
    let report = run(&dir);
    expect(&report, "LABEL_NAMES_COUNT", Severity::Warning, &names);
    assert!(report.valid);
}

/// A small text dataset (spec §5.4): T×1×1×1 token indices, vocabulary in channel_to_index_map.
fn text_dataset(out: &Path, bad_token: bool) {
    use formats::dataset::{DatasetWriter, WriterOptions};
    use formats::metadata::{DataSpec, Format, MatrixSpec};
    let mut w = DatasetWriter::create(out, "words", WriterOptions::default()).unwrap();
    let doc = |tokens: &[f32]| Frames::dense_from_frames(tokens.iter().map(|t| [*t]));
    w.push_test(&doc(&[0.0, 1.0, 2.0]), &[0], &[1.0]).unwrap();
    w.push_test(&doc(&[3.0, 4.0]), &[1], &[1.0]).unwrap();
    w.push_train(&doc(&[4.0]), &[1], &[1.0]).unwrap();
    let last = if bad_token { 7.0 } else { 2.0 };
    w.push_train(&doc(&[2.0, 1.0, 0.0, 3.0, last]), &[0], &[1.0]).unwrap();
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            row_count: 1,
            col_count: 1,
            num_channels: 1,
            num_channels_present: true,
            format: Format::Dense,
            ..MatrixSpec::default()
        }],
        output_dim: 2,
        sequence_size: -1,
        sequence_size_present: true,
        channel_to_index_map: ["a", "b", "", "c d", "é"].iter().enumerate().map(|(i, t)| (t.to_string(), i as i32)).collect(),
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
}

#[test]
fn text_tokens_must_index_the_vocabulary() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    text_dataset(&good, false);
    let report = run(&good);
    // Two test documents for two classes: only the small test set is said.
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    assert!(report.valid && codes == ["TEST_SET_SMALL"], "{}", describe(&report));

    let bad = tmp.path().join("bad");
    text_dataset(&bad, true);
    let report = run(&bad);
    let train = bad.join("words.data/train/sample-words-train.tfrecord");
    let f = expect(&report, "TEXT_TOKEN_OUT_OF_RANGE", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(1));
    assert_eq!(f.location.field.as_deref(), Some("0_dense_input[4]"));
}

/// A one-frame tabular dataset (spec §5.5) holding `rows` as 1×n×1 frames.
fn tabular_dataset(out: &Path, format: formats::metadata::Format, frames: Vec<Frames>) {
    use formats::dataset::{DatasetWriter, WriterOptions};
    use formats::metadata::{DataSpec, MatrixSpec};
    let mut w = DatasetWriter::create(out, "table", WriterOptions::default()).unwrap();
    let mut frames = frames.into_iter();
    w.push_test(&frames.next().unwrap(), &[0], &[1.0]).unwrap();
    w.push_test(&frames.next().unwrap(), &[1], &[1.0]).unwrap();
    for (i, f) in frames.enumerate() {
        w.push_train(&f, &[(i % 2) as i64], &[1.0]).unwrap();
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 4, num_channels: 1, num_channels_present: true, format, ..MatrixSpec::default() }],
        output_dim: 2,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
}

#[test]
fn nan_is_a_missing_value_in_tabular_data_but_inf_is_not() {
    use formats::metadata::Format;
    let row = |v: [f32; 4]| Frames::dense_from_frames([v]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nan");
    tabular_dataset(&dir, Format::Dense, vec![row([1.0; 4]), row([2.0; 4]), row([0.5, f32::NAN, 1.0, 2.0]), row([3.0; 4])]);
    let report = run(&dir);
    let train = dir.join("table.data/train/sample-table-train.tfrecord");
    expect(&report, "DENSE_NAN", Severity::Warning, &train);
    assert!(report.valid, "{}", describe(&report));

    let dir = tmp.path().join("inf");
    tabular_dataset(&dir, Format::Dense, vec![row([1.0; 4]), row([2.0; 4]), row([0.5, f32::INFINITY, 1.0, 2.0]), row([3.0; 4])]);
    let report = run(&dir);
    expect(&report, "DENSE_NON_FINITE", Severity::Error, &dir.join("table.data/train/sample-table-train.tfrecord"));
}

#[test]
fn sparse_index_out_of_range() {
    use formats::example::SparseFrame;
    use formats::metadata::Format;
    let sparse = |cols: Vec<i64>| {
        let n = cols.len();
        Frames::Sparse(vec![SparseFrame { row: vec![0; n], col: cols, channel: None, value: vec![1.0; n] }])
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sparse");
    tabular_dataset(&dir, Format::Sparse, vec![sparse(vec![0, 3]), sparse(vec![1]), sparse(vec![2, 4]), sparse(vec![])]);
    let report = run(&dir);
    let f = expect(&report, "SPARSE_INDEX_OUT_OF_RANGE", Severity::Error, &dir.join("table.data/train/sample-table-train.tfrecord"));
    assert_eq!(f.location.record, Some(0));
    assert!(f.message.contains("col 4"), "{}", f.message);
    assert_eq!(error_codes(&report), vec!["SPARSE_INDEX_OUT_OF_RANGE"], "{}", describe(&report));
}
