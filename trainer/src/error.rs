//! The trainer crate's single error type: ingestion, learners, devices (scoring errors wrapped).
//! Every variant that concerns a file names it.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a named file failed.
    #[error(transparent)]
    Io(#[from] formats::IoError),

    /// A dataset that cannot be read (the formats crate names file, record and offset).
    #[error(transparent)]
    Format(#[from] formats::Error),

    /// A record whose content cannot be turned into features (file, 0-based record index).
    #[error("{}: record {record}: {message}", path.display())]
    Data { path: PathBuf, record: u64, message: String },

    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),

    /// The requested compute device cannot be used.
    #[error("device: {0}")]
    Device(String),

    /// A prediction matrix with the wrong shape or non-finite values (spec SCORING.md §1.2).
    #[error("bad prediction: {0}")]
    BadPrediction(String),

    /// A learner failed inside `train` or `predict`.
    #[error("learner {learner}: {message}")]
    Learner { learner: String, message: String },

    /// The learner saw the cancellation token (deadline reached).
    #[error("cancelled")]
    Cancelled,

    /// An invalid run configuration (checked before any work starts).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Scoring a run or writing its report failed (the scoring crate names the file).
    #[error(transparent)]
    Scoring(#[from] scoring::Error),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(formats::IoError::new(path, source))
    }
    pub fn learner(learner: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Learner { learner: learner.into(), message: message.into() }
    }
}
