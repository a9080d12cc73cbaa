//! One AutoDL example ⇄ a serialized `tf.train.SequenceExample` (spec §3).
//!
//! - [`encode`] emits context `id`, `label_index`, `label_score` in that order (BTreeMap key
//!   order), feature lists in key order, packed numeric lists, and `1a 00` / `12 00` for empty
//!   label lists (§3.1 golden vector, byte for byte).
//! - [`decode`] accepts map entries in any order and reports every deviation from §3.2/§3.3
//!   as an [`ExampleError`] with a stable code. Checks that need the metadata (label index
//!   range, frame sizes, frame count) are left to the reader/validator.
//!
//! Stable error codes of [`ExampleError::code`]:
//!
//! | code | meaning |
//! |---|---|
//! | `EX_PROTOBUF` | payload is not a protobuf `SequenceExample` |
//! | `EX_CONTEXT_UNKNOWN_KEY` | context key other than `id`, `label_index`, `label_score` |
//! | `EX_ID_TYPE` | `id` is not an `int64_list` |
//! | `EX_ID_COUNT` | `id` does not hold exactly one value |
//! | `EX_LABEL_TYPE` | `label_index` not `int64_list` or `label_score` not `float_list` |
//! | `EX_LABEL_LENGTH` | `label_index` and `label_score` differ in length |
//! | `EX_NO_FEATURES` | no feature list at all |
//! | `EX_FEATURE_UNKNOWN_KEY` | feature-list key not of bundle 0 / not a known kind |
//! | `EX_MIXED_STORAGE` | keys of more than one storage kind (dense / compressed / sparse) |
//! | `EX_FRAME_TYPE` | a frame `Feature` of the wrong list type |
//! | `EX_COMPRESSED_ELEMENTS` | a compressed frame without exactly one bytes element |
//! | `EX_SPARSE_MISSING` | sparse storage without row, col or value list |
//! | `EX_SPARSE_FRAMES` | sparse lists with different frame counts |
//! | `EX_SPARSE_LENGTH` | sparse lists of one frame with different lengths |
//! | `EX_BAD_OFFSETS` | (encoder side) dense `offsets` do not describe `values` |
//! | `EX_IMAGE_DECODE` | a compressed frame cannot be decoded |
//! | `EX_IMAGE_TOO_LARGE` | a compressed frame exceeds [`MAX_IMAGE_PIXELS`] |
//! | `EX_IMAGE_CHANNELS` | unsupported channel count asked for decoding |
//! | `EX_LABEL_RANGE` | a label index outside `[0, output_dim)` (from [`AutoDlExample::label_vector`]) |
//! | `EX_LABEL_DUPLICATE` | a label index listed twice (from [`AutoDlExample::label_vector`]) |

use std::collections::BTreeMap;

use prost::Message;

use crate::metadata::Format;

mod decode;
pub use decode::{decode, decode_image};
use crate::proto::tensorflow::{
    feature::Kind, BytesList, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample,
};

/// Largest compressed frame we decode (64 Mpixel); protects memory against hostile headers.
pub const MAX_IMAGE_PIXELS: u64 = 1 << 26;

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

impl ExampleError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ExampleError { code, message: message.into() }
    }
}

impl std::error::Error for ExampleError {}

/// A compressed frame decoded to `f32` in `[0, 1]`, HWC order (channel fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedImage {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub data: Vec<f32>,
}

impl Frames {
    /// Dense frames from one vector per frame.
    pub fn dense_from_frames<I, F>(frames: I) -> Frames
    where
        I: IntoIterator<Item = F>,
        F: AsRef<[f32]>,
    {
        let mut values = Vec::new();
        let mut offsets = vec![0];
        for f in frames {
            values.extend_from_slice(f.as_ref());
            offsets.push(values.len());
        }
        Frames::Dense { values, offsets }
    }

