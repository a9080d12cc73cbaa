//! MC3-18 (spec §9.3): a 3-D convolution stem and layer1 with full 3×3×3 kernels, then
//! layer2–4 with 1×3×3 kernels (no temporal extent), global average pool, a bias-free
//! Xavier classifier and the logit temperature of §2.2.
//!
//! Parameter names follow torchvision's `VideoResNet` (`stem.0`, `stem.1`,
//! `layer1.0.conv1.0`, `layer1.0.conv1.1`, `layer2.0.downsample.0`, `fc`, …), so a
//! `mc3_18.safetensors` made from torchvision's Kinetics-400 checkpoint loads by name.

use std::collections::HashMap;
use std::path::Path;

use tch::nn::{self, ConvConfigND, ModuleT};
use tch::Tensor;

use super::resnet::{classifier18, load_prefixed, read_tensors, stages18, Residual, TEMPERATURE};
use crate::error::{Error, Result};

/// Kinetics-400 normalisation (spec §3).
const KINETICS_MEAN: [f32; 3] = [0.43216, 0.394666, 0.37645];
const KINETICS_STD: [f32; 3] = [0.22803, 0.22145, 0.216989];

fn conv3(p: nn::Path, i: i64, o: i64, k: [i64; 3], stride: [i64; 3], padding: [i64; 3]) -> nn::Conv3D {
    let config = ConvConfigND { stride, padding, dilation: [1, 1, 1], bias: false, ..ConvConfigND::default_nd() };
    nn::conv(p, i, o, k, config)
}

/// `ConvConfigND::default()` exists only for the scalar form; this is its 3-D twin.
trait DefaultNd {
    fn default_nd() -> Self;
}

impl DefaultNd for ConvConfigND<[i64; 3]> {
    fn default_nd() -> Self {
        let d = nn::ConvConfig::default();
        ConvConfigND {
            stride: [1; 3],
            padding: [0; 3],
            dilation: [1; 3],
            groups: d.groups,
            bias: d.bias,
            ws_init: d.ws_init,
            bs_init: d.bs_init,
            padding_mode: d.padding_mode,
        }
    }
}

type Block = Residual<nn::Conv3D>;

impl Residual<nn::Conv3D> {
    /// `temporal`: 3×3×3 kernels (layer1) or 1×3×3 (layer2–4); `stride` is spatial only.
    fn new(p: nn::Path, i: i64, o: i64, stride: i64, temporal: bool) -> Block {
        let (k, pad) = if temporal { ([3, 3, 3], [1, 1, 1]) } else { ([1, 3, 3], [0, 1, 1]) };
        // torchvision: Conv3DSimple strides time too, Conv3DNoTemporal does not; layer1 has
        // stride 1, so time is never strided in MC3-18.
        let s = if temporal { [stride; 3] } else { [1, stride, stride] };
        let downsample = (stride != 1 || i != o).then(|| {
            (conv3(&p / "downsample" / "0", i, o, [1, 1, 1], s, [0, 0, 0]), nn::batch_norm3d(&p / "downsample" / "1", o, Default::default()))
        });
        Residual {
            conv1: conv3(&p / "conv1" / "0", i, o, k, s, pad),
            bn1: nn::batch_norm3d(&p / "conv1" / "1", o, Default::default()),
            conv2: conv3(&p / "conv2" / "0", o, o, k, [1, 1, 1], pad),
            bn2: nn::batch_norm3d(&p / "conv2" / "1", o, Default::default()),
            downsample,
        }
    }
}

/// MC3-18 on `N × C × F × H × W` clips with values in [0, 1] (normalised inside).
#[derive(Debug)]
pub struct Mc3 {
    channels: i64,
    stem_conv: nn::Conv3D,
    stem_bn: nn::BatchNorm,
    blocks: Vec<Block>,
    fc: nn::Linear,
}

