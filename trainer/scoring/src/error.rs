//! The scoring crate's single error type: reading a run, writing the score folder and report.
//! Every variant that concerns a file names it.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A dataset that cannot be read (the formats crate names file, record and offset).
    #[error(transparent)]
    Format(#[from] formats::Error),

    /// A prediction file the scorer cannot score: unparsable, wrong shape, NaN/inf, missing
    /// (SCORING.md §1.2). `line` is 1-based when the problem sits on one line.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    PredictionFile { path: PathBuf, line: Option<usize>, message: String },

    /// `start.txt` / `end.txt` that does not follow SCORING.md §1.3–1.4 (1-based line).
    #[error("{}:{line}: {message}", path.display())]
    IngestionRecord { path: PathBuf, line: usize, message: String },

    /// The solution or prediction folder layout is not scorable (no/several `.solution`, no
    /// `start.txt`, …).
    #[error("{}: {message}", path.display())]
    ScoringLayout { path: PathBuf, message: String },

    /// Writing the score folder failed (figure, page, `scores.txt`).
    #[error("{}: {message}", path.display())]
    ScoreOutput { path: PathBuf, message: String },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
