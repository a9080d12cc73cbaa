//! Table column facts: constant and all-missing columns over every row, and how well each
//! column alone tells the classes apart (AUC) on the first train rows, within a value budget.

use std::cmp::Ordering;

use formats::dataset::{DatasetReader, ExampleRecord, Subset};
use formats::metadata::DataSpec;

use crate::error::AuditError;
use crate::report::{ColumnFact, ColumnFacts, ColumnRef, Finding, FindingKind};
use crate::options::AuditOptions;

/// Row key of an example with several classes: left out of the AUCs.
const MULTI: u32 = u32::MAX;
/// Classes with fewer train values are left out of the AUCs: 5 against 5 random values are
/// perfectly separated once in 126 columns, 20 against 20 about once in 10^11.
pub const MIN_AUC_CLASS: usize = 20;
/// Pairwise AUCs cost one merge per class pair: beyond this many classes only one-vs-rest runs.
const MAX_PAIRWISE_CLASSES: usize = 64;

#[derive(Default, Clone)]
struct Stats {
    missing: u64,
    min: Option<f32>,
    max: Option<f32>,
}

pub struct ColumnScan {
    names: Vec<String>,
    width: Option<usize>,
    stats: Vec<Stats>,
    rows: u64,
    auc_limit: usize,
    /// Column-major train values of the first `auc_limit` labelled rows.
    values: Vec<Vec<f32>>,
    keys: Vec<u32>,
}

/// Names from `<name>_feat.name`, else `feature_to_index_map`, else none (filled as `feature_i`).
fn feature_names(reader: &DatasetReader, spec: &DataSpec) -> Vec<String> {
    let layout = reader.layout();
    let file = layout.root.join(format!("{}_feat.name", layout.name));
    if let Ok(text) = std::fs::read_to_string(&file) {
        return text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
    }
    let mut map = spec.feature_to_index_map.clone();
    map.sort_by_key(|(_, i)| *i);
    let dense = map.iter().enumerate().all(|(k, (_, i))| *i as usize == k);
    if dense { map.into_iter().map(|(n, _)| n).collect() } else { Vec::new() }
}

