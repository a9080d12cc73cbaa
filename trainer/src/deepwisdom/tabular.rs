//! Tabular pipeline (spec §6, issue 16). Phase A boosts small fresh models on a growing
//! prefix of the rows (every row of a small table; first prediction in well under a second).
//! Then a search validates one model configuration per `train` call on out-of-fold rows
//! (5-fold CV below 5,000 rows, a 20 % holdout above): a quick boosting with the strong end of
//! the linear grid, LightGBM-default boosting, two more boosting settings, the rest of the
//! linear grid, extra trees, k-NN, a random forest and the §9.6 DNN, then a seeded random
//! search over boosting settings with re-seeded forests. After each step greedy ensemble
//! selection (tabular_search) picks the blend; it is published only when its OOF quality
//! improves (README: publishing rule). The search stops by the convergence rule in
//! trainer/README.md (tabular).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use formats::dataset::{DatasetReader, Subset};
use formats::inspect::Domain;
use scoring::report::leaderboard::seconds_text;
use scoring::rng::SplitMix64;

use super::bookkeeping::LearnerCore;
use super::config::{score_text, AutoConfig};
use super::gbdt::{GbdtParams, GbdtTrainer};
use super::members::{Member, MemberModel};
use super::scores::is_multilabel;
use super::slot::BundleSlot;
use super::tabular_models::ForestParams;
use super::tabular_search::{self as search, blend_of, fold_gain, select, Candidate, Data, Plan, Quality};
use crate::data::{read_features, DatasetSource, FeatureExtractor, SplitFeatures};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// The first model's name for users: boosted trees on the first rows, before any validation.
const FIRST_MODEL: &str = "boosted trees, first pass";

/// Below this many training rows candidates are validated by 5-fold cross-validation, above
/// by one stratified 20 % holdout (k fits would cost too much of the budget).
const CV_ROWS: usize = 5000;
/// Phase A keeps doubling its row prefix up to this many rows on large tables.
const PHASE_A_MAX_ROWS: usize = 65_536;
/// Consecutive search candidates without an ensemble gain ≥ [`MIN_GAIN`] before training is
/// declared done (README: convergence rule).
const PATIENCE: usize = 10;
const MIN_GAIN: f64 = 1e-4;
/// An ensemble whose OOF log-loss exceeds the published one's by more than this fraction is
/// published only for an OOF NAUC gain of at least [`LARGE_GAIN`].
const LOSS_SLACK: f64 = 0.01;
const LARGE_GAIN: f64 = 0.01;
/// Candidates (best first) offered to ensemble selection, and its rounds.
const POOL: usize = 15;
const SELECT_ROUNDS: usize = 25;
/// OOF rows used by ensemble selection on large tables.
const SELECT_ROWS: usize = 20_000;
/// Steps of the fixed tour in [`TabularLearner::job`].
const TOUR: usize = 9;

/// One step of the search.
enum Job {
    /// L2 strengths (per example, strongest first), and whether a quick boosting joins them.
    Linear(Vec<f64>, bool),
    Gbdt(String, GbdtParams),
    Forest(String, ForestParams),
    Knn,
    Dnn,
}

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::Linear(..) => "linear",
            Job::Gbdt(..) => "gbdt",
            Job::Forest(..) => "forest",
            Job::Knn => "knn",
            Job::Dnn => "dnn",
        }
    }
}

enum Stage {
    PhaseA { call: usize, rows: usize },
    Search { step: usize },
}

pub struct TabularLearner {
    core: LearnerCore,
    extractor: FeatureExtractor,
    train: Option<SplitFeatures>,
    /// Only a prefix of the train split is loaded yet (Phase A's first call on a big table).
    partial: bool,
    test: Option<SplitFeatures>,
    multilabel: bool,
    stage: Stage,
    /// Latest prediction's members, ready for `predict`.
    current: Option<(Vec<f32>, Vec<Member>, Vec<(String, tch::Tensor)>)>,
    /// The models blended in `current` (name, weight), for the leaderboard.
    current_used: Vec<(String, f64)>,
    plan: Option<Plan>,
    pool: Vec<Candidate>,
    /// OOF quality of the published ensemble ([`Quality::NONE`] while Phase A's model is).
    published: Quality,
    /// OOF scores of the published ensemble (eval rows used by selection), once there is one.
    published_oof: Option<Vec<f32>>,
    stale: usize,
    /// Duration of the last step of each job kind (for the "enough time for one more" test).
    cost: BTreeMap<&'static str, Duration>,
}

