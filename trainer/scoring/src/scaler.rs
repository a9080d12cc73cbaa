//! The project's one per-feature standardisation, fitted on training rows and applied to any
//! rows (serialisable, so model bundles carry it). Used by the baselines and every DeepWisdom
//! model that reads plain feature vectors.

use serde::{Deserialize, Serialize};

/// Per-feature standardisation fitted on training rows (serialisable for bundles).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scaler {
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
}

impl Scaler {
    pub fn fit(x: &[f32], rows: usize, dim: usize) -> Scaler {
        let n = rows.max(1) as f64;
        let (mut m, mut sq) = (vec![0f64; dim], vec![0f64; dim]);
        for row in x.chunks(dim.max(1)).take(rows) {
            for (j, v) in row.iter().enumerate() {
                let v = if v.is_finite() { f64::from(*v) } else { 0.0 };
                m[j] += v;
                sq[j] += v * v;
            }
        }
        let mut scale = vec![1f32; dim];
        for j in 0..dim {
            m[j] /= n;
            let var = (sq[j] / n - m[j] * m[j]).max(0.0);
            // Constant columns are only centred.
            scale[j] = if var > 1e-12 { (1.0 / var.sqrt()) as f32 } else { 1.0 };
        }
        Scaler { mean: m.into_iter().map(|v| v as f32).collect(), scale }
    }

    /// Standardised copy; non-finite values become 0 (the mean).
    pub fn apply(&self, x: &[f32], dim: usize) -> Vec<f32> {
        let mut out = x.to_vec();
        for row in out.chunks_mut(dim.max(1)) {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if v.is_finite() { (*v - self.mean[j]) * self.scale[j] } else { 0.0 };
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_scales_and_maps_non_finite_values_to_the_mean() {
        let s = Scaler::fit(&[1.0, 5.0, 3.0, 5.0], 2, 2);
        assert_eq!(s.apply(&[1.0, 5.0, 3.0, 5.0], 2), vec![-1.0, 0.0, 1.0, 0.0]);
        assert_eq!(s.apply(&[f32::NAN, 7.0], 2), vec![0.0, 2.0]);
    }
}
