//! Blending of scored members (spec §6.2 output rule, §7.2) and validation scoring.

use crate::scoring::{nauc, Matrix};

/// NAUC of `scores` (rows × classes, row-major) against 0/1 `labels`; 0 when no column has
/// both classes (tiny validation sets).
pub fn validation_nauc(labels: &[f32], scores: &[f32], classes: usize) -> f64 {
    let rows = labels.len() / classes.max(1);
    let to_matrix = |v: &[f32]| Matrix { rows, cols: classes, values: v.iter().map(|x| f64::from(*x)).collect() };
    nauc(&to_matrix(labels), &to_matrix(scores)).nauc
}

/// Weights of the §6.2 blend for members with validation AUCs `aucs` (any order): sort by AUC,
/// keep the largest top-k whose AUC standard deviation is below 0.01, then
/// w ∝ max(0.01, a + 15·(a − mean(top))). Members outside the top-k get weight 0.
pub fn blend_weights(aucs: &[f64]) -> Vec<f64> {
    let n = aucs.len();
    if n == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| aucs[b].partial_cmp(&aucs[a]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
    let std = |k: usize| {
        let top: Vec<f64> = order[..k].iter().map(|&i| aucs[i]).collect();
        let m = top.iter().sum::<f64>() / k as f64;
        (top.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / k as f64).sqrt()
    };
    let k = (1..=n).rev().find(|&k| std(k) < 0.01).unwrap_or(1);
    let top: Vec<usize> = order[..k].to_vec();
    let mean = top.iter().map(|&i| aucs[i]).sum::<f64>() / k as f64;
    let mut w = vec![0.0; n];
    for &i in &top {
        w[i] = (aucs[i] + 15.0 * (aucs[i] - mean)).max(0.01);
    }
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|x| *x /= total);
    w
}

/// Σ w_i · P_i / d_i, where `d_i` is the divisor stored with the member (its mean on the set
/// it was first blended on, §6.2: "each prediction matrix divided by its global mean").
pub fn blend(members: &[(f64, f64, &[f32])]) -> Vec<f32> {
    let len = members.first().map_or(0, |m| m.2.len());
    let mut out = vec![0f64; len];
    for (w, d, p) in members {
        if *w == 0.0 {
            continue;
        }
        let d = if d.abs() > 1e-12 { *d } else { 1.0 };
        for (o, v) in out.iter_mut().zip(p.iter()) {
            *o += w * f64::from(*v) / d;
        }
    }
    out.into_iter().map(|v| v as f32).collect()
}

/// Mean of all values (the §6.2 divisor).
pub fn global_mean(p: &[f32]) -> f64 {
    if p.is_empty() {
        return 1.0;
    }
    p.iter().map(|v| f64::from(*v)).sum::<f64>() / p.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_aucs_are_all_kept_and_the_best_weighs_most() {
        let w = blend_weights(&[0.90, 0.905, 0.80]);
        assert_eq!(w[2], 0.0, "0.80 is too far from the top two");
        assert!(w[1] > w[0] && w[0] > 0.0);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn blend_divides_by_the_member_mean() {
        let a = [0.2f32, 0.4];
        let b = [2.0f32, 4.0];
        let out = blend(&[(0.5, 0.3, &a), (0.5, 3.0, &b)]);
        assert!((out[0] - (0.5 * 0.2 / 0.3 + 0.5 * 2.0 / 3.0) as f32).abs() < 1e-6);
    }

    #[test]
    fn validation_nauc_of_perfect_scores_is_one() {
        let labels = [1.0, 0.0, 0.0, 1.0];
        assert!((validation_nauc(&labels, &labels, 2) - 1.0).abs() < 1e-9);
    }
}
