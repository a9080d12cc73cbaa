//! The tabular conversion recipe and its use on new rows: a CSV/Parquet/Arrow file with the
//! training table's feature columns (by name, or by position when it has no header), with or
//! without the target, becomes an unlabelled set whose features are encoded exactly as in
//! training (same column roles, categories, missing-value fills, DENSE/SPARSE choice).
//!
//! A training feature column that is absent, an unknown column, or a cell a numeric column
//! cannot hold is an error naming it; a category never seen in training has no category
//! (all-zero one-hot, index −1, as a missing value) and is counted in a warning.

use std::path::Path;

use converters_common::recipe::Recipe;
use converters_common::unlabelled::UnlabelledWriter;
use serde::{Deserialize, Serialize};

use crate::spec::tabular_spec;
use crate::encode::{frames, RowEncoder};
use crate::error::{Result, TabularError};
use crate::header::HeaderMode;
use crate::profile::{column_index, ColumnRole};
use crate::table::{Cell, Table};

/// The recipe's domain name.
pub const DOMAIN: &str = "tabular";

/// What a table conversion fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TabularRecipe {
    /// The training table's columns in order (`c0`, `c1`, … when it had no header).
    pub columns: Vec<String>,
    pub had_header: bool,
    /// Per column: its role, categories in feature order.
    pub roles: Vec<ColumnRole>,
    /// Per column: the value of a missing numeric cell.
    pub fill: Vec<f32>,
    pub sparse: bool,
    pub features: usize,
}

impl TabularRecipe {
    pub fn to_recipe(&self) -> converters_common::Result<Recipe> {
        Recipe::new(DOMAIN, self)
    }

    fn is_feature(&self, c: usize) -> bool {
        !matches!(self.roles[c], ColumnRole::Target | ColumnRole::Dropped(_))
    }
}

/// How to read the new table.
#[derive(Debug, Clone, Default)]
pub struct NewRowsOptions {
    pub delimiter: Option<u8>,
    pub header: HeaderMode,
    /// A column of the new table that identifies rows (copied to the prediction file, not a
    /// feature).
    pub id_column: Option<String>,
}

/// What [`convert_new_rows`] read.
#[derive(Debug, Clone, Default)]
pub struct NewRows {
    /// The `--id-column` value of every row (empty without one).
    pub ids: Vec<String>,
    pub id_column: Option<String>,
    pub warnings: Vec<String>,
    /// The header decision as one line (CSV only).
    pub header_note: Option<String>,
}

/// Where each training column is in the new table (`None`: absent).
fn map_columns(recipe: &TabularRecipe, table: &Table, id: Option<usize>) -> Result<Vec<Option<usize>>> {
    let path = &table.path;
    let headed = table.header.as_ref().is_none_or(|h| h.has_header);
    let width = table.columns.len() - usize::from(id.is_some());
    let features: Vec<usize> = (0..recipe.columns.len()).filter(|&c| recipe.is_feature(c)).collect();
    let mut map = vec![None; recipe.columns.len()];
    if headed && recipe.had_header {
        for (k, name) in table.columns.iter().enumerate() {
            if Some(k) == id {
                continue;
            }
            match recipe.columns.iter().position(|c| c == name) {
                Some(c) => map[c] = Some(k),
                None => {
                    return Err(TabularError::column(
                        path,
                        name,
                        format!("not a column of the training table (its columns: {})", recipe.columns.join(", ")),
                    ))
                }
            }
        }
        if let Some(&c) = features.iter().find(|&&c| map[c].is_none()) {
            return Err(TabularError::column(path, &recipe.columns[c], "missing: the model needs this training column"));
        }
        return Ok(map);
    }
    // no names to match: columns by position, with or without the non-feature columns
    let positions: Vec<usize> = (0..table.columns.len()).filter(|&k| Some(k) != id).collect();
    let order: Vec<usize> = if width == recipe.columns.len() {
        (0..recipe.columns.len()).collect()
    } else if width == features.len() {
        features.clone()
    } else {
        return Err(TabularError::table(
            path,
            format!(
                "{width} columns, but the training table had {} ({} features without the target and dropped columns); \
                 without a header line the columns are matched by position",
                recipe.columns.len(),
                features.len()
            ),
        ));
    };
    for (k, c) in positions.into_iter().zip(order) {
        map[c] = Some(k);
    }
    Ok(map)
}

/// Encodes every row of `input` with `recipe` into `writer` (source = the 1-based data row);
/// returns the metadata of the set for `output_dim` classes named `class_names`.
pub fn convert_new_rows(
    recipe: &TabularRecipe,
    input: &Path,
    opts: &NewRowsOptions,
    output_dim: usize,
    class_names: &[String],
    writer: &mut UnlabelledWriter,
) -> Result<(formats::metadata::DataSpec, NewRows)> {
    if recipe.roles.len() != recipe.columns.len() || recipe.fill.len() != recipe.columns.len() {
        return Err(TabularError::table(input, "inconsistent tabular recipe (columns, roles and fills differ in length)"));
    }
    let table = Table::open_with(input, opts.delimiter, opts.header)?;
    let id = opts.id_column.as_deref().map(|c| column_index(&table, c)).transpose()?;
    let map = map_columns(recipe, &table, id)?;
    let encoder = RowEncoder::new(recipe.roles.clone(), recipe.fill.clone());
    let mut out = NewRows { id_column: id.map(|i| table.columns[i].clone()), header_note: table.header.as_ref().map(|h| h.line(input)), ..Default::default() };
    let mut unseen = 0u64;
    let mut buf = Vec::with_capacity(recipe.features);
    table.for_each_row(|row| {
        let at = |what: String| match row.pos.line() {
            Some(l) => TabularError::table(input, format!("line {l}: {what}")),
            None => TabularError::table(input, format!("{}{what}", row.pos.prefix())),
        };
        if let Some(problem) = &row.problem {
            return Err(at(problem.clone()));
        }
        let mut cells: Vec<Cell<'_>> = vec![Cell::Missing; recipe.columns.len()];
        for (c, k) in map.iter().enumerate() {
            let Some(k) = *k else { continue };
            let cell = row.cells[k];
            match (&recipe.roles[c], cell) {
                (ColumnRole::Numeric, Cell::Text(t)) if t.parse::<f32>().is_err() => {
                    return Err(at(format!("column '{}': '{}' is not a number (numeric in training)", recipe.columns[c], crate::header::shorten(t))));
                }
                (ColumnRole::OneHot(cats) | ColumnRole::Index(cats), Cell::Text(_) | Cell::Num(_)) => {
                    let text = match cell {
                        Cell::Text(t) => t.to_string(),
                        Cell::Num(v) => crate::profile::format_number(v),
                        Cell::Missing => unreachable!(),
                    };
                    if cats.binary_search(&text).is_err() {
                        unseen += 1;
                    }
                }
                _ => {}
            }
            cells[c] = cell;
        }
        encoder.encode(&cells, &mut buf);
        let source = (row.index + 1).to_string();
        writer.push(&frames(&buf, recipe.sparse), &source)?;
        if let Some(i) = id {
            out.ids.push(match row.cells[i] {
                Cell::Missing => String::new(),
                Cell::Num(v) => crate::profile::format_number(v),
                Cell::Text(t) => t.to_string(),
            });
        }
        Ok(())
    })?;
    if unseen > 0 {
        out.warnings.push(format!(
            "{}: {unseen} categorical value(s) never seen in training were encoded as no category",
            input.display()
        ));
    }
    let spec = tabular_spec(recipe.features, output_dim, recipe.sparse, class_names, writer.len());
    Ok((spec, out))
}
