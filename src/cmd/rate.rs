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
//! The arguments only: the run (conversion included) is [`pipeline::rate`], called and printed
//! by the `autodl-format-train` binary (`src/train/rate.rs`).

use std::path::PathBuf;

use pipeline::options::{default_rate_out, rate_dataset_dir, LearnerOptions, RateOptions};

use super::args::ConvertFlags;
use super::args::DeviceChoice;

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
    // conversion flags of a raw INPUT, as `convert` takes them
    #[command(flatten)]
    pub flags: ConvertFlags,
}

impl Args {
    /// The library's options of this run: a raw INPUT's kind is detected (or taken from
    /// `--domain`) here, so a flag that does not apply to it is refused before any work.
    pub fn options(&self) -> anyhow::Result<RateOptions> {
        let out = self.out.clone().unwrap_or_else(|| default_rate_out(&self.input));
        let conversion = if pipeline::detect::is_autodl_dataset(&self.input) {
            None
        } else {
            let domain = pipeline::convert::resolve_domain(&self.input, self.flags.domain.chosen())?;
            let mut options = self.flags.options(&rate_dataset_dir(&out), domain)?;
            // rate owns its output folder (checked by the run): the dataset inside it is always replaced
            options.common.force = true;
            Some(options)
        };
        Ok(RateOptions {
            input: self.input.clone(),
            out,
            time_budget: self.time_budget,
            force: self.flags.common.force,
            keep: self.keep,
            learner: LearnerOptions {
                weights: self.weights.clone(),
                device: self.device.into(),
                seed: self.flags.common.seed,
                verbose: self.verbose,
                ..LearnerOptions::default()
            },
            quiet: self.flags.common.quiet,
            conversion,
        })
    }
}
