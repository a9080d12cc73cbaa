//! The merge's single pass over the shard record parts: the validator reads each dataset
//! record file through a [`PartsCopier`], which serves the shard parts' bytes in order and
//! writes every byte it serves into the record file, checking each part's length and CRC32C
//! against its manifest at the part's end. The validator's framing, CRC and record checks and
//! the copy are thus one sequential read of the shards plus one write.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::ScaleError;

/// One shard part to serve.
#[derive(Debug, Clone)]
pub struct PartSource {
    pub shard: usize,
    pub path: PathBuf,
    pub bytes: u64,
    pub crc32c: String,
}

/// What the copiers of one merge saw (shared with the merge, which reads it afterwards).
#[derive(Debug, Default)]
pub struct CopyLog {
    /// Bytes served to the validator per record file, in the order the files were asked for
    /// (the copy runs at most one chunk ahead of it).
    pub copied: Vec<(PathBuf, u64)>,
    /// Parts read to their end with the manifest's length and CRC32C.
    pub parts_done: usize,
    /// The first shard problem met (missing file, wrong length or CRC, write failure).
    pub error: Option<ScaleError>,
    /// Per record file, the part being read when the validator stopped reading it (a framing
    /// error inside that part); `None` once every part of the file was read to its end.
    pub unfinished: Vec<Option<(usize, PathBuf)>>,
}

pub type SharedLog = Rc<RefCell<CopyLog>>;

/// Bytes read from a part (and written to the record file) at a time: big chunks keep the
/// copy at `cat`'s syscall count however small the validator's reads are (headers: 12 bytes).
const CHUNK: usize = 1 << 20;

/// Serves `parts` in order as one stream and writes what it serves to `out`.
pub struct PartsCopier {
    parts: VecDeque<PartSource>,
    current: Option<(PartSource, File, u32, u64)>,
    out_path: PathBuf,
    /// Written a whole chunk at a time, as soon as the chunk is read from its part.
    out: File,
    log: SharedLog,
    slot: usize,
    /// The chunk being served and the next byte of it to serve.
    chunk: Vec<u8>,
    pos: usize,
}

impl PartsCopier {
    /// Creates (truncates) `out_path`; the total length is the sum of the parts' lengths.
    pub fn new(out_path: &Path, parts: Vec<PartSource>, log: SharedLog) -> std::io::Result<(PartsCopier, u64)> {
        let total = parts.iter().map(|p| p.bytes).sum();
        let out = File::create(out_path)?;
        let slot = {
            let mut l = log.borrow_mut();
            l.copied.push((out_path.to_path_buf(), 0));
            l.unfinished.push(None);
            l.copied.len() - 1
        };
        Ok((
            PartsCopier { parts: parts.into(), current: None, out_path: out_path.to_path_buf(), out, log, slot, chunk: Vec::new(), pos: 0 },
            total,
        ))
    }

    fn fail(&mut self, e: ScaleError) -> std::io::Error {
        let msg = e.to_string();
        self.log.borrow_mut().error.get_or_insert(e);
        std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
    }
}

impl PartsCopier {
    /// Reads the next chunk of the parts into `self.chunk` (empty at the end of the last
    /// part), checking each part's length and CRC32C at its end and writing the chunk out.
    fn refill(&mut self) -> std::io::Result<()> {
        self.pos = 0;
        self.chunk.clear();
        loop {
            if self.current.is_none() {
                let Some(part) = self.parts.pop_front() else {
                    self.out.flush().map_err(|e| {
                        let e2 = std::io::Error::new(e.kind(), e.to_string());
                        self.log.borrow_mut().error.get_or_insert(ScaleError::io(&self.out_path, e));
                        e2
                    })?;
                    return Ok(());
                };
                match File::open(&part.path) {
                    Ok(f) => {
                        self.log.borrow_mut().unfinished[self.slot] = Some((part.shard, part.path.clone()));
                        self.current = Some((part, f, 0, 0));
                    }
                    Err(e) => return Err(self.fail(ScaleError::io(&part.path, e))),
                }
            }
            let (_, reader, crc, len) = self.current.as_mut().expect("a current part");
            self.chunk.resize(CHUNK, 0);
            let n = reader.read(&mut self.chunk)?;
            self.chunk.truncate(n);
            if n == 0 {
                let (part, _, crc, len) = self.current.take().expect("a current part");
                if len != part.bytes || format!("{crc:08x}") != part.crc32c {
                    let msg = format!(
                        "corrupt: {len} bytes crc32c {crc:08x}, manifest says {} bytes crc32c {}",
                        part.bytes, part.crc32c
                    );
                    return Err(self.fail(ScaleError::shard(part.shard, &part.path, msg)));
                }
                let mut l = self.log.borrow_mut();
                l.parts_done += 1;
                l.unfinished[self.slot] = None;
                continue;
            }
            *crc = crc32c::crc32c_append(*crc, &self.chunk);
            *len += n as u64;
            if let Err(e) = self.out.write_all(&self.chunk) {
                let path = self.out_path.clone();
                return Err(self.fail(ScaleError::io(path, e)));
            }
            return Ok(());
        }
    }
}

impl Read for PartsCopier {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        self.log.borrow_mut().copied[self.slot].1 += n as u64;
        Ok(n)
    }
}
