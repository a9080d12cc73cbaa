//! AutoNLP text layout reader (spec §1.5, §5.4): the input is cut into `meta.json`, the
//! `.data`/`.solution` files; the conversion gives documents or a clear error, never a panic.
#![no_main]

use autodl_format_fuzz::{tree_from_input, AUTONLP_FILES};
use converters_common::SkipReport;
use converters_text::{convert_corpus, Corpus, MemorySink, TextOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tree_from_input("autonlp_reader", "O1", AUTONLP_FILES, data);
    let opts = TextOptions::default();
    let mut report = SkipReport::default();
    let corpus = match Corpus::open(&dir, &opts.columns, &mut report) {
        Ok(c) => c,
        Err(e) => return assert!(!e.to_string().is_empty()),
    };
    let mut sink = MemorySink::default();
    if let Ok(summary) = convert_corpus(&corpus, &opts, &mut sink, &mut report) {
        assert_eq!(sink.test.len(), summary.facts.n_test);
        assert_eq!(sink.train.len(), summary.facts.n_train);
        assert!(summary.facts.output_dim >= 1 && summary.facts.output_dim <= converters_text::corpus::MAX_CLASSES);
        for ex in &sink.train {
            assert!(ex.label_score.iter().all(|s| s.is_finite()), "label scores must be finite");
        }
    }
});
