//! Model selection of the tabular learner (issue 16): stratified k-fold or holdout plans,
//! one out-of-fold (OOF) candidate per model configuration, and greedy ensemble selection
//! with replacement over the candidates' OOF scores (Caruana et al., 2004).
//!
//! A candidate's test scores are the mean of its fold models (k-fold bagging); forests and
//! k-NN are fitted once on every row and use out-of-bag / leave-one-out scores as their OOF.

use scoring::rng::SplitMix64;
use std::collections::BTreeMap;
use std::time::Instant;

use super::ensemble::validation_nauc;
use super::gbdt::{activate, GbdtParams, GbdtTrainer};
use super::members::{Member, MemberModel};
use super::resnet::snapshot;
use super::tabular_dnn::DnnTrainer;
use super::tabular_models::{fit_forest, fit_linear_path, ForestParams, KnnModel, TabularModel};
use crate::error::Result;
use crate::learner::CancelToken;

/// Which rows validate which models.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Number of model fits per candidate (1 = holdout).
    pub folds: usize,
    /// Per row: its validation fold, or `folds` for rows that only ever train (holdout).
    pub fold_of: Vec<usize>,
    /// Rows with an OOF score, ascending.
    pub eval: Vec<usize>,
}

fn arg_max(row: &[f32]) -> usize {
    row.iter().enumerate().fold(0, |b, (j, v)| if *v > row[b] { j } else { b })
}

impl Plan {
    /// Stratified (by arg-max label), seeded: `folds` ≥ 2 folds over every row, or with
    /// `folds == 1` a 20 % holdout.
    pub fn new(labels: &[f32], classes: usize, folds: usize, seed: u64) -> Plan {
        let n = labels.len() / classes.max(1);
        let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            by_class.entry(arg_max(&labels[i * classes..(i + 1) * classes])).or_default().push(i);
        }
        let mut rng = SplitMix64(seed);
        let mut fold_of = vec![folds; n];
        let mut offset = 0usize;
        for (_, members) in by_class {
            let order = rng.permutation(members.len());
            if folds >= 2 {
                // Round-robin continued across classes keeps fold sizes within one row.
                for (j, &o) in order.iter().enumerate() {
                    fold_of[members[o]] = (offset + j) % folds;
                }
                offset += members.len();
            } else {
                let n_val = (members.len() as f64 * 0.2).round() as usize;
                let n_val = if members.len() >= 2 { n_val.max(1) } else { 0 };
                order[..n_val].iter().for_each(|&o| fold_of[members[o]] = 0);
            }
        }
        let eval = (0..n).filter(|&i| fold_of[i] < folds.max(1)).collect();
        Plan { folds: folds.max(1), fold_of, eval }
    }

    /// (training rows, validation rows) of fold `f`.
    pub fn fold(&self, f: usize) -> (Vec<usize>, Vec<usize>) {
        let (mut tr, mut va) = (Vec::new(), Vec::new());
        for (i, &g) in self.fold_of.iter().enumerate() {
            if g == f {
                va.push(i);
            } else {
                tr.push(i);
            }
        }
        (tr, va)
    }
}

/// Training data and the test rows every candidate predicts.
pub struct Data<'a> {
    pub x: &'a [f32],
    pub y: &'a [f32],
    pub rows: usize,
    pub dim: usize,
    pub classes: usize,
    pub multilabel: bool,
    pub test: &'a [f32],
    pub test_rows: usize,
    pub plan: &'a Plan,
}

impl Data<'_> {
    pub fn gather(&self, idx: &[usize]) -> (Vec<f32>, Vec<f32>) {
        let (d, k) = (self.dim, self.classes);
        let mut f = Vec::with_capacity(idx.len() * d);
        let mut y = Vec::with_capacity(idx.len() * k);
        for &i in idx {
            f.extend_from_slice(&self.x[i * d..(i + 1) * d]);
            y.extend_from_slice(&self.y[i * k..(i + 1) * k]);
        }
        (f, y)
    }

    /// Labels of the evaluation rows.
    pub fn eval_labels(&self) -> Vec<f32> {
        self.gather(&self.plan.eval).1
    }

    fn score(&self, oof: &[f32]) -> f64 {
        validation_nauc(&self.eval_labels(), oof, self.classes)
    }
}

/// One model configuration's OOF scores, test scores and bundle members (weights sum to 1).
pub struct Candidate {
    pub name: String,
    pub oof: Vec<f32>,
    pub test: Vec<f32>,
    pub members: Vec<Member>,
    pub tensors: Vec<(String, tch::Tensor)>,
    pub score: f64,
}

