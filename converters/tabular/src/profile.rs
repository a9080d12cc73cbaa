//! First pass over a table: what each column is (numeric, categorical, target, dropped),
//! which rows are unusable, and the label of every usable row (the split needs all labels
//! before any record is written). Only per-column summaries and one small label per row are
//! kept, never the cells.

use std::collections::{HashMap, HashSet};

use converters_common::split::CompactKeys;
use converters_common::ItemError;

use crate::error::{Result, TabularError};
use crate::limits::*;
use crate::header::shorten;
use crate::table::{Cell, RowPos, Table};

/// How a kept feature column becomes features.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ColumnRole {
    /// Numbers as-is (f32), missing values imputed.
    Numeric,
    /// One feature per category (`categories` in order), 1.0 for the row's category.
    OneHot(Vec<String>),
    /// One feature: the category's index in `categories`; a missing value follows `--missing`.
    Index(Vec<String>),
    /// A target column: not a feature.
    Target,
    /// Left out (too many distinct values, `--drop-column`, or no values at all).
    Dropped(String),
}

/// `--categorical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoricalEncoding {
    OneHot,
    Index,
    /// One-hot up to `onehot_max` categories, index above.
    #[default]
    Auto,
}

/// Column choices made by the user, checked against the header.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnChoices {
    pub targets: Vec<String>,
    pub categorical: Vec<String>,
    pub drop: Vec<String>,
    pub encoding: CategoricalEncoding,
    pub onehot_max: usize,
    /// `--bins K`: a numeric target cut into K classes of about equal size (value ranges).
    pub target_bins: Option<usize>,
}

/// The labels of the usable rows, compactly.
#[derive(Debug, Clone, PartialEq)]
pub enum RowLabels {
    /// One target column: class index per row.
    Single(Vec<u32>),
    /// Several 0/1 target columns: bit `k` set when target `k` is 1.
    Multi(Vec<u64>),
}

