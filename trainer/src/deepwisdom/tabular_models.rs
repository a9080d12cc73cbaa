//! The tabular model families beside boosting and the DNN (issue 16): a regularised
//! softmax/sigmoid linear model on standardised features, k-nearest neighbours, and
//! randomised trees (random forest, extra trees). All are seeded and deterministic; the heavy
//! loops run on every core through rayon with results gathered in a fixed order.

use rayon::prelude::*;
use scoring::rng::SplitMix64;
use scoring::scaler::Scaler;
use serde::{Deserialize, Serialize};

use super::gbdt::activate;

/// A member model of the tabular ensemble that is neither a GBDT nor a DNN.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum TabularModel {
    Linear(LinearModel),
    Knn(KnnModel),
    Forest(Forest),
}

impl TabularModel {
    /// Scores of `rows` raw feature rows (row-major).
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f32> {
        match self {
            TabularModel::Linear(m) => m.predict(x, rows),
            TabularModel::Knn(m) => m.predict(x, rows, None),
            TabularModel::Forest(m) => m.predict(x, rows),
        }
    }
}

// ---------------------------------------------------------------- linear model

/// Softmax (single-label) or per-class sigmoid (multi-label) regression on standardised
/// features; `weights[c * (dim + 1) + dim]` is class c's bias.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinearModel {
    pub scaler: Scaler,
    pub dim: usize,
    pub classes: usize,
    pub multilabel: bool,
    pub weights: Vec<f32>,
}

impl LinearModel {
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let xs = self.scaler.apply(&x[..rows * self.dim], self.dim);
        let w: Vec<f64> = self.weights.iter().map(|v| f64::from(*v)).collect();
        let mut out: Vec<f32> = xs
            .chunks(self.dim.max(1))
            .take(rows)
            .flat_map(|row| logits(&w, row, self.dim, self.classes).into_iter().map(|v| v as f32))
            .collect();
        out.resize(rows * self.classes, 0.0);
        activate(&mut out, self.classes, self.multilabel);
        out
    }
}

fn logits(w: &[f64], row: &[f32], dim: usize, k: usize) -> Vec<f64> {
    (0..k)
        .map(|c| {
            let wc = &w[c * (dim + 1)..(c + 1) * (dim + 1)];
            wc[dim] + row.iter().zip(wc).map(|(x, w)| f64::from(*x) * w).sum::<f64>()
        })
        .collect()
}

/// Mean log-loss + `l2`/2·‖W‖² (biases free) and its gradient, summed chunk by chunk.
fn loss_grad(w: &[f64], x: &[f32], y: &[f32], rows: usize, dim: usize, k: usize, multilabel: bool, l2: f64) -> (f64, Vec<f64>) {
    let row = |i: usize| &x[i * dim..(i + 1) * dim];
    let logits = |i: usize, z: &mut [f64]| {
        for (c, zc) in z.iter_mut().enumerate() {
            let wc = &w[c * (dim + 1)..(c + 1) * (dim + 1)];
            *zc = wc[dim] + row(i).iter().zip(wc).map(|(x, w)| f64::from(*x) * w).sum::<f64>();
        }
    };
    let targets = |i: usize, out: &mut [f64]| {
        out.iter_mut().zip(&y[i * k..(i + 1) * k]).for_each(|(o, v)| *o = f64::from(*v));
        if !multilabel {
            // A single-label row's weights sum to one (soft labels allowed).
            let total = out.iter().sum::<f64>().max(1e-12);
            out.iter_mut().for_each(|o| *o /= total);
        }
    };
    let spread = |i: usize, d: &[f64], g: &mut [f64]| {
        for c in 0..k {
            if d[c] == 0.0 {
                continue;
            }
            let gc = &mut g[c * (dim + 1)..(c + 1) * (dim + 1)];
            for (gj, xj) in gc.iter_mut().zip(row(i)) {
                *gj += d[c] * f64::from(*xj);
            }
            gc[dim] += d[c];
        }
    };
    let idx: Vec<usize> = (0..rows).collect();
    let (mut loss, mut g) = super::lbfgs::cross_entropy(&idx, w.len(), k, multilabel, logits, targets, spread);
    for c in 0..k {
        for j in 0..dim {
            let idx = c * (dim + 1) + j;
            loss += 0.5 * l2 * w[idx] * w[idx];
            g[idx] += l2 * w[idx];
        }
    }
    (loss, g)
}

