//! `autodl-format rate INPUT [--time-budget 300] [-o DIR] [convert options…]`: the
//! self-service check of a dataset in one command: a raw folder/file is converted (same options
//! as `convert`), the dataset is validated (errors stop the run), the automatic model is trained
//! under the AutoDL protocol and scored, and everything lands in one `report.html`.
//!
//! Layout of `--out DIR` (default `rate-<input name>`):
//! - `DIR/dataset/`: the converted dataset (absent when INPUT already is a dataset);
//! - `DIR/predictions/`, `DIR/scores/`, `DIR/model/`: as written by `train`;
//! - `DIR/report.html`: the self-contained report.

//!
//! The arguments only: the run (conversion included) is in the `autodl-format-train` binary
//! (`src/train/rate.rs`).

use std::path::{Path, PathBuf};

use super::args::{AudioArgs, CommonArgs, Domain, ImageArgs, TabularArgs, TextArgs, VideoArgs};
use super::train::DeviceChoice;

#[derive(clap::Args)]
#[command(after_long_help = format!("INPUT is an AutoDL dataset when it is a folder holding exactly one \
<name>.data/ folder; anything else is raw input (images, video, audio, text, tables), converted \
first (see `autodl-format convert --help` for the layouts). Every option is checked before the \
conversion starts.\n\n{}\n\nreport.html shows: the dataset summary \
(inspect facts, class balance), a plain verdict (ALC and final NAUC ± their bootstrap spread, \
against chance and the first model; a finding when the test set is too small), validation \
findings, the learning curve with ALC, NAUC, top-1 accuracy and the challenge's mean probability \
on the true class, per-class AUC, precision and recall, the confusion matrix of single-label tasks, a few examples per class, run facts and the inputs \
the conversion skipped.", super::exit_codes::RATE))]
pub struct Args {
    /// Raw folder or file to convert, or an AutoDL dataset folder
    pub input: PathBuf,
    /// Time budget T of the training run, seconds (default: a quick 300 s; `train` defaults to
    /// the AutoDL challenge's 1200 s)
    #[arg(long, default_value_t = super::args::RATE_TIME_BUDGET, value_name = "SECONDS",
          value_parser = super::args::parse_time_budget, allow_negative_numbers = true)]
    pub time_budget: f64,
    /// Output folder (default: rate-<input name> in the current folder); --force replaces it
    #[arg(short = 'o', long)]
    pub out: Option<PathBuf>,
    /// Keep what a run that stops before its report created (by default it is removed)
    #[arg(long)]
    pub keep: bool,
    /// Compute device of the training run
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Folder with pretrained weights (`resnet18.safetensors`) for the image model
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// More detail (e.g. why CUDA was not used with `--device auto`)
    #[arg(short, long)]
    pub verbose: bool,
    /// Input domain of a raw INPUT
    #[arg(long, value_enum, default_value_t = Domain::Auto)]
    pub domain: Domain,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub tabular: TabularArgs,
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub video: VideoArgs,
    #[command(flatten)]
    pub audio: AudioArgs,
}

/// A folder holding exactly one `<name>.data/` folder is an AutoDL dataset (spec §1.1).
pub fn is_autodl_dataset(path: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(path) else { return false };
    let data_dirs = entries
        .flatten()
        .filter(|e| e.path().is_dir() && e.file_name().to_string_lossy().ends_with(".data"))
        .count();
    data_dirs == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_one_data_folder_is_a_dataset() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("ds/x.data/train")).unwrap();
        assert!(is_autodl_dataset(&d.path().join("ds")));
        std::fs::create_dir_all(d.path().join("two/a.data")).unwrap();
        std::fs::create_dir_all(d.path().join("two/b.data")).unwrap();
        assert!(!is_autodl_dataset(&d.path().join("two")));
        std::fs::create_dir_all(d.path().join("raw/cat")).unwrap();
        assert!(!is_autodl_dataset(&d.path().join("raw")));
    }
}
