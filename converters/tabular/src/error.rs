//! The crate's error type: a whole-table failure (unreadable file, unsupported column type,
//! impossible options). One bad row is not an error here but a
//! [`converters_common::ItemError`] handed to the skip report.

use std::path::PathBuf;

use converters_common::{ConvertError, ItemError};

pub type Result<T, E = TabularError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The file cannot be read as a table at all (bad header, bad Parquet footer, …).
    #[error("{}: {message}", path.display())]
    Table { path: PathBuf, message: String },

    /// A column whose type or content cannot become features or labels.
    #[error("{}: column '{column}': {message}", path.display())]
    Column { path: PathBuf, column: String, message: String },

    /// A CSV line longer than the limit (protects memory against a file without newlines).
    #[error("{}: line {line}: longer than {limit} bytes", path.display())]
    LineTooLong { path: PathBuf, line: u64, limit: usize },

    /// An option that cannot work with this input (checked before rows are written).
    #[error("invalid option: {0}")]
    Options(String),

    /// A row-level problem escalated by the error policy, or a split/writer failure.
    #[error(transparent)]
    Convert(#[from] ConvertError),

    #[error(transparent)]
    Format(#[from] formats::Error),
}

impl TabularError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TabularError::Io { path: path.into(), source }
    }
    pub fn table(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        TabularError::Table { path: path.into(), message: message.into() }
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
        TabularError::Convert(ConvertError::Item(e))
    }
}

impl From<TabularError> for ConvertError {
    fn from(e: TabularError) -> Self {
        match e {
            TabularError::Convert(c) => c,
            TabularError::Format(f) => ConvertError::Format(f),
            TabularError::Io { path, source } => ConvertError::Io { path, source },
            TabularError::Options(m) => ConvertError::Options(m),
            other => {
                let path = match &other {
                    TabularError::Table { path, .. }
                    | TabularError::Column { path, .. }
                    | TabularError::LineTooLong { path, .. } => path.clone(),
                    _ => PathBuf::new(),
                };
                let message = strip_path(&other.to_string(), &path);
                ConvertError::Input { path, message }
            }
        }
    }
}

/// `ConvertError::Input` prints the path itself; avoid printing it twice.
fn strip_path(message: &str, path: &std::path::Path) -> String {
    let prefix = format!("{}: ", path.display());
    message.strip_prefix(&prefix).unwrap_or(message).to_string()
}
