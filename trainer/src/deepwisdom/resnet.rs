//! The two image networks of spec §9.1–9.2 with the input stem of §2.1.6.
//!
//! ResNet-18 uses torchvision's parameter names (`conv1`, `bn1`, `layer1.0.conv1`,
//! `layer2.0.downsample.0`, `fc`, …) so a `resnet18.safetensors` converted from torchvision's
//! checkpoint loads by name. Both networks return logits already divided by the temperature.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::{self, ConvConfig, ModuleT};
use tch::{Kind, Tensor};

use crate::error::{Error, Result};

/// Logit temperature τ (spec §2.2).
pub const TEMPERATURE: f64 = 8.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    Resnet18,
    Resnet9,
}

impl Arch {
    /// The network's name for users (logs, leaderboard).
    pub fn label(self) -> &'static str {
        match self {
            Arch::Resnet18 => "ResNet-18",
            Arch::Resnet9 => "ResNet-9",
        }
    }
}

/// Spec §2.1.6: map any channel count to normalised 3-channel input.
#[derive(Debug)]
pub struct Stem {
    channels: i64,
    conv: Option<(nn::Conv2D, nn::BatchNorm)>,
}

impl Stem {
    pub fn new(p: &nn::Path, channels: i64) -> Stem {
        let conv = (channels != 1 && channels != 3).then(|| {
            let c = nn::conv2d(p / "stem" / "conv", channels, 3, 3, ConvConfig { padding: 1, bias: false, ..Default::default() });
            (c, nn::batch_norm2d(p / "stem" / "bn", 3, Default::default()))
        });
        Stem { channels, conv }
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        match self.channels {
            3 => {
                let dev = x.device();
                let mean = Tensor::from_slice(&[0.485f32, 0.456, 0.406]).view([1, 3, 1, 1]).to_device(dev);
                let std = Tensor::from_slice(&[0.229f32, 0.224, 0.225]).view([1, 3, 1, 1]).to_device(dev);
                (x - mean) / std
            }
            1 => ((x - 0.5) / 0.25).repeat([1, 3, 1, 1]),
            _ => {
                let (conv, bn) = self.conv.as_ref().expect("built for other channel counts");
                ((x - 0.5) / 0.25).apply(conv).apply_t(bn, train)
            }
        }
    }
}

fn conv(p: nn::Path, i: i64, o: i64, k: i64, stride: i64, padding: i64) -> nn::Conv2D {
    nn::conv2d(p, i, o, k, ConvConfig { stride, padding, bias: false, ..Default::default() })
}

/// The basic residual block: two convolutions with batch norm and a shortcut, projected when
/// the shape changes. `C` is a 2D convolution here (ResNet-18) and a 3D one in MC3-18.
#[derive(Debug)]
pub(super) struct Residual<C> {
    pub(super) conv1: C,
    pub(super) bn1: nn::BatchNorm,
    pub(super) conv2: C,
    pub(super) bn2: nn::BatchNorm,
    pub(super) downsample: Option<(C, nn::BatchNorm)>,
}

impl<C: nn::Module> Residual<C> {
    pub(super) fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = x.apply(&self.conv1).apply_t(&self.bn1, train).relu().apply(&self.conv2).apply_t(&self.bn2, train);
        let shortcut = match &self.downsample {
            Some((c, b)) => x.apply(c).apply_t(b, train),
            None => x.shallow_clone(),
        };
        (y + shortcut).relu()
    }
}

type BasicBlock = Residual<nn::Conv2D>;

impl Residual<nn::Conv2D> {
    fn new(p: nn::Path, i: i64, o: i64, stride: i64) -> Self {
        let downsample = (stride != 1 || i != o).then(|| {
            (conv(&p / "downsample" / "0", i, o, 1, stride, 0), nn::batch_norm2d(&p / "downsample" / "1", o, Default::default()))
        });
        Residual {
            conv1: conv(&p / "conv1", i, o, 3, stride, 1),
            bn1: nn::batch_norm2d(&p / "bn1", o, Default::default()),
            conv2: conv(&p / "conv2", o, o, 3, 1, 1),
            bn2: nn::batch_norm2d(&p / "bn2", o, Default::default()),
            downsample,
        }
    }
}

