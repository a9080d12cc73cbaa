//! One test per fixed bug, named after it (STYLE.md: ripgrep's `tests/regression.rs`). Each
//! says where the bug was and how it was found; inputs found by fuzzing live under
//! `fuzz/regressions/<target>/` and are replayed here through the same code the target calls.

use std::fs;
use std::path::{Path, PathBuf};

use converters_common::labels::discover;
use converters_common::{ErrorPolicy, SkipReport};

// The fuzz targets' own cut of an input into files (std only), so a replay reads what they read.
#[path = "../fuzz/src/layout.rs"]
#[allow(dead_code)]
mod fuzz_layout;
use fuzz_layout::{materialise, AUTOML_FILES, AUTONLP_FILES};

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Bug (issue 9 corpus): `labels::walk_files` followed symbolic links without remembering the
/// folders it had entered, so a link to a parent folder made every image appear once per
/// level until the kernel's 40-link limit (and two such links made the walk exponential).
#[test]
fn class_folder_symlink_loop_is_walked_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(&root.join("cat/a.png"), b"x");
    write(&root.join("dog/b.png"), b"x");
    std::os::unix::fs::symlink("..", root.join("cat/up")).unwrap();
    std::os::unix::fs::symlink(".", root.join("dog/self")).unwrap();
    std::os::unix::fs::symlink(".", root.join("dog/self2")).unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let input = discover(root, &|p: &Path| p.extension().is_some_and(|e| e == "png"), &mut report).unwrap();
    let names: Vec<&str> = input.items.iter().map(|i| i.name.as_str()).collect();
    // cat/up leads back to the root: its `dog/` is a new real folder the first time it is met.
    assert!(names.contains(&"cat/a.png") && names.contains(&"dog/b.png"), "{names:?}");
    assert!(names.len() <= 3, "files listed once per real folder: {names:?}");
    let reasons: Vec<String> = report.entries().iter().map(|e| e.to_string()).collect();
    assert!(reasons.iter().any(|r| r.contains("self") && r.contains("symbolic link")), "{reasons:?}");
}

fn autonlp(root: &Path, meta: &str, train_solution: &str) {
    write(&root.join("O1.data/meta.json"), meta.as_bytes());
    let mut train = String::new();
    for i in 0..10 {
        train.push_str(if i % 2 == 0 { "happy film\n" } else { "sad film\n" });
    }
    write(&root.join("O1.data/train.data"), train.as_bytes());
    write(&root.join("O1.data/train.solution"), train_solution.as_bytes());
    write(&root.join("O1.data/test.data"), b"happy\nsad\nhappy\nsad\n");
    write(&root.join("O1.solution"), b"1 0\n0 1\n1 0\n0 1\n");
}

fn convert_text(root: &Path) -> (Result<converters_text::TextSummary, converters_text::TextError>, SkipReport) {
    let mut report = SkipReport::new(ErrorPolicy::default());
    let mut sink = converters_text::MemorySink::default();
    let opts = converters_text::TextOptions::default();
    let result = converters_text::Corpus::open(root, &opts.columns, &mut report)
        .and_then(|c| converters_text::convert_corpus(&c, &opts, &mut sink, &mut report));
    (result, report)
}

/// Bug (issue 9, resource limits): AutoNLP `class_num` sized `output_dim` unchecked, so a
/// meta.json saying 4e9 classes asked the writer for 4e9-column solution rows.
#[test]
fn autonlp_class_num_over_the_limit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("O1");
    autonlp(&root, r#"{"class_num": 4000000000}"#, &"1 0\n0 1\n".repeat(5));
    let (result, _) = convert_text(&root);
    let err = result.unwrap_err().to_string();
    assert!(err.contains("meta.json") && err.contains("exceeds the limit"), "{err}");
}

/// Bug (issue 9 corpus): an AutoNLP solution value `NaN` became a NaN `label_score`, and the
/// finished dataset failed validation as a whole instead of the row being skipped.
#[test]
fn autonlp_nan_solution_value_skips_the_document() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("O1");
    autonlp(&root, r#"{"class_num": 2}"#, &"NaN 0\n0 1\n1 0\n0 1\n1 0\n0 1\n1 0\n0 1\n1 0\n0 1\n");
    let (result, report) = convert_text(&root);
    let summary = result.unwrap();
    assert_eq!(summary.facts.n_train, 9);
    let e = &report.entries()[0];
    assert!(e.path.ends_with("train.data") && e.line == Some(1) && e.reason.contains("no label"), "{e}");
}

