//! Speech pipeline (spec DEEPWISDOM.md §4): a logistic regression on pooled log-mel / MFCC
//! statistics makes the first prediction, then ThinResNet34 + GhostVLAD (§9.4) trains one
//! "round" per `train` call on a class-balanced subset (§4.3) and the §4.4 ensemble of its
//! best rounds takes over. A network prediction replaces the logistic one only when its NAUC
//! on a held-out validation split is higher (README: decisions).

use std::time::{Duration, Instant};

use formats::dataset::Subset;
use formats::inspect::Domain;
use scoring::rng::SplitMix64;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Kind, Tensor};

use super::bookkeeping::LearnerCore;
use super::config::{score_text, AutoConfig, Say};
use super::data_cache::{gather, validation_split};
use super::ensemble::{blend, validation_nauc};
use super::fast::RidgeModel;
use super::members::{Member, MemberModel};
use super::resnet::snapshot;
use super::scores::is_multilabel;
use super::slot::BundleSlot;
use super::speech_features::{load_clips, window_into, ClipStream, Clips, PooledExtractor, SpectrogramExtractor, SpectrogramSpec, POOLED_DIM};
use super::speech_members::{channels_of, score_net, SpeechLogistic, SpeechNetSpec};
use super::speech_net::{self, ThinResnet34};
use crate::data::DatasetSource;
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// Adam learning rate, re-set every epoch in the original (spec §4.3).
pub const LEARNING_RATE: f64 = 0.00175;
/// Keras L2 1e-3 on the kernels, as Adam's coupled weight decay (gradient of 1e-3·Σw²).
pub const WEIGHT_DECAY: f64 = 2e-3;
pub const BATCH: usize = 32;
/// Width divisor of the network on the CPU (README: decisions); 1 on CUDA.
pub const CPU_WIDTH_DIVISOR: i64 = 4;
/// CPU input: 48 mel bands of the |STFT|, 20 ms hop, 100 frames (2 s) per example.
pub const CPU_MEL_BANDS: usize = 48;
pub const CPU_HOP: usize = 320;
pub const CPU_FRAMES: usize = 100;
/// Longest training window (spec §4.2: 250 frames).
pub const TRAIN_WINDOW: usize = 250;
/// Pretrained weights looked for in `--weights DIR`.
pub const WEIGHTS_FILE: &str = "thin_resnet34.safetensors";

/// Spec §4.2 spec length L by ThinResNet round (1-based) and class count.
pub fn spec_frames(round: usize, classes: usize) -> usize {
    match (classes < 37, round) {
        (true, 0..=9) => 350,
        (true, 10..=19) => 500,
        (true, 20..=49) => 1000,
        (true, _) => 1500,
        (false, 0..=9) => 150,
        (false, 10..=20) => 500,
        (false, 21..=49) => 1500,
        (false, _) => 2250,
    }
}

/// (frames, `height × frames` values) per clip.
type Spectrograms = Vec<(usize, Vec<f32>)>;

struct Data {
    multilabel: bool,
    waves: Vec<Vec<f32>>,
    labels: Vec<f32>,
    train_idx: Vec<usize>,
    val_idx: Vec<usize>,
    val_y: Vec<f32>,
    /// Pooled logistic features of `waves` and of the test clips.
    pooled: Vec<f32>,
    pooled_test: Vec<f32>,
    test_waves: Vec<Vec<f32>>,
    /// The rest of the training clips until the second call (and the bytes read so far).
    stream: Option<(ClipStream, usize)>,
    /// Network spectrograms (train set, test set) for `spectrogram`, computed on first use.
    specs: Option<(SpectrogramSpec, Spectrograms, Spectrograms)>,
}

struct Network {
    vs: nn::VarStore,
    net: ThinResnet34,
    opt: nn::Optimizer,
    spec: SpeechNetSpec,
}

/// A ThinResNet round kept for the §4.4 pool.
struct PoolEntry {
    loss: f64,
    val: Vec<f32>,
    test: Vec<f32>,
    spec: SpeechNetSpec,
    tensors: Vec<(String, Tensor)>,
}

/// What the latest prediction came from.
enum Published {
    Fast,
    /// Networks with equal weights (one for a single round, up to five for the ensemble).
    Nets(Vec<(SpeechNetSpec, Vec<(String, Tensor)>)>),
}

/// The fast model's name for users.
const FAST_MODEL: &str = "logistic regression on pooled log-mel/MFCC";
/// The network's name for users.
const NET_MODEL: &str = "ThinResNet34";

