//! ThinResNet34 + GhostVLAD (spec DEEPWISDOM.md §9.4) in tch, with every channel count
//! divided by a width divisor (1 = the spec's widths).
//!
//! Input `N × 1 × F × T` (frequency rows, time columns); output logits `N × C`. The time axis
//! may have any length; the frequency height left after the trunk sets the kernel height of
//! `x_fc` and of the cluster assignment (7 for the spec's 257 bins).
//!
//! Parameter names: `stem.conv`, `stem.bn`, `s2.0.{a,b,c}.{conv,bn}`, `s2.0.short.{conv,bn}`,
//! …, `s5.2.*`, `x_fc`, `assign`, `centres`, `fc6`, `head` — the names a
//! `thin_resnet34.safetensors` must use to be loaded (README).

use std::path::Path;

use tch::nn::{self, ModuleT};
use tch::{Kind, Tensor};

use super::resnet::read_tensors;
use crate::error::Result;

/// Running-statistics update rate of every BatchNorm (PyTorch convention): faster than the
/// default 0.1 because a network trained from scratch is validated after a few steps, when
/// slowly updated statistics still sit near their initial values (README: decisions).
pub const BN_MOMENTUM: f64 = 0.3;

/// Real and ghost clusters of GhostVLAD (spec §9.4: 8 + 2).
pub const CLUSTERS: i64 = 8;
pub const GHOSTS: i64 = 2;

/// Bottleneck filters `[f1, f2, f3]`, stride and identity blocks of stages 2–5 (spec §9.4).
const STAGES: [([i64; 3], i64, usize); 4] = [([48, 48, 96], 1, 1), ([96, 96, 128], 2, 2), ([128, 128, 256], 2, 2), ([256, 256, 512], 2, 2)];

/// Orthogonal rows over the flattened fan-in (tch's `Init::Orthogonal` returns the flat
/// matrix without restoring a conv kernel's shape, so the kernel is re-filled here).
fn orthogonal_(w: &mut Tensor) {
    let dims = w.size();
    let q = nn::init(nn::Init::Orthogonal { gain: 1.0 }, &[dims[0], dims[1..].iter().product()], w.device());
    tch::no_grad(|| w.copy_(&q.view(dims.as_slice())));
}

fn orthogonal_conv(p: nn::Path, i: i64, o: i64, k: [i64; 2], stride: i64, padding: [i64; 2], bias: bool) -> nn::Conv<[i64; 2]> {
    let config = nn::ConvConfigND::<[i64; 2]> { stride: [stride, stride], padding, bias, ..Default::default() };
    let mut conv = nn::conv(p, i, o, k, config);
    orthogonal_(&mut conv.ws);
    conv
}

#[derive(Debug)]
struct ConvBn {
    conv: nn::Conv<[i64; 2]>,
    bn: nn::BatchNorm,
}

impl ConvBn {
    fn new(p: nn::Path, i: i64, o: i64, k: i64, stride: i64) -> ConvBn {
        let conv = orthogonal_conv(&p / "conv", i, o, [k, k], stride, [k / 2, k / 2], false);
        ConvBn { conv, bn: nn::batch_norm2d(&p / "bn", o, nn::BatchNormConfig { momentum: BN_MOMENTUM, ..Default::default() }) }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        x.apply(&self.conv).apply_t(&self.bn, train)
    }
}

/// Bottleneck block: 1×1 (stride) → 3×3 → 1×1, with a 1×1 shortcut in conv-blocks.
#[derive(Debug)]
struct Bottleneck {
    a: ConvBn,
    b: ConvBn,
    c: ConvBn,
    short: Option<ConvBn>,
}

impl Bottleneck {
    fn new(p: nn::Path, i: i64, f: [i64; 3], stride: i64, conv_block: bool) -> Bottleneck {
        Bottleneck {
            a: ConvBn::new(&p / "a", i, f[0], 1, stride),
            b: ConvBn::new(&p / "b", f[0], f[1], 3, 1),
            c: ConvBn::new(&p / "c", f[1], f[2], 1, 1),
            short: conv_block.then(|| ConvBn::new(&p / "short", i, f[2], 1, stride)),
        }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = self.a.forward_t(x, train).relu();
        let y = self.b.forward_t(&y, train).relu();
        let y = self.c.forward_t(&y, train);
        let s = match &self.short {
            Some(s) => s.forward_t(x, train),
            None => x.shallow_clone(),
        };
        (y + s).relu()
    }
}

/// The whole network.
#[derive(Debug)]
pub struct ThinResnet34 {
    stem: ConvBn,
    blocks: Vec<Bottleneck>,
    x_fc: nn::Conv<[i64; 2]>,
    assign: nn::Conv<[i64; 2]>,
    centres: Tensor,
    fc6: nn::Linear,
    head: nn::Linear,
}

/// Channel count after dividing by the width divisor (at least 4).
fn narrow(c: i64, divisor: i64) -> i64 {
    (c / divisor.max(1)).max(4)
}

/// Frequency rows left after the stem pool, three stride-2 stages and the (3×1)/(2×1) pool.
pub fn pooled_height(height: i64) -> i64 {
    let mut h = height / 2;
    for _ in 0..3 {
        h = (h + 1) / 2;
    }
    ((h - 3) / 2 + 1).max(1)
}

