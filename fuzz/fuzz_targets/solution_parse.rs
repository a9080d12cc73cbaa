//! `.solution` parser (spec §6): any text parses to a rectangular finite matrix or gives an
//! error with a line; what parses prints and parses back to the same matrix.
#![no_main]

use std::path::Path;

use formats::solution::{Solution, SolutionStyle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.solution");
    match Solution::parse(text, path) {
        Ok(s) => {
            assert!(s.iter_rows().all(|r| r.len() == s.cols && r.iter().all(|v| v.is_finite())));
            let again = Solution::parse(&s.to_text(SolutionStyle::Generic), path).expect("printed solution must parse");
            assert_eq!((again.rows, again.cols), (s.rows, s.cols));
        }
        Err(e) => assert!(e.to_string().contains("fuzz.solution"), "error must name the file: {e}"),
    }
});
