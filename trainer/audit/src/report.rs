//! What an audit finds, as serialised to JSON (schema: `schemas/audit-report.schema.json`).

use std::path::PathBuf;

use formats::dataset::Subset;
use formats::inspect::Domain;
use serde::{Serialize, Serializer};

/// How serious a finding is: `error` findings make a score meaningless (leakage, conflicts,
/// a column that gives the label away); `warning` ones deserve a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Every kind of finding; the snake_case names are the JSON values and the `--fail-on` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Identical train examples (same content, whatever the id).
    DuplicateTrain,
    /// Identical test examples.
    DuplicateTest,
    /// Identical examples of an unlabelled set.
    DuplicateUnlabelled,
    /// A test example whose content also sits in train.
    Leakage,
    /// Identical examples with different labels.
    Conflict,
    /// Most frequent / least frequent train class ≥ the imbalance threshold.
    ClassImbalance,
    /// A class with fewer than k train examples.
    RareClass,
    /// A class present in test but absent from train.
    TestClassNotInTrain,
    /// A table column that holds one value (missing values aside).
    ConstantColumn,
    /// A table column where every value is missing (NaN).
    MissingColumn,
    /// A table column that predicts the whole label alone (AUC ≥ threshold).
    ColumnLeakage,
    /// A table column that separates one class from the rest (one-vs-rest AUC ≥ threshold).
    ColumnSeparatesClass,
    /// Two train examples that are nearly the same (perceptual hash, MinHash, standardised row).
    NearDuplicateTrain,
    /// Two nearly identical test examples.
    NearDuplicateTest,
    /// Two nearly identical examples of an unlabelled set.
    NearDuplicateUnlabelled,
    /// A test example nearly identical to a train example.
    NearLeakage,
    /// An example far from all others in the feature space (k-nearest-neighbour distance).
    Outlier,
    /// A train example whose label confident learning doubts.
    SuspectLabel,
}

impl FindingKind {
    pub const ALL: [FindingKind; 18] = [
        FindingKind::DuplicateTrain,
        FindingKind::DuplicateTest,
        FindingKind::DuplicateUnlabelled,
        FindingKind::Leakage,
        FindingKind::Conflict,
        FindingKind::ClassImbalance,
        FindingKind::RareClass,
        FindingKind::TestClassNotInTrain,
        FindingKind::ConstantColumn,
        FindingKind::MissingColumn,
        FindingKind::ColumnLeakage,
        FindingKind::ColumnSeparatesClass,
        FindingKind::NearDuplicateTrain,
        FindingKind::NearDuplicateTest,
        FindingKind::NearDuplicateUnlabelled,
        FindingKind::NearLeakage,
        FindingKind::Outlier,
        FindingKind::SuspectLabel,
    ];

    /// The JSON / command-line name.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::DuplicateTrain => "duplicate_train",
            FindingKind::DuplicateTest => "duplicate_test",
            FindingKind::DuplicateUnlabelled => "duplicate_unlabelled",
            FindingKind::Leakage => "leakage",
            FindingKind::Conflict => "conflict",
            FindingKind::ClassImbalance => "class_imbalance",
            FindingKind::RareClass => "rare_class",
            FindingKind::TestClassNotInTrain => "test_class_not_in_train",
            FindingKind::ConstantColumn => "constant_column",
            FindingKind::MissingColumn => "missing_column",
            FindingKind::ColumnLeakage => "column_leakage",
            FindingKind::ColumnSeparatesClass => "column_separates_class",
            FindingKind::NearDuplicateTrain => "near_duplicate_train",
            FindingKind::NearDuplicateTest => "near_duplicate_test",
            FindingKind::NearDuplicateUnlabelled => "near_duplicate_unlabelled",
            FindingKind::NearLeakage => "near_leakage",
            FindingKind::Outlier => "outlier",
            FindingKind::SuspectLabel => "suspect_label",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            FindingKind::Leakage | FindingKind::Conflict | FindingKind::ColumnLeakage => Severity::Error,
            FindingKind::ClassImbalance | FindingKind::Outlier => Severity::Info,
            _ => Severity::Warning,
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for FindingKind {
    type Err = String;

    fn from_str(s: &str) -> Result<FindingKind, String> {
        FindingKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            let names: Vec<_> = FindingKind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown finding kind {s:?} (one of: {})", names.join(", "))
        })
    }
}

