//! Dataset → fixed-length f32 feature vectors for the baselines.
//!
//! Every example, whatever its `(T, H, W, C)` shape, becomes one vector of the same length,
//! chosen from the train metadata with the domain rule of AUTODL_FORMAT.md §5.6:
//! - image / video: each frame average-pooled to an 8×8 grid per channel, then averaged over
//!   frames (`8·8·C` values);
//! - tabular: the values themselves (NaN → 0), hashed into at most 2048 slots when wider;
//! - text (1×1 frames of token indices): a bag of tokens hashed into at most 512 bins, as
//!   frequencies, plus the log length;
//! - speech (1×1 frames of samples): mean |x| and standard deviation over 32 equal segments,
//!   plus the log length.
//!
//! Records are read in file order through [`formats::dataset::DatasetReader`], so the row order
//! of test features is the row order of the `.solution` file and of the predictions.

use std::path::{Path, PathBuf};

use formats::dataset::{DatasetReader, Subset};
use formats::example::{AutoDlExample, Frames};
use formats::inspect::{infer_domain, Domain};
pub use formats::inspect::resolve_domain;
use formats::metadata::DataSpec;

use crate::error::{Error, Result};
use crate::learner::CancelToken;

/// Grid side for pooled images (8×8 cells per channel).
pub const GRID: usize = 8;
/// Widest tabular vector kept as is; wider rows are hashed into this many slots.
pub const MAX_TABULAR_FEATURES: usize = 2048;
/// Most bins of the hashed bag of tokens.
pub const MAX_TOKEN_BINS: usize = 512;
/// Segments a waveform is cut into.
pub const SPEECH_SEGMENTS: usize = 32;

/// Domain of a dataset as consumers infer it (AUTODL_FORMAT.md §5.6, current kit rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Image,
    Tabular,
    Text,
    Speech,
}

impl InputKind {
    pub fn infer(spec: &DataSpec) -> Result<InputKind> {
        // Every learner reads one matrix per frame: refuse any other metadata before inferring.
        single_matrix(spec)?;
        Ok(match infer_domain(spec) {
            Domain::Tabular => InputKind::Tabular,
            Domain::Text => InputKind::Text,
            Domain::Speech => InputKind::Speech,
            // A clip's frames are pooled one by one and averaged, as an image's single frame is.
            Domain::Image | Domain::Video => InputKind::Image,
        })
    }
}

fn single_matrix(spec: &DataSpec) -> Result<&formats::metadata::MatrixSpec> {
    match spec.matrix_spec.as_slice() {
        [m] => Ok(m),
        other => Err(Error::Config(format!(
            "expected exactly one matrix_spec in the metadata, found {} (AUTODL_FORMAT.md §3.3)",
            other.len()
        ))),
    }
}

/// Turns examples of one dataset into vectors of [`FeatureExtractor::dim`] floats.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    kind: InputKind,
    rows: i32,
    cols: i32,
    channels: usize,
    dim: usize,
}

impl FeatureExtractor {
    /// Decides the feature layout from the (train) metadata.
    pub fn new(spec: &DataSpec) -> Result<Self> {
        let kind = InputKind::infer(spec)?;
        let matrix = single_matrix(spec)?;
        let channels = matrix.effective_channels().max(1) as usize;
        let dim = match kind {
            InputKind::Image => GRID * GRID * channels,
            InputKind::Tabular => {
                let frames = spec.sequence_size.max(1) as usize;
                let per_frame = (matrix.row_count.max(1) as usize)
                    .saturating_mul(matrix.col_count.max(1) as usize)
                    .saturating_mul(channels);
                frames.saturating_mul(per_frame).clamp(1, MAX_TABULAR_FEATURES)
            }
            InputKind::Text => spec.channel_to_index_map.len().clamp(1, MAX_TOKEN_BINS) + 1,
            InputKind::Speech => 2 * SPEECH_SEGMENTS + 1,
        };
        Ok(FeatureExtractor {
            kind,
            rows: matrix.row_count,
            cols: matrix.col_count,
            channels,
            dim,
        })
    }

