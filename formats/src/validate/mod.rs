//! The validator: every check of spec Appendix B and §7.1 that the files allow, reported as
//! findings with stable codes instead of stopping at the first problem.
//!
//! [`validate`] never panics and never fails: a missing folder, an unreadable file or a
//! corrupt record each become a [`Finding`]. After a framing error the rest of that record
//! file cannot be trusted (record boundaries are lost), so the validator reports it and moves
//! on to the next file. Repeated findings of one code in one file are capped
//! ([`ValidateOptions::max_per_code`]) and followed by one summary finding, so a million bad
//! records give a short report.
//!
//! Stable codes (severity in brackets; `W` = warning, everything else is an error):
//!
//! | code | check |
//! |---|---|
//! | `LAYOUT_NOT_A_DIRECTORY` | the dataset path is missing or not a folder |
//! | `LAYOUT_UNREADABLE` | a folder of the layout cannot be listed |
//! | `LAYOUT_NO_DATA_DIR` | no `*.data` entry (§1.1) |
//! | `LAYOUT_MULTIPLE_DATA_DIRS` | several `*.data` entries (§1.1, §7.2 #8) |
//! | `LAYOUT_DATA_NOT_A_DIRECTORY` | the `*.data` entry is a file |
//! | `LAYOUT_MISSING_SUBSET` | `train/` or `test/` missing |
//! | `LAYOUT_NO_RECORD_FILES` | a subset without any `sample*` file (§1.1, §7.2 #6) |
//! | `LAYOUT_RECORD_NOT_A_FILE` | a `sample*` entry that is not a regular file |
//! | `LAYOUT_MULTIPLE_TEST_FILES` [W] | several test record files: order vs solution ambiguous (§1.2) |
//! | `LAYOUT_NON_SAMPLE_RECORD_FILE` [W] | a TFRecord-looking file not named `sample*`: ignored by readers (§7.2 #6) |
//! | `META_MISSING` | a subset without `metadata.textproto` |
//! | `META_PARSE` | the textproto does not parse (§4.3) |
//! | `META_UNKNOWN_FIELD` | a field outside the schema (§4.3, §7.2 #9) |
//! | `META_MATRIX_SPEC_COUNT` | not exactly one `matrix_spec` (§3.3) |
//! | `META_OUTPUT_DIM_INVALID` | `output_dim < 1` |
//! | `META_SAMPLE_COUNT_NEGATIVE` | `sample_count < 0` |
//! | `META_SEQUENCE_SIZE_INVALID` | `sequence_size` neither −1 nor ≥ 1 |
//! | `META_SIZE_INVALID` | `row_count`/`col_count` of 0 or below −1 (§4.2) |
//! | `META_NEGATIVE_SIZE_FORBIDDEN` | −1 `row_count`/`col_count` with DENSE or SPARSE storage (§4.2, §7.2 #3) |
//! | `META_NUM_CHANNELS_INVALID` | `num_channels` neither −1 nor ≥ 1 |
//! | `META_MAP_NOT_CONTIGUOUS` | map values not exactly `0..n-1` (§4.2) |
//! | `META_LABEL_MAP_SIZE` [W] | `label_to_index_map` non-empty with ≠ `output_dim` entries (§4.2) |
//! | `META_IS_SPARSE_CONFLICT` [W] | deprecated `is_sparse` contradicts `format` |
//! | `META_LEGACY_NO_SEQUENCE_SIZE` [W] | no `sequence_size` line: legacy file, default 1 (§4.4) |
//! | `META_OUTPUT_DIM_MISMATCH` | train and test `output_dim` differ (§4.2) |
//! | `META_TRAIN_TEST_DIFFER` | train and test metadata differ in more than `sample_count` (§4.2) |
//! | `META_SAMPLE_COUNT_MISMATCH` | `sample_count` ≠ records in the subset (§4.2, §7.2 #1) |
//! | `TFR_TRUNCATED_HEADER`, `TFR_TRUNCATED_PAYLOAD`, `TFR_BAD_LENGTH_CRC`, `TFR_BAD_PAYLOAD_CRC`, `TFR_TRAILING_GARBAGE`, `TFR_LENGTH_TOO_LARGE` | framing (§2) |
//! | `TFR_IO` | a record file cannot be opened or read |
//! | `EX_*` | the payload is not a valid AutoDL SequenceExample (codes of [`crate::example`]) |
//! | `FORMAT_MISMATCH` | record storage kind ≠ metadata `format` (§3.3, §7.2 #5) |
//! | `EXAMPLE_NO_FRAMES` | a record with zero frames (Appendix B.5) |
//! | `SEQUENCE_SIZE_MISMATCH` | frame count ≠ `sequence_size` > 0 (§3.3, §7.2 #2; warning for non-dense storage) |
//! | `DENSE_FRAME_LENGTH` | a dense frame without exactly H·W·C floats (§3.3, §7.2 #4) |
//! | `DENSE_NON_FINITE` | ±inf, or NaN outside tabular data, in a dense frame |
//! | `DENSE_NAN` [W] | NaN in tabular data: the converter's missing value (§5.5) |
//! | `SPARSE_INDEX_OUT_OF_RANGE` | a sparse coordinate outside the shape (Appendix B.5) |
//! | `COMPRESSED_UNKNOWN_FORMAT` | a compressed frame that is not a known image file |
//! | `COMPRESSED_GIF` [W] | a GIF frame: breaks the reference decoder path (§3.3) |
//! | `COMPRESSED_UNDECODABLE` | (`--deep`) a compressed frame that does not decode, or is over [`MAX_IMAGE_PIXELS`](crate::example::MAX_IMAGE_PIXELS) or [`MAX_DEEP_DECODE_BYTES`] |
//! | `COMPRESSED_SIZE_MISMATCH` | (`--deep`) decoded size ≠ `row_count × col_count` when fixed |
//! | `COMPRESSED_FRAME_SIZES_DIFFER` | (`--deep`) frames of one example of different sizes (§7.2 #15) |
//! | `LABEL_INDEX_OUT_OF_RANGE` | a training label outside `[0, output_dim)` (§3.2) |
//! | `LABEL_INDEX_DUPLICATE` | a training label index listed twice (§3.2) |
//! | `LABEL_SCORE_NON_FINITE` | a training label score that is NaN or infinite |
//! | `TRAIN_RECORD_UNLABELLED` [W] | a training record without labels (allowed by §3.2, useless for training) |
//! | `LABEL_CLASS_UNUSED` [W] | classes no training record uses (§7.1 `check_integrity`) |
//! | `LEGACY_TEST_LABELS` [W] | test (or unlabelled) records that still carry labels: legacy leak (§1.3) |
//! | `DUPLICATE_ID` [W] | an `id` seen before in the dataset (§1.4) |
//! | `TEST_ID_NOT_POSITION` [W] | test id ≠ its position, so id ≠ solution row (§1.4) |
//! | `TEXT_TOKEN_OUT_OF_RANGE` [W] | text data: a dense value that is not a vocabulary index (§5.4) |
//! | `LABEL_NAMES_COUNT` [W] | `<name>_label.name` lines ≠ `output_dim` (§7.2 #10) |
//! | `SOL_NOT_A_FILE` | a `*.solution` entry that is not a regular file (issue 22) |
//! | `FEAT_NAMES_COUNT` [W] | `<name>_feat.name` lines ≠ the features of a frame (issue 22) |
//! | `SOL_MISSING` [W] | no `*.solution` (allowed: CodaLab keeps it apart, §1.1) |
//! | `SOL_MULTIPLE` | several `*.solution` files (§1.1, §7.2 #8) |
//! | `SOL_NAME_MISMATCH` | solution stem ≠ dataset name (§1.1) |
//! | `SOL_PARSE` | the solution is not a rectangular number matrix (§6) |
//! | `SOL_ROWS_MISMATCH` | solution rows ≠ test records (§6) |
//! | `SOL_COLS_MISMATCH` | solution columns ≠ `output_dim` (§4.2) |
//! | `SOL_SINGLE_ROW` [W] | one test row: the scorer reads it as a column (§6) |
//! | `TEST_CLASS_MISSING` [W] | classes no test row of the solution holds: their AUC is undefined |
//! | `TEST_SET_SMALL` [W] | fewer than [`MIN_TEST_PER_CLASS`] test examples per class |
//!
//! Legacy `mini1` gives only warnings: `META_LEGACY_NO_SEQUENCE_SIZE` (both metadata files),
//! `LEGACY_TEST_LABELS` (its test file keeps the true class with score 0), and for its 10 test
//! rows over 10 classes `TEST_CLASS_MISSING` and `TEST_SET_SMALL`.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::Error;
use crate::dataset::Subset;
use crate::example::{self, AutoDlExample, Frames};
pub use crate::validate_decode::{decode_frame, MAX_DEEP_DECODE_BYTES};
use crate::inspect::{infer_domain, Domain};
use crate::metadata::{DataSpec, Format, MetadataNote};
use crate::solution::Solution;
use crate::tfrecord::{masked_crc32c, TfRecordReader, FRAMING_BYTES};

