//! The writer's record serialisation: the canonical layout of `example::try_encode` (spec
//! §3.1), produced from borrowed frames into a reused buffer instead of first copying every
//! frame into an owned protobuf message (two copies of each image per record otherwise).

use prost::encoding::{encode_varint, encoded_len_varint};

use crate::example::{self, AutoDlExample, ExampleError, Frames};

// Field numbers are all below 16, so every tag is one byte: (field << 3) | wire type 2.
const LEN_1: u8 = 0x0a;
const LEN_2: u8 = 0x12;
const LEN_3: u8 = 0x1a;

/// Bytes of a length-delimited field holding `n` bytes.
fn field_len(n: usize) -> usize {
    1 + encoded_len_varint(n as u64) + n
}

fn put_header(out: &mut Vec<u8>, tag: u8, n: usize) {
    out.push(tag);
    encode_varint(n as u64, out);
}

/// `Int64List` body: packed varints, nothing when empty.
fn int64_list_len(v: &[i64]) -> usize {
    let packed: usize = v.iter().map(|&x| encoded_len_varint(x as u64)).sum();
    if v.is_empty() { 0 } else { field_len(packed) }
}

fn put_int64_list(out: &mut Vec<u8>, v: &[i64]) {
    if v.is_empty() {
        return;
    }
    put_header(out, LEN_1, v.iter().map(|&x| encoded_len_varint(x as u64)).sum());
    for &x in v {
        encode_varint(x as u64, out);
    }
}

/// `FloatList` body: packed little-endian fixed32, nothing when empty.
fn float_list_len(v: &[f32]) -> usize {
    if v.is_empty() { 0 } else { field_len(4 * v.len()) }
}