fn subset_name<S: Serializer>(subset: &Subset, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(subset.dir_name())
}

/// One example named so its owner can find it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleRef {
    #[serde(serialize_with = "subset_name")]
    pub subset: Subset,
    /// 0-based position in the subset (record files in name order); for test, the `.solution` row.
    pub index: u64,
    /// The record's `id` context value, when it has one.
    pub id: Option<i64>,
    /// Class indices of the example (train: the record; test: the solution row); absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<u32>>,
    /// Raw input only: the input file (path relative to the input) or the 1-based data row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ExampleRef {
    /// "train #3", with the id and the input it came from when known.
    pub fn display(&self, tabular_rows: bool) -> String {
        let mut s = format!("{} #{}", self.subset, self.index);
        if let Some(id) = self.id {
            s.push_str(&format!(" (id {id})"));
        }
        if let Some(src) = &self.source {
            // a number is a data row of a table or CSV corpus, anything else a file
            if tabular_rows && src.bytes().all(|b| b.is_ascii_digit()) {
                s.push_str(&format!(" row {src}"));
            } else {
                s.push_str(&format!(" {src}"));
            }
        }
        s
    }
}

/// A table column, by position and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnRef {
    pub index: usize,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub message: String,
    /// The examples involved (at most `max_examples_per_finding`; `example_count` has them all).
    pub examples: Vec<ExampleRef>,
    pub example_count: u64,
    /// 128-bit content hash (hex) shared by a duplicate group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<ColumnRef>,
    /// The measured value behind the finding (imbalance ratio, AUC, count, similarity of a
    /// near pair, k-NN distance of an outlier, confidence of a suggested label).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Suspect labels: the class the out-of-sample model prefers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_class: Option<u32>,
}

impl Finding {
    /// A finding of `kind` at its kind's severity, with nothing attached yet.
    pub fn new(kind: FindingKind, message: String) -> Finding {
        Finding {
            kind,
            severity: kind.severity(),
            message,
            examples: Vec::new(),
            example_count: 0,
            content_hash: None,
            class: None,
            column: None,
            value: None,
            suggested_class: None,
        }
    }
}

/// Train and test count of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassCount {
    pub index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub train: u64,
    pub test: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassFacts {
    pub output_dim: u32,
    pub classes: Vec<ClassCount>,
    /// Largest / smallest train count among classes with at least one train example.
    pub imbalance_ratio: Option<f64>,
    /// Classes with fewer than `min_class_examples` train examples.
    pub rare_classes: Vec<u32>,
    pub test_classes_not_in_train: Vec<u32>,
    /// Train examples with more than one class (multi-label).
    pub multi_label_train: u64,
    /// Train examples without any class.
    pub unlabelled_train: u64,
}

