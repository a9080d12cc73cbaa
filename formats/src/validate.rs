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
//!
//! Legacy `mini1` gives only warnings: `META_LEGACY_NO_SEQUENCE_SIZE` (both metadata files)
//! and `LEGACY_TEST_LABELS` (its test file keeps the true class with score 0).

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::Error;
use crate::example::{self, AutoDlExample, Frames};
pub use crate::validate_decode::{decode_frame, MAX_DEEP_DECODE_BYTES};
use crate::inspect::{infer_domain, Domain};
use crate::metadata::{DataSpec, Format, MetadataNote};
use crate::solution::Solution;
use crate::tfrecord::{masked_crc32c, TfRecordReader, FRAMING_BYTES};

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

/// Which subset a record file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subset {
    Train,
    Test,
    /// `unlabelled/` of spec §1.3: test-shaped records, no solution.
    Unlabelled,
}

impl Subset {
    fn name(self) -> &'static str {
        match self {
            Subset::Train => "train",
            Subset::Test => "test",
            Subset::Unlabelled => "unlabelled",
        }
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

    /// Runs every check; returns the dataset name when the `.data` folder was found.
    fn run(&mut self, dir: &Path) -> Option<String> {
        if !dir.is_dir() {
            let why = if dir.exists() { "is not a folder" } else { "does not exist" };
            self.out.error("LAYOUT_NOT_A_DIRECTORY", Location::file(dir), format!("dataset path {why}"));
            return None;
        }
        let entries = list_dir(dir, &mut self.out)?;
        let data_dirs: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, _)| n.ends_with(".data")).collect();
        let solutions: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, p)| n.ends_with(".solution") && p.is_file()).collect();
        // A `.solution` that is a folder, FIFO or device is an error, not a missing file (issue 22).
        for (n, p) in entries.iter().filter(|(n, p)| n.ends_with(".solution") && !p.is_file()) {
            self.out.error("SOL_NOT_A_FILE", Location::file(p), format!("`{n}` is not a regular file"));
        }

        // spec §1.3: an unlabelled dataset has `unlabelled/` instead of `<name>.data/`.
        if data_dirs.is_empty() && dir.join(Subset::Unlabelled.name()).is_dir() {
            return self.run_unlabelled(dir);
        }
        // spec §1.1: exactly one `*.data` entry; its stem is the dataset name.
        let data = match data_dirs.len() {
            0 => {
                self.out.error(
                    "LAYOUT_NO_DATA_DIR",
                    Location::file(dir),
                    "no `<name>.data` folder in the dataset folder",
                );
                None
            }
            1 => Some(data_dirs[0]),
            _ => {
                let names: Vec<&str> = data_dirs.iter().map(|(n, _)| n.as_str()).collect();
                self.out.error(
                    "LAYOUT_MULTIPLE_DATA_DIRS",
                    Location::file(dir),
                    format!("{} `*.data` entries ({}); ingestion needs exactly one", names.len(), names.join(", ")),
                );
                // Go on with the one the solution names, else the first, to report the rest.
                let sol_stem = solutions.first().map(|(n, _)| solution_stem(n).to_string());
                data_dirs
                    .iter()
                    .find(|(n, _)| Some(n.trim_end_matches(".data")) == sol_stem.as_deref())
                    .or(data_dirs.first())
                    .copied()
            }
        };
        let name = data.map(|(n, _)| n.trim_end_matches(".data").to_string());

        let solution = self.check_solution_files(dir, &solutions, name.as_deref());

        let Some((_, data_path)) = data else {
            return name;
        };
        if !data_path.is_dir() {
            self.out.error(
                "LAYOUT_DATA_NOT_A_DIRECTORY",
                Location::file(data_path),
                "the `.data` entry is not a folder",
            );
            return name;
        }

        let train = self.layout_subset(data_path, Subset::Train);
        let test = self.layout_subset(data_path, Subset::Test);
        if let (Some(tr), Some(te)) = (&train, &test) {
            if let (Some(a), Some(b)) = (&tr.spec, &te.spec) {
                self.compare_specs(a, b, &te.metadata_path);
            }
        }
        if let (Some(name), Some(spec)) = (&name, train.as_ref().and_then(|t| t.spec.as_ref())) {
            self.check_label_names_file(dir, name, spec);
            self.check_feat_names_file(dir, name, spec);
        }

        let total: u64 = [&train, &test]
            .iter()
            .filter_map(|s| s.as_ref())
            .flat_map(|s| s.record_files.iter())
            .filter_map(|p| fs::metadata(p).ok().map(|m| m.len()))
            .sum();
        self.progress(Progress::Start { total_bytes: total });

        // A subset whose own metadata failed is checked against the other's (they must agree).
        let fallback_train = test.as_ref().and_then(|t| t.spec.clone());
        let fallback_test = train.as_ref().and_then(|t| t.spec.clone());
        let mut test_records = None;
        if let Some(tr) = &train {
            let spec = tr.spec.clone().or(fallback_train);
            self.check_records(tr, spec.as_ref());
        }
        if let Some(te) = &test {
            let spec = te.spec.clone().or(fallback_test);
            test_records = self.check_records(te, spec.as_ref());
        }
        self.progress(Progress::Finish);

        // spec §6: one solution row per test record, `output_dim` columns.
        if let Some((sol_path, sol)) = solution {
            let output_dim = test
                .as_ref()
                .and_then(|t| t.spec.as_ref())
                .or(train.as_ref().and_then(|t| t.spec.as_ref()))
                .map(|s| s.output_dim);
            let expected_rows = test_records.or_else(|| {
                test.as_ref().and_then(|t| t.spec.as_ref()).map(|s| s.sample_count.max(0) as u64)
            });
            if let Some(rows) = expected_rows {
                if sol.rows as u64 != rows {
                    self.out.error(
                        "SOL_ROWS_MISMATCH",
                        Location::file(&sol_path),
                        format!("{} solution rows but {rows} test records", sol.rows),
                    );
                }
            }
            if let Some(dim) = output_dim {
                if sol.rows > 0 && sol.cols as i64 != i64::from(dim) {
                    self.out.error(
                        "SOL_COLS_MISMATCH",
                        Location::file(&sol_path),
                        format!("{} solution columns but output_dim is {dim}", sol.cols),
                    );
                }
            }
            if sol.rows == 1 {
                self.out.warn(
                    "SOL_SINGLE_ROW",
                    Location::file(&sol_path),
                    "a single test row is read by the scorer as one column (spec §6)",
                );
            }
        }
        name
    }

    /// The unlabelled layout of spec §1.3: one test-shaped subset, no solution.
    fn run_unlabelled(&mut self, dir: &Path) -> Option<String> {
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let layout = self.layout_subset(dir, Subset::Unlabelled)?;
        let total = layout
            .record_files
            .iter()
            .filter_map(|p| fs::metadata(p).ok().map(|m| m.len()))
            .sum();
        self.progress(Progress::Start { total_bytes: total });
        let spec = layout.spec.clone();
        self.check_records(&layout, spec.as_ref());
        self.progress(Progress::Finish);
        name
    }

    /// `<name>_label.name`, when present: one class name per line, line i = class i (§1.1).
    fn check_label_names_file(&mut self, dir: &Path, name: &str, spec: &DataSpec) {
        let path = dir.join(format!("{name}_label.name"));
        if !path.is_file() {
            return;
        }
        match fs::read_to_string(&path) {
            Ok(text) => {
                let lines = text.lines().count();
                if lines as i64 != i64::from(spec.output_dim) {
                    self.out.warn(
                        "LABEL_NAMES_COUNT",
                        Location::file(&path),
                        format!("{lines} class names but output_dim is {} (spec §7.2 #10)", spec.output_dim),
                    );
                }
            }
            Err(e) => self.out.warn("LABEL_NAMES_COUNT", Location::file(&path), format!("cannot read: {e}")),
        }
    }

    /// `<name>_feat.name`, when present: one feature name per line, one line per value of a
    /// frame (rows × columns × channels), so a name holding a newline cannot shift the rest.
    fn check_feat_names_file(&mut self, dir: &Path, name: &str, spec: &DataSpec) {
        let path = dir.join(format!("{name}_feat.name"));
        let Some(m) = spec.matrix_spec.first() else { return };
        let (r, c, ch) = (i64::from(m.row_count), i64::from(m.col_count), i64::from(m.effective_channels()));
        if !path.is_file() || r < 1 || c < 1 || ch < 1 {
            return;
        }
        match fs::read_to_string(&path) {
            Ok(text) => {
                let lines = text.lines().count() as i64;
                if lines != r * c * ch {
                    self.out.warn(
                        "FEAT_NAMES_COUNT",
                        Location::file(&path),
                        format!("{lines} feature names but a frame holds {} values ({r}×{c}×{ch})", r * c * ch),
                    );
                }
            }
            Err(e) => self.out.warn("FEAT_NAMES_COUNT", Location::file(&path), format!("cannot read: {e}")),
        }
    }

    /// Solution-file presence and naming (§1.1); parses the one to use.
    fn check_solution_files(
        &mut self,
        dir: &Path,
        solutions: &[&(String, PathBuf)],
        name: Option<&str>,
    ) -> Option<(PathBuf, Solution)> {
        match solutions.len() {
            0 => {
                self.out.warn(
                    "SOL_MISSING",
                    Location::file(dir),
                    "no `<name>.solution`: test labels cannot be checked",
                );
                return None;
            }
            1 => {}
            n => {
                let names: Vec<&str> = solutions.iter().map(|(n, _)| n.as_str()).collect();
                self.out.error(
                    "SOL_MULTIPLE",
                    Location::file(dir),
                    format!("{n} `*.solution` files ({}); scoring needs exactly one", names.join(", ")),
                );
            }
        }
        let chosen = solutions
            .iter()
            .find(|(n, _)| Some(solution_stem(n)) == name)
            .or(solutions.first())
            .copied()?;
        let (sol_name, sol_path) = chosen;
        if let Some(name) = name {
            if solution_stem(sol_name) != name {
                self.out.error(
                    "SOL_NAME_MISMATCH",
                    Location::file(sol_path),
                    format!("solution name `{}` does not match dataset name `{name}`", solution_stem(sol_name)),
                );
            }
        }
        match Solution::read(sol_path) {
            Ok(sol) => {
                self.stats.solution_rows = Some(sol.rows);
                self.stats.solution_cols = Some(sol.cols);
                Some((sol_path.clone(), sol))
            }
            Err(e) => {
                let mut loc = Location::file(sol_path);
                if let Error::Solution { line, .. } = &e {
                    loc.line = Some(*line);
                }
                self.out.error("SOL_PARSE", loc, strip_path(&e));
                None
            }
        }
    }

    /// Lists one subset folder and parses its metadata.
    fn layout_subset(&mut self, data: &Path, subset: Subset) -> Option<SubsetLayout> {
        let dir = data.join(subset.name());
        if !dir.is_dir() {
            self.out.error(
                "LAYOUT_MISSING_SUBSET",
                Location::file(&dir),
                format!("no `{}/` folder", subset.name()),
            );
            return None;
        }
        let entries = list_dir(&dir, &mut self.out)?;
        let metadata_path = dir.join("metadata.textproto");
        let spec = if metadata_path.is_file() {
            self.parse_metadata(&metadata_path)
        } else {
            self.out.error("META_MISSING", Location::file(&metadata_path), "no metadata.textproto");
            None
        };

        let mut record_files = Vec::new();
        for (name, path) in &entries {
            if name.starts_with('.') {
                continue;
            }
            // spec §1.1: record files are exactly the entries whose name starts with `sample`.
            if name.starts_with("sample") {
                if path.is_file() {
                    record_files.push(path.clone());
                } else {
                    self.out.error(
                        "LAYOUT_RECORD_NOT_A_FILE",
                        Location::file(path),
                        "a `sample*` entry that is not a file breaks the reference reader",
                    );
                }
            } else if name != "metadata.textproto" && path.is_file() && looks_like_tfrecord(name, path) {
                self.out.warn(
                    "LAYOUT_NON_SAMPLE_RECORD_FILE",
                    Location::file(path),
                    "looks like a TFRecord file but its name does not start with `sample`: readers ignore it",
                );
            }
        }
        if record_files.is_empty() {
            self.out.error(
                "LAYOUT_NO_RECORD_FILES",
                Location::file(&dir),
                format!("no `sample*` record file in `{}/`", subset.name()),
            );
        }
        if subset != Subset::Train && record_files.len() > 1 {
            self.out.warn(
                "LAYOUT_MULTIPLE_TEST_FILES",
                Location::file(&dir),
                format!(
                    "{} test record files: their read order vs solution rows is ambiguous (spec §1.2)",
                    record_files.len()
                ),
            );
        }
        Some(SubsetLayout { subset, metadata_path, spec, record_files })
    }

    fn parse_metadata(&mut self, path: &Path) -> Option<DataSpec> {
        let text = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    self.out.error("META_PARSE", Location::file(path), format!("not UTF-8 text: {e}"));
                    return None;
                }
            },
            Err(e) => {
                self.out.error("META_PARSE", Location::file(path), format!("cannot read: {e}"));
                return None;
            }
        };
        let parsed = match DataSpec::parse_with_notes(&text, path) {
            Ok(p) => p,
            Err(e) => {
                let (line, message) = match &e {
                    Error::Metadata { line, message, .. } => (Some(*line), message.clone()),
                    other => (None, strip_path(other)),
                };
                let code = if is_unknown_field_message(&message) { "META_UNKNOWN_FIELD" } else { "META_PARSE" };
                let mut loc = Location::file(path);
                loc.line = line;
                if let Error::Metadata { column, .. } = &e {
                    loc.column = Some(*column);
                }
                self.out.error(code, loc, message);
                return None;
            }
        };
        for MetadataNote { line, column, code, message } in &parsed.notes {
            let mut loc = Location::file(path);
            loc.line = Some(*line);
            loc.column = Some(*column);
            self.out.warn(code, loc, message.clone());
        }
        let field_line = |field: &str| {
            parsed.fields.iter().find(|f| f.field == field).map(|f| (f.line, f.column))
        };
        self.check_spec(&parsed.spec, path, &field_line);
        Some(parsed.spec)
    }

    /// Appendix B.2 checks on one metadata file.
    fn check_spec(&mut self, spec: &DataSpec, path: &Path, line_of: &dyn Fn(&str) -> Option<(usize, usize)>) {
        let at = |field: &str| {
            let mut loc = Location::field(path, field);
            if let Some((line, column)) = line_of(field) {
                loc.line = Some(line);
                loc.column = Some(column);
            }
            loc
        };
        if spec.matrix_spec.len() != 1 {
            self.out.error(
                "META_MATRIX_SPEC_COUNT",
                at("matrix_spec"),
                format!("{} matrix_spec blocks; exactly one is supported (spec §3.3)", spec.matrix_spec.len()),
            );
        }
        if spec.output_dim < 1 {
            self.out.error("META_OUTPUT_DIM_INVALID", at("output_dim"), format!("output_dim {} < 1", spec.output_dim));
        }
        if spec.sample_count < 0 {
            self.out.error(
                "META_SAMPLE_COUNT_NEGATIVE",
                at("sample_count"),
                format!("sample_count {} < 0", spec.sample_count),
            );
        }
        if spec.sequence_size == 0 || spec.sequence_size < -1 {
            self.out.error(
                "META_SEQUENCE_SIZE_INVALID",
                at("sequence_size"),
                format!("sequence_size {} is neither -1 nor >= 1", spec.sequence_size),
            );
        }
        if !spec.sequence_size_present {
            self.out.warn(
                "META_LEGACY_NO_SEQUENCE_SIZE",
                Location::field(path, "sequence_size"),
                "no sequence_size line (legacy metadata); the default 1 applies",
            );
        }
        for (i, m) in spec.matrix_spec.iter().enumerate() {
            for (field, value) in [("row_count", m.row_count), ("col_count", m.col_count)] {
                let name = format!("matrix_spec[{i}].{field}");
                if value == 0 || value < -1 {
                    self.out.error("META_SIZE_INVALID", at(&name), format!("{field} {value} is not a valid size"));
                } else if value == -1 && m.format != Format::Compressed {
                    // spec §4.2: -1 (variable) only with COMPRESSED storage.
                    self.out.error(
                        "META_NEGATIVE_SIZE_FORBIDDEN",
                        at(&name),
                        format!("{field} -1 is not allowed with {:?} storage (only COMPRESSED)", m.format),
                    );
                }
            }
            if m.num_channels == 0 || m.num_channels < -1 {
                self.out.error(
                    "META_NUM_CHANNELS_INVALID",
                    at(&format!("matrix_spec[{i}].num_channels")),
                    format!("num_channels {} is neither -1 nor >= 1", m.num_channels),
                );
            }
            if m.is_sparse && m.format != Format::Sparse {
                self.out.warn(
                    "META_IS_SPARSE_CONFLICT",
                    at(&format!("matrix_spec[{i}].is_sparse")),
                    format!("deprecated is_sparse: true but format is {:?}", m.format),
                );
            }
        }
        for (field, map) in [
            ("label_to_index_map", &spec.label_to_index_map),
            ("feature_to_index_map", &spec.feature_to_index_map),
            ("channel_to_index_map", &spec.channel_to_index_map),
        ] {
            if !map_is_contiguous(map) {
                self.out.error(
                    "META_MAP_NOT_CONTIGUOUS",
                    at(field),
                    format!("{field} values are not exactly 0..{} (spec §4.2)", map.len()),
                );
            }
        }
        let labels = spec.label_to_index_map.len();
        if labels > 0 && labels as i64 != i64::from(spec.output_dim) {
            self.out.warn(
                "META_LABEL_MAP_SIZE",
                at("label_to_index_map"),
                format!("{labels} label names but output_dim is {}", spec.output_dim),
            );
        }
    }

    /// spec §4.2: train and test metadata agree on everything but `sample_count`.
    fn compare_specs(&mut self, train: &DataSpec, test: &DataSpec, test_path: &Path) {
        if train.output_dim != test.output_dim {
            self.out.error(
                "META_OUTPUT_DIM_MISMATCH",
                Location::field(test_path, "output_dim"),
                format!("test output_dim {} ≠ train output_dim {}", test.output_dim, train.output_dim),
            );
        }
        let mut differ = Vec::new();
        if train.is_sequence != test.is_sequence {
            differ.push("is_sequence");
        }
        if train.sequence_size != test.sequence_size {
            differ.push("sequence_size");
        }
        if train.matrix_spec != test.matrix_spec {
            differ.push("matrix_spec");
        }
        let sorted = |m: &Vec<(String, i32)>| {
            let mut v = m.clone();
            v.sort();
            v
        };
        if sorted(&train.label_to_index_map) != sorted(&test.label_to_index_map) {
            differ.push("label_to_index_map");
        }
        if sorted(&train.feature_to_index_map) != sorted(&test.feature_to_index_map) {
            differ.push("feature_to_index_map");
        }
        if sorted(&train.channel_to_index_map) != sorted(&test.channel_to_index_map) {
            differ.push("channel_to_index_map");
        }
        if !differ.is_empty() {
            self.out.error(
                "META_TRAIN_TEST_DIFFER",
                Location::field(test_path, differ.join(",")),
                format!("train and test metadata differ in {}", differ.join(", ")),
            );
        }
    }

    /// Reads every record file of a subset. Returns the record count when every file was read
    /// to its end (a framing error makes the count unknown).
    fn check_records(&mut self, layout: &SubsetLayout, spec: Option<&DataSpec>) -> Option<u64> {
        let ctx = spec.map(RecordRules::from_spec);
        let mut subset_stats = SubsetStats {
            subset: layout.subset.name().to_string(),
            sample_count: layout.spec.as_ref().map(|s| s.sample_count),
            ..SubsetStats::default()
        };
        let mut complete = true;
        // The classes met, not one flag per declared class: memory follows the records, never
        // a declared output_dim (issue 22: output_dim 2147483647 cost 16.9 GB).
        let mut class_seen: HashSet<u64> = HashSet::new();
        let output_dim = ctx.as_ref().map_or(0, |c| c.output_dim);
        let mut test_position = 0u64;
        for path in &layout.record_files {
            let fs_stats = self.check_file(
                path,
                layout.subset,
                ctx.as_ref(),
                &mut class_seen,
                &mut test_position,
            );
            complete &= fs_stats.complete;
            subset_stats.records += fs_stats.records;
            subset_stats.files.push(fs_stats);
        }
        let records = subset_stats.records;
        if let Some(own) = &layout.spec {
            if complete && own.sample_count >= 0 && own.sample_count as u64 != records {
                self.out.error(
                    "META_SAMPLE_COUNT_MISMATCH",
                    Location::field(&layout.metadata_path, "sample_count"),
                    format!("sample_count is {} but the {} files hold {records} records", own.sample_count, layout.subset.name()),
                );
            }
        }
        if layout.subset == Subset::Train && complete && records > 0 && output_dim > 0 {
            let unused = output_dim - class_seen.len().min(output_dim);
            if unused > 0 {
                // At most 10 + |seen| steps, whatever output_dim says.
                let list: Vec<String> = (0..output_dim as u64).filter(|i| !class_seen.contains(i)).take(10).map(|i| i.to_string()).collect();
                let more = if unused > 10 { ", …" } else { "" };
                self.out.warn(
                    "LABEL_CLASS_UNUSED",
                    Location::field(&layout.metadata_path, "output_dim"),
                    format!("{unused} of {output_dim} classes never appear in training records: {}{more}", list.join(", ")),
                );
            }
        }
        self.stats.subsets.push(subset_stats);
        complete.then_some(records)
    }

    fn check_file(
        &mut self,
        path: &Path,
        subset: Subset,
        rules: Option<&RecordRules>,
        class_seen: &mut HashSet<u64>,
        test_position: &mut u64,
    ) -> FileStats {
        let mut stats = FileStats { file: path.to_path_buf(), ..FileStats::default() };
        let supplied = self.source.as_mut().and_then(|source| source(path));
        let mut reader = match supplied {
            Some((r, len)) => {
                stats.bytes = len;
                TfRecordReader::new(r, path, Some(len))
            }
            None => match File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
                Ok((len, f)) => {
                    stats.bytes = len;
                    let r: Box<dyn Read> = Box::new(std::io::BufReader::with_capacity(1 << 16, f));
                    TfRecordReader::new(r, path, Some(len))
                }
                Err(e) => {
                    self.out.error("TFR_IO", Location::file(path), strip_path(&Error::io(path, e)));
                    return stats;
                }
            },
        };
        let mut labelled_tests = 0u64;
        let mut reported = 0u64;
        loop {
            let payload_len = match reader.next_record() {
                Ok(Some(rec)) => {
                    let loc = Location::record(path, rec.index, rec.offset);
                    match example::decode(rec.payload) {
                        Ok(ex) => {
                            let labelled = self.check_example(&ex, loc, subset, rules, class_seen, *test_position);
                            labelled_tests += u64::from(subset != Subset::Train && labelled);
                        }
                        Err(e) => self.out.error(e.code, loc, e.message),
                    }
                    rec.payload.len() as u64
                }
                Ok(None) => {
                    stats.complete = true;
                    break;
                }
                Err(e) => {
                    match &e {
                        Error::Framing { record, offset, kind, .. } => {
                            self.out.error(
                                kind.code(),
                                Location::record(path, *record, *offset),
                                format!("{kind}; the rest of the file is not read"),
                            );
                        }
                        other => self.out.error("TFR_IO", Location::file(path), strip_path(other)),
                    }
                    break;
                }
            };
            stats.records += 1;
            if subset == Subset::Test {
                *test_position += 1;
            }
            let read = payload_len + FRAMING_BYTES;
            self.stats.bytes_read += read;
            reported += read;
            if reported >= 1 << 22 {
                self.progress(Progress::Advance { bytes: reported });
                reported = 0;
            }
        }
        let left = stats.bytes.saturating_sub(reader.position());
        self.progress(Progress::Advance { bytes: reported + left });
        if labelled_tests > 0 {
            // spec §1.3: legacy test files keep the true class; readers must ignore it.
            self.out.warn(
                "LEGACY_TEST_LABELS",
                Location::file(path),
                format!(
                    "{labelled_tests} of {} {} records carry labels (legacy; ignored, the solution is authoritative)",
                    stats.records,
                    subset.name()
                ),
            );
        }
        stats
    }

    /// Appendix B.4/B.5/B.7 checks of one decoded record. Returns whether it carries labels.
    fn check_example(
        &mut self,
        ex: &AutoDlExample,
        loc: Location,
        subset: Subset,
        rules: Option<&RecordRules>,
        class_seen: &mut HashSet<u64>,
        test_position: u64,
    ) -> bool {
        if let Some(id) = ex.id {
            if !self.ids.insert(id) {
                self.out.warn("DUPLICATE_ID", loc.clone().with_field("id"), format!("id {id} already used by another record"));
            }
            if subset == Subset::Test && id as u64 != test_position {
                self.out.warn(
                    "TEST_ID_NOT_POSITION",
                    loc.clone().with_field("id"),
                    format!("test record at position {test_position} has id {id}; ids should equal solution rows (spec §1.4)"),
                );
            }
        }
        let labelled = ex.has_labels();
        if subset == Subset::Train {
            if !labelled {
                self.out.warn("TRAIN_RECORD_UNLABELLED", loc.clone().with_field("label_index"), "training record without labels");
            }
            if let Some(r) = rules {
                let mut seen = HashSet::new();
                for (i, s) in ex.labels() {
                    if i < 0 || i as u64 >= r.output_dim as u64 {
                        self.out.error(
                            "LABEL_INDEX_OUT_OF_RANGE",
                            loc.clone().with_field("label_index"),
                            format!("label index {i} outside [0, {})", r.output_dim),
                        );
                        continue;
                    }
                    if !seen.insert(i) {
                        self.out.error(
                            "LABEL_INDEX_DUPLICATE",
                            loc.clone().with_field("label_index"),
                            format!("label index {i} listed twice"),
                        );
                    }
                    class_seen.insert(i as u64);
                    if !s.is_finite() {
                        self.out.error(
                            "LABEL_SCORE_NON_FINITE",
                            loc.clone().with_field("label_score"),
                            format!("score {s} for class {i}"),
                        );
                    }
                }
            }
        }
        let Some(r) = rules else { return labelled };
        let frames = ex.frames.num_frames();
        if ex.frames.format() != r.format {
            self.out.error(
                "FORMAT_MISMATCH",
                loc.clone(),
                format!("record stores {:?} frames but the metadata says {:?}", ex.frames.format(), r.format),
            );
            return labelled;
        }
        if frames == 0 {
            self.out.error("EXAMPLE_NO_FRAMES", loc.clone(), "record holds no frame (at least one required)");
        } else if r.sequence_size > 0 && frames as i64 != i64::from(r.sequence_size) {
            let msg = format!("{frames} frames but sequence_size is {}", r.sequence_size);
            if r.format == Format::Dense {
                self.out.error("SEQUENCE_SIZE_MISMATCH", loc.clone(), msg);
            } else {
                self.out.warn("SEQUENCE_SIZE_MISMATCH", loc.clone(), msg);
            }
        }
        match &ex.frames {
            Frames::Dense { values, offsets } => {
                if let Some(expected) = r.dense_frame_len {
                    if let Some(t) = offsets.windows(2).position(|w| w[1] - w[0] != expected) {
                        self.out.error(
                            "DENSE_FRAME_LENGTH",
                            loc.clone().with_field(format!("{}[{t}]", example::KEY_DENSE)),
                            format!(
                                "frame {t} holds {} floats, expected H·W·C = {expected}",
                                offsets[t + 1] - offsets[t]
                            ),
                        );
                    }
                }
                if let Some(vocab) = r.vocabulary {
                    // spec §5.4: token t is stored as the float value of its vocabulary index.
                    if let Some(pos) = values.iter().position(|&v| !(v >= 0.0 && v.fract() == 0.0 && (v as usize) < vocab)) {
                        let t = offsets.partition_point(|&o| o <= pos).saturating_sub(1);
                        self.out.warn(
                            "TEXT_TOKEN_OUT_OF_RANGE",
                            loc.clone().with_field(format!("{}[{t}]", example::KEY_DENSE)),
                            format!("token value {} is not an index of the {vocab}-entry vocabulary", values[pos]),
                        );
                    }
                }
                if !values.iter().all(|v| v.is_finite()) {
                    let pos = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
                    let bad = values[pos];
                    let t = offsets.partition_point(|&o| o <= pos).saturating_sub(1);
                    let field = format!("{}[{t}]", example::KEY_DENSE);
                    let infinite = values.iter().any(|v| v.is_infinite());
                    if r.tabular && !infinite {
                        self.out.warn(
                            "DENSE_NAN",
                            loc.clone().with_field(field),
                            "NaN in tabular data (the converter's missing value, spec §5.5)",
                        );
                    } else {
                        self.out.error(
                            "DENSE_NON_FINITE",
                            loc.clone().with_field(field),
                            format!("non-finite value {bad} at position {} of frame {t}", pos - offsets[t]),
                        );
                    }
                }
            }
            Frames::Compressed(images) => {
                let mut first_size = None;
                for (t, bytes) in images.iter().enumerate() {
                    let field = format!("{}[{t}]", example::KEY_COMPRESSED);
                    match image::guess_format(bytes) {
                        Ok(image::ImageFormat::Gif) => self.out.warn(
                            "COMPRESSED_GIF",
                            loc.clone().with_field(field.clone()),
                            "GIF frame: the reference decoder returns 4-D tensors for GIF (spec §3.3)",
                        ),
                        Ok(_) => {}
                        Err(_) => {
                            self.out.error(
                                "COMPRESSED_UNKNOWN_FORMAT",
                                loc.clone().with_field(field),
                                format!("frame {t} ({} bytes) is not a known image format", bytes.len()),
                            );
                            continue;
                        }
                    }
                    if !self.opts.deep {
                        continue;
                    }
                    self.stats.frames_decoded += 1;
                    match decode_frame(bytes) {
                        Ok((w, h)) => {
                            if let Some((rh, rw)) = r.fixed_size {
                                if (h, w) != (rh, rw) {
                                    self.out.error(
                                        "COMPRESSED_SIZE_MISMATCH",
                                        loc.clone().with_field(field.clone()),
                                        format!("frame {t} is {h}×{w} (H×W) but the metadata fixes {rh}×{rw}"),
                                    );
                                }
                            }
                            match first_size {
                                None => first_size = Some((h, w)),
                                Some(s) if s != (h, w) => {
                                    self.out.error(
                                        "COMPRESSED_FRAME_SIZES_DIFFER",
                                        loc.clone().with_field(field),
                                        format!("frame {t} is {h}×{w} but frame 0 is {}×{}", s.0, s.1),
                                    );
                                }
                                Some(_) => {}
                            }
                        }
                        Err(msg) => {
                            self.out.error("COMPRESSED_UNDECODABLE", loc.clone().with_field(field), format!("frame {t}: {msg}"))
                        }
                    }
                }
            }
            Frames::Sparse(sparse) => {
                for (t, f) in sparse.iter().enumerate() {
                    let check = |list: &[i64], bound: i64| list.iter().find(|&&i| i < 0 || (bound > 0 && i >= bound)).copied();
                    let mut bad = Vec::new();
                    if let Some(i) = check(&f.row, r.rows) {
                        bad.push(format!("row {i} (row_count {})", r.rows));
                    }
                    if let Some(i) = check(&f.col, r.cols) {
                        bad.push(format!("col {i} (col_count {})", r.cols));
                    }
                    if let Some(ch) = &f.channel {
                        if let Some(i) = check(ch, r.channels) {
                            bad.push(format!("channel {i} (num_channels {})", r.channels));
                        }
                    }
                    if !bad.is_empty() {
                        self.out.error(
                            "SPARSE_INDEX_OUT_OF_RANGE",
                            loc.clone().with_field(format!("sparse frame {t}")),
                            format!("frame {t}: index out of range: {}", bad.join(", ")),
                        );
                    }
                }
            }
        }
        labelled
    }
}

