//! The bundle members of the image learner (the ridge model on pooled pixels, the ResNets) and
//! how they score preprocessed images, in training and in `predict`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT};
use tch::{Device, Tensor};

use super::data_cache::{pooled_features, ImagePrep};
use super::fast::RidgeModel;
use super::resnet::{self, Arch};
use super::scores::probabilities;
use crate::error::Result;

/// Batch size of validation and test passes (spec §2.1.5).
pub const EVAL_BATCH: i64 = 64;

/// A network member of a bundle (weights under `prefix`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NetSpec {
    pub arch: Arch,
    pub width_divisor: i64,
    pub classes: usize,
    pub multilabel: bool,
    pub tta: bool,
    pub prep: ImagePrep,
    pub prefix: String,
}

/// The fast model of image data: ridge on pooled grids of the preprocessed images.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageRidge {
    pub prep: ImagePrep,
    pub ridge: RidgeModel,
}

/// Scores of `images` (N×C×H×W): softmax/sigmoid of the (temperature-divided) logits,
/// averaged with the horizontally flipped image's logits when `tta` (spec §2.2).
pub fn predict_images(net: &dyn ModuleT, images: &Tensor, multilabel: bool, tta: bool, device: Device) -> Result<Vec<f32>> {
    let n = images.size()[0];
    let mut out = Vec::new();
    for start in (0..n).step_by(EVAL_BATCH as usize) {
        let len = EVAL_BATCH.min(n - start);
        let x = images.narrow(0, start, len).to_device(device);
        let logits = tch::no_grad(|| {
            let logits = net.forward_t(&x, false);
            if tta {
                (logits + net.forward_t(&x.flip([3]), false)) / 2.0
            } else {
                logits
            }
        });
        out.extend(probabilities(&logits, multilabel)?);
    }
    Ok(out)
}

/// Ridge scores of preprocessed images.
pub fn predict_ridge(model: &ImageRidge, images: &Tensor) -> Result<Vec<f32>> {
    let f = pooled_features(images);
    let rows = f.size()[0] as usize;
    let v = Vec::<f32>::try_from(f.contiguous().view(-1))?;
    model.ridge.predict(&v, rows)
}

/// Rebuilds a network member from its spec and tensors (bundle loading).
pub fn load_net(spec: &NetSpec, tensors: &HashMap<String, Tensor>, device: Device) -> Result<(nn::VarStore, Box<dyn ModuleT + Send>)> {
    let mut vs = nn::VarStore::new(device);
    let net = resnet::build(spec.arch, &vs.root(), spec.prep.channels as i64, spec.classes as i64, spec.width_divisor);
    resnet::load_prefixed(&mut vs, tensors, &spec.prefix)?;
    Ok((vs, net))
}
