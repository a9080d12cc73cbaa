//! `autodl-format`: the CLI (definition in `autodl_format::cli`). Commands that train or load a
//! model are handed to `autodl-format-train`, so this executable never maps libtorch; so are
//! conversions that need FFmpeg (`autodl_format::media`), so it does not map FFmpeg either —
//! unless it is built without the trainer, when it installs FFmpeg itself.

use autodl_format::cli::{exit_with, run_without_trainer, Cli};
use clap::Parser;

fn main() {
    #[cfg(not(feature = "train"))]
    autodl_format::media::install_ffmpeg();
    let cli = Cli::parse();
    let result = if cli.command.needs_trainer() {
        autodl_format::sibling::run_trainer()
    } else {
        run_without_trainer(cli.command)
    };
    exit_with(result)
}