    pub fn kind(&self) -> InputKind {
        self.kind
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Writes the features of one example into `out` (length [`Self::dim`]).
    pub fn extract(&self, example: &AutoDlExample, out: &mut [f32]) -> std::result::Result<(), String> {
        self.extract_frames(&example.frames, out)
    }

    /// [`Self::extract`] from the frames alone.
    pub fn extract_frames(&self, frames: &Frames, out: &mut [f32]) -> std::result::Result<(), String> {
        if out.len() != self.dim {
            return Err(format!("feature buffer has {} slots, expected {}", out.len(), self.dim));
        }
        out.fill(0.0);
        match self.kind {
            InputKind::Image => self.image_features(frames, out),
            InputKind::Tabular => self.tabular_features(frames, out),
            InputKind::Text => self.token_features(frames, out),
            InputKind::Speech => self.speech_features(frames, out),
        }
    }

    fn image_features(&self, frames: &Frames, out: &mut [f32]) -> std::result::Result<(), String> {
        let c = self.channels;
        let mut count = 0usize;
        let mut cell = vec![0f32; out.len()];
        match frames {
            Frames::Dense { values, offsets } => {
                let (h, w) = (self.rows, self.cols);
                if h <= 0 || w <= 0 {
                    return Err(format!("dense frames need row_count and col_count > 0, metadata has {h}×{w}"));
                }
                let (h, w) = (h as usize, w as usize);
                for t in 0..offsets.len().saturating_sub(1) {
                    let frame = &values[offsets[t]..offsets[t + 1]];
                    if frame.len() != h * w * c {
                        return Err(format!("frame {t} has {} values, expected {h}·{w}·{c}", frame.len()));
                    }
                    pool_grid(frame, h, w, c, &mut cell);
                    add_into(out, &cell);
                    count += 1;
                }
            }
            Frames::Compressed(images) => {
                for (t, bytes) in images.iter().enumerate() {
                    let (pixels, h, w) = decode_image(bytes, c).map_err(|e| format!("frame {t}: {e}"))?;
                    pool_grid(&pixels, h, w, c, &mut cell);
                    add_into(out, &cell);
                    count += 1;
                }
            }
            Frames::Sparse(sparse) => {
                let (h, w) = (self.rows.max(1) as usize, self.cols.max(1) as usize);
                for (t, frame) in sparse.iter().enumerate() {
                    let dense = densify(frame, h, w, c).map_err(|e| format!("frame {t}: {e}"))?;
                    pool_grid(&dense, h, w, c, &mut cell);
                    add_into(out, &cell);
                    count += 1;
                }
            }
        }
        if count == 0 {
            return Err("example has no frame".into());
        }
        out.iter_mut().for_each(|v| *v /= count as f32);
        Ok(())
    }

    fn tabular_features(&self, frames: &Frames, out: &mut [f32]) -> std::result::Result<(), String> {
        let dim = out.len();
        let mut position = 0usize;
        let mut hits = vec![0u32; dim];
        let mut put = |index: usize, value: f32, out: &mut [f32]| {
            // NaN marks a missing value (AUTODL_FORMAT.md §5.5): it contributes nothing.
            if value.is_finite() {
                out[index % dim] += value;
                hits[index % dim] += 1;
            }
        };
        match frames {
            Frames::Dense { values, .. } => {
                for v in values {
                    put(position, *v, out);
                    position += 1;
                }
            }
            Frames::Sparse(sparse) => {
                let (h, w, c) = (self.rows.max(1) as usize, self.cols.max(1) as usize, self.channels);
                for (t, frame) in sparse.iter().enumerate() {
                    check_sparse_lengths(frame).map_err(|e| format!("frame {t}: {e}"))?;
                    let base = t * h * w * c;
                    for k in 0..frame.value.len() {
                        let ch = frame.channel.as_ref().map_or(0, |ch| ch[k]);
                        let (r, col) = (frame.row[k], frame.col[k]);
                        if r < 0 || col < 0 || ch < 0 {
                            return Err(format!("frame {t}: negative sparse index at entry {k}"));
                        }
                        let index = base + (r as usize * w + col as usize) * c + ch as usize;
                        put(index, frame.value[k], out);
                    }
                }
            }
            Frames::Compressed(_) => return Err("compressed frames in a tabular dataset".into()),
        }
        // Hashed slots hold the mean of the values that landed there.
        for (v, n) in out.iter_mut().zip(&hits) {
            if *n > 1 {
                *v /= *n as f32;
            }
        }
        Ok(())
    }

    fn token_features(&self, frames: &Frames, out: &mut [f32]) -> std::result::Result<(), String> {
        let bins = out.len() - 1;
        let mut tokens = 0usize;
        let mut count = |token: f32, out: &mut [f32]| {
            if token.is_finite() && token >= 0.0 {
                out[(token as usize) % bins] += 1.0;
            }
            tokens += 1;
        };
        match frames {
            Frames::Dense { values, .. } => values.iter().for_each(|v| count(*v, out)),
            // The reference reader's sparse text branch keeps the channel indices (§3.3).
            Frames::Sparse(sparse) => {
                for frame in sparse {
                    match &frame.channel {
                        Some(ch) => ch.iter().for_each(|c| count(*c as f32, out)),
                        None => frame.col.iter().for_each(|c| count(*c as f32, out)),
                    }
                }
            }
            Frames::Compressed(_) => return Err("compressed frames in a text dataset".into()),
        }
        if tokens > 0 {
            out[..bins].iter_mut().for_each(|v| *v /= tokens as f32);
        }
        out[bins] = (1.0 + tokens as f32).ln();
        Ok(())
    }

    fn speech_features(&self, frames: &Frames, out: &mut [f32]) -> std::result::Result<(), String> {
        let samples: Vec<f32> = match frames {
            Frames::Dense { values, .. } => values.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect(),
            _ => return Err("speech datasets are expected to be DENSE".into()),
        };
        let n = samples.len();
        for s in 0..SPEECH_SEGMENTS {
            let (lo, hi) = (s * n / SPEECH_SEGMENTS, ((s + 1) * n / SPEECH_SEGMENTS).max(s * n / SPEECH_SEGMENTS + 1).min(n));
            if lo >= hi {
                continue;
            }
            let seg = &samples[lo..hi];
            let len = seg.len() as f32;
            let mean = seg.iter().sum::<f32>() / len;
            let mean_abs = seg.iter().map(|v| v.abs()).sum::<f32>() / len;
            let var = seg.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / len;
            out[2 * s] = mean_abs;
            out[2 * s + 1] = var.sqrt();
        }
        out[2 * SPEECH_SEGMENTS] = (1.0 + n as f32).ln();
        Ok(())
    }
}

fn add_into(acc: &mut [f32], x: &[f32]) {
    acc.iter_mut().zip(x).for_each(|(a, b)| *a += b);
}

/// Average-pools an `h × w × c` (HWC, channel fastest) frame to `GRID × GRID × c`.
/// Cell `i` covers rows `⌊i·h/G⌋ .. ⌈(i+1)·h/G⌉`, so frames smaller than the grid repeat
/// pixels instead of leaving empty cells.
pub fn pool_grid(frame: &[f32], h: usize, w: usize, c: usize, out: &mut [f32]) {
    debug_assert_eq!(frame.len(), h * w * c);
    debug_assert_eq!(out.len(), GRID * GRID * c);
    let span = |i: usize, n: usize| (i * n / GRID, ((i + 1) * n).div_ceil(GRID).max(i * n / GRID + 1).min(n));
    for gi in 0..GRID {
        let (r0, r1) = span(gi, h);
        for gj in 0..GRID {
            let (c0, c1) = span(gj, w);
            let cells = ((r1 - r0) * (c1 - c0)) as f32;
            for ch in 0..c {
                let mut sum = 0f32;
                for r in r0..r1 {
                    let row = &frame[(r * w) * c..(r * w + w) * c];
                    for col in c0..c1 {
                        let v = row[col * c + ch];
                        if v.is_finite() {
                            sum += v;
                        }
                    }
                }
                out[(gi * GRID + gj) * c + ch] = sum / cells;
            }
        }
    }
}

/// Decodes a JPEG/PNG frame to HWC floats in [0, 1] with the dataset's channel count, as
/// the reference reader does (AUTODL_FORMAT.md §3.3); other counts than 1/3/4 decode as RGB.
fn decode_image(bytes: &[u8], channels: usize) -> std::result::Result<(Vec<f32>, usize, usize), String> {
    let wanted = if matches!(channels, 1 | 3 | 4) { channels } else { 3 };
    let img = formats::example::decode_image(bytes, wanted).map_err(|e| e.to_string())?;
    if img.channels == channels {
        return Ok((img.data, img.height, img.width));
    }
    // Repeat the decoded channels cyclically so the layout stays HWC with `channels`.
    let (h, w, c) = (img.height, img.width, img.channels);
    let data = (0..h * w * channels).map(|i| img.data[(i / channels) * c + (i % channels) % c]).collect();
    Ok((data, h, w))
}

fn check_sparse_lengths(frame: &formats::example::SparseFrame) -> std::result::Result<(), String> {
    let n = frame.value.len();
    if frame.row.len() != n || frame.col.len() != n || frame.channel.as_ref().is_some_and(|c| c.len() != n) {
        return Err("sparse index and value lists differ in length".into());
    }
    Ok(())
}

fn densify(frame: &formats::example::SparseFrame, h: usize, w: usize, c: usize) -> std::result::Result<Vec<f32>, String> {
    check_sparse_lengths(frame)?;
    let mut dense = vec![0f32; h * w * c];
    for k in 0..frame.value.len() {
        let ch = frame.channel.as_ref().map_or(0, |ch| ch[k]);
        let (r, col) = (frame.row[k], frame.col[k]);
        if r < 0 || col < 0 || ch < 0 || r as usize >= h || col as usize >= w || ch as usize >= c {
            return Err(format!("sparse entry {k} at ({r}, {col}, {ch}) is outside {h}×{w}×{c}"));
        }
        dense[(r as usize * w + col as usize) * c + ch as usize] = frame.value[k];
    }
    Ok(dense)
}

/// Features (and, for the train split, label vectors) of one split, row-major.
#[derive(Debug, Clone)]
pub struct SplitFeatures {
    pub rows: usize,
    pub dim: usize,
    pub features: Vec<f32>,
    /// `rows × output_dim` label scores; all zeros for the test split.
    pub labels: Vec<f32>,
    pub output_dim: usize,
}


/// A dataset folder as the trainer sees it: name and metadata of both splits, records
/// streamed on demand. Opening checks the layout and parses both `metadata.textproto`.
#[derive(Debug, Clone)]
pub struct DatasetSource {
    pub name: String,
    pub dir: PathBuf,
    pub train_spec: DataSpec,
    pub test_spec: DataSpec,
    reader: DatasetReader,
}

impl DatasetSource {
    pub fn open(dir: &Path) -> Result<Self> {
        let reader = DatasetReader::open(dir)?;
        let spec = |subset: Subset| {
            reader.spec(subset).cloned().ok_or_else(|| {
                Error::Config(format!("{}: the dataset has no `{subset}` subset", dir.display()))
            })
        };
        let (train_spec, test_spec) = (spec(Subset::Train)?, spec(Subset::Test)?);
        Ok(DatasetSource { name: reader.name().to_string(), dir: dir.to_path_buf(), train_spec, test_spec, reader })
    }