fn put_float_list(out: &mut Vec<u8>, v: &[f32]) {
    if v.is_empty() {
        return;
    }
    put_header(out, LEN_1, 4 * v.len());
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// A `Feature` whose oneof holds a list (tag 1 bytes, 2 float, 3 int64) of `body` bytes.
fn feature_len(body: usize) -> usize {
    field_len(body)
}

/// One map entry: key (field 1) and a message value (field 2) of `value` bytes; prost
/// leaves the value out when it is the default (an empty `FeatureList`).
fn entry_len(key: &str, value: Option<usize>) -> usize {
    field_len(key.len()) + value.map_or(0, field_len)
}

fn put_entry_head(out: &mut Vec<u8>, key: &str, value: Option<usize>) {
    put_header(out, LEN_1, entry_len(key, value));
    put_header(out, LEN_1, key.len());
    out.extend_from_slice(key.as_bytes());
    if let Some(v) = value {
        put_header(out, LEN_2, v);
    }
}

/// Encodes one record into `out` (cleared first). Sparse frames, rare and small, go
/// through the generic encoder.
pub(super) fn encode_into(
    out: &mut Vec<u8>,
    id: i64,
    label_index: &[i64],
    label_score: &[f32],
    frames: &Frames,
) -> Result<(), ExampleError> {
    out.clear();
    frames.check()?;
    let (key, frame_feature_lens): (&str, Vec<usize>) = match frames {
        Frames::Compressed(list) => {
            (example::KEY_COMPRESSED, list.iter().map(|b| feature_len(field_len(b.len()))).collect())
        }
        Frames::Dense { values, offsets } => (
            example::KEY_DENSE,
            offsets.windows(2).map(|w| feature_len(float_list_len(&values[w[0]..w[1]]))).collect(),
        ),
        Frames::Sparse(_) => {
            let ex = AutoDlExample {
                id: Some(id),
                label_index: label_index.to_vec(),
                label_score: label_score.to_vec(),
                frames: frames.clone(),
            };
            *out = example::try_encode(&ex)?;
            return Ok(());
        }
    };
    // Context: `id`, `label_index`, `label_score` (map key order, spec §3.1).
    let id_feature = feature_len(int64_list_len(&[id]));
    let index_feature = feature_len(int64_list_len(label_index));
    let score_feature = feature_len(float_list_len(label_score));
    let context = field_len(entry_len(example::KEY_ID, Some(id_feature)))
        + field_len(entry_len(example::KEY_LABEL_INDEX, Some(index_feature)))
        + field_len(entry_len(example::KEY_LABEL_SCORE, Some(score_feature)));
    let feature_list: usize = frame_feature_lens.iter().map(|&f| field_len(f)).sum();
    let list_value = (feature_list > 0).then_some(feature_list);
    let lists = field_len(entry_len(key, list_value));
    out.reserve(field_len(context) + field_len(lists));

    put_header(out, LEN_1, context);
    put_entry_head(out, example::KEY_ID, Some(id_feature));
    put_header(out, LEN_3, int64_list_len(&[id]));
    put_int64_list(out, &[id]);
    put_entry_head(out, example::KEY_LABEL_INDEX, Some(index_feature));
    put_header(out, LEN_3, int64_list_len(label_index));
    put_int64_list(out, label_index);
    put_entry_head(out, example::KEY_LABEL_SCORE, Some(score_feature));
    put_header(out, LEN_2, float_list_len(label_score));
    put_float_list(out, label_score);

    put_header(out, LEN_2, lists);
    put_entry_head(out, key, list_value);
    match frames {
        Frames::Compressed(list) => {
            for (bytes, &f) in list.iter().zip(&frame_feature_lens) {
                put_header(out, LEN_1, f);
                put_header(out, LEN_1, field_len(bytes.len()));
                put_header(out, LEN_1, bytes.len());
                out.extend_from_slice(bytes);
            }
        }
        Frames::Dense { values, offsets } => {
            for (w, &f) in offsets.windows(2).zip(&frame_feature_lens) {
                let frame = &values[w[0]..w[1]];
                put_header(out, LEN_1, f);
                put_header(out, LEN_2, float_list_len(frame));
                put_float_list(out, frame);
            }
        }
        Frames::Sparse(_) => unreachable!("handled above"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::SparseFrame;

    fn same_as_generic(id: i64, index: &[i64], score: &[f32], frames: Frames) {
        let ex = AutoDlExample {
            id: Some(id),
            label_index: index.to_vec(),
            label_score: score.to_vec(),
            frames: frames.clone(),
        };
        let mut out = vec![0xff; 3];
        encode_into(&mut out, id, index, score, &frames).unwrap();
        assert_eq!(out, example::try_encode(&ex).unwrap(), "{frames:?}");
    }

    #[test]
    fn byte_identical_to_the_generic_encoder() {
        let big = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>();
        same_as_generic(0, &[], &[], Frames::Compressed(vec![b"\xff\xd8abc".to_vec()]));
        same_as_generic(12_345_678_901, &[3, 0, 7], &[1.0, 0.5, 0.25], Frames::Compressed(vec![big.clone(), vec![], big]));
        same_as_generic(-1, &[-5], &[f32::NAN], Frames::Compressed(vec![]));
        same_as_generic(7, &[1], &[1.0], Frames::dense_uniform((0..3072).map(|i| i as f32 / 7.0).collect(), 1024).unwrap());
        same_as_generic(8, &[], &[], Frames::Dense { values: vec![1.0, -0.0, f32::INFINITY], offsets: vec![0, 1, 1, 3] });
        same_as_generic(9, &[0], &[1.0], Frames::Dense { values: vec![], offsets: vec![0] });
        let sparse = SparseFrame { row: vec![0, 0], col: vec![1, 4], channel: None, value: vec![0.5, 2.0] };
        same_as_generic(10, &[2], &[1.0], Frames::Sparse(vec![sparse]));
    }

    #[test]
    fn invalid_frames_are_an_error_not_a_panic() {
        let bad = Frames::Dense { values: vec![1.0, 2.0], offsets: vec![0, 5] };
        let mut out = Vec::new();
        assert!(encode_into(&mut out, 0, &[], &[], &bad).is_err());
    }
}
