//! The crate's single error type. Every variant says which file; record-level errors also
//! say which record (0-based index in its file) and at which byte offset the record starts.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong inside one TFRecord record (spec §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingError {
    /// Fewer than 12 bytes (length + length CRC) where a record header should start.
    TruncatedHeader { available: u64 },
    /// The header announces more payload (+4 CRC bytes) than the file still holds.
    TruncatedPayload { length: u64, available: u64 },
    BadLengthCrc { expected: u32, found: u32 },
    BadPayloadCrc { expected: u32, found: u32 },
    /// Bytes after the last complete record that cannot start a record.
    TrailingGarbage { bytes: u64 },
    /// The length field exceeds a configured limit (protects memory).
    LengthTooLarge { length: u64, limit: u64 },
}

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FramingError::TruncatedHeader { available } => {
                write!(f, "truncated record header: {available} of 12 bytes present")
            }
            FramingError::TruncatedPayload { length, available } => write!(
                f,
                "truncated record payload: header says {length} bytes (+4 CRC) but only {available} remain"
            ),
            FramingError::BadLengthCrc { expected, found } => write!(
                f,
                "length CRC mismatch: stored {found:#010x}, computed {expected:#010x}"
            ),
            FramingError::BadPayloadCrc { expected, found } => write!(
                f,
                "payload CRC mismatch: stored {found:#010x}, computed {expected:#010x}"
            ),
            FramingError::TrailingGarbage { bytes } => {
                write!(f, "{bytes} trailing bytes after the last record")
            }
            FramingError::LengthTooLarge { length, limit } => {
                write!(f, "record length {length} exceeds the limit of {limit} bytes")
            }
        }
    }
}

impl FramingError {
    /// Stable code used by the validator (`validate --json`).
    pub fn code(&self) -> &'static str {
        match self {
            FramingError::TruncatedHeader { .. } => "TFR_TRUNCATED_HEADER",
            FramingError::TruncatedPayload { .. } => "TFR_TRUNCATED_PAYLOAD",
            FramingError::BadLengthCrc { .. } => "TFR_BAD_LENGTH_CRC",
            FramingError::BadPayloadCrc { .. } => "TFR_BAD_PAYLOAD_CRC",
            FramingError::TrailingGarbage { .. } => "TFR_TRAILING_GARBAGE",
            FramingError::LengthTooLarge { .. } => "TFR_LENGTH_TOO_LARGE",
        }
    }
}

/// An I/O failure on a named file. Every crate of the workspace wraps this one in its own
/// error type rather than writing the variant out again.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct IoError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    pub fn new(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError { path: path.into(), source }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] IoError),

    /// A framing problem in a TFRecord file.
    #[error("{}: record {record} at byte {offset}: {kind}", path.display())]
    Framing {
        path: PathBuf,
        record: u64,
        offset: u64,
        kind: FramingError,
    },

    /// A record whose payload is not a valid AutoDL SequenceExample.
    #[error("{}: record {record} at byte {offset}: {message}", path.display())]
    Example {
        path: PathBuf,
        record: u64,
        offset: u64,
        message: String,
    },

    /// `metadata.textproto` does not parse or breaks the schema (1-based line and column).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Metadata {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// A `.solution` file problem (1-based line).
    #[error("{}:{line}: {message}", path.display())]
    Solution {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// The dataset folder layout is wrong (missing/duplicate `.data`, no `sample*` file, …).
    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },

    /// A compressed frame that cannot be decoded.
    #[error("{}: record {record}, frame {frame}: cannot decode image: {message}", path.display())]
    Decode {
        path: PathBuf,
        record: u64,
        frame: usize,
        message: String,
    },

    /// The writer was asked to do something invalid (e.g. overwrite without `force`).
    #[error("{}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(IoError::new(path, source))
    }
    pub fn layout(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Layout { path: path.into(), message: message.into() }
    }
}
