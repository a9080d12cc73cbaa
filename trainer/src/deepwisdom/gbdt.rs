//! A small histogram gradient-boosting learner standing in for LightGBM (spec §6.1–6.2).
//!
//! Leaf-wise growth (best gain first) up to `num_leaves`, quantile bins per feature, L1/L2
//! regularised leaf values, `min_child_samples`, `min_child_weight`, `min_split_gain`,
//! per-tree feature fraction and row bagging — the LightGBM parameters the spec lists.
//! Single-label data use a softmax over the classes (one tree per class per round);
//! multi-label data use one sigmoid per class (§6.1: one binary model per class).
//! Split search runs over features in parallel (rayon) with a fixed reduction order, and the
//! sampling is seeded, so the same seed gives the same model on any number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::SplitMix64;

/// Booster parameters (names as in LightGBM).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GbdtParams {
    pub num_leaves: usize,
    /// −1 = unlimited.
    pub max_depth: i32,
    pub min_child_samples: usize,
    pub min_child_weight: f64,
    pub min_split_gain: f64,
    pub lambda_l1: f64,
    pub lambda_l2: f64,
    pub learning_rate: f64,
    pub feature_fraction: f64,
    pub bagging_fraction: f64,
    pub max_bin: usize,
    pub seed: u64,
}

impl GbdtParams {
    /// Phase A parameters (spec §6.1).
    pub fn phase_a(seed: u64) -> Self {
        GbdtParams {
            num_leaves: 31,
            max_depth: -1,
            min_child_samples: 20,
            min_child_weight: 0.001,
            min_split_gain: 0.02,
            lambda_l1: 0.1,
            lambda_l2: 0.1,
            learning_rate: 0.1,
            feature_fraction: 0.8,
            bagging_fraction: 1.0,
            max_bin: 110,
            seed,
        }
    }

    /// Phase B LightGBM run parameters (spec §6.2: lr 0.08, max_bin 200, bagging 0.9).
    pub fn phase_b(seed: u64) -> Self {
        GbdtParams { learning_rate: 0.08, max_bin: 200, bagging_fraction: 0.9, ..Self::phase_a(seed) }
    }
}

/// One tree: internal nodes split on `feature <= threshold` (left) — NaN goes left.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tree {
    /// Per node: feature index, or −1 for a leaf.
    pub feature: Vec<i32>,
    pub threshold: Vec<f32>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub value: Vec<f32>,
}

impl Tree {
    fn leaf(value: f32) -> Tree {
        Tree { feature: vec![-1], threshold: vec![0.0], left: vec![0], right: vec![0], value: vec![value] }
    }

    pub fn predict(&self, row: &[f32]) -> f32 {
        let mut node = 0usize;
        while self.feature[node] >= 0 {
            let x = row[self.feature[node] as usize];
            node = if x.is_nan() || x <= self.threshold[node] { self.left[node] } else { self.right[node] } as usize;
        }
        self.value[node]
    }
}

/// A trained booster: `trees[round * classes + class]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gbdt {
    pub classes: usize,
    pub multilabel: bool,
    pub trees: Vec<Tree>,
    pub dim: usize,
}

impl Gbdt {
    pub fn rounds(&self) -> usize {
        self.trees.len() / self.classes.max(1)
    }

    /// Raw scores (one row per example) using the first `rounds` rounds.
    pub fn raw_scores(&self, x: &[f32], rows: usize, rounds: usize) -> Vec<f32> {
        let k = self.classes;
        let mut out = vec![0f32; rows * k];
        let rounds = rounds.min(self.rounds());
        for i in 0..rows {
            let row = &x[i * self.dim..(i + 1) * self.dim];
            for r in 0..rounds {
                for c in 0..k {
                    out[i * k + c] += self.trees[r * k + c].predict(row);
                }
            }
        }
        out
    }

    /// Probabilities: softmax (single-label) or sigmoid (multi-label).
    pub fn predict(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut s = self.raw_scores(x, rows, usize::MAX);
        activate(&mut s, self.classes, self.multilabel);
        s
    }
}

