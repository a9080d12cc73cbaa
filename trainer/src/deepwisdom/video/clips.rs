//! Clips as tensors: how a record becomes a cached `C × L × H × W` clip (frame choice, resize,
//! time resampling), loading a subset, and the pooled features of the fast model.

use std::path::Path;

use formats::dataset::{DatasetReader, ExampleRecord, Subset};
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::deepwisdom::data_cache::{decode_capped, pooled_features, DecodedSet, ImagePrep, SCAN};
use crate::error::{Error, Result};
use crate::learner::CancelToken;

/// How a clip becomes a cached `C × L × H × W` tensor; stored in bundles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClipPrep {
    /// Per-frame resize and value range (the image path, spec §2.1.3–2.1.4).
    pub frame: ImagePrep,
    /// Cached frames per clip: min(median clip length, 12) for the networks, fewer for the
    /// fast model.
    pub frames: usize,
    /// Which frames are decoded.
    #[serde(default)]
    pub sampling: Sampling,
}

/// Frames decoded from a clip of `t` frames for a cache of `l` frames.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// All frames when `t ≤ 2l`, else `2l` spread uniformly (first and last included).
    #[default]
    Spread,
    /// `l` consecutive frames from the middle of the clip (the fast model: a third of the
    /// decoding of the network cache, and consecutive frames keep small motions measurable).
    Middle,
}

impl ClipPrep {
    pub fn clip_len(&self) -> usize {
        self.frame.example_len() * self.frames
    }

    /// One cached clip's dimensions, `C × L × H × W`.
    pub fn dims(&self) -> [i64; 4] {
        let f = &self.frame;
        [f.channels as i64, self.frames as i64, f.height as i64, f.width as i64]
    }
}


/// Resamples `N × C × T × H × W` clips to `frames` frames by bicubic interpolation along
/// time (spec §3: interpolation, not frame picking); the end frames are kept exactly.
pub fn resample_time(clips: &Tensor, frames: usize) -> Tensor {
    let s = clips.size();
    if s[2] == frames as i64 {
        return clips.shallow_clone();
    }
    clips
        .reshape([s[0], s[1], s[2], s[3] * s[4]])
        .upsample_bicubic2d([frames as i64, s[3] * s[4]], true, None, None)
        .reshape([s[0], s[1], frames as i64, s[3], s[4]])
}

/// Frame indices decoded for a clip of `t` frames cached as `l` (see [`Sampling`]), so a long
/// clip costs a bounded decode.
pub fn decode_indices(t: usize, l: usize, sampling: Sampling) -> Vec<usize> {
    if sampling == Sampling::Middle {
        let m = t.min(l.max(1));
        let start = (t - m) / 2;
        return (start..start + m).collect();
    }
    let m = t.min(2 * l.max(1));
    if m <= 1 {
        return vec![0; usize::from(t > 0)];
    }
    (0..m).map(|j| ((j * (t - 1)) as f64 / (m - 1) as f64).round() as usize).collect()
}

fn decode_clip(record: &ExampleRecord, spec: &DataSpec, prep: &ClipPrep) -> Result<Vec<f32>> {
    let matrix = spec
        .matrix_spec
        .first()
        .ok_or_else(|| Error::Config("metadata has no matrix_spec (AUTODL_FORMAT.md §3.3)".into()))?;
    let f = &prep.frame;
    let indices = decode_indices(record.frames().num_frames(), prep.frames, prep.sampling);
    if indices.is_empty() {
        // A clip without frames is all black rather than an error (the record is still valid).
        return Ok(vec![0.0; prep.clip_len()]);
    }
    let mut frames = Vec::with_capacity(indices.len() * f.example_len());
    for &t in &indices {
        let frame = record.frame_tensor(t, matrix)?;
        if (frame.height, frame.width, frame.channels) == (f.height, f.width, f.channels) && f.rescale.is_none() {
            // Already at the input size: HWC → CHW without libtorch calls (most frames of a
            // converted video are; this keeps the first prediction fast).
            let plane = f.height * f.width;
            let start = frames.len();
            frames.resize(start + plane * f.channels, 0.0);
            for (p, px) in frame.data.chunks_exact(f.channels).enumerate() {
                for (c, v) in px.iter().enumerate() {
                    frames[start + c * plane + p] = if v.is_finite() { *v } else { 0.0 };
                }
            }
        } else {
            frames.extend(f.apply(&frame));
        }
    }
    let (m, c, h, w) = (indices.len() as i64, f.channels as i64, f.height as i64, f.width as i64);
    let clip = Tensor::from_slice(&frames).view([m, c, h, w]).permute([1, 0, 2, 3]).unsqueeze(0);
    let clip = resample_time(&clip, prep.frames);
    Ok(Vec::<f32>::try_from(clip.contiguous().view(-1))?)
}

/// Reads, decodes (clips in parallel) and caches the clips of `subset` (`rows × C × L × H × W`
/// values on the CPU), keeping at most `memory_cap` bytes; the rest are counted in
/// [`DecodedSet::skipped`].
pub fn load_clips(
    dir: &Path,
    subset: Subset,
    spec: &DataSpec,
    prep: &ClipPrep,
    output_dim: usize,
    memory_cap: usize,
    cancel: &CancelToken,
) -> Result<DecodedSet> {
    const CHUNK: usize = 64;
    let capacity = (memory_cap / (prep.clip_len() * std::mem::size_of::<f32>()).max(1)).max(1);
    decode_capped(dir, subset, output_dim, capacity, CHUNK, cancel, |r| decode_clip(r, spec, prep))
}

