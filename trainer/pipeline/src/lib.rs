//! The work behind the `autodl-format` commands, as functions with typed options (no flag
//! parsing here: the CLI turns its flags into these options and prints what comes back):
//!
//! - [`detect`]: which kind of input a file or folder is, and what to say when a command is
//!   given raw input or a run folder where it wants a dataset;
//! - [`convert`]: one entry point per input kind (images, tables, text, video, audio) and one
//!   that detects the kind;
//! - [`unlabelled`]: new inputs converted with a stored recipe into an unlabelled set;
//! - [`options`]: the typed options of the `train` and `rate` runs, which the `pipeline-train`
//!   crate runs. That part links libtorch, so it is a crate of its own: a crate that depends on
//!   the trainer brings libtorch into every executable that links it, and `autodl-format`
//!   (which converts and validates) must not.
//!
//! It lives in `trainer/` beside `scoring` and `audit`: the crates above the trainer and the
//! converters, which drive both (the `trainer` crate itself never uses the converters).

pub mod convert;
pub mod detect;
pub mod error;
pub mod options;
pub mod unlabelled;

pub use error::{Error, Result};
