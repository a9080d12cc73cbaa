//! Starts `autodl-format-train`, the executable that links libtorch and installs FFmpeg, for the
//! commands that train or load a model and the conversions that need FFmpeg, so `autodl-format`
//! itself starts without either (issue 15).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};

/// File name of the training executable, installed next to `autodl-format`.
pub const TRAIN_EXE: &str = "autodl-format-train";

/// Where the training executable must be: beside the running one.
pub fn trainer_path() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the running executable")?;
    Ok(exe.with_file_name(format!("{TRAIN_EXE}{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs this process's command line in `autodl-format-train` and returns its exit code (on Unix
/// the process becomes it: signals, exit status and standard streams stay those of one
/// process).
pub fn run_trainer() -> anyhow::Result<i32> {
    if !cfg!(feature = "train") {
        bail!(
            "this build of autodl-format has no trainer (built without the `train` feature): \
             train, predict and rate are unavailable; convert, validate, inspect, plan, merge and score work"
        );
    }
    let path = trainer_path()?;
    if !path.is_file() {
        bail!(
            "{}: missing; train, predict and rate run in this executable, which belongs next to autodl-format",
            path.display()
        );
    }
    let mut command = Command::new(&path);
    command.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // the same argv[0], so clap's usage lines and errors name the command the user typed
        if let Some(arg0) = std::env::args_os().next() {
            command.arg0(arg0);
        }
        // exec returns only on failure
        let err = command.exec();
        Err(err).with_context(|| format!("cannot start {}", path.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().with_context(|| format!("cannot start {}", path.display()))?;
        Ok(status.code().unwrap_or(2))
    }
}