impl ColumnScan {
    pub fn new(reader: &DatasetReader, spec: &DataSpec, opts: &AuditOptions) -> ColumnScan {
        ColumnScan {
            names: feature_names(reader, spec),
            width: None,
            stats: Vec::new(),
            rows: 0,
            // a budget of values, divided by the width once the first row is seen
            auc_limit: opts.max_auc_values,
            values: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// One table row (`labels`: its classes, train rows only feed the AUCs).
    pub fn push(&mut self, record: &ExampleRecord, row: &[f32], subset: Subset, labels: Option<&[u32]>) -> Result<(), AuditError> {
        let width = *self.width.get_or_insert_with(|| {
            self.stats = vec![Stats::default(); row.len()];
            self.values = vec![Vec::new(); row.len()];
            self.auc_limit /= row.len().max(1);
            row.len()
        });
        if row.len() != width {
            return Err(AuditError::Record {
                path: record.file.to_path_buf(),
                record: record.index,
                message: format!("table row of {} values, earlier rows have {width}", row.len()),
            });
        }
        self.rows += 1;
        for (s, &v) in self.stats.iter_mut().zip(row) {
            if v.is_nan() {
                s.missing += 1;
            } else {
                s.min = Some(s.min.map_or(v, |m| m.min(v)));
                s.max = Some(s.max.map_or(v, |m| m.max(v)));
            }
        }
        if let (Subset::Train, Some(labels)) = (subset, labels) {
            if self.keys.len() < self.auc_limit {
                // A row without any class is the negative of a one-output (binary) label.
                self.keys.push(match labels {
                    [] => u32::MAX - 1,
                    [c] => *c,
                    _ => MULTI,
                });
                for (col, &v) in self.values.iter_mut().zip(row) {
                    col.push(v);
                }
            }
        }
        Ok(())
    }

    pub fn finish(self, opts: &AuditOptions) -> (ColumnFacts, Vec<Finding>) {
        let width = self.width.unwrap_or(0);
        let mut facts = Vec::with_capacity(width);
        let mut findings = Vec::new();
        let min_n = MIN_AUC_CLASS;
        for c in 0..width {
            let s = &self.stats[c];
            let name = self.names.get(c).cloned().filter(|_| self.names.len() == width).unwrap_or_else(|| format!("feature_{c}"));
            let column = ColumnRef { index: c, name: name.clone() };
            let all_missing = self.rows > 0 && s.missing == self.rows;
            let constant = !all_missing && s.min == s.max;
            let mut push = |kind: FindingKind, message: String, class: Option<u32>, value: f64| {
                findings.push(Finding {
                    class,
                    column: Some(column.clone()),
                    value: Some(value),
                    ..Finding::new(kind, message)
                });
            };
            let (mut label_auc, mut best) = (None, None);
            if all_missing {
                push(FindingKind::MissingColumn, format!("column {c} ({name}) is missing (NaN) in all {} rows", self.rows), None, self.rows as f64);
            } else if constant {
                let v = f64::from(s.min.unwrap_or(f32::NAN));
                push(FindingKind::ConstantColumn, format!("column {c} ({name}) holds the single value {v}"), None, v);
            } else {
                let by_class = split_by_class(&self.values[c], &self.keys, min_n);
                label_auc = worst_pairwise_auc(&by_class);
                best = best_one_vs_rest(&by_class);
                if let Some(auc) = label_auc.filter(|&a| a >= opts.leakage_auc) {
                    push(
                        FindingKind::ColumnLeakage,
                        format!("column {c} ({name}) alone separates the classes: AUC {auc:.4} (≥ {}); it may leak the label", opts.leakage_auc),
                        None,
                        auc,
                    );
                } else if let Some((class, auc)) = best.filter(|&(_, a)| a >= opts.leakage_auc) {
                    push(
                        FindingKind::ColumnSeparatesClass,
                        format!("column {c} ({name}) alone separates class {class} from the rest: AUC {auc:.4}"),
                        Some(class),
                        auc,
                    );
                }
            }
            facts.push(ColumnFact {
                index: c,
                name,
                missing: s.missing,
                distinct_at_most_one: constant || all_missing,
                min: s.min.map(f64::from),
                max: s.max.map(f64::from),
                label_auc,
                best_class_auc: best,
            });
        }
        let facts = ColumnFacts { rows: self.rows, auc_rows: self.keys.len() as u64, columns: facts };
        (facts, findings)
    }
}

/// Sorted non-missing values per class, for classes with at least `min_n` of them.
fn split_by_class(values: &[f32], keys: &[u32], min_n: usize) -> Vec<(u32, Vec<f32>)> {
    let mut classes: std::collections::BTreeMap<u32, Vec<f32>> = Default::default();
    for (&v, &k) in values.iter().zip(keys) {
        if k != MULTI && !v.is_nan() {
            classes.entry(k).or_default().push(v);
        }
    }
    classes
        .into_iter()
        .filter(|(_, v)| v.len() >= min_n)
        .map(|(k, mut v)| {
            v.sort_unstable_by(f32::total_cmp);
            (k, v)
        })
        .collect()
}

/// P(a > b) + ½ P(a = b) for sorted `a`, `b` (Mann–Whitney U / |a||b|), by one merge.
fn auc_sorted(a: &[f32], b: &[f32]) -> f64 {
    let (mut lo, mut hi, mut u) = (0usize, 0usize, 0f64);
    for &x in a {
        while lo < b.len() && b[lo].partial_cmp(&x) == Some(Ordering::Less) {
            lo += 1;
        }
        hi = hi.max(lo);
        while hi < b.len() && b[hi] <= x {
            hi += 1;
        }
        u += lo as f64 + 0.5 * (hi - lo) as f64;
    }
    u / (a.len() as f64 * b.len() as f64)
}

/// An AUC read either way round (a column that sorts the classes backwards predicts as well).
fn folded(auc: f64) -> f64 {
    auc.max(1.0 - auc)
}

/// The weakest separation between two classes: ≥ the threshold only when the column alone
/// tells every pair of classes apart (binary: the column's AUC).
fn worst_pairwise_auc(by_class: &[(u32, Vec<f32>)]) -> Option<f64> {
    if by_class.len() < 2 || by_class.len() > MAX_PAIRWISE_CLASSES {
        return None;
    }
    let mut worst = f64::INFINITY;
    for i in 0..by_class.len() {
        for j in i + 1..by_class.len() {
            worst = worst.min(folded(auc_sorted(&by_class[i].1, &by_class[j].1)));
        }
    }
    Some(worst)
}

/// The class the column separates best from all others, with that AUC (ties averaged by rank).
fn best_one_vs_rest(by_class: &[(u32, Vec<f32>)]) -> Option<(u32, f64)> {
    if by_class.len() < 2 {
        return None;
    }
    let mut all: Vec<(f32, usize)> =
        by_class.iter().enumerate().flat_map(|(k, (_, v))| v.iter().map(move |&x| (x, k))).collect();
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let mut rank_sum = vec![0f64; by_class.len()];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0; // 1-based ranks i+1..=j
        for &(_, k) in &all[i..j] {
            rank_sum[k] += avg;
        }
        i = j;
    }
    by_class
        .iter()
        .zip(&rank_sum)
        .map(|((class, v), &r)| {
            let m = v.len() as f64;
            let auc = (r - m * (m + 1.0) / 2.0) / (m * (n as f64 - m));
            (*class, folded(auc))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_separated_overlapping_and_tied_samples() {
        assert_eq!(auc_sorted(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
        assert_eq!(auc_sorted(&[1.0, 2.0], &[3.0, 4.0]), 0.0);
        // 1 vs {1, 2}: one tie (½) and one loss → 0.25
        assert_eq!(auc_sorted(&[1.0], &[1.0, 2.0]), 0.25);
        assert_eq!(auc_sorted(&[1.0, 3.0], &[2.0, 4.0]), 0.25);
    }

    #[test]
    fn a_column_equal_to_the_class_separates_every_pair_but_not_every_class_from_the_rest() {
        let by_class: Vec<(u32, Vec<f32>)> = (0..3).map(|c| (c, vec![c as f32; 10])).collect();
        assert_eq!(worst_pairwise_auc(&by_class), Some(1.0));
        let (_, best) = best_one_vs_rest(&by_class).unwrap();
        assert_eq!(best, 1.0);
        // the middle class against the rest: half the others below, half above → 0.5
        let mid = (1u32, vec![1.0f32; 10]);
        let rest = [vec![0.0f32; 10], vec![2.0f32; 10]].concat();
        assert_eq!(folded(auc_sorted(&mid.1, &{ let mut r = rest.clone(); r.sort_by(f32::total_cmp); r })), 0.5);
    }
}
