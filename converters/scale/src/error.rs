//! The error type of scale-out conversion.

use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, ScaleError>;

#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The plan file is malformed or was edited after it was written.
    #[error("{}:{line}: {message}", path.display())]
    Plan { path: PathBuf, line: usize, message: String },

    /// A shard is missing, corrupt, or does not belong to the plan.
    #[error("shard {shard}: {}: {message}", path.display())]
    Shard { shard: usize, path: PathBuf, message: String },

    #[error(transparent)]
    Convert(#[from] converters_common::ConvertError),

    #[error(transparent)]
    Format(#[from] formats::Error),
}

impl ScaleError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ScaleError::Io { path: path.into(), source }
    }
    pub fn shard(shard: usize, path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ScaleError::Shard { shard, path: path.into(), message: message.into() }
    }
}
