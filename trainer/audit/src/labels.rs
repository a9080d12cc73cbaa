//! Suspect labels by confident learning (Northcutt, Jiang & Chuang, JAIR 2021) on out-of-sample
//! probabilities.
//!
//! The probabilities come from k-fold cross-fitting of a multinomial logistic regression (pure
//! Rust, no libtorch) on the per-domain features of [`crate::sketch`], standardised: a linear
//! model on cheap features is what can be fitted k times in seconds on a million examples, and
//! confident learning needs only probabilities that rank the classes of an example sensibly,
//! not a strong classifier (a weak one finds fewer flips, it does not invent them: an example is
//! suspected only when another class beats the per-class threshold).
//!
//! Then, as cleanlab's `find_label_issues(filter_by="prune_by_noise_rate")`: per-class
//! thresholds t_j (mean probability of class j over the examples labelled j), the confident
//! joint C[i][j] (examples labelled i whose most probable class above its threshold is j),
//! calibrated to the label counts; for each i ≠ j the C[i][j] examples labelled i with the
//! largest margin p_j − p_i are suspects, unless the model's best class is the given one.

use crate::near::column_moments;
use crate::sketch::mix;

/// Folds of the cross-fitting.
pub const FOLDS: usize = 5;
const BATCH: usize = 64;
const L2: f32 = 1e-3;
const LEARNING_RATE: f32 = 0.01;

/// One suspect label: train position (in the `given` order), classes and confidences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suspect {
    /// Index into the examples handed to [`check`].
    pub item: usize,
    pub given: u32,
    pub suggested: u32,
    /// Out-of-sample probability of the suggested class.
    pub confidence: f64,
    /// Out-of-sample probability of the given class (the ranking key, lowest first).
    pub self_confidence: f64,
}

/// Out-of-sample probabilities (`n × classes`, row-major) and the suspects, least likely first.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCheck {
    pub classes: usize,
    pub probabilities: Vec<f32>,
    pub suspects: Vec<Suspect>,
}

/// Cross-fits the model on `features` (`n × dim`) with one `given` class per example and runs
/// confident learning. `Err` is the reason it cannot run (too few examples or classes).
pub fn check(features: &[f32], dim: usize, given: &[u32], classes: usize) -> Result<LabelCheck, String> {
    let n = given.len();
    if let Some(&g) = given.iter().find(|&&g| g as usize >= classes) {
        return Err(format!("class {g} is beyond the {classes} classes"));
    }
    let present = {
        let mut seen = vec![false; classes];
        given.iter().for_each(|&g| seen[g as usize] = true);
        seen.iter().filter(|&&s| s).count()
    };
    if present < 2 {
        return Err(format!("{present} class(es) among the train labels; at least 2 are needed"));
    }
    if n < 2 * FOLDS {
        return Err(format!("{n} labelled train examples; at least {} are needed for {FOLDS}-fold cross-fitting", 2 * FOLDS));
    }
    let x = standardised(features, dim);
    let probabilities = cross_fit(&x, dim + 1, given, classes);
    let suspects = confident_learning(&probabilities, given, classes);
    Ok(LabelCheck { classes, probabilities, suspects })
}

/// Columns to zero mean and unit variance (constant columns to 0), plus a bias column of ones.
fn standardised(features: &[f32], dim: usize) -> Vec<f32> {
    let (mean, std) = column_moments(features, dim);
    let mut out = Vec::with_capacity(features.len() / dim.max(1) * (dim + 1));
    for row in features.chunks(dim.max(1)) {
        for (c, &v) in row.iter().enumerate() {
            out.push(if v.is_nan() || std[c] == 0.0 { 0.0 } else { ((f64::from(v) - mean[c]) / std[c]) as f32 });
        }
        out.push(1.0);
    }
    out
}

/// Stratified folds: within each class, a seeded order dealt round-robin.
fn folds(given: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..given.len()).collect();
    order.sort_by_key(|&i| (given[i], mix(i as u64 ^ 0xf01d)));
    let mut fold = vec![0; given.len()];
    let mut k = 0;
    for (r, &i) in order.iter().enumerate() {
        if r > 0 && given[order[r - 1]] != given[i] {
            k = 0;
        }
        fold[i] = k % FOLDS;
        k += 1;
    }
    fold
}

fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0f32;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    logits.iter_mut().for_each(|l| *l /= sum);
}

fn predict(w: &[f32], x: &[f32], out: &mut [f32]) {
    let d = x.len();
    for (k, o) in out.iter_mut().enumerate() {
        *o = w[k * d..(k + 1) * d].iter().zip(x).map(|(a, b)| a * b).sum();
    }
    softmax(out);
}

/// Multinomial logistic regression by mini-batch Adam (seeded order), weights `classes × d`.
fn fit(x: &[f32], d: usize, given: &[u32], rows: &[usize], classes: usize, seed: u64) -> Vec<f32> {
    let mut w = vec![0f32; classes * d];
    let (mut m, mut v) = (vec![0f32; w.len()], vec![0f32; w.len()]);
    let mut grad = vec![0f32; w.len()];
    let mut p = vec![0f32; classes];
    // about 2 million example visits, between 3 and 100 epochs
    let epochs = (2_000_000 / rows.len().max(1)).clamp(3, 100);
    let mut order = rows.to_vec();
    let mut step = 0i32;
    for e in 0..epochs {
        order.sort_by_key(|&i| mix(i as u64 ^ mix(seed + e as u64)));
        for batch in order.chunks(BATCH) {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for &i in batch {
                let xi = &x[i * d..(i + 1) * d];
                predict(&w, xi, &mut p);
                p[given[i] as usize] -= 1.0;
                for k in 0..classes {
                    let g = &mut grad[k * d..(k + 1) * d];
                    for (gj, xj) in g.iter_mut().zip(xi) {
                        *gj += p[k] * xj;
                    }
                }
            }
            step += 1;
            let (b1, b2) = (0.9f32, 0.999f32);
            let (c1, c2) = (1.0 - b1.powi(step), 1.0 - b2.powi(step));
            for j in 0..w.len() {
                let g = grad[j] / batch.len() as f32 + L2 * w[j];
                m[j] = b1 * m[j] + (1.0 - b1) * g;
                v[j] = b2 * v[j] + (1.0 - b2) * g * g;
                w[j] -= LEARNING_RATE * (m[j] / c1) / ((v[j] / c2).sqrt() + 1e-8);
            }
        }
    }
    w
}

/// Probabilities of each example from the model fitted on the other folds.
fn cross_fit(x: &[f32], d: usize, given: &[u32], classes: usize) -> Vec<f32> {
    let fold = folds(given);
    let mut probs = vec![0f32; given.len() * classes];
    for f in 0..FOLDS {
        let train: Vec<usize> = (0..given.len()).filter(|&i| fold[i] != f).collect();
        let w = fit(x, d, given, &train, classes, f as u64);
        for i in (0..given.len()).filter(|&i| fold[i] == f) {
            predict(&w, &x[i * d..(i + 1) * d], &mut probs[i * classes..(i + 1) * classes]);
        }
    }
    probs
}

