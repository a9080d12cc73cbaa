//! `.solution` reader and writer (spec §6, SCORING §1.1).

use std::path::Path;

use formats::solution::{label_row, Solution, SolutionStyle};
use formats::testing::shared_data_dir;
use formats::Error;

fn parse(text: &str) -> formats::Result<Solution> {
    Solution::parse(text, Path::new("x.solution"))
}

fn solution_error(text: &str) -> (usize, String) {
    match parse(text) {
        Err(Error::Solution {
            line,
            message,
            path,
        }) => {
            assert_eq!(path, Path::new("x.solution"));
            (line, message)
        }
        other => panic!("expected a solution error for {text:?}, got {other:?}"),
    }
}

/// Every row holds exactly one 1 and zeros elsewhere.
fn assert_one_hot(s: &Solution) {
    for (i, row) in s.iter_rows().enumerate() {
        assert_eq!(row.iter().filter(|&&v| v == 1.0).count(), 1, "row {i}");
        assert!(row.iter().all(|&v| v == 0.0 || v == 1.0), "row {i}");
    }
}

#[test]
fn shared_solutions_have_the_expected_shapes() {
    let Some(data) = shared_data_dir() else {
        return;
    };
    for (name, rows) in [("Monkeys", 4), ("miniciao", 18), ("mini1", 10)] {
        let path = data.join(format!("autodl/{name}/{name}.solution"));
        let s = Solution::read(&path).unwrap();
        assert_eq!((s.rows, s.cols), (rows, 10), "{name}");
        assert_eq!(s.values.len(), rows * 10);
        assert_one_hot(&s);
    }
    let monkeys = Solution::read(&data.join("autodl/Monkeys/Monkeys.solution")).unwrap();
    assert_eq!(monkeys.row(0), label_row(&[7], 10).unwrap().as_slice());
    assert_eq!(monkeys.row(1), label_row(&[3], 10).unwrap().as_slice());
    let miniciao = Solution::read(&data.join("autodl/miniciao/miniciao.solution")).unwrap();
    assert_eq!(miniciao.row(2), label_row(&[1], 10).unwrap().as_slice());
}

#[test]
fn generic_writer_reproduces_the_shared_files_byte_for_byte() {
    let Some(data) = shared_data_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in ["Monkeys", "miniciao"] {
        let path = data.join(format!("autodl/{name}/{name}.solution"));
        let s = Solution::read(&path).unwrap();
        let out = dir.path().join(format!("{name}.solution"));
        s.write(&out, SolutionStyle::Generic).unwrap();
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&path).unwrap(),
            "{name}"
        );
    }
    // mini1 (legacy) has a trailing space on every row; we write without it.
    let mini1 = std::fs::read_to_string(data.join("autodl/mini1/mini1.solution")).unwrap();
    assert!(mini1.lines().all(|l| l.ends_with(' ')));
    let s = parse(&mini1).unwrap();
    let expected: String = mini1
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    assert_eq!(s.to_text(SolutionStyle::Generic), expected);
}

