//! TFRecord framing (spec §2): `u64 length | masked CRC32C(length) | payload | masked CRC32C(payload)`,
//! little-endian, no file header or footer, no compression.
//!
//! [`TfRecordReader`] streams one record at a time and keeps a single payload buffer, so memory
//! stays constant whatever the file size. It never trusts the length field for allocation:
//! a length above [`MAX_RECORD_BYTES`] is an error, and when the reader knows how many bytes the
//! file still holds (always, for [`TfRecordReader::open`]) a length that does not fit is reported
//! as a truncated payload before anything is allocated.
//!
//! How the end of a file is classified (at a record boundary, `n` bytes left):
//! - `n == 0`: clean end of file.
//! - `1 ≤ n < 12`: [`FramingError::TruncatedHeader`]. A file cut inside a header and a few junk
//!   bytes cannot be told apart without a CRC, and we call both a truncated header.
//! - `n ≥ 12`, length CRC wrong, and the announced length could not fit in the bytes left
//!   (`length + 16 > n`): [`FramingError::TrailingGarbage`] — the bytes cannot start a record.
//!   Only decided when the remaining size is known; otherwise it is a bad length CRC.
//! - `n ≥ 12`, length CRC wrong, the announced length fits: [`FramingError::BadLengthCrc`]
//!   (a damaged header of what may be a real record).
//! - length CRC right but `length + 4 > n - 12`: [`FramingError::TruncatedPayload`].
//!
//! After any framing error the rest of the file is unreadable: the reader stays failed.

use std::fs::File;
use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, FramingError, Result};

/// Largest payload the reader accepts (1 GiB); protects memory against a corrupt length field.
pub const MAX_RECORD_BYTES: u64 = 1 << 30;

/// Bytes of framing around each payload: 8 (length) + 4 (length CRC) + 4 (payload CRC).
pub const FRAMING_BYTES: u64 = 16;

const HEADER_BYTES: usize = 12;
const MASK_DELTA: u32 = 0xA282_EAD8;

/// Masks a CRC32C the way TensorFlow does: rotate right by 15, add `0xA282EAD8` (spec §2).
pub fn mask_crc(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// CRC32C (Castagnoli, hardware-accelerated where available) of `data`, masked (spec §2).
pub fn masked_crc32c(data: &[u8]) -> u32 {
    mask_crc(crc32c::crc32c(data))
}

/// One record as read: its 0-based index in the file, the byte offset of its header, and the
/// payload (borrowed from the reader's buffer until the next call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub index: u64,
    pub offset: u64,
    pub payload: &'a [u8],
}

/// Streaming TFRecord reader over any `Read`; verifies both CRCs of every record.
pub struct TfRecordReader<R: Read> {
    inner: R,
    path: PathBuf,
    /// Bytes left in the source after `position`, when known.
    remaining: Option<u64>,
    position: u64,
    index: u64,
    buffer: Vec<u8>,
    /// Set after an error or the end: further calls return `Ok(None)`.
    done: bool,
}

impl TfRecordReader<BufReader<File>> {
    /// Opens a record file; its size bounds every allocation.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(TfRecordReader::new(
            BufReader::with_capacity(1 << 16, file),
            path,
            Some(len),
        ))
    }
}

impl<R: Read> TfRecordReader<R> {
    /// Wraps a source. `path` is only used in errors; `total_len` (bytes the source holds, when
    /// known) enables the truncation and trailing-garbage checks before allocation.
    pub fn new(inner: R, path: impl Into<PathBuf>, total_len: Option<u64>) -> Self {
        TfRecordReader {
            inner,
            path: path.into(),
            remaining: total_len,
            position: 0,
            index: 0,
            buffer: Vec::new(),
            done: false,
        }
    }

    /// The file name used in errors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Byte offset of the next record header (= bytes consumed so far).
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Number of complete, verified records returned so far.
    pub fn records_read(&self) -> u64 {
        self.index
    }

    fn framing(&mut self, kind: FramingError) -> Error {
        self.done = true;
        Error::Framing {
            path: self.path.clone(),
            record: self.index,
            offset: self.position,
            kind,
        }
    }

    fn io(&mut self, e: std::io::Error) -> Error {
        self.done = true;
        Error::io(&self.path, e)
    }

    /// Reads until `buf` is full or EOF; returns how many bytes were read.
    fn read_full(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }

