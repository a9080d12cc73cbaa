//! `metadata.textproto` parser (spec §4): any text parses or gives an error with a line and
//! column; what parses prints back to text that parses to the same spec.
#![no_main]

use std::path::Path;

use autodl_format_fuzz::check_text_parser;
use formats::metadata::DataSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/metadata.textproto");
    check_text_parser(data, path, DataSpec::parse_with_notes, |parsed| {
        let printed = parsed.spec.to_textproto();
        let again = DataSpec::parse(&printed, path).unwrap_or_else(|e| panic!("printed metadata must parse: {e}\n{printed}"));
        assert_eq!(again, parsed.spec, "print/parse must round-trip");
    });
});
