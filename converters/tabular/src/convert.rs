//! Table file → AutoDL records: profile pass, split, optional imputation pass, writing pass
//! (per subset, through the seeded record order).

use std::path::Path;

use converters_common::order::SeededOrder;
use converters_common::planned::ConversionFacts;
use converters_common::split::{assign, SplitAssignment};
use converters_common::{SkipReport, SplitOptions, Subset};

use crate::encode::{frames, MissingPolicy, RowEncoder};
use crate::error::{Result, TabularError};
use crate::header::HeaderMode;
use crate::recipe::TabularRecipe;
pub use crate::spec::tabular_spec;
use crate::limits::SPARSE_DENSITY_THRESHOLD;
use crate::profile::{profile, ColumnChoices, ColumnRole, RowLabels};
use converters_common::sink::DatasetSink;
use crate::table::{Cell, Table};

/// `--sparse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SparseChoice {
    /// SPARSE when fewer than [`SPARSE_DENSITY_THRESHOLD`] of the features are non-zero.
    #[default]
    Auto,
    Yes,
    No,
}

/// Everything a table conversion needs, checked by [`TabularOptions::check`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TabularOptions {
    pub columns: ColumnChoices,
    /// CSV delimiter; detected when `None`.
    pub delimiter: Option<u8>,
    /// Whether a CSV's first line names the columns (`--header`).
    pub header: HeaderMode,
    pub missing: MissingPolicy,
    pub sparse: SparseChoice,
    pub split: SplitOptions,
}

impl TabularOptions {
    pub fn check(&self) -> Result<()> {
        self.split.check()?;
        if self.columns.onehot_max == 0 {
            return Err(TabularError::options("--onehot-max must be at least 1"));
        }
        if self.columns.target_bins.is_some_and(|k| k < 2) {
            return Err(TabularError::options("--bins must be at least 2 (classes)"));
        }
        Ok(())
    }
}

/// What a conversion did, for the summary line and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TabularSummary {
    /// Counts, metadata, class names (`label_to_index_map`, `<name>_label.name`), recipe and
    /// test sources (each test record's 1-based data row; none for AutoML).
    pub facts: ConversionFacts,
    pub rows_read: u64,
    pub features: usize,
    pub sparse: bool,
    /// Missing feature values replaced (or kept as NaN) per `--missing`.
    pub missing_values: u64,
    /// Feature names in feature order (`<name>_feat.name`).
    pub feature_names: Vec<String>,
    /// CSV: the header decision as one line for the user (`None` for Parquet/Arrow/AutoML).
    pub header_note: Option<String>,
}

/// The whole-table pass of a conversion: profile, split, missing-value fills, encoder. The
/// writing pass of [`convert_table`] and the settle step of scale-out
/// ([`crate::settle`]) both start here.
pub(crate) struct Prepared {
    pub table: Table,
    pub prof: crate::profile::TableProfile,
    /// A label-set id per usable row (the split key, also the writing pass's labels).
    pub keys: converters_common::split::CompactKeys,
    /// The subset of every usable row (its warning already moved to `warnings`).
    pub split: SplitAssignment,
    /// Data rows left out (in row order).
    pub bad: Vec<u64>,
    pub missing_values: u64,
    pub fill: Vec<f32>,
    pub encoder: RowEncoder,
    pub sparse: bool,
    pub warnings: Vec<String>,
}

pub(crate) fn prepare(input: &Path, opts: &TabularOptions, report: &mut SkipReport) -> Result<Prepared> {
    opts.check()?;
    let table = Table::open_with(input, opts.delimiter, opts.header)?;
    let mut choices = opts.columns.clone();
    if choices.targets.is_empty() {
        // spec-free default: the last column is the target, as in most ML CSVs
        choices.targets.push(table.columns.last().cloned().unwrap_or_default());
    }
    let mut prof = profile(&table, &choices)?;
    let mut warnings = prof.warnings.clone();
    for (_, e) in &prof.bad_rows {
        report.record(e.clone())?;
    }

    // split on the labels of usable rows: a label-set id per row, which also serves the
    // writing pass, so the split costs a few bytes per row (flat memory, issue 3)
    let keys = prof.labels.compact_keys()?;
    let single_target = matches!(prof.labels, RowLabels::Single(_));
    prof.labels = RowLabels::Single(Vec::new());
    let mut split = assign(&keys, &opts.split)?;
    warnings.extend(split.warning.take());

    let bad: Vec<u64> = prof.bad_rows.iter().map(|(r, _)| *r).collect();
    let missing_values: u64 = prof.missing.iter().sum();
    let fill = fill_values(&table, &prof.roles, &prof.missing, &bad, &split.is_test, opts.missing)?;
    if missing_values > 0 {
        let per_column: Vec<String> = prof
            .missing
            .iter()
            .enumerate()
            .filter(|(_, &m)| m > 0)
            .map(|(c, m)| format!("{}: {m}", table.columns[c]))
            .collect();
        let what = match opts.missing {
            MissingPolicy::Mean => "replaced by the column's training mean (categorical: no category)",
            MissingPolicy::Zero => "replaced by 0 (categorical: no category)",
            MissingPolicy::Nan => "stored as NaN (categorical: no category)",
        };
        warnings.push(format!(
            "{}: {missing_values} missing values ({}) {what}",
            input.display(),
            per_column.join(", ")
        ));
    }

    let encoder = RowEncoder::new(prof.roles.clone(), fill.clone());
    let sparse = match opts.sparse {
        SparseChoice::Yes => true,
        SparseChoice::No => false,
        SparseChoice::Auto => prof.density < SPARSE_DENSITY_THRESHOLD,
    };
    if single_target && prof.class_names.len() < 2 {
        warnings.push(format!(
            "{}: the target has a single class; scoring needs at least two",
            input.display()
        ));
    }
    Ok(Prepared { table, prof, keys, split, bad, missing_values, fill, encoder, sparse, warnings })
}

