//! `audit`: what in an AutoDL dataset should be fixed before it is trained or rated (issue 17).
//! One streaming pass keeps a 128-bit content hash, the labels and a small sketch of every
//! example — never the examples — and finds:
//! - exact duplicates within train, within test, across train↔test (leakage), and identical
//!   examples with different labels (conflicts; test labels from the `.solution`);
//! - class facts: counts, imbalance, classes with fewer than k train examples, test classes
//!   absent from train;
//! - for tables: constant and all-missing columns, and columns that predict the label alone;
//! - near duplicates (within train, within test, train↔test) by locality-sensitive hashing of a
//!   per-domain fingerprint kept in the same pass ([`sketch`], [`near`]);
//! - outliers by k-nearest-neighbour distance in a small feature space ([`outliers`]);
//! - suspect labels by confident learning on cross-fitted probabilities ([`labels`]).
//!
//! The costly checks obey a time budget ([`budget`]); examples of raw input are named by their
//! input file or row ([`AuditReport::name_sources`]).
//!
//! Modules: [`options`] (the thresholds), [`scan`] (the pass and the hash), [`duplicates`],
//! [`classes`], [`columns`], [`checks`] (sketch-based findings), [`report`] (the JSON shape,
//! schema `schemas/audit-report.schema.json`).

pub mod budget;
pub mod checks;
pub mod classes;
pub mod columns;
pub mod duplicates;
pub mod error;
pub mod labels;
pub mod near;
pub mod options;
pub mod outliers;
pub mod report;
pub mod scan;
pub mod section;
pub mod sketch;

use std::path::Path;

use formats::dataset::DatasetReader;
use formats::inspect::infer_domain;

pub use error::AuditError;
pub use options::AuditOptions;
pub use report::{AuditReport, ExampleRef, Finding, FindingKind, Severity};

/// Audits the AutoDL dataset in `dir` (a folder holding `<name>.data/`).
pub fn audit_dataset(dir: &Path, opts: &AuditOptions) -> Result<AuditReport, AuditError> {
    audit_dataset_with_progress(dir, opts, &|_| {})
}

/// Records announced by the metadata (`sample_count` of each subset), for a progress bar;
/// `None` when the dataset cannot be opened or a count is missing.
pub fn announced_records(dir: &Path) -> Option<u64> {
    let reader = DatasetReader::open(dir).ok()?;
    reader.subsets().iter().map(|&s| reader.spec(s).and_then(|d| u64::try_from(d.sample_count).ok())).sum()
}

/// [`audit_dataset`], calling `progress` with the number of records read so far.
pub fn audit_dataset_with_progress(dir: &Path, opts: &AuditOptions, progress: &dyn Fn(u64)) -> Result<AuditReport, AuditError> {
    audit_with_probabilities(dir, opts, progress).map(|(report, _)| report)
}

/// The audit and the out-of-sample probabilities behind the suspect labels (when computed).
pub fn audit_with_probabilities(dir: &Path, opts: &AuditOptions, progress: &dyn Fn(u64)) -> Result<(AuditReport, Option<checks::Probabilities>), AuditError> {
    let deadline = budget::Deadline::new(opts.time_budget);
    let reader = DatasetReader::open(dir)?;
    let first = reader.subsets().first().copied();
    let spec = first.and_then(|s| reader.spec(s)).ok_or_else(|| AuditError::Dataset {
        path: dir.to_path_buf(),
        message: "no subset with metadata".into(),
    })?;
    let domain = infer_domain(spec);
    let output_dim = spec.output_dim.max(0) as u32;
    let names = reader.label_names()?;
    let mut scan = scan::scan(&reader, domain, opts, progress)?;
    // before the duplicate check sorts the entries: the sketches follow the scan order
    let checked = checks::run(&scan.entries, &scan.sketches, output_dim, opts, &deadline);
    // the sketches are done with: their memory goes before the findings are assembled
    scan.sketches = sketch::Sketches::new(domain);

    let mut findings = duplicates::find(&mut scan.entries, opts.max_examples_per_finding);
    findings.extend(checked.findings);
    scan.entries.sort_unstable_by_key(|e| (e.subset != formats::dataset::Subset::Train, e.index));
    let (classes, class_findings) = classes::facts(&scan.entries, output_dim, names.as_deref(), opts);
    findings.extend(class_findings);
    let columns = scan.columns.map(|c| {
        let (facts, found) = c.finish(opts);
        findings.extend(found);
        facts
    });
    findings.sort_by_key(|f| f.kind);
    let report = AuditReport {
        dataset: dir.to_path_buf(),
        input: None,
        budget: opts.time_budget.map(|seconds| report::BudgetFacts { seconds, elapsed: deadline.elapsed(), skipped: checked.skipped }),
        name: reader.name().to_string(),
        domain,
        subsets: scan.counts.iter().map(|&(subset, examples)| report::SubsetCount { subset, examples }).collect(),
        options: opts.clone(),
        classes,
        columns,
        near: Some(checked.near),
        outliers: checked.outliers,
        labels: checked.labels,
        summary: report::summarise(&findings),
        findings,
    };
    Ok((report, checked.probabilities))
}