/// One block of an 18-layer residual net's four stages (torchvision's `layer<k>.<b>` names).
pub(super) struct Stage18Block<'a> {
    pub(super) path: nn::Path<'a>,
    pub(super) input: i64,
    pub(super) output: i64,
    /// 2 for the first block of stages 2–4, else 1.
    pub(super) stride: i64,
    /// 0 for the first stage.
    pub(super) stage: usize,
}

/// The eight blocks ResNet-18 and MC3-18 share: four stages of two, widths 64…512 divided by
/// `width_divisor` (at least 8).
pub(super) fn stages18<'a>(p: &'a nn::Path<'a>, width_divisor: i64) -> impl Iterator<Item = Stage18Block<'a>> + 'a {
    let w = move |c: i64| (c / width_divisor.max(1)).max(8);
    [64, 128, 256, 512].into_iter().enumerate().flat_map(move |(stage, width)| {
        (0..2).map(move |b| Stage18Block {
            path: p / format!("layer{}", stage + 1) / b.to_string(),
            input: if b == 0 { w([64, 64, 128, 256][stage]) } else { w(width) },
            output: w(width),
            stride: if stage > 0 && b == 0 { 2 } else { 1 },
            stage,
        })
    })
}

/// The classifier of both 18-layer nets: no bias, Xavier-uniform (spec §9.1, §9.3).
pub(super) fn classifier18(p: &nn::Path, width_divisor: i64, classes: i64) -> nn::Linear {
    let features = (512 / width_divisor.max(1)).max(8);
    let bound = (6.0 / (features + classes) as f64).sqrt();
    nn::linear(p / "fc", features, classes, nn::LinearConfig { bias: false, ws_init: nn::Init::Uniform { lo: -bound, up: bound }, ..Default::default() })
}

/// ResNet-18 (spec §9.1), torchvision names.
#[derive(Debug)]
pub struct Resnet18 {
    stem: Stem,
    conv1: nn::Conv2D,
    bn1: nn::BatchNorm,
    layers: Vec<BasicBlock>,
    fc: nn::Linear,
}

impl Resnet18 {
    /// `width_divisor` scales every channel count (1 = torchvision's ResNet-18).
    pub fn new(p: &nn::Path, channels: i64, classes: i64, width_divisor: i64) -> Self {
        let w = |c: i64| (c / width_divisor.max(1)).max(8);
        let layers = stages18(p, width_divisor).map(|b| BasicBlock::new(b.path, b.input, b.output, b.stride)).collect();
        let fc = classifier18(p, width_divisor, classes);
        Resnet18 {
            stem: Stem::new(p, channels),
            conv1: conv(p / "conv1", 3, w(64), 7, 2, 3),
            bn1: nn::batch_norm2d(p / "bn1", w(64), Default::default()),
            layers,
            fc,
        }
    }
}

impl ModuleT for Resnet18 {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut h = self
            .stem
            .forward_t(x, train)
            .apply(&self.conv1)
            .apply_t(&self.bn1, train)
            .relu()
            .max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        for block in &self.layers {
            h = block.forward_t(&h, train);
        }
        h.adaptive_avg_pool2d([1, 1]).flatten(1, -1).apply(&self.fc) / TEMPERATURE
    }
}

/// CELU with α (spec §9.2: α = 0.075); written so large inputs never reach `exp`.
fn celu(x: &Tensor, alpha: f64) -> Tensor {
    x.relu() + ((x.clamp_max(0.0) / alpha).exp() - 1.0) * alpha
}

const CELU_ALPHA: f64 = 0.075;

#[derive(Debug)]
struct ConvBn {
    conv: nn::Conv2D,
    bn: nn::BatchNorm,
    pool: bool,
}

