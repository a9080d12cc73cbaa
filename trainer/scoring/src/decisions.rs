//! Hard decisions taken from a prediction's scores, and the counts a data owner reads off
//! them: top-1 (arg-max) accuracy, the confusion matrix and per-class precision and recall.
//!
//! These are not challenge metrics (the challenge ranks by NAUC and reports the mean
//! probability on the true class, [`super::accuracy`]); they are what "accuracy", "precision"
//! and "recall" mean everywhere else.

use crate::matrix::Matrix;

/// A multi-label prediction counts a class as predicted when its score reaches this value.
pub const MULTILABEL_THRESHOLD: f64 = 0.5;

/// Index of the highest value of `row`; the first one on ties, 0 for an empty row.
pub fn argmax(row: &[f64]) -> usize {
    row.iter()
        .enumerate()
        .fold((0usize, f64::NEG_INFINITY), |best, (j, &v)| if v > best.1 { (j, v) } else { best })
        .0
}

/// Share of test rows whose highest-scored class is their true class (single-label tasks).
/// Equals [`Confusion::top1_accuracy`] of the same matrices.
pub fn top1_accuracy(solution: &Matrix, prediction: &Matrix) -> f64 {
    if solution.rows == 0 {
        return 0.0;
    }
    let hits = (0..solution.rows).filter(|&i| argmax(solution.row(i)) == argmax(prediction.row(i))).count();
    hits as f64 / solution.rows as f64
}

/// Decision counts of one class over the test rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassCounts {
    /// Test rows that carry the class.
    pub positives: u64,
    /// Test rows that do not.
    pub negatives: u64,
    /// Test rows the prediction assigns to the class.
    pub predicted: u64,
    /// Rows both carrying and assigned the class.
    pub hits: u64,
}

impl ClassCounts {
    /// hits / predicted; `None` when the class was never predicted.
    pub fn precision(&self) -> Option<f64> {
        (self.predicted > 0).then(|| self.hits as f64 / self.predicted as f64)
    }

    /// hits / positives; `None` when the test set has no example of the class.
    pub fn recall(&self) -> Option<f64> {
        (self.positives > 0).then(|| self.hits as f64 / self.positives as f64)
    }
}

/// Per-class counts: single-label tasks assign each row its arg-max class, multi-label tasks
/// every class scored at least [`MULTILABEL_THRESHOLD`].
pub fn class_counts(solution: &Matrix, prediction: &Matrix, multiclass: bool) -> Vec<ClassCounts> {
    let mut counts = vec![ClassCounts::default(); solution.cols];
    for i in 0..solution.rows {
        let truth = solution.row(i);
        let scores = prediction.row(i);
        let chosen = argmax(scores);
        for (j, c) in counts.iter_mut().enumerate() {
            let positive = truth[j] == 1.0;
            let assigned = if multiclass { j == chosen } else { scores[j] >= MULTILABEL_THRESHOLD };
            if positive {
                c.positives += 1;
            } else {
                c.negatives += 1;
            }
            if assigned {
                c.predicted += 1;
                if positive {
                    c.hits += 1;
                }
            }
        }
    }
    counts
}

/// Counts of (true class, arg-max class) over the test rows of a single-label task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    pub classes: usize,
    /// Row-major: `counts[true * classes + predicted]`.
    pub counts: Vec<u64>,
}

impl Confusion {
    pub fn of(solution: &Matrix, prediction: &Matrix) -> Confusion {
        let n = solution.cols;
        let mut counts = vec![0u64; n * n];
        for i in 0..solution.rows {
            counts[argmax(solution.row(i)) * n + argmax(prediction.row(i))] += 1;
        }
        Confusion { classes: n, counts }
    }

    pub fn get(&self, truth: usize, predicted: usize) -> u64 {
        self.counts[truth * self.classes + predicted]
    }

    /// Test rows of class `truth`.
    pub fn row_total(&self, truth: usize) -> u64 {
        self.counts[truth * self.classes..(truth + 1) * self.classes].iter().sum()
    }

    pub fn diagonal(&self) -> u64 {
        (0..self.classes).map(|j| self.get(j, j)).sum()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Diagonal share: the top-1 accuracy.
    pub fn top1_accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            total => self.diagonal() as f64 / total as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rows: &[&[f64]]) -> Matrix {
        Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn single_label_counts_agree_with_the_confusion_matrix() {
        let sol = m(&[&[1., 0., 0.], &[0., 1., 0.], &[0., 1., 0.], &[0., 0., 1.]]);
        let pred = m(&[&[0.7, 0.2, 0.1], &[0.5, 0.4, 0.1], &[0.1, 0.8, 0.1], &[0.3, 0.3, 0.4]]);
        let conf = Confusion::of(&sol, &pred);
        assert_eq!((conf.diagonal(), conf.total(), conf.get(1, 0)), (3, 4, 1));
        assert_eq!(top1_accuracy(&sol, &pred), conf.top1_accuracy());
        let counts = class_counts(&sol, &pred, true);
        // class 0: predicted twice, right once; class 1: two positives, one found
        assert_eq!(counts[0], ClassCounts { positives: 1, negatives: 3, predicted: 2, hits: 1 });
        assert_eq!((counts[0].precision(), counts[1].recall()), (Some(0.5), Some(0.5)));
        assert_eq!(counts[2].precision(), Some(1.0));
    }

    #[test]
    fn multi_label_uses_the_threshold_and_flags_empty_ratios() {
        let sol = m(&[&[1., 1.], &[0., 1.], &[0., 0.]]);
        let pred = m(&[&[0.9, 0.2], &[0.6, 0.5], &[0.1, 0.4]]);
        let counts = class_counts(&sol, &pred, false);
        assert_eq!(counts[0], ClassCounts { positives: 1, negatives: 2, predicted: 2, hits: 1 });
        assert_eq!(counts[1], ClassCounts { positives: 2, negatives: 1, predicted: 1, hits: 1 });
        let none = class_counts(&m(&[&[0., 0.]]), &m(&[&[0.1, 0.1]]), false);
        assert_eq!((none[0].precision(), none[0].recall()), (None, None));
    }
}
