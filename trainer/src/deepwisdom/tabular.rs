//! Tabular pipeline (spec §6): Phase A boosts small fresh models on a growing prefix of the
//! rows (first prediction in well under a second), Phase B explores models on a stratified
//! 80/20 split and blends their best test predictions with the §6.2 weights.
//!
//! Phase B model order: GBDT (LightGBM settings, early stopped on the 20 %) → the same GBDT
//! refitted on all rows → a depth-wise GBDT in place of XGBoost → the §9.6 DNN, 5 epochs per
//! call while it improves. CatBoost has no counterpart (README: decisions).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use formats::dataset::Subset;
use formats::inspect::Domain;

use super::ensemble::{blend, blend_weights, global_mean, validation_nauc};
use super::gbdt::{Gbdt, GbdtParams, GbdtTrainer};
use super::tabular_dnn::DnnTrainer;
use super::{is_multilabel, load_features, snapshot, AutoConfig, BundleSlot, DatasetFacts, SplitMix64};
use crate::bundle::{Member, MemberModel};
use crate::data::{DatasetSource, FeatureExtractor, SplitFeatures};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// Phase B rounds after which training is declared done (spec §6.2).
const MAX_PHASE_B_ROUNDS: usize = 50;

/// A Phase B model's best result.
struct Explored {
    val_auc: f64,
    test: Vec<f32>,
    model: MemberModel,
    tensors: Vec<(String, tch::Tensor)>,
}

enum Stage {
    PhaseA { call: usize, rows: usize },
    PhaseB { step: usize },
}

pub struct TabularLearner {
    source: DatasetSource,
    config: AutoConfig,
    facts: DatasetFacts,
    extractor: FeatureExtractor,
    slot: BundleSlot,
    train: Option<SplitFeatures>,
    test: Option<SplitFeatures>,
    multilabel: bool,
    stage: Stage,
    /// Latest prediction's members, ready for `predict`.
    current: Option<(Vec<f32>, Vec<Member>, Vec<(String, tch::Tensor)>)>,
    explored: BTreeMap<&'static str, Explored>,
    split: Option<(Vec<usize>, Vec<usize>)>,
    gbdt_rounds: usize,
    dnn: Option<DnnTrainer>,
    dnn_calls: usize,
    dnn_stale: usize,
    phase_b_rounds: usize,
}

fn rows_of(x: &SplitFeatures, idx: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let (d, k) = (x.dim, x.output_dim);
    let mut f = Vec::with_capacity(idx.len() * d);
    let mut y = Vec::with_capacity(idx.len() * k);
    for &i in idx {
        f.extend_from_slice(&x.features[i * d..(i + 1) * d]);
        y.extend_from_slice(&x.labels[i * k..(i + 1) * k]);
    }
    (f, y)
}

/// Stratified (by arg-max label) seeded 80/20 split of `0..n` (spec §6.2).
fn stratified_split(labels: &[f32], classes: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let n = labels.len() / classes.max(1);
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let row = &labels[i * classes..(i + 1) * classes];
        let c = row.iter().enumerate().fold(0, |b, (j, v)| if *v > row[b] { j } else { b });
        by_class.entry(c).or_default().push(i);
    }
    let mut rng = SplitMix64(seed);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (_, mut members) in by_class {
        let order = rng.permutation(members.len());
        members = order.into_iter().map(|j| members[j]).collect();
        let n_val = (members.len() as f64 * 0.2).round() as usize;
        let n_val = if members.len() >= 2 { n_val.max(1) } else { 0 };
        val.extend_from_slice(&members[..n_val]);
        train.extend_from_slice(&members[n_val..]);
    }
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
}