pub struct SpeechLearner {
    core: LearnerCore,
    data: Option<Data>,
    fast: Option<(SpeechLogistic, f64)>,
    network: Option<Network>,
    /// ThinResNet rounds run (the spec's round counter, 1-based after the first).
    rounds: usize,
    losses: Vec<f64>,
    /// Validation scores of the current network after its latest round.
    current_val: Option<Vec<f32>>,
    pool: Vec<PoolEntry>,
    published: Published,
    /// The name of the published model, for the leaderboard.
    published_name: String,
    best_score: f64,
    best_test: Vec<f32>,
    rng: SplitMix64,
    round_secs: f64,
    predict_secs: f64,
    /// Seconds a test-set pass of the network is expected to take (from the validation pass).
    test_secs_estimate: f64,
}

impl SpeechLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let core = LearnerCore::new(source, config, slot, Domain::Speech, "speech learner")?;
        let rng = SplitMix64(core.config.seed ^ 0x005B_EEC4);
        Ok(SpeechLearner {
            core,
            data: None,
            fast: None,
            network: None,
            rounds: 0,
            losses: Vec::new(),
            current_val: None,
            pool: Vec::new(),
            published: Published::Fast,
            published_name: FAST_MODEL.to_string(),
            best_score: f64::NEG_INFINITY,
            best_test: Vec::new(),
            rng,
            round_secs: 0.0,
            predict_secs: 0.0,
            test_secs_estimate: 0.0,
        })
    }




    /// Stage 0, first call: the whole test set and the first 10 % of the training clips
    /// (spec §4.1, at least 50), a logistic model on all of them (no validation yet).
    fn start(&mut self, cancel: &CancelToken) -> Result<()> {
        let k = self.core.facts.output_dim;
        let channels = channels_of(&self.core.source.train_spec);
        let dir = self.core.source.dir.clone();
        let mut stream = ClipStream::open(&dir, Subset::Train, channels, k)?;
        let total = usize::try_from(self.core.source.train_spec.sample_count).unwrap_or(0);
        let first = if total > 0 { (total / 10).max(total.min(50)) } else { 100 };
        let mut train = Clips::default();
        let mut bytes = 0usize;
        train.append(stream.read(first, cancel)?, &mut bytes, self.core.config.memory_cap, k);
        if train.waves.is_empty() {
            return Err(Error::Config("the train split has no record".into()));
        }
        let test = load_clips(&dir, Subset::Test, channels, k, usize::MAX, cancel)?;
        cancel.check()?;
        let extractor = PooledExtractor::new();
        let pooled = extractor.features_of(&train.waves);
        let pooled_test = extractor.features_of(&test.waves);
        let n = train.waves.len();
        let multilabel = is_multilabel(&train.labels, k);
        self.data = Some(Data {
            multilabel,
            waves: train.waves,
            labels: train.labels,
            pooled,
            train_idx: (0..n).collect(),
            val_idx: Vec::new(),
            val_y: Vec::new(),
            test_waves: test.waves,
            pooled_test,
            specs: None,
            stream: Some((stream, bytes)),
        });
        self.fit_fast(cancel)?;
        Ok(())
    }

    /// Stage 0, second call: the rest of the training clips, the validation split, and the
    /// logistic model refitted on the training part.
    fn finish_loading(&mut self, cancel: &CancelToken) -> Result<()> {
        let k = self.core.facts.output_dim;
        let cap = self.core.config.memory_cap;
        let d = self.data.as_mut().expect("loaded");
        let Some((mut stream, mut bytes)) = d.stream.take() else { return Ok(()) };
        let mut rest = Clips::default();
        loop {
            let chunk = stream.read(256, cancel)?;
            if chunk.waves.is_empty() {
                break;
            }
            rest.append(chunk, &mut bytes, cap, k);
        }
        if rest.skipped > 0 {
            Say::new("speech learner", &self.core.config).warn(&format!("{} training clips beyond the memory cap of {} MiB are not used", rest.skipped, cap >> 20));
        }
        d.pooled.extend(PooledExtractor::new().features_of(&rest.waves));
        d.waves.extend(rest.waves);
        d.labels.extend(rest.labels);
        d.multilabel = is_multilabel(&d.labels, k);
        let (train_idx, val_idx) = validation_split(d.waves.len(), true, self.core.config.seed);
        d.val_y = gather(&d.labels, k, &val_idx);
        d.train_idx = train_idx;
        d.val_idx = val_idx;
        self.fit_fast(cancel)
    }

    /// Logistic regression on the pooled features of the training part, scored on validation.
    fn fit_fast(&mut self, cancel: &CancelToken) -> Result<()> {
        cancel.check()?;
        let started = Instant::now();
        let k = self.core.facts.output_dim;
        let d = self.data.as_ref().expect("loaded");
        let x = gather(&d.pooled, POOLED_DIM, &d.train_idx);
        let y = gather(&d.labels, k, &d.train_idx);
        let ridge = RidgeModel::fit_logistic(&x, &y, d.train_idx.len(), POOLED_DIM, k, d.multilabel, 300)?;
        let val_score = if d.val_idx.is_empty() {
            f64::NEG_INFINITY
        } else {
            validation_nauc(&d.val_y, &ridge.predict(&gather(&d.pooled, POOLED_DIM, &d.val_idx), d.val_idx.len())?, k)
        };
        self.best_test = ridge.predict(&d.pooled_test, d.test_waves.len())?;
        self.best_score = val_score;
        self.published = Published::Fast;
        self.published_name = FAST_MODEL.to_string();
        self.core.log(&format!(
            "{} train / {} validation / {} test clips, {}",
            d.train_idx.len(),
            d.val_idx.len(),
            d.test_waves.len(),
            if d.multilabel { "multi-label" } else { "single-label" }
        ));
        self.core.slot.board().tried(FAST_MODEL, Some(val_score), started.elapsed().as_secs_f64());
        self.core.say().plain(&format!("{FAST_MODEL}: validation NAUC {}", score_text(val_score)));
        self.fast = Some((SpeechLogistic { ridge }, val_score));
        Ok(())
    }

    /// The input layout of the network for the coming round (spec §4.2 schedule on CUDA;
    /// fixed reduced input on the CPU).
    fn spectrogram_spec(&self, round: usize) -> SpectrogramSpec {
        if self.core.on_cpu() {
            SpectrogramSpec { n_fft: 512, window: 400, hop: CPU_HOP, mel_bands: CPU_MEL_BANDS, frames: CPU_FRAMES }
        } else {
            SpectrogramSpec::full(spec_frames(round, self.core.facts.output_dim))
        }
    }

    /// (Re)computes the spectrograms when the input layout changes.
    fn ensure_spectrograms(&mut self, spec: &SpectrogramSpec, cancel: &CancelToken) -> Result<()> {
        let d = self.data.as_mut().expect("loaded");
        if d.specs.as_ref().is_some_and(|(s, _, _)| s == spec) {
            return Ok(());
        }
        cancel.check()?;
        let t0 = Instant::now();
        let x = SpectrogramExtractor::new(spec);
        let train = x.spectrograms_of(&d.waves, spec.frames);
        cancel.check()?;
        let test = x.spectrograms_of(&d.test_waves, spec.frames);
        d.specs = Some((spec.clone(), train, test));
        let msg = format!("spectrograms {}×{} for {} clips in {:.2} s", spec.height(), spec.frames, d.waves.len() + d.test_waves.len(), t0.elapsed().as_secs_f64());
        self.core.log(&msg);
        Ok(())
    }

    fn build_network(&mut self, spectrogram: SpectrogramSpec) -> Result<()> {
        let k = self.core.facts.output_dim;
        let multilabel = self.data.as_ref().expect("loaded").multilabel;
        tch::manual_seed(self.core.config.seed as i64 ^ 0x5BEE);
        let mut vs = nn::VarStore::new(self.core.config.device);
        let divisor = if self.core.on_cpu() { CPU_WIDTH_DIVISOR } else { 1 };
        let net = ThinResnet34::new(&vs.root(), spectrogram.height() as i64, k as i64, divisor);
        let file = self.core.config.weights_dir.as_ref().map(|d| d.join(WEIGHTS_FILE));
        match &file {
            Some(f) if f.is_file() => {
                let n = speech_net::load_pretrained(&mut vs, f)?;
                self.core.log(&format!("ThinResNet34: {n} pretrained tensors from {}", f.display()));
                if n > 0 {
                    // Spec §4.3: the pretrained trunk stays frozen.
                    for (name, var) in vs.variables() {
                        if speech_net::frozen(&name, k) {
                            let _ = var.set_requires_grad(false);
                        }
                    }
                }
            }
            Some(f) => self.core.say().plain(&format!("{} not found; ThinResNet34 is trained from scratch", f.display())),
            None => self.core.say().plain("no --weights folder; ThinResNet34 is trained from scratch"),
        }
        let opt = nn::Adam { wd: WEIGHT_DECAY, ..Default::default() }.build(&vs, LEARNING_RATE)?;
        let spec = SpeechNetSpec { spectrogram, width_divisor: divisor, classes: k, multilabel, prefix: "net.".into() };
        self.network = Some(Network { vs, net, opt, spec });
        Ok(())
    }

    /// Spec §4.3 subset of a round: single-label, max(10, ⌊M/C⌋) random clips per class,
    /// at most M in all; multi-label, M random clips.
    fn round_subset(&mut self) -> Vec<usize> {
        let d = self.data.as_ref().expect("loaded");
        let k = self.core.facts.output_dim;
        let m = if k > 37 || d.train_idx.len() > 1000 { 300 } else { 200 };
        let order: Vec<usize> = self.rng.permutation(d.train_idx.len()).into_iter().map(|i| d.train_idx[i]).collect();
        if d.multilabel {
            return order.into_iter().take(m).collect();
        }
        let per_class = (m / k.max(1)).max(10);
        let mut taken = vec![0usize; k];
        let mut subset = Vec::new();
        for i in order {
            let class = d.labels[i * k..(i + 1) * k].iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(c, _)| c);
            if taken[class] < per_class && subset.len() < m {
                taken[class] += 1;
                subset.push(i);
            }
        }
        subset
    }

    /// One training batch: random windows of the tiled clips, time-reversed with p = 0.3.
    fn batch(&mut self, idx: &[usize]) -> (Tensor, Tensor) {
        let d = self.data.as_ref().expect("loaded");
        let (spec, specs, _) = d.specs.as_ref().expect("computed");
        let (h, l) = (spec.height(), spec.frames);
        let w = l.min(TRAIN_WINDOW);
        let k = self.core.facts.output_dim;
        let mut buf = vec![0f32; idx.len() * h * w];
        let mut reverse = Vec::with_capacity(idx.len());
        for (b, &i) in idx.iter().enumerate() {
            let (len, s) = &specs[i];
            let start = (self.rng.next() % (l - w + 1) as u64) as usize;
            window_into(s, h, *len, start, w, &mut buf[b * h * w..(b + 1) * h * w]);
            reverse.push(self.rng.unit() < 0.3);
        }
        let x = Tensor::from_slice(&buf).view([idx.len() as i64, 1, h as i64, w as i64]);
        let mask = Tensor::from_slice(&reverse).view([idx.len() as i64, 1, 1, 1]);
        let x = x.flip([3]).where_self(&mask, &x);
        let y = Tensor::from_slice(&gather(&d.labels, k, idx)).view([idx.len() as i64, k as i64]);
        (x.to_device(self.core.config.device), y.to_device(self.core.config.device))
    }

    /// One ThinResNet round (spec §4.3); stops early when `stop_at` is reached. Returns the
    /// mean training loss, or `None` when no step ran.
    fn run_round(&mut self, stop_at: Instant, cancel: &CancelToken) -> Result<Option<f64>> {
        let k = self.core.facts.output_dim;
        let multilabel = self.data.as_ref().expect("loaded").multilabel;
        let subset = self.round_subset();
        let first = self.rounds == 0;
        let epochs = match (first, k <= 10) {
            (true, true) => 8,
            (true, false) => 14,
            (false, _) => 1,
        };
        let steps = if first { subset.len() / BATCH / 2 } else { subset.len() / BATCH }.max(1);
        let (mut loss_sum, mut count) = (0.0, 0usize);
        'epochs: for _ in 0..epochs {
            let order: Vec<usize> = self.rng.permutation(subset.len()).into_iter().map(|i| subset[i]).collect();
            let (mut correct, mut seen) = (0usize, 0usize);
            for s in 0..steps {
                cancel.check()?;
                if Instant::now() >= stop_at {
                    break 'epochs;
                }
                let idx: Vec<usize> = (0..BATCH.min(order.len())).map(|j| order[(s * BATCH + j) % order.len()]).collect();
                let (x, y) = self.batch(&idx);
                let net = self.network.as_mut().expect("built");
                let logits = net.net.forward_t(&x, true);
                let loss = if multilabel {
                    logits.binary_cross_entropy_with_logits::<Tensor>(&y, None, None, tch::Reduction::Mean)
                } else {
                    logits.cross_entropy_for_logits(&y.argmax(1, false))
                };
                net.opt.backward_step(&loss);
                loss_sum += f64::try_from(&loss)?;
                count += 1;
                let hits = if multilabel {
                    logits.ge(0.0).to_kind(Kind::Float).eq_tensor(&y).all_dim(1, false)
                } else {
                    logits.argmax(1, false).eq_tensor(&y.argmax(1, false))
                };
                correct += i64::try_from(hits.sum(Kind::Int64))? as usize;
                seen += idx.len();
            }
            // Spec §4.3: a fit stops once training accuracy reaches 0.999.
            if seen > 0 && correct as f64 / seen as f64 >= 0.999 {
                break;
            }
        }
        Ok((count > 0).then(|| loss_sum / count as f64))
    }

    /// Share of consecutive decreases among the last 8 round losses (spec §4.4).
    fn go_down_rate(&self) -> f64 {
        let tail = &self.losses[self.losses.len().saturating_sub(8)..];
        if tail.len() < 2 {
            return 0.0;
        }
        tail.windows(2).filter(|w| w[1] < w[0]).count() as f64 / (tail.len() - 1) as f64
    }

    fn network_scores(&self, idx: Option<&[usize]>, cancel: &CancelToken) -> Result<Vec<f32>> {
        let d = self.data.as_ref().expect("loaded");
        let (_, specs, test_specs) = d.specs.as_ref().expect("computed");
        let net = self.network.as_ref().expect("built");
        match idx {
            Some(idx) => score_net(&net.net, specs, idx, &net.spec.spectrogram, d.multilabel, self.core.config.device, cancel),
            None => {
                let all: Vec<usize> = (0..test_specs.len()).collect();
                score_net(&net.net, test_specs, &all, &net.spec.spectrogram, d.multilabel, self.core.config.device, cancel)
            }
        }
    }

    /// The §4.4 ensemble: mean of the pooled rounds with the 5 lowest training losses.
    fn ensemble(&self) -> Option<(Vec<f32>, Vec<usize>)> {
        if self.pool.is_empty() {
            return None;
        }
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        order.sort_by(|&a, &b| self.pool[a].loss.total_cmp(&self.pool[b].loss));
        order.truncate(5);
        let mean = |get: &dyn Fn(&PoolEntry) -> &Vec<f32>| {
            let len = get(&self.pool[order[0]]).len();
            let mut out = vec![0f32; len];
            for &i in &order {
                out.iter_mut().zip(get(&self.pool[i])).for_each(|(o, v)| *o += v / order.len() as f32);
            }
            out
        };
        Some((mean(&|e| &e.val), order))
    }
}

