//! Image pipeline (spec §2): a cheap logistic model for the first prediction, then
//! ResNet-18 for two 30-batch epochs and ResNet-9 afterwards, SGD with warm-up and plateau
//! halving, temperature, class-balanced BCE for multi-label data, best-checkpoint selection
//! on the validation split, flip TTA from the fifth prediction, and the break/stop rules of
//! §2.3. The network's prediction replaces the fast model's only when its validation NAUC
//! is higher.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use formats::dataset::Subset;
use formats::inspect::Domain;
use scoring::rng::SplitMix64;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use super::bookkeeping::{BreakRules, EpochClock, EpochOutcome, LearnerCore, Plateau, TrainCall};
use super::config::{score_text, AutoConfig};
use super::data_cache::{load_images, pooled_features, scan, validation_split, CachedSplits, ImagePrep};
use super::ensemble::validation_nauc;
use super::fast::RidgeModel;
use super::image_members::{load_net, predict_images, predict_ridge, ImageRidge, NetSpec};
use super::members::{Member, MemberModel};
use super::resnet::{self, snapshot, Arch};
use super::slot::BundleSlot;
use crate::data::DatasetSource;
use crate::error::Result;
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// Mini-batches per "epoch" (spec §2.2, §10.5).
pub const STEPS_PER_EPOCH: usize = 30;
/// Width divisors on the CPU (README: decisions): ResNet-18 without pretrained weights, and
/// ResNet-9 (which keeps full resolution longer, hence costs more per channel); 1 on CUDA.
pub const CPU_RESNET18_DIVISOR: i64 = 4;
pub const CPU_RESNET9_DIVISOR: i64 = 8;
/// Longest image side on the CPU (the spec's 64 on CUDA).
pub const CPU_MAX_SIDE: usize = 32;
/// The break rules of spec §2.3 as written: 180 spec seconds kept free, rule 6 at a fifth.
const IMAGE_RULES: BreakRules = BreakRules { reserve: 180.0, rule6_share: Some(0.2) };

struct Network {
    arch: Arch,
    width_divisor: i64,
    vs: nn::VarStore,
    net: Box<dyn ModuleT + Send>,
    opt: nn::Optimizer,
    /// Epochs (fractional) since this network was built: drives the warm-up.
    epoch: f64,
    plateau: Plateau,
    guard_factor: f64,
    prev_weights: Option<Vec<(String, Tensor)>>,
    prev_train_nauc: Option<f64>,
}

struct Checkpoint {
    score: f64,
    spec: NetSpec,
    tensors: Vec<(String, Tensor)>,
    /// Test scores with and without TTA, computed on demand.
    test: HashMap<bool, Vec<f32>>,
}

struct Data {
    prep: ImagePrep,
    extreme_aspect: bool,
    multilabel: bool,
    splits: CachedSplits,
}

pub struct ImageLearner {
    core: LearnerCore,
    data: Option<Data>,
    fast: Option<(ImageRidge, f64, Vec<f32>)>,
    network: Option<Network>,
    /// Epochs run by the whole learner (the spec's epoch counter).
    epochs: usize,
    /// The 60 ResNet-18 batches replayed by ResNet-9's first epoch (spec §2.2).
    replay: Vec<(Tensor, Tensor)>,
    best: Option<Checkpoint>,
    test_calls: usize,
    clock: EpochClock,
}

/// The fast model's name for users.
const FAST_MODEL: &str = "logistic regression on pooled pixels";

