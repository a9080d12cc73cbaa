//! `autodl-format`: thin CLI wiring over the `pipeline` library (detection, conversion, train
//! and rate) and the `formats`, `converters-*`, `scoring` and `audit` crates. Each subcommand
//! lives in `src/cmd/<name>.rs` with its `Args` and (for the commands that do not train) a `run`
//! function that parses nothing more, calls the library, prints and returns the exit code.
//!
//! Nothing in this library uses the `trainer` or `pipeline-train` crates, so the
//! `autodl-format` binary never maps libtorch: `train`, `predict` and `rate` run in the sibling `autodl-format-train`
//! (`src/train/`, built with the `train` feature), started by [`sibling::run_trainer`]. Nor does
//! it install FFmpeg: conversions that need it continue in the sibling too ([`media`]).

pub mod cli;
pub mod cmd;
/// Input detection lives in the pipeline library; re-exported for the commands that use it.
pub use pipeline::detect;
pub mod media;
pub mod sibling;
#[cfg(feature = "serve")]
pub mod serve;