impl Learner for SpeechLearner {
    fn name(&self) -> &str {
        "auto-speech"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let started = Instant::now();
        if self.data.is_none() {
            self.start(cancel)?;
            return Ok(false);
        }
        if self.data.as_ref().is_some_and(|d| d.stream.is_some()) {
            self.finish_loading(cancel)?;
            return Ok(false);
        }
        let d = self.data.as_ref().expect("loaded");
        if d.train_idx.is_empty() || d.val_idx.is_empty() {
            // Too few clips to train and validate a network.
            return Ok(true);
        }
        // Room for one more round and the prediction after it, else stop (the loop predicts once more).
        let reserve = 1.5 * self.predict_secs.max(self.test_secs_estimate) + 0.5;
        let left = remaining.as_secs_f64();
        if self.rounds > 0 && left < reserve + 0.5 * self.round_secs {
            return Ok(true);
        }
        let spectrogram = self.spectrogram_spec(self.rounds + 1);
        self.ensure_spectrograms(&spectrogram, cancel)?;
        if self.network.as_ref().is_none_or(|n| n.spec.spectrogram.height() != spectrogram.height()) {
            self.build_network(spectrogram.clone())?;
        }
        if let Some(net) = self.network.as_mut() {
            net.spec.spectrogram = spectrogram;
        }
        let stop_at = started + Duration::from_secs_f64((left - reserve - started.elapsed().as_secs_f64()).max(0.0));
        let t0 = Instant::now();
        let Some(loss) = self.run_round(stop_at, cancel)? else { return Ok(true) };
        self.rounds += 1;
        self.losses.push(loss);
        let val_idx = self.data.as_ref().expect("loaded").val_idx.clone();
        let t_val = Instant::now();
        let val = self.network_scores(Some(&val_idx), cancel)?;
        let (rows, test_rows) = (val_idx.len().max(1) as f64, self.data.as_ref().expect("loaded").test_waves.len() as f64);
        self.test_secs_estimate = t_val.elapsed().as_secs_f64() * test_rows / rows;
        let k = self.core.facts.output_dim;
        let val_score = validation_nauc(&self.data.as_ref().expect("loaded").val_y, &val, k);
        // Spec §4.4: from the 8th round, rounds whose loss trend is going down join the pool.
        let pooled = self.rounds >= 8 && self.go_down_rate() >= 0.7;
        if pooled {
            let test = self.network_scores(None, cancel)?;
            let net = self.network.as_ref().expect("built");
            let tensors = snapshot(&net.vs, &format!("net{}.", self.rounds));
            let spec = SpeechNetSpec { prefix: format!("net{}.", self.rounds), ..net.spec.clone() };
            self.pool.push(PoolEntry { loss, val: val.clone(), test, spec, tensors });
        }
        self.round_secs = t0.elapsed().as_secs_f64();
        self.core.slot.board().tried(NET_MODEL, Some(val_score), self.round_secs);
        self.core.log(&format!(
            "ThinResNet34 round {}: loss {loss:.4}, validation NAUC {val_score:.4}{} ({:.1} s)",
            self.rounds,
            if pooled { ", pooled" } else { "" },
            self.round_secs
        ));
        self.current_val = Some(val);
        Ok(false)
    }

