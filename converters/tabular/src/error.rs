//! The crate's error type: a whole-table failure (unreadable file, unsupported column type,
//! impossible options). One bad row is not an error here but a
//! [`converters_common::ItemError`] handed to the skip report. What every converter can fail
//! with (I/O, an unusable input, an option) is converters-common's [`ConvertError`], wrapped.

use std::path::PathBuf;

use converters_common::{ConvertError, ItemError};

pub type Result<T, E = TabularError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    /// A column whose type or content cannot become features or labels.
    #[error("{}: column '{column}': {message}", path.display())]
    Column { path: PathBuf, column: String, message: String },

    /// A CSV line longer than the limit (protects memory against a file without newlines).
    #[error("{}: line {line}: longer than {limit} bytes", path.display())]
    LineTooLong { path: PathBuf, line: u64, limit: usize },

    /// An unreadable file, a file that cannot be read as a table at all (bad header, bad
    /// Parquet footer, …), an option that cannot work, a row escalated by the error policy, a
    /// split or writer failure.
    #[error(transparent)]
    Convert(#[from] ConvertError),
}

impl TabularError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ConvertError::io(path, source).into()
    }
    /// The file cannot be read as a table at all.
    pub fn table(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ConvertError::input(path, message).into()
    }
    /// An option that cannot work with this input (checked before rows are written).
    pub fn options(message: impl Into<String>) -> Self {
        ConvertError::Options(message.into()).into()
    }
    pub fn column(
        path: impl Into<PathBuf>,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        TabularError::Column { path: path.into(), column: column.into(), message: message.into() }
    }
}

impl From<ItemError> for TabularError {
    fn from(e: ItemError) -> Self {
        ConvertError::Item(e).into()
    }
}

impl From<formats::Error> for TabularError {
    fn from(e: formats::Error) -> Self {
        ConvertError::Format(e).into()
    }
}

impl From<TabularError> for ConvertError {
    fn from(e: TabularError) -> Self {
        match e {
            TabularError::Convert(c) => c,
            TabularError::Column { ref path, .. } | TabularError::LineTooLong { ref path, .. } => {
                // `ConvertError::Input` prints the path itself: not twice.
                let prefix = format!("{}: ", path.display());
                let message = e.to_string();
                ConvertError::input(path.clone(), message.strip_prefix(&prefix).unwrap_or(&message))
            }
        }
    }
}