/// Scatters per-fold validation scores into eval order and averages test scores.
struct FoldAcc {
    oof: Vec<f32>,
    test: Vec<f32>,
    members: Vec<Member>,
    pos: Vec<usize>,
}

impl FoldAcc {
    fn new(d: &Data) -> FoldAcc {
        let mut pos = vec![usize::MAX; d.rows];
        d.plan.eval.iter().enumerate().for_each(|(j, &i)| pos[i] = j);
        FoldAcc { oof: vec![0.0; d.plan.eval.len() * d.classes], test: vec![0.0; d.test_rows * d.classes], members: Vec::new(), pos }
    }

    fn add(&mut self, d: &Data, va: &[usize], val_scores: &[f32], test_scores: &[f32], model: MemberModel) {
        let k = d.classes;
        for (r, &i) in va.iter().enumerate() {
            let j = self.pos[i];
            self.oof[j * k..(j + 1) * k].copy_from_slice(&val_scores[r * k..(r + 1) * k]);
        }
        let w = 1.0 / d.plan.folds as f32;
        self.test.iter_mut().zip(test_scores).for_each(|(a, b)| *a += w * b);
        self.members.push(Member { weight: 1.0 / d.plan.folds as f64, divisor: 1.0, model });
    }

    fn finish(self, d: &Data, name: String, tensors: Vec<(String, tch::Tensor)>) -> Candidate {
        let score = d.score(&self.oof);
        Candidate { name, oof: self.oof, test: self.test, members: self.members, tensors, score }
    }
}

/// Boosting per fold, early stopped on the fold's validation rows (checked every 10 rounds,
/// patience 50 rounds, at most `max_rounds`); with a holdout plan the test model is refitted
/// on every row.
pub fn gbdt(d: &Data, name: &str, params: &GbdtParams, max_rounds: usize, deadline: Instant, cancel: &CancelToken) -> Result<Candidate> {
    let mut acc = FoldAcc::new(d);
    let k = d.classes;
    for f in 0..d.plan.folds {
        let (tr, va) = d.plan.fold(f);
        let (x, y) = d.gather(&tr);
        let (vx, vy) = d.gather(&va);
        let mut t = GbdtTrainer::new(params.clone(), &x, &y, tr.len(), d.dim, k, d.multilabel);
        let mut raw = vec![0f32; va.len() * k];
        let (mut best, mut best_round) = (f64::NEG_INFINITY, 0usize);
        while t.model.rounds() < max_rounds {
            cancel.check()?;
            let before = t.model.rounds();
            t.boost(10);
            for i in 0..va.len() {
                let row = &vx[i * d.dim..(i + 1) * d.dim];
                for r in before..t.model.rounds() {
                    for c in 0..k {
                        raw[i * k + c] += t.model.trees[r * k + c].predict(row);
                    }
                }
            }
            let mut p = raw.clone();
            activate(&mut p, k, d.multilabel);
            let auc = validation_nauc(&vy, &p, k);
            if auc > best + 1e-7 {
                (best, best_round) = (auc, t.model.rounds());
            }
            if t.model.rounds() >= best_round + 50 || Instant::now() > deadline {
                break;
            }
        }
        let mut model = t.model;
        model.trees.truncate(best_round.max(1) * k);
        let val = model.predict(&vx, va.len());
        if d.plan.folds == 1 && Instant::now() < deadline {
            // Holdout: refit on every row with 1.1× the early-stopped rounds (spec §6.2 run 1),
            // so the test scores see the validation rows too; the OOF stays the holdout's.
            let rounds = (best_round.max(1) as f64 * 1.1).ceil() as usize;
            let mut all = GbdtTrainer::new(params.clone(), d.x, d.y, d.rows, d.dim, k, d.multilabel);
            all.boost(rounds);
            model = all.model;
        }
        let test = model.predict(d.test, d.test_rows);
        acc.add(d, &va, &val, &test, MemberModel::Gbdt(model));
    }
    Ok(acc.finish(d, name.to_string(), Vec::new()))
}

