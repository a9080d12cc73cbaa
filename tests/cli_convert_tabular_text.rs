//! `autodl-format convert` on tables and text, end to end: the binary on fixtures
//! (`scripts/make-fixtures-tabular-text.py`) and the shared raw inputs, then `validate --deep`.

use std::path::{Path, PathBuf};

#[path = "support/cli.rs"]
#[allow(dead_code)] // each test file uses part of it
mod cli;
use cli::{bin, convert, ok, tree, validate_deep};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// `convert INPUT EXTRA...` into the folder `name` of a new temporary folder, which must
/// succeed: (the temporary folder, the dataset, convert's stderr).
fn converted(input: &Path, name: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(name);
    let err = ok(&convert(input, &out, extra));
    (tmp, out, err)
}

#[test]
fn iris_automl_to_a_valid_dataset_with_side_files() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let (_tmp, out, err) = converted(&data.join("raw/iris-AutoML"), "iris", &[]);
    assert!(err.contains("105 train + 45 test"), "{err}");
    validate_deep(&out);
    assert_eq!(
        std::fs::read_to_string(out.join("iris_feat.name")).unwrap(),
        "sepal_length\nsepal_width\npetal_length\npetal_width\n"
    );
    assert_eq!(std::fs::read_to_string(out.join("iris_label.name")).unwrap(), "setosa\nversicolor\nvirginica\n");
    assert!(out.join("iris.data/train/sample-iris-train.tfrecord").is_file());
    let sol = std::fs::read_to_string(out.join("iris.solution")).unwrap();
    assert_eq!(sol.lines().count(), 45);
    assert_eq!(sol.lines().next().unwrap(), "0.0 0.0 1.0");
}

#[test]
fn csv_with_categories_and_missing_values() {
    let (_tmp, out, err) = converted(&fixture("tabular/mixed.csv"), "mixed", &["--target", "species"]);
    assert!(err.contains("15 missing values"), "the warning counts missing values: {err}");
    validate_deep(&out);
    let feats = std::fs::read_to_string(out.join("mixed_feat.name")).unwrap();
    assert_eq!(feats.lines().count(), 9);
    assert!(feats.contains("colour=red\n"));
    let meta = std::fs::read_to_string(out.join("mixed.data/test/metadata.textproto")).unwrap();
    assert!(meta.contains("col_count: 9") && meta.contains("row_count: 1") && meta.contains("format: DENSE"), "{meta}");
}

#[test]
fn same_input_and_seed_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for (input, extra) in [
        (fixture("tabular/mixed.csv"), vec!["--target", "species", "--seed", "7"]),
        (fixture("text/classes"), vec!["--seed", "7"]),
    ] {
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        ok(&convert(&input, &a, &extra));
        ok(&convert(&input, &b, &extra));
        let (ta, tb) = (tree(&a), tree(&b));
        assert!(!ta.is_empty());
        assert_eq!(ta, tb, "{}", input.display());
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

/// Each `(fixture, flags)` converts (exit 0) into a dataset that `validate --deep` accepts.
fn each_converts_to_a_valid_dataset(cases: &[(&str, &[&str])]) {
    let tmp = tempfile::tempdir().unwrap();
    for (k, (input, extra)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("o{k}"));
        ok(&convert(&fixture(input), &out, extra));
        validate_deep(&out);
    }
}

#[test]
fn sparse_tables_and_automl_layouts_validate() {
    each_converts_to_a_valid_dataset(&[
        ("tabular/mostly_zero.csv", &["--target", "label"]),
        ("tabular/multilabel.csv", &["--target", "is_a", "--target", "is_b", "--target", "is_c"]),
        ("tabular/automl_sparse", &[]),
        ("tabular/automl_binary", &[]),
    ]);
}

