//! The merge's single pass over the shard record parts: the validator reads each dataset
//! record file through a [`PartsCopier`], which serves the shard parts' bytes in order and
//! writes every byte it serves into the record file, checking each part's length and CRC32C
//! against its manifest at the part's end. The validator's framing, CRC and record checks and
//! the copy are thus one sequential read of the shards plus one write. The reading, the parts'
//! CRC32C and the writing run on a thread of their own, a few chunks ahead of the validator,
//! so the two passes over the bytes use two cores.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

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

/// Chunks the copying thread may run ahead of the validator.
const AHEAD: usize = 4;

/// What the copying thread tells the validator's side, in stream order.
enum Event {
    /// A part was opened (its shard and path).
    PartStart(usize, PathBuf),
    /// The next bytes of the stream (already written to the record file).
    Chunk(Vec<u8>),
    /// The current part was read to its end with the manifest's length and CRC32C.
    PartDone,
    /// The stream stops here: a shard problem or a write failure.
    Failed(ScaleError),
    /// Every part was served and the record file flushed.
    End,
}

/// Serves `parts` in order as one stream and writes what it serves to `out`.
pub struct PartsCopier {
    events: Option<Receiver<Event>>,
    /// Empty buffers handed back to the copying thread.
    spare: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
    log: SharedLog,
    slot: usize,
    /// The chunk being served and the next byte of it to serve.
    chunk: Vec<u8>,
    pos: usize,
    ended: bool,
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
        let (events_tx, events) = sync_channel(AHEAD);
        let (spare, spare_rx) = sync_channel(AHEAD + 2);
        let out_path = out_path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("merge-copy".into())
            .spawn(move || copy_parts(parts.into(), out, &out_path, &events_tx, &spare_rx))?;
        Ok((
            PartsCopier {
                events: Some(events),
                spare: Some(spare),
                thread: Some(thread),
                log,
                slot,
                chunk: Vec::new(),
                pos: 0,
                ended: false,
            },
            total,
        ))
    }

    /// The next chunk of the stream in `self.chunk` (empty at the end), logging part events.
    fn refill(&mut self) -> std::io::Result<()> {
        let done = std::mem::take(&mut self.chunk);
        if let Some(spare) = &self.spare {
            let _ = spare.try_send(done);
        }
        self.pos = 0;
        loop {
            if self.ended {
                return Ok(());
            }
            let event = self.events.as_ref().and_then(|rx| rx.recv().ok());
            match event {
                Some(Event::PartStart(shard, path)) => {
                    self.log.borrow_mut().unfinished[self.slot] = Some((shard, path));
                }
                Some(Event::Chunk(bytes)) => {
                    self.chunk = bytes;
                    return Ok(());
                }
                Some(Event::PartDone) => {
                    let mut l = self.log.borrow_mut();
                    l.parts_done += 1;
                    l.unfinished[self.slot] = None;
                }
                Some(Event::End) => self.ended = true,
                Some(Event::Failed(e)) => {
                    self.ended = true;
                    let msg = e.to_string();
                    self.log.borrow_mut().error.get_or_insert(e);
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, msg));
                }
                None => {
                    self.ended = true;
                    return Err(std::io::Error::other("the merge's copying thread stopped"));
                }
            }
        }
    }
}

impl Drop for PartsCopier {
    /// Stops the copying thread and waits for it, so nothing writes into the record file (and
    /// its temporary folder) once the validator is done with it.
    fn drop(&mut self) {
        self.events.take();
        self.spare.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The copying thread: reads the parts in order a chunk at a time, checks each part's length
/// and CRC32C against its manifest, writes every chunk to `out` and sends it on. Stops at the
/// first problem, or when the validator's side hangs up.
fn copy_parts(mut parts: VecDeque<PartSource>, mut out: File, out_path: &Path, events: &SyncSender<Event>, spare: &Receiver<Vec<u8>>) {
    let outcome = (|| -> Result<(), ScaleError> {
        while let Some(part) = parts.pop_front() {
            let mut reader = File::open(&part.path).map_err(|e| ScaleError::io(&part.path, e))?;
            if events.send(Event::PartStart(part.shard, part.path.clone())).is_err() {
                return Ok(());
            }
            let (mut crc, mut len) = (0u32, 0u64);
            loop {
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                let n = read_full(&mut reader, &mut buf).map_err(|e| ScaleError::io(&part.path, e))?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                crc = crc32c::crc32c_append(crc, &buf);
                len += n as u64;
                out.write_all(&buf).map_err(|e| ScaleError::io(out_path, e))?;
                if events.send(Event::Chunk(buf)).is_err() {
                    return Ok(());
                }
            }
            if len != part.bytes || format!("{crc:08x}") != part.crc32c {
                let msg = format!("corrupt: {len} bytes crc32c {crc:08x}, manifest says {} bytes crc32c {}", part.bytes, part.crc32c);
                return Err(ScaleError::shard(part.shard, &part.path, msg));
            }
            if events.send(Event::PartDone).is_err() {
                return Ok(());
            }
        }
        out.flush().map_err(|e| ScaleError::io(out_path, e))?;
        let _ = events.send(Event::End);
        Ok(())
    })();
    if let Err(e) = outcome {
        let _ = events.send(Event::Failed(e));
    }
}

/// Reads until `buf` is full or the file ends; the byte count.
fn read_full(reader: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
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
