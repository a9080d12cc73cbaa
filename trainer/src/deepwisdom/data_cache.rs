//! Image data path (spec §2.1): scan of the first 256 examples, input-size rule, parallel
//! JPEG/PNG decode, bicubic resize, value-range normalisation, a RAM cache under a byte cap
//! and the front-of-stream validation split.

use std::path::Path;

use formats::dataset::{DatasetReader, ExampleRecord, Subset};
use formats::metadata::DataSpec;
use rayon::prelude::*;
use scoring::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::learner::CancelToken;

/// Examples scanned for shape, range and label statistics (spec §2.1.1).
pub const SCAN: usize = 256;
/// Records decoded together (one parallel batch).
const DECODE_CHUNK: usize = 256;

/// How every image is turned into a network input; stored in bundles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImagePrep {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    /// `(min, max)` of the scanned values when they are not ≈[0, 1] (spec §2.1.4).
    pub rescale: Option<(f32, f32)>,
}

/// What the scan of the first examples found.
#[derive(Debug, Clone)]
pub struct ScanResult {
    pub median_height: usize,
    pub median_width: usize,
    pub channels: usize,
    pub min: f32,
    pub max: f32,
    pub multilabel: bool,
    /// Share of classes with no positive among the scanned examples.
    pub missing_class_share: f64,
}

/// Spec §2.1.3 input size. Returns `(height, width, extreme_aspect)`. `max_side` is 64 in the
/// spec (128 for extreme aspect ratios); CPU runs pass a smaller cap (README: decisions).
pub fn input_size(h: usize, w: usize, max_side: usize) -> (usize, usize, bool) {
    let aspect = w as f64 / h.max(1) as f64;
    let extreme = !(0.5..=2.0).contains(&aspect);
    if h <= 32 && w <= 32 {
        return (h.max(1), w.max(1), extreme);
    }
    let max_size = if extreme { max_side * 2 } else { max_side };
    let (mut th, mut tw) = (h.min(max_size) as f64, w.min(max_size) as f64);
    // The smaller side follows the larger one to keep the aspect ratio.
    if h >= w {
        tw = th * w as f64 / h as f64;
    } else {
        th = tw * h as f64 / w as f64;
    }
    let snap = |x: f64| (((x / 16.0 + 0.8).floor() as usize) * 16).max(16);
    (snap(th), snap(tw), extreme)
}

fn frame_of(record: &ExampleRecord, spec: &DataSpec) -> Result<formats::dataset::FrameTensor> {
    let matrix = spec
        .matrix_spec
        .first()
        .ok_or_else(|| Error::Config("metadata has no matrix_spec (AUTODL_FORMAT.md §3.3)".into()))?;
    // Images have one frame; later frames of a multi-frame record are ignored here.
    Ok(record.frame_tensor(0, matrix)?)
}

/// Scans the first [`SCAN`] train examples (spec §2.1.1).
pub fn scan(dir: &Path, spec: &DataSpec, output_dim: usize, cancel: &CancelToken) -> Result<ScanResult> {
    let reader = DatasetReader::open(dir)?;
    let records: Vec<ExampleRecord> = reader.examples(Subset::Train)?.take(SCAN).collect::<formats::Result<_>>()?;
    if records.is_empty() {
        return Err(Error::Config("the train split has no record".into()));
    }
    cancel.check()?;
    let channels = spec.matrix_spec.first().map_or(3, |m| m.effective_channels().max(1) as usize);
    let frames: Vec<Result<(usize, usize, usize, f32, f32)>> = records
        .par_iter()
        .map(|r| {
            // Decoded JPEG/PNG values lie in [0, 1]: the header's size is all the scan needs.
            if let Some(bytes) = r.frames().compressed_frame(0) {
                let dims = image::ImageReader::new(std::io::Cursor::new(bytes))
                    .with_guessed_format()
                    .ok()
                    .and_then(|reader| reader.into_dimensions().ok());
                if let Some((w, h)) = dims {
                    return Ok((h as usize, w as usize, channels, 0.0, 1.0));
                }
            }
            let f = frame_of(r, spec)?;
            let (lo, hi) = f.data.iter().filter(|v| v.is_finite()).fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            Ok((f.height, f.width, f.channels, lo, hi))
        })
        .collect();
    let frames = frames.into_iter().collect::<Result<Vec<_>>>()?;
    let median = |mut v: Vec<usize>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let mut seen = vec![false; output_dim];
    let mut multilabel = false;
    for r in &records {
        let y = r.label_vector(output_dim)?;
        multilabel |= y.iter().filter(|v| **v > 0.5).count() > 1;
        for (s, v) in seen.iter_mut().zip(&y) {
            *s |= *v > 0.5;
        }
    }
    Ok(ScanResult {
        median_height: median(frames.iter().map(|f| f.0).collect()),
        median_width: median(frames.iter().map(|f| f.1).collect()),
        channels: frames[0].2,
        min: frames.iter().map(|f| f.3).fold(f32::INFINITY, f32::min),
        max: frames.iter().map(|f| f.4).fold(f32::NEG_INFINITY, f32::max),
        multilabel,
        missing_class_share: seen.iter().filter(|s| !**s).count() as f64 / output_dim.max(1) as f64,
    })
}

