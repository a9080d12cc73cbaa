//! The cheap first-prediction model: ridge regression of one-hot labels on the pooled
//! features of [`crate::data::FeatureExtractor`], solved in closed form with the penalty chosen
//! by exact leave-one-out error (no iterative training, so it is ready within a second on
//! datasets of the shared size). SCORING.md §3: the first minute weighs most in the ALC.

use scoring::scaler::Scaler;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::scores::probabilities;
use crate::error::Result;

/// Penalties tried (on standardised features, scaled by the number of rows).
const LAMBDAS: [f64; 8] = [1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1.0, 10.0];

/// `scores = standardise(x) · weight + bias`, one column per class.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RidgeModel {
    pub scaler: Scaler,
    pub dim: usize,
    pub classes: usize,
    /// `dim × classes`, row-major.
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub lambda: f64,
    /// Output activation: none (ridge scores), softmax or sigmoid (logistic models).
    #[serde(default)]
    pub activation: Activation,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    #[default]
    None,
    Softmax,
    Sigmoid,
}

impl RidgeModel {
    /// Fits on `rows × dim` features and `rows × classes` labels (CPU, f64).
    pub fn fit(x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize) -> Result<RidgeModel> {
        let scaler = Scaler::fit(x, rows, dim);
        let xs = scaler.apply(x, dim);
        let xt = Tensor::from_slice(&xs).view([rows as i64, dim as i64]).to_kind(Kind::Double);
        let yt = Tensor::from_slice(y).view([rows as i64, classes as i64]).to_kind(Kind::Double);
        let ymean = yt.mean_dim(0, true, Kind::Double);
        let yc = &yt - &ymean;
        // Thin SVD: X = U S Vᵀ; ridge fit = U diag(s²/(s²+λ)) Uᵀ y, hat diagonal from U.
        let (u, s, v) = xt.f_svd(true, true)?;
        let s2 = &s * &s;
        let uty = u.transpose(0, 1).matmul(&yc);
        let u2 = &u * &u;
        // The penalty is chosen by the NAUC of the leave-one-out predictions (the score the
        // run is judged on), with the squared error breaking ties.
        let y_host = Vec::<f32>::try_from(yt.to_kind(Kind::Float).contiguous().view(-1))?;
        let mut best = ((f64::NEG_INFINITY, f64::NEG_INFINITY), LAMBDAS[0]);
        for base in LAMBDAS {
            let lambda = base * rows as f64;
            let shrink = &s2 / (&s2 + lambda);
            let fitted = u.matmul(&(&uty * shrink.unsqueeze(1)));
            // Leave-one-out residual = residual / (1 − h_ii); +1/n for the fitted intercept.
            let h = u2.matmul(&shrink) + 1.0 / rows as f64;
            let denom: Tensor = (h.neg() + 1.0).clamp_min(1e-6).unsqueeze(1);
            let resid: Tensor = (&yc - &fitted) / denom;
            let loo = f64::try_from(resid.square().mean(Kind::Double))?;
            let loo_pred = (&yc - &resid).to_kind(Kind::Float).contiguous().view(-1);
            let auc = super::ensemble::validation_nauc(&y_host, &Vec::<f32>::try_from(loo_pred)?, classes);
            let key = (auc, -loo);
            if key > best.0 {
                best = (key, lambda);
            }
        }
        let lambda = best.1;
        let coef_scale = &s / (&s2 + lambda);
        let w = v.matmul(&(&uty * coef_scale.unsqueeze(1)));
        let weight = Vec::<f32>::try_from(w.to_kind(Kind::Float).contiguous().view(-1))?;
        let bias = Vec::<f32>::try_from(ymean.to_kind(Kind::Float).view(-1))?;
        Ok(RidgeModel { scaler, dim, classes, weight, bias, lambda, activation: Activation::None })
    }