impl TabularLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let extractor = FeatureExtractor::new(&source.train_spec)?;
        Ok(TabularLearner {
            core: LearnerCore::new(source, config, slot, Domain::Tabular, "table learner")?,
            extractor,
            train: None,
            partial: false,
            test: None,
            multilabel: false,
            stage: Stage::PhaseA { call: 0, rows: 0 },
            current: None,
            current_used: Vec::new(),
            plan: None,
            pool: Vec::new(),
            published: Quality::NONE,
            published_oof: None,
            stale: 0,
            cost: BTreeMap::new(),
        })
    }



    fn test_features(&mut self, cancel: &CancelToken) -> Result<&SplitFeatures> {
        if self.test.is_none() {
            let t = read_features(&DatasetReader::open(&self.core.source.dir)?, Subset::Test, &self.extractor, self.core.facts.output_dim, None, cancel)?;
            self.test = Some(t);
        }
        Ok(self.test.as_ref().expect("loaded above"))
    }

    fn set_single(&mut self, test: Vec<f32>, model: MemberModel, tensors: Vec<(String, tch::Tensor)>) {
        let members = vec![Member::single(model)];
        self.current = Some((test, members, tensors));
    }

    /// Phase A call k (0-based): rows 500, 500, 1000, 1000, then doubling; rounds 10, then
    /// 10 + 5k capped at 40 (spec §6.1).
    fn phase_a(&mut self, call: usize, rows_before: usize, cancel: &CancelToken) -> Result<usize> {
        let started = Instant::now();
        let train = self.train.as_ref().expect("train loaded before phase A");
        let add = match call {
            0 | 1 => 500,
            2 | 3 => 1000,
            k => 500usize << (k - 3).min(30),
        };
        // A small table is read whole and boosting it all costs milliseconds: use every row.
        let rows = if train.rows < CV_ROWS { train.rows } else { (rows_before + add).min(train.rows) };
        let rounds = if call == 0 { 10 } else { (10 + 5 * (call + 1)).min(40) };
        let (d, k) = (train.dim, train.output_dim);
        let mut t = GbdtTrainer::new(
            GbdtParams::phase_a(2020 ^ self.core.config.seed),
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
        self.core.log(&format!("first boosted trees, pass {call}: {rows} rows, {rounds} rounds"));
        self.core.slot.board().tried(FIRST_MODEL, None, started.elapsed().as_secs_f64());
        if call == 0 {
            self.core.say().plain(&format!("{FIRST_MODEL} on {rows} rows: ready for the first prediction"));
        }
        self.set_single(p, MemberModel::Gbdt(model), Vec::new());
        self.current_used = vec![(FIRST_MODEL.to_string(), 1.0)];
        Ok(rows)
    }

    /// The `step`-th job: a fixed tour of every family, then a seeded random search over
    /// boosting settings with a re-seeded forest every fourth step (bagging).
    fn job(&self, step: usize, rows: usize) -> Option<Job> {
        let seed = self.core.config.seed;
        let big = rows >= CV_ROWS;
        let trees = if big { 100 } else { 300 };
        let forest = |extra: bool, max_features: f64, min_leaf: usize, seed: u64| ForestParams {
            trees,
            extra,
            max_features,
            min_leaf: if rows > 50_000 { min_leaf.max(3) } else { min_leaf },
            max_samples: 100_000,
            seed,
        };
        let lgbm = GbdtParams::lightgbm_defaults(seed ^ 0x6b);
        // sklearn's C maps to l2 = 1 / (C · n). The first step fits only the strong end (C ≈ 0.01
        // and sklearn's default C = 1) beside a quick boosting, so a validated blend is out
        // early; the rest of the grid (C ≈ 0.1, 10, ~no penalty) follows the default boosting.
        let n = rows.max(1) as f64;
        let (first, rest) = if big { (vec![1.0 / n, 1e-6], None) } else { (vec![1e-1, 1.0 / n], Some(vec![10.0 / n, 0.1 / n, 1e-5])) };
        let fixed = [
            Some(Job::Linear(first, rows <= 100_000)),
            Some(Job::Gbdt("gbdt lightgbm-defaults".into(), lgbm.clone())),
            // The other two boosting settings are as cheap and often better: before the
            // costlier forests, so their gains show early on the curve.
            Some(Job::Gbdt(
                "gbdt small-leaves".into(),
                GbdtParams { num_leaves: 15, min_child_samples: 10, learning_rate: 0.05, feature_fraction: 0.8, bagging_fraction: 0.8, lambda_l2: 1.0, ..lgbm.clone() },
            )),
            Some(Job::Gbdt("gbdt spec-6.2".into(), GbdtParams::phase_b(seed ^ 0x62))),
            rest.map(|g| Job::Linear(g, false)),
            Some(Job::Forest("extra trees".into(), forest(true, 0.0, 1, seed ^ 0xe7))),
            (rows <= 30_000).then_some(Job::Knn),
            Some(Job::Forest("random forest".into(), forest(false, 0.0, 1, seed ^ 0xf0))),
            (rows <= 100_000).then_some(Job::Dnn),
        ];
        debug_assert_eq!(fixed.len(), TOUR);
        if step < TOUR {
            return fixed.into_iter().nth(step).flatten();
        }
        let s = step - TOUR;
        let mut rng = SplitMix64(seed ^ (step as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        let mut pick = |v: &[f64]| v[(rng.next() % v.len() as u64) as usize];
        if s % 4 == 3 {
            let (extra, mf, leaf) = (pick(&[0.0, 1.0]) > 0.5, pick(&[0.0, 0.3, 0.5, 0.8]), pick(&[1.0, 2.0, 4.0]) as usize);
            return Some(Job::Forest(format!("forest #{s} extra={extra} mf={mf} leaf={leaf}"), forest(extra, mf, leaf, seed ^ step as u64)));
        }
        let p = GbdtParams {
            num_leaves: pick(&[4.0, 8.0, 15.0, 31.0, 63.0]) as usize,
            max_depth: pick(&[-1.0, -1.0, 4.0, 6.0, 8.0]) as i32,
            min_child_samples: pick(&[2.0, 5.0, 10.0, 20.0, 40.0]) as usize,
            lambda_l2: pick(&[0.0, 0.1, 1.0, 10.0]),
            feature_fraction: pick(&[0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
            bagging_fraction: pick(&[0.7, 0.8, 0.9, 1.0]),
            learning_rate: pick(&[0.02, 0.03, 0.05, 0.07, 0.1, 0.15]),
            seed: seed ^ step as u64,
            ..lgbm
        };
        Some(Job::Gbdt(format!("gbdt #{s} leaves={} depth={} lr={}", p.num_leaves, p.max_depth, p.learning_rate), p))
    }

    /// Runs search step `step`; `Ok(false)` once the convergence rule says stop.
    fn search(&mut self, step: usize, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let started = Instant::now();
        let rows = self.train.as_ref().map_or(0, |t| t.rows);
        let Some(job) = self.job(step, rows) else {
            return Ok(true);
        };
        // Stop when the last step of this kind, with a margin, would not fit in what is left.
        let expected = self.cost.get(job.kind()).copied().unwrap_or_default();
        if remaining < expected.mul_f64(1.5) + Duration::from_secs(1) {
            self.core.say().plain(&format!("search stopped: another {} model ({:.1} s last time) would not fit in the time left", job.kind(), expected.as_secs_f64()));
            return Ok(false);
        }
        let kind = job.kind();
        let train = self.train.as_ref().expect("loaded");
        let test = self.test.as_ref().expect("loaded");
        if self.plan.is_none() {
            let folds = if train.rows < CV_ROWS { 5 } else { 1 };
            self.plan = Some(Plan::new(&train.labels, train.output_dim, folds, self.core.config.seed));
        }
        let plan = self.plan.as_ref().expect("made above");
        let data = Data {
            x: &train.features,
            y: &train.labels,
            rows: train.rows,
            dim: train.dim,
            classes: train.output_dim,
            multilabel: self.multilabel,
            test: &test.features,
            test_rows: test.rows,
            plan,
        };
        let deadline = started + remaining.mul_f64(0.6);
        let candidates = match job {
            Job::Linear(grid, quick) => {
                let iters = if train.rows < CV_ROWS { 300 } else { 100 };
                let mut c = Vec::new();
                // A quick boosted model beside it, so the first published blend is never worse
                // than Phase A's boosting on non-linear targets.
                if quick {
                    c.push(search::gbdt(&data, "gbdt quick", &GbdtParams::phase_a(2020 ^ self.core.config.seed), 40, deadline, cancel)?);
                }
                c.extend(search::linear(&data, &grid, iters, cancel)?);
                c
            }
            Job::Gbdt(name, p) => vec![search::gbdt(&data, &name, &p, 3000, deadline, cancel)?],
            Job::Forest(name, p) => vec![search::forest(&data, &name, &p)],
            Job::Knn => vec![search::knn(&data)],
            Job::Dnn => search::dnn(&data, step, self.core.config.seed, 20, self.core.config.device, deadline, cancel)?.into_iter().collect(),
        };
        self.cost.insert(kind, started.elapsed());
        if candidates.is_empty() {
            self.core.log(&format!("step {step}: {kind} abandoned at its deadline"));
            return Ok(true);
        }
        // the models of one step share its time (the linear grid is fitted together)
        let each = started.elapsed().as_secs_f64() / candidates.len() as f64;
        for c in candidates {
            self.core.slot.board().tried(&c.name, Some(c.score), each);
            self.core.say().plain(&format!("{}: validation NAUC {} (out-of-fold), {}", c.name, score_text(c.score), seconds_text(each)));
            self.pool.push(c);
        }
        let gain = self.select_ensemble();
        if step >= TOUR {
            self.stale = if gain >= MIN_GAIN { 0 } else { self.stale + 1 };
        }
        let perfect = self.published.nauc >= 1.0 - 1e-9;
        Ok(!(step >= TOUR && (self.stale >= PATIENCE || perfect)))
    }

    /// Ensemble selection over the best [`POOL`] candidates; publishes the blend when its
    /// OOF NAUC beats the published one. Returns the gain (0 when not published).
    fn select_ensemble(&mut self) -> f64 {
        let k = self.core.facts.output_dim;
        let plan = self.plan.as_ref().expect("made before the first candidate");
        let train = self.train.as_ref().expect("loaded");
        let rows = plan.eval.len().min(SELECT_ROWS);
        let labels: Vec<f32> = plan.eval[..rows].iter().flat_map(|&i| train.labels[i * k..(i + 1) * k].iter().copied()).collect();
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        order.sort_by(|&a, &b| self.pool[b].score.total_cmp(&self.pool[a].score).then(a.cmp(&b)));
        order.truncate(POOL);
        let oofs: Vec<&[f32]> = order.iter().map(|&c| &self.pool[c].oof[..rows * k]).collect();
        // Phase A's boosting stays published until a boosted candidate can stand against it.
        if !self.pool.iter().any(|c| c.name.starts_with("gbdt")) {
            return 0.0;
        }
        let (counts, quality) = select(&oofs, &labels, k, SELECT_ROUNDS);
        // NAUC gains count from 1e-6; on a NAUC tie a log-loss gain of 1e-4 publishes too.
        if !quality.beats(&self.published, 1e-6, 1e-4) {
            return 0.0;
        }
        // A small NAUC gain that comes with a worse OOF log-loss is mostly selection fitting
        // the OOF noise of a small table (README: publishing rule).
        let gain = quality.nauc - self.published.nauc;
        if gain < LARGE_GAIN && quality.log_loss > self.published.log_loss * (1.0 + LOSS_SLACK) {
            self.core.log(&format!("blend with validation NAUC {:.4} kept back: its log-loss {:.4} is worse than {:.4}", quality.nauc, quality.log_loss, self.published.log_loss));
            return 0.0;
        }
        // With k-fold OOF, the gain must exceed its standard error across folds: smaller gains
        // are selection fitting the noise of a small table (README: publishing rule).
        let blend = blend_of(&oofs, &counts);
        if let Some((mean, se)) = self.published_oof.as_ref().and_then(|p| fold_gain(plan, &labels, &blend, p, k)) {
            if mean <= se {
                self.core.log(&format!("ensemble OOF NAUC {:.4} not published: per-fold gain {mean:+.4} within its standard error {se:.4}", quality.nauc));
                return 0.0;
            }
        }
        let total = counts.iter().sum::<usize>().max(1) as f64;
        let test_len = self.pool[order[0]].test.len();
        let mut test = vec![0f64; test_len];
        let (mut members, mut tensors, mut names, mut used) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (&c, &n) in order.iter().zip(&counts) {
            if n == 0 {
                continue;
            }
            let cand = &self.pool[c];
            let w = n as f64 / total;
            test.iter_mut().zip(&cand.test).for_each(|(a, b)| *a += w * f64::from(*b));
            members.extend(cand.members.iter().map(|m| Member { weight: m.weight * w, ..m.clone() }));
            tensors.extend(cand.tensors.iter().map(|(name, t)| (name.clone(), t.shallow_clone())));
            names.push(if w < 1.0 { format!("{} (weight {w:.2})", cand.name) } else { cand.name.clone() });
            used.push((cand.name.clone(), w));
        }
        let gain = if self.published.nauc.is_finite() { quality.nauc - self.published.nauc } else { 1.0 };
        self.core.say().plain(&format!("predictions now come from {}: validation NAUC {:.4} (out-of-fold)", names.join(" + "), quality.nauc));
        self.core.log(&format!("blend log-loss {:.4}", quality.log_loss));
        self.current_used = used;
        self.published = quality;
        self.published_oof = Some(blend);
        self.current = Some((test.into_iter().map(|v| v as f32).collect(), members, tensors));
        gain
    }
}

impl Learner for TabularLearner {
    fn name(&self) -> &str {
        "auto-tabular"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let expected = usize::try_from(self.core.source.train_spec.sample_count).unwrap_or(0);
        let first = matches!(self.stage, Stage::PhaseA { call: 0, .. });
        if self.train.is_none() || (self.partial && !first) {
            // Phase A's first model uses 500 rows: on a big table only those are read before
            // the first prediction, the whole split on the next call.
            let limit = (first && expected >= CV_ROWS).then_some(500);
            let t = read_features(&DatasetReader::open(&self.core.source.dir)?, Subset::Train, &self.extractor, self.core.facts.output_dim, limit, cancel)?;
            self.partial = limit.is_some();
            if t.rows == 0 {
                return Err(Error::Config("the train split has no record".into()));
            }
            // spec §7.3: multi-label if a row of the first 500 has more than one positive.
            let scan = t.rows.min(500) * t.output_dim;
            self.multilabel = is_multilabel(&t.labels[..scan], t.output_dim);
            self.train = Some(t);
        }
        let n = self.train.as_ref().map_or(0, |t| t.rows).max(expected);
        match self.stage {
            Stage::PhaseA { call, rows } => {
                let rows = self.phase_a(call, rows, cancel)?;
                // Small tables go straight to the search: it is as fast and validated.
                let next = rows < n.min(PHASE_A_MAX_ROWS) && n >= CV_ROWS;
                self.stage = if next { Stage::PhaseA { call: call + 1, rows } } else { Stage::Search { step: 0 } };
                Ok(false)
            }
            Stage::Search { step } => {
                self.test_features(cancel)?;
                let more = self.search(step, remaining, cancel)?;
                self.stage = Stage::Search { step: step + 1 };
                Ok(!more)
            }
        }
    }

    fn predict(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let rows = self.test_features(cancel)?.rows;
        let Some((p, members, tensors)) = &self.current else { return Ok(None) };
        let tensors = tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        self.core.publish("auto-tabular", members.clone(), tensors, &self.current_used)?;
        PredictionMatrix::new(rows, self.core.facts.output_dim, p.clone()).map(Some)
    }
}