/// Writes the AutoML layout `t_{train,test}.{data,solution}` in `d` from the four texts and
/// converts it (the layout must be detected and the conversion must succeed).
fn convert_automl_files(
    d: &Path,
    [train, train_solution, test, test_solution]: [&str; 4],
) -> (converters_tabular::TabularSummary, converters_tabular::MemorySink, SkipReport) {
    write(&d.join("t_train.data"), train.as_bytes());
    write(&d.join("t_train.solution"), train_solution.as_bytes());
    write(&d.join("t_test.data"), test.as_bytes());
    write(&d.join("t_test.solution"), test_solution.as_bytes());
    let layout = converters_tabular::AutoMlLayout::detect(d).unwrap().unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let mut sink = converters_tabular::MemorySink::default();
    let summary = converters_tabular::convert_automl(&layout, &Default::default(), &mut sink, &mut report).unwrap();
    (summary, sink, report)
}

/// Converts an AutoML layout in `d` of 10 one-feature train rows whose first solution row is
/// `first` (the others alternate between the 2 classes) and 3 test rows; asserts 9 train rows
/// remain and the first skip names line 1 of `t_train.solution` with `reason`. The records.
fn first_solution_row_is_skipped(d: &Path, first: &str, reason: &str) -> converters_tabular::MemorySink {
    let train: String = (0..10).map(|i| format!("{i} 1\n")).collect();
    let mut sol = format!("{first}\n");
    for i in 1..10 {
        sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    let (summary, sink, report) = convert_automl_files(d, [&train, &sol, "1 1\n2 1\n3 1\n", "1 0\n0 1\n1 0\n"]);
    assert_eq!(summary.facts.n_train, 9);
    let e = &report.entries()[0];
    assert!(e.path.ends_with("t_train.solution") && e.line == Some(1) && e.reason.contains(reason), "{e}");
    sink
}

/// Bug (issue 9 corpus): an AutoML solution value `nan` passed `parse_solution` and became a
/// NaN `label_score`; the whole conversion then failed validation.
#[test]
fn automl_nan_solution_value_skips_the_row() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sink = first_solution_row_is_skipped(d, "nan 0", "not finite");
    assert!(sink.train.iter().all(|ex| ex.label_score.iter().all(|s| s.is_finite())));
}

/// Bug (fuzz automl_reader, second campaign): a solution value like `1e39` (or the fuzzer's
/// 75-digit `1111…10`) is a finite f64 but an infinite f32; the finiteness check ran on the
/// f64, so the row kept an infinite `label_score`. libFuzzer reported it as a 1 s timeout: the
/// target's panic backtrace took longer than the limit to print under ASAN.
#[test]
fn automl_solution_value_beyond_f32_range_skips_the_row() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    first_solution_row_is_skipped(d, "0 1e39", "1e39");

    // The fuzzer's input, through the target's code and its assertion.
    let file = regressions("automl_reader").into_iter().find(|f| f.to_string_lossy().contains("f32-overflow")).expect("committed input");
    let tmp = tempfile::tempdir().unwrap();
    materialise(tmp.path(), AUTOML_FILES, &fs::read(&file).unwrap());
    let layout = converters_tabular::AutoMlLayout::detect(tmp.path()).unwrap().unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let mut sink = converters_tabular::MemorySink::default();
    if converters_tabular::convert_automl(&layout, &Default::default(), &mut sink, &mut report).is_ok() {
        assert!(sink.train.iter().chain(&sink.test).all(|ex| ex.label_score.iter().all(|s| s.is_finite())));
    }
    assert!(report.entries().iter().any(|e| e.reason.contains("not finite")), "{:?}", report.entries());
}

/// Bug (issue 9 corpus): one dense AutoML row with a missing value made the row lengths
/// unequal, so the format guess switched the whole file to sparse binary (every value read as a
/// feature index) instead of reporting the one ragged row.
#[test]
fn automl_one_ragged_dense_row_keeps_the_file_dense() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut train = String::from("0 0 1\n");
    let mut sol = String::from("1 0\n");
    for i in 1..10 {
        // Row 6 lacks its last value.
        train.push_str(&if i == 5 { format!("{i} 0\n") } else { format!("{i} 0 {}\n", i * 2) });
        sol.push_str(if i % 2 == 0 { "1 0\n" } else { "0 1\n" });
    }
    let (summary, _, report) = convert_automl_files(d, [&train, &sol, "1 0 1\n2 0 2\n", "1 0\n0 1\n"]);
    assert_eq!((summary.features, summary.facts.n_train, summary.facts.n_test), (3, 9, 2));
    assert_eq!(report.entries()[0].line, Some(6));
    assert_eq!(report.len(), 1);
    assert!(report.entries()[0].reason.contains("ragged row"), "{}", report.entries()[0]);
}