impl ImageLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let core = LearnerCore::new(source, config, slot, Domain::Image, "image learner")?;
        let rng = SplitMix64(core.config.seed ^ 0x1A6E);
        Ok(ImageLearner {
            core,
            data: None,
            fast: None,
            network: None,
            epochs: 0,
            replay: Vec::new(),
            best: None,
            test_calls: 0,
            clock: EpochClock::new(rng),
        })
    }





    fn load(&mut self, cancel: &CancelToken) -> Result<()> {
        let k = self.core.facts.output_dim;
        let spec = self.core.source.train_spec.clone();
        let dir = self.core.source.dir.clone();
        let s = scan(&dir, &spec, k, cancel)?;
        let max_side = if self.core.on_cpu() { CPU_MAX_SIDE } else { 64 };
        let (prep, extreme_aspect) = ImagePrep::from_scan(&s, max_side);
        let train = load_images(&dir, Subset::Train, &spec, &prep, k, self.core.config.memory_cap, cancel)?;
        if train.skipped > 0 {
            self.core.say().warn(&format!(
                "{} training images beyond the memory cap of {} MiB are not used",
                train.skipped,
                self.core.config.memory_cap >> 20
            ));
        }
        let test_spec = self.core.source.test_spec.clone();
        let test = load_images(&dir, Subset::Test, &test_spec, &prep, k, usize::MAX, cancel)?;
        let shuffle = s.missing_class_share >= 0.5 || train.rows < 10_000;
        let (tr, va) = validation_split(train.rows, shuffle, self.core.config.seed);
        let splits = CachedSplits::new(&train, &tr, &va, &test, &prep.dims(), k, self.core.config.device);
        self.core.log(&format!(
            "{} train / {} validation / {} test images at {}×{}×{} (median {}×{}), {}",
            tr.len(),
            va.len(),
            test.rows,
            prep.channels,
            prep.height,
            prep.width,
            s.median_height,
            s.median_width,
            if s.multilabel { "multi-label" } else { "single-label" }
        ));
        self.clock.order = (0..tr.len()).collect();
        self.data = Some(Data { prep, extreme_aspect, multilabel: s.multilabel, splits });
        Ok(())
    }

    /// The fast model: logistic regression on pooled grids of the preprocessed images (what
    /// Baseline1 fits, here full-batch from zero weights), scored on the validation split.
    fn fit_logistic(&mut self) -> Result<()> {
        let started = Instant::now();
        let d = self.data.as_ref().expect("loaded");
        let k = self.core.facts.output_dim;
        let feats = pooled_features(&d.splits.train_x.to_device(Device::Cpu));
        let (n, dim) = (feats.size()[0] as usize, feats.size()[1] as usize);
        let x = Vec::<f32>::try_from(feats.contiguous().view(-1))?;
        let y = Vec::<f32>::try_from(d.splits.train_y.to_device(Device::Cpu).contiguous().view(-1))?;
        let lr = RidgeModel::fit_logistic(&x, &y, n, dim, k, d.multilabel, 300)?;
        let model = ImageRidge { prep: d.prep.clone(), ridge: lr };
        let val = if d.splits.val_y.is_empty() { 0.0 } else { validation_nauc(&d.splits.val_y, &predict_ridge(&model, &d.splits.val_x)?, k) };
        let test = predict_ridge(&model, &d.splits.test_x)?;
        let measured = (!d.splits.val_y.is_empty()).then_some(val);
        self.core.slot.board().tried(FAST_MODEL, measured, started.elapsed().as_secs_f64());
        self.core.say().plain(&format!("{FAST_MODEL}: validation NAUC {}", measured.map_or("not measured (no validation images)".into(), score_text)));
        self.fast = Some((model, val, test));
        Ok(())
    }

    fn batch_size(&self) -> usize {
        if self.core.facts.output_dim > 16 {
            64
        } else {
            32
        }
    }

    fn base_lr(&self) -> f64 {
        0.05 * (self.batch_size() as f64 / 32.0).max(0.5)
    }

    fn build_network(&mut self, arch: Arch) -> Result<()> {
        let d = self.data.as_ref().expect("loaded");
        tch::manual_seed(self.core.config.seed as i64 + arch as i64);
        let mut vs = nn::VarStore::new(self.core.config.device);
        let pretrained = self.core.config.weights_dir.as_ref().map(|dir| dir.join("resnet18.safetensors"));
        let has_weights = pretrained.as_ref().is_some_and(|f| f.is_file());
        // Full width with ImageNet weights (they need it) or on CUDA; ¼ width on the CPU.
        let divisor = match arch {
            _ if !self.core.on_cpu() => 1,
            Arch::Resnet18 if has_weights => 1,
            Arch::Resnet18 => CPU_RESNET18_DIVISOR,
            Arch::Resnet9 => CPU_RESNET9_DIVISOR,
        };
        let net = resnet::build(arch, &vs.root(), d.prep.channels as i64, self.core.facts.output_dim as i64, divisor);
        if arch == Arch::Resnet18 {
            match pretrained {
                Some(file) if has_weights => {
                    let n = resnet::load_resnet18_pretrained(&mut vs, &file)?;
                    self.core.log(&format!("ResNet-18: {n} pretrained tensors from {}", file.display()));
                }
                Some(file) => self.core.say().plain(&format!("{} not found; ResNet-18 is trained from scratch", file.display())),
                None => self.core.say().plain("no --weights folder; ResNet-18 is trained from scratch"),
            }
        }
        let opt = nn::Sgd { momentum: 0.9, dampening: 0.0, wd: 2.5e-4, nesterov: true }.build(&vs, self.base_lr() / 2.0)?;
        self.network = Some(Network {
            arch,
            width_divisor: divisor,
            vs,
            net,
            opt,
            epoch: 0.0,
            plateau: Plateau::default(),
            guard_factor: 1.0,
            prev_weights: None,
            prev_train_nauc: None,
        });
        Ok(())
    }

    fn next_batch(&mut self) -> (Tensor, Tensor) {
        let d = self.data.as_ref().expect("loaded");
        let n = self.clock.order.len();
        let b = self.batch_size().min(n.max(1));
        // The loader streams the (once-shuffled) train set in order, no reshuffle (§2.1.4).
        let idx = self.clock.next_indices(b);
        let index = Tensor::from_slice(&idx).to_device(d.splits.train_x.device());
        let x = d.splits.train_x.index_select(0, &index);
        let y = d.splits.train_y.index_select(0, &index);
        // Random horizontal flip per example (seeded).
        let flips: Vec<bool> = (0..b).map(|_| self.clock.rng.next() & 1 == 1).collect();
        let mask = Tensor::from_slice(&flips).to_device(x.device()).view([b as i64, 1, 1, 1]);
        let x = x.flip([3]).where_self(&mask, &x);
        (x, y)
    }

    fn loss(&self, logits: &Tensor, y: &Tensor, multilabel: bool) -> Tensor {
        if !multilabel {
            return logits.cross_entropy_for_logits(&y.argmax(1, false));
        }
        // Class-balanced BCE: each element divided by its label value's batch frequency (§2.2).
        let p = y.mean_dim(0, true, Kind::Float).clamp(0.03, 0.97);
        let freq = y * &p + (1.0 - y) * (1.0 - &p);
        let raw = logits.binary_cross_entropy_with_logits::<Tensor>(y, None, None, tch::Reduction::None);
        let balanced: Tensor = raw / freq;
        balanced.mean(Kind::Float)
    }

    /// One epoch: 30 steps (or the replay of the cached ResNet-18 batches, twice).
    fn run_epoch(&mut self, cancel: &CancelToken) -> Result<()> {
        let multilabel = self.data.as_ref().expect("loaded").multilabel;
        let k = self.core.facts.output_dim;
        let base = self.base_lr();
        let replaying = self.network.as_ref().is_some_and(|n| n.arch == Arch::Resnet9 && n.epoch == 0.0) && !self.replay.is_empty();
        let steps = if replaying { 2 * self.replay.len() } else { STEPS_PER_EPOCH };
        let (mut loss_sum, mut nauc_sum, mut nauc_n) = (0.0, 0.0, 0usize);
        let (epoch_start, mut images_seen) = (Instant::now(), 0usize);
        let mut batch_shape = Vec::new();
        for step in 0..steps {
            cancel.check()?;
            let (x, y) = if replaying {
                let (x, y) = &self.replay[step % self.replay.len()];
                (x.shallow_clone(), y.shallow_clone())
            } else {
                self.next_batch()
            };
            let keep = self.network.as_ref().is_some_and(|n| n.arch == Arch::Resnet18) && self.replay.len() < 2 * STEPS_PER_EPOCH;
            if keep {
                self.replay.push((x.shallow_clone(), y.shallow_clone()));
            }
            let net = self.network.as_mut().expect("built");
            // lr(e) = base/2 · (1 + min(e, 5)/5) × plateau × divergence-guard factors (§2.2).
            let lr = base / 2.0 * (1.0 + net.epoch.min(5.0) / 5.0) * net.plateau.factor * net.guard_factor;
            net.opt.set_lr(lr);
            images_seen += x.size()[0] as usize;
            batch_shape = x.size();
            let logits = net.net.forward_t(&x, true);
            let loss = self.loss(&logits, &y, multilabel);
            let net = self.network.as_mut().expect("built");
            net.opt.backward_step(&loss);
            net.epoch += 1.0 / STEPS_PER_EPOCH as f64;
            loss_sum += f64::try_from(&loss)?;
            let yv = Vec::<f32>::try_from(y.to_device(Device::Cpu).contiguous().view(-1))?;
            let pv = Vec::<f32>::try_from(logits.detach().to_device(Device::Cpu).contiguous().view(-1))?;
            nauc_sum += validation_nauc(&yv, &pv, k);
            nauc_n += 1;
        }
        let mean_loss = loss_sum / steps as f64;
        let train_nauc = nauc_sum / nauc_n.max(1) as f64;
        // Training throughput (forward, backward and step, as run here): scripts/gpu-check.sh
        // compares it with the same step in PyTorch eager.
        let seconds = epoch_start.elapsed().as_secs_f64();
        let arch = self.network.as_ref().expect("built").arch;
        let shape = batch_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x");
        self.core.log(&format!(
            "training {}: {steps} steps of batch {shape} in {seconds:.2} s ({:.0} images/s)",
            arch.label(),
            images_seen as f64 / seconds.max(1e-9)
        ));
        let net = self.network.as_mut().expect("built");
        net.plateau.observe(mean_loss);
        // Divergence guard: train NAUC fell by > 0.1 and is < 0.95 → previous weights, LR × 0.25.
        if let (Some(prev), Some(weights)) = (net.prev_train_nauc, net.prev_weights.as_ref()) {
            if prev - train_nauc > 0.1 && train_nauc < 0.95 {
                let map: HashMap<String, Tensor> = weights.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
                resnet::load_prefixed(&mut net.vs, &map, "")?;
                net.guard_factor *= 0.25;
            }
        }
        net.prev_train_nauc = Some(train_nauc);
        net.prev_weights = Some(snapshot(&net.vs, ""));
        self.epochs += 1;
        Ok(())
    }

    /// Validation NAUC of the current weights; keeps the best checkpoint. `since`: when this
    /// epoch's training began (its time goes on the leaderboard).
    fn validate(&mut self, since: Instant) -> Result<bool> {
        let d = self.data.as_ref().expect("loaded");
        let k = self.core.facts.output_dim;
        let net = self.network.as_ref().expect("built");
        let score = if d.splits.val_y.is_empty() {
            // No validation data: the newest checkpoint counts as best (as a skipped pass does).
            self.epochs as f64 * 1e-4
        } else {
            validation_nauc(&d.splits.val_y, &predict_images(net.net.as_ref(), &d.splits.val_x, d.multilabel, false, self.core.config.device)?, k)
        };
        let better = self.best.as_ref().map_or(true, |b| score > b.score);
        let measured = (!d.splits.val_y.is_empty()).then_some(score);
        self.core.slot.board().tried(net.arch.label(), measured, since.elapsed().as_secs_f64());
        if better {
            let spec = NetSpec {
                arch: net.arch,
                width_divisor: net.width_divisor,
                classes: k,
                multilabel: d.multilabel,
                tta: false,
                prep: d.prep.clone(),
                prefix: "net.".into(),
            };
            self.best = Some(Checkpoint { score, spec, tensors: snapshot(&net.vs, "net."), test: HashMap::new() });
        }
        let arch = net.arch.label();
        if better && measured.is_some() {
            self.core.say().plain(&format!("{arch}, epoch {}: validation NAUC {score:.4} (best so far)", self.epochs));
        } else {
            self.core.log(&format!("{arch}, epoch {}: validation NAUC {}", self.epochs, measured.map_or("not measured".into(), score_text)));
        }
        Ok(better)
    }

    fn best_score(&self) -> f64 {
        self.best.as_ref().map_or(f64::NEG_INFINITY, |b| b.score)
    }
}

