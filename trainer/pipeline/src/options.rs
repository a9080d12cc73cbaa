//! The typed options of the runs that need a trainer ([`TrainOptions`], [`RateOptions`],
//! [`PredictOptions`]). They need no libtorch, so the CLI builds them in every build; the
//! `pipeline-train` crate runs them (feature `train` of the CLI).

use std::path::{Path, PathBuf};

use crate::convert::ConvertOptions;

/// Where the learner runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// CUDA when usable, else the CPU (the reason kept for verbose output).
    Auto,
    Cpu,
    /// A CUDA GPU; an error when none is usable.
    Cuda,
}

/// Which learner `train` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The DeepWisdom pipeline of the dataset's domain; its last model is saved as a bundle.
    Auto,
    /// Constant scores (NAUC 0): checks the plumbing.
    Constant,
    /// A linear model on pooled inputs.
    Linear,
}

/// The learner of a run that trains: which one, what it reads beside the dataset, where it
/// runs, its seed and how much it says. `train` sets every field; `rate` always runs `Auto`.
#[derive(Debug, Clone)]
pub struct LearnerOptions {
    pub model: Model,
    /// Folder with pretrained image weights (`resnet18.safetensors`).
    pub weights: Option<PathBuf>,
    /// fastText `.vec` file for the text learner.
    pub embeddings: Option<PathBuf>,
    pub device: Device,
    /// Seed of weight initialisation and batch order.
    pub seed: u64,
    /// Internal detail of the learner (epochs, batch shapes, why CUDA was not used).
    pub verbose: bool,
}

impl Default for LearnerOptions {
    /// The automatic model on the best device, no extra inputs, the CLI's default seed.
    fn default() -> Self {
        LearnerOptions { model: Model::Auto, weights: None, embeddings: None, device: Device::Auto, seed: DEFAULT_SEED, verbose: false }
    }
}

/// The seed of every command that takes `--seed`, unless told otherwise.
pub const DEFAULT_SEED: u64 = 42;

/// A `train` run: a dataset, a budget, a learner; predictions, scores and model under `out`.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub dataset: PathBuf,
    pub out: PathBuf,
    /// Seconds (positive, finite).
    pub time_budget: f64,
    /// Replace the predictions/, scores/ and model/ of an earlier run in `out`.
    pub force: bool,
    /// Keep what a failed run created.
    pub keep: bool,
    pub learner: LearnerOptions,
    /// Score the run after it.
    pub score: bool,
}

/// A `rate` run: raw input (with its conversion) or a dataset → report.html under `out`.
#[derive(Debug, Clone)]
pub struct RateOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub time_budget: f64,
    /// `out` may replace an earlier rate output.
    pub force: bool,
    pub keep: bool,
    /// The learner (its `model` is ignored: rate always trains the automatic model).
    pub learner: LearnerOptions,
    /// Fewer progress notes and no learner messages.
    pub quiet: bool,
    /// The conversion of a raw input into `out/dataset` (`None`: the input is a dataset).
    pub conversion: Option<ConvertOptions>,
}

/// A `predict` run: a saved model applied to a dataset, an unlabelled set or raw inputs.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// A run folder (holds `model/`) or the bundle folder itself.
    pub run: PathBuf,
    /// A dataset, an unlabelled set or raw inputs.
    pub input: PathBuf,
    pub device: Device,
    /// How raw tables are read.
    pub raw: crate::unlabelled::RawOptions,
}

/// `rate`'s output folder when none is given: `rate-<input name>` in the current folder.
pub fn default_rate_out(input: &Path) -> PathBuf {
    let input_name = input
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "input".to_string());
    PathBuf::from(format!("rate-{input_name}"))
}

/// The folder `rate` converts a raw input into.
pub fn rate_dataset_dir(out: &Path) -> PathBuf {
    out.join("dataset")
}
