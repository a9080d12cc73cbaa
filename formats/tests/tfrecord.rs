//! TFRecord framing (spec §2): CRC check values, real headers, round trips, every framing error,
//! and interoperability with the independent `tfrecord` crate.

use std::io::Cursor;
use std::path::Path;

use formats::error::{Error, FramingError};
use formats::tfrecord::{
    frame_record, mask_crc, masked_crc32c, TfRecordReader, TfRecordWriter, MAX_RECORD_BYTES,
};

fn read_all(bytes: &[u8], known_len: bool) -> Result<Vec<(u64, u64, Vec<u8>)>, Error> {
    let len = known_len.then_some(bytes.len() as u64);
    let mut r = TfRecordReader::new(Cursor::new(bytes), "mem.tfrecord", len);
    let mut out = Vec::new();
    while let Some(rec) = r.next_record()? {
        out.push((rec.index, rec.offset, rec.payload.to_vec()));
    }
    Ok(out)
}

/// The framing error, its record index and offset; panics (test failure) on anything else.
fn framing_error(bytes: &[u8], known_len: bool) -> (FramingError, u64, u64) {
    match read_all(bytes, known_len) {
        Err(Error::Framing { kind, record, offset, path }) => {
            assert_eq!(path, Path::new("mem.tfrecord"));
            (kind, record, offset)
        }
        other => panic!("expected a framing error, got {other:?}"),
    }
}

fn three_records() -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = TfRecordWriter::new(&mut out);
    for p in [&b"first"[..], b"", b"third payload"] {
        w.write_record(p).unwrap();
    }
    assert_eq!(w.records_written(), 3);
    assert_eq!(w.bytes_written(), 5 + 13 + 3 * 16);
    out
}

#[test]
fn crc_check_values_of_spec_section_2() {
    assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(masked_crc32c(b"123456789"), 0xC78A_B0E5);
    assert_eq!(mask_crc(0), 0xA282_EAD8);
}

#[test]
fn golden_framing_of_spec_section_3_1() {
    // Only the framing: a 94-byte payload gets `5e 00.. | d8 b0 6e bc` as header (spec §3.1).
    let header_len = 94u64.to_le_bytes();
    assert_eq!(masked_crc32c(&header_len).to_le_bytes(), [0xd8, 0xb0, 0x6e, 0xbc]);
}

#[test]
fn real_miniciao_header() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let path = data.join("autodl/miniciao/miniciao.data/test/sample-miniciao-test.tfrecord");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..12], &[0xc4, 0x07, 0, 0, 0, 0, 0, 0, 0x7b, 0x28, 0xf4, 0x5c]);
    assert_eq!(masked_crc32c(&bytes[..8]), 0x5CF4_287B);
    let mut r = TfRecordReader::open(&path).unwrap();
    let first = r.next_record().unwrap().unwrap();
    assert_eq!((first.index, first.offset, first.payload.len()), (0, 0, 1988));
}

#[test]
fn shared_record_files_read_to_the_end() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let files = [
        ("autodl/Monkeys/Monkeys.data/train/sample-Monkeys-train.tfrecord", 26),
        ("autodl/Monkeys/Monkeys.data/test/sample-Monkeys-test.tfrecord", 4),
        ("autodl/miniciao/miniciao.data/train/sample-miniciao-train.tfrecord", 82),
        ("autodl/miniciao/miniciao.data/test/sample-miniciao-test.tfrecord", 18),
        ("autodl/mini1/mini1.data/train/sample-train-50-lines", 50),
        ("autodl/mini1/mini1.data/test/sample-test-10-lines-labels-erased", 10),
    ];
    for (rel, count) in files {
        let path = data.join(rel);
        let size = std::fs::metadata(&path).unwrap().len();
        let mut r = TfRecordReader::open(&path).unwrap();
        let mut n = 0;
        let mut expected_offset = 0;
        while let Some(rec) = r.next_record().unwrap() {
            assert_eq!(rec.index, n);
            assert_eq!(rec.offset, expected_offset);
            expected_offset += rec.payload.len() as u64 + 16;
            n += 1;
        }
        assert_eq!(n, count, "{rel}");
        assert_eq!(r.position(), size, "{rel}: whole file consumed");
    }
}

#[test]
fn round_trip_keeps_payloads_indices_and_offsets() {
    let bytes = three_records();
    for known in [true, false] {
        let recs = read_all(&bytes, known).unwrap();
        assert_eq!(
            recs,
            vec![
                (0, 0, b"first".to_vec()),
                (1, 21, Vec::new()),
                (2, 37, b"third payload".to_vec())
            ]
        );
    }
    assert_eq!(frame_record(b"first"), bytes[..21].to_vec());
}

#[test]
fn empty_file_has_no_records() {
    assert!(read_all(&[], true).unwrap().is_empty());
    assert!(read_all(&[], false).unwrap().is_empty());
}

#[test]
fn truncated_header() {
    let mut bytes = three_records();
    bytes.extend_from_slice(&frame_record(b"fourth")[..7]);
    for known in [true, false] {
        let (kind, record, offset) = framing_error(&bytes, known);
        assert_eq!(kind, FramingError::TruncatedHeader { available: 7 });
        assert_eq!((record, offset), (3, 66));
        assert_eq!(kind.code(), "TFR_TRUNCATED_HEADER");
    }
}