// The checks, by what they read; each adds `impl Validator` methods.
mod layout;
mod records;
mod spec_checks;

/// Record ids seen so far (duplicate check): one bit per id in the dense range
/// `[0, max(2^20, 8·records))` that real datasets use (ids 0..n), a hash set for the others,
/// so memory is about a byte per record instead of a hash entry (~30 bytes) per record.
#[derive(Debug, Default)]
struct IdSet {
    bits: Vec<u64>,
    inserted: u64,
    outliers: HashSet<i64>,
}

impl IdSet {
    /// `false` when `id` was inserted before.
    fn insert(&mut self, id: i64) -> bool {
        self.inserted += 1;
        if self.outliers.contains(&id) {
            return false;
        }
        let dense_limit = self.inserted.saturating_mul(8).max(1 << 20);
        match u64::try_from(id) {
            Ok(i) if i < dense_limit => {
                let (word, mask) = ((i / 64) as usize, 1u64 << (i % 64));
                if word >= self.bits.len() {
                    self.bits.resize(word + 1, 0);
                }
                let fresh = self.bits[word] & mask == 0;
                self.bits[word] |= mask;
                fresh
            }
            _ => self.outliers.insert(id),
        }
    }
}

/// Test examples per class below which `TEST_SET_SMALL` warns.
pub const MIN_TEST_PER_CLASS: u64 = 2;

