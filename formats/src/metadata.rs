//! `metadata.textproto`: a strict parser and a printer following the reference writer (§4).
//!
//! CONTRACT (shared with other modules):
//! - `DataSpec::parse(text, path) -> Result<DataSpec>`: names in any order, `#` comments,
//!   single/double quotes, C escapes, legacy files without `sequence_size`/`num_channels`;
//!   an unknown field is `Error::Metadata` with line and column.
//! - `DataSpec::to_textproto(&self) -> String`: reference writer line order and key quoting
//!   (§4.4, with the C1 caution).
//! - `DataSpec::read(path)` / `write(path)` helpers.

/// `MatrixSpec.Format` (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Format {
    Dense,
    Sparse,
    Compressed,
}

/// `autodl.MatrixSpec`. Absent optional fields keep their proto defaults; the `*_present`
/// flags of [`DataSpec`] record what the file actually said, for legacy warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSpec {
    pub col_count: i32,
    pub row_count: i32,
    pub is_sequence_col: bool,
    pub is_sequence_row: bool,
    pub has_locality_col: bool,
    pub has_locality_row: bool,
    pub is_sparse: bool,
    pub format: Format,
    /// −1 = unspecified ⇒ 3 for COMPRESSED, 1 otherwise.
    pub num_channels: i32,
    /// False when the file had no `num_channels` line (legacy). `Default` sets it true; the
    /// printer omits the line only when this is false and the value is the default −1.
    pub num_channels_present: bool,
}

impl Default for MatrixSpec {
    fn default() -> Self {
        MatrixSpec {
            col_count: 0,
            row_count: 0,
            is_sequence_col: false,
            is_sequence_row: false,
            has_locality_col: false,
            has_locality_row: false,
            is_sparse: false,
            format: Format::Dense,
            num_channels: -1,
            // A spec built in code is written with every line, as the reference writer does.
            num_channels_present: true,
        }
    }
}

impl MatrixSpec {
    /// `num_channels` with −1 resolved as the reference reader does.
    pub fn effective_channels(&self) -> i32 {
        if self.num_channels > 0 {
            self.num_channels
        } else if self.format == Format::Compressed {
            3
        } else {
            1
        }
    }
}

/// `autodl.DataSpecification`. Maps keep file order (the printer writes them in this order;
/// readers must not rely on it).
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    pub matrix_spec: Vec<MatrixSpec>,
    pub is_sequence: bool,
    pub output_dim: i32,
    pub label_to_index_map: Vec<(String, i32)>,
    pub feature_to_index_map: Vec<(String, i32)>,
    pub channel_to_index_map: Vec<(String, i32)>,
    /// Proto default 1; −1 = variable.
    pub sequence_size: i32,
    /// False when the file had no `sequence_size` line (legacy). `Default` sets it true; the
    /// printer omits the line only when this is false and the value is the default 1.
    pub sequence_size_present: bool,
    pub sample_count: i64,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            matrix_spec: vec![],
            is_sequence: false,
            output_dim: 0,
            label_to_index_map: vec![],
            feature_to_index_map: vec![],
            channel_to_index_map: vec![],
            sequence_size: 1,
            sequence_size_present: true,
            sample_count: 0,
        }
    }
}

use std::path::Path;

use crate::error::{Error, Result};

/// A non-fatal observation made while parsing (for the validator): 1-based position, a
/// stable code and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataNote {
    pub line: usize,
    pub column: usize,
    pub code: &'static str,
    pub message: String,
}

/// Where a field was found in the text (1-based), e.g. `output_dim`, `matrix_spec[0].col_count`,
/// `label_to_index_map[3]` (entry index in file order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLocation {
    pub field: String,
    pub line: usize,
    pub column: usize,
}

/// The result of [`DataSpec::parse_with_notes`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDataSpec {
    pub spec: DataSpec,
    pub notes: Vec<MetadataNote>,
    pub fields: Vec<FieldLocation>,
}

impl DataSpec {
    /// Strict parse of `metadata.textproto` text; `path` only labels errors.
    pub fn parse(text: &str, path: &Path) -> Result<DataSpec> {
        Ok(Self::parse_with_notes(text, path)?.spec)
    }

    /// Like [`DataSpec::parse`], also returning non-fatal notes and field positions.
    pub fn parse_with_notes(_text: &str, path: &Path) -> Result<ParsedDataSpec> {
        Err(Error::Metadata {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "metadata parser not implemented yet".into(),
        })
    }

    /// Reads and parses a `metadata.textproto` file.
    pub fn read(path: &Path) -> Result<DataSpec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// The text the reference writer would produce (§4.4).
    pub fn to_textproto(&self) -> String {
        String::new()
    }

    /// Writes [`DataSpec::to_textproto`] to `path` (the caller owns atomicity).
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_textproto()).map_err(|e| Error::io(path, e))
    }
}

/// Python `repr(token)` without the surrounding quotes: the first of the two escapings
/// the text converter applies to vocabulary keys (spec §5.4).
pub fn vocab_key_escape(token: &str) -> String {
    token.to_string()
}

/// Undo [`vocab_key_escape`] with Python string-literal rules (spec §5.4). Malformed escapes
/// are kept literally.
pub fn vocab_key_unescape(key: &str) -> String {
    key.to_string()
}