    /// The next verified record, `Ok(None)` at a clean end of file. After an error, `Ok(None)`.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        if self.done {
            return Ok(None);
        }
        let mut header = [0u8; HEADER_BYTES];
        let got = match self.read_full(&mut header) {
            Ok(n) => n,
            Err(e) => return Err(self.io(e)),
        };
        if got == 0 {
            self.done = true;
            return Ok(None);
        }
        if got < HEADER_BYTES {
            return Err(self.framing(FramingError::TruncatedHeader { available: got as u64 }));
        }
        let length = u64::from_le_bytes(header[0..8].try_into().expect("8-byte slice"));
        let stored_len_crc = u32::from_le_bytes(header[8..12].try_into().expect("4-byte slice"));
        let computed_len_crc = masked_crc32c(&header[0..8]);
        if stored_len_crc != computed_len_crc {
            // spec §2: classification rule documented in the module header.
            if let Some(rem) = self.remaining {
                if length.checked_add(FRAMING_BYTES).is_none_or(|need| need > rem) {
                    return Err(self.framing(FramingError::TrailingGarbage { bytes: rem }));
                }
            }
            return Err(self.framing(FramingError::BadLengthCrc {
                expected: computed_len_crc,
                found: stored_len_crc,
            }));
        }
        if let Some(rem) = self.remaining {
            let available = rem - HEADER_BYTES as u64;
            if length.checked_add(4).is_none_or(|need| need > available) {
                return Err(self.framing(FramingError::TruncatedPayload { length, available }));
            }
        }
        if length > MAX_RECORD_BYTES {
            return Err(self.framing(FramingError::LengthTooLarge {
                length,
                limit: MAX_RECORD_BYTES,
            }));
        }
        // Payload + its CRC; `take` grows the buffer only as bytes actually arrive.
        let want = length + 4;
        self.buffer.clear();
        if self.remaining.is_some() {
            self.buffer.reserve(want as usize);
        }
        let read = {
            let mut limited = (&mut self.inner).take(want);
            limited.read_to_end(&mut self.buffer)
        };
        let read = match read {
            Ok(n) => n as u64,
            Err(e) => return Err(self.io(e)),
        };
        if read < want {
            let available = read;
            return Err(self.framing(FramingError::TruncatedPayload { length, available }));
        }
        let payload_len = length as usize;
        let stored = u32::from_le_bytes(
            self.buffer[payload_len..payload_len + 4]
                .try_into()
                .expect("4-byte slice"),
        );
        let computed = masked_crc32c(&self.buffer[..payload_len]);
        if stored != computed {
            return Err(self.framing(FramingError::BadPayloadCrc { expected: computed, found: stored }));
        }
        let offset = self.position;
        let index = self.index;
        let consumed = HEADER_BYTES as u64 + want;
        self.position += consumed;
        if let Some(rem) = self.remaining.as_mut() {
            *rem -= consumed;
        }
        self.index += 1;
        Ok(Some(Record { index, offset, payload: &self.buffer[..payload_len] }))
    }
}

/// Writes framed records to any `Write` (wrap files in a `BufWriter`, see [`TfRecordWriter::create`]).
pub struct TfRecordWriter<W: Write> {
    inner: W,
    records: u64,
    bytes: u64,
}

impl TfRecordWriter<BufWriter<File>> {
    /// Creates (truncates) a record file with a buffered writer.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(TfRecordWriter::new(BufWriter::with_capacity(1 << 16, file)))
    }
}

impl<W: Write> TfRecordWriter<W> {
    pub fn new(inner: W) -> Self {
        TfRecordWriter { inner, records: 0, bytes: 0 }
    }

    /// Appends one framed record (spec §2).
    pub fn write_record(&mut self, payload: &[u8]) -> std::io::Result<()> {
        let length = (payload.len() as u64).to_le_bytes();
        self.inner.write_all(&length)?;
        self.inner.write_all(&masked_crc32c(&length).to_le_bytes())?;
        self.inner.write_all(payload)?;
        self.inner.write_all(&masked_crc32c(payload).to_le_bytes())?;
        self.records += 1;
        self.bytes += payload.len() as u64 + FRAMING_BYTES;
        Ok(())
    }

    /// Appends `records` records that are already framed (spec §2), copying the bytes as they
    /// are; returns the bytes copied.
    pub fn append_framed(&mut self, framed: &mut dyn Read, records: u64) -> std::io::Result<u64> {
        let n = std::io::copy(framed, &mut self.inner)?;
        self.records += records;
        self.bytes += n;
        Ok(n)
    }

    pub fn records_written(&self) -> u64 {
        self.records
    }

    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and returns the sink.
    pub fn into_inner(mut self) -> std::io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// Frames one payload into a new buffer (tests and small tools).
pub fn frame_record(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + FRAMING_BYTES as usize);
    let mut w = TfRecordWriter::new(&mut out);
    w.write_record(payload).expect("writing to a Vec cannot fail");
    out
}
