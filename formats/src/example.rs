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
use std::io::Cursor;

use prost::Message;

use crate::metadata::Format;
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

fn kind_name(kind: &Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::BytesList(_)) => "bytes_list",
        Some(Kind::FloatList(_)) => "float_list",
        Some(Kind::Int64List(_)) => "int64_list",
        None => "no list",
    }
}

fn take_int64(feature: Feature, code: &'static str, what: &str) -> Result<Vec<i64>, ExampleError> {
    match feature.kind {
        Some(Kind::Int64List(l)) => Ok(l.value),
        other => Err(ExampleError::new(
            code,
            format!("{what} must be an int64_list, found {}", kind_name(&other)),
        )),
    }
}

fn take_float(feature: Feature, code: &'static str, what: &str) -> Result<Vec<f32>, ExampleError> {
    match feature.kind {
        Some(Kind::FloatList(l)) => Ok(l.value),
        other => Err(ExampleError::new(
            code,
            format!("{what} must be a float_list, found {}", kind_name(&other)),
        )),
    }
}

fn int64_frames(list: FeatureList, key: &str) -> Result<Vec<Vec<i64>>, ExampleError> {
    list.feature
        .into_iter()
        .enumerate()
        .map(|(t, f)| take_int64(f, "EX_FRAME_TYPE", &format!("{key} frame {t}")))
        .collect()
}

fn float_frames(list: FeatureList, key: &str) -> Result<Vec<Vec<f32>>, ExampleError> {
    list.feature
        .into_iter()
        .enumerate()
        .map(|(t, f)| take_float(f, "EX_FRAME_TYPE", &format!("{key} frame {t}")))
        .collect()
}

/// A `SequenceExample` whose feature lists stay undecoded bytes (same wire format), so that
/// dense frames can be read straight into one flat buffer: a speech clip is ~10^5 one-value
/// frames, and decoding each into its own `Feature` dominated the read time.
#[derive(Clone, PartialEq, Message)]
struct LazySequenceExample {
    #[prost(message, optional, tag = "1")]
    context: Option<Features>,
    #[prost(message, optional, tag = "2")]
    feature_lists: Option<LazyFeatureLists>,
}

#[derive(Clone, PartialEq, Message)]
struct LazyFeatureLists {
    #[prost(btree_map = "string, bytes", tag = "1")]
    feature_list: BTreeMap<String, Vec<u8>>,
}

fn feature_list(bytes: &[u8], key: &str) -> Result<FeatureList, ExampleError> {
    FeatureList::decode(bytes)
        .map_err(|e| ExampleError::new("EX_PROTOBUF", format!("feature list {key:?} is not a FeatureList: {e}")))
}

/// Reads a base-128 varint; `None` when truncated or longer than 64 bits.
fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Reads a length-delimited field body starting at `pos`.
fn read_len_delimited<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(read_varint(buf, pos)?).ok()?;
    let end = pos.checked_add(len).filter(|end| *end <= buf.len())?;
    let body = &buf[*pos..end];
    *pos = end;
    Some(body)
}