/// How serious a finding is: errors make a dataset invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a finding applies: always a file (or folder); a record (0-based index in its file)
/// and its byte offset for record-level findings; a field name or a 1-based line where known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    #[serde(serialize_with = "serialize_path")]
    pub file: PathBuf,
    pub record: Option<u64>,
    pub offset: Option<u64>,
    pub field: Option<String>,
    /// 1-based line (and column) in a text file (metadata, solution).
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl Location {
    fn file(file: impl Into<PathBuf>) -> Self {
        Location { file: file.into(), record: None, offset: None, field: None, line: None, column: None }
    }
    fn field(file: impl Into<PathBuf>, field: impl Into<String>) -> Self {
        Location { field: Some(field.into()), ..Location::file(file) }
    }
    fn record(file: impl Into<PathBuf>, record: u64, offset: u64) -> Self {
        Location { record: Some(record), offset: Some(offset), ..Location::file(file) }
    }
    fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// One problem found: a stable code, its severity, where, and a one-line message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub location: Location,
    pub message: String,
}

/// Counts for one record file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileStats {
    #[serde(serialize_with = "serialize_path")]
    pub file: PathBuf,
    pub bytes: u64,
    /// Records read with valid framing (all of them when `complete`).
    pub records: u64,
    /// False when a framing or I/O error stopped the reading early.
    pub complete: bool,
}

/// Counts for `train` or `test`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubsetStats {
    pub subset: String,
    /// `sample_count` from the subset's metadata, when it parsed.
    pub sample_count: Option<i64>,
    pub records: u64,
    pub files: Vec<FileStats>,
}

/// What the validator looked at.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub subsets: Vec<SubsetStats>,
    pub solution_rows: Option<usize>,
    pub solution_cols: Option<usize>,
    /// Record-file bytes read.
    pub bytes_read: u64,
    /// Compressed frames fully decoded (`--deep`).
    pub frames_decoded: u64,
    /// Findings left out of `findings` by the per-file cap (each cap has a summary finding).
    pub suppressed: u64,
}