impl Prepared {
    /// The recipe new rows are encoded with.
    pub fn recipe(&self) -> TabularRecipe {
        TabularRecipe {
            had_header: self.table.header.as_ref().is_none_or(|h| h.has_header),
            columns: self.table.columns.clone(),
            roles: self.prof.roles.clone(),
            fill: self.fill.clone(),
            sparse: self.sparse,
            features: self.encoder.width(),
        }
    }
}

/// Converts one table file (CSV/TSV, Parquet, Arrow IPC).
pub fn convert_table(
    input: &Path,
    opts: &TabularOptions,
    sink: &mut dyn DatasetSink,
    report: &mut SkipReport,
) -> Result<TabularSummary> {
    let p = prepare(input, opts, report)?;
    let Prepared { ref table, ref prof, ref keys, ref split, ref bad, ref encoder, sparse, .. } = p;
    let SplitAssignment { ref is_test, n_test, n_train, .. } = *split;
    let features = encoder.width();
    let output_dim = prof.class_names.len();
    let spec = tabular_spec(features, output_dim, sparse, &prof.class_names, n_train);

    // test records first (spec §1.4), so the table is streamed once per subset; records
    // reach the sink in the seeded order (converters_common::order), not the file's order
    let mut buf = Vec::with_capacity(features);
    let mut test_sources = Vec::with_capacity(n_test);
    for (subset, count, stream) in [(Subset::Test, n_test, TEST_STREAM), (Subset::Train, n_train, TRAIN_STREAM)] {
        let mut order = SeededOrder::new(opts.split.seed, stream, count as u64)?;
        table.for_each_kept_row(bad, |k, row| {
            let (test, set) = (is_test[k], keys.label_set(k));
            if test != (subset == Subset::Test) {
                return Ok(());
            }
            encoder.encode(row.cells, &mut buf);
            let index: Vec<i64> = set.iter().map(|&c| c as i64).collect();
            let score = vec![1.0f32; index.len()];
            order.push_with_id(Some(row.index as i64), &frames(&buf, sparse), &index, &score)?;
            Ok(())
        })?;
        order.drain(|ex| {
            match subset {
                Subset::Test => {
                    test_sources.push(row_source(ex.id.unwrap_or(-1) as u64));
                    sink.push_test(&ex.frames, &ex.label_index, &ex.label_score)?
                }
                Subset::Train => sink.push_train(&ex.frames, &ex.label_index, &ex.label_score)?,
            };
            Ok(())
        })?;
    }

    Ok(TabularSummary {
        facts: ConversionFacts {
            n_train,
            n_test,
            output_dim,
            spec,
            class_names: class_names_if_any(prof.class_names.clone()),
            suggested_name: None,
            recipe: Some(p.recipe().to_recipe()?),
            test_sources,
            warnings: p.warnings.clone(),
        },
        rows_read: prof.total_rows,
        features,
        sparse,
        missing_values: p.missing_values,
        feature_names: prof.feature_names(&table.columns),
        header_note: table.header.as_ref().map(|h| h.line(input)),
    })
}

/// A table's class names for the metadata: `None` when the labels name no class.
pub(crate) fn class_names_if_any(names: Vec<String>) -> Option<Vec<String>> {
    (!names.is_empty()).then_some(names)
}

/// Seeded-order streams of the test and train records ([`SeededOrder::new`]).
pub(crate) const TEST_STREAM: u64 = 1;
pub(crate) const TRAIN_STREAM: u64 = 2;

/// The source of a table record in `<name>_test_sources.txt`: its 1-based data row.
pub(crate) fn row_source(row_index: u64) -> String {
    (row_index.wrapping_add(1) as i64).to_string()
}

/// Per-column value of a missing numeric cell; the training-mean pass runs only when needed.
fn fill_values(
    table: &Table,
    roles: &[ColumnRole],
    missing: &[u64],
    bad: &[u64],
    is_test: &[bool],
    policy: MissingPolicy,
) -> Result<Vec<f32>> {
    let width = roles.len();
    match policy {
        MissingPolicy::Zero => return Ok(vec![0.0; width]),
        MissingPolicy::Nan => return Ok(vec![f32::NAN; width]),
        MissingPolicy::Mean => {}
    }
    let needed: Vec<bool> = (0..width)
        .map(|c| matches!(roles[c], ColumnRole::Numeric) && missing[c] > 0)
        .collect();
    if !needed.iter().any(|&b| b) {
        return Ok(vec![0.0; width]);
    }
    let mut sum = vec![0f64; width];
    let mut count = vec![0u64; width];
    table.for_each_kept_row(bad, |k, row| {
        if !is_test[k] {
            for c in (0..width).filter(|&c| needed[c]) {
                let v = match row.cells[c] {
                    Cell::Num(v) => v,
                    Cell::Text(t) => t.parse::<f64>().unwrap_or(f64::NAN),
                    Cell::Missing => continue,
                };
                if v.is_finite() {
                    sum[c] += v;
                    count[c] += 1;
                }
            }
        }
        Ok(())
    })?;
    Ok((0..width)
        .map(|c| if count[c] > 0 { (sum[c] / count[c] as f64) as f32 } else { 0.0 })
        .collect())
}