/// Linear model per fold for each L2 strength of `grid` (per example, strongest first: the
/// fits of a fold are warm-started along the grid): one candidate each, so ensemble
/// selection weighs the strengths on the OOF rows.
pub fn linear(d: &Data, grid: &[f64], max_iter: usize, cancel: &CancelToken) -> Result<Vec<Candidate>> {
    let mut accs: Vec<FoldAcc> = grid.iter().map(|_| FoldAcc::new(d)).collect();
    for f in 0..d.plan.folds {
        cancel.check()?;
        let (tr, va) = d.plan.fold(f);
        let (x, y) = d.gather(&tr);
        let (vx, _) = d.gather(&va);
        let models = fit_linear_path(&x, &y, tr.len(), d.dim, d.classes, d.multilabel, grid, max_iter);
        for (acc, m) in accs.iter_mut().zip(models) {
            let (val, test) = (m.predict(&vx, va.len()), m.predict(d.test, d.test_rows));
            acc.add(d, &va, &val, &test, MemberModel::Tabular(TabularModel::Linear(m)));
        }
    }
    Ok(accs.into_iter().zip(grid).map(|(acc, l2)| acc.finish(d, format!("linear l2={l2:.0e}"), Vec::new())).collect())
}

/// One forest on every row; its out-of-bag scores are the OOF.
pub fn forest(d: &Data, name: &str, p: &ForestParams) -> Candidate {
    let (f, oob) = fit_forest(d.x, d.y, d.rows, d.dim, d.classes, p);
    let k = d.classes;
    let oof: Vec<f32> = d.plan.eval.iter().flat_map(|&i| oob[i * k..(i + 1) * k].iter().copied()).collect();
    let test = f.predict(d.test, d.test_rows);
    let score = d.score(&oof);
    let members = vec![Member::single(MemberModel::Tabular(TabularModel::Forest(f)))];
    Candidate { name: name.to_string(), oof, test, members, tensors: Vec::new(), score }
}

/// k-NN on every row with leave-one-out OOF; k chosen among 5, 10, 20, 40.
pub fn knn(d: &Data) -> Candidate {
    let ks = [5usize, 10, 20, 40];
    let model = KnnModel::fit(d.x, d.y, d.rows, d.dim, d.classes, 5);
    let (q, _) = d.gather(&d.plan.eval);
    let q = model.scaler.apply(&q, d.dim);
    let all = model.neighbour_scores(&q, d.plan.eval.len(), Some(&d.plan.eval), &ks);
    let labels = d.eval_labels();
    let (best, oof) = ks
        .iter()
        .zip(all)
        .map(|(k, o)| (validation_nauc(&labels, &o, d.classes), *k, o))
        .fold(None, |b: Option<(f64, usize, Vec<f32>)>, c| if b.as_ref().map_or(true, |b| c.0 > b.0) { Some(c) } else { b })
        .map(|(_, k, o)| (k, o))
        .expect("ks is not empty");
    let model = KnnModel { k: best, ..model };
    let test = model.predict(d.test, d.test_rows, None);
    let score = d.score(&oof);
    let members = vec![Member::single(MemberModel::Tabular(TabularModel::Knn(model)))];
    Candidate { name: format!("knn k={best}"), oof, test, members, tensors: Vec::new(), score }
}

/// The §9.6 DNN per fold: 5 epochs per step while the fold's validation NAUC improves (two
/// steps of patience, at most `max_epochs`); the best state of each fold is kept. `None` when
/// `deadline` passes before every fold has trained.
pub fn dnn(d: &Data, id: usize, seed: u64, max_epochs: usize, device: tch::Device, deadline: Instant, cancel: &CancelToken) -> Result<Option<Candidate>> {
    let mut acc = FoldAcc::new(d);
    let mut tensors = Vec::new();
    let k = d.classes;
    for f in 0..d.plan.folds {
        let (tr, va) = d.plan.fold(f);
        let (x, y) = d.gather(&tr);
        let (vx, vy) = d.gather(&va);
        let mut t = DnnTrainer::new(&x, &y, tr.len(), d.dim, k, d.multilabel, seed ^ f as u64, device)?;
        let prefix = format!("dnn{id}.f{f}.");
        let mut best: Option<(f64, Vec<f32>, Vec<f32>, Vec<(String, tch::Tensor)>)> = None;
        let (mut epochs, mut stale) = (0usize, 0usize);
        while epochs < max_epochs && stale < 2 && Instant::now() < deadline {
            // One epoch at a time: on a loaded CPU five epochs can overrun the deadline by far.
            let start = epochs;
            while epochs < start + 5 && Instant::now() < deadline {
                let began = Instant::now();
                t.epochs(1, cancel)?;
                epochs += 1;
                // Give up at once when the first epoch says that every fold's epochs cannot
                // fit before the deadline (the step would be abandoned there anyway).
                if f == 0 && epochs == 1 && began + began.elapsed() * (max_epochs * d.plan.folds) as u32 > deadline {
                    return Ok(None);
                }
            }
            if epochs < start + 5 {
                break;
            }
            let val = t.predict(&vx, va.len())?;
            let auc = validation_nauc(&vy, &val, k);
            if best.as_ref().map_or(true, |b| auc > b.0 + 1e-6) {
                let test = t.predict(d.test, d.test_rows)?;
                best = Some((auc, val, test, snapshot(&t.vs, &prefix)));
                stale = 0;
            } else {
                stale += 1;
            }
        }
        let Some((_, val, test, snap)) = best else { return Ok(None) };
        let mut spec = t.spec.clone();
        spec.prefix = prefix;
        acc.add(d, &va, &val, &test, MemberModel::TabularDnn(spec));
        tensors.extend(snap);
    }
    Ok(Some(acc.finish(d, format!("dnn {id}"), tensors)))
}

