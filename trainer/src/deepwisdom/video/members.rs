//! The bundle members of the video learner (the ridge model, the MC3 networks) and their
//! predictions, as `predict` replays them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT};
use tch::{Device, Tensor};

use crate::deepwisdom::fast::RidgeModel;
use crate::deepwisdom::mc3::Mc3;
use crate::deepwisdom::resnet::load_prefixed;
use crate::deepwisdom::scores::probabilities;
use crate::error::Result;

use super::clips::*;

/// Clips per validation / test forward pass.
pub const EVAL_BATCH: i64 = 32;

/// The fast model of video data: ridge regression on [`clip_features`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VideoRidge {
    pub prep: ClipPrep,
    pub ridge: RidgeModel,
}

impl VideoRidge {
    pub fn predict(&self, clips: &Tensor) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        let n = clips.size()[0];
        // Chunks bound the memory of the difference tensors on large test sets.
        for start in (0..n).step_by(256) {
            let len = 256.min(n - start);
            let f = clip_features(&clips.narrow(0, start, len).to_device(Device::Cpu));
            let v = Vec::<f32>::try_from(f.contiguous().view(-1))?;
            out.extend(self.ridge.predict(&v, len as usize)?);
        }
        Ok(out)
    }
}

/// One MC3 model of the sequence in a bundle: its checkpoints (weights under each prefix)
/// are averaged, then min–max normalised with the values frozen at training time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mc3Group {
    pub frames: usize,
    pub width_divisor: i64,
    pub prefixes: Vec<String>,
    /// `(min, max)` of the group's averaged test scores, or `None` for a lone group.
    pub normalise: Option<(f32, f32)>,
}

/// The networks' member: the mean over groups (spec §3 ensembling, intended mean).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VideoNets {
    pub prep: ClipPrep,
    pub classes: usize,
    pub multilabel: bool,
    pub groups: Vec<Mc3Group>,
}

/// Scores of `clips` (N × C × L × H × W, resampled to `frames`): softmax or sigmoid of the
/// temperature-divided logits, BatchNorm in eval mode (README: decisions).
pub fn predict_clips(net: &dyn ModuleT, clips: &Tensor, frames: usize, multilabel: bool, device: Device) -> Result<Vec<f32>> {
    let n = clips.size()[0];
    let mut out = Vec::new();
    for start in (0..n).step_by(EVAL_BATCH as usize) {
        let len = EVAL_BATCH.min(n - start);
        let x = resample_time(&clips.narrow(0, start, len), frames).to_device(device);
        let logits = tch::no_grad(|| net.forward_t(&x, false));
        out.extend(probabilities(&logits, multilabel)?);
    }
    Ok(out)
}

pub(super) fn min_max(p: &[f32]) -> (f32, f32) {
    p.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)))
}

/// `(p − min) / (max − min)`; a constant matrix maps to 0.5.
pub(super) fn apply_min_max(p: &[f32], (lo, hi): (f32, f32)) -> Vec<f32> {
    let span = hi - lo;
    p.iter().map(|v| if span > 1e-12 { (v - lo) / span } else { 0.5 }).collect()
}

pub(super) fn mean_of(parts: &[&[f32]]) -> Vec<f32> {
    let len = parts.first().map_or(0, |p| p.len());
    let mut out = vec![0f32; len];
    for p in parts {
        for (o, v) in out.iter_mut().zip(p.iter()) {
            *o += v;
        }
    }
    out.iter_mut().for_each(|o| *o /= parts.len().max(1) as f32);
    out
}

impl VideoNets {
    /// Scores of cached clips with the bundle's tensors.
    pub fn predict(&self, clips: &Tensor, tensors: &HashMap<String, Tensor>, device: Device) -> Result<Vec<f32>> {
        let mut groups = Vec::new();
        for g in &self.groups {
            let mut outs = Vec::new();
            for prefix in &g.prefixes {
                let mut vs = nn::VarStore::new(device);
                let net = Mc3::new(&vs.root(), self.prep.frame.channels as i64, self.classes as i64, g.width_divisor);
                load_prefixed(&mut vs, tensors, prefix)?;
                outs.push(predict_clips(&net, clips, g.frames, self.multilabel, device)?);
            }
            let refs: Vec<&[f32]> = outs.iter().map(|o| o.as_slice()).collect();
            let avg = mean_of(&refs);
            groups.push(match g.normalise {
                Some(range) => apply_min_max(&avg, range),
                None => avg,
            });
        }
        let refs: Vec<&[f32]> = groups.iter().map(|o| o.as_slice()).collect();
        Ok(mean_of(&refs))
    }
}

/// The fast model's name for users.
pub(super) fn ridge_name(sampling: Sampling) -> String {
    let frames = match sampling {
        Sampling::Middle => "middle frames",
        Sampling::Spread => "frames across the clip",
    };
    format!("ridge on pooled and motion features ({frames})")
}

/// A network's name for users: its place in the sequence and its input length.
pub(super) fn mc3_name(index: usize, frames: usize) -> String {
    format!("MC3-18 #{} ({frames} frames)", index + 1)
}

/// Mean validation loss of scores (cross-entropy of the true class, or mean BCE).
pub(super) fn score_loss(labels: &[f32], scores: &[f32], classes: usize, multilabel: bool) -> f64 {
    let rows = labels.len() / classes.max(1);
    let mut total = 0.0;
    for (y, p) in labels.chunks(classes).zip(scores.chunks(classes)) {
        if multilabel {
            total += y
                .iter()
                .zip(p)
                .map(|(y, p)| {
                    let p = f64::from(*p).clamp(1e-7, 1.0 - 1e-7);
                    -(f64::from(*y) * p.ln() + (1.0 - f64::from(*y)) * (1.0 - p).ln())
                })
                .sum::<f64>()
                / classes as f64;
        } else {
            let truth = y.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, v)| if *v > b.1 { (i, *v) } else { b }).0;
            total -= f64::from(p[truth]).clamp(1e-7, 1.0).ln();
        }
    }
    total / rows.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_max_of_a_constant_is_one_half() {
        assert_eq!(apply_min_max(&[2.0, 2.0], min_max(&[2.0, 2.0])), vec![0.5, 0.5]);
        assert_eq!(apply_min_max(&[1.0, 3.0], (1.0, 3.0)), vec![0.0, 1.0]);
    }
}
