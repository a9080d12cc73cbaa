//! Validator tests: the shared real datasets pass, and each corruption made on a copy in a
//! temporary folder gives its own finding code naming the damaged file. Here: the shared
//! datasets, layout, framing, metadata and solution; records, the report's shape and other
//! layouts are in `validate_records.rs`.

use std::fs;

use formats::example::Frames;
use formats::validate::{Report, Severity};

#[path = "support/findings.rs"]
#[allow(dead_code)] // each test file uses part of it
mod findings;
use findings::*;

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

// ---------------------------------------------------------------------------------------------
// The shared datasets as shipped

/// The shared dataset `name` is valid with and without `--deep`, holds `train` and `test`
/// records, and deep validation decodes `frames` frames; each report goes to `more`.
fn valid_also_deep(name: &str, (train, test): (u64, u64), frames: u64, more: impl Fn(&Report)) {
    let Some(dir) = shared(name) else { return };
    for report in [run(&dir), run_deep(&dir)] {
        assert!(report.valid, "{name} has errors:\n{}", describe(&report));
        let counts: Vec<(String, u64)> =
            report.stats.subsets.iter().map(|s| (s.subset.clone(), s.records)).collect();
        assert_eq!(counts, vec![("train".into(), train), ("test".into(), test)]);
        more(&report);
    }
    assert_eq!(run_deep(&dir).stats.frames_decoded, frames);
}

#[test]
fn monkeys_is_valid_also_deep() {
    valid_also_deep("Monkeys", (26, 4), 30, |report| {
        assert_eq!(report.name.as_deref(), Some("Monkeys"));
        assert_eq!(report.stats.solution_rows, Some(4));
        assert_eq!(report.stats.solution_cols, Some(10));
    });
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
    // Test classes 0, 1, 2, 0, 1, 2; train classes 0, 1, 2.
    let example = |_, i: usize| (Frames::dense_uniform(vec![(i % 3) as f32, 1.0], 2).unwrap(), i % 3);
    let spec = formats::metadata::DataSpec {
        output_dim: 3,
        matrix_spec: vec![formats::metadata::MatrixSpec { row_count: 1, col_count: 2, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir, "cover", Default::default(), (6, 3), example, spec, &[]).unwrap();
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
    valid_also_deep("miniciao", (82, 18), 100, |_| {});
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
    edit_bytes(&test, |b| b[12 + 100] ^= 0x40); // inside the first record's payload
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
    edit_bytes(&train, |b| b.truncate(b.len() - 7));
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
    edit_bytes(&test, |b| b.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(&run(&dir), "TFR_TRAILING_GARBAGE", Severity::Error, &test);

    let train = subset_file(&dir, "train");
    edit_bytes(&train, |b| b[9] ^= 0x01); // length CRC of record 0
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
