//! Writing a converted dataset: records streamed through [`formats::dataset::DatasetWriter`]
//! (atomic: a temporary folder renamed at the end), test subset first (spec §1.4), the skip
//! report as a side file, then the validator on the finished folder.
//!
//! Use: [`DatasetJob::start`] → [`DatasetJob::write_subset`] for test, then for train →
//! [`DatasetJob::finish`] with the metadata. Dropping a job before `finish` leaves nothing.

use std::path::{Path, PathBuf};

use formats::dataset::{DatasetSummary, DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::DataSpec;
use formats::solution::SolutionStyle;
use formats::validate::{validate, Report, Severity, ValidateOptions};

use crate::error::{ConvertError, ItemError, Result};
use crate::interrupt::{self, WritingGuard};
use crate::labels::Labels;
use crate::pipeline::{convert_ordered, DEFAULT_CHUNK};
use crate::policy::{ErrorPolicy, SkipReport};
use crate::progress::Progress;
use crate::split::{check_sizes, SplitOptions, Subset};

/// What every conversion shares: where the dataset goes, how it is named and written, and how
/// inputs are split and skipped.
#[derive(Debug, Clone)]
pub struct Common {
    /// The dataset folder to create.
    pub out: PathBuf,
    /// Dataset name (default: `private.info`'s name, else the input's name).
    pub name: Option<String>,
    /// Replace `out` when it is an earlier dataset.
    pub force: bool,
    /// No progress bars.
    pub quiet: bool,
    /// fsync the dataset around its final rename ([`OutputTarget::fsync`]).
    pub fsync: bool,
    pub split: SplitOptions,
    pub policy: ErrorPolicy,
}

impl Common {
    /// `out` with `convert`'s defaults for the rest (name from the input, no replacing,
    /// progress shown, default split and error policy).
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Common { out: out.into(), name: None, force: false, quiet: false, fsync: false, split: SplitOptions::default(), policy: ErrorPolicy::default() }
    }

    /// The output of the dataset `name`, counting `what` ("images", "rows").
    pub fn target(&self, name: impl Into<String>, what: &str) -> OutputTarget {
        OutputTarget { force: self.force, quiet: self.quiet, fsync: self.fsync, what: what.into(), ..OutputTarget::new(&self.out, name) }
    }
}

/// Where and how to write.
#[derive(Debug, Clone)]
pub struct OutputTarget {
    /// The dataset folder to create (holds `<name>.data/`, `<name>.solution`, side files).
    pub out_dir: PathBuf,
    pub name: String,
    /// Replace an existing `out_dir`.
    pub force: bool,
    pub quiet: bool,
    /// What one item is, for the progress bar ("images", "rows", "documents").
    pub what: String,
    /// Items converted per parallel chunk (bounds memory).
    pub chunk_size: usize,
    pub solution_style: SolutionStyle,
    /// Run the validator in deep mode (decode every compressed frame).
    pub deep_validate: bool,
    /// `--fsync`: make the finished dataset durable across a power loss
    /// ([`WriterOptions::fsync`]); the rename keeps it all-or-nothing either way.
    pub fsync: bool,
}

impl OutputTarget {
    pub fn new(out_dir: impl Into<PathBuf>, name: impl Into<String>) -> Self {
        OutputTarget {
            out_dir: out_dir.into(),
            name: name.into(),
            force: false,
            quiet: false,
            what: "items".into(),
            chunk_size: DEFAULT_CHUNK,
            solution_style: SolutionStyle::Generic,
            deep_validate: false,
            fsync: false,
        }
    }
}

/// One converted example: its tensor, its labels, and modality facts for the metadata.
#[derive(Debug, Clone)]
pub struct Converted<M> {
    pub frames: Frames,
    pub labels: Labels,
    pub meta: M,
}

/// What a finished conversion produced.
#[derive(Debug, Clone)]
pub struct Written {
    pub summary: DatasetSummary,
    /// `<out>/<name>_skipped.tsv` when something was skipped.
    pub skip_report: Option<PathBuf>,
    pub skipped: usize,
    /// The validator's report (valid; may hold warnings).
    pub validation: Report,
    /// Where each record came from, when the converter kept it (per-file folders); not written
    /// into the dataset, so the output bytes do not depend on it (`audit` names examples by it).
    pub sources: Option<RecordSources>,
}

/// The input of every record, in record order per subset: a path relative to the input folder,
/// or a table's / corpus's 1-based data row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSources {
    pub test: Vec<String>,
    pub train: Vec<String>,
}

/// A dataset being written.
pub struct DatasetJob {
    target: OutputTarget,
    writer: DatasetWriter,
    progress: Progress,
    // Declared after `writer`: cleared only once the writer's Drop has removed the temp folder.
    _writing: WritingGuard,
}

