//! SequenceExample encode/decode (spec §3): golden vectors byte for byte, any map order,
//! every error code, image decoding, and a property test round trip.

use std::collections::BTreeMap;

use formats::example::{
    decode, decode_image, encode, try_encode, AutoDlExample, Frames, SparseFrame, KEY_COMPRESSED,
    KEY_DENSE, KEY_ID, KEY_LABEL_INDEX, KEY_LABEL_SCORE, KEY_SPARSE_COL, KEY_SPARSE_ROW,
    KEY_SPARSE_VALUE,
};
use formats::proto::tensorflow::{
    feature::Kind, BytesList, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List,
    SequenceExample,
};
use formats::tfrecord::frame_record;
use prost::Message;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

fn ascii(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x} ")).collect()
}

fn golden_example() -> AutoDlExample {
    AutoDlExample {
        id: Some(0),
        label_index: vec![],
        label_score: vec![],
        frames: Frames::dense_from_frames([vec![3.0f32], vec![7.0]]),
    }
}

const GOLDEN_PAYLOAD: &str = "0a 33
  0a 0b 0a 02 69 64 12 05 1a 03 0a 01 00
  0a 11 0a 0b 6c 61 62 65 6c 5f 69 6e 64 65 78 12 02 1a 00
  0a 11 0a 0b 6c 61 62 65 6c 5f 73 63 6f 72 65 12 02 12 00
12 27
  0a 25 0a 0d 30 5f 64 65 6e 73 65 5f 69 6e 70 75 74
        12 14 0a 08 12 06 0a 04 00 00 40 40
              0a 08 12 06 0a 04 00 00 e0 40";

#[test]
fn golden_vector_of_spec_3_1_byte_for_byte() {
    let payload = encode(&golden_example());
    assert_eq!(payload.len(), 94);
    assert_eq!(payload, hex(GOLDEN_PAYLOAD));
    let mut framed = hex("5e 00 00 00 00 00 00 00 d8 b0 6e bc");
    framed.extend(hex(GOLDEN_PAYLOAD));
    framed.extend(hex("0f 73 ed 65"));
    assert_eq!(frame_record(&payload), framed);
    assert_eq!(decode(&payload).unwrap(), golden_example());
}

#[test]
fn training_context_of_spec_3_1() {
    let ex = AutoDlExample {
        id: Some(5),
        label_index: vec![2, 7],
        label_score: vec![1.0, 0.5],
        frames: Frames::dense_from_frames([vec![0.0f32]]),
    };
    let expected = hex(&format!(
        "0a 41 0a 0b 0a 02 69 64 12 05 1a 03 0a 01 05 0a 15 0a 0b {} 12 06 1a 04 0a 02 02 07 \
         0a 1b 0a 0b {} 12 0c 12 0a 0a 08 00 00 80 3f 00 00 00 3f",
        ascii("label_index"),
        ascii("label_score")
    ));
    let payload = encode(&ex);
    assert_eq!(&payload[..expected.len()], &expected[..]);
    assert_eq!(decode(&payload).unwrap(), ex);
}

#[test]
fn decode_accepts_any_map_order() {
    // The golden context with label_score first, then id, then label_index.
    let p = hex(GOLDEN_PAYLOAD);
    let (id, index, score) = (&p[2..15], &p[15..34], &p[34..53]);
    let mut reordered = p[..2].to_vec();
    reordered.extend_from_slice(score);
    reordered.extend_from_slice(id);
    reordered.extend_from_slice(index);
    reordered.extend_from_slice(&p[53..]);
    assert_ne!(reordered, p);
    assert_eq!(decode(&reordered).unwrap(), golden_example());
}

fn int64(v: Vec<i64>) -> Feature {
    Feature { kind: Some(Kind::Int64List(Int64List { value: v })) }
}
fn float(v: Vec<f32>) -> Feature {
    Feature { kind: Some(Kind::FloatList(FloatList { value: v })) }
}
fn bytes(v: Vec<Vec<u8>>) -> Feature {
    Feature { kind: Some(Kind::BytesList(BytesList { value: v })) }
}

