//! `.solution` parser (spec §6): any text parses to a rectangular finite matrix or gives an
//! error with a line; what parses prints and parses back to the same matrix.
#![no_main]

use std::path::Path;

use autodl_format_fuzz::check_text_parser;
use formats::solution::{Solution, SolutionStyle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.solution");
    check_text_parser(data, path, Solution::parse, |s| {
        assert!(s.iter_rows().all(|r| r.len() == s.cols && r.iter().all(|v| v.is_finite())));
        let again = Solution::parse(&s.to_text(SolutionStyle::Generic), path).expect("printed solution must parse");
        assert_eq!((again.rows, again.cols), (s.rows, s.cols));
    });
});