/// The validator's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    #[serde(serialize_with = "serialize_path")]
    pub dataset: PathBuf,
    /// `<name>` of `<name>.data`, when found.
    pub name: Option<String>,
    pub deep: bool,
    /// No error-severity finding.
    pub valid: bool,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.valid
    }
    /// Findings with code `code`.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.code == code)
    }
    pub fn has_code(&self, code: &str) -> bool {
        self.with_code(code).next().is_some()
    }
}

/// Progress events for a front end (the CLI's progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Total record-file bytes about to be read.
    Start { total_bytes: u64 },
    /// More bytes read since the previous event.
    Advance { bytes: u64 },
    Finish,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Options of [`validate`].
#[derive(Clone)]
pub struct ValidateOptions {
    /// Decode every compressed frame and check its size (slow).
    pub deep: bool,
    /// Findings of one code kept per file before they are summarised (spec: keep reports short).
    pub max_per_code: usize,
    pub progress: Option<ProgressFn>,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions { deep: false, max_per_code: 20, progress: None }
    }
}

impl std::fmt::Debug for ValidateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidateOptions")
            .field("deep", &self.deep)
            .field("max_per_code", &self.max_per_code)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

fn serialize_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Collects findings, capping each (file, code) pair.
struct Collector {
    findings: Vec<Finding>,
    counts: HashMap<(PathBuf, &'static str), (usize, u64, Severity)>,
    max_per_code: usize,
}

impl Collector {
    fn new(max_per_code: usize) -> Self {
        Collector { findings: Vec::new(), counts: HashMap::new(), max_per_code: max_per_code.max(1) }
    }

    fn push(&mut self, code: &'static str, severity: Severity, location: Location, message: String) {
        let entry = self
            .counts
            .entry((location.file.clone(), code))
            .or_insert((0, 0, severity));
        if entry.0 < self.max_per_code {
            entry.0 += 1;
            self.findings.push(Finding { code, severity, location, message });
        } else {
            entry.1 += 1;
        }
    }

    fn error(&mut self, code: &'static str, location: Location, message: impl Into<String>) {
        self.push(code, Severity::Error, location, message.into());
    }

    fn warn(&mut self, code: &'static str, location: Location, message: impl Into<String>) {
        self.push(code, Severity::Warning, location, message.into());
    }

    /// Appends one summary finding per capped (file, code); returns how many were left out.
    fn finish(mut self) -> (Vec<Finding>, u64) {
        let mut capped: Vec<_> = self
            .counts
            .into_iter()
            .filter(|(_, (_, more, _))| *more > 0)
            .collect();
        capped.sort_by(|a, b| a.0.cmp(&b.0));
        let mut suppressed = 0;
        for ((file, code), (shown, more, severity)) in capped {
            suppressed += more;
            self.findings.push(Finding {
                code,
                severity,
                location: Location::file(file),
                message: format!("{more} more {code} findings in this file not shown (first {shown} listed)"),
            });
        }
        (self.findings, suppressed)
    }
}

/// What a subset folder holds, as far as it could be read.
struct SubsetLayout {
    subset: Subset,
    metadata_path: PathBuf,
    spec: Option<DataSpec>,
    record_files: Vec<PathBuf>,
}

/// Validates the dataset folder `dir` (the one holding `<name>.data/` and `<name>.solution`).
pub fn validate(dir: &Path, opts: &ValidateOptions) -> Report {
    validate_with_source(dir, opts, None)
}

/// Where the validator reads a record file from instead of opening it: called with the file's
/// path, answers `Some((reader, byte length))` to supply its bytes, `None` to let the file be
/// opened as usual. `merge` copies shard parts into the dataset's record files through such a
/// reader, so the validator's one read of each part is also the copy.
pub type RecordSource = Box<dyn FnMut(&Path) -> Option<(Box<dyn Read>, u64)>>;

/// [`validate`], with record files read through `source` when it supplies them.
pub fn validate_with_source(dir: &Path, opts: &ValidateOptions, source: Option<RecordSource>) -> Report {
    let mut v = Validator {
        opts: opts.clone(),
        out: Collector::new(opts.max_per_code),
        stats: Stats::default(),
        ids: IdSet::default(),
        source,
    };
    let name = v.run(dir);
    let (findings, suppressed) = v.out.finish();
    let mut stats = v.stats;
    stats.suppressed = suppressed;
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    Report {
        dataset: dir.to_path_buf(),
        name,
        deep: opts.deep,
        valid: errors == 0,
        errors,
        warnings,
        findings,
        stats,
    }
}

struct Validator {
    opts: ValidateOptions,
    out: Collector,
    stats: Stats,
    ids: IdSet,
    source: Option<RecordSource>,
}

/// Entry names of a folder, sorted; `None` after reporting when it cannot be listed.
fn list_dir(dir: &Path, out: &mut Collector) -> Option<Vec<(String, PathBuf)>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.error("LAYOUT_UNREADABLE", Location::file(dir), format!("cannot list folder: {e}"));
            return None;
        }
    };
    let mut entries = Vec::new();
    for entry in rd {
        match entry {
            Ok(e) => entries.push((e.file_name().to_string_lossy().into_owned(), e.path())),
            Err(e) => {
                out.error("LAYOUT_UNREADABLE", Location::file(dir), format!("cannot list folder: {e}"));
                return None;
            }
        }
    }
    entries.sort();
    Some(entries)
}

