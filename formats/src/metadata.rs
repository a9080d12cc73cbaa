//! `metadata.textproto`: a strict parser and a printer following the reference writer (§4).
//!
//! CONTRACT (shared with other modules; implementation to be completed):
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
    /// False when the file had no `num_channels` line (legacy).
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
            num_channels_present: false,
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
    /// False when the file had no `sequence_size` line (legacy).
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
            sequence_size_present: false,
            sample_count: 0,
        }
    }
}