    /// Dense frames of equal length `frame_len` laid back to back in `values`.
    /// `None` when `values.len()` is not a multiple of `frame_len` (or `frame_len` is 0).
    pub fn dense_uniform(values: Vec<f32>, frame_len: usize) -> Option<Frames> {
        if frame_len == 0 || !values.len().is_multiple_of(frame_len) {
            return None;
        }
        let offsets = (0..=values.len() / frame_len).map(|t| t * frame_len).collect();
        Some(Frames::Dense { values, offsets })
    }

    /// The storage kind (`MatrixSpec.format`) these frames use.
    pub fn format(&self) -> Format {
        match self {
            Frames::Dense { .. } => Format::Dense,
            Frames::Compressed(_) => Format::Compressed,
            Frames::Sparse(_) => Format::Sparse,
        }
    }

    /// Number of frames `T`.
    pub fn num_frames(&self) -> usize {
        match self {
            Frames::Dense { offsets, .. } => offsets.len().saturating_sub(1),
            Frames::Compressed(frames) => frames.len(),
            Frames::Sparse(frames) => frames.len(),
        }
    }

    /// Floats of dense frame `t` (HWC, channel fastest); `None` if not dense or out of range.
    pub fn dense_frame(&self, t: usize) -> Option<&[f32]> {
        match self {
            Frames::Dense { values, offsets } => {
                let (a, b) = (*offsets.get(t)?, *offsets.get(t + 1)?);
                values.get(a..b)
            }
            _ => None,
        }
    }

    /// Encoded image bytes of compressed frame `t`; `None` if not compressed or out of range.
    pub fn compressed_frame(&self, t: usize) -> Option<&[u8]> {
        match self {
            Frames::Compressed(frames) => frames.get(t).map(|f| f.as_slice()),
            _ => None,
        }
    }

