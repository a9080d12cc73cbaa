//! `.solution` files (spec §6): one row per test record, `output_dim` numbers per row.

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

/// A dense `rows × cols` matrix stored row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solution {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
}

impl Solution {
    /// An empty solution with `cols` columns.
    pub fn new(cols: usize) -> Solution {
        Solution { rows: 0, cols, values: Vec::new() }
    }

    /// Row `i` (panics if `i >= rows`, like slice indexing).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
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

    /// Parses solution text; `path` only labels errors.
    pub fn parse(_text: &str, path: &Path) -> Result<Solution> {
        Err(Error::Solution { path: path.to_path_buf(), line: 1, message: "not implemented yet".into() })
    }

    pub fn read(path: &Path) -> Result<Solution> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    pub fn to_text(&self, _style: SolutionStyle) -> String {
        String::new()
    }

    pub fn write(&self, path: &Path, style: SolutionStyle) -> Result<()> {
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
