//! One usable row → the feature vector (spec §5.5: DENSE `(1, 1, F, 1)`, or one SPARSE frame
//! with 0-based `col_index`, zero `row_index`, no channel list).

use formats::example::{Frames, SparseFrame};

use crate::profile::ColumnRole;
use crate::table::Cell;

/// `--missing`: what a missing numeric value becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// The column's mean over the training rows (default).
    #[default]
    Mean,
    Zero,
    /// NaN, stored as such (the reference converter's behaviour, spec §5.5).
    Nan,
}

/// Turns cells into features with fixed roles and imputation values.
#[derive(Debug, Clone)]
pub struct RowEncoder {
    roles: Vec<ColumnRole>,
    /// Per column: the value of a missing numeric cell.
    fill: Vec<f32>,
    width: usize,
}

impl RowEncoder {
    pub fn new(roles: Vec<ColumnRole>, fill: Vec<f32>) -> RowEncoder {
        let width = roles
            .iter()
            .map(|r| match r {
                ColumnRole::Numeric | ColumnRole::Index(_) => 1,
                ColumnRole::OneHot(c) => c.len(),
                _ => 0,
            })
            .sum();
        RowEncoder { roles, fill, width }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Writes the row's features into `out` (cleared first). Cells of a numeric column are
    /// known to parse (bad rows were left out by the profile pass).
    pub fn encode(&self, cells: &[Cell<'_>], out: &mut Vec<f32>) {
        out.clear();
        for (c, role) in self.roles.iter().enumerate() {
            let cell = cells[c];
            match role {
                ColumnRole::Numeric => out.push(match cell {
                    Cell::Missing => self.fill[c],
                    Cell::Num(v) => v as f32,
                    // parsed straight to f32 so the stored value is the source number exactly
                    Cell::Text(t) => t.parse::<f32>().unwrap_or(f32::NAN),
                }),
                ColumnRole::OneHot(cats) => {
                    let start = out.len();
                    out.resize(start + cats.len(), 0.0);
                    if let Some(k) = category(cats, cell) {
                        out[start + k] = 1.0;
                    }
                }
                ColumnRole::Index(cats) => {
                    out.push(category(cats, cell).map(|k| k as f32).unwrap_or(-1.0))
                }
                ColumnRole::Target | ColumnRole::Dropped(_) => {}
            }
        }
    }
}

fn category(cats: &[String], cell: Cell<'_>) -> Option<usize> {
    match cell {
        Cell::Missing => None,
        Cell::Text(t) => cats.binary_search_by(|c| c.as_str().cmp(t)).ok(),
        Cell::Num(v) => {
            let t = crate::profile::format_number(v);
            cats.binary_search(&t).ok()
        }
    }
}

/// The tensor of one tabular example: DENSE one frame of `F` floats, or SPARSE one frame of
/// the non-zero features.
pub fn frames(features: &[f32], sparse: bool) -> Frames {
    if sparse {
        let mut frame = SparseFrame::default();
        for (i, &v) in features.iter().enumerate() {
            if v != 0.0 {
                frame.row.push(0);
                frame.col.push(i as i64);
                frame.value.push(v);
            }
        }
        Frames::Sparse(vec![frame])
    } else {
        Frames::Dense { values: features.to_vec(), offsets: vec![0, features.len()] }
    }
}
