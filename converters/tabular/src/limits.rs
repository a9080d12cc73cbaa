//! Named limits that keep a hostile or broken table from exhausting memory.

/// Longest physical CSV line accepted; a file without newlines stops here instead of being
/// buffered whole.
pub const MAX_CSV_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Longest single CSV field; a longer field makes its row a bad input.
pub const MAX_CSV_FIELD_BYTES: usize = 1024 * 1024;

/// Most columns a table may have (header included).
pub const MAX_COLUMNS: usize = 100_000;

/// Distinct values remembered per categorical column; a column with more (an id, free text)
/// is dropped with a warning instead of growing without bound.
pub const MAX_CATEGORIES: usize = 65_536;

/// Most classes a single target column may define.
pub const MAX_CLASSES: usize = 10_000;

/// Most target columns for multilabel tables (labels are kept as one bit per column).
pub const MAX_TARGET_COLUMNS: usize = 64;

/// A column stays numeric (and its few non-numbers are bad cells) when at most this many of
/// its values fail to parse …
pub const MAX_BAD_NUMERIC_CELLS: u64 = 100;
/// … and at most this fraction (1/N) of its non-missing values; otherwise it is categorical.
pub const BAD_NUMERIC_FRACTION_DENOMINATOR: u64 = 20;

/// `--categorical auto`: one-hot up to this many categories, index encoding above.
pub const DEFAULT_ONEHOT_MAX_CATEGORIES: usize = 16;

/// `--sparse auto`: SPARSE output when the share of non-zero features is below this.
pub const SPARSE_DENSITY_THRESHOLD: f64 = 0.1;

/// Rows per batch read from Parquet / Arrow files.
pub const ARROW_BATCH_ROWS: usize = 8192;

/// Text that means "no value" in a CSV cell (compared after trimming, case-sensitive forms
/// found in the wild).
pub const MISSING_MARKERS: &[&str] =
    &["", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "None", "?"];