/// A payload from raw context entries and feature lists.
fn raw(context: Vec<(&str, Feature)>, lists: Vec<(&str, Vec<Feature>)>) -> Vec<u8> {
    let context: BTreeMap<String, Feature> =
        context.into_iter().map(|(k, f)| (k.to_string(), f)).collect();
    let lists: BTreeMap<String, FeatureList> = lists
        .into_iter()
        .map(|(k, f)| (k.to_string(), FeatureList { feature: f }))
        .collect();
    SequenceExample {
        context: Some(Features { feature: context }),
        feature_lists: Some(FeatureLists { feature_list: lists }),
    }
    .encode_to_vec()
}

fn dense_list() -> Vec<(&'static str, Vec<Feature>)> {
    vec![(KEY_DENSE, vec![float(vec![1.0])])]
}

fn code_of(payload: &[u8]) -> &'static str {
    match decode(payload) {
        Err(e) => e.code,
        Ok(ex) => panic!("expected an error, decoded {ex:?}"),
    }
}

#[test]
fn each_deviation_has_its_error_code() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("EX_PROTOBUF", vec![0x0a, 0x05, 0x01]),
        ("EX_CONTEXT_UNKNOWN_KEY", raw(vec![("label", int64(vec![1]))], dense_list())),
        ("EX_ID_TYPE", raw(vec![(KEY_ID, float(vec![1.0]))], dense_list())),
        ("EX_ID_COUNT", raw(vec![(KEY_ID, int64(vec![1, 2]))], dense_list())),
        ("EX_ID_COUNT", raw(vec![(KEY_ID, int64(vec![]))], dense_list())),
        ("EX_LABEL_TYPE", raw(vec![(KEY_LABEL_INDEX, float(vec![1.0])), (KEY_LABEL_SCORE, float(vec![1.0]))], dense_list())),
        ("EX_LABEL_TYPE", raw(vec![(KEY_LABEL_INDEX, int64(vec![1])), (KEY_LABEL_SCORE, int64(vec![1]))], dense_list())),
        ("EX_LABEL_TYPE", raw(vec![(KEY_LABEL_INDEX, Feature { kind: None })], dense_list())),
        ("EX_LABEL_LENGTH", raw(vec![(KEY_LABEL_INDEX, int64(vec![1, 2])), (KEY_LABEL_SCORE, float(vec![1.0]))], dense_list())),
        ("EX_LABEL_LENGTH", raw(vec![(KEY_LABEL_INDEX, int64(vec![1]))], dense_list())),
        ("EX_NO_FEATURES", raw(vec![], vec![])),
        ("EX_FEATURE_UNKNOWN_KEY", raw(vec![], vec![("1_dense_input", vec![float(vec![1.0])])])),
        ("EX_MIXED_STORAGE", raw(vec![], vec![(KEY_DENSE, vec![float(vec![1.0])]), (KEY_COMPRESSED, vec![bytes(vec![vec![1]])])])),
        ("EX_FRAME_TYPE", raw(vec![], vec![(KEY_DENSE, vec![int64(vec![1])])])),
        ("EX_FRAME_TYPE", raw(vec![], vec![(KEY_COMPRESSED, vec![float(vec![1.0])])])),
        ("EX_COMPRESSED_ELEMENTS", raw(vec![], vec![(KEY_COMPRESSED, vec![bytes(vec![vec![1], vec![2]])])])),
        ("EX_COMPRESSED_ELEMENTS", raw(vec![], vec![(KEY_COMPRESSED, vec![bytes(vec![])])])),
        ("EX_SPARSE_MISSING", raw(vec![], vec![(KEY_SPARSE_ROW, vec![int64(vec![0])]), (KEY_SPARSE_COL, vec![int64(vec![0])])])),
        ("EX_SPARSE_FRAMES", raw(vec![], vec![
            (KEY_SPARSE_ROW, vec![int64(vec![0]), int64(vec![0])]),
            (KEY_SPARSE_COL, vec![int64(vec![0])]),
            (KEY_SPARSE_VALUE, vec![float(vec![1.0])]),
        ])),
        ("EX_SPARSE_LENGTH", raw(vec![], vec![
            (KEY_SPARSE_ROW, vec![int64(vec![0, 1])]),
            (KEY_SPARSE_COL, vec![int64(vec![0])]),
            (KEY_SPARSE_VALUE, vec![float(vec![1.0])]),
        ])),
        ("EX_FRAME_TYPE", raw(vec![], vec![
            (KEY_SPARSE_ROW, vec![int64(vec![0])]),
            (KEY_SPARSE_COL, vec![int64(vec![0])]),
            (KEY_SPARSE_VALUE, vec![int64(vec![1])]),
        ])),
    ];
    for (code, payload) in cases {
        assert_eq!(code_of(&payload), code, "payload {payload:02x?}");
    }
}