#[test]
fn truncated_payload() {
    let bytes = three_records();
    let cut = &bytes[..bytes.len() - 3];
    let (kind, record, offset) = framing_error(cut, true);
    assert_eq!(kind, FramingError::TruncatedPayload { length: 13, available: 14 });
    assert_eq!((record, offset), (2, 37));
    // Without a known size the reader finds out while reading.
    let (kind, _, _) = framing_error(cut, false);
    assert_eq!(kind, FramingError::TruncatedPayload { length: 13, available: 14 });
    assert_eq!(kind.code(), "TFR_TRUNCATED_PAYLOAD");
}

#[test]
fn bad_length_crc() {
    let mut bytes = three_records();
    bytes[21 + 9] ^= 0x01; // length CRC of record 1
    for known in [true, false] {
        let (kind, record, offset) = framing_error(&bytes, known);
        assert!(matches!(kind, FramingError::BadLengthCrc { .. }), "{kind:?}");
        assert_eq!((record, offset), (1, 21));
        assert_eq!(kind.code(), "TFR_BAD_LENGTH_CRC");
    }
}

#[test]
fn bad_payload_crc() {
    let mut bytes = three_records();
    bytes[37 + 12 + 4] ^= 0x80; // a payload byte of record 2
    let (kind, record, offset) = framing_error(&bytes, true);
    let FramingError::BadPayloadCrc { expected, found } = kind else { panic!("{kind:?}") };
    assert_ne!(expected, found);
    assert_eq!(found, masked_crc32c(b"third payload"));
    assert_eq!((record, offset), (2, 37));
}

#[test]
fn trailing_garbage() {
    let mut bytes = three_records();
    bytes.extend_from_slice(b"this text is not a TFRecord\n");
    let (kind, record, offset) = framing_error(&bytes, true);
    assert_eq!(kind, FramingError::TrailingGarbage { bytes: 28 });
    assert_eq!((record, offset), (3, 66));
    assert_eq!(kind.code(), "TFR_TRAILING_GARBAGE");
    // Unknown size: the same bytes can only be reported as a bad length CRC.
    let (kind, _, _) = framing_error(&bytes, false);
    assert!(matches!(kind, FramingError::BadLengthCrc { .. }), "{kind:?}");
}

/// A header announcing `length` with a valid length CRC, followed by `tail`.
fn header_with_length(length: u64, tail: &[u8]) -> Vec<u8> {
    let mut bytes = length.to_le_bytes().to_vec();
    bytes.extend_from_slice(&masked_crc32c(&length.to_le_bytes()).to_le_bytes());
    bytes.extend_from_slice(tail);
    bytes
}

#[test]
fn huge_length_is_an_error_not_an_allocation() {
    let bytes = header_with_length(1 << 63, b"tiny");
    // Size known: the length cannot fit in the file.
    let (kind, ..) = framing_error(&bytes, true);
    assert_eq!(kind, FramingError::TruncatedPayload { length: 1 << 63, available: 4 });
    // Size unknown: the limit stops it before any allocation.
    let (kind, ..) = framing_error(&bytes, false);
    assert_eq!(kind, FramingError::LengthTooLarge { length: 1 << 63, limit: MAX_RECORD_BYTES });
    let (kind, ..) = framing_error(&header_with_length(u64::MAX, b""), true);
    assert!(matches!(kind, FramingError::TruncatedPayload { .. }), "{kind:?}");
}

#[test]
fn reader_stays_failed_after_an_error() {
    let mut bytes = three_records();
    bytes[5] ^= 0xff; // record 0 payload
    let mut r = TfRecordReader::new(Cursor::new(&bytes), "mem.tfrecord", Some(bytes.len() as u64));
    assert!(r.next_record().is_err());
    assert!(r.next_record().unwrap().is_none());
}

#[test]
fn framing_error_message_names_file_record_and_offset() {
    let bytes = three_records();
    let err = read_all(&bytes[..bytes.len() - 1], true).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("mem.tfrecord") && msg.contains("record 2") && msg.contains("byte 37"), "{msg}");
}

#[test]
fn tfrecord_crate_reads_what_we_write_and_we_read_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.tfrecord");
    let payloads: Vec<Vec<u8>> = (0..50u32).map(|i| vec![i as u8; (i * 37 % 300) as usize]).collect();
    let mut w = TfRecordWriter::create(&ours).unwrap();
    for p in &payloads {
        w.write_record(p).unwrap();
    }
    w.into_inner().unwrap();
    let config = tfrecord::RecordReaderConfig { check_integrity: true };
    let theirs: Vec<Vec<u8>> = tfrecord::BytesIter::open(&ours, config)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(theirs, payloads);

    let their_file = dir.path().join("theirs.tfrecord");
    let mut tw = tfrecord::BytesWriter::create(&their_file).unwrap();
    for p in &payloads {
        tw.send(p.clone()).unwrap();
    }
    tw.flush().unwrap();
    drop(tw);
    let mut r = TfRecordReader::open(&their_file).unwrap();
    let mut back = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        back.push(rec.payload.to_vec());
    }
    assert_eq!(back, payloads);
    assert_eq!(std::fs::read(&ours).unwrap(), std::fs::read(&their_file).unwrap());
}
