//! The tabular DNN of spec §9.6 on libtorch.
//!
//! fc(n) := dropout 0.2 → linear n (no bias) → BN → ReLU;
//! input d → BN → dropout 0.4 → s = fc(500) → fc(500) → dropout 0.4 → + s → fc(d) →
//! fc(500) → 3 × fc(500) → linear C (bias). Softmax for single-label, sigmoid (summed
//! sigmoid cross-entropy in training) for multi-label. L2 1e-3 (Keras) = weight decay 2e-3.

use scoring::rng::SplitMix64;
use scoring::scaler::Scaler;
use serde::{Deserialize, Serialize};
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use super::scores::probabilities;
use crate::error::Result;

const WIDTH: i64 = 500;

/// What a bundle stores about a DNN (weights live in the tensor file under `prefix`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnnSpec {
    pub dim: usize,
    pub classes: usize,
    pub multilabel: bool,
    pub scaler: Scaler,
    pub prefix: String,
}

#[derive(Debug)]
struct Fc {
    linear: nn::Linear,
    bn: nn::BatchNorm,
}

impl Fc {
    fn new(p: nn::Path, input: i64, output: i64) -> Fc {
        let linear = nn::linear(&p / "linear", input, output, nn::LinearConfig { bias: false, ..Default::default() });
        let bn = nn::batch_norm1d(&p / "bn", output, Default::default());
        Fc { linear, bn }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        x.dropout(0.2, train).apply(&self.linear).apply_t(&self.bn, train).relu()
    }
}

/// The network; build it under a fresh [`nn::Path`] and load weights by name.
#[derive(Debug)]
pub struct TabularDnn {
    input_bn: nn::BatchNorm,
    s: Fc,
    second: Fc,
    back: Fc,
    tail: Vec<Fc>,
    head: nn::Linear,
}

impl TabularDnn {
    pub fn new(p: &nn::Path, dim: usize, classes: usize) -> TabularDnn {
        let d = dim as i64;
        TabularDnn {
            input_bn: nn::batch_norm1d(p / "input_bn", d, Default::default()),
            s: Fc::new(p / "fc1", d, WIDTH),
            second: Fc::new(p / "fc2", WIDTH, WIDTH),
            back: Fc::new(p / "fc3", WIDTH, d),
            tail: (0..4).map(|i| Fc::new(p / format!("fc{}", 4 + i), if i == 0 { d } else { WIDTH }, WIDTH)).collect(),
            head: nn::linear(p / "head", WIDTH, classes as i64, Default::default()),
        }
    }
}

impl ModuleT for TabularDnn {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let x = x.apply_t(&self.input_bn, train).dropout(0.4, train);
        let s = self.s.forward(&x, train);
        let h = self.second.forward(&s, train).dropout(0.4, train) + &s;
        let mut h = self.back.forward(&h, train);
        for fc in &self.tail {
            h = fc.forward(&h, train);
        }
        h.apply(&self.head)
    }
}

/// A DNN being trained: 5 epochs per call (spec §6.2), batch 128, Adam 1e-3.
pub struct DnnTrainer {
    pub vs: nn::VarStore,
    pub net: TabularDnn,
    opt: nn::Optimizer,
    pub spec: DnnSpec,
    x: Tensor,
    y: Tensor,
    rng: SplitMix64,
    device: Device,
}

impl DnnTrainer {
    pub fn new(x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize, multilabel: bool, seed: u64, device: Device) -> Result<Self> {
        let scaler = Scaler::fit(x, rows, dim);
        let xs = scaler.apply(x, dim);
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let net = TabularDnn::new(&vs.root(), dim, classes);
        let opt = nn::Adam { wd: 2e-3, ..Default::default() }.build(&vs, 1e-3)?;
        let xt = Tensor::from_slice(&xs).view([rows as i64, dim as i64]).to_device(device);
        let yt = Tensor::from_slice(y).view([rows as i64, classes as i64]).to_device(device);
        let spec = DnnSpec { dim, classes, multilabel, scaler, prefix: String::new() };
        Ok(DnnTrainer { vs, net, opt, spec, x: xt, y: yt, rng: SplitMix64(seed ^ 0xD11), device })
    }

    pub fn epochs(&mut self, epochs: usize, cancel: &crate::learner::CancelToken) -> Result<()> {
        let n = self.x.size()[0] as usize;
        for _ in 0..epochs {
            let order = self.rng.permutation(n);
            for batch in order.chunks(128) {
                cancel.check()?;
                // BatchNorm needs two rows in training mode.
                if batch.len() < 2 {
                    continue;
                }
                let idx = Tensor::from_slice(&batch.iter().map(|&i| i as i64).collect::<Vec<_>>()).to_device(self.device);
                let (bx, by) = (self.x.index_select(0, &idx), self.y.index_select(0, &idx));
                let logits = self.net.forward_t(&bx, true);
                let loss = if self.spec.multilabel {
                    logits
                        .binary_cross_entropy_with_logits::<Tensor>(&by, None, None, tch::Reduction::None)
                        .sum_dim_intlist(1, false, Kind::Float)
                        .mean(Kind::Float)
                } else {
                    logits.cross_entropy_for_logits(&by.argmax(1, false))
                };
                self.opt.backward_step(&loss);
            }
        }
        Ok(())
    }

    pub fn predict(&self, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        predict(&self.net, &self.spec, x, rows, self.device)
    }
}

/// Probabilities for raw (unstandardised) rows, in batches of 1024 in eval mode.
pub fn predict(net: &TabularDnn, spec: &DnnSpec, x: &[f32], rows: usize, device: Device) -> Result<Vec<f32>> {
    let xs = spec.scaler.apply(x, spec.dim);
    let mut out = Vec::with_capacity(rows * spec.classes);
    for start in (0..rows).step_by(1024) {
        let end = (start + 1024).min(rows);
        let xt = Tensor::from_slice(&xs[start * spec.dim..end * spec.dim])
            .view([(end - start) as i64, spec.dim as i64])
            .to_device(device);
        let logits = tch::no_grad(|| net.forward_t(&xt, false));
        out.extend(probabilities(&logits, spec.multilabel)?);
    }
    Ok(out)
}