#[test]
fn missing_label_keys_mean_no_labels_and_legacy_test_labels_decode() {
    let ex = decode(&raw(vec![], dense_list())).unwrap();
    assert_eq!((ex.id, ex.label_index.len(), ex.has_labels()), (None, 0, false));
    // mini1 style: the true class with score 0 (spec §1.3).
    let ex = decode(&raw(
        vec![(KEY_LABEL_INDEX, int64(vec![4])), (KEY_LABEL_SCORE, float(vec![0.0]))],
        dense_list(),
    ))
    .unwrap();
    assert!(ex.has_labels());
}

#[test]
fn label_vector_scatters_and_rejects_bad_indices() {
    let mut ex = golden_example();
    ex.label_index = vec![2, 0];
    ex.label_score = vec![0.5, 1.0];
    assert_eq!(ex.label_vector(3).unwrap(), vec![1.0, 0.0, 0.5]);
    assert_eq!(ex.label_vector(2).unwrap_err().code, "EX_LABEL_RANGE");
    ex.label_index = vec![-1, 0];
    assert_eq!(ex.label_vector(3).unwrap_err().code, "EX_LABEL_RANGE");
    ex.label_index = vec![1, 1];
    assert_eq!(ex.label_vector(3).unwrap_err().code, "EX_LABEL_DUPLICATE");
}

#[test]
fn frame_accessors() {
    let f = Frames::dense_from_frames([vec![1.0f32, 2.0], vec![], vec![3.0]]);
    assert_eq!(f.num_frames(), 3);
    assert_eq!(f.dense_frame(0), Some(&[1.0f32, 2.0][..]));
    assert_eq!(f.dense_frame(1), Some(&[][..]));
    assert_eq!(f.dense_frame(3), None);
    assert_eq!(f.compressed_frame(0), None);
    assert_eq!(Frames::dense_uniform(vec![1.0; 6], 3).unwrap().num_frames(), 2);
    assert!(Frames::dense_uniform(vec![1.0; 5], 3).is_none());
    let bad = Frames::Dense { values: vec![1.0; 4], offsets: vec![0, 5] };
    assert_eq!(bad.check().unwrap_err().code, "EX_BAD_OFFSETS");
    let ex = AutoDlExample { id: None, label_index: vec![], label_score: vec![], frames: bad };
    assert_eq!(try_encode(&ex).unwrap_err().code, "EX_BAD_OFFSETS");
}