impl Mc3 {
    /// `width_divisor` scales every channel count (1 = torchvision's MC3-18). Inputs with other
    /// than 1 or 3 channels are reduced to their mean and treated as grey.
    pub fn new(p: &nn::Path, channels: i64, classes: i64, width_divisor: i64) -> Mc3 {
        let w = |c: i64| (c / width_divisor.max(1)).max(8);
        let blocks = stages18(p, width_divisor).map(|b| Block::new(b.path, b.input, b.output, b.stride, b.stage == 0)).collect();
        let fc = classifier18(p, width_divisor, classes);
        Mc3 {
            channels,
            stem_conv: conv3(p / "stem" / "0", 3, w(64), [3, 7, 7], [1, 2, 2], [1, 3, 3]),
            stem_bn: nn::batch_norm3d(p / "stem" / "1", w(64), Default::default()),
            blocks,
            fc,
        }
    }

    /// Spec §3: Kinetics mean/std for RGB; one channel as (x − 0.5)/0.25 copied to three.
    fn normalise(&self, x: &Tensor) -> Tensor {
        let dev = x.device();
        if self.channels == 3 {
            let mean = Tensor::from_slice(&KINETICS_MEAN).view([1, 3, 1, 1, 1]).to_device(dev);
            let std = Tensor::from_slice(&KINETICS_STD).view([1, 3, 1, 1, 1]).to_device(dev);
            (x - mean) / std
        } else {
            let grey = if self.channels == 1 { x.shallow_clone() } else { x.mean_dim(1, true, tch::Kind::Float) };
            ((grey - 0.5) / 0.25).repeat([1, 3, 1, 1, 1])
        }
    }
}

impl ModuleT for Mc3 {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut h = self.normalise(x).apply(&self.stem_conv).apply_t(&self.stem_bn, train).relu();
        for block in &self.blocks {
            h = block.forward_t(&h, train);
        }
        h.adaptive_avg_pool3d([1, 1, 1]).flatten(1, -1).apply(&self.fc) / TEMPERATURE
    }
}

/// Names of the stem and layer1 parameters (frozen with Kinetics weights, spec §3).
pub fn is_frozen_part(name: &str) -> bool {
    name.starts_with("stem.") || name.starts_with("layer1.")
}

/// Loads torchvision-named Kinetics weights into `vs` (everything but `fc`); returns the
/// number of tensors loaded. The file must match the full-width network.
pub fn load_mc3_pretrained(vs: &mut nn::VarStore, file: &Path) -> Result<usize> {
    let mut map = read_tensors(file)?;
    map.retain(|n, _| !n.starts_with("fc."));
    let wanted: Vec<String> = vs.variables().into_keys().filter(|n| !n.starts_with("fc.")).collect();
    let missing: Vec<&String> = wanted.iter().filter(|n| !map.contains_key(*n)).collect();
    if !missing.is_empty() {
        return Err(Error::Config(format!(
            "{}: {} MC3-18 tensors missing (first: {}); expected torchvision `mc3_18` names",
            file.display(),
            missing.len(),
            missing[0]
        )));
    }
    let subset: HashMap<String, Tensor> = wanted.iter().map(|n| (n.clone(), map[n].shallow_clone())).collect();
    load_prefixed(vs, &subset, "")?;
    Ok(subset.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn torchvision_names_and_output_shape() {
        let vs = nn::VarStore::new(Device::Cpu);
        let net = Mc3::new(&vs.root(), 3, 5, 8);
        let names = vs.variables();
        for n in ["stem.0.weight", "stem.1.running_mean", "layer1.0.conv1.0.weight", "layer2.0.downsample.0.weight", "layer4.1.conv2.1.weight", "fc.weight"] {
            assert!(names.contains_key(n), "{n} missing");
        }
        assert_eq!(names["layer1.0.conv1.0.weight"].size(), vec![8, 8, 3, 3, 3]);
        assert_eq!(names["layer2.0.conv1.0.weight"].size(), vec![16, 8, 1, 3, 3]);
        assert!(!names.contains_key("fc.bias"));
        let x = Tensor::rand([2, 3, 4, 16, 16], (Kind::Float, Device::Cpu));
        assert_eq!(net.forward_t(&x, false).size(), vec![2, 5]);
        let grey = Mc3::new(&nn::VarStore::new(Device::Cpu).root(), 1, 2, 8);
        assert_eq!(grey.forward_t(&Tensor::rand([1, 1, 3, 16, 16], (Kind::Float, Device::Cpu)), false).size(), vec![1, 2]);
    }
}
