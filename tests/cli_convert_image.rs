//! `autodl-format convert` on image folders as a user runs it: exit codes, the skip report and
//! its summary line, refusal to overwrite, `--on-error fail` leaving nothing, determinism, and
//! the shared raw data converted into datasets that pass `validate --deep`.

use std::fs;
use std::process::Output;

use converters_image::fixtures;

#[path = "support/cli.rs"]
#[allow(dead_code)] // each test file uses part of it
mod cli;
use cli::{s, stderr, tree, validate_deep};

fn run(args: &[&str]) -> Output {
    cli::bin().args(args).output().expect("run autodl-format")
}

#[test]
fn converts_class_folders_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("flowers");
    fixtures::class_folders(&raw, &["rose", "tulip"], 10, 24, 16, true, false).unwrap();
    let out = tmp.path().join("ds");
    let o = run(&["convert", s(&raw), "-o", s(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("skipped 0 of 20 inputs"), "{}", stderr(&o));
    assert!(out.join("flowers.data/train/metadata.textproto").is_file());
    assert!(out.join("flowers.solution").is_file());
    assert_eq!(fs::read_to_string(out.join("flowers_label.name")).unwrap(), "rose\ntulip\n");
    validate_deep(&out);

    let before = tree(&out);
    let o = run(&["convert", s(&raw), "-o", s(&out), "--quiet", "--name", "other"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(tree(&out), before, "a refused conversion must not touch OUT");

    let o = run(&["convert", s(&raw), "-o", s(&out), "--quiet", "--name", "other", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("other.data").is_dir() && !out.join("flowers.data").exists());
}

#[test]
fn bad_inputs_reported_with_file_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    let bad = fixtures::bad_inputs(&raw, 10).unwrap();
    let out = tmp.path().join("ds");
    let o = run(&["convert", s(&raw), "-o", s(&out), "--quiet", "--name", "bad"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("skipped {} of", bad.len())) && err.contains("bad_skipped.tsv"), "{err}");
    let report = fs::read_to_string(out.join("bad_skipped.tsv")).unwrap();
    for (name, reason) in &bad {
        assert!(report.lines().any(|l| l.contains(name) && l.contains(reason)), "{name}/{reason} missing:\n{report}");
    }
    validate_deep(&out);

    // --on-error fail: exit ≠ 0, the first bad input named, no output folder.
    let out2 = tmp.path().join("ds2");
    let o = run(&["convert", s(&raw), "-o", s(&out2), "--quiet", "--on-error", "fail"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("raw") && stderr(&o).contains("--on-error fail"), "{}", stderr(&o));
    assert!(!out2.exists());
    // --max-errors
    let o = run(&["convert", s(&raw), "-o", s(&out2), "--quiet", "--max-errors", "2"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--max-errors 2"), "{}", stderr(&o));
    assert!(!out2.exists());
}

#[test]
fn same_seed_byte_identical_and_dense_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    fixtures::class_folders(&raw, &["a", "b", "c"], 6, 12, 9, true, false).unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let o = run(&["convert", s(&raw), "-o", s(out), "-q", "--seed", "7", "--test-size", "0.3"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert_eq!(tree(&a), tree(&b));

    let d = tmp.path().join("dense");
    let o = run(&["convert", s(&raw), "-o", s(&d), "-q", "--format", "dense", "--size", "8x10", "--filter", "lanczos3", "--channels", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let meta = fs::read_to_string(d.join("raw.data/train/metadata.textproto")).unwrap();
    assert!(meta.contains("row_count: 8") && meta.contains("col_count: 10") && meta.contains("num_channels: 3") && meta.contains("DENSE"), "{meta}");
    validate_deep(&d);

    // Bad option combinations are refused before anything is written.
    let o = run(&["convert", s(&raw), "-o", s(&tmp.path().join("x")), "-q", "--format", "dense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--size"), "{}", stderr(&o));
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn ambiguous_input_needs_domain() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("mixed");
    fixtures::class_folders(&raw, &["a", "b"], 5, 8, 8, false, true).unwrap();
    fs::write(raw.join("a/notes.txt"), "some words here").unwrap();
    let out = tmp.path().join("ds");
    let o = run(&["convert", s(&raw), "-o", s(&out), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ambiguous") && stderr(&o).contains("--domain"), "{}", stderr(&o));
    let o = run(&["convert", s(&raw), "-o", s(&out), "-q", "--domain", "image"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::read_to_string(out.join("mixed_skipped.tsv")).unwrap().contains("notes.txt\t\tunsupported file type"));
}

#[test]
fn shared_raw_images_convert_and_validate() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (raw, name, shape) in [("mini-cifar", "miniciao", "col_count: 32"), ("monkeys", "Monkeys", "col_count: -1")] {
        let out = tmp.path().join(name);
        let o = run(&["convert", s(&data.join("raw").join(raw)), "-o", s(&out), "-q", "--verify"]);
        assert_eq!(o.status.code(), Some(0), "{raw}: {}", stderr(&o));
        assert!(out.join(format!("{name}.data")).is_dir(), "name from private.info");
        let meta = fs::read_to_string(out.join(format!("{name}.data/test/metadata.textproto"))).unwrap();
        assert!(meta.contains(shape) && meta.contains("COMPRESSED"), "{meta}");
        validate_deep(&out);
    }
}

#[test]
fn help_documents_every_layout() {
    let o = run(&["convert", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for needle in ["class folders", "train/ and test/", "FileName,Labels", "LabelConfidencePairs", "label.name", "private.info", "AutoML", "AutoNLP", "JSONL", "Example:"] {
        assert!(help.contains(needle), "--help lacks {needle:?}");
    }
}
