//! What the ingestion loop drives: a [`Learner`] that trains within a remaining budget and
//! predicts the test set, a [`CancelToken`] it checks between batches, and the
//! [`PredictionMatrix`] it returns (spec SCORING.md §4).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::{Error, Result};

/// Shared flag set by the ingestion watchdog at the deadline; learners poll it between
/// batches (and between decoded examples) and return early.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// `Err(Error::Cancelled)` once cancelled: lets learners write `cancel.check()?`.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

pub use scoring::report::leaderboard::Leaderboard;

/// The leaderboard a learner fills while it runs (shared with the caller, which reads it after
/// the run): every model tried with its validation score and training time, and the models
/// behind each prediction it publishes.
#[derive(Debug, Clone, Default)]
pub struct ModelBoard(Arc<Mutex<Leaderboard>>);

impl ModelBoard {
    fn with<T>(&self, f: impl FnOnce(&mut Leaderboard) -> T) -> T {
        // a learner that panicked mid-update leaves a usable board behind
        let mut board = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut board)
    }

    /// `seconds` more training of `model`, and its validation NAUC when it was measured
    /// (`None` or a non-finite value: not measured).
    pub fn tried(&self, model: &str, validation: Option<f64>, seconds: f64) {
        self.with(|b| b.record(model, validation, seconds));
    }

    /// The prediction about to be returned blends `used` (model name, weight).
    pub fn published(&self, used: &[(String, f64)]) {
        self.with(|b| b.publish(used));
    }

    /// The board with the first `recorded` predictions (those the ingestion loop kept).
    pub fn snapshot(&self, recorded: usize) -> Leaderboard {
        self.with(|b| {
            let mut copy = b.clone();
            copy.keep_predictions(recorded);
            copy
        })
    }
}

/// A dense `rows × cols` matrix of scores, row-major: one row per test example (in test
/// file order), one column per class.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionMatrix {
    rows: usize,
    cols: usize,
    values: Vec<f32>,
}

impl PredictionMatrix {
    /// Fails when `values.len() != rows * cols`.
    pub fn new(rows: usize, cols: usize, values: Vec<f32>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(values.len()) {
            return Err(Error::BadPrediction(format!(
                "{} values cannot form a {rows} × {cols} matrix",
                values.len()
            )));
        }
        Ok(PredictionMatrix { rows, cols, values })
    }

    /// Every row equal to `row`.
    pub fn constant(rows: usize, row: &[f32]) -> Self {
        let mut values = Vec::with_capacity(rows * row.len());
        for _ in 0..rows {
            values.extend_from_slice(row);
        }
        PredictionMatrix { rows, cols: row.len(), values }
    }

    /// Copies a 2-D float tensor (any device, any float kind) to the host.
    pub fn from_tensor(tensor: &tch::Tensor) -> Result<Self> {
        let size = tensor.size();
        if size.len() != 2 {
            return Err(Error::BadPrediction(format!(
                "prediction tensor must be 2-D, got shape {size:?}"
            )));
        }
        let host = tensor
            .to_device(tch::Device::Cpu)
            .to_kind(tch::Kind::Float)
            .contiguous()
            .view(-1);
        let values = Vec::<f32>::try_from(&host)?;
        PredictionMatrix::new(size[0] as usize, size[1] as usize, values)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// The ingestion check: exact shape (test `sample_count` × `output_dim`) and only finite
    /// values, because the scorer's AUC fails on NaN/inf (spec §1.2).
    pub fn check(&self, rows: usize, cols: usize) -> Result<()> {
        if self.rows != rows || self.cols != cols {
            return Err(Error::BadPrediction(format!(
                "expected shape ({rows}, {cols}) but got ({}, {})",
                self.rows, self.cols
            )));
        }
        if let Some(i) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(Error::BadPrediction(format!(
                "value at row {}, column {} is {} (must be finite)",
                i / self.cols.max(1),
                i % self.cols.max(1),
                self.values[i]
            )));
        }
        Ok(())
    }
}

/// A model run by the ingestion loop: strictly `train`, `predict`, `train`, `predict`, …
/// (spec §4). Construction happens before the clock starts and is not charged.
///
/// Both calls get the time left until the deadline (advisory, as in the original) and a
/// [`CancelToken`] that the watchdog sets at the deadline: check it between batches and
/// return promptly (`Err(Error::Cancelled)` or `Ok` with what you have).
pub trait Learner: Send {
    /// Short name for logs and errors.
    fn name(&self) -> &str;

    /// Train a while; `Ok(true)` means done training (the loop ends after the next
    /// `predict`, like the original `done_training` flag).
    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool>;

    /// Scores for the whole test set, or `None` to stop the run without a new prediction.
    fn predict(&mut self, remaining: Duration, cancel: &CancelToken)
        -> Result<Option<PredictionMatrix>>;
}

impl<L: Learner + ?Sized> Learner for Box<L> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        (**self).train(remaining, cancel)
    }
    fn predict(
        &mut self,
        remaining: Duration,
        cancel: &CancelToken,
    ) -> Result<Option<PredictionMatrix>> {
        (**self).predict(remaining, cancel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_wrong_shape_and_non_finite_values() {
        let m = PredictionMatrix::new(2, 2, vec![0.1, 0.9, 0.5, 0.5]).unwrap();
        assert!(m.check(2, 2).is_ok());
        let err = m.check(3, 2).unwrap_err().to_string();
        assert!(err.contains("expected shape (3, 2) but got (2, 2)"), "{err}");
        let nan = PredictionMatrix::new(2, 2, vec![0.1, 0.9, f32::NAN, 0.5]).unwrap();
        let err = nan.check(2, 2).unwrap_err().to_string();
        assert!(err.contains("row 1, column 0"), "{err}");
        assert!(PredictionMatrix::new(2, 2, vec![0.0; 3]).is_err());
    }

    #[test]
    fn model_board_is_shared_and_snapshots_recorded_predictions() {
        let board = ModelBoard::default();
        let learner_side = board.clone();
        learner_side.tried("fast", Some(0.7), 1.0);
        learner_side.published(&[("fast".into(), 1.0)]);
        learner_side.tried("net", Some(0.9), 5.0);
        learner_side.published(&[("net".into(), 2.0), ("fast".into(), 2.0)]);
        let all = board.snapshot(2);
        assert_eq!(all.models.len(), 2);
        assert_eq!(all.final_models_text().unwrap(), "fast (weight 0.50) + net (weight 0.50)");
        // the second prediction came after the deadline: only the first was recorded
        let kept = board.snapshot(1);
        assert_eq!(kept.final_models_text().unwrap(), "fast");
        assert_eq!(kept.models[1].validation, Some(0.9), "models tried stay on the board");
    }

    #[test]
    fn cancel_token_is_shared_between_clones() {
        let a = CancelToken::new();
        let b = a.clone();
        assert!(b.check().is_ok());
        a.cancel();
        assert!(matches!(b.check(), Err(Error::Cancelled)));
    }

    #[test]
    fn from_tensor_keeps_row_major_order() {
        let t = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).view([2, 3]);
        let m = PredictionMatrix::from_tensor(&t).unwrap();
        assert_eq!((m.rows(), m.cols()), (2, 3));
        assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
    }
}
