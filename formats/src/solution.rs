//! `.solution` files (spec §6): one row per test record, `output_dim` numbers per row.
//!
//! The reader is stricter than the scorer's `numpy.loadtxt` (SCORING §1.1): it accepts any
//! whitespace between numbers, trailing spaces, integer or decimal numbers and empty lines at
//! the end, but rejects a ragged matrix, a non-finite value, a token that is not a number and
//! an empty line between rows (each would shift or break the row ↔ test-record pairing). A
//! single row stays one row (the scorer would misread it as one column).

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

/// Number formatting of the reference writers (spec §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolutionStyle {
    /// Generic writer (image, video, series, text): `%.0f`, e.g. `0 1 0`.
    Generic,
    /// Tabular writer: `%.1f`, e.g. `1.0 0.0`.
    Tabular,
}

/// A dense `rows × cols` matrix stored row-major; row `i` belongs to test record `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solution {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
}

impl Solution {
    /// An empty solution with `cols` columns.
    pub fn new(cols: usize) -> Solution {
        Solution {
            rows: 0,
            cols,
            values: Vec::new(),
        }
    }

    /// Row `i` (panics if `i >= rows`, like slice indexing).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// Iterates the rows in order.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f64]> {
        // chunks_exact(0) would panic; a zero-column solution has no visible rows.
        self.values
            .chunks_exact(self.cols.max(1))
            .take(if self.cols == 0 { 0 } else { self.rows })
    }

    /// Appends a row; `false` (and nothing appended) when its length is not `cols` or a value
    /// is not finite.
    pub fn push_row(&mut self, row: &[f64]) -> bool {
        if row.len() != self.cols || row.iter().any(|v| !v.is_finite()) {
            return false;
        }
        self.values.extend_from_slice(row);
        self.rows += 1;
        true
    }

    /// The generic writer's solution for test records labelled `label_lists` (one list of
    /// class indices per record, in record order). `None` when an index is outside
    /// `0..output_dim`.
    pub fn from_label_lists<'a, I>(label_lists: I, output_dim: usize) -> Option<Solution>
    where
        I: IntoIterator<Item = &'a [i64]>,
    {
        let mut solution = Solution::new(output_dim);
        for indices in label_lists {
            let row = label_row(indices, output_dim)?;
            solution.push_row(&row);
        }
        Some(solution)
    }

    /// Parses solution text; `path` only labels errors (1-based line numbers).
    pub fn parse(text: &str, path: &Path) -> Result<Solution> {
        let error = |line: usize, message: String| Error::Solution {
            path: path.to_path_buf(),
            line,
            message,
        };
        let lines: Vec<&str> = text.split('\n').collect();
        // Blank lines are tolerated only after the last row.
        let last_row_line = lines
            .iter()
            .rposition(|l| !l.trim_ascii().is_empty())
            .map_or(0, |i| i + 1);
        let mut solution = Solution::default();
        for (i, line) in lines[..last_row_line].iter().enumerate() {
            let number = i + 1;
            let mut count = 0;
            for token in line.split_ascii_whitespace() {
                count += 1;
                let value: f64 = token.parse().map_err(|_| {
                    error(number, format!("value {count}: '{token}' is not a number"))
                })?;
                if !value.is_finite() {
                    return Err(error(
                        number,
                        format!("value {count}: '{token}' is not finite"),
                    ));
                }
                solution.values.push(value);
            }
            if count == 0 {
                return Err(error(number, "empty line between solution rows".into()));
            }
            if solution.rows == 0 {
                solution.cols = count;
            } else if count != solution.cols {
                return Err(error(
                    number,
                    format!(
                        "row has {count} values, earlier rows have {}",
                        solution.cols
                    ),
                ));
            }
            solution.rows += 1;
        }
        Ok(solution)
    }

    /// Reads a `.solution` file. Bytes that are not UTF-8 give a solution error on their line.
    pub fn read(path: &Path) -> Result<Solution> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Error::Solution {
                path: path.to_path_buf(),
                line,
                message: format!("not valid UTF-8 (byte offset {})", e.valid_up_to()),
            }
        })?;
        Self::parse(text, path)
    }

    /// The file text: values separated by one space, `\n` after every row (spec §6).
    /// Non-finite values are printed as Rust prints them; [`Solution::write`] refuses them.
    pub fn to_text(&self, style: SolutionStyle) -> String {
        let mut out = String::with_capacity(self.values.len() * 4);
        for row in self.iter_rows() {
            for (j, v) in row.iter().enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                // Rust rounds ties to even on the exact binary value, as C's printf does.
                let _ = match style {
                    SolutionStyle::Generic => write!(out, "{v:.0}"),
                    SolutionStyle::Tabular => write!(out, "{v:.1}"),
                };
            }
            out.push('\n');
        }
        out
    }

    /// Writes the file in `style` (the caller owns atomicity). Refuses an inconsistent shape
    /// or a non-finite value before writing anything.
    pub fn write(&self, path: &Path, style: SolutionStyle) -> Result<()> {
        if self.values.len() != self.rows * self.cols {
            return Err(Error::Write {
                path: path.to_path_buf(),
                message: format!(
                    "solution holds {} values, not rows × cols = {} × {}",
                    self.values.len(),
                    self.rows,
                    self.cols
                ),
            });
        }
        if let Some(i) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(Error::Solution {
                path: path.to_path_buf(),
                line: i / self.cols.max(1) + 1,
                message: format!("refusing to write non-finite value {}", self.values[i]),
            });
        }
        std::fs::write(path, self.to_text(style)).map_err(|e| Error::io(path, e))
    }
}

/// The generic writer's row for a record whose labels are `indices`: 1 in every listed column,
/// 0 elsewhere (scores are ignored, spec §5.7). `None` when an index is outside `0..output_dim`.
pub fn label_row(indices: &[i64], output_dim: usize) -> Option<Vec<f64>> {
    let mut row = vec![0.0; output_dim];
    for &i in indices {
        let i = usize::try_from(i).ok().filter(|&i| i < output_dim)?;
        row[i] = 1.0;
    }
    Some(row)
}
