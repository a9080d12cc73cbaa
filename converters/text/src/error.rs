//! The crate's error type: failures of a whole conversion (unreadable layout, tokenizer
//! training, options). One bad document is a [`converters_common::ItemError`] for the skip
//! report instead. What every converter can fail with (I/O, an unusable input, an option) is
//! converters-common's [`ConvertError`], wrapped.

use std::path::PathBuf;

use converters_common::{ConvertError, ItemError};

pub type Result<T, E = TextError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The `tokenizers` crate refused to train or encode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),

    /// An unreadable file, an input that cannot be read as a corpus (bad meta.json, missing
    /// column, …), an option that cannot work, a document escalated by the error policy, a
    /// split or writer failure.
    #[error(transparent)]
    Convert(#[from] ConvertError),
}

impl TextError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ConvertError::io(path, source).into()
    }
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ConvertError::input(path, message).into()
    }
    pub fn options(message: impl Into<String>) -> Self {
        ConvertError::Options(message.into()).into()
    }
}

impl From<ItemError> for TextError {
    fn from(e: ItemError) -> Self {
        ConvertError::Item(e).into()
    }
}

impl From<formats::Error> for TextError {
    fn from(e: formats::Error) -> Self {
        ConvertError::Format(e).into()
    }
}

impl From<TextError> for ConvertError {
    fn from(e: TextError) -> Self {
        match e {
            TextError::Convert(c) => c,
            TextError::Tokenizer(m) => ConvertError::Options(format!("tokenizer: {m}")),
        }
    }
}