#[test]
fn written_bytes_follow_each_style() {
    let mut s = Solution::new(3);
    assert!(s.push_row(&[1.0, 0.0, 0.0]));
    assert!(s.push_row(&[0.25, 0.75, 0.5]));
    assert!(s.push_row(&[1.5, 2.5, -0.04]));
    assert_eq!(s.to_text(SolutionStyle::Generic), "1 0 0\n0 1 0\n2 2 -0\n");
    assert_eq!(
        s.to_text(SolutionStyle::Tabular),
        "1.0 0.0 0.0\n0.2 0.8 0.5\n1.5 2.5 -0.0\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.solution");
    s.write(&path, SolutionStyle::Tabular).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"1.0 0.0 0.0\n0.2 0.8 0.5\n1.5 2.5 -0.0\n"
    );
    assert_eq!(Solution::read(&path).unwrap().row(1), [0.2, 0.8, 0.5]);
    // An empty solution is an empty file.
    Solution::new(4)
        .write(&path, SolutionStyle::Generic)
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[test]
fn accepts_any_whitespace_decimals_and_trailing_blank_lines() {
    let s = parse("0 1.0  0\t\n1e0\t0.0 -0 \r\n 0 0 1\n\n  \n").unwrap();
    assert_eq!((s.rows, s.cols), (3, 3));
    assert_eq!(s.values, [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    let no_newline = parse("1 0\n0 1").unwrap();
    assert_eq!((no_newline.rows, no_newline.cols), (2, 2));
    let single = parse("0 0 1\n").unwrap();
    assert_eq!((single.rows, single.cols), (1, 3), "one row stays one row");
    for empty in ["", "\n", " \n\n"] {
        let s = parse(empty).unwrap();
        assert_eq!((s.rows, s.cols, s.values.len()), (0, 0, 0), "{empty:?}");
    }
}

#[test]
fn ragged_rows_bad_numbers_and_gaps_are_errors_with_line_numbers() {
    let (line, message) = solution_error("0 1 0\n1 0 0\n0 1\n");
    assert_eq!(line, 3);
    assert!(
        message.contains("2 values") && message.contains('3'),
        "{message}"
    );
    for (text, bad_line, fragment) in [
        ("0 1\nnan 0\n", 2, "not finite"),
        ("0 1\n1 NaN\n", 2, "not finite"),
        ("inf 0\n", 1, "not finite"),
        ("0 1\n0 -infinity\n", 2, "not finite"),
        ("0 1\n0 x\n", 2, "not a number"),
        ("0,1\n", 1, "not a number"),
        ("0 1\n\n1 0\n", 2, "empty line"),
    ] {
        let (line, message) = solution_error(text);
        assert_eq!(line, bad_line, "{text:?}: {message}");
        assert!(message.contains(fragment), "{text:?}: {message}");
    }
}

#[test]
fn read_reports_invalid_utf8_and_write_refuses_non_finite_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.solution");
    std::fs::write(&path, b"0 1\n1 \xff\n").unwrap();
    assert!(matches!(
        Solution::read(&path),
        Err(Error::Solution { line: 2, .. })
    ));
    let bad = Solution {
        rows: 2,
        cols: 2,
        values: vec![0.0, 1.0, f64::NAN, 0.0],
    };
    assert!(matches!(
        bad.write(&path, SolutionStyle::Generic),
        Err(Error::Solution { line: 2, .. })
    ));
    let misshapen = Solution {
        rows: 2,
        cols: 2,
        values: vec![0.0],
    };
    assert!(matches!(
        misshapen.write(&path, SolutionStyle::Generic),
        Err(Error::Write { .. })
    ));
    // Nothing was written by the refused calls.
    assert_eq!(std::fs::read(&path).unwrap(), b"0 1\n1 \xff\n");
}

#[test]
fn label_rows_and_push_row_check_their_input() {
    assert_eq!(label_row(&[0, 2], 3), Some(vec![1.0, 0.0, 1.0]));
    assert_eq!(label_row(&[], 2), Some(vec![0.0, 0.0]));
    assert_eq!(label_row(&[3], 3), None);
    assert_eq!(label_row(&[-1], 3), None);
    let lists: [&[i64]; 2] = [&[1], &[0, 2]];
    let s = Solution::from_label_lists(lists, 3).unwrap();
    assert_eq!(s.to_text(SolutionStyle::Generic), "0 1 0\n1 0 1\n");
    let bad: [&[i64]; 1] = [&[5]];
    assert!(Solution::from_label_lists(bad, 3).is_none());
    let mut s = Solution::new(2);
    assert!(!s.push_row(&[1.0]));
    assert!(!s.push_row(&[f64::INFINITY, 0.0]));
    assert_eq!((s.rows, s.values.len()), (0, 0));
}
