//! `autodl-format predict`: score a dataset with the model bundle a `train --model auto` run
//! saved, writing one CSV row per example with the class names as columns.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use trainer::bundle::{prediction_csv, ModelBundle};
use trainer::device::{select_device, DeviceRequest};
use trainer::learner::CancelToken;

use super::train::DeviceChoice;

#[derive(clap::Args)]
#[command(after_long_help = "INPUT is an AutoDL dataset (its test subset is scored) or an \
unlabelled set (a folder with `unlabelled/`, AUTODL_FORMAT.md §1.3). Rows follow the record \
order of the input files. Exit status: 0 written; 2 could not run.")]
pub struct Args {
    /// Run folder of `train` (holds `model/`), or the bundle folder itself
    #[arg(long)]
    pub run: PathBuf,
    /// Dataset or unlabelled set to score
    pub input: PathBuf,
    /// Output CSV ("-" = standard output)
    #[arg(short = 'o', long, default_value = "-")]
    pub output: PathBuf,
    /// Compute device
    #[arg(long, value_enum, default_value_t = DeviceChoice::Cpu)]
    pub device: DeviceChoice,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let request = match args.device {
        DeviceChoice::Auto => DeviceRequest::Auto,
        DeviceChoice::Cpu => DeviceRequest::Cpu,
        DeviceChoice::Cuda => DeviceRequest::Cuda,
    };
    let device = select_device(request)?;
    let bundle = ModelBundle::load(&args.run).with_context(|| format!("cannot load a model from {}", args.run.display()))?;
    let matrix = bundle
        .predict_dataset(&args.input, device.device, &CancelToken::new())
        .with_context(|| format!("cannot predict {}", args.input.display()))?;
    let csv = prediction_csv(&matrix, &bundle.config.label_names);
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) ends quietly.
        if let Err(e) = out.write_all(csv.as_bytes()).and_then(|_| out.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(e.into());
            }
        }
    } else {
        // Written next to the target and renamed, so a failure never leaves half a file.
        let mut name = args.output.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let temp = args.output.with_file_name(name);
        std::fs::write(&temp, csv.as_bytes()).with_context(|| format!("cannot write {}", temp.display()))?;
        if let Err(e) = std::fs::rename(&temp, &args.output) {
            let _ = std::fs::remove_file(&temp);
            return Err(e).with_context(|| format!("cannot write {}", args.output.display()));
        }
        eprintln!("{} rows × {} classes written to {}", matrix.rows(), matrix.cols(), args.output.display());
    }
    Ok(0)
}
