//! One AutoDL example ⇄ a serialized `tf.train.SequenceExample` (spec §3).
//!
//! CONTRACT (shared with other modules; implementation to be completed):
//! - `encode` emits context `id`, `label_index`, `label_score` in that order, feature lists
//!   in key order, packed numeric lists, and `1a 00` / `12 00` for empty label lists (§3.1
//!   golden vector, byte for byte).
//! - `decode` accepts map entries in any order and reports every deviation from §3.2/§3.3
//!   as an [`ExampleError`] with a stable code.

/// Context keys (§3.2).
pub const KEY_ID: &str = "id";
pub const KEY_LABEL_INDEX: &str = "label_index";
pub const KEY_LABEL_SCORE: &str = "label_score";

/// Feature-list keys of bundle 0 (§3.3).
pub const KEY_DENSE: &str = "0_dense_input";
pub const KEY_COMPRESSED: &str = "0_compressed";
pub const KEY_SPARSE_ROW: &str = "0_sparse_row_index";
pub const KEY_SPARSE_COL: &str = "0_sparse_col_index";
pub const KEY_SPARSE_CHANNEL: &str = "0_sparse_channel_index";
pub const KEY_SPARSE_VALUE: &str = "0_sparse_value";

/// The example tensor `(T, H, W, C)` as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Frames {
    /// DENSE: all frames' floats back to back; frame `t` is `values[offsets[t]..offsets[t+1]]`
    /// (`offsets.len() == T + 1`, `offsets[0] == 0`). HWC order, channel fastest.
    Dense { values: Vec<f32>, offsets: Vec<usize> },
    /// COMPRESSED: one encoded image file (JPEG/PNG) per frame.
    Compressed(Vec<Vec<u8>>),
    /// SPARSE: per frame, parallel coordinate lists and values.
    Sparse(Vec<SparseFrame>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseFrame {
    pub row: Vec<i64>,
    pub col: Vec<i64>,
    /// Absent in files written by the tabular converter (⇒ channel 0).
    pub channel: Option<Vec<i64>>,
    pub value: Vec<f32>,
}

/// A decoded record: optional id, labels as parallel (index, score) lists, and the tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoDlExample {
    pub id: Option<i64>,
    pub label_index: Vec<i64>,
    pub label_score: Vec<f32>,
    pub frames: Frames,
}

/// Why a payload is not a valid AutoDL SequenceExample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleError {
    /// Stable code, e.g. `EX_PROTOBUF`, `EX_LABEL_TYPE`, `EX_LABEL_LENGTH`, `EX_UNKNOWN_KEY`.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ExampleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}
