//! Dataset opener on a small tree materialised from the input (metadata, record files and
//! solution of `d.data/`): the validator always answers with a report (never a panic), and
//! a dataset it calls valid is readable record by record.
#![no_main]

use autodl_format_fuzz::{tree_from_input, DATASET_FILES};
use formats::dataset::DatasetReader;
use formats::validate::{validate, ValidateOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = tree_from_input("dataset_open", "tree", DATASET_FILES, data);
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