    /// Checks the internal invariants the encoder relies on (dense offsets, sparse list lengths).
    pub fn check(&self) -> Result<(), ExampleError> {
        match self {
            Frames::Dense { values, offsets } => {
                let ok = offsets.first() == Some(&0)
                    && offsets.last() == Some(&values.len())
                    && offsets.windows(2).all(|w| w[0] <= w[1]);
                if !ok {
                    return Err(ExampleError::new(
                        "EX_BAD_OFFSETS",
                        format!(
                            "dense offsets {:?}… do not partition {} values",
                            &offsets[..offsets.len().min(4)],
                            values.len()
                        ),
                    ));
                }
            }
            Frames::Compressed(_) => {}
            Frames::Sparse(frames) => {
                for (t, f) in frames.iter().enumerate() {
                    let n = f.value.len();
                    let channel_ok = f.channel.as_ref().is_none_or(|c| c.len() == n);
                    if f.row.len() != n || f.col.len() != n || !channel_ok {
                        return Err(ExampleError::new(
                            "EX_SPARSE_LENGTH",
                            format!("sparse frame {t}: row/col/channel/value lengths differ"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl AutoDlExample {
    /// `(index, score)` pairs as stored (no range check).
    pub fn labels(&self) -> impl Iterator<Item = (i64, f32)> + '_ {
        self.label_index.iter().copied().zip(self.label_score.iter().copied())
    }

    /// True when the record lists at least one label (for test records: legacy leak, §1.3).
    pub fn has_labels(&self) -> bool {
        !self.label_index.is_empty() || !self.label_score.is_empty()
    }

    /// The label vector of §3.2: `label_score[k]` scattered at `label_index[k]` into
    /// `output_dim` zeros. Errors on an index out of range or listed twice.
    pub fn label_vector(&self, output_dim: usize) -> Result<Vec<f32>, ExampleError> {
        let mut v = vec![0.0f32; output_dim];
        let mut seen = vec![false; output_dim];
        for (i, s) in self.labels() {
            if i < 0 || i as u64 >= output_dim as u64 {
                return Err(ExampleError::new(
                    "EX_LABEL_RANGE",
                    format!("label index {i} outside [0, {output_dim})"),
                ));
            }
            let i = i as usize;
            if seen[i] {
                return Err(ExampleError::new(
                    "EX_LABEL_DUPLICATE",
                    format!("label index {i} listed twice"),
                ));
            }
            seen[i] = true;
            v[i] = s;
        }
        Ok(v)
    }
}

fn int64_feature(values: Vec<i64>) -> Feature {
    Feature { kind: Some(Kind::Int64List(Int64List { value: values })) }
}

fn float_feature(values: Vec<f32>) -> Feature {
    Feature { kind: Some(Kind::FloatList(FloatList { value: values })) }
}

fn bytes_feature(values: Vec<Vec<u8>>) -> Feature {
    Feature { kind: Some(Kind::BytesList(BytesList { value: values })) }
}

fn to_proto(ex: &AutoDlExample) -> Result<SequenceExample, ExampleError> {
    ex.frames.check()?;
    let mut context = BTreeMap::new();
    if let Some(id) = ex.id {
        context.insert(KEY_ID.to_string(), int64_feature(vec![id]));
    }
    // spec §1.3: label lists are always written, empty for test records.
    context.insert(KEY_LABEL_INDEX.to_string(), int64_feature(ex.label_index.clone()));
    context.insert(KEY_LABEL_SCORE.to_string(), float_feature(ex.label_score.clone()));

    let mut lists = BTreeMap::new();
    let list = |features: Vec<Feature>| FeatureList { feature: features };
    match &ex.frames {
        Frames::Dense { values, offsets } => {
            let frames = offsets
                .windows(2)
                .map(|w| float_feature(values[w[0]..w[1]].to_vec()))
                .collect();
            lists.insert(KEY_DENSE.to_string(), list(frames));
        }
        Frames::Compressed(frames) => {
            let frames = frames.iter().map(|b| bytes_feature(vec![b.clone()])).collect();
            lists.insert(KEY_COMPRESSED.to_string(), list(frames));
        }
        Frames::Sparse(frames) => {
            let rows = frames.iter().map(|f| int64_feature(f.row.clone())).collect();
            let cols = frames.iter().map(|f| int64_feature(f.col.clone())).collect();
            let vals = frames.iter().map(|f| float_feature(f.value.clone())).collect();
            lists.insert(KEY_SPARSE_ROW.to_string(), list(rows));
            lists.insert(KEY_SPARSE_COL.to_string(), list(cols));
            lists.insert(KEY_SPARSE_VALUE.to_string(), list(vals));
            // The channel list is all-or-nothing per example: written when every frame has one.
            if !frames.is_empty() && frames.iter().all(|f| f.channel.is_some()) {
                let chans = frames
                    .iter()
                    .map(|f| int64_feature(f.channel.clone().unwrap_or_default()))
                    .collect();
                lists.insert(KEY_SPARSE_CHANNEL.to_string(), list(chans));
            }
        }
    }
    Ok(SequenceExample {
        context: Some(Features { feature: context }),
        feature_lists: Some(FeatureLists { feature_list: lists }),
    })
}

/// Serializes `ex` in the canonical writer layout (spec §3.1).
/// Fails only when the frames break their own invariants ([`Frames::check`]).
pub fn try_encode(ex: &AutoDlExample) -> Result<Vec<u8>, ExampleError> {
    Ok(to_proto(ex)?.encode_to_vec())
}

/// Serializes `ex` in the canonical writer layout (spec §3.1).
///
/// Panics if `ex.frames` breaks [`Frames::check`] (dense offsets not partitioning the values,
/// sparse lists of unequal length); use [`try_encode`] for frames built from untrusted input.
pub fn encode(ex: &AutoDlExample) -> Vec<u8> {
    match try_encode(ex) {
        Ok(bytes) => bytes,
        Err(e) => panic!("encode: invalid frames: {e}"),
    }
}
