//! `labels.csv` reader of the file-format layout (spec §1.5): any file gives rows and bad rows
//! (each naming the CSV and its line) or one whole-file error, never a panic.
#![no_main]

use autodl_format_fuzz::{fresh_dir, scratch_root};
use converters_common::labels::{parse_labels, read_labels_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = fresh_dir(scratch_root("labels_csv"), "input");
    let csv = dir.join("labels.csv");
    std::fs::write(&csv, data).expect("scratch file must be writable");
    match read_labels_csv(&csv) {
        Ok(parsed) => {
            for bad in &parsed.bad {
                assert_eq!(bad.path, csv, "a bad row names the CSV");
                assert!(bad.line.is_some(), "a bad row has a line");
            }
            for row in &parsed.rows {
                assert!(!row.file_name.is_empty());
                assert!(row.labels.pairs.iter().all(|(i, s)| *i < i32::MAX as u32 && s.is_finite()));
            }
        }
        Err(e) => assert!(e.to_string().contains("labels.csv"), "error must name the file: {e}"),
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines().take(64) {
            let _ = parse_labels(line, false);
            let _ = parse_labels(line, true);
        }
    }
});