/// Median frame count of the first [`SCAN`] train clips (spec §3: T of the scan).
pub(super) fn median_length(dir: &Path) -> Result<usize> {
    let reader = DatasetReader::open(dir)?;
    let mut lengths = Vec::new();
    for record in reader.examples(Subset::Train)?.take(SCAN) {
        lengths.push(record?.frames().num_frames());
    }
    lengths.sort_unstable();
    Ok(lengths.get(lengths.len() / 2).copied().unwrap_or(1).max(1))
}

/// The fast model's features of `N × C × L × H × W` clips: pooled grids of the mean frame,
/// the 4×4 grid of (last third − first third), and motion cues that a single frame cannot
/// give: a least-squares velocity Σ∂t·∂x / Σ∂x² (and y) on 1×1, 2×2 and 4×4 grids, and the
/// mean |∂t| on a 4×4 grid.
pub fn clip_features(clips: &Tensor) -> Tensor {
    let s = clips.size();
    let (n, l) = (s[0], s[2]);
    let mean_frame = clips.mean_dim(2, false, Kind::Float);
    let third = (l / 3).max(1);
    let first = clips.narrow(2, 0, third).mean_dim(2, false, Kind::Float);
    let last = clips.narrow(2, l - third, third).mean_dim(2, false, Kind::Float);
    let drift = (last - first).adaptive_avg_pool2d([4, 4]).reshape([n, -1]);
    let mut parts = vec![pooled_features(&mean_frame), drift];
    let motion_dim = 2 * (1 + 4 + 16) + 16;
    if l >= 2 && s[3] >= 3 && s[4] >= 3 {
        let grey = clips.mean_dim(1, false, Kind::Float);
        let (h, w) = (s[3], s[4]);
        let it = grey.narrow(1, 1, l - 1) - grey.narrow(1, 0, l - 1);
        let mid = (grey.narrow(1, 1, l - 1) + grey.narrow(1, 0, l - 1)) / 2.0;
        // Central differences on the interior pixels; ∂t cropped to match.
        let ix = (mid.narrow(3, 2, w - 2) - mid.narrow(3, 0, w - 2)).narrow(2, 1, h - 2) / 2.0;
        let iy = (mid.narrow(2, 2, h - 2) - mid.narrow(2, 0, h - 2)).narrow(3, 1, w - 2) / 2.0;
        let itc = it.narrow(2, 1, h - 2).narrow(3, 1, w - 2);
        let cell = |t: &Tensor, g: i64| t.mean_dim(1, false, Kind::Float).adaptive_avg_pool2d([g, g]).reshape([n, -1]);
        for g in [1i64, 2, 4] {
            for grad in [&ix, &iy] {
                // ∂t = −v·∇I for a translating pattern, hence the minus: positive = right/down.
                let num = cell(&(&itc * grad), g);
                let den = cell(&(grad * grad), g) + 1e-4;
                parts.push(-num / den);
            }
        }
        parts.push(cell(&it.abs(), 4));
    } else {
        parts.push(Tensor::zeros([n, motion_dim], (Kind::Float, clips.device())));
    }
    Tensor::cat(&parts, 1).to_kind(Kind::Float)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn decode_indices_cover_the_clip_and_stay_bounded() {
        let spread = Sampling::Spread;
        assert_eq!(decode_indices(0, 12, spread), Vec::<usize>::new());
        assert_eq!(decode_indices(1, 12, spread), vec![0]);
        assert_eq!(decode_indices(5, 12, spread), vec![0, 1, 2, 3, 4]);
        let long = decode_indices(300, 12, spread);
        assert_eq!(long.len(), 24);
        assert_eq!((long[0], long[23]), (0, 299));
        assert_eq!(decode_indices(10, 4, Sampling::Middle), vec![3, 4, 5, 6]);
        assert_eq!(decode_indices(3, 4, Sampling::Middle), vec![0, 1, 2]);
        assert_eq!(decode_indices(0, 4, Sampling::Middle), Vec::<usize>::new());
    }

    #[test]
    fn time_resampling_keeps_end_frames_and_shape() {
        let clip = Tensor::arange(4 * 2 * 2, (Kind::Float, Device::Cpu)).view([1, 1, 4, 2, 2]);
        let r = resample_time(&clip, 7);
        assert_eq!(r.size(), vec![1, 1, 7, 2, 2]);
        let first = f64::try_from(r.get(0).get(0).get(0).get(0).get(0)).unwrap();
        let last = f64::try_from(r.get(0).get(0).get(6).get(1).get(1)).unwrap();
        assert!((first - 0.0).abs() < 1e-5 && (last - 15.0).abs() < 1e-4, "{first} {last}");
    }

    #[test]
    fn motion_features_tell_left_from_right() {
        // A bright vertical bar moving right (+1 px/frame) or left.
        let make = |dir: i64| {
            let mut v = vec![0f32; 6 * 16 * 16];
            for t in 0..6i64 {
                let x = 5 + dir * t;
                for y in 0..16 {
                    for dx in 0..2 {
                        v[(t * 256 + y * 16 + x + dx) as usize] = 1.0;
                    }
                }
            }
            Tensor::from_slice(&v).view([1, 1, 6, 16, 16])
        };
        let right = clip_features(&make(1));
        let left = clip_features(&make(-1));
        assert_eq!(right.size(), left.size());
        // Mean-frame grids come first (84 for one channel), then 16 drift cells, then the
        // global x-velocity.
        let vx = |f: &Tensor| f64::try_from(f.get(0).get(84 + 16)).unwrap();
        assert!(vx(&right) > 0.2 && vx(&left) < -0.2, "{} {}", vx(&right), vx(&left));
    }
}
