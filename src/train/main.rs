//! `autodl-format-train`: the commands that train or load a model (`train`, `predict`, `rate`),
//! linked with libtorch, and the conversions that need FFmpeg (`autodl_format::media`).
//! `autodl-format` starts it with its own arguments; it parses the same command line
//! (`autodl_format::cli`) and runs the other commands too, as the same library calls (so it is
//! the whole CLI with libtorch and FFmpeg mapped: the start-up bench compares the two).

use autodl_format::cli::{exit_with, run_without_trainer, Cli, Command};
use clap::Parser;

mod predict;
mod rate;
mod train;

fn main() {
    // libtorch's OpenMP threads otherwise spin while idle, which made training steps 5–20×
    // slower on a busy 2-core machine (trainer/README.md); read once at OpenMP start-up.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        std::env::set_var("OMP_WAIT_POLICY", "PASSIVE");
    }
    // This executable maps FFmpeg: video and FFmpeg-only audio are converted here.
    autodl_format::media::install_ffmpeg();
    let cli = Cli::parse();
    let result = match cli.command {
        // The learner runs in a supervised child, killed at its hard stop (issue 15).
        Command::Train(args) if !pipeline_train::supervise::is_worker() => train::supervised(args),
        Command::Train(args) => train::run(args),
        Command::Predict(args) => check_predict_out(&args).and_then(|()| predict::run(args)),
        Command::Rate(args) if !pipeline_train::supervise::is_worker() => rate::supervised(args),
        Command::Rate(args) => rate::run(args),
        other => run_without_trainer(other),
    };
    exit_with(result)
}

/// Before any work: `predict -o CSV` replaces an existing file only with `--force` (issue 21).
fn check_predict_out(args: &autodl_format::cmd::predict::Args) -> anyhow::Result<()> {
    let out = &args.output;
    if out.as_os_str() != "-" && std::fs::symlink_metadata(out).is_ok() && !args.force {
        anyhow::bail!("{}: already exists; give --force to replace it, or choose another -o", out.display());
    }
    if out.is_dir() {
        anyhow::bail!("{}: is a folder; -o names the CSV file to write", out.display());
    }
    Ok(())
}