/// Mean binary cross-entropy of scores clipped to [1e-6, 1 − 1e-6]: the tie-breaker of
/// [`select`] once NAUC saturates (small tables often reach OOF NAUC 1 with several blends).
pub fn log_loss(labels: &[f32], scores: &[f32]) -> f64 {
    let total: f64 = labels
        .iter()
        .zip(scores)
        .map(|(y, p)| {
            let p = f64::from(*p).clamp(1e-6, 1.0 - 1e-6);
            let y = f64::from(*y);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    total / labels.len().max(1) as f64
}

/// Ensemble quality: NAUC first, lower log-loss on (near) ties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub nauc: f64,
    pub log_loss: f64,
}

impl Quality {
    pub const NONE: Quality = Quality { nauc: f64::NEG_INFINITY, log_loss: f64::INFINITY };

    fn of(labels: &[f32], scores: &[f32], classes: usize) -> Quality {
        Quality { nauc: validation_nauc(labels, scores, classes), log_loss: log_loss(labels, scores) }
    }

    /// Better by more than `nauc_tol` NAUC, or as good within it with a log-loss lower by
    /// more than `loss_tol`.
    pub fn beats(&self, other: &Quality, nauc_tol: f64, loss_tol: f64) -> bool {
        self.nauc > other.nauc + nauc_tol || (self.nauc >= other.nauc - nauc_tol && self.log_loss < other.log_loss - loss_tol)
    }
}

/// Mean over folds of the per-fold NAUC difference `a − b` between two OOF score vectors
/// (rows of `plan.eval[..rows]`, row-major with `classes` columns), and its standard error;
/// `None` for a holdout plan (one fold: no spread to measure).
pub fn fold_gain(plan: &Plan, labels: &[f32], a: &[f32], b: &[f32], classes: usize) -> Option<(f64, f64)> {
    if plan.folds < 2 {
        return None;
    }
    let rows = labels.len() / classes.max(1);
    let diffs: Vec<f64> = (0..plan.folds)
        .map(|f| {
            let pick = |v: &[f32]| -> Vec<f32> {
                (0..rows).filter(|&j| plan.fold_of[plan.eval[j]] == f).flat_map(|j| v[j * classes..(j + 1) * classes].iter().copied()).collect()
            };
            let y = pick(labels);
            validation_nauc(&y, &pick(a), classes) - validation_nauc(&y, &pick(b), classes)
        })
        .collect();
    let k = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / k;
    let var = diffs.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (k - 1.0);
    Some((mean, (var / k).sqrt()))
}

/// The mean of `oofs` weighted by `counts` (the blend [`select`] describes).
pub fn blend_of(oofs: &[&[f32]], counts: &[usize]) -> Vec<f32> {
    let total = counts.iter().sum::<usize>().max(1) as f64;
    let mut out = vec![0f64; oofs.first().map_or(0, |o| o.len())];
    for (o, &n) in oofs.iter().zip(counts) {
        if n > 0 {
            out.iter_mut().zip(o.iter()).for_each(|(s, x)| *s += n as f64 * f64::from(*x));
        }
    }
    out.into_iter().map(|v| (v / total) as f32).collect()
}

/// Greedy ensemble selection with replacement: start from the best candidate, then add
/// (again and again) whichever candidate most improves the running mean's [`Quality`], for at
/// most `rounds` additions; returns per-candidate counts of the best prefix and its quality.
pub fn select(oofs: &[&[f32]], labels: &[f32], classes: usize, rounds: usize) -> (Vec<usize>, Quality) {
    let m = oofs.len();
    let len = labels.len();
    let mut counts = vec![0usize; m];
    let mut sum = vec![0f64; len];
    let (mut best_counts, mut best) = (counts.clone(), Quality::NONE);
    let mut mean = vec![0f32; len];
    for step in 0..rounds.max(1) {
        let mut pick: Option<(Quality, usize)> = None;
        for (c, o) in oofs.iter().enumerate() {
            for ((v, s), x) in mean.iter_mut().zip(&sum).zip(o.iter()) {
                *v = ((s + f64::from(*x)) / (step + 1) as f64) as f32;
            }
            let q = Quality::of(labels, &mean, classes);
            if pick.map_or(true, |p| q.beats(&p.0, 1e-12, 1e-12)) {
                pick = Some((q, c));
            }
        }
        let Some((q, c)) = pick else { break };
        counts[c] += 1;
        sum.iter_mut().zip(oofs[c].iter()).for_each(|(s, x)| *s += f64::from(*x));
        if q.beats(&best, 1e-9, 1e-9) {
            (best, best_counts) = (q, counts.clone());
        }
    }
    (best_counts, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_cover_every_row_once() {
        let labels: Vec<f32> = (0..103).flat_map(|i| if i % 4 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
        let p = Plan::new(&labels, 2, 5, 9);
        assert_eq!(p.eval, (0..103).collect::<Vec<_>>());
        for f in 0..5 {
            let (tr, va) = p.fold(f);
            assert_eq!(tr.len() + va.len(), 103);
            assert!((20..=21).contains(&va.len()), "fold {f}: {}", va.len());
            let minority = va.iter().filter(|&&i| i % 4 == 0).count();
            assert!((5..=6).contains(&minority), "fold {f}: {minority}");
        }
        assert_eq!(Plan::new(&labels, 2, 5, 9), p);
        let h = Plan::new(&labels, 2, 1, 9);
        assert_eq!(h.eval.len(), 20, "20 % of each class, rounded: 5 + 15");
        assert_eq!(h.fold(0).1, h.eval);
    }

    #[test]
    fn fold_gain_measures_the_spread_of_a_gain_across_folds() {
        let labels: Vec<f32> = (0..100).flat_map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
        let plan = Plan::new(&labels, 2, 5, 3);
        let truth: Vec<f32> = labels.clone();
        let coin: Vec<f32> = (0..100).flat_map(|i| if i % 3 == 0 { [0.8, 0.2] } else { [0.3, 0.7] }).collect();
        // A perfect ranker against a poor one: a large gain, well beyond its standard error.
        let (gain, se) = fold_gain(&plan, &labels, &truth, &coin, 2).unwrap();
        assert!(gain > 0.5 && se < gain / 3.0, "{gain} {se}");
        // Against itself: no gain, no spread.
        assert_eq!(fold_gain(&plan, &labels, &coin, &coin, 2), Some((0.0, 0.0)));
        assert_eq!(fold_gain(&Plan::new(&labels, 2, 1, 3), &labels[..40], &truth[..40], &coin[..40], 2), None);
        // The blend of counts [1, 3] is the 1:3 mean.
        let b = blend_of(&[&[0.0f32, 1.0], &[1.0, 0.0]], &[1, 3]);
        assert_eq!(b, vec![0.75, 0.25]);
    }

    #[test]
    fn selection_prefers_the_complementary_blend() {
        // Two candidates each ranking one pair wrong; their mean ranks every pair right.
        let labels = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let a = [0.9f32, 0.1, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9];
        let b = [0.3f32, 0.7, 0.9, 0.1, 0.1, 0.9, 0.4, 0.6];
        let bad = [0.5f32; 8];
        let (counts, q) = select(&[&a, &bad, &b], &labels, 2, 10);
        assert!(counts[0] > 0 && counts[2] > 0 && counts[1] == 0, "{counts:?}");
        assert!(q.nauc > validation_nauc(&labels, &a, 2) && q.nauc > validation_nauc(&labels, &b, 2));
        assert!((q.nauc - 1.0).abs() < 1e-9);
        // On a NAUC tie the sharper (lower log-loss) candidate wins.
        let sharp = [0.99f32, 0.01, 0.99, 0.01, 0.01, 0.99, 0.01, 0.99];
        let soft = [0.6f32, 0.4, 0.6, 0.4, 0.4, 0.6, 0.4, 0.6];
        let (counts, q) = select(&[&soft, &sharp], &labels, 2, 1);
        assert_eq!(counts, vec![0, 1]);
        assert!((q.log_loss - log_loss(&labels, &sharp)).abs() < 1e-9);
    }
}
