//! Per-prediction metrics: NAUC = 2·AUC − 1 with tie-aware ranks (SCORING.md §2), the
//! secondary accuracy of multiclass tasks, and per-class ROC AUC.

use crate::matrix::Matrix;

/// NAUC of one prediction and how it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct NaucScore {
    /// 2·AUC − 1 over the valid columns; 0 when no column is valid.
    pub nauc: f64,
    /// ROC AUC of every solution column; `None` for a column dropped as degenerate.
    pub per_class_auc: Vec<Option<f64>>,
    /// Number of columns that entered the average.
    pub valid_columns: usize,
}

impl NaucScore {
    /// True when no solution column had both a positive and a negative example, so the
    /// score is the documented fallback 0 rather than a measurement.
    pub fn no_valid_column(&self) -> bool {
        self.valid_columns == 0
    }
}

/// numpy `isclose(a, b)` with its default tolerances (rtol 1e-5, atol 1e-8); spec §2 step 1
/// uses it to spot degenerate columns, so large test sets inherit its relative slack.
fn numpy_isclose(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

/// Whether column `j` of `solution` holds both classes (spec §2 step 1).
pub fn is_valid_column(solution: &Matrix, j: usize) -> bool {
    let n = solution.rows as f64;
    let sum: f64 = (0..solution.rows).map(|i| solution.get(i, j)).sum();
    !numpy_isclose(sum, 0.0) && !numpy_isclose(sum, n)
}

/// 1-based ranks of `values`, ties sharing the mean of their positions (spec §2 step 2).
/// Values must be finite (the file readers reject NaN/inf).
pub fn tied_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // positions start+1 ..= end share their mean rank; half-integers are exact in f64
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// ROC AUC of one column: positives are entries equal to 1, negatives entries below 1
/// (spec §2 step 2). `None` when either class is absent.
pub fn column_auc(truth: &[f64], scores: &[f64]) -> Option<f64> {
    let ranks = tied_ranks(scores);
    let positives = truth.iter().filter(|&&y| y == 1.0).count() as f64;
    let negatives = truth.iter().filter(|&&y| y < 1.0).count() as f64;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let positive_rank_sum: f64 =
        truth.iter().zip(&ranks).filter(|(&y, _)| y == 1.0).map(|(_, &r)| r).sum();
    Some((positive_rank_sum - positives * (positives + 1.0) / 2.0) / (negatives * positives))
}

/// The reference scorer's running mean (libscores `mvmean`): m_k = k/(k+1)·m_{k−1} + x_k/(k+1).
fn running_mean(values: &[f64]) -> f64 {
    let mut mean = values[0];
    for (k, &x) in values.iter().enumerate().skip(1) {
        let k = k as f64;
        mean = (k / (k + 1.0)) * mean + (1.0 / (k + 1.0)) * x;
    }
    mean
}

/// NAUC of `prediction` against `solution` (same shape; checked by the caller).
///
/// Degenerate solution columns are dropped; when none is left the result is 0 and
/// [`NaucScore::no_valid_column`] is true (spec §2 "Edge cases": the reference raises, we
/// return 0 and let the caller warn).
pub fn nauc(solution: &Matrix, prediction: &Matrix) -> NaucScore {
    debug_assert_eq!((solution.rows, solution.cols), (prediction.rows, prediction.cols));
    let mut per_class_auc = Vec::with_capacity(solution.cols);
    let mut kept = Vec::new();
    for j in 0..solution.cols {
        if !is_valid_column(solution, j) {
            per_class_auc.push(None);
            continue;
        }
        let auc = column_auc(&solution.column(j), &prediction.column(j));
        // a valid column can still lack a strict positive (e.g. 0.5 scores); skip it like NaN
        if let Some(a) = auc {
            kept.push(a);
        }
        per_class_auc.push(auc);
    }
    let nauc = if kept.is_empty() { 0.0 } else { 2.0 * running_mean(&kept) - 1.0 };
    NaucScore { nauc, per_class_auc, valid_columns: kept.len() }
}

/// True when every solution row is one-hot (L1 norm 1 and L∞ norm 1), which decides
/// whether accuracy is reported (spec §1.1).
pub fn is_multiclass(solution: &Matrix) -> bool {
    solution.rows > 0
        && (0..solution.rows).all(|i| {
            let row = solution.row(i);
            let l1: f64 = row.iter().map(|v| v.abs()).sum();
            let linf = row.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            l1 == 1.0 && linf == 1.0
        })
}

/// Probability mass put on the true class after L1-normalising each prediction row
/// (spec §2 "Secondary metric"; not arg-max accuracy).
pub fn accuracy(solution: &Matrix, prediction: &Matrix) -> f64 {
    if solution.rows == 0 {
        return 0.0;
    }
    let mut total = 0.0;
    for i in 0..solution.rows {
        let p = prediction.row(i);
        let norm: f64 = p.iter().map(|v| v.abs()).sum::<f64>() + 1e-15;
        total += solution.row(i).iter().zip(p).map(|(s, v)| s * (v / norm)).sum::<f64>();
    }
    total / solution.rows as f64
}
