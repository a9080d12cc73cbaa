//! The crate's single error type: every variant names the file (and the record where one is at fault).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading the dataset failed; the `formats` error names the file, record and byte offset.
    #[error(transparent)]
    Format(#[from] formats::Error),
    /// A record that reads but cannot be audited (e.g. a tabular row whose size is not the spec's).
    #[error("{}: record {record}: {message}", path.display())]
    Record { path: PathBuf, record: u64, message: String },
    /// The dataset as a whole does not fit (solution rows ≠ test records, no metadata, …).
    #[error("{}: {message}", path.display())]
    Dataset { path: PathBuf, message: String },
}