/// Fits by L-BFGS (memory 10, Armijo backtracking) for at most `max_iter` iterations;
/// `l2` is per example (sklearn's C = 1 / (l2 · n)).
pub fn fit_linear(x: &[f32], y: &[f32], rows: usize, dim: usize, k: usize, multilabel: bool, l2: f64, max_iter: usize) -> LinearModel {
    fit_linear_path(x, y, rows, dim, k, multilabel, &[l2], max_iter).pop().expect("one strength")
}

/// One model per L2 strength of `grid` (strongest first is fastest): the scaler is fitted
/// once and each fit starts from the previous strength's weights (a regularisation path).
pub fn fit_linear_path(x: &[f32], y: &[f32], rows: usize, dim: usize, k: usize, multilabel: bool, grid: &[f64], max_iter: usize) -> Vec<LinearModel> {
    let scaler = Scaler::fit(x, rows, dim);
    let xs = scaler.apply(&x[..rows * dim], dim);
    let mut w = vec![0f64; k * (dim + 1)];
    let mut out = Vec::with_capacity(grid.len());
    for &l2 in grid {
        // Largest gradient entry under 1e-5 (sklearn's lbfgs stops at 1e-4 on the same
        // mean-loss objective).
        w = super::lbfgs::minimize_until(w, max_iter, |g| g.iter().all(|v| v.abs() < 1e-5), |w| {
            loss_grad(w, &xs, y, rows, dim, k, multilabel, l2)
        });
        out.push(LinearModel { scaler: scaler.clone(), dim, classes: k, multilabel, weights: w.iter().map(|v| *v as f32).collect() });
    }
    out
}

// ---------------------------------------------------------------- k-nearest neighbours

/// Distance-weighted k-NN on standardised features; keeps its (standardised) training rows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KnnModel {
    pub scaler: Scaler,
    pub dim: usize,
    pub classes: usize,
    pub k: usize,
    pub rows: usize,
    pub train: Vec<f32>,
    pub labels: Vec<f32>,
}

impl KnnModel {
    pub fn fit(x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize, k: usize) -> KnnModel {
        let scaler = Scaler::fit(x, rows, dim);
        let train = scaler.apply(&x[..rows * dim], dim);
        KnnModel { scaler, dim, classes, k, rows, train, labels: y[..rows * classes].to_vec() }
    }

    /// Scores of `rows` raw rows; with `self_rows`, query i is training row `self_rows[i]` and
    /// is left out of its own neighbours (leave-one-out predictions).
    pub fn predict(&self, x: &[f32], rows: usize, self_rows: Option<&[usize]>) -> Vec<f32> {
        let q = self.scaler.apply(&x[..rows * self.dim], self.dim);
        self.neighbour_scores(&q, rows, self_rows, &[self.k])
            .pop()
            .unwrap_or_default()
    }

    /// One score matrix per entry of `ks` (queries already standardised).
    pub fn neighbour_scores(&self, q: &[f32], rows: usize, self_rows: Option<&[usize]>, ks: &[usize]) -> Vec<Vec<f32>> {
        let (d, c) = (self.dim, self.classes);
        let kmax = ks.iter().copied().max().unwrap_or(1).min(self.rows.saturating_sub(1).max(1));
        let per_row: Vec<Vec<Vec<f32>>> = (0..rows)
            .into_par_iter()
            .with_min_len(16)
            .map(|i| -> Vec<Vec<f32>> {
                let qi = &q[i * d..(i + 1) * d];
                let skip = self_rows.map(|s| s[i]);
                let mut dist: Vec<(f32, u32)> = (0..self.rows)
                    .filter(|&j| Some(j) != skip)
                    .map(|j| {
                        let t = &self.train[j * d..(j + 1) * d];
                        (qi.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f32>(), j as u32)
                    })
                    .collect();
                let take = kmax.min(dist.len());
                if take == 0 {
                    return ks.iter().map(|_| vec![1.0 / c as f32; c]).collect();
                }
                let cmp = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                if take < dist.len() {
                    dist.select_nth_unstable_by(take - 1, cmp);
                    dist.truncate(take);
                }
                dist.sort_unstable_by(cmp);
                ks.iter()
                    .map(|&k| {
                        let mut s = vec![0f32; c];
                        let mut total = 0f32;
                        for &(dd, j) in dist.iter().take(k.max(1)) {
                            let w = 1.0 / (dd.sqrt() + 1e-3);
                            total += w;
                            let l = &self.labels[j as usize * c..(j as usize + 1) * c];
                            s.iter_mut().zip(l).for_each(|(a, b)| *a += w * b);
                        }
                        s.iter_mut().for_each(|v| *v /= total.max(1e-12));
                        s
                    })
                    .collect()
            })
            .collect();
        (0..ks.len()).map(|m| per_row.iter().flat_map(|r| r[m].iter().copied()).collect()).collect()
    }
}