impl RowLabels {
    /// Sorted class indices of usable row `k` (in usable-row numbering).
    pub fn label_set(&self, k: usize) -> Vec<u32> {
        match self {
            RowLabels::Single(v) => vec![v[k]],
            RowLabels::Multi(v) => (0..64u32).filter(|b| v[k] >> b & 1 == 1).collect(),
        }
    }
    /// The split keys of every usable row (no row is forced: a table has no subset column).
    pub fn compact_keys(&self) -> std::result::Result<CompactKeys, converters_common::ConvertError> {
        let mut keys = CompactKeys::with_capacity(self.len());
        for k in 0..self.len() {
            keys.push(None, &self.label_set(k))?;
        }
        Ok(keys)
    }
    pub fn len(&self) -> usize {
        match self {
            RowLabels::Single(v) => v.len(),
            RowLabels::Multi(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Everything the later passes need.
#[derive(Debug, Clone)]
pub struct TableProfile {
    pub roles: Vec<ColumnRole>,
    /// Target column indices, in `--target` order.
    pub target_columns: Vec<usize>,
    /// Class names in index order (`label_to_index_map`).
    pub class_names: Vec<String>,
    /// Row indices (0-based data rows) left out, ascending, with why.
    pub bad_rows: Vec<(u64, ItemError)>,
    pub labels: RowLabels,
    pub total_rows: u64,
    /// Missing feature cells per column (usable rows only).
    pub missing: Vec<u64>,
    /// Share of non-zero features over usable rows (decides `--sparse auto`).
    pub density: f64,
    /// Warnings for the user (dropped columns …).
    pub warnings: Vec<String>,
}

impl TableProfile {
    /// Feature names in feature order (`<name>_feat.name`).
    pub fn feature_names(&self, columns: &[String]) -> Vec<String> {
        let mut names = Vec::new();
        for (c, role) in self.roles.iter().enumerate() {
            match role {
                ColumnRole::Numeric | ColumnRole::Index(_) => names.push(columns[c].clone()),
                ColumnRole::OneHot(cats) => {
                    names.extend(cats.iter().map(|v| format!("{}={}", columns[c], v)))
                }
                ColumnRole::Target | ColumnRole::Dropped(_) => {}
            }
        }
        names
    }
    pub fn feature_count(&self) -> usize {
        self.roles
            .iter()
            .map(|r| match r {
                ColumnRole::Numeric | ColumnRole::Index(_) => 1,
                ColumnRole::OneHot(c) => c.len(),
                _ => 0,
            })
            .sum()
    }
}

/// Running summary of one column during the pass.
#[derive(Default)]
struct ColumnStats {
    missing: u64,
    numeric_ok: u64,
    nonzero: u64,
    /// Rows whose cell is text in a (so far) numeric-looking column, capped.
    bad_cells: Vec<(u64, RowPos, String)>,
    bad_count: u64,
    /// Of `bad_count`: cells that parse but are not finite f32 (`inf`, `1e400`).
    nonfinite: u64,
    /// Distinct text values (None once above MAX_CATEGORIES).
    texts: Option<HashSet<String>>,
    /// Distinct numbers as text, for a column that turns out categorical (None once above cap).
    numbers: Option<HashSet<String>>,
}

/// The column `name` names: a column name, else a 0-based position (`-1` = the last column).
pub fn column_index(table: &Table, name: &str) -> Result<usize> {
    if let Some(i) = table.columns.iter().position(|c| c == name) {
        return Ok(i);
    }
    let width = table.columns.len() as i64;
    if let Ok(k) = name.trim().parse::<i64>() {
        let i = if k < 0 { width + k } else { k };
        if (0..width).contains(&i) {
            return Ok(i as usize);
        }
        return Err(TabularError::options(format!(
            "{}: column position {k} is outside the table's {width} columns (0..{} or -1..-{width})",
            table.path.display(),
            width - 1
        )));
    }
    Err(TabularError::options(format!(
        "{}: no column named '{name}' (columns: {}; a position such as 0 or -1 also works)",
        table.path.display(),
        preview(&table.columns)
    )))
}

/// At most 20 column names for messages.
fn preview(columns: &[String]) -> String {
    if columns.len() <= 20 {
        columns.join(", ")
    } else {
        format!("{}, … {} more", columns[..20].join(", "), columns.len() - 20)
    }
}

/// Runs the first pass.
pub fn profile(table: &Table, choices: &ColumnChoices) -> Result<TableProfile> {
    let path = &table.path;
    let width = table.columns.len();
    let mut target_columns = Vec::new();
    for t in &choices.targets {
        let i = column_index(table, t)?;
        if target_columns.contains(&i) {
            return Err(TabularError::options(format!("--target '{t}' given twice (column '{}')", table.columns[i])));
        }
        target_columns.push(i);
    }
    if target_columns.is_empty() {
        return Err(TabularError::options("no target column (--target)"));
    }
    if target_columns.len() > MAX_TARGET_COLUMNS {
        return Err(TabularError::options(format!(
            "{} target columns, more than the limit of {MAX_TARGET_COLUMNS}",
            target_columns.len()
        )));
    }
    let forced_categorical: Vec<usize> =
        choices.categorical.iter().map(|c| column_index(table, c)).collect::<Result<_>>()?;
    let dropped: Vec<usize> =
        choices.drop.iter().map(|c| column_index(table, c)).collect::<Result<_>>()?;
    let multilabel = target_columns.len() > 1;
    if multilabel && choices.target_bins.is_some() {
        return Err(TabularError::options("--bins applies to one numeric target column, not to multilabel targets"));
    }

    let mut stats: Vec<ColumnStats> = (0..width)
        .map(|_| ColumnStats {
            texts: Some(HashSet::new()),
            numbers: Some(HashSet::new()),
            ..Default::default()
        })
        .collect();
    let mut bad_rows: Vec<(u64, ItemError)> = Vec::new();
    // single target: class text → provisional id (first appearance); multi: bits
    let mut class_ids: HashMap<String, u32> = HashMap::new();
    let mut class_texts: Vec<String> = Vec::new();
    let mut single: Vec<u32> = Vec::new();
    let mut multi: Vec<u64> = Vec::new();
    // Usable rows are counted, not listed: they are the rows not in `bad_rows`, which keeps
    // the profile at a few bytes per row (the label) for flat memory on large tables.
    let mut n_usable = 0u64;
    let mut total_rows = 0u64;
    // Per target column: whether any row gave it a value (an all-empty target is named, issue 22).
    let mut target_has_value = vec![false; target_columns.len()];
    let is_feature = |c: usize| !target_columns.contains(&c) && !dropped.contains(&c);

    table.for_each_row(|row| {
        total_rows += 1;
        let item = |reason: String| ItemError {
            path: path.clone(),
            line: row.pos.line(),
            reason: format!("{}{reason}", row.pos.prefix()),
        };
        if let Some(problem) = &row.problem {
            bad_rows.push((row.index, item(problem.clone())));
            return Ok(());
        }
        for (seen, &c) in target_has_value.iter_mut().zip(&target_columns) {
            *seen |= !matches!(row.cells[c], Cell::Missing);
        }
        // labels first: a row without a usable label is out, whatever its features
        if multilabel {
            let mut bits = 0u64;
            for (k, &c) in target_columns.iter().enumerate() {
                match binary_value(&row.cells[c]) {
                    Some(true) => bits |= 1 << k,
                    Some(false) => {}
                    None => {
                        bad_rows.push((
                            row.index,
                            item(format!(
                                "column '{}': multilabel target must be 0/1, found {}",
                                table.columns[c],
                                describe(&row.cells[c])
                            )),
                        ));
                        return Ok(());
                    }
                }
            }
            multi.push(bits);
        } else {
            let c = target_columns[0];
            let text = match row.cells[c] {
                Cell::Missing => {
                    bad_rows.push((
                        row.index,
                        item(format!("column '{}': missing target value", table.columns[c])),
                    ));
                    return Ok(());
                }
                Cell::Num(v) => format_number(v),
                Cell::Text(t) => t.to_string(),
            };
            let id = match class_ids.get(&text) {
                Some(&id) => id,
                None => {
                    if class_texts.len() >= MAX_CLASSES {
                        return Err(TabularError::column(
                            path,
                            &table.columns[c],
                            format!(
                                "more than {MAX_CLASSES} distinct target values: is this a \
                                 regression target? Only classification is supported"
                            ),
                        ));
                    }
                    let id = class_texts.len() as u32;
                    class_ids.insert(text.clone(), id);
                    class_texts.push(text);
                    id
                }
            };
            single.push(id);
        }
        n_usable += 1;
        for (c, cell) in row.cells.iter().enumerate() {
            if !is_feature(c) {
                continue;
            }
            let s = &mut stats[c];
            match *cell {
                Cell::Missing => s.missing += 1,
                // NaN in a typed column is how Arrow writers spell missing.
                Cell::Num(v) if v.is_nan() => s.missing += 1,
                Cell::Num(v) if !(v as f32).is_finite() => {
                    // issue 22: an infinite value is a bad input, its row is left out.
                    s.bad_count += 1;
                    s.nonfinite += 1;
                    if s.bad_cells.len() as u64 <= MAX_BAD_NUMERIC_CELLS {
                        s.bad_cells.push((row.index, row.pos, format_number(v)));
                    }
                }
                Cell::Num(v) => {
                    s.numeric_ok += 1;
                    if v != 0.0 {
                        s.nonzero += 1;
                    }
                    if forced_categorical.contains(&c) {
                        if let Some(set) = &mut s.numbers {
                            let t = format_number(v);
                            if !set.contains(&t) {
                                if set.len() >= MAX_CATEGORIES {
                                    s.numbers = None;
                                } else {
                                    set.insert(t);
                                }
                            }
                        }
                    }
                }
                Cell::Text(t) => match t.parse::<f64>() {
                    // `inf`, `1e400` parse, but as f32 features they are no numbers (issue 22).
                    Ok(v) if !(v as f32).is_finite() => {
                        s.bad_count += 1;
                        s.nonfinite += 1;
                        if s.bad_cells.len() as u64 <= MAX_BAD_NUMERIC_CELLS {
                            s.bad_cells.push((row.index, row.pos, t.to_string()));
                        }
                    }
                    Ok(v) => {
                        s.numeric_ok += 1;
                        if v != 0.0 {
                            s.nonzero += 1;
                        }
                        note_distinct(&mut s.numbers, t);
                    }
                    _ => {
                        s.bad_count += 1;
                        if s.bad_cells.len() as u64 <= MAX_BAD_NUMERIC_CELLS {
                            s.bad_cells.push((row.index, row.pos, t.to_string()));
                        }
                        note_distinct(&mut s.texts, t);
                    }
                },
            }
        }
        Ok(())
    })?;
    if let Some(k) = target_has_value.iter().position(|&seen| !seen).filter(|_| total_rows > 0) {
        return Err(TabularError::column(
            path,
            &table.columns[target_columns[k]],
            format!("the target column has no values: it is empty (null) in all {total_rows} row(s)"),
        ));
    }

    // decide column roles
    let mut roles = Vec::with_capacity(width);
    let mut warnings = Vec::new();
    let mut cell_errors: Vec<(u64, ItemError)> = Vec::new();
    for c in 0..width {
        let s = &stats[c];
        let name = &table.columns[c];
        let role = if target_columns.contains(&c) {
            ColumnRole::Target
        } else if dropped.contains(&c) {
            ColumnRole::Dropped("--drop-column".into())
        } else if table.typed_numeric[c] && !forced_categorical.contains(&c) {
            for (row, pos, text) in &s.bad_cells {
                cell_errors.push((*row, bad_number(path, pos, name, text)));
            }
            ColumnRole::Numeric
        } else {
            let non_missing = s.numeric_ok + s.bad_count;
            let allowance = (non_missing / BAD_NUMERIC_FRACTION_DENOMINATOR)
                .clamp(1, MAX_BAD_NUMERIC_CELLS);
            // Non-finite cells never make a column categorical: they are numbers gone wrong.
            let text_cells = s.bad_count - s.nonfinite;
            let categorical = forced_categorical.contains(&c)
                || (text_cells > 0 && (text_cells > allowance || s.numeric_ok == 0));
            if !categorical {
                // numeric column with a few text or non-finite cells: those rows are bad inputs
                for (row, pos, text) in &s.bad_cells {
                    cell_errors.push((*row, bad_number(path, pos, name, text)));
                }
                ColumnRole::Numeric
            } else {
                match (&s.texts, &s.numbers) {
                    (Some(t), Some(n)) => {
                        let mut cats: Vec<String> = t.iter().chain(n.iter()).cloned().collect();
                        cats.sort();
                        let onehot = match choices.encoding {
                            CategoricalEncoding::OneHot => true,
                            CategoricalEncoding::Index => false,
                            CategoricalEncoding::Auto => cats.len() <= choices.onehot_max,
                        };
                        if cats.is_empty() {
                            ColumnRole::Dropped("no values".into())
                        } else if onehot {
                            ColumnRole::OneHot(cats)
                        } else {
                            ColumnRole::Index(cats)
                        }
                    }
                    _ => ColumnRole::Dropped(format!("more than {MAX_CATEGORIES} distinct values")),
                }
            }
        };
        if let ColumnRole::Dropped(why) = &role {
            warnings.push(format!("{}: column '{name}' dropped: {why}", path.display()));
        }
        roles.push(role);
    }
    if !roles.iter().any(|r| matches!(r, ColumnRole::Numeric | ColumnRole::OneHot(_) | ColumnRole::Index(_))) {
        return Err(TabularError::table(path, "no feature column left after targets and dropped columns"));
    }

    // a row with a bad cell leaves the usable set; keep labels aligned with usable rows
    cell_errors.sort_by_key(|(r, _)| *r);
    cell_errors.dedup_by_key(|(r, _)| *r);
    let bad_cell_rows: HashSet<u64> = cell_errors.iter().map(|(r, _)| *r).collect();
    if !bad_cell_rows.is_empty() {
        // bad_rows holds the label failures so far, in row order: usable row k is the k-th other row
        let label_bad: HashSet<u64> = bad_rows.iter().map(|(r, _)| *r).collect();
        let keep: Vec<bool> =
            (0..total_rows).filter(|r| !label_bad.contains(r)).map(|r| !bad_cell_rows.contains(&r)).collect();
        let mut k = 0;
        single.retain(|_| {
            k += 1;
            keep[k - 1]
        });
        let mut k = 0;
        multi.retain(|_| {
            k += 1;
            keep[k - 1]
        });
        n_usable -= bad_cell_rows.len() as u64;
    }
    bad_rows.extend(cell_errors);
    bad_rows.sort_by_key(|(r, _)| *r);

    // classes: numeric order when every value is a number, else text order
    let (class_names, labels) = if multilabel {
        let names = target_columns.iter().map(|&c| table.columns[c].clone()).collect();
        multi.shrink_to_fit();
        (names, RowLabels::Multi(multi))
    } else {
        let classes = converters_common::label_set::ClassOrder::new(&class_texts);
        let numeric = &classes.numeric;
        let target_name = &table.columns[target_columns[0]];
        match (choices.target_bins, numeric) {
            (Some(_), None) => {
                return Err(TabularError::column(path, target_name, "--bins needs a numeric target column; this one holds text"));
            }
            (Some(bins), Some(values)) => {
                let (names, binned) = bin_target(values, &single, bins);
                (names, RowLabels::Single(binned))
            }
            (None, _) => {
                if let Some(note) = numeric.as_deref().and_then(|v| continuous_target(path, target_name, v, n_usable)) {
                    warnings.push(note);
                }
                let names = classes.sorted_names(&class_texts);
                single.iter_mut().for_each(|id| *id = classes.remap[*id as usize]);
                single.shrink_to_fit();
                (names, RowLabels::Single(single))
            }
        }
    };

    let usable = n_usable as f64;
    let features: f64 = roles
        .iter()
        .map(|r| match r {
            ColumnRole::Numeric | ColumnRole::Index(_) => 1.0,
            ColumnRole::OneHot(c) => c.len() as f64,
            _ => 0.0,
        })
        .sum();
    let nonzero: f64 = roles
        .iter()
        .zip(&stats)
        .map(|(r, s)| match r {
            ColumnRole::Numeric => (s.nonzero + s.missing) as f64,
            ColumnRole::OneHot(_) => (s.numeric_ok + s.bad_count) as f64,
            ColumnRole::Index(_) => (s.numeric_ok + s.bad_count + s.missing) as f64,
            _ => 0.0,
        })
        .sum();
    let density = if usable > 0.0 && features > 0.0 { nonzero / (usable * features) } else { 1.0 };
    let missing = stats
        .iter()
        .zip(&roles)
        .map(|(s, r)| if matches!(r, ColumnRole::Numeric | ColumnRole::Index(_) | ColumnRole::OneHot(_)) { s.missing } else { 0 })
        .collect();
    Ok(TableProfile {
        roles,
        target_columns,
        class_names,
        bad_rows,
        labels,
        total_rows,
        missing,
        density,
        warnings,
    })
}

/// A numeric target that looks like a quantity rather than classes: more than a few distinct
/// fractional values, or so many distinct numbers that classes average under
/// [`CONTINUOUS_ROWS_PER_CLASS`] rows (wine's `proline`: 121 values in 178 rows). The warning
/// says how to get classes from it, or to pick another column.
fn continuous_target(path: &std::path::Path, name: &str, values: &[f64], rows: u64) -> Option<String> {
    let k = values.len();
    let fractional = values.iter().any(|v| v.fract() != 0.0);
    let sparse = k >= CONTINUOUS_MIN_CLASSES && (k as u64) * CONTINUOUS_ROWS_PER_CLASS > rows;
    if !(fractional && k > 10 || sparse) {
        return None;
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(format!(
        "{}: target column '{name}' looks continuous ({k} distinct numbers in {rows} rows, from {} to {}): \
         it makes {k} classes of {:.1} rows each on average. Classification needs a few classes: cut it \
         into K value ranges of about equal size with --bins K (e.g. --bins 4), or pick another column \
         with --target",
        path.display(),
        format_number(lo),
        format_number(hi),
        rows as f64 / k as f64
    ))
}

/// `--bins K`: class names (value ranges, `[lo, hi)`, the last one closed) and the bin of
/// every row, for rows labelled with the provisional ids of `values`. Edges sit at the
/// quantiles of the rows' values; a value that spans an edge keeps its rows together, so ties
/// can leave fewer than K classes.
fn bin_target(values: &[f64], rows: &[u32], bins: usize) -> (Vec<String>, Vec<u32>) {
    let mut sorted: Vec<f64> = rows.iter().map(|&id| values[id as usize]).collect();
    sorted.sort_by(f64::total_cmp);
    let Some((&lo, &hi)) = sorted.first().zip(sorted.last()) else { return (Vec::new(), Vec::new()) };
    let n = sorted.len();
    let mut edges: Vec<f64> = (1..bins).map(|j| sorted[j * n / bins]).filter(|&e| e > lo).collect();
    edges.dedup();
    let labels = rows.iter().map(|&id| edges.partition_point(|&e| e <= values[id as usize]) as u32).collect();
    let bounds: Vec<f64> = std::iter::once(lo).chain(edges.iter().copied()).chain(std::iter::once(hi)).collect();
    let names = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let close = if i + 2 == bounds.len() { ']' } else { ')' };
            format!("[{}, {}{close}", format_number(w[0]), format_number(w[1]))
        })
        .collect();
    (names, labels)
}

/// [`continuous_target`]: distinct values from which a sparse target is suspect …
const CONTINUOUS_MIN_CLASSES: usize = 20;
/// … and the rows per class below which it is.
const CONTINUOUS_ROWS_PER_CLASS: u64 = 5;

/// 0/1 (also `true`/`false`, `yes`/`no`) of a multilabel target cell.
fn binary_value(cell: &Cell<'_>) -> Option<bool> {
    match *cell {
        Cell::Num(v) if v == 0.0 => Some(false),
        Cell::Num(v) if v == 1.0 => Some(true),
        Cell::Text(t) => match t.to_ascii_lowercase().as_str() {
            "0" | "0.0" | "false" | "no" => Some(false),
            "1" | "1.0" | "true" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn describe(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Missing => "a missing value".into(),
        Cell::Num(v) => format_number(*v),
        Cell::Text(t) => format!("'{}'", shorten(t)),
    }
}

/// A typed number as class text: integers without `.0`.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}


/// The skip reason of a numeric column's cell that is text or not finite.
fn bad_number(path: &std::path::Path, pos: &RowPos, name: &str, text: &str) -> ItemError {
    let what = match text.parse::<f64>() {
        Ok(_) => "is not a finite number",
        Err(_) => "is not a number",
    };
    ItemError {
        path: path.to_path_buf(),
        line: pos.line(),
        reason: format!("{}column '{name}': '{}' {what} (numeric column)", pos.prefix(), shorten(text)),
    }
}

/// Adds `t` to the distinct values seen, or forgets them all (`None`) once there are more
/// than [`MAX_CATEGORIES`]: too many to be categories.
fn note_distinct(set: &mut Option<HashSet<String>>, t: &str) {
    if let Some(seen) = set {
        if !seen.contains(t) {
            if seen.len() >= MAX_CATEGORIES {
                *set = None;
            } else {
                seen.insert(t.to_string());
            }
        }
    }
}