/// In-place softmax per row, or sigmoid per value.
pub fn activate(scores: &mut [f32], classes: usize, multilabel: bool) {
    if multilabel {
        scores.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
        return;
    }
    for row in scores.chunks_mut(classes.max(1)) {
        let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        row.iter_mut().for_each(|v| {
            *v = (*v - m).exp();
            sum += *v;
        });
        row.iter_mut().for_each(|v| *v /= sum);
    }
}

/// Quantile bin edges of every feature, and the binned matrix (column-major, u8).
struct Binned {
    /// `edges[f][b]` = upper bound of bin `b` (the last bin is open).
    edges: Vec<Vec<f32>>,
    bins: Vec<Vec<u8>>,
}

fn bin_features(x: &[f32], rows: usize, dim: usize, max_bin: usize) -> Binned {
    let max_bin = max_bin.clamp(2, 255);
    let mut edges = Vec::with_capacity(dim);
    let mut bins = Vec::with_capacity(dim);
    for f in 0..dim {
        let mut col: Vec<f32> = (0..rows).map(|i| x[i * dim + f]).filter(|v| !v.is_nan()).collect();
        col.sort_by(|a, b| a.partial_cmp(b).expect("NaN filtered above"));
        col.dedup();
        let e: Vec<f32> = if col.len() <= max_bin {
            // Midpoints between distinct values: exact splits for low-cardinality columns.
            col.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect()
        } else {
            let mut e: Vec<f32> = (1..max_bin).map(|b| col[b * col.len() / max_bin]).collect();
            e.dedup();
            e
        };
        let column: Vec<u8> = (0..rows)
            .map(|i| {
                let v = x[i * dim + f];
                if v.is_nan() {
                    0
                } else {
                    e.partition_point(|edge| *edge < v) as u8
                }
            })
            .collect();
        edges.push(e);
        bins.push(column);
    }
    Binned { edges, bins }
}

fn threshold_l1(g: f64, l1: f64) -> f64 {
    if g > l1 {
        g - l1
    } else if g < -l1 {
        g + l1
    } else {
        0.0
    }
}

fn leaf_gain(g: f64, h: f64, p: &GbdtParams) -> f64 {
    let t = threshold_l1(g, p.lambda_l1);
    t * t / (h + p.lambda_l2)
}

fn leaf_output(g: f64, h: f64, p: &GbdtParams) -> f64 {
    -threshold_l1(g, p.lambda_l1) / (h + p.lambda_l2)
}

struct Candidate {
    gain: f64,
    feature: usize,
    bin: usize,
}

struct Open {
    node: usize,
    rows: Vec<u32>,
    depth: i32,
    g: f64,
    h: f64,
    best: Option<Candidate>,
}

/// Incremental trainer: keeps the binned data and the running scores so rounds can be added.
pub struct GbdtTrainer {
    params: GbdtParams,
    binned: Binned,
    rows: usize,
    labels: Vec<f32>,
    scores: Vec<f32>,
    rng: SplitMix64,
    pub model: Gbdt,
}

impl GbdtTrainer {
    /// `x` is `rows × dim` row-major, `y` is `rows × classes` (0/1 scores).
    pub fn new(params: GbdtParams, x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize, multilabel: bool) -> Self {
        let binned = bin_features(x, rows, dim, params.max_bin);
        let rng = SplitMix64(params.seed);
        GbdtTrainer {
            binned,
            rows,
            labels: y.to_vec(),
            scores: vec![0.0; rows * classes],
            rng,
            model: Gbdt { classes, multilabel, trees: Vec::new(), dim },
            params,
        }
    }

    /// Adds `rounds` boosting rounds.
    pub fn boost(&mut self, rounds: usize) {
        let k = self.model.classes;
        let n = self.rows;
        for _ in 0..rounds {
            let mut probs = self.scores.clone();
            activate(&mut probs, k, self.model.multilabel);
            let bag: Vec<u32> = if self.params.bagging_fraction < 1.0 {
                (0..n as u32).filter(|_| self.rng.unit() < self.params.bagging_fraction).collect()
            } else {
                (0..n as u32).collect()
            };
            for c in 0..k {
                let mut grad = vec![0f64; n];
                let mut hess = vec![0f64; n];
                for i in 0..n {
                    let p = f64::from(probs[i * k + c]);
                    grad[i] = p - f64::from(self.labels[i * k + c]);
                    // Softmax Hessian scaled by K/(K−1) as LightGBM does; floor keeps leaves finite.
                    let factor = if self.model.multilabel || k < 2 { 1.0 } else { k as f64 / (k as f64 - 1.0) };
                    hess[i] = (factor * p * (1.0 - p)).max(1e-6);
                }
                let tree = self.grow(&grad, &hess, &bag);
                for i in 0..n {
                    let row = i;
                    // Scores are updated from the binned data through the tree's thresholds.
                    let v = self.tree_value_binned(&tree, row);
                    self.scores[i * k + c] += v;
                }
                self.model.trees.push(tree);
            }
        }
    }

