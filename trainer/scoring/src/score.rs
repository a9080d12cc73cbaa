//! What scoring a run produces: the options it takes, the score of each prediction and the
//! report that [`crate::score_run`] returns and writes.

use std::path::PathBuf;

use crate::alc::{AlcVariant, CurvePoint};
use crate::decisions;
use crate::files::EndRecord;

/// How [`crate::score_run`] scores a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Which ALC goes to `scores.txt` (the figure always drops late predictions, spec §3/§6).
    pub alc_variant: AlcVariant,
    /// Bootstrap error bars appended to `scores.txt` (spec §1.5); informative only.
    pub error_bars: bool,
    /// Seed of the bootstrap resampling, so a report can be reproduced.
    pub seed: u64,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions { alc_variant: AlcVariant::ClipAtBudget, error_bars: true, seed: 0 }
    }
}

/// The score of one prediction file.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionScore {
    /// k in `<task>.predict_<k>`.
    pub index: usize,
    pub path: PathBuf,
    /// Seconds since ingestion start (from `start.txt`).
    pub time: f64,
    pub nauc: f64,
    /// Only for multiclass tasks (spec §2 "Secondary metric"): the mean probability on the
    /// true class, the `accuracy` of scores.txt; not arg-max accuracy.
    pub accuracy: Option<f64>,
    /// Share of test rows whose arg-max class is the true one (multiclass tasks only; not in
    /// scores.txt).
    pub top1_accuracy: Option<f64>,
    /// Decision counts of each class (arg-max or threshold, see [`decisions::class_counts`]).
    pub class_counts: Vec<decisions::ClassCounts>,
    /// AUC of each class; `None` for classes dropped as degenerate.
    pub per_class_auc: Vec<Option<f64>>,
    /// True when the time exceeds the budget (dropped from the figure and the clipped ALC).
    pub after_budget: bool,
}

/// Mean, standard deviation (population) and variance of bootstrap scores (spec §1.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
    pub var: f64,
}

impl Spread {
    pub(crate) fn of(values: &[f64]) -> Spread {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Spread { mean, std: var.sqrt(), var }
    }
    /// The reference writes −1 for all three when the bootstrap cannot be computed.
    pub(crate) const UNAVAILABLE: Spread = Spread { mean: -1.0, std: -1.0, var: -1.0 };
}

/// Everything [`crate::score_run`] computed, also written to the score folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreReport {
    pub task: String,
    pub time_budget: f64,
    /// The ALC of [`ScoreOptions::alc_variant`], the `score:` of `scores.txt`.
    pub alc: f64,
    /// ALC with late predictions dropped (the figure's legend).
    pub alc_clipped: f64,
    /// Relative time of the last prediction, 0 when none (`Duration:` of `scores.txt`).
    pub duration: f64,
    pub multiclass: bool,
    /// Rows of the solution (test examples).
    pub test_rows: usize,
    /// Name of each class from the test metadata's `label_to_index_map`, when known.
    pub class_names: Vec<Option<String>>,
    pub predictions: Vec<PredictionScore>,
    /// `end.txt`, or `None` when ingestion did not write it.
    pub ingestion: Option<EndRecord>,
    /// NAUC spread of the last prediction and ALC spread over bootstrap curves.
    pub error_bars: Option<(Spread, Spread)>,
    /// Problems that did not stop scoring (also printed to stderr by the CLI).
    pub warnings: Vec<String>,
    pub out_dir: PathBuf,
}

impl ScoreReport {
    /// The learning-curve points of every prediction, in prediction order.
    pub fn curve(&self) -> Vec<CurvePoint> {
        self.predictions.iter().map(|p| CurvePoint { time: p.time, score: p.nauc }).collect()
    }

    /// `nauc_std` of scores.txt; `None` without a bootstrap (not asked, or no prediction).
    pub fn nauc_std(&self) -> Option<f64> {
        self.error_bars.map(|(n, _)| n.std).filter(|s| *s >= 0.0)
    }

    /// `alc_std` of scores.txt; `None` without a bootstrap.
    pub fn alc_std(&self) -> Option<f64> {
        self.error_bars.map(|(_, a)| a.std).filter(|s| *s >= 0.0)
    }
}
