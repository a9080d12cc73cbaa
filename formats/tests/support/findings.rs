//! Helpers of the validator tests (`validate.rs`, `validate_records.rs`, included with
//! `#[path]`): running the validator, writable copies of the shared datasets, the files of a
//! dataset, in-place corruptions, and assertions on the findings.

use std::fs;
use std::path::{Path, PathBuf};

use formats::example::{self, AutoDlExample};
use formats::tfrecord::{TfRecordReader, TfRecordWriter};
use formats::validate::{validate, Finding, Report, Severity, ValidateOptions};

#[path = "tree.rs"]
mod tree;
pub use tree::copy_tree;

pub fn shared(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

pub fn run(dir: &Path) -> Report {
    validate(dir, &ValidateOptions::default())
}

pub fn run_deep(dir: &Path) -> Report {
    validate(dir, &ValidateOptions { deep: true, ..Default::default() })
}

pub fn describe(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| format!("  {:?}[{}] {} {:?}: {}", f.severity, f.code, f.location.file.display(), f.location.record, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Copies a shared dataset into a fresh temporary folder (the shared copy is read-only and
/// must never be touched) and returns (guard, dataset folder).
pub fn copy_of(name: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let src = shared(name)?;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dst = tmp.path().join(name);
    copy_tree(&src, &dst);
    Some((tmp, dst))
}

/// A copy of the shared dataset `name` (see [`copy_of`]) whose first train record file went
/// through [`rewrite_records`] with `change`: (guard, dataset folder, that record file).
pub fn copy_with_train_records_changed(
    name: &str,
    change: impl FnMut(u64, &mut AutoDlExample),
) -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    let (tmp, dir) = copy_of(name)?;
    let train = subset_file(&dir, "train");
    rewrite_records(&train, change);
    Some((tmp, dir, train))
}

pub fn subset_file(dataset: &Path, subset: &str) -> PathBuf {
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

pub fn metadata(dataset: &Path, subset: &str) -> PathBuf {
    let name = dataset.file_name().unwrap().to_string_lossy().into_owned();
    dataset.join(format!("{name}.data")).join(subset).join("metadata.textproto")
}

pub fn solution(dataset: &Path) -> PathBuf {
    let name = dataset.file_name().unwrap().to_string_lossy().into_owned();
    dataset.join(format!("{name}.solution"))
}

/// Replaces `from` by `to` once in a text file (panics when absent, so a test cannot pass
/// without actually corrupting the file).
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Changes the bytes of a file in place (a corruption of framing or payload).
pub fn edit_bytes(path: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs::read(path).unwrap();
    change(&mut bytes);
    fs::write(path, bytes).unwrap();
}

/// Rewrites a record file through our decoder and encoder, changing records on the way.
pub fn rewrite_records(path: &Path, mut change: impl FnMut(u64, &mut AutoDlExample)) {
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
pub fn expect<'a>(report: &'a Report, code: &str, severity: Severity, file: &Path) -> &'a Finding {
    let found = report
        .findings
        .iter()
        .find(|f| f.code == code && f.severity == severity && f.location.file == file);
    match found {
        Some(f) => f,
        None => panic!("expected {severity:?}[{code}] naming {}; got:\n{}", file.display(), describe(report)),
    }
}

pub fn error_codes(report: &Report) -> Vec<&'static str> {
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