    fn tree_value_binned(&self, tree: &Tree, row: usize) -> f32 {
        let mut node = 0usize;
        while tree.feature[node] >= 0 {
            let f = tree.feature[node] as usize;
            let bin = self.binned.bins[f][row] as usize;
            let edges = &self.binned.edges[f];
            // bin b holds values ≤ edges[b]; the split threshold is an edge value.
            let upper = if bin < edges.len() { edges[bin] } else { f32::INFINITY };
            node = if upper <= tree.threshold[node] { tree.left[node] } else { tree.right[node] } as usize;
        }
        tree.value[node]
    }

    fn best_split(&self, rows: &[u32], grad: &[f64], hess: &[f64], features: &[usize], g: f64, h: f64) -> Option<Candidate> {
        let p = &self.params;
        if rows.len() < 2 * p.min_child_samples.max(1) {
            return None;
        }
        let parent = leaf_gain(g, h, p);
        // Features are scanned in parallel; the fold below keeps the first best in feature
        // order, so the tree is the same on any number of threads.
        let per_feature: Vec<Option<Candidate>> = features
            .par_iter()
            .with_min_len(4)
            .map(|&f| self.best_split_of(f, rows, grad, hess, g, h, parent))
            .collect();
        per_feature.into_iter().flatten().fold(None, |best: Option<Candidate>, c| match best {
            Some(b) if b.gain >= c.gain => Some(b),
            _ => Some(c),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn best_split_of(&self, f: usize, rows: &[u32], grad: &[f64], hess: &[f64], g: f64, h: f64, parent: f64) -> Option<Candidate> {
        let p = &self.params;
        let nb = self.binned.edges[f].len() + 1;
        if nb < 2 {
            return None;
        }
        let mut hg = vec![0f64; nb];
        let mut hh = vec![0f64; nb];
        let mut hc = vec![0usize; nb];
        let col = &self.binned.bins[f];
        for &r in rows {
            let b = col[r as usize] as usize;
            hg[b] += grad[r as usize];
            hh[b] += hess[r as usize];
            hc[b] += 1;
        }
        let mut best: Option<Candidate> = None;
        let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0usize);
        for b in 0..nb - 1 {
            gl += hg[b];
            hl += hh[b];
            cl += hc[b];
            let cr = rows.len() - cl;
            if cl < p.min_child_samples || cr < p.min_child_samples {
                continue;
            }
            let (gr, hr) = (g - gl, h - hl);
            if hl < p.min_child_weight || hr < p.min_child_weight {
                continue;
            }
            let gain = leaf_gain(gl, hl, p) + leaf_gain(gr, hr, p) - parent;
            if gain > p.min_split_gain && best.as_ref().map_or(true, |c| gain > c.gain) {
                best = Some(Candidate { gain, feature: f, bin: b });
            }
        }
        best
    }

    fn grow(&mut self, grad: &[f64], hess: &[f64], bag: &[u32]) -> Tree {
        let p = self.params.clone();
        let dim = self.model.dim;
        let mut features: Vec<usize> = (0..dim).filter(|_| self.rng.unit() < p.feature_fraction).collect();
        if features.is_empty() && dim > 0 {
            features.push((self.rng.next() % dim as u64) as usize);
        }
        let g: f64 = bag.iter().map(|&r| grad[r as usize]).sum();
        let h: f64 = bag.iter().map(|&r| hess[r as usize]).sum();
        let lr = p.learning_rate;
        let mut tree = Tree::leaf((leaf_output(g, h, &p) * lr) as f32);
        let best = self.best_split(bag, grad, hess, &features, g, h);
        let mut open = vec![Open { node: 0, rows: bag.to_vec(), depth: 0, g, h, best }];
        let mut leaves = 1usize;
        while leaves < p.num_leaves {
            // Leaf-wise: split the open leaf with the largest gain.
            let Some(pick) = open
                .iter()
                .enumerate()
                .filter(|(_, o)| o.best.is_some())
                .max_by(|a, b| {
                    let (ga, gb) = (a.1.best.as_ref().map_or(0.0, |c| c.gain), b.1.best.as_ref().map_or(0.0, |c| c.gain));
                    ga.partial_cmp(&gb).unwrap_or(std::cmp::Ordering::Equal).then(b.0.cmp(&a.0))
                })
                .map(|(i, _)| i)
            else {
                break;
            };
            let leaf = open.swap_remove(pick);
            let cand = leaf.best.expect("filtered on is_some");
            let col = &self.binned.bins[cand.feature];
            let (left_rows, right_rows): (Vec<u32>, Vec<u32>) =
                leaf.rows.iter().partition(|&&r| (col[r as usize] as usize) <= cand.bin);
            let sum = |rows: &[u32], v: &[f64]| rows.iter().map(|&r| v[r as usize]).sum::<f64>();
            let (gl, hl) = (sum(&left_rows, grad), sum(&left_rows, hess));
            let (gr, hr) = (leaf.g - gl, leaf.h - hl);
            let li = tree.feature.len();
            for (gg, hh) in [(gl, hl), (gr, hr)] {
                tree.feature.push(-1);
                tree.threshold.push(0.0);
                tree.left.push(0);
                tree.right.push(0);
                tree.value.push((leaf_output(gg, hh, &p) * lr) as f32);
            }
            tree.feature[leaf.node] = cand.feature as i32;
            tree.threshold[leaf.node] = self.binned.edges[cand.feature][cand.bin];
            tree.left[leaf.node] = li as u32;
            tree.right[leaf.node] = li as u32 + 1;
            leaves += 1;
            let depth = leaf.depth + 1;
            let can_split = p.max_depth < 0 || depth < p.max_depth;
            for (node, rows, gg, hh) in [(li, left_rows, gl, hl), (li + 1, right_rows, gr, hr)] {
                let best = if can_split { self.best_split(&rows, grad, hess, &features, gg, hh) } else { None };
                open.push(Open { node, rows, depth, g: gg, h: hh, best });
            }
        }
        tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes separated by x0² + x1² < 1 (not linear).
    fn circle(n: usize) -> (Vec<f32>, Vec<f32>) {
        let mut rng = SplitMix64(3);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let (a, b) = (rng.unit() as f32 * 4.0 - 2.0, rng.unit() as f32 * 4.0 - 2.0);
            x.extend_from_slice(&[a, b, rng.unit() as f32]);
            let inside = a * a + b * b < 1.5;
            y.extend_from_slice(if inside { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        (x, y)
    }

    #[test]
    fn learns_a_non_linear_boundary_and_is_seeded() {
        let (x, y) = circle(600);
        let mut t = GbdtTrainer::new(GbdtParams::phase_a(1), &x, &y, 600, 3, 2, false);
        t.boost(30);
        let p = t.model.predict(&x, 600);
        let correct = (0..600).filter(|&i| (p[2 * i] > 0.5) == (y[2 * i] == 1.0)).count();
        assert!(correct > 540, "train accuracy {correct}/600");
        let mut t2 = GbdtTrainer::new(GbdtParams::phase_a(1), &x, &y, 600, 3, 2, false);
        t2.boost(30);
        assert_eq!(t.model, t2.model);
        // Predicting from raw values agrees with the binned training scores.
        let raw = t.model.raw_scores(&x, 600, usize::MAX);
        for (a, b) in raw.iter().zip(&t.scores) {
            assert!((a - b).abs() < 1e-4);
        }
    }

    #[test]
    fn serialises_round_trip() {
        let (x, y) = circle(100);
        let mut t = GbdtTrainer::new(GbdtParams::phase_a(2), &x, &y, 100, 3, 2, true);
        t.boost(3);
        let json = serde_json::to_string(&t.model).unwrap();
        let back: Gbdt = serde_json::from_str(&json).unwrap();
        assert_eq!(back.predict(&x, 100), t.model.predict(&x, 100));
    }
}