fn png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let img = image::RgbImage::from_raw(width, height, pixels.to_vec()).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn compressed_frames_decode_on_demand() {
    // 2×1 image: one red, one white pixel.
    let bytes = png(2, 1, &[255, 0, 0, 255, 255, 255]);
    let rgb = decode_image(&bytes, 3).unwrap();
    assert_eq!((rgb.height, rgb.width, rgb.channels), (1, 2, 3));
    assert_eq!(rgb.data, vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let gray = decode_image(&bytes, 1).unwrap();
    assert_eq!(gray.channels, 1);
    assert_eq!(gray.data, vec![76.0 / 255.0, 1.0]); // BT.601: round(0.299·255) = 76
    assert_eq!(decode_image(b"not an image", 3).unwrap_err().code, "EX_IMAGE_DECODE");
    assert_eq!(decode_image(&bytes, 2).unwrap_err().code, "EX_IMAGE_CHANNELS");

    let ex = AutoDlExample {
        id: Some(9),
        label_index: vec![1],
        label_score: vec![1.0],
        frames: Frames::Compressed(vec![bytes.clone(), bytes]),
    };
    assert_eq!(decode(&encode(&ex)).unwrap(), ex);
}

#[test]
fn real_compressed_records_decode() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    for (rel, h, w) in [
        ("autodl/miniciao/miniciao.data/train/sample-miniciao-train.tfrecord", Some(32), Some(32)),
        ("autodl/Monkeys/Monkeys.data/test/sample-Monkeys-test.tfrecord", None, None),
    ] {
        let mut r = formats::tfrecord::TfRecordReader::open(data.join(rel)).unwrap();
        let rec = r.next_record().unwrap().unwrap();
        let ex = decode(rec.payload).unwrap();
        let bytes = ex.frames.compressed_frame(0).unwrap();
        let img = decode_image(bytes, 3).unwrap();
        if let (Some(h), Some(w)) = (h, w) {
            assert_eq!((img.height, img.width), (h, w));
        }
        assert_eq!(img.data.len(), img.height * img.width * 3);
        assert!(img.data.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

fn frames_strategy() -> impl Strategy<Value = Frames> {
    let value = -1.0e6f32..1.0e6f32;
    let dense = prop::collection::vec(prop::collection::vec(value.clone(), 0..20), 0..5)
        .prop_map(Frames::dense_from_frames);
    let compressed = prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4)
        .prop_map(Frames::Compressed);
    let sparse_frame = (0usize..8, any::<bool>()).prop_flat_map(move |(n, with_channel)| {
        (
            prop::collection::vec(-5i64..100, n),
            prop::collection::vec(-5i64..100, n),
            prop::collection::vec(0i64..4, n),
            prop::collection::vec(value.clone(), n),
        )
            .prop_map(move |(row, col, ch, value)| SparseFrame {
                row,
                col,
                channel: with_channel.then_some(ch),
                value,
            })
    });
    let sparse = (prop::collection::vec(sparse_frame, 1..4), any::<bool>()).prop_map(|(mut fs, ch)| {
        // The channel list is per example: all frames have one or none.
        for f in &mut fs {
            if ch && f.channel.is_none() {
                f.channel = Some(vec![0; f.value.len()]);
            } else if !ch {
                f.channel = None;
            }
        }
        Frames::Sparse(fs)
    });
    prop_oneof![dense, compressed, sparse]
}

fn example_strategy() -> impl Strategy<Value = AutoDlExample> {
    (
        prop::option::of(any::<i64>()),
        prop::collection::vec((any::<i64>(), -10.0f32..10.0), 0..6),
        frames_strategy(),
    )
        .prop_map(|(id, labels, frames)| AutoDlExample {
            id,
            label_index: labels.iter().map(|l| l.0).collect(),
            label_score: labels.iter().map(|l| l.1).collect(),
            frames,
        })
}

proptest! {
    #[test]
    fn random_examples_round_trip(ex in example_strategy()) {
        let payload = encode(&ex);
        prop_assert_eq!(decode(&payload).unwrap(), ex.clone());
        // Canonical: re-encoding the decoded example gives the same bytes.
        prop_assert_eq!(encode(&decode(&payload).unwrap()), payload);
    }
}
