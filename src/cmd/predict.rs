//! `autodl-format predict`: score a dataset, an unlabelled set, or raw inputs with the model
//! bundle a `train`/`rate` run saved, writing one CSV row per example with the class names as
//! columns. Raw inputs are converted first with the run's conversion recipe
//! (`model/recipe.json`, [`pipeline::unlabelled`]) by the converter crates.
//!
//! The arguments only: the prediction runs in the `autodl-format-train` binary
//! (`src/train/predict.rs`).

use std::path::PathBuf;

use pipeline::options::PredictOptions;

use super::args::{DeviceChoice, RawArgs};

#[derive(clap::Args)]
#[command(after_long_help = "INPUT is an AutoDL dataset (its test subset is scored), an \
unlabelled set (a folder with `unlabelled/`, AUTODL_FORMAT.md §1.3), or raw inputs like those \
`convert` takes, without labels: a folder of images, clips or recordings (flat or nested), a \
folder of .txt documents or a CSV/TSV/JSONL corpus, a CSV/Parquet/Arrow table with or without \
the target column. Raw inputs are converted with the recipe the run stored at conversion time \
(sizes, channels, frames, sample rate, tokenizer and vocabulary, columns, categories, \
missing-value fills); a file or column it cannot map is an error naming it.\n\n\
For a dataset or an unlabelled set, rows follow the record order and the columns are the \
class names. For raw inputs, each row names its input: `path` (below INPUT) for files, `row` \
(1-based data row; plus --id-column) for tables and corpus files; then `predicted` (the class of \
highest probability) and one probability column per class.\n\n\
The input must be the kind of data the model was trained on: the same domain, classes, \
features (tables) and vocabulary (text), as recorded in model/bundle.json; otherwise nothing \
is written and the message names both sides. Exit status: 0 written; 2 could not run, or the \
input does not match the model.")]
pub struct Args {
    /// Run folder of `train`/`rate` (holds `model/`), or the bundle folder itself
    #[arg(long)]
    pub run: PathBuf,
    /// Dataset, unlabelled set or raw inputs to score
    pub input: PathBuf,
    /// Output CSV ("-" = standard output)
    #[arg(short = 'o', long = "out", alias = "output", value_name = "CSV", default_value = "-")]
    pub output: PathBuf,
    /// Replace the CSV if it exists
    #[arg(long)]
    pub force: bool,
    /// Compute device
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
    #[command(flatten)]
    pub raw: RawArgs,
}

impl From<&Args> for PredictOptions {
    fn from(a: &Args) -> Self {
        PredictOptions { run: a.run.clone(), input: a.input.clone(), device: a.device.into(), raw: (&a.raw).into() }
    }
}