impl Validator {
    fn progress(&self, p: Progress) {
        if let Some(f) = &self.opts.progress {
            f(p);
        }
    }
}

/// The solution's task name: its file name up to the first `.` (spec §1.1).
fn solution_stem(file_name: &str) -> &str {
    file_name.split('.').next().unwrap_or(file_name)
}

/// spec §4.2: map values must be exactly `0..n-1`.
fn map_is_contiguous(map: &[(String, i32)]) -> bool {
    let mut values: Vec<i32> = map.iter().map(|(_, v)| *v).collect();
    values.sort_unstable();
    values.iter().enumerate().all(|(i, &v)| i as i64 == i64::from(v))
}

/// The parser reports unknown names with a message naming them as such.
fn is_unknown_field_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("unknown field") || m.contains("no field named") || m.contains("unknown name")
}

/// The error's message without the leading path (the finding's location already names it).
fn strip_path(e: &Error) -> String {
    match e {
        Error::Io(io) => io.source.to_string(),
        Error::Metadata { message, .. }
        | Error::Solution { message, .. }
        | Error::Layout { message, .. }
        | Error::Example { message, .. }
        | Error::Write { message, .. }
        | Error::Decode { message, .. } => message.clone(),
        Error::Framing { kind, .. } => kind.to_string(),
    }
}

/// A non-`sample*` file that readers would ignore but that holds TFRecords: a record
/// extension, or a first header whose length CRC checks (spec §2).
fn looks_like_tfrecord(name: &str, path: &Path) -> bool {
    let lower = name.to_ascii_lowercase();
    if [".tfrecord", ".tfrecords", ".tfr", ".record", ".records"].iter().any(|e| lower.ends_with(e))
        || lower.contains(".tfrecord")
    {
        return true;
    }
    let mut header = [0u8; 12];
    match fs::File::open(path).and_then(|mut f| f.read_exact(&mut header)) {
        Ok(()) => {
            let stored = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
            masked_crc32c(&header[..8]) == stored
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::IdSet;

    #[test]
    fn id_set_finds_duplicates_in_the_dense_range_among_outliers_and_across_both() {
        let mut ids = IdSet::default();
        assert!(ids.insert(0) && ids.insert(5) && !ids.insert(5));
        // Far outside the dense range, and negative: kept in the hash set.
        assert!(ids.insert(1 << 40) && !ids.insert(1 << 40));
        assert!(ids.insert(-3) && !ids.insert(-3));
        // An id first seen as an outlier stays a duplicate once the dense range has grown past it.
        let late = (1 << 20) + 10;
        assert!(ids.insert(late));
        for i in 6..200_000 {
            assert!(ids.insert(i));
        }
        assert!(!ids.insert(late));
        assert!(!ids.insert(199_999));
        assert!(ids.bits.len() <= (8 * 200_010) / 64 + 1, "bitmap stays within the dense bound");
    }
}
