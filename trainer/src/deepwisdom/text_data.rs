//! Stored text documents (AUTODL_FORMAT.md §5.4) as the text pipeline reads them: token
//! indices, label rows, the language test of spec DEEPWISDOM.md §5.1, and fastText vectors (§5.3
//! mode b).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use formats::dataset::{DatasetReader, Subset, SubsetExamples};
use formats::example::Frames;
use scoring::rng::SplitMix64;
use tch::Tensor;

use crate::error::{Error, Result};
use crate::learner::CancelToken;

/// Token indices of one stored document (AUTODL_FORMAT.md §5.4: one 1×1 frame per token,
/// the float value of its vocabulary index; the SPARSE branch keeps them as channel indices).
/// An index that is not a vocabulary index becomes the out-of-vocabulary id `vocab_size`.
pub fn document_tokens(frames: &Frames, vocab_size: usize) -> std::result::Result<Vec<u32>, String> {
    let token = |v: f64| -> u32 {
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < vocab_size as f64 {
            v as u32
        } else {
            vocab_size as u32
        }
    };
    match frames {
        Frames::Dense { values, .. } => Ok(values.iter().map(|v| token(f64::from(*v))).collect()),
        Frames::Sparse(frames) => Ok(frames
            .iter()
            .flat_map(|f| f.channel.clone().unwrap_or_else(|| f.col.clone()))
            .map(|t| token(t as f64))
            .collect()),
        Frames::Compressed(_) => Err("text documents must be DENSE token indices, found compressed frames".into()),
    }
}

/// Documents and 0/1 label rows read from a record stream.
#[derive(Debug, Default, Clone)]
pub struct Documents {
    pub docs: Vec<Vec<u32>>,
    /// rows × classes; a listed class (any confidence) counts as positive, as in the solution.
    pub labels: Vec<f32>,
}

/// Reads up to `limit` further documents from `stream`.
pub fn read_documents(stream: &mut SubsetExamples, limit: usize, vocab_size: usize, classes: usize, cancel: &CancelToken) -> Result<Documents> {
    let mut out = Documents::default();
    for record in stream.by_ref().take(limit) {
        if out.docs.len() % 256 == 0 {
            cancel.check()?;
        }
        let record = record?;
        let doc = document_tokens(record.frames(), vocab_size).map_err(|message| Error::Data {
            path: record.file.to_path_buf(),
            record: record.index,
            message,
        })?;
        out.docs.push(doc);
        out.labels.extend(record.label_vector(classes)?.into_iter().map(|v| f32::from(v > 0.0)));
    }
    Ok(out)
}

/// All documents of a subset, in file order (test / unlabelled sets, bundle prediction).
pub fn read_subset(dir: &Path, subset: Subset, vocab_size: usize, classes: usize, cancel: &CancelToken) -> Result<Documents> {
    let reader = DatasetReader::open(dir)?;
    read_documents(&mut reader.examples(subset)?, usize::MAX, vocab_size, classes, cancel)
}

/// Chinese when > 95 % of the first 100 vocabulary tokens are single characters (spec §5.1);
/// the converter's `<pad>`/`<unk>` entries are skipped.
pub fn is_chinese(vocabulary: &[(String, i32)]) -> bool {
    let mut sorted: Vec<&(String, i32)> = vocabulary.iter().filter(|(k, _)| !(k.starts_with('<') && k.ends_with('>'))).collect();
    sorted.sort_by_key(|(_, i)| *i);
    let first: Vec<_> = sorted.into_iter().take(100).collect();
    !first.is_empty() && first.iter().filter(|(k, _)| k.chars().count() == 1).count() as f64 > 0.95 * first.len() as f64
}

/// Reads the rows of a fastText `.vec` file (`N D` header, then `word v1 … vD`) for the
/// tokens of `vocabulary`; tokens without a vector get U(−0.02, 0.02) (spec §5.3 mode b).
/// Returns `(vocab_size + 1) × D` (the last row is the out-of-vocabulary id).
pub fn load_fasttext(path: &Path, vocabulary: &[(String, i32)], vocab_size: usize, seed: u64) -> Result<Tensor> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next().ok_or_else(|| Error::Data { path: path.into(), record: 0, message: "empty embeddings file".into() })?;
    let header = header.map_err(|e| Error::io(path, e))?;
    let dim: usize = header.split_whitespace().nth(1).and_then(|d| d.parse().ok()).filter(|d| *d > 0).ok_or_else(|| Error::Data {
        path: path.into(),
        record: 0,
        message: format!("first line `{header}` is not a fastText `.vec` header (count dimension)"),
    })?;
    let index: HashMap<&str, usize> = vocabulary.iter().filter(|(_, i)| *i >= 0 && (*i as usize) < vocab_size).map(|(k, i)| (k.as_str(), *i as usize)).collect();
    let mut rng = SplitMix64(seed ^ 0xFA57);
    let mut rows: Vec<f32> = (0..(vocab_size + 1) * dim).map(|_| (rng.unit() as f32 - 0.5) * 0.04).collect();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let mut parts = line.split(' ');
        let Some(word) = parts.next() else { continue };
        let Some(&row) = index.get(word) else { continue };
        let values: Vec<f32> = parts.filter(|s| !s.is_empty()).map(|s| s.parse::<f32>()).collect::<std::result::Result<_, _>>().map_err(|e| Error::Data {
            path: path.into(),
            record: n as u64 + 1,
            message: format!("bad vector value: {e}"),
        })?;
        if values.len() != dim {
            return Err(Error::Data { path: path.into(), record: n as u64 + 1, message: format!("{} values, header says {dim}", values.len()) });
        }
        rows[row * dim..(row + 1) * dim].copy_from_slice(&values);
    }
    Ok(Tensor::from_slice(&rows).view([(vocab_size + 1) as i64, dim as i64]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_vocabulary_is_single_characters() {
        let zh: Vec<(String, i32)> = ["<pad>", "<unk>", "我", "们", "好"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        assert!(is_chinese(&zh));
        let en: Vec<(String, i32)> = ["<pad>", "the", "cat", "a"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        assert!(!is_chinese(&en));
    }

    #[test]
    fn tokens_outside_the_vocabulary_become_the_unknown_id() {
        let frames = Frames::dense_uniform(vec![0.0, 3.0, 9.0, -1.0, 2.5], 1).unwrap();
        assert_eq!(document_tokens(&frames, 5).unwrap(), vec![0, 3, 5, 5, 5]);
        let empty = Frames::Dense { values: Vec::new(), offsets: vec![0] };
        assert!(document_tokens(&empty, 5).unwrap().is_empty());
    }

    #[test]
    fn fasttext_rows_land_on_their_vocabulary_index() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.vec");
        std::fs::write(&file, "3 2\ncat 1 2\nzebra 5 5\nthe 0.5 -0.5\n").unwrap();
        let vocab: Vec<(String, i32)> = ["<pad>", "the", "cat", "dog"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        let t = load_fasttext(&file, &vocab, 4, 0).unwrap();
        assert_eq!(t.size(), vec![5, 2]);
        assert_eq!(Vec::<f32>::try_from(t.get(2)).unwrap(), vec![1.0, 2.0]);
        assert_eq!(Vec::<f32>::try_from(t.get(1)).unwrap(), vec![0.5, -0.5]);
        let dog = Vec::<f32>::try_from(t.get(3)).unwrap();
        assert!(dog.iter().all(|v| v.abs() <= 0.02), "{dog:?}");
        std::fs::write(&file, "not a header\n").unwrap();
        assert!(load_fasttext(&file, &vocab, 4, 0).is_err());
    }
}

