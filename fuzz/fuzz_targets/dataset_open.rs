//! Dataset opener on a small tree materialised from the input (metadata, record files and
//! solution of `d.data/`): the validator always answers with a report (never a panic), and
//! a dataset it calls valid is readable record by record.
#![no_main]

use autodl_format_fuzz::{fresh_dir, materialise, scratch_root, split_parts};
use formats::dataset::DatasetReader;
use formats::validate::{validate, ValidateOptions};
use libfuzzer_sys::fuzz_target;

const FILES: &[&str] = &[
    "d.data/train/metadata.textproto",
    "d.data/train/sample-d-train.tfrecord",
    "d.data/test/metadata.textproto",
    "d.data/test/sample-d-test.tfrecord",
    "d.solution",
];

fuzz_target!(|data: &[u8]| {
    let root = fresh_dir(scratch_root("dataset_open"), "tree");
    materialise(&root, FILES, &split_parts(data, FILES.len()));
    let report = validate(&root, &ValidateOptions::default());
    assert_eq!(report.valid, report.errors == 0);
    if !report.valid {
        return;
    }
    let reader = DatasetReader::open(&root).expect("a valid dataset opens");
    for subset in reader.subsets() {
        for record in reader.examples(subset).expect("a subset of a valid dataset streams") {
            record.expect("every record of a valid dataset reads");
        }
    }
    let _ = reader.solution().expect("the solution of a valid dataset reads");
});