impl TabularLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let extractor = FeatureExtractor::new(&source.train_spec)?;
        let facts = DatasetFacts::of(&source, Domain::Tabular)?;
        Ok(TabularLearner {
            source,
            config,
            facts,
            extractor,
            slot,
            train: None,
            test: None,
            multilabel: false,
            stage: Stage::PhaseA { call: 0, rows: 0 },
            current: None,
            explored: BTreeMap::new(),
            split: None,
            gbdt_rounds: 0,
            dnn: None,
            dnn_calls: 0,
            dnn_stale: 0,
            phase_b_rounds: 0,
        })
    }

    fn log(&self, msg: &str) {
        if self.config.verbose {
            eprintln!("auto/tabular: {msg}");
        }
    }

    fn test_features(&mut self, cancel: &CancelToken) -> Result<&SplitFeatures> {
        if self.test.is_none() {
            let t = load_features(&self.source.dir, Subset::Test, &self.extractor, self.facts.output_dim, None, cancel)?;
            self.test = Some(t);
        }
        Ok(self.test.as_ref().expect("loaded above"))
    }

    fn set_single(&mut self, test: Vec<f32>, model: MemberModel, tensors: Vec<(String, tch::Tensor)>) {
        let members = vec![Member { weight: 1.0, divisor: 1.0, model }];
        self.current = Some((test, members, tensors));
    }

    /// Phase A call k (0-based): rows 500, 500, 1000, 1000, then doubling; rounds 10, then
    /// 10 + 5k capped at 40 (spec §6.1).
    fn phase_a(&mut self, call: usize, rows_before: usize, cancel: &CancelToken) -> Result<usize> {
        let train = self.train.as_ref().expect("train loaded before phase A");
        let add = match call {
            0 | 1 => 500,
            2 | 3 => 1000,
            k => 500usize << (k - 3).min(30),
        };
        let rows = (rows_before + add).min(train.rows);
        let rounds = if call == 0 { 10 } else { (10 + 5 * (call + 1)).min(40) };
        let (d, k) = (train.dim, train.output_dim);
        let mut t = GbdtTrainer::new(
            GbdtParams::phase_a(2020 ^ self.config.seed),
            &train.features[..rows * d],
            &train.labels[..rows * k],
            rows,
            d,
            k,
            self.multilabel,
        );
        t.boost(rounds);
        let model = t.model;
        let test = self.test_features(cancel)?;
        let p = model.predict(&test.features, test.rows);
        self.log(&format!("phase A call {call}: {rows} rows, {rounds} rounds"));
        self.set_single(p, MemberModel::Gbdt(model), Vec::new());
        Ok(rows)
    }

    /// Early-stopped boosting on the 80 % part; returns the model at its best round count
    /// and the validation AUC.
    fn boost_with_validation(&self, params: GbdtParams, max_rounds: usize, deadline: Instant, cancel: &CancelToken) -> Result<(Gbdt, f64, usize)> {
        let train = self.train.as_ref().expect("loaded");
        let (tr, va) = self.split.as_ref().expect("split made");
        let (x, y) = rows_of(train, tr);
        let (vx, vy) = rows_of(train, va);
        let k = train.output_dim;
        let mut t = GbdtTrainer::new(params, &x, &y, tr.len(), train.dim, k, self.multilabel);
        let (mut best, mut best_round, mut stale) = (f64::NEG_INFINITY, 0usize, 0usize);
        let step = 10;
        while t.model.rounds() < max_rounds {
            cancel.check()?;
            t.boost(step);
            let p = t.model.predict(&vx, va.len());
            let auc = (validation_nauc(&vy, &p, k) + 1.0) / 2.0;
            if auc > best + 1e-6 {
                best = auc;
                best_round = t.model.rounds();
                stale = 0;
            } else {
                stale += step;
            }
            // spec §6.2: early stopping 20 rounds.
            if stale >= 20 || Instant::now() > deadline {
                break;
            }
        }
        let mut model = t.model;
        model.trees.truncate(best_round.max(1) * k);
        Ok((model, best, best_round.max(1)))
    }

    fn fit_all_rows(&self, params: GbdtParams, rounds: usize) -> Gbdt {
        let train = self.train.as_ref().expect("loaded");
        let mut t = GbdtTrainer::new(params, &train.features, &train.labels, train.rows, train.dim, train.output_dim, self.multilabel);
        t.boost(rounds);
        t.model
    }

    /// One Phase B step; `Ok(false)` when there is nothing left to explore.
    fn phase_b(&mut self, step: usize, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        if self.split.is_none() {
            let train = self.train.as_ref().expect("loaded");
            self.split = Some(stratified_split(&train.labels, train.output_dim, self.config.seed));
        }
        let deadline = Instant::now() + remaining.mul_f64(0.3);
        let seed = self.config.seed;
        match step {
            0 => {
                let (model, auc, rounds) = self.boost_with_validation(GbdtParams::phase_b(seed), 1000, deadline, cancel)?;
                self.gbdt_rounds = rounds;
                let test = self.test_features(cancel)?;
                let p = model.predict(&test.features, test.rows);
                self.log(&format!("phase B gbdt: {rounds} rounds, val AUC {auc:.4}"));
                self.explored.insert("gbdt", Explored { val_auc: auc, test: p, model: MemberModel::Gbdt(model), tensors: Vec::new() });
            }
            1 => {
                // spec §6.2 run 1: the same settings on all training rows (validation AUC kept).
                let rounds = (self.gbdt_rounds as f64 * 1.1).ceil() as usize;
                let model = self.fit_all_rows(GbdtParams::phase_b(seed), rounds);
                let test = self.test_features(cancel)?;
                let p = model.predict(&test.features, test.rows);
                if let Some(e) = self.explored.get_mut("gbdt") {
                    e.test = p;
                    e.model = MemberModel::Gbdt(model);
                }
            }
            2 => {
                // Depth-wise trees (XGBoost's default shape) instead of XGBoost itself.
                let params = GbdtParams { num_leaves: 64, max_depth: 6, learning_rate: 0.1, bagging_fraction: 0.8, ..GbdtParams::phase_b(seed ^ 7) };
                let (model, auc, rounds) = self.boost_with_validation(params, 600, deadline, cancel)?;
                let test = self.test_features(cancel)?;
                let p = model.predict(&test.features, test.rows);
                self.log(&format!("phase B depth-wise gbdt: {rounds} rounds, val AUC {auc:.4}"));
                self.explored.insert("gbdt_depthwise", Explored { val_auc: auc, test: p, model: MemberModel::Gbdt(model), tensors: Vec::new() });
            }
            _ => {
                if self.dnn_stale >= 3 || self.dnn_calls >= 20 {
                    return Ok(false);
                }
                let train = self.train.as_ref().expect("loaded");
                let (tr, va) = self.split.clone().expect("split made");
                if self.dnn.is_none() {
                    let (x, y) = rows_of(train, &tr);
                    let device = self.config.device;
                    self.dnn = Some(DnnTrainer::new(&x, &y, tr.len(), train.dim, train.output_dim, self.multilabel, seed, device)?);
                }
                let (vx, vy) = rows_of(train, &va);
                let k = train.output_dim;
                let dnn = self.dnn.as_mut().expect("built above");
                dnn.epochs(5, cancel)?;
                self.dnn_calls += 1;
                let auc = (validation_nauc(&vy, &dnn.predict(&vx, va.len())?, k) + 1.0) / 2.0;
                let best = self.explored.get("dnn").map_or(f64::NEG_INFINITY, |e| e.val_auc);
                self.log(&format!("phase B dnn call {}: val AUC {auc:.4}", self.dnn_calls));
                if auc > best + 1e-6 {
                    self.dnn_stale = 0;
                    let test = self.test.as_ref().expect("test loaded in step 0");
                    let dnn = self.dnn.as_ref().expect("built above");
                    let p = dnn.predict(&test.features, test.rows)?;
                    let mut spec = dnn.spec.clone();
                    spec.prefix = "dnn.".into();
                    let tensors = snapshot(&dnn.vs, "dnn.");
                    self.explored.insert("dnn", Explored { val_auc: auc, test: p, model: MemberModel::TabularDnn(spec), tensors });
                } else {
                    self.dnn_stale += 1;
                }
            }
        }
        self.blend_explored();
        Ok(true)
    }

    /// §6.2 output: weights from validation AUCs, each member divided by its global mean.
    fn blend_explored(&mut self) {
        let names: Vec<&'static str> = self.explored.keys().copied().collect();
        let aucs: Vec<f64> = names.iter().map(|n| self.explored[n].val_auc).collect();
        let weights = blend_weights(&aucs);
        let mut parts = Vec::new();
        let mut members = Vec::new();
        let mut tensors = Vec::new();
        for (name, w) in names.iter().zip(&weights) {
            if *w == 0.0 {
                continue;
            }
            let e = &self.explored[name];
            let divisor = global_mean(&e.test);
            parts.push((*w, divisor, e.test.as_slice()));
            members.push(Member { weight: *w, divisor, model: e.model.clone() });
            tensors.extend(e.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())));
        }
        let p = blend(&parts);
        self.current = Some((p, members, tensors));
    }
}