impl ThinResnet34 {
    /// `height` frequency rows in, `classes` logits out.
    pub fn new(p: &nn::Path, height: i64, classes: i64, divisor: i64) -> ThinResnet34 {
        let w = |c: i64| narrow(c, divisor);
        let stem = ConvBn::new(p / "stem", 1, w(64), 7, 1);
        let mut blocks = Vec::new();
        let mut channels = w(64);
        for (s, (filters, stride, identities)) in STAGES.iter().enumerate() {
            let f = filters.map(w);
            let stage = p / format!("s{}", s + 2);
            blocks.push(Bottleneck::new(&stage / "0", channels, f, *stride, true));
            for k in 0..*identities {
                blocks.push(Bottleneck::new(&stage / (k + 1).to_string(), f[2], f, 1, false));
            }
            channels = f[2];
        }
        let kh = pooled_height(height);
        let bottleneck = w(512);
        let x_fc = orthogonal_conv(p / "x_fc", channels, bottleneck, [kh, 1], 1, [0, 0], true);
        let assign = orthogonal_conv(p / "assign", channels, CLUSTERS + GHOSTS, [kh, 1], 1, [0, 0], true);
        let centres = p.var("centres", &[CLUSTERS + GHOSTS, bottleneck], nn::Init::Orthogonal { gain: 1.0 });
        let fc6 = nn::linear(p / "fc6", CLUSTERS * bottleneck, w(512), Default::default());
        let head_config = nn::LinearConfig { ws_init: nn::Init::Orthogonal { gain: 1.0 }, bs_init: None, bias: false };
        let head = nn::linear(p / "head", w(512), classes, head_config);
        ThinResnet34 { stem, blocks, x_fc, assign, centres, fc6, head }
    }
}

impl ModuleT for ThinResnet34 {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = self.stem.forward_t(x, train).relu().max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
        for b in &self.blocks {
            y = b.forward_t(&y, train);
        }
        // Pool along frequency only: (3×1) window, (2×1) stride, valid (spec §9.4).
        let y = y.max_pool2d([3, 1], [2, 1], [0, 0], [1, 1], false);
        let feat = y.apply(&self.x_fc).relu().squeeze_dim(2); // N × D × T'
        let score = y.apply(&self.assign).squeeze_dim(2).softmax(1, Kind::Float); // N × K × T'
        // GhostVLAD: Σ_t a_k(t)·(f(t) − c_k) = (A·Fᵀ)_k − (Σ_t a_k(t))·c_k; ghosts dropped.
        let weighted = score.matmul(&feat.transpose(1, 2)); // N × K × D
        let mass = score.sum_dim_intlist([2i64].as_slice(), true, Kind::Float); // N × K × 1
        let vlad = weighted - mass * self.centres.unsqueeze(0);
        let vlad = vlad.narrow(1, 0, CLUSTERS);
        let norm = vlad.square().sum_dim_intlist([2i64].as_slice(), true, Kind::Float).sqrt().clamp_min(1e-12);
        let vlad = (vlad / norm).flatten(1, 2);
        vlad.apply(&self.fc6).relu().apply(&self.head)
    }
}

/// Loads the tensors of `file` (this module's names) whose name and shape match, except the
/// class head; returns how many were loaded. Used for `--weights DIR/thin_resnet34.safetensors`.
pub fn load_pretrained(vs: &mut nn::VarStore, file: &Path) -> Result<usize> {
    let tensors = read_tensors(file)?;
    let mut loaded = 0;
    let mut vars = vs.variables();
    tch::no_grad(|| {
        for (name, var) in vars.iter_mut() {
            if name.starts_with("head") {
                continue;
            }
            if let Some(src) = tensors.get(name).filter(|t| t.size() == var.size()) {
                var.copy_(&src.to_kind(var.kind()).to_device(var.device()));
                loaded += 1;
            }
        }
    });
    Ok(loaded)
}

/// Names of the variables frozen when pretrained weights are used (spec §4.3): the trunk up
/// to stage 4 with fewer than 37 classes, up to the last stage with more.
pub fn frozen(name: &str, classes: usize) -> bool {
    let trunk = ["stem.", "s2.", "s3.", "s4."];
    trunk.iter().any(|p| name.starts_with(p)) || (classes >= 37 && name.starts_with("s5."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_sizes_give_the_spec_shapes_and_any_length_is_accepted() {
        assert_eq!(pooled_height(257), 7, "spec §9.4: 7 × t/16 × 512 before x_fc");
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let net = ThinResnet34::new(&vs.root(), 257, 5, 1);
        let vars = vs.variables();
        assert_eq!(vars["stem.conv.weight"].size(), vec![64, 1, 7, 7]);
        assert_eq!(vars["s5.0.c.conv.weight"].size(), vec![512, 256, 1, 1]);
        assert_eq!(vars["x_fc.weight"].size(), vec![512, 512, 7, 1]);
        assert_eq!(vars["fc6.weight"].size(), vec![512, 4096]);
        assert_eq!(vars["head.weight"].size(), vec![5, 512]);
        // A narrow network on mel input, two lengths.
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let small = ThinResnet34::new(&vs.root(), 40, 3, 8);
        for t in [37, 64] {
            let y = tch::no_grad(|| small.forward_t(&Tensor::randn([2, 1, 40, t], (Kind::Float, tch::Device::Cpu)), false));
            assert_eq!(y.size(), vec![2, 3]);
            assert!(bool::try_from(y.isfinite().all()).unwrap());
        }
        drop(net);
    }

    #[test]
    fn freezing_rule_follows_the_class_count() {
        assert!(frozen("s4.2.c.bn.weight", 5) && !frozen("s5.0.a.conv.weight", 5));
        assert!(frozen("s5.0.a.conv.weight", 40) && !frozen("fc6.weight", 40));
    }
}
