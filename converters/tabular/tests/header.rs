//! `--header auto|yes|no` and columns named by position: headed tables convert exactly as
//! before (auto = yes, byte for byte on disk), headerless tables keep every row, the
//! ambiguous all-text case states its choice.

// Reading a dataset folder back is the image converter tests' helper.
#[path = "../../image/tests/support/mod.rs"]
mod image_support;
mod support;

use std::path::{Path, PathBuf};

use converters_common::{ErrorPolicy, SkipReport};
use converters_tabular::{convert_table, ColumnChoices, HeaderMode, MemorySink, TabularError, TabularOptions, TabularSummary};
use image_support::dataset_files;
use support::{fixture, write_dataset};

fn opts(targets: &[&str], header: HeaderMode) -> TabularOptions {
    TabularOptions { header, ..support::opts(targets) }
}

fn run(path: &Path, o: &TabularOptions) -> Result<(MemorySink, TabularSummary), TabularError> {
    let mut sink = MemorySink::default();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let summary = convert_table(path, o, &mut sink, &mut report)?;
    Ok((sink, summary))
}

/// Every file of a written dataset, relative path → bytes, sorted.
fn write_and_read(input: &Path, o: &TabularOptions, out: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    write_dataset(input, o, out, false);
    dataset_files(out)
}

#[test]
fn headed_fixtures_are_unchanged_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("mixed.csv", vec!["species"]),
        ("mixed.tsv", vec!["species"]),
        ("binary_semicolon.csv", vec!["y"]),
        ("multilabel.csv", vec!["is_a", "is_b", "is_c"]),
        ("mostly_zero.csv", vec!["label"]),
        ("bad/ragged.csv", vec!["label"]),
        ("bad/text_in_numeric.csv", vec!["label"]),
    ];
    for (k, (file, targets)) in cases.iter().enumerate() {
        // `--header yes` is the reading every release before `--header` did
        let before = write_and_read(&fixture(file), &opts(targets, HeaderMode::Yes), &dir.path().join(format!("yes{k}")));
        let auto = write_and_read(&fixture(file), &opts(targets, HeaderMode::Auto), &dir.path().join(format!("auto{k}")));
        assert!(before.len() >= 5, "{file}: {} files", before.len());
        assert_eq!(before, auto, "{file}: auto must read the header line as before");
        let (_, s) = run(&fixture(file), &opts(targets, HeaderMode::Auto)).unwrap();
        let note = s.header_note.unwrap();
        assert!(note.contains("first row read as column names") && note.contains("--header no"), "{note}");
    }
}