/// The metadata facts every record is checked against.
struct RecordRules {
    output_dim: usize,
    format: Format,
    sequence_size: i32,
    /// H·W·C for dense data with a known shape.
    dense_frame_len: Option<usize>,
    /// (H, W) when both are fixed (compressed size check).
    fixed_size: Option<(u32, u32)>,
    rows: i64,
    cols: i64,
    channels: i64,
    tabular: bool,
    /// Text: dense values are indices into a vocabulary of this size (spec §5.4).
    vocabulary: Option<usize>,
}

impl RecordRules {
    fn from_spec(spec: &DataSpec) -> Self {
        let m = spec.matrix_spec.first().cloned().unwrap_or_default();
        let c = m.effective_channels();
        let dense_frame_len = (m.row_count > 0 && m.col_count > 0 && c > 0)
            .then(|| m.row_count as usize * m.col_count as usize * c as usize);
        let fixed_size = (m.row_count > 0 && m.col_count > 0).then_some((m.row_count as u32, m.col_count as u32));
        RecordRules {
            output_dim: spec.output_dim.max(0) as usize,
            format: m.format,
            sequence_size: spec.sequence_size,
            dense_frame_len,
            fixed_size,
            rows: i64::from(m.row_count),
            cols: i64::from(m.col_count),
            channels: i64::from(c),
            tabular: infer_domain(spec) == Domain::Tabular,
            vocabulary: (infer_domain(spec) == Domain::Text && m.format == Format::Dense)
                .then_some(spec.channel_to_index_map.len()),
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
        Error::Io { source, .. } => source.to_string(),
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