impl Learner for ImageLearner {
    fn name(&self) -> &str {
        "auto-image"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let mut call = TrainCall::begin(remaining);
        if self.data.is_none() {
            self.clock.budget = Some(remaining);
            self.load(cancel)?;
            // The logistic model beat the ridge one on the shared sets and is ready as fast.
            self.fit_logistic()?;
            return Ok(false);
        }
        if self.clock.order.is_empty() {
            // Nothing to train a network on (one labelled example went to validation).
            return Ok(true);
        }
        if self.network.is_none() {
            let extreme = self.data.as_ref().expect("loaded").extreme_aspect;
            self.build_network(Arch::Resnet18)?;
            if extreme {
                self.core.log("very wide or tall images: ResNet-18 is kept throughout (no switch to ResNet-9)");
            }
        }
        loop {
            // ResNet-18 → ResNet-9 switch when the epoch counter reaches 2 (spec §2.2).
            let extreme = self.data.as_ref().expect("loaded").extreme_aspect;
            if self.epochs == 2 && !extreme && self.network.as_ref().is_some_and(|n| n.arch == Arch::Resnet18) {
                self.build_network(Arch::Resnet9)?;
            }
            let t0 = Instant::now();
            self.run_epoch(cancel)?;
            let improved = self.validate(t0)?;
            let lr_low = self.network.as_ref().is_some_and(|n| n.plateau.factor * n.guard_factor * self.base_lr() < 1e-6);
            let epoch = EpochOutcome { counter: self.epochs, improved, best: self.best_score(), lr_low };
            if let Some(stop) = self.clock.end_epoch(&mut call, t0, epoch, IMAGE_RULES) {
                return Ok(stop.near_end || stop.solved || lr_low);
            }
        }
    }