impl DatasetJob {
    /// Prepares the temporary output; `total` sizes the progress bar. Fails when `out_dir`
    /// exists and `force` is off.
    pub fn start(target: OutputTarget, total: u64) -> Result<DatasetJob> {
        let writing = WritingGuard::new();
        let writer = DatasetWriter::create(
            &target.out_dir,
            &target.name,
            WriterOptions { force: target.force, solution_style: target.solution_style, fsync: target.fsync },
        )?;
        let progress = Progress::new(total, &target.what, target.quiet);
        let job = DatasetJob { target, writer, progress, _writing: writing };
        // A signal that came while the folder was being created: dropping `job` removes it.
        interrupt::check()?;
        Ok(job)
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The writer itself, for converters that stream records in one sequential read instead
    /// of [`DatasetJob::write_subset`] (tables, corpora). Test records still come first.
    pub fn writer_mut(&mut self) -> &mut DatasetWriter {
        &mut self.writer
    }

    /// Converts `items[i]` for every `i` in `order` (in parallel chunks), appends the results
    /// to `subset` in `order`, and hands each result's `meta` to `observe`. Failed items go
    /// to `report`. Call for [`Subset::Test`] before [`Subset::Train`].
    pub fn write_subset<I, M, F, O>(
        &mut self,
        subset: Subset,
        items: &[I],
        order: &[usize],
        report: &mut SkipReport,
        convert: F,
        mut observe: O,
    ) -> Result<()>
    where
        I: Sync,
        M: Send,
        F: Fn(&I) -> std::result::Result<Converted<M>, ItemError> + Sync,
        O: FnMut(&M) + Send,
    {
        let writer = &mut self.writer;
        let progress = &self.progress;
        let interrupted = || ItemError::new("", "interrupted");
        let convert_one = |&i: &usize| if interrupt::received().is_some() { Err(interrupted()) } else { convert(&items[i]) };
        convert_ordered(order, self.target.chunk_size, convert_one, |_, result| {
            interrupt::check()?;
            progress.inc(1);
            let c = match result {
                Ok(c) => c,
                Err(e) => return report.record(e),
            };
            let (index, score) = (c.labels.indices(), c.labels.scores());
            match subset {
                Subset::Test => writer.push_test(&c.frames, &index, &score)?,
                Subset::Train => writer.push_train(&c.frames, &index, &score)?,
            };
            observe(&c.meta);
            Ok(())
        })
    }

    /// Checks the subset sizes, writes the skip report, metadata (with `sample_count` filled
    /// per subset), solution and label names, moves the folder into place and validates it.
    /// An invalid result is removed and reported as [`ConvertError::Validation`].
    pub fn finish(mut self, spec: DataSpec, label_names: Option<&[String]>, report: &SkipReport) -> Result<Written> {
        self.progress.finish();
        interrupt::check()?;
        check_sizes(self.writer.test_records() as usize, self.writer.train_records() as usize)?;
        let name = self.target.name.clone();
        if !report.is_empty() {
            self.writer.write_side_file(&SkipReport::file_name(&name), report.render().as_bytes())?;
        }
        let summary = self.writer.finish(spec, label_names)?;
        let validation = validate_or_remove(&summary.root, self.target.deep_validate)?;
        let skip_report = (!report.is_empty()).then(|| summary.root.join(SkipReport::file_name(&name)));
        Ok(Written { summary, skip_report, skipped: report.len(), validation, sources: None })
    }

    /// The dataset folder this job will create.
    pub fn out_dir(&self) -> &Path {
        &self.target.out_dir
    }
}

/// Validates the output just moved to `root`; an invalid one is removed (never leave an
/// invalid dataset behind: output complete or absent) and reported with its first errors.
/// Name files of our own making must match the data exactly, so their count findings (only
/// warnings for old kits) count as errors here.
pub fn validate_or_remove(root: &Path, deep: bool) -> Result<Report> {
    let validation = validate(root, &ValidateOptions { deep, ..Default::default() });
    let own_errors =
        |f: &&formats::validate::Finding| f.severity == Severity::Error || matches!(f.code, "LABEL_NAMES_COUNT" | "FEAT_NAMES_COUNT");
    if validation.findings.iter().any(|f| own_errors(&f)) {
        let errors: Vec<String> = validation
            .findings
            .iter()
            .filter(own_errors)
            .take(5)
            .map(|f| format!("{} {}: {}", f.code, f.location.file.display(), f.message))
            .collect();
        let _ = std::fs::remove_dir_all(root);
        return Err(ConvertError::Validation {
            path: root.to_path_buf(),
            summary: format!("{} error(s): {}", validation.findings.iter().filter(own_errors).count(), errors.join("; ")),
        });
    }
    Ok(validation)
}
