//! `audit`: what in an AutoDL dataset should be fixed before it is trained or rated (issue 17,
//! first slice). One streaming pass keeps a 128-bit content hash and the labels of every
//! example — never the examples — and finds:
//! - exact duplicates within train, within test, across train↔test (leakage), and identical
//!   examples with different labels (conflicts; test labels from the `.solution`);
//! - class facts: counts, imbalance, classes with fewer than k train examples, test classes
//!   absent from train;
//! - for tables: constant and all-missing columns, and columns that predict the label alone.
//!
//! Modules: [`scan`] (the pass and the hash), [`duplicates`], [`classes`], [`columns`],
//! [`report`] (the JSON shape, schema `schemas/audit-report.schema.json`).

pub mod classes;
pub mod columns;
pub mod duplicates;
pub mod error;
pub mod report;
pub mod scan;

use std::path::Path;

use formats::dataset::DatasetReader;
use formats::inspect::infer_domain;
use serde::Serialize;

pub use error::AuditError;
pub use report::{AuditReport, ExampleRef, Finding, FindingKind, Severity};

/// Thresholds of the checks (all in the report, so a reader knows what was asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditOptions {
    /// A class with fewer train examples than this is rare.
    pub min_class_examples: usize,
    /// Largest / smallest train class at or above this is reported as imbalance.
    pub imbalance_ratio: f64,
    /// A column whose AUC reaches this predicts the label alone.
    pub leakage_auc: f64,
    /// Train values (rows × columns) kept for the column AUCs; the first rows up to it are used.
    pub max_auc_values: usize,
    /// Examples listed per finding (the count is always complete).
    pub max_examples_per_finding: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            min_class_examples: 5,
            imbalance_ratio: 10.0,
            leakage_auc: 0.99,
            max_auc_values: 20_000_000,
            max_examples_per_finding: 50,
        }
    }
}

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

    let mut findings = duplicates::find(&mut scan.entries, opts.max_examples_per_finding);
    scan.entries.sort_unstable_by_key(|e| (e.subset != formats::dataset::Subset::Train, e.index));
    let (classes, class_findings) = classes::facts(&scan.entries, output_dim, names.as_deref(), opts);
    findings.extend(class_findings);
    let columns = scan.columns.map(|c| {
        let (facts, found) = c.finish(opts);
        findings.extend(found);
        facts
    });
    findings.sort_by_key(|f| f.kind);
    Ok(AuditReport {
        dataset: dir.to_path_buf(),
        name: reader.name().to_string(),
        domain,
        subsets: scan.counts.iter().map(|&(subset, examples)| report::SubsetCount { subset, examples }).collect(),
        options: opts.clone(),
        classes,
        columns,
        summary: report::summarise(&findings),
        findings,
    })
}
