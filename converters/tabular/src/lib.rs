//! Tables → AutoDL tabular datasets (spec §5.5).
//!
//! Inputs: CSV/TSV (delimiter detected or given), Parquet, Arrow IPC, and the AutoML layout
//! (`<b>_train/_valid/_test .data/.solution`, spec §1.5). Output: one frame per row, DENSE
//! `(1, 1, F, 1)` or SPARSE when few features are non-zero.
//!
//! Tables are streamed, never held: a profile pass (column kinds, categories, labels of every
//! row, bad rows), the split (needs every label), an optional pass for training means, and a
//! writing pass. Memory grows only with one small label per row.
//!
//! The profile/split/fill pass is also the settle step of the whole-input shape
//! ([`settle`], [`converters_common::planned`]): scale-out plans store its result and shards
//! encode their rows with it.
//!
//! Conventions (documented in `--help`):
//! - `--target COL` (repeatable). One column: one class per distinct value (numeric order when
//!   all values are numbers, text order otherwise), names in `label_to_index_map` and
//!   `<name>_label.name`; a 0/1 column gives 2 classes. Several columns: multilabel, each must
//!   hold 0/1. Default: the last column. A column is named by its name or by its 0-based
//!   position (`-1` = last); so are `--drop-column` and `--categorical-column`.
//! - `--bins K`: a numeric single target is cut into K value ranges of about equal size
//!   (`[lo, hi)` names, the last closed). Without it, a numeric target with many distinct or
//!   fractional values converts with a warning that it looks continuous.
//! - `--header auto|yes|no`: whether a CSV's first line names the columns ([`header`]: detected
//!   by default, the decision printed); a headerless table's columns are `c0`, `c1`, ….
//! - Numeric columns are stored as-is (parsed straight to f32). A column is categorical when
//!   more than a few of its values are not numbers ([`limits::MAX_BAD_NUMERIC_CELLS`],
//!   1/[`limits::BAD_NUMERIC_FRACTION_DENOMINATOR`]); otherwise its few text cells make their
//!   rows bad inputs (reported with file, line and column).
//! - Categorical columns: one-hot or index (`--categorical`), categories in text order.
//! - Missing values (`""`, `NA`, `NaN`, `null`, `?` …, see [`table::MISSING_MARKERS`]):
//!   `--missing mean` (default: the column's mean over the training rows), `zero`, or `nan`;
//!   a missing categorical value has no category (all-zero one-hot, index −1). A warning
//!   counts them.
//! - Feature names go to `<name>_feat.name` (metadata cannot hold them, spec §5.5).

pub mod automl;
pub mod convert;
pub mod encode;
pub mod error;
pub mod header;
pub mod limits;
pub mod profile;
pub mod recipe;
pub mod settle;
pub mod spec;
pub mod table;

pub use automl::{convert_automl, AutoMlLayout};
pub use convert::{convert_table, SparseChoice, TabularOptions, TabularSummary};
pub use encode::MissingPolicy;
pub use error::{Result, TabularError};
pub use header::{HeaderDecision, HeaderMode};
pub use profile::{CategoricalEncoding, ColumnChoices};
pub use settle::{TableSettled, Tabular};
pub use recipe::{convert_new_rows, NewRows, NewRowsOptions, TabularRecipe};
pub use converters_common::sink::{self, DatasetSink, MemorySink};

/// Converts `input`: an AutoML folder (spec §1.5) or a table file.
pub fn convert(
    input: &std::path::Path,
    opts: &TabularOptions,
    sink: &mut dyn DatasetSink,
    report: &mut converters_common::SkipReport,
) -> Result<TabularSummary> {
    match AutoMlLayout::detect(input)? {
        Some(layout) => convert_automl(&layout, opts, sink, report),
        None if input.is_dir() => Err(TabularError::table(
            input,
            "a folder is a table input only in the AutoML layout (<b>_train.data, …)",
        )),
        None => convert_table(input, opts, sink, report),
    }
}

/// The dataset name the input suggests: the AutoML basename (spec §1.1).
pub fn suggested_name(input: &std::path::Path) -> Option<String> {
    AutoMlLayout::detect(input).ok().flatten().map(|l| l.basename)
}
