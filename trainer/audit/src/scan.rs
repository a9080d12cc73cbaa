//! One streaming pass over every record: a content hash and the labels per example, class
//! counts, and (tables) the rows handed to the column accumulator. Examples are not kept.


use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;
use formats::inspect::Domain;
use twox_hash::XxHash3_128;

use crate::columns::ColumnScan;
use crate::error::AuditError;
use crate::sketch::Sketches;
use crate::options::AuditOptions;

/// What is kept of one example: ~64 bytes whatever its size.
#[derive(Debug, Clone)]
pub struct Entry {
    pub hash: u128,
    pub subset: Subset,
    pub index: u64,
    pub id: Option<i64>,
    /// Sorted class indices; `None` when the subset has no labels (unlabelled, no solution).
    pub labels: Option<Box<[u32]>>,
}

impl Entry {
    pub fn example_ref(&self) -> crate::report::ExampleRef {
        crate::report::ExampleRef { subset: self.subset, index: self.index, id: self.id, labels: self.labels.as_ref().map(|l| l.to_vec()), source: None }
    }
}

pub struct Scan {
    pub entries: Vec<Entry>,
    pub counts: Vec<(Subset, u64)>,
    pub columns: Option<ColumnScan>,
    /// Fingerprints and features, in the order of `entries` as scanned.
    pub sketches: Sketches,
}

/// A score above one half marks a class as present (hard labels are 0/1; soft ones rounded).
fn classes_of(scores: impl Iterator<Item = (usize, f64)>) -> Box<[u32]> {
    let mut v: Vec<u32> = scores.filter(|(_, s)| *s > 0.5).map(|(i, _)| i as u32).collect();
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// The example's content as raw bytes — compressed image files or float bit patterns —
/// framed by kind and length so different layouts of the same bytes cannot collide.
pub fn content_hash(frames: &Frames) -> u128 {
    let mut h = XxHash3_128::new();
    let len = |h: &mut XxHash3_128, n: usize| h.write(&(n as u64).to_le_bytes());
    match frames {
        Frames::Dense { values, offsets } => {
            h.write(b"D");
            len(&mut h, offsets.len());
            for o in offsets {
                len(&mut h, *o);
            }
            // one write of all the bytes: the hasher is much slower fed 4 bytes at a time
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect();
            h.write(&bytes);
        }
        Frames::Compressed(images) => {
            h.write(b"C");
            len(&mut h, images.len());
            for img in images {
                len(&mut h, img.len());
                h.write(img);
            }
        }
        Frames::Sparse(frames) => {
            h.write(b"S");
            len(&mut h, frames.len());
            for f in frames {
                len(&mut h, f.value.len());
                for k in 0..f.value.len() {
                    let ch = f.channel.as_ref().and_then(|c| c.get(k)).copied().unwrap_or(0);
                    for x in [f.row.get(k).copied().unwrap_or(-1), f.col.get(k).copied().unwrap_or(-1), ch] {
                        h.write(&x.to_le_bytes());
                    }
                    h.write(&f.value[k].to_bits().to_le_bytes());
                }
            }
        }
    }
    h.finish_128()
}

/// `progress` is called after every record with the number read so far.
pub fn scan(reader: &DatasetReader, domain: Domain, opts: &AuditOptions, progress: &dyn Fn(u64)) -> Result<Scan, AuditError> {
    let solution = reader.solution()?;
    let mut columns = (domain == Domain::Tabular)
        .then(|| reader.spec(reader.subsets()[0]).map(|s| ColumnScan::new(reader, s, opts)))
        .flatten();
    let mut entries = Vec::new();
    let mut counts = Vec::new();
    let mut sketches = Sketches::new(domain);
    for subset in reader.subsets() {
        let spec = reader.spec(subset).and_then(|s| s.matrix_spec.first().cloned()).unwrap_or_default();
        let mut n = 0u64;
        for record in reader.examples(subset)? {
            let record = record?;
            let labels = match subset {
                Subset::Train => Some(classes_of(record.labels().into_iter().map(|(i, s)| (i as usize, f64::from(s))))),
                Subset::Test => match &solution {
                    Some(sol) if (n as usize) < sol.rows => {
                        Some(classes_of(sol.row(n as usize).iter().copied().enumerate()))
                    }
                    Some(sol) => {
                        return Err(AuditError::Dataset {
                            path: reader.layout().solution.clone().unwrap_or_default(),
                            message: format!("{} rows but test record {n} ({}) has no row", sol.rows, record.file.display()),
                        })
                    }
                    None => None,
                },
                Subset::Unlabelled => None,
            };
            if let Some(cols) = columns.as_mut() {
                let row = record.frame_tensor(0, &spec)?;
                cols.push(&record, &row.data, subset, labels.as_deref())?;
                sketches.push(&record, &spec, Some(&row.data))?;
            } else {
                sketches.push(&record, &spec, None)?;
            }
            entries.push(Entry { hash: content_hash(record.frames()), subset, index: n, id: record.id(), labels });
            n += 1;
            progress(entries.len() as u64);
        }
        if subset == Subset::Test {
            if let Some(sol) = &solution {
                if sol.rows as u64 != n {
                    return Err(AuditError::Dataset {
                        path: reader.layout().solution.clone().unwrap_or_default(),
                        message: format!("{} rows but the test subset has {n} records", sol.rows),
                    });
                }
            }
        }
        counts.push((subset, n));
    }
    sketches.finish();
    Ok(Scan { entries, counts, columns, sketches })
}

#[cfg(test)]
mod tests {
    use super::*;
    use formats::example::SparseFrame;

    #[test]
    fn same_bytes_in_another_layout_hash_differently() {
        let one = Frames::dense_from_frames([[1.0f32, 2.0]]);
        let two = Frames::dense_from_frames([[1.0f32], [2.0]]);
        assert_eq!(content_hash(&one), content_hash(&Frames::dense_from_frames([[1.0f32, 2.0]])));
        assert_ne!(content_hash(&one), content_hash(&two));
        let a = Frames::Compressed(vec![b"ab".to_vec(), b"c".to_vec()]);
        let b = Frames::Compressed(vec![b"a".to_vec(), b"bc".to_vec()]);
        assert_ne!(content_hash(&a), content_hash(&b));
        // -0.0 and 0.0 differ in their bytes, so they are different content
        assert_ne!(content_hash(&Frames::dense_from_frames([[0.0f32]])), content_hash(&Frames::dense_from_frames([[-0.0f32]])));
        let sparse = |col: i64| Frames::Sparse(vec![SparseFrame { row: vec![0], col: vec![col], channel: None, value: vec![1.0] }]);
        assert_ne!(content_hash(&sparse(0)), content_hash(&sparse(1)));
        assert_eq!(content_hash(&sparse(1)), content_hash(&sparse(1)));
    }
}
