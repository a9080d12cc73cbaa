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
//! Then exactly cleanlab 2.9.0's `find_label_issues` with its defaults
//! (`filter_by="prune_by_noise_rate"`): per-class thresholds t_j (mean probability of class j
//! over the examples labelled j), the confident joint C[i][j] (examples labelled i whose one
//! confident class, or whose argmax when several are confident, is j; diagonal at least 1),
//! calibrated to the label counts and rounded keeping row totals, at least one example kept per
//! class; for each i ≠ j the C[i][j] examples labelled i with the largest margin p_j − p_i are
//! flagged, unless the given class is (within 1e-6) the most probable one. Given the same
//! probabilities the flagged set is cleanlab's (`scripts/bench-audit.sh` checks it).

use crate::budget::Deadline;
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
/// confident learning. `Err` is the reason it cannot run (too few examples or classes, or the
/// `deadline` passed before the last fold was fitted: no suspect without every probability).
pub fn check(features: &[f32], dim: usize, given: &[u32], classes: usize, deadline: &Deadline) -> Result<LabelCheck, String> {
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
    let probabilities = cross_fit(&x, dim + 1, given, classes, deadline)
        .map_err(|done| format!("the time budget was spent after {done} of the {FOLDS} cross-fitting folds"))?;
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

/// Multinomial logistic regression by mini-batch Adam (seeded order), weights `classes × d`;
/// `None` when the deadline passed between two epochs.
fn fit(x: &[f32], d: usize, given: &[u32], rows: &[usize], classes: usize, seed: u64, deadline: &Deadline) -> Option<Vec<f32>> {
    let mut w = vec![0f32; classes * d];
    let (mut m, mut v) = (vec![0f32; w.len()], vec![0f32; w.len()]);
    let mut grad = vec![0f32; w.len()];
    let mut p = vec![0f32; classes];
    // about 2 million example visits, between 3 and 100 epochs
    let epochs = (2_000_000 / rows.len().max(1)).clamp(3, 100);
    let mut order = rows.to_vec();
    let mut step = 0i32;
    for e in 0..epochs {
        if deadline.passed() {
            return None;
        }
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
    Some(w)
}

/// Probabilities of each example from the model fitted on the other folds; `Err(folds done)`
/// when the deadline stopped it.
fn cross_fit(x: &[f32], d: usize, given: &[u32], classes: usize, deadline: &Deadline) -> Result<Vec<f32>, usize> {
    let fold = folds(given);
    let mut probs = vec![0f32; given.len() * classes];
    for f in 0..FOLDS {
        let train: Vec<usize> = (0..given.len()).filter(|&i| fold[i] != f).collect();
        let w = fit(x, d, given, &train, classes, f as u64, deadline).ok_or(f)?;
        for i in (0..given.len()).filter(|&i| fold[i] == f) {
            predict(&w, &x[i * d..(i + 1) * d], &mut probs[i * classes..(i + 1) * classes]);
        }
    }
    Ok(probs)
}

/// Confident learning, pruning by noise rate, step for step as cleanlab 2.9.0's
/// `find_label_issues` with its defaults (`filter_by="prune_by_noise_rate"`, `frac_noise=1`,
/// `min_examples_per_class=1`), in f64 on the f32 probabilities, so the same probabilities give
/// the same flagged set; ranked by self-confidence (lowest first).
pub fn confident_learning(probs: &[f32], given: &[u32], classes: usize) -> Vec<Suspect> {
    let n = given.len();
    let p = |i: usize, j: usize| f64::from(probs[i * classes + j]);
    let argmax = |i: usize| (0..classes).fold(0, |best, j| if p(i, j) > p(i, best) { j } else { best });
    let mut own: Vec<Vec<f64>> = vec![Vec::new(); classes];
    for (i, &g) in given.iter().enumerate() {
        own[g as usize].push(p(i, g as usize));
    }
    let count: Vec<usize> = own.iter().map(Vec::len).collect();
    // per-class thresholds: mean probability over the examples given the class; an absent
    // class gets 2 (no probability reaches it), and none is below 2e-6 (cleanlab's bounds)
    let threshold: Vec<f64> = own.iter().map(|v| if v.is_empty() { 2.0 } else { (pairwise_sum(v) / v.len() as f64).max(2e-6) }).collect();
    drop(own);
    // confident joint C[given][guess]: one confident class is the guess; several: the argmax
    let mut joint = vec![vec![0f64; classes]; classes];
    for (i, &g) in given.iter().enumerate() {
        let confident: Vec<usize> = (0..classes).filter(|&j| p(i, j) >= threshold[j] - 1e-6).collect();
        let guess = match confident.len() {
            0 => continue,
            1 => confident[0],
            _ => argmax(i),
        };
        joint[g as usize][guess] += 1.0;
    }
    for (j, row) in joint.iter_mut().enumerate() {
        row[j] = row[j].max(1.0);
    }
    // calibration: rows to the label counts, the whole to n, rounded keeping row totals
    for (i, row) in joint.iter_mut().enumerate() {
        let s = row.iter().sum::<f64>().max(1e-100);
        row.iter_mut().for_each(|c| *c = *c / s * count[i] as f64);
    }
    let total = pairwise_sum(&joint.concat()).max(1e-100);
    joint.iter_mut().flatten().for_each(|c| *c = *c / total * n as f64);
    joint.iter_mut().for_each(|row| round_keeping_total(row));
    // prune counts (transposed joint): keep at least one example per class on the diagonal,
    // taking the difference evenly from the column's other non-zero counts
    let mut prune: Vec<Vec<f64>> = (0..classes).map(|t| (0..classes).map(|g| joint[g][t]).collect()).collect();
    for col in 0..classes {
        let diagonal = prune[col][col];
        let diff = diagonal.max(1.0) - diagonal;
        let nonzero = (0..classes).filter(|&r| prune[r][col] != 0.0).count() as f64;
        let share = diff / (nonzero - 1.0).max(1.0);
        for (r, row) in prune.iter_mut().enumerate() {
            row[col] = if r == col { diagonal.max(1.0) } else { (row[col] - share).max(0.0) };
        }
    }
    prune.iter_mut().flatten().for_each(|c| *c = c.trunc());
    prune.iter_mut().for_each(|row| round_keeping_total(row));
    // for each given class k and other class j: the prune[j][k] members of k with the largest
    // margin p_j − p_k (a class of one example keeps it)
    let mut flagged = vec![false; n];
    for k in 0..classes {
        let members: Vec<usize> = (0..n).filter(|&x| given[x] as usize == k).collect();
        if members.len() <= 1 {
            continue;
        }
        for j in (0..classes).filter(|&j| j != k) {
            let take = prune[j][k].max(0.0) as usize;
            if take == 0 {
                continue;
            }
            let mut by_margin = members.clone();
            by_margin.sort_by(|&a, &b| (p(b, j) - p(b, k)).total_cmp(&(p(a, j) - p(a, k))));
            for &x in by_margin.iter().take(take) {
                flagged[x] = true;
            }
        }
    }
    // an example whose given class is (within 1e-6) the most probable one is never flagged
    let agrees = |i: usize| {
        let g = given[i] as usize;
        (0..classes).fold(0, |best, j| {
            let v = |c: usize| if c == g { p(i, c) + 1e-6 } else { p(i, c) };
            if v(j) > v(best) { j } else { best }
        }) == g
    };
    let mut out: Vec<Suspect> = (0..n)
        .filter(|&i| flagged[i] && !agrees(i))
        .map(|i| {
            let s = argmax(i);
            Suspect { item: i, given: given[i], suggested: s as u32, confidence: p(i, s), self_confidence: p(i, given[i] as usize) }
        })
        .collect();
    out.sort_by(|a, b| a.self_confidence.total_cmp(&b.self_confidence).then(a.item.cmp(&b.item)));
    out
}

/// numpy's sum of a contiguous f64 array (pairwise, eight accumulators per block of up to 128):
/// the same bits as cleanlab's means and totals, so no comparison tips the other way.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |s, &v| s + v);
    }
    if n <= 128 {
        let mut r = [0f64; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for block in a[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            res += v;
        }
        return res;
    }
    let half = n / 2 - (n / 2) % 8;
    pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
}

/// Rounds the row to whole counts with the same rounded total, as cleanlab's
/// `round_preserving_sum`: round half to even, then the entries furthest from their rounding
/// move by one until the totals agree.
fn round_keeping_total(row: &mut [f64]) {
    let target = pairwise_sum(row).round_ties_even();
    let mut ints: Vec<f64> = row.iter().map(|v| v.round_ties_even()).collect();
    loop {
        let have = ints.iter().sum::<f64>().round_ties_even();
        if (have - target).abs() <= 1e-6 {
            break;
        }
        let diff = (target - have).round_ties_even();
        let step = if diff < 0.0 { -1.0 } else { 1.0 };
        let changes = (diff.abs() as usize).min(row.len());
        // argsort of (float − int), ascending and stable; reversed when adding
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| (row[a] - ints[a]).total_cmp(&(row[b] - ints[b])));
        if step > 0.0 {
            order.reverse();
        }
        for &i in order.iter().take(changes) {
            ints[i] += step;
        }
    }
    row.copy_from_slice(&ints);
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
        let r = check(&features, dim, &given, classes, &Deadline::none()).unwrap();
        let spent = check(&features, dim, &given, classes, &Deadline::new(Some(0.0))).unwrap_err();
        assert!(spent.contains("after 0 of the 5"), "{spent}");
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
        // total 3: rounds to 2+0+0, the entry furthest above its rounding (0.4) gets the unit
        let mut row = [2.4, 0.3, 0.3];
        round_keeping_total(&mut row);
        assert_eq!(row, [3.0, 0.0, 0.0]);
        let mut row = [0.2, 1.6, 1.2];
        round_keeping_total(&mut row);
        assert_eq!(row, [0.0, 2.0, 1.0]);
        // 0.5 and 2.5 round to even (0 and 2): total 3 wanted, the first largest remainder gets it
        let mut row = [0.5, 2.5];
        round_keeping_total(&mut row);
        assert_eq!(row.iter().sum::<f64>(), 3.0);
        let mut row = [1.5, 1.5, 1.0];
        round_keeping_total(&mut row);
        assert_eq!(row.iter().sum::<f64>(), 4.0);
    }

    #[test]
    fn refuses_a_single_class_and_a_class_out_of_range() {
        assert!(check(&[0.0; 20], 1, &[0; 20], 2, &Deadline::none()).unwrap_err().contains("1 class"));
        let mut given = vec![0u32; 20];
        given[3] = 7;
        assert!(check(&[0.0; 20], 1, &given, 2, &Deadline::none()).unwrap_err().contains("class 7"));
    }
}