    fn predict(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let t0 = Instant::now();
        let Some((fast, _)) = &self.fast else { return Ok(None) };
        let fast = fast.clone();
        let k = self.core.facts.output_dim;
        let d = self.data.as_ref().expect("loaded");
        let rows = d.test_waves.len();
        // Spec §4.4: the ensemble from the 15th round on, else the current network; it is
        // used only when it beats what was published on validation (README).
        let candidate = if self.rounds >= 15 && !self.pool.is_empty() {
            self.ensemble().map(|(val, members)| (val, Some(members)))
        } else {
            self.current_val.take().map(|val| (val, None))
        };
        if let Some((val, members)) = candidate {
            let score = validation_nauc(&d.val_y, &val, k);
            if score > self.best_score {
                cancel.check()?;
                let (test, nets) = match members {
                    Some(members) => {
                        // The bundle's blend, so `predict` reproduces these values exactly.
                        let w = 1.0 / members.len() as f64;
                        let parts: Vec<(f64, f64, &[f32])> = members.iter().map(|&i| (w, 1.0, self.pool[i].test.as_slice())).collect();
                        let nets = members
                            .iter()
                            .map(|&i| (self.pool[i].spec.clone(), self.pool[i].tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect()))
                            .collect();
                        (blend(&parts), nets)
                    }
                    None => {
                        let test = self.network_scores(None, cancel)?;
                        let net = self.network.as_ref().expect("built");
                        (test, vec![(net.spec.clone(), snapshot(&net.vs, "net."))])
                    }
                };
                let name = if nets.len() > 1 { format!("ThinResNet34 ensemble of {} rounds", nets.len()) } else { NET_MODEL.to_string() };
                if nets.len() > 1 {
                    self.core.slot.board().tried(&name, Some(score), 0.0);
                }
                self.core.say().plain(&format!("predictions now come from {name}: validation NAUC {score:.4} (before: {})", score_text(self.best_score)));
                self.published_name = name;
                self.best_score = score;
                self.best_test = test;
                self.published = Published::Nets(nets);
            }
        }
        let (members, tensors) = match &self.published {
            Published::Fast => (vec![Member::single(MemberModel::SpeechLogistic(fast))], Vec::new()),
            Published::Nets(nets) => {
                let w = 1.0 / nets.len() as f64;
                let members = nets.iter().map(|(spec, _)| Member { weight: w, divisor: 1.0, model: MemberModel::SpeechNet(spec.clone()) }).collect();
                let tensors = nets.iter().flat_map(|(_, t)| t.iter().map(|(n, t)| (n.clone(), t.shallow_clone()))).collect();
                (members, tensors)
            }
        };
        self.core.publish("auto-speech", members, tensors, &[(self.published_name.clone(), 1.0)])?;
        self.predict_secs = self.predict_secs.max(t0.elapsed().as_secs_f64());
        PredictionMatrix::new(rows, k, self.best_test.clone()).map(Some)
    }
}
