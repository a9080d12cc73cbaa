//! The pipeline's one error type: the failures of the crates it drives, a message of its own,
//! or either of those behind a line saying what was being done (printed as a chain).

use std::fmt::Display;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A conversion failed (the converters name the file and the position).
    #[error(transparent)]
    Convert(#[from] converters_common::ConvertError),

    /// A dataset could not be read or written.
    #[error(transparent)]
    Format(#[from] formats::Error),

    /// Scoring or the report failed.
    #[error(transparent)]
    Scoring(#[from] scoring::Error),

    /// The trainer failed (device, dataset, learner): its error, boxed because this crate does
    /// not depend on the trainer (see the crate's doc).
    #[error(transparent)]
    Trainer(Box<dyn std::error::Error + Send + Sync + 'static>),

    /// A refusal or failure the pipeline itself describes (names the file and the reason).
    #[error("{0}")]
    Message(String),

    /// What was being done when `source` failed (the chain prints "context: source").
    #[error("{context}")]
    Context {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl Error {
    pub fn msg(message: impl Display) -> Self {
        Error::Message(message.to_string())
    }

    /// A trainer failure, unchanged in its message and chain (`.map_err(Error::trainer)?`).
    pub fn trainer(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Trainer(Box::new(e))
    }
}

/// An early return with a [`Error::Message`].
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::Error::Message(format!($($arg)*)))
    };
}

/// `.context(..)` / `.with_context(|| ..)` on any result whose error is a standard error.
pub trait Context<T> {
    fn context(self, context: impl Display) -> Result<T>;
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Display) -> Result<T> {
        self.map_err(|e| Error::Context { context: context.to_string(), source: Box::new(e) })
    }
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| Error::Context { context: context().to_string(), source: Box::new(e) })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Display) -> Result<T> {
        self.ok_or_else(|| Error::msg(context))
    }
    fn with_context<C: Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| Error::msg(context()))
    }
}