/// Bug (issue 9, interrupt safety): a conversion killed by a signal left its temporary folder
/// `.<out>.tmp-<pid>-<n>` next to the output for ever; the next writer now removes folders of
/// processes that no longer run.
#[test]
fn temp_folder_of_a_killed_writer_is_removed_by_the_next_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    // Above the kernel's largest pid (4194304): no such process can be running.
    let stale = tmp.path().join(".ds.tmp-4294967-0");
    write(&stale.join("ds.data/train/sample-ds-train.tfrecord"), b"partial");
    let alive = tmp.path().join(format!(".ds.tmp-{}-999", std::process::id()));
    fs::create_dir_all(&alive).unwrap();
    let writer = formats::dataset::DatasetWriter::create(&out, "ds", Default::default()).unwrap();
    assert!(!stale.exists(), "stale temporary folder kept");
    assert!(alive.exists(), "a live writer's folder must be kept");
    drop(writer);
}

/// Bug (issue 9, resource limits): JSONL and AutoNLP lines were read whole
/// (`read_until` / `split`), so a file without newlines was buffered entirely; lines are now
/// held only up to `MAX_DOCUMENT_BYTES` and a longer one is a bad document.
#[test]
fn jsonl_line_over_the_document_limit_is_a_bad_document() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.jsonl");
    let mut s = String::new();
    for i in 0..10 {
        s.push_str(&format!("{{\"text\": \"words {i} here\", \"label\": \"{}\"}}\n", i % 2));
    }
    let mut bytes = s.into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', converters_text::corpus::MAX_DOCUMENT_BYTES + 5));
    bytes.push(b'\n');
    fs::write(&path, &bytes).unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let mut sink = converters_text::MemorySink::default();
    let summary =
        converters_text::convert_text(&path, &converters_text::TextOptions::default(), &mut sink, &mut report).unwrap();
    assert_eq!(summary.documents, 10);
    let e = &report.entries()[0];
    assert!(e.line == Some(11) && e.reason.contains("longer than"), "{e}");
}

/// Replays every committed fuzz input through the code its target exercises (see
/// fuzz/fuzz_targets/): none may panic. Targets without committed inputs replay nothing.
/// The committed inputs (`metadata_textproto`, `automl_reader`, `autonlp_reader`) were
/// reported as timeouts (> 1 s) during the 01:50–02:10 runs while the machine's load average
/// was ~17 on 2 cores; replayed alone they run in milliseconds (autonlp: as long as its own
/// seed input), so they are kept as replays, not as fixes.
#[test]
fn committed_fuzz_regressions_do_not_panic() {
    for file in regressions("tfrecord_reader") {
        let data = fs::read(&file).unwrap();
        let mut r = formats::tfrecord::TfRecordReader::new(std::io::Cursor::new(&data[1.min(data.len())..]), &file, None);
        while let Ok(Some(_)) = r.next_record() {}
    }
    for file in regressions("sequence_example_decode") {
        let _ = formats::example::decode(&fs::read(&file).unwrap());
    }
    for file in regressions("metadata_textproto") {
        let _ = formats::metadata::DataSpec::read(&file);
    }
    for file in regressions("solution_parse") {
        let _ = formats::solution::Solution::read(&file);
    }
    for file in regressions("labels_csv") {
        let _ = converters_common::labels::read_labels_csv(&file);
    }
    // Multi-file targets: parts cut at the separator of fuzz/src/layout.rs, one file each.
    for file in regressions("automl_reader") {
        let tmp = tempfile::tempdir().unwrap();
        materialise(tmp.path(), AUTOML_FILES, &fs::read(&file).unwrap());
        if let Ok(Some(layout)) = converters_tabular::AutoMlLayout::detect(tmp.path()) {
            let mut report = SkipReport::new(ErrorPolicy::default());
            let mut sink = converters_tabular::MemorySink::default();
            let _ = converters_tabular::convert_automl(&layout, &Default::default(), &mut sink, &mut report);
        }
    }

    for file in regressions("autonlp_reader") {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("O1");
        materialise(&root, AUTONLP_FILES, &fs::read(&file).unwrap());
        let _ = convert_text(&root);
    }
}

