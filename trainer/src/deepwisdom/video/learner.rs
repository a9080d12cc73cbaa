//! The video learner: the ridge model first, then the MC3-18 sequence in 30-step epochs under
//! the deadline, checkpoints kept by validation, and the ensemble of the networks.

use std::time::{Duration, Instant};

use formats::dataset::Subset;
use formats::inspect::Domain;
use scoring::rng::SplitMix64;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use super::members::{mc3_name, ridge_name, score_loss};
use crate::data::DatasetSource;
use crate::deepwisdom::bookkeeping::{budget_secs, BreakRules, EpochClock, EpochOutcome, LearnerCore, TrainCall};
use crate::deepwisdom::config::{score_text, AutoConfig};
use crate::deepwisdom::data_cache::{scan, validation_split, CachedSplits, ImagePrep};
use crate::deepwisdom::ensemble::validation_nauc;
use crate::deepwisdom::fast::RidgeModel;
use crate::deepwisdom::mc3::{self, Mc3};
use crate::deepwisdom::members::{Member, MemberModel, ModelBundle};
use crate::deepwisdom::resnet::snapshot;
use crate::deepwisdom::slot::BundleSlot;
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

use super::checkpoints::{Mc3Model, Stored};
use super::clips::*;
use super::members::*;

/// Frames per clip of the MC3 model sequence (spec §3), capped by the median clip length.
pub const FRAME_COUNTS: [usize; 4] = [3, 10, 12, 12];
/// Mini-batches per epoch and batch size (spec §3: 32 halved for video).
pub const STEPS_PER_EPOCH: usize = 30;
pub const BATCH: usize = 16;
/// Longest frame side and MC3 width divisor on the CPU (README: decisions); spec sizes on CUDA.
pub const CPU_MAX_SIDE: usize = 32;
pub const CPU_WIDTH_DIVISOR: i64 = 4;
/// Weights file looked for in `--weights DIR` (torchvision `mc3_18` names, Kinetics-400).
pub const WEIGHTS_FILE: &str = "mc3_18.safetensors";
/// Consecutive frames per clip the fast model reads.
pub const FAST_FRAMES: usize = 4;
/// What the scan decided, kept between the fast model's load and the networks' load.
struct Plan {
    prep: ClipPrep,
    median_t: usize,
    multilabel: bool,
    shuffle: bool,
}

struct Data {
    prep: ClipPrep,
    multilabel: bool,
    splits: CachedSplits,
}

/// The combined prediction of the networks and what goes into its bundle.
struct NetOutput {
    /// (model name, weight) of the networks blended, for the leaderboard.
    used: Vec<(String, f64)>,
    val_nauc: f64,
    test: Vec<f32>,
    member: VideoNets,
    tensors: Vec<(String, Tensor)>,
}

pub struct VideoLearner {
    core: LearnerCore,
    plan: Option<Plan>,
    data: Option<Data>,
    fast: Option<(VideoRidge, f64, Vec<f32>)>,
    models: Vec<Mc3Model>,
    /// True once the sequence may not advance any more (spec §3 model-0 rule, last model).
    settled: bool,
    started: Option<Instant>,
    clock: EpochClock,
}

