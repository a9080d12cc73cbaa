//! Outliers: examples far from all others in the feature space of [`crate::sketch`] (columns
//! standardised). Each example's score is its distance to its `K`-th nearest neighbour among a
//! seeded reference sample of at most `MAX_REFERENCES` examples (all of them in small sets), so
//! the cost is n × references, not n². An example is an outlier when its score lies more than
//! `robust_z` robust standard deviations (1.4826 × MAD) above the median score.

use crate::budget::Deadline;
use crate::near::column_moments;
use crate::sketch::mix;

/// Neighbours counted: the k-th distance ignores a pair or triple of near copies.
pub const K: usize = 5;
/// Reference examples compared with every example.
pub const MAX_REFERENCES: usize = 1000;
/// Fewer examples than this and no outlier is reported (the distances mean little).
pub const MIN_EXAMPLES: usize = 20;

/// One outlier: scan position, its k-NN distance and how many robust deviations above the median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outlier {
    pub position: usize,
    pub distance: f64,
    pub robust_z: f64,
}

/// Examples scored between two looks at the clock.
const SCORED_PER_LOOK: usize = 1024;

/// Outliers ranked by score, farthest first, and the median k-NN distance. Examples are scored
/// in scan order while `deadline` allows; `scored` says how many were (all, unless it stopped).
pub struct Found {
    pub outliers: Vec<Outlier>,
    pub median: Option<f64>,
    pub scored: usize,
}

/// Scores every example (see the module docs) and keeps the outliers.
pub fn find(features: &[f32], dim: usize, count: usize, robust_z: f64, deadline: &Deadline) -> Found {
    if count < MIN_EXAMPLES || dim == 0 {
        return Found { outliers: Vec::new(), median: None, scored: count };
    }
    let (mean, std) = column_moments(features, dim);
    let scale: Vec<f32> = std.iter().map(|&s| if s > 0.0 { (1.0 / s) as f32 } else { 0.0 }).collect();
    let z = |i: usize| -> Vec<f32> {
        features[i * dim..(i + 1) * dim]
            .iter()
            .enumerate()
            // a missing value sits at the column mean
            .map(|(c, &v)| if v.is_nan() { 0.0 } else { (v - mean[c] as f32) * scale[c] })
            .collect()
    };
    let mut refs: Vec<usize> = (0..count).collect();
    if count > MAX_REFERENCES {
        refs.sort_unstable_by_key(|&i| mix(i as u64 ^ 0x5eed));
        refs.truncate(MAX_REFERENCES);
    }
    let ref_z: Vec<f32> = refs.iter().flat_map(|&i| z(i)).collect();
    let k = K.min(refs.len() - 1);
    let mut scores = Vec::with_capacity(count);
    let mut nearest: Vec<f32> = Vec::with_capacity(refs.len());
    for i in 0..count {
        if i % SCORED_PER_LOOK == 0 && deadline.passed() {
            break;
        }
        let x = z(i);
        nearest.clear();
        for (r, rz) in refs.iter().zip(ref_z.chunks(dim)) {
            if *r != i {
                nearest.push(x.iter().zip(rz).map(|(a, b)| (a - b) * (a - b)).sum());
            }
        }
        let (_, kth, _) = nearest.select_nth_unstable_by(k - 1, f32::total_cmp);
        scores.push(f64::from(kth.sqrt()));
    }
    let scored = scores.len();
    if scored < MIN_EXAMPLES {
        return Found { outliers: Vec::new(), median: None, scored };
    }
    let median = median_of(&scores);
    let mad = median_of(&scores.iter().map(|s| (s - median).abs()).collect::<Vec<_>>()) * 1.4826;
    // identical examples everywhere (MAD 0): nothing stands out
    if mad <= 1e-12 {
        return Found { outliers: Vec::new(), median: Some(median), scored };
    }
    let mut out: Vec<Outlier> = scores
        .iter()
        .enumerate()
        .map(|(position, &distance)| Outlier { position, distance, robust_z: (distance - median) / mad })
        .filter(|o| o.robust_z >= robust_z)
        .collect();
    out.sort_by(|a, b| b.distance.total_cmp(&a.distance));
    Found { outliers: out, median: Some(median), scored }
}

fn median_of(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    if s.is_empty() { 0.0 } else { s[s.len() / 2] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_far_from_a_cloud_is_the_only_outlier() {
        let dim = 4;
        let mut f: Vec<f32> = (0..300 * dim as u64).map(|i| (mix(i) % 1000) as f32 / 1000.0).collect();
        f.extend([9.0, 9.0, -8.0, 9.0]);
        let found = find(&f, dim, 301, 6.0, &Deadline::none());
        assert_eq!(found.outliers.iter().map(|o| o.position).collect::<Vec<_>>(), vec![300]);
        assert!(found.outliers[0].distance > 5.0 * found.median.unwrap());
        assert_eq!(found.scored, 301);
        // a spent budget scores nothing and so reports nothing
        let none = find(&f, dim, 301, 6.0, &Deadline::new(Some(0.0)));
        assert_eq!((none.scored, none.outliers.len(), none.median), (0, 0, None));
    }
}