    /// Required prediction shape: test `sample_count` × `output_dim` (SCORING.md §4 step 2).
    pub fn prediction_shape(&self) -> Result<(usize, usize)> {
        let rows = usize::try_from(self.test_spec.sample_count)
            .map_err(|_| Error::Config(format!("negative test sample_count {}", self.test_spec.sample_count)))?;
        let cols = usize::try_from(self.test_spec.output_dim)
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| Error::Config(format!("test output_dim {} is not positive", self.test_spec.output_dim)))?;
        Ok((rows, cols))
    }

    /// Reads one split in file order into features (checking `cancel` between records).
    /// Test labels are never read: they are blanked, or leak the answer in legacy files
    /// (AUTODL_FORMAT.md §1.3); the reader returns zeros for them.
    pub fn load(&self, subset: Subset, extractor: &FeatureExtractor, cancel: &CancelToken) -> Result<SplitFeatures> {
        let output_dim = self.train_spec.output_dim.max(1) as usize;
        read_features(&self.reader, subset, extractor, output_dim, None, cancel)
    }
}

/// Features and label vectors of the first `limit` examples of `subset` (all of them when
/// `None`), in file order, checking `cancel` between records.
pub fn read_features(
    reader: &DatasetReader,
    subset: Subset,
    extractor: &FeatureExtractor,
    output_dim: usize,
    limit: Option<usize>,
    cancel: &CancelToken,
) -> Result<SplitFeatures> {
    let dim = extractor.dim();
    let (mut features, mut labels, mut rows) = (Vec::new(), Vec::new(), 0usize);
    let mut row = vec![0f32; dim];
    for record in reader.examples(subset)? {
        if limit.is_some_and(|l| rows >= l) {
            break;
        }
        cancel.check()?;
        let record = record?;
        extractor.extract_frames(record.frames(), &mut row).map_err(|message| Error::Data {
            path: record.file.to_path_buf(),
            record: record.index,
            message,
        })?;
        features.extend_from_slice(&row);
        labels.extend_from_slice(&record.label_vector(output_dim)?);
        rows += 1;
    }
    Ok(SplitFeatures { rows, dim, features, labels, output_dim })
}


