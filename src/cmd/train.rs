//! `autodl-format train`: run a learner on a dataset under the AutoDL ingestion protocol
//! (SCORING.md §4), then score the run (§1–3, §6).
//!
//! Output layout of `--out DIR`:
//! - `DIR/predictions/`: `start.txt`, `<task>.predict_<k>`, `end.txt`, exactly as the
//!   original ingestion program writes them (readable by the original scorer);
//! - `DIR/scores/`: `scores.txt`, `learning-curve-<task>.png`/`.svg`, `detailed_results.html`
//!   (absent with `--no-score`);
//! - `DIR/model/`: with `--model auto`, the model behind the last prediction (`bundle.json`,
//!   `weights.safetensors`), read by `autodl-format predict --run DIR`.

//!
//! The arguments only: the run itself is in the `autodl-format-train` binary
//! (`src/train/train.rs`), so this binary never maps libtorch.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelChoice {
    /// DeepWisdom pipeline of the dataset's domain (image, tabular; a closed-form model otherwise)
    Auto,
    /// Constant scores for every example (NAUC 0): checks the plumbing
    Baseline0,
    /// Linear model on pooled inputs, trained with libtorch
    Baseline1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when usable, else the CPU (with a message)
    Auto,
    Cpu,
    /// A CUDA GPU; an error when none is usable
    Cuda,
}

#[derive(clap::Args)]
#[command(after_long_help = "Exit status: 0 the run succeeded; 1 the learner failed \
(ingestion_success: 0; predictions made before the failure are kept and scored); 2 the run \
could not start or scoring failed.\n\nLayout written under --out: predictions/ (start.txt, \
<task>.predict_<k>, end.txt in the original AutoDL format) and scores/ (scores.txt, \
learning-curve-<task>.png/.svg, detailed_results.html).")]
pub struct Args {
    /// Dataset folder (holds `<name>.data/` and `<name>.solution`)
    pub dataset: PathBuf,
    /// Time budget T in seconds; no prediction is recorded after T and the run stops by then
    #[arg(long, default_value_t = 1200.0)]
    pub time_budget: f64,
    /// Output folder; gets `predictions/` and `scores/` (predictions/ must not hold a run)
    #[arg(long)]
    pub out: PathBuf,
    /// Learner to run
    #[arg(long, value_enum, default_value_t = ModelChoice::Auto)]
    pub model: ModelChoice,
    /// Folder with pretrained weights for `--model auto` (`resnet18.safetensors`, torchvision names)
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// fastText `.vec` file for `--model auto` on text data (frozen-embedding TextCNN, spec §5.3)
    #[arg(long)]
    pub embeddings: Option<PathBuf>,
    /// Compute device
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Seed of weight initialisation and batch order (same seed ⇒ same predictions on CPU)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip scoring after the run
    #[arg(long)]
    pub no_score: bool,
    /// More detail (e.g. why CUDA was not used with `--device auto`)
    #[arg(short, long)]
    pub verbose: bool,
}