/// Confident learning, pruning by noise rate (see the module comment); ranked by self-confidence.
pub fn confident_learning(probs: &[f32], given: &[u32], classes: usize) -> Vec<Suspect> {
    let n = given.len();
    let p = |i: usize, j: usize| probs[i * classes + j];
    let mut count = vec![0usize; classes];
    let mut threshold = vec![0f64; classes];
    for (i, &g) in given.iter().enumerate() {
        count[g as usize] += 1;
        threshold[g as usize] += f64::from(p(i, g as usize));
    }
    for j in 0..classes {
        threshold[j] /= count[j].max(1) as f64;
    }
    let argmax = |i: usize| (0..classes).max_by(|&a, &b| p(i, a).total_cmp(&p(i, b))).unwrap_or(0);
    // confident joint: rows given, columns the guessed class — the most probable class above its
    // threshold when several are, else the most probable class (as cleanlab guesses)
    let mut joint = vec![vec![0f64; classes]; classes];
    for (i, &g) in given.iter().enumerate() {
        let confident: Vec<usize> = (0..classes).filter(|&j| count[j] > 0 && f64::from(p(i, j)) >= threshold[j] - 1e-6).collect();
        let guess = match confident.len() {
            0 => continue,
            1 => argmax(i),
            _ => confident.iter().copied().max_by(|&a, &b| p(i, a).total_cmp(&p(i, b))).unwrap_or(0),
        };
        joint[g as usize][guess] += 1.0;
    }
    // calibration: each row sums to the count of its given label, rounded keeping that total
    for (i, row) in joint.iter_mut().enumerate() {
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|c| *c *= count[i] as f64 / s);
        }
        round_keeping_total(row);
    }
    let mut flagged = vec![false; n];
    for (i, row) in joint.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&x| given[x] as usize == i).collect();
        // keep at least one example of each class
        let budget = members.len().saturating_sub(1);
        let mut removed = 0;
        for j in (0..classes).filter(|&j| j != i) {
            let prune = (row[j] as usize).min(budget - removed.min(budget));
            if prune == 0 {
                continue;
            }
            let mut by_margin = members.clone();
            by_margin.sort_by(|&a, &b| (p(b, j) - p(b, i)).total_cmp(&(p(a, j) - p(a, i))));
            for &x in by_margin.iter().take(prune) {
                flagged[x] = true;
            }
            removed += prune;
        }
    }
    let mut out: Vec<Suspect> = (0..n)
        .filter(|&i| flagged[i] && argmax(i) != given[i] as usize)
        .map(|i| {
            let s = argmax(i);
            Suspect { item: i, given: given[i], suggested: s as u32, confidence: f64::from(p(i, s)), self_confidence: f64::from(p(i, given[i] as usize)) }
        })
        .collect();
    out.sort_by(|a, b| a.self_confidence.total_cmp(&b.self_confidence).then(a.item.cmp(&b.item)));
    out
}

/// Rounds the row to whole counts with the same (rounded) total: floors, then the largest
/// remainders get the missing units.
fn round_keeping_total(row: &mut [f64]) {
    let total = row.iter().sum::<f64>().round() as i64;
    let floors: Vec<f64> = row.iter().map(|v| v.floor()).collect();
    let mut missing = total - floors.iter().sum::<f64>() as i64;
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|&a, &b| (row[b] - floors[b]).total_cmp(&(row[a] - floors[a])));
    row.copy_from_slice(&floors);
    for &k in &order {
        if missing <= 0 {
            break;
        }
        row[k] += 1.0;
        missing -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipped_labels_of_separable_blobs_are_the_suspects() {
        let (n, dim, classes) = (600, 3, 3);
        let mut features = Vec::new();
        let mut given = Vec::new();
        for i in 0..n {
            let c = (i % classes) as u32;
            for k in 0..dim {
                let centre = if k == c as usize { 3.0 } else { 0.0 };
                features.push(centre + ((mix((i * dim + k) as u64) % 1000) as f32 / 1000.0 - 0.5));
            }
            given.push(c);
        }
        let flipped: Vec<usize> = (0..n).filter(|i| i % 40 == 7).collect();
        for &i in &flipped {
            given[i] = (given[i] + 1) % classes as u32;
        }
        let r = check(&features, dim, &given, classes).unwrap();
        let mut found: Vec<usize> = r.suspects.iter().map(|s| s.item).collect();
        found.sort_unstable();
        assert_eq!(found, flipped);
        for s in &r.suspects {
            assert_eq!(s.suggested, (s.given + classes as u32 - 1) % classes as u32);
            assert!(s.confidence > 0.5 && s.self_confidence < 0.5);
        }
    }

    #[test]
    fn rounding_keeps_the_row_total() {
        // total 3: floors 2+0+0, the largest remainder (0.4) gets the missing unit
        let mut row = [2.4, 0.3, 0.3];
        round_keeping_total(&mut row);
        assert_eq!(row, [3.0, 0.0, 0.0]);
        let mut row = [0.2, 1.6, 1.2];
        round_keeping_total(&mut row);
        assert_eq!(row, [0.0, 2.0, 1.0]);
        let mut row = [1.5, 1.5, 1.0];
        round_keeping_total(&mut row);
        assert_eq!(row.iter().sum::<f64>(), 4.0);
    }

    #[test]
    fn refuses_a_single_class_and_a_class_out_of_range() {
        assert!(check(&[0.0; 20], 1, &[0; 20], 2).unwrap_err().contains("1 class"));
        let mut given = vec![0u32; 20];
        given[3] = 7;
        assert!(check(&[0.0; 20], 1, &given, 2).unwrap_err().contains("class 7"));
    }
}