/// Per-column facts of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnFact {
    pub index: usize,
    pub name: String,
    pub missing: u64,
    pub distinct_at_most_one: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Worst AUC between two classes (binary: the column's AUC), folded to ≥ 0.5, over classes
    /// with at least `columns::MIN_AUC_CLASS` train values.
    pub label_auc: Option<f64>,
    /// Best one-vs-rest AUC (folded) and its class.
    pub best_class_auc: Option<(u32, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnFacts {
    /// Rows looked at for constant / missing columns (train and test).
    pub rows: u64,
    /// Train rows the AUCs were computed on (the first `max_auc_rows`).
    pub auc_rows: u64,
    pub columns: Vec<ColumnFact>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubsetCount {
    #[serde(serialize_with = "subset_name")]
    pub subset: Subset,
    pub examples: u64,
}

/// Findings of one kind, for the summary line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindSummary {
    pub kind: FindingKind,
    pub severity: Severity,
    pub findings: u64,
    /// Examples involved, summed over the findings of the kind.
    pub examples: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    pub dataset: PathBuf,
    /// Raw input converted into `dataset` first, and whether its examples carry their source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<InputFacts>,
    /// `--time-budget`: the budget and the work it left undone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetFacts>,
    pub name: String,
    pub domain: Domain,
    pub subsets: Vec<SubsetCount>,
    pub options: crate::options::AuditOptions,
    pub classes: ClassFacts,
    /// Tables only.
    pub columns: Option<ColumnFacts>,
    /// How near duplicates were searched (method, threshold, candidates compared, pairs found).
    pub near: Option<crate::near::NearFacts>,
    pub outliers: OutlierFacts,
    pub labels: LabelFacts,
    pub summary: Vec<KindSummary>,
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Whether any finding is of one of `kinds`.
    pub fn has_any(&self, kinds: &[FindingKind]) -> bool {
        self.findings.iter().any(|f| kinds.contains(&f.kind))
    }

    /// Records that `dataset` was converted from the raw `input`, and names every example of
    /// the findings by its source (`sources`: test and train, one per record, in record order;
    /// `None` when the input does not name its records). When the counts do not match the
    /// dataset, no example is named and the facts say why.
    pub fn name_sources(&mut self, input: PathBuf, sources: Option<(&[String], &[String])>) {
        let Some((test, train)) = sources else {
            let note = Some("the input does not name its records: examples are named by position only".to_string());
            self.input = Some(InputFacts { path: input, sources_named: false, note });
            return;
        };
        let count = |subset: Subset| self.subsets.iter().find(|s| s.subset == subset).map_or(0, |s| s.examples);
        let mismatch = [(Subset::Test, test.len()), (Subset::Train, train.len())]
            .into_iter()
            .find(|&(subset, n)| count(subset) != n as u64)
            .map(|(subset, n)| format!("{n} {subset} source(s) for {} {subset} record(s): examples are not named by their input", count(subset)));
        if mismatch.is_none() {
            for e in self.findings.iter_mut().flat_map(|f| f.examples.iter_mut()) {
                let list = match e.subset {
                    Subset::Test => test,
                    Subset::Train => train,
                    _ => continue,
                };
                e.source = list.get(e.index as usize).filter(|s| !s.is_empty()).cloned();
            }
        }
        self.input = Some(InputFacts { path: input, sources_named: mismatch.is_none(), note: mismatch });
    }
}

/// The raw input an audit converted first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputFacts {
    pub path: PathBuf,
    /// Whether the examples of the findings carry their `source`.
    pub sources_named: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What `--time-budget` left undone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetFacts {
    pub seconds: f64,
    /// Seconds the audit took (the scan always completes).
    pub elapsed: f64,
    /// One sentence per check that was cut short or not started.
    pub skipped: Vec<String>,
}

/// One line per kind, in kind order.
pub fn summarise(findings: &[Finding]) -> Vec<KindSummary> {
    let mut out: Vec<KindSummary> = Vec::new();
    for kind in FindingKind::ALL {
        let of_kind: Vec<_> = findings.iter().filter(|f| f.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        out.push(KindSummary {
            kind,
            severity: kind.severity(),
            findings: of_kind.len() as u64,
            examples: of_kind.iter().map(|f| f.example_count).sum(),
        });
    }
    out
}

/// How outliers were scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierFacts {
    /// Neighbour whose distance is the score.
    pub k: usize,
    /// Examples every example was compared with.
    pub references: usize,
    /// Median k-NN distance (standardised features); `None` when too few examples.
    pub median_distance: Option<f64>,
    /// Robust z-score (1.4826 × MAD units above the median) at which an example is an outlier.
    pub min_robust_z: f64,
    pub outliers: u64,
}

/// Whether suspect labels were looked for, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelFacts {
    /// `done` or `refused`.
    pub status: String,
    /// Why the check was refused (multi-label, too few examples or classes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub method: String,
    pub folds: usize,
    /// Train examples given out-of-sample probabilities.
    pub examples: u64,
    /// Share of examples whose out-of-sample most probable class is the given one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_sample_accuracy: Option<f64>,
    pub suspects: u64,
}