#[test]
fn ragged_row_skipped_and_reported_or_fatal() {
    let input = fixture("tabular/bad/ragged.csv");
    let (tmp, out, err) = converted(&input, "ragged", &[]);
    assert!(err.contains("skipped 1 of 20"), "{err}");
    let report = std::fs::read_to_string(out.join("ragged_skipped.tsv")).unwrap();
    assert!(report.contains("ragged.csv\t7\tragged row: 4 fields where the header has 3"), "{report}");
    validate_deep(&out);

    let out2 = tmp.path().join("ragged_fail");
    let res = convert(&input, &out2, &["--on-error", "fail"]);
    assert!(!res.status.success());
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("ragged.csv:7") && err.contains("ragged row"), "{err}");
    assert!(!out2.exists(), "no half-written output");
    // nothing left next to it either (temporary folders are removed)
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn text_in_numeric_column_names_file_line_and_column() {
    let (_tmp, out, _) = converted(&fixture("tabular/bad/text_in_numeric.csv"), "tn", &["--target", "label"]);
    let report = std::fs::read_to_string(out.join("text_in_numeric_skipped.tsv")).unwrap();
    assert!(report.contains("text_in_numeric.csv\t10\tcolumn 'b': 'oops' is not a number"), "{report}");
}

#[test]
fn unknown_target_is_a_clear_error_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let res = convert(&fixture("tabular/mixed.csv"), &out, &["--target", "nope"]);
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("no column named 'nope'"), "{err}");
    assert!(!out.exists());
}

#[test]
fn text_layouts_validate() {
    each_converts_to_a_valid_dataset(&[
        ("text/classes", &[]),
        ("text/reviews.csv", &["--domain", "text"]),
        ("text/topics.jsonl", &["--tokenizer", "bpe", "--vocab-size", "100", "--max-length", "12"]),
        ("text/chinese", &[]),
    ]);
}

#[test]
fn autonlp_layout_keeps_its_split_and_name() {
    let (_tmp, out, err) = converted(&fixture("text/autonlp/toynlp"), "nlp", &[]);
    assert!(err.contains("24 train + 8 test"), "{err}");
    assert!(err.contains("stored as <unk>"), "{err}");
    validate_deep(&out);
    assert!(out.join("toynlp.data").is_dir());
    let sol = std::fs::read_to_string(out.join("toynlp.solution")).unwrap();
    let src = std::fs::read_to_string(fixture("text/autonlp/toynlp/toynlp.solution")).unwrap();
    assert_eq!(sol, src, "generic solution style reproduces the test labels");
}

#[test]
fn randomtext_multilabel_with_confidences() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let (_tmp, out, _) = converted(&data.join("raw/randomtext"), "rt", &["--domain", "text", "--name", "randomtext"]);
    validate_deep(&out);
    let meta = std::fs::read_to_string(out.join("randomtext.data/train/metadata.textproto")).unwrap();
    assert!(meta.contains("output_dim: 103"), "max class index 102 + 1");
}

#[test]
fn bad_text_documents_reported_or_fatal() {
    let (tmp, out, err) = converted(&fixture("text/bad_classes"), "bt", &[]);
    assert!(err.contains("skipped 2 of 14"), "{err}");
    let report = std::fs::read_to_string(out.join("bad_classes_skipped.tsv")).unwrap();
    assert!(report.contains("empty.txt\t\tempty document"), "{report}");
    assert!(report.contains("latin1.txt\t\tinvalid UTF-8"), "{report}");
    validate_deep(&out);
    let out2 = tmp.path().join("bt2");
    let res = convert(&fixture("text/bad_classes"), &out2, &["--on-error", "fail"]);
    assert!(!res.status.success());
    assert!(!out2.exists());
}

#[test]
fn help_documents_table_and_text_layouts() {
    let out = bin().args(["convert", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in ["AutoML folder", "AutoNLP folder", "--target", "--tokenizer", "--missing", "--sparse", "<unk>"] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

/// A UCI-style table (numbers, class code last, no header line): every row is an example, the
/// decision is printed, and negative positions pass the command line.
#[test]
fn headerless_table_by_position() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("sonar.csv");
    let rows: String = (0..1000).map(|i| format!("{:.4},{:.4},{},{}\n", (i * 37 % 101) as f64 / 101.0, (i * 53 % 97) as f64 / 97.0, i % 5, ["R", "M"][i % 2])).collect();
    std::fs::write(&csv, rows).unwrap();
    let out = tmp.path().join("sonar");
    let err = ok(&convert(&csv, &out, &["--target", "-1", "--drop-column", "-2"]));
    assert!(err.contains("no header line detected") && err.contains("--header yes"), "{err}");
    assert!(err.contains("800 train + 200 test records, 2 features"), "{err}");
    validate_deep(&out);
    assert_eq!(std::fs::read_to_string(out.join("sonar_feat.name")).unwrap(), "c0\nc1\n");
}