/// Dense frames from the bytes of a `FeatureList` whose features are float lists in the
/// canonical shape (each `Feature` holding exactly one `float_list`, packed or one-by-one
/// values). `None` for anything else, and the caller decodes the list in full, so errors and
/// protobuf's merge rules stay those of the generated decoder.
fn dense_frames_fast(buf: &[u8]) -> Option<Frames> {
    const FEATURE: u64 = 1 << 3 | 2; // FeatureList.feature, length-delimited
    const FLOAT_LIST: u64 = 2 << 3 | 2; // Feature.float_list, length-delimited
    const PACKED: u64 = 1 << 3 | 2; // FloatList.value, packed
    const SINGLE: u64 = 1 << 3 | 5; // FloatList.value, one fixed32
    let mut values = Vec::with_capacity(buf.len() / 4);
    let mut offsets = vec![0];
    let mut pos = 0;
    while pos < buf.len() {
        if read_varint(buf, &mut pos)? != FEATURE {
            return None;
        }
        let feature = read_len_delimited(buf, &mut pos)?;
        let mut fpos = 0;
        if read_varint(feature, &mut fpos)? != FLOAT_LIST {
            return None;
        }
        let list = read_len_delimited(feature, &mut fpos)?;
        if fpos != feature.len() {
            return None;
        }
        let mut lpos = 0;
        while lpos < list.len() {
            match read_varint(list, &mut lpos)? {
                PACKED => {
                    let packed = read_len_delimited(list, &mut lpos)?;
                    if packed.len() % 4 != 0 {
                        return None;
                    }
                    values.extend(packed.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                }
                SINGLE => {
                    let b = list.get(lpos..lpos + 4)?;
                    values.push(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                    lpos += 4;
                }
                _ => return None,
            }
        }
        offsets.push(values.len());
    }
    Some(Frames::Dense { values, offsets })
}

/// Parses and checks one record payload (spec §3.2, §3.3, Appendix B item 4).
pub fn decode(payload: &[u8]) -> Result<AutoDlExample, ExampleError> {
    let seq = LazySequenceExample::decode(payload)
        .map_err(|e| ExampleError::new("EX_PROTOBUF", format!("not a SequenceExample: {e}")))?;

    let mut id = None;
    let mut label_index = Vec::new();
    let mut label_score = Vec::new();
    for (key, feature) in seq.context.map(|c| c.feature).unwrap_or_default() {
        match key.as_str() {
            KEY_ID => {
                let v = take_int64(feature, "EX_ID_TYPE", "context `id`")?;
                if v.len() != 1 {
                    return Err(ExampleError::new(
                        "EX_ID_COUNT",
                        format!("context `id` must hold exactly one value, found {}", v.len()),
                    ));
                }
                id = Some(v[0]);
            }
            KEY_LABEL_INDEX => {
                label_index = take_int64(feature, "EX_LABEL_TYPE", "context `label_index`")?
            }
            KEY_LABEL_SCORE => {
                label_score = take_float(feature, "EX_LABEL_TYPE", "context `label_score`")?
            }
            _ => {
                return Err(ExampleError::new(
                    "EX_CONTEXT_UNKNOWN_KEY",
                    format!("unknown context key {key:?}"),
                ))
            }
        }
    }
    if label_index.len() != label_score.len() {
        return Err(ExampleError::new(
            "EX_LABEL_LENGTH",
            format!(
                "label_index has {} values but label_score has {}",
                label_index.len(),
                label_score.len()
            ),
        ));
    }

    let mut lists = seq.feature_lists.map(|l| l.feature_list).unwrap_or_default();
    if lists.is_empty() {
        return Err(ExampleError::new("EX_NO_FEATURES", "no feature list"));
    }
    let mut kinds = Vec::new();
    for key in lists.keys() {
        let kind = match key.as_str() {
            KEY_DENSE => Format::Dense,
            KEY_COMPRESSED => Format::Compressed,
            KEY_SPARSE_ROW | KEY_SPARSE_COL | KEY_SPARSE_CHANNEL | KEY_SPARSE_VALUE => Format::Sparse,
            _ => {
                return Err(ExampleError::new(
                    "EX_FEATURE_UNKNOWN_KEY",
                    format!("unknown feature-list key {key:?}"),
                ))
            }
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.len() > 1 {
        let keys: Vec<&String> = lists.keys().collect();
        return Err(ExampleError::new(
            "EX_MIXED_STORAGE",
            format!("feature lists mix storage kinds: {keys:?}"),
        ));
    }

    let frames = match kinds[0] {
        Format::Dense => {
            let bytes = lists.remove(KEY_DENSE).unwrap_or_default();
            match dense_frames_fast(&bytes) {
                Some(frames) => frames,
                None => Frames::dense_from_frames(float_frames(feature_list(&bytes, KEY_DENSE)?, KEY_DENSE)?),
            }
        }
        Format::Compressed => {
            let list = feature_list(&lists.remove(KEY_COMPRESSED).unwrap_or_default(), KEY_COMPRESSED)?;
            let mut frames = Vec::with_capacity(list.feature.len());
            for (t, f) in list.feature.into_iter().enumerate() {
                match f.kind {
                    Some(Kind::BytesList(mut b)) if b.value.len() == 1 => {
                        frames.push(b.value.pop().unwrap_or_default())
                    }
                    Some(Kind::BytesList(b)) => {
                        return Err(ExampleError::new(
                            "EX_COMPRESSED_ELEMENTS",
                            format!("compressed frame {t} has {} bytes elements, expected 1", b.value.len()),
                        ))
                    }
                    other => {
                        return Err(ExampleError::new(
                            "EX_FRAME_TYPE",
                            format!("{KEY_COMPRESSED} frame {t} must be a bytes_list, found {}", kind_name(&other)),
                        ))
                    }
                }
            }
            Frames::Compressed(frames)
        }
        Format::Sparse => {
            let mut required = |key: &str| {
                let bytes = lists.remove(key).ok_or_else(|| {
                    ExampleError::new("EX_SPARSE_MISSING", format!("sparse storage without {key:?}"))
                })?;
                feature_list(&bytes, key)
            };
            let rows = int64_frames(required(KEY_SPARSE_ROW)?, KEY_SPARSE_ROW)?;
            let cols = int64_frames(required(KEY_SPARSE_COL)?, KEY_SPARSE_COL)?;
            let vals = float_frames(required(KEY_SPARSE_VALUE)?, KEY_SPARSE_VALUE)?;
            let chans = match lists.remove(KEY_SPARSE_CHANNEL) {
                Some(l) => Some(int64_frames(feature_list(&l, KEY_SPARSE_CHANNEL)?, KEY_SPARSE_CHANNEL)?),
                None => None,
            };
            let t = vals.len();
            if rows.len() != t || cols.len() != t || chans.as_ref().is_some_and(|c| c.len() != t) {
                return Err(ExampleError::new(
                    "EX_SPARSE_FRAMES",
                    "sparse feature lists have different frame counts",
                ));
            }
            let mut chans = chans.map(|c| c.into_iter());
            let mut frames = Vec::with_capacity(t);
            for (k, ((row, col), value)) in rows.into_iter().zip(cols).zip(vals).enumerate() {
                let channel = chans.as_mut().and_then(|c| c.next());
                let frame = SparseFrame { row, col, channel, value };
                if frame.row.len() != frame.value.len()
                    || frame.col.len() != frame.value.len()
                    || frame.channel.as_ref().is_some_and(|c| c.len() != frame.value.len())
                {
                    return Err(ExampleError::new(
                        "EX_SPARSE_LENGTH",
                        format!("sparse frame {k}: row/col/channel/value lists differ in length"),
                    ));
                }
                frames.push(frame);
            }
            Frames::Sparse(frames)
        }
    };
    Ok(AutoDlExample { id, label_index, label_score, frames })
}

/// Decodes one compressed frame (JPEG/PNG/…) to `f32` in `[0, 1]` with `channels` output
/// channels (1 = grayscale, 3 = RGB, 4 = RGBA), as the reference reader does (spec §3.3).
/// Grayscale uses the ITU-R BT.601 weights (0.299, 0.587, 0.114) like TensorFlow's decoders.
pub fn decode_image(bytes: &[u8], channels: usize) -> Result<DecodedImage, ExampleError> {
    if !matches!(channels, 1 | 3 | 4) {
        return Err(ExampleError::new(
            "EX_IMAGE_CHANNELS",
            format!("cannot decode to {channels} channels (1, 3 or 4)"),
        ));
    }
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| ExampleError::new("EX_IMAGE_DECODE", e.to_string()))
    };
    let (w, h) = reader()?
        .into_dimensions()
        .map_err(|e| ExampleError::new("EX_IMAGE_DECODE", e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(ExampleError::new(
            "EX_IMAGE_TOO_LARGE",
            format!("{w}x{h} image exceeds {MAX_IMAGE_PIXELS} pixels"),
        ));
    }
    let mut r = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    r.limits(limits);
    let img = r
        .decode()
        .map_err(|e| ExampleError::new("EX_IMAGE_DECODE", e.to_string()))?;
    let (width, height) = (img.width() as usize, img.height() as usize);
    let data: Vec<f32> = match channels {
        1 => img
            .to_rgb8()
            .pixels()
            .map(|p| {
                let [r, g, b] = p.0;
                let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000;
                y as f32 / 255.0
            })
            .collect(),
        3 => img.to_rgb8().into_raw().into_iter().map(|v| f32::from(v) / 255.0).collect(),
        _ => img.to_rgba8().into_raw().into_iter().map(|v| f32::from(v) / 255.0).collect(),
    };
    Ok(DecodedImage { height, width, channels, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_list_feature(values: &[f32]) -> Feature {
        float_feature(values.to_vec())
    }

    /// The generated decoder's view of a dense feature list, for comparison.
    fn slow(list: &FeatureList) -> Result<Frames, ExampleError> {
        Ok(Frames::dense_from_frames(float_frames(list.clone(), KEY_DENSE)?))
    }

    #[test]
    fn fast_dense_path_equals_the_generated_decoder_on_packed_and_empty_lists() {
        let list = FeatureList {
            feature: vec![
                float_list_feature(&[1.0, -2.5, f32::MAX]),
                float_list_feature(&[]),
                float_list_feature(&[0.25]),
            ],
        };
        let bytes = list.encode_to_vec();
        assert_eq!(dense_frames_fast(&bytes), Some(slow(&list).unwrap()));
        assert_eq!(dense_frames_fast(&[]), Some(Frames::Dense { values: vec![], offsets: vec![0] }));
    }

    #[test]
    fn fast_dense_path_reads_unpacked_values_and_split_packed_runs() {
        // Feature{float_list{value: 1.5 (fixed32), value: [2, 3] (packed), value: 4 (fixed32)}}
        let mut float_list = vec![0x0d];
        float_list.extend_from_slice(&1.5f32.to_le_bytes());
        float_list.extend_from_slice(&[0x0a, 8]);
        float_list.extend_from_slice(&2f32.to_le_bytes());
        float_list.extend_from_slice(&3f32.to_le_bytes());
        float_list.push(0x0d);
        float_list.extend_from_slice(&4f32.to_le_bytes());
        let mut feature = vec![0x12, float_list.len() as u8];
        feature.extend_from_slice(&float_list);
        let mut bytes = vec![0x0a, feature.len() as u8];
        bytes.extend_from_slice(&feature);
        let expected = slow(&FeatureList::decode(&bytes[..]).unwrap()).unwrap();
        assert_eq!(expected, Frames::Dense { values: vec![1.5, 2.0, 3.0, 4.0], offsets: vec![0, 4] });
        assert_eq!(dense_frames_fast(&bytes), Some(expected));
    }

    #[test]
    fn fast_dense_path_declines_what_it_does_not_recognise() {
        let ints = FeatureList { feature: vec![int64_feature(vec![1, 2])] }.encode_to_vec();
        assert_eq!(dense_frames_fast(&ints), None);
        let no_kind = FeatureList { feature: vec![Feature { kind: None }] }.encode_to_vec();
        assert_eq!(dense_frames_fast(&no_kind), None);
        let good = FeatureList { feature: vec![float_list_feature(&[1.0, 2.0])] }.encode_to_vec();
        assert_eq!(dense_frames_fast(&good[..good.len() - 1]), None, "truncated");
        // Through `decode`, a dense list of int64 frames is still the generated decoder's error.
        let ex = AutoDlExample {
            id: Some(3),
            label_index: vec![],
            label_score: vec![],
            frames: Frames::Dense { values: vec![1.0], offsets: vec![0, 1] },
        };
        let mut seq = to_proto(&ex).unwrap();
        seq.feature_lists.as_mut().unwrap().feature_list.insert(
            KEY_DENSE.to_string(),
            FeatureList { feature: vec![int64_feature(vec![7])] },
        );
        assert_eq!(decode(&seq.encode_to_vec()).unwrap_err().code, "EX_FRAME_TYPE");
    }
}
