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
    /// Bytes served (= copied) per record file, in the order the files were asked for.
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

/// Serves `parts` in order as one stream and writes what it serves to `out`.
pub struct PartsCopier {
    parts: VecDeque<PartSource>,
    current: Option<(PartSource, File, u32, u64)>,
    out_path: PathBuf,
    /// Unbuffered on both sides: the validator reads whole payloads, so each chunk goes
    /// from the part to the record file with no copy in between.
    out: File,
    log: SharedLog,
    slot: usize,
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
        Ok((PartsCopier { parts: parts.into(), current: None, out_path: out_path.to_path_buf(), out, log, slot }, total))
    }

    fn fail(&mut self, e: ScaleError) -> std::io::Error {
        let msg = e.to_string();
        self.log.borrow_mut().error.get_or_insert(e);
        std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
    }
}

impl Read for PartsCopier {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.current.is_none() {
                let Some(part) = self.parts.pop_front() else {
                    self.out.flush().map_err(|e| {
                        let e2 = std::io::Error::new(e.kind(), e.to_string());
                        self.log.borrow_mut().error.get_or_insert(ScaleError::io(&self.out_path, e));
                        e2
                    })?;
                    return Ok(0);
                };
                match File::open(&part.path) {
                    Ok(f) => {
                        self.log.borrow_mut().unfinished[self.slot] = Some((part.shard, part.path.clone()));
                        self.current = Some((part, f, 0, 0));
                    }
                    Err(e) => return Err(self.fail(ScaleError::io(&part.path, e))),
                }
            }
            let (part, reader, crc, len) = self.current.as_mut().expect("a current part");
            let n = reader.read(buf)?;
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
            *crc = crc32c::crc32c_append(*crc, &buf[..n]);
            *len += n as u64;
            let _ = part;
            if let Err(e) = self.out.write_all(&buf[..n]) {
                let path = self.out_path.clone();
                return Err(self.fail(ScaleError::io(path, e)));
            }
            self.log.borrow_mut().copied[self.slot].1 += n as u64;
            return Ok(n);
        }
    }
}