/// A UCI-style table: numbers, a class code last, no header line.
fn headerless(path: &Path, rows: usize) {
    let mut text = String::new();
    let mut s = 11u64;
    for r in 0..rows {
        let mut cells = Vec::new();
        for _ in 0..6 {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            cells.push(format!("{:.4}", (s >> 40) as f64 / (1u64 << 24) as f64));
        }
        cells.push(if r % 3 == 0 { "R".into() } else { "M".into() });
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_headerless_table_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("sonar.csv");
    headerless(&csv, 1000);
    let (sink, s) = run(&csv, &opts(&["-1"], HeaderMode::Auto)).unwrap();
    assert_eq!(sink.test.len() + sink.train.len(), 1000);
    assert_eq!(s.rows_read, 1000);
    assert_eq!(s.feature_names, (0..6).map(|i| format!("c{i}")).collect::<Vec<_>>());
    assert_eq!(s.facts.class_names(), vec!["M", "R"]);
    let note = s.header_note.unwrap();
    assert!(note.contains("no header line detected") && note.contains("--header yes"), "{note}");
    // the same file with the choice forced, and with the target named
    let (forced, _) = run(&csv, &opts(&["c6"], HeaderMode::No)).unwrap();
    assert_eq!(forced.test, sink.test);
    assert_eq!(forced.train, sink.train);
    // forcing a header on it loses the first row, as asked
    let (yes, _) = run(&csv, &opts(&["-1"], HeaderMode::Yes)).unwrap();
    assert_eq!(yes.test.len() + yes.train.len(), 999);
}

#[test]
fn a_first_row_with_repeated_cells_is_data() {
    // The case that stopped with "column '4': duplicate column name".
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("dup.csv");
    let rows: String = (0..40).map(|i| format!("{},4,4,{}\n", i % 7, i % 2)).collect();
    std::fs::write(&csv, rows).unwrap();
    let (sink, s) = run(&csv, &opts(&[], HeaderMode::Auto)).unwrap();
    assert_eq!(sink.test.len() + sink.train.len(), 40);
    assert!(s.header_note.unwrap().contains("repeats '4'"));
}

#[test]
fn an_all_text_table_states_its_choice() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("text.csv");
    let body: String = (0..30).map(|i| format!("{},{},{}\n", ["red", "blue"][i % 2], ["round", "square", "flat"][i % 3], ["yes", "no"][i / 2 % 2])).collect();
    std::fs::write(&csv, format!("colour,shape,answer\n{body}")).unwrap();
    let (sink, s) = run(&csv, &opts(&[], HeaderMode::Auto)).unwrap();
    assert_eq!(sink.test.len() + sink.train.len(), 30);
    let note = s.header_note.unwrap();
    assert!(note.contains("ambiguous") && note.contains("--header no"), "{note}");
    // the user's override keeps the first row as data
    let (all, s) = run(&csv, &opts(&[], HeaderMode::No)).unwrap();
    assert_eq!(all.test.len() + all.train.len(), 31);
    assert_eq!(s.facts.class_names(), vec!["answer", "no", "yes"]);
    // the same body without its names: the first row's values recur below it, so it is data
    let bare = dir.path().join("bare.csv");
    std::fs::write(&bare, &body).unwrap();
    let (rows, s) = run(&bare, &opts(&[], HeaderMode::Auto)).unwrap();
    assert_eq!(rows.test.len() + rows.train.len(), 30, "{:?}", s.header_note);
}

#[test]
fn columns_by_position() {
    let mixed = fixture("mixed.csv"); // height,weight,colour,size,species
    let (by_name, a) = run(&mixed, &TabularOptions {
        columns: ColumnChoices { targets: vec!["species".into()], drop: vec!["colour".into()], categorical: vec!["height".into()], onehot_max: 16, ..Default::default() },
        ..Default::default()
    })
    .unwrap();
    let (by_pos, b) = run(&mixed, &TabularOptions {
        columns: ColumnChoices { targets: vec!["-1".into()], drop: vec!["2".into()], categorical: vec!["-5".into()], onehot_max: 16, ..Default::default() },
        ..Default::default()
    })
    .unwrap();
    assert_eq!(by_name.test, by_pos.test);
    assert_eq!(a.feature_names, b.feature_names);
    let err = run(&mixed, &opts(&["5"], HeaderMode::Auto)).unwrap_err().to_string();
    assert!(err.contains("position 5") && err.contains("5 columns"), "{err}");
    let err = run(&mixed, &opts(&["-6"], HeaderMode::Auto)).unwrap_err().to_string();
    assert!(err.contains("position -6"), "{err}");
}

/// The shared iris rows (a real table written by others) as a headerless CSV: every row
/// becomes an example.
#[test]
fn shared_iris_rows_without_a_header() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let src = data.join("raw/iris-AutoML");
    let mut text = String::new();
    let mut rows = 0;
    for part in ["train", "test"] {
        let x = std::fs::read_to_string(src.join(format!("iris_{part}.data"))).unwrap();
        let y = std::fs::read_to_string(src.join(format!("iris_{part}.solution"))).unwrap();
        for (xl, yl) in x.lines().zip(y.lines()) {
            let class = yl.split_whitespace().position(|v| v.parse::<f64>().unwrap() == 1.0).unwrap();
            text.push_str(&format!("{},{class}\n", xl.split_whitespace().collect::<Vec<_>>().join(",")));
            rows += 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("iris.csv");
    std::fs::write(&csv, text).unwrap();
    let (sink, s) = run(&csv, &opts(&[], HeaderMode::Auto)).unwrap();
    assert_eq!(sink.test.len() + sink.train.len(), rows);
    assert_eq!(s.facts.output_dim, 3);
    assert!(s.header_note.unwrap().contains("no header line"));
}
