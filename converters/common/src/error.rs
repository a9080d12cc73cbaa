//! The crate's error types: [`ConvertError`] stops a conversion, [`ItemError`] concerns one
//! input (a file, a CSV row) and is skipped or escalated according to the error policy.

use std::fmt;
use std::path::PathBuf;

pub type Result<T, E = ConvertError> = std::result::Result<T, E>;

/// One input that cannot be converted: which file (and line, for CSV rows) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub path: PathBuf,
    /// 1-based line in `path` when the input is a row of a listing file (e.g. `labels.csv`).
    pub line: Option<usize>,
    pub reason: String,
}

impl ItemError {
    pub fn new(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        ItemError { path: path.into(), line: None, reason: reason.into() }
    }
    pub fn at_line(path: impl Into<PathBuf>, line: usize, reason: impl Into<String>) -> Self {
        ItemError { path: path.into(), line: Some(line), reason: reason.into() }
    }
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

impl std::error::Error for ItemError {}

/// Why a conversion as a whole failed.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The input folder or one of its listing files is unusable as a whole
    /// (no labels, ambiguous layout, malformed header, …).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },

    /// An option value that cannot work (checked before any work starts).
    #[error("invalid option: {0}")]
    Options(String),

    /// One input failed under `--on-error fail`.
    #[error("{0} (--on-error fail)")]
    Item(ItemError),

    /// More inputs were skipped than `--max-errors` allows.
    #[error("{skipped} inputs skipped, more than --max-errors {max}; last: {last}")]
    TooManyErrors { skipped: usize, max: usize, last: ItemError },

    /// The split cannot produce usable subsets.
    #[error("split: {0}")]
    Split(String),

    /// Reading or writing the AutoDL dataset failed.
    #[error(transparent)]
    Format(#[from] formats::Error),

    /// SIGINT/SIGTERM arrived mid-conversion (see [`crate::interrupt`]); nothing was written.
    #[error("interrupted by {signal}: the output was not written")]
    Interrupted { signal: &'static str },

    /// The freshly written dataset did not pass the validator.
    #[error("{}: the converted dataset fails validation: {summary}", path.display())]
    Validation { path: PathBuf, summary: String },
}

impl ConvertError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ConvertError::Io { path: path.into(), source }
    }
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ConvertError::Input { path: path.into(), message: message.into() }
    }
}