impl ConvBn {
    fn new(p: nn::Path, i: i64, o: i64, pool: bool) -> Self {
        ConvBn { conv: conv(&p / "conv", i, o, 3, 1, 1), bn: nn::batch_norm2d(&p / "bn", o, Default::default()), pool }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut h = x.apply(&self.conv);
        if self.pool {
            h = h.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
        }
        celu(&h.apply_t(&self.bn, train), CELU_ALPHA)
    }
}

/// ResNet-9 (spec §9.2); `width_divisor` scales every channel count (1 = as specified).
#[derive(Debug)]
pub struct Resnet9 {
    stem: Stem,
    prep: ConvBn,
    layer1: (ConvBn, ConvBn, ConvBn),
    layer2: ConvBn,
    layer3: (ConvBn, ConvBn, ConvBn),
    fc: nn::Linear,
}

impl Resnet9 {
    pub fn new(p: &nn::Path, channels: i64, classes: i64, width_divisor: i64) -> Self {
        let w = |c: i64| (c / width_divisor.max(1)).max(8);
        let res = |name: &str, i: i64, o: i64| {
            (ConvBn::new(p / name / "conv", i, o, true), ConvBn::new(p / name / "res1", o, o, false), ConvBn::new(p / name / "res2", o, o, false))
        };
        Resnet9 {
            stem: Stem::new(p, channels),
            prep: ConvBn::new(p / "prep", 3, w(64), false),
            layer1: res("layer1", w(64), w(128)),
            layer2: ConvBn::new(p / "layer2", w(128), w(256), true),
            layer3: res("layer3", w(256), w(512)),
            fc: nn::linear(p / "fc", w(512), classes, nn::LinearConfig { bias: false, ..Default::default() }),
        }
    }
}

impl ModuleT for Resnet9 {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let res = |l: &(ConvBn, ConvBn, ConvBn), x: &Tensor| {
            let h = l.0.forward_t(x, train);
            // No activation after the residual addition (spec §9.2).
            let r = l.2.forward_t(&l.1.forward_t(&h, train), train);
            h + r
        };
        let h = self.prep.forward_t(&self.stem.forward_t(x, train), train);
        let h = res(&self.layer1, &h);
        let h = self.layer2.forward_t(&h, train);
        let h = res(&self.layer3, &h);
        let (pooled, _) = h.adaptive_max_pool2d([1, 1]);
        pooled.flatten(1, -1).apply(&self.fc) / TEMPERATURE
    }
}

/// Builds `arch` under `p`.
pub fn build(arch: Arch, p: &nn::Path, channels: i64, classes: i64, width_divisor: i64) -> Box<dyn ModuleT + Send> {
    match arch {
        Arch::Resnet18 => Box::new(Resnet18::new(p, channels, classes, width_divisor)),
        Arch::Resnet9 => Box::new(Resnet9::new(p, channels, classes, width_divisor)),
    }
}

/// Loads torchvision ResNet-18 ImageNet weights (`resnet18.safetensors`) into a
/// [`Resnet18`] built at the root of `vs`: every tensor but the classifier, then every
/// BatchNorm γ set to 1 and β to 0 with running statistics kept (spec §9.1).
/// Returns the number of tensors copied.
pub fn load_resnet18_pretrained(vs: &mut nn::VarStore, file: &Path) -> Result<usize> {
    let tensors = read_tensors(file)?;
    let mut copied = 0;
    let mut vars = vs.variables();
    let mut names: Vec<String> = vars.keys().cloned().collect();
    names.sort();
    tch::no_grad(|| -> Result<()> {
        for name in names {
            if name.starts_with("fc.") || name.starts_with("stem.") {
                continue;
            }
            let var = vars.get_mut(&name).expect("name from the same map");
            let src = tensors
                .get(&name)
                .ok_or_else(|| Error::Config(format!("{}: no tensor `{name}` (torchvision resnet18 names expected)", file.display())))?;
            if src.size() != var.size() {
                return Err(Error::Config(format!(
                    "{}: tensor `{name}` has shape {:?}, expected {:?}",
                    file.display(),
                    src.size(),
                    var.size()
                )));
            }
            var.copy_(&src.to_kind(Kind::Float));
            copied += 1;
        }
        for (name, var) in vars.iter_mut() {
            let is_bn = name.contains("bn") || name.contains("downsample.1");
            if is_bn && name.ends_with(".weight") {
                let _ = var.fill_(1.0);
            } else if is_bn && name.ends_with(".bias") {
                let _ = var.fill_(0.0);
            }
        }
        Ok(())
    })?;
    Ok(copied)
}

