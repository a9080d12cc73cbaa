//! `autodl-format`: the CLI (definition in `autodl_format::cli`). Commands that train or load a
//! model are handed to `autodl-format-train`, so this executable never maps libtorch.

use autodl_format::cli::{exit_with, run_without_trainer, Cli};
use clap::Parser;

fn main() {
    let cli = Cli::parse();
    let result = if cli.command.needs_trainer() {
        autodl_format::sibling::run_trainer()
    } else {
        run_without_trainer(cli.command)
    };
    exit_with(result)
}
