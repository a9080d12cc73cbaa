//! What a learner publishes besides its scores: the bundle behind each prediction, kept in a
//! [`BundleSlot`] for saving after the run, and the [`DatasetFacts`] every bundle records.

use std::path::Path;
use std::sync::{Arc, Mutex};

use formats::dataset::DatasetReader;
use formats::inspect::Domain;
use scoring::report::leaderboard;

use super::members::{BundleConfig, Member, ModelBundle};
use crate::bundle::{TrainedOn, FORMAT_VERSION};
use crate::data::{label_names, DatasetSource};
use crate::error::{Error, Result};
use crate::learner::{Leaderboard, ModelBoard};

/// The models behind the latest two predictions, shared between the learner (worker thread)
/// and the caller, which saves the one of the last *recorded* prediction after the run (a
/// prediction returned after the deadline is dropped by the ingestion loop). It carries the
/// run's leaderboard too: every publication names the models it blends.
#[derive(Clone, Default)]
pub struct BundleSlot {
    kept: Arc<Mutex<Vec<(usize, ModelBundle)>>>,
    board: ModelBoard,
}

impl BundleSlot {
    /// Records the bundle of the prediction about to be returned (0, 1, 2, … in order) and,
    /// on the leaderboard, the models it blends: `used` holds (model name, weight).
    pub fn publish(&self, bundle: ModelBundle, used: &[(String, f64)]) -> Result<()> {
        self.board.published(used);
        let mut kept = self.kept.lock().map_err(|_| Error::learner("auto", "bundle slot poisoned"))?;
        let next = kept.last().map_or(0, |(i, _)| i + 1);
        kept.push((next, bundle));
        if kept.len() > 2 {
            kept.remove(0);
        }
        Ok(())
    }

    /// The bundle of prediction `index` (0-based), if it is among the last two.
    pub fn take(&self, index: usize) -> Option<ModelBundle> {
        let mut kept = self.kept.lock().ok()?;
        let pos = kept.iter().position(|(i, _)| *i == index)?;
        Some(kept.remove(pos).1)
    }

    /// Where the learner notes each model it tries.
    pub fn board(&self) -> &ModelBoard {
        &self.board
    }

    /// After the run: the leaderboard with the `recorded` predictions the ingestion loop kept,
    /// written as `<run>/leaderboard.csv`.
    pub fn write_leaderboard(&self, run_dir: &Path, recorded: usize) -> Result<Leaderboard> {
        let board = self.board.snapshot(recorded);
        board.write_csv(&run_dir.join(leaderboard::CSV_NAME))?;
        Ok(board)
    }
}

/// Everything a bundle needs to know about the dataset, fixed at construction.
#[derive(Debug, Clone)]
pub struct DatasetFacts {
    pub domain: Domain,
    pub label_names: Vec<String>,
    pub output_dim: usize,
    pub test_rows: usize,
    pub train_metadata: String,
    pub trained_on: TrainedOn,
}

impl DatasetFacts {
    pub fn of(source: &DatasetSource, domain: Domain) -> Result<Self> {
        let (test_rows, output_dim) = source.prediction_shape()?;
        let reader = DatasetReader::open(&source.dir)?;
        let label_names = label_names(&reader, &source.train_spec, output_dim)?;
        let trained_on = TrainedOn::of_dataset(&reader, &source.train_spec, domain)?;
        Ok(DatasetFacts { domain, label_names, output_dim, test_rows, train_metadata: source.train_spec.to_textproto(), trained_on })
    }

    /// Bundle of `members` (weight, divisor, model) with their tensors.
    pub fn bundle(&self, learner: &str, members: Vec<Member>, tensors: Vec<(String, tch::Tensor)>) -> ModelBundle {
        ModelBundle {
            config: BundleConfig {
                format_version: FORMAT_VERSION,
                domain: self.domain.to_string(),
                learner: learner.to_string(),
                label_names: self.label_names.clone(),
                output_dim: self.output_dim,
                train_metadata: self.train_metadata.clone(),
                trained_on: Some(self.trained_on.clone()),
                members,
            },
            tensors,
        }
    }
}