impl VideoLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let core = LearnerCore::new(source, config, slot, Domain::Video, "video learner")?;
        let rng = SplitMix64(core.config.seed ^ 0x71DE0);
        Ok(VideoLearner {
            core,
            plan: None,
            data: None,
            fast: None,
            models: Vec::new(),
            settled: false,
            started: None,
            clock: EpochClock::new(rng),
        })
    }





    /// Seconds left of the whole run.
    fn left(&self) -> f64 {
        budget_secs(self.clock.budget) - self.started.map_or(0.0, |s| s.elapsed().as_secs_f64())
    }

    /// Scan of the first clips: frame size, value range, median length, label kind (§2.1.1, §3).
    fn plan(&mut self, cancel: &CancelToken) -> Result<Plan> {
        let k = self.core.facts.output_dim;
        let s = scan(&self.core.source.dir, &self.core.source.train_spec, k, cancel)?;
        let median_t = median_length(&self.core.source.dir)?;
        let max_side = if self.core.on_cpu() { CPU_MAX_SIDE } else { 64 };
        let (frame, _extreme) = ImagePrep::from_scan(&s, max_side);
        let prep = ClipPrep { frame, frames: median_t.min(FRAME_COUNTS[FRAME_COUNTS.len() - 1]), sampling: Sampling::Spread };
        let shuffle = s.missing_class_share >= 0.5;
        Ok(Plan { prep, median_t, multilabel: s.multilabel, shuffle })
    }

    /// Decodes train and test clips with `prep` and splits off the validation clips.
    fn load(&self, plan: &Plan, prep: &ClipPrep, cancel: &CancelToken) -> Result<Data> {
        let t0 = Instant::now();
        let k = self.core.facts.output_dim;
        let dir = &self.core.source.dir;
        let spec = &self.core.source.train_spec;
        let train = load_clips(dir, Subset::Train, spec, prep, k, self.core.config.memory_cap, cancel)?;
        if train.rows == 0 {
            return Err(Error::Config("the train split has no record".into()));
        }
        if train.skipped > 0 {
            self.core.say().warn(&format!(
                "{} training clips beyond the memory cap of {} MiB are not used",
                train.skipped,
                self.core.config.memory_cap >> 20
            ));
        }
        let test = load_clips(dir, Subset::Test, &self.core.source.test_spec, prep, k, usize::MAX, cancel)?;
        let (tr, va) = validation_split(train.rows, plan.shuffle || train.rows < 10_000, self.core.config.seed);
        let splits = CachedSplits::new(&train, &tr, &va, &test, &prep.dims(), k, self.core.config.device);
        let f = &prep.frame;
        self.core.log(&format!(
            "{} train / {} validation / {} test clips (median length {}) cached as {}×{}×{}×{} (C×L×H×W, {:?} frames), {}, {:.2} s",
            tr.len(),
            va.len(),
            test.rows,
            plan.median_t,
            f.channels,
            prep.frames,
            f.height,
            f.width,
            prep.sampling,
            if plan.multilabel { "multi-label" } else { "single-label" },
            t0.elapsed().as_secs_f64()
        ));
        Ok(Data { prep: prep.clone(), multilabel: plan.multilabel, splits })
    }

    /// The fast model: closed-form ridge (penalty by leave-one-out NAUC) on pooled and motion
    /// features of the cached clips, scored on the validation split.
    fn fit_ridge(&self, d: &Data) -> Result<(VideoRidge, f64, Vec<f32>)> {
        let t0 = Instant::now();
        let k = self.core.facts.output_dim;
        let feats = clip_features(&d.splits.train_x.to_device(Device::Cpu));
        let (n, dim) = (feats.size()[0] as usize, feats.size()[1] as usize);
        let x = Vec::<f32>::try_from(feats.contiguous().view(-1))?;
        let y = Vec::<f32>::try_from(d.splits.train_y.to_device(Device::Cpu).contiguous().view(-1))?;
        // Closed-form ridge: the 300-step logistic fit took ~1.8 s of the first prediction on a
        // loaded 2-core machine (motion, 540 clips), ridge a fraction of that.
        let ridge = RidgeModel::fit(&x, &y, n, dim, k)?;
        let model = VideoRidge { prep: d.prep.clone(), ridge };
        let val = if d.splits.val_y.is_empty() { 0.0 } else { validation_nauc(&d.splits.val_y, &model.predict(&d.splits.val_x)?, k) };
        let test = model.predict(&d.splits.test_x)?;
        let name = ridge_name(d.prep.sampling);
        let measured = (!d.splits.val_y.is_empty()).then_some(val);
        self.core.slot.board().tried(&name, measured, t0.elapsed().as_secs_f64());
        self.core.say().plain(&format!("{name}: validation NAUC {}", measured.map_or("not measured".into(), score_text)));
        self.core.log(&format!("{dim} features, {:.2} s", t0.elapsed().as_secs_f64()));
        Ok((model, val, test))
    }

    fn fit_fast(&mut self, d: &Data) -> Result<()> {
        self.fast = Some(self.fit_ridge(d)?);
        Ok(())
    }

    fn build_model(&mut self, index: usize) -> Result<()> {
        let d = self.data.as_ref().expect("loaded");
        let frames = d.prep.frames.min(FRAME_COUNTS[index]).max(1);
        tch::manual_seed(self.core.config.seed as i64 + 17 * index as i64);
        let mut vs = nn::VarStore::new(self.core.config.device);
        let pretrained = self.core.config.weights_dir.as_ref().map(|dir| dir.join(WEIGHTS_FILE));
        let has_weights = pretrained.as_ref().is_some_and(|f| f.is_file());
        // Kinetics weights need the full width; without them the CPU gets a narrower MC3.
        let divisor = if has_weights || !self.core.on_cpu() { 1 } else { CPU_WIDTH_DIVISOR };
        let net = Mc3::new(&vs.root(), d.prep.frame.channels as i64, self.core.facts.output_dim as i64, divisor);
        match pretrained {
            Some(file) if has_weights => {
                let n = mc3::load_mc3_pretrained(&mut vs, &file)?;
                // Spec §3: stem and layer1 stay frozen (left out of the optimiser).
                for (name, t) in vs.variables() {
                    if mc3::is_frozen_part(&name) {
                        let _ = t.set_requires_grad(false);
                    }
                }
                self.core.log(&format!("MC3-18 #{index}: {n} Kinetics tensors from {}, stem and layer1 frozen", file.display()));
            }
            Some(file) if index == 0 => self.core.say().plain(&format!("{} not found; MC3-18 is trained from scratch", file.display())),
            None if index == 0 => self.core.say().plain("no --weights folder; MC3-18 is trained from scratch"),
            _ => {}
        }
        let opt = nn::Sgd { momentum: 0.9, dampening: 0.0, wd: 2.5e-4, nesterov: true }.build(&vs, BASE_LR / 2.0)?;
        self.core.say().plain(&format!("training {}", mc3_name(index, frames)));
        self.core.log(&format!("{}: width 1/{divisor}", mc3_name(index, frames)));
        self.models.push(Mc3Model {
            index,
            frames,
            width_divisor: divisor,
            vs,
            net,
            opt,
            epochs: 0,
            plateau: Default::default(),
            best_valid: f64::NEG_INFINITY,
            best_loss: f64::INFINITY,
            history: Vec::new(),
            train_naucs: Vec::new(),
            best: None,
            stored: Vec::new(),
        });
        self.clock.cursor = 0;
        Ok(())
    }

    fn next_batch(&mut self, frames: usize) -> (Tensor, Tensor) {
        let d = self.data.as_ref().expect("loaded");
        let n = self.clock.order.len();
        if self.clock.cursor == 0 {
            // A fresh seeded order per pass over the training clips.
            self.clock.order = self.clock.rng.permutation(n);
        }
        let b = BATCH.min(n);
        let idx = self.clock.next_indices(b);
        let index = Tensor::from_slice(&idx).to_device(d.splits.train_x.device());
        // No flip augmentation: mirroring a clip turns left-moving into right-moving.
        (resample_time(&d.splits.train_x.index_select(0, &index), frames), d.splits.train_y.index_select(0, &index))
    }

    /// CE on the arg-max, or BCE weighted by the global positive ratio clamped to [0.1, 0.9]
    /// for multi-label data (spec §3).
    fn loss(logits: &Tensor, y: &Tensor, multilabel: bool) -> Tensor {
        if !multilabel {
            return logits.cross_entropy_for_logits(&y.argmax(1, false));
        }
        let p = f64::try_from(y.mean(Kind::Float)).unwrap_or(0.5).clamp(0.1, 0.9);
        let weight = y * (1.0 / p) + (1.0 - y) * (1.0 / (1.0 - p));
        let raw = logits.binary_cross_entropy_with_logits::<Tensor>(y, None, None, tch::Reduction::None);
        let weighted: Tensor = raw * weight;
        weighted.mean(Kind::Float) / 2.0
    }

    /// One epoch of the current model: 30 steps, or (first epoch of a model) until the mean
    /// batch NAUC of the last 10 steps exceeds 0.2 after at least 11 steps (spec §3), capped
    /// at three epochs' worth.
    fn run_epoch(&mut self, cancel: &CancelToken) -> Result<()> {
        let multilabel = self.data.as_ref().expect("loaded").multilabel;
        let k = self.core.facts.output_dim;
        let m = self.models.last().expect("built");
        let (frames, open_ended) = (m.frames, m.epochs == 0);
        let mut losses = Vec::new();
        let mut naucs: Vec<f64> = Vec::new();
        let mut step = 0usize;
        loop {
            cancel.check()?;
            let (x, y) = self.next_batch(frames);
            let m = self.models.last_mut().expect("built");
            // Warm-up from base/2 to base over 3 epochs, then plateau halving (spec §3).
            let lr = BASE_LR / 2.0 * (1.0 + (m.epochs as f64 + step as f64 / STEPS_PER_EPOCH as f64).min(3.0) / 3.0) * m.plateau.factor;
            m.opt.set_lr(lr);
            let logits = m.net.forward_t(&x, true);
            let loss = Self::loss(&logits, &y, multilabel);
            m.opt.backward_step(&loss);
            losses.push(f64::try_from(&loss)?);
            let yv = Vec::<f32>::try_from(y.to_device(Device::Cpu).contiguous().view(-1))?;
            let pv = Vec::<f32>::try_from(logits.detach().to_device(Device::Cpu).contiguous().view(-1))?;
            naucs.push(validation_nauc(&yv, &pv, k));
            step += 1;
            let recent = &naucs[naucs.len().saturating_sub(10)..];
            let recent_mean = recent.iter().sum::<f64>() / recent.len() as f64;
            let done = if open_ended { (step >= 11 && recent_mean > 0.2) || step >= 3 * STEPS_PER_EPOCH } else { step >= STEPS_PER_EPOCH };
            if done {
                break;
            }
        }
        let mean_loss = losses.iter().sum::<f64>() / losses.len() as f64;
        let m = self.models.last_mut().expect("built");
        m.plateau.observe(mean_loss);
        m.train_naucs.push(naucs.iter().sum::<f64>() / naucs.len() as f64);
        m.epochs += 1;
        Ok(())
    }

    /// Validation of the current weights: updates the best checkpoint and applies the §3
    /// storage rule. Returns whether the validation NAUC improved.
    fn validate(&mut self) -> Result<bool> {
        let d = self.data.as_ref().expect("loaded");
        let k = self.core.facts.output_dim;
        let device = self.core.config.device;
        let m = self.models.last().expect("built");
        let val = predict_clips(&m.net, &d.splits.val_x, m.frames, d.multilabel, device)?;
        let (nauc, loss) = if d.splits.val_y.is_empty() {
            // No validation data: the newest checkpoint counts as best.
            (m.epochs as f64 * 1e-4, 0.0)
        } else {
            (validation_nauc(&d.splits.val_y, &val, k), score_loss(&d.splits.val_y, &val, k, d.multilabel))
        };
        let better = nauc > m.best_valid;
        // Spec §3: store when (model 0 and best valid ≥ 0.9) or (valid ≥ 0.99·best and loss ≤ best loss).
        let best_valid = m.best_valid.max(nauc);
        let store = (m.index == 0 && best_valid >= 0.9) || (nauc >= 0.99 * m.best_valid && loss <= m.best_loss);
        let checkpoint = if better || store {
            let test = predict_clips(&m.net, &d.splits.test_x, m.frames, d.multilabel, device)?;
            Some(Stored { loss, nauc, val, test, tensors: snapshot(&m.vs, "") })
        } else {
            None
        };
        let epochs = m.epochs;
        let name = mc3_name(m.index, m.frames);
        self.core.slot.board().tried(&name, (!d.splits.val_y.is_empty()).then_some(nauc), 0.0);
        let m = self.models.last_mut().expect("built");
        m.history.push((loss, nauc));
        m.best_loss = m.best_loss.min(loss);
        m.best_valid = best_valid;
        if let Some(c) = checkpoint {
            if store {
                let copy = Stored { loss: c.loss, nauc: c.nauc, val: c.val.clone(), test: c.test.clone(), tensors: c.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect() };
                m.stored.push(copy);
                m.prune();
            }
            if better {
                m.best = Some(c);
            }
        }
        let line = format!("{name}, epoch {epochs}: validation NAUC {nauc:.4}{}", if better { " (best so far)" } else { "" });
        if better {
            self.core.say().plain(&line);
        }
        self.core.log(&format!("{line}, loss {loss:.4}{}", if store { ", checkpoint kept for the ensemble" } else { "" }));
        Ok(better)
    }

    /// The spec §3 switch rules after a `train` call; returns whether the sequence advanced.
    fn maybe_switch(&mut self) -> Result<bool> {
        if self.settled {
            return Ok(false);
        }
        let left = self.left();
        let (s900, s1000) = (self.clock.seconds(900.0), self.clock.seconds(1000.0));
        let m = self.models.last().expect("built");
        let spread_rule = m.epochs >= 20 && {
            let recent: Vec<f64> = m.history.iter().rev().take(10).map(|h| h.1).collect();
            let (lo, hi) = recent.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
            hi - lo < 1e-3
        };
        let switch = if m.index == 0 {
            if left <= s900 && !spread_rule {
                let train_perfect = m.train_naucs.len() >= 3 && m.train_naucs.iter().rev().take(3).all(|v| *v >= 1.0);
                if !(m.best_valid >= 0.9 && left >= s1000 && train_perfect) {
                    self.settled = true;
                    self.core.say().plain("keeping the first MC3-18 model to the end: too little time left to train another");
                    return Ok(false);
                }
            }
            let train_perfect = m.train_naucs.len() >= 3 && m.train_naucs.iter().rev().take(3).all(|v| *v >= 1.0);
            (m.best_valid >= 0.9 && left >= s1000 && train_perfect) || spread_rule
        } else {
            // "No improvement of the best validation loss in the last 10 checkpoints".
            let stalled = m.history.len() > 10 && {
                let before = m.history[..m.history.len() - 10].iter().map(|h| h.0).fold(f64::INFINITY, f64::min);
                m.history.iter().rev().take(10).all(|h| h.0 >= before)
            };
            (stalled && m.best_valid >= 0.9) || spread_rule
        };
        if !switch {
            return Ok(false);
        }
        if m.index + 1 >= FRAME_COUNTS.len() {
            self.settled = true;
            return Ok(false);
        }
        let next = m.index + 1;
        // The finished model keeps only what the ensemble needs (its weights stay for the bundle).
        self.build_model(next)?;
        Ok(true)
    }

    /// The networks' combined prediction (spec §3): while on model 0, its checkpoints;
    /// afterwards the mean over models of min–max normalised per-model averages.
    fn net_output(&self) -> Option<NetOutput> {
        let d = self.data.as_ref()?;
        let k = self.core.facts.output_dim;
        let mut groups = Vec::new();
        let mut vals = Vec::new();
        let mut tests = Vec::new();
        let mut tensors = Vec::new();
        let mut names = Vec::new();
        let several = self.models.iter().filter(|m| !m.selected().is_empty()).count() > 1;
        for m in &self.models {
            let chosen = m.selected();
            if chosen.is_empty() {
                continue;
            }
            let mut prefixes = Vec::new();
            for (j, c) in chosen.iter().enumerate() {
                let prefix = format!("mc3_{}_{}.", m.index, j);
                tensors.extend(c.tensors.iter().map(|(n, t)| (format!("{prefix}{n}"), t.shallow_clone())));
                prefixes.push(prefix);
            }
            let val = mean_of(&chosen.iter().map(|c| c.val.as_slice()).collect::<Vec<_>>());
            let test = mean_of(&chosen.iter().map(|c| c.test.as_slice()).collect::<Vec<_>>());
            let (val, test, normalise) = if several {
                let range = min_max(&test);
                (apply_min_max(&val, min_max(&val)), apply_min_max(&test, range), Some(range))
            } else {
                (val, test, None)
            };
            vals.push(val);
            tests.push(test);
            groups.push(Mc3Group { frames: m.frames, width_divisor: m.width_divisor, prefixes, normalise });
            names.push(mc3_name(m.index, m.frames));
        }
        if groups.is_empty() {
            return None;
        }
        let val = mean_of(&vals.iter().map(|v| v.as_slice()).collect::<Vec<_>>());
        let test = mean_of(&tests.iter().map(|v| v.as_slice()).collect::<Vec<_>>());
        let val_nauc = if d.splits.val_y.is_empty() { 0.0 } else { validation_nauc(&d.splits.val_y, &val, k) };
        let member = VideoNets { prep: d.prep.clone(), classes: k, multilabel: d.multilabel, groups };
        let used = names.iter().map(|n| (n.clone(), 1.0 / names.len() as f64)).collect();
        Some(NetOutput { used, val_nauc, test, member, tensors })
    }

    /// The MC3 ensemble's current test scores and bundle, whether or not they beat the fast
    /// model (`None` before the first validated epoch): for inspection and tests.
    pub fn network_prediction(&self) -> Option<(PredictionMatrix, ModelBundle)> {
        let o = self.net_output()?;
        let rows = self.data.as_ref()?.splits.test_x.size()[0] as usize;
        let members = vec![Member::single(MemberModel::VideoNets(o.member))];
        let bundle = self.core.facts.bundle("auto-video", members, o.tensors);
        PredictionMatrix::new(rows, self.core.facts.output_dim, o.test).ok().map(|p| (p, bundle))
    }

    fn best_valid(&self) -> f64 {
        self.models.iter().map(|m| m.best_valid).fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Base learning rate: 0.15 · max(0.5, 16/32) (spec §3).
const BASE_LR: f64 = 0.075;
/// The image rules (spec §3: "as image") without rules 4 and 6, and rule 5 as a hard stop
/// just before the deadline (no spec seconds kept free).
const VIDEO_RULES: BreakRules = BreakRules { reserve: 0.0, rule6_share: None };

impl Learner for VideoLearner {
    fn name(&self) -> &str {
        "auto-video"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let mut call = TrainCall::begin(remaining);
        if self.plan.is_none() {
            self.clock.budget = Some(remaining);
            self.started = Some(call.started);
            let plan = self.plan(cancel)?;
            // The fast model reads a few consecutive middle frames only (SCORING.md §3: the
            // first prediction weighs most); the networks' cache is decoded in the next call.
            let fast_prep = ClipPrep { frames: plan.prep.frames.min(FAST_FRAMES), sampling: Sampling::Middle, ..plan.prep.clone() };
            let data = self.load(&plan, &fast_prep, cancel)?;
            self.plan = Some(plan);
            self.fit_fast(&data)?;
            return Ok(false);
        }
        if self.data.is_none() {
            let plan = self.plan.as_ref().expect("planned above");
            let data = self.load(plan, &plan.prep, cancel)?;
            // The ridge refitted on frames spread over whole clips replaces the middle-frames
            // one unless it scores lower on validation (a middle window can miss the action).
            let (model, val, test) = self.fit_ridge(&data)?;
            if self.fast.as_ref().is_none_or(|(_, old, _)| val >= *old) {
                self.fast = Some((model, val, test));
            }
            self.clock.order = (0..data.splits.train_y.size()[0] as usize).collect();
            self.data = Some(data);
        }
        if self.clock.order.is_empty() {
            // Nothing to train a network on (the only labelled clip went to validation).
            return Ok(true);
        }
        if self.models.is_empty() {
            self.build_model(0)?;
        }
        loop {
            let t0 = Instant::now();
            self.run_epoch(cancel)?;
            let improved = self.validate()?;
            let m = self.models.last().expect("built");
            self.core.slot.board().tried(&mc3_name(m.index, m.frames), None, t0.elapsed().as_secs_f64());
            let epoch = EpochOutcome { counter: m.epochs, improved, best: self.best_valid(), lr_low: false };
            if let Some(stop) = self.clock.end_epoch(&mut call, t0, epoch, VIDEO_RULES) {
                self.maybe_switch()?;
                return Ok(stop.near_end || (stop.solved && self.settled));
            }
        }
    }

    fn predict(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let t0 = Instant::now();
        let Some((fast, fast_val, fast_test)) = &self.fast else { return Ok(None) };
        let k = self.core.facts.output_dim;
        let rows = fast_test.len() / k.max(1);
        // The networks take over once they beat the fast model on validation (README).
        let nets = self.net_output().filter(|o| o.val_nauc > *fast_val);
        let (scores, member, tensors, used) = match nets {
            Some(o) => {
                let names = o.used.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" + ");
                self.core.log(&format!("prediction from {names} (validation NAUC {:.4}, the fast model's {fast_val:.4})", o.val_nauc));
                (o.test, MemberModel::VideoNets(o.member), o.tensors, o.used)
            }
            None => (fast_test.clone(), MemberModel::VideoRidge(fast.clone()), Vec::new(), vec![(ridge_name(fast.prep.sampling), 1.0)]),
        };
        let now = used.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(" + ");
        self.core.note_published(&now, String::new);
        self.core.publish("auto-video", vec![Member::single(member)], tensors, &used)?;
        self.clock.last_test_secs = t0.elapsed().as_secs_f64();
        PredictionMatrix::new(rows, k, scores).map(Some)
    }
}