impl ImagePrep {
    pub fn from_scan(scan: &ScanResult, max_side: usize) -> (ImagePrep, bool) {
        let (height, width, extreme) = input_size(scan.median_height, scan.median_width, max_side);
        let range = scan.max - scan.min;
        let near_unit = (0.9..=1.1).contains(&range) && (-0.1..=0.1).contains(&scan.min);
        let rescale = (!near_unit && range > 0.0).then_some((scan.min, scan.max));
        (ImagePrep { height, width, channels: scan.channels, rescale }, extreme)
    }

    pub fn example_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// One preprocessed image's dimensions, `C × H × W`.
    pub fn dims(&self) -> [i64; 3] {
        [self.channels as i64, self.height as i64, self.width as i64]
    }

    /// HWC frame → CHW at the input size, rescaled (spec §2.1.4, without the random flip).
    pub fn apply(&self, frame: &formats::dataset::FrameTensor) -> Vec<f32> {
        let (h, w, c) = (frame.height as i64, frame.width as i64, frame.channels as i64);
        let mut t = Tensor::from_slice(&frame.data).view([h, w, c]).permute([2, 0, 1]);
        // A frame whose channel count differs from the scan is mapped cyclically.
        if c != self.channels as i64 {
            let idx: Vec<i64> = (0..self.channels as i64).map(|i| i % c).collect();
            t = t.index_select(0, &Tensor::from_slice(&idx));
        }
        let t = t.nan_to_num(0.0, None, None).unsqueeze(0);
        let t = if (h, w) != (self.height as i64, self.width as i64) {
            t.upsample_bicubic2d([self.height as i64, self.width as i64], false, None, None)
        } else {
            t
        };
        let t = match self.rescale {
            Some((lo, hi)) => (t - f64::from(lo)) / f64::from(hi - lo),
            None => t,
        };
        Vec::<f32>::try_from(t.contiguous().view(-1)).expect("float tensor to Vec<f32>")
    }
}

/// Reads, decodes (in parallel) and preprocesses the records of `subset` (`rows × C × H × W`
/// values on the CPU), keeping at most `memory_cap` bytes of images; the rest are counted in
/// [`DecodedSet::skipped`].
pub fn load_images(
    dir: &Path,
    subset: Subset,
    spec: &DataSpec,
    prep: &ImagePrep,
    output_dim: usize,
    memory_cap: usize,
    cancel: &CancelToken,
) -> Result<DecodedSet> {
    let per_example = prep.example_len() * std::mem::size_of::<f32>();
    let capacity = (memory_cap / per_example.max(1)).max(1);
    decode_capped(dir, subset, output_dim, capacity, DECODE_CHUNK, cancel, |r| Ok(prep.apply(&frame_of(r, spec)?)))
}

/// Records of one subset decoded to flat `f32` values, with their label vectors.
pub struct DecodedSet {
    pub rows: usize,
    pub values: Vec<f32>,
    pub labels: Vec<f32>,
    /// Records left out because `capacity` was reached.
    pub skipped: usize,
}

impl DecodedSet {
    /// The values as a `rows × dims` tensor, `dims` being one example's dimensions.
    pub fn tensor(&self, dims: &[i64]) -> Tensor {
        examples_tensor(&self.values, self.rows, dims)
    }
}

/// `rows` examples of `dims` each, laid end to end in `values`, as a `rows × dims` tensor.
fn examples_tensor(values: &[f32], rows: usize, dims: &[i64]) -> Tensor {
    let shape: Vec<i64> = std::iter::once(rows as i64).chain(dims.iter().copied()).collect();
    Tensor::from_slice(values).view(shape.as_slice())
}

/// The decoded splits as the networks read them: the train split cut into training rows (on
/// the training device) and validation rows (on the CPU, with flat label vectors), and the
/// test split.
pub struct CachedSplits {
    pub train_x: Tensor,
    pub train_y: Tensor,
    pub val_x: Tensor,
    pub val_y: Vec<f32>,
    pub test_x: Tensor,
}

