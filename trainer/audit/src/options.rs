//! The thresholds every check reads, kept in the report beside its findings.

use serde::Serialize;

use crate::near::NearOptions;

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
    /// Near-duplicate thresholds.
    pub near: NearOptions,
    /// An example whose k-NN distance is this many robust deviations above the median is an outlier.
    pub outlier_robust_z: f64,
    /// Near pairs, outliers and suspect labels listed per kind (the facts count them all).
    pub max_pairs_per_kind: usize,
    /// Seconds after which the costly checks start no new work (`None`: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_budget: Option<f64>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            min_class_examples: 5,
            imbalance_ratio: 10.0,
            leakage_auc: 0.99,
            max_auc_values: 20_000_000,
            max_examples_per_finding: 50,
            near: NearOptions::default(),
            outlier_robust_z: 6.0,
            max_pairs_per_kind: 1000,
            time_budget: None,
        }
    }
}