// ---------------------------------------------------------------- randomised trees

/// Settings of a forest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestParams {
    pub trees: usize,
    /// Extra trees (random cut points) instead of the best cut of each candidate feature.
    pub extra: bool,
    /// Fraction of features tried per split (0 = √dim).
    pub max_features: f64,
    pub min_leaf: usize,
    /// Rows drawn (with replacement) per tree, at most.
    pub max_samples: usize,
    pub seed: u64,
}

/// One tree: internal nodes split on `feature <= threshold` (NaN goes left); for a leaf
/// (`feature < 0`) `left` indexes its class scores in `values`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ForestTree {
    pub feature: Vec<i32>,
    pub threshold: Vec<f32>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub values: Vec<f32>,
}

impl ForestTree {
    fn leaf_of(&self, row: &[f32]) -> usize {
        let mut node = 0usize;
        while self.feature[node] >= 0 {
            let v = row[self.feature[node] as usize];
            node = if v.is_nan() || v <= self.threshold[node] { self.left[node] } else { self.right[node] } as usize;
        }
        self.left[node] as usize
    }
}

/// A random forest or extra-trees ensemble: the mean of its trees' leaf class frequencies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Forest {
    pub dim: usize,
    pub classes: usize,
    pub trees: Vec<ForestTree>,
}

impl Forest {
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let (d, k) = (self.dim, self.classes);
        let n_trees = self.trees.len().max(1) as f32;
        let mut out = vec![0f32; rows * k];
        out.par_chunks_mut(k * 256).enumerate().for_each(|(b, block)| {
            for (r, o) in block.chunks_mut(k).enumerate() {
                let i = b * 256 + r;
                let row = &x[i * d..(i + 1) * d];
                for t in &self.trees {
                    let l = t.leaf_of(row);
                    o.iter_mut().zip(&t.values[l * k..(l + 1) * k]).for_each(|(a, v)| *a += v);
                }
                o.iter_mut().for_each(|v| *v /= n_trees);
            }
        });
        out
    }
}

