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
//! The arguments only: the run is [`pipeline::train`], called (and printed) by the
//! `autodl-format-train` binary (`src/train/train.rs`), so this binary never maps libtorch.

use std::path::PathBuf;

use pipeline::options::{LearnerOptions, TrainOptions};

use super::args::{DeviceChoice, ModelChoice};

#[derive(clap::Args)]
#[command(after_long_help = format!("{}\n\nLayout written under --out: predictions/ (start.txt, \
<task>.predict_<k>, end.txt in the original AutoDL format), scores/ (scores.txt, \
learning-curve-<task>.png/.svg, detailed_results.html) and model/ (--model auto). --force replaces \
these three and leaves anything else in OUT alone.", super::exit_codes::TRAIN))]
pub struct Args {
    /// Dataset folder (holds `<name>.data/` and `<name>.solution`)
    pub dataset: PathBuf,
    /// Time budget T in seconds; no prediction is recorded after T and the run stops by then
    /// (default: the AutoDL challenge's 1200 s, which the ALC's time axis assumes; `rate`
    /// defaults to a quicker 300 s)
    #[arg(long, default_value_t = super::args::TRAIN_TIME_BUDGET, value_name = "SECONDS",
          value_parser = super::args::parse_time_budget, allow_negative_numbers = true)]
    pub time_budget: f64,
    /// Output folder; gets `predictions/`, `scores/` and `model/`
    #[arg(short = 'o', long)]
    pub out: PathBuf,
    /// Replace the predictions/, scores/ and model/ of an earlier run in OUT
    #[arg(long)]
    pub force: bool,
    /// Keep what a failed run created (by default a run that fails before it scored anything
    /// removes the folders it created)
    #[arg(long)]
    pub keep: bool,
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
    #[arg(long, default_value_t = super::args::DEFAULT_SEED, allow_negative_numbers = true)]
    pub seed: u64,
    /// Skip scoring after the run
    #[arg(long)]
    pub no_score: bool,
    /// More detail (e.g. why CUDA was not used with `--device auto`)
    #[arg(short, long)]
    pub verbose: bool,
}

impl From<&Args> for TrainOptions {
    fn from(a: &Args) -> Self {
        TrainOptions {
            dataset: a.dataset.clone(),
            out: a.out.clone(),
            time_budget: a.time_budget,
            force: a.force,
            keep: a.keep,
            learner: LearnerOptions {
                model: a.model.into(),
                weights: a.weights.clone(),
                embeddings: a.embeddings.clone(),
                device: a.device.into(),
                seed: a.seed,
                verbose: a.verbose,
            },
            score: !a.no_score,
        }
    }
}
