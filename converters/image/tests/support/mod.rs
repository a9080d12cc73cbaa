//! Helpers shared by the image converter tests: read a converted dataset back.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;

/// One record as `(frame bytes or floats, sorted label set, label scores)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub frame: Frames,
    pub labels: Vec<i64>,
    pub scores: Vec<(i64, f32)>,
}

/// Test records (labels from the solution, in order) then train records (labels from the
/// records), in file order.
pub fn read_all(dir: &Path) -> (Vec<Record>, Vec<Record>) {
    let reader = DatasetReader::open(dir).unwrap();
    let solution = reader.solution().unwrap().expect("a solution file");
    let mut test = Vec::new();
    for (i, r) in reader.examples(Subset::Test).unwrap().enumerate() {
        let r = r.unwrap();
        let row = solution.row(i);
        let labels: Vec<i64> = row.iter().enumerate().filter(|(_, v)| **v == 1.0).map(|(k, _)| k as i64).collect();
        test.push(Record { frame: r.frames().clone(), labels, scores: vec![] });
    }
    assert_eq!(test.len(), solution.rows);
    let mut train = Vec::new();
    for r in reader.examples(Subset::Train).unwrap() {
        let r = r.unwrap();
        let mut scores = r.labels();
        scores.sort_by_key(|p| p.0);
        let labels = scores.iter().map(|p| p.0).collect();
        train.push(Record { frame: r.frames().clone(), labels, scores });
    }
    (test, train)
}

/// The single compressed frame of a record.
pub fn bytes(r: &Record) -> &[u8] {
    match &r.frame {
        Frames::Compressed(f) => &f[0],
        other => panic!("expected a compressed frame, got {other:?}"),
    }
}

/// Multiset of `(image bytes, label set)` over train ∪ test, sorted.
pub fn pairs(dir: &Path) -> Vec<(Vec<u8>, Vec<i64>)> {
    let (test, train) = read_all(dir);
    let mut v: Vec<(Vec<u8>, Vec<i64>)> = test.iter().chain(&train).map(|r| (bytes(r).to_vec(), r.labels.clone())).collect();
    v.sort();
    v
}

/// Asserts the deep validator finds no error.
pub fn assert_valid_deep(dir: &Path) {
    let report = formats::validate::validate(dir, &formats::validate::ValidateOptions { deep: true, ..Default::default() });
    assert!(report.is_valid(), "{:#?}", report.findings);
}

/// Every file below `dir` as (path relative to `dir`, bytes), sorted by path (also used by the
/// table converter's tests).
pub fn dataset_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}
