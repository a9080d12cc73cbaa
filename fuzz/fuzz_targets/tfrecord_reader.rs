//! TFRecord framing reader (spec §2): any bytes give records or one framing error naming the
//! file, never a panic, and never an allocation beyond what the source holds.
#![no_main]

use std::io::{Cursor, Read};

use formats::tfrecord::{TfRecordReader, FRAMING_BYTES};
use libfuzzer_sys::fuzz_target;

/// Hands out at most `step` bytes per read, to exercise short reads.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn drain<R: Read>(mut reader: TfRecordReader<R>, len: u64) {
    let mut previous_end = 0;
    loop {
        match reader.next_record() {
            Ok(Some(record)) => {
                assert_eq!(record.offset, previous_end, "records must be contiguous");
                previous_end = record.offset + FRAMING_BYTES + record.payload.len() as u64;
                assert!(previous_end <= len, "a record cannot extend past the source");
            }
            Ok(None) => break,
            Err(e) => {
                assert!(e.to_string().contains("fuzz.tfrecord"), "error must name the file: {e}");
                // A failed reader stays failed.
                assert!(matches!(reader.next_record(), Ok(None)));
                break;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else { return };
    let len = body.len() as u64;
    let known = (mode & 1 == 0).then_some(len);
    if mode & 2 == 0 {
        drain(TfRecordReader::new(Cursor::new(body), "fuzz.tfrecord", known), len);
    } else {
        let step = usize::from(mode >> 2) + 1;
        drain(TfRecordReader::new(Trickle { data: body, step }, "fuzz.tfrecord", known), len);
    }
});
