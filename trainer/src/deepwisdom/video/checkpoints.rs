//! The models of the MC3 sequence while they train, and the checkpoints each one keeps for
//! the §3 ensemble (top 2 by validation loss ∪ top 2 by NAUC).

use tch::nn;
use tch::Tensor;

use crate::deepwisdom::mc3::Mc3;

/// Stored checkpoints kept per model: the top 2 by validation loss ∪ top 2 by NAUC (§3).
pub(super) const TOP: usize = 2;

/// A checkpoint kept for the ensemble: its scores on validation and test data and weights.
pub(super) struct Stored {
    pub(super) loss: f64,
    pub(super) nauc: f64,
    pub(super) val: Vec<f32>,
    pub(super) test: Vec<f32>,
    pub(super) tensors: Vec<(String, Tensor)>,
}

/// One model of the sequence while it trains, or after it was left.
pub(super) struct Mc3Model {
    pub(super) index: usize,
    pub(super) frames: usize,
    pub(super) width_divisor: i64,
    pub(super) vs: nn::VarStore,
    pub(super) net: Mc3,
    pub(super) opt: nn::Optimizer,
    pub(super) epochs: usize,
    pub(super) plateau: crate::deepwisdom::bookkeeping::Plateau,
    pub(super) best_valid: f64,
    pub(super) best_loss: f64,
    /// Validation (loss, NAUC) of every epoch, for the switch rules.
    pub(super) history: Vec<(f64, f64)>,
    pub(super) train_naucs: Vec<f64>,
    /// The best checkpoint by validation NAUC (used while nothing is stored).
    pub(super) best: Option<Stored>,
    pub(super) stored: Vec<Stored>,
}

impl Mc3Model {
    /// The checkpoints that count: top-2 by validation loss ∪ top-2 by NAUC (spec §3), or the
    /// best checkpoint when none was stored.
    pub(super) fn selected(&self) -> Vec<&Stored> {
        if self.stored.is_empty() {
            return self.best.iter().collect();
        }
        self.selected_indices().into_iter().map(|i| &self.stored[i]).collect()
    }

    pub(super) fn selected_indices(&self) -> Vec<usize> {
        let mut by_loss: Vec<usize> = (0..self.stored.len()).collect();
        by_loss.sort_by(|&a, &b| self.stored[a].loss.total_cmp(&self.stored[b].loss).then(a.cmp(&b)));
        let mut by_nauc: Vec<usize> = (0..self.stored.len()).collect();
        by_nauc.sort_by(|&a, &b| self.stored[b].nauc.total_cmp(&self.stored[a].nauc).then(a.cmp(&b)));
        let mut keep: Vec<usize> = by_loss.into_iter().take(TOP).chain(by_nauc.into_iter().take(TOP)).collect();
        keep.sort_unstable();
        keep.dedup();
        keep
    }

    /// Drops stored checkpoints that can no longer be selected.
    pub(super) fn prune(&mut self) {
        if self.stored.len() <= 2 * TOP {
            return;
        }
        let keep = self.selected_indices();
        let mut i = 0;
        self.stored.retain(|_| {
            i += 1;
            keep.contains(&(i - 1))
        });
    }
}