// ---------------------------------------------------------------------------------------------
// Issue 22 (hostile input II): data loss, unbounded cost, wrong output without an error.

fn bin(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_autodl-format")).args(args).env_remove("RUST_BACKTRACE").output().unwrap()
}

/// Every file below `dir` (links as their target) with its bytes: the "checksum" of a tree.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let (p, ft) = (e.path(), e.file_type().unwrap());
            if ft.is_symlink() {
                out.insert(p.clone(), fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes());
            } else if ft.is_dir() {
                out.insert(p.clone(), b"<dir>".to_vec());
                stack.push(p);
            } else if ft.is_file() {
                out.insert(p.clone(), fs::read(&p).unwrap());
            } else {
                out.insert(p.clone(), b"<special>".to_vec());
            }
        }
    }
    out
}

fn table(rows: usize) -> String {
    let mut s = String::from("a,b,species\n");
    for i in 0..rows {
        s.push_str(&format!("{i}.5,{},{}\n", i * 2, ["x", "y"][i % 2]));
    }
    s
}

fn names_of(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Bug (issue 22, item 1): `convert d/wine.csv -o d --force` removed `d` with the input in it
/// (and OUT = INPUT, OUT = a parent of INPUT did the same); `--force` also replaced any folder.
#[test]
fn force_never_removes_the_input_nor_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    write(&d.join("wine.csv"), table(30).as_bytes());
    write(&d.join("notes"), b"x\n");
    let raw = tmp.path().join("raw");
    fixtures_images(&raw);
    let before = tree(tmp.path());
    let csv = d.join("wine.csv");
    for (input, out, why) in [
        (&csv, d.clone(), "contains the input"),
        (&raw, raw.clone(), "is the input"),
        (&raw, tmp.path().to_path_buf(), "contains the input"),
        (&raw, raw.join("cat/../ds"), "is inside the input"),
    ] {
        let o = bin(&["convert".as_ref(), input.as_os_str(), "-o".as_ref(), out.as_os_str(), "--force".as_ref(), "--quiet".as_ref()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(why), "{out:?}: {err}");
        assert_eq!(tree(tmp.path()), before, "the input changed");
    }
    // An arbitrary folder is kept even with --force; an earlier dataset is replaced.
    let mine = tmp.path().join("mine");
    write(&mine.join("thesis.tex"), b"years of work");
    let before = tree(tmp.path());
    let o = bin(&["convert".as_ref(), csv.as_os_str(), "-o".as_ref(), mine.as_os_str(), "--force".as_ref(), "--quiet".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a folder that is not one"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tree(tmp.path()), before);
    let ds = tmp.path().join("out/ds");
    for _ in 0..2 {
        let o = bin(&["convert".as_ref(), csv.as_os_str(), "-o".as_ref(), ds.as_os_str(), "--force".as_ref(), "--quiet".as_ref()]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(names_of(&tmp.path().join("out")), vec!["ds"], "nothing but the dataset next to it");
}

fn fixtures_images(root: &Path) {
    converters_image::fixtures::class_folders(root, &["cat", "dog"], 6, 16, 16, false, true).unwrap();
}

/// Bug (issue 22, item 2): `-o existing_file --force` wrote the dataset, exited 2 and left the
/// old file as `.afile.tmp-PID-0.old`. A file is now refused before any work, and a replaced
/// dataset leaves nothing behind.
#[test]
fn force_onto_a_file_is_refused_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("in/t.csv");
    write(&csv, table(30).as_bytes());
    let afile = tmp.path().join("out/afile");
    write(&afile, b"keep me");
    let before = tree(tmp.path());
    let o = bin(&["convert".as_ref(), csv.as_os_str(), "-o".as_ref(), afile.as_os_str(), "--force".as_ref(), "--quiet".as_ref()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("afile") && err.contains("a file that is not one"), "{err}");
    assert_eq!(tree(tmp.path()), before);
    // `plan` and `merge` use the same rule.
    let o = bin(&["plan".as_ref(), tmp.path().join("in").as_os_str(), "-o".as_ref(), afile.as_os_str(), "--force".as_ref()]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin(&["merge".as_ref(), tmp.path().join("in").as_os_str(), "-o".as_ref(), tmp.path().join("in/sub").as_os_str(), "--force".as_ref()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("inside the input"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tree(tmp.path()), before);
}

/// Bug (issue 22, item 9): folders `n\xffu` and `n\xfeu` became one class, and a class folder
/// name with a newline took two lines of `_label.name`, shifting every later name.
#[test]
fn class_names_stay_distinct_and_one_per_line() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    let classes: [&[u8]; 4] = [b"n\xffu", b"n\xfeu", b"two\nlines", b"plain"];
    for (k, c) in classes.iter().enumerate() {
        let dir = raw.join(std::ffi::OsStr::from_bytes(c));
        for i in 0..4 {
            write(&dir.join(format!("{i}.png")), &converters_image::fixtures::png(8, 8, (k * 4 + i) as u32));
        }
    }
    let out = tmp.path().join("ds");
    let o = bin(&["convert".as_ref(), raw.as_os_str(), "-o".as_ref(), out.as_os_str(), "--name".as_ref(), "c".as_ref(), "--quiet".as_ref()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let names = fs::read_to_string(out.join("c_label.name")).unwrap();
    let lines: Vec<&str> = names.lines().collect();
    assert_eq!(lines.len(), 4, "{names:?}");
    assert!(lines.contains(&"n\\xffu") && lines.contains(&"n\\xfeu") && lines.contains(&"two\\x0alines"), "{lines:?}");
}

/// A 30-row `t.csv` converted by the binary into `dir/ds` (dataset name `t`).
fn converted_table(dir: &Path) -> PathBuf {
    let csv = dir.join("t.csv");
    write(&csv, table(30).as_bytes());
    let out = dir.join("ds");
    let o = bin(&["convert".as_ref(), csv.as_os_str(), "-o".as_ref(), out.as_os_str(), "--name".as_ref(), "t".as_ref(), "--quiet".as_ref()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Bug (issue 22, item 9): a `_label.name` / `_feat.name` whose line count differs from the
/// data was not reported by the validator (feature names were not checked at all).
#[test]
fn validator_counts_feature_name_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let out = converted_table(tmp.path());
    let feat = out.join("t_feat.name");
    let text = fs::read_to_string(&feat).unwrap();
    fs::write(&feat, format!("extra\n{text}")).unwrap();
    let report = formats::validate::validate(&out, &Default::default());
    assert!(report.findings.iter().any(|f| f.code == "FEAT_NAMES_COUNT"), "{:?}", report.findings);
}

/// Bug (issue 22, item 5): one edited metadata line, `output_dim: 100000000`, made `inspect`
/// abort on a 300 MB allocation and `validate` allocate one flag per declared class.
#[test]
fn huge_declared_output_dim_allocates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = converted_table(tmp.path());
    for sub in ["train", "test"] {
        let p = out.join(format!("t.data/{sub}/metadata.textproto"));
        let t = fs::read_to_string(&p).unwrap();
        fs::write(&p, t.replace("output_dim: 2", "output_dim: 2147483647")).unwrap();
    }
    let report = formats::validate::validate(&out, &Default::default());
    assert!(!report.is_valid());
    let inspection = formats::inspect::inspect(&out).unwrap();
    assert!(inspection.subsets.iter().all(|s| s.class_histogram.len() <= 1 << 16));
}

/// Bug (issue 22, item 7): converting one 0.27 MB text document took 75 s (debug). Not the
/// tokenizer: reading back the metadata, the parser looked for a repeated map key by scanning
/// every earlier entry, so a vocabulary of n words cost n²/2 string comparisons (21,000 words:
/// 2.2·10⁸). Keys are now indexed. The work is sized, not timed: 300,000 entries are 1.2 M
/// lines to parse once, where the old scan needs 4.5·10¹⁰ comparisons (many minutes), which
/// the test run's time limit turns into a failure.
#[test]
fn metadata_vocabulary_of_300000_words_parses_in_linear_work() {
    let n = 300_000;
    let mut text = String::from("is_sequence: false\noutput_dim: 2\n");
    for i in 0..n {
        text.push_str(&format!("channel_to_index_map {{\n  key: \"w{i}\"\n  value: {i}\n}}\n"));
    }
    text.push_str("channel_to_index_map {\n  key: \"w7\"\n  value: 9\n}\n");
    let parsed = formats::metadata::DataSpec::parse_with_notes(&text, Path::new("metadata.textproto")).unwrap();
    assert_eq!(parsed.spec.channel_to_index_map.len(), n, "the repeated key replaces, it does not add");
    assert_eq!(parsed.spec.channel_to_index_map[7], ("w7".to_string(), 9));
    let repeats: Vec<_> = parsed.notes.iter().filter(|m| m.code == formats::metadata::NOTE_DUPLICATE_MAP_KEY).collect();
    assert_eq!(repeats.len(), 1, "{repeats:?}");
}
