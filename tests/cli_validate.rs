//! `autodl-format validate` / `inspect` as a user runs them: exit codes 0 / 1 / 2, text lines,
//! JSON that parses and carries the schema's required keys, quiet end on a closed pipe.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "../formats/tests/support/tree.rs"]
mod tree;
use tree::copy_tree;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_autodl-format"))
}

fn shared(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run autodl-format")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of miniciao with one payload byte of the test file flipped.
fn corrupted_copy() -> Option<(tempfile::TempDir, PathBuf)> {
    let src = shared("miniciao")?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("miniciao");
    copy_tree(&src, &dir);
    let file = dir.join("miniciao.data/test/sample-miniciao-test.tfrecord");
    let mut bytes = fs::read(&file).unwrap();
    bytes[150] ^= 0x10;
    fs::write(&file, bytes).unwrap();
    Some((tmp, dir))
}

fn required_keys() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/validate-report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    schema["required"].as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect()
}

#[test]
fn valid_dataset_exits_0() {
    let Some(dir) = shared("Monkeys") else { return };
    let out = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.lines().last().unwrap().starts_with("Monkeys: valid: 0 error(s)"), "{stdout}");

    let out = run(&["validate", "--deep", "--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json output parses");
    for key in required_keys() {
        assert!(v.get(&key).is_some(), "JSON report lacks required key {key}");
    }
    assert_eq!(v["valid"], true);
    assert_eq!(v["deep"], true);
    assert_eq!(v["stats"]["frames_decoded"], 30);
}

#[test]
fn legacy_dataset_with_warnings_exits_0() {
    let Some(dir) = shared("mini1") else { return };
    let out = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("warning[LEGACY_TEST_LABELS]"), "{stdout}");
    assert!(!stdout.contains("error["), "{stdout}");
}

#[test]
fn errors_exit_1_with_one_line_per_finding() {
    let Some((_tmp, dir)) = corrupted_copy() else { return };
    let out = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("error[TFR_BAD_PAYLOAD_CRC]"))
        .unwrap_or_else(|| panic!("no CRC line in:\n{stdout}"));
    assert!(line.contains("sample-miniciao-test.tfrecord [record 0 @ byte 0]"), "{line}");
    assert!(stdout.lines().last().unwrap().contains("INVALID"), "{stdout}");

    let out = run(&["validate", "--json", "--quiet", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let codes: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"TFR_BAD_PAYLOAD_CRC"), "{codes:?}");
}

#[test]
fn could_not_run_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    let out = run(&["validate", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not exist"));
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    assert_eq!(run(&["validate", file.to_str().unwrap()]).status.code(), Some(2));
    // Bad arguments are clap's exit 2 as well.
    assert_eq!(run(&["validate"]).status.code(), Some(2));
    // An empty folder can be looked at: it is an invalid dataset, not a failure to run.
    assert_eq!(run(&["validate", tmp.path().to_str().unwrap()]).status.code(), Some(1));
}

#[test]
fn closed_pipe_ends_quietly() {
    let Some((_tmp, dir)) = corrupted_copy() else { return };
    let mut child = bin()
        .args(["validate", "--json", dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before (or while) the report is written
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

#[test]
fn inspect_text_and_json() {
    let Some(dir) = shared("miniciao") else { return };
    let out = run(&["inspect", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("domain:        image"), "{stdout}");
    assert!(stdout.contains("shape (T,H,W,C): (1, 32, 32, 3)"), "{stdout}");
    assert!(stdout.contains("records:     82 (sample_count 82)"), "{stdout}");

    let out = run(&["inspect", "--json", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["subsets"][1]["records"], 18);
    assert_eq!(v["label_names"][0], "airplane");

    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(run(&["inspect", tmp.path().to_str().unwrap()]).status.code(), Some(2));
}