impl CachedSplits {
    /// Rows `tr` of `train` for training and rows `va` for validation, and all of `test`;
    /// `dims`: one example's dimensions, `k`: labels per example.
    pub fn new(train: &DecodedSet, tr: &[usize], va: &[usize], test: &DecodedSet, dims: &[i64], k: usize, device: Device) -> Self {
        let len = dims.iter().product::<i64>() as usize;
        let examples = |idx: &[usize]| examples_tensor(&gather(&train.values, len, idx), idx.len(), dims);
        CachedSplits {
            train_x: examples(tr).to_device(device),
            train_y: Tensor::from_slice(&gather(&train.labels, k, tr)).view([tr.len() as i64, k as i64]).to_device(device),
            val_x: examples(va),
            val_y: gather(&train.labels, k, va),
            test_x: test.tensor(dims),
        }
    }
}

/// Reads `subset` in file order and decodes its records `chunk_len` at a time in parallel with
/// `decode`, keeping at most `capacity` records (the memory cap); the rest are only counted.
pub fn decode_capped(
    dir: &Path,
    subset: Subset,
    output_dim: usize,
    capacity: usize,
    chunk_len: usize,
    cancel: &CancelToken,
    decode: impl Fn(&ExampleRecord) -> Result<Vec<f32>> + Sync,
) -> Result<DecodedSet> {
    let reader = DatasetReader::open(dir)?;
    let mut set = DecodedSet { rows: 0, values: Vec::new(), labels: Vec::new(), skipped: 0 };
    let mut chunk: Vec<ExampleRecord> = Vec::with_capacity(chunk_len);
    let flush = |chunk: &mut Vec<ExampleRecord>, set: &mut DecodedSet| -> Result<()> {
        let decoded: Vec<Result<Vec<f32>>> = chunk.par_iter().map(&decode).collect();
        for (r, d) in chunk.iter().zip(decoded) {
            set.values.extend(d?);
            set.labels.extend(r.label_vector(output_dim)?);
            set.rows += 1;
        }
        chunk.clear();
        Ok(())
    };
    for record in reader.examples(subset)? {
        cancel.check()?;
        let record = record?;
        if set.rows + chunk.len() >= capacity {
            set.skipped += 1;
            continue;
        }
        chunk.push(record);
        if chunk.len() == chunk_len {
            flush(&mut chunk, &mut set)?;
        }
    }
    flush(&mut chunk, &mut set)?;
    Ok(set)
}

/// Spec §2.1.2: `n_val = min(10 % of n, 256)` taken from the front of the stream, which is
/// shuffled once (seeded) when classes are missing from the scan or n < 10 000. Returns
/// (train indices, validation indices).
pub fn validation_split(n: usize, shuffle: bool, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let n_val = ((n as f64 * 0.1) as usize).min(256).max(usize::from(n >= 2));
    let order = if shuffle { SplitMix64(seed).permutation(n) } else { (0..n).collect() };
    (order[n_val..].to_vec(), order[..n_val].to_vec())
}

/// Rows `idx` of a `rows × len` buffer.
pub fn gather(data: &[f32], len: usize, idx: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(idx.len() * len);
    for &i in idx {
        out.extend_from_slice(&data[i * len..(i + 1) * len]);
    }
    out
}

/// 8×8, 4×4 and 2×2 average-pooled grids per channel: the fast model's features.
pub fn pooled_features(images: &Tensor) -> Tensor {
    let n = images.size()[0];
    let grids: Vec<Tensor> = [8i64, 4, 2]
        .iter()
        .map(|g| images.adaptive_avg_pool2d([*g, *g]).reshape([n, -1]))
        .collect();
    Tensor::cat(&grids, 1).to_kind(Kind::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_size_rule_of_section_2_1_3() {
        assert_eq!(input_size(224, 224, 64), (64, 64, false));
        assert_eq!(input_size(28, 28, 64), (28, 28, false));
        assert_eq!(input_size(100, 60, 64), (64, 48, false));
        assert!(input_size(40, 200, 64).2, "aspect 5 is extreme");
        assert_eq!(input_size(400, 350, 32), (32, 32, false));
    }

    #[test]
    fn validation_is_ten_percent_from_the_front_and_seeded() {
        let (tr, va) = validation_split(100, false, 0);
        assert_eq!(va, (0..10).collect::<Vec<_>>());
        assert_eq!(tr.len(), 90);
        assert_eq!(validation_split(5000, true, 3).1.len(), 256);
        assert_eq!(validation_split(50, true, 3), validation_split(50, true, 3));
    }
}