/// Class names: `<name>_label.name`, else the metadata's `label_to_index_map`, else
/// `class_<i>`.
pub fn label_names(reader: &DatasetReader, spec: &DataSpec, output_dim: usize) -> Result<Vec<String>> {
    let mut names: Vec<String> = (0..output_dim).map(|i| format!("class_{i}")).collect();
    if let Some(file) = reader.label_names()? {
        for (i, n) in file.into_iter().take(output_dim).enumerate() {
            if !n.is_empty() {
                names[i] = n;
            }
        }
    } else {
        for (name, index) in &spec.label_to_index_map {
            if let Some(slot) = usize::try_from(*index).ok().and_then(|i| names.get_mut(i)) {
                *slot = name.clone();
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_grid_averages_cells() {
        // 16×16 single channel, value = row index: each 2-row cell averages two rows.
        let (h, w) = (16, 16);
        let frame: Vec<f32> = (0..h * w).map(|i| (i / w) as f32).collect();
        let mut out = vec![0f32; GRID * GRID];
        pool_grid(&frame, h, w, 1, &mut out);
        assert_eq!(out[0], 0.5);
        assert_eq!(out[GRID * 7], 14.5);
    }

    #[test]
    fn pool_grid_handles_frames_smaller_than_the_grid() {
        // 2×3×2 frame: every grid cell maps to at least one pixel.
        let frame: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let mut out = vec![f32::NAN; GRID * GRID * 2];
        pool_grid(&frame, 2, 3, 2, &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
        assert_eq!(out[0], 0.0); // pixel (0,0) channel 0
        assert_eq!(out[(GRID * GRID - 1) * 2 + 1], 11.0); // pixel (1,2) channel 1
    }

    fn spec(kind: InputKind) -> DataSpec {
        let mut spec = DataSpec { output_dim: 2, ..DataSpec::default() };
        let mut m = formats::metadata::MatrixSpec { num_channels: 1, ..Default::default() };
        match kind {
            InputKind::Image => {
                m.row_count = 4;
                m.col_count = 4;
            }
            InputKind::Tabular => {
                m.row_count = 1;
                m.col_count = 5;
            }
            InputKind::Text | InputKind::Speech => {
                m.row_count = 1;
                m.col_count = 1;
                spec.sequence_size = -1;
                if kind == InputKind::Text {
                    spec.channel_to_index_map = vec![("a".into(), 0), ("b".into(), 1), ("c".into(), 2)];
                }
            }
        }
        spec.matrix_spec = vec![m];
        spec
    }

    fn dense(values: Vec<f32>, frame_len: usize) -> AutoDlExample {
        let frames = values.len() / frame_len;
        AutoDlExample {
            id: None,
            label_index: vec![],
            label_score: vec![],
            frames: Frames::Dense { values, offsets: (0..=frames).map(|t| t * frame_len).collect() },
        }
    }

    #[test]
    fn domain_rule_of_section_5_6() {
        for kind in [InputKind::Image, InputKind::Tabular, InputKind::Text, InputKind::Speech] {
            assert_eq!(InputKind::infer(&spec(kind)).unwrap(), kind);
        }
    }

    #[test]
    fn tabular_keeps_values_and_zeroes_nan() {
        let fx = FeatureExtractor::new(&spec(InputKind::Tabular)).unwrap();
        assert_eq!(fx.dim(), 5);
        let mut out = vec![0f32; 5];
        fx.extract(&dense(vec![1.0, f32::NAN, 3.0, 4.0, 5.0], 5), &mut out).unwrap();
        assert_eq!(out, vec![1.0, 0.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn text_is_a_bag_of_tokens_with_length() {
        let fx = FeatureExtractor::new(&spec(InputKind::Text)).unwrap();
        assert_eq!(fx.dim(), 4);
        let mut out = vec![0f32; 4];
        fx.extract(&dense(vec![0.0, 2.0, 2.0, 1.0], 1), &mut out).unwrap();
        assert_eq!(&out[..3], &[0.25, 0.25, 0.5]);
        assert!((out[3] - 5f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn dense_image_with_wrong_frame_size_is_an_error() {
        let fx = FeatureExtractor::new(&spec(InputKind::Image)).unwrap();
        let mut out = vec![0f32; fx.dim()];
        let err = fx.extract(&dense(vec![0.0; 15], 15), &mut out).unwrap_err();
        assert!(err.contains("frame 0 has 15 values"), "{err}");
    }
}
