//! The decoding side of [`super`]: a serialized `SequenceExample` → [`AutoDlExample`] with the
//! §3.2/§3.3 checks, a fast path for dense frames, and compressed-frame image decoding.

use std::io::Cursor;

use super::*;

fn kind_name(kind: &Option<Kind>) -> &'static str {
    match kind {
        Some(Kind::BytesList(_)) => "bytes_list",
        Some(Kind::FloatList(_)) => "float_list",
        Some(Kind::Int64List(_)) => "int64_list",
        None => "no list",
    }
}

/// The list of `feature` when it is of the wanted kind (`pick` returns it), else an error
/// naming the kind found.
fn take<T>(feature: Feature, code: &'static str, what: &str, wanted: &str, pick: fn(Kind) -> Option<Vec<T>>) -> Result<Vec<T>, ExampleError> {
    let found = kind_name(&feature.kind);
    feature
        .kind
        .and_then(pick)
        .ok_or_else(|| ExampleError::new(code, format!("{what} must be a {wanted}, found {found}")))
}

fn take_int64(feature: Feature, code: &'static str, what: &str) -> Result<Vec<i64>, ExampleError> {
    take(feature, code, what, "int64_list", |k| if let Kind::Int64List(l) = k { Some(l.value) } else { None })
}

fn take_float(feature: Feature, code: &'static str, what: &str) -> Result<Vec<f32>, ExampleError> {
    take(feature, code, what, "float_list", |k| if let Kind::FloatList(l) = k { Some(l.value) } else { None })
}

/// Every frame of a feature list as the list kind `take` accepts.
fn frames<T>(list: FeatureList, key: &str, take: fn(Feature, &'static str, &str) -> Result<Vec<T>, ExampleError>) -> Result<Vec<Vec<T>>, ExampleError> {
    list.feature.into_iter().enumerate().map(|(t, f)| take(f, "EX_FRAME_TYPE", &format!("{key} frame {t}"))).collect()
}

fn int64_frames(list: FeatureList, key: &str) -> Result<Vec<Vec<i64>>, ExampleError> {
    frames(list, key, take_int64)
}

fn float_frames(list: FeatureList, key: &str) -> Result<Vec<Vec<f32>>, ExampleError> {
    frames(list, key, take_float)
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
