//! The bundle members of the speech learner (the logistic model on pooled features, the
//! ThinResNet34 networks) and how they score clips, in training and in `predict`.

use std::collections::HashMap;
use std::path::Path;

use formats::dataset::Subset;
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT};
use tch::{Device, Tensor};

use super::fast::RidgeModel;
use super::resnet::load_prefixed;
use super::scores::probabilities;
use super::speech_features::{load_clips, window_into, PooledExtractor, SpectrogramExtractor, SpectrogramSpec};
use super::speech_net::ThinResnet34;
use crate::error::Result;
use crate::learner::CancelToken;

/// Clips per scoring pass.
pub const EVAL_BATCH: usize = 32;

/// Logistic regression on [`PooledExtractor`] features.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpeechLogistic {
    pub ridge: RidgeModel,
}

/// A ThinResNet34 member of a bundle (weights under `prefix`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpeechNetSpec {
    pub spectrogram: SpectrogramSpec,
    pub width_divisor: i64,
    pub classes: usize,
    pub multilabel: bool,
    pub prefix: String,
}

impl SpeechLogistic {
    /// Scores of mono waveforms.
    pub fn predict(&self, waves: &[Vec<f32>]) -> Result<Vec<f32>> {
        self.ridge.predict(&PooledExtractor::new().features_of(waves), waves.len())
    }
}

impl SpeechNetSpec {
    /// Scores of mono waveforms with the bundle's tensors.
    pub fn predict(&self, waves: &[Vec<f32>], tensors: &HashMap<String, Tensor>, device: Device, cancel: &CancelToken) -> Result<Vec<f32>> {
        let (_vs, net) = load_net(self, tensors, device)?;
        let specs = SpectrogramExtractor::new(&self.spectrogram).spectrograms_of(waves, self.spectrogram.frames);
        let idx: Vec<usize> = (0..waves.len()).collect();
        score_net(&net, &specs, &idx, &self.spectrogram, self.multilabel, device, cancel)
    }
}

/// Network input batch of test-time windows: the first `frames` columns of each tiled clip.
fn test_batch(specs: &[(usize, Vec<f32>)], idx: &[usize], height: usize, frames: usize) -> Tensor {
    let mut buf = vec![0f32; idx.len() * height * frames];
    for (b, &i) in idx.iter().enumerate() {
        let (len, s) = &specs[i];
        window_into(s, height, *len, 0, frames, &mut buf[b * height * frames..(b + 1) * height * frames]);
    }
    Tensor::from_slice(&buf).view([idx.len() as i64, 1, height as i64, frames as i64])
}

/// Scores (softmax, or sigmoid for multi-label) of clips `idx` in batches.
#[allow(clippy::too_many_arguments)]
pub fn score_net(
    net: &dyn ModuleT,
    specs: &[(usize, Vec<f32>)],
    idx: &[usize],
    spec: &SpectrogramSpec,
    multilabel: bool,
    device: Device,
    cancel: &CancelToken,
) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    for chunk in idx.chunks(EVAL_BATCH) {
        cancel.check()?;
        let x = test_batch(specs, chunk, spec.height(), spec.frames).to_device(device);
        let logits = tch::no_grad(|| net.forward_t(&x, false));
        out.extend(probabilities(&logits, multilabel)?);
    }
    Ok(out)
}

/// Mono waveforms of a dataset's `subset`, laid out as the train metadata says.
pub fn load_waves(dataset: &Path, subset: Subset, train_spec: &DataSpec, output_dim: usize, cancel: &CancelToken) -> Result<Vec<Vec<f32>>> {
    Ok(load_clips(dataset, subset, channels_of(train_spec), output_dim, usize::MAX, cancel)?.waves)
}

/// Channels the train metadata gives a clip (1 when it says none).
pub fn channels_of(spec: &DataSpec) -> usize {
    spec.matrix_spec.first().map_or(1, |m| m.effective_channels().max(1) as usize)
}

/// Rebuilds a network member from its spec and tensors.
pub fn load_net(spec: &SpeechNetSpec, tensors: &HashMap<String, Tensor>, device: Device) -> Result<(nn::VarStore, ThinResnet34)> {
    let mut vs = nn::VarStore::new(device);
    let net = ThinResnet34::new(&vs.root(), spec.spectrogram.height() as i64, spec.classes as i64, spec.width_divisor);
    load_prefixed(&mut vs, tensors, &spec.prefix)?;
    Ok((vs, net))
}
