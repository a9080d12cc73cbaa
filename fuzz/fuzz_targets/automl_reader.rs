//! AutoML tabular layout reader (spec §1.5, §5.5): the input is cut into the layout's files
//! (see the crate docs); the conversion gives records or a clear error, never a panic.
#![no_main]

use autodl_format_fuzz::{tree_from_input, AUTOML_FILES};
use converters_common::SkipReport;
use converters_tabular::{convert_automl, AutoMlLayout, MemorySink, TabularOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tree_from_input("automl_reader", "t", AUTOML_FILES, data);
    let layout = match AutoMlLayout::detect(&dir) {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(e) => return assert!(!e.to_string().is_empty()),
    };
    let mut sink = MemorySink::default();
    let mut report = SkipReport::default();
    if let Ok(summary) = convert_automl(&layout, &TabularOptions::default(), &mut sink, &mut report) {
        assert_eq!(sink.test.len(), summary.facts.n_test);
        assert_eq!(sink.train.len(), summary.facts.n_train);
        assert!(summary.facts.output_dim >= 1);
        for ex in sink.train.iter().chain(&sink.test) {
            assert!(ex.label_score.iter().all(|s| s.is_finite()), "label scores must be finite");
            assert!(ex.label_index.iter().all(|&i| i >= 0 && (i as usize) < summary.facts.output_dim));
        }
    }
});
