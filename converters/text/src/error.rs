//! The crate's error type: failures of a whole conversion (unreadable layout, tokenizer
//! training, options). One bad document is a [`converters_common::ItemError`] for the skip
//! report instead.

use std::path::PathBuf;

use converters_common::{ConvertError, ItemError};

pub type Result<T, E = TextError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The input cannot be read as a corpus (bad meta.json, missing column, …).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },

    /// The `tokenizers` crate refused to train or encode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),

    #[error("invalid option: {0}")]
    Options(String),

    #[error(transparent)]
    Convert(#[from] ConvertError),

    #[error(transparent)]
    Format(#[from] formats::Error),
}

impl TextError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TextError::Io { path: path.into(), source }
    }
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        TextError::Input { path: path.into(), message: message.into() }
    }
}

impl From<ItemError> for TextError {
    fn from(e: ItemError) -> Self {
        TextError::Convert(ConvertError::Item(e))
    }
}

impl From<TextError> for ConvertError {
    fn from(e: TextError) -> Self {
        match e {
            TextError::Convert(c) => c,
            TextError::Format(f) => ConvertError::Format(f),
            TextError::Io { path, source } => ConvertError::Io { path, source },
            TextError::Input { path, message } => ConvertError::Input { path, message },
            TextError::Options(m) => ConvertError::Options(m),
            TextError::Tokenizer(m) => ConvertError::Options(format!("tokenizer: {m}")),
        }
    }
}
