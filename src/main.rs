//! `autodl-format`: thin CLI wiring over the `formats`, `converters-*` and `trainer` crates.
//! Each subcommand lives in `src/cmd/<name>.rs` with its `Args` and a `run` function that
//! returns the process exit code.

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "autodl-format",
    version,
    about = "Turn raw data into validated AutoDL datasets, then train and score them",
    long_about = "autodl-format converts raw folders of images, videos, audio, text or tables into \
AutoDL datasets (TFRecord SequenceExamples + metadata.textproto + .solution), validates datasets \
against the format, trains a DeepWisdom-style model within a time budget and scores it with the \
AutoDL challenge's NAUC/ALC protocol."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert a raw folder or file (images, tables, text) into a validated AutoDL dataset
    Convert(cmd::convert::Args),
    /// Check a dataset against the AutoDL format (exit 0 valid, 1 errors found, 2 could not run)
    Validate(cmd::validate::Args),
    /// Summarise a dataset: domain, shape, counts, class histogram, sizes
    Inspect(cmd::inspect::Args),
    /// Score an ingestion run: NAUC per prediction, ALC, learning-curve figure, HTML report
    Score(cmd::score::Args),
    /// Train a learner on a dataset under the AutoDL time budget, then score the run
    Train(cmd::train::Args),
    /// Score a dataset (test subset) or an unlabelled set with a trained run's model; writes CSV
    Predict(cmd::predict::Args),
    /// One shot: convert a raw folder (or take a dataset), validate, train, score; writes report.html
    Rate(cmd::rate::Args),
    /// Scale-out: list an input once and assign every item its subset, id and shard (plan.jsonl)
    Plan(cmd::plan::Args),
    /// Scale-out: check the shards of a plan and merge them into one validated dataset
    Merge(cmd::merge::Args),
}

fn main() {
    // libtorch's OpenMP threads otherwise spin while idle, which made training steps 5–20×
    // slower on a busy 2-core machine (trainer/README.md); read once at OpenMP start-up.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        std::env::set_var("OMP_WAIT_POLICY", "PASSIVE");
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => {
            // Interrupted conversions clean up their temporary folder (issue 9); not under `rate`.
            if let Err(e) = converters_common::interrupt::install() {
                eprintln!("warning: cannot handle SIGINT/SIGTERM ({e}); an interrupted run leaves its temporary folder");
            }
            cmd::convert::run(args)
        }
        Command::Validate(args) => cmd::validate::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Score(args) => cmd::score::run(args),
        Command::Train(args) => cmd::train::run(args),
        Command::Predict(args) => cmd::predict::run(args),
        Command::Rate(args) => cmd::rate::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Merge(args) => cmd::merge::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::exit(2);
        }
    }
}