/// Copies of a model's tensors under `prefix` (for a bundle snapshot; [`load_prefixed`] reads them back).
pub fn snapshot(vs: &nn::VarStore, prefix: &str) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (format!("{prefix}{name}"), t.detach().to_device(tch::Device::Cpu).copy()))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

/// The tensors of a safetensors file (pretrained weights), by name.
pub fn read_tensors(file: &Path) -> Result<HashMap<String, Tensor>> {
    let tensors = Tensor::read_safetensors(file).map_err(|e| Error::Config(format!("{}: cannot read safetensors: {e}", file.display())))?;
    Ok(tensors.into_iter().collect())
}

/// Copies `tensors[prefix + name]` into every variable of `vs` (bundle loading).
pub fn load_prefixed(vs: &mut nn::VarStore, tensors: &HashMap<String, Tensor>, prefix: &str) -> Result<()> {
    let mut vars = vs.variables();
    tch::no_grad(|| {
        for (name, var) in vars.iter_mut() {
            let key = format!("{prefix}{name}");
            let src = tensors.get(&key).ok_or_else(|| Error::Config(format!("model bundle has no tensor `{key}`")))?;
            if src.size() != var.size() {
                return Err(Error::Config(format!("bundle tensor `{key}` has shape {:?}, expected {:?}", src.size(), var.size())));
            }
            var.copy_(&src.to_device(var.device()));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resnet18_has_torchvision_names_and_shapes() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = Resnet18::new(&vs.root(), 3, 10, 1);
        let vars = vs.variables();
        assert_eq!(vars["conv1.weight"].size(), vec![64, 3, 7, 7]);
        assert_eq!(vars["layer2.0.downsample.0.weight"].size(), vec![128, 64, 1, 1]);
        assert!(vars.contains_key("layer4.1.bn2.running_var"));
        assert_eq!(vars["fc.weight"].size(), vec![10, 512]);
        assert!(!vars.contains_key("fc.bias"));
        // The 102 torchvision tensors (num_batches_tracked included) minus fc.bias.
        assert_eq!(vars.len(), 101);
        let out = net.forward_t(&Tensor::rand([2, 3, 32, 32], (Kind::Float, tch::Device::Cpu)), false);
        assert_eq!(out.size(), vec![2, 10]);
    }

    #[test]
    fn resnet9_shapes_for_one_and_five_channels() {
        for (c, div) in [(1, 4), (5, 1)] {
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = Resnet9::new(&vs.root(), c, 3, div);
            let out = net.forward_t(&Tensor::rand([2, c, 16, 16], (Kind::Float, tch::Device::Cpu)), true);
            assert_eq!(out.size(), vec![2, 3]);
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use tch::nn::OptimizerConfig;

    /// Manual check of CPU step time: `cargo test -p trainer step_time -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn step_time() {
        for (arch, div) in [(Arch::Resnet18, 4), (Arch::Resnet9, 4), (Arch::Resnet18, 1)] {
            let vs = nn::VarStore::new(tch::Device::Cpu);
            let net = build(arch, &vs.root(), 3, 10, div);
            let mut opt = nn::Sgd { momentum: 0.9, ..Default::default() }.build(&vs, 0.01).unwrap();
            let x = Tensor::rand([32, 3, 32, 32], (Kind::Float, tch::Device::Cpu));
            let y = Tensor::zeros([32], (Kind::Int64, tch::Device::Cpu));
            for i in 0..6 {
                let t = std::time::Instant::now();
                let loss = net.forward_t(&x, true).cross_entropy_for_logits(&y);
                opt.backward_step(&loss);
                eprintln!("{arch:?}/{div} step {i}: {:?}", t.elapsed());
            }
        }
    }
}