    fn predict(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let t0 = Instant::now();
        self.test_calls += 1;
        let Some((fast, fast_val, fast_test)) = &self.fast else { return Ok(None) };
        let rows = self.data.as_ref().map_or(0, |d| d.splits.test_x.size()[0] as usize);
        let k = self.core.facts.output_dim;
        // The network takes over once it beats the fast model on validation (README).
        let use_net = self.best.as_ref().is_some_and(|b| b.score > *fast_val);
        let used = match (&self.best, use_net) {
            (Some(best), true) => best.spec.arch.label(),
            _ => FAST_MODEL,
        };
        let best_score = self.best.as_ref().map(|b| b.score);
        self.core.note_published(used, || match (use_net, best_score) {
            (true, Some(score)) => format!(" (validation NAUC {score:.4}, the fast model's {fast_val:.4})"),
            _ => String::new(),
        });
        let (scores, member, tensors) = if use_net {
            let tta = self.test_calls >= 5;
            let device = self.core.config.device;
            let d = self.data.as_ref().expect("loaded");
            let best = self.best.as_mut().expect("checked above");
            if !best.test.contains_key(&tta) {
                let map: HashMap<String, Tensor> = best.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
                let (_vs, net) = load_net(&best.spec, &map, device)?;
                let p = predict_images(net.as_ref(), &d.splits.test_x, d.multilabel, tta, device)?;
                best.test.insert(tta, p);
            }
            let spec = NetSpec { tta, ..best.spec.clone() };
            let tensors = best.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
            (best.test[&tta].clone(), MemberModel::ImageNet(spec), tensors)
        } else {
            (fast_test.clone(), MemberModel::ImageRidge(fast.clone()), Vec::new())
        };
        self.core.publish("auto-image", vec![Member::single(member)], tensors, &[(used.to_string(), 1.0)])?;
        self.clock.last_test_secs = t0.elapsed().as_secs_f64();
        PredictionMatrix::new(rows, k, scores).map(Some)
    }
}