impl Learner for TabularLearner {
    fn name(&self) -> &str {
        "auto-tabular"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        if self.train.is_none() {
            let t = load_features(&self.source.dir, Subset::Train, &self.extractor, self.facts.output_dim, None, cancel)?;
            if t.rows == 0 {
                return Err(Error::Config("the train split has no record".into()));
            }
            // spec §7.3: multi-label if a row of the first 500 has more than one positive.
            let scan = t.rows.min(500) * t.output_dim;
            self.multilabel = is_multilabel(&t.labels[..scan], t.output_dim);
            self.train = Some(t);
        }
        let n = self.train.as_ref().map_or(0, |t| t.rows);
        match self.stage {
            Stage::PhaseA { call, rows } => {
                let rows = self.phase_a(call, rows, cancel)?;
                self.stage = if rows >= n { Stage::PhaseB { step: 0 } } else { Stage::PhaseA { call: call + 1, rows } };
                Ok(false)
            }
            Stage::PhaseB { step } => {
                self.test_features(cancel)?;
                let more = self.phase_b(step, remaining, cancel)?;
                self.phase_b_rounds += 1;
                self.stage = Stage::PhaseB { step: step + 1 };
                Ok(!more || self.phase_b_rounds >= MAX_PHASE_B_ROUNDS)
            }
        }
    }

    fn predict(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let rows = self.test_features(cancel)?.rows;
        let Some((p, members, tensors)) = &self.current else { return Ok(None) };
        let bundle = self.facts.bundle("auto-tabular", members.clone(), tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect());
        self.slot.publish(bundle)?;
        PredictionMatrix::new(rows, self.facts.output_dim, p.clone()).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_stratified_and_seeded() {
        let mut labels = Vec::new();
        for i in 0..100 {
            labels.extend_from_slice(if i % 4 == 0 { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        let (tr, va) = stratified_split(&labels, 2, 5);
        assert_eq!(tr.len() + va.len(), 100);
        assert_eq!(va.iter().filter(|&&i| i % 4 == 0).count(), 5);
        assert_eq!(va.len(), 20);
        assert_eq!(stratified_split(&labels, 2, 5), (tr, va));
    }
}
