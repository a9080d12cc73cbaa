//! `autodl-format`: thin CLI wiring over the `formats`, `converters-*`, `scoring` and `trainer`
//! crates. Each subcommand lives in `src/cmd/<name>.rs` with its `Args` and (for the commands
//! that do not train) a `run` function that returns the process exit code.
//!
//! Nothing in this library uses the `trainer` crate, so the `autodl-format` binary never maps
//! libtorch: `train`, `predict` and `rate` run in the sibling `autodl-format-train`
//! (`src/train/`, built with the `train` feature), started by [`sibling::run_trainer`]. Nor does
//! it install FFmpeg: conversions that need it continue in the sibling too ([`media`]).

pub mod cli;
pub mod cmd;
pub mod detect;
pub mod media;
pub mod sibling;
#[cfg(feature = "serve")]
pub mod serve;
