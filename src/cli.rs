//! The command line of both executables: `autodl-format` parses all of it (help, errors) and
//! hands `train`, `predict` and `rate` to `autodl-format-train`, which parses it again.

use clap::{Parser, Subcommand};

use crate::cmd;

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Every command's exit status is listed after its help (`-h` and `--help`).
#[derive(Subcommand)]
pub enum Command {
    /// Convert a raw folder or file (images, video, audio, text, tables) into a validated AutoDL dataset
    #[command(after_help = cmd::exit_codes::CONVERT)]
    Convert(cmd::convert::Args),
    /// Check a dataset against the AutoDL format (exit 0 valid, 1 errors found, 2 could not run)
    #[command(after_help = cmd::exit_codes::VALIDATE)]
    Validate(cmd::validate::Args),
    /// Summarise a dataset: domain, shape, counts, class histogram, sizes
    #[command(after_help = cmd::exit_codes::INSPECT)]
    Inspect(cmd::inspect::Args),
    /// Score an ingestion run: NAUC per prediction, ALC, learning-curve figure, HTML report
    #[command(after_help = cmd::exit_codes::SCORE)]
    Score(cmd::score::Args),
    /// Train a learner on a dataset (images, video, audio, text, tables) under the AutoDL time budget, then score the run
    #[command(after_help = cmd::exit_codes::TRAIN)]
    Train(cmd::train::Args),
    /// Score a dataset (test subset), an unlabelled set or raw inputs with a trained run's model; writes CSV
    #[command(after_help = cmd::exit_codes::PREDICT)]
    Predict(cmd::predict::Args),
    /// One shot: convert raw input (images, video, audio, text, tables) or take a dataset, validate, train, score; writes report.html
    #[command(after_help = cmd::exit_codes::RATE)]
    Rate(cmd::rate::Args),
    /// Scale-out: list an input once and assign every item its subset, id and shard (plan.jsonl)
    #[command(after_help = cmd::exit_codes::PLAN)]
    Plan(cmd::plan::Args),
    /// Scale-out: check the shards of a plan and merge them into one validated dataset
    #[command(after_help = cmd::exit_codes::MERGE)]
    Merge(cmd::merge::Args),
    /// Find what to fix in a dataset: exact duplicates, train↔test leakage, label conflicts, class and column facts
    #[command(after_help = cmd::exit_codes::AUDIT)]
    Audit(cmd::audit::Args),
    /// The self-service web page: upload data, watch it train, get the rating, predict on new data
    #[cfg(feature = "serve")]
    #[command(after_help = cmd::serve::EXIT_CODES)]
    Serve(cmd::serve::Args),
}

impl Command {
    /// True for the commands that train or load a model (run by `autodl-format-train`).
    pub fn needs_trainer(&self) -> bool {
        matches!(self, Command::Train(_) | Command::Predict(_) | Command::Rate(_))
    }
}

/// Runs a command that needs no trainer (`convert`, `validate`, `inspect`, `score`, `plan`,
/// `merge`, `audit`); the training commands are refused here (they run in `autodl-format-train`).
pub fn run_without_trainer(command: Command) -> anyhow::Result<i32> {
    match command {
        Command::Convert(args) => {
            // Interrupted conversions clean up their temporary folder (issue 9); rate and train install it themselves.
            if let Err(e) = converters_common::interrupt::install() {
                eprintln!("warning: cannot handle SIGINT/SIGTERM ({e}); an interrupted run leaves its temporary folder");
            }
            cmd::convert::run(args)
        }
        Command::Validate(args) => cmd::validate::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Score(args) => cmd::score::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => cmd::serve::run(args),
        Command::Train(_) | Command::Predict(_) | Command::Rate(_) => {
            anyhow::bail!("train, predict and rate run in autodl-format-train")
        }
    }
}

/// Ends the process with a command's result: its exit code, or 2 with the error chain.
pub fn exit_with(result: anyhow::Result<i32>) -> ! {
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::exit(2);
        }
    }
}
