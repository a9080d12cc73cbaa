//! A small histogram gradient-boosting learner standing in for LightGBM (spec §6.1–6.2).
//!
//! Leaf-wise growth (best gain first) up to `num_leaves`, quantile bins per feature, L1/L2
//! regularised leaf values, `min_child_samples`, `min_child_weight`, `min_split_gain`,
//! per-tree feature fraction and row bagging — the LightGBM parameters the spec lists.
//! Single-label data use a softmax over the classes (one tree per class per round);
//! multi-label data use one sigmoid per class (§6.1: one binary model per class).
//! Features are binned once into a `u8` matrix; each leaf keeps its rows as a range of one index
//! array and its gradient histogram, and a split builds only the smaller child's histogram (the
//! sibling is the parent minus it). Histograms of big leaves are summed over fixed row blocks in
//! parallel (rayon) in block order, and the sampling is seeded, so the same seed gives the same
//! model on any number of threads.

mod hist;

use rayon::prelude::*;
use scoring::rng::SplitMix64;
use serde::{Deserialize, Serialize};

use hist::{partition, subtract, Binned, Cell};

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

    /// LightGBM's own defaults (what `LGBMClassifier()` uses), the peer the tabular search and
    /// the boosting bench measure against.
    pub fn lightgbm_defaults(seed: u64) -> Self {
        GbdtParams {
            min_split_gain: 0.0,
            lambda_l1: 0.0,
            lambda_l2: 0.0,
            feature_fraction: 1.0,
            max_bin: 255,
            ..Self::phase_a(seed)
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
        if k == 0 {
            return out;
        }
        out.par_chunks_mut(k).enumerate().with_min_len(256).for_each(|(i, o)| {
            let row = &x[i * self.dim..(i + 1) * self.dim];
            for r in 0..rounds {
                for (c, v) in o.iter_mut().enumerate() {
                    *v += self.trees[r * k + c].predict(row);
                }
            }
        });
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

/// The best split of a leaf, with the left side's sums.
struct Candidate {
    gain: f64,
    feature: usize,
    bin: usize,
    gl: f64,
    hl: f64,
}

/// A leaf still open for splitting: its rows are `index[start..start + len]`.
struct Open {
    node: usize,
    start: usize,
    len: usize,
    depth: i32,
    g: f64,
    h: f64,
    hist: Option<Vec<Cell>>,
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
    /// Row indices grouped by leaf while a tree grows, and the partition's scratch.
    index: Vec<u32>,
    scratch: Vec<u32>,
    /// Spare histograms, reused so growing a tree allocates nothing per split.
    pool: Vec<Vec<Cell>>,
    pub model: Gbdt,
}

impl GbdtTrainer {
    /// `x` is `rows × dim` row-major, `y` is `rows × classes` (0/1 scores).
    pub fn new(params: GbdtParams, x: &[f32], y: &[f32], rows: usize, dim: usize, classes: usize, multilabel: bool) -> Self {
        let binned = Binned::new(x, rows, dim, params.max_bin);
        let rng = SplitMix64(params.seed);
        GbdtTrainer {
            binned,
            rows,
            labels: y.to_vec(),
            scores: vec![0.0; rows * classes],
            rng,
            index: Vec::with_capacity(rows),
            scratch: Vec::with_capacity(rows),
            pool: Vec::new(),
            model: Gbdt { classes, multilabel, trees: Vec::new(), dim },
            params,
        }
    }

    /// Adds `rounds` boosting rounds.
    pub fn boost(&mut self, rounds: usize) {
        let k = self.model.classes;
        let n = self.rows;
        // Two-class softmax: the class-0 tree is exactly the negated class-1 tree (opposite
        // gradients, equal Hessians), so one tree per round is grown, as LightGBM's binary mode.
        let mirrored = k == 2 && !self.model.multilabel;
        // Softmax Hessian scaled by K/(K−1) as LightGBM does; the floor keeps leaves finite.
        let factor = if self.model.multilabel || k < 2 { 1.0 } else { k as f32 / (k as f32 - 1.0) };
        let mut gh = vec![[0f32; 2]; n];
        for _ in 0..rounds {
            let mut probs = self.scores.clone();
            activate(&mut probs, k, self.model.multilabel);
            let bag: Vec<u32> = if self.params.bagging_fraction < 1.0 {
                (0..n as u32).filter(|_| self.rng.unit() < self.params.bagging_fraction).collect()
            } else {
                (0..n as u32).collect()
            };
            let classes: Vec<usize> = if mirrored { vec![1] } else { (0..k).collect() };
            for c in classes {
                for (i, v) in gh.iter_mut().enumerate() {
                    let p = probs[i * k + c];
                    *v = [p - self.labels[i * k + c], (factor * p * (1.0 - p)).max(1e-6)];
                }
                let (tree, leaf_of) = self.grow(&gh, &bag);
                for (i, leaf) in leaf_of.iter().enumerate() {
                    let v = tree.value[*leaf as usize];
                    if mirrored {
                        self.scores[i * k] -= v;
                    }
                    self.scores[i * k + c] += v;
                }
                if mirrored {
                    let mut neg = tree.clone();
                    neg.value.iter_mut().for_each(|v| *v = -*v);
                    self.model.trees.push(neg);
                }
                self.model.trees.push(tree);
            }
        }
    }

    fn take_hist(&mut self) -> Vec<Cell> {
        self.pool.pop().unwrap_or_else(|| vec![Cell::default(); self.binned.cells()])
    }

    /// Best split over `features` from a leaf's histogram; the first best in feature order
    /// wins ties.
    fn best_split(&self, hist: &[Cell], features: &[usize], g: f64, h: f64, rows: usize) -> Option<Candidate> {
        let p = &self.params;
        if rows < 2 * p.min_child_samples.max(1) {
            return None;
        }
        let parent = leaf_gain(g, h, p);
        let mut best: Option<Candidate> = None;
        for &f in features {
            let cells = &hist[self.binned.offsets[f]..self.binned.offsets[f + 1]];
            let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0usize);
            for (b, cell) in cells[..cells.len() - 1].iter().enumerate() {
                // An empty bin repeats the previous split's gain, which cannot beat it.
                if cell.n == 0 {
                    continue;
                }
                gl += cell.g;
                hl += cell.h;
                cl += cell.n as usize;
                let cr = rows - cl;
                if cr < p.min_child_samples {
                    break;
                }
                if cl < p.min_child_samples {
                    continue;
                }
                let (gr, hr) = (g - gl, h - hl);
                if hl < p.min_child_weight || hr < p.min_child_weight {
                    continue;
                }
                let gain = leaf_gain(gl, hl, p) + leaf_gain(gr, hr, p) - parent;
                if gain > p.min_split_gain && best.as_ref().map_or(true, |c| gain > c.gain) {
                    best = Some(Candidate { gain, feature: f, bin: b, gl, hl });
                }
            }
        }
        best
    }

    /// Grows one tree on the bagged rows; also returns every row's leaf (out-of-bag rows are
    /// routed through the binned splits).
    fn grow(&mut self, gh: &[[f32; 2]], bag: &[u32]) -> (Tree, Vec<u32>) {
        let p = self.params.clone();
        let dim = self.model.dim;
        let mut features: Vec<usize> = (0..dim).filter(|_| self.rng.unit() < p.feature_fraction).collect();
        if features.is_empty() && dim > 0 {
            features.push((self.rng.next() % dim as u64) as usize);
        }
        let g: f64 = bag.iter().map(|&r| f64::from(gh[r as usize][0])).sum();
        let h: f64 = bag.iter().map(|&r| f64::from(gh[r as usize][1])).sum();
        let lr = p.learning_rate;
        let mut tree = Tree::leaf((leaf_output(g, h, &p) * lr) as f32);
        // Split bin per node, to route rows the way the thresholds do.
        let mut split_bin = vec![0u8];
        self.index.clear();
        self.index.extend_from_slice(bag);
        let mut root = self.take_hist();
        self.binned.histogram(&self.index, gh, &mut root);
        let best = self.best_split(&root, &features, g, h, bag.len());
        let mut open = vec![Open { node: 0, start: 0, len: bag.len(), depth: 0, g, h, hist: Some(root), best }];
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
            let mut leaf = open.swap_remove(pick);
            let cand = leaf.best.take().expect("filtered on is_some");
            let binned = &self.binned;
            let (f, sb) = (cand.feature, cand.bin);
            let nl = partition(&mut self.index[leaf.start..leaf.start + leaf.len], &mut self.scratch, |r| {
                binned.bin(r as usize, f) as usize <= sb
            });
            let (gl, hl) = (cand.gl, cand.hl);
            let (gr, hr) = (leaf.g - gl, leaf.h - hl);
            let li = tree.feature.len();
            for (gg, hh) in [(gl, hl), (gr, hr)] {
                tree.feature.push(-1);
                tree.threshold.push(0.0);
                tree.left.push(0);
                tree.right.push(0);
                tree.value.push((leaf_output(gg, hh, &p) * lr) as f32);
                split_bin.push(0);
            }
            tree.feature[leaf.node] = f as i32;
            tree.threshold[leaf.node] = self.binned.edges[f][sb];
            tree.left[leaf.node] = li as u32;
            tree.right[leaf.node] = li as u32 + 1;
            split_bin[leaf.node] = sb as u8;
            leaves += 1;
            let depth = leaf.depth + 1;
            let can_split = p.max_depth < 0 || depth < p.max_depth;
            let (ls, ln, rs, rn) = (leaf.start, nl, leaf.start + nl, leaf.len - nl);
            let parent_hist = leaf.hist.take().expect("open leaves that can split keep a histogram");
            let (lh, rh) = if can_split {
                // Build the smaller child's histogram; the larger one is the parent minus it.
                let mut small = self.take_hist();
                let (ss, sn) = if ln <= rn { (ls, ln) } else { (rs, rn) };
                self.binned.histogram(&self.index[ss..ss + sn], gh, &mut small);
                let mut large = parent_hist;
                subtract(&mut large, &small);
                if ln <= rn {
                    (Some(small), Some(large))
                } else {
                    (Some(large), Some(small))
                }
            } else {
                self.pool.push(parent_hist);
                (None, None)
            };
            for (node, start, len, gg, hh, hist) in [(li, ls, ln, gl, hl, lh), (li + 1, rs, rn, gr, hr, rh)] {
                let best = hist.as_ref().and_then(|hs| self.best_split(hs, &features, gg, hh, len));
                let hist = if best.is_some() {
                    hist
                } else {
                    hist.into_iter().for_each(|hs| self.pool.push(hs));
                    None
                };
                open.push(Open { node, start, len, depth, g: gg, h: hh, hist, best });
            }
        }
        let n = self.rows;
        let mut leaf_of = vec![u32::MAX; n];
        for o in open {
            if let Some(hs) = o.hist {
                self.pool.push(hs);
            }
            for &r in &self.index[o.start..o.start + o.len] {
                leaf_of[r as usize] = o.node as u32;
            }
        }
        if bag.len() < n {
            for (r, leaf) in leaf_of.iter_mut().enumerate().filter(|(_, l)| **l == u32::MAX) {
                let mut node = 0usize;
                while tree.feature[node] >= 0 {
                    let b = self.binned.bin(r, tree.feature[node] as usize);
                    node = if b <= split_bin[node] { tree.left[node] } else { tree.right[node] } as usize;
                }
                *leaf = node as u32;
            }
        }
        (tree, leaf_of)
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
    fn big_leaves_bagging_and_threads_agree() {
        // Past two histogram blocks, with bagging (out-of-bag rows routed through the bins),
        // feature sampling and three classes.
        let n = 70_000;
        let mut rng = SplitMix64(5);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let (a, b) = (rng.unit() as f32, rng.unit() as f32);
            x.extend_from_slice(&[a, b, rng.unit() as f32]);
            let c = if a + b < 0.7 { 0 } else if a > b { 1 } else { 2 };
            y.extend((0..3).map(|j| if j == c { 1.0 } else { 0.0 }));
        }
        let params = GbdtParams { bagging_fraction: 0.8, feature_fraction: 0.7, ..GbdtParams::phase_a(9) };
        let fit = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut t = GbdtTrainer::new(params.clone(), &x, &y, n, 3, 3, false);
                t.boost(3);
                t
            })
        };
        let (one, two) = (fit(1), fit(2));
        assert_eq!(one.model, two.model);
        let raw = one.model.raw_scores(&x, n, usize::MAX);
        for (a, b) in raw.iter().zip(&one.scores) {
            assert!((a - b).abs() < 1e-4);
        }
        assert!(one.model.trees.iter().all(|t| t.feature.len() > 1), "every tree splits");
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
