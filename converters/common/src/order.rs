//! Seeded record order for converters that stream their input once per subset (tables,
//! corpora) instead of holding it, so that their records are not grouped the way the input
//! happens to be (a CSV sorted by class, a folder per class), as image records are not
//! ([`crate::split`] step 3).
//!
//! Records are appended to temporary bucket files, each record to a bucket drawn by a seeded
//! generator; the buckets are then read back one at a time, shuffled with the same generator
//! and handed on. A uniform bucket draw followed by a uniform shuffle inside each bucket is a
//! uniformly random permutation of the whole subset, while memory holds a single bucket
//! (about [`RECORDS_PER_BUCKET`] records). Same records + seed ⇒ same order.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use formats::example::{self, AutoDlExample, Frames};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{ConvertError, Result};
use crate::split::{below, shuffle};

/// Records per bucket aimed at (a few MB of table rows, tens of MB of documents).
pub const RECORDS_PER_BUCKET: u64 = 4096;
/// Upper bound on open bucket files.
pub const MAX_BUCKETS: u64 = 256;

/// One subset's records on their way to the sink in seeded order.
pub struct SeededOrder {
    rng: ChaCha8Rng,
    dir: PathBuf,
    buckets: Vec<BufWriter<File>>,
    pushed: u64,
    /// Removed on drop, also when the conversion fails half-way.
    _guard: tempfile::TempDir,
}

fn io_error(path: &Path, source: std::io::Error) -> ConvertError {
    ConvertError::Io { path: path.to_path_buf(), source }
}

impl SeededOrder {
    /// Prepares buckets for about `expected` records in a temporary folder of the system's
    /// temporary directory (`TMPDIR`). `stream` separates the orders of several subsets
    /// drawn from one seed.
    pub fn new(seed: u64, stream: u64, expected: u64) -> Result<SeededOrder> {
        let guard = tempfile::Builder::new()
            .prefix("autodl-order-")
            .tempdir()
            .map_err(|e| io_error(&std::env::temp_dir(), e))?;
        let dir = guard.path().to_path_buf();
        let n = expected.div_ceil(RECORDS_PER_BUCKET).clamp(1, MAX_BUCKETS);
        let mut buckets = Vec::with_capacity(n as usize);
        for k in 0..n {
            let path = dir.join(format!("bucket-{k}"));
            let file = File::create(&path).map_err(|e| io_error(&path, e))?;
            buckets.push(BufWriter::new(file));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Ok(SeededOrder { rng, dir, buckets, pushed: 0, _guard: guard })
    }

    /// Adds one record (its labels as the writer takes them).
    pub fn push(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> Result<()> {
        self.push_with_id(None, frames, label_index, label_score)
    }

    /// As [`SeededOrder::push`], keeping `id` with the record: the drained example carries
    /// it back, so a converter can tell which input each record came from.
    pub fn push_with_id(&mut self, id: Option<i64>, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> Result<()> {
        let ex = AutoDlExample {
            id,
            label_index: label_index.to_vec(),
            label_score: label_score.to_vec(),
            frames: frames.clone(),
        };
        let payload = example::try_encode(&ex)
            .map_err(|e| ConvertError::Input { path: self.dir.clone(), message: e.to_string() })?;
        let k = below(&mut self.rng, self.buckets.len() as u64) as usize;
        let path = self.dir.join(format!("bucket-{k}"));
        let bucket = &mut self.buckets[k];
        bucket.write_all(&(payload.len() as u64).to_le_bytes()).map_err(|e| io_error(&path, e))?;
        bucket.write_all(&payload).map_err(|e| io_error(&path, e))?;
        self.pushed += 1;
        Ok(())
    }

    /// Hands every record to `deliver` in the seeded order; returns how many.
    pub fn drain(mut self, mut deliver: impl FnMut(AutoDlExample) -> Result<()>) -> Result<u64> {
        let buckets = std::mem::take(&mut self.buckets);
        for (k, bucket) in buckets.into_iter().enumerate() {
            let path = self.dir.join(format!("bucket-{k}"));
            let file = bucket.into_inner().map_err(|e| io_error(&path, e.into_error()))?;
            drop(file);
            let mut bytes = Vec::new();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|e| io_error(&path, e))?;
            let _ = std::fs::remove_file(&path);
            let mut records: Vec<&[u8]> = Vec::new();
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let corrupt = || ConvertError::Input { path: path.clone(), message: "truncated scratch record".into() };
                let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(corrupt)?;
                let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| corrupt())?;
                if tail.len() < len {
                    return Err(corrupt());
                }
                records.push(&tail[..len]);
                rest = &tail[len..];
            }
            shuffle(&mut records, &mut self.rng);
            for payload in records {
                let ex = example::decode(payload)
                    .map_err(|e| ConvertError::Input { path: path.clone(), message: e.to_string() })?;
                deliver(ex)?;
            }
        }
        Ok(self.pushed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, n: u64) -> Vec<i64> {
        let mut order = SeededOrder::new(seed, 1, n).unwrap();
        for i in 0..n as i64 {
            let frames = Frames::dense_uniform(vec![i as f32, 0.5], 2).unwrap();
            order.push(&frames, &[i % 3], &[1.0]).unwrap();
        }
        let mut out = Vec::new();
        let count = order
            .drain(|ex| {
                let Frames::Dense { values, .. } = &ex.frames else { panic!("dense") };
                assert_eq!(values[0] as i64 % 3, ex.label_index[0]);
                out.push(values[0] as i64);
                Ok(())
            })
            .unwrap();
        assert_eq!(count, n);
        out
    }

    #[test]
    fn every_record_once_in_a_seeded_order() {
        // several buckets (n > RECORDS_PER_BUCKET) and a single one
        for n in [10_000u64, 50] {
            let a = run(7, n);
            assert_eq!(a, run(7, n), "same seed, same order");
            assert_ne!(a, run(8, n), "another seed, another order");
            let mut sorted = a.clone();
            sorted.sort();
            assert_eq!(sorted, (0..n as i64).collect::<Vec<_>>());
            // not the input order, and not grouped: the first tenth spans the whole input
            assert_ne!(a, sorted);
            let head_max = a[..n as usize / 10].iter().max().unwrap();
            assert!(*head_max > n as i64 / 2, "{head_max}");
        }
    }

    #[test]
    fn nothing_pushed_nothing_delivered() {
        let order = SeededOrder::new(1, 0, 0).unwrap();
        assert_eq!(order.drain(|_| panic!("no record")).unwrap(), 0);
    }
}