/// Fits a forest on all `rows` and returns it with its out-of-bag scores (each row averaged
/// over the trees that did not draw it; rows every tree drew get the class prior).
pub fn fit_forest(x: &[f32], y: &[f32], rows: usize, dim: usize, k: usize, p: &ForestParams) -> (Forest, Vec<f32>) {
    let built: Vec<(ForestTree, Vec<u32>)> = (0..p.trees)
        .into_par_iter()
        .map(|t| {
            let mut rng = SplitMix64(p.seed ^ (t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let draws = rows.min(p.max_samples.max(1));
            let mut counts = vec![0u32; rows];
            let mut sample: Vec<u32> = (0..draws).map(|_| (rng.next() % rows as u64) as u32).collect();
            sample.iter().for_each(|&i| counts[i as usize] += 1);
            sample.sort_unstable();
            let tree = grow_tree(x, y, dim, k, &mut sample, p, &mut rng);
            let oob: Vec<u32> = (0..rows as u32).filter(|&i| counts[i as usize] == 0).collect();
            (tree, oob)
        })
        .collect();
    let mut prior = vec![0f32; k];
    y.chunks(k).take(rows).for_each(|r| prior.iter_mut().zip(r).for_each(|(a, b)| *a += b / rows.max(1) as f32));
    let mut oob = vec![0f32; rows * k];
    let mut seen = vec![0u32; rows];
    for (tree, rows_out) in &built {
        for &i in rows_out {
            let i = i as usize;
            let l = tree.leaf_of(&x[i * dim..(i + 1) * dim]);
            oob[i * k..(i + 1) * k].iter_mut().zip(&tree.values[l * k..(l + 1) * k]).for_each(|(a, v)| *a += v);
            seen[i] += 1;
        }
    }
    for i in 0..rows {
        let o = &mut oob[i * k..(i + 1) * k];
        if seen[i] == 0 {
            o.copy_from_slice(&prior);
        } else {
            o.iter_mut().for_each(|v| *v /= seen[i] as f32);
        }
    }
    (Forest { dim, classes: k, trees: built.into_iter().map(|(t, _)| t).collect() }, oob)
}

/// Σ_c S_c² / n: larger is purer (variance reduction; equals the Gini gain for one-hot rows).
fn purity(sums: &[f64], n: f64) -> f64 {
    if n <= 0.0 {
        0.0
    } else {
        sums.iter().map(|s| s * s).sum::<f64>() / n
    }
}

fn grow_tree(x: &[f32], y: &[f32], dim: usize, k: usize, sample: &mut [u32], p: &ForestParams, rng: &mut SplitMix64) -> ForestTree {
    let mut t = ForestTree { feature: vec![-1], threshold: vec![0.0], left: vec![0], right: vec![0], values: Vec::new() };
    let tries = if p.max_features <= 0.0 { (dim as f64).sqrt().ceil() as usize } else { (p.max_features * dim as f64).ceil() as usize }.clamp(1, dim.max(1));
    // (node, start, end) ranges of `sample` still to split.
    let mut stack = vec![(0usize, 0usize, sample.len())];
    let mut feats: Vec<usize> = (0..dim).collect();
    let mut vals: Vec<(f32, u32)> = Vec::new();
    while let Some((node, a, b)) = stack.pop() {
        let rows = &sample[a..b];
        let mut sums = vec![0f64; k];
        for &i in rows {
            sums.iter_mut().zip(&y[i as usize * k..(i as usize + 1) * k]).for_each(|(s, v)| *s += f64::from(*v));
        }
        let n = rows.len();
        let pure = sums.iter().all(|s| *s == 0.0 || (*s - n as f64).abs() < 1e-9);
        let mut best: Option<(f64, usize, f32)> = None;
        if n >= 2 * p.min_leaf.max(1) && !pure {
            let base = purity(&sums, n as f64);
            // Partial Fisher–Yates: the first `tries` entries are this node's features.
            for j in 0..tries {
                let r = j + (rng.next() % (dim - j) as u64) as usize;
                feats.swap(j, r);
            }
            for &f in &feats[..tries] {
                vals.clear();
                vals.extend(rows.iter().map(|&i| (x[i as usize * dim + f], i)));
                let (lo, hi) = vals.iter().filter(|v| !v.0.is_nan()).fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), v| (l.min(v.0), h.max(v.0)));
                if !(lo < hi) {
                    continue;
                }
                if p.extra {
                    let cut = lo + (hi - lo) * rng.unit() as f32;
                    let cut = if cut >= hi { lo } else { cut };
                    let mut left = vec![0f64; k];
                    let mut nl = 0usize;
                    for &(v, i) in vals.iter() {
                        if v.is_nan() || v <= cut {
                            nl += 1;
                            left.iter_mut().zip(&y[i as usize * k..(i as usize + 1) * k]).for_each(|(s, yv)| *s += f64::from(*yv));
                        }
                    }
                    if nl < p.min_leaf || n - nl < p.min_leaf {
                        continue;
                    }
                    let right: Vec<f64> = sums.iter().zip(&left).map(|(s, l)| s - l).collect();
                    let gain = purity(&left, nl as f64) + purity(&right, (n - nl) as f64) - base;
                    if best.map_or(true, |bst| gain > bst.0) {
                        best = Some((gain, f, cut));
                    }
                } else {
                    // NaN sorts first (goes left with the smallest values).
                    vals.sort_unstable_by(|a, b| match (a.0.is_nan(), b.0.is_nan()) {
                        (true, true) => a.1.cmp(&b.1),
                        (true, false) => std::cmp::Ordering::Less,
                        (false, true) => std::cmp::Ordering::Greater,
                        _ => a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)),
                    });
                    let mut left = vec![0f64; k];
                    for m in 0..n - 1 {
                        let i = vals[m].1 as usize;
                        left.iter_mut().zip(&y[i * k..(i + 1) * k]).for_each(|(s, yv)| *s += f64::from(*yv));
                        let nl = m + 1;
                        if nl < p.min_leaf || n - nl < p.min_leaf || vals[m].0.is_nan() || vals[m].0 == vals[m + 1].0 {
                            continue;
                        }
                        let right: Vec<f64> = sums.iter().zip(&left).map(|(s, l)| s - l).collect();
                        let gain = purity(&left, nl as f64) + purity(&right, (n - nl) as f64) - base;
                        if best.map_or(true, |bst| gain > bst.0) {
                            let cut = vals[m].0 + (vals[m + 1].0 - vals[m].0) / 2.0;
                            let cut = if cut >= vals[m + 1].0 { vals[m].0 } else { cut };
                            best = Some((gain, f, cut));
                        }
                    }
                }
            }
        }
        match best {
            Some((gain, f, cut)) if gain > 1e-12 => {
                let seg = &mut sample[a..b];
                let mut m = 0;
                for j in 0..seg.len() {
                    let v = x[seg[j] as usize * dim + f];
                    if v.is_nan() || v <= cut {
                        seg.swap(m, j);
                        m += 1;
                    }
                }
                let li = t.feature.len();
                for _ in 0..2 {
                    t.feature.push(-1);
                    t.threshold.push(0.0);
                    t.left.push(0);
                    t.right.push(0);
                }
                t.feature[node] = f as i32;
                t.threshold[node] = cut;
                t.left[node] = li as u32;
                t.right[node] = li as u32 + 1;
                stack.push((li + 1, a + m, b));
                stack.push((li, a, a + m));
            }
            _ => {
                t.left[node] = (t.values.len() / k.max(1)) as u32;
                let n = n.max(1) as f64;
                t.values.extend(sums.iter().map(|s| (s / n) as f32));
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three classes: two linear bands plus a noise feature.
    fn bands(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
        let mut rng = SplitMix64(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let (a, b) = (rng.unit() as f32 * 4.0 - 2.0, rng.unit() as f32);
            x.extend_from_slice(&[a, b * 10.0, rng.unit() as f32]);
            let c = if a < -0.5 { 0 } else if a < 0.7 { 1 } else { 2 };
            let mut row = [0.0; 3];
            row[c] = 1.0;
            y.extend_from_slice(&row);
        }
        (x, y)
    }

    fn accuracy(p: &[f32], y: &[f32], k: usize) -> f64 {
        let argmax = |r: &[f32]| r.iter().enumerate().fold(0, |b, (j, v)| if *v > r[b] { j } else { b });
        let rows = y.len() / k;
        (0..rows).filter(|&i| argmax(&p[i * k..(i + 1) * k]) == argmax(&y[i * k..(i + 1) * k])).count() as f64 / rows as f64
    }

    #[test]
    fn every_family_learns_bands_and_is_seeded() {
        let (x, y) = bands(600, 1);
        let (tx, ty) = bands(300, 2);
        let lin = fit_linear(&x, &y, 600, 3, 3, false, 1e-4, 300);
        assert!(accuracy(&lin.predict(&tx, 300), &ty, 3) > 0.9);
        let knn = KnnModel::fit(&x, &y, 600, 3, 3, 10);
        assert!(accuracy(&knn.predict(&tx, 300, None), &ty, 3) > 0.85);
        let loo = knn.predict(&x, 600, Some(&(0..600).collect::<Vec<_>>()));
        assert!(accuracy(&loo, &y, 3) > 0.85 && accuracy(&loo, &y, 3) < 1.0, "leave-one-out is not a lookup");
        for extra in [false, true] {
            let p = ForestParams { trees: 40, extra, max_features: 0.0, min_leaf: 1, max_samples: usize::MAX, seed: 3 };
            let (f, oob) = fit_forest(&x, &y, 600, 3, 3, &p);
            assert!(accuracy(&f.predict(&tx, 300), &ty, 3) > 0.9, "extra {extra}");
            assert!(accuracy(&oob, &y, 3) > 0.85);
            assert_eq!(fit_forest(&x, &y, 600, 3, 3, &p).0, f);
        }
        let json = serde_json::to_string(&TabularModel::Linear(lin.clone())).unwrap();
        let back: TabularModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back.predict(&tx, 300), lin.predict(&tx, 300));
    }

    #[test]
    fn linear_matches_a_closed_form_binary_case() {
        // Separable 1-D data with a strong L2 penalty: the optimum has a small positive slope
        // and probabilities ordered like x.
        let x: Vec<f32> = (0..40).map(|i| i as f32).collect();
        let y: Vec<f32> = (0..40).flat_map(|i| if i < 20 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
        let m = fit_linear(&x, &y, 40, 1, 2, false, 0.1, 200);
        let p = m.predict(&x, 40);
        assert!(p.chunks(2).zip(p.chunks(2).skip(1)).all(|(a, b)| b[1] >= a[1]));
        assert!(p[1] < 0.5 && p[79] > 0.5);
        // the gradient at the returned weights is (near) zero
        let xs = m.scaler.apply(&x, 1);
        let w: Vec<f64> = m.weights.iter().map(|v| f64::from(*v)).collect();
        let (_, g) = loss_grad(&w, &xs, &y, 40, 1, 2, false, 0.1);
        assert!(g.iter().all(|v| v.abs() < 1e-4), "{g:?}");
    }
}