    /// Logistic regression (softmax, or one sigmoid per class when `multilabel`) on the same
    /// standardised features: full-batch Adam from zero weights for `steps` steps with L2
    /// `weight_decay`, so the result is deterministic.
    pub fn fit_logistic(x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize, multilabel: bool, steps: usize) -> Result<RidgeModel> {
        let scaler = Scaler::fit(x, rows, dim);
        let xs = scaler.apply(x, dim);
        let xt = Tensor::from_slice(&xs).view([rows as i64, dim as i64]);
        let yt = Tensor::from_slice(y).view([rows as i64, classes as i64]);
        let w = Tensor::zeros([dim as i64, classes as i64], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let b = Tensor::zeros([classes as i64], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let (lr, beta1, beta2, eps, weight_decay) = (0.05f64, 0.9f64, 0.999f64, 1e-8, 1e-3);
        let mut state: Vec<(Tensor, Tensor)> = [&w, &b].iter().map(|p| (p.zeros_like(), p.zeros_like())).collect();
        for t in 1..=steps {
            let logits = xt.matmul(&w) + &b;
            let loss = if multilabel {
                logits.binary_cross_entropy_with_logits::<Tensor>(&yt, None, None, tch::Reduction::Mean)
            } else {
                logits.cross_entropy_for_logits(&yt.argmax(1, false))
            } + w.square().sum(Kind::Float) * (weight_decay / 2.0);
            let grads = Tensor::run_backward(&[loss], &[&w, &b], false, false);
            tch::no_grad(|| {
                for ((p, g), (m, v)) in [&w, &b].iter().zip(&grads).zip(state.iter_mut()) {
                    *m = &*m * beta1 + g * (1.0 - beta1);
                    *v = &*v * beta2 + g.square() * (1.0 - beta2);
                    let mhat = &*m / (1.0 - beta1.powi(t as i32));
                    let vhat = &*v / (1.0 - beta2.powi(t as i32));
                    let mut p = p.shallow_clone();
                    let _ = p.f_sub_(&(mhat / (vhat.sqrt() + eps) * lr));
                }
            });
        }
        let weight = Vec::<f32>::try_from(w.detach().contiguous().view(-1))?;
        let bias = Vec::<f32>::try_from(b.detach().contiguous().view(-1))?;
        let activation = if multilabel { Activation::Sigmoid } else { Activation::Softmax };
        Ok(RidgeModel { scaler, dim, classes, weight, bias, lambda: weight_decay, activation })
    }

    /// Scores for `rows × dim` features.
    pub fn predict(&self, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        let xs = self.scaler.apply(x, self.dim);
        let xt = Tensor::from_slice(&xs).view([rows as i64, self.dim as i64]);
        let w = Tensor::from_slice(&self.weight).view([self.dim as i64, self.classes as i64]);
        let b = Tensor::from_slice(&self.bias);
        let scores = xt.matmul(&w) + b;
        match self.activation {
            Activation::None => Ok(Vec::<f32>::try_from(scores.to_device(Device::Cpu).contiguous().view(-1))?),
            Activation::Softmax => probabilities(&scores, false),
            Activation::Sigmoid => probabilities(&scores, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_classes_get_higher_scores_on_their_own_column() {
        // class = sign of feature 0; feature 1 is noise.
        let rows = 40;
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..rows {
            let pos = i % 2 == 0;
            x.extend_from_slice(&[if pos { 1.0 + i as f32 * 0.01 } else { -1.0 }, (i * 7 % 5) as f32]);
            y.extend_from_slice(if pos { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        let m = RidgeModel::fit(&x, &y, rows, 2, 2).unwrap();
        let p = m.predict(&x, rows).unwrap();
        for i in 0..rows {
            assert_eq!(p[2 * i] > p[2 * i + 1], i % 2 == 0, "row {i}: {:?}", &p[2 * i..2 * i + 2]);
        }
        let lr = RidgeModel::fit_logistic(&x, &y, rows, 2, 2, false, 100).unwrap();
        let q = lr.predict(&x, rows).unwrap();
        for i in 0..rows {
            assert_eq!(q[2 * i] > 0.5, i % 2 == 0, "row {i}: {:?}", &q[2 * i..2 * i + 2]);
            assert!((q[2 * i] + q[2 * i + 1] - 1.0).abs() < 1e-5, "softmax rows sum to 1");
        }
        assert_eq!(lr, RidgeModel::fit_logistic(&x, &y, rows, 2, 2, false, 100).unwrap(), "deterministic");
    }
}
